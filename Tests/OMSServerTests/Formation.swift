@testable import OMSServerTestSupport
import EmbeddedPostgres
import Foundation
import OMSPostgres
import Testing

/// A pg_auto_failover formation on loopback ports: a monitor, a primary and a
/// synchronous secondary, each a real PostgreSQL run by its own `pg_autoctl`
/// keeper, with every file under one temporary directory. The keepers run as
/// the `postgres` user when we are root (PostgreSQL refuses root), each in a
/// process group of its own, so a node's whole host (keeper, postmaster,
/// backends) can be killed at once by that group's id.
///
/// The monitor's health checks are tightened so that a lost primary is
/// noticed in about 2 s rather than 20; the monitor still waits its 30 s
/// `primary_demote_timeout` before promoting (see `monitorSettings`).
final class Formation: @unchecked Sendable {  // `nodes` and `keepers` are only touched under `lock`
    /// One PostgreSQL node of the formation.
    struct Node: Sendable {
        let name: String
        let port: Int
        let dataDirectory: String
        /// The keeper's process id, which is also its process group's.
        let keeper: Int32
    }

    /// The formation's state as the monitor sees it.
    struct NodeState: Sendable, CustomStringConvertible {
        let name: String
        let port: Int
        let reported: String
        let assigned: String
        var description: String { "\(name):\(port) \(reported)/\(assigned)" }
    }

    /// The database the nodes serve to OMS.
    static let database = "oms"
    /// The nodes' superuser: initdb names it after the user that runs it.
    static let superuser = "postgres"
    /// Monitor settings for a fast detection on loopback: a node is unhealthy
    /// after 2 s without news and a failed health check (1 s period, one retry
    /// after 0.5 s); defaults 20 s and 5 s. `primary_demote_timeout` keeps its
    /// default of 30 s, which the monitor waits for a primary that does not
    /// report its demotion before promoting: a shorter wait lets the monitor
    /// promote the secondary while the old primary still takes writes, and
    /// acknowledged commands go missing from the new primary (docs/operations.md,
    /// "Do not shorten `primary_demote_timeout`").
    static let monitorSettings = [
        "pgautofailover.health_check_period": "1000",
        "pgautofailover.health_check_timeout": "1000",
        "pgautofailover.health_check_max_retries": "1",
        "pgautofailover.health_check_retry_delay": "500",
        "pgautofailover.node_considered_unhealthy_timeout": "2000",
    ]

    let directory: String
    let monitorPort: Int
    private let binaries: PostgresBinaries
    private let autoctl: String
    private let lock = NSLock()
    private var keepers: [Process] = []
    private var startedNodes: [Node] = []

    /// Every node started, in start order (node1 starts as the primary).
    var nodes: [Node] { lock.withLock { startedNodes } }

    /// The monitor's database, as the nodes' superuser.
    var monitorURL: String { "postgres://\(Self.superuser)@127.0.0.1:\(monitorPort)/pg_auto_failover?sslmode=disable" }

    /// The URL of one node alone.
    func url(of node: Node) -> String {
        "postgres://\(Self.superuser)@127.0.0.1:\(node.port)/\(Self.database)?sslmode=disable"
    }

    private init(directory: String, monitorPort: Int, binaries: PostgresBinaries, autoctl: String) {
        self.directory = directory
        self.monitorPort = monitorPort
        self.binaries = binaries
        self.autoctl = autoctl
    }

