"""`prep lint`: check models (findings, statistics, hotspots)."""

from __future__ import annotations

import os

import click

from .common import EXIT_ERROR, EXIT_OK, findings_language_option, report_error

LINT_FORMATS = ("text", "json", "sarif", "github")


def _lint_usage(ctx: click.Context, message: str) -> None:
    click.echo(f"prep lint: error: {message}", err=True)
    ctx.exit(EXIT_ERROR)


def _split_hotspots_arg(hotspots: str | None, paths: tuple[str, ...]) -> tuple[int | None, tuple[str, ...]]:
    """`--hotspots [N]`: click takes the next word as N, so `--hotspots
    models/` gives the folder here; put it back among the paths."""
    if hotspots is None:
        return None, paths
    if hotspots.isdigit() and int(hotspots) > 0:
        return int(hotspots), paths
    if os.path.exists(hotspots) or not hotspots.lstrip("-").isdigit():
        return 10, (hotspots, *paths)
    raise click.BadParameter(f"{hotspots!r} is not a positive whole number", param_hint="--hotspots")


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=False))
@click.option("--format", "output_format", type=click.Choice(LINT_FORMATS, case_sensitive=False), default="text",
              show_default=True, help="text for people, json for scripts, sarif for code scanning, "
                                      "github for pull-request annotations.")
@click.option("-o", "--output", metavar="PATH", help="Write the report to PATH instead of standard output.")
@click.option("--fail-on", type=click.Choice(["info", "warning", "error", "never"], case_sensitive=False),
              help="Exit 1 when a finding is at or above this level (default: warning, or fail-on in the configuration).")
@click.option("--select", multiple=True, metavar="CODES",
              help="Only these rules: codes, prefixes (K, S30), names or ALL; comma-separated or repeated. "
                   "Replaces select of the configuration.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Also leave out these rules.")
@click.option("--option", "rule_options", multiple=True, metavar="RULE.OPTION=N",
              help="Set a rule option, e.g. knowhow-bottleneck.min-consumers=4.")
@click.option("--severity", "severities", multiple=True, metavar="CODES=LEVEL",
              help="Change the severity of rules, e.g. K201=error or I=info.")
@click.option("--statistics", is_flag=True, help="Print how many findings each rule has, not the findings.")
@click.option("--hotspots", metavar="[N]", is_flag=False, flag_value="10", default=None,
              help="Rank the N (default 10) most fragile deliverables of each model instead of listing "
                   "findings (formula in docs/rules/index.md).")
@click.option("--measures", "coverage", is_flag=True,
              help="Show each stage's measure coverage (exit criteria measured, measures per DEAR category) "
                   "instead of listing findings (docs/measures.md).")
@click.option("--no-cache", is_flag=True,
              help="Lint every file again instead of reusing results for unchanged files from .prep_cache/.")
@click.option("--new-only", is_flag=True,
              help="With --base: report only findings the file at that revision does not have "
                   "(adopting prep on an existing model; a workspace's root: the whole model at that revision).")
@click.option("--base", "base_rev", metavar="REV", help="The git revision --new-only compares with (e.g. origin/main).")
@click.option("--respect-gitignore/--no-respect-gitignore", default=None,
              help="In a folder, skip the files git ignores (.gitignore; default: respect-gitignore of the "
                   "configuration, on). Files named are always checked.")
