/*
 * mhd_fanout.c - the ceiling for long-poll fan-out over libmicrohttpd: a minimal
 * server speaking just the part of Stele's API that `connfan fanout` uses, with
 * Stele's daemon flags, and nothing else (no journal, no disk, no JSON parsing).
 *
 *   GET  /v1/journal                    200 {"start":0,"end":END}
 *   GET  /metrics                       200 text, with stele_long_poll_waiters K
 *   GET  /v1/records?from=X&wait_ms=..  X < END: 200 at once; else suspended until an append
 *   POST /v1/records (JSON body)        201 {"offset":OLD,"end":NEW}; END += 40 + body length;
 *                                       resumes every waiting reader from this thread
 * A woken reader answers 200 {"records":[{"offset":X,"blake3":"<64 hex>","json":BODY}],
 * "next":N,"end":N} with 3 headers. wait_ms is accepted but not enforced (connfan never
 * reaches it); the "blake3" is a stand-in digest (FNV-1a), computed once per append.
 *
 * With --inline-fsync FILE, each POST also writes its body into FILE (pwrite at the running
 * end, wrapping within the first 64 MiB) and fdatasyncs it inline, on the polling thread,
 * before it answers: what libmicrohttpd does for one appender when the disk's wait is done
 * where DESIGN.md rules it out, on a file that does not grow (written with zeros and synced
 * at start, so no write needs the file system's metadata). A bare fsync-per-request ceiling
 * for `immediate` at one connection.
 *
 * usage: mhd_fanout [--threads N] [--epoll] [--shared] [--inline-fsync FILE] PORT   (PORT 0: any free port)
 *   --threads N  MHD_OPTION_THREAD_POOL_SIZE (default 2; 1 = no pool, as stele does)
 *   --epoll      MHD_USE_EPOLL instead of MHD_USE_POLL
 *   --shared     variant (b): one MHD_Response per append, queued to every woken reader;
 *                default (a): each woken reader makes its own (MUST_COPY + 3 headers)
 * Prints "mhd_fanout listening on 127.0.0.1:PORT"; SIGINT/SIGTERM resume every waiter
 * (they get an empty answer) and stop the daemon.
 * Build: cc -O2 -Wall -o mhd_fanout mhd_fanout.c $(pkg-config --cflags --libs libmicrohttpd) -lpthread
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_BODY (1 << 20)
#define INLINE_SPAN (64LL << 20)   /* --inline-fsync: the file's written, reused span */

typedef struct {            /* one appended record */
    long long offset;
    char *json;
    size_t len;
    char hex[65];
} record_t;

typedef struct {            /* variant (b): an answer shared by every reader one append wakes */
    struct MHD_Response *resp;
    atomic_int pending;     /* readers still to queue it; the last one drops our reference */
} shared_t;

typedef struct {            /* per-request state (*con_cls), freed when the request completes */
    int woken;
    long long from;
    char *body;
    size_t len;
    shared_t *shared;       /* set for a reader woken by a --shared append */
    struct MHD_Connection *conn;
} req_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;  /* guards everything below */
static long long end_off;
static record_t *recs;
static size_t nrecs, caprecs;
static req_t **waiting;
static size_t nwaiting, capwaiting;
static int stopping, use_shared;
static int inline_fd = -1;      /* --inline-fsync: written and fdatasynced by the handler */
static long long inline_at;       /* next write position, under `lock` */

static void fake_digest(const char *s, size_t n, char out[65]) {
    for (int k = 0; k < 4; k++) {
        uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)k * 0x9e3779b97f4a7c15ULL;
        for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
        snprintf(out + 16 * k, 17, "%016llx", (unsigned long long)h);
    }
}

/* The records body for a reader at `from`: records with offset >= from (at most 100). Lock held. */
static char *records_body(long long from, size_t *out_len) {
    size_t i = 0, cap = 256, n;
    while (i < nrecs && recs[i].offset < from) i++;   /* linear: the journal here stays small */
    size_t last = i + 100 < nrecs ? i + 100 : nrecs;
    for (size_t j = i; j < last; j++) cap += recs[j].len + 128;
    char *b = malloc(cap);
    n = (size_t)snprintf(b, cap, "{\"records\":[");
    for (size_t j = i; j < last; j++)
        n += (size_t)snprintf(b + n, cap - n, "%s{\"offset\":%lld,\"blake3\":\"%s\",\"json\":%.*s}", j > i ? "," : "",
                              recs[j].offset, recs[j].hex, (int)recs[j].len, recs[j].json);
    long long next = last < nrecs ? recs[last].offset : end_off;
    n += (size_t)snprintf(b + n, cap - n, "],\"next\":%lld,\"end\":%lld}", next > from ? next : from, end_off);
    *out_len = n;
    return b;
}

