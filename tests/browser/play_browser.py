"""Shared by tests/browser/test_play.py and scripts/play-screenshots.py: start
`contsim play`, drive the page in headless Chromium, read level files.

Needs Debian's chromium, chromium-driver and python3-selenium (4.x); run with
/usr/bin/python3 (the one python3-selenium is installed for).
"""
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SKIP = 77  # CTest's SKIP_RETURN_CODE

# ---- schedule tokens (src/sim/schedule_token.h) ----
TOKEN_RE = re.compile(r"([a-z][0-9]*)+")


def decode_token(token):
    """'a10b2a' -> [0]*10 + [1]*2 + [0]; '' and '-' -> []."""
    if token in ("", "-"):
        return []
    if not TOKEN_RE.fullmatch(token):
        raise ValueError(f"not a schedule token: {token!r}")
    picks = []
    for m in re.finditer(r"([a-z])([0-9]*)", token):
        picks += [ord(m.group(1)) - ord("a")] * (int(m.group(2)) if m.group(2) else 1)
    return picks


def encode_token(picks):
    out, i = [], 0
    while i < len(picks):
        j = i
        while j < len(picks) and picks[j] == picks[i]:
            j += 1
        out.append(chr(ord("a") + picks[i]) + (str(j - i) if j - i > 1 else ""))
        i = j
    return "".join(out)


def switches(picks):
    return sum(1 for a, b in zip(picks, picks[1:]) if a != b)


# ---- what is missing ----
def missing():
    """Why the browser tests cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return f"{path} is not installed (Debian: apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "python3-selenium is not installed for this python (use /usr/bin/python3; Debian: apt-get install python3-selenium)"
    return None


# ---- the server ----
class Server:
    """`contsim play PATHS --port 0`; the URL is the first line it prints."""

    def __init__(self, binary, paths, web_dir=None, timeout=20):
        cmd = [binary, "play", *paths, "--port", "0"]
        if web_dir:
            cmd += ["--web-dir", web_dir]
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.stderr, bufsize=0)
        # Unbuffered reads straight from the pipe, so select() sees what is left.
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        raw = b""
        while b"\n" not in raw:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.stop()
                raise RuntimeError(f"{' '.join(cmd)}: no URL within {timeout} s{self.errors()}")
            chunk = os.read(fd, 4096)
            if not chunk:
                code = self.proc.wait()
                raise RuntimeError(f"{' '.join(cmd)}: exited {code} before printing its URL{self.errors()}")
            raw += chunk
        line = raw.split(b"\n", 1)[0].decode("utf-8", "replace")
        m = re.search(r"(http://\S+?/)(\s|$)", line)
        if not m:
            self.stop()
            raise RuntimeError(f"{' '.join(cmd)}: expected 'contsim play: http://HOST:PORT/ ...', got {line!r}")
        self.url = m.group(1)
        self.first_line = line

    def errors(self):
        try:
            self.stderr.seek(0)
            text = self.stderr.read().strip()
        except (OSError, ValueError):
            text = ""
        return f"\nstderr:\n{text}" if text else ""

    def api(self, path, **params):
        url = self.url + "api/" + path + ("?" + urllib.parse.urlencode(params) if params else "")
        with urllib.request.urlopen(url, timeout=30) as r:
            return json.load(r)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


def level_files(server):
    """[(level index, title, file, play block or None)] in the server's order."""
    out = []
    for lv in server.api("levels"):
        info = server.api("level", level=lv["level"])
        with open(info["file"], encoding="utf-8") as f:
            play = json.load(f).get("play")
        out.append((lv["level"], lv["title"], info["file"], play))
    return out


# ---- the browser ----
def new_driver(width=1280, height=900):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="contsim-play-chromium-")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
              "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
              f"--window-size={width},{height}", f"--user-data-dir={profile}"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    except Exception:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    driver._contsim_profile = profile
    return driver


def quit_driver(driver):
    if driver is None:
        return
    try:
        driver.quit()
    finally:
        shutil.rmtree(getattr(driver, "_contsim_profile", ""), ignore_errors=True)


