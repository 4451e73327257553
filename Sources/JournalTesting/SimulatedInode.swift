/// The data of one file in a ``SimulatedFileSystem``, independent of its names.
///
/// Promises: `current` is what a read sees now; `durable` is what the file held
/// at its last `synchronize`/`synchronizeData` (empty for a file never synced);
/// `unsynced` lists, in the order they were made, exactly the changes that turn
/// `durable` into `current`. A power cut rebuilds the file from `durable` plus
/// some choice of `unsynced` changes (see ``PowerCutMode``).
struct SimulatedInode: Sendable {
    /// One change made to the file since its last sync.
    enum Change: Sendable {
        /// Bytes written at an offset; a gap past the end reads as zeros.
        case write(offset: Int, bytes: [UInt8])
        /// The file cut or extended (with zeros) to a length.
        case resize(length: Int)
    }

    /// The size of a disk sector: the unit a torn write keeps or loses.
    static let sectorSize = 512

    var current = SimulatedFileContent()
    var durable = SimulatedFileContent()
    var unsynced: [Change] = []

    /// How many names in `current` directory entries refer to this file.
    var currentLinks = 0
    /// How many names in `durable` directory entries refer to this file.
    var durableLinks = 0
    /// How many open handles refer to this file.
    var openHandles = 0

    /// Whether the file takes space now: it has a name or is open.
    var isLive: Bool { currentLinks > 0 || openHandles > 0 }
    /// Whether anything, now or after a power cut, can still reach the file.
    var isReferenced: Bool { isLive || durableLinks > 0 }

    /// Writes `bytes` at `offset` and remembers the change as unsynced.
    mutating func write(_ bytes: [UInt8], at offset: Int) {
        guard !bytes.isEmpty else { return }
        let change = Change.write(offset: offset, bytes: bytes)
        Self.apply(change, to: &current)
        unsynced.append(change)
    }

    /// Cuts or extends the file to `length` and remembers the change as unsynced.
    mutating func resize(to length: Int) {
        guard length != current.count else { return }
        let change = Change.resize(length: length)
        Self.apply(change, to: &current)
        unsynced.append(change)
    }

    /// Makes the current content durable.
    mutating func synchronize() {
        durable = current
        unsynced.removeAll()
    }

    /// What the disk holds for this file after a power cut in `mode`.
    func contentAfterPowerCut(_ mode: PowerCutMode, using generator: inout SplitMix64) -> SimulatedFileContent {
        switch mode {
        case .dropUnsynced:
            return durable
        case .keepAll:
            return current
        case .random:
            var content = durable
            for change in unsynced {
                Self.applyRandomly(change, to: &content, using: &generator)
            }
            return content
        }
    }

    /// Applies `change` to `content`.
    static func apply(_ change: Change, to content: inout SimulatedFileContent) {
        switch change {
        case .write(let offset, let bytes): content.write(bytes[...], at: offset)
        case .resize(let length): content.resize(to: length)
        }
    }

    /// Drops `change`, applies it whole or, for a write, applies a torn part of it.
    private static func applyRandomly(_ change: Change, to content: inout SimulatedFileContent, using generator: inout SplitMix64) {
        guard case .write(let offset, let bytes) = change else {
            if generator.coin() { apply(change, to: &content) }
            return
        }
        switch generator.below(4) {
        case 0:
            return  // lost
        case 1:
            apply(change, to: &content)
        case 2:
            // Torn at a sector boundary: the first sectors reached the disk.
            let end = offset + bytes.count
            let firstBoundary = (offset / sectorSize + 1) * sectorSize
            let boundaries = Array(stride(from: firstBoundary, to: end, by: sectorSize))
            if boundaries.isEmpty {
                if generator.coin() { apply(change, to: &content) }
            } else {
                let cut = boundaries[generator.below(boundaries.count)]
                content.write(bytes[0..<(cut - offset)], at: offset)
            }
        default:
            // Torn anywhere: each sector the write touched independently made it or not.
            let end = offset + bytes.count
            var sectorStart = offset / sectorSize * sectorSize
            while sectorStart < end {
                let low = max(offset, sectorStart)
                let high = min(end, sectorStart + sectorSize)
                if generator.coin() {
                    content.write(bytes[(low - offset)..<(high - offset)], at: low)
                }
                sectorStart += sectorSize
            }
        }
    }
}
