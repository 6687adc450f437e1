#!/usr/bin/python3
"""Every page in docs/races/ (not README.md) has a "## Try it" section whose
first "$ contsim run scenarios/....json" command names the page's main
scenario. For each page this prints that scenario and the number of rows of
its focused timeline (`contsim run FILE --focus --width N`, from the first
header line — "step  CPU0", or "CPU0  (pid" in the narrow lanes layout — to
the last row before the blank line that ends the timeline) at widths 80 and 100.

A focused timeline is meant to fit a screen: a page fails when it has no Try
it section, names no scenario there, or its timeline has more than 40 rows
at width 80. (Whether the quoted block is the real output is
check-doc-commands.py's job.)

Usage: scripts/race-try-it.py CONTSIM. Prints one line per page and a closing
'N passed, N failed' line; exits 1 if any page failed."""
import os
import pathlib
import re
import subprocess
import sys

# The text report fits COLUMNS when set: --width alone must decide the layout.
os.environ.pop("COLUMNS", None)

MAX_ROWS = 40
WIDTHS = (80, 100)
root = pathlib.Path(__file__).resolve().parent.parent
if len(sys.argv) < 2:
    sys.exit(__doc__)
contsim = os.path.abspath(sys.argv[1])
RUN = re.compile(r"^\$ contsim run (scenarios/\S+\.json)")


def try_it(text):
    """The lines of the page's "## Try it" section, or None."""
    lines = text.split("\n")
    fence = False
    start = None
    for k, line in enumerate(lines):
        if line.startswith("```"):
            fence = not fence
        elif not fence and line.startswith("## "):
            if start is not None:
                return lines[start:k]
            if line.strip() == "## Try it":
                start = k + 1
    return lines[start:] if start is not None else None


def rows(scenario, width):
    """Rows of the focused timeline at this width, or an error string."""
    out = subprocess.run([contsim, "run", scenario, "--focus", "--width", str(width)],
                         capture_output=True, text=True, cwd=root)
    lines = out.stdout.splitlines()
    # Columns: the "step  CPU0 ..." header; lanes (narrow): a "CPU0  (pid ...)" line per CPU first.
    head = next((k for k, l in enumerate(lines) if l.startswith("step  CPU0") or re.match(r"^CPU0 +\(pid", l)), None)
    if head is None:
        return f"no timeline (exit {out.returncode}: {(out.stderr or out.stdout).strip()[:80]})"
    end = head
    while end < len(lines) and lines[end].strip():
        end += 1
    return end - head


passed = failed = 0
for page in sorted((root / "docs" / "races").glob("*.md")):
    if page.name == "README.md":
        continue
    rel = page.relative_to(root)
    section = try_it(page.read_text())
    problem = None
    main = None
    counts = {}
    if section is None:
        problem = "no '## Try it' section"
    else:
        main = next((m.group(1) for m in map(RUN.match, section) if m), None)
        if main is None:
            problem = "its Try it section runs no '$ contsim run scenarios/....json'"
        elif not (root / main).is_file():
            problem = f"{main}: no such file"
    if problem is None:
        counts = {w: rows(main, w) for w in WIDTHS}
        bad = [f"width {w}: {c}" for w, c in counts.items() if isinstance(c, str)]
        if bad:
            problem = "; ".join(bad)
        elif counts[80] > MAX_ROWS:
            problem = f"{counts[80]} rows at width 80 (more than {MAX_ROWS})"
    shown = "  ".join(f"{w}:{counts[w]:>3}" for w in WIDTHS if isinstance(counts.get(w), int))
    if problem:
        failed += 1
        print(f"FAIL {rel}  {main or '-'}  {shown}".rstrip())
        print(f"  {problem}")
    else:
        passed += 1
        print(f"ok   {rel}  {main}  {shown}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
