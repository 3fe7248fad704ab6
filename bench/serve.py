"""The live preview's speed (issue 14): from saving the model to the updated
picture in the browser, for a generated model (200 deliverables by default).

It starts `prep serve` as a real process, opens its page in headless
Chromium (tests/browser.py), and for each edit writes the file and waits for
the page to swap the picture. The time is from just before the write (this
process's clock) to the moment the page has drawn it (the page's
`Date.now()` after the first frame drawn with the new picture, panel and
marks; the same machine, so the same clock). The server's own render time ("updated in X s"
on its stderr) is recorded too.

Two kinds of edit alternate: a new relation between deliverables already
there (every label is measured already), and a new deliverable (its label
must be measured: prep measures the model's labels again).

    python bench/run.py --only-serve                 # N = 200, 10 edits
    python bench/run.py --only-serve --serve-n 1000 --serve-edits 6
"""

from __future__ import annotations

import queue
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET_SECONDS = 0.5


def _wait(driver, script: str, timeout: float = 30.0):
    end = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script)
        if value:
            return value
        if time.monotonic() > end:
            raise RuntimeError(f"timed out waiting for: {script} (the save did not reach the page)")
        time.sleep(0.005)


def bench_serve(n: int = 200, edits: int = 10, prep: list[str] | None = None, profile: str = "local") -> dict:
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import chromium, missing
    from generate import generate

    reason = missing()
    if reason is not None:
        return {"n": n, "profile": profile, "skipped": f"no headless browser: {reason}"}
    prep = prep or [sys.executable, "-m", "prep"]
    with tempfile.TemporaryDirectory(prefix="prep-bench-serve-") as tmp:
        model = Path(tmp) / "m.prep"
        text = generate(n, 0, profile)
        model.write_text(text, encoding="utf-8")
        names = re.findall(r"^\s*(?:deliverable|knowhow)\s+(\S+)", text, re.M)
        proc = subprocess.Popen(prep + ["serve", str(model), "--no-open", "--port", "0"], cwd=tmp,
                                stderr=subprocess.PIPE, text=True)
        driver = None
        try:
            url = None
            while url is None:
                line = proc.stderr.readline()
                if not line:
                    raise RuntimeError("prep serve ended before printing its address")
                m = re.search(r"at (http://\S+/)", line)
                url = m.group(1) if m else None
            lines: queue.Queue[str] = queue.Queue()  # the server's messages, read as they come
            threading.Thread(target=lambda: [lines.put(x) for x in proc.stderr], daemon=True).start()
            driver = chromium()
            started = time.perf_counter()
            driver.get(url)
            _wait(driver, "return document.documentElement.getAttribute('data-prep-version') === '1'")
            first_page = time.perf_counter() - started
            _wait(driver, "return document.getElementById('prep-status').textContent === 'live'")
            rows = []
            for i in range(edits):
                kind = "relation" if i % 2 == 0 else "deliverable"
                a, b = names[(7 * i) % len(names)], names[(7 * i + 3) % len(names)]  # never the same
                text += f"{a} ~> {b}\n" if kind == "relation" else f"{a} -> 新規成果物{i}\n"
                time.sleep(0.3)  # one save at a time, as a person saves
                t0 = time.time() * 1000
                model.write_text(text, encoding="utf-8")
                _wait(driver, f"return prepViewer.shownVersion === {i + 2}")
                received, shown = driver.execute_script("return [prepViewer.receivedAt, prepViewer.updatedAt]")
                m = None
                while m is None:
                    server_line = lines.get(timeout=30)
                    m = re.search(r"updated in ([0-9.]+) s", server_line)
                rows.append({"edit": kind, "seconds": round((shown - t0) / 1000, 3),
                             "server_render": float(m.group(1)),
                             "to_page": round((received - t0) / 1000, 3),  # save -> the page has the data
                             "page_update": round((shown - received) / 1000, 3)})
        finally:
            if driver is not None:
                driver.quit()
            proc.send_signal(signal.SIGINT)  # as Ctrl-C: the server stops its render worker too
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    seconds = [r["seconds"] for r in rows]
    return {"n": n, "profile": profile, "edits": rows, "first_page": round(first_page, 3),
            "median": statistics.median(seconds), "max": max(seconds), "target": TARGET_SECONDS,
            "within_target": sum(s <= TARGET_SECONDS for s in seconds)}


def table(result: dict) -> str:
    if "skipped" in result:
        return f"serve: skipped ({result['skipped']})"
    lines = [f"prep serve, {result['n']} deliverables: save -> updated picture in the browser",
             "| edit | save to picture (s) | of which: server render | save to data in page | page update |",
             "|---|---:|---:|---:|---:|"]
    for r in result["edits"]:
        lines.append(f"| {r['edit']} | {r['seconds']:.3f} | {r['server_render']:.3f} | {r['to_page']:.3f} | "
                     f"{r['page_update']:.3f} |")
    lines.append(f"median {result['median']:.3f} s, max {result['max']:.3f} s; "
                 f"{result['within_target']}/{len(result['edits'])} within {result['target']} s; "
                 f"first page {result['first_page']:.2f} s")
    return "\n".join(lines)
