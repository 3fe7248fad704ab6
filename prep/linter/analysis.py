"""Graph analysis the rules share, over the plain-dict `Model.index` (no
NetworkX): strongly connected components (iterative Tarjan) and
reachability as bitsets (Python ints), each computed once per model.

For a 10,000-deliverable model the bitsets take a few MB and tens of ms:
one OR of big ints per relation, in reverse topological order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # pragma: no cover
    from ..language.model import Index, Model


def strongly_connected(nodes: Iterable[str], succ: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm without recursion. Components come out in reverse
    topological order (a component before every component that reaches it)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(succ.get(root, ())))]
        while work:
            v, it = work[-1]
            descended = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(succ.get(w, ()))))
                    descended = True
                    break
                if w in on_stack and index[w] < low[v]:
                    low[v] = index[w]
            if descended:
                continue
            work.pop()
            if work:
                u = work[-1][0]
                if low[v] < low[u]:
                    low[u] = low[v]
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(comp)
    return out


def topological_prefix(nodes: list[str], succ: dict[str, list[str]]) -> list[str]:
    """Kahn's algorithm: the nodes that are on no cycle and downstream of
    none, in topological order. All of `nodes` when the graph is acyclic
    (the usual case, and much cheaper to establish than with Tarjan)."""
    indeg = dict.fromkeys(nodes, 0)
    for v in nodes:
        for w in succ[v]:
            indeg[w] += 1
    order = [v for v in nodes if not indeg[v]]
    i = 0
    while i < len(order):
        for w in succ[order[i]]:
            indeg[w] -= 1
            if not indeg[w]:
                order.append(w)
        i += 1
    return order


def cyclic_components(nodes: list[str], succ: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components with two or more members."""
    peeled = topological_prefix(nodes, succ)
    if len(peeled) == len(nodes):
        return []
    done = set(peeled)
    rest = [n for n in nodes if n not in done]  # edges from here never lead back to `done`
    return [c for c in strongly_connected(rest, succ) if len(c) > 1]


def input_successors(model: "Model", index: "Index", *, with_sync: bool) -> dict[str, list[str]]:
    """name -> names it is an input of (`->`, and `~>` when `with_sync`),
    without self-relations and repeats."""
    succ: dict[str, list[str]] = {}
    for name in model.deliverables:
        rels = index.consumers[name] + index.sync_out[name] if with_sync else index.consumers[name]
        succ[name] = list(dict.fromkeys(r.target for r in rels if r.target != name))
    return succ


class Reach:
    """Who reaches whom through `->` and `~>` (the flow of the process).
    `downstream(a)` and `upstream(a)` are bitsets over `self.order`."""

    def __init__(self, model: "Model", index: "Index", targets: Iterable[str] | None = None):
        # `targets`: only questions `reaches(a, b)` with b among them will be
        # asked. The bitsets then have a bit per target instead of one per
        # deliverable: all-pairs bitsets are O(n^2) bits (2.5 GB at 100,000).
        nodes = list(model.deliverables)
        self.order = nodes if targets is None else list(dict.fromkeys(targets))
        self.bit = {n: 1 << i for i, n in enumerate(self.order)}
        succ = input_successors(model, index, with_sync=True)
        order = topological_prefix(nodes, succ)
        if len(order) == len(nodes):
            comps = [[n] for n in reversed(order)]
        else:
            comps = strongly_connected(nodes, succ)
        comp_of: dict[str, int] = {}
        for ci, comp in enumerate(comps):
            for n in comp:
                comp_of[n] = ci
        masks = [0] * len(comps)
        bit = self.bit
        for ci, comp in enumerate(comps):
            m = 0
            for n in comp:
                m |= bit.get(n, 0)
            masks[ci] = m
        # components come sinks first, so successors are done before us
        down = [0] * len(comps)
        pred_comps: list[set[int]] = [set() for _ in comps]
        for ci, comp in enumerate(comps):
            acc = masks[ci] if len(comp) > 1 else 0
            for n in comp:
                for w in succ[n]:
                    cw = comp_of[w]
                    if cw != ci:
                        acc |= down[cw] | masks[cw]
                        pred_comps[cw].add(ci)
            down[ci] = acc
        self._comp_of, self._comps, self._masks, self._down = comp_of, comps, masks, down
        self._pred_comps = pred_comps
        self._up: list[int] | None = None

    def reaches(self, a: str, b: str) -> bool:
        """True when `a` is, directly or not, an input of `b`."""
        return bool(self._down[self._comp_of[a]] & self.bit[b])

    def downstream(self, a: str) -> int:
        """Bitset (over `self.order`) of the deliverables made from `a`."""
        return self._down[self._comp_of[a]] & ~self.bit.get(a, 0)

    def upstream(self, a: str) -> int:
        if self._up is None:
            comps, masks, preds = self._comps, self._masks, self._pred_comps
            up = [0] * len(comps)
            for ci in range(len(comps) - 1, -1, -1):  # sources first
                acc = masks[ci] if len(comps[ci]) > 1 else 0
                for p in preds[ci]:
                    acc |= up[p] | masks[p]
                up[ci] = acc
            self._up = up
        return self._up[self._comp_of[a]] & ~self.bit.get(a, 0)
