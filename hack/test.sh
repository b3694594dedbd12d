#!/usr/bin/env bash
# Everything CI runs (`make test`): build, unit tests, unit tests again under
# ASan+UBSan, the real local control plane, cluster and e2e tests, bounded fuzzing.
# Ends with one summary line "N passed, N failed".
#   hack/test.sh                 # all of it
#   SKEWGATE_TEST_PHASES="unit cluster" hack/test.sh
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"

PHASES="${SKEWGATE_TEST_PHASES:-format unit asan cluster fuzz}"
JOBS="${SKEWGATE_JOBS:-2}"
passed=0; failed=0; failures=()

# ctest_phase NAME BUILD_DIR CTEST_ARGS... runs ctest and adds its counts to the totals.
ctest_phase() {
  local name="$1" dir="$2"; shift 2
  local out="$dir/ctest-$name.log"
  log "== $name tests"
  ctest --test-dir "$dir" --output-on-failure --no-tests=error "$@" 2>&1 | tee "$out"
  local line p f
  line="$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$out" | tail -1)"
  if [ -z "$line" ]; then
    failed=$((failed + 1)); failures+=("$name: ctest ran no tests or crashed"); return
  fi
  f="$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")"
  p="$(( $(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line") - f ))"
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" = 0 ] || failures+=("$name: $f failed (see $out)")
}

step_failed() { failed=$((failed + 1)); failures+=("$1"); }

for phase in $PHASES; do
  case "$phase" in
    format)
      log "== format check"
      if bash "$HACK_DIR/format.sh" --check; then passed=$((passed + 1)); else step_failed "format: run 'make fmt'"; fi ;;
    unit)
      bash "$HACK_DIR/build.sh" build || { step_failed "build failed"; break; }
      ctest_phase unit build -L unit -j "$JOBS" --timeout 300 ;;
    asan)
      # One clang tree serves the ASan+UBSan unit tests and the fuzzers (fuzz phase): clang
      # compiles this code at -O0 with sanitizers about twice as fast as gcc, and the fuzz
      # phase then builds only its seven small targets. A tree configured by gcc is remade.
      if [ -f build-asan/CMakeCache.txt ] && ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang' build-asan/CMakeCache.txt; then
        rm -rf build-asan
      fi
      SKEWGATE_CMAKE_ARGS="-DCMAKE_CXX_COMPILER=clang++ -DSKEWGATE_SANITIZE=ON -DSKEWGATE_FUZZ=ON -DSKEWGATE_BENCH=OFF -DSKEWGATE_CLUSTER_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug" \
        bash "$HACK_DIR/build.sh" build-asan || { step_failed "ASan build failed"; continue; }
      # tests/lsan.supp: third-party leaks, each with the reason it is not ours.
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        LSAN_OPTIONS="suppressions=$REPO_ROOT/tests/lsan.supp" \
        ctest_phase asan build-asan -L unit -j "$JOBS" --timeout 600 ;;
    cluster)
      bash "$HACK_DIR/build.sh" build || { step_failed "build failed"; break; }
      # A cluster this run starts is stopped at the end (a clean clone leaves no etcd or
      # kube-apiserver behind); one that was already up is left as it was.
      # SKEWGATE_KEEP_CLUSTER=1 keeps it to look around after a failure.
      cluster_was_up=0
      "$CP_BIN_DIR/kubectl" --kubeconfig "$CLUSTER_DIR/kubeconfig" get --raw /readyz \
        --request-timeout=3s >/dev/null 2>&1 && cluster_was_up=1
      if ! bash "$HACK_DIR/cluster-up.sh"; then step_failed "cluster-up failed"; continue; fi
      export PATH="$CP_BIN_DIR:$PATH"
      ctest_phase cluster build -L 'cluster|e2e' -j 3 --timeout 900
      if [ "$cluster_was_up" = 0 ] && [ -z "${SKEWGATE_KEEP_CLUSTER:-}" ]; then
        bash "$HACK_DIR/cluster-down.sh" || true
      fi ;;
    fuzz)
      if [ -x tests/fuzz/run.sh ]; then
        log "== fuzzing (bounded)"
        fuzz_dir=""  # run.sh's own optimised tree, unless the asan phase built one with the fuzzers
        grep -qs '^SKEWGATE_FUZZ:BOOL=ON' build-asan/CMakeCache.txt && fuzz_dir="$REPO_ROOT/build-asan"
        if FUZZ_BUILD_DIR="$fuzz_dir" FUZZ_SECONDS="${FUZZ_SECONDS:-10}" bash tests/fuzz/run.sh; then passed=$((passed + 1)); else step_failed "fuzz: a fuzzer found a crash (see build-fuzz/)"; fi
      fi ;;
    *) die "unknown test phase '$phase'" ;;
  esac
done

for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
