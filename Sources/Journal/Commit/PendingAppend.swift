/// What an append request is told once the fsync that covers it returns (or
/// once it is refused): where its records landed, or why not.
package typealias AppendCompletion = @Sendable (Result<[AppendedRecord], JournalError>) -> Void

/// One append request waiting for the fsync that will acknowledge it.
struct PendingAppend {
    let records: [AppendRecord]
    /// The request's size on disk, headers included.
    let bytes: Int
    /// Runs on the journal's thread: it must only hand the answer on.
    let completion: AppendCompletion

    func succeed(_ appended: [AppendedRecord]) {
        completion(.success(appended))
    }

    func fail(_ error: JournalError) {
        completion(.failure(error))
    }
}
