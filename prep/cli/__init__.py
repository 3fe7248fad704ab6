"""The `prep` command line: click commands and nothing else.

Every command calls the library (`prep.api` and friends); heavy modules are
imported inside the commands so `prep --help` and `prep --version` start fast.
Exit codes: 0 success, 1 lint findings, 2 input or usage error, 130 Ctrl-C.

One command, one module: prep/cli/render.py holds `prep render` and its
helpers, and so on; common.py what several commands share. The render
command's larger views have modules of their own beside it:
render_versions.py (--diff, --stage, --flipbook), render_overview.py
(the overview of a large model and its drill-downs), and
render_options.py what all of its pictures share (output path, page,
time budget, theme). This module makes
the group, registers each command and runs it (main).
"""

from __future__ import annotations

import os
import sys

import click

from .._version import __version__
from . import diff, export, fmt, importer, lint, lsp, md, render, report, serve, status
from .common import EXIT_ERROR, EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, PrepGroup, report_error

__all__ = ["EXIT_ERROR", "EXIT_FINDINGS", "EXIT_INTERRUPTED", "EXIT_OK", "PrepGroup", "cli", "main", "report_error"]


@click.group(cls=PrepGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="prep", message="%(prog)s %(version)s")
def cli() -> None:
    """prep: PReP process models as text. Lint them, draw them.

    \b
      prep render model.prep           draw model.svg next to the model
      prep render model.prep -o a.png  PNG (also .pdf .pptx .drawio .json .mmd .dot)
      prep report model.prep           an HTML report (also .pdf .docx .md)
      prep export model.prep           the deliverable catalogue for Excel
      prep import catalogue.xlsx       ... and back into a model
      prep lint                        check every *.prep below here
      prep status model.prep --data values.csv   where customers stand
      prep serve model.prep            live preview in the browser
    """


cli.add_command(diff.diff)
cli.add_command(export.export)
cli.add_command(fmt.fmt)
cli.add_command(importer.import_)
cli.add_command(lint.lint)
cli.add_command(lsp.lsp)
cli.add_command(md.md)
cli.add_command(render.render)
cli.add_command(report.report)
cli.add_command(serve.serve)
cli.add_command(status.status)


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
