"""Every rule: its bad example fires, its good example is clean, and small
cases as data (model text -> expected (code, line) pairs)."""

from __future__ import annotations

import os

import pytest

import prep
from prep.language.diagnostics import SEVERITIES, PrepError
from prep.linter import lint_model
from prep.linter.rules import BY_NAME, FAMILIES, RULES

from conftest import EXAMPLES


def findings(text: str, **options):
    try:
        model = prep.loads(text, "t.prep", strict=False)
    except PrepError as e:
        return list(e.diagnostics)
    return lint_model(model, **options)


def pairs(text: str, code: str | None = None, **options) -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in findings(text, **options) if code is None or d.code == code]


# where each rule's bad example fires: (code, line) of the rule's own findings
BAD_EXPECTED = {
    "E001": [("E001", 4)],
    "E002": [("E002", 3)],
    "E003": [("E003", 6)],
    "E004": [("E004", 5)],
    "E005": [("E005", 1)],
    "E006": [("E006", 2)],
    "E007": [("E007", 5)],
    "E008": [("E008", 5)],
    "E009": [("E009", 1)],
    "I101": [("I101", 3)],
    "I102": [("I102", 1)],
    "I103": [("I103", 3)],
    "I104": [("I104", 4)],
    "I105": [("I105", 3)],
    "K201": [("K201", 2)],
    "K202": [("K202", 3)],
    "K203": [("K203", 2)],
    "S301": [("S301", 6)],
    "S302": [("S302", 3)],
    "S303": [("S303", 9)],
    "T401": [("T401", 2)],
    "T402": [("T402", 6)],
    "T403": [("T403", 10)],
    "T404": [("T404", 2)],
    "T405": [("T405", 9)],
    "T406": [("T406", 1)],
    "M501": [("M501", 7)],
    "M502": [("M502", 14)],
    "M503": [("M503", 10), ("M503", 11)],
    "M504": [("M504", 12)],
    "P001": [("P001", 3)],
}


def test_registry_is_complete_and_consistent():
    required = {"I101", "I102", "I103", "I104", "K201", "K202", "K203", "S301", "S302", "S303",
                "E001", "E002", "E003", "E004", "E005", "E006"}
    assert required <= set(RULES)
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names)), "rule names must be unique"
    for code, r in RULES.items():
        assert r.code == code and r.family in FAMILIES
        assert r.severity in SEVERITIES
        assert r.summary and r.question and r.why and r.fix
        assert BY_NAME[r.name] is r
        if r.stage == "lint":
            assert r.check is not None, code
        else:
            assert r.check is None, code
        for o in r.options:
            assert o.default >= o.minimum and o.help
    # only E000 (a file problem, not a model) has no example
    assert {c for c, r in RULES.items() if r.bad is None or r.good is None} == {"E000"}
    assert set(BAD_EXPECTED) == {c for c, r in RULES.items() if r.bad is not None}


@pytest.mark.parametrize("code", sorted(BAD_EXPECTED))
def test_bad_example_fires(code):
    assert pairs(RULES[code].bad, code) == BAD_EXPECTED[code]


@pytest.mark.parametrize("code", sorted(BAD_EXPECTED))
def test_good_example_is_clean(code):
    # not just silent for its own rule: a good example shows a clean model
    assert findings(RULES[code].good) == []


@pytest.mark.parametrize("code", sorted(BAD_EXPECTED))
def test_findings_name_their_rule_and_subject(code):
    for d in findings(RULES[code].bad):
        rule = RULES[d.code]
        assert d.name == rule.name
        assert d.severity == rule.severity
        if d.code.startswith(("I", "K", "S")) or d.code in ("E003", "E004", "E007", "E005", "E006"):
            assert d.subject is not None, d


