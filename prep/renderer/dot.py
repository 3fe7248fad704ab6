"""Model to DOT text: pure, deterministic, and testable without Graphviz.

Every piece of user text (names, labels, notes, titles) goes through
`dot_string`, which quotes it so Graphviz shows it literally: no HTML-like
labels, no escape sequences such as \\N, no attribute injection. Node ids are
generated (`n0`, `n1`, ...), never taken from user text.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..language.diagnostics import SEVERITY_RANK, Diagnostic
from ..language.model import KNOWHOW, MUTUAL, SYNC, Model
from ..layouter.fonts import FONT_FAMILY


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


THEMES = {
    "default": Theme(),
    # black on white, no colour fills: for print and photocopies
    "print": Theme(name="print", ink="#000000", tangible_fill="#ffffff", knowhow_fill="#ffffff",
                   external_fill="#ffffff", group_border="#000000", group_fill="#ffffff", muted="#000000"),
}

# the four colours of customer-health dashboards, pale enough for black text
HEALTH_FILL = {None: "#b7e1b0", "info": "#dcef9a", "warning": "#fff08a", "error": "#f4a6a0"}
HEALTH_NAME = {None: "green", "info": "lime", "warning": "yellow", "error": "red"}


def dot_string(text: str) -> str:
    """A DOT double-quoted string showing `text` literally."""
    # Graphviz decodes HTML entities in every label (`&amp;` shows as `&`),
    # so '&' itself is written as an entity to show `&amp;` literally
    out = text.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')
    out = out.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{out}"'


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


def group_tree(model: Model) -> tuple[dict[str | None, list], dict[str | None, list]]:
    """(deliverables by group, groups by parent group); None is the top level."""
    members: dict[str | None, list] = {}
    for d in model.deliverables.values():
        members.setdefault(d.group if d.group in model.groups else None, []).append(d)
    children: dict[str | None, list] = {}
    for g in model.groups.values():
        children.setdefault(g.parent, []).append(g)
    return members, children


def to_dot(model: Model, *, direction: str = "LR", legend: bool = False,
           findings: list[Diagnostic] | None = None, theme: Theme | None = None) -> str:
    theme = theme or THEMES["default"]
    direction = direction.upper()
    if direction not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"direction must be LR or TB, not {direction!r}")
    font = dot_string(theme.font)
    fs = f"{theme.font_size:g}"
    out = ["digraph prep {"]
    graph_attrs = [("rankdir", direction), ("fontname", font), ("fontsize", f"{theme.font_size + 2:g}"),
                   ("bgcolor", dot_string(theme.background)), ("pad", "0.3"), ("nodesep", "0.35"),
                   ("ranksep", "0.55"), ("newrank", "true"), ("fontcolor", dot_string(theme.ink))]
    if model.title:
        graph_attrs += [("label", dot_string(model.title)), ("labelloc", "t"), ("labeljust", "l")]
    out.append("  graph " + _attrs(graph_attrs) + ";")
    out.append("  node " + _attrs([("shape", "box"), ("style", '"filled"'), ("fontname", font),
                                   ("fontsize", fs), ("color", dot_string(theme.ink)),
                                   ("fontcolor", dot_string(theme.ink)),
                                   ("fillcolor", dot_string(theme.tangible_fill)),
                                   ("margin", '"0.14,0.07"'), ("penwidth", "1.2")]) + ";")
    out.append("  edge " + _attrs([("color", dot_string(theme.ink)), ("arrowsize", "0.7"),
                                   ("fontname", font), ("fontsize", f"{theme.font_size - 2:g}"),
                                   ("penwidth", "1.1")]) + ";")

    ids = {name: f"n{i}" for i, name in enumerate(model.deliverables)}
    by_subject = worst_by_subject(findings) if findings is not None else None

    def node_line(d) -> str:
        label = d.display
        if d.owners:
            label += "\n(" + ", ".join(d.owners) + ")"
        classes = ["prep-knowhow" if d.kind == KNOWHOW else "prep-deliverable"]
        style = ["filled"]
        fill = theme.knowhow_fill if d.kind == KNOWHOW else theme.tangible_fill
        pairs = [("label", dot_string(label))]
        if d.kind == KNOWHOW:
            style.append("dashed")
        if d.external:
            fill = theme.external_fill
            classes.append("prep-external")
        if d.final:
            pairs.append(("penwidth", "2.4"))
            classes.append("prep-final")
        if by_subject is not None:
            worst = worst_severity(by_subject.get(d.name, []))
            fill = HEALTH_FILL[worst]
            classes.append(f"prep-health-{HEALTH_NAME[worst]}")
        pairs += [("style", dot_string(",".join(style))), ("fillcolor", dot_string(fill)),
                  ("class", dot_string(" ".join(classes)))]
        return f"{ids[d.name]} {_attrs(pairs)};"

    members, children = group_tree(model)

    group_ids = {name: f"cluster_g{i}" for i, name in enumerate(model.groups)}

    def emit_group(parent: str | None, indent: str) -> None:
        for d in members.get(parent, []):
            out.append(indent + node_line(d))
        for g in children.get(parent, []):
            out.append(f"{indent}subgraph {group_ids[g.name]} {{")
            out.append(f"{indent}  graph " + _attrs([
                ("label", dot_string(g.display)), ("style", '"rounded,filled"'),
                ("color", dot_string(theme.group_border)), ("fillcolor", dot_string(theme.group_fill)),
                ("labeljust", "l"), ("fontsize", fs), ("class", '"prep-group"')]) + ";")
            emit_group(g.name, indent + "  ")
            out.append(f"{indent}}}")

    emit_group(None, "  ")

    for r in model.relations:
        pairs = [("class", f'"prep-{r.kind}"')]
        if r.kind == SYNC:
            pairs.append(("style", "dashed"))
        elif r.kind == MUTUAL:
            pairs += [("style", "dashed"), ("dir", "both")]
        if r.note:
            pairs.append(("label", dot_string(r.note)))
            pairs.append(("fontcolor", dot_string(theme.muted)))
        out.append(f"  {ids[r.source]} -> {ids[r.target]} {_attrs(pairs)};")

    if legend:
        out.extend(_legend(theme, fs, with_health=findings is not None))
    out.append("}")
    return "\n".join(out) + "\n"


def _legend(theme: Theme, fs: str, with_health: bool) -> list[str]:
    ink = dot_string(theme.ink)
    lines = ["  subgraph cluster_legend {",
             "    graph " + _attrs([("label", '"Legend"'), ("style", '"rounded"'), ("color", dot_string(theme.group_border)),
                                    ("fontsize", fs), ("labeljust", "l"), ("class", '"prep-legend"')]) + ";",
             "    node " + _attrs([("fontsize", f"{float(fs) - 2:g}"), ("margin", '"0.08,0.04"')]) + ";",
             '    legend_d [label="deliverable", class="prep-legend-item"];',
             f'    legend_k [label="knowhow", style="filled,dashed", fillcolor={dot_string(theme.knowhow_fill)}, class="prep-legend-item"];',
             '    legend_r [label="result", class="prep-legend-item"];',
             '    legend_s [label="settled by coordination", class="prep-legend-item"];',
             f'    legend_d -> legend_r [label="input", fontcolor={ink}, class="prep-legend-item"];',
             f'    legend_k -> legend_s [label="synchronization", style=dashed, fontcolor={ink}, class="prep-legend-item"];',
             '    legend_m1 [label="one side", class="prep-legend-item"];',
             '    legend_m2 [label="other side", class="prep-legend-item"];',
             f'    legend_m1 -> legend_m2 [label="mutual synchronization", style=dashed, dir=both, fontcolor={ink}, class="prep-legend-item"];']
    if with_health:
        prev = None
        for sev in (None, "info", "warning", "error"):
            text = {None: "no finding", "info": "info", "warning": "warning", "error": "error"}[sev]
            nid = f"legend_h_{HEALTH_NAME[sev]}"
            lines.append(f'    {nid} [label="{text}", fillcolor="{HEALTH_FILL[sev]}", class="prep-legend-item"];')
            if prev:
                lines.append(f"    {prev} -> {nid} [style=invis];")
            prev = nid
    lines.append("  }")
    return lines
