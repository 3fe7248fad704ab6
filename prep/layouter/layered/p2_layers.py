"""Phase 2, layering: a rank for every deliverable (network simplex from
the longest path, or the roadmap view's stage columns), then the long
edges split into chains of virtual nodes, one per rank skipped, and the
ranks each group's frame spans."""

from __future__ import annotations

from . import incremental
from .p1_cycles import back_edges
from .spec import RANK_WORK


def longest_path_layers(lg) -> None:
    n = lg.n_real
    succ: list[list[int]] = [[] for _ in range(n)]
    pred: list[list[int]] = [[] for _ in range(n)]
    for u, v, _k, _r in lg.edges:
        succ[u].append(v)
        pred[v].append(u)
    # a relation that writes a note spans two ranks at least: its note is
    # written in the rank between (see `split_long_edges`)
    long = {(u, v) for u, v, k, _r in lg.edges if lg.spec.edges[k][3] is not None}
    indeg = [len(p) for p in pred]
    todo = [i for i in range(n) if indeg[i] == 0]
    topo = []
    rank = [0] * n
    while todo:
        nxt = []
        for u in todo:
            topo.append(u)
            for v in succ[u]:
                step = 2 if long and (u, v) in long else 1
                if rank[v] < rank[u] + step:
                    rank[v] = rank[u] + step
                indeg[v] -= 1
                if indeg[v] == 0:
                    nxt.append(v)
        todo = nxt
    # a deliverable that feeds more edges than it consumes is placed as
    # late as its consumers allow: the same picture, shorter edges (and
    # a start closer to what network simplex ends with)
    for u in reversed(topo):
        if succ[u] and len(succ[u]) > len(pred[u]):
            rank[u] = min(rank[v] - (2 if long and (u, v) in long else 1) for v in succ[u])
    lg.long = long
    if lg.spec.previous_flow is None:  # else the previous ranks are kept (below)
        rank = shortest_edges(lg, rank)
    incremental.keep_previous_ranks(lg, rank, topo, pred, succ)
    base = min(rank) if rank else 0
    lg.rank = [r - base for r in rank]
    lg.n_ranks = max(lg.rank) + 1 if lg.rank else 0
    room_for_notes(lg)


def shortest_edges(lg, rank: list[int]) -> list[int]:
    """Network simplex (simplex.py) from these ranks: the edges as short
    as they can be in total, as dot ranks them. Shorter edges are fewer
    virtual nodes, and fewer of them to cross: on the benchmark's models
    without groups, 20-26% fewer crossings than the longest path (local)
    and 1-3% (long-range); docs/performance.md. Up to RANK_WORK nodes
    looked at: optimal up to a few thousand deliverables; above, stopped
    early (still much shorter than the longest path)."""
    from .simplex import network_simplex

    merged: dict[tuple[int, int], list[int]] = {}
    for u, v, _k, _r in lg.edges:
        m = merged.get((u, v))
        if m is None:
            merged[(u, v)] = [2 if (u, v) in lg.long else 1, 1]
        else:
            m[1] += 1
    edges = [(u, v, m[0], m[1]) for (u, v), m in merged.items()]
    return network_simplex(lg.n_real, edges, rank, RANK_WORK)[0]


def roadmap_layers(lg) -> None:
    """The roadmap view's ranks: every stage is a contiguous range of
    ranks, in stage order; inside it, the longest path among the
    stage's own deliverables, then its exit criteria together on its
    last rank (after every other deliverable of the stage). Every
    relation then points from the lower rank to the higher one: a
    relation into an earlier stage (or out of an exit criterion into
    its own stage) is drawn reversed, as a cycle's closing edge is."""
    n = lg.n_real
    names = lg.spec.nodes
    n_cols = len(lg.spec.columns)
    col = [lg.spec.node_column[name] for name in names]
    # what follows the exit criteria (spec.last) is ranked with them: on the
    # column's last rank, or after the exit criterion it comes from
    exit_ = [name in lg.spec.exits or name in lg.spec.last for name in names]
    # the stage-internal relations that order ranks: not out of an exit
    # into a plain member (that one runs backwards), cycles broken in
    # declaration order as in `_acyclic_edges`
    out: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for k, (s, t, _kind, _label) in enumerate(lg.spec.edges):
        u, v = lg.index[s], lg.index[t]
        if u != v and col[u] == col[v] and not (exit_[u] and not exit_[v]):
            out[u].append((v, k))
    closing = back_edges(out)   # left out: they close a cycle
    succ: list[list[int]] = [[v for v, k in out[u] if k not in closing] for u in range(n)]
    pred: list[list[int]] = [[] for _ in range(n)]
    for u in range(n):
        for v in succ[u]:
            pred[v].append(u)
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
    for s, t, _kind, _label in lg.spec.edges:
        if s != t:
            fan_out[lg.index[s]] += 1
            fan_in[lg.index[t]] += 1
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
    lg.rank = [first[col[v]] + rank[v] for v in range(n)]
    lg.n_ranks = sum(widths)
    lg.col_ranges = [(first[c], first[c] + widths[c] - 1) for c in range(n_cols)]
    lg.edges = []
    for k, (s, t, _kind, _label) in enumerate(lg.spec.edges):
        u, v = lg.index[s], lg.index[t]
        if u == v:
            continue
        if lg.rank[u] == lg.rank[v]:  # cannot happen by construction; never draw a flat edge
            raise AssertionError(f"roadmap ranks: {s!r} and {t!r} share a rank")
        lg.edges.append((u, v, k, False) if lg.rank[u] < lg.rank[v] else (v, u, k, True))
    lg.long = {(u, v) for u, v, k, _r in lg.edges if lg.spec.edges[k][3] is not None}
    room_for_notes(lg)


