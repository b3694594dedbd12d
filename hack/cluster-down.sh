#!/usr/bin/env bash
# Stops every process of the local control plane and removes its state (.cluster/).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
export KWOK_WORKDIR="$CLUSTER_DIR/kwok"
[ -d "$CLUSTER_DIR" ] || { log "no local cluster to stop"; exit 0; }
exec 8>"$CLUSTER_DIR/.lock"
flock -w 600 8 || die "another cluster-up or cluster-down holds $CLUSTER_DIR/.lock"
if [ -x "$CP_BIN_DIR/kwokctl" ] && [ -d "$KWOK_WORKDIR/clusters/$CLUSTER_NAME" ]; then
  "$CP_BIN_DIR/kwokctl" --name "$CLUSTER_NAME" delete cluster >/dev/null 2>&1 8>&- || true
fi
# Anything kwokctl could not stop (a half-dead cluster) is found by its pid files.
# kube-apiserver can hang on SIGTERM once etcd is gone, so escalate after 10 s.
pids=()
for pidfile in "$KWOK_WORKDIR"/clusters/*/pids/*.pid; do
  [ -f "$pidfile" ] && pids+=("$(cat "$pidfile")")
done
# Processes started from this cluster's folder, even without a pid file.
while read -r pid; do pids+=("$pid"); done < <(pgrep -f "$KWOK_WORKDIR/clusters/" || true)
if [ ${#pids[@]} -gt 0 ]; then
  kill "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 20); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.5
  done
  kill -9 "${pids[@]}" 2>/dev/null || true
fi
find "$CLUSTER_DIR" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +
log "local cluster stopped and its state removed"
