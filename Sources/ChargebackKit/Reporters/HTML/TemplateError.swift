import Foundation

/// A problem with the HTML templates (`Templates/`, or `--templates DIR`): a usage error,
/// reported before anything is written.
public enum TemplateError: LocalizedError, Sendable, Equatable {
    /// No `Templates/` directory with the main template was found by the default search.
    case notFound(searched: [String])
    /// The directory named by `--templates` does not hold the main template.
    case missingMain(directory: String, file: String)
    /// A template file could not be read, or is not UTF-8.
    case unreadable(file: String, reason: String)
    /// A template does not parse.
    case syntax(file: String, line: Int, column: Int, problem: String, text: String)
    /// A template includes a partial that no file provides.
    case missingPartial(file: String, line: Int, name: String, expected: String)
    /// A template uses a construct that could print data unescaped.
    case unsafe(file: String, line: Int, problem: String)
    /// The HTML reporter ran without loaded templates (a programming error in a caller).
    case notLoaded

    public var errorDescription: String? {
        switch self {
        case .notFound(let searched):
            "cannot find the HTML templates: no Templates/\(HTMLTemplates.mainFile) in or above \(searched.joined(separator: " or ")); pass --templates DIR, or leave report.html out with --format"
        case .missingMain(let directory, let file):
            "--templates \(directory): \(file) is missing (the page starts from \(HTMLTemplates.mainFile); copy Templates/ from the package and edit it)"
        case .unreadable(let file, let reason):
            "template \(file): cannot read it: \(reason)"
        case .syntax(let file, let line, let column, let problem, let text):
            "template \(file) line \(line), column \(column): \(problem): \(text.trimmingCharacters(in: .whitespaces))"
        case .missingPartial(let file, let line, let name, let expected):
            "template \(file) line \(line): partial \"\(name)\" not found (expected \(expected))"
        case .unsafe(let file, let line, let problem):
            "template \(file) line \(line): \(problem)"
        case .notLoaded:
            "report.html needs templates, but none were loaded (resolve the options with ReportRun.resolve)"
        }
    }
}
