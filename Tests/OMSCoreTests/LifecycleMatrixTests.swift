import Foundation
import Testing
@testable import OMSCore

/// The lifecycle of DESIGN.md section 2, transcribed independently of
/// `Lifecycle.rules`: (command, role, from-state) -> to-state. Every
/// combination not listed must be refused.
private let expected: [OrderCommand: [(Role, [OrderState], OrderState?)]] = [
    .requestPreTradeCompliance: [(.pm, [.created], .pendingPreTradeCompliance)],
    .passPreTradeCompliance: [(.compliance, [.pendingPreTradeCompliance], .preTradeCompliancePassed)],
    .failPreTradeCompliance: [(.compliance, [.pendingPreTradeCompliance], .preTradeComplianceFailed)],
    .overridePreTradeCompliance: [(.compliance, [.preTradeComplianceFailed], .preTradeCompliancePassed)],
    .sendToTrader: [(.pm, [.preTradeCompliancePassed], .sentToTrader)],
    .createPlacement: [(.trader, [.sentToTrader, .routed], .routed), (.trader, [.partiallyFilled], nil)],
    .recordFill: [(.trader, [.routed, .partiallyFilled], .partiallyFilled),
                  (.system, [.routed, .partiallyFilled], .partiallyFilled)],
    .closeOrder: [(.trader, [.routed, .partiallyFilled, .filled], .closed)],
    .sendToOperations: [(.trader, [.closed], .sentToOperations)],
    .requestPostTradeCompliance: [(.ops, [.sentToOperations], .pendingPostTradeCompliance)],
    .passPostTradeCompliance: [(.compliance, [.pendingPostTradeCompliance], .postTradeCompliancePassed)],
    .failPostTradeCompliance: [(.compliance, [.pendingPostTradeCompliance], .postTradeComplianceFailed)],
    .overridePostTradeCompliance: [(.compliance, [.postTradeComplianceFailed], .postTradeCompliancePassed)],
    .confirmOrder: [(.ops, [.postTradeCompliancePassed], .confirmed)],
    .settleOrder: [(.ops, [.confirmed], .settled)],
    .reconcileOrder: [(.ops, [.settled], .reconciled)],
    .cancelOrder: [(.pm, [.created, .pendingPreTradeCompliance, .preTradeCompliancePassed, .preTradeComplianceFailed], .canceled),
                   (.trader, [.sentToTrader, .routed], .canceled)],
    .rejectOrder: [(.system, [.created, .pendingPreTradeCompliance, .preTradeCompliancePassed,
                              .preTradeComplianceFailed, .sentToTrader, .routed], .rejected)],
]

private func expectedTarget(_ command: OrderCommand, _ role: Role, _ state: OrderState) -> OrderState?? {
    for (r, states, to) in expected[command] ?? [] where r == role && states.contains(state) {
        return .some(to)
    }
    return .none
}

/// The code a refusal must carry, per the precedence documented on `Lifecycle.decide`.
private func expectedRefusal(_ command: OrderCommand, _ role: Role, _ state: OrderState) -> OMSError.Code {
    if state.isTerminal { return .invalidState }
    if command == .cancelOrder { return .cancelNotAuthorized }
    let roleRuns = (expected[command] ?? []).contains { $0.0 == role }
    return roleRuns ? .invalidState : .permissionDenied
}

@Suite("Lifecycle matrix")
struct LifecycleMatrixTests {
    @Test("every state, command and role lands where the table says or is refused with the right code",
          arguments: OrderCommand.transitions)
    func matrix(command: OrderCommand) throws {
        var allowed = 0
        for state in OrderState.allCases {
            for role in Role.allCases {
                let before = order(state)
                let outcome = Result { () throws(OMSError) in try Lifecycle.decide(command, order: before, role: role) }
                switch (expectedTarget(command, role, state), outcome) {
                case (.some(let to), .success(let target)):
                    allowed += 1
                    let landed = Execution.resolve(target, order: before)
                    if command == .recordFill {
                        #expect(target == .byFill)
                    } else {
                        #expect(landed == (to ?? state), "\(command) \(role) \(state)")
                    }
                case (.none, .failure(let error)):
                    #expect(error.code == expectedRefusal(command, role, state), "\(command) \(role) \(state): \(error)")
                    if error.code == .invalidState { #expect(error.details["state"] == state.rawValue) }
                case (let want, let got):
                    Issue.record("\(command) by \(role) in \(state): expected \(String(describing: want)), got \(got)")
                }
            }
        }
        #expect(allowed > 0)
    }

    @Test("the table covers every transition command and no other")
    func coverage() {
        #expect(Set(Lifecycle.rules.map(\.command)) == Set(OrderCommand.transitions))
        #expect(Set(expected.keys) == Set(OrderCommand.transitions))
    }

    @Test("terminal states absorb every command, including update")
    func terminalAbsorbs() {
        for state in OrderState.allCases where state.isTerminal {
            for command in OrderCommand.transitions {
                for role in Role.allCases {
                    #expect(throws: OMSError.self) { try Lifecycle.decide(command, order: order(state), role: role) }
                }
            }
            #expect(throws: OMSError.self) {
                try OrderUpdate.decide(OrderChanges(counterpartyId: .set("CP")), order: order(state), role: .pm)
            }
        }
    }

    @Test("a trader may cancel ROUTED only while nothing is filled")
    func traderCancelNeedsNoFills() throws {
        #expect(try Lifecycle.decide(.cancelOrder, order: order(.routed), role: .trader) == .state(.canceled))
        let error = #expect(throws: OMSError.self) {
            try Lifecycle.decide(.cancelOrder, order: order(.routed, executed: 10), role: .trader)
        }
        #expect(error?.code == .cancelNotAuthorized)
        for state in OrderState.allCases where !state.isTerminal {
            let opsError = #expect(throws: OMSError.self) {
                try Lifecycle.decide(.cancelOrder, order: order(state), role: .ops)
            }
            #expect(opsError?.code == .cancelNotAuthorized)
        }
    }

    @Test("reject is refused once anything is executed")
    func rejectBeforeFirstFill() {
        let error = #expect(throws: OMSError.self) {
            try Lifecycle.decide(.rejectOrder, order: order(.routed, executed: 1), role: .system)
        }
        #expect(error?.code == .invalidState)
    }

    @Test("every state has the owner the design names")
    func owners() {
        let owners: [OrderState: OrderOwner] = [
            .created: .pm, .pendingPreTradeCompliance: .system, .preTradeCompliancePassed: .pm,
            .preTradeComplianceFailed: .pm, .sentToTrader: .trader, .routed: .trader, .partiallyFilled: .trader,
            .filled: .trader, .closed: .trader, .sentToOperations: .ops, .pendingPostTradeCompliance: .system,
            .postTradeCompliancePassed: .ops, .postTradeComplianceFailed: .ops, .confirmed: .ops, .settled: .ops,
            .reconciled: .none, .canceled: .none, .rejected: .none,
        ]
        #expect(OrderState.allCases.count == 18)
        for state in OrderState.allCases { #expect(state.owner == owners[state], "\(state)") }
    }
}
