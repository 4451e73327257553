/*
 * connfan.c - many-connection load for `make bench-http` (loopback only).
 *
 *   connfan fanout PORT READERS ROUNDS BODY_FILE
 *       Long-poll fan-out. Each round: read `end` from GET /v1/journal, send
 *       GET /v1/records?from=END&wait_ms=30000 on READERS keep-alive connections,
 *       wait until /metrics shows READERS long-poll waiters, then POST one record
 *       (BODY_FILE, application/json) on another connection and time, from just
 *       before that send, until each reader has its complete 200 response.
 *       Prints one ROUND line per round and a FANOUT summary (medians over rounds).
 *       Every reader's response must be 200 and hold the record at END.
 *
 *   connfan idle PORT CONNS HOLD_SECONDS PATH
 *       Opens CONNS keep-alive connections, makes one GET PATH on each (at most
 *       512 in flight), then prints an IDLE line and keeps them all open, idle,
 *       for HOLD_SECONDS (counting any the server closes), then closes them.
 *
 * Always 127.0.0.1. Non-blocking sockets and one epoll loop; every wait is bounded.
 * Build: cc -O2 -Wall -o connfan connfan.c connfan_net.c
 */
#include "connfan.h"

static int fanout(int readers, int rounds, const char *body_file) {
    FILE *f = fopen(body_file, "rb");
    if (!f) die("%s: %s", body_file, strerror(errno));
    char body[65536];
    size_t body_len = fread(body, 1, sizeof body, f);
    fclose(f);
    raise_nofile(readers + 64);

    int ep = epoll_create1(0);
    conn_t *conns = calloc((size_t)readers + 1, sizeof *conns);
    for (int i = 0; i < readers; i++) {
        conns[i].fd = open_conn(1);
        if (conns[i].fd < 0) die("connect failed for reader %d: %s", i, strerror(errno));
    }
    int failed = wait_connected(ep, conns, readers, now_us() + 10e6);
    if (failed != 0) die("%d reader connections failed", failed < 0 ? readers : failed);

    double *last = calloc((size_t)rounds, sizeof(double)), *p50s = calloc((size_t)rounds, sizeof(double));
    double *lat = calloc((size_t)readers, sizeof(double));
    int bad_total = 0, ok_rounds = 0;
    char req[512], hdr[512];
    struct epoll_event evs[1024];

    for (int r = 0; r < rounds; r++) {
        int status = 0;
        char *jb = simple_request("GET /v1/journal HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", &status);
        if (!jb || status != 200) die("GET /v1/journal failed (status %d)", status);
        long long end = json_int(jb, "end");
        free(jb);
        if (end < 0) die("no end in /v1/journal");

        /* reconnect any reader the server closed last round */
        for (int i = 0; i < readers; i++) {
            if (conns[i].closed) {
                epoll_ctl(ep, EPOLL_CTL_DEL, conns[i].fd, NULL);
                close(conns[i].fd);
                conns[i].closed = 0;
                conns[i].fd = open_conn(0);  /* blocking connect on loopback, then non-blocking */
                if (conns[i].fd < 0) die("reconnect failed");
                fcntl(conns[i].fd, F_SETFL, fcntl(conns[i].fd, F_GETFL) | O_NONBLOCK);
                struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = (uint32_t)i};
                epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
            }
            conn_reset(&conns[i]);
        }
        int n = snprintf(req, sizeof req,
                         "GET /v1/records?from=%lld&wait_ms=30000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", end);
        for (int i = 0; i < readers; i++) {
            if (send_all(conns[i].fd, req, (size_t)n, now_us() + 5e6) < 0) die("send to reader %d failed", i);
            conns[i].sent = 1;
        }
        /* wait until the server holds all of them (stele_long_poll_waiters), at most 20 s */
        double t_wait = now_us();
        long long waiters = -1;
        int early = 0;
        while (now_us() - t_wait < 20e6) {
            char *m = simple_request("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", &status);
            waiters = m ? metric_value(m, "stele_long_poll_waiters") : -1;
            free(m);
            if (waiters >= readers) break;
            /* drain anything that arrived early (should not happen) */
            int k = epoll_wait(ep, evs, 1024, 20);
            for (int j = 0; j < k; j++) {
                conn_t *c = &conns[evs[j].data.u32];
                conn_read(c);
                check_complete(c);
                if (c->complete && !c->t_done) { c->t_done = now_us(); early++; }
            }
        }
        double settle_ms = (now_us() - t_wait) / 1e3;
        if (waiters < readers) fprintf(stderr, "connfan: round %d: only %lld of %d waiters after %.0f ms\n", r, waiters, readers, settle_ms);

        /* the append, on its own connection */
        conn_t *ap = &conns[readers];
        conn_reset(ap);
        ap->closed = 0;
        ap->fd = open_conn(0);
        if (ap->fd < 0) die("append connect failed");
        int hn = snprintf(hdr, sizeof hdr,
                          "POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          "Content-Length: %zu\r\nConnection: close\r\n\r\n", body_len);
        char *msg = malloc((size_t)hn + body_len);
        memcpy(msg, hdr, (size_t)hn);
        memcpy(msg + hn, body, body_len);
        fcntl(ap->fd, F_SETFL, fcntl(ap->fd, F_GETFL) | O_NONBLOCK);
        struct epoll_event aev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = (uint32_t)readers};
        epoll_ctl(ep, EPOLL_CTL_ADD, ap->fd, &aev);

        double t0 = now_us();
        if (send_all(ap->fd, msg, (size_t)hn + body_len, t0 + 5e6) < 0) die("append send failed");
        free(msg);
        int done = early;
        double deadline = t0 + 35e6;
        while ((done < readers || !ap->complete) && now_us() < deadline) {
            int k = epoll_wait(ep, evs, 1024, 100);
            for (int j = 0; j < k; j++) {
                int i = (int)evs[j].data.u32;
                conn_t *c = &conns[i];
                if (c->complete) { conn_read(c); continue; }
                conn_read(c);
                check_complete(c);
                if (c->complete) {
                    c->t_done = now_us();
                    if (i < readers) done++;
                } else if (c->closed) {
                    c->complete = 1;
                    c->status = -2;
                    c->t_done = now_us();
                    if (i < readers) done++;
                }
            }
        }
        double append_us = ap->complete ? ap->t_done - t0 : -1;
        int append_status = ap->status;
        epoll_ctl(ep, EPOLL_CTL_DEL, ap->fd, NULL);
        close(ap->fd);

        /* check every reader: 200 and the record at END */
        int ok = 0, bad = 0, got = 0;
        char want[64];
        snprintf(want, sizeof want, "\"offset\":%lld", end);
        for (int i = 0; i < readers; i++) {
            conn_t *c = &conns[i];
            int good = c->complete && c->status == 200 && c->t_done >= t0;
            if (good) {
                char *b = response_body(c);
                char *recs = strstr(b, "\"records\"");
                good = recs && strstr(recs, want) != NULL;
                free(b);
            }
            if (good) lat[got++] = c->t_done - t0;
            if (good) ok++; else bad++;
            if (!good && bad <= 3) {
                fprintf(stderr, "connfan: round %d reader %d: complete=%d status=%d: %.300s\n", r, i, c->complete,
                        c->status, c->buf ? c->buf : "");
            }
        }
        qsort(lat, (size_t)got, sizeof(double), cmp_double);
        double l_last = got ? lat[got - 1] : -1, l_p50 = pct(lat, got, 0.5), l_p99 = pct(lat, got, 0.99),
               l_first = got ? lat[0] : -1;
        printf("ROUND %d end=%lld waiters=%lld settle_ms=%.0f append_status=%d append_us=%.0f ok=%d bad=%d early=%d "
               "first_us=%.0f p50_us=%.0f p99_us=%.0f last_us=%.0f\n",
               r, end, waiters, settle_ms, append_status, append_us, ok, bad, early, l_first, l_p50, l_p99, l_last);
        fflush(stdout);
        bad_total += bad;
        if (ok == readers) {
            last[ok_rounds] = l_last;
            p50s[ok_rounds] = l_p50;
            ok_rounds++;
        }
        usleep(200000);
    }
    qsort(last, (size_t)ok_rounds, sizeof(double), cmp_double);
    qsort(p50s, (size_t)ok_rounds, sizeof(double), cmp_double);
    double med_last = ok_rounds ? (ok_rounds % 2 ? last[ok_rounds / 2] : (last[ok_rounds / 2 - 1] + last[ok_rounds / 2]) / 2) : -1;
    double med_p50 = ok_rounds ? (ok_rounds % 2 ? p50s[ok_rounds / 2] : (p50s[ok_rounds / 2 - 1] + p50s[ok_rounds / 2]) / 2) : -1;
    printf("FANOUT readers=%d rounds=%d ok_rounds=%d bad_readers=%d median_last_us=%.0f median_p50_us=%.0f min_last_us=%.0f max_last_us=%.0f\n",
           readers, rounds, ok_rounds, bad_total, med_last, med_p50, ok_rounds ? last[0] : -1,
           ok_rounds ? last[ok_rounds - 1] : -1);
    for (int i = 0; i < readers; i++) close(conns[i].fd);
    return bad_total ? 1 : 0;
}

