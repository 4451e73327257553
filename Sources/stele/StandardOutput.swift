#if canImport(Glibc)
import Glibc
#endif
import Journal
import SteleService

/// Buffered record output for `stele dump`.
struct StandardOutput {
    private var buffer: [UInt8] = []

    mutating func write(_ record: StoredRecord, json: Bool) {
        if json {
            RecordRendering.append(record, to: &buffer, singleLine: true)
        } else {
            let kind = record.isJSON ? "json" : "binary"
            buffer.append(contentsOf: "\(record.offset)\t\(record.payload.count)\t\(kind)\t\(record.digest)".utf8)
        }
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + done, $0.count - done) }
            if n <= 0 { break }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Prints a line to standard error.
func printError(_ message: String) {
    var line = Array((message + "\n").utf8)
    _ = line.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
}
