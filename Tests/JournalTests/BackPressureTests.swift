import Journal
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
}
