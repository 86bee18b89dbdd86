import ArgumentParser
import EmbeddedPostgres

/// `oms postgres start|stop`: the private PostgreSQL `oms serve` uses, on its own
/// (for scripts such as scripts/bench).
struct PostgresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres", abstract: "Start or stop a private PostgreSQL cluster in a folder.",
        subcommands: [Start.self, Stop.self])

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "initdb if needed, start, and print the database URL.")
        @Option(name: .customLong("data-dir")) var dataDirectory: String
        @Flag(help: "Keep fsync on (off by default here: scratch clusters).") var durable = false
        func run() async throws {
            print(try EmbeddedPostgres(dataDirectory: dataDirectory, durable: durable).start().url)
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the cluster in the folder.")
        @Option(name: .customLong("data-dir")) var dataDirectory: String
        func run() async throws {
            try EmbeddedPostgres(dataDirectory: dataDirectory).stop()
        }
    }
}
