import Foundation

extension RawHTTPClient {
    /// One HTTP response as it came off the wire: lower-cased header names in
    /// order, and the body with any chunked framing removed.
    struct Response: Sendable, CustomStringConvertible {
        let status: Int
        let reason: String
        let headers: [(name: String, value: String)]
        let body: [UInt8]
        /// Interim (1xx) statuses received before this response, e.g. 100.
        var interimStatuses: [Int] = []

        /// The value of the header `name` (any case); repeated fields joined with ", ".
        func header(_ name: String) -> String? {
            let wanted = name.lowercased()
            let values = headers.filter { $0.name == wanted }.map(\.value)
            return values.isEmpty ? nil : values.joined(separator: ", ")
        }

        var text: String { String(decoding: body, as: UTF8.self) }

        /// The body parsed as a JSON object.
        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) as? [String: Any] else {
                throw RawHTTPError.malformed("the body is not a JSON object: \(text.prefix(200))")
            }
            return object
        }

        /// The `code` of an `application/problem+json` body, or nil.
        var problemCode: String? {
            guard header("content-type")?.hasPrefix("application/problem+json") == true else { return nil }
            return (try? json())?["code"] as? String
        }

        /// Whether the server said it will close the connection after this response.
        var closesConnection: Bool {
            header("connection")?.lowercased().contains("close") == true
        }

        var description: String {
            "\(status) \(reason) \(header("content-type") ?? "-") \(text.prefix(300))"
        }
    }
}
