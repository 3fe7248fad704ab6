"""The language server's view of workspaces (issue 20): which root each
file is checked with, and the analysis of a root's one model, split into
one `Analysis` per file.

A file is checked as part of a root when a model file of its workspace
folder reaches it through `include` (the rule `prep lint DIR` follows,
`prep.linter.run.part_of`); a file with `include` lines that no other file
reaches is a root itself; any other file is a model on its own, exactly as
before workspaces.

Files are read through `EditorFiles`: an open buffer's text wins over the
file on disk, so an unsaved edit counts everywhere. Each file's parse is
kept (by its text), and disk text by modification time: a change in one
file re-parses that file only, then builds and lints the root's model
again from every file's kept statements.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Callable

from ..language.diagnostics import Diagnostic, PrepError
from ..language.workspace import DiskFiles, read_workspace, workspace_root
from . import analysis as A

MAX_SCANNED = 2000        # model files looked at in one folder to find the roots
MAX_SCANNED_DIRS = 20_000  # and folders walked (an editor opened on a home folder)

_INCLUDE = re.compile(r'^[ \t\u3000]*include[ \t\u3000]+("(?:[^"\\\n]|\\.)*")', re.M)


def include_targets(text: str) -> tuple[str, ...]:
    """The `include "..."` lines of a text, as written: when they change,
    which file belongs to which root may change."""
    return tuple(_INCLUDE.findall(text)) if "include" in text else ()


class EditorFiles(DiskFiles):
    """Files as the editor sees them: an open buffer's text, else the file
    on disk (read again only when its modification time or size changes)."""

    def __init__(self, buffer: Callable[[str], str | None]):
        super().__init__()
        self.buffer = buffer
        self.disk: dict[str, tuple[tuple[int, int], str]] = {}

    def read(self, path: str) -> str:
        text = self.buffer(path)
        if text is not None:
            return text
        try:
            st = os.stat(path)
        except OSError:
            st = None
        stamp = (st.st_mtime_ns, st.st_size) if st is not None else None
        kept = self.disk.get(path)
        if kept is not None and stamp is not None and kept[0] == stamp:
            return kept[1]
        text = super().read(path)  # PrepError (located) when it cannot be read as a model file
        if stamp is not None:
            self.disk[path] = (stamp, text)
        return text

    def kind(self, path: str) -> str | None:
        if self.buffer(path) is not None:
            return "file"
        return super().kind(path)


def model_files(folder: str) -> list[str]:
    """The *.prep below `folder` as `prep lint DIR` finds them (sorted,
    hidden folders skipped, links that lead out skipped), but bounded: the
    first MAX_SCANNED files, in at most MAX_SCANNED_DIRS folders. What git
    ignores is left out as `prep lint DIR` leaves it out (respect-gitignore;
    a configuration the server cannot read counts as its default, on)."""
    from ..language.gitignore import walk_models

    top = os.path.realpath(folder)
    out: list[str] = []
    for walked, (dirpath, names) in enumerate(walk_models(folder, _respects_gitignore(folder))):
        if walked >= MAX_SCANNED_DIRS:
            break
        for f in names:
            path = os.path.join(dirpath, f)
            if os.path.islink(path) and not os.path.realpath(path).startswith(top.rstrip(os.sep) + os.sep):
                continue
            out.append(os.path.normpath(path))
            if len(out) >= MAX_SCANNED:
                return out
    return out


def _respects_gitignore(folder: str) -> bool:
    from ..linter.config import respects_gitignore
    from ..linter.settings import LintConfigError

    try:
        return respects_gitignore(folder)
    except LintConfigError:
        return True  # the server says what is wrong with the file where it lints


@dataclass
class View:
    """One root's model and every file it reached, each with its Analysis."""

    root: str
    texts: dict[str, str]                  # path -> the text analysed, the root first
    model: object
    analyses: dict[str, A.Analysis] = field(default_factory=dict)
    config_error: str | None = None
    _by_real: dict[str, str] | None = None

    def find(self, path: str) -> A.Analysis | None:
        """The analysis of `path`, also when the editor names the file by
        another path to it (a symbolic link)."""
        found = self.analyses.get(path)
        if found is None:
            if self._by_real is None:
                self._by_real = {os.path.realpath(p): p for p in self.analyses}
            other = self._by_real.get(os.path.realpath(path))
            found = self.analyses.get(other) if other is not None else None
        return found


def _relative_paths(d: Diagnostic, folder: str) -> Diagnostic:
    """`d` with the workspace folder's absolute paths in its message and
    hint written from that folder ("looked for delivry.prep", "include
    cycle: a.prep -> b.prep -> a.prep"): the server reads files by their
    absolute paths, and its messages said "/home/.../a.prep" where the
    command line says "a.prep"."""
    from dataclasses import replace

    prefix = folder.rstrip(os.sep) + os.sep
    if prefix not in d.message and prefix not in (d.hint or ""):
        return d
    return replace(d, message=d.message.replace(prefix, ""), hint=d.hint.replace(prefix, "") if d.hint else d.hint)


