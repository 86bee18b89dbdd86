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

    @Option(help: ServeSetting.host.help("Address to listen on."))
    var host: String?

    @Option(help: ServeSetting.port.help("TCP port for JSON-RPC."))
    var port: Int?

    @OptionGroup var database: DatabaseOptions

    @Option(name: ServeSetting.dataDirectory.name, help: ServeSetting.dataDirectory.help("Folder for the embedded PostgreSQL and demo keys."))
    var dataDirectory: String?

    @Option(name: ServeSetting.maximumLineLength.name, help: ServeSetting.maximumLineLength.help("Longest request line in bytes."))
    var maximumLineLength: Int?

    @Option(name: ServeSetting.maximumInFlight.name, help: ServeSetting.maximumInFlight.help("Requests worked on at once per connection."))
    var maximumInFlight: Int?

    @Option(name: ServeSetting.maximumBatchSize.name,
            help: ServeSetting.maximumBatchSize.help("Requests in one batch; a larger batch is refused whole (LIMIT_EXCEEDED)."))
    var maximumBatchSize: Int?

    @Option(name: ServeSetting.maximumConnectionsPerAddress.name,
            help: ServeSetting.maximumConnectionsPerAddress.help("Open connections per client IP address; one more gets LIMIT_EXCEEDED and is closed."))
    var maximumConnectionsPerAddress: Int?

    @Option(name: ServeSetting.maximumSubscriptions.name,
            help: ServeSetting.maximumSubscriptions.help("Subscriptions one connection may hold at once (LIMIT_EXCEEDED beyond)."))
    var maximumSubscriptions: Int?

    @Option(name: ServeSetting.maximumMetadataBytes.name,
            help: ServeSetting.maximumMetadataBytes.help("Largest order metadata in bytes of compact JSON, numbers written out in full (INVALID_PARAMS beyond)."))
    var maximumMetadataBytes: Int?

    @Option(name: ServeSetting.authFailureLimit.name,
            help: ServeSetting.authFailureLimit.help("Failed session.authenticate calls per client address per window before further attempts are refused (RATE_LIMITED)."))
    var authFailureLimit: Int?

    @Option(name: ServeSetting.authFailureWindow.name,
            help: ServeSetting.authFailureWindow.help("Seconds of the authentication-failure window."))
    var authFailureWindow: Int?

    @Option(name: ServeSetting.tlsCertificate.name,
            help: ServeSetting.tlsCertificate.help("PEM certificate chain (leaf first); with --tls-key serves TLS instead of plain TCP."))
    var tlsCertificate: String?

    @Option(name: ServeSetting.tlsKey.name, help: ServeSetting.tlsKey.help("PEM private key of --tls-cert."))
    var tlsKey: String?

    @Option(name: ServeSetting.poolSize.name, help: ServeSetting.poolSize.help("PostgreSQL connections in the pool."))
    var poolSize: Int?

    @Option(name: ServeSetting.logLevel.name,
            help: ServeSetting.logLevel.help("trace, debug, info, notice, warning, error or critical."))
    var logLevel: String?

    @Flag(name: ServeSetting.evaluateCompliance.name,
          help: ServeSetting.evaluateCompliance.help("Decide orders pending pre/post-trade compliance with the built-in rule engine (env 1/true/yes/on)."))
    var evaluateCompliance = false

    @Option(name: ServeSetting.subscriptionBuffer.name,
            help: ServeSetting.subscriptionBuffer.help("Events buffered per subscription before a slow subscriber is cut off."))
    var subscriptionBuffer: Int?

    @Option(name: ServeSetting.metricsHost.name, help: ServeSetting.metricsHost.help("Address of the operations endpoint."))
    var metricsHost: String?

    @Option(name: ServeSetting.metricsPort.name,
            help: ServeSetting.metricsPort.help("Port of the operations endpoint: /metrics (Prometheus), /healthz, /readyz; 0 picks a free port."))
    var metricsPort: Int?

    @Flag(name: .customLong("print-config"),
          help: "Print the effective configuration (flags over OMS_* variables over defaults; password hidden) and exit.")
    var printConfig = false

    /// Flags over `OMS_*` variables over defaults (`ServeConfiguration`), checked.
    func settings(_ environment: SettingsEnvironment = SettingsEnvironment()) throws -> ServeConfiguration {
        var c = ServeConfiguration()
        c.host = host ?? environment.string(ServeSetting.host.env) ?? c.host
        if metricsPort != nil || environment.string(ServeSetting.metricsPort.env) != nil {
            c.metricsPort = try environment.int(metricsPort, .metricsPort, default: 0)
        }
        c.tlsCertificate = tlsCertificate ?? environment.string(ServeSetting.tlsCertificate.env)
        c.tlsKey = tlsKey ?? environment.string(ServeSetting.tlsKey.env)
        guard (c.tlsCertificate == nil) == (c.tlsKey == nil) else {
            let (cert, key) = (ServeSetting.tlsCertificate, ServeSetting.tlsKey)
            throw ValidationError("\(cert.flag) (\(cert.env)) and \(key.flag) (\(key.env)) go together: give both or neither")
        }
        c.port = try environment.int(port, .port, default: c.port)
        c.databaseURL = database.databaseURL ?? environment.string(ServeSetting.databaseURL.env)
        c.dataDirectory = dataDirectory ?? environment.string(ServeSetting.dataDirectory.env) ?? c.dataDirectory
        c.maximumLineLength = try environment.int(maximumLineLength, .maximumLineLength, default: c.maximumLineLength)
        c.maximumInFlight = try environment.int(maximumInFlight, .maximumInFlight, default: c.maximumInFlight)
        c.maximumBatchSize = try environment.int(maximumBatchSize, .maximumBatchSize, default: c.maximumBatchSize)
        c.maximumConnectionsPerAddress = try environment.int(maximumConnectionsPerAddress, .maximumConnectionsPerAddress,
                                                             default: c.maximumConnectionsPerAddress)
        c.maximumSubscriptions = try environment.int(maximumSubscriptions, .maximumSubscriptions,
                                                     default: c.maximumSubscriptions)
        c.maximumMetadataBytes = try environment.int(maximumMetadataBytes, .maximumMetadataBytes,
                                                     default: c.maximumMetadataBytes)
        c.authFailureLimit = try environment.int(authFailureLimit, .authFailureLimit, default: c.authFailureLimit)
        c.authFailureWindow = try environment.int(authFailureWindow, .authFailureWindow, default: c.authFailureWindow)
        c.poolSize = try environment.int(poolSize, .poolSize, default: c.poolSize)
        c.logLevel = try environment.logLevel(logLevel, default: c.logLevel)
        c.evaluateCompliance = try evaluateCompliance || environment.bool(ServeSetting.evaluateCompliance.env)
        c.subscriptionBuffer = try environment.int(subscriptionBuffer, .subscriptionBuffer, default: c.subscriptionBuffer)
        c.metricsHost = metricsHost ?? environment.string(ServeSetting.metricsHost.env)
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
