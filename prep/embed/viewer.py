"""`prep render --format html`: the interactive viewer, in one file.

The page shows the very SVG `prep render -o x.svg` draws (from the same
layout), and a JSON of the model next to it: every deliverable (kind, label,
owners, stage, note, inputs, consumers, findings), the findings, their
rules (each rule's text once), the stages in order, the layout geometry, and which SVG element draws
which deliverable and relation. A small script (prep/embed/viewer_assets/:
panzoom.js, shared with the HTML flip-book, and viewer.js) turns the two
into pan and zoom, search, a details panel, upstream and
downstream chains, a findings list, the health overlay and a stage slider.

Safety: model text only ever travels inside the JSON, in a
`<script type="application/json">` with `<`, `>`, `&`, U+2028 and U+2029
escaped (so no `</script>` or comment can end it), and the script builds
every element with `textContent`; the SVG is parsed as XML (DOMParser),
never as HTML. A Content-Security-Policy allows the page's own script (by
hash) and nothing from the network: `default-src 'none'`.

`prep serve` (prep/serve/) sends the same data again on every save.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from functools import lru_cache
from importlib import resources

from ..language.diagnostics import Diagnostic
from ..language.model import Model

FORMAT = "prep-viewer"
VERSION = 1
# A finding's panel explains its rule itself (summary, fix, why it matters:
# the page is shared as one file, so it needs no link). A link to the rule's
# page is added when PREP_RULES_URL gives where the pages are published
# (as for `prep lsp`): {PREP_RULES_URL}/{code}.md, http(s) only.


class RulesUrlIgnored(UserWarning):
    """PREP_RULES_URL is set to something that is not an http(s) address."""


def rules_url() -> str | None:
    """Where the rule pages are published (PREP_RULES_URL), or None."""
    from ..linter.rule import RULES_URL_VARIABLE

    base = os.environ.get(RULES_URL_VARIABLE, "").strip()
    if not base:
        return None
    if not base.lower().startswith(("https://", "http://")):
        import warnings

        warnings.warn(f"{RULES_URL_VARIABLE}={base!r} is not an http(s) address; the viewer links no rule pages",
                      RulesUrlIgnored, stacklevel=2)
        return None
    return base


_NODE = re.compile(r'<!-- (n\d+) -->\s*<g id="(node\d+)"')
_EDGE = re.compile(r'<!-- (n\d+)&#45;&gt;(n\d+) -->\s*<g id="(edge\d+)"')
_XML_PROLOG = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*", re.S)
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")


def script_json(value) -> str:
    """`value` as JSON that can sit inside a <script> element: nothing in it
    can close the element, open a comment or end a JavaScript line."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _JSON_UNSAFE.sub(lambda m: _JSON_ESCAPES[m.group(0)], text)


def svg_element_ids(svg: str, model: Model) -> tuple[dict[str, str], dict[str, int]]:
    """Which SVG group draws which deliverable (id -> name) and relation
    (id -> index in model.relations). Graphviz writes each node's and edge's
    DOT id in a comment before its group; the DOT ids are prep's own (n0,
    n1, ...: renderer/dot.py), never user text. Relations between the same
    two deliverables are drawn in model order."""
    names = list(model.deliverables)
    nodes = {}
    for dot_id, svg_id in _NODE.findall(svg):
        i = int(dot_id[1:])
        if i < len(names):
            nodes[svg_id] = names[i]
    pending: dict[tuple[str, str], list[int]] = {}
    ids = {name: f"n{i}" for i, name in enumerate(names)}
    for k, r in enumerate(model.relations):
        pending.setdefault((ids[r.source], ids[r.target]), []).append(k)
    edges = {}
    for a, b, svg_id in _EDGE.findall(svg):
        queue = pending.get((a, b))
        if queue:
            edges[svg_id] = queue.pop(0)
    return nodes, edges


def model_stages(model: Model) -> tuple[list[dict], dict[str, str | None]]:
    """The stages in order (declared ones, or those a version-1 model names
    in `stage:` values) and each deliverable's effective stage: its own, else
    the latest among its inputs'; an unplaced source its first user's (`Model.stage_of`)."""
    stages = [{"name": name, "label": s.display, "index": s.index, "exits": list(s.exits), "note": s.note}
              for name, s in model.stages.items()]
    return stages, dict(model.effective_stages)


def _rule_info(code: str, url: str | None) -> dict | None:
    try:
        from ..linter.rule import rule_page
        from ..linter.rules import RULES
    except ImportError:  # an installation without the linter
        return None
    rule = RULES.get(code)
    if rule is None:
        return None
    return {"summary": rule.summary, "fix": rule.fix, "why": rule.why,
            "url": rule_page(code, url) if url else None}


