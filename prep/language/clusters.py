"""The clusters an overview draws: one box (and one drill-down picture) per
cluster of deliverables, each small enough to read.

A model's declared top-level groups are its clusters when each holds at
most `max_size` deliverables (the overview as it always was). A part that
holds more (the deliverables in no group, or a huge group) is split:

1. by stage, when the model declares stages (each deliverable in its
   effective stage, `Model.effective_stages`);
2. a part still too big, into communities of its relations (Leiden,
   python-igraph; networkx's Louvain where igraph cannot be imported),
   split again until every community fits;
3. communities smaller than a quarter of `max_size` joined to the
   neighbouring community they share most relations with (while it has
   room); what is left (deliverables related to nothing) packed together
   in declaration order.

Every deliverable ends in exactly one cluster, and the same model gives
the same clusters (fixed seeds, declaration order everywhere). A cluster
is named after its most central deliverables (most relations inside the
cluster), e.g. "受注, 導入計画 …".
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from .model import Model

# the most deliverables one drill-down picture holds: about what reads on
# a screen or an A3 page (prep lays 200 out in about 0.3 s)
MAX_SIZE = 200
UNGROUPED = "(no group)"
SEED = 1
# the most boxes one overview holds: more clusters (100,000 deliverables
# make about 700) are shown in two levels, runs of consecutive clusters
# each opening the overview of its clusters (`in_two_levels`)
MAX_BOXES = 100


@dataclass(frozen=True)
class Cluster:
    name: str                  # unique among the clusters: the overview's box
    label: str                 # the box's and its picture's title
    members: tuple[str, ...]   # deliverables, in declaration order
    found_by: str              # "group", "no group", "stage" or "communities"


@dataclass(frozen=True)
class Clusters:
    clusters: tuple[Cluster, ...]
    method: str       # how they were found, in words
    automatic: bool   # False: exactly the declared top-level groups

    @property
    def sizes(self) -> list[int]:
        return [len(c.members) for c in self.clusters]

    def summary(self) -> str:
        """'52 clusters of 61-200 deliverables (median 190), by stage and
        Leiden communities'."""
        sizes = self.sizes
        n = len(sizes)
        span = f"{min(sizes)}-{max(sizes)}" if min(sizes) != max(sizes) else f"{sizes[0]}"
        return (f"{n} cluster{'s' if n != 1 else ''} of {span} deliverables "
                f"(median {statistics.median_low(sizes)}), {self.method}")


def top_group(model: Model, name: str) -> str | None:
    """The outermost group a deliverable is in (None: in no group)."""
    g = model.deliverables[name].group
    top = None
    while g is not None and g in model.groups:
        top = g
        g = model.groups[g].parent
    return top


def declared_groups(model: Model) -> dict[str, list[str]]:
    """{top-level group (or UNGROUPED): its deliverables}, in the groups'
    order, UNGROUPED last."""
    holds: dict[str, list[str]] = {}
    for name in model.deliverables:
        holds.setdefault(top_group(model, name) or UNGROUPED, []).append(name)
    order = [g for g in model.groups if g in holds] + ([UNGROUPED] if UNGROUPED in holds else [])
    return {box: holds[box] for box in order}


def find_clusters(model: Model, max_size: int = MAX_SIZE, *, seed: int = SEED) -> Clusters:
    """The clusters of `model`, none over `max_size` deliverables (see the
    module's docstring)."""
    if max_size < 1:
        raise ValueError("max_size must be 1 or more")
    graph = None   # built when a part is too big (declared groups that fit need none)
    stages = _declared_stages(model)
    out: list[tuple[str, str, list[str]]] = []   # (label, found_by, members)
    split: set[str] = set()   # what was too big: "group", "no group"
    how: set[str] = set()     # how it was split: "stage", "communities"
    for box, members in declared_groups(model).items():
        label = model.groups[box].display if box in model.groups else UNGROUPED
        if len(members) <= max_size:
            out.append((label, "group" if box in model.groups else "no group", members))
            continue
        prefix = f"{label}: " if box in model.groups else ""
        pieces = [(None, members)]
        if stages:
            pieces = _by_stage(model, members, stages)
        for stage_label, piece in pieces:
            if stage_label is not None and len(piece) <= max_size:
                out.append((prefix + stage_label, "stage", piece))
                continue
            head = prefix + (f"{stage_label}: " if stage_label is not None else "")
            graph = graph or _Graph(model)
            for community in graph.communities(piece, max_size, seed):
                out.append((head + graph.central_names(community), "communities", community))
        split.add("group" if box in model.groups else "no group")
        how.update(["stage"] if stages else [])
    kinds = {found_by for _, found_by, _ in out}
    how.update(kinds & {"communities"})
    clusters, names = [], set()
    for label, found_by, members in out:
        name, k = label, 2
        while name in names:  # two communities whose central deliverables read alike
            name, k = f"{label} ({k})", k + 1
        names.add(name)
        clusters.append(Cluster(name, label, tuple(members), found_by))
    engine = ("Leiden" if _igraph() is not None else "Louvain") if "communities" in how else ""
    return Clusters(tuple(clusters), _method(kinds, split, how, engine), bool(how))


