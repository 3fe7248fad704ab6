"""Model to a draw.io (diagrams.net) file a client can nudge by hand.

    prep render model.prep -o diagram.drawio

An `mxfile` of `diagram` pages, stored plain (not deflated), each an
`mxGraphModel` of `mxCell`s drawn from one `prep.layouter` Layout (points,
origin top-left; draw.io's units are taken as points, so the page is the
page; a `--page` page is written in draw.io's page units, see `page_format`):

- deliverables: vertices at the layout's boxes; knowhow dashed, external
  tinted, final a heavy border; health colours with findings; the label
  and owners as the box's text;
- groups: containers (`container=1`), nested as the model nests them; a
  deliverable's `parent` is its innermost group. In the roadmap view the
  stage columns are containers too: a deliverable outside any group has
  its column as parent, so moving a column moves its boxes;
- relations: edges from box to box (`source`, `target`) through the
  layout's route: the Bézier pieces are sampled at a third and two thirds
  (points on the curve) and drawn as a rounded polyline, pinned to where
  the route leaves and enters the boxes (exitX/Y, entryX/Y);
  synchronization dashed, mutual dashed with both arrowheads; a note is
  the edge's label, placed where the layout put it;
- the title, the "EXIT n" tags (children of their box: they move with it)
  and the legend as plain vertices.

Ids: a deliverable's vertex id IS its name, so hand edits can be read back
(`deliverable_of`): `%` and characters XML cannot hold or that would span
lines are percent-encoded, and a name starting with `prep:` has its colon
encoded, because every other cell's id starts with `prep:`. Text is plain
(no `html=1`): a label full of markup is shown as the characters it is,
and the XML writer escapes it.

Pages: several (`--flipbook`, a model fitted to pages with `--page`) are
several `diagram`s in one file. The bytes depend only on the model and
options (no dates, no random ids).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import unquote

from ..language.model import KNOWHOW, MUTUAL, SYNC, Model, group_tree
from ..layouter import box_label, small_size
from ..layouter.geometry import unfilled
from ..layouter.texts import MARKER_PREFIX, columns_tag_exits
from .dot import HEALTH_FILL, STATUS_FILL, THEMES, Theme, exit_tag, EXIT_TAG_FONT_SIZE, EXIT_TAG_HEIGHT, worst_by_subject, \
    worst_severity
from .palette import FAINT_INK, FAINT_TEXT, NEW_FILL, group_fill, plain_theme

PREFIX = "prep:"
ROOT, LAYER = PREFIX + "root", PREFIX + "layer"
ARROW = 7.0
# characters an id keeps as they are: anything but %, controls (XML 1.0
# cannot hold most of them; the rest would break lines) and lone surrogates
_ID_ESCAPE = re.compile(r"[%\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def cell_id(name: str) -> str:
    """The vertex id of deliverable `name` (see the module docstring); an
    off-page marker's is prep's own, `prep:offpage:P:K` (its name starts
    with an invisible character, which read back as a deliverable)."""
    if name.startswith(MARKER_PREFIX):
        return PREFIX + name[len(MARKER_PREFIX) - len("offpage:"):]
    out = _ID_ESCAPE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8", "surrogatepass")),
                         name)
    if out.startswith(PREFIX):
        out = "prep%3A" + out[len(PREFIX):]
    return out


def deliverable_of(cell: str) -> str | None:
    """The deliverable a vertex id names (`cell_id` read back); None for
    prep's own cells (groups, columns, tags, edges, ...)."""
    if cell.startswith(PREFIX):
        return None
    return unquote(cell, errors="surrogatepass")


def _text(value: str) -> str:
    """User text as XML can hold it (a character XML 1.0 forbids becomes U+FFFD)."""
    from .output import xml_text

    return xml_text(value)


def _n(v: float) -> str:
    """A coordinate: two decimals at most, no trailing zeros, never -0."""
    s = f"{v + 0.0:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _style(**pairs) -> str:
    """A draw.io style string; the values are prep's own (colours, numbers,
    font names without ';' or '=')."""
    return "".join(f"{k}={v};" for k, v in pairs.items() if v is not None)


@dataclass(frozen=True)
class DrawioPage:
    """One page: its name, the model drawn and its layout; `findings`
    colour the boxes; `marks` (a stage frame's StageMarks) mark new, later
    and exit deliverables; `health` colours measured deliverables from data."""
    name: str
    model: Model
    layout: object
    findings: list | None = None
    marks: object = None
    health: dict | None = None


