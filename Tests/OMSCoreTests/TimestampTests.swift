import Foundation
import OMSCore
import Testing

@Suite("Timestamps")
struct TimestampTests {
    @Test("RFC 3339 text keeps its microseconds through parse and format",
          arguments: ["2026-11-26T01:02:03.123456Z", "2026-11-26T01:02:03.000001Z", "2026-11-26T01:02:03.999999Z",
                      "1999-12-31T23:59:59.5Z", "2026-11-26T01:02:03Z"])
    func roundTrip(text: String) throws {
        let date = try #require(Timestamp.parse(text))
        let expected = text.contains(".5Z") ? "1999-12-31T23:59:59.500000Z" : text
        #expect(Timestamp.format(date) == expected)
        #expect(Timestamp.microseconds(date) == date || Timestamp.format(Timestamp.microseconds(date)) == expected)
    }

    @Test("offsets convert to UTC; digits past the microsecond are dropped; garbage is nil")
    func offsetsAndErrors() throws {
        #expect(Timestamp.parse("2026-11-26T03:02:03.250+02:00").map(Timestamp.format) == "2026-11-26T01:02:03.250000Z")
        #expect(Timestamp.parse("2026-11-26T01:02:03.1234569Z").map(Timestamp.format) == "2026-11-26T01:02:03.123456Z")
        #expect(Timestamp.parse("2026-11-26").map(Timestamp.format) == "2026-11-26T00:00:00Z")
        for bad in ["", "2026-11-26T01:02:03", "2026-11-26T01:02:03.Z", "yesterday", "2026-13-01T00:00:00Z"] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
    }
}

@Suite("Timestamp arithmetic")
struct TimestampArithmeticTests {
    @Test("format and parse agree with Foundation's calendar across centuries, leap days and negative epochs")
    func agreesWithCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let seconds = Int.random(in: -2_208_988_800...4_102_444_800, using: &rng)  // 1900 … 2100
            let micros = Int.random(in: 0..<1_000_000, using: &rng)
            let date = Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(seconds)))
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
                + (micros == 0 ? "Z" : String(format: ".%06dZ", micros))
            #expect(Timestamp.format(date) == expected)
            #expect(Timestamp.parse(expected).map(Timestamp.format) == expected)
        }
        #expect(Timestamp.parse("2024-02-29T00:00:00Z") != nil)
        #expect(Timestamp.parse("2023-02-29T00:00:00Z") == nil)
        #expect(Timestamp.parse("2100-02-29") == nil)
        #expect(Timestamp.parse("2000-02-29").map(Timestamp.format) == "2000-02-29T00:00:00Z")
    }

    @Test("an offset or a leap second that carries an instant out of years 1-9999 is not a timestamp (found by the domain fuzz: expire_at 10000-01-01 made history unreadable)")
    func outsideTheYears() {
        // The last: a Date resolves about 30 µs near year 9999, so it rounds to 10000-01-01.
        for text in ["9999-12-31T23:59:59-01:00", "9999-12-31T23:59:60Z", "0001-01-01T00:00:00+00:01",
                     "9999-12-31T23:59:59.999999Z"] {
            #expect(Timestamp.parse(text) == nil, "\(text)")
        }
        #expect(Timestamp.parse("9999-12-31T23:59:59.5Z").map(Timestamp.format) == "9999-12-31T23:59:59.500000Z")
        #expect(Timestamp.parse("0001-01-01T00:00:00Z").map(Timestamp.format) == "0001-01-01T00:00:00Z")
        #expect(Timestamp.parse("9999-12-31T23:59:59+01:00").map(Timestamp.format) == "9999-12-31T22:59:59Z")
    }
}
