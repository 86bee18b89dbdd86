import ArgumentParser
import EmbeddedPostgres
import Foundation

/// pgbench against the same database, with a hand-written naive script of the
/// same state change the `fills` workload makes: BEGIN SERIALIZABLE; lock the
/// order; update it; insert the fill; insert the event; COMMIT.
struct PgBenchBaseline {
    let databaseURL: String
    let tenantId: String
    let clients: Int
    let duration: Double
    let orders: Int

    init(databaseURL: String, tenantId: String, clients: Int, duration: Double, orders: Int) throws {
        guard tenantId.range(of: #"^[A-Za-z0-9_-]+$"#, options: .regularExpression) != nil else {
            throw ValidationError("unexpected tenant id \(tenantId)")
        }
        (self.databaseURL, self.tenantId, self.clients, self.duration, self.orders) =
            (databaseURL, tenantId, clients, duration, orders)
    }

    var seedSQL: String {
        """
        INSERT INTO orders (tenant_id, order_id, portfolio_id, instrument_id, direction, order_type, time_in_force,
            ordered_quantity, executed_quantity, state, created_by, version, created_at, updated_at)
        SELECT '\(tenantId)', 'PGB-' || n, 'BENCH-P', 'BENCH-I', 'Buy', 'Market', 'Day', 1000000000, 0, 'ROUTED',
            'pgbench', 1, now(), now()
        FROM generate_series(1, \(orders)) n ON CONFLICT DO NOTHING;
        """
    }

    var naiveFillSQL: String {
        let order = "tenant_id = '\(tenantId)' AND order_id = 'PGB-' || :n"
        return """
            \\set n random(1, \(orders))
            BEGIN ISOLATION LEVEL SERIALIZABLE;
            SELECT state, executed_quantity, ordered_quantity FROM orders WHERE \(order) FOR UPDATE;
            UPDATE orders SET executed_quantity = executed_quantity + 1, state = 'PARTIALLY_FILLED', version = version + 1, updated_at = now() WHERE \(order);
            INSERT INTO fills (tenant_id, exec_id, order_id, quantity, price, executed_at, order_version, recorded_by) SELECT tenant_id, 'pgb-' || md5(random()::text), order_id, 1, 10.25, now(), version, 'pgbench' FROM orders WHERE \(order);
            INSERT INTO order_events (tenant_id, order_id, sequence, command, from_state, to_state, actor_id, actor_role, payload, occurred_at) SELECT tenant_id, order_id, version, 'record_fill', 'ROUTED', state, 'pgbench', 'System', '{}', now() FROM orders WHERE \(order);
            COMMIT;

            """
    }

    /// Transactions each pgbench client runs: pgbench 15 here kept running far
    /// past `-T` (10+ minutes for -T 5 against the bench tenant), so the run
    /// is sized by count, about `duration` seconds at 100 transactions/s per client.
    var transactionsPerClient: Int { max(50, Int(duration * 100)) }

    /// Transitions per second pgbench sustained.
    func run(workload: BenchCommand.Workload) throws -> Double {
        guard workload == .fills else {
            throw ValidationError("the pgbench baseline is written for the fills workload only")
        }
        let pgbench = try PostgresBinaries.locate().path(of: "pgbench")
        let folder = NSTemporaryDirectory() + "oms-bench-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try seedSQL.write(toFile: folder + "/seed.sql", atomically: true, encoding: .utf8)
        try naiveFillSQL.write(toFile: folder + "/naive-fill.sql", atomically: true, encoding: .utf8)
        _ = try shell(pgbench, ["-n", "-t", "1", "-c", "1", "-f", folder + "/seed.sql", databaseURL])
        // pgbench retries without backoff; with many tries, 8 clients can
        // abort each other forever (seen: -T 10 still running after 12
        // minutes), so tries are few and failures are reported.
        let output = try shell(pgbench, ["-n", "-M", "prepared", "--max-tries=10", "-c", "\(clients)", "-j", "\(min(clients, 2))",
                                         "-t", "\(transactionsPerClient)", "-f", folder + "/naive-fill.sql", databaseURL])
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
              let tps = Double(line.dropFirst(6).prefix { $0 != " " })
        else { throw ValidationError("could not read pgbench's tps:\n\(output)") }
        for line in output.split(separator: "\n")
        where line.contains("failed") || line.contains("retried") || line.contains("latency average") {
            Swift.print("  pgbench: \(line.trimmingCharacters(in: .whitespaces))")
        }
        return tps
    }

    private func shell(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw ValidationError("pgbench failed:\n\(text)") }
        return text
    }
}
