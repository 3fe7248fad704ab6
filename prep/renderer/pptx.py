"""Model to PowerPoint slides of native, editable shapes (python-pptx), made
to go into a client's deck without rework.

The layout stage places the model; Graphviz reads the placed DOT back as
json0 (with every style); every box, frame, route and text is then placed
as a PowerPoint shape at those coordinates, so a consultant can move a box,
retype a label or restyle an arrow in PowerPoint:

- deliverables: rectangles, solid border; knowhow: dashed border; final:
  thick border; fills from the theme (or health colours with findings);
- relations: freeform lines along the laid-out route (below), an arrowhead
  at the result; synchronization dashed, mutual dashed with two heads;
  each named "A -> B"; notes as small text boxes where the layout put them;
- groups and stage columns: frames behind their boxes, label where the
  layout put it;
- the legend: its sample boxes, sample lines and texts as native shapes at
  the layout's places, each text box as wide as its text (no wrapping);
- text is real text: the lines the layout measured, never re-wrapped by
  the office suite (wrap="none"), in the font the layout measured with;
- no theme effects: every shape states an empty effect list, so neither
  PowerPoint nor LibreOffice adds the theme's shadow;
- the font travels with the deck: the glyphs used, embedded as PowerPoint
  does (pptx_font.py), and an East Asian typeface for text the consultant
  adds later (`east_asian_font` of the theme, docs/embedding.md);
- the slide: the page the layout was made for (the placed DOT's
  `prep_page="w,h"` in points, its `bb` that page, margins included: the
  slide is exactly that size, drawn at scale 1), else sized to the diagram
  (PowerPoint allows 1 to 56 inches a side; a larger diagram is scaled
  down to fit).

Why freeform lines and not connectors. A connector glued to two boxes
follows a moved box, but the office suite decides its path: PowerPoint
keeps the stored geometry only until a box moves, and LibreOffice
re-routes every glued connector when it opens the file (straight through
whatever lies between, labels included; an elbow connector takes
LibreOffice's own elbows, not ours). The layout has routed each relation
around the boxes and labels; a freeform (custGeom: moveTo, cubicBezTo for
Graphviz's Bézier pieces, a last straight piece to the arrow's tip) draws
exactly that route in both applications. The price is that moving a box
leaves its lines where they were; the lines are named after their ends so
they are easy to find and redraw.
"""

from __future__ import annotations

import io
import re
import warnings

from ..language.model import Model
from ..layouter.fonts import FONT_FAMILY
from ..layouter.texts import box_label
from .dot import THEMES, Theme

EMU_PER_POINT = 12700
MARGIN_PT = 18.0
MAX_SIDE_PT = 56 * 72.0  # PowerPoint's largest slide side
MIN_SIDE_PT = 72.0

