#!/usr/bin/env bash
# Starts the local control plane on loopback: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and the KWOK controller (fake nodes that make
# pods Running and Ready), all real upstream binaries run by kwokctl's binary runtime.
# Idempotent: a second call reuses a healthy cluster. Writes .cluster/kubeconfig.
#   hack/cluster-up.sh        # then: KUBECONFIG=.cluster/kubeconfig kubectl get nodes
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

NODES="${SKEWGATE_NODES:-3}"
# Pod IPs come from loopback so that the closed-loop tests can run each pod's real
# processes bound to its own address (127.100.0.0/16 is on `lo` on every Linux host).
POD_CIDR="${SKEWGATE_POD_CIDR:-127.100.0.0/16}"
# kube-apiserver's default Service range is a /24 (254 ClusterIPs); a benchmark with
# thousands of ModelDeployments (one Service each, three once they have rolled out) sets a
# larger one.
SERVICE_CIDR="${SKEWGATE_SERVICE_CIDR:-}"
extra=()
[ -n "$SERVICE_CIDR" ] && extra+=(--extra-args "kube-apiserver=service-cluster-ip-range=$SERVICE_CIDR")
KUBECONFIG_OUT="$CLUSTER_DIR/kubeconfig"
export KWOK_WORKDIR="$CLUSTER_DIR/kwok"

BIN="$("$HACK_DIR/build-control-plane.sh")"
export PATH="$BIN:$PATH"

mkdir -p "$CLUSTER_DIR"
# The lock fd is closed (8>&-) for every process that outlives this script: the control
# plane must not inherit it, or the lock would be held for as long as the cluster runs.
exec 8>"$CLUSTER_DIR/.lock"
if ! flock -n 8; then
  log "another cluster-up or cluster-down is running; waiting for it to finish"
  flock -w 600 8 || die "gave up after 10 minutes waiting for $CLUSTER_DIR/.lock"
fi

ready() { kubectl --kubeconfig "$KUBECONFIG_OUT" get --raw /readyz --request-timeout=3s 2>/dev/null | grep -qx ok; }

nodes_ready() {
  local want="$1" got
  got="$(kubectl --kubeconfig "$KUBECONFIG_OUT" get nodes --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l)"
  [ "$got" -ge "$want" ]
}

create_nodes() {
  local n
  for n in $(seq 0 $((NODES - 1))); do
    # The nodes' podCIDRs decide the pod IPs: they follow POD_CIDR's first two octets, so
    # a side cluster with its own SKEWGATE_POD_CIDR never hands out another cluster's IPs.
    sed -e "s/@N@/$n/g" -e "s/127\.100\./${POD_CIDR%.*.*}./g" "$HACK_DIR/manifests/node.yaml.tmpl"; echo "---"
  done | kubectl --kubeconfig "$KUBECONFIG_OUT" apply -f - >>"$CLUSTER_DIR/create.log" 2>&1
}

if [ -f "$KUBECONFIG_OUT" ] && ready; then
  log "reusing the running cluster ($KUBECONFIG_OUT)"
  nodes_ready "$NODES" || create_nodes
  exit 0
fi

if [ -d "$KWOK_WORKDIR/clusters/$CLUSTER_NAME" ]; then
  log "found a stopped or half-dead cluster; trying to start it again"
  if kwokctl --name "$CLUSTER_NAME" start cluster >"$CLUSTER_DIR/start.log" 2>&1 8>&- && \
     for _ in $(seq 1 30); do ready && break; sleep 1; done && ready; then
    log "restarted the existing cluster"
    exit 0
  fi
  log "it did not come back (see $CLUSTER_DIR/start.log); deleting it and creating a new one"
  kwokctl --name "$CLUSTER_NAME" delete cluster >/dev/null 2>&1 || true
  rm -rf "$KWOK_WORKDIR/clusters/$CLUSTER_NAME" "$KUBECONFIG_OUT"
fi

log "creating cluster '$CLUSTER_NAME' (Kubernetes $KUBE_VERSION, etcd $ETCD_VERSION, KWOK $KWOK_VERSION)"
start=$SECONDS
rm -f "$KUBECONFIG_OUT"
if ! kwokctl --name "$CLUSTER_NAME" create cluster 8>&- \
    --runtime binary \
    --kubeconfig "$KUBECONFIG_OUT" \
    --etcd-binary "$BIN/etcd" \
    --kube-apiserver-binary "$BIN/kube-apiserver" \
    --kube-controller-manager-binary "$BIN/kube-controller-manager" \
    --kube-scheduler-binary "$BIN/kube-scheduler" \
    --kwok-controller-binary "$BIN/kwok" \
    --extra-args "kwok-controller=cidr=$POD_CIDR" \
    --extra-args "kube-apiserver=bind-address=127.0.0.1" \
    --disable-qps-limits \
    ${extra[@]+"${extra[@]}"} \
    --wait 120s >"$CLUSTER_DIR/create.log" 2>&1; then
  tail -5 "$CLUSTER_DIR/create.log" >&2
  die "kwokctl could not create the cluster (full log: $CLUSTER_DIR/create.log). If a port is taken or an old cluster is half-dead, run 'make cluster-down' and try again."
fi
create_nodes || die "could not create $NODES fake nodes (see $CLUSTER_DIR/create.log)"
for _ in $(seq 1 60); do nodes_ready "$NODES" && break; sleep 1; done
nodes_ready "$NODES" || die "the fake nodes did not become Ready within 60 s; is the kwok controller running? (see $CLUSTER_DIR/create.log)"
log "cluster ready in $((SECONDS - start)) s: $NODES fake nodes; kubeconfig $KUBECONFIG_OUT"
