import Foundation
import Glibc

/// Appends every HTTP exchange the tests make to the file named by
/// `STELE_EXCHANGE_LOG`, one JSON object per line, in the format
/// `Tests/OpenAPI/check_exchanges.py` reads: method, raw request target as
/// `path`, status, lower-cased headers (repeats joined with ", ") and the
/// body in base64. Without the variable nothing is written.
enum ExchangeLog {
    static let path: String? = {
        let value = ProcessInfo.processInfo.environment["STELE_EXCHANGE_LOG"]
        return value?.isEmpty == false ? value : nil
    }()

    static func record(method: String, target: String, response: RawHTTPClient.Response) {
        guard let path else { return }
        var headers: [String: String] = [:]
        for (name, value) in response.headers {
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        let entry: [String: Any] = [
            "method": method, "path": target, "status": response.status, "headers": headers,
            "body_base64": Data(response.body).base64EncodedString(),
        ]
        guard var line = try? JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys]) else { return }
        line.append(UInt8(ascii: "\n"))
        // One write(2) per line on an O_APPEND descriptor: lines from
        // concurrent tests never interleave.
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
