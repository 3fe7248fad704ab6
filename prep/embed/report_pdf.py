"""`prep report -o report.pdf`: the report as pages of paper (A4 landscape
unless another page is asked for).

First the pictures (the diagram with the findings drawn on it, then, for a
model with stages, the roadmap and each stage's frame), then the tables:
stages, findings, hotspots, the deliverables and the relation notes. A
table that does not fit on one page goes on over the next, with its header
row repeated on every page.

Text never goes below the page's minimum size (`Page.min_text`, 7 pt on
A4) at 100% of the page. A picture that fits the page at that size is drawn
as large as fits (at most 100%); one that would need smaller text is drawn
at the scale that keeps its smallest text at the minimum and cut into parts,
one per page, that overlap a little, and each such page says so in words:
which part of how many, and why. The diagram and the roadmap are laid out
for the page (`prep.layouter.fit`) unless that takes more pages than the
parts; each stage's frame is always laid out for the page (the flip-book's
frames), on the pages where the stage makes something.

One pure-Python library does the work, fpdf2 (docs/embedding.md says why):
it sets the pages, the headings and the tables (`FPDF.table`, whose heading
rows repeat on each page) and draws each picture from prep's SVG as vector
paths and text, clipped to its part (`FPDF.rect_clip`). All text, tables
and pictures alike, is in prep's own font, Noto Sans CJK JP (OpenType with
CFF outlines), embedded once as a subset of the glyphs used (CIDFontType0,
FontFile3), so Japanese text is drawn on any machine and can be copied and
searched. (Graphviz's own PDF embeds a 1 MB font subset per picture: a
report of six pictures was 4.9 MB that way, 0.1 MB this way.)
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass

from ..language.diagnostics import PrepError
from .._words import generated_by, japanese, say
from ..layouter.fonts import FONT_FAMILY

# the parts of a picture cut over several pages overlap by this much (pt on
# the page), so a box cut by one page's edge is whole on the next
OVERLAP = 36.0
TITLE_SIZE = 15.0
HEADING_SIZE = 12.0
BODY_SIZE = 9.0
CAPTION_LINES = 3
HEADER_FILL = (236, 236, 236)
GREY = (90, 90, 90)
# fpdf2 writes the creation date into the file: a fixed one keeps the same
# model's report byte for byte the same
FIXED_DATE = (2000, 1, 1)


@dataclass(frozen=True)
class Picture:
    """One picture of the report: prep's SVG of it (without its own font),
    its size, the part of it that is drawing (`crop`: left, top, right,
    bottom, from its top left) and the smallest and largest text it draws
    (pt at 100%). A picture fitted to the page by layout (`prep.layouter.
    fit`) is one `sheet`: (its page number, how many pages, how the model
    was cut: none, stages or layers)."""
    title: str
    svg: bytes
    width: float
    height: float
    min_text: float
    max_text: float
    crop: tuple[float, float, float, float]
    sheet: tuple[int, int, str] | None = None
    caption: str | None = None   # what the page says of a sheet, when not the diagram's words (a stage's frame)
    key: str | None = None       # what its colours mean, after whatever the page says of it (the Health picture)


@dataclass(frozen=True)
class Part:
    """Where one page shows (part of) a picture: `window` is (left, top,
    right, bottom) in the picture's points measured from its top left, drawn
    at `scale` with its top left at `at` (page points from the page's top
    left). `fit` is the scale at which the whole picture would fit the page."""
    picture: int
    number: int        # 1-based, in reading order (rows, then columns)
    parts: int
    row: int
    column: int
    rows: int
    columns: int
    window: tuple[float, float, float, float]
    scale: float
    fit: float
    at: tuple[float, float]


def _cuts(start: float, end: float, scale: float, room: float) -> list[tuple[float, float]]:
    """The picture's extent along one axis cut into windows that each fit
    `room` page points at `scale`, neighbours overlapping by OVERLAP."""
    length = end - start
    if length * scale <= room + 0.5:
        return [(start, end)]
    n = math.ceil(length * scale / (room - OVERLAP) - 1e-9)
    step = length / n
    half = OVERLAP / scale / 2
    return [(max(start, start + k * step - half), min(end, start + (k + 1) * step + half)) for k in range(n)]


def plan_parts(index: int, picture: Picture, page, top: float, room_w: float, room_h: float) -> list[Part]:
    """How `picture` goes on pages whose picture space starts `top` points
    below the page's top and is room_w x room_h points: as large as fits (at
    most 100%), but never with text below `page.min_text`; a picture that
    would need smaller text is cut into parts."""
    x0, y0, x1, y1 = picture.crop
    w, h = x1 - x0, y1 - y0
    fit = min(room_w / w, room_h / h, 1.0)
    fit = 1.0 if fit > 0.999 else fit   # a rounded size is not a reason to shrink
    scale = max(fit, page.min_text / picture.min_text)   # above 100% only for text below the minimum
    # cut into as few parts as that scale needs, then drawn as large as
    # those parts allow (larger text, same number of pages)
    most = [1.0]
    for a, b, room in ((x0, x1, room_w), (y0, y1, room_h)):
        n = len(_cuts(a, b, scale, room))
        most.append(room / (b - a) if n == 1 else n * (room - OVERLAP) / (b - a))
    scale = max(scale, min(most))
    cols = _cuts(x0, x1, scale, room_w)
    rows = _cuts(y0, y1, scale, room_h)
    parts = []
    for r, (top_y, bottom_y) in enumerate(rows):
        for c, (left_x, right_x) in enumerate(cols):
            wide = (right_x - left_x) * scale
            left = page.margin + ((room_w - wide) / 2 if len(cols) == 1 else 0.0)
            parts.append(Part(index, len(parts) + 1, len(rows) * len(cols), r + 1, c + 1, len(rows), len(cols),
                              (left_x, top_y, right_x, bottom_y), scale, fit, (left, top)))
    return parts


def part_caption(picture: Picture, part: Part, page) -> str:
    """What the page says about the picture: for a sheet fitted by layout,
    its text sizes and how the model was cut; for a picture drawn as it is,
    its scale and, for a part, which part it is and why it is cut; then
    the picture's key, if any."""
    text = _part_caption(picture, part, page)
    if not picture.key:
        return text
    return f"{text}{picture.key}" if japanese() else f"{text} {picture.key}"   # no space after a Japanese 。


