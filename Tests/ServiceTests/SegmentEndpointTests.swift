import Foundation
import Testing

/// `GET /v1/segments` and `POST /v1/segments/cleanup` (dry run and real).
@Suite struct SegmentEndpointTests {
    static let smallSegments = ["--segment-max-bytes", "4096"]

    @Test func listSegments_isContiguousAndNamedByBase() async throws {
        try await withServer(Self.smallSegments) { server in
            let client = server.client()
            let appended = try await client.appendRecords(60, size: 200)
            let list = try await client.jsonObject("/v1/segments")
            let segments = try #require(list["segments"] as? [[String: Any]])
            #expect(segments.count >= 3)
            #expect(list["start"] as? UInt64 == 0)
            #expect(list["end"] as? UInt64 == appended.last!.next)
            var expectedBase: UInt64 = 0
            var records = 0
            for (index, segment) in segments.enumerated() {
                let base = try #require(segment["base"] as? UInt64)
                #expect(base == expectedBase)
                #expect(segment["name"] as? String == String(format: "%016llx.wal", base))
                #expect(segment["sealed"] as? Bool == (index < segments.count - 1))
                #expect((segment["bytes"] as? UInt64 ?? 0) >= 32)
                expectedBase = try #require(segment["end"] as? UInt64)
                records += segment["records"] as? Int ?? 0
            }
            #expect(expectedBase == appended.last!.next)
            #expect(records == 60)
        }
    }

    @Test func listSegments_bytesOfASealedSegment_isItsFileSizeLessTheHeader() async throws {
        try await withServer(Self.smallSegments) { server in
            let client = server.client()
            _ = try await client.appendRecords(40, size: 200)
            let segments = try #require(try await client.jsonObject("/v1/segments")["segments"] as? [[String: Any]])
            let folder = server.dataDirectory.appendingPathComponent("segments")
            // openapi.yaml: `bytes` counts records (end - base); the file adds its 32-byte header.
            for segment in segments where segment["sealed"] as? Bool == true {
                let name = try #require(segment["name"] as? String)
                let size = try #require(try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.size] as? Int)
                #expect(segment["bytes"] as? Int == size - 32, "\(name)")
                #expect(segment["bytes"] as? Int == (segment["end"] as? Int ?? 0) - (segment["base"] as? Int ?? 0))
            }
        }
    }

    @Test func cleanup_withNoCursors_deletesNothing() async throws {
        try await withServer(Self.smallSegments) { server in
            let client = server.client()
            _ = try await client.appendRecords(60, size: 200)
            let before = try await client.fingerprint()
            let response = try await client.request("POST", "/v1/segments/cleanup")
            #expect(response.status == 200)
            let report = try response.json()
            #expect((report["deleted"] as? [Any])?.isEmpty == true)
            #expect(report["start"] as? UInt64 == 0)
            #expect(report["held_by"] is NSNull)
            #expect(report["dry_run"] as? Bool == false)
            #expect(try await client.fingerprint() == before)
        }
    }

    @Test func cleanupDryRun_reportsWhatWouldGo_andDeletesNothing() async throws {
        try await withServer(Self.smallSegments) { server in
            let client = server.client()
            let appended = try await client.appendRecords(60, size: 200)
            #expect(try await client.putCursor("reader", offset: appended[45].offset).status == 200)
            let before = try await client.fingerprint()
            let response = try await client.request("POST", "/v1/segments/cleanup?dry_run=true")
            #expect(response.status == 200)
            let report = try response.json()
            let deleted = try #require(report["deleted"] as? [[String: Any]])
            #expect(!deleted.isEmpty)
            #expect(deleted.allSatisfy { ($0["end"] as? UInt64 ?? .max) <= appended[45].offset })
            #expect(report["held_by"] as? String == "reader")
            #expect(report["dry_run"] as? Bool == true)
            #expect(report["start"] as? UInt64 == deleted.last?["end"] as? UInt64)
            #expect(try await client.fingerprint() == before)
        }
    }

    @Test func cleanup_deletesSealedSegmentsBelowTheLowestCursor() async throws {
        try await withServer(Self.smallSegments) { server in
            let client = server.client()
            let appended = try await client.appendRecords(60, size: 200)
            #expect(try await client.putCursor("fast", offset: appended[59].next).status == 200)
            #expect(try await client.putCursor("slow", offset: appended[30].offset).status == 200)
            let response = try await client.request("POST", "/v1/segments/cleanup")
            #expect(response.status == 200)
            let report = try response.json()
            let deleted = try #require(report["deleted"] as? [[String: Any]])
            #expect(!deleted.isEmpty)
            #expect(deleted.first?["base"] as? UInt64 == 0)
            #expect(report["held_by"] as? String == "slow")
            let start = try #require(report["start"] as? UInt64)
            #expect(start > 0 && start <= appended[30].offset)
            let list = try await client.jsonObject("/v1/segments")
            #expect(list["start"] as? UInt64 == start)
            #expect((list["segments"] as? [[String: Any]])?.first?["base"] as? UInt64 == start)
            // Everything from the slow cursor on is still readable.
            let rest = try await client.readAll(from: appended[30].offset)
            #expect(rest.map(\.offset) == appended[30...].map(\.offset))
        }
    }

    @Test(arguments: ["maybe", "2"])
    func cleanup_withADryRunThatIsNoBoolean_is400InvalidParameter(value: String) async throws {
        try await withServer(Self.smallSegments) { server in
            let client = server.client()
            let appended = try await client.appendRecords(40, size: 200)
            #expect(try await client.putCursor("reader", offset: appended[39].next).status == 200)
            let before = try await client.fingerprint()
            let response = try await client.request("POST", "/v1/segments/cleanup?dry_run=\(value)")
            #expect(response.status == 400)
            #expect(response.problemCode == "invalid-parameter")
            #expect(try await client.fingerprint() == before)
        }
    }
}
