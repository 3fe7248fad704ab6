"""`prep render`: draw models (a picture, an overview and its groups, a
diff, a stage or a flip-book)."""

from __future__ import annotations

import os
import time

import click

from .common import (DIRECTION, _lint_settings, _render_settings, language_option, note_if_part, refuse_folder,
                     root_of_all, warn_of_errors)
from .render_options import (PICTURE_FORMATS, RENDER_FORMATS, TIMEOUT_SECONDS, _dpi, _output_for, _page_for,
                             _print_theme, _read_layout, _remove_stale_pages, _within_budget, _write_pages)
from .render_overview import _DrillDowns, _given_options, _overview_message, _render_files, _size_message
from .render_versions import _render_diff, _render_stages

# Above this many deliverables `prep render` draws an overview (one box per
# group) and one picture per group instead of everything (--force draws
# everything; --overview-above sets the size). prep's own layout draws
# 2,000 deliverables in 3-5 s (docs/performance.md); one picture of more
# is seldom readable anyway.
OVERVIEW_ABOVE = 2000


def _given(name: str) -> bool:
    """Whether the option `name` was given on the command line (not its default)."""
    from click.core import ParameterSource

    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, allow_dash=False))
@click.option("-o", "--output", metavar="PATH",
              help="Output file; its extension picks the format (.layout.json: the geometry). "
                   "'-' writes to stdout. Default: FILE.svg next to FILE.")
@click.option("-f", "--format", "fmt", type=click.Choice(RENDER_FORMATS, case_sensitive=False),
              help="Output format (overrides the extension of -o, with a note when they differ). 'layout': box positions, routes and "
                   "frames as JSON (docs/layout.md). 'html': one self-contained interactive page "
                   "(docs/viewer.md). 'drawio': shapes and connectors to edit in draw.io (docs/drawio.md).")
@click.option("--direction", type=DIRECTION, default=None,
              help="LR (default): inputs on the left. TB (or TD, as Mermaid's graph TD): inputs on top. "
                   "Default: [render] in prep.toml, else LR.")
@click.option("--legend/--no-legend", default=None, help="Add a key to the notation in a free corner (default: no).")
@click.option("--lint", "with_lint", is_flag=True,
              help="Colour deliverables by their worst lint finding (green, lime, yellow, red).")
@click.option("--theme", type=click.Choice(["default", "print"]), default=None,
              help="'print': black on white, no colour fills. Default: [render] in prep.toml, else 'default'.")
@click.option("--focus", metavar="NAME", help="Draw only NAME and its neighbourhood.")
@click.option("--depth", type=click.IntRange(min=0), default=2, show_default=True,
              help="With --focus: how many relations upstream and downstream.")
@click.option("--group", "group_name", metavar="NAME",
              help="Draw only one group, with its neighbours across its edge drawn faintly.")
@click.option("--part", "part_file", metavar="FILE",
              help="A workspace (a root with include lines): draw only the deliverables FILE holds and "
                   "their neighbours in other files, drawn faintly and labelled with their file.")
@click.option("--by-file", is_flag=True,
              help="A workspace: one group (a frame) per file, each deliverable in its file's group. "
                   "A model that declares groups keeps them (said on stderr). With --part: the part's "
                   "frame, and its neighbours framed by their files.")
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
@click.option("--drill-downs", "drill_downs", default="auto", show_default=True, metavar="auto|all|none|NAME",
              help="With an overview: draw the picture of every group or cluster ('all'), or only the "
                   "overviews ('none': an SVG links to placeholder pages that say the command drawing "
                   "them), or the pictures of one box NAME of an overview (a cluster, or a run of them: all "
                   "its clusters), placeholders for the rest. 'auto': all up to 300 pictures, else none "
                   "(100,000 deliverables make about 700: a minute or more of drawing), and the message says "
                   "how long 'all' would take.")
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
              help="Fit the picture to a page: 16:9, 4:3, A4, A3, A5, B4, B5 (JIS), letter, legal, tabloid "
                   "(landscape; add -portrait), WxH in mm/cm/in/pt, or none. By layout, never by shrinking text: a "
                   "larger model is wrapped into rows and split over pages with off-page markers. Default: 16:9 "
                   "for pptx, A4 for pdf, none for the rest ([render] page in prep.toml).")
