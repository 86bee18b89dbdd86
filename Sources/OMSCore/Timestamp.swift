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
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// Truncates a date to whole microseconds, as PostgreSQL stores it.
    public static func microseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1_000_000).rounded(.down) / 1_000_000)
    }
}
