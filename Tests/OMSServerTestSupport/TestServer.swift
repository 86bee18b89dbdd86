import Foundation
import Logging
import Synchronization
import NIOCore
import NIOPosix
import OMSClient
import OMSCore
import OMSProtocol
import OMSServer
import OMSStore
import OMSTesting
import ServiceLifecycle

/// A real server on a free port over a fresh database, with an API key per
/// seeded principal.
struct TestServer: Sendable {
    let port: Int
    let db: TestDatabase
    let keys: [String: String]  // "tenant/principal" -> API key

    static func with(
        configuration: ServerConfiguration = ServerConfiguration(port: 0), evaluate: Bool = false,
        subscriptionBuffer: Int = ServeConfiguration.defaults.subscriptionBuffer, limits: TestLimits = TestLimits(), logger: Logger? = nil,
        metrics: ServerMetrics = ServerMetrics(),
        _ body: @Sendable (TestServer) async throws -> Void
    ) async throws {
        try await TestDatabase.with { db in
            var keys: [String: String] = [:]
            for tenant in [TestDatabase.tenant, TestDatabase.otherTenant] {
                for principal in ["pm", "trader", "ops", "compliance", "system", "admin", "pm-p2"] {
                    keys["\(tenant)/\(principal)"] = try await db.keys.issue(principalId: principal, tenantId: tenant).apiKey
                }
            }
            let logger = logger ?? Logger(label: "oms.test.server", factory: { _ in SwiftLogNoOpLogHandler() })
            let hub = EventHub(url: db.url, logger: logger)
            let dispatcher = Dispatcher(
                services: Services(database: db.database, hub: hub, subscriptionBuffer: subscriptionBuffer,
                                   maximumSubscriptionsPerConnection: limits.subscriptionsPerConnection,
                                   maximumMetadataBytes: limits.metadataBytes),
                logger: logger, metrics: metrics, authenticationLimit: limits.authentication, now: limits.clock.now)
            var configuration = configuration
            configuration.port = 0
            let server = try await OMSServer.bind(configuration, dispatcher: dispatcher, logger: logger)
            let frozen = keys
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await hub.run() }
                if evaluate {
                    group.addTask { await ComplianceEvaluator(database: db.database, hub: hub, logger: logger).run() }
                }
                group.addTask { try await server.run() }
                defer { group.cancelAll() }
                try await body(TestServer(port: server.port, db: db, keys: frozen))
            }
        }
    }

    /// A client authenticated as a seeded principal (`pm`, `trader`, … or `pm-p2`).
    func client(_ principal: String, tenant: String = TestDatabase.tenant) async throws -> OMSClient {
        try await OMSClient.connect(OMSClientConfiguration(host: "127.0.0.1", port: port,
                                                           apiKey: keys["\(tenant)/\(principal)"]))
    }

    /// Runs `body` with one client per role, closing them afterwards.
    func withClients(_ body: (Clients) async throws -> Void) async throws {
        let clients = Clients(pm: try await client("pm"), trader: try await client("trader"), ops: try await client("ops"),
                              compliance: try await client("compliance"), system: try await client("system"),
                              admin: try await client("admin"))
        do { try await body(clients) } catch { await clients.close(); throw error }
        await clients.close()
    }
}

/// The limits a test server enforces beyond its `ServerConfiguration`; the defaults are `oms serve`'s.
struct TestLimits: Sendable {
    var subscriptionsPerConnection = ServeConfiguration.defaults.maximumSubscriptions
    var metadataBytes = ServeConfiguration.defaults.maximumMetadataBytes
    var authentication = AuthenticationThrottle.Limit()
    /// The throttle's time; `ManualClock().now` lets a test move it.
    var clock = ManualClock(following: true)
}

/// A clock for the authentication throttle: the real time, or (not following)
/// a start instant plus whatever the test advanced it by.
final class ManualClock: Sendable {
    private let start = ContinuousClock.now
    private let following: Bool
    private let offset = Mutex(Duration.zero)

    init(following: Bool = false) {
        self.following = following
    }

    var now: @Sendable () -> ContinuousClock.Instant {
        { [self] in (following ? ContinuousClock.now : start) + offset.withLock { $0 } }
    }

    func advance(by duration: Duration) {
        offset.withLock { $0 += duration }
    }
}

struct Clients {
    let pm, trader, ops, compliance, system, admin: OMSClient

    /// A new order (`limitOrderParams` with `overrides`) taken through pre-trade
    /// compliance to the trader, as its roles would: SENT_TO_TRADER.
    func orderWithTrader(_ overrides: [String: JSON] = [:]) async throws -> String {
        let id = try await pm.createOrder(overrides)
        _ = try await pm.step("oms.request_pre_trade_compliance", id)
        _ = try await compliance.step("oms.pass_pre_trade_compliance", id)
        _ = try await pm.step("oms.send_to_trader", id)
        return id
    }

    func close() async {
        for client in [pm, trader, ops, compliance, system, admin] { await client.close() }
    }
}

let limitOrderParams: [String: JSON] = [
    "portfolio_id": .string("PORT-001"), "instrument_id": .string("INS-1"), "direction": .string("Buy"),
    "ordered_quantity": .number("1000"), "order_type": .string("Limit"), "time_in_force": .string("Day"),
    "limit_price": .number("150.25"),
]

extension OMSClient {
    func createOrder(_ overrides: [String: JSON] = [:]) async throws -> String {
        let result = try await call("oms.create_order", limitOrderParams.merging(overrides) { $1 })
        return result["order_id"]?.stringValue ?? ""
    }

    func step(_ method: String, _ orderId: String, _ extra: [String: JSON] = [:]) async throws -> JSON {
        try await call(method, extra.merging(["order_id": .string(orderId)]) { $1 })
    }
}

/// Expects `body` to fail with a domain error of `code`; returns the error.
@discardableResult
func expectCode(_ code: OMSError.Code, _ body: () async throws -> Void) async -> OMSError? {
    do {
        try await body()
        return nil
    } catch let error as OMSError {
        return error.code == code ? error : nil
    } catch {
        return nil
    }
}

/// A second sidecar on the test server's database: its own event listener
/// and TCP front, as another `oms serve` process would have.
func withSecondSidecar(_ server: TestServer, evaluate: Bool = false,
                       _ body: @Sendable (_ port: Int) async throws -> Void) async throws {
    let logger = Logger(label: "oms.test.sidecar", factory: { _ in SwiftLogNoOpLogHandler() })
    let hub = EventHub(url: server.db.url, logger: logger)
    let dispatcher = Dispatcher(services: Services(database: server.db.database, hub: hub), logger: logger)
    let sidecar = try await OMSServer.bind(ServerConfiguration(port: 0), dispatcher: dispatcher, logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await hub.run() }
        if evaluate {
            group.addTask { await ComplianceEvaluator(database: server.db.database, hub: hub, logger: logger).run() }
        }
        group.addTask { try await sidecar.run() }
        defer { group.cancelAll() }
        try await body(sidecar.port)
    }
}

extension TestServer {
    func client(_ principal: String, port: Int, tenant: String = TestDatabase.tenant) async throws -> OMSClient {
        try await OMSClient.connect(OMSClientConfiguration(host: "127.0.0.1", port: port,
                                                           apiKey: keys["\(tenant)/\(principal)"]))
    }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}
