"""Stage pictures: the cross-section at the end of a stage, and the
flip-book of every stage's cross-section, all drawn on ONE geometry.

    prep render model.prep --stage kickoff          one frame
    prep render model.prep --flipbook -o deck.pdf   one page (slide, file) per stage

The whole model is laid out once (`stage_geometry`), with room for the
widest frame title; each frame draws the cross-section of one stage
(`views.cross_section`) on that geometry, so every deliverable sits at the
same place in every frame and a `--stage` picture is exactly the flip-book's
frame of that stage. In a frame, readable in greyscale print too:

- what exists by the end of the stage: drawn as usual;
- what the stage makes (its new deliverables): a double border, a heavier
  line and a pale blue fill (white in the print theme);
- exit criteria that exist: a dark tag "EXIT n" (n: the stage they end) on
  the box's top edge;
- what comes later: left out (`later="hidden"`, the default) or drawn
  faintly in light grey (`later="faint"`), relations touching it too.

With `lint`, each frame is coloured by the findings of ITS cross-section
(a deliverable can be fine in the whole model and unfinished at a stage).

Drawing: SVG frames are composed from two or three drawings of the whole
model (`_composed_svgs`); with findings, and as PNG, PDF or PowerPoint, each
frame is drawn on its own (`draw_frame`), in forked workers on several cores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .._words import pages as said_pages
from ..language.diagnostics import PrepError
from ..language.model import Model, Stage
# the marks' colours live with the other fills, for every writer (re-exported here)
from .palette import FAINT_INK, FAINT_TEXT, NEW_FILL  # noqa: F401
from .palette import plain_theme as _plain_theme

LATER = ("hidden", "faint")

NEW_PEN = "2.4"
# what the layout keeps free around each box across the flow, beyond its
# usual gaps, for the double border of a box made in the stage: Graphviz
# draws it 4 pt outside the box (5.2 pt with half of NEW_PEN). At a page's
# closest spacing (boxes 6.3 pt apart, a passing route 4.2 pt) two such
# borders ran into one and routes crossed them; with 3.5 pt more on each
# side two borders stay 2.9 pt apart and a route 2.5 pt clear
NEW_RING = 3.5
# the invisible corners stand this far outside the whole model's drawing, so
# nothing a frame draws (Graphviz pads the title) reaches past them
CANVAS_MARGIN = 10.0


def stages_of(model: Model) -> list[Stage]:
    """The model's stages in order; a located error for a model without any."""
    if not model.stages:
        raise PrepError.at(model.path, "the model has no stages: stage pictures and the flip-book draw one "
                                       "frame per stage", name="usage-error",
                           hint='declare stages: `stage kickoff "Kickoff" [exit: 成功計画]` '
                                "(docs/stages.md)")
    return list(model.stages.values())


def frame_title(model: Model, stage: Stage, page=None, font_size: float = 12.0, suffix: str = "") -> str:
    """The title of a stage's frame: the model's title and the stage's label
    (and `suffix`), on one line; for a `page`, in lines that fit its width
    at `font_size` (`wrap_title`: a long title ran past the page)."""
    from ..layouter import TITLE_EXTRA
    from ..layouter.texts import wrap_title

    label = " ".join(stage.label.split()) if stage.label else f"stage {stage.name}"
    title = (f"{' '.join(model.title.split())} — {label}" if model.title else label) + suffix
    return title if page is None else wrap_title(title, page.inner_width, font_size + TITLE_EXTRA)


def frame_file_name(stage: Stage, total: int, fmt: str, page: int = 0) -> str:
    """`01-contract.svg`: the stage's number (sorts in stage order) and its
    name with anything but letters and digits made a dash (never a path
    separator or a dot-dot); `01-contract-p2.svg` for its second page."""
    digits = max(2, len(str(total)))
    return (f"{stage.index + 1:0{digits}d}-{slug(stage.name)}{f'-p{page}' if page else ''}."
            f"{'layout.json' if fmt == 'layout' else fmt}")


def slug(name: str) -> str:
    """A stage name as part of a file name: letters and digits kept (any
    script), anything else a dash."""
    return re.sub(r"[^\w]+", "-", name, flags=re.UNICODE).strip("-_")[:40] or "stage"


# the files of a flip-book folder: what may be replaced when it is written again
FRAME_FILE = re.compile(r"\d{2,}-[^/\\]*\.(svg|png)")


@dataclass(frozen=True)
class Geometry:
    """The whole model placed once, and the size of every frame title."""
    layout: object                                   # prep.layouter.Layout
    titles: dict[str, tuple[str, tuple[float, float]]]  # stage -> (title, its size)
    font_size: float | None = None                   # fitted to a page: the size it was laid out at
    paged: bool = False                              # over several pages: each frame has its own layout

    def theme(self, theme):
        """`theme` at the font size the geometry was laid out at."""
        return theme if self.font_size is None else replace(theme, font_size=self.font_size)


def stage_geometry(model: Model, *, direction: str = "LR", theme=None, engine: str = "prep",
                   legend: bool = False, health: bool = False, later: str = "hidden", page=None,
                   direction_given: bool = True) -> Geometry:
    """Lay the whole model out once for its stage pictures: the title band
    fits the widest frame title, the legend (with `legend`) explains the
    stage marks. With `page`, fitted to one such page (the font size and,
    unless `direction_given`, the direction that fit; a located usage
    error when the model does not fit one page). Each box keeps room for
    the double border it has in the frame of its stage (NEW_RING)."""
    from ..layouter.layered import ring_kept

    with ring_kept(NEW_RING):
        return _stage_geometry(model, direction=direction, theme=theme, engine=engine, legend=legend,
                               health=health, later=later, page=page, direction_given=direction_given)


