"""A catalogue back into a model: an XLSX workbook, a folder of CSV files
or one CSV file in, the text of a .prep model out (formatted as `prep fmt`
writes it).

    read_catalogue(path) -> Imported(text, notes)

The client edits the Deliverables sheet (name, label, kind, owners, group,
stage, external, final, note, inputs) and may edit the Relations, Stages
and Groups sheets; the derived columns (effective stage, consumers,
synchronized with, findings, health, file:line) and the Findings and Rules
sheets are not read. A relation is on the Relations sheet or named in its
target's `inputs` cell; an input in the cell that the Relations sheet does
not have is added (`x -> target`), and a relation on the sheet that its
target's `inputs` cell (when there is one) leaves out is an error, since
either side may be the one the client changed.

Every problem is an error at its cell (`catalogue.xlsx:Deliverables!C7`)
with a hint, all of them collected; nothing is returned then. Columns and
sheets that are not the catalogue's are notes, and ignored.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field

from ..health.data import FORMULA_HINT, as_shown, uncomputed_formulas
from ..language.diagnostics import ERROR, INFO, Diagnostic, PrepError, Span
from ..language.model import COLOUR_SPELLINGS, GROUP_COLOURS, MAX_GROUP_DEPTH
from ..language.source import _FORBIDDEN, _FORBIDDEN_ASTRAL  # what a model may not contain
from .cells import CellSpan, cell_span, from_csv_cell, quote, read_list, read_text
from .columns import (COLUMN_BY_NAME, DELIVERABLES, FLAG_BY_NAME, KIND_BY_NAME, RELATION_KIND_BY_NAME,
                      RELATIONS, TABLE_BY_NAME, TABLES, UNDECLARED, Table, fold)

ARROWS = {"input": "->", "sync": "~>", "mutual": "<~>"}


@dataclass
class Imported:
    text: str                                   # the model, formatted
    notes: list[Diagnostic] = field(default_factory=list)   # what was ignored, and where


@dataclass
class _Raw:
    """One table as read: its header's columns and its non-empty rows."""
    table: Table
    path: str
    sheet: str | None                            # None for a CSV file
    columns: dict[str, int]                      # column key -> 0-based index
    rows: list[tuple[int, list]]                 # (row number, cell values)

    def at(self, row: int, key: str | None) -> CellSpan:
        column = self.columns[key] + 1 if key in self.columns else 0
        return cell_span(self.path, self.sheet, row, column)

    def cell(self, row: int, key: str | None) -> "_Cell":
        return _Cell(self, row, key)


class _Cell:
    """Where a value came from, made into a CellSpan only when a message
    needs it (a catalogue has a hundred thousand cells and no problem)."""

    __slots__ = ("raw", "line", "key")

    def __init__(self, raw: _Raw, line: int, key: str | None):
        self.raw, self.line, self.key = raw, line, key

    def span(self) -> CellSpan:
        return self.raw.at(self.line, self.key)


class _Attributed:
    """Where a line came from (its row's name cell) and where each of its
    attributes did: `lime: ">= 45%"` from the lime cell, so the model's
    complaint about a threshold is shown at that cell, not at the name."""

    __slots__ = ("cell", "attributes")

    def __init__(self, cell: _Cell, attributes: dict[str, _Cell]):
        self.cell, self.attributes = cell, attributes

    def span(self) -> CellSpan:
        return self.cell.span()


def _span(place) -> Span:
    return place.span() if isinstance(place, (_Cell, _Attributed)) else place


class _Problems:
    def __init__(self):
        self.errors: list[Diagnostic] = []
        self.notes: list[Diagnostic] = []
        self.guesses = 0   # "did you mean" hints made (each compares with every name)

    def error(self, span: "Span | _Cell", message: str, hint: str | None = None) -> None:
        self.errors.append(Diagnostic("E010", ERROR, message, _span(span), name="catalogue-error", hint=hint))

    def note(self, span: "Span | _Cell", message: str, hint: str | None = None) -> None:
        self.notes.append(Diagnostic("I010", INFO, message, _span(span), name="catalogue-note", hint=hint))


def _text(v) -> str | None:
    """A cell's value as text: numbers as Excel shows them (a percentage
    as `15%`, `_as_shown`), dates as ISO (`2026-12-24`)."""
    if v is None:
        return None
    if isinstance(v, str):
        s = v
    elif isinstance(v, bool):
        s = "yes" if v else "no"
    elif isinstance(v, float) and v.is_integer():
        s = str(int(v))
    elif hasattr(v, "isoformat"):
        # a date typed into a cell (Excel makes `12/24` one) as ISO, without a midnight time
        s = v.isoformat()
        if hasattr(v, "hour") and not (v.hour or v.minute or v.second or v.microsecond):
            s = s[:10]
    else:
        s = str(v)
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    if not s.isascii() and not unicodedata.is_normalized("NFC", s):
        s = unicodedata.normalize("NFC", s)
    return s if s.strip() else None


# --------------------------------------------------------------------------
# reading the files


def _error_at(path: str, message: str, hint: str) -> PrepError:
    return PrepError.at(path, message, name="catalogue-error", hint=hint)