# rule cases as data: (model text, selected codes, expected (code, line) pairs)
CASES = [
    # I101: `->` and `~>` sources and `<~>` partners count once each; only what `->`/`~>` makes is checked
    ("a, b -> c [note: x]\n", "I101", []),
    ("a -> c\na -> c\n", "I101", [("I101", 1)]),
    ("a -> c\nb ~> c\n", "I101", []),
    ("a ~> c\n", "I101", [("I101", 1)]),
    # (a partner counts when it is made from something or external; an approval made from nothing does not)
    ("a -> c\nc <~> d\n", "I101", [("I101", 1)]),
    ("deliverable d [external]\na -> c\nc <~> d\n", "I101", []),
    ("deliverable d [external]\na -> c\nd <~> c\n", "I101", []),
    ("a -> c\nx, y -> d\nc <~> d\n", "I101", []),
    ("a -> c\nx ~> d\nc <~> d\n", "I101", []),
    ("deliverable a [external]\na -> c\nc <~> a\n", "I101", [("I101", 2)]),
    ("deliverable d [external]\nc <~> d\n", "I101", []),
    ("c -> c\n", "I101", []),
    ("deliverable d [external]\nc -> c\nc <~> d\n", "I101", [("I101", 2)]),
    # I102: external, knowhow, mutual partners and isolated deliverables are exempt
    ("deliverable a [external]\na, b -> c\n", "I102", [("I102", 2)]),
    ("knowhow k [owner: [x, y]]\nk, a -> c\n", "I102", [("I102", 2)]),
    ("a <~> b\n", "I102", []),
    ("deliverable lone\n", "I102", []),
    # I103: final, mutual partners and isolated deliverables are exempt; `~>` out is a use
    ("a, b -> c\n", "I103", [("I103", 1)]),
    ("deliverable c [final]\na, b -> c\n", "I103", []),
    ("a ~> b\ndeliverable b [final]\n", "I103", []),
    ("a, b -> c\nc <~> d\n", "I103", []),
    # I104: the first use is reported; a close declared name is suggested
    ("deliverable 要望リスト\n要望リスト, 仕様 -> 計画\n", "I104", [("I104", 2), ("I104", 2)]),
    # I105
    ("deliverable x\na, b -> c\n", "I105", [("I105", 1)]),
    # K201: min-owners option
    ("knowhow k\n", "K201", [("K201", 1)]),
    ("knowhow k [owner: [a, b]]\n", "K201", []),
    ("deliverable d [owner: a]\n", "K201", []),
    # K202: one tangible input is enough
    ("knowhow k [owner: [a, b]]\nknowhow j [owner: [a, b]]\nk, j -> r\n", "K202", [("K202", 3)]),
    ("knowhow k [owner: [a, b]]\nk, doc -> r\n", "K202", []),
    # K203
    ("knowhow k [owner: a]\nk -> a\nk -> b\n", "K203", []),
    ("knowhow k [owner: a]\nk -> a\nk -> b\nk ~> c\n", "K203", [("K203", 1)]),
    ("knowhow k [owner: [a, b]]\nk -> a\nk -> b\nk -> c\n", "K203", []),
    # S301: `~>` in, `~>` out and `<~>` all count
    ("a ~> b\nb ~> c\nb <~> d\n", "S301", [("S301", 1)]),
    ("a ~> b\nb ~> c\n", "S301", []),
    # S302: settled by one coordination, feeding another
    ("a ~> b\nb ~> c\n", "S302", [("S302", 1)]),
    ("a <~> b\nb ~> c\n", "S302", [("S302", 1)]),
    # mutual synchronizations of one deliverable are one coordination, not a chain
    ("a <~> b\nb <~> c\n", "S302", []),
    ("b <~> a\nb <~> c\nb <~> d\n", "S302", []),
    ("a ~> b\nb <~> c\n", "S302", [("S302", 1)]),
    ("a ~> b\nb <~> a\n", "S302", []),
    ("a <~> b\nb ~> a\n", "S302", []),
    ("a <~> b\nb <~> c\nb ~> d\n", "S302", [("S302", 1)]),
    ("a ~> b\nc ~> b\n", "S302", []),
    ("a <~> b\n", "S302", []),
    # S303: a consumer must take the counterpart, directly or through what is made from it
    ("s <~> a\ns, x -> m\n", "S303", [("S303", 2)]),
    ("s <~> a\ns, a -> m\n", "S303", []),
    ("s <~> a\na, s -> z\ns, z -> m\n", "S303", []),
    ("s <~> a\na, y -> z\n", "S303", [("S303", 2)]),
    ("s <~> a\ns, x -> a\n", "S303", []),
    ("s <~> a\ns ~> m\n", "S303", []),
    # E003: the loop is named; `~>` loops are not input cycles
    ("a -> b\nb -> a\n", "E003", [("E003", 2)]),
    ("a ~> b\nb ~> a\n", "E003", []),
    ("a -> b\nb -> c\nc -> a\nd -> e\ne -> d\n", "E003", [("E003", 3), ("E003", 5)]),
    # E004
    ("a -> a\na ~> a\na <~> a\n", "E004", [("E004", 1), ("E004", 2), ("E004", 3)]),
    # E007: `a <~> b` and `b <~> a` are one relation; different arrows are not duplicates
    ("a <~> b\nb <~> a\n", "E007", [("E007", 2)]),
    ("a -> b\na ~> b\n", "E007", []),
    # E002/E005/E006 come from the model builder and carry a subject
    ("deliverable a\nknowhow a\n", "E002", [("E002", 2)]),
    ("a -> b [final]\n", "E005", [("E005", 1)]),
    ("deliverable a [final: yes]\n", "E006", [("E006", 1)]),
]


