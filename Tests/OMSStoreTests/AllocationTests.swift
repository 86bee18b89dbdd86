import Foundation
import OMSCore
import OMSStore
import OMSTesting
import OMSPostgres
import Testing

@Suite("Allocations against PostgreSQL")
struct AllocationTests {
    @Test("Ops and Trader allocate executed quantity; each allocation is an event and the order still replays")
    func allocateAndRecord() async throws {
        try await TestDatabase.with { db in
            let order = try await db.order(in: .partiallyFilled)  // 100 of 1000, PORT-001
            let first = try await db.allocations.create(orderId: order.orderId, accountId: "ACCT-001",
                                                        portfolioId: "PORT-001", quantity: 60, actor: ops)
            #expect(first.allocationId.hasPrefix("ALC-"))
            #expect(first.quantity == 60 && first.version == 1 && first.createdBy == "ops")
            let second = try await db.allocations.create(orderId: order.orderId, accountId: "ACCT-001",
                                                         portfolioId: "PORT-001", quantity: 40, actor: trader)
            #expect(try await db.allocations.get(first.allocationId, actor: pm) == first)
            #expect(try await db.allocations.list(orderId: order.orderId, actor: compliance) == [first, second])

            let after = try await db.orders.getOrder(order.orderId, actor: pm)
            #expect(after.version == order.version + 2)
            #expect(after.state == order.state && after.executedQuantity == order.executedQuantity)
            let history = try await db.orders.history(order.orderId, actor: pm)
            let recorded = history.suffix(2)
            #expect(recorded.map(\.command) == [.createAllocation, .createAllocation])
            #expect(recorded.allSatisfy { $0.fromState == .partiallyFilled && $0.toState == .partiallyFilled })
            #expect(recorded.map { $0.payload.allocation.map(Recorded.init) } == [Recorded(first), Recorded(second)])
            #expect(recorded.map(\.actorRole) == [.ops, .trader])
            #expect(history.map(\.sequence) == Array(1...history.count))
            #expect(try OrderReplay.replay(history) == after)
        }
    }

