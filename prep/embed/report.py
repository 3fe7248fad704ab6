"""`prep report`: the page a consultant sends to a client, in one file.

Title and summary, the diagram with the lint findings drawn on it, the
findings table, the hotspot ranking, and a catalogue of deliverables (kind,
owners, stage, inputs, consumers).

HTML output is self-contained: the diagram is inline SVG, the style sheet is
inline, there are no scripts, fonts or links to fetch, and a print style
sheet keeps tables and the picture readable on paper. Markdown output links
the diagram as an SVG file written next to it (Markdown viewers do not show
inline SVG).

Models with stages get a roadmap section: the roadmap view (stages as
columns), then per stage its deliverables, its exit criteria, its findings
(those about a deliverable of the stage) and its frame: the cross-section at
the end of the stage drawn on the whole model's layout, so a deliverable
sits in the same place in every frame (`prep.renderer.frame`).

Hotspot ranking: the lint engine's (`prep.linter.hotspots.rank`, the same
as `prep lint --hotspots`) when it is installed. Otherwise a simple fallback:
a deliverable's *risk* adds up what the three PReP questions look for,

- each lint finding about it: error 3, warning 2, info 1;
- knowhow held by fewer than two named owners (knowledge held by one person): 2;
- each synchronization or mutual relation at it (waits on coordination): 1;
- made from exactly one input (an input may be missing): 1;

and its *reach* is the number of deliverables downstream of it (made from it,
directly or not, through `->` and `~>`). The score is risk x (1 + reach): a
fragile deliverable that much of the process depends on comes first.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from html import escape

from ..language.diagnostics import Diagnostic, PrepError
from ..linter.findings import (findings_table_html, findings_table_markdown, html_inline, markdown_cell,
                               printed_inline, sort_findings)
from ..linter.formats import subject_of
from ..language.model import ARROW_OF_KIND, INPUT, KNOWHOW, MUTUAL, SYNC, Model
from ..language.views import file_label
from .._words import generated_by, japanese, say
from .report_pictures import (SCREEN_PAGED_MOST, cropped_pages, in_report_pages, screen_page, screen_pictures,
                              stage_frames)

SEVERITY_POINTS = {"error": 3, "warning": 2, "info": 1}
_XML_PROLOG = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*|<!--.*?-->\s*", re.S)


def finding_subject(model: Model, d: Diagnostic) -> tuple[str, str | None]:
    """What finding `d` is about, as every report's findings table shows it
    (the column "subject"): the label of the deliverable, or of the stage for
    a finding about a stage (T404), and its name where the label does not
    start with it (as the catalogue shows a deliverable), else None."""
    name = subject_of(d)
    if name is None:
        return "", None
    thing = model.deliverables.get(name) if name == d.subject else None
    thing = thing or model.stages.get(name) or model.deliverables.get(name)
    if thing is None:
        return name, None
    label = thing.display
    return label, (name if label.split("\n")[0] != name else None)


def _subject_of(model: Model):
    """finding_subject of `model`'s findings, for the findings tables."""
    return lambda d: finding_subject(model, d)


@dataclass(frozen=True)
class Hotspot:
    name: str
    score: int
    risk: int
    reach: int
    reasons: tuple[str, ...]


def lint_findings(model: Model, lint_options: dict | None = None) -> list[Diagnostic] | None:
    """The lint findings (with `lint_model`'s settings), or None when this
    installation has no lint engine."""
    try:
        from ..linter import lint_model
    except ImportError:
        return None
    return lint_model(model, **(lint_options or {}))


def downstream_counts(model: Model) -> dict[str, int]:
    """For each deliverable, how many others are made from it, directly or not."""
    out_edges: dict[str, set[str]] = {n: set() for n in model.deliverables}
    for r in model.relations:
        if r.kind != MUTUAL and r.source != r.target:
            out_edges[r.source].add(r.target)
    counts = {}
    for start in model.deliverables:
        seen: set[str] = set()
        todo = list(out_edges[start])
        while todo:
            n = todo.pop()
            if n not in seen and n != start:
                seen.add(n)
                todo.extend(out_edges[n])
        counts[start] = len(seen)
    return counts


def hotspots(model: Model, findings: list[Diagnostic] | None, limit: int = 10) -> list[Hotspot]:
    """The ranking described in the module docstring, best first; only
    deliverables with some risk are listed."""
    index = model.index
    reach = downstream_counts(model)
    by_subject: dict[str, list[Diagnostic]] = {}
    for f in findings or ():
        if f.subject in model.deliverables:
            by_subject.setdefault(f.subject, []).append(f)
    ranked = []
    for name, d in model.deliverables.items():
        risk, reasons = 0, []
        mine = by_subject.get(name, [])
        if mine:
            risk += sum(SEVERITY_POINTS.get(f.severity, 1) for f in mine)
            codes = sorted({f.code for f in mine})
            reasons.append(f"{len(mine)} finding{'s' if len(mine) > 1 else ''} ({', '.join(codes)})")
        if d.kind == KNOWHOW and len(d.owners) < 2:
            risk += 2
            reasons.append("knowhow held by one person" if d.owners else "knowhow with no named owner")
        sync = index.sync_degree(name)
        if sync:
            risk += sync
            reasons.append(f"{sync} coordination relation{'s' if sync > 1 else ''}")
        if len(index.producers(name)) == 1:
            risk += 1
            reasons.append("made from a single input")
        if risk:
            ranked.append(Hotspot(name, risk * (1 + reach[name]), risk, reach[name], tuple(reasons)))
    ranked.sort(key=lambda h: (-h.score, -h.risk, h.name))
    return ranked[:limit]


def hotspot_table(model: Model, findings: list[Diagnostic] | None) -> tuple[list[str], list[list[str]], str]:
    """(header, rows, explanation) of the hotspot ranking."""
    try:
        from ..linter.hotspots import rank
    except ImportError:
        rank = None
    if rank is not None:
        rows = [[str(h.rank), model.deliverables[h.deliverable].display, f"{h.score:.2f}", str(h.sync),
                 str(h.personal_knowhow), str(h.upstream), str(h.downstream), f"{h.flow:.2f}"]
                for h in rank(model)]
        return ([say(h) for h in ("#", "deliverable", "score", "S sync", "K personal knowhow", "up", "down",
                                  "F flow")], rows,
                say("Where the process is fragile (as `prep lint --hotspots`): score = S + 2K + 5F, with S the "
                    "coordinations at the deliverable, K the personal knowhow it depends on, F how much of the "
                    "process flows through it."))
    rows = [[str(i), model.deliverables[h.name].display, str(h.score), str(h.risk), str(h.reach), "; ".join(h.reasons)]
            for i, h in enumerate(hotspots(model, findings), 1)]
    return ([say(h) for h in ("#", "deliverable", "score", "risk", "downstream", "why")], rows,
            say("Where the process is fragile: risk (findings, knowhow held by one person, coordination, "
                "single input) times (1 + deliverables downstream)."))


