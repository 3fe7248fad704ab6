"""`prep render` of a model above `--overview-above`: the overview and its
drill-down pictures (`--drill-downs`), what stderr says about them, and
the size of a picture drawn whole anyway (`--force`). Called by `prep
render` (render.py)."""

from __future__ import annotations

import os

import click

from .render_options import TIMEOUT_SECONDS


def _overview_message(n: int, overview_above: int, out_path: str, one_file: bool, clusters,
                      each: str | None = "one picture") -> str:
    """What an overview is, and (when they were found, not declared) what its
    clusters are and how they were found. `each`: what is written per
    cluster ("one picture", "a placeholder page"; None: nothing, the
    drill-downs not drawn and not linked)."""
    from ..language.clusters import MAX_BOXES, MAX_DECLARED_BOXES

    what = "cluster" if clusters.automatic else "group"
    folder = f"{os.path.splitext(out_path)[0]}.groups/"
    if one_file:
        where = f"then one page per {what}" if each else f"(its pages per {what} not drawn)"
    else:
        where = f"with {each} per {what} in {folder}" if each else f"(the pictures per {what} not drawn)"
    if not one_file and len(clusters.clusters) > (MAX_BOXES if clusters.automatic else MAX_DECLARED_BOXES):
        what, where = (f"run of {what}s", f"each opening the overview of its {what}s"
                                          + (f", with {each} per {what}" if each else "") + f", in {folder}")
    lines = [f"the model has {n} deliverables (more than --overview-above {overview_above}): "
             f"{out_path} is an overview, one box per {what}{' ' if where.startswith('(') else ', '}{where}; "
             "--force draws everything in one picture"]
    if clusters.automatic:
        shown = 8
        names = [f"{c.label} ({len(c.members)})" for c in clusters.clusters[:shown]]
        more = len(clusters.clusters) - shown
        lines.append(f"{clusters.summary()}: " + "; ".join(names) + (f"; and {more} more" if more > 0 else ""))
    return "\n".join(lines)


def _size_message(n: int, overview_above: int, out_path: str, fmt: str, data: bytes, force: bool) -> str:
    """How large a picture of more than --overview-above deliverables is:
    never written silently (it is seldom readable)."""
    from ..renderer.output import picture_size

    size = picture_size(data, fmt)
    why = ("--force draws everything" if force else "a roadmap or status picture is drawn whole")
    return (f"{out_path}: {n} deliverables in one picture" + (f" of {size}" if size else "")
            + f", {_file_size(len(data))} ({why}; more than --overview-above {overview_above} is seldom readable"
            + ("; without --force it is an overview with one picture per group or cluster" if force else "") + ")")


def _file_size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB" if n >= 1e3 else f"{n} bytes"


class _DrillDowns:
    """--drill-downs: whether an overview's pictures of its clusters are
    drawn, the command that draws them, and what it would take."""

    def __init__(self, mode: str, src: str, out_path: str, fmt: str, given: tuple[str, ...] = (),
                 timeout: float = TIMEOUT_SECONDS):
        self.mode, self.src, self.out_path, self.fmt = mode, src, out_path, fmt
        self.given, self.timeout = given, timeout   # the user's other options, to repeat in the command

    @property
    def named(self) -> bool:
        """--drill-downs NAME: one box's pictures."""
        return self.mode not in ("auto", "all", "none")

    def drawn(self, clusters) -> bool:
        """Every picture drawn (with NAME: only some)."""
        from ..renderer.overview import DRAWN_BY_DEFAULT

        return self.mode == "all" or (self.mode == "auto" and len(clusters.clusters) <= DRAWN_BY_DEFAULT)

    def which(self, model, clusters, fmt: str):
        """What render_overview draws: True (all), False (none), or the
        named box (a usage error, with a did-you-mean, for a name that is
        no box of the overviews)."""
        if not self.named:
            return self.drawn(clusters)
        import difflib

        from ..language.clusters import in_two_levels
        from ..language.diagnostics import PrepError

        if fmt == "pdf":
            raise PrepError.at(self.src, f"--drill-downs {self.mode}: a PDF overview is one document of pages in "
                                         "order", name="usage-error", hint="use --drill-downs all or none, or -o x.svg")
        runs, _ = in_two_levels(model, clusters)
        boxes = [c.name for c in clusters.clusters] + ([c.name for c in runs.clusters] if runs is not clusters else [])
        if self.mode not in boxes:
            close = difflib.get_close_matches(self.mode, boxes, n=1, cutoff=0.5)
            raise PrepError.at(self.src, f"--drill-downs: no group or cluster named '{self.mode}' in the overview",
                               name="usage-error",
                               hint=f"did you mean '{close[0]}'?" if close else
                               "give auto, all, none, or the name of a box (a placeholder page says it)")
        return frozenset([self.mode])

    def command_for(self, box: str) -> str:
        """The command that draws the pictures of one box."""
        import shlex

        words = ["prep", "render", self.src, "-o", self.out_path, *self.given, "--drill-downs", box]
        return " ".join(shlex.quote(w) for w in words)

    def command(self, cpu_seconds: float) -> str:
        """The command that draws every picture: this one with --drill-downs
        all, and more time when their `cpu_seconds` need it (not this
        machine's cores: a placeholder is the same on any machine)."""
        import math
        import shlex

        words = ["prep", "render", self.src, "-o", self.out_path, *self.given, "--drill-downs", "all"]
        needed = 60 * math.ceil((4 * cpu_seconds + 60) / 60)   # room for a loaded machine
        if max(needed, self.timeout) != TIMEOUT_SECONDS:
            words += ["--timeout", f"{max(needed, self.timeout):g}"]
        return " ".join(shlex.quote(w) for w in words)

    def seconds(self, clusters, spent: float) -> tuple[float, int]:
        """(the estimated wall seconds of the command with every picture,
        this machine's cores): what this one took (`spent`), plus the
        pictures shared over the cores."""
        from ..renderer.overview import drawing_seconds

        cores = max(1, min(os.cpu_count() or 1, 4))   # map_forked's workers
        # the cores are seldom all free: at 100,000 the pictures' wall time
        # was 1.4 x their CPU time over two cores (load average 1.5-3)
        return spent + 1.4 * drawing_seconds(clusters.sizes) / cores, cores

    def message(self, clusters, spent: float = 0.0) -> str:
        from ..renderer.overview import drawing_seconds

        n = len(clusters.clusters)
        cpu = drawing_seconds(clusters.sizes)
        what = "cluster" if clusters.automatic else "group"
        seconds, cores = self.seconds(clusters, spent)
        took = f"about {seconds / 60:.0f} min" if seconds >= 90 else f"about {seconds:.0f} s"
        done = ("its boxes open placeholder pages that name the deliverables and the commands (one box's "
                "pictures: --drill-downs NAME)" if self.fmt == "svg" else "only the overviews are written")
        if self.named:
            return (f"drew the pictures of '{self.mode}'; the other pictures of the {n} {what}s are placeholder "
                    f"pages; draw them all ({took} on {cores} core{'s' if cores != 1 else ''}) with: "
                    f"{self.command(cpu)}")
        return (f"the {n} pictures of the {what}s are not drawn ({self.why()}): {done}; draw them all ({took} "
                f"on {cores} core{'s' if cores != 1 else ''}) with: {self.command(cpu)}")

    def why(self) -> str:
        from ..renderer.overview import DRAWN_BY_DEFAULT

        return (f"--drill-downs auto draws up to {DRAWN_BY_DEFAULT}" if self.mode == "auto" else
                "--drill-downs drew another box's" if self.named else f"--drill-downs {self.mode}")

    def placeholder(self, cpu_seconds: float):
        """`placeholder(title, members) -> bytes` of a drill-down not drawn."""
        from functools import partial

        return partial(self._placeholder, cpu_seconds)

    def _placeholder(self, cpu_seconds: float, box: str, title: str, members) -> bytes:
        from ..renderer.overview import placeholder_svg

        return placeholder_svg(title, members, self.command(cpu_seconds),
                               f"The overview was written without its drill-down pictures ({self.why()}).",
                               this_one=self.command_for(box))


