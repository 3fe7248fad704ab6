"""The live preview's speed (issues 14 and 21): from saving the model to the
updated picture in the browser, for a generated model (200 deliverables by
default); and the same saves re-rendered by `prep render --stable`.

It starts `prep serve` as a real process, opens its page in headless
Chromium (tests/browser.py), and for each edit writes the file and waits for
the page to swap the picture. The time is from just before the write (this
process's clock) to the moment the page has drawn it (the page's
`Date.now()` after the first frame drawn with the new picture, panel and
marks; the same machine, so the same clock). The server's own render time ("updated in X s"
on its stderr) is recorded too.

Three kinds of edit take turns:
- relation: a new relation between deliverables already there (no new label);
- deliverable: a new deliverable whose label has no character not drawn
  before (its label must be measured);
- new characters: a new deliverable whose label has three kanji never
  drawn before in this run (JIS levels 1 and 2, none in the model): the
  page must show glyphs it has not had.

The server runs with a cache folder of its own (XDG_CACHE_HOME), empty but
for what a user who has run prep before has in it: when this prep has a
base face for the live page (prep.renderer.webfont.base_font) it is cut
first, timed apart ("first preview on a machine"); the first render then
leaves its font subsets there, as it would.

`prep serve` always re-renders keeping the boxes where they were (the last
layout is the next one's `previous`); it has no --stable option. The
command line's `prep render --stable FILE.layout.json` does the same from a
file: `stable` times it (a whole process per save) for the same edits;
with --serve-stable-cold once more from an empty cache (a machine where no
preview ran: no base face), a second apart.

    python bench/run.py --only-serve                 # N = 200, 15 edits, then 6 prep render --stable
    python bench/run.py --only-serve --serve-n 1000 --serve-edits 9
    python bench/run.py --only-serve --serve-profile long-range
"""

from __future__ import annotations

import os
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
TARGET_SECONDS = {200: 0.5, 1000: 1.0}
KINDS = ("relation", "deliverable", "new characters")


def target_for(n: int) -> float:
    return TARGET_SECONDS.get(n, 0.5 if n <= 200 else 1.0)


