"""The `prep` command line: click commands and nothing else.

Every command calls the library (`prep.api` and friends); heavy modules are
imported inside the commands so `prep --help` and `prep --version` start fast.
Exit codes: 0 success, 1 lint findings, 2 input or usage error, 130 Ctrl-C.
"""

from __future__ import annotations

import os
import sys

import click

from ._version import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130

RENDER_FORMATS = ("svg", "png", "pdf", "dot", "json", "layout", "mmd", "pptx", "html")
PICTURE_FORMATS = ("svg", "png", "pdf", "pptx")

# Above this many deliverables `prep render` draws an overview (one box per
# group) and one picture per group instead of everything (--force draws
# everything; --overview-above sets the size). prep's own layout draws
# 2,000 deliverables in 3-5 s (docs/performance.md); one picture of more
# is seldom readable anyway.
OVERVIEW_ABOVE = 2000
# A render that takes longer than this is stopped, with a message naming
# the options that give a picture sooner (--timeout to change it).
TIMEOUT_SECONDS = 120.0


def report_error(err, command: str = "prep") -> None:
    """Print a PrepError the way compilers do: position, message, caret,
    hint. An optional part of prep that is not installed is about this
    machine, not about a place in the model: `prep render: error: ...`."""
    first = err.diagnostics[0] if err.diagnostics else None
    if first is not None and first.name == "missing-extra":
        click.echo(f"{command}: error: {first.message}" + (f"\n  hint: {first.hint}" if first.hint else ""),
                   err=True)
        return
    click.echo(err.render(), err=True)


class PrepGroup(click.Group):
    """Turns every failure into a message and an exit code: no traceback ever
    reaches a user (set PREP_DEBUG=1 to see one for a bug report)."""

    def invoke(self, ctx):
        from .language.diagnostics import PrepError

        try:
            return super().invoke(ctx)
        except PrepError as e:
            report_error(e, "prep" if ctx.invoked_subcommand is None else f"prep {ctx.invoked_subcommand}")
            ctx.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("prep: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            # the reader went away (`prep lint | head`): not an error; leave
            # at once rather than flush into the closed pipe again
            os._exit(EXIT_OK)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except MemoryError:
            click.echo("prep: error: out of memory", err=True)
            ctx.exit(EXIT_ERROR)
        except Exception as e:  # noqa: BLE001
            if os.environ.get("PREP_DEBUG"):
                raise
            click.echo(f"prep: internal error: {type(e).__name__}: {e}\n"
                       "  hint: this is a bug in prep; run again with PREP_DEBUG=1 and report the traceback",
                       err=True)
            ctx.exit(EXIT_ERROR)


@click.group(cls=PrepGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="prep", message="%(prog)s %(version)s")
def cli() -> None:
    """prep: PReP process models as text. Lint them, draw them.

    \b
      prep render model.prep           draw model.svg next to the model
      prep render model.prep -o a.png  PNG (also .pdf .dot .json .mmd .pptx)
      prep report model.prep           a one-page HTML report with findings
      prep lint                        check every *.prep below here
      prep serve model.prep            live preview in the browser
    """


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


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, allow_dash=False))
@click.option("-o", "--output", metavar="PATH",
              help="Output file; its extension picks the format (.layout.json: the geometry). "
                   "'-' writes to stdout. Default: FILE.svg next to FILE.")
@click.option("-f", "--format", "fmt", type=click.Choice(RENDER_FORMATS, case_sensitive=False),
              help="Output format (overrides the extension of -o). 'layout': box positions, routes and "
                   "frames as JSON (docs/layout.md). 'html': one self-contained interactive page "
                   "(docs/viewer.md).")
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
                                "picture per group, linked from it.")
@click.option("--force", is_flag=True, help="Lay out everything, however large (no overview).")
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
                   "stage), or a folder of pictures (-o frames/, -o x.svg or x.png: x.flipbook/01-NAME.svg). "
                   "Default: FILE.flipbook/ of SVGs.")
@click.option("--later", type=click.Choice(["hidden", "faint"]), default=None,
              help="With --stage/--flipbook: deliverables of later stages hidden (default) or drawn faintly.")
