/// Record positions within one segment, one entry every ``stride`` bytes or so.
///
/// Positions are relative to the segment's base offset (`offset - base`). A
/// lookup gives the last indexed record at or before a position; a short
/// forward walk over record headers from there proves whether a position is a
/// record boundary. Memory: 4 bytes per entry, 64 KiB for a 64 MiB segment.
package struct SparseIndex: Sendable {
    package static let stride: UInt64 = 4096

    /// Relative positions of indexed records, ascending. Always starts with 0.
    private(set) var positions: [UInt32] = [0]

    package init() {}

    /// Notes a record starting at `position`; indexes it if it is at least a
    /// stride past the last entry. Records must be noted in ascending order.
    @inline(__always)
    package mutating func noteRecord(at position: UInt64) {
        if position >= UInt64(positions[positions.count - 1]) + Self.stride {
            positions.append(UInt32(truncatingIfNeeded: position))
        }
    }

    /// The greatest indexed position that is `<= position`.
    package func entry(atOrBefore position: UInt64) -> UInt64 {
        var low = 0
        var high = positions.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if UInt64(positions[middle]) <= position { low = middle } else { high = middle - 1 }
        }
        return UInt64(positions[low])
    }

    /// Drops entries at or past `position` (after the tail is cut back).
    package mutating func removeEntries(from position: UInt64) {
        while positions.count > 1, UInt64(positions[positions.count - 1]) >= position {
            positions.removeLast()
        }
    }

    package var entryCount: Int { positions.count }
}
