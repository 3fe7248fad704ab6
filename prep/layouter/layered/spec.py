"""What the layered engine lays out (`GraphSpec`) and the spacing it keeps,
in points."""

from __future__ import annotations

from dataclasses import dataclass, field

NODE_SEP = 18.0      # between boxes of one rank (lateral)
VIRTUAL_SEP = 7.0    # between edges passing through a rank
RANK_SEP = 46.0      # between ranks (flow axis)
GROUP_PAD = 9.0      # frame to its content
GROUP_SEP = 12.0     # between sibling frames
MARGIN = 0.0         # around the drawing (the picture adds its own pad)
# network simplex ranking (simplex.py): the nodes its exchanges may look
# at in all. Every benchmark model up to 2,000 deliverables reaches the
# optimum within it; 10,000 stop after at most 0.8 s with edges 33%
# (long-range) or 3% (local) longer in total than optimal (and 15% / 58%
# shorter than the longest path's)
RANK_WORK = 3_000_000
SWEEPS = 24          # barycentre sweeps (each down or up, each rank transposed), at most
START_SWEEPS = 4     # ... from each of the starting orders first, then from the best of them
MIN_QUIT = 8         # ... stopping after this many without a gain of CONVERGENCE
CONVERGENCE = 0.995
# sifting after the sweeps (p3_order.sift): rounds (down and up the ranks,
# then transposition) while they gain, and the items passed in all. One
# round takes 2-7% off; a second 0-2% for as much time again. The work
# grows with the square of a rank's length: 1,000 long-range deliverables
# need about 1.2 M for a round, and at 2,000 only the first ranks are sifted
SIFT_ROUNDS = 1
SIFT_WORK = 1_000_000
RANK_PASSES = 4      # transposition passes over a rank just reordered in a sweep
BIG = 20_000         # above this many boxes and virtual nodes, fewer sweeps and passes
BIG_SWEEPS = 4
# The roadmap view's stage columns make long edges pass more ranks (a
# 1,000-deliverable model whose inputs come from anywhere: 39 ranks in 8
# stages instead of 15, five times the virtual nodes); there the further
# sweeps cost four times the time and changed the crossings by 0.3%
ROADMAP_BIG = 8_000
TITLE_GAP = 8.0      # between the title and the drawing
COLUMN_PAD = 20.0    # roadmap: a stage column's frame to the boxes in it
COLUMN_GAP = 6.0     # roadmap: between two stage columns
LABEL_PAD = 6.0      # roadmap: a column's frame to its label
LOOP_REACH = 24.0    # a deliverable related to itself: how far its loop reaches out of the box
NOTE_GAP = 3.0       # a relation's note to its route (across the flow)
LOOP_NOTE_SEP = 24.0  # between the notes of a loop's row (LR), two loops side by side
NOTE_PAD = 6.0       # a note to the ends of the rank it is written in (along the flow)
ANCHOR_PASSES = 8    # with a previous layout: passes towards the old places



@dataclass
class GraphSpec:
    """What the engine lays out, independent of the model: names in
    declaration order, box sizes in points (width, height as drawn), groups
    in declaration order with their parent and label size."""
    nodes: list[str]
    sizes: dict[str, tuple[float, float]]
    edges: list[tuple[str, str, str, tuple[float, float] | None]]  # source, target, kind, note size
    node_group: dict[str, str | None] = field(default_factory=dict)
    groups: dict[str, tuple[str | None, tuple[float, float]]] = field(default_factory=dict)
    direction: str = "LR"
    title_size: tuple[float, float] | None = None
    # where each deliverable was across the flow in a previous layout of
    # (an earlier version of) this model: the order starts from it, no
    # sweep reorders it, and boxes move only where the edit pushes them
    previous: dict[str, float] | None = None
    # and the previous routes, as (a, b) points per (source, target, kind):
    # where an edge crossed each rank it skips
    previous_routes: dict[tuple[str, str, str], list[list[tuple[float, float]]]] | None = None
    previous_flow: dict[str, float] | None = None  # each box's place along the flow
    previous_groups: dict[str, tuple[float, float, float, float]] | None = None  # frames: a0, a1, b0, b1
    previous_note_flow: tuple[float, ...] = ()  # where each note was along the flow: the middle of its rank
    # the roadmap view: stages as columns in order, (stage name, label text,
    # label size); each deliverable's column; the exit criteria, which go
    # on their column's last rank
    columns: list[tuple[str, str, tuple[float, float]]] | None = None
    node_column: dict[str, int] = field(default_factory=dict)
    exits: frozenset[str] = frozenset()
    # ... and what goes after them, at the very end of its column: a piece's
    # markers of relations out to another page (an exit criterion's marker
    # stood before it, its arrow turning back)
    last: frozenset[str] = frozenset()
    # room beside a box across the flow (before, after) that something
    # drawn with it takes: an exit criterion's "EXIT n" tag
    room: dict[str, tuple[float, float]] = field(default_factory=dict)
    # TB: how far down from a tagged box's top its tag reaches beside it (a
    # loop beside the box stays below)
    tag_height: float = 0.0
    # the gap between ranks, as a share of RANK_SEP: a page's layouts are
    # tighter (the page's width is what they are fitted to; routes still turn
    # between ranks)
    rank_gap: float = 1.0
    # the separations across the flow (boxes, edges, sibling frames), as a
    # share of NODE_SEP, VIRTUAL_SEP and GROUP_SEP
    lateral_gap: float = 1.0
    # `previous` gives only the order across the flow (no sweeps; positions
    # packed and pulled afresh, not anchored to it): a part of a drawing laid
    # out in the order the whole drawing found, at a fraction of the cost
    order_only: bool = False
    # room kept around every box for a mark drawn outside it (the stage
    # pictures' double border of a box made in that stage, which Graphviz
    # draws 4 pt outside the box: on a page's closer spacing two such borders
    # ran into one): this much more on each side across the flow, and twice
    # it between ranks, where routes turn past the boxes' corners
    ring: float = 0.0
