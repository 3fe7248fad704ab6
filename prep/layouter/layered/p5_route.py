"""Phase 5, edge routing and geometry: the routes as cubic Bézier splines
through their virtual nodes, frames, columns and the title, mapped from
(a, b) to x/y."""

from __future__ import annotations

from ..collisions import beside
from ..geometry import Box, Column, Layout, Route
from . import p4_place
from .spec import COLUMN_PAD, GROUP_PAD, LABEL_PAD, LOOP_REACH, MARGIN, NOTE_GAP, TITLE_GAP


def geometry(lg) -> Layout:
    spec = lg.spec
    a_of_rank = p4_place.rank_coordinates(lg)
    total = len(lg.node_rank)
    a = [a_of_rank[lg.node_rank[v]] for v in range(total)]
    b = lg.b
    # frames along the flow axis: around their members and nested frames
    G = len(lg.group_names)
    frame_a: list[tuple[float, float] | None] = [None] * G
    title_a: dict[int, float] = {}   # LR: where each frame's title starts along the flow
    for g in sorted(range(G), key=lambda g: -lg.gdepth[g]):
        if lg.span[g] is None:
            continue
        lo, hi = 1e18, -1e18
        for v in range(lg.n_real):
            if lg.cluster[v] == g:
                # a loop's note under its box (LR) is as wide as it is: the frame holds it too
                # (wider than a small box, it ran through the frame at 7-9 pt)
                note = lg.loops.get(v) if lg.lr else None
                reach = max(lg.ext_a[v], note[0] if note is not None else 0.0) / 2
                lo = min(lo, a[v] - reach)
                hi = max(hi, a[v] + reach)
        for c in lg.children.get(g, ()):
            if frame_a[c] is not None:
                lo, hi = min(lo, frame_a[c][0]), max(hi, frame_a[c][1])
        lo, hi = lo - GROUP_PAD, hi + GROUP_PAD
        if not lg.lr:
            lo -= lg.glabel[g][1]
        else:  # its title starts where its first rank's column does (the column is as wide as the title)
            r0 = lg.span[g][0]
            lo = min(lo, a_of_rank[r0] - lg.rank_width[r0] / 2 + GROUP_PAD * lg.gdepth[g])
            hi = max(hi, lo + lg.glabel[g][0] + 2 * GROUP_PAD)
            # the title within its column, where routes run straight: an outer frame's
            # corner lies in the gap before it, where routes turn (a route climbing
            # into the frame crossed the start of its title)
            title_a[g] = max(lo + GROUP_PAD, a_of_rank[r0] - lg.rank_width[r0] / 2)
            hi = max(hi, title_a[g] + lg.glabel_text[g][0] + GROUP_PAD)
        frame_a[g] = (lo, hi)
    # the drawing's extent, then a margin (and the title) around it
    a_lo = min([a[v] - lg.ext_a[v] / 2 for v in range(lg.n_real)] +
               [a[v] - row[0] / 2 for v, row in lg.loops.items() if row is not None and lg.lr] +
               [f[0] for f in frame_a if f is not None] +
               [f[0] for f in getattr(lg, "column_a", ())] +
               # a relation against the flow into the first rank turns back before it
               [a[chain[0]] - lg.rank_width[0] / 2 - lg.band[0] - U_TURN / 0.75
                for (_u, _v, k, rev), chain in zip(lg.edges, lg.chains)
                if rev and (chain[-1], k) in lg.back_lane and lg.node_rank[chain[0]] == 0], default=0.0)
    b_lo = 0.0
    if spec.columns is not None:
        # the stage columns span the drawing across the flow; their labels
        # sit in a strip no lane or box enters: above everything in LR, at
        # the left in TB
        label_h = max((size[1] for _, _, size in spec.columns), default=0.0)
        label_w = max((size[0] for _, _, size in spec.columns), default=0.0)
        b_lo = -(label_h + 2 * LABEL_PAD) if lg.lr else -(label_w + 3 * LABEL_PAD)
        b_hi = max([b[v] + lg.hi_b[v] for v in range(total)] +
                   [b[lg.R(g)] for g in range(G) if lg.span[g] is not None], default=0.0) + COLUMN_PAD
        if not lg.lr:
            b_hi = max([b_hi] + [b_lo + size[0] + 2 * LABEL_PAD for _, _, size in spec.columns])
    title_h = spec.title_size[1] + TITLE_GAP if spec.title_size else 0.0

    def point(pa, pb):
        pa, pb = pa - a_lo + MARGIN, pb - b_lo + MARGIN
        return (pa, pb + title_h) if lg.lr else (pb, pa + title_h)

    def box(pa, pb, ea, eb):
        x, y = point(pa, pb)
        return Box(x, y, ea, eb) if lg.lr else Box(x, y, eb, ea)

    nodes = {name: box(a[v], b[v], lg.ext_a[v], lg.ext_b[v]) for v, name in enumerate(spec.nodes)}
    groups, group_labels = {}, {}
    for g, name in enumerate(lg.group_names):
        if frame_a[g] is None:
            continue
        lo, hi = frame_a[g]
        bl, br = b[lg.L(g)], b[lg.R(g)]
        frame = box((lo + hi) / 2, (bl + br) / 2, hi - lo, br - bl)
        groups[name] = frame
        lw, lh = lg.glabel_text[g]
        left = point(title_a[g], 0.0)[0] if g in title_a else frame.left + GROUP_PAD
        group_labels[name] = Box(left + lw / 2, frame.top + GROUP_PAD / 2 + lh / 2, lw, lh)
    columns = []
    for c, (stage, text, (lw, lh)) in enumerate(spec.columns or ()):
        lo, hi = lg.column_a[c]
        frame = box((lo + hi) / 2, (b_lo + b_hi) / 2, hi - lo, b_hi - b_lo)
        columns.append(Column(stage, text, frame, Box(frame.left + LABEL_PAD + lw / 2,
                                                      frame.top + LABEL_PAD + lh / 2, lw, lh)))
    edges = []
    by_index = {k: (chain, rev) for (u, v, k, rev), chain in zip(lg.edges, lg.chains)}
    for k, (s, t, kind, label) in enumerate(spec.edges):
        if k in by_index:
            chain, rev = by_index[k]
            if rev and (chain[-1], k) in lg.back_lane:   # the roadmap's relations against the flow
                pts = [point(pa, pb) for pa, pb in back_route(lg, chain, a, b, k, a_of_rank)]
            else:
                pts = route(lg, chain, a, b)
                pts = [point(pa, pb) for pa, pb in pts]
                if rev:
                    pts.reverse()
        lab = None
        if k not in by_index:  # a deliverable related to itself: a loop in the room beside its box
            nb, c = nodes[s], LOOP_REACH / 0.75  # a cubic reaches 3/4 of the way to its control points
            row = lg.loops.get(lg.index[s])   # the loop's notes side by side; this one at `at`
            at = lg.loop_note_at.get(k, 0.0)
            if lg.lr:  # below it, over its note
                nx = nb.x - row[0] / 2 + at + label[0] / 2 if label and row else nb.x   # over its note
                ax = min(max(nx, nb.left + 10), nb.right - 10) if label else nb.x   # where it leaves the box
                pts = [(ax + 8, nb.bottom), (nx + 22, nb.bottom + c), (nx - 22, nb.bottom + c), (ax - 8, nb.bottom)]
                if label is not None:
                    lab = Box(nx, nb.bottom + LOOP_REACH + NOTE_GAP + label[1] / 2, label[0], label[1])
            else:  # right of it, before its note (below an exit criterion's tag, which is there too)
                y0 = max(nb.y, nb.top + spec.tag_height + 11) if s in spec.room else nb.y
                y = y0 - row[1] / 2 + at + label[1] / 2 if label and row else y0   # before its note
                ay = min(max(y, nb.top + 10), nb.bottom - 10) if label else y0   # where it leaves the box
                pts = [(nb.right, ay - 8), (nb.right + c, y - 22), (nb.right + c, y + 22), (nb.right, ay + 8)]
                if label is not None:
                    lab = Box(nb.right + LOOP_REACH + NOTE_GAP + label[0] / 2, y, label[0], label[1])
        w = next((w for w in chain[1:-1] if w in lg.note_at), None) if k in by_index else None
        if lab is not None:
            pass
        elif label is not None and w is not None:  # beside its route, in the room its rank keeps for it
            nw, nh = label
            if lg.lr:
                lab = box(a[w], b[w] - NOTE_GAP - nh / 2, nw, nh)
            else:
                lab = box(a[w], b[w] + NOTE_GAP + nw / 2, nh, nw)
        elif label is not None:
            mid = len(pts) // 2
            mx, my = pts[mid]
            lab = Box(mx + label[0] / 2 + 3, my - label[1] / 2 - 2, label[0], label[1])
        edges.append(Route(s, t, kind, tuple(pts), lab))
    _apart(edges, lg.lr)
    _mutual_ends_apart(edges, lg.lr, nodes, list(group_labels.values()) + [c.label_box for c in columns])
    # a route's control points may reach past the boxes (a loop's curve
    # beside a box in the first rank, the first of several loops' notes):
    # the drawing moves until they are inside it, so nothing is cut
    dx = max(0.0, -min([px for e in edges for px, _ in e.points] +
                       [e.label.left for e in edges if e.label is not None], default=0.0))
    dy = max(0.0, -min([py for e in edges for _, py in e.points] +
                       [e.label.top for e in edges if e.label is not None], default=0.0))
    if dx or dy:
        def moved(bx: Box) -> Box:
            return Box(bx.x + dx, bx.y + dy, bx.width, bx.height)

        nodes = {name: moved(bx) for name, bx in nodes.items()}
        groups = {name: moved(bx) for name, bx in groups.items()}
        group_labels = {name: moved(bx) for name, bx in group_labels.items()}
        columns = [Column(c.stage, c.label, moved(c.frame), moved(c.label_box), c.caption) for c in columns]
        edges = [Route(e.source, e.target, e.kind, tuple((px + dx, py + dy) for px, py in e.points),
                       moved(e.label) if e.label is not None else None) for e in edges]
    xs = [bx.right for bx in nodes.values()] + [bx.right for bx in groups.values()]
    ys = [bx.bottom for bx in nodes.values()] + [bx.bottom for bx in groups.values()]
    xs += [c.frame.right for c in columns]
    ys += [c.frame.bottom for c in columns]
    for v in range(lg.n_real):  # and the room kept beside a box (its tag, its loop)
        if lg.hi_b[v] > lg.half_b[v]:
            x, y = point(a[v], b[v] + lg.hi_b[v])
            xs.append(x + dx)
            ys.append(y + dy)
    for e in edges:
        for px, py in e.points:
            xs.append(px)
            ys.append(py)
        if e.label is not None:
            xs.append(e.label.right)
            ys.append(e.label.bottom)
    title = None
    if spec.title_size:
        tw, th = spec.title_size
        title = Box(MARGIN + tw / 2, MARGIN / 2 + th / 2, tw, th)
        xs.append(title.right)
    width = max(xs, default=0.0) + MARGIN
    height = max(ys, default=0.0) + MARGIN
    return Layout(width=width, height=height, nodes=nodes, edges=tuple(edges), groups=groups,
                  group_labels=group_labels, title=title, engine="prep",
                  direction="LR" if lg.lr else "TB", columns=tuple(columns))


