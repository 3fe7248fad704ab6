"""The library: the one place that chains the stages.

    text --parse--> statements --build--> Model --graph--> nx.MultiDiGraph
                                            |--lint--> [Diagnostic]
                                            `--render--> DOT --graphviz--> SVG/PNG/PDF
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


def render(model: Model, format: str = "svg", **options) -> bytes:
    """Draw a model. `format`: svg, png, pdf, dot, json, mmd (Mermaid) or
    pptx. Options: direction ("LR" or "TB"), legend (bool), findings (a
    list of Diagnostics to draw on the picture, as `prep render --lint`
    does), theme ("default", "print" or a Theme), dpi (PNG)."""
    from .renderer import render as _render

    return _render(model, format=format, **options)


def lint(model: Model, **options):
    """Run the lint rules on a model and return the findings (Diagnostics),
    as a `Findings` list that a notebook shows as a table."""
    from .findings import Findings
    from .linter import lint_model

    return Findings(lint_model(model, **options))
