#!/usr/bin/env bash
# Sets up the CPU benchmark's peers in a virtual environment of their own
# (never by the README's commands): PyTorch and numpy from PyPI. PyPI's
# Linux torch wheel carries its CUDA libraries too (about 5.4 GB installed);
# the benchmark runs only its CPU kernels. Quick when it is already there.
# MLAGEN_PEERS_VENV moves the environment (default: build/peers-venv).
# Then: "$MLAGEN_PEERS_VENV/bin/python" bench/cpu-peers/compare.py
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv=${MLAGEN_PEERS_VENV:-$repo/build/peers-venv}

if ! dpkg-query -W -f='${Status}' python3-venv 2>/dev/null |
    grep -q "install ok installed"; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if ! "$venv/bin/python" -c "import torch, numpy" 2>/dev/null; then
  "$venv/bin/pip" install -q torch numpy
fi
"$venv/bin/python" -c "import torch; print('peers: torch', torch.__version__, \
'CPU capability', torch.backends.cpu.get_cpu_capability())"
echo "peers: run $venv/bin/python $repo/bench/cpu-peers/compare.py"
