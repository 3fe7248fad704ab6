"""Measured values in: a CSV or XLSX table, one value a row.

    measure,value[,customer][,date]

The header names the columns, in any order, in English or Japanese
(`measure`/`指標`, `value`/`値`, `customer`/`顧客`, `date`/`日付`); other
columns are ignored. A row names a measure by its name (or its label, or
the label's first line) and gives a number, with the measure's unit or none
(`62`, `62%`, `６２％`, `1,200`, `14 日`). Empty rows are skipped, and so
is a row whose value is empty (not measured yet: a weekly template's row).
A date is year-month-day (`2026-11-30`, `2026/11/30`, `2026年11月30日`,
a time after it or not), read into ISO text so that the latest compares as
text; any other form (`11/30/2026`) is an error at its cell.

Every problem is a located error (`values.csv:14:1: unknown measure
'定着率2'`, with a did-you-mean), collected over the whole file (up to
`MAX_ERRORS`) and raised together as one PrepError: never a traceback.

CSV files are read as UTF-8 (with or without the BOM Excel writes) or,
failing that, as Shift_JIS (cp932: Excel's CSV on a Japanese Windows), or
as UTF-16 with its BOM (Excel's "Unicode Text"); the cells are separated by
commas, else by the tabs the header row has. XLSX needs
openpyxl; the first sheet is read, and a problem is at its cell.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import unicodedata
from typing import NamedTuple

from ..language.diagnostics import ERROR, INFO, Diagnostic, PrepError, Span, cell_span, source_line
from ..language.model import decimal_comma, parse_number

MAX_ERRORS = 20
# each column's headers, compared with width, case, spaces and underscores
# ignored (`Customer Name` is `customername`): a customer column a team
# calls 顧客名 or 取引先 was not read, and every customer's values were
# taken for one customer's
HEADERS = {
    "measure": ("measure", "指標", "kpi", "measurename", "指標名", "kpi名"),
    "value": ("value", "値", "数値", "実績", "実績値", "測定値"),
    "customer": ("customer", "顧客", "account", "customername", "顧客名", "accountname", "client", "clientname",
                 "company", "companyname", "会社", "会社名", "企業", "企業名", "取引先", "取引先名"),
    "date": ("date", "日付", "日時", "測定日", "基準日", "asof"),
}


HEADER_WITHIN = 10   # rows a title may take above the header


def _columns(cells: list[str]) -> dict[str, int]:
    """column key -> index, of the columns the header row `cells` names."""
    where: dict[str, int] = {}
    for i, c in enumerate(cells):
        key = _header_key(c)
        for col, names in HEADERS.items():
            if key in names and col not in where:
                where[col] = i
    return where


def _header_key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().replace("_", " ").split())


class Reading(NamedTuple):
    """One row: a measure's value for a customer (None: the only one). A
    named tuple: 200,000 rows are read in well under a second."""

    customer: str | None
    measure: str
    value: float
    text: str          # the value as written
    date: str | None
    line: int


class _Errors:
    """The problems found. In a CSV file a problem is at its line and the
    character column of its cell (`values.csv:14:5`, the line shown with a
    caret); in a workbook at its sheet and cell (`values.xlsx:週次!C14`:
    the text column of a CSV line means nothing in a spreadsheet)."""

    def __init__(self, path: str, source: str | None, sheet: str | None = None, delimiter: str = ","):
        self.path, self.source, self.sheet, self.found = path, source, sheet, []
        self.delimiter = delimiter

    def add(self, line: int, column: int, width: int, message: str, hint: str | None,
            cell: int | None = None) -> None:
        if len(self.found) < MAX_ERRORS:
            self.found.append(Diagnostic("E000", ERROR, message, self.span(line, column, width, cell),
                                         name="bad-data", hint=hint))

    def span(self, line: int, column: int, width: int, cell: int | None = None) -> Span:
        if self.source is not None and cell is not None:
            # where the cell is on the line as written: a quoted cell before it
            # ("1,200", "ACME, Inc.") moves it by its quotes and its comma
            column, width = (_cell_place(source_line(self.source, line) or "", cell, self.delimiter)
                             or (column, width))
        return (cell_span(self.path, self.sheet, line, cell + 1) if self.sheet is not None and cell is not None
                else Span(self.path, line, column, line, column + max(width, 1)))

    def raise_if_any(self) -> None:
        if self.found:
            raise PrepError(self.found, self.source)


def read_values(path: str, model, notes: list[Diagnostic] | None = None) -> list[Reading]:
    """The readings of a CSV or XLSX file for `model`'s measures. Raises
    PrepError (located) for an unreadable file, a missing column, an
    unknown measure or a value that is not a number in the measure's unit.
    `notes`, when given, receives what the reader ignored and why it
    matters (a column not read in data without a customer column)."""
    ext = os.path.splitext(path)[1].lower()
    sheet, delimiter = None, ","
    kind = content_kind(path)
    if kind == "zip" and ext in (".xls", ".csv", ".txt", ".tsv"):
        ext = ".xlsx"   # a workbook by its content, whatever its name says (an .xlsx renamed .xls)
    if ext in OTHER_SHEETS:
        raise PrepError.at(path, f"this is {OTHER_SHEETS[ext]}, which prep does not read", name="unreadable-file",
                           hint="save it from Excel or LibreOffice as an Excel Workbook (.xlsx) or CSV UTF-8")
    if ext in (".xlsx", ".xlsm") and kind == "text":   # it said "BadZipFile: File is not a zip file"
        raise PrepError.at(path, "this is a text file (CSV?), not an Excel workbook, whatever its name says",
                           name="unreadable-file", hint=f"rename it to {os.path.splitext(path)[0]}.csv, or save "
                                                        "it from Excel or LibreOffice as an Excel Workbook (.xlsx)")
    try:
        if ext in (".xlsx", ".xlsm"):
            (rows, sheet), source = _xlsx_rows(path), None
        else:
            with open(path, "rb") as f:
                data = f.read()
            source = _decode(data, path)
            delimiter = _delimiter(source)
            _refuse_semicolons(source, path)
            rows = _csv_rows(source, delimiter)
    except OSError as e:
        raise PrepError.at(path, f"cannot read the data: {e.strerror or e}", name="unreadable-file",
                           hint="give a CSV or XLSX file with the columns measure,value (and customer, date)") \
            from None
    return _readings(rows, path, source, model, sheet, notes, delimiter)


def content_kind(path: str) -> str | None:
    """What a data file is by its first bytes: "zip" (an .xlsx workbook, or
    another zip), "ole" (an Excel 97-2003 workbook, or one with a password),
    "text", or None (not readable, empty)."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError:
        return None
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if not head:
        return None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):   # UTF-16, as Excel's "Unicode text" saves it
        return "text"
    return None if b"\x00" in head[:64] else "text"


