import Foundation

/// Splits a SQL script into statements, so the migrator sends each on its own
/// and a failure names the statement it came from. Understands `--` and
/// `/* */` comments, quoted strings and identifiers, and `$tag$` bodies.
public enum SQLScript {
    /// The script's statements, without the terminating semicolons; empty ones dropped.
    public static func statements(_ script: String) -> [String] {
        let chars = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var i = 0
        func flush() {
            let text = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty && !isOnlyComments(text) { statements.append(text) }
            current = .init()
        }
        while i < chars.count {
            let c = chars[i]
            if c == "-", i + 1 < chars.count, chars[i + 1] == "-" {
                while i < chars.count, chars[i] != "\n" { current.append(chars[i]); i += 1 }
            } else if c == "/", i + 1 < chars.count, chars[i + 1] == "*" {
                while i < chars.count, !(chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/") {
                    current.append(chars[i]); i += 1
                }
                if i < chars.count { current.append("*"); current.append("/"); i += 2 }
            } else if c == "'" || c == "\"" {
                current.append(c); i += 1
                while i < chars.count {
                    current.append(chars[i])
                    if chars[i] == c {
                        if i + 1 < chars.count, chars[i + 1] == c { i += 1; current.append(chars[i]) } else { break }
                    }
                    i += 1
                }
                i += 1
            } else if c == "$", let tag = dollarTag(chars, at: i) {
                current.append(contentsOf: tag); i += tag.count
                while i < chars.count, !matches(chars, at: i, tag) { current.append(chars[i]); i += 1 }
                if i < chars.count { current.append(contentsOf: tag); i += tag.count }
            } else if c == ";" {
                flush(); i += 1
            } else {
                current.append(c); i += 1
            }
        }
        flush()
        return statements
    }

    private static func dollarTag(_ chars: [Unicode.Scalar], at start: Int) -> [Unicode.Scalar]? {
        var j = start + 1
        while j < chars.count, chars[j] == "_" || chars[j].properties.isAlphabetic || ("0"..."9").contains(chars[j]) {
            j += 1
        }
        guard j < chars.count, chars[j] == "$" else { return nil }
        return Array(chars[start...j])
    }

    private static func matches(_ chars: [Unicode.Scalar], at i: Int, _ tag: [Unicode.Scalar]) -> Bool {
        i + tag.count <= chars.count && Array(chars[i..<(i + tag.count)]) == tag
    }

    private static func isOnlyComments(_ text: String) -> Bool {
        text.split(separator: "\n").allSatisfy { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
    }
}
