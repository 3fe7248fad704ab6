"""The render stage: geometry in, pictures out.

    dot.py      model + Layout -> DOT with everything placed (pure)
    svg.py      SVG post-processing (tooltips, font stack)
    webfont.py  the subset of the font an SVG draws with, embedded in it
    pptx.py     PowerPoint shapes at the layout's places
    pptx_font.py     the deck's font: a TrueType subset as Embedded OpenType
    pptx_package.py  the embedded font's part and the theme's fonts in the .pptx
    mermaid.py  Mermaid text (Mermaid lays it out itself)
    drawio.py   a draw.io file: the layout's boxes, containers and routes as cells
    theme.py    [render] settings from prep.toml / pyproject.toml
    output.py   atomic writes (files and folders)
    stages.py   a stage's cross-section and the flip-book, on one layout
    flipbook_html.py  the flip-book as one self-contained HTML page

Every picture is drawn from one `prep.layouter.layout(...)` result: Graphviz
(`nop2`) only draws the positions it is given.
"""

from __future__ import annotations

from ..language.model import Model

FORMATS = ("svg", "png", "pdf", "dot", "json", "layout")
EMBED_FORMATS = ("mmd", "pptx", "drawio")


def render(model: Model, format: str = "svg", *, direction: str = "LR", legend: bool = False,
           findings=None, theme=None, dpi: float | None = None, engine: str = "prep",
           layout=None, previous=None, sizes=None, links: dict[str, str] | None = None, marks=None,
           embed_fonts: bool = True, view: str = "diagram", health: dict | None = None) -> bytes:
    """Draw `model` as `format`. `layout`: geometry already computed (else
    the layout stage is asked, with `previous`, `sizes` and `view` passed
    on); `links`: deliverable name -> relative file each box links to (SVG);
    `embed_fonts`: an SVG carries the subset of the font it draws with
    (WOFF2 in an @font-face), a PowerPoint file as an embedded font, so it
    looks the same where the font is not installed; `view`: "diagram" or "roadmap" (stages as columns);
    `health`: measured deliverable -> colour from data (`prep render --status`)."""
    fmt = format.lower()
    if fmt == "json":
        from ..language.export import model_to_json

        return model_to_json(model)
    if fmt not in FORMATS + EMBED_FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of: {', '.join(FORMATS + EMBED_FORMATS)}")
    from .dot import resolve_theme, to_dot

    theme = resolve_theme(theme)
    if view == "roadmap" and fmt == "mmd":
        raise ValueError("the roadmap view is drawn by prep's layout: svg, png, pdf, pptx, drawio, dot or layout, not mmd")
    if fmt == "mmd":  # Mermaid lays the model out itself
        from .mermaid import to_mermaid

        return to_mermaid(model, direction=direction, legend=legend, findings=findings, theme=theme,
                          health=health, marks=marks).encode("utf-8")
    if layout is None:
        from ..layouter import layout as lay_out

        layout = lay_out(model, direction=direction, font=theme.font, font_size=theme.font_size,
                         engine=engine, legend=legend, previous=previous,
                         health="status" if health is not None else findings is not None,
                         sizes=sizes, view=view)
    if fmt == "layout":
        return layout.to_json()
    if fmt == "drawio":  # cells at the layout's places: no DOT, no Graphviz
        from .drawio import render_drawio

        if marks is not None:
            marks.theme = theme
        return render_drawio(model, layout, theme=theme, findings=findings, marks=marks, health=health)
    dot = to_dot(model, direction=direction, legend=legend, findings=findings, theme=theme, layout=layout,
                 links=links, marks=marks, health=health)
    if fmt == "dot":
        return dot.encode("utf-8")
    if fmt == "pptx":
        from .pptx import to_pptx

        return to_pptx(model, dot, theme=theme, embed_font=embed_fonts)
    from ..layouter.graphviz import draw

    data = draw(dot, fmt, path=model.path, dpi=dpi)
    if fmt == "pdf":  # the font without the subroutines cairo kept for nothing; the model's title
        from .pdffonts import slim_fonts
        from .pdfpages import titled

        return titled(slim_fonts(data), model.title)
    if fmt == "svg":
        from .svg import postprocess_svg

        data = postprocess_svg(data, model, findings, font=theme.font)
        if embed_fonts:
            from .webfont import FontNotEmbedded, FontUnavailable, embed_font

            try:
                data = embed_font(data)
            except FontUnavailable as e:  # the picture still names the font
                import warnings

                warnings.warn(f"the SVG is written without its font: {e}", FontNotEmbedded, stacklevel=2)
    return data
