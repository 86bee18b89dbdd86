import Foundation
import OMSCore

/// How an order's event is appended to `order_events`; one place for the
/// insert every command's write ends with (and the benchmark's transcription).
package enum OrderEventRow {
    /// The columns an event is written with, in the order `insert` gives their values.
    package static let columns =
        "tenant_id, order_id, sequence, command, from_state, to_state, actor_id, actor_role, payload, occurred_at"

    /// Appends one event per row of `rows`, a CTE the command's write
    /// returned `tenant_id, order_id, version, state` from: the order's new
    /// version is the event's sequence and its new state the event's
    /// to_state, so the event cannot disagree with the row it records.
    /// `fromState` is an expression (a parameter, a column of `rows`, `NULL`).
    static func insert(
        _ command: OrderCommand, from rows: String, fromState: SQL, actor: Principal, payload: String, at now: Date
    ) -> SQL {
        insert(command: "\(command.rawValue)", from: rows, fromState: fromState, actorId: "\(actor.principalId)",
               actorRole: "\(actor.role.rawValue)", payload: "\(payload)", occurredAt: "\(now)")
    }

    /// `insert` with every value an expression of its own, for statements
    /// that do not bind Swift values (the benchmark's pgbench scripts).
    /// `payload` is JSON text; it is cast to jsonb here.
    package static func insert(
        command: SQL, from rows: String, fromState: SQL, actorId: SQL, actorRole: SQL, payload: SQL, occurredAt: SQL
    ) -> SQL {
        """
        INSERT INTO order_events (\(unescaped: columns))
        SELECT tenant_id, order_id, version, \(command), \(fromState), state,
            \(actorId), \(actorRole), \(payload)::text::jsonb, \(occurredAt) FROM \(unescaped: rows)
        """
    }
}
