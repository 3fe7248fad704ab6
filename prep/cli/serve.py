"""`prep serve`: a live preview in the browser."""

from __future__ import annotations

import os
import sys

import click

from .._words import LANGUAGES
from .common import DIRECTION, EXIT_ERROR, _lint_settings, _render_settings, note_if_part, refuse_folder


@click.command("serve")
@click.argument("source", type=click.Path(allow_dash=False))
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
@click.option("--direction", type=DIRECTION, default=None,
              help="LR or TB (TD is TB). Default: [render] in prep.toml, else LR.")
@click.option("--legend/--no-legend", default=None, help="Add a key to the notation (default: [render], else no).")
@click.option("--page", "page_size", metavar="SIZE",
              help="Preview the model fitted to pages of SIZE (16:9, A4, ...: as prep render --page), page under "
                   "page. Default: [render] page, else the natural size.")
@click.option("--min-text", type=click.FloatRange(min=4, max=36), default=None, metavar="PT",
              help="With --page: the smallest text allowed at 100%.")
@click.option("--language", type=click.Choice(LANGUAGES), default=None,
              help="The language of prep's own words in the picture (the legend, \"(cont.)\", page references) "
                   "and on the page (buttons, panels): en or ja. Default: [render] language, else en.")
def serve(source, host, port, open_browser, engine, theme, direction, legend, page_size=None, min_text=None,
          language=None):
    """Preview a model in the browser while you edit it: the page
    (as render --format html) updates on every save of SOURCE or its
    prep.toml / pyproject.toml, keeping zoom and selection; a syntax error
    is shown over the last good picture. Ctrl-C stops. The root of a
    workspace: a save of any file it includes, or a new file one of its
    globs matches, updates it too (docs/workspaces.md).

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
    from ..serve.server import Preview, ServeError, is_loopback, make_server, run

    # as prep render says it: a folder names the model in it, a missing file the nearest one
    # (click's "File '.' is a directory." had no place and no hint)
    refuse_folder(source)
    if not os.path.isfile(source):
        from ..language.diagnostics import PrepError
        from ..language.source import read_source

        if not os.path.exists(source):
            read_source(source)   # raises: "no such file", with a did-you-mean
        raise PrepError.at(source, "not a file", name="unreadable-file",
                           hint="give the path of a .prep file: prep serve model.prep")

    from .render_options import _page_for

    def look():
        found = _render_settings(source, theme, direction, legend)
        # the page, as prep render -o x.svg would fit it (SVG: none unless asked)
        page = _page_for(source, "svg", page_size, min_text, found)
        return (found.theme, found.direction if page is None or found.direction_given else None, found.legend, page,
                language or found.language or "en")

    look()  # a bad --page or [render] page: a usage error now, not a message in the page
    note_if_part(source, "serve")
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
