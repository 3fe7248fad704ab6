"""The layout stage (issue 10): the geometry as data, its quality (crossings
against Graphviz dot, no overlapping boxes, frames that hold their boxes and
nothing else), stability between edits, and the compact legend."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

import prep
from prep.layouter import layout

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402
from quality import crossings, frames_not_containing, overlapping_boxes  # noqa: E402

EXAMPLES = sorted((ROOT / "examples").glob("*.prep"))
GENERATED = [("local", 120), ("long-range", 120)]


def _models():
    for path in EXAMPLES:
        yield path.stem, prep.load(path)
    for profile, n in GENERATED:
        yield f"{profile}-{n}", prep.loads(generate(n, profile=profile))


MODELS = dict(_models())


def _on_border(point, box, tolerance=2.0) -> bool:
    x, y = point
    inside_outer = (box.left - tolerance <= x <= box.right + tolerance
                    and box.top - tolerance <= y <= box.bottom + tolerance)
    inside_inner = (box.left + tolerance < x < box.right - tolerance
                    and box.top + tolerance < y < box.bottom - tolerance)
    return inside_outer and not inside_inner


# ----------------------------------------------------------- layout as data


def test_layout_json_from_the_command_line(cli, tmp_path):
    src = ROOT / "examples" / "cs-onboarding.prep"
    out = tmp_path / "cs.layout.json"
    result = cli("render", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    model = prep.load(src)
    assert data["format"] == "prep-layout" and data["version"] == 1
    assert data["width"] > 0 and data["height"] > 0
    assert list(data["nodes"]) == list(model.deliverables)
    for box in data["nodes"].values():
        assert set(box) == {"x", "y", "width", "height"}
        assert box["width"] > 0 and box["height"] > 0
        assert 0 <= box["x"] - box["width"] / 2 and box["x"] + box["width"] / 2 <= data["width"]
    assert [(e["source"], e["target"], e["kind"]) for e in data["edges"]] == [
        (r.source, r.target, r.kind) for r in model.relations]
    assert set(data["groups"]) == set(model.groups)
    # the same through --format and through the API
    again = cli("render", str(src), "--format", "layout", "-o", "-")
    assert json.loads(again.output) == data
    assert json.loads(prep.render(model, "layout")) == data


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_routes_start_and_end_on_their_boxes(name, direction):
    model = MODELS[name]
    lay = layout(model, direction=direction)
    assert set(lay.nodes) == set(model.deliverables)
    assert len(lay.edges) == len(model.relations)
    for r, e in zip(model.relations, lay.edges):
        assert (e.source, e.target, e.kind) == (r.source, r.target, r.kind)
        assert len(e.points) >= 4 and (len(e.points) - 1) % 3 == 0  # cubic Bézier control points
        assert _on_border(e.points[0], lay.nodes[r.source]), (r, e.points[0])
        assert _on_border(e.points[-1], lay.nodes[r.target]), (r, e.points[-1])


def test_the_dot_engine_gives_the_same_kind_of_geometry():
    model = MODELS["feature-addition-honest"]
    lay = layout(model, engine="dot")
    assert lay.engine == "dot" and set(lay.nodes) == set(model.deliverables)
    for r, e in zip(model.relations, lay.edges):
        assert _on_border(e.points[0], lay.nodes[r.source], 3) and _on_border(e.points[-1], lay.nodes[r.target], 3)


def test_layout_is_deterministic_and_reads_back():
    from prep.layouter.geometry import layout_from_dict

    model = MODELS["long-range-120"]
    first = layout(model).to_json()
    assert layout(prep.loads(generate(120, profile="long-range"))).to_json() == first
    back = layout_from_dict(json.loads(first))
    assert back.to_json() == first


# ------------------------------------------------------------------ quality


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_no_overlapping_boxes_and_frames_hold_their_boxes(name, direction):
    model = MODELS[name]
    lay = layout(model, direction=direction, legend=True)
    assert overlapping_boxes(lay) == []
    assert frames_not_containing(lay, model) == []
    for g in model.groups.values():
        frame = lay.groups[g.name]
        if g.parent is not None:  # a nested frame inside its parent's
            assert lay.groups[g.parent].contains(frame)
        members = set(model.group_members(g.name))
        for other, box in lay.nodes.items():  # and no other box inside a frame
            if other not in members:
                assert not frame.overlaps(box), (g.name, other)
    for a in model.groups:  # sibling frames side by side, not on top of each other
        for b in model.groups:
            ga, gb = model.groups[a], model.groups[b]
            if a < b and ga.parent == gb.parent:
                assert not lay.groups[a].overlaps(lay.groups[b]), (a, b)
    if lay.legend is not None:
        assert not any(lay.legend.overlaps(box) for box in lay.nodes.values())
        assert not any(lay.legend.overlaps(frame) for frame in lay.groups.values())


@pytest.mark.parametrize("profile", ["local", "long-range"])
def test_no_more_crossings_than_graphviz_dot(profile):
    # a fixed model of each profile; dot with its default settings
    model = prep.loads(generate(150, profile=profile))
    ours, dots = crossings(layout(model)), crossings(layout(model, engine="dot"))
    assert ours <= dots, (ours, dots)


# Without groups dot's own crossing reduction is the yardstick (issue 21:
# <= 0.95x dot's crossings at 500 and 1,000 deliverables). prep ranks as
# dot does (network simplex) and orders as dot's mincross does, then sifts.
# Measured on these fixed models (prep / dot, docs/performance.md):
#   300: local 2,114 / 2,358 (0.90), long-range 6,841 / 7,504 (0.91)
#   150: local 716 / 701 (1.02), long-range 1,302 / 1,507 (0.86)
# The bounds hold the gain with a little room: above them the crossing
# reduction has slipped back (before the network simplex ranks, 150 gave
# 756 and 1,507; before issue 21, 1,048 and 2,065).
NO_GROUPS_BOUND = {("local", 300): 0.95, ("long-range", 300): 0.95,
                   ("local", 150): 1.04, ("long-range", 150): 0.9}


@pytest.mark.parametrize("profile,n", sorted(NO_GROUPS_BOUND))
def test_crossings_without_groups_against_graphviz_dot(profile, n):
    model = prep.loads(generate(n, profile=profile, groups=False))
    assert not model.groups
    ours, dots = crossings(layout(model)), crossings(layout(model, engine="dot"))
    assert ours <= NO_GROUPS_BOUND[profile, n] * dots, (ours, dots)


def test_network_simplex_ranks_are_shortest():
    """The ranks respect every edge's minimum length and make the
    weighted total length as small as any ranking can: checked against
    the dual problem, a min-cost flow solved by networkx (the largest
    sum of minimum length x flow, each node passing on its incoming
    minus outgoing weight). A budget of 0 still gives valid ranks."""
    import random

    import networkx as nx

    from prep.layouter.layered.simplex import network_simplex

    rng = random.Random(3)
    for _ in range(60):
        n = rng.randint(5, 40)
        edges = []
        for _ in range(rng.randint(n, 3 * n)):
            u, v = sorted(rng.sample(range(n), 2))
            edges.append((u, v, rng.choice([1, 1, 2]), rng.choice([1, 1, 2, 3])))
        start = [0] * n  # the longest path (nodes are in topological order)
        for v in range(n):
            start[v] = max([start[u] + m for u, w, m, _ in edges if w == v] + [0])
        flow = nx.MultiDiGraph()
        flow.add_nodes_from(range(n), demand=0)
        for u, v, m, w in edges:
            flow.nodes[u]["demand"] -= w
            flow.nodes[v]["demand"] += w
            flow.add_edge(u, v, weight=-m)
        shortest = -nx.min_cost_flow_cost(flow)
        for budget in (0, 10**6):
            rank, _ = network_simplex(n, edges, list(start), budget)
            assert all(rank[v] - rank[u] >= m for u, v, m, _ in edges)
        assert sum(w * (rank[v] - rank[u]) for u, v, _, w in edges) == shortest, edges


def test_crossings_are_counted_on_the_drawn_routes():
    from prep.layouter import Box, Layout, Route

    def straight(a, b):
        return (a, ((2 * a[0] + b[0]) / 3, (2 * a[1] + b[1]) / 3), ((a[0] + 2 * b[0]) / 3, (a[1] + 2 * b[1]) / 3), b)

    boxes = {n: Box(0, 0, 1, 1) for n in "abcd"}
    x = Layout(10, 10, boxes, (Route("a", "b", "input", straight((0, 0), (10, 10))),
                               Route("c", "d", "input", straight((0, 10), (10, 0)))))
    assert crossings(x) == 1
    shared = Layout(10, 10, boxes, (Route("a", "b", "input", straight((0, 0), (10, 10))),
                                    Route("a", "d", "input", straight((0, 10), (10, 0)))))
    assert crossings(shared) == 0  # edges that share an end are not counted
    apart = Layout(10, 10, boxes, (Route("a", "b", "input", straight((0, 0), (10, 0))),
                                   Route("c", "d", "input", straight((0, 5), (10, 5)))))
    assert crossings(apart) == 0


# ---------------------------------------------------------------- stability


def _kept(old, new) -> float:
    moved = sum(math.hypot(new.nodes[n].x - b.x, new.nodes[n].y - b.y) >= 36 for n, b in old.nodes.items())
    return 1 - moved / len(old.nodes)


@pytest.mark.parametrize("profile", ["local", "long-range"])
def test_an_edit_moves_no_old_box_with_the_previous_layout(profile):
    text = generate(200, profile=profile)
    before = layout(prep.loads(text))
    names = list(before.nodes)
    top = sorted(names, key=lambda n: before.nodes[n].top)[:2]  # a new box wants the very top: no room above
    for k, (a, b) in enumerate([(names[5], names[150]), (names[60], names[61]), (names[10], names[199]), top]):
        after = layout(prep.loads(text + f"{a}, {b} -> 追加{k}\n"), previous=before)
        assert "追加" + str(k) in after.nodes
        assert _kept(before, after) >= 0.9
        assert overlapping_boxes(after) == []


def test_the_same_model_with_its_own_layout_is_the_same_layout():
    model = MODELS["local-120"]
    first = layout(model)
    assert layout(model, previous=first).to_json() == first.to_json()


def test_stable_option_keeps_the_places_in_a_file(cli, tmp_path):
    text = generate(120)
    (tmp_path / "m.prep").write_text(text, encoding="utf-8")
    places = tmp_path / "m.layout.json"
    assert cli("render", str(tmp_path / "m.prep"), "--stable", str(places), "-o", str(tmp_path / "m.svg")).exit_code == 0
    before = json.loads(places.read_text(encoding="utf-8"))
    svg = (tmp_path / "m.svg").read_bytes()
    # unchanged model: the same picture and the same layout file
    assert cli("render", str(tmp_path / "m.prep"), "--stable", str(places), "-o", str(tmp_path / "m.svg")).exit_code == 0
    assert (tmp_path / "m.svg").read_bytes() == svg
    assert json.loads(places.read_text(encoding="utf-8")) == before
    # an edit: the file is read, then rewritten with the new deliverable
    names = list(before["nodes"])
    (tmp_path / "m.prep").write_text(text + f"{names[3]}, {names[90]} -> 追加\n", encoding="utf-8")
    assert cli("render", str(tmp_path / "m.prep"), "--stable", str(places), "-o", str(tmp_path / "m.svg")).exit_code == 0
    after = json.loads(places.read_text(encoding="utf-8"))
    assert "追加" in after["nodes"]
    moved = [n for n, b in before["nodes"].items()
             if math.hypot(after["nodes"][n]["x"] - b["x"], after["nodes"][n]["y"] - b["y"]) >= 36]
    assert len(moved) <= 0.1 * len(names)


def test_a_broken_layout_file_is_a_located_error(prep_run, tmp_path):
    (tmp_path / "m.prep").write_text("a, b -> c\n", encoding="utf-8")
    (tmp_path / "m.layout.json").write_text('{"format": "something else"}', encoding="utf-8")
    (tmp_path / "m.svg").write_bytes(b"last good")
    result = prep_run("render", "m.prep", "--stable", "m.layout.json", cwd=tmp_path)
    assert result.returncode == 2
    err = result.stderr.decode("utf-8")
    assert "m.layout.json:1:1: error: cannot read the layout file" in err and "hint:" in err
    assert (tmp_path / "m.svg").read_bytes() == b"last good"


# ------------------------------------------------------------------- legend


def test_the_legend_is_a_compact_block_that_does_not_widen_the_drawing():
    model = MODELS["cs-onboarding"]
    plain, keyed = layout(model), layout(model, legend=True)
    assert keyed.legend is not None
    assert keyed.width == plain.width  # it found a free corner
    assert keyed.legend.width * keyed.legend.height <= 0.12 * keyed.width * keyed.height
    kinds = {i.kind for i in keyed.legend_items}
    assert kinds == {"header", "deliverable", "knowhow", "input", "sync", "mutual"}
    for item in keyed.legend_items:
        assert keyed.legend.contains(item.box)
    health = layout(model, legend=True, health=True)
    assert {"health-green", "health-lime", "health-yellow", "health-red"} <= {i.kind for i in health.legend_items}


def test_no_free_corner_puts_the_legend_below():
    model = prep.loads("a -> b\n")
    plain, keyed = layout(model), layout(model, legend=True)
    assert keyed.height > plain.height and keyed.legend.top >= plain.height
    assert keyed.width == max(plain.width, keyed.legend.width + 24)


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf", "pptx"])
def test_the_legend_in_every_format(fmt):
    model = MODELS["feature-addition-honest"]
    data = prep.render(model, fmt, legend=True)
    plain = prep.render(model, fmt)
    assert data != plain
    if fmt == "svg":
        assert b"synchronization" in data and b"Legend" in data
    if fmt == "pptx":
        import io

        from pptx import Presentation

        texts = {shape.text_frame.text for shape in Presentation(io.BytesIO(data)).slides[0].shapes
                 if shape.has_text_frame}
        assert {"deliverable", "knowhow", "input", "synchronization"} <= texts


REWORK = """title "見積の手戻り"
deliverable 要件 [external]
deliverable 承認 [final]
knowhow 見積ノウハウ [owner: [営業, 技術]]
要件, 見積ノウハウ -> 設計案
設計案 -> 見積書
見積書 -> 承認
見積書 -> 設計案
承認 -> 要件
顧客の声 -> 施策
施策 <~> 顧客の声
"""


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_a_relation_that_closes_a_cycle_enters_its_target_where_inputs_do(direction):
    """A rework loop (見積書 -> 設計案 back, 承認 -> 要件 back) is what a
    consultant draws an as-is process to show. The relation a cycle is
    broken at was drawn out of its source's input side into its target's
    output side: 設計案 <-> 見積書 read as one double arrow, and 承認 -> 要件
    ended in an arrowhead on 要件's outgoing side. Now it leaves its source
    where every output does and enters its target where every input does,
    turning back in a lane beside the boxes (as the roadmap's relations
    against the flow do). A mutual synchronization has no such way: it
    stays a straight line between its two boxes."""
    from prep.layouter.collisions import problems

    model = prep.loads(REWORK, "rework.prep")
    lay = layout(model, direction=direction)
    assert problems(lay, model) == []
    lr = direction == "LR"
    for source, target in [("見積書", "設計案"), ("承認", "要件")]:
        e = next(e for e in lay.edges if (e.source, e.target) == (source, target))
        s, t = lay.nodes[source], lay.nodes[target]
        (x0, y0), (x1, y1) = e.points[0], e.points[-1]
        assert (t.x < s.x) if lr else (t.y < s.y)   # against the flow
        if lr:
            assert abs(x0 - s.right) < 0.5 and abs(x1 - t.left) < 0.5, (source, target, e.points)
        else:
            assert abs(y0 - s.bottom) < 0.5 and abs(y1 - t.top) < 0.5, (source, target, e.points)
    mutual = next(e for e in lay.edges if {e.source, e.target} == {"施策", "顧客の声"} and e.kind == "mutual")
    a, b = lay.nodes[mutual.source], lay.nodes[mutual.target]
    lo, hi = sorted((a.x, b.x) if lr else (a.y, b.y))
    along = [x if lr else y for x, y in mutual.points]
    assert all(lo - 0.5 <= v <= hi + 0.5 for v in along), mutual.points   # between the two: no turn back


@pytest.mark.parametrize("source", ["cs-lifecycle", "renewal-roadmap", "generated"])
def test_fitting_works_out_each_graph_s_order_once_and_draws_the_same(source, monkeypatch):
    """Fitting to a page lays one graph out at several text sizes, gaps and
    in both directions: within `orders_kept` its ranks and order (phases
    1-3, which read no size) are worked out once, and every layout is the
    one a fresh layout gives (the fitted pages too)."""
    from prep.layouter import fit, layered
    from prep.layouter.layered import p3_order
    from prep.layouter.page import parse_page

    model = (prep.loads(generate(30, seed=3, profile="long-range", stages=4), "g.prep") if source == "generated"
             else prep.load(ROOT / "examples" / f"{source}.prep"))
    views = ["diagram", "roadmap"] if model.stages else ["diagram"]
    calls = []
    reduce = p3_order.reduce_crossings
    monkeypatch.setattr(p3_order, "reduce_crossings", lambda lg: (calls.append(1), reduce(lg)))
    fresh = {(size, d, gap, view): layout(model, direction=d, font_size=size, rank_gap=gap, lateral_gap=gap, view=view)
             for size in (12.0, 9.0) for d in ("LR", "TB") for gap in (1.0, 0.3) for view in views}
    assert len(calls) == len(fresh)
    calls.clear()
    with layered.orders_kept():
        kept = {k: layout(model, direction=k[1], font_size=k[0], rank_gap=k[2], lateral_gap=k[2], view=k[3])
                for k in fresh}
    assert len(calls) == len(views)   # once a view: its graph (the roadmap's has stage columns)
    assert kept == fresh
    # outside it nothing is kept
    layout(model)
    assert len(calls) == len(views) + 1
    # the fitted pages, with and without
    pages = fit.fit_pages(model, parse_page("A4"))
    monkeypatch.setattr(layered, "orders_kept", __import__("contextlib").nullcontext)
    assert [(s.model, s.layout) for s in fit.fit_pages(model, parse_page("A4"))] == [(s.model, s.layout) for s in pages]


@pytest.mark.parametrize("example", ["cs-onboarding", "cs-lifecycle"])
@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_a_mutual_relation_s_arrowhead_is_not_on_another_route(cli, tmp_path, example, direction):
    """A box's routes leave one point of its side. When a mutual relation
    (`a <~> b`, an arrowhead at both ends) left it with an input, its
    arrowhead at `a` sat on the input's solid line: `成功計画 <~> 顧客合意`
    beside `成功計画 -> 成功計画の合意` read as a solid double arrow
    between 成功計画 and 成功計画の合意. A mutual relation's end stands
    apart (an arrowhead's width) from every other route's end."""
    out = tmp_path / "x.layout.json"
    result = cli("render", str(ROOT / "examples" / f"{example}.prep"), "--direction", direction, "-o", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    ends = [(i, end) for i, e in enumerate(data["edges"]) for end in (e["points"][0], e["points"][-1])]
    mutual = [(i, end) for i, end in ends if data["edges"][i]["kind"] == "mutual"]
    assert mutual
    for i, (x, y) in mutual:
        close = [data["edges"][j]["target"] for j, (u, v) in ends if j != i and math.hypot(u - x, v - y) < 3.0]
        assert not close, (data["edges"][i]["source"], data["edges"][i]["target"], close)
    for i, e in enumerate(data["edges"]):   # still on its boxes' borders
        if e["kind"] == "mutual":
            for name, (x, y) in ((e["source"], e["points"][0]), (e["target"], e["points"][-1])):
                b = data["nodes"][name]
                assert abs(x - b["x"]) <= b["width"] / 2 + 0.5 and abs(y - b["y"]) <= b["height"] / 2 + 0.5
