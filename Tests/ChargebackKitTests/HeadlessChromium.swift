import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
/// the browser reads commands on fd 3 and writes replies and events on fd 4, each message
/// ending in a NUL byte). Every wait is bounded; the browser is killed when the value goes.
final class HeadlessChromium: @unchecked Sendable {
    /// What a page did while it loaded.
    struct PageLoad {
        /// Requests other than the page itself (and `data:` URLs, which are not requests).
        var requests: [String] = []
        /// Console calls of any level, as `level: text`.
        var console: [String] = []
        /// Uncaught exceptions.
        var exceptions: [String] = []
        /// Browser log entries of level warning or error (CSP violations land here).
        var logProblems: [String] = []
        /// Dialogs the page tried to open (`alert(1)`).
        var dialogs: [String] = []
        /// The DevTools session of the page, for `evaluate`.
        var session: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The Chromium executable on `PATH` (Debian's `chromium`), or nil.
    static func executable() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["chromium", "chromium-browser"] {
            for dir in path.split(separator: ":") {
                let candidate = "\(dir)/\(name)"
                if access(candidate, X_OK) == 0 { return candidate }
            }
        }
        return nil
    }

    private let pid: pid_t
    private let commandFD: Int32
    private let eventFD: Int32
    private let profile: URL
    private var nextID = 0
    private var buffer: [UInt8] = []
    private var pending: [[String: Any]] = []
    /// The browser's standard error, for failure messages.
    let logFile: URL

    /// Starts the browser.
    init(executable: String) throws {
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("chargeback-chromium-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        logFile = profile.appendingPathComponent("stderr.log")
        var toBrowser: [Int32] = [0, 0], fromBrowser: [Int32] = [0, 0]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw Failure(description: "pipe failed") }
        // Close-on-exec copies above 10: other processes the tests start keep none of these,
        // and the dup2 onto 3 and 4 in the child cannot clobber one another.
        func high(_ fd: Int32) -> Int32 {
            let h = fcntl(fd, F_DUPFD_CLOEXEC, 10)
            close(fd)
            return h
        }
        toBrowser = toBrowser.map(high)
        fromBrowser = fromBrowser.map(high)
        let childIn = toBrowser[0], childOut = fromBrowser[1]
        commandFD = toBrowser[1]
        eventFD = fromBrowser[0]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, childIn, 3)
        posix_spawn_file_actions_adddup2(&actions, childOut, 4)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, logFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let args = [
            executable, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--user-data-dir=\(profile.path)",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--mute-audio", "about:blank",
        ]
        let argv = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, nil, argv, environ)
        close(childIn)
        close(childOut)
        guard rc == 0 else {
            close(commandFD)
            close(eventFD)
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(commandFD)
        close(eventFD)
        try? FileManager.default.removeItem(at: profile)
    }

    /// Sends a command and waits for its reply; events that arrive meanwhile are kept.
    @discardableResult
    func send(_ method: String, _ params: [String: Any] = [:], session: String? = nil, timeout: TimeInterval = 30) throws -> [String: Any] {
        nextID += 1
        let id = nextID
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(commandFD, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure(description: "the browser closed its command pipe (\(method)); log: \(browserLog())") }
            offset += n
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let m = try nextMessage(until: deadline, waitingFor: method)
            if m["id"] as? Int == id {
                if let error = m["error"] { throw Failure(description: "\(method) failed: \(error)") }
                return m["result"] as? [String: Any] ?? [:]
            }
            pending.append(m)
        }
    }

    /// Opens `url` in a new tab, waits for its load event and then a short quiet time, and
    /// reports what the page requested and logged.
    func load(_ url: URL, timeout: TimeInterval = 30) throws -> PageLoad {
        let target = try send("Target.createTarget", ["url": "about:blank"])["targetId"] as? String ?? ""
        let session = try send("Target.attachToTarget", ["targetId": target, "flatten": true])["sessionId"] as? String ?? ""
        for domain in ["Page", "Runtime", "Log", "Network"] { try send("\(domain).enable", session: session) }
        pending.removeAll()
        var result = PageLoad(session: session)
        try send("Page.navigate", ["url": url.absoluteString], session: session)
        let deadline = Date().addingTimeInterval(timeout)
        var loaded = false
        var quietUntil = Date.distantFuture
        listening: while Date() < quietUntil {
            let m: [String: Any]
            if !pending.isEmpty {
                m = pending.removeFirst()
            } else {
                do {
                    m = try nextMessage(until: min(deadline, quietUntil), waitingFor: "the load event of \(url.path)")
                } catch let f as Failure where loaded && f.description.hasPrefix("timeout") {
                    break listening
                }
            }
            guard m["sessionId"] as? String == session, let method = m["method"] as? String else { continue }
            let p = m["params"] as? [String: Any] ?? [:]
            switch method {
            case "Page.loadEventFired":
                loaded = true
                quietUntil = Date().addingTimeInterval(0.5)
            case "Network.requestWillBeSent":
                let u = (p["request"] as? [String: Any])?["url"] as? String ?? "?"
                if u != url.absoluteString && !u.hasPrefix("data:") { result.requests.append(u) }
            case "Runtime.consoleAPICalled":
                let args = (p["args"] as? [[String: Any]] ?? []).map { "\($0["value"] ?? $0["description"] ?? "")" }
                result.console.append("\(p["type"] ?? "log"): " + args.joined(separator: " "))
            case "Runtime.exceptionThrown":
                result.exceptions.append("\(p["exceptionDetails"] ?? p)")
            case "Log.entryAdded":
                let e = p["entry"] as? [String: Any] ?? [:]
                if let level = e["level"] as? String, level == "error" || level == "warning" {
                    result.logProblems.append("\(level) \(e["source"] ?? ""): \(e["text"] ?? "") \(e["url"] ?? "")")
                }
            case "Page.javascriptDialogOpening":
                result.dialogs.append("\(p["type"] ?? "dialog"): \(p["message"] ?? "")")
                try send("Page.handleJavaScriptDialog", ["accept": true], session: session)
            default:
                break
            }
        }
        return result
    }

    /// Evaluates a JavaScript expression in the page and returns its value (JSON-like).
    func evaluate(_ expression: String, in page: PageLoad) throws -> Any? {
        let r = try send("Runtime.evaluate", ["expression": expression, "returnByValue": true], session: page.session)
        if let e = r["exceptionDetails"] { throw Failure(description: "evaluating \(expression) threw: \(e)") }
        return (r["result"] as? [String: Any])?["value"]
    }

    private func nextMessage(until deadline: Date, waitingFor what: String) throws -> [String: Any] {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let data = Data(buffer[..<end])
                buffer.removeSubrange(...end)
                if let m = try? JSONSerialization.jsonObject(with: data) as? [String: Any] { return m }
                continue
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw Failure(description: "timeout waiting for \(what)") }
            var fds = pollfd(fd: eventFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&fds, 1, Int32(min(remaining, 5) * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(eventFD, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure(description: "the browser exited while waiting for \(what); log: \(browserLog())") }
            buffer += chunk[..<n]
        }
    }

    private func browserLog() -> String {
        String((try? String(contentsOf: logFile, encoding: .utf8))?.suffix(2000) ?? "")
    }
}
