"""Stable between edits: with a previous layout, each phase starts from
where things were (old ranks, old places, old routes) instead of afresh."""

from __future__ import annotations

from .spec import ANCHOR_PASSES, GROUP_PAD, GROUP_SEP, NODE_SEP, VIRTUAL_SEP


def previous_places(lg) -> list[float] | None:
    """Each deliverable's place in the previous layout; a new one takes
    the mean place of its related deliverables that were there before,
    else the place of the deliverable declared just before it."""
    prev = lg.spec.previous
    if not prev:
        return None
    names = lg.spec.nodes
    near: list[list[float]] = [[] for _ in names]
    for s, t, _kind, _label in lg.spec.edges:
        if t in prev and s not in prev:
            near[lg.index[s]].append(prev[t])
        if s in prev and t not in prev:
            near[lg.index[t]].append(prev[s])
    out, last = [], 0.0
    for i, name in enumerate(names):
        if name in prev:
            last = prev[name]
        elif near[i]:
            last = sum(near[i]) / len(near[i])
        out.append(last)
    return out


def keep_previous_ranks(lg, rank, topo, pred, succ) -> None:
    """With a previous layout, a deliverable keeps its old rank (its
    column) where its inputs and outputs still allow it: an edit should
    not move an old box to another column."""
    flow = lg.spec.previous_flow
    if not flow:
        return
    # the ranks of the old boxes, and the ranks only a note was written in
    columns = sorted({round(a, 1) for a in flow.values()} | {round(a, 1) for a in lg.spec.previous_note_flow})
    old = {name: columns.index(round(a, 1)) for name, a in flow.items()}
    # old ranks are counted from the old first column; align the new
    # ranks so that the old deliverables keep their numbers where they can
    shifts = [rank[v] - old[name] for v, name in enumerate(lg.spec.nodes) if name in old]
    if not shifts:
        return
    shift = sorted(shifts)[len(shifts) // 2]
    # in flow order: an old box takes its old rank unless one of its
    # inputs now sits there or later; a new one goes right after its inputs
    for v in topo:
        name = lg.spec.nodes[v]
        lo = max((rank[u] + (2 if (u, v) in lg.long else 1) for u in pred[v]), default=None)
        if name in old:
            want = old[name] + shift
            rank[v] = want if lo is None or want >= lo else lo
        elif lo is not None:
            rank[v] = lo


def previous_virtual_places(lg) -> None:
    """Where each virtual node was: where the edge's previous route
    crossed the middle of the rank (the rank's place along the flow
    taken from the previous boxes of that rank); interpolated between
    the ends for an edge that is new or skipped other ranks."""
    routes = lg.spec.previous_routes or {}
    prev_a = lg.spec.previous_flow or {}
    column: dict[int, list[float]] = {}
    for v, name in enumerate(lg.spec.nodes):
        if name in prev_a:
            column.setdefault(lg.rank[v], []).append(prev_a[name])
    middle = {r: sorted(xs)[len(xs) // 2] for r, xs in column.items()}
    fit_new_boxes(lg, middle, routes)
    seen: dict[tuple, int] = {}
    places = lg.previous + [0.0] * (len(lg.node_rank) - lg.n_real)
    for (u, v, k, rev), chain in zip(lg.edges, lg.chains):
        s, t, kind, _label = lg.spec.edges[k]
        key = (s, t, kind)
        nth = seen.get(key, 0)
        seen[key] = nth + 1
        candidates = routes.get(key, [])
        pts = candidates[nth] if nth < len(candidates) else None
        a0, b0 = places[chain[0]], places[chain[-1]]
        m = len(chain) - 1
        for i, w in enumerate(chain[1:-1], 1):
            places[w] = a0 + (b0 - a0) * i / m
            r = lg.node_rank[w]
            if pts is not None and r in middle:
                hit = lateral_at(pts, middle[r])
                if hit is not None:
                    places[w] = hit
    lg.previous = places


def fit_new_boxes(lg, middle: dict[int, float], routes) -> None:
    """A deliverable new since the previous layout goes to the free
    stretch of its rank nearest to its related deliverables (inside its
    group's old frame when it has one), so it pushes no box aside when
    there is room; only where there is none does the order make room."""
    prev = lg.spec.previous or {}
    frames = lg.spec.previous_groups or {}
    sizes = lg.spec.sizes
    for v, name in enumerate(lg.spec.nodes):
        if name in prev or lg.rank[v] not in middle:
            continue
        at = middle[lg.rank[v]]
        group = lg.spec.node_group.get(name)
        inside = set()
        g = group
        while g is not None:
            inside.add(g)
            g = lg.spec.groups[g][0] if g in lg.spec.groups else None
        # never above (left of) the old drawing: that would move every box
        lo, hi = 0.0, 1e18
        if group in frames:
            a0, a1, b0, b1 = frames[group]
            if a0 <= at <= a1:
                lo, hi = b0 + GROUP_PAD, b1 - GROUP_PAD
        taken = []
        for other, b in prev.items():
            a = (lg.spec.previous_flow or {}).get(other)
            if a is None or other not in sizes:
                continue
            w, h = sizes[other]
            ea, eb = (w, h) if lg.lr else (h, w)
            if abs(a - at) <= ea / 2:
                taken.append((b - eb / 2 - NODE_SEP, b + eb / 2 + NODE_SEP))
        for g, (a0, a1, b0, b1) in frames.items():
            if g not in inside and a0 <= at <= a1:
                taken.append((b0 - GROUP_SEP, b1 + GROUP_SEP))
        for paths in routes.values():
            for pts in paths:
                b = lateral_at(pts, at)
                if b is not None:
                    taken.append((b - VIRTUAL_SEP, b + VIRTUAL_SEP))
        half = lg.ext_b[v] / 2
        want = lg.previous[v]
        best = None
        edge = lo
        for t0, t1 in sorted(taken) + [(hi, hi)]:
            if t0 > edge:  # a free stretch from edge to t0
                g0, g1 = edge + half, min(t0, hi) - half
                if g1 >= g0:
                    place = min(max(want, g0), g1)
                    if best is None or abs(place - want) < abs(best - want):
                        best = place
            edge = max(edge, t1)
            if edge >= hi:
                break
        if best is not None and abs(best) < 1e17:
            lg.previous[v] = best


def anchor(lg, x, topo, pred, succ, total, G, L, R) -> None:
    """Move every item as close to where it was in the previous layout
    as the order allows (a new deliverable: where its neighbours were),
    so an edit moves the boxes it pushes and no others."""
    anchor = [0.0] * len(x)
    anchor[:total] = lg.previous
    members: list[list[int]] = [[] for _ in range(G)]
    for v in range(total):
        g = lg.cluster[v]
        while g != -1:
            members[g].append(v)
            g = lg.gparent[g]
    for g in range(G):
        if lg.span[g] is not None and members[g]:
            anchor[L(g)] = min(anchor[v] - lg.half_b[v] for v in members[g]) - GROUP_PAD
            anchor[R(g)] = max(anchor[v] + lg.half_b[v] for v in members[g]) + GROUP_PAD
    # each item's constraints as flat tuples, read once (this loop is most of
    # a save's layout at 1,000 deliverables)
    items = [(v, anchor[v], pred[v], succ[v]) for v in topo]
    backwards = items[::-1]
    for it in range(ANCHOR_PASSES):
        moved = False
        # bottom-up first: a packed column opens from its far end
        for v, want, before, after in (items if it % 2 else backwards):
            lo = -1e18
            for a, gap in before:
                if x[a] + gap > lo:
                    lo = x[a] + gap
            hi = 1e18
            for b, gap in after:
                if x[b] - gap < hi:
                    hi = x[b] - gap
            at = lo if lo > want else want  # min(max(want, lo), hi), as the builtins pick on ties
            if hi < at:
                at = hi
            if at != x[v] or type(at) is not type(x[v]):
                moved = True
            x[v] = at
        if not moved:  # every item is where its constraints let it be: further passes change nothing
            break


def lateral_at(points, a: float) -> float | None:
    """The lateral coordinate where a polyline (of (a, b) points) first
    reaches flow position `a`."""
    for (a0, b0), (a1, b1) in zip(points, points[1:]):
        if (a0 - a) * (a1 - a) <= 0 and a0 != a1:
            return b0 + (b1 - b0) * (a - a0) / (a1 - a0)
    return None
