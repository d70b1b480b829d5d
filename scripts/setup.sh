#!/usr/bin/env bash
# Installs what is missing (Debian 12 packages), configures and builds mlagen.
# Quick when everything is there: nothing is installed twice and an
# up-to-date build does nothing. Sourced by demo.sh and test.sh; run it alone
# to just build. MLAGEN_BUILD_DIR moves the build folder (default: build);
# MLAGEN_CMAKE_ARGS adds to its first configuration (scripts/sanitize.sh).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${MLAGEN_BUILD_DIR:-$repo/build}
llvm=/usr/lib/llvm-22

packages=(cmake ninja-build g++ ccache python3 clang-format libgtest-dev
          llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools libomp-22-dev)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$repo" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR="$llvm/lib/cmake/mlir" \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    ${MLAGEN_CMAKE_ARGS:-} >/dev/null
fi
# Quiet when up to date; a failed build stops here (pipefail).
ninja -C "$build" | { grep -v "^ninja: no work to do" || true; }
