// Linux calls the journal needs that Swift's Glibc module does not export
// (GNU extensions declared only under _GNU_SOURCE, and variadic prctl).
#ifndef STELE_C_SYSTEM_CALLS_H
#define STELE_C_SYSTEM_CALLS_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/// Writes the dirty page-cache pages of [offset, offset + length) of `fd` to
/// the device and waits for them (sync_file_range with WAIT_BEFORE, WRITE and
/// WAIT_AFTER). Unlike fdatasync it neither flushes the device's write cache
/// nor commits metadata, so nothing becomes durable: it only spreads out the
/// I/O that a later fdatasync would otherwise do at once.
/// Returns 0, or -1 with errno set (EINTR is left to the caller).
int stele_write_back(int fd, int64_t offset, int64_t length);

/// Reads up to `count` bytes at `offset` of `fd` like pread, but only what
/// the page cache holds: preadv2 with RWF_NOWAIT. Returns the bytes read (0 at
/// the end of the file; fewer than asked when the cache holds only the
/// start), or -1 with errno EAGAIN when the first byte would have to come
/// from the device, EOPNOTSUPP when the file system cannot tell, or another
/// error as pread sets it.
ssize_t stele_read_cached(int fd, void *buffer, size_t count, int64_t offset);

/// lseek's SEEK_DATA (`hole` false) or SEEK_HOLE (`hole` true), GNU
/// extensions: the first position at or after `offset` that holds data, or
/// that starts a hole (the end of the file counts as one). Space allocated
/// but never written counts as a hole unless the page cache holds data for
/// it. Returns the position, or -1 with errno set: ENXIO when no data
/// follows `offset` (SEEK_DATA) or `offset` is past the end.
int64_t stele_seek_data_or_hole(int fd, int64_t offset, int hole);

/// O_NOATIME, a GNU extension: open a file without updating its access time
/// on reads (allowed to the file's owner; EPERM for others).
int stele_no_access_time_flag(void);

/// Sets the calling thread's timer slack (prctl PR_SET_TIMERSLACK): how late
/// the kernel may end its timed sleeps to group wake-ups, 50 µs by default.
/// Returns 0, or -1 with errno set.
int stele_set_timer_slack(uint64_t nanoseconds);

/// Names the calling thread (prctl PR_SET_NAME; at most 15 bytes are kept)
/// as top -H, perf and /proc/PID/task/TID/comm show it.
/// Returns 0, or -1 with errno set.
int stele_set_thread_name(const char *name);

/// Accepts a connection on the listening socket `fd` (accept4, a GNU
/// extension), the new socket non-blocking and close-on-exec.
/// Returns the socket, or -1 with errno set.
int stele_accept(int fd, struct sockaddr *address, socklen_t *length);

/// A new eventfd (counter 0, close-on-exec), or -1 with errno set.
int stele_event_fd(void);

/// A new epoll instance (close-on-exec), or -1 with errno set.
int stele_epoll(void);

/// Asks the epoll instance `epoll` to report, once, that the peer of socket
/// `fd` has closed or reset its side (EPOLLRDHUP | EPOLLONESHOT; hang-ups
/// and errors are always reported), with `token` as the event's data. A
/// socket already registered is re-armed with the new token. Returns 0, or
/// -1 with errno set.
int stele_watch_peer_close(int epoll, int fd, uint64_t token);

/// Waits (epoll_wait, no timeout) for events on `epoll` and stores up to
/// `capacity` of their tokens. Returns how many, or -1 with errno set.
int stele_wait_tokens(int epoll, uint64_t *tokens, int capacity);

/// As `stele_wait_tokens`, for at most `timeout_ms` milliseconds (-1: no
/// limit). Returns how many tokens (0 when the time ran out), or -1 with errno set.
int stele_wait_tokens_within(int epoll, uint64_t *tokens, int capacity, int timeout_ms);

/// Adds `fd` to `epoll` for readability, reported with `token`.
/// Returns 0, or -1 with errno set.
int stele_watch_readable(int epoll, int fd, uint64_t token);

/// The CPUs the calling thread may run on (sched_getaffinity), at least 1.
int stele_usable_cpus(void);

#endif
