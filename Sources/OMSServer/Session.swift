import NIOConcurrencyHelpers
import OMSCore

/// One connection's session: who it authenticated as. Requests of a
/// connection run concurrently, so the state sits behind a lock.
public final class Session: Sendable {
    private let state = NIOLockedValueBox<Principal?>(nil)
    public let connectionId: Int

    public init(connectionId: Int) {
        self.connectionId = connectionId
    }

    /// The principal, once `session.authenticate` succeeded.
    public var principal: Principal? { state.withLockedValue { $0 } }

    func authenticate(as principal: Principal) {
        state.withLockedValue { $0 = principal }
    }
}
