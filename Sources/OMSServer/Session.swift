import OMSCore
import OMSProtocol
import OMSStore
import Synchronization

/// One connection's session: who it authenticated as, its subscriptions,
/// and how to send it a notification. Requests of a connection run
/// concurrently, so the state sits behind locks. Work that outlives the
/// request that starts it (a subscription's pump) runs in `runFeeds`, which
/// the connection runs for as long as it is open.
public final class Session: Sendable {
    /// Writes one line (a notification) to the connection.
    public typealias Notify = @Sendable ([UInt8]) async throws -> Void

    private struct Feeds {
        var subscriptions: [String: (hub: EventHub, id: Int)] = [:]
        /// Work to start once the answer to a request id has been written.
        var afterAnswer: [String: [@Sendable () -> Void]] = [:]
        var closed = false
    }

    private let state = Mutex<Credential?>(nil)
    private let feeds = Mutex(Feeds())
    /// Unique within this server process; names subscriptions and prefixes request ids in logs.
    public let connectionId: Int
    /// The client's IP address (no port), for per-address limits; nil when unknown.
    public let remoteAddress: String?
    let notify: Notify
    /// Pumps waiting to run in `runFeeds`.
    private let pumps: AsyncStream<@Sendable () async -> Void>
    private let pumpQueue: AsyncStream<@Sendable () async -> Void>.Continuation

    /// A session with no credential yet; `notify` writes server-initiated messages to the connection.
    public init(connectionId: Int, remoteAddress: String? = nil, notify: @escaping Notify = { _ in }) {
        self.connectionId = connectionId
        self.remoteAddress = remoteAddress
        self.notify = notify
        (pumps, pumpQueue) = AsyncStream.makeStream()
    }

    /// Runs the session's subscription pumps, each as a child task, until
    /// `close()` and the end of every pump. The connection runs this beside
    /// its requests, so no pump outlives its connection.
    func runFeeds() async {
        await withDiscardingTaskGroup { group in
            for await pump in pumps { group.addTask(operation: pump) }
        }
    }

    /// Starts a subscription's pump in `runFeeds`; dropped once the session is closed.
    func startPump(_ pump: @escaping @Sendable () async -> Void) {
        pumpQueue.yield(pump)
    }

    /// The principal, once `session.authenticate` succeeded.
    public var principal: Principal? { credential?.principal }

    /// The principal and the id of the key it authenticated with.
    public var credential: Credential? { state.withLock { $0 } }

    func authenticate(as credential: Credential) {
        state.withLock { $0 = credential }
    }

    /// Forgets the credential (its key was revoked or its principal disabled)
    /// unless the session authenticated again meanwhile.
    func signOut(_ credential: Credential) {
        state.withLock { if $0 == credential { $0 = nil } }
    }

    /// What became of a subscription offered to the session.
    enum Admission {
        case added
        /// The connection is closing.
        case closing
        /// The connection already holds `limit` subscriptions.
        case full
    }

    /// The number of subscriptions the connection holds.
    var subscriptionCount: Int { feeds.withLock { $0.subscriptions.count } }

    /// Records a subscription unless the connection is closing or already
    /// holds `limit`; checked under the lock, so concurrent subscribes cannot overshoot.
    func add(subscription name: String, hub: EventHub, id: Int, limit: Int) -> Admission {
        feeds.withLock { feeds in
            guard !feeds.closed else { return .closing }
            guard feeds.subscriptions.count < limit else { return .full }
            feeds.subscriptions[name] = (hub, id)
            return .added
        }
    }

    /// Forgets a subscription, returning it if it was this session's.
    func remove(subscription name: String) -> (hub: EventHub, id: Int)? {
        feeds.withLock { $0.subscriptions.removeValue(forKey: name) }
    }

    /// How a request id keys `afterAnswer`.
    static func key(_ id: RPCID) -> String { id.json.serializedString }

    /// Runs `action` right after the answer to `requestId` is written (at once
    /// for a notification), so a subscription's events follow its answer.
    func afterAnswer(to requestId: String?, _ action: @escaping @Sendable () -> Void) {
        guard let requestId else { return action() }
        feeds.withLock { $0.afterAnswer[requestId, default: []].append(action) }
    }

    func answered(_ requestId: String) {
        let actions = feeds.withLock { $0.afterAnswer.removeValue(forKey: requestId) } ?? []
        for action in actions { action() }
    }

    /// Ends every subscription of the connection; `runFeeds` returns once
    /// their pumps have stopped.
    func close() async {
        let open = feeds.withLock { feeds in
            feeds.closed = true
            defer { feeds.subscriptions = [:]; feeds.afterAnswer = [:] }
            return Array(feeds.subscriptions.values)
        }
        pumpQueue.finish()
        for (hub, id) in open { await hub.end(id, .unsubscribed) }
    }
}
