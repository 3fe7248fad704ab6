"""Model to a Mermaid flowchart: pure text, so GitHub and GitLab draw the
model natively in a README, an issue or a pull-request comment.

The notation is kept: knowhow boxes get a dashed border (`classDef`),
synchronization is a dashed link (`-.->`), mutual synchronization a dashed
link with two heads (`<-.->`), groups are subgraphs.

Safety of user text: node and subgraph ids are generated (`n0`, `g0`), never
taken from names, so keywords such as `end` or `graph` cannot break the
chart. Every label is written as a Mermaid quoted string in which each
character outside a small safe set (letters, digits, space and `_-.,()/+`)
is written as a Mermaid entity code `#<decimal>;` (`"` -> `#34;`). Mermaid
decodes those codes back into the characters after parsing, so quotes,
brackets, `|`, `;`, `%%`, `-->`, HTML tags and entity look-alikes in a name
are shown literally and can neither end the string nor inject markup. A line
break inside a label is written as `<br>`, the one markup Mermaid is given.

Mermaid's own limits apply (by default 50,000 characters of text and 500
links per chart); for larger models draw a view (`--focus`, `--group`).
"""

from __future__ import annotations

import json

from ..language.diagnostics import Diagnostic
from ..language.model import INPUT, KNOWHOW, MUTUAL, SYNC, Model
from ..language.model import group_tree
from ..layouter.direction import direction_of
from .dot import HEALTH_FILL, HEALTH_NAME, STATUS_FILL, THEMES, Theme, worst_by_subject, worst_severity
from .palette import FAINT_INK, FAINT_TEXT

LINK = {INPUT: "-->", SYNC: "-.->", MUTUAL: "<-.->"}

_SAFE_PUNCTUATION = frozenset(" _-.,()/+")


def mermaid_text(text: str) -> str:
    """`text` as the inside of a Mermaid quoted label, shown literally."""
    out = []
    for ch in text.replace("\r\n", "\n").replace("\r", "\n"):
        if ch == "\n":
            out.append("<br>")
        elif (ch.isalnum() and ch.isprintable()) or ch in _SAFE_PUNCTUATION:
            out.append(ch)
        else:
            out.append(f"#{ord(ch)};")
    return "".join(out)


def mermaid_string(text: str) -> str:
    return f'"{mermaid_text(text)}"'


def _style(pairs: list[tuple[str, str]]) -> str:
    return ",".join(f"{k}:{v}" for k, v in pairs)


def _colour(value: str) -> str:
    # colours come from themes and prep.toml, not from models; keep them to
    # characters a classDef can hold (no ',', ';' or newline)
    return "".join(ch for ch in value if ch.isalnum() or ch in "#().% ").strip() or "black"


