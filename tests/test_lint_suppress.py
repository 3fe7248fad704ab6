"""Inline suppressions and the unused-suppression finding (P001)."""

from __future__ import annotations

import prep
from prep.linter import lint_model


def lint(text: str, **kw):
    return [(d.code, d.span.line) for d in lint_model(prep.loads(text, "t.prep", strict=False), **kw)]


BASE = """\
deliverable a [external]
knowhow k [owner: Sato]
deliverable r [final]
a, k -> r
"""


def test_end_of_line_suppression_silences_that_code_on_that_line_only():
    assert lint(BASE) == [("K201", 2)]
    assert lint(BASE.replace("[owner: Sato]", "[owner: Sato]  # prep: ignore[K201]")) == []
    # another code on the same line does not silence it, and is itself reported
    assert lint(BASE.replace("[owner: Sato]", "[owner: Sato]  # prep: ignore[I101]")) == [("K201", 2), ("P001", 2)]


def test_suppression_on_another_line_does_not_apply():
    text = BASE.replace("a, k -> r", "a, k -> r  # prep: ignore[K201]")
    assert lint(text) == [("K201", 2), ("P001", 4)]


def test_several_codes_and_spacing_and_case():
    text = "a -> a  #   PREP: ignore[ e004 , I104 ]\n"
    assert lint(text, select=["E004", "I104", "P001"]) == []
    # a -> a has no I101 (a self-relation is no input), so naming it is reported
    text = "a -> a  # prep: ignore[E004, I104, I101]\n"
    assert lint(text) == [("P001", 1)]


def test_file_wide_suppression():
    text = "# prep: ignore-file[K201]\n" + BASE + "knowhow j\ndeliverable s [final]\nj, a -> s\n"
    assert lint(text) == []
    text = "# prep: ignore-file[K201, S301]\n" + BASE
    (d,) = lint_model(prep.loads(text, "t.prep"))
    assert (d.code, d.span.line) == ("P001", 1)
    assert d.message == "unused suppression: no S301 finding in this file"


def test_unknown_codes_and_empty_suppressions_are_reported():
    (d,) = lint_model(prep.loads(BASE.replace("[owner: Sato]", "[owner: Sato]  # prep: ignore[K201, X999]")))
    assert d.code == "P001" and d.message == "unused suppression: unknown code X999"
    (d,) = lint_model(prep.loads("deliverable a  # prep: ignore\n"), select=["P001"])
    assert d.message == "`# prep: ignore` names no code, so it silences nothing"


def test_suppression_of_a_deselected_rule_is_not_unused():
    # switching a rule off must not make its suppressions look unused
    text = BASE.replace("[owner: Sato]", "[owner: Sato]  # prep: ignore[K201]")
    assert lint(text, ignore=["K201"]) == []
    assert lint(text, select=["I"]) == []


def test_p001_can_be_ignored_and_model_errors_can_be_suppressed():
    text = "deliverable a [colour: red]  # prep: ignore[E005]\n"
    assert lint(text, select=["E005", "P001"]) == []
    assert lint("deliverable a  # prep: ignore[K201]\n", ignore=["P001"], select=["P", "K"]) == []


def test_plain_comments_are_not_suppressions():
    assert lint(BASE.replace("[owner: Sato]", "[owner: Sato]  # ignore K201, prep is fine")) == [("K201", 2)]


def test_p001_marks_the_directive_not_the_remark_after_it(tmp_path, cli, monkeypatch):
    """Teams write why after a suppression (`# prep: ignore[K201]  --
    handover planned, JIRA-12`); P001's caret and annotation covered the
    whole comment, the remark too, as if the remark were the mistake."""
    line = "knowhow k [owner: [Sato, Ito]]  # note # prep: ignore[K201]  -- handover planned, JIRA-12"
    (tmp_path / "m.prep").write_text(BASE.replace("knowhow k [owner: Sato]", line), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    (d,) = [d for d in lint_model(prep.load("m.prep")) if d.code == "P001"]
    start = line.index("# prep") + 1
    assert (d.span.line, d.span.column, d.span.end_column) == (2, start, start + len("# prep: ignore[K201]"))
    out = cli("lint", "--no-cache", "m.prep").output
    assert f"  {line}\n  {' ' * (start - 1)}{'^' * len('# prep: ignore[K201]')}\n" in out, out
