"""The library: the one place that chains the stages.

    text --language--> Model --linter--> [Diagnostic]
                         `--layouter--> Layout (geometry) --renderer--> SVG/PNG/PDF/PPTX/...
                         `--catalogue--> XLSX/CSV tables --catalogue--> .prep text

Each stage is a package that imports only the stages before it
(language <- linter <- layouter <- renderer <- catalogue <- embed); this module and the
CLI sit on top.
"""

from __future__ import annotations

import functools
import os

from .language import load, loads  # noqa: F401 - the public API
from .language.model import Model


def _takes_models(function):
    """`function` refusing, with a TypeError that says what to pass, a
    first argument (diff's first two) that is not a Model: a path given
    where `prep.load(path)` was meant failed deep inside, with
    "'str' object has no attribute 'deliverables'". A `direction` option
    is read as everywhere else: any case, TD for TB, a ValueError with a
    did-you-mean for another word. A `language` option ("en", "ja") sets
    the language of prep's words in the pictures drawn (`prep._words`)."""
    code = function.__code__
    names = [n for n in code.co_varnames[:code.co_argcount] if n in ("model", "old", "new")]
    count = len(names)
    own_language = "language" in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]

    @functools.wraps(function)
    def checked(*args, **kwargs):
        for value in args[:count]:
            if not isinstance(value, Model):
                raise _not_a_model(function.__name__, value)
        for name in names[len(args):]:
            if name in kwargs and not isinstance(kwargs[name], Model):
                raise _not_a_model(function.__name__, kwargs[name])
        if kwargs.get("direction") is not None:   # "tb", "TD" (Mermaid's word): as the command line takes them
            from .layouter.direction import direction_of

            kwargs["direction"] = direction_of(kwargs["direction"])
        # language="ja": prep's words in the pictures (legend, "(cont.)", "P.3") in Japanese (prep._words)
        from ._words import speaking

        with speaking(kwargs.get("language") if own_language else kwargs.pop("language", None)):
            return function(*args, **kwargs)

    return checked


def _not_a_model(function: str, value) -> TypeError:
    if isinstance(value, (str, os.PathLike)):
        given = str(os.fspath(value)) if not isinstance(value, str) else value
        if isinstance(value, str) and not os.path.exists(value) and ("\n" in value or "->" in value):
            return TypeError(f"prep.{function} takes a model, not its text: pass prep.loads(text)")
        return TypeError(f"prep.{function} takes a model, not a path: pass prep.load({given!r})")
    return TypeError(f"prep.{function} takes a model (prep.load(path) or prep.loads(text)), "
                     f"not {type(value).__name__}")


def _page(page, min_text: float | None = None):
    """A page as the API takes it (a name such as "A4-portrait", or a
    `Page`) as a `Page`; None for none (and "none", "natural": the natural
    size). A bad name is a PageError (a ValueError) that says in its
    message what it can be, did-you-mean included (the CLI prints the hint
    on a line of its own; here `str(e)` is all a notebook shows)."""
    from .layouter.page import MIN_TEXT_RANGE, NATURAL, Page, PageError, parse_page

    low, high = MIN_TEXT_RANGE
    if min_text is not None and (isinstance(min_text, bool) or not isinstance(min_text, (int, float))
                                 or not low <= min_text <= high):   # as --min-text and [render] min-text
        raise ValueError(f"min_text is the smallest text in points, from {low:g} to {high:g}, not {min_text!r}")
    if page is None or isinstance(page, Page):
        return page.with_min_text(min_text) if page is not None else None
    if not isinstance(page, str):
        raise TypeError(f"a page is a name (\"16:9\", \"A4-portrait\", ...) or a prep.layouter.page.Page, "
                        f"not {type(page).__name__}")
    if page.strip().lower() in NATURAL:
        return None
    try:
        return parse_page(page, min_text=min_text)
    except PageError as e:
        raise PageError(f"{e}; {e.hint}", e.hint) from None


