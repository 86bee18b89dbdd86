import Foundation
import Testing
@testable import OMSCore

@Suite("Event payloads")
struct EventPayloadTests {
    /// Numbers Foundation's coders would change: past a `Double`, past a
    /// `Decimal` (45 digits; -1e400 as jsonb writes it out), and a scale.
    static let metadata: [String: JSON] = [
        "big": .number("12345678901234567890.5"),
        "huge": .number("123456789012345678901234567890123456789012345"),
        "vast": .number("-1" + String(repeating: "0", count: 400)),
        "written": .number("-1e400"),
        "nested": .object(["n": .array([.number("1.10"), .number("1e-30"), .string("x"), .null])]),
    ]

    @Test("metadata keeps its numbers as written through jsonString and parse, in the order and in changes")
    func metadataRoundTrip() throws {
        var created = order(.created)
        created.metadata = Self.metadata
        let creation = try EventPayload.parse(EventPayload(order: created).jsonString())
        #expect(creation.order?.metadata == Self.metadata)
        #expect(creation.order == created)

        let set = try EventPayload.parse(EventPayload(changes: OrderChanges(metadata: .set(Self.metadata))).jsonString())
        #expect(set.changes?.metadata == .set(Self.metadata))
        let cleared = try EventPayload.parse(EventPayload(changes: OrderChanges(metadata: .clear)).jsonString())
        #expect(cleared.changes?.metadata == .clear)
        let none = try EventPayload.parse(EventPayload(reason: "MERGED").jsonString())
        #expect(none.order == nil && none.changes == nil && none.reason == "MERGED")
    }

    @Test("a payload stored as jsonb text (spaces, numbers written out) reads the same")
    func storedText() throws {
        let stored = #"{"changes": {"metadata": {"a": 1.10, "b": -1000000000000000000000000000000000000000000000000}}}"#
        let payload = try EventPayload.parse(stored)
        #expect(payload.changes?.metadata == .set([
            "a": .number("1.10"), "b": .number("-1000000000000000000000000000000000000000000000000")]))
    }
}
