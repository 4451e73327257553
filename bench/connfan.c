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
 * Build: cc -O2 -Wall -o connfan connfan.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port;

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "connfan: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

/* ------------------------------------------------------------------ HTTP response parsing */

typedef struct {
    int fd;
    char *buf;
    size_t len, cap;
    int status;     /* parsed status code, 0 until the head is in */
    int complete;   /* 1 when the whole response is in */
    int closed;     /* peer closed the connection */
    int sent;       /* request written */
    double t_done;  /* completion time (us, monotonic) */
} conn_t;

static void buf_reserve(conn_t *c, size_t extra) {
    if (c->len + extra + 1 <= c->cap) return;
    size_t cap = c->cap ? c->cap : 4096;
    while (cap < c->len + extra + 1) cap *= 2;
    c->buf = realloc(c->buf, cap);
    if (!c->buf) die("out of memory");
    c->cap = cap;
}

static void conn_reset(conn_t *c) {
    c->len = 0;
    c->status = 0;
    c->complete = 0;
    c->sent = 0;
    c->t_done = 0;
}

/* Case-insensitive search for a header's value inside the head [buf, head_end). */
static const char *header_value(const char *buf, const char *head_end, const char *name) {
    size_t n = strlen(name);
    for (const char *p = buf; p && p < head_end; p = memchr(p, '\n', head_end - p)) {
        if (*p == '\n') p++;
        if ((size_t)(head_end - p) > n + 1 && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            p += n + 1;
            while (*p == ' ' || *p == '\t') p++;
            return p;
        }
    }
    return NULL;
}

/* Decides whether c->buf holds a complete response (Content-Length or chunked). */
static void check_complete(conn_t *c) {
    c->buf[c->len] = 0;
    char *head_end = strstr(c->buf, "\r\n\r\n");
    if (!head_end) return;
    if (!c->status) {
        if (strncmp(c->buf, "HTTP/1.", 7) != 0) { c->status = -1; c->complete = 1; return; }
        c->status = atoi(c->buf + 9);
    }
    size_t body_start = (size_t)(head_end - c->buf) + 4;
    const char *cl = header_value(c->buf, head_end, "Content-Length");
    const char *te = header_value(c->buf, head_end, "Transfer-Encoding");
    if (te && strncasecmp(te, "chunked", 7) == 0) {
        /* walk the chunks: SIZE\r\nDATA\r\n ... 0\r\n\r\n */
        size_t p = body_start;
        for (;;) {
            char *eol = strstr(c->buf + p, "\r\n");
            if (!eol) return;
            unsigned long size = strtoul(c->buf + p, NULL, 16);
            size_t data = (size_t)(eol - c->buf) + 2;
            if (size == 0) {
                if (c->len >= data + 2 && memcmp(c->buf + data, "\r\n", 2) == 0) c->complete = 1;
                return;
            }
            if (c->len < data + size + 2) return;
            p = data + size + 2;
        }
    } else if (cl) {
        if (c->len >= body_start + strtoul(cl, NULL, 10)) c->complete = 1;
    } else if (c->closed) {
        c->complete = 1;
    }
}

/* Body of a complete response, de-chunked into out (malloc'd). */
static char *response_body(conn_t *c) {
    char *head_end = strstr(c->buf, "\r\n\r\n");
    if (!head_end) return strdup("");
    size_t body_start = (size_t)(head_end - c->buf) + 4;
    const char *te = header_value(c->buf, head_end, "Transfer-Encoding");
    if (!(te && strncasecmp(te, "chunked", 7) == 0)) return strdup(c->buf + body_start);
    char *out = malloc(c->len + 1);
    size_t o = 0, p = body_start;
    for (;;) {
        char *eol = strstr(c->buf + p, "\r\n");
        if (!eol) break;
        unsigned long size = strtoul(c->buf + p, NULL, 16);
        size_t data = (size_t)(eol - c->buf) + 2;
        if (size == 0 || data + size > c->len) break;
        memcpy(out + o, c->buf + data, size);
        o += size;
        p = data + size + 2;
    }
    out[o] = 0;
    return out;
}