def viewer_data(model: Model, findings: list[Diagnostic], layout, svg: bytes | str,
                health: dict | None = None) -> dict:
    """The JSON the page reads: see the module docstring and docs/viewer.md.
    `health` (measured deliverable -> colour from data, `--status`): the
    health overlay shows those colours instead of the findings', and only
    on the measured deliverables."""
    from dataclasses import replace

    from ..linter.findings import sort_findings
    from ..renderer.dot import HEALTH_FILL, HEALTH_NAME, STATUS_FILL, worst_severity

    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    text = _XML_PROLOG.sub("", text)
    svg_nodes, svg_edges = svg_element_ids(text, model)
    index = model.index
    ordered = sort_findings(findings)
    by_subject: dict[str, list[int]] = {}
    records = []
    # each rule's text once (a model has many findings of few rules; `prep serve` sends it all on every save)
    rules: dict[str, dict] = {}
    url = rules_url() if ordered else None
    several_files = len(getattr(model, "files", ()) or ()) > 1
    for i, f in enumerate(ordered):
        if f.code not in rules:
            info = _rule_info(f.code, url)
            if info is not None:
                rules[f.code] = info
        records.append({"code": f.code, "name": f.name, "severity": f.severity, "message": f.message,
                        "hint": f.hint, "subject": f.subject if f.subject in model.deliverables else None,
                        "line": f.span.line, "column": f.span.column,
                        # a workspace: which of its files ("line 9:15" did not say)
                        "file": f.span.path.replace("\\", "/") if several_files else None,
                        "rule": f.code if f.code in rules else None})
        if f.subject in model.deliverables:
            by_subject.setdefault(f.subject, []).append(i)
    stages, stage_of = model_stages(model)
    boxes = replace(layout, edges=()).as_dict()  # the layout JSON without the routes (drawn already)
    deliverables = []
    for name, d in model.deliverables.items():
        mine = by_subject.get(name, [])
        worst = worst_severity([ordered[i] for i in mine])
        group = model.groups[d.group].display if d.group in model.groups else None
        deliverables.append({
            "name": name, "label": d.display, "kind": d.kind, "external": d.external, "final": d.final,
            "owners": list(d.owners), "stage": stage_of.get(name), "placed": d.stage is not None,
            "group": group, "note": d.note,
            "inputs": [{"name": r.source, "kind": r.kind} for r in index.producers(name)],
            "consumers": [{"name": r.target, "kind": r.kind} for r in index.uses(name)],
            "mutual": [r.target if r.source == name else r.source for r in index.mutual[name]],
            "findings": mine, "health": HEALTH_NAME[worst], "fill": HEALTH_FILL[worst]})
        if health is not None:  # colours from data: the measured deliverables only
            measured = name in health
            deliverables[-1].update(health=(health[name] or "no data") if measured else None,
                                    fill=STATUS_FILL.get(health[name], STATUS_FILL[None]) if measured else None)
    return {
        "format": FORMAT, "version": VERSION,
        "title": model.title or os.path.splitext(os.path.basename(model.path))[0],
        "path": os.path.basename(model.path),
        "deliverables": deliverables,
        "relations": [{"source": r.source, "target": r.target, "kind": r.kind, "note": r.note}
                      for r in model.relations],
        "findings": records,
        "rules": rules,
        "stages": stages,
        # the boxes and frames: the page brings deliverables into view by them
        "layout": {k: boxes[k] for k in ("width", "height", "direction", "engine", "nodes", "groups")},
        "svg": {"text": text, "nodes": svg_nodes, "edges": svg_edges},
    }


_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"<(/?)[A-Za-z][^>]*>")
_FONT_FAMILY = re.compile(r' font-family="([^"]*)"')


def live_picture(svg: dict) -> dict:
    """`viewer_data`'s "svg" as `prep serve` sends it: the text made lighter
    and one piece a line (`live_svg`), `"lines": true`, and the boxes' and
    routes' groups named after prep's DOT ids (`prep-n5` for a box,
    `prep-n0-n61` for a route, `-2`... for a second route between the same
    boxes) instead of Graphviz's running numbers: a new box numbered `node4`
    every box drawn after it (about 1,000 lines of 2,750 changed where one
    box was added); prep's ids stay as long as the model's order does."""
    from collections import Counter

    renames: dict[str, str] = {}
    pairs: Counter = Counter()

    def node(m):
        renames[m.group(2)] = new = f"prep-{m.group(1)}"
        return f'<g id="{new}"'

    def edge(m):
        pairs[m.group(1), m.group(2)] += 1
        k = pairs[m.group(1), m.group(2)]
        renames[m.group(3)] = new = f"prep-{m.group(1)}-{m.group(2)}" + (f"-{k}" if k > 1 else "")
        return f'<g id="{new}"'

    text = _EDGE.sub(edge, _NODE.sub(node, svg["text"]))
    return {"text": live_svg(text), "lines": True,
            "nodes": {renames.get(i, i): name for i, name in svg["nodes"].items()},
            "edges": {renames.get(i, i): k for i, k in svg["edges"].items()}}