def _stage_geometry(model: Model, *, direction: str, theme, engine: str, legend: bool, health: bool, later: str,
                    page, direction_given: bool) -> Geometry:
    from ..layouter import layout as lay_out
    from ..layouter import measure
    from .dot import resolve_theme

    if later not in LATER:
        raise ValueError(f"later must be one of {', '.join(LATER)}, not {later!r}")
    theme = resolve_theme(theme)
    stages = stages_of(model)
    if page is not None:  # fitted to one page: the whole model, so every frame has the same places
        from ..layouter.fit import fit_one_page

        measured, named = {}, {}

        def lay(size, d, gap=(1.0, 1.0)):
            # the titles in lines that fit the page at this size
            named[size] = titles = {s.name: frame_title(model, s, page, size) for s in stages}
            measured[size] = got = measure(
                model, font=theme.font, font_size=size, legend=legend, health=health,
                titles=tuple(titles.values()), stage_legend=later, min_text=page.min_text)
            widest = max(titles.values(), key=lambda t: got.titles[t][0])
            return lay_out(replace(model, title=widest), direction=d, font=theme.font, font_size=size,
                           min_text=page.min_text, engine=engine, legend=legend, health=health, sizes=got,
                           stage_legend=later, exit_tags=True, rank_gap=gap[0], lateral_gap=gap[1],
                           legend_room=page.inner_width)

        fitted = fit_one_page(page, lay, direction=direction if direction_given else None,
                              font_size=theme.font_size)
        if fitted is None:
            raise _NeedsPages
        size, _, placed = fitted
        return Geometry(placed, {n: (t, measured[size].titles[t]) for n, t in named[size].items()}, font_size=size)
    titles = {s.name: frame_title(model, s) for s in stages}
    sizes = measure(model, font=theme.font, font_size=theme.font_size, legend=legend, health=health,
                    titles=tuple(titles.values()), stage_legend=later)
    widest = max(titles.values(), key=lambda t: sizes.titles[t][0])
    placed = lay_out(replace(model, title=widest), direction=direction, font=theme.font,
                     font_size=theme.font_size, engine=engine, legend=legend, health=health, sizes=sizes,
                     stage_legend=later, exit_tags=True)
    return Geometry(placed, {n: (t, sizes.titles[t]) for n, t in titles.items()})


class _NeedsPages(Exception):
    """The whole model does not fit one page: its frames go over several."""


@dataclass(frozen=True)
class Frame:
    """One stage's picture, ready to draw: the model drawn (the
    cross-section, or everything with `later="faint"`), its geometry (a
    part of the whole model's), how to mark it, and its findings."""
    stage: Stage
    model: Model
    layout: object
    marks: "StageMarks"
    findings: list | None
    page: int = 0        # on a model fitted to several pages: the page this frame shows (1-based)
    markers: tuple = ()  # and that page's off-page markers (prep.layouter.fit.Marker)


def frame(model: Model, stage: str, geometry: Geometry, *, later: str = "hidden", lint: bool = False,
          lint_options: dict | None = None) -> Frame:
    """The frame of `stage` (a located usage error with a did-you-mean for
    an unknown stage) on `geometry` (from `stage_geometry`)."""
    from ..language.views import cross_section, stage_index

    k = stage_index(model, stage)
    section = cross_section(model, stage)
    exists = set(section.deliverables)
    effective = model.effective_stages
    status = {n: ("later" if n not in exists else "new" if effective[n] == stage else "before")
              for n in model.deliverables}
    exits = {x: s.index + 1 for s in model.stages.values() if s.index <= k for x in s.exits if x in exists}
    findings = None
    if lint:
        from ..linter import lint_model

        findings = [d for d in lint_model(section, **(lint_options or {})) if d.subject is not None]
    drawn = section if later == "hidden" else model
    title, (tw, th) = geometry.titles[stage]
    whole = geometry.layout
    drawn = replace(drawn, title=title)
    keep = set(drawn.deliverables)
    # the relations of `drawn` are those of the model with both ends kept,
    # in the model's order: so are their routes
    edges = tuple(e for e, r in zip(whole.edges, model.relations) if r.source in keep and r.target in keep)
    top = whole.title
    title_box = None
    if top is not None:
        from ..layouter import Box

        title_box = Box(top.left + tw / 2, top.top + th / 2, tw, th)
    placed = replace(whole, nodes={n: whole.nodes[n] for n in drawn.deliverables}, edges=edges,
                     groups={g: b for g, b in whole.groups.items() if g in drawn.groups},
                     group_labels={g: b for g, b in whole.group_labels.items() if g in drawn.groups},
                     title=title_box)
    if later == "hidden" and whole.columns:
        # a page's piece cut at a stage is framed and titled with its stage; a
        # frame with nothing in it yet ("Stage 3: 拡大 Expand", empty, in the
        # picture at the end of stage 2) announced a stage the picture is not at
        shown = tuple(c for c in whole.columns if any(c.frame.contains(b) for b in placed.nodes.values()))
        gone = {(c.label_box.x, c.label_box.y) for c in whole.columns if c not in shown}
        placed = replace(placed, columns=shown, texts=tuple(
            t for t in placed.texts if t.kind != "stage" or (t.box.x, t.box.y) not in gone))
        placed = _captions_as_shown(placed, model, effective, geometry.font_size)
    if later == "hidden":
        placed = _frames_as_shown(placed, whole, model, frozenset(exits))
    placed = placed.keep_texts()
    # the frame's own title, and only the tags of the exit criteria that exist by then
    from ..layouter import TextItem

    placed = replace(placed, texts=tuple(
        (TextItem("title", "", title, title_box) if t.kind == "title" else t) for t in placed.texts
        if t.kind != "exit" or t.owner in exits))
    order = {n: i for i, n in enumerate(model.deliverables)}
    later_edges = [status[r.source] == "later" or status[r.target] == "later" for r in drawn.relations]
    edge_ids = [k for k, r in enumerate(model.relations) if r.source in keep and r.target in keep]
    marks = StageMarks(status=status, exits=exits, later_edges=later_edges, ids=order,
                       width=whole.width, height=whole.height, edge_ids=edge_ids)
    return Frame(model.stages[stage], drawn, placed, marks, findings)


EDGE_ROOM = 4.0   # pt between a group frame's edge and a text it grows around (_frames_as_shown)


