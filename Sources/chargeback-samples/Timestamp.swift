/// A calendar month, the period the generator models.
struct YearMonth: Sendable, Equatable {
    /// Gregorian year.
    let year: Int
    /// Month of the year, 1–12.
    let month: Int

    /// Parses `YYYY-MM`; nil for anything else.
    init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let year = Int(parts[0]), let month = Int(parts[1]),
            (1970...9998).contains(year), (1...12).contains(month)
        else { return nil }
        self.init(year: year, month: month)
    }

    /// The month with the given components (validated by the caller).
    init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    /// The following month.
    var next: YearMonth {
        month == 12 ? YearMonth(year: year + 1, month: 1) : YearMonth(year: year, month: month + 1)
    }

    /// Milliseconds since the Unix epoch at 00:00 UTC on the first day.
    var startMillis: Int64 {
        Int64(Civil.daysFromCivil(year: year, month: month, day: 1)) * Civil.millisPerDay
    }

    /// `YYYY-MM`, as file names use it.
    var text: String {
        Civil.padded(year, 4) + "-" + Civil.padded(month, 2)
    }
}

/// Proleptic-Gregorian arithmetic on plain integers (Hinnant's algorithms), so timestamps
/// never depend on Foundation's calendars, the host time zone or the current date.
enum Civil {
    /// Milliseconds in a UTC day.
    static let millisPerDay: Int64 = 86_400_000

    /// Days since 1970-01-01 of a calendar date.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = (month + 9) % 12
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The calendar date of a day count since 1970-01-01.
    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `value` in decimal, left-padded with zeros to `width`.
    static func padded(_ value: Int, _ width: Int) -> String {
        var bytes = [UInt8]()
        appendPadded(value, width, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `value` (non-negative) left-padded with zeros to `width`.
    static func appendPadded(_ value: Int, _ width: Int, to out: inout [UInt8]) {
        var digits = [UInt8](repeating: 0x30, count: width)
        var rest = value
        var index = width - 1
        while index >= 0 {
            digits[index] = 0x30 + UInt8(rest % 10)
            rest /= 10
            index -= 1
        }
        out.append(contentsOf: digits)
    }
}

/// How one job's timestamps are spelt. Real feeds mix these, and every form names the
/// same instant, so the reader's parsing (not the model) is what varies.
enum TimestampStyle: Sendable {
    /// The vendor's form, `2026-10-04T20:23:57.000`, read in the input time zone.
    case zoneless
    /// `2026-10-04T20:23:57.000Z`.
    case utc
    /// Local wall time with an explicit offset, `2026-10-04T22:23:57.000+02:00`.
    case offset(minutes: Int)
    /// Zone-less with six fractional digits, whose sub-millisecond part must be truncated.
    case microseconds

    /// The spelling of `millis` (UTC, since the epoch) in this style.
    func format(_ millis: Int64) -> String {
        var local = millis
        if case .offset(let minutes) = self {
            local += Int64(minutes) * 60_000
        }
        let days = Int(local.floorDiv(Civil.millisPerDay))
        let ofDay = Int(local - Int64(days) * Civil.millisPerDay)
        let date = Civil.civilFromDays(days)
        var out = [UInt8]()
        out.reserveCapacity(32)
        Civil.appendPadded(date.year, 4, to: &out)
        out.append(0x2D)
        Civil.appendPadded(date.month, 2, to: &out)
        out.append(0x2D)
        Civil.appendPadded(date.day, 2, to: &out)
        out.append(0x54)
        Civil.appendPadded(ofDay / 3_600_000, 2, to: &out)
        out.append(0x3A)
        Civil.appendPadded(ofDay / 60_000 % 60, 2, to: &out)
        out.append(0x3A)
        Civil.appendPadded(ofDay / 1000 % 60, 2, to: &out)
        out.append(0x2E)
        Civil.appendPadded(ofDay % 1000, 3, to: &out)
        switch self {
        case .zoneless:
            break
        case .utc:
            out.append(0x5A)
        case .offset(let minutes):
            out.append(minutes < 0 ? 0x2D : 0x2B)
            Civil.appendPadded(abs(minutes) / 60, 2, to: &out)
            out.append(0x3A)
            Civil.appendPadded(abs(minutes) % 60, 2, to: &out)
        case .microseconds:
            // Derived from the instant, not drawn, so a re-poll repeats the same digits.
            let micros = Int(((UInt64(bitPattern: millis) &* 2_654_435_761) >> 20) % 1000)
            Civil.appendPadded(micros, 3, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Int64 {
    /// Division rounding toward negative infinity, so instants before 1970 still land on
    /// the right day.
    func floorDiv(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
