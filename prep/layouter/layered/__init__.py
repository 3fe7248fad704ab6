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

from ..geometry import Layout
from . import p1_cycles, p2_layers, p3_order, p4_place, p5_route
from .graph import LayeredGraph
from .spec import *  # noqa: F401,F403 - the constants, as `layered.NODE_SEP` before the split
from .spec import TITLE_GAP, GraphSpec


def lay_out(spec: GraphSpec) -> Layout:
    lg = LayeredGraph(spec)
    if spec.columns is not None:
        p2_layers.roadmap_layers(lg)
    else:
        p1_cycles.break_cycles(lg)
        p2_layers.longest_path_layers(lg)
    p2_layers.split_long_edges(lg)
    p2_layers.group_spans(lg)
    p3_order.reduce_crossings(lg)
    p4_place.place(lg)
    return p5_route.geometry(lg)


__all__ = ["GraphSpec", "LayeredGraph", "TITLE_GAP", "lay_out"]
