import Foundation
import Testing

/// A disk that stalls does not make the server buffer without limit: appends
/// wait for it only up to `--max-queued-bytes`; beyond that they are answered
/// 503 `overloaded` with `Retry-After` at once, and change nothing. strace
/// holds each fdatasync of the segment for 6 s, the stall: long enough that
/// the eight appends below reach the server within it even when a full
/// `make test` keeps the test's tasks waiting for a thread (with 2 s, one run
/// in a busy `make test` sent them after the first fsync had returned).
@Suite struct OverloadTests {
    static let payload = #"{"pad":"\#(String(repeating: "o", count: 580))"}"#

    @Test func whileTheDiskStalls_appendsBeyondTheQueueBound_are503OverloadedAtOnce_andChangeNothing() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        // Each record takes 630 bytes on disk: three fit in 2,048 queued bytes, a fourth does not.
        let server = try await ServerProcess.start(
            in: scratch, flags: ["--max-queued-bytes", "2048"],
            launcher: InjectedFaultTests.strace(scratch, call: "fdatasync", fault: "delay_enter=6000000"))
        defer { server.kill() }

        // The first append's fdatasync holds the journal's thread for six seconds.
        async let first = Self.answered(try await server.client(timeout: .seconds(60)).appendJSON(Self.payload))
        try await Task.sleep(for: .milliseconds(300))
        let answers = try await withThrowingTaskGroup(of: (RawHTTPClient.Response, ContinuousClock.Instant).self) { group in
            for _ in 0..<8 {
                group.addTask { try await Self.answered(try await server.client(timeout: .seconds(60)).appendJSON(Self.payload)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let (firstAnswer, firstAnsweredAt) = try await first
        #expect(firstAnswer.status == 201)

        let refused = answers.filter { $0.0.status == 503 }
        let accepted = answers.filter { $0.0.status == 201 }
        #expect(refused.count + accepted.count == 8, "every answer is 201 or 503: \(answers.map(\.0.status))")
        #expect(accepted.count == 3, "as many as fit in the queue's bytes wait, and are stored")
        for (response, answeredAt) in refused {
            #expect(response.problemCode == "overloaded")
            #expect(response.header("Retry-After") != nil)
            #expect(answeredAt < firstAnsweredAt, "refused while the disk was still stalled, not after it")
        }

        // Exactly the acknowledged records are stored, one after another.
        let acknowledged = try ([firstAnswer] + accepted.map(\.0)).map { try AppendAcknowledgement($0) }
        let stored = try await server.client().readAll()
        #expect(stored.map(\.offset) == acknowledged.map(\.offset).sorted())
        #expect(try await server.client().request("GET", "/readyz").status == 200, "overload is not a failure")
    }

    /// The response and when it came.
    static func answered(
        _ response: @autoclosure () async throws -> RawHTTPClient.Response
    ) async throws -> (RawHTTPClient.Response, ContinuousClock.Instant) {
        let answer = try await response()
        return (answer, .now)
    }
}
