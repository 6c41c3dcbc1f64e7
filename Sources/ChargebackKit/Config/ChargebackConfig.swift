import Crypto
import Foundation
import Yams

/// `chargeback.yaml` (SPEC 6): currency, rates, cost centers and budgets.
public struct ChargebackConfig: Sendable {
    public var currency: Currency
    public var defaultRate: Decimal
    public var overrides: [RateRule]
    public var costCenters: [CostCenterRule]
    /// Monthly budget per cost center, in `currency`, in file order.
    public var budgets: [(costCenter: String, amount: Decimal)]
    /// Hex SHA-256 of the file's bytes, for the audit trail.
    public var sha256: String
    /// The path as the user named it.
    public var path: String

    /// The rate card of this configuration.
    public var rateCard: RateCard { RateCard(currency: currency, defaultRate: defaultRate, overrides: overrides) }

    /// Reads and checks a configuration file; every problem is a `ConfigError` with its line.
    public static func load(path: String, workingDirectory: URL) throws(ConfigError) -> ChargebackConfig {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : workingDirectory.appendingPathComponent(path)
        let data: Data
        do {
            data = try FileBytes.read(url.path)
        } catch {
            throw ConfigError(file: path, line: 0, message: "cannot read the configuration file: \(describe(error))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: 0, message: "the configuration file is not UTF-8 text")
        }
        let digest = hexString(SHA256.hash(data: data))
        return try parse(text, path: path, sha256: digest)
    }

    /// Parses configuration text (`path` names it in messages).
    public static func parse(_ text: String, path: String, sha256: String = "") throws(ConfigError) -> ChargebackConfig {
        let reader = ConfigReader(file: path)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw reader.yamlError(e)
        } catch {
            throw ConfigError(file: path, line: 0, message: "not valid YAML: \(error)")
        }
        var config = ChargebackConfig(currency: .usd, defaultRate: 0, overrides: [], costCenters: [], budgets: [], sha256: sha256, path: path)
        guard let root else { return config }
        let top = try reader.mapping(root, what: "the configuration", allowed: ["currency", "rates", "cost_centers", "budgets"])
        if let c = top["currency"] {
            let code = try reader.string(c, what: "currency")
            guard let currency = Currency(iso: code.uppercased()) else {
                throw reader.error(c, "currency must be an ISO 4217 code such as USD, EUR or JPY, got \"\(code)\"")
            }
            config.currency = currency
        }
        if let rates = top["rates"] {
            let r = try reader.mapping(rates, what: "rates", allowed: ["default", "overrides"])
            if let d = r["default"] { config.defaultRate = try reader.rate(d, what: "rates.default") }
            if let o = r["overrides"] {
                for item in try reader.sequence(o, what: "rates.overrides") {
                    let m = try reader.mapping(item, what: "a rate override", allowed: ["org_id", "runtime_env_id", "rate", "effective_from"])
                    guard let rateNode = m["rate"] else { throw reader.error(item, "a rate override needs a rate") }
                    let rule = RateRule(
                        orgId: try m["org_id"].map { (n) throws(ConfigError) in try reader.string(n, what: "org_id") },
                        runtimeEnvId: try m["runtime_env_id"].map { (n) throws(ConfigError) in try reader.string(n, what: "runtime_env_id") },
                        rate: try reader.rate(rateNode, what: "rate"),
                        effectiveFrom: try m["effective_from"].map { (n) throws(ConfigError) in try reader.date(n, what: "effective_from") },
                        line: reader.line(item))
                    guard rule.orgId != nil || rule.runtimeEnvId != nil else {
                        throw reader.error(item, "a rate override must name org_id, runtime_env_id or both (the default rate is rates.default)")
                    }
                    if let twin = config.overrides.first(where: {
                        $0.orgId == rule.orgId && $0.runtimeEnvId == rule.runtimeEnvId && $0.effectiveFrom == rule.effectiveFrom
                    }) {
                        throw reader.error(
                            item, "this rate override repeats the one on line \(twin.line) (same org_id, runtime_env_id and effective_from): keep one")
                    }
                    config.overrides.append(rule)
                }
            }
        }
        if let cc = top["cost_centers"] {
            for item in try reader.sequence(cc, what: "cost_centers") {
                let m = try reader.mapping(item, what: "a cost-center rule", allowed: ["user", "org_id", "runtime_env_id", "code_task_name", "cost_center"])
                guard let name = m["cost_center"] else { throw reader.error(item, "a cost-center rule needs a cost_center") }
                func pattern(_ key: String) throws(ConfigError) -> String? {
                    try m[key].map { (n) throws(ConfigError) in try reader.string(n, what: key) }
                }
                let costCenter = try reader.string(name, what: "cost_center")
                guard !costCenter.isEmpty else { throw reader.error(name, "cost_center must not be empty") }
                config.costCenters.append(
                    CostCenterRule(
                        user: try pattern("user"), orgId: try pattern("org_id"), runtimeEnvId: try pattern("runtime_env_id"),
                        codeTaskName: try pattern("code_task_name"), costCenter: costCenter, line: reader.line(item)))
            }
        }
        if let b = top["budgets"] {
            for (key, value) in try reader.pairs(b, what: "budgets") {
                let name = try reader.string(key, what: "a budget's cost center")
                let amount = try reader.rate(value, what: "the budget of \(name)", noun: "budget")
                config.budgets.append((name, amount))
            }
        }
        return config
    }
}

