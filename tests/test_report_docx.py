"""`prep report -o report.docx`: the Word report read back with python-docx
(styles, tables, pictures, fonts) and, as a client's office suite shows
it, converted to PDF by LibreOffice Writer and read with pypdf.

The LibreOffice test needs soffice (Debian: libreoffice-writer): skipped
without it, failed instead when PREP_REQUIRE_OFFICE=1 (CI, .ci/run).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
import xml.etree.ElementTree as ET

import pytest

import prep
from conftest import EXAMPLES, run_prep
from prep.embed.report import build_report
from prep.embed.report_docx import FONT_KEY, obfuscate

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
REQUIRED = os.environ.get("PREP_REQUIRE_OFFICE") == "1"

STAGED = """\
title "受注から導入まで"
stage intake "受付 Intake" [exit: 見積書]
stage build "構築 Build"
knowhow 見積ノウハウ [owner: 営業]
deliverable 要望 [external, stage: intake]
deliverable 見積書 [stage: intake]
deliverable 設計書 [stage: build]
deliverable 完成品 [stage: build, final]
要望, 見積ノウハウ -> 見積書
見積書 -> 設計書
設計書 -> 完成品
要望, 見積書 ~> 完成品 [note: "顧客と `<~>` で合意 | 確認"]
"""


def big_staged(n: int = 45) -> str:
    """STAGED with a long chain of deliverables: the catalogue runs over pages."""
    lines = [STAGED]
    lines += [f'deliverable 成果物{k:02d} "成果物{k:02d} item {k}" [stage: build, owner: 担当{k % 3}]' for k in range(n)]
    lines += ["設計書 -> 成果物00"] + [f"成果物{k:02d} -> 成果物{k + 1:02d}" for k in range(n - 1)]
    return "\n".join(lines) + "\n"


def read(data: bytes):
    from docx import Document

    return Document(io.BytesIO(data))


def tables_by_heading(doc) -> dict[str, list[list[str]]]:
    """Each table's rows of cell texts, under the heading before it."""
    out, heading = {}, None
    for block in doc.element.body.iterchildren():
        if block.tag == W + "p":
            style = block.find(f"{W}pPr/{W}pStyle")
            if style is not None and style.get(W + "val").startswith("Heading"):
                heading = "".join(t.text or "" for t in block.iter(W + "t"))
        elif block.tag == W + "tbl":
            rows = [["\n".join("".join(t.text or "" if t.tag == W + "t" else "\n" for t in p.iter(W + "t", W + "br"))
                               for p in tc.iter(W + "p")) for tc in tr.iter(W + "tc")] for tr in block.iter(W + "tr")]
            out[heading] = rows
    return out


