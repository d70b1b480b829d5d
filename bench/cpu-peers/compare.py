#!/usr/bin/env python3
"""mlagen's CPU decode step side by side with PyTorch eager, over a grid.

For each grid point (batch, heads, cached length, s_q, storage type; and the
whole decode layer at DeepSeek-V2-Lite and V3 dims) the two are timed in
turns within one run: a block of mlagen runs (mla-run on the CPU, the
heuristic's variant, no tuning file), then a block of each PyTorch
formulation, for --rounds rounds. Each block gives a median; a point's time
is the median of its blocks. PyTorch's time is its best formulation's:
contiguous batched matmuls (bmm), einsum, or scaled_dot_product_attention
over the 576-wide rows. PyTorch is handed each sequence's rows contiguous
(no paging) and is not charged for gathering them; mlagen reads the paged
cache through its block table.

Printed per point: both times, the ratio (PyTorch / mlagen: above 1 means
mlagen is faster), and mlagen's share of the machine's measured peaks
(mla-bench-cpu --peaks: the f32 FMA, bf16 dot-product and AMX tile peaks
on all cores, and the read bandwidth). It asserts nothing. Without PyTorch (run
bench/cpu-peers/setup-peers.sh, then this script with that environment's
python) it prints mlagen's figures alone and says what is missing.
"""

import argparse
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The attention's sizes (kv_lora_rank, qk_rope_head_dim) are the same in
# every preset; the presets differ in heads and the layer's projections.
DC, DR = 512, 64
LAYERS = {
    # name: heads, d_model, q_lora_rank, qk_nope, v_head
    "deepseek-v2-lite": (16, 2048, 0, 128, 128),
    "deepseek-v3": (128, 7168, 1536, 128, 128),
}


class Point:
    def __init__(self, mode, preset, batch, length, sq, dtype):
        self.mode, self.preset = mode, preset
        self.heads = LAYERS[preset][0]
        self.batch, self.length, self.sq, self.dtype = batch, length, sq, dtype

    def name(self):
        what = "layer " + self.preset if self.mode == "layer" else f"H {self.heads:3d}"
        return (f"{what}, B {self.batch:2d}, L {self.length:5d}, "
                f"s_q {self.sq}, {self.dtype}")

    def keys(self):
        # A layer step attends its appended tokens too.
        return self.length + (self.sq if self.mode == "layer" else 0)

    def attention_work(self):
        """FLOPs and bytes as docs/counting.md counts the attention."""
        keys = self.batch * self.keys()
        rows = self.batch * self.sq * self.heads
        element = 2 if self.dtype == "bf16" else 4
        flops = 2.0 * self.sq * keys * self.heads * (DC + DR + DC)
        bytes_ = (keys * (DC + DR) + rows * (DC + DR) + rows * DC) * element
        return flops, bytes_

    def work(self):
        flops, bytes_ = self.attention_work()
        if self.mode == "layer":
            weights = layer_weight_count(self.preset)
            element = 2 if self.dtype == "bf16" else 4
            flops += 2.0 * weights * self.batch * self.sq
            bytes_ += weights * element
        return flops, bytes_


def layer_weight_count(preset):
    h, dm, q, dn, dv = LAYERS[preset]
    qin = q if q else dm
    count = h * (dn + DR) * qin + (DC + DR) * dm + DC + h * dn * DC + h * dv * DC + dm * h * dv
    if q:
        count += q * dm + q
    return count


def grid(kind):
    points = []
    lengths = [1024, 8192, 32768] if kind == "quick" else [1024, 2048, 4096, 8192, 16384, 32768]
    for batch in (1, 4, 32):
        for preset in ("deepseek-v2-lite", "deepseek-v3"):
            for length in lengths:
                # The quick grid keeps each step's keys within 2^17.
                if kind == "quick" and batch * length > 131072:
                    continue
                for sq in (1, 2):
                    points.append(Point("attention", preset, batch, length, sq, "bf16"))
                    if kind == "full":
                        points.append(Point("attention", preset, batch, length, sq, "f32"))
    if kind == "quick":
        for preset in ("deepseek-v2-lite", "deepseek-v3"):
            points.append(Point("attention", preset, 4, 4096, 1, "f32"))
    for preset in ("deepseek-v2-lite", "deepseek-v3"):
        for dtype in ("bf16",) if kind == "quick" else ("bf16", "f32"):
            points.append(Point("layer", preset, 4, 4096, 1, dtype))
    return points


