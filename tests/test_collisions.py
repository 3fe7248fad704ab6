"""No collisions, ever (issue 19): the checker (prep/layouter/collisions.py)
finds each kind of problem planted in a layout, and finds none in the
layouts prep makes: every example, every docs picture's model, a
consultant's CS model, and generated models of both benchmark profiles
(with stages, groups and relation notes), LR and TB, as the diagram, the
roadmap view and every stage frame.

    PREP_COLLISIONS=long pytest tests/test_collisions.py   # more seeds, 300 deliverables
"""

from __future__ import annotations

import os
import random
import re
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import prep
from prep.layouter import Box, Layout, Route, TextItem, layout
from prep.layouter.collisions import KINDS, problems
from prep.layouter.geometry import Column, layout_from_dict
from prep.renderer.stages import frames

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from generate import PROFILES, generate  # noqa: E402

LONG = os.environ.get("PREP_COLLISIONS") == "long"
EXAMPLES = sorted((ROOT / "examples").glob("*.prep"))
CS = ROOT / "tests" / "data" / "layout" / "cs-lifecycle.prep"


def kinds(found) -> set[str]:
    return {p.kind for p in found}


# ------------------------------------------------ the checker finds them


def _plain(**extra) -> Layout:
    """Three boxes in a row, a -> c routed straight below b; texts of each label."""
    nodes = {"a": Box(50, 50, 60, 36), "b": Box(200, 50, 60, 36), "c": Box(350, 50, 60, 36)}
    route = Route("a", "c", "input", ((80, 50), (160, 120), (240, 120), (320, 50)))
    texts = tuple(TextItem("label", n, n, Box(b.x, b.y, 20, 14)) for n, b in nodes.items())
    base = dict(width=400, height=200, nodes=nodes, edges=(route,), texts=texts)
    base.update(extra)
    return Layout(**base)


def test_a_clean_layout_has_no_problem():
    assert problems(_plain()) == []


def test_every_kind_is_documented():
    assert set(KINDS) == {"text-overlap", "text-over-box", "frame-over-text", "route-through-box",
                          "route-through-text", "route-through-legend", "legend-over", "label-clipped",
                          "note-count", "note-away", "text-outside", "route-outside"}


def test_text_on_text():
    lay = _plain()
    note = TextItem("title", "", "a long title", Box(200, 50, 40, 20))  # on b's label
    found = problems(replace(lay, texts=lay.texts + (note,)))
    assert "text-overlap" in kinds(found)
    assert any("the label of 'b'" in p.message for p in found)


def test_text_on_a_box_that_is_not_its_own():
    lay = _plain()
    tag = TextItem("exit", "a", "EXIT 1", Box(200, 30, 40, 14))  # a's tag on b's box, clear of b's text
    assert "text-over-box" in kinds(problems(replace(lay, texts=lay.texts + (tag,))))
    own = TextItem("exit", "b", "EXIT 1", Box(210, 30, 40, 14))
    assert "text-over-box" not in kinds(problems(replace(lay, texts=lay.texts + (own,))))


def test_a_route_through_another_box():
    lay = _plain()
    straight = Route("a", "c", "input", ((80, 50), (160, 50), (240, 50), (320, 50)))  # through b
    found = problems(replace(lay, edges=(straight,)))
    assert kinds(found) == {"route-through-box"}
    assert "'b'" in found[0].message and "a -> c" in found[0].message


def test_a_route_through_a_text_that_is_not_its_own():
    lay = _plain(groups={"g": Box(200, 110, 300, 60)})
    title = TextItem("group", "g", "Group", Box(200, 100, 60, 14))  # where a -> c runs (it dips to y 102.5)
    found = problems(replace(lay, texts=lay.texts + (title,)))
    assert "route-through-text" in kinds(found)
    assert any("group 'g'" in p.message for p in found)


def test_a_route_through_the_legend_and_a_legend_on_a_box():
    lay = _plain(legend=Box(200, 100, 80, 20))
    assert "route-through-legend" in kinds(problems(lay))
    assert "legend-over" in kinds(problems(_plain(legend=Box(200, 50, 80, 20))))