def test_word_report_has_every_part_in_builtin_styles(cli, tmp_path):
    from PIL import Image

    src = tmp_path / "m.prep"
    src.write_text(big_staged(), encoding="utf-8")
    out = tmp_path / "r.docx"
    result = cli("report", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    doc = read(out.read_bytes())
    paragraphs = [(p.style.name, p.text) for p in doc.paragraphs]
    assert paragraphs[0] == ("Title", "受注から導入まで")
    headings = [(s, t) for s, t in paragraphs if s.startswith("Heading")]
    assert ("Heading 1", "Diagram") in headings and ("Heading 1", "Roadmap") in headings
    assert ("Heading 2", "At the end of stage 1: 受付 Intake") in headings
    assert [t for s, t in headings if s == "Heading 1"][-4:] == ["Stages", "Findings", "Hotspots", "Deliverables"] \
        or "Relation notes" in [t for s, t in headings]
    # A4 landscape, the PDF report's margins
    section = doc.sections[0]
    assert (round(section.page_width.pt), round(section.page_height.pt)) == (842, 595)
    # tables: a built-in style, the header row repeated on each page
    tables = tables_by_heading(doc)
    for table in doc.tables:
        assert table.style.name == "Table Grid"
        header = table.rows[0]._tr.find(f"{W}trPr/{W}tblHeader")
        assert header is not None and header.get(W + "val") == "true"
        assert table.rows[1]._tr.find(f"{W}trPr/{W}cantSplit") is not None   # a short row: kept on a page
    catalogue = tables["Deliverables"]
    assert catalogue[0][:3] == ["deliverable", "kind", "owners"]
    assert any(row[0].startswith("成果物44 item 44") for row in catalogue)
    assert "要望, 見積書" in "".join(c for row in tables["Relation notes"] for c in row)
    # pictures: PNG at 300 dpi of the size they are shown at, no wider than the text
    shapes = doc.inline_shapes
    assert len(shapes) >= 4       # diagram, roadmap, a frame per stage
    for shape in shapes:
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        image = doc.part.related_parts[blip.embed]
        assert image.content_type == "image/png"
        with Image.open(io.BytesIO(image.blob)) as png:
            width_px = png.size[0]
        rect = shape._inline.graphic.graphicData.pic.blipFill.find(
            "{http://schemas.openxmlformats.org/drawingml/2006/main}srcRect")
        shown = 1.0 if rect is None else 1 - (int(rect.get("l", 0)) + int(rect.get("r", 0))) / 100000
        assert shape.width.pt <= section.page_width.pt - 2 * section.left_margin.pt + 0.5
        assert width_px * shown / (shape.width.pt / 72) == pytest.approx(300, rel=0.02)
    # Japanese: an East Asian font on every style prep uses, Japanese as its language
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Caption"):
        rpr = doc.styles[name].element.rPr
        assert rpr.rFonts.get(W + "eastAsia") == "Noto Sans CJK JP", name
        assert rpr.find(W + "lang").get(W + "eastAsia") == "ja-JP"


def test_the_font_is_embedded_as_word_embeds_it(tmp_path):
    from fontTools.ttLib import TTFont

    data, _ = build_report(prep.loads(STAGED, "m.prep"), "docx")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        fonts = z.read("word/fontTable.xml").decode("utf-8")
        settings = z.read("word/settings.xml").decode("utf-8")
        odttf = z.read("word/fonts/font1.odttf")
        types = z.read("[Content_Types].xml").decode("utf-8")
        assert "docProps/thumbnail.jpeg" not in z.namelist()
        # same model, same bytes: fixed dates and zip times
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in z.infolist())
    assert f'w:fontKey="{FONT_KEY}"' in fonts and 'w:name="Noto Sans CJK JP"' in fonts
    assert "<w:embedTrueTypeFonts/>" in settings
    assert "application/vnd.openxmlformats-officedocument.obfuscatedFont" in types
    assert odttf[:4] != b"\x00\x01\x00\x00"       # obfuscated ...
    font = TTFont(io.BytesIO(obfuscate(odttf, FONT_KEY)))   # ... and the same XOR undoes it
    assert font["name"].getDebugName(1) == "Noto Sans CJK JP" and "glyf" in font
    cmap = font.getBestCmap()
    assert all(ord(c) in cmap for c in "受注から導入まで見積書")
    assert data == build_report(prep.loads(STAGED, "m.prep"), "docx")[0]
    assert data == prep.report(prep.loads(STAGED, "m.prep"), "docx")   # the public API
    with pytest.raises(ValueError, match="choose html, pdf or docx"):
        prep.report(prep.loads(STAGED, "m.prep"), "md")


def test_obfuscation_follows_the_standard():
    # ECMA-376 Part 1 §17.8.1: key {00112233-4455-6677-8899-AABBCCDDEEFF}
    # gives the bytes FF EE DD ... 00, XORed over the first 32 bytes
    font = bytes(range(40))
    key = "{00112233-4455-6677-8899-AABBCCDDEEFF}"
    out = obfuscate(font, key)
    reversed_key = bytes.fromhex("FFEEDDCCBBAA99887766554433221100")
    assert out[:16] == bytes(a ^ b for a, b in zip(font[:16], reversed_key))
    assert out[16:32] == bytes(a ^ b for a, b in zip(font[16:32], reversed_key))
    assert out[32:] == font[32:] and obfuscate(out, key) == font


def test_word_report_usage_errors(cli, tmp_path):
    src = tmp_path / "m.prep"
    src.write_text("a -> b\n", encoding="utf-8")
    result = cli("report", str(src), "-o", str(tmp_path / "r.docx"), "--page", "A7")
    assert result.exit_code == 2 and "unknown page size 'A7'" in result.output
    result = cli("report", str(src), "-o", str(tmp_path / "no" / "r.docx"))
    assert result.exit_code == 2 and f"r.docx:1:1: error: the folder {tmp_path / 'no'}/ does not exist" in result.output
    result = cli("report", str(src), "-o", str(tmp_path / "r.doc"))
    assert result.exit_code == 2 and ".docx" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.prep"]   # nothing half-written


