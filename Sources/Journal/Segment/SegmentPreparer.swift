import CSystemCalls
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
package import SystemPackage

/// Makes the next segment's file ready before rotation needs it, on a thread
/// of its own: the segment's whole size written with zeros and fdatasynced,
/// under a temporary name (``fileName``) that recovery removes.
///
/// The thread is started for each spare, named `stele-spare` (as `top -H`
/// and `perf` show it), and joined when the next starts or at ``close()``.
/// It runs at normal priority: in the SCHED_IDLE class it made no difference
/// in-process and lost 3–7 % of HTTP group@64, where both CPUs are busy and
/// the spare then came late.
///
/// Space that was only allocated, or zeroed by the writer as it goes, costs
/// every fdatasync that first writes into it (on ext4 here: a 19 KB batch
/// syncs in 133 µs on written zeros, 224 µs with the zeros riding along,
/// 298 µs on allocated space). With a prepared spare, rotation only writes
/// the header, syncs it, renames the file and syncs the directory (see
/// ``SegmentCreator/install(spare:base:)``), and no fdatasync of that segment
/// pays for fresh space. When no spare is ready (still being written, or its
/// preparation failed, say for lack of space) rotation creates the segment
/// the ordinary way: the spare is a speed-up, never a condition.
package final class SegmentPreparer: Sendable {
    /// The spare's name in the segments directory.
    package static let fileName = "next-segment.tmp"
    /// Zeros are written and sent to the device in steps of this size, with a
    /// pause after each: a 64 MiB spare takes about half a second, during
    /// which the journal's own fdatasyncs never queue behind more than one
    /// step. (Written in one go, the spare's sync put the journal's p99 at
    /// 2.5 ms instead of 0.6 ms at group@64 in-process.) Each step is written
    /// back with ``FileSystem/writeBack(_:offset:length:)``, not fdatasynced:
    /// an fdatasync per step also flushed the disk's cache and committed the
    /// file system's journal (the step's extents turned from unwritten to
    /// written) once per step, and the journal's fdatasyncs queued behind
    /// those. One fdatasync at the end makes the spare durable.
    /// A step of 256 KiB keeps this disk busy for about 0.6 ms, longer than
    /// four fsyncs; 64 KiB steps with a quarter of the pause write as fast
    /// and cut the journal's group@64 p99 from 3.8 to 3.1 mean fsync times
    /// (medians of five alternating runs, 452–691 µs against 438–478 µs,
    /// 2026-11-25). The step is also how soon a close stops it.
    static let step = 64 << 10
    static let pauseMicroseconds = 250

    private enum State {
        /// No spare and none under way.
        case none
        case preparing
        case ready(FileHandle)
        /// The last preparation failed (say, no space): none is tried again
        /// before the next rotation, so a full disk costs one attempt per
        /// segment, not one per batch.
        case failed
        case closed
    }

    private let fileSystem: any FileSystem
    /// Where the spare is written.
    package let path: FilePath
    /// The spare's size: a segment header and the most record bytes a segment holds.
    private let fileBytes: Int64
    private let state = Mutex(State.none)
    private let cancelled = Atomic(false)
    /// The thread of the latest preparation, until it is joined.
    private let worker = Mutex<pthread_t?>(nil)

    package init(fileSystem: any FileSystem, directory: JournalDirectory, segmentMaxBytes: Int) {
        self.fileSystem = fileSystem
        self.path = directory.segments.appending(Self.fileName)
        self.fileBytes = Int64(SegmentHeader.size + segmentMaxBytes)
    }

    /// Whether a spare is ready to be taken now.
    package var isReady: Bool {
        state.withLock { if case .ready = $0 { true } else { false } }
    }

    /// Starts preparing a spare unless one is ready or under way.
    package func prepare() {
        let start = state.withLock { state in
            guard case .none = state else { return false }
            state = .preparing
            return true
        }
        guard start else { return }
        // The previous preparation has ended (its spare was taken): reap its thread.
        joinWorker()
        let box = Unmanaged.passRetained(self)
        var handle = pthread_t()
        let created = pthread_create(&handle, nil, { context in
            let preparer = Unmanaged<SegmentPreparer>.fromOpaque(context!).takeRetainedValue()
            _ = stele_set_thread_name("stele-spare")
            preparer.makeSpare()
            return nil
        }, box.toOpaque())
        if created == 0 {
            worker.withLock { $0 = handle }
        } else {
            box.release()
            state.withLock { state in if case .preparing = state { state = .failed } }
        }
    }

    /// Waits for the latest preparation's thread to end.
    private func joinWorker() {
        guard let handle = worker.withLock({ $0.take() }) else { return }
        pthread_join(handle, nil)
    }

    /// The ready spare, open for reading and writing, or nil. The caller owns
    /// the file from then on (it is still under the temporary name). Called at
    /// rotation, it also lets a failed preparation be tried again.
    package func take() -> FileHandle? {
        state.withLock { state in
            switch state {
            case .ready(let handle):
                state = .none
                return handle
            case .failed:
                state = .none
                return nil
            case .none, .preparing, .closed:
                return nil
            }
        }
    }

    /// Stops any preparation, waits for it, and removes the spare file.
    package func close() {
        cancelled.store(true, ordering: .relaxed)
        joinWorker()
        let spare = state.withLock { state -> FileHandle? in
            defer { state = .closed }
            if case .ready(let handle) = state { return handle }
            return nil
        }
        if let spare { fileSystem.close(spare) }
        removeSpareFile()
    }

    private func makeSpare() {
        let handle = try? writeSpare()
        let keep = state.withLock { state -> Bool in
            guard case .preparing = state else { return false }
            guard let handle else {
                state = .failed
                return false
            }
            state = .ready(handle)
            return true
        }
        if !keep, let handle {
            fileSystem.close(handle)
            removeSpareFile()
        }
    }

    /// Creates the spare anew: allocated (so that lack of space shows here),
    /// zeros written over all of it, fdatasynced. On any failure the partial
    /// file is removed and the error thrown.
    private func writeSpare() throws(Errno) -> FileHandle {
        if fileSystem.fileExists(path) {
            try fileSystem.removeFile(path)
            try fileSystem.synchronizeDirectory(path.removingLastComponent())
        }
        let handle = try fileSystem.open(path, mode: .createExclusive)
        do throws(Errno) {
            try fileSystem.allocate(handle, upTo: fileBytes)
            let zeros = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.step, alignment: 4096)
            zeros.initializeMemory(as: UInt8.self, repeating: 0)
            defer { zeros.deallocate() }
            var position: Int64 = 0
            while position < fileBytes {
                if cancelled.load(ordering: .relaxed) { throw Errno.canceled }
                let count = Int(min(Int64(Self.step), fileBytes - position))
                try fileSystem.write(handle, [UnsafeRawBufferPointer(rebasing: zeros[0..<count])], at: position)
                position += Int64(count)
                // A little at a time: an fdatasync of the journal's waits for
                // whatever the disk has in flight.
                try fileSystem.writeBack(handle, offset: position - Int64(count), length: Int64(count))
                if Self.pauseMicroseconds > 0 { usleep(UInt32(Self.pauseMicroseconds)) }
            }
            try fileSystem.synchronizeData(handle)
            return handle
        } catch {
            fileSystem.close(handle)
            removeSpareFile()
            throw error
        }
    }

    /// Removes the spare file, durably (its directory synced), as best it can:
    /// a spare left behind is a known temporary file, which opening removes.
    private func removeSpareFile() {
        guard (try? fileSystem.removeFile(path)) != nil else { return }
        try? fileSystem.synchronizeDirectory(path.removingLastComponent())
    }
}
