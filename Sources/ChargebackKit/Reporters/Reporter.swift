import Foundation

/// What varies between runs but is not computed from the documents: passed to every reporter
/// so that the same inputs and context always give the same bytes.
public struct ReportContext: Sendable {
    /// The report's "as of" instant (`--as-of`, `SOURCE_DATE_EPOCH`, or now).
    public var asOf: Instant
    public var toolVersion: String
    /// Prefix CSV files with a UTF-8 byte order mark.
    public var excel: Bool
    /// The effective arguments, normalised (sorted inputs), for the manifest.
    public var arguments: [(String, JSONText)]
    /// Files written before the manifest, with their digests.
    public var outputs: [OutputDigest] = []
    /// The templates of `report.html` (the defaults, or `--templates DIR`); nil when the run
    /// writes no HTML.
    public var templates: HTMLTemplates?

    /// Creates a context.
    public init(
        asOf: Instant, toolVersion: String = chargebackVersion, excel: Bool = false, arguments: [(String, JSONText)] = [], templates: HTMLTemplates? = nil
    ) {
        self.asOf = asOf
        self.toolVersion = toolVersion
        self.excel = excel
        self.arguments = arguments
        self.templates = templates
    }
}

/// The version written into every report.
public let chargebackVersion = "0.1.0"

/// A written file's name, size and SHA-256.
public struct OutputDigest: Sendable, Equatable {
    public var path: String
    public var bytes: Int64
    public var sha256: String
}

/// Renders a computed report into one file's bytes. Reporters compute nothing new.
public protocol Reporter: Sendable {
    /// Renders the file.
    func render(_ report: Report, context: ReportContext) throws -> [UInt8]
}

/// A reporter whose file can be large (one entry per job): it writes the file piece by piece
/// into a sink, so memory does not grow with the report. `ReportRun` streams it straight into
/// the temporary file of an atomic write; `render` collects it in memory.
public protocol StreamingReporter: Reporter {
    /// Writes the file into `sink`.
    func write(_ report: Report, context: ReportContext, to sink: OutputSink) throws(OutputError)
}

extension StreamingReporter {
    /// The whole file in memory (for small reports and tests).
    public func render(_ report: Report, context: ReportContext) throws -> [UInt8] {
        let sink = OutputSink(inMemoryFor: "(memory)")
        try write(report, context: context, to: sink)
        return sink.bytes
    }
}

/// The groups of files `--format` chooses from.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// `summary.csv` and `line-items.csv`.
    case csv
    /// `summary.csv` alone (e.g. for `--output -`).
    case summary
    /// `line-items.csv` alone.
    case lineItems = "line-items"
    /// `focus.csv`, FinOps FOCUS 1.2.
    case focus
    /// `audit.xml`.
    case xml
    /// `report.html`, the management summary.
    case html

    /// What a run writes without `--format`: every report.
    public static let defaults: [OutputFormat] = [.csv, .focus, .xml, .html]

    /// The files of this format.
    public var files: [OutputFile] {
        switch self {
        case .csv: [.summary, .lineItems]
        case .summary: [.summary]
        case .lineItems: [.lineItems]
        case .focus: [.focus]
        case .xml: [.audit]
        case .html: [.html]
        }
    }

    /// Parses a comma list such as `csv`.
    public static func parseList(_ text: String) throws(UsageError) -> [OutputFormat] {
        var formats: [OutputFormat] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased()
            guard let f = OutputFormat(rawValue: name) else {
                throw UsageError.invalidValue(
                    option: "--format", value: text, expected: "a comma list of " + allCases.map(\.rawValue).joined(separator: ", ") + " (unknown: \"\(name)\")"
                )
            }
            if !formats.contains(f) { formats.append(f) }
        }
        return formats
    }
}

/// Every file a run can write. Rejects and the manifest are always written.
public enum OutputFile: String, Sendable, CaseIterable {
    case summary = "summary.csv"
    case lineItems = "line-items.csv"
    case focus = "focus.csv"
    case audit = "audit.xml"
    case html = "report.html"
    case rejects = "rejects.csv"
    case manifest = "manifest.json"

    /// The reporter that renders this file.
    public var reporter: any Reporter {
        switch self {
        case .summary: SummaryCSVReporter()
        case .lineItems: LineItemsCSVReporter()
        case .focus: FocusCSVReporter()
        case .audit: AuditXMLReporter()
        case .html: HTMLReporter()
        case .rejects: RejectsCSVReporter()
        case .manifest: ManifestReporter()
        }
    }
}
