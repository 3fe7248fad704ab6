"""The roadmap view (issue 11, item 4) and the report's roadmap section
(item 5): stages as columns in order, every deliverable inside its stage's
column, exit criteria on the column's right edge, relations routed across
columns (backwards too), usage errors, every picture format, and the
report's per-stage sections with their frames."""

from __future__ import annotations

import io
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import prep
from prep.language.diagnostics import PrepError
from prep.layouter import layout
from prep.layouter.geometry import layout_from_dict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from quality import frames_not_containing, overlapping_boxes  # noqa: E402
from roadmap import staged  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
CS = ROOT / "examples" / "cs-onboarding.prep"
RENEWAL = ROOT / "examples" / "renewal-roadmap.prep"

# a relation into an earlier stage (見積 is made in `deal` but used in
# `lead`), a mutual relation across a stage boundary, an exit criterion
# feeding its own stage, two exits in one stage, and an empty stage
BACKWARDS = """\
title "逆行 Backwards"
stage lead "Stage 1: リード Lead" [exit: 要件]
stage deal "Stage 2: 商談 Deal" [exit: [契約, 発注]]
stage wait "Stage 3: 待機 Wait"
stage live "Stage 4: 稼働 Live" [exit: 稼働]
deliverable 見積 [stage: deal]
deliverable 予算 [external, stage: lead]
予算, 見積 -> 要件
要件 -> 見積
見積, 要件 -> 契約
契約 -> 見積書控え [stage: deal]
契約 <~> 発注
発注, 契約 -> 稼働
"""

CASES = {"cs-onboarding": lambda: prep.load(CS), "renewal-roadmap": lambda: prep.load(RENEWAL),
         "backwards": lambda: prep.loads(BACKWARDS, path="backwards.prep"),
         "staged-120": lambda: prep.loads(staged(120, 5), path="staged.prep"),
         "staged-long-range-120": lambda: prep.loads(staged(120, 6, profile="long-range"), path="staged.prep")}


def _on_border(point, box, tolerance=2.0) -> bool:
    x, y = point
    outer = box.left - tolerance <= x <= box.right + tolerance and box.top - tolerance <= y <= box.bottom + tolerance
    inner = box.left + tolerance < x < box.right - tolerance and box.top + tolerance < y < box.bottom - tolerance
    return outer and not inner


def check_columns(model, lay) -> None:
    """The roadmap's promises, on a Layout."""
    direction = lay.direction
    stages = list(model.stages.values())
    assert [c.stage for c in lay.columns] == [s.name for s in stages]
    assert [c.label for c in lay.columns] == [s.display for s in stages]
    for a, b in zip(lay.columns, lay.columns[1:]):  # in order, side by side, not overlapping
        if direction == "LR":
            assert a.frame.right < b.frame.left and a.frame.top == b.frame.top
        else:
            assert a.frame.bottom < b.frame.top and a.frame.left == b.frame.left
    column = {c.stage: c for c in lay.columns}
    for c in lay.columns:  # the label inside its frame, no box over it
        assert c.frame.contains(c.label_box)
        assert not any(c.label_box.overlaps(box) for box in lay.nodes.values())
    for name, box in lay.nodes.items():
        assert column[model.stage_of(name)].frame.contains(box), (name, model.stage_of(name))
    for s in stages:  # exits on the column's last rank: after every other deliverable of the stage
        members = [n for n in model.deliverables if model.stage_of(n) == s.name]
        flow = (lambda b: b.x) if direction == "LR" else (lambda b: b.y)
        last = max(flow(lay.nodes[n]) for n in members) if members else None
        # an exit related to another exit of its stage sits a rank before it (no relation
        # joins two boxes of one rank); every other exit is on the last rank
        before_exit = {r.source for r in model.relations if r.source in s.exits and r.target in s.exits
                       and r.source != r.target}
        for x in s.exits:
            if x not in before_exit:
                assert flow(lay.nodes[x]) == pytest.approx(last)
            for other in members:
                if other not in s.exits:
                    assert flow(lay.nodes[other]) < flow(lay.nodes[x]), (other, x)
    assert len(lay.edges) == len(model.relations)
    for r, e in zip(model.relations, lay.edges):  # every relation routed, border to border
        assert (e.source, e.target, e.kind) == (r.source, r.target, r.kind)
        assert len(e.points) >= 4 and (len(e.points) - 1) % 3 == 0
        if r.source != r.target:
            assert _on_border(e.points[0], lay.nodes[r.source]), (r, e.points[0])
            assert _on_border(e.points[-1], lay.nodes[r.target]), (r, e.points[-1])
    assert overlapping_boxes(lay) == []
    assert frames_not_containing(lay, model) == []


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_the_roadmap_layout_keeps_its_promises(name, direction):
    model = CASES[name]()
    lay = prep.layout(model, view="roadmap", direction=direction, legend=True)
    check_columns(model, lay)
    assert lay.view == "roadmap" and prep.layout(model).columns == ()


