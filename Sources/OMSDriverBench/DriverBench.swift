import EmbeddedPostgres
import Foundation
import OMSPostgres

/// Client and backend CPU per pipelined transaction on one connection, sequential:
/// `BEGIN ISOLATION LEVEL SERIALIZABLE; <one prepared UPDATE or INSERT>; COMMIT`
/// in one pipeline sync, as in issue 15's table. Client CPU is this process's
/// `getrusage(RUSAGE_SELF)`; backend CPU is `/proc/<PQbackendPID>/stat`.
///
/// Usage: oms-driver-bench [--conninfo STRING] [--transactions N]
/// Without --conninfo (or OMS_BENCH_DATABASE_URL) it starts or reuses the
/// embedded test cluster under .build/oms-test-pg.
@main
struct DriverBench {
    static func main() async throws {
        let arguments = CommandLine.arguments
        func option(_ name: String) -> String? {
            arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        }
        let transactions = option("--transactions").flatMap(Int.init) ?? 3000
        let conninfo = try option("--conninfo") ?? ProcessInfo.processInfo.environment["OMS_BENCH_DATABASE_URL"]
            ?? embeddedDatabase()
        try setUp(conninfo)
        print("one connection, sequential, \(transactions) transactions each; µs per transaction")
        print("mode                                 client  backend  wall")
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
        }
    }

    static func report(_ label: String, _ sample: Sample) {
        let padded = label.padding(toLength: 36, withPad: " ", startingAt: 0)
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

    static func embeddedDatabase() throws -> String {
        EmbeddedPostgres.stopOnExit()
        let directory = FileManager.default.currentDirectoryPath + "/.build/oms-test-pg"
        let endpoint = try EmbeddedPostgres(dataDirectory: directory, durable: false).start()
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

    func query(_ i: Int) -> Query {
        switch self {
        case .update: Query(Self.updateStatement, ["1.25", String(i % 1000 + 1)])
        case .insert: Query(Self.insertStatement, [String(i % 1000 + 1), "1.25"])
        }
    }
}