def _header(raw: _Raw, header: list, header_row: int, problems: _Problems) -> None:
    names = COLUMN_BY_NAME[raw.table.key]
    for i, v in enumerate(header):
        h = _text(v)
        if h is None:
            continue
        column = names.get(fold(h))
        where = cell_span(raw.path, raw.sheet, header_row, i + 1)
        if column is None:
            known = [c.en for c in raw.table.columns if not c.derived]
            close = difflib.get_close_matches(fold(h), list(names), n=1, cutoff=0.75)
            problems.note(where, f"column '{h}' is not a column of the {raw.table.en} table; it is ignored",
                          f"did you mean '{close[0]}'?" if close else "the columns read: " + ", ".join(known))
        elif column.key in raw.columns:
            problems.note(where, f"a second '{h}' column; only the first one is read")
        elif not column.derived:
            raw.columns[column.key] = i


# how many non-empty rows above the header a sheet may have (a title such as
# 成果物一覧（2026年12月版）, a date, a remark) before its header row
HEADER_WITHIN = 10


def _table(table: Table, path: str, sheet: str | None, rows, problems: _Problems, csv: bool) -> _Raw | None:
    """A table from its rows of values: the header is the first non-empty
    row that names a column of the table (a title row above it is skipped,
    with a note), else the first non-empty row."""
    raw = _Raw(table, path, sheet, {}, [])
    names = COLUMN_BY_NAME[table.key]
    header_row = None
    above: list[tuple[int, list]] = []      # non-empty rows before the header, while it is not found
    for number, values in enumerate(rows, start=1):
        if csv:
            values = [from_csv_cell(v) if v else None for v in values]
        if header_row is None:
            texts = [_text(v) for v in values]
            if all(v is None for v in texts):
                continue
            if any(t is not None and fold(t) in names for t in texts):
                header_row = number
                for skipped, _ in above:
                    problems.note(cell_span(path, sheet, skipped, 1), "a row above the table's header; it is "
                                  "ignored", f"the header is row {number}")
                _header(raw, list(values), number, problems)
                continue
            above.append((number, list(values)))
            if len(above) < HEADER_WITHIN:
                continue
            # no header among the first rows: the first one is the header, as it says
            (header_row, first), rest = above[0], above[1:]
            _header(raw, first, header_row, problems)
            for n, vs in rest:
                vs = [_text(v) for v in vs]
                if any(v is not None for v in vs):
                    raw.rows.append((n, vs))
            continue
        values = [_text(v) for v in values]
        if any(v is not None for v in values):
            raw.rows.append((number, values))
    if header_row is None and above:
        (header_row, first), rest = above[0], above[1:]
        _header(raw, first, header_row, problems)
        raw.rows += [(n, vs) for n, vs in ((n, [_text(v) for v in vs]) for n, vs in rest)
                     if any(v is not None for v in vs)]
    if header_row is None:
        return raw
    if "name" in {c.key for c in table.columns} and "name" not in raw.columns:
        problems.error(cell_span(path, sheet, header_row, 0), f"the {table.en} table has no name column",
                       f"name the column of names 'name' (or '{table.columns[0].ja}')")
        raw.rows = []   # each row "without a name" would only repeat it
    if table is RELATIONS:
        for key in ("sources", "target"):
            if key not in raw.columns:
                column = next(c for c in table.columns if c.key == key)
                problems.error(cell_span(path, sheet, header_row, 0), f"the Relations table has no {key} column",
                               f"name it '{column.en}' (or '{column.ja}')")
                raw.rows = []
    return raw


def _read_xlsx(path: str, problems: _Problems) -> tuple[dict[str, _Raw], str | None]:
    import zipfile

    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a dependency
        raise PrepError.at(path, "reading a workbook needs openpyxl", name="missing-extra",
                           hint="pip install openpyxl") from None
    _refuse_other_spreadsheets(path)
    try:
        # from the bytes: openpyxl refuses a workbook by its name (an .xlsx saved as .xls)
        with open(path, "rb") as f:
            book = openpyxl.load_workbook(io.BytesIO(f.read()), read_only=True, data_only=True)
    except FileNotFoundError:
        raise _error_at(path, "no such file", "check the path") from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        hint = ("an .xls file is Excel's old format: save it as an Excel Workbook (.xlsx)"
                if path.lower().endswith(".xls") else "save it from Excel or LibreOffice as an Excel Workbook (.xlsx)")
        raise _error_at(path, f"cannot read the workbook: {e}", hint) from None
    except Exception as e:  # openpyxl's own errors for a broken package  # noqa: BLE001
        raise _error_at(path, f"cannot read the workbook: {type(e).__name__}: {e}",
                        "save it from Excel or LibreOffice as an Excel Workbook (.xlsx)") from None
    try:
        _decode_escapes(book, path)
        found: dict[str, _Raw] = {}
        sheets = book.worksheets
        for ws in sheets:
            table = TABLE_BY_NAME.get(fold(ws.title))
            if table is None and len(sheets) == 1:
                table = DELIVERABLES  # a client's own one-sheet list
            if table is None:
                problems.note(cell_span(path, ws.title, 1, 1), f"sheet '{ws.title}' is not a catalogue table; "
                              "it is ignored", "the sheets read: " + ", ".join(t.en for t in TABLES if not t.derived))
                continue
            if table.derived:
                continue  # findings and rules are made by prep, not read
            if table.key in found:
                problems.note(cell_span(path, ws.title, 1, 1), f"a second {table.en} sheet; it is ignored")
                continue
            rows = _as_shown(ws, path, problems)
            found[table.key] = _table(table, path, ws.title, rows, problems, csv=False)
            if found[table.key] is not None:
                _uncomputed_formulas(path, ws, problems, {i + 1 for i in found[table.key].columns.values()})
        title = book.properties.title or None
    finally:
        book.close()
    return found, title