def render(files, output, fmt, direction, legend, with_lint, theme, focus, depth, group_name, dpi, force,
           scale=None, transparent=False, engine="prep", stable_file=None, overview_above=OVERVIEW_ABOVE,
           timeout=TIMEOUT_SECONDS, as_diff=False, side_by_side=False, embed_fonts=True, view="diagram",
           stage_name=None, flipbook=False, later=None):
    """Draw models as SVG (default), PNG, PDF, DOT, JSON, the layout as
    JSON, Mermaid or PowerPoint.

    Tangible deliverables are solid boxes, knowhow dashed boxes; input
    relations are solid arrows, synchronization dashed lines; groups are
    frames. Above --overview-above deliverables (2,000) the picture is an
    overview with one picture per group next to it (FILE.groups/).
    """
    from . import api
    from .language.diagnostics import PrepError
    from .language.views import focus as focus_view
    from .language.views import group_view
    from .renderer.output import write_output

    if side_by_side and not as_diff:
        raise click.UsageError("--side-by-side draws two versions: use it with --diff")
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
                            _dpi(dpi, scale), side_by_side, timeout, embed_fonts)
    if output is not None and len(files) > 1:
        raise click.UsageError("-o/--output takes one input file; omit it to write FILE.svg next to each FILE")
    if stage_name is not None or flipbook or later is not None:
        if view != "diagram":
            raise click.UsageError("--view roadmap draws every stage in one picture (as columns); --stage and "
                                   "--flipbook draw the diagram as it stands at each stage: give one of them")
        return _render_stages(files, output, fmt.lower() if fmt else None, stage_name, flipbook, later,
                              look=(theme, direction, legend, transparent), dpi=_dpi(dpi, scale), lint=with_lint,
                              embed_fonts=embed_fonts,
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
        if focus is not None:
            model = focus_view(model, focus, depth)
        if group_name is not None:
            model = group_view(model, group_name)
        if view == "roadmap":
            from .layouter import check_roadmap

            if out_fmt == "mmd":
                raise click.UsageError("--view roadmap is drawn by prep's layout: svg, png, pdf, pptx, dot or layout")
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
        if big and out_path == "-":
            raise click.UsageError(f"the model has {n} deliverables: its overview is several files; "
                                   "give -o FILE (or --force for one picture)")
        if big and (not model.groups or view == "roadmap"):
            big = False  # nothing to summarise by (a roadmap is its stages): the whole model it is
        if out_fmt == "html":
            options["lint_options"] = _lint_settings(src)
        outputs = _within_budget(src, timeout, lambda: _render_files(
            model, out_fmt, out_path, options, big, previous, stable_file))
        if big and len(outputs) > 1:
            from .renderer.overview import prepare_folder

            prepare_folder(out_path, [path for path, _ in outputs[1:]])
        for path, data in outputs:
            write_output(path, data, inputs=(src,))
            if path != "-":
                click.echo(f"wrote {path}", err=True)
        if big:
            where = ("then one page per group" if len(outputs) == 1 else
                     f"with one picture per group in {os.path.splitext(out_path)[0]}.groups/")
            click.echo(f"the model has {n} deliverables (more than --overview-above {overview_above}): "
                       f"{out_path} is an overview, one box per group, {where}; "
                       "--force draws everything in one picture", err=True)


def _render_diff(files, output, fmt, direction, theme, transparent, dpi, side_by_side, timeout, embed_fonts=True):
    """prep render --diff: one picture of the change between two versions."""
    from .language.diff import diff_models
    from .renderer.diff import render_diff
    from .renderer.output import write_output

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
    data = _within_budget(new_path, timeout, lambda: render_diff(
        diff_models(old, new), out_fmt, side_by_side=side_by_side, old_label=old_label, new_label=new_label,
        direction=look.direction, theme=_print_theme(look.theme, transparent), dpi=dpi, embed_fonts=embed_fonts))
    write_output(out_path, data, inputs=tuple(p for p in (old_path, new_path) if os.path.exists(p)))
    if out_path != "-":
        click.echo(f"wrote {out_path}", err=True)


def _render_stages(files, output, fmt, stage, flipbook, later, *, look, dpi, lint, engine, view, limits,
                   embed_fonts=True):
    """prep render --stage NAME / --flipbook: the cross-sections of a model's
    stages, drawn on one layout of the whole model (docs/stages.md)."""
    from . import api
    from .language.diagnostics import PrepError
    from .language.views import focus as focus_view
    from .language.views import group_view, stage_index
    from .renderer import stages as stage_pictures
    from .renderer.output import write_folder, write_output

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
                       theme=_print_theme(settings.theme, transparent), engine=engine, dpi=dpi)
        if stage is not None:
            stage_pictures.stages_of(model)
            stage_index(model, stage)  # an unknown stage: a did-you-mean, before any work
            out_path, out_fmt = _output_for(src, output, fmt) if output is not None else (
                f"{os.path.splitext(src)[0]}.{stage_pictures.slug(stage)}.{fmt or 'svg'}", fmt or "svg")
            if output is None and out_fmt == "layout":
                out_path = out_path[:-len(".layout")] + ".layout.json"
            if out_fmt == "mmd":
                raise click.UsageError("--stage draws on prep's layout of the whole model; Mermaid lays a model "
                                       "out itself: choose svg, png, pdf, pptx, dot, layout or json")
            data = _within_budget(src, timeout, lambda: stage_pictures.render_stage(
                model, stage, out_fmt, embed_fonts=embed_fonts, **options))
            write_output(out_path, data, inputs=(src,))
        else:
            out_path, out_fmt, folder = _flipbook_output(src, output, fmt)
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
    from .renderer.stages import FLIPBOOK_FORMATS, FRAME_FORMATS

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
        raise click.UsageError(f"a flip-book is one file (-o book.html, book.pdf, book.pptx) or a folder of "
                               f"pictures (-o frames/ with svg or png), not {fmt or output}")
    if folder and path == "-":
        raise click.UsageError("a folder of frames cannot go to standard output: give -o frames/")
    return path, fmt, folder


