"""The benchmark as a CI smoke test: it must run at the small size and
produce its table and JSON. No timing is asserted (the machines CI runs on
are too noisy for that); the numbers live in docs/performance.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402


def test_generator_is_deterministic_and_realistic():
    import prep

    text = generate(500)
    assert text == generate(500)
    assert text != generate(500, seed=1)
    model = prep.loads(text)
    assert len(model.deliverables) == 500
    knowhow = sum(d.is_knowhow for d in model.deliverables.values())
    assert 0.15 <= knowhow / 500 <= 0.25
    kinds = [r.kind for r in model.relations]
    sync = sum(k != "input" for k in kinds) / len(kinds)
    assert 0.02 <= sync <= 0.10 and "mutual" in kinds and "sync" in kinds
    assert len(model.groups) >= 10 and any(g.parent for g in model.groups.values())
    assert any(d.owners for d in model.deliverables.values())
    assert not model.errors


def test_benchmark_runs_at_the_small_size(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "| N |" in proc.stdout
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["machine"]["cpus"] and result["startup"]["heavy_imports"] == []
    (row,) = result["sizes"]
    assert row["n"] == 100
    for key in ("lint_cold", "lint_warm", "render", "bare_graphviz"):
        assert "median" in row[key], (key, row[key])
        assert row[key]["peak_mib"] > 0
    assert row["render_ratio"] > 0
    assert set(row["split"]["stages"]) >= {"read", "parse", "build", "graph", "lint", "measure", "layout", "dot",
                                           "draw"}
    assert row["split"]["parser"] == "fast"
    # the layout benchmark (issue 10): both profiles, prep and dot, crossings; stability; diff (issue 12)
    layout = result["layout"]
    assert {(r["profile"], r["n"]) for r in layout["rows"]} == {("local", 200), ("long-range", 200)}
    for r in layout["rows"]:
        assert "median" in r["prep"] and "median" in r["dot"]
        assert r["prep_picture"]["crossings"] > 0 and r["dot_picture"]["crossings"] > 0
    assert [s["profile"] for s in layout["stability"]] == ["local", "long-range"]
    assert all(0 <= k <= 1 for s in layout["stability"] for k in s["kept"] + s["fresh_kept"])
    assert [(d["profile"], d["stages"]) for d in layout["diff"]] == [("local", 0), ("long-range", 0), ("long-range", 8)]
    assert all("median" in d["diff"] for d in layout["diff"])
    assert "crossings prep/dot" in proc.stdout and "prep diff" in proc.stdout and "long-range, 8 stages" in proc.stdout


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_startup_does_not_load_heavy_modules(args):
    # the click group itself: prep.cli.main() ends the process with os._exit
    code = ("import sys; from prep.cli import cli\n"
            "try:\n    cli.main(sys.argv[1:], prog_name='prep')\nexcept SystemExit:\n    pass\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('lark', 'networkx', 'pygraphviz'))\n"
            "print(heavy, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    assert proc.stderr.strip().splitlines()[-1] == "[]"


def test_lint_does_not_load_lark_or_networkx(tmp_path):
    (tmp_path / "m.prep").write_text(generate(200), encoding="utf-8")
    code = ("import sys; from prep.cli import cli\n"
            "try:\n    cli.main(['lint', 'm.prep', '--no-cache'], prog_name='prep')\nexcept SystemExit:\n    pass\n"
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'lark', 'networkx', 'pygraphviz'})\n"
            "print(heavy, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.stderr.strip().splitlines()[-1] == "[]"


def test_font_benchmark_runs(tmp_path):
    """bench/run.py --only-fonts (issue 14): sizes and times of the SVG with
    and without its font subset; only that section runs."""
    out = tmp_path / "fonts.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--only-fonts", "--fonts-examples", "1",
                           "--fonts-n", "20", "--render-runs", "1", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "| model | deliverables | characters |" in proc.stdout
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["sizes"] == [] and "layout" not in result
    rows = result["fonts"]["rows"]
    assert [r["model"] for r in rows] == ["cs-lifecycle", "generated 20"]   # the first example, by name
    for r in rows:
        assert r["embedded_bytes"] > r["bare_bytes"] and r["font_bytes"] > 1000 and r["characters"] > 20
        assert all("median" in r[k] for k in ("bare", "cold", "warm", "edited"))
