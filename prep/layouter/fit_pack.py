"""Where the pieces of a page go: packed as a skyline, not in shelves.

    skyline([(along, across), ...], along_room, across_room, gap) -> [(along, across)] | None
    spots(layouts, pager)      the pieces' corners on a page (below its title), or None
    pack(layouts, pager)       pieces in order onto pages, as many a page as hold
    leftover(pages, ...)       a way to fewer pages: packed again in order
    overflow(layouts, pager)   one piece a row: a page whose pieces grew past it

A page's pieces were placed as text is, in shelves: along the flow while a
shelf had room, then the next shelf as deep as its deepest piece. A shelf
holding a stage drawn 270 pt deep beside one of 95 pt left 175 pt under
the smaller one empty, and cs-lifecycle's A4 pages were more than half
white. Here each piece, in flow order, goes to the first place (nearest
the page's top for a left-to-right drawing, its left for top-to-bottom;
then nearest the start of the flow) where it fits on the skyline the
pieces before it left: into the room under a shallow piece too. Pieces
keep their order along each skyline step, so a page still reads along
the flow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .geometry import Layout

if TYPE_CHECKING:
    from .fit import _Pager as Pager

PIECE_GAP = 12.0      # between two pieces on one page


def skyline(sizes: list[tuple[float, float]], along_room: float, across_room: float,
            gap: float) -> list[tuple[float, float]] | None:
    """The corner (along, across) of each piece of `sizes` ((along, across)
    each, in order) on a page of `along_room` x `across_room`, `gap` apart;
    None when one does not fit."""
    # the skyline: steps (start, end, depth) along the flow, the depth reached across it;
    # each piece is taken `gap` larger, and so is the page (no gap after the last)
    steps = [(0.0, along_room + gap, 0.0)]
    out: list[tuple[float, float]] = []
    for a, b in sizes:
        a, b = a + gap, b + gap
        best = None
        for i, (start, _end, _depth) in enumerate(steps):
            if start + a > along_room + gap + 1e-6:
                break
            depth = max(d for s, e, d in steps[i:] if s < start + a - 1e-6)
            if depth + b <= across_room + gap + 1e-6 and (best is None or (depth, start) < best):
                best = (depth, start)
        if best is None:
            return None
        depth, start = best
        out.append((start, depth))
        end = start + a
        new = []
        for s, e, d in steps:
            if e <= start or s >= end:
                new.append((s, e, d))
                continue
            if s < start:
                new.append((s, start, d))
            if e > end:
                new.append((end, e, d))
        new.append((start, end, depth + b))
        new.sort()
        steps = _merged(new)
    return out


def _merged(steps: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """Neighbouring steps of one depth as one."""
    out = [steps[0]]
    for s, e, d in steps[1:]:
        ps, pe, pd = out[-1]
        if abs(pd - d) < 1e-6 and abs(pe - s) < 1e-6:
            out[-1] = (ps, e, pd)
        else:
            out.append((s, e, d))
    return out


def leftover(pages: list[list[int]], placed: list[Layout], pager: "Pager") -> list[list[list[int]]]:
    """Ways to put the pieces on fewer pages than `pages`: packed again in
    flow order, as many a page as holds them, from the first page on (the
    300-deliverable models took 1-3 pages fewer so). Pieces never move
    against the flow: moving the last page's pieces to an earlier page with
    room saved a page now and then, and put the end of order-to-cash
    (入金消込, payment reconciled) on its first slide, under its first
    stage, and stage 4 before stage 2 on A4."""
    if len(pages) < 2:
        return []
    got = pack(placed, pager)
    return [got] if len(got) < len(pages) else []


def pack(placed: list[Layout], pager: "Pager", share: float = 1.0) -> list[list[int]]:
    """Pieces (in order) onto pages, as many a page as holds them."""
    pages: list[list[int]] = []
    for i in range(len(placed)):
        if pages and spots([placed[j] for j in pages[-1]] + [placed[i]], pager, share,
                              first=len(pages) == 1) is not None:
            pages[-1].append(i)
        else:
            pages.append([i])
    return pages


def spots(layouts: list[Layout], pager: "Pager", share: float = 1.0,
             first: bool = True) -> list[tuple[float, float]] | None:
    """Where each piece goes on a page (top-left corners, below the title):
    packed in flow order on a skyline (`skyline`; rows for LR, columns for
    TB, a piece going under a shallower one where there is room); None
    when they do not fit one page."""
    avail_w, avail_h = pager.page.inner_width * share, pager.page.inner_height * share - pager._top(first)
    lr = pager.direction == "LR"
    along, across = (avail_w, avail_h) if lr else (avail_h, avail_w)
    sizes = [(lay.width, lay.height) if lr else (lay.height, lay.width) for lay in layouts]
    got = skyline(sizes, along, across, PIECE_GAP)
    if got is None:
        return None
    return [(a, b) if lr else (b, a) for a, b in got]


def overflow(layouts: list[Layout], pager: "Pager") -> list[tuple[float, float]]:
    """One piece a row (LR) or column (TB): for a page whose marker texts grew past the room
    the first pass measured (text is never shrunk; the page checks say so)."""
    out, at = [], 0.0
    for lay in layouts:
        out.append((0.0, at) if pager.direction == "LR" else (at, 0.0))
        at += (lay.height if pager.direction == "LR" else lay.width) + PIECE_GAP
    return out


__all__ = ["PIECE_GAP", "leftover", "overflow", "pack", "skyline", "spots"]