def _catalogue_rows(model: Model) -> list[dict]:
    index = model.index
    where = model.effective_stages  # knowhow and unplaced deliverables too
    rows = []
    for name, d in model.deliverables.items():
        inputs = [f"{r.source}" + (f" {say('(sync)')}" if r.kind != "input" else "") for r in index.producers(name)]
        consumers = [f"{r.target}" + (f" {say('(sync)')}" if r.kind != "input" else "") for r in index.uses(name)]
        mutual = [r.target if r.source == name else r.source for r in index.mutual[name]]
        group = model.groups[d.group].display if d.group in model.groups else ""
        flags = [say(f) for f, on in (("external", d.external), ("final", d.final)) if on]
        stage = model.stages[where[name]].display if where.get(name) in model.stages else ""
        rows.append({
            # the name under the label where the label does not start with it
            # ("年間計画\nYearly plan" was followed by "(年間計画)" again)
            "name": name, "label": d.display, "name_shown": d.display.split("\n")[0] != name,
            "kind": d.kind, "kind_shown": say(d.kind), "flags": flags, "owners": list(d.owners),
            "stage": " ".join(stage.split()), "group": group, "inputs": inputs,
            "consumers": consumers + [f"{m} {say('(mutual)')}" for m in mutual], "note": d.note or "",
            "file": file_label(model, d.span.path if d.span is not None else model.path),
        })
    return rows


def _files_as_named_by_the_root(model: Model, findings: list[Diagnostic]) -> list[Diagnostic]:
    """A workspace's findings with their files named as the root's
    `include` lines name them (`teams/sales.prep:4:9`), as the file column
    does: a report is sent to a client, and `prep report /home/me/.../main.prep`
    put the consultant's folders into every row, five lines tall."""
    from dataclasses import replace

    return [replace(d, span=d.span._replace(path=file_label(model, d.span.path))) if d.span is not None else d
            for d in findings]


NO_LINT = "Lint is not available in this installation; no findings were computed."
COLOURED_BY_FINDINGS = "Boxes are coloured by their worst finding: green none, lime info, yellow warning, red error."
ROADMAP_WHY = ("The stages in order, each in a frame titled with it (side by side as columns where the page holds "
               "them, else one under another); exit criteria are tagged EXIT n.")
ROADMAP_EACH = ("Then each stage: what it makes, what ends it, its findings, and the process as it stands at its end "
                "(every deliverable in the same place in every picture).")


MEASURES_WHY = ("The KPIs: what each observes (usually a stage's exit criterion), where its data comes from, "
                "its target and the threshold of each health colour (a value below yellow's is red).")


THRESHOLD_COLUMNS = ("target", "green", "lime", "yellow")
NO_BREAK = "\u00a0"   # a no-break space: the PDF and Word reports keep what it joins on one line


def measure_columns(model: Model) -> list[tuple[str, float]]:
    """The Measures table's columns and their relative widths (no stage
    column for a model without stages: it would be empty)."""
    columns = [("measure", 16), ("observes", 14), ("data from", 12), ("stage", 11), ("target", 8), ("green", 8),
               ("lime", 8), ("yellow", 8), ("DEAR", 8), ("owners", 11)]
    return [c for c in columns if c[0] != "stage" or model.stages]


def measure_rows(model: Model) -> list[tuple[str, ...]]:
    """A row per measure (KPI), in the model's order, as `measure_columns`
    names them: the thresholds as written, deliverables by their label."""
    where = model.effective_stages
    keep = [c for c, _ in measure_columns(model)]
    rows = []
    for m in model.measures.values():
        stage = model.stages[where[m.of]].display if m.of and where.get(m.of) in model.stages else ""
        label = m.display.replace("\n", " ")
        cells = {"measure": label if m.label is None or m.label.split("\n")[0] == m.name else f"{label} ({m.name})",
                 "observes": ", ".join(_names(model, [m.of])) if m.of else "",
                 "data from": ", ".join(_names(model, [m.source])) if m.source else "",
                 "stage": " ".join(stage.split()),
                 **{k: t.text if t is not None else "" for k, t in
                    zip(THRESHOLD_COLUMNS, (m.target, m.green, m.lime, m.yellow))},
                 "DEAR": ("ROI" if m.dear == "roi" else m.dear) or "",   # as `prep lint --measures` heads it
                 "owners": ", ".join(m.owners)}
        rows.append(tuple(cells[c] for c in keep))
    return rows


def _model_file(model: Model) -> str:
    """The model's file as a report names it: its file name, as the
    workspace's files are named from the root's folder. The path as typed
    (`/home/me/clients/acme/main.prep`) put the consultant's folders on
    the client's title page."""
    return file_label(model, model.path)


def _model_line(model: Model) -> list[str]:
    """The report's "model: FILE" line; none for a model read from text
    (`prep.loads`: "model: <string>" went on a client's title page)."""
    path = str(model.path)
    return [] if path.startswith("<") and path.endswith(">") else [f"{say('model')}: {_model_file(model)}"]


def _has_files(model: Model) -> bool:
    """A model kept in more than one file (a workspace): its deliverables
    table gains a file column (a single file's report is as before)."""
    return len(model.files) > 1


RELATION_KINDS = {INPUT: "input", SYNC: "synchronization", MUTUAL: "mutual synchronization"}


def relation_note_rows(model: Model) -> list[tuple[str, str, str, str]]:
    """(from, relation, to, note) of every relation statement with a note, in
    model order; `a, b ~> c [note: ...]` is one row (its note is drawn once)."""
    statements: dict[tuple, tuple[list[str], list[str]]] = {}
    for r in model.relations:
        if r.note is None:
            continue
        sources, targets = statements.setdefault((r.span, r.kind, r.note), ([], []))
        for names, name in ((sources, r.source), (targets, r.target)):
            if name not in names:
                names.append(name)
    return [(", ".join(_names(model, sources)), f"{ARROW_OF_KIND[kind]} {say(RELATION_KINDS[kind])}",
             ", ".join(_names(model, targets)), note)
            for (_, kind, note), (sources, targets) in statements.items()]


def _summary(model: Model, findings: list[Diagnostic] | None) -> list[str]:
    n_knowhow = sum(1 for d in model.deliverables.values() if d.kind == KNOWHOW)
    n_sync = sum(1 for r in model.relations if r.kind != "input")
    if japanese():
        lines = [f"成果物 {len(model.deliverables)} (うちノウハウ {n_knowhow})、関係 {len(model.relations)} "
                 f"(うち同期 {n_sync})、グループ {len(model.groups)}"]
    else:
        lines = [f"{_count(len(model.deliverables), 'deliverable')} ({n_knowhow} knowhow), "
                 f"{_count(len(model.relations), 'relation')} ({n_sync} synchronization), "
                 f"{_count(len(model.groups), 'group')}"]
    if findings is None:
        lines.append(say("lint: not available in this installation"))
    else:
        c = {"error": 0, "warning": 0, "info": 0}
        for f in findings:
            c[f.severity] = c.get(f.severity, 0) + 1
        lines.append(f"指摘 {len(findings)} 件: エラー {c['error']}、警告 {c['warning']}、情報 {c['info']}" if japanese()
                     else f"{_count(len(findings), 'finding')}: {_count(c['error'], 'error')}, "
                          f"{_count(c['warning'], 'warning')}, {c['info']} info")
    return lines