# what a client's office suite saves besides .xlsx, in the words of its Save As dialog
def _refuse_other_spreadsheets(path: str) -> None:
    """One plain error for a spreadsheet that is not an .xlsx workbook (by
    its name, or by its content: an old .xls, and an .xlsx saved with a
    password, are OLE files), instead of openpyxl's "please use xlrd to
    read this file" or "File is not a zip file"."""
    from ..health.data import OTHER_SHEETS, content_kind

    hint = "open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx)"
    ext = os.path.splitext(path)[1].lower()
    content = content_kind(path)
    if content == "zip" and ext == ".xls":
        return   # a workbook by its content (an .xlsx renamed .xls was called "an Excel 97-2003 workbook")
    if content == "text" and ext in (".xlsx", ".xlsm"):
        raise _error_at(path, "this is a text file (CSV?), not an Excel workbook, whatever its name says",
                        f"rename it to {os.path.splitext(path)[0]}.csv to import it as a CSV file, or {hint}")
    kind = OTHER_SHEETS.get(ext)
    if kind is not None:
        raise _error_at(path, f"this is {kind}, not an Excel Workbook (.xlsx)", hint)
    if ext == ".prep":
        raise _error_at(path, "this is a model, not a catalogue: prep import reads a workbook (.xlsx), a folder "
                        "of CSV files or a CSV file", f"to write the model's catalogue: prep export {path} -o "
                        "catalogue.xlsx")
    if not os.path.exists(path):
        raise _error_at(path, "no such file", "check the path")
    if ext not in (".xlsx", ".xlsm", ".xltx", ".xltm"):
        raise _error_at(path, "prep import reads a workbook (.xlsx), a folder of CSV files or a CSV file",
                        "give the catalogue's .xlsx (or save the sheet as one from Excel or LibreOffice)")
    if content == "ole":   # (a file that cannot be read: said by the reader, with the reason)
        raise _error_at(path, "this is an Excel 97-2003 workbook (.xls) or a workbook protected by a password, "
                        "not an Excel Workbook (.xlsx)", hint + ", without a password")


def _as_shown(ws, path: str, problems: _Problems):
    """The rows' values, a percentage as the sheet shows it: a client who
    types `60%` into a threshold cell gets the number 0.6 formatted `0%`,
    which is "60%" to them (and to the measure), not "0.6"; so does one who
    types `15%` into a note. Only a number's format is looked at (a
    catalogue is text: its strings are taken as they are). A cell showing
    the error of its formula (`#DIV/0!`, `#REF!`) is an error at that cell,
    not a label "#DIV/0!"."""
    for row in ws.iter_rows():
        values = [v if (v := c.value) is None or type(v) is str else as_shown(v, getattr(c, "number_format", None))
                  for c in row]
        for i, v in enumerate(values):
            if type(v) is str and v[:1] == "#" and getattr(row[i], "data_type", None) == "e":
                c = row[i]
                problems.error(cell_span(path, ws.title, c.row, c.column), f"the cell shows {v}, the error of its "
                               "formula", "correct the formula, or type the value itself")
                values[i] = None
        yield values


def _uncomputed_formulas(path: str, ws, problems: _Problems, columns: set[int]) -> None:
    """A formula whose value was never computed (a workbook written by a
    script, not saved by Excel or LibreOffice) reads as an empty cell: an
    error at that cell instead, in the `columns` the import reads.
    openpyxl makes any text that starts with `=` a formula, so a script's
    note "=== 要確認 ===" became one and was lost."""
    for row, column, formula in uncomputed_formulas(path, ws, columns):
        problems.error(cell_span(path, ws.title, row, column),
                       f"the cell holds the formula '{formula}', whose value was never computed", FORMULA_HINT)


_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