def room_for_notes(lg) -> None:
    """A relation that writes a note and joins two neighbouring ranks gets
    an empty rank between them, where its note is written: every rank from
    the later end's on moves one on. In the roadmap view the new rank
    belongs to the later end's stage (its first rank, when the relation
    comes from the stage before)."""
    at = sorted({max(lg.rank[u], lg.rank[v]) for u, v in lg.long if abs(lg.rank[u] - lg.rank[v]) == 1})
    if not at:
        return
    import bisect

    def moved(r: int) -> int:  # rank r after the new ranks are in
        return r + bisect.bisect_right(at, r)

    lg.rank = [moved(r) for r in lg.rank]
    lg.n_ranks += len(at)
    if getattr(lg, "col_ranges", None) is not None:
        lg.col_ranges = [(moved(r0) - (1 if r0 in at else 0), moved(r1)) for r0, r1 in lg.col_ranges]


def common_group(lg, a: int, b: int) -> int:
    seen = set()
    while a != -1:
        seen.add(a)
        a = lg.gparent[a]
    while b != -1 and b not in seen:
        b = lg.gparent[b]
    return b


def split_long_edges(lg) -> None:
    """Virtual nodes: one per rank an edge skips, in the group both ends
    share (or the top level)."""
    lg.node_rank = list(lg.rank)
    lg.cluster = list(lg.node_cluster)
    lg.chains: list[list[int]] = []  # node ids from u to v (ranked direction)
    for u, v, k, _r in lg.edges:
        chain = [u]
        ru, rv = lg.node_rank[u], lg.node_rank[v]
        if rv - ru > 1:
            c = common_group(lg, lg.cluster[u], lg.cluster[v]) if lg.cluster[u] != -1 and lg.cluster[v] != -1 else -1
            for r in range(ru + 1, rv):
                vid = len(lg.node_rank)
                lg.node_rank.append(r)
                lg.cluster.append(c)
                chain.append(vid)
        chain.append(v)
        lg.chains.append(chain)
    note_places(lg)
    if lg.previous is not None:
        incremental.previous_virtual_places(lg)
    total = len(lg.node_rank)
    lg.up: list[list[int]] = [[] for _ in range(total)]
    lg.down: list[list[int]] = [[] for _ in range(total)]
    for chain in lg.chains:
        for a, b in zip(chain, chain[1:]):
            lg.down[a].append(b)
            lg.up[b].append(a)
    lg.rank_nodes: list[list[int]] = [[] for _ in range(lg.n_ranks)]
    for v, r in enumerate(lg.node_rank):
        lg.rank_nodes[r].append(v)


def note_places(lg) -> None:
    """A relation's note is written beside the middle virtual node of its
    chain (ELK's and dot's label dummy): it takes room in that rank."""
    lg.note_at: dict[int, tuple[int, tuple[float, float]]] = {}  # virtual node -> (edge index, note size)
    for chain, (_u, _v, k, _r) in zip(lg.chains, lg.edges):
        note = lg.spec.edges[k][3]
        if note is not None and len(chain) > 2:
            lg.note_at[chain[len(chain) // 2]] = (k, note)


def group_spans(lg) -> None:
    """The ranks each group's frame covers (its members' and nested groups')."""
    G = len(lg.group_names)
    lo, hi = [None] * G, [None] * G
    for v in range(lg.n_real):
        g = lg.cluster[v]
        r = lg.node_rank[v]
        while g != -1:
            if lo[g] is None or r < lo[g]:
                lo[g] = r
            if hi[g] is None or r > hi[g]:
                hi[g] = r
            g = lg.gparent[g]
    lg.span = [(lo[g], hi[g]) if lo[g] is not None else None for g in range(G)]
    lg.children: dict[int, list[int]] = {}
    for g in range(G):
        if lg.span[g] is not None:
            lg.children.setdefault(lg.gparent[g], []).append(g)
    lg.rank_level_nodes: list[dict[int, list[int]]] = [{} for _ in range(lg.n_ranks)]
    for v, r in enumerate(lg.node_rank):
        lg.rank_level_nodes[r].setdefault(lg.cluster[v], []).append(v)
