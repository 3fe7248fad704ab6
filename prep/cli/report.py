"""`prep report`: a one-file report of a model."""

from __future__ import annotations

import os

import click

from .common import _render_settings


@click.command("report")
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
    from .. import api
    from ..renderer.output import write_output
    from ..embed.report import build_report

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
