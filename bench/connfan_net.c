/* connfan_net.c - see connfan.h. */
#include "connfan.h"

int port;

double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "connfan: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

/* ------------------------------------------------------------------ HTTP response parsing */


void buf_reserve(conn_t *c, size_t extra) {
    if (c->len + extra + 1 <= c->cap) return;
    size_t cap = c->cap ? c->cap : 4096;
    while (cap < c->len + extra + 1) cap *= 2;
    c->buf = realloc(c->buf, cap);
    if (!c->buf) die("out of memory");
    c->cap = cap;
}

void conn_reset(conn_t *c) {
    c->len = 0;
    c->status = 0;
    c->complete = 0;
    c->sent = 0;
    c->t_done = 0;
}

/* Case-insensitive search for a header's value inside the head [buf, head_end). */
const char *header_value(const char *buf, const char *head_end, const char *name) {
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
void check_complete(conn_t *c) {
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
char *response_body(conn_t *c) {
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

int open_conn(int nonblocking) {
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
int conn_read(conn_t *c) {
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

int send_all(int fd, const char *data, size_t len, double deadline) {
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
char *simple_request(const char *req, int *status) {
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

long long json_int(const char *body, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = strstr(body, pat);
    if (!p) return -1;
    p += strlen(pat);
    while (*p == ' ' || *p == ':') p++;
    return strtoll(p, NULL, 10);
}

long long metric_value(const char *text, const char *name) {
    size_t n = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, n) == 0 && (p[n] == ' ' || p[n] == '{')) {
            const char *v = strchr(p + n, ' ');
            return v ? (long long)strtod(v + 1, NULL) : -1;
        }
    }
    return -1;
}

int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double pct(double *v, int n, double f) {  /* nearest rank, v sorted */
    if (n == 0) return 0;
    int r = (int)(f * n + 0.999999) - 1;
    if (r < 0) r = 0;
    if (r >= n) r = n - 1;
    return v[r];
}

void raise_nofile(int need) {
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
int wait_connected(int ep, conn_t *conns, int n, double deadline) {
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
