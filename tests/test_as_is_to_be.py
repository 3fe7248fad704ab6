"""As-Is / To-Be on one page (issue 19, part 4): `prep render --diff
--side-by-side` draws both versions as two titled halves, side by side or
stacked, whichever fits the page better, with the change marks on both
halves, a legend, no clipped label and no Graphviz noise."""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import prep
from prep.language.diff import diff_models
from prep.layouter import measure
from prep.layouter.page import parse_page
from prep.renderer.diff import ARRANGEMENTS, as_is_to_be, render_diff

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SVG = "{http://www.w3.org/2000/svg}"
sys.path.insert(0, str(ROOT / "bench"))

OLD = """\
title "見積 v1"
group 営業 "営業部" {
  deliverable 契約書 [external]
  knowhow 見積ノウハウ "見積ノウハウ\\nEstimating" [owner: [田中, 鈴木]]
}
deliverable 見積書
契約書, 要件, 見積ノウハウ -> 見積書
見積書 <~> 承認
旧担当メモ -> 見積書
"""
# the knowhow loses its owners (a line shorter in the union than in the
# As-Is half), a memo goes, a price list and a proposal come, a relation
# changes kind
NEW = """\
title "見積 v2"
group 営業 "営業部" {
  deliverable 契約書 [external]
  knowhow 見積ノウハウ "見積ノウハウ\\nEstimating"
}
deliverable 見積書
契約書, 要件, 見積ノウハウ -> 見積書
見積書 ~> 承認
見積書, 価格表 -> 提案書
"""


def change(old: str = OLD, new: str = NEW):
    return diff_models(prep.loads(old, "old.prep"), prep.loads(new, "new.prep"))


def chain(n: int, prefix: str = "工程") -> str:
    """A long thin process: n deliverables in a row (wide in LR)."""
    return "".join(f"{prefix}{i}, 入力{i} -> {prefix}{i + 1}\n" for i in range(n))


def pairs():
    """(id, ModelDiff) of realistic pairs: the examples and a generated
    37-deliverable model with its next version."""
    from generate import edit, generate

    text = generate(37, 0, "local", 4)
    yield "generated-37", change(text, edit(text, 0, 8))
    for old, new in (("feature-addition-naive", "feature-addition-honest"),
                     ("health-management-as-is", "health-management-to-be")):
        yield old, diff_models(prep.load(EXAMPLES / f"{old}.prep"), prep.load(EXAMPLES / f"{new}.prep"))
    yield "owners-lost", change()


PAIRS = dict(pairs())


def halves(picture):
    return {side: {n: b for n, b in picture.layout.nodes.items() if n.startswith(side + ": ")}
            for side in ("As-Is", "To-Be")}


@pytest.mark.parametrize("arrangement", ARRANGEMENTS)
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_halves_are_apart_and_hold_their_own_parts(name, arrangement):
    picture = as_is_to_be(PAIRS[name], arrangement=arrangement)
    layout = picture.layout
    a, b = layout.groups["As-Is"], layout.groups["To-Be"]
    assert not a.overlaps(b)
    kept = any(s != "added" for n, s in picture.marks.status.items() if n.startswith("To-Be: "))
    if arrangement == "side-by-side":  # one band across; with nothing kept, each half its own height
        assert a.right < b.left and a.top == b.top and (a.bottom == b.bottom or not kept)
    else:
        assert a.bottom < b.top and a.left == b.left and (a.right == b.right or not kept)
    for side, frame in (("As-Is", a), ("To-Be", b)):
        inside = [box for n, box in layout.nodes.items() if n.startswith(side + ": ")]
        inside += [box for n, box in layout.groups.items() if n.startswith(side + ": ")]
        assert all(frame.contains(box) for box in inside)
        assert frame.contains(layout.group_labels[side])
    # the legend is outside both halves, inside the picture
    assert not layout.legend.overlaps(a) and not layout.legend.overlaps(b)
    assert layout.legend.right <= layout.width + 0.01 and layout.legend.bottom <= layout.height + 0.01
    # no two boxes overlap, and every box fits the drawing
    boxes = list(layout.nodes.values())
    assert not any(p.overlaps(q) for i, p in enumerate(boxes) for q in boxes[i + 1:])
    assert all(box.left >= 0 and box.top >= 0 and box.right <= layout.width and box.bottom <= layout.height
               for box in boxes)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_a_deliverable_kept_is_at_the_same_place_in_both_halves(name):
    picture = as_is_to_be(PAIRS[name])
    left, right = halves(picture).values()
    renamed = dict(PAIRS[name].renamed)
    offsets = {(round(right[f"To-Be: {renamed.get(n[7:], n[7:])}"].x - box.x, 2),
                round(right[f"To-Be: {renamed.get(n[7:], n[7:])}"].y - box.y, 2))
               for n, box in left.items() if f"To-Be: {renamed.get(n[7:], n[7:])}" in right}
    if name == "health-management-as-is":
        assert not offsets  # nothing kept: each half starts at its own top
    else:
        assert len(offsets) == 1


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_no_label_is_clipped(name):
    """Every box is at least as large as Graphviz measures its label, with
    the marks the half draws ("~ ", "+ ", "old → new")."""
    picture = as_is_to_be(PAIRS[name])
    sizes = measure(picture.model)
    for n, box in picture.layout.nodes.items():
        w, h = sizes.boxes[n]
        assert box.width >= w - 0.01 and box.height >= h - 0.01, (n, (box.width, box.height), (w, h))


