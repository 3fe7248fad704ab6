"""The pictures of `prep report` laid out for a page: each stage's frame
(all four formats) and, for the HTML and Markdown reports, every picture
laid out for a screen-shaped page (`SCREEN_PAGE`) and cut to what it draws.

    stage_frames(model, drawn, room, ...)     the stage pictures, as the flip-book draws them
    screen_pictures(model, drawn, page, ...)  the HTML and Markdown reports' pictures on pages
    cropped(svg, layout)                      a page's SVG cut to what it draws
    screen_page(page, min_text)               the page those are laid out for (None: natural size)
"""

from __future__ import annotations

import re

from .._words import japanese, say
from ..language.diagnostics import PrepError
from ..language.model import Model


FRAME_KEY = " A double border marks what this stage makes; EXIT n, an exit criterion of stage n."


def stage_frames(model: Model, drawn, room, *, theme="default", direction: str | None = None,
                 prefer: str | None = None, numbered: bool = False):
    """The stage pictures of the reports: each stage's frame
    on the model laid out for the page (the flip-book's frames,
    `prep.renderer.stages`), on the pages where the stage makes something.
    (Drawn on the whole model's layout and cut into parts, the frames of a
    model of 34 deliverables took 32 pages of A4, each a window on a
    picture; laid out for the page they take 4 to 8.) `prefer`: the
    direction the report's diagram was drawn in, taken when `direction` is
    None and it costs the frames no page (cs-onboarding's report drew its
    diagram left to right and its stage frames top to bottom, which fit
    one A4 page at a larger text size: the same boxes read two ways in one
    report). Yields (frame, its theme, title, caption, (page, pages,
    "none"), first frame of its stage). `numbered`: the captions say the
    markers name the report's pages (`in_report_pages` renumbers them)."""
    from dataclasses import replace

    from ..renderer.dot import resolve_theme
    from ..renderer.stages import _frames

    if not model.stages:
        return
    look = resolve_theme(theme)
    def pages(frames) -> int:
        return max((f.page for f in frames), default=0)

    geometry, frames = _frames(model, page=room, direction=direction or "LR", theme=look,
                               direction_given=direction is not None)
    if direction is None and prefer is not None and frames and frames[0].layout.direction != prefer:
        as_diagram = _frames(model, page=room, direction=prefer, theme=look)
        if pages(as_diagram[1]) <= pages(frames):
            geometry, frames = as_diagram
    look = geometry.theme(look)
    where = model.effective_stages
    count = pages(frames)
    seen = set()
    for f in frames:
        if geometry.paged and not any(where.get(n) == f.stage.name for n in f.model.deliverables):
            continue  # a page where this stage makes nothing: the earlier frame shows it
        mine = None if drawn is None else [d for d in drawn if d.subject in f.model.deliverables]
        label = " ".join(f.stage.display.split())
        number = f.stage.index + 1
        # a label numbered as the stage is ("1. 価値レビュー") is not numbered twice
        label = re.sub(rf"^{number}\s*[.:)]\s*(?=\S)", "", label)
        # so is one that names it with a word of its own ("Phase 1: 製品企画", "フェーズ2 設計",
        # "第3段階"): "At the end of stage 1: Phase 1: 製品企画" said the number twice
        own = label.lower().startswith("stage") or _names_number(number, label)
        if japanese():
            title = f"{label} の終わり" if own else f"ステージ {number} の終わり: {label}"
        else:
            title = f"At the end of {label}" if own else f"At the end of stage {number}: {label}"
        # the frame has no legend (it would change how the model is laid
        # out): the caption says what its marks mean
        if not geometry.paged or count <= 1:
            caption = say("Laid out for this page.")
        elif japanese():
            caption = (f"モデルを配置した {count} ページのうち、このステージが成果物を作る {f.page} ページ目。札は関係の"
                       "相手の成果物とそのページを" + ("このレポートのページで" if numbered else "") + "示します。")
        else:
            caption = (f"Page {f.page} of the {count} pages the model is laid out on, one of those where this stage "
                       "makes something; a marker names a relation's other end and its page"
                       + (" in this report." if numbered else "."))
        caption += (" " if not japanese() else "") + say(FRAME_KEY.strip())
        yield (replace(f, findings=mine), look, title, caption, (f.page or 1, count or 1, "none"),
               f.stage.name not in seen)
        seen.add(f.stage.name)