def test_a_frame_through_a_text_and_a_lane_over_a_stage_title():
    lay = _plain(groups={"g": Box(200, 160, 300, 40)})
    note = TextItem("note", "a -> c", "2 rounds", Box(60, 140, 60, 14))  # across g's left side
    assert "frame-over-text" in kinds(problems(replace(lay, texts=lay.texts + (note,))))
    stage = TextItem("stage", "s1", "Stage 1", Box(200, 170, 60, 14))  # inside the lane
    found = problems(replace(lay, columns=(Column("s1", "Stage 1", Box(200, 100, 400, 200), stage.box),),
                             texts=lay.texts + (stage,)))
    assert any(p.kind == "frame-over-text" and "stage 's1'" in p.message for p in found)


def test_a_label_larger_than_its_box():
    lay = _plain()
    texts = list(lay.texts)
    texts[1] = TextItem("label", "b", "b", Box(200, 50, 58, 30))  # 60x36 less the margins is 39.8x25.9
    found = problems(replace(lay, texts=tuple(texts)))
    assert kinds(found) == {"label-clipped"} and "'b'" in found[0].message


def test_a_text_past_the_edge_of_the_drawing():
    lay = _plain()
    tag = TextItem("exit", "c", "EXIT 1", Box(395, 40, 40, 14))  # past the right edge (400)
    found = problems(replace(lay, texts=lay.texts + (tag,)))
    assert kinds(found) == {"text-outside"}


TAGGED = """\
stage s1 "S1" [exit: b]
deliverable a [stage: s1]
deliverable b [stage: s1]
a -> b
"""


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_a_tag_at_the_edge_stays_in_the_drawing(direction):
    """TB: the tag beside the rightmost box widens the drawing."""
    _assert_clean(prep.loads(TAGGED), direction, "tagged")


def test_a_note_away_from_its_relation():
    lay = _plain()
    far = Box(200, 180, 40, 12)
    routed = replace(lay.edges[0], label=far)
    found = problems(replace(lay, edges=(routed,), texts=lay.texts + (TextItem("note", "a -> c", "n", far),)))
    assert kinds(found) == {"note-away"}


NOTED = """\
deliverable a
deliverable b
deliverable c
a, b ~> c [note: "2週間以内に調整"]
"""


def test_a_note_written_twice_or_never():
    model = prep.loads(NOTED)
    good = layout(model)
    assert problems(good, model) == []
    assert sum(t.kind == "note" for t in good.texts) == 1
    # the old way: each relation of the statement writes the note, beside its middle
    twice = [replace(e, label=Box(e.points[2][0] + 30, e.points[2][1] - 8, 60, 12)) for e in good.edges]
    texts = tuple(t for t in good.texts if t.kind != "note")
    texts += tuple(TextItem("note", f"{e.source} ~> {e.target}", "2週間以内に調整", e.label) for e in twice)
    found = problems(replace(good, edges=tuple(twice), texts=texts), model)
    assert "note-count" in kinds(found)
    assert "note-count" in kinds(problems(replace(good, edges=tuple(twice), texts=texts)))  # without the model too
    never = replace(good, edges=tuple(replace(e, label=None) for e in good.edges),
                    texts=tuple(t for t in good.texts if t.kind != "note"))
    assert "note-count" in kinds(problems(never, model))


LOOPS = """\
stage s1 "Stage 1" [exit: b]
stage s2 "Stage 2"
deliverable a [stage: s1]
deliverable b [stage: s1]
deliverable c [stage: s2]
a -> a [note: "毎週見直す"]
a -> b
b, c -> b [note: "self"]
a -> c [note: "直接"]
c -> c
"""


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_loops_and_their_notes_have_room(direction):
    """A deliverable related to itself: its loop (LR below the box, TB
    right of it) and its note beside the loop, in room kept for them."""
    _assert_clean(prep.loads(LOOPS), direction, "loops")


