import Checksums
import Testing

/// `GET /v1/records/{offset}`: one record read-shaped or raw, its ETag, 304
/// on If-None-Match, and the documented refusals.
@Suite struct RecordEndpointTests {
    @Test func readRecord_withoutAccept_isTheReadShapedObjectWithAnETag() async throws {
        try await withServer { server in
            let client = server.client()
            let text = #"{"id":7,"tags":["a","b"]}"#
            let acknowledgement = try await client.appended(json: text)
            let response = try await client.request("GET", "/v1/records/\(acknowledgement.offset)")
            #expect(response.status == 200)
            #expect(response.header("content-type")?.hasPrefix("application/json") == true)
            #expect(response.header("etag") == "\"\(acknowledgement.blake3)\"")
            let object = try response.json()
            #expect(Set(object.keys) == ["offset", "blake3", "payload"])
            #expect(object["offset"] as? UInt64 == acknowledgement.offset)
            #expect(object["blake3"] as? String == BLAKE3Hasher.hash(Array(text.utf8)).hex)
            #expect((object["payload"] as? [String: Any])?["id"] as? Int == 7)
        }
    }

    @Test func readRecord_acceptingOctetStream_isTheExactPayload() async throws {
        try await withServer { server in
            let client = server.client()
            let text = "{ \"spaced\" :  [1, 2] }"
            let json = try await client.appended(json: text)
            let bytes: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF, 0]
            let binary = try await client.appended(bytes: bytes)
            for (acknowledgement, payload) in [(json, Array(text.utf8)), (binary, bytes)] {
                let response = try await client.request(
                    "GET", "/v1/records/\(acknowledgement.offset)", headers: [("Accept", "application/octet-stream")])
                #expect(response.status == 200)
                #expect(response.header("content-type") == "application/octet-stream")
                #expect(response.header("etag") == "\"\(acknowledgement.blake3)\"")
                #expect(response.body == payload)
            }
        }
    }

    @Test func readRecord_withAMatchingIfNoneMatch_is304WithoutABody() async throws {
        try await withServer { server in
            let client = server.client()
            let acknowledgement = try await client.appended(json: "42")
            let tag = "\"\(acknowledgement.blake3)\""
            for accept in ["application/json", "application/octet-stream"] {
                let response = try await client.request(
                    "GET", "/v1/records/\(acknowledgement.offset)", headers: [("If-None-Match", tag), ("Accept", accept)])
                #expect(response.status == 304)
                #expect(response.header("etag") == tag)
                #expect(response.body.isEmpty)
            }
            let other = try await client.request(
                "GET", "/v1/records/\(acknowledgement.offset)", headers: [("If-None-Match", "\"\(String(repeating: "0", count: 64))\"")])
            #expect(other.status == 200)
        }
    }

    @Test func readRecord_acceptingNeitherForm_is406() async throws {
        try await withServer { server in
            let client = server.client()
            let acknowledgement = try await client.appended(json: "1")
            let response = try await client.request("GET", "/v1/records/\(acknowledgement.offset)", headers: [("Accept", "text/html")])
            #expect(response.status == 406)
            #expect(response.problemCode == "not-acceptable")
        }
    }

    @Test func readRecord_atTheEnd_is404NoRecord_andBeyond_is416() async throws {
        try await withServer { server in
            let client = server.client()
            let acknowledgement = try await client.appended(json: "1")
            let atEnd = try await client.request("GET", "/v1/records/\(acknowledgement.next)")
            #expect(atEnd.status == 404)
            #expect(atEnd.problemCode == "no-record")
            let beyond = try await client.request("GET", "/v1/records/\(acknowledgement.next + 1)")
            #expect(beyond.status == 416)
            #expect(beyond.problemCode == "offset-beyond-end")
        }
    }

    @Test func readRecord_insideARecord_is400NotRecordBoundary() async throws {
        try await withServer { server in
            let client = server.client()
            let acknowledgement = try await client.appended(json: #"{"long":"enough to be inside"}"#)
            let response = try await client.request("GET", "/v1/records/\(acknowledgement.offset + 3)")
            #expect(response.status == 400)
            #expect(response.problemCode == "not-record-boundary")
        }
    }

    @Test(arguments: ["abc", "-1", "1.5", "0x10", "%2B1", "18446744073709551616", "99999999999999999999999"])
    func readRecord_withAnOffsetThatIsNoNumber_is400InvalidOffset(offset: String) async throws {
        try await withServer { server in
            let response = try await server.client().request("GET", "/v1/records/\(offset)")
            #expect(response.status == 400)
            #expect(response.problemCode == "invalid-offset")
        }
    }
}
