import Foundation
import Mustache

/// The Mustache templates of `report.html`: `report.html.mustache` and the partials it
/// includes (`report/header.mustache` is the partial `report/header`), loaded and checked once
/// before a run writes anything.
///
/// The engine HTML-escapes every `{{name}}`. The check refuses anything that could print data
/// unescaped: triple braces and `{{&…}}` are allowed only for names ending in `SVG` (the
/// tool-built, already escaped charts), and pragmas (which can switch escaping off),
/// delimiter changes (which would hide tags from this check) and dynamic partials are refused.
public struct HTMLTemplates: Sendable {
    /// The main template's name, as a partial name.
    public static let mainTemplate = "report.html"
    /// The main template's file name.
    public static let mainFile = mainTemplate + ".mustache"

    /// Where the templates were loaded from.
    public let directory: URL
    let library: MustacheLibrary

    /// Loads and checks every `*.mustache` file under `directory`. Messages name files under
    /// `shownAs` (the directory as the user wrote it), else under the full path.
    public static func load(directory: URL, shownAs: String? = nil) throws(TemplateError) -> HTMLTemplates {
        let shownDir = shownAs ?? directory.path
        func shown(_ rel: String) -> String { (shownDir.hasSuffix("/") ? shownDir : shownDir + "/") + rel }
        let main = directory.appendingPathComponent(mainFile)
        guard FileManager.default.fileExists(atPath: main.path) else {
            throw .missingMain(directory: shownDir, file: shown(mainFile))
        }
        var files: [String] = []
        if let walker = FileManager.default.enumerator(atPath: directory.path) {
            for case let rel as String in walker where rel.hasSuffix(".mustache") { files.append(rel) }
        }
        files.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var library = MustacheLibrary()
        var texts: [(rel: String, name: String, text: String)] = []
        for rel in files {
            let url = directory.appendingPathComponent(rel)
            let data: Data
            do {
                data = try Data(contentsOf: url)
            } catch {
                throw .unreadable(file: shown(rel), reason: describe(error))
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw .unreadable(file: shown(rel), reason: "it is not UTF-8 text")
            }
            do {
                let template = try MustacheTemplate(string: text)
                let name = String(rel.dropLast(".mustache".count))
                library.register(template, named: name)
                texts.append((rel, name, text))
            } catch let e as MustacheTemplate.ParserError {
                throw .syntax(
                    file: shown(rel), line: e.context.lineNumber, column: e.context.columnNumber, problem: problem(e.error), text: e.context.line)
            } catch {
                throw .syntax(file: shown(rel), line: 1, column: 1, problem: describe(error), text: "")
            }
        }
        let names = Set(texts.map(\.name))
        for t in texts {
            for tag in scanTags(t.text) {
                switch tag.kind {
                case .unescaped(let name):
                    guard isSVGName(name) else {
                        throw .unsafe(
                            file: shown(t.rel), line: tag.line,
                            problem:
                                "unescaped output of \"\(name)\" is not allowed: data must be printed with {{\(name)}} so that it is HTML-escaped (only tool-built charts, names ending in SVG, may use triple braces)"
                        )
                    }
                case .partial(let name):
                    if name.hasPrefix("*") {
                        throw .unsafe(file: shown(t.rel), line: tag.line, problem: "dynamic partials ({{>*name}}) are not supported: name the partial")
                    }
                    guard names.contains(name) else {
                        throw .missingPartial(file: shown(t.rel), line: tag.line, name: name, expected: shown(name + ".mustache"))
                    }
                case .pragma:
                    throw .unsafe(
                        file: shown(t.rel), line: tag.line, problem: "pragmas ({{%…}}) are not supported: CONTENT_TYPE could switch HTML escaping off")
                case .delimiters:
                    throw .unsafe(
                        file: shown(t.rel), line: tag.line, problem: "changing the delimiters ({{=…=}}) is not supported: keep the standard double braces")
                }
            }
        }
        return HTMLTemplates(directory: directory, library: library)
    }

