"""Views of part of a model through the command line (`--focus`, `--depth`,
`--group`), and the size guard that stops `prep render` before a layout that
would take Graphviz minutes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import prep.layouter.graphviz
from prep.cli import MAX_LAYOUT_DELIVERABLES

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from generate import generate  # noqa: E402

# a chain a0 -> a1 -> ... -> a6, with a side input, a mutual pair and groups
MODEL = """\
group 上流 {
  deliverable a0
  deliverable a1
  group 内側 { knowhow 技 }
}
group 下流 "Downstream" {
  deliverable a5
  deliverable a6
}
a0 -> a1 -> a2 -> a3 -> a4 -> a5 -> a6
技 -> a2
a4 <~> 相手
"""


@pytest.fixture
def model_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.prep").write_text(MODEL, encoding="utf-8")
    return tmp_path / "m.prep"


def drawn(cli, *args) -> set[str]:
    """The deliverables in the DOT that `prep render m.prep -o - -f dot ARGS` draws."""
    result = cli("render", "m.prep", "-o", "-", "--format", "dot", *args)
    assert result.exit_code == 0, result.output
    return set(re.findall(r'^\s*n\d+ \[label="([^"\\]*)', result.output, re.M))


def test_whole_model(cli, model_file):
    assert drawn(cli) == {"a0", "a1", "a2", "a3", "a4", "a5", "a6", "技", "相手"}


def test_focus_default_depth_is_two(cli, model_file):
    assert drawn(cli, "--focus", "a3") == {"a1", "a2", "a3", "a4", "a5", "技", "相手"}


@pytest.mark.parametrize("depth, expected", [
    (0, {"a3"}),
    (1, {"a2", "a3", "a4"}),
    (3, {"a0", "a1", "a2", "a3", "a4", "a5", "a6", "技", "相手"}),
])
def test_focus_depth(cli, model_file, depth, expected):
    assert drawn(cli, "--focus", "a3", "--depth", str(depth)) == expected


def test_focus_follows_mutual_synchronization_both_ways(cli, model_file):
    assert "a4" in drawn(cli, "--focus", "相手", "--depth", "1")


def test_group_includes_nested_groups(cli, model_file):
    assert drawn(cli, "--group", "上流") == {"a0", "a1", "技"}
    assert drawn(cli, "--group", "下流") == {"a5", "a6"}


def test_group_view_keeps_its_frame_in_the_svg(cli, model_file, tmp_path):
    result = cli("render", "m.prep", "--group", "下流", "-o", "g.svg")
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "g.svg").read_text(encoding="utf-8")
    assert "Downstream" in svg and "a5" in svg and "a0" not in svg


@pytest.mark.parametrize("args, wrong, suggestion", [
    (("--focus", "a33"), "deliverable named 'a33'", "did you mean 'a3'?"),
    (("--group", "下"), "group named '下'", "did you mean '下流'?"),
])
def test_unknown_names_suggest_the_nearest(prep_run, model_file, args, wrong, suggestion):
    result = prep_run("render", "m.prep", "-o", "x.svg", *args, cwd=model_file.parent)
    assert result.returncode == 2
    err = result.stderr.decode("utf-8")
    assert wrong in err and suggestion in err
    assert "Traceback" not in err
    assert not (model_file.parent / "x.svg").exists()


def test_size_guard_stops_before_the_layout(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    n = MAX_LAYOUT_DELIVERABLES + 1
    (tmp_path / "big.prep").write_text(generate(n), encoding="utf-8")

    def no_layout(*args, **kwargs):  # pragma: no cover - the test fails if reached
        raise AssertionError("the layout started")

    monkeypatch.setattr(prep.layouter.graphviz, "layout", no_layout)
    for fmt in ("svg", "png", "pdf"):
        result = cli("render", "big.prep", "-o", f"big.{fmt}")
        assert result.exit_code == 2
        assert f"{n} deliverables" in result.output
        for way_out in ("--focus", "--group", "--force"):
            assert way_out in result.output
        assert not (tmp_path / f"big.{fmt}").exists()
    # formats without a layout are never refused
    assert cli("render", "big.prep", "-o", "big.dot").exit_code == 0
    assert cli("render", "big.prep", "-o", "big.json").exit_code == 0


def test_size_guard_lets_views_and_force_through(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.prep").write_text(generate(MAX_LAYOUT_DELIVERABLES + 1), encoding="utf-8")
    laid_out = []

    def fake_layout(dot, fmt, **kwargs):
        laid_out.append(dot.count("label="))
        return b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'

    monkeypatch.setattr(prep.layouter.graphviz, "layout", fake_layout)
    from prep import loads

    model = loads((tmp_path / "big.prep").read_text(encoding="utf-8"))
    some = next(iter(model.deliverables))
    assert cli("render", "big.prep", "--focus", some, "-o", "f.svg").exit_code == 0
    assert cli("render", "big.prep", "--group", next(iter(model.groups)), "-o", "g.svg").exit_code == 0
    assert cli("render", "big.prep", "--force", "-o", "all.svg").exit_code == 0
    assert len(laid_out) == 3


def test_size_guard_as_a_real_process(prep_run, tmp_path):
    n = MAX_LAYOUT_DELIVERABLES + 1
    (tmp_path / "big.prep").write_text(generate(n), encoding="utf-8")
    result = prep_run("render", "big.prep", cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    err = result.stderr.decode("utf-8")
    assert "--focus" in err and "--group" in err and "--force" in err
    assert not (tmp_path / "big.svg").exists()
