#!/usr/bin/python3
"""`contsim run FILE --format chrome-trace` writes a Trace Event Format
document a viewer (Perfetto, chrome://tracing) can load, for every scenario.

Usage: check-chrome-trace.py CONTSIM [SCENARIO_OR_DIR...]

Without paths: every *.json under scenarios/ that `contsim check` accepts.
For each scenario the run must exit 0 and print one JSON object whose
"traceEvents" list a viewer can take: every event has a string name, a
phase, a pid and a tid; every event but metadata a numeric ts >= 0; complete
slices ("X") a numeric dur >= 0, and on each track they nest (no partial
overlap; of two that start together, the longer comes first); every flow id has one start ("s") and one end ("f", bound to its
enclosing slice), the start not after the end, both inside a slice on their
track; counters carry numbers only; instants a valid scope; and metadata
names every process and thread used. On the seed race of
scenarios/attach-exit/v7-1-cs1-negative.json (the nearest feasible order,
--schedule a10b15a4b8a8b3) it also checks exact facts: CS1->count's samples
are 1, 0, -1; the refcount-underflow instant is at step 42 on CPU0's track;
a flow joins the two T1->container accesses that race (steps 25 and 29).

Prints one line per problem ("FILE: problem") and a summary line
"N scenarios: N passed, N failed"; exits 1 if any failed."""
import concurrent.futures
import json
import numbers
import os
import pathlib
import re
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
# The report must not depend on the terminal: run without COLUMNS.
env = dict(os.environ)
env.pop("COLUMNS", None)

KNOWN = root / "scenarios/attach-exit/v7-1-cs1-negative.json"
KNOWN_SCHEDULE = "a10b15a4b8a8b3"
STEP_US = 1000  # one step: ts = step * 1000
PHASES = set("BEXiIbenstfCMPONDR") | {"(", ")"}
TIMEOUT = 60


