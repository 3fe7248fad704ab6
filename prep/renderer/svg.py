"""SVG post-processing: a font stack that includes common Japanese fonts, and
`<title>` tooltips that name deliverables (with their findings) instead of
Graphviz's internal node ids."""

from __future__ import annotations

import re

from ..language.diagnostics import Diagnostic
from ..language.model import Model
from .dot import worst_by_subject
from ..layouter.fonts import FONT_FAMILY, SVG_FONT_STACK, escape
from ..layouter.fit import ARROWS
from ..layouter.texts import is_marker
from .._words import say

_TITLE = re.compile(r"<title>([^<]*)</title>")
_SAFE_FONT = re.compile(r"[\w .\-]{1,64}")


def font_stack(font: str) -> str:
    """The SVG font-family for a theme font: the font itself, then the
    Japanese fonts report readers usually have, then a generic family."""
    return SVG_FONT_STACK if font == FONT_FAMILY else f"'{font}',{SVG_FONT_STACK}"


def postprocess_svg(data: bytes, model: Model, findings: list[Diagnostic] | None = None,
                    font: str = FONT_FAMILY) -> bytes:
    names = list(model.deliverables)
    by_subject = worst_by_subject(findings) if findings is not None else {}

    def shown(name: str, arrow: bool = True) -> str:
        """A deliverable's name; an off-page marker's text ("→ 見積書, p. 3";
        without its arrow in an arrow's title, "a → 見積書, p. 3")."""
        if not is_marker(name):
            return name
        text = " ".join(model.deliverables[name].display.split())
        return text if arrow else text.strip(ARROWS + " ")   # (↓ 見積書: on its own page, a row below)

    def node_title(node_id: str) -> str | None:
        if not (node_id.startswith("n") and node_id[1:].isdigit()):
            return None
        i = int(node_id[1:])
        if i >= len(names):
            return None
        d = model.deliverables[names[i]]
        if is_marker(d.name):   # its internal name means nothing to a reader
            return f"{shown(d.name)} — {say('off-page marker')}"
        text = d.display if d.display == d.name else f"{d.display} ({d.name})"
        text += f" — {say('knowhow')}" if d.is_knowhow else f" — {say('deliverable')}"
        if d.owners:
            text += f"; {say('owners')}: " + ", ".join(d.owners)
        if d.note:
            text += "; " + d.note
        for f in by_subject.get(d.name, []):
            text += f"\n{f.code} [{f.severity}] {f.message}"
        return text

    def replace(m: re.Match) -> str:
        raw = m.group(1).replace("&#45;", "-").replace("&gt;", ">")
        if "->" in raw:
            a, _, b = raw.partition("->")
            ta, tb = node_title(a), node_title(b)
            if ta is not None and tb is not None:
                ends = (escape(shown(names[int(end[1:])], False)) for end in (a, b))
                return "<title>{} → {}</title>".format(*ends)
            return m.group(0)
        t = node_title(raw)
        return f"<title>{escape(t)}</title>" if t is not None else m.group(0)

    text = data.decode("utf-8")
    text = _TITLE.sub(replace, text)
    data = text.encode("utf-8")
    if _SAFE_FONT.fullmatch(font):  # anything else is left exactly as Graphviz escaped it
        data = data.replace(f'font-family="{font}"'.encode(), f'font-family="{font_stack(font)}"'.encode())
    return data
