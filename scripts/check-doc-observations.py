#!/usr/bin/python3
"""The explore verdicts quoted in docs/races/*.md are the tool's own: every
"Observation NAME VERDICT P N" line (the litmus-style summary `contsim explore`
prints) must equal the one a default `contsim explore` of the scenario whose
"name" is NAME prints now.

Run by CTest with the contsim binary as argument. Prints one line per page
and a closing 'N passed, N failed' line."""
import json
import pathlib
import re
import subprocess
import sys
import os

# The text report fits COLUMNS when set: quoted outputs are the natural layout.
os.environ.pop("COLUMNS", None)

root = pathlib.Path(__file__).resolve().parent.parent
contsim = sys.argv[1]
by_name = {}
for p in sorted((root / "scenarios").rglob("*.json")):
    by_name.setdefault(json.loads(p.read_text())["name"], p)
OBS = re.compile(r"Observation ([\w.-]+) (Sometimes|Never|Always) (\d+) (\d+)")
cache = {}


def observed(name):
    if name not in cache:
        out = subprocess.run([contsim, "explore", str(by_name[name])], capture_output=True, text=True).stdout
        m = OBS.search(out)
        cache[name] = m.group(0) if m else "(no Observation line)"
    return cache[name]


passed = failed = 0
for page in sorted((root / "docs" / "races").glob("*.md")):
    problems = []
    for m in OBS.finditer(page.read_text()):
        name = m.group(1)
        if name not in by_name:
            problems.append(f"no scenario named {name}")
        elif observed(name) != m.group(0):
            problems.append(f"quotes '{m.group(0)}', explore prints '{observed(name)}'")
    if problems:
        failed += 1
        print(f"FAIL {page.relative_to(root)}")
        for p in problems:
            print("  " + p)
    else:
        passed += 1
        print(f"ok   {page.relative_to(root)}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
