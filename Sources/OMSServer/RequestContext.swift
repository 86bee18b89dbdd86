import Logging
import OMSCore
import OMSStore

/// The stores a server works through; all stateless, sharing one pool.
public struct Services: Sendable {
    /// The one pool every store shares.
    public let database: Database
    /// The sidecar's event listener; nil serves no subscriptions.
    public let hub: EventHub?
    /// Events buffered per subscription before a slow subscriber is cut off.
    public var subscriptionBuffer: Int
    /// Subscriptions one connection may hold at once; one more is LIMIT_EXCEEDED.
    public var maximumSubscriptionsPerConnection: Int
    /// Largest order `metadata`, in bytes of its compact JSON; larger is INVALID_PARAMS.
    public var maximumMetadataBytes: Int
    /// Made per use: stores are stateless views of the pool.
    public var orders: OrderStore { OrderStore(database: database) }
    /// Made per use: stores are stateless views of the pool.
    public var allocations: AllocationStore { AllocationStore(database: database) }
    /// Made per use: stores are stateless views of the pool.
    public var rules: RuleStore { RuleStore(database: database) }
    /// Made per use: stores are stateless views of the pool.
    public var reference: ReferenceStore { ReferenceStore(database: database) }
    /// Made per use: stores are stateless views of the pool.
    public var keys: KeyStore { KeyStore(database: database) }
    /// Whether the keys of live sessions still grant their rights; one per
    /// sidecar, shared by every connection (revocation within a second).
    public let keyStatus: KeyStatusCache

    /// Services over `database`, each limit defaulting to `ServeConfiguration.defaults`.
    public init(database: Database, hub: EventHub? = nil, subscriptionBuffer: Int = ServeConfiguration.defaults.subscriptionBuffer,
                maximumSubscriptionsPerConnection: Int = ServeConfiguration.defaults.maximumSubscriptions,
                maximumMetadataBytes: Int = ServeConfiguration.defaults.maximumMetadataBytes) {
        self.database = database
        self.hub = hub
        self.subscriptionBuffer = subscriptionBuffer
        self.maximumSubscriptionsPerConnection = maximumSubscriptionsPerConnection
        self.maximumMetadataBytes = maximumMetadataBytes
        self.keyStatus = KeyStatusCache(keys: KeyStore(database: database))
    }
}

/// What a handler knows about the call it serves.
public struct RequestContext: Sendable {
    /// The stores the handler works through.
    public let services: Services
    /// The authenticated principal; handlers of authenticated methods always have one.
    public let principal: Principal
    /// The connection the call came on, holding its credential and subscriptions.
    public let session: Session
    /// The request's id as `Session.key` writes it; nil for a notification.
    public let requestId: String?
    /// Carries the call's `request_id` and principal, so handler logs tie to both.
    public let logger: Logger
}

/// What a method anyone may call knows: the connection and the server, and
/// no principal, since the caller may not have authenticated.
public struct OpenContext: Sendable {
    /// The connection the call came on.
    public let session: Session
    /// The catalogue the dispatcher serves (`rpc.discover` publishes it).
    public let catalogue: Catalogue
    let authenticator: Authenticator
    /// Carries the call's `request_id`, so handler logs tie to the request.
    public let logger: Logger
}
