/// Failure texts modelled on the vendor's example: long, multi-line, full of quotes,
/// embedded JSON and non-ASCII, because those are what break naive CSV and HTML output.
enum ErrorMessages {
    /// Templates; `{ENV}`, `{ASSET}`, `{JOB}`, `{DATE}`, `{LINE}` and `{PID}` are filled per job.
    static let failureTemplates = [
        "WES_internal_error_Failed to start cluster for [{ENV}]. Error reported while starting cluster [404 {\"code\":\"CONFIG.NOT_FOUND_id\",\"message\":\"Internal error. Cannot find an advanced configuration with ID {ENV}. Contact Informatica Global Customer Support.\",\"debugMessage\":\"Internal error. Cannot find an advanced configurati[truncated]. For more information about the failure, check the application log.If the problem persists, contact Informatica Global Customer Support.",
        "Code task {ASSET} failed with exit code 1.\nTraceback (most recent call last):\n  File \"/opt/infa/codetask/{ASSET}/main.py\", line {LINE}, in <module>\n    df = spark.read.parquet(f\"s3a://idmc-landing/{ASSET}/dt={DATE}\")\n  File \"/usr/lib/spark/python/pyspark/sql/readwriter.py\", line 544, in parquet\n    return self._df(self._jreader.parquet(_to_seq(self._spark._sc, paths)))\npyspark.errors.exceptions.captured.AnalysisException: [PATH_NOT_FOUND] Path does not exist: s3a://idmc-landing/{ASSET}/dt={DATE}. For more information about the failure, check the application log.",
        "Job aborted due to stage failure: Task 12 in stage 3.0 failed 4 times, most recent failure: Lost task 12.3 in stage 3.0 (TID 481) (10.0.3.17 executor 7): ExecutorLostFailure (executor 7 exited caused by one of the running tasks) Reason: Container killed by YARN for exceeding physical memory limits. 14.2 GB of 14 GB physical memory used. Consider boosting spark.executor.memoryOverhead.\nDriver stacktrace:\n\tat org.apache.spark.scheduler.DAGScheduler.failJobAndIndependentStages(DAGScheduler.scala:2785)\n\tat org.apache.spark.scheduler.DAGScheduler.$anonfun$abortStage$2(DAGScheduler.scala:2721)[truncated]",
        "WES_internal_error_Failed to connect to the source database: [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Login failed for user 'svc_etl'. (18456) (SQLDriverConnect); SQLSTATE=28000, connection \"{ASSET}_src\", host 'sql01.finance.example.com,1433'. Verify the connection properties and the password, then run the task again.",
        "Code task {ASSET} could not start: runtime environment [{ENV}] returned HTTP 503 {\"error\":{\"code\":\"SERVERLESS.CAPACITY_UNAVAILABLE\",\"message\":\"No compute capacity is available in the selected region. Retry later.\",\"requestId\":\"{JOB}\"}} after 3 attempts over 900 seconds.",
        "Datei nicht gefunden: /daten/eingang/Umsätze_{DATE}.csv — Verarbeitung abgebrochen. Prüfen Sie Pfad und Berechtigungen (Benutzer »etl«); 错误: 文件不存在 <see agent log>.",
        "-bash: line 1: {PID} Killed                  python3 /opt/infa/codetask/{ASSET}/main.py --run-date {DATE} --mode full\ncommand terminated with exit code 137 (OOMKilled); the Secure Agent process DTM_{JOB} ended unexpectedly. Check the agent job log & the <advanced log>.",
        "The code task exceeded the maximum run time of 14400 seconds and was terminated by the platform. Last log line: \"INFO  writing partition 1312/2048 to target 'warehouse.analytics.fact_events'\". Increase the timeout in the task properties, or split the workload.",
    ]

    /// A failure message for one job.
    static func failure(
        template: Int, environment: String, asset: String, jobId: String, date: String, rng: inout SplitMix64
    ) -> String {
        failureTemplates[template]
            .replacing("{ENV}", with: environment)
            .replacing("{ASSET}", with: asset)
            .replacing("{JOB}", with: jobId)
            .replacing("{DATE}", with: date)
            .replacing("{LINE}", with: String(rng.int(in: 20...400)))
            .replacing("{PID}", with: String(rng.int(in: 1000...65000)))
    }

    /// The message of a job someone stopped.
    static func cancellation(by user: String) -> String {
        "The job was stopped by \(user) before it completed."
    }
}