def live_svg(text: str) -> str:
    """The picture as `prep serve` sends it: what it shows unchanged, but
    lighter for the page, which replaces only the pieces a save changed.

    - no comments (Graphviz's DOT ids: `svg_element_ids` has read them) and
      no white space between elements (each was a node the browser built);
    - the most common `font-family` once, on the `<svg>` element, where
      every `<text>` inherits it, instead of on each (170 characters,
      about 12% of the picture); a text with another family keeps its own;
    - one line per piece: the `<svg>` and the `<g class="graph">` that
      holds everything, then each element in that group (a frame, a box,
      a route, the title...), then the closing tags. The page compares a
      save's lines with those on screen and parses and swaps only the
      lines that differ (prep/embed/viewer_assets/viewer.js). A newline
      inside a piece is written `&#10;`, which XML reads as the same.

    The drawing order, the ids and every attribute but the hoisted
    `font-family` are Graphviz's."""
    from collections import Counter

    text = _COMMENT.sub("", _XML_PROLOG.sub("", text))
    families = Counter(_FONT_FAMILY.findall(text))
    if families:
        family = max(families.items(), key=lambda kv: (kv[1], kv[0]))[0]  # the most common; ties by name
        text = text.replace(f' font-family="{family}"', "")
        text = re.sub(r"<svg\b", lambda m: f'<svg font-family="{family}"', text, count=1)
    top = re.search(r'<g id="graph0"[^>]*>', text)
    if top is None:  # not Graphviz's shape: one piece
        return text.replace("\n", "&#10;")
    head = re.sub(r"\s*\n\s*", " ", text[:top.end()].strip())
    # Graphviz writes a newline after each tag; one inside text is kept as &#10;
    body = text[top.end():].replace(">\n<", "><").strip().replace("\n", "&#10;")
    pieces, depth, start = [], 0, 0
    for m in _TAG.finditer(body):
        closing = m.group(1)
        if closing and depth == 0:  # the group's own end
            return "\n".join([head, *pieces, body[m.start():]])
        if depth == 0:
            start = m.start()
        depth += -1 if closing else 0 if m.group(0)[-2] == "/" else 1
        if depth == 0:
            pieces.append(body[start:m.end()])
    return "\n".join([head, *pieces])  # unclosed: as it came


@lru_cache(maxsize=None)
def _asset(name: str) -> str:
    return resources.files("prep.embed").joinpath("viewer_assets", name).read_text(encoding="utf-8")


def viewer_script() -> str:
    """The viewer's script: the pan and zoom it shares with the HTML
    flip-book (panzoom.js), then the viewer itself."""
    return _asset("panzoom.js") + "\n" + _asset("viewer.js")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def content_security_policy(live: bool = False) -> str:
    """Nothing from the network: only the page's own script (by its hash),
    inline styles (the SVG's own, the page's), and data: images and fonts
    (an embedded font). `live` (prep serve) also lets the page listen to
    its own server's events and load its font from it (prep.serve.font)."""
    script = viewer_script()
    return "; ".join([
        "default-src 'none'", f"script-src {_sha256(script)}", "style-src 'unsafe-inline'",
        "img-src data:", "font-src " + ("'self' data:" if live else "data:"),
        "connect-src " + ("'self'" if live else "'none'"),
        "base-uri 'none'", "form-action 'none'"])


def viewer_html(data: dict | None, *, live: bool = False, overlay: bool = False, serial: int = 0,
                run: str | None = None, language: str | None = None) -> str:
    """The page. `data`: from `viewer_data` (None: a live page still waiting
    for its first good render). `live`: listen to prep serve's events
    (`serial`: the number of the render `data` is, in the server's run
    `run`, so the stream sends only newer ones). `overlay`: the health
    colours on at first. `language`: of the page's own words (None: the
    work's, `prep._words`); English when left out of the settings."""
    from html import escape

    from .._words import VIEWER_JAPANESE, speaking
    from .._words import language as current

    title = data["title"] if data else "prep"
    settings = {"live": live, "overlay": overlay, "serial": serial}
    if run is not None:
        settings["run"] = run
    noscript = "This view needs JavaScript; `prep render -o model.svg` draws the picture alone."
    with speaking(language):
        if current() == "ja":
            settings["words"] = VIEWER_JAPANESE
            noscript = "この表示には JavaScript が必要です。図だけなら `prep render -o model.svg` で描けます。"
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="ja">', "<head>", '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy(live)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{escape(title)}</title>",
        f"<style>{_asset('viewer.css')}</style>", "</head>", "<body>",
        f'<noscript><p class="prep-noscript">{noscript}</p></noscript>',
        f'<script type="application/json" id="prep-settings">{script_json(settings)}</script>',
        f'<script type="application/json" id="prep-data">{script_json(data)}</script>',
        f"<script>{viewer_script()}</script>", "</body>", "</html>", ""])