def _render_files(model, fmt: str, out_path: str, options: dict, overview: bool, previous, stable_file):
    """[(path, bytes)] to write: one picture, or an overview and its drill-downs;
    with --stable, the layout file too (last, so the picture is written first)."""
    from . import api

    if fmt == "html" and stable_file is None:  # the viewer: the whole model on one page, the findings with it
        from .embed.viewer import render_html

        return [(out_path, render_html(model, overlay=options.pop("findings") is not None, **options))]
    if overview:
        from .renderer.overview import render_overview

        return render_overview(model, fmt, out_path, **options)
    if stable_file is None and fmt != "layout":  # no layout file: no previous layout either
        return [(out_path, api.render(model, fmt, **options))]
    from .layouter import layout as lay_out
    from .renderer.dot import resolve_theme

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
    return files + ([] if stable_file is None else [(stable_file, geometry.to_json())])


def _within_budget(src: str, seconds: float, work):
    """Run `work` in a child process stopped after `seconds` (and by Ctrl-C)."""
    from .language.diagnostics import PrepError
    from ._process import OverBudget, in_child

    try:
        return in_child(work, timeout=seconds, name="the render")
    except OverBudget:
        raise PrepError.at(
            src, f"the render took longer than {seconds:g} s and was stopped", code="R002", name="render-timeout",
            hint="draw part of the model with --focus NAME or --group NAME, lower --overview-above to get "
                 "an overview sooner, use --engine prep (not dot), or allow more time with --timeout SECONDS"
        ) from None


def _read_layout(path: str):
    """The layout saved by an earlier --stable run; None when there is none yet."""
    from .language.diagnostics import PrepError
    from .layouter.geometry import read_layout

    if not os.path.exists(path):
        return None
    try:
        return read_layout(path)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise PrepError.at(path, f"cannot read the layout file: {e}", name="bad-layout-file",
                           hint="delete it to start afresh; prep writes it again after the render") from None


@cli.command("diff", context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1, required=True)
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "markdown", "github"]), default="text",
              show_default=True, help="markdown fits a pull-request comment or $GITHUB_STEP_SUMMARY; github "
                                      "writes annotations for the findings the change introduced.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when there is a semantic change (as git diff --exit-code).")
@click.option("--fail-on-new", type=click.Choice(["error", "warning", "info"]),
              help="Exit 1 when the change introduces a finding of this severity or worse.")
@click.option("--color/--no-color", "colour", default=None, help="Colour the text output (default: on a terminal).")
def diff(args, fmt, exit_code, fail_on_new, colour):
    """What changed in the process between two versions of a model:
    deliverables and relations added, removed, renamed or changed, the
    findings the change introduced and resolved, and the fragility ranking
    before and after. Reformatting and reordering are no change.

    \b
      prep diff old.prep new.prep            two files
      prep diff main model.prep              model.prep at main against the file on disk
      prep diff main..HEAD -- model.prep     two revisions (also: main HEAD -- a.prep b.prep)
    """
    from .linter.review import format_github, format_json, format_markdown, format_text, review_loading
    from .linter.run import repo_root

    pairs = _diff_pairs(args)
    status = EXIT_OK
    outputs = []
    for (old_rev, old_path), (new_rev, new_path) in pairs:
        _check_some_side(old_rev, old_path, new_rev, new_path)
        result = _without_gc(lambda: review_loading(lambda: _model_at(old_rev, old_path),
                                                    lambda: _model_at(new_rev, new_path), **_lint_settings(new_path)))
        if fmt == "json":
            outputs.append(format_json(result))
        elif fmt == "markdown":
            outputs.append(format_markdown(result))
        elif fmt == "github":
            outputs.append(format_github(result, root=repo_root(os.path.dirname(os.path.abspath(new_path))),
                                         path=new_path))
        else:
            if colour is None:  # a terminal, unless NO_COLOR asks otherwise (no-color.org)
                colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
            outputs.append(format_text(result, colour=colour))
        if exit_code and not result.changes.empty:
            status = EXIT_FINDINGS
        if fail_on_new and result.fails_on_new(fail_on_new):
            status = EXIT_FINDINGS
    if fmt == "json" and len(outputs) > 1:
        import json

        click.echo(json.dumps([json.loads(o) for o in outputs], ensure_ascii=False, indent=2))
    else:
        click.echo(("\n" if fmt == "markdown" else "").join(outputs), nl=False, color=colour if fmt == "text" else None)
    sys.exit(status)


