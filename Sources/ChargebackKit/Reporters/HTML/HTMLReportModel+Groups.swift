import Foundation

extension HTMLReportModel {
    /// An org and a code task ID: a task ID is unique only within its org.
    struct TaskKey: Hashable {
        var org: String
        var task: Int64?
    }

    /// Failed jobs sharing a first error message, with the index of the latest as example.
    struct FailureTally {
        var tally = Tally()
        var example: Int
    }

    /// Every sum the page shows, gathered in one pass over the line items (the page's only
    /// work that grows with the number of jobs). Fields are read in place, not copied, so a
    /// job's strings are not retained once per grouping.
    struct Groups {
        var costCenters: [String: Tally] = [:]
        var orgs: [String: Tally] = [:]
        var users: [String: Tally] = [:]
        var runtimeEnvs: [String: Tally] = [:]
        var tasks: [TaskKey: Tally] = [:]
        /// The name on each task's job with the latest attribution time (ties: the byte-wise
        /// greatest), as in summary.csv.
        var taskNames: [TaskKey: (time: Instant, name: String)] = [:]
        var states: [JobState: Tally] = [:]
        var days: [String: ChartBucket] = [:]
        var failures: [String: FailureTally] = [:]

        init(_ items: [LineItem]) {
            var dayTexts = DayTexts()
            for i in items.indices {
                let state = items[i].job.state
                costCenters[items[i].costCenter, default: Tally()].add(items[i])
                orgs[items[i].job.orgId, default: Tally()].add(items[i])
                users[items[i].job.user, default: Tally()].add(items[i])
                runtimeEnvs[items[i].job.runtimeEnvId, default: Tally()].add(items[i])
                let task = TaskKey(org: items[i].job.orgId, task: items[i].job.codeTaskId)
                tasks[task, default: Tally()].add(items[i])
                let time = items[i].attributionTime
                let name = items[i].job.codeTaskName ?? ""
                if let cur = taskNames[task], cur.time > time || (cur.time == time && !cur.name.utf8.lexicographicallyPrecedes(name.utf8)) {
                    // keep the current name
                } else {
                    taskNames[task] = (time, name)
                }
                states[state, default: Tally()].add(items[i])
                let cu = items[i].consumedCU
                let day = dayTexts.day(items[i].localDay)
                days[day, default: ChartBucket(label: day, tick: "")].add(cu, succeeded: state == .succeeded)
                if state == .failed {
                    // Line items are in start order, so the last one seen is the latest.
                    failures[items[i].job.errorMessage ?? "", default: FailureTally(example: i)].add(items[i], index: i)
                }
            }
        }
    }
}

extension ChartBucket {
    /// Adds one job's CU to the solid (succeeded) or hatched (other) part.
    mutating func add(_ cu: Decimal, succeeded: Bool) {
        if succeeded { succeededCU += cu } else { otherCU += cu }
        jobs += 1
    }
}

extension HTMLReportModel.FailureTally {
    mutating func add(_ item: LineItem, index: Int) {
        tally.add(item)
        example = index
    }
}
