import Foundation
import Logging
import OMSCore
import OMSPostgres

/// The built-in compliance plugin (`oms serve --evaluate-compliance`): decides
/// every order waiting in PENDING_PRE_TRADE_COMPLIANCE or
/// PENDING_POST_TRADE_COMPLIANCE against the active rules of its portfolio,
/// passing it or failing it with the violations, as principal
/// `oms-evaluator` (role Compliance).
///
/// Several sidecars may run it at once: the verdict is a guarded transition
/// out of the pending state, so exactly one verdict commits and the others are
/// refused with INVALID_STATE, which the losers ignore.
public actor ComplianceEvaluator {
    /// The principal the evaluator's verdicts are recorded as.
    public static let principalId = "oms-evaluator"
    static let pending: Set<OrderState> = [.pendingPreTradeCompliance, .pendingPostTradeCompliance]

    let database: Database
    let hub: EventHub
    let logger: Logger
    /// Verdicts this evaluator committed.
    public private(set) var decided = 0

    /// An evaluator that decides pending orders in `database` as `hub` reports them.
    public init(database: Database, hub: EventHub, logger: Logger) {
        self.database = database
        self.hub = hub
        self.logger = logger
    }

    /// Follows the order event stream of every tenant until cancelled. After
    /// (re)subscribing it sweeps the orders already pending, so an order that
    /// arrived while no evaluator ran is decided too.
    public func run() async {
        while !Task.isCancelled {
            do {
                let subscription = try await hub.subscribe(FeedFilter(stream: .orders, tenantId: nil), capacity: 100_000)
                try await sweep()
                for await event in subscription.events {
                    guard case .order(let orderEvent, _) = event.body, Self.pending.contains(orderEvent.toState) else {
                        continue
                    }
                    await decideLogged(tenantId: event.tenantId, orderId: orderEvent.orderId)
                }
                if Task.isCancelled { break }
                logger.warning("evaluator subscription ended; resubscribing",
                               metadata: ["reason": "\(subscription.end?.rawValue ?? "-")"])
            } catch {
                logger.warning("evaluator failed; retrying", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(nanoseconds: 500_000_000)
        }
    }

    /// Decides every order currently pending.
    func sweep() async throws {
        let states = Self.pending.map(\.rawValue).sorted()
        let rows = try await database.rows(.system, """
            SELECT tenant_id, order_id FROM orders WHERE state = ANY(\(states)) ORDER BY updated_at LIMIT 10000
            """)
        for row in rows {
            let (tenantId, orderId) = try row.decode((String, String).self)
            await decideLogged(tenantId: tenantId, orderId: orderId)
        }
    }

    /// Decides one order; never throws and never stops the evaluator. An
    /// order that cannot be evaluated (its snapshot cannot be read, the engine
    /// or the verdict's write throws) fails its pending gate with a HARD
    /// violation saying why, so it does not stay pending for ever and a
    /// restarted evaluator's sweep does not meet it again.
    private func decideLogged(tenantId: String, orderId: String) async {
        do {
            if try await decide(tenantId: tenantId, orderId: orderId) != nil {
                decided += 1
                hub.committed()
            }
        } catch let error as OMSError where error.code == .invalidState || error.code == .orderNotFound {
            // Another sidecar's evaluator, or a plugin, decided it first.
        } catch where (error as? OMSError)?.code == .unavailable || TransactionRunner.isUnavailable(error) {
            // The database is away: the sweep after resubscribing tries again.
            logger.warning("evaluating an order failed; will retry", metadata: ["order_id": "\(orderId)", "error": "\(error)"])
        } catch is CancellationError {
        } catch {
            logger.error("evaluating an order failed; failing it closed",
                         metadata: ["order_id": "\(orderId)", "error": "\(error)"])
            await failUnevaluable(tenantId: tenantId, orderId: orderId, because: error)
        }
    }

    /// The rule id of the violation an order that cannot be evaluated gets.
    public static let unevaluableRuleId = "evaluation"

    /// Fails a pending order that could not be evaluated, with the reason.
    private func failUnevaluable(tenantId: String, orderId: String, because error: any Error) async {
        let actor = Principal(tenantId: tenantId, principalId: Self.principalId, role: .compliance)
        let orders = OrderStore(database: database)
        let reason = (error as? OMSError)?.message ?? String(describing: error)
        let violation = Violation(
            ruleId: Self.unevaluableRuleId, ruleName: "compliance evaluation", severity: .hard,
            description: "the order could not be evaluated: \(reason.prefix(500))")
        do {
            guard let order = try await orders.order(orderId, actor: actor), Self.pending.contains(order.state) else {
                return
            }
            let command: OrderCommand = order.state == .pendingPreTradeCompliance
                ? .failPreTradeCompliance : .failPostTradeCompliance
            _ = try await orders.transition(command, orderId: orderId, actor: actor,
                                            details: .init(violations: [violation]))
            decided += 1
            hub.committed()
        } catch {
            logger.error("failing an order that could not be evaluated failed",
                         metadata: ["order_id": "\(orderId)", "error": "\(error)"])
        }
    }

    /// Evaluates one pending order and records the verdict; nil if the order
    /// is not pending. Pre-trade evaluates the order as a proposal; post-trade
    /// evaluates what it executed against the portfolio before its own fills.
    @discardableResult
    public func decide(tenantId: String, orderId: String) async throws -> OrderStore.TransitionOutcome? {
        let actor = Principal(tenantId: tenantId, principalId: Self.principalId, role: .compliance)
        let orders = OrderStore(database: database)
        guard let order = try await orders.order(orderId, actor: actor), Self.pending.contains(order.state) else {
            return nil
        }
        let preTrade = order.state == .pendingPreTradeCompliance
        let proposal = ProposedOrder(
            portfolioId: order.portfolioId, instrumentId: order.instrumentId, direction: order.direction,
            orderedQuantity: (preTrade ? order.orderedQuantity : order.executedQuantity).value,
            limitPrice: order.limitPrice?.value)
        var loaded = try await ComplianceSnapshotStore(database: database)
            .load(portfolioId: order.portfolioId, instrumentIds: [order.instrumentId], actor: actor)
        if !preTrade {
            loaded.snapshot.positions[order.instrumentId, default: 0] -= proposal.signedQuantity
        }
        let outcome = RuleEngine.evaluate(proposal, snapshot: loaded.snapshot, rules: loaded.rules)
        let command: OrderCommand = switch (preTrade, outcome.passed) {
        case (true, true): .passPreTradeCompliance
        case (true, false): .failPreTradeCompliance
        case (false, true): .passPostTradeCompliance
        case (false, false): .failPostTradeCompliance
        }
        return try await orders.transition(
            command, orderId: orderId, actor: actor,
            details: .init(violations: outcome.violations.isEmpty ? nil : outcome.violations))
    }
}
