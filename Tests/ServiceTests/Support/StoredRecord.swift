import Foundation

/// One record of a read answer: its offset, blake3 and payload (the raw
/// bytes of a binary record, or the embedded JSON value of a JSON record).
struct StoredRecord: @unchecked Sendable {
    let offset: UInt64
    let blake3: String
    /// The payload bytes of a binary record.
    let bytes: [UInt8]?
    /// The payload of a JSON record, as parsed.
    let json: Any?

    init(_ object: [String: Any]) {
        offset = object["offset"] as? UInt64 ?? .max
        blake3 = object["blake3"] as? String ?? ""
        bytes = (object["payload_base64"] as? String).flatMap { Data(base64Encoded: $0) }.map { Array($0) }
        json = object["payload"]
    }
}
