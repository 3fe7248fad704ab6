"""`prep render --diff`, `--stage` and `--flipbook`: the pictures of a
model's versions (the change between two, and the model at each stage).
Called by `prep render` (render.py), whose checks of the options come
first."""

from __future__ import annotations

import os

import click

from .common import _check_some_side, _diff_pairs, _model_at, _render_settings, warn_of_errors
from .render_options import _output_for, _page_for, _print_theme, _within_budget, _write_pages


def _render_diff(files, output, fmt, direction, theme, transparent, dpi, side_by_side, timeout, embed_fonts=True,
                 page=(None, None)):
    """prep render --diff: one picture of the change between two versions."""
    from ..language.diff import diff_models
    from ..renderer.diff import render_diff
    from ..renderer.output import write_output

    pairs = _diff_pairs(files)
    if len(pairs) != 1:
        options = [f for f in files if f.startswith("-") and f != "--"]
        raise click.UsageError("--diff draws one model's change: give one file after --" + (
            f"; '{options[0]}' after -- is taken as a file: put the options before --" if options else ""))
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
    if fitted is not None:
        # on pages: the one picture, or As-Is / To-Be, on one page when it fits, else cut over pages
        from ..renderer.diff import render_as_is_to_be_pages, render_diff_pages

        paged = render_as_is_to_be_pages if side_by_side else render_diff_pages
        pages = _within_budget(new_path, timeout, lambda: paged(
            diff_models(old, new), out_fmt, fitted, direction=look.direction if look.direction_given else None,
            theme=_print_theme(look.theme, transparent), dpi=dpi, embed_fonts=embed_fonts))
        # the summary names both versions: "old.prep -> new.prep: 7 slides ..." (it named the new one)
        _write_pages(f"{old_label} -> {new_label}", out_path, pages, fitted, inputs=inputs)
        return
    data = _within_budget(new_path, timeout, lambda: render_diff(
        diff_models(old, new), out_fmt, side_by_side=side_by_side, old_label=old_label, new_label=new_label,
        direction=look.direction, theme=_print_theme(look.theme, transparent), dpi=dpi, embed_fonts=embed_fonts))
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
        warn_of_errors(src, model)
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
            if out_fmt == "html":   # it reached the renderer: an internal error
                raise click.UsageError("--stage draws one picture: svg, png, pdf, pptx, drawio, dot, layout or "
                                       "json; every stage in one HTML page is --flipbook -o x.html")
            options["page"] = _page_for(src, out_fmt, page_size, min_text, settings)
            if options["page"] is not None:
                # on a page: as a plain render on pages, a picture format gets a file per page
                # (x-1.svg, x-2.svg; it was refused), and the summary says what the fitting did
                got = _within_budget(src, timeout, lambda: stage_pictures.stage_pages(
                    model, stage, out_fmt, embed_fonts=embed_fonts, **options))
                _write_pages(src, out_path, got, options["page"], inputs=(src,))
                return
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
                count = len(frames)
            else:
                data, count = _within_budget(src, timeout, lambda: stage_pictures.counted_flipbook(
                    model, out_fmt, embed_fonts=embed_fonts, **options))
                write_output(out_path, data, inputs=(src,))
        if out_path != "-":
            # a model over several pages has a frame per stage and page
            said = (f" ({count} frames)" if count == len(model.stages) else
                    f" ({count} frames: {len(model.stages)} stages over pages)") if flipbook else ""
            click.echo(f"wrote {out_path}" + said, err=True)


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
