import Foundation

// Order, OrderChanges and so EventPayload are Codable, and metadata is JSON.
// Foundation's coders have no exact number: the nearest is `Decimal`, which
// keeps the value up to 38 significant digits but not the written scale
// (`1.10` comes back `1.1`) and truncates longer numbers without telling.
// So event payloads write and read metadata with JSONWriter and JSONParser
// (`EventPayload.jsonString()`, `parse(_:)`); this conformance only has to
// be as good as Foundation allows.
extension JSON: Codable {
    /// Reads any JSON value: exactly from a decoder that holds `JSON`
    /// (`JSONHoldingDecoder`), else a number through `Decimal`, else `Double`
    /// (see above). Throws for a number neither can hold (`1e400`).
    public init(from decoder: any Decoder) throws {
        if let holding = decoder as? any JSONHoldingDecoder {
            self = holding.value
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let elements = try? container.decode([JSON].self) {
            self = .array(elements)
        } else if let members = try? container.decode([String: JSON].self) {
            self = .object(members)
        } else if let number = try? container.decode(Decimal.self) {
            self = .number(number.description)
        } else {
            let number = try container.decode(Double.self)
            guard number.isFinite else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "a number out of range")
            }
            self = .number("\(number)")
        }
    }

    /// Writes the value; a number as `Decimal`, or as its text in a string
    /// when `Decimal` cannot hold it exactly (more than 38 digits).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .number(let text):
            if let value = JSONNumber.decimal(text) { try container.encode(value) } else { try container.encode(text) }
        case .string(let text): try container.encode(text)
        case .array(let elements): try container.encode(elements)
        case .object(let members): try container.encode(members)
        }
    }
}

/// A decoder over a `JSON` value (the server's params decoder): `JSON`
/// decodes from it as the value itself, so numbers keep their exact text.
public protocol JSONHoldingDecoder: Decoder {
    /// The value at the decoder's coding path.
    var value: JSON { get }
}