def _decode_escapes(book, path: str) -> None:
    """Excel writes a character XML cannot hold, and any text that looks
    like such an escape, as `_xHHHH_` (a literal `_x0041_` as
    `_x005F_x0041_`). openpyxl removes every `x005F_` from the shared
    strings instead of decoding them, which changes a text holding
    `x005F_`; when the table has escapes at all, its strings are decoded
    again here, exactly (each escape once, left to right)."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.lower().endswith("sharedstrings.xml")]
        if len(names) != 1:
            return
        raw = archive.read(names[0])
    if re.search(rb"_x[0-9A-Fa-f]{4}_", raw) is None:
        return
    try:
        from defusedxml.ElementTree import fromstring
    except ImportError:  # pragma: no cover - fpdf2 brings it
        from xml.etree.ElementTree import fromstring
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    decoded = []
    for si in fromstring(raw).iter(main + "si"):
        plain = si.find(main + "t")
        parts = [plain.text or ""] if plain is not None else [
            t.text or "" for r in si.findall(main + "r") for t in r.findall(main + "t")]
        decoded.append(_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), "".join(parts)))
    for ws in book.worksheets:
        strings = getattr(ws, "_shared_strings", None)  # one list, shared by every sheet
        if isinstance(strings, list) and len(strings) == len(decoded):
            strings[:] = decoded
            return


def _decode_csv(path: str) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise _error_at(path, "no such file", "check the path") from None
    except OSError as e:
        raise _error_at(path, f"cannot read the file: {e.strerror or e}", "check the path") from None
    if b"\x00" in data[:4096]:
        raise _error_at(path, "the file holds NUL bytes: it is not a CSV text file",
                        "save the table from Excel as 'CSV UTF-8 (comma delimited)'")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Excel's "CSV" on a Japanese Windows is Shift_JIS (code page 932)
        return data.decode("cp932")
    except UnicodeDecodeError:
        raise _error_at(path, "the file is neither UTF-8 nor Shift_JIS text",
                        "save it as 'CSV UTF-8 (comma delimited)' from Excel") from None


def _read_csv(path: str, table: Table, problems: _Problems) -> _Raw:
    import csv
    import io

    text = _decode_csv(path)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        raise _error_at(path, f"cannot read the CSV file: {e}", "save it again as CSV UTF-8 from Excel") from None
    return _table(table, path, None, rows, problems, csv=True)


def _read_folder(path: str, problems: _Problems) -> dict[str, _Raw]:
    found: dict[str, _Raw] = {}
    for entry in sorted(os.listdir(path)):
        full = os.path.join(path, entry)
        stem, ext = os.path.splitext(entry)
        if ext.lower() != ".csv" or not os.path.isfile(full):
            continue
        table = TABLE_BY_NAME.get(fold(stem))
        if table is None:
            problems.note(Span(full, 1, 1, 1, 1), f"'{entry}' is not a catalogue table; it is ignored",
                          "the files read: " + ", ".join(f"{t.en.lower()}.csv" for t in TABLES if not t.derived))
        elif not table.derived and table.key not in found:
            found[table.key] = _read_csv(full, table, problems)
    return found


# --------------------------------------------------------------------------
# the model


@dataclass
class _Decl:
    name: str
    span: _Cell                    # the name's cell
    undeclared: bool               # kind 'undeclared': only named in relations
    kind: str | None
    label: str | None
    owners: tuple[str, ...]
    group: str | None
    stage: str | None
    external: bool
    final: bool
    note: str | None
    inputs: list[str] | None       # None: no inputs cell
    inputs_span: _Cell

    def values(self) -> tuple:
        return (self.undeclared, self.kind, self.label, self.owners, self.group, self.stage, self.external,
                self.final, self.note,
                None if self.inputs is None else sorted(set(self.inputs)))


@dataclass
class _Rel:
    sources: list[str]
    target: str
    kind: str
    owners: tuple[str, ...]
    stage: str | None
    note: str | None
    span: _Cell                     # the row's sources (or the inputs cell)


class _Reader:
    """The values of one table's rows, each read and checked at its cell."""

    def __init__(self, raw: _Raw, problems: _Problems):
        self.raw, self.problems = raw, problems
        # one search over the whole table; cell by cell only when it finds something
        every = "\n".join(v for _, values in raw.rows for v in values if v is not None)
        self.clean = not (_FORBIDDEN.search(every) or (not every.isascii() and _FORBIDDEN_ASTRAL.search(every)))

    def rows(self):
        for number, values in self.raw.rows:
            self.number, self.values = number, values
            yield number

    def at(self, key: str) -> _Cell:
        return _Cell(self.raw, self.number, key)

    def cell(self, key: str) -> str | None:
        i = self.raw.columns.get(key)
        return self.values[i] if i is not None and i < len(self.values) else None

    def text(self, key: str) -> str | None:
        raw = self.cell(key)
        if raw is None:
            return None
        value = read_text(raw)
        return self._checked(key, value)

    def names(self, key: str) -> list[str] | None:
        raw = self.cell(key)
        if raw is None:
            return [] if key in self.raw.columns else None
        items, problem = read_list(raw)
        if problem:
            self.problems.error(self.at(key), problem, 'write names separated by ",", "、" or line breaks; '
                                'quote a name that holds one: "a, b"')
        return [v for v in items if self._checked(key, v) is not None]

    def flag(self, key: str) -> bool:
        raw = self.cell(key)
        if raw is None:
            return False
        value = FLAG_BY_NAME.get(fold(raw))
        if value is None:
            self.problems.error(self.at(key), f"'{raw}' is not yes or no", "write 'yes' (or はい, ○, x) or leave the "
                                "cell empty")
            return False
        return value

    def _checked(self, key: str, value: str | None) -> str | None:
        if value is None or self.clean:
            return value
        bad = _FORBIDDEN.search(value) or _FORBIDDEN_ASTRAL.search(value)
        if bad is not None:
            ch = bad.group()
            self.problems.error(self.at(key), f"the cell holds an invisible or control character U+{ord(ch):04X} "
                                f"({unicodedata.name(ch, 'unnamed')})",
                                "delete it: it would make two names that look the same different deliverables")
            return None
        return value


# difflib compares a name with every other: past this many suggestions
# (a catalogue whose every input is misspelt) the hints stop guessing
MAX_GUESSES = 50


def _did_you_mean(problems: "_Problems", name: str, names, otherwise: str) -> str:
    if problems.guesses >= MAX_GUESSES and len(names) > 100:
        return otherwise
    problems.guesses += 1
    same = _spelt_otherwise(name, names)
    if same is not None:
        return same
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else otherwise


def _spelt_otherwise(name: str, names) -> str | None:
    """The hint for a name that differs from one of `names` only in width
    or case (`ＱＢＲ資料` typed with a Japanese input method for `QBR資料`,
    which difflib found too different to suggest), or None. Names are
    exact in a model, so this is a suggestion, not a match."""
    folded = fold(name)
    same = next((n for n in names if fold(n) == folded), None)
    if same is None:
        return None
    return f"did you mean '{same}'? The names differ only in full-width or half-width letters, case or spaces"


