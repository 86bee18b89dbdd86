import Foundation
import Logging
import OMSCore
import OMSPostgres

/// The two event streams subscribers can follow.
public enum FeedStream: String, Sendable, CaseIterable {
    case orders = "order_events"
    case compliance = "compliance_events"
}

/// A position in a stream: events are read in (transaction id, event id)
/// order, and only once every transaction below the reader's snapshot xmin has
/// ended, so a cursor never passes an event whose transaction commits later.
public struct FeedCursor: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The id of the transaction that wrote the event (its row's `xact_id`).
    public var xact: UInt64
    /// The event's id, which orders events within one transaction.
    public var eventId: Int64

    /// A cursor at (`xact`, `eventId`).
    public init(xact: UInt64, eventId: Int64) {
        self.xact = xact
        self.eventId = eventId
    }

    /// Transaction id first, then event id: the order the feed reads events in.
    public static func < (a: FeedCursor, b: FeedCursor) -> Bool {
        (a.xact, a.eventId) < (b.xact, b.eventId)
    }

    /// `xact/eventId`, the form a client hands back to resume.
    public var description: String { "\(xact)/\(eventId)" }
}

/// One committed event of either stream, with what subscribers filter on.
public struct FeedEvent: Sendable {
    /// The event itself, of either stream.
    public enum Body: Sendable {
        case order(OrderEvent, portfolioId: String)
        case compliance(ComplianceEvent)
    }

    /// The tenant the event belongs to.
    public var tenantId: String
    /// The event's position, which subscribers resume from.
    public var cursor: FeedCursor
    /// The portfolios the event touches, for portfolio filters and entitlements.
    public var portfolioIds: [String]
    /// The order or compliance event itself.
    public var body: Body
    /// An order event's payload as stored (jsonb as text). The feed sends it
    /// as it is: the event's `payload` is left empty rather than decoded
    /// with JSONDecoder and encoded again for every event and sidecar, a
    /// cost the events benchmark shows (docs/performance.md, "Latency targets").
    public var payloadJSON: String? = nil

    /// The event's id within its stream.
    public var eventId: Int64 { cursor.eventId }
    /// The stream the event belongs to.
    public var stream: FeedStream {
        if case .order = body { return .orders }
        return .compliance
    }
}

/// Reads the events tables on one READ COMMITTED connection.
struct EventLog {
    /// Most events one read returns.
    static let batch = 500
    let connection: Connection

