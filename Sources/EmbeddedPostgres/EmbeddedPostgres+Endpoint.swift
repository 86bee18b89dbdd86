extension EmbeddedPostgres {
    /// How to reach a running embedded cluster.
    public struct Endpoint: Sendable, Hashable {
        /// Always `127.0.0.1`.
        public let host: String
        /// The TCP port the server listens on.
        public let port: Int
        /// The superuser, ``EmbeddedPostgres/superuser``; no password is needed.
        public let username: String
        /// The database that always exists, ``EmbeddedPostgres/maintenanceDatabase``.
        public let database: String
        /// True when the server was already running before this start, so the
        /// caller did not start it and must not stop it.
        public let alreadyRunning: Bool

        /// Describes the server on `port` of ``EmbeddedPostgres/host``.
        public init(port: Int, alreadyRunning: Bool) {
            self.host = EmbeddedPostgres.host
            self.port = port
            self.username = EmbeddedPostgres.superuser
            self.database = EmbeddedPostgres.maintenanceDatabase
            self.alreadyRunning = alreadyRunning
        }

        /// `postgres://oms@127.0.0.1:PORT/postgres`.
        public var url: String {
            "postgres://\(username)@\(host):\(port)/\(database)"
        }
    }
}
