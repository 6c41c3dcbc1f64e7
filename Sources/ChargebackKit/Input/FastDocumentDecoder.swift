import Foundation

/// The reader's fast path for the usual document: one flat JSON object whose recognised
/// fields are read straight from the bytes into a `JobDocument`, with no `JSONValue` tree,
/// no dictionary and no string for an unknown field or a number.
///
/// It only ever accepts: anything it does not handle itself — a nested value, an escaped or
/// non-ASCII member name, an envelope, a field of the wrong type, any syntax error or any
/// reject — makes it decline (nil), and the general path (`JSONParser` + `DocumentDecoder`)
/// then reads the document from scratch. Every reject and every unusual document is thus
/// decided by one piece of code, and an accepted document is the one the general path would
/// have built (the reader tests run both paths over the same inputs).
struct FastDocumentDecoder {
    let inputZone: Zone
    /// Finds the pooled texts of repeated strings (org, user, environment, task, error, URL
    /// prefix) by their bytes.
    private var interner = ByteInterner()
    /// The pooled texts of strings with escapes, known by their bytes as written.
    private var escapedTexts = ByteInterner()
    private var slots = [Slot](repeating: Slot(), count: Field.allCases.count)
    private var unknownNames: [Range<Int>] = []

    init(inputZone: Zone) {
        self.inputZone = inputZone
    }

    /// The recognised member names of a document (the general path's `documentFields`).
    enum Field: Int, CaseIterable {
        case status, executionState, orgId, startedBy, runtimeEnvId, agentGroupId, assetName, codeTaskName
        case instanceName, errorMessage, firstErrorMessage, sessionLogUrl, agentJobLogUrl, advancedLogLocation
        case advancedLogDownloadUrl, startTime, updateTime, endTime, codeTaskId, runId
        case assignedServerlessComputeUnits, consumedServerlessComputeUnits

        /// Fields read as pooled text (`pooled(_:_:)`).
        var pooled: Bool {
            switch self {
            case .orgId, .startedBy, .runtimeEnvId, .agentGroupId, .assetName, .codeTaskName, .errorMessage, .firstErrorMessage: true
            default: false
            }
        }
    }

    private enum ValueKind: UInt8 { case absent, null, string, escapedString, number, literal }

    private struct Slot {
        var kind = ValueKind.absent
        var range = 0..<0
    }

