import Mustache

/// SVG markup built by `SVGBuilder`: the only kind of value templates may print unescaped
/// (`{{{….svg}}}`), because every text and attribute value inside it was escaped when it was
/// built. Nothing outside this file can create one from a string.
struct SVGMarkup: Sendable, MustacheCustomRenderable {
    /// The finished markup.
    let markup: String

    fileprivate init(markup: String) { self.markup = markup }

    var renderText: String { markup }
    var isNull: Bool { false }
}

/// A small writer of SVG elements. Element and attribute names are fixed strings from the
/// code; every attribute value and every text node is escaped here, so data (user names,
/// days, labels) can never become markup.
struct SVGBuilder {
    private var out = ""
    private var stack: [String] = []

    /// Starts an `<svg>` root with the given attributes.
    init(_ attributes: [(String, String)]) {
        open("svg", [("xmlns", "http://www.w3.org/2000/svg")] + attributes)
    }

    /// Opens `<name …>`.
    mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        tag(name, attributes)
        out += ">"
        stack.append(name)
    }

    /// Closes the innermost open element.
    mutating func close() {
        out += "</" + stack.removeLast() + ">"
    }

    /// Writes `<name …/>`.
    mutating func leaf(_ name: String, _ attributes: [(String, String)]) {
        tag(name, attributes)
        out += "/>"
    }

    /// Writes `<name …>text</name>`.
    mutating func element(_ name: String, _ attributes: [(String, String)] = [], text: String) {
        open(name, attributes)
        self.text(text)
        close()
    }

    /// Writes an escaped text node.
    mutating func text(_ value: String) {
        out += Self.escape(value)
    }

    /// Closes every open element and returns the markup.
    mutating func finish() -> SVGMarkup {
        while !stack.isEmpty { close() }
        return SVGMarkup(markup: out)
    }

    private mutating func tag(_ name: String, _ attributes: [(String, String)]) {
        out += "<" + name
        for (key, value) in attributes {
            out += " " + key + "=\"" + Self.escape(value) + "\""
        }
    }

    /// Escapes the five characters that are special in XML text and attribute values.
    static func escape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return s }
        var r = ""
        r.reserveCapacity(s.utf8.count + 16)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": r += "&amp;"
            case "<": r += "&lt;"
            case ">": r += "&gt;"
            case "\"": r += "&quot;"
            case "'": r += "&#39;"
            default: r.unicodeScalars.append(ch)
            }
        }
        return r
    }

    /// A coordinate with at most one decimal, without a trailing `.0`, independent of locale.
    static func number(_ v: Double) -> String {
        let tenths = Int((v * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let m = tenths.magnitude
        return m % 10 == 0 ? sign + String(m / 10) : sign + String(m / 10) + "." + String(m % 10)
    }
}
