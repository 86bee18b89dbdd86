import Foundation
import Logging
import OMSCore
import OMSPostgres
import Synchronization

/// Which events a subscription receives.
public struct FeedFilter: Sendable {
    /// The stream (order or compliance events) to follow.
    public var stream: FeedStream
    /// nil: every tenant (the sidecar's own evaluator only).
    public var tenantId: String?
    /// Only events touching this portfolio, if set.
    public var portfolioId: String?
    /// A principal limited to some portfolios sees only events touching them.
    public var entitled: [String]?

    /// A filter over `stream` for `tenantId` (nil for every tenant), optionally narrowed.
    public init(stream: FeedStream, tenantId: String?, portfolioId: String? = nil, entitled: [String]? = nil) {
        self.stream = stream
        self.tenantId = tenantId
        self.portfolioId = portfolioId
        self.entitled = entitled
    }

    func matches(_ event: FeedEvent) -> Bool {
        if let tenantId, event.tenantId != tenantId { return false }
        if let portfolioId, !event.portfolioIds.contains(portfolioId) { return false }
        if let entitled, !event.portfolioIds.contains(where: entitled.contains) { return false }
        return true
    }
}

/// A live subscription: its events in cursor order, and why it ended.
public struct FeedSubscription: Sendable {
    /// Why a subscription's stream finished.
    public enum End: String, Sendable {
        case unsubscribed = "UNSUBSCRIBED"
        /// The subscriber fell more than its buffer behind; it resumes from its last event.
        case overflow = "OVERFLOW"
        case shutdown = "SHUTDOWN"
    }

    /// The subscription's id, to cancel it with.
    public let id: Int
    /// The matching events in cursor order; it finishes when the subscription ends.
    public let events: AsyncStream<FeedEvent>
    let endBox: EndBox

    /// Why the stream finished; nil while it runs.
    public var end: End? { endBox.value }
}

/// How a subscription ended, set once.
final class EndBox: Sendable {
    private let stored = Mutex<FeedSubscription.End?>(nil)
    var value: FeedSubscription.End? { stored.withLock { $0 } }
    func set(_ end: FeedSubscription.End) { stored.withLock { if $0 == nil { $0 = end } } }
}

