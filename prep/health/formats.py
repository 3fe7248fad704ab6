"""`prep status` outputs, each a pure function of a Status: text for a
terminal, JSON for scripts, Markdown for a report or a pull request.

One customer (or `--customer NAME`): each measure with its stage, value,
colour and target, and the date of the value when the data has dates. Many: how many customers stand in each stage in each
colour. Names and labels come from the model and the data, so they are
made inert for each output: control characters never reach a terminal, a
`|` or a line break never breaks a Markdown table, `<` never becomes HTML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..language.diagnostics import display_width, visible
from ..linter.findings import markdown_cell
from .._words import japanese, say
from .evaluate import COLUMNS, DONE, NO_DATA, CustomerStatus, Status

FORMATS = ("text", "json", "markdown")


def _one_line(text: str) -> str:
    return " ".join(str(text).split("\n"))


def _plain(text) -> str:
    """One terminal line: line breaks as spaces, control characters as U+FFFD."""
    return visible(_one_line(text)).replace("\t", " ")


def _table(rows: list[tuple[str, ...]], right: set[int] = frozenset()) -> list[str]:
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = []
        for i, (cell, w) in enumerate(zip(r, widths)):
            pad = " " * (w - display_width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        out.append("  " + "  ".join(cells).rstrip())
    return out


def _measure_rows(status: Status, c: CustomerStatus):
    """(stage, measure, value text, colour, target) for each measure, in
    stage order, then the measures of no stage's exit."""
    model = status.model
    seen = set()
    for stage, names in status.stage_measures.items():
        for name in names:
            seen.add(name)
            yield stage, model.measures[name], c.values.get(name)
    for name, m in model.measures.items():
        if name not in seen:
            yield model.stage_of(m.of) if m.of is not None and model.stages else None, m, c.values.get(name)


def _dated(c: CustomerStatus) -> bool:
    """Whether the data dates this customer's values: then each measure's
    row says as of when (a value from October is not this week's)."""
    return any(v.date for v in c.values.values())


def _as_of(v) -> str:
    return shown_date(v.date) if v is not None and v.date else "-"


def shown_date(iso: str) -> str:
    """A reading's date as people read it: `2026-11-02 09:30`, not the
    ISO `2026-11-02T09:30:00` the comparison uses (seconds only when not 0)."""
    day, sep, time = iso.partition("T")
    if not sep:
        return iso
    if time[5:8] == ":00":
        time = time[:5] + time[8:]
    return f"{day} {time}"


def _stage_label(status: Status, stage: str | None) -> str:
    if stage is None or stage == "-":
        return "-"
    if stage == DONE:
        return say("done (every stage's exit measured green or lime)")
    s = status.model.stages[stage]
    return stage if s.label is None else f"{stage} ({_one_line(s.label)})"


def format_text(status: Status, customer: CustomerStatus | None = None) -> str:
    if customer is not None or len(status.customers) == 1:
        c = customer or status.customers[0]
        head = [f"{say('customer')}: {_plain(c.name)}" if c.customer is not None
                else f"{say('data')}: {_plain(status.source)}",
                f"{say('stage reached')}: {_plain(_stage_label(status, c.stage))}",
                f"{say('health')}: {say(c.health or NO_DATA)}"]
        dated = _dated(c)
        rows = [tuple(_heads(("stage", "measure", "value", "colour", "target", *(["as of"] if dated else []))))]
        for stage, m, v in _measure_rows(status, c):
            rows.append((_plain(stage or "-"), _plain(m.display), _plain(v.text) if v is not None else "-",
                         say(v.colour or "-") if v is not None else say(NO_DATA),
                         m.target.text if m.target is not None else "-",
                         *([_plain(_as_of(v))] if dated else [])))
        return "\n".join(head + _table(rows)) + "\n"
    counts = status.counts()
    n = len(status.customers)
    head = [f"{_plain(status.source)}: 顧客 {n} 社 (到達ステージとヘルス別)" if japanese() else
            f"{_plain(status.source)}: {n} customer{'s' if n != 1 else ''} by the stage reached and health"]
    rows = [tuple(_heads(("stage", *COLUMNS, "total")))]
    for stage, by in counts.items():
        # the row past the last stage: "done", in Japanese 完了 (the Markdown table's long form is too wide here)
        rows.append((_plain(say("done") if stage == DONE else stage), *(str(by[c]) for c in COLUMNS),
                     str(sum(by.values()))))
    totals = _totals(counts)
    rows.append((say("total"), *(str(totals[c]) for c in COLUMNS), str(n)))
    return "\n".join(head + _table(rows, right=set(range(1, len(COLUMNS) + 2)))) + "\n"


