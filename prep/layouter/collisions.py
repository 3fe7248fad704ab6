"""What makes a picture unfit for a client: text on text, a route through
a box or a text that is not its own, a label larger than its box, a note
written twice or away from its relation.

    problems(layout, model=None) -> [Problem]

Reads only the geometry (`Layout`, with its `texts`); with the model it
also checks that each relation note is written exactly once. Problems name
deliverables, groups, stages and relations, never internal ids. Every view
is checked the same way: the diagram, the roadmap view, a stage's frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from .geometry import Box, Layout, TextItem, segment_hits
from .texts import LABEL_MARGIN, note_carriers, relation_owner

TOLERANCE = 0.5    # points: rounding (hundredths) and borders that only touch
NOTE_NEAR = 8.0    # points: a note this close to its route is beside it
STEPS = 8          # straight pieces per Bézier piece when a route is flattened
CELL = 96.0        # the grid that finds what a route passes near

KINDS = {
    "text-overlap": "two pieces of text overlap",
    "text-over-box": "a text lies on a box that is not its own",
    "frame-over-text": "a frame's border runs through a text, or a stage title lies in a lane",
    "route-through-box": "a route passes through a box other than its two ends",
    "route-through-text": "a route passes through a text that is not its own",
    "route-through-legend": "a route passes through the legend",
    "legend-over": "the legend lies on a box, a frame or a stage column",
    "label-clipped": "a label is larger than its box (less the box's margins)",
    "note-count": "a relation note is not written exactly once",
    "note-away": "a relation note is not beside its relation",
    "text-outside": "a text reaches past the edge of the drawing (the picture cuts it)",
    "route-outside": "a route's curve (its control points) reaches past the edge of the drawing",
}


@dataclass(frozen=True)
class Problem:
    kind: str          # a key of KINDS
    message: str       # in words, naming deliverables, groups, stages, relations
    where: Box | None = None

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


def describe(t: TextItem) -> str:
    """A text as a reader finds it in the picture."""
    if t.kind == "label":
        return f"the label of {t.owner!r}"
    if t.kind == "exit":
        return f"the {t.text} tag of {t.owner!r}"
    if t.kind == "note":
        return f"the note {t.text!r} of {t.owner}"
    if t.kind == "group":
        return f"the title of group {t.owner!r}"
    if t.kind == "stage":
        return f"the title of stage {t.owner!r}"
    if t.kind == "legend":
        return f"the legend's {t.text!r}"
    return f"the title {t.text!r}"


def _overlap(a: Box, b: Box, tol: float = TOLERANCE) -> bool:
    return (a.left + tol < b.right and b.left + tol < a.right
            and a.top + tol < b.bottom and b.top + tol < a.bottom)


def _inside(inner: Box, outer: Box, tol: float = TOLERANCE) -> bool:
    return (outer.left - tol <= inner.left and inner.right <= outer.right + tol
            and outer.top - tol <= inner.top and inner.bottom <= outer.bottom + tol)


def _shrunk(b: Box, by: float) -> Box:
    return Box(b.x, b.y, max(0.0, b.width - 2 * by), max(0.0, b.height - 2 * by))


def flatten(points) -> list[tuple[float, float]]:
    """A cubic Bézier spline (3n+1 control points) as a polyline, STEPS
    straight pieces per Bézier piece (bench/quality.py counts crossings on
    the same polylines); anything else is returned as it is."""
    pts = list(points)
    if len(pts) < 4 or (len(pts) - 1) % 3:
        return pts
    out = [pts[0]]
    for i in range(0, len(pts) - 1, 3):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = pts[i:i + 4]
        for s in range(1, STEPS + 1):
            t = s / STEPS
            u = 1 - t
            a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
            out.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return out


def _distance(poly, box: Box) -> float:
    """The distance from a polyline to a box (0 when it enters it)."""
    best = float("inf")
    for p, q in zip(poly, poly[1:]):
        if segment_hits(p, q, box):
            return 0.0
        for (x, y) in (p, q):
            dx = max(box.left - x, 0.0, x - box.right)
            dy = max(box.top - y, 0.0, y - box.bottom)
            best = min(best, (dx * dx + dy * dy) ** 0.5)
        # the box's corners against the segment
        (x0, y0), (x1, y1) = p, q
        vx, vy = x1 - x0, y1 - y0
        n = vx * vx + vy * vy
        for cx, cy in ((box.left, box.top), (box.right, box.top), (box.left, box.bottom), (box.right, box.bottom)):
            t = 0.0 if n == 0 else max(0.0, min(1.0, ((cx - x0) * vx + (cy - y0) * vy) / n))
            best = min(best, ((x0 + t * vx - cx) ** 2 + (y0 + t * vy - cy) ** 2) ** 0.5)
    return best


def beside(points, note: Box) -> bool:
    """Whether a note is beside its route's curve (within NOTE_NEAR)."""
    return _distance(flatten(points), note) <= NOTE_NEAR


