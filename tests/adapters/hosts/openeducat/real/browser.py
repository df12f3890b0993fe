"""Debian's headless Chromium driven through the DevTools protocol over a pipe
(--remote-debugging-pipe: commands on the browser's fd 3, answers on its fd 4, JSON messages
ended by a NUL byte), so a test can log in to Odoo's JavaScript web client for real, open a
page, read what the browser shows and take a screenshot. Standard library only."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path


class Browser:
    """One headless Chromium with one tab. A context manager; every wait is bounded."""

    def __init__(self, width: int = 1100, height: int = 720) -> None:
        self.profile = tempfile.TemporaryDirectory(prefix="eckid-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        command = " ".join([
            "exec chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars",
            "--remote-debugging-pipe --no-first-run", f"--user-data-dir={self.profile.name}",
            f"--window-size={width},{height}", "about:blank",
            f"3<&{to_browser_r} 4>&{from_browser_w}"])
        self.process = subprocess.Popen(["bash", "-c", command],
                                        pass_fds=(to_browser_r, from_browser_w),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next = 0
        self.session = None
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        try:
            os.close(self._to_browser)
            self.process.terminate()
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        finally:
            os.close(self._from_browser)
            self._remove_profile()

    def _remove_profile(self) -> None:
        """Chromium's helper processes may still write to the profile for a moment after the
        browser process ended (seen: 'Directory not empty: Default'); removal is tried again."""
        for attempt in range(20):
            try:
                self.profile.cleanup()
                return
            except OSError:
                if attempt == 19:
                    raise
                time.sleep(0.25)

    def send(self, method: str, **params):
        """One DevTools command; returns its result. Raises RuntimeError on an error answer."""
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def _read(self) -> dict:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(line)

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (awaited if a promise)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        return result.get("result", {}).get("value")

    def wait(self, expression: str, seconds: float = 60) -> bool:
        """Whether expression became truthy in the page within seconds."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                if self.evaluate(expression):
                    return True
            except RuntimeError:
                pass  # the page is navigating
            time.sleep(0.25)
        return False

    def open(self, url: str) -> None:
        self.send("Page.navigate", url=url)

    def screenshot(self, out: Path) -> None:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(base64.b64decode(data))


def odoo_login(browser: Browser, base: str, login: str, password: str) -> bool:
    """Logs in through Odoo's login form, as a person would; whether the web client opened."""
    browser.open(f"{base}/web/login")
    if not browser.wait("document.querySelector('form.oe_login_form') !== null", 30):
        return False
    browser.evaluate(
        f"document.querySelector('input[name=login]').value = {json.dumps(login)};"
        f"document.querySelector('input[name=password]').value = {json.dumps(password)};"
        "document.querySelector('form.oe_login_form').submit(); true")
    return browser.wait("document.querySelector('.o_main_navbar') !== null", 60)


def open_form(browser: Browser, base: str, model: str, record: int) -> bool:
    """Opens a record's form in the web client; whether it showed within a minute."""
    browser.open(f"{base}/web#model={model}&id={record}&view_type=form")
    return browser.wait("document.querySelector('.o_form_view .o_notebook') !== null")


def open_tab(browser: Browser, base: str, model: str, record: int, tab: str) -> bool:
    """Opens a record's form in the web client and its notebook tab named tab; whether both
    showed."""
    clicked = open_form(browser, base, model, record) and browser.wait(
        "(() => { const a = [...document.querySelectorAll('.o_notebook .nav-link')]"
        f".find(a => a.textContent.trim() === {json.dumps(tab)});"
        " if (a) a.click(); return !!a; })()",
        10)
    return clicked and browser.wait(
        "document.querySelector('.o_notebook .tab-pane.active') !== null", 10)
