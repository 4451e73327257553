import Foundation
import Synchronization
import Testing

/// Appends refused by their size before any JSON is parsed, and a single
/// record's two forms: chosen by Accept (with its weights), cached by ETag.
@Suite("Append size checks and a record's forms", .serialized)
struct AppendSizeAndRecordFormTests {
    /// openapi.yaml, POST /v1/records 413: "`record-too-large` (one record is
    /// over the record limit; `line` names the NDJSON line)".
    @Test func ndjsonRecordTooLarge_namesTheLine() async throws {
        try await withServer(["--max-record-bytes", "16"]) { server in
            let client = server.client()
            let response = try await client.append(Array("1\n\"0123456789abcdef\"\n".utf8), contentType: "application/x-ndjson")
            #expect(response.status == 413)
            #expect(response.problemCode == "record-too-large")
            #expect(try response.json()["line"] as? Int == 2, "\(response)")
        }
    }

    /// RFC 9110, 13.1.2: If-None-Match uses the weak comparison, so
    /// `W/"<blake3>"` (what a compressing proxy hands back) matches the ETag.
    @Test func ifNoneMatchWithAWeakTag_is304() async throws {
        try await withServer { server in
            let client = server.client()
            let acknowledgement = try await client.appended(json: "42")
            let response = try await client.request(
                "GET", "/v1/records/\(acknowledgement.offset)", headers: [("If-None-Match", "W/\"\(acknowledgement.blake3)\"")])
            #expect(response.status == 304, "\(response)")
        }
    }

    /// The form depends on Accept (read-shaped JSON or raw bytes) under one
    /// ETag: `Vary: Accept` keeps a shared cache from handing one client the other's.
    @Test func recordResponses_sayTheyVaryByAccept() async throws {
        try await withServer { server in
            let client = server.client()
            let acknowledgement = try await client.appended(json: "42")
            for accept in ["application/json", "application/octet-stream"] {
                let response = try await client.request(
                    "GET", "/v1/records/\(acknowledgement.offset)", headers: [("Accept", accept)])
                #expect(response.status == 200)
                #expect(response.header("vary")?.lowercased().contains("accept") == true, "Accept: \(accept): \(response.headers)")
            }
        }
    }

    /// RFC 9110, 12.4.2: q=0 means "not acceptable": raw bytes refused that way get JSON.
    @Test func acceptWithOctetStreamAtQZero_getsJSON() async throws {
        try await withServer { server in
            let client = server.client()
            let acknowledgement = try await client.appended(json: "42")
            let response = try await client.request(
                "GET", "/v1/records/\(acknowledgement.offset)",
                headers: [("Accept", "application/json, application/octet-stream;q=0")])
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json", "\(response)")
        }
    }

    /// An empty Accept field (an empty list: any type) gets JSON, not 406.
    @Test func emptyAcceptHeader_getsJSON() async throws {
        try await withServer { server in
            let client = server.client()
            let acknowledgement = try await client.appended(json: "42")
            let response = try await client.request("GET", "/v1/records/\(acknowledgement.offset)", headers: [("Accept", "")])
            #expect(response.status == 200, "\(response)")
        }
    }

    /// A JSON body over the record limit (1 MiB by default) is refused before
    /// jansson parses it: an 8 MiB body of `[{},{},…]` made a tree of ~600 MB.
    @Test func jsonBodyOverTheRecordLimit_isRefusedWithoutBuildingItsTree() async throws {
        try await withServer { server in
            let client = server.client()
            _ = try await client.appended(json: "1")
            let baseline = try #require(server.residentKilobytes)
            var body: [UInt8] = [UInt8(ascii: "[")]
            body.reserveCapacity(8 << 20)
            while body.count + 4 < (8 << 20) - 8 { body.append(contentsOf: Array("{},".utf8)) }
            body.append(contentsOf: Array("{}]".utf8))
            let (response, peak) = try await server.peakResidentKilobytes {
                try await client.append(body, contentType: "application/json")
            }
            #expect(response.status == 413)
            #expect(response.problemCode == "record-too-large")
            let grownMiB = (peak - baseline) / 1024
            #expect(grownMiB < 64, "the server's RSS peaked \(grownMiB) MiB above its baseline to refuse an 8 MiB record")
        }
    }

    /// A batch over the per-batch record limit (10,000) is refused before its
    /// lines are parsed: 4 M one-byte lines cost 4 M jansson parses and a
    /// 64+ MiB array of ranges.
    @Test func ndjsonOverTheBatchLimit_isRefusedBeforeParsingEveryLine() async throws {
        try await withServer { server in
            let client = server.client()
            _ = try await client.appended(json: "1")
            let baseline = try #require(server.residentKilobytes)
            let body = [UInt8](repeating: 0, count: 8 << 20 - 2).enumerated().map { $0.offset % 2 == 0 ? UInt8(ascii: "1") : UInt8(ascii: "\n") }
            let (response, peak) = try await server.peakResidentKilobytes {
                try await client.append(body, contentType: "application/x-ndjson")
            }
            #expect(response.status == 413)
            #expect(response.problemCode == "too-many-records")
            let grownMiB = (peak - baseline) / 1024
            #expect(grownMiB < 48, "the server's RSS peaked \(grownMiB) MiB above its baseline")
        }
    }
}
