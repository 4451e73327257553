#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
package import SystemPackage
import CSystemCalls

/// The real file system: POSIX calls with EINTR retried and `errno` turned
/// into a typed `Errno`.
package struct PosixFileSystem: FileSystem {
    package init() {}

    package func open(_ path: FilePath, mode: FileOpenMode) throws(Errno) -> FileHandle {
        let flags: Int32
        switch mode {
        case .readOnly: flags = O_RDONLY | O_CLOEXEC
        case .readWrite: flags = O_RDWR | O_CLOEXEC
        case .createExclusive: flags = O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC
        }
        // Without access-time updates: under relatime the first read after each
        // write would dirty the inode, and on ext4 that joins the file system's
        // journal, which can wait, on the thread that reads (a polling thread
        // reading from memory). Only the owner may ask; others open as usual.
        func open(_ flags: Int32) throws(Errno) -> FileHandle {
            FileHandle(rawValue: try retryingInterrupts { path.withPlatformString { Glibc.open($0, flags, 0o644) } })
        }
        do throws(Errno) {
            return try open(flags | stele_no_access_time_flag())
        } catch .notPermitted {
            return try open(flags)
        }
    }

    package func close(_ file: FileHandle) {
        // Linux closes the descriptor even when close() reports EINTR: never retry.
        _ = Glibc.close(file.rawValue)
    }

    package func read(_ file: FileHandle, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        try readUntilFullOrEnd(buffer) { (start, count, done) throws(Errno) in
            try retryingInterrupts { pread(file.rawValue, start, count, off_t(offset) + off_t(done)) }
        }
    }

    package func readFromMemory(_ file: FileHandle, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        // preadv2 with RWF_NOWAIT: a short count means the cache held only the
        // start, so the next call either ends the file (0) or says EAGAIN.
        try readUntilFullOrEnd(buffer) { (start, count, done) throws(Errno) in
            do throws(Errno) {
                return try retryingInterrupts { stele_read_cached(file.rawValue, start, count, offset + Int64(done)) }
            } catch .notSupported, .noFunction {
                // A file system that cannot read without waiting (tmpfs, some
                // network ones), or a kernel or sandbox without preadv2: whether
                // the read would wait is unknown, so it might.
                throw .resourceTemporarilyUnavailable
            }
        }
    }

    /// Calls `readAt(start, count, done)` for the rest of `buffer` until it is
    /// full or a call returns 0 (the end of the file); returns the bytes read.
    private func readUntilFullOrEnd(
        _ buffer: UnsafeMutableRawBufferPointer,
        _ readAt: (UnsafeMutableRawPointer, Int, Int) throws(Errno) -> Int
    ) throws(Errno) -> Int {
        var done = 0
        while done < buffer.count {
            let n = try readAt(buffer.baseAddress! + done, buffer.count - done, done)
            if n == 0 { break }
            done += n
        }
        return done
    }

    package func write(_ file: FileHandle, _ buffers: [UnsafeRawBufferPointer], at offset: Int64) throws(Errno) {
        var vectors = buffers.filter { $0.count > 0 }.map {
            iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count)
        }
        var position = off_t(offset)
        var first = 0
        while first < vectors.count {
            let count = Int32(min(vectors.count - first, 1024))
            let written = vectors.withUnsafeMutableBufferPointer { iov in
                pwritev(file.rawValue, iov.baseAddress! + first, count, position)
            }
            if written < 0 {
                let error = Errno(rawValue: errno)
                if error == .interrupted { continue }
                throw error
            }
            position += off_t(written)
            // Skip the vectors this call wrote whole, and trim a partly written one.
            var remaining = written
            while first < vectors.count, remaining >= vectors[first].iov_len {
                remaining -= vectors[first].iov_len
                first += 1
            }
            if remaining > 0 {
                vectors[first].iov_base += remaining
                vectors[first].iov_len -= remaining
            }
        }
    }

    package func synchronizeData(_ file: FileHandle) throws(Errno) {
        _ = try retryingInterrupts { fdatasync(file.rawValue) }
    }

    package func writeBack(_ file: FileHandle, offset: Int64, length: Int64) throws(Errno) {
        _ = try retryingInterrupts { stele_write_back(file.rawValue, offset, length) }
    }

    package func synchronize(_ file: FileHandle) throws(Errno) {
        _ = try retryingInterrupts { fsync(file.rawValue) }
    }

    package func truncate(_ file: FileHandle, to length: Int64) throws(Errno) {
        _ = try retryingInterrupts { ftruncate(file.rawValue, off_t(length)) }
    }

    package func allocate(_ file: FileHandle, upTo length: Int64) throws(Errno) {
        // posix_fallocate returns the error number instead of setting errno.
        var result: Int32
        repeat { result = posix_fallocate(file.rawValue, 0, off_t(length)) } while result == EINTR
        if result == EOPNOTSUPP || result == EINVAL {
            // The file system cannot preallocate: the file just grows as it is written.
            return
        }
        if result != 0 { throw Errno(rawValue: result) }
    }

    package func size(of file: FileHandle) throws(Errno) -> Int64 {
        var status = stat()
        _ = try retryingInterrupts { fstat(file.rawValue, &status) }
        return Int64(status.st_size)
    }

    package func createDirectory(_ path: FilePath) throws(Errno) {
        do {
            _ = try retryingInterrupts { path.withPlatformString { mkdir($0, 0o755) } }
        } catch .fileExists {
            return
        }
    }

    package func contentsOfDirectory(_ path: FilePath) throws(Errno) -> [String] {
        guard let directory = path.withPlatformString({ opendir($0) }) else { throw Errno(rawValue: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw Errno(rawValue: errno) }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }

    package func dataRanges(_ file: FileHandle, in range: Range<Int64>) throws(Errno) -> [Range<Int64>] {
        var ranges: [Range<Int64>] = []
        var position = range.lowerBound
        while position < range.upperBound {
            let data = stele_seek_data_or_hole(file.rawValue, position, 0)
            if data < 0 {
                switch Errno(rawValue: errno) {
                case .noSuchAddressOrDevice: return ranges  // ENXIO: no data from `position` to the end
                case .invalidArgument, .notSupported:  // a file system that cannot tell
                    return ranges + [position..<range.upperBound]
                case let error: throw error
                }
            }
            guard data < range.upperBound else { break }
            let hole = stele_seek_data_or_hole(file.rawValue, data, 1)
            if hole < 0 {
                let error = Errno(rawValue: errno)
                // ENXIO: the file was cut short of `data` in between (a live writer sealing it).
                if error == .noSuchAddressOrDevice { return ranges }
                throw error
            }
            position = max(hole, data + 1)
            ranges.append(data..<min(position, range.upperBound))
        }
        return ranges
    }

    package func synchronizeDirectory(_ path: FilePath) throws(Errno) {
        let fd = try retryingInterrupts { path.withPlatformString { Glibc.open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) } }
        defer { _ = Glibc.close(fd) }
        _ = try retryingInterrupts { fsync(fd) }
    }

    package func rename(_ source: FilePath, to destination: FilePath) throws(Errno) {
        _ = try retryingInterrupts {
            source.withPlatformString { s in destination.withPlatformString { d in Glibc.rename(s, d) } }
        }
    }

    package func removeFile(_ path: FilePath) throws(Errno) {
        _ = try retryingInterrupts { path.withPlatformString { unlink($0) } }
    }

    package func fileExists(_ path: FilePath) -> Bool {
        path.withPlatformString { access($0, F_OK) == 0 }
    }

    package func lockExclusively(_ path: FilePath) throws(Errno) -> FileHandle {
        let fd = try retryingInterrupts {
            path.withPlatformString { Glibc.open($0, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        }
        do {
            _ = try retryingInterrupts { flock(fd, LOCK_EX | LOCK_NB) }
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
        return FileHandle(rawValue: fd)
    }
}

/// Runs a system call until it does not fail with EINTR; a result of -1 becomes the thrown `Errno`.
@inline(__always)
private func retryingInterrupts<Result: FixedWidthInteger>(_ call: () -> Result) throws(Errno) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        let error = Errno(rawValue: errno)
        if error != .interrupted { throw error }
    }
}