@_takes_models
def render(model: Model, format: str = "svg", **options) -> bytes:
    """Draw a model. `format`: svg, png, pdf, dot, json, layout (the
    geometry as JSON), mmd (Mermaid) or pptx. Options: direction ("LR" or
    "TB"; "TD" is TB), legend (bool), findings (a list of Diagnostics to draw on the
    picture, as `prep render --lint` does), theme ("default", "print" or a
    Theme), dpi (PNG), engine ("prep" or "dot"), embed_fonts (SVG: carry
    a subset of the font, the glyphs drawn, as WOFF2; default True), view
    ("diagram" or "roadmap": the stages as columns, docs/roadmap.md).
    "html" is the interactive viewer page (docs/viewer.md): findings are
    computed for it, and `overlay=True` shows the health colours at first.
    `page` ("16:9", "A4", "A4-portrait", "200x120mm", ... or a
    `prep.layouter.page.Page`; docs/pages.md): fitted to that page, as
    `prep render --page` does; a pdf, pptx or drawio file holds every page,
    another format one (`render_pages` gives each page of any format).
    `language` ("en", "ja"): prep's own words in the picture (the legend,
    "(cont.)", page references) in that language, as `--language` does."""
    page = _page(options.pop("page", None), options.get("min_text"))
    if page is not None:
        pages = render_pages(model, format, page, **options)
        if format.lower() in ("pdf", "pptx", "drawio") or pages.count == 1:
            return pages.files[0]
        raise ValueError(f"the model takes {pages.count} pages of {pages.sheets[0].layout.page.name}, and a "
                         f"{format} file holds one: prep.render_pages(model, {format!r}, page) gives each "
                         "page, or render to pdf, pptx or drawio")
    if format.lower() == "html":
        from .embed.viewer import render_html

        return render_html(model, **options)
    from .renderer import render as _render

    return _render(model, format=format, **options)


@_takes_models
def render_pages(model: Model, format: str, page, **options):
    """`model` fitted to `page` (a page name, "A4-portrait", "200x120mm",
    ... or a `prep.layouter.page.Page`; `min_text` sets the smallest text
    in points), as `prep render --page` draws it: wrapped, and cut over
    pages with off-page markers when it does not fit one at a readable
    size (docs/pages.md). Returns `Pages`: `.files` (one per page for svg
    and png, one document for pdf, pptx and drawio), `.sheets` (each
    page's model, layout and markers), `.count`, `.summary()`. Options:
    direction, legend, findings, theme, dpi, view, embed_fonts."""
    from .renderer.pages import render_pages as _render_pages

    sheet = _page(page, options.pop("min_text", None))
    if sheet is None:
        raise ValueError(f"render_pages needs a page (\"16:9\", \"A4\", ...), not {page!r}: "
                         f"prep.render(model, {format!r}) draws the model at its natural size")
    return _render_pages(model, format.lower(), sheet, **options)


@_takes_models
def clusters(model: Model, max_size: int = 200):
    """The clusters an overview draws (`Clusters`: `.clusters`, each with
    `.name`, `.label`, `.members`, `.found_by`; `.method`; `.summary()`):
    the top-level groups, where each holds at most `max_size` deliverables;
    otherwise the too-big parts split by stage, then by communities of
    their relations (docs/layout.md). The same model gives the same
    clusters."""
    from .language.clusters import find_clusters

    return find_clusters(model, max_size)


@_takes_models
def render_stage(model: Model, stage: str, format: str = "svg", **options) -> bytes:
    """The model at the end of `stage` (its cross-section), drawn on the
    layout of the whole model: exactly the flip-book's frame of that stage
    (docs/stages.md). Options: later ("hidden" or "faint"), lint (colour by
    the findings of the cross-section), direction, legend, theme, engine, dpi,
    page (a page name or `Page`: fitted to it, docs/pages.md)."""
    from .renderer.stages import render_stage as _render_stage

    return _render_stage(model, stage, format, **_with_page(options))


@_takes_models
def render_stage_pages(model: Model, stage: str, format: str = "svg", *, page, **options):
    """`render_stage` fitted to `page` (a page name or `Page`; `min_text`
    sets the smallest text in points) as `prep render --stage NAME --page P`
    draws it: when the whole model takes several pages, the stage's frame
    does too. Returns `StagePages`: `.files` (one per page for svg, png,
    dot, layout and json; one document for pdf, pptx and drawio), `.count`
    (its pages), `.summary()`. Options as `render_stage`."""
    from .renderer.stages import stage_pages

    options = _with_page({**options, "page": page})
    if options["page"] is None:
        raise ValueError(f"render_stage_pages needs a page (\"16:9\", \"A4\", ...), not {page!r}: "
                         f"prep.render_stage(model, {stage!r}, {format!r}) draws the stage at its natural size")
    return stage_pages(model, stage, format, **options)


def _with_page(options: dict) -> dict:
    """`options` with a page given by name ("A4", "16:9", "none") as a
    `Page` (or None), `min_text` applied to it, as the stage renderers
    take it."""
    if "page" not in options and "min_text" not in options:
        return options
    options = dict(options)
    options["page"] = _page(options.get("page"), options.pop("min_text", None))
    return options


