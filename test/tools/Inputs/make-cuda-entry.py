"""Writes a tuning file holding one CUDA entry, as mla-tune --backend=cuda
would store it, for the key mla-run looked up and found no entry for (its
"no tuning entry for <key>" line, read from the file given first): the same
code hash, model and mode, on a GPU of that name with the given SMs,
driver and NVRTC, at the given bucket, holding the given variant.

usage: make-cuda-entry.py RUN_LOG OUT.json --sms N --batch B --length L
                          --variant TEXT
"""

import argparse
import json
import re
import sys


def looked_up_key(log):
    for line in log.splitlines():
        found = re.search(r"no tuning entry for (.*)\)$", line)
        if found:
            return found.group(1)
    sys.exit("make-cuda-entry: no 'no tuning entry for' line in the log")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("out")
    parser.add_argument("--sms", type=int, required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--length", type=int, required=True)
    parser.add_argument("--variant", required=True)
    args = parser.parse_args()
    with open(args.log) as f:
        key = looked_up_key(f.read())
    # "cuda NAME, TARGET | code HASH | MODEL | MODE, page P | batch ..."
    device, code, model, mode_page, _bucket = key.split(" | ")
    name, target = device[len("cuda "):].rsplit(", ", 1)
    mode, page = re.fullmatch(r"(\w+), page (\d+)", mode_page).groups()
    tokens = int(re.search(r"(\d+) query token", key).group(1))
    entry = {
        "device": {"kind": "cuda", "name": name, "units": args.sms,
                   "detail": target + ", driver 13.0, nvrtc 13.0"},
        "code": code[len("code "):],
        "model": model,
        "mode": mode,
        "page_size": int(page),
        "batch": args.batch,
        "length": args.length,
        "query_tokens": tokens,
        "variant": args.variant,
        "seconds": 1e-5,
        "spread": 1e-7,
        "default_variant": "",
        "default_seconds": 1.2e-5,
        "measured": "2026-12-07T00:00:00Z",
    }
    with open(args.out, "w") as f:
        json.dump({"format": "mlagen-tune-db", "version": 1,
                   "entries": [entry]}, f, indent=2)


main()
