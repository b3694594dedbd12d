#!/usr/bin/env bash
# Builds helm from the pinned Go module in hack/controlplane/helm (HELM_VERSION in
# hack/versions.env) into ~/.cache/skewgate/bin/tools/helm-<version>/helm. Only the first
# run pays; later runs find the binary. Prints the binary's path on stdout, progress on
# stderr.
#   hack/build-helm.sh                      # build if missing, print the path
#   "$(hack/build-helm.sh)" lint charts/skewgate
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

HELM_DIR="$TOOLS_BIN_DIR/helm-$HELM_VERSION"
HELM_BIN="$HELM_DIR/helm"
MODULE_DIR="$HACK_DIR/controlplane/helm"

if [ -x "$HELM_BIN" ]; then echo "$HELM_BIN"; exit 0; fi

# The wrapper module must require exactly the pinned version, or we would build another.
pinned="$(awk '$1 == "helm.sh/helm/v3" {print $2} $1 == "require" && $2 == "helm.sh/helm/v3" {print $3}' "$MODULE_DIR/go.mod" | head -1)"
[ "$pinned" = "$HELM_VERSION" ] || die "hack/controlplane/helm/go.mod requires helm.sh/helm/v3 ${pinned:-<nothing>} but hack/versions.env pins HELM_VERSION=$HELM_VERSION; edit go.mod and run 'GOFLAGS=-mod=mod go mod tidy' there."

require_go
require_disk_gb "$SKEWGATE_CACHE" 2
mkdir -p "$HELM_DIR"
exec 9>"$SKEWGATE_CACHE/build-helm.lock"
if ! flock -n 9; then
  log "another helm build is running; waiting for it"
  flock 9
fi
if [ -x "$HELM_BIN" ]; then echo "$HELM_BIN"; exit 0; fi

export CGO_ENABLED=0 GOFLAGS=-trimpath GOTOOLCHAIN=local
start=$SECONDS
dl_log="$SKEWGATE_CACHE/download-helm.log"
log "[1/2] downloading the Go modules of helm $HELM_VERSION (first run only)"
if ! (cd "$MODULE_DIR" && go mod download) >"$dl_log" 2>&1; then
  die "could not download the Go modules for helm: $(tail -1 "$dl_log"). Is the Go module proxy reachable (GOPROXY=$(go env GOPROXY))?"
fi

build_log="$SKEWGATE_CACHE/build-helm.log"
log "[2/2] building helm $HELM_VERSION (a cold build takes a few minutes on 2 cores)"
# helm's own Makefile stamps the Kubernetes version it was built against; without it
# `helm template` assumes v1.20 and refuses charts with a newer kubeVersion.
client_go="$(awk '$1 == "k8s.io/client-go" {print $2}' "$MODULE_DIR/go.mod")"
k8s_minor="$(echo "$client_go" | cut -d. -f2)"
[ -n "$k8s_minor" ] || die "hack/controlplane/helm/go.mod has no k8s.io/client-go line; run 'GOFLAGS=-mod=mod go mod tidy' there."
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
 -X helm.sh/helm/v3/internal/version.gitTreeState=clean \
 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$k8s_minor"
(cd "$MODULE_DIR" && go build -p 2 -ldflags "$ldflags" -o "$HELM_DIR/.helm.tmp" helm.sh/helm/v3/cmd/helm) >"$build_log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  sleep 5
  if kill -0 "$pid" 2>/dev/null && (( (SECONDS - start) % 60 < 5 )); then
    log "  ... helm still building ($((SECONDS - start)) s)"
  fi
done
if ! wait "$pid"; then
  die "building helm failed; the last lines of $build_log: $(tail -3 "$build_log" | tr '\n' ' ')"
fi
mv "$HELM_DIR/.helm.tmp" "$HELM_BIN"
log "helm $HELM_VERSION ready in $HELM_BIN ($((SECONDS - start)) s)"
echo "$HELM_BIN"
