import ArgumentParser
import Glibc

/// `stele serve`'s flags. Each falls back to a `STELE_…` environment
/// variable, then to its default; the flag wins over the variable.
struct ServeSettings: ParsableArguments {
    @Option(help: "Data directory. [env: STELE_DATA_DIR] (default: ./data)")
    var dataDir: String?
    @Option(help: "Address to listen on (IPv4 or IPv6). [env: STELE_HOST] (default: 127.0.0.1)")
    var host: String?
    @Option(help: "Port to listen on; 0 picks a free one (printed at start). [env: STELE_PORT] (default: 8080)")
    var port: UInt16?
    @Option(help: "immediate (an fsync per request) or group (concurrent requests share one). [env: STELE_DURABILITY] (default: immediate)")
    var durability: String?
    @Option(help: "Size at which a segment is sealed and a new one begun. [env: STELE_SEGMENT_MAX_BYTES] (default: 67108864)")
    var segmentMaxBytes: Int?
    @Option(help: "Longest the journal's writer thread spins, in microseconds, for a client it has just answered before it sleeps; it saves a thread wake-up per request at low concurrency and stops by itself when requests come further apart, but a shared VM's host may take the time back as steal and stall requests for milliseconds. 0 turns it off. [env: STELE_IDLE_SPIN_US] (default: 0)")
    var idleSpinUs: Int?
    @Option(help: "Largest record payload. [env: STELE_MAX_RECORD_BYTES] (default: 1048576)")
    var maxRecordBytes: Int?
    @Option(help: "Bytes of appends that may wait for the disk at once (a slow or stalled disk); beyond them appends get 503 overloaded with Retry-After at once, so memory stays bounded. [env: STELE_MAX_QUEUED_BYTES] (default: 67108864)")
    var maxQueuedBytes: Int?
    @Option(help: "Largest request body; larger ones get 413 before they are read. [env: STELE_MAX_BODY_BYTES] (default: 8388608)")
    var maxBodyBytes: Int?
    @Option(help: "Most records in one NDJSON batch. [env: STELE_MAX_BATCH_RECORDS] (default: 10000)")
    var maxBatchRecords: Int?
    @Option(help: "Longest long-poll (wait_ms is capped to it), in milliseconds. [env: STELE_MAX_WAIT_MS] (default: 30000)")
    var maxWaitMs: Int?
    @Option(help: "File of bearer tokens, one per line: TOKEN SCOPES (read,write,admin). Without it, no authorization. [env: STELE_TOKEN_FILE]")
    var tokenFile: String?
    @Option(help: "Require a read token for /metrics too (true/false). [env: STELE_METRICS_AUTH] (default: false)")
    var metricsAuth: Bool?
    @Option(help: "PEM certificate chain for HTTPS (with --tls-key). [env: STELE_TLS_CERT]")
    var tlsCert: String?
    @Option(help: "PEM private key for HTTPS. [env: STELE_TLS_KEY]")
    var tlsKey: String?
    @Option(help: "HTTP polling threads. [env: STELE_THREADS] (default: the number of cores)")
    var threads: Int?
    @Option(help: "epoll (a daemon per polling thread, run by Stele's loop) or poll (libmicrohttpd's own pool, whose every turn scans all open connections). [env: STELE_EVENT_LOOP] (default: epoll)")
    var eventLoop: String?
    @Option(help: "Connections open at once. [env: STELE_MAX_CONNECTIONS] (default: 16384)")
    var maxConnections: Int?
    @Option(help: "Connections open at once from one address; 0 for no limit. [env: STELE_MAX_CONNECTIONS_PER_IP] (default: 0)")
    var maxConnectionsPerIp: Int?
    @Option(help: "Seconds before an idle or slow connection is closed; 0 for never. [env: STELE_CONNECTION_TIMEOUT] (default: 30)")
    var connectionTimeout: Int?
    @Option(help: "Bytes each connection may use for its request line, headers and read buffer; libmicrohttpd zeroes this much per request, and it bounds idle keep-alive memory. [env: STELE_CONNECTION_MEMORY_BYTES] (default: 4096)")
    var connectionMemoryBytes: Int?
    @Option(help: "Seconds a shutdown waits for requests in flight. [env: STELE_SHUTDOWN_GRACE] (default: 10)")
    var shutdownGrace: Int?
    @Option(help: "trace, debug (one line per request), info, notice, warning, error or critical. [env: STELE_LOG_LEVEL] (default: info)")
    var logLevel: String?

    /// The flag's value, else the environment variable's (parsed like the flag), else `fallback`.
    static func resolve<Value: ExpressibleByArgument>(
        _ flag: Value?, _ variable: String, default fallback: Value
    ) throws -> Value {
        if let flag { return flag }
        guard let text = getenv(variable).map({ String(cString: $0) }), !text.isEmpty else { return fallback }
        guard let value = Value(argument: text) else {
            throw ValidationError("\(variable)=\(text) is not a valid value")
        }
        return value
    }

    /// The flag's value or the environment variable's, or nil when neither is set.
    static func resolve(_ flag: String?, _ variable: String) -> String? {
        if let flag { return flag }
        guard let text = getenv(variable).map({ String(cString: $0) }), !text.isEmpty else { return nil }
        return text
    }
}
