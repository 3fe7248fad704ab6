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
"""

from __future__ import annotations

import os
import re

from ..language.model import Model
from ..language.clusters import Clusters
from ..language.views import UNGROUPED, overview, subsets


def drilldown_folder(out_path: str) -> str:
    base, _ = os.path.splitext(out_path)
    return base + ".groups"


DRILLDOWN = re.compile(r"\d{3}-[^/\\]*\.(svg|png|pdf|pptx|dot|layout\.json)")


def prepare_folder(out_path: str, keep: list[str]) -> None:
    """Create the drill-down folder, and remove the pictures an earlier
    overview left there that this one does not write (groups renamed or
    gone); nothing else in the folder is touched."""
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


def render_overview(model: Model, fmt: str, out_path: str, clusters: Clusters | None = None,
                    **options) -> list[tuple[str, bytes]]:
    """[(path, bytes)]: the overview at `out_path` first, then one picture
    per box in `<out_path without extension>.groups/`. The boxes are
    `clusters` (`find_clusters`), by default the top-level groups."""
    from .._process import map_forked
    from ..layouter import measure
    from . import render
    from .dot import resolve_theme

    theme = resolve_theme(options.get("theme"))
    options = dict(options, theme=theme)
    inner = {}
    # clusters found automatically, in two levels when there are too many
    # (declared groups stay as declared; a PDF is pages in order: one level)
    if clusters is not None and clusters.automatic and fmt != "pdf":
        from ..language.clusters import in_two_levels

        clusters, inner = in_two_levels(model, clusters)
    view, holds = overview(model, clusters)
    labels = {c.name: c.label for c in clusters.clusters} if clusters is not None else {
        box: model.groups[box].display for box in holds if box in model.groups}
    titles = {box: (f"{model.title} — {labels[box]}" if model.title else labels[box])
              for box in holds if box != UNGROUPED}
    folder = drilldown_folder(out_path)
    rel_folder = os.path.basename(folder)
    names = {box: file_name(i, box if box != UNGROUPED else "no-group", fmt) for i, box in enumerate(holds, 1)}
    # one measurement of the whole model serves every drill-down
    sizes = measure(model, font=theme.font, font_size=theme.font_size, legend=bool(options.get("legend")),
                    health=options.get("findings") is not None, titles=tuple(titles.values()))
    shared = None
    if fmt == "svg" and options.get("embed_fonts", True):
        from .webfont import prepare, shared_subset

        text = _model_text(model, titles.values())
        prepare(text)  # every picture's font subset is then cut from one (issue 14)
        # or, when the model draws few characters, every drill-down carries
        # the same subset, cut once here (before the workers are forked)
        shared = shared_subset(text)
    files = []
    links = {box: f"{rel_folder}/{name}" for box, name in names.items()} if fmt == "svg" else None
    files.append((out_path, render(view, fmt, links=links, **options)))

    boxes = list(holds)
    parts = dict(zip(boxes, subsets(model, [holds[box] for box in boxes])))

    def titled(box: str) -> Model:
        part = parts[box]
        if box == UNGROUPED:
            return part
        return Model(path=part.path, title=titles[box],
                     deliverables=part.deliverables, relations=part.relations, groups=part.groups,
                     comments=part.comments, diagnostics=part.diagnostics, source=part.source)

    if inner:  # two levels: each box opens the overview of its clusters, in a folder of its own
        for box in boxes:
            files += render_overview(titled(box), fmt, os.path.join(folder, names[box]), clusters=inner[box],
                                     **options)
        return files

    def draw(box: str) -> bytes:
        part = titled(box)
        if shared is None:
            return render(part, fmt, sizes=sizes, **options)
        return _with_font(render(part, fmt, sizes=sizes, **dict(options, embed_fonts=False)), shared)

    # the drill-downs on every core (each is a layout, a drawing and a font subset)
    pictures = map_forked(draw, boxes, "drawing the groups' pictures")
    files += [(os.path.join(folder, names[box]), data) for box, data in zip(boxes, pictures)]
    if fmt == "pdf":  # one document: the overview, then a page per group
        from ..language.diagnostics import PrepError
        from .pdfpages import PdfError, merge

        try:
            return [(out_path, merge([data for _, data in files]))]
        except PdfError as e:
            raise PrepError.at(model.path, f"could not join the PDF pages: {e}", code="R001", name="render-failed",
                               hint="draw the overview as SVG (-o model.svg): one picture per group, linked") from None
    return files


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