/* ------------------------------------------------------------------ idle */

static int idle(int n, int hold, const char *path) {
    raise_nofile(n + 64);
    int ep = epoll_create1(0);
    conn_t *conns = calloc((size_t)n, sizeof *conns);
    char req[1024];
    int rl = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
    double t0 = now_us(), deadline = t0 + 60e6;
    int next = 0, inflight = 0, ok = 0, failed = 0;
    struct epoll_event evs[1024];
    while ((next < n || inflight > 0) && now_us() < deadline) {
        while (next < n && inflight < 512) {
            conn_t *c = &conns[next];
            c->fd = open_conn(1);
            if (c->fd < 0) { failed++; next++; continue; }
            struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.u32 = (uint32_t)next};
            epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
            next++;
            inflight++;
        }
        int k = epoll_wait(ep, evs, 1024, 100);
        for (int j = 0; j < k; j++) {
            int i = (int)evs[j].data.u32;
            conn_t *c = &conns[i];
            if (c->complete) continue;
            if (!c->sent && (evs[j].events & EPOLLOUT)) {
                int err = 0;
                socklen_t l = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
                if (err || send(c->fd, req, (size_t)rl, MSG_NOSIGNAL) != rl) {
                    c->complete = 1; c->status = -1; failed++; inflight--;
                    continue;
                }
                c->sent = 1;
                struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = (uint32_t)i};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
            }
            if (evs[j].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                conn_read(c);
                check_complete(c);
                if (c->complete || c->closed) {
                    if (c->complete && c->status == 200 && !c->closed) ok++; else failed++;
                    c->complete = 1;
                    inflight--;
                    free(c->buf);
                    c->buf = NULL;
                    c->cap = c->len = 0;
                }
            }
        }
    }
    printf("IDLE conns=%d ok=%d failed=%d unfinished=%d open_ms=%.0f\n", n, ok, failed, inflight, (now_us() - t0) / 1e3);
    fflush(stdout);
    /* hold them open; count the ones the server closes */
    int closed = 0;
    double hold_end = now_us() + hold * 1e6;
    while (now_us() < hold_end) {
        int k = epoll_wait(ep, evs, 1024, 200);
        for (int j = 0; j < k; j++) {
            conn_t *c = &conns[evs[j].data.u32];
            if (c->closed) continue;
            conn_read(c);
            if (c->closed) {
                closed++;
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
            }
            free(c->buf);
            c->buf = NULL;
            c->cap = c->len = 0;
        }
    }
    printf("HELD seconds=%d closed_by_server=%d\n", hold, closed);
    fflush(stdout);
    for (int i = 0; i < n; i++) if (conns[i].fd > 0) close(conns[i].fd);
    return (failed || closed) ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc >= 6 && strcmp(argv[1], "fanout") == 0) {
        port = atoi(argv[2]);
        return fanout(atoi(argv[3]), atoi(argv[4]), argv[5]);
    }
    if (argc >= 6 && strcmp(argv[1], "idle") == 0) {
        port = atoi(argv[2]);
        return idle(atoi(argv[3]), atoi(argv[4]), argv[5]);
    }
    fprintf(stderr,
            "usage: connfan fanout PORT READERS ROUNDS BODY_FILE\n"
            "       connfan idle PORT CONNS HOLD_SECONDS PATH\n");
    return 2;
}
