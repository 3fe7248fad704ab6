"""`prep diff`: what changed in the process between two versions of a model."""

from __future__ import annotations

import dataclasses
import os
import sys

import click

from .common import (EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, _check_some_side, _diff_pairs, _lint_settings,
                     _model_at, diff_language_option, report_error)


@click.command("diff", context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1, required=True)
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "markdown", "github"]), default="text",
              show_default=True, help="markdown fits a pull-request comment or $GITHUB_STEP_SUMMARY; github "
                                      "writes annotations for the findings the change introduced.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when there is a semantic change (as git diff --exit-code).")
@click.option("--fail-on-new", type=click.Choice(["error", "warning", "info", "never"]),
              help="Exit 1 when the change introduces a finding of this severity or worse (never: not for "
                   "findings, as lint's --fail-on never).")
@click.option("--color/--no-color", "colour", default=None, help="Colour the text output (default: on a terminal).")
@click.option("--no-cache", is_flag=True, help="Neither read nor keep review records (a big model's findings and "
                                               "ranking at a revision, kept beside the lint cache).")
@diff_language_option
def diff(args, fmt, exit_code, fail_on_new, colour, no_cache):
    """What changed in the process between two versions of a model:
    deliverables, relations, groups, stages and measures added, removed,
    renamed or changed, the findings the change introduced and resolved, and the fragility ranking
    before and after. Reformatting and reordering are no change.
    The root of a workspace is compared as the whole model at each
    revision, every include followed in that revision's tree: moving a
    declaration from one file to another is no change either. A part
    of a workspace (a file a root includes) is compared as its root's
    whole model; parts of one root give one comparison.

    \b
      prep diff old.prep new.prep            two files
      prep diff main model.prep              model.prep at main against the file on disk
      prep diff main..HEAD -- model.prep     two revisions (also: main HEAD -- a.prep b.prep)
    """
    from ..language.diagnostics import PrepError
    from ..linter.review import format_github, format_json, format_markdown, format_text, review_loading
    from ..linter.run import repo_root

    pairs = _followed(_whole_models(_diff_pairs(args)))
    status = EXIT_OK
    outputs = []
    for (old_rev, old_path), (new_rev, new_path) in pairs:
        unreadable_base = None
        try:
            # in the job summary too: a committed link out of the workspace left it empty
            _check_some_side(old_rev, old_path, new_rev, new_path)
            # a bad prep.toml too: said in the job summary and as an annotation, as lint says it
            recorded = dict(records=None if no_cache else _records, identify_old=_identify(old_rev, old_path),
                            identify_new=_identify(new_rev, new_path), **_lint_settings(new_path))
            try:
                result = _without_gc(lambda: _review_pair(old_rev, new_rev, old_path, new_path, recorded)
                                     or review_loading(lambda: _model_at(old_rev, old_path, strict=False),
                                                       lambda: _model_at(new_rev, new_path, strict=False),
                                                       **recorded))
            except PrepError as err:
                unreadable_base = _only_the_base(err, old_rev, old_path, new_rev, new_path)
                if unreadable_base is None:
                    raise
                # a base that cannot be read (a syntax error there) has nothing to compare with: the
                # new side against an empty model, said so; a change that mends the base can pass
                click.echo(f"prep diff: note: {_said(unreadable_base)}: everything counts as added", err=True)
                result = _without_gc(lambda: review_loading(lambda: _empty_at(old_rev, old_path),
                                                            lambda: _model_at(new_rev, new_path, strict=False),
                                                            **dict(recorded, records=None)))
        except PrepError as err:
            if fmt not in ("markdown", "github"):
                raise
            # a job summary or a pull request's annotations: say it there too, not on stderr only
            report_error(err, "prep diff")
            outputs.append(_unread(err, fmt, new_rev, new_path))
            status = EXIT_ERROR
            continue
        result = dataclasses.replace(result, old_revision=old_rev, new_revision=new_rev)
        if fmt == "json":
            text = format_json(result)
            if unreadable_base is not None:
                import json

                text = json.dumps(dict(json.loads(text), base_unreadable=_said(unreadable_base)),
                                  ensure_ascii=False, indent=2) + "\n"
            outputs.append(text)
        elif fmt == "markdown":
            outputs.append(format_markdown(result) if unreadable_base is None else
                           format_markdown(result).replace("\n", f"\n\n> **Note:** {_said(unreadable_base)}: "
                                                                 f"everything counts as added.\n", 1))
        elif fmt == "github":
            outputs.append(format_github(result, root=repo_root(os.path.dirname(os.path.abspath(new_path))),
                                         path=new_path))
        else:
            if colour is None:  # a terminal, unless NO_COLOR asks otherwise (no-color.org)
                colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
            outputs.append(format_text(result, colour=colour))
        if exit_code and not result.changes.empty and status != EXIT_ERROR:
            status = EXIT_FINDINGS
        if fail_on_new not in (None, "never") and result.fails_on_new(fail_on_new) and status != EXIT_ERROR:
            status = EXIT_FINDINGS
    if fmt == "json" and len(outputs) > 1:
        import json

        click.echo(json.dumps([json.loads(o) for o in outputs], ensure_ascii=False, indent=2))
    else:
        click.echo(("\n" if fmt == "markdown" else "").join(outputs), nl=False, color=colour if fmt == "text" else None)
    sys.exit(status)


