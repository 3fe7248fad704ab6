"""The language stage: text in, a checked `Model` out.

    source.py   bytes -> text (encodings, invisible characters)
    parse.py    text -> statements (Lark, with the table of known mistakes)
    fastparse.py  the same statements without Lark, for valid files
    syntax.py   the statements both parsers produce
    model.py    statements -> Model (frozen dataclasses), model errors
    graph.py    Model -> networkx.MultiDiGraph
    export.py   Model <-> JSON
    views.py    part of a model (--focus, --group)
    diagnostics.py  Span, Diagnostic, PrepError: one record for every message

Nothing here imports a later stage (lint, layout, render, embed).
"""

from __future__ import annotations

import os

from .diagnostics import PrepError
from .model import Model


def loads(text: str, path: str = "<string>", *, strict: bool = True) -> Model:
    """Parse model text. Raises PrepError on a syntax error, and, when
    `strict`, on model errors (conflicting declarations, bad attributes);
    with `strict=False` those stay in `model.diagnostics`."""
    from .source import normalize_text

    return _parse(normalize_text(text, path), path, strict)


def load(path: str | os.PathLike[str], *, strict: bool = True) -> Model:
    """Read and parse a .prep file (UTF-8, with or without BOM); as `loads`."""
    from .source import read_source

    name = os.fspath(path)
    return _parse(read_source(name), name, strict)


def _parse(text: str, path: str, strict: bool) -> Model:
    from .parse import parse_text

    model = parse_text(text, path)
    if strict and model.errors:
        raise PrepError(model.errors, text)
    return model
