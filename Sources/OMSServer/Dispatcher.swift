import Foundation
import Logging
import OMSCore
import OMSProtocol
import OMSStore

/// Routes one request: catalogue lookup, authentication, parameter checks,
/// idempotency, the handler, and every failure mapped to a JSON-RPC error.
public final class Dispatcher: Sendable {
    /// The methods routed to; a name not in it is METHOD_NOT_FOUND.
    public let catalogue: Catalogue
    /// The stores handlers work through, shared by every connection.
    public let services: Services
    /// Base logger; each request adds its `request_id` as connection:id.
    public let logger: Logger
    /// Where requests, errors and latencies are counted.
    public let metrics: ServerMetrics
    /// Answers `session.authenticate` for every connection (one throttle).
    let authenticator: Authenticator

    /// `now` is the time the authentication throttle sees; tests pass a
    /// clock they move by hand.
    public init(catalogue: Catalogue = .standard, services: Services, logger: Logger,
                metrics: ServerMetrics = ServerMetrics(),
                authenticationLimit: AuthenticationThrottle.Limit = AuthenticationThrottle.Limit(),
                now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.catalogue = catalogue
        self.services = services
        self.logger = logger
        self.metrics = metrics
        self.authenticator = Authenticator(services: services, limit: authenticationLimit, now: now)
    }

    /// Answers one request (the caller drops the answer of a notification),
    /// counted in the metrics with its outcome and latency.
    public func handle(_ request: RPCRequest, session: Session) async -> Result<JSON, RPCError> {
        metrics.inFlight.increment()
        let clock = ContinuousClock(), started = clock.now
        let result = await dispatch(request, session: session)
        metrics.inFlight.decrement()
        switch result {
        case .success: metrics.record(method: request.method, error: nil, duration: clock.now - started)
        case .failure(let error): metrics.record(method: request.method, error: error, duration: clock.now - started)
        }
        return result
    }

    private func dispatch(_ request: RPCRequest, session: Session) async -> Result<JSON, RPCError> {
        var logger = self.logger
        logger[metadataKey: "request_id"] = "\(session.connectionId):\(request.id.map { "\($0.json.serializedString)" } ?? "-")"
        logger[metadataKey: "method"] = "\(request.method)"
        guard let spec = catalogue.methods[request.method] else {
            return .failure(.methodNotFound(request.method))
        }
        do {
            // Authentication comes first: a caller without a live session learns nothing, not even
            // what a method's params are. Only the open methods run without a principal.
            let handler: MethodSpec.Handler
            switch spec.access {
            case .open(let open):
                let context = OpenContext(session: session, catalogue: catalogue, authenticator: authenticator,
                                          logger: logger)
                return .success(try await open(Params(request.params, specs: spec.params), context))
            case .authenticated(let authenticated):
                handler = authenticated
            }
            guard let credential = session.credential else {
                throw OMSError(.unauthenticated, "call session.authenticate first")
            }
            guard try await services.keyStatus.isValid(credential) else {
                session.signOut(credential)
                logger.info("session ended: its API key was revoked or its principal disabled", metadata: [
                    "principal": "\(credential.principal.tenantId)/\(credential.principal.principalId)",
                    "key_id": "\(credential.keyId)",
                ])
                throw OMSError(.unauthenticated, "invalid or revoked API key; authenticate again")
            }
            let principal = credential.principal
            let params = try Params(request.params, specs: spec.params)
            logger[metadataKey: "principal"] = "\(principal.tenantId)/\(principal.principalId)"
            let context = RequestContext(services: services, principal: principal, session: session,
                                         requestId: request.id.map(Session.key), logger: logger)
            let result = try await run(spec, handler, params, request.params, context)
            if spec.mutating { services.hub?.committed() }
            logger.debug("handled")
            return .success(result)
        } catch let error as RPCError {
            return .failure(error)
        } catch let error as OMSError {
            logger.debug("refused", metadata: ["code": "\(error.code.rawValue)"])
            return .failure(RPCError(error))
        } catch where TransactionRunner.isUnavailable(error) {
            logger.warning("database unavailable", metadata: ["error": "\(String(reflecting: error))"])
            return .failure(RPCError(OMSError(
                .unavailable, "the database is unavailable; retry, with the same idempotency_key for a change")))
        } catch {
            if let refusal = ClientValueFault.omsError(from: error) {
                logger.notice("database refused a client value", metadata: ["error": "\(String(reflecting: error))"])
                return .failure(RPCError(refusal))
            }
            logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return .failure(RPCError(OMSError(.internalError, "internal error; see server log for request \(logger[metadataKey: "request_id"] ?? "")")))
        }
    }

    /// Runs the handler; with an `idempotency_key`, the key is claimed in the
    /// command's own transaction (`IdempotencyClaim`), so a retry after any
    /// failure finds it exactly when the command committed and gets the first
    /// answer instead of running the command again. The key stores a digest
    /// of the request (method and params), so only the same request gets the
    /// first answer; another one is IDEMPOTENCY_KEY_REUSED and runs nothing.
    private func run(_ spec: MethodSpec, _ handler: MethodSpec.Handler, _ params: Params, _ raw: JSON?,
                     _ context: RequestContext) async throws -> JSON {
        // The key's type and content were checked with the method's specs.
        guard spec.mutating, let key = params.values["idempotency_key"]?.stringValue else {
            return try await handler(params, context)
        }
        let store = IdempotencyStore(database: services.database)
        let tenant = context.principal.tenantId
        // Canonical params: absent and null are the same, the key itself is not part of the request.
        let canonical = JSON.object((raw?.objectValue ?? [:]).filter { $0.key != "idempotency_key" && !$0.value.isNull })
        let digest = IdempotencyStore.digest(method: spec.name, canonicalParams: canonical.serializedString)
        // A stored answer is the answer; a pending one whose call died runs on
        // below, where the committed key refuses any second write.
        let first = try await store.settledAnswer(for: key, method: spec.name, digest: digest, tenantId: tenant)
        if let first, first != IdempotencyStore.pending { return try JSONParser.parse(first) }
        let claim = IdempotencyClaim(key: key, method: spec.name, digest: digest, actor: context.principal)
        do {
            let result = try await IdempotencyClaim.$current.withValue(claim) { try await handler(params, context) }
            if claim.isCommitted {
                // Committed: this is the answer even if storing it fails (a retry then sees it pending).
                try? await store.complete(result.serializedString, for: claim)
                return result
            }
            return try JSONParser.parse(try await store.record(result.serializedString, for: key, method: spec.name,
                                                               digest: digest, actor: context.principal))
        } catch let error as OMSError where error.code == .idempotencyKeyReused {
            throw error
        } catch {
            // Another call with the key committed first (concurrently, or before a crash): its answer is the
            // answer when it was the same request; another request's key is IDEMPOTENCY_KEY_REUSED.
            let patience: Duration = error is IdempotencyKeyTaken && first == nil ? .seconds(2) : .zero
            let stored: String?
            do {
                stored = try await store.settledAnswer(for: key, method: spec.name, digest: digest, tenantId: tenant,
                                                       patience: patience)
            } catch let reused as OMSError where reused.code == .idempotencyKeyReused {
                throw reused
            } catch {
                stored = nil
            }
            guard let stored else { throw error }
            guard stored != IdempotencyStore.pending else {
                throw OMSError(.conflict, """
                    the call with idempotency_key \(key) committed, but the server handling it stopped before storing \
                    its answer; read the current state instead of retrying
                    """, details: ["idempotency_key": key, "method": spec.name, "committed": "true"])
            }
            return try JSONParser.parse(stored)
        }
    }
}
