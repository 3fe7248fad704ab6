"""`prep export`: the deliverable catalogue of a model, for Excel."""

from __future__ import annotations

import os

import click

from .._words import LANGUAGES
from .common import _lint_settings, config_error, note_if_part, refuse_folder, root_of_all


def catalogue_target(output: str) -> str:
    """What `-o` asks for: "xlsx", "csv" (one table) or "folder" (a CSV file per table)."""
    if output.endswith(("/", os.sep)) or os.path.isdir(output):
        return "folder"
    ext = os.path.splitext(output)[1].lower()
    if ext in (".xlsx", ".csv"):
        return ext[1:]
    raise click.UsageError(f"-o {output}: give a workbook (.xlsx), one CSV file (.csv) or a folder for a CSV "
                           "file per table (ending in /)", ctx=click.get_current_context())


@click.command("export")
@click.argument("source", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", metavar="PATH",
              help="catalogue.xlsx (a sheet per table), out/ (a CSV file per table) or deliverables.csv "
                   "(the Deliverables table). Default: SOURCE.xlsx next to SOURCE.")
@click.option("--language", type=click.Choice(LANGUAGES), default=None,
              help="The tables' headers and the kinds: English or Japanese (名前, 種類, 担当, 入力, 段階, ...), "
                   "and the findings' messages and hints. Default: [render] language, else en.")
@click.option("--rules-url", metavar="URL",
              help="Where the rule pages are published: each finding links to URL/CODE.md (default: "
                   "$PREP_RULES_URL; without one, to the workbook's Rules sheet).")
@click.option("--force", is_flag=True,
              help="Replace the workbook at -o even when it was changed after prep wrote it (edited in Excel).")
def export(source, output, language, rules_url, force):
    """Write the deliverable catalogue of a model for Excel (docs/catalogue.md):
    Deliverables (owners, stage, inputs, health), Relations, Stages, Groups,
    Findings (linked to their rules) and Rules. `prep import` reads it back.

    \b
      prep export model.prep -o catalogue.xlsx
      prep export model.prep -o catalogue/          a CSV file per table
      prep export model.prep -o deliverables.csv --language ja

    The findings are `prep lint`'s, with the settings of the model's
    prep.toml / pyproject.toml. CSV files are UTF-8 with a byte-order mark,
    so Excel reads Japanese text right. A workbook already at -o is
    replaced only when it is unchanged since prep wrote it: one edited
    in Excel (the client's, come back) is kept, unless --force.
    """
    from .. import api
    from ..catalogue.export import to_csv, to_xlsx
    from ..linter.formats import _plural
    from ..linter.rule import RULES_URL_VARIABLE
    from ..linter.settings import LintConfigError
    from ..renderer.output import check_output_folder, write_output

    source = root_of_all(source, "export", "a catalogue is of one model")
    if language is None:   # as render, report and status: the project's language, else English
        from .common import _configured_language

        language = _configured_language({"source": source}) or "en"
    if output is None:
        output = os.path.splitext(source)[0] + ".xlsx"
    target = catalogue_target(output)
    check_output_folder(output)   # before any work (a folder of CSV files: the folder it goes in)
    if target == "xlsx" and not force and os.path.exists(output):
        from ..catalogue.written import as_written

        if not as_written(output):
            from ..language.diagnostics import PrepError

            raise PrepError.at(output, "the workbook was changed after prep wrote it (edited in Excel?), or prep "
                               "did not write it: replacing it would lose that", name="output-error",
                               hint=f"read the changes back first (prep import {output} -o model.prep), "
                                    "give another -o, or --force to replace it")
    refuse_folder(source)
    note_if_part(source, "export")
    model = api.load(source)
    try:
        # prep.toml read once, here; the messages and hints in the workbook's language
        findings = list(api.lint(model, config=False, language=language, **_lint_settings(source)))
    except LintConfigError as e:
        raise config_error(e) from None
    url = rules_url or os.environ.get(RULES_URL_VARIABLE) or None
    # every file is made before the first is written: an error writes nothing
    if target == "xlsx":
        files = {output: to_xlsx(model, findings, language=language, rules_url=url)}
    else:
        tables = to_csv(model, findings, language=language, rules_url=url)
        if target == "csv":
            files = {output: next(iter(tables.values()))}
        else:
            os.makedirs(output, exist_ok=True)
            files = {os.path.join(output, name): data for name, data in tables.items()}
    for path, data in files.items():
        write_output(path, data, inputs=(source,))
    shown = output if target != "folder" else f"{len(files)} CSV files in {output}"
    if target == "csv":
        # one file holds one table: what the others hold is not in it, and an import of it
        # lost relations, stages and measures without a word (it said "71 relations")
        from ..catalogue.columns import TABLES

        # the tables an import reads (not those it makes: findings, rules) that have rows
        left = [name.rsplit(".", 1)[0] for table, (name, data) in list(zip(TABLES, tables.items()))[1:]
                if not table.derived and data.decode("utf-8-sig").strip().count("\n") > 0]
        click.echo(f"wrote {output}: the deliverables table ({_plural(len(model.deliverables), 'deliverable')}, "
                   f"{_plural(len(findings), 'finding')})"
                   + (f"; not in it: the {', '.join(left)} table{'s' if len(left) > 1 else ''} (every table: "
                      f"-o a folder/ or -o a .xlsx)" if left else ""), err=True)
        return
    click.echo(f"wrote {shown}: {_plural(len(model.deliverables), 'deliverable')}, "
               f"{_plural(len(model.relations), 'relation')}, {_plural(len(findings), 'finding')}", err=True)
