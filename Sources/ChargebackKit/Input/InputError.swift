import Foundation

/// Problems with the input paths themselves: the run cannot start (exit 1).
public enum InputError: LocalizedError, Sendable, Equatable {
    /// A path named on the command line does not exist.
    case noSuchPath(String)
    /// No input paths were given.
    case noInputs

    public var errorDescription: String? {
        switch self {
        case .noSuchPath(let p): "no such file or directory: \(p) (check the path, or use - to read standard input)"
        case .noInputs: "no input given: name files or directories of job-status documents, or - for standard input"
        }
    }
}
