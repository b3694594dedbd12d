#!/usr/bin/env bash
# Closed-loop scenarios on real processes (label e2e): the real skewgate-controller with
# live sidecar analysis, the pod runner giving every KWOK pod its real model server and
# sidecar, and a load generator replaying live traffic through the serving Service's pods.
# Each scenario asserts the final state AND the evidence in status and Events.
#   1. a healthy v2 is promoted automatically through all its steps
#   2. a v3 whose preprocessing is broken (amount scaled x100) is rolled back; the Event
#      names the feature and the stable keeps serving
#   4. no traffic reaches the canary: Inconclusive, then Paused with a reason, never promoted
#   7. a model whose digest does not match: canary pods never Ready, Degraded, stable serving
# Usage: closed_loop_test.sh REPO_ROOT BUILD_DIR   (needs the local cluster: make cluster-up)
set -uo pipefail
REPO="$1"; BUILD="$2"
. "$REPO/tests/e2e/closedloop/lib.sh"
[ -f "$KUBECONFIG" ] || { echo "FAIL: no local cluster ($KUBECONFIG); run 'make cluster-up'"; exit 1; }
NS="e2e-loop-$RANDOM$RANDOM"
WORK="$(mktemp -d)"
trap 'e2e_cleanup "$NS" "$WORK"' EXIT
check() { e2e_check "$@"; }
jp() { lane_jp "$NS" "$1"; }
wait_phase() { lane_wait_phase "$NS" "$1" "$2"; }  # wait_phase REGEX TIMEOUT
events_with() { lane_events "$NS" "$1"; }

e2e_install_crds
lane_baselines "$WORK"
# The namespace, ConfigMaps fraud-baseline and fraud-baseline-cents, controller, pod runner.
lane_start "$NS" "$WORK" "$WORK/baseline.json" "$WORK/baseline-cents.json"
start_load() { lane_load "$NS" "$WORK" "$REPO/examples/demo/fraud-live.csv" 150; }

deploy() {  # deploy MODEL_FILE BASELINE_CM [DIGEST_OVERRIDE]
  cp "$REPO/examples/demo/$1" "$WORK/$1"
  local digest="sha256:$(sha256sum "$WORK/$1" | cut -d' ' -f1)"
  [ -n "${3:-}" ] && digest="$3"
  sed -e "s|@VERSION@|$1|; s|@URI@|file://$WORK/$1|; s|@DIGEST@|$digest|" \
      -e "s|@BASELINE@|$2|; s|@MODEL_FILE@|$1|; s|progressDeadlineSeconds: 300|progressDeadlineSeconds: 30|" \
      "$REPO/examples/demo/modeldeployment.yaml.tmpl" | kubectl -n "$NS" apply -f - >/dev/null
}

echo "== v1: first deployment"
start_load
deploy fraud-v1.json fraud-baseline
check "v1 becomes Healthy" wait_phase Healthy 90
v1="$(jp '{.status.stableRevision}')"

echo "== scenario 1: a healthy v2 is promoted through all its steps"
deploy fraud-v2.json fraud-baseline
check "v2 is promoted (Healthy)" wait_phase Healthy 180
v2="$(jp '{.status.stableRevision}')"
check "stable is now v2, not v1" test -n "$v2" -a "$v2" != "$v1"
check "the last analysis of v2 was Successful" test "$(jp '{.status.lastAnalysis.verdict}')" = Successful
check "a Promoted event names v2" events_with "^Promoted: revision $v2 promoted"
check "the analysis counted live samples" test "$(jp '{.status.lastAnalysis.samples}')" -ge 200
check "kubectl wait --for=condition=Ready sees it" \
  kubectl -n "$NS" wait --for=condition=Ready md/fraud --timeout=60s

echo "== scenario 2: v3 with amount scaled x100 against its training is rolled back"
deploy fraud-v3.json fraud-baseline-cents
check "v3 is rolled back (Degraded)" wait_phase Degraded 120
check "stable is still v2" test "$(jp '{.status.stableRevision}')" = "$v2"
check "the abort names the feature amount" test "$(jp '{.status.abort.features[0]}')" = amount
check "an AnalysisFailed event names amount" events_with "^AnalysisFailed: .*amount"
check "the failed analysis scored amount over its threshold" \
  awk -v s="$(jp '{.status.lastAnalysis.maxScore}')" 'BEGIN{exit !(s > 0.1)}'
ok_before="$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d '{"instances":[{"amount":12,"age":40,"distance_km":3,"hour":12,"country":"US","channel":"web"}]}' \
  "http://$(kubectl -n "$NS" get pods -l skewgate.io/revision="$v2" -o jsonpath='{.items[0].status.podIP}'):8080/v1/models/fraud:predict")"
check "a stable pod still answers predictions through its sidecar (HTTP $ok_before)" test "$ok_before" = 200

echo "== scenario 4: no traffic reaches the canary"
kill "$LOAD_PID" 2>/dev/null
deploy fraud-v1.json fraud-baseline
check "the canary pauses instead of promoting" wait_phase Paused 150
check "the pause says why (inconclusive runs)" test "$(jp '{.status.conditions[?(@.type=="Paused")].reason}')" = InconclusiveLimitReached
check "the canary was never promoted (stable is still v2)" test "$(jp '{.status.stableRevision}')" = "$v2"

echo "== scenario 7: a model whose digest does not match"
start_load
deploy fraud-v2.json fraud-baseline "sha256:0000000000000000000000000000000000000000000000000000000000000000"
check "the rollout ends Degraded" wait_phase Degraded 120
check "stable is still v2" test "$(jp '{.status.stableRevision}')" = "$v2"
bad="$(jp '{.status.canaryRevision}')"
ready_bad="$(kubectl -n "$NS" get pods -l "skewgate.io/revision=$(jp '{.status.abort.revision}')" -o jsonpath='{.items[*].status.conditions[?(@.type=="Ready")].status}')"
check "no pod of the bad revision is Ready ($ready_bad)" test -z "$(echo "$ready_bad" | grep True)"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
