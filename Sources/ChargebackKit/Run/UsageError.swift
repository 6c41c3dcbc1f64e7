import Foundation

/// A mistake in how the tool was called (exit 1, nothing written).
public enum UsageError: LocalizedError, Sendable, Equatable {
    /// An option's value is not in the accepted form.
    case invalidValue(option: String, value: String, expected: String)
    /// Options that cannot be combined, or a missing companion option.
    case conflict(String)

    public var errorDescription: String? {
        switch self {
        case .invalidValue(let option, let value, let expected):
            "\(option) \"\(value)\" is not valid: expected \(expected)"
        case .conflict(let message):
            message
        }
    }
}
