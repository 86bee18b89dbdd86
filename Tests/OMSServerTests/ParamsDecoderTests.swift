import Foundation
import OMSCore
import OMSProtocol
@testable import OMSServer
import Testing

@Suite("Params decoder")
struct ParamsDecoderTests {
    struct Trade: Decodable {
        var orderId: String
        var quantity: ExactDecimal
        var price: Decimal?
        var limit: Int?
        var direction: Direction
        var executedAt: Date?
        var metadata: [String: JSON]?
        var legs: [Leg]?
    }

    struct Leg: Decodable {
        var ruleId: String
        var weight: ExactDecimal
    }

    func decode<T: Decodable>(_ type: T.Type, _ object: [String: JSON]) throws -> T {
        try JSONValueDecoder(.object(object)).decode(type)
    }

    /// The RPCError a decoding failure becomes on the wire.
    func failure<T: Decodable>(_ type: T.Type, _ object: [String: JSON]) -> RPCError? {
        do {
            _ = try decode(type, object)
            return nil
        } catch let error as DecodingError {
            return RPCError(error)
        } catch {
            return nil
        }
    }

    let minimal: [String: JSON] = ["order_id": .string("O-1"), "quantity": .number("10"), "direction": .string("Buy")]

    @Test("snake_case members fill camelCase properties; absent optionals are nil")
    func readsMembers() throws {
        let trade = try decode(Trade.self, minimal)
        #expect(trade.orderId == "O-1")
        #expect(trade.direction == .buy)
        #expect(trade.price == nil && trade.limit == nil && trade.executedAt == nil && trade.legs == nil)
    }

    @Test("a decimal keeps its digits and scale, from a number or a numeric string")
    func exactDecimals() throws {
        for text in ["12345678901234567890.123456789", "150.20", "0.000001"] {
            for json in [JSON.number(text), JSON.string(text)] {
                let trade = try decode(Trade.self, minimal.merging(["quantity": json]) { $1 })
                #expect(trade.quantity.description == text)
            }
        }
        let priced = try decode(Trade.self, minimal.merging(["price": .number("0.1")]) { $1 })
        #expect(priced.price == Decimal(string: "0.1"))
        #expect(failure(Trade.self, minimal.merging(["quantity": .string("12abc")]) { $1 })?.message
            == "quantity must be decimal (number or numeric string)")
    }

    @Test("an integer must be an integral number that fits")
    func integers() throws {
        #expect(try decode(Trade.self, minimal.merging(["limit": .number("1e2")]) { $1 }).limit == 100)
        for json in [JSON.number("1.5"), .number("99999999999999999999"), .string("5")] {
            let error = failure(Trade.self, minimal.merging(["limit": json]) { $1 })
            #expect(error?.message == "limit must be integer")
            #expect(error?.data?["field"]?.stringValue == "limit")
        }
    }

    @Test("a missing required member is named, and null counts as missing")
    func missingRequired() {
        var object = minimal
        object["order_id"] = nil
        #expect(failure(Trade.self, object)?.message == "missing required parameter order_id")
        object["order_id"] = .null
        #expect(failure(Trade.self, object)?.message == "missing required parameter order_id")
        #expect(failure(Trade.self, object)?.code == -32602)
    }

    @Test("errors inside arrays and nested objects name the path")
    func nestedPaths() {
        let legs: JSON = .array([
            .object(["rule_id": .string("R-1"), "weight": .number("1")]),
            .object(["rule_id": .string("R-2"), "weight": .bool(true)]),
        ])
        let error = failure(Trade.self, minimal.merging(["legs": legs]) { $1 })
        #expect(error?.message == "legs[1].weight must be decimal (number or numeric string)")
        #expect(error?.data?["field"]?.stringValue == "legs[1].weight")
        let missing = failure(Trade.self, minimal.merging(["legs": .array([.object(["weight": .number("1")])])]) { $1 })
        #expect(missing?.message == "missing required parameter legs[0].rule_id")
    }

    @Test("enums decode from their raw values only")
    func enums() throws {
        #expect(try decode(Trade.self, minimal.merging(["direction": .string("Sell")]) { $1 }).direction == .sell)
        #expect(failure(Trade.self, minimal.merging(["direction": .string("SELL")]) { $1 })?.data?["field"]?.stringValue
            == "direction")
    }

    @Test("timestamps are RFC 3339 text; free-form objects keep their member names")
    func datesAndObjects() throws {
        let trade = try decode(Trade.self, minimal.merging([
            "executed_at": .string("2026-03-27T10:00:00Z"),
            "metadata": .object(["desk": .string("EM"), "ticketNo": .number("1.50")]),
        ]) { $1 })
        #expect(trade.executedAt == Timestamp.parse("2026-03-27T10:00:00Z"))
        #expect(trade.metadata == ["desk": .string("EM"), "ticketNo": .number("1.50")])
        #expect(failure(Trade.self, minimal.merging(["executed_at": .number("1")]) { $1 })?.message
            == "executed_at must be RFC 3339 timestamp")
    }

    struct PresentKeys: Decodable {
        enum Key: CodingKey { case orderId, basketId }
        var names: [String]

        init(from decoder: any Decoder) throws {
            names = try decoder.container(keyedBy: Key.self).allKeys.map(\.stringValue).sorted()
        }
    }

    @Test("a keyed container's allKeys are the properties of the members present")
    func allKeys() throws {
        let keys = try decode(PresentKeys.self, ["order_id": .string("O-1"), "unknown": .null])
        #expect(keys.names == ["orderId"])
    }

    @Test("floating point is never decoded")
    func noFloatingPoint() {
        struct Price: Decodable { var price: Double }
        #expect(failure(Price.self, ["price": .number("1.5")])?.data?["field"]?.stringValue == "price")
    }
}
