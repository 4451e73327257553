#ifndef STELE_CMICROHTTPD_SHIM_H
#define STELE_CMICROHTTPD_SHIM_H
/* libmicrohttpd's header needs the socket and integer types declared first. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

/* Where libmicrohttpd's log lines go: a plain function and its context. */
typedef void (*stele_mhd_log_sink)(void *context, const char *message);
struct stele_mhd_log_target {
    stele_mhd_log_sink sink;
    void *context;
};

/* MHD_OPTION_EXTERNAL_LOGGER hands over a printf format and a va_list, which
 * Swift cannot format; this formats the line and passes it on as a string. */
static void stele_mhd_log_trampoline(void *cls, const char *format, va_list arguments) {
    char line[512];
    vsnprintf(line, sizeof line, format, arguments);
    size_t length = strlen(line);
    while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r')) line[--length] = 0;
    struct stele_mhd_log_target *target = (struct stele_mhd_log_target *)cls;
    target->sink(target->context, line);
}

/* The URL unescaper libmicrohttpd runs on the path and on query arguments.
 * This one leaves them as received: the service decodes them itself, so that
 * "%00" or "%2F" inside a path segment are seen (and refused) rather than
 * silently cutting the C string short or splitting a segment. */
static size_t stele_mhd_keep_escapes(void *cls, struct MHD_Connection *connection, char *text) {
    (void)cls;
    (void)connection;
    return strlen(text);
}

/* MHD_start_daemon is variadic, and Swift cannot call a variadic C function:
 * this passes the fixed callbacks here and everything else as an option array. */
static inline struct MHD_Daemon *stele_mhd_start(
    unsigned int flags, uint16_t port, MHD_AccessHandlerCallback handler, void *handler_context,
    MHD_RequestCompletedCallback completed, void *completed_context,
    MHD_NotifyConnectionCallback connection_notify, void *connection_notify_context,
    struct stele_mhd_log_target *log, const struct MHD_OptionItem *options) {
    return MHD_start_daemon(
        flags, port, NULL, NULL, handler, handler_context,
        /* The logger first, so that no message goes to MHD's own stderr logger. */
        MHD_OPTION_EXTERNAL_LOGGER, stele_mhd_log_trampoline, (void *)log,
        MHD_OPTION_NOTIFY_COMPLETED, completed, completed_context,
        MHD_OPTION_NOTIFY_CONNECTION, connection_notify, connection_notify_context,
        MHD_OPTION_UNESCAPE_CALLBACK, stele_mhd_keep_escapes, NULL,
        MHD_OPTION_ARRAY, options,
        MHD_OPTION_END);
}
/* MHD_get_connection_info is variadic: this asks it for the socket. */
static inline int stele_mhd_connection_socket(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : info->connect_fd;
}

/* MHD_get_daemon_info is variadic too; this asks it for the open connections. */
static inline unsigned int stele_mhd_connection_count(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return info == NULL ? 0 : info->num_connections;
}

/* The epoll descriptor of a daemon started with MHD_USE_EPOLL and no internal
 * thread: readable whenever the daemon has sockets (or a resume) to process. */
static inline int stele_mhd_epoll_fd(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_EPOLL_FD);
    return info == NULL ? -1 : info->epoll_fd;
}

/* The client's address of a connection (NULL if libmicrohttpd has none). */
static inline const struct sockaddr *stele_mhd_client_address(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return info == NULL ? NULL : info->client_addr;
}

/* The daemon serving a connection. */
static inline struct MHD_Daemon *stele_mhd_connection_daemon(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_DAEMON);
    return info == NULL ? NULL : info->daemon;
}
#endif
