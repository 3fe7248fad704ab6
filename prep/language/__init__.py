"""The language stage: text in, a checked `Model` out.

    source.py   bytes -> text (encodings, invisible characters)
    parse.py    text -> statements (Lark, with the table of known mistakes)
    fastparse.py  the same statements without Lark, for valid files
    syntax.py   the statements both parsers produce
    model.py    statements -> Model (frozen dataclasses), model errors
    graph.py    Model -> networkx.MultiDiGraph
    export.py   Model <-> JSON
    views.py    part of a model (--focus, --group)
    workspace.py  a root file and the files it includes -> one Model
    diagnostics.py  Span, Diagnostic, PrepError: one record for every message

Nothing here imports a later stage (lint, layout, render, embed).
"""

from __future__ import annotations

import os

from .diagnostics import PrepError
from .model import Model


def loads(text: str, path: str = "<string>", *, strict: bool = True, language: str | None = None) -> Model:
    """Parse model text. Raises PrepError on a syntax error, and, when
    `strict`, on model errors (conflicting declarations, bad attributes);
    with `strict=False` those stay in `model.diagnostics`. `language`
    ("en", "ja"): the language those model errors are written in (they are
    written as the model is read; default: the one under way, English).

    `include` lines are resolved relative to `path`'s folder, reading the
    included files from disk (an editor's unsaved root over saved parts);
    with no real `path` ("<string>") an include is an error that says so."""
    from .._words import speaking
    from .source import normalize_text

    with speaking(language):
        return _parse(normalize_text(text, path), path, strict, from_text=True)[0]


def load(path: str | os.PathLike[str], *, strict: bool = True, language: str | None = None) -> Model:
    """Read and parse a .prep file (UTF-8, with or without BOM); as `loads`.
    A file with `include` lines is the root of a workspace: the Model is
    that of every file it reaches (prep/language/workspace.py)."""
    from .._words import speaking

    with speaking(language):
        return read_model(path, strict=strict)[0]


def read_model(path: str | os.PathLike[str], *, strict: bool = True):
    """(Model, Workspace or None): `load`, and for the root of a workspace
    what was read (every file, the globs' matches: what a cache keys on)."""
    from .source import read_source

    name = os.fspath(path)
    return _parse(read_source(name), name, strict)


def _has_includes(statements) -> bool:
    from .workspace import has_includes

    return has_includes(statements)


def _parse(text: str, path: str, strict: bool, from_text: bool = False):
    from .model import build_model
    from .parse import parse_statements

    statements, comments = parse_statements(text, path)
    if "include" in text and _has_includes(statements):
        from .workspace import build_workspace_model, no_folder_error, read_workspace

        if from_text and path.startswith("<"):
            raise no_folder_error(statements, text)
        ws = read_workspace(path, text=text, parsed=(statements, comments))
        return build_workspace_model(ws, strict=strict), ws
    model = build_model(statements, path, comments, text)
    if strict and model.errors:
        raise PrepError(model.errors, text)
    return model, None
