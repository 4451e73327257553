import Testing

/// Every `stele serve` flag falls back to a `STELE_*` environment variable
/// (the container image and the systemd unit configure the server that way);
/// a flag on the command line wins over its variable, and a bad value in one
/// keeps the server from starting, as a bad flag does.
@Suite struct EnvironmentSettingsTests {
    @Test func environmentVariables_configureTheServer() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let server = try await ServerProcess.start(
            in: scratch, environment: ["STELE_DURABILITY": "group", "STELE_MAX_RECORD_BYTES": "100"])
        defer { server.kill() }
        let client = server.client()
        #expect(try await client.jsonObject("/v1/journal")["durability"] as? String == "group")
        let small = try await client.appendJSON(#"{"fits":true}"#)
        #expect(small.status == 201)
        let large = try await client.appendJSON(#"{"pad":"\#(String(repeating: "x", count: 120))"}"#)
        #expect(large.status == 413, "\(large)")
        #expect(large.problemCode == "record-too-large")
    }

    @Test func aFlag_winsOverItsEnvironmentVariable() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let server = try await ServerProcess.start(
            in: scratch, flags: ["--durability", "immediate"], environment: ["STELE_DURABILITY": "group"])
        defer { server.kill() }
        #expect(try await server.client().jsonObject("/v1/journal")["durability"] as? String == "immediate")
    }

    /// Refused before the server listens, with a message that says what is wrong.
    @Test(arguments: [
        ("STELE_DURABILITY", "sometimes", "STELE_DURABILITY"), ("STELE_THREADS", "many", "STELE_THREADS"),
        ("STELE_MAX_RECORD_BYTES", "-1", "maximum payload"), ("STELE_SEGMENT_MAX_BYTES", "100", "segment size"),
        ("STELE_MAX_QUEUED_BYTES", "0", "allowed to wait"),
    ])
    func aBadEnvironmentValue_keepsTheServerFromStarting(name: String, value: String, named: String) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        do {
            let server = try await ServerProcess.start(in: scratch, environment: [name: value])
            server.kill()
            Issue.record("stele serve started with \(name)=\(value)")
        } catch let failure as ServerProcess.StartFailure {
            #expect(failure.description.contains("before listening"), "\(failure)")
            #expect(failure.standardError.contains(named), "the refusal does not say \(named): \(failure.standardError)")
        }
    }
}