def _without_gc(work):
    """`work()` with the cyclic garbage collector off. `prep diff` reads two
    big models that live until the end: each collection rescans all they
    hold (0.1 s of CPU per side at 10,000 deliverables) and finds nothing
    to free. Afterwards what exists is frozen (never rescanned again) and
    collection resumes."""
    import gc

    if not gc.isenabled():
        return work()
    gc.disable()
    try:
        return work()
    finally:
        gc.freeze()
        gc.enable()


def _diff_pairs(args: tuple[str, ...]):
    """[((old revision, path), (new revision, path))] from the forms of
    `prep diff` (a revision None is the file on disk). Leading arguments
    that are not files (and do not end in .prep) are revisions, as in git;
    `--` may separate them from the files (click removes it)."""
    args = [a for a in args if a != "--"]
    revs = []
    while args and not os.path.exists(args[0]) and not args[0].lower().endswith(".prep"):
        revs.append(args.pop(0))
    paths = args
    if not revs:
        if len(paths) != 2:
            raise click.UsageError("give two files (prep diff old.prep new.prep), a revision and files "
                                   "(prep diff main model.prep), or a range (prep diff main..HEAD -- model.prep)")
        return [((None, paths[0]), (None, paths[1]))]
    if not paths:
        raise click.UsageError(f"give the model file(s) after the revision: prep diff {' '.join(revs)} -- model.prep")
    if len(revs) == 1 and ".." in revs[0]:
        a, _, b = revs[0].partition("..")
        old_rev, new_rev = a or "HEAD", b or "HEAD"
    elif len(revs) == 1:
        old_rev, new_rev = revs[0], None
    elif len(revs) == 2:
        old_rev, new_rev = revs
    else:
        raise click.UsageError("give one revision (against the files on disk), a range OLD..NEW, or two revisions")
    return [((old_rev, p), (new_rev, p)) for p in paths]


def _check_some_side(old_rev, old_path: str, new_rev, new_path: str) -> None:
    """A model may be missing on one side (added or deleted between two
    revisions), not on both: that is a typo, or an option after `--`."""
    from .language.diagnostics import PrepError
    from .language.revisions import exists_at

    if old_rev is None and new_rev is None:
        return  # two files: loading says which one is missing
    if not exists_at(old_rev, old_path) and not exists_at(new_rev, new_path):
        where = " or ".join(r or "the work tree" for r in (old_rev, new_rev))
        raise PrepError.at(new_path, f"no model '{new_path}' at {where}", name="usage-error",
                           hint="check the file name; options go before the revisions and --: "
                                "prep diff --format markdown main..HEAD -- model.prep")


def _model_at(rev, path: str):
    """(model, label) of `path` at `rev` (None: on disk)."""
    from .language import load
    from .language.revisions import load_at

    if rev is None:
        return load(path), path
    model = load_at(rev, path)
    return model, model.path


def _lint_settings(path: str) -> dict:
    """The lint settings of the new file's configuration (prep.toml / pyproject.toml)."""
    from .linter.config import ConfigFinder

    settings = ConfigFinder(default_root=os.getcwd()).for_file(path)
    return {"select": settings.select, "ignore": settings.ignores_for(path),
            "options": dict(settings.options), "severity": dict(settings.severity)}


@cli.command("md")
@click.argument("source", type=click.Path(dir_okay=False, allow_dash=False))
@click.option("-o", "--output", metavar="PATH",
              help="Markdown file to write ('-' for stdout). Default: rewrite SOURCE in place.")
@click.option("--keep-source/--no-keep-source", default=None,
              help="Keep each model's text under its picture in a collapsed <details> "
                   "(default: on when rewriting in place, off with -o).")
