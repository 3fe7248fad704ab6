"""`prep report -o report.docx`: the report as a Word document a client can
restyle with their own template.

The same content as the PDF report (`report.py` chooses it: the pictures
of `docx_pictures`, the tables of `pdf_tables`), written with Word's
built-in styles only, so a template's styles take over:

- the title in *Title*, sections in *Heading 1*, each stage's frame in
  *Heading 2*, explanations in *Normal*, picture captions in *Caption*;
- tables in the built-in *Table Grid* style, the header row marked as a
  heading row (`w:tblHeader`), so Word and LibreOffice repeat it on every
  page a table runs over; a row is kept on one page unless it may be
  taller than half of one;
- the title, the summary and a list of contents with page numbers on a
  page of their own, then the pictures: PNG
  drawn by Graphviz at 300 dpi at the size they are printed (a picture
  drawn at 83% is drawn at 249 dpi of its own size), one page each,
  centred, as the PDF report sets them (text never below the page's minimum;
  a picture too large for that is cut into parts: the same PNG, cropped by
  Word (`a:srcRect`), so a picture in eight parts is drawn once);
- Japanese: the East Asian font of every style is prep's Noto Sans CJK JP
  (`w:rFonts w:eastAsia`, language ja-JP), embedded in the document as
  Word embeds fonts (ECMA-376 Part 1, §17.8.1: `word/fonts/font1.odttf`, a
  TrueType subset of the characters used, its first 32 bytes XORed with
  the font key), so the text looks the same where the font is not
  installed. Word and LibreOffice both read such fonts.

The page is the PDF report's (A4 landscape unless `--page` says otherwise),
with the same margins. The bytes depend only on the model: fixed document
dates and zip entry times.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from .._words import generated_by, japanese, say
from ..layouter.fonts import FONT_FAMILY

DPI = 300.0
TABLE_STYLE = "Table Grid"
TABLE_TEXT_SIZE = 9   # pt: the Normal style, the tables' text (or the page's minimum, when larger)
CAPTION_SIZE = 8


def text_size(page, size: float = TABLE_TEXT_SIZE) -> float:
    """A style's size on `page`: never below the page's minimum (`--min-text`;
    9 pt on a slide), as the PDF report's text."""
    return max(size, page.min_text)
HEADER_SHADE = "ECECEC"
# the document's dates (core properties): fixed, so the same model gives the same bytes
FIXED_DATE = (2000, 1, 1)
# the font key of the embedded font: any GUID; a fixed one keeps the bytes fixed
FONT_KEY = "{6E1B5C5A-0D2B-4C7E-9A3F-70726570666E}"


@dataclass(frozen=True)
class Shot:
    """One picture on one page: drawn from `dot` at `dpi`, the part of it
    inside `window` (left, top, right, bottom as fractions of the drawing)
    shown at `size` (points) under an optional heading, with a caption."""
    heading: str | None
    level: int
    caption: str
    dot: str
    dpi: float
    window: tuple[float, float, float, float]
    size: tuple[float, float]


# the two invisible points that hold a drawing made for a page at the page's
# size (prep.renderer.dot), and the page's size in the DOT
_CORNER_POS = re.compile(r'pos="[^"]*!"(?=, class="prep-corner")')
_PAGE_SIZE = re.compile(r'prep_page="([0-9.]+),([0-9.]+)"')


def _inner_area(dot: str, crop: tuple[float, float, float, float]) -> str:
    """`dot` with its page's two corner points moved in to the page's inner
    area (`crop`: left, top, right, bottom from the page's top left): the
    picture is drawn without the page's empty margins, and whole. (Without
    the points Graphviz sized the drawing to its boxes and routes' points:
    group frames, markers' borders and curves past the outermost boxes were
    cut off at the left, the right and the bottom of every picture.)"""
    size = _PAGE_SIZE.search(dot)
    if size is None:
        return dot
    height = float(size.group(2))
    left, top, right, bottom = crop
    corners = iter((f"{left:.2f},{height - top:.2f}", f"{right:.2f},{height - bottom:.2f}"))
    return _CORNER_POS.sub(lambda m: f'pos="{next(corners)}!"', dot, count=2)


