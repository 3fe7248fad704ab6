"""Positions and diagnostics: the one record shape every stage reports in.

Syntax errors, model errors and lint findings are all `Diagnostic`s; every
output format (text, JSON, SARIF, GitHub annotations) is a pure function of a
list of them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (INFO, WARNING, ERROR)
SEVERITY_RANK = {INFO: 0, WARNING: 1, ERROR: 2}


class Span(NamedTuple):
    """A source range. Lines and columns are 1-based; `end_column` is
    exclusive (the column just after the last character), as in SARIF.

    Immutable and ordered like a frozen dataclass, but a named tuple: the
    parser makes one per name occurrence (400,000 for a 100,000-deliverable
    model) and a named tuple is built almost three times faster."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def to(self, other: "Span") -> "Span":
        """The span from the start of this one to the end of `other`."""
        return Span(self.path, self.line, self.column, other.end_line, other.end_column)


class CellSpan(Span):
    """A Span whose place is a cell of a workbook: `path` is
    `book.xlsx:Sheet!C7` and `line`/`column` are the cell's row and column
    (1-based). The catalogue's import and `prep status --data x.xlsx` say
    where a problem is so."""

    __slots__ = ()

    def __str__(self) -> str:
        return self.path


def column_letter(column: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while column:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out


def cell_span(path: str, sheet: str | None, row: int, column: int) -> CellSpan:
    ref = f"{column_letter(column)}{row}" if column else f"row {row}"
    place = f"{path}:{sheet}!{ref}" if sheet is not None else f"{path}:{ref}"
    return CellSpan(place, row, max(column, 1), row, max(column, 1) + 1)


@dataclass(frozen=True, slots=True)
class Related:
    """A second place a diagnostic refers to (e.g. the first declaration)."""

    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    severity: str
    message: str
    span: Span
    name: str = ""
    subject: str | None = None
    hint: str | None = None
    related: tuple[Related, ...] = field(default=())
    # the roadmap stage the finding concerns (T4xx, M501), for the outputs'
    # `stage` field; `subject` stays the deliverable a picture colours
    stage: str | None = None

    def with_severity(self, severity: str) -> "Diagnostic":
        return Diagnostic(self.code, severity, self.message, self.span, self.name,
                          self.subject, self.hint, self.related, self.stage)


class PrepError(Exception):
    """Raised for input prep cannot use: unreadable files, syntax errors,
    conflicting declarations. Carries the diagnostics and the source text so
    a caller can show them with carets: `source` is the text of the (root)
    file; `sources` the text of every file by path, for a model kept in
    several files (`source_for` picks a diagnostic's)."""

    def __init__(self, diagnostics: list[Diagnostic], source: str | None = None,
                 sources: dict[str, str] | None = None):
        self.diagnostics = list(diagnostics)
        self.source = source
        self.sources = sources if sources and len(sources) > 1 else None
        first = self.diagnostics[0] if self.diagnostics else None
        super().__init__(f"{first.span}: {first.message}" if first else "prep error")

    def __reduce__(self):
        # survives pickling (a render in a child process sends it back)
        return (type(self), (self.diagnostics, self.source, self.sources))

    def source_for(self, path: str) -> str | None:
        """The text a diagnostic at `path` is shown with: its own file's in
        a model of several files, else the one source."""
        if self.sources is not None:
            return self.sources.get(path)
        return self.source

    @classmethod
    def at(cls, path: str, message: str, *, name: str, hint: str | None = None, code: str = "E000",
           line: int = 1, column: int = 1, end_column: int | None = None,
           source: str | None = None) -> "PrepError":
        """One error at one place (by default the start of the file): the
        shape of every error about a file, an option or an output path."""
        span = Span(path, line, column, line, column if end_column is None else end_column)
        return cls([Diagnostic(code, ERROR, message, span, name=name, hint=hint)], source)

    def render(self) -> str:
        return "\n".join(format_diagnostic(d, self.source_for(d.span.path)) for d in self.diagnostics)


def display_width(text: str) -> int:
    """Terminal columns taken by `text`: East Asian wide characters take two."""
    if text.isascii():
        return len(text)
    return sum(map(_char_width, text))


@lru_cache(maxsize=8192)
def _char_width(ch: str) -> int:
    # cached: formatting 5,500 findings asked for 85,000 characters' widths
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def blank_as_wide(text: str) -> str:
    """White space as wide as `text` on a terminal, keeping its tabs."""
    return "\t".join(" " * display_width(part) for part in text.split("\t"))


def visible(text: str) -> str:
    """`text` safe to print on a terminal: control, format (zero-width,
    text-direction) and line-separator characters become U+FFFD, one column
    each, so a hostile model cannot send escape sequences or reorder the
    quoted line, and the caret still lines up. Tabs stay (they align)."""
    if text.isprintable() or all(ch == "\t" or ch.isprintable() for ch in text):
        return text
    return "".join(ch if ch == "\t" or ch.isprintable() or unicodedata.category(ch) in ("Zs", "Co")
                   else "\ufffd" for ch in text)


def caret_lines(source_line: str, column: int, end_column: int | None = None) -> str:
    """The source line and a caret line under `column` (1-based), aligned for
    tabs and for wide (CJK) characters."""
    line = visible(source_line.rstrip("\r\n"))
    prefix = line[: max(column - 1, 0)]
    pad = blank_as_wide(prefix)
    length = 1
    if end_column is not None and end_column > column:
        length = max(display_width(line[column - 1 : end_column - 1]), 1)
    # keep the shown line short when it is huge (a 1 MB single line)
    if len(line) > 200:
        start = max(column - 80, 0)
        shown = ("..." if start else "") + line[start : start + 160] + "..."
        pad = " " * (3 if start else 0) + blank_as_wide(line[start : column - 1])
        length = min(length, 80)
        line = shown
    return f"  {line}\n  {pad}{'^' * length}"


def source_line(source: str | None, line: int) -> str | None:
    if source is None:
        return None
    lines = _lines(source)
    if 1 <= line <= len(lines):
        return lines[line - 1]
    return None


@lru_cache(maxsize=4)
def _lines(source: str) -> list[str]:
    # split once per source, not once per diagnostic: 5,000 findings on a
    # 1 MB model took 10 s of splitting
    return source.split("\n")


def format_diagnostic(d: Diagnostic, source: str | None, *, with_code: bool = False) -> str:
    """`path:line:col: severity: message`, the line with a caret, the hint."""
    head = f"{d.span}: "
    if with_code:
        head += f"{d.code} [{d.severity}] {d.message}" + (f" ({d.name})" if d.name else "")
    else:
        head += f"{d.severity}: {d.message}"
    out = [_visible_lines(head)]
    text = source_line(source, d.span.line)
    if text is not None:
        end = d.span.end_column if d.span.end_line == d.span.line else None
        out.append(caret_lines(text, d.span.column, end))
    for rel in d.related:
        out.append(_visible_lines(f"  {rel.span}: note: {rel.message}"))
    if d.hint:
        out.append(_visible_lines(f"  hint: {d.hint}"))
    return "\n".join(out)


def _visible_lines(text: str) -> str:
    # messages and hints quote user text (names, paths): keep it inert too
    if text.isprintable():  # one line, nothing to replace (nearly always): as is
        return text
    return "\n".join(visible(line) for line in text.split("\n"))
