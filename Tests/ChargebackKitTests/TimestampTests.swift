import Foundation
import Testing

@testable import ChargebackKit

@Suite("Timestamps and time zones")
struct TimestampTests {
    let newYork = Zone(identifier: "America/New_York")!

    @Test(
        "every accepted form",
        arguments: [
            ("2026-10-03T04:05:06Z", "2026-10-03T04:05:06.000Z"),
            ("2026-10-03T04:05:06.7Z", "2026-10-03T04:05:06.700Z"),
            ("2026-10-03T04:05:06.123456789Z", "2026-10-03T04:05:06.123Z"),
            ("2026-10-03T04:05:06.999999Z", "2026-10-03T04:05:06.999Z"),
            ("2026-10-03T04:05:06+02:00", "2026-10-03T02:05:06.000Z"),
            ("2026-10-03T04:05:06-0530", "2026-10-03T09:35:06.000Z"),
            ("2026-10-03T04:05:06.000", "2026-10-03T04:05:06.000Z"),
            ("2024-02-29T23:59:59.5+00:00", "2024-02-29T23:59:59.500Z"),
        ])
    func forms(input: String, expected: String) throws {
        #expect(formatInstant(try parseTimestamp(input, zone: .utc)) == expected)
    }

    @Test(
        "rejected forms",
        arguments: [
            "yesterday", "2026-10-03", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-10-03T24:00:00Z", "2026-10-03T04:05:06.1234567890Z",
            "2026-10-03T04:05:06.Z", "2026-10-03T04:05:06+2", "2026-10-03T04:05:06Zjunk", "",
        ])
    func rejected(input: String) {
        #expect(throws: TimestampError.self) { try parseTimestamp(input, zone: .utc) }
    }

    @Test(
        "the usual form (`2026-10-01T00:03:28.000`, with or without `Z`), read by its own short path, gives what the general reading gives: 30,000 seeded stamps, in range and out, in UTC and New York"
    )
    func usualFormAgrees() {
        var rng = seededRNG(23, 24)
        func digits(_ n: Int, below limit: Int) -> String {
            let v = Int(rng.next() % UInt64(limit))
            return String(repeating: "0", count: max(0, n - String(v).count)) + String(v)
        }
        var disagreements = 0, accepted = 0, refused = 0
        for k in 0..<30_000 {
            // Mostly valid values, with months, days, hours and seconds that overflow now and
            // then; now and then a letter in place of a digit.
            var stamp =
                digits(4, below: k % 7 == 0 ? 10_000 : 60) + "-" + digits(2, below: 14) + "-" + digits(2, below: 33) + "T" + digits(2, below: 25) + ":"
                + digits(2, below: 61) + ":" + digits(2, below: 61) + "." + digits(3, below: 1000)
            if k % 97 == 0 {
                var chars = Array(stamp)
                chars[Int(rng.next() % 23)] = "x"
                stamp = String(chars)
            }
            if k % 2 == 0 { stamp += "Z" }
            // One more fractional digit takes the general path; the first three digits give the
            // milliseconds either way.
            let general = stamp.hasSuffix("Z") ? String(stamp.dropLast()) + "0Z" : stamp + "0"
            for zone in [Zone.utc, newYork] {
                let a = try? parseTimestamp(stamp, zone: zone), b = try? parseTimestamp(general, zone: zone)
                if a != b { disagreements += 1 }
                if a == nil { refused += 1 } else { accepted += 1 }
            }
        }
        #expect(disagreements == 0)
        // Both outcomes are common, so the comparison covers both.
        #expect(accepted > 20_000 && refused > 10_000)
    }

    @Test("zone-less timestamps are read in the input time zone")
    func inputZone() throws {
        #expect(formatInstant(try parseTimestamp("2026-07-01T12:00:00", zone: newYork)) == "2026-07-01T16:00:00.000Z")
        #expect(formatInstant(try parseTimestamp("2026-01-15T12:00:00", zone: newYork)) == "2026-01-15T17:00:00.000Z")
        // An explicit zone wins over the input zone.
        #expect(formatInstant(try parseTimestamp("2026-01-15T12:00:00Z", zone: newYork)) == "2026-01-15T12:00:00.000Z")
    }

