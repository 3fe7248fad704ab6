"""The catalogue of a model as tables: Deliverables, Relations, Stages,
Groups, Measures, Findings and Rules, written as one XLSX workbook (XlsxWriter) or
as CSV files (UTF-8 with a byte-order mark, which Excel needs to read
Japanese).

    tables(model, findings) -> [Sheet]        pure: rows of cell values
    to_xlsx(model, findings) -> bytes
    to_csv(model, findings) -> {file name: bytes}

What the import reads back (importer.py) is exactly the model: every
text is written as cells.py says, and the import ignores the derived
columns (effective stage, consumers, findings, health, file:line).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from ..language.diagnostics import SEVERITY_RANK, Diagnostic, PrepError
from ..language.model import INPUT, MUTUAL, SYNC, Model
from ..language.views import file_label
from .._words import JAPANESE
from ..renderer.dot import HEALTH_FILL, HEALTH_NAME
from .cells import column_letter as _column_letter
from .cells import csv_cell, text_width, write_list, write_text
from .written import FINGERPRINT, PLACEHOLDER, stamped
from .columns import (DELIVERABLES, FINDINGS, GROUPS, KIND_JA, KINDS, MEASURES, RELATION_KIND_JA, RELATIONS,
                      RULES, STAGES, UNDECLARED, UNDECLARED_JA, YES_JA, Table)

FORMATS = ("xlsx", "csv")
# XlsxWriter's (and Excel's) limit of hyperlinks on one worksheet
MAX_LINKS = 65_530
MAX_WIDTH = 60          # wider text wraps in a column this wide
MIN_WIDTH = 6
MAX_CELL = 32_767       # characters Excel holds in a cell (XlsxWriter would cut the rest off)
LINE_HEIGHT = 15        # points a line of 11 pt text takes
MAX_LINES = 12          # a taller row is cut: the cell still holds all of it
# printing: the columns a landscape letter page holds at 100% (9.6 in between
# Excel's default 0.7 in margins; a column-width unit is about 5.25 pt of Calibri
# 11, plus 3.75 pt of padding per column), and the smallest print scale a sheet
# is fitted at (11 pt text printed at 8 pt or more)
PAGE_WIDTH = 9.6 * 72
MIN_SCALE = 0.75


@dataclass
class Sheet:
    table: Table
    rows: list[list]                       # cell values: str, int or None
    fills: list[str | None] = field(default_factory=list)   # a row's health colour (Deliverables)
    links: list[str | None] = field(default_factory=list)   # a row's link on its first cell (Findings)


def _location(span, model: Model) -> str | None:
    return f"{_file(span, model)}:{span.line}" if span is not None else None


def _file(span, model: Model) -> str | None:
    """The file that holds the statement: in a workspace, the part that
    declares it; a deliverable only named in relations, the root. Named as
    the root's folder names it (`sales.prep`, `teams/sales.prep`), however
    the model was given (`prep export /home/me/.../main.prep` put the
    consultant's folders into the client's workbook)."""
    return file_label(model, span.path if span is not None and span.path else model.path)


def _unique(names) -> list[str]:
    return list(dict.fromkeys(names))


def tables(model: Model, findings: list[Diagnostic], *, language: str = "en",
           rules_url: str | None = None) -> list[Sheet]:
    """Every table of the catalogue, rows in the model's order."""
    from ..linter.findings import sort_findings

    ja = language == "ja"
    yes = YES_JA if ja else "yes"
    # a health colour and a severity in the sheets' language (緑, 警告), as the report and prep status write them
    word = (lambda w: JAPANESE.get(w, w)) if ja else (lambda w: w)
    index = model.index
    effective = model.effective_stages
    by_subject: dict[str, list[Diagnostic]] = {}
    for f in findings:
        if f.subject is not None:
            by_subject.setdefault(f.subject, []).append(f)

    deliverables = Sheet(DELIVERABLES, [])
    for name, d in model.deliverables.items():
        mine = by_subject.get(name, ())
        worst = max((f.severity for f in mine), key=SEVERITY_RANK.__getitem__, default=None)
        # a deliverable only named in relations: the import leaves it undeclared again
        kind = (KIND_JA[d.kind] if ja else KINDS[d.kind][0]) if d.declared else UNDECLARED_JA if ja else UNDECLARED
        sync = [r.source for r in index.sync_in[name]] + [r.target for r in index.sync_out[name]] + [
            r.target if r.source == name else r.source for r in index.mutual[name]]
        deliverables.rows.append([
            write_text(name), write_text(d.label), kind, write_list(d.owners), write_text(d.group),
            write_text(d.stage), write_text(effective.get(name)), yes if d.external else None,
            yes if d.final else None, write_text(d.note),
            write_list(_unique(r.source for r in index.inputs[name])),
            write_list(_unique(r.target for r in index.consumers[name])),
            write_list(_unique(sync)), len(mine), word(HEALTH_NAME[worst]), _location(d.span, model), _file(d.span, model)])
        deliverables.fills.append(HEALTH_FILL[worst])

    # one row per statement and target: `a, b -> c` stays one row
    relations = Sheet(RELATIONS, [])
    rows: dict[tuple, list] = {}
    for r in model.relations:
        key = (r.span, r.target, r.kind, r.note, r.stage, r.owners)
        row = rows.get(key)
        if row is None or r.source in row[0]:
            # a source twice for one target: the same relation twice, on its own row
            rows[key if row is None else key + (len(rows),)] = [[r.source], r]
        else:
            row[0].append(r.source)
    for sources, r in rows.values():
        kind = RELATION_KIND_JA[r.kind] if ja else r.kind
        relations.rows.append([write_list(sources), write_text(r.target), kind, write_list(r.owners),
                               write_text(r.stage), write_text(r.note), _location(r.span, model), _file(r.span, model)])

    stages = Sheet(STAGES, [])
    for s in model.stages.values():
        if s.declared:  # a v1 model's stages are only names in `stage:`
            stages.rows.append([s.index + 1, write_text(s.name), write_text(s.label), write_list(s.exits),
                                write_text(s.note), _location(s.span, model), _file(s.span, model)])

    groups = Sheet(GROUPS, [])
    for g in model.groups.values():
        groups.rows.append([write_text(g.name), write_text(g.label), write_text(g.parent), write_text(g.stage),
                            g.colour, write_text(g.note), _location(g.span, model), _file(g.span, model)])

    measures = Sheet(MEASURES, [])
    for m in model.measures.values():
        measures.rows.append([write_text(m.name), write_text(m.label), write_text(m.of), write_text(m.source),
                              *(write_text(t.text) if t is not None else None
                                for t in (m.target, m.green, m.lime, m.yellow)),
                              m.dear, write_list(m.owners), write_text(effective.get(m.of) if m.of else None),
                              write_text(m.note), _location(m.span, model), _file(m.span, model)])

    ordered = sort_findings(findings)
    codes = _unique(f.code for f in ordered)
    rule_rows = _rules(codes, rules_url, word)
    found = Sheet(FINDINGS, [])
    rule_row = {code: i + 2 for i, code in enumerate(codes)}   # the row of each rule on the Rules sheet
    for f in ordered:
        found.rows.append([f.code, word(f.severity), write_text(f.subject), f.message, f.hint, _location(f.span, model),
                           _file(f.span, model)])
        found.links.append(rule_rows[1].get(f.code) or f"internal:'{RULES.name(language)}'!A{rule_row[f.code]}")
    rules = Sheet(RULES, rule_rows[0], links=[rule_rows[1].get(c) for c in codes])
    return [deliverables, relations, stages, groups, measures, found, rules]


