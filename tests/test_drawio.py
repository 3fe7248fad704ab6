"""`prep render -o diagram.drawio`: the file read back as draw.io reads it
(mxfile > diagram > mxGraphModel > root > mxCell), checked against the
layout it was drawn from: ids, containers, geometry, routes and styles.
draw.io's own viewer draws it in tests/test_drawio_viewer.py (opt-in)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

import prep
from conftest import EXAMPLES, run_prep
from prep.layouter import layout
from prep.renderer.drawio import cell_id, deliverable_of, on_curve

MODEL = """\
title "機能追加 <drawio> & co"
stage intake "受付"
stage build "開発" [exit: approval]
deliverable req "顧客要望リスト" [external, stage: intake]
knowhow dev "開発ノウハウ" [owner: 開発リーダー]
deliverable spec "仕様書" [owner: [PM, 開発]]
group ship "リリース" [colour: blue] {
  group inner "内側" {
    deliverable svc "追加サービス"
  }
  deliverable approval "承認" [final]
}
req, dev -> spec [note: "週1 & <確認>"]
spec -> svc
svc ~> approval
approval <~> req
"""


def styles(cell) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in cell.get("style", "").split(";") if pair)


def pages(data: bytes) -> list[dict]:
    """Each page: its name, page size and {id: mxCell}, read as draw.io does."""
    root = ET.fromstring(data)
    assert root.tag == "mxfile" and int(root.get("pages")) == len(root.findall("diagram"))
    out = []
    for diagram in root.findall("diagram"):
        model = diagram.find("mxGraphModel")
        assert model is not None, "pages are stored plain, not compressed"
        cells = {}
        for cell in model.find("root").findall("mxCell"):
            assert cell.get("id") not in cells, f"duplicate id {cell.get('id')}"
            cells[cell.get("id")] = cell
        for cell in cells.values():   # every parent, source and target is a cell of the page
            for key in ("parent", "source", "target"):
                if cell.get(key) is not None:
                    assert cell.get(key) in cells, (key, cell.get(key))
        out.append({"name": diagram.get("name"), "width": float(model.get("pageWidth")),
                    "height": float(model.get("pageHeight")), "scale": float(model.get("pageScale")),
                    "cells": cells})
    return out


def absolute(cells, cid) -> tuple[float, float, float, float]:
    """(left, top, width, height) of a vertex, its parents' offsets added."""
    cell = cells[cid]
    g = cell.find("mxGeometry")
    x, y = float(g.get("x")), float(g.get("y"))
    parent = cells.get(cell.get("parent"))
    while parent is not None and parent.get("vertex") == "1":
        pg = parent.find("mxGeometry")
        x, y = x + float(pg.get("x")), y + float(pg.get("y"))
        parent = cells.get(parent.get("parent"))
    return x, y, float(g.get("width")), float(g.get("height"))


