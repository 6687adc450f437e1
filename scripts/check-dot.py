#!/usr/bin/python3
"""`contsim run FILE --format dot [--at STEP]` draws graphs Graphviz accepts,
and draws the seed race's objects as the timeline says they are.

(1) Every scenario under scenarios/ (found as `contsim test scenarios` finds
them: every *.json file, recursively): `run FILE --format dot` and `run FILE
--format dot --at K`, K half the run's steps (`steps` of `--format json`),
each exit 0, deterministic (two runs, the same bytes), and `dot -Tsvg` of
each exit 0 with an <svg in its output. Two workers.
(2) The seed race (scenarios/attach-exit/v7-1-cs1-negative.json, schedule
a10b15a4b8a8b3): after step 41 CS1's count is 0 and CS1 is not red; after
step 42 it is -1 and red (the refcount-underflow finding); after step 29 T1
-> CS2 is labelled "container"; after step 48 T1 is dashed (freed). `--at`
past the end and `--at` with another format exit 2 with a message.

Usage: check-dot.py CONTSIM_BINARY. Prints one line per failure and
'N scenarios: N passed, N failed'; exit 1 on any failure."""
import concurrent.futures
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

# The sanitizer suite (CMake sets it): fewer processes per scenario.
SANITIZED = os.environ.get("CONTSIM_SANITIZED") == "1"

root = pathlib.Path(__file__).resolve().parent.parent
if len(sys.argv) != 2:
    sys.exit("usage: check-dot.py CONTSIM_BINARY")
contsim = str(pathlib.Path(sys.argv[1]).resolve())
DOT = shutil.which("dot")
if not DOT:
    sys.exit("check-dot.py: Graphviz `dot` is not on PATH")
TIMEOUT = 60
SEED = "scenarios/attach-exit/v7-1-cs1-negative.json"
SEED_TOKEN = "a10b15a4b8a8b3"


def run(args):
    return subprocess.run([contsim] + args, cwd=root, capture_output=True, text=True, timeout=TIMEOUT)


def render(*graphs):
    """None when `dot -Tsvg` accepts the graphs (one call for all: a process
    costs more than the layout), else why not."""
    p = subprocess.run([DOT, "-Tsvg"], input="".join(graphs), capture_output=True, text=True, timeout=TIMEOUT)
    if p.returncode != 0:
        return f"dot -Tsvg exited {p.returncode}: {p.stderr.strip()[:200]}"
    if p.stdout.count("<svg") != len(graphs):
        return f"dot -Tsvg printed {p.stdout.count('<svg')} <svg for {len(graphs)} graphs"
    return None


def check_scenario(rel):
    """The problems of one scenario (empty: it passed) and its graphs, as
    (what, text), for render_chunk()."""
    problems = []
    graphs = []
    try:
        if SANITIZED:
            steps = 2  # under ASan each process costs: no json run, no second run (the release suite has them)
        else:
            j = run(["run", rel, "--format", "json"])
            if j.returncode not in (0, 1):
                return [f"run --format json exited {j.returncode}: {j.stderr.strip()[:200]}"], []
            steps = json.loads(j.stdout)["steps"]
        variants = [[], ["--at", str(steps // 2)]]
        for extra in variants:
            what = "--format dot" + (" " + " ".join(extra) if extra else "")
            first = run(["run", rel, "--format", "dot"] + extra)
            if first.returncode != 0:
                problems.append(f"{what} exited {first.returncode}: {first.stderr.strip()[:200]}")
                continue
            if not first.stdout.startswith("digraph "):
                problems.append(f"{what}: output is not a digraph")
            if not extra and not SANITIZED:  # the same bytes twice (the --at run is itself two runs)
                again = run(["run", rel, "--format", "dot"] + extra)
                if again.stdout != first.stdout:
                    problems.append(f"{what}: two runs printed different graphs")
            graphs.append((what, first.stdout))
    except subprocess.TimeoutExpired as e:
        problems.append(f"timed out: {' '.join(e.cmd[1:])}")
    except (ValueError, KeyError) as e:
        problems.append(f"run --format json: unreadable report ({e})")
    return problems, graphs


def render_chunk(chunk):
    """Render (rel, what, text) graphs in one `dot` call; on a failure, each
    alone to name it. Returns (rel, problem) pairs."""
    if not render(*(g for _, _, g in chunk)):
        return []
    out = []
    for rel, what, g in chunk:
        bad = render(g)
        if bad:
            out.append((rel, f"{what}: {bad}"))
    return out


# --- the graph, parsed back ---------------------------------------------------

ID = r'"((?:[^"\\]|\\.)*)"'
NODE = re.compile(r"^\s*" + ID + r"\s*\[(.*)\];\s*$")
EDGE = re.compile(r"^\s*" + ID + r"\s*->\s*" + ID + r"\s*\[(.*)\];\s*$")
ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\s\]]+)')


