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

    @Option(help: ServeCommand.help("--host", "Address to listen on."))
    var host: String?

    @Option(help: ServeCommand.help("--port", "TCP port for JSON-RPC."))
    var port: Int?

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("data-dir"), help: ServeCommand.help("--data-dir", "Folder for the embedded PostgreSQL and demo keys."))
    var dataDirectory: String?

    @Option(name: .customLong("max-line-length"), help: ServeCommand.help("--max-line-length", "Longest request line in bytes."))
    var maximumLineLength: Int?

    @Option(name: .customLong("max-in-flight"), help: ServeCommand.help("--max-in-flight", "Requests worked on at once per connection."))
    var maximumInFlight: Int?

    @Option(name: .customLong("pool-size"), help: ServeCommand.help("--pool-size", "PostgreSQL connections in the pool."))
    var poolSize: Int?

    @Option(name: .customLong("log-level"),
            help: ServeCommand.help("--log-level", "trace, debug, info, notice, warning, error or critical."))
    var logLevel: String?

    @Flag(name: .customLong("evaluate-compliance"),
          help: ServeCommand.help("--evaluate-compliance",
                     "Decide orders pending pre/post-trade compliance with the built-in rule engine (env 1/true/yes/on)."))
    var evaluateCompliance = false

    @Option(name: .customLong("subscription-buffer"),
            help: ServeCommand.help("--subscription-buffer", "Events buffered per subscription before a slow subscriber is cut off."))
    var subscriptionBuffer: Int?

    @Option(name: .customLong("metrics-host"), help: ServeCommand.help("--metrics-host", "Address of the operations endpoint."))
    var metricsHost: String?

    @Option(name: .customLong("metrics-port"),
            help: ServeCommand.help("--metrics-port", "Port of the operations endpoint: /metrics (Prometheus), /healthz, /readyz; 0 picks a free port."))
    var metricsPort: Int?

    @Flag(name: .customLong("print-config"),
          help: "Print the effective configuration (flags over OMS_* variables over defaults; password hidden) and exit.")
    var printConfig = false

    /// Flags over `OMS_*` variables over defaults, checked.
    func settings(_ environment: SettingsEnvironment = SettingsEnvironment()) throws -> ServeSettings {
        let host = self.host ?? environment.string("OMS_HOST") ?? "127.0.0.1"
        let metricsPort: Int? = if self.metricsPort != nil || environment.string("OMS_METRICS_PORT") != nil {
            try environment.int(self.metricsPort, "--metrics-port", "OMS_METRICS_PORT", default: 0, in: 0...65_535)
        } else {
            nil
        }
        return ServeSettings(
            host: host,
            port: try environment.int(port, "--port", "OMS_PORT", default: 9191, in: 0...65_535),
            databaseURL: database.databaseURL ?? environment.string("OMS_DATABASE_URL"),
            dataDirectory: dataDirectory ?? environment.string("OMS_DATA_DIR") ?? ".oms",
            maximumLineLength: try environment.int(maximumLineLength, "--max-line-length", "OMS_MAX_LINE_LENGTH",
                                                   default: 1 << 20, in: 256...(1 << 30)),
            maximumInFlight: try environment.int(maximumInFlight, "--max-in-flight", "OMS_MAX_IN_FLIGHT",
                                                 default: 64, in: 1...100_000),
            poolSize: try environment.int(poolSize, "--pool-size", "OMS_POOL_SIZE", default: 20, in: 1...10_000),
            logLevel: try environment.logLevel(logLevel, "OMS_LOG_LEVEL", default: .info),
            evaluateCompliance: try evaluateCompliance || environment.bool("OMS_EVALUATE_COMPLIANCE"),
            subscriptionBuffer: try environment.int(subscriptionBuffer, "--subscription-buffer", "OMS_SUBSCRIPTION_BUFFER",
                                                    default: 10_000, in: 1...10_000_000),
            metricsHost: metricsHost ?? environment.string("OMS_METRICS_HOST") ?? host,
            metricsPort: metricsPort)
    }

    func validate() throws {
        _ = try settings()
    }

    func run() async throws {
        let settings = try settings()
        if printConfig {
            for (name, value) in settings.logMetadata.sorted(by: { $0.key < $1.key }) { say("\(name)=\(value)") }
            return
        }
        let logger = makeLogger("oms", level: settings.logLevel)
        logger.info("configuration", metadata: settings.logMetadata)
        var embedded: EmbeddedPostgres?
        let url: DatabaseURL
        // The demo tenant is seeded only into the embedded database, never into one given to us.
        let embeddedDatabase = settings.databaseURL == nil
        if let text = settings.databaseURL {
            url = try DatabaseURL(text)
        } else {
            let cluster = EmbeddedPostgres(dataDirectory: absolute(settings.dataDirectory) + "/postgres", durable: true)
            EmbeddedPostgres.stopOnExit()
            say("starting embedded PostgreSQL in \(cluster.dataDirectory) ...")
            let endpoint = try cluster.start()
            if !endpoint.alreadyRunning { embedded = cluster }
            url = try DatabaseURL(endpoint.url)
        }
        defer { if let embedded { try? embedded.stop() } }
        try await ServeRunner(settings: settings, url: url, logger: logger).serve(seedDemo: embeddedDatabase)
    }

    /// A flag's help with its environment variable and default from `ServeSettings.table`.
    static func help(_ flag: String, _ text: String) -> ArgumentHelp {
        guard let row = ServeSettings.table.first(where: { $0.flag == flag }) else { return ArgumentHelp(text) }
        return ArgumentHelp("\(text) (env \(row.env); default: \(row.defaultValue))")
    }
}

/// An absolute path: relative ones are taken from the current directory.
func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}

/// Prints a line and flushes, so it reaches a pipe (a supervisor, a test) at once.
func say(_ line: String) {
    print(line)
    fflush(nil)
}
