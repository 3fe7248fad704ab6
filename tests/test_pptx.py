"""PowerPoint output, read back from the slide XML and checked for what a
consultant edits and what a client's office suite shows: one native shape
per box, frame and relation; the dash styles of the notation and the
arrowheads; relations drawn along their laid-out routes, off every other
box; the legend as native shapes that do not overlap; no theme effects;
the font embedded as PowerPoint embeds it; the slide sized from the page
(or the diagram), with every shape on it; the same bytes every time.

tests/test_pptx_office.py renders the decks with LibreOffice."""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import re
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

import prep
from pptx_geometry import EMU_PER_POINT, NS, Slide, deliverable_boxes, read_deck

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

MODEL = """\
title "機能追加 (To-Be)"
deliverable 要望 "顧客の要望リスト" [external]
knowhow 開発ノウハウ "開発ノウハウ" [owner: [開発リーダー, 開発チーム]]
group 承認G "承認プロセス" {
  deliverable サービス "追加のサービス"
  deliverable 承認 "承認" [final]
}
要望, 開発ノウハウ -> サービス [note: "設計"]
サービス ~> 承認
承認 <~> 要望
"""


def one_slide(data: bytes) -> tuple[object, Slide]:
    deck = read_deck(data)
    assert len(deck.slides) == 1
    return deck, deck.slides[0]


def line_of(shape):
    return shape.element.find("p:spPr/a:ln", NS)


def dash(shape) -> str | None:
    d = line_of(shape).find("a:prstDash", NS)
    return d.get("val") if d is not None else None


def ends(shape) -> tuple[bool, bool]:
    ln = line_of(shape)
    return tuple(ln.find(f"a:{t}", NS) is not None and ln.find(f"a:{t}", NS).get("type") != "none"
                 for t in ("headEnd", "tailEnd"))


def test_shapes_dashes_text_and_routes():
    model = prep.loads(MODEL)
    deck, slide = one_slide(prep.render(model, "pptx"))
    box = deliverable_boxes(slide, model)
    frames = [s for s in slide.shapes if s.name.startswith("group: ")]
    routes = {s.name: s for s in slide.shapes if s.geometry == "custom"}
    assert set(box) == {"要望", "開発ノウハウ", "サービス", "承認"}
    assert [f.name for f in frames] == ["group: 承認プロセス"]
    # one line per relation, named after its ends, drawn along the route (no connectors)
    assert set(routes) == {"要望 -> サービス", "開発ノウハウ -> サービス", "サービス -> 承認", "承認 -> 要望"}
    assert not [s for s in slide.shapes if s.kind == "cxnSp"]
    for r in routes.values():
        path = r.element.find("p:spPr/a:custGeom/a:pathLst/a:path", NS)
        assert path.get("fill") == "none" and path.find("a:cubicBezTo", NS) is not None

    # text is real text, Japanese included, in one face for Latin and East Asian
    assert box["開発ノウハウ"].text == "開発ノウハウ\n(開発リーダー, 開発チーム)"
    assert box["要望"].text == "顧客の要望リスト"
    assert frames[0].text == "承認プロセス"
    rpr = box["要望"].element.find(".//a:r/a:rPr", NS)
    assert rpr.find("a:latin", NS).get("typeface") == rpr.find("a:ea", NS).get("typeface") == "Noto Sans CJK JP"
    assert rpr.get("lang") == "ja-JP"
    assert [s.text for s in slide.shapes if s.name == "title"] == ["機能追加 (To-Be)"]
    # a statement's note is written once, on one of its relations (tests/test_collisions.py)
    assert [s.text for s in slide.shapes if s.name.startswith("note: ")] == ["設計"]
    # the office suite never re-wraps a line the layout measured
    for s in slide.shapes:
        body = s.element.find("p:txBody/a:bodyPr", NS)
        if body is not None and s.text:
            assert body.get("wrap") == "none", s.name

    # notation: knowhow dashed, tangible solid; final thicker
    assert dash(box["開発ノウハウ"]) == "dash"
    assert dash(box["要望"]) in (None, "solid")
    assert int(line_of(box["承認"]).get("w")) > int(line_of(box["サービス"]).get("w"))
    assert dash(routes["要望 -> サービス"]) == "solid"
    assert dash(routes["サービス -> 承認"]) == dash(routes["承認 -> 要望"]) == "dash"
    # an arrowhead at the result; two for a mutual synchronization
    assert ends(routes["要望 -> サービス"]) == (False, True)
    assert ends(routes["サービス -> 承認"]) == (False, True)
    assert ends(routes["承認 -> 要望"]) == (True, True)

    # each route starts at its source box and ends at its target box
    for name, r in routes.items():
        a, b = (box[n] for n in name.split(" -> "))
        pts = r.path_points()
        near = 2 * EMU_PER_POINT
        for (x, y), end in ((pts[0], a), (pts[-1], b)):
            assert end.left - near <= x <= end.right + near and end.top - near <= y <= end.bottom + near, name

    # left to right: inputs sit left of what they make; the group frames its boxes
    assert box["要望"].right <= box["サービス"].left
    fr = frames[0]
    for name in ("サービス", "承認"):
        assert fr.left <= box[name].left and box[name].right <= fr.right
        assert fr.top <= box[name].top and box[name].bottom <= fr.bottom
    for s in slide.shapes:
        assert 0 <= s.left and s.right <= deck.width, s.name
        assert 0 <= s.top and s.bottom <= deck.height, s.name


