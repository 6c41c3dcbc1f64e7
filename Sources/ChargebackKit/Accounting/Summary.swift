import Foundation

/// A `--group-by` dimension.
public enum GroupDimension: String, Sendable, CaseIterable {
    case org, user
    case costCenter = "cost_center"
    case runtimeEnv = "runtime_env"
    case task, status, day, month

    /// The default grouping, `cost_center,org,user`.
    public static let defaults: [GroupDimension] = [.costCenter, .org, .user]

    /// Parses a comma list such as `org,user,day`.
    public static func parseList(_ text: String) throws(UsageError) -> [GroupDimension] {
        var dims: [GroupDimension] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let d = GroupDimension(rawValue: name) else {
                throw UsageError.invalidValue(
                    option: "--group-by", value: text,
                    expected: "a comma list of " + allCases.map(\.rawValue).joined(separator: ", ") + " (unknown: \"\(name)\")")
            }
            guard !dims.contains(d) else {
                throw UsageError.invalidValue(option: "--group-by", value: text, expected: "each dimension at most once (\"\(name)\" repeats)")
            }
            dims.append(d)
        }
        return dims
    }
}

/// One cell of a group key: text sorts byte-wise, numbers numerically (absent first).
public enum GroupValue: Sendable, Hashable, Comparable {
    case text(String)
    case number(Int64?)

    public static func < (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case let (.text(x), .text(y)): x.utf8.lexicographicallyPrecedes(y.utf8)
        case let (.number(x), .number(y)): absentFirst(x, y)
        case (.number, .text): true
        case (.text, .number): false
        }
    }
}

/// The sums over a set of line items.
public struct Tally: Sendable, Equatable {
    public var jobs = 0
    public var succeeded = 0
    public var failed = 0
    public var cancelled = 0
    public var open = 0
    public var durationMilliseconds: Int64 = 0
    /// Consumed CU and cost are summed exactly without a `Decimal` addition per line item.
    private var cuSum = DecimalSum()
    private var costSum = DecimalSum()

    /// The consumed CU of the line items.
    public var consumedCU: Decimal {
        get { cuSum.value }
        set { cuSum = DecimalSum(newValue) }
    }

    /// The cost of the line items.
    public var cost: Decimal {
        get { costSum.value }
        set { costSum = DecimalSum(newValue) }
    }

    /// An empty tally.
    public init() {}

    /// Adds one line item.
    public mutating func add(_ item: LineItem) {
        withUnsafePointer(to: item) { add($0) }
    }

    /// Adds the line item at `item`, read in place; compute units and cost are added from
    /// their packed words, without building a `Decimal`.
    mutating func add(_ item: UnsafePointer<LineItem>) {
        // The line item holds its job meanwhile: it is read without counting a reference.
        Unmanaged.passUnretained(item.pointee.job)._withUnsafeGuaranteedRef { job in add(item, job: job) }
    }

    private mutating func add(_ item: UnsafePointer<LineItem>, job: JobRecord) {
        jobs += 1
        switch job.state {
        case .succeeded: succeeded += 1
        case .failed: failed += 1
        case .cancelled: cancelled += 1
        case .queued, .running: open += 1
        }
        durationMilliseconds += job.durationMilliseconds ?? 0
        job.addConsumedCU(to: &cuSum)
        LineItem.addCost(of: item, to: &costSum)
    }

    /// Adds another tally's sums.
    public mutating func merge(_ o: Tally) {
        jobs += o.jobs
        succeeded += o.succeeded
        failed += o.failed
        cancelled += o.cancelled
        open += o.open
        durationMilliseconds += o.durationMilliseconds
        cuSum.add(o.cuSum)
        costSum.add(o.costSum)
    }

    /// Equal counts and equal sums, however each sum is held.
    public static func == (a: Tally, b: Tally) -> Bool {
        a.jobs == b.jobs && a.succeeded == b.succeeded && a.failed == b.failed && a.cancelled == b.cancelled && a.open == b.open
            && a.durationMilliseconds == b.durationMilliseconds && a.consumedCU == b.consumedCU && a.cost == b.cost
    }
}

