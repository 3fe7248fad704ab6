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

from dataclasses import dataclass, field, replace

from .._words import pages as said_pages
from ..language.model import Model
from ..layouter.fit import Sheet, fit_pages
from ..layouter.page import Page

PAGED_FORMATS = ("pdf", "pptx", "drawio")  # one file holds every page (html: prep.embed.viewer.render_html_pages)
PER_PAGE_FORMATS = ("svg", "png", "dot", "layout")


@dataclass(frozen=True)
class Pages:
    # not in the repr: every page's model and layout, and the files' bytes (704 KB
    # of them ended a notebook cell showing `prep.render_pages(...)`)
    sheets: tuple[Sheet, ...] = field(repr=False)
    files: tuple[bytes, ...] = field(repr=False)     # one per page, or one for PDF and PowerPoint

    @property
    def count(self) -> int:
        return len(self.sheets)

    def __repr__(self) -> str:
        return short_repr("Pages", self.summary(), self.files)

    def summary(self) -> str:
        """What the fitting did, in one line for the terminal."""
        first = self.sheets[0]
        page = first.layout.page
        how = HOW_CUT.get(first.split, "")
        markers = sum(len(s.markers) for s in self.sheets)
        out = fitted_text(self.count, page, first.font_size, first.direction)
        if how:
            out += f", {how}, {markers} off-page marker{'s' if markers != 1 else ''}"
        over = [(s.number, overflowing(s)) for s in self.sheets]
        over = [(n, what) for n, what in over if what]
        if over:  # text is never shrunk: a piece that cannot be cut further runs into the margin, and says so
            named = sorted({w for _, what in over for w in what})
            out += (f"; warning: {', '.join(named[:3])}{' and more' if len(named) > 3 else ''} "
                    f"{'does' if len(named) == 1 else 'do'} not fit inside the margins of "
                    f"{'page' if len(over) == 1 else 'pages'} {', '.join(str(n) for n, _ in over)} at "
                    f"{page.min_text:g} pt: choose a larger page (--page A3) or shorter labels and notes")
        return out


# how a model was cut over pages, as the summary line and a report's captions say it
HOW_CUT = {"stages": "cut at its stages", "layers": "cut along its flow", "tiles": "cut in blocks"}


def fitted_text(count: int, page: Page, font_size: float, direction: str) -> str:
    """The start of a fitting's summary: "3 slides of 16:9, text 9-11 pt, LR"."""
    from ..layouter import small_size

    pages = f"{count} {'slide' if page.kind == 'slide' else 'page'}{'s' if count != 1 else ''}"
    smallest = min(font_size, small_size(font_size, page.min_text))
    return f"{pages} of {page.name}, text {smallest:g}-{font_size + 2:g} pt, {direction}"


def short_repr(kind: str, summary: str, files) -> str:
    """A result of pages as a notebook shows it: `<Pages: 3 slides of 16:9,
    ...; 3 files, 412 KB>` (the summary, not the files' bytes)."""
    size = sum(len(f) for f in files)
    shown = (f"{size} bytes" if size < 1024 else f"{size / 1024:.0f} KB" if size < 1024 * 1024
             else f"{size / 1024 / 1024:.1f} MB")
    return f"<{kind}: {summary}; {len(files)} file{'s' if len(files) != 1 else ''}, {shown}>"


