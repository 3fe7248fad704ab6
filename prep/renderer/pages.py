"""Pictures made for a page: `--page 16:9`, `--page A4`, ...

    render_pages(model, fmt, page, ...) -> Pages

The layout stage fits the model to the page (`prep.layouter.fit`: the font
size and direction that fit, else wrapped rows and more pages, with
off-page markers); this module draws each sheet at the font size it was
laid out for and gathers them the way the format holds pages: PDF one
document of pages, PowerPoint one deck of slides, draw.io one file of
pages, SVG, PNG, DOT and layout
JSON one file per page (`x-1.svg`, `x-2.svg`, ...; just `x.svg` when the
model fits one page).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..language.model import Model
from ..layouter.fit import Sheet, fit_pages
from ..layouter.page import Page

PAGED_FORMATS = ("pdf", "pptx", "drawio")  # one file holds every page
PER_PAGE_FORMATS = ("svg", "png", "dot", "layout")


@dataclass(frozen=True)
class Pages:
    sheets: tuple[Sheet, ...]
    files: tuple[bytes, ...]     # one per page, or one for PDF and PowerPoint

    @property
    def count(self) -> int:
        return len(self.sheets)

    def summary(self) -> str:
        """What the fitting did, in one line for the terminal."""
        first = self.sheets[0]
        page = first.layout.page
        how = {"stages": "cut at its stages", "layers": "cut along its flow", "none": ""}[first.split]
        pages = f"{self.count} {'slide' if page.kind == 'slide' else 'page'}{'s' if self.count != 1 else ''}"
        markers = sum(len(s.markers) for s in self.sheets)
        out = f"{pages} of {page.name}, text {first.font_size - 2:g}-{first.font_size + 2:g} pt, {first.direction}"
        if how:
            out += f", {how}, {markers} off-page marker{'s' if markers != 1 else ''}"
        return out


def page_file_name(path: str, number: int, count: int) -> str:
    """`x.svg` for a single page, else `x-1.svg`, `x-2.svg`, ..."""
    if count == 1:
        return path
    stem, dot, ext = path.rpartition(".")
    if path.endswith(".layout.json"):
        return f"{path[:-len('.layout.json')]}-{number}.layout.json"
    return f"{stem}-{number}.{ext}" if dot else f"{path}-{number}"


def render_pages(model: Model, fmt: str, page: Page, *, direction: str | None = None, legend: bool = False,
                 findings=None, theme=None, dpi: float | None = None, view: str = "diagram",
                 embed_fonts: bool = True, engine: str = "prep") -> Pages:
    """`model` fitted to `page` and drawn as `fmt` (see the module's docstring)."""
    from . import render
    from .dot import resolve_theme

    fmt = fmt.lower()
    if fmt not in PAGED_FORMATS + PER_PAGE_FORMATS:
        raise ValueError(f"--page does not apply to {fmt}: pages are for svg, png, pdf, pptx, drawio, dot and layout")
    theme = resolve_theme(theme)
    sheets = fit_pages(model, page, direction=direction, font=theme.font, font_size=theme.font_size,
                       legend=legend, health=findings is not None, view=view, engine=engine)

    def drawn(s: Sheet, as_fmt: str) -> bytes:
        look = replace(theme, font_size=s.font_size)
        mine = None if findings is None else [f for f in findings if f.subject is None or f.subject in s.model.deliverables]
        return render(s.model, as_fmt, direction=s.direction, legend=legend, findings=mine, theme=look,
                      dpi=dpi, layout=s.layout, embed_fonts=embed_fonts, view=view)

    if fmt == "pdf":
        from .pdfpages import merge

        pdfs = [drawn(s, "pdf") for s in sheets]
        return Pages(tuple(sheets), (merge(pdfs) if len(pdfs) > 1 else pdfs[0],))
    if fmt == "pptx":
        from .dot import to_dot
        from .pptx import to_pptx_deck

        slides = []
        for s in sheets:
            look = replace(theme, font_size=s.font_size)
            mine = None if findings is None else [f for f in findings if f.subject in s.model.deliverables]
            slides.append((s.model, to_dot(s.model, direction=s.direction, legend=legend, findings=mine,
                                           theme=look, layout=s.layout)))
        return Pages(tuple(sheets), (to_pptx_deck(slides, theme=theme, embed_font=embed_fonts),))
    if fmt == "drawio":
        from .drawio import DrawioPage, page_name, to_drawio

        name = page_name(model)
        pages = [DrawioPage(f"{name} ({s.number}/{len(sheets)})" if len(sheets) > 1 else name, s.model, s.layout,
                            None if findings is None else
                            [f for f in findings if f.subject in s.model.deliverables]) for s in sheets]
        return Pages(tuple(sheets), (to_drawio(pages, theme=replace(theme, font_size=sheets[0].font_size)),))
    return Pages(tuple(sheets), tuple(drawn(s, fmt) for s in sheets))


__all__ = ["Pages", "render_pages", "page_file_name", "PAGED_FORMATS", "PER_PAGE_FORMATS"]