@_takes_models
def flipbook(model: Model, format: str = "html", **options) -> bytes:
    """Every stage's frame in one file: "html" (a page with a stage slider),
    "pdf" (a page per stage), "pptx" (a slide per stage) or "drawio" (a
    draw.io page per stage); every deliverable
    at the same place in every frame. Options as `render_stage`."""
    from .renderer.stages import flipbook as _flipbook

    return _flipbook(model, format.lower(), **_with_page(options))


@_takes_models
def report(model: Model, format: str = "html", *, lint_options: dict | None = None, **options) -> bytes:
    """The report of `prep report` as bytes: "html" (one self-contained
    page), "pdf" (pages) or "docx" (Word, built-in styles). Its findings
    are `prep.lint(model, **lint_options)`'s: the model's prep.toml [lint]
    settings (as `prep report` reads them), the options of `lint_options`
    (a dict: select, ignore, options, severity; config=False: without
    prep.toml) on top. Options: theme, direction, page (a page name such
    as "A4-portrait": the page of a pdf or docx report, A4 by default; the
    page an html report's pictures are laid out for, 16:9 by default up to
    200 deliverables, "none" for their natural size), status_data and
    customer (the Health section). A Markdown report links picture files:
    `prep.embed.report.write_report`."""
    from .embed.report import build_report
    from .layouter.page import NATURAL

    fmt = format.lower() if isinstance(format, str) else format
    if fmt not in ("html", "pdf", "docx"):
        raise ValueError(f"unknown report format {format!r}; choose html, pdf or docx "
                         "(a Markdown report links picture files: prep.embed.report.write_report)")
    page = options.get("page")
    if isinstance(page, str) and page.strip().lower() not in NATURAL:   # "none" is the report's own to read
        options["page"] = _page(page)
    return build_report(model, fmt, lint_options=_lint_options(model, dict(lint_options or {})), **options)[0]


@_takes_models
def stage_frames(model: Model, format: str = "svg", **options) -> list[tuple[str, bytes]]:
    """Every stage's frame as its own picture ("svg" or "png"): a list of
    (file name, bytes) in stage order, named `01-contract.svg`, ...
    Options as `render_stage` (page: fitted to it, a frame per stage and
    page)."""
    from .renderer.stages import stage_frames as _stage_frames

    return _stage_frames(model, format.lower(), **_with_page(options))


@_takes_models
def layout(model: Model, **options):
    """Place a model: returns a `Layout` (boxes, routes, frames in points,
    origin top-left; `.as_dict()` / `.to_json()` give the documented JSON,
    docs/layout.md). Options: direction, engine ("prep" or "dot"), legend,
    health, font, font_size, previous (a Layout of an earlier version of
    the model: deliverables stay where they were), view ("roadmap": the
    stages as columns, `Layout.columns`)."""
    from .layouter import layout as _layout

    return _layout(model, **options)


@_takes_models
def diff(old: Model, new: Model, *, config: bool = True, **options):
    """What changed from `old` to `new` (two models): a `Review` with
    `.changes` (deliverables, relations, stages, measures and groups
    added, removed, renamed, changed: `prep.language.diff.ModelDiff`),
    `.introduced` and
    `.resolved` (findings), `.hotspots_before` / `.hotspots_after`.
    `prep.linter.review.as_dict(review)` is the documented JSON.
    Options: old_label, new_label, top, and lint options as `prep.lint`
    takes them: both sides are linted as `prep diff` lints them, with the
    prep.toml of the new model's file (`config=False`: without it) and
    the options on top."""
    from .linter.review import review

    kept = {k: options.pop(k) for k in ("old_label", "new_label", "top") if k in options}
    return review(old, new, **kept, **_lint_options(new, options, config))


