/// An open file in some ``FileSystem``: a descriptor number that only means
/// something to the file system that returned it.
package struct FileHandle: Hashable, Sendable, CustomStringConvertible {
    package let rawValue: Int32

    package init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    package var description: String { "fd \(rawValue)" }
}
