import ArgumentParser
import EmbeddedPostgres
import Foundation
import Logging
import OMSServer
import OMSStore
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

    @Option(name: .customLong("max-batch-size"),
            help: ServeCommand.help("--max-batch-size", "Requests in one batch; a larger batch is refused whole (LIMIT_EXCEEDED)."))
    var maximumBatchSize: Int?

    @Option(name: .customLong("max-connections-per-address"),
            help: ServeCommand.help("--max-connections-per-address", "Open connections per client IP address; one more gets LIMIT_EXCEEDED and is closed."))
    var maximumConnectionsPerAddress: Int?

    @Option(name: .customLong("max-subscriptions"),
            help: ServeCommand.help("--max-subscriptions", "Subscriptions one connection may hold at once (LIMIT_EXCEEDED beyond)."))
    var maximumSubscriptions: Int?

    @Option(name: .customLong("max-metadata-bytes"),
            help: ServeCommand.help("--max-metadata-bytes", "Largest order metadata in bytes of compact JSON, numbers written out in full (INVALID_PARAMS beyond)."))
    var maximumMetadataBytes: Int?

    @Option(name: .customLong("auth-failure-limit"),
            help: ServeCommand.help("--auth-failure-limit", "Failed session.authenticate calls per client address per window before further attempts are refused (RATE_LIMITED)."))
    var authFailureLimit: Int?

    @Option(name: .customLong("auth-failure-window"),
            help: ServeCommand.help("--auth-failure-window", "Seconds of the authentication-failure window."))
    var authFailureWindow: Int?

    @Option(name: .customLong("tls-cert"),
            help: ServeCommand.help("--tls-cert", "PEM certificate chain (leaf first); with --tls-key serves TLS instead of plain TCP."))
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: ServeCommand.help("--tls-key", "PEM private key of --tls-cert."))
    var tlsKey: String?

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

    /// Flags over `OMS_*` variables over defaults (`ServeConfiguration`), checked.
    func settings(_ environment: SettingsEnvironment = SettingsEnvironment()) throws -> ServeConfiguration {
        var c = ServeConfiguration()
        c.host = host ?? environment.string("OMS_HOST") ?? c.host
        if self.metricsPort != nil || environment.string("OMS_METRICS_PORT") != nil {
            c.metricsPort = try environment.int(self.metricsPort, "--metrics-port", "OMS_METRICS_PORT", default: 0,
                                                in: 0...65_535)
        }
        c.tlsCertificate = tlsCertificate ?? environment.string("OMS_TLS_CERT")
        c.tlsKey = tlsKey ?? environment.string("OMS_TLS_KEY")
        guard (c.tlsCertificate == nil) == (c.tlsKey == nil) else {
            throw ValidationError("--tls-cert (OMS_TLS_CERT) and --tls-key (OMS_TLS_KEY) go together: give both or neither")
        }
        c.port = try environment.int(port, "--port", "OMS_PORT", default: c.port, in: 0...65_535)
        c.databaseURL = database.databaseURL ?? environment.string("OMS_DATABASE_URL")
        c.dataDirectory = dataDirectory ?? environment.string("OMS_DATA_DIR") ?? c.dataDirectory
        c.maximumLineLength = try environment.int(maximumLineLength, "--max-line-length", "OMS_MAX_LINE_LENGTH",
                                                  default: c.maximumLineLength, in: 256...(1 << 30))
        c.maximumInFlight = try environment.int(maximumInFlight, "--max-in-flight", "OMS_MAX_IN_FLIGHT",
                                                default: c.maximumInFlight, in: 1...100_000)
        c.maximumBatchSize = try environment.int(maximumBatchSize, "--max-batch-size", "OMS_MAX_BATCH_SIZE",
                                                 default: c.maximumBatchSize, in: 1...1_000_000)
        c.maximumConnectionsPerAddress = try environment.int(
            maximumConnectionsPerAddress, "--max-connections-per-address", "OMS_MAX_CONNECTIONS_PER_ADDRESS",
            default: c.maximumConnectionsPerAddress, in: 1...1_000_000)
        c.maximumSubscriptions = try environment.int(maximumSubscriptions, "--max-subscriptions", "OMS_MAX_SUBSCRIPTIONS",
                                                     default: c.maximumSubscriptions, in: 1...1_000_000)
        c.maximumMetadataBytes = try environment.int(maximumMetadataBytes, "--max-metadata-bytes", "OMS_MAX_METADATA_BYTES",
                                                     default: c.maximumMetadataBytes, in: 2...(1 << 30))
        c.authFailureLimit = try environment.int(authFailureLimit, "--auth-failure-limit", "OMS_AUTH_FAILURE_LIMIT",
                                                 default: c.authFailureLimit, in: 1...1_000_000)
        c.authFailureWindow = try environment.int(authFailureWindow, "--auth-failure-window", "OMS_AUTH_FAILURE_WINDOW",
                                                  default: c.authFailureWindow, in: 1...86_400)
        c.poolSize = try environment.int(poolSize, "--pool-size", "OMS_POOL_SIZE", default: c.poolSize, in: 1...10_000)
        c.logLevel = try environment.logLevel(logLevel, "OMS_LOG_LEVEL", default: c.logLevel)
        c.evaluateCompliance = try evaluateCompliance || environment.bool("OMS_EVALUATE_COMPLIANCE")
        c.subscriptionBuffer = try environment.int(subscriptionBuffer, "--subscription-buffer", "OMS_SUBSCRIPTION_BUFFER",
                                                   default: c.subscriptionBuffer, in: 1...10_000_000)
        c.metricsHost = metricsHost ?? environment.string("OMS_METRICS_HOST")
        return c
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

    /// A flag's help with its environment variable and default from `ServeConfiguration.table`.
    static func help(_ flag: String, _ text: String) -> ArgumentHelp {
        guard let row = ServeConfiguration.table.first(where: { $0.flag == flag }) else { return ArgumentHelp(text) }
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
