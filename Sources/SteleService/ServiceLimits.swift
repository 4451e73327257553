/// What the service accepts from clients, beyond what the journal itself bounds.
package struct ServiceLimits: Sendable {
    /// The largest request body (413 beyond, refused before it is read when declared).
    package var maximumBodyBytes = 8 << 20
    /// Records in one NDJSON batch.
    package var maximumBatchRecords = 10_000
    /// The longest a read may long-poll; longer `wait_ms` values are capped to it.
    package var maximumWait: Duration = .seconds(30)
    /// Nesting depth of JSON records and bodies.
    package var maximumJSONDepth = 128
    /// Request target (path and query) length, 414 beyond. Kept below what a
    /// connection's memory pool holds, so that most oversized requests get
    /// this service's problem document rather than libmicrohttpd's own page.
    package var maximumTargetBytes = 2 << 10
    /// Header fields, names and values together, 431 beyond (same reason).
    package var maximumHeaderBytes = 3 << 10

    package init() {}
}
