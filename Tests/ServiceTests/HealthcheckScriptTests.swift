import Foundation
import Testing

/// docker/healthcheck.sh, the container's HEALTHCHECK: exit 0 when the server
/// on STELE_HOST:STELE_PORT answers /healthz with 200, 1 otherwise, reading
/// those variables as the server does (unset or empty host: 127.0.0.1).
@Suite struct HealthcheckScriptTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docker/healthcheck.sh").path

    /// The script's exit status with `settings` (nil: the variable unset).
    static func check(_ settings: [String: String?]) async throws -> Tool.Outcome {
        // env takes its options (-u NAME) before the assignments.
        var unset: [String] = [], assigned: [String] = []
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) {
            if let value { assigned.append("\(name)=\(value)") } else { unset += ["-u", name] }
        }
        return try await Tool.run("env", unset + assigned + ["bash", script], timeout: .seconds(20))
    }

    @Test(arguments: [nil, "", "127.0.0.1", "0.0.0.0"] as [String?])
    func aServingServer_isHealthy_whateverTheHostSaysOfLoopback(host: String?) async throws {
        try await withServer { server in
            let outcome = try await Self.check(["STELE_HOST": host, "STELE_PORT": "\(server.port)", "STELE_TLS_CERT": nil])
            #expect(outcome.status == 0, "STELE_HOST=\(host ?? "(unset)"): \(outcome.output)")
        }
    }

    @Test func aPortNobodyServes_isUnhealthy() async throws {
        let outcome = try await Self.check(["STELE_HOST": nil, "STELE_PORT": "1", "STELE_TLS_CERT": nil])
        #expect(outcome.status == 1, "\(outcome.output)")
    }
}
