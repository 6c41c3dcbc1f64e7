import Foundation

/// A calendar date and wall-clock time without a zone, to the millisecond.
public struct CivilDateTime: Sendable, Hashable, Comparable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int = 0
    public var minute: Int = 0
    public var second: Int = 0
    public var millisecond: Int = 0

    /// Creates a civil date-time; the caller guarantees the fields are in range.
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, millisecond: Int = 0) {
        self.year = year; self.month = month; self.day = day
        self.hour = hour; self.minute = minute; self.second = second; self.millisecond = millisecond
    }

    /// Milliseconds since 1970-01-01T00:00 as if this wall time were UTC.
    public var millisecondsAsUTC: Int64 {
        let days = Int64(Self.daysFromCivil(year: year, month: month, day: day))
        return ((days * 24 + Int64(hour)) * 60 + Int64(minute)) * 60_000 + Int64(second) * 1000 + Int64(millisecond)
    }

    /// Midnight of the date `day` days after 1970-01-01.
    init(day: Int32) {
        let (y, m, d) = Self.civilFromDays(Int(day))
        self.init(year: y, month: m, day: d)
    }

    /// The wall time `ms` milliseconds after the epoch in UTC.
    public init(millisecondsAsUTC ms: Int64) {
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        var rest = ms - days * 86_400_000
        let (y, m, d) = Self.civilFromDays(Int(days))
        year = y; month = m; day = d
        hour = Int(rest / 3_600_000); rest %= 3_600_000
        minute = Int(rest / 60_000); rest %= 60_000
        second = Int(rest / 1000)
        millisecond = Int(rest % 1000)
    }

    public static func < (a: Self, b: Self) -> Bool { a.millisecondsAsUTC < b.millisecondsAsUTC }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `YYYY-MM-DD`.
    public var dateString: String { pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) }
    /// `YYYY-MM`.
    public var monthString: String { pad(year, 4) + "-" + pad(month, 2) }
}

@inline(__always) func pad(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

/// An instant in milliseconds since the Unix epoch, UTC.
public typealias Instant = Int64

/// Formats an instant as the outputs' UTC form, `2026-10-03T04:05:06.000Z`.
public func formatInstant(_ t: Instant) -> String {
    let c = CivilDateTime(millisecondsAsUTC: t)
    return c.dateString + "T" + pad(c.hour, 2) + ":" + pad(c.minute, 2) + ":" + pad(c.second, 2) + "." + pad(c.millisecond, 3) + "Z"
}

/// A time zone that converts between instants and wall times with the DST rules of the
/// specification: a wall time in a gap moves forward by the gap's length, one in an overlap
/// takes the earlier instant.
public struct Zone: Sendable, Equatable {
    /// The IANA identifier, e.g. `UTC` or `America/New_York`.
    public let identifier: String
    private let timeZone: TimeZone
    private let fixedOffsetSeconds: Int?

    /// UTC.
    public static let utc = Zone(validated: TimeZone(identifier: "UTC")!, identifier: "UTC")

    /// Looks up an IANA zone name; nil when the name is unknown.
    public init?(identifier: String) {
        guard !identifier.isEmpty, let tz = TimeZone(identifier: identifier) else { return nil }
        self.init(validated: tz, identifier: identifier)
    }

    private init(validated tz: TimeZone, identifier: String) {
        self.identifier = identifier
        self.timeZone = tz
        // A zone without transitions needs no per-instant lookup.
        let probe = [0, 1_200_000_000, 1_700_000_000, 1_800_000_000].map { tz.secondsFromGMT(for: Date(timeIntervalSince1970: $0)) }
        let noDST = tz.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: 0)) == nil
        fixedOffsetSeconds = (noDST && Set(probe).count == 1) ? probe[0] : nil
    }

    public static func == (a: Zone, b: Zone) -> Bool { a.identifier == b.identifier }

    /// The zone's offset from UTC at `instant`, in milliseconds.
    public func offsetMilliseconds(at instant: Instant) -> Int64 {
        if let f = fixedOffsetSeconds { return Int64(f) * 1000 }
        let seconds = Double(instant >= 0 ? instant / 1000 : (instant - 999) / 1000)
        return Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: seconds))) * 1000
    }

    /// The wall time in this zone at `instant`.
    public func civil(_ instant: Instant) -> CivilDateTime {
        CivilDateTime(millisecondsAsUTC: instant + offsetMilliseconds(at: instant))
    }

    /// The instant at which this zone's clocks show `civil`.
    public func instant(_ civil: CivilDateTime) -> Instant {
        let local = civil.millisecondsAsUTC
        if let f = fixedOffsetSeconds { return local - Int64(f) * 1000 }
        let day: Int64 = 86_400_000
        let offsets = Set([offsetMilliseconds(at: local - day), offsetMilliseconds(at: local), offsetMilliseconds(at: local + day)])
        let valid = offsets.map { local - $0 }.filter { offsetMilliseconds(at: $0) == local - $0 }
        if let earliest = valid.min() { return earliest }
        // In a gap: read the wall time with the offset in force before the transition (the
        // smaller one), which moves it forward by the gap's length.
        return local - offsets.min()!
    }
}

/// Why a timestamp string could not be read.
public struct TimestampError: Error, Sendable {
    public var message: String
}

