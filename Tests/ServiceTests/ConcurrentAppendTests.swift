import Checksums
import Foundation
import Synchronization
import Testing

/// 32 connections appending 50 records each, at both durability levels:
/// every acknowledged record is read back at its offset with its payload and
/// BLAKE3, and the offsets are contiguous from 0 to the end.
@Suite struct ConcurrentAppendTests {
    static let connections = 32
    static let appendsPerConnection = 50

    /// What one append sent and what the server acknowledged.
    struct Sent: Sendable {
        let payload: [UInt8]
        let isJSON: Bool
        let acknowledgement: AppendAcknowledgement
    }

    @Test(arguments: ["immediate", "group"])
    func concurrentAppends_areAllStoredContiguouslyWithTheirPayloads(durability: String) async throws {
        try await withServer(["--durability", durability]) { server in
            let sent = try await withThrowingTaskGroup(of: [Sent].self) { group in
                for writer in 0..<Self.connections {
                    let client = server.client()
                    group.addTask {
                        try await client.perform { client in
                            try (0..<Self.appendsPerConnection).map { index in
                                try Self.append(writer: writer, index: index, with: client)
                            }
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(sent.count == Self.connections * Self.appendsPerConnection)

            let byOffset = Dictionary(uniqueKeysWithValues: sent.map { ($0.acknowledgement.offset, $0) })
            #expect(byOffset.count == sent.count, "two appends were acknowledged at the same offset")
            let stored = try await server.client().readAll()
            #expect(stored.count == sent.count)
            var expectedOffset: UInt64 = 0
            for record in stored {
                #expect(record.offset == expectedOffset, "offsets are not contiguous at \(expectedOffset)")
                guard let original = byOffset[record.offset] else {
                    Issue.record("a record no client sent at \(record.offset)")
                    break
                }
                #expect(record.blake3 == original.acknowledgement.blake3)
                #expect(record.blake3 == BLAKE3Hasher.hash(original.payload).hex)
                if original.isJSON {
                    let parsed = try JSONSerialization.jsonObject(with: Data(original.payload)) as? NSDictionary
                    #expect((record.json as? NSDictionary) == parsed)
                } else {
                    #expect(record.bytes == original.payload)
                }
                expectedOffset = original.acknowledgement.next
            }
            #expect(try await server.client().jsonObject("/v1/journal")["end"] as? UInt64 == expectedOffset)
        }
    }

    /// One client appending in a loop is what the journal's idle spin is for:
    /// without it (the default) and with it, every append is acknowledged at
    /// the offset the last one said was next, and reads back as sent.
    @Test(arguments: [["--durability", "immediate"], ["--durability", "group"], ["--idle-spin-us", "200"]])
    func oneClientAppendingInALoop_getsContiguousOffsets(flags: [String]) async throws {
        try await withServer(flags) { server in
            let client = server.client()
            let sent = try await client.perform { client in
                try (0..<300).map { index in try Self.append(writer: 0, index: index % 60, with: client) }
            }
            var next: UInt64 = 0
            for record in sent {
                #expect(record.acknowledgement.offset == next)
                next = record.acknowledgement.next
            }
            let stored = try await client.readAll()
            #expect(stored.map(\.offset) == sent.map(\.acknowledgement.offset))
            #expect(stored.map(\.blake3) == sent.map { BLAKE3Hasher.hash($0.payload).hex })
        }
    }

    /// One append on `client`'s thread: JSON for odd indexes, binary for even ones.
    static func append(writer: Int, index: Int, with client: RawHTTPClient) throws -> Sent {
        let isJSON = index % 2 == 1
        let payload: [UInt8]
        if isJSON {
            payload = Array(#"{"writer":\#(writer),"index":\#(index),"text":"caf\u00e9 \#(String(repeating: "j", count: index))"}"#.utf8)
        } else {
            payload = [UInt8(writer), UInt8(index)] + (0..<(index * 7 % 300)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ writer) }
        }
        let response = try client.requestNow(
            "POST", "/v1/records", headers: [("Content-Type", isJSON ? "application/json" : "application/octet-stream")], body: payload)
        return Sent(payload: payload, isJSON: isJSON, acknowledgement: try AppendAcknowledgement(response))
    }
}
