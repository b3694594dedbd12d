# Helpers for closed-loop runs on real processes, shared by the e2e scripts
# (closed_loop_test.sh, closed_loop_skew_test.sh, ../prometheus/prometheus_test.sh) and
# hack/measure-closedloop.sh. Source it after setting REPO and BUILD. One run ("lane")
# lives in its own namespace with its own controller, pod runner and load generator, so
# lanes run side by side on one cluster without seeing each other.
#
#   . tests/e2e/closedloop/lib.sh
#   lane_start "$NS" "$DIR"; lane_load "$NS" "$DIR" examples/demo/fraud-live.csv 100
#   lane_deploy "$NS" "$DIR" fraud-v1.json fraud-baseline '[{"setWeight":50}]' true
#   lane_wait_phase "$NS" Healthy 90
BIN="$BUILD/bin"
. "$REPO/hack/lib/common.sh"
export PATH="$CP_BIN_DIR:$BIN:$PATH" KUBECONFIG="${SKEWGATE_CLUSTER_DIR:-$REPO/.cluster}/kubeconfig"

# Analysis settings of every lane: short, so a rollout takes seconds. minSamples 200 keeps
# the sampling noise of the categorical L∞ (about 0.034 for a 35 % label) well under the
# 0.1 threshold; a failing run aborts at once.
LANE_INTERVAL="${LANE_INTERVAL:-5s}"  # the API's minimum
LANE_MIN_SAMPLES="${LANE_MIN_SAMPLES:-200}"

# lane_baselines DIR: the training baselines the scenarios deploy with, as files in DIR.
#   baseline.json           the training data as it is
#   baseline-cents.json     amount × 100 (a pipeline that sends cents)
#   baseline-recoded.json   country re-encoded to ISO numeric codes ("US" → "840")
#   baseline-newfeature.json  an extra feature merchant_risk the online pipeline never sends
lane_baselines() {
  local dir="$1" train="$REPO/examples/training/fraud-train.csv" ign=transaction_id,prediction
  skewgate baseline --input "$train" --output "$dir/baseline.json" --ignore "$ign" >/dev/null 2>&1
  awk -F, 'BEGIN{OFS=","} NR==1{print; next} {$2=$2*100; print}' "$train" >"$dir/cents.csv"
  skewgate baseline --input "$dir/cents.csv" --output "$dir/baseline-cents.json" --ignore "$ign" >/dev/null 2>&1
  awk -F, 'BEGIN{OFS=","; split("BR DE ES FR GB IN IT JP NL US", k, " ");
                 split("076 276 724 250 826 356 380 392 528 840", v, " ");
                 for (i in k) code[k[i]] = v[i]}
           NR==1{print; next} {if ($6 in code) $6 = code[$6]; print}' "$train" >"$dir/recoded.csv"
  skewgate baseline --input "$dir/recoded.csv" --output "$dir/baseline-recoded.json" --ignore "$ign" \
    --categorical country,channel >/dev/null 2>&1
  awk -F, 'BEGIN{OFS=","} NR==1{print $0",merchant_risk"; next} {print $0","(NR*7919)%100/100}' \
    "$train" >"$dir/newfeature.csv"
  skewgate baseline --input "$dir/newfeature.csv" --output "$dir/baseline-newfeature.json" \
    --ignore "$ign" >/dev/null 2>&1
}

# lane_start NS DIR [BASELINE_FILES...]: the namespace, one ConfigMap per baseline file
# (named after the file without .json), the controller and the pod runner of the lane.
lane_start() {
  local ns="$1" dir="$2" f
  shift 2
  mkdir -p "$dir"
  kubectl create namespace "$ns" >/dev/null
  for f in "$@"; do
    kubectl -n "$ns" create configmap "fraud-$(basename "$f" .json)" --from-file=baseline.json="$f" >/dev/null
  done
  skewgate-controller --kubeconfig "$KUBECONFIG" --namespace "$ns" --metrics-address 127.0.0.1:0 \
    >"$dir/controller.log" 2>&1 &
  echo $! >>"$dir/pids"
  skewgate-pod-runner --kubeconfig "$KUBECONFIG" --namespace "$ns" --bin-dir "$BIN" \
    --work-dir "$dir/pods" >"$dir/pod-runner.log" 2>&1 &
  echo $! >>"$dir/pids"
}

