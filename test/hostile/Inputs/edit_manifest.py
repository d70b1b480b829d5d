"""Edits a saved step's manifest.json in place: each argument after the
directory is a Python statement run with the manifest as `m` and a helper
`array(name)` giving that array's entry."""
import json
import sys

path = sys.argv[1] + "/manifest.json"
with open(path) as f:
    m = json.load(f)


def array(name):
    return next(a for a in m["arrays"] if a["name"] == name)


for statement in sys.argv[2:]:
    exec(statement)
with open(path, "w") as f:
    json.dump(m, f, indent=2)
