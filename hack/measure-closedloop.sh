#!/usr/bin/env bash
# `make bench-closedloop`: how fast the closed loop reacts, on real processes (the real
# controller with live sidecar analysis, the pod runner, the load generator; see
# tests/e2e/closedloop/lib.sh). Two lanes run side by side in their own namespaces:
#   detection  N_DETECT rollouts held at a long pause on good traffic; once the canary has
#              a Successful run in that step the load switches to skewed data (amount ×
#              100) and we time first skewed request → Aborted Event. Half switch at the
#              first Successful run, half LATE_S seconds later (the window then holds more
#              good traffic).
#   clean      N_CLEAN rollouts of new revisions on good traffic through
#              [setWeight 50, pause 5s]: outcome (a rollback here is a false rollback)
#              and apply → Promoted Event, minus the configured pauses.
# Results: bench/results/closedloop.{json,md} with machine, versions and date.
#   hack/measure-closedloop.sh                       # N_DETECT=6 N_CLEAN=10 LATE_S=30
#   SKEWGATE_CLUSTER_DIR=.cluster-e2e N_CLEAN=3 hack/measure-closedloop.sh
# While other local clusters run, give this one its own pod IPs (SKEWGATE_POD_CIDR=
# 127.117.0.0/16 when it is created): pods of two clusters on one IP feed each other.
set -uo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"; cd "$REPO"
BUILD="${BUILD_DIR:-$REPO/build}"
. "$REPO/tests/e2e/closedloop/lib.sh"
N_DETECT="${N_DETECT:-6}"; N_CLEAN="${N_CLEAN:-10}"; LATE_S="${LATE_S:-30}"
OUT="${OUT_DIR:-$REPO/bench/results}"
for b in skewgate skewgate-controller skewgate-sidecar skewgate-model-server skewgate-pod-runner skewgate-loadgen; do
  [ -x "$BIN/$b" ] || die "$BIN/$b is missing; run 'make build' first"
done
bash "$REPO/hack/cluster-up.sh" || die "no cluster"
WORK="$(mktemp -d)"; RUN="bench-loop-$RANDOM"
trap 'lane_stop "$WORK/detect" "$RUN-detect"; lane_stop "$WORK/clean" "$RUN-clean"; wait 2>/dev/null; if [ -n "${SKEWGATE_KEEP_E2E:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi' EXIT
lane_baselines "$WORK"
awk -F, 'BEGIN{OFS=","} NR==1{print; next} {$2=$2*100; print}' "$REPO/examples/demo/fraud-live.csv" >"$WORK/skewed.csv"
kubectl apply --server-side -f "$REPO/crds/" >/dev/null
kubectl wait --for=condition=Established crd/modeldeployments.skewgate.io --timeout=60s >/dev/null
LIVE="$REPO/examples/demo/fraud-live.csv"

now_ms() { date +%s%3N; }
rfc_ms() { date -d "$1" +%s%3N; }
# event_ms NS REASON REGEX: eventTime (ms) of the newest Event with REASON whose note matches.
event_ms() {
  local t
  t="$(kubectl -n "$1" get events.events.k8s.io -o json |
    jq -r --arg r "$2" --arg n "$3" '[.items[] | select(.reason == $r and (.note | test($n)))] | sort_by(.eventTime) | last | .eventTime // empty')"
  [ -n "$t" ] && rfc_ms "$t"
}

detect_lane() {
  local ns="$RUN-detect" dir="$WORK/detect" i rev start step_ms switch_ms abort_ms late
  local steps='[{"setWeight": 50}, {"pause": {"duration": "10m"}}]'
  lane_start "$ns" "$dir" "$WORK/baseline.json"
  lane_load "$ns" "$dir" "$LIVE" 100; LOAD_DATA="$LIVE"
  lane_deploy "$ns" "$dir" fraud-v1.json fraud-baseline "$steps" false
  lane_wait_phase "$ns" Healthy 120 >/dev/null || { echo "error v1 not Healthy"; return; }
  for i in $(seq 1 "$N_DETECT"); do
    if [ "${LOAD_DATA:-}" != "$LIVE" ]; then  # a failed trial may have left skewed traffic
      kill "$LOAD_PID" 2>/dev/null; wait "$LOAD_PID" 2>/dev/null
      rm -f "$dir/load.json"; lane_load "$ns" "$dir" "$LIVE" 100; LOAD_DATA="$LIVE"
    fi
    late=0; [ $((i % 2)) = 0 ] && late="$LATE_S"
    LANE_TRIAL="detect-$i" lane_deploy "$ns" "$dir" fraud-v2.json fraud-baseline "$steps" false
    lane_wait_canary "$ns" 60 || { echo "error trial $i: no canary"; continue; }
    rev="$(lane_jp "$ns" '{.status.canaryRevision}')"
    start=$SECONDS
    # Within a timed step's duration a Successful run is not written to status (only when
    # it completes the step); the controller's log has every run.
    until [ "$(lane_jp "$ns" '{.status.currentStepIndex}')" = 1 ] &&
      grep -q "\"revision\":\"$rev\",\"verdict\":\"Successful\"" "$dir/controller.log"; do
      [ $((SECONDS - start)) -gt 90 ] && { echo "error trial $i: no Successful run at the pause"; continue 2; }
      sleep 0.2
    done
    sleep "$late"
    step_ms="$(rfc_ms "$(lane_jp "$ns" '{.status.currentStepStartedAt}')")"
    kill "$LOAD_PID"; wait "$LOAD_PID" 2>/dev/null
    rm -f "$dir/load.json"
    lane_load "$ns" "$dir" "$WORK/skewed.csv" 100; LOAD_DATA=skewed
    until [ -s "$dir/load.json" ] && [ "$(jq .firstRequestUnixMs "$dir/load.json")" != 0 ]; do sleep 0.1; done
    switch_ms="$(jq .firstRequestUnixMs "$dir/load.json")"
    lane_wait_phase "$ns" Degraded 120 >/dev/null || { echo "error trial $i: not aborted"; continue; }
    abort_ms="$(event_ms "$ns" Aborted "canary $rev ")"
    echo "detect $i $rev late=$late window_before_switch_ms=$((switch_ms - step_ms)) latency_ms=$((abort_ms - switch_ms))"
    kill "$LOAD_PID"; wait "$LOAD_PID" 2>/dev/null
    rm -f "$dir/load.json"
    lane_load "$ns" "$dir" "$LIVE" 100; LOAD_DATA="$LIVE"
  done
}

