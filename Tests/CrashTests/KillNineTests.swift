import Foundation
import JournalTesting
import Journal
import SystemPackage
import Testing

/// F1: kill -9 of a real writer process under load, many cycles, in both
/// durability levels. Every acknowledgement the child logged must be found
/// intact at its offset after the restart; offsets stay contiguous; and of
/// every batch the child sent (acknowledged or not), the new records hold
/// all or none.
@Suite(.serialized) struct KillNineTests {
    struct Acknowledgement: Equatable {
        let next: UInt64
        let digest: String
    }

    static let cycles = Int(ProcessInfo.processInfo.environment["STELE_KILL_CYCLES"] ?? "") ?? 12

    @Test(arguments: Durability.allCases)
    func killNine_underLoad_losesNoAcknowledgedRecord(durability: Durability) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stele-kill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var acknowledged: [UInt64: Acknowledgement] = [:]
        var generator = SystemRandomNumberGenerator()
        var previousEnd: UInt64 = 0
        var batchesChecked = 0
        for cycle in 0..<Self.cycles {
            let child = try ChildProcess(
                product: "stele-torture",
                arguments: [
                    "--dir", directory.path, "--durability", durability.rawValue, "--appenders", "16",
                    "--seconds", "60", "--segment-max-bytes", "65536", "--seed", "\(cycle)",
                    "--cursors", cycle % 2 == 0 ? "yes" : "no",
                ],
                outputURL: directory.deletingLastPathComponent().appendingPathComponent("kill-\(cycle)-\(UUID().uuidString).log"))
            defer { try? FileManager.default.removeItem(at: child.outputURL) }
            #expect(try await child.waitForLine(startingWith: "ready"), "the child did not open the journal: \(child.output)")
            try await Task.sleep(for: .milliseconds(Int.random(in: 20...300, using: &generator)))
            child.killHard()

            var cursor: UInt64 = 0
            var batches: [[String]] = []
            for line in child.lines {
                let fields = line.split(separator: " ")
                if fields.first == "batch", fields.count == 2 {
                    batches.append(fields[1].split(separator: ",").map(String.init))
                } else if fields.first == "ack", fields.count == 4 {
                    acknowledged[UInt64(fields[1])!] = Acknowledgement(next: UInt64(fields[2])!, digest: String(fields[3]))
                } else if fields.first == "cursor", fields.count == 3 {
                    cursor = max(cursor, UInt64(fields[2])!)
                }
            }

            let journal = try await Journal.open(at: FilePath(directory.path))
            let start = journal.bounds.start
            for (offset, expected) in acknowledged where offset >= start {
                let batch = try journal.read(from: offset, limit: 1)
                #expect(batch.records.first?.offset == offset)
                #expect(batch.records.first?.next == expected.next)
                #expect(batch.records.first?.digest.hex == expected.digest, "acknowledged record at \(offset) lost or changed")
            }
            // Contiguous from start to end: reading record by record reaches the end exactly.
            var offset = start
            while offset < journal.bounds.end {
                let batch = try journal.read(from: offset, limit: 1000)
                offset = batch.next
            }
            #expect(offset == journal.bounds.end)
            // This cycle's batches could only land past the end the last cycle recovered.
            var added = Set<String>()
            offset = max(previousEnd, start)
            while offset < journal.bounds.end {
                let batch = try journal.read(from: offset, limit: 1000)
                for record in batch.records { added.insert(record.digest.hex) }
                offset = batch.next
            }
            for batch in batches {
                let found = batch.filter(added.contains).count
                #expect(found == 0 || found == batch.count, "cycle \(cycle): \(found) of a batch's \(batch.count) records")
            }
            batchesChecked += batches.count
            previousEnd = journal.bounds.end
            // A cursor acknowledged as durable survives, at that value or later.
            if cursor > 0 { #expect(try await journal.cursor(named: "reader") >= cursor) }
            await journal.close()
        }
        #expect(acknowledged.count > 0)
        #expect(batchesChecked > 0, "the child sent no batch to check")
    }
}
