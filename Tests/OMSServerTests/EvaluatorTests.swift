@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSStore
import OMSTesting
import Testing

@Suite("Built-in compliance evaluator")
struct EvaluatorTests {
    /// Waits until the order leaves `state`, returning the state it reached.
    private func leave(_ state: String, _ orderId: String, _ client: OMSClient) async throws -> String? {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            let now = try await client.step("oms.get_order", orderId)["state"]?.stringValue
            if now != state { return now }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        return state
    }

    @Test("post-trade evaluates what executed against the portfolio before the order's own fills")
    func postTrade() async throws {
        try await TestServer.with(evaluate: true) { server in
            try await server.withClients { c in
                // 1,000 may be held: the order's 750 executed must count once, not twice.
                _ = try await c.compliance.call("oms.create_rule", [
                    "rule_type": .string("max_position_quantity"), "parameters": .object(["max_quantity": .number("1000")]),
                    "target_accounts": .array([.string("PORT-001")]), "name": .string("Max 1000")])
                let id = try await c.pm.createOrder()
                _ = try await c.pm.step("oms.request_pre_trade_compliance", id)
                let pre = try await leave("PENDING_PRE_TRADE_COMPLIANCE", id, c.pm)
                #expect(pre == "PRE_TRADE_COMPLIANCE_PASSED")
                _ = try await c.pm.step("oms.send_to_trader", id)
                _ = try await c.trader.call("ems.create_placement", [
                    "order_id": .string(id), "venue": .string("XNYS"), "quantity": .string("1000")])
                _ = try await c.trader.call("ems.record_fill", [
                    "order_id": .string(id), "exec_id": .string("EV-1"), "quantity": .number("750"),
                    "price": .string("150")])
                _ = try await c.trader.step("oms.close_order", id)
                _ = try await c.trader.step("oms.send_to_operations", id)
                _ = try await c.ops.step("oms.request_post_trade_compliance", id)
                let post = try await leave("PENDING_POST_TRADE_COMPLIANCE", id, c.pm)
                #expect(post == "POST_TRADE_COMPLIANCE_PASSED")

                // A second order of 300 would take the position to 1,050: the evaluator fails it pre-trade.
                let over = try await c.pm.createOrder(["ordered_quantity": .number("300")])
                _ = try await c.pm.step("oms.request_pre_trade_compliance", over)
                let refused = try await leave("PENDING_PRE_TRADE_COMPLIANCE", over, c.pm)
                #expect(refused == "PRE_TRADE_COMPLIANCE_FAILED")
                let history = try await c.pm.step("oms.get_order_history", over)
                let last = history["events"]?.arrayValue?.last
                #expect(last?["actor_id"] == .string(ComplianceEvaluator.principalId))
                #expect(last?["payload"]?["violations"]?.arrayValue?.first?["rule_name"] == .string("Max 1000"))
            }
        }
    }
}
