"""What every `prep` command shares: the exit codes, the error report,
the group that turns failures into messages, and the settings and model
versions several commands read (render, report and serve the [render]
settings; render --diff and diff the two versions of a model)."""

from __future__ import annotations

import os

import click

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


class DirectionType(click.ParamType):
    """--direction: LR or TB, any case, TD (Mermaid's `graph TD`) as TB; a
    wrong word is a usage error with a did-you-mean (prep.layouter.direction)."""
    name = "direction"

    def get_metavar(self, param, ctx=None) -> str:
        return "[LR|TB|TD]"

    def convert(self, value, param, ctx):
        from ..layouter.direction import ACCEPTED, DirectionError, direction_of

        try:
            return direction_of(value)
        except DirectionError as e:
            self.fail(f"{value!r} is not {ACCEPTED}{e.suggestion}", param, ctx)

    def shell_complete(self, ctx, param, incomplete):
        from click.shell_completion import CompletionItem

        return [CompletionItem(d) for d in ("LR", "TB") if d.startswith(incomplete.upper())]


DIRECTION = DirectionType()


def language_option(command):
    """--language en|ja on a command that draws: prep's own words in its
    pictures (the legend, "(cont.)", "p. 3"; `prep._words`), in a report
    and in the findings' messages and hints in that language, for the whole
    command. Default: `language` under [render] in the first model's
    configuration, else English. The command's own parameters are untouched
    (it reads them as before)."""
    return _language_option(command, configured=True, help=(
        "The language of prep's own words (en, ja): the legend, \"(cont.)\" and page references of pictures, "
        "the buttons of an HTML page, a report's headings, tables and captions, the findings' messages and "
        "hints, the status tables. Default: [render] language, else en."))


def findings_language_option(command):
    """--language en|ja on `prep lint`: the findings' messages and hints in
    that language, in every format. English unless asked: lint's output is
    read by the people who edit the model, not by a client ([render]
    language is for what goes to the client)."""
    return _language_option(command, configured=False, help=(
        "The language of the findings' messages and hints (en, ja), in every --format; the codes, rule "
        "names and severities stay as they are. Default: en."))


def diff_language_option(command):
    """--language en|ja on `prep diff`: the change list's and the summary's
    own words, and the findings' messages and hints, in that language (a
    Japanese team's pull-request summary). English unless asked."""
    return _language_option(command, configured=False, help=(
        "The language of the summary, the change list's and headings' own words and the findings' messages "
        "and hints (en, ja), in text and markdown (json: the summary and the messages); names, fields, "
        "relations, codes and severities stay as they are. Default: en."))


def _language_option(command, *, configured: bool, help: str):
    import functools

    from .._words import LANGUAGES

    @click.option("--language", type=click.Choice(LANGUAGES), default=None, help=help)
    @functools.wraps(command)
    def run(*args, language=None, **kwargs):
        from .._words import speaking

        if language is None and configured:
            language = _configured_language(kwargs)
        with speaking(language):
            return command(*args, **kwargs)

    return run


def _configured_language(kwargs: dict) -> str | None:
    """`language` under [render] for the first model file the command was
    given (None when there is none, or when the configuration cannot be
    read: the command itself then reports what is wrong with it)."""
    from ..linter.settings import LintConfigError
    from ..renderer.theme import RenderConfigError, settings_for

    given = kwargs.get("files") or kwargs.get("source") or kwargs.get("model_path") or ()
    for path in [given] if isinstance(given, str) else given:
        if path != "-" and os.path.isfile(path):
            try:
                return settings_for(path).language
            except (RenderConfigError, LintConfigError, OSError):
                return None
    return None


def report_error(err, command: str = "prep") -> None:
    """Print a PrepError the way compilers do: position, message, caret,
    hint. An optional part of prep that is not installed is about this
    machine, not about a place in the model: `prep render: error: ...`."""
    first = err.diagnostics[0] if err.diagnostics else None
    if first is not None and first.name == "missing-extra":
        click.echo(f"{command}: error: {first.message}" + (f"\n  hint: {first.hint}" if first.hint else ""),
                   err=True)
        return
    if first is not None and first.name == "bad-revision" and len(err.diagnostics) == 1:
        shown = _on_command_line(first)
        if shown is not None:   # a revision is no place in the model: its place on the command line
            click.echo(shown, err=True)
            return
    click.echo(err.render(), err=True)


