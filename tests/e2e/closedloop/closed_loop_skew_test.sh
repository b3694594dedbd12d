#!/usr/bin/env bash
# More closed-loop scenarios on real processes (label e2e), each in its own namespace with
# its own controller, pod runner and load generator, all running at the same time
# (lib.sh). Every scenario asserts the final state AND the evidence: status.lastAnalysis
# per-feature scores and verdicts, conditions, history, Events.
#   2b. v2's training re-encoded a category (country "US" → "840"): rolled back, the Event
#       names country, stable keeps serving
#   2c. v2 was trained with a feature the online pipeline never sends (merchant_risk):
#       rolled back, the Event names merchant_risk, stable keeps serving
#   3.  the live data drifts for both revisions (the web channel is down: every request
#       comes from the app, so channel's L∞ is the same large value for both):
#       3a with compareToStable the canary is not blamed and is promoted;
#       3b without it the canary is rolled back
#   6.  a shadow step catches a skewed canary (amount in cents) while the canary served
#       zero user requests: only mirrored copies reached it
# Usage: closed_loop_skew_test.sh REPO_ROOT BUILD_DIR   (needs the local cluster)
set -uo pipefail
REPO="$1"; BUILD="$2"
. "$REPO/tests/e2e/closedloop/lib.sh"
[ -f "$KUBECONFIG" ] || { echo "FAIL: no local cluster ($KUBECONFIG); run 'make cluster-up'"; exit 1; }
WORK="$(mktemp -d)"
RUN="e2e-skew-$RANDOM"
LANES=(recoded missing drift-compare drift-plain shadow)

