"""Rendering: model -> DOT (pure, `dot.py`) -> Graphviz (`graphviz.py`) ->
SVG/PNG/PDF, plus post-processing of the SVG (`svg.py`)."""

from __future__ import annotations

from ..language.model import Model

FORMATS = ("svg", "png", "pdf", "dot", "json")


def render(model: Model, format: str = "svg", *, direction: str = "LR", legend: bool = False,
           findings=None, theme=None, dpi: float | None = None) -> bytes:
    fmt = format.lower()
    if fmt == "json":
        from ..language.export import model_to_json

        return model_to_json(model)
    if fmt not in FORMATS + EMBED_FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of: {', '.join(FORMATS + EMBED_FORMATS)}")
    from .dot import THEMES, to_dot

    if isinstance(theme, str):
        theme = THEMES[theme]
    if fmt in EMBED_FORMATS:  # Mermaid text, PowerPoint shapes (issue 6)
        return _render_embed(model, fmt, direction=direction, legend=legend, findings=findings, theme=theme)
    dot = to_dot(model, direction=direction, legend=legend, findings=findings, theme=theme)
    if fmt == "dot":
        return dot.encode("utf-8")
    from ..layouter.graphviz import layout

    data = layout(dot, fmt, path=model.path, dpi=dpi)
    if fmt == "svg":
        from .svg import postprocess_svg

        data = postprocess_svg(data, model, findings, font=(theme or THEMES["default"]).font)
    return data


EMBED_FORMATS = ("mmd", "pptx")


def _render_embed(model: Model, fmt: str, **options) -> bytes:
    if fmt == "mmd":
        from .mermaid import to_mermaid

        return to_mermaid(model, **options).encode("utf-8")
    from .pptx import to_pptx

    return to_pptx(model, **options)
