"""The only module that talks to Graphviz: DOT text in, sizes, a layout or
picture bytes out,
through pygraphviz (its wheels bundle the Graphviz libraries): in this process
for small models, in a forked copy of it for larger ones (see FORK_ABOVE), so
Ctrl-C can stop a long layout. Never a new interpreter or a `dot` command."""

from __future__ import annotations

import os
import re
import sys
import tempfile
import warnings
from contextlib import contextmanager

from ..language.diagnostics import PrepError
from .fonts import configure_fonts
from .._process import in_child

FORMATS = ("svg", "png", "pdf")


_NODE_LINE = re.compile(r'^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)"', re.M)
_NODE_WARNING = re.compile(r"node '([^']*)'(?:, graph '[^']*')?")


def _deliverable_names(dot: str) -> dict[str, str]:
    """Each deliverable's DOT id (n0, n1, ...) -> the first line of the text
    its box shows: what a warning calls it instead of the id."""
    out = {}
    for m in _NODE_LINE.finditer(dot):
        text = m.group(2).split("\\n")[0].replace('\\"', '"').replace("\\\\", "\\").replace("&amp;", "&")
        out[m.group(1)] = text.strip()
    return out


def _readable(line: str, names: dict[str, str]) -> str:
    """A Graphviz warning with deliverables named as the picture shows them,
    never by internal ids: `Warning: node 'n21', graph 'prep' size too small
    for label` -> `Warning: the box of deliverable "承認" is too small for its
    label (...)`."""
    def name(m):
        node = m.group(1)
        return f'deliverable "{names[node]}"' if node in names else m.group(0)

    line = _NODE_WARNING.sub(name, line)
    return re.sub(r'^Warning: (deliverable "[^"]*") size too small for label',
                  r"Warning: the box of \1 is too small for its label (part of the text is cut off)", line)


@contextmanager
def _filtered_stderr(dot: str | None = None):
    """Graphviz's bundled fontconfig is older than some systems' config files
    and warns about elements it does not know ('reset-dirs'), and pygraphviz
    warns that a layout "may take a long time" above 1,000 nodes even when
    prep has placed them all; those warnings are noise to a prep user.
    Capture the C-level stderr during layout and pass on every other line."""
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
    names = _deliverable_names(dot) if dot is not None and "node '" in text else {}
    for line in text.splitlines():
        if line.startswith("Fontconfig warning:") and "unknown element" in line:
            continue
        if line.startswith("Warning: graph has") and "layout may take a long time" in line:
            continue  # pygraphviz's, above 1,000 nodes, even when it only draws placed boxes (nop2)
        print(_readable(line, names) if names else line, file=sys.stderr)


# Graphviz holds the GIL for the whole layout, so Ctrl-C (and any Python
# signal handler) waits until it ends. Above this much DOT (about a hundred
# boxes) the drawing runs in a forked child that Ctrl-C stops at once; a
# crash of Graphviz there is also a prep error instead of the end of the process.
FORK_ABOVE = 20_000


def draw(dot: str, fmt: str, *, prog: str = "nop2", path: str = "<model>", dpi: float | None = None) -> bytes:
    """Draw `dot` as `fmt`. `prog` "nop2" (the default) draws a graph whose
    boxes, routes and frames are already placed (`pos`, `bb` attributes:
    what the renderer writes from a Layout); "dot" lays it out first."""
    configure_fonts()
    import pygraphviz

    args = f"-Gdpi={dpi:g}" if dpi else ""
    with _filtered_stderr(dot), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        def draw():
            graph = pygraphviz.AGraph(string=dot)
            return graph.draw(format=fmt, prog=prog, args=args), [str(w.message).strip() for w in caught]

        try:
            data, messages = in_child(draw) if len(dot) > FORK_ABOVE else draw()
        except Exception as e:  # noqa: BLE001 - any Graphviz failure becomes a prep error
            raise PrepError.at(
                path, f"Graphviz could not draw the model: {str(e).strip() or type(e).__name__}",
                code="R001", name="render-failed",
                hint="try `--format dot` to inspect the generated graph, or `--focus NAME` for a smaller view") from None
    problems = [m for m in messages if "error" in m.lower()]
    if not data:
        raise PrepError.at(path, "Graphviz produced no output: " + "; ".join(problems), code="R001",
                           name="render-failed")
    return _fixed_pdf_date(data) if fmt == "pdf" else data


# cairo stamps a PDF with the time it was drawn; the reports are dated
# 2000-01-01 (prep/embed/report_pdf.py) so the same model gives the same bytes
_PDF_DATE = re.compile(rb"(/(?:CreationDate|ModDate) \(D:)\d{14}")


def _fixed_pdf_date(data: bytes) -> bytes:
    """The PDF with its creation date set to 2000-01-01 00:00:00 (same
    length: the cross-reference offsets stay right)."""
    return _PDF_DATE.sub(rb"\g<1>20000101000000", data, count=2)


def dot_layout(dot: str, *, path: str = "<model>") -> dict:
    """Lay out `dot` with Graphviz `dot` and return its `json0` description:
    nodes, edges and clusters with positions in points (origin bottom-left)."""
    import json

    return json.loads(draw(dot, "json0", prog="dot", path=path))


def sizes(dot: str, *, path: str = "<model>") -> dict[str, tuple[float, float]]:
    """The size in points Graphviz gives each node of `dot` (a graph of
    nodes only): its own text measurement, with the font prep ships, so
    boxes fit their labels exactly as drawn. Only the first phase of `dot`
    runs (`phase=1`: ranking, trivial without edges): no positions."""
    configure_fonts()
    import pygraphviz

    with _filtered_stderr(dot), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            graph = pygraphviz.AGraph(string=dot)
            graph.graph_attr["phase"] = "1"
            graph.layout(prog="dot")
            return {n.name: (float(n.attr["width"]) * 72.0, float(n.attr["height"]) * 72.0) for n in graph.nodes()}
        except Exception as e:  # noqa: BLE001 - any Graphviz failure becomes a prep error
            raise PrepError.at(
                path, f"Graphviz could not measure the labels: {str(e).strip() or type(e).__name__}",
                code="R001", name="render-failed", hint="try `--format dot` to inspect the generated graph") from None
