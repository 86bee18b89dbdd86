import Foundation
import OMSCore
import OMSProtocol

/// A `Decoder` over our exact `JSON` value, so a method's params decode into a
/// `Decodable` struct without a `Double` round trip: decimals come from the
/// literal text of a number or numeric string (`ExactDecimal` keeps the scale
/// as written), integers only from integral numbers that fit, dates from RFC
/// 3339 text (`Timestamp.parse`), and `JSON` itself passes through.
///
/// Property names are looked up in snake_case (`orderId` reads `order_id`), the
/// wire's spelling, so a params struct needs no `CodingKeys`. The coding path
/// of an error is the wire's field path (`violations[2].rule_id`).
///
/// Modelled on Hummingbird's `URLEncodedFormDecoder`, a decoder over its own
/// node tree; the tree here is `JSON`, and each container is a value.
struct JSONValueDecoder: JSONHoldingDecoder {
    let value: JSON
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ value: JSON, codingPath: [any CodingKey] = []) {
        self.value = value
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy _: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: JSON].self, "an object") }
        return KeyedDecodingContainer(KeyedContainer<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw mismatch([JSON].self, "an array") }
        return UnkeyedContainer(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    /// A type error at this path; `what` completes "<field> must be …".
    func mismatch(_ type: Any.Type, _ what: String) -> DecodingError {
        .typeMismatch(type, DecodingError.Context(codingPath: codingPath, debugDescription: what))
    }

    /// The value read by `read`, or a type error saying what was expected.
    func read<T>(_ read: (JSON) -> T?, _ what: String) throws -> T {
        if value.isNull {
            throw DecodingError.valueNotFound(T.self, DecodingError.Context(codingPath: codingPath, debugDescription: what))
        }
        guard let result = read(value) else { throw mismatch(T.self, what) }
        return result
    }

    func integer<T: FixedWidthInteger>(_: T.Type) throws -> T {
        try read({ $0.intValue.flatMap(T.init(exactly:)) }, "integer")
    }
}

extension JSONValueDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool { value.isNull }
    func decode(_: Bool.Type) throws -> Bool { try read(\.boolValue, "boolean") }
    func decode(_: String.Type) throws -> String { try read(\.stringValue, "string") }
    /// Never: money and quantities are not floating point.
    func decode(_ type: Double.Type) throws -> Double { throw mismatch(type, "decimal (read as Decimal, not Double)") }
    func decode(_ type: Float.Type) throws -> Float { throw mismatch(type, "decimal (read as Decimal, not Float)") }
    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    /// Foundation's `Date` and `Decimal` decode themselves as numbers or
    /// mantissa objects, and `ExactDecimal`'s own `Decodable` (for stored
    /// payloads) reads a number through `Decimal`, losing its scale; on our
    /// wire they are RFC 3339 text and exact decimals, read from the literal
    /// text. A free-form object keeps its member names as they are (a keyed
    /// container would read them in snake_case).
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let special: Any? = switch type {
        case is Date.Type: try read({ $0.stringValue.flatMap(Timestamp.parse) }, "RFC 3339 timestamp")
        case is ExactDecimal.Type: try read(\.exactDecimalValue, "decimal (number or numeric string)")
        case is Decimal.Type: try read(\.decimalValue, "decimal (number or numeric string)")
        case is [String: JSON].Type: try read(\.objectValue, "object")
        default: nil
        }
        if let special {
            guard let result = special as? T else { throw mismatch(type, "\(type)") }
            return result
        }
        return try T(from: self)
    }
}