def _only_the_base(err, old_rev, old_path: str, new_rev, new_path: str):
    """The old side's first error when `err` comes from the model at the
    old revision alone (not a revision name, the repository, or the new
    side): each side read again on its own to tell. None otherwise."""
    from ..language.diagnostics import PrepError
    from ..linter.run import REVISION_ERRORS

    if old_rev is None or any(d.name in REVISION_ERRORS for d in err.diagnostics):
        return None
    try:
        _model_at(new_rev, new_path, strict=False)
    except PrepError:
        return None
    try:
        _model_at(old_rev, old_path, strict=False)
    except PrepError as old_err:
        if old_err.diagnostics and not any(d.name in REVISION_ERRORS for d in old_err.diagnostics):
            return old_err.diagnostics[0]
    return None


def _said(d) -> str:
    """The base's first error, in a line."""
    return f"the base cannot be read ({d.span.path}:{d.span.line}:{d.span.column}: {d.message})"


def _empty_at(rev, path: str):
    """(an empty model, the label of `path` at `rev`)."""
    from ..language import loads
    from ..language.revisions import repository_of

    label = f"{rev}:{repository_of(path)[1]}"
    return loads("", label), label


def _unread(err, fmt: str, new_rev, new_path: str) -> str:
    """A comparison that could not be made, in Markdown (why, for the job
    summary) or as annotations (a single model's error at the new
    revision, `REV:model.prep`, put on the file)."""
    from dataclasses import replace

    from ..linter.formats import format_github as lint_github
    from ..linter.review import format_markdown_unread
    from ..linter.run import repo_roots

    if fmt == "markdown":
        return format_markdown_unread(f"{new_rev}:{new_path}" if new_rev else new_path, err.diagnostics)
    prefix = f"{new_rev}:"
    return lint_github([replace(d, span=d.span._replace(path=d.span.path.removeprefix(prefix)))
                        for d in err.diagnostics], root=repo_roots())


def _whole_models(pairs):
    """The pairs to compare, a part of a workspace replaced by its root: a
    file that a root of its workspace includes (on disk) is no model on its
    own, and compared alone it shows the names other files declare as
    added and as findings (the prep review action passes every changed
    file). Parts of one root give one comparison. Said on stderr. Two files
    given as such (`prep diff old.prep new.prep`) are compared as given.
    A part deleted since the old revision (so not on disk) is looked for
    among what the roots on disk reached at that revision: compared alone,
    its deliverables, moved to another part, would show as removed."""
    from ..linter.run import roots_of_parts

    at_revisions = [new_path for (old_rev, old_path), (new_rev, new_path) in pairs
                    if (old_rev, new_rev) != (None, None) and old_path == new_path and os.path.isfile(new_path)]
    roots = roots_of_parts(at_revisions) if at_revisions else {}
    deleted = [(old_rev, old_path) for (old_rev, old_path), (new_rev, new_path) in pairs
               if old_rev is not None and old_path == new_path and not os.path.lexists(old_path)
               and old_path.endswith(".prep")]
    if deleted:
        roots.update(_roots_of_deleted(deleted))
    out, seen, notes = [], set(), {}
    for (old_rev, old_path), (new_rev, new_path) in pairs:
        found = roots.get(new_path) if (old_rev, new_rev) != (None, None) and old_path == new_path else None
        if found:
            # one note per workspace, however many of its parts the change touched
            deleted_at = old_rev if (old_rev, new_path) in deleted else None
            notes.setdefault((tuple(found), deleted_at), []).append(new_path)
        for path in found or [new_path]:
            key = (old_rev, path if found else old_path, new_rev, path)
            if key not in seen:
                seen.add(key)
                out.append(((key[0], key[1]), (key[2], key[3])))
    for (found, deleted_at), parts in notes.items():
        names = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
        verb = ("was" if len(parts) == 1 else "were") if deleted_at else ("is" if len(parts) == 1 else "are")
        where = f"part of the workspace {' and of '.join(found)}" + (f" at {deleted_at}" if deleted_at else "")
        click.echo(f"prep diff: {names} {verb} {where}: comparing the whole model{'s' if len(found) > 1 else ''}",
                   err=True)
    return out


def _followed(pairs):
    """The pairs with a model that git sees as renamed since the old
    revision compared with its old name there (`git diff -M`): the review
    action passes the new name only, and compared with nothing there, a
    renamed file showed every deliverable as added and every finding as
    new. Said on stderr."""
    from ..language.revisions import exists_at, renamed_from

    out = []
    for (old_rev, old_path), (new_rev, new_path) in pairs:
        if (old_rev is not None and old_path == new_path and old_rev != new_rev
                and not exists_at(old_rev, old_path) and exists_at(new_rev, new_path)):
            source = renamed_from(old_rev, new_rev, new_path)
            if source is not None:
                click.echo(f"prep diff: {new_path} was {source} at {old_rev}: comparing the two", err=True)
                old_path = source
        out.append(((old_rev, old_path), (new_rev, new_path)))
    return out


