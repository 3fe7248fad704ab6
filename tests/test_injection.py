"""Injection and publishing safety (issue 5).

Names, labels, notes, owners, titles and group labels full of markup, DOT
syntax, Graphviz escapes, HTML entities, script and URLs must come out as
literal text in every output, and nothing in a model may become a Graphviz
attribute that reads or writes files (image, shapefile, fontpath, ...), a
link, or an event handler.
"""

from __future__ import annotations

import json
import os
import re
import struct
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import prep
from prep.layouter.texts import box_label
from conftest import run_prep

HOSTILE = [
    'say "hi"',
    "back\\slash \\\\ end\\",
    "<b>x</b>",
    "<<b>x</b>>",
    "a & b &amp; &#60; &lt;",
    "{brace} }{ [x]",
    "line1\nline2",
    "\\N \\G \\L \\E \\T \\H \\l \\r \\n",
    "node",
    "digraph",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    'x" onload="alert(1)',
    'a]; n0 [image="/etc/passwd"',
    '"; shapefile="/etc/passwd" fontpath="/tmp',
    "]]><!-- -->",
    "${HOME} $(id) `id` %s %n",
    "<svg onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "subgraph cluster_x { evil }",
]
# substrings that must only ever appear as text, never in an attribute
MARKERS = ("alert", "javascript", "passwd", "onload", "shapefile", "fontpath", "evil", "HOME")


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


TITLE = "T: " + HOSTILE[10]
GROUP_LABEL = HOSTILE[17]