def _rules(codes: list[str], rules_url: str | None, word=lambda w: w) -> tuple[list[list], dict[str, str]]:
    """The Rules sheet's rows (the rules the findings name) and each rule's page."""
    from ..linter.rule import rule_page
    from ..linter.rules import RULES as REGISTRY

    rows, pages = [], {}
    for code in codes:
        rule = REGISTRY.get(code)
        page = rule_page(code, rules_url) if rules_url else None
        if page:
            pages[code] = page
        if rule is None:
            rows.append([code, None, None, None, None, page])
        else:
            rows.append([code, rule.name, word(rule.severity), rule.summary, rule.fix, page])
    return rows, pages


# --------------------------------------------------------------------------
# XLSX


def _widths(sheet: Sheet, header: list[str]) -> list[tuple[float, bool]]:
    """(width, wrap) of each column: as wide as its widest text (a wide
    character counts 2), at most MAX_WIDTH, and wrapped beyond."""
    out = []
    for c, column in enumerate(sheet.table.columns):
        widest = text_width(header[c]) + 3   # the filter button
        wrap = False
        for row in sheet.rows:
            v = row[c]
            if v is None:
                continue
            if type(v) is not str:
                v = str(v)
            elif "\n" in v:
                wrap = True
            w = text_width(v)
            if w > widest:
                widest = w
        if widest > MAX_WIDTH:
            wrap = True
        out.append((column.width or max(MIN_WIDTH, min(widest + 2, MAX_WIDTH)), wrap))
    return out