/// One row of `summary.csv`.
public struct SummaryRow: Sendable {
    /// The group key, one value per output group column.
    public var key: [GroupValue]
    /// For `task` groups: the name on the task's reported job with the latest attribution time.
    public var codeTaskName: String?
    public var tally: Tally
    /// The cost center's budget prorated to the row's window (the report window, narrowed to
    /// the row's day or month); nil without budgets or without a `cost_center` dimension.
    public var budget: Decimal?
}

/// Groups line items by the `--group-by` dimensions (SPEC 3.1).
public struct Summary: Sendable {
    public var dimensions: [GroupDimension]
    public var rows: [SummaryRow]

    /// The output columns of the group key, in order. `task` adds `org_id` before
    /// `code_task_id` when `org` is not also a dimension (task IDs are unique per org only);
    /// `code_task_name` is not part of the key.
    public var keyColumns: [String] {
        var cols: [String] = []
        for d in dimensions {
            switch d {
            case .org: cols.append("org_id")
            case .user: cols.append("user")
            case .costCenter: cols.append("cost_center")
            case .runtimeEnv: cols.append("runtime_env_id")
            case .task:
                if !dimensions.contains(.org) { cols.append("org_id") }
                cols.append("code_task_id")
            case .status: cols.append("status")
            case .day: cols.append("day")
            case .month: cols.append("month")
            }
        }
        return cols
    }

    /// Whether rows carry `budget` and `budget_used_pct`.
    public var hasBudgets: Bool

    /// Groups `items`; with `budgets` and a `cost_center` dimension, rows carry budgets for
    /// `window`.
    public init(items: [LineItem], dimensions: [GroupDimension], budgets: BudgetPlan? = nil, window: (from: Instant, to: Instant)? = nil) {
        self.dimensions = dimensions
        struct TaskKey: Hashable { var org: String; var task: Int64? }
        var taskNames: [TaskKey: (time: Instant, name: String)] = [:]
        if dimensions.contains(.task) {
            for item in items {
                let k = TaskKey(org: item.job.orgId, task: item.job.codeTaskId)
                let name = item.job.codeTaskName ?? ""
                if let cur = taskNames[k],
                    cur.time > item.attributionTime || (cur.time == item.attributionTime && !cur.name.utf8.lexicographicallyPrecedes(name.utf8))
                {
                    continue
                }
                taskNames[k] = (item.attributionTime, name)
            }
        }
        let groups = Self.groups(items, dimensions: dimensions)
        let plan = dimensions.contains(.costCenter) ? budgets : nil
        hasBudgets = plan != nil
        rows = groups.map { key, group in
            var budget: Decimal?
            if let plan, var w = window {
                let first = items[group.first]
                let t = first.attributionTime
                if dimensions.contains(.day) {
                    let d = plan.dayWindow(t)
                    w = (max(w.from, d.0), min(w.to, d.1))
                } else if dimensions.contains(.month) {
                    w = (max(w.from, plan.monthStart(t)), min(w.to, plan.nextMonthStart(t)))
                }
                budget = plan.budget(for: first.costCenter, from: w.from, to: w.to)
            }
            let task = TaskKey(org: items[group.first].job.orgId, task: items[group.first].job.codeTaskId)
            return SummaryRow(key: key, codeTaskName: taskNames[task]?.name, tally: group.tally, budget: budget)
        }
        .sorted { $0.key.lexicographicallyPrecedes($1.key) }
        // UNALLOCATED is always shown, with zeros when every job found a cost center.
        if let ccIndex = keyColumns.firstIndex(of: "cost_center"), !rows.contains(where: { $0.key[ccIndex] == .text(CostCenterRules.unallocated) }) {
            let key: [GroupValue] = keyColumns.map { column in
                switch column {
                case "cost_center": .text(CostCenterRules.unallocated)
                case "code_task_id": .number(nil)
                default: .text("")
                }
            }
            var budget: Decimal?
            if let plan, let w = window { budget = plan.budget(for: CostCenterRules.unallocated, from: w.from, to: w.to) }
            rows.append(SummaryRow(key: key, codeTaskName: nil, tally: Tally(), budget: budget))
            rows.sort { $0.key.lexicographicallyPrecedes($1.key) }
        }
    }

