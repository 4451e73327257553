/// What an append request is told once the fsync that covers it returns (or
/// once it is refused): where its records landed, or why not.
package typealias AppendCompletion = @Sendable (Result<[AppendedRecord], JournalError>) -> Void

/// One append request waiting for the fsync that will acknowledge it.
struct PendingAppend {
    /// Who is told the outcome. An async caller's continuation is held as it
    /// is: wrapping it in a closure would cost an allocation per append.
    enum Answer {
        case completion(AppendCompletion)
        case continuation(UnsafeContinuation<Result<[AppendedRecord], JournalError>, Never>)
    }

    let records: [AppendRecord]
    /// The request's size on disk, headers included.
    let bytes: Int
    /// Runs on the journal's thread: it must only hand the answer on.
    let answer: Answer

    func succeed(_ appended: [AppendedRecord]) {
        deliver(.success(appended))
    }

    func fail(_ error: JournalError) {
        deliver(.failure(error))
    }

    private func deliver(_ result: Result<[AppendedRecord], JournalError>) {
        switch answer {
        case .completion(let completion): completion(result)
        case .continuation(let continuation): continuation.resume(returning: result)
        }
    }
}
