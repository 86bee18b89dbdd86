import Foundation
import OMSCore
import OMSStore
import OMSTesting

let pm = TestDatabase.principal(.pm)
let trader = TestDatabase.principal(.trader)
let ops = TestDatabase.principal(.ops)
let compliance = TestDatabase.principal(.compliance)
let system = TestDatabase.principal(.system)
let admin = TestDatabase.principal(.admin)

func limitOrder(_ quantity: ExactDecimal = 1000, portfolio: String = "PORT-001", clientOrderId: String? = nil) -> NewOrder {
    NewOrder(portfolioId: portfolio, instrumentId: "INS-1", direction: .buy, orderType: .limit, timeInForce: .day,
             orderedQuantity: quantity, limitPrice: ExactDecimal("150.25"), clientOrderId: clientOrderId)
}

/// Whatever a command needs besides the order id, so any command can run generically.
func details(for command: OrderCommand) -> OrderStore.TransitionDetails {
    switch command {
    case .failPreTradeCompliance, .failPostTradeCompliance:
        .init(violations: [Violation(ruleId: "R-001", ruleName: "Max Position Size", severity: .hard,
                                     description: "Would exceed 5% single-name limit")])
    case .overridePreTradeCompliance, .overridePostTradeCompliance:
        .init(reason: "CIO approved exception", approverId: "USER-0042")
    case .rejectOrder, .cancelOrder:
        .init(reason: "test")
    default:
        .init()
    }
}

extension TestDatabase {
    /// Runs any lifecycle command on an order: placements of 100, fills of 100,
    /// allocations of everything executed to ACCT-001 / PORT-001.
    @discardableResult
    func run(_ command: OrderCommand, _ orderId: String, as actor: Principal) async throws -> Order {
        switch command {
        case .createAllocation:
            let order = try await orders.getOrder(orderId, actor: admin)
            _ = try await allocations.create(orderId: orderId, accountId: "ACCT-001", portfolioId: "PORT-001",
                                             quantity: order.executedQuantity, actor: actor)
            return try await orders.getOrder(orderId, actor: admin)
        case .createPlacement:
            _ = try await orders.createPlacement(orderId: orderId, venue: "XNYS", quantity: 100, actor: actor)
            return try await orders.getOrder(orderId, actor: admin)
        case .recordFill:
            return try await orders.recordFill(orderId: orderId, execId: "E-\(UUID().uuidString)", quantity: 100,
                                               price: 150, actor: actor)
        default:
            return try await orders.transition(command, orderId: orderId, actor: actor, details: details(for: command)).order
        }
    }

    /// Creates an order of 1,000 and drives it into `state` the way users would.
    /// From CLOSED on, its executed 100 are allocated, so it can be confirmed.
    func order(in state: OrderState) async throws -> Order {
        let id = try await orders.createOrder(limitOrder(), actor: pm).orderId
        let path: [(OrderCommand, Principal)]
        let toPassed: [(OrderCommand, Principal)] = [(.requestPreTradeCompliance, pm), (.passPreTradeCompliance, compliance)]
        let toRouted = toPassed + [(.sendToTrader, pm), (.createPlacement, trader)]
        let toClosed = toRouted + [(.recordFill, trader), (.closeOrder, trader), (.createAllocation, ops)]
        let toPending = toClosed + [(.sendToOperations, trader), (.requestPostTradeCompliance, ops)]
        let toPostPassed = toPending + [(.passPostTradeCompliance, compliance)]
        switch state {
        case .created: path = []
        case .pendingPreTradeCompliance: path = [(.requestPreTradeCompliance, pm)]
        case .preTradeCompliancePassed: path = toPassed
        case .preTradeComplianceFailed: path = [(.requestPreTradeCompliance, pm), (.failPreTradeCompliance, compliance)]
        case .sentToTrader: path = toPassed + [(.sendToTrader, pm)]
        case .routed: path = toRouted
        case .partiallyFilled: path = toRouted + [(.recordFill, trader)]
        case .filled:
            path = toRouted
            for (command, actor) in path { try await run(command, id, as: actor) }
            _ = try await orders.recordFill(orderId: id, execId: "E-\(UUID().uuidString)", quantity: 1000,
                                        price: 150, actor: trader)
            return try await orders.getOrder(id, actor: admin)
        case .closed: path = toClosed
        case .sentToOperations: path = toClosed + [(.sendToOperations, trader)]
        case .pendingPostTradeCompliance: path = toPending
        case .postTradeCompliancePassed: path = toPostPassed
        case .postTradeComplianceFailed: path = toPending + [(.failPostTradeCompliance, compliance)]
        case .confirmed: path = toPostPassed + [(.confirmOrder, ops)]
        case .settled: path = toPostPassed + [(.confirmOrder, ops), (.settleOrder, ops)]
        case .reconciled: path = toPostPassed + [(.confirmOrder, ops), (.settleOrder, ops), (.reconcileOrder, ops)]
        case .canceled: path = [(.cancelOrder, pm)]
        case .rejected: path = [(.rejectOrder, system)]
        }
        for (command, actor) in path { try await run(command, id, as: actor) }
        let order = try await orders.getOrder(id, actor: admin)
        precondition(order.state == state, "fixture drove \(id) to \(order.state), wanted \(state)")
        return order
    }

    /// Number of events recorded for an order.
    func eventCount(_ orderId: String) async throws -> Int {
        try await orders.history(orderId, actor: admin).count
    }
}