def shots_of(picture, dot: str, page, *, heading: str | None, level: int = 1, caption: str | None = None,
             path: str = "<model>") -> list[Shot]:
    """The pages of one picture (a report_pdf.Picture and the DOT it was
    drawn from), cut as the PDF report cuts it (`report_pdf.plan_parts`).
    A picture laid out for the page is drawn without the page's empty
    margins: only what is on it (its text at the size it was laid out at),
    so its raster is no larger than it needs to be."""
    from ..layouter.graphviz import draw
    from .report_pdf import _picture_space, part_caption, plan_parts, picture_of

    top, room_h = _picture_space(page)
    out = []
    for part in plan_parts(0, picture, page, top, page.inner_width, room_h):
        text = part_caption(picture, part, page) if caption is None else caption
        head = heading if part.number == 1 else None
        if picture.sheet is not None and part.parts == 1:
            content = _inner_area(dot, picture.crop)
            drawn = picture_of(picture.title, draw(content, "svg", path=path))
            fit = min(1.0, page.inner_width / drawn.width, room_h / drawn.height)
            out.append(Shot(head, level, text, content, DPI * fit, (0.0, 0.0, 1.0, 1.0),
                            (drawn.width * fit, drawn.height * fit)))
            continue
        x0, y0, x1, y1 = part.window
        out.append(Shot(head, level, text, dot, DPI * part.scale,
                        (x0 / picture.width, y0 / picture.height, x1 / picture.width, y1 / picture.height),
                        ((x1 - x0) * part.scale, (y1 - y0) * part.scale)))
    return out


def draw_shots(shots: list[Shot], path: str) -> dict[tuple[str, float], bytes]:
    """The PNG of every (DOT, dpi) the shots need, each drawn once; on
    several cores, in forked workers (Graphviz holds the GIL).

    Drawn by Graphviz's cairo renderer (anti-aliased, prep's font) and
    written by its gd PNG writer as 256 colours: four times faster than
    cairo's own writer at 300 dpi and a third of the size, which is what
    keeps a report of two dozen print-resolution pages within seconds.
    gd rounds colours a little (white to #fcfefc); white and black are put
    back in the palette (`_true_white`)."""
    from .._process import map_forked
    from ..layouter.graphviz import draw

    jobs = list(dict.fromkeys((s.dot, round(s.dpi, 2)) for s in shots))

    def png(job):
        return _true_white(draw(job[0], "png:cairo:gd", path=path, dpi=job[1]))

    return dict(zip(jobs, map_forked(png, jobs, "drawing the pictures", 2)))


def _true_white(png: bytes) -> bytes:
    """A palette PNG with its near-white entries made white and its
    near-black ones black (gd's palette rounds them); other images as they are."""
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    if image.mode != "P":
        return png
    palette = image.getpalette() or []
    fixed = []
    for i in range(0, len(palette), 3):
        rgb = palette[i:i + 3]
        fixed += [255] * 3 if min(rgb) >= 248 else [0] * 3 if max(rgb) <= 6 else rgb
    if fixed == palette:
        return png
    image.putpalette(fixed)
    out = io.BytesIO()
    image.save(out, "png", dpi=(DPI, DPI))
    return out.getvalue()


