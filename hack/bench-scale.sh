#!/usr/bin/env bash
# The controller at scale (issue #10): for each COUNT, a fresh local control plane of its
# own (SKEWGATE_CLUSTER_DIR, default .cluster-bench; KWOK nodes), the real controller, and
# bench/scale's harness creating COUNT ModelDeployments at once. Each run is merged into
# bench/results/scale.json (keyed by count, stamped with machine, load, versions and
# date) and bench/results/scale.md is rendered from it.
#   hack/bench-scale.sh              # 1,000 ModelDeployments
#   hack/bench-scale.sh 1000 10000   # both sizes, each on a fresh cluster
# Environment: SCALE_CREATORS (16), SCALE_WORKERS (the controller's default), SCALE_RESYNC (30s),
# SCALE_STEADY_SECONDS (65), SCALE_LATENCY_CHANGES (200), SCALE_TIMEOUT (900 s, from the
# first create), SCALE_HEALTHY_TIMEOUT (SCALE_TIMEOUT; steady state and latency are skipped
# when not every object is Healthy by then),
# SCALE_PEER_MAX (1000: for counts up to this, the same burst also goes through
# kube-controller-manager as Deployments, bare and with a ConfigMap and a Service each, each
# on a fresh cluster: bench/scale/peer_deployments.py),
# SKEWGATE_BENCH_KEEP_CLUSTER=1 leaves the last cluster running afterwards.
set -euo pipefail
export SKEWGATE_CLUSTER_DIR="${SKEWGATE_CLUSTER_DIR:-$(cd "$(dirname "$0")/.." && pwd)/.cluster-bench}"
# No real processes run in these pods, so they get a non-loopback range: the API server
# refuses loopback addresses in Endpoints, and with 127.x pod IPs the endpoint controllers
# fail every write (422) and flood Events, which a real cluster never pays for.
export SKEWGATE_POD_CIDR="${SKEWGATE_POD_CIDR:-10.244.0.0/16}"
. "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1000)
harness=build/bin/skewgate-scale-harness
controller=build/bin/skewgate-controller
for b in "$harness" "$controller" build/bin/skewgate; do
  [ -x "$b" ] || die "$b is missing; build first with 'make build'"
done
KUBECONFIG_BENCH="$CLUSTER_DIR/kubeconfig"
out_json=bench/results/scale.json
mkdir -p bench/results
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log_dir="${TMPDIR:-/tmp}/skewgate-bench-scale"
mkdir -p "$log_dir"

build/bin/skewgate baseline -i examples/training/fraud-train.csv -o "$work/baseline.json" \
  --ignore transaction_id --output-column prediction >/dev/null 2>&1 ||
  die "could not build the benchmark baseline from examples/training/fraud-train.csv"

