"""Authoring speed (issue 13), run by `python bench/run.py --only-authoring`:

- `prep fmt --check` on a 10,000-deliverable model, whole process (target
  <= 1 s), on a formatted file (the CI case) and on an unformatted one;
- `prep lsp`: the time from a change of a 1,000-deliverable document to its
  diagnostics arriving (target <= 0.3 s; includes the 0.05 s debounce), as
  an editor sees it: a real server process, JSON-RPC over stdio;
- `prep lsp` semantic tokens on 1,000 and 10,000 deliverables: the first
  full result for an opened document (after its diagnostics), a full
  result again for the same text, a full result and a delta right after a
  change (the tokens do not wait for the model to be read again). Alone:
  `python bench/authoring.py semantic-tokens [SIZES]`;
- `prep lsp` on a workspace (issue 20): 10,000 deliverables over 100
  files (bench/workspace.py's split), the root and five parts open: the
  time from a change of one part (a declaration other files use removed,
  then put back) to new diagnostics for every open file (target <= 0.3 s,
  median), and a rename of a name used across files, request to edit
  (target <= 1 s). Alone: `python bench/authoring.py lsp-workspace`.
"""

from __future__ import annotations

import json
import queue
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from generate import edit, generate


def bench_fmt(prep: list[str], work: Path, measure, n: int = 10_000, runs: int = 5, profile: str = "local") -> dict:
    raw = work / f"fmt-{n}.prep"
    raw.write_text(generate(n, profile=profile), encoding="utf-8")
    tidy = work / f"fmt-{n}-tidy.prep"
    tidy.write_text(raw.read_text(encoding="utf-8"), encoding="utf-8")
    subprocess.run(prep + ["fmt", str(tidy)], check=True, capture_output=True)
    return {"n": n,
            "check_formatted": measure(prep + ["fmt", "--check", str(tidy)], runs, cwd=work),
            "check_unformatted": measure(prep + ["fmt", "--check", str(raw)], runs, cwd=work, ok=(0, 1)),
            "format_in_place": measure(prep + ["fmt", str(raw)], 1, cwd=work)}


class _Client:
    """The smallest LSP client: Content-Length framed JSON over pipes. The
    server's output is read by a thread all the time, as an editor does: a
    server blocked writing diagnostics nobody reads stops reading its input,
    and a client then blocked writing a big change would wait forever."""

    def __init__(self, cmd: list[str], cwd: Path):
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.next_id = 0
        self.inbox: queue.Queue = queue.Queue()
        threading.Thread(target=self._read_all, daemon=True).start()

    def send(self, method: str, params, request: bool = False):
        msg = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            msg["id"] = self.next_id
        body = json.dumps(msg).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()
        return msg.get("id")

    def _read_all(self) -> None:
        while True:
            length = 0
            while True:
                line = self.proc.stdout.readline()
                if not line:
                    self.inbox.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            self.inbox.put(json.loads(self.proc.stdout.read(length)))

    def read(self) -> dict:
        msg = self.inbox.get(timeout=300)
        if msg is None:
            raise RuntimeError("the server closed its output")
        return msg

    def wait(self, predicate) -> dict:
        while True:
            msg = self.read()
            if predicate(msg):
                return msg

    def close(self):
        try:
            rid = self.send("shutdown", None, request=True)
            self.wait(lambda m: m.get("id") == rid)
            self.send("exit", None)
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            self.proc.kill()


def bench_lsp(prep: list[str], work: Path, n: int = 1_000, edits: int = 20, profile: str = "local") -> dict:
    path = work / f"lsp-{n}.prep"
    text = generate(n, profile=profile)
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client = _Client(prep + ["lsp"], work)
    try:
        rid = client.send("initialize", {"processId": None, "rootUri": work.as_uri(), "capabilities": {}}, True)
        client.wait(lambda m: m.get("id") == rid)
        client.send("initialized", {})
        t = time.perf_counter()
        client.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "prep", "version": 1,
                                                              "text": text}})
        client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")
        first = time.perf_counter() - t
        latencies = []
        for version in range(2, edits + 2):
            text = edit(text, seed=version, changes=1)
            t = time.perf_counter()
            client.send("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                   "contentChanges": [{"text": text}]})
            client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                        and m["params"].get("version") == version)
            latencies.append(time.perf_counter() - t)
            time.sleep(0.05)
    finally:
        client.close()
    return {"n": n, "open_to_diagnostics": first, "change_to_diagnostics": {
        "median": statistics.median(latencies), "max": max(latencies), "min": min(latencies), "edits": edits}}


