import ChargebackKit
import Foundation

/// The oracle of the configuration parser's fuzz target.
public enum ConfigCheck {
    /// The invariants that parsing `input` as `chargeback.yaml` breaks; empty when it was
    /// handled correctly (accepted with sane values, or refused with a message naming the file).
    public static func violations(_ input: [UInt8]) -> [String] {
        let text = String(decoding: input, as: UTF8.self)
        let config: ChargebackConfig
        do {
            config = try ChargebackConfig.parse(text, path: "fuzz.yaml")
        } catch {
            let message = error.errorDescription ?? ""
            return message.hasPrefix("fuzz.yaml") && error.line >= 0 ? [] : ["a configuration error that does not name the file: \(message)"]
        }
        var v: [String] = []
        if config.defaultRate < 0 || config.defaultRate.isNaN { v.append("a negative or NaN default rate: \(config.defaultRate)") }
        for rule in config.overrides {
            if rule.rate < 0 || rule.rate.isNaN { v.append("a negative or NaN rate on line \(rule.line)") }
            if rule.orgId == nil && rule.runtimeEnvId == nil { v.append("an override on line \(rule.line) that names neither org nor runtime environment") }
        }
        for (name, amount) in config.budgets where amount < 0 || amount.isNaN {
            v.append("a negative or NaN budget for \(name)")
        }
        if config.costCenters.contains(where: { $0.costCenter.isEmpty }) { v.append("an empty cost center name") }
        if !(0...4).contains(config.currency.minorUnit) { v.append("currency \(config.currency.code) with \(config.currency.minorUnit) minor digits") }

        // Price and allocate a job the way a run would: the rate is the default or an override's.
        let card = config.rateCard
        let rules = CostCenterRules(config.costCenters)
        for (org, env, user) in [("kuJVH54wm6gfhVj4QEdboY", "01000025000000000003", "alice@example.com"), ("", "", "")] {
            let job = JobRecord(
                jobId: "J", orgId: org, user: user, runtimeEnvId: env, codeTaskId: 1, codeTaskName: "Task", instanceName: nil, runId: 1,
                state: .succeeded, startTime: 1_791_000_000_000, startEstimated: false, endTime: nil, errorMessage: nil, sessionLogUrl: nil,
                assignedCU: nil, consumedCU: 1, source: SourceLocation(path: "fuzz", position: .whole, fileOrder: 0))
            let rate = card.rate(for: job, at: job.startTime, zone: .utc)
            if rate != config.defaultRate && !config.overrides.contains(where: { $0.rate == rate }) {
                v.append("the rate \(rate) is neither the default nor an override's")
            }
            let cost = card.currency.round(rate * 3)
            if card.currency.format(cost).isEmpty { v.append("a cost that formats as nothing") }
            let center = rules.costCenter(for: job)
            if center != CostCenterRules.unallocated && !config.costCenters.contains(where: { $0.costCenter == center }) {
                v.append("the cost center \(center) comes from no rule")
            }
        }
        return v
    }
}