static struct MHD_Response *json_response(const char *body, size_t len, enum MHD_ResponseMemoryMode mode) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, mode);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    return r;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *body, const char *type) {
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* A woken reader (called again by MHD after MHD_resume_connection). */
static enum MHD_Result answer_woken(struct MHD_Connection *c, req_t *q) {
    enum MHD_Result ret;
    if (q->shared) {        /* (b): the append's answer, already made */
        shared_t *sh = q->shared;
        ret = MHD_queue_response(c, MHD_HTTP_OK, sh->resp);
        if (atomic_fetch_sub(&sh->pending, 1) == 1) { MHD_destroy_response(sh->resp); free(sh); }
        return ret;
    }
    size_t n = 0;          /* (a): its own answer (an empty one when stopping) */
    pthread_mutex_lock(&lock);
    char *b = stopping ? strdup("{\"records\":[]}") : records_body(q->from, &n);
    pthread_mutex_unlock(&lock);
    if (!n) n = strlen(b);
    struct MHD_Response *r = json_response(b, n, MHD_RESPMEM_MUST_COPY);
    free(b);
    ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* Writes one body at the file's running end and waits for the disk (--inline-fsync). */
static void write_inline(const char *body, size_t len) {
    pthread_mutex_lock(&lock);
    if (inline_at + (long long)len > INLINE_SPAN) inline_at = 0;
    long long at = inline_at;
    inline_at += (long long)len;
    pthread_mutex_unlock(&lock);
    if (pwrite(inline_fd, body, len, at) != (ssize_t)len || fdatasync(inline_fd) != 0) { perror("mhd_fanout: inline write"); abort(); }
}

/* Fills FILE's span with zeros and syncs it, so later writes change no metadata. */
static int prepare_inline(const char *path) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) { perror(path); return -1; }
    static char zeros[1 << 20];
    for (long long at = 0; at < INLINE_SPAN; at += (long long)sizeof zeros)
        if (pwrite(fd, zeros, sizeof zeros, at) != (ssize_t)sizeof zeros) { perror(path); close(fd); return -1; }
    if (fsync(fd) != 0) { perror(path); close(fd); return -1; }
    return fd;
}

static enum MHD_Result append(struct MHD_Connection *c, req_t *q) {
    record_t rec = {.json = q->body, .len = q->len};
    q->body = NULL;
    if (inline_fd >= 0) write_inline(rec.json, rec.len);
    fake_digest(rec.json, rec.len, rec.hex);
    req_t **woke;
    size_t nwoke = 0;
    shared_t *sh = NULL;
    pthread_mutex_lock(&lock);
    long long old = end_off;
    rec.offset = old;
    if (nrecs == caprecs) recs = realloc(recs, (caprecs = caprecs ? 2 * caprecs : 1024) * sizeof *recs);
    recs[nrecs++] = rec;
    end_off += 40 + (long long)rec.len;         /* as if framed like Stele's records */
    woke = malloc((nwaiting + 1) * sizeof *woke);
    size_t keep = 0;
    for (size_t i = 0; i < nwaiting; i++) {      /* a reader past the new end keeps waiting */
        if (waiting[i]->from < end_off) woke[nwoke++] = waiting[i]; else waiting[keep++] = waiting[i];
    }
    nwaiting = keep;
    if (use_shared && nwoke > 0) {
        size_t n;
        char *b = records_body(old, &n);
        sh = malloc(sizeof *sh);
        sh->resp = json_response(b, n, MHD_RESPMEM_MUST_FREE);
        atomic_init(&sh->pending, 0);
        for (size_t i = 0; i < nwoke; i++)
            if (woke[i]->from == old) { woke[i]->shared = sh; atomic_fetch_add(&sh->pending, 1); }
    }
    for (size_t i = 0; i < nwoke; i++) woke[i]->woken = 1;
    pthread_mutex_unlock(&lock);
    if (sh && atomic_load(&sh->pending) == 0) { MHD_destroy_response(sh->resp); free(sh); }
    for (size_t i = 0; i < nwoke; i++) MHD_resume_connection(woke[i]->conn);
    free(woke);
    char out[128];
    snprintf(out, sizeof out, "{\"offset\":%lld,\"end\":%lld}", old, old + 40 + (long long)rec.len);
    return send_text(c, MHD_HTTP_CREATED, out, "application/json");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload, size_t *upload_size, void **con_cls) {
    req_t *q = *con_cls;
    char buf[256];
    (void)cls; (void)version;
    if (!q) {   /* first call: the head is in. Answer on a later one: a response queued this early */
        q = calloc(1, sizeof *q);           /* makes libmicrohttpd close the connection after it */
        *con_cls = q;
        return MHD_YES;
    }
    if (q->woken) return answer_woken(c, q);
    if (strcmp(method, "POST") == 0 && strcmp(url, "/v1/records") == 0) {
        if (*upload_size) {
            if (q->len + *upload_size > MAX_BODY) return MHD_NO;
            q->body = realloc(q->body, q->len + *upload_size);
            memcpy(q->body + q->len, upload, *upload_size);
            q->len += *upload_size;
            *upload_size = 0;
            return MHD_YES;
        }
        if (q->len == 0) return send_text(c, MHD_HTTP_BAD_REQUEST, "{\"error\":\"empty body\"}", "application/json");
        return append(c, q);
    }
    if (strcmp(method, "GET") != 0) return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "{}", "application/json");
    if (strcmp(url, "/v1/journal") == 0) {
        pthread_mutex_lock(&lock);
        snprintf(buf, sizeof buf, "{\"start\":0,\"end\":%lld}", end_off);
        pthread_mutex_unlock(&lock);
        return send_text(c, MHD_HTTP_OK, buf, "application/json");
    }
    if (strcmp(url, "/metrics") == 0) {
        pthread_mutex_lock(&lock);
        snprintf(buf, sizeof buf, "# TYPE stele_long_poll_waiters gauge\nstele_long_poll_waiters %zu\n", nwaiting);
        pthread_mutex_unlock(&lock);
        return send_text(c, MHD_HTTP_OK, buf, "text/plain; version=0.0.4");
    }
    if (strcmp(url, "/v1/records") != 0) return send_text(c, MHD_HTTP_NOT_FOUND, "{}", "application/json");
    const char *f = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
    long long from = f ? atoll(f) : 0;
    pthread_mutex_lock(&lock);
    if (from < end_off || stopping) {
        size_t n;
        char *b = records_body(from, &n);
        pthread_mutex_unlock(&lock);
        struct MHD_Response *r = json_response(b, n, MHD_RESPMEM_MUST_FREE);
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
    }
    q->from = from;     /* wait: listed and suspended under the lock, so an append that */
    q->conn = c;        /* sees it resumes a connection that is really suspended */
    if (nwaiting == capwaiting) waiting = realloc(waiting, (capwaiting = capwaiting ? 2 * capwaiting : 1024) * sizeof *waiting);
    waiting[nwaiting++] = q;
    MHD_suspend_connection(c);
    pthread_mutex_unlock(&lock);
    return MHD_YES;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
    req_t *q = *con_cls;
    (void)cls; (void)c; (void)toe;
    if (!q) return;
    free(q->body);
    free(q);
    *con_cls = NULL;
}