# spreadsheets prep does not read, by their names (the data and the catalogue alike)
OTHER_SHEETS = {".xls": "an Excel 97-2003 workbook (.xls)", ".ods": "an OpenDocument spreadsheet (.ods)",
                ".numbers": "a Numbers spreadsheet", ".xlsb": "an Excel binary workbook (.xlsb)"}


def _delimiter(text: str) -> str:
    """What separates the cells: a comma, else a tab (rows pasted from a
    spreadsheet into a text file; Excel's "Unicode Text"), as the header
    shows. (Not a semicolon: where that separates CSV cells, a comma is
    the decimal mark, and `52,5` would be read as 525.)"""
    header = next((line for line in text.split("\n") if line.strip()), "")
    return "\t" if "\t" in header and "," not in header else ","


def _refuse_semicolons(text: str, path: str) -> None:
    """Data whose header separates its cells with semicolons (Excel's CSV
    where the comma is the decimal mark) is refused, located at the header:
    read with commas it had no measure column, and its values' decimal
    commas and thousands points cannot be told apart."""
    lines = text.split("\n")
    at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if at is None:
        return
    header = lines[at]
    if ";" in header and "," not in header and "\t" not in header:
        raise PrepError.at(path, "the cells are separated by semicolons (;), not commas", name="bad-data",
                           line=at + 1, column=header.index(";") + 1, end_column=header.index(";") + 2,
                           source=text,
                           hint="save it as CSV UTF-8 (Comma delimited) with a decimal point (35.5), or give "
                                "the .xlsx workbook itself")


