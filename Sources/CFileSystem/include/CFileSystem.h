// File calls the journal needs that Swift's Glibc module does not export
// (they are GNU extensions, declared only under _GNU_SOURCE).
#ifndef STELE_C_FILE_SYSTEM_H
#define STELE_C_FILE_SYSTEM_H

#include <stdint.h>

/// Writes the dirty page-cache pages of [offset, offset + length) of `fd` to
/// the device and waits for them (sync_file_range with WAIT_BEFORE, WRITE and
/// WAIT_AFTER). Unlike fdatasync it neither flushes the device's write cache
/// nor commits metadata, so nothing becomes durable: it only spreads out the
/// I/O that a later fdatasync would otherwise do at once.
/// Returns 0, or -1 with errno set (EINTR is left to the caller).
int stele_write_back(int fd, int64_t offset, int64_t length);

#endif
