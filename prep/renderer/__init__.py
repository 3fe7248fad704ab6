"""Rendering: model -> DOT (pure, `dot.py`) -> Graphviz (`graphviz.py`) ->
SVG/PNG/PDF, plus post-processing of the SVG (`svg.py`)."""

from __future__ import annotations

from ..model import Model

FORMATS = ("svg", "png", "pdf", "dot", "json")


def render(model: Model, format: str = "svg", *, direction: str = "LR", legend: bool = False,
           findings=None, theme=None, dpi: float | None = None) -> bytes:
    fmt = format.lower()
    if fmt == "json":
        from ..export import model_to_json

        return model_to_json(model)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of: {', '.join(FORMATS)}")
    from .dot import THEMES, to_dot

    if isinstance(theme, str):
        theme = THEMES[theme]
    dot = to_dot(model, direction=direction, legend=legend, findings=findings, theme=theme)
    if fmt == "dot":
        return dot.encode("utf-8")
    from .graphviz import layout

    data = layout(dot, fmt, path=model.path, dpi=dpi)
    if fmt == "svg":
        from .svg import postprocess_svg

        data = postprocess_svg(data, model, findings)
    return data
