import CLibXML2
import Foundation

// The one file that talks to libxml2 (STYLE: "the C library stays in one room"). Everything
// allocated here is freed here, in `defer` or in a `deinit`; a negative return code or a NULL
// result becomes a thrown `XMLError`; `xmlInitParser` runs once, before the first call.

/// A libxml2 operation that failed.
public enum XMLError: LocalizedError, Sendable, Equatable {
    /// A libxml2 call returned an error code or NULL.
    case call(String)
    /// A file could not be opened for reading.
    case unreadable(path: String, reason: String)
    /// The schema itself is not a usable XML Schema.
    case schema(path: String, diagnostics: [XMLDiagnostic])
    /// A file could not be parsed as XML.
    case notWellFormed(path: String, diagnostics: [XMLDiagnostic])
    /// No schema was given and none was found in the usual places.
    case schemaNotFound(searched: [String])

    public var errorDescription: String? {
        switch self {
        case .call(let name):
            "libxml2 call \(name) failed"
        case .unreadable(let path, let reason):
            "cannot read \(path): \(reason)"
        case .schema(let path, let diagnostics):
            "\(path) is not a usable XML Schema (pass another one with --schema FILE.xsd):\n"
                + diagnostics.map { "  " + $0.description }.joined(separator: "\n")
        case .notWellFormed(let path, let diagnostics):
            "\(path) cannot be read as XML:\n" + diagnostics.map { "  " + $0.description }.joined(separator: "\n")
        case .schemaNotFound(let searched):
            "cannot find Templates/audit.xsd (looked in " + searched.joined(separator: ", ") + "): pass it with --schema FILE.xsd"
        }
    }
}

/// One message from libxml2's parser or schema validator, with where it points.
public struct XMLDiagnostic: Sendable, Equatable, CustomStringConvertible {
    /// The file the message is about.
    public var file: String
    /// 1-based line; 0 when libxml2 gives none.
    public var line: Int
    /// True for a warning, false for an error.
    public var isWarning: Bool
    /// libxml2's message, without its final newline.
    public var message: String

    /// Creates a diagnostic.
    public init(file: String, line: Int, isWarning: Bool = false, message: String) {
        self.file = file
        self.line = line
        self.isWarning = isWarning
        self.message = message
    }

    /// `file:line: error: message`, the form compilers use.
    public var description: String {
        "\(file):\(line): \(isWarning ? "warning" : "error"): \(message)"
    }
}

/// The outcome of validating one document against a schema.
public struct XMLValidation: Sendable, Equatable {
    /// True when the document is well-formed and valid, with no error reported.
    public var isValid: Bool
    /// Every error and warning, by line.
    public var diagnostics: [XMLDiagnostic]
}

/// Process-wide libxml2 set-up.
enum LibXML2 {
    /// Runs `xmlInitParser` exactly once (a `static let` is initialised lazily and thread-safely).
    private static let initialised: Void = xmlInitParser()

    /// Call before any other libxml2 function.
    static func initialise() { _ = initialised }

    /// Parser options for every document read here: no network, and neither entity
    /// substitution (`XML_PARSE_NOENT`) nor DTD loading (`XML_PARSE_DTDLOAD`), so an external
    /// entity is never fetched or expanded (XXE).
    static let safeParseOptions = Int32(XML_PARSE_NONET.rawValue)
}

/// Collects libxml2's structured errors; passed to C callbacks as an unretained pointer that
/// lives as long as the call that installs it.
private final class DiagnosticCollector {
    let file: String
    var diagnostics: [XMLDiagnostic] = []

    init(file: String) { self.file = file }

    var hasErrors: Bool { diagnostics.contains { !$0.isWarning } }

    var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    func add(_ error: xmlError) {
        var message = error.message.map { String(cString: $0) } ?? "unknown libxml2 error (code \(error.code))"
        while message.last?.isWhitespace == true { message.removeLast() }
        let isWarning = error.level.rawValue == XML_ERR_WARNING.rawValue
        diagnostics.append(XMLDiagnostic(file: file, line: Int(error.line), isWarning: isWarning, message: message))
    }

    /// The structured error callback: `userData` is a collector.
    static func receive(_ userData: UnsafeMutableRawPointer?, _ error: xmlErrorPtr?) {
        guard let userData, let error else { return }
        Unmanaged<DiagnosticCollector>.fromOpaque(userData).takeUnretainedValue().add(error.pointee)
    }
}

/// Checks that `path` names a readable regular file, so that libxml2 never reports a missing
/// file through its own stderr channel.
private func requireReadableFile(_ path: String) throws(XMLError) {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
        throw .unreadable(path: path, reason: "no such file")
    }
    guard !isDir.boolValue else { throw .unreadable(path: path, reason: "it is a directory") }
    guard access(path, R_OK) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
}

