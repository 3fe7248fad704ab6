"""Where a model is cut into pieces for pages: the layers of its whole
drawing, in flow order, and the chunks the fill cuts runs from.

    flow_order(model, direction, ...) -> (layers, layout)   the whole drawing's layers
    layers_of(layout, direction)      -> (layers, layout)   the same, of a drawing made
    chunks_of(model, layers, by)      -> one chunk per stage ("stages"), else all layers
    tiles(layout, layers, pager)      -> blocks of the whole drawing, a little smaller than the page
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..language.model import Model
from .geometry import Layout

if TYPE_CHECKING:
    from .fit import _Pager

TILE = 0.8            # a grid cell of the whole drawing, as a share of the page (cut by "tiles")


def flow_order(model: Model, direction: str, size: float, font: str, view: str,
               min_text: float | None = None) -> tuple[list[list[str]], Layout]:
    """The deliverables by layer (rank), in flow order, as prep's engine
    places them: the layers of the whole drawing (and the drawing)."""
    from . import layout as lay_out

    placed = lay_out(replace(model, title=None), direction=direction, font=font, font_size=size, view=view,
                     min_text=min_text)
    return layers_of(placed, direction)


def layers_of(placed: Layout, direction: str) -> tuple[list[list[str]], Layout]:
    """The deliverables of a layered drawing by layer, each in its order."""
    along = (lambda b: b.x) if direction == "LR" else (lambda b: b.y)
    across = (lambda b: b.y) if direction == "LR" else (lambda b: b.x)
    layers: dict[float, list[str]] = {}
    for name, b in placed.nodes.items():
        layers.setdefault(round(along(b), 1), []).append(name)
    return [sorted(layers[k], key=lambda n: across(placed.nodes[n])) for k in sorted(layers)], placed


def tiles(placed: Layout, layers: list[list[str]], pager: "_Pager") -> list[list[list[str]]]:
    """The whole drawing cut in a grid of cells a little smaller than the
    page (room for markers), each cell's boxes a chunk, cells in reading
    order along the flow: pieces that are blocks of the picture, not strips
    of its layers (a wide layer cut into strips gave pages a quarter full)."""
    cell_w = pager.page.inner_width * TILE
    cell_h = (pager.page.inner_height - pager._top()) * TILE
    order = {n: i for i, n in enumerate(n for layer in layers for n in layer)}
    cells: dict[tuple[int, int], list[str]] = {}
    for name, b in placed.nodes.items():
        if name not in order:   # not cut on its own (a drill-down's tag)
            continue
        col, row = int(b.x // cell_w), int(b.y // cell_h)
        cells.setdefault((col, row) if pager.direction == "LR" else (row, col), []).append(name)
    return [[sorted(cells[k], key=order.__getitem__)] for k in sorted(cells)]


def chunks_of(model: Model, layers: list[list[str]], by: str) -> tuple[list[list[list[str]]], str, dict[str, str]]:
    """The model's natural pieces, each as its layers: one per stage (`by`
    "stages"), else one piece of all layers."""
    if by == "stages" and model.stages:
        # a source placed in no stage (knowhow, say) is in the stage where it is
        # first used (Model.effective_stages): no box on a page that does not use it
        where = model.effective_stages
        out = []
        for s in model.stages:
            piece = [[n for n in layer if where.get(n) == s] for layer in layers]
            piece = [layer for layer in piece if layer]
            if piece:
                out.append(piece)
        return out, "stages", where
    return [layers], "layers", {}


__all__ = ["TILE", "chunks_of", "flow_order", "layers_of", "tiles"]