def overflowing(sheet: Sheet, slack: float = 0.5) -> list[str]:
    """What of a sheet lies outside its page's margins (text is never shrunk
    below the page's minimum, so one box, or one box with its long note,
    wider than a small page cannot be cut further): the deliverables, as
    the model names them (a relation's note by its relation, `a -> b`)."""
    from ..layouter.fit import is_marker

    lay, page = sheet.layout, sheet.layout.page
    left, top = page.margin - slack, page.margin - slack
    right, bottom = page.width - page.margin + slack, page.height - page.margin + slack

    def out(b) -> bool:
        return b is not None and (b.left < left or b.top < top or b.right > right or b.bottom > bottom)

    markers = {mk.name: mk for mk in sheet.markers}

    def named(n: str) -> str:
        mk = markers.get(n)
        return n if not is_marker(n) else f"the marker of {mk.others[0]}" if mk and mk.others else "a marker"

    found = [named(n) for n, b in lay.nodes.items() if out(b)]
    found += [named(t.owner) for t in lay.texts if out(t.box) and t.kind in ("label", "note")]
    if not found:  # a frame alone past the margin (its boxes inside): the frame, by its group or stage
        found = [f"group {g.split(chr(0x2063))[0]}" for g, b in lay.groups.items() if out(b)]   # "<group>\u2063<k>": continued
        found += [f"stage {c.stage}" for c in lay.columns if out(c.frame)]
        found += ["the title"] if out(lay.title) else []
        found += ["the legend"] if out(lay.legend) else []
    return list(dict.fromkeys(found))


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
                 embed_fonts: bool = True, engine: str = "prep", health: dict | None = None,
                 marks=None, first_page: int = 1) -> Pages:
    """`model` fitted to `page` and drawn as `fmt` (see the module's docstring);
    `health`: measured deliverable -> colour from data (`--status`); `marks`:
    sheet model -> the marks to draw it with (`prep render --part`: each
    page marks the neighbours it holds), or None. `first_page`: the number
    of the first page in the document the pages go in (a report): the
    off-page markers name the document's pages."""
    from .dot import resolve_theme

    fmt = fmt.lower()
    if fmt not in PAGED_FORMATS + PER_PAGE_FORMATS:
        raise ValueError(f"--page does not apply to {fmt}: pages are for svg, png, pdf, pptx, drawio, dot and "
                         "layout (the viewer of pages: prep.embed.viewer.render_html_pages)")
    theme = resolve_theme(theme)
    sheets = fit_pages(model, page, direction=direction, font=theme.font, font_size=theme.font_size,
                       legend=legend, health="status" if health is not None else findings is not None, view=view,
                       engine=engine, first_page=first_page)
    return _drawn_pages(model, sheets, fmt, legend=legend, findings=findings, theme=theme, dpi=dpi, view=view,
                        embed_fonts=embed_fonts, health=health, marks=marks)


def render_documents(models: list[Model], fmt: str, page: Page, *, legend: bool = False, theme=None,
                     embed_fonts: bool = True) -> Pages:
    """Several models fitted to `page`, one after another in one file (pdf,
    pptx or drawio): an overview, then the picture of each of its clusters.
    Each model's pages are titled as its own ("… (2/3)"); its off-page
    markers name the file's pages ("→ 見積書, p. 14")."""
    from .dot import resolve_theme

    if fmt not in PAGED_FORMATS:
        raise ValueError(f"several models go on pages of one file: pdf, pptx or drawio, not {fmt}")
    theme = resolve_theme(theme)

    # one after another: each model's markers are measured with the numbers of the file's
    # pages, known once the models before it are fitted
    sheets: list[Sheet] = []
    for m in models:
        got = fit_pages(m, page, font=theme.font, font_size=theme.font_size, legend=legend,
                        first_page=len(sheets) + 1)
        sheets += [numbered_after(s, len(sheets)) for s in got]
    return _drawn_pages(models[0], sheets, fmt, legend=legend, theme=theme, embed_fonts=embed_fonts, titled=True)


def _drawn_pages(model: Model, sheets: list[Sheet], fmt: str, *, legend: bool = False, findings=None, theme=None,
                 dpi: float | None = None, view: str = "diagram", embed_fonts: bool = True,
                 health: dict | None = None, marks=None, titled: bool = False) -> Pages:
    """The sheets drawn as `fmt`: one file (pdf, pptx, drawio) or one per
    page. `titled`: each draw.io page named after its own sheet's model
    (several models in one file)."""
    from . import render

    def mine(s: Sheet):
        """The findings about what a sheet draws (for its health colours)."""
        return None if findings is None else [f for f in findings if f.subject in s.model.deliverables]

    def drawn(s: Sheet, as_fmt: str) -> bytes:
        look = replace(theme, font_size=s.font_size)
        return render(s.model, as_fmt, direction=s.direction, legend=legend, findings=mine(s), theme=look,
                      dpi=dpi, layout=s.layout, embed_fonts=embed_fonts, view=view, health=health,
                      marks=marks(s.model) if marks is not None else None)

    def drawn_all(sheets, as_fmt: str) -> list[bytes]:
        # each page is a Graphviz call of its own: on two cores, two at once (the
        # 300-deliverable model's 20 pages cost more than its plain render)
        if len(sheets) < 4:
            return [drawn(s, as_fmt) for s in sheets]
        from .._process import map_forked

        return map_forked(lambda s: drawn(s, as_fmt), list(sheets), "drawing the pages")

    if fmt == "pdf":
        from .pdfpages import merge

        pdfs = drawn_all(sheets, "pdf")
        return Pages(tuple(sheets), (merge(pdfs, title=model.title),))
    if fmt == "pptx":
        from .dot import to_dot
        from .pptx import to_pptx_deck

        slides = []
        for s in sheets:
            slides.append((s.model, to_dot(s.model, direction=s.direction, legend=legend, findings=mine(s),
                                           theme=replace(theme, font_size=s.font_size), layout=s.layout,
                                           health=health, marks=marks(s.model) if marks is not None else None)))
        return Pages(tuple(sheets), (to_pptx_deck(slides, theme=theme, embed_font=embed_fonts, title=model.title),))
    if fmt == "drawio":
        from .drawio import DrawioPage, page_name, to_drawio

        name = page_name(model)
        pages = [DrawioPage(page_name(s.model) if titled else
                            f"{name} ({s.number}/{len(sheets)})" if len(sheets) > 1 else name, s.model, s.layout,
                            mine(s), marks(s.model) if marks is not None else None) for s in sheets]
        return Pages(tuple(sheets), (to_drawio(pages, theme=replace(theme, font_size=sheets[0].font_size)),))
    return Pages(tuple(sheets), tuple(drawn_all(sheets, fmt)))