def _given_options() -> tuple[str, ...]:
    """The options given on this `prep render` command line, as words
    (those that choose files, time and drill-downs left out), so a message
    can name the command that draws the same pictures."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return ()
    from click.core import ParameterSource

    words: list[str] = []
    for param in ctx.command.params:
        if (not isinstance(param, click.Option) or param.name in ("output", "timeout", "drill_downs")
                or ctx.get_parameter_source(param.name) != ParameterSource.COMMANDLINE):
            continue
        value = ctx.params[param.name]
        longest = max(param.opts, key=len)
        if param.is_flag:
            if param.secondary_opts:   # --legend/--no-legend
                words.append(longest if value else max(param.secondary_opts, key=len))
            elif value:
                words.append(longest)
        elif value is not None:
            words += [longest, f"{value:g}" if isinstance(value, float) else str(value)]
    return tuple(words)


def _render_files(model, fmt: str, out_path: str, options: dict, overview: int | None, previous, stable_file,
                  drill_downs: _DrillDowns | None = None):
    """([(path, bytes)] to write, the overview's clusters or None): one
    picture, or an overview of clusters of at most `overview` deliverables
    and their drill-downs (all, or none: `drill_downs`); with --stable, the
    layout file too (last, so the picture is written first)."""
    from .. import api

    if fmt == "html" and stable_file is None:  # the viewer: the whole model on one page, the findings with it
        from ..embed.viewer import render_html

        return [(out_path, render_html(model, overlay=options.pop("findings") is not None, **options))], None
    if overview is not None:
        from ..language.clusters import find_clusters
        from ..renderer.overview import render_overview

        clusters = find_clusters(model, overview)
        from ..renderer.overview import drawing_seconds

        drawn = True if drill_downs is None else drill_downs.which(model, clusters, fmt)
        placeholder = None if drawn is True else drill_downs.placeholder(drawing_seconds(clusters.sizes))
        return render_overview(model, fmt, out_path, clusters=clusters, drill_downs=drawn, placeholder=placeholder,
                               **options), clusters
    if stable_file is None and fmt != "layout":  # no layout file: no previous layout either
        return [(out_path, api.render(model, fmt, **options))], None
    from ..layouter import layout as lay_out
    from ..renderer.dot import resolve_theme

    theme = resolve_theme(options["theme"])
    geometry = lay_out(model, direction=options["direction"], font=theme.font, font_size=theme.font_size,
                       engine=options["engine"], legend=options["legend"],
                       health=options["findings"] is not None, previous=previous,
                       view=options.get("view", "diagram"))
    if stable_file is not None:
        geometry = geometry.rounded()  # what the file keeps, so the next render draws the same
    if fmt == "html":
        overlay = options.pop("findings") is not None
        options = dict(options, overlay=overlay)
    files = [(out_path, geometry.to_json() if fmt == "layout" else
              api.render(model, fmt, layout=geometry, **options))]
    return files + ([] if stable_file is None else [(stable_file, geometry.to_json())]), None
