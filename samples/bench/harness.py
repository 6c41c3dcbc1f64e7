#!/usr/bin/env python3
"""The SPEC 7 / issue 7 benchmark: chargeback side by side with DuckDB and plain Python.

Run it through `samples/bench/run.sh`, which builds the release binaries and the DuckDB
venv first. This script (standard library only) generates the reference data with
chargeback-samples, times every tool with /usr/bin/time, checks that the peers and
chargeback agree on the per-org/user totals, and prints one Markdown table with the ratios.
"""

import argparse
import csv
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 2026
EARLIER_POLLS = "0.05"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", required=True, help="directory of the release chargeback and chargeback-samples")
    parser.add_argument("--python", default=sys.executable, help="Python with duckdb installed (optional)")
    parser.add_argument("--documents", type=int, help="documents in the NDJSON reference file (default 1000000)")
    parser.add_argument("--files", type=int, help="one-document files in the directory case (default 100000; 0 skips)")
    parser.add_argument("--quick", action="store_true", help="100,000 documents and 10,000 files: a smoke run")
    parser.add_argument("--scaling", action="store_true", help="also time chargeback on 3x the documents (slow)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the table shows the median")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2)")
    parser.add_argument("--drop-caches", action="store_true",
                        help="before each measurement, drop the page cache (root only), read the inputs again and "
                             "run the tool once untimed, so that no run pays for reclaiming what earlier cases left "
                             "cached")
    parser.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "chargeback-bench"),
                        help="where generated data is kept between runs (default $TMPDIR/chargeback-bench)")
    args = parser.parse_args()
    if args.documents is None:
        args.documents = 100_000 if args.quick else 1_000_000
    if args.files is None:
        args.files = 10_000 if args.quick else 100_000
    return args


# --- running and measuring ------------------------------------------------------------

class Measurement:
    """One timed run: wall and CPU seconds, peak RSS in KiB."""

    def __init__(self, wall, user, system, rss_kib):
        self.wall, self.cpu, self.rss_kib = wall, user + system, rss_kib


