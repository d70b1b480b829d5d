#!/usr/bin/env bash
# The main job: sets everything up, then shows the DeepSeek-V3 decode step
# before and after the MLA rewrite pipeline.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo/scripts/setup.sh"

example=$repo/examples/deepseek-v3-decode.mlir
echo "=== $example, as written ==="
"$build/bin/mla-opt" "$example"
echo
echo "=== after mla-opt --mla-rewrite (decompose, absorb, fuse, split-kv) ==="
"$build/bin/mla-opt" "$example" --mla-rewrite
