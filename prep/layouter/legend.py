"""The key to the notation: one compact block, placed in a free corner of the
drawing so it does not widen it (only when no corner is free does the
drawing grow, downwards).

    Legend
    [deliverable]  [knowhow]
    ──▶ input   - -▶ synchronization   ◀- -▶ mutual synchronization
    [no finding] [info] [warning] [error]        (with --lint)
    [green] [lime] [yellow] [red] [no data]      (with --status: `health` is "status")

The words are English here, and drawn in the language of the work
(`prep._words.say`: "凡例", "ノウハウ", ... with --language ja).
"""

from __future__ import annotations

from dataclasses import replace

from .._words import say
from .geometry import Box, LegendItem, Layout, segment_hits

BOXES = (("deliverable", "deliverable"), ("knowhow", "knowhow"))
LINES = (("input", "input"), ("sync", "synchronization"), ("mutual", "mutual synchronization"))
HEALTH = (("health-green", "no finding"), ("health-lime", "info"), ("health-yellow", "warning"),
          ("health-red", "error"))
# measured values (`prep render --status`): the same four colours, by name
STATUS = (("status-green", "green"), ("status-lime", "lime"), ("status-yellow", "yellow"), ("status-red", "red"),
          ("status-none", "no data"))
DIFF_BOXES = (("diff-added", "+ added"), ("diff-removed", "removed"), ("diff-changed", "~ changed"))
DIFF_LINES = (("diff-edge-added", "added relation"), ("diff-edge-removed", "removed relation"),
              ("diff-edge-changed", "changed relation"))
EXIT = ("stage-exit", "EXIT n: exit criterion of stage n")  # the roadmap view's tag (as in the stage pictures)
# stage pictures (prep render --stage / --flipbook); "later stage" only when
# later deliverables are drawn faintly
STAGE_BOXES = (("stage-new", "new in this stage"), ("stage-exit", "EXIT n: exit criterion of stage n"))
STAGE_LATER = (("stage-later", "later stage"),)
HEADER = "Legend"
PAD = 8.0
GAP = 10.0
ROW_GAP = 7.0
LINE = 30.0   # length of a sample line
SLACK = 8.0   # free space kept around the block


def stage_boxes(stages: str | None) -> tuple:
    """The stage pictures' sample boxes: none, or for later deliverables
    "hidden" or drawn "faint"."""
    if stages is None:
        return ()
    return STAGE_BOXES + (STAGE_LATER if stages == "faint" else ())


def health_row(health) -> tuple:
    """The sample boxes of the health colours: of findings (`health` True)
    or of measured values (`health` "status")."""
    return STATUS if health == "status" else HEALTH


def texts(health: bool, diff: bool = False, stages: str | None = None) -> list[tuple[str, str, bool]]:
    """(key, text, boxed) of everything to measure: boxed ones are sample boxes."""
    out = [("legend-header", say(HEADER), False)]
    out += [(f"legend-{k}", say(t), True) for k, t in BOXES + (EXIT,)]
    out += [(f"legend-{k}", say(t), False) for k, t in LINES]
    if health:
        out += [(f"legend-{k}", say(t), True) for k, t in health_row(health)]
    if diff:
        out += [(f"legend-{k}", say(t), True) for k, t in DIFF_BOXES]
        out += [(f"legend-{k}", say(t), False) for k, t in DIFF_LINES]
    out += [(f"legend-{k}", say(t), True) for k, t in stage_boxes(stages)]
    return out


def block(sizes: dict[str, tuple[float, float]], health: bool, diff: bool = False, stages: str | None = None,
          exits: bool = False, row: bool = False) -> tuple[float, float, list[LegendItem]]:
    """The block's size and its items, relative to its top-left corner.
    `row`: every entry in one row after the header (a strip: what a page
    whose corners are all taken adds below its drawing)."""
    if row:
        return _strip(sizes, health, diff, stages, exits)
    items: list[LegendItem] = []
    hw, hh = sizes["legend-header"]
    items.append(LegendItem("header", say(HEADER), Box(PAD + hw / 2, PAD + hh / 2, hw, hh)))
    y = PAD + hh + ROW_GAP
    width = PAD + hw

    def box_row(entries):
        nonlocal y, width
        x = PAD
        h = max(sizes[f"legend-{k}"][1] for k, _ in entries)
        for k, t in entries:
            w, bh = sizes[f"legend-{k}"]
            items.append(LegendItem(k, say(t), Box(x + w / 2, y + h / 2, w, bh)))
            x += w + GAP
        width = max(width, x - GAP)
        y += h + ROW_GAP

    def line_row(entries):
        nonlocal y, width
        x = PAD
        h = max(sizes[f"legend-{k}"][1] for k, _ in entries)
        for k, t in entries:
            w, th = sizes[f"legend-{k}"]
            mid = y + h / 2
            items.append(LegendItem(k, say(t), Box(x + LINE + 4 + w / 2, mid, w, th), ((x, mid), (x + LINE, mid))))
            x += LINE + 4 + w + GAP
        width = max(width, x - GAP)
        y += h + ROW_GAP

    box_row(BOXES + ((EXIT,) if exits else ()))
    line_row(LINES)
    if health:
        box_row(health_row(health))
    if diff:
        box_row(DIFF_BOXES)
        line_row(DIFF_LINES)
    if stages is not None:
        box_row(stage_boxes(stages))
    return width + PAD, y - ROW_GAP + PAD, items


