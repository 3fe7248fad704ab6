"""`prep status`: where customers stand, from measured values."""

from __future__ import annotations

import click

from .common import EXIT_OK, language_option, note_if_part, refuse_folder


@click.command("status")
@click.argument("model_path", metavar="MODEL", type=click.Path())
@click.option("--data", "data_path", required=True, metavar="DATA", type=click.Path(dir_okay=False),
              help="The measured values: CSV or XLSX with the columns measure,value (and customer, date).")
@click.option("--customer", metavar="NAME", help="Show one customer: each measure with its value, colour and target.")
@click.option("--format", "output_format", type=click.Choice(("text", "json", "markdown"), case_sensitive=False),
              default="text", show_default=True, help="text for people, json for scripts, markdown for reports.")
@click.option("-o", "--output", metavar="PATH", help="Write to PATH instead of standard output.")
@click.pass_context
@language_option
def status(ctx, model_path, data_path, customer, output_format, output):
    """Where customers stand on the roadmap, from measured values.

    Each value is coloured by its measure's thresholds (green, lime, yellow,
    red); a customer's stage reached is the first stage whose exit criteria's
    measures are not all green or lime, and its health the worst colour of
    that stage's measures. One customer (or --customer NAME): every measure.
    Many: how many customers stand in each stage in each colour.
    --language ja writes the tables' words in Japanese (not the JSON).
    See docs/measures.md. Exit status: 0, or 2 for a model or data error.
    """
    from .. import api
    from ..language.diagnostics import PrepError, format_diagnostic
    from ..health import format_status, load_status, named_customer

    _check_order(model_path, data_path)
    if output not in (None, "-"):
        from ..renderer.output import check_output_folder

        check_output_folder(output)   # before the work, as every command that writes -o
    refuse_folder(model_path)
    note_if_part(model_path, "status", "{root} --data ...")
    model = api.load(model_path)
    if not model.measures:
        raise PrepError.at(model_path, "the model declares no measure", name="no-measures",
                           hint="declare one: `measure NAME [of: DELIVERABLE, target: \">= 60%\", green: ..., "
                                "lime: ..., yellow: ...]` (docs/measures.md)", source=model.source)
    notes: list = []
    result = load_status(model, data_path, notes)
    for note in notes:
        click.echo(format_diagnostic(note, None), err=True)
    chosen = None
    if customer is not None:
        chosen = named_customer(result, customer, data_path)
    text = format_status(result, output_format.lower(), chosen)
    if output is None or output == "-":
        click.echo(text, nl=False)
    else:
        from ..renderer.output import write_output

        write_output(output, text.encode("utf-8"))
        click.echo(f"wrote {output}", err=True)
    ctx.exit(EXIT_OK)


_DATA = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")


def _check_order(model_path: str, data_path: str) -> None:
    """The model and the data swapped (`prep status values.csv --data
    model.prep`) said "'measure' is a keyword and cannot be a bare name",
    from reading the CSV header as a model: say which is which."""
    from ..language.diagnostics import PrepError

    usage = "prep status MODEL.prep --data VALUES.csv"
    if model_path.lower().endswith(_DATA):
        raise PrepError.at(model_path, "this is the measured data, not the model", name="usage-error",
                           hint=f"the model comes first and the data after --data: {usage}")
    if data_path.lower().endswith(".prep"):
        raise PrepError.at(data_path, "--data is a model; it takes the measured values (CSV or XLSX)",
                           name="usage-error", hint=f"the model comes first and the data after --data: {usage}")