def report_docx(shots: list[Shot], tables: list, page, *, title: str, summary: list[str],
                path: str = "<model>", embed_font: bool = True) -> bytes:
    """The report as .docx bytes: the pictures, then the tables (report_pdf.Table)."""
    import datetime

    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    from .._version import __version__
    from ..renderer.output import fixed_zip_times

    for table in tables:   # before the pictures are drawn: a page too small is said at once
        _table_widths(table, page)
    pngs = draw_shots(shots, path)
    doc = Document()
    _styles(doc, page)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE if page.width > page.height else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Pt(page.width), Pt(page.height)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Pt(page.margin))
    section.header_distance = section.footer_distance = Pt(page.margin * 0.4)
    _footer(section, title, page)
    texts = [title, *summary]

    doc.add_paragraph(_xml(title), style="Title")
    for line in summary:
        doc.add_paragraph(_xml(line))
    # here, not after the last table: there it could be all a last page held
    doc.add_paragraph(generated_by(__version__))
    # a contents list: each picture is a page of its own, so its page is known; each number
    # is a PAGEREF field to its heading's bookmark holding that number, so it stays true
    # when the client restyles the report (Word updates fields when printing, or on F9)
    # (bookmark n: the n-th picture heading; the one after them: the tables' first heading)
    doc.add_heading(say("Contents"), level=1)
    headed = [(number, shot) for number, shot in enumerate(shots, 2) if shot.heading is not None]
    for mark, (number, shot) in enumerate(headed, 1):
        line = doc.add_paragraph(_xml(f"{shot.heading}: " + ("" if japanese() else "page ")),
                                 style="List Bullet" if shot.level == 1 else "List Bullet 2")
        _page_ref(line, mark, number)
        if japanese():
            line.add_run(" ページ")
    table_mark = len(headed) + 1
    if tables:
        line = doc.add_paragraph(f"{'、'.join(t.heading for t in tables)}: " if japanese() else
                                 f"{', '.join(t.heading for t in tables)}: from page ", style="List Bullet")
        _page_ref(line, table_mark, len(shots) + 2)
        if japanese():
            line.add_run(" ページから")
    mark = 0
    for shot in shots:
        if shot.heading is not None:
            mark += 1
            _bookmark(doc.add_heading(_xml(shot.heading), level=shot.level), mark)
            texts.append(shot.heading)
        caption = doc.add_paragraph(_xml(shot.caption), style="Caption")
        texts.append(shot.caption)
        # each picture on a page of its own, after the title page (so the
        # page numbers the captions give are the pages Word shows)
        doc.paragraphs[-2 if shot.heading is not None else -1].paragraph_format.page_break_before = True
        holder = doc.add_paragraph()
        holder.alignment = WD_ALIGN_PARAGRAPH.CENTER
        holder.paragraph_format.keep_together = True
        caption.paragraph_format.keep_with_next = True
        picture = holder.add_run().add_picture(io.BytesIO(pngs[(shot.dot, round(shot.dpi, 2))]),
                                               width=Pt(shot.size[0]), height=Pt(shot.size[1]))
        _crop(picture, shot.window)

    for k, table in enumerate(tables):
        heading = doc.add_heading(_xml(table.heading), level=1)
        if k == 0:
            heading.paragraph_format.page_break_before = True  # the tables start on a page of their own
            _bookmark(heading, table_mark)
        else:   # after the table before it, not against it (the style keeps none: picture pages)
            heading.paragraph_format.space_before = Pt(12)
        texts.append(table.heading)
        if table.intro:
            doc.add_paragraph(_xml(table.intro))
            texts.append(table.intro)
        if not table.rows:
            doc.add_paragraph(_xml(table.empty))
            texts.append(table.empty)
            continue
        _table(doc, table, page)
        texts += [c for row in table.rows for c in row] + list(table.columns)

    core = doc.core_properties
    core.title, core.author, core.last_modified_by = _xml(title)[:250], "prep", "prep"
    core.created = core.modified = datetime.datetime(*FIXED_DATE)
    core.revision = 1
    core.comments = f"Generated by prep {__version__}"
    _drop_thumbnail(doc)
    if embed_font:
        _embed_font(doc, texts)
    out = io.BytesIO()
    doc.save(out)
    return fixed_zip_times(out.getvalue())


def _bookmark_name(number: int) -> str:
    return f"_prep{number}"   # a leading underscore: a hidden bookmark, as Word's own _Toc ones


def _bookmark(paragraph, number: int) -> None:
    """Mark `paragraph` (a heading) with bookmark `_prepN`."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), str(number))
    start.set(qn("w:name"), _bookmark_name(number))
    end.set(qn("w:id"), str(number))
    p = paragraph._p
    ppr = p.find(qn("w:pPr"))
    p.insert(p.index(ppr) + 1 if ppr is not None else 0, start)
    p.append(end)


def _page_ref(paragraph, number: int, page: int) -> None:
    """A PAGEREF field to bookmark `_prepN` at the end of `paragraph`, its
    result `page` (shown until Word updates it)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def run(child) -> None:
        r = OxmlElement("w:r")
        r.append(child)
        paragraph._p.append(r)

    def char(kind: str):
        c = OxmlElement("w:fldChar")
        c.set(qn("w:fldCharType"), kind)
        return c

    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" PAGEREF {_bookmark_name(number)} \\h "
    shown = OxmlElement("w:t")
    shown.text = str(page)
    for child in (char("begin"), instr, char("separate"), shown, char("end")):
        run(child)


def _xml(text: str) -> str:
    from ..renderer.output import xml_text

    return xml_text(text)


def _east_asian(rpr_owner, font: str = FONT_FAMILY) -> None:
    """The run properties of a style: `font` for every script, Japanese as
    the East Asian language."""
    from docx.oxml.ns import qn

    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(key), font)
    for key in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(key), None)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        from docx.oxml import OxmlElement

        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "ja-JP")