def _count(n: int, noun: str) -> str:
    """"1 finding", "8 warnings" (the report said "8 warning", "1 findings")."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass(frozen=True)
class StagePart:
    """One stage of the report's roadmap section."""
    name: str
    label: str
    members: tuple[str, ...]      # deliverables whose effective stage it is, in model order
    exits: tuple[str, ...]
    findings: tuple[Diagnostic, ...]
    note: str | None


def roadmap_parts(model: Model, findings: list[Diagnostic] | None) -> list[StagePart]:
    """Per stage, in order: its deliverables, exit criteria and findings
    (those whose subject is one of its deliverables, or the stage itself)."""
    where = model.effective_stages
    parts = []
    for st in model.stages.values():
        members = tuple(n for n in model.deliverables if where[n] == st.name)
        mine = set(members)
        found = tuple(f for f in findings or () if f.subject in mine or
                      (f.subject == st.name and f.subject not in model.deliverables))
        parts.append(StagePart(st.name, st.display, members, st.exits, found, st.note))
    return parts


def _names(model: Model, names) -> list[str]:
    """Deliverables by their label, on one line each."""
    return [model.deliverables[n].display.replace("\n", " ") if n in model.deliverables else n for n in names]


def _title(model: Model) -> str:
    return model.title or os.path.splitext(os.path.basename(model.path))[0]


CSS = """
body{font-family:'Noto Sans CJK JP','Noto Sans JP','Hiragino Sans','Yu Gothic','Meiryo',system-ui,sans-serif;
color:#222;max-width:72rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
.meta{color:#555;margin:.1rem 0}
.diagram{overflow-x:auto;border:1px solid #ddd;padding:.5rem;background:#fff;margin:0 0 1rem}
.diagram svg{max-width:100%;height:auto;display:block;margin:0 auto} .prep-natural svg{max-width:none}
.diagram figcaption{color:#555;font-size:.85rem;margin-top:.3rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f2f2f2} td small{color:#555}
.kind-knowhow{border:1px dashed #333;padding:0 .3rem} .kind-deliverable{border:1px solid #333;padding:0 .3rem}
footer{margin-top:2rem;color:#777;font-size:.8rem}
td.prep-health-green{background:#b7e1b0} td.prep-health-lime{background:#dcef9a}
td.prep-health-yellow{background:#fff08a} td.prep-health-red{background:#f4a6a0} td.prep-health-none{background:#e4e4e4}
@media print{body{margin:0;max-width:none;font-size:10pt} .diagram{border:none;overflow:visible}
.prep-natural svg{max-width:100%}
h2,h3{break-after:avoid} tr,.diagram{break-inside:avoid} th{background:#eee !important}
td,th{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
""".strip()


_SVG_ID = re.compile(r'(<[^>]*?\sid=")')


def _inline_svg(svg: bytes, prefix: str | None = None) -> str:
    """Graphviz's SVG document as an element inside HTML (no prolog, no
    comments); with `prefix`, its ids made unique in a page of several."""
    text = _XML_PROLOG.sub("", svg.decode("utf-8")).strip()
    return _SVG_ID.sub(lambda m: m.group(1) + prefix + "-", text) if prefix else text


def _pictures_html(svgs: list[bytes], prefix: str | None, css: str = "diagram",
                   captions: list[str | None] | None = None) -> list[str]:
    """Each page of a picture in a frame of its own (with its caption), its
    ids made unique (`prefix`, numbered when there are several pages)."""
    out = []
    for k, svg in enumerate(svgs, 1):
        own = prefix if len(svgs) == 1 else f"{prefix or 'picture'}-{k}"
        caption = captions[k - 1] if captions else None
        if caption:
            out.append(f'<figure class="{css}">{_inline_svg(svg, own)}'
                       f"<figcaption>{escape(caption)}</figcaption></figure>")
        else:
            out.append(f'<div class="{css}">{_inline_svg(svg, own)}</div>')
    return out


def _frame_caption(caption: str | None) -> str | None:
    """A stage frame's caption as a screen shows it (a report page's
    "Laid out for this page." says nothing there)."""
    if caption is None:
        return None
    return caption.removeprefix(say("Laid out for this page.")).strip() or None


def _roadmap_html(model: Model, parts: list[StagePart], pictures: dict, natural: bool = False) -> list[str]:
    more = " prep-natural" if natural else ""
    out = [f'<h2 id="roadmap">{say("Roadmap")}</h2>',
           f'<p class="meta">{escape(say(ROADMAP_WHY))}{"" if japanese() else " "}{escape(say(ROADMAP_EACH))}</p>',
           *_pictures_html(pictures["roadmap"], "roadmap", "diagram prep-roadmap" + more)]
    for i, part in enumerate(parts, 1):
        out.append(f'<section class="prep-stage" id="stage-{i}">')
        out.append(f"<h3>{escape(part.label)}</h3>")
        if part.note:
            out.append(f'<p class="meta">{escape(part.note)}</p>')
        out.append('<table class="prep-stage-summary"><tbody>')
        for head, names in (("deliverables", part.members), ("exit criteria", part.exits)):
            cell = ", ".join(escape(t) for t in _names(model, names)) or say("none")
            out.append(f"<tr><th>{say(head)}</th><td>{cell}</td></tr>")
        out.append("</tbody></table>")
        # a class of its own: "prep-findings" is the model's whole table
        table = findings_table_html(part.findings, with_path=_has_files(model), subject=_subject_of(model))
        out.append(table.replace('class="prep-findings"', 'class="prep-stage-findings"', 1)
                   if part.findings else
                   f'<p class="prep-no-findings">{say("No findings in this stage.")}</p>')
        frames = pictures.get(part.name, [])
        out += _pictures_html([svg for svg, _ in frames], f"stage-{i}", "diagram prep-frame" + more,
                              [_frame_caption(caption) for _, caption in frames])
        out.append("</section>")
    return out


def _health_html(status, customer, pictures: list[bytes], natural: bool = False) -> list[str]:
    """The Health section (`prep report --status`): where the customers
    stand, and one customer's roadmap coloured by its values (its pages,
    none when no customer is shown)."""
    from ..health.formats import format_html

    out = [f'<h2 id="health">{say("Health")}</h2>', format_html(status, customer)]
    if pictures:
        out += [f'<p class="meta">{escape(say(HEALTH_KEY))}</p>',
                *_pictures_html(pictures, "health", "diagram prep-natural" if natural else "diagram")]
    return out


