/// What a ``SimulatedFileSystem/powerCut(seed:mode:)`` keeps of the changes
/// that were never made durable by a sync.
///
/// Names always follow the same rule, whatever the mode: a directory holds
/// exactly the entries it had at its last `synchronizeDirectory` (directories
/// themselves are durable as soon as they are created). The mode only decides
/// what happens to the unsynced data of each file that survives.
package enum PowerCutMode: Sendable, Hashable, CaseIterable {
    /// Every file holds exactly what it held at its last `synchronize` or
    /// `synchronizeData`: all later writes, truncations and allocations are lost.
    case dropUnsynced
    /// Each unsynced change of each file is, independently and chosen by the
    /// seed, dropped, kept whole, or — for a write — torn: only a prefix cut at
    /// a 512-byte sector boundary of the file, or only a random subset of the
    /// sectors it touched, reaches the disk. Any subset of the changes may
    /// survive, not only a prefix of them; where surviving writes overlap, the
    /// later one wins, as a page cache only ever writes back the newest data.
    case random
    /// Every change reaches the disk: each file keeps its current content.
    /// Names are still those of the last directory sync.
    case keepAll
}
