import Foundation
import Glibc
import Testing

/// `stele serve` as a systemd `Type=notify` service (deploy/systemd/stele.service):
/// READY=1 reaches `$NOTIFY_SOCKET` once the journal is recovered and `/readyz`
/// says 200, STOPPING=1 when SIGTERM begins the drain; a socket that cannot be
/// reached changes nothing.
@Suite struct SystemdNotifyTests {
    enum SocketName: String, CaseIterable, Sendable {
        case path, abstract
    }

    @Test(arguments: SocketName.allCases)
    func serve_withNotifySocket_sendsReadyOnceRecoveredAndStoppingOnSigterm(name: SocketName) async throws {
        let scratch = try ScratchDirectory("notify")
        defer { scratch.remove() }
        let socketName = name == .path ? scratch.path("notify.sock").path : "@stele-notify-\(UUID().uuidString)"
        let listener = try NotifyListener(socketName)
        let server = try await NotifiedServer.start(in: scratch, notifySocket: socketName)
        defer { server.kill() }

        let ready = try #require(await listener.receive(within: .seconds(60)), "no READY=1: \(server.standardError)")
        #expect(ready.split(separator: "\n").contains("READY=1"))
        #expect(try await server.client().request("GET", "/readyz").status == 200)

        server.process.signal(SIGTERM)
        let stopping = try #require(await listener.receive(within: .seconds(20)), "no STOPPING=1")
        #expect(stopping == "STOPPING=1")
        #expect(await server.process.exit(within: .seconds(30)) == .exited(0))
    }

    @Test func sigtermDuringRecovery_sendsStopping_andNeverReady() async throws {
        let scratch = try ScratchDirectory("notify")
        defer { scratch.remove() }
        let first = try await ServerProcess.start(in: scratch)
        _ = try await first.client().appended(json: #"{"n":1}"#)
        #expect(await first.stop() == 0)

        let socketName = "@stele-notify-\(UUID().uuidString)"
        let listener = try NotifyListener(socketName)
        // Recovery's first read of the segment waits 2 s; SIGTERM comes meanwhile.
        let slow = try await ServerProcess.start(
            in: scratch, waitForReady: false,
            launcher: InjectedFaultTests.strace(scratch, call: "pread64", fault: "delay_enter=2000000:when=1"),
            environment: ["NOTIFY_SOCKET": socketName])
        defer { slow.kill() }
        #expect(try await slow.client().request("GET", "/readyz").status == 503)
        slow.signal(SIGTERM)
        let stopping = try #require(await listener.receive(within: .seconds(20)), "no STOPPING=1")
        #expect(stopping == "STOPPING=1")
        #expect(await slow.waitForExit(timeout: .seconds(30)) == 0)
        // Once the server is gone, anything it sent is already queued on the socket.
        let late = await listener.receive(within: .milliseconds(50))
        #expect(late == nil, "sent after STOPPING=1: \(late ?? "")")
    }

    @Test func serve_withAnUnreachableNotifySocket_servesAndStopsAsUsual() async throws {
        let scratch = try ScratchDirectory("notify")
        defer { scratch.remove() }
        let server = try await NotifiedServer.start(in: scratch, notifySocket: scratch.path("absent/notify.sock").path)
        defer { server.kill() }
        let client = server.client()
        try await server.waitUntilReady(client)
        #expect(try await client.appendJSON(#"{"notified":false}"#).status == 201)
        server.process.signal(SIGTERM)
        #expect(await server.process.exit(within: .seconds(30)) == .exited(0))
    }
}

/// A `stele serve --port 0` child with `NOTIFY_SOCKET` set, holding a server slot.
private final class NotifiedServer: @unchecked Sendable {
    let process: SpawnedProcess
    let port: UInt16
    let errorURL: URL

    static func start(in scratch: ScratchDirectory, notifySocket: String) async throws -> NotifiedServer {
        await ServerSlots.shared.acquire()
        let outputURL = scratch.path("serve.out")
        let errorURL = scratch.path("serve.err")
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("STELE_") }
        environment["NOTIFY_SOCKET"] = notifySocket
        let process: SpawnedProcess
        do {
            process = try SpawnedProcess(
                path: SteleBinary.url.path, arguments: ["serve", "--port", "0", "--data-dir", scratch.path("data").path],
                environment: environment, standardOutput: outputURL.path, standardError: errorURL.path)
        } catch {
            ServerSlots.shared.release()
            throw error
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, process.isRunning {
            let output = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
            if let line = output.split(separator: "\n").first, let port = line.split(separator: ":").last.flatMap({ UInt16($0) }) {
                return NotifiedServer(process: process, port: port, errorURL: errorURL)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        process.signal(SIGKILL)
        _ = await process.exit(within: .seconds(10))
        ServerSlots.shared.release()
        throw RawHTTPError.malformed("stele serve printed no listening line: \((try? String(contentsOf: errorURL, encoding: .utf8)) ?? "")")
    }

    private init(process: SpawnedProcess, port: UInt16, errorURL: URL) {
        self.process = process
        self.port = port
        self.errorURL = errorURL
    }

    var standardError: String { (try? String(contentsOf: errorURL, encoding: .utf8)) ?? "" }

    func client() -> RawHTTPClient { RawHTTPClient(port: port, timeout: .seconds(20)) }

    func waitUntilReady(_ client: RawHTTPClient) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let response = try? await client.request("GET", "/readyz"), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RawHTTPError.malformed("not ready within 60 s: \(standardError)")
    }

    /// SIGKILL unless it already ended, and the slot given back (once).
    func kill() {
        guard !released else { return }
        released = true
        process.signal(SIGKILL)
        _ = process.waitForExit(timeout: .seconds(10))
        ServerSlots.shared.release()
    }

    private var released = false
}

/// A unix datagram socket bound where `NOTIFY_SOCKET` points (a path, or an
/// abstract name after `@`), reading what a service sends to its manager.
private final class NotifyListener: @unchecked Sendable {
    private let descriptor: Int32

    init(_ name: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw RawHTTPError.malformed("socket: errno \(errno)") }
        var bytes = Array(name.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (bytes[0] == 0 ? 0 : 1))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            close(descriptor)
            throw RawHTTPError.malformed("bind \(name): errno \(errno)")
        }
    }

    deinit { close(descriptor) }

    /// The next datagram as text, or nil when none came within `timeout`.
    func receive(within timeout: Duration) async -> String? {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count >= 0 { return String(decoding: buffer[..<count], as: UTF8.self) }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}