@pytest.mark.parametrize("option", [("--page", "50x50mm"), ("--page", "105x148mm"), ("--min-text", "36")])
def test_word_report_on_a_page_too_small_for_its_tables_says_so(cli, tmp_path, option):
    """The PDF report refuses a page whose table columns are not one
    character wide; the Word report wrote one, and Writer set a 50 mm page's
    tables a letter a line, over 500 pages. Now it refuses it as the PDF
    report does, before drawing a picture, and writes nothing."""
    src = tmp_path / "m.prep"
    src.write_text("knowhow K [owner: X]\nK, A -> B\n", encoding="utf-8")
    for suffix in ("pdf", "docx"):
        result = cli("report", str(src), "-o", str(tmp_path / f"r.{suffix}"), *option)
        assert result.exit_code == 2, result.output
        assert re.search(r"prep report: error: the page \(\d+ x \d+ pt\) is too narrow for the report's "
                         r"\w+ table", result.output), result.output
        assert "hint: choose a larger --page (A4, A3, or WxH" in result.output
        assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.prep"]


def test_word_report_as_a_real_process_on_a_portrait_page(tmp_path):
    src = tmp_path / "m.prep"
    src.write_text(STAGED, encoding="utf-8")
    done = run_prep("report", str(src), "-o", str(tmp_path / "r.docx"), "--page", "A4-portrait")
    assert done.returncode == 0, done.stderr
    section = read((tmp_path / "r.docx").read_bytes()).sections[0]
    assert (round(section.page_width.pt), round(section.page_height.pt)) == (595, 842)
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize("page", ["A4", "16:9"])
def test_every_picture_of_the_word_report_is_whole(tmp_path, page):
    """The pictures laid out for the page were drawn to their boxes' and
    routes' extent: the group frames, the markers' borders and the curves
    past the outermost boxes were cut off at the left, the right and the
    bottom of every picture. Each picture keeps white on all four sides."""
    from PIL import Image, ImageOps

    out = tmp_path / "r.docx"
    done = run_prep("report", str(EXAMPLES / "order-to-cash-as-is.prep"), "-o", str(out), "--page", page)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as z:
        pictures = [z.read(n) for n in z.namelist() if n.startswith("word/media/") and n.endswith(".png")]
    assert len(pictures) >= 8
    for k, data in enumerate(pictures):
        image = Image.open(io.BytesIO(data)).convert("L")
        ink = ImageOps.invert(image).point(lambda v: 255 if v > 30 else 0).getbbox()
        left, top, right, bottom = ink
        assert min(left, top, image.width - right, image.height - bottom) >= 3, (k, image.size, ink)


def test_the_contents_page_numbers_are_fields_to_the_headings():
    """The contents said "Diagram: page 2" as typed text: once a client
    restyled the report with its template, the numbers were stale. Each is
    a PAGEREF field to a bookmark on its heading, holding the number."""
    data, _ = build_report(prep.load(str(EXAMPLES / "cs-lifecycle.prep")), "docx")
    body = ET.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")).find(W + "body")
    marked, refs = {}, []
    for p in body.iter(W + "p"):
        text = "".join(t.text or "" for t in p.iter(W + "t"))
        for b in p.iter(W + "bookmarkStart"):
            marked[b.get(W + "name")] = text
        instr = "".join(t.text or "" for t in p.iter(W + "instrText"))
        if "PAGEREF" in instr:
            refs.append((instr.split()[1], text))
    assert len(refs) >= 6
    for name, line in refs:
        heading, page = line.rsplit(": ", 1)
        assert re.fullmatch(r"(from )?page \d+", page), line
        assert heading.split(", ")[0] == marked[name], (line, marked.get(name))