def unquote(s):
    if s.startswith('"') and s.endswith('"'):
        s = s[1:-1]
    return re.sub(r"\\(.)", lambda m: m.group(1), s)


def attrs(text):
    """Attribute values unquoted; a label keeps its escapes ("\\l" ends a line)."""
    return {k: (v[1:-1] if k == "label" and v.startswith('"') else unquote(v)) for k, v in ATTR.findall(text)}


def parse(dot_text):
    nodes, edges = {}, []
    for line in dot_text.splitlines():
        m = EDGE.match(line)
        if m:
            edges.append((unquote('"' + m.group(1) + '"'), unquote('"' + m.group(2) + '"'), attrs(m.group(3))))
            continue
        m = NODE.match(line)
        if m:
            nodes[unquote('"' + m.group(1) + '"')] = attrs(m.group(2))
    return nodes, edges


def label_lines(a):
    """A node label's lines (the graph writes them "\\l"-terminated)."""
    raw = a.get("label", "")
    lines = [""]
    for m in re.finditer(r"\\(.)|(.)", raw, re.S):
        if m.group(1) is not None and m.group(1) in "lnr":
            lines.append("")
        else:
            lines[-1] += m.group(1) if m.group(1) is not None else m.group(2)
    return [l for l in lines if l]


def seed_dot(at):
    p = run(["run", SEED, "--schedule", SEED_TOKEN, "--format", "dot", "--at", str(at)])
    if p.returncode != 0:
        raise RuntimeError(f"--at {at} exited {p.returncode}: {p.stderr.strip()[:200]}")
    bad = render(p.stdout)
    if bad:
        raise RuntimeError(f"--at {at}: {bad}")
    return parse(p.stdout)


