"""`prep render`: draw models (a picture, an overview and its groups, a
diff, a stage or a flip-book)."""

from __future__ import annotations

import os

import click

from .common import _check_some_side, _diff_pairs, _lint_settings, _model_at, _render_settings

RENDER_FORMATS = ("svg", "png", "pdf", "dot", "json", "layout", "mmd", "pptx", "html", "drawio")
PICTURE_FORMATS = ("svg", "png", "pdf", "pptx", "drawio")

# Above this many deliverables `prep render` draws an overview (one box per
# group) and one picture per group instead of everything (--force draws
# everything; --overview-above sets the size). prep's own layout draws
# 2,000 deliverables in 3-5 s (docs/performance.md); one picture of more
# is seldom readable anyway.
OVERVIEW_ABOVE = 2000
# A render that takes longer than this is stopped, with a message naming
# the options that give a picture sooner (--timeout to change it).
TIMEOUT_SECONDS = 120.0


def _output_for(src: str, output: str | None, fmt: str | None) -> tuple[str, str]:
    """Decide the output path and format of one input."""
    if output is None:
        fmt = fmt or "svg"
        base, _ = os.path.splitext(src)
        return base + (".layout.json" if fmt == "layout" else "." + fmt), fmt
    if output == "-":
        return "-", fmt or "svg"
    ext = os.path.splitext(output)[1].lower().lstrip(".")
    if fmt is None:
        if output.lower().endswith(".layout.json"):
            return output, "layout"
        if ext not in RENDER_FORMATS:
            raise click.UsageError(
                f"cannot tell the format from '{output}'; use an extension "
                f"({', '.join('.' + f for f in RENDER_FORMATS if f != 'layout')}, .layout.json) or --format")
        fmt = ext
    return output, fmt


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, allow_dash=False))
@click.option("-o", "--output", metavar="PATH",
              help="Output file; its extension picks the format (.layout.json: the geometry). "
                   "'-' writes to stdout. Default: FILE.svg next to FILE.")
@click.option("-f", "--format", "fmt", type=click.Choice(RENDER_FORMATS, case_sensitive=False),
              help="Output format (overrides the extension of -o). 'layout': box positions, routes and "
                   "frames as JSON (docs/layout.md). 'html': one self-contained interactive page "
                   "(docs/viewer.md). 'drawio': shapes and connectors to edit in draw.io (docs/drawio.md).")
@click.option("--direction", type=click.Choice(["LR", "TB"], case_sensitive=False), default=None,
              help="LR (default): inputs on the left. TB: inputs on top.")
@click.option("--legend/--no-legend", default=None, help="Add a key to the notation in a free corner (default: no).")
@click.option("--lint", "with_lint", is_flag=True,
              help="Colour deliverables by their worst lint finding (green, lime, yellow, red).")
@click.option("--theme", type=click.Choice(["default", "print"]), default=None,
              help="'print': black on white, no colour fills. Default: [render] in prep.toml, else 'default'.")
@click.option("--focus", metavar="NAME", help="Draw only NAME and its neighbourhood.")
@click.option("--depth", type=click.IntRange(min=0), default=2, show_default=True,
              help="With --focus: how many relations upstream and downstream.")
@click.option("--group", "group_name", metavar="NAME", help="Draw only one group.")
@click.option("--dpi", type=click.FloatRange(min=10, max=2400), help="Resolution of PNG output.")
@click.option("--scale", type=click.FloatRange(min=0.1, max=20), help="PNG size factor (2 = twice the 96 dpi default).")
@click.option("--transparent", is_flag=True, help="No background fill (PNG, SVG, PDF), for slides with their own background.")
@click.option("--engine", type=click.Choice(["prep", "dot"]), default="prep", show_default=True,
              help="Who places the boxes: prep's own layered layout (fast on any structure, stable "
                   "between edits) or Graphviz dot (minutes on large models with long edges).")
@click.option("--stable", "stable_file", metavar="FILE.layout.json",
              help="Start from the layout in FILE (when it exists) so deliverables stay where they were, "
                   "and write this render's layout there. Commit FILE next to the model.")
