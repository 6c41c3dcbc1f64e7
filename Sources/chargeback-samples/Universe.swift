/// A user who starts code tasks.
struct User: Sendable {
    /// The `startedBy` value.
    let email: String
    /// Index into `Universe.orgs`.
    let org: Int
}

/// A runtime environment: a serverless environment or a Secure Agent group.
struct RuntimeEnvironment: Sendable {
    /// The 20-digit `runtimeEnvId` / `agentGroupId`.
    let id: String
    /// Serverless environments report compute units; Secure Agent groups do not.
    let serverless: Bool
}

/// A code task, the thing a job runs.
struct CodeTask: Sendable {
    /// Index into `Universe.orgs`.
    let org: Int
    /// Numeric ID, unique within its org only.
    let codeTaskId: Int
    /// `assetName` / `codeTaskName`.
    let assetName: String
    /// Index into `Universe.environments`.
    let environment: Int
    /// `assignedServerlessComputeUnits` when serverless.
    let assignedCU: Int
    /// Typical run length, so a task's runs resemble each other.
    let typicalSeconds: Int64
    /// Index into `Universe.users` of the user who usually starts it.
    let owner: Int
    /// `runId` of the first run in the month; earlier runs happened before it.
    let firstRunId: Int
    /// Relative share of the month's jobs.
    let weight: Int
}

/// The fixed cast of a sample month: orgs, users, runtime environments and code tasks.
struct Universe: Sendable {
    /// 22-character org IDs; the first is the vendor's example org, which the fetch
    /// archive treats as the logged-in session's org.
    let orgs: [String]
    /// All users.
    let users: [User]
    /// User indexes per org.
    let usersByOrg: [[Int]]
    /// All runtime environments.
    let environments: [RuntimeEnvironment]
    /// All code tasks.
    let tasks: [CodeTask]
    /// Indexes of tasks that run serverless.
    let serverlessTasks: [Int]
    /// Running totals of task weights, for weighted picks by binary search.
    private let cumulativeWeights: [Int]

    /// Characters of org and job IDs.
    static let alphanumerics: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// Draws a universe from `rng`.
    init(rng: inout SplitMix64) {
        let orgCount = 6
        var orgs = ["kuJVH54wm6gfhVj4QEdboY"]
        while orgs.count < orgCount {
            orgs.append(rng.string(length: 22, alphabet: Self.alphanumerics))
        }

        let domains = ["analytics.example.com", "finance.example.com", "ops.example.com"]
        var users = [User]()
        for (index, localPart) in Self.userNames.enumerated() {
            let email: String
            switch index {
            case 0: email = "alice@example.com"  // the config example's literal user
            case 1: email = "Bob.Smith@Finance.Example.com"  // cost-center matching is case-insensitive
            default: email = localPart + "@" + rng.pick(domains)
            }
            users.append(User(email: email, org: index % orgCount))
        }
        let usersByOrg = (0..<orgCount).map { org in users.indices.filter { users[$0].org == org } }

        var environments = [RuntimeEnvironment(id: "01000025000000000003", serverless: true)]
        while environments.count < 8 {
            let digits = rng.string(length: 14, alphabet: Array("0123456789".utf8))
            environments.append(RuntimeEnvironment(id: "010000" + digits, serverless: environments.count < 5))
        }

        // Tasks are drawn first and given environments afterwards, heaviest first, so the
        // serverless share of jobs lands near 70 % for any seed instead of wherever 40
        // coin flips happen to fall.
        struct Draft {
            var org: Int
            var codeTaskId: Int
            var name: String
            var weight: Int
            var typicalSeconds: Int64
            var owner: Int
        }
        var drafts = [Draft]()
        var usedIds = [Set<Int>](repeating: [], count: orgCount)
        var names = Self.assetNames
        for index in 0..<40 {
            let org = index % orgCount
            var codeTaskId = rng.int(in: 1...999)
            if index == 1 {
                // The same numeric ID in two orgs: only the org keeps their runs apart.
                codeTaskId = drafts[0].codeTaskId
            }
            while usedIds[org].contains(codeTaskId) { codeTaskId = rng.int(in: 1...999) }
            usedIds[org].insert(codeTaskId)
            let name = names.remove(at: rng.below(names.count))
            let typical = Self.logUniformSeconds(minimum: 60, octaves: 7, rng: &rng)
            drafts.append(
                Draft(
                    org: org, codeTaskId: codeTaskId, name: name, weight: rng.int(in: 1...12),
                    typicalSeconds: typical, owner: rng.pick(usersByOrg[org])))
        }
        let byWeight = drafts.indices.sorted { (drafts[$0].weight, $1) > (drafts[$1].weight, $0) }
        var serverlessFlags = [Bool](repeating: false, count: drafts.count)
        var serverlessWeight = 0
        var assignedWeight = 0
        for index in byWeight {
            if serverlessWeight * 10 < (assignedWeight + drafts[index].weight) * 7 {
                serverlessFlags[index] = true
                serverlessWeight += drafts[index].weight
            }
            assignedWeight += drafts[index].weight
        }
        var tasks = [CodeTask]()
        for (index, draft) in drafts.enumerated() {
            let environment = serverlessFlags[index] ? draft.org % 5 : 5 + draft.org % 3
            tasks.append(
                CodeTask(
                    org: draft.org, codeTaskId: draft.codeTaskId, assetName: draft.name,
                    environment: environment,
                    assignedCU: [2, 4, 8, 16][rng.weighted([30, 35, 25, 10])],
                    typicalSeconds: draft.typicalSeconds, owner: draft.owner,
                    firstRunId: rng.int(in: 1...400), weight: draft.weight))
        }

        var running = 0
        self.cumulativeWeights = tasks.map {
            running += $0.weight
            return running
        }
        self.orgs = orgs
        self.users = users
        self.usersByOrg = usersByOrg
        self.environments = environments
        self.tasks = tasks
        self.serverlessTasks = tasks.indices.filter { environments[tasks[$0].environment].serverless }
    }

