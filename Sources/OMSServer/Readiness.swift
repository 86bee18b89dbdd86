import Logging
import OMSPostgres
import OMSStore

/// Whether a sidecar can serve: the database answers, every bundled
/// migration is applied, and the event hub's LISTEN is in place.
public struct ReadinessProbe: Sendable {
    /// The pool asked whether the database answers and migrations are applied.
    public let database: Database
    /// nil: the sidecar serves no subscriptions, so LISTEN is not checked.
    public let hub: EventHub?
    /// How long the database may take to answer before it counts as unreachable.
    public var timeout: Duration

    /// A probe of `database` (given up to `timeout` to answer) and, unless nil, `hub`'s LISTEN.
    public init(database: Database, hub: EventHub?, timeout: Duration = .seconds(2)) {
        self.database = database
        self.hub = hub
        self.timeout = timeout
    }

    /// Runs every check; never throws (a failure is a failed check).
    public func check() async -> ReadinessReport {
        var checks: [ReadinessReport.Check] = []
        do {
            let (applied, server) = try await withTimeout(timeout) { [database] in
                try await database.runner.leased { connection in try await Self.state(of: connection) }
            }
            checks.append(.init(name: "database", ok: true, detail: "reachable, connected to \(server)"))
            let missing = BundledMigrations.all.map(\.name).filter { !Set(applied).contains($0) }
            checks.append(.init(name: "migrations", ok: missing.isEmpty,
                                detail: missing.isEmpty ? "\(applied.count) applied"
                                                        : "missing \(missing.joined(separator: ", "))"))
        } catch {
            let detail = error is ProbeTimeout ? "no answer within \(timeout)" : Self.describe(error)
            checks.append(.init(name: "database", ok: false, detail: detail))
            checks.append(.init(name: "migrations", ok: false, detail: "unknown (database unreachable)"))
        }
        if let hub {
            let listening = hub.isListening
            checks.append(.init(name: "listen", ok: listening, detail: listening ? "connected" : "not connected"))
        }
        return ReadinessReport(checks: checks)
    }

    /// The migrations applied, and which server a pooled connection reached
    /// as `host:port (primary)` (`standby` if it is in recovery): with a
    /// multi-host URL it says which node of a replicated pair this sidecar
    /// writes to, and after a failover that it moved. A Unix-socket
    /// connection has no address; its port still shows. One round trip.
    static func state(of connection: Connection) async throws -> (applied: [String], server: String) {
        let rows = try await connection.rows("""
            SELECT coalesce(host(inet_server_addr()), 'local socket'), current_setting('port'), pg_is_in_recovery(),
                   (SELECT coalesce(string_agg(name, ','), '') FROM schema_migrations)
            """)
        guard let row = rows.first else { throw ReadinessQueryEmpty() }
        let (host, port, standby, applied) = try row.decode((String, String, Bool, String).self)
        return (applied.split(separator: ",").map(String.init), "\(host):\(port) (\(standby ? "standby" : "primary"))")
    }

    /// A short reason that is safe for a probe's body; the log has the rest.
    static func describe(_ error: any Error) -> String { DatabaseURL.describe(error) }
}

/// The answer of `/readyz`: each check with a one-line reason.
public struct ReadinessReport: Sendable {
    /// One condition of readiness and why it holds or fails.
    public struct Check: Sendable {
        /// What was checked: `database`, `migrations` or `listen`.
        public var name: String
        /// Whether this condition holds; any false makes the sidecar not ready.
        public var ok: Bool
        /// A one-line reason, safe to show on `/readyz`.
        public var detail: String
    }

    /// Every check run, in the order run.
    public var checks: [Check]
    /// True only when every check passed.
    public var ready: Bool { checks.allSatisfy(\.ok) }

    /// `ready` or `not ready`, then one `name ok|failing: detail` line per check.
    public var text: String {
        ([ready ? "ready" : "not ready"] + checks.map { "\($0.name) \($0.ok ? "ok" : "failing"): \($0.detail)" })
            .joined(separator: "\n") + "\n"
    }
}

struct ProbeTimeout: Error {}

/// Runs `body`, giving up with `ProbeTimeout` after `limit` (the body is cancelled).
func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw ProbeTimeout()
        }
        defer { group.cancelAll() }
        // Two tasks were added, so `next()` has an answer; nil would mean neither ran, which is a timeout too.
        guard let first = try await group.next() else { throw ProbeTimeout() }
        return first
    }
}

/// A readiness query answered no row (a SELECT without FROM always answers one).
struct ReadinessQueryEmpty: Error, CustomStringConvertible {
    var description: String { "the readiness query answered no row" }
}