@click.option("--overview-above", type=click.IntRange(min=1), default=OVERVIEW_ABOVE, show_default=True,
              metavar="N", help="Above N deliverables draw an overview (one box per group) and one "
                                "picture per group, linked from it. Deliverables in no group, and groups of "
                                "more than 200 (or N), are clustered automatically: by stage when the model "
                                "declares stages, then by communities of their relations; each cluster is "
                                "named after its most central deliverables.")
@click.option("--force", is_flag=True, help="Lay out everything, however large (no overview); the message says "
                                            "how large the picture is.")
@click.option("--timeout", type=click.FloatRange(min=1), default=TIMEOUT_SECONDS, show_default=True,
              metavar="SECONDS", help="Stop a render that takes longer than this.")
@click.option("--diff", "as_diff", is_flag=True,
              help="Draw what changed between two versions (FILES: OLD NEW, REV FILE, or OLD..NEW -- FILE) "
                   "on one layout: added, removed, changed marked, with a legend.")
@click.option("--side-by-side", is_flag=True,
              help="With --diff: the old (As-Is) and new (To-Be) models next to each other, "
                   "each deliverable in the same place in both.")
@click.option("--embed-fonts/--no-embed-fonts", default=True, show_default=True,
              help="SVG: carry a subset of the font (just the glyphs drawn, WOFF2 in an @font-face) so "
                   "Japanese text shows, at the measured widths, where the font is not installed. "
                   "PNG and PDF always embed their font.")
@click.option("--view", type=click.Choice(["diagram", "roadmap"]), default="diagram", show_default=True,
              help="'roadmap': the success roadmap, the stages as labelled columns in order (rows with "
                   "--direction TB), each deliverable in its stage's column, exit criteria at the right edge "
                   "(docs/roadmap.md).")
@click.option("--stage", "stage_name", metavar="NAME",
              help="The model at the end of stage NAME, on the whole model's layout: this stage's new "
                   "deliverables double-bordered, exit criteria tagged 'EXIT n', later ones hidden "
                   "(see --later). Default output: FILE.NAME.svg.")
@click.option("--flipbook", is_flag=True,
              help="One frame per stage, each deliverable in the same place in every frame: -o book.html "
                   "(a slider and the arrow keys), book.pdf (a page per stage), book.pptx (a slide per "
                   "stage, book.drawio a draw.io page per stage), or a folder of pictures (-o frames/, -o x.svg or x.png: x.flipbook/01-NAME.svg). "
                   "Default: FILE.flipbook/ of SVGs.")
@click.option("--later", type=click.Choice(["hidden", "faint"]), default=None,
              help="With --stage/--flipbook: deliverables of later stages hidden (default) or drawn faintly.")
@click.option("--page", "page_size", metavar="SIZE",
              help="Fit the picture to a page: 16:9, 4:3, A4, A3, letter (landscape; add -portrait), WxH in "
                   "mm/cm/in/pt, or none. By layout, never by shrinking text: a larger model is wrapped "
                   "into rows and split over pages with off-page markers. Default: 16:9 for pptx, A4 for "
                   "pdf, none for the rest ([render] page in prep.toml).")
@click.option("--min-text", type=click.FloatRange(min=4, max=36), default=None, metavar="PT",
              help="With a page: the smallest text allowed at 100% (default 9 pt on a slide, 7 pt on paper).")
@click.option("--status", "status_data", metavar="DATA", type=click.Path(dir_okay=False),
              help="Colour the measured deliverables from measured values (a CSV or XLSX of measure,value "
                   "and customer, date) in the four health colours, with the values in their boxes "
                   "(docs/measures.md).")
