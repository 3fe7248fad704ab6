"""How long the VS Code extension's grammar takes to highlight a whole model.

VS Code tokenizes a file line by line with the TextMate grammar when it opens
it (and again from an edited line on); a slow grammar makes big models lag.
This generates models of the given sizes (bench/generate.py), and times the
whole-file tokenization in Node with vscode-textmate + Oniguruma (the engine
VS Code uses; grammar loading excluded; median of runs). Needs Node and
editors/vscode/node_modules (`npm ci` there).

    python bench/run.py --vscode-grammar 1000,10000 --no-layout --sizes ""
    python bench/vscode_grammar.py 1000,10000
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXT = HERE.parent / "editors" / "vscode"
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402


def bench_vscode_grammar(sizes: list[int], runs: int = 5) -> dict:
    node = shutil.which("node")
    if not node or not (EXT / "node_modules" / "vscode-textmate").is_dir():
        return {"error": "needs node and editors/vscode/node_modules (npm ci in editors/vscode)"}
    rows = []
    with tempfile.TemporaryDirectory(prefix="prep-bench-grammar-") as tmp:
        for n in sizes:
            model = Path(tmp) / f"model-{n}.prep"
            model.write_text(generate(n), encoding="utf-8")
            done = subprocess.run([node, "scripts/tokenize.mjs", "--bench", str(runs), str(model)],
                                  cwd=EXT, capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                rows.append({"n": n, "error": done.stderr[-2000:]})
                continue
            r = json.loads(done.stdout)
            rows.append({"n": n, "lines": r["lines"], "tokens": r["tokens"], "runs": r["seconds"],
                         "median": statistics.median(r["seconds"])})
    return {"rows": rows}


def table(result: dict) -> str:
    if "error" in result:
        return f"VS Code grammar: skipped ({result['error']})"
    out = ["VS Code grammar: whole-file tokenization (vscode-textmate + Oniguruma, median)",
           f"{'N':>9} {'lines':>9} {'tokens':>10} {'seconds':>9} {'us/line':>8}"]
    for r in result["rows"]:
        if "error" in r:
            out.append(f"{r['n']:>9,} error: {r['error'][:60]}")
        else:
            out.append(f"{r['n']:>9,} {r['lines']:>9,} {r['tokens']:>10,} {r['median']:>9.3f} "
                       f"{r['median'] / r['lines'] * 1e6:>8.1f}")
    return "\n".join(out)


if __name__ == "__main__":
    sizes = [int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "1000,10000").split(",")]
    print(table(bench_vscode_grammar(sizes)))