def _part_caption(picture: Picture, part: Part, page) -> str:
    text = (f"{picture.min_text * part.scale:.0f}" if picture.min_text == picture.max_text else
            f"{picture.min_text * part.scale:.0f}-{picture.max_text * part.scale:.0f}")
    if japanese():
        return _part_caption_ja(picture, part, page, text)
    if picture.sheet is not None and part.scale == 1.0:
        if picture.caption is not None:
            return f"{picture.caption} Text {text} pt."
        number, count, split = picture.sheet
        out = f"Laid out for this page: text {text} pt."
        if count > 1:
            # every way of cutting, as the summary line says it (a model cut in blocks read "the model
            # cut . A relation ...": this list had two of the three)
            from ..renderer.pages import HOW_CUT

            how = f", the model {HOW_CUT[split]}" if split in HOW_CUT else ""
            out = (f"Page {number} of {count}, laid out for this page (text {text} pt){how}. "
                   f"A relation to another page ends in a marker that names the other end and the page "
                   f"of this report it is on.")
        return out
    if part.parts == 1:
        return f"Drawn at {part.scale:.0%} of its natural size: text {text} pt."
    where = ", ".join(w for w in ((f"row {part.row} of {part.rows}" if part.rows > 1 else ""),
                                  (f"column {part.column} of {part.columns}" if part.columns > 1 else "")) if w)
    return (f"Part {part.number} of {part.parts} ({where}). Fitted to one page its smallest text would be "
            f"{picture.min_text * part.fit:.1f} pt, below the {page.min_text:g} pt minimum, so it is drawn at "
            f"{part.scale:.0%} (text {text} pt) over {part.parts} pages that overlap by "
            f"{OVERLAP / 72 * 25.4:.0f} mm: lay them side by side to see it whole.")


