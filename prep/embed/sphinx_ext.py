"""Sphinx extension: a `.. prep::` directive that draws a model inline as SVG.

    # conf.py
    extensions = ["prep.embed.sphinx_ext"]

    .. prep:: models/onboarding.prep     (path relative to the document)
       :lint:                            colour boxes by their worst finding
       :direction: TB
       :legend:
       :theme: print

    .. prep::

       title "見積"
       要望, ノウハウ -> 見積書

A model with an error becomes a build warning (so `sphinx-build -W` fails)
and no picture. The SVG is raw HTML: HTML builders show it, others skip it.
A model file is registered as a dependency, so editing it rebuilds the page.

Requires the `docs` extra: pip install "prep[docs]".
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from ..language import load, loads
from ..renderer import render
from .._version import __version__
from ..language.diagnostics import PrepError
from ..layouter.direction import direction_of


class PrepDirective(SphinxDirective):
    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = {
        "lint": directives.flag,
        "legend": directives.flag,
        "direction": direction_of,   # LR or TB, any case; TD is TB
        "theme": lambda arg: directives.choice(arg, ("default", "print")),
    }

    def run(self) -> list[nodes.Node]:
        from .report import lint_findings, _inline_svg

        try:
            if self.arguments:
                rel, path = self.env.relfn2path(self.arguments[0], self.env.docname)
                self.env.note_dependency(rel)
                model = load(path)
            else:
                start = self.content_offset + 1
                model = loads("\n" * start + "\n".join(self.content) + "\n", self.env.doc2path(self.env.docname))
            findings = None
            if "lint" in self.options:
                found = lint_findings(model)
                if found is None:
                    return [self.state.document.reporter.warning(
                        "prep: :lint: needs the lint engine, which this installation lacks", line=self.lineno)]
                findings = [d for d in found if d.subject is not None]
            svg = render(model, "svg", direction=self.options.get("direction", "LR"),
                             legend="legend" in self.options, findings=findings,
                             theme=self.options.get("theme", "default"))
        except PrepError as e:
            return [self.state.document.reporter.warning(f"prep: cannot draw the model:\n{e.render()}",
                                                         line=self.lineno)]
        html = f'<div class="prep-diagram">{_inline_svg(svg)}</div>'
        return [nodes.raw("", html, format="html")]


def setup(app) -> dict:
    app.add_directive("prep", PrepDirective)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