class _Grid:
    """Boxes bucketed by the cells they cover, to find what a segment passes near."""

    def __init__(self, items: list[tuple[Box, object]]):
        self.cells: dict[tuple[int, int], list[int]] = {}
        self.items = items
        for i, (b, _) in enumerate(items):
            for cell in self._cells(b.left, b.top, b.right, b.bottom):
                self.cells.setdefault(cell, []).append(i)

    @staticmethod
    def _cells(x0, y0, x1, y1):
        for cx in range(int(x0 // CELL), int(x1 // CELL) + 1):
            for cy in range(int(y0 // CELL), int(y1 // CELL) + 1):
                yield cx, cy

    def near(self, p, q) -> set[int]:
        out: set[int] = set()
        (x0, y0), (x1, y1) = p, q
        for cell in self._cells(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)):
            out.update(self.cells.get(cell, ()))
        return out


def problems(layout: Layout, model=None) -> list[Problem]:
    """Every collision in `layout` (see KINDS), in a stable order. With
    `model` (the model the layout draws; for a stage's frame, the whole
    model), also each relation note that is not written exactly once."""
    out: list[Problem] = []
    texts = list(layout.texts)
    _text_overlaps(texts, out)
    _texts_on_boxes(layout, texts, out)
    _frames_over_texts(layout, texts, out)
    _legend(layout, out)
    _routes(layout, texts, out)
    _clipped(layout, texts, out)
    _notes(layout, texts, model, out)
    _outside(layout, texts, out)
    return out


def _outside(layout: Layout, texts: list[TextItem], out: list[Problem]) -> None:
    canvas = Box(layout.width / 2, layout.height / 2, layout.width, layout.height)
    for t in texts:
        if not _inside(t.box, canvas, tol=1.0):
            out.append(Problem("text-outside", f"{describe(t)} reaches past the edge of the drawing", t.box))
    for e in layout.edges:   # the curve lies inside its control points' hull: they are held to the canvas
        if e.points and not _inside(_hull(e.points), canvas, tol=1.0):
            name = f"{e.source} {_ARROW.get(e.kind, '->')} {e.target}"
            out.append(Problem("route-outside", f"the route of {name} reaches past the edge of the drawing",
                               _hull(e.points)))


def _hull(points) -> Box:
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return Box((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2, max(xs) - min(xs), max(ys) - min(ys))


def _text_overlaps(texts: list[TextItem], out: list[Problem]) -> None:
    order = sorted(range(len(texts)), key=lambda i: texts[i].box.left)
    active: list[int] = []
    for i in order:
        a = texts[i]
        active = [j for j in active if texts[j].box.right > a.box.left + TOLERANCE]
        for j in active:
            b = texts[j]
            if _overlap(a.box, b.box):
                first, second = sorted((j, i))
                out.append(Problem("text-overlap", f"{describe(texts[first])} overlaps {describe(texts[second])}",
                                   texts[first].box))
        active.append(i)


def _texts_on_boxes(layout: Layout, texts: list[TextItem], out: list[Problem]) -> None:
    grid = _Grid([(b, n) for n, b in layout.nodes.items() if b is not None])
    for t in texts:
        if t.kind in ("label", "legend"):
            continue  # a label is inside its own box; the legend is checked as a block
        own = t.owner if t.kind == "exit" else None
        for i in sorted(grid.near((t.box.left, t.box.top), (t.box.right, t.box.bottom))):
            box, name = grid.items[i]
            if name != own and _overlap(t.box, box):
                out.append(Problem("text-over-box", f"{describe(t)} lies on the box of {name!r}", t.box))


def _frames_over_texts(layout: Layout, texts: list[TextItem], out: list[Problem]) -> None:
    frames = [("group", name, b) for name, b in layout.groups.items() if b is not None]
    frames += [("stage", c.stage, c.frame) for c in layout.columns]
    if layout.legend is not None:
        frames.append(("legend", "legend", layout.legend))
    for kind, name, frame in frames:
        for t in texts:
            if kind == "legend" and t.kind == "legend":
                continue
            if not _overlap(t.box, frame):
                continue
            if t.kind == "stage" and kind == "group":
                out.append(Problem("frame-over-text", f"the frame of group {name!r} covers {describe(t)}", t.box))
            elif not _inside(t.box, frame):
                what = {"group": f"group {name!r}", "stage": f"stage {name!r}", "legend": "the legend"}[kind]
                out.append(Problem("frame-over-text", f"the frame of {what} runs through {describe(t)}", t.box))


def _legend(layout: Layout, out: list[Problem]) -> None:
    if layout.legend is None:
        return
    area = layout.legend
    for name, b in layout.nodes.items():
        if b is not None and _overlap(area, b):
            out.append(Problem("legend-over", f"the legend lies on the box of {name!r}", area))
    for name, b in layout.groups.items():
        if b is not None and _overlap(area, b):
            out.append(Problem("legend-over", f"the legend lies in the frame of group {name!r}", area))
    for c in layout.columns:
        if _overlap(area, c.frame):
            out.append(Problem("legend-over", f"the legend lies in the column of stage {c.stage!r}", area))


def _routes(layout: Layout, texts: list[TextItem], out: list[Problem]) -> None:
    items: list[tuple[Box, object]] = [(_shrunk(b, TOLERANCE), ("box", n)) for n, b in layout.nodes.items()
                                       if b is not None]
    items += [(_shrunk(t.box, TOLERANCE), ("text", t)) for t in texts if t.kind not in ("label", "legend")]
    if layout.legend is not None:
        items.append((_shrunk(layout.legend, TOLERANCE), ("legend", None)))
    grid = _Grid(items)
    for e in layout.edges:
        poly = flatten(e.points)
        ends = {e.source, e.target}
        hit: set[int] = set()
        for p, q in zip(poly, poly[1:]):
            for i in grid.near(p, q):
                if i not in hit and segment_hits(p, q, items[i][0]):
                    hit.add(i)
        name = f"{e.source} {_ARROW.get(e.kind, '->')} {e.target}"
        for i in sorted(hit):
            what, obj = items[i][1]
            if what == "box" and obj not in ends:
                out.append(Problem("route-through-box", f"the route of {name} passes through the box of {obj!r}",
                                   items[i][0]))
            elif what == "text":
                t = obj
                if t.kind == "exit" and t.owner in ends:
                    continue  # its own end's tag
                if t.kind == "note" and e.label is not None and t.box == e.label:
                    continue
                out.append(Problem("route-through-text", f"the route of {name} passes through {describe(t)}", t.box))
            elif what == "legend":
                out.append(Problem("route-through-legend", f"the route of {name} passes through the legend",
                                   items[i][0]))


_ARROW = {"input": "->", "sync": "~>", "mutual": "<~>"}


def _clipped(layout: Layout, texts: list[TextItem], out: list[Problem]) -> None:
    mx, my = LABEL_MARGIN
    for t in texts:
        if t.kind != "label":
            continue
        box = layout.nodes.get(t.owner)
        if box is None:
            continue
        room = Box(box.x, box.y, box.width - 2 * mx, box.height - 2 * my)
        if t.box.width > room.width + TOLERANCE or t.box.height > room.height + TOLERANCE \
                or not _inside(t.box, box):
            out.append(Problem("label-clipped", f"the label of {t.owner!r} ({t.box.width:.0f}x{t.box.height:.0f} pt) "
                                                f"does not fit its box ({room.width:.0f}x{room.height:.0f} pt inside "
                                                f"the margins)", box))


def _notes(layout: Layout, texts: list[TextItem], model, out: list[Problem]) -> None:
    notes = [t for t in texts if t.kind == "note"]
    by_label = {}
    for e in layout.edges:
        if e.label is not None:
            by_label.setdefault(e.label, e)
    # beside its relation
    for t in notes:
        e = by_label.get(t.box)
        if e is None:
            out.append(Problem("note-away", f"{describe(t)} belongs to no route", t.box))
        elif not beside(e.points, t.box):
            out.append(Problem("note-away", f"{describe(t)} is not beside its relation", t.box))
    if model is None:
        # without the model: one note per text and target
        seen: dict[tuple, int] = {}
        for t in notes:
            e = by_label.get(t.box)
            key = (t.text, e.target if e is not None else t.owner)
            seen[key] = seen.get(key, 0) + 1
        for (text, target), n in seen.items():
            if n > 1:
                out.append(Problem("note-count", f"the note {text!r} into {target!r} is written {n} times"))
        return
    # with it: once per statement (the relations sharing a span and a
    # note), when the relation that writes it is drawn; a stage's frame
    # passes the whole model, whose statements it draws in part
    # the route of each drawn relation: a view keeps the model's relations
    # whose two ends it draws, in the model's order
    drawn = [k for k, r in enumerate(model.relations) if r.source in layout.nodes and r.target in layout.nodes]
    route_of = dict(zip(drawn, layout.edges)) if len(drawn) == len(layout.edges) else None
    written_boxes = {t.box for t in notes}
    written: dict[tuple[str, str], int] = {}
    for t in notes:
        written[(t.owner, t.text)] = written.get((t.owner, t.text), 0) + 1
    statements: dict[tuple, list] = {}
    for k, (r, carries) in enumerate(zip(model.relations, note_carriers(model))):
        if r.note:
            statements.setdefault((r.span, r.note), []).append((k, r, carries))
    for (_span, note), rs in statements.items():
        shown = [(k, r, c) for k, r, c in rs if r.source in layout.nodes and r.target in layout.nodes]
        if not shown:
            continue
        expected = int(any(c for _k, _r, c in shown))
        if route_of is not None:
            n = sum(1 for k, _r, _c in shown if route_of[k].label is not None and route_of[k].label in written_boxes)
        else:
            n = sum(written.get((relation_owner(r), note), 0) for _k, r, _c in shown)
        if n != expected:
            names = ", ".join(dict.fromkeys(r.source for _k, r, _c in shown))
            last = shown[-1][1]
            out.append(Problem("note-count", f"the note {note!r} of {names} {last.arrow} {last.target} "
                                             f"is written {n} times"))