def every_shape_element(xml):
    return [el for el in xml.iter(f"{{{NS['p']}}}sp", f"{{{NS['p']}}}cxnSp")]


@pytest.mark.parametrize("name, options", [
    ("cs-onboarding", {"legend": True}),
    ("cs-onboarding", {"legend": True, "view": "roadmap"}),
    ("feature-addition-honest", {"legend": True, "theme": "print"}),
])
def test_no_theme_effects_on_any_shape(name, options):
    """Every shape and line states an empty effect list, so the theme's
    shadow (effect style 3 of python-pptx's template) is drawn nowhere."""
    deck = read_deck(prep.render(prep.load(str(EXAMPLES / f"{name}.prep")), "pptx", **options))
    elements = every_shape_element(deck.slides[0].xml)
    assert len(elements) > 20
    for el in elements:
        name = el.find(".//p:cNvPr", NS).get("name")
        effects = el.find("p:spPr/a:effectLst", NS)
        assert effects is not None and len(effects) == 0, name
        ref = el.find("p:style/a:effectRef", NS)
        assert ref is None or ref.get("idx") == "0", name
    for group in deck.slides[0].xml.iter(f"{{{NS['p']}}}grpSp"):
        assert group.find("p:grpSpPr/a:effectLst", NS) is not None


def _routes_and_boxes(model, slide):
    box = deliverable_boxes(slide, model)
    routes = [s for s in slide.shapes if s.geometry == "custom" and " -> " in s.name]
    return box, routes


@pytest.mark.parametrize("name, options", [
    ("cs-onboarding", {}),
    ("cs-onboarding", {"view": "roadmap"}),
    ("cs-onboarding", {"direction": "TB"}),
    ("feature-addition-honest", {"legend": True}),
])
def test_routes_stay_off_other_boxes(name, options):
    """Every relation's line, read back from its path, passes through no
    box but its own two ends (so it never crosses another box's label)."""
    model = prep.load(str(EXAMPLES / f"{name}.prep"))
    _, slide = one_slide(prep.render(model, "pptx", **options))
    box, routes = _routes_and_boxes(model, slide)
    assert len(routes) == len(model.relations)
    inset = 1.0 * EMU_PER_POINT  # a line may graze a border, not enter a box
    crossed = []
    for r in routes:
        a, b = r.name.split(" -> ")
        points = r.path_points()
        for other, shape in box.items():
            if other in (a, b):
                continue
            if any(shape.contains_point(x, y, inset) for x, y in points):
                crossed.append((r.name, other))
    assert not crossed
    # the check bites: the straight line between the ends of some relation would cross a box
    if name == "cs-onboarding" and not options:
        def straight(r):
            (x0, y0), (x1, y1) = r.path_points()[0], r.path_points()[-1]
            return [(x0 + (x1 - x0) * t / 50, y0 + (y1 - y0) * t / 50) for t in range(51)]
        assert any(shape.contains_point(x, y, inset) for r in routes for o, shape in box.items()
                   if o not in r.name.split(" -> ") for x, y in straight(r))


