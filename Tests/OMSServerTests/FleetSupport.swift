@testable import OMSServerTestSupport
import EmbeddedPostgres
import Foundation
import Logging
import OMSClient
import OMSCore
import OMSProtocol
import OMSStore
import OMSPostgres
import Testing

/// One real `oms serve` process on the fleet's database, logging to a file.
final class Sidecar: @unchecked Sendable {  // Process is thread-safe for what we call on it
    let name: String
    let process: Process
    let port: Int
    let metricsPort: Int
    let logFile: String
    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    private init(name: String, process: Process, port: Int, metricsPort: Int, logFile: String) {
        self.name = name
        self.process = process
        self.port = port
        self.metricsPort = metricsPort
        self.logFile = logFile
    }

    /// Starts `oms serve` on free ports (`--port 0 --metrics-port 0`) and
    /// waits for the lines that name them.
    static func start(name: String, url: String, logDirectory: String, arguments: [String]) async throws -> Sidecar {
        let logFile = logDirectory + "/\(name).log"
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: omsBinary)
        process.arguments = ["serve", "--database-url", url, "--port", "0", "--metrics-port", "0",
                             "--log-level", ProcessInfo.processInfo.environment["OMS_FLEET_LOG_LEVEL"] ?? "warning",
                             "--pool-size", "4"] + arguments
        var environment = ProcessInfo.processInfo.environment
        for variable in environment.keys where variable.hasPrefix("OMS_") { environment[variable] = nil }
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try? handle.close()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
            if let port = Self.port(in: log, after: "oms listening on 127.0.0.1:", until: " "),
               let metricsPort = Self.port(in: log, after: "readiness on http://127.0.0.1:", until: "/")
            {
                return Sidecar(name: name, process: process, port: port, metricsPort: metricsPort, logFile: logFile)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        throw HTTPTestError(description: "oms serve \(name) did not start:\n\(log.suffix(2000))")
    }

    private static func port(in log: String, after prefix: String, until end: Character) -> Int? {
        guard let range = log.range(of: prefix) else { return nil }
        return Int(log[range.upperBound...].prefix { $0 != end && $0 != "\n" })
    }

    /// `kill -9`: no shutdown, connections dropped mid-request.
    func kill9() {
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    /// SIGTERM, then SIGKILL if it has not stopped within 10 s.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        kill9()
    }

    /// Resident memory from /proc, in KiB.
    func residentKiB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}

/// A private PostgreSQL cluster (own data directory and port) with tenant
/// `t1` seeded, and several `oms serve` processes on it. Everything it starts
/// is stopped when `with` returns or throws.
final class Fleet: @unchecked Sendable {
    static let tenant = "t1"
    static let principals: [(id: String, role: String)] = [
        ("pm", "PM"), ("trader", "Trader"), ("ops", "Ops"), ("compliance", "Compliance"), ("system", "System"),
        ("admin", "Admin"),
    ]
    static let logger = Logger(label: "oms.test.fleet", factory: { _ in SwiftLogNoOpLogHandler() })

    let directory: String
    /// The private cluster, for a fleet that runs its own.
    let cluster: EmbeddedPostgres?
    let url: String
    let serveArguments: [String]
    private(set) var keys: [String: String] = [:]
    private let lock = NSLock()
    private var started: [Sidecar] = []

    private init(directory: String, cluster: EmbeddedPostgres?, url: String, serveArguments: [String]) {
        self.directory = directory
        self.cluster = cluster
        self.url = url
        self.serveArguments = serveArguments
    }

    /// Every sidecar started so far, killed ones included, in start order.
    var sidecars: [Sidecar] { lock.withLock { started } }

    static func with(sidecars count: Int, serveArguments: [String] = [],
                     _ body: @Sendable (Fleet) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "oms-fleet-\(UUID().uuidString.prefix(8))"
        EmbeddedPostgres.stopOnExit()
        let first = try await blocking {
            try EmbeddedPostgres(dataDirectory: directory + "/pg", durable: false).start()
        }
        // Restarts must come back on the same port: the sidecars' URL names it.
        let cluster = EmbeddedPostgres(dataDirectory: directory + "/pg", port: first.port, durable: false)
        try await with(url: first.url, directory: directory, cluster: cluster, sidecars: count,
                       serveArguments: serveArguments, body)
    }