def _frames_as_shown(placed, whole, model: Model, exits_shown=frozenset()):
    """`placed` (a stage's frame) with each group's frame around the boxes
    it shows by then, with the margins the whole layout gave it: a stage
    whose group had one box yet drew it in a frame 600 pt wide, empty but
    for that box. Boxes and routes stay where they are; a frame only
    shrinks, keeping its top left corner where its title is. Lanes (the
    roadmap's groups across its stage columns) keep their width."""
    from ..layouter import Box
    from ..layouter.geometry import unfilled

    def union(boxes: list) -> tuple[float, float, float, float] | None:
        if not boxes:
            return None
        return (min(b.left for b in boxes), min(b.top for b in boxes), max(b.right for b in boxes),
                max(b.bottom for b in boxes))

    groups = model.groups
    children: dict[str, list[str]] = {}
    for name, g in groups.items():
        if g.parent is not None:
            children.setdefault(g.parent, []).append(name)
    own: dict[str, list[str]] = {}
    for n, d in model.deliverables.items():
        if d.group is not None:
            own.setdefault(d.group, []).append(n)
    frames = dict(placed.groups)

    def trim(g: str) -> None:   # inner frames first: an outer one holds them
        for c in children.get(g, ()):
            if c in frames:
                trim(c)
        frame = whole.groups.get(g)
        if frame is None or g not in frames or unfilled(whole, frame):
            return
        mine = set(own.get(g, ()))
        full = union([whole.nodes[n] for n in mine if n in whole.nodes]
                     + [whole.groups[c] for c in children.get(g, ()) if c in whole.groups]
                     + [t.box for t in whole.texts if t.kind == "exit" and t.owner in mine])
        shown = union([placed.nodes[n] for n in mine if n in placed.nodes]
                      + [frames[c] for c in children.get(g, ()) if c in frames]
                      # a box's EXIT tag stands beside or above it (only the tags it draws by then)
                      + [t.box for t in placed.texts if t.kind == "exit" and t.owner in mine
                         and t.owner in exits_shown])
        if full is None or shown is None or shown == full:
            return
        right = frame.right - (full[2] - shown[2])
        bottom = frame.bottom - (full[3] - shown[3])
        label = whole.group_labels.get(g)
        if label is not None:
            # its title stays where the layout put it (the routes keep clear of it there): the
            # frame keeps its top left corner, and room for the title
            left, top = frame.left, frame.top
            right = max(right, label.right + (frame.right - full[2]))
        else:
            left, top = frame.left + (shown[0] - full[0]), frame.top + (shown[1] - full[1])
        left, top = max(left, frame.left), max(top, frame.top)
        right, bottom = min(right, frame.right), min(bottom, frame.bottom)
        # an edge never through a piece of text or a box the whole frame held (a note the layout
        # put inside it, between two of its rows): the frame grows around it
        pieces = [t.box for t in placed.texts] + list(placed.nodes.values())
        for _ in range(20):
            grown = False
            for b in pieces:
                inside = left <= b.left and b.right <= right and top <= b.top and b.bottom <= bottom
                apart = b.right <= left or right <= b.left or b.bottom <= top or bottom <= b.top
                if inside or apart or not frame.contains(b):
                    continue
                left, top = min(left, b.left - EDGE_ROOM), min(top, b.top - EDGE_ROOM)
                right, bottom = max(right, b.right + EDGE_ROOM), max(bottom, b.bottom + EDGE_ROOM)
                left, top = max(left, frame.left), max(top, frame.top)
                right, bottom = min(right, frame.right), min(bottom, frame.bottom)
                grown = True
            if not grown:
                break
        if right - left >= frame.width - 0.5 and bottom - top >= frame.height - 0.5:
            return
        frames[g] = Box((left + right) / 2, (top + bottom) / 2, right - left, bottom - top)

    for g in list(frames):
        if groups.get(g) is None or groups[g].parent is None or groups[g].parent not in frames:
            trim(g)
    if frames == placed.groups:
        return placed
    return replace(placed, groups=frames)


def _captions_as_shown(placed, model: Model, effective: dict, font_size: float | None):
    """`placed` with each piece's stage caption naming only the stages it
    shows boxes of: "Stage 3: 拡大 Expand (cont.) · Stage 4: 更新 Renew"
    on a piece whose stage-4 boxes the frame of stage 3 does not draw yet
    said "Stage 3 (cont.)". The caption is measured again (it is drawn
    centred on its box)."""
    from ..layouter import Box, TextItem, measure
    from ..layouter.texts import MARKER_PREFIX
    from .._words import is_continued

    labels = {st.display: name for name, st in model.stages.items()}
    columns, moved = [], {}
    for c in placed.columns:
        parts = c.label.split(" · ")
        stages = [labels.get(is_continued(p) or p) for p in parts]
        inside = {effective.get(n) for n, b in placed.nodes.items()
                  if not n.startswith(MARKER_PREFIX) and c.frame.contains(b)}
        kept = [p for p, st in zip(parts, stages) if st is None or st in inside]
        if None in stages or not kept or len(kept) == len(parts):
            columns.append(c)
            continue
        text = " · ".join(kept)
        stage = stages[parts.index(kept[0])]
        st = replace(model.stages[stage], label=text)
        size = font_size if font_size is not None else 12.0
        lw, lh = measure(Model(path=model.path, title=None, deliverables={}, relations=(), groups={},
                               stages={stage: st}), font_size=size).stages[stage]
        box = Box(c.label_box.left + lw / 2, c.label_box.top + lh / 2, lw, lh)
        moved[(c.label_box.x, c.label_box.y)] = (stage, text, box)
        columns.append(replace(c, stage=stage, label=text, label_box=box))
    if not moved:
        return placed
    texts = tuple(TextItem("stage", *moved[(t.box.x, t.box.y)]) if t.kind == "stage" and (t.box.x, t.box.y) in moved
                  else t for t in placed.texts)
    return replace(placed, columns=tuple(columns), texts=texts)


