"""One stage's cross-section drawn on the whole model's geometry: the
flip-book's frame. Lay the whole model out once, then draw each
cross-section with the same positions, so a deliverable sits in the same
place in every frame.

    whole = layout(model)                       # once
    svg = render_frame(model, "kickoff", whole, "svg")

Kept small and in one place: `prep report` draws its roadmap section's
frames with it (and `prep render --stage/--flipbook` can share it).
"""

from __future__ import annotations

from dataclasses import replace

from ..language.model import Model
from ..language.views import cross_section
from ..layouter import Layout


def frame_layout(whole: Layout, model: Model, view: Model) -> Layout:
    """`whole` (the layout of `model`) cut down to what `view` (a subset of
    `model`, e.g. a cross-section) holds: its boxes, the routes of its
    relations (in its order, as the writers pair them), its groups' frames;
    no legend. Every kept item stays exactly where it was."""
    keep = view.deliverables
    edges = tuple(e for r, e in zip(model.relations, whole.edges) if r.source in keep and r.target in keep)
    return replace(whole, nodes={n: b for n, b in whole.nodes.items() if n in keep}, edges=edges,
                   groups={g: b for g, b in whole.groups.items() if g in view.groups},
                   group_labels={g: b for g, b in whole.group_labels.items() if g in view.groups},
                   legend=None, legend_items=()).keep_texts()


def render_frame(model: Model, stage: str, whole: Layout, fmt: str = "svg", *, findings=None, theme=None,
                 dpi: float | None = None, embed_fonts: bool = True) -> bytes:
    """The cross-section at the end of `stage`, drawn as `fmt` on `whole`
    (a layout of the whole `model`); `findings` (of the whole model) colour
    the boxes that exist by then."""
    from . import render

    view = cross_section(model, stage)
    if findings is not None:
        findings = [f for f in findings if f.subject in view.deliverables]
    return render(view, fmt, direction=whole.direction, findings=findings, theme=theme, dpi=dpi,
                  layout=frame_layout(whole, model, view), embed_fonts=embed_fonts)
