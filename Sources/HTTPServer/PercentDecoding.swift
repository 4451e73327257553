/// Percent-decoding (RFC 3986) of path segments and query arguments, done
/// here rather than by libmicrohttpd so that `%00` and `%2F` stay visible.
package enum PercentDecoding {
    /// The bytes `text` encodes, or nil when an escape is malformed.
    package static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                output.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            output.append(high << 4 | low)
        }
        return output
    }

    /// A query argument as text: decoded when it is well-formed UTF-8 with
    /// valid escapes (and `+` as a space), else as received.
    static func decodedQueryText(_ raw: String) -> String {
        guard raw.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return raw }
        let spaced = raw.replacing("+", with: " ")
        guard let bytes = decode(spaced) else { return raw }
        return String(validating: bytes, as: UTF8.self) ?? raw
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
