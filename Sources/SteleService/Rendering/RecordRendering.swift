import FoundationEssentials
package import Journal

/// Writes records in the read shape of the API:
/// `{"offset": n, "blake3": "hex", "payload": <json>}` for JSON records (their
/// stored bytes spliced in as they are), `"payload_base64": "…"` for others.
package enum RecordRendering {
    /// Appends one record object to `output`. With `singleLine`, line breaks in
    /// a JSON payload (whitespace, since valid JSON escapes them inside strings)
    /// become spaces, so the object fits on one NDJSON line.
    package static func append(_ record: StoredRecord, to output: inout [UInt8], singleLine: Bool = false) {
        output.append(contentsOf: #"{"offset":"#.utf8)
        DecimalText.append(record.offset, to: &output)
        output.append(contentsOf: #","blake3":""#.utf8)
        record.digest.appendHex(to: &output)
        if record.isJSON {
            output.append(contentsOf: #"","payload":"#.utf8)
            if singleLine {
                output.append(contentsOf: record.payload.lazy.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 })
            } else {
                output.append(contentsOf: record.payload)
            }
        } else {
            output.append(contentsOf: #"","payload_base64":""#.utf8)
            output.append(contentsOf: Data(record.payload).base64EncodedString().utf8)
            output.append(UInt8(ascii: "\""))
        }
        output.append(UInt8(ascii: "}"))
    }
}
