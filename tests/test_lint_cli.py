"""`prep lint` and `prep render --lint` through the CLI: exit codes, paths,
selection, output, hotspots; in-process (click's runner) and as a real
subprocess."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from conftest import EXAMPLES
from workspace_files import file_writer

CLEAN = "deliverable a [external]\nknowhow k [owner: [Sato, Ito]]\ndeliverable r [final]\na, k -> r\n"
WARN = "deliverable a [external]\nknowhow k [owner: Sato]\ndeliverable r [final]\na, k -> r\n"
INFO_ONLY = CLEAN + "a, k -> u\nu -> r\n"   # only I104 (info): 'u' is never declared
SYNTAX = "deliverable a [external]\na => b\n"
MODEL_ERROR = CLEAN.replace("[final]", "[final, colour: red]")


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write = file_writer(tmp_path)
    write.path = tmp_path
    return write


@pytest.mark.parametrize("text,code", [(CLEAN, 0), (WARN, 1), (SYNTAX, 2), (MODEL_ERROR, 1)])
def test_exit_codes(here, cli, text, code):
    here("m.prep", text)
    r = cli("lint", "m.prep")
    assert r.exit_code == code, r.output
    assert "Traceback" not in r.output


@pytest.mark.parametrize("text,code", [(CLEAN, 0), (WARN, 1), (SYNTAX, 2)])
def test_exit_codes_as_a_real_process(here, prep_run, text, code):
    here("m.prep", text)
    p = prep_run("lint", "m.prep", cwd=here.path)
    assert p.returncode == code, p.stderr.decode()
    assert b"Traceback" not in p.stderr


def test_real_process_prints_utf8_text_and_sarif(here, prep_run):
    here("モデル.prep", WARN.replace("Sato", "佐藤"))
    p = prep_run("lint", cwd=here.path)
    out = p.stdout.decode("utf-8")
    assert p.returncode == 1
    assert out.startswith("モデル.prep:2:9: K201 [warning] knowhow 'k' is held by one person only (佐藤)")
    assert out.endswith("Checked 1 file: 1 finding (1 warning).\n")
    p = prep_run("lint", "--format", "sarif", "モデル.prep", cwd=here.path)
    assert json.loads(p.stdout)["runs"][0]["results"][0]["ruleId"] == "K201"


def test_model_errors_are_findings_not_input_errors(here, cli):
    here("m.prep", MODEL_ERROR)
    r = cli("lint", "--format", "json", "m.prep")
    assert r.exit_code == 1
    assert [d["code"] for d in json.loads(r.stdout)] == ["E005"]
    assert cli("lint", "--ignore", "E005", "m.prep").exit_code == 0


def test_syntax_error_wins_over_fail_on_and_selection(here, cli):
    here("m.prep", SYNTAX)
    for args in (("--fail-on", "never"), ("--select", "K"), ("--ignore", "E")):
        r = cli("lint", *args, "m.prep")
        assert r.exit_code == 2
        assert "E001 [error] '=>' is not an arrow" in r.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_unreadable_files_are_reported_in_the_format_and_exit_2(here, cli, fmt):
    here("binary.prep", b"a -> b\x00\x01")
    r = cli("lint", "--format", fmt, "binary.prep", "missing.prep")
    assert r.exit_code == 2
    assert r.stdout.count("E000") >= 2 or fmt == "sarif"
    if fmt == "json":
        assert [(d["path"], d["code"]) for d in json.loads(r.stdout)] == [
            ("binary.prep", "E000"), ("missing.prep", "E000")]
    if fmt == "sarif":
        assert [x["ruleId"] for x in json.loads(r.stdout)["runs"][0]["results"]] == ["E000", "E000"]


def test_fail_on_levels(here, cli):
    here("m.prep", INFO_ONLY)
    r = cli("lint", "--format", "json", "m.prep")
    assert [(d["code"], d["severity"]) for d in json.loads(r.stdout)] == [("I104", "info")]
    assert r.exit_code == 0
    assert cli("lint", "--fail-on", "info", "m.prep").exit_code == 1
    here("w.prep", WARN)
    assert cli("lint", "--fail-on", "error", "w.prep").exit_code == 0
    assert cli("lint", "--fail-on", "never", "w.prep").exit_code == 0
    assert cli("lint", "--severity", "K201=error", "--fail-on", "error", "w.prep").exit_code == 1


def test_folders_recurse_and_skip_hidden_folders(here, cli):
    here("a/one.prep", WARN)
    here("a/b/two.prep", WARN)
    here("a/.git/three.prep", SYNTAX)
    here(".venv/x.prep", SYNTAX)
    here("a/notes.txt", SYNTAX)
    r = cli("lint", "--format", "json")
    assert r.exit_code == 1
    assert sorted({d["path"] for d in json.loads(r.stdout)}) == ["a/b/two.prep", "a/one.prep"]
    # a hidden file given by name is linted
    r = cli("lint", ".venv/x.prep")
    assert r.exit_code == 2


def test_no_models_found(here, cli):
    here("empty/readme.txt", "nothing")
    r = cli("lint", "empty")
    assert r.exit_code == 0
    assert "no .prep files found under empty" in r.stderr


def test_select_ignore_and_options_on_the_command_line(here, cli):
    here("m.prep", "knowhow k [owner: a]\nk, x -> a\nk, x -> b\nk, x -> c\n")

    def found(*args):
        return sorted({d["code"] for d in json.loads(cli("lint", "--format", "json", *args, "m.prep").stdout)})

    assert found() == ["I102", "I103", "I104", "K201", "K203"]
    assert found("--select", "K") == ["K201", "K203"]
    assert found("--select", "K,I102") == ["I102", "K201", "K203"]
    assert found("--select", "K", "--select", "I102") == ["I102", "K201", "K203"]
    assert found("--ignore", "I", "--ignore", "personal-knowhow") == ["K203"]
    assert found("--select", "K", "--option", "knowhow-bottleneck.min-consumers=4") == ["K201"]


def test_statistics(here, cli):
    here("m.prep", WARN)
    r = cli("lint", "--statistics", "m.prep")
    assert r.exit_code == 1
    assert r.stdout == "1  K201  personal-knowhow  [warning]\nChecked 1 file: 1 finding (1 warning).\n"
    r = cli("lint", "--statistics", "--format", "json", "m.prep")
    assert json.loads(r.stdout) == [{"code": "K201", "name": "personal-knowhow", "severity": "warning", "count": 1}]


def test_output_file(here, cli):
    here("m.prep", WARN)
    r = cli("lint", "--format", "sarif", "-o", "out.sarif", "m.prep")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert json.loads((here.path / "out.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"


def test_hotspots(here, cli):
    here("m.prep", "s <~> a\nknowhow k [owner: x]\nk, s -> m\nm, a -> z\nq ~> s\n")
    r = cli("lint", "--hotspots", "2", "m.prep")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "m.prep: top 2 of 6 deliverables by fragility (score = S + 2K + 5F)"
    assert lines[2].split()[1:] == ["7.00", "0", "1", "3", "1", "1.00", "m"]
    assert lines[3].split()[-1] == "s"
    # `--hotspots` without N before a path: the path stays a path, N is 10
    r = cli("lint", "--hotspots", "m.prep", "--format", "json")
    ranked = json.loads(r.stdout)
    assert [h["rank"] for h in ranked] == list(range(1, len(ranked) + 1))
    assert ranked[0]["deliverable"] == "m" and ranked[0]["score"] == 7.0
    here("bad.prep", SYNTAX)
    assert cli("lint", "--hotspots", "bad.prep").exit_code == 2
    # a table is no finding: sarif and github were written as text (into a .sarif file)
    for args in (("--hotspots", "3"), ("--statistics",)):
        for fmt in ("sarif", "github"):
            r = cli("lint", *args, "--format", fmt, "-o", "h.sarif", "m.prep")
            assert r.exit_code == 2 and f"{args[0]} writes text or json, not {fmt}" in r.output, (args, r.output)
    assert not (here.path / "h.sarif").exists()


def test_lint_examples_folder(cli):
    r = cli("lint", "--format", "json", str(EXAMPLES))
    found = json.loads(r.stdout)
    assert r.exit_code == 1
    naive = [d["code"] for d in found if d["path"].endswith("feature-addition-naive.prep")]
    honest = [d["code"] for d in found if d["path"].endswith("feature-addition-honest.prep")]
    assert "I101" in naive and honest == []


# --- prep render --lint: findings on the picture -------------------------

SVG = "{http://www.w3.org/2000/svg}"


def _nodes(svg_path):
    root = ET.parse(svg_path).getroot()
    out = {}
    for g in root.iter(f"{SVG}g"):
        classes = (g.get("class") or "").split()
        if "node" in classes:
            title = g.find(f"{SVG}title")
            out[title.text.split(" — ")[0]] = (classes, title.text)
    return out, root


def test_render_lint_colours_nodes_and_names_codes(here, cli):
    here("m.prep", 'deliverable a [external]\nknowhow k [owner: Sato]\ndeliverable r [final]\n'
                   'a, k -> r\nr -> r\nc <~> d\n')
    r = cli("render", "--lint", "--legend", "m.prep", "-o", "m.svg")
    assert r.exit_code == 0, r.output
    nodes, root = _nodes(here.path / "m.svg")
    assert "prep-health-yellow" in nodes["k"][0] and "K201 [warning]" in nodes["k"][1]
    assert "prep-health-red" in nodes["r"][0] and "E004 [error]" in nodes["r"][1]
    assert "prep-health-green" in nodes["a"][0]
    assert "prep-health-lime" in nodes["c"][0] and "I104 [info]" in nodes["c"][1]
    legend = [g for g in root.iter(f"{SVG}g") if "prep-legend" in (g.get("class") or "")]
    assert legend
    texts = " ".join(t.text or "" for g in legend for t in g.iter(f"{SVG}text"))
    for word in ("no finding", "info", "warning", "error"):
        assert word in texts


def test_render_lint_respects_suppressions(here, cli):
    here("m.prep", "deliverable a [external]\nknowhow k [owner: Sato]  # prep: ignore[K201]\n"
                   "deliverable r [final]\na, k -> r\n")
    assert cli("render", "--lint", "m.prep", "-o", "m.svg").exit_code == 0
    nodes, _ = _nodes(here.path / "m.svg")
    assert all("prep-health-green" in classes for classes, _ in nodes.values())


def test_render_without_lint_has_no_health_classes(here, cli):
    here("m.prep", WARN)
    assert cli("render", "m.prep", "-o", "m.svg").exit_code == 0
    nodes, _ = _nodes(here.path / "m.svg")
    assert nodes and not any(c.startswith("prep-health") for classes, _ in nodes.values() for c in classes)


def test_hotspot_ranking_is_the_same_in_small_batches(monkeypatch):
    """The flow term is computed over batches of target deliverables so memory
    stays linear; the batch size must not change the ranking."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from generate import generate

    import prep
    from prep.linter import hotspots

    model = prep.loads(generate(600), strict=False)
    whole = hotspots.rank(model, top=None)
    monkeypatch.setattr(hotspots, "REACH_BITS", 600 * 37)  # batches of 256 targets
    assert hotspots.reach_counts(model, model.index, batch=37) == hotspots.reach_counts(model, model.index)
    assert hotspots.rank(model, top=None) == whole
    assert len(whole) > 100
    assert max(h.flow for h in whole) == 1.0
