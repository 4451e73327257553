/// One append request waiting for the fsync that will acknowledge it.
struct PendingAppend {
    let records: [AppendRecord]
    /// The request's size on disk, headers included.
    let bytes: Int
    let continuation: CheckedContinuation<Result<[AppendedRecord], JournalError>, Never>

    func succeed(_ appended: [AppendedRecord]) {
        continuation.resume(returning: .success(appended))
    }

    func fail(_ error: JournalError) {
        continuation.resume(returning: .failure(error))
    }
}