def _part_caption_ja(picture: Picture, part: Part, page, text: str) -> str:
    """`_part_caption` in Japanese (prep report --language ja)."""
    if picture.sheet is not None and part.scale == 1.0:
        if picture.caption is not None:
            return f"{picture.caption}文字 {text} pt。"   # after its 。: no space, as Japanese is written
        number, count, split = picture.sheet
        if count <= 1:   # as a page of several says it: "...、このページに合わせて配置 (文字 7-9 pt)、..."
            return f"このページに合わせて配置 (文字 {text} pt)。"
        from ..renderer.pages import HOW_CUT

        how = f"、モデルは{say(HOW_CUT[split])}" if split in HOW_CUT else ""
        return (f"{count} ページ中の {number} ページ目、このページに合わせて配置 (文字 {text} pt){how}。"
                "別のページへの関係は、相手の成果物とこのレポートのページを示す札で終わります。")
    if part.parts == 1:
        return f"元の大きさの {part.scale:.0%} で描画: 文字 {text} pt。"
    where = "、".join(w for w in ((f"{part.rows} 行中 {part.row} 行目" if part.rows > 1 else ""),
                                 (f"{part.columns} 列中 {part.column} 列目" if part.columns > 1 else "")) if w)
    return (f"{part.parts} 分割中の {part.number} 番目 ({where})。1 ページに収めると最小の文字が "
            f"{picture.min_text * part.fit:.1f} pt となり、最小の {page.min_text:g} pt を下回るため、"
            f"{part.scale:.0%} (文字 {text} pt) で {part.parts} ページに分け、{OVERLAP / 72 * 25.4:.0f} mm "
            "ずつ重ねて描きます。並べると全体が見えます。")


def font_file() -> str:
    from ..renderer.webfont import font_path

    path = font_path()
    if path is None:
        raise PrepError.at("prep", "the PDF report needs prep's font, Noto Sans CJK JP, which is not installed",
                           name="missing-extra", hint="pip install noto-cjk-sans-jp-regular (prep depends on it)")
    return str(path)


