"""PowerPoint output: the slide is read back with python-pptx and checked for
what a consultant edits: one native shape per box, frame and relation, the
dash styles of the notation, arrowheads, connectors glued to their boxes,
real (Japanese) text, and everything inside a slide sized to fit."""

from __future__ import annotations

import io
import sys


import prep

import pptx  # noqa: E402 - in the test extra: a missing extra must fail, not skip
from pptx.enum.dml import MSO_LINE_DASH_STYLE  # noqa: E402
from pptx.enum.shapes import MSO_SHAPE_TYPE  # noqa: E402
from pptx.oxml.ns import qn  # noqa: E402

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


def slide_of(data: bytes):
    prs = pptx.Presentation(io.BytesIO(data))
    assert len(prs.slides) == 1
    return prs, prs.slides[0]


def boxes(slide):
    return {s.name: s for s in slide.shapes
            if s.shape_type == MSO_SHAPE_TYPE.AUTO_SHAPE and not s.name.startswith("group: ")}


def test_shapes_dashes_text_and_connections():
    prs, slide = slide_of(prep.render(prep.loads(MODEL), "pptx"))
    shapes = list(slide.shapes)
    box = boxes(slide)
    frames = [s for s in shapes if s.name.startswith("group: ")]
    lines = [s for s in shapes if s.shape_type == MSO_SHAPE_TYPE.LINE]
    assert set(box) == {"要望", "開発ノウハウ", "サービス", "承認"}
    assert [f.name for f in frames] == ["group: 承認プロセス"]
    assert len(lines) == 4  # one connector per relation

    # text is real text, Japanese included, with the East Asian face set
    assert box["開発ノウハウ"].text_frame.text == "開発ノウハウ\n(開発リーダー, 開発チーム)"
    assert box["要望"].text_frame.text == "顧客の要望リスト"
    assert frames[0].text_frame.text == "承認プロセス"
    run = box["要望"].text_frame.paragraphs[0].runs[0]
    assert run._r.rPr.find(qn("a:ea")).get("typeface") == "Noto Sans CJK JP"
    assert [s.text_frame.text for s in shapes if s.name == "title"] == ["機能追加 (To-Be)"]
    # `a, b -> c [note: "設計"]`: the note is written once (issue 19)
    assert [s.text_frame.text for s in shapes if s.name.startswith("note: ")] == ["設計"]

    # notation: knowhow dashed, tangible solid; final thicker
    assert box["開発ノウハウ"].line.dash_style == MSO_LINE_DASH_STYLE.DASH
    assert box["要望"].line.dash_style is None
    assert box["承認"].line.width > box["サービス"].line.width

    by_name = {c.name: c for c in lines}
    inp = by_name["要望 -> サービス"]
    sync = by_name["サービス -> 承認"]
    mutual = by_name["承認 -> 要望"]
    assert inp.line.dash_style is None
    assert sync.line.dash_style == mutual.line.dash_style == MSO_LINE_DASH_STYLE.DASH

    def ends(c):
        ln = c._element.spPr.find(qn("a:ln"))
        return ln.find(qn("a:headEnd")) is not None, ln.find(qn("a:tailEnd")) is not None

    assert ends(inp) == (False, True) and ends(sync) == (False, True) and ends(mutual) == (True, True)

    # connectors are glued to their boxes, so they follow a moved box
    ids = {s.shape_id: s.name for s in shapes}
    cxn = inp._element.nvCxnSpPr.cNvCxnSpPr
    assert ids[int(cxn.find(qn("a:stCxn")).get("id"))] == "要望"
    assert ids[int(cxn.find(qn("a:endCxn")).get("id"))] == "サービス"

    # left to right: inputs sit left of what they make; everything is on the slide
    assert box["要望"].left + box["要望"].width <= box["サービス"].left
    fr = frames[0]
    for name in ("サービス", "承認"):
        b = box[name]
        assert fr.left <= b.left and b.left + b.width <= fr.left + fr.width
        assert fr.top <= b.top and b.top + b.height <= fr.top + fr.height
    for s in shapes:
        assert 0 <= s.left and s.left + s.width <= prs.slide_width, s.name
        assert 0 <= s.top and s.top + s.height <= prs.slide_height, s.name


def test_findings_and_print_theme_colour_the_boxes():
    from prep.language.diagnostics import Diagnostic, Span

    model = prep.loads(MODEL)
    finding = Diagnostic("P001", "error", "x", Span("<string>", 1, 1, 1, 2), subject="サービス")
    _, slide = slide_of(prep.render(model, "pptx", findings=[finding]))
    assert str(boxes(slide)["サービス"].fill.fore_color.rgb) == "F4A6A0"
    assert str(boxes(slide)["要望"].fill.fore_color.rgb) == "B7E1B0"
    _, slide = slide_of(prep.render(model, "pptx", theme="print"))
    assert {str(b.fill.fore_color.rgb) for b in boxes(slide).values()} == {"FFFFFF"}


def test_top_to_bottom_and_slide_fits_a_large_model():
    text = "\n".join(f"a{i} -> a{i + 1}" for i in range(120)) + "\n"
    prs, slide = slide_of(prep.render(prep.loads(text), "pptx", direction="LR"))
    assert prs.slide_width <= 56 * 914400  # PowerPoint's limit; the diagram is scaled down
    for s in slide.shapes:
        assert 0 <= s.left and s.left + s.width <= prs.slide_width
    b = boxes(slide_of(prep.render(prep.loads("a -> b\n"), "pptx", direction="TB"))[1])
    assert b["a"].top + b["a"].height <= b["b"].top


def test_cli_writes_pptx_and_output_is_deterministic(cli, tmp_path):
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    out = tmp_path / "m.pptx"
    assert cli("render", str(src), "-o", str(out), "--legend").exit_code == 0
    _, slide = slide_of(out.read_bytes())
    assert "knowhow" in {s.text_frame.text for s in slide.shapes if s.has_text_frame}
    data = prep.render(prep.loads(MODEL), "pptx")
    assert data == prep.render(prep.loads(MODEL), "pptx")
    import zipfile

    assert {i.date_time for i in zipfile.ZipFile(io.BytesIO(data)).infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_missing_extra_prints_the_install_command(cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pptx", None)  # import pptx fails
    src = tmp_path / "m.prep"
    src.write_text("a -> b\n", encoding="utf-8")
    result = cli("render", str(src), "-o", str(tmp_path / "m.pptx"))
    assert result.exit_code == 2
    # about this machine, not a place in the model: no `<pptx>:1:1`
    assert result.output.startswith("prep render: error: PowerPoint output needs python-pptx"), result.output
    assert 'pip install "prep[pptx]"' in result.output
    assert not (tmp_path / "m.pptx").exists()