def test_the_knowhow_that_lost_its_owners_keeps_its_three_lines():
    picture = as_is_to_be(change())
    before = picture.layout.nodes["As-Is: 見積ノウハウ"]
    assert before.height >= measure(picture.model).boxes["As-Is: 見積ノウハウ"][1] > 45  # three lines
    assert picture.model.deliverables["As-Is: 見積ノウハウ"].owners == ("田中", "鈴木")


def test_a_removed_boxs_lines_are_as_far_apart_as_any_boxs():
    """A removed box's struck-through label (an HTML-like label, <BR/>
    between its lines) set its lines 1.0 font size apart, against 1.5 for
    every other box: order-to-cash's removed 値引き判断 (three lines) was
    squashed, the strokes nearly touching the next line."""
    old, new = (prep.load(str(EXAMPLES / f"order-to-cash-{v}.prep")) for v in ("as-is", "to-be"))
    svg = render_diff(diff_models(old, new), "svg", embed_fonts=False).decode("utf-8")
    texts = re.findall(r'<text[^>]*?x="([-\d.]+)" y="([-\d.]+)"[^>]*?(text-decoration="line-through" )?'
                       r'font-size="([\d.]+)"[^>]*>([^<]*)</text>', svg)
    struck = [(float(y), float(size)) for x, y, deco, size, _ in texts if deco]
    assert len(struck) >= 3
    gaps = [b[0] - a[0] for a, b in zip(struck, struck[1:]) if 0 < b[0] - a[0] < 3 * a[1]]
    assert gaps and all(abs(g - 1.5 * size) < 0.6 for g, (_, size) in zip(gaps, struck)), gaps


def test_each_half_is_titled():
    assert as_is_to_be(change()).titles == {"As-Is": "見積 v1", "To-Be": "見積 v2"}
    same_title = change(OLD, NEW.replace("見積 v2", "見積 v1"))
    assert as_is_to_be(same_title).titles == {"As-Is": "As-Is: 見積 v1", "To-Be": "To-Be: 見積 v1"}
    untitled = change(OLD.split("\n", 1)[1], NEW.split("\n", 1)[1])
    picture = as_is_to_be(untitled)
    assert picture.titles == {"As-Is": "As-Is", "To-Be": "To-Be"}
    assert picture.model.groups["As-Is"].display == "As-Is"


def test_marks_on_both_halves_with_the_legend(tmp_path):
    svg = render_diff(change(), "svg", side_by_side=True, embed_fonts=False)
    root = ET.fromstring(svg)
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "見積 v1" in texts and "見積 v2" in texts  # the halves' titles
    assert not any(t.startswith("~ was") for t in texts)  # the As-Is half shows what a relation was
    assert texts.count("~ 見積ノウハウ") == 2          # changed: marked in both halves
    assert "+ 価格表" in texts                         # added: in To-Be
    struck = [t.text for t in root.iter(f"{SVG}text") if t.get("text-decoration") == "line-through"]
    assert "旧担当メモ" in struck                       # removed: struck through in As-Is
    classes = [g.get("class") or "" for g in root.iter(f"{SVG}g")]
    assert any("prep-legend" in c for c in classes)
    for mark in ("added", "removed", "changed"):
        assert any(f"prep-diff-{mark}" in c for c in classes), mark
    picture = as_is_to_be(change())
    status = picture.marks.status
    assert status["As-Is: 旧担当メモ"] == "removed" and status["To-Be: 価格表"] == "added"
    assert status["As-Is: 見積ノウハウ"] == status["To-Be: 見積ノウハウ"] == "changed"
    relations = picture.model.relations
    edge = dict(zip(((r.source, r.target, r.kind) for r in relations), picture.marks.edge_status))
    assert edge[("As-Is: 旧担当メモ", "As-Is: 見積書", "input")] == "removed"
    assert edge[("To-Be: 価格表", "To-Be: 提案書", "input")] == "added"
    assert edge[("As-Is: 見積書", "As-Is: 承認", "mutual")] == "changed"
    assert edge[("To-Be: 見積書", "To-Be: 承認", "sync")] == "changed"
    assert edge[("To-Be: 契約書", "To-Be: 見積書", "input")] == "same"