/// A path element in the wire's spelling: a member name or an array index.
struct WireKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    init(intValue: Int) {
        stringValue = "\(intValue)"
        self.intValue = intValue
    }

    /// `orderId` → `order_id`; a name already in snake_case is unchanged.
    /// Property names are ASCII; this runs for every param a struct reads,
    /// so it works on bytes and returns the name itself when it has no
    /// capital.
    init(member key: some CodingKey) {
        let name = key.stringValue
        let isCapital = { (byte: UInt8) in byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
        guard name.utf8.contains(where: isCapital) else {
            self.init(stringValue: name)
            return
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count + 4)
        for byte in name.utf8 {
            if isCapital(byte) {
                if !bytes.isEmpty { bytes.append(UInt8(ascii: "_")) }
                bytes.append(byte + 32)
            } else {
                bytes.append(byte)
            }
        }
        self.init(stringValue: String(decoding: bytes, as: UTF8.self))
    }

    /// `order_id` → `orderId`, the inverse of `init(member:)`.
    static func camelCase(_ name: String) -> String {
        let words = name.split(separator: "_")
        return words.prefix(1).joined() + words.dropFirst().map(\.capitalized).joined()
    }
}

extension [any CodingKey] {
    /// The path as a field name: `violations[2].rule_id`.
    var fieldName: String {
        reduce(into: "") { path, key in
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
    }
}

extension JSONValueDecoder {
    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: [String: JSON]
        let codingPath: [any CodingKey]

        /// The members as keys: a name as written, else its camelCase property
        /// (`order_id` is `orderId`). A dictionary's keys are taken as written,
        /// but looked up in snake_case, so free-form objects are `[String: JSON]`
        /// (decoded whole, names kept).
        var allKeys: [Key] {
            members.keys.compactMap { name in Key(stringValue: name) ?? Key(stringValue: WireKey.camelCase(name)) }
        }

        func contains(_ key: Key) -> Bool { members[WireKey(member: key).stringValue] != nil }

        /// The decoder of the member `key`; a missing member is `keyNotFound`.
        func member(_ key: Key) throws -> JSONValueDecoder {
            let name = WireKey(member: key)
            guard let value = members[name.stringValue] else {
                throw DecodingError.keyNotFound(name, DecodingError.Context(codingPath: codingPath, debugDescription: "missing"))
            }
            return JSONValueDecoder(value, codingPath: codingPath + [name])
        }

        func decodeNil(forKey key: Key) throws -> Bool { try member(key).decodeNil() }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try member(key).decode(type) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try member(key).decode(type) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try member(key).decode(type) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try member(key).decode(type) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try member(key).decode(type) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try member(key).decode(type) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try member(key).decode(type) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try member(key).decode(type) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try member(key).decode(type) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try member(key).decode(type) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try member(key).decode(type) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try member(key).decode(type) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try member(key).decode(type) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try member(key).decode(type) }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try member(key).decode(type) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type,
                                                   forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try member(key).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try member(key).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { JSONValueDecoder(.object(members), codingPath: codingPath) }
        func superDecoder(forKey key: Key) throws -> any Decoder { try member(key) }
    }

    struct UnkeyedContainer: UnkeyedDecodingContainer {
        let items: [JSON]
        let codingPath: [any CodingKey]
        private(set) var currentIndex = 0

        init(items: [JSON], codingPath: [any CodingKey]) {
            self.items = items
            self.codingPath = codingPath
        }

        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }

        /// The decoder of the next element, moving past it.
        mutating func next() throws -> JSONValueDecoder {
            let key = WireKey(intValue: currentIndex)
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(JSON.self, DecodingError.Context(
                    codingPath: codingPath + [key], debugDescription: "past the end of the array"))
            }
            defer { currentIndex += 1 }
            return JSONValueDecoder(items[currentIndex], codingPath: codingPath + [key])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, items[currentIndex].isNull else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode(_ type: Bool.Type) throws -> Bool { try next().decode(type) }
        mutating func decode(_ type: String.Type) throws -> String { try next().decode(type) }
        mutating func decode(_ type: Double.Type) throws -> Double { try next().decode(type) }
        mutating func decode(_ type: Float.Type) throws -> Float { try next().decode(type) }
        mutating func decode(_ type: Int.Type) throws -> Int { try next().decode(type) }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try next().decode(type) }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try next().decode(type) }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try next().decode(type) }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().decode(type) }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try next().decode(type) }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next().decode(type) }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next().decode(type) }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next().decode(type) }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next().decode(type) }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
            -> KeyedDecodingContainer<NestedKey> {
            try next().container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
        mutating func superDecoder() throws -> any Decoder { try next() }
    }
}
