"""Linting files: find the models below the given paths, load each one, find
its configuration, and lint it. The command line only calls `lint_paths`
and a formatter.

A file with `include` lines is the root of a workspace: it is linted as the
one model of every file it reaches (findings located in the file that holds
the statement). Among the files given, one that a root reaches is checked
as part of that root and not again on its own (`plan_roots`).

Exit status (ruff's convention): 0 no finding at or above the fail-on
level, 1 findings, 2 an input error (a file that cannot be read, a syntax
error) or a usage error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..language.diagnostics import SEVERITY_RANK, Diagnostic, PrepError
from ..language.source import has_include_line
from . import lint_model
from .config import ConfigFinder, LintSettings, respects_gitignore
from .config import per_file_ignores as _per_file_ignores
from .rules import FATAL_CODES
from .settings import rule_for

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@dataclass
class Overrides:
    """Settings from the command line; they win over configuration files."""

    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    options: dict[str, dict[str, int]] = field(default_factory=dict)   # by rule name or code
    severity: dict[str, str] = field(default_factory=dict)
    fail_on: str | None = None
    # skip what git ignores below a folder given (None: the configuration's respect-gitignore)
    respect_gitignore: bool | None = None


@dataclass
class FileReport:
    path: str
    source: str | None
    findings: list[Diagnostic]
    model: object = None          # the Model, or None when it could not be read
    fail_on: str = "warning"
    options: dict = field(default_factory=dict)   # rule options by code, as used
    # a workspace root: the text of every file it reached, the root first
    # (None for a single file: `source` is all there is)
    sources: dict[str, str] | None = None
    # a root linted for parts given by name: the parts its findings are
    # limited to (None: the findings of every file it reached)
    only: tuple[str, ...] | None = None

    def checked(self) -> list[str]:
        """The files whose findings the report gives."""
        return list(self.only) if self.only is not None else list(self.texts())

    def texts(self) -> dict[str, str | None]:
        """{path: text} of every file the report's carets may point into."""
        return dict(self.sources) if self.sources else {self.path: self.source}

    @property
    def fatal(self) -> bool:
        return any(d.code in FATAL_CODES for d in self.findings)


def find_models(paths: list[str], respect_gitignore: bool | None = None) -> list[str]:
    """Files as given; folders expanded to every *.prep below them (sorted,
    hidden folders skipped, and symbolic links whose file lies outside the
    folder skipped too: `prep lint .` in CI must not read a file a pull
    request links to from elsewhere). In a git work tree, what git ignores
    below a folder is skipped too (`prep.language.gitignore`), unless
    `respect_gitignore` is False (None: `respect-gitignore` of the folder's
    configuration, true by default; LintConfigError when it is not a
    boolean). A file given by name is kept whatever git says of it, and so
    is a path that does not exist, so loading it reports E000."""
    from ..language.boundary import link_out_of_workspace

    out: list[str] = []
    for p in paths:
        if os.path.isdir(p) and link_out_of_workspace(p) is not None:
            # a folder given that is (or lies below) a link out of the workspace: one path,
            # refused when read, and nothing out there looked at (its files were listed, each
            # refused by name: the names of files outside the repository, in a pull request's log)
            out.append(p)
        elif os.path.isdir(p):
            out.extend(_models_below(p, respect_gitignore))
        else:
            out.append(p)
    return list(dict.fromkeys(out))


def _models_below(folder: str, respect_gitignore: bool | None) -> list[str]:
    from ..language.gitignore import walk_models

    if respect_gitignore is None:
        respect_gitignore = respects_gitignore(folder)
    top = os.path.realpath(folder)
    out: list[str] = []
    for dirpath, names in walk_models(folder, respect_gitignore):
        for f in names:
            path = os.path.join(dirpath, f)
            if os.path.islink(path) and not _inside(os.path.realpath(path), top):
                continue
            out.append(os.path.normpath(path))
    return out


def _by_code(mapping: dict) -> dict:
    out: dict = {}
    for key, value in mapping.items():
        code = rule_for(str(key), "options").code
        out.setdefault(code, {}).update(value)
    return out


def lint_options(path: str, settings: LintSettings, overrides: Overrides) -> dict:
    """The rule selection, options and severities one file is linted with:
    its configuration file, then the command line."""
    options = _by_code(dict(settings.options))
    for code, values in _by_code(overrides.options).items():
        options.setdefault(code, {}).update(values)
    return {"select": overrides.select if overrides.select is not None else settings.select,
            "ignore": settings.ignores_for(path) + list(overrides.ignore),
            "options": options, "severity": {**settings.severity, **overrides.severity}}


