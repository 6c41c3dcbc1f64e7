import Foundation

/// Why `chargeback fetch` cannot run or had to stop (exit 1: usage, authentication).
///
/// Messages never contain a password or a session ID: they name the variable or file that
/// holds the secret, not its value.
public enum FetchError: LocalizedError, Sendable, Equatable {
    /// No way to authenticate was given.
    case noCredentials
    /// The credentials in the environment are incomplete or contradictory.
    case credentials(String)
    /// A secret was given on the command line, where every user of the machine can read it.
    case secretOnCommandLine(option: String, use: String)
    /// `--session-id-file` is readable or writable by group or others.
    case sessionFileTooOpen(path: String, mode: String)
    /// `--session-id-file` cannot be used for another reason.
    case sessionFileUnusable(path: String, reason: String)
    /// The job ID list is unusable.
    case jobIDs(source: String, reason: String)
    /// The login endpoint refused the credentials (or answered something unusable).
    case loginRefused(status: Int?, message: String)
    /// The login endpoint could not be reached after every retry.
    case loginUnreachable(message: String)
    /// IICS answered 401 to a session that cannot be renewed.
    case sessionRejected(message: String)

    public var errorDescription: String? {
        switch self {
        case .noCredentials:
            "no IICS session: set IICS_SESSION_ID, or pass --session-id-file FILE (mode 0600), "
                + "or set IICS_USERNAME and IICS_PASSWORD in the environment and pass --login-url URL"
        case .credentials(let message):
            message
        case .secretOnCommandLine(let option, let use):
            "\(option) is not accepted: a secret on the command line is visible to every user of this machine (ps, /proc); \(use)"
        case .sessionFileTooOpen(let path, let mode):
            "--session-id-file \(path) is readable or writable by group or others (mode \(mode)); restrict it with: chmod 600 \(path)"
        case .sessionFileUnusable(let path, let reason):
            "--session-id-file \(path): \(reason)"
        case .jobIDs(let source, let reason):
            "--job-ids \(source): \(reason)"
        case .loginRefused(let status, let message):
            "login refused\(status.map { " (HTTP \($0))" } ?? ""): \(message); check IICS_USERNAME, IICS_PASSWORD and --login-url"
        case .loginUnreachable(let message):
            "login failed after every retry: \(message); check --login-url and the network"
        case .sessionRejected(let message):
            message
        }
    }
}