@pytest.mark.parametrize("text,code,expected", CASES)
def test_rule_cases(text, code, expected):
    assert pairs(text, code) == expected


def test_cycle_message_names_the_loop():
    (d,) = findings("a -> b\nb -> c\nc -> a\n", select=["E003"])
    assert d.message == "'a' is, through `->`, an input of itself: a -> b -> c -> a"
    assert d.subject == "a"
    # at the relation read last, which closed the loop (a pull request's annotation stood at
    # a's declaration, a line it did not change), the loop's other relations related
    assert (d.span.line, d.span.column) == (3, 1)
    assert [(r.span.line, r.message) for r in d.related] == [(1, "'a -> b' is in the loop"),
                                                            (2, "'b -> c' is in the loop")]


def test_a_cycle_closed_in_another_file_is_found_there(tmp_path):
    """In a workspace the loop is closed by the relation read last: a part
    that adds `c -> a` to a loop of the root's relations is where the
    finding (and a pull request's annotation) is."""
    (tmp_path / "main.prep").write_text('include "part.prep"\na -> b\nb -> c\n', encoding="utf-8")
    (tmp_path / "part.prep").write_text("deliverable z\nc -> a\n", encoding="utf-8")
    model = prep.load(tmp_path / "main.prep", strict=False)
    (d,) = [d for d in prep.lint(model) if d.code == "E003"]
    assert (os.path.basename(d.span.path), d.span.line) == ("part.prep", 2)
    assert sorted((os.path.basename(r.span.path), r.span.line) for r in d.related) == [("main.prep", 2),
                                                                                       ("main.prep", 3)]


def test_undeclared_suggests_the_closest_declared_name():
    (d,) = findings('deliverable "request list" [external]\ndeliverable b\n"reqest list", b -> c\n'
                    'deliverable c\n', select=["I104"])
    assert d.hint == "did you mean 'request list'?"
    assert (d.span.line, d.span.column, d.span.end_column) == (3, 1, 14)
    (d,) = [d for d in findings("deliverable Request-List\nrequest_list, b -> c\n", select=["I104"])
            if d.subject == "request_list"]
    assert d.hint == "did you mean 'Request-List'?"


