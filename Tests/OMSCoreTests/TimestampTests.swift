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