@dataclass(frozen=True)
class Table:
    """One table of the report: its heading, an explanation (or None), the
    column names, relative column widths and rows of text."""
    heading: str
    intro: str | None
    columns: tuple[str, ...]
    widths: tuple[float, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str = "None."
    # a cell's fill (RGB hex, "#b7e1b0"), per row and cell, or None; the
    # header row's; and whether the last row is a total row (set off as
    # the header row is). The Health table fills a colour's cell with it,
    # its text naming the colour (never colour alone)
    fills: tuple[tuple[str | None, ...], ...] = ()
    header_fills: tuple[str | None, ...] = ()
    total: bool = False

    def fill(self, row: int, column: int) -> str | None:
        """The fill of body row `row`'s cell `column` (-1: the header row)."""
        cells = self.header_fills if row < 0 else self.fills[row] if row < len(self.fills) else ()
        return cells[column] if column < len(cells) else None


CELL_PAD_X = 3.0   # pt: a table cell's text to its left and right borders
# where a cell's text may break: at a space, after a path separator, between
# two CJK characters (fpdf2 breaks only at spaces, else inside any word: a
# file column read "/tmp/ws/delive" / "ry.prep"); never at a no-break space
# (U+00A0), which keeps a threshold ">= 80%" whole
_PIECE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|(?:(?!\s)[^/\\\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|\xa0)*[/\\]+|"
                    r"(?:(?!\s)[^/\\\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|\xa0)+|[^\S\xa0]+")


_WORD = re.compile(r"(?:(?!\s)[^/\\]|\xa0)*[/\\]+|(?:(?!\s)[^/\\]|\xa0)+|[^\S\xa0]+")


def _pieces(line: str) -> list[str]:
    """A line's unbreakable pieces, in order (the spaces between them too)."""
    return _PIECE.findall(line)


def _words(line: str) -> list[str]:
    """A line's pieces as `wrap_cell` breaks it: at spaces and after path
    separators; a run of CJK text stays whole (moved to the next line as
    a word is, as fpdf2 does; fpdf2 breaks it only when it is wider than
    the column)."""
    return _WORD.findall(line)


# a line of Japanese does not begin with closing punctuation nor end with opening
# punctuation (kinsoku): such a mark stays with the character it belongs to
_CLOSING = set("、。，．・：；？！）」』】〕〉》｝ー々ぁぃぅぇぉっゃゅょァィゥェォッャュョ:;,.)?!")
_OPENING = set("（「『【〔〈《｛(")


def _breakable(line: str) -> list[str]:
    """A line's pieces as `wrap_cell` breaks it: at spaces and after path
    separators; inside a run of Japanese only when it is a sentence (a
    finding's message in Japanese is one long run: kept whole, it went to
    the next line after "ヒント:"), never before closing or after opening
    punctuation. A short run (a label's 引合・見積) stays whole, as a word."""
    words = _words(line)
    if not any(len(w) > _SENTENCE and _CJK.search(w) for w in words):
        return words
    out: list[str] = []
    for word in words:
        if len(word) <= _SENTENCE or not _CJK.search(word):
            out.append(word)
            continue
        for piece in _pieces(word):
            if out and not out[-1].isspace() and (piece[0] in _CLOSING or out[-1][-1] in _OPENING):
                out[-1] += piece
            else:
                out.append(piece)
    return out


_SENTENCE = 12   # characters: a longer run of Japanese is a sentence, broken where a line ends
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def column_widths(measure, table: "Table", width: float) -> list[float]:
    """The table's columns in pt: shares of `width` as `table.widths` asks,
    except that a column gets at least the width of its widest unbreakable
    piece (a file name, an English word; see `_pieces`), taken from the
    columns with room to spare, so nothing is cut inside a word. When the
    pieces together are wider than the page, their widths are the shares."""
    total = sum(table.widths)
    share = [width * w / total for w in table.widths]
    need = [0.0] * len(share)
    for row in (table.columns, *table.rows):
        for c, text in enumerate(row):
            for line in text.split("\n"):
                for piece in _pieces(line):
                    if not piece.isspace():
                        need[c] = max(need[c], measure(piece) + 2 * CELL_PAD_X + 0.5)
    if all(s >= n for s, n in zip(share, need)):
        return share
    if sum(need) > width:
        return [width * n / sum(need) for n in need]
    fixed: dict[int, float] = {}
    while True:   # the columns below their need get it; the rest share what is left
        free = [c for c in range(len(share)) if c not in fixed]
        left = width - sum(fixed.values())
        weight = sum(table.widths[c] for c in free)
        out = {c: left * table.widths[c] / weight for c in free}
        short = [c for c in free if out[c] < need[c]]
        if not short:
            out.update(fixed)
            return [out[c] for c in range(len(share))]
        for c in short:
            fixed[c] = need[c]


def wrap_cell(measure, text: str, room: float) -> str:
    """`text` with its lines wider than `room` broken where `_words` allows
    (a space is dropped at a break, a path separator stays at the end of
    its line); a word wider than `room` alone is left to fpdf2."""
    out = []
    for line in text.split("\n"):
        if measure(line) <= room:
            out.append(line)
            continue
        current = ""
        for piece in _breakable(line):
            if piece.isspace():
                if current:
                    current += piece
                continue
            if current and measure(current + piece) > room:
                out.append(current.rstrip())
                current = piece
            else:
                current += piece
        out.append(current.rstrip())
    return "\n".join(out)


_SVG_SIZE = re.compile(rb'<svg\b[^>]*?\swidth="([0-9.]+)pt"[^>]*?\sheight="([0-9.]+)pt"')
_FONT_SIZE = re.compile(rb'font-size="([0-9.]+)"')
# what fpdf2 does not draw and would warn about: titles (tooltips), comments
_NOT_DRAWN = re.compile(rb"<title>.*?</title>|<!--.*?-->", re.S)


def picture_of(title: str, svg: bytes, *, sheet: tuple[int, int, str] | None = None, room=None,
               caption: str | None = None, key: str | None = None) -> Picture:
    """A Picture from prep's SVG (Graphviz's, sizes in pt); a `sheet` laid
    out for the page `room` is cropped to the page's inner area (exactly:
    the SVG's size is rounded to whole points)."""
    m = _SVG_SIZE.search(svg)
    if m is None:
        raise ValueError("not an SVG drawn by Graphviz (no width and height in pt)")
    sizes = [float(x) for x in _FONT_SIZE.findall(svg)] or [14.0]
    w, h = float(m.group(1)), float(m.group(2))
    crop = ((room.margin, room.margin, room.margin + room.inner_width, room.margin + room.inner_height)
            if sheet is not None else (0.0, 0.0, w, h))
    return Picture(title, _NOT_DRAWN.sub(b"", svg), w, h, min(sizes), max(sizes), crop, sheet, caption, key)


def _small(page) -> float:
    return max(page.min_text, BODY_SIZE - 1.5)


def _footer_room(page) -> float:
    return page.margin * 0.2 + page.min_text


def band_height(page) -> float:
    """The band at the top of a picture page: a title line and CAPTION_LINES
    lines of caption."""
    return TITLE_SIZE * 1.3 + CAPTION_LINES * _small(page) * 1.35 + 6


def _picture_space(page) -> tuple[float, float]:
    """(top, height) of the space a picture page leaves for its picture."""
    top = page.margin + band_height(page)
    return top, page.height - page.margin - _footer_room(page) - top


def pages_needed(picture: Picture, page) -> int:
    """How many pages `picture` takes, drawn as it is (cut into parts when
    it would need text below the page's minimum)."""
    top, room_h = _picture_space(page)
    return len(plan_parts(0, picture, page, top, page.inner_width, room_h))


def picture_room(page):
    """The page a picture is laid out for (`prep.layouter.fit`): the report
    page less the band above the picture and the footer below it (same
    width and margins)."""
    from dataclasses import replace

    return replace(page, height=page.height - band_height(page) - _footer_room(page))


def report_pdf(pictures: list[Picture], tables: list[Table], page, *, title: str, summary: list[str]) -> bytes:
    """The report as PDF bytes on `page` (a prep.layouter.page.Page): the
    pictures, then the tables."""
    import logging

    # fpdf2 logs what it skips (an SVG element it does not draw, a glyph the
    # font lacks, drawn as a box as in every other format): not the user's
    # business on the terminal
    log = logging.getLogger("fpdf")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        return _report_pdf(pictures, tables, page, title=title, summary=summary)
    finally:
        log.setLevel(level)


def _report_pdf(pictures: list[Picture], tables: list[Table], page, *, title: str, summary: list[str]) -> bytes:
    import datetime

    from fpdf import FPDF
    from fpdf.enums import TableBordersLayout, XPos, YPos
    from fpdf.fonts import FontFace

    from .._version import __version__

    body = max(BODY_SIZE, page.min_text)
    small = _small(page)
    m = page.margin

    class Document(FPDF):
        def footer(self):
            self.set_y(-m * 0.8)
            self.set_font(FONT_FAMILY, size=page.min_text)
            self.set_text_color(*GREY)
            number = f" · {self.page_no()} / {{nb}}"
            room = self.epw - self.get_string_width(f" · {self.page_no()} / 9999")
            self.cell(0, page.min_text, one_line(self, title, room) + number, align="R")
            self.set_text_color(0)

    pdf = Document(orientation="P", unit="pt", format=(page.width, page.height))
    pdf.set_creation_date(datetime.datetime(*FIXED_DATE, tzinfo=datetime.timezone.utc))
    pdf.set_title(title)
    pdf.set_creator(f"prep {__version__}")
    pdf.set_margins(m, m, m)
    pdf.set_auto_page_break(True, margin=m)
    # under the family name prep's SVG asks for first, so the pictures'
    # text is drawn with it too
    pdf.add_font(FONT_FAMILY, "", font_file())
    pdf.alias_nb_pages()

    def heading(text: str, size: float = HEADING_SIZE) -> None:
        pdf.set_font(FONT_FAMILY, size=size)
        pdf.multi_cell(0, size * 1.3, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT_FAMILY, size=body)

    def line(text: str, size: float) -> None:
        pdf.set_font(FONT_FAMILY, size=size)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(0, size * 1.35, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0)

    # every picture page: a band of fixed height (title, caption), then the
    # picture, whose room is what picture_room() gave the layout
    top, room_h = _picture_space(page)
    for index, picture in enumerate(pictures):
        for part in plan_parts(index, picture, page, top, page.inner_width, room_h):
            pdf.add_page()
            caption = part_caption(picture, part, page)
            if pdf.page_no() == 1:
                # one line, as the band above the picture has room for: smaller, else cut short
                pdf.set_font(FONT_FAMILY, size=TITLE_SIZE)
                pdf.set_font(FONT_FAMILY, size=max(HEADING_SIZE, min(TITLE_SIZE, TITLE_SIZE * pdf.epw / max(
                    1.0, pdf.get_string_width(title)))))
                pdf.cell(0, TITLE_SIZE * 1.3, one_line(pdf, title, pdf.epw), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                line(" · ".join(summary), small)
                line(f"{picture.title}：{caption}" if japanese() else f"{picture.title}. {caption}", small)
            else:
                pdf.set_font(FONT_FAMILY, size=HEADING_SIZE)
                pdf.cell(0, TITLE_SIZE * 1.3, one_line(pdf, picture.title, pdf.epw), new_x=XPos.LMARGIN,
                         new_y=YPos.NEXT)
                line(caption, small)
            draw_part(pdf, picture, part)

    pdf.add_page()  # the tables start on a page of their own
    bottom = page.height - m   # where fpdf2 breaks the page
    line_height = body * 1.35
    for table in tables:
        pdf.set_font(FONT_FAMILY, size=body)
        if table.rows:
            widths = column_widths(pdf.get_string_width, table, pdf.epw)
            inner = [w - 2 * CELL_PAD_X for w in widths]
            if min(inner) < body * 1.2:   # not one character wide: fpdf2 stops with an error
                raise _too_small(page, f"too narrow for the report's {table.heading} table", body)
            header = row_lines(pdf, list(table.columns), inner, line_height)
            header_height = _row_height(header, line_height)
            most = _lines_per_page(header_height, line_height, page)
            rows = [[wrap_cell(pdf.get_string_width, text, room) for text, room in zip(row, inner)]
                    for row in table.rows]
            lines = [row_lines(pdf, row, inner, line_height) for row in rows]
            tall = max(max(map(len, lines[0])), 1)   # the first row: whole, or its first lines when it splits
            first = (tall if tall <= most else 3) * line_height + 2 * CELL_PADDING_Y
            start = header_height + first
        else:
            start = body * 1.4
        # the heading and its explanation stay with the header row and the first lines below it
        lead = _text_height(pdf, table.heading, HEADING_SIZE, 1.3) + start + (
            _text_height(pdf, table.intro, small, 1.35) if table.intro else 0.0)
        if pdf.get_y() + lead > bottom:
            pdf.add_page()
        heading(table.heading)
        if table.intro:
            line(table.intro, small)
        pdf.set_font(FONT_FAMILY, size=body)
        if not table.rows:
            pdf.multi_cell(0, body * 1.4, table.empty, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            y = pdf.get_y() + header_height
            with pdf.table(col_widths=widths, width=pdf.epw, repeat_headings=1,
                           headings_style=FontFace(fill_color=HEADER_FILL), line_height=line_height,
                           text_align="LEFT", padding=(CELL_PADDING_Y, CELL_PAD_X),
                           borders_layout=TableBordersLayout.ALL, first_row_as_headings=True) as t:
                _styled_row(t, table.columns, [table.fill(-1, c) for c in range(len(table.columns))], None)
                for i, (row, its_lines) in enumerate(zip(rows, lines)):
                    pieces, y = split_row(row, its_lines, line_height, most, room=bottom - y, y=y,
                                          top=m + header_height)
                    total = table.total and i == len(rows) - 1
                    for piece in pieces:
                        _styled_row(t, piece, [table.fill(i, c) for c in range(len(piece))],
                                    HEADER_FILL if total else None)
        pdf.ln(body)

    pdf.set_font(FONT_FAMILY, size=small)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, small * 1.4, generated_by(__version__), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def _styled_row(table, cells, fills: list[str | None], row_fill: tuple[int, int, int] | None) -> None:
    """One row of an fpdf2 table: each cell filled with its colour (`fills`,
    RGB hex or None), else with `row_fill` (a total row), else as the table is."""
    from fpdf.fonts import FontFace

    row = table.row(style=FontFace(fill_color=row_fill) if row_fill is not None else None)
    for text, fill in zip(cells, fills):
        row.cell(text, style=FontFace(fill_color=_rgb(fill)) if fill is not None else None)


def one_line(pdf, text: str, room: float) -> str:
    """`text` as it fits one line `room` points wide in the current font:
    whole, else cut short with an ellipsis (a title of 200 characters ran
    off the page's edge, in the footer and above the first picture)."""
    if pdf.get_string_width(text) <= room:
        return text
    cut = len(text)
    while cut > 1 and pdf.get_string_width(text[:cut].rstrip() + "…") > room:
        cut -= 1
    return text[:cut].rstrip() + "…"


CONTINUED = "(cont.)"
CELL_PADDING_Y = 2.0   # pt: a table cell's text to its top and bottom borders


def _text_height(pdf, text: str, size: float, spacing: float) -> float:
    """The height of a paragraph of `text` across the page at `size`."""
    pdf.set_font(FONT_FAMILY, size=size)
    return len(pdf.multi_cell(0, size * spacing, text, dry_run=True, output="LINES")) * size * spacing


def row_lines(pdf, cells: list[str], inner: list[float], line_height: float) -> list[list[str]]:
    """Each cell's text as the lines fpdf2 draws it in, in a cell of the
    width `inner` gives it."""
    # as fpdf2's table calls it: the column's width, the padding inside it
    return [pdf.multi_cell(room + 2 * CELL_PAD_X, line_height, text, dry_run=True, output="LINES",
                           padding=(CELL_PADDING_Y, CELL_PAD_X)) if text else []
            for text, room in zip(cells, inner)]


def _row_height(lines: list[list[str]], line_height: float) -> float:
    return max(max(map(len, lines)), 1) * line_height + 2 * CELL_PADDING_Y


def _lines_per_page(header_height: float, line_height: float, page) -> int:
    """How many lines of text a table row may have to fit on a page of its
    own below the repeated header row (fpdf2 cannot split a row)."""
    room = page.height - 2 * page.margin - header_height - 2 * CELL_PADDING_Y - 2   # 2: for rounding
    most = int(room // line_height)
    if most < 2:
        raise _too_small(page, "too small for the report's tables: a row of two lines does not fit under "
                         "the header row", line_height / 1.35)
    return most


def _too_small(page, why: str, text: float) -> PrepError:
    """The error for a page the tables cannot be set on (fpdf2 stopped with
    an internal error): what is too small, and what to change."""
    large_text = text > BODY_SIZE
    return PrepError.at("--page", f"the page ({page.width:.0f} x {page.height:.0f} pt) is {why}"
                        + (f" at {text:g} pt text (--min-text)" if large_text else ""), name="usage-error",
                        hint="choose a larger --page (A4, A3, or WxH such as 210x297mm)"
                        + (", or a smaller --min-text" if large_text else ""))


def split_row(cells: list[str], lines: list[list[str]], line_height: float, most: int, *, room: float, y: float,
              top: float) -> tuple[list[list[str]], float]:
    """One table row (its cells, and their lines as fpdf2 draws them) as
    the rows fpdf2 draws, and where the next row starts (`y`, page points;
    `room` is what is left of the page below `y`, `top` where a row starts
    on the next page). A row that
    fits is one row, on this page or the next; a row taller than a page
    (a deliverable's note of a thousand characters: fpdf2 stopped the
    report with an error) fills the rest of this page and goes on over rows
    of a page each, their first cell saying so when it has nothing else."""
    tall = max(map(len, lines))
    height = max(tall, 1) * line_height + 2 * CELL_PADDING_Y
    if height <= room:
        return [cells], y + height
    if tall <= most:
        return [cells], top + height
    first = int((room - 2 * CELL_PADDING_Y - 2) // line_height)
    cuts = [0] + ([first] if first >= 3 else [])   # a sliver of two lines at a page's foot: not worth it
    while cuts[-1] + most < tall:
        cuts.append(cuts[-1] + most)
    pieces = []
    for k, start in enumerate(cuts):
        end = cuts[k + 1] if k + 1 < len(cuts) else tall
        piece = ["\n".join(cell[start:end]) for cell in lines]
        if start and not piece[0]:
            piece[0] = say(CONTINUED)
        pieces.append(piece)
    last = max(len(cell[cuts[-1]:]) for cell in lines)
    return pieces, top + last * line_height + 2 * CELL_PADDING_Y


def draw_part(pdf, picture: Picture, part: Part) -> None:
    """The part's window of the picture, as vector paths and text, at its
    place on the current page (the rest of the picture clipped away)."""
    x0, y0, x1, y1 = part.window
    left, top = part.at
    s = part.scale
    with pdf.rect_clip(left, top, (x1 - x0) * s, (y1 - y0) * s):
        pdf.image(io.BytesIO(picture.svg), x=left - x0 * s, y=top - y0 * s, w=picture.width * s,
                  h=picture.height * s)
