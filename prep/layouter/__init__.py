"""The layout stage: a model (or a view of it) in, geometry out.

    layout(model, ...) -> Layout        the one entry point; every writer
                                        draws from what it returns
    geometry.py   Layout, Box, Route    (points, origin top-left, centres)
    layered/      prep's own layered engine (the default), a module per phase
    graphviz.py   the only module that talks to Graphviz: label sizes,
                  the `dot` engine, and drawing placed geometry
    fonts.py      the Japanese font Graphviz measures and draws with

Two engines: "prep" (layered/: fast on any structure, stable between
edits) and "dot" (Graphviz's own, for comparison; minutes on large models
with long edges). Both measure labels with Graphviz, so boxes are the same
size whichever places them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..language.model import Model, group_tree
from .direction import direction_of
from .fonts import FONT_FAMILY
from .geometry import Box, Layout, Route, TextItem
from .texts import box_label, min_box

ENGINES = ("prep", "dot")

# box look that changes a box's size: Graphviz's margins around the label
BOX_MARGIN = "0.14,0.07"
LEGEND_MARGIN = "0.08,0.04"
TITLE_EXTRA = 2.0   # the title is this much larger than box text
NOTE_SMALLER = 2.0  # relation notes are this much smaller


def small_size(font_size: float, min_text: float | None = None) -> float:
    """The size of the small texts (relation notes, legend entries, off-page
    markers): 2 pt below box text, never below a page's minimum."""
    return max(font_size - NOTE_SMALLER, min_text or 0.0)
STAGE_LARGER = 1.0  # roadmap: stage labels are this much larger than box text
NODE_SEP_IN = 0.35  # dot engine spacing (inches), as prep drew before
RANK_SEP_IN = 0.55


def dot_string(text: str) -> str:
    """A DOT double-quoted string showing `text` literally."""
    # Graphviz decodes HTML entities in every label (`&amp;` shows as `&`),
    # so '&' itself is written as an entity to show `&amp;` literally
    out = text.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')
    out = out.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    if out.startswith("\\n"):
        # the bundled Graphviz crashes (SIGSEGV in its text layout) on a label
        # whose first line is empty, as an empty display label with owners
        # gives; a space keeps the line and the crash away
        out = " " + out
    return f'"{out}"'


@dataclass(frozen=True)
class Sizes:
    """What Graphviz measured, in points, keyed by what was measured, so a
    view of the model (a group, the overview's drill-downs) reuses the
    model's measurements instead of asking Graphviz again."""
    boxes: dict[str, tuple[float, float]]        # deliverable name -> box
    groups: dict[str, tuple[float, float]]       # group name -> its label
    notes: dict[str, tuple[float, float]]        # note text -> its label
    titles: dict[str, tuple[float, float]] = field(default_factory=dict)  # title text -> size
    legend: dict[str, tuple[float, float]] = field(default_factory=dict)  # legend-<kind> -> text or box
    stages: dict[str, tuple[float, float]] = field(default_factory=dict)  # stage name -> its label
    # deliverable name -> its label's size with the box's margins, before
    # Graphviz's minimum box size: the text block inside the box
    labels: dict[str, tuple[float, float]] = field(default_factory=dict)
    font: str = FONT_FAMILY
    font_size: float = 12.0
    small: float | None = None   # the small texts' size, when not 2 pt below font_size (small_size)

    def covers(self, model: Model, legend: bool, health: bool, diff: bool = False,
               stages: str | None = None) -> bool:
        from .legend import texts

        return (all(n in self.boxes for n in model.deliverables) and all(g in self.groups for g in model.groups)
                and all(r.note in self.notes for r in model.relations if r.note)
                and (not model.title or model.title in self.titles)
                and (not legend or all(k in self.legend for k, _, _ in texts(health, diff, stages)))
                and all(s in self.stages for s in model.stages))


VIEWS = ("diagram", "roadmap")