def to_mermaid(model: Model, *, direction: str = "LR", findings: list[Diagnostic] | None = None,
               theme: Theme | None = None, legend: bool = False, health: dict | None = None,
               marks=None) -> str:
    """The model as Mermaid flowchart text (ends with a newline). `health`:
    measured deliverable -> colour from data (`prep render --status`);
    `marks`: `--part`'s PartMarks, whose neighbours (and the relations
    between two of them) are drawn faintly, as in the other formats."""
    theme = theme or THEMES["default"]
    direction = direction_of(direction)
    out: list[str] = []
    if model.title:
        # front matter title (Mermaid >= 9.4); a JSON string is a valid YAML scalar
        out += ["---", "title: " + json.dumps(" ".join(model.title.split()), ensure_ascii=False), "---"]
    out.append(f"flowchart {direction}")
    ink = _colour(theme.ink)
    out.append("  classDef deliverable " + _style([
        ("fill", _colour(theme.tangible_fill)), ("stroke", ink), ("color", ink), ("stroke-width", "1.2px")]) + ";")
    out.append("  classDef knowhow " + _style([
        ("fill", _colour(theme.knowhow_fill)), ("stroke", ink), ("color", ink), ("stroke-width", "1.2px"),
        ("stroke-dasharray", "5 4")]) + ";")
    out.append("  classDef external " + _style([("fill", _colour(theme.external_fill))]) + ";")
    out.append("  classDef final " + _style([("stroke-width", "3px")]) + ";")
    by_subject = worst_by_subject(findings) if findings is not None else None
    if by_subject is not None:
        for sev in (None, "info", "warning", "error"):
            out.append(f"  classDef health-{HEALTH_NAME[sev]} fill:{HEALTH_FILL[sev]};")
    if health:
        for colour, fill in STATUS_FILL.items():
            out.append(f"  classDef measured-{colour or 'none'} fill:{fill};")

    faint = set(marks.status) if marks is not None else set()
    faint_edges = list(marks.later_edges) if marks is not None else []
    if faint:
        out.append("  classDef neighbour " + _style([("fill", "#ffffff"), ("stroke", _colour(FAINT_INK)),
                                                     ("color", _colour(FAINT_TEXT)), ("stroke-width", "1px")]) + ";")

    ids = {name: f"n{i}" for i, name in enumerate(model.deliverables)}
    group_ids = {name: f"g{i}" for i, name in enumerate(model.groups)}

    def node_line(d) -> str:
        label = d.display
        if d.owners:
            label += "\n(" + ", ".join(d.owners) + ")"
        classes = [KNOWHOW if d.kind == KNOWHOW else "deliverable"]
        if d.external:
            classes.append("external")
        if d.final:
            classes.append("final")
        if by_subject is not None:
            worst = worst_severity(by_subject.get(d.name, []))
            classes.append(f"health-{HEALTH_NAME[worst]}")
        if health and d.name in health:
            classes.append(f"measured-{health[d.name] or 'none'}")
        if d.name in faint:  # last, so its fill and ink win over the health colour
            classes = [c for c in classes if not c.startswith("health-")] + ["neighbour"]
        # `:::a:::b` is not accepted, so classes are attached with `class` lines
        return f"{ids[d.name]}[{mermaid_string(label)}]", classes

    members, children = group_tree(model)

    def non_empty(group: str) -> bool:
        return bool(members.get(group)) or any(non_empty(c.name) for c in children.get(group, []))

    class_members: dict[str, list[str]] = {}

    def emit(parent: str | None, indent: str) -> None:
        for d in members.get(parent, []):
            line, classes = node_line(d)
            out.append(indent + line)
            for c in classes:
                class_members.setdefault(c, []).append(ids[d.name])
        for g in children.get(parent, []):
            if not non_empty(g.name):
                continue
            out.append(f"{indent}subgraph {group_ids[g.name]}[{mermaid_string(g.display)}]")
            emit(g.name, indent + "  ")
            out.append(f"{indent}end")

    emit(None, "  ")
    # links after every subgraph: a link written inside a subgraph would pull
    # its ends into that subgraph
    quiet = []   # link numbers (in the order written) between two neighbours
    for k, r in enumerate(model.relations):
        link = LINK[r.kind]
        label = f"|{mermaid_string(r.note)}|" if r.note else ""
        out.append(f"  {ids[r.source]} {link}{label} {ids[r.target]}")
        if k < len(faint_edges) and faint_edges[k]:
            quiet.append(str(k))
    if quiet:
        # no ';' after it: Mermaid reads "#a9a9a9;" as a character entity and fails
        out.append(f"  linkStyle {','.join(quiet)} stroke:{_colour(FAINT_INK)},color:{_colour(FAINT_TEXT)}")
    if legend:
        from .._words import say

        out += [f"  subgraph legend[\"{say('Legend')}\"]",
                f'    legend_d["{say("deliverable")}"] --> legend_r["{say("result")}"]',
                f'    legend_k["{say("knowhow")}"] -.-> legend_s["{say("settled by coordination")}"]',
                f'    legend_m1["{say("one side")}"] <-.-> legend_m2["{say("other side")}"]',
                "  end"]
        class_members.setdefault("deliverable", []).extend(["legend_d", "legend_r", "legend_s", "legend_m1", "legend_m2"])
        class_members.setdefault(KNOWHOW, []).append("legend_k")
    for cls, node_ids in class_members.items():
        out.append(f"  class {','.join(node_ids)} {cls};")
    return "\n".join(out) + "\n"
