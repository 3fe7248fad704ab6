"""Stage pictures and the flip-book (issue 11, item 3), through the CLI and
the API: one frame per stage in every format, every deliverable at the same
place in every frame, later deliverables absent, new ones and exit criteria
marked, --lint per cross-section, errors, and atomic folders."""

from __future__ import annotations

import io
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import pytest

import prep
from conftest import EXAMPLES, run_prep
from prep.renderer.stages import flipbook, frames, render_stage, stage_frames

ONBOARDING = EXAMPLES / "cs-onboarding.prep"
SVG = "{http://www.w3.org/2000/svg}"

# a finding that exists only in a cross-section: at the end of stage one, X
# feeds nothing yet (I103); Y, which uses it, arrives in stage two
LINT_MODEL = """\
title "Lint per frame"
stage one "Stage 1" [exit: X]
stage two "Stage 2" [exit: Y]
deliverable A [external]
deliverable C [external]
deliverable B [external, stage: two]
deliverable X [stage: one]
deliverable Y [final]
A, C -> X
X, B -> Y
"""


def nodes(svg: bytes) -> dict[str, dict]:
    """Every deliverable box of a frame by its stable id (dN): classes, the
    box's outline points, its text."""
    root = ET.fromstring(svg)
    out = {}
    for g in root.iter(f"{SVG}g"):
        if "node" in g.get("class", "").split() and re.fullmatch(r"d\d+", g.get("id", "")):
            poly = g.find(f"{SVG}polygon")
            out[g.get("id")] = {"class": g.get("class").split(), "points": poly.get("points"),
                                "text": [t.text for t in g.iter(f"{SVG}text")],
                                "title": g.find(f"{SVG}title").text}
    return out


def tags(svg: bytes) -> dict[str, str]:
    """Exit tags: id (exitN, N the deliverable's id) -> text."""
    root = ET.fromstring(svg)
    return {g.get("id"): "".join(t.text for t in g.iter(f"{SVG}text"))
            for g in root.iter(f"{SVG}g") if "prep-stage-exit-tag" in g.get("class", "")}


def texts(svg: bytes) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def canvas(svg: bytes) -> tuple:
    root = ET.fromstring(svg)
    return root.get("width"), root.get("height"), root.get("viewBox")


@pytest.fixture(scope="module")
def onboarding():
    return prep.load(ONBOARDING)


@pytest.fixture(scope="module")
def svg_frames(onboarding):
    return stage_frames(onboarding, "svg", legend=True)


def ids_of(model, names) -> set[str]:
    order = list(model.deliverables)
    return {f"d{order.index(n)}" for n in names}


# ------------------------------------------------------------------ frames


def test_one_frame_per_stage_named_in_stage_order(svg_frames, onboarding):
    assert [name for name, _ in svg_frames] == ["01-contract.svg", "02-kickoff.svg", "03-adoption.svg"]
    for (_, svg), stage in zip(svg_frames, onboarding.stages.values()):
        assert any(stage.label in t for t in texts(svg)), "the frame's title names its stage"


def test_every_deliverable_keeps_its_place_in_every_frame(svg_frames):
    seen: dict[str, str] = {}
    sizes = {canvas(svg) for _, svg in svg_frames}
    assert len(sizes) == 1, f"frames have different canvases: {sizes}"
    for _, svg in svg_frames:
        for node_id, n in nodes(svg).items():
            assert seen.setdefault(node_id, n["points"]) == n["points"], node_id
    assert len(seen) == len(prep.load(ONBOARDING).deliverables)


def test_later_deliverables_are_absent_from_earlier_frames(svg_frames, onboarding):
    later = ids_of(onboarding, ["ヘルススコア", "主要機能の定着", "利用データ"])
    kickoff = ids_of(onboarding, ["成功計画", "キックオフ日程"])
    first, second, third = (set(nodes(svg)) for _, svg in svg_frames)
    assert not later & first and not later & second and later <= third
    assert not kickoff & first and kickoff <= second
    assert first < second < third
    frame_text = "".join(texts(svg_frames[0][1]))
    assert "Health score" not in frame_text and "Success plan" not in frame_text
    # relations touching later deliverables are gone too (edge titles name both ends)
    root = ET.fromstring(svg_frames[0][1])
    edge_titles = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g") if "edge" in g.get("class", "")]
    assert edge_titles and not any("成功計画" in t for t in edge_titles)