def to_drawio(pages: list[DrawioPage], *, theme: Theme | None = None) -> bytes:
    """The .drawio file of `pages`, in order."""
    theme = theme or THEMES["default"]
    mxfile = ET.Element("mxfile", {"host": "prep", "pages": str(len(pages))})
    for i, page in enumerate(pages, 1):
        diagram = ET.SubElement(mxfile, "diagram", {"id": f"{PREFIX}page-{i}", "name": _text(page.name)})
        diagram.append(_graph_model(page, theme))
    ET.indent(mxfile, space=" ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(mxfile, encoding="utf-8") + b"\n"


# draw.io's page sizes are in hundredths of an inch (its A4 is 827 x 1169)
PAGE_UNITS_PER_POINT = 100 / 72


def page_format(width: float, height: float) -> tuple[int, int, float]:
    """A paper page of `width` x `height` points as draw.io keeps it: its
    size in draw.io's page units (A4 landscape: 1169 x 827, draw.io's own
    A4, so its Page Setup names it) and the page scale that makes that
    page as large as the drawing laid out for it in points (about 0.72,
    rounded up: the page covers the drawing, which draw.io would otherwise
    spread over a second page). Written in points with a scale of 1, an A4
    page was a "custom" 8.42 x 5.95 in page to draw.io, printed at 72%."""
    import math

    w, h = round(width * PAGE_UNITS_PER_POINT), round(height * PAGE_UNITS_PER_POINT)
    return w, h, math.ceil(max(width / w, height / h) * 10000) / 10000


def _graph_model(page: DrawioPage, theme: Theme) -> ET.Element:
    model, layout, marks = page.model, page.layout, page.marks
    if layout.page is not None:
        width, height, scale = page_format(layout.page.width, layout.page.height)
    else:   # the drawing's own size: no paper to match
        width, height, scale = round(layout.width), round(layout.height), 1
    gm = ET.Element("mxGraphModel", {
        "dx": "0", "dy": "0", "grid": "0", "gridSize": "10", "guides": "1", "tooltips": "1", "connect": "1",
        "arrows": "1", "fold": "1", "page": "1", "pageScale": f"{scale:g}", "pageWidth": str(width),
        "pageHeight": str(height), "math": "0", "shadow": "0",
        **({"background": theme.background} if theme.background.startswith("#") else {})})
    root = ET.SubElement(gm, "root")
    ET.SubElement(root, "mxCell", {"id": ROOT})
    ET.SubElement(root, "mxCell", {"id": LAYER, "parent": ROOT})
    origin: dict[str, tuple[float, float]] = {LAYER: (0.0, 0.0)}   # each container's top left

    def vertex(cid: str, parent: str, value: str, style: str, box) -> ET.Element:
        ox, oy = origin[parent]
        cell = ET.SubElement(root, "mxCell", {"id": cid, "value": _text(value), "style": style, "vertex": "1",
                                              "parent": parent})
        ET.SubElement(cell, "mxGeometry", {"x": _n(box.left - ox), "y": _n(box.top - oy), "width": _n(box.width),
                                           "height": _n(box.height), "as": "geometry"})
        return cell

    font = dict(fontFamily=_font(theme.font), fontColor=theme.ink)
    frame_text = lambda frame, label, size: dict(  # noqa: E731 - a label at the place the layout gave it
        verticalAlign="top", align="left", fontSize=_n(size),
        spacingLeft=_n(max(0.0, label.left - frame.left)) if label else "6",
        spacingTop=_n(max(0.0, label.top - frame.top)) if label else "2", spacing="0")

    if model.title and layout.title is not None:
        vertex(PREFIX + "title", LAYER, model.title, _style(text=1, strokeColor="none", fillColor="none",
                                                            align="left", verticalAlign="middle", spacing="0",
                                                            fontSize=_n(theme.font_size + 2), **font),
               layout.title)

    # the roadmap view's stage columns, behind everything
    column_of: dict[str, str] = {}
    if layout.columns:
        seen: set[str] = set()
        for i, c in enumerate(layout.columns):
            # a page's stage captions (prep.layouter.fit_caption) can frame one stage twice
            cid = f"{PREFIX}stage:{cell_id(c.stage)}"
            cid = cid if cid not in seen else f"{cid}:{i}"
            seen.add(cid)
            vertex(cid, LAYER, c.label, _style(
                container=1, collapsible=0, recursiveResize=0, rounded=0,
                fillColor=theme.group_fill if i % 2 == 0 else _fill(theme.background),
                strokeColor=theme.group_border, **frame_text(c.frame, c.label_box, theme.font_size + 1), **font),
                c.frame)
            origin[cid] = (c.frame.left, c.frame.top)
            for name in model.deliverables:   # what the frame holds: the boxes inside it
                box = layout.nodes.get(name)
                if box is not None and c.frame.left <= box.x <= c.frame.right and c.frame.top <= box.y <= c.frame.bottom:
                    column_of[name] = cid

    members, children = group_tree(model)
    group_cell: dict[str, str] = {}

    def groups(parent_group: str | None, parent: str) -> None:
        for g in children.get(parent_group, []):
            box = layout.groups.get(g.name)
            if box is None:
                continue
            cid = f"{PREFIX}group:{cell_id(g.name)}"
            vertex(cid, parent, g.display, _style(
                container=1, collapsible=0, recursiveResize=0, rounded=1, arcSize=4, absoluteArcSize=1,
                # boxes coloured by their health: the frames untinted (as the SVG's), a colour means one thing
                fillColor="none" if unfilled(layout, box) else group_fill(
                    theme, None if page.findings is not None or page.health else g.colour),
                strokeColor=theme.group_border, **frame_text(box, layout.group_labels.get(g.name),
                                                             theme.font_size), **font), box)
            origin[cid] = (box.left, box.top)
            group_cell[g.name] = cid
            groups(g.name, cid)

    groups(None, LAYER)

    by_subject = worst_by_subject(page.findings) if page.findings is not None else None
    exits = ({x: st.index + 1 for st in model.stages.values() for x in st.exits}
             if columns_tag_exits(layout) else {})
    if marks is not None:
        exits = dict(marks.exits)
    status = marks.status if marks is not None else {}
    from ..layouter.fit import is_marker

    for d in model.deliverables.values():
        box = layout.nodes.get(d.name)
        if box is None:
            continue
        parent = group_cell.get(d.group) or column_of.get(d.name) or LAYER
        if is_marker(d.name):  # an off-page marker: a dotted tag naming the other end and its page
            style = _style(rounded=1, dashed=1, dashPattern="1 2", fillColor=_fill(theme.background),
                           strokeColor=theme.muted, fontSize=_n(theme.font_size - 2),
                           **dict(font, fontColor=theme.muted))
            vertex(cell_id(d.name), parent, d.display, style, box)
            continue
        fill = theme.external_fill if d.external else theme.knowhow_fill if d.kind == KNOWHOW else theme.tangible_fill
        stroke, text, width = theme.ink, theme.ink, 2.4 if d.final else 1.2
        if by_subject is not None:
            fill = HEALTH_FILL[worst_severity(by_subject.get(d.name, []))]
        if page.health is not None and d.name in page.health:
            fill = STATUS_FILL.get(page.health[d.name], STATUS_FILL[None])
        state = status.get(d.name)
        if state == "new":
            width = 2.4
            if by_subject is None and not plain_theme(theme):
                fill = NEW_FILL
        elif state == "later":
            fill, stroke, text, width = "#ffffff", FAINT_INK, FAINT_TEXT, 1.0
        style = _style(rounded=0, fillColor=fill, strokeColor=stroke, strokeWidth=_n(width),
                       dashed=1 if d.kind == KNOWHOW else None, fontSize=_n(theme.font_size),
                       **dict(font, fontColor=text))
        cid = cell_id(d.name)
        vertex(cid, parent, box_label(d), style, box)
        origin[cid] = (box.left, box.top)
        if d.name in exits:
            # where the layout put the tag (its texts), sized for its text (a page's minimum or more)
            tag, x, y, w, h = exit_tag(box, exits[d.name], layout, d.name)
            from ..layouter.geometry import Box

            vertex(f"{PREFIX}exit:{cid}", cid, tag, _style(
                rounded=0, fillColor=theme.ink, strokeColor=theme.ink, fontColor="#ffffff",
                fontSize=_n(EXIT_TAG_FONT_SIZE * h / EXIT_TAG_HEIGHT), fontFamily=_font(theme.font), spacing="0"),
                Box(x, y, w, h))

    later_edges = getattr(marks, "later_edges", None) or []
    for k, (r, route) in enumerate(zip(model.relations, layout.edges)):
        faint = k < len(later_edges) and later_edges[k]
        ink = FAINT_INK if faint else theme.ink
        style = _style(edgeStyle="none", rounded=1, html=None, strokeColor=ink, strokeWidth="1.1",
                       dashed=1 if r.kind in (SYNC, MUTUAL) else None,
                       endArrow="block", endFill=1, endSize=_n(ARROW),
                       startArrow="block" if r.kind == MUTUAL else "none",
                       startFill=1 if r.kind == MUTUAL else None, startSize=_n(ARROW) if r.kind == MUTUAL else None,
                       fontSize=_n(small_size(theme.font_size, layout.page.min_text if layout.page else None)),
                       fontFamily=_font(theme.font),
                       fontColor=FAINT_TEXT if faint else theme.muted,
                       labelBackgroundColor=_fill(theme.background),
                       **_pins(route.points, layout.nodes.get(r.source), layout.nodes.get(r.target)))
        # a statement's note is written once, on the relation the layout gave it room beside
        note = r.note if r.note and route.label is not None else ""
        cell = ET.SubElement(root, "mxCell", {"id": f"{PREFIX}relation:{k}", "value": _text(note),
                                              "style": style, "edge": "1", "parent": LAYER,
                                              "source": cell_id(r.source), "target": cell_id(r.target)})
        geometry = ET.SubElement(cell, "mxGeometry", {"relative": "1", "as": "geometry"})
        path = on_curve(route.points)
        for name, (x, y) in (("sourcePoint", path[0]), ("targetPoint", path[-1])):
            ET.SubElement(geometry, "mxPoint", {"x": _n(x), "y": _n(y), "as": name})
        if len(path) > 2:
            array = ET.SubElement(geometry, "Array", {"as": "points"})
            for x, y in path[1:-1]:
                ET.SubElement(array, "mxPoint", {"x": _n(x), "y": _n(y)})
        if r.note and route.label is not None:
            mx, my = halfway(path)
            ET.SubElement(geometry, "mxPoint", {"x": _n(route.label.x - mx), "y": _n(route.label.y - my),
                                                "as": "offset"})

    if layout.legend is not None:
        _legend(root, layout, theme, vertex, origin)
    return gm


def _legend(root, layout, theme: Theme, vertex, origin) -> None:
    """The key, as a frame of sample boxes, sample lines and texts."""
    from ..layouter.geometry import Box

    fills = {"health-green": HEALTH_FILL[None], "health-lime": HEALTH_FILL["info"],
             "health-yellow": HEALTH_FILL["warning"], "health-red": HEALTH_FILL["error"],
             **{f"status-{c or 'none'}": fill for c, fill in STATUS_FILL.items()}}
    lid = PREFIX + "legend"
    vertex(lid, LAYER, "", _style(container=1, collapsible=0, rounded=1, arcSize=4, absoluteArcSize=1,
                                   fillColor="none", strokeColor=theme.group_border), layout.legend)
    origin[lid] = (layout.legend.left, layout.legend.top)
    small = _n(theme.font_size - 2)
    font = dict(fontFamily=_font(theme.font), fontColor=theme.ink)
    ox, oy = origin[lid]
    for i, item in enumerate(layout.legend_items):
        iid = f"{PREFIX}legend:{i}"
        if item.kind == "header":
            vertex(iid, lid, item.text, _style(text=1, strokeColor="none", fillColor="none", spacing="0",
                                               fontSize=_n(theme.font_size), **font), item.box)
        elif item.points:
            (x0, y0), (x1, y1) = item.points
            cell = ET.SubElement(root, "mxCell", {"id": iid + ":line", "value": "", "edge": "1", "parent": lid,
                                                  "style": _style(endArrow="block", endFill=1, endSize=_n(ARROW),
                                                                  dashed=1 if item.kind != "input" else None,
                                                                  startArrow="block" if item.kind == MUTUAL else "none",
                                                                  startFill=1 if item.kind == MUTUAL else None,
                                                                  strokeColor=theme.ink)})
            geometry = ET.SubElement(cell, "mxGeometry", {"relative": "1", "as": "geometry"})
            for name, (x, y) in (("sourcePoint", (x0, y0)), ("targetPoint", (x1, y1))):
                ET.SubElement(geometry, "mxPoint", {"x": _n(x - ox), "y": _n(y - oy), "as": name})
            vertex(iid, lid, item.text, _style(text=1, strokeColor="none", fillColor="none", spacing="0",
                                               fontSize=small, **font), item.box)
        else:
            fill = fills.get(item.kind, theme.knowhow_fill if item.kind == "knowhow" else theme.tangible_fill)
            if item.kind == "stage-exit":
                fill = theme.ink
            vertex(iid, lid, item.text, _style(rounded=0, fillColor=fill, strokeColor=theme.ink, fontSize=small,
                                               dashed=1 if item.kind == "knowhow" else None,
                                               **dict(font, fontColor="#ffffff" if item.kind == "stage-exit"
                                                      else theme.ink)), Box(*_xywh(item.box)))


def _xywh(box):
    return box.x, box.y, box.width, box.height


def _font(name: str) -> str:
    """The font the layout measured with, then what a client's machine has
    for Japanese (draw.io passes the list to the browser as CSS does)."""
    return ",".join(re.sub(r"[;=,]", " ", f) for f in (name, "Yu Gothic", "Meiryo", "Hiragino Sans", "sans-serif"))


def _fill(colour: str) -> str:
    return colour if colour.startswith("#") else "#ffffff" if colour in ("white", "") else "none"


def _bezier(p0, p1, p2, p3, t: float) -> tuple[float, float]:
    s = 1 - t
    return (s ** 3 * p0[0] + 3 * s * s * t * p1[0] + 3 * s * t * t * p2[0] + t ** 3 * p3[0],
            s ** 3 * p0[1] + 3 * s * s * t * p1[1] + 3 * s * t * t * p2[1] + t ** 3 * p3[1])


def on_curve(points) -> list[tuple[float, float]]:
    """A route's Bézier control points (3n+1) as points on the curve: each
    piece's start, a third and two thirds along, and the route's end."""
    pts = [tuple(p) for p in points]
    if len(pts) < 4 or (len(pts) - 1) % 3:
        return pts
    out = [pts[0]]
    for i in range(0, len(pts) - 1, 3):
        piece = pts[i:i + 4]
        out += [_bezier(*piece, 1 / 3), _bezier(*piece, 2 / 3), piece[3]]
    return out


def halfway(path) -> tuple[float, float]:
    """The point halfway along a polyline (where draw.io centres an edge's label)."""
    lengths = [((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 for (x0, y0), (x1, y1) in zip(path, path[1:])]
    left = sum(lengths) / 2
    for ((x0, y0), (x1, y1)), length in zip(zip(path, path[1:]), lengths):
        if left <= length and length > 0:
            t = left / length
            return x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
        left -= length
    return path[-1]


def _pins(points, source, target) -> dict:
    """exitX/exitY and entryX/entryY: where the route leaves its source box
    and enters its target box, as fractions of the box (0 left/top, 1
    right/bottom)."""
    out = {}
    for prefix, box, (x, y) in (("exit", source, points[0]), ("entry", target, points[-1])):
        if box is None or box.width <= 0 or box.height <= 0:
            continue
        fx = min(1.0, max(0.0, (x - box.left) / box.width))
        fy = min(1.0, max(0.0, (y - box.top) / box.height))
        out.update({f"{prefix}X": f"{fx:.4f}".rstrip("0").rstrip(".") or "0",
                    f"{prefix}Y": f"{fy:.4f}".rstrip("0").rstrip(".") or "0",
                    f"{prefix}Perimeter": 0})
    return out


def render_drawio(model: Model, layout, *, theme: Theme | None = None, findings=None, marks=None,
                  name: str | None = None, health: dict | None = None) -> bytes:
    """One page: `model` drawn on `layout` (what `prep.render(model, "drawio")` gives)."""
    return to_drawio([DrawioPage(name or page_name(model), model, layout, findings, marks, health)], theme=theme)


def page_name(model: Model) -> str:
    import os

    return " ".join((model.title or os.path.splitext(os.path.basename(model.path))[0] or "diagram").split())


__all__ = ["DrawioPage", "to_drawio", "render_drawio", "cell_id", "deliverable_of", "on_curve", "halfway"]