/// Parses a whole file into a tree with `LibXML2.safeParseOptions`. The caller frees the
/// result with `xmlFreeDoc`. Documents with a DOCTYPE are refused: no file this tool reads
/// has one, and refusing it keeps entities out entirely.
private func parseDocument(_ path: String) throws(XMLError) -> xmlDocPtr {
    LibXML2.initialise()
    try requireReadableFile(path)
    guard let ctxt = xmlNewParserCtxt() else { throw .call("xmlNewParserCtxt") }
    defer { xmlFreeParserCtxt(ctxt) }
    let collector = DiagnosticCollector(file: path)
    let doc = withThreadErrorHandler(collector) { xmlCtxtReadFile(ctxt, path, nil, LibXML2.safeParseOptions) }
    guard let doc, ctxt.pointee.wellFormed != 0, !collector.hasErrors else {
        if let doc { xmlFreeDoc(doc) }
        throw .notWellFormed(path: path, diagnostics: collector.diagnostics)
    }
    if xmlGetIntSubset(doc) != nil {
        xmlFreeDoc(doc)
        throw .notWellFormed(path: path, diagnostics: [XMLDiagnostic(file: path, line: doctypeLine(path), message: doctypeRefused)])
    }
    return doc
}

/// Runs `body` with `collector` as this thread's libxml2 structured error handler, then puts
/// the previous handler back. libxml2 2.9 drops the parser errors meant for a text reader's own
/// structured handler unless a thread-level handler is installed too (`__xmlRaiseError` gives
/// up before calling it); libxml2 keeps this handler per thread, so no other thread sees it.
private func withThreadErrorHandler<R, E: Error>(_ collector: DiagnosticCollector, _ body: () throws(E) -> R) throws(E) -> R {
    let previous = __xmlStructuredError().pointee
    let previousContext = __xmlStructuredErrorContext().pointee
    xmlSetStructuredErrorFunc(collector.opaque, { DiagnosticCollector.receive($0, $1) })
    defer { xmlSetStructuredErrorFunc(previousContext, previous) }
    return try withExtendedLifetime(collector) { () throws(E) -> R in try body() }
}

/// The line of `<!DOCTYPE` in the file's prolog (libxml2's DTD node has no line number).
private func doctypeLine(_ path: String) -> Int {
    guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
    defer { try? handle.close() }
    let prolog = (try? handle.read(upToCount: 1 << 20)) ?? Data()
    guard let range = prolog.range(of: Data("<!DOCTYPE".utf8)) else { return 0 }
    return 1 + prolog[..<range.lowerBound].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
}

private let doctypeRefused = "a DOCTYPE declaration is not accepted (entities are never expanded or loaded)"

/// XML Schema validation with libxml2.
public enum XMLSchemaValidator {
    /// Validates the document at `documentPath` against the schema at `schemaPath`. The
    /// document is read as a stream (memory does not grow with its size), without network
    /// access, entity substitution or DTD loading; a DOCTYPE makes it invalid. Throws when the
    /// schema is unusable or a file cannot be read; an invalid or ill-formed document is a
    /// result with `isValid == false` and a diagnostic for each error, with its line.
    public static func validate(documentAt documentPath: String, schemaAt schemaPath: String) throws(XMLError) -> XMLValidation {
        let schemaDoc = try parseDocument(schemaPath)
        defer { xmlFreeDoc(schemaDoc) }
        let schemaErrors = DiagnosticCollector(file: schemaPath)
        guard let parserCtxt = xmlSchemaNewDocParserCtxt(schemaDoc) else { throw .call("xmlSchemaNewDocParserCtxt") }
        defer { xmlSchemaFreeParserCtxt(parserCtxt) }
        xmlSchemaSetParserStructuredErrors(parserCtxt, { DiagnosticCollector.receive($0, $1) }, schemaErrors.opaque)
        let parsed = withExtendedLifetime(schemaErrors) { xmlSchemaParse(parserCtxt) }
        guard let schema = parsed, !schemaErrors.hasErrors else {
            if let parsed { xmlSchemaFree(parsed) }
            throw .schema(path: schemaPath, diagnostics: schemaErrors.diagnostics)
        }
        defer { xmlSchemaFree(schema) }
        guard let validCtxt = xmlSchemaNewValidCtxt(schema) else { throw .call("xmlSchemaNewValidCtxt") }
        defer { xmlSchemaFreeValidCtxt(validCtxt) }

        try requireReadableFile(documentPath)
        if try hasDoctype(documentPath) {
            let refused = XMLDiagnostic(file: documentPath, line: doctypeLine(documentPath), message: doctypeRefused)
            return XMLValidation(isValid: false, diagnostics: [refused])
        }
        let errors = DiagnosticCollector(file: documentPath)
        guard let reader = xmlReaderForFile(documentPath, nil, LibXML2.safeParseOptions) else {
            throw .unreadable(path: documentPath, reason: "libxml2 could not open it")
        }
        defer { xmlFreeTextReader(reader) }
        return try withThreadErrorHandler(errors) { () throws(XMLError) -> XMLValidation in
            // The handler first: the reader relays the validator's errors through it.
            xmlTextReaderSetStructuredErrorHandler(reader, { DiagnosticCollector.receive($0, $1) }, errors.opaque)
            guard xmlTextReaderSchemaValidateCtxt(reader, validCtxt, 0) == 0 else { throw .call("xmlTextReaderSchemaValidateCtxt") }
            var status: Int32 = 1
            while status == 1 { status = xmlTextReaderRead(reader) }
            if status < 0 && !errors.hasErrors {
                let line = Int(xmlTextReaderGetParserLineNumber(reader))
                errors.diagnostics.append(XMLDiagnostic(file: documentPath, line: line, message: "the document could not be read to its end"))
            }
            let valid = status == 0 && xmlTextReaderIsValid(reader) == 1 && !errors.hasErrors
            // The reader parses ahead of the node it returns, so messages can arrive out of
            // line order; a stable sort keeps messages on one line in their order.
            let sorted = errors.diagnostics.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
            return XMLValidation(isValid: valid, diagnostics: sorted)
        }
    }
}

