import ArgumentParser
import EmbeddedPostgres
import Foundation
import OMSStore

/// pgbench against the same database and server, at the same client count:
/// (a) naive SQL, a hand-written script of the same state changes (BEGIN
/// SERIALIZABLE; lock the order; update it; insert what the step records;
/// insert the event; COMMIT), and (b) for fills, the kernel's own statements
/// (`OrderStore.recordFill`), prepared: what the service could reach if JSON,
/// TCP and Swift cost nothing.
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

    /// Routed orders PGB-n with one open placement PGBP-n each.
    var seedSQL: String {
        """
        INSERT INTO orders (tenant_id, order_id, portfolio_id, instrument_id, direction, order_type, time_in_force,
            ordered_quantity, executed_quantity, state, created_by, version, created_at, updated_at)
        SELECT '\(tenantId)', 'PGB-' || n, 'BENCH-P', 'BENCH-I', 'Buy', 'Market', 'Day', 1000000000, 0, 'ROUTED',
            'pgbench', 1, now(), now()
        FROM generate_series(1, \(orders)) n ON CONFLICT DO NOTHING;
        INSERT INTO placements (tenant_id, placement_id, order_id, venue, quantity, filled_quantity, state, created_by,
            created_at, updated_at)
        SELECT '\(tenantId)', 'PGBP-' || n, 'PGB-' || n, 'XBENCH', 1000000000, 0, 'OPEN', 'pgbench', now(), now()
        FROM generate_series(1, \(orders)) n ON CONFLICT DO NOTHING;
        ANALYZE orders, placements;
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
            INSERT INTO order_events (\(OrderEventRow.columns)) SELECT tenant_id, order_id, version, 'record_fill', 'ROUTED', state, 'pgbench', 'System', '{}', now() FROM orders WHERE \(order);
            COMMIT;

            """
    }

    /// The statements `OrderStore.recordFill` sends (`KernelSQL`).
    var kernelFillSQL: String { KernelSQL(tenantId: tenantId).fillScript(orders: orders) }

    /// One whole order per script run, one transaction per step, as a naive
    /// client would write it. pgbench restarts a failed script from its first
    /// statement with the same variables, so every step is guarded by the
    /// state it expects (a step that already committed changes nothing again).
    var naiveLifecycleSQL: String {
        let t = tenantId
        let order = "tenant_id = '\(t)' AND order_id = 'PGL-' || :n"
        func step(_ from: String, _ to: String, _ command: String, _ role: String, record: String = "",
                  executed: String = "executed_quantity") -> String {
            """
            BEGIN ISOLATION LEVEL SERIALIZABLE;
            SELECT state, version, executed_quantity FROM orders WHERE \(order) FOR UPDATE;
            \(record)WITH upd AS (UPDATE orders SET state = '\(to)', executed_quantity = \(executed), version = version + 1, updated_at = now() WHERE \(order) AND state = '\(from)' RETURNING tenant_id, order_id, version) INSERT INTO order_events (\(OrderEventRow.columns)) SELECT tenant_id, order_id, version, '\(command)', '\(from)', '\(to)', 'pgbench', '\(role)', '{}', now() FROM upd;
            COMMIT;

            """
        }
        func insert(_ table: String, _ columns: String, _ values: String, when state: String) -> String {
            "INSERT INTO \(table) (\(columns)) SELECT \(values) FROM orders WHERE \(order) AND state = '\(state)' ON CONFLICT DO NOTHING;\n"
        }
        let verdict = "tenant_id, result_id, order_id, phase, verdict, decided_by, decided_at"
        let fill = "tenant_id, exec_id, order_id, placement_id, quantity, price, executed_at, order_version, recorded_by"
        return """
            \\set n random(1, 9000000000000000000)
            BEGIN ISOLATION LEVEL SERIALIZABLE;
            WITH o AS (INSERT INTO orders (tenant_id, order_id, portfolio_id, instrument_id, direction, order_type, time_in_force, ordered_quantity, limit_price, executed_quantity, state, created_by, version, created_at, updated_at) VALUES ('\(t)', 'PGL-' || :n, 'BENCH-P', 'BENCH-I', 'Buy', 'Limit', 'Day', 100, 10.5, 0, 'CREATED', 'pgbench', 1, now(), now()) ON CONFLICT DO NOTHING RETURNING tenant_id, order_id) INSERT INTO order_events (\(OrderEventRow.columns)) SELECT tenant_id, order_id, 1, 'create_order', NULL, 'CREATED', 'pgbench', 'PM', '{}', now() FROM o;
            COMMIT;

            """
            + step("CREATED", "PENDING_PRE_TRADE_COMPLIANCE", "request_pre_trade_compliance", "PM")
            + step("PENDING_PRE_TRADE_COMPLIANCE", "PRE_TRADE_COMPLIANCE_PASSED", "pass_pre_trade_compliance", "Compliance",
                   record: insert("compliance_results", verdict, "tenant_id, 'PGLR-' || :n, order_id, 'PRE_TRADE', 'PASSED', 'pgbench', now()",
                                  when: "PENDING_PRE_TRADE_COMPLIANCE"))
            + step("PRE_TRADE_COMPLIANCE_PASSED", "SENT_TO_TRADER", "send_to_trader", "PM")
            + step("SENT_TO_TRADER", "ROUTED", "create_placement", "Trader",
                   record: insert("placements", "tenant_id, placement_id, order_id, venue, quantity, state, created_by, created_at, updated_at",
                                  "tenant_id, 'PGLP-' || :n, order_id, 'XBENCH', 100, 'OPEN', 'pgbench', now(), now()", when: "SENT_TO_TRADER"))
            + step("ROUTED", "PARTIALLY_FILLED", "record_fill", "Trader",
                   record: insert("fills", fill, "tenant_id, 'PGLF1-' || :n, order_id, 'PGLP-' || :n, 60, 10.5, now(), version + 1, 'pgbench'", when: "ROUTED"),
                   executed: "60")
            + step("PARTIALLY_FILLED", "FILLED", "record_fill", "Trader",
                   record: insert("fills", fill, "tenant_id, 'PGLF2-' || :n, order_id, 'PGLP-' || :n, 40, 10.4, now(), version + 1, 'pgbench'", when: "PARTIALLY_FILLED")
                       + "UPDATE placements SET filled_quantity = 100, state = 'FILLED', updated_at = now() WHERE tenant_id = '\(t)' AND placement_id = 'PGLP-' || :n;\n",
                   executed: "100")
            + step("FILLED", "CLOSED", "close_order", "Trader")
            + step("CLOSED", "SENT_TO_OPERATIONS", "send_to_operations", "Trader")
            + step("SENT_TO_OPERATIONS", "PENDING_POST_TRADE_COMPLIANCE", "request_post_trade_compliance", "Ops")
            + step("PENDING_POST_TRADE_COMPLIANCE", "POST_TRADE_COMPLIANCE_PASSED", "pass_post_trade_compliance", "Compliance",
                   record: insert("compliance_results", verdict, "tenant_id, 'PGLQ-' || :n, order_id, 'POST_TRADE', 'PASSED', 'pgbench', now()",
                                  when: "PENDING_POST_TRADE_COMPLIANCE"))
            + """
            BEGIN ISOLATION LEVEL SERIALIZABLE;
            SELECT state, version FROM orders WHERE \(order) FOR UPDATE;
            \(insert("allocations", "tenant_id, allocation_id, order_id, account_id, portfolio_id, quantity, created_by, created_at, updated_at", "tenant_id, 'PGLA-' || :n, order_id, 'BENCH-A', 'BENCH-P', 100, 'pgbench', now(), now()", when: "POST_TRADE_COMPLIANCE_PASSED"))COMMIT;

            """
            + step("POST_TRADE_COMPLIANCE_PASSED", "CONFIRMED", "confirm_order", "Ops")
            + step("CONFIRMED", "SETTLED", "settle_order", "Ops")
            + step("SETTLED", "RECONCILED", "reconcile_order", "Ops")
    }

    /// Script runs per client: pgbench 15 keeps running far past `-T` against
    /// the bench tenant (docs/performance.md, "Baselines"), so a run is sized
    /// by count, about `duration` seconds at `rate` runs per second per client.
    func runsPerClient(rate: Double) -> Int { max(20, Int(duration * rate)) }

    /// Runs `script` and returns script runs per second (pgbench's tps).
    func run(_ name: String, script: String, seed: Bool, rate: Double) throws -> Double {
        let pgbench = try PostgresBinaries.locate().path(of: "pgbench")
        let folder = NSTemporaryDirectory() + "oms-bench-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        if seed {
            try seedSQL.write(toFile: folder + "/seed.sql", atomically: true, encoding: .utf8)
            _ = try shell(pgbench, ["-n", "-t", "1", "-c", "1", "-f", folder + "/seed.sql", databaseURL])
        }
        try script.write(toFile: folder + "/\(name).sql", atomically: true, encoding: .utf8)
        // pgbench retries without backoff; with many tries, 8 clients can
        // abort each other for as long as they run (docs/performance.md,
        // "Baselines"), so tries are few and failures are reported.
        let before = CPUTime.sample(serverPid: nil)
        let output = try shell(pgbench, ["-n", "-M", "prepared", "--max-tries=10", "-c", "\(clients)", "-j", "\(min(clients, 2))",
                                         "-t", "\(runsPerClient(rate: rate))", "-f", folder + "/\(name).sql", databaseURL])
        let postgres = CPUTime.sample(serverPid: nil).postgres - before.postgres
        let runs = Double(runsPerClient(rate: rate) * clients)
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
              let tps = Double(line.dropFirst(6).prefix { $0 != " " })
        else { throw ValidationError("could not read pgbench's tps:\n\(output)") }
        for line in output.split(separator: "\n")
        where line.contains("failed") || line.contains("retried") || line.contains("latency average") {
            Swift.print("  pgbench \(name): \(line.trimmingCharacters(in: .whitespaces))")
        }
        Swift.print(String(format: "  pgbench %@: PostgreSQL CPU %.2f s, %.3f s per 1,000 script runs",
                           name as NSString, postgres, postgres * 1000 / runs))
        return tps
    }

    /// pgbench with the session settings of the service's pool (DatabaseURL.conninfo).
    private func shell(_ program: String, _ arguments: [String]) throws -> String {
        try runTool(program, arguments, environment: ["PGOPTIONS": "-c enable_seqscan=off"])
    }
}
