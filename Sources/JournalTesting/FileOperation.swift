/// The kinds of call a ``FileSystem`` offers, as ``FaultInjectingFileSystem``
/// counts them and ``Fault`` selects them.
///
/// Promises: one case per method of ``FileSystem``; ``mayFail`` is false
/// exactly for the two calls that cannot report an error (`close`, `fileExists`).
package enum FileOperation: String, Sendable, Hashable, CaseIterable {
    case open
    case close
    case read
    case dataRanges
    case write
    case synchronizeData
    case writeBack
    case synchronize
    case truncate
    case size
    case allocate
    case createDirectory
    case contentsOfDirectory
    case synchronizeDirectory
    case rename
    case removeFile
    case fileExists
    case lockExclusively

    /// Whether a fault can fail this kind of call; only these count as I/Os.
    package var mayFail: Bool {
        self != .close && self != .fileExists
    }

    /// Every kind of call that can fail.
    package static let failable: Set<FileOperation> = Set(allCases.filter(\.mayFail))
}
