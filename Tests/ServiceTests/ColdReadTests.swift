import Foundation
import Glibc
import Testing

/// Reads of records that the page cache no longer holds (an old offset, a
/// restart, memory pressure): no polling thread waits for the device; the
/// read is handed to a disk-read thread (counted in `stele_disk_reads_total`)
/// and its answer is the same as from memory. The test drops the segment
/// files' pages from the cache with `posix_fadvise(POSIX_FADV_DONTNEED)`:
/// acknowledged records are synced, so their pages are clean and go at once.
@Suite(.enabled(if: PageCacheProbe.dataDirectoryReadsFromMemory, "the scratch file system cannot read without waiting"))
struct ColdReadTests {
    @Test func aReadOfRecordsNoLongerCached_isAnsweredInFullFromADiskReadThread() async throws {
        try await Self.withColdRecords(40, size: 1000) { _, client, appended, before in
            let response = try await client.request("GET", "/v1/records?from=0&limit=100")
            #expect(response.status == 200)
            let page = try response.json()
            let records = try #require(page["records"] as? [[String: Any]])
            #expect(records.compactMap { $0["offset"] as? UInt64 } == appended.map(\.offset))
            #expect(records.compactMap { $0["blake3"] as? String } == appended.map(\.blake3))
            #expect(page["next"] as? UInt64 == appended.last?.next)
            #expect(try await Self.diskReads(client) == before + 1)

            // The disk read brought the pages back: the same read now comes from memory.
            let again = try await client.request("GET", "/v1/records?from=0&limit=100")
            #expect(again.body == response.body)
            #expect(try await Self.diskReads(client) == before + 1)
        }
    }

    @Test func aSingleRecordNoLongerCached_keepsItsETagAndRawForm() async throws {
        try await Self.withColdRecords(10, size: 500) { server, client, appended, before in
            let record = appended[6]
            let json = try await client.request("GET", "/v1/records/\(record.offset)")
            #expect(json.status == 200)
            #expect(json.header("etag") == "\"\(record.blake3)\"")
            #expect(try json.json()["offset"] as? UInt64 == record.offset)
            #expect(try await Self.diskReads(client) == before + 1)

            try Self.dropSegmentsFromCache(server)
            let raw = try await client.request(
                "GET", "/v1/records/\(record.offset)", headers: [("Accept", "application/octet-stream")])
            #expect(raw.status == 200)
            #expect(raw.header("etag") == "\"\(record.blake3)\"")
            #expect(raw.body.count > 400 && raw.body.first == UInt8(ascii: "{"))
            #expect(try await Self.diskReads(client) == before + 2)

            try Self.dropSegmentsFromCache(server)
            let matching = try await client.request("GET", "/v1/records/\(record.offset)", headers: [("If-None-Match", "\"\(record.blake3)\"")])
            #expect(matching.status == 304)
            #expect(try await Self.diskReads(client) == before + 3)
            // Past the end: the refusal needs no read, from memory or not.
            let beyond = try await client.request("GET", "/v1/records/\(appended.last!.next + 10)")
            #expect(beyond.status == 416, "\(beyond)")
        }
    }

    /// A long-poll woken by an append proves its offset is a record boundary
    /// by walking the headers before it: with those pages dropped, the woken
    /// read goes to the disk. Three records of about 3 KiB: the sparse index
    /// (an entry every 4 KiB or so) holds the third, not the new fourth, so
    /// the walk starts in the second page of the file, which the fourth's
    /// write (in the third page) does not bring back.
    @Test func aLongPollWhoseWakeReadNeedsTheDisk_isAnsweredWithTheNewRecord() async throws {
        try await withServer { server in
            let client = server.client()
            let appended = try await client.appendRecords(3, size: 3000)
            let end = try #require(appended.last).next
            let reader = server.client(timeout: .seconds(30))
            async let answer = reader.request("GET", "/v1/records?from=\(end)&wait_ms=20000")
            try await Self.waitForWaiters(1, client)
            try Self.dropSegmentsFromCache(server)
            let before = try await Self.diskReads(client)
            let added = try await client.appended(json: #"{"after":"the drop"}"#)
            let response = try await answer
            #expect(response.status == 200)
            let records = try #require(try response.json()["records"] as? [[String: Any]])
            #expect(records.count == 1)
            #expect(records.first?["offset"] as? UInt64 == added.offset)
            #expect(records.first?["blake3"] as? String == added.blake3)
            #expect(try await Self.diskReads(client) == before + 1)
        }
    }

    /// Runs `body` on a server holding `count` JSON records of about `size`
    /// bytes whose pages were then dropped from the cache, with the
    /// acknowledgements and `stele_disk_reads_total` before any read.
    static func withColdRecords(
        _ count: Int, size: Int, _ body: (ServerProcess, RawHTTPClient, [AppendAcknowledgement], Double) async throws -> Void
    ) async throws {
        try await withServer { server in
            let client = server.client()
            let appended = try await client.appendRecords(count, size: size)
            try dropSegmentsFromCache(server)
            try await body(server, client, appended, try await diskReads(client))
        }
    }

    /// Evicts every segment file's pages from the page cache.
    static func dropSegmentsFromCache(_ server: ServerProcess) throws {
        let segments = server.dataDirectory.appendingPathComponent("segments")
        let names = try FileManager.default.contentsOfDirectory(atPath: segments.path).filter { $0.hasSuffix(".wal") }
        try #require(!names.isEmpty)
        for name in names {
            let descriptor = open(segments.appendingPathComponent(name).path, O_RDONLY)
            try #require(descriptor >= 0)
            defer { close(descriptor) }
            #expect(posix_fadvise(descriptor, 0, 0, Int32(POSIX_FADV_DONTNEED)) == 0)
        }
    }

    static func diskReads(_ client: RawHTTPClient) async throws -> Double {
        let text = try await client.request("GET", "/metrics").text
        return OperationsEndpointTests.sample("stele_disk_reads_total", in: text) ?? 0
    }

    static func waitForWaiters(_ count: Double, _ client: RawHTTPClient) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let text = try await client.request("GET", "/metrics").text
            if OperationsEndpointTests.sample("stele_long_poll_waiters", in: text) == count { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("\(count) long-poll waiters never showed in /metrics")
    }
}
