#!/usr/bin/env bash
# Analysis through a real Prometheus (label e2e), on real processes: the real
# skewgate-controller, the pod runner giving every KWOK pod its real model server and
# sidecar, a load generator, and Debian's prometheus scraping each serving pod's sidecar
# /metrics every second (pods discovered from the API server; see below why file_sd).
# Each scenario asserts the final state AND the evidence in status and Events.
#   a. fraud (analysis.prometheus set): a healthy v2 is promoted on counts read from
#      Prometheus (a sidecar's counters there equal its /stats); a v3 whose amount is x100 against
#      its training is rolled back naming amount
#   5. the metric source is down: Prometheus stopped mid-rollout → Inconclusive runs naming
#      Prometheus, then Paused, never promoted; and fraud-sc (sidecar source) with its
#      canary's sidecar admin port unreachable (the process stopped) → the same
# Usage: prometheus_test.sh REPO_ROOT BUILD_DIR   (needs the local cluster: make cluster-up)
set -uo pipefail
REPO="$1"; BUILD="$2"
. "$REPO/tests/e2e/closedloop/lib.sh"
[ -f "$KUBECONFIG" ] || { echo "FAIL: no local cluster ($KUBECONFIG); run 'make cluster-up'"; exit 1; }
command -v prometheus >/dev/null || { echo "FAIL: prometheus is not installed; run hack/install-deps.sh"; exit 1; }
NS="e2e-prom-$RANDOM$RANDOM"
WORK="$(mktemp -d)"
stopped=()
cleanup() {
  local p
  for p in "${stopped[@]}"; do kill -CONT "$p" 2>/dev/null; done
  e2e_cleanup "$NS" "$WORK" prometheus.log
}
trap cleanup EXIT
check() { e2e_check "$@"; }
# The ModelDeployment the readers below look at: fraud, then fraud-sc.
jp() { LANE_MD="$MD" lane_jp "$NS" "$1"; }
wait_phase() { LANE_MD="$MD" lane_wait_phase "$NS" "$1" "$2"; }  # wait_phase REGEX TIMEOUT
events_with() { kubectl -n "$NS" get events.events.k8s.io -o jsonpath='{range .items[*]}{.regarding.name} {.reason}: {.note}{"\n"}{end}' | grep -E "$1" >/dev/null; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
prom_query() {  # prom_query PROMQL: the first sample's value
  curl -s --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}

e2e_install_crds
lane_baselines "$WORK"
# The namespace, ConfigMaps fraud-baseline and fraud-baseline-cents, controller, pod runner.
lane_start "$NS" "$WORK" "$WORK/baseline.json" "$WORK/baseline-cents.json"

# Prometheus scrapes the serving pods of this namespace (label skewgate.io/revision) at
# their sidecar's admin port (the container port named "admin") every second. The sidecar's
# own namespace and revision labels are kept (no target label overrides them).
# Debian's prometheus 2.42 is built without kubernetes_sd_configs (its config parser
# rejects the field), so the discovery is file_sd: a loop lists the pods from the API
# server every second and writes exactly the targets kubernetes_sd_configs role pod would
# keep with the relabelling in docs/controller.md (podIP:adminPort, label pod).
PROM_PORT="$(free_port)"
cat >"$WORK/prometheus.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
scrape_configs:
- job_name: skewgate-sidecars
  file_sd_configs: [{files: ["$WORK/targets.json"], refresh_interval: 1s}]
YAML
echo '[]' >"$WORK/targets.json"
discover_pods() {
  while true; do
    kubectl -n "$NS" get pods -l skewgate.io/revision -o json 2>/dev/null | python3 -c '
import json, sys
targets = []
for p in json.load(sys.stdin)["items"]:
    ip = p.get("status", {}).get("podIP")
    if not ip or p["metadata"].get("deletionTimestamp"):
        continue
    for c in p["spec"]["containers"]:
        for port in c.get("ports", []):
            if port.get("name") == "admin":
                targets.append({"targets": ["%s:%d" % (ip, port["containerPort"])],
                                "labels": {"pod": p["metadata"]["name"]}})
print(json.dumps(targets))' >"$WORK/targets.json.tmp" && mv "$WORK/targets.json.tmp" "$WORK/targets.json"
    sleep 1
  done
}
discover_pods & echo $! >>"$WORK/pids"
start_prometheus() {
  prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --storage.tsdb.retention.time=1h \
    --log.level=warn >>"$WORK/prometheus.log" 2>&1 & PROM_PID=$!; echo $PROM_PID >>"$WORK/pids"
  for _ in $(seq 1 60); do
    curl -sf "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null && return 0; sleep 0.5
  done
  echo "  prometheus did not become ready"; return 1
}
check "prometheus is ready on 127.0.0.1:$PROM_PORT" start_prometheus

start_load() { lane_load "$NS" "$WORK" "$REPO/examples/demo/fraud-live.csv" 100 "$1"; }  # SERVICE

deploy() {  # deploy NAME MODEL_FILE BASELINE_CM STEPS INCONCLUSIVE_LIMIT [PROMETHEUS_ADDRESS]
  LANE_MD="$1" LANE_INCONCLUSIVE_LIMIT="$5" LANE_PROMETHEUS="${6:-}" \
    lane_deploy "$NS" "$WORK" "$2" "$3" "$4" "${COMPARE:-false}"
}
PROM="http://127.0.0.1:$PROM_PORT"
# Prometheus finds a new pod a few seconds after it starts (discovery, then two scrapes
# before increase() has a value), so a step's first run may be Inconclusive: 10 s pauses
# have a run with evidence before they end.
QUICK='[{setWeight: 50}, {pause: {duration: 10s}}]'
# The rollout of scenario 5: a first pause that needs a successful run (the source works),
# then a longer one during which the source goes down before its first run.
TWO_PAUSES='[{setWeight: 50}, {pause: {duration: 10s}}, {pause: {duration: 15s}}]'
json_field() { python3 -c 'import json,sys
try: print(json.load(sys.stdin)'"$1"')
except Exception: print("")'; }
# Stops the source once the rollout has entered its second pause (after a success).
# One read each time, of the current generation's status only (the previous rollout's
# Degraded must not end the wait).
wait_second_pause() {
  local start=$SECONDS seen
  while [ $((SECONDS - start)) -lt "$1" ]; do
    seen="$(jp '{.status.currentStepIndex} {.status.phase} {.status.observedGeneration} {.metadata.generation}')"
    if [[ "$seen" =~ ^([0-9]+)\ ([A-Za-z]+)\ ([0-9]+)\ ([0-9]+)$ ]] && [ "${BASH_REMATCH[3]}" = "${BASH_REMATCH[4]}" ]; then
      [ "${BASH_REMATCH[1]}" = 2 ] && return 0
      [[ "${BASH_REMATCH[2]}" =~ ^(Paused|Degraded)$ ]] && break
    fi
    sleep 0.5
  done
  echo "  not in the second pause; status: $(jp '{.status.phase} {.status.message}')"
  return 1
}

echo "== fraud: v1, analysis from Prometheus"
MD=fraud
start_load fraud
deploy fraud fraud-v1.json fraud-baseline "$QUICK" 4 "$PROM"
check "v1 becomes Healthy" wait_phase Healthy 90
v1="$(jp '{.status.stableRevision}')"

echo "== scenario a: a healthy v2 is promoted on counts read from Prometheus"
COMPARE=true deploy fraud fraud-v2.json fraud-baseline "$QUICK" 4 "$PROM"
check "v2 is promoted (Healthy)" wait_phase Healthy 120
v2="$(jp '{.status.stableRevision}')"
check "stable is now v2, not v1" test -n "$v2" -a "$v2" != "$v1"
check "the last analysis of v2 was Successful" test "$(jp '{.status.lastAnalysis.verdict}')" = Successful
check "it counted live samples ($(jp '{.status.lastAnalysis.samples}'))" test "$(jp '{.status.lastAnalysis.samples}')" -ge 200
check "it compared against the stable (stableScore $(jp '{.status.lastAnalysis.features[0].stableScore}'))" \
  test -n "$(jp '{.status.lastAnalysis.features[0].stableScore}')"
check "a Promoted event names v2" events_with "^fraud Promoted: revision $v2 promoted"
check "the controller ran v2's analysis through Prometheus" \
  grep -q "\"source\":\"prometheus\",\"revision\":\"$v2\",\"verdict\":\"Successful\"" "$WORK/controller.log"
# Prometheus' copy of a sidecar's counters is its /stats: with the traffic stopped, once the
# last counts are scraped (within 20 s on a loaded machine, where a 1 s scrape can time
# out), one pod's country buckets summed in Prometheus equal /stats exactly.
kill "$LOAD_PID"; wait "$LOAD_PID" 2>/dev/null
for _ in $(seq 1 20); do
  sleep 1
  prom_sample="$(curl -s --max-time 5 "$PROM/api/v1/query" --data-urlencode \
    "query=sum by (instance) (skewgate_sidecar_feature_bin_total{namespace=\"$NS\",revision=\"$v2\",feature=\"country\"})" |
    json_field '["data"]["result"][0]')"
  pod_addr="$(python3 -c 'import ast,sys; print(ast.literal_eval(sys.argv[1])["metric"]["instance"])' "$prom_sample" 2>/dev/null)"
  prom_total="$(python3 -c 'import ast,sys; print(ast.literal_eval(sys.argv[1])["value"][1])' "$prom_sample" 2>/dev/null)"
  stats="$(curl -s --max-time 5 "http://$pod_addr/stats?flush=1")"
  stats_total="$(echo "$stats" | python3 -c 'import json,sys
try: print(sum(json.load(sys.stdin)["counts"]["features"]["country"]))
except Exception: print("")')"
  [ -n "$prom_total" ] && [ "$prom_total" = "$stats_total" ] && break
done
check "Prometheus' country count of pod $pod_addr ($prom_total) equals its /stats ($stats_total)" \
  python3 -c "import sys; p=float('${prom_total:-nan}'); s=float('${stats_total:-nan}'); sys.exit(not (p > 0 and p == s))"
prom_info="$(curl -s --max-time 5 "$PROM/api/v1/query" --data-urlencode \
  "query=skewgate_sidecar_baseline_info{namespace=\"$NS\",instance=\"$pod_addr\"}" |
  json_field '["data"]["result"][0]["metric"]')"
stats_hash="$(echo "$stats" | json_field '["baselineHash"]')"
check "the info metric carries /stats' baseline hash and the revision ($prom_info)" \
  bash -c "[ -n '$stats_hash' ] && echo \"\$0\" | grep -q \"'baseline_hash': '$stats_hash'\" && echo \"\$0\" | grep -q \"'revision': '$v2'\"" "$prom_info"

echo "== scenario a: v3 with amount x100 against its training is rolled back"
start_load fraud
deploy fraud fraud-v3.json fraud-baseline-cents "$QUICK" 4 "$PROM"
check "v3 is rolled back (Degraded)" wait_phase Degraded 120
check "stable is still v2" test "$(jp '{.status.stableRevision}')" = "$v2"
check "the abort names the feature amount" test "$(jp '{.status.abort.features[0]}')" = amount
check "an AnalysisFailed event names amount" events_with "^fraud AnalysisFailed: .*amount"
check "the failed run was read from Prometheus" grep -q '"source":"prometheus","revision":"[0-9a-f]*","verdict":"Failed"' "$WORK/controller.log"

echo "== scenario 5: Prometheus stopped mid-rollout"
deploy fraud fraud-v1.json fraud-baseline "$TWO_PAUSES" 4 "$PROM"
check "the canary passes its first pause on a successful run read from Prometheus" wait_second_pause 90
check "  (that run was Successful)" test "$(jp '{.status.lastAnalysis.verdict}')" = Successful
kill "$PROM_PID"; wait "$PROM_PID" 2>/dev/null
check "the canary pauses instead of promoting" wait_phase Paused 90
check "the pause says why (inconclusive runs)" test "$(jp '{.status.conditions[?(@.type=="Paused")].reason}')" = InconclusiveLimitReached
check "the last analysis is Inconclusive" test "$(jp '{.status.lastAnalysis.verdict}')" = Inconclusive
msg="$(jp '{.status.lastAnalysis.message}')"
check "its message names Prometheus ($msg)" grep -q "querying Prometheus at $PROM" <<<"$msg"
check "AnalysisInconclusive events name Prometheus" events_with "^fraud AnalysisInconclusive: .*Prometheus at $PROM"
pmsg="$(jp '{.status.conditions[?(@.type=="Paused")].message}')"
check "the Paused condition's message names Prometheus ($pmsg)" grep -q "the last: querying Prometheus at $PROM" <<<"$pmsg"
check "the canary was never promoted (stable is still v2)" test "$(jp '{.status.stableRevision}')" = "$v2"

echo "== scenario 5: sidecar source, the canary's sidecar admin port unreachable"
MD=fraud-sc
start_load fraud-sc
deploy fraud-sc fraud-v1.json fraud-baseline "$QUICK" 3
check "fraud-sc v1 becomes Healthy" wait_phase Healthy 90
sc1="$(jp '{.status.stableRevision}')"
# KWOK hands a freed pod IP to a new pod at once; the old pod's sidecar may still answer
# there for a while (a run is then Inconclusive: "reports revision …"), hence the limit 4.
deploy fraud-sc fraud-v2.json fraud-baseline "$TWO_PAUSES" 4
check "the canary passes its first pause on a successful run scraped from the sidecars" wait_second_pause 90
canary="$(jp '{.status.canaryRevision}')"
for pod in $(kubectl -n "$NS" get pods -l skewgate.io/revision="$canary" -o jsonpath='{.items[*].metadata.name}'); do
  # The pod's sidecar process (a child of our pod runner, started with its configuration
  # under the pod's folder) is stopped (SIGSTOP): connections to its admin port hang, as
  # behind a network policy that drops them.
  for proc in /proc/[0-9]*; do
    cmd="$(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null)"
    if [[ "$cmd" == *skewgate-sidecar*"$WORK/pods/${NS}_$pod/"* ]]; then
      kill -STOP "${proc#/proc/}" && stopped+=("${proc#/proc/}")
    fi
  done
done
check "the canary's sidecars were stopped (${#stopped[@]})" test "${#stopped[@]}" -ge 1
check "the canary pauses instead of promoting" wait_phase Paused 90
check "the pause says why (inconclusive runs)" test "$(jp '{.status.conditions[?(@.type=="Paused")].reason}')" = InconclusiveLimitReached
msg="$(jp '{.status.lastAnalysis.message}')"
check "the last analysis is Inconclusive ($msg)" test "$(jp '{.status.lastAnalysis.verdict}')" = Inconclusive
pmsg="$(jp '{.status.conditions[?(@.type=="Paused")].message}')"
check "the Paused condition's message gives the scrape problem ($pmsg)" \
  grep -qE "the last: (scraping revision $canary|revision $canary has no Ready pods)" <<<"$pmsg"
check "AnalysisInconclusive events name the scrape problem" \
  events_with "^fraud-sc AnalysisInconclusive: .*(scraping revision $canary|revision $canary has no Ready pods)"
check "the canary was never promoted (stable is still v1)" test "$(jp '{.status.stableRevision}')" = "$sc1"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