@dataclass
class StageMarks:
    """How `to_dot` draws a frame: new deliverables, exit tags, later parts."""
    status: dict[str, str]        # deliverable -> before | new | later
    exits: dict[str, int]         # an existing exit criterion -> the stage number it ends
    later_edges: list[bool]       # per relation of the drawn model: touches a later deliverable
    ids: dict[str, int]           # deliverable -> its place in the whole model (stable SVG ids)
    width: float
    height: float
    theme: object = None
    edge_ids: list[int] | None = None  # per relation drawn: its place among the whole model's (SVG ids)

    def node_pairs(self, d, pairs: list, label: str, font_size: float | None = None) -> list:
        s = self.status.get(d.name, "before")
        out = dict(pairs)
        out["id"] = f'"d{self.ids[d.name]}"'
        classes = out.get("class", '""').strip('"').split() + [f"prep-stage-{s}"]
        if d.name in self.exits:
            classes.append("prep-stage-exit")
        if s == "new":
            out.update(penwidth=NEW_PEN, peripheries="2")
            if self.theme is not None and not _plain_theme(self.theme) and "prep-health" not in out["class"]:
                out["fillcolor"] = f'"{NEW_FILL}"'
        elif s == "later":
            out.update(color=f'"{FAINT_INK}"', fontcolor=f'"{FAINT_TEXT}"', fillcolor='"#ffffff"', penwidth="1.0")
            classes = [c for c in classes if not c.startswith("prep-health")]
        out["class"] = '"' + " ".join(classes) + '"'
        return list(out.items())

    def edge_pairs(self, k: int, pairs: list, middle: str | None = None) -> list:
        if self.edge_ids is not None:
            pairs = pairs + [("id", f'"r{self.edge_ids[k]}"')]
        if not self.later_edges[k]:
            return pairs
        out = dict(pairs)
        out.update(color=f'"{FAINT_INK}"', fontcolor=f'"{FAINT_TEXT}"')
        out["class"] = '"' + out.get("class", '""').strip('"') + ' prep-stage-later"'
        return list(out.items())

    def legend_box(self, kind: str, pairs: list, text: str) -> list:
        out = dict(pairs)
        if kind == "stage-new":
            out.update(penwidth=NEW_PEN, peripheries="2")
            if self.theme is not None and not _plain_theme(self.theme):
                out["fillcolor"] = f'"{NEW_FILL}"'
        elif kind == "stage-exit":
            out.update(self._tag_look())
        elif kind == "stage-later":
            out.update(color=f'"{FAINT_INK}"', fontcolor=f'"{FAINT_TEXT}"', fillcolor='"#ffffff"')
        return list(out.items())

    def legend_edge(self, kind: str, pairs: list) -> list:
        return pairs

    def _tag_look(self) -> dict:
        from .dot import _tag_look, resolve_theme

        return dict(_tag_look(self.theme if self.theme is not None else resolve_theme(None)))

    def extra_lines(self, layout, pt, ids: dict[str, str]) -> list[str]:
        """The exit tags (on the top edge of each exit criterion's box, at its
        right; `ids`: the DOT node of each box) and two invisible corner
        points, so Graphviz keeps the whole model's canvas in every frame (it
        sizes a drawing to what is in it)."""
        from .dot import exit_tag_line, resolve_theme

        theme = self.theme if self.theme is not None else resolve_theme(None)
        lines = []
        for j, (name, number) in enumerate(sorted(self.exits.items(), key=lambda x: self.ids[x[0]])):
            box = layout.nodes.get(name)
            if box is not None:
                lines.append(exit_tag_line(f"x{j}", ids[name], box, number, theme, pt, cls="prep-stage-exit-tag",
                                           extra=[("id", f'"exit{self.ids[name]}"')], layout=layout, name=name))
        m = CANVAS_MARGIN
        corners = () if layout.page is not None else ((-m, -m), (self.width + m, self.height + m))
        for j, (x, y) in enumerate(corners):  # on a page, the page's own corners hold it (to_dot)
            lines.append(f'  corner{j} [shape=point, style=invis, width=0, height=0, label="", '
                         f'pos="{pt(x, y)}!", class="prep-corner"];')
        return lines


# ----------------------------------------------------------------- drawing


def _theme_for(theme, later: str):
    """The Theme to draw with (a bad `later` is a programming error)."""
    from .dot import resolve_theme

    if later not in LATER:
        raise ValueError(f"later must be one of {', '.join(LATER)}, not {later!r}")
    return resolve_theme(theme)


def draw_frame(f: Frame, fmt: str, *, theme, dpi: float | None = None, embed_fonts: bool = True) -> bytes:
    """One frame as svg, png, pdf, pptx, dot, layout or json."""
    from . import render

    if fmt == "json":
        from ..language.export import model_to_json

        return model_to_json(f.model)
    f.marks.theme = theme
    return render(f.model, fmt, layout=f.layout, theme=theme, dpi=dpi, legend=f.layout.legend is not None,
                  findings=f.findings, marks=f.marks, embed_fonts=embed_fonts)


# ----------------------------------------------------- SVG frames, composed

# A frame's SVG is put together from whole-model drawings instead of asking
# Graphviz to draw every frame: the model is drawn once as it looks before a
# stage (every box plain, every exit tagged), once with every box new
# (boxes only), and with `later="faint"` once with everything faint; each
# frame then takes every box, arrow, frame and tag from the drawing it needs,
# or leaves it out. Graphviz writes each of them as one flat `<g>` with a
# stable id (dN: a deliverable, rN: a relation, exitN: a tag), so a frame is
# the same SVG Graphviz would draw for it, at the cost of two or three
# drawings of the whole model instead of one drawing per stage.
_PIECE = re.compile(r'(?:<!-- [^<>]* -->\n)?<g id="([^"]*)" class="[^"]*">\n<title>([^<]*)</title>\n.*?</g>\n', re.S)
_TITLE_TEXT = re.compile(r'(<text [^>]*? x=")([^"]*)("[^>]*>)[^<]*(</text>)')


def _pieces(svg: str) -> tuple[str, list[tuple[str, str, str]], str]:
    """(head, [(id, title, piece)], tail) of a Graphviz SVG."""
    pieces = [(m.group(1), m.group(2), m.group(0)) for m in _PIECE.finditer(svg)]
    first, last = _PIECE.search(svg), None
    for last in _PIECE.finditer(svg):
        pass
    return svg[:first.start()], pieces, svg[last.end():]