    /// Starts a formation (about 15–30 s), runs `body`, and kills every
    /// process of it however `body` ends.
    static func with<T: Sendable>(_ body: @Sendable (Formation) async throws -> T) async throws -> T {
        let autoctl = try #require(["/usr/bin/pg_autoctl", "/usr/local/bin/pg_autoctl"].first(where: FileManager.default.isExecutableFile(atPath:)),
                                   "pg_autoctl missing: apt-get install postgresql-15-auto-failover pg-auto-failover-cli (.ci/run does)")
        let directory = NSTemporaryDirectory() + "oms-formation-\(UUID().uuidString.prefix(8))"
        let formation = Formation(directory: directory, monitorPort: try freeLoopbackPort(),
                                  binaries: try PostgresBinaries.locate(), autoctl: autoctl)
        defer { formation.shutdown() }
        try await formation.start()
        return try await body(formation)
    }

    // MARK: Starting

    private func start() async throws {
        try prepareDirectories()
        try spawn(name: "monitor", [
            "create", "monitor", "--pgdata", directory + "/monitor", "--pgport", "\(monitorPort)",
        ])
        try await waitUntil("the monitor accepts connections", within: 60) {
            (try? await self.query(self.monitorURL, "SELECT count(*) FROM pgautofailover.formation")) != nil
        }
        for (setting, value) in Self.monitorSettings {
            _ = try await query(monitorURL, "ALTER SYSTEM SET \(setting) = '\(value)'")
        }
        _ = try await query(monitorURL, "SELECT pg_reload_conf()")
        let first = try startNode("node1")
        try await waitUntil("node1 runs as a single node", within: 60) {
            (try? await self.states())?.first { $0.name == "node1" }?.reported == "single"
        }
        // The standby is cloned with pg_basebackup, whose checkpoint is spread
        // over minutes when buffers are dirty: flush them now. fsync is off on
        // both nodes (the standby inherits it): the test kills processes, not
        // the machine, and what a killed process wrote is in the page cache.
        _ = try await query(url(of: first), "ALTER SYSTEM SET fsync = off")
        _ = try await query(url(of: first), "SELECT pg_reload_conf()")
        _ = try await query(url(of: first), "CHECKPOINT")
        _ = try startNode("node2")
        try await awaitSteady(within: 120)
    }

    /// Waits until the formation has one primary and one secondary, both
    /// reporting the state the monitor assigned them.
    func awaitSteady(within seconds: Double) async throws {
        try await waitUntil("one primary and one secondary", within: seconds) {
            let states = (try? await self.states()) ?? []
            return states.count == 2 && states.allSatisfy { $0.reported == $0.assigned }
                && Set(states.map(\.reported)) == ["primary", "secondary"]
        }
    }

    private func startNode(_ name: String) throws -> Node {
        let port = try freeLoopbackPort()
        let dataDirectory = directory + "/" + name
        let keeper = try spawn(name: name, [
            "create", "postgres", "--pgdata", dataDirectory, "--pgport", "\(port)", "--name", name,
            "--dbname", Self.database,
            "--monitor", "postgres://autoctl_node@127.0.0.1:\(monitorPort)/pg_auto_failover?sslmode=disable",
        ])
        let node = Node(name: name, port: port, dataDirectory: dataDirectory, keeper: keeper)
        lock.withLock { startedNodes.append(node) }
        return node
    }

    /// Starts `pg_autoctl <arguments> --run` as the keeper of `name`, logging
    /// to `logs/<name>.log`; returns its pid (= its process group).
    @discardableResult
    private func spawn(name: String, _ arguments: [String]) throws -> Int32 {
        let logFile = directory + "/logs/\(name).log"
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        defer { try? handle.close() }
        let process = Process()
        let common = ["--hostname", "127.0.0.1", "--listen", "127.0.0.1", "--auth", "trust", "--no-ssl",
                      "--pgctl", binaries.pgCtl, "--run"]
        (process.executableURL, process.arguments) = command(arguments + common)
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        lock.withLock { keepers.append(process) }
        // Foundation starts every child in a process group of its own; the
        // keeper's postmaster and backends stay in it.
        return process.processIdentifier
    }

    /// Runs one `pg_autoctl` command to completion; throws unless it succeeds.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let (executable, fullArguments) = command(arguments)
        let result = try runProgram(executable.path, fullArguments, environment: environment.mapValues { $0 })
        guard result.status == 0 else {
            throw HTTPTestError(description: "pg_autoctl \(arguments.joined(separator: " ")): status \(result.status)\n\(result.out)\(result.err)")
        }
        return result.out
    }

    /// As the `postgres` user when we are root (setpriv execs, so the pid is pg_autoctl's).
    private func command(_ arguments: [String]) -> (URL, [String]) {
        guard geteuid() == 0 else { return (URL(fileURLWithPath: autoctl), arguments) }
        return (URL(fileURLWithPath: "/usr/bin/setpriv"),
                ["--reuid=\(Self.superuser)", "--regid=\(Self.superuser)", "--init-groups", "--", autoctl] + arguments)
    }

    /// pg_autoctl keeps its configuration, state and pid files under the XDG
    /// directories: ours, so nothing is left in the user's home.
    private var environment: [String: String] {
        [
            "PATH": "\(binaries.directory):/usr/bin:/bin", "HOME": directory, "LANG": "C",
            "XDG_CONFIG_HOME": directory + "/config", "XDG_DATA_HOME": directory + "/share",
            "XDG_RUNTIME_DIR": directory + "/run",
        ]
    }

    private func prepareDirectories() throws {
        for sub in ["", "/logs", "/config", "/share", "/run"] {
            try FileManager.default.createDirectory(atPath: directory + sub, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        guard geteuid() == 0 else { return }
        let owner = try #require(getpwnam(Self.superuser), "no \(Self.superuser) user: `useradd --system postgres` (.ci/run does)")
        for sub in ["", "/logs", "/config", "/share", "/run"] {
            guard chown(directory + sub, owner.pointee.pw_uid, owner.pointee.pw_gid) == 0 else {
                throw HTTPTestError(description: "chown \(directory + sub) failed: errno \(errno)")
            }
        }
    }

    // MARK: Observing

    /// Each node's reported and assigned state, from the monitor.
    func states() async throws -> [NodeState] {
        try await query(monitorURL, """
            SELECT nodename, nodeport::text, reportedstate::text, goalstate::text FROM pgautofailover.node ORDER BY nodeid
            """).map { NodeState(name: $0[0] ?? "", port: Int($0[1] ?? "") ?? 0, reported: $0[2] ?? "", assigned: $0[3] ?? "") }
    }

    /// The node the monitor has assigned to be (or become) the writable one.
    func primary() async throws -> Node? {
        let states = try await states()
        let name = states.first { ["primary", "wait_primary", "single"].contains($0.assigned) }?.name
        return nodes.first { $0.name == name }
    }

    /// `pg_autoctl show uri --formation default`: every node's host and port,
    /// `target_session_attrs=read-write`; we add the user.
    func formationURI() throws -> String {
        let uri = try run(["show", "uri", "--pgdata", directory + "/monitor", "--formation", "default"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return uri.replacingOccurrences(of: "postgres://", with: "postgres://\(Self.superuser)@")
    }

    /// Rows of one statement (plain text) on a fresh connection to `url`.
    func query(_ url: String, _ sql: String) async throws -> [[String?]] {
        let connection = try await Connection.connect(url)
        defer { connection.close() }
        return try await connection.query(sql).map(\.values)
    }

    // MARK: Faults

    /// Host loss: SIGKILL to every process of the node — its keeper's group
    /// (keeper, postmaster) and the postmaster's children, which PostgreSQL
    /// puts in sessions of their own — so nothing restarts its PostgreSQL and
    /// every connection to it breaks at once.
    func killHost(_ node: Node) {
        let children = hostProcesses(of: node)
        kill(-node.keeper, SIGKILL)
        for pid in children { kill(pid, SIGKILL) }
    }

    /// The WAL sender of a primary (a child of its postmaster), to stop
    /// with SIGSTOP when the test needs the standby to lag: WAL it has not
    /// sent is lost with the host. (Stopping the standby's WAL receiver is
    /// not enough: what the kernel already buffered for it survives the kill.)
    func walSender(of node: Node) -> Int32? {
        hostProcesses(of: node).first { Self.command(of: $0).contains("walsender") }
    }

    /// `pg_autoctl perform failover`: the monitor demotes the primary and
    /// promotes the secondary; returns when the formation is steady again.
    func performFailover() throws {
        try run(["perform", "failover", "--pgdata", directory + "/monitor", "--wait", "60"])
    }

    // MARK: Stopping

    /// Stops every keeper and PostgreSQL, then removes the directory unless
    /// OMS_KEEP_FLEET is set. The keepers go first (SIGKILL, so none restarts
    /// its server), then each postmaster gets SIGQUIT — an immediate shutdown
    /// that releases its shared memory — and the group SIGKILL after 5 s.
    private func shutdown() {
        let processes = lock.withLock { keepers }
        for keeper in processes {
            for pid in members(ofGroup: keeper.processIdentifier) where Self.command(of: pid).hasPrefix("pg_autoctl") {
                kill(pid, SIGKILL)
            }
        }
        // Only a postmaster that is still ours: a killed node's postmaster.pid
        // names a pid that may belong to someone else by now.
        var servers: [Int32] = []
        for dataDirectory in [directory + "/monitor"] + nodes.map(\.dataDirectory) {
            guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
                  let pid = Int32(text.split(separator: "\n").first ?? ""),
                  Self.command(of: pid).contains("-D \(dataDirectory)") else { continue }
            servers.append(pid)
            kill(pid, SIGQUIT)
        }
        let deadline = Date().addingTimeInterval(5)
        while servers.contains(where: Self.isAlive), Date() < deadline { usleep(50_000) }
        for keeper in processes {
            // A group with a member of ours left is still ours: Linux does not
            // hand out a pid that is in use as a process group id.
            let group = keeper.processIdentifier
            let ours = members(ofGroup: group).contains {
                Self.command(of: $0).contains(directory) || Self.command(of: $0).hasPrefix("pg_autoctl")
            }
            if ours {
                kill(-group, SIGKILL)
            }
        }
        for keeper in processes { keeper.waitUntilExit() }
        if ProcessInfo.processInfo.environment["OMS_KEEP_FLEET"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        } else {
            print("formation kept in \(directory)")
        }
    }
}

/// Polls `condition` every 200 ms until it holds; fails the test after `seconds`.
func waitUntil(_ what: String, within seconds: Double, _ condition: @Sendable () async -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !(await condition()) {
        guard Date() < deadline else { throw HTTPTestError(description: "timed out after \(seconds) s waiting until \(what)") }
        try await Task.sleep(for: .milliseconds(200))
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
func freeLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw HTTPTestError(description: "socket: errno \(errno)") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
        }
    }
    guard bound else { throw HTTPTestError(description: "bind: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