def _decode(data: bytes, path: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode Text": UTF-16 with its byte-order mark
        try:
            return data.decode("utf-16").replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            pass
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp932")
        except UnicodeDecodeError:
            raise PrepError.at(path, "the data is neither UTF-8 nor Shift_JIS text", name="unreadable-file",
                               hint="save it as CSV UTF-8 (Excel: CSV UTF-8 (Comma delimited)) or as .xlsx") \
                from None
    if "\x00" in text[:4096]:
        raise PrepError.at(path, "this is not a CSV text file", name="unreadable-file",
                           hint="give a CSV (UTF-8) or an .xlsx file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _csv_rows(text: str, delimiter: str = ","):
    """(line number, [cells]) per row; a quoted cell may span lines."""
    import csv
    import io

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    for row in reader:
        yield line, row
        line = reader.line_num + 1


def _xlsx_rows(path: str):
    try:
        import openpyxl
    except ImportError:
        raise PrepError.at(path, "reading .xlsx needs openpyxl, which is not installed", name="missing-extra",
                           hint="pip install openpyxl, or save the sheet as CSV UTF-8") from None
    try:
        # from the bytes: openpyxl refuses a workbook by its name (an .xlsx saved as .xls)
        with open(path, "rb") as f:
            book = openpyxl.load_workbook(io.BytesIO(f.read()), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - a broken or foreign file, said in plain words
        raise PrepError.at(path, f"cannot read the workbook: {type(e).__name__}: {e}", name="unreadable-file",
                           hint="give an .xlsx saved by Excel or LibreOffice, or a CSV") from None
    sheet = book.worksheets[0]
    rows = []
    for i, row in enumerate(sheet.iter_rows(), start=1):
        rows.append((i, ["" if c.value is None else _cell_text(c.value, getattr(c, "number_format", None))
                         for c in row]))
    book.close()
    # a formula never computed reads as an empty cell, which is "not measured": say so instead
    found = [Diagnostic("E000", ERROR, f"the cell holds the formula '{formula}', whose value was never computed",
                        cell_span(path, sheet.title, r, c), name="bad-data", hint=FORMULA_HINT)
             for r, c, formula in uncomputed_formulas(path, sheet, set(range(1, 16385)))]
    if found:
        raise PrepError(found[:MAX_ERRORS])
    return rows, sheet.title


def as_shown(value, number_format: str | None):
    """An XLSX cell's value as the sheet shows it where that differs from
    the value: a number formatted as a percentage (typed `60%`, stored as
    0.6 with the format `0%`) is the text "60%"; any other value as it is.
    Both readers of a client's workbook use it (these data and the
    catalogue's Measures sheet)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (number_format or ""):
        return ("%.10f" % (value * 100)).rstrip("0").rstrip(".") + "%"
    return value


_CELL = re.compile(rb"<c\s[^>]*?\br=\"([A-Z]+)([0-9]+)\"[^>]*?>(.*?)</c>", re.S)
_FORMULA = re.compile(rb"<f[\s>/]")
_VALUE = re.compile(rb"<v>[^<]")
FORMULA_HINT = ("if it is text, store it as text (in Excel start it with an apostrophe; openpyxl makes any text "
                "starting with = a formula); else open the workbook in Excel or LibreOffice and save it")


def uncomputed_formulas(path: str, ws, columns: set[int]) -> list[tuple[int, int, str]]:
    """(row, column, formula) of each cell of read-only sheet `ws`, in one of
    `columns` (1-based), that holds a formula whose value was never
    computed: a workbook written by a script, not saved by Excel or
    LibreOffice, where openpyxl reads it as an empty cell. Only a sheet that
    has a formula at all is searched. Both readers of a client's workbook
    use it (these data and the catalogue)."""
    import html
    import zipfile

    where = getattr(ws, "_worksheet_path", None)
    if where is None:
        return []
    try:
        with zipfile.ZipFile(path) as archive:
            xml = archive.read(where)
    except (KeyError, OSError, zipfile.BadZipFile):
        return []
    if _FORMULA.search(xml) is None:
        return []
    out = []
    for m in _CELL.finditer(xml):
        inside = m.group(3)
        if _FORMULA.search(inside) is None or _VALUE.search(inside) is not None:
            continue
        column = 0
        for letter in m.group(1).decode("ascii"):   # AB -> 28
            column = column * 26 + ord(letter) - 64
        if column not in columns:
            continue
        formula = re.search(rb"<f[^>]*>(.*?)</f>", inside, re.S)
        out.append((int(m.group(2)), column, "=" + html.unescape(formula.group(1).decode("utf-8", "replace"))
                    if formula else "a formula"))
    return out


def _cell_text(v, number_format: str | None = None) -> str:
    """A cell as the sheet shows it: a value typed as `52%` is the number
    0.52 formatted `0%` to Excel, and "52%" to the measure (0.52 was red
    against `>= 60%`, and a customer at 96% of licences was stuck in the
    first stage)."""
    v = as_shown(v, number_format)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10] if hasattr(v, "hour") and not (v.hour or v.minute or v.second) else v.isoformat()
    return str(v)


def _cell_place(text: str, at: int, delimiter: str = ",") -> tuple[int, int] | None:
    """(1-based column, width) of cell `at` on the CSV line `text`, its
    quotes included; None when the line does not hold it (a quoted cell
    that runs over several lines)."""
    quoted, start, n = False, 0, 0
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted       # a doubled quote inside flips twice
        elif ch == delimiter and not quoted:
            if n == at:
                return start + 1, i - start
            n, start = n + 1, i + 1
    return (start + 1, len(text) - start) if n == at and not quoted else None


def _column_of(cells: list[str], at: int) -> int:
    """The 1-based text column where cell `at` starts (for a caret under it)."""
    return 1 + sum(len(c) + 1 for c in cells[:at])


def _readings(rows, path: str, source: str | None, model, sheet: str | None = None,
              notes: list[Diagnostic] | None = None, delimiter: str = ",") -> list[Reading]:
    errors = _Errors(path, source, sheet, delimiter)
    rows = iter(rows)
    # the header: the first non-empty row, unless a title or a remark stands
    # above it (週次KPI 2026年12月): then the first of the next rows that names
    # both the measure and the value columns
    seen: list = []            # the non-empty rows read while looking for it
    header = None
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        seen.append((line, cells))
        found = _columns(cells)
        if "measure" in found and "value" in found:
            header = (line, cells)
            break
        if len(seen) >= HEADER_WITHIN:
            break
    if not seen:
        raise PrepError.at(path, "the data has no rows", name="bad-data",
                           hint="the first row names the columns: measure,value (and customer, date)")
    if header is None:
        header = seen[0]   # it says below which column it lacks
    elif notes is not None:
        for skipped, _ in seen[:-1]:
            notes.append(Diagnostic("I000", INFO, "a row above the header; it is not read",
                                    cell_span(path, sheet, skipped, 1) if sheet is not None else
                                    Span(path, skipped, 1, skipped, 2), name="data-note",
                                    hint=f"the header is row {header[0]}"))
    hline, hcells = header
    where = _columns(hcells)
    if "customer" not in where and notes is not None:
        # the whole file is one customer: say which columns that leaves unread
        for i, c in enumerate(hcells):
            if c.strip() and i not in where.values():
                span = (cell_span(path, sheet, hline, i + 1) if sheet is not None else
                        Span(path, hline, _column_of(hcells, i), hline, _column_of(hcells, i) + max(len(c), 1)))
                notes.append(Diagnostic("I000", INFO, f"column '{c.strip()}' is not read, and without a customer "
                                        "column the whole file is one customer", span, name="data-note",
                                        hint="if it names the customers, call it 'customer' (or 顧客)"))
    missing = [c for c in ("measure", "value") if c not in where]
    if missing:
        shown = ", ".join(repr(c) for c in hcells[:8])
        raise PrepError([Diagnostic("E000", ERROR, f"the data has no {' and no '.join(missing)} column",
                                    cell_span(path, sheet, hline, 0) if sheet is not None else
                                    Span(path, hline, 1, hline, max(2, len(",".join(hcells)) + 1)),
                                    name="bad-data",
                                    hint=f"the first row names the columns: measure,value (and customer, date); "
                                         f"found {shown or 'nothing'}")], source)
    by_name = _measure_names(model)
    mi, vi = where["measure"], where["value"]
    ci, di = where.get("customer"), where.get("date")
    width = max(mi, vi, ci if ci is not None else -1, di if di is not None else -1) + 1
    out: list[Reading] = []
    undated: dict[int, int] = {}   # line -> the column of its empty date cell
    dates: dict[str, str | None] = {}   # as written -> ISO (a weekly file repeats a few dates)
    append = out.append
    new = tuple.__new__
    columns = len(hcells)
    for line, cells in rows:
        if len(cells) < width:
            if not any(c.strip() for c in cells):
                continue
            cells = cells + [""] * (width - len(cells))
        if sheet is None and len(cells) > columns and any(c.strip() for c in cells[columns:]):
            # an unquoted 1,200 or 35,5% is two cells: the value read as 1 or 35, coloured by it
            extra = next(i for i in range(columns, len(cells)) if cells[i].strip())
            joined = delimiter.join(cells[vi:vi + 2]).strip()
            errors.add(line, _column_of(cells, extra), len(cells[extra]) or 1,
                       f"this row has {len(cells)} cells but the header names {columns} columns: a "
                       f"{'comma' if delimiter == ',' else 'separator'} in a value splits it",
                       f'quote a value that holds one ("{joined}"), or write a decimal point (35.5%)', extra)
            continue
        name = cells[mi].strip()
        text = cells[vi].strip()
        if not text and (not name or name in by_name):
            # an empty value is no reading: not measured (yet), as in a weekly
            # template; the measure keeps its latest value, or has no data
            # (a misspelt measure without a value is still said below)
            continue
        m = by_name.get(name) or by_name.get(_folded(name))
        if m is None:
            col = _column_of(cells, mi)
            if not name:
                errors.add(line, col, 1, "the measure is missing", "name one of the model's measures", mi)
            else:
                close = difflib.get_close_matches(name, list(model.measures), n=1, cutoff=0.6)
                errors.add(line, col, len(cells[mi]), f"unknown measure '{name}'",
                           f"did you mean '{close[0]}'?" if close else
                           "the model's measures: " + ", ".join(list(model.measures)[:8]) +
                           (", ..." if len(model.measures) > 8 else "") if model.measures else
                           "the model declares no measure: `measure NAME [of: DELIVERABLE, ...]`", mi)
            continue
        try:
            value = float(text)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError
            if 0 < value < 1 and notes is not None and len(notes) < MAX_ERRORS and _in_whole_percent(m):
                # 0.52 where the thresholds are 60%, 45%, 30%: a fraction from a sheet, red at 0.52%
                notes.append(Diagnostic("I000", INFO, f"value {text} of measure '{m.name}' is read as {text}%",
                                        errors.span(line, _column_of(cells, vi), len(cells[vi]), vi),
                                        name="data-note", hint=f"if it is the fraction {text} (that is "
                                        f"{value * 100:g}%), write {value * 100:g}%"))
        except ValueError:
            value = _value(text, m)
            if value is None and decimal_comma(text):
                point = unicodedata.normalize("NFKC", text).replace(",", ".", 1)
                errors.add(line, _column_of(cells, vi), len(cells[vi]),
                           f"value '{text}' of measure '{m.name}' has a comma that does not separate thousands",
                           f"write a decimal point: {point} (a comma is read only between thousands, as in "
                           f"1,200)", vi)
                continue
            if value is None:
                unit = _unit(m)
                errors.add(line, _column_of(cells, vi), len(cells[vi]) or 1,
                           f"value '{text}' of measure '{m.name}' is not a number" +
                           (f" in '{unit}'" if unit else ""),
                           f"write a number{' (' + unit + ' may follow it)' if unit else ''}, e.g. 62"
                           + (unit if unit == "%" else (" " + unit if unit else "")), vi)
                continue
        customer = (cells[ci].strip() or None) if ci is not None else None
        if customer is None and ci is not None:
            # with a customer column, a row without one would be a customer "(all)" of its own
            errors.add(line, _column_of(cells, ci), 1, f"the customer of measure '{m.name}' is missing",
                       "name the customer, as the other rows do", ci)
            continue
        date = None
        if di is not None and (written := cells[di]):
            date = dates.get(written, "")
            if date == "":
                date = dates[written] = _iso_date(written) if written.strip() else None
            if date is None and written.strip():
                if (clock := _no_such_time(written)) is not None:
                    errors.add(line, _column_of(cells, di), len(cells[di]),
                               f"the time {clock} of measure '{m.name}' is not a time of day",
                               "the hour is 0 to 23 and the minute 0 to 59 (2026-11-30 09:30), or leave the "
                               "time out", di)
                    continue
                if _no_such_day(written):
                    errors.add(line, _column_of(cells, di), len(cells[di]),
                               f"the date '{written.strip()}' of measure '{m.name}' is no day of the calendar",
                               "the month is 1 to 12 and the day one of that month's (2026-02-28, 2026-11-30)",
                               di)
                    continue
                errors.add(line, _column_of(cells, di), len(cells[di]),
                           f"the date '{written.strip()}' of measure '{m.name}' is not a year-month-day date",
                           "write the year first: 2026-11-30, 2026/11/30 or 2026年11月30日 (the latest "
                           "date's value counts, and 11/12 could be November or December)", di)
                continue
        if date is None and di is not None:
            undated[line] = _column_of(cells, di)
        append(new(Reading, (customer, m.name, value, text, date, line)))
    errors.raise_if_any()
    if notes is not None:
        # customers whose names differ only in character widths or spaces (ｱｸﾒ商事 and アクメ商事,
        # a space or an ideographic one) are counted apart, as written: said, since a team's
        # counts came out with one customer twice
        first: dict[str, Reading] = {}
        said: set[tuple[str, str]] = set()
        for r in out:
            if r.customer is None:
                continue
            seen = first.setdefault(_folded(r.customer), r)
            if seen.customer != r.customer and (seen.customer, r.customer) not in said and len(notes) < MAX_ERRORS:
                said.add((seen.customer, r.customer))
                notes.append(Diagnostic("I000", INFO, f"customer '{r.customer}' differs from '{seen.customer}' "
                                        f"(line {seen.line}) only in character widths or spaces: they are counted "
                                        "as two customers", errors.span(r.line, 1, len(r.customer), ci),
                                        name="data-note", hint=f"if they are one customer, write '{seen.customer}' "
                                        "in both rows"))
    if undated and notes is not None:
        # the latest date wins, and no date is older than any: a value whose date was left out
        # beside dated ones of its measure was dropped without a word
        dated = {(r.customer, r.measure) for r in out if r.date is not None}
        for r in out:
            if r.date is None and (r.customer, r.measure) in dated and len(notes) < MAX_ERRORS:
                notes.append(Diagnostic("I000", INFO, f"value {r.text} of measure '{r.measure}' has no date, and "
                                        "another value of it has one: the dated value counts",
                                        errors.span(r.line, undated[r.line], 1, di), name="data-note",
                                        hint="write the date this value was measured on"))
    return out


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"(?:(?:\s+|T)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?")


_ISO_WITH_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]")


def _no_such_day(text: str) -> bool:
    """Is `text` written year first but no day of the calendar (2026-13-01, 2026-02-30)?"""
    return _DATE.fullmatch(unicodedata.normalize("NFKC", text).strip()) is not None


def _no_such_time(text: str) -> str | None:
    """The time of `text` (as written) when it is a day of the calendar
    with a time that is no time of day (2026-11-01 25:00); else None."""
    import datetime

    m = _DATE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if m is None or m.group(4) is None:
        return None
    y, mo, d, hh, mm, ss = m.groups()
    try:
        datetime.date(int(y), int(mo), int(d))
    except ValueError:
        return None   # no such day: said as such
    try:
        datetime.time(int(hh), int(mm), int(ss or 0))
    except ValueError:
        return f"{hh}:{mm}" + (f":{ss}" if ss else "")
    return None


def _iso_date(text: str) -> str | None:
    """A date as written in the data, as ISO text (`2026-11-30`, with the
    time `2026-11-30T09:30:00` when one is given), so the latest compares
    as text; None when it is not a year-month-day date (`11/30/2026`,
    `30.11.2026`, `yesterday`) or no such day (`2026-02-30`)."""
    import datetime

    plain = unicodedata.normalize("NFKC", text).strip()
    m = _DATE.fullmatch(plain)
    try:
        if m is None:
            if not _ISO_WITH_TIME.match(plain):   # (fromisoformat reads 20261130 too: not a form the docs give)
                return None
            parsed = datetime.datetime.fromisoformat(plain)   # 2026-11-30T09:30:00+09:00 and the like
            return parsed.isoformat()
        y, mo, d, hh, mm, ss = m.groups()
        day = datetime.date(int(y), int(mo), int(d))
        if hh is None:
            return day.isoformat()
        return datetime.datetime(day.year, day.month, day.day, int(hh), int(mm), int(ss or 0)).isoformat()
    except ValueError:
        return None


def _measure_names(model) -> dict:
    """Name, label and the label's first line -> measure (a name wins);
    each also in its folded form (`_folded`: ﾗｲｾﾝｽ割当率 as ライセンス割当率)."""
    out: dict = {}
    for m in model.measures.values():
        if m.label:
            out.setdefault(m.label.strip(), m)
            out.setdefault(m.label.split("\n")[0].strip(), m)
    for m in model.measures.values():
        out[m.name] = m
    for key, m in list(out.items()):
        out.setdefault(_folded(key), m)
    return out


def _folded(text: str) -> str:
    """A name as it reads, whatever its character widths and spaces: NFKC
    (half-width katakana, full-width letters and digits) and one space for
    any run of them (an ideographic space too)."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _in_whole_percent(m) -> bool:
    """A measure in % whose thresholds are all above 1% (60%, not 0.6%):
    a bare value below 1 is then likely a fraction."""
    given = [t for t in (m.target, m.green, m.lime, m.yellow) if t is not None]
    return bool(given) and all(t.unit == "%" and t.value > 1 for t in given)


def _unit(m) -> str:
    for t in (m.target, m.green, m.lime, m.yellow):
        if t is not None and t.unit:
            return t.unit
    return ""


def _value(text: str, m) -> float | None:

    parsed = parse_number(text)
    if parsed is None:
        return None
    value, unit = parsed
    if unit and unit != _unit(m):
        return None
    return value
