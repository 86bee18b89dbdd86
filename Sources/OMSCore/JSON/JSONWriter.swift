/// Appends compact JSON to a byte buffer. Never writes a raw newline, so
/// every value fits on one wire line.
package struct JSONWriter {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends text that is already JSON, such as `{"jsonrpc":"2.0",`.
    package mutating func writeRaw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    package mutating func writeRaw(_ bytes: [UInt8]) {
        self.bytes.append(contentsOf: bytes)
    }

    package mutating func write(_ value: JSON) {
        switch value {
        case .null: writeRaw("null")
        case .bool(let flag): flag ? writeRaw("true") : writeRaw("false")
        case .number(let text): writeNumber(text)
        case .string(let text): write(string: text)
        case .array(let elements):
            bytes.append(ASCII.openBracket)
            for (position, element) in elements.enumerated() {
                if position > 0 { bytes.append(ASCII.comma) }
                write(element)
            }
            bytes.append(ASCII.closeBracket)
        case .object(let members):
            bytes.append(ASCII.openBrace)
            // Sorted keys make the output deterministic (stored idempotent answers, tests).
            for (position, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if position > 0 { bytes.append(ASCII.comma) }
                write(string: member.key)
                bytes.append(ASCII.colon)
                write(member.value)
            }
            bytes.append(ASCII.closeBrace)
        }
    }

    /// A `.number` built by hand might not be a JSON number; sending it as a
    /// string keeps the line valid JSON and the text intact.
    private mutating func writeNumber(_ text: String) {
        if JSONNumber.isValid(text) {
            bytes.append(contentsOf: text.utf8)
        } else {
            write(string: text)
        }
    }

    package mutating func write(string: String) {
        var string = string
        string.withUTF8 { source in
            bytes.append(ASCII.quote)
            var runStart = 0
            for (offset, byte) in source.enumerated() where byte < 0x20 || byte == ASCII.quote || byte == ASCII.backslash {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart..<offset]))
                appendEscape(for: byte)
                runStart = offset + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart...]))
            bytes.append(ASCII.quote)
        }
    }

    private mutating func appendEscape(for byte: UInt8) {
        bytes.append(ASCII.backslash)
        switch byte {
        case ASCII.quote, ASCII.backslash: bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [UInt8(ascii: "u"), ASCII.zero, ASCII.zero, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
        }
    }
}