def _names_number(number: int, label: str) -> bool:
    """Whether `label` begins with a word of its own and the stage's
    `number` ("Phase 1", "フェーズ 1", "第1段階", "Step 1 -"): a word of at
    most 12 characters without digits, the number right after it (a space
    between, or none), not followed by another digit."""
    return re.match(rf"[^\d\s:.)]{{1,12}}\s?{number}(?!\d)", label) is not None


# the page numbers at the end of an off-page marker's text: ", p. 3", ", pp. 3, 5, 7…" (fit.marker_text)
_MARKER_PAGES = re.compile(r", (pp?)\. (\d+(?:, \d+)*)(…?)(?= →$|$)")


def in_report_pages(frames: list, start: int) -> list:
    """The stage frames of a PDF or Word report (`stage_frames`' items, each
    a page of the report from `start` on) with their off-page markers
    naming the report's pages: in the frame of stage S, the page of the
    model's layout q is the page of this report that shows q at the end of
    S, or of the latest stage before it that makes something there. ("p. 2"
    meant the layout's second page, which the stage's section may not
    print, and the diagram's "p. 2" another page again.) Each number keeps
    to the two digits its marker's box was measured for: past page 99 the
    frames keep the layout's numbers."""
    from ..layouter.fit import is_marker, with_marker_texts

    if not frames or start + len(frames) - 1 > 99 or not any(f.page for f, *_ in frames):
        return frames
    shown = {}   # (layout page, stage index) -> report page
    for k, (f, *_rest) in enumerate(frames):
        shown.setdefault((f.page, f.stage.index), start + k)

    def report_page(q: int, upto: int) -> int | None:
        found = [(index, at) for (page, index), at in shown.items() if page == q and index <= upto]
        return max(found)[1] if found else None

    out = []
    for f, *rest in frames:
        texts = {}
        for name, d in f.model.deliverables.items():
            text = d.label or ""
            m = _MARKER_PAGES.search(text) if is_marker(name) else None
            if m is None:
                continue
            mapped = [report_page(int(q), f.stage.index) for q in m.group(2).split(", ")]
            if None in mapped:
                continue
            pages = sorted(set(mapped))
            where = f"p. {pages[0]}" if len(pages) == 1 and not m.group(3) else \
                "pp. " + ", ".join(map(str, pages)) + m.group(3)
            texts[name] = text[:m.start()] + ", " + where + text[m.end():]
        f = with_marker_texts(f, texts) if texts else f
        out.append((_without_page_in_title(f), *rest))
    return out


def _without_page_in_title(f):
    """The frame titled without its layout page ("— Stage 3 (p. 2)" on the
    report's page 9 read as a wrong page number); the caption names it."""
    from dataclasses import replace

    from .._words import pages

    suffix = f" ({pages([f.page])})"
    title = f.model.title or ""
    if not f.page or not title.endswith(suffix):
        return f
    title = title[: -len(suffix)]
    texts = tuple(replace(t, text=title) if t.kind == "title" else t for t in f.layout.texts)
    return replace(f, model=replace(f.model, title=title), layout=replace(f.layout, texts=texts))


SCREEN_PAGE = "16:9"   # the page an HTML or Markdown report's pictures are laid out for by default
# ... for models up to this many deliverables; a larger one's pictures are drawn whole, at their
# natural size, in frames that scroll (1,000 deliverables: some 150 pages of pictures, 80 s instead
# of 3.5 s), unless --page (or [render] page) asks for pages
SCREEN_PAGED_MOST = 200


