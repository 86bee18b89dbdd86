import EmbeddedPostgres
import Foundation
import OMSPostgres

/// Client and backend CPU per pipelined transaction on one connection, sequential:
/// `BEGIN ISOLATION LEVEL SERIALIZABLE; <one prepared UPDATE or INSERT>; COMMIT`
/// in one pipeline sync, the shape of docs/performance.md's "libpq driver
/// layer" table. Client CPU is this process's
/// `getrusage(RUSAGE_SELF)`; backend CPU is `/proc/<PQbackendPID>/stat`.
///
/// Usage: oms-driver-bench [--conninfo STRING | --data-dir DIR] [--transactions N]
/// --data-dir starts a durable cluster there (stopped on exit), as
/// scripts/driver-bench does; without either (or OMS_BENCH_DATABASE_URL) it
/// starts or reuses the non-durable test cluster under .build/oms-test-pg.
@main
struct DriverBench {
    static func main() async throws {
        let arguments = CommandLine.arguments
        func option(_ name: String) -> String? {
            arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        }
        let transactions = option("--transactions").flatMap(Int.init) ?? 3000
        let conninfo = try option("--conninfo") ?? ProcessInfo.processInfo.environment["OMS_BENCH_DATABASE_URL"]
            ?? embeddedDatabase(dataDirectory: option("--data-dir"))
        try setUp(conninfo)
        print("one connection, sequential, \(transactions) transactions each; µs per transaction")
        print("mode                                     client  backend  wall")
        for statement in [BenchStatement.update, .insert] {
            // The blocking connection, called on this thread, is the floor: libpq and
            // the Swift layer with no hand-off. The async Connection adds its thread.
            let blocking = try BlockingConnection(conninfo)
            report("blocking, \(statement.label)", try measure(transactions, backendPID: blocking.backendPID) { i in
                _ = try blocking.transaction([statement.query(i)])
            })
            let connection = try await Connection.connect(conninfo)
            report("async Connection, \(statement.label)", try await measureAsync(transactions, backendPID: connection.backendPID) { i in
                _ = try await connection.transaction([statement.query(i)])
            })
            connection.close()
            // The design not taken, measured the same way (see DispatchDriver).
            let dispatch = try DispatchDriver(conninfo, prepare: "bench_dispatch_\(statement.label)", sql: statement.sql)
            report("DispatchSource on PQsocket, \(statement.label)", try await measureAsync(transactions, backendPID: dispatch.backendPID) { i in
                try await dispatch.transaction("bench_dispatch_\(statement.label)", statement.parameters(i))
            })
            dispatch.close()
        }
    }

    static func report(_ label: String, _ sample: Sample) {
        let padded = label.padding(toLength: 40, withPad: " ", startingAt: 0)
        print(padded, String(format: "%6.1f  %7.1f  %5.1f", sample.client, sample.backend, sample.wall))
    }

    static func setUp(_ conninfo: String) throws {
        let connection = try BlockingConnection(conninfo)
        try connection.execute("""
            DROP TABLE IF EXISTS bench_accounts, bench_events;
            CREATE TABLE bench_accounts (id int PRIMARY KEY, balance numeric(18,2) NOT NULL);
            INSERT INTO bench_accounts SELECT g, 0 FROM generate_series(1, 1000) g;
            CREATE TABLE bench_events (id bigserial PRIMARY KEY, account int NOT NULL, amount numeric(18,2) NOT NULL,
                                       recorded_at timestamptz NOT NULL DEFAULT now());
            """)
        try connection.execute("VACUUM ANALYZE bench_accounts")  // not inside the implicit transaction above
    }

    static func embeddedDatabase(dataDirectory: String?) throws -> String {
        EmbeddedPostgres.stopOnExit()
        let directory = dataDirectory ?? FileManager.default.currentDirectoryPath + "/.build/oms-test-pg"
        let endpoint = try EmbeddedPostgres(dataDirectory: directory, durable: dataDirectory != nil).start()
        let base = "host=\(endpoint.host) port=\(endpoint.port) user=\(endpoint.username)"
        let admin = try BlockingConnection(base + " dbname=\(endpoint.database)")
        let exists = try admin.pipeline([Query("SELECT 1 FROM pg_database WHERE datname = 'oms_driver_bench'")])[0].get()
        if exists.isEmpty { try admin.execute("CREATE DATABASE oms_driver_bench") }
        return base + " dbname=oms_driver_bench"
    }
}

enum BenchStatement {
    case update, insert

    static let updateStatement = Statement(
        "UPDATE bench_accounts SET balance = balance + $1 WHERE id = $2", parameterTypes: [.numeric, .int4]
    )
    static let insertStatement = Statement(
        "INSERT INTO bench_events (account, amount) VALUES ($1, $2)", parameterTypes: [.int4, .numeric]
    )

    var label: String { self == .update ? "UPDATE" : "INSERT" }

    var sql: String { self == .update ? Self.updateStatement.sql : Self.insertStatement.sql }

    func parameters(_ i: Int) -> [String] {
        switch self {
        case .update: ["1.25", String(i % 1000 + 1)]
        case .insert: [String(i % 1000 + 1), "1.25"]
        }
    }

    func query(_ i: Int) -> Query {
        Query(self == .update ? Self.updateStatement : Self.insertStatement, parameters(i))
    }
}