def _measured_width(text: str, size: float) -> float:
    """The text's advance width in points, from the bundled font's tables
    (fontTools directly, not prep's measuring code)."""
    from fontTools.ttLib import TTFont

    import noto_cjk_sans_jp_regular as pkg

    font = TTFont(str(Path(pkg.__file__).parent / "NotoSansCJKjp-Regular.otf"), lazy=True)
    cmap, hmtx = font["cmap"].getBestCmap(), font["hmtx"]
    return max(sum(hmtx[cmap[ord(c)]][0] for c in line) for line in text.split("\n")) / 1000 * size


@pytest.mark.parametrize("options", [{}, {"view": "roadmap"}, {"findings": []}])
def test_legend_is_native_shapes_without_overlaps(options):
    """The key: sample boxes, sample lines and texts, each a shape of its
    own; texts one line, wide enough for their text; no two overlapping;
    nothing else of the legend (no stray point nodes)."""
    model = prep.load(str(EXAMPLES / "cs-onboarding.prep"))
    _, slide = one_slide(prep.render(model, "pptx", legend=True, **options))
    frame = slide.named("legend")
    items = [s for s in slide.shapes if s.name.startswith("legend: ")]
    lines = [s for s in items if s.geometry == "custom"]
    texts = [s for s in items if s.geometry != "custom"]
    assert {s.text for s in texts} >= {"Legend", "deliverable", "knowhow", "input", "synchronization",
                                       "mutual synchronization"}
    assert len(lines) == 3 and all(s.name.endswith("(line)") for s in lines)
    assert ends(slide.named("legend: mutual synchronization (line)")) == (True, True)
    assert dash(slide.named("legend: synchronization (line)")) == "dash"
    # no stray glyphs: every text on the slide is a model's or the legend's
    assert not [s.name for s in slide.shapes if s.text.strip() in ("N", "\\N")]
    for s in items:
        assert frame.left <= s.left and s.right <= frame.right, s.name
        assert frame.top <= s.top and s.bottom <= frame.bottom, s.name
    for s in texts:
        body = s.element.find("p:txBody/a:bodyPr", NS)
        assert body.get("wrap") == "none", s.name
        size = int(s.element.find(".//a:rPr", NS).get("sz")) / 100
        assert s.width / EMU_PER_POINT >= _measured_width(s.text, size) - 0.5, s.name
    overlapping = [(a.name, b.name) for i, a in enumerate(items) for b in items[i + 1:] if a.overlaps(b)]
    assert not overlapping


def test_font_is_embedded_as_powerpoint_embeds_it():
    data = prep.render(prep.loads(MODEL), "pptx")
    deck = read_deck(data)
    files = deck.files
    # the part, its content type (a Default, as PowerPoint writes it) and its relationship
    assert [n for n in files if n.startswith("ppt/fonts/")] == ["ppt/fonts/font1.fntdata"]
    types = etree.fromstring(files["[Content_Types].xml"])
    defaults = {d.get("Extension"): d.get("ContentType") for d in types
                if etree.QName(d).localname == "Default"}
    assert defaults["fntdata"] == "application/x-fontdata"
    rels = etree.fromstring(files["ppt/_rels/presentation.xml.rels"])
    font_rels = {r.get("Id"): r.get("Target") for r in rels
                 if r.get("Type") == "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"}
    assert list(font_rels.values()) == ["fonts/font1.fntdata"]
    pres = etree.fromstring(files["ppt/presentation.xml"])
    assert pres.get("embedTrueTypeFonts") == "1"
    lst = pres.find("p:embeddedFontLst", NS)
    assert lst.getprevious().tag == f"{{{NS['p']}}}notesSz"  # where the schema puts it
    (entry,) = lst.findall("p:embeddedFont", NS)
    assert entry.find("p:font", NS).get("typeface") == "Noto Sans CJK JP"
    assert entry.find("p:regular", NS).get(f"{{{NS['r']}}}id") in font_rels

    # Embedded OpenType: version 0x00020002, no compression, no XOR, the family the runs name
    eot = files["ppt/fonts/font1.fntdata"]
    size, font_size, version, flags = (int.from_bytes(eot[i:i + 4], "little") for i in (0, 4, 8, 12))
    assert (size, version, flags) == (len(eot), 0x00020002, 0)
    assert eot[34:36] == b"LP"  # magic 0x504C
    name_size = int.from_bytes(eot[82:84], "little")
    assert eot[84:84 + name_size].decode("utf-16-le") == "Noto Sans CJK JP"
    ttf = eot[size - font_size:]
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(ttf))
    # TrueType outlines, as Office requires, and every character the slides show
    assert ttf[:4] == b"\x00\x01\x00\x00" and "glyf" in font and "CFF " not in font
    assert font["OS/2"].fsType & 0x000F in (0, 8)  # installable or editable: PowerPoint may use it
    cmap = font["cmap"].getBestCmap()
    shown = {c for s in deck.slides[0].shapes for c in s.text} - {"\n"}
    assert shown and not shown - set(map(chr, cmap))
    assert all(chr(c) in map(chr, cmap) for c in range(0x21, 0x7F))  # retyping in Latin keeps the face
    assert len(cmap) < 200  # a subset, not the 65,000-glyph font
    glyph = font["glyf"][cmap[ord("承")]]
    assert glyph.numberOfContours > 0  # real outlines survived the conversion

    # libeot, which LibreOffice reads embedded fonts with, decodes it to the same font
    lib = ctypes.util.find_library("eot")
    if lib:
        eot_lib = ctypes.CDLL(lib)
        meta = ctypes.create_string_buffer(1 << 16)
        out, n = ctypes.POINTER(ctypes.c_uint8)(), ctypes.c_uint()
        assert eot_lib.EOT2ttf_buffer(eot, len(eot), meta, ctypes.byref(out), ctypes.byref(n)) == 0
        assert bytes(out[:n.value]) == ttf


