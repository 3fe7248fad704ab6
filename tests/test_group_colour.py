"""A group's colour (issue 19, part 8): `group g "label" [colour: blue]
{ ... }` (alias `fill:`), a pale palette that keeps black text readable,
greys in print; carried by both parsers, the model, the JSON export, `prep
fmt`, the language server, and drawn in SVG/PNG/PDF and PowerPoint."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET

import pytest

import prep
from prep.language import fastparse
from prep.language.model import GROUP_COLOURS
from prep.renderer.palette import GROUP_FILLS, PRINT_FILLS, luminance

SVG = "{http://www.w3.org/2000/svg}"

MODEL = """\
title "色"
group sales "営業" [colour: blue] {
  deliverable 見積書
  knowhow 値引き判断 [owner: 部長]
}
group dev "開発" [fill: Green] {
  deliverable 仕様書
  group qa "品質" [colour: "gray", note: "QA"] {
    deliverable 試験報告
  }
}
group plain "無色" { deliverable 契約書 }
見積書, 値引き判断 -> 契約書
契約書, 仕様書 -> 試験報告
"""


def colours(model) -> dict:
    return {name: g.colour for name, g in model.groups.items()}


# ------------------------------------------------------------------ language


def test_colour_fill_case_and_spellings():
    model = prep.loads(MODEL, "m.prep")
    assert model.errors == []
    assert colours(model) == {"sales": "blue", "dev": "green", "qa": "grey", "plain": None}
    assert model.groups["qa"].note == "QA"


def test_a_reopened_group_keeps_or_repeats_its_colour_but_cannot_change_it():
    same = prep.loads('group g [colour: red] { deliverable a }\ngroup g { deliverable b }\n'
                      'group g [fill: red] { deliverable c }\n', "m.prep")
    assert same.errors == [] and same.groups["g"].colour == "red"
    later = prep.loads('group g { deliverable a }\ngroup g [colour: purple] { deliverable b }\n', "m.prep")
    assert later.errors == [] and later.groups["g"].colour == "purple"
    changed = prep.loads('group g [colour: red] { deliverable a }\ngroup g [colour: blue] { deliverable b }\n', "m.prep",
                         strict=False)
    (e,) = changed.errors
    assert e.code == "E002" and e.span.line == 2 and "colour" in e.hint


@pytest.mark.parametrize("attrs, message, hint", [
    ("[colour: bleu]", "unknown group colour 'bleu'", "did you mean 'blue'?"),
    ("[fill: pink]", "unknown group colour 'pink'", "a group's fill is one of: " + ", ".join(GROUP_COLOURS)),
    ('[colour: "#ff0000"]', "unknown group colour '#ff0000'", "blue, green, yellow, orange, red, purple, grey"),
    ("[colour: blue, fill: red]", "'fill' is another name for 'colour'", "not both"),
    ("[colour]", "attribute 'colour' needs a value", "colour: kickoff"),
    ("[colour: [blue, red]]", "takes one value, not a list", "colour: NAME"),
])
def test_a_bad_colour_is_a_located_error(attrs, message, hint):
    model = prep.loads(f'group g {attrs} {{\n  deliverable a\n}}\n', "m.prep", strict=False)
    (e,) = model.errors
    assert e.code in ("E006",) and message in e.message and e.span.line == 1 and e.span.column >= 9
    if hint:
        assert hint in (e.hint or "")


def test_the_cli_refuses_an_unknown_colour_with_exit_2(prep_run, tmp_path):
    (tmp_path / "m.prep").write_text('group sales "営業" [colour: bleu] {\n  deliverable a\n}\n', encoding="utf-8")
    r = prep_run("render", "m.prep", "-o", "m.svg", cwd=tmp_path)
    err = r.stderr.decode("utf-8")
    assert r.returncode == 2 and "Traceback" not in err
    lines = err.splitlines()
    assert lines[0] == "m.prep:1:19: error: unknown group colour 'bleu'"
    assert lines[1] == '  group sales "営業" [colour: bleu] {'
    assert lines[2].strip().startswith("^")
    assert "did you mean 'blue'?" in err and "blue, green, yellow, orange, red, purple, grey" in err
    assert not (tmp_path / "m.svg").exists()


SAMPLES = [
    'group sales "営業" [colour: blue] {\n  deliverable a\n}\n',
    "group s [fill: green, stage: x] { deliverable a }\n",
    'group s "l" [note: "n", colour: "Yellow"] {\n  group t [fill: gray] {\n    a -> b\n  }\n}\n',
    "group s [colour: nope] {\n}\n",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_both_parsers_read_group_colours_alike(text):
    from prep.language.parse import parse_statements_lark
    from test_perf_parse import dump

    fast = fastparse.scan(text, "t.prep")
    slow = parse_statements_lark(text, "t.prep")
    assert fast is not None, "the fast path should read a group's attributes"
    assert dump(fast[0]) == dump(slow[0]) and fast[1] == slow[1]


def test_the_json_export_carries_the_colour(cli, tmp_path):
    from prep.language.export import model_from_dict, model_to_dict

    model = prep.loads(MODEL, "m.prep")
    data = model_to_dict(model)
    assert {g["name"]: g["colour"] for g in data["groups"]} == colours(model)
    assert model_from_dict(data).groups == model.groups
    (tmp_path / "m.prep").write_text(MODEL, encoding="utf-8")
    r = cli("render", str(tmp_path / "m.prep"), "--format", "json", "-o", "-")
    assert r.exit_code == 0
    assert {g["name"]: g["colour"] for g in json.loads(r.output)["groups"]}["sales"] == "blue"


def test_fmt_keeps_the_colour_and_settles():
    from prep.language.fmt import format_text

    text = 'group sales   "営業" [note: "n",colour: "blue"] {\ndeliverable a\n}\ngroup s2 [ fill:Gray ] { deliverable c }\n'
    once = format_text(text, "m.prep", verify=True)
    assert once.startswith('group sales "営業" [colour: blue, note: "n"] {\n  deliverable a\n}\n')
    assert "group s2 [fill: Gray] {" in once
    assert format_text(once, "m.prep", verify=True) == once
    assert colours(prep.loads(once, "m.prep")) == colours(prep.loads(text, "m.prep")) == {"sales": "blue", "s2": "grey"}


def test_the_language_server_completes_group_attributes_and_colours():
    from prep.lsp import analysis as A

    text = 'group sales [] {\n  deliverable a\n}\ngroup dev [colour: ] {\n}\ndeliverable b []\n'
    analysis = A.analyse(text, "m.prep")
    keys = {label for label, kind, _ in A.completions(analysis, 1, len("group sales [") + 1)}
    assert {"colour", "fill", "stage", "note"} == keys
    values = A.completions(analysis, 4, len("group dev [colour: ") + 1)
    assert [label for label, _, _ in values] == list(GROUP_COLOURS) and {k for _, k, _ in values} == {"colour"}
    decl_keys = {label for label, _, _ in A.completions(analysis, 6, len("deliverable b [") + 1)}
    assert "owner" in decl_keys and "colour" not in decl_keys
    hover = A.hover_text(A.analyse(MODEL, "m.prep"), "見積書")
    assert "group: 営業 (blue)" in hover


def test_the_language_server_offers_the_colour_it_guessed():
    from prep.lsp import analysis as A

    text = 'group sales "営業" [note: "n", fill: bleu] {\n  deliverable a\n}\n'
    analysis = A.analyse(text, "m.prep")
    (d,) = [d for d in analysis.diagnostics if d.code == "E006"]
    (fix,) = A.quick_fixes(analysis, d)
    (span, replacement), = fix.edits
    line = text.split("\n")[0]
    fixed = line[: span.column - 1] + replacement + line[span.end_column - 1:]
    assert fix.title == "Change to 'blue'" and fixed == 'group sales "営業" [note: "n", fill: blue] {'


# ------------------------------------------------------------------ palette


def test_the_palette_is_pale_of_one_lightness_and_keeps_black_text_readable():
    assert tuple(GROUP_FILLS) == GROUP_COLOURS

    def lightness(colour):
        y = luminance(colour)
        return 116 * y ** (1 / 3) - 16

    values = [lightness(c) for c in GROUP_FILLS.values()]
    assert min(values) >= 88 and max(values) - min(values) <= 4
    for fill in list(GROUP_FILLS.values()) + list(PRINT_FILLS.values()):
        assert (luminance(fill) + 0.05) / 0.05 >= 12  # black text on it: WCAG AAA is 7
    for name, grey in PRINT_FILLS.items():
        assert grey[1:3] == grey[3:5] == grey[5:7], grey      # a grey
        assert abs(lightness(grey) - lightness(GROUP_FILLS[name])) < 1


# ------------------------------------------------------------------ pictures


def frame_fills(svg: bytes) -> dict[str, str]:
    """group label -> the fill of its frame, read from the SVG."""
    out = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if "prep-group" in (g.get("class") or ""):
            shape = next(iter(g.iter(f"{SVG}path")), None)
            if shape is None:  # an Element without children is falsy: test against None
                shape = next(iter(g.iter(f"{SVG}polygon")))
            text = next(iter(g.iter(f"{SVG}text"))).text
            out[text] = shape.get("fill")
    return out


def test_svg_frames_are_filled_with_the_palette_and_grey_in_print():
    from prep.renderer.dot import THEMES

    model = prep.loads(MODEL, "m.prep")
    fills = frame_fills(prep.render(model, "svg", embed_fonts=False))
    assert fills == {"営業": GROUP_FILLS["blue"], "開発": GROUP_FILLS["green"], "品質": GROUP_FILLS["grey"],
                     "無色": THEMES["default"].group_fill}
    printed = frame_fills(prep.render(model, "svg", theme="print", embed_fonts=False))
    assert printed == {"営業": PRINT_FILLS["blue"], "開発": PRINT_FILLS["green"], "品質": PRINT_FILLS["grey"],
                       "無色": "#ffffff"}


def test_boxes_coloured_by_health_leave_the_frames_untinted(tmp_path):
    """Boxes filled with their health (--lint, --status, every report's
    diagram): the frames are untinted, so a colour means one thing. A
    report's green "no finding" boxes stood on a green group's frame, and
    the two greens read as one."""
    from prep.renderer.dot import THEMES
    from prep.renderer.drawio import DrawioPage, to_drawio

    model = prep.loads(MODEL, "m.prep")
    plain = THEMES["default"].group_fill
    linted = frame_fills(prep.render(model, "svg", findings=list(prep.lint(model)), embed_fonts=False))
    assert set(linted.values()) == {plain}, linted
    measured = frame_fills(prep.render(model, "svg", health={"見積書": "green"}, embed_fonts=False))
    assert set(measured.values()) == {plain}, measured
    report = prep.report(model, "html").decode("utf-8")
    assert GROUP_FILLS["green"] not in report and GROUP_FILLS["blue"] not in report
    drawio = to_drawio([DrawioPage("p", model, prep.layout(model), findings=list(prep.lint(model)))]).decode()
    assert GROUP_FILLS["blue"] not in drawio and GROUP_FILLS["green"] not in drawio
    # without health colours the frames keep theirs (the test above)
    assert GROUP_FILLS["blue"] in frame_fills(prep.render(model, "svg", embed_fonts=False)).values()


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_png_and_pdf_draw_the_colour(cli, tmp_path, fmt):
    (tmp_path / "m.prep").write_text(MODEL, encoding="utf-8")
    (tmp_path / "n.prep").write_text(re.sub(r" \[(colour|fill)[^]]*\]", "", MODEL).replace(', note: "QA"]', ""),
                                     encoding="utf-8")
    for name in ("m", "n"):
        assert cli("render", str(tmp_path / f"{name}.prep"), "-o", str(tmp_path / f"{name}.{fmt}")).exit_code == 0
    coloured, plain = (tmp_path / f"m.{fmt}").read_bytes(), (tmp_path / f"n.{fmt}").read_bytes()
    assert coloured != plain
    if fmt == "png":
        from PIL import Image

        image = Image.open(io.BytesIO(coloured)).convert("RGB")
        pixels = {image.getpixel((x, y)) for x in range(0, image.width, 2) for y in range(0, image.height, 2)}
        assert tuple(int(GROUP_FILLS["blue"][i:i + 2], 16) for i in (1, 3, 5)) in pixels
    else:  # the fill operator in the page's (compressed) drawing
        import zlib

        pages = b"".join(zlib.decompress(s) for s in re.findall(rb"stream\r?\n(.*?)endstream", coloured, re.S)
                         if s[:1] == b"x")
        r, g, b = (int(GROUP_FILLS["blue"][i:i + 2], 16) / 255 for i in (1, 3, 5))
        assert f"{r:.6f} {g:.6f} {b:.6f} rg".encode() in pages


def test_powerpoint_frames_take_the_colour():
    import pptx

    model = prep.loads(MODEL, "m.prep")
    deck = pptx.Presentation(io.BytesIO(prep.render(model, "pptx")))
    frames = {s.name: str(s.fill.fore_color.rgb) for s in deck.slides[0].shapes if s.name.startswith("group: ")}
    assert frames["group: 営業"] == GROUP_FILLS["blue"][1:].upper()
    assert frames["group: 品質"] == GROUP_FILLS["grey"][1:].upper()
    assert frames["group: 無色"] == "FAFAFA"


def test_both_halves_of_as_is_to_be_keep_the_colour():
    from prep.language.diff import diff_models
    from prep.renderer.diff import render_diff

    old = prep.loads(MODEL, "old.prep")
    new = prep.loads(MODEL + "試験報告, 見積書 -> 報告書\n", "new.prep")
    svg = render_diff(diff_models(old, new), "svg", side_by_side=True, embed_fonts=False)
    frames = [g for g in ET.fromstring(svg).iter(f"{SVG}g") if "prep-group" in (g.get("class") or "")]
    fills = [next(iter(g.iter(f"{SVG}path"))).get("fill") for g in frames]
    assert fills.count(GROUP_FILLS["blue"]) == 2 and fills.count(GROUP_FILLS["green"]) == 2


def test_a_picture_made_for_a_page_keeps_the_colours(prep_run, tmp_path):
    (tmp_path / "m.prep").write_text(MODEL, encoding="utf-8")
    r = prep_run("render", "m.prep", "--page", "A4-portrait", "-o", "m.svg", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    fills = frame_fills((tmp_path / "m.svg").read_bytes())
    assert fills["営業"] == GROUP_FILLS["blue"] and fills["品質"] == GROUP_FILLS["grey"]
