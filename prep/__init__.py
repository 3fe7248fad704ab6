"""prep: PReP (Products Relationship Process) models as text.

    >>> import prep
    >>> model = prep.loads('a, b -> c')      # prep.load(path): a file, and every file it `include`s
    >>> sorted(model.graph.nodes)
    ['a', 'b', 'c']
    >>> svg = prep.render(model)          # bytes; format="png", "pdf", "dot", "json", "layout"
    >>> deck = prep.render(model, "pptx", page="16:9")   # fitted to slides (prep.render_pages: each page)
    >>> geometry = prep.layout(model)     # Layout: boxes, routes, frames (points)
    >>> findings = prep.lint(model)       # [Diagnostic]
    >>> parts = prep.clusters(model)      # what an overview draws: groups, else found
    >>> docx = prep.report(model, "docx")  # the report as Word (or "html", "pdf")
    >>> text = prep.format_text('a,b->c')  # 'a, b -> c\\n' (prep fmt)
    >>> xlsx = prep.export(model, "xlsx")  # the deliverable catalogue (bytes)
    >>> text = prep.import_catalogue("catalogue.xlsx")  # back to .prep text

    status = prep.status(model, "values.csv")    # customers' stage and health from measured values
    svg = prep.render_status(model, "values.csv", customer="ACME")

Heavy modules (Lark, NetworkX, Graphviz) load on first use, so importing
prep and running `prep --help` stay fast.
"""

from typing import TYPE_CHECKING

from ._version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from .language.diagnostics import Diagnostic, PrepError, Span

__all__ = ["__version__", "Diagnostic", "PrepError", "Span", "load", "loads", "render", "layout", "lint", "diff",
           "render_stage", "flipbook", "stage_frames", "format_text", "render_diff", "report", "export",
           "import_catalogue", "status", "render_status", "clusters", "render_pages", "render_stage_pages", "render_diff_pages"]


def __getattr__(name: str):
    # even the diagnostics module (and dataclasses) loads on first use:
    # `prep --version` imports nothing but click
    if name in ("load", "loads", "render", "layout", "lint", "diff", "render_stage", "flipbook", "stage_frames",
                "format_text", "render_diff", "report", "export", "import_catalogue", "status", "render_status",
                "clusters", "render_pages", "render_stage_pages", "render_diff_pages"):
        from . import api

        return getattr(api, name)
    if name in ("Diagnostic", "PrepError", "Span"):
        from .language import diagnostics

        return getattr(diagnostics, name)
    raise AttributeError(f"module 'prep' has no attribute {name!r}")
