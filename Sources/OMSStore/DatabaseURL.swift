import Foundation
import Logging
import OMSCore
import OMSPostgres

/// Where the database is, as PostgreSQL users write it: a libpq URI
/// (`postgres://user:pw@host:5432/oms`, several hosts and
/// `target_session_attrs=read-write` included) or key=value conninfo
/// (`host=/run/postgresql dbname=oms`, `service=oms`). What it leaves out
/// comes from libpq's environment (`PGHOST`, `PGUSER`, `PGPASSWORD`,
/// `PGSSLMODE`, `PGPASSFILE`, `PGSERVICE`, …), as for `psql`.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    /// The parsed keywords and values, as libpq reads them.
    public private(set) var settings: ConnectionString

    /// Parses a connection string; libpq's own message says what is wrong with a bad one.
    public init(_ text: String) throws(OMSError) {
        do {
            settings = try ConnectionString(text)
        } catch {
            throw OMSError(.invalidArgument, "\((error as? ConnectionError)?.message ?? "\(error)") in \(Self.redact(text))")
        }
    }

    /// A TCP address and database.
    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String) {
        settings = try! ConnectionString("")  // safe: the empty string always parses
        settings["host"] = host
        settings["port"] = String(port)
        settings["user"] = username
        settings["password"] = password
        settings["dbname"] = database
    }

    /// The login, when the string names one.
    public var username: String? {
        get { settings["user"] }
        set { settings["user"] = newValue }
    }

    /// The password, when the string holds one.
    public var password: String? {
        get { settings["password"] }
        set { settings["password"] = newValue }
    }

    /// The database, when the string names one.
    public var database: String? { settings["dbname"] }

    /// The same server, another database.
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.settings["dbname"] = database
        return copy
    }

    /// The connection string itself, password included (for handing to another process or `psql`).
    public var urlString: String { settings.conninfo }

    /// The connection string with any password hidden, for logs.
    public var description: String { settings.description }

    static func redact(_ text: String) -> String {
        text.replacingOccurrences(of: #":[^:@/]*@"#, with: ":***@", options: .regularExpression)
            .replacingOccurrences(of: #"password\s*=\s*('([^'\\]|\\.)*'|\S*)"#, with: "password=***", options: .regularExpression)
    }

    /// The pool's connection string. Every session runs at SERIALIZABLE by
    /// default (transactions say so anyway), and with sequential scans priced
    /// out: under SERIALIZABLE a sequential scan takes a predicate lock on
    /// the whole table, so one command's scan conflicts with every other
    /// command's write there. The planner picks them for small tables (a new
    /// tenant, a fresh database), and with them concurrent fills fail most
    /// of their attempts (docs/performance.md, "What the profiles and
    /// experiments showed", 1).
    ///
    /// The pool runs as `role` (`oms_app` by default, sql/0010): not the
    /// tables' owner, so row-level security applies to every statement.
    /// `role: nil` keeps the login's own role, for migrations.
    public func conninfo(role: String? = DatabaseURL.appRole) -> String {
        var settings = settings
        Self.addTCPDefaults(&settings)
        settings.addServerSetting("default_transaction_isolation", "serializable")
        settings.addServerSetting("enable_seqscan", "off")
        if let role { settings.addServerSetting("role", role) }
        if settings["application_name"] == nil { settings["application_name"] = "oms" }
        return settings.conninfo
    }

    /// A pool of `maxConnections` as `role`.
    public func poolConfiguration(maxConnections: Int, role: String? = DatabaseURL.appRole) -> PoolConfiguration {
        PoolConfiguration(conninfo: conninfo(role: role), maximumConnections: maxConnections)
    }

    /// A single connection at READ COMMITTED, for LISTEN and for reading the
    /// events tables (a SERIALIZABLE reader would add predicate locks that
    /// abort writers; the event cursor needs no more than READ COMMITTED).
    /// It runs as the application role in the system scope for its whole
    /// life: it reads every tenant's events and writes nothing.
    public var listenConninfo: String {
        var settings = settings
        Self.addTCPDefaults(&settings)
        settings.addServerSetting("default_transaction_isolation", "read committed")
        settings.addServerSetting("role", DatabaseURL.appRole)
        settings.addServerSetting("oms.tenant_id", TenantScope.system.setting)
        settings["application_name"] = "oms-listen"
        return settings.conninfo
    }

    /// TCP settings every service connection gets unless the connection
    /// string sets them: a database host that vanishes without closing its
    /// connections (a partition, a lost host) fails the requests waiting on
    /// them in about half a minute, instead of TCP's default of many
    /// minutes, so the pool and the event listener move on (to the new
    /// primary after a failover). They cost nothing while the peer answers:
    /// keepalives probe idle connections only, and `tcp_user_timeout` counts
    /// only data the peer has not acknowledged, never a long-running query.
    public static let tcpDefaults: [(keyword: String, value: String)] = [
        ("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"), ("keepalives_count", "3"),
        ("tcp_user_timeout", "30000"),
    ]

    private static func addTCPDefaults(_ settings: inout ConnectionString) {
        for (keyword, value) in tcpDefaults where settings[keyword] == nil { settings[keyword] = value }
    }

    /// The role the service's connections run as (created by sql/0010).
    public static let appRole = "oms_app"

    /// Connects once as the pool would (as `role`) and closes again, so a
    /// wrong address, database or password, or a role the migrations have
    /// not created yet, is reported with PostgreSQL's own words.
    public func checkConnection(role: String?) async throws {
        do {
            let connection = try await Connection.connect(conninfo(role: role))
            connection.close()
        } catch {
            var reason = Self.describe(error)
            if let role, reason.contains("role \"\(role)\" does not exist") {
                reason += " (run `oms migrate` with the owner's URL first)"
            }
            throw DatabaseUnreachable(message: "cannot connect to \(self) as \(role ?? username ?? "the default user"): \(reason)")
        }
    }

    /// A database error in one line: the server's message when there is one.
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let error as PostgresError: error.message
        case let error as ConnectionError: error.serverError?.message ?? error.message
        default: "\(error)"
        }
    }
}

/// The database could not be reached; the message says why.
public struct DatabaseUnreachable: Error, CustomStringConvertible, Sendable {
    /// Why the database could not be reached, safe to log.
    public let message: String
    /// Only the message, which names the URL with its password hidden.
    public var description: String { message }
}
