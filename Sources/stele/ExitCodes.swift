import ArgumentParser

/// Exit codes shared by the subcommands (documented in `--help` and the README).
enum ExitCodes {
    /// The data directory holds damage to acknowledged data.
    static let corruption = ExitCode(3)
    /// Something else went wrong (I/O error, no journal, lock held).
    static let failure = ExitCode(2)
}