@click.option("--customer", metavar="NAME", help="With --status: the customer to draw (needed when the data has several).")
def render(files, output, fmt, direction, legend, with_lint, theme, focus, depth, group_name, dpi, force,
           scale=None, transparent=False, engine="prep", stable_file=None, overview_above=OVERVIEW_ABOVE,
           timeout=TIMEOUT_SECONDS, as_diff=False, side_by_side=False, embed_fonts=True, view="diagram",
           stage_name=None, flipbook=False, later=None, page_size=None, min_text=None, status_data=None,
           customer=None):
    """Draw models as SVG (default), PNG, PDF, DOT, JSON, the layout as
    JSON, Mermaid, PowerPoint or draw.io.

    Tangible deliverables are solid boxes, knowhow dashed boxes; input
    relations are solid arrows, synchronization dashed lines; groups are
    frames. Above --overview-above deliverables (2,000) the picture is an
    overview with one picture per group next to it (FILE.groups/); a model
    without enough groups is clustered automatically (stages, then
    communities), and the message says how.
    """
    from .. import api
    from ..language.diagnostics import PrepError
    from ..language.views import focus as focus_view
    from ..language.views import group_view
    from ..renderer.output import write_output

    if side_by_side and not as_diff:
        raise click.UsageError("--side-by-side draws two versions: use it with --diff")
    if customer is not None and status_data is None:
        raise click.UsageError("--customer names whom to draw from the data: use it with --status DATA")
    if status_data is not None and (as_diff or stage_name is not None or flipbook or later is not None):
        raise click.UsageError("--status colours one picture of the model (the diagram or --view roadmap): it cannot "
                               "be used with --diff, --stage or --flipbook")
    if as_diff:
        unused = [name for name, given in (("--lint", with_lint), ("--focus", focus), ("--group", group_name),
                                           ("--stable", stable_file), ("--legend/--no-legend", legend is not None),
                                           ("--engine dot", engine != "prep"), ("--force", force),
                                           ("--view roadmap", view != "diagram"),
                                           ("--stage/--flipbook/--later",
                                            stage_name is not None or flipbook or later is not None)) if given]
        if unused:
            raise click.UsageError(f"{', '.join(unused)} cannot be used with --diff (the diff picture always "
                                   "has its legend and uses prep's layout)")
        return _render_diff(files, output, fmt.lower() if fmt else None, direction, theme, transparent,
                            _dpi(dpi, scale), side_by_side, timeout, embed_fonts, page=(page_size, min_text))
    if output is not None and len(files) > 1:
        raise click.UsageError("-o/--output takes one input file; omit it to write FILE.svg next to each FILE")
    if stage_name is not None or flipbook or later is not None:
        if view != "diagram":
            raise click.UsageError("--view roadmap draws every stage in one picture (as columns); --stage and "
                                   "--flipbook draw the diagram as it stands at each stage: give one of them")
        return _render_stages(files, output, fmt.lower() if fmt else None, stage_name, flipbook, later,
                              look=(theme, direction, legend, transparent), dpi=_dpi(dpi, scale), lint=with_lint,
                              embed_fonts=embed_fonts, page=(page_size, min_text),
                              engine=engine, view=(focus, depth, group_name), limits=(overview_above, force,
                                                                                       timeout, stable_file))
    if stable_file is not None and len(files) > 1:
        raise click.UsageError("--stable takes one input file: its layout file belongs to one model")
    fmt = fmt.lower() if fmt else None
    for src in files:
        out_path, out_fmt = _output_for(src, output, fmt)
        model = api.load(src)
        if not model.deliverables and out_fmt != "json":
            # an empty (or comments-only) file: an empty picture would look
            # like a rendering bug, so say what is missing (the JSON export
            # of an empty model is still written: it is data, not a picture)
            raise PrepError.at(
                src, "the model has no deliverables: there is nothing to draw", name="empty-model",
                hint="add a relation such as `要件, 開発ノウハウ -> 設計書` or a declaration such as "
                     "`deliverable 設計書`", source=model.source)
        health = None
        if status_data is not None:
            model, health = _status_view(model, status_data, customer)
        if focus is not None:
            model = focus_view(model, focus, depth)
        if group_name is not None:
            model = group_view(model, group_name)
        if view == "roadmap":
            from ..layouter import check_roadmap

            if out_fmt == "mmd":
                raise click.UsageError("--view roadmap is drawn by prep's layout: svg, png, pdf, pptx, drawio, dot or layout")
            if stable_file is not None:
                raise click.UsageError("--stable cannot be used with --view roadmap: the stage columns decide "
                                       "where the boxes go")
            check_roadmap(model, engine=engine)
        findings = None
        if with_lint:
            findings = [d for d in api.lint(model) if d.subject is not None]
        look = _render_settings(src, theme, direction, legend)
        options = dict(direction=look.direction, legend=look.legend, findings=findings,
                       theme=_print_theme(look.theme, transparent), dpi=_dpi(dpi, scale), engine=engine,
                       embed_fonts=embed_fonts, **({"view": view} if view != "diagram" else {}))
        previous = _read_layout(stable_file) if stable_file else None
        n = len(model.deliverables)
        big = n > overview_above and not force and out_fmt in PICTURE_FORMATS + ("layout", "dot")
        if big and (view == "roadmap" or health is not None):
            big = False  # a roadmap is its stages, a status picture the whole model: drawn whole, and sized below
        if health is not None:
            options["health"] = health
        page = _page_for(src, out_fmt, page_size, min_text, look, stable_file=stable_file, big=big)
        if page is not None:
            from ..renderer.pages import render_pages

            fitting = dict(direction=look.direction if look.direction_given else None, legend=look.legend,
                           findings=findings, theme=options["theme"], view=view, embed_fonts=embed_fonts,
                           engine=engine)
            if out_fmt == "html" and health is not None:
                raise click.UsageError("--status colours the viewer of the whole model: leave out --page for -o "
                                       "x.html (pictures and decks take --page with --status)")
            if out_fmt == "html":   # the viewer of the pages, page under page
                from ..embed.viewer import render_html_pages

                pages = _within_budget(src, timeout, lambda: render_html_pages(model, page, **fitting))
            else:
                pages = _within_budget(src, timeout, lambda: render_pages(model, out_fmt, page, dpi=options["dpi"],
                                                                          health=health, **fitting))
            _write_pages(src, out_path, pages, page, inputs=(src,))
            continue
        if big and out_path == "-":
            raise click.UsageError(f"the model has {n} deliverables: its overview is several files; "
                                   "give -o FILE (or --force for one picture)")
        if out_fmt == "html":
            options["lint_options"] = _lint_settings(src)
        # each box of an overview (and its picture) holds at most MAX_SIZE
        # deliverables, or --overview-above if lower (docs/layout.md)
        from ..language.clusters import MAX_SIZE

        # an overview is a picture per cluster: lowering --overview-above
        # would make more of them, not fewer
        hint = (f"the overview of {n} deliverables draws one picture per cluster of up to "
                f"{min(MAX_SIZE, overview_above)} (about 0.3 s each): allow more time with --timeout SECONDS, or "
                "draw part of the model with --focus NAME or --group NAME") if big else None
        outputs, clusters = _within_budget(src, timeout, lambda: _render_files(
            model, out_fmt, out_path, options, min(MAX_SIZE, overview_above) if big else None, previous,
            stable_file), hint=hint)
        if big and len(outputs) > 1:
            from ..renderer.overview import drilldown_folder, prepare_folder

            kept = [path for path, _ in outputs[1:]]
            prepare_folder(out_path, kept)
            folders = {os.path.dirname(path) for path in kept}
            for path in kept:  # an overview in two levels: each box's overview has its own folder
                if drilldown_folder(path) in folders:
                    prepare_folder(path, kept)
        for path, data in outputs:
            write_output(path, data, inputs=(src,))
            if path != "-":
                click.echo(f"wrote {path}", err=True)
        if big:
            click.echo(_overview_message(n, overview_above, out_path, len(outputs) == 1, clusters), err=True)
        elif n > overview_above and out_path != "-" and out_fmt in PICTURE_FORMATS and len(outputs) == 1:
            click.echo(_size_message(n, overview_above, out_path, out_fmt, outputs[0][1], force), err=True)


