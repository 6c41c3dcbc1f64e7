import ChargebackKit
import Foundation

/// The human message of an error answer, as the server wrote it: IICS puts it in
/// `error.message` (v3) or `message`/`errorMessage`/`description`; otherwise the start of
/// the body text.
enum ServerMessage {
    static func of(status: Int, body: [UInt8]) -> String {
        if let message = extract(body) { return "HTTP \(status): \(message)" }
        return "HTTP \(status) \(reasonPhrase(status))"
    }

    static func extract(_ body: [UInt8]) -> String? {
        if let value = try? body.withUnsafeBufferPointer({ buf in
            var p = JSONParser(buf)
            return try p.parseDocument()
        }), case .object(let top) = value {
            var candidates: [JSONValue?] = []
            if case .object(let e)? = top["error"] {
                candidates += [e["message"], e["description"], e["detail"]]
            }
            candidates += [top["message"], top["errorMessage"], top["error_description"], top["description"], top["detail"], top["title"], top["error"]]
            for case .string(let s)? in candidates where !s.trimmingCharacters(in: .whitespaces).isEmpty {
                return clean(s)
            }
        }
        let text = clean(String(decoding: body, as: UTF8.self))
        return text.isEmpty ? nil : text
    }

    /// One line, no control characters, at most 200 characters.
    static func clean(_ s: String) -> String {
        let flat = String(String.UnicodeScalarView(s.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
        let trimmed = flat.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        return trimmed.count > 200 ? String(trimmed.prefix(200)) + "…" : trimmed
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "(no message)"
        }
    }
}