def bench_lsp_workspace(prep: list[str], work: Path, n: int = 10_000, files: int = 100, edits: int = 20,
                        profile: str = "local") -> dict:
    import re

    from workspace import write_workspace

    folder = work / f"lsp-ws-{n}-{files}"
    root = write_workspace(folder, n, files, profile)
    (folder / "single.prep").unlink()  # the same model as one file: not part of this case
    parts = sorted((folder / "parts").glob("*.prep"))
    middle = parts[len(parts) // 2]
    opened = [root, parts[0], parts[len(parts) // 2 - 1], middle, parts[len(parts) // 2 + 1], parts[-1]]
    texts = {p: p.read_text(encoding="utf-8") for p in opened}
    # the declaration of the middle part that the most other files use:
    # removing it changes their findings, renaming it edits them all
    bodies = [p.read_text(encoding="utf-8") for p in parts if p != middle]
    decl = re.compile(r"^(\s*)(deliverable|knowhow) (\S+)", re.M)

    def files_using(name: str) -> int:
        word = re.compile(r"(^|[ ,>])" + re.escape(name) + r"($|[ ,\[])", re.M)
        return sum(1 for b in bodies if word.search(b))

    used = max(decl.finditer(texts[middle]), key=lambda m: files_using(m.group(3)))
    name = used.group(3)
    uses = files_using(name)
    line = texts[middle].count("\n", 0, used.start())
    start = used.start() - (texts[middle].rfind("\n", 0, used.start()) + 1)
    column = len(texts[middle][used.start() - start: used.start(3)].encode("utf-16-le")) // 2
    whole_line = texts[middle].split("\n")[line]
    without = texts[middle].replace(whole_line + "\n", "", 1)
    client = _Client(prep + ["lsp"], folder)
    uris = {p: p.as_uri() for p in opened}
    try:
        rid = client.send("initialize", {"processId": None, "rootUri": folder.as_uri(), "capabilities": {
            "workspace": {"workspaceEdit": {"documentChanges": True}}}}, True)
        client.wait(lambda m: m.get("id") == rid)
        client.send("initialized", {})

        def all_published(after_send):
            waiting = set(uris.values())
            while waiting:
                m = client.read()
                if m.get("method") == "textDocument/publishDiagnostics":
                    waiting.discard(m["params"]["uri"])
            return time.perf_counter() - after_send

        t = time.perf_counter()
        for p in opened:
            client.send("textDocument/didOpen", {"textDocument": {"uri": uris[p], "languageId": "prep", "version": 1,
                                                                  "text": texts[p]}})
        first = all_published(t)
        latencies = []
        for version in range(2, edits + 2):
            text = without if version % 2 == 0 else texts[middle]
            t = time.perf_counter()
            client.send("textDocument/didChange", {"textDocument": {"uri": uris[middle], "version": version},
                                                   "contentChanges": [{"text": text}]})
            latencies.append(all_published(t))
            time.sleep(0.05)
        renames = []
        edited = 0
        for i in range(edits // 2):
            t = time.perf_counter()
            rid = client.send("textDocument/rename", {"textDocument": {"uri": uris[middle]},
                                                      "position": {"line": line, "character": column},
                                                      "newName": f"{name}_{i}"}, True)
            reply = client.wait(lambda m: m.get("id") == rid)
            renames.append(time.perf_counter() - t)
            edited = len(reply["result"]["documentChanges"])
    finally:
        client.close()
    return {"n": n, "files": files, "open": len(opened), "open_to_diagnostics": first,
            "change_to_diagnostics": _median_of(latencies), "renamed": name, "used_in_files": uses,
            "rename_files_edited": edited, "rename": _median_of(renames)}


def lsp_workspace_table(r: dict) -> str:
    c, q = r["change_to_diagnostics"], r["rename"]
    return (f"prep lsp workspace, {r['n']:,} deliverables over {r['files']} files, {r['open']} open: "
            f"open -> diagnostics {r['open_to_diagnostics']:.2f} s; change of one file -> diagnostics of every "
            f"open file median {c['median']:.3f} s, max {c['max']:.3f} s over {c['runs']} edits (target <= 0.3 s); "
            f"rename across {r['rename_files_edited']} files median {q['median']:.3f} s, max {q['max']:.3f} s "
            f"(target <= 1 s)")


def _median_of(times: list[float]) -> dict:
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": len(times)}


def bench_semantic_tokens(prep: list[str], work: Path, sizes=(1_000, 10_000), runs: int = 10,
                          profile: str = "local") -> list[dict]:
    """Latency of textDocument/semanticTokens/full (and /full/delta) as a
    client sees it, request sent to response parsed, UTF-16 positions."""
    out = []
    for n in sizes:
        path = work / f"tokens-{n}.prep"
        text = generate(n, profile=profile)
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        client = _Client(prep + ["lsp"], work)
        try:
            rid = client.send("initialize", {"processId": None, "rootUri": work.as_uri(), "capabilities": {}}, True)
            client.wait(lambda m: m.get("id") == rid)
            client.send("initialized", {})
            client.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "prep", "version": 1,
                                                                  "text": text}})
            client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")

            def ask(method: str, params: dict):
                t = time.perf_counter()
                rid = client.send(method, params, True)
                reply = client.wait(lambda m: m.get("id") == rid)
                return time.perf_counter() - t, reply["result"]

            doc = {"textDocument": {"uri": uri}}
            analysed, tokens = [], 0
            for _ in range(runs):
                elapsed, result = ask("textDocument/semanticTokens/full", doc)
                analysed.append(elapsed)
                tokens, last_id = len(result["data"]) // 5, result["resultId"]
            changed, deltas = [], []
            for version in range(2, 2 + runs):
                text = edit(text, seed=version, changes=1)
                client.send("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                       "contentChanges": [{"text": text}]})
                if version % 2:
                    elapsed, result = ask("textDocument/semanticTokens/full", doc)
                    changed.append(elapsed)
                else:
                    elapsed, result = ask("textDocument/semanticTokens/full/delta",
                                          {**doc, "previousResultId": last_id})
                    deltas.append(elapsed)
                last_id = result["resultId"]
                time.sleep(0.1)  # let the debounced diagnostics go out between changes
        finally:
            client.close()
        out.append({"n": n, "lines": text.count("\n"), "tokens": tokens, "first_full": analysed[0],
                    "full_analysed": _median_of(analysed[1:]),
                    "full_after_change": _median_of(changed), "delta_after_change": _median_of(deltas)})
    return out


def semantic_tokens_table(rows: list[dict]) -> str:
    return "\n".join(
        f"prep lsp semantic tokens, {r['n']:,} deliverables ({r['lines']:,} lines, {r['tokens']:,} tokens): "
        f"first full {r['first_full']:.3f} s; full again {r['full_analysed']['median']:.3f} s; "
        f"full after a change {r['full_after_change']['median']:.3f} s; "
        f"delta after a change {r['delta_after_change']['median']:.3f} s (medians)"
        for r in rows)


def authoring_table(result: dict) -> str:
    f, l = result["fmt"], result["lsp"]

    def s(entry):
        return f"{entry['median']:.2f} s (cpu {entry['cpu']:.2f} s)" if "median" in entry else entry.get("error", "?")

    c = l["change_to_diagnostics"]
    return "\n".join([
        f"prep fmt --check, {f['n']:,} deliverables, formatted file:   {s(f['check_formatted'])}  (target <= 1 s)",
        f"prep fmt --check, {f['n']:,} deliverables, unformatted file: {s(f['check_unformatted'])}",
        f"prep fmt (in place), {f['n']:,} deliverables:                {s(f['format_in_place'])}",
        f"prep lsp, {l['n']:,} deliverables: open -> diagnostics {l['open_to_diagnostics']:.2f} s; "
        f"change -> diagnostics median {c['median']:.3f} s, max {c['max']:.3f} s over {c['edits']} edits "
        f"(target <= 0.3 s; includes the 0.05 s debounce)",
    ] + ([semantic_tokens_table(result["semantic_tokens"])] if "semantic_tokens" in result else [])
      + ([lsp_workspace_table(result["lsp_workspace"])] if "lsp_workspace" in result else []))


def bench_authoring(prep: list[str], work: Path, measure, runs: int = 5, profile: str = "local") -> dict:
    print(f"authoring ({profile}): prep fmt ...", file=sys.stderr, flush=True)
    result = {"profile": profile, "fmt": bench_fmt(prep, work, measure, runs=runs, profile=profile)}
    print(f"authoring ({profile}): prep lsp ...", file=sys.stderr, flush=True)
    result["lsp"] = bench_lsp(prep, work, profile=profile)
    print(f"authoring ({profile}): prep lsp semantic tokens ...", file=sys.stderr, flush=True)
    result["semantic_tokens"] = bench_semantic_tokens(prep, work, profile=profile)
    print(f"authoring ({profile}): prep lsp on a workspace ...", file=sys.stderr, flush=True)
    result["lsp_workspace"] = bench_lsp_workspace(prep, work, profile=profile)
    return result


if __name__ == "__main__":
    import tempfile

    from run import prep_command

    if sys.argv[1:2] == ["lsp-workspace"]:
        for profile in sys.argv[2:] or ["local"]:
            with tempfile.TemporaryDirectory(prefix="prep-bench-") as tmp:
                row = bench_lsp_workspace(prep_command(), Path(tmp), profile=profile)
            print(f"[{profile}] " + lsp_workspace_table(row))
            print(json.dumps(row, indent=2, ensure_ascii=False))
        sys.exit(0)
    if sys.argv[1:2] != ["semantic-tokens"]:
        sys.exit("usage: python bench/authoring.py semantic-tokens [SIZES, e.g. 1000,10000]\n"
                 "       python bench/authoring.py lsp-workspace [PROFILES: local long-range]")
    sizes = tuple(int(x) for x in sys.argv[2].split(",")) if len(sys.argv) > 2 else (1_000, 10_000)

    with tempfile.TemporaryDirectory(prefix="prep-bench-") as tmp:
        rows = bench_semantic_tokens(prep_command(), Path(tmp), sizes)
    print(semantic_tokens_table(rows))
    print(json.dumps(rows, indent=2))