def _overview_message(n: int, overview_above: int, out_path: str, one_file: bool, clusters) -> str:
    """What an overview is, and (when they were found, not declared) what its
    clusters are and how they were found."""
    from ..language.clusters import MAX_BOXES

    what = "cluster" if clusters.automatic else "group"
    where = (f"then one page per {what}" if one_file else
             f"with one picture per {what} in {os.path.splitext(out_path)[0]}.groups/")
    if not one_file and clusters.automatic and len(clusters.clusters) > MAX_BOXES:
        what, where = ("run of clusters", f"each opening the overview of its clusters, with one picture per "
                                          f"cluster, in {os.path.splitext(out_path)[0]}.groups/")
    lines = [f"the model has {n} deliverables (more than --overview-above {overview_above}): "
             f"{out_path} is an overview, one box per {what}, {where}; --force draws everything in one picture"]
    if clusters.automatic:
        shown = 8
        names = [f"{c.label} ({len(c.members)})" for c in clusters.clusters[:shown]]
        more = len(clusters.clusters) - shown
        lines.append(f"{clusters.summary()}: " + "; ".join(names) + (f"; and {more} more" if more > 0 else ""))
    return "\n".join(lines)


def _size_message(n: int, overview_above: int, out_path: str, fmt: str, data: bytes, force: bool) -> str:
    """How large a picture of more than --overview-above deliverables is:
    never written silently (it is seldom readable)."""
    from ..renderer.output import picture_size

    size = picture_size(data, fmt)
    why = ("--force draws everything" if force else "a roadmap or status picture is drawn whole")
    return (f"{out_path}: {n} deliverables in one picture" + (f" of {size}" if size else "")
            + f", {_file_size(len(data))} ({why}; more than --overview-above {overview_above} is seldom readable"
            + ("; without --force it is an overview with one picture per group or cluster" if force else "") + ")")


