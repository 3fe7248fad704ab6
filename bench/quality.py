"""Picture quality of a layout: edge crossings, overlapping boxes, frames.

    crossings(layout)   pairs of edges whose drawn routes cross; pairs that
                        share an end are left out (they meet at a box by
                        design). A route is the curve as drawn: its cubic
                        Bézier pieces (both engines give control points)
                        flattened to 8 straight pieces each.

Uses shapely's STR-tree (a test/bench dependency, not one of prep's):
tens of thousands of segments are compared in C, not pair by pair.
"""

from __future__ import annotations


def crossings(layout) -> int:
    import numpy as np
    import shapely

    from prep.layouter.collisions import flatten

    segments, owner = [], []
    ends = []
    for k, e in enumerate(layout.edges):
        ends.append((e.source, e.target))
        pts = flatten(e.points)
        for a, b in zip(pts, pts[1:]):
            if a != b:
                segments.append((a, b))
                owner.append(k)
    if not segments:
        return 0
    owner = np.array(owner)
    lines = shapely.linestrings(np.array(segments, dtype=float))
    i, j = shapely.STRtree(lines).query(lines, predicate="intersects")
    ei, ej = owner[i], owner[j]
    keep = ei < ej
    ei, ej = ei[keep], ej[keep]
    names = {n: k for k, n in enumerate(sorted({x for pair in ends for x in pair}))}
    src = np.array([names[s] for s, _ in ends])
    dst = np.array([names[t] for _, t in ends])
    share = (src[ei] == src[ej]) | (src[ei] == dst[ej]) | (dst[ei] == src[ej]) | (dst[ei] == dst[ej])
    ei, ej = ei[~share], ej[~share]
    return int(len(np.unique(ei.astype(np.int64) * len(layout.edges) + ej)))


def overlapping_boxes(layout) -> list[tuple[str, str]]:
    """Pairs of deliverable boxes that overlap (sweep along x)."""
    boxes = sorted(layout.nodes.items(), key=lambda kv: kv[1].left)
    out, active = [], []
    for name, box in boxes:
        active = [(n, b) for n, b in active if b.right > box.left]
        out.extend((n, name) for n, b in active if b.overlaps(box))
        active.append((name, box))
    return out


def frames_not_containing(layout, model) -> list[tuple[str, str]]:
    """(group, deliverable) pairs where a member's box sticks out of its frame."""
    out = []
    for g in model.groups:
        frame = layout.groups.get(g)
        for name in model.group_members(g):
            if frame is None or not frame.contains(layout.nodes[name]):
                out.append((g, name))
    return out