def _totals(counts: dict) -> dict:
    """Each column's count over every stage (the tables' total row)."""
    return {col: sum(by[col] for by in counts.values()) for col in COLUMNS}


def _customer_record(status: Status, c: CustomerStatus) -> dict:
    return {"customer": c.customer, "stage": c.stage, "health": c.health,
            "values": [{"measure": m.name, "stage": stage, "value": v.value if v is not None else None,
                        "text": v.text if v is not None else None, "colour": v.colour if v is not None else None,
                        "date": v.date if v is not None else None}
                       for stage, m, v in _measure_rows(status, c)]}


def to_dict(status: Status, customer: CustomerStatus | None = None) -> dict:
    chosen = [customer] if customer is not None else list(status.customers)
    return {"format": "prep-status", "version": 1, "model": status.model.path, "data": status.source,
            "customers": len(chosen),
            "stages": [{"name": s.name, "label": s.label, "measures": list(status.stage_measures.get(s.name, ()))}
                       for s in status.model.stages.values()],
            "counts": status.counts() if customer is None else None,
            "status": [_customer_record(status, c) for c in chosen]}


def format_json(status: Status, customer: CustomerStatus | None = None) -> str:
    return json.dumps(to_dict(status, customer), ensure_ascii=False, indent=2) + "\n"


def _reached(who: str, stage: str, health: str) -> str:
    """The line above one customer's measures (each part escaped or
    marked up as its format needs: the report's language, prep._words)."""
    return f"{who}: 到達ステージ {stage}、ヘルス {health}" if japanese() else f"{who}: stage reached {stage}, health {health}"


def _counted(count: int, source: str) -> str:
    """The line above the counts of customers per stage and colour."""
    if japanese():
        return f"{source} の顧客 {count} 社 (到達ステージとヘルス別)"
    return f"{count} customers of {source} by the stage reached and health"


def _heads(names) -> list[str]:
    return [say(n) for n in names]


def format_markdown(status: Status, customer: CustomerStatus | None = None) -> str:
    cell = markdown_cell
    if customer is not None or len(status.customers) == 1:
        c = customer or status.customers[0]
        dated = _dated(c)
        out = [_reached(f"**{cell(c.name) if c.customer is not None else cell(status.source)}**",
                        cell(_stage_label(status, c.stage)), f"**{say(c.health or NO_DATA)}**"), "",
               "| " + " | ".join(_heads(("stage", "measure", "value", "colour", "target", *(["as of"] if dated
                                                                                          else [])))) + " |",
               "|---|---|---:|---|---|" + ("---|" if dated else "")]
        for stage, m, v in _measure_rows(status, c):
            out.append(f"| {cell(stage or '-')} | {cell(m.display)} | {cell(v.text) if v is not None else '-'} | "
                       f"{say(v.colour or '-') if v is not None else say(NO_DATA)} | "
                       f"{cell(m.target.text) if m.target is not None else '-'} |"
                       + (f" {cell(_as_of(v))} |" if dated else ""))
        return "\n".join(out) + "\n"
    counts = status.counts()
    out = [_counted(len(status.customers), cell(status.source)), "",
           "| " + " | ".join(_heads(("stage", *COLUMNS, "total"))) + " |", "|---|" + "---:|" * (len(COLUMNS) + 1)]
    for stage, by in counts.items():
        out.append(f"| {cell(_stage_label(status, stage))} | " + " | ".join(str(by[c]) for c in COLUMNS)
                   + f" | {sum(by.values())} |")
    totals = _totals(counts)
    out.append(f"| **{say('total')}** | " + " | ".join(f"**{totals[c]}**" for c in COLUMNS)
               + f" | **{len(status.customers)}** |")
    return "\n".join(out) + "\n"


def format_status(status: Status, fmt: str = "text", customer: CustomerStatus | None = None) -> str:
    if fmt == "json":
        return format_json(status, customer)
    if fmt == "markdown":
        return format_markdown(status, customer)
    return format_text(status, customer)


@dataclass(frozen=True)
class StatusTable:
    """The table `format_html` writes, as plain text for a printed report
    (PDF, Word): the line above it, the header, the rows (the counts end
    with the total row), and the health colour each cell shows, by name
    (`NO_DATA` for grey), or None: the report fills those cells, whose
    text names the colour too."""
    intro: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    colours: tuple[tuple[str | None, ...], ...]
    header_colours: tuple[str | None, ...]
    total: bool   # the last row is the total row


