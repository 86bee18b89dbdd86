import Foundation
import OMSCore
import OMSStore
import OMSTesting
import OMSPostgres
import Testing

@Suite("Concurrency")
struct ConcurrencyTests {
    @Test("8 tasks racing 1,200 fills, placements and cancels on the same orders lose no update")
    func racingCommands() async throws {
        try await TestDatabase.with { db in
            var orderIds: [String] = []
            for _ in 0..<10 { orderIds.append(try await db.order(in: .routed).orderId) }
            let ids = orderIds
            let tasks = 8, perTask = 150
            let outcomes = try await withThrowingTaskGroup(of: [String: Int].self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        var accepted: [String: Int] = [:]
                        var rng = SystemRandomNumberGenerator()
                        for step in 0..<perTask {
                            let orderId = ids.randomElement(using: &rng)!
                            let roll = Int.random(in: 0..<100, using: &rng)
                            do {
                                if roll < 75 {
                                    // A few exec ids repeat across tasks, to race deduplication too.
                                    let execId = roll < 10 ? "dup-\(orderId)-\(step % 5)" : "ex-\(task)-\(step)"
                                    let before = try await db.orders.getOrder(orderId, actor: admin).version
                                    let after = try await db.orders.recordFill(
                                        orderId: orderId, execId: execId, quantity: ExactDecimal(integerLiteral: Int.random(in: 1...40, using: &rng)),
                                        price: 10, actor: roll.isMultiple(of: 2) ? trader : system)
                                    if after.version > before { accepted[orderId, default: 0] += 0 }
                                } else if roll < 90 {
                                    _ = try await db.orders.createPlacement(orderId: orderId, venue: "XNAS", quantity: 5,
                                                                            actor: trader)
                                } else {
                                    _ = try await db.orders.transition(.cancelOrder, orderId: orderId, actor: trader)
                                }
                            } catch let error as PostgresError {
                                Issue.record("\(String(reflecting: error))")
                            } catch let error as OMSError {
                                let expected: Set<OMSError.Code> = [.overfill, .invalidState, .cancelNotAuthorized,
                                                                    .placementExceedsUnfilled]
                                #expect(expected.contains(error.code), "\(error)")
                            }
                        }
                        return accepted
                    }
                }
                return try await group.reduce(into: [:]) { $0.merge($1, uniquingKeysWith: +) }
            }
            _ = outcomes
            for orderId in ids {
                let order = try await db.orders.getOrder(orderId, actor: admin)
                let history = try await db.orders.history(orderId, actor: admin)
                #expect(order.executedQuantity <= order.orderedQuantity)
                #expect(order.version == history.count)
                #expect(history.map(\.sequence) == Array(1...history.count))
                #expect(try OrderReplay.replay(history) == order)
                let fills = history.compactMap(\.payload.fill)
                #expect(fills.reduce(Decimal(0)) { $0 + $1.quantity.value } == order.executedQuantity.value)
                #expect(Set(fills.map(\.execId)).count == fills.count, "an exec_id was recorded twice")
                let rows = try await db.owner.query("""
                    SELECT coalesce(sum(quantity), 0)::numeric FROM fills WHERE tenant_id = 't1' AND order_id = \(orderId)
                    """)
                #expect(try rows.first?.decode(Decimal.self) == order.executedQuantity.value)
                let placements = try await db.orders.placements(orderId: orderId, actor: admin)
                let open = placements.reduce(Decimal(0)) { $0 + $1.openQuantity }
                #expect(open <= order.unfilledQuantity.value || order.state == .canceled)
                if order.state == .canceled { #expect(order.executedQuantity == 0) }
            }
            let total = try await db.owner.query("SELECT count(*) FROM order_events")
            #expect(try total.first!.decode(Int.self) > ids.count * 4)
        }
    }
}
