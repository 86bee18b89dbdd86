import Foundation

/// RFC 3339 UTC timestamps with microsecond precision, the database's resolution.
public enum Timestamp {
    /// Formats a date as `2026-03-27T14:05:09.123456Z` (no fraction when it is zero).
    public static func format(_ date: Date) -> String {
        let micros = Int((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 { fraction += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (year, month, day) = civilFromDays(days)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        let base = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        return fraction == 0 ? base + "Z" : base + "." + pad(fraction, 6) + "Z"
    }

    /// The proleptic Gregorian date of a day count from 1970-01-01 (civil_from_days).
    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Parses RFC 3339 (`Z` or an offset, optional fraction; `T` or a space
    /// between date and time) or a plain date `2026-03-27` (midnight UTC).
    /// Read by hand: formatters cost a lot to create, keep only milliseconds
    /// on Linux, and every event payload carries timestamps.
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var value = 0
            for byte in b[from..<(from + count)] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        func at(_ index: Int, _ character: Character) -> Bool { index < b.count && b[index] == character.asciiValue }
        guard let year = number(0, 4), at(4, "-"), let month = number(5, 2), at(7, "-"), let day = number(8, 2),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        let midnight = daysFromCivil(year: year, month: month, day: day) * 86_400
        if b.count == 10 { return Date(timeIntervalSince1970: Double(midnight)) }
        guard at(10, "T") || at(10, "t") || at(10, " "), let hour = number(11, 2), at(13, ":"),
              let minute = number(14, 2), at(16, ":"), let second = number(17, 2),
              hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var micros = 0
        if at(index, ".") {
            index += 1
            let start = index
            while index < b.count, b[index] >= 48, b[index] <= 57 { index += 1 }
            guard index > start else { return nil }
            for position in 0..<6 {
                micros = micros * 10 + (start + position < index ? Int(b[start + position] - 48) : 0)
            }
        }
        var offset = 0
        if at(index, "Z") || at(index, "z") {
            index += 1
        } else if at(index, "+") || at(index, "-") {
            guard let hours = number(index + 1, 2), at(index + 3, ":"), let minutes = number(index + 4, 2),
                  hours < 24, minutes < 60
            else { return nil }
            offset = (hours * 60 + minutes) * 60 * (at(index, "-") ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == b.count else { return nil }
        let seconds = midnight + hour * 3600 + minute * 60 + second - offset
        // An offset or a leap second can carry 9999-12-31 into year 10000 (or
        // 0001-01-01 into year 0), which neither `format` nor PostgreSQL's text
        // form round-trips: such an instant is not a timestamp here.
        // A Date near year 9999 resolves about 30 µs, so the bound applies to
        // the instant as stored (rounded to microseconds), not to the text.
        let date = Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
        guard seconds >= Self.firstSecond, microseconds(date).timeIntervalSince1970 < Double(Self.endSecond) else {
            return nil
        }
        return date
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z in seconds since 1970: the instants `parse` accepts lie between.
    static let firstSecond = daysFromCivil(year: 1, month: 1, day: 1) * 86_400
    static let endSecond = daysFromCivil(year: 10_000, month: 1, day: 1) * 86_400

    /// Rounds a date to whole microseconds, as PostgreSQL stores it (to the
    /// nearest, so a value already on a microsecond never loses one to binary
    /// floating point).
    public static func microseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000)
    }
}
