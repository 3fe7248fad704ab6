"""Python-Markdown (and so MkDocs) extension: ```prep fenced blocks become
inline SVG diagrams when the page is built.

    # mkdocs.yml
    markdown_extensions:
      - prep.embed.markdown_ext              # or, with options:
      - prep.embed.markdown_ext:
          theme: print
          direction: TB

    # plain Python-Markdown
    markdown.markdown(text, extensions=["prep.embed.markdown_ext"])

Per-block options go in the info string: ```` ```prep direction=TB legend lint ````.
A block whose model has an error shows the error message in place of the
picture (and logs a warning), so one bad block does not stop a site build.

With pymdown-extensions' SuperFences (MkDocs Material), which takes over
fenced blocks, register `prep` as a custom fence instead:

    markdown_extensions:
      - pymdownx.superfences:
          custom_fences:
            - name: prep
              class: prep
              format: !!python/name:prep.embed.markdown_ext.superfences_format

Requires the `markdown` extra: pip install "prep[markdown]".
"""

from __future__ import annotations

import logging
import re
from html import escape

from markdown import Extension
from markdown.preprocessors import Preprocessor

from ..language.diagnostics import PrepError
from ..layouter.direction import direction_of
from .markdown_fences import FenceOptions, find_blocks, parse_info, render_block

log = logging.getLogger("prep.markdown")

_XML_PROLOG = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*|<!--.*?-->\s*", re.S)


def inline_svg(svg: bytes) -> str:
    """Graphviz's SVG document as an element that can sit inside HTML."""
    return _XML_PROLOG.sub("", svg.decode("utf-8")).strip()


def diagram_html(source: str, options: FenceOptions, path: str = "<markdown>", line: int = 1) -> str:
    """A <div> with the block's diagram, or with its error message."""
    try:
        svg = render_block(source, options, path, line)
    except PrepError as e:
        message = e.render()
        log.warning("prep: cannot draw a diagram:\n%s", message)
        return f'<pre class="prep-error">{escape(message)}</pre>'
    return f'<div class="prep-diagram">{inline_svg(svg)}</div>'


class PrepFencePreprocessor(Preprocessor):
    def __init__(self, md, defaults: FenceOptions):
        super().__init__(md)
        self.defaults = defaults

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        try:
            all_lines, blocks = find_blocks(text, "<markdown>", self.defaults)
        except PrepError as e:  # a bad fence option or marker: say so, keep the page
            log.warning("prep: %s", e.render())
            return lines
        out: list[str] = []
        pos = 0
        for b in blocks:
            if b.kept is not None:
                continue  # a block `prep md` already turned into a picture
            out.extend(all_lines[pos:b.start])
            pos = b.end
            html = diagram_html(b.source or "", b.options, line=b.source_line)
            out += ["", self.md.htmlStash.store(html), ""]
        out.extend(all_lines[pos:])
        return out


class PrepExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {
            "direction": ["LR", "LR (inputs on the left) or TB (TD is TB)"],
            "theme": ["default", "default or print"],
            "legend": [False, "add a key to the notation"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's name
        defaults = FenceOptions(direction=direction_of(str(self.getConfig("direction"))),
                                theme=str(self.getConfig("theme")), legend=bool(self.getConfig("legend")))
        # before fenced_code (priority 25), which would turn the block into code
        md.preprocessors.register(PrepFencePreprocessor(md, defaults), "prep_fence", 26)


def makeExtension(**kwargs):  # noqa: N802 - Python-Markdown's entry point name
    return PrepExtension(**kwargs)


def superfences_format(source, language, css_class, options, md, **kwargs) -> str:
    """A pymdownx.superfences custom-fence formatter (`format:` in mkdocs.yml)."""
    info = " ".join(["prep"] + [f"{k}={v}" if v not in (True, "") else k for k, v in (options or {}).items()])
    try:
        opts = parse_info(info, "<markdown>", 1) or FenceOptions()
    except PrepError as e:
        return f'<pre class="prep-error">{escape(e.render())}</pre>'
    return diagram_html(source, opts)
