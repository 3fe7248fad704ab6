"""Model to DOT text: pure, deterministic, and testable without Graphviz.

Every piece of user text (names, labels, notes, titles) goes through
`dot_string`, which quotes it so Graphviz shows it literally: no HTML-like
labels, no escape sequences such as \\N, no attribute injection. Node ids are
generated (`n0`, `n1`, ...), never taken from user text.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..language.diagnostics import SEVERITY_RANK, Diagnostic
from ..language.model import KNOWHOW, MUTUAL, SYNC, Model, group_tree
from ..layouter.direction import direction_of
from ..layouter import Layout, box_label, dot_string
from ..layouter.fit import is_marker
from ..layouter.fonts import FONT_FAMILY
from ..layouter.geometry import around_columns, unfilled
from ..layouter.texts import EXIT_TAG_FONT_SIZE, EXIT_TAG_HEIGHT, columns_tag_exits, exit_tag_box
from .palette import group_fill


@dataclass(frozen=True)
class Theme:
    name: str = "default"
    font: str = FONT_FAMILY
    font_size: float = 12.0
    ink: str = "#2b2b2b"            # borders, arrows, text
    tangible_fill: str = "#ffffff"
    knowhow_fill: str = "#f5f5f5"
    external_fill: str = "#eef1f5"
    group_border: str = "#8a8a8a"
    group_fill: str = "#fafafa"
    muted: str = "#6b6b6b"          # owners line, notes
    background: str = "white"
    # PowerPoint: the theme's East Asian typeface, for text typed into the deck later (docs/embedding.md)
    east_asian_font: str = "Yu Gothic"


THEMES = {
    "default": Theme(),
    # black on white, no colour fills: for print and photocopies
    "print": Theme(name="print", ink="#000000", tangible_fill="#ffffff", knowhow_fill="#ffffff",
                   external_fill="#ffffff", group_border="#000000", group_fill="#ffffff", muted="#000000"),
}

# the four colours of customer-health dashboards, pale enough for black text
HEALTH_FILL = {None: "#b7e1b0", "info": "#dcef9a", "warning": "#fff08a", "error": "#f4a6a0"}
HEALTH_NAME = {None: "green", "info": "lime", "warning": "yellow", "error": "red"}
# the same colours by name, for measured values (`prep render --status`); a
# measured deliverable without a value for the customer is grey
STATUS_FILL = {"green": HEALTH_FILL[None], "lime": HEALTH_FILL["info"], "yellow": HEALTH_FILL["warning"],
               "red": HEALTH_FILL["error"], None: "#e4e4e4"}


def resolve_theme(theme: "Theme | str | None") -> "Theme":
    """A Theme from a Theme, a theme name, or None (the default theme); a
    ValueError naming the themes for a name that is none of them."""
    if isinstance(theme, str):
        found = THEMES.get(theme) or THEMES.get(theme.strip().lower())
        if found is None:
            raise ValueError(f"unknown theme {theme!r}: the themes are {', '.join(THEMES)} "
                             "(or a prep.renderer.dot.Theme of your own colours)")
        return found
    return theme or THEMES["default"]


def _small(theme: Theme, layout: Layout) -> float:
    """The small texts' size (notes, legend entries, markers): as the layout
    stage measured them, never below the page's minimum."""
    from ..layouter import small_size

    return small_size(theme.font_size, layout.page.min_text if layout.page is not None else None)


def _attrs(pairs: list[tuple[str, str]]) -> str:
    return "[" + ", ".join(f"{k}={v}" for k, v in pairs) + "]"


