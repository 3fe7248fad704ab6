"""`prep import`: a deliverable catalogue (Excel or CSV) back into a model."""

from __future__ import annotations

import click


@click.command("import")
@click.argument("catalogue", type=click.Path())
@click.option("-o", "--output", metavar="PATH", default="-",
              help="The model to write (.prep). Default: standard output.")
@click.option("--source-comments", is_flag=True,
              help="End each line with a comment saying which sheet and cell it came from.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def import_(catalogue, output, source_comments, force):
    """Turn a deliverable catalogue into a model (docs/catalogue.md): a
    workbook (.xlsx), a folder of CSV files or one CSV file (the
    Deliverables table), with English or Japanese headers. The model is
    written formatted, as `prep fmt` would.

    \b
      prep import catalogue.xlsx -o model.prep
      prep import catalogue/ -o model.prep --source-comments

    Every problem is reported at its cell (catalogue.xlsx:Deliverables!C7)
    with a hint, and then nothing is written (exit 2). Columns and sheets
    that are not the catalogue's are ignored, with a note.
    """
    import os

    from ..catalogue.importer import read_catalogue
    from ..language.diagnostics import PrepError, format_diagnostic
    from ..renderer.output import check_output_folder, write_output

    if output != "-":
        check_output_folder(output)   # before the work, as every command that writes -o
    if output != "-" and os.path.exists(output) and not force:
        raise PrepError.at(output, "the output file exists; refusing to replace it", name="output-error",
                           hint="give --force to replace it, or another -o")
    if output != "-" and not output.lower().endswith(".prep"):
        raise click.UsageError(f"-o {output}: the model is a .prep file", ctx=click.get_current_context())
    imported = read_catalogue(catalogue, source_comments=source_comments,
                              output_path=output if output != "-" else "model.prep")
    for note in imported.notes:
        click.echo(format_diagnostic(note, None), err=True)
    write_output(output, imported.text.encode("utf-8"), inputs=(catalogue,))
    if output != "-":
        lines = imported.text.count("\n")
        click.echo(f"wrote {output} ({lines} lines)", err=True)