def layout(model: Model, *, direction: str = "LR", font: str = FONT_FAMILY, font_size: float = 12.0,
           engine: str = "prep", legend: bool = False, health: bool = False,
           previous: Layout | None = None, sizes: Sizes | None = None, diff_legend: bool = False,
           stage_legend: str | None = None, view: str = "diagram", exit_tags: bool | None = None,
           min_text: float | None = None, rank_gap: float = 1.0, lateral_gap: float = 1.0,
           order_hint: dict[str, float] | None = None, legend_room: float | None = None) -> Layout:
    """Place every deliverable, relation and group of `model`; with `legend`,
    a key to the notation in a free corner (with `health`, the four health
    colours too). With `previous` (a layout of an earlier version of the
    model, same direction), deliverables stay where they were unless the
    edit pushes them: the order is not re-optimised, so crossings can
    grow over many edits; lay out without it to start afresh. `sizes`
    (from `measure`) skips measuring again. `stage_legend` ("hidden" or
    "faint"): the legend explains the stage pictures' marks too.
    `view="roadmap"`: the stages as columns in order (LR; rows in TB), each
    deliverable in its stage's column, exit criteria on the column's last
    rank (`Layout.columns`). `exit_tags`: room for an "EXIT n" tag on each
    exit criterion (the roadmap view and the stage pictures draw them; the
    default: in the roadmap view). Every text drawn is in `Layout.texts`.
    `min_text` (a page's smallest text): the tags are drawn no smaller.
    `rank_gap`: the gap between ranks as a share of the usual (prep's
    engine; pages fitted to a page use a tighter one); `lateral_gap` the
    same across the flow (boxes, edges, sibling frames). `order_hint` (prep's
    engine, without `previous`): each deliverable's place across the flow
    in a larger drawing that holds it; the boxes of each rank keep that
    order (no crossing reduction), a box not in it goes beside its
    neighbours. `legend_room` (a page's width inside its margins): a legend
    no corner holds goes below as one row when that fits it (`legend.place`)."""
    from .texts import exit_tag_font_size

    tag_font = exit_tag_font_size(min_text)
    direction = direction_of(direction)
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")
    if view == "roadmap":
        check_roadmap(model, engine=engine, previous=previous)
    if engine == "dot":
        # dot measures the model's labels itself; only a legend needs measuring here
        placed = _dot_engine(model, direction, font, font_size)
        if legend:
            sizes = measure(Model(path=model.path, title=None, deliverables={}, relations=(), groups={}),
                            font=font, font_size=font_size, legend=True, health=health, diff_legend=diff_legend,
                            stage_legend=stage_legend)
    else:
        if (sizes is None or sizes.font != font or sizes.font_size != font_size
                or (sizes.small or small_size(font_size)) != small_size(font_size, min_text)
                or not sizes.covers(model, legend, health, diff_legend, stage_legend)):
            sizes = measure(model, font=font, font_size=font_size, legend=legend, health=health,
                            diff_legend=diff_legend, stage_legend=stage_legend, min_text=min_text)
        placed = _prep_engine(model, direction, sizes, previous, roadmap=view == "roadmap",
                              exit_tags=view == "roadmap" if exit_tags is None else exit_tags, tag_font=tag_font,
                              rank_gap=rank_gap, lateral_gap=lateral_gap, order_hint=order_hint)
    if legend:
        from .legend import place

        placed = place(placed, sizes.legend, health, diff_legend, stage_legend, room=legend_room)
    from dataclasses import replace

    from .texts import collect

    exits = view == "roadmap" if exit_tags is None else exit_tags
    placed = replace(placed, texts=collect(placed, model, sizes.labels if sizes is not None else None, exits=exits,
                                           tag_font=tag_font))
    if len(model.files) > 1:  # a workspace: each box says which file holds its deliverable
        placed = replace(placed, files={n: d.span.path if d.span is not None else model.path
                                        for n, d in model.deliverables.items() if n in placed.nodes})
    return placed


def check_roadmap(model: Model, *, engine: str = "prep", previous: Layout | None = None) -> None:
    """The roadmap view needs stages, prep's engine and a fresh layout: a
    located usage error otherwise."""
    from ..language.diagnostics import PrepError

    if not model.stages:
        raise PrepError.at(model.path, "the model has no stages: the roadmap view draws its stages as columns",
                           name="usage-error", hint='declare them, e.g. `stage kickoff "Stage 1: Kickoff" '
                                                    '[exit: 成功計画]` (docs/language.md#stages)')
    if engine != "prep":
        raise PrepError.at(model.path, f"the roadmap view is laid out by prep's engine, not {engine}",
                           name="usage-error", hint="leave out --engine (or use --engine prep)")
    if previous is not None:
        raise PrepError.at(model.path, "the roadmap view does not start from a previous layout",
                           name="usage-error", hint="leave out --stable: stage columns fix where boxes go")


