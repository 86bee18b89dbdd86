import OMSCore
import OMSProtocol
import OMSStore

extension Catalogue {
    static let subscriptionMethods: [MethodSpec] = [
        MethodSpec(
            "oms.subscribe_compliance",
            "Stream compliance events as `oms.compliance_event` notifications {subscription_id, event}.",
            params: SubscribeParams.self, result: "{subscription_id}", mutating: false
        ) { p, ctx in try await subscribe(.compliance, p, ctx) },
        MethodSpec(
            "oms.subscribe_orders", "Stream order events as `oms.order_event` notifications {subscription_id, event}.",
            params: SubscribeParams.self, result: "{subscription_id}", mutating: false
        ) { p, ctx in try await subscribe(.orders, p, ctx) },
        MethodSpec(
            "oms.unsubscribe", "End one of this connection's subscriptions.",
            params: UnsubscribeParams.self, result: "{ok: true}", mutating: false
        ) { p, ctx in
            let name = p.subscriptionId
            guard let (hub, id) = ctx.session.remove(subscription: name) else {
                throw OMSError(.notFound, "no subscription \(name) on this connection",
                               details: ["field": "subscription_id"])
            }
            await hub.end(id, .unsubscribed)
            return .object(["ok": .bool(true)])
        },
    ]

    static func subscribe(_ stream: FeedStream, _ p: SubscribeParams, _ ctx: RequestContext) async throws -> JSON {
        guard let hub = ctx.services.hub else {
            throw OMSError(.unavailable, "this server runs without an event listener")
        }
        let principal = ctx.principal
        let portfolioId = p.portfolioId
        if let portfolioId, !principal.isEntitled(to: portfolioId) {
            throw OMSError(.permissionDenied, "not entitled to portfolio \(portfolioId)")
        }
        let limit = ctx.services.maximumSubscriptionsPerConnection
        // Checked again under the session's lock below; this early check only
        // spares the hub a subscription that would be refused.
        guard ctx.session.subscriptionCount < limit else { throw tooManySubscriptions(limit) }
        let filter = FeedFilter(stream: stream, tenantId: principal.tenantId, portfolioId: portfolioId,
                                entitled: principal.portfolioIds)
        let subscription = try await hub.subscribe(filter, afterEventId: p.afterEventId,
                                                   capacity: ctx.services.subscriptionBuffer)
        let name = "SUB-\(ctx.session.connectionId)-\(subscription.id)"
        let session = ctx.session
        switch session.add(subscription: name, hub: hub, id: subscription.id, limit: limit) {
        case .added: break
        case .closing:
            await hub.end(subscription.id, .unsubscribed)
            throw OMSError(.unavailable, "the connection is closing")
        case .full:
            await hub.end(subscription.id, .unsubscribed)
            throw tooManySubscriptions(limit)
        }
        let rights = Rights(credential: session.credential, keyStatus: ctx.services.keyStatus)
        session.afterAnswer(to: ctx.requestId) {
            session.startPump { await pump(subscription, name: name, stream: stream, hub: hub, session: session, rights: rights) }
        }
        return .object(["subscription_id": .string(name)])
    }

    static func tooManySubscriptions(_ limit: Int) -> OMSError {
        OMSError(.limitExceeded, "this connection already holds \(limit) subscriptions; unsubscribe one first",
                 details: ["limit": "max_subscriptions", "maximum": "\(limit)"])
    }

    /// The credential a subscription was opened with, re-checked before each
    /// event: a feed stops with its session's rights (revoked key, disabled
    /// principal), within `KeyStatusCache.maximumAge` of the revocation.
    struct Rights: Sendable {
        let credential: Credential?
        let keyStatus: KeyStatusCache

        /// False once the session signed out or the key lost its rights. A
        /// failed read (this sidecar cannot reach the database) keeps the feed
        /// rather than cutting every subscriber off on a blip; the next event
        /// reads again, so a revocation is applied once the database answers.
        func hold(in session: Session) async -> Bool {
            guard let credential, session.credential == credential else { return false }
            return (try? await keyStatus.isValid(credential)) ?? true
        }
    }

    /// Writes a subscription's events to its connection until it ends; an
    /// end other than unsubscribing is announced with `oms.subscription_ended`
    /// {subscription_id, reason, last_event_id} so the client can resume (or,
    /// for UNAUTHENTICATED, authenticate again first).
    static func pump(_ subscription: FeedSubscription, name: String, stream: FeedStream, hub: EventHub,
                     session: Session, rights: Rights) async {
        let method = stream == .orders ? "oms.order_event" : "oms.compliance_event"
        var last: Int64?
        for await event in subscription.events {
            if subscription.end == .unsubscribed { return }
            guard await rights.hold(in: session) else {
                await hub.end(subscription.id, .unsubscribed)
                _ = session.remove(subscription: name)
                try? await session.notify(ended(name, reason: "UNAUTHENTICATED", last: last))
                return
            }
            let line = RPCCodec.encodeNotification(
                method: method, params: .object(["subscription_id": .string(name), "event": Wire.feedEvent(event)]))
            do {
                try await session.notify(line)
            } catch {
                await hub.end(subscription.id, .unsubscribed)
                return
            }
            last = event.eventId
        }
        _ = session.remove(subscription: name)
        guard let end = subscription.end, end != .unsubscribed else { return }
        try? await session.notify(ended(name, reason: end.rawValue, last: last))
    }

    /// `oms.subscription_ended {subscription_id, reason, last_event_id}`.
    static func ended(_ name: String, reason: String, last: Int64?) -> [UInt8] {
        RPCCodec.encodeNotification(method: "oms.subscription_ended", params: .object([
            "subscription_id": .string(name), "reason": .string(reason),
            "last_event_id": last.map { .int(Int($0)) } ?? .null,
        ]))
    }
}

/// `oms.subscribe_orders`, `oms.subscribe_compliance`.
struct SubscribeParams: MethodParams {
    var portfolioId: String?
    var afterEventId: Int64?

    static let specs: [ParamSpec] = [
        .optional("portfolio_id", .identifier, "only events concerning this portfolio"),
        .optional("after_event_id", .integer, "resume: every event committed after this one, exactly once and in order"),
    ]
}

/// `oms.unsubscribe`.
struct UnsubscribeParams: MethodParams {
    var subscriptionId: String
    static let specs = [ParamSpec("subscription_id", .identifier)]
}
