#!/usr/bin/python3
"""The timelines and findings quoted in docs/races/*.md are the tool's own
output: every timeline row (step number, CPU column, text) and every "BUG:"
line in a code block must appear in the `contsim run` output of one of the
scenarios the page names (by file name or glob). Pages trim rows and may
narrow columns, so a row matches when its step number and column agree and
one text starts with the other.

Run by CTest with the contsim binary as argument. Prints one line per page
and a closing 'N passed, N failed' line."""
import glob
import os
import pathlib
import re
import subprocess
import sys

# The text report fits COLUMNS when set: quoted outputs are the natural layout.
os.environ.pop("COLUMNS", None)

root = pathlib.Path(__file__).resolve().parent.parent
contsim = sys.argv[1]
by_name = {p.name: p for p in (root / "scenarios").rglob("*.json")}
ROW = re.compile(r"^\s*(\d+)  (.*)$")


def cell(content):
    """(column index, text) of the row's first non-empty cell."""
    cells = [c.strip() for c in (content + " ").split(" | ")]
    for i, c in enumerate(cells):
        if c:
            return i, c
    return None, ""


def scenarios_of(text):
    found = {by_name[os.path.basename(n)] for n in re.findall(r"[\w/.-]+\.json", text) if os.path.basename(n) in by_name}
    for g in re.findall(r"scenarios/[\w/.*-]*\*[\w.*-]*\.json", text):
        found.update(pathlib.Path(p) for p in glob.glob(str(root / g)))
    return sorted(found)


def code_blocks(lines):
    block = None
    for line in lines:
        if line.startswith("```"):
            if block is None:
                block = []
            else:
                yield block
                block = None
        elif block is not None:
            block.append(line)


passed = failed = 0
for page in sorted((root / "docs/races").glob("*.md")):
    text = page.read_text()
    outputs = [subprocess.run([contsim, "run", str(s)], capture_output=True, text=True, cwd=root).stdout
               for s in scenarios_of(text)]
    runs = []  # per scenario: its timeline rows
    out_lines = set()
    for o in outputs:
        rows = set()
        for line in o.splitlines():
            out_lines.add(line.strip())
            m = ROW.match(line)
            if m:
                rows.add((int(m.group(1)),) + cell(m.group(2)))
        runs.append(rows)

    def found(rows, step, col, txt):
        return any(s == step and c == col and (t == txt or min(len(t), len(txt)) >= 10
                                                 and (t.startswith(txt) or txt.startswith(t)))
                   for s, c, t in rows)

    errors = []
    for block in code_blocks(text.split("\n")):
        if block and block[0].startswith(("$ contsim ", "$ ./build/contsim ")):
            continue  # a command's own output (--focus, --width): check-doc-commands.py runs it verbatim
        timeline = any(line.startswith("step  CPU0") for line in block)
        wanted = []
        for line in block:
            m = ROW.match(line) if timeline else None
            if m:
                wanted.append((int(m.group(1)),) + cell(m.group(2)))
            elif line.strip().startswith(("BUG:", "WARNING:")) and line.strip() not in out_lines:
                errors.append(f"finding not in any run: {line.strip()[:90]!r}")
        if not wanted:
            continue
        steps = [w[0] for w in wanted]
        if steps != sorted(steps) or len(set(steps)) != len(steps):
            errors.append(f"timeline steps out of order: {steps}")
        # The whole timeline is one run: the scenario that has the most of its rows.
        best = max(runs, key=lambda rows: sum(found(rows, *w) for w in wanted), default=set())
        for step, col, txt in wanted:
            if not found(best, step, col, txt):
                errors.append(f"no step {step} in column {col} reading {txt[:50]!r}")
    rel = page.relative_to(root)
    if errors:
        failed += 1
        print(f"FAIL {rel}")
        for e in errors:
            print(f"  {e}")
    else:
        passed += 1
        print(f"ok   {rel}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