    @Test("allocations open with the first fill and close at CONFIRMED; terminal orders refuse them")
    func openStates() async throws {
        try await TestDatabase.with { db in
            for state in [OrderState.created, .sentToTrader, .routed, .confirmed, .settled, .reconciled, .canceled,
                          .rejected] {
                let order = try await db.order(in: state)
                let stored = try await db.allocations.list(orderId: order.orderId, actor: admin)
                let error = await #expect(throws: OMSError.self) {
                    try await db.allocations.create(orderId: order.orderId, accountId: "ACCT-001", portfolioId: "PORT-001",
                                                    quantity: 1, actor: ops)
                }
                #expect(error?.code == .invalidState, "\(state)")
                #expect(error?.details["state"] == state.rawValue)
                if let allocation = stored.first {
                    let update = await #expect(throws: OMSError.self) {
                        try await db.allocations.update(allocation.allocationId, quantity: 50, actor: ops)
                    }
                    #expect(update?.code == .invalidState, "\(state)")
                }
                #expect(try await db.orders.getOrder(order.orderId, actor: admin) == order)
                #expect(try await db.allocations.list(orderId: order.orderId, actor: admin) == stored)
            }
            for state in AllocationRules.openStates.sorted(by: { $0.rawValue < $1.rawValue }) {
                let order = try await db.order(in: state)
                let allocated = try await db.allocations.list(orderId: order.orderId, actor: admin)
                    .reduce(Decimal(0)) { $0 + $1.quantity.value }
                if allocated < order.executedQuantity.value {
                    _ = try await db.allocations.create(orderId: order.orderId, accountId: "ACCT-001",
                                                        portfolioId: "PORT-001", quantity: 1, actor: trader)
                } else {
                    let existing = try #require(try await db.allocations.list(orderId: order.orderId, actor: admin).first)
                    _ = try await db.allocations.update(existing.allocationId, quantity: 1, actor: trader)
                }
            }
        }
    }

    @Test("only Ops and Trader allocate; every role reads")
    func roles() async throws {
        try await TestDatabase.with { db in
            let order = try await db.order(in: .filled)
            let allocation = try await db.allocations.create(orderId: order.orderId, accountId: "ACCT-001",
                                                             portfolioId: "PORT-001", quantity: 10, actor: ops)
            let before = try await db.orders.getOrder(order.orderId, actor: admin)
            for role in [Role.pm, .compliance, .system, .admin] {
                let actor = TestDatabase.principal(role)
                let create = await #expect(throws: OMSError.self) {
                    try await db.allocations.create(orderId: order.orderId, accountId: "ACCT-001", portfolioId: "PORT-001",
                                                    quantity: 1, actor: actor)
                }
                #expect(create?.code == .permissionDenied, "\(role)")
                let update = await #expect(throws: OMSError.self) {
                    try await db.allocations.update(allocation.allocationId, quantity: 2, actor: actor)
                }
                #expect(update?.code == .permissionDenied, "\(role)")
                #expect(try await db.allocations.get(allocation.allocationId, actor: actor) == allocation)
                #expect(try await db.allocations.list(orderId: order.orderId, actor: actor) == [allocation])
            }
            #expect(try await db.orders.getOrder(order.orderId, actor: admin) == before)
        }
    }

    @Test("the account must belong to the portfolio, and the portfolio must be the order's")
    func accountAndPortfolio() async throws {
        try await TestDatabase.with { db in
            let order = try await db.order(in: .partiallyFilled)  // PORT-001
            let cases: [(String, String, OMSError.Code, String)] = [
                ("ACCT-002", "PORT-001", .invalidAccount, "ACCT-002"),
                ("ACCT-404", "PORT-001", .invalidAccount, "ACCT-404"),
                ("ACCT-002", "PORT-002", .invalidPortfolio, "PORT-002"),
                ("ACCT-001", "PORT-404", .invalidPortfolio, "PORT-404"),
            ]
            for (account, portfolio, code, named) in cases {
                let error = await #expect(throws: OMSError.self) {
                    try await db.allocations.create(orderId: order.orderId, accountId: account, portfolioId: portfolio,
                                                    quantity: 10, actor: ops)
                }
                #expect(error?.code == code, "\(account) in \(portfolio)")
                #expect(error?.message.contains(named) == true, "\(error?.message ?? "")")
            }
            for quantity in [ExactDecimal(0), -5] {
                let error = await #expect(throws: OMSError.self) {
                    try await db.allocations.create(orderId: order.orderId, accountId: "ACCT-001", portfolioId: "PORT-001",
                                                    quantity: quantity, actor: ops)
                }
                #expect(error?.code == .invalidArgument)
                #expect(error?.details["field"] == "quantity")
            }
            #expect(try await db.orders.getOrder(order.orderId, actor: admin) == order)
            #expect(try await db.allocations.list(orderId: order.orderId, actor: admin).isEmpty)
        }
    }

    @Test("an order's allocations never sum beyond its executed quantity")
    func overAllocation() async throws {
        try await TestDatabase.with { db in
            let order = try await db.order(in: .partiallyFilled)  // executed 100
            _ = try await db.allocations.create(orderId: order.orderId, accountId: "ACCT-001", portfolioId: "PORT-001",
                                                quantity: 70, actor: ops)
            let over = await #expect(throws: OMSError.self) {
                try await db.allocations.create(orderId: order.orderId, accountId: "ACCT-001", portfolioId: "PORT-001",
                                                quantity: 31, actor: ops)
            }
            #expect(over?.code == .overAllocation)
            #expect(over?.details["executed_quantity"] == "100")
            #expect(over?.details["allocated_quantity"] == "70")
            _ = try await db.allocations.create(orderId: order.orderId, accountId: "ACCT-001", portfolioId: "PORT-001",
                                                quantity: ExactDecimal("29.5")!, actor: ops)
            let before = try await db.orders.getOrder(order.orderId, actor: admin)
            let last = await #expect(throws: OMSError.self) {
                try await db.allocations.create(orderId: order.orderId, accountId: "ACCT-001", portfolioId: "PORT-001",
                                                quantity: 1, actor: trader)
            }
            #expect(last?.code == .overAllocation)
            #expect(try await db.orders.getOrder(order.orderId, actor: admin) == before)
            let stored = try await db.allocations.list(orderId: order.orderId, actor: admin)
            #expect(stored.map(\.quantity) == [70, ExactDecimal("29.5")!])
        }
    }

    @Test("an update re-checks the sum without its old quantity, and a new account against the portfolio")
    func updates() async throws {
        try await TestDatabase.with { db in
            let order = try await db.order(in: .partiallyFilled)  // executed 100
            _ = try await db.reference.createAccount(Account(accountId: "ACCT-003", portfolioId: "PORT-001"), actor: admin)
            let a = try await db.allocations.create(orderId: order.orderId, accountId: "ACCT-001", portfolioId: "PORT-001",
                                                    quantity: 60, actor: ops)
            let b = try await db.allocations.create(orderId: order.orderId, accountId: "ACCT-001", portfolioId: "PORT-001",
                                                    quantity: 40, actor: ops)
            let over = await #expect(throws: OMSError.self) {
                try await db.allocations.update(a.allocationId, quantity: 61, actor: ops)
            }
            #expect(over?.code == .overAllocation)
            #expect(over?.details["allocated_quantity"] == "40")
            let smaller = try await db.allocations.update(a.allocationId, quantity: 50, actor: ops)
            #expect(smaller.quantity == 50 && smaller.version == 2 && smaller.accountId == "ACCT-001")
            #expect(smaller.updatedAt > a.updatedAt && smaller.createdAt == a.createdAt)
            let larger = try await db.allocations.update(b.allocationId, quantity: 50, actor: trader)
            #expect(larger.quantity == 50)

            for (account, code) in [("ACCT-002", OMSError.Code.invalidAccount), ("ACCT-404", .invalidAccount)] {
                let error = await #expect(throws: OMSError.self) {
                    try await db.allocations.update(a.allocationId, accountId: account, actor: ops)
                }
                #expect(error?.code == code)
                #expect(error?.details["account_id"] == account)
            }
            let empty = await #expect(throws: OMSError.self) {
                try await db.allocations.update(a.allocationId, actor: ops)
            }
            #expect(empty?.code == .invalidArgument)
            let moved = try await db.allocations.update(a.allocationId, quantity: 45, accountId: "ACCT-003", actor: ops)
            #expect(moved.accountId == "ACCT-003" && moved.quantity == 45 && moved.portfolioId == "PORT-001")
            #expect(try await db.allocations.get(a.allocationId, actor: pm) == moved)
            #expect(try await db.allocations.list(orderId: order.orderId, actor: pm) == [moved, larger])

            let row = try await db.orders.getOrder(order.orderId, actor: pm)
            let history = try await db.orders.history(order.orderId, actor: pm)
            #expect(row.version == order.version + 5)
            #expect(history.suffix(5).map(\.command)
                == [.createAllocation, .createAllocation, .updateAllocation, .updateAllocation, .updateAllocation])
            #expect(history.last?.payload.allocation.map(Recorded.init) == Recorded(moved))
            #expect(try OrderReplay.replay(history) == row)
        }
    }

    @Test("confirm waits until allocations equal executed; after CONFIRMED they are frozen")
    func confirmGate() async throws {
        try await TestDatabase.with { db in
            let order = try await db.order(in: .postTradeCompliancePassed)  // 100 executed, 100 allocated
            let allocation = try #require(try await db.allocations.list(orderId: order.orderId, actor: ops).first)
            let partial = try await db.allocations.update(allocation.allocationId, quantity: 60, actor: ops)
            let before = try await db.orders.getOrder(order.orderId, actor: admin)
            let refused = await #expect(throws: OMSError.self) {
                try await db.orders.transition(.confirmOrder, orderId: order.orderId, actor: ops)
            }
            #expect(refused?.code == .allocationIncomplete)
            #expect(try await db.orders.getOrder(order.orderId, actor: admin) == before)
            _ = try await db.allocations.create(orderId: order.orderId, accountId: "ACCT-001", portfolioId: "PORT-001",
                                                quantity: 40, actor: ops)
            let confirmed = try await db.orders.transition(.confirmOrder, orderId: order.orderId, actor: ops).order
            #expect(confirmed.state == .confirmed)
            let frozen = await #expect(throws: OMSError.self) {
                try await db.allocations.update(partial.allocationId, quantity: 50, actor: ops)
            }
            #expect(frozen?.code == .invalidState)
            #expect(frozen?.details["state"] == "CONFIRMED")
        }
    }

    @Test("unknown orders and allocations, other tenants and unentitled portfolios are not found")
    func notFound() async throws {
        try await TestDatabase.with { db in
            let order = try await db.order(in: .partiallyFilled)  // PORT-001
            let allocation = try await db.allocations.create(orderId: order.orderId, accountId: "ACCT-001",
                                                             portfolioId: "PORT-001", quantity: 10, actor: ops)
            let outsider = TestDatabase.principal(.ops, tenant: TestDatabase.otherTenant)
            let unentitled = Principal(tenantId: TestDatabase.tenant, principalId: "ops", role: .ops,
                                       portfolioIds: ["PORT-002"])
            for (actor, orderId) in [(ops, "ORD-missing"), (outsider, order.orderId), (unentitled, order.orderId)] {
                let create = await #expect(throws: OMSError.self) {
                    try await db.allocations.create(orderId: orderId, accountId: "ACCT-001", portfolioId: "PORT-001",
                                                    quantity: 1, actor: actor)
                }
                #expect(create?.code == .orderNotFound)
                let list = await #expect(throws: OMSError.self) {
                    try await db.allocations.list(orderId: orderId, actor: actor)
                }
                #expect(list?.code == .orderNotFound)
            }
            for (actor, allocationId) in [(ops, "ALC-missing"), (outsider, allocation.allocationId),
                                          (unentitled, allocation.allocationId)] {
                let get = await #expect(throws: OMSError.self) {
                    try await db.allocations.get(allocationId, actor: actor)
                }
                #expect(get?.code == .notFound)
                #expect(get?.details["allocation_id"] == allocationId)
                let update = await #expect(throws: OMSError.self) {
                    try await db.allocations.update(allocationId, quantity: 1, actor: actor)
                }
                #expect(update?.code == .notFound)
            }
            #expect(try await db.allocations.get(allocation.allocationId, actor: ops) == allocation)
            #expect(try await db.eventCount(order.orderId) == order.version + 1)
        }
    }

    @Test("8 allocators racing on one filled order never over-allocate, and exactly the accepted ones are stored")
    func racingAllocators() async throws {
        try await TestDatabase.with { db in
            let order = try await db.order(in: .filled)  // executed 1000
            // 1,600 asked for, 20 × 50 fit. Each commit makes the allocators waiting on the
            // row lock retry (40001), so fewer than the runner's 100 attempts' worth of
            // commits keeps every call within its retry budget however the race goes.
            let tasks = 8, perTask = 4, quantity: ExactDecimal = 50
            let accepted = try await withThrowingTaskGroup(of: [String].self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        var ids: [String] = []
                        for _ in 0..<perTask {
                            do {
                                let allocation = try await db.allocations.create(
                                    orderId: order.orderId, accountId: "ACCT-001", portfolioId: "PORT-001",
                                    quantity: quantity, actor: task.isMultiple(of: 2) ? ops : trader)
                                ids.append(allocation.allocationId)
                            } catch let error as OMSError {
                                #expect(error.code == .overAllocation, "\(error)")
                            }
                        }
                        return ids
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let stored = try await db.allocations.list(orderId: order.orderId, actor: admin)
            let total = stored.reduce(Decimal(0)) { $0 + $1.quantity.value }
            #expect(total <= order.executedQuantity.value)
            #expect(Set(stored.map(\.allocationId)) == Set(accepted))
            #expect(stored.count == accepted.count)
            #expect(accepted.count == 20, "every allocation that fit was accepted")
            #expect(total == order.executedQuantity.value)
            let row = try await db.orders.getOrder(order.orderId, actor: admin)
            let history = try await db.orders.history(order.orderId, actor: admin)
            #expect(row.version == order.version + accepted.count)
            #expect(history.filter { $0.command == .createAllocation }.count == accepted.count)
            #expect(try OrderReplay.replay(history) == row)
            let sum = try await db.owner.query("""
                SELECT coalesce(sum(quantity), 0)::numeric FROM allocations WHERE tenant_id = 't1' AND order_id = \(order.orderId)
                """)
            #expect(try sum.first?.decode(Decimal.self) == total)
        }
    }
}

/// An allocation as an event payload records it: every field, times to the
/// microsecond as PostgreSQL stores them.
struct Recorded: Equatable {
    var fields: [String]

    init(_ allocation: Allocation) {
        func micros(_ date: Date) -> String { Timestamp.format(date) }
        fields = [allocation.allocationId, allocation.orderId, allocation.accountId, allocation.portfolioId,
                  "\(allocation.quantity)", allocation.createdBy, "\(allocation.version)",
                  micros(allocation.createdAt), micros(allocation.updatedAt)]
    }
}
