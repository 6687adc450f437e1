#!/usr/bin/python3
"""The command examples in docs/*.md and docs/races/*.md are real runs: in every fenced block that
starts with "$ contsim ...", each command is run and every line quoted under it
must appear, in order, in what it prints now. A page may name the file its
commands call F with a comment "<!-- F = scenarios/... -->" before the block.

Run by CTest with the contsim binary as argument; --fix rewrites the quoted
"Explored:" and "Observation" lines (and a block that quotes a whole report)
from the real output. Prints one line per page and 'N passed, N failed'."""
import pathlib
import re
import shlex
import subprocess
import sys
import os

# The text report fits COLUMNS when set: quoted outputs are the natural layout.
os.environ.pop("COLUMNS", None)

root = pathlib.Path(__file__).resolve().parent.parent
contsim = sys.argv[1]
fix = "--fix" in sys.argv[2:]
F_DEF = re.compile(r"<!-- F = (\S+) -->")


def is_command(line):
    return line.startswith("$ contsim ") or line.startswith("$ ./build/contsim ")


def run(cmd, f):
    args = [f if a == "F" else a for a in shlex.split(cmd)[2:]]  # after "$ contsim" / "$ ./build/contsim"
    out = subprocess.run([contsim] + args, capture_output=True, text=True, cwd=root)
    lines = [l.rstrip() for l in (out.stdout + out.stderr).splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def check_block(lines, f, problems):
    """lines: the block's lines. Returns the fixed lines."""
    fixed = []
    i = 0
    while i < len(lines):
        if not is_command(lines[i]):
            fixed.append(lines[i])
            i += 1
            continue
        cmd = lines[i]
        j = i + 1
        while j < len(lines) and not lines[j].startswith("$ "):
            j += 1
        quoted = [l for l in lines[i + 1:j] if l.strip() and l.strip() != "..."]  # "...": lines left out
        full = run(cmd, f)
        real = [l for l in full if l]
        k = 0
        missing = None
        for q in quoted:
            while k < len(real) and real[k] != q.rstrip():
                k += 1
            if k == len(real):
                missing = q
                break
            k += 1
        if missing is not None:
            problems.append(f"{cmd}: no line '{missing.strip()[:70]}' (in order) in the real output")
        fixed.append(cmd)
        if any(q.startswith("Scenario:") for q in quoted):
            fixed.extend(full)
        else:
            for q in lines[i + 1:j]:
                prefix = next((p for p in ("Explored:", "Observation ") if q.startswith(p)), None)
                new = next((r for r in real if prefix and r.startswith(prefix)), None)
                fixed.append(new if new else q)
        i = j
    return fixed


passed = failed = 0
pages = [root / "README.md"] + sorted((root / "docs").glob("*.md")) + sorted((root / "docs" / "races").glob("*.md")) + sorted((root / "docs" / "labs").glob("*.md"))
for page in pages:
    text = page.read_text()
    if "\n$ contsim" not in text and "\n$ ./build/contsim" not in text:
        continue
    problems = []
    out, f = [], None
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = F_DEF.search(lines[i])
        if m:
            f = m.group(1)
        if lines[i].startswith("```") and i + 1 < len(lines) and is_command(lines[i + 1]):
            j = i + 1
            while not lines[j].startswith("```"):
                j += 1
            out.append(lines[i])
            out.extend(check_block(lines[i + 1:j], f, problems))
            i = j
            continue
        out.append(lines[i])
        i += 1
    if fix:
        page.write_text("\n".join(out))
    if problems:
        failed += 1
        print(f"FAIL {page.relative_to(root)}")
        for p in problems:
            print("  " + p)
    else:
        passed += 1
        print(f"ok   {page.relative_to(root)}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed and not fix else 0)
