"""Fitting a model to a page by layout, never by shrinking text.

    fit_pages(model, page, ...) -> [Sheet]    one per page, in reading order
    fit_one_page(page, lay, ...)              one page or None (stage pictures)

In order, until the model fits at a text size the page allows (no text
drawn, box labels, notes, legend entries, markers or EXIT tags, below the
page's `min_text`: `small_size`):

1. **one page**: the theme's font size, then smaller down to the page's
   minimum; the usual spacing, then ranks closer, then boxes closer too
   (`PAGE_GAPS`); the direction given, else the page's own first;
2. **wrapped and paginated**: at the minimum size the model is cut into
   pieces, in three ways, at its stages, along its flow (runs of its
   layers) and in blocks (a grid over the whole drawing); each piece is the
   longest run in flow order that fits the room a page has left (its size
   first estimated from the whole drawing, `fit_estimate`, then checked
   with a layout or two); neighbours that fit together are merged; the
   pieces are laid out on their own, ranks and boxes closer than in a
   picture of their own, and packed on a skyline (`fit_pack`: rows for a
   left-to-right drawing, columns for top-to-bottom, a piece going into
   the room beside and under shallower ones), as many as a page holds, the
   rest on the next pages. A piece cut at stages is framed and titled with
   its stage (`fit_caption`). Every way is tried in both directions
   (unless one is given) and the fewest pages win.

A relation cut by a piece boundary becomes two **off-page markers**: at
its source "→ 見積書, p. 3" (where the result is drawn), at its target
"顧客の要望, p. 1 →" (where the input comes from); the relations of a piece
to one other page share a marker ("→ 見積書 +2, p. 3"), at most three each
way. A piece holds at least one deliverable, so a page never holds only
arrows.

Every sheet's layout is the page itself: `width`/`height` are the page's,
the drawing sits inside the page's margins, and `Layout.page` names it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..language.model import Deliverable, Group, Model, Relation, Stage
from .geometry import Box, Layout, TextItem, shift
from . import TITLE_EXTRA, small_size
from .._words import continued as continued_label, pages as said_pages
from .page import Page
from .fit_cut import chunks_of, flow_order, layers_of, tiles
from .fit_pack import leftover, overflow, pack, spots
from .fit_wrap import wrapped
from .texts import MARKER_PREFIX, is_context_tag, is_marker, wrap_title   # an off-page marker's name starts with MARKER_PREFIX

TITLE_GAP = 10.0      # below a page's title
MAX_MARKERS = 3       # a piece's markers each way: the rest gathered into the last one
PAGE_RANK_GAP = 0.3   # pieces on a page: ranks this much closer than in a picture of its own
PAGE_LATERAL_GAP = 0.35   # ... and boxes, edges and frames across the flow
# a picture fitted to one page: its usual spacing, then ranks closer, then boxes closer too
# ((rank gap, lateral gap) as shares of the usual), as a page's pieces are
PAGE_GAPS = ((1.0, 1.0), (PAGE_RANK_GAP, 1.0), (PAGE_RANK_GAP, PAGE_LATERAL_GAP))
CUT_GAP = PAGE_GAPS[1]   # the whole drawing a model that needs pages is cut from (its order, its tiles)
SLACK = 1.0           # a piece is cut to fit this share of the page (its provisional markers are already the longest)
MAX_LABEL = 24        # characters of the other end's label shown in a marker
MIN_RUN = 3           # the fewest deliverables a page's leftover room is filled with
FORK_FROM = 60        # deliverables from which both directions' first layouts are made side by side
WAY_GROUPS = 2        # the ways of cutting are tried in this many groups (side by side on as many cores)


@dataclass(frozen=True)
class Marker:
    """An off-page marker: the other end of a cut relation, and its page."""
    name: str          # the marker's node name in the sheet's model
    others: tuple[str, ...]   # the deliverables at the other ends
    outgoing: bool     # True: the relations leave this page towards `others`
    text: str
    pages: tuple[int, ...] = ()   # every page the ends are on (1-based), in order
    relations: tuple[int, ...] = field(default=(), compare=False)   # the cut relations (model.relations indices)

    @property
    def page(self) -> int:
        """The first page its ends are on (0 before the pages are known)."""
        return self.pages[0] if self.pages else 0

    def as_dict(self) -> dict:
        return {"others": list(self.others), "page": self.page, "pages": list(self.pages), "direction": "out" if self.outgoing else "in",
                "text": self.text}


@dataclass(frozen=True)
class Sheet:
    """One page: the part of the model it draws (markers included, as
    deliverables named `MARKER_PREFIX...`) and its layout on the page."""
    model: Model
    layout: Layout
    number: int
    count: int
    font_size: float
    direction: str
    markers: tuple[Marker, ...] = ()
    split: str = "none"   # none | stages | layers: how the model was cut


# the arrow of a marker whose other end is on its own page, pointing the way the relation
# runs on the page (`_said_where`): as wide as the "→" it stands for, so no box changes
ARROWS = "↓↑→←"


def marker_text(model: Model, others: list[str], outgoing: bool, pages: list[int] | None,
                here: int | None = None, digits: int = 2) -> str:
    """The text of an off-page marker whose other ends are `others` (of
    `model`) on `pages`, drawn on page `here`: "→ 見積書, p. 3"; for
    several ends "→ 見積書 +2, pp. 3, 5" (at most three pages, then "…").
    Without pages yet (`pages` None) the longest
    the text can become, so that the final text never needs more room
    (page numbers of `digits` digits)."""
    d = model.deliverables[others[0]]
    # its label's first line; an empty label (`deliverable a ""`) is named (", p. 1 →" said nothing)
    label = next((line.strip() for line in d.display.split("\n") if line.strip()), d.name)
    label = label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…"
    names = label + (f" +{len(others) - 1}" if len(others) > 1 else "")
    if pages is None:   # (two-digit counts, pages of `digits`: one text for each end, measured up front)
        names = label + (" +00" if len(others) > 1 else "")
        n = "0" * digits
        where = said_pages([n]) if len(others) == 1 else said_pages([n, n, n], more=True)
    else:
        if all(p == here for p in pages):   # on this page: the names are enough (the arrow: `_said_where`)
            return f"→ {names}" if outgoing else f"{names} →"
        where = marker_pages(pages, here)
    return f"→ {names}, {where}" if outgoing else f"{names}, {where} →"


def marker_pages(pages: list[int], here: int | None) -> str:
    """Where a marker's other ends are, as its text says it: "p. 3", "pp. 3, 5"."""
    # some on this page too: it is named with the others ("+4, pp. 1, 5" on page
    # 2 said all five were elsewhere), when all fit in the three listed (past
    # three, the first three others and "…", which then stands for this one too)
    shown = list(pages) if len(pages) <= 3 else [p for p in pages if p != here]
    return said_pages(shown[:1] if len(shown) == 1 else shown[:3], more=len(pages) > 3)


def with_marker_texts(drawn, texts: dict[str, str]):
    """`drawn` (anything with a `model` and its `layout`: a Sheet, a stage's
    Frame) with its off-page markers `texts` ({marker name: text}) in the
    model and among the layout's texts; each text no longer than the one
    its box was measured for."""
    deliverables = {n: (replace(d, label=texts[n]) if n in texts else d) for n, d in drawn.model.deliverables.items()}
    items = tuple(TextItem(t.kind, t.owner, texts[t.owner], t.box) if t.kind == "label" and t.owner in texts else t
                  for t in drawn.layout.texts)
    return replace(drawn, model=replace(drawn.model, deliverables=deliverables),
                   layout=replace(drawn.layout, texts=items))


def fit_pages(model: Model, page: Page, *, direction: str | None = None, font: str | None = None,
              font_size: float = 12.0, legend: bool = False, health: bool = False, view: str = "diagram",
              engine: str = "prep", exit_tags: bool | None = None, diff_legend: bool = False,
              stage_legend: str | None = None, first_page: int = 1,
              ways: tuple[str, ...] | None = None) -> list[Sheet]:
    """The model laid out on as few pages as fit at a readable size (see the
    module's docstring). `direction` None: prep chooses. `exit_tags`: room
    for the "EXIT n" tags (the stage pictures draw them; default: in the
    roadmap view). `diff_legend`: the legend explains a diff's marks too
    (added, removed, changed: an As-Is or To-Be half on pages of its own);
    `stage_legend` ("hidden" or "faint", as `later`): the marks of a stage's
    picture too (new in this stage, the EXIT tag; the flip-book's pages).
    `first_page`: the number of the first page in the file the pages go
    in (after other pictures' pages): the markers name the file's pages,
    and are measured with those numbers (a third digit added afterwards
    ran 7.5 pt past its box). The sheets are numbered from 1 still.
    `ways`: the ways of cutting to choose from ("stages", "layers",
    "tiles"; None: every way that applies), as two halves of a change cut
    alike."""
    from .layered import orders_kept

    with orders_kept():   # each graph's ranks and order once, whatever its sizes, gaps and direction
        return _fit_pages(model, page, direction=direction, font=font, font_size=font_size, legend=legend,
                          health=health, view=view, engine=engine, exit_tags=exit_tags, diff_legend=diff_legend,
                          stage_legend=stage_legend, first_page=first_page, only=ways)


