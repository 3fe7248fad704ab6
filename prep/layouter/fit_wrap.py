"""Relations between two pieces of one page drawn as arrows, not markers.

    wrapped(model, sheet_model, layout, markers, number) -> (sheet_model, layout, markers)

A model wrapped onto a page is cut into pieces (rows for a left-to-right
drawing); a relation from one piece to another was drawn as two markers,
"→ 顧客合意" at its source and "成功計画 →" at its target, even when both
pieces stood on the same page. As ELK Layered's graph wrapping does, such
a relation is now one arrow: out of its source's side, through the free
room between the pieces, into its target. The arrow is routed with two or
four turns through the middles of the free bands between what the page
draws, around every box, every text and the legend;
a relation with a note keeps its markers (its note needs room beside it),
and so does a relation whose route is not found or only found the long way
round (past the far piece and back: `DETOUR`), or a marker that also
stands for relations to other pages. The room the markers took stays: the
page was filled with them.
"""

from __future__ import annotations

import math
from dataclasses import replace

from .geometry import Box, Route

CLEAR = 4.0         # a route keeps this far from boxes and texts
LANES = 6           # lanes tried beside a source and before a target
CHANNELS = 10       # channels tried between the rows
MOST = 16           # relations routed on one page at most (more: markers, as before)
DETOUR = 1.5        # a route at most this much longer than the straight way along and across ...
LANE_ROOM = 20.0    # ... with this much more at each end (out to a lane and back)
REACH = 5 * LANE_ROOM   # a lane at most this far from the side of the box it leaves or enters


def wrapped(model, sheet_model, layout, markers, number: int):
    """The sheet without the markers of relations between two pieces of
    page `number` that could be routed, those relations drawn instead."""
    same = [mk for mk in markers if mk.pages == (number,) and mk.relations]
    if len(same) < 2:
        return sheet_model, layout, markers
    out_of = {k: mk for mk in same if mk.outgoing for k in mk.relations}
    into = {k: mk for mk in same if not mk.outgoing for k in mk.relations}
    quiet = {mk.name for mk in same if not any(model.relations[k].note for k in mk.relations)}
    # what a route must not cross: every box but the markers that go, every text but box labels
    texts = [t.box for t in layout.texts if t.kind != "label"] + ([layout.legend] if layout.legend else [])
    failed: set[str] = set()   # markers one of whose relations found no tidy route
    for _ in range(4):
        removable = quiet - failed
        while True:   # a marker goes only when every relation it stands for is drawn instead
            drawn = {k for k in out_of if k in into and out_of[k].name in removable and into[k].name in removable}
            keep = {mk.name for mk in same if mk.name in removable and not set(mk.relations) <= drawn}
            if not keep:
                break
            removable -= keep
        if not drawn or len(drawn) > MOST:
            return sheet_model, layout, markers
        gone = removable
        grid = _Router(layout, [b for n, b in layout.nodes.items() if n not in gone] + texts)
        routes = []
        for k in sorted(drawn):
            r = model.relations[k]
            points = grid.route(layout.nodes[r.source], layout.nodes[r.target])
            if points is None:
                failed |= {out_of[k].name, into[k].name}
                continue
            routes.append((r, Route(r.source, r.target, r.kind, points)))
            grid.block(points, layout.nodes[r.source], layout.nodes[r.target])   # the next beside it, not on it
        if len(routes) == len(drawn):
            break
    else:
        return sheet_model, layout, markers
    kept = [(rel, e) for rel, e in zip(sheet_model.relations, layout.edges)
            if rel.source not in gone and rel.target not in gone]
    relations = tuple(rel for rel, _ in kept) + tuple(r for r, _ in routes)
    edges = tuple(e for _, e in kept) + tuple(e for _, e in routes)
    deliverables = {n: d for n, d in sheet_model.deliverables.items() if n not in gone}
    new_layout = replace(layout, nodes={n: b for n, b in layout.nodes.items() if n not in gone}, edges=edges,
                         texts=tuple(t for t in layout.texts if not (t.kind == "label" and t.owner in gone)))
    new_model = replace(sheet_model, deliverables=deliverables, relations=relations)
    return new_model, new_layout, tuple(mk for mk in markers if mk.name not in gone)


