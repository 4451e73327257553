import Journal
import SystemPackage
import Testing

/// The long-poll (DESIGN.md, "HTTP API", `wait_ms`; "Concurrency"): a reader
/// waits until a durable record exists past its offset or time runs out;
/// thousands may wait without a thread each.
@Suite struct LongPollTests {
    /// Waits, bounded, until `count` readers are registered; false if they never were.
    private func awaitWaiters(_ journal: Journal, count: Int) async throws -> Bool {
        for _ in 0..<30_000 {
            if journal.waitingReaders >= count { return true }
            try await Task.sleep(for: .milliseconds(1))
        }
        return journal.waitingReaders >= count
    }

    // MARK: Records already there

    @Test func aWaitFromBeforeTheEnd_returnsTrueWithoutAnAppend() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        let appended = try await Fixtures.fill(journal, count: 3)
        // Nothing is appended while these wait: had they waited, they would time out with false.
        for record in appended {
            #expect(await journal.waitForRecords(from: record.offset, timeout: .seconds(5)) == true)
        }
        #expect(await journal.waitForRecords(from: 0, timeout: .zero) == true)
        #expect(journal.waitingReaders == 0)
        await journal.close()
    }

    @Test func aWaitFromTheEnd_waitsForTheNextAppend() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        try await Fixtures.fill(journal, count: 3)
        let end = journal.bounds.end
        async let woke = journal.waitForRecords(from: end, timeout: .seconds(30))
        #expect(try await awaitWaiters(journal, count: 1))
        let next = try await journal.append(Fixtures.json(#"{"next":1}"#))
        #expect(next.offset == end)
        #expect(await woke == true)
        #expect(journal.waitingReaders == 0)
        await journal.close()
    }

    // MARK: Many waiters

    @Test(arguments: Durability.allCases)
    func fiveHundredWaiters_areAllWokenByOneAppend(durability: Durability) async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path, options: Fixtures.options(durability))
        try await Fixtures.fill(journal, count: 2)
        let end = journal.bounds.end
        let waiters = 500
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<waiters {
                group.addTask { await journal.waitForRecords(from: end, timeout: .seconds(30)) }
            }
            #expect(try await awaitWaiters(journal, count: waiters))
            _ = try await journal.append(Fixtures.json(#"{"wake":"everyone"}"#))
            var answers: [Bool] = []
            for try await answer in group { answers.append(answer) }
            #expect(answers.count == waiters)
            #expect(answers.allSatisfy { $0 }, "\(answers.filter { !$0 }.count) waiters were not woken")
        }
        #expect(journal.waitingReaders == 0)
        await journal.close()
    }

    @Test func waitersFromDifferentOffsets_areEachWokenByTheFirstRecordPastTheirOwn() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        let appended = try await Fixtures.fill(journal, count: 4)
        let end = journal.bounds.end
        try await withThrowingTaskGroup(of: (UInt64, Bool).self) { group in
            // Behind the end: answered at once. At the end: woken by the append.
            for offset in appended.map(\.offset) + [end, end, end] {
                group.addTask { (offset, await journal.waitForRecords(from: offset, timeout: .seconds(30))) }
            }
            #expect(try await awaitWaiters(journal, count: 3))
            _ = try await journal.append(Fixtures.json("42"))
            var answered = 0
            for try await (offset, answer) in group {
                #expect(answer, "waiter from \(offset)")
                answered += 1
            }
            #expect(answered == appended.count + 3)
        }
        await journal.close()
    }

    // MARK: Timeouts

    @Test func aWaiterWithNothingNew_timesOutWithFalse() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        try await Fixtures.fill(journal, count: 2)
        #expect(await journal.waitForRecords(from: journal.bounds.end, timeout: .milliseconds(20)) == false)
        #expect(journal.waitingReaders == 0)
        await journal.close()
    }

    @Test func manyWaitersThatTimeOut_allAnswerFalseAndAreForgotten() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        let answers = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask { await journal.waitForRecords(from: 0, timeout: .milliseconds(10 + index % 40)) }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(answers.count == 200)
        #expect(answers.allSatisfy { !$0 })
        #expect(journal.waitingReaders == 0)
        // The journal still works and wakes later waiters.
        async let woke = journal.waitForRecords(from: 0, timeout: .seconds(30))
        #expect(try await awaitWaiters(journal, count: 1))
        _ = try await journal.append(Fixtures.json("1"))
        #expect(await woke == true)
        await journal.close()
    }

    @Test func aZeroTimeoutOnAnEmptyJournal_answersFalse() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        #expect(await journal.waitForRecords(from: 0, timeout: .zero) == false)
        #expect(journal.waitingReaders == 0)
        await journal.close()
    }

    // MARK: Closing

    @Test func closingTheJournal_answersEveryWaiterWithFalse() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        try await Fixtures.fill(journal, count: 2)
        let end = journal.bounds.end
        let waiters = 300
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<waiters {
                group.addTask { await journal.waitForRecords(from: end, timeout: .seconds(30)) }
            }
            #expect(try await awaitWaiters(journal, count: waiters))
            await journal.close()
            var answers: [Bool] = []
            for try await answer in group { answers.append(answer) }
            #expect(answers.count == waiters)
            #expect(answers.allSatisfy { !$0 }, "\(answers.filter { $0 }.count) waiters answered true")
        }
        #expect(journal.waitingReaders == 0)
    }

    @Test func aWaitAfterClosing_answersFalseAndRegistersNoWaiter() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        try await Fixtures.fill(journal, count: 1)
        let end = journal.bounds.end
        await journal.close()
        #expect(await journal.waitForRecords(from: end, timeout: .seconds(5)) == false)
        #expect(journal.waitingReaders == 0)
    }

    // MARK: Cancelling (a reader that left)

    @Test func aCancelledWait_isAnsweredOnceAtOnce_andForgotten_whileOthersWaitOn() async throws {
        let directory = TemporaryDirectory()
        let journal = try await Journal.open(at: directory.path)
        try await Fixtures.fill(journal, count: 2)
        let end = journal.bounds.end
        let answers = AnswerLog()
        let cancelled = try #require(journal.waitForRecords(from: end, timeout: .seconds(60)) { answers.add("cancelled", $0) })
        let other = try #require(journal.waitForRecords(from: end, timeout: .seconds(60)) { answers.add("other", $0) })
        #expect(journal.waitingReaders == 2)
        journal.cancelWait(cancelled)
        #expect(answers.entries == [AnswerLog.Entry(name: "cancelled", found: false)])
        #expect(journal.waitingReaders == 1)
        journal.cancelWait(cancelled)
        _ = try await journal.append(Fixtures.json("3"))
        #expect(try await awaitAnswers(answers, count: 2))
        #expect(answers.entries.last == AnswerLog.Entry(name: "other", found: true))
        // A wait already answered is left alone: no second answer.
        journal.cancelWait(other)
        #expect(answers.entries.count == 2)
        #expect(journal.waitingReaders == 0)
        await journal.close()
    }

    @Test func aWaitAnsweredAtOnce_hasNothingToCancel() async throws {
        let directory = TemporaryDirectory()
        let first = try await Journal.open(at: directory.path)
        try await Fixtures.fill(first, count: 1)
        await first.close()
        // Reopened: the durable end is known from the start (a fresh append publishes it a moment after answering).
        let journal = try await Journal.open(at: directory.path)
        let answers = AnswerLog()
        #expect(journal.waitForRecords(from: 0, timeout: .seconds(60)) { answers.add("at once", $0) } == nil)
        #expect(answers.entries == [AnswerLog.Entry(name: "at once", found: true)])
        await journal.close()
    }

    /// Waits, bounded, until `log` holds `count` answers.
    private func awaitAnswers(_ log: AnswerLog, count: Int) async throws -> Bool {
        for _ in 0..<30_000 where log.entries.count < count {
            try await Task.sleep(for: .milliseconds(1))
        }
        return log.entries.count >= count
    }
}