def _roadmap_spec(model: Model, sizes: Sizes) -> dict:
    """What the engine needs for the roadmap view: columns (stage name,
    label, label size) in order, each deliverable's column (its effective
    stage), and the exit criteria."""
    from .texts import is_marker

    order = {name: i for i, name in enumerate(model.stages)}
    where = model.effective_stages
    return dict(columns=[(s.name, s.display, sizes.stages[s.name]) for s in model.stages.values()],
                node_column={n: order[where[n]] for n in model.deliverables},
                exits=frozenset(x for s in model.stages.values() for x in s.exits if x in model.deliverables),
                # a piece's markers of relations out of it (the marker is their target): last in its column
                last=frozenset(r.target for r in model.relations if is_marker(r.target)))


def _prep_engine(model: Model, direction: str, sizes: Sizes, previous: Layout | None,
                 roadmap: bool = False, exit_tags: bool = False, tag_font: float = 8.0,
                 rank_gap: float = 1.0, lateral_gap: float = 1.0,
                 order_hint: dict[str, float] | None = None, legend_room: float | None = None) -> Layout:
    from .layered import TITLE_GAP, GraphSpec, lay_out, ring_room
    from .texts import EXIT_TAG_HEIGHT, exit_numbers, exit_tag_room, note_carriers

    places = routes = flow = frames = None
    note_flow: tuple[float, ...] = ()
    if previous is not None and previous.engine == "prep" and previous.direction == direction and previous.nodes:
        # the lateral coordinate (across the flow) of each box, as the engine
        # counts it: in LR, below the title's band
        top = previous.title.height + TITLE_GAP if previous.title is not None else 0.0

        def ab(x: float, y: float) -> tuple[float, float]:
            return (x, y - top) if direction == "LR" else (y - top, x)

        places = {name: ab(box.x, box.y)[1] for name, box in previous.nodes.items()}
        flow = {name: ab(box.x, box.y)[0] for name, box in previous.nodes.items()}
        note_flow = tuple(ab(e.label.x, e.label.y)[0] for e in previous.edges if e.label is not None)
        frames = {}
        for name, box in previous.groups.items():
            (a0, b0), (a1, b1) = ab(box.left, box.top), ab(box.right, box.bottom)
            frames[name] = (min(a0, a1), max(a0, a1), min(b0, b1), max(b0, b1))
        routes = {}
        for e in previous.edges:
            routes.setdefault((e.source, e.target, e.kind), []).append([ab(x, y) for x, y in e.points])

    spec = GraphSpec(
        nodes=list(model.deliverables),
        sizes={name: sizes.boxes[name] for name in model.deliverables},
        # each note once (note_carriers), with room for it
        edges=[(r.source, r.target, r.kind, sizes.notes[r.note] if carries else None)
               for r, carries in zip(model.relations, note_carriers(model))],
        node_group={d.name: d.group for d in model.deliverables.values() if d.group in model.groups},
        groups={g.name: (g.parent, sizes.groups[g.name]) for g in model.groups.values()},
        direction=direction,
        title_size=sizes.titles[model.title] if model.title else None,
        previous=places if places is not None else order_hint,
        previous_routes=routes,
        previous_flow=flow,
        previous_groups=frames,
        previous_note_flow=note_flow,
        room={name: exit_tag_room(sizes.boxes[name], n, direction, tag_font)
              for name, n in exit_numbers(model).items()} if exit_tags else {},
        tag_height=EXIT_TAG_HEIGHT * tag_font / 8.0,
        rank_gap=rank_gap,
        lateral_gap=lateral_gap,
        order_only=places is None and order_hint is not None,
        ring=ring_room(),
        **(_roadmap_spec(model, sizes) if roadmap else {}),
    )
    return lay_out(spec)