class Page:
    """The play page in a driver: load a level and token, step, wait."""

    def __init__(self, driver, url, timeout=15):
        self.d = driver
        self.url = url
        self.timeout = timeout
        self.buttons = {}  # Step buttons by CPU, found once per page/level

    def wait(self, cond, what):
        from selenium.webdriver.support.ui import WebDriverWait
        from selenium.common.exceptions import TimeoutException

        try:
            return WebDriverWait(self.d, self.timeout, poll_frequency=0.01).until(cond)
        except TimeoutException:
            raise AssertionError(f"timed out after {self.timeout} s waiting for {what}"
                                 f" (page: token={self.body('token')!r} step={self.body('step')!r}"
                                 f" error={self.text('error')!r})") from None

    def body(self, key):
        return self.d.execute_script("return document.body.dataset[arguments[0]]", key)

    def el(self, id_):
        from selenium.webdriver.common.by import By
        return self.d.find_element(By.ID, id_)

    def text(self, id_):
        """An element's text as shown ('' when hidden)."""
        return self.d.execute_script(
            "const e = document.getElementById(arguments[0]);"
            "return e && !e.hidden && e.offsetParent !== null ? e.innerText : '';", id_)

    def shown(self, id_):
        return self.d.execute_script(
            "const e = document.getElementById(arguments[0]); return !!e && !e.hidden && e.offsetParent !== null;", id_)

    def wait_token(self, token):
        """Until the page shows the state after `token` and no request is pending."""
        self.wait(lambda d: d.execute_script(
            "return document.body.dataset.busy === '0' && document.body.dataset.token === arguments[0];", token),
            f"the page to show token {token!r}")

    def load(self, level, token=""):
        """A fresh page load at #level=N&schedule=TOKEN."""
        token = encode_token(decode_token(token))
        self.buttons = {}
        self.d.get("about:blank")
        self.d.get(f"{self.url}#level={level}&schedule={token}")
        self.wait_token(token)
        self.wait(lambda d: d.execute_script(
            "return document.getElementById('level-select').value === arguments[0];", str(level)),
            f"level {level} to be selected")

    def goto(self, level, token=""):
        """#level=N&schedule=TOKEN in the page already loaded (its hashchange
        handler); a fresh load the first time."""
        token = encode_token(decode_token(token))  # the page shows tokens as encoded: 'b', not 'b1'
        if not self.d.execute_script("return !!document.getElementById('level-select') && "
                                     "location.href.startsWith(arguments[0]);", self.url):
            return self.load(level, token)
        same_level = self.d.execute_script(
            "return document.getElementById('level-select').value === arguments[0];", str(level))
        if not same_level:
            # Another level: a fresh load. A level change by hash alone, after a
            # long in-page run of the previous level, sometimes never took in
            # headless Chromium (seen 1 run in 2 at level 6 -> 7; not reproduced
            # alone): an open problem of the page, noted on issue 13.
            return self.load(level, token)
        self.d.execute_script("location.hash = arguments[0];", f"#level={level}&schedule={token}")
        self.wait(lambda d: d.execute_script(
            "return document.getElementById('level-select').value === arguments[0];", str(level)),
            f"level {level} to be selected")
        self.wait_token(token)

    # Until the page shows `want` ('' when it does), or what went wrong.
    _SETTLED = """
        const want = arguments[0];
        if (document.body.dataset.busy === '0' && document.body.dataset.token === want) return '';
        const e = document.getElementById('error');
        if (!e.hidden && document.body.dataset.busy === '0') return 'error line: ' + e.textContent;
        return null;"""

    def step(self, cpu, expect_token):
        """A real (WebDriver) click on Step CPUn, then until the page shows `expect_token`."""
        from selenium.common.exceptions import StaleElementReferenceException

        why = self.d.execute_script(
            "const b = document.getElementById('step-' + arguments[0]);"
            "return !b ? 'there is no button step-' + arguments[0] : b.disabled ? "
            "'step-' + arguments[0] + ' is disabled: ' + document.getElementById('reason-' + arguments[0]).textContent"
            " : null;", cpu)
        if why:
            raise AssertionError(f"before {expect_token!r}: {why}")
        btn = self.buttons.get(cpu)
        try:
            if btn is None:
                raise StaleElementReferenceException()
            btn.click()
        except StaleElementReferenceException:  # a reload or another level built new panels
            btn = self.buttons[cpu] = self.el(f"step-{cpu}")
            btn.click()
        out = self.wait(lambda d: d.execute_script(self._SETTLED, expect_token) is not None
                        or None, f"the page to show token {expect_token!r} after clicking step-{cpu}")
        msg = self.d.execute_script(self._SETTLED, expect_token)
        if msg:
            raise AssertionError(f"clicking step-{cpu} for {expect_token!r}: {msg}"
                                 f" (reason shown: {self.text(f'reason-{cpu}')!r})")
        return out

    _RUN_PICKS = """
        const [picks, start, done] = arguments;
        const enc = (p) => { let s = ''; for (let i = 0; i < p.length;) { let j = i;
          while (j < p.length && p[j] === p[i]) j++; s += String.fromCharCode(97 + p[i]) + (j - i > 1 ? j - i : ''); i = j; }
          return s; };
        let k = start;
        (function next() {
          if (k >= picks.length) return done('');
          const cpu = picks[k], want = enc(picks.slice(0, k + 1));
          const b = document.getElementById('step-' + cpu);
          if (!b) return done(`step ${k + 1}: there is no button step-${cpu}`);
          if (b.disabled) return done(`step ${k + 1}: step-${cpu} is disabled: ` +
                                      document.getElementById('reason-' + cpu).textContent);
          b.click();
          const t0 = performance.now();
          (function poll() {
            if (document.body.dataset.busy === '0' && document.body.dataset.token === want) { k++; return next(); }
            const e = document.getElementById('error');
            if (!e.hidden && document.body.dataset.busy === '0') return done(`step ${k + 1}: error line: ${e.textContent}`);
            if (performance.now() - t0 > 15000) return done(`step ${k + 1}: timed out after 15 s waiting for ${want}`);
            setTimeout(poll, 1);
          })();
        })();"""

    def run_picks(self, picks, start=0):
        """Clicks Step CPUn for picks[start:] from inside the page (button.click(), one
        WebDriver round trip for them all), each after the page shows the last one's state."""
        self.d.set_script_timeout(300)
        msg = self.d.execute_async_script(self._RUN_PICKS, list(picks), start)
        if msg:
            raise AssertionError(f"{encode_token(list(picks))}: {msg}")

    def click(self, id_, expect_token):
        self.el(id_).click()
        self.wait_token(expect_token)

    def severe_logs(self):
        """The browser console's errors, less the HTTP 400s the tests provoke on purpose."""
        try:
            logs = self.d.get_log("browser")
        except Exception:
            return []
        return [e["message"] for e in logs
                if e.get("level") == "SEVERE" and "status of 400" not in e.get("message", "")]
