@testable import OMSServerTestSupport
import Foundation
import OMSCore
import OMSStore
import OMSPostgres

/// What the fleet's database says after a run.
struct Audit: Sendable {
    /// Every broken invariant, described.
    var problems: [String] = []
    var orders = 0
    var events = 0
    /// The tenant's order event ids in cursor order (transaction id, event id):
    /// the order every subscriber must receive them in.
    var eventIds: [Int] = []
    /// Events per command name.
    var eventsByCommand: [String: Int] = [:]
}

extension Fleet {
    /// Checks every order of the tenant against its events: replaying them
    /// gives the row (state, version, quantities, prices, metadata, cancel
    /// reason); sequences run 1...n; each event leaves from the state the
    /// previous one entered; fills add up to the executed quantity.
    func audit(tenant: String = Fleet.tenant) async throws -> Audit {
        try await withPool { database in
            var audit = Audit()
            let store = OrderStore(database: database)
            let reader = Principal(tenantId: tenant, principalId: "ops", role: .ops)
            let ids = try await database.pool.query(
                "SELECT order_id FROM orders WHERE tenant_id = \(tenant) ORDER BY order_id"
            ).map { try $0.decode(String.self) }
            audit.orders = ids.count
            for id in ids {
                guard let row = try await store.order(id, actor: reader) else { continue }
                let events = try await store.history(id, actor: reader)
                for (index, event) in events.enumerated() {
                    audit.eventsByCommand[event.command.rawValue, default: 0] += 1
                    if event.sequence != index + 1 { audit.problems.append("\(id): event \(index) has sequence \(event.sequence)") }
                    let expectedFrom = index == 0 ? nil : events[index - 1].toState
                    if event.fromState != expectedFrom {
                        audit.problems.append("\(id): event \(event.sequence) from \(event.fromState?.rawValue ?? "nil"), previous entered \(expectedFrom?.rawValue ?? "nil")")
                    }
                }
                // Each event was allowed by the lifecycle in the state the events before it left.
                for index in events.indices.dropFirst()
                where events[index].command != .updateOrder && !Lifecycle.rules(for: events[index].command).isEmpty {
                    guard let before = try? OrderReplay.replay(Array(events[..<index])) else { continue }
                    do {
                        _ = try Lifecycle.decide(events[index].command, order: before, role: events[index].actorRole)
                    } catch {
                        audit.problems.append("\(id): event \(events[index].sequence) \(events[index].command.rawValue) not allowed after \(before.state.rawValue): \(error)")
                    }
                }
                let replayed: Order
                do { replayed = try OrderReplay.replay(events) } catch {
                    audit.problems.append("\(id): replay failed: \(error)")
                    continue
                }
                let fields: [(String, String, String)] = [
                    ("state", row.state.rawValue, replayed.state.rawValue),
                    ("version", "\(row.version)", "\(replayed.version)"),
                    ("executed_quantity", "\(row.executedQuantity)", "\(replayed.executedQuantity)"),
                    ("ordered_quantity", "\(row.orderedQuantity)", "\(replayed.orderedQuantity)"),
                    ("limit_price", "\(String(describing: row.limitPrice))", "\(String(describing: replayed.limitPrice))"),
                    ("metadata", row.metadata == replayed.metadata ? "equal" : "\(String(describing: row.metadata))", "equal"),
                    ("cancel_reason", row.cancelReason ?? "-", replayed.cancelReason ?? "-"),
                    ("event count", "\(row.version)", "\(events.count)"),
                ]
                for (field, stored, rebuilt) in fields where stored != rebuilt {
                    audit.problems.append("\(id): \(field) is \(stored) in the row, \(rebuilt) replayed")
                }
            }
            let unmatched = try await database.pool.query("""
                SELECT o.order_id || ': executed_quantity ' || o.executed_quantity || ', fills ' || f.total
                FROM orders o, LATERAL (SELECT coalesce(sum(quantity), 0) AS total FROM fills
                                        WHERE tenant_id = o.tenant_id AND order_id = o.order_id) f
                WHERE o.tenant_id = \(tenant) AND o.executed_quantity <> f.total
                """).map { try $0.decode(String.self) }
            audit.problems += unmatched.map { "\($0): fills do not add up to executed_quantity" }
            audit.eventIds = try await database.pool.query(
                "SELECT event_id FROM order_events WHERE tenant_id = \(tenant) ORDER BY xact_id, event_id"
            ).map { Int(try $0.decode(Int64.self)) }
            audit.events = audit.eventIds.count
            return audit
        }
    }

    /// Rows of one query on the fleet's database, each decoded as `T`.
    func values<T: SQLDecodable & Sendable>(_ query: SQL, as type: T.Type) async throws -> [T] {
        try await withPool { database in
            try await database.pool.query(query).map { try $0.decode(T.self) }
        }
    }
}
