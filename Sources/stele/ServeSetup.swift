import ArgumentParser
import FoundationEssentials
import HTTPServer
import Journal
import Logging
import SteleService
import SystemPackage

/// Everything `stele serve` resolves from its flags and environment before
/// it runs, with the HTTP server already listening.
struct ServeSetup {
    struct Listener {
        let server: HTTPServer
        let host: String
        var port: UInt16 { server.port }
    }

    let directory: FilePath
    let options: JournalOptions
    let api: JournalAPI
    let server: Listener
    let tls: Bool
    let grace: Duration

    init(_ settings: ServeSettings, logger: Logger) throws {
        typealias S = ServeSettings
        directory = FilePath(S.resolve(settings.dataDir, "STELE_DATA_DIR") ?? "./data")
        // Before listening: a second server on a directory fails before it prints its address.
        let journalDirectory = JournalDirectory(directory)
        if journalDirectory.isLockedByAnotherProcess {
            throw ValidationError("\(JournalError.locked(path: journalDirectory.lockFile.string)): another stele serve uses \(directory)")
        }

        var options = JournalOptions()
        let durability = S.resolve(settings.durability, "STELE_DURABILITY") ?? "immediate"
        guard let level = Durability(rawValue: durability) else {
            throw ValidationError("durability (--durability, STELE_DURABILITY) must be immediate or group, not \(durability)")
        }
        options.durability = level
        options.segmentMaxBytes = try S.resolve(settings.segmentMaxBytes, "STELE_SEGMENT_MAX_BYTES", default: options.segmentMaxBytes)
        let idleSpin = try S.resolve(settings.idleSpinUs, "STELE_IDLE_SPIN_US", default: 0)
        guard (0...10_000).contains(idleSpin) else { throw ValidationError("idle spin must be 0 to 10000 microseconds") }
        options.maximumIdleSpin = .microseconds(idleSpin)
        options.maximumPayload = try S.resolve(settings.maxRecordBytes, "STELE_MAX_RECORD_BYTES", default: options.maximumPayload)
        options.maximumQueuedBytes = try S.resolve(
            settings.maxQueuedBytes, "STELE_MAX_QUEUED_BYTES", default: options.maximumQueuedBytes)
        // Refused here, before the server listens, rather than when the journal opens.
        if let reason = options.invalidReason { throw ValidationError("invalid journal settings: \(reason)") }

        var limits = ServiceLimits()
        limits.maximumBodyBytes = try S.resolve(settings.maxBodyBytes, "STELE_MAX_BODY_BYTES", default: limits.maximumBodyBytes)
        limits.maximumBatchRecords = try S.resolve(settings.maxBatchRecords, "STELE_MAX_BATCH_RECORDS", default: limits.maximumBatchRecords)
        let maxWait = try S.resolve(settings.maxWaitMs, "STELE_MAX_WAIT_MS", default: 30_000)
        guard limits.maximumBodyBytes > 0, limits.maximumBatchRecords > 0, maxWait >= 0 else {
            throw ValidationError("body, batch and wait limits must be positive")
        }
        limits.maximumWait = .milliseconds(maxWait)

        var tokens: AccessTokens?
        if let path = S.resolve(settings.tokenFile, "STELE_TOKEN_FILE") {
            tokens = try AccessTokens(fileContents: try Self.readText(path, what: "token file"))
        }
        let metricsAuth = try S.resolve(settings.metricsAuth, "STELE_METRICS_AUTH", default: false)

        var http = HTTPServerConfiguration()
        http.host = S.resolve(settings.host, "STELE_HOST") ?? http.host
        http.port = try S.resolve(settings.port, "STELE_PORT", default: http.port)
        http.threads = try S.resolve(settings.threads, "STELE_THREADS", default: ProcessInfo.processInfo.activeProcessorCount)
        let loop = S.resolve(settings.eventLoop, "STELE_EVENT_LOOP") ?? http.eventLoop.rawValue
        guard let eventLoop = HTTPServerConfiguration.EventLoop(rawValue: loop) else {
            throw ValidationError("event loop must be poll or epoll, not \(loop)")
        }
        http.eventLoop = eventLoop
        http.connectionLimit = try S.resolve(settings.maxConnections, "STELE_MAX_CONNECTIONS", default: http.connectionLimit)
        http.connectionsPerAddress = try S.resolve(settings.maxConnectionsPerIp, "STELE_MAX_CONNECTIONS_PER_IP", default: 0)
        http.connectionTimeoutSeconds = try S.resolve(settings.connectionTimeout, "STELE_CONNECTION_TIMEOUT", default: 30)
        http.connectionMemoryLimit = try S.resolve(settings.connectionMemoryBytes, "STELE_CONNECTION_MEMORY_BYTES", default: http.connectionMemoryLimit)
        guard http.connectionMemoryLimit >= 2048 else { throw ValidationError("connection memory must be at least 2048 bytes") }
        guard http.threads >= 1, http.connectionLimit >= 1, http.connectionsPerAddress >= 0, http.connectionTimeoutSeconds >= 0 else {
            throw ValidationError("threads and connection limits must be positive")
        }
        // libmicrohttpd counts connections and threads in C ints.
        guard http.threads <= 1024, http.connectionLimit <= 1_000_000, http.connectionsPerAddress <= 1_000_000,
              http.connectionTimeoutSeconds <= 86_400 else {
            throw ValidationError("at most 1024 threads, 1,000,000 connections and a timeout of 86400 seconds")
        }
        let certificate = S.resolve(settings.tlsCert, "STELE_TLS_CERT")
        let key = S.resolve(settings.tlsKey, "STELE_TLS_KEY")
        if (certificate == nil) != (key == nil) { throw ValidationError("HTTPS needs both --tls-cert and --tls-key") }
        if let certificate, let key {
            http.tlsCertificate = try Self.readText(certificate, what: "TLS certificate")
            http.tlsKey = try Self.readText(key, what: "TLS key")
        }
        tls = certificate != nil
        let graceSeconds = try S.resolve(settings.shutdownGrace, "STELE_SHUTDOWN_GRACE", default: 10)
        guard (0...3_600).contains(graceSeconds) else { throw ValidationError("the shutdown grace must be 0 to 3600 seconds") }
        grace = .seconds(graceSeconds)

        let metrics = ServiceMetrics()
        options.commitObserver = { metrics.recordCommit($0) }
        self.options = options
        api = JournalAPI(limits: limits, tokens: tokens, metricsNeedRead: metricsAuth, metrics: metrics, logger: logger)
        var libraryLogger = logger
        libraryLogger[metadataKey: "component"] = "libmicrohttpd"
        let httpLogger = libraryLogger
        let server = try HTTPServer(configuration: http, handler: api) { message in
            if HTTPServer.isAboutAClient(message) {
                httpLogger.debug("\(message)")
            } else {
                httpLogger.warning("\(message)")
            }
        }
        self.server = Listener(server: server, host: http.host)
    }

    private static func readText(_ path: String, what: String) throws -> String {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw ValidationError("cannot read the \(what) \(path): \(error)")
        }
    }
}
