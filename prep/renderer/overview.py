"""A picture of any size: above a size the user sets, an overview (one box
per cluster, sized by what it holds, relations between clusters
aggregated with their count) plus one drill-down picture per cluster, each
linked from its box in the overview (SVG), or one page per cluster after
the overview's page (PDF); PNG and PowerPoint get the files without links.
The clusters are the top-level groups, or found automatically where they
are too few or too big (`prep.language.clusters`).

    big.svg                 the overview
    big.groups/001-営業部.svg  one picture per group (or cluster)
    big.pdf                 the overview, then one page per group

Above `DRAWN_BY_DEFAULT` drill-downs (100,000 deliverables make about
700, minutes of drawing) only the overviews are drawn by default, each
drill-down an SVG placeholder saying the command that draws it
(`--drill-downs all`); every link leads to a file that exists.
"""

from __future__ import annotations

import os
import re

from ..language.model import Model
from ..language.clusters import Clusters
from ..language.views import UNGROUPED, overview, subsets


# The most drill-down pictures `prep render` draws by default (--drill-downs
# auto): 300 of up to 200 deliverables are 10-40 s on two cores, shared or
# not (`drawing_seconds`); more (an overview in two levels, 2,000 declared
# groups) and the overviews are drawn alone, in seconds, with placeholders
# saying the commands that draw the rest. A count, not an estimate of time:
# the same model gives the same files on any machine.
DRAWN_BY_DEFAULT = 300


def drawing_seconds(sizes: list[int]) -> float:
    """The CPU seconds of drawing pictures of `sizes` deliverables (layout,
    drawing, font subset, writing): the ordering grows faster than the
    size, so about 4.5e-5 * n ** 1.5 each (0.13 s at 200). Fitted at
    100,000 deliverables: 717 pictures of median 141 took 52 CPU s, 2,000
    of about 50 took 32 s (docs/performance.md)."""
    return sum(4.5e-5 * n ** 1.5 for n in sizes)


def drilldown_folder(out_path: str) -> str:
    base, _ = os.path.splitext(out_path)
    return base + ".groups"


DRILLDOWN = re.compile(r"\d{3}-[^/\\]*\.(svg|png|pdf|pptx|dot|layout\.json)")


def prepare_folder(out_path: str, keep: list[str]) -> None:
    """Create the drill-down folder, and remove the pictures an earlier
    overview left there that this one does not write (groups renamed or
    gone); nothing else in the folder is touched."""
    from .output import check_output_folder

    check_output_folder(out_path)   # the folder the user named holds the drill-down folder
    folder = drilldown_folder(out_path)
    os.makedirs(folder, exist_ok=True)
    keep_names = {os.path.basename(p) for p in keep}
    for name in os.listdir(folder):
        if DRILLDOWN.fullmatch(name) and name not in keep_names:
            os.remove(os.path.join(folder, name))


def file_name(index: int, box: str, fmt: str) -> str:
    """A file name from a group name: its position (unique), then its name
    with anything but letters and digits made a dash (readable, and never a
    path separator or a dot-dot)."""
    slug = re.sub(r"[^\w]+", "-", box, flags=re.UNICODE).strip("-_")[:40] or "group"
    return f"{index:03d}-{slug}.{'layout.json' if fmt == 'layout' else fmt}"