/// Parses ISO 8601 timestamps: `YYYY-MM-DDTHH:MM:SS`, 0–9 fractional digits (truncated to
/// milliseconds), then `Z`, `±hh:mm`, `±hhmm` or nothing (read in `zone`).
public func parseTimestamp(_ text: String, zone: Zone) throws(TimestampError) -> Instant {
    var s = text
    let result: Result<Instant, TimestampError> = s.withUTF8 { b in
        Result { () throws(TimestampError) -> Instant in try parseTimestamp(bytes: b, zone: zone) }
    }
    return try result.get()
}

func parseTimestamp(bytes b: UnsafeBufferPointer<UInt8>, zone: Zone) throws(TimestampError) -> Instant {
    if let usual = parseUsualTimestamp(b) {
        return usual.utc ? usual.civil.millisecondsAsUTC : zone.instant(usual.civil)
    }
    var i = 0
    func fail(_ why: String) -> TimestampError { TimestampError(message: why) }
    func digits(_ n: Int) throws(TimestampError) -> Int {
        guard i + n <= b.count else { throw fail("too short") }
        var v = 0
        for k in 0..<n {
            let c = b[i + k]
            guard c >= 0x30 && c <= 0x39 else { throw fail("expected a digit at position \(i + k + 1)") }
            v = v * 10 + Int(c - 0x30)
        }
        i += n
        return v
    }
    func expect(_ ch: UInt8) throws(TimestampError) {
        guard i < b.count, b[i] == ch else { throw fail("expected '\(Character(Unicode.Scalar(ch)))' at position \(i + 1)") }
        i += 1
    }
    let year = try digits(4)
    try expect(UInt8(ascii: "-"))
    let month = try digits(2)
    try expect(UInt8(ascii: "-"))
    let day = try digits(2)
    guard i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ") else {
        throw fail("expected 'T' and a time after the date")
    }
    i += 1
    let hour = try digits(2)
    try expect(UInt8(ascii: ":"))
    let minute = try digits(2)
    try expect(UInt8(ascii: ":"))
    let second = try digits(2)
    var millis = 0
    if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
        i += 1
        var n = 0
        while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
            if n < 3 { millis = millis * 10 + Int(b[i] - 0x30) }
            n += 1; i += 1
        }
        guard n >= 1, n <= 9 else { throw fail(n == 0 ? "expected digits after the decimal mark" : "more than 9 fractional digits") }
        if n < 3 { for _ in n..<3 { millis *= 10 } }
    }
    guard (1...12).contains(month) else { throw fail("month \(month) out of range") }
    guard (1...CivilDateTime.daysInMonth(year: year, month: month)).contains(day) else { throw fail("day \(day) out of range") }
    guard hour <= 23 else { throw fail("hour \(hour) out of range") }
    guard minute <= 59 else { throw fail("minute \(minute) out of range") }
    guard second <= 59 else { throw fail("second \(second) out of range") }
    let civil = CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second, millisecond: millis)
    if i == b.count { return zone.instant(civil) }
    let z = b[i]
    if z == UInt8(ascii: "Z") || z == UInt8(ascii: "z") {
        i += 1
        guard i == b.count else { throw fail("unexpected text after the zone") }
        return civil.millisecondsAsUTC
    }
    guard z == UInt8(ascii: "+") || z == UInt8(ascii: "-") else { throw fail("unexpected text after the time") }
    i += 1
    let oh = try digits(2)
    if i < b.count, b[i] == UInt8(ascii: ":") { i += 1 }
    let om = try digits(2)
    guard i == b.count else { throw fail("unexpected text after the zone") }
    guard oh <= 23, om <= 59 else { throw fail("zone offset out of range") }
    let offset = Int64(oh * 3600 + om * 60) * 1000 * (z == UInt8(ascii: "-") ? -1 : 1)
    return civil.millisecondsAsUTC - offset
}

/// The usual form of a timestamp, `2026-10-01T00:03:28.000` with or without `Z`, read
/// without the general loop: its wall time and whether it is UTC. nil for any other form
/// and for any value out of range, which `parseTimestamp` then reads (or words) itself.
@inline(__always) private func parseUsualTimestamp(_ b: UnsafeBufferPointer<UInt8>) -> (civil: CivilDateTime, utc: Bool)? {
    guard b.count == 23 || (b.count == 24 && (b[23] == UInt8(ascii: "Z") || b[23] == UInt8(ascii: "z"))),
        b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"), b[13] == UInt8(ascii: ":"),
        b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: ".")
    else { return nil }
    var digits = true
    @inline(__always) func number(_ k: Int, _ n: Int) -> Int {
        var v = 0
        for j in k..<(k + n) {
            let d = b[j] &- 0x30
            if d > 9 { digits = false }
            v = v * 10 + Int(d)
        }
        return v
    }
    let year = number(0, 4), month = number(5, 2), day = number(8, 2)
    let hour = number(11, 2), minute = number(14, 2), second = number(17, 2), millisecond = number(20, 3)
    guard digits, (1...12).contains(month), day >= 1, day <= CivilDateTime.daysInMonth(year: year, month: month), hour <= 23, minute <= 59,
        second <= 59
    else { return nil }
    let civil = CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second, millisecond: millisecond)
    return (civil, b.count == 24)
}
