import Foundation
import OMSCore
import Testing

private func exact(_ text: String) -> ExactDecimal? { ExactDecimal(text) }

@Suite("ExactDecimal")
struct ExactDecimalTests {
    @Test("text keeps the scale as written, the exponent applied")
    func scaleAsWritten() {
        let cases: [(String, String)] = [
            ("150.20", "150.20"), ("1000.00", "1000.00"), ("150", "150"), ("0.0", "0.0"), ("-0.50", "-0.50"),
            ("1.50e2", "150"), ("1.5e2", "150"), ("1.5e-3", "0.0015"), ("1.50E-1", "0.150"), ("150.2000", "150.2000"),
            ("12e+1", "120"), ("0.000001", "0.000001"),
        ]
        for (text, printed) in cases {
            #expect(exact(text)?.description == printed, "\(text)")
        }
    }

    @Test("equality, ordering and hashing are by value; only the printed form keeps the scale")
    func byValue() throws {
        let a = try #require(exact("150.20")), b = try #require(exact("150.2"))
        #expect(a == b && Set([a, b]).count == 1)
        #expect(try #require(exact("150.19")) < a)
        #expect(a.value == Decimal(string: "150.2"))
        #expect(a.description == "150.20" && b.description == "150.2")
        #expect(ExactDecimal(integerLiteral: 7).description == "7")
        #expect(ExactDecimal(Decimal(string: "1.25")!).description == "1.25")
        // A scale below the value's own places never hides digits.
        #expect(ExactDecimal(Decimal(string: "1.25")!, scale: 1).description == "1.25")
        #expect(ExactDecimal(Decimal(string: "749.5")!, scaleOf: try #require(exact("1000.00")), 1).description == "749.50")
    }

    @Test("anything but a plain decimal literal is not an ExactDecimal")
    func refusals() {
        for text in ["", "abc", "12abc", "1.", ".5", "1e", "--1", "1.2.3", "NaN", "inf", " 1"] {
            #expect(exact(text) == nil, "\(text)")
        }
    }

    @Test("the numeric domain refuses more than 38 places as written, even when the value is fine")
    func writtenScaleBound() throws {
        let fine = try #require(exact("1." + String(repeating: "0", count: 38)))
        try NumericDomain.quantity.check(fine, field: "quantity")
        for text in ["1." + String(repeating: "0", count: 39), "1e-39", "0." + String(repeating: "0", count: 50)] {
            let value = try #require(exact(text), "\(text)")
            do {
                try NumericDomain.position.check(value, field: "quantity")
                Issue.record("\(text) passed")
            } catch {
                #expect(error.code == .invalidArgument && error.details["field"] == "quantity", "\(text)")
            }
        }
    }

    @Test("Codable writes the string with its scale and reads strings and, as stored before, numbers")
    func codable() throws {
        let value = try #require(exact("150.20"))
        let encoded = String(decoding: try JSONEncoder().encode([value]), as: UTF8.self)
        #expect(encoded == #"["150.20"]"#)
        #expect(try JSONDecoder().decode([ExactDecimal].self, from: Data(encoded.utf8)).first?.description == "150.20")
        #expect(try JSONDecoder().decode([ExactDecimal].self, from: Data("[150.25]".utf8)).first?.description == "150.25")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ExactDecimal].self, from: Data(#"["x"]"#.utf8)) }
    }

    @Test("an order's payload keeps the scales its fields were given")
    func payloadKeepsScale() throws {
        let epoch = Date(timeIntervalSince1970: 0)
        let order = Order(
            tenantId: "T", orderId: "O", portfolioId: "P", instrumentId: "I", direction: .buy, orderType: .limit,
            timeInForce: .day, orderedQuantity: try #require(exact("1000.00")), limitPrice: exact("150.20"),
            createdBy: "pm", createdAt: epoch, updatedAt: epoch)
        let fill = FillRecord(execId: "E", quantity: try #require(exact("750.50")), price: try #require(exact("150.2000")),
                              executedAt: epoch)
        let changes = OrderChanges(orderedQuantity: exact("900.0"), limitPrice: .set(try #require(exact("151.10"))),
                                   stopPrice: .clear)
        let parsed = try EventPayload.parse(EventPayload(order: order, changes: changes, fill: fill).jsonString())
        #expect(parsed.order?.orderedQuantity.description == "1000.00")
        #expect(parsed.order?.limitPrice?.description == "150.20")
        #expect(parsed.fill?.quantity.description == "750.50")
        #expect(parsed.fill?.price.description == "150.2000")
        #expect(parsed.changes?.orderedQuantity?.description == "900.0")
        #expect(parsed.changes?.limitPrice?.value?.description == "151.10")
        #expect(parsed.changes?.stopPrice == .clear)
    }
}