/* ------------------------------------------------------------------ sockets */

static int open_conn(int nonblocking) {
    int fd = socket(AF_INET, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) die("socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads what is available; returns 0 on progress/EAGAIN, -1 on error. Sets closed on EOF. */
static int conn_read(conn_t *c) {
    for (;;) {
        buf_reserve(c, 65536);
        ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
        if (n > 0) { c->len += (size_t)n; continue; }
        if (n == 0) { c->closed = 1; return 0; }
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        if (errno == EINTR) continue;
        c->closed = 1;
        return -1;
    }
}

static int send_all(int fd, const char *data, size_t len, double deadline) {
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, data + off, len - off, MSG_NOSIGNAL);
        if (n > 0) { off += (size_t)n; continue; }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (now_us() > deadline) return -1;
            usleep(100);
            continue;
        }
        return -1;
    }
    return 0;
}

/* One blocking request on a fresh connection (5 s bound); returns the body (malloc'd) or NULL. */
static char *simple_request(const char *req, int *status) {
    conn_t c = {0};
    c.fd = open_conn(0);
    if (c.fd < 0) return NULL;
    struct timeval tv = {.tv_sec = 5};
    setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (send_all(c.fd, req, strlen(req), now_us() + 5e6) < 0) { close(c.fd); return NULL; }
    while (!c.complete) {
        buf_reserve(&c, 65536);
        ssize_t n = recv(c.fd, c.buf + c.len, c.cap - c.len - 1, 0);
        if (n <= 0) { c.closed = 1; if (c.len) check_complete(&c); break; }
        c.len += (size_t)n;
        check_complete(&c);
    }
    close(c.fd);
    if (!c.complete) { free(c.buf); return NULL; }
    *status = c.status;
    char *body = response_body(&c);
    free(c.buf);
    return body;
}

static long long json_int(const char *body, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = strstr(body, pat);
    if (!p) return -1;
    p += strlen(pat);
    while (*p == ' ' || *p == ':') p++;
    return strtoll(p, NULL, 10);
}

static long long metric_value(const char *text, const char *name) {
    size_t n = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, n) == 0 && (p[n] == ' ' || p[n] == '{')) {
            const char *v = strchr(p + n, ' ');
            return v ? (long long)strtod(v + 1, NULL) : -1;
        }
    }
    return -1;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double f) {  /* nearest rank, v sorted */
    if (n == 0) return 0;
    int r = (int)(f * n + 0.999999) - 1;
    if (r < 0) r = 0;
    if (r >= n) r = n - 1;
    return v[r];
}

static void raise_nofile(int need) {
    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r);
    if (r.rlim_cur < (rlim_t)need) {
        r.rlim_cur = r.rlim_max < (rlim_t)need ? r.rlim_max : (rlim_t)need;
        setrlimit(RLIMIT_NOFILE, &r);
    }
    getrlimit(RLIMIT_NOFILE, &r);
    if (r.rlim_cur < (rlim_t)need) die("need %d file descriptors, ulimit -n is %ld", need, (long)r.rlim_cur);
}

/* Waits for every non-blocking connect in conns[0..n) to finish (bounded). */
static int wait_connected(int ep, conn_t *conns, int n, double deadline) {
    int pending = 0;
    for (int i = 0; i < n; i++) {
        struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
        pending++;
    }
    struct epoll_event evs[1024];
    int failed = 0;
    while (pending > 0 && now_us() < deadline) {
        int k = epoll_wait(ep, evs, 1024, 100);
        for (int j = 0; j < k; j++) {
            int i = (int)evs[j].data.u32;
            int err = 0;
            socklen_t l = sizeof err;
            getsockopt(conns[i].fd, SOL_SOCKET, SO_ERROR, &err, &l);
            if (err) failed++;
            struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = (uint32_t)i};
            epoll_ctl(ep, EPOLL_CTL_MOD, conns[i].fd, &ev);
            /* stop listening for EPOLLOUT: re-add only EPOLLIN (done above) */
            pending--;
        }
    }
    return pending ? -1 : failed;
}

/* ------------------------------------------------------------------ fanout */

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
