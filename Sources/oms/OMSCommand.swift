import ArgumentParser

/// The `oms` command: the server, its database tools, and a client for humans and scripts.
@main
struct OMSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oms",
        abstract: "Order management system: JSON-RPC server on PostgreSQL, and its tools.",
        subcommands: [ServeCommand.self, MigrateCommand.self, AdminCommand.self, OrderCommands.self, CallCommand.self,
                      BenchCommand.self, PostgresCommand.self])
}
