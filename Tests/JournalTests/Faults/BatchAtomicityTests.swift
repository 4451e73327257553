import Journal
import JournalTesting
import Testing

/// A request of several records (an NDJSON batch) is all or nothing, also
/// when the process dies in the middle of writing it: Linux stops a write to
/// a file between pages when SIGKILL arrives, and the page cache keeps what
/// was written. The writer puts such a run's first length word in place only
/// after the rest, so a torn run starts with zeros and recovery cuts it whole.
@Suite("A crash in the middle of a batch's write leaves all of the batch or none of it")
struct BatchAtomicityTests {
    /// Four records of 300 bytes on disk, one request: 1,200 bytes, in the active segment.
    static let batch = (0..<4).map { FaultSupport.record("batch \($0)", size: 260) }

    /// `written` bytes of the batch's first write reach the page cache, then the
    /// process "dies" (EIO fails the journal; the simulated disk keeps the bytes).
    @Test(arguments: [0, 1, 4, 150, 299, 300, 301, 650, 900, 1_199, 1_200])
    func aBatchTornInItsWrite_leavesNoneOfItsRecords(written: Int) async throws {
        let failing = try await IOErrorTests.Failing()
        failing.faults.inject(.shortWrite(bytes: written, whenPathMatches: { $0.extension == "wal" }, errno: .ioError))
        let error = await FaultSupport.error { _ = try await failing.journal.append(Self.batch) }
        #expect(FaultSupport.isFailed(error), "got \(String(describing: error))")
        try await expectAllOrNothing(failing, "torn after \(written) bytes")
    }

    /// The first write went through whole; the one putting the first length
    /// word in place tore after `written` of its 4 bytes.
    @Test(arguments: [0, 1, 2, 3])
    func aBatchTornInItsLastWrite_isWholeOrAbsent(written: Int) async throws {
        let failing = try await IOErrorTests.Failing()
        failing.faults.inject(
            .shortWrite(bytes: written, atOperation: 2, whenPathMatches: { $0.extension == "wal" }, errno: .ioError))
        let error = await FaultSupport.error { _ = try await failing.journal.append(Self.batch) }
        #expect(FaultSupport.isFailed(error), "got \(String(describing: error))")
        #expect(failing.faults.faultsTriggered == 1, "the batch was written in one call")
        try await expectAllOrNothing(failing, "last write torn after \(written) bytes")
    }

    /// A restart on what the page cache holds: every acknowledged record, then the whole batch or none of it.
    private func expectAllOrNothing(_ failing: IOErrorTests.Failing, _ context: String) async throws {
        await failing.journal.close()
        let reopened = try await FaultSupport.reopenedState(on: failing.simulated, options: failing.options).get()
        #expect(Array(reopened.records.prefix(failing.acknowledged.count)) == failing.acknowledged, "\(context)")
        #expect(reopened.contiguityProblems.isEmpty, "\(context)")
        let extra = reopened.records.dropFirst(failing.acknowledged.count).map(\.digest)
        #expect(extra.isEmpty || extra == Self.batch.map(\.digest), "\(context): \(extra.count) of the batch's 4 records survived")
    }
}