def test_a_renamed_deliverable_shows_both_names_in_to_be():
    new = OLD.replace("見積書", "御見積書")
    picture = as_is_to_be(change(OLD, new))
    assert picture.model.deliverables["To-Be: 御見積書"].label == "~ 見積書 → 御見積書"
    assert picture.model.deliverables["As-Is: 見積書"].label == "~ 見積書"
    assert picture.marks.status["To-Be: 御見積書"] == "renamed"


def test_the_arrangement_flips_to_stacked_for_wide_pairs():
    wide = change(chain(12), chain(12) + "工程12 -> 報告書\n")
    narrow = change("a, b, c, d, e -> f\n", "a, b, c, d, e, g -> f\n")
    assert as_is_to_be(wide).arrangement == "stacked"
    assert as_is_to_be(narrow).arrangement == "side-by-side"
    # on a page: whichever gives the larger text, never smaller than the other
    for pair in (wide, narrow, PAIRS["generated-37"], PAIRS["health-management-as-is"]):
        for size in ("16:9", "4:3", "A4", "A4-portrait"):
            page = parse_page(size)
            chosen = as_is_to_be(pair, page=page)
            others = [as_is_to_be(pair, page=page, arrangement=a).text_size for a in ARRANGEMENTS]
            assert chosen.text_size == pytest.approx(max(others))
    assert as_is_to_be(wide, page=parse_page("16:9")).arrangement == "stacked"
    # top to bottom, the same chain is tall: side by side is the better use of a slide
    assert as_is_to_be(wide, page=parse_page("16:9"), direction="TB").arrangement == "side-by-side"


def test_without_a_direction_the_page_chooses_it():
    pair = PAIRS["health-management-as-is"]
    for size in ("16:9", "A4-portrait"):
        page = parse_page(size)
        best = as_is_to_be(pair, page=page, direction=None)
        both = {d: as_is_to_be(pair, page=page, direction=d).text_size for d in ("LR", "TB")}
        assert best.text_size == pytest.approx(max(both.values()))
        assert best.layout.direction == max(both, key=lambda d: round(both[d], 3))
    assert as_is_to_be(pair, direction=None).layout.direction == "LR"  # no page: left to right


def test_the_page_gives_larger_text_than_one_strip():
    """The generated 37-deliverable pair: fitted to a 16:9 slide, the
    chosen arrangement's text is larger than the strip's of before
    (side by side, the legend below)."""
    pair = PAIRS["generated-37"]
    page = parse_page("16:9")
    chosen = as_is_to_be(pair, page=page)
    strip = as_is_to_be(pair, page=page, arrangement="side-by-side")
    assert chosen.arrangement == "stacked" and chosen.text_size > 1.5 * strip.text_size


def test_the_library_call_takes_a_page_by_name():
    old = prep.load(EXAMPLES / "health-management-as-is.prep")
    new = prep.load(EXAMPLES / "health-management-to-be.prep")
    for page, arrangement in (("16:9", "side-by-side"), ("A4-portrait", "stacked")):
        data = json.loads(prep.render_diff(old, new, "layout", side_by_side=True, page=page))
        a, b = data["groups"]["As-Is"], data["groups"]["To-Be"]
        assert (b["x"] > a["x"] and b["y"] - b["height"] / 2 == a["y"] - a["height"] / 2) == (arrangement == "side-by-side")
        assert as_is_to_be(diff_models(old, new), page=parse_page(page)).arrangement == arrangement
    forced = json.loads(prep.render_diff(old, new, "layout", side_by_side=True, page="16:9", arrangement="stacked"))
    assert forced["groups"]["To-Be"]["y"] > forced["groups"]["As-Is"]["y"] + forced["groups"]["As-Is"]["height"] / 2
    with pytest.raises(ValueError, match="unknown page size"):
        prep.render_diff(old, new, "svg", side_by_side=True, page="B5-ish")
    one = prep.render_diff(old, new, "svg", side_by_side=True, page=parse_page("16:9"))
    assert one == prep.render_diff(old, new, "svg", side_by_side=True, page="16:9")
    picture = as_is_to_be(diff_models(old, new), page=parse_page("4:3"))
    assert picture.fits is False and picture.text_size < 9  # a 4:3 slide needs 9 pt: more than arranging
    assert as_is_to_be(change(), page=parse_page("16:9")).fits is True
    assert as_is_to_be(change()).fits is None


