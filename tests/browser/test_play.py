#!/usr/bin/python3
"""The play page in a real browser (headless Chromium through chromedriver).

    /usr/bin/python3 tests/browser/test_play.py [--web-dir web/play] CONTSIM SCENARIO_PATH...

Starts `CONTSIM play SCENARIO_PATH... --port 0`, reads the URL from its first
line and drives the page: level 0 (the seed race) clicked through its
solution with the Step buttons until the goal is met (finding banner,
count history, win banner within par); Undo drops the underflow; Restart
clears the timeline; a blocked CPU's button is disabled with the reason; the
keys, Jump, the error line and a reload from the URL's hash; then every level
given clicked through its whole solution to a win within par.

Exit 0 when all pass, 1 (with what failed) otherwise, 77 (SKIP) without
chromium, chromedriver or python3-selenium. --web-dir serves the page from
the source tree instead of the copy built into the binary.
"""
import os
import sys
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import play_browser as pb  # noqa: E402

SEED_BLOCKED_TOKEN = "a11b2"  # the seed race: CPU1 waits for T1->alloc_lock, held by CPU0 since step 11
SEED_BLOCKED_TEXT = "waits for T1->alloc_lock"


def parse_args(argv):
    web_dir = None
    args = list(argv)
    if len(args) >= 2 and args[0] == "--web-dir":
        web_dir = args[1]
        args = args[2:]
    if len(args) < 2:
        sys.exit("usage: test_play.py [--web-dir DIR] CONTSIM_BINARY SCENARIO_PATH...")
    return web_dir, args[0], args[1:]


def describe(e):
    """An exception in a line or two (WebDriver's come with a native stack trace)."""
    text = "".join(traceback.format_exception_only(type(e), e)).strip()
    return text.split("\nStacktrace:")[0].strip()


class Checks:
    def __init__(self):
        self.failed = []
        self.passed = 0

    def run(self, name, fn, *args):
        t0 = time.monotonic()
        try:
            out = fn(*args)
        except Exception as e:  # AssertionError and WebDriver errors alike: report, go on
            msg = str(e) if isinstance(e, AssertionError) else describe(e)
            print(f"not ok - {name}: {msg}", flush=True)
            self.failed.append(f"{name}: {msg}")
            return None
        self.passed += 1
        print(f"ok - {name} ({time.monotonic() - t0:.1f} s)", flush=True)
        return out if out is not None else True


def assert_win(page, par, where):
    if not page.shown("win-banner"):
        raise AssertionError(f"{where}: no win banner")
    wb = page.el("win-banner")
    sw = int(wb.get_attribute("data-switches"))
    text = page.text("win-banner")
    if "par" not in text:
        raise AssertionError(f"{where}: the win banner does not mention par: {text!r}")
    if sw > par:
        raise AssertionError(f"{where}: won in {sw} switches, over par {par}: {text!r}")
    want = "par!" if sw == par else f"{par - sw} under par"
    if want not in text:
        raise AssertionError(f"{where}: the win banner should say {want!r}: {text!r}")
    if int(page.text("switch-count")) != sw:
        raise AssertionError(f"{where}: status shows {page.text('switch-count')} switches, banner {sw}")
    return sw


def seed_solution(page, play):
    """(a) level 0 by its Step buttons until the goal is met."""
    picks = pb.decode_token(play["solution"])
    violation = play["goal"].get("violation", "refcount-underflow")
    page.goto(0)
    won_at = None
    for k, cpu in enumerate(picks):
        page.step(cpu, pb.encode_token(picks[:k + 1]))
        if page.body("goalMet") == "1":
            won_at = k + 1
            break
    if won_at is None:
        raise AssertionError(f"no win banner after the whole solution {play['solution']}")
    prefix = pb.encode_token(picks[:won_at])
    banner = page.text("finding-banner")
    if violation not in banner:
        raise AssertionError(f"the finding banner does not show {violation}: {banner!r}")
    step = page.text("step-count")
    if f"step {step}" not in banner:
        raise AssertionError(f"the finding banner does not name step {step}: {banner!r}")
    counts = page.text("counts")
    if violation == "refcount-underflow" and "-1" not in counts:
        raise AssertionError(f"no -1 in the count histories: {counts!r}")
    assert_win(page, play["par"], f"level 0 at {prefix}")
    rows = page.d.execute_script("return document.querySelectorAll('#timeline tr[data-step]').length")
    if rows != won_at:
        raise AssertionError(f"the timeline has {rows} steps, expected {won_at}")
    return prefix