    /// A group's tally and the index of its first line item (not a copy of the item).
    struct Group {
        var tally: Tally
        var first: Int
    }

    /// The line items grouped by their keys. Chunks of items are grouped on every core and
    /// merged in item order: tallies are exact sums and each group keeps its earliest item,
    /// so the groups do not depend on how the items were split.
    private static func groups(_ items: [LineItem], dimensions: [GroupDimension]) -> [[GroupValue]: Group] {
        let chunkSize = 65_536
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let chunks = min(threads, (items.count + chunkSize - 1) / chunkSize)
        guard chunks > 1 else { return group(items, range: items.indices, dimensions: dimensions) }
        let parts = LockedSlots<[[GroupValue]: Group]>(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lower = items.count * c / chunks, upper = items.count * (c + 1) / chunks
            parts.store(group(items, range: lower..<upper, dimensions: dimensions), at: c)
        }
        var merged: [[GroupValue]: Group] = [:]
        for part in parts.values() {
            if merged.isEmpty {
                merged = part
                continue
            }
            for (key, g) in part {
                if let index = merged.index(forKey: key) {
                    merged.values[index].tally.merge(g.tally)
                } else {
                    merged[key] = g
                }
            }
        }
        return merged
    }

    /// Groups the line items in `range`. Items are first grouped by numbers, which hash and
    /// compare fast: pooled texts (cost centers too) by their numbers, days as day counts.
    /// Each such group's key of texts is then built once, from its first item, and groups
    /// whose keys of texts are equal are merged (two different texts can be one key, as Swift
    /// compares strings), so the result is the grouping by texts.
    private static func group(_ items: [LineItem], range: Range<Int>, dimensions: [GroupDimension]) -> [[GroupValue]: Group] {
        let addOrg = dimensions.contains(.task) && !dimensions.contains(.org)
        // Every key has the same number of words: one per dimension, two for a task (present,
        // ID) and one more when the task brings its org.
        let width = dimensions.reduce(0) { n, d in n + (d == .task ? (addOrg ? 3 : 2) : 1) }
        var byNumbers = NumberGroups(width: width)
        var month = (day: Int32?.none, number: UInt64(0))
        // Items are read in place rather than copied out of the array, and the key is built in
        // one buffer, so only a new group allocates.
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: max(width, 1)) { key in
            items.withUnsafeBufferPointer { buffer in
                for index in range {
                    if (index - range.lowerBound) % 16 == 0 { LineItem.warmJobs(buffer.baseAddress!, index..<min(index + 16, range.upperBound)) }
                    let item = buffer.baseAddress! + index
                    var w = 0
                    func put(_ word: UInt64) {
                        key[w] = word
                        w += 1
                    }
                    for d in dimensions {
                        switch d {
                        case .org: put(UInt64(item.pointee.job.orgText.number))
                        case .user: put(UInt64(item.pointee.job.userText.number))
                        case .costCenter: put(UInt64(item.pointee.costCenterText.number))
                        case .runtimeEnv: put(UInt64(item.pointee.job.environmentText.number))
                        case .task:
                            if addOrg { put(UInt64(item.pointee.job.orgText.number)) }
                            let task = item.pointee.job.codeTaskId
                            put(task == nil ? 0 : 1)
                            put(UInt64(bitPattern: task ?? 0))
                        case .status: put(UInt64(JobState.allCases.firstIndex(of: item.pointee.job.state)!))
                        case .day: put(UInt64(UInt32(bitPattern: item.pointee.localDay)))
                        case .month:
                            if month.day != item.pointee.localDay {
                                let c = CivilDateTime(day: item.pointee.localDay)
                                month = (item.pointee.localDay, UInt64(bitPattern: Int64(c.year) * 12 + Int64(c.month)))
                            }
                            put(month.number)
                        }
                    }
                    byNumbers.add(item, index: index, key: UnsafeBufferPointer(key))
                }
            }
        }
        var groups: [[GroupValue]: Group] = [:]
        var days = DayTexts()
        // In item order, so that a key's texts are those of its group's first item whatever
        // the order of the dictionary.
        for group in byNumbers.groups {
            let item = items[group.first]
            var texts: [GroupValue] = []
            for d in dimensions {
                switch d {
                case .org: texts.append(.text(item.job.orgId))
                case .user: texts.append(.text(item.job.user))
                case .costCenter: texts.append(.text(item.costCenter))
                case .runtimeEnv: texts.append(.text(item.job.runtimeEnvId))
                case .task:
                    if addOrg { texts.append(.text(item.job.orgId)) }
                    texts.append(.number(item.job.codeTaskId))
                case .status: texts.append(.text(item.job.state.rawValue))
                case .day: texts.append(.text(days.day(item.localDay)))
                case .month: texts.append(.text(days.month(item.localDay)))
                }
            }
            if let i = groups.index(forKey: texts) {
                groups.values[i].tally.merge(group.tally)
            } else {
                groups[texts] = group
            }
        }
        return groups
    }
}

