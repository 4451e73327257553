import Foundation
import JournalTesting
import Journal
import SystemPackage
import Testing

/// `stele verify`, `dump` and `repair` run as the real binary against data directories.
@Suite struct CommandLineTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stele-cli-\(UUID().uuidString)")

    /// Runs `stele` to completion and returns its exit status and standard output.
    func stele(_ arguments: String...) throws -> (status: Int32, output: String) {
        let child = try ChildProcess(
            product: "stele", arguments: arguments,
            outputURL: directory.deletingLastPathComponent().appendingPathComponent("cli-\(UUID().uuidString).out"))
        defer { try? FileManager.default.removeItem(at: child.outputURL) }
        let status = child.waitForExit()
        return (status, child.output)
    }

    /// Runs `stele` and waits for it to exit by itself: its status and output,
    /// or nil when it was still running at the deadline (then it is killed).
    func steleExit(_ arguments: [String], within limit: Duration) async throws -> (status: Int32, output: String)? {
        let child = try ChildProcess(
            product: "stele", arguments: arguments,
            outputURL: directory.deletingLastPathComponent().appendingPathComponent("cli-\(UUID().uuidString).out"))
        defer { try? FileManager.default.removeItem(at: child.outputURL) }
        let deadline = ContinuousClock.now + limit
        while child.process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        guard !child.process.isRunning else {
            child.killHard()
            return nil
        }
        return (child.process.terminationStatus, child.output)
    }

    func makeJournal(records: Int, segmentMaxBytes: Int = 4096) async throws -> [AppendedRecord] {
        var options = JournalOptions()
        options.segmentMaxBytes = segmentMaxBytes
        let journal = try await Journal.open(at: FilePath(directory.path), options: options)
        var appended: [AppendedRecord] = []
        for index in 0..<records {
            if index % 3 == 0 {
                appended.append(try await journal.append(AppendRecord(payload: Array("bin\(index)".utf8), isJSON: false)))
            } else {
                appended.append(try await journal.append(AppendRecord(payload: Array("{\n\"i\": \(index)}".utf8), isJSON: true)))
            }
        }
        await journal.close()
        return appended
    }

    func segmentFiles() -> [URL] {
        let folder = directory.appendingPathComponent("segments")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted().map {
            folder.appendingPathComponent($0)
        }
    }

    @Test(arguments: ["-1", "10001", "many"])
    func serve_withAnIdleSpinOutOfRange_refusesToStart(value: String) async throws {
        let arguments = ["serve", "--port", "0", "--data-dir", directory.path, "--idle-spin-us", value]
        guard let (status, _) = try await steleExit(arguments, within: .seconds(30)) else {
            Issue.record("stele serve started with --idle-spin-us \(value)")
            return
        }
        #expect(status != 0)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("segments").path))
    }

    @Test func verify_onACleanJournal_exitsZero() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try await makeJournal(records: 100)
        let (status, output) = try stele("verify", directory.path)
        #expect(status == 0)
        #expect(output.contains("records 100"))
    }

    @Test func verify_onATornTail_exitsOneAndChangesNothing() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try await makeJournal(records: 100)
        let newest = segmentFiles().last!
        var bytes = try Data(contentsOf: newest)
        bytes.append(contentsOf: [0x10, 0, 0, 0, 1, 2, 3])  // a record header cut short
        try bytes.write(to: newest)
        let (status, output) = try stele("verify", directory.path)
        #expect(status == 1, "\(output)")
        #expect(try Data(contentsOf: newest) == bytes)
    }

    @Test func verify_onCorruptionInASealedSegment_exitsThreeNamingFileAndOffset() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let appended = try await makeJournal(records: 200)
        let sealed = segmentFiles()[0]
        var bytes = try Data(contentsOf: sealed)
        bytes[32 + 45] ^= 0x01  // inside the second record's header or payload
        try bytes.write(to: sealed)
        let (status, output) = try stele("verify", directory.path)
        #expect(status == 3)
        #expect(output.contains("0000000000000000.wal"))
        #expect(output.contains("offset \(appended[1].offset)") || output.contains("offset \(appended[0].offset)"))
    }

    /// Every command that opens a journal refuses corruption the way verify
    /// reports it: exit code 3, and the directory as it was.
    @Test(arguments: ["init", "serve", "dump"])
    func opening_aCorruptJournal_exitsThreeAndChangesNothing(command: String) async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try await makeJournal(records: 200)
        let sealed = segmentFiles()[0]
        var bytes = try Data(contentsOf: sealed)
        bytes[32 + 45] ^= 0x01
        try bytes.write(to: sealed)
        let before = try segmentFiles().map { ($0.lastPathComponent, try Data(contentsOf: $0)) }
        let arguments = command == "serve" ? ["serve", "--port", "0", "--data-dir", directory.path] : [command, directory.path]
        guard let (status, output) = try await steleExit(arguments, within: .seconds(60)) else {
            Issue.record("stele \(command) kept running on a corrupt journal")
            return
        }
        #expect(status == 3, "stele \(command): \(output)")
        let after = try segmentFiles().map { ($0.lastPathComponent, try Data(contentsOf: $0)) }
        #expect(after.map(\.0) == before.map(\.0))
        #expect(after.map(\.1) == before.map(\.1), "stele \(command) changed a segment")
        let quarantine = directory.appendingPathComponent("quarantine").path
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: quarantine)) ?? []).isEmpty)
    }

    @Test func dumpJSON_printsOneReadShapedObjectPerLine() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let appended = try await makeJournal(records: 30)
        let (status, output) = try stele("dump", directory.path, "--json")
        #expect(status == 0)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 30)
        for (line, record) in zip(lines, appended) {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            #expect(object["offset"] as? UInt64 == record.offset)
            #expect(object["blake3"] as? String == record.digest.hex)
            #expect(object["payload"] != nil || object["payload_base64"] != nil)
        }
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        #expect(first["payload_base64"] as? String == Data("bin0".utf8).base64EncodedString())
    }

    @Test func dump_fromAnOffset_startsThere() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let appended = try await makeJournal(records: 30)
        let (status, output) = try stele("dump", directory.path, "--from", "\(appended[20].offset)")
        #expect(status == 0)
        #expect(output.split(separator: "\n").count == 10)
    }

    @Test func dumpFollow_printsRecordsAppendedByARunningWriter() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try await makeJournal(records: 5)
        var options = JournalOptions()
        options.segmentMaxBytes = 4096
        let journal = try await Journal.open(at: FilePath(directory.path), options: options)
        let child = try ChildProcess(
            product: "stele", arguments: ["dump", directory.path, "--follow", "--json", "--limit", "105"],
            outputURL: directory.deletingLastPathComponent().appendingPathComponent("follow-\(UUID().uuidString).out"))
        defer { try? FileManager.default.removeItem(at: child.outputURL) }
        for index in 0..<100 {
            _ = try await journal.append(AppendRecord(payload: Array("{\"late\":\(index)}".utf8), isJSON: true))
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while child.process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if child.process.isRunning { child.killHard() }
        #expect(child.lines.count == 105)
        #expect(child.lines.last?.contains(#"{"late":99}"#) == true)
        await journal.close()
    }

    @Test func repair_cutsAtTheOffsetAndKeepsTheRestInQuarantine() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let appended = try await makeJournal(records: 200)
        let segmentsBefore = segmentFiles().count
        let cut = appended[50].offset
        let (status, output) = try stele("repair", directory.path, "--truncate-at", "\(cut)")
        #expect(status == 0, "\(output)")
        let verify = try stele("verify", directory.path)
        #expect(verify.status == 0)
        #expect(verify.output.contains("records 50"))
        #expect(segmentFiles().count < segmentsBefore)
        let quarantined = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("quarantine").path)
        #expect(!quarantined.isEmpty)
        let journal = try await Journal.open(at: FilePath(directory.path))
        #expect(journal.bounds.end == cut)
        await journal.close()
    }

    @Test func repair_offABoundary_isRefusedAndChangesNothing() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let appended = try await makeJournal(records: 20)
        let before = try segmentFiles().map { try Data(contentsOf: $0) }
        let (status, _) = try stele("repair", directory.path, "--truncate-at", "\(appended[5].offset + 3)")
        #expect(status == 2)
        #expect(try segmentFiles().map { try Data(contentsOf: $0) } == before)
    }
}