clean_lane() {
  local ns="$RUN-clean" dir="$WORK/clean" i rev t0 promoted_ms outcome
  local steps='[{"setWeight": 50}, {"pause": {"duration": "5s"}}]'
  lane_start "$ns" "$dir" "$WORK/baseline.json"
  lane_load "$ns" "$dir" "$LIVE" 100
  lane_deploy "$ns" "$dir" fraud-v1.json fraud-baseline "$steps" false
  lane_wait_phase "$ns" Healthy 120 >/dev/null || { echo "error v1 not Healthy"; return; }
  for i in $(seq 1 "$N_CLEAN"); do
    t0="$(now_ms)"
    LANE_TRIAL="clean-$i" lane_deploy "$ns" "$dir" fraud-v2.json fraud-baseline "$steps" false
    lane_wait_canary "$ns" 60 || { echo "error trial $i: no canary"; continue; }
    rev="$(lane_jp "$ns" '{.status.canaryRevision}')"
    lane_wait_phase "$ns" 'Healthy|Degraded' 180 >/dev/null
    # Promoted = a Promoted Event for it (the phase may read Progressing again later if a
    # pod of the new stable turns unready on this loaded machine; that is not a rollback).
    if [ -n "$(event_ms "$ns" Promoted "revision $rev promoted")" ]; then
      promoted_ms="$(event_ms "$ns" Promoted "revision $rev promoted")"
      echo "clean $i $rev promoted total_ms=$((promoted_ms - t0)) pauses_ms=5000"
      if [ "$i" = "$N_CLEAN" ]; then  # where the time of one rollout goes
        kubectl -n "$ns" get events.events.k8s.io -o json | jq -r --arg r "$rev" --argjson t0 "$t0" \
          '.items[] | select(.eventTime != null and (.note | contains($r))) | [.eventTime, .reason, .note] | @tsv' | sort |
          while IFS=$'\t' read -r t reason note; do
            echo "timeline +$(( $(rfc_ms "$t") - t0 ))ms $reason: $note"
          done
      fi
    else
      outcome="$(lane_jp "$ns" '{.status.phase}: {.status.abort.message}{.status.message}')"
      if [ "$(lane_jp "$ns" '{.status.abort.revision}')" = "$rev" ]; then
        echo "clean $i $rev rolled-back $outcome"
      else
        echo "error clean trial $i: neither promoted nor rolled back: $outcome"
      fi
    fi
  done
}

log "closed-loop measurements: $N_DETECT detection trials, $N_CLEAN clean rollouts (lanes side by side)"
start=$SECONDS
detect_lane >"$WORK/detect.out" 2>&1 &
clean_lane >"$WORK/clean.out" 2>&1 &
wait
elapsed=$((SECONDS - start))
cat "$WORK/detect.out" "$WORK/clean.out"

mkdir -p "$OUT"
python3 - "$WORK/detect.out" "$WORK/clean.out" "$OUT" "$elapsed" "$N_DETECT" "$N_CLEAN" "$LATE_S" \
  "$LANE_INTERVAL" "$LANE_MIN_SAMPLES" <<'PY'
import json, os, platform, re, subprocess, sys, datetime, statistics
detect_f, clean_f, out, elapsed, n_detect, n_clean, late_s, interval, min_samples = sys.argv[1:]
def sh(c):
    try: return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception: return ""
def kv(line):
    return dict(re.findall(r"(\w+)=(\S+)", line))
