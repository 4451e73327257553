import ArgumentParser
import FoundationEssentials
import Glibc
import HTTPServer
import Journal
import Logging
import ServiceLifecycle
import SteleService
import SystemPackage

/// `stele serve`: the journal over HTTP until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a journal over HTTP.",
        discussion: """
            Listens at once; /healthz answers during recovery, /readyz once the journal is \
            recovered and writable. SIGTERM or SIGINT stops accepting connections, answers \
            waiting long-polls, finishes appends in flight, fsyncs and exits 0. Exit codes: \
            3 when the data directory holds corruption (run `stele verify`), 2 on other failures.
            """)

    @OptionGroup var settings: ServeSettings

    func run() async throws {
        // Bad settings exit 2 like every other failure to start (`--help`,
        // docs/operations.md), not ArgumentParser's 64.
        let logger: Logger
        let setup: ServeSetup
        do {
            logger = try makeLogger()
            setup = try ServeSetup(settings, logger: logger)
        } catch let error as ValidationError {
            printError("stele serve: \(error.message)")
            throw ExitCodes.failure
        } catch {
            printError("stele serve: \(error)")
            throw ExitCodes.failure
        }
        // Said once the service group traps SIGTERM and SIGINT (HTTPService runs
        // after it has): a stop asked for as soon as the address is printed drains.
        let announce: @Sendable () -> Void = { [setup] in
            logger.info("listening", metadata: [
                "http.host": "\(setup.server.host)", "http.port": "\(setup.server.port)",
                "http.tls": "\(setup.tls)", "journal.directory": "\(setup.directory)",
                "journal.durability": "\(setup.options.durability.rawValue)",
            ])
            // The port on stdout too, for scripts and tests that asked for port 0.
            let line = Array("stele listening on \(setup.server.host):\(setup.server.port)\n".utf8)
            _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        }

        let journalService = JournalService(
            directory: setup.directory, options: setup.options, api: setup.api, logger: logger)
        let httpService = HTTPService(
            server: setup.server.server, api: setup.api, grace: setup.grace, logger: logger, announce: announce)
        // Shut down in reverse order: HTTP drains first, the journal closes last.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: journalService), .init(service: httpService)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as JournalError {
            printError("stele serve: \(error)")
            if case .corruption = error { throw ExitCodes.corruption }
            throw ExitCodes.failure
        } catch {
            printError("stele serve: \(error)")
            throw ExitCodes.failure
        }
        logger.info("stopped")
    }

    private func makeLogger() throws -> Logger {
        let levelName = ServeSettings.resolve(settings.logLevel, "STELE_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ValidationError("unknown log level \(levelName)")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "stele")
    }
}
