#!/usr/bin/env python3
"""The plain-Python peer of `chargeback report`: what a data engineer would write with the
standard library alone (json, decimal, datetime, csv) to get consumed CU per org and user.

    python3 peer_python.py jobs.ndjson [more.ndjson ...] --output totals.csv

Reads NDJSON, normalises both document shapes of SPEC 1.2, keeps each job's latest state
(SPEC 1.3), rejects what SPEC 1.4 rejects, and writes `org_id,user,jobs,consumed_cu`, one
row per org and user, sorted byte-wise, with exact decimal sums (decimal.Decimal).

Where it is simpler than chargeback (none of these change the totals of the generated
reference data; they would on contrived input):
- NDJSON files only: no directories, `.json` arrays, gzip, stdin or fetch envelopes (so no
  envelope `orgId`/`jobId`/`fetchedAt`).
- Types are checked on the fields it uses (state, times, org, user, code task, run, CU,
  session log URL); the others are not looked at, so an `errorMessage` that is an object is
  not rejected. Rejects are counted per reason (on stderr), not written out.
- Timestamps go through `datetime.fromisoformat`, which also accepts a few forms that
  chargeback's stricter ISO 8601 reader refuses (a date alone, basic format); zone-less
  times are UTC (no `--input-timezone`).
- Latest wins by (terminal, updateTime, endTime, startTime), missing before present, but a
  full tie is broken by input order, not by the byte-wise greatest document text.
- Job keys are joined with a union-find over job IDs and run keys, as chargeback does; when
  two jobs merge, a field the winner lacks is taken from the other job's best document that
  has it, which matches SPEC 1.3's "next document in latest-wins order" except on odd
  three-way merges.
- No period, rates, cost centers, durations, duplicates/superseded counts, line items,
  manifest or SHA-256: totals only.
"""

import argparse
import csv
import json
import re
import sys
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

STATES = {
    "QUEUED": "queued", "STARTING": "queued", "RUNNING": "running",
    "SUCCEEDED": "succeeded", "SUCCESS": "succeeded", "COMPLETED": "succeeded",
    "FAILED": "failed", "CANCELLED": "cancelled", "CANCELED": "cancelled", "STOPPED": "cancelled",
}
TERMINAL = {"succeeded", "failed", "cancelled"}
NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z")
JOB_ID = re.compile(r"(?:^|/)jobs/([^/?#]+)/logs(?:[?#].*)?\Z")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MISSING = -(1 << 62)  # sorts before any instant


class Reject(Exception):
    """A document that cannot be used; `args[0]` is the SPEC 1.4 reason code."""


def string(doc, name):
    """A string field; None when absent, null or empty; Reject when of another type."""
    value = doc.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Reject("bad_type:" + name)
    return value


def number(doc, name):
    """A numeric field (JSON number or numeric string) as an exact Decimal, or None."""
    value = doc.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        raise Reject("bad_type:" + name)
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, str) and NUMBER.match(value):
        return Decimal(value)
    raise Reject("bad_type:" + name)


