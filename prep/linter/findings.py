"""Lint results as a value that shows itself: `prep.lint` returns `Findings`,
a plain list of Diagnostics that a notebook displays as a table
(`_repr_html_`), and whose table the HTML report reuses."""

from __future__ import annotations

import re
from html import escape
from typing import Callable, Iterable

from ..language.diagnostics import SEVERITY_RANK, Diagnostic
from .formats import subject_of

# what a finding is about, as a table shows it: (its label, its name when the
# label does not start with it, else None); by default the subject as named
Subject = Callable[[Diagnostic], tuple[str, str | None]]


def _named(d: Diagnostic) -> tuple[str, str | None]:
    return subject_of(d) or "", None

# the health colours of the diagram (renderer/dot.py HEALTH_FILL), by severity
SEVERITY_FILL = {"info": "#dcef9a", "warning": "#fff08a", "error": "#f4a6a0"}


def sort_findings(findings: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Worst first, then by position."""
    return sorted(findings, key=lambda d: (-SEVERITY_RANK.get(d.severity, 0), d.span.path, d.span.line,
                                           d.span.column, d.code))


# a code span as Markdown writes it: a run of backticks, text, the same run
_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.S)


def html_inline(text: str) -> str:
    """Message text as HTML: escaped, its `code` spans as <code>."""
    out, at = [], 0
    for m in _CODE_SPAN.finditer(text):
        out.append(escape(text[at:m.start()]))
        out.append(f"<code>{escape(m.group(2))}</code>")
        at = m.end()
    out.append(escape(text[at:]))
    return "".join(out)


def printed_inline(text: str) -> str:
    """Message text for a page of paper (the PDF and Word reports): its
    `code` spans in double quotes. The backticks were printed as they are:
    hint: name the holders with `[owner: [A, B]]`."""
    return _CODE_SPAN.sub(lambda m: f'"{m.group(2)}"', text)


def markdown_cell(text: str) -> str:
    """Text as one cell of a Markdown (GFM) table, on one line. Its code spans
    stay code spans, whose content is literal (no entities, no backslash
    escapes: `<~>` stays `<~>`); outside them `<` becomes `&lt;` (no raw
    HTML), backslashes and stray backticks are escaped and a line break is
    <br>. A `|` is `\\|` everywhere, code spans included: GFM splits cells
    before it reads spans."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out, at = [], 0

    def plain(part: str) -> str:
        part = part.replace("\\", "\\\\").replace("`", "\\`").replace("|", "\\|").replace("<", "&lt;")
        return part.replace("\n", "<br>")

    for m in _CODE_SPAN.finditer(text):
        out.append(plain(text[at:m.start()]))
        out.append(m.group(1) + m.group(2).replace("\n", " ").replace("|", "\\|") + m.group(1))
        at = m.end()
    out.append(plain(text[at:]))
    return "".join(out)


def findings_table_html(findings: Iterable[Diagnostic], *, with_path: bool = False,
                        subject: Subject = _named) -> str:
    """An HTML <table> of findings (no scripts, no external resources). Its
    "subject" column: the label, the name under it in small print."""
    from .._words import say

    rows = sort_findings(findings)
    if not rows:
        return f'<p class="prep-no-findings">{say("No findings.")}</p>'
    head = [say(h) for h in ("severity", "code", "where", "subject", "message")]
    out = ['<table class="prep-findings">', "<thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead>",
           "<tbody>"]
    for d in rows:
        where = f"{d.span.line}:{d.span.column}"
        if with_path:
            where = f"{d.span.path}:{where}"
        fill = SEVERITY_FILL.get(d.severity, "#ffffff")
        code = escape(d.code) + (f" <small>{escape(d.name)}</small>" if d.name else "")
        label, name = subject(d)
        about = escape(label) + (f"<br><small>{escape(name)}</small>" if name else "")
        message = html_inline(d.message)
        if d.hint:
            message += f'<br><small>{say("hint")}: {html_inline(d.hint)}</small>'
        out.append(
            f'<tr class="prep-{escape(d.severity)}">'
            f'<td style="background:{fill}">{escape(say(d.severity))}</td><td>{code}</td>'
            f"<td>{escape(where)}</td><td>{about}</td><td>{message}</td></tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def findings_table_markdown(findings: Iterable[Diagnostic], *, with_path: bool = False,
                            subject: Subject = _named) -> str:
    """A Markdown table of findings; its "subject" column as the HTML's, the
    name in parentheses on a line of its own."""
    from .._words import say

    rows = sort_findings(findings)
    if not rows:
        return say("No findings.") + "\n"

    def cell(text: str) -> str:
        return markdown_cell(" ".join(text.split()))

    out = ["| " + " | ".join(say(h) for h in ("severity", "code", "where", "subject", "message")) + " |",
           "|---|---|---|---|---|"]
    for d in rows:
        message = d.message + (f" ({say('hint')}: {d.hint})" if d.hint else "")
        where = f"{d.span.line}:{d.span.column}"
        if with_path:
            where = f"{d.span.path}:{where}"
        label, name = subject(d)
        about = cell(label) + (f"<br>{cell(f'({name})')}" if name else "")
        out.append(f"| {cell(say(d.severity))} | {cell(d.code)} | {cell(where)} | {about} | {cell(message)} |")
    return "\n".join(out) + "\n"


class Findings(list):
    """The findings of `prep.lint`: a list of Diagnostics, shown as a table
    in Jupyter. Of a model kept in several files (`model`), the table's
    "where" is `file:line:col`, each file as the model names it (relative
    to the root's folder, as the reports name it); of one file, `line:col`."""

    def __init__(self, findings: Iterable[Diagnostic] = (), *, model=None):
        super().__init__(findings)
        self.model = model

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "info": 0}
        for d in self:
            out[d.severity] = out.get(d.severity, 0) + 1
        return out

    def _shown(self) -> tuple[list[Diagnostic], bool]:
        """(the findings as the table shows them, whether it names their
        files): the files of a model in several named as it names them;
        without the model, relative to the folder they share."""
        import os
        from dataclasses import replace

        paths = {d.span.path for d in self if d.span is not None}
        model = self.model
        if model is not None and len(model.files) > 1:
            from ..language.views import file_label

            names = {p: file_label(model, p) for p in paths}
        elif model is None and len(paths) > 1:
            try:
                common = os.path.commonpath([os.path.abspath(p) for p in paths])
                names = {p: os.path.relpath(os.path.abspath(p), common).replace(os.sep, "/") for p in paths}
            except ValueError:   # on other drives
                names = {p: p for p in paths}
        else:
            return list(self), False
        return [replace(d, span=d.span._replace(path=names[d.span.path])) if d.span is not None else d
                for d in self], True

    def _repr_html_(self) -> str:
        c = self.counts()
        summary = (f"<p><b>{len(self)} finding{'s' if len(self) != 1 else ''}</b>: "
                   f"{c['error']} error, {c['warning']} warning, {c['info']} info</p>")
        shown, with_path = self._shown()
        return summary + findings_table_html(shown, with_path=with_path)

    def _repr_markdown_(self) -> str:
        shown, with_path = self._shown()
        return findings_table_markdown(shown, with_path=with_path)