def _svg_number(v: float) -> str:
    """A coordinate as Graphviz writes it: two decimals, no trailing zeros."""
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _composed_svgs(model: Model, geometry: Geometry, fs: list[Frame], theme, later: str) -> list[bytes]:
    """The SVG of each frame (without findings), from whole-model drawings."""
    from html import escape

    from . import render

    whole = geometry.layout
    order = {n: i for i, n in enumerate(model.deliverables)}
    names, group_names = list(model.deliverables), list(model.groups)
    # the exit criteria the picture holds (a group's picture may leave a stage's exit out)
    all_exits = {x: s.index + 1 for s in model.stages.values() for x in s.exits if x in model.deliverables}
    n = len(model.relations)
    titled = replace(model, title=fs[0].model.title)
    base = replace(whole, title=fs[0].layout.title)

    def draw(status: str, drawn: Model, placed, later_edges: list[bool]) -> str:
        # a later exit criterion does not exist yet: no tag, no exit class
        exits = {} if status == "later" else all_exits
        marks = StageMarks(status=dict.fromkeys(model.deliverables, status), exits=exits,
                           later_edges=later_edges, ids=order, width=whole.width, height=whole.height,
                           theme=theme, edge_ids=list(range(len(drawn.relations))))
        return render(drawn, "svg", layout=placed, theme=theme, legend=placed.legend is not None,
                      marks=marks, embed_fonts=False).decode("utf-8")

    head, plain, tail = _pieces(draw("before", titled, base, [False] * n))
    new = {i: p for i, _, p in _pieces(draw("new", replace(titled, relations=()), replace(base, edges=()), []))[1]}
    faint = ({i: p for i, _, p in _pieces(draw("later", titled, base, [True] * n))[1]}
             if later == "faint" else {})
    # Graphviz moves the drawing so that its left edge (the invisible corner) is at 0
    # (the DOT gives the title's centre to two decimals; so is the shift)
    shift = round(float(_TITLE_TEXT.search(head).group(2)) - float(f"{base.title.x:.2f}"), 2)
    out = []
    for f in fs:
        status = f.marks.status
        x = _svg_number(float(f"{f.layout.title.x:.2f}") + shift)
        text = escape(f.model.title, quote=True).replace("-", "&#45;")
        parts = [_TITLE_TEXT.sub(lambda m: f"{m.group(1)}{x}{m.group(3)}{text}{m.group(4)}", head, count=1)]
        for piece_id, title, piece in plain:
            if piece_id[:1] == "d" and piece_id[1:].isdigit():
                s = status[names[int(piece_id[1:])]]
                piece = faint.get(piece_id) if s == "later" else new[piece_id] if s == "new" else piece
            elif piece_id[:1] == "r" and piece_id[1:].isdigit():
                r = model.relations[int(piece_id[1:])]
                if status[r.source] == "later" or status[r.target] == "later":
                    piece = faint.get(piece_id)
            elif piece_id.startswith("exit") and piece_id[4:].isdigit():
                piece = piece if names[int(piece_id[4:])] in f.marks.exits else None
            elif title.startswith("cluster_g") and title[9:].isdigit():
                piece = piece if group_names[int(title[9:])] in f.model.groups else None
            if piece is not None:
                parts.append(piece)
        parts.append(tail)
        out.append("".join(parts).encode("utf-8"))
    return out


def _svgs(model: Model, geometry: Geometry, fs: list[Frame], theme, later: str, lint: bool,
          embed_fonts: bool = True) -> list[bytes]:
    """Each frame's SVG: composed (above), or with findings, one drawing per
    frame; with `embed_fonts`, each carries the subset of the font it draws
    with (as `render` gives it)."""
    if lint or geometry.paged:  # each frame drawn whole (frames on pages have layouts of their own)
        svgs = _draw_all(fs, "svg", theme, None, embed_fonts=False)
    else:
        svgs = _composed_svgs(model, geometry, fs, theme, later)
    if not embed_fonts:
        return svgs
    from .webfont import FontNotEmbedded, FontUnavailable, embed_font

    try:
        return [embed_font(svg) for svg in svgs]
    except FontUnavailable as e:  # the pictures still name the font
        import warnings

        warnings.warn(f"the SVG is written without its font: {e}", FontNotEmbedded, stacklevel=2)
        return svgs


def render_stage(model: Model, stage: str, fmt: str = "svg", *, later: str = "hidden", lint: bool = False,
                 lint_options: dict | None = None, direction: str = "LR", legend: bool = False, theme=None,
                 engine: str = "prep", dpi: float | None = None, embed_fonts: bool = True, page=None,
                 direction_given: bool = True) -> bytes:
    """The picture of `model` at the end of `stage`, on the geometry of the
    whole model: exactly the flip-book's frame of that stage (an SVG with
    its font subset unless `embed_fonts` is False); with `page`, on that
    page (a frame over several pages: one PDF, deck or draw.io file; for
    one file per page, `stage_pages`)."""
    options = dict(later=later, lint=lint, lint_options=lint_options, direction=direction, legend=legend,
                   theme=theme, engine=engine, dpi=dpi, embed_fonts=embed_fonts, direction_given=direction_given)
    if page is not None:
        got = stage_pages(model, stage, fmt, page=page, **options)
        if len(got.files) > 1:
            raise PrepError.at(model.path, f"the stage takes {got.count} pages of {page.name}: {fmt} holds one",
                               name="usage-error",
                               hint="draw it as pdf, pptx or drawio, which hold several pages, on a larger page "
                                    "(A3), or as a file per page: prep.render_stage_pages")
        return got.files[0]
    theme = _theme_for(theme, later)
    from ..language.views import stage_index

    stages_of(model)
    stage_index(model, stage)  # an unknown stage fails before the layout
    geometry = stage_geometry(model, direction=direction, theme=theme, engine=engine, legend=legend,
                              health=lint, later=later, page=None, direction_given=direction_given)
    f = frame(model, stage, geometry, later=later, lint=lint, lint_options=lint_options)
    theme = geometry.theme(theme)
    if fmt == "svg":  # as the flip-book draws it
        return _svgs(model, geometry, [f], theme, later, lint, embed_fonts)[0]
    return draw_frame(f, fmt, theme=theme, dpi=dpi)


