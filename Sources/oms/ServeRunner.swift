import ArgumentParser
import Foundation
import Logging
import OMSServer
import OMSStore
import Prometheus
import ServiceLifecycle

/// Runs a sidecar with resolved settings: migrations, the pool, the event
/// hub, the evaluator if asked, the JSON-RPC front and the operations
/// endpoint, as one service group that stops on SIGTERM / SIGINT.
struct ServeRunner {
    let settings: ServeConfiguration
    let url: DatabaseURL
    let logger: Logger

    func serve(seedDemo: Bool) async throws {
        // Setup uses its own short-lived pools (the owner's for migrations).
        _ = try await migrateAsOwner(url, logger: logger, progress: printMigration)
        let seeded = seedDemo ? try await withDatabase(url, logger: logger) { try await DemoSeed.seedIfNeeded(database: $0) } : nil
        if seedDemo { try printDemoKeys(seeded) }
        let registry = PrometheusCollectorRegistry()
        let factory = OpsServer.metricsFactory(registry: registry)
        let storeMetrics = StoreMetrics(factory: factory, poolSize: settings.poolSize)
        let database = Database(url, maxConnections: settings.poolSize, logger: logger, metrics: storeMetrics)
        defer { database.close() }
        let hub = EventHub(url: url, logger: logger, metrics: storeMetrics)
        let dispatcher = Dispatcher(
            services: Services(database: database, hub: hub, subscriptionBuffer: settings.subscriptionBuffer,
                               maximumSubscriptionsPerConnection: settings.maximumSubscriptions,
                               maximumMetadataBytes: settings.maximumMetadataBytes),
            logger: logger, metrics: ServerMetrics(factory: factory),
            authenticationLimit: settings.authenticationLimit)
        let server = try await OMSServer.bind(settings.server, dispatcher: dispatcher, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: EventHubService(hub: hub)),
        ]
        if settings.evaluateCompliance {
            services.append(.init(service: EvaluatorService(evaluator: ComplianceEvaluator(
                database: database, hub: hub, logger: logger))))
        }
        services.append(.init(service: server))
        if let metricsPort = settings.metricsPort {
            let ops = try await OpsServer.bind(
                host: settings.effectiveMetricsHost, port: metricsPort, registry: registry,
                readiness: ReadinessProbe(database: database, hub: hub), logger: logger)
            services.append(.init(service: ops))
            say("oms metrics, health and readiness on http://\(settings.effectiveMetricsHost):\(ops.port)/metrics, /healthz, /readyz")
        }
        say("oms listening on \(settings.host):\(server.port)\(settings.tls == nil ? "" : " with TLS") (Ctrl-C to stop)")
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
        say("oms stopped")
    }

    private func printDemoKeys(_ seeded: [(principal: PrincipalRecord, key: IssuedKey)]?) throws {
        let folder = absolute(settings.dataDirectory)
        let file = folder + "/demo-keys.json"
        guard let seeded else {
            say("demo tenant ready; its API keys are in \(file)")
            return
        }
        var object: [String: Any] = ["tenant_id": DemoSeed.tenantId]
        for (principal, key) in seeded {
            object[principal.role.rawValue] = ["principal_id": principal.principalId, "api_key": key.apiKey, "key_id": key.keyId]
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(file)")
        }
        say("seeded demo tenant 'demo'; API keys (shown once, also written to \(file)):")
        for (principal, key) in seeded {
            say("  \(principal.role.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(key.apiKey)")
        }
    }
}

/// Prints each migration as it is applied (for `oms serve` and `oms migrate`).
@Sendable func printMigration(_ progress: Migrator.Progress) {
    switch progress {
    case .applying(let name):
        print("applying \(name) ...", terminator: "")
        fflush(nil)
    case .applied(_, let duration):
        let (seconds, attoseconds) = duration.components
        say(" done in \(seconds * 1000 + attoseconds / 1_000_000_000_000_000) ms")
    }
}