def md(source, output, keep_source):
    """Draw every ```prep block of a Markdown file as an SVG next to the
    output and link it in place of the block. Running it twice changes nothing.

    \b
      prep md README.template.md -o README.md
      prep md notes.md                 rewrite in place, sources kept
    """
    from .embed.markdown_fences import write_markdown

    for path in write_markdown(source, output, keep_source=keep_source):
        click.echo(f"wrote {path}", err=True)


@cli.command("report")
@click.argument("source", type=click.Path(dir_okay=False, allow_dash=False))
@click.option("-o", "--output", metavar="PATH",
              help="report.html (self-contained) or report.md (with the diagram as an SVG next to it). "
                   "Default: SOURCE.report.html next to SOURCE.")
@click.option("--theme", type=click.Choice(["default", "print"]), default=None,
              help="Default: [render] in prep.toml, else 'default'.")
@click.option("--direction", type=click.Choice(["LR", "TB"], case_sensitive=False), default=None,
              help="Default: [render] in prep.toml, else LR.")
def report(source, output, theme, direction):
    """Write a one-file report of a model: diagram with findings, findings
    table, hotspot ranking and a catalogue of deliverables.

    \b
      prep report model.prep -o report.html
      prep report model.prep -o report.md
    """
    from . import api
    from .renderer.output import write_output
    from .embed.report import build_report

    if output is None:
        output = os.path.splitext(source)[0] + ".report.html"
    ext = os.path.splitext(output)[1].lower().lstrip(".")
    fmt = {"html": "html", "htm": "html", "md": "md", "markdown": "md"}.get(ext)
    if fmt is None:
        raise click.UsageError(f"cannot tell the report format from '{output}'; use .html or .md")
    if fmt == "md" and output == "-":
        raise click.UsageError("a Markdown report links its diagram file; give -o PATH.md, not '-'")
    model = api.load(source)
    image_name = os.path.splitext(os.path.basename(output))[0] + ".svg"
    look = _render_settings(source, theme, direction, None)
    images: dict[str, bytes] = {}
    data, svg = build_report(model, fmt, image_name=image_name, theme=look.theme, direction=look.direction,
                             images=images)
    if fmt == "md":
        for name, picture in [(image_name, svg)] + list(images.items()):
            image = os.path.join(os.path.dirname(output), name)
            write_output(image, picture, inputs=(source,))
            click.echo(f"wrote {image}", err=True)
    write_output(output, data, inputs=(source,))
    if output != "-":
        click.echo(f"wrote {output}", err=True)


@cli.command("serve")
@click.argument("source", type=click.Path(dir_okay=False, allow_dash=False))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but a loopback address lets other computers see the model.")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=None, metavar="N",
              help="Port to listen on (0: any free port). Default: 8484, or a free port when that one is taken.")
@click.option("--open/--no-open", "open_browser", default=True, show_default=True,
              help="Open the page in the default browser.")
@click.option("--engine", type=click.Choice(["prep", "dot"]), default="prep", show_default=True,
              help="Who places the boxes (as prep render --engine).")
@click.option("--theme", type=click.Choice(["default", "print"]), default=None,
              help="Default: [render] in prep.toml, else 'default'.")
@click.option("--direction", type=click.Choice(["LR", "TB"], case_sensitive=False), default=None,
              help="Default: [render] in prep.toml, else LR.")
@click.option("--legend/--no-legend", default=None, help="Add a key to the notation (default: [render], else no).")
def serve(source, host, port, open_browser, engine, theme, direction, legend):
    """Preview a model in the browser while you edit it: the page
    (as render --format html) updates on every save of SOURCE or its
    prep.toml / pyproject.toml, keeping zoom and selection; a syntax error
    is shown over the last good picture. Ctrl-C stops.

    \b
      prep serve model.prep
      prep serve model.prep --no-open --port 9000

    Needs the serve extra: pip install 'prep[serve]'.
    """
    try:
        import watchfiles  # noqa: F401
    except ImportError:
        click.echo("prep serve: error: watchfiles is not installed\n"
                   "  hint: pip install 'prep[serve]' (prep serve watches the model with it)", err=True)
        sys.exit(EXIT_ERROR)
    from .serve.server import Preview, ServeError, is_loopback, make_server, run

    if not os.path.isfile(source):
        from .language.diagnostics import PrepError

        raise PrepError.at(source, "no such model file" if not os.path.exists(source) else "not a file",
                           name="unreadable-file", hint="give the path of a .prep file: prep serve model.prep")

    def look():
        found = _render_settings(source, theme, direction, legend)
        return found.theme, found.direction, found.legend

    preview = Preview(source, look=look, lint_options=lambda: _lint_settings(source), engine=engine)
    problem = preview.rebuild()
    if problem is not None:
        click.echo(problem, err=True)
    try:
        server = make_server(preview, host, port)
    except ServeError as e:
        preview.close()
        click.echo(f"prep serve: error: {e}" + (f"\n  hint: {e.hint}" if e.hint else ""), err=True)
        sys.exit(EXIT_ERROR)
    if not is_loopback(host):
        click.echo(f"prep serve: warning: listening on {host}: other computers that can reach this one can "
                   "see the model; use --host 127.0.0.1 to keep it on this computer", err=True)
    if port is None and server.port != 8484:
        click.echo(f"prep serve: port 8484 is in use; using {server.port}", err=True)
    run(preview, server, open_browser=open_browser, echo=lambda text: click.echo(text, err=True))