def _named_by_file(status):
    """A status whose data is named by its file's name, as the report names
    the model's file: `--status /home/me/clients/acme/values.csv` put the
    consultant's folders into the client's report."""
    from dataclasses import replace

    return replace(status, source=os.path.basename(status.source) or status.source)


def _status_of(model: Model, data: str, customer: str | None, notes: list | None = None):
    """(the status of `data`, named by its file's name; the customer shown:
    the one named, else the only one, else None). `notes` (a list) receives
    what reading the data noted, as `prep status` says it."""
    from ..health import load_status, named_customer

    status = _named_by_file(load_status(model, data, notes))
    if customer is not None:
        return status, named_customer(status, customer, data)
    return status, status.customers[0] if len(status.customers) == 1 else None


def health_parts(model: Model, data: str, customer: str | None, *, theme="default", direction: str | None = "LR",
                 embed_fonts: bool = True, page=None, notes: list | None = None):
    """(status, the customer shown or None, that customer's roadmap (or
    diagram) coloured by its values as SVG pages: none when the data has
    several customers and none is named). With `page`, the picture is laid
    out for it, each page cut to what it draws (`cropped`); else one
    picture at its natural size."""
    from ..health import status_view
    from ..renderer import render
    from ..renderer.pages import render_pages

    status, chosen = _status_of(model, data, customer, notes)
    pictures: list[bytes] = []
    if chosen is not None:
        drawn, health = status_view(status, chosen)
        view = "roadmap" if model.stages else "diagram"
        if page is not None:
            laid = render_pages(drawn, "svg", page, direction=direction, legend=True, theme=theme, health=health,
                                embed_fonts=embed_fonts, view=view)
            pictures = cropped_pages(laid)
        else:
            pictures = [render(drawn, "svg", direction=direction or "LR", legend=True, theme=theme, health=health,
                               embed_fonts=embed_fonts, view=view)]
    return status, chosen, pictures


def _list(items: list[str]) -> str:
    return "<br>".join(escape(i) for i in items)


def report_html(model: Model, findings: list[Diagnostic] | None, svg: bytes | list[bytes], *, theme=None,
                pictures: dict | None = None, font_css: str = "", health: tuple | None = None,
                natural: bool = False) -> str:
    """`svg`: the diagram (or its pages); `pictures`: "roadmap" -> [SVG, ...]
    and each stage's name -> [(SVG, caption or None), ...]; `natural`: the
    pictures are at their natural size, not laid out for a page (shown at
    that size in frames that scroll, not shrunk to the column's width)."""
    from .._version import __version__

    title = _title(model)
    head, spots, why = hotspot_table(model, findings)
    out = ["<!DOCTYPE html>", '<html lang="ja">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{escape(title)}</title>", f"<style>{CSS}{font_css}</style>", "</head>", "<body>",
           f"<h1>{escape(title)}</h1>"]
    out += [f'<p class="meta">{escape(line)}</p>' for line in _model_line(model) + _summary(model, findings)]
    css = "diagram prep-natural" if natural else "diagram"   # natural: shown at its size, scrolled
    out += [f'<h2 id="diagram">{say("Diagram")}</h2>',
            *_pictures_html(svg if isinstance(svg, list) else [svg], None, css)]
    if findings is not None:
        out.append(f'<p class="meta">{escape(say(COLOURED_BY_FINDINGS))}</p>')
    if pictures:
        out += _roadmap_html(model, roadmap_parts(model, findings), pictures, natural)
    if health is not None:
        out += _health_html(*health, natural=natural)
    if model.measures:
        out += [f'<h2 id="measures">{say("Measures")}</h2>', f'<p class="meta">{escape(say(MEASURES_WHY))}</p>',
                '<table class="prep-measures"><thead><tr>'
                + "".join(f"<th>{escape(say(c))}</th>" for c, _ in measure_columns(model)) + "</tr></thead><tbody>"]
        out += ["<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in measure_rows(model)]
        out.append("</tbody></table>")
    out.append(f'<h2 id="findings">{say("Findings")}</h2>')
    out.append(findings_table_html(findings, with_path=_has_files(model), subject=_subject_of(model))
               if findings is not None else f"<p>{say(NO_LINT)}</p>")
    out += [f'<h2 id="hotspots">{say("Hotspots")}</h2>', f'<p class="meta">{html_inline(why)}</p>']
    if spots:
        out.append('<table class="prep-hotspots"><thead><tr>' + "".join(f"<th>{escape(h)}</th>" for h in head)
                   + "</tr></thead><tbody>")
        for row in spots:
            out.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
        out.append("</tbody></table>")
    else:
        out.append(f"<p>{say('No hotspots.')}</p>")
    files = _has_files(model)
    head = ["deliverable", "kind", "owners", "stage", "group", *(["file"] if files else []), "inputs", "consumers",
            "note"]
    out += [f'<h2 id="catalogue">{say("Deliverables")}</h2>',
            '<table class="prep-catalogue"><thead><tr>' + "".join(f"<th>{say(h)}</th>" for h in head)
            + "</tr></thead><tbody>"]
    for row in _catalogue_rows(model):
        # the flags below the kind's box, not inside it: a box across a line
        # break was drawn as two open halves
        kind = (f'<span class="kind-{escape(row["kind"])}">{escape(row["kind_shown"])}</span>'
                + "".join(f"<br><small>{escape(f)}</small>" for f in row["flags"]))
        name = escape(row["label"]) + (f"<br><small>{escape(row['name'])}</small>" if row["name_shown"] else "")
        out.append(f'<tr><td>{name}</td><td>{kind}</td>'
                   f"<td>{_list(row['owners'])}</td><td>{escape(row['stage'])}</td><td>{escape(row['group'])}</td>"
                   + (f"<td>{escape(row['file'])}</td>" if files else "") +
                   f"<td>{_list(row['inputs'])}</td><td>{_list(row['consumers'])}</td>"
                   f"<td>{escape(row['note'])}</td></tr>")
    out.append("</tbody></table>")
    notes = relation_note_rows(model)
    if notes:
        out += [f'<h2 id="relation-notes">{say("Relation notes")}</h2>',
                '<table class="prep-relation-notes"><thead><tr>'
                + "".join(f"<th>{say(h)}</th>" for h in ("from", "relation", "to", "note")) + "</tr></thead><tbody>"]
        out += ["<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in notes]
        out.append("</tbody></table>")
    out += [f"<footer>{escape(generated_by(__version__))}</footer>", "</body>",
            "</html>", ""]
    return "\n".join(out)


_md_cell = markdown_cell


def _md_alt(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]").replace("\n", " ")


def report_markdown(model: Model, findings: list[Diagnostic] | None, image_names: str | list[str],
                    pictures: dict | None = None, health: tuple | None = None) -> str:
    """`image_names`: the diagram's file (or its pages' files); `pictures`:
    "roadmap" and each stage's name -> [(file, caption or None), ...]."""
    title = _title(model)
    out = [f"# {_md_cell(title)}", ""]
    out += [f"- {say('model')}: `{_model_file(model)}`"] if _model_line(model) else []
    out += [f"- {line}" for line in _summary(model, findings)]
    alt = _md_alt(title)
    diagram = [image_names] if isinstance(image_names, str) else image_names
    out += ["", f"## {say('Diagram')}", ""]
    for name in diagram:
        out += [f"![{alt}]({name})", ""]
    if pictures:
        out += [f"## {say('Roadmap')}", "", say(ROADMAP_WHY), ""]
        for name, _ in pictures["roadmap"]:
            out += [f"![{_md_alt(say('roadmap'))}]({name})", ""]
        for part in roadmap_parts(model, findings):
            out += [f"### {_md_cell(part.label)}", ""]
            if part.note:
                out += [_md_cell(part.note), ""]
            out += [f"- {say('deliverables')}: {_md_cell(', '.join(_names(model, part.members)) or say('none'))}",
                    f"- {say('exit criteria')}: {_md_cell(', '.join(_names(model, part.exits)) or say('none'))}", ""]
            out.append(findings_table_markdown(part.findings, with_path=_has_files(model),
                                               subject=_subject_of(model)) if part.findings
                       else say("No findings in this stage.") + "\n")
            for name, caption in pictures.get(part.name, []):
                out += [f"![{_md_alt(part.label)}]({name})", ""] + ([_md_cell(caption), ""] if caption else [])
    if health is not None:
        from ..health.formats import format_markdown

        status, customer, picture_names = health
        out += [f"## {say('Health')}", "", format_markdown(status, customer)]
        for name in picture_names:
            out += [f"![{_md_alt(say('health'))}]({name})", ""]
    if model.measures:
        head = [say(c) for c, _ in measure_columns(model)]
        out += [f"## {say('Measures')}", "", say(MEASURES_WHY), "", "| " + " | ".join(head) + " |",
                "|" + "---|" * len(head)]
        out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in measure_rows(model)]
        out.append("")
    out += [f"## {say('Findings')}", ""]
    out.append(findings_table_markdown(findings, with_path=_has_files(model), subject=_subject_of(model))
               if findings is not None else say(NO_LINT) + "\n")
    head, spots, why = hotspot_table(model, findings)
    out += [f"## {say('Hotspots')}", "", why, ""]
    if spots:
        out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for row in spots:
            out.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
    else:
        out.append(say("No hotspots."))
    files = _has_files(model)
    head = ["deliverable", "kind", "owners", "stage", "group", *(["file"] if files else []), "inputs", "consumers",
            "note"]
    out += ["", f"## {say('Deliverables')}", "", "| " + " | ".join(say(h) for h in head) + " |",
            "|---|---|---|---|---|---|---|---|" + ("---|" if files else "")]
    for row in _catalogue_rows(model):
        kind = row["kind_shown"] + "".join(f" ({f})" for f in row["flags"])
        name = row["label"] + (f"\n({row['name']})" if row["name_shown"] else "")
        out.append("| " + " | ".join(_md_cell(c) for c in (
            name, kind, ", ".join(row["owners"]), row["stage"], row["group"], *([row["file"]] if files else []),
            "\n".join(row["inputs"]), "\n".join(row["consumers"]), row["note"])) + " |")
    notes = relation_note_rows(model)
    if notes:
        out += ["", f"## {say('Relation notes')}", "",
                "| " + " | ".join(say(h) for h in ("from", "relation", "to", "note")) + " |", "|---|---|---|---|"]
        out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in notes]
    return "\n".join(out) + "\n"


