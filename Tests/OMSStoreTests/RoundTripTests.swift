import Foundation
import OMSCore
import OMSPostgres
import OMSStore
import OMSTesting
import Testing

/// Each command's round trips to PostgreSQL, counted by `RoundTrips`: BEGIN,
/// the tenant scope and COMMIT travel with the statements, so a command that
/// needs no read to decide is one round trip and a read-decide-write command
/// two (docs/architecture.md, "Transactions"). Nothing else runs in these
/// databases, so no retry adds one.
@Suite("Round trips per command")
struct RoundTripTests {
    @Test("create, guarded transitions, cancel and verdicts take one round trip; reads take one")
    func oneRoundTrip() async throws {
        try await TestDatabase.with { db in
            let (order, create) = try await RoundTrips.count { try await db.orders.createOrder(limitOrder(), actor: pm) }
            #expect(create == 1)
            for (command, actor) in [(OrderCommand.requestPreTradeCompliance, pm), (.failPreTradeCompliance, compliance),
                                     (.overridePreTradeCompliance, compliance), (.sendToTrader, pm)] {
                let (_, trips) = try await RoundTrips.count {
                    try await db.orders.transition(command, orderId: order.orderId, actor: actor,
                                                   details: details(for: command))
                }
                #expect(trips == 1, "\(command)")
            }
            let (_, get) = try await RoundTrips.count { try await db.orders.getOrder(order.orderId, actor: pm) }
            #expect(get == 1)
            let (_, list) = try await RoundTrips.count { try await db.orders.listOrders(OrderFilter(), actor: pm) }
            #expect(list == 1)
            let (events, history) = try await RoundTrips.count { try await db.orders.history(order.orderId, actor: pm) }
            #expect(history == 1 && events.count == 5)
            let (placements, placementTrips) = try await RoundTrips.count {
                try await db.orders.placements(orderId: order.orderId, actor: pm)
            }
            #expect(placementTrips == 1 && placements.isEmpty)
            let (links, linkTrips) = try await RoundTrips.count { try await db.orders.links(order.orderId, actor: pm) }
            #expect(linkTrips == 1 && links.isEmpty)
            func proposal(_ portfolio: String) -> ProposedOrder {
                ProposedOrder(portfolioId: portfolio, instrumentId: "INS-1", direction: .buy, orderedQuantity: 10)
            }
            let (_, whatIf) = try await RoundTrips.count { try await db.snapshots.checkWhatIf([proposal("PORT-001")], actor: pm) }
            #expect(whatIf == 1, "a what-if is read and committed in one round trip")
            let (_, twoPortfolios) = try await RoundTrips.count {
                try await db.snapshots.checkWhatIf([proposal("PORT-001"), proposal("PORT-002")], actor: pm)
            }
            #expect(twoPortfolios == 2, "one round trip per portfolio, the last with the COMMIT")
            let (_, loaded) = try await RoundTrips.count { try await db.snapshots.load(portfolioId: "PORT-001", actor: pm) }
            #expect(loaded == 1)
            for read in [{ _ = try await db.orders.history("ORD-nope", actor: pm) },
                         { _ = try await db.orders.placements(orderId: "ORD-nope", actor: pm) },
                         { _ = try await db.orders.links("ORD-nope", actor: pm) }] as [@Sendable () async throws -> Void] {
                let error = await #expect(throws: OMSError.self) { try await read() }
                #expect(error?.code == .orderNotFound)
            }
            let other = try await db.orders.createOrder(limitOrder(), actor: pm)
            let (_, cancel) = try await RoundTrips.count {
                try await db.orders.transition(.cancelOrder, orderId: other.orderId, actor: pm, details: .init(reason: "x"))
            }
            #expect(cancel == 1)
        }
    }

    @Test("a call with an idempotency key claims it in the same round trip")
    func keyedTransition() async throws {
        try await TestDatabase.with { db in
            let order = try await db.orders.createOrder(limitOrder(), actor: pm)
            let claim = IdempotencyClaim(key: "rt-1", method: "oms.request_pre_trade_compliance", actor: pm)
            let (_, trips) = try await RoundTrips.count {
                try await IdempotencyClaim.$current.withValue(claim) {
                    try await db.orders.transition(.requestPreTradeCompliance, orderId: order.orderId, actor: pm)
                }
            }
            #expect(trips == 1)
            #expect(claim.isCommitted)
            let keys = try await db.owner.query("SELECT method FROM idempotency_keys WHERE idempotency_key = 'rt-1'")
            #expect(try keys.map { try $0.decode(String.self) } == ["oms.request_pre_trade_compliance"])
        }
    }

    @Test("fills, placements, updates, allocations, merge and split take two round trips")
    func twoRoundTrips() async throws {
        try await TestDatabase.with { db in
            let sent = try await db.order(in: .sentToTrader)
            let (_, place) = try await RoundTrips.count {
                try await db.orders.createPlacement(orderId: sent.orderId, venue: "XNYS", quantity: 500, actor: trader)
            }
            #expect(place == 2)
            let (filled, fill) = try await RoundTrips.count {
                try await db.orders.recordFill(orderId: sent.orderId, execId: "RT-1", quantity: 100, price: 150,
                                               actor: trader)
            }
            #expect(fill == 2)
            #expect(filled.executedQuantity == 100)
            try await db.run(.closeOrder, sent.orderId, as: trader)
            try await db.run(.sendToOperations, sent.orderId, as: trader)
            let (_, allocate) = try await RoundTrips.count {
                try await db.allocations.create(orderId: sent.orderId, accountId: "ACCT-001", portfolioId: "PORT-001",
                                                quantity: 60, actor: ops)
            }
            #expect(allocate == 2)

            let created = try await db.orders.createOrder(limitOrder(), actor: pm)
            let (_, update) = try await RoundTrips.count {
                try await db.orders.updateOrder(created.orderId, changes: OrderChanges(orderedQuantity: 900), actor: pm)
            }
            #expect(update == 2)
            let second = try await db.orders.createOrder(limitOrder(), actor: pm)
            let (merged, merge) = try await RoundTrips.count {
                try await db.orders.mergeOrders([created.orderId, second.orderId], actor: pm)
            }
            #expect(merge == 2)
            let (_, split) = try await RoundTrips.count {
                try await db.orders.splitOrder(merged.orderId, quantities: [1000, 900], actor: pm)
            }
            #expect(split == 2)
        }
    }
}