def _styles(doc, page) -> None:
    from docx.shared import Pt

    styles = doc.styles
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Caption"):
        _east_asian(styles[name].element)
    styles["Normal"].font.size = Pt(text_size(page))
    styles["Caption"].font.size = Pt(text_size(page, CAPTION_SIZE))
    # headings take little room: a picture's page holds its heading, caption and picture
    for name, size in (("Heading 1", 13), ("Heading 2", 11)):
        fmt = styles[name].paragraph_format
        fmt.space_before, fmt.space_after = Pt(0), Pt(3)
        styles[name].font.size = Pt(text_size(page, size))
    styles["Title"].paragraph_format.space_after = Pt(3)
    styles["Title"].font.size = Pt(text_size(page, 18))
    styles["Caption"].paragraph_format.space_after = Pt(3)


def _footer(section, title: str, page) -> None:
    """The title and the page number, right-aligned, at the foot of every
    page, on one line: a title too long for it is cut short with an
    ellipsis, as in the PDF report (a long title took two lines or more,
    from the body's room that the pictures are sized for)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from .report_pdf import font_file

    measure = _font_measure(font_file(), text_size(page))
    room = page.inner_width - measure(" · 9999")
    if measure(title) > room:
        cut = len(title)
        while cut > 1 and measure(title[:cut].rstrip() + "…") > room:
            cut -= 1
        title = title[:cut].rstrip() + "…"
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.add_run(_xml(f"{title} · "))
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = text
            run._r.append(code)
        else:
            t = OxmlElement("w:t")
            t.text = text
            run._r.append(t)


def _crop(picture, window: tuple[float, float, float, float]) -> None:
    """Show only `window` of the picture (a:srcRect, in 1/1000 of a percent)."""
    from docx.oxml.ns import qn

    left, top, right, bottom = window
    if (left, top, right, bottom) == (0.0, 0.0, 1.0, 1.0):
        return
    fill = picture._inline.graphic.graphicData.pic.blipFill
    rect = fill.find(qn("a:srcRect"))
    if rect is None:
        from docx.oxml import OxmlElement

        rect = OxmlElement("a:srcRect")
        fill.blip.addnext(rect)
    for key, value in (("l", left), ("t", top), ("r", 1 - right), ("b", 1 - bottom)):
        rect.set(key, str(max(0, round(value * 100000))))


def _table(doc, table, page) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    grid = doc.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.style = doc.styles[TABLE_STYLE]
    grid.autofit = False
    measure, points = _table_widths(table, page)
    widths = [Pt(w) for w in points]
    for column, width in zip(grid.columns, widths):
        column.width = width
    header = grid.rows[0]
    properties = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")   # repeated at the top of every page the table runs over
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)
    # a row is kept on one page (Writer cut a deliverable's two-line name
    # over two pages) unless it may be taller than half of one: Word cuts
    # off a row that cannot split and is taller than its page
    for row, cells in zip(grid.rows[1:], table.rows):
        if _row_lines(measure, cells, points) * text_size(page) * LINE_SPACING <= page.inner_height / 2:
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for r, cells in enumerate([table.columns, *table.rows]):
        row = grid.rows[r]
        # the header row, and a total row, bold and shaded; a cell with a
        # fill of its own (a health colour, its name the cell's text) in it
        set_off = r == 0 or (table.total and r == len(table.rows))
        for c, (cell, text, width) in enumerate(zip(row.cells, cells, widths)):
            cell.width = width
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(_xml(text))
            run.bold = set_off or None
            fill = table.fill(r - 1, c)
            if fill is not None or set_off:
                shade = OxmlElement("w:shd")
                colour = fill.lstrip("#").upper() if fill is not None else HEADER_SHADE
                for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", colour)):
                    shade.set(qn(key), value)
                cell._tc.get_or_add_tcPr().append(shade)


def _table_widths(table, page):
    """How `_table` measures a cell's text on `page`, and the table's column
    widths in points: as the PDF report's, a column at least as wide as its
    widest word (a column's share alone broke "deployment" into "deploymen"
    / "t"). A page on which a column is not one character wide is refused
    as the PDF report refuses it: on a 50 mm page Word broke every word
    into letters, over 500 pages."""
    from .report_pdf import _too_small, column_widths

    size = text_size(page)
    measure = _text_width(size)
    points = column_widths(measure, table, page.inner_width)
    if min(points) - _CELL_MARGINS < size * 1.2:
        raise _too_small(page, f"too narrow for the report's {table.heading} table", size)
    return measure, points


# a line of table text, as a multiple of its size (Noto Sans CJK's ascent
# and descent, single spacing)
LINE_SPACING = 1.45


def _row_lines(measure, cells, widths: list[float]) -> int:
    """About how many lines the tallest cell of a row takes in a table
    whose columns are `widths` points wide (as `measure` sees the text):
    each line as the PDF report breaks it, a line wider than its column
    counted as the lines it fills."""
    import math

    from .report_pdf import CELL_PAD_X, wrap_cell

    most = 1
    for text, width in zip(cells, widths):
        room = width - 2 * CELL_PAD_X
        lines = wrap_cell(measure, text, room).split("\n")
        most = max(most, sum(max(1, math.ceil(measure(line) / room)) for line in lines))
    return most


# Word's and LibreOffice's default cell margins (0.08 in a side) beyond the
# PDF report's (CELL_PAD_X a side), and room for the header row's bold
_CELL_MARGINS = 2 * 0.08 * 72
_BOLD = 1.08


def _font_measure(path: str, size: float):
    """The width in points of a text in prep's font at `size`."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt")
    pdf.add_font(FONT_FAMILY, "", path)
    pdf.set_font(FONT_FAMILY, size=size)
    return pdf.get_string_width