    /// Decodes the document whose trimmed text is `bytes[span]`; nil to leave it to the
    /// general path. `ownText`, when given, is what the document keeps of its text.
    mutating func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ span: Range<Int>, source: SourceLocation, ownText: DocumentText?) -> JobDocument? {
        guard scan(bytes, span) else { return nil }
        var c = DocumentContent(state: .queued)
        // Strings: status wins over executionState, and so on, as in the general path.
        guard let state = state(bytes), let orgId = pooled(.orgId, bytes), let startedBy = pooled(.startedBy, bytes),
            let runtimeEnvId = pooled(.runtimeEnvId, bytes), let agentGroupId = pooled(.agentGroupId, bytes),
            let assetName = pooled(.assetName, bytes), let codeTaskName = pooled(.codeTaskName, bytes),
            let errorMessage = pooled(.errorMessage, bytes),
            let firstErrorMessage = pooled(.firstErrorMessage, bytes), let sessionLink = link(bytes),
            let agentJobLogUrl = string(.agentJobLogUrl, bytes), let advancedLogLocation = string(.advancedLogLocation, bytes),
            let advancedLogDownloadUrl = string(.advancedLogDownloadUrl, bytes)
        else { return nil }
        c.state = state
        guard let startTime = instant(.startTime, bytes), let updateTime = instant(.updateTime, bytes), let endTime = instant(.endTime, bytes),
            let codeTaskId = integer(.codeTaskId, bytes), let runId = integer(.runId, bytes),
            let assigned = computeUnits(.assignedServerlessComputeUnits, bytes), let consumed = computeUnits(.consumedServerlessComputeUnits, bytes)
        else { return nil }
        c.startTime = startTime
        c.updateTime = updateTime
        c.endTime = endTime
        c.orgText = orgId
        c.userText = startedBy
        c.environmentText = runtimeEnvId != .none ? runtimeEnvId : agentGroupId
        c.codeTaskId = codeTaskId
        c.codeTaskNameText = assetName != .none ? assetName : codeTaskName
        c.runId = runId
        guard setInstanceName(&c, bytes) else { return nil }
        c.errorText = errorMessage != .none ? errorMessage : firstErrorMessage
        c.sessionLink = sessionLink
        c.agentJobLogUrl = agentJobLogUrl
        c.advancedLogLocation = advancedLogLocation
        c.advancedLogDownloadUrl = advancedLogDownloadUrl
        guard assigned.set(into: &c, assigned: true), consumed.set(into: &c, assigned: false) else { return nil }
        // Negative CU (declined above), no identity and an end before the start are rejects:
        // the general path words them.
        if let s = startTime, let e = endTime, e < s { return nil }
        let doc = JobDocument(
            content: c, envelopeOrgId: nil, fetchedAt: nil, envelopeJobId: nil, source: source,
            text: ownText ?? .inline(String(decoding: UnsafeBufferPointer(rebasing: bytes[span]), as: UTF8.self)))
        if doc.ledgerRunKey == nil && doc.ledgerJobKey == nil { return nil }
        return doc
    }

    /// Checks the syntax of a flat object and notes where each recognised value lies; false
    /// for anything the fast path leaves to the general one.
    private mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>, _ span: Range<Int>) -> Bool {
        for i in slots.indices { slots[i] = Slot() }
        unknownNames.removeAll(keepingCapacity: true)
        var p = JSONParser(bytes, range: span)
        guard p.pos < p.end, bytes[p.pos] == UInt8(ascii: "{") else { return false }
        p.pos += 1
        p.skipWhitespace()
        if p.pos < p.end, bytes[p.pos] == UInt8(ascii: "}") {
            p.pos += 1
            return false  // An empty object has no status: a reject.
        }
        while true {
            p.skipWhitespace()
            guard p.pos < p.end, bytes[p.pos] == UInt8(ascii: "\"") else { return false }
            let nameStart = p.pos + 1
            // An escape, a control character or a non-ASCII byte in a name: the general path.
            let i = ByteScan.firstStringSpecial(bytes.baseAddress!, from: nameStart, to: p.end)
            guard i < p.end, bytes[i] == UInt8(ascii: "\"") else { return false }
            let name = nameStart..<i
            p.pos = i + 1
            p.skipWhitespace()
            guard p.pos < p.end, bytes[p.pos] == UInt8(ascii: ":") else { return false }
            p.pos += 1
            p.skipWhitespace()
            guard p.pos < p.end else { return false }
            let valueStart = p.pos
            let field = Self.field(bytes, name)
            let kind: ValueKind
            switch bytes[p.pos] {
            case UInt8(ascii: "\""):
                // A pooled field's escapes are checked when its text is looked up.
                guard let escaped = skipString(&p, checkEscapes: !(field?.pooled ?? false)) else { return false }
                kind = escaped ? .escapedString : .string
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard (try? p.scanNumber()) != nil else { return false }
                kind = .number
            case UInt8(ascii: "n"):
                guard (try? p.expectLiteral("null")) != nil else { return false }
                kind = .null
            case UInt8(ascii: "t"):
                guard (try? p.expectLiteral("true")) != nil else { return false }
                kind = .literal
            case UInt8(ascii: "f"):
                guard (try? p.expectLiteral("false")) != nil else { return false }
                kind = .literal
            default:
                return false  // Nested objects and arrays (and envelopes) take the general path.
            }
            if let field {
                guard slots[field.rawValue].kind == .absent else { return false }
                slots[field.rawValue] = Slot(kind: kind, range: valueStart..<p.pos)
            } else {
                if name.count == 8 && Self.equal(bytes, name, "response") { return false }
                for other in unknownNames where Self.equal(bytes, name, other) { return false }
                unknownNames.append(name)
            }
            p.skipWhitespace()
            guard p.pos < p.end else { return false }
            if bytes[p.pos] == UInt8(ascii: ",") {
                p.pos += 1
                continue
            }
            guard bytes[p.pos] == UInt8(ascii: "}") else { return false }
            p.pos += 1
            p.skipWhitespace()
            return p.pos == p.end
        }
    }

    /// Moves past the string at `p.pos`; whether it has escapes, or nil when it is not valid
    /// (escapes are checked by decoding, unless `checkEscapes` is false; non-ASCII text by
    /// validating it).
    private func skipString(_ p: inout JSONParser, checkEscapes: Bool) -> Bool? {
        let bytes = p.bytes
        let base = bytes.baseAddress!
        var i = ByteScan.firstStringSpecial(base, from: p.pos + 1, to: p.end)
        // The usual string: plain bytes up to its closing quote.
        if i < p.end, bytes[i] == UInt8(ascii: "\"") {
            p.pos = i + 1
            return false
        }
        var escaped = false, ascii = true
        while i < p.end {
            i = ByteScan.firstStringSpecial(base, from: i, to: p.end)
            guard i < p.end else { break }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") {
                escaped = true
                i += 2
                continue
            }
            if b < 0x20 { return nil }
            if b >= 0x80 { ascii = false }
            i += 1
        }
        guard i < p.end else { return nil }
        if escaped && !checkEscapes && ascii {
            p.pos = i + 1
            return true
        }
        if escaped || !ascii {
            var q = JSONParser(bytes, range: p.pos..<p.end)
            guard (try? q.parseString()) != nil else { return nil }
            p.pos = q.pos
            return escaped
        }
        p.pos = i + 1
        return false
    }

    /// The state: `status`, or else `executionState`, spelled as `JobState` reads it; nil when
    /// neither is, or either is not a string. The usual plain spelling is read from the bytes.
    private mutating func state(_ bytes: UnsafeBufferPointer<UInt8>) -> JobState? {
        let s = slots[Field.status.rawValue], e = slots[Field.executionState.rawValue]
        if e.kind != .number && e.kind != .literal {
            if s.kind == .string, s.range.count > 2, let state = JobState(asciiSpelling: Self.body(bytes, s.range)) { return state }
            let noStatus = s.kind == .absent || s.kind == .null || (s.kind == .string && s.range.count == 2)
            if noStatus, e.kind == .string, e.range.count > 2, let state = JobState(asciiSpelling: Self.body(bytes, e.range)) { return state }
        }
        guard let status = string(.status, bytes), let executionState = string(.executionState, bytes),
            let spelling = status ?? executionState
        else { return nil }
        return JobState(vendorSpelling: spelling)
    }

    /// The bytes between the quotes of the string at `range`.
    private static func body(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[(range.lowerBound + 1)..<(range.upperBound - 1)])
    }

    /// The bytes of the value in `slot`: a plain string's without its quotes.
    private static func valueBytes(_ bytes: UnsafeBufferPointer<UInt8>, _ slot: Slot) -> UnsafeBufferPointer<UInt8> {
        slot.kind == .string ? body(bytes, slot.range) : UnsafeBufferPointer(rebasing: bytes[slot.range])
    }

    /// A string field: `.some(nil)` when absent, null or empty, nil when it is not a string.
    private mutating func string(_ f: Field, _ bytes: UnsafeBufferPointer<UInt8>) -> String?? {
        let slot = slots[f.rawValue]
        switch slot.kind {
        case .absent, .null:
            return .some(nil)
        case .string:
            let body = Self.body(bytes, slot.range)
            if body.isEmpty { return .some(nil) }
            return .some(String(decoding: body, as: UTF8.self))
        case .escapedString:
            var q = JSONParser(bytes, range: slot.range)
            guard let s = try? q.parseString() else { return nil }
            return .some(s.isEmpty ? nil : s)
        case .number, .literal:
            return nil
        }
    }

    /// A string field that repeats across documents, pooled: `none` when absent, null or
    /// empty, nil when it is not a string.
    private mutating func pooled(_ f: Field, _ bytes: UnsafeBufferPointer<UInt8>) -> PooledText? {
        let slot = slots[f.rawValue]
        guard slot.kind == .string || slot.kind == .escapedString else { return string(f, bytes).map(PooledText.init) }
        let body = Self.body(bytes, slot.range)
        if body.isEmpty { return PooledText.none }
        guard slot.kind == .escapedString else { return interner.intern(body) }
        // Seen before: the bytes decode to that text (which also proves them valid). Else the
        // string is decoded, and so checked, as the general path would.
        let h = ByteInterner.hash(body)
        if let known = escapedTexts.find(h, { n in Self.decodes(bytes, slot.range, to: n) }) { return known }
        var q = JSONParser(bytes, range: slot.range)
        guard let text = try? q.parseString() else { return nil }
        let pooled = PooledText(text.isEmpty ? nil : text)
        if pooled != .none { escapedTexts.insert(h, pooled) }
        return pooled
    }

    /// Whether the string at `range` (with its quotes) decodes to exactly the pooled text `n`.
    private static func decodes(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, to n: UInt32) -> Bool {
        let t = PooledText(number: n).utf8
        var q = JSONParser(bytes, range: range)
        var j = 0
        let whole = try? q.decodeString { b in
            guard j < t.count, t[j] == b else { return false }
            j += 1
            return true
        }
        return whole == true && j == t.count
    }

    /// Sets the instance name, as a mark when it is the usual `<codeTaskName>-<runId>`
    /// (checked on the bytes, so the usual one costs no string); false when it is not a string.
    private mutating func setInstanceName(_ c: inout DocumentContent, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let slot = slots[Field.instanceName.rawValue]
        if slot.kind == .string, c.codeTaskNameText != .none, let run = c.runId {
            let body = Self.body(bytes, slot.range)
            let t = c.codeTaskNameText.utf8
            let usual =
                body.count > t.count + 1 && memcmp(body.baseAddress!, t.baseAddress!, t.count) == 0 && body[t.count] == UInt8(ascii: "-")
                && Self.spells(body[(t.count + 1)...], run)
            if usual {
                c.setUsualInstanceName()
                return true
            }
        }
        guard let name = string(.instanceName, bytes) else { return false }
        c.instanceName = name
        return true
    }

    /// Whether `digits` is `n` written as `String(n)` writes it.
    private static func spells(_ digits: Slice<UnsafeBufferPointer<UInt8>>, _ n: Int64) -> Bool {
        var v = n.magnitude
        var i = digits.endIndex
        repeat {
            i -= 1
            guard i >= digits.startIndex, digits[i] == UInt8(ascii: "0") + UInt8(v % 10) else { return false }
            v /= 10
        } while v > 0
        if n < 0 {
            i -= 1
            guard i >= digits.startIndex, digits[i] == UInt8(ascii: "-") else { return false }
        }
        return i == digits.startIndex
    }

    /// The session log URL: `.some(nil)` when absent, null or empty, nil when it is not a
    /// string. Its usual form costs no string of its own.
    private mutating func link(_ bytes: UnsafeBufferPointer<UInt8>) -> SessionLogLink?? {
        let slot = slots[Field.sessionLogUrl.rawValue]
        guard slot.kind == .string else { return string(.sessionLogUrl, bytes).map { $0.map(SessionLogLink.init) } }
        let body = Self.body(bytes, slot.range)
        if body.isEmpty { return .some(nil) }
        return .some(SessionLogLink(bytes: body, interner: &interner))
    }

    /// A field whose value, of `kind`, `parse` reads from its bytes (a string's without its
    /// quotes): `.some(nil)` when absent or null, nil when of another kind or refused.
    private func value<T>(_ f: Field, _ kind: ValueKind, _ bytes: UnsafeBufferPointer<UInt8>, _ parse: (UnsafeBufferPointer<UInt8>) -> T?) -> T?? {
        let slot = slots[f.rawValue]
        switch slot.kind {
        case .absent, .null:
            return .some(nil)
        case kind:
            guard let v = parse(Self.valueBytes(bytes, slot)) else { return nil }
            return .some(v)
        default:
            return nil
        }
    }

    /// A timestamp field, written as a string without escapes.
    private func instant(_ f: Field, _ bytes: UnsafeBufferPointer<UInt8>) -> Instant?? {
        value(f, .string, bytes) { try? parseTimestamp(bytes: $0, zone: inputZone) }
    }

    /// An integer field, written as a whole JSON number, or as a string holding a whole
    /// number (which the general path also takes: `"21"`, `"2.0"`).
    private func integer(_ f: Field, _ bytes: UnsafeBufferPointer<UInt8>) -> Int64?? {
        if slots[f.rawValue].kind == .string {
            return value(f, .string, bytes) { text in ExactDecimal.parse(bytes: text).flatMap(ExactDecimal.int64) }
        }
        return value(f, .number, bytes) { digits in
            var i = 0
            let negative = digits[0] == UInt8(ascii: "-")
            if negative { i += 1 }
            var v: Int64 = 0
            while i < digits.count {
                let d = digits[i]
                guard d >= 0x30 && d <= 0x39 else { return nil }  // A fraction or an exponent.
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (s, o2) = negative ? m.subtractingReportingOverflow(Int64(d - 0x30)) : m.addingReportingOverflow(Int64(d - 0x30))
                guard !o1, !o2 else { return nil }
                v = s
                i += 1
            }
            return v
        }
    }

    /// A compute-unit value as read: absent, a packed word read from its digits, or a
    /// `Decimal` for a spelling the word's short path leaves alone.
    private enum ComputeUnits {
        case absent
        case word(PackedDecimal, negative: Bool)
        case value(Decimal)

        /// Sets the assigned (or consumed) CU of `c`; false for a negative value, a reject
        /// the general path words.
        func set(into c: inout DocumentContent, assigned: Bool) -> Bool {
            switch self {
            case .absent:
                return true
            case .word(let word, let negative):
                if negative { return false }
                if assigned { c.setAssignedCU(word) } else { c.setConsumedCU(word) }
                return true
            case .value(let value):
                if value < 0 { return false }
                if assigned { c.assignedCU = value } else { c.consumedCU = value }
                return true
            }
        }
    }

    /// A compute-unit field, `decimal` without a `Decimal` for the usual spelling.
    private func computeUnits(_ f: Field, _ bytes: UnsafeBufferPointer<UInt8>) -> ComputeUnits? {
        let slot = slots[f.rawValue]
        if slot.kind == .number || slot.kind == .string {
            if let (word, negative) = PackedDecimal.parse(plain: Self.valueBytes(bytes, slot)) { return .word(word, negative: negative) }
        }
        guard let value = decimal(f, bytes) else { return nil }
        return value.map { .value($0) } ?? .absent
    }

    /// A decimal field, written as a JSON number or as a string holding one (`"0.0423"`, as
    /// some documents carry compute units).
    private func decimal(_ f: Field, _ bytes: UnsafeBufferPointer<UInt8>) -> Decimal?? {
        value(f, slots[f.rawValue].kind == .string ? .string : .number, bytes) { ExactDecimal.parse(bytes: $0) }
    }

    private static func field(_ bytes: UnsafeBufferPointer<UInt8>, _ name: Range<Int>) -> Field? {
        func is_(_ s: StaticString) -> Bool { equal(bytes, name, s) }
        switch name.count {
        case 5: return is_("orgId") ? .orgId : is_("runId") ? .runId : nil
        case 6: return is_("status") ? .status : nil
        case 7: return is_("endTime") ? .endTime : nil
        case 9: return is_("startedBy") ? .startedBy : is_("assetName") ? .assetName : is_("startTime") ? .startTime : nil
        case 10: return is_("updateTime") ? .updateTime : is_("codeTaskId") ? .codeTaskId : nil
        case 12:
            return is_("runtimeEnvId")
                ? .runtimeEnvId
                : is_("agentGroupId")
                    ? .agentGroupId
                    : is_("codeTaskName") ? .codeTaskName : is_("instanceName") ? .instanceName : is_("errorMessage") ? .errorMessage : nil
        case 13: return is_("sessionLogUrl") ? .sessionLogUrl : nil
        case 14: return is_("executionState") ? .executionState : is_("agentJobLogUrl") ? .agentJobLogUrl : nil
        case 17: return is_("firstErrorMessage") ? .firstErrorMessage : nil
        case 19: return is_("advancedLogLocation") ? .advancedLogLocation : nil
        case 22: return is_("advancedLogDownloadUrl") ? .advancedLogDownloadUrl : nil
        case 30:
            return is_("assignedServerlessComputeUnits")
                ? .assignedServerlessComputeUnits : is_("consumedServerlessComputeUnits") ? .consumedServerlessComputeUnits : nil
        default: return nil
        }
    }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, _ s: StaticString) -> Bool {
        r.count == s.utf8CodeUnitCount && memcmp(bytes.baseAddress! + r.lowerBound, s.utf8Start, r.count) == 0
    }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ a: Range<Int>, _ b: Range<Int>) -> Bool {
        a.count == b.count && memcmp(bytes.baseAddress! + a.lowerBound, bytes.baseAddress! + b.lowerBound, a.count) == 0
    }
}

