#!/usr/bin/env python3
"""Feeds mla-opt truncated and garbled versions of the examples.

Every variant must either be accepted (exit 0) or be rejected with a
diagnostic (exit 1 and "error:" on stderr); a signal, a crash report or any
other exit status fails the test. Variants that parse are also run through
the rewrite pipeline under the same rule. The variants come from a fixed seed,
so a failure reproduces; the offending input is written next to the report.
"""

import argparse
import concurrent.futures
import os
import random
import re
import subprocess
import sys

# Characters that make the parser and verifiers take unusual paths.
NOISE = list("<>[](){}%,:=x?\"#!@-.^ \n") + ["0", "1", "64", "-1", "?",
    "99999999999999999999", "4294967296", "bf16", "f32", "i32", "tensor<",
    "!mla.paged_cache<", "#mla.config<", "mla.latent_attention", "}"]


def truncations(text, rng, count):
    cuts = {len(text) * i // count for i in range(1, count)}
    cuts |= {rng.randrange(len(text)) for _ in range(count)}
    return [("truncate@%d" % c, text[:c]) for c in sorted(cuts)]


def garbles(text, rng, count):
    variants = []
    numbers = [m.span() for m in re.finditer(r"\b\d+\b", text)]
    for i in range(count):
        kind = i % 4
        pos = rng.randrange(len(text))
        if kind == 0:  # replace one character or token
            noise = rng.choice(NOISE)
            mutated = text[:pos] + noise + text[pos + 1:]
        elif kind == 1:  # delete a span
            end = min(len(text), pos + rng.randrange(1, 40))
            mutated = text[:pos] + text[end:]
        elif kind == 2:  # duplicate a span
            end = min(len(text), pos + rng.randrange(1, 80))
            mutated = text[:end] + text[pos:end] + text[end:]
        else:  # change a number: shapes, dims, page sizes
            start, end = rng.choice(numbers)
            value = rng.choice(["0", "1", "3", "7", "63", "65", "-1", "?",
                                "1048577", "99999999999999999999"])
            mutated = text[:start] + value + text[end:]
        variants.append(("garble%d@%d" % (kind, pos), mutated))
    return variants


def run(mla_opt, args, source):
    proc = subprocess.run([mla_opt, "-"] + args, input=source,
                          capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stderr


def check(mla_opt, name, source):
    """Returns a problem description, or None."""
    for args in ([], ["--mla-rewrite"]):
        code, stderr = run(mla_opt, args, source)
        if code == 0:
            continue
        if code != 1 or "error:" not in stderr or "Stack dump" in stderr:
            return "%s %s: exit %d\n%s" % (name, " ".join(args), code,
                                             stderr[-2000:])
        return None  # rejected cleanly; nothing further to run
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mla-opt", required=True)
    parser.add_argument("--out", required=True, help="folder for failures")
    parser.add_argument("--variants", type=int, default=120)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("examples", nargs="+")
    args = parser.parse_args()

    jobs = []
    for path in args.examples:
        with open(path) as f:
            text = f.read()
        rng = random.Random("%d:%s" % (args.seed, os.path.basename(path)))
        base = os.path.basename(path)
        half = args.variants // 2
        for name, source in truncations(text, rng, half) + garbles(text, rng, half):
            jobs.append(("%s:%s" % (base, name), source))

    os.makedirs(args.out, exist_ok=True)
    failures = 0
    accepted = 0
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        results = pool.map(lambda job: (job, check(args.mla_opt, *job)), jobs)
        for (name, source), problem in results:
            if problem is None:
                accepted += 1
                continue
            failures += 1
            path = os.path.join(args.out, "failure%d.mlir" % failures)
            with open(path, "w") as f:
                f.write(source)
            print("FAIL %s (input: %s)" % (problem, path))
    print("%d variants, %d handled cleanly, %d crashed or exited badly"
          % (len(jobs), accepted, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
