#!/usr/bin/env bash
# Runs every Google Benchmark binary (build/bin/*_bench) and writes its JSON and a
# markdown summary to bench/results/, stamped with machine, versions and date.
#   hack/bench.sh            # all benchmarks
#   hack/bench.sh skew       # only binaries whose name contains "skew"
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"
filter="${1:-}"
mkdir -p bench/results
shopt -s nullglob
ran=0
for b in build/bin/*_bench; do
  name="$(basename "$b" _bench)"
  [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
  log "benchmark $name"
  "$b" --benchmark_format=console --benchmark_out="bench/results/$name.json" --benchmark_out_format=json
  ran=$((ran + 1))
done
for s in bench/*/run.sh; do
  name="$(basename "$(dirname "$s")")"
  [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
  log "load test $name"
  bash "$s"
  ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || die "no benchmark matched '${filter}'; build first with 'make build'"
log "results in bench/results/"