@click.option("--min-text", type=click.FloatRange(min=4, max=36), default=None, metavar="PT",
              help="With a page: the smallest text allowed at 100% (default 9 pt on a slide, 7 pt on paper).")
@click.option("--status", "status_data", metavar="DATA", type=click.Path(dir_okay=False),
              help="Colour the measured deliverables from measured values (a CSV or XLSX of measure,value "
                   "and customer, date) in the four health colours, with the values in their boxes "
                   "(docs/measures.md).")
@click.option("--customer", metavar="NAME", help="With --status: the customer to draw (needed when the data has several).")
@language_option
def render(files, output, fmt, direction, legend, with_lint, theme, focus, depth, group_name, dpi, force,
           scale=None, transparent=False, engine="prep", stable_file=None, overview_above=OVERVIEW_ABOVE,
           timeout=TIMEOUT_SECONDS, as_diff=False, side_by_side=False, embed_fonts=True, view="diagram",
           stage_name=None, flipbook=False, later=None, page_size=None, min_text=None, status_data=None,
           customer=None, part_file=None, by_file=False, drill_downs="auto"):
    """Draw models as SVG (default), PNG, PDF, DOT, JSON, the layout as
    JSON, Mermaid, PowerPoint or draw.io.

    Tangible deliverables are solid boxes, knowhow dashed boxes; input
    relations are solid arrows, synchronization dashed lines; groups are
    frames. Above --overview-above deliverables (2,000) the picture is an
    overview with one picture per group next to it (FILE.groups/); a model
    without enough groups is clustered automatically (stages, then
    communities), and the message says how. Above 300 such pictures only
    the overviews are drawn, in seconds, and the message gives the command
    that draws the rest (--drill-downs).
    """
    from .. import api
    from ..language.diagnostics import PrepError
    from ..language.views import focus as focus_view
    from ..renderer.output import write_output

    if side_by_side and not as_diff:
        raise click.UsageError("--side-by-side draws two versions: use it with --diff")
    if focus is None and _given("depth"):   # it was ignored: the whole model drawn, as if it had been
        raise click.UsageError("--depth says how far around --focus NAME to draw: use it with --focus")
    if customer is not None and status_data is None:
        raise click.UsageError("--customer names whom to draw from the data: use it with --status DATA")
    if status_data is not None and (as_diff or stage_name is not None or flipbook or later is not None):
        raise click.UsageError("--status colours one picture of the model (the diagram or --view roadmap): it cannot "
                               "be used with --diff, --stage or --flipbook")
    for src in files:
        refuse_folder(src)
    if as_diff:
        unused = [name for name, given in (("--lint", with_lint), ("--focus", focus), ("--group", group_name),
                                           ("--stable", stable_file), ("--legend/--no-legend", legend is not None),
                                           ("--engine dot", engine != "prep"), ("--force", force),
                                           ("--view roadmap", view != "diagram"),
                                           ("--part", part_file is not None), ("--by-file", by_file),
                                           ("--stage/--flipbook/--later",
                                            stage_name is not None or flipbook or later is not None)) if given]
        if unused:
            raise click.UsageError(f"{', '.join(unused)} cannot be used with --diff (the diff picture always "
                                   "has its legend and uses prep's layout)")
        return _render_diff(files, output, fmt.lower() if fmt else None, direction, theme, transparent,
                            _dpi(dpi, scale), side_by_side, timeout, embed_fonts, page=(page_size, min_text))
    if drill_downs.lower() in ("auto", "all", "none"):
        drill_downs = drill_downs.lower()
    if force and drill_downs != "auto":
        raise click.UsageError(f"--drill-downs {drill_downs} chooses the pictures of an overview; --force draws "
                               "everything in one picture: give one of them")
    if output is not None and len(files) > 1:
        files = [root_of_all(files, "render",
                             "-o/--output takes one input file; omit it to write FILE.svg next to each FILE")]
    if stage_name is not None or flipbook or later is not None:
        if part_file is not None or by_file:
            raise click.UsageError("--part and --by-file draw one picture of a workspace: they cannot be used "
                                   "with --stage, --flipbook or --later")
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
        note_if_part(src, "render", "{root} --part " + src)
        model = api.load(src)
        if out_path != "-":
            from ..renderer.output import check_output_folder

            check_output_folder(out_path)   # before the layout: said as every command that writes -o says it
        warn_of_errors(src, model)
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
        neighbours = None
        framed_by_file = by_file and not model.groups   # (declared groups are kept, and said so)
        if by_file:
            model = _by_file(model)
        if part_file is not None:
            from ..language.diagnostics import PrepError
            from ..language.views import model_file, part

            whole = model
            try:
                named = model_file(model, part_file)
            except PrepError as e:   # an option's value, not a place in the model (it said main.prep:1:1)
                d = e.diagnostics[0]
                raise click.BadParameter(f"{d.message}; {d.hint}", param_hint="'--part'") from None
            # with --by-file each neighbour sits in its file's frame, which names the file
            model, neighbours = part(model, named, label_files=not framed_by_file)
            if not model.deliverables:
                order = {path: i for i, path in enumerate(whole.files)}
                holding = sorted({d.span.path for d in whole.deliverables.values() if d.span is not None},
                                 key=lambda path: (order.get(path, len(order)), path))
                raise PrepError.at(whole.path, f"'{part_file}' holds no deliverables: there is nothing to draw",
                                   name="usage-error", hint="give a file that declares deliverables: "
                                                            + ", ".join(holding[:8]))
        if focus is not None:
            model = focus_view(model, focus, depth)
        if group_name is not None:
            from ..language.views import group_part

            # its neighbours across the group's edge drawn faintly, labelled with their group
            model, across = group_part(model, group_name)
            neighbours = (neighbours or set()) & set(model.deliverables) | across
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
            findings = [d for d in api.lint(model, config=False, **_lint_settings(src)) if d.subject is not None]
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
        if page is not None and big:
            _overview_on_pages(src, model, out_fmt, out_path, page, look, options, overview_above, timeout,
                               _DrillDowns(drill_downs, src, out_path, out_fmt, _given_options(), timeout))
            continue
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
                # each page marks the neighbours it draws
                marks = _part_marks(neighbours, view) if neighbours else None
                pages = _within_budget(src, timeout, lambda: render_pages(model, out_fmt, page, dpi=options["dpi"],
                                                                          health=health, marks=marks, **fitting))
            _write_pages(src, out_path, pages, page, inputs=(src,))
            continue
        if not big and drill_downs not in ("auto", "all", "none"):
            raise click.UsageError(f"--drill-downs {drill_downs}: a name draws one box of an overview, and "
                                   f"{src} ({n} deliverables, --overview-above {overview_above}) is drawn in one "
                                   "picture; give auto, all or none")
        if neighbours and not big and out_fmt in PICTURE_FORMATS + ("dot", "mmd"):
            options["marks"] = _part_marks(neighbours, view)(model)
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
                f"{min(MAX_SIZE, overview_above)} (up to 0.13 s of CPU each): draw the overviews alone with "
                "--drill-downs none (seconds), allow more time with --timeout SECONDS, or draw part of the model "
                "with --focus NAME or --group NAME") if big else None
        wanted = _DrillDowns(drill_downs, src, out_path, out_fmt, _given_options(), timeout)
        started = time.monotonic()
        outputs, clusters = _within_budget(src, timeout, lambda: _render_files(
            model, out_fmt, out_path, options, min(MAX_SIZE, overview_above) if big else None, previous,
            stable_file, wanted), hint=hint)
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
        from ..renderer.pages import PER_PAGE_FORMATS

        if not big and out_fmt in PER_PAGE_FORMATS:
            # x.png now: x-1.png, x-2.png of an earlier run with --page are not this picture
            _remove_stale_pages(out_path, 1)
        if big:
            drawn = wanted.drawn(clusters)
            each = "one picture" if drawn else "a placeholder page" if out_fmt == "svg" else None
            click.echo(_overview_message(n, overview_above, out_path, out_fmt == "pdf", clusters, each), err=True)
            if not drawn:
                click.echo(wanted.message(clusters, time.monotonic() - started), err=True)
        elif n > overview_above and out_path != "-" and out_fmt in PICTURE_FORMATS and len(outputs) == 1:
            click.echo(_size_message(n, overview_above, out_path, out_fmt, outputs[0][1], force), err=True)