    /// Finds the default templates: a `Templates/` directory holding the main template in the
    /// executable's directory or above it, then in the working directory or above it (at
    /// each level also `share/chargeback/Templates`, for an installed copy).
    public static func locate(executableDirectory: URL?, workingDirectory: URL) -> URL? {
        for start in [executableDirectory, workingDirectory].compactMap({ $0 }) {
            var dir = start.standardizedFileURL
            while true {
                for candidate in ["Templates", "share/chargeback/Templates"] {
                    let t = dir.appendingPathComponent(candidate)
                    if FileManager.default.fileExists(atPath: t.appendingPathComponent(mainFile).path) { return t }
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path || dir.path == "/" { break }
                dir = parent
            }
        }
        return nil
    }

    /// Loads `--templates DIR` when given (relative to `workingDirectory`), else the default
    /// templates found by `locate`.
    public static func resolve(option: String?, workingDirectory: URL, executableDirectory: URL?) throws(TemplateError) -> HTMLTemplates {
        if let option {
            let dir = option.hasPrefix("/") ? URL(fileURLWithPath: option) : workingDirectory.appendingPathComponent(option)
            return try load(directory: dir, shownAs: option)
        }
        guard let dir = locate(executableDirectory: executableDirectory, workingDirectory: workingDirectory) else {
            throw .notFound(searched: [executableDirectory?.path, workingDirectory.path].compactMap { $0 })
        }
        return try load(directory: dir)
    }

    /// Renders the page.
    func render(_ model: HTMLReportModel) -> String {
        library.render(model, withTemplate: Self.mainTemplate) ?? ""
    }

    // MARK: - Checking tags

    enum TagKind: Equatable {
        case unescaped(String)
        case partial(String)
        case pragma
        case delimiters
    }

    struct Tag: Equatable {
        var kind: TagKind
        var line: Int
    }

    /// The tags that matter to the safety and partial checks, with their line numbers. Runs
    /// after the engine parsed the text, so every tag is well formed; with delimiter changes
    /// refused, every tag starts with `{{`. Comments end at the first `}}`, as in the engine.
    static func scanTags(_ text: String) -> [Tag] {
        let b = Array(text.utf8)
        var tags: [Tag] = []
        var line = 1
        var i = 0
        func find(_ closing: [UInt8], from start: Int) -> Int? {
            var j = start
            while j + closing.count <= b.count {
                if b[j] == closing[0] && Array(b[j..<(j + closing.count)]) == closing { return j }
                j += 1
            }
            return nil
        }
        func content(_ from: Int, _ to: Int) -> String {
            String(decoding: b[from..<to], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let close2: [UInt8] = Array("}}".utf8), close3: [UInt8] = Array("}}}".utf8)
        while i < b.count {
            if b[i] == 0x0A {
                line += 1
                i += 1
                continue
            }
            guard b[i] == UInt8(ascii: "{"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "{") else {
                i += 1
                continue
            }
            let tagLine = line
            let sigil = i + 2 < b.count ? b[i + 2] : 0
            let closing = sigil == UInt8(ascii: "{") ? close3 : close2
            let end = find(closing, from: i + 2) ?? b.count
            let inner = i + 3 <= end ? content(i + 3, end) : ""
            switch sigil {
            case UInt8(ascii: "{"), UInt8(ascii: "&"): tags.append(Tag(kind: .unescaped(inner), line: tagLine))
            case UInt8(ascii: ">"), UInt8(ascii: "<"): tags.append(Tag(kind: .partial(inner), line: tagLine))
            case UInt8(ascii: "%"): tags.append(Tag(kind: .pragma, line: tagLine))
            case UInt8(ascii: "="): tags.append(Tag(kind: .delimiters, line: tagLine))
            default: break
            }
            let next = min(b.count, end + closing.count)
            for k in i..<next where b[k] == 0x0A { line += 1 }
            i = next
        }
        return tags
    }

    /// A plain dotted name whose last part ends in `SVG`, e.g. `chart.chartSVG`.
    static func isSVGName(_ name: String) -> Bool {
        guard let last = name.split(separator: ".", omittingEmptySubsequences: false).last, last.hasSuffix("SVG") else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "." }
    }

    private static func problem(_ error: Error) -> String {
        guard let e = error as? MustacheTemplate.Error else { return describe(error) }
        switch e {
        case .sectionCloseNameIncorrect: return "this closing tag does not match the section it closes"
        case .unfinishedName: return "a tag is not finished (expected a name and then }})"
        case .expectedSectionEnd: return "a section is never closed (expected {{/name}})"
        case .invalidSetDelimiter: return "the set-delimiter tag is malformed"
        case .transformAppliedToInheritanceSection: return "a transform cannot apply to an inherited block"
        case .illegalTokenInsideInheritSection: return "only {{$block}} definitions may appear inside {{<parent}}"
        case .textInsideInheritSection: return "text cannot appear inside {{<parent}}"
        case .invalidConfigVariableSyntax: return "the pragma is malformed"
        case .unrecognisedConfigVariable: return "unknown pragma"
        }
    }
}
