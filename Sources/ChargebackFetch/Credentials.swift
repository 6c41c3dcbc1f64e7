import Foundation

/// A secret that prints as a placeholder, so it cannot leak through string interpolation,
/// `print`, `dump` or an error description.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret itself; read it only to put it where it belongs (a header, a login body).
    public let revealed: String

    /// Wraps a secret.
    public init(_ value: String) { revealed = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}

/// How `fetch` authenticates (SPEC 5.1).
public struct Credentials: Sendable {
    /// A session to start with, and where it came from (for messages).
    public var session: Secret?
    /// `IICS_SESSION_ID` or `--session-id-file PATH`.
    public var sessionOrigin: String?
    /// User name for the v3 login, from `IICS_USERNAME`.
    public var username: String?
    /// Password for the v3 login, from `IICS_PASSWORD`.
    public var password: Secret?
    /// The login host (`--login-url`), without a trailing slash.
    public var loginURL: URL?

    /// Whether a new session can be obtained by logging in.
    public var canLogIn: Bool { username != nil && password != nil && loginURL != nil }

    /// Works out the credentials from the environment and the options, checking
    /// `--session-id-file` permissions. An explicit `--session-id-file` wins over
    /// `IICS_SESSION_ID`; a given session is used first, and the login (when credentials
    /// are available) only to renew it.
    public static func resolve(environment: [String: String], sessionIDFile: URL?, loginURL: URL?) throws(FetchError) -> Credentials {
        var c = Credentials()
        c.loginURL = loginURL
        if let file = sessionIDFile {
            c.session = try readSessionFile(file)
            c.sessionOrigin = "--session-id-file \(file.path)"
        } else if let s = environment["IICS_SESSION_ID"]?.trimmingCharacters(in: .whitespacesAndNewlines), !s.isEmpty {
            guard isHeaderSafe(s) else {
                throw .credentials("IICS_SESSION_ID must be one session ID without spaces or control characters")
            }
            c.session = Secret(s)
            c.sessionOrigin = "IICS_SESSION_ID"
        }
        let user = environment["IICS_USERNAME"].flatMap { $0.isEmpty ? nil : $0 }
        let password = environment["IICS_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        switch (user, password) {
        case (nil, nil): break
        case (.some, nil): throw .credentials("IICS_USERNAME is set but IICS_PASSWORD is not: set both to log in")
        case (nil, .some): throw .credentials("IICS_PASSWORD is set but IICS_USERNAME is not: set both to log in")
        case (.some(let u), .some(let p)):
            c.username = u
            c.password = Secret(p)
        }
        if c.session == nil {
            if c.username != nil, loginURL == nil {
                throw .credentials(
                    "IICS_USERNAME and IICS_PASSWORD are set but --login-url is not: pass --login-url https://dm-us.informaticacloud.com (your region's login host)"
                )
            }
            guard c.canLogIn else { throw .noCredentials }
        }
        return c
    }

    /// Reads a session file that only its owner can read or write (mode 0600 or stricter).
    static func readSessionFile(_ url: URL) throws(FetchError) -> Secret {
        var st = stat()
        guard stat(url.path, &st) == 0 else {
            throw .sessionFileUnusable(path: url.path, reason: String(cString: strerror(errno)))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw .sessionFileUnusable(path: url.path, reason: "not a regular file")
        }
        let mode = st.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw .sessionFileTooOpen(path: url.path, mode: "0" + String(mode, radix: 8))
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .sessionFileUnusable(path: url.path, reason: "cannot be read")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw .sessionFileUnusable(path: url.path, reason: "the file is empty: write the session ID into it") }
        guard isHeaderSafe(text) else {
            throw .sessionFileUnusable(path: url.path, reason: "the session ID must be one line without spaces or control characters")
        }
        return Secret(text)
    }

    /// A header value that cannot split or inject headers.
    static func isHeaderSafe(_ s: String) -> Bool {
        s.utf8.count <= 4096 && s.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
