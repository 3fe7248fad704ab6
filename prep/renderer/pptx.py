"""Model to a PowerPoint slide of native, editable shapes (python-pptx).

The layout stage places the model; Graphviz reads the placed DOT back as
json0 (with every style); every box, frame and arrow is then placed as a PowerPoint shape at those coordinates, so a
consultant can move a box, retype a label or restyle an arrow in PowerPoint:

- deliverables: rectangles, solid border; knowhow: dashed border; final:
  thick border; fills from the theme (or health colours with findings);
- relations: straight connectors glued to the boxes (they follow a moved
  box), an arrowhead at the result; synchronization dashed, mutual dashed
  with two heads; notes as small text boxes;
- groups: rounded frames behind their boxes, label at the top left;
- text is real text in the theme font, with the East Asian font set too so
  Japanese shows in the same face;
- the slide is sized to the diagram (PowerPoint allows 1 to 56 inches a
  side; a larger diagram is scaled down to fit).

Connectors are straight where Graphviz drew curves: that is the price of
arrows that stay attached when boxes move.

Requires the `pptx` extra: pip install "prep[pptx]".
"""

from __future__ import annotations

import io
import re

from ..language.diagnostics import PrepError
from ..language.model import Model
from .dot import THEMES, Theme

EMU_PER_POINT = 12700
MARGIN_PT = 18.0
MAX_SIDE_PT = 56 * 72.0  # PowerPoint's largest slide side
MIN_SIDE_PT = 72.0

INSTALL_HINT = 'pip install "prep[pptx]"'

_NAMED = {"white": "FFFFFF", "black": "000000", "gray": "808080", "grey": "808080", "red": "FF0000"}


def _import_pptx():
    try:
        import pptx  # noqa: F401
    except ImportError:
        raise PrepError.at("<pptx>", "PowerPoint output needs python-pptx, which is not installed",
                           name="missing-extra", hint=f"install it with: {INSTALL_HINT}") from None


def _rgb(value: str | None, default: str = "000000"):
    from pptx.dml.color import RGBColor

    v = (value or "").strip().lower()
    if v.startswith("#") and len(v) in (4, 7):
        h = v[1:] if len(v) == 7 else "".join(c * 2 for c in v[1:])
        if re.fullmatch(r"[0-9a-f]{6}", h):
            return RGBColor.from_string(h.upper())
    return RGBColor.from_string(_NAMED.get(v, default))


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
    return "".join(out)


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",")]


class _Placer:
    """Graphviz points (origin bottom-left) to slide EMU (origin top-left)."""

    def __init__(self, bb: list[float]):
        self.x0, self.y0, x1, y1 = bb
        width, height = x1 - self.x0, y1 - self.y0
        self.scale = min(1.0, (MAX_SIDE_PT - 2 * MARGIN_PT) / max(width, height, 1.0))
        self.width_pt = max(MIN_SIDE_PT, width * self.scale + 2 * MARGIN_PT)
        self.height_pt = max(MIN_SIDE_PT, height * self.scale + 2 * MARGIN_PT)
        self.top = y1

    def x(self, x: float) -> int:
        return round((MARGIN_PT + (x - self.x0) * self.scale) * EMU_PER_POINT)

    def y(self, y: float) -> int:
        return round((MARGIN_PT + (self.top - y) * self.scale) * EMU_PER_POINT)

    def length(self, pt: float) -> int:
        return round(pt * self.scale * EMU_PER_POINT)

    def font(self, size_pt: float) -> float:
        return max(1.0, round(size_pt * self.scale * 2) / 2)


def _set_text(frame, text: str, *, font: str, size: float, colour, bold: bool = False,
              align=None, anchor=None, margin_emu: int = 0) -> None:
    from pptx.enum.text import MSO_AUTO_SIZE
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.margin_left = frame.margin_right = margin_emu
    frame.margin_top = frame.margin_bottom = margin_emu // 2
    if anchor is not None:
        frame.vertical_anchor = anchor
    frame.text = text  # one paragraph per line
    for paragraph in frame.paragraphs:
        if align is not None:
            paragraph.alignment = align
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.color.rgb = colour
            run.font.name = font
            # the East Asian face: without it PowerPoint picks its own for Japanese
            rpr = run._r.get_or_add_rPr()
            latin = rpr.find(qn("a:latin"))
            ea = rpr.makeelement(qn("a:ea"), {"typeface": font})
            latin.addnext(ea)


def _line_ends(line, head: bool, tail: bool) -> None:
    """Arrowheads: DrawingML's headEnd is at the line's start, tailEnd at its end."""
    ln = line._get_or_add_ln()
    for tag, on in (("a:headEnd", head), ("a:tailEnd", tail)):
        if on:
            from pptx.oxml.ns import qn

            ln.append(ln.makeelement(qn(tag), {"type": "triangle", "w": "med", "len": "med"}))


