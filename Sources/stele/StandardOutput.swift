#if canImport(Glibc)
import Glibc
#endif
import Journal
import SystemPackage
import SteleService

/// Buffered record output for `stele dump`.
struct StandardOutput {
    private var buffer: [UInt8] = []

    mutating func write(_ record: StoredRecord, json: Bool) throws(Errno) {
        if json {
            RecordRendering.append(record, to: &buffer, singleLine: true)
        } else {
            let kind = record.isJSON ? "json" : "binary"
            buffer.append(contentsOf: "\(record.offset)\t\(record.payload.count)\t\(kind)\t\(record.digest)".utf8)
        }
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Writes out what is buffered; throws what stopped it (a full disk, a
    /// closed pipe), so that records lost on the way never go unnoticed.
    mutating func flush() throws(Errno) {
        defer { buffer.removeAll(keepingCapacity: true) }
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                let error = Errno(rawValue: errno)
                if error == .interrupted { continue }
                throw error
            }
            done += n
        }
    }
}

/// Prints a line to standard error.
func printError(_ message: String) {
    var line = Array((message + "\n").utf8)
    _ = line.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
}
