#!/usr/bin/env bash
# Installs exactly what skewgate's build, tests and demo need on Debian 12, and nothing
# when it is already there (a second run takes well under a second).
#   hack/install-deps.sh
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  libcpprest-dev libyaml-cpp-dev nlohmann-json3-dev libssl-dev libboost-dev libboost-system-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang clang-format libclang-rt-14-dev   # libFuzzer + sanitizers, formatting
  wrk nginx-light                         # sidecar load test and its peer
  prometheus                              # metric source in the closed-loop tests
  lua5.4                                  # runs the Argo CD health check in tests
  python3 python3-pip
  openssl                                 # the fault tests' throwaway CAs (tests/e2e/faults)
)
PY_MODULES=(numpy scipy yaml)
PY_PACKAGES=(numpy scipy pyyaml)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"${TMPDIR:-/tmp}/skewgate-apt.log" 2>&1; then
    tail -3 "${TMPDIR:-/tmp}/skewgate-apt.log" >&2
    die "apt-get could not install ${missing[*]} (log: ${TMPDIR:-/tmp}/skewgate-apt.log). Is the Debian mirror reachable?"
  fi
  # Debian's prometheus package starts a system service; the tests run their own.
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
fi

# Go builds the test control plane only. Debian 12's golang is too old; a Go >= 1.21
# can fetch the pinned toolchain from the Go module proxy (GOTOOLCHAIN).
if ! command -v go >/dev/null 2>&1; then
  die "Go is not installed. Install Go ${GO_MIN_VERSION} or newer (for example from bookworm-backports plus GOTOOLCHAIN=go${GO_MIN_VERSION}.0) and run again."
fi
require_go

py_missing=()
for i in "${!PY_MODULES[@]}"; do
  python3 -c "import ${PY_MODULES[$i]}" 2>/dev/null || py_missing+=("${PY_PACKAGES[$i]}")
done
if [ ${#py_missing[@]} -gt 0 ]; then
  log "installing Python test oracles: ${py_missing[*]}"
  python3 -m pip install -q "${py_missing[@]}" 2>"${TMPDIR:-/tmp}/skewgate-pip.log" \
    || python3 -m pip install -q --break-system-packages "${py_missing[@]}" 2>>"${TMPDIR:-/tmp}/skewgate-pip.log" \
    || die "pip could not install ${py_missing[*]} (log: ${TMPDIR:-/tmp}/skewgate-pip.log)"
fi