/// Whether the document's prolog holds a DOCTYPE, found by reading up to its first element
/// with no schema attached (so the validator never meets an unexpanded entity reference).
/// Errors are left for the validating pass to report.
private func hasDoctype(_ path: String) throws(XMLError) -> Bool {
    guard let reader = xmlReaderForFile(path, nil, LibXML2.safeParseOptions) else {
        throw .unreadable(path: path, reason: "libxml2 could not open it")
    }
    defer { xmlFreeTextReader(reader) }
    let ignored = DiagnosticCollector(file: path)
    return withThreadErrorHandler(ignored) { () -> Bool in
        xmlTextReaderSetStructuredErrorHandler(reader, { DiagnosticCollector.receive($0, $1) }, ignored.opaque)
        while xmlTextReaderRead(reader) == 1 {
            switch xmlTextReaderNodeType(reader) {
            case Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue): return true
            case Int32(XML_READER_TYPE_ELEMENT.rawValue): return false
            default: continue
            }
        }
        return false
    }
}

/// Reads values back out of an XML file by XPath (for tests and checks; builds the whole tree).
enum XMLReadBack {
    /// The string value of every node `xpath` selects, in document order. `namespaces` maps
    /// prefixes used in `xpath` to namespace URIs.
    static func strings(_ xpath: String, namespaces: [String: String] = [:], inFile path: String) throws(XMLError) -> [String] {
        let doc = try parseDocument(path)
        defer { xmlFreeDoc(doc) }
        guard let context = xmlXPathNewContext(doc) else { throw .call("xmlXPathNewContext") }
        defer { xmlXPathFreeContext(context) }
        for (prefix, uri) in namespaces {
            let rc = withXMLChars(prefix) { p in withXMLChars(uri) { u in xmlXPathRegisterNs(context, p, u) } }
            guard rc == 0 else { throw .call("xmlXPathRegisterNs") }
        }
        guard let result = withXMLChars(xpath, { xmlXPathEvalExpression($0, context) }) else { throw .call("xmlXPathEvalExpression(\(xpath))") }
        defer { xmlXPathFreeObject(result) }
        guard let nodes = result.pointee.nodesetval, nodes.pointee.nodeNr > 0 else { return [] }
        guard let buffer = xmlBufferCreate() else { throw .call("xmlBufferCreate") }
        defer { xmlBufferFree(buffer) }
        var values: [String] = []
        for i in 0..<Int(nodes.pointee.nodeNr) {
            xmlBufferEmpty(buffer)
            guard xmlNodeBufGetContent(buffer, nodes.pointee.nodeTab[i]) == 0 else { throw .call("xmlNodeBufGetContent") }
            let length = Int(xmlBufferLength(buffer))
            let bytes = xmlBufferContent(buffer).map { Array(UnsafeBufferPointer(start: $0, count: length)) } ?? []
            values.append(String(decoding: bytes, as: UTF8.self))
        }
        return values
    }
}

/// Calls `body` with `text` as a NUL-terminated `xmlChar` string.
private func withXMLChars<R, E: Error>(_ text: String, _ body: (UnsafePointer<xmlChar>) throws(E) -> R) throws(E) -> R {
    let utf8 = text.utf8CString
    let result = utf8.withUnsafeBufferPointer { chars in
        chars.withMemoryRebound(to: xmlChar.self) { p in Result { () throws(E) in try body(p.baseAddress!) } }
    }
    return try result.get()
}

