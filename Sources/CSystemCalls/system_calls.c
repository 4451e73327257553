#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "CSystemCalls.h"

int stele_write_back(int fd, int64_t offset, int64_t length) {
    return sync_file_range(fd, (off64_t)offset, (off64_t)length,
                           SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
}

ssize_t stele_read_cached(int fd, void *buffer, size_t count, int64_t offset) {
    struct iovec vector = { .iov_base = buffer, .iov_len = count };
    return preadv2(fd, &vector, 1, (off_t)offset, RWF_NOWAIT);
}

int64_t stele_seek_data_or_hole(int fd, int64_t offset, int hole) {
    return (int64_t)lseek(fd, (off_t)offset, hole ? SEEK_HOLE : SEEK_DATA);
}

int stele_no_access_time_flag(void) {
    return O_NOATIME;
}

int stele_set_timer_slack(uint64_t nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, (unsigned long)nanoseconds, 0, 0, 0);
}

int stele_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

int stele_accept(int fd, struct sockaddr *address, socklen_t *length) {
    return accept4(fd, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int stele_event_fd(void) {
    return eventfd(0, EFD_CLOEXEC);
}

int stele_usable_cpus(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
    int count = CPU_COUNT(&set);
    return count > 0 ? count : 1;
}

int stele_epoll(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int stele_watch_peer_close(int epoll, int fd, uint64_t token) {
    struct epoll_event event = { .events = EPOLLRDHUP | EPOLLONESHOT, .data.u64 = token };
    /* Re-arming comes first: a reader's next long-poll on a kept-alive
     * connection finds its socket registered, so one call does. */
    if (epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &event) == 0) return 0;
    if (errno != ENOENT) return -1;
    return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
}

int stele_wait_tokens(int epoll, uint64_t *tokens, int capacity) {
    return stele_wait_tokens_within(epoll, tokens, capacity, -1);
}

int stele_wait_tokens_within(int epoll, uint64_t *tokens, int capacity, int timeout_ms) {
    struct epoll_event events[64];
    if (capacity > 64) capacity = 64;
    int count = epoll_wait(epoll, events, capacity, timeout_ms);
    for (int index = 0; index < count; index++) tokens[index] = events[index].data.u64;
    return count;
}

int stele_watch_readable(int epoll, int fd, uint64_t token) {
    struct epoll_event event = { .events = EPOLLIN, .data.u64 = token };
    return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
}