def roadmap_pictures(model: Model, whole, drawn, *, theme="default", direction: str = "LR",
                     embed_fonts: bool = True) -> dict[str, bytes]:
    """The roadmap section's SVGs: "roadmap" (the roadmap view) and one
    frame per stage name, drawn on `whole` (the whole model's layout)."""
    from ..renderer import render
    from ..renderer.frame import render_frame

    pictures = {"roadmap": render(model, "svg", direction=direction, findings=drawn, theme=theme, view="roadmap",
                                  embed_fonts=embed_fonts)}
    for name in model.stages:
        pictures[name] = render_frame(model, name, whole, "svg", findings=drawn, theme=theme,
                                      embed_fonts=embed_fonts)
    return pictures


def pdf_pictures(model: Model, whole, drawn, page, *, theme="default", direction: str | None = None,
                 health: tuple | None = None) -> list:
    """The PDF report's pictures (report_pdf.Picture), as the HTML report
    shows them: the diagram, then for a model with stages the roadmap and
    each stage's frame, then, with `health` ((model to draw, colours):
    `page_health`), the customer's roadmap coloured by its values. The
    diagram, the roadmap and the customer's picture are laid out for the
    page (`prep.renderer.pages`: wrapped and paginated, text never below the
    page's minimum) unless that takes more pages than drawing them as they
    are, cut into parts where they need to be; each stage's frame is laid
    out for the page (`stage_frames`).
    `direction` None: prep chooses the one that fits the page better."""
    from ..renderer import render
    from ..renderer.pages import render_pages
    from ..renderer.stages import draw_frame
    from .report_pdf import pages_needed, picture_of, picture_room

    room = picture_room(page)
    pictures = []
    at = 1   # the report's page of the next picture (the first page holds the title and the first picture)
    drawn_as = None   # the direction the diagram was drawn in: the stage frames' too, when it costs no page
    for title, shown, view, legend, findings, colours, key in _page_views(model, drawn, health):
        if shown is None:   # the stage frames, after the roadmap: a page each
            frames = list(stage_frames(model, drawn, room, theme=theme, direction=direction, prefer=drawn_as,
                                       numbered=True))
            for f, look, title, caption, sheet, _ in in_report_pages(frames, at):
                svg = draw_frame(f, "svg", theme=look, embed_fonts=False)
                pictures.append(picture_of(title, svg, sheet=sheet, room=room, caption=caption))
            at += len(frames)
            continue
        plain = picture_of(title, render(shown, "svg", direction=direction or "LR", legend=legend, findings=findings,
                                         theme=theme, view=view, embed_fonts=False, health=colours,
                                         layout=whole if shown is model and view == "diagram"
                                         and direction in (None, whole.direction) else None), key=key)
        try:   # its markers name the report's pages
            fitted = render_pages(shown, "svg", room, direction=direction, legend=legend, findings=findings,
                                  theme=theme, view=view, embed_fonts=False, health=colours, first_page=at)
        except (RecursionError, ValueError, ArithmeticError):
            fitted = None  # the page-fitting layout is new: should it fail on a model, the picture as it is
        # laid out for the page unless that takes more pages than the picture
        # as it is, cut into parts (both keep text at the page's minimum or
        # above; a fitted page cuts between boxes, with markers, a part
        # through them, with an overlap)
        laid_out = fitted is not None and fitted.count <= pages_needed(plain, page)
        if laid_out:
            pictures += [picture_of(title, svg, sheet=(sheet.number, sheet.count, sheet.split), room=room, key=key)
                         for sheet, svg in zip(fitted.sheets, fitted.files)]
            at += fitted.count
        else:
            pictures.append(plain)
            at += pages_needed(plain, page)
        if view == "diagram":
            drawn_as = _direction_drawn(fitted if laid_out else None, direction, whole)
    return pictures


