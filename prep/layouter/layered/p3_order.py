"""Phase 3, crossing reduction: the order of each rank, by barycentre
sweeps that keep groups together, then transposition of neighbours."""

from __future__ import annotations

from .spec import BIG_SWEEPS, SWEEPS, TRANSPOSE_PASSES


def reduce_crossings(lg) -> None:
    total = len(lg.node_rank)
    # start: declaration order; a virtual node starts where its edge does
    if lg.previous is not None:
        key = list(lg.previous)  # virtual nodes too: where their edges ran
    else:
        key = [float(v) for v in range(lg.n_real)] + [0.0] * (total - lg.n_real)
        for chain in lg.chains:
            a, b = key[chain[0]], key[chain[-1]]
            m = len(chain) - 1
            for i, vid in enumerate(chain[1:-1], 1):
                key[vid] = a + (b - a) * i / m
    lg.group_key = group_keys(lg, key)
    events = [arrange(lg, r, key) for r in range(lg.n_ranks)]
    order = [[v for kind, v in ev if kind == "n"] for ev in events]
    pos = positions_of(lg, order)
    best, best_cross = list(events), crossings(lg, order, pos)
    sweeps = (SWEEPS if total <= lg.big() else BIG_SWEEPS) if best_cross and lg.previous is None else 0
    for sweep in range(sweeps):
        downward = sweep % 2 == 0
        ranks = range(1, lg.n_ranks) if downward else range(lg.n_ranks - 2, -1, -1)
        neighbours = lg.up if downward else lg.down
        for r in ranks:
            for v in order[r]:
                ns = neighbours[v]
                if ns:
                    key[v] = sum(pos[u] for u in ns) / len(ns)
                else:
                    key[v] = pos[v]
            events[r] = arrange(lg, r, key)
            order[r] = [v for kind, v in events[r] if kind == "n"]
            for i, v in enumerate(order[r]):
                pos[v] = i
        # groups keep one order on every rank: re-rank them by where their members are now
        lg.group_key = group_keys(lg, pos, normalise=order)
        cross = crossings(lg, order, pos)
        if cross < best_cross:
            best, best_cross = list(events), cross
            if cross == 0:
                break
    # the sequences of items (nodes, group openings and closings) per rank
    lg.events = best
    if lg.previous is None and best_cross:
        transpose(lg)
    lg.order = [[v for kind, v in ev if kind == "n"] for ev in lg.events]
    lg.crossings = crossings(lg, lg.order, positions_of(lg, lg.order))


def transpose(lg) -> None:
    """Swap neighbours in a rank (two boxes or passing edges next to each
    other in the same group) while that removes crossings with the ranks
    on either side: what barycentres cannot see."""
    order = [[v for kind, v in ev if kind == "n"] for ev in lg.events]
    pos = positions_of(lg, order)
    up, down = lg.up, lg.down

    def cost(u, v) -> int:  # crossings of u's and v's edges with u placed before v
        c = 0
        for ns in (up, down):
            nu, nv = ns[u], ns[v]
            if nu and nv:
                for a in nu:
                    pa = pos[a]
                    for b in nv:
                        if pa > pos[b]:
                            c += 1
        return c

    for _ in range(TRANSPOSE_PASSES):
        improved = False
        for ev in lg.events:
            for i in range(len(ev) - 1):
                (k1, u), (k2, v) = ev[i], ev[i + 1]
                if k1 != "n" or k2 != "n":
                    continue
                if cost(v, u) < cost(u, v):
                    ev[i], ev[i + 1] = ev[i + 1], ev[i]
                    pos[u], pos[v] = pos[v], pos[u]
                    improved = True
        if not improved:
            break


def positions_of(lg, order) -> list[float]:
    pos = [0.0] * len(lg.node_rank)
    for o in order:
        for i, v in enumerate(o):
            pos[v] = float(i)
    return pos


def group_keys(lg, key, normalise=None) -> list[float]:
    """Each group's place among its siblings: the mean place of its
    members (nested ones included), relative to their rank's length."""
    G = len(lg.group_names)
    total, count = [0.0] * G, [0] * G
    if normalise is not None:
        size = [max(1, len(o)) for o in normalise]
    for v in range(len(lg.node_rank)):
        g = lg.cluster[v]
        if g == -1:
            continue
        k = key[v] / size[lg.node_rank[v]] if normalise is not None else key[v]
        while g != -1:
            total[g] += k
            count[g] += 1
            g = lg.gparent[g]
    return [total[g] / count[g] if count[g] else 0.0 for g in range(G)]


def arrange(lg, r: int, key) -> list[tuple[str, int]]:
    """Rank r in order, as events: ("n", node), ("o", group) where a
    group's frame opens and ("c", group) where it closes. At each level,
    loose nodes sorted by key merge with the level's groups, which keep
    their sibling order (the same on every rank)."""
    level_nodes = lg.rank_level_nodes[r]
    out: list[tuple[str, int]] = []

    def subtree_keys(g):
        ks = [key[v] for v in level_nodes.get(g, ())]
        for c in lg.children.get(g, ()):
            s = lg.span[c]
            if s[0] <= r <= s[1]:
                ks.extend(subtree_keys(c))
        return ks

    def level(g):
        loose = sorted(level_nodes.get(g, ()), key=lambda v: (key[v], v))
        kids = [c for c in lg.children.get(g, ()) if lg.span[c][0] <= r <= lg.span[c][1]]
        if not kids:
            out.extend(("n", v) for v in loose)
            return
        kids.sort(key=lambda c: c)  # sibling groups (lanes) in declaration order, on every rank
        # where each group sits among the loose nodes: the mean key of its
        # members on this rank, made non-decreasing along the sibling order
        ks = []
        for c in kids:
            sub = subtree_keys(c)
            ks.append(sum(sub) / len(sub) if sub else lg.frame_key.get(c))
        filled = [k for k in ks if k is not None]
        last = filled[0] if filled else (key[loose[0]] if loose else 0.0)
        for i, k in enumerate(ks):
            if k is None or k < last:
                k = last
            ks[i] = last = k
        i = 0
        for ci, c in enumerate(kids):
            while i < len(loose) and key[loose[i]] < ks[ci]:
                out.append(("n", loose[i]))
                i += 1
            out.append(("o", c))
            level(c)
            out.append(("c", c))
        out.extend(("n", v) for v in loose[i:])

    level(-1)
    return out


def crossings(lg, order, pos) -> int:
    """Crossings between adjacent ranks: inversions of the segments'
    lower ends when sorted by their upper ends (a Fenwick tree). A rank's
    order is its items by position, so the segments come sorted by their
    upper ends as each item's lower ends are sorted."""
    total = 0
    down = lg.down
    for r in range(lg.n_ranks - 1):
        m = len(order[r + 1])
        tree = [0] * (m + 1)
        seen = 0
        for u in order[r]:
            ds = down[u]
            if not ds:
                continue
            ends = [int(pos[ds[0]]) + 1] if len(ds) == 1 else sorted(int(pos[v]) + 1 for v in ds)
            for j in ends:
                # segments already seen whose lower end is right of this one's cross it
                i, le = j, 0
                while i > 0:
                    le += tree[i]
                    i &= i - 1
                total += seen - le
                i = j
                while i <= m:
                    tree[i] += 1
                    i += i & -i
                seen += 1
    return total