def test_theme_names_the_east_asian_font_for_new_text(tmp_path, cli):
    def theme_fonts(data):
        files = read_deck(data).files
        theme = etree.fromstring(next(v for k, v in files.items() if re.fullmatch(r"ppt/theme/theme\d+\.xml", k)
                                      and b"majorFont" in v))
        minor = theme.find(".//a:minorFont", NS)
        return (minor.find("a:latin", NS).get("typeface"), minor.find("a:ea", NS).get("typeface"),
                minor.find("a:font[@script='Jpan']", NS).get("typeface"))

    assert theme_fonts(prep.render(prep.loads(MODEL), "pptx")) == ("Noto Sans CJK JP", "Yu Gothic", "Yu Gothic")
    (tmp_path / "prep.toml").write_text('[render]\npptx-east-asian-font = "Meiryo"\n', encoding="utf-8")
    (tmp_path / "m.prep").write_text(MODEL, encoding="utf-8")
    result = cli("render", str(tmp_path / "m.prep"), "-o", str(tmp_path / "m.pptx"))
    assert result.exit_code == 0, result.output
    assert theme_fonts((tmp_path / "m.pptx").read_bytes()) == ("Noto Sans CJK JP", "Meiryo", "Meiryo")
    (tmp_path / "prep.toml").write_text('[render]\npptx-east-asian-font = "<x>"\n', encoding="utf-8")
    result = cli("render", str(tmp_path / "m.prep"), "-o", str(tmp_path / "m.pptx"))
    assert result.exit_code == 2 and "pptx-east-asian-font must be a font family name" in result.output


def test_without_the_font_package_the_deck_is_written_with_a_warning(monkeypatch):
    from prep.renderer import pptx_font
    from prep.renderer.webfont import FontNotEmbedded

    monkeypatch.setattr(pptx_font, "font_path", lambda: None)
    with pytest.warns(FontNotEmbedded, match="without its font"):
        data = prep.render(prep.loads(MODEL), "pptx")
    assert not [n for n in read_deck(data).files if n.startswith("ppt/fonts/")]
    assert not [n for n in read_deck(prep.render(prep.loads(MODEL), "pptx", embed_fonts=False)).files
                if n.startswith("ppt/fonts/")]


@pytest.mark.parametrize("page, named", [("16:9", None), ("4:3", "screen4x3"), ("A4", None)])
def test_the_slide_size_is_named_as_powerpoint_names_it(tmp_path, cli, page, named):
    """python-pptx's template says type="screen4x3" whatever the size: a
    16:9 deck showed in PowerPoint's Slide Size dialog as 4:3. A named size
    keeps its name; any other (the 13.333 in widescreen) is custom."""
    import zipfile

    out = tmp_path / "d.pptx"
    assert cli("render", str(EXAMPLES / "cs-lifecycle.prep"), "--page", page, "-o", str(out)).exit_code == 0
    xml = zipfile.ZipFile(out).read("ppt/presentation.xml").decode()
    size = re.search(r"<p:sldSz [^>]*>", xml).group(0)
    assert (f'type="{named}"' in size) if named else ("type=" not in size), size