/// Line items grouped by keys of `width` numbers, in the order of their groups' first items.
/// The keys are held end to end in one array and found through an open-addressing table of
/// group indices, so adding an item hashes a few words and allocates nothing.
private struct NumberGroups {
    let width: Int
    private(set) var groups: [Summary.Group] = []
    private var keys: [UInt64] = []
    /// Group index + 1 per slot; 0 for an empty one.
    private var slots = [Int32](repeating: 0, count: 64)
    /// The group of the item before, which the next item often shares.
    private var last = -1

    init(width: Int) { self.width = width }

    /// Adds the item at `index` to the group of `key`.
    mutating func add(_ item: UnsafePointer<LineItem>, index: Int, key: UnsafeBufferPointer<UInt64>) {
        if last >= 0, same(last, key) {
            groups[last].tally.add(item)
            return
        }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: Self.hash(key)) & mask
        while slots[i] != 0 {
            let g = Int(slots[i]) - 1
            if same(g, key) {
                groups[g].tally.add(item)
                last = g
                return
            }
            i = (i + 1) & mask
        }
        var tally = Tally()
        tally.add(item)
        groups.append(Summary.Group(tally: tally, first: index))
        keys.append(contentsOf: key)
        slots[i] = Int32(groups.count)
        last = groups.count - 1
        if groups.count * 2 > slots.count { grow() }
    }

    private func same(_ g: Int, _ key: UnsafeBufferPointer<UInt64>) -> Bool {
        keys.withUnsafeBufferPointer { k in
            for j in 0..<width where k[g * width + j] != key[j] { return false }
            return true
        }
    }

    private mutating func grow() {
        var slots = [Int32](repeating: 0, count: self.slots.count * 2)
        let mask = slots.count - 1
        keys.withUnsafeBufferPointer { k in
            for g in groups.indices {
                var i = Int(truncatingIfNeeded: Self.hash(UnsafeBufferPointer(rebasing: k[(g * width)..<((g + 1) * width)]))) & mask
                while slots[i] != 0 { i = (i + 1) & mask }
                slots[i] = Int32(g + 1)
            }
        }
        self.slots = slots
    }

    /// A hash of a key's words.
    private static func hash(_ key: UnsafeBufferPointer<UInt64>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for word in key { h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9 }
        return h ^ (h >> 31)
    }
}

/// The `day` and `month` texts of the last report-zone day seen: line items are in start-time
/// order, so most share the previous item's day.
struct DayTexts {
    private var last: Int32?
    private var dayText = ""
    private var monthText = ""

    /// `YYYY-MM-DD` of `localDay`.
    mutating func day(_ localDay: Int32) -> String {
        update(localDay)
        return dayText
    }

    /// `YYYY-MM` of `localDay`.
    mutating func month(_ localDay: Int32) -> String {
        update(localDay)
        return monthText
    }

    private mutating func update(_ localDay: Int32) {
        guard localDay != last else { return }
        let c = CivilDateTime(day: localDay)
        dayText = c.dateString
        monthText = c.monthString
        last = localDay
    }
}
