#!/usr/bin/env python3
"""Two builds of contsim must print the same bytes: for every shipped scenario,
`run --format json`, `run` (text) and, for the searches `contsim test` runs by
default, `explore --format json` (with its exit code) are compared between
build A and build B (in CI: Release -O2 and Debug -O0). A difference means
behaviour that depends on the optimiser: uninitialised memory, unspecified
evaluation order, a float, a pointer compared or hashed.

usage: check-build-identity.py CONTSIM_A CONTSIM_B
"""
import json
import pathlib
import subprocess
import sys
import os

# The text report fits COLUMNS when set: quoted outputs are the natural layout.
os.environ.pop("COLUMNS", None)

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(binary, args):
    p = subprocess.run([binary] + args, cwd=ROOT, capture_output=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    a, b = sys.argv[1], sys.argv[2]
    ra, rb = run(a, ["--version"]), run(b, ["--version"])
    if ra[1] != rb[1]:
        print(f"check-build-identity: the builds are of different trees: {ra[1]!r} vs {rb[1]!r}", file=sys.stderr)
        return 1
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios").rglob("*.json"))
    compared = differ = 0
    for f in files:
        cmds = [["run", f, "--format", "json"], ["run", f]]
        explore = json.loads((ROOT / f).read_text()).get("expect", {}).get("explore")
        if explore and not explore.get("slow"):
            cmds.append(["explore", f, "--format", "json"])
        for c in cmds:
            x, y = run(a, c), run(b, c)
            compared += 1
            if x != y:
                differ += 1
                print(f"DIFFER: contsim {' '.join(c)}: exit {x[0]} vs {y[0]}, "
                      f"stdout {len(x[1])} vs {len(y[1])} bytes, stderr {x[2][:200]!r} vs {y[2][:200]!r}")
    print(f"check-build-identity: {compared} outputs compared over {len(files)} scenarios, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
