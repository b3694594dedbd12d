#!/usr/bin/env bash
# `make test-faults`: the fault tests and security checks (tests/e2e/faults) at the issue's
# figures — 50 concurrent rollouts and 20 controller SIGKILLs, 20 rollouts across an API
# server restart and an etcd compaction — on a cluster of their own (.cluster-faults), so
# that restarting its API server disturbs nobody. `make test` runs the same tests reduced
# (SKEWGATE_FAULTS unset) on the shared cluster.
#   hack/test-faults.sh                              # all of them, full size
#   hack/test-faults.sh --gtest_filter='*Leader*'    # arguments go to the test binary
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"
export SKEWGATE_CLUSTER_DIR="${SKEWGATE_CLUSTER_DIR:-$REPO_ROOT/.cluster-faults}"
export SKEWGATE_FAULTS="${SKEWGATE_FAULTS:-full}"
bash "$HACK_DIR/build.sh" build
bash "$HACK_DIR/cluster-up.sh"
export PATH="$CP_BIN_DIR:$PATH" SKEWGATE_REPO_ROOT="$REPO_ROOT"
log "== fault tests (SKEWGATE_FAULTS=$SKEWGATE_FAULTS, cluster $SKEWGATE_CLUSTER_DIR)"
# Figures are the test's "[figure]" lines; the controllers' logs are shown on failure.
build/bin/faults_test "$@"
