"""Mermaid output (`prep render -o model.mmd`): read back with a small reader
that decodes labels the way Mermaid does (`#<decimal>;` entity codes, `<br>`),
so the tests check what a reader of the GitHub page would see."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import prep
from prep.renderer.mermaid import mermaid_text

NODE = re.compile(r'^\s*(n\d+)\["([^"]*)"\]$')
SUBGRAPH = re.compile(r'^\s*subgraph (g\d+)\["([^"]*)"\]$')
LINK = re.compile(r'^\s*(n\d+) (-->|-\.->|<-\.->)(?:\|"([^"]*)"\|)? (n\d+)$')
CLASS = re.compile(r"^\s*class ([\w,]+) ([\w-]+);$")


def decode(text: str) -> str:
    """What Mermaid shows for the inside of a quoted label."""
    assert '"' not in text
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), text.replace("<br>", "\n"))


def read_chart(text: str) -> dict:
    """Parse prep's Mermaid output into nodes, subgraphs (with members), links, classes."""
    nodes, groups, links, classes = {}, {}, [], {}
    stack: list[str] = []
    lines = text.splitlines()
    if lines[0] == "---":
        end = lines.index("---", 1)
        lines = lines[end + 1:]
    assert lines[0].startswith("flowchart ")
    for line in lines[1:]:
        if m := NODE.match(line):
            nodes[m.group(1)] = {"label": decode(m.group(2)), "group": stack[-1] if stack else None}
        elif m := SUBGRAPH.match(line):
            groups[m.group(1)] = {"label": decode(m.group(2)), "parent": stack[-1] if stack else None}
            stack.append(m.group(1))
        elif line.strip() == "end":
            stack.pop()
        elif m := LINK.match(line):
            note = decode(m.group(3)) if m.group(3) is not None else None
            links.append((m.group(1), m.group(2), m.group(4), note))
        elif m := CLASS.match(line):
            for node in m.group(1).split(","):
                classes.setdefault(node, set()).add(m.group(2))
        else:
            assert line.strip().startswith(("classDef ", "%%", "subgraph legend", "legend_")), line
    assert not stack, "unclosed subgraph"
    return {"nodes": nodes, "groups": groups, "links": links, "classes": classes}


MODEL = """\
title "機能追加 (adding a feature)"
deliverable request "顧客要望リスト" [owner: [営業]]
knowhow devknow "開発ノウハウ"
group svc "サービス" {
  deliverable added "追加サービス" [final]
  group inner "承認" {
    deliverable approval
  }
}
request, devknow -> added [note: "a|b"]
added ~> approval
approval <~> request
"""


def test_notation_is_kept():
    chart = read_chart(prep.render(prep.loads(MODEL), "mmd").decode("utf-8"))
    labels = {n["label"]: nid for nid, n in chart["nodes"].items()}
    assert set(labels) == {"顧客要望リスト\n(営業)", "開発ノウハウ", "追加サービス", "approval"}
    # knowhow gets the dashed class, the others the solid one; final is marked
    assert chart["classes"][labels["開発ノウハウ"]] == {"knowhow"}
    assert chart["classes"][labels["追加サービス"]] == {"deliverable", "final"}
    # groups are nested subgraphs holding their members
    groups = {g["label"]: gid for gid, g in chart["groups"].items()}
    assert chart["groups"][groups["承認"]]["parent"] == groups["サービス"]
    assert chart["nodes"][labels["approval"]]["group"] == groups["承認"]
    assert chart["nodes"][labels["追加サービス"]]["group"] == groups["サービス"]
    assert chart["nodes"][labels["開発ノウハウ"]]["group"] is None
    # solid input links (with the note), dashed sync, dashed two-headed mutual
    kinds = {(a, b): (arrow, note) for a, arrow, b, note in chart["links"]}
    assert kinds[(labels["顧客要望リスト\n(営業)"], labels["追加サービス"])] == ("-->", "a|b")
    assert kinds[(labels["追加サービス"], labels["approval"])] == ("-.->", None)
    assert kinds[(labels["approval"], labels["顧客要望リスト\n(営業)"])] == ("<-.->", None)
    text = prep.render(prep.loads(MODEL), "mmd").decode()
    assert re.search(r"classDef knowhow [^;]*stroke-dasharray", text)
    assert 'title: "機能追加 (adding a feature)"' in text


HOSTILE = [
    'say "hi"', "end", "graph TD", "a --> b", "x]; click n0 call alert(1); %%", "<b>bold</b><script>",
    "#quot; #35; &amp;", "style n0 fill:#f00;", "pipe | brace { } ( ) [ ]", "back\\slash `tick`",
    "line one\nline two", "日本語・テスト（全角）", "emoji 🙂", "classDef x fill:#fff;", "a;b:c",
]


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_survive(label):
    source = (f"deliverable a {_prep_string(label)} [owner: [{_prep_string(label)}], note: {_prep_string(label)}]\n"
              f"group g {_prep_string(label)} {{\n  deliverable b {_prep_string(label)}\n}}\n"
              f"a -> b [note: {_prep_string(label)}]\n")
    model = prep.loads(source)
    chart = read_chart(prep.render(model, "mmd").decode("utf-8"))
    assert [n["label"] for n in chart["nodes"].values()] == [label + "\n(" + label + ")", label]
    assert [g["label"] for g in chart["groups"].values()] == [label]
    assert chart["links"] == [("n0", "-->", "n1", label)]


def _prep_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_round_trips_through_mermaid_escaping(text):
    escaped = mermaid_text(text)
    # nothing that could end the string or start markup or a statement
    assert not re.search(r'["\[\]{}|`:\n\r]', escaped)
    assert re.sub(r"<br>", "", escaped).count("<") == 0
    assert decode(escaped) == text.replace("\r\n", "\n").replace("\r", "\n")


def test_ids_are_generated_and_output_is_deterministic():
    model = prep.loads('"end" -> "graph"\n"subgraph" ~> "end"\n')
    one = prep.render(model, "mmd")
    assert one == prep.render(prep.loads('"end" -> "graph"\n"subgraph" ~> "end"\n'), "mmd")
    chart = read_chart(one.decode())
    assert set(chart["nodes"]) == {"n0", "n1", "n2"}
    assert [n["label"] for n in chart["nodes"].values()] == ["end", "graph", "subgraph"]


def test_findings_colour_nodes_by_health():
    from prep.language.diagnostics import Diagnostic, Span

    model = prep.loads("a, b -> c\n")
    finding = Diagnostic("P001", "warning", "only one input", Span("<string>", 1, 1, 1, 2), subject="c")
    chart = read_chart(prep.render(model, "mmd", findings=[finding]).decode())
    assert "health-yellow" in chart["classes"]["n2"]
    assert "health-green" in chart["classes"]["n0"]


def test_empty_groups_are_left_out():
    model = prep.loads('group g "empty" {\n}\na -> b\n')
    chart = read_chart(prep.render(model, "mmd").decode())
    assert chart["groups"] == {}


def test_cli_writes_mmd_by_extension(cli, tmp_path):
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    out = tmp_path / "m.mmd"
    result = cli("render", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    chart = read_chart(out.read_text(encoding="utf-8"))
    assert len(chart["nodes"]) == 4 and len(chart["links"]) == 4
    result = cli("render", str(src), "--format", "mmd", "-o", "-", "--direction", "TB")
    assert result.exit_code == 0
    assert "flowchart TB" in result.stdout