def _fit_pages(model: Model, page: Page, *, direction: str | None, font: str | None, font_size: float,
               legend: bool, health: bool, view: str, engine: str, exit_tags: bool | None, diff_legend: bool,
               stage_legend: str | None, first_page: int = 1, only: tuple[str, ...] | None = None) -> list[Sheet]:
    from . import layout as lay_out, measure
    from .fonts import FONT_FAMILY

    font = font or FONT_FAMILY
    sizes_to_try = font_sizes(page, font_size)
    smallest = sizes_to_try[-1]
    directions = [direction.upper()] if direction else (["LR", "TB"] if page.width >= page.height else ["TB", "LR"])
    title = model.title or Path(model.path).stem

    def titled(size: float) -> Model:
        """The model with its title in lines that fit the page at `size`
        (a title of 130 characters made the picture wider than its page)."""
        return replace(model, title=wrap_title(title, page.inner_width, size + TITLE_EXTRA))

    whole = titled(smallest)   # what the pages are cut from: at the smallest size
    gaps = PAGE_GAPS if engine == "prep" else PAGE_GAPS[:1]

    measured: dict[float, object] = {}   # font size -> Sizes: Graphviz measures each size once

    def lay(size: float, d: str, gap: tuple[float, float]) -> Layout:
        if engine == "prep" and size not in measured:
            measured[size] = measure(titled(size), font=font, font_size=size, legend=legend, health=health,
                                     min_text=page.min_text, diff_legend=diff_legend, stage_legend=stage_legend)
        return lay_out(titled(size), direction=d, font=font, font_size=size, engine=engine, legend=legend,
                       min_text=page.min_text, health=health, view=view, exit_tags=exit_tags, rank_gap=gap[0],
                       lateral_gap=gap[1], sizes=measured.get(size), diff_legend=diff_legend,
                       stage_legend=stage_legend, legend_room=page.inner_width)

    laid: dict[tuple, Layout] = {}   # (size, direction, gap) -> the whole model laid out so
    if engine == "prep" and len(directions) > 1 and len(whole.deliverables) >= FORK_FROM:
        # the first layouts _first_fit makes, the smallest text in each direction, side by side
        # on two cores (a model this large rarely fits one page: they are what the ways cut)
        from .._process import map_forked

        measured[smallest] = measure(whole, font=font, font_size=smallest, legend=legend, health=health,
                                     min_text=page.min_text, diff_legend=diff_legend, stage_legend=stage_legend)
        got = map_forked(lambda d: lay(smallest, d, CUT_GAP), directions, "laying out")
        laid.update({(smallest, d, CUT_GAP): placed for d, placed in zip(directions, got)})
    best = _first_fit(page, lay, sizes_to_try, gaps, directions, laid)
    if best is not None:
        size, d, placed = best
        return [Sheet(titled(size), on_page(placed, page), 1, 1, size, d)]
    if engine != "prep":
        from ..language.diagnostics import PrepError

        raise PrepError.at(model.path, f"the model does not fit one {page.name} page with the {engine} engine",
                           name="usage-error", hint="leave out --engine: prep's engine wraps and paginates "
                                                    "a model to its page")
    # every way of cutting in both directions when prep chooses: the fewest pages (a
    # tie: the earlier way, the page's own direction)
    ways = (("stages", "layers", "tiles") if model.stages and view != "roadmap" else
            ("stages", "layers") if model.stages else ("layers", "tiles"))
    if only is not None:
        ways = tuple(w for w in ways if w in only) or ways
    tried = [(d, by) for d in directions for by in ways]
    # what every way measures alike (the boxes, the markers' longest texts), measured once here
    shared: dict = {}
    _Pager(whole, page, directions[0], font, smallest, legend, health, view, exit_tags, diff_legend, shared,
           stage_legend=stage_legend)
    flows: dict[str, tuple] = {}   # direction -> the whole drawing's layers and layout, in this process

    def paginate(reserve: bool) -> list[Sheet]:
        def attempt(way: tuple[str, str], done_best: dict[str, int]):
            d, by = way
            if d not in flows:
                # one whole layout for every way: the one that did not fit one page (the order of
                # its boxes is what the pieces keep; spacing and title do not change it)
                done = (laid.get((smallest, d, CUT_GAP)) or lay(smallest, d, CUT_GAP)) if not legend else None
                flows[d] = layers_of(done, d) if done is not None else flow_order(whole, d, smallest, font, view,
                                                                                     page.min_text)
            # a way is given up once it fills as many pages as the best of its group so far (one
            # more while that best leaves its last page a fragment: as many pages may do better)
            best = done_best.get("best")
            got = _fill(whole, page, d, font, smallest, legend, health, view, by, exit_tags, flows[d],
                        None if best is None else best[0] + best[1], diff_legend=diff_legend, shared=shared,
                        reserve_legend=reserve, stage_legend=stage_legend, first_page=first_page)
            if got is None:
                return None
            sheets, state = _finish(whole, *got)
            done_best["best"] = min(_rank(sheets), best or _rank(sheets))
            return sheets, state

        def best_of(group: list[tuple[str, str]]) -> tuple[tuple, list[Sheet]] | None:
            """The fewest pages of a group of ways (a tie: one whose last page
            is not a fragment, then the earlier way), untangled."""
            done_best: dict[str, tuple] = {}  # the best (pages, fragment) of this group so far
            found = [(_rank(got[0]), tried.index(way), got[1]) for way in group
                     if (got := attempt(way, done_best)) is not None]
            if not found:
                return None
            rank, index, state = min(found, key=lambda f: f[:2])
            return (rank, index), _untangled(whole, state)

        from .._process import map_forked

        # two groups, each every other way of this order: both directions' ways shared out (a
        # direction each left one core idle while the other's slower ways ran on); each group
        # gives up a way by its own earlier ways only and untangles the best of its ways, the
        # fewest pages of all win (a tie: the earlier way). Always two groups, on one core one
        # after the other: the pages are the same on every machine (a group per core gave a
        # 50-deliverable model 4 pages of 4:3 on one core and 3 on two)
        order = sorted(tried, key=lambda w: (ways.index(w[1]), directions.index(w[0]) if ways.index(w[1]) % 2 == 0
                                             else -directions.index(w[0])))
        groups = [order[k::WAY_GROUPS] for k in range(WAY_GROUPS) if order[k::WAY_GROUPS]]
        results = [r for r in map_forked(best_of, groups, "fitting to pages") if r is not None]
        return min(results, key=lambda r: r[0])[1]

    # a legend goes on every page with room for it; only when none has, the first page keeps
    # room for it (cs-lifecycle on A4 took a third page for the room its first page kept, with
    # room to spare on the second)
    # A diff's legend explains its change marks, which every page draws: it goes on the first
    # page (the key was on the last slide of order-to-cash's change, three slides of marks after)
    best = paginate(reserve=False) if legend else None
    if best is None or (best[0].layout.legend is None if diff_legend else
                        not any(s.layout.legend is not None for s in best)):
        best = paginate(reserve=True)
    # a relation between two pieces of one page: an arrow routed between them, not two markers
    return [_said_where(replace(s, **dict(zip(("model", "layout", "markers"),
                                              wrapped(whole, s.model, s.layout, s.markers, s.number)))))
            for s in best]


