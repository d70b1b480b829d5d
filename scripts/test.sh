#!/usr/bin/env bash
# Sets everything up, then runs every test through ctest: each lit file is a
# ctest test (lit UNSUPPORTED shows as skipped), plus the clang-format check.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo/scripts/setup.sh"

cd "$build"
# GPU tests skip themselves where mla-run finds no GPU; say why up front.
if ! gpu=$("$build/bin/mla-run" --gpu-info); then
  echo "GPU tests will be skipped: $gpu"
fi
ctest --output-on-failure -j "$(nproc)"
