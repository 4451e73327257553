package import Journal
import Synchronization
package import SystemPackage

/// A ``FileSystem`` that forwards every call to another one and fails calls on demand.
///
/// Promises: without a fault it behaves exactly as the wrapped file system.
/// Every call is counted by kind; ``operationCount`` counts the I/Os, the
/// calls that may fail (all but `close` and `fileExists`), failed ones
/// included. Injected ``Fault``s are checked in injection order; each counts
/// its matching calls independently, and the first one that fires at a call
/// decides what that call does (see ``Fault``). ``faultsTriggered`` counts the
/// calls a fault has failed, so a test can run an operation with a fault at
/// I/O #1, #2, #3, … until a run completes without the fault firing.
/// Thread-safe: the decision for a call is taken atomically; the wrapped call
/// runs outside the lock.
package final class FaultInjectingFileSystem: FileSystem, Sendable {
    /// The file system calls are forwarded to.
    package let base: any FileSystem

    /// An injected fault and how many matching calls it has seen.
    private struct ArmedFault {
        var fault: Fault
        var matchingCalls = 0
    }

    /// Everything the lock guards: faults, counters, and the path each open handle was opened with.
    private struct State {
        var faults: [ArmedFault] = []
        var counts: [FileOperation: Int] = [:]
        var triggered = 0
        var paths: [FileHandle: FilePath] = [:]
    }

    private let state = Mutex(State())

    /// Wraps `base`, with no fault injected.
    package init(_ base: any FileSystem) {
        self.base = base
    }

    // MARK: Faults and counters

    /// Adds a fault; it counts matching calls from now on.
    package func inject(_ fault: Fault) {
        state.withLock { $0.faults.append(ArmedFault(fault: fault)) }
    }

    /// Removes every fault, spent or not; the counters are kept.
    package func clearFaults() {
        state.withLock { $0.faults.removeAll() }
    }

    /// How many I/Os (calls that may fail) were made, failed ones included.
    package var operationCount: Int {
        state.withLock { s in s.counts.reduce(0) { $0 + ($1.key.mayFail ? $1.value : 0) } }
    }

    /// How many calls of `kind` were made, failed ones included.
    package func operationCount(of kind: FileOperation) -> Int {
        state.withLock { $0.counts[kind] ?? 0 }
    }

    /// How many calls a fault has failed.
    package var faultsTriggered: Int {
        state.withLock { $0.triggered }
    }

    /// Sets every counter, and ``faultsTriggered``, back to zero.
    package func resetCounts() {
        state.withLock { s in
            s.counts.removeAll()
            s.triggered = 0
        }
    }

    /// Counts a call and returns the effect of the fault that fires at it, if any.
    private func check(_ kind: FileOperation, paths: [FilePath]) -> Fault.Effect? {
        state.withLock { s in
            s.counts[kind, default: 0] += 1
            guard kind.mayFail else { return nil }
            var decided: Fault.Effect?
            var spent: [Int] = []
            for index in s.faults.indices where s.faults[index].fault.matches(kind, paths: paths) {
                s.faults[index].matchingCalls += 1
                let armed = s.faults[index]
                let fires: Bool
                switch armed.fault.repetition {
                case .once: fires = armed.matchingCalls == armed.fault.atOperation
                case .forever: fires = armed.matchingCalls >= armed.fault.atOperation
                }
                guard fires else { continue }
                if armed.fault.repetition == .once { spent.append(index) }
                if decided == nil { decided = armed.fault.effect }
            }
            for index in spent.reversed() { s.faults.remove(at: index) }
            if decided != nil { s.triggered += 1 }
            return decided
        }
    }

    /// Counts a call of a kind other than write, throwing if a fault fires at it.
    private func enter(_ kind: FileOperation, _ paths: FilePath?...) throws(Errno) {
        switch check(kind, paths: paths.compactMap { $0 }) {
        case nil: return
        case .error(let errno)?, .shortWrite(_, let errno)?: throw errno
        }
    }

    private func path(of file: FileHandle) -> FilePath? {
        state.withLock { $0.paths[file] }
    }

    private func remember(_ file: FileHandle, _ path: FilePath) -> FileHandle {
        state.withLock { $0.paths[file] = path }
        return file
    }

    // MARK: FileSystem

    package func open(_ path: FilePath, mode: FileOpenMode) throws(Errno) -> FileHandle {
        try enter(.open, path)
        return remember(try base.open(path, mode: mode), path)
    }

    package func close(_ file: FileHandle) {
        _ = check(.close, paths: [])
        state.withLock { _ = $0.paths.removeValue(forKey: file) }
        base.close(file)
    }

    package func read(_ file: FileHandle, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        try enter(.read, path(of: file))
        return try base.read(file, into: buffer, at: offset)
    }

    package func readFromMemory(_ file: FileHandle, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        try enter(.read, path(of: file))
        return try base.readFromMemory(file, into: buffer, at: offset)
    }

    package func dataRanges(_ file: FileHandle, in range: Range<Int64>) throws(Errno) -> [Range<Int64>] {
        try enter(.dataRanges, path(of: file))
        return try base.dataRanges(file, in: range)
    }

    package func write(_ file: FileHandle, _ buffers: [UnsafeRawBufferPointer], at offset: Int64) throws(Errno) {
        switch check(.write, paths: path(of: file).map { [$0] } ?? []) {
        case nil:
            try base.write(file, buffers, at: offset)
        case .error(let errno)?:
            throw errno
        case .shortWrite(let limit, let errno)?:
            var prefix: [UnsafeRawBufferPointer] = []
            var remaining = limit
            for buffer in buffers where remaining > 0 {
                let part = UnsafeRawBufferPointer(rebasing: buffer.prefix(remaining))
                prefix.append(part)
                remaining -= part.count
            }
            if prefix.contains(where: { $0.count > 0 }) {
                try base.write(file, prefix, at: offset)
            }
            throw errno
        }
    }

    package func synchronizeData(_ file: FileHandle) throws(Errno) {
        try enter(.synchronizeData, path(of: file))
        try base.synchronizeData(file)
    }

    package func writeBack(_ file: FileHandle, offset: Int64, length: Int64) throws(Errno) {
        try enter(.writeBack, path(of: file))
        try base.writeBack(file, offset: offset, length: length)
    }

    package func synchronize(_ file: FileHandle) throws(Errno) {
        try enter(.synchronize, path(of: file))
        try base.synchronize(file)
    }

    package func truncate(_ file: FileHandle, to length: Int64) throws(Errno) {
        try enter(.truncate, path(of: file))
        try base.truncate(file, to: length)
    }

    package func size(of file: FileHandle) throws(Errno) -> Int64 {
        try enter(.size, path(of: file))
        return try base.size(of: file)
    }

    package func allocate(_ file: FileHandle, upTo length: Int64) throws(Errno) {
        try enter(.allocate, path(of: file))
        try base.allocate(file, upTo: length)
    }

    package func createDirectory(_ path: FilePath) throws(Errno) {
        try enter(.createDirectory, path)
        try base.createDirectory(path)
    }

    package func contentsOfDirectory(_ path: FilePath) throws(Errno) -> [String] {
        try enter(.contentsOfDirectory, path)
        return try base.contentsOfDirectory(path)
    }

    package func synchronizeDirectory(_ path: FilePath) throws(Errno) {
        try enter(.synchronizeDirectory, path)
        try base.synchronizeDirectory(path)
    }

    package func rename(_ source: FilePath, to destination: FilePath) throws(Errno) {
        try enter(.rename, source, destination)
        try base.rename(source, to: destination)
    }

    package func removeFile(_ path: FilePath) throws(Errno) {
        try enter(.removeFile, path)
        try base.removeFile(path)
    }

    package func fileExists(_ path: FilePath) -> Bool {
        _ = check(.fileExists, paths: [path])
        return base.fileExists(path)
    }

    package func lockExclusively(_ path: FilePath) throws(Errno) -> FileHandle {
        try enter(.lockExclusively, path)
        return remember(try base.lockExclusively(path), path)
    }
}
