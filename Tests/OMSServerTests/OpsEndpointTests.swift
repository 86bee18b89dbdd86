@testable import OMSServerTestSupport
import Foundation
import Logging
import OMSClient
import OMSCore
import OMSProtocol
import OMSServer
import OMSStore
import OMSTesting
import OMSPostgres
import Prometheus
import Testing

/// The operations endpoint of a real server: values on /metrics move with
/// the requests made, /healthz and /readyz answer.
@Suite("Metrics and health endpoints")
struct OpsEndpointTests {
    /// A server like `TestServer`'s, counted into its own registry, with the
    /// operations endpoint on a free port.
    struct Running: Sendable {
        let rpcPort: Int
        let opsPort: Int
        let keys: [String: String]

        func client(_ principal: String) async throws -> OMSClient {
            try await OMSClient.connect(OMSClientConfiguration(host: "127.0.0.1", port: rpcPort,
                                                               apiKey: keys[principal]))
        }

        func scrape() async throws -> Scrape {
            let (status, body) = try await httpGet(port: opsPort, "/metrics")
            #expect(status == 200)
            return Scrape(body)
        }
    }

    static func withServer(_ body: @Sendable (Running) async throws -> Void) async throws {
        try await TestDatabase.with { db in
            var keys: [String: String] = [:]
            for principal in ["pm", "ops"] {
                keys[principal] = try await db.keys.issue(principalId: principal, tenantId: TestDatabase.tenant).apiKey
            }
            let logger = Logger(label: "oms.test.ops", factory: { _ in SwiftLogNoOpLogHandler() })
            let registry = PrometheusCollectorRegistry()
            let factory = OpsServer.metricsFactory(registry: registry)
            let storeMetrics = StoreMetrics(factory: factory, poolSize: 20)
            let database = Database(pool: db.database.pool, logger: logger, metrics: storeMetrics)
            let hub = EventHub(url: db.url, logger: logger, metrics: storeMetrics)
            let dispatcher = Dispatcher(services: Services(database: database, hub: hub), logger: logger,
                                        metrics: ServerMetrics(factory: factory))
            let server = try await OMSServer.bind(ServerConfiguration(port: 0), dispatcher: dispatcher, logger: logger)
            let ops = try await OpsServer.bind(host: "127.0.0.1", port: 0, registry: registry,
                                               readiness: ReadinessProbe(database: database, hub: hub), logger: logger)
            let frozen = keys
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await hub.run() }
                group.addTask { try await server.run() }
                group.addTask { try await ops.run() }
                defer { group.cancelAll() }
                try await body(Running(rpcPort: server.port, opsPort: ops.port, keys: frozen))
            }
        }
    }

    @Test("requests, errors, latency, connections, in-flight and pool use move on /metrics as requests are made")
    func requestMetricsMove() async throws {
        try await Self.withServer { server in
            let before = try await server.scrape()
            #expect(before.value("oms_requests_total", ["method": "oms.create_order"]) == 0)
            #expect(before.value("oms_db_pool_connections_max") == 20)

            let pm = try await server.client("pm")
            let orderId = try await pm.createOrder()
            _ = try await pm.step("oms.get_order", orderId)
            let missing = await expectCode(.orderNotFound) { _ = try await pm.step("oms.get_order", "ORD-missing") }
            #expect(missing != nil)
            _ = try? await pm.call("no.such_method")
            let during = try await server.scrape()
            #expect(during.value("oms_connections") == 1)
            #expect(during.value("oms_requests_in_flight") == 0)
            #expect(during.value("oms_requests_total", ["method": "oms.create_order", "code": "OK"]) == 1)
            #expect(during.value("oms_requests_total", ["method": "oms.get_order", "code": "OK"]) == 1)
            #expect(during.value("oms_requests_total", ["method": "oms.get_order", "code": "ORDER_NOT_FOUND"]) == 1)
            #expect(during.value("oms_request_errors_total", ["method": "oms.get_order", "code": "ORDER_NOT_FOUND"]) == 1)
            #expect(during.value("oms_request_errors_total", ["method": "oms.get_order", "code": "OK"]) == 0)
            #expect(during.value("oms_requests_total", ["method": "unknown", "code": "METHOD_NOT_FOUND"]) == 1)
            #expect(during.value("oms_request_duration_seconds_count", ["method": "oms.create_order"]) == 1)
            #expect(during.value("oms_request_duration_seconds_bucket", ["method": "oms.get_order", "le": "+Inf"]) == 2)
            #expect(during.value("oms_request_duration_seconds_sum", ["method": "oms.create_order"]) > 0)
            #expect(during.value("oms_db_pool_connections_in_use") == 0)
            #expect(during.value("oms_db_pool_waiting_requests") == 0)
            await pm.close()

            // The connection gauge falls once the server has seen the close.
            var after = try await server.scrape()
            for _ in 0..<50 where after.value("oms_connections") != 0 {
                try await Task.sleep(for: .milliseconds(20))
                after = try await server.scrape()
            }
            #expect(after.value("oms_connections") == 0)
        }
    }

    @Test("subscriptions and delivered events are counted, and the LISTEN connection shows as connected")
    func eventMetricsMove() async throws {
        try await Self.withServer { server in
            let ops = try await server.client("ops")
            let inbox = Inbox(ops)
            _ = try await ops.call("oms.subscribe_orders")
            let subscribed = try await server.scrape()
            #expect(subscribed.value("oms_subscriptions") == 1)
            #expect(subscribed.value("oms_listen_connected") == 1)

            let pm = try await server.client("pm")
            _ = try await pm.createOrder()
            _ = try await pm.createOrder()
            let deadline = Date().addingTimeInterval(10)
            while await inbox.events("oms.order_event").count < 2, Date() < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let delivered = try await server.scrape()
            #expect(delivered.value("oms_events_delivered_total") >= 2)
            #expect(delivered.value("oms_events_dropped_total") == 0)
            await ops.close()
            await pm.close()
        }
    }

    @Test("/healthz answers ok, /readyz lists its checks, unknown paths are 404, and a scrape is quick")
    func healthAndReadiness() async throws {
        try await Self.withServer { server in
            let health = try await httpGet(port: server.opsPort, "/healthz")
            #expect(health.status == 200 && health.body == "ok\n")
            var ready = try await httpGet(port: server.opsPort, "/readyz")
            for _ in 0..<100 where ready.status != 200 {  // the hub's LISTEN comes up in the background
                try await Task.sleep(for: .milliseconds(50))
                ready = try await httpGet(port: server.opsPort, "/readyz")
            }
            #expect(ready.status == 200, "\(ready.body)")
            #expect(ready.body.contains("database ok"))
            #expect(ready.body.contains("migrations ok: \(BundledMigrations.all.count) applied"))
            #expect(ready.body.contains("listen ok"))
            #expect(try await httpGet(port: server.opsPort, "/nope").status == 404)

            let clock = ContinuousClock()
            let elapsed = try await clock.measure {
                for _ in 0..<20 { _ = try await httpGet(port: server.opsPort, "/metrics") }
            }
            print("metrics scrape over a new connection: \(elapsed / 20) on average (20 scrapes)")
            // The bound catches a scrape that hangs, not a slow machine (2 busy cores).
            #expect(elapsed / 20 < .seconds(2))
        }
    }

    @Test("readiness fails naming the missing migrations on a database that was never migrated")
    func readinessNamesMissingMigrations() async throws {
        let server = try await TestPostgres.server()
        let name = try await TestPostgres.createDatabase(prefix: "unmigrated")
        let logger = Logger(label: "oms.test.ops", factory: { _ in SwiftLogNoOpLogHandler() })
        // The owner's login: an unmigrated database has no application role yet.
        let database = Database(try DatabaseURL(server.url(database: name)), maxConnections: 2, role: nil, logger: logger)
        defer { database.close() }
        // schema_migrations missing altogether: the database answers with an error.
        let empty = await ReadinessProbe(database: database, hub: nil).check()
        #expect(!empty.ready)
        try await database.runner.leased { connection in
            try await connection.rows("CREATE TABLE schema_migrations (name text PRIMARY KEY, checksum text NOT NULL)")
            try await connection.rows("INSERT INTO schema_migrations VALUES (\(BundledMigrations.all[0].name), 'x')")
        }
        let partial = await ReadinessProbe(database: database, hub: nil).check()
        #expect(!partial.ready)
        #expect(partial.text.contains("database ok"))
        #expect(partial.text.contains("migrations failing: missing \(BundledMigrations.all[1].name)"))
    }
}
