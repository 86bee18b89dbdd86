import Foundation
import OMSCore
import OMSStore

/// The statements the kernel sends, transcribed for pgbench with the values
/// the kernel would bind: one fill (the `fills` baseline) and one whole
/// lifecycle (create_order … reconcile_order, as `LifecycleWorkload` drives
/// it). The column lists, the entitlement predicate and the event insert are
/// the store's own (`OrderRow.columns`, `OrderStore.placementColumns`,
/// `SQL.entitled`, `OrderEventRow.insert`, with the values written in); the
/// rest of each statement follows `OrderStore.insertQuery`,
/// `OrderStore.transition`, `createPlacement`, `recordFill` and
/// `AllocationStore.create`.
///
/// Deviations in the lifecycle, all so that pgbench's restart of a failed
/// script from its first statement (with the same variables) changes nothing
/// twice: the inserts of the order, placement and allocation do nothing on
/// conflict, and the placement, fill and allocation writes are guarded by
/// the order version they expect (the kernel decides that in Swift after its
/// locking read; the transitions are guarded by state already).
struct KernelSQL {
    let tenantId: String

    private var order: String { "'KL-' || :n" }
    private var t: String { "'\(tenantId)'" }

    /// The entitlement predicate for the bench's principals, who have no
    /// portfolio list (entitled to every portfolio of the tenant).
    private static func entitled(_ column: String) -> String {
        SQL.entitled(Principal(tenantId: "", principalId: "", role: .pm, portfolioIds: nil), portfolio: column).inlined
    }

