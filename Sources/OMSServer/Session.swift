import NIOConcurrencyHelpers
import OMSCore
import OMSProtocol
import OMSStore

/// One connection's session: who it authenticated as, its subscriptions,
/// and how to send it a notification. Requests of a connection run
/// concurrently, so the state sits behind locks.
public final class Session: Sendable {
    /// Writes one line (a notification) to the connection.
    public typealias Notify = @Sendable ([UInt8]) async throws -> Void

    private struct Feeds {
        var subscriptions: [String: (hub: EventHub, id: Int)] = [:]
        /// Work to start once the answer to a request id has been written.
        var afterAnswer: [String: [@Sendable () -> Void]] = [:]
        var closed = false
    }

    private let state = NIOLockedValueBox<Principal?>(nil)
    private let feeds = NIOLockedValueBox(Feeds())
    public let connectionId: Int
    let notify: Notify

    public init(connectionId: Int, notify: @escaping Notify = { _ in }) {
        self.connectionId = connectionId
        self.notify = notify
    }

    /// The principal, once `session.authenticate` succeeded.
    public var principal: Principal? { state.withLockedValue { $0 } }

    func authenticate(as principal: Principal) {
        state.withLockedValue { $0 = principal }
    }

    /// Records a subscription; false once the connection is closing.
    func add(subscription name: String, hub: EventHub, id: Int) -> Bool {
        feeds.withLockedValue { feeds in
            guard !feeds.closed else { return false }
            feeds.subscriptions[name] = (hub, id)
            return true
        }
    }

    /// Forgets a subscription, returning it if it was this session's.
    func remove(subscription name: String) -> (hub: EventHub, id: Int)? {
        feeds.withLockedValue { $0.subscriptions.removeValue(forKey: name) }
    }

    /// How a request id keys `afterAnswer`.
    static func key(_ id: RPCID) -> String { id.json.serializedString }

    /// Runs `action` right after the answer to `requestId` is written (at once
    /// for a notification), so a subscription's events follow its answer.
    func afterAnswer(to requestId: String?, _ action: @escaping @Sendable () -> Void) {
        guard let requestId else { return action() }
        feeds.withLockedValue { $0.afterAnswer[requestId, default: []].append(action) }
    }

    func answered(_ requestId: String) {
        let actions = feeds.withLockedValue { $0.afterAnswer.removeValue(forKey: requestId) } ?? []
        for action in actions { action() }
    }

    /// Ends every subscription of the connection.
    func close() async {
        let open = feeds.withLockedValue { feeds in
            feeds.closed = true
            defer { feeds.subscriptions = [:]; feeds.afterAnswer = [:] }
            return Array(feeds.subscriptions.values)
        }
        for (hub, id) in open { await hub.end(id, .unsubscribed) }
    }
}
