@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSTesting
import Testing

@Suite("Order metadata over the wire")
struct WireMetadataTests {
    /// Numbers a `Double` cannot hold (21 and 45 significant digits, 1e-30
    /// written out) or whose scale it drops (`1.10`, `-7.250`). jsonb stores
    /// numbers as numeric and writes these back with the same text; it would
    /// rewrite `1e-30` and `-0` (as `0.000…1` and `0`), so those are not used.
    static let created: [String: JSON] = [
        "big": .number("12345678901234567890.5"),
        "tiny": .number("0.000000000000000000000000000001"),
        "nested": .object(["n": .array([.number("1.10"), .number("-7.250"), .string("1.10"), .bool(true), .null])]),
    ]
    static let updated: [String: JSON] = [
        "huge": .number("123456789012345678901234567890123456789012345"),
        "price": .number("150.1234567890123456789"),
    ]

    @Test("numbers in metadata come back as sent from create, get_order, update_order, the history and a replayed fill")
    func numbersKeepTheirText() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let id = try await c.pm.createOrder(["metadata": .object(Self.created)])
                #expect(try await c.pm.step("oms.get_order", id)["metadata"] == .object(Self.created))

                let changed = try await c.pm.step("oms.update_order", id, ["changes": .object(["metadata": .object(Self.updated)])])
                #expect(changed["metadata"] == .object(Self.updated))
                #expect(try await c.pm.step("oms.get_order", id)["metadata"] == .object(Self.updated))

                let history = try await c.pm.step("oms.get_order_history", id)
                let events = try #require(history["events"]?.arrayValue)
                #expect(events.first?["payload"]?["order"]?["metadata"] == .object(Self.created))
                #expect(events.last?["payload"]?["changes"]?["metadata"] == .object(Self.updated))

                // A repeated exec_id answers with the order rebuilt from its events (OrderReplay).
                _ = try await c.pm.step("oms.request_pre_trade_compliance", id)
                _ = try await c.compliance.step("oms.pass_pre_trade_compliance", id)
                _ = try await c.pm.step("oms.send_to_trader", id)
                let placementId = try await c.trader.step("ems.create_placement", id, [
                    "venue": .string("XNYS"), "quantity": .string("100")])["placement_id"]
                let fill: [String: JSON] = ["exec_id": .string("EX-META"), "quantity": .string("10"),
                                            "price": .string("150"), "placement_id": placementId ?? .null]
                _ = try await c.trader.step("ems.record_fill", id, fill)
                let replayed = try await c.trader.step("ems.record_fill", id, fill)
                #expect(replayed["metadata"] == .object(Self.updated))
            }
        }
    }
}