def render_overview(model: Model, fmt: str, out_path: str, clusters: Clusters | None = None, *,
                    drill_downs: bool | frozenset[str] = True, placeholder=None, sizes=None,
                    **options) -> list[tuple[str, bytes]]:
    """[(path, bytes)]: the overview at `out_path` first, then one picture
    per box in `<out_path without extension>.groups/`. The boxes are
    `clusters` (`find_clusters`), by default the top-level groups. Without
    `drill_downs` the pictures of the clusters are not drawn (the overviews
    are): an SVG links to `placeholder(box, title, deliverables) -> bytes` in
    their place, other formats get the overviews alone; a set of box names
    draws those boxes' pictures (a run's: all of its clusters') and
    placeholders for the rest. `sizes`: the
    labels measured already (two levels measure once, at the top)."""
    from .._process import map_forked
    from ..layouter import measure
    from . import render
    from .dot import resolve_theme

    theme = resolve_theme(options.get("theme"))
    options = dict(options, theme=theme)
    inner = {}
    # in two levels when there are too many for one overview (more than 100
    # clusters found automatically, 400 declared groups; a PDF is pages in
    # order: one level)
    if clusters is not None and fmt != "pdf":
        from ..language.clusters import in_two_levels

        clusters, inner = in_two_levels(model, clusters)
    view, holds = overview(model, clusters)
    labels, titles = _named(model, clusters, holds)
    folder = drilldown_folder(out_path)
    rel_folder = os.path.basename(folder)
    names = {box: file_name(i, box if box != UNGROUPED else "no-group", fmt) for i, box in enumerate(holds, 1)}
    drawn = drill_downs
    if drawn is True and sizes is None:
        # one measurement of the whole model serves every drill-down (of
        # both levels: the inner overviews' pictures' titles too)
        nested = tuple(f"{titles.get(box, labels.get(box, box))} — {c.label}" for box in inner
                       for c in inner[box].clusters)
        sizes = measure(model, font=theme.font, font_size=theme.font_size, legend=bool(options.get("legend")),
                        health=options.get("findings") is not None, titles=tuple(titles.values()) + nested)
    shared = None
    if drawn and not inner and fmt == "svg" and options.get("embed_fonts", True):   # (a few named: cheap)
        from .webfont import prepare, shared_subset

        text = _model_text(model, titles.values())
        prepare(text)  # every picture's font subset is then cut from one (issue 14)
        # or, when the model draws few characters, every drill-down carries
        # the same subset, cut once here (before the workers are forked)
        shared = shared_subset(text)
    files = []
    # links only to files written: the runs' overviews, the drill-downs or their placeholders
    links = {box: f"{rel_folder}/{name}" for box, name in names.items()} if fmt == "svg" else None
    files.append((out_path, render(view, fmt, links=links, **options)))

    boxes = list(holds)
    parts = dict(zip(boxes, subsets(model, [holds[box] for box in boxes])))

    def titled(box: str) -> Model:
        return _titled(parts[box], box, titles)

    if inner:  # two levels: each box opens the overview of its clusters, in a folder of its own
        for box in boxes:
            run = True if isinstance(drawn, frozenset) and box in drawn else drawn
            files += render_overview(titled(box), fmt, os.path.join(folder, names[box]), clusters=inner[box],
                                     drill_downs=run, placeholder=placeholder, sizes=sizes, **options)
        return files
    wanted = boxes if drawn is True else [box for box in boxes if drawn and box in drawn]
    if len(wanted) < len(boxes):   # (SVG) a placeholder per box not drawn, saying how to draw it
        if links is None and not wanted:
            return files
        if placeholder is None:
            def placeholder(box, title, members):
                return placeholder_svg(title, members, "prep render MODEL -o OUTPUT.svg --drill-downs all",
                                       "The overview was drawn without its drill-down pictures.")
        if links is not None:
            files += [(os.path.join(folder, names[box]),
                       placeholder(box, titles.get(box, UNGROUPED), [model.deliverables[m] for m in holds[box]]))
                      for box in boxes if box not in wanted]
        if not wanted or fmt == "pdf":   # a PDF is the pages in order: all or the overview alone
            return files[:1] if fmt == "pdf" else files

    # each drill-down with a tag beside each deliverable joined to another cluster (linked)
    from ..language.views import in_context

    context = in_context(model, {box: titled(box) for box in wanted}, holds, _tag_labels(labels, holds))

    def draw(box: str) -> bytes:
        part, tags = context[box]
        extra = dict(options)
        if tags and fmt == "svg":   # a tag opens the picture of the cluster it names first
            extra["links"] = {tag: names[first] for tag, first in tags.items()}
        if shared is None:
            return render(part, fmt, sizes=sizes, **extra)
        return _with_font(render(part, fmt, sizes=sizes, **dict(extra, embed_fonts=False)), shared)

    # the drill-downs on every core (each is a layout, a drawing and a font subset)
    pictures = map_forked(draw, wanted, "drawing the groups' pictures")
    files += [(os.path.join(folder, names[box]), data) for box, data in zip(wanted, pictures)]
    if fmt == "pdf":  # one document: the overview, then a page per group
        from ..language.diagnostics import PrepError
        from .pdfpages import PdfError, merge

        try:
            return [(out_path, merge([data for _, data in files], title=model.title))]
        except PdfError as e:
            raise PrepError.at(model.path, f"could not join the PDF pages: {e}", code="R001", name="render-failed",
                               hint="draw the overview as SVG (-o model.svg): one picture per group, linked") from None
    return files


def _named(model: Model, clusters: Clusters | None, holds: dict[str, list[str]]):
    """(label, title) of each box of an overview: the cluster's or group's
    name, and its picture's title ("<model's title> — <label>")."""
    labels = {c.name: c.label for c in clusters.clusters} if clusters is not None else {
        box: model.groups[box].display for box in holds if box in model.groups}
    titles = {box: (f"{model.title} — {labels[box]}" if model.title else labels[box])
              for box in holds if box != UNGROUPED}
    return labels, titles


