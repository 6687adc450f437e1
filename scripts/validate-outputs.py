#!/usr/bin/python3
"""Validate contsim's machine-readable outputs against docs/schemas/*.schema.json.

Usage: scripts/validate-outputs.py CONTSIM

Runs the binary CONTSIM (from the repository root, so that reports name the
scenarios as scenarios/...) over the shipped scenarios and validates every
JSON document it prints (Debian python3-jsonschema, Draft202012Validator):

  run      every scenario: run --format json; --nearest on those whose
           expect says "infeasible": true; --schedule WITNESS for every
           violating outcome explore reports; a few --seed N and --fix runs;
           each scenario explore --save writes
  explore  every scenario (those whose expect.explore says "slow": true with
           --max-runs 200); on small scenarios --strategy dfs, bounded, pct,
           random, --max-runs, --shard, --from-schedule, --save, --resume
  merge    the --shard 1/2 and 2/2 reports of one scenario
  test     test scenarios, and a directory of made-up failing cases

and checks that each document's exit_code is the process's exit code.
The schemas themselves are checked first (check_schema, and $id = file name);
$refs between them resolve through a store keyed by $id.

Prints one line per failure naming the command and the JSON path, then
'validate-outputs: N documents valid'. Exit 0 when everything is valid,
1 on any failure, 2 on a usage error. Deterministic: the same binary and
scenarios give the same output.
"""
import concurrent.futures
import copy
import json
import os
import pathlib
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time

import jsonschema

# The text report fits COLUMNS when set: quoted outputs are the natural layout.
os.environ.pop("COLUMNS", None)

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "docs" / "schemas"
SCHEMAS = ("run", "explore", "merge", "test")
SANITIZED = os.environ.get("CONTSIM_SANITIZED") == "1"
BIG_UNDER_SANITIZER = ("-four-cpus-", "-cpu-down-", "/open-tasks-file-")
SMALL = "scenarios/attach-exit/v7-group-shared-dangling.json"  # 435 executions, 5 outcomes, violations
SMALL2 = "scenarios/attach-exit/v7-1-cs1-negative-nearest.json"  # a feasible drawn schedule
TIMEOUT = 120  # seconds per command


def usage(msg):
    print(f"validate-outputs: {msg}", file=sys.stderr)
    print("usage: validate-outputs.py CONTSIM", file=sys.stderr)
    sys.exit(2)


def json_path(parts):
    s = "$"
    for p in parts:
        s += f"[{p}]" if isinstance(p, int) else (f".{p}" if p.replace("_", "").replace("-", "").isalnum() else f"[{json.dumps(p)}]")
    return s


def load_schemas(failures):
    """{name: schema} and the validators; failures get a line per bad schema."""
    store, schemas = {}, {}
    for name in SCHEMAS:
        path = SCHEMA_DIR / f"{name}.schema.json"
        rel = path.relative_to(ROOT)
        try:
            schema = json.loads(path.read_text())
            jsonschema.Draft202012Validator.check_schema(schema)
        except (OSError, ValueError) as e:
            failures.append(f"{rel}: {e}")
            continue
        except jsonschema.SchemaError as e:
            failures.append(f"{rel}: not a valid draft 2020-12 schema: {json_path(e.absolute_path)}: {e.message}")
            continue
        if schema.get("$id") != path.name:
            failures.append(f'{rel}: $.$id: expected "{path.name}", found {json.dumps(schema.get("$id"))}')
            continue
        store[schema["$id"]] = schema
        schemas[name] = schema
    try:  # jsonschema >= 4.18: the referencing registry (RefResolver is deprecated there)
        import referencing
        import referencing.jsonschema
        registry = referencing.Registry().with_resources(
            (uri, referencing.Resource.from_contents(s, default_specification=referencing.jsonschema.DRAFT202012))
            for uri, s in store.items())
        make = lambda s: jsonschema.Draft202012Validator(s, registry=registry)
    except ImportError:  # Debian 12's 4.10
        make = lambda s: jsonschema.Draft202012Validator(s, resolver=jsonschema.RefResolver.from_schema(s, store=store))
    return {name: make(s) for name, s in schemas.items()}


