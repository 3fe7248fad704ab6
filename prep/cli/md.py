"""`prep md`: draw the ```prep blocks of a Markdown file."""

from __future__ import annotations

import click


@click.command("md")
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
    from ..embed.markdown_fences import write_markdown

    for path in write_markdown(source, output, keep_source=keep_source):
        click.echo(f"wrote {path}", err=True)