def _direction_drawn(fitted, direction: str | None, whole) -> str:
    """The direction the report's diagram was drawn in: its pages' (`fitted`,
    laid out for the page), else the picture's as it is."""
    return fitted.sheets[0].direction if fitted is not None else direction or getattr(whole, "direction", "LR")


HEALTH_KEY = ("Measured deliverables are filled with the worst colour of their measures (grey: no value); "
              "their values and colours are in the boxes.")


def _page_views(model: Model, drawn, health: tuple | None):
    """The pictures of the PDF and Word reports, in order, each as (title,
    model to draw, view, legend, findings, health colours, key): the
    diagram, the roadmap, the stage frames (model None: `stage_frames`
    draws them), then with `health` the customer's roadmap (or diagram)
    coloured by its values."""
    yield say("Diagram"), model, "diagram", True, drawn, None, None
    if model.stages:
        yield say("Roadmap"), model, "roadmap", False, drawn, None, None
        yield None, None, None, None, None, None, None
    if health is not None:
        shown, colours = health
        yield say("Health"), shown, "roadmap" if model.stages else "diagram", True, None, colours, say(HEALTH_KEY)


def docx_pictures(model: Model, whole, drawn, page, *, theme="default", direction: str | None = None,
                  health: tuple | None = None) -> list:
    """The Word report's pictures (report_docx.Shot, one per page), chosen
    as the PDF report chooses them (`pdf_pictures`): the diagram, the
    roadmap and the customer's picture (`health`) laid out for the page
    unless that takes more pages than drawing them as they are, cut into
    parts (`report_pdf.plan_parts`, text never below the page's minimum),
    and each stage's frame laid out for the page (`stage_frames`). Each
    Shot holds DOT text, drawn later at print resolution."""
    from ..layouter.graphviz import draw
    from ..renderer import render
    from ..renderer.pages import render_pages
    from ..renderer.stages import draw_frame
    from .report_docx import shots_of
    from .report_pdf import pages_needed, picture_of, picture_room

    room = picture_room(page)
    shots: list = []
    drawn_as = None   # as pdf_pictures: the diagram's direction, for the stage frames
    for title, shown, view, legend, findings, colours, key in _page_views(model, drawn, health):
        if shown is None:   # the stage frames, after the roadmap: a page each
            frames = list(stage_frames(model, drawn, room, theme=theme, direction=direction, prefer=drawn_as,
                                       numbered=True))
            for f, look, title, caption, sheet, first in in_report_pages(frames, len(shots) + 2):
                dot = draw_frame(f, "dot", theme=look).decode("utf-8")
                picture = picture_of(title, draw(dot, "svg", path=model.path), sheet=sheet, room=room)
                shots += shots_of(picture, dot, page, heading=title if first else None, level=2, caption=caption,
                                  path=model.path)
            continue
        plain_dot = render(shown, "dot", direction=direction or "LR", legend=legend, findings=findings, theme=theme,
                           view=view, health=colours, layout=whole if shown is model and view == "diagram"
                           and direction in (None, whole.direction) else None).decode("utf-8")
        plain = picture_of(title, draw(plain_dot, "svg", path=model.path), key=key)
        try:   # its markers name the report's pages: each shot is one, after the title page
            fitted = render_pages(shown, "dot", room, direction=direction, legend=legend, findings=findings,
                                  theme=theme, view=view, embed_fonts=False, health=colours,
                                  first_page=len(shots) + 2)
        except (RecursionError, ValueError, ArithmeticError):
            fitted = None  # as pdf_pictures: the picture as it is
        laid_out = fitted is not None and fitted.count <= pages_needed(plain, page)
        if laid_out:
            for sheet, dot in zip(fitted.sheets, fitted.files):
                dot = dot.decode("utf-8")
                picture = picture_of(title, draw(dot, "svg", path=model.path),
                                     sheet=(sheet.number, sheet.count, sheet.split), room=room, key=key)
                shots += shots_of(picture, dot, page, heading=title if sheet.number == 1 else None,
                                  path=model.path)
        else:
            shots += shots_of(plain, plain_dot, page, heading=title, path=model.path)
        if view == "diagram":
            drawn_as = _direction_drawn(fitted if laid_out else None, direction, whole)
    return shots


def page_health(model: Model, data: str, customer: str | None, notes: list | None = None) -> tuple:
    """The Health section of the PDF and Word reports, from the data file
    at `data`: (its table (report_pdf.Table), and for one customer
    (`customer`, or the data's only one) (the model to draw, its colours)
    for its picture, else None). The table is `prep status`'s, as the HTML
    report's: one customer's measures, each colour's cell filled with it
    and naming it, or the counts per stage and colour with their total
    row, each colour's column headed in it."""
    from ..health import NO_DATA, status_view
    from ..health.formats import status_table
    from ..renderer.dot import STATUS_FILL
    from .report_pdf import Table

    status, chosen = _status_of(model, data, customer, notes)
    got = status_table(status, chosen)

    def fill(colour: str | None) -> str | None:
        return None if colour is None else STATUS_FILL[None if colour == NO_DATA else colour]

    widths = {"stage": 14, "measure": 34, "value": 10, "colour": 9, "target": 11, "as of": 11} if chosen else {}
    table = Table(say("Health"), got.intro, tuple(say(c) for c in got.columns),
                  tuple(widths.get(c, 28 if c == "stage" else 9) for c in got.columns),
                  got.rows, say("No values."), fills=tuple(tuple(fill(c) for c in row) for row in got.colours),
                  header_fills=tuple(fill(c) for c in got.header_colours), total=got.total)
    return table, (status_view(status, chosen) if chosen is not None else None)