class _Router:
    """Routes with few turns through the free bands of a page: out of the
    source's side to a lane beside it, along a channel between the rows (or
    columns) of pieces, to a lane before the target, into its side. Lanes
    and channels lie in the middle of the free room between what is drawn
    (boxes, texts, frames), never along a frame's border."""

    def __init__(self, layout, obstacles: list[Box]):
        self.lr = layout.direction == "LR"
        # (a0, b0, a1, b1): a along the flow, b across it
        self.blocks = [self._ab(b.left - CLEAR, b.top - CLEAR, b.right + CLEAR, b.bottom + CLEAR) for b in obstacles]
        self.bare = [self._ab(b.left, b.top, b.right, b.bottom) for b in obstacles]
        self.index = {b: i for i, b in enumerate(obstacles)}
        self.ends: set[int] = set()   # the blocks of the route's own ends: left and entered at their sides
        # a routed relation's pieces, by its (source, target): a route with the same source
        # or target may run on them (routes into one box merge before it, as edges do into a
        # port; out of one box they part after it), any other keeps beside them
        self.owner: list[tuple | None] = [None] * len(obstacles)
        self.pair: tuple = (None, None)
        frames = [b for b in layout.groups.values() if b is not None] + [c.frame for c in layout.columns]
        edges = [self._ab(b.left, b.top, b.right, b.bottom) for b in obstacles + frames]
        self.a_edges = sorted({round(v, 1) for e in edges for v in (e[0], e[2])})
        self.b_edges = sorted({round(v, 1) for e in edges for v in (e[1], e[3])})
        page = layout.page
        lo = page.margin if page is not None else 0.0
        self.a_max = (layout.width if self.lr else layout.height) - lo
        self.b_max = (layout.height if self.lr else layout.width) - lo
        self.lo = lo

    def _ab(self, x0, y0, x1, y1):
        return (x0, y0, x1, y1) if self.lr else (y0, x0, y1, x1)

    def _free(self, a0, b0, a1, b1) -> bool:
        """Is the straight piece (a0, b0)-(a1, b1) (along one axis) clear?"""
        a0, a1 = min(a0, a1), max(a0, a1)
        b0, b1 = min(b0, b1), max(b0, b1)
        if a0 < self.lo or b0 < self.lo or a1 > self.a_max or b1 > self.b_max:
            return False
        source, target = self.pair
        along = a1 - a0 > b1 - b0   # the piece runs along the flow (else across it)
        for i, e in enumerate(self.blocks):
            if i in self.ends:   # left and entered at its side, never passed through
                e = self.bare[i]
            if not (e[0] < a1 and a0 < e[2] and e[1] < b1 and b0 < e[3]):
                continue
            if i in self.ends:
                return False
            owner = self.owner[i]
            if owner is None:
                return False
            if owner[0] == source or owner[1] == target:
                continue
            # another relation's straight run: crossed at a right angle, never run along
            # (its corners are kept clear: a crossing there would read as a turn)
            ea, eb = e[2] - e[0], e[3] - e[1]
            if max(ea, eb) < 3 * min(ea, eb) or (ea > eb) == along:
                return False
        return True

    @staticmethod
    def _middles(edges, lo, hi, near, count):
        """The middles of the gaps between neighbouring edges within (lo, hi), nearest `near` first."""
        cuts = [lo] + [v for v in edges if lo < v < hi] + [hi]
        mids = [(p + q) / 2 for p, q in zip(cuts, cuts[1:]) if q - p >= 2 * CLEAR + 2]
        return sorted(mids, key=lambda m: abs(m - near))[:count]

    def route(self, source: Box, target: Box):
        """Bézier control points from `source`'s outgoing side to `target`'s
        incoming side, or None."""
        self.ends = {self.index[b] for b in (source, target) if b in self.index}
        self.pair = (source, target)
        s = self._ab(source.left, source.top, source.right, source.bottom)
        t = self._ab(target.left, target.top, target.right, target.bottom)
        sa, sb, ta, tb = s[2], (s[1] + s[3]) / 2, t[0], (t[1] + t[3]) / 2
        # lanes near their box: a route out to a lane past other pieces came back round
        # them the long way (out of the top piece, down the page's left edge)
        lanes_out = [x for x in self._middles(self.a_edges, sa, self.a_max, sa, LANES) if x - sa <= REACH]
        lanes_in = [x for x in self._middles(self.a_edges, self.lo, ta, ta, LANES) if ta - x <= REACH]
        best = None
        for x in lanes_out:   # one lane between them: two turns
            if x < ta and self._free(sa, sb, x, sb) and self._free(x, sb, x, tb) and self._free(x, tb, ta, tb):
                best = [(sa, sb), (x, sb), (x, tb), (ta, tb)]
                break
        if best is None:
            # a channel between the two ends' rows: a route that went past the far row and came
            # back round it (cs-lifecycle's last slide: out of one stage frame, under the other)
            # is left to the markers
            channels = self._middles(self.b_edges, min(sb, tb), max(sb, tb), (sb + tb) / 2, CHANNELS)
            out_ok = [x for x in lanes_out if self._free(sa, sb, x, sb)]
            in_ok = [x for x in lanes_in if self._free(x, tb, ta, tb)]
            found = []
            for y in channels:
                ups = [x for x in out_ok if self._free(x, sb, x, y)]
                downs = [x for x in in_ok if self._free(x, y, x, tb)]
                for x1 in ups:
                    for x2 in downs:
                        if self._free(x1, y, x2, y):
                            length = abs(x1 - sa) + abs(y - sb) + abs(x1 - x2) + abs(tb - y) + abs(ta - x2)
                            found.append((length, [(sa, sb), (x1, sb), (x1, y), (x2, y), (x2, tb), (ta, tb)]))
            if not found:
                return None
            length, best = min(found)
            if length > DETOUR * (abs(ta - sa) + abs(tb - sb)) + 2 * LANE_ROOM:
                return None   # a long way round (two markers read better)
        poly = _corners([(a, b) if self.lr else (b, a) for a, b in best])
        return tuple((round(x, 2), round(y, 2)) for x, y in _rounded(poly))

    def block(self, points, source: Box, target: Box) -> None:
        """A route, so that the next one runs beside it, not on it (unless
        it comes from the same box or goes to the same box)."""
        for (x0, y0), (x1, y1) in zip(points[::3], points[3::3]):
            self.blocks.append(self._ab(min(x0, x1) - 2, min(y0, y1) - 2, max(x0, x1) + 2, max(y0, y1) + 2))
            self.bare.append(self.blocks[-1])
            self.owner.append((source, target))


