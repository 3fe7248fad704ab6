"""Every piece of text a picture writes, placed: the layout stage knows
where each is, so a writer only draws it and a check (collisions.py) can
see them all.

    note_carriers(model)        which relation writes each relation note
    exit_numbers(model)         exit criterion -> the stage number it ends
    exit_tag_box(box, n, dir)   where the "EXIT n" tag of a box goes
    collect(layout, model, ...) the Layout's `texts`
"""

from __future__ import annotations

import unicodedata

from ..language.model import Model
from .geometry import Box, Layout, TextItem

# Graphviz's margins around a box's label (BOX_MARGIN, in points) and a
# legend sample box's (LEGEND_MARGIN)
LABEL_MARGIN = (0.14 * 72, 0.07 * 72)
LEGEND_LABEL_MARGIN = (0.08 * 72, 0.04 * 72)
# a box is never smaller than Graphviz's default node size (at the theme's
# 12 pt; with smaller text, smaller in proportion: see min_box)
MIN_BOX = (54.0, 36.0)
MIN_BOX_TEXT = 12.0


def min_box(font_size: float) -> tuple[float, float]:
    """The smallest box at `font_size`: MIN_BOX, in proportion below 12 pt. A
    page's 7 pt text in 12 pt's minimum boxes left two-line labels a third
    of their box's height in margins, and a lane of them a third taller."""
    k = min(1.0, font_size / MIN_BOX_TEXT)
    return MIN_BOX[0] * k, MIN_BOX[1] * k

EXIT_TAG_HEIGHT = 14.0
EXIT_TAG_FONT_SIZE = 8.0
EXIT_TAG_GAP = 3.0     # TB: between a box's right side and its tag


MARKER_PREFIX = "\u2063offpage:"   # an off-page marker's name (fit.py): invisible, no deliverable starts so


def is_marker(name: str) -> bool:
    """Whether a deliverable is an off-page marker (named MARKER_PREFIX...)."""
    return name.startswith(MARKER_PREFIX)


# a drill-down's tag naming another cluster (views.in_context): drawn as a marker, and
# kept on the page of the one deliverable it is joined to (fit.py)
CONTEXT_PREFIX = MARKER_PREFIX + "cluster:"


def is_context_tag(name: str) -> bool:
    """Whether a deliverable is a drill-down's tag naming another cluster."""
    return name.startswith(CONTEXT_PREFIX)


WRAP_EM = 20.0   # a box's text line wider than this many ems (a CJK character is one) is wrapped
# no line starts with these: they stay at the end of the line before (kinsoku)
_NO_START = set("、。，．・：；？！）」』】〕〉》”’ー々,.;:!?)]}%")


def box_label(d) -> str:
    """The text of a deliverable's box: its label, then its owners, each
    line wider than WRAP_EM wrapped (`wrap_line`). An off-page marker's text
    is never wrapped (it is one short line by construction)."""
    if d.name.startswith(MARKER_PREFIX):
        return d.display
    lines = d.display.split("\n")
    if d.owners:
        lines.append("(" + ", ".join(d.owners) + ")")
    return "\n".join(wrapped for line in lines for wrapped in wrap_line(line))


def text_em(text: str) -> float:
    """A text's width in ems, roughly: a CJK (wide) character 1, any other 0.55."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.55 for c in text)


def wrap_line(line: str, width: float = WRAP_EM) -> list[str]:
    """`line` as lines no wider than `width` ems where it can break: at
    spaces, and between two CJK characters (never before a closing mark or
    punctuation); a word wider than a line stays whole. A line that fits is
    left as it is (a label of 90 characters made a box 500 pt wide)."""
    if text_em(line) <= width:
        return [line]
    # tokens: (text, space before it); a CJK character is a token of its own
    tokens: list[tuple[str, bool]] = []
    word, space = "", False
    for c in line:
        if c.isspace():
            if word:
                tokens.append((word, space))
                word = ""
            space = True
        elif unicodedata.east_asian_width(c) in "WF":   # (ASCII punctuation stays in its word: window.pwned)
            if word:
                tokens.append((word, space))
                word, space = "", False
            tokens.append((c, space))
            space = False
        else:
            word += c
    if word:
        tokens.append((word, space))
    out, cur, cur_em = [], "", 0.0
    for text, space in tokens:
        gap = " " if space and cur else ""
        em = text_em(text)
        if cur and cur_em + text_em(gap) + em > width and text[0] not in _NO_START:
            out.append(cur)
            cur, cur_em = text, em
        else:
            cur, cur_em = cur + gap + text, cur_em + text_em(gap) + em
    if cur:
        out.append(cur)
    return out


TITLE_ROOM = 0.9      # of a page's width, in ems at the title's size: text_em is an estimate for Latin text
TITLE_RESERVE = 5.0   # ems left free on each line: what a page adds to the title's last, " (12/12)", " (p. 12)"


def wrap_title(title: str, width: float, size: float) -> str:
    """A picture's title as lines that fit `width` points at `size` pt
    (`wrap_line`: at spaces and between CJK characters), each of its own
    lines wrapped; a title that fits is left as it is. A title of 130
    characters made a page's picture wider than the page."""
    room = max(WRAP_EM, width / size * TITLE_ROOM - TITLE_RESERVE)
    return "\n".join(wrapped for line in title.split("\n") for wrapped in wrap_line(line, room))


def relation_owner(r) -> str:
    """How a relation is named in texts and problems: `a -> b`."""
    return f"{r.source} {r.arrow} {r.target}"


