#!/usr/bin/env bash
# ASan + UBSan over everything that needs no GPU: builds mlagen instrumented
# (MLAGEN_SANITIZE=ON, RelWithDebInfo) in build-sanitize, then runs every
# ctest test but the package builds (they link an uninstrumented example
# against the instrumented libraries) and the format check, with leak
# detection. Any report fails: reports abort the process that made them
# (so a test that expects an error exit still fails) and are written to
# build-sanitize/sanitizer-reports/, which must stay empty. GPU tests skip
# themselves here as in the normal suite. Usage: scripts/sanitize.sh
# [ctest arguments, e.g. -R runtime/]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export MLAGEN_BUILD_DIR=${MLAGEN_SANITIZE_BUILD_DIR:-$repo/build-sanitize}
export MLAGEN_CMAKE_ARGS="-DMLAGEN_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo"
source "$repo/scripts/setup.sh"

reports="$build/sanitizer-reports"
rm -rf "$reports" && mkdir -p "$reports"
# allocator_may_return_null: a failed malloc returns null as it does
# without ASan, so the checks for it are what is tested.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1:log_path=$reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:abort_on_error=1:log_path=$reports/ubsan"

cd "$build"
status=0
ctest --output-on-failure -j "$(nproc)" -E '^(package|format)/' "$@" ||
  status=$?
# Errors only: a warning such as ASan's on an allocation it cannot make
# (which the tests of that check ask for) is not a finding.
found=$(grep -l -E "ERROR: |runtime error: " -r "$reports" || true)
if [ -n "$found" ]; then
  echo "sanitize: $(echo "$found" | wc -l) report(s) in $reports:"
  for f in $found; do
    echo "== $f"
    head -40 "$f"
  done
  exit 1
fi
echo "sanitize: no ASan, UBSan or LSan report"
exit "$status"