def _file_size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB" if n >= 1e3 else f"{n} bytes"


def _status_view(model, data: str, customer: str | None):
    """--status DATA [--customer NAME]: the model to draw (measured
    deliverables labelled with their values) and their colours."""

    from ..language.diagnostics import PrepError
    from ..health import load_status, named_customer, status_view

    status = load_status(model, data)
    if not status.customers:
        raise PrepError.at(data, "the data has no values for the model's measures", name="bad-data",
                           hint="one row per value: measure,value (and customer, date)")
    if customer is not None:
        chosen = named_customer(status, customer, data)
    elif len(status.customers) == 1:
        chosen = status.customers[0]
    else:
        names = [c.name for c in status.customers]
        raise click.UsageError(f"the data has {len(names)} customers: name one with --customer (e.g. "
                               f"--customer {names[0]!r})")
    return status_view(status, chosen)


def _write_pages(src: str, out_path: str, pages, page, *, inputs: tuple[str, ...]) -> None:
    """Write what `render_pages` gave: one file, or FILE-1, FILE-2, ... for a
    picture format over several pages; then say what the fitting did."""
    from ..renderer.output import write_output
    from ..renderer.pages import page_file_name

    if out_path == "-" and len(pages.files) > 1:
        raise click.UsageError(f"the model takes {pages.count} pages of {page.name}: one file each; "
                               "give -o FILE (they are written as FILE-1, FILE-2, ...)")
    for k, data in enumerate(pages.files, start=1):
        path = page_file_name(out_path, k, len(pages.files)) if out_path != "-" else "-"
        write_output(path, data, inputs=inputs)
        if path != "-":
            click.echo(f"wrote {path}", err=True)
    click.echo(f"{src}: {pages.summary()}", err=True)


def _page_for(src: str, fmt: str, given: str | None, min_text: float | None, look, *, stable_file=None,
              big: bool = False):
    """The page to fit to: --page, else [render] page, else the format's own
    (16:9 for PowerPoint, A4 for PDF); None for the picture's natural size."""
    from ..language.diagnostics import PrepError
    from ..layouter.page import PageError, page_option

    text = given if given is not None else look.page
    if fmt == "html" and given is not None and given.strip().lower() not in ("none", "natural"):
        pass   # the viewer of the pages, when asked for (page under page)
    elif fmt not in PICTURE_FORMATS + ("layout", "dot"):
        if given is not None:
            raise click.UsageError(f"--page fits a picture to a page: svg, png, pdf, pptx, drawio, html, dot or "
                                   f"layout, not {fmt}")
        return None
    if stable_file is not None or big:
        if given is not None and given.strip().lower() not in ("none", "natural"):
            why = ("--stable keeps boxes where they were, a page moves them" if stable_file is not None else
                   "the model is drawn as an overview and one picture per group (--force draws it all)")
            raise click.UsageError(f"--page cannot be used here: {why}")
        return None
    try:
        return page_option(text, fmt, min_text=min_text if min_text is not None else look.min_text)
    except PageError as e:
        if given is None:
            raise PrepError.at(look.source or src, f"[render] page: {e}", name="config-error", hint=e.hint) from None
        raise click.BadParameter(f"{e}; {e.hint}", param_hint="'--page'") from None


