import Foundation
import OMSCore
import OMSStore
import OMSTesting
import Testing

@Suite("Lifecycle against PostgreSQL")
struct LifecycleStoreTests {
    @Test("an order travels from CREATED to RECONCILED, one event per command, and replays to its row")
    func fullLifecycle() async throws {
        try await TestDatabase.with { db in
            let created = try await db.orders.createOrder(limitOrder(), actor: pm)
            #expect(created.state == .created)
            let id = created.orderId
            try await db.run(.requestPreTradeCompliance, id, as: pm)
            try await db.run(.passPreTradeCompliance, id, as: compliance)
            try await db.run(.sendToTrader, id, as: pm)
            let placement = try await db.orders.createPlacement(orderId: id, venue: "XNYS", quantity: 1000, actor: trader)
            let partial = try await db.orders.recordFill(orderId: id, execId: "EX-1", quantity: 750, price: 150,
                                                        placementId: placement.placementId, actor: trader)
            #expect(partial.state == .partiallyFilled)
            let closed = try await db.orders.closeOrder(id, actor: trader)
            #expect(closed.executedQuantity == 750)
            #expect(closed.unfilledQuantity == 250)
            try await db.run(.sendToOperations, id, as: trader)
            try await db.run(.requestPostTradeCompliance, id, as: ops)
            let passed = try await db.run(.passPostTradeCompliance, id, as: compliance)
            let unallocated = await #expect(throws: OMSError.self) {
                try await db.orders.transition(.confirmOrder, orderId: id, actor: ops)
            }
            #expect(unallocated?.code == .allocationIncomplete)
            #expect(try await db.orders.getOrder(id, actor: pm) == passed)
            _ = try await db.allocations.create(orderId: id, accountId: "ACCT-001", portfolioId: "PORT-001",
                                                quantity: 750, actor: ops)
            try await db.run(.confirmOrder, id, as: ops)
            try await db.run(.settleOrder, id, as: ops)
            let done = try await db.run(.reconcileOrder, id, as: ops)
            #expect(done.state == .reconciled)

            let history = try await db.orders.history(id, actor: pm)
            #expect(history.map(\.sequence) == Array(1...history.count))
            #expect(done.version == history.count)
            #expect(history.last?.toState == .reconciled)
            #expect(history.first?.fromState == nil)
            for (previous, next) in zip(history, history.dropFirst()) {
                #expect(next.fromState == previous.toState)
            }
            let row = try await db.orders.getOrder(id, actor: pm)
            #expect(try OrderReplay.replay(history) == row)
        }
    }

    @Test("every row of the lifecycle table moves a real order where the table says",
          arguments: Lifecycle.rules.indices)
    func everyRow(index: Int) async throws {
        let rule = Lifecycle.rules[index]
        try await TestDatabase.with { db in
            for state in rule.from.sorted(by: { $0.rawValue < $1.rawValue }) {
                for role in rule.roles {
                    let before = try await db.order(in: state)
                    let actor = TestDatabase.principal(role)
                    let after = try await db.run(rule.command, before.orderId, as: actor)
                    switch rule.target {
                    case .state(let to): #expect(after.state == to, "\(rule.command) from \(state)")
                    case .unchanged: #expect(after.state == state)
                    case .byFill: #expect([.partiallyFilled, .filled].contains(after.state))
                    }
                    #expect(after.version == before.version + 1)
                    #expect(try await db.eventCount(before.orderId) == after.version)
                    if let refused = Role.allCases.first(where: { !rule.roles.contains($0) && $0 != .admin }) {
                        let again = try await db.order(in: state)
                        await #expect(throws: OMSError.self) {
                            try await db.run(rule.command, again.orderId, as: TestDatabase.principal(refused))
                        }
                        #expect(try await db.orders.getOrder(again.orderId, actor: admin) == again)
                    }
                }
            }
        }
    }

    @Test("a refused command changes nothing and names the current state")
    func refusalChangesNothing() async throws {
        try await TestDatabase.with { db in
            let order = try await db.order(in: .created)
            let error = await #expect(throws: OMSError.self) {
                try await db.orders.transition(.sendToTrader, orderId: order.orderId, actor: pm)
            }
            #expect(error?.code == .invalidState)
            #expect(error?.details["state"] == "CREATED")
            #expect(try await db.orders.getOrder(order.orderId, actor: pm) == order)
            #expect(try await db.eventCount(order.orderId) == 1)

            let missing = await #expect(throws: OMSError.self) {
                try await db.orders.transition(.requestPreTradeCompliance, orderId: "ORD-nope", actor: pm)
            }
            #expect(missing?.code == .orderNotFound)
        }
    }

    @Test("terminal orders absorb every later command and record nothing")
    func terminalAbsorbs() async throws {
        try await TestDatabase.with { db in
            for state in [OrderState.canceled, .rejected, .reconciled] {
                let order = try await db.order(in: state)
                for command in OrderCommand.transitions {
                    for role in Role.allCases {
                        let error = await #expect(throws: OMSError.self) {
                            try await db.run(command, order.orderId, as: TestDatabase.principal(role))
                        }
                        #expect(error?.code == .invalidState, "\(command) by \(role) on \(state)")
                    }
                }
                await #expect(throws: OMSError.self) {
                    try await db.orders.updateOrder(order.orderId, changes: OrderChanges(counterpartyId: .set("X")), actor: pm)
                }
                #expect(try await db.orders.getOrder(order.orderId, actor: admin) == order)
            }
        }
    }

    @Test("cancel authority: PM before trading, Trader while unfilled, Ops never")
    func cancelAuthority() async throws {
        try await TestDatabase.with { db in
            let cases: [(OrderState, Principal, OMSError.Code?)] = [
                (.created, pm, nil), (.preTradeComplianceFailed, pm, nil), (.sentToTrader, pm, .cancelNotAuthorized),
                (.sentToTrader, trader, nil), (.routed, trader, nil), (.partiallyFilled, trader, .cancelNotAuthorized),
                (.created, trader, .cancelNotAuthorized), (.created, ops, .cancelNotAuthorized),
                (.routed, ops, .cancelNotAuthorized), (.closed, trader, .cancelNotAuthorized),
            ]
            for (state, actor, code) in cases {
                let order = try await db.order(in: state)
                do {
                    let canceled = try await db.orders.transition(
                        .cancelOrder, orderId: order.orderId, actor: actor, details: .init(reason: "no longer needed"))
                    #expect(code == nil, "\(actor.role) canceled in \(state)")
                    #expect(canceled.order.state == .canceled)
                    #expect(canceled.order.cancelReason == "no longer needed")
                } catch let error as OMSError {
                    #expect(error.code == code, "\(actor.role) in \(state)")
                    #expect(try await db.orders.getOrder(order.orderId, actor: admin) == order)
                }
            }
        }
    }

    @Test("economic fields lock once pre-trade compliance passes; booking fields stay open")
    func fieldLocking() async throws {
        try await TestDatabase.with { db in
            let created = try await db.order(in: .created)
            let repriced = try await db.orders.updateOrder(
                created.orderId, changes: OrderChanges(limitPrice: .set(151)), actor: pm)
            #expect(repriced.limitPrice == 151)

            let failed = try await db.order(in: .preTradeComplianceFailed)
            let reopened = try await db.orders.updateOrder(
                failed.orderId, changes: OrderChanges(orderedQuantity: 500), actor: pm)
            #expect(reopened.state == .created)
            #expect(reopened.orderedQuantity == 500)

            let passed = try await db.order(in: .preTradeCompliancePassed)
            let locked = await #expect(throws: OMSError.self) {
                try await db.orders.updateOrder(passed.orderId, changes: OrderChanges(limitPrice: .set(151)), actor: pm)
            }
            #expect(locked?.code == .fieldLocked)
            #expect(try await db.orders.getOrder(passed.orderId, actor: pm) == passed)

            let routed = try await db.order(in: .routed)
            let booked = try await db.orders.updateOrder(
                routed.orderId, changes: OrderChanges(counterpartyId: .set("CP-9"), metadata: .set(["note": .string("x")])),
                actor: trader)
            #expect(booked.counterpartyId == "CP-9")
            #expect(booked.metadata?["note"] == .string("x"))
            #expect(try OrderReplay.replay(try await db.orders.history(routed.orderId, actor: pm)) == booked)
        }
    }

    @Test("compliance verdicts are recorded with violations, reason and approver")
    func complianceResults() async throws {
        try await TestDatabase.with { db in
            let failed = try await db.order(in: .preTradeComplianceFailed)
            let override = try await db.orders.transition(
                .overridePreTradeCompliance, orderId: failed.orderId, actor: compliance,
                details: .init(reason: "CIO approved exception", approverId: "USER-0042"))
            #expect(override.order.state == .preTradeCompliancePassed)
            let overrideId = try #require(override.complianceResultId)
            let rows = try await db.owner.query("""
                SELECT verdict, reason, approver_id, jsonb_array_length(violations) FROM compliance_results
                WHERE tenant_id = 't1' AND order_id = \(failed.orderId) ORDER BY decided_at, result_id
                """)
            let verdicts = try rows.map { try $0.decode((String, String?, String?, Int).self) }
            #expect(verdicts.map(\.0) == ["PASSED", "FAILED", "OVERRIDDEN"].suffix(2).map { $0 })
            #expect(verdicts.last?.1 == "CIO approved exception")
            #expect(verdicts.last?.2 == "USER-0042")
            #expect(verdicts.first?.3 == 1)
            #expect(overrideId.hasPrefix("OVR-"))

            let missingApprover = await #expect(throws: OMSError.self) {
                try await db.orders.transition(.overridePreTradeCompliance, orderId: failed.orderId, actor: compliance,
                                               details: .init(reason: "x"))
            }
            #expect(missingApprover?.code == .invalidArgument)
        }
    }
}