def test_new_deliverables_are_double_bordered_and_the_rest_plain(svg_frames, onboarding):
    second = nodes(svg_frames[1][1])
    # new in a frame: what exists from that stage on (its members, and the
    # unplaced knowhow first used there)
    new = ids_of(onboarding, [n for n, s in onboarding.effective_stages.items() if s == "kickoff"])
    assert ids_of(onboarding, ["オンボーディング手法"]) <= new
    for node_id, n in second.items():
        assert ("prep-stage-new" in n["class"]) == (node_id in new), (node_id, n["class"])
    root = ET.fromstring(svg_frames[1][1])
    for g in root.iter(f"{SVG}g"):
        if g.get("id") in new:  # greyscale: two outlines, not only a fill
            assert len(g.findall(f"{SVG}polygon")) == 2


def test_exit_criteria_are_tagged_with_their_stage(svg_frames, onboarding):
    contract_exit, kickoff_exit, adoption_exit = (ids_of(onboarding, s.exits).pop()
                                                  for s in onboarding.stages.values())
    assert tags(svg_frames[0][1]) == {f"exit{contract_exit[1:]}": "EXIT 1"}
    assert tags(svg_frames[1][1]) == {f"exit{contract_exit[1:]}": "EXIT 1", f"exit{kickoff_exit[1:]}": "EXIT 2"}
    assert set(tags(svg_frames[2][1]).values()) == {"EXIT 1", "EXIT 2", "EXIT 3"}
    assert "prep-stage-exit" in nodes(svg_frames[1][1])[kickoff_exit]["class"]
    legend = "".join(texts(svg_frames[0][1]))
    assert "new in this stage" in legend and "exit criterion" in legend


def test_later_deliverables_drawn_faintly_on_request(onboarding, svg_frames):
    svg = render_stage(onboarding, "contract", "svg", later="faint", legend=True)
    drawn = nodes(svg)
    later = ids_of(onboarding, ["ヘルススコア", "主要機能の定着"])
    assert later <= set(drawn)
    for node_id in later:
        assert "prep-stage-later" in drawn[node_id]["class"]
        assert drawn[node_id]["points"] == nodes(svg_frames[2][1])[node_id]["points"]
    assert "later stage" in "".join(texts(svg))


def test_stage_picture_is_exactly_the_flipbook_frame(tmp_path, cli):
    model = tmp_path / "m.prep"
    model.write_text(ONBOARDING.read_text(encoding="utf-8"), encoding="utf-8")
    assert cli("render", str(model), "--stage", "kickoff").exit_code == 0
    assert cli("render", str(model), "--flipbook").exit_code == 0
    single = (tmp_path / "m.kickoff.svg").read_bytes()
    assert single == (tmp_path / "m.flipbook" / "02-kickoff.svg").read_bytes()
    assert sorted(os.listdir(tmp_path / "m.flipbook")) == ["01-contract.svg", "02-kickoff.svg", "03-adoption.svg"]


