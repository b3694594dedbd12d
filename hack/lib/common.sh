# Shared helpers for hack/ scripts. Source it; it defines no side effects on load
# beyond reading hack/versions.env.
HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$HACK_DIR/.." && pwd)"
# shellcheck source=../versions.env
. "$HACK_DIR/versions.env"

SKEWGATE_CACHE="${SKEWGATE_CACHE:-$HOME/.cache/skewgate}"
CP_BIN_DIR="$SKEWGATE_CACHE/bin/k8s-$KUBE_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
TOOLS_BIN_DIR="$SKEWGATE_CACHE/bin/tools"
# SKEWGATE_CLUSTER_DIR lets a benchmark or fault test run its own cluster beside the shared one.
CLUSTER_DIR="${SKEWGATE_CLUSTER_DIR:-$REPO_ROOT/.cluster}"
CLUSTER_NAME="${SKEWGATE_CLUSTER_NAME:-skewgate}"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# require_go fails with one line when Go is missing or too old.
require_go() {
  command -v go >/dev/null 2>&1 || die "Go is not installed; run hack/install-deps.sh (it installs Go ${GO_MIN_VERSION}+)."
  local have
  have="$(go env GOVERSION | sed 's/^go//')"
  if [ "$(printf '%s\n%s\n' "$GO_MIN_VERSION" "$have" | sort -V | head -1)" != "$GO_MIN_VERSION" ]; then
    die "Go $have is older than the $GO_MIN_VERSION the control plane needs; install a newer Go (hack/install-deps.sh)."
  fi
}

# require_disk_gb DIR N fails when DIR's filesystem has less than N GiB free.
require_disk_gb() {
  mkdir -p "$1"
  local free_kb
  free_kb="$(df -Pk "$1" | awk 'NR==2 {print $4}')"
  [ "$free_kb" -ge $(( $2 * 1024 * 1024 )) ] || die "only $((free_kb / 1024)) MiB free under $1; the control-plane build needs about $2 GiB. Free some disk or set SKEWGATE_CACHE to a larger disk."
}