def _overview_on_pages(src: str, model, out_fmt: str, out_path: str, page, look, options: dict,
                       overview_above: int, timeout: float, wanted) -> None:
    """A model above --overview-above on pages (pdf, pptx, drawio): its
    overview, then each cluster's picture (those --drill-downs asks for),
    fitted to the page in one document; said on the terminal as a paged
    picture is."""
    from ..language.clusters import MAX_SIZE, find_clusters
    from ..renderer.output import write_output
    from ..renderer.overview import render_overview_pages

    if out_path == "-":
        raise click.UsageError(f"the model has {len(model.deliverables)} deliverables: its overview on pages is "
                               "a document; give -o FILE")
    clusters = find_clusters(model, min(MAX_SIZE, overview_above))
    drawn = wanted.which(model, clusters, out_fmt)
    pages = _within_budget(src, timeout, lambda: render_overview_pages(
        model, out_fmt, page, clusters, legend=look.legend, theme=options["theme"],
        embed_fonts=options.get("embed_fonts", True), drill_downs=drawn))
    write_output(out_path, pages.files[0], inputs=(src,))
    click.echo(f"wrote {out_path}", err=True)
    n = len(model.deliverables)
    each = ("the overview and one picture per cluster" if drawn is True else
            "the overview and the picture of " + ", ".join(sorted(drawn)) if drawn else
            "the overview alone (its pages per cluster not drawn)")
    click.echo(f"{src}: {n} deliverables (more than --overview-above {overview_above}): {each} "
               f"({len(clusters.clusters)} clusters, {clusters.method}) on {pages.count} "
               f"{'slides' if page.kind == 'slide' else 'pages'} of {page.name}; "
               f"{'' if drawn is True else '--drill-downs all draws every picture, '}--force draws everything "
               "as one model", err=True)


def _part_marks(neighbours: set[str], view: str):
    """--part: drawn model -> the marks that draw its neighbours faintly
    (a page draws the neighbours it holds)."""
    from ..renderer.parts import PartMarks

    return lambda drawn: PartMarks.of(drawn, neighbours & set(drawn.deliverables), roadmap=view == "roadmap")


def _by_file(model):
    """--by-file: one group per file; a model that declares groups keeps them."""
    from ..language.views import by_file

    if model.groups:
        click.echo(f"{model.path}: the model declares {len(model.groups)} group(s), drawn as declared; "
                   "--by-file groups only a model without groups", err=True)
        return model
    return by_file(model)


def _status_view(model, data: str, customer: str | None):
    """--status DATA [--customer NAME]: the model to draw (measured
    deliverables labelled with their values) and their colours."""

    from ..language.diagnostics import PrepError, format_diagnostic
    from ..health import load_status, named_customer, status_view

    notes: list = []
    status = load_status(model, data, notes)
    for note in notes:
        click.echo(format_diagnostic(note, None), err=True)
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