def _rounded(poly, radius: float = 6.0):
    """Bézier control points of a polyline whose corners are rounded."""
    def towards(p, q, d):
        length = math.hypot(q[0] - p[0], q[1] - p[1]) or 1.0
        return (p[0] + (q[0] - p[0]) * d / length, p[1] + (q[1] - p[1]) * d / length)

    def straight(p, q):
        return [(p[0] + (q[0] - p[0]) / 3, p[1] + (q[1] - p[1]) / 3),
                (p[0] + 2 * (q[0] - p[0]) / 3, p[1] + 2 * (q[1] - p[1]) / 3), q]

    out = [poly[0]]
    at = poly[0]
    for k in range(1, len(poly) - 1):
        prev, corner, nxt = poly[k - 1], poly[k], poly[k + 1]
        r = min(radius, math.dist(prev, corner) / 2, math.dist(corner, nxt) / 2)
        enter, leave = towards(corner, prev, r), towards(corner, nxt, r)
        out += straight(at, enter)
        out += [towards(enter, corner, r * 0.55), towards(leave, corner, r * 0.55), leave]
        at = leave
    out += straight(at, poly[-1])
    return out


def _corners(points):
    """The polyline without repeated points and points in the middle of a straight run."""
    out = []
    for p in points:
        if out and abs(out[-1][0] - p[0]) < 1e-6 and abs(out[-1][1] - p[1]) < 1e-6:
            continue
        if len(out) >= 2:
            (x0, y0), (x1, y1) = out[-2], out[-1]
            if (abs(x0 - x1) < 1e-6 and abs(x1 - p[0]) < 1e-6) or (abs(y0 - y1) < 1e-6 and abs(y1 - p[1]) < 1e-6):
                out[-1] = p
                continue
        out.append(p)
    return out


__all__ = ["wrapped"]