def _by_label(text: str, labels: dict[str, str | None]) -> str | None:
    """A hint when `text` is how a stage or group is labelled rather than
    its name (`拡大` for the stage `expand` labelled "Stage 3: 拡大 Expand",
    the label shown in every picture): the name to write, or None."""
    word = fold(text)
    found = [name for name, label in labels.items()
             if label and (fold(label) == word or word in fold(label.replace(":", " ")).split())]
    if len(found) != 1:
        return None
    shown = " ".join(labels[found[0]].split())
    return f"did you mean '{found[0]}' (labelled '{shown}')? The column takes the name, not the label"


def read_catalogue(path: str | os.PathLike[str], *, source_comments: bool = False,
                   output_path: str = "model.prep") -> Imported:
    """The model in a catalogue (an .xlsx workbook, a folder of .csv files
    or one .csv file, which is the Deliverables table). Raises PrepError
    with every problem found, each at its cell."""
    path = os.fspath(path)
    problems = _Problems()
    title = None
    if os.path.isdir(path):
        found = _read_folder(path, problems)
    elif path.lower().endswith(".csv"):
        stem = os.path.splitext(os.path.basename(path))[0]
        table = TABLE_BY_NAME.get(fold(stem)) or DELIVERABLES
        if table.derived:
            raise _error_at(path, f"the {table.en} table is made by prep export, not read back",
                            "give the Deliverables table (deliverables.csv), or the folder of CSV files")
        found = {table.key: _read_csv(path, table, problems)}
    else:
        found, title = _read_xlsx(path, problems)
    if "deliverables" not in found:
        where = "folder" if os.path.isdir(path) else "workbook"
        raise PrepError([*problems.errors, *problems.notes, Diagnostic(
            "E010", ERROR, f"the {where} has no Deliverables table", Span(path, 1, 1, 1, 1),
            name="catalogue-error", hint="name the sheet (or the CSV file) 'Deliverables' or '成果物'")])
    raw = found["deliverables"]
    if not raw.rows and not problems.errors:
        # an empty model written over a good one (--force) is no import
        where = f"the {raw.sheet} sheet" if raw.sheet is not None else os.path.basename(raw.path)
        raise PrepError([*problems.notes, Diagnostic(
            "E010", ERROR, f"the Deliverables table ({where}) has no rows: there is no deliverable to import",
            raw.at(2, "name"), name="catalogue-error",
            hint="give the catalogue prep export wrote, with a row per deliverable under the header")])
    if problems.errors and "name" not in found["deliverables"].columns:
        # without the names, every relation's end would be one more error of the same cause
        raise PrepError(problems.errors + problems.notes)
    text, origins = _model_text(found, title, problems, source_comments)
    if problems.errors:
        # the notes too: an ignored column may be why a value is missing
        raise PrepError(_in_sheet_order(problems.errors, found) + problems.notes)
    try:
        return Imported(_checked_model(text, origins, output_path), problems.notes)
    except PrepError as e:
        raise PrepError(e.diagnostics + problems.notes) from None


def _in_sheet_order(errors: list[Diagnostic], found: dict[str, "_Raw"]) -> list[Diagnostic]:
    """`errors` by sheet (in the order the catalogue was read), then row,
    then column: the checks ran table by table and name by name, and their
    messages came out as C6, A19, Stages!D2, F26, ..."""
    places = [raw.at(1, None).path.rsplit("!", 1)[0] for raw in found.values()]

    def key(d: Diagnostic):
        where = d.span.path.rsplit("!", 1)[0]
        at = next((k for k, p in enumerate(places) if where == p or d.span.path == p), len(places))
        return at, d.span.line, d.span.column

    return sorted(errors, key=key)