_ESCAPE_AHEAD = re.compile("(?=_x[0-9a-fA-F]{4}_)")
_ESCAPE = re.compile("_x[0-9a-fA-F]{4}_")


def print_width(widths: list[float]) -> int:
    """How many pages across a sheet with these column widths is printed
    on: the fewest that keep its text at MIN_SCALE or larger, the first
    column repeated on each (a sheet printed at its own size was cut into
    strips of columns, the later ones without the row's name; fitted to one
    page, a 17-column sheet printed at 5 pt)."""
    def points(ws: list[float]) -> float:
        return sum(5.25 * w + 3.75 for w in ws)

    room = PAGE_WIDTH / MIN_SCALE
    pages = 1
    while (points(widths) + (pages - 1) * points(widths[:1])) / pages > room and pages < len(widths):
        pages += 1
    return pages


def _overlapping_escapes(text: str) -> bool:
    """Does `text` hold two `_xHHHH_` patterns sharing an underscore
    (`_x005F_x000D_`)? XlsxWriter escapes the first only (as Excel spells
    a literal escape: `_x005F` before it), so Excel would read the second
    as a character."""
    return len(_ESCAPE_AHEAD.findall(text)) != len(_ESCAPE.findall(text))


def _lines(row: list, wrapped: list[tuple[int, float]]) -> int:
    """The lines the row's tallest wrapped cell takes."""
    most = 1
    for c, width in wrapped:
        v = row[c]
        if type(v) is not str:
            continue
        n = 0
        for line in v.split("\n"):
            n += max(1, -(-text_width(line) // max(int(width) - 1, 1)))
        if n > most:
            most = n
    return min(most, MAX_LINES)


def to_xlsx(model: Model, findings: list[Diagnostic], *, language: str = "en", rules_url: str | None = None) -> bytes:
    """The catalogue as an XLSX workbook: a sheet per table, each a real
    Excel table (header, filter buttons, first row frozen, widths fitted,
    long text wrapped), `kind` validated, the deliverables coloured by
    their health, each finding linked to its rule."""
    import xlsxwriter

    buffer = io.BytesIO()
    # every text stays text: no formulas, links or numbers guessed from strings
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    book.set_properties({"title": model.title or "", "subject": "PReP deliverable catalogue",
                         "comments": f"prep export of {model.path}"})
    formats: dict[tuple, object] = {}

    def style(wrap: bool, text: bool, link: bool = False):
        key = (wrap, text, link)
        fmt = formats.get(key)
        if fmt is None:
            props: dict = {"valign": "top"}
            if wrap:
                props["text_wrap"] = True
            if text:
                # Excel's leading apostrophe: the cell stays text when edited
                props["quote_prefix"] = True
            if link:
                props.update(font_color="#0563C1", underline=1)
            fmt = formats[key] = book.add_format(props)
        return fmt

    # Excel draws the table style; LibreOffice (7.x) does not, so the header
    # carries its own look too
    header_format = book.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "valign": "top"})
    links = 0
    for sheet in tables(model, findings, language=language, rules_url=rules_url):
        table = sheet.table
        header = table.header(language)
        ws = book.add_worksheet(table.name(language))
        widths = _widths(sheet, header)
        last = max(len(sheet.rows), 1)  # a table has at least one (empty) data row
        ws.add_table(0, 0, last, len(header) - 1, {
            "name": table.en, "style": "Table Style Light 9",
            "columns": [{"header": h, "header_format": header_format} for h in header]})
        ws.freeze_panes(1, 0)
        for c, (width, wrap) in enumerate(widths):
            # a cell without a format of its own takes its column's
            ws.set_column(c, c, width, style(wrap, False))
        ws.set_landscape()
        ws.repeat_rows(0)  # the header on every printed page
        wide = print_width([w for w, _ in widths])
        if wide > 1:   # its first column (the row's name) on each page across
            ws.repeat_columns(0)
        ws.fit_to_pages(wide, 0)
        write_string, write_number = ws.write_string, ws.write_number
        as_text = [style(wrap, True) for _, wrap in widths]
        wrapped = [(c, width) for c, (width, wrap) in enumerate(widths) if wrap]
        for r, row in enumerate(sheet.rows, start=1):
            lines = _lines(row, wrapped)
            if lines > 1:
                # a row as tall as its wrapped text (no spreadsheet measures it on opening)
                ws.set_row(r, LINE_HEIGHT * lines + 3)
            link = sheet.links[r - 1] if sheet.links else None
            for c, v in enumerate(row):
                if v is None:
                    continue
                if type(v) is int:
                    write_number(r, c, v)
                elif c == 0 and link and links < MAX_LINKS:
                    links += 1
                    ws.write_url(r, c, link, style(widths[c][1], False, True), string=v)
                elif len(v) > MAX_CELL:
                    raise PrepError.at(model.path, f"a text of {len(v):,} characters does not fit a cell of the "
                                       f"{table.en} sheet (Excel holds {MAX_CELL:,})", name="output-error",
                                       hint="export as CSV (-o folder/), which has no such limit")
                elif "_x" in v and _overlapping_escapes(v):
                    raise PrepError.at(model.path, f"the text {v!r} holds Excel escapes (_xHHHH_) that overlap, "
                                       "which no XLSX writer here keeps exactly", name="output-error",
                                       hint="export as CSV (-o folder/), which has no escapes")
                elif v[0] in "=+-@":
                    write_string(r, c, v, as_text[c])
                else:
                    write_string(r, c, v)
        if sheet.fills:
            # each row in its health colour, from its health cell: one rule
            # per colour instead of a format on every cell
            column = _column_letter(_index(table, "health") + 1)
            for severity, name in HEALTH_NAME.items():
                name = JAPANESE[name] if language == "ja" else name   # as the health cell says it
                ws.conditional_format(1, 0, last, len(header) - 1, {
                    "type": "formula", "criteria": f'=${column}2="{name}"',
                    "format": book.add_format({"bg_color": HEALTH_FILL[severity]})})
        # the drop-downs reach past the exported rows (a row the client adds below the table
        # gets them in any spreadsheet, not only where Excel grows the table); warnings, not
        # refusals: the import takes more spellings than a drop-down shows, and says what is wrong
        below = last + EXTRA_ROWS
        names = _name_lists(model, language)
        if table is DELIVERABLES:
            kind = 2
            values = list(KIND_JA.values()) if language == "ja" else [k for k, *_ in KINDS.values()]
            values += ([UNDECLARED_JA if language == "ja" else UNDECLARED]
                       if any(not d.declared for d in model.deliverables.values()) else [])
            ws.data_validation(1, kind, below, kind, {
                "validate": "list", "source": values, "ignore_blank": True, "error_type": "warning",
                "error_title": table.header(language)[kind],
                "error_message": (" または " if language == "ja" else " or ").join(values)})
            yes = YES_JA if language == "ja" else "yes"
            for c in (7, 8):  # external, final
                ws.data_validation(1, c, below, c, {"validate": "list", "source": [yes], "ignore_blank": True,
                                                    "error_type": "warning"})
            for key in ("group", "stage"):
                _name_list(ws, _index(table, key), below, names.get(key + "s"), key + "s", language)
        elif table is RELATIONS:
            values = list(RELATION_KIND_JA.values()) if language == "ja" else [INPUT, SYNC, MUTUAL]
            ws.data_validation(1, 2, below, 2, {"validate": "list", "source": values, "ignore_blank": True,
                                                "error_type": "warning"})
            _name_list(ws, _index(table, "stage"), below, names.get("stages"), "stages", language)
        elif table is GROUPS:
            _name_list(ws, _index(table, "parent"), below, names.get("groups"), "groups", language)
            _name_list(ws, _index(table, "stage"), below, names.get("stages"), "stages", language)
    # a fingerprint of what was written: exporting again replaces the workbook only while it
    # is unchanged, not the client's edits (written.py)
    book.set_custom_property(FINGERPRINT, PLACEHOLDER)
    book.close()
    return stamped(buffer.getvalue())


