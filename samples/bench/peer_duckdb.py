#!/usr/bin/env python3
"""The DuckDB peer of `chargeback report`: the same per-org/user totals as peer_python.py,
in SQL over DuckDB's `read_ndjson`, the fastest thing a data engineer could reach for.

    python3 peer_duckdb.py jobs.ndjson [more.ndjson ...] --output totals.csv [--threads 2]

Needs the `duckdb` Python package (`run.sh` installs it into a venv). Writes
`org_id,user,jobs,consumed_cu`, one row per org and user, sorted byte-wise.

Where it is simpler than chargeback (and than peer_python.py); none of these change the
totals of the generated reference data:
- NDJSON files only; no envelopes, arrays, gzip or directories.
- Only the columns it needs are read. Types are checked where a wrong type is plausible
  and would change the totals (orgId, codeTaskId, runId, the CU values: read as JSON and
  checked with json_type); the state, times, user and URL are read as text, so a number
  there is taken as its digits. A malformed line becomes a row of NULLs
  (`ignore_errors`) and is rejected for having no state. Rejects are counted, not listed.
- Timestamps are `TRY_CAST(... AS TIMESTAMPTZ)` in a UTC session: DuckDB's reader, not
  chargeback's ISO 8601 one.
- Job keys are linked one level deep: a document without a job ID takes the job ID of any
  document with the same run key (org, code task, run). Chains of three or more documents
  joined only through each other (which chargeback's union-find follows) are not.
- Latest wins by (terminal, updateTime, endTime, startTime) with missing before present; a
  field the winner lacks comes from the best-ranked document that has it (arg_max skips
  NULLs). Full ties are broken arbitrarily, not by document text.
- JSON numbers reach DECIMAL through DuckDB's JSON text of the number (yyjson), which is
  exact for the CU values the generator writes but is not a guarantee for every spelling.
- Totals only: no period, rates, cost centers, line items, manifest or SHA-256.
"""

import argparse
import csv
import sys
from decimal import Decimal

import duckdb

