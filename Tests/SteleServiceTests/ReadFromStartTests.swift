import Foundation
import HTTPServer
import Journal
import SystemPackage
import Testing

@testable import SteleService

/// `GET /v1/records` without `from` reads from the journal's start as it is
/// when the read runs: a cleanup that moves the start after the handler
/// looked at it must not turn the read into a 410.
@Suite struct ReadFromStartTests {
    /// A journal of several 4 KiB segments whose first ones a cleanup removed;
    /// returns it with the start it had before the cleanup.
    private func cleanedJournal(in path: FilePath) async throws -> (journal: Journal, oldStart: UInt64) {
        var options = JournalOptions(durability: .immediate)
        options.segmentMaxBytes = 4096
        options.prepareSpareSegments = false
        let journal = try await Journal.open(at: path, options: options)
        var offsets: [UInt64] = []
        for index in 0..<80 {
            let text = #"{"n":\#(index),"pad":"\#(String(repeating: "p", count: 180))"}"#
            offsets.append(try await journal.append(AppendRecord(payload: Array(text.utf8), isJSON: true)).offset)
        }
        let oldStart = journal.bounds.start
        try await journal.setCursor(named: "consumer", to: offsets[60])
        let report = try await journal.cleanup()
        #expect(!report.deleted.isEmpty)
        #expect(journal.bounds.start > oldStart)
        return (journal, oldStart)
    }

    private func temporaryPath() throws -> FilePath {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stele-read-start-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return FilePath(path)
    }

    @Test func aReadWithoutFrom_followsAStartThatACleanupMoved() async throws {
        let path = try temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path.string) }
        let (journal, oldStart) = try await cleanedJournal(in: path)
        let read = JournalAPI.RecordsRead(from: oldStart, limit: 5, maxBytes: 1 << 20, followsStart: true)
        for answer in [JournalAPI.records(journal, read, instance: "/v1/records"),
                       try #require(JournalAPI.recordsFromMemory(journal, read, instance: "/v1/records"))] {
            #expect(answer.response.status == 200)
            let body = String(decoding: answer.response.body, as: UTF8.self)
            #expect(body.contains(#""offset":\#(journal.bounds.start),"#), "the first record is the new start's: \(body.prefix(200))")
        }
        await journal.close()
    }

    @Test func aReadFromAGivenOffset_belowTheStart_isGone() async throws {
        let path = try temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path.string) }
        let (journal, oldStart) = try await cleanedJournal(in: path)
        let read = JournalAPI.RecordsRead(from: oldStart, limit: 5, maxBytes: 1 << 20)
        #expect(JournalAPI.records(journal, read, instance: "/v1/records").response.status == 410)
        #expect(try #require(JournalAPI.recordsFromMemory(journal, read, instance: "/v1/records")).response.status == 410)
        await journal.close()
    }

    /// Readers woken together share one rendered answer, but not across that
    /// difference: a reader that named `from` must get its own 410, not the
    /// 200 a reader without `from` got by following a moved start.
    @Test func aWokenReaderWithFrom_doesNotTakeTheAnswerOfOneThatFollowedTheStart() {
        let cache = WakeReadCache()
        let following = WakeReadCache.Key(from: 100, limit: 100, maxBytes: 1 << 20, start: 500, end: 900, followsStart: true)
        let followed = cache.response(for: following) { (HTTPResponse(status: 200, headers: [], body: []), 900) }
        #expect(followed.status == 200)
        let named = WakeReadCache.Key(from: 100, limit: 100, maxBytes: 1 << 20, start: 500, end: 900, followsStart: false)
        let gone = cache.response(for: named) { (HTTPResponse(status: 410, headers: [], body: []), nil) }
        #expect(gone.status == 410)
    }
}
