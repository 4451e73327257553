import Foundation
import Testing

/// F14: wall-clock jumps. The server runs under libfaketime, which moves its
/// wall clock (time, gettimeofday, CLOCK_REALTIME) whenever the test rewrites
/// a file, and leaves CLOCK_MONOTONIC alone (DONT_FAKE_MONOTONIC), as an NTP
/// step or an operator's `date -s` would. Long-poll timeouts and request
/// deadlines run on the monotonic clock, so a jump must neither end a wait
/// early nor keep the server from serving and waking readers.
///
/// Two things of libfaketime 0.9.10 shape these tests:
/// - `env` starts the server, preloaded: when the server itself is the first
///   preloaded process, libfaketime's constructor calls setenv (its
///   FAKETIME_SHARED), which moves `environ`, and the Swift runtime, which
///   finds argv next to the original `environ`, then sees no arguments. A
///   preloaded `env` does that setenv first and execs the server with it.
/// - Jumps go forward only. libfaketime also shifts an absolute timerfd
///   deadline on CLOCK_MONOTONIC by its offset, DONT_FAKE_MONOTONIC or not
///   (checked with a ten-line C program: a 1 s TFD_TIMER_ABSTIME timer read
///   259,200 s remaining under "-3d"), and libdispatch arms its timers that
///   way. A jump backward under libfaketime therefore holds every timer for
///   the jump's length: its own doing, which no real clock step does, since
///   the kernel never moves CLOCK_MONOTONIC.
@Suite("A wall-clock jump neither ends a long-poll early nor stops the server serving and waking readers", .serialized)
struct ClockJumpTests {
    /// libfaketime's multi-threaded build, where Debian's faketime package puts it.
    static let library: String? = {
        let candidates = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib"]
            .map { "\($0)/faketime/libfaketimeMT.so.1" }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }()

    @Test func libfaketimeIsInstalled() {
        #expect(Self.library != nil, "install faketime (apt-get install faketime) to test wall-clock jumps")
    }

    /// A server whose wall clock is the real one shifted by what `offset` says.
    struct ShiftedServer {
        let server: ServerProcess
        let clockFile: URL

        /// Sets the server's wall clock to the real one plus `offset` ("+0", "+1d": libfaketime's syntax).
        func setWallClock(_ offset: String) throws {
            try Data((offset + "\n").utf8).write(to: clockFile, options: .atomic)
        }
    }

    static func withShiftedServer(_ body: (ShiftedServer) async throws -> Void) async throws {
        let library = try #require(Self.library)
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let clockFile = scratch.path("wall-clock")
        try Data("+0\n".utf8).write(to: clockFile)
        let server = try await ServerProcess.start(
            in: scratch, flags: ["--connection-timeout", "5"], launcher: ["/usr/bin/env"], launcherExecs: true,
            environment: [
                "LD_PRELOAD": library, "FAKETIME_TIMESTAMP_FILE": clockFile.path, "FAKETIME_NO_CACHE": "1",
                "DONT_FAKE_MONOTONIC": "1",
            ])
        defer { server.kill() }
        try await body(ShiftedServer(server: server, clockFile: clockFile))
    }

    /// The server's idea of the date, from its `Date` header (libmicrohttpd reads the wall clock).
    static func serverDate(_ client: RawHTTPClient) async throws -> Date {
        let response = try await client.request("GET", "/healthz")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return try #require(response.header("Date").flatMap(formatter.date(from:)), "Date: \(response.header("Date") ?? "none")")
    }

    /// A long-poll of `wait` at the end, with the wall clock moved by `jump` a moment after it starts.
    static func longPoll(_ shifted: ShiftedServer, wait: Duration, jump: String) async throws -> (Duration, RawHTTPClient.Response) {
        let writer = shifted.server.client()
        let last = try await writer.appended(json: #"{"before":"the jump"}"#)
        let reader = shifted.server.client(timeout: .seconds(60))
        let milliseconds = Int(wait.components.seconds) * 1000
        let started = ContinuousClock.now
        async let answer = reader.request("GET", "/v1/records?from=\(last.next)&wait_ms=\(milliseconds)")
        try await Task.sleep(for: .milliseconds(200))
        try shifted.setWallClock(jump)
        let response = try await answer
        return (ContinuousClock.now - started, response)
    }

    @Test(.enabled(if: library != nil))
    func theWallClockMoves_butTheServerKeepsServing() async throws {
        try await Self.withShiftedServer { shifted in
            let client = shifted.server.client()
            let before = try await Self.serverDate(client)
            try shifted.setWallClock("+1d")
            let after = try await Self.serverDate(client)
            // Proof that the jump reached the server: otherwise the other tests prove nothing.
            #expect(after.timeIntervalSince(before) > 86_000, "server dates \(before) then \(after)")
            let appended = try await client.appended(json: #"{"after":"the jump"}"#)
            let read = try await client.request("GET", "/v1/records/\(appended.offset)")
            #expect(read.status == 200)
            #expect(try await client.request("GET", "/readyz").status == 200)
        }
    }

    @Test(.enabled(if: library != nil))
    func aJumpForward_doesNotEndALongPollEarly() async throws {
        try await Self.withShiftedServer { shifted in
            let (waited, response) = try await Self.longPoll(shifted, wait: .seconds(2), jump: "+1d")
            #expect(response.status == 200)
            #expect((try response.json()["records"] as? [Any])?.isEmpty == true)
            #expect(waited >= .milliseconds(1900), "a day's jump forward ended a 2 s wait after \(waited)")
        }
    }

    @Test(.enabled(if: library != nil))
    func afterAJump_aLongPollIsStillWokenByAnAppend() async throws {
        try await Self.withShiftedServer { shifted in
            try shifted.setWallClock("+3h")
            let writer = shifted.server.client()
            let last = try await writer.appended(json: "1")
            let reader = shifted.server.client(timeout: .seconds(60))
            async let answer = reader.request("GET", "/v1/records?from=\(last.next)&wait_ms=20000")
            try await Task.sleep(for: .milliseconds(300))
            try shifted.setWallClock("+2d")
            let next = try await writer.appended(json: "2")
            let response = try await answer
            let records = try #require(try response.json()["records"] as? [[String: Any]])
            #expect(records.first?["offset"] as? UInt64 == next.offset)
        }
    }
}