PARALLEL_APART = 5.0   # an input and a synchronization on one route: this far apart (an arrowhead's width)


def _apart(edges: list[Route], lr: bool) -> None:
    """An input and a synchronization between the same two boxes on the
    same route (`a -> b` and `a <~> b`; on a page, a box's input and its
    synchronization to one off-page marker) were drawn on top of each other,
    the solid line over the dashes: one solid double arrow. Each is moved
    half an arrowhead's width to its side, across the flow."""
    first: dict[tuple, int] = {}
    moved: set[tuple] = set()
    for i, e in enumerate(edges):
        if len(e.points) < 2:
            continue
        key = (e.points if e.points[0] <= e.points[-1] else tuple(reversed(e.points)))
        j = first.setdefault(key, i)
        if j != i and key not in moved and (edges[j].kind == "input") != (e.kind == "input"):
            moved.add(key)
            for k, d in ((j, -PARALLEL_APART / 2), (i, PARALLEL_APART / 2)):
                dx, dy = (0.0, d) if lr else (d, 0.0)
                edges[k] = Route(edges[k].source, edges[k].target, edges[k].kind,
                                 tuple((x + dx, y + dy) for x, y in edges[k].points), edges[k].label)


def _mutual_ends_apart(edges: list[Route], lr: bool, nodes: dict[str, Box], texts: list[Box]) -> None:
    """A box's routes leave one point of its side, so a mutual relation's
    arrowhead at a box that other relations leave or enter too sat on their
    solid lines (`成功計画 <~> 顧客合意` beside `成功計画 -> 成功計画の合意`
    read as a solid double arrow into 成功計画). Such an end, with the
    straight run that leaves it, moves an arrowhead's width across the flow,
    towards where the route goes (else the other way); it stays on the box's
    side, and does not move where the run would cross another box or a
    text (a frame's title, another relation's note: a small page's routes
    run close to them)."""
    def key(p):
        return (round(p[0], 2), round(p[1], 2))

    ends: dict[tuple, int] = {}
    for e in edges:
        for p in (e.points[:1] + e.points[-1:]) if e.points else ():
            ends[key(p)] = ends.get(key(p), 0) + 1
    for i, e in enumerate(edges):
        if e.kind != "mutual" or len(e.points) < 2:
            continue
        pts = list(e.points)
        shift = 0.0
        moves = []   # (the end's point before, after): undone when the move is not kept
        for start in (True, False):
            order = list(range(len(pts))) if start else list(range(len(pts) - 1, -1, -1))
            end, far = pts[order[0]], pts[order[-1]]
            if ends.get(key(end), 0) < 2:
                continue   # its own point: nothing else there
            c = 1 if lr else 0   # the coordinate across the flow
            run = []   # the run leaving the box at its lateral, and the curve's first handle
            for k in order:
                if abs(pts[k][c] - end[c]) > 0.01:
                    break
                run.append(k)
            toward = PARALLEL_APART if far[c] >= end[c] else -PARALLEL_APART
            others = ([b for n, b in nodes.items() if n not in (e.source, e.target)] + texts
                      + [o.label for j, o in enumerate(edges) if j != i and o.label is not None])
            d = next((d for d in (toward, -toward) if not _run_crosses([pts[k] for k in run], d, c, others)), None)
            if d is None:
                continue
            shift = d
            ends[key(end)] -= 1
            for k in run:
                pts[k] = (pts[k][0], pts[k][1] + d) if lr else (pts[k][0] + d, pts[k][1])
            moved_end = pts[order[0]]
            ends[key(moved_end)] = ends.get(key(moved_end), 0) + 1
            moves.append((key(end), key(moved_end)))
        label = e.label
        if label is not None and _near(pts, label) > _near(e.points, label) + 0.01:   # its note goes with it
            dx, dy = (0.0, shift) if lr else (shift, 0.0)
            label = Box(label.x + dx, label.y + dy, label.width, label.height)
        if label is not None and not beside(pts, label) and beside(e.points, e.label):
            for before, after in moves:   # the note would no longer be beside its relation (as the
                ends[after] -= 1          # page checks measure it): the route stays as it was
                ends[before] += 1
            continue
        edges[i] = Route(e.source, e.target, e.kind, tuple(pts), label)


