import Journal
import Logging
import ServiceLifecycle
import SteleService
import SystemPackage

/// Opens (and recovers) the journal, hands it to the API, and closes it
/// last at shutdown: queued appends flushed and fsynced, lock released.
struct JournalService: Service {
    let directory: FilePath
    let options: JournalOptions
    let api: JournalAPI
    let logger: Logger

    func run() async throws {
        let journal = try await Journal.open(at: directory, options: options, logger: logger)
        // A shutdown that began during recovery has already announced STOPPING: no READY after it.
        let serving = api.startServing(journal) { SystemdNotifier().notify("READY=1\nSTATUS=serving") }
        if serving {
            logger.info("ready", metadata: ["journal.end": "\(journal.bounds.end)"])
        } else {
            logger.info("shutdown began during recovery: the journal is closed without serving")
        }
        // Its turn comes once HTTP has drained: a service that ended before it
        // would be an error to the service group (exit 2).
        try? await gracefulShutdown()
        await journal.close()
        logger.info("journal closed", metadata: ["journal.end": "\(journal.bounds.end)"])
    }
}