def is_number(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def discover(contsim, args):
    if args:
        files = []
        for a in args:
            p = pathlib.Path(a).resolve()  # contsim runs in the source tree
            files.extend(sorted(p.rglob("*.json")) if p.is_dir() else [p])
        return files
    candidates = sorted((root / "scenarios").rglob("*.json"))
    # What `contsim check` accepts is a scenario; anything else under
    # scenarios/ (a schema, a fixture of another kind) is not one.
    p = subprocess.run([contsim, "check"] + [str(c) for c in candidates], capture_output=True, text=True,
                       env=env, cwd=root, timeout=TIMEOUT)
    ok = {m.group(1) for m in re.finditer(r"^(.*): ok(?: \(with warnings\))?$", p.stdout, re.M)}
    found = [c for c in candidates if str(c) in ok]
    # The sanitizer suite (CMake sets CONTSIM_SANITIZED): every other
    # scenario, as each process costs there; the release suite checks them all.
    return found[::2] if os.environ.get("CONTSIM_SANITIZED") == "1" else found


def run_trace(contsim, path, extra=()):
    """(document, problems) of one run."""
    cmd = [contsim, "run", str(path), "--format", "chrome-trace", *extra]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=root, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, [f"timed out after {TIMEOUT} s: {' '.join(cmd[1:])}"]
    if p.returncode != 0:
        err = (p.stderr.strip().splitlines() or [""])[-1]
        return None, [f"exit status {p.returncode} (expected 0): {err}"]
    try:
        return json.loads(p.stdout), []
    except ValueError as e:
        return None, [f"output is not JSON: {e}"]


def check_format(doc):
    """What a viewer needs of the document: a list of problems."""
    problems = []
    if not isinstance(doc, dict):
        return ["the document is not a JSON object"]
    events = doc.get("traceEvents")
    if not isinstance(events, list):
        return ["no traceEvents list"]
    if "displayTimeUnit" in doc and doc["displayTimeUnit"] not in ("ms", "ns"):
        problems.append(f"displayTimeUnit {doc['displayTimeUnit']!r} is neither 'ms' nor 'ns'")

    slices = {}  # (pid, tid) -> [(ts, end, index)]
    flows = {}  # id -> {"s": [...], "f": [...], "t": [...]}
    used_tracks, used_pids = set(), set()
    thread_names, process_names = set(), set()
    for i, e in enumerate(events):
        where = f"traceEvents[{i}]"
        if not isinstance(e, dict):
            problems.append(f"{where} is not an object")
            continue
        bad = False
        if not isinstance(e.get("name"), str):
            problems.append(f"{where}: name is not a string")
            bad = True
        ph = e.get("ph")
        if not isinstance(ph, str) or ph not in PHASES:
            problems.append(f"{where}: ph {ph!r} is not a phase")
            bad = True
        for k in ("pid", "tid"):
            if not is_number(e.get(k)):
                problems.append(f"{where}: {k} is missing or not a number")
                bad = True
        if bad:
            continue
        where = f"{where} ({ph} {e['name']!r})"
        track = (e["pid"], e["tid"])
        if ph == "M":
            args = e.get("args")
            if e["name"] in ("thread_name", "process_name"):
                if not isinstance(args, dict) or not isinstance(args.get("name"), str):
                    problems.append(f"{where}: args.name is not a string")
                elif e["name"] == "thread_name":
                    thread_names.add(track)
                else:
                    process_names.add(e["pid"])
            if e["name"] in ("thread_sort_index", "process_sort_index"):
                if not isinstance(args, dict) or not is_number(args.get("sort_index")):
                    problems.append(f"{where}: args.sort_index is not a number")
            continue
        used_tracks.add(track)
        used_pids.add(e["pid"])
        ts = e.get("ts")
        if not is_number(ts) or ts < 0:
            problems.append(f"{where}: ts {ts!r} is not a number >= 0")
            continue
        if ph == "X":
            dur = e.get("dur")
            if not is_number(dur) or dur < 0:
                problems.append(f"{where}: dur {dur!r} is not a number >= 0")
                continue
            slices.setdefault(track, []).append((ts, ts + dur, i))
        elif ph in "stf":
            if "id" not in e:
                problems.append(f"{where}: a flow event without an id")
                continue
            flows.setdefault(json.dumps(e["id"]), {"s": [], "t": [], "f": []})[ph].append(e)
        elif ph == "C":
            args = e.get("args")
            if not isinstance(args, dict) or not args:
                problems.append(f"{where}: a counter without args")
            elif not all(is_number(v) for v in args.values()):
                problems.append(f"{where}: counter args {args} are not all numbers")
        elif ph in "iI":
            if e.get("s") not in ("t", "p", "g"):
                problems.append(f"{where}: instant scope s={e.get('s')!r} is not 't', 'p' or 'g'")

    # Complete slices on one track nest: a slice that starts inside another
    # ends inside it too. Taken as a viewer does (by ts, ties in file order,
    # a slice closed once a later one starts at or after its end), so a
    # parent must also come before a child that starts at the same ts.
    for track, ss in sorted(slices.items()):
        ss.sort(key=lambda s: (s[0], s[2]))
        stack = []
        for ts, end, i in ss:
            while stack and stack[-1][1] <= ts:
                stack.pop()
            if stack and end > stack[-1][1]:
                pts, pend, pi = stack[-1]
                how = ("starts with it but is longer, and comes after it" if pts == ts
                       else "overlaps it without nesting in it")
                problems.append(f"pid {track[0]} tid {track[1]}: slice traceEvents[{i}] [{ts}, {end}] {how}: "
                                f"traceEvents[{pi}] [{pts}, {pend}]")
                continue
            stack.append((ts, end, i))

    def in_slice(e):
        return any(ts <= e["ts"] <= end for ts, end, _ in slices.get((e["pid"], e["tid"]), []))

    for fid, ends in sorted(flows.items()):
        s, f = ends["s"], ends["f"]
        if len(s) != 1 or len(f) != 1:
            problems.append(f"flow id {fid}: {len(s)} start (s) and {len(f)} end (f) events, expected one of each")
            continue
        s, f = s[0], f[0]
        if (s.get("cat"), s["name"]) != (f.get("cat"), f["name"]):
            problems.append(f"flow id {fid}: start and end differ in cat or name (a viewer pairs them by both)")
        if s["ts"] > f["ts"]:
            problems.append(f"flow id {fid}: starts at {s['ts']}, after its end at {f['ts']}")
        if f.get("bp") != "e":
            problems.append(f"flow id {fid}: the end is not bound to its enclosing slice (bp 'e')")
        for e in [s, f] + ends["t"]:
            if not in_slice(e):
                problems.append(f"flow id {fid}: the {e['ph']} event at ts {e['ts']} on tid {e['tid']} lies in no slice")

    for track in sorted(used_tracks - thread_names):
        problems.append(f"pid {track[0]} tid {track[1]} has events but no thread_name metadata")
    for pid in sorted(used_pids - process_names):
        problems.append(f"pid {pid} has events but no process_name metadata")
    return problems


def check_known(doc):
    """Exact facts of the seed race's nearest feasible order."""
    problems = []
    events = doc["traceEvents"]
    tids = {e["args"]["name"].split(" ")[0]: e["tid"] for e in events
            if e.get("ph") == "M" and e.get("name") == "thread_name"}
    if "CPU0" not in tids or "CPU1" not in tids:
        return [f"no thread_name metadata for CPU0 and CPU1 (have {sorted(tids)})"]

    samples = [e["args"].get("value") for e in sorted((e for e in events if e.get("ph") == "C"
                                                        and e.get("name") == "CS1->count"), key=lambda e: e["ts"])]
    if samples != [1, 0, -1]:
        problems.append(f"CS1->count counter samples are {samples}, expected [1, 0, -1]")

    def step_slice(step, cpu):
        return [e for e in events if e.get("ph") == "X" and e["tid"] == tids[cpu]
                and isinstance(e.get("args"), dict) and e["args"].get("step") == step]

    s42 = step_slice(42, "CPU0")
    if len(s42) != 1 or s42[0]["ts"] != 42 * STEP_US:
        problems.append(f"no single step-42 slice at ts {42 * STEP_US} on CPU0's track (found {len(s42)})")
    under = [e for e in events if e.get("ph") in ("i", "I") and e.get("name") == "refcount-underflow"]
    if not any(e["ts"] == 42 * STEP_US and e["tid"] == tids["CPU0"] and e.get("s") == "t" for e in under):
        problems.append("no refcount-underflow instant at step 42's ts on CPU0's track "
                        f"(found at {[(e['ts'], e['tid'], e.get('s')) for e in under]})")

    # The race: CPU1 reads T1->container at step 25 (container_exit), CPU0
    # writes it at step 29 (attach_task's rcu_assign_pointer).
    def inside(e, sl):
        return any(x["ts"] <= e["ts"] <= x["ts"] + x["dur"] for x in sl)

    read, write = step_slice(25, "CPU1"), step_slice(29, "CPU0")
    for sl, what in ((read, "step 25 on CPU1"), (write, "step 29 on CPU0")):
        if len(sl) != 1 or sl[0]["args"].get("cell") != "T1->container":
            problems.append(f"{what} is not one slice of a T1->container access")
    starts = {json.dumps(e["id"]): e for e in events if e.get("ph") == "s"}
    found = False
    for e in events:
        if e.get("ph") != "f" or json.dumps(e.get("id")) not in starts:
            continue
        s = starts[json.dumps(e["id"])]
        if (s["tid"] == tids["CPU1"] and e["tid"] == tids["CPU0"] and inside(s, read) and inside(e, write)):
            found = True
    if not found:
        problems.append("no flow from CPU1's read of T1->container (step 25) to CPU0's write of it (step 29)")
    return problems


def check_one(contsim, path):
    doc, problems = run_trace(contsim, path)
    if doc is not None:
        problems += check_format(doc)
    if path.resolve() == KNOWN.resolve():
        doc, more = run_trace(contsim, path, ("--schedule", KNOWN_SCHEDULE))
        if doc is not None:
            more += check_format(doc)
            if not more:
                more = check_known(doc)
        problems += [f"--schedule {KNOWN_SCHEDULE}: {p}" for p in more]
    return problems


def main():
    if len(sys.argv) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    contsim = str(pathlib.Path(sys.argv[1]).resolve())
    files = discover(contsim, sys.argv[2:])
    if not files:
        sys.exit("no scenarios found")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda p: (p, check_one(contsim, p)), files))
    failed = 0
    for path, problems in results:
        try:
            name = path.resolve().relative_to(root)
        except ValueError:
            name = path
        for p in problems:
            print(f"{name}: {p}")
        failed += bool(problems)
    print(f"{len(results)} scenarios: {len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
