"""Phase 4, node placement: lateral places (each rank's order as
constraints, packed and then pulled towards neighbours) and the place of
each rank along the flow (the roadmap view: column by column)."""

from __future__ import annotations

from . import incremental
from .spec import (COLUMN_GAP, COLUMN_PAD, GROUP_PAD, GROUP_SEP, LABEL_PAD, LOOP_REACH, NODE_SEP, NOTE_GAP,
                   NOTE_PAD, RANK_SEP, VIRTUAL_SEP)


ROUTE_GAP_FLOOR = 0.6   # the smallest share of VIRTUAL_SEP a lateral_gap leaves between routes
BACK_LANE = 12.0        # roadmap: the room beside a box for a relation against the flow turning back
SYNC_GAP = 30.0         # the least room for a synchronization between two ranks: two 7 pt arrowheads, dashes


def place(lg) -> None:
    total = len(lg.node_rank)
    G = len(lg.group_names)
    half = [(lg.ext_b[v] / 2 if v < lg.n_real else 0.0) for v in range(total)]
    lg.half_b = half
    # what each item takes before and after its place across the flow: a
    # box its half (and room for its tag), a virtual node nothing, one
    # that writes a note the note beside it (LR: above, TB: to the right)
    ring = lg.spec.ring
    lo_b = [h + ring if v < lg.n_real else h for v, h in enumerate(half)] if ring else list(half)
    hi_b = list(lo_b)
    for name, (before, after) in lg.spec.room.items():
        v = lg.index[name]
        lo_b[v] += before
        hi_b[v] += after
    for v, note in lg.loops.items():  # below the box in LR, right of it in TB
        hi_b[v] += LOOP_REACH + (0.0 if note is None else NOTE_GAP + (note[1] if lg.lr else note[0]))
    for w, (_k, (nw, nh)) in lg.note_at.items():
        if lg.lr:
            lo_b[w] = nh + NOTE_GAP
        else:
            hi_b[w] = nw + NOTE_GAP
    # a relation drawn against the flow (in the roadmap view: into an
    # earlier stage, or out of an exit criterion into its own stage; in any
    # view: the one a cycle is broken at, `e -> d` in d -> e -> d) leaves
    # its source on its outgoing side and enters its target on its incoming
    # side, where inputs come in; it turns back beside each of them, along
    # a lane kept free after the box (LR: below it, TB: right of it), one
    # lane per such relation. A mutual synchronization has no way against
    # the flow: outside the roadmap it is drawn straight
    lg.back_lane: dict[tuple[int, int], float] = {}
    lane = BACK_LANE * max(lg.spec.lateral_gap, ROUTE_GAP_FLOOR)
    roadmap = lg.spec.columns is not None
    for u, v, k, rev in lg.edges:
        if rev and (roadmap or lg.spec.edges[k][2] != "mutual"):
            for end in (v, u):   # its source (the later rank), then its target
                hi_b[end] += lane
                lg.back_lane[(end, k)] = hi_b[end] - lane / 2
    lg.lo_b, lg.hi_b = lo_b, hi_b
    # TB: a frame's title is written above its first rank, where routes
    # come in straight (see `bands`): what the frame holds on that rank
    # starts right of the title
    title_room = [0.0] * G if lg.lr else [lg.glabel[g][0] + GROUP_PAD for g in range(G)]
    # variables: nodes 0..total-1, then each group's two sides (top/left, bottom/right)
    L = lambda g: total + 2 * g  # noqa: E731
    R = lambda g: total + 2 * g + 1  # noqa: E731
    nvar = total + 2 * G
    label_b = [(lg.glabel[g][1] if lg.lr else 0.0) for g in range(G)]
    min_width = [(lg.glabel[g][0] + 2 * GROUP_PAD if not lg.lr else 2 * GROUP_PAD) for g in range(G)]
    cons: dict[tuple[int, int], float] = {}
    # the separations across the flow (a page's pieces: closer, as its ranks are)
    k = lg.spec.lateral_gap
    # routes passing a rank keep at least 0.6 of their gap (a page's 0.4 put them 3 pt apart)
    node_sep, virtual_sep, group_sep = NODE_SEP * k, VIRTUAL_SEP * max(k, ROUTE_GAP_FLOOR), GROUP_SEP * k

    def need(a, b, gap):
        k = (a, b)
        if cons.get(k, -1e18) < gap:
            cons[k] = gap

    for g in range(G):
        if lg.span[g] is not None:
            need(L(g), R(g), min_width[g])
    for r, evs in enumerate(lg.events):
        prev = None
        for kind, obj in evs:
            if prev is None:
                prev = (kind, obj)
                continue
            pk, po = prev
            if pk == "n":
                a, ga = po, hi_b[po]
                if kind == "n":
                    sep = node_sep if (po < lg.n_real and obj < lg.n_real) else virtual_sep
                    if po < lg.n_real or obj < lg.n_real:
                        sep = max(sep, virtual_sep)
                    need(a, obj, ga + sep + lo_b[obj])
                elif kind == "o":
                    need(a, L(obj), ga + group_sep)
                else:  # close of the enclosing group
                    need(a, R(obj), ga + GROUP_PAD)
            elif pk == "o":
                room = label_b[po] + (title_room[po] if r == lg.span[po][0] else 0.0)
                if kind == "n":
                    need(L(po), obj, GROUP_PAD + room + lo_b[obj])
                elif kind == "o":
                    need(L(po), L(obj), GROUP_PAD + room)
                else:
                    pass  # an empty stretch of a frame: L <= R holds already
            else:  # pk == "c"
                if kind == "n":
                    need(R(po), obj, group_sep + lo_b[obj])
                elif kind == "o":
                    need(R(po), L(obj), group_sep)
                else:
                    need(R(po), R(obj), GROUP_PAD)
            prev = (kind, obj)
    succ: list[list[tuple[int, float]]] = [[] for _ in range(nvar)]
    pred: list[list[tuple[int, float]]] = [[] for _ in range(nvar)]
    indeg = [0] * nvar
    for (a, b), gap in cons.items():
        succ[a].append((b, gap))
        pred[b].append((a, gap))
        indeg[b] += 1
    # longest path from the top: every item as high/left as it can go
    topo = [v for v in range(nvar) if indeg[v] == 0]
    i = 0
    while i < len(topo):
        a = topo[i]
        i += 1
        for b, _gap in succ[a]:
            indeg[b] -= 1
            if indeg[b] == 0:
                topo.append(b)
    x = [0.0] * nvar
    for a in topo:
        xa = x[a]
        for b, gap in succ[a]:
            if x[b] < xa + gap:
                x[b] = xa + gap
    anchored = lg.previous is not None and not lg.spec.order_only
    if anchored:
        incremental.anchor(lg, x, topo, pred, succ, total, G, L, R)
    else:
        # pull each node towards its neighbours within what its rank allows,
        # alternately from both ends, so edges run straighter
        active = [v for v in topo if v < total]
        for it in range(6 if total <= lg.big() else 2):
            seq = active if it % 2 == 0 else active[::-1]
            for v in seq:
                ns = lg.up[v] + lg.down[v]
                if not ns:
                    continue
                target = sorted(x[u] for u in ns)[len(ns) // 2] if len(ns) % 2 else \
                    sum(sorted(x[u] for u in ns)[len(ns) // 2 - 1: len(ns) // 2 + 1]) / 2
                lo = max((x[a] + gap for a, gap in pred[v]), default=-1e18)
                hi = min((x[b] - gap for b, gap in succ[v]), default=1e18)
                x[v] = min(max(target, lo), hi)
    # frames hug their content again, innermost first: a left side as far
    # right as what follows it allows, a right side as far left
    for g in sorted(range(G), key=lambda g: -lg.gdepth[g]):
        if lg.span[g] is not None:
            x[L(g)] = min(x[c] - gap for c, gap in succ[L(g)])
    for g in sorted(range(G), key=lambda g: -lg.gdepth[g]):
        if lg.span[g] is not None:
            x[R(g)] = max(x[c] + gap for c, gap in pred[R(g)])
    edges_lo = [x[v] - lo_b[v] for v in range(total)]
    edges_lo += [x[L(g)] for g in range(G) if lg.span[g] is not None]
    shift = min(edges_lo, default=0.0) if not anchored else min(0.0, min(edges_lo, default=0.0))
    lg.b = [v - shift for v in x]
    lg.L, lg.R = L, R


def rank_coordinates(lg) -> list[float]:
    width = [0.0] * lg.n_ranks
    for v in range(lg.n_real):
        r = lg.node_rank[v]
        width[r] = max(width[r], lg.ext_a[v])
    for v, note in lg.loops.items():  # a loop's note is written under it, inside its rank (LR)
        if note is not None and lg.lr:
            width[lg.node_rank[v]] = max(width[lg.node_rank[v]], note[0] + 2 * NOTE_PAD)
        elif note is not None and lg.loop_notes.get(v, 0) > 1:   # TB: a column of notes beside the box
            width[lg.node_rank[v]] = max(width[lg.node_rank[v]], note[1] + 2 * NOTE_PAD)
    for w, (_k, (nw, nh)) in lg.note_at.items():  # a note is written inside its rank
        r = lg.node_rank[w]
        width[r] = max(width[r], (nw if lg.lr else nh) + 2 * NOTE_PAD)
    if lg.lr:  # a frame's title is written inside its first rank's column, where no route runs across
        for g, s in enumerate(lg.span):
            if s is not None:
                width[s[0]] = max(width[s[0]], lg.glabel[g][0] + 2 * GROUP_PAD * (lg.gdepth[g] + 1))
    depth = max((d + 1 for d in lg.gdepth), default=0)
    rank_sep = RANK_SEP * lg.spec.rank_gap + 2 * lg.spec.ring   # routes turn clear of outer borders (spec.ring)
    # a frame reaches GROUP_PAD a level beyond its boxes along the flow: room
    # for that only where frames end (before the gap) or start (after it),
    # not between every two ranks (a 20-rank picture with one level of
    # groups spent 20 x 18 pt on frame sides that were not there)
    ends, starts = [0] * lg.n_ranks, [0] * lg.n_ranks
    for g, s in enumerate(lg.span):
        if s is not None:
            ends[s[1]] = max(ends[s[1]], lg.gdepth[g] + 1)
            starts[s[0]] = max(starts[s[0]], lg.gdepth[g] + 1)
    gap = [rank_sep + GROUP_PAD * (ends[r] + starts[r + 1]) for r in range(lg.n_ranks - 1)]
    # TB: a frame's title sits above its first rank, in a band routes cross
    # straight (they turn before it)
    lg.band = [0.0] * lg.n_ranks
    if not lg.lr:
        for g, s in enumerate(lg.span):
            if s is not None and s[0] > 0:
                band = lg.glabel[g][1] + GROUP_PAD * (lg.gdepth[g] + 2)
                gap[s[0] - 1] = max(gap[s[0] - 1], rank_sep + band)
                lg.band[s[0]] = max(lg.band[s[0]], band)
    # a synchronization between neighbouring ranks keeps room for its
    # arrowheads and some of its dashes: at a page's closer ranks (13.8 pt)
    # a <~> was two arrowheads touching, its dashed line (what says
    # "coordination") gone
    for u, v, k, _rev in lg.edges:
        if lg.spec.edges[k][2] != "input" and lg.node_rank[v] == lg.node_rank[u] + 1:
            r = lg.node_rank[u]
            slack = (width[r] - lg.ext_a[u]) / 2 + (width[r + 1] - lg.ext_a[v]) / 2
            gap[r] = max(gap[r], SYNC_GAP - slack)
    lg.rank_width = width
    if lg.spec.columns is not None:
        return column_coordinates(lg, width, gap, depth)
    a = []
    cur = 0.0
    for r in range(lg.n_ranks):
        if r:
            cur += width[r - 1] / 2 + gap[r - 1] + width[r] / 2
        a.append(cur)
    return a


def column_coordinates(lg, width, gap, depth) -> list[float]:
    """Ranks placed column by column: each stage's frame holds its
    ranks with a pad (and, in TB, its label above them), is at least as
    wide as its label in LR, and the next frame starts a small gap
    after it. Sets `column_a`: each frame's extent along the flow."""
    a = [0.0] * lg.n_ranks
    lg.column_a = []
    cursor = 0.0
    pad = COLUMN_PAD + GROUP_PAD * depth
    for c, (r0, r1) in enumerate(lg.col_ranges):
        lw, lh = lg.spec.columns[c][2]
        rel = [0.0]
        for r in range(r0 + 1, r1 + 1):
            rel.append(rel[-1] + width[r - 1] / 2 + gap[r - 1] + width[r] / 2)
        lo, hi = -width[r0] / 2, rel[-1] + width[r1] / 2
        before = pad
        if not lg.lr:  # the labels of frames opening on its first rank (its own is in a strip at the left)
            for g, s in enumerate(lg.span):
                if s is not None and s[0] == r0:
                    before = max(before, pad + lg.glabel[g][1] + GROUP_PAD * (lg.gdepth[g] + 1))
            lg.band[r0] = max(lg.band[r0], before - pad)
        if not lg.lr:  # at least as tall as its label
            before = max(before, lh + 2 * LABEL_PAD - (hi - lo) - pad)
        extra = max(0.0, lw + 2 * LABEL_PAD - (hi - lo + before + pad)) if lg.lr else 0.0
        origin = cursor + before + extra / 2 - lo
        for i, r in enumerate(range(r0, r1 + 1)):
            a[r] = origin + rel[i]
        end = origin + hi + pad + extra / 2
        lg.column_a.append((cursor, end))
        cursor = end + COLUMN_GAP
    return a
