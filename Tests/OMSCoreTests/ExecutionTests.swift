import Foundation
import Testing
@testable import OMSCore

@Suite("Placements and fills")
struct ExecutionTests {
    @Test("a partial fill leaves PARTIALLY_FILLED and the last one FILLED")
    func partialThenFull() throws {
        let first = try Execution.decideFill(quantity: 750, price: 150, order: order(.routed), placement: nil, role: .trader)
        #expect(first.order.state == .partiallyFilled)
        #expect(first.order.executedQuantity == 750)
        let second = try Execution.decideFill(quantity: 250, price: 150, order: first.order, placement: nil, role: .system)
        #expect(second.order.state == .filled)
        #expect(second.order.unfilledQuantity == 0)
    }

    @Test("a fill beyond the ordered quantity is OVERFILL")
    func overfill() {
        let error = #expect(throws: OMSError.self) {
            try Execution.decideFill(quantity: 1001, price: 1, order: order(.routed), placement: nil, role: .trader)
        }
        #expect(error?.code == .overfill)
    }

    @Test("a fill never exceeds its placement's open quantity")
    func placementCap() throws {
        let placement = Placement(placementId: "P1", orderId: "ORD-1", venue: "XNYS", quantity: 100, createdAt: .now)
        let error = #expect(throws: OMSError.self) {
            try Execution.decideFill(quantity: 101, price: 1, order: order(.routed), placement: placement, role: .trader)
        }
        #expect(error?.code == .overfill)
        let ok = try Execution.decideFill(quantity: 100, price: 1, order: order(.routed), placement: placement, role: .trader)
        #expect(ok.placements.first?.state == .filled)
    }

    @Test("an unattributed fill consumes the oldest open placements first")
    func unattributedFill() throws {
        let old = Placement(placementId: "P1", orderId: "ORD-1", venue: "X", quantity: 100, createdAt: Date(timeIntervalSince1970: 1))
        let new = Placement(placementId: "P2", orderId: "ORD-1", venue: "X", quantity: 100, createdAt: Date(timeIntervalSince1970: 2))
        let result = try Execution.decideFill(quantity: 150, price: 1, order: order(.routed), placement: nil,
                                              openPlacements: [new, old], role: .trader)
        #expect(result.placements.map(\.placementId) == ["P1", "P2"])
        #expect(result.placements.map(\.filledQuantity) == [100, 50])
        #expect(result.placements.map(\.state) == [.filled, .open])
    }

    @Test("fills need a positive quantity and price")
    func positive() {
        for (q, p) in [(ExactDecimal(0), ExactDecimal(1)), (ExactDecimal(1), ExactDecimal(0)), (ExactDecimal(-1), ExactDecimal(1))] {
            let error = #expect(throws: OMSError.self) {
                try Execution.decideFill(quantity: q, price: p, order: order(.routed), placement: nil, role: .trader)
            }
            #expect(error?.code == .invalidArgument)
        }
    }

    @Test("open placements never exceed the unfilled quantity")
    func placementsWithinUnfilled() throws {
        #expect(try Execution.decidePlacement(quantity: 600, venue: "X", order: order(.sentToTrader),
                                              openPlacements: 0, role: .trader) == .routed)
        let error = #expect(throws: OMSError.self) {
            try Execution.decidePlacement(quantity: 500, venue: "X", order: order(.routed), openPlacements: 600, role: .trader)
        }
        #expect(error?.code == .placementExceedsUnfilled)
        #expect(try Execution.decidePlacement(quantity: 100, venue: "X", order: order(.partiallyFilled, executed: 500),
                                              openPlacements: 400, role: .trader) == .partiallyFilled)
    }
}