    /// A task index, weighted by how often each task runs.
    func pickTask(_ rng: inout SplitMix64) -> Int {
        let roll = rng.below(cumulativeWeights[cumulativeWeights.count - 1])
        var low = 0
        var high = cumulativeWeights.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulativeWeights[middle] > roll { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// Whether task `task` runs serverless.
    func isServerless(_ task: Int) -> Bool {
        environments[tasks[task].environment].serverless
    }

    /// Roughly log-uniform whole seconds in `minimum ..< minimum × 2^octaves`, built from
    /// integer octaves with linear steps inside so no libm call can differ between platforms.
    static func logUniformSeconds(minimum: Int64, octaves: Int, rng: inout SplitMix64) -> Int64 {
        let low = minimum << Int64(rng.below(octaves))
        return low + rng.int64(in: 0...(low - 1))
    }

    /// Local parts of the 25 users' emails.
    static let userNames = [
        "alice", "bob.smith", "carol.jones", "dave.miller", "erin.garcia", "frank.wilson",
        "grace.lee", "heidi.mueller", "ivan.petrov", "judy.chen", "kenji.sato", "lena.novak",
        "marek.kowalski", "nora.oconnor", "oscar.silva", "priya.patel", "quentin.dubois",
        "rosa.martinez", "svc-scheduler", "tariq.hassan", "uma.iyer", "victor.nguyen",
        "wendy.brown", "xavier.moreau", "yuki.tanaka",
    ]

    /// Code task names. A few carry a comma, quotes or non-ASCII letters so reports have
    /// to escape them.
    static let assetNames = [
        "daily_sales_load", "hourly_clickstream_ingest", "gl_month_end_close", "customer_360_refresh",
        "inventory_snapshot", "orders_cdc_merge", "marketing_attribution", "churn_model_score",
        "payroll_export", "fx_rates_sync", "supplier_invoices_ocr", "web_logs_compact",
        "crm_accounts_sync", "fraud_features_build", "product_catalog_publish",
        "shipment_tracking_ingest", "budget_vs_actuals", "ar_aging_report", "tax_calc_batch",
        "ml_training_prep", "iot_sensor_rollup", "hr_headcount_snapshot", "pricing_elasticity",
        "data_quality_checks", "s3_to_snowflake_copy", "kafka_offsets_audit",
        "nightly_backup_verify", "partner_feed_parse", "survey_nlp_tagging", "revenue_recognition",
        "Umsatz_Übersicht_DE", "Revenue, EMEA (draft)", "forecast \"what-if\" model",
        "ap_payments_reconcile", "warehouse_vacuum", "session_stitching", "lead_scoring",
        "returns_forecast", "cost_allocation_rollup", "sftp_partner_pickup",
    ]
}