def measure(model: Model, *, font: str = FONT_FAMILY, font_size: float = 12.0, legend: bool = False,
            health: bool = False, titles: tuple[str, ...] = (), diff_legend: bool = False,
            stage_legend: str | None = None, min_text: float | None = None) -> Sizes:
    """Every box, group label, note, the title (and `titles`, for views
    that will have their own) and, with `legend`, the legend's texts,
    measured by Graphviz with the font prep draws with. `min_text` (a
    page's): the small texts no smaller (`small_size`)."""
    small = small_size(font_size, min_text)
    from .graphviz import sizes

    fn = dot_string(font)
    # boxes measured without Graphviz's minimum size (width=0, height=0):
    # the label with its margins, the text block; the box is at least the minimum
    out = ["digraph measure {",
           f"  node [shape=box, fontname={fn}, fontsize={font_size:g}, margin={dot_string(BOX_MARGIN)}, "
           "width=0, height=0];"]
    for i, d in enumerate(model.deliverables.values()):
        out.append(f"  n{i} [label={dot_string(box_label(d))}];")
    least = min_box(font_size)
    out.append(f"  node [width={least[0] / 72:g}, height={least[1] / 72:g}];")
    text = f"shape=plaintext, margin=0, width=0, height=0, fontname={fn}"
    for i, g in enumerate(model.groups.values()):
        out.append(f"  g{i} [label={dot_string(g.display)}, {text}, fontsize={font_size:g}];")
    notes = list(dict.fromkeys(r.note for r in model.relations if r.note))
    for k, note in enumerate(notes):
        out.append(f"  e{k} [label={dot_string(note)}, {text}, fontsize={small:g}];")
    for i, s in enumerate(model.stages.values()):
        out.append(f"  s{i} [label={dot_string(s.display)}, {text}, fontsize={font_size + STAGE_LARGER:g}];")
    all_titles = list(dict.fromkeys(([model.title] if model.title else []) + list(titles)))
    for k, title in enumerate(all_titles):
        out.append(f"  t{k} [label={dot_string(title)}, {text}, fontsize={font_size + TITLE_EXTRA:g}];")
    if legend:
        from .legend import texts

        for key, label, boxed in texts(health, diff_legend, stage_legend):
            size = font_size if key == "legend-header" else small
            look = f"margin={dot_string(LEGEND_MARGIN)}" if boxed else text
            out.append(f"  {dot_string(key)} [label={dot_string(label)}, {look}, fontsize={size:g}];")
    out.append("}")
    got = sizes("\n".join(out) + "\n", path=model.path)
    labels = {name: got[f"n{i}"] for i, name in enumerate(model.deliverables)}
    return Sizes(boxes={name: (max(least[0], w), max(least[1], h)) for name, (w, h) in labels.items()},
                 groups={name: got[f"g{i}"] for i, name in enumerate(model.groups)},
                 notes={note: got[f"e{k}"] for k, note in enumerate(notes)},
                 titles={title: got[f"t{k}"] for k, title in enumerate(all_titles)},
                 legend={k: v for k, v in got.items() if k.startswith("legend-")},
                 stages={name: got[f"s{i}"] for i, name in enumerate(model.stages)},
                 labels=labels, font=font, font_size=font_size,
                 small=small if small != small_size(font_size) else None)


# ---------------------------------------------------------------- dot engine


def _dot_engine(model: Model, direction: str, font: str, font_size: float) -> Layout:
    """Graphviz `dot` places everything; its answer is read back as a Layout."""
    from .graphviz import dot_layout

    fn = dot_string(font)
    names = list(model.deliverables)
    ids = {name: f"n{i}" for i, name in enumerate(names)}
    out = ["digraph prep {",
           f"  graph [rankdir={direction}, fontname={fn}, fontsize={font_size + TITLE_EXTRA:g}, "
           f"nodesep={NODE_SEP_IN}, ranksep={RANK_SEP_IN}, newrank=true, pad=0.2"
           + (f", label={dot_string(model.title)}, labelloc=t, labeljust=l" if model.title else "") + "];",
           f"  node [shape=box, fontname={fn}, fontsize={font_size:g}, margin={dot_string(BOX_MARGIN)}];",
           f"  edge [fontname={fn}, fontsize={font_size - NOTE_SMALLER:g}];"]
    from ..language.model import MUTUAL

    members, children = group_tree(model)
    group_ids = {g: f"cluster_g{i}" for i, g in enumerate(model.groups)}

    def emit(parent, indent):
        for d in members.get(parent, []):
            out.append(f"{indent}{ids[d.name]} [label={dot_string(box_label(d))}];")
        for g in children.get(parent, []):
            out.append(f"{indent}subgraph {group_ids[g.name]} {{")
            out.append(f"{indent}  graph [label={dot_string(g.display)}, labeljust=l, fontsize={font_size:g}];")
            emit(g.name, indent + "  ")
            out.append(f"{indent}}}")

    emit(None, "  ")
    from .texts import note_carriers

    for k, (r, carries) in enumerate(zip(model.relations, note_carriers(model))):
        attrs = [f"id=e{k}"]
        if r.kind == MUTUAL:
            attrs.append("dir=both")
        if carries:
            attrs.append(f"label={dot_string(r.note)}")
        out.append(f"  {ids[r.source]} -> {ids[r.target]} [{', '.join(attrs)}];")
    out.append("}")
    data = dot_layout("\n".join(out) + "\n", path=model.path)
    return from_json0(data, model, direction)


