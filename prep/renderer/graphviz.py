"""The only module that talks to Graphviz: DOT text in, picture bytes out,
through pygraphviz in this process (its wheels bundle the Graphviz libraries)."""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from contextlib import contextmanager

from ..diagnostics import ERROR, Diagnostic, PrepError, Span
from .fonts import configure_fonts

FORMATS = ("svg", "png", "pdf")


@contextmanager
def _filtered_stderr():
    """Graphviz's bundled fontconfig is older than some systems' config files
    and warns about elements it does not know ('reset-dirs'); those warnings
    are noise to a prep user. Capture the C-level stderr during layout and
    pass on every other line."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), fd)
        try:
            yield
        finally:
            os.dup2(saved, fd)
            os.close(saved)
            tmp.seek(0)
            text = tmp.read().decode("utf-8", "replace")
    for line in text.splitlines():
        if line.startswith("Fontconfig warning:") and "unknown element" in line:
            continue
        print(line, file=sys.stderr)


def layout(dot: str, fmt: str, *, path: str = "<model>", dpi: float | None = None) -> bytes:
    """Lay out `dot` with Graphviz `dot` and draw it as `fmt`."""
    configure_fonts()
    import pygraphviz

    args = f"-Gdpi={dpi:g}" if dpi else ""
    with _filtered_stderr(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            graph = pygraphviz.AGraph(string=dot)
            data = graph.draw(format=fmt, prog="dot", args=args)
        except Exception as e:  # noqa: BLE001 - any Graphviz failure becomes a prep error
            raise PrepError([Diagnostic(
                "R001", ERROR, f"Graphviz could not draw the model: {str(e).strip() or type(e).__name__}",
                Span(path, 1, 1, 1, 1), name="render-failed",
                hint="try `--format dot` to inspect the generated graph, or `--focus NAME` for a smaller view")]) from None
    problems = [str(w.message).strip() for w in caught if "error" in str(w.message).lower()]
    if not data:
        raise PrepError([Diagnostic("R001", ERROR, "Graphviz produced no output: " + "; ".join(problems),
                                    Span(path, 1, 1, 1, 1), name="render-failed")])
    return data


def layout_json(dot: str, *, path: str = "<model>") -> dict:
    """Lay out `dot` and return Graphviz's `json0` description: nodes, edges
    and clusters with positions in points (origin bottom-left), for renderers
    that place their own shapes (PowerPoint)."""
    import json

    return json.loads(layout(dot, "json0", path=path))
