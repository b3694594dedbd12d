#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok, kwokctl) from the pinned Go modules in hack/controlplane/ into
# a cache outside the repository. Only the first run pays: later runs find the binaries.
#   hack/build-control-plane.sh          # build what is missing, print the bin dir
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok kwokctl)

all_present() {
  local b
  for b in "${BINARIES[@]}"; do [ -x "$CP_BIN_DIR/$b" ] || return 1; done
}

if all_present; then echo "$CP_BIN_DIR"; exit 0; fi

require_go
require_disk_gb "$SKEWGATE_CACHE" 6
mkdir -p "$CP_BIN_DIR"
exec 9>"$SKEWGATE_CACHE/build.lock"
if ! flock -n 9; then
  log "another control-plane build is running; waiting for it"
  flock 9
fi
if all_present; then echo "$CP_BIN_DIR"; exit 0; fi

export CGO_ENABLED=0 GOFLAGS=-trimpath GOTOOLCHAIN=local
minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
kube_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION \
 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/component-base/version.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"

download() {
  local dir="$1"
  log "downloading Go modules for $dir (first run only)"
  if ! (cd "$HACK_DIR/controlplane/$dir" && go mod download 2>"$SKEWGATE_CACHE/download-$dir.log"); then
    die "could not download the Go modules for $dir: $(tail -1 "$SKEWGATE_CACHE/download-$dir.log"). Is the Go module proxy reachable (GOPROXY=$(go env GOPROXY))?"
  fi
}

build_one() {  # build_one MODULE_DIR PACKAGE OUTPUT LDFLAGS INDEX
  local dir="$1" pkg="$2" out="$3" ldflags="$4" idx="$5" start=$SECONDS logf
  [ -x "$CP_BIN_DIR/$out" ] && { log "[$idx/${#BINARIES[@]}] $out cached"; return 0; }
  logf="$SKEWGATE_CACHE/build-$out.log"
  log "[$idx/${#BINARIES[@]}] building $out (a cold build takes several minutes on 2 cores)"
  (cd "$HACK_DIR/controlplane/$dir" && go build -ldflags "$ldflags" -o "$CP_BIN_DIR/.$out.tmp" "$pkg") >"$logf" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    if kill -0 "$pid" 2>/dev/null && (( (SECONDS - start) % 60 < 5 )); then
      log "  ... $out still building ($((SECONDS - start)) s)"
    fi
  done
  if ! wait "$pid"; then
    die "building $out failed; the last lines of $logf: $(tail -3 "$logf" | tr '\n' ' ')"
  fi
  mv "$CP_BIN_DIR/.$out.tmp" "$CP_BIN_DIR/$out"
  log "[$idx/${#BINARIES[@]}] $out built in $((SECONDS - start)) s"
}

total=$SECONDS
download etcd; download kwok; download kubernetes
build_one etcd . etcd "-s -w" 1
build_one kubernetes k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver "$kube_ldflags" 2
build_one kubernetes k8s.io/kubernetes/cmd/kube-controller-manager kube-controller-manager "$kube_ldflags" 3
build_one kubernetes k8s.io/kubernetes/cmd/kube-scheduler kube-scheduler "$kube_ldflags" 4
build_one kubernetes k8s.io/kubernetes/cmd/kubectl kubectl "$kube_ldflags" 5
kwok_ldflags="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=$KUBE_VERSION"
build_one kwok sigs.k8s.io/kwok/cmd/kwok kwok "$kwok_ldflags" 6
build_one kwok sigs.k8s.io/kwok/cmd/kwokctl kwokctl "$kwok_ldflags" 7
log "control plane ready in $CP_BIN_DIR ($((SECONDS - total)) s, $(du -sh "$CP_BIN_DIR" | cut -f1))"
echo "$CP_BIN_DIR"