def _render_diff(files, output, fmt, direction, theme, transparent, dpi, side_by_side, timeout, embed_fonts=True,
                 page=(None, None)):
    """prep render --diff: one picture of the change between two versions."""
    from ..language.diff import diff_models
    from ..renderer.diff import render_diff
    from ..renderer.output import write_output

    pairs = _diff_pairs(files)
    if len(pairs) != 1:
        raise click.UsageError("--diff draws one model's change: give one file after --")
    (old_rev, old_path), (new_rev, new_path) = pairs[0]
    _check_some_side(old_rev, old_path, new_rev, new_path)
    old, old_label = _model_at(old_rev, old_path)
    new, new_label = _model_at(new_rev, new_path)
    if output is None:
        base, _ = os.path.splitext(new_path)
        output = base + (".as-is-to-be." if side_by_side else ".diff.") + (fmt or "svg")
    out_path, out_fmt = _output_for(new_path, output, fmt)
    if out_fmt not in ("svg", "png", "pdf", "pptx", "dot", "layout"):
        raise click.UsageError(f"--diff draws a picture: svg, png, pdf, pptx, dot or layout, not {out_fmt}")
    look = _render_settings(new_path, theme, direction, None)
    page_size, min_text = page
    fitted = _page_for(new_path, out_fmt, page_size, min_text, look)
    inputs = tuple(p for p in (old_path, new_path) if os.path.exists(p))
    if fitted is not None and side_by_side:
        from ..renderer.diff import render_as_is_to_be_pages

        pages = _within_budget(new_path, timeout, lambda: render_as_is_to_be_pages(
            diff_models(old, new), out_fmt, fitted, direction=look.direction if look.direction_given else None,
            theme=_print_theme(look.theme, transparent), dpi=dpi, embed_fonts=embed_fonts))
        _write_pages(new_path, out_path, pages, fitted, inputs=inputs)
        return
    from ..renderer.diff import DiffOffPage

    def draw(on_page):
        return render_diff(diff_models(old, new), out_fmt, side_by_side=side_by_side, old_label=old_label,
                           new_label=new_label, page=on_page,
                           direction=(look.direction if look.direction_given or on_page is None else None),
                           theme=_print_theme(look.theme, transparent), dpi=dpi, embed_fonts=embed_fonts)

    try:
        data = _within_budget(new_path, timeout, lambda: draw(fitted))
    except DiffOffPage as e:
        if page_size is not None:   # asked for: say what does fit
            from ..language.diagnostics import PrepError

            raise PrepError.at(new_path, str(e), name="usage-error",
                               hint=f"--side-by-side fits As-Is and To-Be to {e.page.name} pages, or choose a "
                                    "larger page (--page A3); --page none draws it at its natural size") from None
        # the format's own page (PDF A4, PowerPoint 16:9): the natural size, and say so
        click.echo(f"{new_path}: {e}: drawn at its natural size (--side-by-side fits As-Is and To-Be to pages)",
                   err=True)
        data = _within_budget(new_path, timeout, lambda: draw(None))
    write_output(out_path, data, inputs=inputs)
    if out_path != "-":
        click.echo(f"wrote {out_path}", err=True)