def test_names_folded_together_fold_as_each_alone():
    """I104 folds all declared names in one string: nothing may fold across
    the separator (combining marks, jamo, ligatures, half-width kana)."""
    from prep.linter.inputs import _fold, _fold_all

    names = ["\u0301a", "ｱｲｳ", "ﬁle", "Straße", "a b", "A-_B", "\u3000x", "ｶﾞ", "ﾞ", "e\u0301", "\u0345x",
             "Ǆ", "\u1100", "\u1161", "가", "x\u0000y", ""]
    for i in range(len(names)):
        chunk = names[i:] + names[:i]
        assert _fold_all(chunk) == [_fold(n) for n in chunk]
    (d,) = [d for d in findings("deliverable ｶﾞｲﾄﾞ\nガイド, b -> c\n", select=["I104"]) if d.subject == "ガイド"]
    assert d.hint == "did you mean 'ｶﾞｲﾄﾞ'?"


def test_relation_findings_are_about_the_target_and_point_at_it():
    (d,) = findings("s <~> a\ns, x -> m\n", select=["S303"])
    assert d.subject == "m"
    assert (d.span.line, d.span.column) == (2, 9)
    (d,) = findings("a -> b [colour: red]\n", select=["E005"])
    assert d.subject == "b"


def test_options_change_thresholds():
    text = "knowhow k [owner: a]\nk -> a\nk -> b\nk -> c\n"
    assert pairs(text, "K203") == [("K203", 1)]
    assert pairs(text, "K203", options={"knowhow-bottleneck": {"min-consumers": 4}}) == []
    assert pairs(text, "K201", options={"K201": {"min-owners": 1}}) == []
    assert pairs("a ~> b\nc ~> b\n", "S301", options={"coordination-hotspot": {"min-relations": 2}}) == [("S301", 1)]


def test_severity_override_and_selection():
    text = RULES["K201"].bad
    (d,) = [d for d in findings(text, severity={"K": "error"}) if d.code == "K201"]
    assert d.severity == "error"
    assert pairs(text, select=["I"]) == []
    assert pairs(text, ignore=["personal-knowhow"]) == []
    # the more specific selector wins, as in ruff
    assert pairs(text, select=["K201"], ignore=["K"]) == [("K201", 2)]
    assert pairs(text, select=["K"], ignore=["K201"]) == []


def test_unknown_rules_and_options_are_errors_that_name_them():
    from prep.linter import LintConfigError

    m = prep.loads("a -> b")
    with pytest.raises(LintConfigError, match="'K999'"):
        lint_model(m, select=["K999"])
    with pytest.raises(LintConfigError, match="'min-consumer'.*did you mean 'min-consumers'"):
        lint_model(m, options={"knowhow-bottleneck": {"min-consumer": 2}})
    with pytest.raises(LintConfigError, match="whole number"):
        lint_model(m, options={"K203": {"min-consumers": "3"}})
    with pytest.raises(LintConfigError, match="severity"):
        lint_model(m, severity={"K201": "fatal"})


# the method's own worked example ("adding a feature")
NAIVE = """\
title "Adding a feature (naive)"
deliverable "customer request list" [external]
deliverable approval [final]
"customer request list" -> "added service" <~> approval
"""

HONEST = """\
title "Adding a feature (honest)"
deliverable "customer request list" [external]
knowhow "development knowhow" [owner: ["dev lead", "dev team"]]
knowhow "review viewpoints" [owner: [QA, "dev lead"]]
deliverable "added service"
deliverable approval
deliverable release [final]
"customer request list", "development knowhow", "review viewpoints" -> "added service"
"added service" <~> approval
"added service", approval -> release
"""


def test_naive_feature_addition_is_missing_inputs_and_honest_one_is_not():
    assert ("I101", 4) in pairs(NAIVE)
    (d,) = [d for d in findings(NAIVE) if d.code == "I101"]
    assert d.subject == "added service"
    assert findings(HONEST) == []
    # exactly as the method's talk writes it, with nothing declared
    sketch = '"customer request list" -> "added service" <~> approval\n'
    assert [(d.code, d.subject) for d in findings(sketch) if d.code == "I101"] == [("I101", "added service")]