def _points(pos: str, height: float) -> tuple[list[tuple[float, float]], tuple | None, tuple | None]:
    start = end = None
    pts = []
    for tok in pos.replace(";", " ").split():
        if tok.startswith(("e,", "s,")):
            x, y = tok[2:].split(",")
            p = (float(x), height - float(y))
            if tok[0] == "e":
                end = p
            else:
                start = p
            continue
        x, y = tok.split(",")
        pts.append((float(x), height - float(y)))
    return pts, start, end


def from_json0(data: dict, model: Model, direction: str) -> Layout:
    """Graphviz's json0 (origin bottom-left, y up) as a Layout (origin
    top-left). Routes run from border to border: where Graphviz leaves room
    for an arrowhead, the route's last control point is moved to its tip."""
    x0, y0, x1, y1 = (float(v) for v in data["bb"].split(","))
    height = y1
    names = list(model.deliverables)
    by_gvid: dict[int, str] = {}
    nodes: dict[str, Box] = {}
    groups: dict[str, Box] = {}
    group_labels: dict[str, Box] = {}
    group_names = list(model.groups)
    for obj in data.get("objects", []):
        name = obj.get("name", "")
        if name.startswith("cluster_g"):
            g = group_names[int(name[len("cluster_g"):])]
            gx0, gy0, gx1, gy1 = (float(v) for v in obj["bb"].split(","))
            groups[g] = Box((gx0 + gx1) / 2, height - (gy0 + gy1) / 2, gx1 - gx0, gy1 - gy0)
            if "lp" in obj:
                lx, ly = (float(v) for v in obj["lp"].split(","))
                lw, lh = float(obj.get("lwidth", 0)) * 72, float(obj.get("lheight", 0)) * 72
                group_labels[g] = Box(lx, height - ly, lw, lh)
        elif name.startswith("n") and name[1:].isdigit() and "pos" in obj:
            px, py = (float(v) for v in obj["pos"].split(","))
            w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
            d = names[int(name[1:])]
            nodes[d] = Box(px, height - py, w, h)
            by_gvid[obj["_gvid"]] = d
    edges = []
    relations = model.relations
    routes: dict[int, Route] = {}
    for e in data.get("edges", []):
        k = int(e["id"][1:])
        r = relations[k]
        pts, start, end = _points(e.get("pos", ""), height)
        if end is not None and pts:
            pts[-1] = end
        if start is not None and pts:
            pts[0] = start
        label = None
        if "lp" in e:
            lx, ly = (float(v) for v in e["lp"].split(","))
            label = Box(lx, height - ly, float(e.get("lwidth", 0)) * 72, float(e.get("lheight", 0)) * 72)
        routes[k] = Route(r.source, r.target, r.kind, tuple(pts), label)
    for k in sorted(routes):
        edges.append(routes[k])
    title = None
    if model.title and "lp" in data:
        lx, ly = (float(v) for v in data["lp"].split(","))
        title = Box(lx, height - ly, float(data.get("lwidth", 0)) * 72, float(data.get("lheight", 0)) * 72)
    return Layout(width=x1 - x0, height=y1 - y0, nodes=nodes, edges=tuple(edges), groups=groups,
                  group_labels=group_labels, title=title, engine="dot", direction=direction)


__all__ = ["ENGINES", "VIEWS", "Box", "Layout", "Route", "Sizes", "TextItem", "layout", "measure", "box_label",
           "dot_string"]
