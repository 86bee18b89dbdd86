import Foundation
import OMSCore
import OMSStore
import OMSTesting
import Testing

@Suite("Baskets, merge, split and remainders")
struct RestructuringTests {
    /// Every order reachable from `start` by following links either way.
    func lineage(_ start: String, _ db: TestDatabase) async throws -> Set<String> {
        var seen: Set<String> = [start], queue = [start]
        while let next = queue.popLast() {
            for link in try await db.orders.links(next, actor: admin) {
                for id in [link.sourceOrderId, link.targetOrderId] where !seen.contains(id) {
                    seen.insert(id)
                    queue.append(id)
                }
            }
        }
        return seen
    }

    @Test("merge sums quantities into one CREATED order; sources end CANCELED (MERGED) and are linked")
    func merge() async throws {
        try await TestDatabase.with { db in
            let a = try await db.orders.createOrder(limitOrder(300), actor: pm)
            let b = try await db.order(in: .preTradeCompliancePassed)
            let c = try await db.order(in: .preTradeComplianceFailed)
            let merged = try await db.orders.mergeOrders([a.orderId, b.orderId, c.orderId], actor: pm)
            #expect(merged.orderedQuantity == 2300)
            #expect(try await db.orders.getOrder(merged.orderId, actor: pm).state == .created)
            for source in [a, b, c] {
                let after = try await db.orders.getOrder(source.orderId, actor: pm)
                #expect(after.state == .canceled)
                #expect(after.cancelReason == "MERGED")
                #expect(try OrderReplay.replay(try await db.orders.history(source.orderId, actor: pm)) == after)
            }
            #expect(try await lineage(a.orderId, db) == [a.orderId, b.orderId, c.orderId, merged.orderId])
            let links = try await db.orders.links(merged.orderId, actor: pm)
            #expect(links.count == 3 && links.allSatisfy { $0.kind == "MERGE" && $0.targetOrderId == merged.orderId })
        }
    }

