"""prep's own layered layout: ranks, order, positions and routes, in Python.

Graphviz `dot` spends almost all of its time on long edges: every edge that
skips k ranks becomes a chain of k virtual nodes, and dot's crossing
reduction and network-simplex positioning grow much faster than linearly in
them (a 1,000-deliverable model whose inputs come from anywhere earlier
takes dot minutes). This engine does the same four phases with cheaper,
predictable steps, and is built to be *stable*: the same deliverable lands
in the same place after a small edit.

1. ranks: network simplex (as dot) from the longest path (cycles broken
   in declaration order): the edges as short as they can be in total,
   fewer virtual nodes and fewer crossings;
2. order: as dot's mincross (three starting orders, barycentre sweeps,
   each rank transposed, the best order transposed once more with
   equal-count swaps), then sifting, keeping every group's members
   together and sibling groups in one order on every rank, so a group is
   a rectangle no other box enters; the order with the fewest crossings
   is kept;
3. positions: each rank's order becomes constraints (left to right, with
   gaps, group frames as intervals shared by all their ranks), packed by a
   longest-path pass and then pulled towards their neighbours;
4. routes: each edge runs through its virtual nodes as a smooth cubic
   Bézier spline.

Works in a rank axis `a` (the flow direction) and a lateral axis `b`,
mapped to x/y at the end (LR: x=a, y=b; TB: x=b, y=a).

The phases are modules, as in ELK Layered, each working on one
`LayeredGraph` (graph.py):

    spec.py         GraphSpec (the input) and the spacing constants
    graph.py        LayeredGraph: the state the phases share
    p1_cycles.py    cycle breaking
    p2_layers.py    ranks (incl. the roadmap view's columns), long-edge chains
    simplex.py      network simplex ranking (used by p2_layers)
    p3_order.py     crossing reduction (starting orders, barycentre sweeps, transposition, sifting)
    p4_place.py     node placement (across and along the flow)
    p5_route.py     edge routing and the final geometry
    incremental.py  starting from a previous layout (stable between edits)
"""

from __future__ import annotations

from contextlib import contextmanager

from ..geometry import Layout
from . import p1_cycles, p2_layers, p3_order, p4_place, p5_route
from .graph import LayeredGraph
from .spec import *  # noqa: F401,F403 - the constants, as `layered.NODE_SEP` before the split
from .spec import TITLE_GAP, GraphSpec


def lay_out(spec: GraphSpec) -> Layout:
    lg = LayeredGraph(spec)
    key = _topology(spec) if _orders is not None else None
    known = _orders.get(key) if key is not None else None
    if known is not None:
        # ranks and order of the same graph, laid out before in this fitting
        lg.__dict__.update(known)
        p2_layers.note_places(lg)   # this spec's note sizes
    else:
        before = set(lg.__dict__)
        if spec.columns is not None:
            p2_layers.roadmap_layers(lg)
        else:
            p1_cycles.break_cycles(lg)
            p2_layers.longest_path_layers(lg)
        p2_layers.split_long_edges(lg)
        p2_layers.group_spans(lg)
        p3_order.reduce_crossings(lg)
        if key is not None:
            _orders[key] = {name: value for name, value in lg.__dict__.items()
                            if name not in before and name != "note_at"}
    p4_place.place(lg)
    return p5_route.geometry(lg)


# Phases 1-3 (cycles, ranks, order) read the graph alone: which boxes, which
# relations (and whether each writes a note), groups, stage columns and
# exit criteria; never a size, a gap or the direction. Fitting a model to a
# page lays the same graph out again and again at other text sizes, gaps and
# in both directions (and each piece of a page again with its final marker
# texts); within `orders_kept()` each graph's ranks and order are worked
# out once (crossing reduction was most of each such layout). Phases 4-5
# only read what 1-3 leave (tests/test_layout.py checks the layouts are the
# same with and without).
_orders: dict | None = None


@contextmanager
def orders_kept():
    """Within it, lay_out works out each graph's ranks and order once."""
    global _orders
    outer = _orders
    if outer is None:
        _orders = {}
    try:
        yield
    finally:
        _orders = outer


_ring = 0.0


@contextmanager
def ring_kept(points: float):
    """Within it, every layout keeps `points` free around each box across
    the flow, and twice that between ranks (GraphSpec.ring): the stage
    pictures, whose boxes made in a
    stage are drawn with a second border outside them. Scoped, as fitting
    lays out in many places (the pieces, the whole drawing it cuts, in
    forked workers), and each must keep the same room."""
    global _ring
    outer = _ring
    _ring = points
    try:
        yield
    finally:
        _ring = outer


def ring_room() -> float:
    return _ring


def _topology(spec: GraphSpec):
    """What phases 1-3 read of `spec`, as a key; None when they also read
    a previous layout (stable layouts, a piece in a larger drawing's order)."""
    if spec.previous is not None or spec.previous_flow is not None or spec.order_only:
        return None
    nodes = tuple(spec.nodes)
    return (nodes, tuple((s, t, kind, note is not None) for s, t, kind, note in spec.edges),
            tuple(spec.node_group.get(n) for n in nodes), tuple((g, p) for g, (p, _) in spec.groups.items()),
            None if spec.columns is None else tuple(c[0] for c in spec.columns),
            tuple(spec.node_column.get(n) for n in nodes) if spec.columns is not None else None,
            spec.exits, spec.last)


__all__ = ["GraphSpec", "LayeredGraph", "TITLE_GAP", "lay_out", "orders_kept", "ring_kept", "ring_room"]