/// Reads Yams nodes, turning every shape or type mistake into a `ConfigError` with its line.
struct ConfigReader {
    var file: String

    func line(_ node: Node) -> Int { node.mark?.line ?? 0 }

    func error(_ node: Node, _ message: String) -> ConfigError {
        ConfigError(file: file, line: line(node), message: message)
    }

    func yamlError(_ e: YamlError) -> ConfigError {
        switch e {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, message: "not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigError(file: file, line: context.mark.line, message: "the key \(duplicates.joined(separator: ", ")) appears twice")
        default:
            return ConfigError(file: file, line: 0, message: "not valid YAML: \(e)")
        }
    }

    /// The key/value pairs of a mapping with unique scalar keys.
    func pairs(_ node: Node, what: String) throws(ConfigError) -> [(Node, Node)] {
        guard case .mapping(let m) = node else { throw error(node, "\(what) must be a mapping of keys to values") }
        var seen: [String: Int] = [:]
        var out: [(Node, Node)] = []
        for (k, v) in m {
            guard case .scalar(let s) = k else { throw error(k, "keys of \(what) must be plain names") }
            if let first = seen[s.string] { throw error(k, "\"\(s.string)\" appears twice in \(what) (first on line \(first))") }
            seen[s.string] = line(k)
            out.append((k, v))
        }
        return out
    }

    /// A mapping whose keys must all be in `allowed`.
    func mapping(_ node: Node, what: String, allowed: [String]) throws(ConfigError) -> [String: Node] {
        var out: [String: Node] = [:]
        for (k, v) in try pairs(node, what: what) {
            let key = k.scalar!.string
            guard allowed.contains(key) else {
                throw error(k, "unknown key \"\(key)\" in \(what); expected one of: \(allowed.joined(separator: ", "))")
            }
            out[key] = v
        }
        return out
    }

    func sequence(_ node: Node, what: String) throws(ConfigError) -> [Node] {
        guard case .sequence(let s) = node else { throw error(node, "\(what) must be a list (lines starting with \"- \")") }
        return Array(s)
    }

    func string(_ node: Node, what: String) throws(ConfigError) -> String {
        guard case .scalar(let s) = node else { throw error(node, "\(what) must be a single value, not a list or mapping") }
        return s.string
    }

    /// A non-negative decimal number, read exactly from its text.
    func rate(_ node: Node, what: String, noun: String = "rate") throws(ConfigError) -> Decimal {
        guard case .scalar(let s) = node else { throw error(node, "\(what) must be a decimal number, not a list or mapping") }
        guard let d = ExactDecimal.parse(s.string) else {
            throw error(node, "\(noun) must be a decimal number, got \"\(s.string)\"")
        }
        guard d >= 0 else { throw error(node, "\(noun) must not be negative, got \(s.string)") }
        return d
    }

    /// A calendar date `YYYY-MM-DD`.
    func date(_ node: Node, what: String) throws(ConfigError) -> CivilDateTime {
        let text = try string(node, what: what)
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), (1...CivilDateTime.daysInMonth(year: y, month: m)).contains(d)
        else {
            throw error(node, "\(what) must be a date written YYYY-MM-DD, got \"\(text)\"")
        }
        return CivilDateTime(year: y, month: m, day: d)
    }
}
