import Logging
import OMSCore
import OMSStore

/// The stores a server works through; all stateless, sharing one pool.
public struct Services: Sendable {
    public let database: Database
    public var orders: OrderStore { OrderStore(database: database) }
    public var allocations: AllocationStore { AllocationStore(database: database) }
    public var rules: RuleStore { RuleStore(database: database) }
    public var reference: ReferenceStore { ReferenceStore(database: database) }
    public var keys: KeyStore { KeyStore(database: database) }

    public init(database: Database) {
        self.database = database
    }
}

/// What a handler knows about the call it serves.
public struct RequestContext: Sendable {
    public let services: Services
    /// The authenticated principal; handlers of authenticated methods always have one.
    public let principal: Principal
    public let session: Session
    public let logger: Logger
}