LINT_FORMATS = ("text", "json", "sarif", "github")


def _lint_usage(ctx: click.Context, message: str) -> None:
    click.echo(f"prep lint: error: {message}", err=True)
    ctx.exit(EXIT_ERROR)


def _split_hotspots_arg(hotspots: str | None, paths: tuple[str, ...]) -> tuple[int | None, tuple[str, ...]]:
    """`--hotspots [N]`: click takes the next word as N, so `--hotspots
    models/` gives the folder here; put it back among the paths."""
    if hotspots is None:
        return None, paths
    if hotspots.isdigit() and int(hotspots) > 0:
        return int(hotspots), paths
    if os.path.exists(hotspots) or not hotspots.lstrip("-").isdigit():
        return 10, (hotspots, *paths)
    raise click.BadParameter(f"{hotspots!r} is not a positive whole number", param_hint="--hotspots")


@cli.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=False))
@click.option("--format", "output_format", type=click.Choice(LINT_FORMATS, case_sensitive=False), default="text",
              show_default=True, help="text for people, json for scripts, sarif for code scanning, "
                                      "github for pull-request annotations.")
@click.option("-o", "--output", metavar="PATH", help="Write the report to PATH instead of standard output.")
@click.option("--fail-on", type=click.Choice(["info", "warning", "error", "never"], case_sensitive=False),
              help="Exit 1 when a finding is at or above this level (default: warning, or fail-on in the configuration).")
@click.option("--select", multiple=True, metavar="CODES",
              help="Only these rules: codes, prefixes (K, S30), names or ALL; comma-separated or repeated. "
                   "Replaces select of the configuration.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Also leave out these rules.")
@click.option("--option", "rule_options", multiple=True, metavar="RULE.OPTION=N",
              help="Set a rule option, e.g. knowhow-bottleneck.min-consumers=4.")
@click.option("--severity", "severities", multiple=True, metavar="CODES=LEVEL",
              help="Change the severity of rules, e.g. K201=error or I=info.")
@click.option("--statistics", is_flag=True, help="Print how many findings each rule has, not the findings.")
@click.option("--hotspots", metavar="[N]", is_flag=False, flag_value="10", default=None,
              help="Rank the N (default 10) most fragile deliverables of each model instead of listing "
                   "findings (formula in docs/rules/index.md).")
@click.option("--no-cache", is_flag=True,
              help="Lint every file again instead of reusing results for unchanged files from .prep_cache/.")
@click.option("--new-only", is_flag=True,
              help="With --base: report only findings the file at that revision does not have "
                   "(adopting prep on an existing model).")