def _model_text(found: dict[str, _Raw], title: str | None, problems: _Problems,
                source_comments: bool) -> tuple[str, list]:
    # ---- stages
    stages: dict[str, tuple] = {}
    nameless: list[tuple[Span, str | None]] = []   # stage rows without a name: (the name's cell, the label)
    raw = found.get("stages")
    if raw is not None:
        r = _Reader(raw, problems)
        listed = []
        for n, number in enumerate(r.rows()):
            name = r.text("name")
            if name is None:
                problems.error(r.at("name"), "a stage without a name", "name the stage, or delete the row")
                nameless.append((r.at("name").span(), r.text("label")))
                continue
            order_text = r.cell("order")
            try:
                order = float(order_text) if order_text is not None else None
            except ValueError:
                problems.error(r.at("order"), f"the order '{order_text}' is not a number",
                               "number the stages 1, 2, 3, ... or leave the column empty (the rows' order)")
                order = None
            if name in stages:
                problems.error(r.at("name"), f"stage '{name}' is listed twice (first in row {stages[name][4].line})",
                               "list each stage once")
                continue
            if order is not None and (same := next((x for o, _, x in listed if o == order), None)) is not None:
                # two stages numbered alike were put in the rows' order without a word
                problems.note(r.at("order"), f"stage '{name}' has the order {order_text} of stage '{same}': "
                              "they are put in the rows' order", "number each stage once (1, 2, 3, ...)")
            stages[name] = (r.text("label"), r.names("exit") or [], r.text("note"), r.at("exit"), r.at("name"))
            listed.append((order if order is not None else n + 1, n, name))
        stages = {name: stages[name] for _, _, name in sorted(listed)}

    # ---- groups
    groups: dict[str, tuple] = {}
    raw_groups = found.get("groups")
    if raw_groups is not None:
        r = _Reader(raw_groups, problems)
        for number in r.rows():
            name = r.text("name")
            if name is None:
                problems.error(r.at("name"), "a group without a name", "name the group, or delete the row")
                continue
            if name in groups:
                problems.error(r.at("name"), f"group '{name}' is listed twice (first in row {groups[name][5].line})",
                               "list each group once")
                continue
            colour = r.text("colour")
            if colour is not None:
                c = COLOUR_SPELLINGS.get(colour.lower(), colour.lower())
                if c not in GROUP_COLOURS:
                    problems.error(r.at("colour"), f"'{colour}' is not a group colour",
                                   "one of: " + ", ".join(GROUP_COLOURS))
            groups[name] = (r.text("label"), r.text("parent"), r.text("stage"), colour, r.text("note"), r.at("name"),
                            r.at("parent"), r.at("stage"))

    # ---- deliverables
    decls: dict[str, _Decl] = {}
    r = _Reader(found["deliverables"], problems)
    for number in r.rows():
        name = r.text("name")
        if name is None:
            problems.error(r.at("name"), "a row without a name", "name the deliverable, or delete the row")
            continue
        kind_text = r.cell("kind")
        kind = None
        undeclared = False
        if kind_text is not None:
            kind = KIND_BY_NAME.get(fold(kind_text))
            undeclared = kind == UNDECLARED
            if undeclared:
                kind = None
            elif kind is None:
                problems.error(r.at("kind"), f"unknown kind '{kind_text}'",
                               "write 'deliverable' (成果物) or 'knowhow' (ノウハウ); empty means deliverable")
        d = _Decl(name, r.at("name"), undeclared, kind, r.text("label"), tuple(dict.fromkeys(r.names("owners") or ())),
                  r.text("group"), r.text("stage"), r.flag("external"), r.flag("final"), r.text("note"),
                  r.names("inputs"), r.at("inputs"))
        old = decls.get(name)
        if old is None:
            decls[name] = d
        elif old.values() != d.values():
            problems.error(d.span, f"'{name}' is listed twice with different values (first in row {old.span.line})",
                           "keep one row per deliverable; use another name for another thing")
    names = decls.keys()
    every_name = list(names)

    # a deliverable renamed in its row keeps its label ("提案書\nProposal" on
    # the row now named 提案資料): where the old name is still used, that row
    # is the one meant
    renamed: dict[str, list[str]] = {}
    for d in decls.values():
        if d.label:
            first = d.label.split("\n")[0].strip()
            if first != d.name and first not in decls:
                renamed.setdefault(first, []).append(d.name)

    def known(name: str, span: Span, what: str) -> bool:
        if name in decls:
            return True
        now = renamed.get(name, [])
        problems.error(span, f"{what} '{name}' names no deliverable of the Deliverables table",
                       f"'{now[0]}' is labelled '{name}': if you renamed it, use the new name here too"
                       if len(now) == 1 else
                       _did_you_mean(problems, name, every_name, "add a row for it to the Deliverables table"))
        return False

    def stage_known(stage: str | None, span: Span) -> None:
        if stage is not None and (stages or nameless) and stage not in stages:
            # a stage row whose name was emptied: every use of that name said only "not on the
            # Stages sheet", with a did-you-mean among the others
            blank = (f"{nameless[0][0].path} has no name{f' (its label: {nameless[0][1]!r})' if nameless[0][1] else ''}"
                     f": if it is '{stage}', write that name there") if nameless else None
            problems.error(span, f"stage '{stage}' is not on the Stages sheet",
                           _spelt_otherwise(stage, stages) or _by_label(stage, {n: v[0] for n, v in stages.items()})
                           or _did_you_mean(problems, stage, stages,
                                            blank or "add it to the Stages sheet, or correct the name"))

    def group_known(group: str | None, span: Span) -> None:
        if group is not None and raw_groups is not None and raw_groups.rows and group not in groups:
            problems.error(span, f"group '{group}' is not on the Groups sheet",
                           _spelt_otherwise(group, groups) or _by_label(group, {n: v[0] for n, v in groups.items()}) or
                           _did_you_mean(problems, group, groups, "add it to the Groups sheet, or correct the name"))

    for name, (label, exits, note, exit_span, span) in stages.items():
        for x in exits:
            known(x, exit_span, f"exit criterion of stage '{name}':")
    for name, (label, parent, stage, colour, note, span, parent_span, stage_span) in groups.items():
        stage_known(stage, stage_span)
        if parent is not None and parent not in groups:
            problems.error(parent_span, f"parent group '{parent}' is not on the Groups sheet",
                           _did_you_mean(problems, parent, groups, "add it, or leave the parent empty"))
    for d in decls.values():
        stage_known(d.stage, found["deliverables"].cell(d.span.line, "stage"))
        group_known(d.group, found["deliverables"].cell(d.span.line, "group"))
    # groups named only in the Deliverables table (no Groups sheet): top-level groups
    for d in decls.values():
        if d.group is not None and d.group not in groups:
            groups[d.group] = (None, None, None, None, None, d.span, None, None)

    # ---- relations
    relations: list[_Rel] = []
    into: dict[str, dict[str, _Cell]] = {}      # target -> {source: row} of `->` rows
    raw = found.get("relations")
    if raw is not None:
        r = _Reader(raw, problems)
        for number in r.rows():
            sources, target = r.names("sources") or [], r.text("target")
            first = r.at("sources")
            if not sources or target is None:
                problems.error(r.at("sources" if not sources else "target"),
                               "a relation needs its sources and its target", "fill both in, or delete the row")
                continue
            kind_text = r.cell("kind")
            kind = "input" if kind_text is None else RELATION_KIND_BY_NAME.get(fold(kind_text))
            if kind is None:
                problems.error(r.at("kind"), f"unknown relation kind '{kind_text}'",
                               "write 'input' (->), 'sync' (~>) or 'mutual' (<~>); empty means input")
                continue
            ok = all([known(s, r.at("sources"), "source") for s in sources]) & known(target, r.at("target"), "target")
            if kind == "mutual" and len(sources) != 1:
                problems.error(r.at("sources"), "a mutual relation (<~>) joins one source and its target",
                               "write one row per pair")
                continue
            stage = r.text("stage")
            stage_known(stage, r.at("stage"))
            if ok:
                relations.append(_Rel(sources, target, kind, tuple(dict.fromkeys(r.names("owners") or ())), stage,
                                      r.text("note"), first))
                if kind == "input":
                    for s in sources:
                        into.setdefault(target, {}).setdefault(s, first)
    # inputs typed in the Deliverables table
    for d in decls.values():
        if d.inputs is None:
            continue
        have = into.get(d.name, {})
        new = [s for s in dict.fromkeys(d.inputs) if s not in have and known(s, d.inputs_span, "input")]
        if new:
            relations.append(_Rel(new, d.name, "input", (), None, None, d.inputs_span))
        listed = set(d.inputs)
        for s, row in have.items():
            if s not in listed:
                problems.error(d.inputs_span, f"the Relations sheet has '{s} -> {d.name}' (row {row.line}), "
                               f"but '{s}' is not among the inputs of '{d.name}' here",
                               f"add '{s}' to the inputs here, or delete row {row.line} of the Relations sheet")
    # ---- measures (issue 23)
    measures: dict[str, tuple] = {}
    raw_measures = found.get("measures")
    if raw_measures is not None:
        r = _Reader(raw_measures, problems)
        for number in r.rows():
            name = r.text("name")
            if name is None:
                problems.error(r.at("name"), "a measure without a name", "name the measure, or delete the row")
                continue
            if name in measures:
                problems.error(r.at("name"), f"measure '{name}' is listed twice (first in row "
                               f"{measures[name][-1].line})", "list each measure once")
                continue
            of, source = r.text("of"), r.text("from")
            if of is not None:
                known(of, r.at("of"), f"measure '{name}': of")
            if source is not None:
                known(source, r.at("from"), f"measure '{name}': from")
            cells = {key: r.at(column) for key, column in _MEASURE_CELLS.items()}
            measures[name] = (r.text("label"), of, source, r.text("target"), r.text("green"), r.text("lime"),
                              r.text("yellow"), r.text("dear"), tuple(dict.fromkeys(r.names("owners") or ())),
                              r.text("note"), _Attributed(r.at("name"), cells))
    if problems.errors:
        return "", []
    return _write(title, stages, groups, decls, relations, source_comments, measures)