def undo_drops_finding(page, prefix):
    """(b) the goal was met at the last step: Undo hides both banners."""
    picks = pb.decode_token(prefix)
    if page.body("token") != prefix:
        page.goto(0, prefix)
    page.click("undo", pb.encode_token(picks[:-1]))
    if page.shown("finding-banner"):
        raise AssertionError(f"the finding banner is still shown after Undo: {page.text('finding-banner')!r}")
    if page.shown("win-banner"):
        raise AssertionError("the win banner is still shown after Undo")
    if page.text("step-count") != str(len(picks) - 1):
        raise AssertionError(f"step {page.text('step-count')} after Undo, expected {len(picks) - 1}")


def restart_clears(page):
    """(c) Restart empties the timeline and the counts."""
    if not page.body("token"):
        page.goto(0, "a5b3")
    page.click("restart", "")
    rows = page.d.execute_script("return document.querySelectorAll('#timeline tr[data-step]').length")
    if rows:
        raise AssertionError(f"{rows} timeline rows after Restart")
    if page.text("step-count") != "0":
        raise AssertionError(f"step {page.text('step-count')} after Restart")
    if "#level=0&schedule=" not in page.d.current_url or not page.d.current_url.endswith("schedule="):
        raise AssertionError(f"the URL after Restart: {page.d.current_url}")


def blocked_button(page):
    """(d) at a11b2 CPU1 waits for T1->alloc_lock: its button is disabled with that reason."""
    picks = pb.decode_token(SEED_BLOCKED_TOKEN)
    page.goto(0, pb.encode_token(picks[:-2]))
    for k in range(len(picks) - 2, len(picks)):
        page.step(picks[k], pb.encode_token(picks[:k + 1]))
    check_blocked(page)
    # The same state from a link: a fresh load of the URL's hash.
    url = page.d.current_url
    if f"schedule={SEED_BLOCKED_TOKEN}" not in url:
        raise AssertionError(f"the URL does not carry the schedule: {url}")
    page.d.get("about:blank")
    page.d.get(url)
    page.wait_token(SEED_BLOCKED_TOKEN)
    check_blocked(page)


def check_blocked(page):
    btn = page.el("step-1")
    if btn.is_enabled():
        raise AssertionError("step-1 is enabled while CPU1 is blocked")
    reason = page.text("reason-1")
    if SEED_BLOCKED_TEXT not in reason:
        raise AssertionError(f"step-1's reason should say {SEED_BLOCKED_TEXT!r}: {reason!r}")
    if not page.el("step-0").is_enabled():
        raise AssertionError("step-0 is disabled at a11b2")


