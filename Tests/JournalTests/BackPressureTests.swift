import Journal
import Synchronization
import SystemPackage
import Testing

/// The group-commit queue is bounded: beyond it appends are refused as
/// overloaded at once, never buffered without limit, and nothing refused is written.
@Suite struct BackPressureTests {
    @Test func appendsBeyondTheQueueBound_areRefusedAsOverloaded_andEveryAcceptedOneIsDurable() async throws {
        let directory = TemporaryDirectory()
        var options = Fixtures.options(.group, segmentMaxBytes: 1 << 20)
        options.maximumQueuedBytes = 2048
        let journal = try await Journal.open(at: directory.path, options: options)
        let outcomes = await withTaskGroup(of: Result<AppendedRecord, JournalError>.self) { group in
            for index in 0..<400 {
                group.addTask {
                    do throws(JournalError) {
                        return .success(try await journal.append(Fixtures.binary(300, seed: UInt8(index % 251))))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let accepted = outcomes.compactMap { try? $0.get() }
        let refusals = outcomes.compactMap { outcome -> JournalError? in
            if case .failure(let error) = outcome { error } else { nil }
        }
        #expect(accepted.count + refusals.count == 400)
        #expect(!refusals.isEmpty, "400 concurrent appends against a 2 KiB queue must hit the bound")
        #expect(!accepted.isEmpty)
        for refusal in refusals {
            guard case .overloaded = refusal else {
                Issue.record("unexpected refusal \(refusal)")
                continue
            }
        }
        // What was accepted is exactly what is stored: refused appends left nothing behind.
        let stored = try Fixtures.readAll(journal)
        #expect(Set(stored.map(\.offset)) == Set(accepted.map(\.offset)))
        #expect(journal.bounds.end == accepted.map { $0.next }.max() ?? 0)
        await journal.close()
    }

    /// A hung disk: while the journal's thread is held in an fsync, requests
    /// cannot reach its commit queue, and they must not pile up in front of it.
    @Test func whileTheJournalThreadIsHeldInAnFsync_appendsBeyondTheBound_areRefusedAtOnce() async throws {
        let directory = TemporaryDirectory()
        let gate = GatedFileSystem(PosixFileSystem())
        var options = Fixtures.options(.group, segmentMaxBytes: 1 << 20)
        options.maximumQueuedBytes = 2048
        let journal = try await Journal.open(at: directory.path, options: options, fileSystem: gate)
        gate.closeBeforeNextSynchronizeData()
        let held = Task { try await journal.append(Fixtures.binary(300, seed: 250)) }
        while !gate.isHolding { try await Task.sleep(for: .milliseconds(1)) }

        let outcomes = Mutex<[Int: Result<[AppendedRecord], JournalError>]>([:])
        var refusedAtOnce = 0
        for index in 0..<200 {
            journal.append([Fixtures.binary(300, seed: UInt8(index % 250))]) { result in
                outcomes.withLock { $0[index] = result }
            }
            if outcomes.withLock({ $0[index] }) != nil { refusedAtOnce += 1 }
        }
        let waiting = 200 - refusedAtOnce
        // 340 bytes a record on disk: six fit into 2 KiB.
        #expect(waiting == 6, "requests let through while the thread is held: \(waiting)")
        for (_, outcome) in outcomes.withLock({ $0 }) {
            guard case .failure(.overloaded) = outcome else {
                Issue.record("a request answered while the thread is held, other than overloaded: \(outcome)")
                continue
            }
        }

        gate.open()
        let first = try await held.value
        while outcomes.withLock({ $0.count }) < 200 { try await Task.sleep(for: .milliseconds(1)) }
        let accepted = outcomes.withLock { $0.values.compactMap { try? $0.get().first } }
        #expect(accepted.count == waiting, "every request let through is acknowledged once the disk answers")
        let stored = try Fixtures.readAll(journal)
        #expect(Set(stored.map(\.offset)) == Set(accepted.map(\.offset) + [first.offset]))
        await journal.close()
    }
}