def model_lint_options(path: str, overrides: Overrides | None = None) -> dict:
    """`lint_model`'s settings for the model read from `path` (a
    workspace's root: the whole model), as `prep lint` lints it: the
    configuration found from it (prep.toml / pyproject.toml), then
    `overrides` (select replaces, ignore adds, options and severity per
    rule). Per-file ignores apply to each finding by the file that holds
    it, a workspace's parts too. Raises LintConfigError for a bad
    configuration. `prep report`, `prep render --lint`, `prep export`,
    `prep.lint` and `prep.report` all read it so."""
    settings = ConfigFinder(default_root=os.getcwd()).for_file(path)
    overrides = overrides or Overrides()
    found = lint_options(path, settings, overrides)
    if settings.per_file_ignores:   # by file below, the root's own too (not by the root's name here)
        found["ignore"] = list(settings.ignore) + list(overrides.ignore)
        found["per_file_ignores"] = [[p, list(codes)] for p, codes in settings.per_file_ignores]
        found["per_file_root"] = os.path.abspath(settings.root)
    return found


# errors about the revision or the repository, not about the model at the base
REVISION_ERRORS = frozenset({"bad-revision", "not-a-repository", "no-git", "usage-error"})


def only_new(report: FileReport, base_rev: str, overrides: Overrides, on_unreadable=None) -> FileReport:
    """`report` with only the findings that the file at `base_rev` does not
    have (matched by rule and subject, as `prep diff` matches them). A
    model that cannot be read at the base (a syntax error there, a missing
    part) has no findings to subtract: every finding is new, and
    `on_unreadable(path, error)` is told (a pull request that mends a
    broken base could otherwise never pass)."""
    from ..language.revisions import load_at
    from .review import introduced_by

    if report.fatal or report.model is None:
        return report
    try:
        base = load_at(base_rev, _name_at(base_rev, report.path), strict=False)
    except PrepError as e:
        if any(d.name in REVISION_ERRORS for d in e.diagnostics):
            raise
        if on_unreadable is not None:
            on_unreadable(report.path, e)
        return report
    settings = ConfigFinder(default_root=os.getcwd()).for_file(report.path)
    same = introduced_by(base, report.model, report.findings, **lint_options(report.path, settings, overrides))
    return FileReport(report.path, report.source, same, report.model, report.fail_on, report.options,
                      report.sources, report.only)


def _name_at(rev: str, path: str) -> str:
    """`path`'s name at `rev`: its old name when git sees the file as
    renamed since (a renamed model's findings are not new)."""
    from ..language.revisions import exists_at, renamed_from

    if exists_at(rev, path):
        return path
    return renamed_from(rev, None, path) or path


def lint_file(path: str, settings: LintSettings, overrides: Overrides, cache=None) -> FileReport:
    """Lint one file (or the workspace it is the root of). With a
    `prep.linter.cache.LintCache`, unchanged files (same bytes,
    configuration and prep; for a workspace, every file it reached) are
    answered from it without parsing."""
    from ..language import read_model

    fail_on = overrides.fail_on or settings.fail_on or "warning"
    effective = lint_options(path, settings, overrides)
    select, ignore, options, severity = (effective[k] for k in ("select", "ignore", "options", "severity"))
    # the per-file ignores as written (and the folder they are relative to): those that name a
    # part of a workspace change its findings without changing the root's own `ignore`
    config = [select, ignore, options, severity]
    if settings.per_file_ignores:
        config.append([os.path.abspath(settings.root), [list(p) for p in settings.per_file_ignores]])
    ticket = cache.lookup(path, config) if cache is not None else None
    if ticket is not None and ticket.hit is not None:
        source, findings = ticket.hit
        return FileReport(path, source, findings, None, fail_on, options, ticket.sources)
    try:
        model, workspace = read_model(path, strict=False)
    except PrepError as e:
        sources = e.sources
        # an error of a workspace (a missing part, a cycle) may go away
        # without the root changing: only a single file's is kept
        if ticket is not None and b"include" not in ticket.data:
            cache.store(ticket, e.source, list(e.diagnostics))
        return FileReport(path, e.source, list(e.diagnostics), None, fail_on, sources=sources)
    several = len(model.files) > 1
    if several and settings.per_file_ignores:
        # one model, many files: per-file-ignores apply to each finding by its own file
        ignore = list(settings.ignore) + list(overrides.ignore)
    findings = lint_model(model, select=select, ignore=ignore, options=options, severity=severity)
    if several:
        findings = _per_file_ignores(findings, settings)
    if ticket is not None:
        cache.store(ticket, model.source, findings, workspace)
    return FileReport(path, model.source, findings, model, fail_on, options, dict(model.files) if several else None)