for count in "${counts[@]}"; do
  [[ "$count" =~ ^[0-9]+$ ]] || die "'$count' is not a number of ModelDeployments"
  # replicas: 1 each, plus a canary for each latency change: 110 pods fit on a KWOK node.
  nodes=$(( (count + count / 5) / 100 + 3 ))
  log "scale run: $count ModelDeployments on a fresh cluster of $nodes KWOK nodes ($CLUSTER_DIR)"
  bash hack/cluster-down.sh >/dev/null 2>&1 || true
  # A Service (ClusterIP) per ModelDeployment, three after a rollout (the latency phase).
  SKEWGATE_NODES="$nodes" SKEWGATE_SERVICE_CIDR="${SKEWGATE_SERVICE_CIDR:-10.96.0.0/16}" \
    bash hack/cluster-up.sh
  "$CP_BIN_DIR/kubectl" --kubeconfig "$KUBECONFIG_BENCH" apply --server-side -f crds/ >/dev/null
  pids=""
  for f in "$CLUSTER_DIR"/kwok/clusters/"$CLUSTER_NAME"/pids/*.pid; do
    pids+="$(basename "$f" .pid)=$(cat "$f"),"
  done
  commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench/scale || echo '+dirty')"
  "$harness" --kubeconfig "$KUBECONFIG_BENCH" --controller "$controller" \
    --controller-log "$log_dir/controller-$count.log" --baseline "$work/baseline.json" \
    --count "$count" --creators "${SCALE_CREATORS:-16}" --workers "${SCALE_WORKERS:-}" \
    --resync-period "${SCALE_RESYNC:-30s}" --steady-seconds "${SCALE_STEADY_SECONDS:-65}" \
    --latency-changes "${SCALE_LATENCY_CHANGES:-200}" \
    --converge-timeout "${SCALE_TIMEOUT:-900}" \
    --healthy-timeout "${SCALE_HEALTHY_TIMEOUT:-${SCALE_TIMEOUT:-900}}" \
    --pids "${pids%,}" --out "$work/run.json" >/dev/null
  errors="$(grep -c '"level":"error"' "$log_dir/controller-$count.log" || true)"
  python3 - "$out_json" "$work/run.json" "$count" "$nodes" "$commit" "$errors" <<'EOF'
import json, os, platform, subprocess, sys, datetime
out, run_path, count, nodes, commit, errors = sys.argv[1:]
run = json.load(open(run_path))
def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
mem_kb = int(next(l.split()[1] for l in open('/proc/meminfo') if l.startswith('MemTotal:')))
versions = dict(l.strip().split('=', 1) for l in open('hack/versions.env')
                if '=' in l and not l.startswith('#'))
run.update({
    'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
    'machine': {'nproc': os.cpu_count(), 'ram_gib': round(mem_kb / 1048576, 1),
                'cpu': sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip(),
                'kernel': platform.release()},
    'versions': {'git_commit': commit, 'kubernetes': versions.get('KUBE_VERSION'),
                 'etcd': versions.get('ETCD_VERSION'), 'kwok': versions.get('KWOK_VERSION'),
                 'compiler': sh('c++ --version | head -1')},
    'kwok_nodes': int(nodes),
    'controller_error_log_lines': int(errors),
    'command': 'hack/bench-scale.sh %s' % count,
})
doc = json.load(open(out)) if os.path.exists(out) else {'runs': {}}
doc['runs'][count] = run
json.dump(doc, open(out, 'w'), indent=2, sort_keys=True)
EOF
  log "controller log: $log_dir/controller-$count.log"
  if [ "$count" -le "${SCALE_PEER_MAX:-1000}" ]; then
    # The peers: the same burst through kube-controller-manager, each on a fresh cluster of
    # the same shape: bare Deployments, then Deployments with the ConfigMap and Service a
    # first ModelDeployment revision also brings (created by the clients, up front).
    for peer in peer peer_objects; do
      log "$peer run: $count Deployments through kube-controller-manager on a fresh cluster"
      bash hack/cluster-down.sh >/dev/null 2>&1 || true
      SKEWGATE_NODES="$nodes" SKEWGATE_SERVICE_CIDR="${SKEWGATE_SERVICE_CIDR:-10.96.0.0/16}" \
        bash hack/cluster-up.sh >/dev/null
      pids=""
      for f in "$CLUSTER_DIR"/kwok/clusters/"$CLUSTER_NAME"/pids/*.pid; do
        pids+="$(basename "$f" .pid)=$(cat "$f"),"
      done
      extra=()
      [ "$peer" = peer_objects ] && extra=(--with-objects)
      if python3 bench/scale/peer_deployments.py "${extra[@]}" --kubectl "$CP_BIN_DIR/kubectl" \
          --kubeconfig "$KUBECONFIG_BENCH" --count "$count" --creators "${SCALE_CREATORS:-16}" \
          --timeout "${SCALE_TIMEOUT:-900}" --pids "${pids%,}" >"$work/peer.json"; then
        python3 - "$out_json" "$work/peer.json" "$count" "$peer" <<'EOF2'
import json, sys
out, peer, count, key = sys.argv[1:]
doc = json.load(open(out))
doc['runs'][count][key] = json.load(open(peer))
json.dump(doc, open(out, 'w'), indent=2, sort_keys=True)
EOF2
      else
        log "$peer run did not converge in ${SCALE_TIMEOUT:-900} s; not recorded"
      fi
    done
  fi
  if [ "${SKEWGATE_BENCH_KEEP_CLUSTER:-0}" != 1 ]; then bash hack/cluster-down.sh; fi
done
python3 bench/scale/render.py "$out_json" >bench/results/scale.md
log "results in bench/results/scale.md and $out_json"