def test_boxes_groups_and_relations_are_cells_at_the_layouts_places(cli, tmp_path):
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    out = tmp_path / "m.drawio"
    result = cli("render", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    [page] = pages(out.read_bytes())
    cells = page["cells"]
    model = prep.load(str(src))
    placed = layout(model)
    assert page["name"] == "機能追加 <drawio> & co"
    # each deliverable: a vertex whose id is its name, at its box
    for name, box in placed.nodes.items():
        x, y, w, h = absolute(cells, name)
        assert (x, y, w, h) == pytest.approx((box.left, box.top, box.width, box.height), abs=0.01)
        assert cells[name].get("vertex") == "1"
    assert cells["spec"].get("value") == "仕様書\n(PM, 開発)"
    assert styles(cells["dev"])["dashed"] == "1" and "dashed" not in styles(cells["spec"])
    assert styles(cells["req"])["fillColor"] == "#eef1f5"          # external: tinted
    assert styles(cells["approval"])["strokeWidth"] == "2.4"       # final: heavy border
    assert styles(cells["spec"])["strokeWidth"] == "1.2"
    # groups: containers, nested; a box's parent is its innermost group
    ship, inner = cells["prep:group:ship"], cells["prep:group:inner"]
    assert styles(ship)["container"] == "1" and ship.get("value") == "リリース"
    assert styles(ship)["fillColor"] == "#dae8f7"                  # its colour
    assert inner.get("parent") == "prep:group:ship"
    assert cells["svc"].get("parent") == "prep:group:inner" and cells["approval"].get("parent") == "prep:group:ship"
    assert cells["spec"].get("parent") == "prep:layer"
    # relations: edges between the boxes, through the layout's route
    edges = [c for c in cells.values() if c.get("edge") == "1"]
    assert len(edges) == len(model.relations)
    for r, route, edge in zip(model.relations, placed.edges, edges):
        assert (edge.get("source"), edge.get("target")) == (r.source, r.target)
        s = styles(edge)
        assert s.get("dashed") == ("1" if r.kind in ("sync", "mutual") else None)
        assert s["endArrow"] == "block" and s["startArrow"] == ("block" if r.kind == "mutual" else "none")
        g = edge.find("mxGeometry")
        points = [c for p in g.find("Array").findall("mxPoint") for c in (float(p.get("x")), float(p.get("y")))]
        assert points == pytest.approx([c for p in on_curve(route.points)[1:-1] for c in p], abs=0.01)
        start = g.find("mxPoint[@as='sourcePoint']")
        assert (float(start.get("x")), float(start.get("y"))) == pytest.approx(route.points[0], abs=0.01)
        # pinned where the route leaves its source box
        box = placed.nodes[r.source]
        assert float(s["exitX"]) == pytest.approx((route.points[0][0] - box.left) / box.width, abs=1e-3)
    notes = [e for e in edges if e.get("value")]
    assert [e.get("value") for e in notes] == ["週1 & <確認>"]   # a statement's note once
    assert all(e.find("mxGeometry/mxPoint[@as='offset']") is not None for e in notes)
    # the page is the drawing's size (no --page)
    assert page["width"] == round(placed.width) and page["height"] == round(placed.height)


@pytest.mark.parametrize("paper, preset", [("A4", (1169, 827)), ("A5-portrait", (583, 827)),
                                           ("A3", (1654, 1169)), ("letter", (1100, 850))])
def test_a_page_is_draw_ios_own_paper_size_and_holds_its_sheet(cli, tmp_path, paper, preset):
    """draw.io keeps a page's size in hundredths of an inch (its A4 is
    827 x 1169) and prints it so. `--page A4` was written as 842 x 595: a
    "custom" 8.42 x 5.95 in page in draw.io's Page Setup, on which the
    drawing printed at 72% of the size prep laid it out (7 pt text at 5 pt).
    Now the page is draw.io's own preset and its page scale makes it the
    sheet prep laid out: every box of a sheet is on its one page."""
    out = tmp_path / "a.drawio"
    result = cli("render", str(EXAMPLES / "cs-lifecycle.prep"), "--page", paper, "-o", str(out))
    assert result.exit_code == 0, result.output
    from prep.layouter.page import parse_page

    sheet = parse_page(paper)
    for page in pages(out.read_bytes()):
        assert (page["width"], page["height"]) == preset
        # the page, as draw.io draws and prints it, is the sheet (in points) to a fraction of a point
        assert page["width"] * page["scale"] == pytest.approx(sheet.width, abs=1)
        assert page["height"] * page["scale"] == pytest.approx(sheet.height, abs=1)
        boxes = [absolute(page["cells"], c) for c, cell in page["cells"].items() if cell.get("vertex") == "1"]
        assert boxes and all(0 <= x and x + w <= page["width"] * page["scale"] and 0 <= y
                             and y + h <= page["height"] * page["scale"] for x, y, w, h in boxes), boxes


def test_roadmap_columns_are_containers_and_exit_criteria_tagged(tmp_path):
    model = prep.loads(MODEL, "m.prep")
    [page] = pages(prep.render(model, "drawio", view="roadmap"))
    cells = page["cells"]
    intake, build = cells["prep:stage:intake"], cells["prep:stage:build"]
    assert styles(intake)["container"] == "1" and intake.get("value") == "受付"
    # a box outside any group sits in its stage's column; in a group, in the group
    assert cells["spec"].get("parent") == "prep:stage:intake"
    assert cells["approval"].get("parent") == "prep:group:ship"
    tag = cells["prep:exit:approval"]
    assert tag.get("parent") == "approval" and tag.get("value") == "EXIT 2"


def test_stage_flipbook_and_pages(cli, tmp_path):
    src = EXAMPLES / "cs-lifecycle.prep"
    model = prep.load(str(src))
    book = tmp_path / "book.drawio"
    result = cli("render", str(src), "--flipbook", "-o", str(book))
    assert result.exit_code == 0, result.output
    frames = pages(book.read_bytes())
    assert len(frames) == len(model.stages) == 4
    assert frames[1]["name"].endswith("Stage 2: 定着 Adopt")
    # later deliverables are left out; the first stage's exit criterion is tagged in the second
    assert len([c for c in frames[0]["cells"] if deliverable_of(c)]) < len(model.deliverables)
    assert "prep:exit:稼働開始" in frames[1]["cells"]
    # a new deliverable of the stage: heavy border
    new = next(n for n in model.deliverables if model.effective_stages[n] == "adopt")
    assert styles(frames[1]["cells"][new])["strokeWidth"] == "2.4"
    one = tmp_path / "adopt.drawio"
    assert cli("render", str(src), "--stage", "adopt", "-o", str(one)).exit_code == 0
    assert pages(one.read_bytes())[0]["cells"].keys() == frames[1]["cells"].keys()
    # --page: the model fitted to A4 pages, one draw.io page each, of that size
    paged = tmp_path / "a4.drawio"
    result = cli("render", str(src), "--page", "A4", "-o", str(paged))
    assert result.exit_code == 0, result.output
    sheets = pages(paged.read_bytes())
    assert len(sheets) > 1 and f"{len(sheets)} pages of A4" in result.output
    assert all((p["width"], p["height"]) == (1169, 827) for p in sheets)   # draw.io's A4, landscape
    assert sheets[0]["name"].endswith(f"(1/{len(sheets)})")
    # an off-page marker is prep's own cell, not read back as a deliverable (its id was its
    # internal name, starting with an invisible character)
    markers = [c for p in sheets for c, cell in p["cells"].items() if "p. " in (cell.get("value") or "")]
    assert markers and all(c.startswith("prep:offpage:") and deliverable_of(c) is None for c in markers), markers
    assert {deliverable_of(c) for p in sheets for c in p["cells"]} - {None} <= set(model.deliverables)


def test_same_model_same_bytes_and_the_api():
    model = prep.load(str(EXAMPLES / "cs-lifecycle.prep"))
    a = prep.render(model, "drawio", legend=True)
    assert a == prep.render(model, "drawio", legend=True)
    cells = pages(a)[0]["cells"]
    assert "prep:legend" in cells and sum(c.startswith("prep:legend:") for c in cells) > 5
    assert prep.flipbook(model, "drawio") == prep.flipbook(model, "drawio")


def test_usage_errors_exit_2_without_a_traceback(tmp_path):
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    done = run_prep("render", "--diff", str(src), str(src), "-o", str(tmp_path / "d.drawio"))
    assert done.returncode == 2 and b"Traceback" not in done.stderr and b"not drawio" in done.stderr
    done = run_prep("render", str(src), "-o", str(tmp_path / "missing" / "d.drawio"))
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.prep"]


@given(st.text(min_size=1, max_size=30))
def test_a_vertex_id_reads_back_as_the_name(name):
    cid = cell_id(name)
    assert deliverable_of(cid) == name
    assert "\n" not in cid and not cid.startswith("prep:")


def test_hostile_labels_stay_text():
    from test_injection import HOSTILE, MARKERS, hostile_text

    model = prep.loads(hostile_text(), "hostile.prep")
    data = prep.render(model, "drawio", legend=True)
    [page] = pages(data)
    cells = page["cells"]
    for h in HOSTILE:
        cid = cell_id(h)
        assert deliverable_of(cid) == h and cells[cid].get("vertex") == "1"
        # plain text, shown as written (a long line wrapped at its spaces): no html=1, the XML writer escaped it
        assert "".join(cells[cid].get("value").split()).startswith("".join(("label " + h).split()))
        assert "html" not in styles(cells[cid])
    for cell in cells.values():
        style = cell.get("style", "")
        assert not any(m in style for m in MARKERS), style
        assert "html=1" not in style and "link" not in cell.attrib and "placeholders" not in style
    assert cells["prep:title"].get("value") == model.title
    assert cells["prep:group:g"].get("value") == model.groups["g"].label
    notes = sorted(c.get("value") for c in cells.values() if c.get("edge") == "1" and c.get("value"))
    from prep.layouter.texts import note_carriers

    # each statement's note once, on the relation that carries it (tests/test_collisions.py)
    assert notes == sorted(r.note for r, carries in zip(model.relations, note_carriers(model)) if r.note and carries)