def test_a_table_heading_stands_clear_of_the_table_before_it():
    """"Measures" sat right under the Stages table: the headings keep no
    space before them (a picture page holds its heading, caption and
    picture); a heading after a table keeps 12 pt."""
    from docx.shared import Pt

    data, _ = build_report(prep.load(str(EXAMPLES / "order-to-cash-as-is.prep")), "docx")
    doc = read(data)
    body = list(doc.element.body.iterchildren())
    after_table = [body[i + 1] for i, b in enumerate(body[:-1]) if b.tag == W + "tbl" and body[i + 1].tag == W + "p"]
    headings = [p for p in doc.paragraphs if p._p in after_table and p.style.name.startswith("Heading")]
    assert len(headings) >= 3
    assert all(p.paragraph_format.space_before == Pt(12) for p in headings), [p.text for p in headings]


def test_hostile_text_stays_text_in_the_word_report():
    from test_injection import HOSTILE, hostile_text

    model = prep.loads(hostile_text(), "hostile.prep")
    data, _ = build_report(model, "docx")
    doc = read(data)
    catalogue = tables_by_heading(doc)["Deliverables"]
    names = [row[0] for row in catalogue[1:]]
    for h in HOSTILE:
        label = "label " + h
        assert any(n.startswith(label) for n in names), h
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = z.read("word/document.xml").decode("utf-8")
    # markup in labels is escaped text, never an element or a field
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "HYPERLINK" not in body and "w:hyperlink" not in body
    assert doc.paragraphs[0].text == model.title


def test_text_xml_cannot_hold_is_replaced_not_fatal():
    from prep.renderer.output import xml_text

    assert xml_text("a\x01b\x0bc\r\nd\ud800") == "a\ufffdb\ufffdc\nd\ufffd"
    model = prep.loads('deliverable A "ok"\nA -> B\n', "m.prep")
    from dataclasses import replace

    bad = replace(model, title="bell\x07 and \x1b[31m")
    doc = read(build_report(bad, "docx")[0])
    assert doc.paragraphs[0].text == "bell\ufffd and \ufffd[31m"


def _soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        message = "soffice is not installed (Debian: apt-get install libreoffice-writer)"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return path


def test_libreoffice_writer_shows_pages_pictures_tables_and_the_embedded_font(tmp_path):
    from pypdf import PdfReader

    soffice = _soffice()
    src = tmp_path / "m.prep"
    src.write_text(big_staged(), encoding="utf-8")
    out = tmp_path / "r.docx"
    done = run_prep("report", str(src), "-o", str(out))
    assert done.returncode == 0, done.stderr
    pictures = len(read(out.read_bytes()).inline_shapes)
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=180)
    reader = PdfReader(tmp_path / "r.pdf")
    texts = [re.sub(r"\s+", "", p.extract_text()) for p in reader.pages]
    # the title page, a page per picture, then the tables
    assert texts[0].startswith("受注から導入まで")
    # (a page that draws a picture paints an image XObject: `/Im.. Do`;
    # LibreOffice shares one resource dictionary between pages)
    with_images = [i for i, p in enumerate(reader.pages) if re.search(rb"/Im\w*\s+Do\b", p.get_contents().get_data())]
    assert with_images == list(range(1, pictures + 1))
    sizes = [x.get_object()["/Width"] for p in reader.pages
             for x in p["/Resources"].get("/XObject", {}).values() if x.get_object().get("/Subtype") == "/Image"]
    assert sizes and max(sizes) > 2000      # print resolution, not a thumbnail
    # the catalogue runs over pages, its header row on each
    header = "deliverablekindownersstagegroupinputsconsumersnote"
    catalogue = [t for t in texts if "item" in t and "担当" in t]
    assert len(catalogue) >= 2 and all(header in t for t in catalogue)
    assert "成果物44item44" in "".join(texts)
    # Japanese drawn with the font the document carries (the machine has none of its own)
    fonts = {str(f.get_object()["/BaseFont"]) for p in reader.pages
             for f in p["/Resources"].get("/Font", {}).values()}
    assert any("NotoSansCJKjp" in f for f in fonts), fonts


