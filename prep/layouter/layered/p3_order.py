"""Phase 3, crossing reduction: the order of each rank.

After dot's `mincross`, measured on the benchmark's models (docs/layout.md):
from three starting orders (declaration order, and breadth-first from the
sources and from the sinks, dot's `build_ranks`), a few sweeps each, then
more sweeps from the best of them. A sweep goes down (or up) the ranks and
reorders each by the barycentre of its items' neighbours on the rank
before, places taken relative to that rank's length (an item with no
neighbour there keeps its relative place); each reordered rank is then
transposed (neighbours swapped while that removes crossings with the
ranks on either side). The order with the fewest crossings is kept and
transposed once more over all ranks, the second time with equal-count
swaps (dot's alternate passes), which move it off plateaus.

Every reordering keeps groups together and sibling groups in one order on
every rank (`arrange`), and transposition swaps only items next to each
other in the same group. Nothing is random: the same model gives the same
order."""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from itertools import accumulate

from .spec import BIG_SWEEPS, CONVERGENCE, MIN_QUIT, RANK_PASSES, SIFT_ROUNDS, SIFT_WORK, START_SWEEPS, SWEEPS


def reduce_crossings(lg) -> None:
    total = len(lg.node_rank)
    if lg.previous is not None:
        # start (and stay) where the previous layout had each item
        key = list(lg.previous)  # virtual nodes too: where their edges ran
        lg.group_key = group_keys(lg, key)
        lg.events = [arrange(lg, r, key) for r in range(lg.n_ranks)]
        lg.order = [[v for kind, v in ev if kind == "n"] for ev in lg.events]
        lg.crossings = crossings(lg, lg.order, positions_of(lg, lg.order))
        return
    big = total > lg.big()
    starts = [declaration_key(lg)]
    if not big:
        starts += [bfs_key(lg, lg.down), bfs_key(lg, lg.up)]
    best_events, best_cross = None, None
    for key in starts:
        events = [arrange(lg, r, key) for r in range(lg.n_ranks)]
        order = [[v for kind, v in ev if kind == "n"] for ev in events]
        pos = positions_of(lg, order)
        cross = crossings(lg, order, pos)
        # each start gets a few sweeps (dot: four); the best order then the rest
        if len(starts) > 1:
            cross, events = _sweeps(lg, events, order, pos, cross, START_SWEEPS)
        if best_cross is None or cross < best_cross:
            best_events, best_cross = events, cross
        if not best_cross:
            break
    if best_cross:
        events = [list(ev) for ev in best_events]
        order = [[v for kind, v in ev if kind == "n"] for ev in events]
        pos = positions_of(lg, order)
        best_cross, best_events = _sweeps(lg, events, order, pos, best_cross, BIG_SWEEPS if big else SWEEPS)
    if best_cross:
        # the best order, transposed over all ranks: plain, with equal-count swaps, plain
        events = [list(ev) for ev in best_events]
        pos = positions_of(lg, [[v for kind, v in ev if kind == "n"] for ev in events])
        for reverse in (False, True, False):
            transpose(lg, events, pos, reverse)
        order = [[v for kind, v in ev if kind == "n"] for ev in events]
        c = crossings(lg, order, pos)
        if c <= best_cross:
            best_events, best_cross = events, c
    # sifting moves an item past many others at once, where transposition
    # (one neighbour at a time) and the sweeps (by the ranks before only) stop
    budget = SIFT_WORK
    for _ in range(SIFT_ROUNDS if best_cross else 0):
        if budget <= 0:
            break
        events = [list(ev) for ev in best_events]
        pos = positions_of(lg, [[v for kind, v in ev if kind == "n"] for ev in events])
        budget = sift(lg, events, pos, range(lg.n_ranks), budget)
        budget = sift(lg, events, pos, range(lg.n_ranks - 1, -1, -1), budget)
        transpose(lg, events, pos, False)
        order = [[v for kind, v in ev if kind == "n"] for ev in events]
        c = crossings(lg, order, pos)
        if c >= best_cross:
            break
        best_events, best_cross = events, c
    lg.events = best_events
    lg.order = [[v for kind, v in ev if kind == "n"] for ev in lg.events]
    lg.group_key = group_keys(lg, positions_of(lg, lg.order), normalise=lg.order)
    lg.crossings = crossings(lg, lg.order, positions_of(lg, lg.order))