# lane_load NS DIR CSV RATE [SERVICE]: replays CSV through the Ready pods of SERVICE (fraud);
# per-pod counts in DIR/load.json (load-SERVICE.json when given). Sets LOAD_PID.
lane_load() {
  skewgate-loadgen --kubeconfig "$KUBECONFIG" -n "$1" --service "${5:-fraud}" --model fraud \
    --data "$3" --ignore transaction_id,prediction --categorical country,channel \
    --rate "$4" --duration 30m --report "$2/load${5:+-$5}.json" >>"$2/loadgen.log" 2>&1 &
  LOAD_PID=$!
  echo $LOAD_PID >>"$2/pids"
}

# lane_stop DIR: stops every process the lane started (by pid) and deletes its namespace.
lane_stop() {
  local p
  [ -f "$1/pids" ] && while read -r p; do kill "$p" 2>/dev/null; done <"$1/pids"
  [ -n "${2:-}" ] && kubectl delete namespace "$2" --wait=false >/dev/null 2>&1
  return 0
}

# lane_deploy NS DIR MODEL_FILE BASELINE_CM STEPS_JSON COMPARE_TO_STABLE [REPLICAS]
# applies the ModelDeployment LANE_MD (fraud). With LANE_TRIAL set, the server container
# gets env TRIAL=$LANE_TRIAL: a new revision of the same model, for repeated rollouts.
# LANE_INCONCLUSIVE_LIMIT (20) is the analysis' inconclusiveLimit; with LANE_PROMETHEUS
# set, the analysis reads its counts from the Prometheus at that address.
lane_deploy() {
  local ns="$1" dir="$2" model="$3" cm="$4" steps="$5" compare="$6" replicas="${7:-2}"
  local trial_env="" prometheus=""
  [ -n "${LANE_TRIAL:-}" ] && trial_env="
        - {name: TRIAL, value: \"$LANE_TRIAL\"}"
  [ -n "${LANE_PROMETHEUS:-}" ] && prometheus="
        prometheus: {address: \"$LANE_PROMETHEUS\"}"
  mkdir -p "$dir/models"
  cp "$REPO/examples/demo/$model" "$dir/models/$model"
  local digest="sha256:$(sha256sum "$dir/models/$model" | cut -d' ' -f1)"
  kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: skewgate.io/v1alpha1
kind: ModelDeployment
metadata: {name: ${LANE_MD:-fraud}}
spec:
  replicas: $replicas
  model: {uri: "file://$dir/models/$model", digest: "$digest"}
  baseline:
    configMapRef: {name: "$cm", key: baseline.json}
  template:
    spec:
      containers:
      - name: server
        image: skewgate:0.1.0
        command: [skewgate-model-server]
        args: [--model, "/models/$model", --listen, "\$(POD_IP):8081"]
        env:
        - name: POD_IP
          valueFrom: {fieldRef: {fieldPath: status.podIP}}$trial_env
        ports:
        - containerPort: 8081
  sidecar: {protocol: v1}
  strategy:
    canary:
      steps: $steps
      analysis:
        interval: $LANE_INTERVAL
        minSamples: $LANE_MIN_SAMPLES
        failureLimit: 1
        inconclusiveLimit: ${LANE_INCONCLUSIVE_LIMIT:-20}
        skew:
          numeric: {metric: jensenShannon, threshold: 0.1}
          categorical: {metric: lInfinity, threshold: 0.1}
          compareToStable: $compare$prometheus
  progressDeadlineSeconds: 120
YAML
}

# The ModelDeployment the lane_* readers look at: LANE_MD, by default fraud.
lane_jp() { kubectl -n "$1" get md "${LANE_MD:-fraud}" -o jsonpath="$2" 2>/dev/null; }
lane_json() { kubectl -n "$1" get md "${LANE_MD:-fraud}" -o json 2>/dev/null; }

# lane_wait_phase NS REGEX TIMEOUT: the status shows a phase matching REGEX for the
# current generation. One read: separate reads of the phase and the generations can
# straddle a status write (the old generation's Healthy, then the new one's number).
lane_wait_phase() {
  local start=$SECONDS seen
  while [ $((SECONDS - start)) -lt "$3" ]; do
    seen="$(lane_jp "$1" '{.status.phase} {.status.observedGeneration} {.metadata.generation}')"
    [[ "$seen" =~ ^($2)\ ([0-9]+)\ ([0-9]+)$ ]] &&
      [ "${BASH_REMATCH[-2]}" = "${BASH_REMATCH[-1]}" ] && return 0
    sleep 0.5
  done
  echo "  timed out waiting for phase $2; status: $(lane_jp "$1" '{.status.phase} {.status.message}')"
  return 1
}

# lane_wait_canary NS: until a canary revision different from the stable one is in flight.
lane_wait_canary() {
  local start=$SECONDS c
  while [ $((SECONDS - start)) -lt "${2:-60}" ]; do
    c="$(lane_jp "$1" '{.status.canaryRevision}')"
    [ -n "$c" ] && [ "$c" != "$(lane_jp "$1" '{.status.stableRevision}')" ] && return 0
    sleep 0.5
  done
  return 1
}

# lane_events NS REGEX: the lane's Events ("Reason: note" lines) matching REGEX.
lane_events() {
  kubectl -n "$1" get events.events.k8s.io -o jsonpath='{range .items[*]}{.reason}: {.note}{"\n"}{end}' |
    grep -E "$2"
}

# lane_pod_ips NS REVISION: the pod IPs of one revision.
lane_pod_ips() {
  kubectl -n "$1" get pods -l "skewgate.io/revision=$2" -o jsonpath='{.items[*].status.podIP}'
}

# lane_sidecar_metric IP NAME: one counter of the sidecar at IP (admin port 9090).
# Prints nothing when the sidecar cannot be read (3 tries).
lane_sidecar_metric() {
  local v i
  for i in 1 2 3; do
    v="$(curl -s --max-time 5 "http://$1:9090/metrics" | awk -v n="$2" '$1 == n {print $2}')"
    [ -n "$v" ] && { echo "$v"; return 0; }
  done
  return 1
}

# ---- for test scripts that count assertions (closed_loop_test.sh, prometheus_test.sh)

passed=0; failed=0
# e2e_check DESCRIPTION COMMAND...: one assertion, counted in $passed / $failed.
e2e_check() {
  if "${@:2}"; then passed=$((passed + 1)); echo "ok   $1"
  else failed=$((failed + 1)); echo "FAIL $1"; fi
}

# e2e_install_crds: the ModelDeployment CRD applied and Established.
e2e_install_crds() {
  kubectl apply --server-side -f "$REPO/crds/" >/dev/null
  kubectl wait --for=condition=Established crd/modeldeployments.skewgate.io --timeout=60s >/dev/null
}

# e2e_cleanup NS DIR [LOG...]: the end of a script (trap EXIT): stops the lane in DIR and
# deletes NS; after a failure prints the tails of the controller's, the pod runner's and
# each DIR/LOG; removes DIR unless a failure happened and SKEWGATE_KEEP_E2E is set.
e2e_cleanup() {
  local ns="$1" dir="$2" log
  shift 2
  lane_stop "$dir" "$ns"
  wait 2>/dev/null
  if [ "$failed" -gt 0 ]; then
    for log in controller.log pod-runner.log "$@"; do
      echo "--- $log (tail)"; tail -30 "$dir/$log"
    done
  fi
  if [ "$failed" -gt 0 ] && [ -n "${SKEWGATE_KEEP_E2E:-}" ]; then echo "kept $dir"; else rm -rf "$dir"; fi
}
