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
        /// A one-record request told its one record: no array is made for it.
        case single(UnsafeContinuation<Result<AppendedRecord, JournalError>, Never>)
    }

    /// The request's records: one is held without an array, since one-record
    /// requests are the common case and each array is an allocation that the
    /// journal's thread would otherwise free for another thread.
    enum Records {
        case one(AppendRecord)
        case many([AppendRecord])

        var count: Int {
            switch self {
            case .one: 1
            case .many(let records): records.count
            }
        }
    }

    let records: Records
    /// The request's size on disk, headers included.
    let bytes: Int
    /// Runs on the journal's thread: it must only hand the answer on.
    let answer: Answer

    /// Answers with the request's records, which `appended` holds in order.
    func succeed(_ appended: ArraySlice<AppendedRecord>) {
        switch answer {
        case .completion(let completion): completion(.success(Array(appended)))
        case .continuation(let continuation): continuation.resume(returning: .success(Array(appended)))
        case .single(let continuation): continuation.resume(returning: .success(appended[appended.startIndex]))
        }
    }

    func fail(_ error: JournalError) {
        switch answer {
        case .completion(let completion): completion(.failure(error))
        case .continuation(let continuation): continuation.resume(returning: .failure(error))
        case .single(let continuation): continuation.resume(returning: .failure(error))
        }
    }
}