def _sides(a: dict, b: dict) -> tuple[int, int]:
    """Connection points (0 top, 1 left, 2 bottom, 3 right) facing each other."""
    dx, dy = b["cx"] - a["cx"], b["cy"] - a["cy"]
    if abs(dx) * 2 >= abs(dy):  # wide boxes: prefer the sides
        return (3, 1) if dx >= 0 else (1, 3)
    return (2, 0) if dy >= 0 else (0, 2)


def to_pptx(model: Model, dot: str, *, theme: Theme | None = None) -> bytes:
    """The model as a one-slide .pptx file (bytes), from its placed DOT
    (`to_dot` with a layout), read back through Graphviz's json0."""
    return to_pptx_deck([(model, dot)], theme=theme)


def to_pptx_deck(slides: list[tuple[Model, str]], *, theme: Theme | None = None) -> bytes:
    """A .pptx file with one slide per (model, placed DOT), in order (the
    flip-book: one slide per stage). The slide size is the first slide's;
    the flip-book's frames share one canvas, so each shape sits at the
    same place on every slide."""
    _import_pptx()
    import datetime
    import json

    from pptx import Presentation

    from ..layouter.graphviz import draw

    theme = theme or THEMES["default"]
    drawn = [(model, json.loads(draw(dot, "json0", path=model.path))) for model, dot in slides]
    place = _Placer(_floats(drawn[0][1]["bb"]))
    prs = Presentation()
    prs.slide_width = round(place.width_pt * EMU_PER_POINT)
    prs.slide_height = round(place.height_pt * EMU_PER_POINT)
    core = prs.core_properties
    core.title = drawn[0][0].title or ""
    core.subject = "PReP model"
    core.author = core.last_modified_by = "prep"
    core.revision = 1
    core.created = core.modified = datetime.datetime(2000, 1, 1)  # deterministic output
    for model, data in drawn:
        _draw_slide(prs, model, data, place, theme)
    out = io.BytesIO()
    prs.save(out)
    return _fixed_zip_times(out.getvalue())


