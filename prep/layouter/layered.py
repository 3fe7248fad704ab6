"""prep's own layered layout: ranks, order, positions and routes, in Python.

Graphviz `dot` spends almost all of its time on long edges: every edge that
skips k ranks becomes a chain of k virtual nodes, and dot's crossing
reduction and network-simplex positioning grow much faster than linearly in
them (a 1,000-deliverable model whose inputs come from anywhere earlier
takes dot minutes). This engine does the same four phases with cheaper,
predictable steps, and is built to be *stable*: the same deliverable lands
in the same place after a small edit.

1. ranks: longest path from the sources (cycles broken in declaration
   order), then deliverables that feed more than they consume move as late
   as their consumers allow (shorter edges, fewer virtual nodes);
2. order: deliverables start in declaration order; barycentre sweeps
   (alternately down and up) reorder each rank, keeping every group's
   members together and sibling groups in one order on every rank, so a
   group is a rectangle no other box enters; the order with the fewest
   crossings over all sweeps is kept;
3. positions: each rank's order becomes constraints (left to right, with
   gaps, group frames as intervals shared by all their ranks), packed by a
   longest-path pass and then pulled towards their neighbours;
4. routes: each edge runs through its virtual nodes as a smooth cubic
   Bézier spline.

Works in a rank axis `a` (the flow direction) and a lateral axis `b`,
mapped to x/y at the end (LR: x=a, y=b; TB: x=b, y=a).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .geometry import Box, Column, Layout, Route

NODE_SEP = 18.0      # between boxes of one rank (lateral)
VIRTUAL_SEP = 7.0    # between edges passing through a rank
RANK_SEP = 46.0      # between ranks (flow axis)
GROUP_PAD = 9.0      # frame to its content
GROUP_SEP = 12.0     # between sibling frames
MARGIN = 0.0         # around the drawing (the picture adds its own pad)
SWEEPS = 12          # barycentre sweeps (each down or up)
BIG = 20_000         # above this many boxes and virtual nodes, fewer sweeps and passes
BIG_SWEEPS = 4
# The roadmap view's stage columns make long edges pass more ranks (a
# 1,000-deliverable model whose inputs come from anywhere: 39 ranks in 8
# stages instead of 15, five times the virtual nodes); there the further
# sweeps cost four times the time and changed the crossings by 0.3%
ROADMAP_BIG = 8_000
TRANSPOSE_PASSES = 6
TITLE_GAP = 8.0      # between the title and the drawing
COLUMN_PAD = 20.0    # roadmap: a stage column's frame to the boxes in it
COLUMN_GAP = 6.0     # roadmap: between two stage columns
LABEL_PAD = 6.0      # roadmap: a column's frame to its label
EXIT_TAG_ROOM = 8.0  # roadmap: an exit criterion's tag stands this far above its box
ANCHOR_PASSES = 8    # with a previous layout: passes towards the old places


@dataclass
class GraphSpec:
    """What the engine lays out, independent of the model: names in
    declaration order, box sizes in points (width, height as drawn), groups
    in declaration order with their parent and label size."""
    nodes: list[str]
    sizes: dict[str, tuple[float, float]]
    edges: list[tuple[str, str, str, tuple[float, float] | None]]  # source, target, kind, note size
    node_group: dict[str, str | None] = field(default_factory=dict)
    groups: dict[str, tuple[str | None, tuple[float, float]]] = field(default_factory=dict)
    direction: str = "LR"
    title_size: tuple[float, float] | None = None
    # where each deliverable was across the flow in a previous layout of
    # (an earlier version of) this model: the order starts from it, no
    # sweep reorders it, and boxes move only where the edit pushes them
    previous: dict[str, float] | None = None
    # and the previous routes, as (a, b) points per (source, target, kind):
    # where an edge crossed each rank it skips
    previous_routes: dict[tuple[str, str, str], list[list[tuple[float, float]]]] | None = None
    previous_flow: dict[str, float] | None = None  # each box's place along the flow
    previous_groups: dict[str, tuple[float, float, float, float]] | None = None  # frames: a0, a1, b0, b1
    # the roadmap view: stages as columns in order, (stage name, label text,
    # label size); each deliverable's column; the exit criteria, which go
    # on their column's last rank
    columns: list[tuple[str, str, tuple[float, float]]] | None = None
    node_column: dict[str, int] = field(default_factory=dict)
    exits: frozenset[str] = frozenset()


def lay_out(spec: GraphSpec) -> Layout:
    return _Engine(spec).run()


class _Engine:
    def __init__(self, spec: GraphSpec):
        self.spec = spec
        self.lr = spec.direction.upper() in ("LR", "RL")
        names = spec.nodes
        self.n_real = len(names)
        self.index = {name: i for i, name in enumerate(names)}
        # extent along the flow (a) and across it (b)
        self.ext_a: list[float] = []
        self.ext_b: list[float] = []
        for name in names:
            w, h = spec.sizes[name]
            self.ext_a.append(w if self.lr else h)
            self.ext_b.append(h if self.lr else w)
        # groups: ids 0..G-1 in declaration order; -1 is the top level
        self.group_names = list(spec.groups)
        gid = {g: i for i, g in enumerate(self.group_names)}
        self.gparent = [gid.get(spec.groups[g][0], -1) if spec.groups[g][0] in gid else -1
                        for g in self.group_names]
        self.glabel = [spec.groups[g][1] for g in self.group_names]
        self.glabel_text = list(self.glabel)
        if spec.columns is not None:  # room under a frame's label for an exit criterion's tag
            self.glabel = [(w, h + EXIT_TAG_ROOM) for w, h in self.glabel]
        self.node_cluster = [gid.get(spec.node_group.get(name) or "", -1) for name in names]
        self.previous = self._previous_places()
        # with a previous layout, where a frame was (for a rank it only spans)
        gid_of = {g: i for i, g in enumerate(self.group_names)}
        self.frame_key = {gid_of[g]: (f[2] + f[3]) / 2 for g, f in (spec.previous_groups or {}).items()
                          if g in gid_of} if self.previous is not None else {}
        self.gdepth = []
        for g in range(len(self.group_names)):
            d, p = 0, self.gparent[g]
            while p != -1:
                d, p = d + 1, self.gparent[p]
            self.gdepth.append(d)

    def _previous_places(self) -> list[float] | None:
        """Each deliverable's place in the previous layout; a new one takes
        the mean place of its related deliverables that were there before,
        else the place of the deliverable declared just before it."""
        prev = self.spec.previous
        if not prev:
            return None
        names = self.spec.nodes
        near: list[list[float]] = [[] for _ in names]
        for s, t, _kind, _label in self.spec.edges:
            if t in prev and s not in prev:
                near[self.index[s]].append(prev[t])
            if s in prev and t not in prev:
                near[self.index[t]].append(prev[s])
        out, last = [], 0.0
        for i, name in enumerate(names):
            if name in prev:
                last = prev[name]
            elif near[i]:
                last = sum(near[i]) / len(near[i])
            out.append(last)
        return out

    def _previous_virtual_places(self) -> None:
        """Where each virtual node was: where the edge's previous route
        crossed the middle of the rank (the rank's place along the flow
        taken from the previous boxes of that rank); interpolated between
        the ends for an edge that is new or skipped other ranks."""
        routes = self.spec.previous_routes or {}
        prev_a = self.spec.previous_flow or {}
        column: dict[int, list[float]] = {}
        for v, name in enumerate(self.spec.nodes):
            if name in prev_a:
                column.setdefault(self.rank[v], []).append(prev_a[name])
        middle = {r: sorted(xs)[len(xs) // 2] for r, xs in column.items()}
        self._fit_new_boxes(middle, routes)
        seen: dict[tuple, int] = {}
        places = self.previous + [0.0] * (len(self.node_rank) - self.n_real)
        for (u, v, k, rev), chain in zip(self.edges, self.chains):
            s, t, kind, _label = self.spec.edges[k]
            key = (s, t, kind)
            nth = seen.get(key, 0)
            seen[key] = nth + 1
            candidates = routes.get(key, [])
            pts = candidates[nth] if nth < len(candidates) else None
            a0, b0 = places[chain[0]], places[chain[-1]]
            m = len(chain) - 1
            for i, w in enumerate(chain[1:-1], 1):
                places[w] = a0 + (b0 - a0) * i / m
                r = self.node_rank[w]
                if pts is not None and r in middle:
                    hit = _lateral_at(pts, middle[r])
                    if hit is not None:
                        places[w] = hit
        self.previous = places

    def _fit_new_boxes(self, middle: dict[int, float], routes) -> None:
        """A deliverable new since the previous layout goes to the free
        stretch of its rank nearest to its related deliverables (inside its
        group's old frame when it has one), so it pushes no box aside when
        there is room; only where there is none does the order make room."""
        prev = self.spec.previous or {}
        frames = self.spec.previous_groups or {}
        sizes = self.spec.sizes
        for v, name in enumerate(self.spec.nodes):
            if name in prev or self.rank[v] not in middle:
                continue
            at = middle[self.rank[v]]
            group = self.spec.node_group.get(name)
            inside = set()
            g = group
            while g is not None:
                inside.add(g)
                g = self.spec.groups[g][0] if g in self.spec.groups else None
            # never above (left of) the old drawing: that would move every box
            lo, hi = 0.0, 1e18
            if group in frames:
                a0, a1, b0, b1 = frames[group]
                if a0 <= at <= a1:
                    lo, hi = b0 + GROUP_PAD, b1 - GROUP_PAD
            taken = []
            for other, b in prev.items():
                a = (self.spec.previous_flow or {}).get(other)
                if a is None or other not in sizes:
                    continue
                w, h = sizes[other]
                ea, eb = (w, h) if self.lr else (h, w)
                if abs(a - at) <= ea / 2:
                    taken.append((b - eb / 2 - NODE_SEP, b + eb / 2 + NODE_SEP))
            for g, (a0, a1, b0, b1) in frames.items():
                if g not in inside and a0 <= at <= a1:
                    taken.append((b0 - GROUP_SEP, b1 + GROUP_SEP))
            for paths in routes.values():
                for pts in paths:
                    b = _lateral_at(pts, at)
                    if b is not None:
                        taken.append((b - VIRTUAL_SEP, b + VIRTUAL_SEP))
            half = self.ext_b[v] / 2
            want = self.previous[v]
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
                self.previous[v] = best

    # ------------------------------------------------------------------ run
    def run(self) -> Layout:
        if self.spec.columns is not None:
            self._column_ranks()
        else:
            self._acyclic_edges()
            self._rank()
        self._chains()
        self._cluster_spans()
        self._order()
        self._positions()
        return self._geometry()

    # ------------------------------------------------------------ 1. ranks
    def _acyclic_edges(self) -> None:
        """Edges as (u, v) with u ranked before v: a depth-first search in
        declaration order reverses the edges that close a cycle."""
        n = self.n_real
        out: list[list[int]] = [[] for _ in range(n)]
        self.edges = []  # (u, v, edge index, reversed)
        for k, (s, t, _kind, _label) in enumerate(self.spec.edges):
            u, v = self.index[s], self.index[t]
            if u != v:
                out[u].append((v, k))
        state = [0] * n
        reverse: set[int] = set()
        for root in range(n):
            if state[root]:
                continue
            stack = [(root, iter(out[root]))]
            state[root] = 1
            while stack:
                node, it = stack[-1]
                for v, k in it:
                    if state[v] == 1:
                        reverse.add(k)
                    elif state[v] == 0:
                        state[v] = 1
                        stack.append((v, iter(out[v])))
                        break
                else:
                    state[node] = 2
                    stack.pop()
        for k, (s, t, _kind, _label) in enumerate(self.spec.edges):
            u, v = self.index[s], self.index[t]
            if u == v:
                continue
            self.edges.append((v, u, k, True) if k in reverse else (u, v, k, False))

    def _rank(self) -> None:
        n = self.n_real
        succ: list[list[int]] = [[] for _ in range(n)]
        pred: list[list[int]] = [[] for _ in range(n)]
        for u, v, _k, _r in self.edges:
            succ[u].append(v)
            pred[v].append(u)
        indeg = [len(p) for p in pred]
        todo = [i for i in range(n) if indeg[i] == 0]
        topo = []
        rank = [0] * n
        while todo:
            nxt = []
            for u in todo:
                topo.append(u)
                for v in succ[u]:
                    if rank[v] < rank[u] + 1:
                        rank[v] = rank[u] + 1
                    indeg[v] -= 1
                    if indeg[v] == 0:
                        nxt.append(v)
            todo = nxt
        # a deliverable that feeds more edges than it consumes is placed as
        # late as its consumers allow: the same picture, shorter edges
        for u in reversed(topo):
            if succ[u] and len(succ[u]) > len(pred[u]):
                rank[u] = min(rank[v] for v in succ[u]) - 1
        self._keep_previous_ranks(rank, topo, pred, succ)
        base = min(rank) if rank else 0
        self.rank = [r - base for r in rank]
        self.n_ranks = max(self.rank) + 1 if self.rank else 0

    def _keep_previous_ranks(self, rank, topo, pred, succ) -> None:
        """With a previous layout, a deliverable keeps its old rank (its
        column) where its inputs and outputs still allow it: an edit should
        not move an old box to another column."""
        flow = self.spec.previous_flow
        if not flow:
            return
        columns = sorted({round(a, 1) for a in flow.values()})
        old = {name: columns.index(round(a, 1)) for name, a in flow.items()}
        # old ranks are counted from the old first column; align the new
        # ranks so that the old deliverables keep their numbers where they can
        shifts = [rank[v] - old[name] for v, name in enumerate(self.spec.nodes) if name in old]
        if not shifts:
            return
        shift = sorted(shifts)[len(shifts) // 2]
        # in flow order: an old box takes its old rank unless one of its
        # inputs now sits there or later; a new one goes right after its inputs
        for v in topo:
            name = self.spec.nodes[v]
            lo = max((rank[u] + 1 for u in pred[v]), default=None)
            if name in old:
                want = old[name] + shift
                rank[v] = want if lo is None or want >= lo else lo
            elif lo is not None:
                rank[v] = lo

    def _column_ranks(self) -> None:
        """The roadmap view's ranks: every stage is a contiguous range of
        ranks, in stage order; inside it, the longest path among the
        stage's own deliverables, then its exit criteria together on its
        last rank (after every other deliverable of the stage). Every
        relation then points from the lower rank to the higher one: a
        relation into an earlier stage (or out of an exit criterion into
        its own stage) is drawn reversed, as a cycle's closing edge is."""
        n = self.n_real
        names = self.spec.nodes
        n_cols = len(self.spec.columns)
        col = [self.spec.node_column[name] for name in names]
        exit_ = [name in self.spec.exits for name in names]
        # the stage-internal relations that order ranks: not out of an exit
        # into a plain member (that one runs backwards), cycles broken in
        # declaration order as in `_acyclic_edges`
        out: list[list[int]] = [[] for _ in range(n)]
        for s, t, _kind, _label in self.spec.edges:
            u, v = self.index[s], self.index[t]
            if u != v and col[u] == col[v] and not (exit_[u] and not exit_[v]):
                out[u].append(v)
        state = [0] * n
        succ: list[list[int]] = [[] for _ in range(n)]
        pred: list[list[int]] = [[] for _ in range(n)]
        for root in range(n):
            if state[root]:
                continue
            stack = [(root, iter(out[root]))]
            state[root] = 1
            while stack:
                node, it = stack[-1]
                for v in it:
                    if state[v] == 0:
                        state[v] = 1
                        stack.append((v, iter(out[v])))
                        succ[node].append(v)
                        pred[v].append(node)
                        break
                    if state[v] == 2:  # a forward or cross edge; state 1 closes a cycle: left out
                        succ[node].append(v)
                        pred[v].append(node)
                else:
                    state[node] = 2
                    stack.pop()
        rank = [0] * n
        indeg = [len(p) for p in pred]
        todo = [i for i in range(n) if indeg[i] == 0]
        topo = []
        while todo:
            nxt = []
            for u in todo:
                topo.append(u)
                for v in succ[u]:
                    rank[v] = max(rank[v], rank[u] + 1)
                    indeg[v] -= 1
                    if indeg[v] == 0:
                        nxt.append(v)
            todo = nxt
        last_plain = [-1] * n_cols
        for v in range(n):
            if not exit_[v]:
                last_plain[col[v]] = max(last_plain[col[v]], rank[v])
        # plain members: a deliverable that feeds more than it consumes (in
        # any stage) moves as late as its consumers in the stage allow, or
        # to the stage's last plain rank: shorter edges, fewer virtual nodes
        fan_out, fan_in = [0] * n, [0] * n
        for s, t, _kind, _label in self.spec.edges:
            if s != t:
                fan_out[self.index[s]] += 1
                fan_in[self.index[t]] += 1
        for u in reversed(topo):
            if not exit_[u] and fan_out[u] > fan_in[u]:
                later = [rank[v] for v in succ[u] if not exit_[v]]
                rank[u] = min(later) - 1 if later else last_plain[col[u]]
        exit_rank = [0] * n
        for u in topo:
            if exit_[u]:
                exit_rank[u] = max([exit_rank[p] + 1 for p in pred[u] if exit_[p]] + [0])
        for v in range(n):
            if exit_[v]:
                rank[v] = last_plain[col[v]] + 1 + exit_rank[v]
        widths = [1] * n_cols
        for v in range(n):
            widths[col[v]] = max(widths[col[v]], rank[v] + 1)
        first = [0] * n_cols
        for c in range(1, n_cols):
            first[c] = first[c - 1] + widths[c - 1]
        self.rank = [first[col[v]] + rank[v] for v in range(n)]
        self.n_ranks = sum(widths)
        self.col_ranges = [(first[c], first[c] + widths[c] - 1) for c in range(n_cols)]
        self.edges = []
        for k, (s, t, _kind, _label) in enumerate(self.spec.edges):
            u, v = self.index[s], self.index[t]
            if u == v:
                continue
            if self.rank[u] == self.rank[v]:  # cannot happen by construction; never draw a flat edge
                raise AssertionError(f"roadmap ranks: {s!r} and {t!r} share a rank")
            self.edges.append((u, v, k, False) if self.rank[u] < self.rank[v] else (v, u, k, True))

    # ----------------------------------------------------------- 2. chains
    def _lca(self, a: int, b: int) -> int:
        seen = set()
        while a != -1:
            seen.add(a)
            a = self.gparent[a]
        while b != -1 and b not in seen:
            b = self.gparent[b]
        return b

    def _chains(self) -> None:
        """Virtual nodes: one per rank an edge skips, in the group both ends
        share (or the top level)."""
        self.node_rank = list(self.rank)
        self.cluster = list(self.node_cluster)
        self.chains: list[list[int]] = []  # node ids from u to v (ranked direction)
        for u, v, _k, _r in self.edges:
            chain = [u]
            ru, rv = self.node_rank[u], self.node_rank[v]
            if rv - ru > 1:
                c = self._lca(self.cluster[u], self.cluster[v]) if self.cluster[u] != -1 and self.cluster[v] != -1 else -1
                for r in range(ru + 1, rv):
                    vid = len(self.node_rank)
                    self.node_rank.append(r)
                    self.cluster.append(c)
                    chain.append(vid)
            chain.append(v)
            self.chains.append(chain)
        if self.previous is not None:
            self._previous_virtual_places()
        total = len(self.node_rank)
        self.up: list[list[int]] = [[] for _ in range(total)]
        self.down: list[list[int]] = [[] for _ in range(total)]
        for chain in self.chains:
            for a, b in zip(chain, chain[1:]):
                self.down[a].append(b)
                self.up[b].append(a)
        self.rank_nodes: list[list[int]] = [[] for _ in range(self.n_ranks)]
        for v, r in enumerate(self.node_rank):
            self.rank_nodes[r].append(v)

    def _cluster_spans(self) -> None:
        """The ranks each group's frame covers (its members' and nested groups')."""
        G = len(self.group_names)
        lo, hi = [None] * G, [None] * G
        for v in range(self.n_real):
            g = self.cluster[v]
            r = self.node_rank[v]
            while g != -1:
                if lo[g] is None or r < lo[g]:
                    lo[g] = r
                if hi[g] is None or r > hi[g]:
                    hi[g] = r
                g = self.gparent[g]
        self.span = [(lo[g], hi[g]) if lo[g] is not None else None for g in range(G)]
        self.children: dict[int, list[int]] = {}
        for g in range(G):
            if self.span[g] is not None:
                self.children.setdefault(self.gparent[g], []).append(g)
        self.rank_level_nodes: list[dict[int, list[int]]] = [{} for _ in range(self.n_ranks)]
        for v, r in enumerate(self.node_rank):
            self.rank_level_nodes[r].setdefault(self.cluster[v], []).append(v)

    # ------------------------------------------------------------ 3. order
    def _order(self) -> None:
        total = len(self.node_rank)
        # start: declaration order; a virtual node starts where its edge does
        if self.previous is not None:
            key = list(self.previous)  # virtual nodes too: where their edges ran
        else:
            key = [float(v) for v in range(self.n_real)] + [0.0] * (total - self.n_real)
            for chain in self.chains:
                a, b = key[chain[0]], key[chain[-1]]
                m = len(chain) - 1
                for i, vid in enumerate(chain[1:-1], 1):
                    key[vid] = a + (b - a) * i / m
        self.group_key = self._group_keys(key)
        events = [self._arrange(r, key) for r in range(self.n_ranks)]
        order = [[v for kind, v in ev if kind == "n"] for ev in events]
        pos = self._positions_of(order)
        best, best_cross = list(events), self._crossings(order, pos)
        sweeps = (SWEEPS if total <= self._big() else BIG_SWEEPS) if best_cross and self.previous is None else 0
        for sweep in range(sweeps):
            downward = sweep % 2 == 0
            ranks = range(1, self.n_ranks) if downward else range(self.n_ranks - 2, -1, -1)
            neighbours = self.up if downward else self.down
            for r in ranks:
                for v in order[r]:
                    ns = neighbours[v]
                    if ns:
                        key[v] = sum(pos[u] for u in ns) / len(ns)
                    else:
                        key[v] = pos[v]
                events[r] = self._arrange(r, key)
                order[r] = [v for kind, v in events[r] if kind == "n"]
                for i, v in enumerate(order[r]):
                    pos[v] = i
            # groups keep one order on every rank: re-rank them by where their members are now
            self.group_key = self._group_keys(pos, normalise=order)
            cross = self._crossings(order, pos)
            if cross < best_cross:
                best, best_cross = list(events), cross
                if cross == 0:
                    break
        # the sequences of items (nodes, group openings and closings) per rank
        self.events = best
        if self.previous is None and best_cross:
            self._transpose()
        self.order = [[v for kind, v in ev if kind == "n"] for ev in self.events]
        self.crossings = self._crossings(self.order, self._positions_of(self.order))

    def _big(self) -> int:
        """Above this many boxes and virtual nodes: fewer sweeps and passes."""
        return BIG if self.spec.columns is None else ROADMAP_BIG

    def _transpose(self) -> None:
        """Swap neighbours in a rank (two boxes or passing edges next to each
        other in the same group) while that removes crossings with the ranks
        on either side: what barycentres cannot see."""
        order = [[v for kind, v in ev if kind == "n"] for ev in self.events]
        pos = self._positions_of(order)
        up, down = self.up, self.down

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
            for ev in self.events:
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

    def _positions_of(self, order) -> list[float]:
        pos = [0.0] * len(self.node_rank)
        for o in order:
            for i, v in enumerate(o):
                pos[v] = float(i)
        return pos

    def _group_keys(self, key, normalise=None) -> list[float]:
        """Each group's place among its siblings: the mean place of its
        members (nested ones included), relative to their rank's length."""
        G = len(self.group_names)
        total, count = [0.0] * G, [0] * G
        if normalise is not None:
            size = [max(1, len(o)) for o in normalise]
        for v in range(len(self.node_rank)):
            g = self.cluster[v]
            if g == -1:
                continue
            k = key[v] / size[self.node_rank[v]] if normalise is not None else key[v]
            while g != -1:
                total[g] += k
                count[g] += 1
                g = self.gparent[g]
        return [total[g] / count[g] if count[g] else 0.0 for g in range(G)]

    def _arrange(self, r: int, key) -> list[tuple[str, int]]:
        """Rank r in order, as events: ("n", node), ("o", group) where a
        group's frame opens and ("c", group) where it closes. At each level,
        loose nodes sorted by key merge with the level's groups, which keep
        their sibling order (the same on every rank)."""
        level_nodes = self.rank_level_nodes[r]
        out: list[tuple[str, int]] = []

        def subtree_keys(g):
            ks = [key[v] for v in level_nodes.get(g, ())]
            for c in self.children.get(g, ()):
                s = self.span[c]
                if s[0] <= r <= s[1]:
                    ks.extend(subtree_keys(c))
            return ks

        def level(g):
            loose = sorted(level_nodes.get(g, ()), key=lambda v: (key[v], v))
            kids = [c for c in self.children.get(g, ()) if self.span[c][0] <= r <= self.span[c][1]]
            if not kids:
                out.extend(("n", v) for v in loose)
                return
            kids.sort(key=lambda c: (self.group_key[c], c))
            # where each group sits among the loose nodes: the mean key of its
            # members on this rank, made non-decreasing along the sibling order
            ks = []
            for c in kids:
                sub = subtree_keys(c)
                ks.append(sum(sub) / len(sub) if sub else self.frame_key.get(c))
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

    def _crossings(self, order, pos) -> int:
        """Crossings between adjacent ranks: inversions of the segments'
        lower ends when sorted by their upper ends (a Fenwick tree)."""
        total = 0
        for r in range(self.n_ranks - 1):
            segs = []
            for u in order[r]:
                pu = pos[u]
                for v in self.down[u]:
                    segs.append((pu, pos[v]))
            if len(segs) < 2:
                continue
            segs.sort()
            m = len(order[r + 1])
            tree = [0] * (m + 1)
            seen = 0
            for _pu, pv in segs:
                # segments already seen whose lower end is right of pv cross this one
                i, le = int(pv) + 1, 0
                while i > 0:
                    le += tree[i]
                    i -= i & -i
                total += seen - le
                i = int(pv) + 1
                while i <= m:
                    tree[i] += 1
                    i += i & -i
                seen += 1
        return total

    # -------------------------------------------------------- 4. positions
    def _positions(self) -> None:
        total = len(self.node_rank)
        G = len(self.group_names)
        half = [(self.ext_b[v] / 2 if v < self.n_real else 0.0) for v in range(total)]
        self.half_b = half
        # variables: nodes 0..total-1, then each group's two sides (top/left, bottom/right)
        L = lambda g: total + 2 * g  # noqa: E731
        R = lambda g: total + 2 * g + 1  # noqa: E731
        nvar = total + 2 * G
        label_b = [(self.glabel[g][1] if self.lr else 0.0) for g in range(G)]
        min_width = [(self.glabel[g][0] + 2 * GROUP_PAD if not self.lr else 2 * GROUP_PAD) for g in range(G)]
        cons: dict[tuple[int, int], float] = {}

        def need(a, b, gap):
            k = (a, b)
            if cons.get(k, -1e18) < gap:
                cons[k] = gap

        for g in range(G):
            if self.span[g] is not None:
                need(L(g), R(g), min_width[g])
        for evs in self.events:
            prev = None
            for kind, obj in evs:
                if prev is None:
                    prev = (kind, obj)
                    continue
                pk, po = prev
                if pk == "n":
                    a, ga = po, half[po]
                    if kind == "n":
                        sep = NODE_SEP if (po < self.n_real and obj < self.n_real) else VIRTUAL_SEP
                        if po < self.n_real or obj < self.n_real:
                            sep = max(sep, VIRTUAL_SEP)
                        need(a, obj, ga + sep + half[obj])
                    elif kind == "o":
                        need(a, L(obj), ga + GROUP_SEP)
                    else:  # close of the enclosing group
                        need(a, R(obj), ga + GROUP_PAD)
                elif pk == "o":
                    if kind == "n":
                        need(L(po), obj, GROUP_PAD + label_b[po] + half[obj])
                    elif kind == "o":
                        need(L(po), L(obj), GROUP_PAD + label_b[po])
                    else:
                        pass  # an empty stretch of a frame: L <= R holds already
                else:  # pk == "c"
                    if kind == "n":
                        need(R(po), obj, GROUP_SEP + half[obj])
                    elif kind == "o":
                        need(R(po), L(obj), GROUP_SEP)
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
        if self.previous is not None:
            self._anchor(x, topo, pred, succ, total, G, L, R)
        else:
            # pull each node towards its neighbours within what its rank allows,
            # alternately from both ends, so edges run straighter
            active = [v for v in topo if v < total]
            for it in range(6 if total <= self._big() else 2):
                seq = active if it % 2 == 0 else active[::-1]
                for v in seq:
                    ns = self.up[v] + self.down[v]
                    if not ns:
                        continue
                    target = sorted(x[u] for u in ns)[len(ns) // 2] if len(ns) % 2 else \
                        sum(sorted(x[u] for u in ns)[len(ns) // 2 - 1: len(ns) // 2 + 1]) / 2
                    lo = max((x[a] + gap for a, gap in pred[v]), default=-1e18)
                    hi = min((x[b] - gap for b, gap in succ[v]), default=1e18)
                    x[v] = min(max(target, lo), hi)
        # frames hug their content again, innermost first: a left side as far
        # right as what follows it allows, a right side as far left
        for g in sorted(range(G), key=lambda g: -self.gdepth[g]):
            if self.span[g] is not None:
                x[L(g)] = min(x[c] - gap for c, gap in succ[L(g)])
        for g in sorted(range(G), key=lambda g: -self.gdepth[g]):
            if self.span[g] is not None:
                x[R(g)] = max(x[c] + gap for c, gap in pred[R(g)])
        edges_lo = [x[v] - half[v] for v in range(total)]
        edges_lo += [x[L(g)] for g in range(G) if self.span[g] is not None]
        shift = min(edges_lo, default=0.0) if self.previous is None else min(0.0, min(edges_lo, default=0.0))
        self.b = [v - shift for v in x]
        self.L, self.R = L, R

    def _anchor(self, x, topo, pred, succ, total, G, L, R) -> None:
        """Move every item as close to where it was in the previous layout
        as the order allows (a new deliverable: where its neighbours were),
        so an edit moves the boxes it pushes and no others."""
        anchor = [0.0] * len(x)
        anchor[:total] = self.previous
        members: list[list[int]] = [[] for _ in range(G)]
        for v in range(total):
            g = self.cluster[v]
            while g != -1:
                members[g].append(v)
                g = self.gparent[g]
        for g in range(G):
            if self.span[g] is not None and members[g]:
                anchor[L(g)] = min(anchor[v] - self.half_b[v] for v in members[g]) - GROUP_PAD
                anchor[R(g)] = max(anchor[v] + self.half_b[v] for v in members[g]) + GROUP_PAD
        for it in range(ANCHOR_PASSES):
            # bottom-up first: a packed column opens from its far end
            for v in (topo if it % 2 else reversed(topo)):
                lo = max((x[a] + gap for a, gap in pred[v]), default=-1e18)
                hi = min((x[b] - gap for b, gap in succ[v]), default=1e18)
                x[v] = min(max(anchor[v], lo), hi)

    # --------------------------------------------------------- 5. geometry
    def _rank_coordinates(self) -> list[float]:
        width = [0.0] * self.n_ranks
        for v in range(self.n_real):
            r = self.node_rank[v]
            width[r] = max(width[r], self.ext_a[v])
        depth = max((d + 1 for d in self.gdepth), default=0)
        gap = [RANK_SEP + 2 * GROUP_PAD * depth] * max(0, self.n_ranks - 1)
        if not self.lr:  # a frame's label sits above its first rank
            for g, s in enumerate(self.span):
                if s is not None and s[0] > 0:
                    gap[s[0] - 1] = max(gap[s[0] - 1], RANK_SEP + self.glabel[g][1] + GROUP_PAD * (self.gdepth[g] + 2))
        self.rank_width = width
        if self.spec.columns is not None:
            return self._column_coordinates(width, gap, depth)
        a = []
        cur = 0.0
        for r in range(self.n_ranks):
            if r:
                cur += width[r - 1] / 2 + gap[r - 1] + width[r] / 2
            a.append(cur)
        return a

    def _column_coordinates(self, width, gap, depth) -> list[float]:
        """Ranks placed column by column: each stage's frame holds its
        ranks with a pad (and, in TB, its label above them), is at least as
        wide as its label in LR, and the next frame starts a small gap
        after it. Sets `column_a`: each frame's extent along the flow."""
        a = [0.0] * self.n_ranks
        self.column_a = []
        cursor = 0.0
        pad = COLUMN_PAD + GROUP_PAD * depth
        for c, (r0, r1) in enumerate(self.col_ranges):
            lw, lh = self.spec.columns[c][2]
            rel = [0.0]
            for r in range(r0 + 1, r1 + 1):
                rel.append(rel[-1] + width[r - 1] / 2 + gap[r - 1] + width[r] / 2)
            lo, hi = -width[r0] / 2, rel[-1] + width[r1] / 2
            before = pad
            if not self.lr:  # the stage's label, then the labels of frames opening on its first rank
                before += lh + LABEL_PAD
                for g, s in enumerate(self.span):
                    if s is not None and s[0] == r0:
                        before = max(before, lh + LABEL_PAD + self.glabel[g][1] + GROUP_PAD * (self.gdepth[g] + 2))
            extra = max(0.0, lw + 2 * LABEL_PAD - (hi - lo + before + pad)) if self.lr else 0.0
            origin = cursor + before + extra / 2 - lo
            for i, r in enumerate(range(r0, r1 + 1)):
                a[r] = origin + rel[i]
            end = origin + hi + pad + extra / 2
            self.column_a.append((cursor, end))
            cursor = end + COLUMN_GAP
        return a

    def _geometry(self) -> Layout:
        spec = self.spec
        a_of_rank = self._rank_coordinates()
        total = len(self.node_rank)
        a = [a_of_rank[self.node_rank[v]] for v in range(total)]
        b = self.b
        # frames along the flow axis: around their members and nested frames
        G = len(self.group_names)
        frame_a: list[tuple[float, float] | None] = [None] * G
        for g in sorted(range(G), key=lambda g: -self.gdepth[g]):
            if self.span[g] is None:
                continue
            lo, hi = 1e18, -1e18
            for v in range(self.n_real):
                if self.cluster[v] == g:
                    lo = min(lo, a[v] - self.ext_a[v] / 2)
                    hi = max(hi, a[v] + self.ext_a[v] / 2)
            for c in self.children.get(g, ()):
                if frame_a[c] is not None:
                    lo, hi = min(lo, frame_a[c][0]), max(hi, frame_a[c][1])
            lo, hi = lo - GROUP_PAD, hi + GROUP_PAD
            if not self.lr:
                lo -= self.glabel[g][1]
            else:
                hi = max(hi, lo + self.glabel[g][0] + 2 * GROUP_PAD)
            frame_a[g] = (lo, hi)
        # the drawing's extent, then a margin (and the title) around it
        a_lo = min([a[v] - self.ext_a[v] / 2 for v in range(self.n_real)] +
                   [f[0] for f in frame_a if f is not None] +
                   [f[0] for f in getattr(self, "column_a", ())], default=0.0)
        b_lo = 0.0
        if spec.columns is not None:
            # the stage columns span the drawing across the flow; in LR their
            # labels sit in a strip above everything else
            label_h = max((size[1] for _, _, size in spec.columns), default=0.0)
            b_lo = -(label_h + 2 * LABEL_PAD + EXIT_TAG_ROOM) if self.lr else -COLUMN_PAD
            b_hi = max([b[v] + self.half_b[v] for v in range(total)] +
                       [b[self.R(g)] for g in range(G) if self.span[g] is not None], default=0.0) + COLUMN_PAD
            if not self.lr:
                b_hi = max([b_hi] + [b_lo + size[0] + 2 * LABEL_PAD for _, _, size in spec.columns])
        title_h = spec.title_size[1] + TITLE_GAP if spec.title_size else 0.0

        def point(pa, pb):
            pa, pb = pa - a_lo + MARGIN, pb - b_lo + MARGIN
            return (pa, pb + title_h) if self.lr else (pb, pa + title_h)

        def box(pa, pb, ea, eb):
            x, y = point(pa, pb)
            return Box(x, y, ea, eb) if self.lr else Box(x, y, eb, ea)

        nodes = {name: box(a[v], b[v], self.ext_a[v], self.ext_b[v]) for v, name in enumerate(spec.nodes)}
        groups, group_labels = {}, {}
        for g, name in enumerate(self.group_names):
            if frame_a[g] is None:
                continue
            lo, hi = frame_a[g]
            bl, br = b[self.L(g)], b[self.R(g)]
            frame = box((lo + hi) / 2, (bl + br) / 2, hi - lo, br - bl)
            groups[name] = frame
            lw, lh = self.glabel_text[g]
            group_labels[name] = Box(frame.left + GROUP_PAD + lw / 2, frame.top + GROUP_PAD / 2 + lh / 2, lw, lh)
        columns = []
        for c, (stage, text, (lw, lh)) in enumerate(spec.columns or ()):
            lo, hi = self.column_a[c]
            frame = box((lo + hi) / 2, (b_lo + b_hi) / 2, hi - lo, b_hi - b_lo)
            columns.append(Column(stage, text, frame, Box(frame.left + LABEL_PAD + lw / 2,
                                                          frame.top + LABEL_PAD + lh / 2, lw, lh)))
        edges = []
        by_index = {k: (chain, rev) for (u, v, k, rev), chain in zip(self.edges, self.chains)}
        for k, (s, t, kind, label) in enumerate(spec.edges):
            if k in by_index:
                chain, rev = by_index[k]
                pts = self._route(chain, a, b)
                pts = [point(pa, pb) for pa, pb in pts]
                if rev:
                    pts.reverse()
            else:  # a deliverable related to itself: a small loop beside its box
                nb = nodes[s]
                x0, y0 = nb.right, nb.y
                pts = [(x0, y0 - 6), (x0 + 30, y0 - 22), (x0 + 30, y0 + 22), (x0, y0 + 6)]
            lab = None
            if label is not None:
                mid = len(pts) // 2
                mx, my = pts[mid]
                lab = Box(mx + label[0] / 2 + 3, my - label[1] / 2 - 2, label[0], label[1])
            edges.append(Route(s, t, kind, tuple(pts), lab))
        xs = [bx.right for bx in nodes.values()] + [bx.right for bx in groups.values()]
        ys = [bx.bottom for bx in nodes.values()] + [bx.bottom for bx in groups.values()]
        xs += [c.frame.right for c in columns]
        ys += [c.frame.bottom for c in columns]
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
                      direction="LR" if self.lr else "TB", columns=tuple(columns))

    def _route(self, chain: list[int], a, b) -> list[tuple[float, float]]:
        """Cubic Bézier control points (in a/b) through the chain: straight
        out of the first box to the edge of its rank's column, straight
        through each rank the edge skips, straight into the last box, and an
        S-curve across each gap between ranks. Every curve across one gap
        spans the same stretch of the flow axis, so two routes cross there
        only if their order changes: the drawing has exactly the crossings
        the ordering counted."""
        u, v = chain[0], chain[-1]
        half_u = self.rank_width[self.node_rank[u]] / 2
        half_v = self.rank_width[self.node_rank[v]] / 2
        pts = [(a[u] + self.ext_a[u] / 2, b[u])]
        column_end = a[u] + half_u

        def straight(to):
            (x0, y0), x1 = pts[-1], to
            if x1 > x0 + 0.01:
                d = (x1 - x0) / 3
                pts.extend([(x0 + d, y0), (x1 - d, y0), (x1, y0)])

        straight(column_end)
        stops = [(a[w] - self.rank_width[self.node_rank[w]] / 2, a[w] + self.rank_width[self.node_rank[w]] / 2, b[w])
                 for w in chain[1:-1]]
        stops.append((a[v] - half_v, a[v] - self.ext_a[v] / 2, b[v]))
        for enter, leave, lateral in stops:
            x0, y0 = pts[-1]
            mid = (enter - x0) / 2
            pts.extend([(x0 + mid, y0), (enter - mid, lateral), (enter, lateral)])
            straight(leave)
        return _merge_straight(pts)


def _merge_straight(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
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


def _lateral_at(points, a: float) -> float | None:
    """The lateral coordinate where a polyline (of (a, b) points) first
    reaches flow position `a`."""
    for (a0, b0), (a1, b1) in zip(points, points[1:]):
        if (a0 - a) * (a1 - a) <= 0 and a0 != a1:
            return b0 + (b1 - b0) * (a - a0) / (a1 - a0)
    return None
