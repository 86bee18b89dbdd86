import Foundation

/// A private PostgreSQL cluster in a directory of our own, for development
/// (`oms serve` without a database URL) and for tests.
///
/// The value is only a description (where, which port, how durable); the
/// server's state lives in the data directory, so any copy can start, find or
/// stop the same cluster, and a cluster left running by an earlier process is
/// reused rather than started twice.
public struct EmbeddedPostgres: Sendable {
    /// The superuser `initdb` creates; authentication is `trust`, so no password.
    public static let superuser = "oms"
    /// The database that always exists in a fresh cluster.
    public static let maintenanceDatabase = "postgres"
    /// The address the server listens on; it never listens beyond this machine.
    public static let host = "127.0.0.1"

    /// Absolute path of the cluster's data directory.
    public let dataDirectory: String
    /// The TCP port to listen on; nil picks a free one at each start.
    public let port: Int?
    /// Whether commits survive a machine crash; false turns `fsync` off, which
    /// is what tests want and `oms serve` must not have.
    public let durable: Bool
    /// The server programs to use; nil locates them at start.
    public let binaries: PostgresBinaries?
    /// PostgreSQL's `max_connections`.
    public let maxConnections: Int

    /// Describes a cluster in `dataDirectory` (made absolute); nothing runs yet.
    public init(dataDirectory: String, port: Int? = nil, durable: Bool = true, binaries: PostgresBinaries? = nil,
                maxConnections: Int = 200) {
        self.dataDirectory = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
        self.port = port
        self.durable = durable
        self.binaries = binaries
        self.maxConnections = maxConnections
    }

    /// Where the server writes its log; quoted in errors when a start fails.
    public var logFile: String {
        (dataDirectory as NSString).appendingPathComponent("server.log")
    }

    /// The endpoint of the server if one is running on this directory.
    public func runningEndpoint() -> Endpoint? {
        PostmasterPID.running(in: dataDirectory).map { Endpoint(port: $0.port, alreadyRunning: true) }
    }

    /// Initialises the cluster if the directory has none, then starts it, or
    /// returns the endpoint of the server already running there (with
    /// ``Endpoint/alreadyRunning`` set, so the caller knows not to stop it).
    ///
    /// Blocks for as long as `initdb` and `pg_ctl start` take (seconds).
    public func start() throws -> Endpoint {
        let binaries = try binaries ?? PostgresBinaries.locate()
        let owner = try ClusterOwner.forCurrentProcess()
        return try FileLock.withLock(at: dataDirectory + ".lock") {
            if let running = runningEndpoint() {
                return running
            }
            try owner.prepare(directory: dataDirectory)
            if !FileManager.default.fileExists(atPath: (dataDirectory as NSString).appendingPathComponent("PG_VERSION")) {
                try initialise(binaries: binaries, owner: owner)
            }
            PostmasterPID.removeIfStale(in: dataDirectory)
            let port = try port ?? FreePort.pick()
            try launch(binaries: binaries, owner: owner, port: port)
            StartedClusters.shared.insert(
                EmbeddedPostgres(dataDirectory: dataDirectory, port: port, durable: durable, binaries: binaries)
            )
            return Endpoint(port: port, alreadyRunning: false)
        }
    }

    /// Stops the server with a fast shutdown (open sessions are ended); does
    /// nothing if none is running.
    public func stop() throws {
        defer { StartedClusters.shared.remove(dataDirectory: dataDirectory) }
        guard runningEndpoint() != nil else { return }
        let binaries = try binaries ?? PostgresBinaries.locate()
        let owner = try ClusterOwner.forCurrentProcess()
        let result = try owner.run(binaries.pgCtl, ["-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"])
        guard result.status == 0 else {
            throw EmbeddedPostgresError(
                code: .stopFailed,
                message: "pg_ctl stop failed for \(dataDirectory) with status \(result.status)",
                detail: evidence(commandOutput: result.output)
            )
        }
    }

    private func initialise(binaries: PostgresBinaries, owner: ClusterOwner) throws {
        let arguments = [
            "-D", dataDirectory, "-U", Self.superuser, "--auth=trust",
            "--encoding=UTF8", "--no-locale", "--no-sync",
        ]
        let result = try owner.run(binaries.initdb, arguments)
        guard result.status == 0 else {
            throw EmbeddedPostgresError(
                code: .commandFailed,
                message: "initdb failed for \(dataDirectory) with status \(result.status)",
                detail: result.output.lastLines(30)
            )
        }
    }

    private func launch(binaries: PostgresBinaries, owner: ClusterOwner, port: Int) throws {
        let arguments = [
            "-D", dataDirectory, "-l", logFile, "-w", "-t", "60",
            "-o", serverOptions(port: port).map(shellQuoted).joined(separator: " "), "start",
        ]
        let result = try owner.run(binaries.pgCtl, arguments)
        guard result.status == 0 else {
            throw EmbeddedPostgresError(
                code: .startFailed,
                message: "PostgreSQL in \(dataDirectory) did not start on \(Self.host):\(port) "
                    + "(pg_ctl status \(result.status))",
                detail: evidence(commandOutput: result.output)
            )
        }
    }

    /// Options for `postgres`, passed through `pg_ctl -o`.
    private func serverOptions(port: Int) -> [String] {
        var options = [
            "-p", String(port),
            "-c", "listen_addresses=\(Self.host)",
            "-c", "max_connections=\(maxConnections)",
            "-k", socketDirectory,
        ]
        if !durable {
            options += ["-c", "fsync=off"]
        }
        return options
    }

    /// The data directory, so no other cluster's socket is disturbed; or none
    /// (TCP only) when its path is too long for a Unix socket address.
    private var socketDirectory: String {
        let longestSocketPath = (dataDirectory as NSString).appendingPathComponent(".s.PGSQL.65535.lock")
        return longestSocketPath.utf8.count < 100 ? dataDirectory : ""
    }

    /// A command's output followed by the tail of the server log.
    private func evidence(commandOutput: String) -> String {
        let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "(no \(logFile))"
        return commandOutput.lastLines(20) + "\n--- tail of \(logFile) ---\n" + log.lastLines(30)
    }
}
