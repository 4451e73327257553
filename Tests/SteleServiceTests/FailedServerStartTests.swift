import Foundation
import HTTPServer
import Testing

/// A server that fails to start leaves nothing running behind it: no
/// thread of its own stays (Swift runs no deinit for an init that threw
/// before every property was set, so nothing may start before that).
@Suite struct FailedServerStartTests {
    /// This process's threads with `name` (as /proc shows it: 15 bytes at most).
    static func threads(named name: String) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.filter { task in
            let comm = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? ""
            return comm.trimmingCharacters(in: .whitespacesAndNewlines) == String(name.prefix(15))
        }.count
    }

    @Test func aTLSCertificateWithoutItsKey_isRefused_andLeavesNoThread() {
        var configuration = ExchangeDeferralTests.configuration
        configuration.tlsCertificate = "not read: the key is missing"
        let attempts = 20
        let before = (Self.threads(named: "stele-departures"), Self.threads(named: "stele-accept"))
        for _ in 0..<attempts {
            #expect(throws: HTTPServerError.self) { _ = try HTTPServer(configuration: configuration, handler: DeferringHandler()) }
        }
        // Other suites start and stop a few servers meanwhile: a thread per failed start would be 20 more.
        #expect(Self.threads(named: "stele-departures") - before.0 < attempts / 2)
        #expect(Self.threads(named: "stele-accept") - before.1 < attempts / 2)
    }
}