def _wait(driver, script: str, timeout: float = 30.0):
    end = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script)
        if value:
            return value
        if time.monotonic() > end:
            raise RuntimeError(f"timed out waiting for: {script} (the save did not reach the page)")
        time.sleep(0.005)


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (Linux /proc; [] elsewhere)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            continue
    return out


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, with reaped children's) of `pid` and its
    descendants so far: what a save cost the processes, whatever else the
    machine was doing."""
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    return total / os.sysconf("SC_CLK_TCK")


def _unused_kanji(text: str) -> list[str]:
    """JIS X 0208 kanji (levels 1 and 2, rows 16-84) not in `text`, in JIS order."""
    out = []
    for row in range(16, 85):
        for cell in range(1, 95):
            try:
                ch = bytes([0xA0 + row, 0xA0 + cell]).decode("euc_jp")
            except UnicodeDecodeError:
                continue
            if ch not in text:
                out.append(ch)
    return out


def edits_of(text: str, edits: int, offset: int = 0):
    """[(kind, line to append)]: the kinds in turn; `offset` makes later
    series use other kanji and other names."""
    names = re.findall(r"^\s*(?:deliverable|knowhow)\s+(\S+)", text, re.M)
    fresh = iter(_unused_kanji(text)[offset * 3 * edits:])
    out = []
    for i in range(edits):
        kind = KINDS[i % len(KINDS)]
        j = i + offset * edits
        a, b = names[(7 * j) % len(names)], names[(7 * j + 3) % len(names)]  # never the same
        if kind == "relation":
            out.append((kind, f"{a} ~> {b}\n"))
        elif kind == "deliverable":  # characters the model draws already (its names), a new number
            out.append((kind, f"{a} -> {a.rsplit('-', 1)[0]}-{100000 + j}\n"))
        else:
            out.append((kind, f"{a} -> {''.join(next(fresh) for _ in range(3))}台帳{j}\n"))
    return out


def _warm_cache(env: dict, prep: list[str]) -> float | None:
    """Cut the live page's base face into the fresh cache, as the first
    preview on a machine does (None: this prep has none)."""
    python = prep[0] if prep[0].endswith(("python", "python3")) else sys.executable
    code = ("import prep.renderer.webfont as w, sys, time\n"
            "if not hasattr(w, 'base_font'): sys.exit(3)\n"
            "t = time.perf_counter(); w.base_font(); print(time.perf_counter() - t)\n")
    r = subprocess.run([python, "-c", code], env=env, capture_output=True, text=True, timeout=600,
                       cwd=env["XDG_CACHE_HOME"])  # not this folder: its prep would come first
    return float(r.stdout) if r.returncode == 0 else None


def _summary(rows: list[dict], target: float) -> dict:
    out = {}
    for kind in KINDS:
        seconds = [r["seconds"] for r in rows if r["edit"] == kind]
        if seconds:
            out[kind] = {"median": statistics.median(seconds), "max": max(seconds), "saves": len(seconds),
                         "within_target": sum(s <= target for s in seconds)}
            for part in ("server_render", "server_cpu", "browser_cpu", "page_update", "cpu"):
                values = [r[part] for r in rows if r["edit"] == kind and part in r]
                if values:
                    out[kind][part] = statistics.median(values)
    return out


def bench_serve(n: int = 200, edits: int = 15, prep: list[str] | None = None, profile: str = "local",
                stable_edits: int = 6, stable_cold: bool = False) -> dict:
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import chromium, missing
    from generate import generate

    reason = missing()
    if reason is not None:
        return {"n": n, "profile": profile, "skipped": f"no headless browser: {reason}"}
    prep = prep or [sys.executable, "-m", "prep"]
    target = target_for(n)
    with tempfile.TemporaryDirectory(prefix="prep-bench-serve-") as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=str(Path(tmp) / "cache"))
        Path(env["XDG_CACHE_HOME"]).mkdir()
        base_cut = _warm_cache(env, prep)
        model = Path(tmp) / "m.prep"
        text = generate(n, 0, profile)
        model.write_text(text, encoding="utf-8")
        proc = subprocess.Popen(prep + ["serve", str(model), "--no-open", "--port", "0"], cwd=tmp,
                                stderr=subprocess.PIPE, text=True, env=env)
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
            for i, (kind, line) in enumerate(edits_of(text, edits)):
                text += line
                time.sleep(0.3)  # one save at a time, as a person saves
                cpu0 = cpu_seconds(proc.pid), cpu_seconds(driver.service.process.pid)
                t0 = time.time() * 1000
                model.write_text(text, encoding="utf-8")
                _wait(driver, f"return prepViewer.shownVersion === {i + 2}")
                received, shown = driver.execute_script("return [prepViewer.receivedAt, prepViewer.updatedAt]")
                cpu1 = cpu_seconds(proc.pid), cpu_seconds(driver.service.process.pid)
                m = None
                while m is None:
                    server_line = lines.get(timeout=30)
                    m = re.search(r"updated in ([0-9.]+) s", server_line)
                rows.append({"edit": kind, "seconds": round((shown - t0) / 1000, 3),
                             "server_render": float(m.group(1)),
                             "to_page": round((received - t0) / 1000, 3),  # save -> the page has the data
                             "page_update": round((shown - received) / 1000, 3),
                             "server_cpu": round(cpu1[0] - cpu0[0], 2),  # prep serve and its render worker
                             "browser_cpu": round(cpu1[1] - cpu0[1], 2)})  # every Chromium process
        finally:
            if driver is not None:
                driver.quit()
            proc.send_signal(signal.SIGINT)  # as Ctrl-C: the server stops its render worker too
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        stable = bench_stable(model, text, stable_edits, prep, env) if stable_edits else []
        cold = []
        if stable_edits and stable_cold:  # a machine where no preview ran: no base face, no subsets
            env_cold = dict(env, XDG_CACHE_HOME=str(Path(tmp) / "cache-cold"))
            Path(env_cold["XDG_CACHE_HOME"]).mkdir()
            cold = bench_stable(model, text, stable_edits, prep, env_cold, pause=1.0)
            _wait_for_background_cut(Path(env_cold["XDG_CACHE_HOME"]))
    seconds = [r["seconds"] for r in rows]
    return {"n": n, "profile": profile, "edits": rows, "first_page": round(first_page, 3),
            "base_face_cut": None if base_cut is None else round(base_cut, 3),
            "median": statistics.median(seconds), "max": max(seconds), "target": target,
            "within_target": sum(s <= target for s in seconds), "kinds": _summary(rows, target),
            "stable": stable, "stable_kinds": _summary(stable, target) if stable else {},
            "stable_cold": cold, "stable_cold_kinds": _summary(cold, target) if cold else {}}


def _wait_for_background_cut(cache: Path, timeout: float = 120.0) -> None:
    """Let a base-face cut started by the renders (prep.renderer.webfont.
    cut_base_later) finish before the folder goes: it would otherwise go on
    using a core while the next benchmark runs."""
    end = time.monotonic() + timeout
    while any(cache.glob("prep/font-subsets/*.cutting")) and time.monotonic() < end:
        time.sleep(0.2)


def bench_stable(model: Path, text: str, edits: int, prep: list[str], env: dict, pause: float = 0.0) -> list[dict]:
    """The same kinds of save re-rendered by `prep render --stable` (a whole
    process each: start, load, lay out keeping the boxes, draw, font),
    `pause` seconds apart (a person saving: what starts in the background
    has that long)."""
    layout = model.with_suffix(".layout.json")
    svg = model.with_suffix(".svg")
    command = prep + ["render", str(model), "--stable", str(layout), "-o", str(svg)]
    model.write_text(text, encoding="utf-8")  # without an earlier series' edits (their characters would be drawn)
    subprocess.run(command, env=env, capture_output=True, check=True, timeout=600)  # the layout file
    rows = []
    import resource

    def children_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    for kind, line in edits_of(text, edits, offset=1):
        time.sleep(pause)
        text += line
        model.write_text(text, encoding="utf-8")
        cpu0, t0 = children_cpu(), time.perf_counter()
        r = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        seconds, cpu = time.perf_counter() - t0, children_cpu() - cpu0
        if r.returncode != 0:
            raise RuntimeError(f"prep render --stable failed: {r.stderr}")
        rows.append({"edit": kind, "seconds": round(seconds, 3), "cpu": round(cpu, 3)})
    return rows


def table(result: dict) -> str:
    if "skipped" in result:
        return f"serve: skipped ({result['skipped']})"
    lines = [f"prep serve, {result['n']} deliverables ({result['profile']}): save -> updated picture in the browser",
             "| edit | save to picture (s) | of which: server render | save to data in page | page update "
             "| CPU: server | CPU: browser |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in result["edits"]:
        lines.append(f"| {r['edit']} | {r['seconds']:.3f} | {r['server_render']:.3f} | {r['to_page']:.3f} | "
                     f"{r['page_update']:.3f} | {r.get('server_cpu', 0):.2f} | {r.get('browser_cpu', 0):.2f} |")
    lines.append(f"median {result['median']:.3f} s, max {result['max']:.3f} s; "
                 f"{result['within_target']}/{len(result['edits'])} within {result['target']} s; "
                 f"first page {result['first_page']:.2f} s"
                 + (f"; base face cut once in {result['base_face_cut']:.2f} s" if result.get("base_face_cut") else ""))
    for title, kinds in (("prep serve", result["kinds"]), ("prep render --stable", result.get("stable_kinds", {})),
                         ("prep render --stable, cold cache", result.get("stable_cold_kinds", {}))):
        for kind, s in kinds.items():
            lines.append(f"  {title}, {kind}: median {s['median']:.3f} s, max {s['max']:.3f} s, "
                         f"{s['within_target']}/{s['saves']} within {result['target']} s"
                         + (f"; CPU median: server {s['server_cpu']:.2f} s, browser {s['browser_cpu']:.2f} s"
                            if "server_cpu" in s else "")
                         + (f"; CPU median {s['cpu']:.2f} s" if "cpu" in s else ""))
    return "\n".join(lines)