    @Test("DST gap: 02:30 on the spring-forward night reads as 03:30")
    func gap() throws {
        // 2026-03-08 02:00 EST → 03:00 EDT; 03:30 EDT is 07:30Z.
        #expect(formatInstant(try parseTimestamp("2026-03-08T02:30:00", zone: newYork)) == "2026-03-08T07:30:00.000Z")
        #expect(formatInstant(try parseTimestamp("2026-03-08T03:30:00", zone: newYork)) == "2026-03-08T07:30:00.000Z")
        #expect(formatInstant(try parseTimestamp("2026-03-08T01:59:59", zone: newYork)) == "2026-03-08T06:59:59.000Z")
    }

    @Test("DST overlap: the earlier instant")
    func overlap() throws {
        // 2026-11-01 02:00 EDT → 01:00 EST; 01:30 happens twice, first at 05:30Z (EDT).
        #expect(formatInstant(try parseTimestamp("2026-11-01T01:30:00", zone: newYork)) == "2026-11-01T05:30:00.000Z")
        #expect(formatInstant(try parseTimestamp("2026-11-01T02:30:00", zone: newYork)) == "2026-11-01T07:30:00.000Z")
    }

    @Test("wall time of an instant")
    func civil() {
        let c = newYork.civil(t("2026-11-01T05:30:00Z"))
        #expect(c.dateString == "2026-11-01")
        #expect(c.hour == 1)
        #expect(Zone.utc.civil(t("1969-12-31T23:59:59.999Z")).dateString == "1969-12-31")
    }

    @Test("periods in a non-UTC zone start at local midnight")
    func periods() throws {
        let berlin = Zone(identifier: "Europe/Berlin")!
        let oct = try Period.parse("2026-10", zone: berlin)
        #expect(formatInstant(oct.from!) == "2026-09-30T22:00:00.000Z")
        // October ends after the switch back to CET.
        #expect(formatInstant(oct.to!) == "2026-10-31T23:00:00.000Z")
        let q4 = try Period.parse("2026-Q4", zone: berlin)
        #expect(formatInstant(q4.to!) == "2026-12-31T23:00:00.000Z")
        let year = try Period.parse("2026", zone: .utc)
        #expect(formatInstant(year.from!) == "2026-01-01T00:00:00.000Z")
        #expect(formatInstant(year.to!) == "2027-01-01T00:00:00.000Z")
        #expect(oct.contains(t("2026-09-30T22:00:00Z")))
        #expect(!oct.contains(t("2026-09-30T21:59:59.999Z")))
        #expect(oct.contains(t("2026-10-31T22:59:59.999Z")))
        #expect(!oct.contains(t("2026-10-31T23:00:00Z")))
    }

    @Test("bad period spellings are usage errors", arguments: ["2026-13", "2026-Q5", "26-10", "October", "2026-10-01", ""])
    func badPeriods(text: String) {
        #expect(throws: UsageError.self) { try Period.parse(text, zone: .utc) }
    }

    @Test("--from/--to: dates at local midnight, timestamps, and an empty range refused")
    func ranges() throws {
        let p = try Period.range(from: "2026-10-01", to: "2026-10-15T12:00:00Z", zone: newYork)
        #expect(formatInstant(p.from!) == "2026-10-01T04:00:00.000Z")
        #expect(formatInstant(p.to!) == "2026-10-15T12:00:00.000Z")
        #expect(throws: UsageError.self) { try Period.range(from: "2026-10-02", to: "2026-10-01", zone: .utc) }
        #expect(throws: UsageError.self) { try Period.range(from: "soon", to: nil, zone: .utc) }
    }
}
