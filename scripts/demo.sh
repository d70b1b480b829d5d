#!/usr/bin/env bash
# The main job: sets everything up, shows the DeepSeek-V3 decode step before
# and after the MLA rewrite pipeline, runs that step on the CPU and verifies
# it against the reference, then generates its decode attention kernels for
# sm_90a, compiles them with NVRTC and prints their resources.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo/scripts/setup.sh"

example=$repo/examples/deepseek-v3-decode.mlir
echo "=== $example, as written ==="
"$build/bin/mla-opt" "$example"
echo
echo "=== after mla-opt --mla-rewrite (decompose, absorb, fuse, split-kv) ==="
"$build/bin/mla-opt" "$example" --mla-rewrite
echo
echo "=== the DeepSeek-V3 decode step on the CPU, against the reference ==="
"$build/bin/mla-run" --preset=deepseek-v3 --mode=layer --backend=cpu \
  --seq-lens=0,63,64,200 --query-tokens=2 --page-size=64 \
  --iterations=3 --verify
# The kernels need NVRTC (the CUDA toolkit) at build time, not a GPU.
if grep -q "nvrtc=ON" "$build/mlagen-features.txt"; then
  echo
  echo "=== its decode attention kernels for sm_90a: generated CUDA, NVRTC, resources ==="
  "$build/bin/mla-run" --preset=deepseek-v3 --seq-lens=0,63,64,200 \
    --query-tokens=2 --page-size=64 --compile-only --arch=sm_90a --stats
  # With a GPU, the same step runs on it and is verified, then its
  # attention alone is timed.
  if gpu=$("$build/bin/mla-run" --gpu-info); then
    echo
    echo "=== the DeepSeek-V3 decode step on the GPU ($gpu), against the reference ==="
    "$build/bin/mla-run" --backend=cuda --preset=deepseek-v3 --mode=layer \
      --seq-lens=0,63,64,200 --query-tokens=2 --page-size=64 \
      --iterations=10 --verify
    "$build/bin/mla-run" --backend=cuda --preset=deepseek-v3 \
      --batch=16 --seq-len=4096 --query-tokens=2 --page-size=64 \
      --iterations=20
  else
    echo
    echo "(no GPU to run the kernels on: $gpu)"
  fi
else
  echo
  echo "(this build found no CUDA toolkit: CUDA code generation is not shown)"
fi