    /// The event insert with the values written in, on one line. `fromState`
    /// and `payload` (JSON text) are SQL expressions.
    private static func event(_ command: String, from rows: String = "upd", fromState: String, actor: String,
                              role: String, payload: String) -> String {
        let insert = OrderEventRow.insert(
            command: "\(command)", from: rows, fromState: "\(unescaped: fromState)", actorId: "\(actor)",
            actorRole: "\(role)", payload: "\(unescaped: payload)", occurredAt: "now()")
        return insert.inlined.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    /// One transaction per command, as `Database.rows` and `TransactionRunner` send them.
    private func transaction(_ statements: String...) -> String {
        "BEGIN ISOLATION LEVEL SERIALIZABLE;\n" + statements.map { $0 + ";\n" }.joined() + "COMMIT;\n"
    }

    private func transition(_ command: String, from: String, to: String, actor: String, role: String,
                            verdict: (id: String, phase: String)? = nil, confirm: Bool = false) -> String {
        let resultId = verdict.map { "'\($0.id)-' || :n" } ?? "NULL"
        return transaction("""
            WITH prev AS (SELECT state FROM orders WHERE tenant_id = \(t) AND order_id = \(order) \
            AND state = ANY(ARRAY['\(from)']) AND (NOT false OR executed_quantity = 0) \
            AND (NOT \(confirm) OR executed_quantity = (SELECT coalesce(sum(a.quantity), 0) FROM allocations a \
            WHERE a.tenant_id = orders.tenant_id AND a.order_id = orders.order_id)) \
            AND \(Self.entitled("portfolio_id")) FOR UPDATE), \
            upd AS (UPDATE orders o SET state = '\(to)', version = o.version + 1, updated_at = now(), \
            cancel_reason = CASE WHEN false THEN NULL ELSE o.cancel_reason END FROM prev \
            WHERE o.tenant_id = \(t) AND o.order_id = \(order) RETURNING \(OrderRow.columns), prev.state AS from_state), \
            ev AS (\(Self.event(command, fromState: "from_state", actor: actor, role: role, payload: "'{}'")) \
            RETURNING event_id), \
            cr AS (INSERT INTO compliance_results (tenant_id, result_id, order_id, phase, verdict, violations, reason, \
            approver_id, decided_by, decided_at) SELECT tenant_id, \(resultId), order_id, \
            \(verdict.map { "'\($0.phase)'" } ?? "NULL"), \(verdict == nil ? "NULL" : "'PASSED'"), \
            \(verdict == nil ? "NULL" : "'[]'")::text::jsonb, NULL, NULL, '\(actor)', now() FROM upd \
            WHERE (\(resultId))::text IS NOT NULL) \
            SELECT upd.*, (SELECT event_id FROM ev) AS event_id FROM upd
            """)
    }

    /// `recordFill`'s three statements in one transaction. The values are SQL
    /// expressions; with `readBack`, the two locking reads store their columns
    /// in pgbench variables (`\\gset`) and the write uses `:q` and `:pq`, the
    /// order's and placement's filled quantity plus `quantity`.
    private func fill(order: String, execId: String, placementId: String, quantity: String, price: String,
                      executed: String, placementFilled: String, state: String, placementState: String,
                      from: String, expectedVersion: Int? = nil, readBack: Bool = false) -> String {
        let end = readBack ? " \\gset" : ";"  // \gset ends a query of its own
        let payload = "('{\"fill\": {\"exec_id\": \"' || \(execId) || '\", \"price\": \(price), \"quantity\": \(quantity)}}')"
        return "BEGIN ISOLATION LEVEL SERIALIZABLE;\n" + """
            WITH o AS (SELECT \(OrderRow.columns) FROM orders o WHERE o.tenant_id = \(t) AND o.order_id = \(order) \
            AND \(Self.entitled("o.portfolio_id")) FOR UPDATE OF o), \
            claim AS (INSERT INTO fills (tenant_id, exec_id, order_id, placement_id, quantity, price, executed_at, \
            order_version, recorded_by) SELECT o.tenant_id, \(execId), o.order_id, NULL, \(quantity), \(price), now(), \
            o.version + 1, 'bench-trader' FROM o ON CONFLICT (tenant_id, exec_id) DO NOTHING RETURNING exec_id) \
            SELECT o.*, EXISTS (SELECT 1 FROM claim) AS claimed FROM o\(end)
            SELECT \(OrderStore.placementColumns) FROM placements p WHERE p.tenant_id = \(t) \
            AND p.order_id = \(order) AND p.state = 'OPEN' ORDER BY p.created_at, p.placement_id FOR UPDATE\(end)

            """
            + (readBack ? "\\set q :executed_quantity + \(quantity)\n\\set pq :filled_quantity + \(quantity)\n" : "")
            + """
            WITH upd AS (UPDATE orders SET executed_quantity = \(executed), state = '\(state)', version = version + 1, \
            updated_at = now() WHERE tenant_id = \(t) AND order_id = \(order)\
            \(expectedVersion.map { " AND version = \($0)" } ?? "") \
            RETURNING tenant_id, order_id, version, state), ids AS (SELECT ARRAY[\(placementId)]::text[] AS placement_ids), \
            pl AS (UPDATE placements p SET filled_quantity = (ARRAY[\(placementFilled)]::text[])\
            [array_position(ids.placement_ids, p.placement_id)]::numeric, state = (ARRAY['\(placementState)']::text[])\
            [array_position(ids.placement_ids, p.placement_id)], updated_at = now() FROM ids \
            WHERE p.tenant_id = \(t) AND p.order_id = \(order) AND p.placement_id = ANY(ids.placement_ids) \
            AND EXISTS (SELECT 1 FROM upd)) \
            \(Self.event("record_fill", fromState: "'\(from)'", actor: "bench-trader", role: "Trader", payload: payload));
            COMMIT;

            """
    }

    /// One fill of 1 on a random order of the pgbench pool (`PgBenchBaseline.seedSQL`).
    func fillScript(orders: Int) -> String {
        "\\set n random(1, \(orders))\n\\set e random(1, 9000000000000000000)\n"
            + fill(order: "'PGB-' || :n", execId: "('k-' || :e)", placementId: "'PGBP-' || :n", quantity: "1",
                   price: "10.25", executed: ":q", placementFilled: ":pq::text", state: "PARTIALLY_FILLED",
                   placementState: "OPEN", from: "PARTIALLY_FILLED", readBack: true)
    }

    /// One whole order, create_order to reconcile_order.
    var lifecycleScript: String {
        "\\set n random(1, 9000000000000000000)\n"
            + transaction("""
                WITH ins AS (INSERT INTO orders (tenant_id, order_id, portfolio_id, instrument_id, direction, order_type, \
                time_in_force, ordered_quantity, limit_price, stop_price, expire_at, executed_quantity, state, basket_id, \
                counterparty_id, metadata, client_order_id, idempotency_key, created_by, version, created_at, updated_at) \
                VALUES (\(t), \(order), 'BENCH-P', 'BENCH-I', 'Buy', 'Limit', 'Day', 100, 10.5, NULL, NULL, 0, 'CREATED', \
                NULL, NULL, NULL::text::jsonb, NULL, NULL, 'bench-pm', 1, now(), now()) ON CONFLICT DO NOTHING \
                RETURNING tenant_id, order_id, version, state) \
                \(Self.event("create_order", from: "ins", fromState: "NULL", actor: "bench-pm", role: "PM",
                             payload: #"'{"order": {}}'"#))
                """)
            + transition("request_pre_trade_compliance", from: "CREATED", to: "PENDING_PRE_TRADE_COMPLIANCE",
                         actor: "bench-pm", role: "PM")
            + transition("pass_pre_trade_compliance", from: "PENDING_PRE_TRADE_COMPLIANCE",
                         to: "PRE_TRADE_COMPLIANCE_PASSED", actor: "bench-compliance", role: "Compliance",
                         verdict: ("KLR1", "PRE_TRADE"))
            + transition("send_to_trader", from: "PRE_TRADE_COMPLIANCE_PASSED", to: "SENT_TO_TRADER",
                         actor: "bench-pm", role: "PM")
            + transaction("""
                SELECT \(OrderRow.columns), (SELECT coalesce(sum(p.quantity - p.filled_quantity), 0) FROM placements p \
                WHERE p.tenant_id = o.tenant_id AND p.order_id = o.order_id AND p.state = 'OPEN') AS open_quantity \
                FROM orders o WHERE o.tenant_id = \(t) AND o.order_id = \(order) \
                AND \(Self.entitled("o.portfolio_id")) FOR UPDATE OF o
                """, """
                WITH pl AS (INSERT INTO placements (tenant_id, placement_id, order_id, venue, broker_id, strategy, quantity, \
                filled_quantity, state, created_by, created_at, updated_at) VALUES (\(t), 'KLP-' || :n, \(order), 'XBENCH', \
                NULL, NULL, 100, 0, 'OPEN', 'bench-trader', now(), now()) ON CONFLICT DO NOTHING), \
                upd AS (UPDATE orders SET state = 'ROUTED', version = version + 1, updated_at = now() \
                WHERE tenant_id = \(t) AND order_id = \(order) AND version = 4 RETURNING tenant_id, order_id, version, state) \
                \(Self.event("create_placement", fromState: "'SENT_TO_TRADER'", actor: "bench-trader", role: "Trader",
                             payload: #"'{"placement": {}}'"#))
                """)
            + fill(order: order, execId: "('KLF1-' || :n)", placementId: "'KLP-' || :n", quantity: "60", price: "10.5",
                   executed: "60", placementFilled: "'60'", state: "PARTIALLY_FILLED", placementState: "OPEN",
                   from: "ROUTED", expectedVersion: 5)
            + fill(order: order, execId: "('KLF2-' || :n)", placementId: "'KLP-' || :n", quantity: "40", price: "10.5",
                   executed: "100", placementFilled: "'100'", state: "FILLED", placementState: "FILLED",
                   from: "PARTIALLY_FILLED", expectedVersion: 6)
            + transition("close_order", from: "FILLED", to: "CLOSED", actor: "bench-trader", role: "Trader")
            + transition("send_to_operations", from: "CLOSED", to: "SENT_TO_OPERATIONS", actor: "bench-trader",
                         role: "Trader")
            + transition("request_post_trade_compliance", from: "SENT_TO_OPERATIONS",
                         to: "PENDING_POST_TRADE_COMPLIANCE", actor: "bench-ops", role: "Ops")
            + transition("pass_post_trade_compliance", from: "PENDING_POST_TRADE_COMPLIANCE",
                         to: "POST_TRADE_COMPLIANCE_PASSED", actor: "bench-compliance", role: "Compliance",
                         verdict: ("KLR2", "POST_TRADE"))
            + transaction("""
                SELECT \(OrderRow.columns), (SELECT coalesce(sum(a.quantity), 0) FROM allocations a \
                WHERE a.tenant_id = o.tenant_id AND a.order_id = o.order_id) AS allocated, (SELECT ac.portfolio_id \
                FROM accounts ac WHERE ac.tenant_id = o.tenant_id AND ac.account_id = 'BENCH-A') AS account_portfolio_id \
                FROM orders o WHERE o.tenant_id = \(t) AND o.order_id = \(order) \
                AND \(Self.entitled("o.portfolio_id")) FOR UPDATE OF o
                """, """
                INSERT INTO allocations AS a (tenant_id, allocation_id, order_id, account_id, portfolio_id, quantity, \
                created_by, created_at, updated_at, version) VALUES (\(t), 'KLA-' || :n, \(order), 'BENCH-A', 'BENCH-P', \
                100, 'bench-ops', now(), now(), 1) ON CONFLICT DO NOTHING RETURNING 1
                """, """
                WITH upd AS (UPDATE orders SET version = version + 1, updated_at = now() WHERE tenant_id = \(t) \
                AND order_id = \(order) AND version = 11 RETURNING tenant_id, order_id, version, state) \
                \(Self.event("create_allocation", fromState: "state", actor: "bench-ops", role: "Ops",
                             payload: #"'{"allocation": {}}'"#)) RETURNING 1
                """)
            + transition("confirm_order", from: "POST_TRADE_COMPLIANCE_PASSED", to: "CONFIRMED", actor: "bench-ops",
                         role: "Ops", confirm: true)
            + transition("settle_order", from: "CONFIRMED", to: "SETTLED", actor: "bench-ops", role: "Ops")
            + transition("reconcile_order", from: "SETTLED", to: "RECONCILED", actor: "bench-ops", role: "Ops")
    }
}
