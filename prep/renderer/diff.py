"""The diff picture: both versions of a model on one layout.

    prep render --diff old.prep new.prep -o diff.svg
    prep render --diff --side-by-side main..HEAD -- model.prep

The *union* of the two models (every deliverable and relation of either)
is laid out once. One picture marks what changed; side by side, the old
model (As-Is) and the new one (To-Be) are drawn next to each other, each
deliverable at the same place in both.

Readable in greyscale print, not only by colour:

- added: a bold border and a "+" before the label (green fill);
- removed: a dotted grey border and struck-through grey text;
- changed: a "~" before the label and a double-weight border (amber fill);
  renamed: "old → new" as the label;
- relations: added bold, removed dotted and grey, changed bold and dashed
  with the old kind written on it ("was input").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from html import escape

from ..language.diff import ModelDiff
from ..language.model import Model, Relation

ADDED_FILL, CHANGED_FILL = "#d6efd0", "#fbe7b5"
ADDED_INK, REMOVED_INK, CHANGED_INK = "#1b5e20", "#9a9a9a", "#8a5a00"


@dataclass
class Union:
    """Both versions in one model, and what happened to each part."""
    model: Model
    status: dict[str, str]            # deliverable -> same | added | removed | changed | renamed
    edge_status: list[str]            # per relation of `model`: same | added | removed | changed
    renamed_from: dict[str, str]      # new name -> old name
    was: dict[int, Relation]          # a changed relation's index -> the old relation


def union(diff: ModelDiff) -> Union:
    """Every deliverable and relation of either version, under the new
    model's names (a renamed deliverable under its new name)."""
    old, new = diff.old, diff.new
    renamed_to = dict(diff.renamed)
    status = {name: "same" for name in new.deliverables}
    deliverables = dict(new.deliverables)
    for name in diff.added:
        status[name] = "added"
    for ch in diff.changed:
        status[ch.name] = "changed"
    renamed_from = {n: o for o, n in diff.renamed}
    for name in renamed_from:
        status[name] = "renamed"
    for name in diff.removed:
        deliverables[name] = old.deliverables[name]
        status[name] = "removed"
    # the marks are part of the label, so the layout measures the box the
    # picture draws: "+ name", "~ name", "~ old → new"
    for name, s in status.items():
        d = deliverables[name]
        mark = {"added": "+ ", "changed": "~ ",
                "renamed": f"~ {old.deliverables[renamed_from[name]].display} → " if s == "renamed" else ""}.get(s)
        if mark:
            deliverables[name] = replace(d, label=mark + d.display)
    groups = dict(new.groups)
    for g, group in old.groups.items():
        groups.setdefault(g, group)
    added = {id(rc.new) for rc in diff.relations if rc.status == "added"}
    changed = {id(rc.new): rc.old for rc in diff.relations if rc.status == "changed"}
    relations, edge_status, was = [], [], {}
    for r in new.relations:
        if id(r) in changed:
            was[len(relations)] = changed[id(r)]
        edge_status.append("added" if id(r) in added else "changed" if id(r) in changed else "same")
        relations.append(r)
    for rc in diff.relations:
        if rc.status == "removed":
            r = rc.old
            relations.append(Relation(r.kind, renamed_to.get(r.source, r.source), renamed_to.get(r.target, r.target),
                                      r.span, r.source_span, r.target_span, r.note, r.stage, r.owners))
            edge_status.append("removed")
    model = Model(path=new.path, title=new.title or old.title, deliverables=deliverables,
                  relations=tuple(relations), groups=groups, source=new.source)
    return Union(model, status, edge_status, renamed_from, was)


def _strike(text: str) -> str:
    """A struck-through label as a Graphviz HTML-like label; the text is
    escaped, so model text stays text."""
    return "<<S>" + "<BR/>".join(escape(line, quote=False) for line in text.split("\n")) + "</S>>"


