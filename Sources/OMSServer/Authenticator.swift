import Logging
import OMSCore
import OMSStore
import Synchronization

/// Answers `session.authenticate`: the address throttle, the key lookup, and
/// the session's new credential. One per server, shared by its connections,
/// so failures from one address count across all of them.
public final class Authenticator: Sendable {
    let services: Services
    /// Failed authentications per client address.
    private let throttle: Mutex<AuthenticationThrottle>
    /// The time the throttle sees; tests pass a clock they move by hand.
    private let now: @Sendable () -> ContinuousClock.Instant

    init(services: Services, limit: AuthenticationThrottle.Limit,
         now: @escaping @Sendable () -> ContinuousClock.Instant) {
        self.services = services
        self.throttle = Mutex(AuthenticationThrottle(limit: limit))
        self.now = now
    }

    /// Authenticates `session` with `apiKey`, or refuses: RATE_LIMITED while
    /// the address is throttled (the key is not even looked up), otherwise
    /// UNAUTHENTICATED for a key that is unknown, revoked or whose principal
    /// is disabled.
    func authenticate(apiKey: String, session: Session, logger: Logger) async throws -> JSON {
        let address = session.remoteAddress ?? "unknown"
        if case .refuse(let retryAfter) = throttle.withLock({ $0.attempt(from: address, at: now()) }) {
            let seconds = max(1, retryAfter.components.seconds + (retryAfter.components.attoseconds > 0 ? 1 : 0))
            throw OMSError(.rateLimited, "too many failed authentications from this address; retry in \(seconds) s",
                           details: ["retry_after_seconds": "\(seconds)"])
        }
        let credential: Credential, readAt = ContinuousClock.now
        do {
            credential = try await services.keys.credential(apiKey: apiKey)
        } catch let error as OMSError where error.code == .unauthenticated {
            // Only the address and the count are logged: never the key, nor any part of it.
            let (outcome, limit) = throttle.withLock { ($0.failed(from: address, at: now()), $0.limit) }
            if case .engaged(let failures) = outcome {
                logger.warning("authentication failures from one address reached the limit; refusing its attempts", metadata: [
                    "address": "\(address)", "failures": "\(failures)", "window_seconds": "\(limit.window.components.seconds)",
                ])
            }
            throw error
        }
        services.keyStatus.authenticated(credential, readAt: readAt)
        session.authenticate(as: credential)
        let principal = credential.principal
        logger.info("authenticated", metadata: ["principal": "\(principal.tenantId)/\(principal.principalId)"])
        return .object([
            "tenant_id": .string(principal.tenantId), "principal_id": .string(principal.principalId),
            "role": .string(principal.role.rawValue),
            "portfolio_ids": principal.portfolioIds.map { .array($0.map(JSON.string)) } ?? .null,
        ])
    }
}