def _render_stages(files, output, fmt, stage, flipbook, later, *, look, dpi, lint, engine, view, limits,
                   embed_fonts=True, page=(None, None)):
    """prep render --stage NAME / --flipbook: the cross-sections of a model's
    stages, drawn on one layout of the whole model (docs/stages.md)."""
    from .. import api
    from ..language.diagnostics import PrepError
    from ..language.views import focus as focus_view
    from ..language.views import group_view, stage_index
    from ..renderer import stages as stage_pictures
    from ..renderer.output import write_folder, write_output

    (theme, direction, legend, transparent), (focus, depth, group_name) = look, view
    overview_above, force, timeout, stable_file = limits
    if stage is not None and flipbook:
        raise click.UsageError("--stage draws one stage, --flipbook every stage: give one of them")
    if stage is None and not flipbook:
        raise click.UsageError("--later goes with --stage NAME or --flipbook")
    if stable_file is not None:
        raise click.UsageError("--stable cannot be used with --stage or --flipbook (they lay the whole model "
                               "out once for all their frames)")
    for src in files:
        model = api.load(src)
        if not model.deliverables:
            raise PrepError.at(src, "the model has no deliverables: there is nothing to draw", name="empty-model",
                               source=model.source)
        model = focus_view(model, focus, depth) if focus is not None else model
        model = group_view(model, group_name) if group_name is not None else model
        if len(model.deliverables) > overview_above and not force:
            raise click.UsageError(f"the model has {len(model.deliverables)} deliverables (more than "
                                   f"--overview-above {overview_above}): draw part of it with --group NAME or "
                                   "--focus NAME, or every deliverable in every frame with --force")
        settings = _render_settings(src, theme, direction, legend, default_legend=True)
        options = dict(later=later or "hidden", lint=lint, direction=settings.direction, legend=settings.legend,
                       theme=_print_theme(settings.theme, transparent), engine=engine, dpi=dpi,
                       direction_given=settings.direction_given)
        page_size, min_text = page
        if stage is not None:
            stage_pictures.stages_of(model)
            stage_index(model, stage)  # an unknown stage: a did-you-mean, before any work
            out_path, out_fmt = _output_for(src, output, fmt) if output is not None else (
                f"{os.path.splitext(src)[0]}.{stage_pictures.slug(stage)}.{fmt or 'svg'}", fmt or "svg")
            if output is None and out_fmt == "layout":
                out_path = out_path[:-len(".layout")] + ".layout.json"
            if out_fmt == "mmd":
                raise click.UsageError("--stage draws on prep's layout of the whole model; Mermaid lays a model "
                                       "out itself: choose svg, png, pdf, pptx, drawio, dot, layout or json")
            options["page"] = _page_for(src, out_fmt, page_size, min_text, settings)
            data = _within_budget(src, timeout, lambda: stage_pictures.render_stage(
                model, stage, out_fmt, embed_fonts=embed_fonts, **options))
            write_output(out_path, data, inputs=(src,))
        else:
            out_path, out_fmt, folder = _flipbook_output(src, output, fmt)
            # the HTML flip-book fits the window (zoom and pan): a page only when asked
            options["page"] = _page_for(src, "svg" if out_fmt == "html" else out_fmt, page_size, min_text,
                                        settings)
            if folder:
                frames = _within_budget(src, timeout, lambda: stage_pictures.stage_frames(
                    model, out_fmt, embed_fonts=embed_fonts, **options))
                write_folder(out_path, frames, owned=stage_pictures.FRAME_FILE, inputs=(src,))
            else:
                data = _within_budget(src, timeout, lambda: stage_pictures.flipbook(
                    model, out_fmt, embed_fonts=embed_fonts, **options))
                write_output(out_path, data, inputs=(src,))
        if out_path != "-":
            click.echo(f"wrote {out_path}" + (f" ({len(model.stages)} frames)" if flipbook else ""), err=True)


