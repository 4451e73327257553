import Checksums
import Testing

/// `GET /v1/records`: reading forward with from, limit and max_bytes, and
/// the documented answers at, beyond, below and inside the journal's bounds.
@Suite struct ReadEndpointTests {
    @Test func read_fromTheStart_returnsRecordsInOrderWithNextStartAndEnd() async throws {
        try await withServer { server in
            let client = server.client()
            let json = try await client.appended(json: #"{"k":"v"}"#)
            let binary = try await client.appended(bytes: [9, 8, 7])
            let page = try await client.jsonObject("/v1/records")
            #expect(Set(page.keys) == ["records", "next", "start", "end"])
            let records = try #require(page["records"] as? [[String: Any]])
            #expect(records.count == 2)
            #expect(records[0]["offset"] as? UInt64 == json.offset)
            #expect(records[0]["blake3"] as? String == json.blake3)
            #expect((records[0]["payload"] as? [String: Any])?["k"] as? String == "v")
            #expect(records[1]["offset"] as? UInt64 == binary.offset)
            #expect(records[1]["payload_base64"] as? String == "CQgH")
            #expect(page["next"] as? UInt64 == binary.next)
            #expect(page["start"] as? UInt64 == 0)
            #expect(page["end"] as? UInt64 == binary.next)
        }
    }

    /// DESIGN: JSON records are stored as the exact bytes received and returned
    /// embedded as they are, not parsed and written again.
    @Test func aJSONRecord_isReturnedAsTheExactBytesItWasSentAs() async throws {
        try await withServer { server in
            let client = server.client()
            let sent = "{ \"a\" : 1.0 ,\t\"x\": 1.50e3,  \"s\":\"\\u00e9\\n\" , \"e\" : [ ] }"
            let appended = try await client.appended(json: sent)
            let page = try await client.request("GET", "/v1/records?from=\(appended.offset)&limit=1")
            #expect(page.status == 200)
            #expect(page.text.contains(#""payload":"# + sent + "}"), "the stored JSON came back changed: \(page.text)")
            let single = try await client.request("GET", "/v1/records/\(appended.offset)")
            #expect(single.text.contains(#""payload":"# + sent), "\(single.text)")
        }
    }

    @Test func read_withLimit_returnsAtMostThatManyAndNextContinues() async throws {
        try await withServer { server in
            let client = server.client()
            let appended = try await client.appendRecords(5)
            let first = try await client.jsonObject("/v1/records?from=0&limit=2")
            #expect((first["records"] as? [Any])?.count == 2)
            #expect(first["next"] as? UInt64 == appended[2].offset)
            let rest = try await client.jsonObject("/v1/records?from=\(appended[2].offset)&limit=100")
            let offsets = (rest["records"] as? [[String: Any]])?.compactMap { $0["offset"] as? UInt64 }
            #expect(offsets == appended[2...].map(\.offset))
            #expect(rest["next"] as? UInt64 == appended[4].next)
        }
    }

    @Test func read_withMaxBytesOfOne_stillReturnsOneRecord() async throws {
        try await withServer { server in
            let client = server.client()
            let appended = try await client.appendRecords(3, size: 100)
            let page = try await client.jsonObject("/v1/records?from=0&max_bytes=1")
            #expect((page["records"] as? [Any])?.count == 1)
            #expect(page["next"] as? UInt64 == appended[0].next)
            let two = try await client.jsonObject("/v1/records?from=0&max_bytes=150")
            #expect(((two["records"] as? [Any])?.count ?? 0) <= 2)
        }
    }

    @Test func read_atTheEnd_is200WithNoRecords() async throws {
        try await withServer { server in
            let client = server.client()
            let empty = try await client.jsonObject("/v1/records?from=0")
            #expect((empty["records"] as? [Any])?.isEmpty == true)
            #expect(empty["next"] as? UInt64 == 0)
            let last = try await client.appendRecords(2).last!
            let atEnd = try await client.jsonObject("/v1/records?from=\(last.next)")
            #expect((atEnd["records"] as? [Any])?.isEmpty == true)
            #expect(atEnd["next"] as? UInt64 == last.next)
            #expect(atEnd["end"] as? UInt64 == last.next)
        }
    }

    @Test(arguments: ["", "&wait_ms=10000"])
    func read_pastTheEnd_is416WithTheEnd(extra: String) async throws {
        try await withServer { server in
            let client = server.client()
            let last = try await client.appendRecords(2).last!
            let started = ContinuousClock.now
            let response = try await client.request("GET", "/v1/records?from=\(last.next + 40)\(extra)")
            #expect(response.status == 416)
            #expect(response.problemCode == "offset-beyond-end")
            #expect(try response.json()["end"] as? UInt64 == last.next)
            #expect(ContinuousClock.now - started < .seconds(5), "416 is answered at once, not after waiting")
        }
    }

    @Test func read_offARecordBoundary_is400NotRecordBoundary() async throws {
        try await withServer { server in
            let client = server.client()
            let appended = try await client.appendRecords(3)
            let before = try await client.fingerprint()
            for inside in [appended[0].offset + 1, appended[1].offset + 39, appended[2].next - 1] {
                let response = try await client.request("GET", "/v1/records?from=\(inside)")
                #expect(response.status == 400, "from=\(inside)")
                #expect(response.problemCode == "not-record-boundary")
            }
            #expect(try await client.fingerprint() == before)
        }
    }

    @Test func read_belowTheStart_is410WithTheStart() async throws {
        try await withServer(["--segment-max-bytes", "4096"]) { server in
            let client = server.client()
            let appended = try await client.journalWithCleanedStart()
            let journal = try await client.jsonObject("/v1/journal")
            let start = try #require(journal["start"] as? UInt64)
            #expect(start > 0)
            let response = try await client.request("GET", "/v1/records?from=0")
            #expect(response.status == 410)
            #expect(response.problemCode == "offset-below-start")
            #expect(try response.json()["start"] as? UInt64 == start)
            let single = try await client.request("GET", "/v1/records/\(appended[0].offset)")
            #expect(single.status == 410)
            #expect(single.problemCode == "offset-below-start")
            // Without `from` the read starts at the start.
            let page = try await client.jsonObject("/v1/records?limit=1")
            #expect((page["records"] as? [[String: Any]])?.first?["offset"] as? UInt64 == start)
            #expect(page["start"] as? UInt64 == start)
        }
    }

    @Test func headOfRecords_answersLikeGetWithoutABody() async throws {
        try await withServer { server in
            let client = server.client()
            _ = try await client.appendRecords(1)
            let response = try await client.request("HEAD", "/v1/records?from=0")
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
            #expect(response.header("content-type")?.hasPrefix("application/json") == true)
            // The connection is still usable: the HEAD answer had no body to misframe.
            #expect(try await client.request("GET", "/healthz").status == 200)
        }
    }
}
