"""Workspaces: one model kept in many files (`include "sales.prep"`).

A root file names other files with `include "PATH"` (a path or a glob,
relative to the including file). Every file the root reaches is parsed on
its own and their statements are built into ONE `Model` with one
namespace, in a fixed order: the root first, then each include depth-first
in the order written (a glob's matches sorted). Every span names the file
that holds its statement, so lint findings, E002 conflicts (with the other
file as the related place) and carets point at the right file.

    from prep.language.workspace import load_workspace, read_workspace

    model = load_workspace("models/main.prep")   # a Model; raises PrepError
    model.files            # {path: text}, the root first: what carets are drawn from
    ws = read_workspace("models/main.prep")      # never raises for include problems
    ws.paths               # every file the root reaches, in reading order (watch these)
    ws.errors              # the located errors (missing file, cycle, outside, ...)

Safety: a workspace has a root folder (`workspace_root`): the folder of the
nearest prep.toml, or pyproject.toml with a [tool.prep] table, at or above
the root file; else the git work tree (a `.git` entry); else the root
file's own folder. An include is read only when it lies inside that folder:
an absolute path, a `..` that climbs out and a symbolic link that leads out
are errors located at the `include` line, and the outside file is never
opened, so a pull request cannot make CI print a file from outside the
repository. Missing files (with a did-you-mean), globs that match nothing,
include cycles (the chain is named) and files that are not UTF-8 are
located errors too (E000: `prep lint` exits 2).

Other sources of files: `read_workspace(root, files=...)` takes any object
with the methods of `DiskFiles` (read, glob, kind, real, model_files), so a
caller can resolve a workspace at a git revision (`prep diff`) or from an
editor's unsaved buffers (the language server); `DiskFiles(read=fn)`
replaces only how a file's text is read.

A file without `include` lines never comes here: `prep.load` parses it and
builds its model exactly as before (the cost of a workspace is paid only by
a model that has one).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from typing import Callable

from .diagnostics import ERROR, Diagnostic, PrepError, Related, Span
from .boundary import first_link_out, inside as _inside, shown_folder as _shown_folder
from .boundary import workspace_root  # noqa: F401  (the loader's API: where a workspace ends)

# the markers of a workspace root, nearest first (the configuration files
# prep.linter.config reads, then the repository)
CONFIG_FILES = ("prep.toml", "pyproject.toml")
_GLOB_CHARS = frozenset("*?[")
_MAX_CANDIDATES = 20_000  # model files looked at for a did-you-mean


# --------------------------------------------------------------------------
# where the workspace ends


# --------------------------------------------------------------------------
# how files are seen


class DiskFiles:
    """Files on disk, as the loader sees them. `read(path) -> text` may be
    replaced (e.g. by an editor's unsaved buffers); subclass to see another
    tree altogether (a git revision), keeping the method contracts."""

    def __init__(self, read: Callable[[str], str] | None = None):
        if read is not None:
            self.read = read  # type: ignore[method-assign]

    def read(self, path: str) -> str:
        """The normalized text of a model file; PrepError (located in that
        file) when it cannot be read as one (not UTF-8, binary, ...)."""
        from .source import read_source

        return read_source(path, confined=False)   # every include is checked where it is resolved

    def kind(self, path: str) -> str | None:
        """"file", "folder" or None (nothing there)."""
        if os.path.isfile(path):
            return "file"
        if os.path.isdir(path):
            return "folder"
        return None

    def real(self, path: str) -> str:
        """The absolute path with every symbolic link resolved."""
        return os.path.realpath(path)

    def glob(self, folder: str, pattern: str) -> list[str]:
        """Paths relative to `folder` matching `pattern` (`**` spans
        folders; hidden files are not matched), files only, sorted."""
        import glob

        found = glob.glob(pattern, root_dir=folder or ".", recursive=True)
        return sorted(p for p in found if os.path.isfile(os.path.join(folder, p)))

    def model_files(self, folder: str) -> list[str]:
        """Every *.prep below `folder` (hidden folders skipped), relative to
        it, for a did-you-mean; at most a few thousand."""
        out: list[str] = []
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for f in sorted(filenames):
                if f.endswith(".prep"):
                    out.append(os.path.relpath(os.path.join(dirpath, f), folder))
                    if len(out) >= _MAX_CANDIDATES:
                        return out
        return out


# --------------------------------------------------------------------------
# reading every file a root reaches


@dataclass
class Workspace:
    """Every file a root reaches, read and parsed, in reading order."""

    root: str                                   # the root file, as given
    folder: str                                 # the workspace root (absolute)
    files: dict[str, str] = field(default_factory=dict)       # path -> text, the root first
    parsed: dict[str, tuple] = field(default_factory=dict)    # path -> (statements, comments)
    errors: list[Diagnostic] = field(default_factory=list)    # include and read errors, located
    # every glob as (folder, pattern, what it matched): what a cache must
    # look at again, since a new file can match without any file changing
    globs: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    # did-you-means for a missing file (a walk of the workspace's model
    # files): not when only the paths are wanted
    hints: bool = True

    @property
    def paths(self) -> list[str]:
        """Every file reached, the root first (those read without error
        and those that failed to read or parse alike)."""
        return list(self.files)


def read_workspace(root: str, *, files: DiskFiles | None = None, text: str | None = None,
                   parsed: tuple | None = None, folder: str | None = None, parse=None,
                   hints: bool = True) -> Workspace:
    """Read `root` and every file it includes. Problems are collected in
    `errors` (nothing is raised for them); a root that cannot be read at
    all raises its PrepError. `text` / `parsed`: the root's text and
    (statements, comments) when the caller has them already. `folder`: the
    workspace root (default: `workspace_root(root)`). `parse(text, path)
    -> (statements, comments)`: the parser (default: the language's).
    `hints=False`: errors without a did-you-mean (no walk to find one)."""
    if parse is None:
        from .parse import parse_statements as parse

    files = files or DiskFiles()
    ws = Workspace(root, os.path.abspath(folder) if folder is not None else workspace_root(root), hints=hints)
    real_folder = files.real(ws.folder)
    if text is None:
        text = files.read(root)
    if parsed is None:
        parsed = parse(text, root)
    ws.files[root] = text
    ws.parsed[root] = parsed
    seen = {files.real(root): root}
    _follow(ws, files, root, parsed[0], [files.real(root)], [root], seen, real_folder, parse)
    return ws


_INCLUDE_LINE = None


def _include_lines(text: str, path: str) -> tuple[list, tuple]:
    """Only the `include "..."` lines of a text, as statements: enough to
    follow a workspace without parsing it (every include written, whether
    or not the file has other errors)."""
    global _INCLUDE_LINE
    if _INCLUDE_LINE is None:
        import re

        from .fastparse import STRING_PATTERN, WS_PATTERN

        _INCLUDE_LINE = re.compile("^" + WS_PATTERN + "*(include)" + WS_PATTERN + "+(" + STRING_PATTERN + ")", re.M)
    from .syntax import IncludeStmt, unescape

    out = []
    if "include" in text:
        for m in _INCLUDE_LINE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            start = m.start() - (text.rfind("\n", 0, m.start()) + 1)
            col, end = m.start(1) - m.start() + start + 1, m.end(2) - m.start() + start + 1
            tcol = m.start(2) - m.start() + start + 1
            target = Span(path, line, tcol, line, end)
            out.append(IncludeStmt(unescape(m.group(2)), target, Span(path, line, col, line, end)))
    return out, ()


def reached_paths(root: str, *, files: DiskFiles | None = None) -> list[str]:
    """Every file `root` reaches through `include`, the root first, without
    parsing them (their `include` lines only): what a watcher watches, and
    how `prep lint DIR` tells the roots from their parts. Problems are
    ignored here; loading the root reports them."""
    if files is None:
        files = DiskFiles(_text_if_include)
    return read_workspace(root, files=files, parse=_include_lines, hints=False).paths


def _text_if_include(path: str) -> str:
    """A file's text as `read_source` reads it, or "" when its bytes have no
    "include" at all (no include line to follow: most parts of a workspace,
    not even decoded; `prep lint FILE` looks for the roots of a file's
    workspace, and decoding the 200 parts of a 100,000-deliverable one took
    0.1 s)."""
    from .source import read_source

    try:
        with open(path, "rb") as f:
            if b"include" not in f.read():
                return ""
    except OSError:
        pass   # read_source says what is wrong
    return read_source(path)


def _follow(ws: Workspace, files: DiskFiles, path: str, statements: list, chain_real: list[str],
            chain: list[str], seen: dict[str, str], real_folder: str, parse) -> None:
    """Read the includes of one file (depth-first, in the order written)."""
    from .syntax import IncludeStmt

    for st in statements:
        if type(st) is not IncludeStmt:
            continue  # includes inside blocks are the model builder's error
        for target in _resolve(ws, files, path, st, real_folder):
            real = files.real(target)
            if real in chain_real:
                at = chain_real.index(real)
                cycle = " -> ".join(chain[at:] + [target])
                ws.errors.append(_error(st.target_span, f"include cycle: {cycle}",
                                        "a file cannot include itself, directly or through others: "
                                        "remove one `include` of the chain (a root includes its parts, "
                                        "the parts do not include the root)"))
                continue
            if real in seen:
                continue  # reached along another path already: read once
            seen[real] = target
            included_from = Related(st.target_span, "included from here")
            try:
                text = files.read(target)
            except PrepError as e:
                ws.files[target] = e.source if e.source is not None else ""
                ws.errors.extend(_with_related(d, included_from) for d in e.diagnostics)
                continue
            ws.files[target] = text
            try:
                parsed = parse(text, target)
            except PrepError as e:
                ws.errors.extend(_with_related(d, included_from) for d in e.diagnostics)
                continue
            ws.parsed[target] = parsed
            _follow(ws, files, target, parsed[0], chain_real + [real], chain + [target], seen, real_folder, parse)


def _plain_path(path: str) -> str:
    """`path` normalized, and when relative and climbing (`../teams/x.prep`
    from a root given as `../main.prep` inside teams/), relative to the
    current folder the short way (`x.prep`), as the user would name it."""
    path = os.path.normpath(path)
    if not os.path.isabs(path) and path.startswith(os.pardir):
        try:
            return os.path.relpath(os.path.abspath(path))
        except ValueError:   # another drive
            return path
    return path


def _resolve(ws: Workspace, files: DiskFiles, path: str, st, real_folder: str) -> list[str]:
    """The files one `include` names (paths as spans give them), checked to
    lie inside the workspace; errors go to `ws.errors` (and give [])."""
    where = st.target_span
    target = st.target
    shown_root = _shown_folder(ws.folder)
    if not target.strip():
        ws.errors.append(_error(where, "`include` names no file", 'write the path of a model file: include "sales.prep"'))
        return []
    if os.path.isabs(target) or target.startswith(("/", "\\")) or os.path.splitdrive(target)[0]:
        ws.errors.append(_error(where, f"include '{target}' is an absolute path",
                                f"write the path relative to this file's folder; a model reads only files "
                                f"inside its workspace ({shown_root})"))
        return []
    base = os.path.dirname(path)
    joined = _plain_path(os.path.join(base, target))
    if not _inside(os.path.abspath(joined), ws.folder):
        ws.errors.append(_error(where, f"include '{target}' leads out of the workspace ({shown_root})",
                                "a model reads only files inside its workspace: the folder of the nearest "
                                "prep.toml (or pyproject.toml with [tool.prep]), else the git repository; "
                                "move the file inside, or put a prep.toml in a folder above both"))
        return []
    if _GLOB_CHARS.intersection(target):
        # the folders before the first wildcard: not even listed when a link takes them outside
        literal = []
        for part in target.replace("\\", "/").split("/"):
            if _GLOB_CHARS.intersection(part):
                break
            literal.append(part)
        prefix = os.path.normpath(os.path.join(base, *literal)) if literal else None
        if prefix is not None and not _inside(files.real(prefix), real_folder):
            link = _as_written(_first_link_out(files, prefix, real_folder), base)
            ws.errors.append(_error(where, f"'{link}' is a symbolic link that leads out of the workspace "
                                    f"({shown_root})", "a model reads only files inside its workspace; copy the "
                                    "files in instead of linking to their folder"))
            return []
        found = files.glob(base, target)
        ws.globs.append((base, target, tuple(found)))
        matches = [_plain_path(os.path.join(base, m)) for m in found]
        # a root may include "*.prep" beside itself without including itself
        matches = [m for m in matches if files.real(m) != files.real(path)]
        if not matches:
            unclosed = _unclosed_set(target)
            if unclosed:
                ws.errors.append(_error(
                    where, f"no file matches '{target}': its '[' in '{unclosed}' is not closed, so it stands for itself",
                    "close the set of characters with ']', as in `[sd]*.prep` (a name that starts with s or d), "
                    "or write `[[]` for a '[' itself"))
            else:
                ws.errors.append(_error(where, f"no file matches '{target}'",
                                        _near(files, ws, base, target, "check the pattern; it is relative to this "
                                              "file's folder, and `**` spans folders")))
            return []
    else:
        kind = files.kind(joined) if _inside(files.real(joined), real_folder) else "outside"
        if kind is None:
            ws.errors.append(_error(where, f"no file '{target}' (looked for {joined})",
                                    _near(files, ws, base, target, "check the path; it is relative to this "
                                          "file's folder (or remove this include if the file is gone)",
                                          including=where.path)))
            return []
        if kind == "folder":
            ws.errors.append(_error(where, f"'{target}' is a folder, not a model file",
                                    f'include its files with a glob: include "{target.rstrip("/")}/*.prep"'))
            return []
        matches = [joined]
    out = []
    for m in matches:
        if not _inside(files.real(m), real_folder):
            # never opened, and neither where it leads nor what is there is said
            link = _as_written(_first_link_out(files, m, real_folder), base)
            ws.errors.append(_error(where, f"'{link}' is a symbolic link that leads out of the workspace ({shown_root})",
                                    "a model reads only files inside its workspace; copy the file in "
                                    "instead of linking to it"))
            continue
        out.append(m)
    return out


def _first_link_out(files: DiskFiles, path: str, real_folder: str) -> str:
    """`boundary.first_link_out`, with `files`' idea of a real place."""
    return first_link_out(path, real_folder, files.real)


def _as_written(path: str, base: str) -> str:
    """`path` as an include in a file of folder `base` writes it: 'part.prep',
    not 'cases/link/ws/part.prep' (the command's folder's spelling)."""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(base or "."))
    return path if rel.startswith(os.pardir) else rel.replace(os.sep, "/")


def _unclosed_set(pattern: str) -> str | None:
    """The name of `pattern` whose '[' has no ']' after it (glob then reads
    the '[' as itself, which is rarely what was meant), or None."""
    for part in pattern.replace("\\", "/").split("/"):
        at = part.find("[")
        while at != -1:
            close = part.find("]", at + 2 if part[at + 1:at + 2] in ("!", "]") else at + 1)
            if close == -1:
                return part
            at = part.find("[", close + 1)
    return None


def _near(files: DiskFiles, ws: Workspace, base: str, target: str, otherwise: str,
          including: str | None = None) -> str:
    """A did-you-mean among the model files of the workspace, as paths
    from the including file's folder."""
    if not ws.hints:
        return otherwise
    try:
        names = files.model_files(ws.folder)
    except OSError:
        names = []
    here = os.path.abspath(base or ".")
    # a file this one includes by another line is no better guess (a deleted success.prep was
    # 'sales.prep', two lines up); one another file includes may be (`sale.prep` in delivery.prep)
    from .syntax import IncludeStmt

    statements = ws.parsed.get(including, ((), ()))[0] if including else ()
    own = {os.path.normpath(os.path.join(here, st.target)) for st in statements
           if isinstance(st, IncludeStmt) and st.target != target}
    relative = []
    for n in names:
        if os.path.normpath(os.path.join(ws.folder, n)) in own:
            continue
        rel = os.path.relpath(os.path.join(ws.folder, n), here).replace(os.sep, "/")
        relative.append(rel)
    target = target.replace(os.sep, "/")
    if _GLOB_CHARS.intersection(target):
        # a pattern: its folders as the files' folders are, the pattern's own name kept
        # ("team/*.prep" is "teams/*.prep", not one file of teams/)
        folder, _, name = target.rpartition("/")
        folders = sorted({r.rpartition("/")[0] for r in relative if "/" in r} - {""})
        if folder and not _GLOB_CHARS.intersection(folder):
            close = difflib.get_close_matches(folder, folders, n=1, cutoff=0.6)
            if close and any(glob_matcher(f"{close[0]}/{name}")(r) for r in relative):
                return f"did you mean '{close[0]}/{name}'?"
        return otherwise
    close = difflib.get_close_matches(target, relative, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'? (or remove this include if the file is gone)"
    return otherwise


def _error(span: Span, message: str, hint: str) -> Diagnostic:
    return Diagnostic("E000", ERROR, message, span, name="unreadable-file", hint=hint)


def _with_related(d: Diagnostic, related: Related) -> Diagnostic:
    return Diagnostic(d.code, d.severity, d.message, d.span, d.name, d.subject, d.hint,
                      d.related + (related,), d.stage)


# --------------------------------------------------------------------------
# one model


def build_workspace_model(ws: Workspace, *, strict: bool = True):
    """The one Model of every file of `ws`: statements in reading order.
    Raises PrepError (with every file's text, for carets) when a file could
    not be read or parsed, or when `strict` and the model has errors."""
    from .model import build_model

    if ws.errors:
        raise PrepError(ws.errors, ws.files.get(ws.root), sources=dict(ws.files))
    statements: list = []
    comments: list = []
    for path in ws.files:
        st, cm = ws.parsed[path]
        statements.extend(st)
        comments.extend(cm)
    model = build_model(statements, ws.root, comments, ws.files[ws.root], files=dict(ws.files))
    if strict and model.errors:
        raise PrepError(model.errors, ws.files[ws.root], sources=dict(ws.files))
    return model


def load_workspace(root: str | os.PathLike[str], *, strict: bool = True, files: DiskFiles | None = None,
                   read: Callable[[str], str] | None = None, folder: str | None = None):
    """The Model of `root` and every file it reaches (see the module's
    docstring). `read(path) -> text` replaces how files are read; `files`
    replaces how they are seen altogether; `folder` the workspace root."""
    if files is None:
        files = DiskFiles(read)
    return build_workspace_model(read_workspace(os.fspath(root), files=files, folder=folder), strict=strict)


def no_folder_error(statements: list, text: str) -> PrepError:
    """Text given without a file (`prep.loads(text)`) has no folder to
    resolve an include from: say so at the first one."""
    from .syntax import IncludeStmt

    first = next(st for st in statements if type(st) is IncludeStmt)
    return PrepError([_error(first.span, "`include` needs the model's own file: text given without a path has "
                             "no folder to find the included files in",
                             "use prep.load(path), or prep.loads(text, path=\"models/main.prep\") to resolve "
                             "includes from that file's folder")], text)


def has_includes(statements: list) -> bool:
    """Whether a file's top level has an `include` (the only place one counts)."""
    from .syntax import IncludeStmt

    return any(type(st) is IncludeStmt for st in statements)


def glob_matcher(pattern: str):
    """A test of a '/'-separated path (relative to the including file's
    folder) against an include's glob, as `DiskFiles.glob` reads it
    (`glob.glob(..., recursive=True)`): `*`, `?` and `[...]` within one
    name, `**` any number of folders, and a name starting with '.' only
    matched by a part that starts with '.'. For a file view without a disk
    (a git revision) and for a watcher (is a new file one a glob takes?)."""
    import re

    parts = [p for p in pattern.replace("\\", "/").split("/") if p not in ("", ".")]
    regex = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            regex.append(r"(?:[^./][^/]*/)*" if not last else r"(?:[^./][^/]*/)*[^./][^/]*")
            continue
        name = _name_pattern(part)
        if not part.startswith(".") and _has_wildcard(part):
            name = r"(?!\.)" + name
        regex.append(name + ("" if last else "/"))
    compiled = re.compile("(?s:" + "".join(regex) + r")\Z")
    return lambda path: compiled.match(path) is not None


def _name_pattern(part: str) -> str:
    """One name of a glob as a regular expression that never crosses a
    '/' (fnmatch's own `*` would)."""
    import re

    out, i = [], 0
    while i < len(part):
        c = part[i]
        i += 1
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = i
            if j < len(part) and part[j] == "!":
                j += 1
            if j < len(part) and part[j] == "]":
                j += 1
            while j < len(part) and part[j] != "]":
                j += 1
            if j >= len(part):
                out.append(re.escape(c))  # no closing ]: a plain '['
                continue
            body = part[i:j].replace("\\", "\\\\")
            i = j + 1
            if body[:1] == "!":  # as fnmatch: '!' negates, a leading '^' is itself
                body = "^/" + body[1:]
            elif body[:1] == "^":
                body = "\\" + body
            out.append(f"[{body}]")
        else:
            out.append(re.escape(c))
    return "".join(out)


def _has_wildcard(part: str) -> bool:
    return any(c in part for c in "*?[")