# a measure's attribute in the model -> its column on the Measures sheet
_MEASURE_CELLS = {"of": "of", "from": "from", "target": "target", "green": "green", "lime": "lime",
                  "yellow": "yellow", "dear": "dear", "owner": "owners", "note": "note"}


def _name(name: str) -> str:
    from ..linter.rule import as_source

    return as_source(name)


def _names(names) -> str:
    names = list(names)
    return _name(names[0]) if len(names) == 1 else "[" + ", ".join(map(_name, names)) + "]"


def _attrs(pairs: list[tuple[str, str | None]]) -> str:
    inside = [k if v is None else f"{k}: {v}" for k, v in pairs]
    return f" [{', '.join(inside)}]" if inside else ""


def _write(title, stages, groups, decls, relations, source_comments, measures=None) -> tuple[str, list]:
    lines: list[str] = []
    origins: list[_Cell | None] = []    # the cell each line came from

    def emit(line: str, origin: _Cell | None, depth: int = 0) -> None:
        if source_comments and origin is not None:
            line += f"  # {os.path.basename(origin.span().path)}"
        lines.append("  " * depth + line)
        origins.append(origin)

    if title:
        emit(f"title {quote(title)}", None)
    for name, (label, exits, note, exit_span, span) in stages.items():
        attrs = []
        if exits:
            attrs.append(("exit", "[" + ", ".join(map(_name, exits)) + "]"))
        if note is not None:
            attrs.append(("note", quote(note)))
        emit(f"stage {_name(name)}" + (f" {quote(label)}" if label is not None else "") + _attrs(attrs), span)

    mentioned = {s for rel in relations for s in rel.sources} | {rel.target for rel in relations}

    def decl(d: _Decl, depth: int) -> None:
        if (d.undeclared and d.label is None and not d.owners and d.group is None and d.stage is None
                and not d.external and not d.final and d.note is None and d.name in mentioned):
            return  # only named in relations, as in the model it came from
        attrs: list[tuple[str, str | None]] = []
        if d.external:
            attrs.append(("external", None))
        if d.final:
            attrs.append(("final", None))
        if d.owners:
            attrs.append(("owner", _names(d.owners)))
        if d.stage is not None:
            attrs.append(("stage", _name(d.stage)))
        if d.note is not None:
            attrs.append(("note", quote(d.note)))
        emit(f"{d.kind or 'deliverable'} {_name(d.name)}" + (f" {quote(d.label)}" if d.label is not None else "")
             + _attrs(attrs), d.span, depth)

    members: dict[str | None, list[_Decl]] = {}
    for d in decls.values():
        members.setdefault(d.group, []).append(d)
    children: dict[str | None, list[str]] = {}
    for name, g in groups.items():
        parent = g[1] if g[1] in groups else None
        children.setdefault(parent, []).append(name)
    for d in members.get(None, ()):
        decl(d, 0)
    # groups as nested blocks, without recursion; a parent cycle leaves
    # groups unreached, reported below
    reached: set[str] = set()
    stack = [(iter(children.get(None, ())), 0)]
    while stack:
        it, depth = stack[-1]
        name = next(it, None)
        if name is None:
            stack.pop()
            if stack:
                emit("}", None, depth - 1)
            continue
        reached.add(name)
        label, parent, stage, colour, note, span = groups[name][:6]
        if depth >= MAX_GROUP_DEPTH:
            raise PrepError([Diagnostic("E010", ERROR, f"groups nest more than {MAX_GROUP_DEPTH} levels deep here",
                                        _span(span), name="catalogue-error", hint="flatten the groups")])
        attrs = []
        if stage is not None:
            attrs.append(("stage", _name(stage)))
        if colour is not None:
            attrs.append(("colour", _name(colour)))
        if note is not None:
            attrs.append(("note", quote(note)))
        emit(f"group {_name(name)}" + (f" {quote(label)}" if label is not None else "") + _attrs(attrs) + " {",
             span, depth)
        for d in members.get(name, ()):
            decl(d, depth + 1)
        stack.append((iter(children.get(name, ())), depth + 1))
    unreached = [n for n in groups if n not in reached]
    if unreached:
        g = groups[unreached[0]]
        raise PrepError([Diagnostic("E010", ERROR, f"the parent groups of '{unreached[0]}' go round in a circle",
                                    _span(g[6] or g[5]), name="catalogue-error",
                                    hint="give one group of the circle no parent")])
    for rel in relations:
        attrs = []
        if rel.owners:
            attrs.append(("owner", _names(rel.owners)))
        if rel.stage is not None:
            attrs.append(("stage", _name(rel.stage)))
        if rel.note is not None:
            attrs.append(("note", quote(rel.note)))
        emit(", ".join(map(_name, rel.sources)) + f" {ARROWS[rel.kind]} {_name(rel.target)}" + _attrs(attrs),
             rel.span)
    for name, (label, of, source, target, green, lime, yellow, dear, owners, note, span) in (measures or {}).items():
        attrs = [(k, _name(v)) for k, v in (("of", of), ("from", source)) if v is not None]
        attrs += [(k, quote(v)) for k, v in (("target", target), ("green", green), ("lime", lime),
                                              ("yellow", yellow)) if v is not None]
        if dear is not None:
            attrs.append(("dear", _name(dear)))
        if owners:
            attrs.append(("owner", _names(owners)))
        if note is not None:
            attrs.append(("note", quote(note)))
        emit(f"measure {_name(name)}" + (f" {quote(label)}" if label is not None else "") + _attrs(attrs), span)
    return "\n".join(lines) + "\n", origins