/// Writes XML through libxml2's streaming text writer (`xmlTextWriter`), UTF-8 and indented by
/// two spaces. Output leaves in chunks of a few kilobytes through `output`, so memory does not
/// depend on the document's size. Every string is passed through `XMLText.sanitized` first and
/// escaped by libxml2. Not thread-safe: one writer, one thread.
final class XMLStreamWriter {
    /// Receives the output chunks; remembers the first error `output` threw.
    private final class Sink {
        let output: (UnsafeRawBufferPointer) throws -> Void
        var failure: (any Error)?

        init(_ output: @escaping (UnsafeRawBufferPointer) throws -> Void) { self.output = output }
    }

    private var writer: xmlTextWriterPtr?
    private let sink: Sink

    /// Starts a writer that sends its bytes to `output`. An error `output` throws stops the
    /// writer; the next call rethrows it.
    init(output: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        LibXML2.initialise()
        sink = Sink(output)
        // The write callback never reports failure to libxml2 (which would print its own
        // message on stderr); it records the error, and `check` rethrows it after the call.
        let buffer = xmlOutputBufferCreateIO(
            { context, bytes, length in
                guard let context, let bytes, length > 0 else { return length }
                let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
                guard sink.failure == nil else { return length }
                do {
                    try sink.output(UnsafeRawBufferPointer(start: bytes, count: Int(length)))
                } catch {
                    sink.failure = error
                }
                return length
            }, nil, Unmanaged.passUnretained(sink).toOpaque(), nil)
        guard let buffer else { throw XMLError.call("xmlOutputBufferCreateIO") }
        guard let writer = xmlNewTextWriter(buffer) else {
            xmlOutputBufferClose(buffer)
            throw XMLError.call("xmlNewTextWriter")
        }
        self.writer = writer
        try check(xmlTextWriterSetIndent(writer, 1), "xmlTextWriterSetIndent")
        try check(withXMLChars("  ") { xmlTextWriterSetIndentString(writer, $0) }, "xmlTextWriterSetIndentString")
    }

    deinit {
        // Frees the writer and its output buffer (after an error; `finish` frees on success).
        if let writer { xmlFreeTextWriter(writer) }
    }

    private func check(_ rc: Int32, _ call: String) throws {
        if let failure = sink.failure { throw failure }
        if rc < 0 { throw XMLError.call(call) }
    }

    private func live() throws -> xmlTextWriterPtr {
        guard let writer else { throw XMLError.call("xmlTextWriter used after finish") }
        return writer
    }

    /// Writes the XML declaration (version 1.0, UTF-8).
    func startDocument() throws {
        let w = try live()
        try check(xmlTextWriterStartDocument(w, "1.0", "UTF-8", nil), "xmlTextWriterStartDocument")
    }

    /// Opens an element.
    func startElement(_ name: String) throws {
        let w = try live()
        try check(withXMLChars(name) { xmlTextWriterStartElement(w, $0) }, "xmlTextWriterStartElement(\(name))")
    }

    /// Adds an attribute to the element just opened.
    func attribute(_ name: String, _ value: String) throws {
        let w = try live()
        let rc = withXMLChars(name) { n in withXMLChars(XMLText.sanitized(value)) { v in xmlTextWriterWriteAttribute(w, n, v) } }
        try check(rc, "xmlTextWriterWriteAttribute(\(name))")
    }

    /// Writes `<name>text</name>`.
    func element(_ name: String, _ text: String) throws {
        let w = try live()
        let rc = withXMLChars(name) { n in withXMLChars(XMLText.sanitized(text)) { v in xmlTextWriterWriteElement(w, n, v) } }
        try check(rc, "xmlTextWriterWriteElement(\(name))")
    }

    /// Writes text content into the element just opened.
    func text(_ text: String) throws {
        let w = try live()
        try check(withXMLChars(XMLText.sanitized(text)) { xmlTextWriterWriteString(w, $0) }, "xmlTextWriterWriteString")
    }

    /// Closes the innermost open element.
    func endElement() throws {
        let w = try live()
        try check(xmlTextWriterEndElement(w), "xmlTextWriterEndElement")
    }

    /// Closes every open element, flushes the last bytes to the output and frees the writer.
    func finish() throws {
        let w = try live()
        try check(xmlTextWriterEndDocument(w), "xmlTextWriterEndDocument")
        try check(xmlTextWriterFlush(w), "xmlTextWriterFlush")
        writer = nil
        xmlFreeTextWriter(w)
        if let failure = sink.failure { throw failure }
    }
}
