#!/usr/bin/env bash
# Builds one libFuzzer target with -sanitize=fuzzer,address and runs it for SECONDS seconds.
#
#   Tests/Fuzz/run.sh reader|config SECONDS [libFuzzer flags...]
#   FUZZ_CONFIGURATION=release Tests/Fuzz/run.sh reader 600    # about 5 times the executions
#
# reader: bytes → documents → jobs or rejects → every report (Tests/Fuzz/FuzzChecks/ReaderCheck.swift)
# config: bytes → chargeback.yaml → rates and cost centers (Tests/Fuzz/FuzzChecks/ConfigCheck.swift)
#
# The build has its own scratch path (.build-fuzz): the instrumented objects never mix with
# .build. The corpus grows in .build-fuzz/corpus/TARGET and is kept between runs; the seeds are
# rebuilt each time from samples/, Tests/Fuzz/seeds/TARGET and Tests/Fuzz/regressions/TARGET.
# A crash leaves its input in .build-fuzz/artifacts/TARGET/ and the script exits non-zero:
# fix the bug, then copy the input into Tests/Fuzz/regressions/TARGET/ (swift test runs every
# file there through the same checks).
#
# SwiftPM and `main`: on Linux SwiftPM links an executable with `--defsym main=<module>_main`,
# while -sanitize=fuzzer brings libFuzzer's own `main`. The targets exist only with
# CHARGEBACK_FUZZ=1 (Package.swift), are compiled with -parse-as-library (no Swift `main`), and
# each defines `<module>_main` with @_cdecl, calling LLVMFuzzerRunDriver: libFuzzer's `main`
# is then never linked in.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage="usage: Tests/Fuzz/run.sh reader|config SECONDS [libFuzzer flags...]"
target=${1:?$usage}
seconds=${2:?$usage}
shift 2
case $target in
  reader) product=FuzzReader max_len=16384 ;;
  config) product=FuzzConfig max_len=4096 ;;
  *) echo "$usage" >&2; exit 1 ;;
esac

scratch=.build-fuzz
configuration=${FUZZ_CONFIGURATION:-debug}
flags=(-c "$configuration" --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
echo "fuzz: building $product ($configuration, scratch path $scratch)"
# gold warns once per ASan assembly stub that it cannot export a local symbol: harmless noise.
CHARGEBACK_FUZZ=1 swift build "${flags[@]}" --product "$product" 2>&1 | { grep -v "Cannot export local symbol '__asan" || true; }
bin=$(CHARGEBACK_FUZZ=1 swift build "${flags[@]}" --show-bin-path)/$product

corpus=$scratch/corpus/$target
seeds=$scratch/seeds/$target
artifacts=$scratch/artifacts/$target
rm -rf "$seeds"
mkdir -p "$corpus" "$seeds" "$artifacts"
cp Tests/Fuzz/seeds/"$target"/* "$seeds"/ 2>/dev/null || true
cp Tests/Fuzz/regressions/"$target"/* "$seeds"/ 2>/dev/null || true
if [[ $target == reader ]]; then
  # The bundled samples, cut into small inputs: the first byte selects how the rest is read
  # (0 standard input, 1 .json, 2 .ndjson, 3 gzip; see ReaderCheck).
  python3 - "$seeds" <<'EOF'
import gzip, json, pathlib, sys
out = pathlib.Path(sys.argv[1])
n = 0
def seed(mode, text):
    global n
    (out / f"sample-{n:03}").write_bytes(mode + text)
    n += 1
for path in sorted(pathlib.Path("samples").rglob("*")):
    name = path.name.lower()
    if name.endswith(".gz"):
        data, name = gzip.decompress(path.read_bytes()), name[:-3]
    elif path.is_file():
        data = path.read_bytes()
    else:
        continue
    if name.endswith((".ndjson", ".jsonl")):
        lines = data.splitlines(keepends=True)
        for k in range(0, min(len(lines), 24), 6):
            chunk = b"".join(lines[k:k + 6])
            seed(b"2", chunk)
            seed(b"0", chunk)
        seed(b"3", b"".join(lines[:4]))
    elif name.endswith(".json"):
        value = json.loads(data)
        if isinstance(value, list):
            seed(b"1", json.dumps(value[:5], indent=1).encode())
        else:
            seed(b"1", data)
            seed(b"\xb1", data)
EOF
else
  cp samples/chargeback.yaml "$seeds"/sample.yaml
fi

echo "fuzz: running $product for $seconds s ($(find "$corpus" -type f | wc -l) inputs in $corpus, $(find "$seeds" -type f | wc -l) seeds)"
"$bin" "$corpus" "$seeds" -max_total_time="$seconds" -max_len="$max_len" -timeout=20 -rss_limit_mb=4096 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 "$@"
echo "fuzz: $product finished; corpus $(find "$corpus" -type f | wc -l) inputs, $(du -sk "$corpus" | cut -f1) KiB"
