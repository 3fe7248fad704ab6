"""The fast path of the parser (prep/fastparse.py) builds exactly what the
Lark parser builds, or steps aside.

Every test compares the two on the same text: the statements (kinds, names,
labels, attributes, spans) and the comments must be equal, and text the fast
path does not accept must be left to Lark (scan returns None)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prep.language import fastparse
from prep.language.parse import grammar_path, parse_statements, parse_statements_lark

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402


def dump(value):
    """Statements as plain nested tuples, so two parses compare with ==."""
    if isinstance(value, (list, tuple)):
        return [dump(v) for v in value]
    slots = getattr(type(value), "__slots__", None)
    if slots and not hasattr(value, "__dataclass_fields__") and not isinstance(value, tuple):
        return (type(value).__name__,) + tuple(dump(getattr(value, s)) for s in slots)
    return value


def both(text: str, path: str = "t.prep"):
    fast = fastparse.scan(text, path)
    slow = parse_statements_lark(text, path)
    return fast, slow


def assert_same(text: str, *, must_be_fast: bool = True) -> None:
    fast, slow = both(text)
    if fast is None:
        assert not must_be_fast, f"the fast path refused:\n{text}"
        return
    assert dump(fast[0]) == dump(slow[0])
    assert fast[1] == slow[1]


def test_the_patterns_are_the_grammars():
    grammar = grammar_path().read_text(encoding="utf-8")
    terminals = dict(re.findall(r"^(NAME|STRING|WS):\s*/(.*)/\s*$", grammar, re.M))
    assert terminals["NAME"] == fastparse.NAME_PATTERN
    assert terminals["STRING"] == fastparse.STRING_PATTERN
    assert terminals["WS"] == fastparse.WS_PATTERN + "+"


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_generated_models(n):
    assert_same(generate(n))


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.prep")), ids=lambda p: p.name)
def test_examples(path):
    from prep.language.source import read_source

    assert_same(read_source(str(path)), must_be_fast=False)


SAMPLES = [
    'title "機能追加 (To-Be)"\n',
    "deliverable 顧客の要望リスト [external]   # tangible\n",
    "knowhow     開発ノウハウ [owner: 開発リーダー]\n",
    "knowhow     レビュー観点 [owner: [品質保証, 開発リーダー]]\n",
    'deliverable 追加のサービス "Added service (v2)"\n',
    'deliverable 承認 [final, note: "部長承認"]\n',
    "顧客の要望リスト, 開発ノウハウ, レビュー観点 -> 追加のサービス\n",
    "自社の候補日, 先方の候補日 ~> 打合せ日程\n",
    "追加のサービス <~> 承認\n",
    'draft -> review-notes -> "final report" [note: "2 rounds"] # chains\n',
    'group 保健師 "Public-health nurse" {\n  deliverable 保健指導計画 [stage: onboarding]\n'
    "  group nested { knowhow 面談スキル }\n}\n",
    "group a { group b { x -> y } }\n",
    # a group's colour (or fill), a name or a string, with its other attributes
    'group sales "営業" [colour: blue] {\n  deliverable a\n}\n',
    'group s [fill: "Green", stage: x, note: "n"] { group t [colour: gray] { a -> b } }\n',
    "group a {\n}\n",
    "group a { }\n",
    # measures: a declaration of its own kind, quoted thresholds, lists, inside blocks
    'measure 定着率 "weekly active" [of: plan, from: usage, target: ">= 60%", green: ">= 60%", lime: ">= 45%", '
    'yellow: ">= 30%", dear: adoption, owner: [CSM, "佐藤 花子"], note: "週次"]  # KPI\n',
    "measure m\n",
    'measure "open rate" [of: mail]\n',
    'stage s [exit: x] {\n  measure m [of: x, target: "< 3 日"]\n}\n',
    "measures, measure2 -> m\n",
    'a->b\npost-sales -> v1.2\n"a \\"q\\" b" -> "x\\ny"\n',
    "deliverable x []\n",
    "deliverable x [owner: []]\n",
    'deliverable"quoted"\n',
    "\u3000a\t->\fb\n",
    "a -> b # no newline at the end",
    "# only a comment\n\n\n",
    "",
    'a -> b [owner: [x, "y z"], stage: s]\n',
    'knowhow k "label" [owner: o] # c\n',
    "a,b->c,d\n",
    "-a -> b-\n",
    'deliverable x "l" [note: "#not a comment"] # a comment\n',
    # lists of bare names are split, not scanned: every kind of blank around the commas
    "a\u3000,\tb ,  c\f->  d , e\n",
    # lines that start like a declaration keyword but are relations
    "deliverables, knowhow2 -> kickoff\n",
    "\tdeliverable-x -> k\n",
    "d -> k\n",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_language_samples(text):
    assert_same(text, must_be_fast=False)


REFUSED = [
    "a -> b; c -> d\n",          # ';' separators
    "a => b\n",                  # an error: Lark explains it
    "deliverable -> x\n",        # a keyword where a name belongs
    "a -> title\n",
    "a, deliverable -> b\n",     # a keyword inside a list of bare names
    "a -> measure\n",
    "measure measure\n",
    "a -> b ,knowhow\n",
    "group g {\n a -> b\n",      # unclosed
    "}\n",                       # unbalanced
    "a -> b [owner: x\n",        # unclosed bracket
    "a b -> c\n",                # space in a name
    "a - b -> c\n",
    "a ->\n",                    # missing right side
    "a\u200b -> b\n",            # invisible character
    "a -> b\r\n",                # not normalized
]


@pytest.mark.parametrize("text", REFUSED)
def test_everything_else_goes_to_lark(text):
    assert fastparse.scan(text, "t.prep") is None


def test_errors_come_from_lark():
    from prep.language.diagnostics import PrepError

    with pytest.raises(PrepError) as fast_path:
        parse_statements("a => b\n", "t.prep")
    with pytest.raises(PrepError) as lark_path:
        parse_statements_lark("a => b\n", "t.prep")
    assert fast_path.value.diagnostics == lark_path.value.diagnostics


# random models built from the pieces of the language, with random spacing
_name = st.sampled_from(["a", "b", "顧客", "v1.2", "post-sales", '"x y"', '"q\\"q"', "-n", "k-",
                        "deliverables", "know"])
_ws = st.sampled_from(["", " ", "  ", "\t", "\u3000", "\f"])
_arrow = st.sampled_from(["->", "~>", "<~>"])


@st.composite
def _names(draw):
    items = draw(st.lists(_name, min_size=1, max_size=3))
    return ",".join(draw(_ws) + i + draw(_ws) for i in items)


@st.composite
def _attrs(draw):
    items = draw(st.lists(st.sampled_from(
        ["external", "final", "owner: o", "owner: [p, q]", "owner: []", 'note: "n # n"', "stage: s", "odd"]),
        max_size=3))
    return "[" + ", ".join(items) + "]"


@st.composite
def _line(draw):
    kind = draw(st.integers(0, 5))
    ws = draw(_ws)
    if kind == 0:
        text = f"{draw(st.sampled_from(['deliverable', 'knowhow']))} {draw(_name)}"
        if draw(st.booleans()):
            text += ws + '"label"'
        if draw(st.booleans()):
            text += ws + draw(_attrs())
    elif kind in (1, 2):
        text = draw(_names())
        for _ in range(draw(st.integers(1, 3))):
            text += ws + draw(_arrow) + ws + draw(_names())
        if draw(st.booleans()):
            text += ws + draw(_attrs())
    elif kind == 3:
        text = "group g " + draw(st.sampled_from(["", '"label" ', "[colour: blue] ", '"l" [fill: "red", note: "n"] ',
                                                  "[colour] "])) + "{"
    elif kind == 4:
        text = "}"
    else:
        text = ""
    if draw(st.booleans()):
        text += ws + "# comment"
    return ws + text


@settings(max_examples=300, deadline=None)
@given(st.lists(_line(), max_size=12))
def test_random_models(lines):
    text = "\n".join(lines) + "\n"
    fast = fastparse.scan(text, "t.prep")
    try:
        slow = parse_statements_lark(text, "t.prep")
    except Exception:  # noqa: BLE001 - a syntax error: the fast path must have refused
        assert fast is None
        return
    if fast is not None:
        assert dump(fast[0]) == dump(slow[0])
        assert fast[1] == slow[1]