def _sweeps(lg, events, order, pos, cross, sweeps):
    """Barycentre sweeps, each reordered rank transposed, from this order
    (changed in place); the fewest crossings seen and the events that gave
    them. Stops after MIN_QUIT sweeps that gain less than CONVERGENCE."""
    best, best_cross = [list(ev) for ev in events], cross
    key = list(pos)
    trying = 0
    for it in range(sweeps):
        if trying >= MIN_QUIT or not best_cross:
            break
        trying += 1
        downward = it % 2 == 0
        reverse = it % 4 < 2  # equal keys change places on alternate pairs of sweeps
        ranks = range(1, lg.n_ranks) if downward else range(lg.n_ranks - 2, -1, -1)
        neighbours = lg.up if downward else lg.down
        for r in ranks:
            # places relative to their rank's length: an item with no
            # neighbour on the rank before keeps its own relative place
            f = 1.0 / (len(order[r - 1 if downward else r + 1]) or 1)
            g = 1.0 / (len(order[r]) or 1)
            for v in order[r]:
                ns = neighbours[v]
                key[v] = sum([pos[u] for u in ns]) * f / len(ns) if ns else pos[v] * g
            events[r] = arrange(lg, r, key, pos, reverse)
            order[r] = o = [v for kind, v in events[r] if kind == "n"]
            for i, v in enumerate(o):
                pos[v] = i
            _transpose_rank(lg, events[r], pos, not reverse)
            order[r] = [v for kind, v in events[r] if kind == "n"]
        cross = crossings(lg, order, pos)
        if cross <= best_cross:
            if cross < CONVERGENCE * best_cross:
                trying = 0
            best, best_cross = [list(ev) for ev in events], cross
    return best_cross, best


def declaration_key(lg) -> list[float]:
    """Deliverables in declaration order; a virtual node where its edge is,
    between its ends."""
    total = len(lg.node_rank)
    key = [float(v) for v in range(lg.n_real)] + [0.0] * (total - lg.n_real)
    for chain in lg.chains:
        a, b = key[chain[0]], key[chain[-1]]
        m = len(chain) - 1
        for i, vid in enumerate(chain[1:-1], 1):
            key[vid] = a + (b - a) * i / m
    return key


def bfs_key(lg, neighbours) -> list[float]:
    """dot's `build_ranks`: a breadth-first search from the deliverables
    with no neighbour on one side (sources for `down`, sinks for `up`), in
    declaration order, each item placed after those already on its rank."""
    total = len(lg.node_rank)
    other = lg.up if neighbours is lg.down else lg.down
    key = [0.0] * total
    seen = [False] * total
    fill = [0] * lg.n_ranks
    queue: list[int] = []
    for s in range(total):
        if seen[s] or other[s]:
            continue
        seen[s] = True
        queue.append(s)
    # components reached only through a cycle's reversed edge: every item is a start eventually
    starts = iter(range(total))
    head = 0
    while True:
        while head < len(queue):
            v = queue[head]
            head += 1
            r = lg.node_rank[v]
            key[v] = float(fill[r])
            fill[r] += 1
            for w in neighbours[v]:
                if not seen[w]:
                    seen[w] = True
                    queue.append(w)
            for w in other[v]:
                if not seen[w]:
                    seen[w] = True
                    queue.append(w)
        nxt = next((s for s in starts if not seen[s]), None)
        if nxt is None:
            break
        seen[nxt] = True
        queue.append(nxt)
    return key


