#!/usr/bin/env bash
# `make demo`: skewgate end to end on the local control plane. Builds a training baseline
# with `skewgate baseline`, starts the controller, the pod runner (real model servers and
# sidecars for the KWOK pods) and a load generator replaying live traffic, then deploys
# v1, rolls out a good v2 (promoted by the live skew analysis) and a skewed v3 (rolled
# back), printing a live timeline. Leaves everything running; `make demo-down` stops it.
#   hack/demo.sh          # run the demo
#   hack/demo.sh --down   # stop the demo's processes and the cluster
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"
DEMO_DIR="$CLUSTER_DIR/demo"
NS=skewgate-demo

stop_processes() {
  for p in loadgen pod-runner controller; do
    if [ -f "$DEMO_DIR/$p.pid" ]; then
      kill "$(cat "$DEMO_DIR/$p.pid")" 2>/dev/null || true
      rm -f "$DEMO_DIR/$p.pid"
    fi
  done
}

if [ "${1:-}" = "--down" ]; then
  stop_processes
  exec bash "$HACK_DIR/cluster-down.sh"
fi

BIN="$REPO_ROOT/build/bin"
for b in skewgate skewgate-controller skewgate-sidecar skewgate-model-server skewgate-pod-runner skewgate-loadgen; do
  [ -x "$BIN/$b" ] || die "$BIN/$b is missing; run 'make build' first (make demo does)"
done
bash "$HACK_DIR/cluster-up.sh"
export PATH="$CP_BIN_DIR:$BIN:$PATH" KUBECONFIG="$CLUSTER_DIR/kubeconfig"
mkdir -p "$DEMO_DIR/models"
stop_processes

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Training baselines with 'skewgate baseline'"
skewgate baseline --input examples/training/fraud-train.csv --output "$DEMO_DIR/baseline.json" \
  --ignore transaction_id,prediction
# v3's pipeline sends amount in cents: its training data has amount x 100.
awk -F, 'BEGIN{OFS=","} NR==1{print; next} {$2=$2*100; print}' examples/training/fraud-train.csv \
  > "$DEMO_DIR/fraud-train-cents.csv"
skewgate baseline --input "$DEMO_DIR/fraud-train-cents.csv" --output "$DEMO_DIR/baseline-v3.json" \
  --ignore transaction_id,prediction >/dev/null

step "2. Installing the CRD and the demo namespace"
kubectl apply --server-side -f crds/ >/dev/null
kubectl wait --for=condition=Established crd/modeldeployments.skewgate.io --timeout=60s >/dev/null
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "$NS" create configmap fraud-baseline --from-file=baseline.json="$DEMO_DIR/baseline.json" \
  --dry-run=client -o yaml | kubectl apply --server-side -f - >/dev/null
kubectl -n "$NS" create configmap fraud-baseline-v3 --from-file=baseline.json="$DEMO_DIR/baseline-v3.json" \
  --dry-run=client -o yaml | kubectl apply --server-side -f - >/dev/null
kubectl -n "$NS" delete md fraud --ignore-not-found --wait=true >/dev/null

step "3. Starting the controller, the pod runner and live traffic"
skewgate-controller --kubeconfig "$KUBECONFIG" --metrics-address 127.0.0.1:0 \
  >"$DEMO_DIR/controller.log" 2>&1 &
echo $! >"$DEMO_DIR/controller.pid"
skewgate-pod-runner --kubeconfig "$KUBECONFIG" --namespace "$NS" --bin-dir "$BIN" \
  --work-dir "$DEMO_DIR/pods" >"$DEMO_DIR/pod-runner.log" 2>&1 &
echo $! >"$DEMO_DIR/pod-runner.pid"
skewgate-loadgen --kubeconfig "$KUBECONFIG" -n "$NS" --service fraud --model fraud \
  --data examples/demo/fraud-live.csv --ignore transaction_id,prediction \
  --categorical country,channel --rate 150 --duration 60m >"$DEMO_DIR/loadgen.log" 2>&1 &
echo $! >"$DEMO_DIR/loadgen.pid"
echo "logs: $DEMO_DIR/{controller,pod-runner,loadgen}.log"

deploy() {  # deploy VERSION BASELINE_CONFIGMAP
  local v="$1" cm="$2" file="fraud-$1.json"
  cp "examples/demo/$file" "$DEMO_DIR/models/$file"
  local digest="sha256:$(sha256sum "$DEMO_DIR/models/$file" | cut -d' ' -f1)"
  sed -e "s|@VERSION@|$v|; s|@URI@|file://$DEMO_DIR/models/$file|; s|@DIGEST@|$digest|" \
      -e "s|@BASELINE@|$cm|; s|@MODEL_FILE@|$file|" examples/demo/modeldeployment.yaml.tmpl |
    kubectl -n "$NS" apply -f - >/dev/null
}

# Prints a timeline line whenever phase, step, weight or the analysis changes, until the
# phase is one of $2 (e.g. "Healthy|Degraded") or $1 seconds pass.
timeline() {
  local timeout="$1" until="$2" last="" line start=$SECONDS
  while [ $((SECONDS - start)) -lt "$timeout" ]; do
    line="$(kubectl -n "$NS" get md fraud -o jsonpath='{.status.phase}|{.status.currentStepIndex}|{.status.canaryWeight}|{.status.actualCanaryWeight}|{.status.lastAnalysis.verdict}|{.status.lastAnalysis.maxFeature}|{.status.lastAnalysis.maxScore}|{.status.message}' 2>/dev/null || true)"
    if [ "$line" != "$last" ]; then
      IFS='|' read -r phase stepi w aw verdict feat score msg <<<"$line"
      printf '%5ss  phase=%-11s step=%-2s weight=%s%% (actual %s%%)  analysis=%s %s %s\n        %s\n' \
        "$((SECONDS - start))" "$phase" "${stepi:--}" "${w:-0}" "${aw:-0}" "${verdict:--}" "$feat" "${score:0:6}" "$msg"
      last="$line"
    fi
    [[ "$phase" =~ ^($until)$ ]] && return 0
    sleep 1
  done
  echo "timed out after ${timeout}s waiting for phase $until" >&2
  return 1
}

step "4. Deploying v1 (first deployment goes straight to all replicas)"
deploy v1 fraud-baseline
timeline 120 Healthy

step "5. Rolling out v2: live traffic matches its training data, so it is promoted"
deploy v2 fraud-baseline
sleep 2
timeline 240 "Healthy|Degraded"

step "6. Rolling out v3: trained on amounts in cents, served in currency units — skew"
deploy v3 fraud-baseline-v3
sleep 2
timeline 240 "Degraded|Healthy"

step "7. Where things stand"
kubectl -n "$NS" get md -o wide
skewgate status fraud -n "$NS" || true
kubectl -n "$NS" get events --field-selector involvedObject.name=fraud --sort-by=.metadata.creationTimestamp 2>/dev/null | tail -12 || true
cat <<TXT

The demo is still running: controller, pod runner and load generator (logs in $DEMO_DIR).
  export KUBECONFIG=$KUBECONFIG PATH=$CP_BIN_DIR:$BIN:\$PATH
  kubectl -n $NS get md,rs,pods
  skewgate status fraud -n $NS      # also: kubectl skewgate history fraud -n $NS
  make demo-down                    # stops everything, the cluster too
TXT
