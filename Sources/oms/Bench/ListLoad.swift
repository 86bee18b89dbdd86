import ArgumentParser
import EmbeddedPostgres
import Foundation
import OMSCore

/// Loads the `list` workload's table: `count` orders of the bench tenant spread
/// over 20 portfolios, 50 instruments, every lifecycle state and a year of
/// creation times, written straight into PostgreSQL in batches (the wire would
/// take hours for a million orders). Orders already loaded are kept, so a
/// second run starts at once.
struct ListLoad {
    static let portfolios = (0..<20).map { String(format: "LST-P%02d", $0) }
    static let instruments = (0..<50).map { String(format: "LST-I%02d", $0) }
    static let states = OrderState.allCases.map(\.rawValue)

    let databaseURL: String
    let tenantId: String
    let count: Int
    let batch = 100_000

    func run() throws {
        guard tenantId.range(of: #"^[A-Za-z0-9_-]+$"#, options: .regularExpression) != nil else {
            throw ValidationError("unexpected tenant id \(tenantId)")
        }
        let t = tenantId
        let reference = """
            INSERT INTO portfolios (tenant_id, portfolio_id, name, cash)
            SELECT '\(t)', p, p, 1000000000 FROM unnest(ARRAY['\(Self.portfolios.joined(separator: "','"))']) p
            ON CONFLICT DO NOTHING;
            INSERT INTO instruments (tenant_id, instrument_id, symbol)
            SELECT '\(t)', i, i FROM unnest(ARRAY['\(Self.instruments.joined(separator: "','"))']) i
            ON CONFLICT DO NOTHING;
            """
        _ = try psql(reference)
        let have = Int(try psql("SELECT count(*) FROM orders WHERE tenant_id = '\(t)' AND order_id LIKE 'LST-%'")
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        if have >= count {
            print("list: \(have) orders already loaded")
            return
        }
        let started = Date()
        var loaded = have
        while loaded < count {
            let upTo = min(count, loaded + batch)
            // Row n: portfolio n % 20, instrument n % 50, state (n / 20) % 18, created n × 31 s before now.
            _ = try psql("""
                INSERT INTO orders (tenant_id, order_id, portfolio_id, instrument_id, direction, order_type,
                    time_in_force, ordered_quantity, limit_price, executed_quantity, state, created_by, version,
                    created_at, updated_at)
                SELECT '\(t)', 'LST-' || lpad(n::text, 8, '0'),
                    (ARRAY['\(Self.portfolios.joined(separator: "','"))'])[n % 20 + 1],
                    (ARRAY['\(Self.instruments.joined(separator: "','"))'])[n % 50 + 1],
                    CASE WHEN n % 2 = 0 THEN 'Buy' ELSE 'Sell' END, 'Limit', 'Day', 100 + n % 900, 10.5, 0,
                    (ARRAY['\(Self.states.joined(separator: "','"))'])[(n / 20) % 18 + 1], 'bench-load', 1,
                    now() - make_interval(secs => n * 31), now() - make_interval(secs => n * 31)
                FROM generate_series(\(loaded + 1), \(upTo)) n
                ON CONFLICT DO NOTHING;
                """)
            loaded = upTo
            print(String(format: "list: loaded %d of %d orders (%.0f s)", loaded, count, Date().timeIntervalSince(started)))
        }
        _ = try psql("ANALYZE orders")
    }

    private func psql(_ sql: String) throws -> String {
        try runTool(try PostgresBinaries.locate().path(of: "psql"),
                    ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", databaseURL, "-c", sql])
    }
}
