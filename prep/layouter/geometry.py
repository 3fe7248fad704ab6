"""Geometry: what the layout stage hands to every writer.

All lengths are in points (1/72 inch), the origin is the top-left corner of
the drawing, y grows downwards, and a box's `x`/`y` is its centre. An edge's
`points` are the control points of a cubic Bézier spline (3n+1 points: the
route starts at the first point, on the source box's border, and ends at
the last, on the target box's border; every third point lies on the curve).
"""

from __future__ import annotations

import math

import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .page import Page

FORMAT = "prep-layout"
VERSION = 1


@dataclass(frozen=True, slots=True)
class Box:
    x: float  # centre
    y: float
    width: float
    height: float

    @property
    def left(self) -> float:
        return self.x - self.width / 2

    @property
    def right(self) -> float:
        return self.x + self.width / 2

    @property
    def top(self) -> float:
        return self.y - self.height / 2

    @property
    def bottom(self) -> float:
        return self.y + self.height / 2

    def contains(self, other: "Box", slack: float = 0.01) -> bool:
        return (self.left - slack <= other.left and other.right <= self.right + slack
                and self.top - slack <= other.top and other.bottom <= self.bottom + slack)

    def overlaps(self, other: "Box") -> bool:
        return (self.left < other.right and other.left < self.right
                and self.top < other.bottom and other.top < self.bottom)

    def as_dict(self) -> dict:
        return {"x": _r(self.x), "y": _r(self.y), "width": _r(self.width), "height": _r(self.height)}


@dataclass(frozen=True, slots=True)
class Route:
    source: str
    target: str
    kind: str                      # input | sync | mutual
    points: tuple[tuple[float, float], ...]
    label: Box | None = None       # where the relation's note is written

    def as_dict(self) -> dict:
        out = {"source": self.source, "target": self.target, "kind": self.kind,
               "points": [[_r(x), _r(y)] for x, y in self.points]}
        if self.label is not None:
            out["label"] = self.label.as_dict()
        return out


@dataclass(frozen=True, slots=True)
class LegendItem:
    kind: str        # header | deliverable | knowhow | input | sync | mutual | health-<colour>
    text: str
    box: Box         # the sample box, or where the text goes for a sample line
    points: tuple[tuple[float, float], ...] = ()  # a sample line's two ends

    def as_dict(self) -> dict:
        out = {"kind": self.kind, "text": self.text, "box": self.box.as_dict()}
        if self.points:
            out["points"] = [[_r(x), _r(y)] for x, y in self.points]
        return out


@dataclass(frozen=True, slots=True)
class TextItem:
    """A piece of text the picture writes, and the block it takes.

    kind   owner                        text
    title  ""                           the title
    label  the deliverable's name       its box's text (the block inside the box)
    note   "source -> target" (arrow)   a relation's note
    group  the group's name             its frame's title
    stage  the stage's name             its column's title (roadmap view)
    exit   the deliverable's name       "EXIT n" on an exit criterion
    legend the legend entry's kind      the entry's text (its header: "header")
    """
    kind: str
    owner: str
    text: str
    box: Box

    def as_dict(self) -> dict:
        return {"kind": self.kind, "owner": self.owner, "text": self.text, "box": self.box.as_dict()}


TEXT_KINDS = ("title", "label", "note", "group", "stage", "exit", "legend")


@dataclass(frozen=True, slots=True)
class Column:
    """A stage of the roadmap view: its frame (a band across the drawing)
    and where its label is written."""
    stage: str       # the stage's name
    label: str       # the text drawn (the stage's label, else its name)
    frame: Box
    label_box: Box
    # the frame of a piece of a page cut at the stages (fit_caption), not a band the
    # groups cross as lanes: its groups are filled as the diagram fills them
    caption: bool = False

    def as_dict(self) -> dict:
        out = {"stage": self.stage, "label": self.label, "frame": self.frame.as_dict(),
               "label_box": self.label_box.as_dict()}
        if self.caption:
            out["caption"] = True
        return out


def unfilled(layout, frame: Box) -> bool:
    """Whether a group's frame is drawn unfilled, so the stage columns show
    through: a lane across the roadmap view's columns, or a frame around
    whole columns (`around_columns`). A group inside a page's stage caption
    (`Column.caption`) is filled as the diagram fills it."""
    return any(not c.caption for c in layout.columns) or around_columns(layout, frame)


