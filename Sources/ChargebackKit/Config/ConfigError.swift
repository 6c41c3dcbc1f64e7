import Foundation

/// A mistake in the configuration file (exit 1): the file, the line, and what was expected.
public struct ConfigError: LocalizedError, Sendable, Equatable {
    /// The configuration file as the user named it.
    public var file: String
    /// 1-based line; 0 when the file as a whole is at fault.
    public var line: Int
    public var message: String

    /// Creates the error.
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var errorDescription: String? {
        line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
    }
}
