import Testing

/// `/v1/journal`, `/healthz`, `/readyz` and `/metrics`.
@Suite struct OperationsEndpointTests {
    @Test func journal_reportsBoundsSettingsStateAndRecovery() async throws {
        try await withServer(["--durability", "group"]) { server in
            let client = server.client()
            let last = try await client.appendRecords(3).last!
            let info = try await client.jsonObject("/v1/journal")
            #expect(Set(info.keys) == ["start", "end", "durability", "state", "segments", "cursors", "recovery"])
            #expect(info["start"] as? UInt64 == 0)
            #expect(info["end"] as? UInt64 == last.next)
            #expect(info["durability"] as? String == "group")
            #expect(info["state"] as? String == "writable")
            #expect(info["segments"] as? Int == 1)
            #expect(info["cursors"] as? Int == 0)
            let recovery = try #require(info["recovery"] as? [String: Any])
            #expect(Set(recovery.keys) == ["segments", "records", "bytes", "cursors", "seconds", "actions"])
        }
    }

    @Test func journal_afterARestart_reportsWhatRecoveryFound() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let first = try await ServerProcess.start(in: scratch)
        defer { first.kill() }
        _ = try await first.client().appendRecords(4)
        #expect(await first.stop() == 0)
        let second = try await first.restart()
        defer { second.kill() }
        let recovery = try #require(try await second.client().jsonObject("/v1/journal")["recovery"] as? [String: Any])
        #expect(recovery["records"] as? Int == 4)
        #expect(recovery["segments"] as? Int == 1)
        #expect((recovery["actions"] as? [Any])?.isEmpty == true)
    }

    @Test func anHTTP10RequestWithoutHost_isServed() async throws {
        try await withServer { server in
            let response = try await server.client().exchange(
                raw: Array("GET /v1/journal HTTP/1.0\r\n\r\n".utf8), method: "GET", target: "/v1/journal")
            #expect(response.status == 200, "Host is required of HTTP/1.1 only: \(response)")
            #expect(try response.json()["end"] as? Int == 0)
        }
    }

    @Test func healthz_andReadyz_sayOkAndReady() async throws {
        try await withServer { server in
            let client = server.client()
            let health = try await client.request("GET", "/healthz")
            #expect(health.status == 200)
            #expect(try health.json()["status"] as? String == "ok")
            let ready = try await client.request("GET", "/readyz")
            #expect(ready.status == 200)
            #expect(try ready.json()["status"] as? String == "ready")
            let head = try await client.request("HEAD", "/healthz")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
        }
    }

    @Test func metrics_isPrometheusTextWithTheJournalsAndRequestsMetrics() async throws {
        try await withServer { server in
            let client = server.client()
            _ = try await client.appendRecords(2)
            _ = try await client.request("GET", "/v1/records")
            let response = try await client.request("GET", "/metrics")
            #expect(response.status == 200)
            #expect(response.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            for name in ["stele_appended_records_total", "stele_fsync_duration_seconds", "stele_http_requests_total"] {
                #expect(text.contains(name), "\(name) is missing from /metrics")
            }
            let appended = text.split(separator: "\n").first { $0.hasPrefix("stele_appended_records_total") }
            #expect(appended?.hasSuffix(" 2") == true, "\(appended ?? "no sample")")
            // Every family says what it is: a # HELP line with text beside its # TYPE line.
            let lines = text.split(separator: "\n")
            let typed = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
            let described = Set(lines.filter { $0.hasPrefix("# HELP ") && $0.split(separator: " ").count > 3 }.map { $0.split(separator: " ")[2] })
            #expect(typed.count >= 15)
            for family in typed { #expect(described.contains(family), "no # HELP for \(family)") }
        }
    }

    @Test func metrics_countAWrongMethodUnderItsResource_andUnknownPathsTogether() async throws {
        try await withServer { server in
            let client = server.client()
            #expect(try await client.request("PATCH", "/v1/records").status == 405)
            #expect(try await client.request("GET", "/no/such/path").status == 404)
            let text = try await client.request("GET", "/metrics").text
            #expect(Self.sample(#"stele_http_requests_total{route="/v1/records",method="other",status="405"}"#, in: text) == 1)
            #expect(Self.sample(#"stele_http_requests_total{route="unmatched",method="GET",status="404"}"#, in: text) == 1)
        }
    }

    /// The value of the sample `series` (a name, with its labels if any) in a `/metrics` body.
    static func sample(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
            .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }

    @Test func metrics_describeTheJournalAndItsCursors_andADeletedCursorLeavesThem() async throws {
        try await withServer { server in
            let client = server.client()
            let appended = try await client.appendRecords(3)
            let end = try #require(appended.last).next
            let held = appended[0].next
            #expect(try await client.putCursor("billing", offset: held).status == 200)

            let text = try await client.request("GET", "/metrics").text
            let expected: [(String, Double)] = [
                ("stele_journal_end_offset", Double(end)), ("stele_journal_start_offset", 0), ("stele_segments", 1),
                ("stele_journal_failed", 0), ("stele_ready", 1), ("stele_long_poll_waiters", 0),
                (#"stele_cursor_offset{cursor="billing"}"#, Double(held)),
                (#"stele_cursor_lag_bytes{cursor="billing"}"#, Double(end - held)),
            ]
            for (series, value) in expected {
                #expect(Self.sample(series, in: text) == value, "\(series) in /metrics")
            }
            #expect(text.contains("stele_group_commit_batch_requests_bucket"), "no batch-size histogram")

            #expect(try await client.request("DELETE", "/v1/cursors/billing").status == 204)
            let after = try await client.request("GET", "/metrics").text
            #expect(!after.contains(#"cursor="billing""#), "a deleted cursor is still in /metrics")
        }
    }
}