def _said_where(sheet: Sheet) -> Sheet:
    """`sheet` with each marker whose other ends are all on its own page
    pointing its arrow the way the relation runs on the page: "↓ 顧客合意
    +2" (it goes on to 顧客合意, in a lower row), "成功計画 +2 ↓" (it comes
    down from 成功計画, in a higher row); "→" and "←" along a row. With
    "→" and no page number it read as "elsewhere", and a reader looked for
    顧客合意 on the other slides while it stood a piece below. (`wrapped`
    draws such a relation as an arrow where it can; these are the rest.)
    Every arrow is as wide as the "→" it replaces: no box changes."""
    nodes = sheet.layout.nodes
    band = _bands(nodes, sheet.direction)
    texts, markers = {}, []
    for mk in sheet.markers:
        if mk.pages and all(p == sheet.number for p in mk.pages) and mk.name in nodes and mk.others[0] in nodes:
            text = with_arrow(mk.text, mk.outgoing, _arrow(sheet.direction, nodes[mk.name], nodes[mk.others[0]],
                                                           mk.outgoing, band[mk.name] == band[mk.others[0]]))
            texts[mk.name] = text
            mk = replace(mk, text=text)
        markers.append(mk)
    if not texts:
        return sheet
    return replace(with_marker_texts(sheet, texts), markers=tuple(markers))


def _bands(nodes: dict[str, Box], direction: str) -> dict[str, int]:
    """{box: its band}: the rows of a left-to-right page (the columns of a
    top-to-bottom one) that the pieces stand in, each the boxes whose
    extents across the flow overlap, a gap between one band and the next."""
    lr = direction == "LR"
    spans = sorted(((b.y - b.height / 2, b.y + b.height / 2) if lr else (b.left, b.right), name)
                   for name, b in nodes.items())
    out, k, reach = {}, -1, float("-inf")
    for (low, high), name in spans:
        if low > reach:
            k += 1
        reach = max(reach, high)
        out[name] = k
    return out


def _arrow(direction: str, here: Box, there: Box, outgoing: bool, same_band: bool) -> str:
    """The way a relation between a marker (`here`) and its other end
    (`there`) runs on the page: from the marker to the end when it goes out,
    from the end to the marker when it comes in. In the marker's own band
    (its row of a left-to-right page, column of a top-to-bottom one), along
    the flow: "↓" to a later layer of a top-to-bottom page wherever it
    stands across ("→ 設計日程表-10 +3" pointed right at ends three rows
    below); in another band, the way to that band: below or above on a
    left-to-right page, right or left on a top-to-bottom one."""
    dx, dy = there.x - here.x, there.y - here.y
    if not outgoing:
        dx, dy = -dx, -dy
    along = ("→" if dx > 0 else "←") if direction == "LR" else ("↓" if dy > 0 else "↑")
    across = ("↓" if dy > 0 else "↑") if direction == "LR" else ("→" if dx > 0 else "←")
    return along if same_band else across


def with_arrow(text: str, outgoing: bool, arrow: str) -> str:
    """A marker's text with its arrow (first when it goes out, last when it
    comes in) replaced by `arrow`."""
    if outgoing and text[:1] in ARROWS:
        return arrow + text[1:]
    if not outgoing and text[-1:] in ARROWS:
        return text[:-1] + arrow
    return text


# ---------------------------------------------------------------- one page


def font_sizes(page: Page, font_size: float) -> list[float]:
    """The box text sizes to try, largest first: the theme's, then down to
    the page's minimum (notes and the legend, normally 2 pt smaller, are
    then drawn at the minimum too: `small_size`)."""
    lowest = page.min_text
    return sorted({max(font_size, lowest)} | {s for s in (lowest + 2, lowest + 1, lowest) if s < font_size},
                  reverse=True)


def fit_one_page(page: Page, lay, *, direction: str | None = None, font_size: float = 12.0):
    """(font size, direction, layout on the page) of the first way the
    drawing `lay(font_size, direction, (rank_gap, lateral_gap)) -> Layout`
    fits one page:
    the theme's font size, then smaller down to the page's minimum; the
    usual spacing, then ranks closer, then boxes closer too (`PAGE_GAPS`);
    the direction given, else LR and TB (the page's own first). None when
    it does not fit one page."""
    from .layered import orders_kept

    directions = [direction.upper()] if direction else (["LR", "TB"] if page.width >= page.height else ["TB", "LR"])
    with orders_kept():
        found = _first_fit(page, lay, font_sizes(page, font_size), PAGE_GAPS, directions)
    if found is None:
        return None
    size, d, placed = found
    return size, d, on_page(placed, page)


def _first_fit(page: Page, lay, sizes: list[float], gaps: tuple[tuple[float, float], ...], directions: list[str],
               tried: dict | None = None):
    """(size, direction, layout) of the first of the sizes (largest first),
    gaps and directions whose layout `lay(size, direction, gap)` fits the
    page, or None. The smallest text with the tightest gap is tried first
    in each direction: a direction that does not fit so is not tried larger
    (a drawing grows with its text), and a model that fits in neither goes
    straight to pages (the sizes in between cost a layout each, for
    nothing, on every model that needs pages); the largest size that fits
    is then found by bisection, a few layouts instead of one per size, gap
    and direction. `tried` gathers the layouts made, keyed (size,
    direction, gap)."""
    tried = {} if tried is None else tried

    def fits(size: float, d: str, gap: tuple[float, float]) -> bool:
        if (size, d, gap) not in tried:
            tried[size, d, gap] = lay(size, d, gap)
        placed = tried[size, d, gap]
        return placed.width <= page.inner_width and placed.height <= page.inner_height

    def hopeless(size: float, d: str, gap: tuple[float, float]) -> bool:
        """Boxes closer across the flow cannot help a drawing that, with the
        same ranks, is already too long along it (a layout saved)."""
        k = gaps.index(gap)
        looser = gaps[k - 1] if k > 0 else None
        if looser is None or looser[0] != gap[0] or (size, d, looser) not in tried:
            return False
        placed = tried[size, d, looser]
        return (placed.width > page.inner_width) if d == "LR" else (placed.height > page.inner_height)

    directions = [d for d in directions if not hopeless(sizes[-1], d, gaps[-1]) and fits(sizes[-1], d, gaps[-1])]
    if not directions:
        return None
    # the largest size that fits with the tightest gap, by bisection in each
    # direction (the first fit of the order above is at the largest of them)
    largest = len(sizes) - 1
    for d in directions:
        good, bad = len(sizes) - 1, -1          # indices: sizes[good] fits, sizes[bad] does not (-1: beyond)
        while good - bad > 1:
            mid = (good + bad) // 2
            if fits(sizes[mid], d, gaps[-1]):
                good = mid
            else:
                bad = mid
        largest = min(largest, good)
    size = sizes[largest]
    for gap, d in [(g, d) for g in gaps for d in directions]:
        if fits(size, d, gap):
            return size, d, tried[size, d, gap]
    return None


def on_page(placed: Layout, page: Page) -> Layout:
    """`placed` on a page-sized canvas: centred across the page's printable
    area, from its top, with its title in the top left corner."""
    dx = page.margin + (page.inner_width - placed.width) / 2
    return _title_in_corner(replace(shift(placed, dx, page.margin), width=page.width, height=page.height,
                                    page=page), page)


def _title_in_corner(placed: Layout, page: Page) -> Layout:
    """`placed` (on its page) with its title at the printable area's top
    left corner: every slide's title in one place, as a deck's are. (Each
    picture was centred on its slide, title and all, so the title moved
    from slide to slide: 88/122 pt, then 19/87 pt from the top left.) The
    title stands above everything else and only moves up and left, away
    from it."""
    title = placed.title
    if title is None:
        return placed
    dx, dy = page.margin - title.left, page.margin - title.top
    if dx > 0 or dy > 0:   # never into the picture
        return placed
    moved = Box(title.x + dx, title.y + dy, title.width, title.height)
    texts = tuple(replace(t, box=Box(t.box.x + dx, t.box.y + dy, t.box.width, t.box.height))
                  if t.kind == "title" else t for t in placed.texts)
    return replace(placed, title=moved, texts=texts)


# ---------------------------------------------------------------- pieces