def build_viewer(model: Model, *, direction: str = "LR", legend: bool = False, theme=None,
                 engine: str = "prep", lint_options: dict | None = None, previous=None, sizes=None,
                 findings: list[Diagnostic] | None = None, layout=None, embed_fonts: bool = True,
                 health: dict | None = None):
    """(data, layout): lint, lay out (unless `layout` is given) and draw
    `model` for the viewer. The picture is `prep render -o x.svg`'s, drawn
    from the returned layout (with `embed_fonts`, carrying its font)."""
    from ..layouter import layout as lay_out
    from ..renderer import render
    from ..renderer.dot import resolve_theme

    if findings is None:
        from ..linter import lint_model

        findings = list(lint_model(model, **(lint_options or {})))
    theme = resolve_theme(theme)
    geometry = layout if layout is not None else lay_out(
        model, direction=direction, font=theme.font, font_size=theme.font_size, engine=engine, legend=legend,
        previous=previous, sizes=sizes, **({"health": "status"} if health is not None else {}))
    svg = render(model, "svg", direction=direction, legend=legend, theme=theme, layout=geometry,
                 embed_fonts=embed_fonts, health=health)
    return viewer_data(model, findings, geometry, svg, health), geometry


def render_html(model: Model, *, direction: str = "LR", legend: bool = False, theme=None, engine: str = "prep",
                findings: list[Diagnostic] | None = None, lint_options: dict | None = None,
                overlay: bool = False, layout=None, previous=None, embed_fonts: bool = True,
                health: dict | None = None, **_ignored) -> bytes:
    """The self-contained viewer page of `model`, as UTF-8 bytes. `health`:
    colours from measured data (`prep render --status`), shown at first."""
    data, _ = build_viewer(model, direction=direction, legend=legend, theme=theme, engine=engine,
                           lint_options=lint_options, findings=findings, layout=layout, previous=previous,
                           embed_fonts=embed_fonts, health=health)
    return viewer_html(data, overlay=overlay or health is not None).encode("utf-8")


def build_pages_viewer(model: Model, page, *, direction: str | None = None, legend: bool = False, theme=None,
                       findings: list[Diagnostic] | None = None, engine: str = "prep", embed_fonts: bool = True,
                       view: str = "diagram", lint_options: dict | None = None) -> tuple[dict, tuple]:
    """(viewer data, sheets) of `model` fitted to `page`: its pages one under
    the other in one picture (`prep.renderer.pages.stacked`), each a frame
    titled as its page; the findings those of the whole model (`findings`,
    else linted with `lint_options`). What `prep serve --page` streams."""
    from dataclasses import replace

    from ..layouter.fit import fit_pages
    from ..linter import lint_model
    from ..renderer.dot import resolve_theme
    from ..renderer.pages import stacked

    theme = resolve_theme(theme)
    sheets = fit_pages(model, page, direction=direction, font=theme.font, font_size=theme.font_size, legend=legend,
                       health=findings is not None, view=view, engine=engine)
    drawn, layout = stacked(sheets)
    data, _ = build_viewer(drawn, direction=sheets[0].direction, legend=legend,
                           theme=replace(theme, font_size=sheets[0].font_size), layout=layout,
                           findings=findings if findings is not None else list(lint_model(model, **(lint_options or {}))),
                           embed_fonts=embed_fonts)
    data["title"] = model.title or data["title"]
    return data, tuple(sheets)


def render_html_pages(model: Model, page, *, findings: list[Diagnostic] | None = None, **options):
    """The viewer page of `model` fitted to `page` (`build_pages_viewer`), as
    a `prep.renderer.pages.Pages` of one file (`prep render -o x.html --page`)."""
    from ..renderer.pages import Pages

    options = {k: v for k, v in options.items() if k in ("direction", "legend", "theme", "engine", "embed_fonts",
                                                        "view")}
    data, sheets = build_pages_viewer(model, page, findings=findings, **options)
    return Pages(sheets, (viewer_html(data, overlay=findings is not None).encode("utf-8"),))
