/*
 * fsync_overlap: does this disk complete overlapping fdatasyncs faster than
 * one at a time?
 *
 * DESIGN.md's group commit keeps one fdatasync in flight: appends that arrive
 * during it wait, and go out together as the next batch. This probe measures
 * what that leaves on the table. T threads share one preallocated (written
 * with zeros, synced) file; each loops on "take the next W bytes of the file,
 * pwrite them, fdatasync", for S seconds. It prints the fdatasyncs completed
 * per second, and the bytes made durable per second. One thread with W = 64
 * records of 296 bytes is what group commit does at 64 appenders; two
 * threads with half of it is what two batches in flight at once would do.
 *
 *   cc -O2 -o fsync_overlap bench/fsync_overlap.c -lpthread
 *   ./fsync_overlap [DIR] [SECONDS]        (default: . and 2)
 *
 * It writes a 128 MiB scratch file in DIR and removes it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FILE_BYTES (128L << 20)
#define RECORD_BYTES 296

static int fd;
static atomic_long next_offset;
static atomic_long completed;
static size_t write_bytes;
static double deadline;

static double seconds_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

static void *writer(void *unused) {
    (void)unused;
    static const char payload[65536] = {'x'};
    while (seconds_now() < deadline) {
        long offset = atomic_fetch_add(&next_offset, (long)write_bytes);
        if (offset + (long)write_bytes > FILE_BYTES) break;
        if (pwrite(fd, payload, write_bytes, offset) != (ssize_t)write_bytes || fdatasync(fd) != 0) {
            perror("pwrite/fdatasync");
            exit(1);
        }
        atomic_fetch_add(&completed, 1);
    }
    return NULL;
}

static void prepare(const char *path) {
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) { perror(path); exit(1); }
    static char zeros[1 << 20];
    for (long written = 0; written < FILE_BYTES; written += sizeof zeros) {
        if (write(fd, zeros, sizeof zeros) != (ssize_t)sizeof zeros) { perror("write"); exit(1); }
    }
    if (fsync(fd) != 0) { perror("fsync"); exit(1); }
}

static void run(const char *path, int threads, int records, double seconds) {
    prepare(path);
    write_bytes = (size_t)records * RECORD_BYTES;
    atomic_store(&next_offset, 0);
    atomic_store(&completed, 0);
    pthread_t workers[16];
    double started = seconds_now();
    deadline = started + seconds;
    for (int i = 0; i < threads; i++) pthread_create(&workers[i], NULL, writer, NULL);
    for (int i = 0; i < threads; i++) pthread_join(workers[i], NULL);
    double elapsed = seconds_now() - started;
    long syncs = atomic_load(&completed);
    printf("%d thread(s) x %2d records (%6zu B) per fdatasync: %6.0f fdatasyncs/s, %8.0f records/s\n",
           threads, records, write_bytes, (double)syncs / elapsed, (double)syncs * records / elapsed);
    close(fd);
    unlink(path);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    double seconds = argc > 2 ? atof(argv[2]) : 2.0;
    char path[4096];
    snprintf(path, sizeof path, "%s/fsync_overlap.scratch", dir);
    for (int round = 0; round < 3; round++) {
        run(path, 1, 64, seconds);
        run(path, 2, 32, seconds);
        run(path, 2, 64, seconds);
        run(path, 1, 1, seconds);
        run(path, 2, 1, seconds);
    }
    return 0;
}