@dataclass
class DiffMarks:
    """How `to_dot` styles a box or an arrow of the union by its change."""
    union: Union

    def node_pairs(self, d, pairs: list, label: str) -> list:
        s = self.union.status.get(d.name, "same")
        out = dict(pairs)
        style = out.get("style", '"filled"').strip('"').split(",")
        if s == "added":
            out.update(penwidth="2.8", fillcolor=f'"{ADDED_FILL}"')
        elif s == "removed":
            out.update(label=_strike(label), color=f'"{REMOVED_INK}"', fontcolor=f'"{REMOVED_INK}"',
                       fillcolor='"#ffffff"')
            style = [x for x in style if x != "dashed"] + ["dotted"]
        elif s in ("changed", "renamed"):
            out.update(penwidth="2.2", fillcolor=f'"{CHANGED_FILL}"')
        out["style"] = '"' + ",".join(style) + '"'
        out["class"] = '"' + out.get("class", '""').strip('"') + f' prep-diff-{s}"'
        return list(out.items())

    def edge_pairs(self, k: int, pairs: list, middle: str | None = None) -> list:
        return edge_look(self.union.edge_status[k], pairs, self.union.was.get(k), middle)

    def legend_box(self, kind: str, pairs: list, text: str) -> list:
        """A sample box of the legend ('diff-added', ...), looking as the
        picture's boxes do."""
        out = dict(pairs)
        status = kind[len("diff-"):]
        out["fillcolor"] = '"#ffffff"'
        if status == "added":
            out.update(penwidth="2.8", fillcolor=f'"{ADDED_FILL}"')
        elif status == "removed":
            out.update(label=_strike(text), style='"filled,dotted"', color=f'"{REMOVED_INK}"',
                       fontcolor=f'"{REMOVED_INK}"')
        else:
            out.update(penwidth="2.2", fillcolor=f'"{CHANGED_FILL}"')
        return list(out.items())

    def legend_edge(self, kind: str, pairs: list) -> list:
        """A sample line of the legend ('diff-edge-added', ...)."""
        return edge_look(kind[len("diff-edge-"):], pairs, None, None)


def edge_look(status: str, pairs: list, was: Relation | None, middle: str | None) -> list:
    out = dict(pairs)
    out["class"] = '"' + out.get("class", '""').strip('"') + f' prep-diff-{status}"'
    if status == "added":
        out.update(penwidth="2.6", color=f'"{ADDED_INK}"')
    elif status == "removed":
        out.update(style="dotted", color=f'"{REMOVED_INK}"', fontcolor=f'"{REMOVED_INK}"')
    elif status == "changed":
        out.update(penwidth="2.2", color=f'"{CHANGED_INK}"', fontcolor=f'"{CHANGED_INK}"')
        if was is not None and middle is not None and "label" not in out:
            out.update(label=_plain(f"~ was {was.arrow}"), lp=middle)
    return list(out.items())


def _plain(text: str) -> str:
    from ..layouter import dot_string

    return dot_string(text)


# ----------------------------------------------------------------- drawing

PANEL_GAP = 48.0
PANEL_PAD = 14.0


def render_diff(diff: ModelDiff, fmt: str, *, side_by_side: bool = False, old_label: str = "old",
                new_label: str = "new", direction: str = "LR", theme=None, dpi: float | None = None,
                embed_fonts: bool = True) -> bytes:
    """The diff picture of `diff` as `fmt` (svg, png, pdf, pptx, dot, layout);
    `embed_fonts`: an SVG carries the subset of its font."""
    from dataclasses import replace

    from ..layouter import layout as lay_out
    from . import render
    from .dot import resolve_theme

    theme = resolve_theme(theme)
    u = union(diff)
    geometry = lay_out(u.model, direction=direction, font=theme.font, font_size=theme.font_size,
                       legend=not side_by_side, diff_legend=not side_by_side)
    if not side_by_side:
        return render(u.model, fmt, layout=geometry, theme=theme, dpi=dpi, legend=True, marks=DiffMarks(u),
                      embed_fonts=embed_fonts)
    model, placed = _side_by_side(u, geometry, diff, old_label, new_label, theme)
    placed = replace(placed, engine=geometry.engine, direction=geometry.direction)
    return render(model, fmt, layout=placed, theme=theme, dpi=dpi, embed_fonts=embed_fonts)


