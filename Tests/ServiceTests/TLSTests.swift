import Foundation
import Testing

/// `--tls-cert` / `--tls-key`: the API over HTTPS with a self-signed
/// certificate, checked with curl trusting that certificate.
@Suite(.enabled(if: Tool.find("openssl") != nil && Tool.find("curl") != nil, "needs openssl and curl"))
struct TLSTests {
    @Test func https_appendAndReadBack_withCurlTrustingTheCertificate() async throws {
        let scratch = try ScratchDirectory("tls")
        defer { scratch.remove() }
        let tls = try await SelfSignedCertificate(in: scratch)
        let certificate = tls.certificate
        let server = try await ServerProcess.start(in: scratch, flags: tls.flags, waitForReady: false)
        defer { server.kill() }
        let base = "https://127.0.0.1:\(server.port)"
        func curl(_ arguments: String...) async throws -> Tool.Outcome {
            try await Tool.run("curl", ["--silent", "--show-error", "--max-time", "10", "--cacert", certificate] + arguments)
        }

        var ready = false
        for _ in 0..<100 where !ready {
            ready = try await curl("--output", "/dev/null", "--write-out", "%{http_code}", "\(base)/readyz").output == "200"
            if !ready { try await Task.sleep(for: .milliseconds(50)) }
        }
        try #require(ready, "the HTTPS server never became ready: \(server.standardError.suffix(2000))")

        let append = try await curl(
            "--write-out", "\n%{http_code}", "--header", "Content-Type: application/json", "--data-binary", #"{"secure":true}"#,
            "\(base)/v1/records")
        #expect(append.status == 0, "\(append.output)")
        #expect(append.output.hasSuffix("\n201"), "\(append.output)")
        let read = try await curl("\(base)/v1/records?from=0")
        #expect(read.status == 0)
        let page = try JSONSerialization.jsonObject(with: Data(read.output.utf8)) as? [String: Any]
        let records = page?["records"] as? [[String: Any]]
        #expect((records?.first?["payload"] as? [String: Any])?["secure"] as? Bool == true)

        // Plain HTTP on the HTTPS port gets no API answer.
        let plain = try? await server.client(timeout: .seconds(5)).request("GET", "/healthz")
        #expect(plain?.status != 200)
    }

    /// Bad TLS settings keep the server from starting, before it listens.
    @Test(arguments: ["certificate only", "not PEM", "missing file"])
    func badTLSSettings_keepTheServerFromStarting(case name: String) async throws {
        let scratch = try ScratchDirectory("tls")
        defer { scratch.remove() }
        let garbage = scratch.path("garbage.pem")
        try Data("this is not a certificate\n".utf8).write(to: garbage)
        let flags: [String] = switch name {
        case "certificate only": ["--tls-cert", garbage.path]
        case "not PEM": ["--tls-cert", garbage.path, "--tls-key", garbage.path]
        default: ["--tls-cert", scratch.path("none.pem").path, "--tls-key", scratch.path("none.pem").path]
        }
        do {
            let server = try await ServerProcess.start(in: scratch, flags: flags, waitForReady: false)
            server.kill()
            Issue.record("stele serve started with \(name)")
        } catch let failure as ServerProcess.StartFailure {
            // A refusal, not a crash (it was a double free for a key libmicrohttpd refused).
            #expect(failure.description.contains("ended (exited("), "\(failure)")
            #expect(!failure.standardError.isEmpty, "no reason given")
        }
    }
}
