#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan + coverage on everything they
# link) in build-fuzz/ and runs each for FUZZ_SECONDS (default 20) from its seed corpus.
# Exits non-zero when a fuzzer finds a crash, a leak or undefined behaviour.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
# FUZZ_BUILD_DIR: a tree configured with -DSKEWGATE_FUZZ=ON (make test passes its ASan
# tree, built at -O0); by default build-fuzz/, configured here, optimised.
build="${FUZZ_BUILD_DIR:-$repo/build-fuzz}"
seconds="${FUZZ_SECONDS:-20}"
targets=(fuzz_json_doc fuzz_payload fuzz_http_request fuzz_http_response fuzz_sidecar_config
         fuzz_linear_model fuzz_fetch_uri)
corpus_of() {
  case "$1" in
    fuzz_json_doc) echo json_doc ;; fuzz_payload) echo payload ;;
    fuzz_http_request) echo http_request ;; fuzz_http_response) echo http_response ;;
    fuzz_sidecar_config) echo sidecar_config ;; fuzz_linear_model) echo linear_model ;;
    fuzz_fetch_uri) echo fetch_uri ;;
  esac
}

if ! grep -qs '^SKEWGATE_FUZZ:BOOL=ON' "$build/CMakeCache.txt"; then
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ -DSKEWGATE_FUZZ=ON -DSKEWGATE_SANITIZE=ON -DSKEWGATE_BENCH=OFF \
    -DSKEWGATE_CLUSTER_TESTS=OFF >/dev/null
fi
cmake --build "$build" -j"${FUZZ_JOBS:-2}" --target "${targets[@]}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0
for t in "${targets[@]}"; do
  seeds="$repo/tests/fuzz/corpus/$(corpus_of "$t")"
  mkdir -p "$work/$t"
  echo "== $t for ${seconds}s (seeds: $seeds)"
  # New inputs go to a scratch corpus; the checked-in seeds are only read.
  if ! (cd "$work" && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$build/bin/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 "$work/$t" "$seeds" 2>"$work/$t.log"); then
    echo "FAIL: $t found a problem; its log follows (reproducer in the artifact line)"
    tail -60 "$work/$t.log"
    mkdir -p "$repo/build-fuzz/crashes"
    cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$repo/build-fuzz/crashes/" 2>/dev/null || true
    failed=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$work/$t.log" | tail -2 || true
  fi
done
exit "$failed"
