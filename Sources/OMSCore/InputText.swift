/// The strings a client may send (docs/api.md, "Strings").
///
/// Identifiers are keys: they name portfolios, orders, executions, and are
/// compared byte for byte, shown in reports and typed back by people. A
/// look-alike (`PORT-001` followed by a zero-width space, or a right-to-left
/// override that displays one id as another) would be a second portfolio that
/// reads as the first, so identifiers are limited to visible ASCII. Free text
/// (names, reasons) may be any language, but not control characters, which
/// PostgreSQL cannot store (NUL) or which rewrite how a line displays.
public enum InputText {
    /// Longest identifier, in characters (all ASCII, so also bytes).
    public static let maximumIdentifierLength = 128
    /// Longest free text (a name or a reason), in characters.
    public static let maximumTextLength = 4096

    /// Whether `value` is 1 to 128 visible ASCII characters (U+0021 … U+007E):
    /// letters, digits and punctuation; no space, control, format or non-ASCII character.
    public static func isIdentifier(_ value: String) -> Bool {
        let bytes = value.utf8
        return !bytes.isEmpty && bytes.count <= maximumIdentifierLength && bytes.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// Why `value` is not acceptable free text, or nil when it is. Free text
    /// is at most 4096 characters without control characters (C0 but tab, line
    /// feed and carriage return; DEL; C1) and without the bidirectional
    /// embedding, override and isolate controls (U+202A … U+202E, U+2066 … U+2069).
    public static func textProblem(_ value: String) -> String? {
        if value.unicodeScalars.contains("\u{0}") { return "must not contain NUL (U+0000)" }
        if value.count > maximumTextLength { return "must be at most \(maximumTextLength) characters" }
        if let scalar = value.unicodeScalars.first(where: isRefusedInText) {
            return "must not contain the control character \(codePoint(scalar))"
        }
        return nil
    }

    /// Whether any string in `value` contains NUL, which no PostgreSQL text or
    /// jsonb value can hold; used for values of every type.
    public static func containsNUL(_ value: String) -> Bool {
        value.utf8.contains(0)
    }

    /// `U+200B` for a scalar.
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    private static func isRefusedInText(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// Why `value` is not an identifier, for an error message.
    public static func identifierProblem(_ value: String) -> String? {
        guard !isIdentifier(value) else { return nil }
        if value.isEmpty { return "must not be empty" }
        if value.utf8.count > maximumIdentifierLength {
            return "must be at most \(maximumIdentifierLength) characters"
        }
        let scalar = value.unicodeScalars.first { !(0x21...0x7E).contains($0.value) }
        let which = scalar.map { " (found \(codePoint($0)))" } ?? ""
        return "must be 1 to \(maximumIdentifierLength) visible ASCII characters (U+0021 to U+007E)\(which)"
    }
}