def test_the_old_note_placement_is_caught_on_the_cs_model():
    """Notes beside the middle control point of every relation of their
    statement (prep before issue 19): written twice, on the target's label."""
    model = prep.load(CS)
    lay = layout(model)
    edges, texts = [], [t for t in lay.texts if t.kind != "note"]
    for r, e in zip(model.relations, lay.edges):
        label = None
        if r.note:
            mx, my = e.points[len(e.points) // 2]
            w, h = 80.0, 12.0
            label = Box(mx + w / 2 + 3, my - h / 2 - 2, w, h)
            texts.append(TextItem("note", f"{r.source} {r.arrow} {r.target}", r.note, label))
        edges.append(replace(e, label=label))
    found = kinds(problems(replace(lay, edges=tuple(edges), texts=tuple(texts)), model))
    assert {"note-count", "text-overlap"} <= found


def test_texts_survive_the_json():
    model = prep.load(CS)
    lay = layout(model, legend=True, view="roadmap", direction="TB")
    back = layout_from_dict(__import__("json").loads(lay.to_json()))
    assert back.texts == lay.rounded().texts
    assert {t.kind for t in back.texts} == {"title", "label", "note", "group", "stage", "exit", "legend"}
    assert problems(back, model) == []


# --------------------------------------------- and prep's layouts have none


def _views(model, direction: str, legend: bool = True):
    """(name, layout, model to check notes against) of every view of `model`."""
    yield "diagram", layout(model, direction=direction, legend=legend), model
    if model.stages:
        yield "roadmap", layout(model, direction=direction, legend=legend, view="roadmap"), model
        for f in frames(model, direction=direction, legend=legend):
            yield f"stage {f.stage.name}", f.layout, model


def _assert_clean(model, direction: str, what: str, legend: bool = True) -> None:
    for view, lay, whole in _views(model, direction, legend):
        found = problems(lay, whole)
        assert not found, f"{what} {direction} {view}:\n" + "\n".join(map(str, found[:10]))


@pytest.mark.parametrize("direction", ["LR", "TB"])
@pytest.mark.parametrize("path", EXAMPLES + [CS], ids=lambda p: p.stem)
def test_no_collision_in_the_examples(path, direction):
    _assert_clean(prep.load(path), direction, path.name)


def test_no_collision_in_the_docs_pictures():
    """The models behind every picture docs/build_examples.py draws: the
    examples (above), the language guide's snippets, the diff pictures'
    union models."""
    sys.path.insert(0, str(ROOT / "docs"))
    from build_examples import DIFF_PAIRS, language_snippets

    from prep.language.diff import diff_models
    from prep.renderer.diff import union

    for text, picture in language_snippets(ROOT / "docs" / "language.md"):
        model = prep.loads(text, path=picture.stem + ".prep")
        for direction in ("LR", "TB"):
            _assert_clean(model, direction, picture.name, legend=False)
    for old, new, _stem in DIFF_PAIRS:
        change = diff_models(prep.load(ROOT / "examples" / f"{old}.prep"), prep.load(ROOT / "examples" / f"{new}.prep"))
        model = union(change).model
        lay = layout(model, legend=True, diff_legend=True)
        assert problems(lay, model) == [], f"{old} -> {new}"


def with_notes(text: str, seed: int, share: float = 0.12) -> str:
    """A generated model with relation notes on about `share` of its
    relation statements (the generator writes few)."""
    rng = random.Random(seed)
    out, plain = [], []
    for line in text.splitlines():
        if re.search(r"(->|~>)", line) and "[" not in line and not line.lstrip().startswith("#"):
            if rng.random() < share:
                note = rng.choice(["要確認", "2週間", "第2版で改訂", "部長承認", "顧客と調整する"])
                line += f' [note: "{note}"]'
            else:
                plain.append(len(out))
        out.append(line)
    if share and plain and len(plain) == sum(1 for line in out if re.search(r"(->|~>)", line) and "[" not in line):
        out[plain[0]] += ' [note: "要確認"]'  # at least one
    return "\n".join(out) + "\n"


SIZES = (30, 100, 300) if LONG else (30, 100)
SEEDS = range(8) if LONG else range(1)


@pytest.mark.parametrize("direction", ["LR", "TB"])
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("profile", PROFILES)
def test_no_collision_in_generated_models(profile, n, direction):
    for seed in SEEDS:
        model = prep.loads(with_notes(generate(n, seed, profile, stages=4), seed))
        assert any(r.note for r in model.relations) and model.groups and model.stages
        _assert_clean(model, direction, f"{profile} n={n} seed={seed}")


@settings(max_examples=60 if LONG else 6, deadline=None, derandomize=not LONG,
          suppress_health_check=[HealthCheck.too_slow])
@given(profile=st.sampled_from(PROFILES), n=st.integers(5, 60), seed=st.integers(0, 10_000),
       stages=st.integers(0, 5), share=st.floats(0.0, 0.5), direction=st.sampled_from(["LR", "TB"]))
# a stage picture's group frame, cut to what it shows, ran through a note between its rows
@example(profile="long-range", n=17, seed=1357, stages=5, share=0.25, direction="LR")
def test_no_collision_in_any_generated_model(profile, n, seed, stages, share, direction):
    model = prep.loads(with_notes(generate(n, seed, profile, stages=stages), seed, share))
    _assert_clean(model, direction, f"{profile} n={n} seed={seed} stages={stages} share={share:.2f}")


def _cyclic(seed: int) -> str:
    """A random model whose relations point every way: rework loops, two
    deliverables feeding each other, syncs against the flow, groups, notes
    (the generated models of bench/generate.py have no cycle at all)."""
    import random

    rng = random.Random(seed)
    n = rng.randint(3, 25)
    names = [f"d{i}" if rng.random() < 0.6 else f"成果物{i}" for i in range(n)]
    kinds = {name: "knowhow" if rng.random() < 0.3 else "deliverable" for name in names}
    grouped = names[: n // 2] if rng.random() < 0.5 else []
    lines = [f'title "rework {seed}"'] if rng.random() < 0.7 else []
    if grouped:
        lines += ["group g {", *(f"  {kinds[x]} {x}" for x in grouped), "}"]
    lines += [f"knowhow {x} [owner: [a, b]]" for x in names if kinds[x] == "knowhow" and x not in grouped]
    for _ in range(rng.randint(n, 2 * n)):
        a, b = rng.sample(names, 2)
        note = f' [note: "n{rng.randint(0, 9)}"]' if rng.random() < 0.1 else ""
        lines.append(f"{a} {rng.choice(['->', '->', '->', '~>', '<~>'])} {b}{note}")
    return "\n".join(lines) + "\n"


@settings(max_examples=200 if LONG else 30, deadline=None, derandomize=not LONG,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 100_000), direction=st.sampled_from(["LR", "TB"]))
def test_no_collision_in_models_with_cycles(seed, direction):
    """Relations turned round to break cycles turn back in lanes beside
    the boxes (docs/layout.md, Routes): through no box, no text, and inside
    the drawing, in random models with cycles of every kind."""
    model = prep.loads(_cyclic(seed), f"rework-{seed}.prep")
    _assert_clean(model, direction, f"cycles seed={seed}")


# ------------------------------------------------------------- warnings


def test_graphviz_warnings_name_deliverables():
    from prep.layouter.graphviz import _deliverable_names, _readable

    dot = 'digraph prep {\n  n0 [label="承認\\nApproval", pos="1,1!"];\n  n21 [label="a \\"b\\"", pos="2,2!"];\n}\n'
    names = _deliverable_names(dot)
    assert names == {"n0": "承認", "n21": 'a "b"'}
    line = _readable("Warning: node 'n0', graph 'prep' size too small for label", names)
    assert "'n0'" not in line and '"承認"' in line and "too small for its label" in line


@pytest.mark.parametrize("size", [12, 9, 7])
def test_a_loops_note_wider_than_its_box_stays_inside_the_group_frame(size):
    """A deliverable related to itself, its note written under it (LR), in a
    group of its own: at 7-9 pt the note was wider than the small box and
    the frame around the box ran through it (found by the page property test)."""
    model = prep.loads('deliverable "々々々々々々々"\n"0" -> "0"\n"0" -> "0" [note: "0000@W¼𣘽"]\n'
                       'group 0 {\n  deliverable "0"\n}\n', "f.prep")
    lay = prep.layout(model, direction="LR", font_size=size)
    assert problems(lay, model) == []
    (note,) = [t for t in lay.texts if t.kind == "note"]
    assert lay.groups["0"].contains(note.box, slack=0.01)


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_a_loop_with_several_notes_writes_each_beside_its_own_loop(direction):
    """Two statements each give a deliverable's loop a note: both were
    written at the same place, one over the other (found by the page
    property test). Now each note has its loop (LR: side by side under the
    box; TB: one under the other right of it), in room kept for them; the
    same note twice on the same loop is written once; a loop's note wider
    than its box in the first rank stays inside the drawing."""
    model = prep.loads('a -> a [note: "first note"]\na -> a [note: "second, longer note"]\na -> b\n'
                       'c -> c [note: "only one note, wider than its box"]\nc -> a\n', "f.prep")
    for view, lay, whole in _views(model, direction, legend=False):
        assert problems(lay, whole) == [], view
        notes = {t.text: t.box for t in lay.texts if t.kind == "note"}
        assert set(notes) == {"first note", "second, longer note", "only one note, wider than its box"}
        loops = [e for e in lay.edges if e.source == e.target == "a"]
        assert len(loops) == 2 and all(e.label is not None for e in loops)
        assert not notes["first note"].overlaps(notes["second, longer note"])
    twice = prep.loads('":" -> ":" [note: "0"]\n":" -> "0"\n":" -> ":" -> "0" -> ":" [note: "0"]\n', "f.prep")
    lay = layout(twice, direction=direction)
    assert problems(lay, twice) == [] and problems(lay) == []
    assert [t.text for t in lay.texts if t.kind == "note"] == ["0"]
    from prep.layouter.fit import fit_pages
    from prep.layouter.page import parse_page

    for size in ("120x80mm", "80x120mm"):
        assert all(problems(s.layout) == [] for s in fit_pages(twice, parse_page(size), direction=direction))


def test_a_route_past_the_edge_of_the_drawing():
    lay = _plain()
    out = Route("a", "c", "input", ((80, 50), (160, -12), (240, -12), (320, 50)))   # above the top
    assert kinds(problems(replace(lay, edges=(out,)))) == {"route-outside"}


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_several_loops_on_one_box_stay_inside_the_drawing(direction):
    """Three loops with notes on one box of the first rank: TB, their
    notes one under the other right of the box, the first loop's control
    points went 22 pt above the top of the drawing (LR: left of its left
    edge). The drawing now holds every control point."""
    model = prep.loads('a -> a [note: "first note"]\na -> a [note: "second, longer note"]\n'
                       'a -> a [note: "third"]\na -> b\nc -> c\nc -> c\n', "f.prep")
    for view, lay, whole in _views(model, direction, legend=False):
        assert problems(lay, whole) == [], view
        for e in lay.edges:
            for x, y in e.points:
                assert -1e-6 <= x <= lay.width + 1e-6 and -1e-6 <= y <= lay.height + 1e-6, (view, e)


def test_a_mutual_end_moved_apart_keeps_its_note_beside_its_relation():
    """A mutual relation's end moved off a port other routes share (an
    arrowhead's width, p5_route._mutual_ends_apart) bent its curve away from
    its note: '顧客と調整する' of 購買経験-89 <~> 法務報告書-91 was no longer
    beside it (generated 300, local, seed 3, top to bottom: found by the long
    run). Such a move is not made."""
    model = prep.loads(with_notes(generate(300, 3, "local", stages=4), 3))
    _assert_clean(model, "TB", "local n=300 seed=3")
