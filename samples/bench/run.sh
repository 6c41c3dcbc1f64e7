#!/usr/bin/env bash
# The SPEC 7 benchmark in one command: chargeback vs DuckDB vs plain Python on the same
# generated file, plus many small files and (with --scaling) 3x the documents.
#
#   samples/bench/run.sh [--quick] [--documents N] [--files N] [--scaling] [--repeat K]
#   samples/bench/run.sh --debug-build --documents 20000 --files 1000   # CI's smoke run
#
# Builds chargeback and chargeback-samples in release, makes sure GNU time is there and
# DuckDB is installed in a venv (once, from PyPI, into ~/.cache/chargeback-bench-venv;
# without it the DuckDB row is left out), then runs harness.py. Generated data is kept in
# $TMPDIR/chargeback-bench and reused while the generator and its arguments are unchanged.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ ! -x /usr/bin/time ]]; then
  if [[ $(id -u) = 0 ]] && command -v apt-get >/dev/null; then
    echo "bench: installing GNU time" >&2
    apt-get install -y -qq time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
  else
    echo "bench: /usr/bin/time (GNU time) is missing: install Debian's 'time' package" >&2
    exit 1
  fi
fi

venv=${CHARGEBACK_BENCH_VENV:-$HOME/.cache/chargeback-bench-venv}
python=python3
if "$venv/bin/python" -c 'import duckdb' 2>/dev/null; then
  python=$venv/bin/python
elif python3 -m venv "$venv" && "$venv/bin/pip" install -q duckdb; then
  python=$venv/bin/python
else
  echo "bench: could not install duckdb into $venv: the DuckDB row will be missing" >&2
fi

# --debug-build measures the debug binaries instead: only to check that the harness runs
# and that the peers agree with chargeback, never for the numbers.
configuration=release
if [[ ${1:-} = --debug-build ]]; then
  configuration=debug
  shift
fi
echo "bench: building chargeback and chargeback-samples ($configuration)" >&2
swift build -c $configuration --product chargeback >&2
swift build -c $configuration --product chargeback-samples >&2
bin=$(swift build -c $configuration --show-bin-path)

exec "$python" samples/bench/harness.py --bin "$bin" --python "$python" "$@"