def status_table(status: Status, customer: CustomerStatus | None = None) -> StatusTable:
    """One customer's measures (or the data's only customer), else the
    counts per stage and colour with their total row, as `format_html`."""
    if customer is not None or len(status.customers) == 1:
        c = customer or status.customers[0]
        dated = _dated(c)
        who = _one_line(c.name) if c.customer is not None else status.source
        columns = ("stage", "measure", "value", "colour", "target", *(["as of"] if dated else []))
        rows, colours = [], []
        for stage, m, v in _measure_rows(status, c):
            # (format_html's cell: a value of a measure without thresholds is "no data" too)
            colour = v.colour if v is not None and v.colour else NO_DATA
            rows.append((_one_line(stage or "-"), _one_line(m.display), _one_line(v.text) if v is not None else "-",
                         say(colour), m.target.text if m.target is not None else "-",
                         *([_one_line(_as_of(v))] if dated else [])))
            colours.append(tuple(colour if k == 3 else None for k in range(len(columns))))
        return StatusTable(_reached(who, _one_line(_stage_label(status, c.stage)), say(c.health or NO_DATA)),
                           columns, tuple(rows), tuple(colours),
                           (None,) * len(columns), False)
    counts = status.counts()
    columns = ("stage", *COLUMNS, "total")
    rows = [(_one_line(_stage_label(status, stage)), *(str(by[c]) for c in COLUMNS), str(sum(by.values())))
            for stage, by in counts.items()]
    totals = _totals(counts)
    rows.append((say("total"), *(str(totals[c]) for c in COLUMNS), str(len(status.customers))))
    return StatusTable(_counted(len(status.customers), status.source),
                       columns, tuple(rows), tuple((None,) * len(columns) for _ in rows),
                       (None, *COLUMNS, None), True)


def format_html(status: Status, customer: CustomerStatus | None = None) -> str:
    """The same tables as an HTML fragment (the report's Health section):
    every text escaped, each colour cell classed `prep-health-COLOUR`."""
    from html import escape

    def colour_cell(colour: str | None) -> str:
        name = colour or NO_DATA
        return f'<td class="prep-health-{escape(colour or "none")}">{escape(say(name))}</td>'

    if customer is not None or len(status.customers) == 1:
        c = customer or status.customers[0]
        who = escape(_one_line(c.name)) if c.customer is not None else escape(status.source)
        heads = ("stage", "measure", "value", "colour", "target", *(["as of"] if _dated(c) else []))
        out = ['<p class="meta">' + _reached(f"<strong>{who}</strong>", escape(_stage_label(status, c.stage)),
                                              f"<strong>{escape(say(c.health or NO_DATA))}</strong>") + "</p>",
               '<table class="prep-status"><thead><tr>' + "".join(f"<th>{escape(h)}</th>" for h in _heads(heads))
               + "</tr></thead><tbody>"]
        for stage, m, v in _measure_rows(status, c):
            out.append(f"<tr><td>{escape(stage or '-')}</td><td>{escape(_one_line(m.display))}</td>"
                       f"<td>{escape(v.text) if v is not None else '-'}</td>"
                       + colour_cell(v.colour if v is not None else None)
                       + f"<td>{escape(m.target.text) if m.target is not None else '-'}</td>"
                       + (f"<td>{escape(_as_of(v))}</td>" if _dated(c) else "") + "</tr>")
        return "\n".join(out + ["</tbody></table>"])
    counts = status.counts()
    out = [f'<p class="meta">{_counted(len(status.customers), escape(status.source))}</p>',
           '<table class="prep-status"><thead><tr>'
           + "".join(f"<th>{escape(c)}</th>" for c in _heads(("stage", *COLUMNS, "total"))) + "</tr></thead><tbody>"]
    for stage, by in counts.items():
        out.append(f"<tr><td>{escape(_stage_label(status, stage))}</td>"
                   + "".join(f"<td>{by[c]}</td>" for c in COLUMNS) + f"<td>{sum(by.values())}</td></tr>")
    totals = _totals(counts)
    out.append(f"</tbody><tfoot><tr><th>{say('total')}</th>" + "".join(f"<th>{totals[c]}</th>" for c in COLUMNS)
               + f"<th>{len(status.customers)}</th></tr></tfoot></table>")
    return "\n".join(out)