def transpose(lg, events, pos, reverse: bool) -> None:
    """Swap neighbours in a rank (two boxes or passing edges next to each
    other in the same group) while that removes crossings with the ranks
    on either side: what the sweeps cannot see. With `reverse`, also swap
    where the count stays the same (dot's alternate passes). A rank is
    looked at again only when a swap beside it removed crossings."""
    n_ranks = len(events)
    candidate = [True] * n_ranks
    while True:
        delta = 0
        for r in range(n_ranks):
            if not candidate[r]:
                continue
            candidate[r] = False
            gained = _transpose_rank(lg, events[r], pos, reverse)
            if gained:
                delta += gained
                if r:
                    candidate[r - 1] = True
                if r + 1 < n_ranks:
                    candidate[r + 1] = True
        if delta < 1:
            break


def _transpose_rank(lg, ev, pos, reverse: bool) -> int:
    """Passes over one rank until one removes no crossing (at most
    RANK_PASSES); the crossings removed."""
    if len(ev) < 2:
        return 0
    up, down = lg.up, lg.down
    # each item's neighbours' places on either side (they do not move while
    # this rank is transposed): one place, or -1 and a sorted list (empty
    # when there is none)
    side = {}
    for k, v in ev:
        if k == "n":
            nu, nd = up[v], down[v]
            side[v] = (pos[nu[0]] if len(nu) == 1 else -1, sorted([pos[a] for a in nu]) if len(nu) != 1 else None,
                       pos[nd[0]] if len(nd) == 1 else -1, sorted([pos[a] for a in nd]) if len(nd) != 1 else None)
    total = 0
    last = len(ev) - 1
    # the pair at each place that was looked at and stayed: looked at again
    # (in the next pass) it would stay again
    kept_u, kept_v = [-1] * last, [-1] * last
    for _ in range(RANK_PASSES):
        gained = 0
        for i in range(last):
            k1, u = ev[i]
            k2, v = ev[i + 1]
            if k1 != "n" or k2 != "n" or (kept_u[i] == u and kept_v[i] == v):
                continue
            # crossings of u's and v's edges as they are (c0) and swapped (c1)
            x1, X1, y1, Y1 = side[u]
            x2, X2, y2, Y2 = side[v]
            c0 = c1 = 0
            if x1 >= 0:
                if x2 >= 0:
                    if x1 > x2:
                        c0 = 1
                    elif x1 < x2:
                        c1 = 1
                elif X2:
                    c0, c1 = bisect_left(X2, x1), len(X2) - bisect_right(X2, x1)
            elif X1:
                if x2 >= 0:
                    c0, c1 = len(X1) - bisect_right(X1, x2), bisect_left(X1, x2)
                elif X2:
                    c0, c1 = _pair(X1, X2)
            if y1 >= 0:
                if y2 >= 0:
                    if y1 > y2:
                        c0 += 1
                    elif y1 < y2:
                        c1 += 1
                elif Y2:
                    c0 += bisect_left(Y2, y1)
                    c1 += len(Y2) - bisect_right(Y2, y1)
            elif Y1:
                if y2 >= 0:
                    c0 += len(Y1) - bisect_right(Y1, y2)
                    c1 += bisect_left(Y1, y2)
                elif Y2:
                    d0, d1 = _pair(Y1, Y2)
                    c0 += d0
                    c1 += d1
            if c1 < c0 or (reverse and c0 and c1 == c0):
                ev[i], ev[i + 1] = ev[i + 1], ev[i]
                pos[u], pos[v] = pos[v], pos[u]
                gained += c0 - c1
            else:
                kept_u[i], kept_v[i] = u, v
        total += gained
        if not gained:
            break
    return total


def _pair(A, B) -> tuple[int, int]:
    """Pairs of places, one from each sorted list, with a after b and a before b."""
    m = len(B)
    c0 = c1 = 0
    for x in A:
        c0 += bisect_left(B, x)
        c1 += m - bisect_right(B, x)
    return c0, c1


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