@click.pass_context
@findings_language_option
def lint(ctx, paths, output_format, output, fail_on, select, ignore, rule_options, severities, statistics, hotspots,
         no_cache, new_only=False, base_rev=None, coverage=False, respect_gitignore=None):
    """Check models: missing inputs, personal knowhow, coordination.

    PATHS are .prep files or folders (every *.prep below, hidden folders
    and what git ignores skipped); none means the current folder. A file with `include` lines
    is checked with every file it reaches, as one model; a file that
    another one includes is checked as part of it, not on its own
    (docs/workspaces.md); a file named here that a root of its workspace
    includes is checked with that root, and its own findings reported. Configuration comes from the
    nearest prep.toml ([lint]) or pyproject.toml ([tool.prep.lint]); see
    docs/configuration.md. Silence a finding with `# prep: ignore[CODE]`
    at the end of its line.

    Exit status: 0 no findings at or above --fail-on, 1 findings, 2 a file
    that cannot be read, a syntax error, or a usage error.
    """
    from ..linter import formats
    from ..linter.run import Overrides, exit_status, lint_paths, repo_roots
    from ..linter.settings import (LintConfigError, as_list, enabled_codes, parse_option_assignment,
                                  parse_severity_assignment, resolve_options, resolve_severity)

    top, paths = _split_hotspots_arg(hotspots, paths)
    output_format = output_format.lower()
    summary = next((name for name, on in (("--hotspots", top is not None), ("--statistics", statistics)) if on),
                   None)
    if summary is not None and output_format not in ("text", "json"):
        # a table is no finding to annotate or scan: it was written as text into the .sarif file
        raise click.UsageError(f"{summary} writes text or json, not {output_format}: leave out --format, "
                               f"or --format json")
    if output not in (None, "-"):
        from ..renderer.output import check_output_folder

        check_output_folder(output)   # before linting: a missing folder said as every command says it
    try:
        overrides = Overrides(fail_on=fail_on.lower() if fail_on else None, respect_gitignore=respect_gitignore)
        if select:
            overrides.select = [s for v in select for s in as_list(v, "--select")]
        overrides.ignore = [s for v in ignore for s in as_list(v, "--ignore")]
        enabled_codes(overrides.select, overrides.ignore)
        for text in rule_options:
            rule, option, value = parse_option_assignment(text)
            overrides.options.setdefault(rule, {})[option] = value
        resolve_options(overrides.options)
        for text in severities:
            key, level = parse_severity_assignment(text)
            overrides.severity[key] = level
        resolve_severity(overrides.severity)
        # the hotspot ranking needs the models themselves, which the cache does not keep
        cache = None
        if not no_cache and top is None and not coverage:
            from ..linter.cache import LintCache

            cache = LintCache.open()
        if new_only != (base_rev is not None):
            raise click.UsageError("--new-only and --base go together: prep lint --new-only --base origin/main")
        if base_rev is not None and ".." in base_rev:
            raise click.UsageError(f"--base takes one revision, the one to compare with, not a range: "
                                   f"--base {base_rev.split('..')[0] or 'HEAD'}")
        if new_only:
            cache = None  # the models themselves are needed
        reports = lint_paths(list(paths) or ["."], overrides, cache)
        if new_only:
            from ..language.diagnostics import PrepError
            from ..linter.run import only_new

            def unreadable(path: str, err) -> None:
                first = err.diagnostics[0]
                click.echo(f"prep lint: note: {path} cannot be read at {base_rev} ({first.span.path}:"
                           f"{first.span.line}:{first.span.column}: {first.message}): every finding counts as new",
                           err=True)

            try:
                reports = [only_new(r, base_rev, overrides, unreadable) for r in reports]
            except PrepError as e:   # a bad --base: in the chosen format too, as a syntax error is
                report_error(e, "prep lint")
                if output_format != "text":
                    _lint_write(output, _format_findings(output_format, e.diagnostics, root=repo_roots()))
                ctx.exit(EXIT_ERROR)
    except LintConfigError as e:
        from ..linter.config_errors import hint_for, located

        found = getattr(e, "error", None) or located(str(e), hint_for(str(e)))  # a bad prep.toml: at its line
        if found is not None:
            report_error(found, "prep lint")
            if output_format != "text":
                # in the chosen format too, as a syntax error is: a pull request that breaks prep.toml
                # gets its annotation (code scanning its result) at the line, not only a failed job
                _lint_write(output, _format_findings(output_format, found.diagnostics, root=repo_roots()))
            ctx.exit(EXIT_ERROR)
        _lint_usage(ctx, str(e))
        return
    _warn_of_unmatched_patterns(reports)
    if not reports:
        click.echo(f"prep lint: no .prep files found under {', '.join(paths) or 'the current folder'}", err=True)
    from ..linter.run import distinct_findings

    diagnostics = distinct_findings(reports)  # a part shared by two roots: its findings once
    sources = {path: text for r in reports for path, text in r.texts().items()}
    checked = len({path for r in reports for path in r.checked()})  # a part given by name: that file
    root = repo_roots()  # each file's path from its repository

    if top is not None:
        from ..linter.hotspots import format_hotspots_json, format_hotspots_text, rank

        ranked = []
        for r in reports:
            if r.model is not None:
                min_owners = resolve_options(r.options)["K201"]["min-owners"]
                ranked.append((r, rank(r.model, min_owners=min_owners, top=top)))
        if output_format == "json":
            text = format_hotspots_json([h for _, hs in ranked for h in hs])
        else:
            text = "\n".join(format_hotspots_text(r.path, hs, len(r.model.deliverables)) for r, hs in ranked)
        fatal = [d for r in reports if r.fatal for d in r.findings]
        if fatal:
            click.echo(formats.format_text(fatal, sources, files=len(sources)), err=True, nl=False)
        _lint_write(output, text)
        ctx.exit(EXIT_ERROR if fatal else EXIT_OK)

    if coverage:
        from ..linter.measures import coverage_records, dear_coverage, format_coverage_text

        models = [r for r in reports if r.model is not None]
        if output_format == "json":
            import json

            records = [rec for r in models for rec in coverage_records(r.path, dear_coverage(r.model))]
            text = json.dumps(records, ensure_ascii=False, indent=2) + "\n"
        else:
            text = "\n".join(format_coverage_text(r.path, dear_coverage(r.model), len(r.model.measures))
                              for r in models)
        fatal = [d for r in reports if r.fatal for d in r.findings]
        if fatal:
            click.echo(formats.format_text(fatal, sources, files=len(sources)), err=True, nl=False)
        _lint_write(output, text)
        ctx.exit(EXIT_ERROR if fatal else EXIT_OK)

    if statistics:
        text = formats.format_statistics(diagnostics, files=checked,
                                         fmt="json" if output_format == "json" else "text")
    elif output_format == "text":
        text = formats.format_text(diagnostics, sources, files=checked)
    else:
        text = _format_findings(output_format, diagnostics, root=root)
    _lint_write(output, text)
    ctx.exit(exit_status(reports))