def _run_crosses(run: list[tuple[float, float]], d: float, c: int, boxes: list[Box]) -> bool:
    """Whether a straight run along the flow, moved `d` across it (`c`: the
    coordinate across), passes through one of `boxes` (a point's clearance)."""
    lateral = run[0][c] + d
    lo, hi = min(p[1 - c] for p in run), max(p[1 - c] for p in run)
    for b in boxes:
        (b_lo, b_hi), (a_lo, a_hi) = ((b.top, b.bottom), (b.left, b.right)) if c == 1 else ((b.left, b.right),
                                                                                            (b.top, b.bottom))
        if b_lo - 1.0 < lateral < b_hi + 1.0 and a_lo < hi and lo < a_hi:
            return True
    return False


def _near(points, box: Box) -> float:
    """How far a route's control polygon (sampled) comes to a box."""
    best = float("inf")
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for t in (0.0, 0.25, 0.5, 0.75, 1.0):
            x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            dx = max(box.left - x, 0.0, x - box.right)
            dy = max(box.top - y, 0.0, y - box.bottom)
            best = min(best, (dx * dx + dy * dy) ** 0.5)
    return best


def route(lg, chain: list[int], a, b) -> list[tuple[float, float]]:
    """Cubic Bézier control points (in a/b) through the chain: straight
    out of the first box to the edge of its rank's column, straight
    through each rank the edge skips, straight into the last box, and an
    S-curve across each gap between ranks. Every curve across one gap
    spans the same stretch of the flow axis, so two routes cross there
    only if their order changes: the drawing has exactly the crossings
    the ordering counted."""
    u, v = chain[0], chain[-1]
    half_u = lg.rank_width[lg.node_rank[u]] / 2
    half_v = lg.rank_width[lg.node_rank[v]] / 2
    pts = [(a[u] + lg.ext_a[u] / 2, b[u])]
    column_end = a[u] + half_u

    def straight(to):
        (x0, y0), x1 = pts[-1], to
        if x1 > x0 + 0.01:
            d = (x1 - x0) / 3
            pts.extend([(x0 + d, y0), (x1 - d, y0), (x1, y0)])

    straight(column_end)
    band = lg.band
    stops = [(a[w] - lg.rank_width[lg.node_rank[w]] / 2 - band[lg.node_rank[w]],
              a[w] + lg.rank_width[lg.node_rank[w]] / 2, b[w]) for w in chain[1:-1]]
    stops.append((a[v] - half_v - band[lg.node_rank[v]], a[v] - lg.ext_a[v] / 2, b[v]))
    for enter, leave, lateral in stops:
        x0, y0 = pts[-1]
        mid = (enter - x0) / 2
        pts.extend([(x0 + mid, y0), (enter - mid, lateral), (enter, lateral)])
        straight(leave)
    return merge_straight(pts)


