"""`prep report`: a one-file report of a model."""

from __future__ import annotations

import os

import click

from .common import (DIRECTION, EXIT_ERROR, _lint_settings, _render_settings, language_option, note_if_part,
                     refuse_folder, root_of_all)


def _format_given(fmt: str) -> None:
    """`--format` given, as `prep render` takes it: click's "No such
    option" said nothing of where a report's format comes from."""
    from ..embed.report import REPORT_FORMATS

    ext = fmt.lower().lstrip(".")
    formats = dict.fromkeys(REPORT_FORMATS.values())   # each format by its own extension, in order
    raise click.UsageError(f"prep report takes its format from -o's extension: "
                           f"-o report.{ext if ext in REPORT_FORMATS else 'pdf'} ({', '.join('.' + e for e in formats)})")


@click.command("report")
@click.argument("source", nargs=-1, required=True, type=click.Path(allow_dash=False))
@click.option("-o", "--output", metavar="PATH",
              help="report.html (self-contained), report.md (with the pictures as SVG files next to it) or "
                   "report.pdf (pages: the pictures, then the tables) or report.docx (the same in Word's built-in "
                   "styles, to restyle with a template). Default: SOURCE.report.html next to SOURCE.")
@click.option("--theme", type=click.Choice(["default", "print"]), default=None,
              help="Default: [render] in prep.toml, else 'default'.")
@click.option("--direction", type=DIRECTION, default=None,
              help="LR or TB (TD is TB). Default: [render] in prep.toml, else LR (a PDF's pictures: the one that "
                   "fits its page).")
@click.option("--page", "page_size", metavar="SIZE",
              help="The page of a PDF or Word report: A4 (default), A3, A5, B4, B5 (JIS), letter, legal, "
                   "tabloid, 16:9, 4:3 (landscape; add -portrait), or WxH in mm/in ([render] page in prep.toml). "
                   "An HTML or Markdown report's pictures are laid out for it too (default 16:9, a screen's "
                   "shape; 'none': at their natural size).")
@click.option("--min-text", type=click.FloatRange(min=4, max=36), default=None, metavar="PT",
              help="The smallest text of the report's pictures, and of a PDF or Word report's tables (default 7 pt "
                   "on paper, 9 on a slide).")
@click.option("--status", "status_data", metavar="DATA", type=click.Path(dir_okay=False),
              help="Add a Health section: where customers stand from measured values (CSV or XLSX), and one "
                   "customer's roadmap coloured by them (docs/measures.md).")
@click.option("--customer", metavar="NAME", help="With --status: the customer whose roadmap is drawn.")
@click.option("-f", "--format", "fmt", hidden=True, expose_value=False, is_eager=True, callback=lambda ctx, _, v: (
    _format_given(v) if v is not None else None))
@language_option
def report(source, output, theme, direction, page_size, min_text, status_data=None, customer=None):
    """Write a one-file report of a model: diagram with findings, findings
    table, hotspot ranking and a catalogue of deliverables. The root of a
    workspace reports the whole model, and the catalogue says which file
    holds each deliverable (all its files given, as *.prep gives them: the
    one that includes the others).

    \b
      prep report model.prep -o report.html
      prep report model.prep -o report.md
      prep report model.prep -o report.pdf --page A4
      prep report model.prep -o report.docx
    """
    from .. import api
    from ..embed.report import check_output, report_format, report_page, write_report
    from ..embed.report_pictures import screen_page
    from ..language.diagnostics import PrepError

    source = root_of_all(source, "report", "a report is of one model")
    if output is None:
        output = os.path.splitext(source)[0] + ".report.html"
    look = _render_settings(source, theme, direction, None)
    page = None
    try:
        check_output(output, (source,))
        fmt = report_format(output)
        size = page_size if page_size is not None else look.page
        smallest = min_text if min_text is not None else look.min_text
        if fmt in ("pdf", "docx"):
            page = report_page(size, smallest)
        elif size is not None or smallest is not None:   # an HTML or Markdown report's pictures' page, asked for
            page = screen_page(size, smallest) or "none"   # ("none": each picture as it is)
        refuse_folder(source)
        note_if_part(source, "report")
        model = api.load(source)
        if customer is not None and status_data is None:
            raise click.UsageError("--customer names whom to draw from the data: use it with --status DATA")
        # what reading the data noted, said as prep status and render --status say it (the
        # report drew a customer red from "0.94" read as 0.94 % and said nothing)
        notes: list = []
        written = write_report(model, output, theme=look.theme, direction=look.direction if look.direction_given
                               else None, page=page, inputs=(source,), status_data=status_data, customer=customer,
                               lint_options=_lint_settings(source),   # prep.toml's, as prep lint reads them
                               notes=notes)
    except PrepError as e:
        first = e.diagnostics[0] if e.diagnostics else None
        # a Markdown report's pictures are written next to it: about the report too
        beside = (first is not None and first.name == "output-error" and output != "-"
                  and os.path.dirname(os.path.abspath(first.span.path)) == os.path.dirname(os.path.abspath(output)))
        if first is None or first.name not in ("output-error", "usage-error") or (
                first.span.path not in (output, "--page", "--status") and not beside):
            raise
        message, hint = first.message, first.hint
        if first.name == "output-error":
            # said at the path given, as every command says it; a picture written beside a
            # Markdown report is said of the report, which the user named
            name = os.path.basename(output)
            if message.startswith("cannot write the output"):   # the file it could not write, by name
                message = f"cannot write {name}" + message[len("cannot write the output"):]
            elif first.span.path != output and not message.startswith("cannot write"):
                message = f"cannot write {name}: {message}"
            raise PrepError.at(output, message, name="output-error", hint=hint or "choose another -o path") \
                from None
        # about the command line, not about a place in a file
        click.echo(f"prep report: error: {message}" + (f"\n  hint: {hint}" if hint else ""), err=True)
        click.get_current_context().exit(EXIT_ERROR)
    from ..language.diagnostics import format_diagnostic

    for note in notes:
        click.echo(format_diagnostic(note, None), err=True)
    for path in written:
        click.echo(f"wrote {path}", err=True)