def _roots_of_deleted(deleted: list[tuple[str, str]]) -> dict[str, list[str]]:
    """{path: the roots on disk that reached it at its revision} for files
    that are not on disk any more ((revision, path) pairs)."""
    from ..language.diagnostics import PrepError
    from ..language.revisions import GitFiles
    from ..language.workspace import reached_paths, workspace_root
    from ..linter.run import roots_and_parts, workspace_models

    found: dict[str, list[str]] = {}
    candidates: dict[str, list[str]] = {}  # workspace folder -> its roots on disk
    trees: dict[str, GitFiles] = {}
    try:
        for rev, path in deleted:
            folder = workspace_root(path)
            if folder not in candidates:
                candidates[folder] = list(roots_and_parts(workspace_models(folder))[1])
            wanted = os.path.abspath(path)
            for root in candidates[folder]:
                try:
                    tree = trees.get(rev) or trees.setdefault(rev, GitFiles(rev, root))
                    reached = reached_paths(root, files=tree)
                except PrepError:
                    continue  # not there at that revision, or not readable: compared alone
                if wanted in {os.path.abspath(p) for p in reached[1:]}:
                    name = root if os.path.isabs(path) else os.path.relpath(root)
                    found.setdefault(path, []).append(name)
    finally:
        for tree in trees.values():
            tree.close()
    return found


def _review_pair(old_rev, new_rev, old_path: str, new_path: str, options: dict):
    """The review of a workspace root at two revisions, read together (each
    file the same at both parsed once): None when that does not apply (a
    side on disk, two paths, or not a workspace at both revisions)."""
    if old_rev is None or new_rev is None or old_path != new_path or not _mentions_include(new_path):
        return None
    from ..language.revisions import load_workspaces_at, repository_of
    from ..linter.review import review, start_new_side, start_old_side
    from ..linter.review_sides import start_record_read

    # each side's work, under way while the other model is built: when the
    # old side is recorded, the new side's lint is the long one, so the new
    # model is built first and its lint started; else the old side's lint
    # and ranking are, and the old model comes first
    started_old, started_new = [], []
    lint_options = {k: v for k, v in options.items() if k not in ("records", "identify_old", "identify_new", "top")}
    # the old side's record, read by a child forked now, while this process is small
    kept = None if options["records"] is None else _kept_records()
    early = start_record_read(kept, options["identify_old"], new_path, options.get("top", 10), lint_options)
    new_first = early is not None
    old_options = {k: v for k, v in options.items() if k != "identify_new"}
    new_options = {k: v for k, v in options.items() if k != "identify_old"}
    try:
        models = load_workspaces_at(
            old_rev, new_rev, new_path, new_first=new_first, strict=False,
            on_old=lambda model: started_old.append(start_old_side(model, early=early, **old_options)),
            on_new=(lambda model: started_new.append(start_new_side(model, old_recorded=True, **new_options)))
            if new_first else None)
    except BaseException:
        for child, _ in started_old + started_new + ([early] if early else []):
            child.stop()
        raise
    if models is None:
        if early is not None:
            early[0].stop()
        return None
    rel = repository_of(new_path)[1]
    return review(*models, old_label=f"{old_rev}:{rel}", new_label=f"{new_rev}:{rel}",
                  old_side=started_old[0] if started_old else None,
                  new_side=started_new[0] if started_new else None, **options)


def _mentions_include(path: str) -> bool:
    """Does the file on disk say `include` anywhere? A hint (either way is
    right) that spares a single file the git calls of reading both
    revisions together only to find it is no workspace."""
    try:
        with open(path, "rb") as f:
            return b"include" in f.read()
    except OSError:
        return True


def _records():
    """The review records of the project around the current folder (None:
    no cache folder can be written)."""
    from ..linter.review_record import ReviewRecords

    return ReviewRecords.open()


def _kept_records():
    """The review records around the current folder when some are kept
    already (None: none, and no folder is made for them here)."""
    from ..linter.review_record import ReviewRecords

    return ReviewRecords.existing()


def _identify(rev, path: str):
    """What the files of `path` at revision `rev` are, asked when a record
    is wanted; None for a file on disk (the lint cache covers that)."""
    if rev is None:
        return None
    from ..language.revisions import tree_identity

    known = []  # asked once: git lists the tree each time

    def identify():
        if not known:
            known.append(tree_identity(rev, path))
        return known[0]

    return identify


def _without_gc(work):
    """`work()` with the cyclic garbage collector off. `prep diff` reads two
    big models that live until the end: each collection rescans all they
    hold (0.1 s of CPU per side at 10,000 deliverables) and finds nothing
    to free. Afterwards what exists is frozen (never rescanned again) and
    collection resumes."""
    import gc

    if not gc.isenabled():
        return work()
    gc.disable()
    try:
        return work()
    finally:
        gc.freeze()
        gc.enable()
