package import SystemPackage

/// A failure to inject into a ``FaultInjectingFileSystem``: which calls it
/// matches, at which of them it fires, for how long, and what the failed
/// call does.
///
/// Promises: a fault counts only the calls it matches — of one of its
/// `operations` and, when it has a path predicate, on a path the predicate
/// accepts — starting from the moment it is injected. It fires at the n-th
/// of them (`atOperation`, 1-based); a `.once` fault is then spent, a
/// `.forever` fault fires at every matching call from that one on. A failed
/// call throws `errno` without reaching the wrapped file system, except a
/// short write, which first writes the first `bytes` bytes through.
package struct Fault: Sendable {
    /// How long a fault lasts once it has fired.
    package enum Repetition: Sendable, Hashable {
        /// Fails one call, then is spent.
        case once
        /// Fails the call it fires at and every matching call after it.
        case forever
    }

    /// What a failed call does.
    package enum Effect: Sendable, Hashable {
        /// Throws the errno; the wrapped file system is not called.
        case error(Errno)
        /// For a write: writes only the first `bytes` bytes (all of them if
        /// fewer), then throws the errno — a torn write. Other calls just throw.
        case shortWrite(bytes: Int, then: Errno)
    }

    /// The kinds of call the fault matches.
    package var operations: Set<FileOperation>
    /// Which matching call, counted from injection and starting at 1, it fires at.
    package var atOperation: Int
    /// When set, only calls on a path it accepts match (for a handle, the path it was opened with;
    /// for a rename, either path).
    package var pathPredicate: (@Sendable (FilePath) -> Bool)?
    package var repetition: Repetition
    package var effect: Effect

    /// A fault that throws `errno` (EIO by default) from the `atOperation`-th
    /// call among `operations` (nil: every kind that may fail).
    package init(
        _ operations: Set<FileOperation>? = nil,
        atOperation: Int = 1,
        whenPathMatches pathPredicate: (@Sendable (FilePath) -> Bool)? = nil,
        _ repetition: Repetition = .once,
        errno: Errno = .ioError
    ) {
        precondition(atOperation >= 1, "Fault: atOperation counts from 1")
        self.operations = operations ?? FileOperation.failable
        self.atOperation = atOperation
        self.pathPredicate = pathPredicate
        self.repetition = repetition
        self.effect = .error(errno)
    }

    /// A torn write: the `atOperation`-th write writes its first `bytes` bytes,
    /// then throws `errno` (ENOSPC by default).
    package static func shortWrite(
        bytes: Int,
        atOperation: Int = 1,
        whenPathMatches pathPredicate: (@Sendable (FilePath) -> Bool)? = nil,
        _ repetition: Repetition = .once,
        errno: Errno = .noSpace
    ) -> Fault {
        precondition(bytes >= 0, "Fault.shortWrite: bytes must not be negative")
        var fault = Fault([.write], atOperation: atOperation, whenPathMatches: pathPredicate, repetition)
        fault.effect = .shortWrite(bytes: bytes, then: errno)
        return fault
    }

    /// Whether a call of `kind` on `paths` is one this fault counts.
    func matches(_ kind: FileOperation, paths: [FilePath]) -> Bool {
        guard operations.contains(kind) else { return false }
        guard let pathPredicate else { return true }
        return paths.contains(where: pathPredicate)
    }
}