def _side_by_side(u: Union, geometry, diff: ModelDiff, old_label: str, new_label: str, theme):
    """The old model (As-Is) and the new one (To-Be) next to each other,
    each deliverable where the union layout put it, in one model and one
    layout: two frames, names prefixed by the side."""
    from ..language.model import Deliverable, Group
    from ..layouter import Box, Layout, Route, measure

    renamed_to = dict(diff.renamed)
    sides = {"As-Is": (diff.old, lambda n: renamed_to.get(n, n)), "To-Be": (diff.new, lambda n: n)}
    deliverables, relations, groups, routes = {}, [], {}, []
    nodes, frames = {}, {}
    headers = {"As-Is": f"As-Is: {old_label}", "To-Be": f"To-Be: {new_label}"}
    dx = geometry.width + PANEL_GAP
    route_of = {}
    for k, r in enumerate(u.model.relations):
        route_of.setdefault((r.source, r.target, r.kind), []).append(geometry.edges[k])
    for side, (model, union_name) in sides.items():
        shift = 0.0 if side == "As-Is" else dx
        top = f"{side}"
        groups[top] = Group(top, headers[side], None, next(iter(model.deliverables.values())).span
                            if model.deliverables else None)

        def name(n, side=side):
            return f"{side}: {n}"

        for g in model.groups.values():
            groups[name(g.name)] = Group(name(g.name), g.display, name(g.parent) if g.parent else top, g.span)
            frame = geometry.groups.get(g.name)
            if frame is not None:
                frames[name(g.name)] = Box(frame.x + shift, frame.y, frame.width, frame.height)
        for n, d in model.deliverables.items():
            box = geometry.nodes[union_name(n)]
            deliverables[name(n)] = Deliverable(name(n), d.kind, d.display, d.owners, d.external, d.final, d.note,
                                                d.stage, name(d.group) if d.group in model.groups else top, d.span)
            nodes[name(n)] = Box(box.x + shift, box.y, box.width, box.height)
        used: dict[tuple, int] = {}
        for r in model.relations:
            key = (union_name(r.source), union_name(r.target), r.kind)
            candidates = route_of.get(key) or route_of.get((key[0], key[1], "input")) or []
            i = used.get(key, 0)
            used[key] = i + 1
            if candidates:
                src = candidates[min(i, len(candidates) - 1)]
                pts = tuple((x + shift, y) for x, y in src.points)
                label = None if src.label is None else Box(src.label.x + shift, src.label.y, src.label.width,
                                                           src.label.height)
            else:  # the same pair with another kind in the union: its route
                src = next((e for e in geometry.edges if (e.source, e.target) == key[:2]
                            or (e.source, e.target) == key[1::-1]), None)
                pts = tuple((x + shift, y) for x, y in src.points) if src else ()
                label = None
            relations.append(Relation(r.kind, name(r.source), name(r.target), r.span, r.source_span, r.target_span,
                                      r.note, r.stage, r.owners))
            routes.append(Route(name(r.source), name(r.target), r.kind, pts, label))
    combined = Model(path=diff.new.path, title=None, deliverables=deliverables, relations=tuple(relations),
                     groups=groups, source=diff.new.source)
    sizes = measure(combined, font=theme.font, font_size=theme.font_size)
    group_labels = {}
    for side in sides:
        members = [b for n, b in nodes.items() if n.startswith(side + ": ")]
        members += [b for n, b in frames.items() if n.startswith(side + ": ")]
        lw, lh = sizes.groups[side]
        if members:
            x0 = min(b.left for b in members) - PANEL_PAD
            x1 = max(b.right for b in members) + PANEL_PAD
            y0 = min(b.top for b in members) - PANEL_PAD - lh
            y1 = max(b.bottom for b in members) + PANEL_PAD
            x1 = max(x1, x0 + lw + 2 * PANEL_PAD)
            frames[side] = Box((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0)
            group_labels[side] = Box(x0 + PANEL_PAD + lw / 2, y0 + PANEL_PAD / 2 + lh / 2, lw, lh)
    for g, frame in frames.items():
        if g not in group_labels and g in groups:
            lw, lh = sizes.groups[g]
            group_labels[g] = Box(frame.left + 9 + lw / 2, frame.top + 4.5 + lh / 2, lw, lh)
    # everything inside the drawing, from 0
    left = min([b.left for b in frames.values()] + [b.left for b in nodes.values()] + [0.0])
    top_y = min([b.top for b in frames.values()] + [b.top for b in nodes.values()] + [0.0])

    def move(b):
        return None if b is None else Box(b.x - left, b.y - top_y, b.width, b.height)

    nodes = {n: move(b) for n, b in nodes.items()}
    frames = {n: move(b) for n, b in frames.items()}
    group_labels = {n: move(b) for n, b in group_labels.items()}
    routes = [Route(r.source, r.target, r.kind, tuple((x - left, y - top_y) for x, y in r.points), move(r.label))
              for r in routes]
    width = max([b.right for b in frames.values()] + [b.right for b in nodes.values()])
    height = max([b.bottom for b in frames.values()] + [b.bottom for b in nodes.values()])
    return combined, Layout(width=width, height=height, nodes=nodes, edges=tuple(routes), groups=frames,
                            group_labels=group_labels)
