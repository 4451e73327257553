package import SystemPackage

/// Reads and writes of Swift arrays, keeping the typed `Errno` (the standard
/// library's `withUnsafe…Bytes` rethrow untyped errors).
extension FileSystem {
    /// Reads up to `count` bytes at `offset` into `bytes` (grown if needed); returns how many were read.
    /// With `fromMemoryOnly`, it reads as ``FileSystem/readFromMemory(_:into:at:)`` does.
    package func read(
        _ file: FileHandle, count: Int, at offset: Int64, into bytes: inout [UInt8], fromMemoryOnly: Bool = false
    ) throws(Errno) -> Int {
        if bytes.count < count { bytes = [UInt8](repeating: 0, count: count) }
        var failure: Errno?
        let got = bytes.withUnsafeMutableBytes { raw in
            do throws(Errno) {
                let range = UnsafeMutableRawBufferPointer(rebasing: raw[0..<count])
                return fromMemoryOnly
                    ? try readFromMemory(file, into: range, at: offset) : try read(file, into: range, at: offset)
            } catch {
                failure = error
                return 0
            }
        }
        if let failure { throw failure }
        return got
    }

    /// Writes all of `bytes` at `offset`.
    package func write(_ file: FileHandle, _ bytes: [UInt8], at offset: Int64) throws(Errno) {
        var failure: Errno?
        bytes.withUnsafeBytes { raw in
            do throws(Errno) { try write(file, [raw], at: offset) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
