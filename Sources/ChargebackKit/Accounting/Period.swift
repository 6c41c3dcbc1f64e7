import Foundation

/// The reporting window, `[from, to)` in instants, with its label for the reports.
public struct Period: Sendable, Equatable {
    /// Inclusive start; nil means unbounded.
    public var from: Instant?
    /// Exclusive end; nil means unbounded.
    public var to: Instant?
    /// `2026-10`, `2026-Q4`, `2026`, `all`, or `FROM/TO`.
    public var label: String

    /// All time.
    public static let all = Period(from: nil, to: nil, label: "all")

    /// Whether `t` lies in the window.
    public func contains(_ t: Instant) -> Bool {
        if let f = from, t < f { return false }
        if let e = to, t >= e { return false }
        return true
    }

    /// Parses `--period`: `2026-10`, `2026-Q4` or `2026`, in the report time zone.
    public static func parse(_ text: String, zone: Zone) throws(UsageError) -> Period {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        func year(_ s: String) -> Int? { s.count == 4 && s.allSatisfy(\.isASCII) ? Int(s) : nil }
        let bad = UsageError.invalidValue(option: "--period", value: text, expected: "a month (2026-10), a quarter (2026-Q4) or a year (2026)")
        guard let y = year(parts[0]), y >= 1 else { throw bad }
        let startMonth: Int, months: Int
        switch parts.count {
        case 1:
            startMonth = 1; months = 12
        case 2 where parts[1].count == 2 && parts[1].uppercased().hasPrefix("Q"):
            guard let q = Int(parts[1].dropFirst()), (1...4).contains(q) else { throw bad }
            startMonth = (q - 1) * 3 + 1; months = 3
        case 2 where parts[1].count == 2:
            guard let m = Int(parts[1]), (1...12).contains(m) else { throw bad }
            startMonth = m; months = 1
        default:
            throw bad
        }
        let endMonthIndex = startMonth - 1 + months
        let from = zone.instant(CivilDateTime(year: y, month: startMonth, day: 1))
        let to = zone.instant(CivilDateTime(year: y + endMonthIndex / 12, month: endMonthIndex % 12 + 1, day: 1))
        return Period(from: from, to: to, label: text.uppercased())
    }

    /// A window from `--from` / `--to`, each a date (midnight in the report zone) or a
    /// timestamp (zone-less ones read in the report zone).
    public static func range(from: String?, to: String?, zone: Zone) throws(UsageError) -> Period {
        func bound(_ s: String, _ option: String) throws(UsageError) -> Instant {
            let bad = UsageError.invalidValue(option: option, value: s, expected: "a date (2026-10-01) or an ISO 8601 timestamp (2026-10-01T00:00:00Z)")
            if s.count == 10 {
                do {
                    return try parseTimestamp(s + "T00:00:00", zone: zone)
                } catch {
                    throw bad
                }
            }
            do {
                return try parseTimestamp(s, zone: zone)
            } catch {
                throw bad
            }
        }
        let f = try from.map { (s) throws(UsageError) in try bound(s, "--from") }
        let t = try to.map { (s) throws(UsageError) in try bound(s, "--to") }
        if let f, let t, t <= f {
            throw UsageError.conflict("--to (\(to!)) must be after --from (\(from!))")
        }
        return Period(from: f, to: t, label: "\(from ?? "")/\(to ?? "")")
    }
}

/// Which time of a job places it in a period, a day and a month, and selects its rate.
public enum AttributionBasis: String, Sendable, CaseIterable {
    case start, end
}