@_takes_models
def render_diff(old: Model, new: Model, format: str = "svg", *, side_by_side: bool = False, page=None,
                **options) -> bytes:
    """Draw what changed from `old` to `new` (docs/diff.md): one picture
    on the union of both, or with `side_by_side` the As-Is and the To-Be
    as two titled, marked halves, side by side or stacked, whichever gives
    the larger text on `page` ("16:9", "A4-portrait", ... or a
    `prep.layouter.page.Page`; None: side by side unless wider than 3:1).
    `format`: svg, png, pdf, pptx, dot or layout. Options: direction,
    theme, dpi, embed_fonts, min_text, arrangement (with `side_by_side`).
    Without `side_by_side`, on a page: the one picture fitted to it at a
    readable size; a change too large for one page is cut over pages as
    `prep render --diff --page` cuts it, which a pdf or pptx file holds
    (another format raises DiffOffPage, a ValueError: `render_diff_pages`
    gives each page, and the As-Is / To-Be halves over pages)."""
    from .language.diff import diff_models
    from .renderer.diff import DiffOffPage, render_diff as _render_diff

    fitted = _page(page, options.pop("min_text", None))
    try:
        return _render_diff(diff_models(old, new), format, side_by_side=side_by_side, page=fitted, **options)
    except DiffOffPage:
        if format.lower() not in ("pdf", "pptx"):
            raise
    return render_diff_pages(old, new, format, page=fitted, **options).files[0]


@_takes_models
def render_diff_pages(old: Model, new: Model, format: str = "svg", *, page, side_by_side: bool = False,
                      **options):
    """What changed from `old` to `new` fitted to `page` (a page name or
    `Page`; `min_text` the smallest text in points), as `prep render --diff
    [--side-by-side] --page P` draws it: one picture on one page when it
    fits, else cut over pages, each change-marked with the legend. Returns
    `Pages` (`.files`: one per page for svg, png, dot and layout; one
    document for pdf and pptx; `.count`, `.summary()`). Options:
    direction (None: the one that suits the page), theme, dpi, embed_fonts."""
    from .language.diff import diff_models
    from .renderer.diff import render_as_is_to_be_pages, render_diff_pages as _pages

    fitted = _page(page, options.pop("min_text", None))
    if fitted is None:
        raise ValueError("render_diff_pages needs a page (\"16:9\", \"A4\", ...); for the natural size, "
                         "prep.render_diff")
    draw = render_as_is_to_be_pages if side_by_side else _pages
    options.setdefault("direction", None)
    return draw(diff_models(old, new), format, fitted, **options)


@_takes_models
def lint(model: Model, *, config: bool = True, **options):
    """Run the lint rules on a model and return the findings (Diagnostics),
    as a `Findings` list that a notebook shows as a table. As `prep lint`
    lints it: with the [lint] settings of the model's prep.toml (or
    pyproject.toml), found from its file (none for `prep.loads` text), and
    `options` on top as prep lint's command line puts them: select
    (replaces the configuration's), ignore (adds to it), options and
    severity (per rule), per_file_ignores. `config=False`: `options` alone
    (`prep.linter.lint_model`)."""
    from .linter import lint_model
    from .linter.findings import Findings

    return Findings(lint_model(model, **_lint_options(model, options, config)), model=model)


# lint_model's keyword arguments
LINT_OPTIONS = ("select", "ignore", "options", "severity", "per_file_ignores", "per_file_root")


def _lint_options(model: Model, options: dict, config: bool = True) -> dict:
    """`lint_model`'s settings for `model`: its prep.toml's (`config`, a
    model read from a file), `options` on top. `config` may come in
    `options` (report's lint_options dict)."""
    config = options.pop("config", config)
    unknown = [k for k in options if k not in LINT_OPTIONS]
    if unknown:   # lint_model's TypeError named lint_model, which the user did not call
        import difflib

        close = difflib.get_close_matches(unknown[0], LINT_OPTIONS, n=1)
        raise TypeError(f"unknown lint option '{unknown[0]}'" + (f" (did you mean '{close[0]}'?)" if close else "")
                        + f": the options are {', '.join(LINT_OPTIONS)} and config")
    if not config or not model.path or not os.path.isfile(model.path):
        return options
    from .linter.run import Overrides, model_lint_options
    from .linter.settings import as_list

    select, ignore = options.pop("select", None), options.pop("ignore", None)
    overrides = Overrides(select=as_list(select, "select") if select is not None else None,
                          ignore=as_list(ignore, "ignore"), options=dict(options.pop("options", None) or {}),
                          severity=dict(options.pop("severity", None) or {}))
    found = model_lint_options(model.path, overrides)
    if "per_file_ignores" in options:   # given: instead of the configuration's
        found.pop("per_file_root", None)
    found.update(options)
    return found


@_takes_models
def status(model: Model, data: str):
    """Where customers stand, from the measured values in `data` (a CSV or
    XLSX file: measure,value and optionally customer, date): a `Status`
    with each customer's values and colours, stage reached and health
    (`.customers`, `.counts()`). Raises PrepError, located in the data,
    for an unknown measure or a value that is not a number (docs/measures.md)."""
    from .health import load_status

    return load_status(model, data)