EXTRA_ROWS = 500   # rows below a table that keep its drop-downs, for rows a client adds


def _name_lists(model: Model, language: str) -> dict[str, str]:
    """{"stages" | "groups": the range of the names on that sheet}, as a
    drop-down's source (`='段階'!$B$2:$B$5`), for those the model has."""
    out = {}
    for key, table, count in (("stages", STAGES, len(model.stages)), ("groups", GROUPS, len(model.groups))):
        if count:
            sheet = table.name(language).replace("'", "''")
            column = _column_letter(_index(table, "name") + 1)
            out[key] = f"='{sheet}'!${column}$2:${column}${count + 1}"
    return out


def _index(table: Table, key: str) -> int:
    """The 0-based column of `key` in `table`."""
    return next(k for k, c in enumerate(table.columns) if c.key == key)


def _name_list(ws, column: int, below: int, source: str | None, key: str, language: str = "en") -> None:
    """A drop-down of the model's stage (group) names on `column`: a typo
    there is the most common mistake a client makes (a warning: a new name
    is still taken, and the import says whether it is on its sheet)."""
    if source is None:
        return
    if language == "ja":   # 「段階」シートの名前のいずれか: the sheet as the Japanese workbook names it
        sheet = (STAGES if key == "stages" else GROUPS).name("ja")
        title, message = sheet, f"「{sheet}」シートの名前のいずれか"
    else:
        title, message = key[:-1], f"one of the {key} on the {key.capitalize()} sheet"
    ws.data_validation(1, column, below, column, {
        "validate": "list", "source": source, "ignore_blank": True, "error_type": "warning",
        "error_title": title, "error_message": message})


# --------------------------------------------------------------------------
# CSV


def to_csv(model: Model, findings: list[Diagnostic], *, language: str = "en",
           rules_url: str | None = None) -> dict[str, bytes]:
    """Each table as a CSV file, {file name: bytes}: UTF-8 with a
    byte-order mark, CRLF line ends, a text that looks like a formula
    behind an apostrophe."""
    import csv

    out = {}
    for sheet in tables(model, findings, language=language, rules_url=rules_url):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(sheet.table.header(language))
        for row in sheet.rows:
            writer.writerow(["" if v is None else csv_cell(v) if type(v) is str else v for v in row])
        out[f"{sheet.table.name(language).lower() if language == 'en' else sheet.table.ja}.csv"] = \
            ("\ufeff" + buffer.getvalue()).encode("utf-8")
    return out