def test_slide_is_the_page_the_layout_was_made_for():
    """The placed DOT says its page (prep_page, points; bb = the page): the
    slide is that size and the drawing is at scale 1, with no margin added."""
    from prep.renderer.pptx import to_pptx

    model = prep.loads(MODEL)
    dot = prep.render(model, "dot").decode()
    page = (960.0, 540.0)  # 16:9
    dot, n = re.subn(r'bb="0,0,[\d.]+,[\d.]+"', f'bb="0,0,{page[0]:g},{page[1]:g}", prep_page="{page[0]:g},{page[1]:g}"',
                     dot, count=1)
    assert n == 1
    deck, slide = one_slide(to_pptx(model, dot))
    assert (deck.width, deck.height) == (960 * EMU_PER_POINT, 540 * EMU_PER_POINT)
    # Graphviz's pos of n0 (y up from the bottom of the page) is the box's centre, unscaled
    m = re.search(r'\n  n0 \[.*?pos="([\d.]+),([\d.]+)!".*?width=([\d.]+), height=([\d.]+)', dot)
    x, y, w, h = (float(v) for v in m.groups())
    b = deliverable_boxes(slide, model)["要望"]
    near = 0.02 * EMU_PER_POINT  # Graphviz rounds what it reads back
    assert abs(b.left - (x - w * 36) * EMU_PER_POINT) <= near
    assert abs(b.top - (page[1] - y - h * 36) * EMU_PER_POINT) <= near
    assert abs(b.width - w * 72 * EMU_PER_POINT) <= near
    for s in slide.shapes:
        assert 0 <= s.left and s.right <= deck.width and 0 <= s.top and s.bottom <= deck.height, s.name
    # without a page: sized to the diagram, with a margin
    plain, _ = one_slide(prep.render(model, "pptx"))
    assert plain.width < 960 * EMU_PER_POINT
    # a drawing that reaches past its page is shrunk onto the slide, not cut off at its edge
    small = re.sub(r'bb="0,0,960,540", prep_page="960,540"', 'bb="0,0,200,100", prep_page="200,100"', dot)
    deck, slide = one_slide(to_pptx(model, small))
    assert (deck.width, deck.height) == (200 * EMU_PER_POINT, 100 * EMU_PER_POINT)
    b2 = deliverable_boxes(slide, model)["要望"]
    assert b2.width < b.width
    for s in slide.shapes:
        assert 0 <= s.left and s.right <= deck.width and 0 <= s.top and s.bottom <= deck.height, s.name


