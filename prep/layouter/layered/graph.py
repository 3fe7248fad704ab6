"""The engine's working state, shared by the phases (ELK's LGraph): the
deliverables as integers in declaration order, their extents along the
flow (`a`) and across it (`b`), and the groups as a tree of integers.
Each phase reads what the earlier ones set and adds its own:

    p1_cycles   edges                     (u, v, index, reversed), u ranked first
    p2_layers   rank, n_ranks (col_ranges for the roadmap), node_rank,
                cluster, chains, up, down, rank_nodes, span, children,
                rank_level_nodes
    p3_order    events, order, crossings, group_key
    p4_place    b, half_b, L, R (lateral places of boxes and frame sides);
                rank_width, column_a (along the flow)
    p5_route    the Layout
"""

from __future__ import annotations

from . import incremental
from .spec import BIG, LOOP_NOTE_SEP, NOTE_GAP, ROADMAP_BIG, GraphSpec


class LayeredGraph:
    def __init__(self, spec: GraphSpec):
        self.spec = spec
        self.lr = spec.direction.upper() in ("LR", "RL")
        names = spec.nodes
        self.n_real = len(names)
        self.index = {name: i for i, name in enumerate(names)}
        # extent along the flow (a) and across it (b)
        self.ext_a: list[float] = []
        self.ext_b: list[float] = []
        for name in names:
            w, h = spec.sizes[name]
            self.ext_a.append(w if self.lr else h)
            self.ext_b.append(h if self.lr else w)
        # groups: ids 0..G-1 in declaration order; -1 is the top level
        self.group_names = list(spec.groups)
        gid = {g: i for i, g in enumerate(self.group_names)}
        self.gparent = [gid.get(spec.groups[g][0], -1) if spec.groups[g][0] in gid else -1
                        for g in self.group_names]
        self.glabel = [spec.groups[g][1] for g in self.group_names]
        self.glabel_text = list(self.glabel)
        self.node_cluster = [gid.get(spec.node_group.get(name) or "", -1) for name in names]
        self.previous = incremental.previous_places(self)
        # with a previous layout, where a frame was (for a rank it only spans)
        gid_of = {g: i for i, g in enumerate(self.group_names)}
        self.frame_key = {gid_of[g]: (f[2] + f[3]) / 2 for g, f in (spec.previous_groups or {}).items()
                          if g in gid_of} if self.previous is not None else {}
        # a deliverable related to itself: its loop, and the notes of such
        # relations that write one, take room beside its box. Several notes
        # stand side by side (LR: in a row under the box; TB: in a column
        # right of it), each under (beside) its own loop (two statements'
        # notes on one loop were written on top of each other):
        # `loops[v]` is the size of that row (column), `loop_note_at[k]`
        # where relation k's note starts in it
        self.loops: dict[int, tuple[float, float] | None] = {}
        self.loop_note_at: dict[int, float] = {}
        self.loop_notes: dict[int, int] = {}   # how many notes a loop's row holds
        for k, (s, t, _kind, note) in enumerate(spec.edges):
            if s != t:
                continue
            v = self.index[s]
            had = self.loops.get(v)
            if note is None:
                self.loops.setdefault(v, None)
                continue
            self.loop_notes[v] = self.loop_notes.get(v, 0) + 1
            if had is None:
                self.loops[v], self.loop_note_at[k] = note, 0.0
            elif self.lr:   # far enough apart not to read as one text
                self.loop_note_at[k] = had[0] + LOOP_NOTE_SEP
                self.loops[v] = (had[0] + LOOP_NOTE_SEP + note[0], max(had[1], note[1]))
            else:
                self.loop_note_at[k] = had[1] + NOTE_GAP
                self.loops[v] = (max(had[0], note[0]), had[1] + NOTE_GAP + note[1])
        self.gdepth = []
        for g in range(len(self.group_names)):
            d, p = 0, self.gparent[g]
            while p != -1:
                d, p = d + 1, self.gparent[p]
            self.gdepth.append(d)

    def big(self) -> int:
        """Above this many boxes and virtual nodes: fewer sweeps and passes."""
        return BIG if self.spec.columns is None else ROADMAP_BIG
