"""What goes in one cell, both ways, so that every text survives the trip
through a spreadsheet exactly:

- a single value (a name, a label, a note) is written as it is; a value
  the import would read differently is written as a quoted string of the
  model language ("...", with \\" \\\\ and \\n): an empty text, one with
  spaces around it, one that starts with a quote;
- a list (owners, inputs, exit criteria) is its items joined by ", "; an
  item that holds a separator (`,` `、` `，` or a line break) is quoted the
  same way. The import splits on any of them;
- CSV only: a text that a spreadsheet would run as a formula (it starts
  with `=` `+` `-` `@`, a tab or a carriage return, OWASP's "CSV
  injection") gets a leading apostrophe, which the import removes again.
  In XLSX every text is a string cell, never a formula.

A cell's place in errors is `catalogue.xlsx:Deliverables!C7` (`CellSpan`).
"""

from __future__ import annotations

import re

from ..language.diagnostics import CellSpan, cell_span, column_letter  # noqa: F401 - this module's names too
from ..language.fastparse import STRING_PATTERN
from ..language.syntax import unescape

SEPARATORS = ",、，\n\r"
_SPLIT = re.compile("[" + SEPARATORS + "]")
_STRING = re.compile(r"\s*(" + STRING_PATTERN + r")\s*")
_FORMULA = re.compile("'*[=+\\-@\t\r]")


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_text(text: str | None) -> str | None:
    """A single value as its cell holds it (None: an empty cell)."""
    if text is None:
        return None
    if not text or text != text.strip() or text[0] == '"':
        return quote(text)
    return text


def write_list(items) -> str | None:
    out = []
    for item in items:
        if not item or item != item.strip() or item[0] == '"' or _SPLIT.search(item):
            out.append(quote(item))
        else:
            out.append(item)
    return ", ".join(out) if out else None


def read_text(raw: str) -> str | None:
    """A single value from its cell's text (None: empty)."""
    text = raw.strip()
    if not text:
        return None
    if text[0] == '"':
        m = _STRING.fullmatch(text)
        if m is not None:
            return unescape(m.group(1))
    return text


def read_list(raw: str) -> tuple[list[str], str | None]:
    """(items, problem) from a list cell: split on `,` `、` `，` and line
    breaks, items trimmed, quoted items read as strings, empty ones left out."""
    items: list[str] = []
    pos, n = 0, len(raw)
    while pos < n:
        m = _STRING.match(raw, pos)
        if m is not None and (m.end() == n or raw[m.end()] in SEPARATORS):
            items.append(unescape(m.group(1)))
            pos = m.end() + 1
            continue
        if raw[pos:].lstrip().startswith('"') and m is None:
            return items, "a quoted name has no closing quote"
        if m is not None:
            return items, f"text after the quoted name {m.group(1)}: separate the names with ','"
        end = _SPLIT.search(raw, pos)
        stop = n if end is None else end.start()
        item = raw[pos:stop].strip()
        if item:
            items.append(item)
        pos = stop + 1
    return items, None


def csv_cell(text: str) -> str:
    """A text as a CSV cell: a leading apostrophe when a spreadsheet would
    take it for a formula."""
    return "'" + text if _FORMULA.match(text) else text


def from_csv_cell(text: str) -> str:
    return text[1:] if text.startswith("'") and _FORMULA.match(text) and _FORMULA.match(text[1:]) else text


# East Asian wide and fullwidth characters, which take two columns (close
# enough for a column's width; prep.language.diagnostics.display_width is exact)
_WIDE = re.compile("[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
                   "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]")


def text_width(text: str) -> int:
    """Columns `text` takes in a spreadsheet: a wide (Japanese) character
    counts 2; a text of several lines is as wide as its widest line."""
    if "\n" in text:
        return max(text_width(line) for line in text.split("\n"))
    if text.isascii():
        return len(text)
    return len(text) + len(_WIDE.findall(text))
