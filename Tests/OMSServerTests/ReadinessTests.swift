@testable import OMSServerTestSupport
import EmbeddedPostgres
import Foundation
import Logging
import OMSServer
import OMSStore
import OMSTesting
import OMSPostgres
import Prometheus
import Testing

/// Readiness follows the database: a private cluster (not the shared test
/// server) is stopped under a running sidecar and started again.
@Suite("Readiness")
struct ReadinessTests {
    @Test("/readyz turns 503 when the database goes away and 200 again when it returns; /healthz stays 200")
    func readinessFollowsTheDatabase() async throws {
        let directory = NSTemporaryDirectory() + "oms-ready-\(UUID().uuidString.prefix(8))"
        EmbeddedPostgres.stopOnExit()
        let first = try await blocking { try EmbeddedPostgres(dataDirectory: directory, durable: false).start() }
        // Restarts must come back on the same port: the sidecar's URL names it.
        let cluster = EmbeddedPostgres(dataDirectory: directory, port: first.port, durable: false)
        defer {
            try? cluster.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
        let url = try DatabaseURL(first.url)
        let logger = Logger(label: "oms.test.ready", factory: { _ in SwiftLogNoOpLogHandler() })
        let registry = PrometheusCollectorRegistry()
        let metrics = StoreMetrics(factory: OpsServer.metricsFactory(registry: registry), poolSize: 4)
        let database = Database(url, maxConnections: 4, logger: logger, metrics: metrics)
        defer { database.close() }
        let hub = EventHub(url: url, logger: logger, metrics: metrics)
        let ops = try await OpsServer.bind(host: "127.0.0.1", port: 0, registry: registry,
                                           readiness: ReadinessProbe(database: database, hub: hub, timeout: .seconds(1)),
                                           logger: logger)
        // Migrations run as the owner; the pool's role (oms_app) exists only after them.
        let owner = try await Connection.connect(url.conninfo(role: nil))
        do {
            try await Migrator(logger: logger).migrate(on: owner)
            owner.close()
        } catch {
            owner.close()
            throw error
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            defer { group.cancelAll() }
            group.addTask { await hub.run() }
            group.addTask { try await ops.run() }

            let up = try await awaitReadiness(200, port: ops.port, within: 15)
            #expect(up.status == 200, "\(up.body)")
            // It names the server the pool reached, so an operator can tell which node of a pair it writes to.
            #expect(up.body.contains("database ok: reachable, connected to 127.0.0.1:\(first.port) (primary)"), "\(up.body)")

            try await blocking { try cluster.stop() }
            let clock = ContinuousClock(), stopped = clock.now
            let down = try await awaitReadiness(503, port: ops.port, within: 20)
            #expect(down.status == 503, "\(down.body)")
            #expect(down.body.contains("database failing"))
            #expect(down.body.contains("listen failing"))
            print("readiness turned 503 \(clock.now - stopped) after the database stopped")
            #expect(try await httpGet(port: ops.port, "/healthz").status == 200)

            _ = try await blocking { try cluster.start() }
            let restarted = clock.now
            let back = try await awaitReadiness(200, port: ops.port, within: 30)
            #expect(back.status == 200, "\(back.body)")
            print("readiness turned 200 \(clock.now - restarted) after the database restarted")
            let scrape = Scrape(try await httpGet(port: ops.port, "/metrics").body)
            #expect(scrape.value("oms_listen_reconnects_total") >= 1)
            #expect(scrape.value("oms_listen_connected") == 1)
        }
    }
}