def pdf_tables(model: Model, findings: list[Diagnostic] | None, health=None) -> list:
    """The PDF report's tables (report_pdf.Table), after its pictures;
    first the Health table, when given (`page_health`)."""
    from .report_pdf import Table

    tables = [health] if health is not None else []
    if model.stages:
        parts = roadmap_parts(model, findings)
        # a stage's note (its definition, a remark) as the HTML and Markdown
        # reports show it; no column for it when no stage has one
        notes = any(part.note for part in parts)
        rows = []
        for part in parts:
            rows.append((part.label, ", ".join(_names(model, part.members)) or say("none"),
                         ", ".join(_names(model, part.exits)) or say("none"), *([part.note or ""] if notes else []),
                         str(len(part.findings))))
        why = ("各ステージを順に: 作る成果物、その存在でステージを終える成果物 (完了条件)" + ("、注記" if notes else "")
               + "、その成果物についての指摘の数。" if japanese() else
               "Each stage in order: the deliverables it makes, the ones whose existence ends it (exit criteria)"
               + (", its note" if notes else "") + " and how many findings are about its deliverables.")
        tables.append(Table(say("Stages"), why,
                            tuple(say(h) for h in ("stage", "deliverables", "exit criteria", *(["note"] if notes else []),
                                                   "findings")),
                            (14, 38, 20, 20, 8) if notes else (16, 52, 24, 8), tuple(rows)))
    if model.measures:
        columns = measure_columns(model)
        # a threshold is one piece: Word set ">=" / "80%" on two lines of a narrow column
        whole = [c in THRESHOLD_COLUMNS for c, _ in columns]
        rows = tuple(tuple(cell.replace(" ", NO_BREAK) if keep else cell for cell, keep in zip(row, whole))
                     for row in measure_rows(model))
        tables.append(Table(say("Measures"), say(MEASURES_WHY), tuple(say(c) for c, _ in columns),
                            tuple(w for _, w in columns), rows))
    if findings is None:
        tables.append(Table(say("Findings"), None, (say("severity"),), (1,), (), say(NO_LINT)))
    else:
        rows = []
        # a workspace's finding is in one of its files: "9:15" alone did not say which
        files = _has_files(model)
        for d in sort_findings(findings):
            label, name = finding_subject(model, d)
            subject = label + (f"\n({name})" if name else "")
            where = f"{d.span.line}:{d.span.column}"
            if files:
                where = f"{d.span.path.replace(chr(92), '/')}:{where}"
            rows.append((say(d.severity), d.code + (f" {d.name}" if d.name else ""), where, subject,
                         printed_inline(d.message + (f"\n{say('hint')}: {d.hint}" if d.hint else ""))))
        tables.append(Table(say("Findings"), None, tuple(say(h) for h in ("severity", "code", "where", "subject",
                                                                          "message")),
                            (8, 13, 17, 15, 47) if files else (8, 15, 6, 17, 54), tuple(rows), say("No findings.")))
    head, spots, why = hotspot_table(model, findings)
    tables.append(Table(say("Hotspots"), printed_inline(why), tuple(head),
                        tuple(2 if h == say("why") else 1 for h in head)
                        if len(head) == 6 else (4, 20, 8, 8, 12, 8, 8, 8), tuple(tuple(r) for r in spots),
                        say("No hotspots.")))
    # (a model without stages has no stage column: it would be empty)
    columns = [("deliverable", 17), ("kind", 9), ("owners", 11), ("stage", 13), ("group", 11), ("inputs", 13),
               ("consumers", 13), ("note", 13)]
    if not model.stages:
        columns.pop(3)
    if _has_files(model):  # a workspace: which file holds each deliverable
        columns.insert([c for c, _ in columns].index("group") + 1, ("file", 11))
    rows = []
    for row in _catalogue_rows(model):
        name = row["label"] + (f"\n({row['name']})" if row["name_shown"] else "")
        cells = {"deliverable": name, "kind": "\n".join([row["kind_shown"], *row["flags"]]),
                 "owners": "\n".join(row["owners"]), "stage": row["stage"], "group": row["group"],
                 "inputs": "\n".join(row["inputs"]), "consumers": "\n".join(row["consumers"]), "note": row["note"],
                 "file": row["file"]}
        rows.append(tuple(cells[c] for c, _ in columns))
    tables.append(Table(say("Deliverables"), None, tuple(say(c) for c, _ in columns), tuple(w for _, w in columns),
                        tuple(rows)))
    notes = relation_note_rows(model)
    if notes:
        tables.append(Table(say("Relation notes"), None, tuple(say(h) for h in ("from", "relation", "to", "note")),
                            (22, 16, 22, 40), tuple(notes)))
    return tables


def build_report(model: Model, fmt: str, *, image_name: str = "diagram.svg", theme="default",
                 direction: str | None = None, images: dict | None = None, page=None,
                 status_data: str | None = None, customer: str | None = None,
                 lint_options: dict | None = None, notes: list | None = None) -> tuple[bytes, bytes | None]:
    """(report bytes, the diagram's SVG, its first page when it has several).
    `lint_options`: `lint_model`'s settings (the CLI's: the model's
    prep.toml, per-file ignores included, as `prep lint` reads them).
    `notes` (a list) receives what reading `status_data` noted.
    For html the pictures are inside the report; for md they are files next
    to it: `images` (a dict, when given) receives every one of them, the
    diagram's first, as {file name: SVG bytes}, named after `image_name`
    (`image_name` itself for a one-page diagram, else `<stem>-1.svg`, ...).
    For pdf and docx the report holds its pictures (no SVG: None); `page` is
    the page it is set on (a prep.layouter.page.Page or its name; default A4
    landscape). For html and md, `page` is the page the pictures are laid
    out for (`report_pictures.screen_page`: default 16:9 up to
    SCREEN_PAGED_MOST deliverables, "none" for their natural size).
    `direction` None: left to right, except that pictures laid out for a
    page take the direction that fits it better."""
    from ..layouter import layout
    from ..renderer import render
    from ..renderer.dot import resolve_theme
    from ..renderer.pages import page_file_name
    from ..renderer.webfont import page_font_css

    if fmt not in ("html", "md", "pdf", "docx"):
        raise ValueError(f"unknown report format {fmt!r}; choose html, md, pdf or docx")
    # the data first: a bad value is reported before the work
    health_table, shown = (page_health(model, status_data, customer, notes) if fmt in ("pdf", "docx")
                           and status_data is not None else (None, None))
    findings = lint_findings(model, lint_options)
    if findings is not None and _has_files(model):
        findings = _files_as_named_by_the_root(model, findings)
    drawn = [f for f in findings if f.subject is not None] if findings is not None else None
    look = resolve_theme(theme)
    page_direction, direction = direction, direction or "LR"
    whole = layout(model, direction=direction, font=look.font, font_size=look.font_size, legend=True,
                   health=drawn is not None)
    if fmt in ("pdf", "docx"):
        tables = pdf_tables(model, sort_findings(findings) if findings is not None else None, health_table)
        summary = _model_line(model) + _summary(model, findings)
        sheet = report_page(page)
    if fmt == "docx":
        from .report_docx import report_docx

        return report_docx(docx_pictures(model, whole, drawn, sheet, theme=theme, direction=page_direction,
                                         health=shown), tables, sheet, title=_title(model), summary=summary,
                           path=model.path), None
    if fmt == "pdf":
        from .report_pdf import report_pdf

        return report_pdf(pdf_pictures(model, whole, drawn, sheet, theme=theme, direction=page_direction,
                                       health=shown), tables, sheet, title=_title(model), summary=summary), None
    # an HTML page carries the font once for all its pictures; a Markdown
    # report's pictures are files of their own, each with its font
    own_fonts = fmt != "html"
    screen = screen_page(page) if page is not None or len(model.deliverables) <= SCREEN_PAGED_MOST else None
    health = None
    if status_data is not None:   # first: bad data is reported before the pictures are drawn
        health = health_parts(model, status_data, customer, theme=theme,
                              direction=page_direction if screen is not None else direction,
                              embed_fonts=own_fonts, page=screen, notes=notes)
    if screen is not None:   # laid out for a page: [pages] each, a stage's frames with their captions
        laid = screen_pictures(model, drawn, screen, theme=theme, direction=page_direction, embed_fonts=own_fonts)
        diagram = laid["diagram"]
        pictures = {"roadmap": laid["roadmap"], **laid["stages"]} if model.stages else {}
    else:   # each at its natural size (--page none), every stage's frame on the whole model's layout
        diagram = [render(model, "svg", direction=direction, legend=True, findings=drawn, theme=theme,
                          layout=whole, embed_fonts=own_fonts)]
        natural = roadmap_pictures(model, whole, drawn, theme=theme, direction=direction,
                                   embed_fonts=own_fonts) if model.stages else {}
        pictures = {key: [svg] if key == "roadmap" else [(svg, None)] for key, svg in natural.items()}
    if fmt == "html":
        extra = health[2] if health is not None else []
        every = [*diagram, *pictures.get("roadmap", ()),
                 *(svg for key, frames in pictures.items() if key != "roadmap" for svg, _ in frames), *extra]
        return report_html(model, sort_findings(findings) if findings is not None else None, diagram,
                           theme=theme, pictures=pictures, health=health, natural=screen is None,
                           font_css=page_font_css(every, 'the report')).encode("utf-8"), diagram[0]
    # Markdown: every picture a file next to the report, named after `image_name`
    stem = image_name[:-4] if image_name.endswith(".svg") else image_name
    files: dict[str, bytes] = {page_file_name(image_name, k, len(diagram)): svg for k, svg in enumerate(diagram, 1)}
    names: dict[str, list[tuple[str, str | None]]] = {}
    order = list(model.stages)
    for key, shown in pictures.items():
        base = f"{stem}.roadmap.svg" if key == "roadmap" else f"{stem}.stage-{order.index(key) + 1}.svg"
        frames = [(svg, None) for svg in shown] if key == "roadmap" else shown
        names[key] = []
        for k, (svg, caption) in enumerate(frames, 1):
            name = page_file_name(base, k, len(frames))
            files[name] = svg
            names[key].append((name, _frame_caption(caption)))
    md_health = None
    if health is not None:
        status, chosen, shown = health
        health_names = [page_file_name(f"{stem}.health.svg", k, len(shown)) for k in range(1, len(shown) + 1)]
        md_health = (status, chosen, health_names)
        files.update(zip(health_names, shown))
    if images is not None:
        images.update(files)
    return report_markdown(model, findings, list(files)[:len(diagram)], names, md_health).encode("utf-8"), diagram[0]