int main(int argc, char **argv) {
    int threads = 2, use_epoll = 0, opt;
    static const struct option longopts[] = {
        {"threads", required_argument, 0, 't'}, {"epoll", no_argument, 0, 'e'}, {"shared", no_argument, 0, 's'},
        {"inline-fsync", required_argument, 0, 'f'}, {0, 0, 0, 0}};
    const char *inline_path = NULL;
    while ((opt = getopt_long(argc, argv, "t:esf:", longopts, NULL)) != -1) {
        if (opt == 't') threads = atoi(optarg);
        else if (opt == 'e') use_epoll = 1;
        else if (opt == 's') use_shared = 1;
        else if (opt == 'f') inline_path = optarg;
        else return 2;
    }
    if (optind != argc - 1 || threads < 1) {
        fprintf(stderr, "usage: mhd_fanout [--threads N] [--epoll] [--shared] [--inline-fsync FILE] PORT\n");
        return 2;
    }
    if (inline_path && (inline_fd = prepare_inline(inline_path)) < 0) return 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[optind]))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sigset_t sigs;              /* blocked here, so every MHD thread inherits the mask */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
                     (use_epoll ? MHD_USE_EPOLL : MHD_USE_POLL);
    struct MHD_OptionItem ops[] = {
        {MHD_OPTION_SOCK_ADDR, 0, &sa},
        {MHD_OPTION_CONNECTION_LIMIT, 20000, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 4096, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, NULL},
        {threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads, NULL},
        {MHD_OPTION_END, 0, NULL}};
    struct MHD_Daemon *d = MHD_start_daemon(flags, 0, NULL, NULL, handler, NULL, MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
    if (!d) { fprintf(stderr, "mhd_fanout: MHD_start_daemon failed\n"); return 1; }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("mhd_fanout listening on 127.0.0.1:%u (libmicrohttpd %s, %s, threads %d, %s responses%s)\n",
           info ? info->port : 0, MHD_get_version(), use_epoll ? "epoll" : "poll", threads,
           use_shared ? "shared" : "per-reader", inline_fd >= 0 ? ", inline fdatasync" : "");
    fflush(stdout);

    int sig;
    sigwait(&sigs, &sig);
    pthread_mutex_lock(&lock);   /* no more waiting; answer every waiter before the daemon stops */
    stopping = 1;
    req_t **left = waiting;
    size_t nleft = nwaiting;
    for (size_t i = 0; i < nleft; i++) left[i]->woken = 1;
    waiting = NULL;
    nwaiting = capwaiting = 0;
    pthread_mutex_unlock(&lock);
    for (size_t i = 0; i < nleft; i++) MHD_resume_connection(left[i]->conn);
    free(left);
    usleep(200000);
    MHD_stop_daemon(d);
    return 0;
}
