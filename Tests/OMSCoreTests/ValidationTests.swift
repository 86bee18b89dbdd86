import Foundation
import Testing
@testable import OMSCore

@Suite("Order validation and field locking")
struct ValidationTests {
    func draft(type: OrderType = .limit, tif: TimeInForce = .day, quantity: ExactDecimal = 10, limit: ExactDecimal? = 1,
               stop: ExactDecimal? = nil, expire: Date? = nil) -> NewOrder {
        NewOrder(portfolioId: "P", instrumentId: "I", direction: .buy, orderType: type, timeInForce: tif,
                 orderedQuantity: quantity, limitPrice: limit, stopPrice: stop, expireAt: expire)
    }

    func code(_ draft: NewOrder) -> OMSError.Code? {
        do { try OrderValidation.validate(draft); return nil } catch { return error.code }
    }

    @Test("quantity must be positive")
    func quantity() {
        #expect(code(draft(quantity: 0)) == .invalidArgument)
        #expect(code(draft(quantity: -5)) == .invalidArgument)
    }

    @Test("limit and stop prices follow the order type")
    func pricesByType() {
        #expect(code(draft(type: .limit, limit: nil)) == .invalidOrderType)
        #expect(code(draft(type: .stopLimit, limit: 1, stop: nil)) == .invalidOrderType)
        #expect(code(draft(type: .stop, limit: nil, stop: nil)) == .invalidOrderType)
        #expect(code(draft(type: .previouslyQuoted, limit: nil)) == .invalidOrderType)
        #expect(code(draft(type: .market, limit: 5)) == .invalidOrderType)
        #expect(code(draft(type: .market, limit: nil)) == nil)
        #expect(code(draft(type: .stopLimit, limit: 1, stop: 2)) == nil)
        #expect(code(draft(type: .stop, limit: nil, stop: 2)) == nil)
        #expect(code(draft(limit: 0)) == .invalidArgument)
        #expect(code(draft(type: .stop, limit: nil, stop: -1)) == .invalidArgument)
    }

    @Test("expire_at is required for GTD and only for GTD")
    func expireAt() {
        #expect(code(draft(tif: .gtd)) == .invalidArgument)
        #expect(code(draft(tif: .gtd, expire: .now)) == nil)
        #expect(code(draft(tif: .day, expire: .now)) == .invalidArgument)
    }

    @Test("economic fields change in CREATED and FAILED, lock from PASSED on")
    func economicLocking() throws {
        let change = OrderChanges(limitPrice: .set(151))
        #expect(try OrderUpdate.decide(change, order: order(.created), role: .pm).limitPrice == 151)
        let reopened = try OrderUpdate.decide(change, order: order(.preTradeComplianceFailed), role: .pm)
        #expect(reopened.state == .created)
        for state in OrderState.allCases where state.locksEconomicFields && !state.isTerminal {
            let error = #expect(throws: OMSError.self) { try OrderUpdate.decide(change, order: order(state), role: .pm) }
            #expect(error?.code == .fieldLocked, "\(state)")
        }
        let pending = #expect(throws: OMSError.self) {
            try OrderUpdate.decide(change, order: order(.pendingPreTradeCompliance), role: .pm)
        }
        #expect(pending?.code == .invalidState)
    }

    @Test("booking fields stay open in every live state for PM, Trader and Ops")
    func bookingFields() throws {
        let change = OrderChanges(counterpartyId: .set("CP-1"), metadata: .set(["desk": .string("EQ")]))
        for state in OrderState.allCases where !state.isTerminal {
            for role in [Role.pm, .trader, .ops] {
                let updated = try OrderUpdate.decide(change, order: order(state), role: role)
                #expect(updated.counterpartyId == "CP-1")
                #expect(updated.state == state)
            }
            let error = #expect(throws: OMSError.self) { try OrderUpdate.decide(change, order: order(state), role: .compliance) }
            #expect(error?.code == .permissionDenied)
        }
    }

    @Test("only a PM changes economic fields, and the result must still validate")
    func economicRules() {
        let byTrader = #expect(throws: OMSError.self) {
            try OrderUpdate.decide(OrderChanges(orderedQuantity: 5), order: order(.created), role: .trader)
        }
        #expect(byTrader?.code == .permissionDenied)
        let cleared = #expect(throws: OMSError.self) {
            try OrderUpdate.decide(OrderChanges(limitPrice: .clear), order: order(.created), role: .pm)
        }
        #expect(cleared?.code == .invalidOrderType)
        let empty = #expect(throws: OMSError.self) { try OrderUpdate.decide(OrderChanges(), order: order(.created), role: .pm) }
        #expect(empty?.code == .invalidArgument)
    }

    @Test("changes round-trip through JSON, null meaning clear")
    func changesJSON() throws {
        let change = OrderChanges(orderedQuantity: ExactDecimal("12.50"), stopPrice: .clear, counterpartyId: .set("X"))
        let data = try JSONEncoder().encode(change)
        #expect(try JSONDecoder().decode(OrderChanges.self, from: data) == change)
    }

    @Test("replaying events rebuilds the order")
    func replay() throws {
        let created = order(.created)
        let t = Date(timeIntervalSince1970: 100)
        let events = [
            OrderEvent(eventId: 1, orderId: "ORD-1", sequence: 1, command: .createOrder, fromState: nil, toState: .created,
                       actorId: "pm", actorRole: .pm, payload: EventPayload(order: created), occurredAt: created.createdAt,
                       recordedAt: created.createdAt),
            OrderEvent(eventId: 2, orderId: "ORD-1", sequence: 2, command: .updateOrder, fromState: .created,
                       toState: .created, actorId: "pm", actorRole: .pm,
                       payload: EventPayload(changes: OrderChanges(orderedQuantity: 900)), occurredAt: t, recordedAt: t),
            OrderEvent(eventId: 3, orderId: "ORD-1", sequence: 3, command: .recordFill, fromState: .routed,
                       toState: .partiallyFilled, actorId: "tr", actorRole: .trader,
                       payload: EventPayload(fill: FillRecord(execId: "E1", quantity: 100, price: 1, executedAt: t)),
                       occurredAt: t, recordedAt: t),
        ]
        let rebuilt = try OrderReplay.replay(events)
        #expect(rebuilt.orderedQuantity == 900)
        #expect(rebuilt.executedQuantity == 100)
        #expect(rebuilt.state == .partiallyFilled)
        #expect(rebuilt.version == 3)
        let payload = try EventPayload.parse(events[2].payload.jsonString())
        #expect(payload == events[2].payload)
    }
}