def _draw_slide(prs, model: Model, data: dict, place: "_Placer", theme: Theme) -> None:
    """One slide of native shapes from Graphviz's json0 of a placed model."""
    from pptx.enum.dml import MSO_LINE_DASH_STYLE
    from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Pt

    ink = _rgb(theme.ink)
    names = list(model.deliverables)
    group_names = list(model.groups)
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    shapes = slide.shapes
    if (theme.background or "white").lower() not in ("white", "#ffffff", "transparent", "none"):
        slide.background.fill.solid()
        slide.background.fill.fore_color.rgb = _rgb(theme.background, "FFFFFF")

    def label_of_cluster(obj: dict) -> str:
        m = re.fullmatch(r"cluster_g(\d+)", obj.get("name", ""))
        if m and int(m.group(1)) < len(group_names):
            return model.groups[group_names[int(m.group(1))]].display
        return _unescape_dot_label(obj.get("label", ""))

    # group frames first, outer before inner, so they sit behind the boxes
    objects = data.get("objects", [])
    for obj in objects:
        if "bb" not in obj or not obj.get("name", "").startswith("cluster"):
            continue
        x0, y0, x1, y1 = _floats(obj["bb"])
        frame = shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, place.x(x0), place.y(y1),
                                 place.length(x1 - x0), place.length(y1 - y0))
        # the roadmap view's stage columns are clusters cluster_s<i>
        kind = "stage" if re.fullmatch(r"cluster_s\d+", obj.get("name", "")) else "group"
        frame.name = f"{kind}: " + label_of_cluster(obj)
        frame.adjustments[0] = min(0.5, 8.0 / max(min(x1 - x0, y1 - y0), 16.0))
        if "filled" in obj.get("style", ""):
            frame.fill.solid()
            frame.fill.fore_color.rgb = _rgb(obj.get("fillcolor"), "FAFAFA")
        else:
            frame.fill.background()
        frame.line.color.rgb = _rgb(obj.get("color"), "8A8A8A")
        frame.line.width = Pt(0.75)
        frame.shadow.inherit = False
        _set_text(frame.text_frame, label_of_cluster(obj), font=theme.font,
                  size=place.font(float(obj.get("fontsize", theme.font_size))), colour=ink, bold=True,
                  align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP, margin_emu=place.length(6))

    boxes: dict[int, dict] = {}
    by_node: dict[str, object] = {}  # DOT node name -> its box
    tags: list[tuple[object, str]] = []  # (an "EXIT n" tag, the DOT node of the box it marks)
    for obj in objects:
        if "pos" not in obj or "_gvid" not in obj or obj.get("name", "").startswith("cluster"):
            continue
        if obj.get("class") == "prep-corner":  # holds a stage frame's canvas: nothing to show
            continue
        cx, cy = _floats(obj["pos"])
        w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
        double = obj.get("peripheries") == "2"
        if double:  # Graphviz counts the outer ring (4 points out) in the size: the box is the inner one
            w, h = w - 8.0, h - 8.0
        name = obj["name"]
        m = re.fullmatch(r"n(\d+)", name)
        if m and int(m.group(1)) < len(names):
            d = model.deliverables[names[int(m.group(1))]]
            text = d.display + ("\n(" + ", ".join(d.owners) + ")" if d.owners else "")
            shape_name = d.name
        else:
            text = _unescape_dot_label(obj.get("label", name))
            shape_name = name
        box = shapes.add_shape(MSO_SHAPE.RECTANGLE, place.x(cx - w / 2), place.y(cy + h / 2),
                               place.length(w), place.length(h))
        box.name = shape_name
        style = obj.get("style", "")
        box.fill.solid()
        box.fill.fore_color.rgb = _rgb(obj.get("fillcolor"), "FFFFFF")
        box.line.color.rgb = _rgb(obj.get("color"), "2B2B2B")
        box.line.width = Pt(float(obj.get("penwidth", 1.2)) * max(place.scale, 0.5))
        if "dashed" in style:
            box.line.dash_style = MSO_LINE_DASH_STYLE.DASH
        if double:  # a double line, as the picture's two outlines (new in a stage)
            box.line.width = Pt(3.5 * max(place.scale, 0.5))
            box.line._get_or_add_ln().set("cmpd", "dbl")
        box.shadow.inherit = False
        _set_text(box.text_frame, text, font=theme.font, size=place.font(float(obj.get("fontsize", theme.font_size))),
                  colour=_rgb(obj.get("fontcolor"), "2B2B2B"), align=PP_ALIGN.CENTER,
                  anchor=MSO_ANCHOR.MIDDLE, margin_emu=place.length(3))
        if obj.get("prep_box"):  # an exit tag: grouped with its box below, so the two move together
            tags.append((box, obj["prep_box"]))
            continue
        by_node[name] = box
        boxes[obj["_gvid"]] = {"shape": box, "cx": cx, "cy": -cy}
    for tag, node in tags:
        owner = by_node.get(node)
        if owner is not None:
            tag.name = f"{tag.text_frame.text}: {owner.name}"
            shapes.add_group_shape([owner, tag]).name = f"{owner.name} ({tag.text_frame.text})"

    # relations: DOT lists them in model order, before the legend's edges
    relation_edges = [e for e in data.get("edges", []) if re.fullmatch(r"n\d+", objects[e["tail"]]["name"])
                      and re.fullmatch(r"n\d+", objects[e["head"]]["name"])]
    notes = [r.note for r in model.relations] if len(relation_edges) == len(model.relations) else None
    for edge in sorted(data.get("edges", []), key=lambda e: e["_gvid"]):
        a, b = boxes.get(edge["tail"]), boxes.get(edge["head"])
        if a is None or b is None:
            continue
        begin, end = _sides(a, b) if edge["tail"] != edge["head"] else (3, 0)
        conn = shapes.add_connector(MSO_CONNECTOR.STRAIGHT, 0, 0, 0, 0)
        conn.begin_connect(a["shape"], begin)
        conn.end_connect(b["shape"], end)
        conn.name = f"{a['shape'].name} -> {b['shape'].name}"
        conn.line.color.rgb = _rgb(edge.get("color"), "2B2B2B")
        conn.line.width = Pt(float(edge.get("penwidth", 1.1)) * max(place.scale, 0.5))
        dashed = "dashed" in edge.get("style", "")
        if dashed:
            conn.line.dash_style = MSO_LINE_DASH_STYLE.DASH
        if "invis" in edge.get("style", ""):
            conn.line.fill.background()
        both = edge.get("dir") == "both"
        _line_ends(conn.line, head=both, tail=edge.get("dir") != "none" and "invis" not in edge.get("style", ""))
        note = None
        if notes is not None and edge in relation_edges:
            note = notes[relation_edges.index(edge)]
        elif edge.get("label"):
            note = _unescape_dot_label(edge["label"])
        if note and "lp" in edge:
            lx, ly = _floats(edge["lp"])
            size = float(edge.get("fontsize", theme.font_size - 2))
            w = max(len(note), 2) * size * 0.62 + 8
            tb = shapes.add_textbox(place.x(lx - w / 2), place.y(ly + size * 0.8), place.length(w),
                                    place.length(size * 1.6))
            tb.name = "note: " + note
            _set_text(tb.text_frame, note, font=theme.font, size=place.font(size),
                      colour=_rgb(edge.get("fontcolor"), "6B6B6B"), align=PP_ALIGN.CENTER, margin_emu=0)

    if model.title and "lp" in data:
        lx, ly = _floats(data["lp"])
        size = float(data.get("fontsize", theme.font_size + 2))
        width_pt = float(data.get("lwidth", 1)) * 72 + 24
        tb = shapes.add_textbox(place.x(lx - float(data.get("lwidth", 1)) * 36), place.y(ly + size * 0.8),
                                place.length(width_pt), place.length(size * 1.6))
        tb.name = "title"
        _set_text(tb.text_frame, model.title, font=theme.font, size=place.font(size), colour=ink,
                  bold=True, align=PP_ALIGN.LEFT, margin_emu=0)


def _fixed_zip_times(data: bytes) -> bytes:
    """The same .pptx with every zip entry dated 1980-01-01, so the same model
    gives the same bytes (python-pptx stamps entries with the current time)."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
