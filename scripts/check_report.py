"""Open a `stancekit report` page in headless Chromium and check it like a reader would.

    python scripts/check_report.py REPORT_DIR/report.html --screenshot docs/img/report.png

Talks to Chromium over the DevTools protocol on a pipe (``--remote-debugging-pipe``: no port, no
extra Python package) and fails (exit 1, one line per problem) on:

- any console error or warning, uncaught exception or failed load (a CDN link would be one: the page
  must work offline);
- a missing element: the actor filter, a timeline SVG per actor section, the heatmap, the change table,
  the numbers tables, the evidence blocks;
- the actor filter not hiding the other actors, a table that does not sort on a header click;
- text with less than 4.5:1 contrast against its background (WCAG AA), computed from the rendered
  colours;
- a request for anything but the page itself.

It saves a screenshot (full page up to ``--max-height`` pixels). Chromium: ``/usr/bin/chromium``
(Debian: ``apt-get install -y chromium``) or ``--chromium PATH``; it runs with a throw-away profile.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from queue import Empty, Queue

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio",
    "--remote-debugging-pipe",
]

CHECK_JS = r"""
(() => {
  const problems = [];
  const need = (sel, what) => { if (!document.querySelector(sel)) problems.push("missing " + what + " (" + sel + ")"); };
  need("#actor-filter", "actor filter");
  need("#timelines", "timelines heading");
  need("table#sentiment-by-source", "sentiment heatmap");
  need("table#changes", "position-change table");
  need("table#stance-by-period tbody tr", "stance numbers table rows");
  need("table#sentiment-by-period tbody tr", "sentiment numbers table rows");
  need("table#sentiment-by-source-numbers tbody tr", "by-source numbers table rows");
  const sections = Array.from(document.querySelectorAll("section.actor"));
  if (!sections.length) problems.push("no actor sections");
  for (const s of sections) {
    const name = s.getAttribute("data-actor");
    if (s.querySelectorAll("figure.timeline svg rect.seg").length === 0) problems.push("no timeline bars for " + name);
    if (s.querySelectorAll("figure.timeline svg rect.band").length === 0) problems.push("no interval bands for " + name);
    if (!s.querySelector("details.evidence")) problems.push("no evidence block for " + name);
  }
  // the actor filter
  const sel = document.getElementById("actor-filter");
  if (sel && sel.options.length > 1) {
    const first = sel.options[1].value;
    sel.value = first; sel.dispatchEvent(new Event("change"));
    const visible = sections.filter(s => !s.hidden).map(s => s.getAttribute("data-actor"));
    if (visible.length !== 1 || visible[0] !== first) problems.push("actor filter: visible sections " + JSON.stringify(visible));
    const rows = Array.from(document.querySelectorAll("tr[data-actor]")).filter(r => !r.hidden);
    if (rows.some(r => r.getAttribute("data-actor") !== first)) problems.push("actor filter leaves other actors' rows");
    sel.value = ""; sel.dispatchEvent(new Event("change"));
    if (sections.some(s => s.hidden)) problems.push("actor filter: 'all actors' does not show every section");
  }
  // sorting: click the 'documents' header of the stance numbers table twice
  const table = document.getElementById("stance-by-period");
  if (table) {
    const heads = Array.from(table.tHead.rows[0].cells);
    const idx = heads.findIndex(th => th.textContent.trim().startsWith("documents"));
    const val = r => parseFloat(r.cells[idx].textContent);
    for (const dir of ["ascending", "descending"]) {
      heads[idx].querySelector("button").click();
      const vals = Array.from(table.tBodies[0].rows).map(val);
      const ok = vals.every((v, i) => i === 0 || (dir === "ascending" ? vals[i - 1] <= v : vals[i - 1] >= v));
      if (heads[idx].getAttribute("aria-sort") !== dir || !ok) problems.push("sorting " + dir + " failed");
    }
  }
  // contrast of every visible text against its effective background
  const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(",").map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const bgOf = el => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c.a > 0.99) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  let low = 0, checked = 0; const examples = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode; const el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest("script,style,title")) continue;
    if (!el.getClientRects().length) continue;
    const cs = getComputedStyle(el);
    let fg = parse(el instanceof SVGElement ? cs.fill : cs.color); if (!fg) continue;
    const bg = bgOf(el instanceof SVGElement ? el.closest("figure") || el : el);
    const l1 = lum(fg), l2 = lum(bg); const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    checked++;
    if (ratio < 4.5) { low++; if (examples.length < 5) examples.push(node.textContent.trim().slice(0, 40) + " " + ratio.toFixed(2)); }
  }
  if (low) problems.push(low + " text nodes under 4.5:1 contrast, e.g. " + JSON.stringify(examples));
  // nothing but the page itself was loaded
  const external = performance.getEntriesByType("resource").map(r => r.name);
  if (external.length) problems.push("loaded other resources: " + external.slice(0, 5).join(", "));
  const linked = Array.from(document.querySelectorAll("[src],link[href]")).map(e => e.getAttribute("src") || e.getAttribute("href"));
  if (linked.length) problems.push("external references: " + linked.slice(0, 5).join(", "));
  return JSON.stringify({problems, checked, sections: sections.length,
    height: Math.ceil(document.documentElement.scrollHeight)});
})()
"""


class Chromium:
    """A headless Chromium driven over the DevTools protocol on fds 3/4 (``--remote-debugging-pipe``)."""

    def __init__(self, binary: str, profile: str) -> None:
        to_chrome_r, self._to_chrome_w = os.pipe()
        self._from_chrome_r, from_chrome_w = os.pipe()

        def fds() -> None:  # in the child: the pipe ends become fds 3 and 4 (via high fds: no clobbering)
            import fcntl

            r, w = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 64), fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 64)
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=fds, pass_fds=(3, 4),  # kept open after preexec_fn (the others are closed)
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._id = 0
        self.events: Queue = Queue()
        self._replies: dict[int, Queue] = {}
        self._lock = threading.Lock()
        self.stderr_lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stderr(self) -> None:
        for raw in self.proc.stderr:  # type: ignore[union-attr]
            self.stderr_lines.append(raw.decode("utf-8", "replace").rstrip())

    def _read(self) -> None:
        buf = b""
        while True:
            chunk = os.read(self._from_chrome_r, 1 << 16)
            if not chunk:
                self.events.put(None)
                return
            buf += chunk
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                data = json.loads(msg)
                if "id" in data:
                    with self._lock:
                        q = self._replies.get(data["id"])
                    if q is not None:
                        q.put(data)
                else:
                    self.events.put(data)

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30) -> dict:
        with self._lock:
            self._id += 1
            mid = self._id
            q: Queue = Queue()
            self._replies[mid] = q
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome_w, json.dumps(msg).encode() + b"\0")
        try:
            reply = q.get(timeout=timeout)
        except Empty:
            raise RuntimeError(f"no reply from Chromium to {method} within {timeout}s") from None
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def check(page: Path, screenshot: Path | None, binary: str, width: int, max_height: int,
          timeout: float) -> tuple[list[str], dict]:
    problems: list[str] = []
    profile = tempfile.mkdtemp(prefix="stancekit-chromium-")
    browser = Chromium(binary, profile)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
        url = page.resolve().as_uri()
        browser.send("Page.navigate", {"url": url}, session=session)
        deadline = time.monotonic() + timeout
        loaded = False
        requests: list[str] = []
        console: list[str] = []

        def drain(until_load: bool) -> None:
            nonlocal loaded
            while True:
                left = deadline - time.monotonic() if until_load and not loaded else 0.3
                if left <= 0:
                    return
                try:
                    ev = browser.events.get(timeout=left)
                except Empty:
                    return
                if ev is None:
                    problems.append("Chromium exited")
                    return
                method, params = ev.get("method"), ev.get("params", {})
                if method == "Page.loadEventFired":
                    loaded = True
                elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                    text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                    console.append(f"console.{params['type']}: {text}")
                elif method == "Runtime.exceptionThrown":
                    d = params.get("exceptionDetails", {})
                    console.append(f"uncaught exception: {d.get('exception', {}).get('description') or d.get('text')}")
                elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                    e = params["entry"]
                    console.append(f"log {e['level']}: {e.get('text')} {e.get('url', '')}".strip())
                elif method == "Network.requestWillBeSent":
                    requests.append(params.get("request", {}).get("url", ""))
                elif method == "Network.loadingFailed":
                    console.append(f"failed load: {params.get('errorText')}")

        drain(until_load=True)
        if not loaded:
            problems.append(f"the page did not finish loading within {timeout:.0f}s")
        res = browser.send("Runtime.evaluate", {"expression": CHECK_JS, "returnByValue": True}, session=session)
        if "exceptionDetails" in res:
            problems.append(f"check script failed: {res['exceptionDetails'].get('exception', {}).get('description')}")
            info: dict = {}
        else:
            info = json.loads(res["result"]["value"])
            problems += info["problems"]
        drain(until_load=False)  # console output from the interactions
        problems += console
        others = [u for u in requests if u != url]
        if others:
            problems.append("requests besides the page: " + ", ".join(others[:5]))
        if screenshot is not None:
            height = min(max_height, max(600, int(info.get("height", 900))))
            browser.send("Emulation.setDeviceMetricsOverride",
                         {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
            time.sleep(0.3)
            shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session, timeout=60)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            info["screenshot"] = str(screenshot)
        info["requests"] = requests
        return problems, info
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("page", type=Path, help="report.html (or the report folder)")
    ap.add_argument("--screenshot", type=Path, help="save a PNG here (default: beside the page, screenshot.png)")
    ap.add_argument("--chromium", default=None, help="Chromium binary (default: chromium on PATH)")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--max-height", type=int, default=2400, help="screenshot height cap in pixels")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args(argv)
    page = args.page / "report.html" if args.page.is_dir() else args.page
    if not page.is_file():
        print(f"check_report: error: {page}: no such file", file=sys.stderr)
        return 2
    binary = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
    if not Path(binary).exists():
        print(f"check_report: error: no Chromium at {binary} (apt-get install -y chromium, or --chromium PATH)",
              file=sys.stderr)
        return 2
    shot = args.screenshot or page.with_name("screenshot.png")
    started = time.perf_counter()
    problems, info = check(page, shot, binary, args.width, args.max_height, args.timeout)
    took = time.perf_counter() - started
    for p in problems:
        print(f"FAIL: {p}")
    print(f"{page}: {info.get('sections', 0)} actor sections, {info.get('checked', 0)} text nodes checked for "
          f"contrast, {len(info.get('requests', []))} request(s); screenshot {info.get('screenshot')}; {took:.1f}s; "
          + ("FAILED" if problems else "OK"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