    /// The cursor before every event a transaction still running (or not yet
    /// begun) will write.
    func head() async throws -> FeedCursor {
        let rows = try await connection.rows("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
        return FeedCursor(xact: try Self.xid(rows.first?.decode(String.self)), eventId: 0)
    }

    /// The cursor of an event a client names, in a tenant; nil when there is none.
    func cursor(of eventId: Int64, in stream: FeedStream, tenantId: String) async throws -> FeedCursor? {
        let rows = try await connection.rows("""
            SELECT xact_id::text FROM \(unescaped: stream.rawValue) WHERE tenant_id = \(tenantId) AND event_id = \(eventId)
            """)
        guard let row = rows.first else { return nil }
        return FeedCursor(xact: try Self.xid(row.decode(String.self)), eventId: eventId)
    }

    /// Events after `cursor` (of one tenant, and up to `limit` cursor when
    /// given) whose transactions are below the snapshot's xmin, in cursor
    /// order. `pending` tells that committed events wait behind a running
    /// transaction, so the caller should look again soon.
    func read(_ stream: FeedStream, after cursor: FeedCursor, tenantId: String? = nil, through last: FeedCursor? = nil,
              limit: Int = EventLog.batch) async throws -> (events: [FeedEvent], pending: Bool) {
        let x = String(cursor.xact), id = cursor.eventId
        let lastX = last.map { String($0.xact) }, lastId = last?.eventId ?? 0
        let rows: [Row]
        switch stream {
        case .orders:
            rows = try await connection.rows("""
                SELECT e.tenant_id, e.event_id, e.xact_id::text AS xact, o.portfolio_id, e.order_id, e.sequence,
                    e.command, e.from_state, e.to_state, e.actor_id, e.actor_role, e.payload::text AS payload,
                    e.occurred_at, e.recorded_at
                FROM order_events e JOIN orders o ON o.tenant_id = e.tenant_id AND o.order_id = e.order_id
                WHERE (e.xact_id, e.event_id) > (\(x)::xid8, \(id))
                  AND e.xact_id < pg_snapshot_xmin(pg_current_snapshot())
                  AND (\(tenantId)::text IS NULL OR e.tenant_id = \(tenantId))
                  AND (\(lastX)::text IS NULL OR (e.xact_id, e.event_id) <= (\(lastX)::xid8, \(lastId)))
                ORDER BY e.xact_id, e.event_id LIMIT \(limit)
                """)
        case .compliance:
            rows = try await connection.rows("""
                SELECT e.tenant_id, e.event_id, e.xact_id::text AS xact, e.event_type, e.severity, e.portfolio_ids,
                    e.rule_id, e.order_id, e.details::text AS details, e.occurred_at, e.recorded_at
                FROM compliance_events e
                WHERE (e.xact_id, e.event_id) > (\(x)::xid8, \(id))
                  AND e.xact_id < pg_snapshot_xmin(pg_current_snapshot())
                  AND (\(tenantId)::text IS NULL OR e.tenant_id = \(tenantId))
                  AND (\(lastX)::text IS NULL OR (e.xact_id, e.event_id) <= (\(lastX)::xid8, \(lastId)))
                ORDER BY e.xact_id, e.event_id LIMIT \(limit)
                """)
        }
        var events: [FeedEvent] = []
        for row in rows {
            let r = row
            let cursor = FeedCursor(xact: try Self.xid(r["xact"].decode(String.self)), eventId: try r["event_id"].decode(Int64.self))
            events.append(try Self.decode(row, stream, cursor))
        }
        // Committed events not yet safe wait behind a running transaction.
        guard events.count < limit, tenantId == nil else { return (events, false) }
        let after = events.last?.cursor ?? cursor
        let waiting = try await connection.rows("""
            SELECT EXISTS (SELECT 1 FROM \(unescaped: stream.rawValue)
                WHERE (xact_id, event_id) > (\(String(after.xact))::xid8, \(after.eventId))
                  AND xact_id >= pg_snapshot_xmin(pg_current_snapshot()))
            """)
        return (events, try waiting.first?.decode(Bool.self) ?? false)
    }

    static func decode(_ row: Row, _ stream: FeedStream, _ cursor: FeedCursor) throws -> FeedEvent {
        let r = row
        let tenantId = try r["tenant_id"].decode(String.self)
        switch stream {
        case .orders:
            let portfolioId = try r["portfolio_id"].decode(String.self)
            return FeedEvent(tenantId: tenantId, cursor: cursor, portfolioIds: [portfolioId],
                             body: .order(try OrderStore.decodeEvent(row, decodingPayload: false), portfolioId: portfolioId),
                             payloadJSON: try row["payload"].decode(String.self))
        case .compliance:
            let type = try r["event_type"].decode(String.self)
            let portfolios = try r["portfolio_ids"].decode([String].self)
            let event = ComplianceEvent(
                eventId: cursor.eventId, eventType: ComplianceEvent.EventType(rawValue: type) ?? .breach,
                severity: try r["severity"].decode(String?.self).flatMap(Severity.init(rawValue:)),
                portfolioIds: portfolios, ruleId: try r["rule_id"].decode(String?.self),
                orderId: try r["order_id"].decode(String?.self), detailsJSON: try r["details"].decode(String.self),
                occurredAt: try r["occurred_at"].decode(Date.self), recordedAt: try r["recorded_at"].decode(Date.self))
            return FeedEvent(tenantId: tenantId, cursor: cursor, portfolioIds: portfolios, body: .compliance(event))
        }
    }

    static func xid(_ text: String?) throws -> UInt64 {
        guard let text, let value = UInt64(text) else { throw OMSError(.internalError, "unreadable transaction id") }
        return value
    }
}