def worst_by_subject(findings: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    by: dict[str, list[Diagnostic]] = {}
    for f in findings:
        if f.subject is not None:
            by.setdefault(f.subject, []).append(f)
    return by


def worst_severity(findings: list[Diagnostic]) -> str | None:
    """The most severe level among `findings`; None when there are none."""
    return max((f.severity for f in findings), key=SEVERITY_RANK.__getitem__, default=None)


def to_dot(model: Model, *, direction: str = "LR", legend: bool = False,
           findings: list[Diagnostic] | None = None, theme: Theme | None = None,
           layout: Layout | None = None, links: dict[str, str] | None = None, marks=None,
           health: dict[str, str | None] | None = None) -> str:
    """The model as DOT with every box, route and frame already placed (from
    `layout`, computed here when not given): Graphviz's `nop2` only draws it.
    `health`: measured deliverable -> colour from data (green, lime, yellow,
    red; None: no value), drawn over the findings' colours. Pure given a
    layout."""
    theme = theme or THEMES["default"]
    direction = direction_of(direction)
    if layout is None:
        from ..layouter import layout as lay_out

        layout = lay_out(model, direction=direction, font=theme.font, font_size=theme.font_size,
                         legend=legend, health="status" if health is not None else findings is not None)
    height = layout.height

    def pt(x: float, y: float) -> str:
        return f"{x:.2f},{height - y:.2f}"

    def bb(box) -> str:
        return f'"{box.left:.2f},{height - box.bottom:.2f},{box.right:.2f},{height - box.top:.2f}"'

    def size(box) -> list[tuple[str, str]]:
        return [("pos", f'"{pt(box.x, box.y)}!"'), ("width", f"{box.width / 72:.4f}"),
                ("height", f"{box.height / 72:.4f}"), ("fixedsize", "true")]

    font = dot_string(theme.font)
    fs = f"{theme.font_size:g}"
    # everything is placed: Graphviz only draws it (`neato -n2 -Tsvg` or `nop2`)
    out = ["digraph prep {",
           f"  // prep layout: engine {layout.engine}, direction {layout.direction}; draw with: neato -n2 -Tsvg"]
    graph_attrs = [("bb", f'"0,0,{layout.width:.2f},{height:.2f}"'), ("fontname", font),
                   ("fontsize", f"{theme.font_size + 2:g}"), ("bgcolor", dot_string(theme.background)),
                   ("pad", "0" if layout.page is not None else "0.2"), ("fontcolor", dot_string(theme.ink)),
                   ("splines", "true")]
    if layout.page is not None:  # the canvas is the page: PowerPoint sizes its slide from this
        # and no device margin (PDF adds half an inch a side by default): the page is the page
        graph_attrs += [("prep_page", f'"{layout.page.width:.2f},{layout.page.height:.2f}"'), ("margin", "0")]
    if model.title and layout.title is not None:
        t = layout.title
        graph_attrs += [("label", dot_string(model.title)), ("labeljust", "l"), ("lp", f'"{pt(t.x, t.y)}"')]
    out.append("  graph " + _attrs(graph_attrs) + ";")
    out.append("  node " + _attrs([("shape", "box"), ("style", '"filled"'), ("fontname", font),
                                   ("fontsize", fs), ("color", dot_string(theme.ink)),
                                   ("fontcolor", dot_string(theme.ink)),
                                   ("fillcolor", dot_string(theme.tangible_fill)),
                                   ("margin", '"0.14,0.07"'), ("penwidth", "1.2")]) + ";")
    out.append("  edge " + _attrs([("color", dot_string(theme.ink)), ("arrowsize", "0.7"),
                                   ("fontname", font), ("fontsize", f"{_small(theme, layout):g}"),
                                   ("penwidth", "1.1")]) + ";")

    ids = {name: f"n{i}" for i, name in enumerate(model.deliverables)}
    by_subject = worst_by_subject(findings) if findings is not None else None
    # the roadmap view: stage columns behind everything, exit criteria marked
    out.extend(_columns(layout, theme, pt, bb))
    # a stage picture tags its existing exit criteria itself (`StageMarks.extra_lines`):
    # tagged here too, on a page's stage captions, each box and tag was drawn twice
    # (two grouped copies of each in the deck, one left behind when the client moved it)
    exits = ({x: st.index + 1 for st in model.stages.values() for x in st.exits}
             if columns_tag_exits(layout) and getattr(marks, "exits", None) is None else {})

    def node_line(d) -> str:
        if is_marker(d.name):
            return marker_line(d)
        classes = ["prep-knowhow" if d.kind == KNOWHOW else "prep-deliverable"]
        style = ["filled"]
        fill = theme.knowhow_fill if d.kind == KNOWHOW else theme.tangible_fill
        pairs = [("label", dot_string(box_label(d)))] + size(layout.nodes[d.name])
        if d.kind == KNOWHOW:
            style.append("dashed")
        if d.external:
            fill = theme.external_fill
            classes.append("prep-external")
        if d.final:
            pairs.append(("penwidth", "2.4"))
            classes.append("prep-final")
        if d.name in exits:  # tagged "EXIT n" below (`_exit_tags`)
            classes.append("prep-exit")
        if by_subject is not None:
            worst = worst_severity(by_subject.get(d.name, []))
            fill = HEALTH_FILL[worst]
            classes.append(f"prep-health-{HEALTH_NAME[worst]}")
        if health is not None and d.name in health:
            colour = health[d.name]
            fill = STATUS_FILL.get(colour, STATUS_FILL[None])
            classes += ["prep-measured", f"prep-health-{colour or 'none'}"]
        pairs += [("style", dot_string(",".join(style))), ("fillcolor", dot_string(fill)),
                  ("class", dot_string(" ".join(classes)))]
        if links and d.name in links:  # the overview: each box opens its group's picture
            pairs += [("href", dot_string(links[d.name])), ("target", '"_top"')]
        if marks is not None:
            pairs = marks.node_pairs(d, pairs, box_label(d), font_size=theme.font_size)
        return f"{ids[d.name]} {_attrs(pairs)};"

    def marker_line(d) -> str:
        """An off-page marker (`prep.layouter.fit`): a rounded, dotted tag
        naming the other end of a cut relation and its page, in the size of
        a note (measured so by the layout stage)."""
        pairs = [("label", dot_string(d.display)), ("fontsize", f"{_small(theme, layout):g}")] + size(layout.nodes[d.name]) + [
            ("style", '"rounded,dotted,filled"'), ("fillcolor", dot_string(theme.background)),
            ("fontcolor", dot_string(theme.muted)), ("color", dot_string(theme.muted)),
            ("class", '"prep-offpage"')]
        if links and d.name in links:  # an overview's drill-down: the tag opens the picture it names
            pairs += [("href", dot_string(links[d.name])), ("target", '"_top"')]
        return f"{ids[d.name]} {_attrs(pairs)};"

    members, children = group_tree(model)
    group_ids = {name: f"cluster_g{i}" for i, name in enumerate(model.groups)}
    coloured = by_subject is not None or bool(health)

    def emit_group(parent: str | None, indent: str) -> None:
        for d in members.get(parent, []):
            out.append(indent + node_line(d))
        for g in children.get(parent, []):
            if g.name not in layout.groups:
                continue
            out.append(f"{indent}subgraph {group_ids[g.name]} {{")
            # in the roadmap view a group is a swimlane across the stage columns: not filled,
            # so the columns show through
            style = '"rounded"' if unfilled(layout, layout.groups[g.name]) else '"rounded,filled"'
            attrs = [("label", dot_string(g.display)), ("style", style),
                     ("color", dot_string(theme.group_border)),
                     # boxes coloured by their health (--lint, --status, a report): the frames untinted,
                     # so a colour means one thing (green boxes in a green group read as a group's)
                     ("fillcolor", dot_string(group_fill(theme, None if coloured else g.colour))),
                     ("labeljust", "l"), ("fontsize", fs), ("class", '"prep-group"'),
                     ("bb", bb(layout.groups[g.name]))]
            if around_columns(layout, layout.groups[g.name]):
                # a frame around whole stage frames (a page of the viewer's stacked pages):
                # Graphviz fills a rounded frame with the drawing's background, which hid
                # the stage frames and their titles drawn before it
                attrs.append(("bgcolor", '"transparent"'))
            label = layout.group_labels.get(g.name)
            if label is not None:
                attrs.append(("lp", f'"{pt(label.x, label.y)}"'))
            if marks is not None and hasattr(marks, "group_pairs"):  # the diff picture's changed groups
                attrs = marks.group_pairs(g.name, attrs, g.display, font_size=theme.font_size)
            out.append(f"{indent}  graph " + _attrs(attrs) + ";")
            emit_group(g.name, indent + "  ")
            out.append(f"{indent}}}")

    emit_group(None, "  ")
    out.extend(_exit_tags(layout, exits, theme, pt, ids))

    for k, (r, route) in enumerate(zip(model.relations, layout.edges)):
        pairs = [("class", f'"prep-{r.kind}"'), ("pos", _long_string(spline_pos(route.points, r.kind == MUTUAL, height)))]
        if r.kind == SYNC:
            pairs.append(("style", "dashed"))
        elif r.kind == MUTUAL:
            pairs += [("style", "dashed"), ("dir", "both")]
        if r.note and route.label is not None:
            # a statement's note is written once, where the layout put it
            # (only one of its relations has a label box)
            pairs.append(("label", dot_string(r.note)))
            pairs.append(("fontcolor", dot_string(theme.muted)))
            pairs.append(("lp", f'"{pt(route.label.x, route.label.y)}"'))
        if marks is not None:
            mx, my = _middle(route.points)
            pairs = marks.edge_pairs(k, pairs, f'"{pt(mx, my - 10)}"')
        out.append(f"  {ids[r.source]} -> {ids[r.target]} {_attrs(pairs)};")

    if marks is not None and hasattr(marks, "extra_lines"):  # drawn over everything: the stage marks
        out.extend(marks.extra_lines(layout, pt, ids))
    if layout.legend is not None:
        out.extend(_legend(layout, theme, pt, bb, marks))
    if layout.page is not None:  # Graphviz sizes the picture to what it draws: two points hold the page
        for j, (x, y) in enumerate(((0.5, 0.5), (layout.width - 0.5, layout.height - 0.5))):
            out.append(f'  page{j} [shape=point, style=invis, width=0, height=0, label="", '
                       f'pos="{pt(x, y)}!", class="prep-corner"];')
    out.append("}")
    return "\n".join(out) + "\n"


def _columns(layout: Layout, theme: Theme, pt, bb) -> list[str]:
    """The roadmap view's stage columns: labelled frames, every other one
    shaded, drawn first so that they lie behind the boxes and groups."""
    lines = []
    for i, c in enumerate(layout.columns):
        fill = theme.group_fill if i % 2 == 0 else theme.background
        attrs = [("label", dot_string(c.label)), ("style", '"filled"'), ("color", dot_string(theme.group_border)),
                 ("fillcolor", dot_string(fill)), ("labeljust", "l"), ("fontsize", f"{theme.font_size + 1:g}"),
                 ("class", '"prep-stage"'), ("bb", bb(c.frame)), ("lp", f'"{pt(c.label_box.x, c.label_box.y)}"')]
        lines += [f"  subgraph cluster_s{i} {{", "    graph " + _attrs(attrs) + ";", "  }"]
    return lines


def _tag_look(theme: Theme) -> list[tuple[str, str]]:
    """A dark tag with white text: readable in greyscale and on a photocopy."""
    ink = dot_string(theme.ink)
    return [("style", '"filled"'), ("color", ink), ("fillcolor", ink), ("fontcolor", '"#ffffff"')]


def exit_tag(box, number: int, layout: Layout | None = None, name: str | None = None):
    """(text, centre x, centre y, width, height) of the "EXIT n" tag of an
    exit criterion's box: where the layout put it (its `texts`), else
    where the layout stage puts it (`prep.layouter.texts.exit_tag_box`)."""
    placed = layout.text("exit", name) if layout is not None and name is not None else None
    tag = placed.box if placed is not None else exit_tag_box(box, number, layout.direction if layout else "LR")
    return f"EXIT {number}", tag.x, tag.y, tag.width, tag.height


def exit_tag_line(node: str, box_node: str, box, number: int, theme: Theme, pt, *, cls: str,
                  extra: list[tuple[str, str]] = (), layout: Layout | None = None, name: str | None = None) -> str:
    """The DOT line of the "EXIT n" tag node `node` on `box` (the layout's
    box of the exit criterion `name`, whose DOT node is `box_node`), for the
    roadmap view and the stage pictures alike. `prep_box` names the box's
    node: Graphviz ignores it, the PowerPoint export groups the two."""
    text, x, y, w, h = exit_tag(box, number, layout, name)
    size = EXIT_TAG_FONT_SIZE * h / EXIT_TAG_HEIGHT   # the layout sized the tag for its text
    pairs = [("label", dot_string(text)), ("shape", "box"), ("fontsize", f"{size:g}"),
             ("margin", '"0.02,0"'), ("pos", f'"{pt(x, y)}!"'), ("width", f"{w / 72:.4f}"),
             ("height", f"{h / 72:.4f}"), ("fixedsize", "true"), ("penwidth", "1.0"),
             ("class", dot_string(cls)), *extra, ("prep_box", dot_string(box_node))] + _tag_look(theme)
    return f"  {node} {_attrs(pairs)};"


def _exit_tags(layout: Layout, exits: dict[str, int], theme: Theme, pt, ids: dict[str, str]) -> list[str]:
    """The roadmap view's exit criteria: an "EXIT n" tag on each box (n:
    the stage it ends), drawn after the boxes so that it lies on top."""
    lines = []
    for j, (name, number) in enumerate(exits.items()):
        box = layout.nodes.get(name)
        if box is not None:
            lines.append(exit_tag_line(f"exit{j}", ids[name], box, number, theme, pt, cls="prep-exit-tag",
                                       layout=layout, name=name))
    return lines


def _middle(points) -> tuple[float, float]:
    """The point halfway along the middle Bézier piece of a route."""
    pieces = max(1, (len(points) - 1) // 3)
    i = 3 * (pieces // 2)
    if i + 3 >= len(points):
        return points[len(points) // 2]
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points[i:i + 4]
    return (x0 + 3 * x1 + 3 * x2 + x3) / 8, (y0 + 3 * y1 + 3 * y2 + y3) / 8


def _long_string(text: str, chunk: int = 8000) -> str:
    """A DOT string of any length: Graphviz's lexer stops at 16,384
    characters in one quoted string, so a long route is written as
    "..." + "..." (DOT's concatenation), split at spaces. `text` is prep's
    own numbers, never user text."""
    parts, start = [], 0
    while len(text) - start > chunk:
        cut = text.rindex(" ", start, start + chunk)
        parts.append(text[start:cut])
        start = cut
    parts.append(text[start:])
    return " + ".join(f'"{p}"' for p in parts)


ARROW_LENGTH = 7.0  # Graphviz: 10 points times arrowsize 0.7


def spline_pos(points, both: bool, height: float) -> str:
    """A Graphviz edge `pos`: the spline, shortened at its ends by an
    arrowhead's length, and the arrow tips (`e,` and for mutual `s,`)."""
    pts = [list(p) for p in points]

    def pull(end: int, toward: int) -> tuple[float, float]:
        (x0, y0), (x1, y1) = pts[end], pts[toward]
        d = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
        tip = (x0, y0)
        if d > 0:
            k = min(ARROW_LENGTH, d * 0.9) / d
            pts[end] = [x0 + (x1 - x0) * k, y0 + (y1 - y0) * k]
        return tip

    tip_end = pull(len(pts) - 1, len(pts) - 2)
    head = [f"e,{tip_end[0]:.2f},{height - tip_end[1]:.2f}"]
    if both:
        tip_start = pull(0, 1)
        head.insert(0, f"s,{tip_start[0]:.2f},{height - tip_start[1]:.2f}")
    return " ".join(head + [f"{x:.2f},{height - y:.2f}" for x, y in pts])


def _legend(layout: Layout, theme: Theme, pt, bb, marks=None) -> list[str]:
    """The key: sample boxes and lines at the places the layout gave them."""
    ink = dot_string(theme.ink)
    small = f"{_small(theme, layout):g}"
    lines = ["  subgraph cluster_legend {",
             "    graph " + _attrs([("label", '""'), ("style", '"rounded"'), ("color", dot_string(theme.group_border)),
                                    ("class", '"prep-legend"'), ("bb", bb(layout.legend))]) + ";"]
    fills = {"health-green": HEALTH_FILL[None], "health-lime": HEALTH_FILL["info"],
             "health-yellow": HEALTH_FILL["warning"], "health-red": HEALTH_FILL["error"],
             **{f"status-{c or 'none'}": fill for c, fill in STATUS_FILL.items()}}
    plain, legend_item, box_margin = '""', '"prep-legend-item"', '"0.08,0.04"'
    for i, item in enumerate(layout.legend_items):
        b = item.box
        at = [("pos", f'"{pt(b.x, b.y)}!"')]
        place = at + [("width", f"{b.width / 72:.4f}"), ("height", f"{b.height / 72:.4f}"), ("fixedsize", "true")]
        if item.kind == "header":
            pairs = [("label", dot_string(item.text)), ("shape", "plaintext"), ("style", plain), ("margin", "0"),
                     ("fontsize", f"{theme.font_size:g}"), ("class", legend_item)] + at
            lines.append(f"    legend_{i} {_attrs(pairs)};")
        elif item.points:  # a sample line and its text
            (x0, y0), (x1, y1) = item.points
            a, z = f"legend_{i}a", f"legend_{i}z"
            for nid, (x, y) in ((a, (x0, y0)), (z, (x1, y1))):
                lines.append(f'    {nid} [shape=point, width=0.01, height=0.01, style=invis, pos="{pt(x, y)}!", class="prep-legend-item"];')
            route = ((x0, y0), (x0 + (x1 - x0) / 3, y0), (x0 + 2 * (x1 - x0) / 3, y1), (x1, y1))
            pairs = [("pos", dot_string(spline_pos(route, item.kind == MUTUAL, layout.height))),
                     ("class", '"prep-legend-item"')]
            if item.kind.startswith("diff-"):  # the diff picture's key: drawn as it draws changes
                pairs = marks.legend_edge(item.kind, pairs)
            elif item.kind != "input":
                pairs.append(("style", "dashed"))
            if item.kind == MUTUAL:
                pairs.append(("dir", "both"))
            lines.append(f"    {a} -> {z} {_attrs(pairs)};")
            pairs = [("label", dot_string(item.text)), ("shape", "plaintext"), ("style", plain), ("margin", "0"),
                     ("fontsize", small), ("fontcolor", ink), ("class", legend_item)] + at
            lines.append(f"    legend_{i} {_attrs(pairs)};")
        else:  # a sample box
            style = "filled,dashed" if item.kind == "knowhow" else "filled"
            fill = fills.get(item.kind, theme.knowhow_fill if item.kind == "knowhow" else theme.tangible_fill)
            pairs = [("label", dot_string(item.text)), ("style", dot_string(style)), ("fillcolor", dot_string(fill)),
                     ("fontsize", small), ("margin", box_margin), ("class", legend_item)] + place
            if item.kind.startswith(("diff-", "stage-")) and marks is not None:
                pairs = marks.legend_box(item.kind, pairs, item.text)
            elif item.kind == "stage-exit":  # the roadmap view's tag
                pairs += _tag_look(theme)
            lines.append(f"    legend_{i} {_attrs(pairs)};")
    lines.append("  }")
    return lines