def instant(doc, name):
    """A timestamp field as integer milliseconds since the epoch (sub-milliseconds
    truncated), or None."""
    value = doc.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Reject("bad_type:" + name)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Reject("bad_timestamp:" + name) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def normalise(doc):
    """One document as (rank, fields, keys); raises Reject in SPEC 1.4's order: types and
    timestamps (by field name), state, negative CU, identity, end before start."""
    if not isinstance(doc, dict):
        raise Reject("not_an_object")
    # Types and timestamps in byte-wise order of the field names, as SPEC 1.4 orders them.
    assigned = number(doc, "assignedServerlessComputeUnits")
    consumed = number(doc, "consumedServerlessComputeUnits")
    task = number(doc, "codeTaskId")
    end = instant(doc, "endTime")
    execution_state = string(doc, "executionState")
    org = string(doc, "orgId")
    run = number(doc, "runId")
    log_url = string(doc, "sessionLogUrl")
    user = string(doc, "startedBy")
    start = instant(doc, "startTime")
    status = string(doc, "status")
    update = instant(doc, "updateTime")
    for value, name in ((task, "codeTaskId"), (run, "runId")):
        if value is not None and value != value.to_integral_value():
            raise Reject("bad_type:" + name)

    state = STATES.get((status or execution_state or "").upper())
    if state is None:
        raise Reject("unknown_status")
    if (assigned is not None and assigned < 0) or (consumed is not None and consumed < 0):
        raise Reject("negative_cu")

    keys = []
    match = JOB_ID.search(log_url) if log_url else None
    if match:
        keys.append("j:" + match.group(1))
    if org is not None and task is not None and run is not None:
        keys.append("r:%s|%d|%d" % (org, task, run))
    if not keys:
        raise Reject("no_identity")
    if start is not None and end is not None and end < start:
        raise Reject("end_before_start")

    rank = (
        state in TERMINAL,
        MISSING if update is None else update,
        MISSING if end is None else end,
        MISSING if start is None else start,
    )
    # A job's reported fields: the winner's, each missing one filled from the next best.
    return rank, [consumed, org, user, start], keys


class Jobs:
    """Latest state per job, with job keys joined by union-find."""

    def __init__(self):
        self.parent = {}  # key -> key, towards the root
        self.state = {}  # root key -> [rank, consumed, org, user, start]

    def find(self, key):
        parent = self.parent
        root = key
        while parent[root] != root:
            root = parent[root]
        while parent[key] != root:
            parent[key], key = root, parent[key]
        return root

    def add(self, rank, fields, keys):
        roots = []
        for key in keys:
            if key not in self.parent:
                self.parent[key] = key
            root = self.find(key)
            if root not in roots:
                roots.append(root)
        entry = [rank] + fields
        for root in roots:
            entry = merge(entry, self.state.pop(root, None))
        for root in roots[1:]:
            self.parent[root] = roots[0]
        self.state[roots[0]] = entry


def merge(a, b):
    """The better of two job states, with missing fields filled from the other."""
    if b is None:
        return a
    if b[0] > a[0]:
        a, b = b, a
    return [a[0]] + [x if x is not None else y for x, y in zip(a[1:], b[1:])]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+", help="NDJSON files")
    parser.add_argument("--output", required=True, help="CSV file to write")
    args = parser.parse_args()

    jobs = Jobs()
    documents = 0
    rejects = {}
    for path in args.inputs:
        with open(path, "rb") as stream:
            for line in stream:
                if not line.strip():
                    continue
                documents += 1
                try:
                    try:
                        doc = json.loads(line, parse_float=Decimal)
                    except ValueError:
                        raise Reject("malformed_json") from None
                    jobs.add(*normalise(doc))
                except Reject as reject:
                    rejects[reject.args[0]] = rejects.get(reject.args[0], 0) + 1

    totals = {}
    for _rank, consumed, org, user, start in jobs.state.values():
        if start is None:
            rejects["missing_start_time"] = rejects.get("missing_start_time", 0) + 1
            continue
        key = (org or "(unknown)", user or "(unknown)")
        count, cu = totals.get(key, (0, Decimal(0)))
        totals[key] = (count + 1, cu + (consumed or 0))

    with open(args.output, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["org_id", "user", "jobs", "consumed_cu"])
        for (org, user) in sorted(totals, key=lambda k: (k[0].encode(), k[1].encode())):
            count, cu = totals[(org, user)]
            writer.writerow([org, user, count, plain(cu)])
    reported = sum(count for count, _ in totals.values())
    detail = ", ".join("%s %d" % item for item in sorted(rejects.items()))
    print("peer_python: %d documents, %d jobs, %d rejected (%s)" % (documents, reported, sum(rejects.values()), detail),
          file=sys.stderr)


def plain(value):
    """An exact decimal with no exponent and no trailing zeros: 12.5, 0, 0.0001."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


if __name__ == "__main__":
    try:
        main()
    except InvalidOperation as error:
        sys.exit("peer_python: %s" % error)