def _checked_model(text: str, origins: list, path: str) -> str:
    """The text formatted, after checking that it is a valid model; its
    errors (an exit criterion placed in another stage, ...) are reported
    at the cell their line came from."""
    from ..language import loads
    from ..language.fmt import format_text

    def at_cell(diagnostics, checked: str) -> list[Diagnostic]:
        keys = _attribute_keys(checked, path) if any(isinstance(o, _Attributed) for o in origins) else {}
        out = []
        for d in diagnostics:
            i = d.span.line - 1
            origin = origins[i] if 0 <= i < len(origins) else None
            if isinstance(origin, _Attributed):
                key = _key_at(keys.get(d.span.line, ()), d.span.column)
                origin = origin.attributes.get(key, origin.cell)
            place = _span(origin) if origin is not None else Span(path, 1, 1, 1, 1)
            out.append(Diagnostic(d.code, d.severity, d.message, place, d.name, d.subject, d.hint))
        return out

    try:
        # formatted first, then parsed once: the formatter keeps one
        # statement per line, so a line of the output is a line of `text`
        out = format_text(text, path, parsed=True)
    except (PrepError, ValueError):
        out = text
    if out.count("\n") != text.count("\n"):
        out = text
    try:
        model = loads(out, path, strict=False)
    except PrepError as e:
        raise PrepError(at_cell(e.diagnostics, out)) from None
    if model.errors:
        raise PrepError(at_cell(model.errors, out))
    return out if out is not text else format_text(text, path)


def _attribute_keys(text: str, path: str) -> dict[int, list[tuple[int, str]]]:
    """Line -> [(column, key)] of every attribute written on it (only when
    an error is to be placed: a second parse of the model's text)."""
    from ..language.parse import parse_statements

    try:
        statements, _ = parse_statements(text, path)
    except PrepError:
        return {}
    keys: dict[int, list[tuple[int, str]]] = {}
    for st in statements:
        for a in getattr(st, "attrs", None) or ():
            keys.setdefault(a.key_span.line, []).append((a.key_span.column, a.key))
    return keys


def _key_at(keys, column: int) -> str | None:
    """The attribute whose text holds `column`: the last to start before it."""
    found = None
    for start, key in sorted(keys):
        if start <= column:
            found = key
    return found


class CatalogueNote(UserWarning):
    """Something in a catalogue that the import ignored (a column, a sheet)."""