class Project:
    """What the server knows of the workspaces: parses kept by text, the
    roots of each folder, and where files are read from."""

    def __init__(self, buffer: Callable[[str], str | None], folders: Callable[[], list[str]]):
        self.files = EditorFiles(buffer)
        self.folders = folders
        self.parsed: dict[str, A.Parsed] = {}
        self.parts: dict[str, dict[str, str]] = {}       # folder -> {real path of a part: its root}
        self.includes: dict[str, tuple[str, ...]] = {}   # path -> its include lines, last seen
        self.ws_roots: dict[str, str] = {}               # a root's folder -> its workspace root

    # ------------------------------------------------------------------
    # which root

    def forget(self) -> None:
        """Files came or went on disk (or a configuration changed): find
        the roots again."""
        self.parts.clear()
        self.ws_roots.clear()

    def note(self, path: str, text: str) -> None:
        """`path` now reads `text`: when its include lines differ from the
        last seen, which file belongs to which root is found again."""
        targets = include_targets(text)
        if self.includes.get(path, ()) != targets:
            self.parts.clear()
        self.includes[path] = targets

    def folder_of(self, path: str) -> str:
        """The editor's workspace folder that holds `path` (the innermost),
        else the file's own folder."""
        best = ""
        for f in self.folders():
            f = os.path.normpath(f)
            if (path.startswith(f.rstrip(os.sep) + os.sep)) and len(f) > len(best):
                best = f
        return best or os.path.dirname(path)

    def root_of(self, path: str) -> str | None:
        """The root `path` is checked with (itself when it includes others
        and no file reaches it), or None: a model on its own."""
        folder = self.folder_of(path)
        parts = self.parts.get(folder)
        if parts is None:
            parts = self.parts[folder] = self._find_parts(folder)
        root = parts.get(os.path.realpath(path))
        if root is not None:
            return root
        try:
            text = self.files.read(path)
        except (OSError, PrepError):
            return None
        return path if include_targets(text) else None

    def _find_parts(self, folder: str) -> dict[str, str]:
        from ..linter.run import part_of

        if not os.path.isdir(folder):
            return {}
        return part_of(model_files(folder), self.files)

    def workspace_folder(self, root: str) -> str:
        here = os.path.dirname(root)
        found = self.ws_roots.get(here)
        if found is None:
            found = self.ws_roots[here] = workspace_root(root)
        return found

    # ------------------------------------------------------------------
    # reading

    def parse(self, text: str, path: str) -> A.Parsed:
        kept = self.parsed.get(path)
        if kept is not None and (kept.text is text or kept.text == text):
            return kept
        parsed = self.parsed[path] = A.parse_tolerant(text, path)
        return parsed

    def _statements(self, text: str, path: str):
        """The parser `read_workspace` calls: never raises, a file's syntax
        errors stay with its own analysis."""
        parsed = self.parse(text, path)
        return (parsed.statements or [], parsed.comments)

    def view(self, root: str, lint_settings, encoding: str) -> View:
        """The analysis of `root`'s whole model. `lint_settings(root)` ->
        (options for lint_model, LintSettings or None, configuration error).

        The cyclic garbage collector is held off while the model is built:
        every parse kept makes the heap big, and a full collection in the
        middle of a build costs as much as the build (measured: 0.3 s of
        0.65 s for 10,000 deliverables); the server collects when the
        editor is idle (`PrepServer.publish`)."""
        import gc

        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._view(root, lint_settings, encoding)
        finally:
            if enabled:
                gc.enable()

    def _view(self, root: str, lint_settings, encoding: str) -> View:
        from ..language.model import build_model
        from ..linter import lint_model
        from ..linter.settings import LintConfigError

        ws = read_workspace(root, files=self.files, parse=self._statements, folder=self.workspace_folder(root))
        statements: list = []
        comments: list = []
        texts: dict[str, str] = {}
        works: dict[str, str] = {}
        for path, text in ws.files.items():
            texts[path] = text
            parsed = self.parsed.get(path) if path in ws.parsed else None
            if parsed is not None and parsed.text == text:
                statements.extend(parsed.statements or [])
                comments.extend(parsed.comments)
                works[path] = parsed.work
            else:
                works[path] = text
        model = build_model(statements, root, comments, works[root], files=works)
        options, settings, config_error = lint_settings(root)
        several = len(works) > 1
        if several and settings is not None and settings.per_file_ignores:
            options = dict(options, ignore=list(settings.ignore))
        try:
            findings = lint_model(model, **options)
        except LintConfigError as e:
            config_error = config_error or str(e)
            findings = lint_model(model)
        if several and settings is not None and settings.per_file_ignores:
            from ..linter.config import per_file_ignores as _per_file_ignores

            findings = _per_file_ignores(findings, settings)
        view = View(root, texts, model, config_error=config_error)
        by_file: dict[str, list[Diagnostic]] = {p: [] for p in texts}
        for d in findings:
            by_file.setdefault(d.span.path, []).append(d)
        for d in ws.errors:
            d = _relative_paths(d, ws.folder)
            by_file.setdefault(d.span.path, []).append(d)
            if d.name == "unreadable-file":
                # a part that could not be read (not UTF-8, say): at the include line that reaches
                # it too (with the root open alone, nothing was shown)
                here = next((r.span for r in d.related if r.span.path in texts and r.span.path != d.span.path),
                            None)
                if here is not None:
                    shown = os.path.relpath(d.span.path, os.path.dirname(here.path) or ".").replace(os.sep, "/")
                    by_file[here.path].append(Diagnostic(d.code, d.severity, f"{shown}: {d.message}", here,
                                                         d.name, None, d.hint))
        for path, text in texts.items():
            parsed = self.parsed.get(path) if path in ws.parsed else None
            result = A.Analysis(path, text, model, list(parsed.errors) if parsed is not None else [],
                                encoding=encoding)
            result.findings = by_file.get(path, [])
            if parsed is not None:
                result.occurrences = parsed.occurrences
                result.stage_blocks = parsed.stage_blocks
            result.config_error = config_error
            result.workspace = view
            view.analyses[path] = result
        return view

    def current(self, view: View) -> bool:
        """Whether every file of `view` still reads as it did."""
        for path, text in view.texts.items():
            try:
                now = self.files.read(path)
            except (OSError, PrepError):
                return False
            if now is not text and now != text:
                return False
        return True
