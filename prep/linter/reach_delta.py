"""The reachability counts of a changed model from those of the model
before the change (`prep diff`): the cost follows the change, not the model.

up(d) and down(d) (prep/linter/hotspots.py) count the deliverables d is
made from and those made from d, through `->` and `~>`. An edit changes
whether a reaches b only along a path through a changed edge s -> t (added
or removed): in the graph where that path exists, a is s or upstream of
it, and b is t or downstream of it. So with

    Y = the targets t of changed edges, and everything downstream of them, before or after
    X = the sources s of changed edges, and everything upstream of them, before or after

every pair whose reachability changed lies in X x Y, and for every d

    down_after(d) = down_before(d) - |down_before(d) & Y| + |down_after(d) & Y|
    up_after(d)   = up_before(d)                   when d is not in Y
    up_after(d)   = how many deliverables reach d  when d is in Y

(a deliverable missing on one side counts 0 there: every edge it has is a
changed edge). The parts over Y are one `Reach` per side with Y as its
targets: bitsets of |Y| bits instead of one per deliverable. The same
holds with the roles swapped (X as the targets, on the reversed graph);
the smaller of the two is used, and when both are above a quarter of the
model the full computation is as cheap (`counts_after` says None).
"""

from __future__ import annotations

from .analysis import Flow, Reach, shared

AFFECTED_SHARE = 4  # incremental while the affected side is at most 1/4 of the model
_SMALL = 64  # a downstream side this small is used without measuring the upstream one


class _Reversed:
    """A `Flow` with every edge turned around (what `Reach` reads of it)."""

    def __init__(self, flow):
        self.names, self.pos = flow.names, flow.pos
        pred: list[list[int]] = [[] for _ in flow.names]
        for v, out in enumerate(flow.succ):
            for w in out:
                pred[w].append(v)
        self.succ = pred
        self.topological = None if flow.topological is None else flow.topological[::-1]


def counts_after(before, after, up_before: dict[str, int], down_before: dict[str, int]
                 ) -> tuple[dict[str, int], dict[str, int]] | None:
    """(up, down) of every deliverable of model `after`, exact, from the
    counts of model `before`; None when the change reaches too much of
    the model for this to pay (compute them in full then)."""
    apply = prepare(before, after)
    if apply is None:
        return None
    names = list(before.deliverables)
    up, down = apply([up_before[n] for n in names], [down_before[n] for n in names])
    after_names = list(after.deliverables)
    return dict(zip(after_names, up)), dict(zip(after_names, down))


def prepare(before, after):
    """All of `counts_after` that needs no counts of `before` (the graph
    work: done while those counts are still being read), as a function of
    them; None when the change reaches too much of the model. The
    function takes and gives the counts as lists in the deliverable order
    of `before` and `after` (as review records keep them)."""
    old, new = _flow(before), _flow(after)
    changed = _edges(old) ^ _edges(new)
    limit = max(len(new.names), 1) // AFFECTED_SHARE
    below = _closure({t for _, t in changed}, (old, new), limit)
    if below is not None and len(below) <= _SMALL:
        return _counts(before, after, old, new, below)
    old_back, new_back = _Reversed(old), _Reversed(new)
    above = _closure({s for s, _ in changed}, (old_back, new_back), limit if below is None else len(below))
    if above is not None:  # smaller than `below`: the same on the reversed graph, up and down swapped
        apply = _counts(before, after, old_back, new_back, above)
        return lambda up_before, down_before: apply(down_before, up_before)[::-1]
    if below is not None:
        return _counts(before, after, old, new, below)
    return None


def _flow(model):
    """The model's flow graph: the shared one when its index is there (the
    ranking asks for it), else one of its own (an index costs more)."""
    if "index" in vars(model):
        return shared(model, model.index).flow
    return Flow(model, None)


def _edges(flow) -> set[tuple[str, str]]:
    names = flow.names
    return {(names[v], names[w]) for v, out in enumerate(flow.succ) for w in out}


def _closure(starts: set[str], flows, limit: int) -> set[str] | None:
    """`starts` and everything after them in any of `flows`; None once
    that is more than `limit` names."""
    found: set[str] = set()
    for flow in flows:
        pos, names, succ = flow.pos, flow.names, flow.succ
        seen = {pos[s] for s in starts if s in pos}
        stack = list(seen)
        while stack:
            for w in succ[stack.pop()]:
                if w not in seen:
                    seen.add(w)
                    stack.append(w)
        found.update(names[v] for v in seen)
        if len(found) > limit:
            return None
    return found


def _counts(before, after, old, new, targets: set[str]):
    """With `targets` the affected downstream side (Y) of `old` -> `new`
    (flows, or reversed flows with up and down swapped): a function of the
    counts before that gives (up, down) after."""
    order = sorted(targets)  # any order: the bits are only counted
    # the flows are given: no index needed (the old model's would be made for nothing)
    old_reach = Reach(before, None, targets=[t for t in order if t in old.pos], flow=old)
    new_reach = Reach(after, None, targets=[t for t in order if t in new.pos], flow=new)
    old_into, new_into = old_reach.down_counts(), new_reach.down_counts()
    new_pos = new.pos
    reached = [(new_pos[name], count) for name, count in zip(new_reach.order, new_reach.reached_by())]
    old_pos = old.pos
    was = [old_pos.get(name) for name in new.names]  # each deliverable's place before (None: new)

    def apply(up_before: list[int], down_before: list[int]) -> tuple[list[int], list[int]]:
        down = [now if v is None else down_before[v] - old_into[v] + now for v, now in zip(was, new_into)]
        up = [0 if v is None else up_before[v] for v in was]
        for i, count in reached:
            up[i] = count
        return up, down

    return apply