    /// A fleet on a database someone else runs (a pg_auto_failover formation):
    /// seeded through `url`, sidecars on `url`; the database is left running.
    static func with(url: String, directory: String = NSTemporaryDirectory() + "oms-fleet-\(UUID().uuidString.prefix(8))",
                     cluster: EmbeddedPostgres? = nil, sidecars count: Int, serveArguments: [String] = [],
                     _ body: @Sendable (Fleet) async throws -> Void) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: omsBinary), "\(omsBinary) missing: run `swift build`")
        let fleet = Fleet(directory: directory, cluster: cluster, url: url, serveArguments: serveArguments)
        defer { fleet.shutdown() }
        try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        try await fleet.seed()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count { group.addTask { _ = try await fleet.startSidecar(name: "sidecar-\(index)") } }
            try await group.waitForAll()
        }
        try await body(fleet)
    }

    /// Starts one more sidecar, on the fleet's URL unless given another.
    func startSidecar(name: String, url: String? = nil) async throws -> Sidecar {
        let sidecar = try await Sidecar.start(name: name, url: url ?? self.url, logDirectory: directory + "/logs",
                                              arguments: serveArguments)
        lock.withLock { started.append(sidecar) }
        return sidecar
    }

    /// Stops every sidecar, then the cluster; removes the directory unless
    /// OMS_KEEP_FLEET is set (the sidecars' logs are in it).
    private func shutdown() {
        for sidecar in sidecars { sidecar.stop() }
        try? cluster?.stop()
        if ProcessInfo.processInfo.environment["OMS_KEEP_FLEET"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        } else {
            print("fleet kept in \(directory)")
        }
    }

    /// Migrates and seeds tenant t1 (one portfolio, account, instrument, a
    /// principal per role) and issues an API key per principal.
    private func seed() async throws {
        let statements = [
            "INSERT INTO tenants (tenant_id, name) VALUES ('t1', 't1')",
            "INSERT INTO portfolios (tenant_id, portfolio_id, name, cash) VALUES ('t1', 'PORT-001', 'Growth', 10000000)",
            "INSERT INTO accounts (tenant_id, account_id, portfolio_id) VALUES ('t1', 'ACCT-001', 'PORT-001')",
            "INSERT INTO instruments (tenant_id, instrument_id, symbol) VALUES ('t1', 'INS-1', 'AAA')",
            "INSERT INTO principals (tenant_id, principal_id, role) VALUES "
                + Self.principals.map { "('t1', '\($0.id)', '\($0.role)')" }.joined(separator: ", "),
        ]
        keys = try await withPool { database in
            try await Migrator(logger: Self.logger).migrate(pool: database.pool)
            for statement in statements {
                try await database.pool.query(SQL(stringLiteral: statement))
            }
            var keys: [String: String] = [:]
            for principal in Self.principals {
                keys[principal.id] = try await KeyStore(database: database).issue(principalId: principal.id, tenantId: "t1").apiKey
            }
            return keys
        }
    }

    /// Runs `body` with a small pool of the test's own on the fleet's database.
    /// It logs in as the cluster's superuser, outside row-level security: the
    /// test seeds and audits every row directly.
    func withPool<T: Sendable>(_ body: @Sendable (Database) async throws -> T) async throws -> T {
        let database = Database(try DatabaseURL(url), maxConnections: 2, role: nil, logger: Self.logger)
        defer { database.close() }
        return try await body(database)
    }

    /// A client of `principal` connected to `sidecar`.
    func client(_ principal: String, on sidecar: Sidecar) async throws -> OMSClient {
        try await OMSClient.connect(OMSClientConfiguration(host: "127.0.0.1", port: sidecar.port, apiKey: keys[principal]))
    }
}

/// A subscriber to order events on one sidecar.
struct Subscriber {
    let client: OMSClient
    let inbox: Inbox
    let subscriptionId: String

    static func start(_ fleet: Fleet, on sidecar: Sidecar, after eventId: Int? = nil) async throws -> Subscriber {
        let client = try await fleet.client("ops", on: sidecar)
        let inbox = Inbox(client)
        var params: [String: JSON] = [:]
        if let eventId { params["after_event_id"] = .int(eventId) }
        let answer = try await client.call("oms.subscribe_orders", params)
        return Subscriber(client: client, inbox: inbox, subscriptionId: answer["subscription_id"]?.stringValue ?? "")
    }

    /// Event ids received so far, in arrival order.
    func eventIds() async -> [Int] {
        await inbox.events("oms.order_event").compactMap { $0["event_id"]?.intValue }
    }

    /// Waits until at least `count` events arrived (or `eventDelivery` passes),
    /// then a little longer so that extra (duplicate) events would show.
    func awaitEvents(_ count: Int) async -> [Int] {
        _ = await inbox.wait { await $0.events("oms.order_event").count >= count }
        try? await Task.sleep(for: .milliseconds(300))
        return await eventIds()
    }
}

/// The idempotency keys and exec ids a test uses are unique per run.
func uniqueTag() -> String { String(UUID().uuidString.prefix(8)) }