def _titled(part: Model, box: str, titles: dict[str, str]) -> Model:
    """A box's picture, titled with what it shows."""
    if box == UNGROUPED:
        return part
    return Model(path=part.path, title=titles[box],
                 deliverables=part.deliverables, relations=part.relations, groups=part.groups,
                 comments=part.comments, diagnostics=part.diagnostics, source=part.source)


def _tag_labels(labels: dict[str, str], holds: dict[str, list[str]]) -> dict[str, str]:
    """How a drill-down's tags name the other boxes."""
    return {box: (labels.get(box) or box) if box != UNGROUPED else UNGROUPED for box in holds}


def render_overview_pages(model: Model, fmt: str, page, clusters: Clusters | None = None, *,
                          legend: bool = False, theme=None, embed_fonts: bool = True,
                          drill_downs: bool | frozenset[str] = True):
    """The overview fitted to `page`, then each box's picture (with its tags
    naming the other boxes), in one document (pdf, pptx or drawio): a
    slide deck needs no folder of files, and a 12:1 strip of an overview
    is no slide. `drill_downs`: all, none, or the named boxes' pictures.
    Its markers name the document's pages. Returns the
    `Pages` of `prep.renderer.pages.render_documents`."""
    from ..language.views import in_context
    from .pages import render_documents

    view, holds = overview(model, clusters)
    labels, titles = _named(model, clusters, holds)
    boxes = [box for box in holds if drill_downs is True or (drill_downs and box in drill_downs)]
    parts = {box: _titled(part, box, titles) for box, part in zip(boxes, subsets(model, [holds[b] for b in boxes]))}
    context = in_context(model, parts, holds, _tag_labels(labels, holds))
    return render_documents([view] + [context[box][0] for box in boxes], fmt, page, legend=legend, theme=theme,
                            embed_fonts=embed_fonts)


def placeholder_svg(title: str, members, command: str, why: str, this_one: str | None = None) -> bytes:
    """A drill-down not drawn: an SVG page with the cluster's title, why it
    is not drawn, the command that draws it, and the deliverables it holds
    (what the picture would show, as a list). Plain text, no font embedded;
    the same bytes for the same cluster and command."""
    import unicodedata
    from xml.sax.saxutils import escape

    def ems(text: str) -> float:   # a rough width: wide (CJK) characters 1 em, others 0.62
        return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.62 for c in text)

    n = len(members)
    lines = [(title, 20, "bold"), (f"{n} deliverable{'s' if n != 1 else ''}: the picture is not drawn yet", 14, ""),
             (why, 12, "")]
    if this_one:
        lines += [("Draw this picture (seconds) with:", 12, ""), (this_one, 12, "mono")]
    lines += [("Draw every drill-down picture with:", 12, ""), (command, 12, "mono"), ("", 12, "")]
    lines += [(" ".join(d.display.split()) + (f" ({d.name})" if d.display != d.name else ""), 12, "")
              for d in members]
    y, out = 16, []
    for text, size, look in lines:
        y += round(size * 1.6)
        style = {"bold": ' font-weight="bold"', "mono": ' font-family="monospace"'}.get(look, "")
        out.append(f'<text x="16" y="{y}" font-size="{size}"{style}>{escape(text)}</text>')
    width = 32 + max(ems(text) * size for text, size, _ in lines)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
            f'width="{width:.0f}" height="{y + 16}" font-family="sans-serif" class="prep-placeholder">\n'
            f'<title>{escape(title)}: not drawn yet</title>\n' + "\n".join(out) + "\n</svg>\n").encode("utf-8")


def _with_font(svg: bytes, shared: str) -> bytes:
    """`svg` carrying the shared subset (its own, should it draw a character
    the shared one lacks), as render() embeds it."""
    from .webfont import FontNotEmbedded, FontUnavailable, embed_font

    try:
        return embed_font(svg, shared)
    except FontUnavailable as e:  # the picture still names the font
        import warnings

        warnings.warn(f"the SVG is written without its font: {e}", FontNotEmbedded, stacklevel=2)
        return svg


def _model_text(model: Model, titles) -> str:
    """Every text the overview and its pictures can draw (a superset)."""
    parts = [model.title or "", *titles, "0123456789"]
    for d in model.deliverables.values():
        parts += [d.display, *d.owners]
    parts += [g.display for g in model.groups.values()]
    parts += [r.note for r in model.relations if r.note]
    return "".join(parts)