cleanup() {
  local l
  for l in "${LANES[@]}"; do lane_stop "$WORK/$l" "$RUN-$l"; done
  wait 2>/dev/null
  if [ -n "${SKEWGATE_KEEP_E2E:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

check() {  # check DESCRIPTION COMMAND...: one assertion, one line
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fi
}
gt() { awk -v a="$1" -v b="$2" 'BEGIN{exit !(a > b)}'; }
# feature NS NAME FIELD: a field of one feature of status.lastAnalysis
feature() { lane_json "$1" | jq -r --arg n "$2" ".status.lastAnalysis.features[] | select(.name == \$n) | .$3 // empty"; }
history_outcome() { lane_json "$1" | jq -r --arg r "$2" '.status.history[] | select(.revision == $r) | .outcome'; }
# Requests users got no model answer for: connection errors and 5xx (a 4xx is the model's).
unanswered() { jq '[.failures | to_entries[] | select(.key | test("^HTTP 4") | not) | .value] | add // 0' "$1"; }
cond() { lane_jp "$1" "{.status.conditions[?(@.type==\"$2\")].$3}"; }
# healthy_and_ready NS: within 30 s, one read of the status shows phase Healthy together with
# Ready=True/RolloutComplete. (Separate reads could straddle a pod's readiness blip, which
# legitimately turns the phase back to Progressing for a moment.)
healthy_and_ready() {
  local start=$SECONDS seen
  while [ $((SECONDS - start)) -lt 30 ]; do
    seen="$(lane_jp "$1" '{.status.phase}/{.status.conditions[?(@.type=="Ready")].status}/{.status.conditions[?(@.type=="Ready")].reason}')"
    [ "$seen" = Healthy/True/RolloutComplete ] && return 0
    sleep 0.5
  done
  echo "  phase/Ready/reason: $seen; message: $(lane_jp "$1" '{.status.message}')"
  return 1
}

STEPS_RAMP='[{"setWeight": 50}, {"pause": {"duration": "5s"}}]'
LIVE="$REPO/examples/demo/fraud-live.csv"

# A lane: v1 Healthy on the given live data, then v2 with BASELINE and STEPS. Prints its
# assertions; its namespace is $RUN-NAME.
lane_begin() {  # lane_begin NAME LIVE_CSV COMPARE V2_BASELINE_CM STEPS_JSON
  local name="$1"
  NS="$RUN-$name"; DIR="$WORK/$name"
  lane_start "$NS" "$DIR" "$WORK"/baseline*.json
  lane_load "$NS" "$DIR" "$2" 100
  check "[$name] v1 is accepted by the API server" lane_deploy "$NS" "$DIR" fraud-v1.json fraud-baseline "$5" "$3" || return 1
  check "[$name] v1 becomes Healthy" lane_wait_phase "$NS" Healthy 120 || return 1
  V1="$(lane_jp "$NS" '{.status.stableRevision}')"
  local cm=fraud-baseline
  [ "$4" != baseline ] && cm="fraud-baseline-$4"
  lane_deploy "$NS" "$DIR" fraud-v2.json "$cm" "$5" "$3"
  check "[$name] v2 starts as a canary" lane_wait_canary "$NS" 60 || return 1
  V2="$(lane_jp "$NS" '{.status.canaryRevision}')"
  # What users got before the canary (pods that KWOK reports Ready a moment before the
  # pod runner has started their processes fail a few requests at the very start).
  FAILED_BEFORE="$(unanswered "$DIR/load.json")"
}

# Assertions of a rollback for skew in FEATURE: final state and evidence.
assert_rolled_back() {  # assert_rolled_back NAME FEATURE
  local name="$1" f="$2"
  check "[$name] v2 is rolled back (Degraded)" lane_wait_phase "$NS" Degraded 120
  check "[$name] stable is still v1" test "$(lane_jp "$NS" '{.status.stableRevision}')" = "$V1"
  check "[$name] the abort is for v2 and names $f" \
    test "$(lane_jp "$NS" '{.status.abort.revision}/{.status.abort.features[0]}')" = "$V2/$f"
  check "[$name] Degraded=True with reason AnalysisFailed" test "$(cond "$NS" Degraded status)/$(cond "$NS" Degraded reason)" = True/AnalysisFailed
  check "[$name] lastAnalysis: Failed, worst feature $f" \
    test "$(lane_jp "$NS" '{.status.lastAnalysis.verdict}/{.status.lastAnalysis.maxFeature}')" = "Failed/$f"
  check "[$name] lastAnalysis: $f verdict Fail, score over its threshold" \
    test "$(feature "$NS" "$f" verdict)" = Fail -a -n "$(feature "$NS" "$f" score)"
  gt "$(feature "$NS" "$f" score)" "$(feature "$NS" "$f" threshold)" ||
    echo "FAIL [$name] $f score $(feature "$NS" "$f" score) is not over $(feature "$NS" "$f" threshold)"
  check "[$name] lastAnalysis counted at least minSamples" test "$(lane_jp "$NS" '{.status.lastAnalysis.samples}')" -ge "$LANE_MIN_SAMPLES"
  check "[$name] history records v2 Aborted" test "$(history_outcome "$NS" "$V2")" = Aborted
  check "[$name] an AnalysisFailed Event names $f" lane_events "$NS" "^AnalysisFailed: .*$f"
  check "[$name] an Aborted Event names $f" lane_events "$NS" "^Aborted: .*$f"
  local ip code
  ip="$(lane_pod_ips "$NS" "$V1" | awk '{print $1}')"
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST -H 'Content-Type: application/json' \
    -d '{"instances":[{"amount":12,"age":40,"distance_km":3,"hour":12,"country":"US","channel":"web"}]}' \
    "http://$ip:8080/v1/models/fraud:predict")"
  check "[$name] a stable pod still answers predictions (HTTP $code)" test "$code" = 200
}

scenario_recoded() {
  lane_begin recoded "$LIVE" false recoded "$STEPS_RAMP" || return
  assert_rolled_back recoded country
  check "[recoded] the failing country score is an L-infinity near 1 (all live labels unknown)" \
    gt "$(feature "$NS" country score)" 0.8
}

scenario_missing() {
  lane_begin missing "$LIVE" false newfeature "$STEPS_RAMP" || return
  assert_rolled_back missing merchant_risk
  check "[missing] the other features pass" \
    test "$(lane_json "$NS" | jq '[.status.lastAnalysis.features[] | select(.name != "merchant_risk" and .verdict == "Fail")] | length')" = 0
}

scenario_drift() {  # scenario_drift NAME COMPARE
  local name="$1"
  lane_begin "$name" "$WORK/drifted.csv" "$2" baseline "$STEPS_RAMP" || return
  if [ "$2" = true ]; then
    check "[$name] v2 is promoted although channel drifted (Healthy)" lane_wait_phase "$NS" Healthy 150
    check "[$name] stable is now v2" test "$(lane_jp "$NS" '{.status.stableRevision}')" = "$V2"
    check "[$name] lastAnalysis Successful" test "$(lane_jp "$NS" '{.status.lastAnalysis.verdict}')" = Successful
    check "[$name] the drift is in the evidence: channel scored over its threshold" \
      gt "$(feature "$NS" channel score)" "$(feature "$NS" channel threshold)"
    check "[$name] ... and the stable revision shows it too (stableScore over the threshold)" \
      gt "$(feature "$NS" channel stableScore)" "$(feature "$NS" channel threshold)"
    check "[$name] ... so channel passes: the canary is not blamed" test "$(feature "$NS" channel verdict)" = Pass
    check "[$name] Healthy comes with Ready=True RolloutComplete (one read of the status)" healthy_and_ready "$NS"
    check "[$name] history records v1 Promoted-then-superseded and v2 Active" \
      test "$(history_outcome "$NS" "$V1")/$(history_outcome "$NS" "$V2")" = Promoted/Active
    check "[$name] a Promoted Event names v2" lane_events "$NS" "^Promoted: revision $V2"
    if lane_events "$NS" "^(AnalysisFailed|Aborted):" >/dev/null; then echo "FAIL [$name] no analysis failed"; else echo "ok   [$name] no analysis failed"; fi
  else
    assert_rolled_back "$name" channel
    check "[$name] without compareToStable there is no stable score" test -z "$(feature "$NS" channel stableScore)"
  fi
}

scenario_shadow() {
  lane_begin shadow "$LIVE" false cents \
    '[{"shadow": {"percent": 50, "duration": "60s"}}, {"setWeight": 50}, {"pause": {"duration": "5s"}}]' || return
  # Read the counters while the aborted canary's pods still run (they stay 30 s).
  check "[shadow] v2 is rolled back (Degraded)" lane_wait_phase "$NS" Degraded 120
  local canary_ips stable_ips ip to_canary=0 served=0 mirrored=0 n
  canary_ips="$(lane_pod_ips "$NS" "$V2")"
  stable_ips="$(lane_pod_ips "$NS" "$V1")"
  local unread=""
  for ip in $canary_ips; do
    n="$(jq -r --arg ip "$ip" '(.pods[$ip].ok // 0) + (.pods[$ip].failed // 0)' "$DIR/load.json")"
    to_canary=$((to_canary + n))
    n="$(lane_sidecar_metric "$ip" skewgate_sidecar_requests_total)" || unread+=" $ip"
    served=$((served + ${n:-0}))
  done
  for ip in $stable_ips; do
    n="$(lane_sidecar_metric "$ip" skewgate_sidecar_mirror_sent_total)" || unread+=" $ip"
    mirrored=$((mirrored + ${n:-0}))
  done
  check "[shadow] every sidecar's counters could be read (not:$unread)" test -z "$unread"
  check "[shadow] history records v2 Aborted" test "$(history_outcome "$NS" "$V2")" = Aborted
  check "[shadow] the abort names amount" test "$(lane_jp "$NS" '{.status.abort.features[0]}')" = amount
  check "[shadow] lastAnalysis: amount Fail over its threshold on >= minSamples" \
    test "$(feature "$NS" amount verdict)" = Fail -a "$(lane_jp "$NS" '{.status.lastAnalysis.samples}')" -ge "$LANE_MIN_SAMPLES"
  check "[shadow] a ShadowStarted Event mirroring v1's requests to v2" lane_events "$NS" "^ShadowStarted: mirroring 50% of $V1's requests to $V2"
  check "[shadow] an Aborted Event naming amount" lane_events "$NS" "^Aborted: canary $V2 .*amount"
  if lane_events "$NS" "^WeightChanged: canary $V2" >/dev/null; then echo "FAIL [shadow] user traffic was shifted to v2"; else echo "ok   [shadow] no WeightChanged Event: no user traffic was shifted to v2"; fi
  check "[shadow] the canary had pods ($canary_ips)" test -n "$canary_ips"
  check "[shadow] zero user requests reached canary pods (load generator: $to_canary)" test "$to_canary" = 0
  # HTTP 400 is the model's own answer to rows of the live data with a missing feature.
  local failed_during=$(($(unanswered "$DIR/load.json") - FAILED_BEFORE))
  check "[shadow] users were served by stable throughout ($(jq .ok "$DIR/load.json") ok; $failed_during unanswered or 5xx since the canary started)" \
    test "$(jq .ok "$DIR/load.json")" -gt 0 -a "$failed_during" = 0
  check "[shadow] the canary sidecars saw only mirrored requests ($served served <= $mirrored mirrored by stable, >= minSamples)" \
    test "$served" -ge "$LANE_MIN_SAMPLES" -a "$served" -le "$mirrored"
  local mirror_after=""
  for ip in $stable_ips; do
    mirror_after+="$(lane_sidecar_metric "$ip" skewgate_sidecar_mirror_percent) "
  done
  echo "  stable mirror_percent after the abort (the pod runner refreshes within ~1-2 s): $mirror_after"
}

echo "== baselines and a drifted copy of the live data (every request from the app channel)"
lane_baselines "$WORK"
awk -F, 'BEGIN{OFS=","} NR==1{print; next} {$7="app"; print}' "$LIVE" >"$WORK/drifted.csv"
e2e_install_crds

start=$SECONDS
# Each lane ends with a marker line, so a lane that died half-way is a failure too.
{ scenario_recoded; echo "lane finished"; } >"$WORK/recoded.out" 2>&1 &
{ scenario_missing; echo "lane finished"; } >"$WORK/missing.out" 2>&1 &
{ scenario_drift drift-compare true; echo "lane finished"; } >"$WORK/drift-compare.out" 2>&1 &
{ scenario_drift drift-plain false; echo "lane finished"; } >"$WORK/drift-plain.out" 2>&1 &
{ scenario_shadow; echo "lane finished"; } >"$WORK/shadow.out" 2>&1 &
wait
passed=0; failed=0
for l in "${LANES[@]}"; do
  echo "== $l"
  cat "$WORK/$l.out"
  passed=$((passed + $(grep -c '^ok ' "$WORK/$l.out")))
  failed=$((failed + $(grep -c '^FAIL' "$WORK/$l.out")))
  grep -q '^lane finished$' "$WORK/$l.out" || { echo "FAIL [$l] the lane did not run to its end"; failed=$((failed + 1)); }
  if grep -q '^FAIL' "$WORK/$l.out"; then
    echo "--- $l controller log (tail)"; tail -20 "$WORK/$l/controller.log"
    echo "--- $l pod runner log (tail)"; tail -5 "$WORK/$l/pod-runner.log"
  fi
done
echo "scenarios ran side by side in $((SECONDS - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
