"""Property and fuzz tests (issue 5).

- Any text and any bytes: prep returns a model or raises `PrepError`, never
  anything else, within a bounded time; every diagnostic has a position
  inside the text and formats with a caret.
- Valid models generated from the grammar (bare and quoted names, Japanese,
  escapes, relation chains with lists, nested groups, attributes, comments,
  ';' and odd whitespace): parsing keeps every declared deliverable and
  relation with its attributes; the graph has them all; the JSON export
  round-trips; the DOT re-parses in Graphviz with every label literal.

CI runs the `ci` profile (a few hundred examples per test). The long run is
one command (see docs/reliability.md):

    PREP_FUZZ_PROFILE=long python -m pytest tests/test_fuzz.py -p no:cacheprovider -q \
        --hypothesis-show-statistics

(PREP_FUZZ_EXAMPLES=N overrides the number of examples per test.)
"""

from __future__ import annotations

import json
import os
import time
import unicodedata
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from prep.api import loads
from prep.language.diagnostics import PrepError, format_diagnostic
from prep.language.source import decode_source

settings.register_profile("ci", max_examples=150, deadline=timedelta(seconds=3), derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=1_000, deadline=timedelta(seconds=3),
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=100_000, deadline=timedelta(seconds=5), database=None,
                          suppress_health_check=list(HealthCheck))
PROFILE = settings.get_profile(os.environ.get("PREP_FUZZ_PROFILE", "ci"))
if os.environ.get("PREP_FUZZ_EXAMPLES"):  # e.g. a shorter long run
    PROFILE = settings(PROFILE, max_examples=int(os.environ["PREP_FUZZ_EXAMPLES"]))

# A hard bound per input, above Hypothesis's deadline (which it only checks
# when an example is replayed): a parse that takes this long is a hang.
MAX_SECONDS = 5.0

KEYWORDS = ("title", "deliverable", "knowhow", "group")


@pytest.fixture(scope="module", autouse=True)
def _warm():
    # load the grammar, the parser tables and the mistakes table once, so
    # the first example is not charged for them
    for text in ("a -> b\n", "a => b\n", "a b\n"):
        try:
            loads(text)
        except PrepError:
            pass


def _check_outcome(text: str, path: str = "f.prep") -> None:
    """Parse `text`; it must give a model or a PrepError whose diagnostics
    point inside the text and format cleanly."""
    start = time.perf_counter()
    try:
        model = loads(text, path, strict=False)
    except PrepError as e:
        _check_diagnostics(e.diagnostics, e.source if e.source is not None else text)
        assert e.render()
    else:
        _check_diagnostics(model.diagnostics, model.source)
        assert set(model.graph.nodes) == set(model.deliverables)
    assert time.perf_counter() - start < MAX_SECONDS


def _check_diagnostics(diagnostics, source: str) -> None:
    lines = source.split("\n")
    assert diagnostics or source is not None
    for d in diagnostics:
        assert d.span.path == "f.prep"
        assert 1 <= d.span.line <= len(lines) + 1, d
        assert d.span.column >= 1, d
        assert d.message and "\n" not in d.message, d
        shown = format_diagnostic(d, source)
        assert shown.startswith(f"f.prep:{d.span.line}:{d.span.column}: ")
        # nothing a terminal would act on
        assert not any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\t" for ch in shown), shown


# --------------------------------------------------------------------------
# any text, any bytes

# pieces of the language and its usual mistakes, so random text reaches deep
# into the parser instead of failing on the first character
PIECES = ["a", "b", "要件", "設計書", " ", "\t", "\u3000", "\n", "\r\n", "\r", ";", ",", "->", "~>", "<~>", "=>",
          "→", "-", ">", "<", "~", "[", "]", "{", "}", "(", ")", ":", "=", '"', "'", "\\", "#", "# c\n",
          "title ", "deliverable ", "knowhow ", "group ", "final", "owner: ", "note: ", "stage: ", "external",
          '"x y"', '"\\n"', '"\\""', "\u200b", "\u00a0", "\u202e", "\x00", "\x1b", "\ufeff", "\u3099", "－＞"]

token_soup = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@PROFILE
@given(st.text(max_size=200))
def test_any_text_gives_a_model_or_a_prep_error(text):
    _check_outcome(text)


