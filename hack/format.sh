#!/usr/bin/env bash
# clang-format over every C++ file the repository tracks (and new ones not ignored).
#   hack/format.sh           # rewrite in place
#   hack/format.sh --check   # list unformatted files, exit 1 if any
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.h' '*.cc' '*.cpp' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
[ ${#files[@]} -gt 0 ] || exit 0
if [ "${1:-}" = "--check" ]; then
  bad=()
  for f in "${files[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    printf 'not clang-formatted (run make fmt): %s\n' "${bad[@]}" >&2
    exit 1
  fi
else
  clang-format -i "${files[@]}"
fi