def test_examples_folder_naive_and_honest():
    naive = lint_model(prep.load(EXAMPLES / "feature-addition-naive.prep"))
    honest = lint_model(prep.load(EXAMPLES / "feature-addition-honest.prep"))
    assert "I101" in {d.code for d in naive}
    assert "I101" not in {d.code for d in honest}


def _big_model(n: int) -> str:
    """A layered process of n deliverables: 20% knowhow, 2-3 inputs each,
    some synchronization, made without the random module for stability."""
    lines = []
    for i in range(n):
        if i % 5 == 0:
            lines.append(f"knowhow k{i} [owner: [p{i % 7}{'' if i % 3 else ', q'}]]")
        elif i < 10:
            lines.append(f"deliverable d{i} [external]")
        else:
            lines.append(f"deliverable d{i}" + (" [final]" if i > n - 50 else ""))
    name = lambda i: f"k{i}" if i % 5 == 0 else f"d{i}"  # noqa: E731
    for i in range(10, n):
        if i % 5 == 0:
            continue
        srcs = {name(i - 1 - (i * 7) % 9), name(i - 2 - (i * 13) % 9), name(i - 3)}
        arrow = "~>" if i % 20 == 3 else "->"
        lines.append(", ".join(sorted(srcs)) + f" {arrow} {name(i)}")
        if i % 40 == 7:
            lines.append(f"{name(i)} <~> {name(i - 1)}")
    return "\n".join(lines) + "\n"


def test_lint_of_10000_deliverables_needs_no_networkx(tmp_path):
    """Lint works on a large model without importing NetworkX (its import
    alone costs about 0.25 s). Speed itself is measured by bench/run.py, not
    by a timed unit test."""
    import subprocess
    import sys

    src = tmp_path / "big.prep"
    src.write_text(_big_model(10_000), encoding="utf-8")
    code = ("import sys, prep; m = prep.load(sys.argv[1], strict=False); found = prep.lint(m); "
            "print(len(m.deliverables), len({d.code for d in found}), 'networkx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(src)], capture_output=True, text=True, check=True)
    count, kinds, networkx_loaded = out.stdout.split()
    assert int(count) == 10_000
    assert int(kinds) >= 4  # the generated model has findings of several kinds
    assert networkx_loaded == "False"


def test_public_api_lint_uses_the_same_engine():
    model = prep.loads(RULES["K203"].bad)
    assert [(d.code, d.span.line) for d in prep.lint(model)] == [("K201", 2), ("K203", 2)]
    assert [d.code for d in prep.lint(model, select="K203")] == ["K203"]
    assert prep.lint(model, options={"K203": {"min-consumers": 9}}, ignore=["K201"]) == []


@pytest.mark.parametrize("comma", ["、", "，", "､"])
def test_a_japanese_comma_between_names_is_pointed_out(cli, tmp_path, comma):
    """'、' (or a full-width comma) typed between two inputs is part of the
    name, so `見積書、先方予算 -> 見積合意` made one undeclared deliverable
    '見積書、先方予算', and the findings (no source, undeclared, one input)
    never said why. The undeclared finding's hint says that the comma is
    part of the name and how to write the list."""
    model = tmp_path / "m.prep"
    model.write_text(f"deliverable 見積書 [external]\ndeliverable 先方予算 [external]\n"
                     f"見積書{comma}先方予算 -> 見積合意\n", encoding="utf-8")
    result = cli("lint", str(model), "--format", "json")
    assert result.exit_code == 1, result.output
    import json

    (undeclared,) = [f for f in json.loads(result.output) if f["code"] == "I104" and f["subject"] != "見積合意"]
    assert undeclared["subject"] == f"見積書{comma}先方予算"
    assert f"'{comma}' is part of the name" in undeclared["hint"]
    assert "`見積書, 先方予算 -> ...`" in undeclared["hint"], undeclared["hint"]