@PROFILE
@given(token_soup)
def test_any_token_soup_gives_a_model_or_a_prep_error(text):
    _check_outcome(text)


@PROFILE
@given(st.binary(max_size=300))
def test_any_bytes_give_a_model_or_a_prep_error(data):
    try:
        text = decode_source(data, "f.prep")
    except PrepError as e:
        assert e.diagnostics and e.render()
        return
    _check_outcome(text)


@PROFILE
@given(st.data())
def test_damaged_valid_models(data):
    """A valid model with a few bytes inserted, deleted or replaced: the
    errors users make, and the damage copying does."""
    text, _ = data.draw(models())
    raw = bytearray(text.encode("utf-8"))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw)))
        action = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = data.draw(st.sampled_from(list(b"\x00\n\r\"'[]{}:;,#-><~=\\ \xe3\x80\x80\xff\xc3")))
        if action == "insert":
            raw[at:at] = bytes([byte])
        elif raw[at:at + 1]:
            if action == "delete":
                del raw[at]
            else:
                raw[at] = byte
    try:
        decoded = decode_source(bytes(raw), "f.prep")
    except PrepError as e:
        assert e.render()
        return
    _check_outcome(decoded)


# --------------------------------------------------------------------------
# a generator of valid models

BARE_ALPHABET = list("abcxyzABXY0189_.") + list("あいうえおカタナ要件設計書開発知識承認版ー・々") + ["-"]
# for quoted names and labels: anything printable (incl. the language's own
# punctuation and escapes), tabs and line breaks (written \n)
QUOTED_CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp", "Zs"),
                             blacklist_characters="\ufeff") | st.sampled_from(
    [" ", "\u3000", "\t", "\n", '"', "\\", "#", "-", ">", "{", "}", "[", "]", ";", ",", ":", "<", "&"])


def _is_bare(name: str) -> bool:
    from prep.language.fastparse import NAME_PATTERN
    import re

    return bool(re.fullmatch(NAME_PATTERN, name)) and name not in KEYWORDS


bare_names = st.text(st.sampled_from(BARE_ALPHABET), min_size=1, max_size=8).filter(_is_bare)
quoted_texts = st.text(QUOTED_CHARS, min_size=0, max_size=12).filter(
    lambda s: unicodedata.is_normalized("NFC", s))
names = st.one_of(bare_names, bare_names, quoted_texts.filter(bool))


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def spell(name: str, draw) -> str:
    """A name as the model writes it: bare when it can be, else quoted
    (a bare-able name is sometimes quoted too: it is the same name)."""
    if _is_bare(name) and draw(st.integers(0, 4)) > 0:
        return name
    return quote(name)