def _strip(sizes, health, diff, stages, exits) -> tuple[float, float, list[LegendItem]]:
    """The legend in one row (see `block`)."""
    entries = [(True, e) for e in BOXES + ((EXIT,) if exits else ())] + [(False, e) for e in LINES]
    if health:
        entries += [(True, e) for e in health_row(health)]
    if diff:
        entries += [(True, e) for e in DIFF_BOXES] + [(False, e) for e in DIFF_LINES]
    entries += [(True, e) for e in stage_boxes(stages)]
    hw, hh = sizes["legend-header"]
    h = max([hh] + [sizes[f"legend-{k}"][1] for _, (k, _) in entries])
    mid = PAD + h / 2
    items = [LegendItem("header", say(HEADER), Box(PAD + hw / 2, mid, hw, hh))]
    x = PAD + hw + GAP
    for boxed, (k, t) in entries:
        w, th = sizes[f"legend-{k}"]
        if boxed:
            items.append(LegendItem(k, say(t), Box(x + w / 2, mid, w, th)))
            x += w + GAP
        else:
            items.append(LegendItem(k, say(t), Box(x + LINE + 4 + w / 2, mid, w, th), ((x, mid), (x + LINE, mid))))
            x += LINE + 4 + w + GAP
    return x - GAP + PAD, h + 2 * PAD, items


MARGIN = 12.0   # the legend from the drawing's edge


def strip_fits(sizes: dict[str, tuple[float, float]], health: bool, diff: bool, stages: str | None, exits: bool,
               room: float) -> tuple[float, float] | None:
    """The room (width, height) the one-row legend takes below a drawing
    when it fits `room` across, else None."""
    w, h, _ = _strip(sizes, health, diff, stages, exits)
    return (w + 2 * MARGIN, h + 2 * MARGIN) if w + 2 * MARGIN <= room else None


def place(layout: Layout, sizes: dict[str, tuple[float, float]], health: bool, diff: bool = False,
          stages: str | None = None, exits: bool | None = None, room: float | None = None) -> Layout:
    """`layout` with the legend in the first free corner: top right, bottom
    right, bottom left, top left (below the title). `exits`: whether it
    explains the "EXIT n" tag (default: when the layout has stage columns).
    `room` (a page's width inside its margins): when no corner holds the
    block, the legend as one row (a third of the block's height), in a
    free corner or below the drawing, when that row fits the page across;
    else the block below the drawing."""
    exits = bool(layout.columns) if exits is None else exits
    w, h, items = block(sizes, health, diff, stages, exits=exits)
    top = layout.title.bottom + 4 if layout.title is not None else 0.0
    margin = MARGIN

    def free_corner(w: float, h: float) -> tuple[float, float] | None:
        for x, y in [(layout.width - margin - w, top + margin), (layout.width - margin - w, layout.height - margin - h),
                     (margin, layout.height - margin - h), (margin, top + margin)]:
            if x >= 0 and y >= top and _free(layout, Box(x + w / 2, y + h / 2, w + 2 * SLACK, h + 2 * SLACK)):
                return x, y
        return None

    width, height = layout.width, layout.height
    spot = free_corner(w, h)
    if spot is None and room is not None and strip_fits(sizes, health, diff, stages, exits, room) is not None:
        w, h, items = _strip(sizes, health, diff, stages, exits)
        spot = free_corner(w, h)
    if spot is not None:
        x, y = spot
    else:  # no free corner: below the drawing, at the left
        x, y = margin, layout.height + margin
        height = layout.height + h + 2 * margin
        width = max(width, w + 2 * margin)
    frame = Box(x + w / 2, y + h / 2, w, h)
    moved = tuple(LegendItem(i.kind, i.text, Box(i.box.x + x, i.box.y + y, i.box.width, i.box.height),
                             tuple((px + x, py + y) for px, py in i.points)) for i in items)
    return replace(layout, width=width, height=height, legend=frame, legend_items=moved)


def _free(layout: Layout, area: Box) -> bool:
    if any(area.overlaps(b) for b in layout.nodes.values()):
        return False
    if any(area.overlaps(b) for b in layout.groups.values()):
        return False
    if layout.title is not None and area.overlaps(layout.title):
        return False
    if any(area.overlaps(c.frame) for c in layout.columns):  # outside the stage columns too
        return False
    for e in layout.edges:
        if e.label is not None and area.overlaps(e.label):
            return False
        for a, b in zip(e.points, e.points[1:]):
            if segment_hits(a, b, area):
                return False
    return True
