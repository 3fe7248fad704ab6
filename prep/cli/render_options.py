"""What every picture `prep render` writes shares, whichever view draws it
(render.py, render_versions.py, render_overview.py): the output path and
format, the page to fit to, the time budget, the print theme, the layout
read back for --stable."""

from __future__ import annotations

import os

import click

RENDER_FORMATS = ("svg", "png", "pdf", "dot", "json", "layout", "mmd", "pptx", "html", "drawio")
PICTURE_FORMATS = ("svg", "png", "pdf", "pptx", "drawio")

# A render that takes longer than this is stopped, with a message naming
# the options that give a picture sooner (--timeout to change it).
TIMEOUT_SECONDS = 120.0


# extensions a user reaches for that prep writes under another name, or with another command
_MEANT = {**{e: "for a picture write .png (or .svg, which scales)" for e in ("jpg", "jpeg", "gif", "webp", "bmp",
                                                                             "tif", "tiff")},
          **{e: "for a slide deck write .pptx" for e in ("ppt", "key", "odp", "pps", "ppsx")},
          "doc": "a Word document is a report: prep report model.prep -o report.docx",
          "docx": "a Word document is a report: prep report model.prep -o report.docx",
          "md": "a Markdown page is a report: prep report model.prep -o report.md",
          **{e: "a spreadsheet is the catalogue: prep export model.prep -o catalogue.xlsx" for e in
             ("xlsx", "xls", "csv", "ods")},
          "vsdx": "for diagrams.net (draw.io), which opens in Visio's place, write .drawio",
          "eps": "for print write .pdf (or .svg)", "ps": "for print write .pdf (or .svg)"}


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
            meant = _MEANT.get(ext)
            raise click.UsageError(
                f"cannot tell the format from '{output}'; " + (f"{meant}; " if meant else "") + "use an extension "
                f"({', '.join('.' + f for f in RENDER_FORMATS if f != 'layout')}, .layout.json) or --format")
        fmt = ext
    elif ext in RENDER_FORMATS and ext != fmt and not (ext == "json" and fmt == "layout"):
        # as Graphviz's -T does, --format wins; said, since a picture a client cannot
        # open ("-o x.drawio --format png" wrote a PNG named x.drawio) is seldom meant
        click.echo(f"prep render: note: writing {fmt} to {output} (--format wins over the extension '.{ext}'); "
                   f"give -o {os.path.splitext(output)[0]}.{'layout.json' if fmt == 'layout' else fmt} "
                   "or leave out --format", err=True)
    return output, fmt


def _write_pages(src: str, out_path: str, pages, page, *, inputs: tuple[str, ...]) -> None:
    """Write what `render_pages` gave: one file, or FILE-1, FILE-2, ... for a
    picture format over several pages; then say what the fitting did."""
    from ..renderer.output import check_output_folder, write_output
    from ..renderer.pages import page_file_name

    if out_path == "-" and len(pages.files) > 1:
        raise click.UsageError(f"the model takes {pages.count} pages of {page.name}: one file each; "
                               "give -o FILE (they are written as FILE-1, FILE-2, ...)")
    if out_path != "-":   # said of the path given (it named the first page, 'x-1.png', a file never typed)
        check_output_folder(out_path)
    for k, data in enumerate(pages.files, start=1):
        path = page_file_name(out_path, k, len(pages.files)) if out_path != "-" else "-"
        write_output(path, data, inputs=inputs)
        if path != "-":
            click.echo(f"wrote {path}", err=True)
    _remove_stale_pages(out_path, len(pages.files))
    click.echo(f"{src}: {pages.summary()}", err=True)


def _remove_stale_pages(out_path: str, count: int) -> None:
    """Remove the numbered pages of an earlier run that this run of `count`
    files did not replace (`_stale_pages`), saying so on stderr."""
    for path in _stale_pages(out_path, count):
        try:
            os.remove(path)
        except OSError as e:   # not ours to remove after all (a read-only folder): say so, go on
            click.echo(f"prep: warning: {path} is a page of an earlier run, not of this one, and could not "
                       f"be removed ({e.strerror})", err=True)
            continue
        click.echo(f"removed {path}: a page of an earlier run, not of this one", err=True)


def _stale_pages(out_path: str, count: int) -> list[str]:
    """The numbered pages an earlier run wrote under this name that this run
    did not replace: x-3.png after a run of two pages, x-1.png, x-2.png
    after a run of one (x.png). Left there, they were pasted into a deck as
    if they were the model's pages. (x.png itself, which a run without a
    page may have drawn on purpose, is left alone.)"""
    from ..renderer.pages import page_file_name

    if out_path == "-":
        return []
    stale = []
    k = count + 1 if count > 1 else 1
    while os.path.isfile(page_file_name(out_path, k, 2)):
        stale.append(page_file_name(out_path, k, 2))
        k += 1
    return stale


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
    if big and stable_file is None and fmt in ("pdf", "pptx", "drawio"):
        pass   # an overview and its clusters' pictures, fitted, in one document
    elif stable_file is not None or big:
        if given is not None and given.strip().lower() not in ("none", "natural"):
            why = ("--stable keeps boxes where they were, a page moves them" if stable_file is not None else
                   "the model is drawn as an overview and one picture per group; on pages it is one document: "
                   "-o x.pdf, x.pptx or x.drawio (--force draws it all)")
            raise click.UsageError(f"--page cannot be used here: {why}")
        return None
    try:
        return page_option(text, fmt, min_text=min_text if min_text is not None else look.min_text)
    except PageError as e:
        if given is None:
            raise PrepError.at(look.source or src, f"[render] page: {e}", name="config-error", hint=e.hint) from None
        raise click.BadParameter(f"{e}; {e.hint}", param_hint="'--page'") from None


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
