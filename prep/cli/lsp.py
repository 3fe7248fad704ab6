"""`prep lsp`: the language server."""

from __future__ import annotations

import sys

import click

from .._words import LANGUAGES
from .common import EXIT_ERROR


@click.command("lsp")
@click.option("--stdio", is_flag=True, help="Talk over standard input/output (the default and only transport; "
                                            "accepted because editors pass it).")
@click.option("--language", type=click.Choice(LANGUAGES), default=None,
              help="The language of the findings' messages and hints (en, ja), as prep lint --language; a "
                   "client's initializationOptions {\"language\": \"ja\"} does the same. Default: en.")
def lsp(stdio, language):
    """Run the language server (docs/lsp.md): diagnostics, hover,
    definitions, references, rename, completion, formatting and quick
    fixes for .prep files in any editor that speaks the Language Server
    Protocol. Talks over standard input/output. Needs the `lsp` extra:
    pip install 'prep[lsp]'.
    """
    try:
        from ..lsp.server import serve
    except ImportError as e:  # pygls / lsprotocol missing
        click.echo(f"prep lsp: error: the language server needs pygls ({e.name or e} is not installed)\n"
                   "  hint: pip install 'prep[lsp]'", err=True)
        sys.exit(EXIT_ERROR)
    serve(language)