def hostile_text() -> str:
    lines = [f"title {quote(TITLE)}", f"group g {quote(GROUP_LABEL)} {{", "  knowhow inner", "}"]
    for h in HOSTILE:
        lines.append(f"deliverable {quote(h)} {quote('label ' + h)} "
                     f"[owner: [{quote('o' + h)}], note: {quote('n' + h)}, stage: {quote('s' + h)}]")
    for a, b in zip(HOSTILE, HOSTILE[1:]):
        lines.append(f"{quote(a)}, inner -> {quote(b)} [note: {quote('e' + a)}]")
    lines.append(f"{quote(HOSTILE[0])} <~> {quote(HOSTILE[-1])}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def model():
    return prep.loads(hostile_text(), "hostile.prep")


def test_the_model_reads_every_string_exactly(model):
    for h in HOSTILE:
        d = model.deliverables[h]
        assert (d.label, d.owners, d.note, d.stage) == ("label " + h, ("o" + h,), "n" + h, "s" + h)
    assert model.title == TITLE
    assert model.groups["g"].label == GROUP_LABEL


# ------------------------------------------------------------------ SVG


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _check_svg(data: bytes) -> tuple[list[str], list[str]]:
    """Assert the SVG is inert; return its <text> lines and <title> texts."""
    root = ET.fromstring(data)
    texts, titles = [], []
    for el in root.iter():
        name = _local(el.tag)
        assert name not in ("script", "foreignObject", "iframe", "object", "embed", "a", "use", "image"), name
        for key, value in el.attrib.items():
            key = _local(key)
            assert not key.lower().startswith("on"), (name, key, value)
            assert key not in ("href", "src"), (name, key, value)
            assert not any(m in value for m in MARKERS), (name, key, value)
        if name == "text":
            texts.append(el.text or "")
        elif name == "title":
            titles.append(el.text or "")
    return texts, titles


def _label_lines(model) -> list[str]:
    out = [TITLE, GROUP_LABEL]
    for h in HOSTILE:   # a box's text as drawn: its label and owners, long lines wrapped (box_label)
        out += box_label(model.deliverables[h]).split("\n")
    for r in model.relations:
        if r.note:
            out += r.note.split("\n")
    return out


def test_svg_is_inert_and_shows_the_text_literally(model):
    texts, titles = _check_svg(prep.render(model, "svg"))
    for line in _label_lines(model):
        assert line in texts, line
    for h in HOSTILE:
        assert any(t.startswith(f"label {h}") or t.startswith(h) for t in titles), h


def test_svg_style_holds_only_the_embedded_font(model):
    """The one <style> (issue 14: the font subset) is fixed text and base64:
    nothing from the model reaches it."""
    styles = [el.text or "" for el in ET.fromstring(prep.render(model, "svg")).iter()
              if _local(el.tag) == "style"]
    assert len(styles) == 1
    assert re.fullmatch(r"@font-face\{font-family:'Noto Sans CJK JP';font-style:normal;font-weight:400;"
                        r"src:url\(data:font/woff2;base64,[A-Za-z0-9+/]+=*\) format\('woff2'\);"
                        r"unicode-range:U\+[0-9A-F]+(-[0-9A-F]+)?(,U\+[0-9A-F]+(-[0-9A-F]+)?)*;\}", styles[0])


def test_lint_overlay_svg_tooltips_are_literal(model):
    findings = [d for d in prep.lint(model) if d.subject is not None]
    assert findings
    texts, titles = _check_svg(prep.render(model, "svg", findings=findings))
    for line in _label_lines(model):
        assert line in texts, line
    tooltip_text = "\n".join(titles)
    for f in findings:
        assert f.message in tooltip_text


def test_cli_lint_overlay(tmp_path):
    (tmp_path / "h.prep").write_text(hostile_text(), encoding="utf-8")
    r = run_prep("render", "h.prep", "--lint", "--legend", "-o", "h.svg", cwd=tmp_path)
    assert r.returncode == 0, r.stderr.decode()
    _check_svg((tmp_path / "h.svg").read_bytes())


# ------------------------------------------------------------------ DOT


def _graphviz_label(raw: str) -> str:
    from test_fuzz import _graphviz_label as decode

    return decode(raw)


# every attribute prep writes; nothing else may ever appear (the geometry:
# bb, lp, pos, width, height, fixedsize, splines; the rest is style)
ALLOWED_ATTRIBUTES = {
    "fontname", "fontsize", "bgcolor", "pad", "fontcolor",
    "label", "labeljust", "shape", "style", "color", "fillcolor", "margin", "penwidth",
    "arrowsize", "class", "dir", "tooltip",
    "bb", "lp", "pos", "width", "height", "fixedsize", "splines",
}


def _all_attributes(graph):
    yield "graph", dict(graph.graph_attr)
    yield "node", dict(graph.node_attr)
    yield "edge", dict(graph.edge_attr)
    for n in graph.nodes():
        yield f"node {n}", dict(graph.get_node(n).attr)
    for e in graph.edges():
        yield f"edge {e}", dict(e.attr)
    for sub in graph.subgraphs():
        yield from _all_attributes(sub)


@pytest.mark.parametrize("options", [{}, {"legend": True}, {"lint": True}, {"theme": "print"}])
def test_dot_reparses_to_the_same_graph(model, options):
    import pygraphviz

    from prep.renderer.dot import THEMES, to_dot

    findings = [d for d in prep.lint(model) if d.subject] if options.get("lint") else None
    dot = to_dot(model, legend=options.get("legend", False), findings=findings,
                 theme=THEMES[options.get("theme", "default")])
    graph = pygraphviz.AGraph(string=dot)
    ids = [n for n in graph.nodes() if not n.startswith("legend_")]
    assert len(ids) == len(model.deliverables)
    assert all(re.fullmatch(r"n\d+", n) for n in ids)
    assert all(re.fullmatch(r"cluster_(g\d+|legend)", s.name) for s in graph.subgraphs())
    for i, d in enumerate(model.deliverables.values()):
        label = box_label(d)
        assert _graphviz_label(graph.get_node(f"n{i}").attr["label"]) == label
    edges = [e for e in graph.edges() if not e[0].startswith("legend_")]
    assert len(edges) == len(model.relations)
    from prep.layouter.texts import note_carriers

    # a statement's note is written once, on the relation that carries it
    assert sorted(_graphviz_label(e.attr.get("label") or "") for e in edges) == sorted(
        (r.note or "") if carries else "" for r, carries in zip(model.relations, note_carriers(model)))
    assert _graphviz_label(graph.graph_attr["label"]) == TITLE
    for where, attrs in _all_attributes(graph):
        assert set(k for k, v in attrs.items() if v != "") <= ALLOWED_ATTRIBUTES, where
        for key, value in attrs.items():
            if key not in ("label", "tooltip"):
                assert not any(m in value for m in MARKERS), (where, key, value)


def test_dot_text_never_carries_a_file_or_link_attribute(model):
    from prep.renderer.dot import to_dot

    dot = to_dot(model, legend=True)
    # outside quoted strings, the DOT is only prep's own words
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', dot)
    for word in ("image", "shapefile", "fontpath", "imagepath", "URL", "href", "target", "id=", "tooltip",
                 "html", "<"):
        assert word not in bare, word
    assert not any(m in bare for m in MARKERS)


# ------------------------------------------------------------------ JSON


def test_json_export_is_exact(model):
    data = json.loads(prep.render(model, "json"))
    assert data["title"] == TITLE
    by_name = {d["name"]: d for d in data["deliverables"]}
    for h in HOSTILE:
        d = by_name[h]
        assert (d["label"], d["owners"], d["note"], d["stage"]) == ("label " + h, ["o" + h], "n" + h, "s" + h)
    assert {g["name"]: g["label"] for g in data["groups"]} == {"g": GROUP_LABEL}
    assert sorted(r["note"] or "" for r in data["relations"]) == sorted(r.note or "" for r in model.relations)


# ------------------------------------------------------------------ PNG, PDF


def _png_chunks(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    i = 8
    while i < len(data):
        (n,) = struct.unpack(">I", data[i : i + 4])
        yield data[i + 4 : i + 8], data[i + 8 : i + 8 + n]
        i += 12 + n


def test_png_metadata_carries_no_user_text(model):
    data = prep.render(model, "png")
    kinds = []
    for kind, body in _png_chunks(data):
        kinds.append(kind)
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            text = body.decode("latin-1")
            assert not any(m in text for m in MARKERS), text
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"


def test_pdf_shows_the_text_and_has_no_actions(model):
    import pypdf
    import io

    data = prep.render(model, "pdf")
    for action in (b"/JavaScript", b"/JS ", b"/Launch", b"/URI", b"/OpenAction", b"/AA ", b"/EmbeddedFile"):
        assert action not in data, action
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for line in ("label <script>alert(1)</script>", "label a & b &amp; &#60; &lt;", "javascript:alert(1)",
                 "label \\N \\G \\L \\E \\T \\H \\l \\r \\n", TITLE):
        assert line in text, line
    meta = dict(reader.metadata or {})
    # the document's title is the model's, as text (a UTF-16 string: no markup, nothing that acts);
    # nothing else of the model goes into the metadata
    assert meta.pop("/Title") == model.title
    assert not any(m in str(v) for v in meta.values() for m in MARKERS)


# ------------------------------------------------------------------ no side effects


def test_rendering_a_hostile_model_touches_no_other_file(tmp_path):
    (tmp_path / "h.prep").write_text(hostile_text(), encoding="utf-8")
    (tmp_path / "out").mkdir()
    for fmt in ("svg", "png", "pdf", "dot", "json"):
        r = run_prep("render", "h.prep", "-o", f"out/h.{fmt}", cwd=tmp_path, env={"HOME": str(tmp_path)})
        assert r.returncode == 0, r.stderr.decode()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"h.{f}" for f in
                                                                     sorted(("svg", "png", "pdf", "dot", "json"))]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["h.prep", "out"]


# ------------------------------------------------------------------ any text in a label

label_text = st.lists(st.sampled_from(list("ab xyz要件 \"\\<>&{}[];:#|-~=/'`$%") + ["\n", "&amp;", "\\N", "<<", ">>"]),
                      min_size=1, max_size=20).map("".join).filter(lambda s: s.strip() == s and "\n\n" not in s
                                                     and not s.startswith("\n") and not s.endswith("\n")
                                                     and all(line.strip() == line and line for line in s.split("\n")))


@settings(max_examples=int(os.environ.get("PREP_SVG_EXAMPLES", "15")), deadline=None, derandomize=True)
@given(label_text)
def test_any_label_text_is_literal_in_svg(text):
    model = prep.loads(f"deliverable a {quote(text)}\na -> b [note: {quote(text)}]\n")
    texts, _ = _check_svg(prep.render(model, "svg"))
    # Graphviz writes the second of two spaces as a no-break space so that
    # SVG viewers keep the gap: the same picture, so compare with spaces
    texts = [t.replace("\xa0", " ") for t in texts]
    for line in text.split("\n"):
        assert texts.count(line) >= 2, (line, texts)


# ------------------------------------------------------------------ the other published outputs


def test_html_report_is_inert(tmp_path):
    from html.parser import HTMLParser

    from prep.cli import cli

    if "report" not in cli.commands:
        pytest.skip("no `prep report` command")
    (tmp_path / "h.prep").write_text(hostile_text(), encoding="utf-8")
    r = run_prep("report", "h.prep", "-o", "h.html", cwd=tmp_path)
    assert r.returncode == 0, r.stderr.decode()

    class Check(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.text = []

        def handle_starttag(self, tag, attrs):
            assert tag not in ("script", "iframe", "object", "embed", "foreignobject"), tag
            for key, value in attrs:
                assert not key.lower().startswith("on"), (tag, key, value)
                assert not (key in ("href", "src", "xlink:href") and value and "javascript" in value.lower())
                assert not any(m in (value or "") for m in MARKERS if m != "HOME"), (tag, key, value)

        handle_startendtag = handle_starttag

        def handle_data(self, data):
            self.text.append(data)

    check = Check()
    check.feed((tmp_path / "h.html").read_text(encoding="utf-8"))
    text = "".join(check.text)
    for h in HOSTILE:
        for line in h.split("\n"):
            assert line in text, line


def test_mermaid_front_matter_and_labels_stay_text():
    import yaml

    data = prep.render(prep.loads('title "x\\" \\n---\\nflowchart LR\\n evil"\na -> b\n'), "mmd").decode()
    lines = data.split("\n")
    assert lines[0] == "---"
    end = lines.index("---", 1)
    assert yaml.safe_load("\n".join(lines[1:end])) == {"title": 'x" --- flowchart LR evil'}
    assert "evil" not in "\n".join(lines[end:])
