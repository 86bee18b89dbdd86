import EmbeddedPostgres
import Foundation
import OMSPostgres

/// The PostgreSQL server the tests of this process share, and fresh databases on it.
///
/// `OMS_TEST_DATABASE_URL` (`postgres://user[:password]@host:port/db`) names an
/// existing server; without it, a non-durable embedded cluster in
/// `<package>/.build/oms-test-pg` is started (or reused if it is running) and
/// stopped when the process exits, if this process started it. A machine
/// without PostgreSQL makes every test that asks for a server fail with a
/// message that says how to fix it; tests are never skipped.
public enum TestPostgres {
    /// How to reach the shared test server.
    public struct ServerInfo: Sendable, Hashable {
        /// Host name or address.
        public let host: String
        /// TCP port.
        public let port: Int
        /// A user allowed to create databases.
        public let username: String
        /// The user's password, if the server wants one.
        public let password: String?
        /// The database to connect to for administration (`CREATE DATABASE`).
        public let maintenanceDatabase: String

        /// Describes a server.
        public init(host: String, port: Int, username: String, password: String?, maintenanceDatabase: String) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.maintenanceDatabase = maintenanceDatabase
        }

        /// `postgres://user[:password]@host:port/database`, percent-encoded.
        public func url(database: String) -> String {
            var components = URLComponents()
            components.scheme = "postgres"
            components.user = username
            components.password = password
            components.host = host
            components.port = port
            components.path = "/" + database
            return components.string ?? "postgres://\(username)@\(host):\(port)/\(database)"
        }

        /// A connection to `database` as this login.
        public func connect(database: String) async throws -> Connection {
            try await Connection.connect(url(database: database))
        }
    }

    /// A test-setup problem, such as a malformed `OMS_TEST_DATABASE_URL`.
    public struct SetupError: Error, Sendable, CustomStringConvertible {
        /// What went wrong and how to fix it.
        public let description: String
    }

    /// The package root, found from this file's path
    /// (`<root>/Sources/OMSTesting/TestPostgres.swift`).
    public static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .path

    /// The data directory of the embedded test cluster.
    public static let embeddedDataDirectory = packageRoot + "/.build/oms-test-pg"

    /// Started on first use; a failure is kept, so every later caller fails
    /// with the same message instead of retrying a slow start.
    private static let shared = Task<ServerInfo, any Error> { try await startServer() }

    /// The shared server, started on the first call in this process.
    public static func server() async throws -> ServerInfo {
        try await shared.value
    }

    /// Creates an empty database named `<prefix>_<16 hex digits>` on the shared
    /// server and returns its name. The prefix is lowercased and anything but
    /// `a-z`, `0-9` and `_` becomes `_`, so the name is a plain identifier.
    public static func createDatabase(prefix: String) async throws -> String {
        let server = try await server()
        let name = databaseName(prefix: prefix)
        do {
            let connection = try await server.connect(database: server.maintenanceDatabase)
            defer { connection.close() }
            try await connection.execute("CREATE DATABASE \"\(name)\"")
        } catch {
            throw SetupError(
                description: "cannot create test database \(name) on \(server.url(database: server.maintenanceDatabase)): "
                    + String(reflecting: error)
            )
        }
        return name
    }

    static func databaseName(prefix: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_")
        var cleaned = String(prefix.lowercased().map { allowed.contains($0) ? $0 : "_" }.prefix(40))
        if cleaned.first.map({ $0.isNumber }) ?? true {
            cleaned = "t" + cleaned
        }
        let suffix = String(UInt64.random(in: .min ... .max), radix: 16)
        return cleaned + "_" + String(repeating: "0", count: 16 - suffix.count) + suffix
    }

    private static func startServer() async throws -> ServerInfo {
        if let url = ProcessInfo.processInfo.environment["OMS_TEST_DATABASE_URL"], !url.isEmpty {
            return try parse(url: url)
        }
        // initdb and pg_ctl block for seconds; keep them off the small pool of
        // threads that runs the tests.
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try startEmbedded() })
            }.start()
        }
    }

    private static func startEmbedded() throws -> ServerInfo {
        EmbeddedPostgres.stopOnExit()
        // The test processes run many tests at once, each with pools and often
        // a sidecar or two of its own, so the cluster allows well above the
        // suite's peak of sessions (docs/architecture.md, "Testing").
        let cluster = EmbeddedPostgres(dataDirectory: embeddedDataDirectory, durable: false, maxConnections: 500)
        let endpoint = try cluster.start()
        return ServerInfo(
            host: endpoint.host,
            port: endpoint.port,
            username: endpoint.username,
            password: nil,
            maintenanceDatabase: endpoint.database
        )
    }

    static func parse(url: String) throws -> ServerInfo {
        guard let components = URLComponents(string: url),
              components.scheme == "postgres" || components.scheme == "postgresql",
              let host = components.host, !host.isEmpty,
              let username = components.user, !username.isEmpty
        else {
            throw SetupError(
                description: "OMS_TEST_DATABASE_URL must look like postgres://user[:password]@host:port/db, got \(url)"
            )
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        return ServerInfo(
            host: host,
            port: components.port ?? 5432,
            username: username,
            password: components.password,
            maintenanceDatabase: database.isEmpty ? "postgres" : database
        )
    }
}