@dataclass(frozen=True)
class StagePages:
    """A stage's frame fitted to a page (`stage_pages`): `files` holds one
    picture per page (svg, png, dot, layout, json) or one document of every
    page (pdf, pptx, drawio); `count` is how many pages the frame takes."""
    stage: str
    files: tuple[bytes, ...]
    count: int
    page: object           # prep.layouter.page.Page
    font_size: float       # the size it was laid out at
    direction: str

    def summary(self) -> str:
        """What the fitting did, in one line for the terminal (as `Pages.summary`)."""
        from .pages import fitted_text

        return f"stage {self.stage}: {fitted_text(self.count, self.page, self.font_size, self.direction)}"

    def __repr__(self) -> str:   # the summary, not the files' bytes (a notebook cell shows it)
        from .pages import short_repr

        return short_repr("StagePages", self.summary(), self.files)


def stage_pages(model: Model, stage: str, fmt: str = "svg", *, page, later: str = "hidden", lint: bool = False,
                lint_options: dict | None = None, direction: str = "LR", legend: bool = False, theme=None,
                engine: str = "prep", dpi: float | None = None, embed_fonts: bool = True,
                direction_given: bool = True) -> StagePages:
    """The frame of `stage` fitted to `page` (a `Page`), as the flip-book on
    that page draws it: on one page, or over several when the whole model
    takes several (each page's part of the model at that stage, with its
    off-page markers). As `prep render --stage NAME --page P` writes it:
    a picture format gives a file per page (x-1.svg, x-2.svg, ...)."""
    from ..language.views import stage_index

    theme = _theme_for(theme, later)
    stages_of(model)
    stage_index(model, stage)  # an unknown stage fails before the layout
    geometry, fs = _frames(model, later=later, lint=lint, lint_options=lint_options, direction=direction,
                           legend=legend, theme=theme, engine=engine, page=page, direction_given=direction_given)
    theme = geometry.theme(theme)
    fs = [f for f in fs if f.stage.name == stage]
    if len(fs) > 1 and fmt in ("pptx", "pdf", "drawio"):
        files = (_paged_file(fs, fmt, theme, dpi, embed_fonts, model),)
    elif geometry.paged:
        files = tuple(draw_frame(f, fmt, theme=theme, dpi=dpi, embed_fonts=embed_fonts) for f in fs)
    elif fmt == "svg":  # as the flip-book draws it
        files = (_svgs(model, geometry, fs, theme, later, lint, embed_fonts)[0],)
    else:
        files = (draw_frame(fs[0], fmt, theme=theme, dpi=dpi),)
    return StagePages(stage, files, len(fs), page, geometry.font_size or theme.font_size, fs[0].layout.direction)


def _paged_file(fs: list[Frame], fmt: str, theme, dpi, embed_fonts: bool, model: Model) -> bytes:
    """Frames in one file, in order: a PDF of pages, a deck of slides or a
    draw.io file of pages."""
    if fmt == "pptx":
        from .dot import to_dot
        from .pptx import to_pptx_deck

        slides = []
        for f in fs:
            f.marks.theme = theme
            slides.append((f.model, to_dot(f.model, direction=f.layout.direction, legend=f.layout.legend is not None,
                                           findings=f.findings, theme=theme, layout=f.layout, marks=f.marks)))
        return to_pptx_deck(slides, theme=theme, embed_font=embed_fonts, title=model.title)
    if fmt == "drawio":  # a page per frame, named as the frame's title
        from .drawio import DrawioPage, to_drawio

        for f in fs:
            f.marks.theme = theme
        return to_drawio([DrawioPage(f.model.title or f.stage.name, f.model, f.layout, f.findings, f.marks)
                          for f in fs], theme=theme)
    if fmt == "pdf":
        from .pdfpages import PdfError, merge

        try:
            return merge(_draw_all(fs, "pdf", theme, dpi), title=model.title)
        except PdfError as e:
            raise PrepError.at(model.path, f"could not join the PDF pages: {e}", code="R001",
                               name="render-failed", hint="write the frames as SVG: -o frames/") from None
    raise ValueError(f"{fmt} holds one page: pdf, pptx or drawio hold several")


FLIPBOOK_FORMATS = ("html", "pdf", "pptx", "drawio")
FRAME_FORMATS = ("svg", "png")


def frames(model: Model, **options) -> list[Frame]:
    """Every stage's frame, in stage order, on one geometry."""
    return _frames(model, **options)[1]


def _frames(model: Model, *, later: str = "hidden", lint: bool = False, lint_options: dict | None = None,
            direction: str = "LR", legend: bool = False, theme=None,
            engine: str = "prep", page=None, direction_given: bool = True) -> tuple[Geometry, list[Frame]]:
    theme = _theme_for(theme, later)
    try:
        geometry = stage_geometry(model, direction=direction, theme=theme, engine=engine, legend=legend,
                                  health=lint, later=later, page=page, direction_given=direction_given)
    except _NeedsPages:
        return _paged_frames(model, page, later=later, lint=lint, lint_options=lint_options,
                             direction=direction if direction_given else None, theme=theme, engine=engine,
                             legend=legend)
    return geometry, [frame(model, s.name, geometry, later=later, lint=lint, lint_options=lint_options)
                      for s in stages_of(model)]