# --- mlagen -----------------------------------------------------------------

def mlagen_block(args, p, iterations):
    """The median of `iterations` timed mla-run steps, in seconds."""
    command = [args.mla_run, "--backend=cpu", f"--preset={p.preset}",
               f"--mode={p.mode}", f"--batch={p.batch}", f"--seq-len={p.length}",
               f"--query-tokens={p.sq}", f"--dtype={p.dtype}",
               f"--iterations={iterations}", "--warmup=1"]
    if args.cpu_variant:
        command.append(f"--cpu-variant={args.cpu_variant}")
    env = dict(os.environ, MLAGEN_TUNE_DB=os.path.join(tempfile.gettempdir(),
                                                       "mlagen-bench-no-tuning.json"))
    run = subprocess.run(command, capture_output=True, text=True, env=env)
    found = re.search(r"time per step: ([0-9.]+) ms", run.stdout)
    if run.returncode != 0 or not found:
        raise RuntimeError(f"{' '.join(command)} failed:\n{run.stdout}{run.stderr}")
    variant = re.search(r"CPU variant: (\S+)", run.stdout)
    return float(found.group(1)) * 1e-3, variant.group(1) if variant else "?"


# --- PyTorch ----------------------------------------------------------------

class TorchPeer:
    def __init__(self, torch):
        self.torch = torch
        self.F = torch.nn.functional

    def dtype(self, name):
        return self.torch.bfloat16 if name == "bf16" else self.torch.float32

    def attention_inputs(self, p, keys):
        t = self.torch
        g = t.Generator().manual_seed(1)
        dt = self.dtype(p.dtype)
        q = (t.rand(p.batch, p.sq * p.heads, DC + DR, generator=g) - 0.5).to(dt)
        rows = (t.rand(p.batch, keys, DC + DR, generator=g) - 0.5).to(dt)
        # Query token s sees keys [0, keys - sq + 1 + s).
        mask = t.ones(p.sq * p.heads, keys, dtype=t.bool)
        for s in range(p.sq):
            mask[s * p.heads:(s + 1) * p.heads, keys - p.sq + 1 + s:] = False
        return q, rows, mask

    def formulations(self, p):
        """name -> a function running one attention step."""
        t, F = self.torch, self.F
        q, rows, mask = self.attention_inputs(p, p.keys())
        scale = 1.0 / math.sqrt(128 + DR)
        bias = t.zeros(mask.shape, dtype=q.dtype).masked_fill(~mask, float("-inf"))
        values = rows[..., :DC]

        def bmm():
            s = t.baddbmm(bias, q, rows.transpose(1, 2), alpha=scale)
            return t.bmm(t.softmax(s, dim=-1), values)

        def einsum():
            s = t.einsum("bqc,bkc->bqk", q, rows) * scale + bias
            return t.einsum("bqk,bkc->bqc", t.softmax(s, dim=-1), values)

        def sdpa():
            return F.scaled_dot_product_attention(
                q.unsqueeze(1), rows.unsqueeze(1), values.unsqueeze(1),
                attn_mask=mask, scale=scale)

        forms = {"bmm": bmm, "einsum": einsum, "sdpa": sdpa}
        if p.mode == "layer":
            return {"layer": self.layer(p, q.dtype)}
        return forms

    def layer(self, p, dt):
        """The absorbed decode layer as PyTorch would write it."""
        t = self.torch
        h, dm, ql, dn, dv = LAYERS[p.preset]
        g = t.Generator().manual_seed(2)

        def w(*shape):
            return ((t.rand(*shape, generator=g) - 0.5) * (2 / math.sqrt(shape[-1]))).to(dt)

        hidden = w(p.batch * p.sq, dm)
        wdq = w(ql, dm) if ql else None
        qn = t.ones(ql, dtype=dt) if ql else None
        wuq = w(h * (dn + DR), ql or dm)
        wdkv = w(DC + DR, dm)
        kvn = t.ones(DC, dtype=dt)
        wuk = w(h, dn, DC)
        wuv = w(h, dv, DC)
        wo = w(dm, h * dv)
        cache = w(p.batch, p.keys(), DC + DR)
        _, _, mask = self.attention_inputs(p, p.keys())
        bias = t.zeros(mask.shape, dtype=dt).masked_fill(~mask, float("-inf"))
        pos = t.arange(p.length, p.length + p.sq, dtype=t.float32)
        inv = 1.0 / (10000.0 ** (t.arange(0, DR, 2, dtype=t.float32) / DR))
        ang = pos[:, None] * inv[None, :]
        cos, sin = ang.cos().to(dt), ang.sin().to(dt)
        scale = 1.0 / math.sqrt(dn + DR)

        def rope(x, c, s):  # interleaved pairs, c and s broadcast over x
            a, b = x[..., 0::2], x[..., 1::2]
            return t.stack((a * c - b * s, a * s + b * c), dim=-1).flatten(-2)

        def rms(x, weight):
            v = x.float()
            return (v * t.rsqrt(v.pow(2).mean(-1, keepdim=True) + 1e-6)).to(dt) * weight

        def step():
            x = hidden
            cq = rms(x @ wdq.T, qn) if ql else x
            qh = (cq @ wuq.T).view(p.batch, p.sq, h, dn + DR)
            q_rope = rope(qh[..., dn:], cos[None, :, None, :], sin[None, :, None, :])
            q_lat = t.einsum("bshd,hdc->bshc", qh[..., :dn], wuk)
            kv = (x @ wdkv.T).view(p.batch, p.sq, DC + DR)
            cache[:, p.length:, :DC] = rms(kv[..., :DC], kvn)
            cache[:, p.length:, DC:] = rope(kv[..., DC:], cos[None], sin[None])
            q = t.cat((q_lat, q_rope), dim=-1).view(p.batch, p.sq * h, DC + DR)
            sc = t.baddbmm(bias, q, cache.transpose(1, 2), alpha=scale)
            o = t.bmm(t.softmax(sc, dim=-1), cache[..., :DC]).view(p.batch, p.sq, h, DC)
            ov = t.einsum("bshc,hvc->bshv", o, wuv).reshape(p.batch * p.sq, h * dv)
            return ov @ wo.T

        return step

    def block(self, step, iterations):
        times = []
        with self.torch.no_grad():
            step()  # warm-up
            for _ in range(iterations):
                start = time.perf_counter()
                step()
                times.append(time.perf_counter() - start)
        return statistics.median(times)