def keys_jump_error(page):
    """Keys 0-9/u/r, Jump (a token, then a blocked one: the error line), Enter in the box."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page.goto(0)
    body = page.d.find_element(By.TAG_NAME, "body")
    body.send_keys("0")
    page.wait_token("a")
    body.send_keys("1")
    page.wait_token("ab")
    body.send_keys("u")
    page.wait_token("a")
    body.send_keys("r")
    page.wait_token("")
    box = page.el("jump-token")
    box.clear()
    box.send_keys(SEED_BLOCKED_TOKEN)
    page.click("jump", SEED_BLOCKED_TOKEN)
    if page.shown("error"):
        raise AssertionError(f"an error after a good jump: {page.text('error')!r}")
    box.clear()
    box.send_keys("a11b3")  # CPU1 is blocked after a11b2: the server says so
    page.el("jump").click()
    page.wait(lambda d: page.shown("error"), "the error line")
    page.wait_token(SEED_BLOCKED_TOKEN)  # the page keeps the last good state
    if "not runnable" not in page.text("error"):
        raise AssertionError(f"the error line: {page.text('error')!r}")
    box.clear()
    box.send_keys("a3" + Keys.ENTER)
    page.wait_token("a3")
    if page.shown("error"):
        raise AssertionError(f"the error line stays after a good jump: {page.text('error')!r}")


def hints_and_graph(page, play):
    """Hints one at a time; the object graph panel draws after opening it and after a step."""
    page.goto(0, "a5")
    hints = play.get("hints", [])
    if hints:
        count = lambda: page.d.execute_script("return document.querySelectorAll('#hints li').length")  # noqa: E731
        if count() != 0:
            raise AssertionError("hints are shown before asking")
        for n in range(1, len(hints) + 1):
            page.el("hint").click()
            page.wait(lambda d: count() == n, f"{n} hint(s) shown")
            if hints[n - 1] not in page.text("hints"):
                raise AssertionError(f"hint {n} is not {hints[n - 1]!r}: {page.text('hints')!r}")
        if page.el("hint").is_enabled():
            raise AssertionError("the hint button is still enabled with every hint shown")
    drawn = """const g = document.getElementById('graph');
        return !g.classList.contains('stale') && !!g.querySelector('svg, pre.dot, p.empty, p.error-text')
               ? (g.querySelector('p.error-text') || {}).textContent || 'ok' : null;"""
    page.d.find_element("css selector", "#graph-panel summary").click()
    out = page.wait(lambda d: d.execute_script(drawn), "the object graph")
    if out != "ok":
        raise AssertionError(f"the graph panel: {out}")
    before = page.d.execute_script("return document.getElementById('graph').innerHTML")
    page.step(1, "a5b")
    page.wait(lambda d: d.execute_script(drawn) == "ok" and d.execute_script(
        "return document.getElementById('graph').innerHTML") != before, "the graph to change after a step")
    page.d.find_element("css selector", "#graph-panel summary").click()  # closed again


def every_level(page, level, title, play):
    """(e) a level's whole solution by its Step buttons: a win within par. The
    buttons are clicked from inside the page, one after another as each state
    shows (one WebDriver round trip a level; (a) and (d) use WebDriver's own
    clicks, which cost a round trip or two each)."""
    picks = pb.decode_token(play["solution"])
    page.goto(level)
    page.run_picks(picks)
    if page.shown("error"):
        raise AssertionError(f"error line: {page.text('error')!r}")
    assert_win(page, play["par"], f"level {level} ({title}) after {play['solution']}")


def main(argv):
    web_dir, binary, paths = parse_args(argv)
    why = pb.missing()
    if why:
        # CI installs the browser (scripts/install-deps.sh): there a missing one is a failure, not a skip.
        if os.environ.get("CONTSIM_REQUIRE_BROWSER") == "1":
            print(f"FAIL: {why} (CONTSIM_REQUIRE_BROWSER=1)")
            return 1
        print(f"SKIP: {why}")
        return pb.SKIP
    if not os.access(binary, os.X_OK):
        print(f"FAIL: {binary} is not an executable contsim")
        return 1

    t0 = time.monotonic()
    checks = Checks()
    server = driver = None
    try:
        server = pb.Server(binary, paths, web_dir)
        print(f"# {server.first_line}", flush=True)
        levels = pb.level_files(server)
        plays = [(lv, title, play) for lv, title, _, play in levels if play]
        if not plays:
            raise AssertionError(f"no level (a scenario with a \"play\" block) under {' '.join(paths)}")
        if levels[0][3] is None:
            raise AssertionError("level 0 has no \"play\" block")
        driver = pb.new_driver(1280, 900)
        page = pb.Page(driver, server.url)

        prefix = checks.run("(a) level 0: the solution by Step buttons wins: finding banner, -1, win banner",
                            seed_solution, page, levels[0][3])
        if prefix:
            checks.run("(b) Undo once hides the finding banner", undo_drops_finding, page, prefix)
        else:
            checks.failed.append("(b) not run: (a) failed")
        checks.run("(c) Restart clears the timeline", restart_clears, page)
        checks.run(f"(d) at {SEED_BLOCKED_TOKEN} CPU1's button is disabled with the reason (and from the link)",
                   blocked_button, page)
        checks.run("keys 0/1/u/r, Jump, the error line", keys_jump_error, page)
        checks.run("hints one at a time; the object graph", hints_and_graph, page, levels[0][3])
        for lv, title, play in plays:
            checks.run(f"(e) level {lv} {title}: {play['solution']} wins within par {play['par']}",
                       every_level, page, lv, title, play)
        logs = page.severe_logs()
        if logs:
            checks.failed.append("browser console errors:\n  " + "\n  ".join(logs))
            print("not ok - browser console: " + "; ".join(logs))
    except Exception as e:
        msg = str(e) if isinstance(e, (AssertionError, RuntimeError)) else "".join(
            traceback.format_exception(type(e), e, e.__traceback__))
        checks.failed.append(msg)
        print(f"not ok - setup: {msg}")
    finally:
        pb.quit_driver(driver)
        if server:
            server.stop()
            if checks.failed:
                sys.stdout.write(server.errors())

    took = time.monotonic() - t0
    if checks.failed:
        print(f"FAILED ({len(checks.failed)} of {checks.passed + len(checks.failed)}, {took:.1f} s):")
        for f in checks.failed:
            print("  - " + f)
        return 1
    print(f"all {checks.passed} checks passed in {took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
