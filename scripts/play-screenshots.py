#!/usr/bin/python3
"""Screenshots of the play page for the docs (headless Chromium, 1280x800).

    /usr/bin/python3 scripts/play-screenshots.py [--web-dir web/play] [--out docs/images]
        [--mid-token a10b15a4b] CONTSIM_BINARY LEVEL_FILE_OR_DIR...

For each level (a scenario with a "play" block), in the server's order: the
page at the step where its solution first meets the goal, saved as
OUT/play-level-NN.png (NN = the level's number). Then OUT/play.png: level 0
(the seed race) mid-race at --mid-token, with its first hint shown, for the
README. The page has no clocks, the server replays tokens deterministically
and nothing is hovered or focused, so the same inputs give the same pictures.
Needs chromium, chromium-driver and python3-selenium (exit 77 without them).
"""
import argparse
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(ROOT, "tests", "browser"))
import play_browser as pb  # noqa: E402

WIDTH, HEIGHT = 1280, 800
# The seed race just after the race's core: CPU0 switched T1 to CS2 (step 29)
# and CPU1's exit overwrote that with top_container (30); both hold CS1 as
# their old container and each will drop a count on it.
MID_TOKEN = "a10b15a4b"


def winning_prefix(server, level, solution):
    """The shortest prefix of the solution after which the goal is met."""
    picks = pb.decode_token(solution)
    for n in range(len(picks) + 1):
        st = server.api("state", level=level, schedule=pb.encode_token(picks[:n]))
        if st["goal_met"]:
            return pb.encode_token(picks[:n])
    raise RuntimeError(f"level {level}: the solution {solution} never meets the goal")


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    return struct.unpack(">II", head[16:24])


def settle(page):
    """Nothing focused or animating, fonts loaded, the page scrolled to the top."""
    page.d.execute_script("""
        if (document.activeElement) document.activeElement.blur();
        window.scrollTo(0, 0);""")
    page.d.set_script_timeout(30)
    page.d.execute_async_script("""
        const done = arguments[0];
        document.fonts.ready.then(() => requestAnimationFrame(() => requestAnimationFrame(() => done(true))));""")


def shoot(page, path):
    settle(page)
    page.d.save_screenshot(path)
    w, h = png_size(path)
    if (w, h) != (WIDTH, HEIGHT):
        raise RuntimeError(f"{path}: {w}x{h}, expected {WIDTH}x{HEIGHT}")
    print(f"wrote {os.path.relpath(path)} ({w}x{h}, token {page.body('token') or '(start)'})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--web-dir", help="serve the page from this directory (default: the copy in the binary)")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "images"))
    ap.add_argument("--mid-token", default=MID_TOKEN, help="level 0's state for play.png")
    ap.add_argument("binary")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()

    why = pb.missing()
    if why:
        print(f"SKIP: {why}")
        return pb.SKIP
    os.makedirs(a.out, exist_ok=True)

    server = driver = None
    try:
        server = pb.Server(a.binary, a.paths, a.web_dir)
        levels = pb.level_files(server)
        # Every API question before the browser starts: the server has one
        # worker, and a browser's idle keep-alive connection would hold it.
        shots = [(lv, winning_prefix(server, lv, play["solution"]))
                 for lv, _, _, play in levels if play]
        mid = a.mid_token
        try:
            server.api("state", level=0, schedule=mid)
        except Exception as e:
            first = pb.decode_token(shots[0][1]) if shots else []
            print(f"--mid-token {mid} does not replay on level 0 ({e}); using half of its winning prefix")
            mid = pb.encode_token(first[:len(first) // 2])

        driver = pb.new_driver(WIDTH, HEIGHT)
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
        page = pb.Page(driver, server.url, timeout=30)
        for lv, token in shots:
            page.goto(lv, token)
            shoot(page, os.path.join(a.out, f"play-level-{lv:02d}.png"))
        page.goto(0, mid)
        if page.shown("hint"):
            page.d.execute_script("document.getElementById('hint').click();")  # no hover left behind
        shoot(page, os.path.join(a.out, "play.png"))
    finally:
        pb.quit_driver(driver)
        if server:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