class _Pager:
    """Lays out pieces (sets of deliverables) with their markers."""

    def __init__(self, model: Model, page: Page, direction: str, font: str, size: float, legend: bool,
                 health: bool, view: str, exit_tags: bool | None = None, diff_legend: bool = False,
                 shared: dict | None = None, stage_legend: str | None = None):
        """`shared`: what the pagers of one fitting measure alike (the same
        model, page, font and size: every way of cutting), measured by the
        first and kept there (Graphviz took a tenth of fitting measuring the
        same texts again for each way)."""
        from . import measure

        self.model, self.page, self.direction, self.font, self.size = model, page, direction, font, size
        self.legend, self.health, self.view, self.exit_tags = legend, health, view, exit_tags
        self.diff_legend, self.stage_legend = diff_legend, stage_legend
        # every frame is measured with its title continued: a page draws "<group> (cont.)" on
        # each frame of a group after its first, and a frame sized for the bare title left
        # "(cont.)" past its right edge
        continued = replace(model, groups={n: replace(g, label=continued_label(g.display))
                                           for n, g in model.groups.items()})
        shared = {} if shared is None else shared
        if "sizes" not in shared:
            shared["sizes"] = measure(continued, font=font, font_size=size, legend=legend, health=health,
                                      min_text=page.min_text, diff_legend=diff_legend, stage_legend=stage_legend)
        self.sizes = shared["sizes"]
        self.legend_size = self._legend_size() if legend else (0.0, 0.0)
        self.reserve_legend = True   # the first page keeps room for the legend (else: where there is room)
        self.first_page = 1          # the file's number of the first page (its markers name the file's pages)
        self.title_size = self.sizes.titles.get(model.title, (0.0, 0.0)) if model.title else (0.0, 0.0)
        self.where: dict[str, int] = {}   # deliverable -> page (1-based), once known
        self.where_stage: dict[str, str] = {}   # deliverable -> the stage whose piece holds it
        self.piece_of: dict[str, object] = {}   # deliverable -> its piece (or chunk, while cutting)
        self.compact: set[int] = set()          # pieces with one marker each way (see piece_model)
        self.filled_pages = 0                   # pages filled so far (fill)
        self.beat: int | None = None            # fill gives up at this many pages
        self.hint: dict[str, float] | None = None   # each box's place across the flow in the whole drawing
        from .texts import note_carriers

        self.carriers = note_carriers(model)    # the relation that writes each note, in the whole model
        self.stage_order = {s: i for i, s in enumerate(model.stages)}   # stage -> its place in order
        self.relations_of: dict[str, list[int]] = {}   # deliverable -> its relations (indices, in order)
        # deliverable -> the drill-down's tags beside it (views.in_context): on its page, always (cut
        # apart, a tag stood alone on the next page, and a marker pointed at it: "↓ → 営業課1 +4")
        self.tags_of: dict[str, list[str]] = {}
        for k, r in enumerate(model.relations):
            if is_context_tag(r.source) or is_context_tag(r.target):
                tag, member = (r.source, r.target) if is_context_tag(r.source) else (r.target, r.source)
                self.tags_of.setdefault(member, []).append(tag)
            self.relations_of.setdefault(r.source, []).append(k)
            if r.target != r.source:
                self.relations_of.setdefault(r.target, []).append(k)
        self.layouts: dict[tuple, Layout] = {}  # each distinct piece's layout (lay_out)
        self.marker_sizes: dict[str, tuple[float, float]] = shared.setdefault("markers", {})   # text -> its box
        self.marker_labels: dict[str, tuple[float, float]] = shared.setdefault("labels", {})   # text -> its text block
        self.measure_markers(self.provisional_texts())
        self.sizer = None                       # estimated sizes of runs (set by _fill)
        # pieces cut at the stages of a diagram: each stage's first box in flow order, and
        # each piece captioned with its stage (fit_caption); None: no captions
        self.stage_first: dict[str, str] | None = None
        # pieces of a roadmap: each stage's first box in flow order (a column without it is "(cont.)")
        self.column_first: dict[str, str] | None = None
        self.caption_sizes: dict[str, tuple[float, float]] = {}

    def measure_titles(self, titles: list[str]) -> None:
        """The pages' titles ("… (2/3)"), measured: the tallest is the room
        every page keeps above its pieces."""
        from . import measure

        got = measure(Model(path=self.model.path, title=None, deliverables={}, relations=(), groups={}),
                      font=self.font, font_size=self.size, titles=tuple(titles))
        self.titles = got.titles
        self.title_size = (max(w for w, _ in got.titles.values()), max(h for _, h in got.titles.values()))

    def _legend_size(self) -> tuple[float, float]:
        from .legend import MARGIN as LEGEND_MARGIN, block, strip_fits

        exits = self.view == "roadmap"
        # as `legend.place` puts it when no corner of the first page holds it: one row if that fits
        row = strip_fits(self.sizes.legend, self.health, self.diff_legend, self.stage_legend, exits,
                         self.page.inner_width)
        if row is not None:
            return row
        w, h, _ = block(self.sizes.legend, self.health, self.diff_legend, self.stage_legend, exits=exits)
        return w + 2 * LEGEND_MARGIN, h + 2 * LEGEND_MARGIN

    # -- markers

    def marker_text(self, others: list[str], outgoing: bool, pages: list[int] | None, here: int | None = None) -> str:
        """`marker_text` of this pager's model, its pages those of the file
        (`first_page`)."""
        shift = self.first_page - 1
        if pages is not None and shift:
            pages = [p + shift for p in pages]
            here = here + shift if here is not None else None
        # measured for the file's page numbers: three digits once they may pass 99
        return marker_text(self.model, others, outgoing, pages, here, digits=3 if shift > 80 else 2)

    def piece_model(self, names: list[str], final: bool, piece: int = 0) -> tuple[Model, list[Marker]]:
        """The sub-model of `names` with markers for the other ends of cut
        relations: as many each way as other pages (`most`), each gathering
        the boxes that share an end and naming it, with how many more ends
        ("→ 見積書 +4, p. 3"; `_gathered`). (A marker per
        box, or per other end, stood in a column of tags as tall as the
        piece's widest layer: a piece cut from a 9-box layer got 9 more.)
        Page numbers once `final`."""
        if self.tags_of:
            names = list(names) + [t for n in names for t in self.tags_of.get(n, ())]
        keep = set(names)
        m = self.model
        where = self.where_stage or m.effective_stages
        # each box in the stage column its piece is cut from (a source moved to where it is used)
        deliverables = {n: self._staged(n, where) for n in names}
        inner: list[Relation] = []
        cut: dict[bool, list[tuple[Relation, int]]] = {True: [], False: []}   # outgoing -> cut relations
        touching = sorted({k for n in names for k in self.relations_of.get(n, ())})
        for k in touching:
            r, carries = m.relations[k], self.carriers[k]
            if r.note and not carries:
                # the note is written by its statement's one carrier, on its page: a piece
                # that draws another relation of the statement alone would write it again
                r = self._copy(r, ("quiet", k), note=None)
            s_in, t_in = r.source in keep, r.target in keep
            if s_in and t_in:
                inner.append(r)
            elif s_in or t_in:
                cut[s_in].append((r, k))
        gathered = [(outgoing, named, rels) for outgoing in (True, False)
                    for named, rels in self.gathered(cut[outgoing], outgoing, final, piece, names)]
        relations = list(inner)
        markers: list[Marker] = []
        for k, (outgoing, named, rels) in enumerate(gathered):
            others = list(dict.fromkeys(r.target if outgoing else r.source for r, _ in rels))
            mine = [r.source if outgoing else r.target for r, _ in rels]
            here = self.where.get(mine[0]) if final else None
            if final:   # the end named first: one on another page, and of those the one most of
                # the marker's boxes have a relation to (all of them, but in the last marker:
                # `_gathered`), then the nearest; a marker whose other ends are all on its own
                # page names the end its boxes share
                ends: dict[str, set[str]] = {}   # each box drawn into the marker -> its ends
                for r, _ in rels:
                    ends.setdefault(r.source if outgoing else r.target, set()).add(r.target if outgoing else r.source)
                shared = Counter(o for of_box in ends.values() for o in of_box)
                others.sort(key=lambda o: (self.where.get(o) == here, -shared[o], o != named, self.where.get(o, 0)))
            pages = sorted({self.where.get(o, 0) for o in others}) if final else []
            name = f"{MARKER_PREFIX}{piece}:{k}"
            text = self.marker_text(others, outgoing, pages if final else None, here)
            mk = Marker(name, tuple(others), outgoing, text, tuple(pages), tuple(k for _, k in rels))
            markers.append(mk)
            # in the stage column of its ends in the piece: out of boxes of several stages, the last
            # of them (in the first it stood before the later ones' boxes, their arrows turning back)
            column = None
            if m.stages:
                ends = [deliverables[x].stage or where.get(x) for x in dict.fromkeys(mine)]
                ends = [e for e in ends if e in self.stage_order] or [where.get(mine[0])]
                column = (max if outgoing else min)(ends, key=lambda e: self.stage_order.get(e, 0))
            deliverables[name] = Deliverable(name, label=mk.text, external=True, stage=column, declared=False)
            drawn, noted = set(), set()
            # one arrow between a box and its marker: the one with a note, when one has it;
            # one more for each other note (two statements' notes on one pair: each is written)
            for r, rk in sorted(rels, key=lambda rel: rel[0].note is None):
                local = r.source if outgoing else r.target
                note = None if outgoing else r.note
                if (local, r.kind) in drawn if note is None else (local, r.kind, note) in noted:
                    continue   # one arrow between a box and its marker
                drawn.add((local, r.kind))
                if note is not None:
                    noted.add((local, r.kind, note))
                relations.append(self._copy(r, ("marker", rk, r.note is None, name, outgoing),
                                            source=local if outgoing else name, target=name if outgoing else local,
                                            note=None if outgoing else r.note))
        used_groups: set[str] = set()
        for d in deliverables.values():
            g = d.group
            while g is not None and g not in used_groups and g in m.groups:
                used_groups.add(g)
                g = m.groups[g].parent
        stages = {}
        if m.stages:
            present = {d.stage or where.get(d.name) for d in deliverables.values()}
            for s in m.stages.values():
                if s.name in present:
                    stages[s.name] = Stage(s.name, s.label, s.index, tuple(x for x in s.exits if x in keep),
                                           s.note, None, s.span, s.declared,
                                           tuple(x for x in s.members if x in keep))
        sub = Model(path=m.path, title=None, deliverables=deliverables, relations=tuple(relations),
                    groups={n: g for n, g in m.groups.items() if n in used_groups}, source=m.source,
                    stages=stages)
        return sub, markers

    def _copy(self, r: Relation, key: tuple, **changes) -> Relation:
        """`replace(r, **changes)`, made once for each `key` (see `_staged`)."""
        copies = self.__dict__.setdefault("_copies", {})
        got = copies.get(key)
        if got is None:
            got = copies[key] = replace(r, **changes)
        return got

    def _staged(self, name: str, where: dict[str, str]) -> Deliverable:
        """`name`'s deliverable in the stage column `where` gives it, made
        once a pager (a piece model is made over a thousand times for 300
        deliverables: copying each box every time cost a tenth of fitting)."""
        if getattr(self, "_staged_where", None) is not where:
            self._staged_where, self._staged_boxes = where, {}
        box = self._staged_boxes.get(name)
        if box is None:
            d = self.model.deliverables[name]
            box = self._staged_boxes[name] = replace(d, stage=where[name]) if where else d
        return box

    def measure_markers(self, texts) -> None:
        """The size of every marker text not measured yet, in one call to
        Graphviz (a call per text cost more than the layouts)."""
        from . import measure

        missing = list(dict.fromkeys(t for t in texts if t not in self.marker_sizes))
        if not missing:
            return
        extra = measure(Model(path=self.model.path, title=None, relations=(), groups={},
                              deliverables={f"{MARKER_PREFIX}m{i}": Deliverable(f"{MARKER_PREFIX}m{i}", label=t)
                                            for i, t in enumerate(missing)}),
                        font=self.font, font_size=small_size(self.size, self.page.min_text))
        self.marker_sizes.update({t: extra.boxes[f"{MARKER_PREFIX}m{i}"] for i, t in enumerate(missing)})
        self.marker_labels.update({t: extra.labels[f"{MARKER_PREFIX}m{i}"] for i, t in enumerate(missing)
                                   if f"{MARKER_PREFIX}m{i}" in extra.labels})

    def provisional_texts(self) -> list[str]:
        """Every text a marker can have before the pages are known."""
        return [self.marker_text(others, outgoing, None) for name in self.model.deliverables
                for others in ([name], [name, name]) for outgoing in (True, False)]

    def lay_out(self, sub: Model, markers: list[Marker], quick: bool = False) -> Layout:
        """`sub` laid out, once for each distinct piece: the same boxes, the
        same relations and the same marker texts give the same layout (the
        packing lays every piece out again on each attempt). `quick`: in the
        whole drawing's order (`hint`), without crossing reduction of its
        own: what the fill asks of each candidate run is its size."""
        quick = quick and self.hint is not None
        key = (tuple(sub.deliverables), tuple((r.source, r.target, r.kind, r.note) for r in sub.relations),
               tuple(mk.text for mk in markers), quick)
        if key not in self.layouts:
            self.layouts[key] = self._lay_out(sub, markers, quick)
        return self.layouts[key]

    def _lay_out(self, sub: Model, markers: list[Marker], quick: bool) -> Layout:
        from . import layout as lay_out

        sizes = self.sizes
        if markers:
            self.measure_markers(mk.text for mk in markers)
            sizes = replace(sizes, boxes={**sizes.boxes, **{mk.name: self.marker_sizes[mk.text] for mk in markers}})
        if self.column_first and sub.stages:
            sub, sizes = self._columns_continued(sub, sizes)
        placed = lay_out(sub, direction=self.direction, font=self.font, font_size=self.size, sizes=sizes,
                         min_text=self.page.min_text, exit_tags=self.exit_tags, rank_gap=PAGE_RANK_GAP,
                         lateral_gap=PAGE_LATERAL_GAP, view=self.view if sub.stages else "diagram",
                         order_hint=self.hint if quick else None)
        if self.stage_first is None:
            return placed
        from .fit_caption import captioned

        return captioned(placed, self.caption([n for n in sub.deliverables if not is_marker(n)]), self)

    def _columns_continued(self, sub: Model, sizes):
        """`sub` and `sizes` with the roadmap's column of each stage that
        began on an earlier piece labelled "<stage> (cont.)", measured, as
        the diagram's captions and the group frames are: a page drew the
        bare label twice, and the last page of a stage looked like its start."""
        from .fit_caption import caption_size

        later = [s for s in sub.stages if self.column_first.get(s) not in sub.deliverables]
        if not later:
            return sub, sizes
        stages = dict(sub.stages)
        measured = dict(sizes.stages)
        for s in later:
            stages[s] = replace(stages[s], label=continued_label(stages[s].display))
            measured[s] = caption_size(stages[s].display, s, self)
        return replace(sub, stages=stages), replace(sizes, stages=measured)

    def caption(self, names: list[str]) -> tuple[str, str]:
        """(stage, text) of the caption of a piece cut at the stages: its
        stages' labels, "(cont.)" after one that began on an earlier piece."""
        stages = list(dict.fromkeys(self.where_stage[n] for n in names if n in self.where_stage))
        texts = []
        for s in stages:
            first = next(n for n in names if self.where_stage.get(n) == s)
            label = self.model.stages[s].display
            texts.append(label if self.stage_first.get(s) == first else continued_label(label))
        return (stages[0] if stages else ""), " · ".join(texts)

    def fits(self, placed: Layout) -> bool:
        """Whether a piece fits a page alone, with SLACK to spare: laid out
        again with its final marker texts, its order (and size) may change."""
        return (placed.width <= self.page.inner_width * SLACK
                and placed.height + self._top() <= self.page.inner_height * SLACK)

    def _top(self, first: bool = True) -> float:
        """Room above the pieces: the page's title, and on the first page the
        legend's height (a later page shows the legend only where a free
        corner holds it)."""
        keep = self.legend and first and self.reserve_legend
        return self.title_size[1] + TITLE_GAP + (self.legend_size[1] if keep else 0.0)

    def marker_counts(self, names: list[str]) -> tuple[int, int]:
        """How many markers a run gets before the pages are known, in and
        out (as `piece_model` gathers them, without building the piece)."""
        keep = set(names)
        cut: dict[bool, list[tuple[Relation, int]]] = {True: [], False: []}
        for k in sorted({k for n in names for k in self.relations_of.get(n, ())}):
            r = self.model.relations[k]
            s_in, t_in = r.source in keep, r.target in keep
            if s_in != t_in:
                cut[s_in].append((r, k))
        return tuple(len(self.gathered(cut[o], o, False, None, names)) for o in (False, True))

    def gathered(self, rels: list[tuple[Relation, int]], outgoing: bool, final: bool, piece, names: list[str]):
        """`rels`, a piece's cut relations one way, gathered into markers:
        [(the end named, its relations)]. Before the pages are known, one
        marker for each other piece (else chunk), at most MAX_MARKERS (the
        rest gathered into the last); a piece crowded by its markers even
        alone (`compact`) one. Once they are known, as many markers as there
        are pages the ends are on (at most MAX_MARKERS; one when `compact`),
        each gathering the boxes that share an end (`_gathered`), the ends
        on the piece's own page (another piece of it) in a marker of their
        own, but for a `compact` piece: never with ends on other pages
        ("→ 拡大機会 +2, pp. 1, 3, 4" sent a reader of page 1 to page 3 for
        the box below it). (Gathered so before the pages were known too, a
        marker's provisional text was the longest, for several ends, where
        one for each piece had one end: cs-lifecycle cut at its stages
        took 4 slides instead of 3.)"""
        most = 1 if piece in self.compact else MAX_MARKERS
        if not final:
            by_piece: dict = {}
            for r, k in rels:
                by_piece.setdefault(self.piece_of.get(r.target if outgoing else r.source), []).append((r, k))
            groups = list(by_piece.values())
            if len(groups) > most:   # the ones with the most relations kept (stable: equals in order)
                groups.sort(key=len, reverse=True)
                groups = groups[:most - 1] + [[x for g in groups[most - 1:] for x in g]]
            return [(g[0][0].target if outgoing else g[0][0].source, g) for g in groups]
        pages = {self.where.get(r.target if outgoing else r.source) for r, _ in rels}
        most = max(1, min(most, len(pages)))
        here = self.where.get(names[0]) if names else None
        near = [(r, k) for r, k in rels if self.where.get(r.target if outgoing else r.source) == here]
        far = [(r, k) for r, k in rels if self.where.get(r.target if outgoing else r.source) != here]
        page_of = self.where.get
        if most == 1 or not near or not far:
            return _gathered(rels, outgoing, most, page_of)
        return _gathered(far, outgoing, most - 1, page_of) + _gathered(near, outgoing, 1, page_of)

    def fits_names(self, names: list[str]) -> bool:
        return self.fits(self.lay_out(*self.piece_model(names, final=False)))

    def fill(self, chunks: list[list[list[str]]]) -> tuple[list[list[str]], list[list[int]]] | None:
        """The pieces of `chunks` (each as its layers), as text fills lines:
        page after page, the longest run of the rest of the chunk, in flow
        order, that still fits the page's room beside and below what the
        page holds already (placed by `fit_pack.spots`), drawn with the page's last
        piece when the two fit as one (real arrows, not markers), else as a
        piece of its own; when the room holds less than MIN_RUN deliverables
        (a corner filled with a fragment costs markers and reads badly), a
        new page. Cutting inside a layer is allowed: a layer can be taller
        than the page. (Pieces each as large as a page alone, packed
        afterwards, left half of most pages empty: two page-wide pieces do
        not stack.) The pieces, and the pages as filled (pieces' indices);
        None once it needs `beat` pages.
        The search starts from the last run's size and gallops
        (a few layouts a run, not a bisection over the whole rest)."""
        pieces: list[list[str]] = []
        pages: list[list[int]] = [[]]
        page = pages[-1]           # the pieces on the page being filled
        guess = 8

        sizer = self.sizer

        def lay(names: list[str]) -> Layout:
            return self.lay_out(*self.piece_model(names, final=False), quick=True)

        def probe(names: list[str]) -> Layout:
            """A candidate run laid out for real, and the estimates calibrated by it."""
            got = lay(names)
            if sizer is not None:
                sizer.calibrate(names, *self.marker_counts(names), got.width, got.height)
            return got

        def guessed(names: list[str]):
            return sizer.estimate(names, *self.marker_counts(names))

        def room(layouts: list) -> bool:
            return spots(layouts, self, SLACK, first=self.filled_pages == 0) is not None

        def most(total: int, run, guess: int, before: list) -> int:
            """The longest run that fits beside `before`: where the estimates
            say, checked (and corrected) with real layouts a step at a time."""
            if sizer is None:
                return _most(total, lambda k: room(before + [lay(run(k))]), guess, 0)
            start = _most(total, lambda k: room(before + [guessed(run(k))]), guess, 0)
            return _most(total, lambda k: room(before + [probe(run(k))]), start, 0, step=1)

        self.filled_pages = 0
        for chunk in chunks:
            names = [n for layer in chunk for n in layer]
            while names:
                before = [lay(pieces[i]) for i in page]
                joined = 0
                if page:   # with the page's last piece, as one drawing
                    last = pieces[page[-1]]
                    joined = most(len(names), lambda k: last + names[:k], guess, before[:-1])
                alone = 0
                if joined < min(MIN_RUN, len(names)):   # (a good join is taken as it is: half the layouts)
                    alone = most(len(names), lambda k: names[:k], guess, before)
                take = max(joined, alone)
                if page and take < min(MIN_RUN, len(names)):   # a new page
                    pages.append([])
                    page, self.filled_pages = pages[-1], self.filled_pages + 1
                    if self.beat is not None and len(pages) >= self.beat:
                        return None   # no fewer pages than a way tried before
                    continue
                take = max(1, take)   # a single box always goes on an empty page
                if joined and joined >= alone:
                    pieces[page[-1]] = last + names[:take]
                else:
                    pieces.append(names[:take])
                    page.append(len(pieces) - 1)
                names = names[take:]
                guess = max(1, take)
        return pieces, [p for p in pages if p]