@click.option("--base", "base_rev", metavar="REV", help="The git revision --new-only compares with (e.g. origin/main).")
@click.pass_context
def lint(ctx, paths, output_format, output, fail_on, select, ignore, rule_options, severities, statistics, hotspots,
         no_cache, new_only=False, base_rev=None):
    """Check models: missing inputs, personal knowhow, coordination.

    PATHS are .prep files or folders (every *.prep below, hidden folders
    skipped); none means the current folder. Configuration comes from the
    nearest prep.toml ([lint]) or pyproject.toml ([tool.prep.lint]); see
    docs/configuration.md. Silence a finding with `# prep: ignore[CODE]`
    at the end of its line.

    Exit status: 0 no findings at or above --fail-on, 1 findings, 2 a file
    that cannot be read, a syntax error, or a usage error.
    """
    from .linter import formats
    from .linter.run import Overrides, exit_status, lint_paths, repo_root
    from .linter.settings import (LintConfigError, as_list, enabled_codes, parse_option_assignment,
                                  parse_severity_assignment, resolve_options, resolve_severity)

    top, paths = _split_hotspots_arg(hotspots, paths)
    output_format = output_format.lower()
    try:
        overrides = Overrides(fail_on=fail_on.lower() if fail_on else None)
        if select:
            overrides.select = [s for v in select for s in as_list(v, "--select")]
        overrides.ignore = [s for v in ignore for s in as_list(v, "--ignore")]
        enabled_codes(overrides.select, overrides.ignore)
        for text in rule_options:
            rule, option, value = parse_option_assignment(text)
            overrides.options.setdefault(rule, {})[option] = value
        resolve_options(overrides.options)
        for text in severities:
            key, level = parse_severity_assignment(text)
            overrides.severity[key] = level
        resolve_severity(overrides.severity)
        # the hotspot ranking needs the models themselves, which the cache does not keep
        cache = None
        if not no_cache and top is None:
            from .linter.cache import LintCache

            cache = LintCache.open()
        if new_only != (base_rev is not None):
            raise click.UsageError("--new-only and --base go together: prep lint --new-only --base origin/main")
        if new_only:
            cache = None  # the models themselves are needed
        reports = lint_paths(list(paths) or ["."], overrides, cache)
        if new_only:
            from .linter.run import only_new

            reports = [only_new(r, base_rev, overrides) for r in reports]
    except LintConfigError as e:
        _lint_usage(ctx, str(e))
        return
    if not reports:
        click.echo(f"prep lint: no .prep files found under {', '.join(paths) or 'the current folder'}", err=True)
    diagnostics = [d for r in reports for d in r.findings]
    sources = {r.path: r.source for r in reports}
    root = repo_root()

    if top is not None:
        from .linter.hotspots import format_hotspots_json, format_hotspots_text, rank

        ranked = []
        for r in reports:
            if r.model is not None:
                min_owners = resolve_options(r.options)["K201"]["min-owners"]
                ranked.append((r, rank(r.model, min_owners=min_owners, top=top)))
        if output_format == "json":
            text = format_hotspots_json([h for _, hs in ranked for h in hs])
        else:
            text = "\n".join(format_hotspots_text(r.path, hs, len(r.model.deliverables)) for r, hs in ranked)
        fatal = [d for r in reports if r.fatal for d in r.findings]
        if fatal:
            click.echo(formats.format_text(fatal, sources, files=len(reports)), err=True, nl=False)
        _lint_write(output, text)
        ctx.exit(EXIT_ERROR if fatal else EXIT_OK)

    if statistics:
        text = formats.format_statistics(diagnostics, files=len(reports),
                                         fmt="json" if output_format == "json" else "text")
    elif output_format == "json":
        text = formats.format_json(diagnostics)
    elif output_format == "sarif":
        text = formats.format_sarif(diagnostics, root=root)
    elif output_format == "github":
        text = formats.format_github(diagnostics, root=root)
    else:
        text = formats.format_text(diagnostics, sources, files=len(reports))
    _lint_write(output, text)
    ctx.exit(exit_status(reports))


@cli.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--check", is_flag=True, help="Change nothing; list the files that would change and exit 1 if any.")
@click.option("--diff", "as_diff", is_flag=True,
              help="Change nothing; print what would change as a unified diff and exit 1 if anything would.")
def fmt(paths, check, as_diff):
    """Lay models out in the one canonical way (docs/fmt.md).

    PATHS are .prep files or folders (every *.prep below, hidden folders
    skipped); none means the current folder; '-' reads standard input and
    writes the result to standard output. Files are rewritten in place
    (atomically) only when their layout changes. The meaning never changes:
    the same deliverables, relations, attributes, groups and comments.

    Exit status: 0 done (or nothing to change), 1 with --check/--diff when
    a file would change, 2 a file that cannot be read or has a syntax error
    (that file is left untouched; the others are still formatted).
    """
    import difflib

    from .language.diagnostics import PrepError
    from .language.fmt import format_text
    from .language.source import decode_source, read_source
    from .linter.run import find_models

    targets = list(paths) or ["."]
    files = [p for p in find_models([p for p in targets if p != "-"])]
    if "-" in targets:
        files.insert(targets.index("-"), "-")
    if not files:
        click.echo(f"prep fmt: no .prep files found under {', '.join(paths) or 'the current folder'}", err=True)
    failed = changed = 0
    for path in files:
        try:
            if path == "-":
                before = decode_source(sys.stdin.buffer.read(), "<stdin>")
                after = format_text(before, "<stdin>", verify=not (check or as_diff))
            else:
                before = read_source(path)
                # what is written is verified (parsed again, same model); a check writes nothing
                after = format_text(before, path, verify=not (check or as_diff))
        except PrepError as e:
            report_error(e)
            failed += 1
            continue
        if path != "-":
            with open(path, "rb") as f:
                original = f.read()
            same = original == after.encode("utf-8")
        else:
            same = before == after
        if as_diff:
            if not same:
                changed += 1
                name = "<stdin>" if path == "-" else path
                if before == after:
                    click.echo(f"--- {name}: only the line endings or byte-order mark would change")
                click.echo("".join(difflib.unified_diff(
                    before.splitlines(keepends=True), after.splitlines(keepends=True),
                    f"{name}\t(original)", f"{name}\t(formatted)")), nl=False)
        elif check:
            if not same:
                changed += 1
                click.echo(f"would reformat {'<stdin>' if path == '-' else path}")
        elif path == "-":
            click.echo(after, nl=False)
        elif not same:
            from .renderer.output import write_output

            write_output(path, after.encode("utf-8"))
            changed += 1
            click.echo(f"reformatted {path}", err=True)
    if check or as_diff:
        if changed or len(files) > 1:
            click.echo(f"{changed} file{'s' if changed != 1 else ''} would be reformatted, "
                       f"{len(files) - changed - failed} already formatted", err=True)
    if failed:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if (check or as_diff) and changed else EXIT_OK)