def test_unknown_arrangement_is_refused():
    with pytest.raises(ValueError, match="arrangement must be one of"):
        as_is_to_be(change(), arrangement="diagonal")


def test_the_same_pair_draws_byte_identical_pictures():
    one = render_diff(change(), "svg", side_by_side=True, page=parse_page("16:9"))
    two = render_diff(change(), "svg", side_by_side=True, page=parse_page("16:9"))
    assert one == two


@pytest.fixture
def owners_lost(tmp_path):
    (tmp_path / "old.prep").write_text(OLD, encoding="utf-8")
    (tmp_path / "new.prep").write_text(NEW, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf", "pptx"])
def test_no_graphviz_warning_reaches_the_user(prep_run, owners_lost, fmt):
    out = owners_lost / f"x.{fmt}"
    r = prep_run("render", "--diff", "--side-by-side", "old.prep", "new.prep", "-o", out.name, cwd=owners_lost)
    err = r.stderr.decode("utf-8")
    assert r.returncode == 0, err
    assert "Warning" not in err and "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert lines[0] == f"wrote {out.name}" or lines[0].startswith(f"wrote x-1.{fmt}"), err
    # PDF and PowerPoint are fitted to their page, and say how: nothing else is printed
    assert all(line.startswith(("wrote ", "old.prep -> new.prep: ")) for line in lines), err
    assert out.stat().st_size > 0


def test_the_cli_draws_the_halves(cli, owners_lost):
    out = owners_lost / "x.layout.json"
    r = cli("render", "--diff", "--side-by-side", str(owners_lost / "old.prep"), str(owners_lost / "new.prep"),
            "-o", str(out))
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {"As-Is", "To-Be", "As-Is: 営業", "To-Be: 営業"} <= set(data["groups"])
    assert "legend" in data
    assert any(n.startswith("As-Is: ") for n in data["nodes"]) and any(n.startswith("To-Be: ") for n in data["nodes"])


def generated_pairs():
    from generate import edit, generate

    for n, seed, profile, stages in ((30, 1, "local", 0), (30, 2, "long-range", 3), (60, 3, "local", 4)):
        text = generate(n, seed, profile, stages)
        yield f"{n}-{profile}-{stages}", text, edit(text, seed, 6)


@pytest.mark.parametrize("direction", ["LR", "TB"])
@pytest.mark.parametrize("name, old, new", list(generated_pairs()), ids=lambda v: v if len(v) < 40 else "")
def test_generated_pairs_draw_without_collisions(name, old, new, direction):
    """Boxes apart, each inside its frames, frames apart from what is not
    theirs, titles and the legend clear of boxes, no label clipped."""
    for page in (None, parse_page("16:9"), parse_page("A4-portrait")):
        picture = as_is_to_be(change(old, new), page=page, direction=direction)
        layout, model = picture.layout, picture.model
        boxes = layout.nodes
        names = list(boxes)
        assert not any(boxes[p].overlaps(boxes[q]) for i, p in enumerate(names) for q in names[i + 1:])

        def ancestors(group):
            while group is not None:
                yield group
                group = model.groups[group].parent

        inside = {g: set() for g in layout.groups}
        for n, d in model.deliverables.items():
            for g in ancestors(d.group):
                assert layout.groups[g].contains(boxes[n]), (n, g)
                inside[g].add(n)
        for g, frame in layout.groups.items():
            assert not any(frame.overlaps(boxes[n]) for n in names if n not in inside[g]), g
            label = layout.group_labels[g]
            assert frame.contains(label) and not any(label.overlaps(b) for b in boxes.values()), g
        for g, h in ((g, h) for g in layout.groups for h in layout.groups if g < h):
            if model.groups[g].parent == model.groups[h].parent:
                assert not layout.groups[g].overlaps(layout.groups[h]), (g, h)
        assert not any(layout.legend.overlaps(f) for f in layout.groups.values())
        sizes = measure(model)
        for n, box in boxes.items():
            w, h = sizes.boxes[n]
            assert box.width >= w - 0.01 and box.height >= h - 0.01, n


# ------------------------------------------------ made for a page, as --page makes pictures


def test_both_halves_on_one_page_when_they_fit_at_a_readable_size():
    from prep.renderer.diff import as_is_to_be_sheets

    page = parse_page("A4-portrait")
    (sheet,) = as_is_to_be_sheets(PAIRS["feature-addition-naive"], page)
    layout = sheet.layout
    assert (layout.width, layout.height, layout.page) == (page.width, page.height, page)
    assert sheet.font_size >= page.min_text
    inner = prep.layouter.Box(page.width / 2, page.height / 2, page.inner_width, page.inner_height)
    for box in [*layout.nodes.values(), *layout.groups.values(), layout.legend]:
        assert inner.contains(box, slack=0.01)
    assert {"As-Is", "To-Be"} <= set(layout.groups) and sheet.marks.status


def test_halves_that_do_not_fit_one_page_get_pages_of_their_own():
    from prep.renderer.diff import as_is_to_be_sheets

    page = parse_page("16:9")
    sheets = as_is_to_be_sheets(PAIRS["health-management-as-is"], page)
    assert len(sheets) >= 2
    titles = [s.model.title for s in sheets]
    assert titles[0] == "健康経営プロジェクト (As-Is)" and all(t.startswith("健康経営プロジェクト (To-Be)") for t in titles[1:])
    for s in sheets:
        assert (s.layout.width, s.layout.height) == (page.width, page.height)
        assert s.font_size >= page.min_text                    # never below the page's minimum (notes too: small_size)
        assert len(s.marks.edge_status) == len(s.model.relations)
    added = [n for s in sheets[1:] for n, st in s.marks.status.items() if st == "added" and n in s.model.deliverables]
    removed = [n for n, st in sheets[0].marks.status.items() if st == "removed" and n in sheets[0].model.deliverables]
    assert added and removed
    # each half's first page explains the change marks in its legend, clear of every box and text
    from prep.layouter.collisions import problems

    for s in (sheets[0], sheets[1]):
        assert {"+ added", "removed", "~ changed"} <= {i.text for i in s.layout.legend_items}, s.model.title
    for s in sheets:
        assert problems(s.layout, s.model) == [], s.model.title


def test_off_page_markers_name_deliverables_without_their_change_marks():
    """A half's boxes are marked ("+ 保健指導計画"); a marker on its pages
    names the other end as the model does ("→ 保健指導計画 +1"), not with
    the mark, whose "+" read as a second count ("→ + 保健指導計画 +1")."""
    from prep.renderer.diff import as_is_to_be_sheets

    sheets = as_is_to_be_sheets(PAIRS["health-management-as-is"], parse_page("16:9"))
    markers = [mk for s in sheets for mk in s.markers]
    assert markers
    for s in sheets:
        for mk in s.markers:
            end = s.model.deliverables.get(mk.others[0])  # None: on another page
            drawn = s.model.deliverables[mk.name].display
            assert drawn == mk.text and not re.match(r"(→ )?[+~] ", drawn), drawn
            shown = [t.text for t in s.layout.texts if t.kind == "label" and t.owner == mk.name]
            assert shown == [drawn]
            if end is not None and end.display.startswith("+ "):
                assert end.display[2:].split("\n")[0] in drawn
    assert any("保健指導計画" in mk.text for mk in markers)


@pytest.mark.parametrize("size", ["A4", "16:9", "4:3"])
def test_off_page_markers_name_the_page_of_the_file_in_both_halves(size):
    """The To-Be half's pages follow the As-Is half's in one file: its
    markers said "→ 不具合報告, p. 2" (its own second page, an As-Is page
    of the file, without it) on order-to-cash's A4 deck."""
    from prep.renderer.diff import as_is_to_be_sheets

    old, new = (prep.load(str(EXAMPLES / f"order-to-cash-{v}.prep")) for v in ("as-is", "to-be"))
    sheets = as_is_to_be_sheets(diff_models(old, new), parse_page(size))
    where = {n: k for k, s in enumerate(sheets, start=1) for n in s.model.deliverables}
    to_be = [k for k, s in enumerate(sheets, start=1) if "To-Be" in s.model.title]
    assert to_be and to_be[0] > 1 and [s.number for s in sheets[to_be[0] - 1:]][0] == 1   # titles count each half
    checked = 0
    for k, s in enumerate(sheets, start=1):
        for mk in s.markers:
            assert all(where[o] in mk.pages for o in mk.others[:1]), (k, mk.text, [where[o] for o in mk.others])
            for number in re.findall(r"\d+", mk.text.rsplit(", p", 1)[1]) if ", p" in mk.text else ():
                assert int(number) in mk.pages and int(number) != k, (k, mk.text)
                checked += 1
    assert checked >= 5


@pytest.mark.parametrize("name, size, pages", [("feature-addition-naive", "A4-portrait", 1),
                                                ("feature-addition-naive", "16:9", 1),
                                                ("health-management-as-is", "16:9", 2)])
def test_pdf_and_powerpoint_pages_are_the_page(name, size, pages):
    """One page when the pair fits it (the feature-addition pair on a 16:9
    slide once the page's closer spacing is tried: it took 2 slides with
    the usual spacing), else each half on pages of its own."""
    import io

    import pptx
    pypdf = pytest.importorskip("pypdf")
    from prep.renderer.diff import render_as_is_to_be_pages

    page = parse_page(size)
    pair = PAIRS[name]
    pdf = render_as_is_to_be_pages(pair, "pdf", page)
    sheets = pypdf.PdfReader(io.BytesIO(pdf.files[0])).pages
    assert len(sheets) == pages == pdf.count
    for sheet in sheets:
        assert (round(float(sheet.mediabox.width)), round(float(sheet.mediabox.height))) == (round(page.width),
                                                                                             round(page.height))
    deck = pptx.Presentation(io.BytesIO(render_as_is_to_be_pages(pair, "pptx", page).files[0]))
    assert len(deck.slides) == pages
    assert deck.slide_width == pytest.approx(page.width * 12700, abs=200)  # EMU; points in hundredths
    assert deck.slide_height == pytest.approx(page.height * 12700, abs=200)
    svgs = render_as_is_to_be_pages(pair, "svg", page)
    assert len(svgs.files) == pages and f"{pages} " in svgs.summary()


def test_an_option_after_the_double_dash_is_named(tmp_path, cli, monkeypatch):
    """`prep render --diff OLD..NEW -- model.prep -o x.png`: click takes
    everything after `--` as files, so `-o` was "a file"; the message said
    "give one file after --" to someone who had given one."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.prep").write_text("a, b -> c\n", encoding="utf-8")
    r = cli("render", "--diff", "HEAD~1..HEAD", "--", "m.prep", "-o", "x.png")
    assert r.exit_code == 2
    assert "'-o' after -- is taken as a file: put the options before --" in r.output


@pytest.mark.parametrize("page_name", ["A4"])   # 16:9 and A4-portrait failed alike (5.7 s more)
def test_both_halves_on_pages_are_cut_the_same_way(page_name):
    """An As-Is and a To-Be too large for one page each are cut the same
    way (at their stages, along their flow, or in blocks), so that they can
    be compared page by page: order-to-cash's As-Is was cut at its stages
    and its To-Be along its flow. It may cost a page, never more."""
    from prep.language.diff import diff_models
    from prep.layouter.page import parse_page
    from prep.renderer.diff import as_is_to_be_sheets

    root = Path(__file__).parent.parent / "examples"
    diff = diff_models(prep.load(str(root / "order-to-cash-as-is.prep")),
                       prep.load(str(root / "order-to-cash-to-be.prep")))
    sheets = as_is_to_be_sheets(diff, parse_page(page_name))
    assert len({s.split for s in sheets}) == 1, [s.split for s in sheets]
    assert sheets[0].split != "none" and len(sheets) <= {"16:9": 7, "A4": 7, "A4-portrait": 7}[page_name]


def test_the_summary_of_a_change_on_pages_names_both_versions(prep_run, tmp_path):
    """`render --diff --side-by-side a.prep b.prep -o x.pdf` said "b.prep: 6
    pages of A4 ...", as if b.prep alone were drawn."""
    root = Path(__file__).parent.parent / "examples"
    r = prep_run("render", "--diff", "--side-by-side", str(root / "order-to-cash-as-is.prep"),
                 str(root / "order-to-cash-to-be.prep"), "-o", str(tmp_path / "x.pdf"))
    err = r.stderr.decode()
    assert r.returncode == 0 and "order-to-cash-as-is.prep -> " in err and " pages of A4" in err, err
