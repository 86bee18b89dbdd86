import ArgumentParser
import EmbeddedPostgres
import Foundation
import Logging
import OMSServer
import OMSStore
import PostgresNIO
import ServiceLifecycle

/// `oms serve`: the product's one-command start.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve JSON-RPC on TCP. Without a database URL, runs a private PostgreSQL under .oms/ with a demo tenant.")

    @Option(help: "Address to listen on (env OMS_HOST).")
    var host: String = ProcessInfo.processInfo.environment["OMS_HOST"] ?? "127.0.0.1"

    @Option(help: "TCP port (env OMS_PORT).")
    var port: Int = Int(ProcessInfo.processInfo.environment["OMS_PORT"] ?? "") ?? 9191

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("data-dir"), help: "Folder for the embedded PostgreSQL and demo keys (env OMS_DATA_DIR).")
    var dataDirectory: String = ProcessInfo.processInfo.environment["OMS_DATA_DIR"] ?? ".oms"

    @Option(name: .customLong("max-line-length"), help: "Longest request line in bytes.")
    var maximumLineLength: Int = 1 << 20

    @Option(name: .customLong("max-in-flight"), help: "Requests worked on at once per connection.")
    var maximumInFlight: Int = 64

    @Option(name: .customLong("pool-size"), help: "PostgreSQL connections in the pool (env OMS_POOL_SIZE).")
    var poolSize: Int = Int(ProcessInfo.processInfo.environment["OMS_POOL_SIZE"] ?? "") ?? 20

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical (env OMS_LOG_LEVEL).")
    var logLevel: String = ProcessInfo.processInfo.environment["OMS_LOG_LEVEL"] ?? "info"

    @Flag(name: .customLong("evaluate-compliance"),
          help: "Decide orders pending pre/post-trade compliance with the built-in rule engine (env OMS_EVALUATE_COMPLIANCE=1).")
    var evaluateCompliance: Bool = ["1", "true", "yes"].contains(ProcessInfo.processInfo.environment["OMS_EVALUATE_COMPLIANCE"] ?? "")

    @Option(name: .customLong("subscription-buffer"),
            help: "Events buffered per subscription before a slow subscriber is cut off (env OMS_SUBSCRIPTION_BUFFER).")
    var subscriptionBuffer: Int = Int(ProcessInfo.processInfo.environment["OMS_SUBSCRIPTION_BUFFER"] ?? "") ?? 10_000

    func run() async throws {
        let logger = makeLogger("oms", level: Logger.Level(rawValue: logLevel) ?? .info)
        var embedded: EmbeddedPostgres?
        let url: DatabaseURL
        // The demo tenant is seeded only into the embedded database, never into one given to us.
        let embeddedDatabase = !database.isConfigured
        if !embeddedDatabase {
            url = try database.resolvedURL()
        } else {
            let cluster = EmbeddedPostgres(dataDirectory: absolute(dataDirectory) + "/postgres", durable: true)
            EmbeddedPostgres.stopOnExit()
            say("starting embedded PostgreSQL in \(cluster.dataDirectory) ...")
            let endpoint = try cluster.start()
            if !endpoint.alreadyRunning { embedded = cluster }
            url = try DatabaseURL(endpoint.url)
        }
        logger.info("configuration", metadata: [
            "database": "\(url)", "host": "\(host)", "port": "\(port)", "pool_size": "\(poolSize)",
            "max_line_length": "\(maximumLineLength)", "max_in_flight": "\(maximumInFlight)",
            "evaluate_compliance": "\(evaluateCompliance)", "subscription_buffer": "\(subscriptionBuffer)",
        ])
        defer { if let embedded { try? embedded.stop() } }
        try await serve(url: url, seedDemo: embeddedDatabase, logger: logger)
    }

    private func serve(url: DatabaseURL, seedDemo: Bool, logger: Logger) async throws {
        // Setup uses its own short-lived pool: a PostgresClient runs exactly once.
        let seeded = try await withDatabase(url, logger: logger) { setup in
            let applied = try await Migrator(logger: logger).migrate(client: setup.client)
            if !applied.isEmpty { say("applied migrations: \(applied.joined(separator: ", "))") }
            return seedDemo ? try await DemoSeed.seedIfNeeded(database: setup) : nil
        }
        if seedDemo { try printDemoKeys(seeded) }
        let client = PostgresClient(configuration: url.clientConfiguration(maxConnections: poolSize), backgroundLogger: logger)
        let database = Database(client: client, logger: logger)
        let hub = EventHub(url: url, logger: logger)
        let dispatcher = Dispatcher(
            services: Services(database: database, hub: hub, subscriptionBuffer: subscriptionBuffer), logger: logger)
        let server = try await OMSServer.bind(
            ServerConfiguration(host: host, port: port, maximumLineLength: maximumLineLength,
                                maximumInFlightPerConnection: maximumInFlight),
            dispatcher: dispatcher, logger: logger)
        say("oms listening on \(host):\(server.port) (Ctrl-C to stop)")
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: client), .init(service: EventHubService(hub: hub))]
                                    + (evaluateCompliance
                                        ? [.init(service: EvaluatorService(evaluator: ComplianceEvaluator(
                                            database: database, hub: hub, logger: logger)))]
                                        : [])
                                    + [.init(service: server)],
                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        say("oms stopped")
    }

    private func printDemoKeys(_ seeded: [(principal: PrincipalRecord, key: IssuedKey)]?) throws {
        let file = absolute(dataDirectory) + "/demo-keys.json"
        guard let seeded else {
            say("demo tenant ready; its API keys are in \(file)")
            return
        }
        var object: [String: Any] = ["tenant_id": DemoSeed.tenantId]
        for (principal, key) in seeded {
            object[principal.role.rawValue] = ["principal_id": principal.principalId, "api_key": key.apiKey, "key_id": key.keyId]
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try FileManager.default.createDirectory(atPath: absolute(dataDirectory), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(file)")
        }
        say("seeded demo tenant 'demo'; API keys (shown once, also written to \(file)):")
        for (principal, key) in seeded {
            say("  \(principal.role.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(key.apiKey)")
        }
    }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

/// Prints a line and flushes, so it reaches a pipe (a supervisor, a test) at once.
func say(_ line: String) {
    print(line)
    fflush(nil)
}
