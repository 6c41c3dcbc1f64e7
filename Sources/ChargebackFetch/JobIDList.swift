import Foundation

/// The job IDs to fetch: one per line, `#` starts a comment, blank lines are skipped, and
/// duplicates are removed keeping the first occurrence (so the order of the list is kept).
public struct JobIDList: Sendable, Equatable {
    /// The IDs, unique, in first-seen order.
    public var ids: [String]
    /// How many lines repeated an ID already listed.
    public var duplicates: Int

    /// Parses the text of a job ID list; `source` names it in errors.
    public init(text: String, source: String) throws(FetchError) {
        var seen = Set<String>()
        var ids: [String] = []
        var duplicates = 0
        var lineNumber = 0
        // `isNewline` also splits "\r\n", which Swift reads as one character.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let id = line.trimmingCharacters(in: .whitespaces)
            if id.isEmpty { continue }
            guard Self.isValid(id) else {
                let shown = id.count > 40 ? String(id.prefix(40)) + "…" : id
                throw .jobIDs(
                    source: source,
                    reason: "line \(lineNumber): \"\(shown)\" is not a job ID (expected letters, digits, - and _ only, one ID per line)")
            }
            if seen.insert(id).inserted {
                ids.append(id)
            } else {
                duplicates += 1
            }
        }
        guard !ids.isEmpty else {
            throw .jobIDs(source: source, reason: "no job IDs found (one per line; # starts a comment)")
        }
        self.ids = ids
        self.duplicates = duplicates
    }

    /// Job IDs go into a URL path: only characters that need no escaping are accepted.
    static func isValid(_ id: String) -> Bool {
        id.utf8.count <= 128
            && id.utf8.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
            }
    }
}