def _flipbook_output(src: str, output: str | None, fmt: str | None) -> tuple[str, str, bool]:
    """(path, format, is a folder) of a flip-book: one file (html, pdf, pptx)
    or a folder of one picture per stage (svg, png)."""
    from ..renderer.stages import FLIPBOOK_FORMATS, FRAME_FORMATS

    ext = os.path.splitext(output or "")[1].lower().lstrip(".")
    if output is None:
        fmt, path = fmt or "svg", os.path.splitext(src)[0] + ".flipbook"
        folder = fmt not in FLIPBOOK_FORMATS
        path = path if folder else f"{path}.{fmt}"
    elif output.endswith(("/", os.sep)) or os.path.isdir(output) or (not ext and output != "-"):
        fmt, path, folder = fmt or "svg", output, True
    elif ext in FRAME_FORMATS:
        fmt, path, folder = fmt or ext, os.path.splitext(output)[0] + ".flipbook", True
    else:
        fmt, path, folder = fmt or {"htm": "html"}.get(ext, ext), output, False
    if fmt not in (FRAME_FORMATS if folder else FLIPBOOK_FORMATS):
        raise click.UsageError(f"a flip-book is one file (-o book.html, book.pdf, book.pptx, book.drawio) or a folder of "
                               f"pictures (-o frames/ with svg or png), not {fmt or output}")
    if folder and path == "-":
        raise click.UsageError("a folder of frames cannot go to standard output: give -o frames/")
    return path, fmt, folder


def _render_files(model, fmt: str, out_path: str, options: dict, overview: int | None, previous, stable_file):
    """([(path, bytes)] to write, the overview's clusters or None): one
    picture, or an overview of clusters of at most `overview` deliverables
    and their drill-downs; with --stable, the layout file too (last, so the
    picture is written first)."""
    from .. import api

    if fmt == "html" and stable_file is None:  # the viewer: the whole model on one page, the findings with it
        from ..embed.viewer import render_html

        return [(out_path, render_html(model, overlay=options.pop("findings") is not None, **options))], None
    if overview is not None:
        from ..language.clusters import find_clusters
        from ..renderer.overview import render_overview

        clusters = find_clusters(model, overview)
        return render_overview(model, fmt, out_path, clusters=clusters, **options), clusters
    if stable_file is None and fmt != "layout":  # no layout file: no previous layout either
        return [(out_path, api.render(model, fmt, **options))], None
    from ..layouter import layout as lay_out
    from ..renderer.dot import resolve_theme

    theme = resolve_theme(options["theme"])
    geometry = lay_out(model, direction=options["direction"], font=theme.font, font_size=theme.font_size,
                       engine=options["engine"], legend=options["legend"],
                       health=options["findings"] is not None, previous=previous,
                       view=options.get("view", "diagram"))
    if stable_file is not None:
        geometry = geometry.rounded()  # what the file keeps, so the next render draws the same
    if fmt == "html":
        overlay = options.pop("findings") is not None
        options = dict(options, overlay=overlay)
    files = [(out_path, geometry.to_json() if fmt == "layout" else
              api.render(model, fmt, layout=geometry, **options))]
    return files + ([] if stable_file is None else [(stable_file, geometry.to_json())]), None


def _within_budget(src: str, seconds: float, work, hint: str | None = None):
    """Run `work` in a child process stopped after `seconds` (and by Ctrl-C)."""
    from ..language.diagnostics import PrepError
    from .._process import OverBudget, in_child

    try:
        return in_child(work, timeout=seconds, name="the render")
    except OverBudget:
        raise PrepError.at(
            src, f"the render took longer than {seconds:g} s and was stopped", code="R002", name="render-timeout",
            hint=hint or ("draw part of the model with --focus NAME or --group NAME, lower --overview-above to get "
                          "an overview sooner, use --engine prep (not dot), or allow more time with --timeout SECONDS")
        ) from None


def _read_layout(path: str):
    """The layout saved by an earlier --stable run; None when there is none yet."""
    from ..language.diagnostics import PrepError
    from ..layouter.geometry import read_layout

    if not os.path.exists(path):
        return None
    try:
        return read_layout(path)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise PrepError.at(path, f"cannot read the layout file: {e}", name="bad-layout-file",
                           hint="delete it to start afresh; prep writes it again after the render") from None


def _dpi(dpi: float | None, scale: float | None) -> float | None:
    """--scale multiplies the resolution (Graphviz draws PNG at 96 dpi by default)."""
    return (dpi or 96.0) * scale if scale else dpi


def _print_theme(theme, transparent: bool):
    if not transparent:
        return theme
    from dataclasses import replace

    return replace(theme, background="transparent")