def test_relations_into_an_earlier_stage_are_drawn_backwards():
    model = CASES["backwards"]()
    lay = layout(model, view="roadmap")
    route = next(e for e in lay.edges if (e.source, e.target) == ("見積", "要件"))
    # from the box in stage 2 back to the one in stage 1: it starts right of where it ends
    assert route.points[0][0] > route.points[-1][0]
    assert lay.nodes["見積"].x > lay.columns[1].frame.left and lay.nodes["要件"].x < lay.columns[0].frame.right
    # the empty stage is still a column, with its label
    assert lay.columns[2].stage == "wait" and not any(lay.columns[2].frame.contains(b) for b in lay.nodes.values())


AGAINST_THE_FLOW = """\
stage s1 "Stage 1" [exit: e1]
stage s2 "Stage 2" [exit: e2]
stage s1 {
  a, b -> c
  c, k -> e1
  e1, a -> d
}
stage s2 {
  e1, d -> f
  f, g -> e2
  e2, f -> h
}
h, a -> c
"""


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_a_relation_against_the_flow_leaves_its_outgoing_side_and_enters_its_incoming_side(direction):
    """A deliverable made from its own stage's exit criterion (e1 -> d,
    e2 -> h) or from a later stage (h -> c) was drawn out of the source's
    input side into the target's output side: at e1's left the line left
    among its inputs' arrowheads and ended in an arrowhead at d's right,
    reading as d <-> e1. Now it leaves its source where every output does
    (LR: the right side), turns back in a lane beside the box, and enters
    its target where every input does (LR: the left side), through no box."""
    from prep.layouter.collisions import problems

    model = prep.loads(AGAINST_THE_FLOW, "back.prep")
    lay = layout(model, view="roadmap", direction=direction)
    assert problems(lay, model) == []
    lr = direction == "LR"
    for source, target in [("e1", "d"), ("e2", "h"), ("h", "c")]:
        e = next(e for e in lay.edges if (e.source, e.target) == (source, target))
        s, t = lay.nodes[source], lay.nodes[target]
        (x0, y0), (x1, y1) = e.points[0], e.points[-1]
        if lr:
            assert abs(x0 - s.right) < 0.5 and abs(x1 - t.left) < 0.5, (source, target, e.points)
        else:
            assert abs(y0 - s.bottom) < 0.5 and abs(y1 - t.top) < 0.5, (source, target, e.points)
        # the target lies before the source along the flow: the route turns back
        assert (t.x < s.x) if lr else (t.y < s.y)
    for name, box in lay.nodes.items():   # every route keeps clear of the boxes it does not join
        for e in lay.edges:
            if name not in (e.source, e.target):
                assert not any(box.left < x < box.right and box.top < y < box.bottom for x, y in e.points[::3])


