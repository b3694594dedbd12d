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
REPO="$1"; BUILD="$2"; BIN="$BUILD/bin"
. "$REPO/hack/lib/common.sh"
export PATH="$CP_BIN_DIR:$BIN:$PATH" KUBECONFIG="${SKEWGATE_CLUSTER_DIR:-$REPO/.cluster}/kubeconfig"
[ -f "$KUBECONFIG" ] || { echo "FAIL: no local cluster ($KUBECONFIG); run 'make cluster-up'"; exit 1; }
NS="e2e-loop-$RANDOM$RANDOM"
WORK="$(mktemp -d)"
pids=()
passed=0; failed=0

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1
  if [ "$failed" -gt 0 ]; then
    echo "--- controller log (tail)"; tail -30 "$WORK/controller.log"
    echo "--- pod runner log (tail)"; tail -10 "$WORK/pod-runner.log"
  fi
  if [ "$failed" -gt 0 ] && [ -n "${SKEWGATE_KEEP_E2E:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

check() {  # check DESCRIPTION COMMAND...: one assertion
  if "${@:2}"; then passed=$((passed + 1)); echo "ok   $1"
  else failed=$((failed + 1)); echo "FAIL $1"; fi
}
jp() { kubectl -n "$NS" get md fraud -o jsonpath="$1" 2>/dev/null; }
wait_phase() {  # wait_phase REGEX TIMEOUT
  local start=$SECONDS
  while [ $((SECONDS - start)) -lt "$2" ]; do
    [[ "$(jp '{.status.phase}')" =~ ^($1)$ ]] && [ "$(jp '{.status.observedGeneration}')" = "$(jp '{.metadata.generation}')" ] && return 0
    sleep 1
  done
  echo "  timed out waiting for phase $1; status: $(jp '{.status.phase} {.status.message}')"
  return 1
}
events_with() { kubectl -n "$NS" get events.events.k8s.io -o jsonpath='{range .items[*]}{.reason}: {.note}{"\n"}{end}' | grep -E "$1"; }

kubectl apply --server-side -f "$REPO/crds/" >/dev/null
kubectl wait --for=condition=Established crd/modeldeployments.skewgate.io --timeout=60s >/dev/null
kubectl create namespace "$NS" >/dev/null
skewgate baseline --input "$REPO/examples/training/fraud-train.csv" --output "$WORK/baseline.json" \
  --ignore transaction_id,prediction >/dev/null 2>&1
awk -F, 'BEGIN{OFS=","} NR==1{print; next} {$2=$2*100; print}' "$REPO/examples/training/fraud-train.csv" >"$WORK/cents.csv"
skewgate baseline --input "$WORK/cents.csv" --output "$WORK/baseline-cents.json" \
  --ignore transaction_id,prediction >/dev/null 2>&1
kubectl -n "$NS" create configmap fraud-baseline --from-file=baseline.json="$WORK/baseline.json" >/dev/null
kubectl -n "$NS" create configmap fraud-baseline-cents --from-file=baseline.json="$WORK/baseline-cents.json" >/dev/null

skewgate-controller --kubeconfig "$KUBECONFIG" --namespace "$NS" --metrics-address 127.0.0.1:0 \
  >"$WORK/controller.log" 2>&1 & pids+=($!)
skewgate-pod-runner --kubeconfig "$KUBECONFIG" --namespace "$NS" --bin-dir "$BIN" \
  --work-dir "$WORK/pods" >"$WORK/pod-runner.log" 2>&1 & pids+=($!)
start_load() {
  skewgate-loadgen --kubeconfig "$KUBECONFIG" -n "$NS" --service fraud --model fraud \
    --data "$REPO/examples/demo/fraud-live.csv" --ignore transaction_id,prediction \
    --categorical country,channel --rate 150 --duration 10m >"$WORK/loadgen.log" 2>&1 &
  LOAD_PID=$!; pids+=($LOAD_PID)
}

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
sleep 2
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
sleep 2
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
sleep 2
check "the canary pauses instead of promoting" wait_phase Paused 150
check "the pause says why (inconclusive runs)" test "$(jp '{.status.conditions[?(@.type=="Paused")].reason}')" = InconclusiveLimitReached
check "the canary was never promoted (stable is still v2)" test "$(jp '{.status.stableRevision}')" = "$v2"

echo "== scenario 7: a model whose digest does not match"
start_load
deploy fraud-v2.json fraud-baseline "sha256:0000000000000000000000000000000000000000000000000000000000000000"
sleep 2
check "the rollout ends Degraded" wait_phase Degraded 120
check "stable is still v2" test "$(jp '{.status.stableRevision}')" = "$v2"
bad="$(jp '{.status.canaryRevision}')"
ready_bad="$(kubectl -n "$NS" get pods -l "skewgate.io/revision=$(jp '{.status.abort.revision}')" -o jsonpath='{.items[*].status.conditions[?(@.type=="Ready")].status}')"
check "no pod of the bad revision is Ready ($ready_bad)" test -z "$(echo "$ready_bad" | grep True)"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
