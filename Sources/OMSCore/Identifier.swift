import Foundation

/// Generates identifiers: a prefix and a UUIDv7, so ids sort by creation time.
public enum Identifier {
    /// A new id such as `ORD-01936d8a-7c1e-7b2a-8f3d-4e5a6b7c8d9e`.
    public static func make(_ prefix: String, at date: Date = Date()) -> String {
        "\(prefix)-\(uuidV7(at: date))"
    }

    /// RFC 9562 version 7: 48 bits of Unix milliseconds, then random bits.
    public static func uuidV7(at date: Date = Date()) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - i))) }
        var rng = SystemRandomNumberGenerator()
        for i in 6..<16 { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4),
                     hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
}
