"""Headless Chromium driven through the DevTools protocol over a pipe (``--remote-debugging-
pipe``: JSON messages on file descriptors 3 and 4, each ended by a NUL byte), so a test can
open a page, click like a person, read the rendered text and take screenshots with nothing but
Debian's ``chromium`` package and the standard library."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

# Debian's package; ERPSYNC_CHROMIUM names another binary (a developer's own build).
CHROMIUM = os.environ.get("ERPSYNC_CHROMIUM", "/usr/bin/chromium")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,900", "--remote-debugging-pipe")


class Browser:
    """One headless Chromium with one page."""

    def __init__(self) -> None:
        self._profile = tempfile.mkdtemp(prefix="erpsync-chromium-")
        self.log_path = Path(self._profile + ".log")
        self._log = self.log_path.open("wb")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Chromium reads commands on fd 3 and writes answers on fd 4: bash puts our pipe
        # ends there (dash cannot name descriptors above 9; preexec_fn is unsafe with threads).
        command = " ".join(shlex.quote(a) for a in (
            CHROMIUM, *FLAGS, f"--user-data-dir={self._profile}", "about:blank"))
        self.process = subprocess.Popen(
            ["/bin/bash", "-c", f"exec {command} 3<&{to_browser_r} 4>&{from_browser_w}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log,
            pass_fds=(to_browser_r, from_browser_w))
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        attached = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)
        self._session = attached["sessionId"]
        self.call("Page.enable", session=True)

    def call(self, method: str, *, session: bool = False, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return dict(answer.get("result", {}))

    def open(self, url: str) -> None:
        self.call("Page.navigate", session=True, url=url)

    def text(self) -> str:
        """The page's rendered text, as a person reads it."""
        result = self.call("Runtime.evaluate", session=True, expression="document.body.innerText",
                           returnByValue=True)
        return str(result["result"].get("value", ""))

    def wait_for_text(self, *needles: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.text()
            if all(needle in text for needle in needles):
                return text
            time.sleep(0.5)
        missing = [n for n in needles if n not in text]
        raise AssertionError(f"not on the page after {timeout}s: {missing}\n---\n{text[:3000]}")

    def click_text(self, label: str) -> None:
        """Click the innermost visible element whose own text is ``label`` (a tab, a link)."""
        script = f"""(() => {{
            const all = [...document.querySelectorAll('button, a, [role=tab], li, span, div')];
            const hit = all.reverse().find(e => e.textContent.trim() === {json.dumps(label)}
                                              && e.offsetParent !== null);
            if (!hit) return false;
            hit.click();
            return true;
        }})()"""
        result = self.call("Runtime.evaluate", session=True, expression=script,
                           returnByValue=True)
        assert result["result"].get("value") is True, f"nothing to click labelled {label!r}"

    def screenshot(self, path: Path, height: int = 900) -> Path:
        """A PNG of the page, ``height`` pixels tall (taller shows what is below the fold)."""
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=1400,
                  height=height, deviceScaleFactor=1, mobile=False)
        time.sleep(1)  # let the page lay itself out at the new size
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        os.close(self._to_browser)
        os.close(self._from_browser)
        self._log.close()
        self.log_path.unlink(missing_ok=True)
        shutil.rmtree(self._profile, ignore_errors=True)

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed its DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return dict(json.loads(raw))

