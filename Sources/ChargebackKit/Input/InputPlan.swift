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
    /// The file system path; nil for standard input.
    public var filePath: String?
    public var layout: DocumentLayout
    public var gzip: Bool
    /// The canonical path, which tells the same file named twice.
    var realPath: String?
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
        var followedLink = false
        let fm = FileManager.default
        for path in paths {
            if path == "-" {
                found.append(PlannedFile(path: "-", filePath: nil, layout: .sniff, gzip: false))
                continue
            }
            let full = path.hasPrefix("/") ? path : workingDirectory.appendingPathComponent(path).path
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: full, isDirectory: &isDir) else { throw InputError.noSuchPath(path) }
            if isDir.boolValue {
                var display = path
                while display.count > 1 && display.hasSuffix("/") { display.removeLast() }
                var visited = Set<String>()
                Self.walk(
                    full, real: Self.realPath(full), display: display, into: &found, skipped: &skipped, visited: &visited, followedLink: &followedLink)
            } else {
                let name = (full as NSString).lastPathComponent
                let (layout, gzip) = Self.classify(name: name) ?? (.sniff, name.lowercased().hasSuffix(".gz"))
                found.append(PlannedFile(path: path, filePath: full, layout: layout, gzip: gzip, realPath: Self.realPath(full)))
            }
        }
        found.sort { ByteScan.precedes($0.path, $1.path) }
        // The same file named twice (directly and through its directory, or through a link)
        // is read once. One path without links names each file once: no set of a hundred
        // thousand paths is then built.
        if paths.count > 1 || followedLink {
            var seen = Set<String>()
            files = found.filter { f in seen.insert(f.realPath ?? "-").inserted }
        } else {
            files = found
        }
        skippedFiles = skipped.sorted(by: ByteScan.precedes)
    }

    /// The canonical path (symbolic links resolved), or the path itself when it has none.
    static func realPath(_ path: String) -> String {
        guard let r = realpath(path, nil) else { return path }
        defer { free(r) }
        return String(cString: r)
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

    /// Walks directory `dir`, whose canonical path is `real`. The directory listing gives each
    /// entry's type, so a regular file or a directory costs no `lstat` of its own.
    private static func walk(
        _ dir: String, real: String, display: String, into found: inout [PlannedFile], skipped: inout [String], visited: inout Set<String>,
        followedLink: inout Bool
    ) {
        guard visited.insert(real).inserted else { return }
        let entries: [(name: String, type: UInt8)]
        switch list(dir) {
        case .success(let list): entries = list
        case .failure(let error):
            found.append(
                PlannedFile(
                    path: display, filePath: dir, layout: .json, gzip: false, realPath: real,
                    unreadable: "cannot list directory: \(String(cString: strerror(error.code)))"))
            return
        }
        let prefix = dir.hasSuffix("/") ? dir : dir + "/"
        let realPrefix = real.hasSuffix("/") ? real : real + "/"
        for (name, type) in entries.sorted(by: { ByteScan.precedes($0.name, $1.name) }) {
            let path = prefix + name
            let shown = display == "/" ? "/" + name : display + "/" + name
            var info = stat()
            switch Int32(type) {
            case Int32(DT_REG): info.st_mode = S_IFREG
            case Int32(DT_DIR): info.st_mode = S_IFDIR
            default:
                // Links, other kinds, and file systems that do not tell.
                guard lstat(path, &info) == 0 else {
                    skipped.append(shown)
                    continue
                }
            }
            var canonical = realPrefix + name
            if (info.st_mode & S_IFMT) == S_IFLNK {
                // Follow the link; a dangling one has nothing to read, but is not silently ignored.
                guard stat(path, &info) == 0 else {
                    skipped.append(shown)
                    continue
                }
                canonical = realPath(path)
                followedLink = true
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                walk(path, real: canonical, display: shown, into: &found, skipped: &skipped, visited: &visited, followedLink: &followedLink)
            } else if let (layout, gzip) = classify(name: name) {
                // A named pipe, socket or device would block or never end: inside a directory
                // only regular files are read (a pipe named on the command line is read).
                let regular = (info.st_mode & S_IFMT) == S_IFREG
                found.append(
                    PlannedFile(
                        path: shown, filePath: path, layout: layout, gzip: gzip, realPath: canonical,
                        unreadable: regular ? nil : "not a regular file (a named pipe, socket or device): only regular files are read in a directory"))
            } else {
                skipped.append(shown)
            }
        }
    }

    /// The entries of directory `path` with their `d_type`, or the `errno` that stopped the
    /// listing.
    private static func list(_ path: String) -> Result<[(name: String, type: UInt8)], Errno> {
        guard let dir = opendir(path) else { return .failure(Errno(errno)) }
        defer { closedir(dir) }
        var entries: [(name: String, type: UInt8)] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { return .failure(Errno(errno)) }
                return .success(entries)
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            entries.append((name, entry.pointee.d_type))
        }
    }

    /// An `errno` value as an error.
    struct Errno: Error {
        let code: Int32
        init(_ code: Int32) { self.code = code }
    }
}
