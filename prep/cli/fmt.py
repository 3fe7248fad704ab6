"""`prep fmt`: lay models out in the one canonical way."""

from __future__ import annotations

import os
import sys

import click

from .common import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, report_error


@click.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--check", is_flag=True, help="Change nothing; list the files that would change and exit 1 if any.")
@click.option("--diff", "as_diff", is_flag=True,
              help="Change nothing; print what would change as a unified diff and exit 1 if anything would.")
@click.option("--respect-gitignore/--no-respect-gitignore", default=None,
              help="In a folder, skip the files git ignores (.gitignore; default: respect-gitignore of the "
                   "configuration, on). Files named are always formatted.")
def fmt(paths, check, as_diff, respect_gitignore=None):
    """Lay models out in the one canonical way (docs/fmt.md).

    PATHS are .prep files or folders (every *.prep below, hidden folders
    and what git ignores skipped); none means the current folder; '-' reads standard input and
    writes the result to standard output. Files are rewritten in place
    (atomically) only when their layout changes. The meaning never changes:
    the same deliverables, relations, attributes, groups and comments.
    Each file is formatted on its own: the root of a workspace formats the
    root only (its include lines kept); give the folder (prep fmt DIR) to
    format every file of the workspace.

    Exit status: 0 done (or nothing to change), 1 with --check/--diff when
    a file would change, 2 a file that cannot be read or has a syntax error
    (that file is left untouched; the others are still formatted).
    """
    import difflib

    from ..language.diagnostics import PrepError
    from ..language.fmt import format_text
    from ..language.source import decode_source, read_source
    from ..linter.run import find_models
    from ..linter.settings import LintConfigError
    from .common import config_error

    targets = list(paths) or ["."]
    try:
        files = find_models([p for p in targets if p != "-"], respect_gitignore)
    except LintConfigError as e:  # respect-gitignore in prep.toml is not a boolean (or not TOML)
        report_error(config_error(e), "prep fmt")
        sys.exit(EXIT_ERROR)
    if "-" in targets:
        files.insert(targets.index("-"), "-")
    if not files:
        click.echo(f"prep fmt: no .prep files found under {', '.join(paths) or 'the current folder'}", err=True)
    # a file and a link to it (both found under a folder): formatted once, through the first name
    seen: set[str] = set()
    files = [f for f in files if f == "-" or not (os.path.realpath(f) in seen or seen.add(os.path.realpath(f)))]
    failed = changed = 0
    for path in files:
        try:
            if path == "-":
                before = decode_source(sys.stdin.buffer.read(), "<stdin>")
                after = format_text(before, "<stdin>", verify=not (check or as_diff))
            else:
                before = read_source(path)
                # what is written is verified (parsed again, same model); a check writes nothing
                after = format_text(before, path, verify=not (check or as_diff))
        except PrepError as e:
            report_error(e)
            failed += 1
            continue
        if path != "-":
            with open(path, "rb") as f:
                original = f.read()
            same = original == after.encode("utf-8")
        else:
            same = before == after
        if as_diff:
            if not same:
                changed += 1
                name = "<stdin>" if path == "-" else path
                if before == after:
                    click.echo(f"--- {name}: only the line endings or byte-order mark would change")
                click.echo("".join(difflib.unified_diff(
                    before.splitlines(keepends=True), after.splitlines(keepends=True),
                    f"{name}\t(original)", f"{name}\t(formatted)")), nl=False)
        elif check:
            if not same:
                changed += 1
                click.echo(f"would reformat {'<stdin>' if path == '-' else path}")
        elif path == "-":
            click.echo(after, nl=False)
        elif not same:
            from ..renderer.output import write_output

            # a symbolic link keeps being one: its file is written (written in its place, the
            # link became a copy; read_source refused one that leads out of the workspace)
            write_output(os.path.realpath(path) if os.path.islink(path) else path, after.encode("utf-8"))
            changed += 1
            click.echo(f"reformatted {path}", err=True)
    if check or as_diff:
        if changed or len(files) > 1:
            click.echo(f"{changed} file{'s' if changed != 1 else ''} would be reformatted, "
                       f"{len(files) - changed - failed} already formatted"
                       + (f", {failed} could not be read" if failed else ""), err=True)
    if failed:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if (check or as_diff) and changed else EXIT_OK)
