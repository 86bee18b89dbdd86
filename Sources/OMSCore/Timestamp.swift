import Foundation

/// RFC 3339 UTC timestamps with microsecond precision, the database's resolution.
public enum Timestamp {
    /// Formats a date as `2026-03-27T14:05:09.123456Z`.
    public static func format(_ date: Date) -> String {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let seconds = (micros / 1_000_000).rounded(.down)
        let fraction = Int(micros - seconds * 1_000_000)
        let whole = Date(timeIntervalSince1970: seconds)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: whole)
        let base = String(format: "%04d-%02d-%02dT%02d:%02d:%02d",
                          c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
        return fraction == 0 ? base + "Z" : base + String(format: ".%06dZ", fraction)
    }

    /// Parses RFC 3339 (`Z` or an offset, optional fraction) or a plain date `2026-03-27` (midnight UTC).
    public static func parse(_ text: String) -> Date? {
        if text.count == 10 {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withFullDate]
            formatter.timeZone = TimeZone(identifier: "UTC")
            return formatter.date(from: text)
        }
        // ISO8601DateFormatter keeps only milliseconds, so the fraction is read here.
        guard text.count >= 20 else { return nil }
        let head = text.prefix(19)
        var rest = text.dropFirst(19)
        var micros = 0
        if rest.first == "." {
            let digits = rest.dropFirst().prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty else { return nil }
            let kept = String(digits.prefix(6))
            micros = Int(kept + String(repeating: "0", count: 6 - kept.count)) ?? 0
            rest = rest.dropFirst(1 + digits.count)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let whole = formatter.date(from: String(head) + String(rest)) else { return nil }
        return Date(timeIntervalSince1970: whole.timeIntervalSince1970.rounded(.down) + Double(micros) / 1_000_000)
    }

    /// Rounds a date to whole microseconds, as PostgreSQL stores it (to the
    /// nearest, so a value already on a microsecond never loses one to binary
    /// floating point).
    public static func microseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000)
    }
}
