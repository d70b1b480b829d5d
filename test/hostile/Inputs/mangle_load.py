#!/usr/bin/env python3
"""Feeds mla-run --load mutated copies of a saved step.

A step saved with --save is copied and mutated (manifest.json fields changed,
dropped, retyped or truncated; .npy headers and payloads truncated, garbled,
reshaped or retyped), then loaded with --verify. Every variant must either run
(exit 0, or 1 for a verify failure) or be refused with "error:" (exit 1); a
signal, a crash report, a hang (timeout) or any other exit status fails. The
mutations come from a fixed seed, so a failure reproduces; the offending
directory is kept under --out.
"""

import argparse
import concurrent.futures
import json
import os
import random
import shutil
import subprocess
import sys

VALUES = [0, 1, -1, 3, 64, 65, 2**31, 2**63, -2**63, 1e308, "x", "", None,
          True, [], {}, [1, 2], "bf16", "f32", "layer", "attention"]


def mutate_manifest(text, rng):
    data = json.loads(text)
    paths = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                paths.append(path + [key])
                walk(value, path + [key])
        elif isinstance(node, list):
            for i, value in enumerate(node):
                paths.append(path + [i])
                walk(value, path + [i])

    walk(data, [])
    kind = rng.randrange(4)
    if kind == 3:  # truncated text
        return text[:rng.randrange(len(text))], "manifest-truncated"
    path = rng.choice(paths)
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if kind == 0 and isinstance(parent, dict):
        del parent[path[-1]]
        return json.dumps(data), "manifest-drop-%s" % path
    parent[path[-1]] = rng.choice(VALUES)
    return json.dumps(data), "manifest-set-%s" % path


def mutate_npy(data, rng):
    kind = rng.randrange(4)
    if kind == 0:  # truncated
        return data[:rng.randrange(len(data))], "truncated"
    raw = bytearray(data)
    header_end = raw.find(b"\n") + 1
    if kind == 1:  # garbled header byte
        raw[rng.randrange(max(1, header_end))] = rng.randrange(256)
        return bytes(raw), "header-byte"
    if kind == 2:  # shape or dtype in the header
        header = raw[:header_end].decode("latin1")
        swaps = [("'<f4'", "'<f8'"), ("'<f4'", "'<i4'"), ("'<i4'", "'<f4'"),
                 ("(", "(0, "), ("(", "(99999999, "), ("), ", ",)"),
                 ("False", "True")]
        old, new = rng.choice(swaps)
        header = header.replace(old, new, 1)
        return header.encode("latin1") + bytes(raw[header_end:]), "header-field"
    for _ in range(8):  # payload: NaN, infinities, huge indices
        at = rng.randrange(header_end, max(header_end + 1, len(raw) - 4))
        raw[at:at + 4] = rng.choice([b"\x00\x00\xc0\x7f", b"\x00\x00\x80\x7f",
                                     b"\xff\xff\xff\x7f", b"\xff\xff\xff\xff"])
    return bytes(raw), "payload"


def variant(saved, out, index, rng):
    target = os.path.join(out, "v%03d" % index)
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(saved, target)
    files = sorted(os.listdir(target))
    name = rng.choice(files)
    path = os.path.join(target, name)
    with open(path, "rb") as f:
        data = f.read()
    if name == "manifest.json":
        data, what = mutate_manifest(data.decode(), rng)
        data = data.encode()
    else:
        data, what = mutate_npy(data, rng)
    with open(path, "wb") as f:
        f.write(data)
    return target, "%s %s" % (name, what)


def check(mla_run, target, what):
    try:
        proc = subprocess.run(
            [mla_run, "--backend=cpu", "--load=" + target, "--verify",
             "--iterations=1", "--warmup=0"],
            capture_output=True, text=True, errors="replace", timeout=120)
    except subprocess.TimeoutExpired:
        return "%s (%s): timed out" % (target, what), None
    outcome = None
    if proc.returncode == 0:
        outcome = "ran"
    elif proc.returncode == 1 and "error:" in proc.stderr:
        outcome = "refused"
    elif proc.returncode == 1 and "verify: FAIL" in proc.stdout:
        outcome = "failed verify"
    if outcome and "Stack dump" not in proc.stderr:
        shutil.rmtree(target, ignore_errors=True)
        return None, outcome
    return "%s (%s): exit %d\n%s" % (target, what, proc.returncode,
                                    proc.stderr[-2000:]), None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mla-run", required=True)
    parser.add_argument("--saved", required=True, help="a --save directory")
    parser.add_argument("--out", required=True, help="folder for variants")
    parser.add_argument("--variants", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261204)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    variants = [variant(args.saved, args.out, i, rng)
                for i in range(args.variants)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda v: check(args.mla_run, *v), variants))
    problems = [p for p, _ in results if p]
    for problem in problems:
        print(problem, file=sys.stderr)
    outcomes = [o for _, o in results if o]
    print("%d variants, %d handled cleanly, %d crashed or exited badly" %
          (len(variants), len(variants) - len(problems), len(problems)))
    print("(%d ran, %d refused, %d failed verify)" %
          (outcomes.count("ran"), outcomes.count("refused"),
           outcomes.count("failed verify")))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
