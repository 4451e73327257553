import Foundation
import Testing

/// A self-signed certificate for 127.0.0.1 and its key, made with openssl in a scratch directory.
struct SelfSignedCertificate {
    let certificate: String
    let key: String

    init(in scratch: ScratchDirectory) async throws {
        certificate = scratch.path("cert.pem").path
        key = scratch.path("key.pem").path
        let made = try await Tool.run("openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ])
        try #require(made.status == 0, "openssl: \(made.output)")
    }

    /// The server's flags for HTTPS with this certificate.
    var flags: [String] { ["--tls-cert", certificate, "--tls-key", key] }
}
