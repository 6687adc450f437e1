#!/usr/bin/python3
"""The shipped corpus as CI runs it: `contsim test scenarios/ --jobs 2 --junit
FILE` must pass, and the JUnit report must be well-formed XML whose counts
agree with the summary line. Usage: check-corpus.py CONTSIM JUNIT_FILE [--slow]."""
import pathlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import os

# The text report fits COLUMNS when set: quoted outputs are the natural layout.
os.environ.pop("COLUMNS", None)

root = pathlib.Path(__file__).resolve().parent.parent
contsim, junit = (str(pathlib.Path(a).resolve()) for a in sys.argv[1:3])
extra = sys.argv[3:]
p = subprocess.run([contsim, "test", "scenarios", "--jobs", "2", "--junit", junit] + extra,
                   cwd=root, capture_output=True, text=True)
lines = p.stdout.splitlines()
print("\n".join(l for l in lines if not l.startswith("ok ")))
if p.returncode != 0:
    print(p.stderr, end="")
    sys.exit(f"contsim test exited {p.returncode}")
m = re.match(r"(\d+) scenarios: (\d+) passed, (\d+) failed(?:; (\d+) search)?", lines[-1])
if not m:
    sys.exit("no summary line: " + lines[-1])
suite = ET.parse(junit).getroot().find("testsuite")
cases = suite.findall("testcase")
failures = sum(1 for c in cases if c.find("failure") is not None)
skipped = sum(1 for c in cases if c.find("skipped") is not None)
names = {(c.get("classname"), c.get("name").rsplit(" ", 1)[0]) for c in cases}
problems = []
if int(suite.get("tests")) != len(cases):
    problems.append(f"tests={suite.get('tests')} but {len(cases)} testcase elements")
if int(suite.get("failures")) != failures or failures != int(m.group(3)):
    problems.append(f"failures: attribute {suite.get('failures')}, elements {failures}, summary {m.group(3)}")
if int(suite.get("skipped")) != skipped or skipped != int(m.group(4) or 0):
    problems.append(f"skipped: attribute {suite.get('skipped')}, elements {skipped}, summary {m.group(4) or 0}")
if len(names) != int(m.group(1)):
    problems.append(f"{len(names)} scenarios in the JUnit report, {m.group(1)} in the summary")
for pr in problems:
    print("FAIL " + pr)
sys.exit(1 if problems else 0)
