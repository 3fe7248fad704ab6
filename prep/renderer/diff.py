"""The diff picture: both versions of a model on one layout.

    prep render --diff old.prep new.prep -o diff.svg
    prep render --diff --side-by-side main..HEAD -- model.prep

The *union* of the two models (every deliverable and relation of either)
is laid out once. One picture marks what changed (`render_diff`); with
`side_by_side`, the old model (As-Is) and the new one (To-Be) are two
titled halves of one picture (`as_is_to_be`), each deliverable at the same
place in both, side by side or stacked, whichever suits the page.

Readable in greyscale print, not only by colour:

- added: a bold border and a "+" before the label (green fill);
- removed: a dotted grey border and struck-through grey text;
- changed: a "~" before the label and a double-weight border (amber fill);
  renamed: "old → new" as the label;
- relations: added bold, removed dotted and grey, changed bold and dashed
  with the old kind written on it ("was input"; side by side, the As-Is
  half shows it instead);
- groups (their frames) as boxes: added "+ " and a bold frame, removed a
  dotted grey frame and its label struck through, changed (label, parent,
  colour, stage, note) "~ " and a heavier frame, renamed "~ old → new".
  A group is drawn only around boxes: a removed group whose members all
  moved elsewhere has no frame to mark (`prep diff` lists it).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from html import escape

from ..language.diff import ModelDiff
from ..language.model import Model, Relation
from ..layouter.fit import Sheet

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
    group_status: dict[str, str] = field(default_factory=dict)  # group -> as `status`


def union(diff: ModelDiff, was_notes: bool = True) -> Union:
    """Every deliverable and relation of either version, under the new
    model's names (a renamed deliverable under its new name). `was_notes`:
    a changed relation without a note of its own carries "~ was ->" (its
    old arrow) as its note, so the layout keeps room for it (not for the
    As-Is / To-Be halves, which draw each version as it is)."""
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
    groups, group_status = _union_groups(diff)
    added = {id(rc.new) for rc in diff.relations if rc.status == "added"}
    changed = {id(rc.new): rc.old for rc in diff.relations if rc.status == "changed"}
    relations, edge_status, was = [], [], {}
    for r in new.relations:
        edge_status.append("added" if id(r) in added else "changed" if id(r) in changed else "same")
        if id(r) in changed:
            was[len(relations)] = changed[id(r)]
            if was_notes and r.note is None:   # its old arrow, as a note: room kept beside the route
                r = replace(r, note=f"~ was {changed[id(r)].arrow}")
        relations.append(r)
    for rc in diff.relations:
        if rc.status == "removed":
            r = rc.old
            relations.append(Relation(r.kind, renamed_to.get(r.source, r.source), renamed_to.get(r.target, r.target),
                                      r.span, r.source_span, r.target_span, r.note, r.stage, r.owners))
            edge_status.append("removed")
    # the change between two titled versions names both: the To-Be's title alone
    # read as the To-Be model
    title = f"{old.title} → {new.title}" if old.title and new.title and old.title != new.title else new.title or old.title
    model = Model(path=new.path, title=title, deliverables=deliverables,
                  relations=tuple(relations), groups=groups, source=new.source)
    return Union(model, status, edge_status, renamed_from, was, group_status)


def group_marks(diff: ModelDiff, side: str | None = None) -> dict[str, tuple[str, str]]:
    """Each changed group's (status, label mark), by name: in the one
    picture (`side` None) and the To-Be half under its new name, in the
    As-Is half under its old name ("removed" there, and no "+ " or
    "→": that half shows the group as it was)."""
    renamed_from = {n: o for o, n in diff.renamed_groups}
    out: dict[str, tuple[str, str]] = {}
    for g in diff.groups:
        if g.status == "removed":
            if side != "To-Be":
                out[g.name] = ("removed", "")
        elif g.status == "added":
            if side != "As-Is":
                out[g.name] = ("added", "+ ")
        elif side == "As-Is":
            out[renamed_from.get(g.name, g.name)] = ("changed", "~ ")
        else:
            out[g.name] = ("changed", "~ ")
    for o, n in diff.renamed_groups:
        # a label kept through the rename: the picture shows no name to change
        before = diff.old.groups[o].display
        if side == "As-Is":
            out[o] = ("changed", "~ ")
        else:
            out[n] = ("renamed", f"~ {before} → " if before != diff.new.groups[n].display else "~ ")
    return out


def _union_groups(diff: ModelDiff) -> tuple[dict, dict[str, str]]:
    """The groups of both versions under the new model's names (a renamed
    group under its new name), each marked in its label ("+ ", "~ ",
    "~ old → new": measured by the layout as drawn), and their status."""
    gone = {o for o, _ in diff.renamed_groups}
    groups = dict(diff.new.groups)
    for g, group in diff.old.groups.items():
        if g not in gone:
            groups.setdefault(g, group)
    status = {}
    for name, (s, mark) in group_marks(diff).items():
        status[name] = s
        if mark:
            groups[name] = replace(groups[name], label=mark + groups[name].display)
    return groups, status


def _strike(text: str, font_size: float | None = None) -> str:
    """A struck-through label as a Graphviz HTML-like label; the text is
    escaped, so model text stays text. Its lines are as far apart as a
    plain label's, 1.5 times the font size (`font_size`), each a row of a
    borderless table: joined by <BR/> they stood 1.0 apart, and a removed
    knowhow's three lines were squashed, its strokes nearly touching the
    next line."""
    lines = [escape(line, quote=False) for line in text.split("\n")]
    if len(lines) == 1 or font_size is None:
        return "<<S>" + "<BR/>".join(lines) + "</S>>"
    pitch = f"{LINE_PITCH * font_size:g}"
    rows = "".join(f'<TR><TD HEIGHT="{pitch}"><S>{line}</S></TD></TR>' for line in lines)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">{rows}</TABLE>>'


LINE_PITCH = 1.5   # a plain label's lines apart, as a share of its font size (prep's font through Graphviz)


@dataclass
class DiffMarks:
    """How `to_dot` styles a box or an arrow by its change: `status` by
    deliverable name, `edge_status` by relation index, `was` the old
    relation of a changed one (by index)."""
    status: dict[str, str]
    edge_status: list[str]
    was: dict[int, Relation]
    group_status: dict[str, str] = field(default_factory=dict)   # by group name, as `status`

    @classmethod
    def of(cls, u: "Union") -> "DiffMarks":
        return cls(u.status, u.edge_status, u.was, u.group_status)

    def group_pairs(self, name: str, pairs: list, label: str, font_size: float | None = None) -> list:
        """A group frame's attributes by its change, as a box's: added bold,
        removed dotted grey with its label (`label`) struck through, changed
        heavier (its label carries "+ " or "~ " already)."""
        s = self.group_status.get(name)
        if s is None:
            return pairs
        out = dict(pairs)
        style = out.get("style", '""').strip('"').split(",")
        if s == "added":
            out.update(penwidth="2.8")
        elif s == "removed":
            out.update(label=_strike(label, font_size), color=f'"{REMOVED_INK}"', fontcolor=f'"{REMOVED_INK}"')
            style.append("dotted")
        else:
            out.update(penwidth="2.2", color=f'"{CHANGED_INK}"')
        out["style"] = '"' + ",".join(x for x in style if x) + '"'
        out["class"] = '"' + out.get("class", '""').strip('"') + f' prep-diff-{s}"'
        return list(out.items())

    def node_pairs(self, d, pairs: list, label: str, font_size: float | None = None) -> list:
        s = self.status.get(d.name, "same")
        out = dict(pairs)
        style = out.get("style", '"filled"').strip('"').split(",")
        if s == "added":
            out.update(penwidth="2.8", fillcolor=f'"{ADDED_FILL}"')
        elif s == "removed":
            out.update(label=_strike(label, font_size), color=f'"{REMOVED_INK}"', fontcolor=f'"{REMOVED_INK}"',
                       fillcolor='"#ffffff"')
            style = [x for x in style if x != "dashed"] + ["dotted"]
        elif s in ("changed", "renamed"):
            out.update(penwidth="2.2", fillcolor=f'"{CHANGED_FILL}"')
        out["style"] = '"' + ",".join(style) + '"'
        out["class"] = '"' + out.get("class", '""').strip('"') + f' prep-diff-{s}"'
        return list(out.items())

    def edge_pairs(self, k: int, pairs: list, middle: str | None = None) -> list:
        return edge_look(self.edge_status[k], pairs, self.was.get(k), middle)

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

PANEL_GAP = 36.0    # between the two halves (and before the legend)
PANEL_PAD = 14.0    # a half's frame to its content
GROUP_PAD = 9.0     # a group's frame to its content, as the layout engine pads
PICTURE_PAD = 14.4  # the picture's own margin (Graphviz pad=0.2 in), each side
WIDE = 3.0          # without a page: stacked when side by side is wider than 3:1
SHAPE = (16.0, 9.0)  # without a page: the shape the legend's place is chosen for
SIDES = ("As-Is", "To-Be")
ARRANGEMENTS = ("side-by-side", "stacked")


def render_diff(diff: ModelDiff, fmt: str, *, side_by_side: bool = False, page=None, old_label: str = "old",
                new_label: str = "new", direction: str | None = "LR", theme=None, dpi: float | None = None,
                embed_fonts: bool = True, arrangement: str | None = None) -> bytes:
    """The diff picture of `diff` as `fmt` (svg, png, pdf, pptx, dot, layout);
    `embed_fonts`: an SVG carries the subset of its font (`old_label` and
    `new_label` are not drawn: the halves carry the models' titles). `side_by_side`:
    the As-Is and the To-Be model as two titled halves (`as_is_to_be`),
    arranged for `page` (a `prep.layouter.page.Page`, or None);
    `direction=None`: the one that suits the page; `arrangement`
    ("side-by-side" or "stacked"): that one, whatever the page (`as_is_to_be`).
    Without `side_by_side`, `page`: the one picture fitted to one page (the
    font size, the spacing and, with `direction=None`, the direction that
    fit), else DiffOffPage."""
    from ..layouter import layout as lay_out
    from . import render
    from .dot import resolve_theme

    theme = resolve_theme(theme)
    if side_by_side:
        picture = as_is_to_be(diff, page=page, direction=direction, theme=theme, arrangement=arrangement)
        return render(picture.model, fmt, layout=picture.layout, theme=theme, dpi=dpi, legend=True,
                      marks=picture.marks, embed_fonts=embed_fonts)
    u = union(diff)
    if page is not None:   # the one picture on one page, or a located usage error
        fitted = _on_one_page(u, page, direction, theme)
        if fitted is None:
            raise DiffOffPage(page)
        size, _, geometry = fitted
        theme = replace(theme, font_size=size)
    else:
        geometry = lay_out(u.model, direction=direction or "LR", font=theme.font, font_size=theme.font_size,
                           legend=True, diff_legend=True)
    return render(u.model, fmt, layout=geometry, theme=theme, dpi=dpi, legend=True, marks=DiffMarks.of(u),
                  embed_fonts=embed_fonts)


def _on_one_page(u: "Union", page, direction: str | None, theme):
    """(font size, direction, layout on the page) of the union on one
    `page` (`prep.layouter.fit.fit_one_page`), or None."""
    from ..layouter import layout as lay_out
    from ..layouter.fit import fit_one_page

    def lay(size, d, gap=(1.0, 1.0)):
        return lay_out(u.model, direction=d, font=theme.font, font_size=size, legend=True, diff_legend=True,
                       min_text=page.min_text, rank_gap=gap[0], lateral_gap=gap[1], legend_room=page.inner_width)

    return fit_one_page(page, lay, direction=direction, font_size=theme.font_size)


class DiffOffPage(ValueError):
    """The one-picture diff does not fit its page at a readable size."""

    def __init__(self, page):
        super().__init__(f"the change does not fit one {page.name} page at {page.min_text:g} pt: draw it as pdf "
                         "or pptx, which hold its pages, or take each page with prep.render_diff_pages")
        self.page = page

    def __reduce__(self):   # raised in the render's child process, read back in the parent
        return DiffOffPage, (self.page,)


@dataclass
class AsIsToBe:
    """Both versions as one model and one layout, ready to draw: every
    deliverable, group and relation of a half is named "As-Is: <name>" or
    "To-Be: <name>", inside the half's frame (the group "As-Is" or "To-Be",
    labelled with the half's title)."""
    model: Model
    layout: object                 # prep.layouter.Layout
    marks: DiffMarks
    arrangement: str               # side-by-side | stacked
    titles: dict[str, str]         # "As-Is"/"To-Be" -> the half's title
    text_size: float | None        # the box text's size at 100% of `page` (points), None without a page
    page: object = None            # the prep.layouter.page.Page it was arranged for

    @property
    def fits(self) -> bool | None:
        """Is the text at least the page's minimum size (None: no page)?
        When not, the layout (wrapping, pages) has to do more than arrange."""
        return None if self.page is None else self.text_size >= self.page.min_text - 1e-9


def half_titles(old: Model, new: Model) -> dict[str, str]:
    """Each half's title: the models' own titles when they tell the halves
    apart, else "As-Is" / "To-Be" (with the shared title after it)."""
    if old.title and new.title and old.title != new.title:
        return {"As-Is": old.title, "To-Be": new.title}
    return {side: f"{side}: {m.title}" if m.title else side for side, m in zip(SIDES, (old, new))}


@dataclass
class _Half:
    deliverables: dict          # side name -> Deliverable (labelled with its mark)
    status: dict                # side name -> same | added | removed | changed | renamed
    union_name: dict            # side name -> the union's name of it
    relations: list             # Relations under side names
    edge_status: list
    routes: list                # per relation: index of its union route, or None
    groups: dict                # side group name -> Group (labelled with its mark)
    group_status: dict = field(default_factory=dict)   # side group name -> its change


def _halves(diff: ModelDiff, u: Union) -> dict[str, _Half]:
    """The old model as the As-Is half and the new one as the To-Be half,
    each part with its change and its place in the union layout."""
    from ..language.model import MUTUAL

    old, new = diff.old, diff.new
    renamed_to = dict(diff.renamed)
    removed = {id(rc.old): k for k, rc in enumerate(rc for rc in diff.relations if rc.status == "removed")}
    at_new = {id(r): k for k, r in enumerate(new.relations)}
    old_changed = {id(rc.old): rc.new for rc in diff.relations if rc.status == "changed"}
    new_status = {id(rc.new): rc.status for rc in diff.relations if rc.new is not None}
    # an unchanged old relation: the new relation with the same ends and kind
    same_pairs: dict[tuple, list[int]] = {}
    for k, r in enumerate(new.relations):
        if id(r) not in new_status:
            same_pairs.setdefault((r.source, r.target, r.kind), []).append(k)
            if r.kind == MUTUAL:
                same_pairs.setdefault((r.target, r.source, r.kind), []).append(k)
    taken: set[int] = set()
    halves = {}
    for side, model in zip(SIDES, (old, new)):
        def name(n, side=side):
            return f"{side}: {n}"

        def to_union(n, side=side):
            return renamed_to.get(n, n) if side == "As-Is" else n

        half = _Half({}, {}, {}, [], [], [], {})
        for n, d in model.deliverables.items():
            un = to_union(n)
            s = u.status.get(un, "same")
            if side == "To-Be":
                mark = {"added": "+ ", "changed": "~ ", "renamed": "~ " + (
                    old.deliverables[u.renamed_from[n]].display + " → " if s == "renamed" else "")}.get(s, "")
            else:
                mark = "~ " if s in ("changed", "renamed") else ""
            group = name(d.group) if d.group in model.groups else side
            half.deliverables[name(n)] = replace(d, name=name(n), label=mark + d.display, group=group)
            half.status[name(n)] = s
            half.union_name[name(n)] = un
        marked = group_marks(diff, side)
        for g in model.groups.values():
            status, mark = marked.get(g.name, (None, ""))
            half.groups[name(g.name)] = replace(g, name=name(g.name), parent=name(g.parent) if g.parent else side,
                                                label=mark + g.display if mark else g.label)
            if status is not None:
                half.group_status[name(g.name)] = status
        for r in model.relations:
            if side == "To-Be":
                k, status = at_new[id(r)], new_status.get(id(r), "same")
            elif id(r) in removed:
                k, status = len(new.relations) + removed.pop(id(r)), "removed"
            elif id(r) in old_changed:
                k, status = at_new[id(old_changed.pop(id(r)))], "changed"
            else:
                key = (to_union(r.source), to_union(r.target), r.kind)
                k = next((i for i in same_pairs.get(key, ()) if i not in taken), None)
                if k is not None:
                    taken.add(k)
                status = "same"
            half.relations.append(replace(r, source=name(r.source), target=name(r.target)))
            half.edge_status.append(status)
            half.routes.append(k)
        halves[side] = half
    return halves


def as_is_to_be(diff: ModelDiff, *, page=None, direction: str | None = "LR", theme=None,
                arrangement: str | None = None, gaps: tuple[float, float] = (1.0, 1.0)) -> AsIsToBe:
    """The As-Is and To-Be halves on one picture, each deliverable where
    the union layout puts it (so a deliverable kept from one version to
    the next is at the same height side by side, or the same x stacked;
    with none kept, each half is laid out on its own), each half framed,
    titled (`half_titles`) and marked with its changes, and a legend. With `page`: side by side or stacked, whichever gives the
    larger text when the picture is fitted to the page; without: side by
    side, unless that is wider than 3:1. `arrangement` ("side-by-side" or
    "stacked") overrides the choice. `direction=None`: with a page, left to
    right or top to bottom, whichever gives the larger text (LR on a tie
    and without a page). `gaps`: (ranks, across the flow) as a share of the
    usual spacing (a page's tighter spacing, `prep.layouter.fit`)."""
    if arrangement is not None and arrangement not in ARRANGEMENTS:
        raise ValueError(f"arrangement must be one of {', '.join(ARRANGEMENTS)}, not {arrangement!r}")
    if direction is None:
        if page is None:
            direction = "LR"
        else:
            options = [as_is_to_be(diff, page=page, direction=d, theme=theme, arrangement=arrangement, gaps=gaps)
                       for d in ("LR", "TB")]
            return max(options, key=lambda p: round(p.text_size, 3))
    from ..language.model import Group
    from ..layouter import Box, Layout, Route, Sizes, layout as lay_out, measure
    from ..layouter.geometry import LegendItem
    from ..layouter.legend import block
    from .dot import resolve_theme

    theme = resolve_theme(theme)
    u = union(diff, was_notes=False)
    halves = _halves(diff, u)
    titles = half_titles(diff.old, diff.new)
    # every box measured once, in one Graphviz call: the union's and both
    # halves' (their labels and marks differ: a knowhow that lost its
    # owners is a line shorter in the union than in the As-Is half)
    deliverables = dict(u.model.deliverables)
    groups = dict(u.model.groups)
    for side, half in halves.items():
        deliverables.update(half.deliverables)
        groups.update(half.groups)
        groups[side] = Group(side, titles[side], None, None)
    every = Model(path=diff.new.path, title=None, deliverables=deliverables,
                  relations=u.model.relations + tuple(r for h in halves.values() for r in h.relations),
                  groups=groups, source=diff.new.source)
    measured = measure(every, font=theme.font, font_size=theme.font_size, legend=True, diff_legend=True)
    # a deliverable kept between the versions: both halves are drawn on one
    # layout of both, so it is at the same place in each; with none kept,
    # each half is laid out on its own (as compact as it can be)
    kept = any(s != "added" for s in halves["To-Be"].status.values())
    nodes, frames, labels, routes = {}, {}, {}, []
    if kept:
        boxes = {n: measured.boxes[n] for n in u.model.deliverables}
        for half in halves.values():
            for n, un in half.union_name.items():
                (w, h), (hw, hh) = boxes[un], measured.boxes[n]
                boxes[un] = (max(w, hw), max(h, hh))
        sizes = Sizes(boxes=boxes, groups={g: measured.groups[g] for g in u.model.groups}, notes=measured.notes,
                      font=theme.font, font_size=theme.font_size)
        # the halves have their own titles: the union is laid out without one
        geometry = lay_out(replace(u.model, title=None), direction=direction, font=theme.font,
                           font_size=theme.font_size, sizes=sizes, rank_gap=gaps[0], lateral_gap=gaps[1])
        for side, half in halves.items():
            for n, un in half.union_name.items():
                nodes[n] = geometry.nodes[un]
            for k, r in zip(half.routes, half.relations):
                routes.append(_route(r, geometry.edges[k] if k is not None else None, nodes))
    else:
        for (side, half), model in zip(halves.items(), (diff.old, diff.new)):
            prefix = side + ": "
            own = replace(model, title=None, stages={})  # the sizes below are all it needs
            sizes = Sizes(boxes={n: measured.boxes[prefix + n] for n in own.deliverables},
                          groups={g: measured.groups[prefix + g] for g in own.groups}, notes=measured.notes,
                          font=theme.font, font_size=theme.font_size)
            geometry = lay_out(own, direction=direction, font=theme.font, font_size=theme.font_size, sizes=sizes,
                               rank_gap=gaps[0], lateral_gap=gaps[1])
            for n in own.deliverables:
                nodes[prefix + n] = geometry.nodes[n]
            for k, r in enumerate(half.relations):
                routes.append(_route(r, geometry.edges[k], nodes))
    for half in halves.values():  # each group's frame around its half's own boxes
        _frames(half.groups, half.deliverables, nodes, measured.groups, frames, labels)
    relations = [r for h in halves.values() for r in h.relations]
    for side in SIDES:
        content = [b for n, b in nodes.items() if n.startswith(side + ": ")]
        content += [b for n, b in frames.items() if n.startswith(side + ": ")]
        content += [_bounds(rt.points) for rt, r in zip(routes, relations)
                    if r.source.startswith(side + ": ") and rt.points]
        content += [rt.label for rt, r in zip(routes, relations)
                    if r.source.startswith(side + ": ") and rt.label is not None]
        lw, lh = measured.groups[side]
        if not content:  # an empty model: a frame with its title only
            content = [Box(geometry.width / 2, geometry.height / 2, 1.0, 1.0)]
        x0, y0 = min(b.left for b in content) - PANEL_PAD, min(b.top for b in content) - PANEL_PAD - lh
        x1, y1 = max(b.right for b in content) + PANEL_PAD, max(b.bottom for b in content) + PANEL_PAD
        frames[side] = _box(x0, y0, max(x1, x0 + lw + 2 * PANEL_PAD), y1)

    # the two arrangements (and the legend below or beside each), scored
    # by the text size they give on the page
    legend_w, legend_h, legend_items = block(measured.legend, False, True)
    a, b = frames["As-Is"], frames["To-Be"]
    # a deliverable kept between the versions stays level side by side (in
    # line stacked); with none kept, each half starts at its own top (left)
    options = []
    for kind in ARRANGEMENTS:
        if kind == "side-by-side":
            shift = (a.right + PANEL_GAP - b.left, 0.0 if kept else a.top - b.top)
        else:
            shift = (0.0 if kept else a.left - b.left, a.bottom + PANEL_GAP - b.top)
        fa, fb = a, Box(b.x + shift[0], b.y + shift[1], b.width, b.height)
        if kept and kind == "side-by-side":  # both frames as high as the higher: one band across
            top, bottom = min(fa.top, fb.top), max(fa.bottom, fb.bottom)
            fa, fb = _box(fa.left, top, fa.right, bottom), _box(fb.left, top, fb.right, bottom)
        elif kept:  # both as wide as the wider
            left, right = min(fa.left, fb.left), max(fa.right, fb.right)
            fa, fb = _box(left, fa.top, right, fa.bottom), _box(left, fb.top, right, fb.bottom)
        pair = _box(min(fa.left, fb.left), min(fa.top, fb.top), max(fa.right, fb.right), max(fa.bottom, fb.bottom))
        # the legend where it is free: under or beside a half (inside the
        # pair's extent, when one half is smaller), else below or beside both
        corners = [(fa.left, fa.bottom + PANEL_GAP), (fb.left, fb.bottom + PANEL_GAP),
                   (fa.right + PANEL_GAP, fa.top), (fb.right + PANEL_GAP, fb.top),
                   (pair.left, pair.bottom + PANEL_GAP), (pair.right + PANEL_GAP, pair.top)]
        for x, y in corners:
            legend = Box(x + legend_w / 2, y + legend_h / 2, legend_w, legend_h)
            room = Box(legend.x, legend.y, legend.width + PANEL_GAP, legend.height + PANEL_GAP)
            if room.overlaps(fa) or room.overlaps(fb):
                continue
            whole = _box(min(pair.left, legend.left), min(pair.top, legend.top),
                         max(pair.right, legend.right), max(pair.bottom, legend.bottom))
            options.append((kind, fa, fb, shift, legend, pair, whole))

    def text(box) -> float:
        if page is None:  # the picture's own margin around it
            return min(SHAPE[0] / (box.width + 2 * PICTURE_PAD), SHAPE[1] / (box.height + 2 * PICTURE_PAD))
        return theme.font_size * min(1.0, page.inner_width / box.width, page.inner_height / box.height)

    if arrangement is None and page is None:
        side_pair = options[0][5]
        arrangement = "stacked" if side_pair.width > WIDE * side_pair.height else "side-by-side"
    # the larger text; a tie goes to side by side, the legend in the first
    # free place (max keeps the first)
    choice = max((o for o in options if arrangement in (None, o[0])), key=lambda o: round(text(o[6]), 3))
    arrangement, fa, fb, shift, legend, pair, whole = choice
    frames["As-Is"], frames["To-Be"] = fa, fb

    def move(box, dx, dy):
        return None if box is None else Box(box.x + dx, box.y + dy, box.width, box.height)

    # everything from (0, 0): the As-Is half where its layout put it, the
    # To-Be half shifted beside or below it
    origin = (-whole.left, -whole.top)
    place = {"As-Is": origin, "To-Be": (origin[0] + shift[0], origin[1] + shift[1])}
    side_of = {**{n: n.split(": ", 1)[0] for n in nodes}, **{n: n.split(": ", 1)[0] for n in frames}}
    nodes = {n: move(b, *place[side_of[n]]) for n, b in nodes.items()}
    frames = {n: move(b, *place[side_of[n]]) if n not in SIDES else move(b, *origin) for n, b in frames.items()}
    labels = {n: move(b, *place[side_of[n]]) for n, b in labels.items()}
    for side in SIDES:
        lw, lh = measured.groups[side]
        f = frames[side]
        labels[side] = Box(f.left + PANEL_PAD + lw / 2, f.top + PANEL_PAD / 2 + lh / 2, lw, lh)
    routes = [Route(rt.source, rt.target, rt.kind,
                    tuple((x + place[side_of[rt.source]][0], y + place[side_of[rt.source]][1]) for x, y in rt.points),
                    move(rt.label, *place[side_of[rt.source]])) for rt in routes]
    legend = move(legend, *origin)
    lx, ly = legend.left, legend.top
    items = tuple(LegendItem(i.kind, i.text, move(i.box, lx, ly), tuple((px + lx, py + ly) for px, py in i.points))
                  for i in legend_items)
    width, height = whole.width, whole.height
    model = Model(path=diff.new.path, title=None,
                  deliverables={n: d for h in halves.values() for n, d in h.deliverables.items()},
                  relations=tuple(relations),
                  groups={**{s: groups[s] for s in SIDES}, **{g: x for h in halves.values() for g, x in h.groups.items()
                                                                 if g in frames}},
                  source=diff.new.source)
    # a group with no box on its side has no frame: its parent holds its place
    placed = Layout(width=width, height=height, nodes=nodes, edges=tuple(routes), groups=frames,
                    group_labels=labels, legend=legend, legend_items=items, engine=geometry.engine,
                    direction=geometry.direction)
    # a changed relation is not labelled "~ was ->": the As-Is half draws it as it was
    marks = DiffMarks(status={n: s for h in halves.values() for n, s in h.status.items()},
                      edge_status=[s for h in halves.values() for s in h.edge_status], was={},
                      group_status={g: s for h in halves.values() for g, s in h.group_status.items()})
    size = text(whole) if page is not None else None
    return AsIsToBe(model, placed, marks, arrangement, titles, size, page)


def _box(left: float, top: float, right: float, bottom: float):
    from ..layouter import Box

    return Box((left + right) / 2, (top + bottom) / 2, right - left, bottom - top)


def _bounds(points):
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return _box(min(xs), min(ys), max(xs), max(ys))


def _route(r: Relation, union_route, nodes):
    """The route of a half's relation: the union's, turned round when the
    union has a mutual relation the other way; a straight line between the
    boxes when the union has none for it."""
    from ..layouter import Route

    if union_route is not None and union_route.points:
        pts = union_route.points
        a, z = nodes[r.source], nodes[r.target]
        if _dist(pts[0], a) > _dist(pts[0], z):
            pts = tuple(reversed(pts))
        return Route(r.source, r.target, r.kind, pts, union_route.label)
    a, z = nodes[r.source], nodes[r.target]
    p, q = _border(a, (z.x, z.y)), _border(z, (a.x, a.y))
    return Route(r.source, r.target, r.kind,
                 (p, (p[0] + (q[0] - p[0]) / 3, p[1] + (q[1] - p[1]) / 3),
                  (p[0] + 2 * (q[0] - p[0]) / 3, p[1] + 2 * (q[1] - p[1]) / 3), q), None)


def _dist(p, box) -> float:
    return (p[0] - box.x) ** 2 + (p[1] - box.y) ** 2


def _border(box, toward) -> tuple[float, float]:
    """Where the line from the box's centre toward `toward` leaves the box."""
    dx, dy = toward[0] - box.x, toward[1] - box.y
    if dx == 0 and dy == 0:
        return box.x, box.y
    t = min(box.width / 2 / abs(dx) if dx else float("inf"), box.height / 2 / abs(dy) if dy else float("inf"))
    return box.x + dx * t, box.y + dy * t


def _frames(groups: dict, deliverables: dict, nodes: dict, label_sizes: dict, frames: dict, labels: dict) -> None:
    """A half's group frames around the half's own boxes (the union's frame
    of a group holds the other half's boxes too), innermost first, padded
    as the layout engine pads them; a group with nothing on this side has
    no frame."""
    from ..layouter import Box

    depth = {}
    for g in groups:
        k, p = 0, groups[g].parent
        while p in groups:
            k, p = k + 1, groups[p].parent
        depth[g] = k
    for g in sorted(groups, key=lambda g: -depth[g]):
        content = [nodes[n] for n, d in deliverables.items() if d.group == g]
        content += [frames[c] for c, x in groups.items() if x.parent == g and c in frames]
        if not content:
            continue
        lw, lh = label_sizes[g]
        x0 = min(b.left for b in content) - GROUP_PAD
        y0 = min(b.top for b in content) - GROUP_PAD - lh
        x1 = max(max(b.right for b in content) + GROUP_PAD, x0 + lw + 2 * GROUP_PAD)
        y1 = max(b.bottom for b in content) + GROUP_PAD
        frames[g] = _box(x0, y0, x1, y1)
        labels[g] = Box(x0 + GROUP_PAD + lw / 2, y0 + GROUP_PAD / 2 + lh / 2, lw, lh)


# ------------------------------------------------------------- on a page

NOTE_SMALLER = 2.0  # relation notes and the legend are this much smaller than box text


@dataclass(frozen=True)
class DiffSheet(Sheet):
    """A page of As-Is / To-Be: a `Sheet` and the change marks to draw it with."""
    marks: DiffMarks | None = None


def as_is_to_be_sheets(diff: ModelDiff, page, *, direction: str | None = None, theme=None,
                       arrangement: str | None = None) -> list:
    """As-Is / To-Be made for `page`, as `prep.layouter.fit.Sheet`s (each
    layout is the page: its canvas, the drawing inside the margins, text at
    the size it was laid out for, `Layout.page` set), as `--page` makes
    every picture:

    1. both halves on one page, at the theme's font size, else at the
       smallest the page allows (its `min_text` for notes and the legend,
       2 pt more for boxes), with the usual spacing, else with a page's
       closer ranks and boxes (as `prep.layouter.fit` packs a page); side
       by side or stacked, left to right or top to bottom
       (`direction=None`), whichever fits with the more room;
    2. else each half on pages of its own, fitted as any model is
       (`prep.layouter.fit.fit_pages`: wrapped into rows, more pages,
       off-page markers), titled with the half's title and marked with its
       changes.

    Each sheet carries its marks as `sheet.marks` (a DiffMarks)."""
    from ..layouter.fit import PAGE_LATERAL_GAP, PAGE_RANK_GAP, on_page
    from .dot import resolve_theme

    theme = resolve_theme(theme)
    smallest = page.min_text + NOTE_SMALLER
    sizes = sorted({max(theme.font_size, smallest), smallest}, reverse=True)
    directions = [direction.upper()] if direction else (["LR", "TB"] if page.width >= page.height else ["TB", "LR"])
    for size, gaps in [(size, (1.0, 1.0)) for size in sizes] + [(sizes[-1], (PAGE_RANK_GAP, PAGE_LATERAL_GAP))]:
        look = replace(theme, font_size=size)
        fitting = [p for p in (as_is_to_be(diff, page=page, direction=d, theme=look, arrangement=arrangement,
                                           gaps=gaps)
                               for d in directions)
                   if p.layout.width <= page.inner_width + 1e-6 and p.layout.height <= page.inner_height + 1e-6]
        if fitting:  # the most room to spare; a tie goes to the first direction
            best = max(fitting, key=lambda p: round(min(page.inner_width / p.layout.width,
                                                        page.inner_height / p.layout.height), 3))
            return [DiffSheet(best.model, on_page(best.layout, page), 1, 1, size, best.layout.direction,
                              marks=best.marks)]
    return _half_sheets(diff, page, direction, theme)


def _half_sheets(diff: ModelDiff, page, direction: str | None, theme) -> list:
    """Each half on pages of its own, fitted as any model is; every sheet
    titled with its half's title and marked with the half's changes."""
    from ..language.model import Stage
    from ..layouter.fit import fit_pages

    u = union(diff, was_notes=False)
    halves = _halves(diff, u)
    titles = half_titles(diff.old, diff.new)
    from .pages import numbered_after

    owns = {}
    for (side, half), model in zip(halves.items(), (diff.old, diff.new)):
        prefix = side + ": "
        deliverables = {n: replace(d, group=None if d.group == side else d.group)
                        for n, d in half.deliverables.items()}
        groups = {g: replace(x, parent=None if x.parent == side else x.parent) for g, x in half.groups.items()}
        stages = {n: replace(st, exits=tuple(prefix + x for x in st.exits),
                             members=tuple(prefix + m for m in st.members)) if isinstance(st, Stage) else st
                  for n, st in model.stages.items()}
        owns[side] = Model(path=model.path, title=titles[side], deliverables=deliverables,
                           relations=tuple(half.relations), groups=groups, source=model.source, stages=stages)

    def fit(side: str, first_page: int, ways=None):
        return fit_pages(owns[side], page, direction=direction, font=theme.font, font_size=theme.font_size,
                         legend=True, diff_legend=True, first_page=first_page, ways=ways)

    # both halves cut the same way, so that they can be compared page by page (the As-Is cut
    # along its flow, the To-Be at its stages): the way of the two that fills the fewest pages
    # in all, when that costs at most a page more than each half's own best
    sides = list(owns)
    fitted = {}
    for side in sides:
        fitted[side] = fit(side, 1 + sum(len(fitted[s]) for s in fitted))
    splits = {fitted[s][0].split for s in sides}
    if len(sides) == 2 and len(splits) == 2 and "none" not in splits:
        least = sum(len(f) for f in fitted.values())
        best = None
        for way in sorted(splits, key=["stages", "layers", "tiles"].index):
            first = fit(sides[0], 1, (way,))
            alike = {sides[0]: first, sides[1]: fit(sides[1], 1 + len(first), (way,))}
            if {f[0].split for f in alike.values()} == {way}:
                total = sum(len(f) for f in alike.values())
                if total <= least + 1 and (best is None or total < best[0]):
                    best = (total, alike)
        if best is not None:
            fitted = best[1]
    sheets = []
    for (side, half), model in zip(halves.items(), (diff.old, diff.new)):
        before = len(sheets)   # the pages of the halves before this one
        for sheet in fitted[side]:
            edges = [half.edge_status[k] if k is not None else "same"
                     for k in _drawn_relations(sheet.model.relations, half.relations)]
            sheet = _markers_unmarked(sheet, half.deliverables, model, side)
            sheet = numbered_after(sheet, before)
            sheets.append(DiffSheet(sheet.model, sheet.layout, sheet.number, sheet.count, sheet.font_size,
                                    sheet.direction, sheet.markers, sheet.split,
                                    marks=DiffMarks(dict(half.status), edges, {}, dict(half.group_status))))
    # each half's titles count its own pages ("To-Be (1/3)"); its markers name the pages of
    # the file, where the To-Be half follows the As-Is half's pages
    return sheets


def _marker_edge_status(u: "Union", sheet, r: Relation) -> str:
    """The change mark of an arrow between a box and its off-page marker:
    that of the relations it stands for when they share one (the one whose
    note it writes, when it writes one). Drawn "same", a changed relation
    cut by the page kept its "~ was <~>" note in black, and a removed one
    was drawn solid."""
    from ..layouter.texts import is_marker

    end = r.source if is_marker(r.source) else r.target if is_marker(r.target) else None
    mk = next((m for m in sheet.markers if m.name == end), None) if end is not None else None
    if mk is None:
        return "same"
    local = r.target if end == r.source else r.source
    ks = [k for k in mk.relations if local in (u.model.relations[k].source, u.model.relations[k].target)]
    if r.note is not None:
        ks = [k for k in ks if u.model.relations[k].note == r.note] or ks
    statuses = {u.edge_status[k] for k in ks}
    return statuses.pop() if len(statuses) == 1 else "same"


def _drawn_relations(drawn, of) -> list[int | None]:
    """For each relation a sheet draws (`drawn`), the index of the relation
    of `of` it is: the k-th of a (source, target, kind) the k-th such in
    `of` (or the last); None for an off-page marker's relation, which is
    drawn unmarked."""
    where: dict[tuple, list[int]] = {}
    for k, r in enumerate(of):
        where.setdefault((r.source, r.target, r.kind), []).append(k)
    taken: dict[tuple, int] = {}
    out: list[int | None] = []
    for r in drawn:
        key = (r.source, r.target, r.kind)
        ks = where.get(key)
        n = taken.get(key, 0)
        taken[key] = n + 1
        out.append(ks[min(n, len(ks) - 1)] if ks else None)
    return out


def _markers_unmarked(sheet, marked: dict, model: Model, side: str | None):
    """`sheet` with its off-page markers naming deliverables as the model
    does: a half's boxes carry their change mark ("+ 保健指導計画"), which
    a marker copied ("→ + 保健指導計画 +1", a second "+" that is no count).
    The text only gets shorter, so it still fits the marker's box. `side`
    None: `marked` are the one picture's boxes, named as in `model` (the
    union's deliverables: a removed one's is the old model's)."""
    from ..layouter.fit import MAX_LABEL, with_marker_texts

    def first_line(display: str, name: str) -> str:
        label = next((line.strip() for line in display.split("\n") if line.strip()), name)
        return label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…"

    prefix = side + ": " if side is not None else ""
    texts = {}
    markers = []
    for mk in sheet.markers:
        end = mk.others[0] if mk.others else None
        original = model.deliverables.get(end[len(prefix):]) if end and end.startswith(prefix) else None
        text = mk.text
        if original is not None and end in marked:
            shown, plain = first_line(marked[end].display, end), first_line(original.display, original.name)
            if shown != plain and shown in text:
                text = text.replace(shown, plain, 1)
        texts[mk.name] = text
        markers.append(replace(mk, text=text))
    if all(texts[mk.name] == mk.text for mk in sheet.markers):
        return sheet
    return replace(with_marker_texts(sheet, texts), markers=tuple(markers))


def diff_sheets(diff: ModelDiff, page, *, direction: str | None = None, theme=None) -> list:
    """The one picture of the change made for `page`: on one page when it
    fits there (`render_diff`'s fitting), else cut over pages as any model
    is (`prep.layouter.fit`), every box and arrow with its change mark, the
    legend explaining the marks; an off-page marker names its deliverable
    without the mark its box carries."""
    from ..layouter.layered import orders_kept

    with orders_kept():   # the fitting over pages tries one page again: the same graphs
        return _diff_sheets(diff, page, direction, theme)


def _diff_sheets(diff: ModelDiff, page, direction: str | None, theme) -> list:
    from ..layouter.fit import fit_pages
    from .dot import resolve_theme

    theme = resolve_theme(theme)
    u = union(diff)
    fitted = _on_one_page(u, page, direction, theme)
    if fitted is not None:
        size, d, placed = fitted
        return [DiffSheet(u.model, placed, 1, 1, size, d, marks=DiffMarks.of(u))]
    originals = {**diff.old.deliverables, **diff.new.deliverables}
    sheets = []
    for sheet in fit_pages(u.model, page, direction=direction, font=theme.font, font_size=theme.font_size,
                           legend=True, diff_legend=True):
        drawn = _drawn_relations(sheet.model.relations, u.model.relations)
        edges = [u.edge_status[k] if k is not None else _marker_edge_status(u, sheet, r)
                 for k, r in zip(drawn, sheet.model.relations)]
        # "~ was ->" is a relation's note, written where the layout kept room for it: not on a
        # copy whose note another relation of its statement writes (its label was put at the
        # route's middle, unreserved, and a route ran through it)
        was = {i: u.was[k] for i, k in enumerate(drawn)
               if k in u.was and not (sheet.model.relations[i].note is None and u.model.relations[k].note)}
        sheet = _markers_unmarked(sheet, u.model.deliverables, replace(diff.new, deliverables=originals), None)
        sheets.append(DiffSheet(sheet.model, sheet.layout, sheet.number, sheet.count, sheet.font_size,
                                sheet.direction, sheet.markers, sheet.split,
                                marks=DiffMarks(dict(u.status), edges, was, dict(u.group_status))))
    return sheets


def render_diff_pages(diff: ModelDiff, fmt: str, page, *, direction: str | None = None, theme=None,
                      dpi: float | None = None, embed_fonts: bool = True):
    """`diff_sheets` drawn as `fmt`, as `render_as_is_to_be_pages` draws its sheets."""
    from .dot import resolve_theme

    fmt = _paged(fmt)
    theme = resolve_theme(theme)
    return _pages_of(diff_sheets(diff, page, direction=direction, theme=theme), fmt, theme, dpi, embed_fonts,
                     _document_title(diff))


def render_as_is_to_be_pages(diff: ModelDiff, fmt: str, page, *, direction: str | None = None, theme=None,
                             dpi: float | None = None, embed_fonts: bool = True, arrangement: str | None = None):
    """`as_is_to_be_sheets` drawn as `fmt`: a `prep.renderer.pages.Pages`
    (PDF and PowerPoint one file of pages, SVG, PNG, DOT and layout JSON a
    file per page, named by `page_file_name`)."""
    from .dot import resolve_theme

    fmt = _paged(fmt)
    theme = resolve_theme(theme)
    return _pages_of(as_is_to_be_sheets(diff, page, direction=direction, theme=theme, arrangement=arrangement),
                     fmt, theme, dpi, embed_fonts, _document_title(diff))


def _document_title(diff: ModelDiff) -> str | None:
    """The title of a PDF or deck of the change: both versions' titles when they differ."""
    old, new = diff.old.title, diff.new.title
    return f"{old} → {new}" if old and new and old != new else new or old


def _paged(fmt: str) -> str:
    """`fmt` in lower case, checked before any fitting: a format with pages."""
    from .pages import PAGED_FORMATS, PER_PAGE_FORMATS

    fmt = fmt.lower()
    if fmt not in PAGED_FORMATS + PER_PAGE_FORMATS:
        raise ValueError(f"a page does not apply to {fmt}: pages are for svg, png, pdf, pptx, dot and layout")
    return fmt


def _pages_of(sheets: list, fmt: str, theme, dpi: float | None, embed_fonts: bool, title: str | None = None):
    """Change-marked sheets drawn as `fmt` (a `prep.renderer.pages.Pages`)."""
    from . import render
    from .dot import to_dot
    from .pages import Pages

    def drawn(s, as_fmt: str) -> bytes:
        return render(s.model, as_fmt, direction=s.direction, legend=True, theme=replace(theme, font_size=s.font_size),
                      dpi=dpi, layout=s.layout, marks=s.marks, embed_fonts=embed_fonts)

    if fmt == "pdf":
        from .pdfpages import merge

        pdfs = [drawn(s, "pdf") for s in sheets]
        return Pages(tuple(sheets), (merge(pdfs, title=title),))
    if fmt == "pptx":
        from .pptx import to_pptx_deck

        slides = [(s.model, to_dot(s.model, direction=s.direction, legend=True,
                                   theme=replace(theme, font_size=s.font_size), layout=s.layout, marks=s.marks))
                  for s in sheets]
        return Pages(tuple(sheets), (to_pptx_deck(slides, theme=theme, embed_font=embed_fonts, title=title),))
    return Pages(tuple(sheets), tuple(drawn(s, fmt) for s in sheets))
