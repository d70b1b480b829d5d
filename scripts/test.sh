#!/usr/bin/env bash
# Sets everything up, then runs every test through ctest: each lit file is a
# ctest test (lit UNSUPPORTED shows as skipped), plus the clang-format check.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo/scripts/setup.sh"

cd "$build"
ctest --output-on-failure -j "$(nproc)"