def _most(total: int, fits, guess: int, least: int = 1, step: int | None = None) -> int:
    """The largest k <= total with `fits(k)` (fits is taken to hold up to
    some k and not beyond), else `least`: galloping from `guess` to bracket
    it (first `step`, default half the guess, then doubling), then bisection."""
    good, bad = 0, total + 1        # fits(good) (0: trivially); not fits(bad) (total + 1: beyond)
    k = max(1, min(guess, total))
    step = max(1, k // 2) if step is None else step
    if fits(k):
        good = k
        while good < total:         # up, doubling the step
            probe = min(total, good + step)
            if not fits(probe):
                bad = probe
                break
            good, step = probe, step * 2
    else:
        bad = k
        while bad - 1 > good:       # down, doubling the step
            probe = max(good + 1, bad - step)
            if fits(probe):
                good = probe
                break
            bad, step = probe, step * 2
    while bad - good > 1:
        mid = (good + bad) // 2
        if fits(mid):
            good = mid
        else:
            bad = mid
    return max(least, good)


def _fill(model: Model, page: Page, direction: str, font: str, size: float, legend: bool, health: bool,
          view: str, by: str = "stages", exit_tags: bool | None = None, flow=None, beat: int | None = None,
          diff_legend: bool = False, shared: dict | None = None, reserve_legend: bool = True,
          stage_legend: str | None = None, first_page: int = 1):
    """(pager, pieces, pages as filled, how) of one way of cutting, from
    the fill's layouts (with provisional markers); None when they fill
    `beat` pages. `_finish` lays the pieces out with their final markers:
    the ways are compared by the pages they fill, and only the best one is
    finished (finishing lays out every piece again, a third of the cost)."""
    pager = _Pager(model, page, direction, font, size, legend, health, view, exit_tags, diff_legend, shared,
                   stage_legend=stage_legend)
    pager.reserve_legend = reserve_legend
    pager.beat = beat
    pager.first_page = first_page
    layers, whole = flow or flow_order(model, direction, size, font, view, page.min_text)
    if pager.tags_of:   # a drill-down's tags are cut with their deliverables (piece_model), not on their own
        layers = [kept for layer in layers if (kept := [n for n in layer if not is_context_tag(n)])]
    pager.hint = {n: (b.y if direction == "LR" else b.x) for n, b in whole.nodes.items()}
    if by == "tiles":
        chunks, how = tiles(whole, layers, pager), "tiles"
    else:
        chunks, how, pager.where_stage = chunks_of(model, layers, by)
    pager.piece_of = {n: ("chunk", ci) for ci, chunk in enumerate(chunks) for layer in chunk for n in layer}
    if how == "stages" and view == "diagram":   # the roadmap's pieces keep their stage columns
        pager.stage_first = {pager.where_stage[chunk[0][0]]: chunk[0][0] for chunk in chunks}
    if view == "roadmap" and model.stages:   # each stage's first box in flow order: its column's first piece
        where = model.effective_stages
        pager.column_first = {}
        for n in (n for chunk in chunks for layer in chunk for n in layer):
            pager.column_first.setdefault(where.get(n), n)
    pager.sizer = _sizer(model, layers, pager)
    got = pager.fill(chunks)
    if got is None:
        return None
    pieces, filled = got
    return pager, pieces, filled, how


FRAGMENT = 2   # a last page with at most this many boxes is a fragment


def _rank(sheets: list[Sheet]) -> tuple[int, int]:
    """How a way of cutting compares: its pages, then 1 when its last page
    is a fragment of at most FRAGMENT boxes (the greedy fill left
    cs-lifecycle's report roadmap one exit criterion on its fourth page,
    where another way filled four pages evenly), else 0."""
    last = sum(1 for n in sheets[-1].model.deliverables if not is_marker(n))
    return len(sheets), int(len(sheets) > 1 and last <= FRAGMENT)


def _finish(model: Model, pager: "_Pager", pieces: list[list[str]], filled: list[list[int]], how: str):
    """The sheets of a way of cutting as the fill left it, and what
    `_untangled` needs to lay its pieces out again: (sheets, state)."""
    # pack the pieces onto pages, then lay them out again with the real marker
    # texts (pages known); a page that no longer fits is packed again from
    # those layouts, then one piece a page; a piece that does not fit alone
    # even so is cut in two (in flow order) and everything starts again
    while True:
        pages, parts, placed = _settle(model, pieces, pager, filled)
        filled = None   # pieces cut again: packed afresh
        if all(spots([placed[i] for i in members], pager, first=k == 0) is not None
               for k, members in enumerate(pages)):
            break
        too_big = {i for i, lay in enumerate(placed) if spots([lay], pager) is None and len(pieces[i]) > 1}
        if not too_big:
            crowded = {i for i, lay in enumerate(placed) if spots([lay], pager) is None} - pager.compact
            if not crowded:
                break   # one box wider than the page: nothing left to cut (the page checks report it)
            pager.compact |= crowded
            continue
        pieces = [half for i, p in enumerate(pieces)
                  for half in (_trimmed(p, i, pager) if i in too_big else (p,))]
        pager.compact = set()
    pieces, pages, parts, placed = _joined(model, pager, pieces, pages, parts, placed)
    return _sheets(model, pager, pages, parts, placed, how), (pager, pages, parts, placed, how)


def _joined(model: Model, pager: "_Pager", pieces: list[list[str]], pages: list[list[int]], parts,
            placed: list[Layout]):
    """(pieces, pages, parts, layouts) with two pieces of one page that are
    next in the flow drawn as one piece wherever the page still holds them
    so: the relations between them real arrows, not two markers each. The
    fill sizes its runs before the final markers are known and the pages
    are packed again afterwards, so two pieces could end up side by side
    with room to spare (order-to-cash's last slide drew 入金差異 and
    入金消込 as two pieces, a marker pair between them); so are a page's
    last piece and the next page's first, across the page break, where the
    first page holds them so. Unchanged when the joined pieces, laid out
    again with their final markers, need more pages, or when a page of them
    overflows."""
    joined = [list(p) for p in pieces]
    gone: set[int] = set()
    lays = list(placed)
    current = [list(m) for m in pages]

    def join(k: int, i: int, j: int, members: list[int]) -> bool:
        """Piece j drawn with piece i (next in the flow), when page k of
        `members` (i among them, j not) still holds it so."""
        if any(x not in gone for x in range(i + 1, j)):   # not next in the flow (pages are filled in order)
            return False
        names = joined[i] + joined[j]
        sub, markers = pager.piece_model(names, final=True, piece=i)
        pager.measure_markers(mk.text for mk in markers)
        lay = pager.lay_out(sub, markers, quick=True)
        if spots([lay if m == i else lays[m] for m in members], pager, first=k == 0) is None:
            return False
        joined[i], lays[i] = names, lay
        gone.add(j)
        return True

    for k, members in enumerate(current):
        at = 0
        while at + 1 < len(members):
            if join(k, members[at], members[at + 1], [m for m in members if m != members[at + 1]]):
                members.pop(at + 1)   # and the joined piece is tried with the next one
            else:
                at += 1
    # and across a page break: the next page's first piece drawn with this page's last, where
    # this page holds them so (order-to-cash's roadmap put stage 3's last box on a slide of
    # its own piece, then stage 4's last two on a fifth slide)
    for k in range(len(current) - 1):
        while current[k] and current[k + 1] and join(k, current[k][-1], current[k + 1][0], current[k]):
            current[k + 1].pop(0)
    current = [m for m in current if m]
    if not gone:
        return pieces, pages, parts, placed
    keep = [i for i in range(len(joined)) if i not in gone]
    number = {i: n for n, i in enumerate(keep)}
    compact = pager.compact
    pager.compact = {number[i] for i in compact if i in number}
    got = _settle(model, [joined[i] for i in keep], pager, [[number[i] for i in m if i in number] for m in current])
    fits = all(spots([got[2][i] for i in members], pager, first=k == 0) is not None
               for k, members in enumerate(got[0]))
    if fits and len(got[0]) <= len(pages):
        return ([joined[i] for i in keep],) + got
    pager.compact = compact
    return (pieces,) + _settle(model, pieces, pager, pages)


def _sheets(model: Model, pager: "_Pager", pages: list[list[int]], parts, placed: list[Layout],
            how: str) -> list[Sheet]:
    """The pages composed: each its title and its pieces where `spots` puts them."""
    sheets = []
    for number, members in enumerate(pages, start=1):
        title = _page_title(model, number, len(pages))
        sheet_model, composed = _compose(model, title, [parts[i] for i in members], [placed[i] for i in members],
                                         pager, first=number == 1)
        markers = tuple(mk for i in members for mk in parts[i][1])
        sheets.append(Sheet(sheet_model, composed, number, len(pages), pager.size, pager.direction, markers, how))
    return sheets


def _untangled(model: Model, state) -> list[Sheet]:
    """The chosen way's pages with each piece laid out again with crossing
    reduction of its own, where its page still holds it so. The pieces were
    sized in the whole drawing's order (`quick`: what the fill and the
    packing need is their size, and full layouts of every trial run cost
    more pages and time); in that order a piece cut from a wide layer kept
    the bundles of routes the whole drawing needed: cs-lifecycle's slides
    had 16 crossings, 3 so."""
    pager, pages, parts, placed, how = state
    placed = list(placed)
    for k, members in enumerate(pages):
        for i in members:
            full = pager.lay_out(*parts[i])
            if full is placed[i]:
                continue
            if spots([full if j == i else placed[j] for j in members], pager, first=k == 0) is not None:
                placed[i] = full
    return _sheets(model, pager, pages, parts, placed, how)


def _sizer(model: Model, layers: list[list[str]], pager: "_Pager"):
    """The estimates of runs' sizes the fill starts its search from."""
    from .fit_estimate import RunSizer

    def depth(name: str) -> int:
        k, g = 0, model.deliverables[name].group
        while g is not None and g in model.groups:
            k, g = k + 1, model.groups[g].parent
        return k

    marker = (max(w for w, _ in pager.marker_sizes.values()), max(h for _, h in pager.marker_sizes.values()))
    label = max((h if pager.direction == "LR" else 0.0 for _, h in pager.sizes.groups.values()), default=0.0)
    return RunSizer(layers, pager.sizes.boxes, pager.direction, marker, PAGE_RANK_GAP, PAGE_LATERAL_GAP,
                    {n: depth(n) for n in model.deliverables}, label)


def _trimmed(piece: list[str], i: int, pager: "_Pager") -> tuple[list[str], list[str]]:
    """A piece that no longer fits a page alone (laid out with its final
    markers it grew) cut in two: the longest start of it that fits a page
    alone, and the rest (cutting it in halves made pieces and pages more)."""
    def fits(k: int) -> bool:
        lay = pager.lay_out(*pager.piece_model(piece[:k], final=False, piece=i), quick=True)
        return spots([lay], pager, 0.97) is not None

    k = min(len(piece) - 1, _most(len(piece) - 1, fits, len(piece) - 1, 1, step=1))
    return piece[:k], piece[k:]


def _settle(model: Model, pieces: list[list[str]], pager: "_Pager", pages: list[list[int]] | None = None):
    """(pages, parts, layouts) of `pieces` on `pages` (as filled), else
    packed from provisional layouts; then laid out with their final markers
    and, while a page overflows, packed again from those layouts (the final
    marker texts can be longer, and a piece's order change with them), at
    the last attempt its pieces one a page."""
    pager.piece_of = {n: i for i, p in enumerate(pieces) for n in p}
    if pages is None:
        placed = [pager.lay_out(*pager.piece_model(p, final=False, piece=i), quick=True) for i, p in enumerate(pieces)]
        pages = pack(placed, pager)
    def final(pages):
        """The pieces laid out with their final markers on `pages`, and the pages that overflow."""
        pager.where = {n: number for number, members in enumerate(pages, start=1)
                       for i in members for n in pieces[i]}
        parts = [pager.piece_model(p, final=True, piece=i) for i, p in enumerate(pieces)]
        pager.measure_markers(mk.text for _, mks in parts for mk in mks)
        placed = [pager.lay_out(sub, mk, quick=True) for sub, mk in parts]
        pager.measure_titles([_page_title(model, k, len(pages)) for k in range(1, len(pages) + 1)])
        over = [members for k, members in enumerate(pages)
                if spots([placed[i] for i in members], pager, first=k == 0) is None]
        return parts, placed, over

    for attempt in range(4):
        parts, placed, over = final(pages)
        if not over:
            break
        if attempt < 2:   # packed again from the final layouts, to the full page
            pages = pack(placed, pager, 1.0)
            continue
        # a page that grew past its room: its pieces one a page (the rest stay as packed)
        pages = [single for members in pages
                 for single in ([[i] for i in members] if members in over else [members])]
    else:
        return pages, parts, placed
    # a page fewer when the pieces fit so, packed again in flow order
    ways = leftover(pages, placed, pager)
    for fewer in ways:
        got = final(fewer)
        if not got[2]:
            return (fewer,) + got[:2]
    if ways:
        final(pages)   # as it was: the markers and titles of these pages
    return pages, parts, placed


def _page_title(model: Model, number: int, count: int) -> str:
    return model.title if count == 1 else f"{model.title} ({number}/{count})"


def _gathered(rels: list[tuple[Relation, int]], outgoing: bool, most: int, page_of) -> list[tuple[str, list]]:
    """A piece's cut relations one way (`rels`: (relation, index)) gathered
    into at most `most` markers, each with the end it names: a marker
    gathers the relations of the boxes that share an end, the end most of
    the boxes share first, and names that end ("→ 見積書 +3, pp. 3, 5": every
    box drawn into it has a relation to 見積書). Once no two boxes left share
    an end, the rest go by their ends' pages (`page_of`), a marker a page,
    as before. The last marker takes what is left and names the end most of
    its boxes share. (A marker for each other page named its nearest end,
    whatever its arrows led to: 2,235 of 3,311 arrows into markers in
    `bench/page_counts.py` came from a box with no relation to the
    deliverable the marker named.)"""
    end = (lambda r: r.target) if outgoing else (lambda r: r.source)
    local = (lambda r: r.source) if outgoing else (lambda r: r.target)
    order = {o: i for i, o in enumerate(dict.fromkeys(end(r) for r, _ in rels))}

    def named(part) -> tuple[str, int]:
        """The end most of `part`'s boxes have a relation to (the first in
        the model's order of equals), and how many boxes have."""
        boxes: dict[str, set[str]] = {}
        for r, _ in part:
            boxes.setdefault(end(r), set()).add(local(r))
        o = max(boxes, key=lambda o: (len(boxes[o]), -order[o]))
        return o, len(boxes[o])

    groups: list[tuple[str, list]] = []
    left = list(rels)
    while left:
        room = most - len(groups)
        o, shared = named(left)
        if room == 1:
            groups.append((o, left))
            break
        if shared < 2:   # no two boxes left share an end: by their ends' pages
            by_page: dict = {}
            for r, k in left:
                by_page.setdefault(page_of(end(r)), []).append((r, k))
            parts = list(by_page.values())
            if len(parts) > room:   # the ones with the most relations kept (stable: equals in order)
                parts.sort(key=len, reverse=True)
                parts = parts[:room - 1] + [[x for part in parts[room - 1:] for x in part]]
            groups += [(named(part)[0], part) for part in parts]
            break
        boxes = {local(r) for r, _ in left if end(r) == o}
        groups.append((o, [(r, k) for r, k in left if local(r) in boxes]))
        left = [(r, k) for r, k in left if local(r) not in boxes]
    return groups


def _compose(model: Model, title: str, parts, layouts: list[Layout], pager: _Pager,
             first: bool = True) -> tuple[Model, Layout]:
    """One page: the title, then the pieces in rows (LR) or columns (TB),
    then the legend; a group cut over two pieces is framed in each (its
    later frames named `<group>\u2063<k>`, labelled "(cont.)")."""
    page = pager.page
    tw, th = pager.titles[title]
    deliverables: dict[str, Deliverable] = {}
    relations: list[Relation] = []
    groups: dict[str, Group] = {}
    stages: dict[str, Stage] = {}
    nodes, edges, frames, frame_labels, columns = {}, [], {}, {}, []
    seen_groups: set[str] = set()
    corners = spots(layouts, pager, first=first) or overflow(layouts, pager)
    for k, ((sub, _), lay, (x, y)) in enumerate(zip(parts, layouts, corners)):
        y += th + TITLE_GAP
        rename = {}
        for g in sub.groups:
            rename[g] = g if g not in seen_groups else f"{g}\u2063{k}"
        seen_groups.update(sub.groups)
        for g, grp in sub.groups.items():
            bare = model.groups[g].display if g in model.groups else grp.display
            label = bare if rename[g] == g else continued_label(bare)
            groups[rename[g]] = replace(grp, name=rename[g], label=label,
                                        parent=rename.get(grp.parent, grp.parent))
        for n, d in sub.deliverables.items():
            deliverables[n] = replace(d, group=rename.get(d.group, d.group)) if d.group else d
        relations.extend(sub.relations)
        for s in sub.stages.values():
            if s.name in stages:   # a stage cut over two pieces: one stage again
                was = stages[s.name]
                stages[s.name] = replace(was, exits=was.exits + s.exits, members=was.members + s.members)
            else:
                stages[s.name] = s
        moved = shift(lay, x, y)
        nodes.update(moved.nodes)
        edges.extend(moved.edges)
        frames.update({rename[g]: b for g, b in moved.groups.items()})
        frame_labels.update({rename[g]: b for g, b in moved.group_labels.items()})
        columns.extend(moved.columns)
    # routes and notes too: a route can bulge past the boxes (a slide's route ran 68 pt
    # below them, off the page, when only the boxes were centred)
    route_points = [p for e in edges for p in e.points] + [(e.label.right, e.label.bottom) for e in edges
                                                            if e.label is not None]
    width = max([tw] + [b.right for b in nodes.values()] + [b.right for b in frames.values()]
                + [c.frame.right for c in columns] + [x for x, _ in route_points])
    height = max([b.bottom for b in nodes.values()] + [b.bottom for b in frames.values()]
                 + [c.frame.bottom for c in columns] + [y for _, y in route_points])
    composed = Layout(width=width, height=height, nodes=nodes, edges=tuple(edges), groups=frames,
                      group_labels=frame_labels, title=Box(tw / 2, th / 2, tw, th), engine="prep",
                      direction=pager.direction, columns=tuple(columns))
    if pager.legend:   # where a free corner (or a row below) holds it; on the first page when it keeps room
        from .legend import place

        keyed = place(composed, pager.sizes.legend, pager.health, pager.diff_legend, pager.stage_legend,
                      exits=pager.view == "roadmap",
                      room=page.inner_width)
        if (first and pager.reserve_legend) or (keyed.width <= page.inner_width and keyed.height <= page.inner_height):
            composed = keyed
    sheet_model = Model(path=model.path, title=title, deliverables=deliverables, relations=tuple(relations),
                        groups=groups, comments=(), diagnostics=(), source=model.source, stages=stages)
    from .texts import collect, exit_tag_font_size

    labels = {**pager.sizes.labels, **{n: pager.marker_labels[d.display] for n, d in deliverables.items()
                                        if is_marker(n) and d.display in pager.marker_labels}}
    exits = pager.view == "roadmap" if pager.exit_tags is None else pager.exit_tags
    composed = replace(composed, texts=collect(composed, sheet_model, labels, exits=exits,
                                               tag_font=exit_tag_font_size(page.min_text)))
    # across the page centred, from its top, the title in the top left corner (as on_page)
    dx = page.margin + max(0.0, (page.inner_width - composed.width) / 2)
    return sheet_model, _title_in_corner(replace(shift(composed, dx, page.margin), width=page.width,
                                                 height=page.height, page=page), page)


__all__ = ["Marker", "Sheet", "fit_pages", "fit_one_page", "is_marker", "marker_text", "with_marker_texts", "on_page",
           "shift", "MARKER_PREFIX"]