# One statement, so DuckDB plans the whole pipeline. `docs` is used three times; asking for
# it to be materialised once is about a quarter faster than letting DuckDB inline it.
SQL = r"""
WITH typed AS (
    SELECT
        upper(coalesce(nullif(status, ''), nullif(executionState, ''))) AS spelling,
        startTime, updateTime, endTime,
        TRY_CAST(startTime AS TIMESTAMPTZ) AS st,
        TRY_CAST(updateTime AS TIMESTAMPTZ) AS ut,
        TRY_CAST(endTime AS TIMESTAMPTZ) AS et,
        orgId, codeTaskId, runId,
        CASE WHEN json_type(orgId) = 'VARCHAR' THEN nullif(orgId ->> '$', '') END AS org,
        nullif(startedBy, '') AS usr,
        TRY_CAST(codeTaskId ->> '$' AS DECIMAL(38, 6)) AS task,
        TRY_CAST(runId ->> '$' AS DECIMAL(38, 6)) AS run,
        assignedServerlessComputeUnits AS assigned_json,
        consumedServerlessComputeUnits AS consumed_json,
        TRY_CAST(assignedServerlessComputeUnits ->> '$' AS DECIMAL(38, 12)) AS assigned,
        TRY_CAST(consumedServerlessComputeUnits ->> '$' AS DECIMAL(38, 12)) AS consumed,
        nullif(regexp_extract(sessionLogUrl, '(?:^|/)jobs/([^/?#]+)/logs(?:[?#].*)?$', 1), '') AS job_id
    FROM read_ndjson($paths, ignore_errors = true, columns = {
        status: 'VARCHAR', executionState: 'VARCHAR',
        startTime: 'VARCHAR', updateTime: 'VARCHAR', endTime: 'VARCHAR',
        orgId: 'JSON', startedBy: 'VARCHAR', codeTaskId: 'JSON', runId: 'JSON',
        sessionLogUrl: 'VARCHAR',
        assignedServerlessComputeUnits: 'JSON', consumedServerlessComputeUnits: 'JSON'
    })
),
docs AS MATERIALIZED (
    SELECT
        -- SPEC 1.4's order: types and timestamps by field name, state, negative CU,
        -- identity, end before start.
        CASE
            WHEN assigned_json IS NOT NULL AND assigned IS NULL THEN 'bad_type:assignedServerlessComputeUnits'
            WHEN codeTaskId IS NOT NULL AND (task IS NULL OR task <> trunc(task)) THEN 'bad_type:codeTaskId'
            WHEN consumed_json IS NOT NULL AND consumed IS NULL THEN 'bad_type:consumedServerlessComputeUnits'
            WHEN endTime IS NOT NULL AND et IS NULL THEN 'bad_timestamp:endTime'
            WHEN orgId IS NOT NULL AND json_type(orgId) <> 'VARCHAR' THEN 'bad_type:orgId'
            WHEN runId IS NOT NULL AND (run IS NULL OR run <> trunc(run)) THEN 'bad_type:runId'
            WHEN startTime IS NOT NULL AND st IS NULL THEN 'bad_timestamp:startTime'
            WHEN updateTime IS NOT NULL AND ut IS NULL THEN 'bad_timestamp:updateTime'
            WHEN spelling IS NULL OR spelling NOT IN ('QUEUED', 'STARTING', 'RUNNING', 'SUCCEEDED', 'SUCCESS',
                'COMPLETED', 'FAILED', 'CANCELLED', 'CANCELED', 'STOPPED') THEN 'unknown_status'
            WHEN assigned < 0 OR consumed < 0 THEN 'negative_cu'
            WHEN job_id IS NULL AND (org IS NULL OR task IS NULL OR run IS NULL) THEN 'no_identity'
            WHEN et < st THEN 'end_before_start'
        END AS reject,
        job_id,
        CASE WHEN org IS NOT NULL AND task IS NOT NULL AND run IS NOT NULL
            THEN org || '|' || CAST(task AS BIGINT) || '|' || CAST(run AS BIGINT) END AS run_key,
        org, usr, st, consumed,
        {
            'terminal': spelling IN ('SUCCEEDED', 'SUCCESS', 'COMPLETED', 'FAILED', 'CANCELLED', 'CANCELED', 'STOPPED'),
            'u': coalesce(epoch_ms(ut), -4611686018427387904),
            'e': coalesce(epoch_ms(et), -4611686018427387904),
            's': coalesce(epoch_ms(st), -4611686018427387904)
        } AS rank
    FROM typed
),
links AS (
    SELECT run_key, min(job_id) AS linked FROM docs
    WHERE reject IS NULL AND run_key IS NOT NULL AND job_id IS NOT NULL
    GROUP BY run_key
),
jobs AS (
    SELECT
        arg_max(org, rank) AS org,
        arg_max(usr, rank) AS usr,
        arg_max(st, rank) AS st,
        arg_max(consumed, rank) AS consumed
    FROM docs d LEFT JOIN links l USING (run_key)
    WHERE d.reject IS NULL
    GROUP BY coalesce(d.job_id, l.linked, d.run_key)
)
SELECT 'total' AS kind, coalesce(org, '(unknown)') AS org_id, coalesce(usr, '(unknown)') AS "user",
       count(*) AS n, coalesce(sum(consumed), 0) AS consumed_cu
FROM jobs WHERE st IS NOT NULL GROUP BY ALL
UNION ALL
SELECT 'reject', 'missing_start_time', NULL, count(*), NULL FROM jobs WHERE st IS NULL
UNION ALL
SELECT 'reject', reject, NULL, count(*), NULL FROM docs WHERE reject IS NOT NULL GROUP BY ALL
UNION ALL
SELECT 'documents', NULL, NULL, count(*), NULL FROM docs
"""


def plain(value):
    """An exact decimal with no exponent and no trailing zeros: 12.5, 0, 0.0001."""
    text = format(Decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+", help="NDJSON files")
    parser.add_argument("--output", required=True, help="CSV file to write")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2)")
    args = parser.parse_args()

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET threads = %d" % args.threads)
    result = con.execute(SQL, {"paths": args.inputs}).fetchall()
    rows = sorted((row[1:] for row in result if row[0] == "total"), key=lambda row: (row[0].encode(), row[1].encode()))
    rejects = sorted((row[1], row[3]) for row in result if row[0] == "reject" and row[3])
    documents = sum(row[3] for row in result if row[0] == "documents")
    with open(args.output, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["org_id", "user", "jobs", "consumed_cu"])
        for org, user, jobs, consumed in rows:
            writer.writerow([org, user, jobs, plain(consumed)])
    detail = ", ".join("%s %d" % item for item in rejects)
    print("peer_duckdb: %d documents, %d jobs, %d rejected (%s); DuckDB %s, %d threads" % (
        documents, sum(row[2] for row in rows), sum(n for _, n in rejects), detail, duckdb.__version__,
        args.threads), file=sys.stderr)


if __name__ == "__main__":
    main()
