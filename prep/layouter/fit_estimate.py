"""How large a run of deliverables will be, laid out as a piece of a page,
read from the drawing of the whole model instead of laid out.

    RunSizer(layers, sizes, ...).estimate(names, markers_in, markers_out) -> Size

Filling a page (`prep.layouter.fit`) asks of many candidate runs whether
they still fit the room left: laying each one out cost three quarters of
fitting a model that needs pages (about 1,250 layouts of pieces for 300
deliverables). A piece keeps the whole drawing's order (`order_hint`), so
its size follows from the whole drawing's layers: along the flow the
widest box of each of its layers, with the page's rank gap between them
and a column of markers at each end that has them; across the flow the
fullest of its layers, and the frames of its groups. The estimate is then
scaled by how far off it was for the last run laid out for real
(`calibrate`), and the fill checks the run it picks with one or two real
layouts: an estimate only chooses where the search starts.
"""

from __future__ import annotations

from dataclasses import dataclass

from .layered.spec import GROUP_PAD, NODE_SEP, RANK_SEP


@dataclass(frozen=True)
class Size:
    """A piece's size before it is laid out (what `fit_pack.spots` reads of a layout)."""
    width: float
    height: float


class RunSizer:
    """Estimated sizes of runs of the whole drawing's deliverables (see the
    module's docstring). `layers`: the whole drawing's layers, in flow
    order; `boxes`: each deliverable's box (width, height); `marker`: the
    largest a marker can be; `group_label`: the tallest group title (LR)
    or widest (TB); `depth`: each deliverable's group nesting depth."""

    def __init__(self, layers: list[list[str]], boxes: dict[str, tuple[float, float]], direction: str,
                 marker: tuple[float, float], rank_gap: float, lateral_gap: float,
                 depth: dict[str, int], group_label: float):
        self.layer_of = {n: i for i, layer in enumerate(layers) for n in layer}
        self.lr = direction == "LR"
        # (along, across) of each box
        self.ext = {n: ((w, h) if self.lr else (h, w)) for n, (w, h) in boxes.items()}
        self.marker = marker if self.lr else (marker[1], marker[0])
        self.rank_sep = RANK_SEP * rank_gap
        self.node_sep = NODE_SEP * lateral_gap
        self.depth = depth
        self.frame = 2 * GROUP_PAD + group_label   # what a frame adds across the flow, a level
        self.scale = [1.0, 1.0]                   # actual / estimated, along and across (calibrate)

    def raw(self, names, markers_in: int = 0, markers_out: int = 0) -> tuple[float, float]:
        """(along, across) before calibration."""
        widest: dict[int, float] = {}
        fullest: dict[int, float] = {}
        count: dict[int, int] = {}
        deepest = 0
        for n in names:
            k = self.layer_of.get(n, -1)
            a, b = self.ext[n]
            widest[k] = max(widest.get(k, 0.0), a)
            fullest[k] = fullest.get(k, 0.0) + b
            count[k] = count.get(k, 0) + 1
            deepest = max(deepest, self.depth.get(n, 0))
        along = sum(widest.values()) + self.rank_sep * max(0, len(widest) - 1)
        across = max((fullest[k] + self.node_sep * (count[k] - 1) for k in fullest), default=0.0)
        ma, mb = self.marker
        for m in (markers_in, markers_out):
            if m:
                along += ma + self.rank_sep
                across = max(across, m * mb + self.node_sep * (m - 1))
        return along, across + deepest * self.frame

    def estimate(self, names, markers_in: int = 0, markers_out: int = 0) -> Size:
        along, across = self.raw(names, markers_in, markers_out)
        along, across = along * self.scale[0], across * self.scale[1]
        return Size(along, across) if self.lr else Size(across, along)

    def calibrate(self, names, markers_in: int, markers_out: int, width: float, height: float) -> None:
        """Learn from a run laid out for real: later estimates are scaled by
        how far off this one was."""
        along, across = self.raw(names, markers_in, markers_out)
        real_a, real_b = (width, height) if self.lr else (height, width)
        if along > 0 and across > 0:
            self.scale = [real_a / along, real_b / across]


__all__ = ["RunSizer", "Size"]
