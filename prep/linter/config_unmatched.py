"""`per-file-ignores` patterns that match no model file: a pattern written
relative to the wrong folder (the models' folder instead of the
configuration's) is accepted and silently ignores nothing. `prep lint`
warns of each such pattern on stderr, at its line in the configuration
file, with a did-you-mean built from the files the workspace has.

A pattern is checked against every model file under the configuration's
folder (not only the files linted: `prep lint one.prep` may be run with a
pattern meant for the others)."""

from __future__ import annotations

import difflib
import os
import re

from ..language.diagnostics import WARNING, Diagnostic, Span
from .config import LintSettings, glob_matches, shown


def unmatched_patterns(settings: LintSettings, models: list[str] | None = None) -> list[Diagnostic]:
    """A warning for each per-file-ignores pattern of `settings` that
    matches none of `models` (default: the model files under
    `settings.root`, as `prep lint` of that folder finds them), located at
    the pattern in `settings.source`."""
    if not settings.per_file_ignores or settings.source is None:
        return []
    if models is None:
        from .run import workspace_models

        models = workspace_models(settings.root)
    top = os.path.abspath(settings.root)
    paths = [os.path.relpath(os.path.abspath(m), top).replace(os.sep, "/") for m in models]
    paths = [p for p in paths if not p.startswith("../")]
    unmatched = [pattern for pattern, _ in settings.per_file_ignores
                 if not any(glob_matches(pattern, p) for p in paths)]
    if not unmatched:
        return []
    try:
        with open(settings.source, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        text = ""
    config = shown(settings.source)
    folder = shown(top)
    folder = "the current folder" if folder == "." else folder.rstrip("/" + os.sep) + "/"
    out = []
    for pattern in unmatched:
        line, column, end = _place(text, pattern)
        meant = _meant(pattern, paths)
        hint = f"patterns are relative to the folder of {os.path.basename(settings.source)} ({folder})"
        hint += f"; did you mean '{meant}'?" if meant else "; a pattern without '/' matches a file name in any folder"
        out.append(Diagnostic("E000", WARNING, f"per-file-ignores pattern '{pattern}' matches no model file",
                              Span(config, line, column, line, end), name="unmatched-pattern", hint=hint))
    return out


def _place(text: str, pattern: str) -> tuple[int, int, int]:
    """(line, column, end column) of `pattern` as a key after the
    per-file-ignores table (or inline table) opens; its opening line when
    the key is not found as written."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "per-file-ignores" in line.split("#", 1)[0]), None)
    if start is None:
        return 1, 1, 1
    keys = [re.escape(f'"{pattern}"'), re.escape(f"'{pattern}'")]
    if re.fullmatch(r"[A-Za-z0-9_-]+", pattern):
        keys.append(rf"(?<![\w\"'-]){re.escape(pattern)}(?=\s*=)")
    token = re.compile("|".join(keys))
    for i in range(start, len(lines)):
        m = token.search(lines[i])
        if m is not None:
            return i + 1, m.start() + 1, m.end() + 1
    return start + 1, 1, len(lines[start]) + 1


def _meant(pattern: str, paths: list[str]) -> str | None:
    """The pattern the user likely meant: written from a folder below the
    configuration's (`legacy/*.prep` for `models/legacy/*.prep`), or from
    one above it (`repo/models/*.prep`), else the nearest file path."""
    clean = pattern.strip()
    clean = clean[2:] if clean.startswith("./") else clean.lstrip("/")
    parts = clean.split("/")
    for k in range(1, len(parts)):   # written from a folder above: drop its leading folders
        shorter = "/".join(parts[k:])
        if "/" in shorter and any(glob_matches(shorter, p) for p in paths):
            return shorter
    for p in sorted(paths):   # written from a folder below: the folders before it
        folders = p.split("/")[:-1]
        for k in range(1, len(folders) + 1):
            longer = "/".join(folders[:k]) + "/" + clean
            if glob_matches(longer, p):
                return longer
    if "/" not in clean:   # a file name, matched in any folder
        names = sorted({p.rsplit("/", 1)[-1] for p in paths})
        close = difflib.get_close_matches(clean, names, n=1, cutoff=0.6)
    else:
        close = difflib.get_close_matches(clean, paths, n=1, cutoff=0.6)
    return close[0] if close else None
