/// Secrets that someone may try to pass as options: refused before parsing, so the message
/// says where the secret belongs instead of "unknown option" (SPEC 5.1).
public enum SecretArguments {
    /// The refusal for `arguments` (without the program name), or nil.
    public static func refusal(_ arguments: [String]) -> FetchError? {
        for a in arguments {
            if a == "--" { break }
            let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            switch name {
            case "--password", "--pass", "--iics-password":
                return .secretOnCommandLine(option: name, use: "set IICS_PASSWORD (and IICS_USERNAME) in the environment and pass --login-url")
            case "--session-id", "--session":
                return .secretOnCommandLine(option: name, use: "set IICS_SESSION_ID in the environment, or pass --session-id-file FILE (mode 0600)")
            default: continue
            }
        }
        return nil
    }
}
