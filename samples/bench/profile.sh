#!/usr/bin/env bash
# Where chargeback's time goes: callgrind on the release build reading 50,000 generated
# documents (the benchmark's mix: 5 % earlier polls), summarised by inclusive and by self
# cost with Swift names demangled.
#
#   samples/bench/profile.sh [DOCUMENTS] [OUT_DIR]
#
# Under callgrind the run is about 50x slower (a few minutes) and its threads take turns,
# so the shares are of instructions executed, not of wall time on two cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
documents=${1:-50000}
out=${2:-${TMPDIR:-/tmp}/chargeback-profile}
command -v valgrind >/dev/null || { echo "profile: valgrind is missing (apt-get install valgrind)" >&2; exit 1; }

swift build -c release --product chargeback >&2
swift build -c release --product chargeback-samples >&2
bin=$(swift build -c release --show-bin-path)
rm -rf "$out" && mkdir -p "$out"
"$bin/chargeback-samples" "$out/data" --layout ndjson --documents "$documents" --earlier-polls 0.05 --seed 2026
# Valgrind 3.19 (Debian 12) cannot read the DWARF 5 that Swift 6.3 writes and gives up, so it
# runs a copy without debug information: the symbol table still names every function.
strip --strip-debug -o "$out/chargeback" "$bin/chargeback"
valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
  "$out/chargeback" report "$out/data/jobs.ndjson" --format csv --group-by org,user --output "$out/report" --quiet

# Threads write one file each with --separate-threads; without it one file holds them all.
for mode in yes no; do
  callgrind_annotate --inclusive=$mode --threshold=99 "$out/callgrind.out" \
    | swift demangle --simplified >"$out/summary-inclusive-$mode.txt"
done
echo "profile: $out/summary-inclusive-yes.txt (inclusive) and $out/summary-inclusive-no.txt (self)" >&2
head -45 "$out/summary-inclusive-yes.txt"
