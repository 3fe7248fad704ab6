"""The caption of a piece cut at a stage: which stage a row of a page is.

    captioned(layout, (stage, text), pager) -> Layout

A model cut at its stages puts each stage (or a run of one) on its page as
a piece of its own; without its title a consultant could not tell which
stage a row was. Each such piece is framed as the roadmap view frames a
stage (`Layout.columns`: a shaded panel, every other one), its stage's
label written at its top left ("Stage 2: 定着 Adopt", "… (cont.)" for a
stage begun on an earlier piece, "Stage 3 · Stage 4" for a piece holding
two). The frame and its label are part of the piece's size, so pages are
filled with them.
"""

from __future__ import annotations

from dataclasses import replace

from .geometry import Box, Column, Layout
from .layered.spec import LABEL_PAD

RING_CLEAR = 2.5   # in a stage picture, a caption frame this much farther from the boxes (see captioned)


def captioned(placed: Layout, caption: tuple[str, str], pager) -> Layout:
    """`placed` (a piece laid out at the origin) inside a stage frame with
    its caption above it."""
    from .geometry import shift
    from .layered import ring_room

    stage, text = caption
    if not text:
        return placed
    lw, lh = caption_size(text, stage, pager)
    top = lh + 2 * LABEL_PAD
    moved = shift(placed, LABEL_PAD, top)
    width = max(placed.width, lw) + 2 * LABEL_PAD
    height = placed.height + top + LABEL_PAD
    # a stage picture's boxes have a second border outside them (ring_room: Graphviz draws it
    # 5.2 pt out, with its pen): the frame stands RING_CLEAR farther out, in the gap pieces
    # keep between them (PIECE_GAP), so the piece takes no more room (at LABEL_PAD the frame
    # ran through the double border of a piece's first box; 5 pt more per piece gave
    # cs-lifecycle's 16:9 flip-book 13 pages instead of 9)
    out = RING_CLEAR if ring_room() else 0.0
    frame = Box(width / 2, height / 2, width + 2 * out, height + 2 * out)
    label = Box(LABEL_PAD + lw / 2, LABEL_PAD + lh / 2, lw, lh)
    return replace(moved, width=width, height=height, columns=(Column(stage, text, frame, label, caption=True),))


def caption_size(text: str, stage: str, pager) -> tuple[float, float]:
    """The size of a caption, written as the roadmap writes a stage's label
    (1 pt above box text), measured once."""
    got = pager.caption_sizes.get(text)
    if got is None:
        from ..language.model import Model
        from . import measure

        st = replace(pager.model.stages[stage], label=text)
        sizes = measure(Model(path=pager.model.path, title=None, deliverables={}, relations=(), groups={},
                              stages={stage: st}), font=pager.font, font_size=pager.size)
        got = pager.caption_sizes[text] = sizes.stages[stage]
    return got


__all__ = ["captioned", "caption_size"]