def _method(kinds: set[str], split: set[str], how: set[str], engine: str) -> str:
    if not how:
        return "the declared groups" if "group" in kinds else "one cluster, the model (it has no groups)"
    words = " and ".join(w for w, k in (("stage", "stage"), (f"{engine} communities", "communities")) if k in how)
    if "group" in split:  # a declared group was too big
        return f"the declared groups, those too big split by {words}"
    if "group" in kinds:
        return f"the declared groups, the deliverables in none clustered automatically by {words}"
    return f"clustered automatically by {words}"


def _declared_stages(model: Model) -> list[str]:
    """The model's stages in order, when it declares any (a v1 model's
    free-text `stage:` attributes are not a roadmap to cluster by)."""
    if not any(s.declared for s in model.stages.values()):
        return []
    return list(model.stages)


def _by_stage(model: Model, members: list[str], stages: list[str]) -> list[tuple[str, list[str]]]:
    where = model.effective_stages
    buckets: dict[str, list[str]] = {s: [] for s in stages}
    for name in members:
        buckets[where.get(name, stages[0])].append(name)
    return [(model.stages[s].display, names) for s, names in buckets.items() if names]


class _Graph:
    """The model's relations as an undirected graph over deliverable
    numbers (declaration order), for community detection and centrality."""

    def __init__(self, model: Model):
        self.model = model
        self.names = list(model.deliverables)
        self.index = {n: i for i, n in enumerate(self.names)}
        self.adjacent: list[dict[int, int]] = [{} for _ in self.names]   # neighbour -> relations
        for r in model.relations:
            a, b = self.index.get(r.source), self.index.get(r.target)
            if a is None or b is None or a == b:
                continue
            self.adjacent[a][b] = self.adjacent[a].get(b, 0) + 1
            self.adjacent[b][a] = self.adjacent[b].get(a, 0) + 1

    def communities(self, members: list[str], max_size: int, seed: int) -> list[list[str]]:
        """`members` split into communities of at most `max_size`, small ones
        joined to their neighbours; each in declaration order, the list in
        the order of their median deliverables."""
        nodes = sorted(self.index[n] for n in members)
        parts = self._split(nodes, max_size, seed)
        parts = self._join_small(parts, max_size)
        # in process order (the median declaration position: a community
        # gathers deliverables from all along the process), so the overview's
        # layout breaks the cycles between communities against the flow
        parts.sort(key=lambda p: (p[len(p) // 2], p[0]))
        return [[self.names[i] for i in part] for part in parts]

    def _split(self, nodes: list[int], max_size: int, seed: int) -> list[list[int]]:
        if len(nodes) <= max_size:
            return [nodes]
        parts = self._detect(nodes, seed)
        if len(parts) == 1:  # no community structure left: stretches of the declaration order
            k = -(-len(nodes) // max_size)
            return [nodes[i * len(nodes) // k:(i + 1) * len(nodes) // k] for i in range(k)]
        out = []
        for part in parts:
            out += self._split(part, max_size, seed)
        return out

    def _detect(self, nodes: list[int], seed: int) -> list[list[int]]:
        """One level of community detection on the graph induced by `nodes`
        (sorted); the communities sorted, in the order of their first node."""
        local = {v: i for i, v in enumerate(nodes)}
        edges, weights = [], []
        for v in nodes:
            for w, k in self.adjacent[v].items():
                if w > v and w in local:
                    edges.append((local[v], local[w]))
                    weights.append(k)
        ig = _igraph()
        if ig is not None:
            import random

            graph = ig.Graph(n=len(nodes), edges=edges)
            # igraph draws from one process-wide generator: seed it for this
            # call (the same clusters every run), then give it back
            ig.set_random_number_generator(random.Random(seed))
            try:
                membership = graph.community_leiden(objective_function="modularity", weights=weights,
                                                    n_iterations=2).membership
            finally:
                ig.set_random_number_generator(random)
            groups: dict[int, list[int]] = {}
            for i, c in enumerate(membership):
                groups.setdefault(c, []).append(nodes[i])
            return sorted(groups.values(), key=lambda p: p[0])
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(range(len(nodes)))
        graph.add_weighted_edges_from((a, b, k) for (a, b), k in zip(edges, weights))
        found = nx.community.louvain_communities(graph, seed=seed)
        return sorted((sorted(nodes[i] for i in c) for c in found), key=lambda p: p[0])

    def _join_small(self, parts: list[list[int]], max_size: int) -> list[list[int]]:
        """Communities of fewer than max_size // 4 joined to the neighbouring
        community they share most relations with, smallest first, while it
        has room; the rest packed together in declaration order."""
        small = max(1, max_size // 4)
        owner = {}
        for k, part in enumerate(parts):
            for v in part:
                owner[v] = k
        members = {k: list(part) for k, part in enumerate(parts)}
        order = sorted(members, key=lambda k: (len(members[k]), members[k][0]))
        leftovers = []
        for k in order:
            if k not in members or len(members[k]) >= small:
                continue
            links: dict[int, int] = {}
            for v in members[k]:
                for w, n in self.adjacent[v].items():
                    j = owner.get(w)
                    if j is not None and j != k:
                        links[j] = links.get(j, 0) + n
            size = len(members[k])
            fits = [j for j in links if len(members[j]) + size <= max_size]
            if not fits:
                leftovers.append(k)
                continue
            into = max(fits, key=lambda j: (links[j], -members[j][0]))
            for v in members[k]:
                owner[v] = into
            members[into] = sorted(members[into] + members.pop(k))
        packed: list[list[int]] = []
        for v in sorted(v for k in leftovers if k in members for v in members.pop(k)):
            if not packed or len(packed[-1]) >= max_size:
                packed.append([])
            packed[-1].append(v)
        return list(members.values()) + packed

    def central_names(self, community: list[str], shown: int = 2) -> str:
        """The labels of the community's `shown` most central deliverables
        (most relations inside it; the earlier declared first), then '…'
        when it holds more."""
        inside = {self.index[n] for n in community}

        def degree(v: int) -> int:
            return sum(k for w, k in self.adjacent[v].items() if w in inside)

        ranked = sorted(inside, key=lambda v: (-degree(v), v))[:shown]
        labels = [" ".join(self.model.deliverables[self.names[v]].display.split())[:24] for v in ranked]
        return ", ".join(labels) + (" …" if len(community) > shown else "")


def _igraph():
    """python-igraph, when it can be imported (its Leiden is 30-400x faster
    than networkx's Louvain at 100,000 deliverables: docs/performance.md)."""
    try:
        import igraph
    except ImportError:
        return None
    return igraph


def in_two_levels(model: Model, found: Clusters, max_boxes: int | None = None) -> tuple[Clusters, dict[str, Clusters]]:
    """`found` as about sqrt(n) runs of about sqrt(n) consecutive clusters
    (they are in the order of their groups, stages and process), each run
    named after its most central deliverables: (the runs, {run's name: its
    clusters}). `found` itself (and no runs) when it has at most
    `max_boxes` clusters."""
    n = len(found.clusters)
    if n <= (MAX_BOXES if max_boxes is None else max_boxes):
        return found, {}
    per_run = max(2, math.isqrt(n - 1) + 1)
    runs = [found.clusters[i:i + per_run] for i in range(0, n, per_run)]
    members = [[m for c in run for m in c.members] for run in runs]
    names = _central_names(model, members)
    coarse, inner, used = [], {}, set()
    for run, label, held in zip(runs, names, members):
        name, k = label, 2
        while name in used:
            name, k = f"{label} ({k})", k + 1
        used.add(name)
        coarse.append(Cluster(name, label, tuple(held), "clusters"))
        inner[name] = Clusters(run, found.method, found.automatic)
    method = f"{found.method}; {n} clusters in {len(runs)} runs of up to {per_run}, each box opening its run's overview"
    return Clusters(tuple(coarse), method, True), inner


def _central_names(model: Model, parts: list[list[str]], shown: int = 2) -> list[str]:
    """`_Graph.central_names` of every part (disjoint) in one pass over the
    relations (a graph of the whole model is not needed)."""
    where = {name: k for k, part in enumerate(parts) for name in part}
    degree: dict[str, int] = {}
    for r in model.relations:
        if r.source != r.target and where.get(r.source) is not None and where.get(r.source) == where.get(r.target):
            degree[r.source] = degree.get(r.source, 0) + 1
            degree[r.target] = degree.get(r.target, 0) + 1
    position = {name: i for i, name in enumerate(model.deliverables)}
    out = []
    for part in parts:
        ranked = sorted(part, key=lambda m: (-degree.get(m, 0), position[m]))[:shown]
        labels = [" ".join(model.deliverables[m].display.split())[:24] for m in ranked]
        out.append(", ".join(labels) + (" …" if len(part) > shown else ""))
    return out