@st.composite
def models(draw):
    """(text, expected): a valid model and what parsing it must give."""
    pool = draw(st.lists(names, min_size=2, max_size=10, unique=True))
    group_names = draw(st.lists(bare_names, max_size=3, unique=True))
    groups = {}  # name -> (parent, label)
    for i, g in enumerate(group_names):
        parent = draw(st.sampled_from([None] + group_names[:i]))
        label = draw(st.none() | quoted_texts)
        groups[g] = (parent, label)
    places = [None] + group_names

    declared = draw(st.lists(st.sampled_from(pool), max_size=len(pool), unique=True))
    items: dict = {p: [] for p in places}  # where -> statements as (kind, data)
    decls = {}
    for name in declared:
        where = draw(st.sampled_from(places))
        attrs = {}
        if draw(st.booleans()):
            attrs["final"] = True
        if draw(st.booleans()):
            attrs["external"] = True
        if draw(st.booleans()):
            attrs["owner"] = tuple(draw(st.lists(bare_names, min_size=1, max_size=3, unique=True)))
        if draw(st.booleans()):
            attrs["note"] = draw(quoted_texts)
        if draw(st.booleans()):
            attrs["stage"] = draw(names)
        decl = dict(name=name, kind=draw(st.sampled_from(["deliverable", "knowhow"])),
                    label=draw(st.none() | quoted_texts), attrs=attrs, group=where)
        decls[name] = decl
        items[where].append(("decl", decl))
    relations = []
    for _ in range(draw(st.integers(0, 6))):
        where = draw(st.sampled_from(places))
        chain = [draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))]
        arrows = []
        for _ in range(draw(st.integers(1, 3))):
            arrows.append(draw(st.sampled_from(["->", "~>", "<~>"])))
            chain.append(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3)))
        attrs = {}
        if draw(st.booleans()):
            attrs["note"] = draw(quoted_texts)
        if draw(st.booleans()):
            attrs["stage"] = draw(names)
        if draw(st.booleans()):
            attrs["owner"] = tuple(draw(st.lists(bare_names, min_size=1, max_size=2, unique=True)))
        rel = dict(chain=chain, arrows=arrows, attrs=attrs, group=where)
        relations.append(rel)
        items[where].append(("relation", rel))
    for where in places:
        draw(st.randoms()).shuffle(items[where])
    title = draw(st.none() | quoted_texts)

    ws = st.sampled_from([" ", "  ", "\t", "\u3000"])
    semicolons = draw(st.booleans())  # ';' sends the text through the full (Lark) parser

    def sep():
        return draw(ws)

    def end():
        if semicolons and draw(st.booleans()):
            return ";"
        if draw(st.integers(0, 5)) == 0:
            return sep() + "# " + draw(quoted_texts).replace("\n", " ") + "\n"
        return "\n"

    def attr_text(attrs: dict) -> str:
        parts = []
        for key, value in attrs.items():
            if value is True:
                parts.append(key)
            elif key == "owner":
                if len(value) == 1 and draw(st.booleans()):
                    parts.append(f"owner:{sep()}{spell(value[0], draw)}")
                else:
                    parts.append("owner: [" + f",{sep()}".join(spell(v, draw) for v in value) + "]")
            elif key == "note":
                parts.append(f"note: {quote(value)}")
            else:
                parts.append(f"{key}: {spell(value, draw)}")
        return f"{sep()}[" + f",{sep()}".join(parts) + "]"

    order = []  # (kind, data, where) in document order

    def emit(where, indent: str) -> str:
        out = []
        for kind, data in items[where]:
            order.append((kind, data, where))
            if kind == "decl":
                line = f"{data['kind']}{sep()}{spell(data['name'], draw)}"
                if data["label"] is not None:
                    line += sep() + quote(data["label"])
            else:
                lists = [f",{sep()}".join(spell(n, draw) for n in names_) for names_ in data["chain"]]
                line = lists[0]
                for arrow, right in zip(data["arrows"], lists[1:]):
                    line += f"{sep()}{arrow}{sep()}{right}"
            if data["attrs"]:
                line += attr_text(data["attrs"])
            out.append(indent + line + end())
        for g in group_names:
            parent, label = groups[g]
            if parent == where:
                head = f"group{sep()}{g}" + (sep() + quote(label) if label is not None else "") + sep() + "{"
                out.append(indent + head + "\n" + emit(g, indent + "  ") + indent + "}" + end())
        return "".join(out)

    text = (f"title {quote(title)}\n" if title is not None else "") + emit(None, "")
    assume(unicodedata.is_normalized("NFC", text))

    # what parsing must give
    expected_relations = []
    implicit_group: dict = {}
    for kind, data, where in order:
        if kind != "relation":
            continue
        for names_ in data["chain"]:
            for n in names_:
                implicit_group.setdefault(n, where)
        for left, arrow, right in zip(data["chain"], data["arrows"], data["chain"][1:]):
            for s in left:
                for t in right:
                    expected_relations.append((arrow, s, t, data["attrs"].get("note"),
                                               data["attrs"].get("stage"), data["attrs"].get("owner", ())))
    expected = dict(title=title, decls=decls, implicit_group=implicit_group, relations=expected_relations,
                    groups=groups)
    return text, expected