detect = [kv(l) for l in open(detect_f) if l.startswith("detect ")]
clean_lines = [l for l in open(clean_f) if l.startswith("clean ")]
errors = [l.strip() for f in (detect_f, clean_f) for l in open(f) if l.startswith("error")]
timeline = [l.strip()[len("timeline "):] for l in open(clean_f) if l.startswith("timeline ")]
promoted = [kv(l) for l in clean_lines if " promoted " in l]
rolled = [l.strip() for l in clean_lines if " rolled-back " in l]
def stats(v):
    v = sorted(v)
    if not v: return None
    return {"n": len(v), "p50": statistics.median(v), "max": max(v), "min": min(v), "values": v}
lat_early = [int(d["latency_ms"]) / 1000 for d in detect if d["late"] == "0"]
lat_late = [int(d["latency_ms"]) / 1000 for d in detect if d["late"] != "0"]
win_early = [int(d["window_before_switch_ms"]) / 1000 for d in detect if d["late"] == "0"]
win_late = [int(d["window_before_switch_ms"]) / 1000 for d in detect if d["late"] != "0"]
overhead = [(int(p["total_ms"]) - int(p["pauses_ms"])) / 1000 for p in promoted]
total = [int(p["total_ms"]) / 1000 for p in promoted]
interval_s = float(interval.rstrip("s"))
env = {
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": {"cpus": os.cpu_count(), "cpu": sh("lscpu | sed -n 's/^Model name: *//p'"),
                "kernel": platform.release(), "loadavg_at_end": sh("cut -d' ' -f1-3 /proc/loadavg"),
                "memory": sh("free -g | awk '/Mem:/{print $2\" GiB\"}'")},
    "versions": {"skewgate": sh("git rev-parse --short HEAD"),
                 "kubernetes/etcd/kwok": sh(". hack/versions.env; echo $KUBE_VERSION/$ETCD_VERSION/$KWOK_VERSION"),
                 "compiler": sh("c++ --version | head -1")},
}
res = {
    **env,
    "settings": {"analysisInterval": interval, "minSamples": int(min_samples), "replicas": 2,
                 "rate_rps": 100, "lateSwitch_s": int(late_s), "elapsed_s": int(elapsed)},
    "detection_s": {"goal_max": interval_s + 2, "early": stats(lat_early), "late": stats(lat_late),
                    "window_before_switch_early_s": stats(win_early),
                    "window_before_switch_late_s": stats(win_late)},
    "promotion": {"pauses_s": 5, "total_s": stats(total), "overhead_s": stats(overhead), "goal_overhead_max_s": 2,
                  "timeline_last_run": timeline},
    "false_rollbacks": {"runs": len(clean_lines), "rolled_back": len(rolled), "details": rolled, "goal": 0},
    "errors": errors,
}
json.dump(res, open(os.path.join(out, "closedloop.json"), "w"), indent=2)
def f(s, key="p50"):
    return "-" if not s else f"{s[key]:.1f}"
def vals(s):
    return "-" if not s else ", ".join(f"{x:.1f}" for x in s["values"])
md = f"""# Closed-loop measurements

`make bench-closedloop` (`hack/measure-closedloop.sh`), {env['date']}, skewgate {env['versions']['skewgate']},
Kubernetes/etcd/KWOK {env['versions']['kubernetes/etcd/kwok']}, {env['machine']['cpus']} CPUs ({env['machine']['cpu']}),
load average at the end {env['machine']['loadavg_at_end']}. Real controller (`--analysis sidecar`), pod runner,
sidecars and model servers; 2 replicas, 100 requests/s, analysis interval {interval}, minSamples {min_samples};
both lanes ran side by side ({elapsed} s).

## Skew appearing in the traffic → Aborted (goal ≤ interval + 2 s = {interval_s + 2:.0f} s)

| switch | trials | p50 | max | all (s) | good traffic in the window at the switch (s) |
|---|---|---|---|---|---|
| at the first Successful run of the step | {len(lat_early)} | {f(stats(lat_early))} | {f(stats(lat_early), 'max')} | {vals(stats(lat_early))} | {vals(stats(win_early))} |
| {late_s} s later | {len(lat_late)} | {f(stats(lat_late))} | {f(stats(lat_late), 'max')} | {vals(stats(lat_late))} | {vals(stats(win_late))} |

## Apply → 100 % promoted, beyond the configured pauses (goal ≤ 2 s)

Steps `[setWeight 50, pause 5s]`; total from `kubectl apply` to the Promoted Event.

| runs promoted | total p50 | total max | beyond the 5 s of pauses: p50 | max |
|---|---|---|---|---|
| {len(promoted)} | {f(stats(total))} | {f(stats(total), 'max')} | {f(stats(overhead))} | {f(stats(overhead), 'max')} |

Where the time of the last run went (Events of that revision, from the apply):

```
""" + "\n".join(timeline) + f"""
```

## False rollbacks over clean runs (goal 0)

{len(rolled)} of {len(clean_lines)} clean rollouts were rolled back.
""" + "".join(f"- {r}\n" for r in rolled) + ("\nErrors:\n" + "".join(f"- {e}\n" for e in errors) if errors else "")
open(os.path.join(out, "closedloop.md"), "w").write(md)
print(md)
PY