def check_seed():
    """The seed race's exact assertions: a list of problems."""
    problems = []

    def expect(cond, msg):
        if not cond:
            problems.append(msg)

    # The step numbers the assertions rely on, as the run itself prints them.
    try:
        j = json.loads(run(["run", SEED, "--schedule", SEED_TOKEN, "--format", "json"]).stdout)
    except (ValueError, subprocess.TimeoutExpired) as e:
        return [f"run --format json: no report ({e})"]
    trace = {(e["step"], e.get("object")): e for e in j["trace"]}
    e42 = trace.get((42, "CS1->count"), {})
    expect(e42.get("before") == "0" and e42.get("after") == "-1",
           f"timeline: step 42 is not CS1->count 0 -> -1 ({e42 or 'no such step'})")
    e29 = trace.get((29, "T1->container"), {})
    expect(e29.get("after") == "CS2", f"timeline: step 29 does not set T1->container = CS2 ({e29 or 'no such step'})")
    e48 = trace.get((48, "T1"), {})
    expect(e48.get("access") == "free", f"timeline: step 48 does not free T1 ({e48 or 'no such step'})")
    expect(j["steps"] == 48, f"timeline: {j['steps']} steps, not 48")
    expect(any(f["kind"] == "refcount-underflow" and f["step"] == 42 for f in j["findings"]),
           "timeline: no refcount-underflow finding at step 42")

    try:
        nodes, _ = seed_dot(41)
        cs1 = nodes.get("CS1")
        expect(cs1 is not None, "--at 41: no node CS1")
        if cs1:
            expect("count = 0" in label_lines(cs1), f"--at 41: CS1's label has no 'count = 0': {label_lines(cs1)}")
            expect(cs1.get("color") != "red", "--at 41: CS1 is red before the underflow")

        nodes, _ = seed_dot(42)
        cs1 = nodes.get("CS1")
        expect(cs1 is not None, "--at 42: no node CS1")
        if cs1:
            expect("count = -1" in label_lines(cs1), f"--at 42: CS1's label has no 'count = -1': {label_lines(cs1)}")
            expect(cs1.get("color") == "red" and cs1.get("penwidth") == "2",
                   f"--at 42: CS1 is not highlighted (color={cs1.get('color')}, penwidth={cs1.get('penwidth')})")
        cs2 = nodes.get("CS2")
        expect(cs2 is not None and cs2.get("color") != "red", "--at 42: CS2 missing or red (no finding names it yet)")

        nodes, edges = seed_dot(29)
        expect(any(f == "T1" and t == "CS2" and a.get("label") == "container" for f, t, a in edges),
               "--at 29: no edge T1 -> CS2 labelled container: "
               + str([(f, t, a.get("label")) for f, t, a in edges if f == "T1"]))
        expect(not any(f == "T1" and t == "CS1" and a.get("label") == "container" for f, t, a in edges),
               "--at 29: T1 -> CS1 [container] still drawn")
        t1 = nodes.get("T1")
        expect(t1 is not None and "dashed" not in t1.get("style", ""),
               "--at 29: T1 missing or dashed before it is freed")

        nodes, _ = seed_dot(47)
        t1 = nodes.get("T1")
        expect(t1 is not None and "dashed" not in t1.get("style", ""), "--at 47: T1 missing or dashed before step 48")
        nodes, _ = seed_dot(48)
        t1 = nodes.get("T1")
        expect(t1 is not None and "dashed" in t1.get("style", ""), f"--at 48: T1 is not dashed: {t1}")
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        problems.append(str(e))

    # Bad --at: exit 2, a message on stderr, nothing on stdout.
    p = run(["run", SEED, "--schedule", SEED_TOKEN, "--format", "dot", "--at", "49"])
    expect(p.returncode == 2 and "--at" in p.stderr and p.stdout == "",
           f"--at 49 (past the end): exit {p.returncode}, stderr {p.stderr.strip()!r}")
    for fmt in ("text", "json", "chrome-trace"):
        p = run(["run", SEED, "--schedule", SEED_TOKEN, "--format", fmt, "--at", "10"])
        expect(p.returncode == 2 and "--at" in p.stderr and p.stdout == "",
               f"--at with --format {fmt}: exit {p.returncode}, stderr {p.stderr.strip()!r}")
    return problems


def main():
    start = time.monotonic()
    files = sorted(str(p.relative_to(root)) for p in (root / "scenarios").rglob("*.json") if p.is_file())
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        seed = pool.submit(check_seed)
        results = dict(zip(files, pool.map(check_scenario, files)))
        problems = {rel: list(results[rel][0]) for rel in files}
        graphs = [(rel, what, g) for rel in files for what, g in results[rel][1]]
        chunks = [graphs[i:i + 24] for i in range(0, len(graphs), 24)]
        for chunk_problems in pool.map(render_chunk, chunks):
            for rel, pr in chunk_problems:
                problems[rel].append(pr)
        seed_problems = seed.result()
    failed = 0
    for rel in files:
        if problems[rel]:
            failed += 1
            for pr in problems[rel]:
                print(f"FAIL {rel}: {pr}")
    for pr in seed_problems:
        print(f"FAIL seed race ({SEED} --schedule {SEED_TOKEN}): {pr}")
    print(f"seed race: {'ok' if not seed_problems else f'{len(seed_problems)} failed'}")
    print(f"time: {time.monotonic() - start:.1f} s")
    print(f"{len(files)} scenarios: {len(files) - failed} passed, {failed} failed")
    sys.exit(1 if failed or seed_problems or not files else 0)


main()