def numbered_after(sheet, offset: int):
    """`sheet` (fitted with `first_page` = offset + 1, its markers' texts
    naming the file's pages already) with its markers' pages those of the
    file too, as its texts say."""
    if not offset or not sheet.markers:
        return sheet
    return replace(sheet, markers=tuple(replace(mk, pages=tuple(p + offset for p in mk.pages))
                                        for mk in sheet.markers))


PAGE_GAP = 36.0   # between two pages stacked in one picture


def stacked(sheets) -> tuple[Model, object]:
    """The sheets of a fitted model as one picture, page under page, each
    page a frame titled as the page is ("… (2/3)"): what the live preview
    and the viewer show for `--page`, drawn by the ordinary renderer. Group
    frames of each page are kept apart (a group on two pages is two frames)."""
    from dataclasses import replace as copy

    from ..language.model import Group
    from ..layouter.fit import shift
    from ..layouter.geometry import Box, Layout

    deliverables, relations, groups, stages = {}, [], {}, {}
    nodes, edges, frames, labels, columns, texts = {}, [], {}, {}, [], []
    y = 0.0
    width = max(s.layout.width for s in sheets)
    for s in sheets:
        k = s.number
        frame = f"\u2063page{k}"
        rename = {g: f"{g}\u2063{k}" for g in s.model.groups}
        span = next(iter(s.model.deliverables.values())).span
        groups[frame] = Group(frame, s.model.title or said_pages([k]), None, span)
        for g, grp in s.model.groups.items():
            groups[rename[g]] = copy(grp, name=rename[g], parent=rename.get(grp.parent, frame))
        for n, d in s.model.deliverables.items():
            deliverables[n] = copy(d, group=rename.get(d.group, frame))
        relations.extend(s.model.relations)
        for name, st in s.model.stages.items():
            stages.setdefault(name, st)
        lay = shift(s.layout, 0.0, y)
        nodes.update(lay.nodes)
        edges.extend(lay.edges)
        frames[frame] = Box(s.layout.width / 2, y + s.layout.height / 2, s.layout.width, s.layout.height)
        if lay.title is not None:
            labels[frame] = lay.title
        frames.update({rename[g]: b for g, b in lay.groups.items()})
        labels.update({rename[g]: b for g, b in lay.group_labels.items()})
        columns.extend(lay.columns)
        texts.extend(lay.texts)
        y += s.layout.height + PAGE_GAP
    first = sheets[0]
    model = Model(path=first.model.path, title=None, deliverables=deliverables, relations=tuple(relations),
                  groups=groups, source=first.model.source, stages=stages)
    # `page`: the sheets' (for the size of small texts); the canvas is the pages, for a screen, not a page
    layout = Layout(width=width, height=y - PAGE_GAP, nodes=nodes, edges=tuple(edges), groups=frames,
                    group_labels=labels, engine="prep", direction=first.direction, columns=tuple(columns),
                    texts=tuple(texts), page=first.layout.page)
    return model, layout


__all__ = ["Pages", "render_pages", "page_file_name", "stacked", "PAGED_FORMATS", "PER_PAGE_FORMATS"]