def _text_width(size: float = TABLE_TEXT_SIZE):
    """The width in points of a text in a table cell (the Normal style's
    `size` of the embedded font), padded so that `column_widths`, which
    pads by the PDF report's cell margins, leaves room for Word's."""
    from fpdf import FPDF

    from .report_pdf import CELL_PAD_X, font_file

    pdf = FPDF(unit="pt")
    pdf.add_font(FONT_FAMILY, "", font_file())
    pdf.set_font(FONT_FAMILY, size=size)
    extra = _CELL_MARGINS - 2 * CELL_PAD_X
    return lambda text: pdf.get_string_width(text) * _BOLD + extra


def _drop_thumbnail(doc) -> None:
    """python-docx's template carries a thumbnail of its own blank page: a
    file browser would show it for the report."""
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype.endswith("/metadata/thumbnail"):
            del package.rels[rid]


def _embed_font(doc, texts: list[str]) -> None:
    """prep's font, cut to the characters of `texts` (and basic Latin), as
    Word embeds a font: an obfuscated TrueType part (ECMA-376 Part 1,
    §17.8.1) named from the font table, with w:embedTrueTypeFonts set."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from ..renderer.pptx_font import cached_truetype, subset_characters
    from ..renderer.webfont import FontUnavailable, font_path

    font = font_path()
    if font is None:
        return  # the document names the font; a machine with it installed shows it
    try:
        ttf = cached_truetype(font, subset_characters(texts))
    except FontUnavailable:
        return
    package = doc.part.package
    table_part = next((rel.target_part for rel in doc.part.rels.values() if rel.reltype == RT.FONT_TABLE), None)
    settings = doc.settings.element
    if table_part is None:
        return
    data = Part(PackURI("/word/fonts/font1.odttf"), "application/vnd.openxmlformats-officedocument.obfuscatedFont",
                obfuscate(ttf, FONT_KEY), package)
    rid = table_part.relate_to(data, RT.FONT)
    from lxml import etree

    fonts = etree.fromstring(table_part.blob)
    entry = next((f for f in fonts.findall(qn("w:font")) if f.get(qn("w:name")) == FONT_FAMILY), None)
    if entry is None:
        entry = etree.SubElement(fonts, qn("w:font"))
        entry.set(qn("w:name"), FONT_FAMILY)
        for tag, value in (("w:charset", "80"), ("w:family", "swiss"), ("w:pitch", "variable")):
            etree.SubElement(entry, qn(tag)).set(qn("w:val"), value)
    embed = etree.SubElement(entry, qn("w:embedRegular"))
    embed.set(qn("r:id"), rid)
    embed.set(qn("w:fontKey"), FONT_KEY)
    table_part._blob = etree.tostring(fonts, xml_declaration=True, encoding="UTF-8", standalone=True)
    # in the schema's order: after w:zoom (the template's first setting)
    zoom = settings.find(qn("w:zoom"))
    for tag in ("w:saveSubsetFonts", "w:embedTrueTypeFonts"):
        if settings.find(qn(tag)) is None:
            if zoom is not None:
                zoom.addnext(OxmlElement(tag))
            else:
                settings.insert(0, OxmlElement(tag))


def obfuscate(font: bytes, key: str) -> bytes:
    """ECMA-376 Part 1, §17.8.1: the first 32 bytes of the font XORed with
    the font key's GUID as 16 bytes in reverse order of its hex digits'
    pairs (the same XOR undoes it)."""
    digits = key.strip("{}").replace("-", "")
    guid = bytes(int(digits[i:i + 2], 16) for i in range(30, -2, -2))
    head = bytes(b ^ guid[i % 16] for i, b in enumerate(font[:32]))
    return head + font[32:]
