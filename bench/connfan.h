/*
 * connfan.h - the connection and HTTP-response helpers connfan's modes share
 * (connfan_net.c): non-blocking loopback sockets, response parsing, small
 * requests, percentiles.
 */
#ifndef CONNFAN_H
#define CONNFAN_H
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

extern int port;

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

double now_us(void);
void die(const char *fmt, ...);
void buf_reserve(conn_t *c, size_t extra);
void conn_reset(conn_t *c);
const char *header_value(const char *buf, const char *head_end, const char *name);
void check_complete(conn_t *c);
char *response_body(conn_t *c);
int open_conn(int nonblocking);
int conn_read(conn_t *c);
int send_all(int fd, const char *data, size_t len, double deadline);
char *simple_request(const char *req, int *status);
long long json_int(const char *body, const char *key);
long long metric_value(const char *text, const char *name);
int cmp_double(const void *a, const void *b);
double pct(double *v, int n, double f);
void raise_nofile(int need);
int wait_connected(int ep, conn_t *conns, int n, double deadline);

#endif