# -o's extension -> report format
REPORT_FORMATS = {"html": "html", "htm": "html", "md": "md", "markdown": "md", "pdf": "pdf", "docx": "docx"}


def report_page(page=None, min_text: float | None = None):
    """The page a PDF report is set on: a Page, a name (`--page`), or None
    for the default (A4 landscape; `none` too: a report is made of pages).
    A bad name is a PrepError with a hint."""
    from ..layouter.page import Page, PageError, page_option

    if isinstance(page, Page):
        return page.with_min_text(min_text)
    try:
        return page_option(page, "pdf", min_text=min_text) or page_option(None, "pdf", min_text=min_text)
    except PageError as e:
        raise PrepError.at("--page", str(e), name="usage-error", hint=e.hint) from None


def report_format(output: str) -> str:
    """html, md, pdf or docx, from the file name the user gave (`-` is HTML)."""
    if output == "-":
        return "html"
    ext = os.path.splitext(output)[1].lower().lstrip(".")
    fmt = REPORT_FORMATS.get(ext)
    if fmt is None:
        other = OTHER_COMMANDS.get(ext)
        raise PrepError.at(output, f"cannot tell the report format from '{os.path.basename(output)}'",
                           name="usage-error", hint="end the -o file name in .html, .md, .pdf or .docx"
                           + (f"; {other.format(out=os.path.basename(output))}" if other else ""))
    return fmt


# what another command writes, for a report asked for in its format
OTHER_COMMANDS = {
    **dict.fromkeys(("xlsx", "csv"), "the deliverable catalogue for Excel is `prep export MODEL -o {out}`"),
    **dict.fromkeys(("svg", "png", "pptx", "drawio", "dot", "json"), "a picture or a deck is `prep render MODEL -o {out}`"),
    "doc": "Word's older .doc is not written: give .docx",
}


def check_output(output: str, inputs: tuple[str, ...] = ()) -> None:
    """Refuse, before any work, an output the report cannot be written to,
    naming the file the user asked for (not a picture written next to it)."""
    from ..renderer.output import output_folder_error, same_file

    if output == "-":
        return
    name = os.path.basename(output) or output
    missing = output_folder_error(output)   # as every command says it
    if missing is not None:
        raise missing
    if os.path.isdir(output):
        raise PrepError.at(output, f"cannot write {name}: it is a folder", name="output-error",
                           hint=f"give a file name, e.g. -o {os.path.join(output, 'report.html')}")
    for src in inputs:
        if same_file(src, output):
            raise PrepError.at(output, f"cannot write {name}: it is the input model", name="output-error",
                               hint="choose another output with -o, e.g. -o report.html")


def write_report(model: Model, output: str, *, theme="default", direction: str | None = None, page=None,
                 inputs: tuple[str, ...] = (), status_data: str | None = None,
                 customer: str | None = None, lint_options: dict | None = None,
                 notes: list | None = None) -> list[str]:
    """Write the report of `model` to `output` (its extension picks html, md,
    pdf or docx; `-` is HTML on standard output), each file atomically; returns
    the files written, the report last. A Markdown report's pictures are
    SVG files next to it. `inputs`: files the output must not replace.
    `lint_options`, `notes`: as `build_report`'s."""
    from ..renderer.output import write_output

    check_output(output, inputs)
    fmt = report_format(output)
    if fmt == "md" and output == "-":
        raise PrepError.at(output, "a Markdown report links its diagram file, so it cannot go to standard output",
                           name="usage-error", hint="give -o PATH.md, or -o - for an HTML report")
    if fmt in ("pdf", "docx"):
        report_page(page)  # a bad --page is reported before the work
    else:
        screen_page(page)  # likewise
    image_name = os.path.splitext(os.path.basename(output))[0] + ".svg"
    images: dict[str, bytes] = {}
    data, svg = build_report(model, fmt, image_name=image_name, theme=theme, direction=direction, images=images,
                             page=page, status_data=status_data, customer=customer, lint_options=lint_options,
                             notes=notes)
    written = []
    if fmt == "md":
        for name, picture in images.items():   # the diagram (or its pages) first
            image = os.path.join(os.path.dirname(output), name)
            write_output(image, picture, inputs=inputs)
            written.append(image)
    write_output(output, data, inputs=inputs)
    if output != "-":
        written.append(output)
    return written