def _on_command_line(d, argv: list[str] | None = None) -> str | None:
    """An unknown revision's error with the command line and a caret under
    the revision (a model's first line, which the error is filed at, says
    nothing of it); None when the command line does not hold it."""
    import re
    import shlex

    from ..language.diagnostics import caret_lines, format_diagnostic

    found = re.match(r"unknown revision '(.+)'$", d.message)
    if argv is None:
        ctx = click.get_current_context(silent=True)
        argv = ctx.meta.get("prep.args", []) if ctx is not None else []
    args = list(argv)
    if found is None or not args:
        return None
    rev = found.group(1)

    def sides(arg: str) -> list[str]:   # a range's two revisions and its dots: ['A', '...', 'B']
        return re.split(r"(\.\.\.?)", arg, maxsplit=1)

    def holds(arg: str) -> bool:   # the revision itself, --base=REV, or one side of a range
        return arg == rev or arg.endswith("=" + rev) or rev in sides(arg)[::2]

    at = next((k for k, arg in enumerate(args) if holds(arg)), None)
    if at is None:
        return None
    arg = args[at]
    old, *dots = sides(arg)
    start = (0 if arg == rev or old == rev else
             len(arg) - len(rev) if arg.endswith("=" + rev) else len(old) + len(dots[0]))
    words = ["prep"] + [shlex.quote(a) for a in args]
    before = " ".join(words[: at + 1]) + " " + ("'" if words[at + 1] != arg else "")
    column = len(before) + start + 1
    line = " ".join(words)
    head, *rest = format_diagnostic(d, None).split("\n")
    return "\n".join([head, caret_lines(line, column, column + len(rev))] + rest)


