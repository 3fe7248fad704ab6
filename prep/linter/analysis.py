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


def topological_prefix(nodes, succ) -> list:
    """Kahn's algorithm: the nodes that are on no cycle and downstream of
    none, in topological order. All of `nodes` when the graph is acyclic
    (the usual case, and much cheaper to establish than with Tarjan).
    `nodes` are names with `succ` a dict of lists, or positions 0..n-1 with
    `succ` a list of lists."""
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
    `downstream(a)` and `upstream(a)` are bitsets over `self.order`.

    Works on integer positions (a deliverable's place in the model): one OR
    of big ints per relation, over the components in topological order
    (each deliverable is its own component when the flow has no cycle, the
    usual case, and then no component table is built at all)."""

    def __init__(self, model: "Model", index: "Index", targets: Iterable[str] | None = None,
                 flow: "Flow | None" = None):
        # `targets`: only questions `reaches(a, b)` with b among them will be
        # asked. The bitsets then have a bit per target instead of one per
        # deliverable: all-pairs bitsets are O(n^2) bits (2.5 GB at 100,000).
        flow = flow or Flow(model, index)
        self._flow = flow
        n = len(flow.names)
        pos = flow.pos
        self.order = flow.names if targets is None else list(dict.fromkeys(targets))
        if targets is None:
            bits = [1 << i for i in range(n)]
        else:
            bits = [0] * n
            for i, t in enumerate(self.order):
                bits[pos[t]] = 1 << i
        self._bits = bits
        succ = flow.succ
        topo = flow.topological
        if topo is not None:  # no cycle: components are the deliverables
            self._comp_of = None
            cyclic = None
            csucc, cmask, corder = succ, bits, topo
        else:
            comps = strongly_connected_ids(n, succ)  # sinks first
            comp_of = [0] * n
            for ci, comp in enumerate(comps):
                for v in comp:
                    comp_of[v] = ci
            cmask = [0] * len(comps)
            csucc = [None] * len(comps)
            cyclic = [len(c) > 1 for c in comps]
            for ci, comp in enumerate(comps):
                m = 0
                out = set()
                for v in comp:
                    m |= bits[v]
                    for w in succ[v]:
                        out.add(comp_of[w])
                out.discard(ci)
                cmask[ci] = m
                csucc[ci] = list(out)
            self._comp_of = comp_of
            corder = list(range(len(comps) - 1, -1, -1))  # sources first
        self._cyclic, self._csucc, self._cmask, self._corder = cyclic, csucc, cmask, corder
        # sinks first, so a component's successors are done before it
        down = [0] * len(cmask)
        closed = [0] * len(cmask)  # down | own bits
        for c in reversed(corder):
            acc = 0
            for d in csucc[c]:
                acc |= closed[d]
            if cyclic is not None and cyclic[c]:
                acc |= cmask[c]
            down[c] = acc
            own = cmask[c]
            closed[c] = acc | own if own else acc  # one int when c holds no target
        self._down = down
        self._up: list[int] | None = None
        self._bit_of: dict[str, int] | None = None

    def _comp(self, a: str) -> int:
        v = self._flow.pos[a]
        return v if self._comp_of is None else self._comp_of[v]

    @property
    def bit(self) -> dict[str, int]:
        """name -> its bit (targets only)."""
        if self._bit_of is None:
            names = self._flow.names
            self._bit_of = {names[v]: b for v, b in enumerate(self._bits) if b}
        return self._bit_of

    def reaches(self, a: str, b: str) -> bool:
        """True when `a` is, directly or not, an input of `b` (a target)."""
        bit = self._bits[self._flow.pos[b]]
        if not bit:
            raise KeyError(b)
        return bool(self._down[self._comp(a)] & bit)

    def downstream(self, a: str) -> int:
        """Bitset (over `self.order`) of the deliverables made from `a`."""
        return self._down[self._comp(a)] & ~self._bits[self._flow.pos[a]]

    def _upstream_sets(self) -> list[int]:
        if self._up is None:
            csucc, cmask, cyclic = self._csucc, self._cmask, self._cyclic
            up = [0] * len(cmask)
            # sources first: push each component's set, with its own bits, to its successors
            for c in self._corder:
                acc = up[c]
                own = cmask[c]
                if cyclic is not None and cyclic[c]:
                    acc |= own
                    up[c] = acc
                mine = acc | own if own else acc
                for d in csucc[c]:
                    up[d] |= mine
            self._up = up
        return self._up

    def upstream(self, a: str) -> int:
        return self._upstream_sets()[self._comp(a)] & ~self._bits[self._flow.pos[a]]

    def reached_by(self) -> list[int]:
        """For each target (in `self.order`), how many deliverables other
        than itself reach it: its upstream count over the whole model."""
        from collections import Counter

        down, bits = self._down, self._bits
        if self._comp_of is None:
            tally = Counter(down)
        else:
            tally = Counter(down[c] & ~bits[v] for v, c in enumerate(self._comp_of))
        out = [0] * len(self.order)
        for found, times in tally.items():
            while found:
                low = found & -found
                out[low.bit_length() - 1] += times
                found ^= low
        return out

    def down_counts(self) -> list[int]:
        """The downstream half of `counts()`, without the upstream sets."""
        down, bits, comp_of, cyclic = self._down, self._bits, self._comp_of, self._cyclic
        if comp_of is None:
            return [x.bit_count() for x in down]
        return [down[c].bit_count() - (1 if cyclic[c] and bits[v] else 0) for v, c in enumerate(comp_of)]

    def counts(self) -> tuple[list[int], list[int]]:
        """(upstream, downstream) sizes, counted over the targets, of every
        deliverable in model order."""
        up, down, bits = self._upstream_sets(), self._down, self._bits
        comp_of, cyclic = self._comp_of, self._cyclic
        if comp_of is None:  # no cycle: a deliverable is never in its own sets
            return [x.bit_count() for x in up], [x.bit_count() for x in down]
        ups, downs = [], []
        for v, c in enumerate(comp_of):
            own = 1 if cyclic[c] and bits[v] else 0
            ups.append(up[c].bit_count() - own)
            downs.append(down[c].bit_count() - own)
        return ups, downs


def strongly_connected_ids(n: int, succ: list[list[int]]) -> list[list[int]]:
    """`strongly_connected` over the integers 0..n-1 (reverse topological order)."""
    return strongly_connected(range(n), dict(enumerate(succ)))


class Flow:
    """The flow graph (`->` and `~>`, no self-relations, no repeats) over
    integer positions: `names[i]`, `pos[name]`, `succ[i]`, and a topological
    order when it has no cycle (None otherwise)."""

    def __init__(self, model: "Model", index: "Index"):
        self.names = names = list(model.deliverables)
        self.pos = pos = {n: i for i, n in enumerate(names)}
        succ: list[list[int]] = [[] for _ in names]
        for r in model.relations:
            if r.kind != "mutual" and r.source != r.target:
                succ[pos[r.source]].append(pos[r.target])
        for i, out in enumerate(succ):
            if len(out) > 1 and len(set(out)) != len(out):
                succ[i] = list(dict.fromkeys(out))
        self.succ = succ
        order = topological_prefix(range(len(names)), succ)
        self.topological = order if len(order) == len(names) else None


# all-pairs reachability is kept for models up to this many bits per
# direction (2^27 bits = 16 MiB: up to ~11,500 deliverables); above, each
# question computes the part it needs and lets it go
SHARED_REACH_BITS = 2**27


class Shared:
    """Analyses several rules and the hotspot ranking ask for, computed once
    per model (kept on its `Index`): lint and `--hotspots` or `prep diff`
    then walk the graph once, not once per question."""

    def __init__(self, model: "Model", index: "Index"):
        self.model, self.index = model, index
        self._flow: Flow | None = None
        self._reach: Reach | None = None
        self._sources: dict[str, list[str]] | None = None
        self._sync: dict[str, int] | None = None

    @property
    def flow(self) -> Flow:
        if self._flow is None:
            self._flow = Flow(self.model, self.index)
        return self._flow

    @property
    def known_reach(self) -> Reach | None:
        """The all-pairs reachability if something asked for it already."""
        return self._reach

    def reach(self) -> Reach | None:
        """Reachability between all deliverables, or None when the model
        is too big to keep it (above SHARED_REACH_BITS)."""
        if self._reach is None:
            n = len(self.model.deliverables)
            if n * n > SHARED_REACH_BITS:
                return None
            self._reach = Reach(self.model, self.index, flow=self.flow)
        return self._reach

    @property
    def sources(self) -> dict[str, list[str]]:
        """name -> what it is made from: sources of `->` and `~>` into it,
        once each, in order, without itself."""
        if self._sources is None:
            out: dict[str, list[str]] = {n: [] for n in self.model.deliverables}
            # inputs (->) before synchronizations (~>), as `Index.producers`
            for kind in ("input", "sync"):
                for r in self.model.relations:
                    if r.kind == kind and r.source != r.target:
                        out[r.target].append(r.source)
            for name, srcs in out.items():
                if len(srcs) > 1 and len(set(srcs)) != len(srcs):
                    out[name] = list(dict.fromkeys(srcs))
            self._sources = out
        return self._sources


    @property
    def sync_degree(self) -> dict[str, int]:
        """name -> synchronizations touching it (`~>` in or out, `<~>`),
        self-relations not counted."""
        if self._sync is None:
            out = dict.fromkeys(self.model.deliverables, 0)
            for r in self.model.relations:
                if r.kind != "input" and r.source != r.target:
                    out[r.source] += 1
                    out[r.target] += 1
            self._sync = out
        return self._sync


def shared(model: "Model", index: "Index") -> Shared:
    """The `Shared` analyses of `model` (made once, kept on its index)."""
    memo = index.memo
    s = memo.get("linter")
    if s is None:
        s = memo["linter"] = Shared(model, index)
    return s