_NAMED = {"white": "FFFFFF", "black": "000000", "gray": "808080", "grey": "808080", "red": "FF0000"}
_NODE = re.compile(r"n(\d+)")
_CJK = re.compile(r"[\u3000-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _hex(value: str | None, default: str = "000000") -> str:
    v = (value or "").strip().lower()
    if v.startswith("#") and len(v) in (4, 7, 9):
        h = v[1:7] if len(v) != 4 else "".join(c * 2 for c in v[1:])
        if re.fullmatch(r"[0-9a-f]{6}", h):
            return h.upper()
    return _NAMED.get(v, default)


def _rgb(value: str | None, default: str = "000000"):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(_hex(value, default))


def _unescape_dot_label(text: str) -> str:
    """A Graphviz escString as shown (only what prep's DOT writer produces)."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt in "nlr" else nxt)
            i += 2
        else:
            out.append(ch)
            i += 1
    # every '&' was written as '&amp;' (Graphviz decodes entities in every label): a
    # stage's "Order & Receipt" showed as "Order &amp; Receipt" on the slides
    return "".join(out).replace("&amp;", "&")


_HTML_LABEL = re.compile(r"<(?:S|s)>.*</(?:S|s)>", re.S)
_HTML_TABLE = re.compile(r"<TABLE[^>]*>.*</TABLE>", re.S | re.I)


def _label(obj: dict, default: str = "") -> tuple[str, bool]:
    """(text, struck through) of a node's label: a plain escString, or the
    HTML-like label prep writes for struck-through text (the diff's removed
    boxes: <S>line</S>, or a table of such lines, a row each)."""
    import html

    raw = obj.get("label", default)
    if _HTML_LABEL.fullmatch(raw.strip()):
        text = re.sub(r"<BR\s*/?>", "\n", raw, flags=re.I)
        return html.unescape(re.sub(r"<[^>]*>", "", text)), True
    if _HTML_TABLE.fullmatch(raw.strip()):   # its lines as rows (prep.renderer.diff._strike)
        lines = re.findall(r"<TD[^>]*>(.*?)</TD>", raw, flags=re.S | re.I)
        return "\n".join(html.unescape(re.sub(r"<[^>]*>", "", line)) for line in lines), "<S>" in raw.upper()
    return _unescape_dot_label(raw), False


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",")]


_GRAPH_LINE = re.compile(r"^\s*graph \[(.*)\];$", re.M)


def _graph_attr(dot: str, name: str) -> str | None:
    """A graph attribute as prep's DOT writer puts it (the first `graph [...]` line)."""
    line = _GRAPH_LINE.search(dot)
    m = re.search(rf'(?:^|[ ,]){name}="([^"]*)"', line.group(1)) if line else None
    return m.group(1) if m else None


def _page(dot: str) -> tuple[list[float], tuple[float, float]] | None:
    """(bb, page size in points) when the layout was made for a page: the
    DOT's `prep_page` and its `bb` (which is the page; Graphviz's json0
    gives the drawing's own bounds instead, so it is read from the DOT)."""
    try:
        w, h = _floats(_graph_attr(dot, "prep_page") or "")
        bb = _floats(_graph_attr(dot, "bb") or "")
    except ValueError:
        return None
    if len(bb) != 4 or not (w > 0 and h > 0):
        return None
    return bb, (w, h)


class _Placer:
    """Graphviz points (origin bottom-left) to slide EMU (origin top-left).
    With a page: the slide is the page, the drawing at scale 1 and no margin
    of its own (the layout's bb is the page, margins included). A drawing
    that reaches past its page (`drawn`: Graphviz's bounds of what it drew)
    is shrunk to fit rather than cut off at the slide's edge."""

    def __init__(self, bb: list[float], page: tuple[float, float] | None = None,
                 drawn: list[float] | None = None):
        self.x0, self.y0, x1, y1 = bb
        width, height = x1 - self.x0, y1 - self.y0
        self.top = y1
        if page is not None:
            pw, ph = (min(max(side, MIN_SIDE_PT), MAX_SIDE_PT) for side in page)
            if drawn is not None and (drawn[0] < self.x0 or drawn[1] < self.y0 or drawn[2] > x1 or drawn[3] > y1):
                # the page and whatever lies outside it (Graphviz rounds its bounds: half a point more)
                self.x0, self.y0 = min(self.x0, drawn[0]) - 0.25, min(self.y0, drawn[1]) - 0.25
                self.top = max(y1, drawn[3]) + 0.25
                x1 = max(x1, drawn[2]) + 0.25
                width, height = x1 - self.x0, self.top - self.y0
            self.scale = min(1.0, pw / max(width, 1.0), ph / max(height, 1.0))
            self.margin = 0.0
            self.width_pt, self.height_pt = pw, ph
            return
        self.margin = MARGIN_PT
        self.scale = min(1.0, (MAX_SIDE_PT - 2 * MARGIN_PT) / max(width, height, 1.0))
        self.width_pt = max(MIN_SIDE_PT, width * self.scale + 2 * MARGIN_PT)
        self.height_pt = max(MIN_SIDE_PT, height * self.scale + 2 * MARGIN_PT)

    def x(self, x: float) -> int:
        return round((self.margin + (x - self.x0) * self.scale) * EMU_PER_POINT)

    def y(self, y: float) -> int:
        return round((self.margin + (self.top - y) * self.scale) * EMU_PER_POINT)

    def length(self, pt: float) -> int:
        return round(pt * self.scale * EMU_PER_POINT)

    def font(self, size_pt: float) -> float:
        return max(1.0, round(size_pt * self.scale * 2) / 2)

    def inside(self, left: int, top: int, width: int, height: int) -> tuple[int, int]:
        """(left, top) moved so that a width x height rectangle lies on the slide."""
        w, h = round(self.width_pt * EMU_PER_POINT), round(self.height_pt * EMU_PER_POINT)
        return max(0, min(left, w - width)), max(0, min(top, h - height))


def _no_effects(shape) -> None:
    """An explicit empty effect list (no theme shadow, glow, ...), and the
    shape style's effect reference pointed at none."""
    from pptx.oxml.ns import qn

    shape.shadow.inherit = False  # writes <a:effectLst/> in spPr, in schema order
    style = shape._element.find(qn("p:style"))
    if style is not None:
        ref = style.find(qn("a:effectRef"))
        if ref is not None:
            ref.set("idx", "0")


class _Deck:
    """One .pptx being drawn: the presentation, its placer and theme, and
    every text written (the characters the embedded font must hold)."""

    def __init__(self, prs, place: _Placer, theme: Theme):
        self.prs, self.place, self.theme = prs, place, theme
        self.texts: list[str] = []

    def set_text(self, frame, text: str, *, size: float, colour, bold: bool = False, align=None,
                 anchor=None, insets: tuple[int, int, int, int] = (0, 0, 0, 0), strike: bool = False) -> None:
        """`text` (lines as the layout measured them: never re-wrapped) in
        the theme font, Latin and East Asian alike."""
        from pptx.enum.text import MSO_AUTO_SIZE
        from pptx.oxml.ns import qn
        from pptx.util import Pt

        from .pptx_font import CHARSET, PITCH_FAMILY

        self.texts.append(text)
        frame.word_wrap = False
        frame.auto_size = MSO_AUTO_SIZE.NONE
        frame.margin_left, frame.margin_top, frame.margin_right, frame.margin_bottom = (max(0, v) for v in insets)
        if anchor is not None:
            frame.vertical_anchor = anchor
        frame.text = text  # one paragraph per line
        font = self.theme.font
        for paragraph in frame.paragraphs:
            if align is not None:
                paragraph.alignment = align
            for run in paragraph.runs:
                run.font.size = Pt(size)
                run.font.bold = bold
                run.font.color.rgb = colour
                rpr = run._r.get_or_add_rPr()
                if strike:  # the diff's removed boxes
                    rpr.set("strike", "sngStrike")
                if _CJK.search(run.text):
                    rpr.set("lang", "ja-JP")
                    rpr.set("altLang", "en-US")
                # the same face for Latin and East Asian text: the one the layout measured, embedded
                # in the deck; the hints let an office suite without it choose a Japanese sans serif
                for tag in ("a:latin", "a:ea"):
                    el = rpr.find(qn(tag))
                    if el is None:
                        el = rpr.makeelement(qn(tag), {})
                        rpr.append(el)
                    el.set("typeface", font)
                    el.set("pitchFamily", PITCH_FAMILY)
                    el.set("charset", CHARSET)

    def text_box(self, shapes, name: str, text: str, *, cx: float, cy: float, size: float, colour,
                 bold: bool = False, align=None, left: float | None = None, shape=None):
        """A text box for `text` centred on (cx, cy) in layout points (or
        starting at `left`), as wide and tall as its text, on the slide.
        `shape`: a placeholder to put it in instead (the slide's title)."""
        from pptx.enum.text import PP_ALIGN

        from .pptx_font import LINE_HEIGHT, script_changes, text_width

        place = self.place
        # bold is drawn by emboldening the regular face (there is no bold one), a little wider
        # and LibreOffice spaces East Asian from Latin letters by about a quarter em
        w = text_width(text, size) * (1.06 if bold else 1.0) + 0.25 * size * script_changes(text) + 2.0
        h = (text.count("\n") + 1) * size * LINE_HEIGHT
        x0 = cx - w / 2 if left is None else left
        width, height = place.length(w), place.length(h)
        at = place.inside(place.x(x0), place.y(cy + h / 2), width, height)
        if shape is None:
            tb = shapes.add_textbox(at[0], at[1], width, height)
        else:   # as wide as the slide allows: LibreOffice wraps a title placeholder's text regardless
            tb = shape  # of wrap="none", and a substituted font's wider text took a second line
            wide = max(width, self.prs.slide_width - 2 * at[0])
            tb.left, tb.top, tb.width, tb.height = at[0], at[1], wide, height
        tb.name = name
        _no_effects(tb)
        from pptx.enum.text import MSO_ANCHOR

        # a placeholder's own anchor (the title's: middle) is the layout's; a text box's is the top
        self.set_text(tb.text_frame, text, size=place.font(size), colour=colour, bold=bold,
                      align=align if align is not None else PP_ALIGN.CENTER,
                      anchor=MSO_ANCHOR.TOP if shape is not None else None)
        return tb


def _line(parent, *, colour: str, width_pt: float, dashed: bool | str, head: bool, tail: bool,
          invisible: bool = False):
    """An a:ln: solid fill, dash, round joins, arrowheads (DrawingML's
    headEnd is at the path's start, tailEnd at its end). `dashed`: True
    (dashes), "dotted" (a diff's removed relation) or False."""
    from pptx.oxml.ns import qn

    ln = parent.makeelement(qn("a:ln"), {"w": str(round(width_pt * EMU_PER_POINT)), "cap": "flat"})
    if invisible:
        ln.append(ln.makeelement(qn("a:noFill"), {}))
    else:
        fill = ln.makeelement(qn("a:solidFill"), {})
        fill.append(fill.makeelement(qn("a:srgbClr"), {"val": colour}))
        ln.append(fill)
    ln.append(ln.makeelement(qn("a:prstDash"), {"val": "sysDot" if dashed == "dotted" else "dash" if dashed
                                                   else "solid"}))
    ln.append(ln.makeelement(qn("a:round"), {}))
    for tag, on in (("a:headEnd", head), ("a:tailEnd", tail)):
        ln.append(ln.makeelement(qn(tag), {"type": "triangle", "w": "med", "len": "med"} if on else {"type": "none"}))
    return ln


def parse_route(pos: str) -> tuple[tuple[float, float] | None, tuple[float, float] | None, list[tuple[float, float]]]:
    """A Graphviz edge `pos`: (start tip, end tip, Bézier points), in layout points."""
    start = end = None
    points = []
    for token in pos.replace("\\\n", "").split():
        if token.startswith("s,"):
            start = tuple(_floats(token[2:]))
        elif token.startswith("e,"):
            end = tuple(_floats(token[2:]))
        else:
            points.append(tuple(_floats(token)))
    return start, end, points


def _add_route(deck: _Deck, shapes, name: str, pos: str, *, colour: str, width_pt: float, dashed: bool | str,
               head: bool, tail: bool, invisible: bool = False):
    """A freeform line along the route `pos` (a Graphviz edge pos): the
    Bézier pieces as cubicBezTo, then a straight piece to each arrow's tip,
    where the line's end is drawn as an arrowhead."""
    from pptx.oxml import parse_xml
    from pptx.oxml.ns import nsdecls, qn

    place = deck.place
    start, end, points = parse_route(pos)
    if len(points) < 4 or (len(points) - 1) % 3:
        return None
    pts = [(place.x(x), place.y(y)) for x, y in points]
    first = [(place.x(start[0]), place.y(start[1]))] if start else []
    last = [(place.x(end[0]), place.y(end[1]))] if end else []
    every = first + pts + last
    left, top = min(p[0] for p in every), min(p[1] for p in every)
    w = max(1, max(p[0] for p in every) - left)
    h = max(1, max(p[1] for p in every) - top)
    sp = parse_xml(
        f"<p:sp {nsdecls('p', 'a')}><p:nvSpPr><p:cNvPr id=\"0\" name=\"\"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr>"
        f"<p:spPr><a:xfrm><a:off x=\"{left}\" y=\"{top}\"/><a:ext cx=\"{w}\" cy=\"{h}\"/></a:xfrm>"
        f"<a:custGeom><a:avLst/><a:gdLst/><a:ahLst/><a:cxnLst/><a:rect l=\"0\" t=\"0\" r=\"r\" b=\"b\"/>"
        f"<a:pathLst><a:path w=\"{w}\" h=\"{h}\" fill=\"none\" extrusionOk=\"0\"/></a:pathLst></a:custGeom>"
        f"<a:noFill/></p:spPr></p:sp>")
    nv = sp.find(qn("p:nvSpPr")).find(qn("p:cNvPr"))
    nv.set("id", str(shapes._next_shape_id))
    nv.set("name", name)
    path = sp.find(qn("p:spPr")).find(qn("a:custGeom")).find(qn("a:pathLst")).find(qn("a:path"))

    def point(parent, p):
        parent.append(parent.makeelement(qn("a:pt"), {"x": str(p[0] - left), "y": str(p[1] - top)}))

    def segment(tag: str, *ps):
        el = path.makeelement(qn(tag), {})
        for p in ps:
            point(el, p)
        path.append(el)

    segment("a:moveTo", (first + pts)[0])
    if first:
        segment("a:lnTo", pts[0])
    for i in range(1, len(pts), 3):
        segment("a:cubicBezTo", *pts[i:i + 3])
    if last:
        segment("a:lnTo", last[0])
    sppr = sp.find(qn("p:spPr"))
    sppr.append(_line(sppr, colour=colour, width_pt=width_pt, dashed=dashed, head=head, tail=tail, invisible=invisible))
    sppr.append(sppr.makeelement(qn("a:effectLst"), {}))
    shapes._spTree.insert_element_before(sp, "p:extLst")
    return sp


def to_pptx(model: Model, dot: str, *, theme: Theme | None = None, embed_font: bool = True) -> bytes:
    """The model as a one-slide .pptx file (bytes), from its placed DOT
    (`to_dot` with a layout), read back through Graphviz's json0."""
    return to_pptx_deck([(model, dot)], theme=theme, embed_font=embed_font)


def to_pptx_deck(slides: list[tuple[Model, str]], *, theme: Theme | None = None, embed_font: bool = True,
                 title: str | None = None) -> bytes:
    """A .pptx file with one slide per (model, placed DOT), in order (the
    flip-book: one slide per stage). The slide size is the first slide's;
    the flip-book's frames share one canvas, so each shape sits at the
    same place on every slide. `embed_font`: carry the glyphs used (see
    pptx_font.py) when the theme's font is the bundled one; without the
    font package the deck is written without them, with a warning."""
    import datetime
    import json

    try:
        from pptx import Presentation
    except ImportError:  # a core dependency: only a broken installation lacks it
        from ..language.diagnostics import PrepError

        raise PrepError.at("<pptx>", "PowerPoint output needs python-pptx, a dependency of prep that is not "
                           "installed here", name="missing-extra",  # prep.cli: about this machine, not the model
                           hint='install it with: pip install python-pptx (or reinstall prep)') from None

    from ..layouter.graphviz import draw

    theme = theme or THEMES["default"]
    drawn = [(model, json.loads(draw(dot, "json0", path=model.path))) for model, dot in slides]
    page = _page(slides[0][1])
    if page:  # every slide of a deck is the same page: the drawing that reaches furthest decides
        bounds = [_floats(data["bb"]) for _, data in drawn]
        place = _Placer(page[0], page[1], [min(b[0] for b in bounds), min(b[1] for b in bounds),
                                           max(b[2] for b in bounds), max(b[3] for b in bounds)])
    else:
        place = _Placer(_floats(drawn[0][1]["bb"]))
    prs = Presentation()
    prs.slide_width = round(place.width_pt * EMU_PER_POINT)
    prs.slide_height = round(place.height_pt * EMU_PER_POINT)
    _name_slide_size(prs)
    core = prs.core_properties
    # the document's title (a deck of pages: the model's, not its first slide's "受注 (1/3)")
    core.title = title or drawn[0][0].title or ""
    core.subject = "PReP model"
    core.author = core.last_modified_by = "prep"
    core.revision = 1
    core.created = core.modified = datetime.datetime(2000, 1, 1)  # deterministic output
    deck = _Deck(prs, place, theme)
    for model, data in drawn:
        _draw_slide(deck, model, data)
    from .pptx_package import embed_font as embed, set_theme_fonts

    set_theme_fonts(prs, theme)
    # only the bundled font can travel (a `font` of one's own is named, as before)
    if embed_font and theme.font == FONT_FAMILY:
        from .pptx_font import embedded_font, subset_characters
        from .webfont import FontNotEmbedded, FontUnavailable

        try:
            embed(prs, embedded_font(subset_characters(deck.texts)))
        except FontUnavailable as e:  # the deck still names the font
            warnings.warn(f"the PowerPoint file is written without its font: {e}", FontNotEmbedded, stacklevel=2)
    out = io.BytesIO()
    prs.save(out)
    return _fixed_zip_times(out.getvalue())



# PowerPoint's named slide sizes (Design > Slide Size), by width and height in EMU; any
# other size, the 13.333 x 7.5 in widescreen among them, is a custom one with no name
_SLIDE_SIZE_NAMES = {(9144000, 6858000): "screen4x3", (9144000, 5143500): "screen16x9",
                     (9144000, 5715000): "screen16x10"}


def _name_slide_size(prs) -> None:
    """The slide size's `type` as the size is: python-pptx's template says
    screen4x3 whatever the size, and PowerPoint's Slide Size dialog then
    showed a 16:9 deck as "On-screen Show (4:3)"."""
    size = prs.part._element.sldSz
    name = _SLIDE_SIZE_NAMES.get((size.cx, size.cy))
    if name is None:
        size.attrib.pop("type", None)
    else:
        size.set("type", name)

def _draw_slide(deck: _Deck, model: Model, data: dict) -> None:
    """One slide of native shapes from Graphviz's json0 of a placed model."""
    from pptx.enum.dml import MSO_LINE_DASH_STYLE
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Pt

    prs, place, theme = deck.prs, deck.place, deck.theme
    ink = _rgb(theme.ink)
    names = list(model.deliverables)
    group_names = list(model.groups)
    # "Title Only" for a titled picture: its title in the slide's title placeholder, which the
    # outline, the accessibility checker and a client's template find (a text box was none)
    titled = bool(model.title and "lp" in data)
    slide = prs.slides.add_slide(prs.slide_layouts[5 if titled else 6])
    shapes = slide.shapes
    if (theme.background or "white").lower() not in ("white", "#ffffff", "transparent", "none"):
        slide.background.fill.solid()
        slide.background.fill.fore_color.rgb = _rgb(theme.background, "FFFFFF")
    line_scale = max(place.scale, 0.5)

    def label_of_cluster(obj: dict) -> str:
        m = re.fullmatch(r"cluster_g(\d+)", obj.get("name", ""))
        if m and int(m.group(1)) < len(group_names):
            return model.groups[group_names[int(m.group(1))]].display
        return _unescape_dot_label(obj.get("label", ""))

    # frames first, outer before inner, so they sit behind the boxes
    objects = data.get("objects", [])
    for obj in objects:
        if "bb" not in obj or not obj.get("name", "").startswith("cluster"):
            continue
        x0, y0, x1, y1 = _floats(obj["bb"])
        frame = shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, place.x(x0), place.y(y1),
                                 place.length(x1 - x0), place.length(y1 - y0))
        # the roadmap view's stage columns are clusters cluster_s<i>; the legend's frame cluster_legend
        name = obj.get("name", "")
        kind = "stage" if re.fullmatch(r"cluster_s\d+", name) else "legend" if name == "cluster_legend" else "group"
        label = label_of_cluster(obj)
        frame.name = f"{kind}: {label}" if label else kind
        frame.adjustments[0] = min(0.5, 8.0 / max(min(x1 - x0, y1 - y0), 16.0))
        if "filled" in obj.get("style", ""):
            frame.fill.solid()
            frame.fill.fore_color.rgb = _rgb(obj.get("fillcolor"), "FAFAFA")
        else:
            frame.fill.background()
        frame.line.color.rgb = _rgb(obj.get("color"), "8A8A8A")
        frame.line.width = Pt(0.75)
        if "penwidth" in obj:  # a diff's added or changed group: heavier, as in the SVG
            frame.line.width = Pt(float(obj["penwidth"]) * line_scale)
        if "dotted" in obj.get("style", ""):  # a diff's removed group
            frame.line.dash_style = MSO_LINE_DASH_STYLE.ROUND_DOT
        _no_effects(frame)
        if label:
            size = float(obj.get("fontsize", theme.font_size))
            # the label where the layout put it (lp: its centre), as insets of the frame's text
            left_in, top_in = place.length(6), place.length(4)
            if "lp" in obj and "lwidth" in obj:
                lx, ly = _floats(obj["lp"])
                lw, lh = float(obj["lwidth"]) * 72, float(obj.get("lheight", 0)) * 72
                left_in = max(0, place.length(lx - lw / 2 - x0))
                top_in = max(0, place.length(y1 - (ly + lh / 2)))
            # regular, as the layout measured it and the SVG draws it: a bold
            # title is wider (in a substitute bold face, by a tenth) and met the frame's edge
            # a diff's removed group: its label struck through and grey, as in the SVG
            struck = _label(obj)[1]
            deck.set_text(frame.text_frame, label, size=place.font(size),
                          colour=_rgb(obj.get("fontcolor"), "2B2B2B") if struck else ink,
                          align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP, insets=(left_in, top_in, 0, 0), strike=struck)

    boxes: dict[int, object] = {}  # json0 id of a deliverable's node -> its shape
    by_node: dict[str, object] = {}  # DOT node name -> its box
    legend_text: dict[str, str] = {}  # legend item node -> its text (names the sample line)
    tags: list[tuple[object, str]] = []  # (an "EXIT n" tag, the DOT node of the box it marks)
    for obj in objects:
        if "pos" not in obj or "_gvid" not in obj or obj.get("name", "").startswith("cluster"):
            continue
        if obj.get("class") == "prep-corner" or "invis" in obj.get("style", ""):
            continue  # a stage frame's corner, a legend line's ends: nothing to show
        cx, cy = _floats(obj["pos"])
        name = obj["name"]
        legend = "prep-legend-item" in obj.get("class", "")
        size = float(obj.get("fontsize", theme.font_size))
        if obj.get("shape") in ("plaintext", "plain", "none"):  # a text without a box (the legend's)
            text = _label(obj)[0]
            legend_text[name] = text
            deck.text_box(shapes, f"legend: {text}" if legend else text, text, cx=cx, cy=cy, size=size,
                          colour=_rgb(obj.get("fontcolor"), "2B2B2B"))
            continue
        w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
        double = obj.get("peripheries") == "2"
        if double:  # Graphviz counts the outer ring (4 points out) in the size: the box is the inner one
            w, h = w - 8.0, h - 8.0
        m = _NODE.fullmatch(name)
        struck = _label(obj, name)[1]
        if m and int(m.group(1)) < len(names) and not legend:
            d = model.deliverables[names[int(m.group(1))]]
            text = box_label(d)   # wrapped as measured and drawn everywhere else
            # an off-page marker (a page of a model cut over several) is named by what it shows
            shape_name = f"off-page: {d.display}" if "prep-offpage" in obj.get("class", "") else d.name
        else:
            text = _label(obj, name)[0]
            shape_name = f"legend: {text}" if legend else name
            legend_text[name] = text
        style = obj.get("style", "")
        box = shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE if "rounded" in style else MSO_SHAPE.RECTANGLE,
                               place.x(cx - w / 2), place.y(cy + h / 2), place.length(w), place.length(h))
        box.name = shape_name
        if "rounded" in style:
            box.adjustments[0] = min(0.5, 6.0 / max(min(w, h), 12.0))
        box.fill.solid()
        box.fill.fore_color.rgb = _rgb(obj.get("fillcolor"), "FFFFFF")
        box.line.color.rgb = _rgb(obj.get("color"), "2B2B2B")
        box.line.width = Pt(float(obj.get("penwidth", 1.2)) * line_scale)
        if "dashed" in style:
            box.line.dash_style = MSO_LINE_DASH_STYLE.DASH
        elif "dotted" in style:
            box.line.dash_style = MSO_LINE_DASH_STYLE.ROUND_DOT
        if double:  # a double line, as the picture's two outlines (new in a stage)
            box.line.width = Pt(3.5 * line_scale)
            box.line._get_or_add_ln().set("cmpd", "dbl")
        _no_effects(box)
        deck.set_text(box.text_frame, text, size=place.font(size), colour=_rgb(obj.get("fontcolor"), "2B2B2B"),
                      align=PP_ALIGN.CENTER, anchor=MSO_ANCHOR.MIDDLE, strike=struck)
        if obj.get("prep_box"):  # an exit tag: grouped with its box below, so the two move together
            tags.append((box, obj["prep_box"]))
            continue
        by_node[name] = box
        if not legend:
            boxes[obj["_gvid"]] = box
    for tag, node in tags:
        owner = by_node.get(node)
        if owner is not None:
            tag.name = f"{tag.text_frame.text}: {owner.name}"
            group = shapes.add_group_shape([owner, tag])
            group.name = f"{owner.name} ({tag.text_frame.text})"
            _group_no_effects(group)

    # relations: DOT lists them in model order, before the legend's edges
    relation_edges = [e for e in data.get("edges", [])
                      if _NODE.fullmatch(objects[e["tail"]]["name"]) and _NODE.fullmatch(objects[e["head"]]["name"])]
    notes = [r.note for r in model.relations] if len(relation_edges) == len(model.relations) else None
    noted: set[tuple[str, str]] = set()
    for edge in sorted(data.get("edges", []), key=lambda e: e["_gvid"]):
        style = edge.get("style", "")
        if "invis" in style or "pos" not in edge:
            continue
        a, b = boxes.get(edge["tail"]), boxes.get(edge["head"])
        if a is not None and b is not None:
            name = f"{a.name} -> {b.name}"
        else:  # a legend's sample line: named after its text
            item = re.sub(r"[az]$", "", objects[edge["tail"]]["name"])
            name = f"legend: {legend_text.get(item, item)} (line)"
        both = edge.get("dir") == "both"
        _add_route(deck, shapes, name, edge["pos"], colour=_hex(edge.get("color"), "2B2B2B"),
                   width_pt=float(edge.get("penwidth", 1.1)) * line_scale,
                   # dotted: a diff's removed relation, as in the SVG (it was drawn solid)
                   dashed="dotted" if "dotted" in style else "dashed" in style,
                   head=both, tail=edge.get("dir") != "none")
        note = None
        if notes is not None and edge in relation_edges:
            note = notes[relation_edges.index(edge)]
        elif edge.get("label"):
            note = _unescape_dot_label(edge["label"])
        if note and "lp" in edge and (note, edge["lp"]) not in noted:
            noted.add((note, edge["lp"]))  # one note for the relations of `a, b -> c [note]` put at one place
            lx, ly = _floats(edge["lp"])
            deck.text_box(shapes, "note: " + note, note, cx=lx, cy=ly,
                          size=float(edge.get("fontsize", theme.font_size - 2)),
                          colour=_rgb(edge.get("fontcolor"), "6B6B6B"))

    if model.title and "lp" in data:
        lx, ly = _floats(data["lp"])
        size = float(data.get("fontsize", theme.font_size + 2))
        left = lx - float(data.get("lwidth", 0)) * 36 if data.get("labeljust") == "l" else None
        deck.text_box(shapes, "title", model.title, cx=lx, cy=ly, size=size, colour=ink, bold=True,
                      align=PP_ALIGN.LEFT, left=left, shape=slide.shapes.title)


def _group_no_effects(group) -> None:
    from pptx.oxml.ns import qn

    sppr = group._element.find(qn("p:grpSpPr"))
    if sppr is not None and sppr.find(qn("a:effectLst")) is None:
        sppr.append(sppr.makeelement(qn("a:effectLst"), {}))


def _fixed_zip_times(data: bytes) -> bytes:
    """The same .pptx with every zip entry dated 1980-01-01 (output.fixed_zip_times)."""
    from .output import fixed_zip_times

    return fixed_zip_times(data)