def _graphviz_label(raw: str) -> str:
    """What Graphviz shows for a stored label: only \\\\, \\n and \\" may be
    escapes and `&amp;` the only entity (dot_string writes nothing else);
    any other backslash sequence would be Graphviz markup such as \\N or
    \\G, and any other '&' an entity Graphviz decodes: an injection."""
    out, i = [], 0
    while i < len(raw):
        ch = raw[i]
        if ch == "&":
            assert raw.startswith("&amp;", i), f"a bare '&' in {raw!r}"
            out.append("&")
            i += 5
        elif ch == "\\":
            nxt = raw[i + 1]
            assert nxt in '\\n"', f"unexpected escape \\{nxt} in {raw!r}"
            out.append({"n": "\n"}.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@PROFILE
@given(models())
def test_valid_models_keep_everything(case):
    from prep.language.export import model_from_dict, model_to_dict, model_to_json
    from prep.language.model import ARROW_KINDS

    text, expected = case
    start = time.perf_counter()
    model = loads(text, "f.prep")
    assert time.perf_counter() - start < MAX_SECONDS
    assert model.errors == []

    assert model.title == expected["title"]
    everything = set(expected["decls"]) | set(expected["implicit_group"])
    assert set(model.deliverables) == everything
    for name, decl in expected["decls"].items():
        d = model.deliverables[name]
        attrs = decl["attrs"]
        assert (d.kind, d.label, d.group, d.declared) == (decl["kind"], decl["label"], decl["group"], True)
        assert (d.final, d.external) == (attrs.get("final", False), attrs.get("external", False))
        assert (d.owners, d.note, d.stage) == (attrs.get("owner", ()), attrs.get("note"), attrs.get("stage"))
    for name, where in expected["implicit_group"].items():
        if name not in expected["decls"]:
            d = model.deliverables[name]
            assert (d.declared, d.group, d.kind) == (False, where, "deliverable")
    got = [(r.arrow, r.source, r.target, r.note, r.stage, r.owners) for r in model.relations]
    assert got == expected["relations"]
    assert {g: (grp.parent, grp.label) for g, grp in model.groups.items()} == expected["groups"]

    # the graph has every deliverable and relation
    graph = model.graph
    assert set(graph.nodes) == everything
    assert graph.number_of_edges() == len(expected["relations"])
    assert sorted((s, t, k["kind"]) for s, t, k in graph.edges(data=True)) == sorted(
        (s, t, ARROW_KINDS[a]) for a, s, t, *_ in expected["relations"])

    # the JSON export round-trips, through bytes too
    for data in (model_to_dict(model), json.loads(model_to_json(model))):
        back = model_from_dict(data)
        assert (back.path, back.title) == (model.path, model.title)
        assert back.deliverables == model.deliverables
        assert back.relations == model.relations
        assert back.groups == model.groups


@settings(PROFILE, max_examples=max(60, PROFILE.max_examples // 10))  # each example runs Graphviz's parser
@given(models())
def test_dot_reparses_with_literal_labels(case):
    """The DOT of any valid model re-parses in Graphviz to the same nodes,
    edges and labels, with no attribute but the ones prep writes."""
    import pygraphviz

    from prep.renderer.dot import to_dot

    text, _ = case
    model = loads(text, "f.prep")
    graph = pygraphviz.AGraph(string=to_dot(model))
    nodes = {n: graph.get_node(n) for n in graph.nodes()}
    assert len(nodes) == len(model.deliverables)
    for i, d in enumerate(model.deliverables.values()):
        label = d.display + ("\n(" + ", ".join(d.owners) + ")" if d.owners else "")
        if label.startswith("\n"):  # an empty first line crashes Graphviz: prep writes a space there
            label = " " + label
        assert _graphviz_label(nodes[f"n{i}"].attr["label"]) == label
    edges = graph.edges()  # Edge objects, each with its own attributes (parallel edges too)
    assert len(edges) == len(model.relations)
    notes = sorted(_graphviz_label(e.attr.get("label") or "") for e in edges)
    from prep.layouter.texts import note_carriers

    # a statement's note is written once, on the relation that carries it
    assert notes == sorted((r.note or "") if carries else "" for r, carries in zip(model.relations,
                                                                                   note_carriers(model)))
    if model.title:
        assert _graphviz_label(graph.graph_attr["label"]) == model.title


# --------------------------------------------------------------------------
# the long run, by hand only


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("PREP_FUZZ_PROFILE") != "long",
                    reason="the long fuzz run: PREP_FUZZ_PROFILE=long (see docs/reliability.md)")
def test_long_run_is_selected():
    """A marker that the long profile is active (the tests above then run
    100,000 examples each)."""
    assert PROFILE.max_examples >= 100_000
