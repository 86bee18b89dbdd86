import Foundation

// Decimals in OMSCore's Codable types (the event payloads stored in
// order_events.payload: Order, Placement, Allocation, FillRecord,
// OrderChanges) are written as JSON strings, like everywhere on the wire:
// JSONEncoder would write a number, which a JSON reader may parse into a
// binary float (150.123456789012345678901 loses digits). They are read from a
// string or, for payloads stored before, from a number.
//
// These overloads are chosen over the generic `encode<T>` / `decode<T>` by
// every Codable conformance of this module, synthesized ones included.

extension KeyedEncodingContainer {
    mutating func encode(_ value: Decimal, forKey key: Key) throws {
        try encode(value.description, forKey: key)
    }

    mutating func encodeIfPresent(_ value: Decimal?, forKey key: Key) throws {
        guard let value else { return }
        try encode(value.description, forKey: key)
    }
}

extension KeyedDecodingContainer {
    func decode(_ type: Decimal.Type, forKey key: Key) throws -> Decimal {
        try decode(DecimalText.self, forKey: key).value
    }

    func decodeIfPresent(_ type: Decimal.Type, forKey key: Key) throws -> Decimal? {
        try decodeIfPresent(DecimalText.self, forKey: key)?.value
    }
}

/// A decimal read from a JSON string or number, written as a string.
struct DecimalText: Codable, Sendable, Equatable {
    var value: Decimal

    init(_ value: Decimal) {
        self.value = value
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), !value.isNaN else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a decimal: \(text)")
            }
            self.value = value
        } else {
            value = try container.decode(Decimal.self)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value.description)
    }
}