def test_the_layout_json_from_the_command_line(cli, tmp_path):
    out = tmp_path / "cs.layout.json"
    result = cli("render", str(CS), "--view", "roadmap", "-o", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    model = prep.load(CS)
    assert data["view"] == "roadmap"
    assert [c["stage"] for c in data["columns"]] == ["contract", "kickoff", "adoption"]
    assert data["columns"][1]["label"] == "Stage 2: キックオフ Kickoff"
    assert set(data["columns"][0]) == {"stage", "label", "frame", "label_box"}
    back = layout_from_dict(data)
    check_columns(model, back)
    assert back.to_json() == out.read_bytes()  # reads back as written
    # the normal view's JSON has neither
    plain = json.loads(prep.render(model, "layout"))
    assert "columns" not in plain and "view" not in plain


def _bbox(g):
    xs, ys = [], []
    for pair in g.find(SVG + "polygon").get("points").split():
        x, y = pair.split(",")
        xs.append(float(x))
        ys.append(float(y))
    return min(xs), min(ys), max(xs), max(ys)


def _svg_parts(svg: bytes, direction: str = "LR"):
    """(stage frame labels, exit criteria) of a roadmap SVG, in drawing
    order; every exit criterion carries its "EXIT n" tag: LR on its top
    edge at its right, TB (routes come in at the top) beside its top right
    corner."""
    root = ET.fromstring(svg)
    stages, exits, boxes, tags = [], [], [], []
    for g in root.iter(SVG + "g"):
        cls = (g.get("class") or "").split()
        texts = [t.text for t in g.iter(SVG + "text")]
        if "prep-stage" in cls:
            stages.append(" ".join(texts))
        if "prep-exit" in cls:
            exits.append(texts[0])
            boxes.append(_bbox(g))
        if "prep-exit-tag" in cls:
            tags.append((texts[0], _bbox(g)))
    assert len(tags) == len(boxes) and all(re.fullmatch(r"EXIT \d+", text) for text, _ in tags)
    for left, top, right, bottom in boxes:
        if direction == "LR":  # a tag on its top edge, at its right
            assert any(t_top < top < t_bottom and left < t_left < t_right <= right
                       for _, (t_left, t_top, t_right, t_bottom) in tags), (left, top, right, bottom)
        else:
            assert any(abs(t_top - top) < 1 and right < t_left < right + 6
                       for _, (t_left, t_top, t_right, t_bottom) in tags), (left, top, right, bottom)
    return stages, exits


@pytest.mark.parametrize("ext", ["svg", "png", "pdf", "pptx"])
def test_every_picture_format_with_lint_legend_and_theme(cli, tmp_path, ext):
    out = tmp_path / f"cs.{ext}"
    # the whole roadmap in one picture (PowerPoint and PDF would fit it to their page: tests/test_pages.py)
    result = cli("render", str(CS), "--view", "roadmap", "--lint", "--legend", "--theme", "print", "-o", str(out),
                 "--page", "none")
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    if ext == "svg":
        stages, exits = _svg_parts(data)
        assert stages == ["Stage 1: 契約 Contract", "Stage 2: キックオフ Kickoff", "Stage 3: 導入 Adoption"]
        assert exits == ["契約書", "成功計画の合意", "主要機能の定着"]
        classes = {c for g in ET.fromstring(data).iter(SVG + "g") for c in (g.get("class") or "").split()}
        assert {"prep-health-green", "prep-legend"} <= classes
        legend = [t.text for g in ET.fromstring(data).iter(SVG + "g") if "prep-legend-item" in (g.get("class") or "")
                  for t in g.iter(SVG + "text")]
        assert "EXIT n: exit criterion of stage n" in legend and "knowhow" in legend
    elif ext == "png":
        assert data.startswith(b"\x89PNG")
    elif ext == "pdf":
        assert data.startswith(b"%PDF")
    else:
        from pptx import Presentation

        top = Presentation(io.BytesIO(data)).slides[0].shapes
        shapes = [s.name for s in top]
        for label in ("Stage 1: 契約 Contract", "Stage 2: キックオフ Kickoff", "Stage 3: 導入 Adoption"):
            assert f"stage: {label}" in shapes
        # the column frames lie behind the boxes; each exit criterion moves with its tag
        assert shapes.index("stage: Stage 3: 導入 Adoption") < shapes.index("契約書 (EXIT 1)")
        grouped = {g.name: [s.name for s in g.shapes] for g in top if hasattr(g, "shapes")}
        assert grouped == {"契約書 (EXIT 1)": ["契約書", "EXIT 1: 契約書"],
                           "成功計画の合意 (EXIT 2)": ["成功計画の合意", "EXIT 2: 成功計画の合意"],
                           "主要機能の定着 (EXIT 3)": ["主要機能の定着", "EXIT 3: 主要機能の定着"]}


def test_the_roadmap_as_a_real_process(prep_run, tmp_path):
    out = tmp_path / "r.svg"
    proc = prep_run("render", str(RENEWAL), "--view", "roadmap", "--direction", "TB", "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    stages, exits = _svg_parts(out.read_bytes(), "TB")
    assert stages[0].startswith("1. 価値レビュー") and len(stages) == 4
    assert sorted(exits) == sorted(["価値レポート", "更新提案書", "更新条件", "更新契約"])


def test_usage_errors(cli, prep_run, tmp_path):
    plain = ROOT / "examples" / "feature-addition-honest.prep"
    result = cli("render", str(plain), "--view", "roadmap", "-o", str(tmp_path / "x.svg"))
    assert result.exit_code == 2
    assert "the model has no stages" in result.output and "hint: declare them" in result.output
    assert not (tmp_path / "x.svg").exists()
    proc = prep_run("render", str(plain), "--view", "roadmap", "-o", str(tmp_path / "x.svg"))
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert proc.stderr.decode().startswith(f"{plain}:1:1: error: the model has no stages")
    for args, message in ((("--engine", "dot"), "laid out by prep's engine"),
                          (("--stable", str(tmp_path / "s.layout.json")), "--stable cannot be used with --view"),
                          (("-o", str(tmp_path / "x.mmd")), "--view roadmap is drawn by prep's layout")):
        result = cli("render", str(CS), "--view", "roadmap", *args)
        assert result.exit_code == 2 and message in result.output, result.output
    result = cli("render", "--diff", str(CS), str(CS), "--view", "roadmap")
    assert result.exit_code == 2 and "--view roadmap cannot be used with --diff" in result.output
    assert not (tmp_path / "s.layout.json").exists()  # --stable wrote nothing
    with pytest.raises(PrepError, match="no stages"):
        prep.layout(prep.load(plain), view="roadmap")
    with pytest.raises(PrepError, match="does not start from a previous layout"):
        prep.layout(prep.load(CS), view="roadmap", previous=prep.layout(prep.load(CS)))
    with pytest.raises(ValueError, match="view must be one of"):
        prep.layout(prep.load(CS), view="columns")


def test_focus_keeps_the_columns(cli, tmp_path):
    out = tmp_path / "f.layout.json"
    result = cli("render", str(CS), "--view", "roadmap", "--focus", "成功計画", "--depth", "1", "-o", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [c["stage"] for c in data["columns"]] == ["contract", "kickoff", "adoption"]
    assert "成功計画" in data["nodes"] and "ヘルススコア" not in data["nodes"]


# ------------------------------------------------------------------ report


class Sections:
    """The report's roadmap section read back: per <section class="prep-stage">
    its heading, its summary rows, its findings rows and its SVG."""

    def __init__(self, html: str):
        self.roadmap = re.search(r'<div class="diagram prep-roadmap">(<svg\b.*?</svg>)</div>', html, re.S).group(1)
        self.stages = []
        for m in re.finditer(r'<section class="prep-stage" id="stage-(\d+)">(.*?)</section>', html, re.S):
            body = m.group(2)
            rows = dict(re.findall(r"<tr><th>([^<]*)</th><td>(.*?)</td></tr>", body))
            findings = re.findall(r'<tr class="prep-(?:error|warning|info)">.*?</tr>', body, re.S)
            svg = re.search(r"<svg\b.*?</svg>", body, re.S).group(0)
            self.stages.append({"index": int(m.group(1)), "heading": re.search(r"<h3>(.*?)</h3>", body).group(1),
                                "rows": rows, "findings": findings, "svg": svg})


def _boxes(svg: str) -> dict[str, str]:
    """Deliverable (by the first line of its label) -> its polygon's points."""
    out = {}
    for g in ET.fromstring(svg).iter(SVG + "g"):
        if "node" in (g.get("class") or "").split() or "prep-deliverable" in (g.get("class") or "") \
                or "prep-knowhow" in (g.get("class") or ""):
            texts = [t.text for t in g.iter(SVG + "text")]
            poly = g.find(SVG + "polygon")
            if texts and poly is not None and not texts[0].startswith("EXIT "):   # not a stage's EXIT tag
                out[texts[0]] = poly.get("points")
    return out


def test_the_report_has_a_roadmap_section(cli, tmp_path):
    out = tmp_path / "renewal.html"
    result = cli("report", str(RENEWAL), "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.index('<h2 id="roadmap">Roadmap</h2>') < html.index('<h2 id="findings">')
    page = Sections(html)
    model = prep.load(RENEWAL)
    assert [s["heading"] for s in page.stages] == [s.display for s in model.stages.values()]
    assert _svg_parts(page.roadmap.encode())[0][0] == "1. 価値レビュー Value review"
    review = page.stages[0]
    assert review["rows"]["exit criteria"] == "価値レポート Value report"
    # the pricing judgement is first needed by the proposal: it appears there, not in the review
    assert review["rows"]["deliverables"].split(", ") == [
        "分析手法 Value analysis method", "利用実績 Usage record", "価値レポート Value report"]
    assert "価格判断 Pricing judgement" in page.stages[1]["rows"]["deliverables"].split(", ")
    # the stage's findings: K201 (the pricing judgement held by one person) is about a deliverable of `proposal`
    findings = {f.subject: f for f in prep.lint(model) if f.subject}
    where = {name: model.stage_of(name) for name in findings}
    for s in page.stages:
        name = list(model.stages)[s["index"] - 1]
        expected = sorted(subject for subject, stage in where.items() if stage == name)
        got = sorted(re.findall(r"<td>([^<]*)</td><td>(?:[^<]|<br>|<small>)*", "".join(s["findings"])))
        assert len(s["findings"]) == len(expected), (name, got, expected)
    assert any("価格判断" in f for f in page.stages[1]["findings"])
    assert not any("価格判断" in f for f in page.stages[0]["findings"])
    # each frame: what exists by the end of its stage, at the same place in every frame
    seen: dict[str, str] = {}
    from prep.language.views import existing_at

    for s in page.stages:
        name = list(model.stages)[s["index"] - 1]
        boxes = _boxes(s["svg"])
        labels = {model.deliverables[n].display.split("\n")[0] for n in existing_at(model, name)}
        assert set(boxes) == labels, name
        for label, points in boxes.items():
            assert seen.setdefault(label, points) == points, label
    # several inline SVGs: ids stay unique in the page
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_the_markdown_report_writes_its_frames(cli, tmp_path):
    out = tmp_path / "cs.md"
    result = cli("report", str(CS), "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "## Roadmap" in text and "![roadmap](cs.roadmap.svg)" in text
    headings = re.findall(r"^### (.*)$", text, re.M)
    assert headings == ["Stage 1: 契約 Contract", "Stage 2: キックオフ Kickoff", "Stage 3: 導入 Adoption"]
    for i in range(3):
        assert f"(cs.stage-{i + 1}.svg)" in text
        ET.fromstring((tmp_path / f"cs.stage-{i + 1}.svg").read_bytes())
    assert "- exit criteria: 成功計画の合意 Exit: success plan agreed" in text
    ET.fromstring((tmp_path / "cs.roadmap.svg").read_bytes())


def test_a_model_without_stages_has_no_roadmap_section():
    from prep.embed.report import build_report

    data, _ = build_report(prep.load(ROOT / "examples" / "feature-addition-honest.prep"), "html")
    assert b'id="roadmap"' not in data and b"prep-stage" not in data


def test_a_frame_is_drawn_on_the_whole_layout():
    from prep.renderer.frame import frame_layout
    from prep.language.views import cross_section

    model = prep.load(CS)
    whole = layout(model)
    view = cross_section(model, "kickoff")
    lay = frame_layout(whole, model, view)
    assert set(lay.nodes) == set(view.deliverables) and "ヘルススコア" not in lay.nodes
    assert all(lay.nodes[n] == whole.nodes[n] for n in lay.nodes)
    assert [(e.source, e.target) for e in lay.edges] == [(r.source, r.target) for r in view.relations]
    assert (lay.width, lay.height) == (whole.width, whole.height)


def test_docs_roadmap_pictures_are_current():
    """docs/examples/NAME.roadmap.svg, shown by docs/roadmap.md, are the
    examples' roadmap views as drawn now (python docs/build_examples.py)."""
    sys.path.insert(0, str(ROOT / "docs"))
    from build_examples import roadmap_pictures

    names = []
    for name, data in roadmap_pictures():
        if name.endswith(".svg"):
            names.append(name)
            assert (ROOT / "docs" / "examples" / name).read_bytes() == data, f"docs/examples/{name} is stale"
    assert names == ["cs-lifecycle.roadmap.svg", "cs-onboarding.roadmap.svg", "order-to-cash-as-is.roadmap.svg",
                     "order-to-cash-to-be.roadmap.svg", "renewal-roadmap.roadmap.svg"]
    text = (ROOT / "docs" / "roadmap.md").read_text(encoding="utf-8")
    for name in names:
        assert f"(examples/{name})" in text


def _random_model(rng) -> str:
    """A small model with stages: random placements, exits, groups across
    stages, relations of every kind in any direction (backwards, cycles,
    self-relations, between exits)."""
    n_stages, names = rng.randint(1, 5), [f"d{i}" for i in range(rng.randint(1, 14))]
    place = {x: rng.randrange(n_stages) for x in names if rng.random() < 0.6}
    lines = []
    for s in range(n_stages):
        placed = [x for x in names if place.get(x) == s]
        exits = rng.sample(placed, min(len(placed), rng.randint(1, 2))) if placed and rng.random() < 0.7 else []
        lines.append(f'stage s{s} "Stage {s + 1}"' + (f" [exit: [{', '.join(exits)}]]" if exits else ""))
    for g in range(rng.randint(0, 2)):
        members = [x for x in names if rng.random() < 0.3]
        if members:
            lines += [f"group g{g} {{"] + [f"  deliverable {x}" + (f" [stage: s{place.pop(x)}]" if x in place else "")
                                           for x in members] + ["}"]
    lines += [f"deliverable {x} [stage: s{s}]" for x, s in place.items()]
    lines += [f"{rng.choice(names)} {rng.choice(['->', '->', '~>', '<~>'])} {rng.choice(names)}"
              for _ in range(rng.randint(0, 2 * len(names)))]
    return "\n".join(lines + [f"deliverable {x}" for x in names]) + "\n"


def test_random_models_keep_the_promises():
    import random

    tested = 0
    for seed in range(80):
        rng = random.Random(seed)
        text = _random_model(rng)
        try:
            model = prep.loads(text, path=f"random-{seed}.prep")
        except PrepError:  # e.g. a deliverable in two groups: not what this test is about
            continue
        tested += 1
        for direction in ("LR", "TB"):
            check_columns(model, prep.layout(model, view="roadmap", direction=direction, legend=seed % 2 == 0))
    assert tested >= 30


def test_the_roadmap_view_and_the_stage_pictures_do_not_mix(tmp_path):
    from click.testing import CliRunner

    from prep.cli import cli

    src = Path(__file__).resolve().parent.parent / "examples" / "cs-onboarding.prep"
    for extra in (["--flipbook"], ["--stage", "kickoff"]):
        result = CliRunner().invoke(cli, ["render", str(src), "--view", "roadmap", "-o", str(tmp_path / "x.svg")]
                                    + extra)
        assert result.exit_code == 2 and "--view roadmap draws every stage in one picture" in result.output
        assert not (tmp_path / "x.svg").exists()


def test_a_stage_column_continued_on_a_later_piece_says_so(cli, tmp_path):
    """A roadmap fitted to pages can cut a stage over two pieces; the later
    column is labelled "… (cont.)" as the diagram's stage captions and the
    group frames are, not the stage's bare label again (cs-lifecycle on A4
    drew "Stage 1: オンボーディング Onboard" twice on page 1, and the report's
    roadmap section a second "Stage 4" panel on its last page). Each label
    stays inside its column."""
    lifecycle = ROOT / "examples" / "cs-lifecycle.prep"
    result = cli("render", str(lifecycle), "--view", "roadmap", "--page", "A4", "-o", str(tmp_path / "x.layout.json"))
    assert result.exit_code == 0, result.output
    model = prep.load(lifecycle)
    columns = [c for f in sorted(tmp_path.glob("x-*.layout.json"))
               for c in json.loads(f.read_text(encoding="utf-8"))["columns"]]
    seen: set[str] = set()
    for c in columns:
        bare = model.stages[c["stage"]].display
        assert c["label"] == (f"{bare} (cont.)" if c["stage"] in seen else bare), [c["label"] for c in columns]
        seen.add(c["stage"])
        frame, label = c["frame"], c["label_box"]
        assert label["x"] + label["width"] / 2 <= frame["x"] + frame["width"] / 2 + 0.01, c
    assert len(columns) > len(seen)   # some stage was continued