@_takes_models
def render_status(model: Model, data: str, format: str = "svg", *, customer: str | None = None,
                  **options) -> bytes:
    """The model with its measured deliverables coloured from the data, the
    values in their boxes (`prep render --status`): one customer, the only
    one in the data or `customer`. Other options as `render` (view="roadmap")."""
    from .language.diagnostics import PrepError
    from .health import load_status, status_view

    result = load_status(model, data)
    chosen = result.customer(customer) if customer is not None else (
        result.customers[0] if len(result.customers) == 1 else None)
    if chosen is None:
        names = ", ".join(c.name for c in result.customers[:8])
        raise PrepError.at(data, f"no customer '{customer}' in the data" if customer is not None else
                           f"the data has {len(result.customers)} customers", name="bad-data",
                           hint=f"name one of them: {names}" if names else "the data has no values")
    drawn, health = status_view(result, chosen)
    return render(drawn, format, health=health, **options)


def format_text(text: str, path: str = "<string>") -> str:
    """The canonical layout of model text, as `prep fmt` writes it
    (docs/fmt.md): the same model, comments kept, idempotent. Raises
    PrepError for a syntax error."""
    from .language.fmt import format_text as _format_text

    return _format_text(text, path, verify=True)


@_takes_models
def export(model: Model, format: str = "xlsx", *, findings=None, language: str = "en",
           rules_url: str | None = None, table: str = "deliverables") -> bytes:
    """The deliverable catalogue of a model (docs/catalogue.md): "xlsx" (a
    workbook of Deliverables, Relations, Stages, Groups, Findings and Rules
    tables) or "csv" (one table, `table`: deliverables, relations, stages,
    groups, findings or rules; UTF-8 with a byte-order mark). `findings`:
    the Diagnostics to list and colour the rows by (default: `lint(model)`,
    in `language`). language "en" or "ja" (the headers, prep's words and
    the findings' messages); rules_url: where the rule pages
    are published (default: PREP_RULES_URL), else findings link to the
    workbook's Rules sheet."""
    import os

    from .catalogue.export import FORMATS, to_csv, to_xlsx
    from .language.diagnostics import PrepError

    format = format.lower()
    if format not in FORMATS:
        raise PrepError.at("<export>", f"unknown catalogue format '{format}'", name="usage-error",
                           hint="one of: " + ", ".join(FORMATS))
    if findings is None:   # their messages and hints in the workbook's language
        findings = lint(model, language=language)
    if rules_url is None:
        from .linter.rule import RULES_URL_VARIABLE

        rules_url = os.environ.get(RULES_URL_VARIABLE) or None
    if format == "xlsx":
        return to_xlsx(model, list(findings), language=language, rules_url=rules_url)
    files = to_csv(model, list(findings), language=language, rules_url=rules_url)
    from .catalogue.columns import TABLES

    wanted = [t for t in TABLES if table.lower() in (t.key, t.en.lower(), t.ja)]
    if not wanted:
        raise PrepError.at("<export>", f"no catalogue table '{table}'", name="usage-error",
                           hint="one of: " + ", ".join(t.key for t in TABLES))
    name = wanted[0].name(language)
    return files[f"{name.lower() if language == 'en' else name}.csv"]


def import_catalogue(path, *, source_comments: bool = False) -> str:
    """The .prep text of a catalogue (docs/catalogue.md): an .xlsx
    workbook, a folder of CSV files or one CSV file (the Deliverables
    table), headers in English or Japanese. The text is formatted as `prep
    fmt` writes it; `prep.loads(text)` makes it a Model. With
    `source_comments`, each line says which sheet and cell it came from.
    Raises PrepError with every problem, each at its cell
    (`catalogue.xlsx:Deliverables!C7`); columns and sheets it ignores are
    `CatalogueNote` warnings."""
    import warnings

    from .catalogue.importer import CatalogueNote, read_catalogue

    imported = read_catalogue(path, source_comments=source_comments)
    for note in imported.notes:
        warnings.warn(f"{note.span}: {note.message}" + (f" ({note.hint})" if note.hint else ""), CatalogueNote,
                      stacklevel=2)
    return imported.text


def _notebook_svg(model: Model) -> str:
    return render(model, "svg").decode("utf-8")


# a notebook shows a model as its diagram (the language stage knows no renderer)
Model.notebook_svg = staticmethod(_notebook_svg)
