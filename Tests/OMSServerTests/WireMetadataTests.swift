@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSServer
import OMSStore
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

    /// Metadata of a few bytes whose numbers jsonb writes out to more than
    /// the default limit (16,384 bytes): 131,072 digits, 16,385 characters,
    /// and 2,000 numbers of 101 digits each in 12 KB of request.
    static let expanding: [JSON] = [
        .object(["x": .number("1e131071")]),
        .object(["x": .number("-1e-16383")]),
        .object(["x": .array(Array(repeating: .number("1e100"), count: 2000))]),
    ]

    /// Expects an INVALID_PARAMS refusal of `field` that says the metadata is too large once written out.
    static func expectTooLarge(_ field: String, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("metadata whose numbers write out beyond the limit was accepted")
        } catch let error as RPCError {
            #expect(error.code == -32602 && error.data?["code"] == .string("INVALID_PARAMS"), "\(error)")
            #expect(error.data?["field"] == .string(field), "\(error)")
            #expect(error.message.contains("once its numbers are written out"), "\(error.message)")
            #expect(error.data?["limit"] == .int(ServeConfiguration.defaults.maximumMetadataBytes))
        } catch {
            Issue.record("expected INVALID_PARAMS, got \(error)")
        }
    }

    @Test("metadata whose numbers write out beyond the limit is INVALID_PARAMS on create and update and writes nothing")
    func expandingNumbersAreRefused() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                for metadata in Self.expanding {
                    await Self.expectTooLarge("metadata") { _ = try await c.pm.createOrder(["metadata": metadata]) }
                }
                #expect(try await c.pm.call("oms.list_orders")["orders"]?.arrayValue?.count == 0, "a refused create left an order")

                let kept: [String: JSON] = ["big": .number("12345678901234567890.5"), "small": .number("1e3")]
                let id = try await c.pm.createOrder(["metadata": .object(kept)])
                let expected: JSON = .object(["big": .number("12345678901234567890.5"), "small": .number("1000")])
                let before = try await c.pm.step("oms.get_order", id)
                #expect(before["metadata"] == expected)
                for metadata in Self.expanding {
                    await Self.expectTooLarge("changes.metadata") {
                        _ = try await c.pm.step("oms.update_order", id, ["changes": .object(["metadata": metadata])])
                    }
                }
                let after = try await c.pm.step("oms.get_order", id)
                let unchanged = after == before  // not the orders themselves: a changed one may be megabytes
                #expect(unchanged, "a refused update changed the order")
                let events = try await c.pm.step("oms.get_order_history", id)["events"]?.arrayValue
                #expect(events?.count == 1, "a refused update left an event")

                let updated = try await c.pm.step("oms.update_order", id, ["changes": .object(["metadata": .object(["e": .number("2.5e2")])])])
                #expect(updated["metadata"] == .object(["e": .number("250")]))
            }
        }
    }

    @Test("the written-out length of a number is the length of the text PostgreSQL writes for it in jsonb")
    func writtenLengthMatchesPostgreSQL() async throws {
        let numbers = ["0", "-0", "0.00", "0e-5", "0.0e3", "7", "-7.250", "1.10", "1e3", "1E+3", "2.5e2", "1.50e1",
                       "1.5e-3", "-1e-30", "12345678901234567890.5", "0.000000000000000000000000000001",
                       "123e-2", "100", "1e131071", "-1e-16383", "9.99e5"]
        try await TestDatabase.with { db in
            for number in numbers {
                let written = try await db.owner.query("SELECT (\(number)::text::jsonb)::text").map { try $0.decode(String.self) }
                #expect(written.first?.utf8.count == JSON.number(number).writtenOutSize, "\(number)")
            }
        }
    }
}