def test_stage_picture_in_every_format(onboarding):
    assert render_stage(onboarding, "kickoff", "png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert render_stage(onboarding, "kickoff", "pdf")[:5] == b"%PDF-"
    dot = render_stage(onboarding, "kickoff", "dot").decode()
    assert "prep-stage-new" in dot and "EXIT 2" in dot
    import json

    layout = json.loads(render_stage(onboarding, "kickoff", "layout"))
    assert set(layout["nodes"]) == set(prep.language.views.existing_at(onboarding, "kickoff"))
    exported = json.loads(render_stage(onboarding, "contract", "json"))
    assert {d["name"] for d in exported["deliverables"]} == prep.language.views.existing_at(onboarding, "contract")


# --------------------------------------------------------------- flip-book


def test_pdf_has_a_page_per_stage_titled_with_it(onboarding):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(flipbook(onboarding, "pdf")))
    assert len(reader.pages) == len(onboarding.stages)
    assert len({(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages}) == 1
    for page, stage in zip(reader.pages, onboarding.stages.values()):
        text = unicodedata.normalize("NFKC", page.extract_text())  # the font's "ff" ligature
        assert f"— {stage.label}" in text and text.index(stage.label) < text.index("EXIT 1")


def _every_shape(shapes):
    """The shapes of a slide, those inside groups too."""
    for shape in shapes:
        yield shape
        if hasattr(shape, "shapes"):
            yield from _every_shape(shape.shapes)


def test_pptx_has_a_slide_per_stage_with_shapes_in_place(onboarding):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    deck = Presentation(io.BytesIO(flipbook(onboarding, "pptx")))
    slides = list(deck.slides)
    assert len(slides) == len(onboarding.stages)
    where: dict[str, tuple] = {}
    names_per_slide = []
    for slide in slides:
        names = {}
        for shape in _every_shape(slide.shapes):
            if shape.name in onboarding.deliverables:
                box = (shape.left, shape.top, shape.width, shape.height)
                # Graphviz reports sizes in inches to 4 decimals: equal to 1/100 point
                assert max(abs(a - b) for a, b in zip(where.setdefault(shape.name, box), box)) <= 127, shape.name
                names[shape.name] = shape
        names_per_slide.append(names)
    assert set(names_per_slide[0]) == prep.language.views.existing_at(onboarding, "contract")
    assert "ヘルススコア" not in names_per_slide[1] and "ヘルススコア" in names_per_slide[2]
    kickoff_new = [names_per_slide[1][n] for n in onboarding.stages["kickoff"].members]
    assert all(s.line._get_or_add_ln().get("cmpd") == "dbl" for s in kickoff_new)
    assert names_per_slide[1]["契約書"].line._get_or_add_ln().get("cmpd") is None
    tag_texts = sorted(s.text_frame.text for s in _every_shape(slides[2].shapes)
                       if s.has_text_frame and s.text_frame.text.startswith("EXIT"))
    assert tag_texts == ["EXIT 1", "EXIT 2", "EXIT 3"]
    # each tag is grouped with its exit criterion's box (they move together), on its top edge
    exits = {name: i + 1 for i, st in enumerate(onboarding.stages.values()) for name in st.exits}
    groups = [g for g in slides[2].shapes if g.shape_type == MSO_SHAPE_TYPE.GROUP]
    assert len(groups) == 3
    for group in groups:
        box, tag = list(group.shapes)
        assert tag.text_frame.text == f"EXIT {exits[box.name]}" and tag.name == f"EXIT {exits[box.name]}: {box.name}"
        assert box.top - tag.height < tag.top < box.top < tag.top + tag.height
        assert box.left < tag.left and tag.left + tag.width <= box.left + box.width
    titles = [s.text_frame.text for slide in slides for s in slide.shapes if s.name == "title"]
    assert [t.split(" — ")[-1] for t in titles] == [s.label for s in onboarding.stages.values()]


def test_html_has_a_frame_per_stage_and_fetches_nothing(onboarding):
    page = flipbook(onboarding, "html").decode()
    assert page.count('<section class="frame"') == len(onboarding.stages)
    assert 'max="3"' in page
    assert re.search(r'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
                     r"script-src 'sha256-[^']+'; style-src 'sha256-[^']+'", page)
    assert "<script src" not in page and "<link rel=\"stylesheet\"" not in page
    for attr in re.findall(r'\s(?:src|href)="([^"]*)"', page):
        assert attr.startswith("data:"), attr
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "ids are unique across the inline frames"


def test_lint_colours_each_frame_by_its_own_cross_section(tmp_path):
    model = prep.loads(LINT_MODEL, "lint.prep")
    first, second = (svg for _, svg in stage_frames(model, "svg", lint=True))
    x = ids_of(model, ["X"]).pop()
    # at the end of stage one X feeds nothing (I103); at the end of stage two it feeds Y
    assert "prep-health-green" not in nodes(first)[x]["class"]
    assert "I103" in nodes(first)[x]["title"]
    assert "prep-health-green" in nodes(second)[x]["class"]
    html = unescape(flipbook(model, "html", lint=True).decode())  # Graphviz writes '-' in classes as &#45;
    assert html.count("prep-health-") > 0 and "I103" in html.split('id="frame-2"')[0]
    assert "I103" not in html.split('id="frame-2"')[1]


def test_cli_writes_every_flipbook_form(tmp_path, cli):
    model = tmp_path / "m.prep"
    model.write_text(ONBOARDING.read_text(encoding="utf-8"), encoding="utf-8")
    for out in ("book.pdf", "book.pptx", "book.html", "frames/", "x.png"):
        result = cli("render", str(model), "--flipbook", "-o", str(tmp_path / out), "--lint")
        assert result.exit_code == 0, result.output
        assert "3 frames" in result.output
    assert sorted(os.listdir(tmp_path / "frames")) == ["01-contract.svg", "02-kickoff.svg", "03-adoption.svg"]
    assert sorted(os.listdir(tmp_path / "x.flipbook")) == ["01-contract.png", "02-kickoff.png", "03-adoption.png"]
    from PIL import Image

    sizes = {Image.open(tmp_path / "x.flipbook" / n).size for n in os.listdir(tmp_path / "x.flipbook")}
    assert len(sizes) == 1


def test_cli_stage_options_as_a_real_process(tmp_path):
    model = tmp_path / "m.prep"
    model.write_text(ONBOARDING.read_text(encoding="utf-8"), encoding="utf-8")
    done = run_prep("render", str(model), "--stage", "adoption", "--later", "faint", "--theme", "print",
                    "--direction", "TB", "--no-legend", "-o", str(tmp_path / "a.svg"))
    assert done.returncode == 0, done.stderr
    svg = (tmp_path / "a.svg").read_bytes()
    assert "new in this stage" not in "".join(texts(svg))  # --no-legend
    assert 'fill="#d6e6fa"' not in svg.decode()  # the print theme: no colour fill, the double border says it


# ------------------------------------------------------------------ errors


def test_unknown_stage_is_a_usage_error_with_did_you_mean(tmp_path):
    done = run_prep("render", str(ONBOARDING), "--stage", "kickof", "-o", str(tmp_path / "k.svg"))
    assert done.returncode == 2
    err = done.stderr.decode()
    assert "cs-onboarding.prep" in err and "no stage named 'kickof'" in err and "did you mean 'kickoff'" in err
    assert "Traceback" not in err and not (tmp_path / "k.svg").exists()


def test_a_model_without_stages_is_a_clear_error(tmp_path, cli):
    for args in (("--flipbook",), ("--stage", "x")):
        done = run_prep("render", str(EXAMPLES / "feature-addition-honest.prep"), *args, "-o", str(tmp_path / "f.pdf"))
        assert done.returncode == 2
        err = done.stderr.decode()
        assert "feature-addition-honest.prep" in err and "no stages" in err and "hint:" in err


@pytest.mark.parametrize("args, message", [
    (("--stage", "kickoff", "--flipbook"), "give one of them"),
    (("--later", "faint"), "--later goes with"),
    (("--flipbook", "-o", "x.dot"), "a flip-book is one file"),
    (("--flipbook", "-o", "-"), "a flip-book is one file"),
    (("--stage", "kickoff", "-o", "x.mmd"), "Mermaid"),
    (("--stage", "kickoff", "--diff"), "cannot be used with --diff"),
    (("--flipbook", "--stable", "s.layout.json"), "--stable cannot be used"),
    (("--flipbook", "--overview-above", "5"), "more than --overview-above 5"),
])
def test_usage_errors(cli, tmp_path, args, message):
    result = cli("render", str(ONBOARDING), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_flipbook_folder_is_replaced_atomically(tmp_path, cli, onboarding):
    from prep.language.diagnostics import PrepError
    from prep.renderer.output import write_folder
    from prep.renderer.stages import FRAME_FILE

    folder = tmp_path / "frames"
    assert cli("render", str(ONBOARDING), "--flipbook", "-o", str(folder) + "/").exit_code == 0
    before = {n: (folder / n).read_bytes() for n in os.listdir(folder)}
    # a run that fails while writing (a frame name that cannot be a file) leaves the folder as it was
    with pytest.raises(PrepError):
        write_folder(str(folder), [("01-a.svg", b"<svg/>"), ("no/such/dir.svg", b"x")], owned=FRAME_FILE)
    assert {n: (folder / n).read_bytes() for n in os.listdir(folder)} == before
    assert [n for n in os.listdir(tmp_path) if n != "frames"] == [], "no temporary folder left behind"
    # a second render replaces frames of stages that are gone
    (folder / "09-gone.svg").write_bytes(b"<svg/>")
    assert cli("render", str(ONBOARDING), "--flipbook", "-o", str(folder)).exit_code == 0
    assert sorted(os.listdir(folder)) == sorted(before)
    # a folder holding anything else is not replaced
    (folder / "notes.txt").write_text("mine")
    result = cli("render", str(ONBOARDING), "--flipbook", "-o", str(folder))
    assert result.exit_code == 2 and "refusing to replace it" in result.output
    assert (folder / "notes.txt").read_text() == "mine"


def test_api_frames_share_one_geometry(onboarding):
    fs = frames(onboarding)
    assert [f.stage.name for f in fs] == list(onboarding.stages)
    for f in fs:
        for name, box in f.layout.nodes.items():
            assert box == fs[-1].layout.nodes[name]
    assert prep.render_stage(onboarding, "contract")[:5] in (b"<?xml", b"<svg ")
    assert prep.flipbook(onboarding, "html").startswith(b"<!DOCTYPE html>")
    assert [n for n, _ in prep.stage_frames(onboarding, "svg")][0] == "01-contract.svg"


def test_the_docs_stage_pictures_are_current():
    import importlib.util

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("build_examples", root / "docs" / "build_examples.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for name, data in build.stage_pictures():
        if name.endswith(".png"):
            continue  # PNG bytes depend on the rasteriser; the SVG next to it is checked
        picture = root / "docs" / "examples" / name
        assert picture.exists() and picture.read_bytes() == data, f"{picture} is stale: run python docs/build_examples.py"


HOSTILE = """\
title "<script>window.pwned = 1</script>"
stage one "<img src=x onerror=\\"window.pwned=2\\">" [exit: A]
stage two "</section><script>window.pwned=3</script>" [exit: B]
deliverable A "<b>bold?</b> & <svg onload=alert(1)>" [external, owner: "\\" onmouseover=\\"x"]
deliverable B "]]><!-- --></svg><script>window.pwned=5</script>"
A -> B [note: "<iframe src=javascript:alert(1)>"]
"""


def test_hostile_text_never_becomes_markup_in_the_html_page():
    from html.parser import HTMLParser

    page = flipbook(prep.loads(HOSTILE, "hostile.prep"), "html").decode()

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.attrs, self.text = [], [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self.attrs += [(tag, k, v) for k, v in attrs]

        def handle_data(self, data):
            self.text.append(data)

    parsed = Tags()
    parsed.feed(page)
    assert parsed.tags.count("script") == 1 and not {"img", "iframe", "b", "a"} & set(parsed.tags)
    assert parsed.tags.count("section") == 2 and parsed.tags.count("svg") == 2
    assert not [a for a in parsed.attrs if a[1].startswith("on") or a[1] in ("src", "href") and a[2] != "data:,"]
    text = "".join(parsed.text)
    assert "</section><script>window.pwned=3</script>" in text and "<b>bold?</b> & <svg onload=alert(1)>" in text


def test_models_of_v1_stages_get_frames_too(cli, tmp_path):
    model = tmp_path / "v1.prep"
    model.write_text("deliverable A [external, stage: start]\ndeliverable B [stage: middle]\nA -> B\n",
                     encoding="utf-8")
    assert cli("render", str(model), "--flipbook").exit_code == 0
    assert sorted(os.listdir(tmp_path / "v1.flipbook")) == ["01-start.svg", "02-middle.svg"]
    first = (tmp_path / "v1.flipbook" / "01-start.svg").read_bytes()
    assert "stage start" in "".join(texts(first)) and len(nodes(first)) == 1


def _without_running_numbers(svg: bytes) -> str:
    """An SVG without what Graphviz numbers as it goes (comments, clusterN,
    nodeN and edgeN ids, cluster_gN and xN titles), which differ between a
    whole-model drawing and a drawing of the cross-section alone."""
    text = re.sub(r"<!-- [^<>]* -->\n", "", svg.decode())
    text = re.sub(r'id="(clust|node|edge)\d+"', 'id="X"', text)
    return re.sub(r"<title>(cluster_g|x)\d+</title>", "<title>N</title>", text)


@pytest.mark.parametrize("text", [ONBOARDING.read_text(encoding="utf-8"), HOSTILE, LINT_MODEL])
@pytest.mark.parametrize("later", ["hidden", "faint"])
def test_composed_frames_are_what_graphviz_draws_for_each_frame(text, later):
    from prep.renderer.dot import resolve_theme
    from prep.renderer.stages import _composed_svgs, _frames, draw_frame

    theme = resolve_theme(None)
    model = prep.loads(text, "m.prep")
    geometry, fs = _frames(model, later=later, legend=True, theme=theme)
    composed = _composed_svgs(model, geometry, fs, theme, later)
    for f, svg in zip(fs, composed):
        assert _without_running_numbers(svg) == _without_running_numbers(draw_frame(f, "svg", theme=theme, embed_fonts=False))


def test_stage_pictures_carry_their_font_unless_asked_not_to(tmp_path):
    from click.testing import CliRunner

    from prep.cli import cli

    runner = CliRunner()
    for extra, has_font in (([], True), (["--no-embed-fonts"], False)):
        one, book = tmp_path / f"k{has_font}.svg", tmp_path / f"b{has_font}.html"
        assert runner.invoke(cli, ["render", str(ONBOARDING), "--stage", "kickoff", "-o", str(one)] + extra).exit_code == 0
        assert runner.invoke(cli, ["render", str(ONBOARDING), "--flipbook", "-o", str(book)] + extra).exit_code == 0
        assert ("@font-face" in one.read_text(encoding="utf-8")) is has_font
        page = book.read_text(encoding="utf-8")
        # the page carries the font once, never a copy per frame
        assert page.count("@font-face") == (1 if has_font else 0)