def test_cli_deck_on_16_9_slides_keeps_every_shape_on_its_slide(tmp_path):
    """`prep render -o x.pptx` lays a model out on 16:9 slides (several for
    a large one): each slide is 13.33 x 7.5 in, everything on it."""
    from conftest import run_prep

    out = tmp_path / "x.pptx"
    result = run_prep("render", str(EXAMPLES / "cs-lifecycle.prep"), "--legend", "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    deck = read_deck(out.read_bytes())
    assert (deck.width, deck.height) == (960 * EMU_PER_POINT, 540 * EMU_PER_POINT)
    assert len(deck.slides) > 1
    for number, slide in enumerate(deck.slides, 1):
        for s in slide.shapes:
            assert 0 <= s.left and s.right <= deck.width and 0 <= s.top and s.bottom <= deck.height, (number, s.name)
        assert not [s.name for s in slide.shapes if "\u2063" in s.name]  # no internal names
    assert [n for n in deck.files if n.startswith("ppt/fonts/")] == ["ppt/fonts/font1.fntdata"]
    bare = tmp_path / "bare.pptx"
    result = run_prep("render", str(EXAMPLES / "cs-lifecycle.prep"), "--no-embed-fonts", "-o", str(bare))
    assert result.returncode == 0, result.stderr.decode()
    assert not [n for n in read_deck(bare.read_bytes()).files if n.startswith("ppt/fonts/")]


@pytest.mark.parametrize("name", ["cs-onboarding", "feature-addition-honest", "renewal-roadmap"])
def test_every_shape_lies_on_the_slide(name):
    model = prep.load(str(EXAMPLES / f"{name}.prep"))
    for options in ({"legend": True}, {"legend": True, "view": "roadmap", "direction": "TB"}):
        if options.get("view") and not model.stages:
            continue
        deck = read_deck(prep.render(model, "pptx", **options))
        for s in deck.slides[0].shapes:
            assert 0 <= s.left and s.right <= deck.width and 0 <= s.top and s.bottom <= deck.height, (options, s.name)


def test_top_to_bottom_and_slide_fits_a_large_model():
    text = "\n".join(f"a{i} -> a{i + 1}" for i in range(120)) + "\n"
    deck, slide = one_slide(prep.render(prep.loads(text), "pptx", direction="LR"))
    assert deck.width <= 56 * 914400  # PowerPoint's limit; the diagram is scaled down
    for s in slide.shapes:
        assert 0 <= s.left and s.right <= deck.width
    model = prep.loads("a -> b\n")
    b = deliverable_boxes(one_slide(prep.render(model, "pptx", direction="TB"))[1], model)
    assert b["a"].bottom <= b["b"].top


def test_flipbook_deck_has_a_slide_per_stage_one_font_and_no_effects(tmp_path):
    from conftest import run_prep

    out = tmp_path / "book.pptx"
    result = run_prep("render", str(EXAMPLES / "cs-onboarding.prep"), "--flipbook", "-o", str(out))
    assert result.returncode == 0, result.stderr.decode()
    deck = read_deck(out.read_bytes())
    model = prep.load(str(EXAMPLES / "cs-onboarding.prep"))
    assert len(deck.slides) == len(model.stages)
    assert [n for n in deck.files if n.startswith("ppt/fonts/")] == ["ppt/fonts/font1.fntdata"]
    from fontTools.ttLib import TTFont

    eot = deck.files["ppt/fonts/font1.fntdata"]
    size, font_size = int.from_bytes(eot[:4], "little"), int.from_bytes(eot[4:8], "little")
    cmap = TTFont(io.BytesIO(eot[size - font_size:]))["cmap"].getBestCmap()
    shown = {c for sl in deck.slides for s in sl.shapes for c in s.text} - {"\n"}
    assert not shown - set(map(chr, cmap))
    for sl in deck.slides:
        for el in every_shape_element(sl.xml):
            assert el.find("p:spPr/a:effectLst", NS) is not None
        for s in sl.shapes:
            assert 0 <= s.left and s.right <= deck.width and 0 <= s.top and s.bottom <= deck.height, s.name


def test_cli_writes_pptx_and_output_is_deterministic(cli, tmp_path):
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    out = tmp_path / "m.pptx"
    assert cli("render", str(src), "-o", str(out), "--legend").exit_code == 0
    _, slide = one_slide(out.read_bytes())
    assert "knowhow" in {s.text for s in slide.shapes}
    data = prep.render(prep.loads(MODEL), "pptx")
    assert data == prep.render(prep.loads(MODEL), "pptx")
    assert {i.date_time for i in zipfile.ZipFile(io.BytesIO(data)).infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_same_bytes_from_a_cold_font_cache_at_another_time(tmp_path):
    """The embedded font is cut afresh (no cache) a second later: the deck
    has the same bytes (no timestamp in the font, none in the zip)."""
    import time

    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    outputs = []
    for i in range(2):
        from conftest import run_prep

        out = tmp_path / f"m{i}.pptx"
        result = run_prep("render", str(src), "-o", str(out), env={"XDG_CACHE_HOME": str(tmp_path / f"cache{i}")})
        assert result.returncode == 0, result.stderr.decode()
        outputs.append(out.read_bytes())
        time.sleep(1.1)
    assert outputs[0] == outputs[1]
    assert list((tmp_path / "cache0").rglob("*.eot"))  # the font was cut here, not taken from a shared cache


def test_diff_deck_strikes_removed_boxes_without_markup(cli, tmp_path):
    out = tmp_path / "d.pptx"
    result = cli("render", "--diff", str(EXAMPLES / "feature-addition-honest.prep"),
                 str(EXAMPLES / "feature-addition-naive.prep"), "-o", str(out))
    assert result.exit_code == 0, result.output
    deck = read_deck(out.read_bytes())
    shapes = [s for sl in deck.slides for s in sl.shapes]
    assert not [s.text for s in shapes if "<" in s.text or "&" in s.text]  # no HTML-like label shown as text
    struck = {s.text for s in shapes if s.element.find(".//a:rPr[@strike='sngStrike']", NS) is not None}
    assert "removed" in struck and "開発ノウハウ\nDevelopment knowhow\n(開発リーダー, 開発チーム)" in struck
    assert "顧客の要望リスト\nCustomer request list" not in struck


def test_findings_and_print_theme_colour_the_boxes():
    from prep.language.diagnostics import Diagnostic, Span

    model = prep.loads(MODEL)
    finding = Diagnostic("P001", "error", "x", Span("<string>", 1, 1, 1, 2), subject="サービス")

    def fills(data):
        box = deliverable_boxes(one_slide(data)[1], model)
        return {n: s.element.find("p:spPr/a:solidFill/a:srgbClr", NS).get("val") for n, s in box.items()}

    colours = fills(prep.render(model, "pptx", findings=[finding]))
    assert colours["サービス"] == "F4A6A0" and colours["要望"] == "B7E1B0"
    assert set(fills(prep.render(model, "pptx", theme="print")).values()) == {"FFFFFF"}


def test_missing_python_pptx_is_a_message_not_a_traceback(cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pptx", None)  # import pptx fails: a broken installation
    src = tmp_path / "m.prep"
    src.write_text("a -> b\n", encoding="utf-8")
    result = cli("render", str(src), "-o", str(tmp_path / "m.pptx"))
    assert result.exit_code == 2
    # about this machine, not a place in the model: no `<pptx>:1:1`
    assert result.output.startswith("prep render: error: PowerPoint output needs python-pptx"), result.output
    assert "pip install python-pptx" in result.output
    assert not (tmp_path / "m.pptx").exists()


AMPERSANDS = ('title "R&D <plan>"\nstage order "Order & Receipt" [exit: x]\n'
              'stage pay "Pay <now> &amp; later" [exit: y]\ngroup g "A & B" { deliverable a }\n'
              'a, k -> x [stage: order, note: "Q&A"]\nknowhow k\nx, b -> y [stage: pay]\n')


@pytest.mark.parametrize("options", [{}, {"view": "roadmap"}, {"page": "4:3"}])
def test_an_ampersand_is_shown_once_escaped(options, tmp_path):
    """A stage's "Order & Receipt" showed as "Order &amp; Receipt" on the
    slides (every label goes to Graphviz with '&' as '&amp;'); a label
    that writes "&amp;" itself keeps it."""
    model = prep.loads(AMPERSANDS, "m.prep")
    deck = zipfile.ZipFile(io.BytesIO(prep.render(model, "pptx", **options)))
    texts = [t for name in deck.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", name)
             for t in etree.fromstring(deck.read(name)).itertext() if t.strip()]
    shown = " | ".join(texts)
    assert "&amp;" not in shown.replace("&amp; later", ""), shown
    for text in ("A & B", "Q&A", "R&D <plan>"):
        assert text in shown, shown
    if options.get("view") == "roadmap":
        assert "Order & Receipt" in shown and "Pay <now> &amp; later" in shown, shown


def test_each_slides_title_is_its_title_placeholder_in_one_place():
    """A deck's titles are the slides' title placeholders (the outline view,
    the accessibility checker and a client's template find them: each was a
    text box on a blank slide), at the same place on every slide (each
    picture was centred on its slide, title and all: 88/122 pt, then 19/87
    pt from the top left)."""
    from pptx import Presentation

    model = prep.load(str(Path(__file__).parent.parent / "examples" / "cs-lifecycle.prep"))
    deck = Presentation(io.BytesIO(prep.render(model, "pptx", page="16:9")))
    slides = list(deck.slides)
    assert len(slides) >= 2
    places = set()
    for number, slide in enumerate(slides, 1):
        title = slide.shapes.title
        assert title is not None and slide.slide_layout.name == "Title Only", number
        assert title.text_frame.text.startswith(model.title) and title.text_frame.text.endswith(
            f"({number}/{len(slides)})")
        assert [s for s in slide.shapes if s.name == "title"] == [title]   # no second title text box
        places.add((title.left, title.top))
    assert len(places) == 1, places
    untitled = Presentation(io.BytesIO(prep.render(prep.loads("a, k -> b\nknowhow k\n"), "pptx")))
    (slide,) = untitled.slides
    assert slide.shapes.title is None and slide.slide_layout.name == "Blank"   # no empty "Click to add title"