class PrepGroup(click.Group):
    """Turns every failure into a message and an exit code: no traceback ever
    reaches a user (set PREP_DEBUG=1 to see one for a bug report)."""

    def parse_args(self, ctx, args):
        ctx.meta["prep.args"] = list(args)   # the command line as given (an error may point into it)
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        from ..language.diagnostics import PrepError

        try:
            return super().invoke(ctx)
        except PrepError as e:
            report_error(e, "prep" if ctx.invoked_subcommand is None else f"prep {ctx.invoked_subcommand}")
            ctx.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("prep: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            # the reader went away (`prep lint | head`): not an error; leave
            # at once rather than flush into the closed pipe again
            os._exit(EXIT_OK)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except MemoryError:
            click.echo("prep: error: out of memory", err=True)
            ctx.exit(EXIT_ERROR)
        except Exception as e:  # noqa: BLE001
            if os.environ.get("PREP_DEBUG"):
                raise
            click.echo(f"prep: internal error: {type(e).__name__}: {e}\n"
                       "  hint: this is a bug in prep; run again with PREP_DEBUG=1 and report the traceback",
                       err=True)
            ctx.exit(EXIT_ERROR)


def _render_settings(src: str, theme: str | None, direction: str | None, legend: bool | None,
                     default_legend: bool = False):
    """Theme, direction and legend for one model: the command line wins over
    [render] in the model's prep.toml / pyproject.toml, which wins over the
    built-in defaults (`default_legend`: stage pictures have a key unless asked not to)."""
    from ..linter.settings import LintConfigError
    from ..renderer.dot import THEMES
    from ..renderer.theme import RenderConfigError, RenderSettings, settings_for

    try:
        found = settings_for(src)
    except (RenderConfigError, LintConfigError) as e:
        raise config_error(e) from None
    return RenderSettings(
        source=found.source,
        theme=THEMES[theme] if theme is not None else found.theme,
        direction=(direction or found.direction or "LR").upper(),
        legend=legend if legend is not None else found.legend if found.legend is not None else default_legend,
        page=found.page, min_text=found.min_text, direction_given=bool(direction or found.direction),
        language=found.language)


def _lint_settings(path: str) -> dict:
    """The lint settings of the new file's configuration (prep.toml / pyproject.toml)."""
    from ..linter.run import model_lint_options
    from ..linter.settings import LintConfigError

    try:
        return model_lint_options(path)
    except LintConfigError as e:  # a bad prep.toml: what `prep lint` says of it, exit 2 (it was an "internal error")
        raise config_error(e) from None


def warn_of_errors(src: str, model) -> None:
    """Say on stderr when the model has an error that only `prep lint`
    finds (an input cycle, E003; a relation to itself, E004), so a picture
    of a broken model is not taken for a sound one: `render` drew `c, d ~>
    c` and exited 0. The picture is still drawn (exit 0): it shows the
    model as written. Suppressions and prep.toml's ignores count."""
    from ..language.diagnostics import PrepError
    from ..linter.config import drop_per_file
    from ..linter.rule import run_checks
    from ..linter.rules import RULES
    from ..linter.settings import LintConfigError, enabled_codes, resolve_options
    from ..linter.suppress import apply_suppressions

    try:
        settings = _lint_settings(src)
        enabled = enabled_codes(settings.get("select"), settings.get("ignore") or ())
    except (LintConfigError, PrepError):
        return   # a bad prep.toml is said by the command that reads it
    # these two rules only (a whole lint is a render's cost again on a large model)
    rules = [RULES[code] for code in ("E003", "E004") if code in enabled]
    found, _ = apply_suppressions(model, list(run_checks(rules, model, model.index, resolve_options(None))), RULES)
    if settings.get("per_file_ignores"):
        found = drop_per_file(found, settings["per_file_ignores"], settings["per_file_root"])
    if not found:
        return
    first = found[0]
    more = f" and {len(found) - 1} more" if len(found) > 1 else ""
    click.echo(f"prep: warning: {first.span.path}:{first.span.line}:{first.span.column}: {first.code} "
               f"{first.message}{more}; the picture draws the model as written (prep lint {src})", err=True)


def config_error(e: ValueError):
    """A bad prep.toml / pyproject.toml as a PrepError at the line of the
    key or value it refuses, with that line, a caret and a hint."""
    from ..language.diagnostics import PrepError
    from ..linter.config_errors import hint_for, located

    message = str(e)
    found = getattr(e, "error", None) or located(message, hint_for(message))
    if found is not None:
        return found
    path, _, detail = message.partition(": ")
    return PrepError.at(path, detail or message, name="config-error", hint=hint_for(message))


def _diff_pairs(args: tuple[str, ...]):
    """[((old revision, path), (new revision, path))] from the forms of
    `prep diff` (a revision None is the file on disk). Leading arguments
    that are not files (and do not end in .prep) are revisions, as in git;
    `--` may separate them from the files (click removes it)."""
    args = [a for a in args if a != "--"]
    if args and args[0] in ("..", "..."):   # a range with both ends left out (and the folder above, on disk)
        raise click.UsageError(f"'{args[0]}' names no revisions: write both ends of the range, e.g. "
                               f"prep diff HEAD~1{args[0]}HEAD -- model.prep")
    revs = []
    while args and not os.path.exists(args[0]) and not args[0].lower().endswith(".prep"):
        revs.append(args.pop(0))
    paths = args
    if not revs:
        if len(paths) != 2:
            raise click.UsageError("give two files (prep diff old.prep new.prep), a revision and files "
                                   "(prep diff main model.prep), or a range (prep diff main..HEAD -- model.prep)")
        return [((None, paths[0]), (None, paths[1]))]
    if not paths:
        raise click.UsageError(f"give the model file(s) after the revision: prep diff {' '.join(revs)} -- model.prep")
    for p in paths:
        if os.path.isdir(p):   # before anything reads a revision ('-- .' was "outside the git repository")
            from ..language.diagnostics import PrepError

            raise PrepError.at(p, f"'{p}' is a folder, not a model file", name="usage-error",
                               hint=f"give the model file (a workspace's root, the file with the include lines): "
                                    f"prep diff {' '.join(revs)} -- {_model_in(p)}")
    if len(revs) == 1 and "..." in revs[0]:
        # git's three dots: from where NEW branched from OLD (a pull request's own change)
        from ..language.revisions import merge_base

        a, _, b = revs[0].partition("...")
        old_rev, new_rev = merge_base(a or "HEAD", b or "HEAD", paths[0]), b or "HEAD"
    elif len(revs) == 1 and ".." in revs[0]:
        a, _, b = revs[0].partition("..")
        old_rev, new_rev = a or "HEAD", b or "HEAD"
    elif len(revs) == 1:
        old_rev, new_rev = revs[0], None
    elif len(revs) == 2:
        old_rev, new_rev = revs
    else:
        raise click.UsageError("give one revision (against the files on disk), a range OLD..NEW, or two revisions")
    return [((old_rev, p), (new_rev, p)) for p in paths]


def _model_in(folder: str) -> str:
    """The model to give instead of `folder`: a workspace root in it, else
    the root that includes its model files (a folder of parts: 'sales/'
    suggested a 'sales/model.prep' that does not exist), else one of them."""
    from ..language.source import models_in, roots_in

    roots = roots_in(folder)
    if roots:
        return os.path.normpath(os.path.join(folder, roots[0]))
    models = [os.path.join(folder, n) for n in models_in(folder)]
    if models:
        including = _root_including(models)
        return os.path.relpath(including) if including else os.path.normpath(models[0])
    return os.path.join(folder, "model.prep")


def _root_including(models: list[str]) -> str | None:
    """The workspace root that includes the first of `models` (a folder's
    model files, none of them a root), or None."""
    from ..linter.run import roots_of_parts

    including = roots_of_parts(models[:1]).get(models[0]) if models else None
    return including[0] if including else None


def _check_some_side(old_rev, old_path: str, new_rev, new_path: str) -> None:
    """A model may be missing on one side (added or deleted between two
    revisions), not on both: that is a typo, or an option after `--`."""
    from ..language.diagnostics import PrepError
    from ..language.revisions import exists_at

    if old_rev is None and new_rev is None:
        return  # two files: loading says which one is missing
    from ..language.source import refuse_link_out

    # a committed link out of the workspace, named after --: said so (it was "no model
    # 'vendor.prep' at main or HEAD", the link being followed to a path outside the tree)
    refuse_link_out(new_path)
    if not exists_at(old_rev, old_path) and not exists_at(new_rev, new_path):
        where = " or ".join(r or "the work tree" for r in (old_rev, new_rev))
        raise PrepError.at(new_path, f"no model '{new_path}' at {where}", name="usage-error",
                           hint="check the file name; options go before the revisions and --: "
                                "prep diff --format markdown main..HEAD -- model.prep")


def refuse_folder(path: str) -> None:
    """A folder given where a model file goes (render, report, export,
    status, serve): the located error that reading it gives, naming the
    model to give instead. For a folder of parts (`prep render teams`),
    which has no root in it, that is the root that includes them, as `prep
    diff` names it (`_model_in`): the language's hint named one of the
    parts, which read alone lacks what the other files declare."""
    if path == "-" or not os.path.isdir(path):
        return
    from ..language.diagnostics import PrepError
    from ..language.source import models_in, read_source, roots_in

    if not roots_in(path):
        including = _root_including([os.path.join(path, n) for n in models_in(path)])
        if including:
            raise PrepError.at(path, "is a folder, not a model file", name="unreadable-file",
                               hint=f"give the model file: the workspace's root that includes the files in it, "
                                    f"{including}; `prep lint` also takes a folder")
    read_source(path)   # raises: the folder's root, or one of its files, as the hint


def note_if_part(path: str, command: str, whole: str = "{root}") -> None:
    """Say on stderr when the model file `path` is a part of a workspace
    (a root of its workspace includes it): read alone it lacks what the
    other files declare (a knowhow declared in delivery.prep is drawn as a
    tangible box in sales.prep's picture, its names are undeclared), which
    nothing else would tell. `whole`: the arguments that give the whole
    model instead, `{root}` standing for the root."""
    from ..linter.run import roots_of_parts

    if path == "-" or not os.path.isfile(path):
        return
    roots = roots_of_parts([path]).get(path)
    if roots:
        root = roots[0]
        instead = f"prep {command} {whole.format(root=root)}"
        click.echo(f"prep {command}: note: {path} is part of the workspace {root}: read alone, it lacks what "
                   f"the other files declare (with the whole model: {instead})", err=True)


def _model_at(rev, path: str, strict: bool = True):
    """(model, label) of `path` at `rev` (None: on disk). `strict=False`:
    model errors (E002, E005, E006) kept as findings, as lint reads them."""
    from ..language import load
    from ..language.revisions import load_at

    if rev is None:
        return load(path, strict=strict), path
    model = load_at(rev, path, strict=strict)
    if model.path == path:  # the root of a workspace: its files keep their paths, the side says its revision
        from ..language.revisions import repository_of

        return model, f"{rev}:{repository_of(path)[1]}"
    return model, model.path


def root_of_all(files, command: str, one: str) -> str:
    """The one of `files` that includes all the others (`prep render *.prep
    -o all.svg` or `prep report *.prep` in a workspace's folder: its root
    and its parts), said on stderr; else a usage error, `one` saying what
    the command takes."""
    from ..linter.run import roots_and_parts

    paths = list(dict.fromkeys(files))
    if len(paths) == 1:
        return paths[0]
    if "-" not in paths:
        _, kept = roots_and_parts(paths)
        for root, parts in kept.items():
            if all(os.path.realpath(f) in parts for f in paths if f != root):
                click.echo(f"prep {command}: note: {root} includes the other files given: the whole model it "
                           "reaches", err=True)
                return root
        if kept:
            root = next(iter(kept))
            raise click.UsageError(f"{one}; the files given are not one model ({root} includes some of them): "
                                   f"give the root of the model, prep {command} {root} ...")
        from ..linter.run import roots_of_parts

        found = roots_of_parts(paths)   # parts of a root that is not among them
        roots = list(dict.fromkeys(r for f in paths for r in found.get(f, ())))
        if roots:
            which = "parts" if all(f in found for f in paths) else "some of them parts"
            part = f" (one part: prep render {roots[0]} --part FILE)" if command == "render" else ""
            raise click.UsageError(f"{one}; the files given are {which} of the workspace {' and '.join(roots)}: "
                                   f"give its root, prep {command} {roots[0]} ...{part}")
    raise click.UsageError(f"{one} (a model kept in several files: give the file that includes the others)")

