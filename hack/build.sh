#!/usr/bin/env bash
# Configures (once) and builds the project into the given build directory.
#   hack/build.sh build                       # release-with-debug-info build
#   SKEWGATE_CMAKE_ARGS=-DSKEWGATE_SANITIZE=ON hack/build.sh build-asan
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
dir="${1:-build}"
cd "$REPO_ROOT"
# shellcheck disable=SC2086
cmake -S . -B "$dir" -G Ninja ${SKEWGATE_CMAKE_ARGS:-} >"${dir}.configure.log" 2>&1 \
  || { tail -20 "${dir}.configure.log" >&2; die "cmake could not configure $dir (log: ${dir}.configure.log)"; }
log "building $dir (first build takes several minutes on 2 cores)"
cmake --build "$dir" -j "${SKEWGATE_JOBS:-2}"
