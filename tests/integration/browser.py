"""One headless Chromium for many pages, driven over its DevTools pipe (no extra package).

Starting Chromium once per page (`--dump-dom`) costs about 0.6 s of each page; a scorecard build has
a page per region. Here one browser loads every page in one tab: navigate, wait for the load event,
read `document.documentElement.outerHTML` (what `--dump-dom` prints), and keep every console call,
uncaught exception and log entry (a resource that failed to load) the page raised.

Protocol: Chrome DevTools Protocol over `--remote-debugging-pipe`: JSON messages ending in NUL,
commands read by Chromium on fd 3, replies and events written on fd 4.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import time
from pathlib import Path

def _above_4(fd: int) -> int:
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


CONSOLE_EVENTS = ("Runtime.consoleAPICalled", "Runtime.exceptionThrown", "Log.entryAdded")


class Browser:
    def __init__(self, binary: str, flags: list[str], profile: Path):
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        # Above fd 4, so that putting one end on fd 3 or 4 cannot overwrite the other end.
        to_child_r, from_child_w = (_above_4(to_child_r), _above_4(from_child_w))
        args = [binary, *flags, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]
        # bash puts the pipe ends on fds 3 and 4, where Chromium expects them, then becomes Chromium
        # (bash, not sh: dash takes only one-digit fds in a redirection).
        self.proc = subprocess.Popen(["/bin/bash", "-c", f'exec "$@" 3<&{to_child_r} 4>&{from_child_w}', "bash", *args],
                                     pass_fds=(to_child_r, from_child_w),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._last_id = 0
        self.events: list[dict] = []

    def _read(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError(f"Chromium sent nothing in {timeout} s")
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium closed its pipe (exit code {self.proc.poll()})")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 60) -> dict:
        """Send one command and return its result; events that arrive meanwhile are kept in order."""
        self._last_id += 1
        command = {"id": self._last_id, "method": method, "params": params or {}}
        if session:
            command["sessionId"] = session
        os.write(self._to_child, json.dumps(command).encode() + b"\0")
        while True:
            message = self._read(timeout)
            if message.get("id") == self._last_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def wait_for(self, method: str, session: str, timeout: float = 60) -> dict:
        for i, event in enumerate(self.events):
            if event.get("method") == method and event.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            event = self._read(timeout)
            if event.get("method") == method and event.get("sessionId") == session:
                return event
            self.events.append(event)

    def tab(self) -> "Tab":
        return Tab(self)

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        for fd in (self._to_child, self._from_child):
            os.close(fd)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def describe(event: dict) -> str:
    """A console message, exception or log entry as one line, for an assertion message."""
    p = event["params"]
    if event["method"] == "Runtime.consoleAPICalled":
        return f"console.{p['type']}: " + " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
    if event["method"] == "Runtime.exceptionThrown":
        d = p["exceptionDetails"]
        return f"exception: {d.get('exception', {}).get('description', d.get('text'))}"
    e = p["entry"]
    return f"log {e['level']} ({e['source']}): {e['text']} {e.get('url', '')}".strip()


class Tab:
    def __init__(self, browser: Browser):
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            browser.send(f"{domain}.enable", session=self.session)

    def dom(self, url: str) -> tuple[str, list[str]]:
        """Load `url` (a new document: not a fragment of the page already shown) and return its DOM after
        the load event and the console messages, exceptions and log entries raised since the last call."""
        b = self.browser
        navigation = b.send("Page.navigate", {"url": url}, session=self.session)
        if navigation.get("errorText"):
            raise RuntimeError(f"{url}: {navigation['errorText']}")
        b.wait_for("Page.loadEventFired", self.session)
        html = b.send("Runtime.evaluate", {"expression": "document.documentElement.outerHTML",
                                           "returnByValue": True}, session=self.session)["result"]["value"]
        mine = [e for e in b.events if e.get("sessionId") == self.session]
        b.events = [e for e in b.events if e.get("sessionId") != self.session]
        return html, [describe(e) for e in mine if e.get("method") in CONSOLE_EVENTS]
