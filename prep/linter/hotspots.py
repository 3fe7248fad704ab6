"""Ranking deliverables by how fragile they are (`prep lint --hotspots`).

For each deliverable d:

    S(d) = synchronizations touching d (`~>` in or out, `<~>`), self-relations not counted
    K(d) = inputs of d that are personal knowhow (fewer owners than K201's min-owners, 2),
           plus, when d itself is personal knowhow, the deliverables it feeds
    F(d) = up(d) * down(d) / max over the model of up * down      (0..1)
           up(d):   deliverables d is made from, directly or not  (through -> and ~>)
           down(d): deliverables made from d, directly or not

    score(d) = S(d) + 2 K(d) + 5 F(d)

F measures how much of the process flows through d: up*down counts the
(upstream, downstream) pairs whose path can pass d, the quantity that
betweenness centrality refines. It is computed exactly from reachability
bitsets in one pass (betweenness costs a traversal per deliverable, which
is minutes on 10,000 deliverables), over batches of target deliverables
sized so the bitsets stay within REACH_BITS, so memory stays bounded (one
all-pairs pass needs n^2 bits per direction: 3 GB at 100,000). The weights say that depending on one
person's knowledge weighs twice a round of coordination, and that the most
central deliverable of the model weighs as much as five coordinations.
Deliverables scoring 0 are not listed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from .analysis import Reach, shared

W_SYNC, W_PERSONAL, W_FLOW = 1.0, 2.0, 5.0
# bits the reachability bitsets of one batch may hold, per direction
# (2^30 bits = 128 MiB): one batch up to ~32,000 deliverables, then
# batches of 2^30 / n targets (about 10,700 at 100,000)
REACH_BITS = 2**30


def reach_counts(model, index, batch: int | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """(upstream, downstream) counts of every deliverable: exact, computed
    over `batch` target deliverables at a time (default: as many as fit in
    REACH_BITS; the model's shared reachability when it has one)."""
    names = list(model.deliverables)
    common = shared(model, index)
    whole = common.reach() if batch is None else None
    if whole is not None:
        ups, downs = whole.counts()
        return dict(zip(names, ups)), dict(zip(names, downs))
    batch = batch or max(256, REACH_BITS // max(len(names), 1))
    up = [0] * len(names)
    down = [0] * len(names)
    for start in range(0, len(names), batch):
        ups, downs = Reach(model, index, targets=names[start : start + batch], flow=common.flow).counts()
        up = [a + b for a, b in zip(up, ups)]
        down = [a + b for a, b in zip(down, downs)]
    return dict(zip(names, up)), dict(zip(names, down))


@dataclass(frozen=True)
class Hotspot:
    path: str
    rank: int
    deliverable: str
    score: float
    sync: int
    personal_knowhow: int
    upstream: int
    downstream: int
    flow: float


def rank(model, *, min_owners: int = 2, top: int | None = 10,
         counts: tuple[list[int], list[int]] | None = None) -> list[Hotspot]:
    """The `top` deliverables by score. `counts`: their (upstream,
    downstream) counts in the model's order when known already
    (`reach_counts` otherwise)."""
    import heapq

    index = model.index
    ds = model.deliverables
    names = list(ds)
    personal = {n for n, d in ds.items() if d.is_knowhow and len(d.owners) < min_owners}
    if counts is not None:
        ups, downs = counts
    else:
        ups_of, downs_of = reach_counts(model, index)
        ups, downs = [ups_of[n] for n in names], [downs_of[n] for n in names]
    degree = shared(model, index).sync_degree
    sync = [degree[n] for n in names]
    ks = [0] * len(names)
    if personal:  # from each personal knowhow's uses: its inputs' K, and its own (what it feeds depends on it)
        pos = {n: i for i, n in enumerate(names)}
        for name in personal:
            fed = {r.target for r in index.consumers[name]}
            fed.update(r.target for r in index.sync_out[name])
            fed.discard(name)
            for target in fed:
                ks[pos[target]] += 1
            ks[pos[name]] += len(fed)
    flows = [up * down for up, down in zip(ups, downs)]
    biggest = max(flows, default=0) or 1
    scored = ((-score, order) for order, score in enumerate(
        round(W_SYNC * s + W_PERSONAL * k + W_FLOW * (f / biggest), 2) for s, k, f in zip(sync, ks, flows))
        if score > 0)
    best = heapq.nsmallest(top, scored) if top is not None else sorted(scored)
    return [Hotspot(model.path, i + 1, names[order], -neg, sync[order], ks[order], ups[order], downs[order],
                    round(flows[order] / biggest, 3))
            for i, (neg, order) in enumerate(best)]


def format_hotspots_text(path: str, hotspots: list[Hotspot], total: int) -> str:
    head = f"{path}: top {len(hotspots)} of {total} deliverables by fragility (score = S + 2K + 5F)"
    if not hotspots:
        return f"{path}: no fragile deliverables (no synchronization, personal knowhow or flow)\n"
    rows = [("rank", "score", "S sync", "K personal", "up", "down", "F flow", "deliverable")]
    for h in hotspots:
        rows.append((str(h.rank), f"{h.score:.2f}", str(h.sync), str(h.personal_knowhow), str(h.upstream),
                     str(h.downstream), f"{h.flow:.2f}", h.deliverable))
    widths = [max(len(r[i]) for r in rows) for i in range(7)]
    lines = [head]
    for r in rows:
        lines.append("  ".join(c.rjust(w) for c, w in zip(r[:7], widths)) + "  " + r[7])
    return "\n".join(lines) + "\n"


def format_hotspots_json(hotspots: list[Hotspot]) -> str:
    return json.dumps([asdict(h) for h in hotspots], ensure_ascii=False, indent=2) + "\n"