def _warn_of_unmatched_patterns(reports) -> None:
    """A per-file-ignores pattern of the configuration of a file linted
    that matches no model file of its workspace: a warning on stderr, once
    per pattern, at its line (findings, formats and exit status as they
    are)."""
    from ..language.diagnostics import format_diagnostic
    from ..linter.config import ConfigFinder
    from ..linter.config_unmatched import unmatched_patterns

    finder = ConfigFinder(default_root=os.getcwd())
    seen = set()
    for r in reports:
        settings = finder.for_file(r.path)
        if not settings.per_file_ignores or settings.source in seen:
            continue
        seen.add(settings.source)
        found = unmatched_patterns(settings)
        if not found:
            continue
        try:   # the configuration's lines, read once for its warnings' carets
            with open(settings.source, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            text = None
        for d in found:
            click.echo(format_diagnostic(d, text), err=True)


def _format_findings(output_format: str, diagnostics, *, root) -> str:
    """The findings as json, sarif or github (text needs the sources)."""
    from ..linter import formats

    if output_format == "json":
        return formats.format_json(diagnostics)
    if output_format == "sarif":
        return formats.format_sarif(diagnostics, root=root)
    return formats.format_github(diagnostics, root=root)


def _lint_write(output: str | None, text: str) -> None:
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    from ..renderer.output import write_output

    write_output(output, text.encode("utf-8"))
    click.echo(f"wrote {output}", err=True)