# --- the run ----------------------------------------------------------------

def read_peaks(bench_cpu):
    out = subprocess.run([bench_cpu, "--peaks"], capture_output=True, text=True,
                         check=True).stdout
    print(out.rstrip())
    fma = re.search(r"FMA peak \(([^)]*)\): [0-9.]+ GFLOP/s on one core, ([0-9.]+)", out)
    bf16 = re.search(r"bf16 dot peak .*?, ([0-9.]+) GFLOP/s on all", out)
    amx = re.search(r"AMX peak .*?, ([0-9.]+) GFLOP/s on all", out)
    bw = re.search(r"memory read bandwidth: ([0-9.]+)", out)
    f32 = float(fma.group(2)) * 1e9
    # bf16 runs at the fastest of its paths: widened to f32 FMAs, the bf16
    # dot product or AMX tiles.
    others = [float(m.group(1)) * 1e9 for m in (bf16, amx) if m]
    return {"f32": f32, "bf16": max([f32] + others), "bytes": float(bw.group(1)) * 1e9}


def iterations_for(seconds, budget):
    return max(3, min(50, int(budget / max(seconds, 1e-6))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mla-run", default=os.path.join(REPO, "build/bin/mla-run"))
    parser.add_argument("--bench-cpu", default=os.path.join(REPO, "build/bin/mla-bench-cpu"))
    parser.add_argument("--grid", choices=("quick", "full"), default="quick")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--block-seconds", type=float, default=0.6,
                        help="about how long each timed block runs")
    parser.add_argument("--only", default="", help="regex: run the points whose name matches")
    parser.add_argument("--cpu-variant", default="",
                        help="fields that override mlagen's heuristic variant (mla-run "
                             "--cpu-variant), e.g. dot=0")
    args = parser.parse_args()

    try:
        import torch
        torch.set_num_threads(os.cpu_count())
        peer = TorchPeer(torch)
        print(f"peer: PyTorch {torch.__version__} eager, {torch.get_num_threads()} threads, "
              f"CPU capability {torch.backends.cpu.get_cpu_capability()}")
    except ImportError:
        peer = None
        print("peer missing: PyTorch (set it up with bench/cpu-peers/setup-peers.sh and run "
              "this script with that environment's python); mlagen's figures alone")
    print("peer missing: ggml (no package from the registries this script uses gives its "
          "flash-attention op); not compared")
    peaks = read_peaks(args.bench_cpu)
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    print(f"mlagen at {commit}; {args.rounds} rounds per point, blocks of about "
          f"{args.block_seconds} s, interleaved; times are medians")
    print(f"{'point':50s} {'mlagen ms':>10s} {'PyTorch ms':>11s} {'best form':>9s} "
          f"{'ratio':>6s} {'peak %':>7s} {'bw %':>6s}  mlagen variant")
    ratios = []
    for p in grid(args.grid):
        if args.only and not re.search(args.only, p.name()):
            continue
        first, variant = mlagen_block(args, p, 3)
        n = iterations_for(first, args.block_seconds)
        forms = peer.formulations(p) if peer else {}
        form_n = {}
        ours, theirs = [], {name: [] for name in forms}
        for _ in range(args.rounds):
            ours.append(mlagen_block(args, p, n)[0])
            for name, step in forms.items():
                if name not in form_n:
                    try:
                        form_n[name] = iterations_for(peer.block(step, 1), args.block_seconds)
                    except RuntimeError as error:  # a formulation PyTorch refuses
                        print(f"  PyTorch {name}: {str(error).splitlines()[0]}")
                        form_n[name] = 0
                if form_n[name]:
                    theirs[name].append(peer.block(step, form_n[name]))
        mine = statistics.median(ours)
        flops, bytes_ = p.work()
        peak = peaks["bf16" if p.dtype == "bf16" else "f32"]
        share = f"{100 * flops / mine / peak:6.1f} {100 * bytes_ / mine / peaks['bytes']:6.1f}"
        medians = {k: statistics.median(v) for k, v in theirs.items() if v}
        if medians:
            best = min(medians, key=medians.get)
            ratio = medians[best] / mine
            ratios.append((ratio, p.name()))
            print(f"{p.name():50s} {mine * 1e3:10.3f} {medians[best] * 1e3:11.3f} "
                  f"{best:>9s} {ratio:5.2f}x {share}  {variant}", flush=True)
        else:
            print(f"{p.name():50s} {mine * 1e3:10.3f} {'-':>11s} {'-':>9s} {'-':>6s} "
                  f"{share}  {variant}", flush=True)
    print("peak %: mlagen's FLOP/s against the all-core peak of its storage type (f32: the "
          "FMA peak; bf16: the fastest of the FMA, bf16 dot and AMX peaks); bw %: its bytes "
          "(docs/counting.md) against the read bandwidth")
    if ratios:
        ahead = sum(1 for r, _ in ratios if r >= 1.0)
        worst = min(ratios)
        print(f"mlagen at or above PyTorch at {ahead} of {len(ratios)} points; slowest "
              f"{worst[0]:.2f}x ({worst[1]})")


if __name__ == "__main__":
    sys.exit(main())
