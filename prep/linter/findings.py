"""Lint results as a value that shows itself: `prep.lint` returns `Findings`,
a plain list of Diagnostics that a notebook displays as a table
(`_repr_html_`), and whose table the HTML report reuses."""

from __future__ import annotations

from html import escape
from typing import Iterable

from ..language.diagnostics import SEVERITY_RANK, Diagnostic

# the health colours of the diagram (renderer/dot.py HEALTH_FILL), by severity
SEVERITY_FILL = {"info": "#dcef9a", "warning": "#fff08a", "error": "#f4a6a0"}


def sort_findings(findings: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Worst first, then by position."""
    return sorted(findings, key=lambda d: (-SEVERITY_RANK.get(d.severity, 0), d.span.path, d.span.line,
                                           d.span.column, d.code))


def findings_table_html(findings: Iterable[Diagnostic], *, with_path: bool = False) -> str:
    """An HTML <table> of findings (no scripts, no external resources)."""
    rows = sort_findings(findings)
    if not rows:
        return '<p class="prep-no-findings">No findings.</p>'
    head = ["severity", "code", "where", "deliverable", "message"]
    out = ['<table class="prep-findings">', "<thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead>",
           "<tbody>"]
    for d in rows:
        where = f"{d.span.line}:{d.span.column}"
        if with_path:
            where = f"{d.span.path}:{where}"
        fill = SEVERITY_FILL.get(d.severity, "#ffffff")
        code = escape(d.code) + (f" <small>{escape(d.name)}</small>" if d.name else "")
        message = escape(d.message)
        if d.hint:
            message += f'<br><small>hint: {escape(d.hint)}</small>'
        out.append(
            f'<tr class="prep-{escape(d.severity)}">'
            f'<td style="background:{fill}">{escape(d.severity)}</td><td>{code}</td>'
            f"<td>{escape(where)}</td><td>{escape(d.subject or '')}</td><td>{message}</td></tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def findings_table_markdown(findings: Iterable[Diagnostic]) -> str:
    rows = sort_findings(findings)
    if not rows:
        return "No findings.\n"

    def cell(text: str) -> str:
        return (text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
                .replace("<", "&lt;"))

    out = ["| severity | code | where | deliverable | message |", "|---|---|---|---|---|"]
    for d in rows:
        message = d.message + (f" (hint: {d.hint})" if d.hint else "")
        out.append(f"| {cell(d.severity)} | {cell(d.code)} | {d.span.line}:{d.span.column} | "
                   f"{cell(d.subject or '')} | {cell(message)} |")
    return "\n".join(out) + "\n"


class Findings(list):
    """The findings of `prep.lint`: a list of Diagnostics, shown as a table
    in Jupyter."""

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "info": 0}
        for d in self:
            out[d.severity] = out.get(d.severity, 0) + 1
        return out

    def _repr_html_(self) -> str:
        c = self.counts()
        summary = (f"<p><b>{len(self)} finding{'s' if len(self) != 1 else ''}</b>: "
                   f"{c['error']} error, {c['warning']} warning, {c['info']} info</p>")
        return summary + findings_table_html(self)

    def _repr_markdown_(self) -> str:
        return findings_table_markdown(self)
