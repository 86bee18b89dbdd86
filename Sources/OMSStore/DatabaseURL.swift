import Foundation
import OMSCore
import PostgresNIO

/// Connection settings parsed from a `postgres://user[:password]@host[:port]/database` URL.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String

    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses a URL; the scheme may be `postgres` or `postgresql`.
    public init(_ text: String) throws(OMSError) {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql",
              let host = components.host, !host.isEmpty
        else {
            throw OMSError(.invalidArgument, "not a postgres:// URL: \(Self.redact(text))")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        self.init(
            host: host, port: components.port ?? 5432,
            username: components.user.flatMap { $0.removingPercentEncoding } ?? "postgres",
            password: components.password.flatMap { $0.removingPercentEncoding },
            database: database.isEmpty ? "postgres" : database)
    }

    /// The same server, another database.
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The URL itself, password included (for handing to another process).
    public var urlString: String {
        func encoded(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed.subtracting(CharacterSet(charactersIn: ":@/"))) ?? text
        }
        let credentials = encoded(username) + (password.map { ":" + encoded($0) } ?? "")
        return "postgres://\(credentials)@\(host):\(port)/\(database)"
    }

    /// The URL with any password hidden, for logs.
    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
    }

    static func redact(_ text: String) -> String {
        text.replacingOccurrences(of: #":[^:@/]*@"#, with: ":***@", options: .regularExpression)
    }

    /// Pool configuration. Every connection starts with SERIALIZABLE as its
    /// default isolation (statements are still wrapped in BEGIN … COMMIT; see
    /// `Database.rows`), and with sequential scans priced out: under
    /// SERIALIZABLE a sequential scan takes a predicate lock on the whole
    /// table, so one command's scan conflicts with every other command's
    /// write there. The planner picks them for small tables (a new tenant,
    /// a fresh database): the kernel's fill statements on 64 orders ran at
    /// 300 transactions/s with 13% failing after 10 tries with them, 1,134
    /// with none failing without them (pgbench, 8 clients; docs/performance.md).
    ///
    /// The pool runs as `role` (`oms_app` by default, sql/0010): not the
    /// tables' owner, so row-level security applies to every statement.
    /// `role: nil` keeps the login's own role, for migrations.
    public func clientConfiguration(maxConnections: Int = 20, role: String? = DatabaseURL.appRole)
        -> PostgresClient.Configuration
    {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable)
        configuration.options.additionalStartupParameters = [
            ("default_transaction_isolation", "serializable"),
            ("enable_seqscan", "off"),
            ("application_name", "oms"),
        ] + (role.map { [("role", $0)] } ?? [])
        configuration.options.maximumConnections = maxConnections
        configuration.options.minimumConnections = 0
        return configuration
    }

    /// A single connection at READ COMMITTED, for LISTEN and for reading the
    /// events tables (a SERIALIZABLE reader would add predicate locks that
    /// abort writers; the event cursor needs no more than READ COMMITTED).
    /// It runs as the application role in the system scope for its whole
    /// life: it reads every tenant's events and writes nothing.
    public func listenConfiguration() -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable)
        configuration.options.additionalStartupParameters = [
            ("default_transaction_isolation", "read committed"),
            ("application_name", "oms-listen"),
            ("role", DatabaseURL.appRole),
            ("oms.tenant_id", TenantScope.system.setting),
        ]
        return configuration
    }

    /// The role the service's connections run as (created by sql/0010).
    public static let appRole = "oms_app"

    /// Connects once as the pool would (as `role`) and closes again, so a
    /// wrong address, database or password, or a role the migrations have not
    /// created yet, is reported with PostgreSQL's own words; a pool that
    /// cannot connect reports only that its circuit breaker tripped.
    public func checkConnection(role: String?, logger: Logger) async throws {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable)
        configuration.options.additionalStartupParameters = role.map { [("role", $0)] } ?? []
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try await connection.close()
        } catch {
            var reason = Self.describe(error)
            if let role, reason.contains("role \"\(role)\" does not exist") {
                reason += " (run `oms migrate` with the owner's URL first)"
            }
            throw DatabaseUnreachable(message: "cannot connect to \(self) as \(role ?? username): \(reason)")
        }
    }

    /// A database error in one line: the server's message when there is one.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }
}

/// The database could not be reached; the message says why.
public struct DatabaseUnreachable: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