def _paged_frames(model: Model, page, *, later, lint, lint_options, direction, theme, engine, legend=False):
    """The frames of a model too large for one page: the model fitted to
    pages once (`prep.layouter.fit`), then each stage's frame on each page
    that holds something by then, stage by stage ("… — Stage 2 (p. 3)").
    Every deliverable keeps its page and place in every frame; a marker
    shows when its box does. With `legend`, the key (the stage marks too)
    on the pages with room for it, else on the first (as `--page` puts a
    legend), in every frame of that page, when it costs no page and no
    other way of cutting the model."""
    from ..layouter import measure
    from ..layouter.fit import fit_pages, is_marker
    from ..layouter.layered import orders_kept, ring_kept

    from ..layouter.texts import text_em

    stages = stages_of(model)
    # the pages keep room for the longest frame title (in lines that fit the page), not
    # the model's shorter one: a long one ran past the page's edge
    titled = replace(model, title=max((frame_title(model, s) for s in stages), key=text_em))
    # the second fitting lays out the graphs of the first again; each box keeps room for its
    # double border in its stage's frame
    with orders_kept(), ring_kept(NEW_RING):
        sheets = fit_pages(titled, page, direction=direction, font=theme.font, font_size=theme.font_size,
                           health=lint, engine=engine, exit_tags=True)
        if legend:
            # the legend when it costs no page and leaves the model cut as it was (a
            # flip-book is read stage by stage: cs-lifecycle on A4 took two pages cut
            # in blocks with a legend, three cut at its stages without), or when the
            # model was on one page anyway
            keyed = fit_pages(titled, page, direction=direction, font=theme.font, font_size=theme.font_size,
                              health=lint, engine=engine, exit_tags=True, legend=True, stage_legend=later)
            if len(keyed) <= len(sheets) and (len(sheets) == 1 or keyed[0].split == sheets[0].split):
                sheets = keyed
    rank = {s.name: s.index for s in stages}
    count = len(sheets)
    # a frame names its page as the off-page markers and the frame files do
    # ("p. 3"): a stage is drawn only on the pages that hold something by
    # then, so "(1/3)" promised a "2/3" and "3/3" that an early stage lacks
    titles = {(s.name, sh.number): frame_title(model, s, page, sheets[0].font_size,
                                               f" ({said_pages([sh.number])})" if count > 1 else "")
              for s in stages for sh in sheets}
    sizes = measure(Model(path=model.path, title=None, deliverables={}, relations=(), groups={}),
                    font=theme.font, font_size=sheets[0].font_size, titles=tuple(titles.values()))
    effective = model.effective_stages
    order = list(model.stages)
    page_of = {n: sh.number for sh in sheets for n in sh.model.deliverables if not is_marker(n)}
    wholes = {}
    for sh in sheets:
        keep = set(sh.model.deliverables)
        # an off-page marker stands for cut relations: it appears from the
        # stage its first relation exists in (both ends made), not from its
        # on-page end's (stage 1 showed "→ 拡大機会, p. 2" for a stage-3
        # deliverable, on a page stage 1 does not show)
        appears = {}
        for mk in sh.markers:
            ends = [(model.relations[i].source, model.relations[i].target) for i in mk.relations]
            ranks = [max(order.index(effective[a]), order.index(effective[b])) for a, b in ends
                     if a in effective and b in effective]
            if ranks:
                appears[mk.name] = order[min(ranks)]
        deliverables = {n: (replace(d, stage=appears[n]) if n in appears else d)
                        for n, d in sh.model.deliverables.items()}
        wholes[sh.number] = replace(sh.model, title=model.title, deliverables=deliverables, stages={
            n: replace(st, exits=tuple(x for x in st.exits if x in keep),
                       members=tuple(m for m in st.members if m in keep)) for n, st in model.stages.items()})
    out = []
    for s in stages:
        for sh in sheets:
            keep = set(sh.model.deliverables)
            whole = wholes[sh.number]
            where = whole.effective_stages
            if not any(rank[where[n]] <= s.index for n in keep if not is_marker(n)):
                continue   # nothing on this page exists yet
            title = titles[(s.name, sh.number)]
            geometry = Geometry(sh.layout, {s.name: (title, sizes.titles[title])}, font_size=sh.font_size)
            f = frame(whole, s.name, geometry, later=later, lint=lint, lint_options=lint_options)
            if later == "hidden":
                f = _markers_as_shown(f, sh, model, s.index, page_of)
            f = _marker_edges_as_made(f, sh, model, s.index, later)
            out.append(replace(f, page=sh.number if count > 1 else 0, markers=tuple(sh.markers)))
    return Geometry(sheets[0].layout, {}, font_size=sheets[0].font_size, paged=True), out


def _markers_as_shown(f: Frame, sheet, model: Model, upto: int, page_of: dict[str, int]) -> Frame:
    """`f` with each off-page marker counting the ends that exist by its
    stage: a marker gathers the cut relations to another page, some made
    only in later stages, and "拡大提案 +2, p. 2 →" in a stage-3 frame
    counted an end of stage 4 that no frame of stage 3 shows ("+1"). The
    end named first stays, unless it has no relation there by then: then
    the first that has one is named, when its text is no longer than the
    one the layout measured and neither end is on this page (the arrow of
    an end on the page points at it), else only their pages ("→ pp. 16,
    18"). At the end of stage 3 量産移行判定's marker still named 製品仕様書,
    whose relation comes in stage 4."""
    from ..layouter.fit import marker_pages, marker_text, with_arrow, with_marker_texts
    from ..layouter.texts import text_em

    order = list(model.stages)
    effective = model.effective_stages

    def made(a: str, b: str) -> bool:
        return a in effective and b in effective and max(order.index(effective[a]), order.index(effective[b])) <= upto

    texts = {}
    for mk in sheet.markers:
        if mk.name not in f.model.deliverables or not mk.others:
            continue
        ends = [(model.relations[k].source, model.relations[k].target) for k in mk.relations]
        shown = [o for o in mk.others if any(o in e and made(*e) for e in ends)]
        if not shown or len(shown) == len(mk.others):
            continue
        elsewhere = all(page_of.get(o, 0) != sheet.number for o in (shown[0], mk.others[0]))
        pages = sorted({page_of.get(o, 0) for o in shown})
        # the first end, so the way the relation runs on the page (its arrow), is the same
        arrow = mk.text[:1] if mk.outgoing else mk.text[-1:]
        text = with_arrow(marker_text(model, shown, mk.outgoing, pages, sheet.number), mk.outgoing, arrow)
        if shown[0] != mk.others[0] and (not elsewhere or text_em(text) > text_em(mk.text)):
            # another end's name: only in the room the layout gave the marker, and not for
            # an end on this page (the arrow points at the one named); else the pages alone
            where = marker_pages(pages, sheet.number)
            text = f"{arrow} {where}" if mk.outgoing else f"{where} {arrow}"
        texts[mk.name] = text
    return with_marker_texts(f, texts) if texts else f


