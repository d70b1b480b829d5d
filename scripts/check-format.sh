#!/usr/bin/env bash
# Fails, listing the files, when a C++ source differs from clang-format's
# output under the checked-in .clang-format.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
format=${CLANG_FORMAT:-clang-format}
git rev-parse --git-dir >/dev/null 2>&1 || { echo "check-format: $repo is not a git checkout" >&2; exit 1; }
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cpp' '*.h' '*.cuh')
((${#files[@]})) || { echo "check-format: no C++ files found" >&2; exit 1; }
bad=()
for f in "${files[@]}"; do
  if ! "$format" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
    bad+=("$f")
  fi
done
if ((${#bad[@]})); then
  echo "clang-format ($("$format" --version)) would change:"
  printf '  %s\n' "${bad[@]}"
  echo "fix with: $format -i ${bad[*]}"
  exit 1
fi
echo "clang-format: ${#files[@]} files clean"