@cli.command("lsp")
@click.option("--stdio", is_flag=True, help="Talk over standard input/output (the default and only transport; "
                                            "accepted because editors pass it).")
def lsp(stdio):
    """Run the language server (docs/lsp.md): diagnostics, hover,
    definitions, references, rename, completion, formatting and quick
    fixes for .prep files in any editor that speaks the Language Server
    Protocol. Talks over standard input/output. Needs the `lsp` extra:
    pip install 'prep[lsp]'.
    """
    try:
        from .lsp.server import serve
    except ImportError as e:  # pygls / lsprotocol missing
        click.echo(f"prep lsp: error: the language server needs pygls ({e.name or e} is not installed)\n"
                   "  hint: pip install 'prep[lsp]'", err=True)
        sys.exit(EXIT_ERROR)
    serve()


def _lint_write(output: str | None, text: str) -> None:
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    from .renderer.output import write_output

    write_output(output, text.encode("utf-8"))
    click.echo(f"wrote {output}", err=True)


def _dpi(dpi: float | None, scale: float | None) -> float | None:
    """--scale multiplies the resolution (Graphviz draws PNG at 96 dpi by default)."""
    return (dpi or 96.0) * scale if scale else dpi


def _print_theme(theme, transparent: bool):
    if not transparent:
        return theme
    from dataclasses import replace

    return replace(theme, background="transparent")


def _render_settings(src: str, theme: str | None, direction: str | None, legend: bool | None,
                     default_legend: bool = False):
    """Theme, direction and legend for one model: the command line wins over
    [render] in the model's prep.toml / pyproject.toml, which wins over the
    built-in defaults (`default_legend`: stage pictures have a key unless asked not to)."""
    from .language.diagnostics import PrepError
    from .linter.settings import LintConfigError
    from .renderer.dot import THEMES
    from .renderer.theme import RenderConfigError, RenderSettings, settings_for

    try:
        found = settings_for(src)
    except (RenderConfigError, LintConfigError) as e:
        path, _, message = str(e).partition(": ")
        raise PrepError.at(path, message or str(e), name="config-error",
                           hint="see docs/embedding.md#themes for the [render] settings") from None
    return RenderSettings(
        source=found.source,
        theme=THEMES[theme] if theme is not None else found.theme,
        direction=(direction or found.direction or "LR").upper(),
        legend=legend if legend is not None else found.legend if found.legend is not None else default_legend)


def main() -> None:
    # One short run over one big model that is alive until the end: let the
    # cyclic GC run 140 times less often (as mypy does), instead of rescanning
    # millions of live objects; at 100,000 deliverables that was a third of
    # 'prep lint' (docs/performance.md).
    import gc

    gc.set_threshold(100_000, 50, 1000)
    _plain_warnings()
    try:
        try:
            cli(prog_name="prep")
        except KeyboardInterrupt:
            click.echo("prep: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
    except SystemExit as e:
        _exit_now(e.code)


def _plain_warnings() -> None:
    """prep's own warnings (an SVG written without its font) as one plain
    line, not Python's file:line and source."""
    import warnings

    show = warnings.showwarning

    def showwarning(message, category, filename, lineno, file=None, line=None):
        if category.__module__.startswith("prep."):
            click.echo(f"prep: warning: {message}", err=True)
        else:
            show(message, category, filename, lineno, file, line)

    warnings.showwarning = showwarning


def _exit_now(code) -> None:
    """Exit with `code` (as sys.exit takes it) without tearing the heap down:
    the final garbage collection and freeing a big model object by object
    took 0.25 s of CPU after `prep lint` on 10,000 deliverables, and nothing
    is left to do then but flush the output (mypy exits the same way)."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    main()