/// Finds the pooled text of repeated strings by their UTF-8 bytes for the documents read by
/// one thread, so that a repeat costs no new string and no lock. It holds only hashes and
/// numbers: a candidate is checked against the pool's own copy.
struct ByteInterner {
    private var hashes: [UInt64] = Array(repeating: 0, count: 256)
    /// 0 for an empty slot (empty text is never interned).
    private var numbers: [UInt32] = Array(repeating: 0, count: 256)
    private var count = 0

    /// The pooled text of the (valid UTF-8, non-empty) `bytes`.
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> PooledText {
        let h = Self.hash(bytes)
        if let known = find(h, { Self.same($0, bytes) }) { return known }
        let text = PooledText(bytes: bytes)
        insert(h, text)
        return text
    }

    /// The entry of hash `h` that `match` accepts.
    func find(_ h: UInt64, _ match: (UInt32) -> Bool) -> PooledText? {
        let mask = hashes.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while numbers[i] != 0 {
            if hashes[i] == h, match(numbers[i]) { return PooledText(number: numbers[i]) }
            i = (i + 1) & mask
        }
        return nil
    }

    /// Adds an entry (`text` is not `none`).
    mutating func insert(_ h: UInt64, _ text: PooledText) {
        let mask = hashes.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while numbers[i] != 0 { i = (i + 1) & mask }
        hashes[i] = h
        numbers[i] = text.number
        count += 1
        if count * 2 > hashes.count { grow() }
    }

    /// A hash of `bytes`, eight at a time.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let raw = UnsafeRawBufferPointer(bytes)
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(raw.count)
        var i = 0
        while i + 8 <= raw.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            i += 8
        }
        while i < raw.count {
            h = (h ^ UInt64(raw[i])) &* 0x100_0000_01b3
            i += 1
        }
        return h ^ (h >> 32)
    }

    private static func same(_ n: UInt32, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let pooled = PooledText(number: n).utf8
        return pooled.count == bytes.count && memcmp(pooled.baseAddress!, bytes.baseAddress!, bytes.count) == 0
    }

    private mutating func grow() {
        let old = (hashes, numbers)
        hashes = Array(repeating: 0, count: old.0.count * 2)
        numbers = Array(repeating: 0, count: hashes.count)
        let mask = hashes.count - 1
        for j in old.0.indices where old.1[j] != 0 {
            var i = Int(truncatingIfNeeded: old.0[j]) & mask
            while numbers[i] != 0 { i = (i + 1) & mask }
            hashes[i] = old.0[j]
            numbers[i] = old.1[j]
        }
    }
}