    @Test("merge refuses disagreeing, ineligible, foreign or too few orders and changes nothing")
    func mergeRefusals() async throws {
        try await TestDatabase.with { db in
            let a = try await db.orders.createOrder(limitOrder(100), actor: pm)
            var sell = limitOrder(100)
            sell.direction = .sell
            let b = try await db.orders.createOrder(sell, actor: pm)
            let other = try await db.orders.createOrder(limitOrder(100, portfolio: "PORT-002"), actor: pm)
            let sent = try await db.order(in: .sentToTrader)
            let cases: [([String], Principal, OMSError.Code, String?)] = [
                ([a.orderId, b.orderId], pm, .invalidArgument, "direction"),
                ([a.orderId, other.orderId], pm, .invalidArgument, "portfolio_id"),
                ([a.orderId, sent.orderId], pm, .invalidState, nil),
                ([a.orderId], pm, .invalidArgument, "order_ids"),
                ([a.orderId, "ORD-missing"], pm, .orderNotFound, nil),
                ([a.orderId, b.orderId], trader, .permissionDenied, nil),
            ]
            for (ids, actor, code, field) in cases {
                let error = await #expect(throws: OMSError.self) { try await db.orders.mergeOrders(ids, actor: actor) }
                #expect(error?.code == code, "\(ids)")
                if let field { #expect(error?.details["field"] == field) }
            }
            #expect(try await db.orders.listOrders(OrderFilter(state: .canceled), actor: pm).isEmpty)
            #expect(try await db.orders.listOrders(OrderFilter(), actor: pm).count == 4)
        }
    }

    @Test("split conserves quantity, links SPLIT, and refuses sums that differ")
    func split() async throws {
        try await TestDatabase.with { db in
            let source = try await db.order(in: .created)
            let bad = await #expect(throws: OMSError.self) {
                try await db.orders.splitOrder(source.orderId, quantities: [500, 400], actor: pm)
            }
            #expect(bad?.code == .invalidArgument)
            let zero = await #expect(throws: OMSError.self) {
                try await db.orders.splitOrder(source.orderId, quantities: [1000, 0], actor: pm)
            }
            #expect(zero?.code == .invalidArgument)
            #expect(try await db.orders.getOrder(source.orderId, actor: pm) == source)
            let parts = try await db.orders.splitOrder(source.orderId, quantities: [600, 250, 150], actor: pm)
            #expect(parts.map(\.orderedQuantity.value).reduce(0, +) == source.orderedQuantity.value)
            #expect(parts.allSatisfy { $0.state == .created && $0.limitPrice == source.limitPrice })
            let after = try await db.orders.getOrder(source.orderId, actor: pm)
            #expect(after.state == .canceled && after.cancelReason == "SPLIT")
            #expect(try await lineage(parts[2].orderId, db) == Set([source.orderId] + parts.map(\.orderId)))
            let routed = try await db.order(in: .routed)
            let late = await #expect(throws: OMSError.self) {
                try await db.orders.splitOrder(routed.orderId, quantities: [500, 500], actor: pm)
            }
            #expect(late?.code == .invalidState)
        }
    }

    @Test("close with create_remainder makes a CREATED order for the unfilled quantity, linked REMAINDER")
    func remainder() async throws {
        try await TestDatabase.with { db in
            let partial = try await db.order(in: .partiallyFilled)  // 100 of 1000
            let (closed, remainder) = try await db.orders.closeOrderWithRemainder(partial.orderId, actor: trader)
            #expect(closed.executedQuantity == 100 && closed.unfilledQuantity == 900)
            let created = try #require(remainder)
            #expect(created.orderedQuantity == 900)
            #expect(try await db.orders.getOrder(created.orderId, actor: pm).state == .created)
            let links = try await db.orders.links(partial.orderId, actor: pm)
            #expect(links.map(\.kind) == ["REMAINDER"])
            #expect(try OrderReplay.replay(try await db.orders.history(partial.orderId, actor: pm))
                    == (try await db.orders.getOrder(partial.orderId, actor: pm)))
            let filled = try await db.order(in: .filled)
            let (_, none) = try await db.orders.closeOrderWithRemainder(filled.orderId, actor: trader)
            #expect(none == nil)
            let wrong = await #expect(throws: OMSError.self) {
                try await db.orders.closeOrderWithRemainder(created.orderId, actor: trader)
            }
            #expect(wrong?.code == .invalidState)
        }
    }

    @Test("baskets group orders once, and send_to_trader moves a basket all or nothing")
    func baskets() async throws {
        try await TestDatabase.with { db in
            let a = try await db.order(in: .preTradeCompliancePassed)
            let b = try await db.order(in: .preTradeCompliancePassed)
            let basket = try await db.orders.createBasket(name: "Tech Rebalance", orderIds: [a.orderId, b.orderId], actor: pm)
            #expect(try await db.orders.basket(basket.basketId, actor: pm).orderIds == [a.orderId, b.orderId].sorted())
            #expect(try await db.orders.getOrder(a.orderId, actor: pm).basketId == basket.basketId)
            let taken = await #expect(throws: OMSError.self) {
                try await db.orders.createBasket(name: "Again", orderIds: [b.orderId], actor: pm)
            }
            #expect(taken?.code == .basketConflict)
            #expect(taken?.details["basket_id"] == basket.basketId)
            #expect(try await db.orders.listOrders(OrderFilter(basketId: basket.basketId), actor: pm).count == 2)

            var joining = limitOrder()
            joining.basketId = basket.basketId
            let c = try await db.orders.createOrder(joining, actor: pm)
            let blocked = await #expect(throws: OMSError.self) { try await db.orders.sendBasketToTrader(basket.basketId, actor: pm) }
            #expect(blocked?.code == .invalidState)
            #expect(blocked?.details["order_id"] == c.orderId)
            #expect(try await db.orders.getOrder(a.orderId, actor: pm).state == .preTradeCompliancePassed)

            try await db.run(.requestPreTradeCompliance, c.orderId, as: pm)
            try await db.run(.passPreTradeCompliance, c.orderId, as: compliance)
            let sent = try await db.orders.sendBasketToTrader(basket.basketId, actor: pm)
            #expect(sent.count == 3 && sent.allSatisfy { $0.state == .sentToTrader })
            for order in sent {
                #expect(try OrderReplay.replay(try await db.orders.history(order.orderId, actor: pm))
                        == (try await db.orders.getOrder(order.orderId, actor: pm)))
            }
        }
    }

    @Test("concurrent merges of overlapping orders leave each source in exactly one merged order")
    func concurrentMerges() async throws {
        try await TestDatabase.with { db in
            var ids: [String] = []
            for _ in 0..<8 { ids.append(try await db.orders.createOrder(limitOrder(10), actor: pm).orderId) }
            let pool = ids
            let merged = try await withThrowingTaskGroup(of: String?.self) { group in
                for i in 0..<8 {
                    group.addTask {
                        let pick = [pool[i], pool[(i + 1) % 8], pool[(i + 3) % 8]]
                        do { return try await db.orders.mergeOrders(pick, actor: pm).orderId } catch let error as OMSError {
                            #expect(error.code == .invalidState)
                            return nil
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { if let id = $1 { $0.append(id) } }
            }
            #expect(!merged.isEmpty)
            var owner: [String: String] = [:]
            for target in merged {
                for link in try await db.orders.links(target, actor: pm) where link.targetOrderId == target {
                    #expect(owner[link.sourceOrderId] == nil, "\(link.sourceOrderId) merged twice")
                    owner[link.sourceOrderId] = target
                }
                #expect(try await db.orders.getOrder(target, actor: pm).orderedQuantity == 30)
            }
            for id in pool {
                let order = try await db.orders.getOrder(id, actor: pm)
                #expect((order.state == .canceled) == (owner[id] != nil))
            }
        }
    }
}
