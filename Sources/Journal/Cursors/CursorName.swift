/// A cursor's name: 1 to 128 of `[A-Za-z0-9._-]`, and not only dots (so
/// never `.` or `..`). Names map to files `cursors/{name}.cursor`.
package struct CursorName: Hashable, Sendable, CustomStringConvertible {
    package static let maximumLength = 128
    package let rawValue: String

    package init(_ name: String) throws(JournalError) {
        let bytes = name.utf8
        guard (1...Self.maximumLength).contains(bytes.count),
              bytes.allSatisfy(Self.isAllowed),
              !bytes.allSatisfy({ $0 == UInt8(ascii: ".") })
        else { throw .invalidCursorName(name) }
        rawValue = name
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    package var description: String { rawValue }

    static let fileSuffix = ".cursor"
    static let temporarySuffix = ".tmp"

    package var fileName: String { rawValue + Self.fileSuffix }
    package var temporaryFileName: String { rawValue + Self.fileSuffix + Self.temporarySuffix }
}