def arrange(lg, r: int, key, pos=None, reverse: bool = False) -> list[tuple[str, int]]:
    """Rank r in order, as events: ("n", node), ("o", group) where a
    group's frame opens and ("c", group) where it closes. At each level,
    loose nodes sorted by key merge with the level's groups, which keep
    their sibling order (the same on every rank). Equal keys keep their
    order in `pos` (reversed with `reverse`), or declaration order."""
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
        if pos is None:
            loose = sorted(level_nodes.get(g, ()), key=lambda v: (key[v], v))
        elif reverse:
            loose = sorted(level_nodes.get(g, ()), key=lambda v: (key[v], -pos[v]))
        else:
            loose = sorted(level_nodes.get(g, ()), key=lambda v: (key[v], pos[v]))
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
    lower ends when sorted by their upper ends. A rank's order is its
    items by position, so the segments come sorted by their upper ends as
    each item's lower ends are sorted; the lower ends seen so far are kept
    sorted (`insort`, in C: faster here than a Fenwick tree in Python)."""
    total = 0
    down = lg.down
    for r in range(lg.n_ranks - 1):
        seen: list = []
        for u in order[r]:
            ds = down[u]
            if not ds:
                continue
            if len(ds) == 1:
                j = pos[ds[0]]
                # segments already seen whose lower end is right of this one's cross it
                total += len(seen) - bisect_right(seen, j)
                insort(seen, j)
                continue
            ends = sorted([pos[v] for v in ds])
            n = len(seen)
            for j in ends:
                total += n - bisect_right(seen, j)
            for j in ends:
                insort(seen, j)
    return total


def sift(lg, events, pos, ranks, budget: int) -> int:
    """Sifting (Matuszewski, Schönfeld & Molitor 1999) inside each run of
    items that transposition may swap (neighbours in one group): each
    item in turn, most edges first, goes to the place in its run where
    its edges cross fewest others' (the ranks on either side fixed).
    Passing another item w changes the item's crossings by the sum, over
    w's neighbours' places q, of (the item's neighbours before q) - (those
    after q) on the same side. Stops once `budget` items have been passed
    in all (each item moved passes every other of its run: the work grows
    with the square of a rank's length); returns the budget left."""
    up, down = lg.up, lg.down
    for r in ranks:
        ev = events[r]
        runs, run = [], []
        for i, (k, v) in enumerate(ev):
            if k == "n":
                run.append(i)
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
        n_up = sum(k == "n" for k, _v in events[r - 1]) if r else 0
        n_down = sum(k == "n" for k, _v in events[r + 1]) if r + 1 < len(events) else 0
        for run in runs:
            if len(run) < 2:
                continue
            items = [ev[i][1] for i in run]
            up_at = {w: [int(pos[a]) for a in up[w]] for w in items}
            down_at = {w: [int(pos[a]) for a in down[w]] for w in items}
            movers = sorted(items, key=lambda v: (-(len(up[v]) + len(down[v])), pos[v]))
            for v in movers:
                if budget <= 0:
                    break
                budget -= len(items)
                fu = _passing(sorted(up_at[v]), n_up)
                fd = _passing(sorted(down_at[v]), n_down)
                cost = best = 0
                best_j = j = 0
                now = None
                for w in items:
                    if w == v:
                        now = cost
                        continue
                    j += 1
                    for q in up_at[w]:
                        cost += fu[q]
                    for q in down_at[w]:
                        cost += fd[q]
                    if cost < best:
                        best_j, best = j, cost
                if best < now:
                    items.remove(v)
                    items.insert(best_j, v)
            places = sorted(pos[v] for v in items)
            for idx, p, v in zip(run, places, items):
                ev[idx] = ("n", v)
                pos[v] = p
    return budget


def _passing(P: list[int], size: int) -> list[int]:
    """For each place q on a neighbouring rank: (places in sorted P
    before q) - (places after q)."""
    if not P:
        return [0] * size
    if len(P) == 1:
        p = P[0]
        return [-1] * p + [0] + [1] * (size - p - 1)
    n = len(P)
    count = [0] * size
    for p in P:
        count[p] += 1
    # before q: the running total up to q less those at q
    return [2 * upto - at - n for upto, at in zip(accumulate(count), count)]