class Runner:
    def __init__(self, binary, tmp):
        self.binary = binary
        self.tmp = tmp

    def show(self, argv):
        """The command as printed: contsim for the binary, $TMP for the scratch directory."""
        return "contsim " + shlex.join(argv).replace(self.tmp, "$TMP")

    def run(self, argv):
        """(exit code, stdout, stderr) of contsim ARGV, run from the repository root."""
        try:
            p = subprocess.run([self.binary] + argv, cwd=ROOT, capture_output=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            return None, b"", f"timed out after {TIMEOUT} s".encode()
        return p.returncode, p.stdout, p.stderr


def check(runner, validators, job):
    """Runs one job; returns (documents valid, failure lines, the parsed document or None)."""
    argv, schema, codes = job
    cmd = runner.show(argv)
    rc, out, err = runner.run(argv)
    if rc not in codes:
        first = err.decode(errors="replace").strip().splitlines()[:1]
        return 0, [f"{cmd}: exit code {rc}, expected {' or '.join(map(str, codes))}" +
                   (f" ({first[0].replace(runner.tmp, '$TMP')})" if first else "")], None
    try:
        doc = json.loads(out)
    except ValueError as e:
        return 0, [f"{cmd}: $: not JSON: {e}"], None
    if schema not in validators:
        return 0, [f"{cmd}: no usable {schema}.schema.json"], doc
    errors = sorted(validators[schema].iter_errors(doc), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    fails = [f"{cmd}: {json_path(e.absolute_path)}: {e.message if len(e.message) < 300 else e.message[:300] + '...'}"
             for e in errors[:20]]
    if len(errors) > 20:
        fails.append(f"{cmd}: ... and {len(errors) - 20} more errors")
    if isinstance(doc, dict) and doc.get("exit_code") != rc:
        fails.append(f"{cmd}: $.exit_code: {json.dumps(doc.get('exit_code'))}, but the process exited {rc}")
    return (0 if fails else 1), fails, doc


def run_all(runner, validators, jobs, workers):
    """Runs the jobs (in parallel; results in job order)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda j: check(runner, validators, j), jobs))


def scenarios():
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios").rglob("*.json"))


def made_up_tests(tmp):
    """A directory with one scenario per test verdict: passed, run failed, search failed,
    search skipped, no search, findings without expect, bad input."""
    d = pathlib.Path(tmp) / "test-cases"
    d.mkdir()
    base = json.loads((ROOT / "scenarios/ops/open.json").read_text())
    base.pop("$schema", None)

    def write(name, doc):
        (d / name).write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=2) + "\n")

    write("a-passed.json", base)
    x = copy.deepcopy(base)
    x["expect"]["returns"]["CPU0"] = ["-EBUSY"]
    write("b-run-failed.json", x)
    x = copy.deepcopy(base)
    x["expect"]["explore"]["outcomes"] = 2
    write("c-search-failed.json", x)
    x = copy.deepcopy(base)
    x["expect"]["explore"]["slow"] = True
    write("d-search-skipped.json", x)
    x = copy.deepcopy(base)
    del x["expect"]["explore"]
    write("e-no-search.json", x)
    x = json.loads((ROOT / SMALL2).read_text())
    x.pop("$schema", None)
    del x["expect"]
    write("f-findings-no-expect.json", x)
    write("g-bad-input.json", "{\n")
    return str(d)


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        usage("expected one argument, the contsim binary")
    binary = pathlib.Path(sys.argv[1]).resolve()
    # The binary may be relinked while we run: wait for it briefly, then
    # work on a private copy so that every report comes from one build
    # (merge and --resume refuse another build's reports).
    for _ in range(5):
        if binary.is_file():
            break
        time.sleep(1)
    if not binary.is_file() or not os.access(binary, os.X_OK):
        usage(f"{sys.argv[1]}: not an executable file")
    for d in ("scenarios", "docs/schemas"):
        if not (ROOT / d).is_dir():
            usage(f"{ROOT / d}: no such directory")

    failures = []
    validators = load_schemas(failures)
    valid = 0
    workers = max(1, min(4, os.cpu_count() or 1))
    with tempfile.TemporaryDirectory(prefix="validate-outputs-") as tmp:
        exe = os.path.join(tmp, "contsim")
        shutil.copy2(binary, exe)
        os.chmod(exe, os.stat(exe).st_mode | stat.S_IXUSR)
        runner = Runner(exe, tmp)

        def add(results):
            nonlocal valid
            for ok, fails, _ in results:
                valid += ok
                failures.extend(fails)

        # Phase 1: every scenario, and the explore variants.
        files = scenarios()
        jobs, explore_jobs = [], {}
        for f in files:
            sc = json.loads((ROOT / f).read_text())
            expect = sc.get("expect", {})
            jobs.append((["run", f, "--format", "json"], "run", (0, 1)))
            if expect.get("infeasible") is True:
                jobs.append((["run", f, "--format", "json", "--nearest"], "run", (0, 1)))
            slow = (expect.get("explore") or {}).get("slow") is True
            # The sanitizer build (some 50x slower) caps the searches of
            # thousands of executions; the release build checks them whole.
            slow = slow or (SANITIZED and any(p in f for p in BIG_UNDER_SANITIZER))
            explore_jobs[f] = len(jobs)
            jobs.append((["explore", f, "--format", "json"] + (["--max-runs", "200"] if slow else []), "explore", (0, 1, 4)))
        jobs += [(["run", SMALL2, "--format", "json", "--nearest"], "run", (0, 1))]
        jobs += [(["run", f, "--format", "json", "--seed", str(s)], "run", (0, 1))
                 for f in (SMALL, SMALL2, "scenarios/attach-exit/v7-1-three-cpu.json") for s in (1, 2, 3)]
        jobs += [(["run", SMALL2, "--format", "json", "--fix", "exit-task-lock"], "run", (0, 1))]
        ex = ["explore", SMALL, "--format", "json"]
        save_dir = os.path.join(tmp, "saved")
        report = os.path.join(tmp, "capped.json")
        variants = [
            ex + ["--strategy", "dfs", "--max-runs", "300"],
            ["explore", "scenarios/ops/css_put.json", "--format", "json", "--strategy", "dfs"],
            ex + ["--strategy", "bounded"],
            ex + ["--strategy", "bounded", "--preemptions", "1"],
            ex + ["--strategy", "pct", "--runs", "20"],
            ex + ["--strategy", "pct", "--runs", "20", "--seed", "7", "--depth", "2", "--max-runs", "5"],
            ex + ["--strategy", "random", "--runs", "20"],
            ex + ["--max-runs", "50"],
            ex + ["--jobs", "2"],
            ex + ["--reductions", "none"],
            ex + ["--strategy", "dfs", "--max-runs", "30", "--reductions", "gp-ends"],
            ex + ["--shard", "1/2"],
            ex + ["--shard", "2/2"],
            ["explore", SMALL2, "--format", "json", "--from-schedule"],
            ex + ["--from-schedule"],
            ex + ["--save", save_dir],
        ]
        first_variant = len(jobs)
        jobs += [(v, "explore", (0, 1, 4)) for v in variants]
        results = run_all(runner, validators, jobs, workers)
        add(results)

        # Phase 2: what needs phase 1's reports.
        jobs2 = []
        for f in files:  # replay every violating outcome's witness
            doc = results[explore_jobs[f]][2]
            if isinstance(doc, dict) and doc.get("complete") is True:
                for row in doc.get("outcomes", []):
                    if isinstance(row, dict) and row.get("violations") and isinstance(row.get("witness"), str):
                        jobs2.append((["run", f, "--format", "json", "--schedule", row["witness"]], "run", (0, 1)))
        shards = []
        for k, (_, _, doc) in enumerate(results[first_variant:]):
            argv = variants[k]
            if "--shard" in argv and doc is not None:
                shards.append(os.path.join(tmp, f"shard-{len(shards) + 1}.json"))
                pathlib.Path(shards[-1]).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
            if argv[-2:] == ["--max-runs", "50"] and doc is not None:
                pathlib.Path(report).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
            if "--save" in argv and isinstance(doc, dict):
                saved = doc.get("saved")
                if not saved:
                    failures.append(f"{runner.show(argv)}: $.saved: expected the files written, found {json.dumps(saved)}")
                for p in saved or []:
                    if isinstance(p, str):
                        jobs2.append((["run", p, "--format", "json"], "run", (0,)))
        if len(shards) == 2:
            jobs2.append((["merge"] + shards + ["--format", "json"], "merge", (0, 1, 4)))
        if os.path.exists(report):
            jobs2.append((["explore", "--resume", report, "--format", "json", "--max-runs", "50"], "explore", (0, 1, 4)))
        jobs2.append((["test", "scenarios", "--format", "json", "--jobs", str(workers)], "test", (0, 1)))
        jobs2.append((["test", SMALL, "--format", "json"], "test", (0, 1)))
        jobs2.append((["test", made_up_tests(tmp), "--format", "json"], "test", (1,)))
        add(run_all(runner, validators, jobs2, workers))

    for line in failures:
        print(line)
    print(f"validate-outputs: {valid} documents valid" + (f", {len(failures)} failures" if failures else ""))
    return 1 if failures or not valid else 0


if __name__ == "__main__":
    sys.exit(main())
