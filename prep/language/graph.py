"""Model to graph: a `networkx.MultiDiGraph` of deliverables and relations.

Nodes are deliverable names with their kind, label, owners, flags, group,
stage (where it is placed), `effective_stage` (the stage it exists from),
span and file (the file that declares it, as the JSON export names it);
edges are relations with their kind (`input`, `sync`, `mutual`), span and
file. A mutual synchronization `a <~> b` is one edge a -> b of kind
`mutual` (its direction is only the order it was written in). The
attributes are listed in docs/embedding.md ("The graph").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:  # pragma: no cover
    from .model import Model


def build_graph(model: Model) -> nx.MultiDiGraph:
    # graph["stages"]: the stages in order, as `Stage` records
    g = nx.MultiDiGraph(title=model.title, path=model.path, stages=list(model.stages.values()))
    effective = model.effective_stages
    for d in model.deliverables.values():
        g.add_node(d.name, kind=d.kind, label=d.display, owners=d.owners, external=d.external,
                   final=d.final, note=d.note, stage=d.stage, group=d.group, span=d.span,
                   declared=d.declared, effective_stage=effective.get(d.name),
                   file=d.span.path if d.span is not None else model.path)
    for i, r in enumerate(model.relations):
        g.add_edge(r.source, r.target, key=i, kind=r.kind, span=r.span, note=r.note,
                   stage=r.stage, owners=r.owners, file=r.span.path if r.span is not None else model.path)
    return g


def input_graph(model: Model) -> nx.DiGraph:
    """The simple directed graph of `->` relations only (for cycles, flow)."""
    g = nx.DiGraph()
    g.add_nodes_from(model.deliverables)
    g.add_edges_from((r.source, r.target) for r in model.relations if r.kind == "input")
    return g