/// One per sidecar: holds a dedicated connection that LISTENs for the
/// `oms_events` wake-up (sent by sidecars after their commits), reads newly committed events of both streams in
/// cursor order, and fans them out to subscriptions. Reconnects with
/// catch-up after the database restarts: the cursors live here, the events
/// in the tables.
public actor EventHub {
    /// The least time between two NOTIFYs this sidecar sends (see `serve`).
    static let notifyInterval: UInt64 = 5_000_000
    private struct Registration {
        var filter: FeedFilter
        var cursor: FeedCursor
        var attached: Bool
        let continuation: AsyncStream<FeedEvent>.Continuation
        let end: EndBox
    }

    /// The database the hub listens on; LISTEN needs a connection of its own outside the pool.
    public nonisolated let url: DatabaseURL
    private let logger: Logger
    private var connection: Connection?
    private var listener: NotificationListener?
    private var heads: [FeedStream: FeedCursor] = [:]
    private var registrations: [Int: Registration] = [:]
    private var nextId = 0
    /// Wake-ups of the fan-out and pending NOTIFYs; each connection session
    /// takes fresh streams (a cancelled AsyncStream consumer ends its stream).
    private nonisolated let wake = Signal()
    private nonisolated let commit = Signal()
    private nonisolated let recheck = Signal()
    private nonisolated let listening = Mutex(false)
    /// Subscriptions whose consumer stopped (their stream terminated); `run` ends them.
    private nonisolated let terminated: AsyncStream<Int>
    private nonisolated let terminations: AsyncStream<Int>.Continuation
    private nonisolated let metrics: StoreMetrics

    /// A hub for `url`; it listens and fans out once `run()` is called.
    public init(url: DatabaseURL, logger: Logger, metrics: StoreMetrics = StoreMetrics()) {
        self.url = url
        self.logger = logger
        self.metrics = metrics
        (terminated, terminations) = AsyncStream.makeStream()
    }

    /// Whether LISTEN is in place on a live connection right now (readiness).
    public nonisolated var isListening: Bool { listening.withLock { $0 } }

    /// Called after a transaction of this sidecar that may have appended
    /// events committed: wakes this hub at once and the other sidecars with
    /// one NOTIFY on the listen connection. Commits that arrive while a NOTIFY
    /// is in flight share the next one, so a busy sidecar sends far fewer
    /// NOTIFYs than it commits. (Sending NOTIFY inside the writing
    /// transaction serialises commits on PostgreSQL's notification lock and
    /// multiplies serialization failures; see sql/0007.) A sidecar that dies
    /// between commit and NOTIFY delays other sidecars' delivery until their
    /// 500 ms timer.
    public nonisolated func committed() {
        wake.fire()
        commit.fire()
    }

    /// Runs until cancelled: connect, LISTEN, read and fan out on every
    /// wake-up (and on a short timer while committed events wait behind a
    /// running transaction); on any connection failure, reconnect and catch up.
    public func run() async {
        await withDiscardingTaskGroup { group in
            // Subscriptions whose consumer went away end here, in the hub's own task.
            group.addTask { [terminated] in
                for await id in terminated { await self.end(id, .unsubscribed) }
            }
            await runSessions()
            group.cancelAll()
        }
    }

    /// Connects, serves and reconnects until cancelled, then ends every subscription.
    private func runSessions() async {
        var backoff: UInt64 = 100_000_000
        while !Task.isCancelled {
            do {
                // Two sessions: one that only listens (libpq reads its
                // notifications as the socket becomes readable) and one for
                // the NOTIFYs and the event reads. Losing either ends both.
                let connection = try await Connection.connect(url.listenConninfo)
                let listener: NotificationListener
                do {
                    listener = try await NotificationListener.connect(url.listenConninfo, channels: ["oms_events"])
                } catch {
                    connection.close()
                    throw error
                }
                // LISTEN is in place before anyone can subscribe through this
                // session, and the gauge says so from then on.
                self.connection = connection
                self.listener = listener
                listening.withLock { $0 = true }
                metrics.listenConnected.set(1)
                backoff = 100_000_000
                try await serve(connection, listener)
            } catch {
                // Not listening: `listening` is set only once LISTEN is in
                // place, and `serve` clears it when any of its loops ends.
                if Task.isCancelled { break }
                metrics.listenReconnects.increment()
                logger.warning("event listener lost its connection; reconnecting", metadata: ["error": "\(error)"])
            }
            connection?.close()
            listener?.close()
            connection = nil
            listener = nil
            try? await Task.sleep(nanoseconds: backoff)
            backoff = min(backoff * 2, 2_000_000_000)
        }
        for (id, registration) in registrations {
            registration.end.set(.shutdown)
            registration.continuation.finish()
            registrations[id] = nil
        }
        metrics.subscriptions.set(0)
        connection?.close()
        listener?.close()
        connection = nil
        listener = nil
    }

    /// Runs one connection session until any of its loops ends or fails.
    /// The loops are child tasks of the session: the first to end cancels
    /// the others and closes both connections, which fails whatever they
    /// wait on (libpq reports the close or the loss to every waiter), and the
    /// session returns once every loop has stopped.
    private func serve(_ connection: Connection, _ listener: NotificationListener) async throws {
        let wake = self.wake, recheck = self.recheck, metrics = self.metrics
        let wakeUps = wake.makeStream(), commits = commit.makeStream(), rechecks = recheck.makeStream()
        defer {
            wake.finish()
            commit.finish()
            recheck.finish()
        }
        try await withThrowingTaskGroup(of: Void.self) { loops in
            loops.addTask {
                for await _ in commits {
                    _ = try await connection.rows("SELECT pg_notify('oms_events', '')")
                    // At most one NOTIFY per interval: commits in between
                    // coalesce into the next (the signal buffers one). Each
                    // NOTIFY is a transaction that queues on PostgreSQL's
                    // notification lock at commit; under load this keeps it
                    // to about 200 a second per sidecar at a cost of at most
                    // this much added delay for other sidecars' subscribers.
                    try await Task.sleep(nanoseconds: EventHub.notifyInterval)
                }
            }
            loops.addTask {
                wake.fire()  // LISTEN is in place: catch up on anything committed before it
                for try await _ in listener.notifications { wake.fire() }
            }
            loops.addTask {
                // A safety net: a wake-up is never lost for longer than this.
                while true {
                    try await Task.sleep(nanoseconds: 500_000_000)
                    wake.fire()
                }
            }
            loops.addTask {
                // Committed events wait behind a running transaction (`poll`):
                // look again shortly, in case that transaction writes no event.
                for await _ in rechecks {
                    try await Task.sleep(nanoseconds: 10_000_000)
                    wake.fire()
                }
            }
            loops.addTask { [weak self] in
                for await _ in wakeUps {
                    guard let self else { return }
                    try await self.poll(connection)
                }
            }
            defer {
                // Not listening from the moment a loop ends, even while a
                // loop still waits for its query to fail (bounded by the
                // connection's TCP timeouts, `DatabaseURL.tcpDefaults`).
                self.listening.withLock { $0 = false }
                metrics.listenConnected.set(0)
                loops.cancelAll()
                connection.close()
                listener.close()
            }
            // The first loop to end, by an error or not, ends the session.
            try await loops.next()
            throw OMSError(.unavailable, "the event listener stopped")
        }
    }

    /// Reads everything newly safe in both streams and hands it out.
    private func poll(_ connection: Connection) async throws {
        let log = EventLog(connection: connection)
        var waiting = false
        for stream in FeedStream.allCases {
            // A stream nobody follows is not read at all; its head is set
            // again from the snapshot's xmin when someone subscribes.
            guard registrations.values.contains(where: { $0.filter.stream == stream }) else {
                heads[stream] = nil
                continue
            }
            while let head = heads[stream] {
                let (events, pending) = try await log.read(stream, after: head)
                waiting = waiting || pending
                guard let last = events.last else { break }
                heads[stream] = last.cursor
                for event in events { fanOut(event) }
                if pending || events.count < EventLog.batch { break }
            }
        }
        if waiting {
            // Committed events wait behind a running transaction. Its commit
            // (if it writes events) wakes us anyway; look again shortly in
            // case it writes none. Under steady load this is nearly always
            // so, which is why the delay is not shorter: each look is a query.
            recheck.fire()
        }
    }

    private func fanOut(_ event: FeedEvent) {
        for (id, registration) in registrations where registration.attached
            && registration.filter.stream == event.stream && registration.cursor < event.cursor
            && registration.filter.matches(event)
        {
            send(event, to: id, registration)
        }
    }

    private func send(_ event: FeedEvent, to id: Int, _ registration: Registration) {
        switch registration.continuation.yield(event) {
        case .enqueued:
            metrics.eventsDelivered.increment()
            registrations[id]?.cursor = event.cursor
        case .dropped, .terminated:
            metrics.eventsDropped.increment()
            end(id, .overflow)
        @unknown default:
            metrics.eventsDropped.increment()
            end(id, .overflow)
        }
    }

    /// Starts a subscription. With `afterEventId` it first delivers every
    /// event after that one (NOT_FOUND if the tenant has no such event), then
    /// continues live with no gap and no duplicate; without, it starts with
    /// events committed from now on. `capacity` bounds the events buffered for
    /// a subscriber that reads slowly; beyond it the subscription ends with
    /// `.overflow` and the client resumes from its last event.
    public func subscribe(_ filter: FeedFilter, afterEventId: Int64? = nil, capacity: Int) async throws
        -> FeedSubscription
    {
        let connection = try await ready()
        let log = EventLog(connection: connection)
        let head: FeedCursor
        if let known = heads[filter.stream] {
            head = known
        } else {
            // Nobody followed the stream: every event below the xmin is past,
            // every later one is still to come.
            head = try await log.head()
            heads[filter.stream] = head
        }
        nextId += 1
        let id = nextId
        let (events, continuation) = AsyncStream.makeStream(of: FeedEvent.self, bufferingPolicy: .bufferingOldest(capacity))
        let endBox = EndBox()
        continuation.onTermination = { [terminations] _ in terminations.yield(id) }
        let subscription = FeedSubscription(id: id, events: events, endBox: endBox)
        guard let afterEventId else {
            registrations[id] = Registration(filter: filter, cursor: head, attached: true,
                                             continuation: continuation, end: endBox)
            metrics.subscriptions.set(registrations.count)
            return subscription
        }
        guard let tenantId = filter.tenantId,
              let start = try await log.cursor(of: afterEventId, in: filter.stream, tenantId: tenantId)
        else {
            throw OMSError(.notFound, "no event \(afterEventId) in \(filter.stream.rawValue)",
                           details: ["field": "after_event_id"])
        }
        registrations[id] = Registration(filter: filter, cursor: start, attached: false, continuation: continuation,
                                         end: endBox)
        metrics.subscriptions.set(registrations.count)
        // Catch up from the tables to the hub's position; while a read is
        // out, the hub may move on, so read again until it has not.
        while let registration = registrations[id], !registration.attached {
            guard let head = heads[filter.stream] else {
                // A poll while this subscription was being set up found the
                // stream unfollowed and dropped its head: take it again.
                heads[filter.stream] = try await log.head()
                continue
            }
            if registration.cursor >= head {
                registrations[id]?.attached = true
                break
            }
            let (events, _) = try await log.read(filter.stream, after: registration.cursor, tenantId: tenantId,
                                                 through: head)
            guard registrations[id] != nil else { break }
            for event in events where filter.matches(event) { send(event, to: id, registration) }
            guard registrations[id] != nil else { break }
            // A short read reached the head; a full one continues after its last row.
            let reached = events.count < EventLog.batch ? head : events[events.count - 1].cursor
            if let current = registrations[id]?.cursor, current < reached { registrations[id]?.cursor = reached }
        }
        return subscription
    }

    /// Ends a subscription; its stream finishes after what it holds.
    public func end(_ id: Int, _ reason: FeedSubscription.End) {
        guard let registration = registrations.removeValue(forKey: id) else { return }
        metrics.subscriptions.set(registrations.count)
        registration.end.set(reason)
        registration.continuation.finish()
    }

    private func ready() async throws -> Connection {
        for _ in 0..<100 {
            if let connection { return connection }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw OMSError(.unavailable, "the event listener is not connected to the database")
    }
}

/// A coalescing wake-up: fires into the current stream, at most one pending.
final class Signal: Sendable {
    private let continuation = Mutex<AsyncStream<Void>.Continuation?>(nil)

    func fire() {
        _ = continuation.withLock { $0 }?.yield()
    }

    /// Finishes the current stream (its consumer's loop ends).
    func finish() {
        continuation.withLock { $0 }?.finish()
    }

    /// A new stream that receives the following fires; the previous one finishes.
    func makeStream() -> AsyncStream<Void> {
        let (stream, next) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let previous = continuation.withLock { current in
            defer { current = next }
            return current
        }
        previous?.finish()
        return stream
    }
}