def test_libreoffice_writer_breaks_no_word_of_a_table_cell(tmp_path):
    """Each column had its share of the page whatever it held: Writer broke
    an owner "CustomerSuccessOperations" in the narrow owners column (and
    later "deployment" in the DEAR column) inside the word, which the PDF
    report never does. The columns are as wide as their widest word."""
    from pypdf import PdfReader

    soffice = _soffice()
    src = tmp_path / "m.prep"
    src.write_text(STAGED.replace("[owner: 営業]", "[owner: [CustomerSuccessOperations, 営業]]")
                   + "deliverable 部署 [owner: InternationalAccountManagement]\n部署, 要望 -> 設計書\n",
                   encoding="utf-8")
    out = tmp_path / "r.docx"
    done = run_prep("report", str(src), "-o", str(out))
    assert done.returncode == 0, done.stderr
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=180)
    words = set(re.findall(r"\w+", "\n".join(p.extract_text() for p in PdfReader(tmp_path / "r.pdf").pages)))
    assert {"CustomerSuccessOperations", "InternationalAccountManagement"} <= words, sorted(
        w for w in words if w.isascii())


def test_a_picture_too_large_for_a_page_is_cut_into_parts_of_one_image(monkeypatch):
    """When laying out for the page does not pay (here: made to fail), the
    picture as it is, cut into parts as the PDF cuts it: one PNG, each page
    showing its window of it (a:srcRect), text never below the minimum."""
    import prep.renderer.pages as pages

    def fail(*args, **kwargs):
        raise ValueError("no page layout")

    monkeypatch.setattr(pages, "render_pages", fail)
    model = prep.load(str(EXAMPLES / "cs-lifecycle.prep"))
    doc = read(build_report(model, "docx")[0])
    a = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
    parts = {}
    for shape in doc.inline_shapes:
        fill = shape._inline.graphic.graphicData.pic.blipFill
        rect = fill.find(a + "srcRect")
        if rect is not None:
            parts.setdefault(fill.blip.embed, []).append(
                tuple(int(rect.get(k, 0)) for k in ("l", "t", "r", "b")))
    diagram = max(parts.values(), key=len)
    assert len(diagram) > 1 and len(set(diagram)) == len(diagram)   # one image, several windows
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert any(c.startswith("Part 1 of ") and "below the 7 pt minimum" in c for c in captions)


