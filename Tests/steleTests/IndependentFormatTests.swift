import Foundation
import Journal
import JournalTesting
import SystemPackage
import Testing

/// DESIGN.md's on-disk format, held against an independent implementation of
/// it (`Tests/Interop/journal_v2.py`: Python, CRC32C from RFC 3720, BLAKE3
/// from `b3sum`): a journal it writes opens, verifies and dumps as it wrote
/// it, and a journal Stele writes reads back with it, record for record.
@Suite struct IndependentFormatTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stele-interop-\(UUID().uuidString)")

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Interop/journal_v2.py").path

    /// Runs `command` with `arguments` to completion: its exit status, standard output and standard error.
    static func run(_ command: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
    }

    /// One JSON object per line, as `NSDictionary` so that two can be compared whole.
    static func objects(_ lines: String) throws -> [NSDictionary] {
        try lines.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! NSDictionary }
    }

    static func stele(_ arguments: String...) throws -> (status: Int32, output: String, errors: String) {
        try run(ChildProcess.productsDirectory.appendingPathComponent("stele").path, arguments)
    }

    /// The read-shaped object `stele dump --json` prints for `record` appended as `appended`.
    static func readShaped(_ record: AppendRecord, at offset: UInt64, digest: String) throws -> NSDictionary {
        var object: [String: Any] = ["offset": offset, "blake3": digest]
        if record.isJSON {
            object["payload"] = try JSONSerialization.jsonObject(with: Data(record.payload))
        } else {
            object["payload_base64"] = Data(record.payload).base64EncodedString()
        }
        return object as NSDictionary
    }

    @Test func aJournalWrittenByTheIndependentWriter_opensVerifiesAndDumpsAsWritten() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let written = try Self.run("python3", [Self.script, "write", directory.path])
        try #require(written.status == 0, "\(written.errors)")
        var expected = try Self.objects(written.output)
        let end = try #require(expected.removeLast()["end"] as? UInt64)

        let verified = try Self.stele("verify", directory.path)
        #expect(verified.status == 0, "\(verified.output)\(verified.errors)")
        let dumped = try Self.stele("dump", directory.path, "--json")
        #expect(dumped.status == 0)
        #expect(try Self.objects(dumped.output) == expected)

        // The engine opens it without repairing anything, and appends where it ends.
        let journal = try await Journal.open(at: FilePath(directory.path))
        #expect(journal.recoveryReport.actions.isEmpty)
        #expect(journal.bounds.end == end)
        let added = try await journal.append(AppendRecord(payload: Array("{\"added\":true}".utf8), isJSON: true))
        #expect(added.offset == end)
        await journal.close()

        let readBack = try Self.run("python3", [Self.script, "read", directory.path])
        try #require(readBack.status == 0, "\(readBack.errors)")
        var records = try Self.objects(readBack.output)
        #expect(records.removeLast()["end"] as? UInt64 == added.next)
        #expect(Array(records.dropLast()) == expected)
        #expect(records.last == ["offset": end, "blake3": added.digest.hex, "payload": ["added": true]] as NSDictionary)
    }

    @Test func aJournalWrittenByStele_readsBackWithTheIndependentReader() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = JournalOptions()
        options.segmentMaxBytes = 4096
        let journal = try await Journal.open(at: FilePath(directory.path), options: options)
        var expected: [NSDictionary] = []
        for index in 0..<80 {
            let record = index % 4 == 0
                ? AppendRecord(payload: (0..<(index * 7 + 1)).map { UInt8(truncatingIfNeeded: $0 * 31 + index) }, isJSON: false)
                : AppendRecord(payload: Array("{\"i\":\(index),\"s\":\"\u{00E9}\u{2603}\",\"a\":[1,null]}".utf8), isJSON: true)
            // Every fifth request is a batch of the record twice.
            let appended = index % 5 == 4 ? try await journal.append([record, record]) : [try await journal.append(record)]
            for each in appended { expected.append(try Self.readShaped(record, at: each.offset, digest: each.digest.hex)) }
        }
        let end = journal.bounds.end
        #expect(journal.segments.count >= 3)
        await journal.close()

        let read = try Self.run("python3", [Self.script, "read", directory.path])
        try #require(read.status == 0, "\(read.errors)")
        var records = try Self.objects(read.output)
        #expect(records.removeLast()["end"] as? UInt64 == end)
        #expect(records == expected)
    }
}