U_TURN = 16.0   # how far a route turning back reaches into the gap beyond its rank (3/4 of it drawn)


def back_route(lg, chain: list[int], a, b, k: int, a_of_rank) -> list[tuple[float, float]]:
    """Cubic Bézier control points (in a/b) of a relation drawn against the
    flow (the roadmap view), from its source chain[-1] to its target
    chain[0]: out of the source's outgoing side, turning back in the gap
    after its rank into the lane kept beside it, back through the ranks the
    relation skips (as `route` goes forward through them), along the lane
    beside the target, turning in the gap before the target's rank and into
    its incoming side. Every arrow so enters its target where inputs do
    (a line leaving a box's input side with their arrowheads read as a
    double arrow: `e1 -> d` drawn as d <-> e1)."""
    src, dst = chain[-1], chain[0]
    width = lg.rank_width
    band = lg.band

    def column(v):   # the stretch of the flow a node's rank takes (its band included at the start)
        r = lg.node_rank[v]
        return a[v] - width[r] / 2 - band[r], a[v] + width[r] / 2

    def reach(r, after: bool) -> float:   # a turn within the gap beside rank r
        if after and r + 1 < lg.n_ranks:
            gap = (a_of_rank[r + 1] - width[r + 1] / 2 - band[r + 1]) - (a_of_rank[r] + width[r] / 2)
        elif not after and r > 0:
            gap = (a_of_rank[r] - width[r] / 2 - band[r]) - (a_of_rank[r - 1] + width[r - 1] / 2)
        else:
            gap = 2 * U_TURN
        return max(2.0, min(U_TURN, gap / 2))

    lane_s, lane_d = b[src] + lg.back_lane[(src, k)], b[dst] + lg.back_lane[(dst, k)]
    start, end = column(src)
    x0 = a[src] + lg.ext_a[src] / 2
    pts = [(x0, b[src])]
    if end > x0 + 0.01:
        d = (end - x0) / 3
        pts += [(x0 + d, b[src]), (end - d, b[src]), (end, b[src])]
    turn = reach(lg.node_rank[src], True) / 0.75
    pts += [(end + turn, b[src]), (end + turn, lane_s), (end, lane_s)]
    d = (end - start) / 3
    pts += [(end - d, lane_s), (start + d, lane_s), (start, lane_s)]
    # back through the ranks between: an S-curve across each gap, straight through each rank
    for w, lateral in [(w, b[w]) for w in reversed(chain[1:-1])] + [(dst, lane_d)]:
        lo, hi = column(w)
        x, y = pts[-1]
        mid = (x - hi) / 2
        pts += [(x - mid, y), (hi + mid, lateral), (hi, lateral)]
        d = (hi - lo) / 3
        pts += [(hi - d, lateral), (lo + d, lateral), (lo, lateral)]
    turn = reach(lg.node_rank[dst], False) / 0.75
    lo = pts[-1][0]
    pts += [(lo - turn, lane_d), (lo - turn, b[dst]), (lo, b[dst])]
    x1 = a[dst] - lg.ext_a[dst] / 2
    if x1 > lo + 0.01:
        d = (x1 - lo) / 3
        pts += [(lo + d, b[dst]), (x1 - d, b[dst]), (x1, b[dst])]
    return merge_straight(pts)


def merge_straight(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """One Bézier piece for each run of pieces along one straight line
    across the flow (an edge passing ranks without turning)."""
    out = [pts[0]]
    for i in range(1, len(pts) - 2, 3):
        piece = pts[i:i + 3]
        x0, y0 = out[-1]
        flat = all(abs(y - y0) < 0.01 for _, y in piece)
        if flat and len(out) >= 4 and all(abs(y - y0) < 0.01 for _, y in out[-4:]):
            start = out[-4][0]
            end = piece[2][0]
            d = (end - start) / 3
            out[-3:] = [(start + d, y0), (end - d, y0), (end, y0)]
        else:
            out.extend(piece)
    return out