def screen_pictures(model: Model, drawn, page, *, theme="default", direction: str | None = None,
                    embed_fonts: bool = True) -> dict:
    """The HTML and Markdown reports' pictures laid out for `page` (a
    screen's shape by default, `SCREEN_PAGE`): drawn at their natural size
    and shown as wide as the report's column, a 37-deliverable model was a
    7:1 strip with 3-pixel text. As the PDF report's (`pdf_pictures`):
    the diagram (with its legend) and the roadmap wrapped and paginated,
    text never below the page's minimum; each stage's frame laid out for
    the page, what the stage makes marked (`stage_frames`). Returns
    {"diagram": [SVG page, ...], "roadmap": [...] (a model with stages),
    "stages": {stage name: [(SVG, caption), ...]}}."""
    from ..renderer.pages import render_pages
    from ..renderer.stages import draw_frame

    out: dict = {"stages": {}}
    for key, view, legend in (("diagram", "diagram", True),) + ((("roadmap", "roadmap", False),)
                                                                 if model.stages else ()):
        laid = render_pages(model, "svg", page, direction=direction, legend=legend, findings=drawn, theme=theme,
                            view=view, embed_fonts=embed_fonts)
        out[key] = cropped_pages(laid)
        if view == "diagram":
            drawn_as = laid.sheets[0].direction   # the stage frames' too, when it costs them no page
    for f, look, _title, caption, _sheet, _first in stage_frames(model, drawn, page, theme=theme,
                                                                  direction=direction, prefer=drawn_as):
        svg = cropped(draw_frame(f, "svg", theme=look, embed_fonts=embed_fonts), f.layout)
        out["stages"].setdefault(f.stage.name, []).append((svg, caption))
    return out


CROP_MARGIN = 8.0   # pt kept around what a page draws (a stage's double border is 4 pt outside its box)
_SVG_CANVAS = re.compile(r'<svg width="[\d.]+pt" height="[\d.]+pt"\s+viewBox="[^"]*"')


def cropped_pages(laid) -> list[bytes]:
    """Each SVG page of `laid` (renderer.pages.render_pages) cut to what it draws."""
    return [cropped(svg, sheet.layout) for sheet, svg in zip(laid.sheets, laid.files)]


def cropped(svg: bytes, lay) -> bytes:
    """A page's SVG cut to what it draws (`lay`, its layout, in the page's
    points, as Graphviz's viewBox is): on a screen the page's blank margins
    around a small model are only room to scroll past; the text keeps its
    size, and nothing is wider or taller than the page."""
    xs: list[float] = []
    ys: list[float] = []
    boxes = [*lay.nodes.values(), *lay.groups.values(), *lay.group_labels.values(),
             *(c.frame for c in lay.columns), *(t.box for t in lay.texts),
             *(e.label for e in lay.edges if e.label is not None), lay.title, lay.legend]
    for b in boxes:
        if b is not None:
            xs += [b.left, b.right]
            ys += [b.top, b.bottom]
    for e in lay.edges:
        xs += [x for x, _ in e.points]
        ys += [y for _, y in e.points]
    if not xs:
        return svg
    x0, y0 = max(0.0, min(xs) - CROP_MARGIN), max(0.0, min(ys) - CROP_MARGIN)
    x1, y1 = min(lay.width, max(xs) + CROP_MARGIN), min(lay.height, max(ys) + CROP_MARGIN)
    canvas = (f'<svg width="{x1 - x0:.2f}pt" height="{y1 - y0:.2f}pt"\n'
              f' viewBox="{x0:.2f} {y0:.2f} {x1 - x0:.2f} {y1 - y0:.2f}"')
    return _SVG_CANVAS.sub(canvas, svg.decode("utf-8"), count=1).encode("utf-8")


def screen_page(page=None, min_text: float | None = None):
    """The page an HTML or Markdown report's pictures are laid out for: a
    Page, a name (`--page`), None for the default (`SCREEN_PAGE`), or "none"
    for the pictures at their natural size (then None)."""
    from ..layouter.page import Page, PageError, page_option

    if isinstance(page, Page):
        return page.with_min_text(min_text)
    try:
        return page_option(SCREEN_PAGE if page is None else page, "svg", min_text=min_text)
    except PageError as e:
        raise PrepError.at("--page", str(e), name="usage-error", hint=e.hint) from None