def plan_roots(models: list[str]) -> list[str]:
    """Which of `models` to lint on their own, in the given order: a file
    that another one reaches through `include` is checked as part of it."""
    covered = part_of(models)
    if not covered:
        return models
    return [p for p in models if os.path.realpath(p) not in covered]


def part_of(models: list[str], files=None) -> dict[str, str]:
    """{real path of a part: the root it is checked with} among `models`.
    The roots reaching the most files go first, so in a chain main ->
    sales -> delivery main is kept, and in a cycle the first file is.
    `files`: a `DiskFiles` to read through (the language server's sees
    unsaved buffers)."""
    return roots_and_parts(models, files)[0]


def roots_and_parts(models: list[str], files=None) -> tuple[dict[str, str], dict[str, set[str]]]:
    """`part_of`'s answer, and {root kept: the real paths of its parts}:
    a part that two roots (an As-Is and a To-Be) include is in both."""
    from ..language.workspace import reached_paths

    reach: dict[str, set[str]] = {}
    for p in models:
        try:
            if files is None:
                if not has_include_line(p):  # most files have none: not even decoded
                    continue
            elif "include" not in files.read(p):
                continue
            reached = reached_paths(p, files=files)
        except (OSError, PrepError):
            continue  # linting the file says what is wrong with it
        if len(reached) > 1:
            reach[p] = {os.path.realpath(f) for f in reached[1:]}
    order = {p: i for i, p in enumerate(models)}
    covered: dict[str, str] = {}
    kept: dict[str, set[str]] = {}
    for p in sorted(reach, key=lambda q: (-len(reach[q]), order[q])):
        if os.path.realpath(p) not in covered:
            kept[p] = reach[p]
            for part in reach[p]:
                covered.setdefault(part, p)
    return covered, kept


def lint_paths(paths: list[str], overrides: Overrides | None = None, cache=None) -> list[FileReport]:
    """Lint every model below `paths` (raises LintConfigError for a bad
    configuration file or override). `cache`: a `prep.linter.cache.LintCache`.
    A file that another file of the set includes is linted as part of it;
    any other file that a root of its workspace includes (a part given by
    name, as pre-commit passes the parts that changed, or found in a folder
    that holds parts but not their root: `prep lint teams/`) is linted as
    part of that root (of each, when two roots include it), and only its
    own findings are reported (`roots_of_parts`)."""
    overrides = overrides or Overrides()
    finder = ConfigFinder(default_root=os.getcwd())
    models = find_models(paths, overrides.respect_gitignore)
    if len(models) > 1:
        models = plan_roots(models)
    roots = roots_of_parts(models)
    order: list[str | FileReport] = []
    parts_of: dict[str, list[str]] = {}
    for p in models:
        if p not in roots:
            order.append(lint_file(p, finder.for_file(p), overrides, cache))
            continue
        for root in roots[p]:
            if root not in parts_of:
                parts_of[root] = []
                order.append(root)  # linted below, once for all its parts given
            parts_of[root].append(p)
    return [r if isinstance(r, FileReport) else _findings_in(lint_file(r, finder.for_file(r), overrides, cache),
                                                              parts_of[r])
            for r in order]


def workspace_models(folder: str) -> list[str]:
    """The model files of a workspace folder, as `find_models([folder])`
    finds them; in a git work tree from git's index and its untracked
    files that are not ignored (`git ls-files`: a folder of a repository
    may hold thousands of folders, node_modules among them, and no model)."""
    import subprocess

    try:
        proc = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.prep"],
                              cwd=folder, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        proc = None
    if proc is None or proc.returncode != 0:
        # not a repository (or no git): nothing is ignored, and the configuration is not read here
        return find_models([folder], respect_gitignore=False)
    top = os.path.realpath(folder)
    out = []
    for rel in sorted(set(proc.stdout.decode("utf-8", "surrogateescape").split("\0"))):
        if not rel or any(part.startswith(".") for part in rel.split("/")[:-1]):
            continue  # hidden folders are skipped, as find_models skips them
        path = os.path.normpath(os.path.join(folder, rel))
        if os.path.isfile(path) and _inside(os.path.realpath(path), top):
            out.append(path)
    return out


def _may_include(folder: str) -> list[str]:
    """The model files that may include a file whose workspace root is
    `folder`: the workspace's (`workspace_models`) when a marker makes it
    the root (prep.toml, [tool.prep], `.git`). A folder with no marker is
    the root of the files right in it, and so is each folder above it (none
    has a marker either): those files may include it, and no other. A file
    in a folder below has that folder (or a marker between) for its root,
    which an include cannot climb out of. Walking the folder cost 0.6 s
    on each `prep render` and `prep lint` of a model saved in a home folder
    of 60,000 folders, and grew with the folder."""
    from ..language.boundary import inside, marked
    from ..language.source import models_in

    if marked(folder):
        return workspace_models(folder)
    out: list[str] = []
    here = folder
    while True:
        top = os.path.realpath(here)
        for name in models_in(here):
            path = os.path.join(here, name)
            if not os.path.islink(path) or inside(os.path.realpath(path), top):
                out.append(path)   # a link out of the folder is not read (as find_models skips it)
        parent = os.path.dirname(here)
        if parent == here:
            return out
        here = parent