def around_columns(layout, frame: Box) -> bool:
    """Whether a group's frame holds whole stage columns (a page of the
    viewer's stacked pages, its stages' frames inside it)."""
    return any(frame.contains(c.frame) for c in layout.columns)


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    nodes: dict[str, Box]
    edges: tuple[Route, ...]
    groups: dict[str, Box] = field(default_factory=dict)
    group_labels: dict[str, Box] = field(default_factory=dict)
    title: Box | None = None
    legend: Box | None = None
    legend_items: tuple[LegendItem, ...] = ()
    engine: str = "prep"
    direction: str = "LR"
    columns: tuple[Column, ...] = ()   # the roadmap view's stages, in order
    page: "Page | None" = None         # the page it was laid out for (the canvas is the page)
    texts: tuple[TextItem, ...] = ()   # every piece of text drawn, where (see TextItem)
    # deliverable -> the file that holds it, for a model kept in more than
    # one file (a workspace); empty for a single file, whose JSON is as before
    files: dict[str, str] = field(default_factory=dict)

    @property
    def view(self) -> str:
        return "roadmap" if self.columns else "diagram"

    def as_dict(self) -> dict:
        width, height = self._canvas(self.nodes)
        out = {"format": FORMAT, "version": VERSION, "engine": self.engine, "direction": self.direction,
               "width": width, "height": height,
               "nodes": ({name: box.as_dict() for name, box in self.nodes.items()} if not self.files else
                         {name: dict(box.as_dict(), **({"file": self.files[name]} if name in self.files else {}))
                          for name, box in self.nodes.items()}),
               "edges": [e.as_dict() for e in self.edges],
               "groups": {name: box.as_dict() for name, box in self.groups.items()}}
        if self.page is not None:
            out["page"] = self.page.as_dict()
        if self.columns:
            out["view"] = "roadmap"
            out["columns"] = [c.as_dict() for c in self.columns]
        if self.title is not None:
            out["title"] = self.title.as_dict()
        if self.legend is not None:
            out["legend"] = dict(self.legend.as_dict(), items=[i.as_dict() for i in self.legend_items])
        if self.texts:
            out["texts"] = [t.as_dict() for t in self.texts]
        return out

    def text(self, kind: str, owner: str) -> TextItem | None:
        """The first text of `kind` owned by `owner` (e.g. ("exit", name))."""
        for t in self.texts:
            if t.kind == kind and t.owner == owner:
                return t
        return None

    def keep_texts(self) -> "Layout":
        """The layout with only the texts of what it still holds: after a
        view cut boxes, routes or frames out of it (a stage's frame), the
        labels, tags and notes of what was cut go too."""
        notes = {e.label for e in self.edges if e.label is not None}
        columns = {c.stage for c in self.columns}

        def kept(t: TextItem) -> bool:
            if t.kind in ("label", "exit"):
                return t.owner in self.nodes
            if t.kind == "note":
                return t.box in notes
            if t.kind == "group":
                return t.owner in self.groups
            if t.kind == "stage":
                return t.owner in columns
            if t.kind == "legend":
                return self.legend is not None
            if t.kind == "title":
                return self.title is not None
            return True

        return replace(self, texts=tuple(t for t in self.texts if kept(t)))

    def to_json(self) -> bytes:
        return (json.dumps(self.as_dict(), ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    def _canvas(self, nodes: dict) -> tuple[float, float]:
        """The canvas size in hundredths, rounded up: rounding a box's x and
        width apart may push it a hundredth past the edge, so the canvas
        also holds every box as rounded."""
        width, height = self.width, self.height
        for b in nodes.values():
            if b is not None:
                width = max(width, _r(b.x) + _r(b.width) / 2)
                height = max(height, _r(b.y) + _r(b.height) / 2)
        return _up(width), _up(height)

    def rounded(self) -> "Layout":
        """The layout as its JSON keeps it (hundredths of a point): a picture
        drawn from this is the picture a later render from the saved layout
        draws."""
        def box(b):
            return None if b is None else Box(_r(b.x), _r(b.y), _r(b.width), _r(b.height))

        def pts(points):
            return tuple((_r(x), _r(y)) for x, y in points)

        nodes = {n: box(b) for n, b in self.nodes.items()}
        width, height = self._canvas(nodes)
        return Layout(width=width, height=height,
                      nodes=nodes,
                      edges=tuple(Route(e.source, e.target, e.kind, pts(e.points), box(e.label)) for e in self.edges),
                      groups={n: box(b) for n, b in self.groups.items()},
                      group_labels={n: box(b) for n, b in self.group_labels.items()},
                      title=box(self.title), legend=box(self.legend),
                      legend_items=tuple(LegendItem(i.kind, i.text, box(i.box), pts(i.points)) for i in self.legend_items),
                      engine=self.engine, direction=self.direction,
                      columns=tuple(Column(c.stage, c.label, box(c.frame), box(c.label_box), c.caption)
                                    for c in self.columns),
                      texts=tuple(TextItem(t.kind, t.owner, t.text, box(t.box)) for t in self.texts),
                      page=self.page, files=self.files)


def shift(layout: Layout, dx: float, dy: float) -> Layout:
    """Every piece of `layout` moved by (dx, dy); the canvas grows by as much."""
    def box(b: Box | None) -> Box | None:
        return None if b is None else Box(b.x + dx, b.y + dy, b.width, b.height)

    def pts(points):
        return tuple((x + dx, y + dy) for x, y in points)

    return replace(
        layout, width=layout.width + dx, height=layout.height + dy,
        nodes={n: box(b) for n, b in layout.nodes.items()},
        edges=tuple(Route(e.source, e.target, e.kind, pts(e.points), box(e.label)) for e in layout.edges),
        groups={n: box(b) for n, b in layout.groups.items()},
        group_labels={n: box(b) for n, b in layout.group_labels.items()},
        title=box(layout.title), legend=box(layout.legend),
        legend_items=tuple(LegendItem(i.kind, i.text, box(i.box), pts(i.points)) for i in layout.legend_items),
        columns=tuple(Column(c.stage, c.label, box(c.frame), box(c.label_box), c.caption)
                      for c in layout.columns),
        texts=tuple(replace(t, box=box(t.box)) for t in layout.texts))


def segment_hits(a, b, box: Box) -> bool:
    """Does the segment a-b enter `box`? (Liang-Barsky clipping.)"""
    (x0, y0), (x1, y1) = a, b
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x0 - box.left), (dx, box.right - x0), (-dy, y0 - box.top), (dy, box.bottom - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def _r(v: float) -> float:
    """Two decimals: a hundredth of a point is far below what any output shows,
    and keeps the JSON short and byte-stable."""
    return round(float(v), 2) + 0.0


def _up(v: float) -> float:
    """Two decimals, rounded up (a canvas size)."""
    return math.ceil(round(float(v) * 100, 6)) / 100 + 0.0


def _box(d: dict) -> Box:
    return Box(float(d["x"]), float(d["y"]), float(d["width"]), float(d["height"]))


def layout_from_dict(data: dict) -> Layout:
    """A Layout from its JSON form (`Layout.as_dict`)."""
    if data.get("format") != FORMAT:
        raise ValueError(f"not a prep layout (format {data.get('format')!r}, expected {FORMAT!r})")
    if data.get("version") != VERSION:
        raise ValueError(f"layout version {data.get('version')!r}; this prep reads version {VERSION}")
    edges = tuple(Route(e["source"], e["target"], e["kind"], tuple((float(x), float(y)) for x, y in e["points"]),
                        _box(e["label"]) if "label" in e else None) for e in data["edges"])
    legend = data.get("legend")
    items = tuple(LegendItem(i["kind"], i["text"], _box(i["box"]),
                             tuple((float(x), float(y)) for x, y in i.get("points", ())))
                  for i in (legend or {}).get("items", ()))
    return Layout(width=float(data["width"]), height=float(data["height"]),
                  nodes={n: _box(b) for n, b in data["nodes"].items()}, edges=edges,
                  groups={n: _box(b) for n, b in data.get("groups", {}).items()},
                  title=_box(data["title"]) if "title" in data else None,
                  legend=_box(legend) if legend else None, legend_items=items,
                  engine=data.get("engine", "prep"), direction=data.get("direction", "LR"),
                  columns=tuple(Column(c["stage"], c["label"], _box(c["frame"]), _box(c["label_box"]),
                                       bool(c.get("caption"))) for c in data.get("columns", ())),
                  texts=tuple(TextItem(t["kind"], t["owner"], t["text"], _box(t["box"]))
                              for t in data.get("texts", ())),
                  page=_page(data["page"]) if "page" in data else None,
                  files={n: str(b["file"]) for n, b in data["nodes"].items() if "file" in b})


def _page(d: dict):
    from .page import Page

    return Page(str(d["name"]), float(d["width"]), float(d["height"]), str(d.get("kind", "paper")),
                float(d.get("min_text", 7.0)), float(d.get("margin", 0.0)))


def read_layout(path: str) -> Layout:
    with open(path, encoding="utf-8") as f:
        return layout_from_dict(json.load(f))
