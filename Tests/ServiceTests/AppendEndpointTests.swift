import Checksums
import Foundation
import Testing

/// `POST /v1/records` against the real binary: JSON, NDJSON and binary
/// appends, their 201 shapes and Location, and each documented refusal.
@Suite struct AppendEndpointTests {
    @Test func appendJSON_answers201WithOffsetNextBlake3AndLocation() async throws {
        try await withServer { server in
            let client = server.client()
            let first = #"{"event":"opened","n":1}"#
            let response = try await client.appendJSON(first)
            #expect(response.status == 201)
            #expect(response.header("content-type")?.hasPrefix("application/json") == true)
            #expect(response.header("location") == "/v1/records/0")
            let body = try response.json()
            #expect(body["offset"] as? UInt64 == 0)
            #expect(body["next"] as? UInt64 == UInt64(40 + first.utf8.count))
            #expect(body["blake3"] as? String == BLAKE3Hasher.hash(Array(first.utf8)).hex)
            #expect(Set(body.keys) == ["offset", "next", "blake3"])

            let second = try await client.appended(json: "[1,2,3]")
            #expect(second.offset == UInt64(40 + first.utf8.count))
            let info = try await client.jsonObject("/v1/journal")
            #expect(info["end"] as? UInt64 == second.next)
        }
    }

    @Test func appendJSON_withCharsetParameter_isAccepted() async throws {
        try await withServer { server in
            let response = try await server.client().request(
                "POST", "/v1/records", headers: [("Content-Type", "application/json; charset=utf-8")], body: Array("true".utf8))
            #expect(response.status == 201)
        }
    }

    @Test func appendNDJSON_appendsEveryLineInOrder() async throws {
        try await withServer { server in
            let client = server.client()
            let lines = [#"{"a":1}"#, #"{"b":[2]}"#, #""three""#]
            let body = lines.joined(separator: "\n") + "\n\n"
            let response = try await client.append(Array(body.utf8), contentType: "application/x-ndjson")
            #expect(response.status == 201)
            #expect(response.header("location") == "/v1/records/0")
            let object = try response.json()
            let records = try #require(object["records"] as? [[String: Any]])
            #expect(records.count == 3)
            var expectedOffset: UInt64 = 0
            for (record, line) in zip(records, lines) {
                #expect(record["offset"] as? UInt64 == expectedOffset)
                #expect(record["blake3"] as? String == BLAKE3Hasher.hash(Array(line.utf8)).hex)
                expectedOffset += UInt64(40 + line.utf8.count)
            }
            #expect(object["next"] as? UInt64 == expectedOffset)
            let stored = try await client.readAll()
            #expect(stored.map(\.blake3) == lines.map { BLAKE3Hasher.hash(Array($0.utf8)).hex })
        }
    }

    @Test func appendNDJSON_withOneBadLine_storesNothing() async throws {
        try await withServer { server in
            let client = server.client()
            _ = try await client.appended(json: #"{"before":true}"#)
            let before = try await client.fingerprint()
            let body = "{\"a\":1}\n{\"b\":2}\n{\"c\":\n{\"d\":4}\n"
            let response = try await client.append(Array(body.utf8), contentType: "application/x-ndjson")
            #expect(response.status == 400)
            #expect(response.problemCode == "malformed-json")
            #expect(try response.json()["line"] as? Int == 3)
            #expect(try await client.fingerprint() == before)
        }
    }

    @Test func appendOctetStream_storesTheExactBytes() async throws {
        try await withServer { server in
            let client = server.client()
            let payload: [UInt8] = [0, 1, 2, 0xFF, 0xFE, 0x80, 10, 13, 0]
            let acknowledgement = try await client.appended(bytes: payload)
            #expect(acknowledgement.offset == 0)
            #expect(acknowledgement.next == UInt64(40 + payload.count))
            #expect(acknowledgement.blake3 == BLAKE3Hasher.hash(payload).hex)
            let stored = try await client.readAll()
            #expect(stored.count == 1)
            #expect(stored.first?.bytes == payload)
            #expect(stored.first?.json == nil)
        }
    }

    @Test(arguments: ["application/json", "application/octet-stream"])
    func appendEmptyBody_is400EmptyPayload(contentType: String) async throws {
        try await withServer { server in
            let client = server.client()
            let before = try await client.fingerprint()
            let response = try await client.append([], contentType: contentType)
            #expect(response.status == 400)
            #expect(response.problemCode == "empty-payload")
            #expect(try await client.fingerprint() == before)
        }
    }

    @Test func appendNDJSONWithNoRecords_is400EmptyBatch() async throws {
        try await withServer { server in
            let client = server.client()
            let response = try await client.append(Array("\n\n".utf8), contentType: "application/x-ndjson")
            #expect(response.status == 400)
            #expect(response.problemCode == "empty-batch")
            #expect(try await client.fingerprint().end == 0)
        }
    }

    @Test func appendBatchOverTheRecordLimit_is413TooManyRecords() async throws {
        try await withServer(["--max-batch-records", "3"]) { server in
            let client = server.client()
            let response = try await client.append(Array("1\n2\n3\n4\n".utf8), contentType: "application/x-ndjson")
            #expect(response.status == 413)
            #expect(response.problemCode == "too-many-records")
            #expect(try response.json()["limit"] as? Int == 3)
            #expect(try await client.fingerprint().end == 0)
            #expect(try await client.append(Array("1\n2\n3\n".utf8), contentType: "application/x-ndjson").status == 201)
        }
    }

    @Test func appendRecordOverTheRecordLimit_is413RecordTooLarge() async throws {
        try await withServer(["--max-record-bytes", "16"]) { server in
            let client = server.client()
            let response = try await client.append([UInt8](repeating: 7, count: 17), contentType: "application/octet-stream")
            #expect(response.status == 413)
            #expect(response.problemCode == "record-too-large")
            #expect(try response.json()["limit"] as? Int == 16)
            let line = try await client.append(Array("1\n\"0123456789abcdef\"\n".utf8), contentType: "application/x-ndjson")
            #expect(line.status == 413)
            #expect(line.problemCode == "record-too-large")
            #expect(try await client.fingerprint().end == 0)
            #expect(try await client.append([UInt8](repeating: 7, count: 16), contentType: "application/octet-stream").status == 201)
        }
    }

    @Test(arguments: ["text/plain", "application/xml", "multipart/form-data; boundary=x", nil as String?])
    func appendWithAnotherContentType_is415(contentType: String?) async throws {
        try await withServer { server in
            let client = server.client()
            let headers = contentType.map { [("Content-Type", $0)] } ?? []
            let response = try await client.request("POST", "/v1/records", headers: headers, body: Array("{}".utf8))
            #expect(response.status == 415)
            #expect(response.problemCode == "unsupported-media-type")
            #expect(try await client.fingerprint().end == 0)
        }
    }
}