def note_carriers(model: Model) -> list[bool]:
    """For each relation, whether its route writes the relation's note.
    A statement `a, b ~> c [note: "..."]` gives every one of its relations
    the note; it is written once, beside the first relation into the last
    deliverable the statement names. The same note on the same relation
    written by another statement too is written once (two identical texts,
    one over the other, said nothing more)."""
    out = [False] * len(model.relations)
    done = set()
    pairs = set()   # (source, target, kind, note) of the carriers so far
    relations = model.relations
    # the relations of one statement share its span (and its note)
    last_target: dict[tuple, str] = {}
    for r in relations:
        if r.note:
            last_target[(r.span, r.note)] = r.target
    for k, r in enumerate(relations):
        if not r.note:
            continue
        key = (r.span, r.note)
        if key not in done and r.target == last_target[key]:
            done.add(key)
            pair = (r.source, r.target, r.kind, r.note)
            out[k] = pair not in pairs
            pairs.add(pair)
    return out


def exit_numbers(model: Model) -> dict[str, int]:
    """Each exit criterion (a deliverable of the model) -> the number of
    the stage it ends (1 for the first stage)."""
    out: dict[str, int] = {}
    for st in model.stages.values():
        for x in st.exits:
            if x in model.deliverables:
                out[x] = st.index + 1
    return out


def exit_tag_text(number: int) -> str:
    return f"EXIT {number}"


def exit_tag_width(number: int, font_size: float = EXIT_TAG_FONT_SIZE) -> float:
    return (10.0 + 5.6 * len(exit_tag_text(number))) * font_size / EXIT_TAG_FONT_SIZE


def exit_tag_font_size(min_text: float | None = None) -> float:
    """The tags' text size: 8 pt, or the page's minimum when that is larger
    (a tag on a slide is as readable as the rest)."""
    return max(EXIT_TAG_FONT_SIZE, min_text or 0.0)


def exit_tag_box(box: Box, number: int, direction: str = "LR", font_size: float = EXIT_TAG_FONT_SIZE) -> Box:
    """The "EXIT n" tag of an exit criterion's box. LR: on the box's top
    edge, at its right, mostly above it (the box's text stays readable and
    routes, which leave and enter at the sides, never reach it). TB (routes
    enter at the top): beside the box's top right corner, outside it."""
    w = exit_tag_width(number, font_size)
    h = EXIT_TAG_HEIGHT * font_size / EXIT_TAG_FONT_SIZE
    if direction == "TB":
        return Box(box.right + EXIT_TAG_GAP + w / 2, box.top + h / 2, w, h)
    return Box(box.right - 6.0 - w / 2, box.top - h / 2 + 3.0, w, h)


def exit_tag_room(box_size: tuple[float, float], number: int, direction: str,
                  font_size: float = EXIT_TAG_FONT_SIZE) -> tuple[float, float]:
    """How far the tag of a box of `box_size` reaches past the box across
    the flow, (before, after): what the layout keeps free beside it."""
    w, h = box_size
    box = Box(0.0, 0.0, w, h)
    tag = exit_tag_box(box, number, direction, font_size)
    if direction == "TB":
        return max(0.0, box.left - tag.left), max(0.0, tag.right - box.right)
    return max(0.0, box.top - tag.top), max(0.0, tag.bottom - box.bottom)


def label_block(box: Box, measured: tuple[float, float] | None) -> Box:
    """The text block inside a box: as measured (the label's size with its
    margins, before the minimum box size), else the box less its margins."""
    mx, my = LABEL_MARGIN
    w, h = measured if measured is not None else (box.width, box.height)
    return Box(box.x, box.y, max(0.0, w - 2 * mx), max(0.0, h - 2 * my))


def collect(layout: Layout, model: Model, labels: dict[str, tuple[float, float]] | None = None,
            exits: bool = False, tag_font: float = EXIT_TAG_FONT_SIZE) -> tuple[TextItem, ...]:
    """The texts of `layout` (a layout of `model`): the title, each box's
    label, each note written, each group's and stage's title, with `exits`
    each exit criterion's tag, and the legend's entries. `labels`: the
    measured size of each box's label with its margins (Sizes.labels)."""
    out: list[TextItem] = []
    if layout.title is not None and model.title:
        out.append(TextItem("title", "", model.title, layout.title))
    for name, box in layout.nodes.items():
        d = model.deliverables.get(name)
        if d is not None and box is not None:
            out.append(TextItem("label", name, box_label(d), label_block(box, (labels or {}).get(name))))
    if exits:
        for name, number in exit_numbers(model).items():
            box = layout.nodes.get(name)
            if box is not None:
                out.append(TextItem("exit", name, exit_tag_text(number),
                                    exit_tag_box(box, number, layout.direction, tag_font)))
    for r, e in zip(model.relations, layout.edges):
        if r.note and e.label is not None:
            out.append(TextItem("note", relation_owner(r), r.note, e.label))
    for name, box in layout.group_labels.items():
        g = model.groups.get(name)
        if g is not None and name in layout.groups:
            out.append(TextItem("group", name, g.display, box))
    for c in layout.columns:
        out.append(TextItem("stage", c.stage, c.label, c.label_box))
    mx, my = LEGEND_LABEL_MARGIN
    for item in layout.legend_items:
        b = item.box
        if item.kind != "header" and not item.points:  # a sample box: its text inside
            b = Box(b.x, b.y, max(0.0, b.width - 2 * mx), max(0.0, b.height - 2 * my))
        out.append(TextItem("legend", item.kind, item.text, b))
    return tuple(out)


def columns_tag_exits(layout) -> bool:
    """Whether a layout's stage columns come with "EXIT n" tags on the exit
    criteria: the roadmap's do; a page's stage captions (columns too, see
    `prep.layouter.fit_caption`) do not, and its texts say so."""
    return bool(layout.columns) and (not layout.texts or any(t.kind == "exit" for t in layout.texts))

