#!/usr/bin/env bash
# The installed package consumed by a program: installs this build into a
# fresh prefix, configures and builds examples/host-api against it with
# find_package(mlagen CONFIG), and runs it. The example runs the DeepSeek-V3
# decode step on the CPU and, where there is a GPU, through the host API,
# checking both against the reference; it exits non-zero on any failure.
# Usage: host-api-example.sh <build dir> <source dir>
set -euo pipefail
build=$1
source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
cmake -S "$source/examples/host-api" -B "$work/example" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -Dmlagen_DIR="$work/prefix/lib/cmake/mlagen" > "$work/configure.log" ||
  { cat "$work/configure.log"; exit 1; }
cmake --build "$work/example" > "$work/build.log" ||
  { cat "$work/build.log"; exit 1; }
"$work/example/decode-step" | tee "$work/run.log"
grep -q "^CPU: DeepSeek-V3 decode attention.*: PASS$" "$work/run.log"
grep -Eq "^GPU: not run|^GPU .*: PASS$" "$work/run.log"
