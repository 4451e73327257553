import ArgumentParser

/// `stele`: a durable, append-only journal served over HTTP, and the tools to look after its data.
@main
struct Stele: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stele",
        abstract: "A durable, append-only journal.",
        subcommands: [ServeCommand.self, InitCommand.self, VerifyCommand.self, DumpCommand.self, RepairCommand.self])
}