def test_the_word_report_ends_with_its_last_table_not_a_page_of_its_own(tmp_path):
    """health-management-as-is on A4: the tables filled page 3 and Writer set
    the closing "Generated by prep" line alone on a page 4. The line is on
    the title page now, so the report ends with its last table."""
    from pypdf import PdfReader

    from conftest import EXAMPLES

    soffice = _soffice()
    out = tmp_path / "r.docx"
    done = run_prep("report", str(EXAMPLES / "health-management-as-is.prep"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=180)
    texts = [re.sub(r"\s+", "", p.extract_text()) for p in PdfReader(tmp_path / "r.pdf").pages]
    assert "アンケートデータ" in texts[-1] and not any("Generatedbyprep" in t for t in texts[1:]), texts[-1]
    assert "Generatedbyprep" in texts[0]


def test_a_word_report_row_is_cut_over_two_pages_only_when_taller_than_half_a_page(tmp_path):
    """Writer set the workspace example's catalogue row "自社の候補日 / Our
    candidate dates" over two pages, its name cut in half. A row is kept on
    one page now, unless it may be taller than half of one (a long note):
    Word would cut off the part of a row that cannot split and does not fit."""
    from pypdf import PdfReader

    from conftest import EXAMPLES

    soffice = _soffice()
    out = tmp_path / "r.docx"
    done = run_prep("report", str(EXAMPLES / "workspace" / "main.prep"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=180)
    texts = [re.sub(r"\s+", "", p.extract_text()) for p in PdfReader(tmp_path / "r.pdf").pages]
    model = prep.load(EXAMPLES / "workspace" / "main.prep")
    labels = [re.sub(r"\s+", "", d.display) for d in model.deliverables.values()]
    header = "deliverablekindownersgroupfileinputsconsumersnote"
    pages = [t.split(header, 1)[1] for t in texts if header in t]
    assert len(pages) >= 2   # the catalogue goes on over a page: each page starts with a whole row
    for rows in pages:
        assert any(rows.startswith(label) for label in labels), rows[:80]
    # a row as tall as a page may split
    note = " ".join(["The plan is reviewed by the steering committee every quarter."] * 40)
    doc = read(build_report(prep.loads(f'deliverable A [note: "{note}"]\nA, K -> B\n', "m.prep"), "docx")[0])
    (catalogue,) = [t for t in doc.tables if t.rows[0].cells[0].text == "deliverable"]
    split = {r.cells[0].text: r._tr.find(f"{W}trPr/{W}cantSplit") is None for r in catalogue.rows[1:]}
    assert split == {"A": True, "K": False, "B": False}


@pytest.mark.parametrize("option, least", [(("--min-text", "12"), 12.0), (("--page", "16:9"), 9.0)])
def test_the_word_reports_text_is_never_below_the_pages_minimum(tmp_path, option, least):
    """`--min-text 12` set the PDF report's tables at 12 pt, and the Word
    report's stayed at 9 (its Normal style), its captions at 8: below the
    minimum the consultant asked for, as a slide's captions were (9 pt on
    a slide). Every style the report writes with is at the minimum or
    above now, and its tables' columns are measured at that size (no
    word is broken inside, the table stays inside the page)."""
    from pypdf import PdfReader

    out = tmp_path / "r.docx"
    done = run_prep("report", str(EXAMPLES / "cs-onboarding.prep"), *option, "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    doc = read(out.read_bytes())
    used = {p.style.name for p in doc.paragraphs} | {p.style.name for t in doc.tables for row in t.rows
                                                     for c in row.cells for p in c.paragraphs}
    used |= {p.style.name for p in doc.sections[0].footer.paragraphs}
    for name in used:
        style = doc.styles[name]
        while style.font.size is None:   # inherited
            style = style.base_style
        assert style.font.size.pt >= least, (name, style.font.size.pt)
    runs = [r for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    runs += [r for p in doc.paragraphs for r in p.runs]
    assert all(r.font.size is None or r.font.size.pt >= least for r in runs)
    section = doc.sections[0]
    inner = section.page_width.pt - section.left_margin.pt - section.right_margin.pt
    for table in doc.tables:
        assert sum(c.width.pt for c in table.columns) <= inner + 0.5
    soffice = _soffice()
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=180)
    reader = PdfReader(tmp_path / "r.pdf")
    sizes = []

    def seen(text, cm, tm, font, size):
        if text.strip():
            sizes.append(size * (tm[3] ** 2 + tm[2] ** 2) ** 0.5 * (cm[3] ** 2 + cm[2] ** 2) ** 0.5)

    texts = [p.extract_text(visitor_text=seen) for p in reader.pages]
    assert min(sizes) >= least - 0.05, sorted(sizes)[:5]
    words = set(re.findall(r"\w+", "\n".join(texts)))
    assert {"deployment", "engagement", "adoption"} <= words


def test_libreoffice_writer_keeps_a_measures_threshold_on_one_line(tmp_path):
    """On A5, Writer set the Measures table's thresholds ">= 80%" as ">="
    on one line and "80%" on the next (the column was as wide as ">=",
    its widest word): a client read a comparison without its number. A
    threshold is one piece now, its column at least as wide as it."""
    from pypdf import PdfReader

    soffice = _soffice()
    src = tmp_path / "m.prep"
    measures = ('measure 合格率 "設計審査 一発合格率" [of: 見積書, target: ">= 80%", green: ">= 80%", '
                'lime: ">= 65%", yellow: ">= 50%", dear: adoption, owner: 設計課長]\n'
                'measure 不良率 "初期流動 不良率" [of: 完成品, target: "<= 0.5%", green: "<= 0.5%", '
                'lime: "<= 1%", yellow: "<= 2%", dear: roi]\n')
    src.write_text(STAGED.replace('stage build "構築 Build"', 'stage build "構築 Build" [exit: 完成品]') + measures,
                   encoding="utf-8")
    out = tmp_path / "r.docx"
    done = run_prep("report", str(src), "-o", str(out), "--page", "A5")
    assert done.returncode == 0, done.stderr
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=180)
    text = "\n".join(p.extract_text() for p in PdfReader(tmp_path / "r.pdf").pages).replace("\xa0", " ")
    lines = [line.strip() for line in text.splitlines()]
    for threshold in (">= 80%", ">= 65%", ">= 50%", "<= 0.5%", "<= 1%", "<= 2%"):
        assert any(threshold in line for line in lines), (threshold, lines)
    assert not [line for line in lines if line.endswith((">=", "<="))], lines