def _marker_edges_as_made(f: Frame, sheet, model: Model, upto: int, later: str) -> Frame:
    """`f` without the arrows between a box and an off-page marker that
    stand only for relations not made by its stage (with `later="faint"`:
    drawn faint): a marker gathers the cut relations of several boxes, and
    the report's picture at the end of stage 2 drew 希望条件 -> "↓ 最終面接評価",
    the arrow of 希望条件 -> 内定条件, a relation of stage 3, beside the
    stage-2 relation the marker was there for: a relation the process does
    not have yet, to the wrong deliverable."""
    from ..layouter.fit import is_marker

    order = list(model.stages)
    effective = model.effective_stages
    relations = model.relations

    def made(k: int) -> bool:
        r = relations[k]
        a, b = effective.get(r.source), effective.get(r.target)
        return a is not None and b is not None and max(order.index(a), order.index(b)) <= upto

    markers = {mk.name: mk for mk in sheet.markers}
    unmade = []
    for i, r in enumerate(f.model.relations):
        mk = markers.get(r.target if is_marker(r.target) else r.source if is_marker(r.source) else "")
        if mk is None:
            continue
        end = r.source if r.target == mk.name else r.target   # the box on this page
        mine = [k for k in mk.relations if (relations[k].source if mk.outgoing else relations[k].target) == end]
        if mine and not any(made(k) for k in mine):
            unmade.append(i)
    if not unmade:
        return f
    if later != "hidden":   # every relation drawn, the later ones faint
        marks = replace(f.marks, later_edges=[v or i in unmade for i, v in enumerate(f.marks.later_edges)])
        return replace(f, marks=marks)
    gone = set(unmade)
    kept = [i for i in range(len(f.model.relations)) if i not in gone]
    drawn = replace(f.model, relations=tuple(f.model.relations[i] for i in kept))
    # a note of an arrow left out goes with it (a marker's incoming arrow carries its relation's note)
    layout = replace(f.layout, edges=tuple(f.layout.edges[i] for i in kept)).keep_texts()
    ids = f.marks.edge_ids
    marks = replace(f.marks, later_edges=[f.marks.later_edges[i] for i in kept],
                    edge_ids=None if ids is None else [ids[i] for i in kept])
    return replace(f, model=drawn, layout=layout, marks=marks)


def stage_frames(model: Model, fmt: str = "svg", *, dpi: float | None = None, theme=None,
                 embed_fonts: bool = True, **options) -> list[tuple[str, bytes]]:
    """[(file name, picture)] one per stage, in order: `01-contract.svg`, ...
    (SVGs with their font subset unless `embed_fonts` is False)."""
    from .dot import resolve_theme

    theme = resolve_theme(theme)
    geometry, fs = _frames(model, theme=theme, **options)
    theme = geometry.theme(theme)  # fitted to a page: the size it was laid out at
    if fmt == "svg":
        pictures = _svgs(model, geometry, fs, theme, options.get("later", "hidden"), options.get("lint", False),
                         embed_fonts)
    else:
        pictures = _draw_all(fs, fmt, theme, dpi)
    return [(frame_file_name(f.stage, len(model.stages), fmt, f.page), data) for f, data in zip(fs, pictures)]


# Frames are drawn in forked workers, one per core (up to MAX_WORKERS), when
# together they hold this many boxes: Graphviz holds the GIL, so threads would
# not help, and below this a fork costs more than it saves.
PARALLEL_ABOVE = 400
MAX_WORKERS = 4


def _draw_all(fs: list[Frame], fmt: str, theme, dpi, embed_fonts: bool = True) -> list[bytes]:
    """Every frame drawn, in order; on several cores, in forked workers that
    take every n-th frame (frames grow stage by stage, so each gets a fair share)."""
    from .._process import map_forked

    def draw(f: Frame) -> bytes:
        return draw_frame(f, fmt, theme=theme, dpi=dpi, embed_fonts=embed_fonts)

    if sum(len(f.model.deliverables) for f in fs) < PARALLEL_ABOVE:
        return [draw(f) for f in fs]
    return map_forked(draw, fs, "drawing the frames", MAX_WORKERS)


def flipbook(model: Model, fmt: str = "html", **options) -> bytes:
    """The flip-book as one file: `html` (a page with a stage slider, and
    the font subset of its frames unless `embed_fonts` is False), `pdf` (a
    page per stage), `pptx` (a slide per stage) or `drawio` (a draw.io page
    per stage); over several pages, a frame per stage and page."""
    return counted_flipbook(model, fmt, **options)[0]


def counted_flipbook(model: Model, fmt: str = "html", *, dpi: float | None = None, theme=None,
                     embed_fonts: bool = True, **options) -> tuple[bytes, int]:
    """`flipbook`, and how many frames it holds (the CLI says it)."""
    from .dot import resolve_theme

    if fmt not in FLIPBOOK_FORMATS:
        raise ValueError(f"a flip-book file is one of {', '.join(FLIPBOOK_FORMATS)}, not {fmt!r}; "
                         f"{', '.join(FRAME_FORMATS)} give one file per stage (stage_frames)")
    theme = resolve_theme(theme)
    geometry, fs = _frames(model, theme=theme, **options)
    theme = geometry.theme(theme)  # fitted to a page: the size it was laid out at
    if fmt in ("pptx", "pdf", "drawio"):
        return _paged_file(fs, fmt, theme, dpi, embed_fonts, model), len(fs)
    from .flipbook_html import flipbook_html
    from .webfont import page_font_css

    svgs = _svgs(model, geometry, fs, theme, options.get("later", "hidden"), options.get("lint", False),
                 embed_fonts=False)
    return flipbook_html(model, [(f.stage, f.model.title if geometry.paged else frame_title(model, f.stage), data,
                                  f.page)
                                 for f, data in zip(fs, svgs)],
                         font_css=page_font_css(svgs, 'the flip-book') if embed_fonts else ""), len(fs)
