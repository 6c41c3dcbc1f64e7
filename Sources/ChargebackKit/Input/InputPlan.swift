import Foundation

/// How a file's documents are laid out.
public enum DocumentLayout: Sendable {
    /// One JSON object or an array of objects.
    case json
    /// One object per line.
    case ndjson
    /// Told apart by parsing: a whole-input value first, else lines.
    case sniff
}

/// A file the run will read, in reading order.
public struct PlannedFile: Sendable {
    /// The path as shown in reports: as named on the command line, or the named directory
    /// joined with the path below it. `-` is standard input.
    public var path: String
    /// nil for standard input.
    public var url: URL?
    public var layout: DocumentLayout
    public var gzip: Bool
    /// Set when the entry was found but cannot be listed (an unreadable directory).
    public var unreadable: String?
}

/// Finds the files named by the input arguments (SPEC 1.1): directories are walked
/// recursively, and everything is read in byte-wise sorted path order.
public struct InputPlan: Sendable {
    /// The files to read, sorted by path, each once.
    public var files: [PlannedFile]
    /// Files inside directories that are not job-status documents, sorted.
    public var skippedFiles: [String]

    /// Plans the reading of `paths`, relative paths resolved against `workingDirectory`.
    public init(paths: [String], workingDirectory: URL) throws(InputError) {
        guard !paths.isEmpty else { throw InputError.noInputs }
        var found: [PlannedFile] = []
        var skipped: [String] = []
        let fm = FileManager.default
        for path in paths {
            if path == "-" {
                found.append(PlannedFile(path: "-", url: nil, layout: .sniff, gzip: false))
                continue
            }
            let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : workingDirectory.appendingPathComponent(path)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: url.path, isDirectory: &isDir) else { throw InputError.noSuchPath(path) }
            if isDir.boolValue {
                var display = path
                while display.count > 1 && display.hasSuffix("/") { display.removeLast() }
                var visited = Set<String>()
                Self.walk(url, display: display, into: &found, skipped: &skipped, visited: &visited)
            } else {
                let (layout, gzip) = Self.classify(name: url.lastPathComponent) ?? (.sniff, url.lastPathComponent.lowercased().hasSuffix(".gz"))
                found.append(PlannedFile(path: path, url: url, layout: layout, gzip: gzip))
            }
        }
        found.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        // The same file named twice (directly and through its directory) is read once.
        var seen = Set<String>()
        files = found.filter { f in
            let key = f.url?.standardizedFileURL.resolvingSymlinksInPath().path ?? "-"
            return seen.insert(key).inserted
        }
        skippedFiles = skipped.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The layout of a file inside a directory by its name; nil when it is skipped.
    /// `x.ndjson.gz` is NDJSON, a bare `x.gz` is sniffed, `notes.txt.gz` is skipped.
    static func classify(name: String) -> (DocumentLayout, Bool)? {
        var lower = name.lowercased()
        var gzip = false
        if lower.hasSuffix(".gz") {
            gzip = true
            lower.removeLast(3)
        }
        let ext = lower.split(separator: ".", omittingEmptySubsequences: false).dropFirst().last.map(String.init)
        switch ext {
        case "json": return (.json, gzip)
        case "ndjson", "jsonl": return (.ndjson, gzip)
        case nil where gzip: return (.sniff, true)
        default: return nil
        }
    }

    private static func walk(_ dir: URL, display: String, into found: inout [PlannedFile], skipped: inout [String], visited: inout Set<String>) {
        let real = dir.resolvingSymlinksInPath().path
        guard visited.insert(real).inserted else { return }
        let fm = FileManager.default
        let names: [String]
        do {
            names = try fm.contentsOfDirectory(atPath: dir.path)
        } catch {
            found.append(PlannedFile(path: display, url: dir, layout: .json, gzip: false, unreadable: "cannot list directory: \(error.localizedDescription)"))
            return
        }
        for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let url = dir.appendingPathComponent(name)
            let shown = display == "/" ? "/" + name : display + "/" + name
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: url.path, isDirectory: &isDir) else {
                // A dangling symbolic link: nothing to read, but not silently ignored.
                skipped.append(shown)
                continue
            }
            if isDir.boolValue {
                walk(url, display: shown, into: &found, skipped: &skipped, visited: &visited)
            } else if let (layout, gzip) = classify(name: name) {
                // A named pipe, socket or device would block or never end: inside a directory
                // only regular files are read (a pipe named on the command line is read).
                var info = stat()
                let regular = stat(url.path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
                found.append(
                    PlannedFile(
                        path: shown, url: url, layout: layout, gzip: gzip,
                        unreadable: regular ? nil : "not a regular file (a named pipe, socket or device): only regular files are read in a directory"))
            } else {
                skipped.append(shown)
            }
        }
    }
}