def timed(command, stdout=subprocess.DEVNULL, shell=False):
    """Runs `command` under /usr/bin/time and returns its Measurement; stops the whole
    benchmark when it fails, printing its standard error."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        prefix = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", report.name]
        full = prefix + (["sh", "-c", command] if shell else command)
        result = subprocess.run(full, stdout=stdout, stderr=subprocess.PIPE, text=True)
        if result.returncode != 0:
            sys.exit("bench: %s failed (exit %d):\n%s" % (
                command if shell else " ".join(command), result.returncode, result.stderr[-4000:]))
        wall, user, system, rss = report.read().split()[-4:]
        measured = Measurement(float(wall), float(user), float(system), int(rss))
        measured.stderr = result.stderr
        return measured


DROP_CACHES = False


def median_run(command, repeat, inputs=(), outputs=(), **options):
    """The run with the median wall time of `repeat` runs. Each starts with its `outputs`
    (files or directories) removed, so that no run pays for deleting what the one before wrote
    (chargeback writes 377 MB of line items per million documents), and after `sync`, so that
    none pays for writing it back. With --drop-caches, the page cache is first emptied, the
    `inputs` are read back, and the command runs once untimed, which reads the tool's own
    program files (executable, libraries, Python modules) back as well: a drop evicts them
    too, and reading them from disk again would cost the first run about 0.15 s of I/O wait."""
    def clear():
        for path in outputs:
            if os.path.isdir(path):
                shutil.rmtree(path)
            elif os.path.exists(path):
                os.remove(path)
        os.sync()
    if DROP_CACHES:
        clear()
        drop_caches()
        warm(inputs)
        timed(command, **options)
    runs = []
    for _ in range(repeat):
        clear()
        runs.append(timed(command, **options))
    runs.sort(key=lambda m: m.wall)
    return runs[(len(runs) - 1) // 2]


def drop_caches():
    """Empties the page cache (clean pages only: `sync` ran first)."""
    try:
        with open("/proc/sys/vm/drop_caches", "w") as control:
            control.write("1\n")
    except OSError as error:
        sys.exit("bench: --drop-caches needs root (writing /proc/sys/vm/drop_caches: %s)" % error)


def tree_files(directory):
    """Every file under `directory`."""
    return [os.path.join(root, name) for root, _dirs, files in os.walk(directory) for name in files]


def warm(paths):
    """Reads files once so every tool starts from a warm page cache."""
    for path in paths:
        with open(path, "rb") as stream:
            while stream.read(1 << 24):
                pass


# --- data ---------------------------------------------------------------------------

def generate(args, name, extra):
    """Generates a data set with chargeback-samples into args.data/name, unless the same
    generator binary already made it with the same arguments (the output is deterministic)."""
    generator = os.path.join(args.bin, "chargeback-samples")
    directory = os.path.join(args.data, name)
    command = [generator, directory, "--seed", str(SEED), "--earlier-polls", EARLIER_POLLS] + extra
    with open(generator, "rb") as binary:
        stamp = hashlib.sha256(binary.read()).hexdigest() + " " + " ".join(command[1:])
    stamp_path = os.path.join(args.data, name + ".stamp")
    if os.path.exists(stamp_path) and open(stamp_path).read() == stamp and os.path.isdir(directory):
        print("bench: reusing %s" % directory, file=sys.stderr)
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    print("bench: generating %s" % directory, file=sys.stderr)
    result = subprocess.run(command, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit("bench: %s failed:\n%s" % (" ".join(command), result.stderr))
    print(result.stderr.strip(), file=sys.stderr)
    with open(stamp_path, "w") as out:
        out.write(stamp)
    return directory


def tree_size(directory):
    """Bytes and files under `directory`."""
    total = count = 0
    for root, _dirs, files in os.walk(directory):
        for name in files:
            total += os.path.getsize(os.path.join(root, name))
            count += 1
    return total, count


# --- totals -------------------------------------------------------------------------

def read_totals(path):
    """{(org, user): (jobs, consumed CU)} from a CSV with org_id, user, jobs, consumed_cu."""
    with open(path, newline="", encoding="utf-8") as stream:
        rows = csv.DictReader(stream)
        return {(row["org_id"], row["user"]): (int(row["jobs"]), Decimal(row["consumed_cu"])) for row in rows}


def disagreement(reference, other):
    """'' when the totals agree, else a short description of the first differences."""
    if reference == other:
        return ""
    keys = sorted(set(reference) | set(other))
    diffs = ["%s/%s: chargeback %s, peer %s" % (k[0], k[1], reference.get(k), other.get(k))
             for k in keys if reference.get(k) != other.get(k)]
    return "%d group(s) differ, e.g. %s" % (len(diffs), "; ".join(diffs[:3]))


# --- the table ----------------------------------------------------------------------

def row(case, tool, measured, documents, size):
    wall = max(measured.wall, 0.005)
    return "| %s | %s | %.2f | %.2f | %s | %s | %.1f |" % (
        case, tool, measured.wall, measured.cpu,
        "%.0f" % (measured.rss_kib / 1024) if measured.rss_kib > 0 else "—",
        "{:,.0f}".format(documents / wall) if documents else "—", size / 1e6 / wall)


def versions(args, have_duckdb):
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    python = platform.python_version()
    duck = ""
    if have_duckdb:
        duck = subprocess.run([args.python, "-c", "import duckdb; print(duckdb.__version__)"],
                              capture_output=True, text=True).stdout.strip()
    return (swift[0] if swift else "swift ?"), python, duck


def main():
    global DROP_CACHES
    args = parse_args()
    DROP_CACHES = args.drop_caches
    os.makedirs(args.data, exist_ok=True)
    chargeback = os.path.join(args.bin, "chargeback")
    have_duckdb = subprocess.run([args.python, "-c", "import duckdb"], capture_output=True).returncode == 0
    swift, python, duck = versions(args, have_duckdb)
    load_before = os.getloadavg()
    work = tempfile.mkdtemp(prefix="chargeback-bench-out.")
    lines = []
    notes = []

    # The NDJSON reference file.
    data = generate(args, "ndjson-%d" % args.documents, ["--layout", "ndjson", "--documents", str(args.documents)])
    ndjson = os.path.join(data, "jobs.ndjson")
    size = os.path.getsize(ndjson)
    case = "%s docs, %.0f MB NDJSON" % ("{:,}".format(args.documents), size / 1e6)
    warm([ndjson])

    floor = median_run("cat '%s' > /dev/null" % ndjson, args.repeat, inputs=[ndjson], shell=True)
    out = os.path.join(work, "chargeback")
    ours = median_run([chargeback, "report", ndjson, "--format", "csv", "--group-by", "org,user",
                       "--output", out, "--quiet"], args.repeat, inputs=[ndjson], outputs=[out])
    with open(os.path.join(out, "manifest.json")) as stream:
        manifest = json.load(stream)
    reconciliation = manifest["reconciliation"]
    reference = read_totals(os.path.join(out, "summary.csv"))
    lines.append(row(case, "`cat` (floor)", floor, None, size))
    lines.append(row(case, "**chargeback** report, csv", ours, args.documents, size))

    ratios = []
    peers = [("DuckDB %s, %d threads" % (duck, args.threads), "peer_duckdb.py", ["--threads", str(args.threads)])]
    peers.append(("Python %s stdlib json" % python, "peer_python.py", []))
    measured_peers = {}
    for label, script, extra in peers:
        if script == "peer_duckdb.py" and not have_duckdb:
            notes.append("DuckDB is not installed for %s: its row is missing." % args.python)
            continue
        output = os.path.join(work, script + ".csv")
        measured = median_run([args.python, os.path.join(HERE, script), ndjson, "--output", output] + extra,
                              args.repeat, inputs=[ndjson], outputs=[output])
        problem = disagreement(reference, read_totals(output))
        agrees = "agree" if not problem else "DISAGREE: " + problem
        notes.append("%s vs chargeback, per-org/user jobs and consumed CU (%d groups): %s." % (
            label, len(reference), agrees))
        lines.append(row(case, label, measured, args.documents, size))
        measured_peers[script] = measured

    if "peer_duckdb.py" in measured_peers:
        ratios.append("chargeback wall ÷ DuckDB wall = **%.2f** (target ≤ 1.0); CPU %.2f" % (
            ours.wall / measured_peers["peer_duckdb.py"].wall, ours.cpu / measured_peers["peer_duckdb.py"].cpu))
    ratios.append("Python wall ÷ chargeback wall = **%.2f** (target ≥ 7); CPU %.2f" % (
        measured_peers["peer_python.py"].wall / ours.wall, measured_peers["peer_python.py"].cpu / ours.cpu))
    ratios.append("chargeback peak RSS = **%.0f MiB** (target ≤ 400 MiB)" % (ours.rss_kib / 1024))
    ratios.append("chargeback wall ÷ `cat` wall = %.0f" % (ours.wall / max(floor.wall, 0.005)))
    share = (reconciliation["superseded"] + reconciliation["duplicates"]) / reconciliation["documents_read"]
    notes.append("chargeback's reconciliation: %s documents read, %s jobs reported, %s superseded, %s duplicates, "
                 "%s rejected (%.1f %% of documents are not their job's latest)." % (
                     "{:,}".format(reconciliation["documents_read"]), "{:,}".format(reconciliation["jobs_reported"]),
                     "{:,}".format(reconciliation["superseded"]), "{:,}".format(reconciliation["duplicates"]),
                     "{:,}".format(reconciliation["rejected"]), 100 * share))

    # Many small files.
    if args.files:
        tree = generate(args, "files-%d" % args.files, ["--layout", "files", "--documents", str(args.files)])
        tree_bytes, count = tree_size(tree)
        tree_case = "%s files, %.0f MB" % ("{:,}".format(count), tree_bytes / 1e6)
        tree_inputs = tree_files(tree) if DROP_CACHES else []
        floor_tree = median_run("find '%s' -type f -print0 | xargs -0 cat > /dev/null" % tree, args.repeat,
                                inputs=tree_inputs, shell=True)
        ours_tree = median_run([chargeback, "report", tree, "--format", "csv", "--group-by", "org,user",
                                "--output", os.path.join(work, "tree"), "--quiet"], args.repeat, inputs=tree_inputs,
                               outputs=[os.path.join(work, "tree")])
        lines.append(row(tree_case, "`find … \\| xargs cat` (floor)", floor_tree, None, tree_bytes))
        lines.append(row(tree_case, "**chargeback** report, csv", ours_tree, count, tree_bytes))
        ratios.append("files: chargeback wall ÷ `find | xargs cat` wall = **%.2f** (target ≤ 1.0)" % (
            ours_tree.wall / max(floor_tree.wall, 0.005)))

    # Scaling.
    if args.scaling:
        big_documents = 3 * args.documents
        big = os.path.join(generate(args, "ndjson-%d" % big_documents,
                                    ["--layout", "ndjson", "--documents", str(big_documents)]), "jobs.ndjson")
        big_size = os.path.getsize(big)
        warm([big])
        ours_big = median_run([chargeback, "report", big, "--format", "csv", "--group-by", "org,user",
                               "--output", os.path.join(work, "big"), "--quiet"], args.repeat, inputs=[big],
                              outputs=[os.path.join(work, "big")])
        lines.append(row("%s docs, %.0f MB NDJSON" % ("{:,}".format(big_documents), big_size / 1e6),
                         "**chargeback** report, csv", ours_big, big_documents, big_size))
        ratios.append("scaling: chargeback wall 3× ÷ 1× documents = **%.2f** (target ≤ 3.3); CPU %.2f; RSS %.2f" % (
            ours_big.wall / ours.wall, ours_big.cpu / ours.cpu, ours_big.rss_kib / ours.rss_kib))

    load_after = os.getloadavg()
    shutil.rmtree(work, ignore_errors=True)
    print()
    if os.path.basename(os.path.normpath(args.bin)) == "debug":
        print("DEBUG BUILD: this run checks the harness and the peers' agreement; its times mean nothing.")
    print("%s · Python %s%s · %d cores · load average %.1f before, %.1f after%s" % (
        swift, python, " · DuckDB " + duck if duck else "", os.cpu_count(), load_before[0], load_after[0],
        " · median of %d runs" % args.repeat if args.repeat > 1 else ""))
    print()
    print("| case | tool | wall s | CPU s | peak RSS MiB | documents/s | MB/s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for line in lines:
        print(line)
    print()
    for ratio in ratios:
        print("- " + ratio)
    if DROP_CACHES:
        notes.append("--drop-caches: before each measurement the page cache was emptied, only its input read back "
                     "and the tool run once untimed (which reads its own program files back), so that no run paid "
                     "for reclaiming pages an earlier case had left cached.")
    for note in notes:
        print("- " + note)
    if max(load_before[0], load_after[0]) > 1.5:
        print("- The machine was busy with other work (load average above 1.5): wall times are noisy, CPU is the "
              "steadier figure.")
    if any("DISAGREE" in note for note in notes):
        sys.exit(1)


if __name__ == "__main__":
    main()