def roots_of_parts(files: list[str]) -> dict[str, list[str]]:
    """{file: the roots it is checked with} for those of `files` that a
    root of their workspace (`workspace_root`) includes: every root that
    no other root includes, in the order `part_of` keeps them (usually one;
    a file shared by an As-Is and a To-Be root has both), each named as
    the file is (relative when it is). A file no root includes is not in
    it. A file with `include` lines is taken for a root itself (it is one
    in all but a chain of includes, and in a cycle it is where the error
    is told), and is not looked for: that costs a walk of the workspace's
    model files, once per workspace folder (`_may_include`)."""
    from ..language.workspace import workspace_root

    found: dict[str, list[str]] = {}
    roots_by_folder: dict[str, dict[str, set[str]]] = {}
    for f in files:
        if has_include_line(f) or not os.path.isfile(f):
            continue  # a root itself; or linting it says what is wrong with it
        folder = workspace_root(f)
        kept = roots_by_folder.get(folder)
        if kept is None:
            kept = roots_by_folder[folder] = roots_and_parts(_may_include(folder))[1]
        real = os.path.realpath(f)
        roots = [root for root, parts in kept.items() if real in parts]
        if not roots:
            continue
        if not os.path.isabs(f):
            try:
                roots = [os.path.relpath(root) for root in roots]
            except ValueError:  # another drive
                pass
        found[f] = roots
    return found


def _findings_in(report: FileReport, parts: list[str]) -> FileReport:
    """The report of a root linted for some of its `parts`: the findings
    located in them (or pointing into them), and every fatal one (a model
    that cannot be read is not checked at all)."""
    wanted = {os.path.realpath(p) for p in parts}

    def ours(d: Diagnostic) -> bool:
        return (d.code in FATAL_CODES or os.path.realpath(d.span.path) in wanted
                or any(os.path.realpath(r.span.path) in wanted for r in d.related))

    return FileReport(report.path, report.source, [d for d in report.findings if ours(d)], report.model,
                      report.fail_on, report.options, report.sources, tuple(parts))


def distinct_findings(reports: list[FileReport]) -> list[Diagnostic]:
    """Every finding of `reports`, in order, each printed once: a part that
    two roots include is checked in each, so the same finding (same code,
    place and message) can come from both. Findings that differ (a part
    used in one root and left isolated in the other) are all kept."""
    if sum(1 for r in reports if r.sources) < 2:  # no two workspaces: no part checked twice
        return [d for r in reports for d in r.findings]
    seen: set = set()
    out = []
    for r in reports:
        for d in r.findings:
            key = (d.code, d.span, d.message)
            if key not in seen:
                seen.add(key)
                out.append(d)
    return out


def exit_status(reports: list[FileReport]) -> int:
    if any(r.fatal for r in reports):
        return EXIT_ERROR
    for r in reports:
        if r.fail_on == "never":
            continue
        bar = SEVERITY_RANK[r.fail_on]
        if any(SEVERITY_RANK.get(d.severity, 0) >= bar for d in r.findings):
            return EXIT_FINDINGS
    return EXIT_OK


def repo_root(start: str | None = None) -> str:
    """The git work tree containing `start` (default: the current folder),
    or the current folder: SARIF and GitHub annotations need paths relative
    to the repository."""
    d = os.path.abspath(start or os.getcwd())
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return os.path.abspath(os.getcwd())
        d = parent


def repo_roots():
    """path -> the folder SARIF and GitHub annotations give that file's
    path from: the git work tree of the current folder when the file is in
    it (a submodule's file too, from the superproject), else the work tree
    that holds the file, else the current folder. A CI job that checks the
    models out into a folder of its own (`actions/checkout` with `path:`)
    runs prep from outside their repository, or from its own; GitHub
    places a finding by its path in the models' repository."""
    from functools import lru_cache

    here = repo_root()
    in_git = os.path.exists(os.path.join(here, ".git"))

    @lru_cache(maxsize=None)
    def of_folder(folder: str) -> str:
        if in_git and _inside(folder, here):
            return here
        return repo_root(folder)

    return lambda path: of_folder(os.path.dirname(os.path.abspath(path)))


def _inside(path: str, folder: str) -> bool:
    """Is `path` (absolute, resolved, as every caller gives it) `folder` or below it?"""
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # another drive
        return False
