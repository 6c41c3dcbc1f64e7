import Foundation

/// `chargeback validate`: checks an audit file against the audit schema (SPEC 3.6).
public enum ValidateRun {
    /// The schema's path below a package or installation root.
    public static let schemaRelativePath = "Templates/audit.xsd"

    /// What a validation found, and with which schema.
    public struct Outcome: Sendable {
        /// The schema used.
        public var schema: URL
        /// The result, with every diagnostic.
        public var validation: XMLValidation
    }

    /// Validates `document` against `schema`, or, without one, against the schema found by
    /// `locateSchema`. Relative paths are resolved against `workingDirectory`. Throws
    /// `XMLError` when a file cannot be read, the schema is unusable or cannot be found.
    public static func execute(document: String, schema: String?, workingDirectory: URL, executable: URL?) throws(XMLError) -> Outcome {
        let documentURL = resolve(document, against: workingDirectory)
        let schemaURL: URL
        if let schema {
            schemaURL = resolve(schema, against: workingDirectory)
        } else {
            schemaURL = try locateSchema(workingDirectory: workingDirectory, executable: executable)
        }
        var validation = try XMLSchemaValidator.validate(documentAt: documentURL.path, schemaAt: schemaURL.path)
        // Messages name the document as the user did.
        for i in validation.diagnostics.indices where validation.diagnostics[i].file == documentURL.path {
            validation.diagnostics[i].file = document
        }
        return Outcome(schema: schemaURL, validation: validation)
    }

    /// Finds `Templates/audit.xsd` without trusting the document to name its own schema: in
    /// the directories from the executable's upwards (the package a `swift build` binary sits
    /// in, or `share/chargeback/` beside an installed `bin/`), then from the working directory
    /// upwards.
    public static func locateSchema(workingDirectory: URL, executable: URL?) throws(XMLError) -> URL {
        var starts: [URL] = []
        if let executable { starts.append(executable.resolvingSymlinksInPath().deletingLastPathComponent()) }
        starts.append(workingDirectory.standardizedFileURL)
        var searched: [String] = []
        for start in starts {
            var dir = start
            while true {
                for candidate in [dir.appendingPathComponent(schemaRelativePath), dir.appendingPathComponent("share/chargeback/" + schemaRelativePath)] {
                    if FileManager.default.isReadableFile(atPath: candidate.path) { return candidate }
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
            searched.append(start.path + " and its parents")
        }
        throw .schemaNotFound(searched: searched)
    }

    private static func resolve(_ path: String, against dir: URL) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : dir.appendingPathComponent(path)
    }
}
