"""The deliverable catalogue (issue 22): `prep export` to XLSX/CSV and
`prep import` back, through the CLI and the API, on real files read back
with openpyxl (and LibreOffice for the workbook as a client opens it).

The round trip is the contract: export then import gives the same model
(`prep.diff` finds no change and no finding introduced or resolved) on
every example, on the hostile-label corpus with formulas, and on
generated models (a property test)."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import prep
from conftest import EXAMPLES, ROOT, run_prep
from prep.language.diff import diff_models
from test_injection import HOSTILE, quote

sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.prep"))
# what a spreadsheet would run as a formula (OWASP "CSV injection"), and
# texts that a careless reader would trim, split or unquote
FORMULAS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", '=HYPERLINK("http://x","y")',
            "'=already quoted", "''@twice", "=", "-"]
AWKWARD = ["a, b", "入力、出力", "x，y", '"quoted"', " padded ", "", "two\nlines", "tab\there",
           "_x0041_", "x005F_ and _x005F_ _x000D_"]  # Excel's own escapes, as text


def assert_same_model(old, new, *, title: bool = True) -> None:
    changes = diff_models(old, new)
    assert changes.empty, changes.summary()
    review = prep.diff(old, new)
    assert not review.introduced and not review.resolved, (review.introduced, review.resolved)
    if title:
        assert new.title == old.title


def round_trip(model, tmp_path: Path, form: str = "xlsx"):
    """export -> file(s) -> import -> Model, through the API."""
    if form == "xlsx":
        path = tmp_path / "catalogue.xlsx"
        path.write_bytes(prep.export(model, "xlsx"))
    else:
        from prep.catalogue.export import to_csv

        path = tmp_path / "catalogue"
        path.mkdir(exist_ok=True)
        for name, data in to_csv(model, prep.lint(model)).items():
            (path / name).write_bytes(data)
    text = prep.import_catalogue(path)
    assert prep.format_text(text) == text, "the import's output is formatted"
    return prep.loads(text, model.path), text


# --------------------------------------------------------------------------
# round trip


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_round_trips_through_xlsx(path, tmp_path):
    model = prep.load(path)
    back, _ = round_trip(model, tmp_path)
    assert_same_model(model, back)


@pytest.mark.parametrize("path", EXAMPLE_FILES[:3], ids=lambda p: p.stem)
def test_examples_round_trip_through_a_csv_folder(path, tmp_path):
    model = prep.load(path)
    back, _ = round_trip(model, tmp_path, "csv")
    assert_same_model(model, back, title=False)  # CSV has no place for the title


def hostile_model_text() -> str:
    texts = HOSTILE + FORMULAS + AWKWARD
    lines = ['title "=SUM(1) <b>x</b>"', 'stage "=s1" "+label" [exit: ["=x0"], note: "@note"]',
             'group "-g" "=group" [note: "+n"] {', '  knowhow "@inner" [owner: ["=o1", "a, b"]]', "}"]
    for i, h in enumerate(texts):
        lines.append(f"deliverable {quote(f'=x{i}' if i == 0 else h or 'empty')} {quote(h)} "
                     f"[owner: [{quote('o' + h)}, {quote(h or 'e')}], note: {quote(h)}, stage: \"=s1\"]")
    names = ["=x0"] + [h or "empty" for h in texts[1:]]
    for a, b in zip(names, names[1:]):
        lines.append(f'{quote(a)}, "@inner" -> {quote(b)} [note: {quote("e" + a)}, owner: {quote(a)}]')
    lines.append(f"{quote(names[1])} <~> {quote(names[-1])}")
    lines.append(f"{quote(names[2])} ~> {quote(names[3])} [stage: \"=s1\"]")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def hostile():
    return prep.loads(hostile_model_text(), "hostile.prep")


@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_hostile_text_round_trips_exactly(hostile, tmp_path, form):
    back, text = round_trip(hostile, tmp_path, form)
    assert_same_model(hostile, back, title=form == "xlsx")
    for name, d in hostile.deliverables.items():
        assert back.deliverables[name] == d.__class__(**{**_fields(d), "span": back.deliverables[name].span})


def _fields(d) -> dict:
    return {f: getattr(d, f) for f in d.__slots__}


def test_no_cell_is_a_formula(hostile, tmp_path):
    """Every text is a string cell, those a spreadsheet would run carry
    Excel's text prefix (quotePrefix), and each reads back exactly."""
    path = tmp_path / "h.xlsx"
    path.write_bytes(prep.export(hostile, "xlsx"))
    book = openpyxl.load_workbook(path)  # not read-only: the cells' types and styles
    seen = set()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value and cell.value[0] in "=+-@":
                    assert cell.quotePrefix, (ws.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
    assert {"=x0", "+cmd|' /C calc'!A0", "@SUM(A1:A9)", "=SUM(1) <b>x</b>"} - seen <= {"=SUM(1) <b>x</b>"}
    with open(path, "rb") as f:
        import zipfile

        sheets = [zipfile.ZipFile(f).read(n) for n in zipfile.ZipFile(f).namelist() if "worksheets/sheet" in n]
    assert not any(b"<f>" in s for s in sheets)


def test_csv_puts_an_apostrophe_before_a_formula(hostile, tmp_path):
    from prep.catalogue.export import to_csv

    files = to_csv(hostile, [])
    data = files["deliverables.csv"]
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    cells = {c for row in rows for c in row}
    assert "'=x0" in cells and "'+cmd|' /C calc'!A0" in cells and "''=already quoted" in cells
    assert not any(c and c[0] in "=+-@" for c in cells), [c for c in cells if c and c[0] in "=+-@"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(min_value=2, max_value=160), seed=st.integers(min_value=0, max_value=10_000),
       profile=st.sampled_from(["local", "long-range"]), stages=st.sampled_from([0, 0, 3, 8]),
       form=st.sampled_from(["xlsx", "xlsx", "csv"]))
def test_generated_models_round_trip(tmp_path, n, seed, profile, stages, form):
    model = prep.loads(generate(n, seed, profile, stages), "generated.prep")
    assert model.groups
    back, _ = round_trip(model, Path(tempfile.mkdtemp(dir=tmp_path)), form)
    assert_same_model(model, back, title=False)


def test_undeclared_deliverables_stay_undeclared(tmp_path):
    model = prep.loads("deliverable a\na, b -> c [note: n]\n", "m.prep")
    assert not model.deliverables["b"].declared
    back, text = round_trip(model, tmp_path)
    assert not back.deliverables["b"].declared and "deliverable b" not in text
    book = openpyxl.load_workbook(tmp_path / "catalogue.xlsx")
    assert [c.value for c in book["Deliverables"]["C"]] == ["kind", "deliverable", "undeclared", "undeclared"]
    assert_same_model(model, back)


# --------------------------------------------------------------------------
# the workbook as a client sees it


@pytest.fixture(scope="module")
def lifecycle_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "cs.xlsx"
    model = prep.load(EXAMPLES / "cs-lifecycle.prep")
    path.write_bytes(prep.export(model, "xlsx", rules_url="https://example.org/rules"))
    return model, path, openpyxl.load_workbook(path)


def test_sheets_are_excel_tables_with_filters_and_a_frozen_header(lifecycle_book):
    model, path, book = lifecycle_book
    assert book.sheetnames == ["Deliverables", "Relations", "Stages", "Groups", "Measures", "Findings", "Rules"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        (table,) = ws.tables.values()
        assert table.ref.startswith("A1:") and table.autoFilter is not None
    ws = book["Deliverables"]
    header = [c.value for c in ws[1]]
    assert header[:11] == ["name", "label", "kind", "owners", "group", "stage", "effective stage", "external",
                           "final", "note", "inputs"]
    assert {"consumers", "synchronized with", "findings", "health", "file:line", "file"} <= set(header)
    assert ws.max_row == len(model.deliverables) + 1
    assert [c.value for c in book["Stages"][2]][:4] == [1, "onboard", "Stage 1: オンボーディング Onboard", "稼働開始"]


def test_column_widths_fit_japanese_text(lifecycle_book):
    _, _, book = lifecycle_book
    ws = book["Deliverables"]
    names = [c.value for c in ws["A"][1:]]
    widest = max(len(n) * 2 for n in names)  # every name here is Japanese: two columns a character
    assert ws.column_dimensions["A"].width >= widest
    labels = ws.column_dimensions["B"]
    assert ws["B2"].alignment.wrap_text, "labels of two lines wrap"
    assert labels.width <= 62


def test_kind_is_validated(lifecycle_book):
    _, _, book = lifecycle_book
    ws = book["Deliverables"]
    rules = ws.data_validations.dataValidation
    kind = [v for v in rules if "C2" in str(v.sqref)]
    assert kind and kind[0].formula1 == '"deliverable,knowhow"'


def test_stage_and_group_cells_offer_the_models_names_below_the_table_too(lifecycle_book):
    """A typo in a stage or group cell is the client's most common mistake,
    and those cells had no drop-down; the drop-downs stopped at the last
    exported row, so a row added below had none."""
    model, _, book = lifecycle_book
    rules = {str(v.sqref).split(":")[0]: v for v in book["Deliverables"].data_validations.dataValidation}
    rows = book["Deliverables"].max_row
    for cell, sheet, column, names in (("E2", "Groups", "A", model.groups), ("F2", "Stages", "B", model.stages)):
        rule = rules[cell]
        source = re.fullmatch(r"'(\w+)'!\$([A-Z])\$2:\$[A-Z]\$(\d+)", rule.formula1)
        assert source and source.group(1, 2) == (sheet, column), rule.formula1
        listed = [c.value for c in book[sheet][column][1:int(source.group(3))]]
        assert listed == list(names) and rule.errorStyle == "warning"
        assert int(str(rule.sqref).split(":")[1][1:]) >= rows + 100
    assert int(str(rules["C2"].sqref).split(":")[1][1:]) >= rows + 100
    relation_stage = [v for v in book["Relations"].data_validations.dataValidation if str(v.sqref).startswith("E2")]
    assert relation_stage and "'Stages'!$B$2" in relation_stage[0].formula1


def test_rows_carry_the_health_colour_and_findings_link_their_rules(lifecycle_book):
    from prep.language.diagnostics import SEVERITY_RANK
    from prep.renderer.dot import HEALTH_FILL, HEALTH_NAME

    model, _, book = lifecycle_book
    findings = prep.lint(model)
    ws = book["Deliverables"]
    header = [c.value for c in ws[1]]
    health = header.index("health")
    # one conditional format per colour, on the whole table, keyed by the health cell
    rules = {}
    for cf in ws.conditional_formatting:
        assert str(cf.sqref) == f"A2:{ws.cell(1, len(header)).column_letter}{ws.max_row}"
        for rule in cf.rules:
            rules[rule.formula[0]] = rule.dxf.fill.bgColor.rgb[-6:].lower()
    letter = ws.cell(1, health + 1).column_letter
    assert rules == {f'${letter}2="{HEALTH_NAME[sev]}"': HEALTH_FILL[sev][1:] for sev in HEALTH_NAME}
    seen = set()
    for row in ws.iter_rows(min_row=2):
        mine = [f for f in findings if f.subject == row[0].value]
        worst = max((f.severity for f in mine), key=SEVERITY_RANK.__getitem__, default=None)
        assert row[header.index("findings")].value == len(mine)
        assert row[health].value == HEALTH_NAME[worst], row[0].value
        seen.add(worst)
    assert len(seen) >= 2
    found = book["Findings"]
    assert found.max_row == len(findings) + 1
    for row in found.iter_rows(min_row=2):
        assert row[0].hyperlink.target == f"https://example.org/rules/{row[0].value}.md"


def test_without_a_rules_url_findings_link_the_rules_sheet(tmp_path, monkeypatch):
    monkeypatch.delenv("PREP_RULES_URL", raising=False)
    path = tmp_path / "c.xlsx"
    path.write_bytes(prep.export(prep.load(EXAMPLES / "cs-lifecycle.prep"), "xlsx"))
    book = openpyxl.load_workbook(path)
    rules = {r[0].value: r[0].row for r in book["Rules"].iter_rows(min_row=2)}
    for row in book["Findings"].iter_rows(min_row=2):
        assert row[0].hyperlink.location == f"'Rules'!A{rules[row[0].value]}"


def test_japanese_headers_and_kinds(tmp_path):
    model = prep.load(EXAMPLES / "cs-lifecycle.prep")
    path = tmp_path / "ja.xlsx"
    path.write_bytes(prep.export(model, "xlsx", language="ja"))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:4] == ["成果物", "関係", "段階", "グループ"]
    assert [c.value for c in book["成果物"][1]][:4] == ["名前", "表示名", "種類", "担当"]
    assert {c.value for c in book["成果物"]["C"][1:]} == {"成果物", "ノウハウ"}
    back = prep.loads(prep.import_catalogue(path), model.path)
    assert_same_model(model, back)


@pytest.fixture(scope="module")
def soffice():
    """LibreOffice with Calc (soffice alone, e.g. with Impress only, cannot
    load a workbook: "source file could not be loaded")."""
    path = shutil.which("soffice") or shutil.which("libreoffice")
    calc = path is not None and any(
        (Path(os.path.realpath(path)).parent / name).exists() for name in ("libsclo.so", "libscfiltlo.so"))
    if not calc:
        message = "LibreOffice Calc is not installed (Debian: apt-get install libreoffice-calc)"
        if os.environ.get("PREP_REQUIRE_OFFICE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def test_libreoffice_opens_the_workbook_and_runs_no_formula(soffice, hostile, tmp_path):
    """LibreOffice Calc reads the workbook (converted to CSV: the first
    sheet as Calc computed it): every hostile text is there as text,
    no formula was evaluated."""
    path = tmp_path / "h.xlsx"
    path.write_bytes(prep.export(hostile, "xlsx"))
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--norestore",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path / "out"),
                    str(path)], capture_output=True, timeout=180, check=True)
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "h.csv").read_text(encoding="utf-8"), newline="")))
    names = [r[0] for r in rows[1:]]
    assert names == [prep.catalogue.cells.write_text(n) for n in hostile.deliverables]
    assert "=x0" in names and "+cmd|' /C calc'!A0" in names and "-2+3" in names and "@SUM(A1:A9)" in names
    assert "2" not in names and "1" not in names  # =1+1 and -2+3 were not computed


def test_a_workbook_saved_again_by_libreoffice_reads_back_the_same(soffice, hostile, tmp_path):
    """What a client does: open the workbook in their office suite and save
    it. Calc rewrites every part (its own shared strings, styles, tables);
    the model read back is still the same, hostile text and title included."""
    path = tmp_path / "h.xlsx"
    path.write_bytes(prep.export(hostile, "xlsx"))
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--norestore",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(tmp_path / "saved"), str(path)],
                   capture_output=True, timeout=180, check=True)
    saved = tmp_path / "saved" / "h.xlsx"
    assert saved.read_bytes() != path.read_bytes()
    assert_same_model(hostile, prep.loads(prep.import_catalogue(saved), hostile.path))


def test_every_sheet_prints_readably_with_its_header_and_names_on_each_page(tmp_path):
    """Printed, each sheet is landscape with its header row on every page;
    a sheet too wide for one page at 75% is printed on as few pages across
    as keep that scale, its first column (the row's name) on each of them."""
    from prep.catalogue.export import print_width

    path = tmp_path / "cs.xlsx"
    run_prep("export", str(EXAMPLES / "cs-lifecycle.prep"), "-o", str(path))
    book = openpyxl.load_workbook(path)
    across = {}
    for ws in book:
        assert ws.page_setup.orientation == "landscape"
        assert ws.print_title_rows == "$1:$1"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToHeight == 0        # as many pages down as the rows take
        across[ws.title] = ws.page_setup.fitToWidth or 1
        assert (ws.print_title_cols == "$A:$A") == (across[ws.title] > 1)
    assert across["Relations"] == 1 and across["Stages"] == 1 and across["Deliverables"] == 2
    assert print_width([10.0] * 12) == 1 and print_width([20.0] * 12) == 2 and print_width([40.0] * 12) == 4


def test_libreoffice_prints_the_names_on_every_page_of_the_deliverables(soffice, tmp_path):
    """The workbook printed by LibreOffice (to PDF): the Deliverables sheet
    on pages across, each page naming its rows (before, the later strips of
    columns had no name column and the catalogue took 31 pages)."""
    path = tmp_path / "cs.xlsx"
    model = prep.load(EXAMPLES / "cs-lifecycle.prep")
    path.write_bytes(prep.export(model, "xlsx"))
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   capture_output=True, timeout=180, check=True)
    pages = subprocess.run(["pdftotext", "-layout", str(tmp_path / "cs.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) <= 16
    headers = [p.strip().splitlines()[0].split() for p in pages]
    # the Deliverables sheet comes first, the Relations sheet's header starts "sources"
    deliverable_pages = pages[:next(k for k, h in enumerate(headers) if h[0] == "sources")]
    assert len(deliverable_pages) == 4   # two pages across, two down
    assert all(h[0] in ("name", "sources", "order", "code") for h in headers)   # every page has its header
    for text in deliverable_pages:
        assert "提案書" in text or "予算" in text or "更新契約" in text, text


# --------------------------------------------------------------------------
# import: a client's own catalogue


def write_book(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def test_a_japanese_catalogue_with_lists_in_cells(tmp_path):
    path = write_book(tmp_path / "client.xlsx", {
        "成果物": [
            ["名前", "種類", "担当", "入力", "段階", "備考", "メモ欄"],
            ["要望リスト", "成果物", None, None, "導入", None, "x"],
            ["開発ノウハウ", "ノウハウ", "開発リーダー、PM", None, None, None, None],
            [None, None, None, None, None, None, None],
            ["追加サービス", None, "開発リーダー\nPM", "要望リスト、開発ノウハウ", "導入", "two\nlines", None],
            ["承認", "deliverable", None, "追加サービス,  要望リスト", "導入", None, None],
        ],
        "段階": [["順序", "名前", "完了条件"], [1, "導入", "承認"]],
    })
    with pytest.warns(prep.catalogue.importer.CatalogueNote, match=r"client.xlsx:成果物!G1: column 'メモ欄'"):
        text = prep.import_catalogue(path)
    model = prep.loads(text)
    assert model.deliverables["開発ノウハウ"].kind == "knowhow"
    assert model.deliverables["開発ノウハウ"].owners == ("開発リーダー", "PM")
    assert model.deliverables["追加サービス"].owners == ("開発リーダー", "PM")
    assert model.deliverables["追加サービス"].note == "two\nlines"
    assert sorted((r.source, r.target) for r in model.relations) == [
        ("要望リスト", "承認"), ("要望リスト", "追加サービス"), ("追加サービス", "承認"), ("開発ノウハウ", "追加サービス")]
    assert model.stages["導入"].exits == ("承認",)


def test_a_csv_saved_by_japanese_excel_is_read(tmp_path):
    path = tmp_path / "成果物.csv"
    path.write_bytes("名前,種類,入力\r\n契約書,成果物,\r\n計画,成果物,契約書\r\n".encode("cp932"))
    model = prep.loads(prep.import_catalogue(path))
    assert [(r.source, r.target) for r in model.relations] == [("契約書", "計画")]


BAD = {
    "Deliverables": [
        ["name", "kind", "inputs", "stage", "external"],
        ["a", "deliverable", None, "s1", None],
        ["b", "document", "a, nothing", "s9", "maybe"],
        ["a", "knowhow", None, "s1", None],
        [None, "knowhow", None, None, None],
        ["c", None, '"unclosed', None, None],
    ],
    "Relations": [["sources", "target", "kind"], ["a", "c", "->"], ["a", "b", "arrow"]],
    "Stages": [["order", "name", "exit criteria"], ["first", "s1", "zz"]],
}
EXPECTED = [
    ("Deliverables!B3", "unknown kind 'document'"),
    ("Deliverables!E3", "'maybe' is not yes or no"),
    ("Deliverables!A4", "'a' is listed twice with different values (first in row 2)"),
    ("Deliverables!A5", "a row without a name"),
    ("Deliverables!C6", "a quoted name has no closing quote"),
    ("Stages!A2", "the order 'first' is not a number"),
    ("Relations!C3", "unknown relation kind 'arrow'"),
    ("Stages!C2", "exit criterion of stage 's1': 'zz' names no deliverable"),
    ("Deliverables!D3", "stage 's9' is not on the Stages sheet"),
    ("Deliverables!C3", "input 'nothing' names no deliverable"),
    ("Deliverables!C6", "the Relations sheet has 'a -> c' (row 2), but 'a' is not among the inputs of 'c' here"),
]


def test_every_problem_is_located_at_its_cell_with_a_hint(tmp_path, cli):
    path = write_book(tmp_path / "bad.xlsx", BAD)
    with pytest.raises(prep.PrepError) as e:
        prep.import_catalogue(path)
    got = [(str(d.span).split(":", 1)[1], d.message) for d in e.value.diagnostics if d.severity == "error"]
    for place, message in EXPECTED:
        assert any(p == place and message in m for p, m in got), (place, message, got)
    assert all(d.hint for d in e.value.diagnostics)
    out = tmp_path / "model.prep"
    result = cli("import", str(path), "-o", str(out))
    assert result.exit_code == 2
    assert f"{path}:Deliverables!B3: error: unknown kind 'document'" in result.stderr
    assert "hint: write 'deliverable' (成果物) or 'knowhow' (ノウハウ)" in result.stderr
    assert not out.exists() and os.listdir(tmp_path) == ["bad.xlsx"], "nothing written, not even a temporary file"


def test_a_model_error_is_reported_at_the_row_it_came_from(tmp_path):
    path = write_book(tmp_path / "x.xlsx", {
        "Deliverables": [["name", "stage"], ["a", "s1"], ["b", "s2"]],
        "Stages": [["name", "exit criteria"], ["s1", "b"], ["s2", None]]})
    with pytest.raises(prep.PrepError) as e:
        prep.import_catalogue(path)
    (d,) = e.value.diagnostics
    assert str(d.span) == f"{path}:Stages!A2" and "exit criterion 'b' of stage 's1'" in d.message


def test_broken_files_are_errors_not_tracebacks(tmp_path):
    (tmp_path / "junk.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00\x81\x82\xff" * 10)
    (tmp_path / "latin.csv").write_bytes(b"name\r\n\xe9t\xe9 \x82\xff\r\n")
    (tmp_path / "empty").mkdir()
    for name, expected in [("junk.xlsx", "cannot read the workbook"), ("old.xls", "Excel Workbook (.xlsx)"),
                           ("binary.csv", "not a CSV text file"), ("latin.csv", "neither UTF-8 nor Shift_JIS"),
                           ("missing.xlsx", "no such file"),
                           ("empty", "the folder has no Deliverables table")]:
        r = run_prep("import", str(tmp_path / name), "-o", str(tmp_path / "m.prep"))
        err = r.stderr.decode()
        assert r.returncode == 2 and expected in err and "Traceback" not in err, (name, err)
    assert not (tmp_path / "m.prep").exists()


def test_a_spreadsheet_that_is_not_xlsx_is_one_plain_error(tmp_path, cli):
    """An .xls or .ods said "InvalidFileException: openpyxl does not support
    the old .xls file format, please use xlrd to read this file"; an .xls
    renamed .xlsx (or an .xlsx saved with a password) "File is not a zip
    file": what to do was not said in the client's words."""
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    for name, data, kind in [("old.xls", ole, "an Excel 97-2003 workbook (.xls)"),
                             ("calc.ods", b"PK\x03\x04mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
                              "an OpenDocument spreadsheet (.ods)"),
                             ("renamed.xlsx", ole, "an Excel 97-2003 workbook (.xls) or a workbook protected by a "
                              "password")]:
        (tmp_path / name).write_bytes(data)
        r = cli("import", str(tmp_path / name), "-o", str(tmp_path / "m.prep"))
        assert r.exit_code == 2, r.output
        assert f"{tmp_path / name}:1:1: error: this is {kind}" in r.stderr, r.stderr
        assert "save it as an Excel Workbook (.xlsx)" in r.stderr
        assert "xlrd" not in r.stderr and "openpyxl" not in r.stderr and "zip" not in r.stderr
    assert not (tmp_path / "m.prep").exists()


# --------------------------------------------------------------------------
# the command line


def test_cli_export_and_import_round_trip(tmp_path):
    src = tmp_path / "m.prep"
    shutil.copy(EXAMPLES / "cs-lifecycle.prep", src)
    r = run_prep("export", str(src), "-o", str(tmp_path / "c.xlsx"))
    assert r.returncode == 0, r.stderr
    assert b"wrote" in r.stderr and (tmp_path / "c.xlsx").exists()
    r = run_prep("import", str(tmp_path / "c.xlsx"), "-o", str(tmp_path / "back.prep"), "--source-comments")
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "back.prep").read_text(encoding="utf-8")
    assert "  # c.xlsx:Deliverables!A2" in text and "# c.xlsx:Stages!B2" in text
    assert "更新契約 <~> 予算  # c.xlsx:Relations!A30" in text
    assert_same_model(prep.load(src), prep.load(tmp_path / "back.prep"))
    r = run_prep("fmt", "--check", str(tmp_path / "back.prep"))
    assert r.returncode == 0, r.stdout
    # an existing model is not replaced (the import drops its comments) unless asked
    r = run_prep("import", str(tmp_path / "c.xlsx"), "-o", str(tmp_path / "back.prep"))
    assert r.returncode == 2 and b"--force" in r.stderr
    assert run_prep("import", str(tmp_path / "c.xlsx"), "-o", str(tmp_path / "back.prep"), "--force").returncode == 0


def test_export_keeps_a_workbook_edited_since_it_was_written(tmp_path):
    """MODEL.xlsx beside the model is the default output and the name of
    the workbook the client sends back edited: exporting again replaced the
    client's edits without a word. A workbook prep wrote and nobody changed
    is replaced; one edited (or not prep's) is kept, unless --force."""
    src = tmp_path / "m.prep"
    shutil.copy(EXAMPLES / "order-to-cash-as-is.prep", src)
    book = tmp_path / "m.xlsx"
    for _ in range(2):   # written, then replaced: unchanged since
        r = run_prep("export", str(src))
        assert r.returncode == 0 and book.exists(), r.stderr
    assert r.stderr.decode().endswith("wrote " + str(book) + ": 38 deliverables, 52 relations, 9 findings\n")
    edited = openpyxl.load_workbook(book)
    edited["Deliverables"]["B2"] = "顧客の修正"
    edited.save(book)
    kept = book.read_bytes()
    r = run_prep("export", str(src))
    err = r.stderr.decode()
    assert r.returncode == 2 and err.startswith(f"{book}:1:1: error: the workbook was changed after prep wrote it"), err
    assert f"prep import {book} -o model.prep" in err and "--force" in err and "Traceback" not in err
    assert book.read_bytes() == kept
    other = tmp_path / "budget.xlsx"   # not prep's at all
    openpyxl.Workbook().save(other)
    assert run_prep("export", str(src), "-o", str(other)).returncode == 2
    assert run_prep("export", str(src), "--force").returncode == 0
    assert "顧客の修正" not in str(openpyxl.load_workbook(book)["Deliverables"]["B2"].value)
    r = run_prep("export", str(src))   # prep's again: replaced
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("sheets", [(), ("Deliverables", "Relations"), ("Deliverables:header",)])
def test_an_empty_catalogue_is_refused_not_imported_as_an_empty_model(tmp_path, cli, sheets):
    """A new workbook, empty sheets or a header alone: `wrote empty.prep (0
    lines)`, exit 0, and with --force an empty file over a good model."""
    book = openpyxl.Workbook()
    for k, name in enumerate(sheets):
        ws = book.active if k == 0 else book.create_sheet()
        ws.title = name.split(":")[0]
        if name.endswith(":header"):
            ws.append(["name", "label", "kind"])
    book.save(tmp_path / "empty.xlsx")
    model = tmp_path / "m.prep"
    model.write_text("deliverable a\n", encoding="utf-8")
    result = cli("import", str(tmp_path / "empty.xlsx"), "-o", str(model), "--force")
    assert result.exit_code == 2 and "has no rows: there is no deliverable to import" in result.stderr, result.stderr
    assert model.read_text(encoding="utf-8") == "deliverable a\n"


def test_a_stage_whose_name_was_emptied_is_named_in_the_hints_and_errors_come_in_sheet_order(tmp_path, cli):
    """Blanking Stages!B3 gave one error there and nine "stage 'order' is
    not on the Stages sheet" whose did-you-mean named other stages; and the
    messages came out of order (C6, A19, Stages!D2, F26, ...)."""
    src = tmp_path / "m.prep"
    shutil.copy(EXAMPLES / "order-to-cash-as-is.prep", src)
    book = tmp_path / "c.xlsx"
    assert cli("export", str(src), "-o", str(book)).exit_code == 0
    wb = openpyxl.load_workbook(book)
    assert wb["Stages"]["B3"].value == "order"
    wb["Stages"]["B3"] = None
    wb["Relations"]["A3"] = "nobody"
    wb.save(book)
    result = cli("import", str(book), "-o", str(tmp_path / "back.prep"))
    assert result.exit_code == 2
    errors = re.findall(r"^" + re.escape(str(book)) + r":(\w+)!([A-Z])(\d+): error: (.*)$", result.stderr, re.M)
    stage_errors = [e for e in errors if e[3] == "stage 'order' is not on the Stages sheet"]
    assert len(stage_errors) >= 5
    assert result.stderr.count(f"hint: {book}:Stages!B3 has no name (its label: 'Stage 2: 受注 Order'): if it is "
                               "'order', write that name there") == len(stage_errors)
    sheets = ["Deliverables", "Relations", "Stages", "Groups", "Measures"]
    keys = [(sheets.index(sheet), int(row), column) for sheet, column, row, _ in errors]
    assert keys == sorted(keys) and {sheet for sheet, *_ in errors} == {"Deliverables", "Relations", "Stages"}


def test_the_export_counts_in_the_singular_too(tmp_path, cli):
    src = tmp_path / "one.prep"
    src.write_text("deliverable a [external]\ndeliverable b [final]\na -> b\n", encoding="utf-8")
    result = cli("export", str(src), "-o", str(tmp_path / "one.xlsx"))
    assert result.exit_code == 0 and ": 2 deliverables, 1 relation, 1 finding\n" in result.stderr, result.stderr


def test_one_csv_file_says_what_it_leaves_out(tmp_path, cli):
    """-o x.csv holds the Deliverables table alone: the command said "52
    relations" and an import of the file lost the synchronizations, stages
    and measures without a word."""
    src = str(EXAMPLES / "cs-onboarding.prep")
    result = cli("export", src, "-o", str(tmp_path / "d.csv"))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip().endswith(": the deliverables table (13 deliverables, 0 findings); not in it: the relations, "
                                          "stages, measures tables (every table: -o a folder/ or -o a .xlsx)"), \
        result.stderr
    one = tmp_path / "one.prep"   # deliverables alone: nothing left out
    one.write_text("deliverable a [external, final]\n", encoding="utf-8")
    result = cli("export", str(one), "-o", str(tmp_path / "one.csv"))
    assert result.stderr.strip().endswith(": the deliverables table (1 deliverable, 1 finding)"), result.stderr


def test_cli_export_forms(tmp_path, cli):
    src = str(EXAMPLES / "renewal-roadmap.prep")
    assert cli("export", src, "-o", str(tmp_path / "out") + "/").exit_code == 0
    assert sorted(os.listdir(tmp_path / "out")) == ["deliverables.csv", "findings.csv", "groups.csv",
                                                    "measures.csv", "relations.csv", "rules.csv", "stages.csv"]
    assert cli("export", src, "-o", str(tmp_path / "d.csv"), "--language", "ja").exit_code == 0
    head = (tmp_path / "d.csv").read_bytes()
    assert head.startswith("\ufeff名前,表示名,種類".encode("utf-8"))
    model = prep.load(src)
    back = prep.loads(prep.import_catalogue(tmp_path / "out"), src)
    assert_same_model(model, back, title=False)
    result = cli("export", src, "-o", str(tmp_path / "c.pdf"))
    assert result.exit_code == 2 and "give a workbook (.xlsx)" in result.stderr
    assert not (tmp_path / "c.pdf").exists()


def test_cli_import_writes_standard_output(tmp_path, cli):
    path = write_book(tmp_path / "c.xlsx", {"Sheet1": [["name", "inputs"], ["a", None], ["b", "a"]]})
    result = cli("import", str(path))
    assert result.exit_code == 0 and result.stdout == "deliverable a\ndeliverable b\na -> b\n"


def test_api_export_formats(tmp_path):
    model = prep.load(EXAMPLES / "cs-onboarding.prep")
    assert prep.export(model, "xlsx")[:2] == b"PK"
    assert prep.export(model, "csv", table="stages").decode("utf-8-sig").startswith("order,name,label,exit criteria")
    with pytest.raises(prep.PrepError, match="unknown catalogue format"):
        prep.export(model, "ods")


def test_groups_stages_and_characters_are_checked(tmp_path):
    path = write_book(tmp_path / "g.xlsx", {
        "Deliverables": [["name", "group", "note"], ["a", "g1", "zero\u200bwidth"], ["b", "nowhere", None]],
        "Groups": [["name", "parent", "colour"], ["g1", "g2", "blue"], ["g2", "g1", "pink"], ["g3", "missing", None]],
        "Stages": [["name"], ["s"], ["s"]]})
    with pytest.raises(prep.PrepError) as e:
        prep.import_catalogue(path)
    got = {(str(d.span).split(":", 1)[1], d.message.split(" (")[0]) for d in e.value.diagnostics}
    assert ("Deliverables!C2", "the cell holds an invisible or control character U+200B") in got
    assert ("Deliverables!B3", "group 'nowhere' is not on the Groups sheet") in got
    assert ("Groups!C3", "'pink' is not a group colour") in got
    assert ("Groups!B4", "parent group 'missing' is not on the Groups sheet") in got
    assert ("Stages!A3", "stage 's' is listed twice") in got


def test_a_circle_of_parent_groups_is_an_error(tmp_path):
    path = write_book(tmp_path / "c.xlsx", {
        "Deliverables": [["name", "group"], ["a", "g1"]],
        "Groups": [["name", "parent"], ["g1", "g2"], ["g2", "g1"]]})
    with pytest.raises(prep.PrepError, match="go round in a circle") as e:
        prep.import_catalogue(path)
    assert str(e.value.diagnostics[0].span) == f"{path}:Groups!B2"


def test_nested_groups_and_their_attributes_round_trip(tmp_path):
    model = prep.loads('stage s1\nstage s2\ngroup outer "外" [stage: s1, colour: green, note: "n"] {\n'
                       '  deliverable a\n  group inner [colour: blue] {\n    knowhow k [owner: [x, y]]\n  }\n}\n'
                       'deliverable b [stage: s2, final]\na, k -> b\n', "m.prep")
    back, text = round_trip(model, tmp_path)
    assert_same_model(model, back)
    assert back.groups == {n: g.__class__(**{**{f: getattr(g, f) for f in g.__slots__}, "span": back.groups[n].span})
                           for n, g in model.groups.items()}


def test_overlapping_excel_escapes_are_refused_not_changed(tmp_path, cli):
    src = tmp_path / "esc.prep"
    src.write_text('deliverable a [note: "_x005F_x000D_"]\n', encoding="utf-8")
    result = cli("export", str(src), "-o", str(tmp_path / "c.xlsx"))
    assert result.exit_code == 2 and "overlap" in result.stderr and not (tmp_path / "c.xlsx").exists()
    assert cli("export", str(src), "-o", str(tmp_path / "out") + "/").exit_code == 0
    assert prep.loads(prep.import_catalogue(tmp_path / "out")).deliverables["a"].note == "_x005F_x000D_"


def test_a_text_longer_than_a_cell_is_refused_not_cut(tmp_path, cli):
    src = tmp_path / "long.prep"
    src.write_text(f'deliverable a [note: "{"x" * 40_000}"]\n', encoding="utf-8")
    result = cli("export", str(src), "-o", str(tmp_path / "c.xlsx"))
    assert result.exit_code == 2 and "does not fit a cell" in result.stderr and "CSV" in result.stderr
    assert not (tmp_path / "c.xlsx").exists()
    assert cli("export", str(src), "-o", str(tmp_path / "out") + "/").exit_code == 0
    back = prep.loads(prep.import_catalogue(tmp_path / "out"))
    assert back.deliverables["a"].note == "x" * 40_000


# --------------------------------------------------------------------------
# one cell, both ways: every text survives (the model normalizes line ends,
# so a cell never needs to carry a carriage return)

_CELL_TEXT = st.text(st.characters(blacklist_characters="\r", blacklist_categories=("Cs",)), max_size=30) | \
    st.sampled_from(HOSTILE + FORMULAS + AWKWARD + ['"', '""', '\\"', ' "a" ', "a,", ",", "、", "'", "''"])


@settings(max_examples=400, deadline=None)
@given(_CELL_TEXT)
def test_a_single_value_reads_back_exactly(text):
    from prep.catalogue.cells import from_csv_cell, read_text, write_text

    assert read_text(write_text(text)) == text
    assert from_csv_cell(prep.catalogue.cells.csv_cell(write_text(text))) == write_text(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(_CELL_TEXT, max_size=5))
def test_a_list_reads_back_exactly(items):
    from prep.catalogue.cells import read_list, write_list

    cell = write_list(items)
    assert (read_list(cell) if cell is not None else ([], None)) == (items, None)


def test_the_catalogue_benchmark_runs_at_a_small_size():
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--only-catalogue", "--catalogue-n", "60",
                        "--catalogue-stages", "3", "--runs", "1"], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr[-2000:]
    rows = [line for line in r.stdout.splitlines() if line.startswith("| ") and "| 60 |" in line]
    assert len(rows) == 3 and all(line.endswith("| exact |") for line in rows), r.stdout


# --------------------------------------------------------------------------
# a client's edits of the Measures sheet


def _measures_book(tmp_path, edit) -> Path:
    path = tmp_path / "c.xlsx"
    path.write_bytes(prep.export(prep.load(EXAMPLES / "cs-onboarding.prep"), "xlsx"))
    book = openpyxl.load_workbook(path)
    ws = book["Measures"]
    header = {c.value: c.column_letter for c in ws[1]}
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == "定着率")
    edit(lambda key: ws[f"{header[key]}{row}"])
    book.save(path)
    return path


def test_a_threshold_typed_as_a_percentage_is_read_as_the_sheet_shows_it(tmp_path):
    """Excel turns `70%` typed into a cell into the number 0.7 formatted
    `0%`: the measure gets ">= 70%"'s meaning (a bare number is `>=`), not
    0.7, which was "stricter than green" or a wrong colour."""
    def edit(cell):
        cell("green").value, cell("green").number_format = 0.7, "0%"
        cell("lime").value, cell("lime").number_format = 0.525, "0.0%"

    text = prep.import_catalogue(_measures_book(tmp_path, edit))
    m = prep.loads(text, "m.prep").measures["定着率"]
    assert (m.green.op, m.green.value, m.green.unit) == (">=", 70, "%")
    assert (m.lime.value, m.lime.unit) == (52.5, "%")


def test_a_bad_threshold_is_reported_at_its_own_cell(tmp_path):
    """The model's complaint about a measure's threshold is shown at the
    cell the client typed it in, not at the measure's name."""
    def edit(cell):
        cell("lime").value = "about half"
        where.append(cell("lime").coordinate)

    where: list[str] = []
    path = _measures_book(tmp_path, edit)
    with pytest.raises(prep.PrepError) as e:
        prep.import_catalogue(path)
    (d,) = [d for d in e.value.diagnostics if "about half" in d.message]
    assert str(d.span).endswith(f"Measures!{where[0]}"), str(d.span)


def test_thresholds_typed_the_japanese_way_are_read(tmp_path, cli):
    """A Japanese input method writes ≧ (not ≥) for 以上, and a client
    writes 60%以上 as often as >= 60%: both were "not a comparison" or a
    unit '%以上' that differed from the other thresholds'."""
    def edit(cell):
        cell("target").value = "≧60%"
        cell("green").value = "60%以上"
        cell("lime").value = "４５％以上"

    path = _measures_book(tmp_path, edit)
    out = tmp_path / "m.prep"
    result = cli("import", str(path), "-o", str(out))
    assert result.exit_code == 0, result.output
    m = prep.load(out).measures["定着率"]
    assert [(t.op, t.value, t.unit) for t in (m.target, m.green, m.lime, m.yellow)] == [
        (">=", 60, "%"), (">=", 60, "%"), (">=", 45, "%"), (">=", 30, "%")]
    assert (m.colour(61), m.colour(50), m.colour(31)) == ("green", "lime", "yellow")


def _deliverables_book(tmp_path, edit, rows: dict | None = None) -> Path:
    """cs-lifecycle's catalogue with `edit(cell)` applied to its
    Deliverables sheet, `cell(deliverable, column)` the cell of that row and
    column (a heading, or a column number), as a client edits it, saved.
    `rows`, when given, gets each deliverable's row number."""
    path = tmp_path / "c.xlsx"
    path.write_bytes(prep.export(prep.load(EXAMPLES / "cs-lifecycle.prep"), "xlsx"))
    book = openpyxl.load_workbook(path)
    ws = book["Deliverables"]
    column = {c.value: c.column for c in ws[1]}
    row = {r[0].value: r[0].row for r in ws.iter_rows(min_row=2)}
    if rows is not None:
        rows.update(row)
    edit(lambda name, key: ws.cell(row[name], column.get(key, key)))
    book.save(path)
    return path


def test_a_number_typed_into_a_text_cell_reads_as_the_sheet_shows_it(tmp_path):
    """`15%` typed into a note is 0.15 formatted as a percentage to Excel,
    and `12/24` a date: the model got "0.15" and "2026-12-24T00:00:00",
    not what the client sees."""
    import datetime

    def edit(cell):
        cell("拡大提案", "note").value, cell("拡大提案", "note").number_format = 0.15, "0%"
        cell("更新判断", "note").value = datetime.datetime(2026, 12, 24)
        cell("更新判断", "note").number_format = "yyyy/mm/dd"
        cell("予算", "note").value = 3

    model = prep.loads(prep.import_catalogue(_deliverables_book(tmp_path, edit)))
    assert [model.deliverables[n].note for n in ("拡大提案", "更新判断", "予算")] == ["15%", "2026-12-24", "3"]


def test_a_stage_or_group_written_as_its_label_gets_its_name_as_the_hint(tmp_path):
    """Every picture shows a stage's label ("Stage 3: 拡大 Expand"), so a
    client types 拡大; the hint said only "add it to the Stages sheet"."""
    def edit(cell):
        cell("事例", "stage").value = "拡大"
        cell("QBR資料", "group").value = "CS チーム"

    with pytest.raises(prep.PrepError) as e:
        prep.import_catalogue(_deliverables_book(tmp_path, edit))
    got = {d.message: d.hint for d in e.value.diagnostics}
    assert got["stage '拡大' is not on the Stages sheet"].startswith(
        "did you mean 'expand' (labelled 'Stage 3: 拡大 Expand')?")
    assert got["group 'CS チーム' is not on the Groups sheet"].startswith("did you mean 'cs' (labelled 'CS チーム')?")


def test_a_measure_of_no_deliverable_says_so_in_plain_words(tmp_path):
    def edit(cell):
        cell("of").value = "顧客満足"

    with pytest.raises(prep.PrepError) as e:
        prep.import_catalogue(_measures_book(tmp_path, edit))
    (d,) = [d for d in e.value.diagnostics if "顧客満足" in d.message]
    assert d.message == "measure '定着率': of '顧客満足' names no deliverable of the Deliverables table"


def test_a_name_typed_in_full_width_gets_the_name_as_the_hint(tmp_path):
    """A Japanese input method types ＱＢＲ資料 for QBR資料: difflib found
    them too different, so the hint was "add a row for it"; and a stage
    typed ａｄｏｐｔ was taken for the label 'Stage 2: 定着 Adopt'."""
    def edit(cell):
        cell("定着確認", "inputs").value = "ＱＢＲ資料、定着施策"
        cell("利用状況", "stage").value = "ａｄｏｐｔ"
        cell("予算", "group").value = "Customer"

    with pytest.raises(prep.PrepError) as e:
        prep.import_catalogue(_deliverables_book(tmp_path, edit))
    got = {d.message: d.hint for d in e.value.diagnostics}
    for message, name in [("input 'ＱＢＲ資料' names no deliverable of the Deliverables table", "QBR資料"),
                          ("stage 'ａｄｏｐｔ' is not on the Stages sheet", "adopt"),
                          ("group 'Customer' is not on the Groups sheet", "customer")]:
        assert got[message].startswith(f"did you mean '{name}'? The names differ only in"), got[message]


def test_a_model_or_another_file_given_to_import_says_what_import_reads(tmp_path, cli):
    """`prep import model.prep` (the two commands swapped) said "cannot read
    the workbook: InvalidFileException: openpyxl does not support .prep file
    format"; `prep export catalogue.xlsx` did not point at prep import."""
    model = tmp_path / "m.prep"
    model.write_text("a, b -> c\n", encoding="utf-8")
    result = cli("import", str(model))
    assert result.exit_code == 2 and "openpyxl" not in result.stderr
    assert f"{model}:1:1: error: this is a model, not a catalogue" in result.stderr
    assert f"hint: to write the model's catalogue: prep export {model} -o catalogue.xlsx" in result.stderr
    (tmp_path / "notes.txt").write_text("x\n", encoding="utf-8")
    result = cli("import", str(tmp_path / "notes.txt"))
    assert result.exit_code == 2 and "error: prep import reads a workbook (.xlsx)" in result.stderr
    assert "no such file" in cli("import", str(tmp_path / "missing.txt")).stderr
    book = tmp_path / "c.xlsx"
    book.write_bytes(prep.export(prep.loads("a, b -> c\n"), "xlsx"))
    result = cli("export", str(book), "-o", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 2 and f"hint: a deliverable catalogue becomes a model with `prep import {book}" in \
        result.stderr


def test_a_title_row_above_the_header_is_skipped_with_a_note(tmp_path):
    """A client puts a title above the table (成果物一覧（2026年12月版）):
    it was taken for the header, and the import reported "no name column"
    and then every one of the 34 rows as "a row without a name"."""
    path = tmp_path / "c.xlsx"
    path.write_bytes(prep.export(prep.load(EXAMPLES / "cs-lifecycle.prep"), "xlsx"))
    book = openpyxl.load_workbook(path)
    book["Deliverables"].insert_rows(1, 2)
    book["Deliverables"]["A1"] = "成果物一覧（2026年12月版）"
    book.save(path)
    from prep.catalogue.importer import CatalogueNote

    with pytest.warns(CatalogueNote, match=r"Deliverables!A1: a row above the table's header"):
        text = prep.import_catalogue(path)
    assert_same_model(prep.load(EXAMPLES / "cs-lifecycle.prep"), prep.loads(text))
    # a header that names no column of the table: that one error, not one more a row
    book["Deliverables"].delete_rows(1, 2)
    book["Deliverables"]["A1"] = "Deliverable title"
    book.save(path)
    with pytest.raises(prep.PrepError) as e:
        prep.import_catalogue(path)
    assert [d.message for d in e.value.diagnostics if d.severity == "error"] == [
        "the Deliverables table has no name column"]


def test_a_deliverable_renamed_in_its_row_only_gets_a_hint_naming_the_row(tmp_path):
    """Renaming 提案書 to 提案資料 in its name cell left the Relations sheet
    and an inputs cell naming 提案書: the hint said "add a row for it", as
    if it were gone. Its row keeps the label '提案書\\nProposal'."""
    def edit(cell):
        cell("提案書", "name").value = "提案資料"

    with pytest.raises(prep.PrepError) as e:
        prep.import_catalogue(_deliverables_book(tmp_path, edit))
    errors = [d for d in e.value.diagnostics if d.severity == "error"]
    assert {str(d.span).split("!")[0].rsplit(":", 1)[1] for d in errors} == {"Relations", "Deliverables"}
    assert all(d.hint == "'提案資料' is labelled '提案書': if you renamed it, use the new name here too"
               for d in errors), [d.hint for d in errors]


def test_arrows_an_office_suite_autocorrects_are_relation_kinds(tmp_path):
    """Excel and LibreOffice turn "-->" typed into a cell into "→" (and
    "<=>" into "⇔"): the import said "unknown relation kind '→'"."""
    path = write_book(tmp_path / "c.xlsx", {
        "Deliverables": [["name"], ["a"], ["b"], ["c"]],
        "Relations": [["sources", "target", "kind"], ["a", "b", "→"], ["b", "c", "⇔"]]})
    model = prep.loads(prep.import_catalogue(path))
    assert [(r.source, r.target, r.kind) for r in model.relations] == [("a", "b", "input"), ("b", "c", "mutual")]


def test_a_cell_showing_its_formulas_error_is_an_error_there(tmp_path):
    """A label typed as a formula that fails shows #DIV/0! (or #REF!, #N/A):
    the import made it the label "#DIV/0!"."""
    def edit(cell):
        cell("事例", 2).value = "#DIV/0!"     # openpyxl stores it as an error value, as Excel does
        cell("予算", 10).value = "#REF!"
        cell("承認", 10).value = "#タグ"       # a text starting with # stays text

    row: dict = {}
    with pytest.raises(prep.PrepError) as e:
        prep.import_catalogue(_deliverables_book(tmp_path, edit, row))
    assert [(str(d.span).rsplit(":", 1)[1], d.message) for d in e.value.diagnostics if d.severity == "error"] == [
        (f"Deliverables!B{row['事例']}", "the cell shows #DIV/0!, the error of its formula"),
        (f"Deliverables!J{row['予算']}", "the cell shows #REF!, the error of its formula")]


def test_a_formula_never_computed_is_an_error_not_an_empty_cell(tmp_path):
    """A client's script that writes a note "=== 要確認 ===" with openpyxl
    writes a formula (openpyxl makes any text starting with = one) that
    nothing computed: it read as an empty cell, and the note was lost."""
    path = tmp_path / "c.xlsx"
    path.write_bytes(prep.export(prep.load(EXAMPLES / "cs-lifecycle.prep"), "xlsx"))
    book = openpyxl.load_workbook(path)
    ws = book["Deliverables"]
    row = {r[0].value: r[0].row for r in ws.iter_rows(min_row=2)}
    ws.cell(row["予算"], 10).value = "=== 要確認 ==="
    ws.cell(row["承認"], 28).value = "=A2"          # AB: a column the import does not read
    ws["AA1"], ws["AA2"] = "memo", "=B2"             # nor this one (a client's own column)
    ws.insert_cols(1)                                 # and the name column is B now
    ws["A1"] = "no"
    ws.cell(row["承認"], 2).value = "=B3"           # a formula in the name column
    book.save(path)
    with pytest.raises(prep.PrepError) as e:
        prep.import_catalogue(path)
    got = [(str(d.span).rsplit(":", 1)[1], d.message) for d in e.value.diagnostics if d.severity == "error"]
    assert [g for g in got if "formula" in g[1]] == [
        (f"Deliverables!K{row['予算']}", "the cell holds the formula '=== 要確認 ===', whose value was never computed"),
        (f"Deliverables!B{row['承認']}", "the cell holds the formula '=B3', whose value was never computed")]
    assert "store it as text" in e.value.diagnostics[0].hint


def test_a_workbook_is_imported_for_what_it_is_not_for_its_name(tmp_path, cli):
    """An .xlsx renamed .xls was refused as "an Excel 97-2003 workbook"; a
    CSV saved as .xlsx said "cannot read the workbook: File is not a zip file"."""
    src = str(EXAMPLES / "cs-onboarding.prep")
    assert cli("export", src, "-o", str(tmp_path / "c.xlsx")).exit_code == 0
    os.rename(tmp_path / "c.xlsx", tmp_path / "c.xls")
    renamed = cli("import", str(tmp_path / "c.xls"))
    assert renamed.exit_code == 0, renamed.stderr
    assert cli("export", src, "-o", str(tmp_path / "d.xlsx")).exit_code == 0
    assert renamed.stdout == cli("import", str(tmp_path / "d.xlsx")).stdout
    (tmp_path / "e.xlsx").write_text("name,kind\na,deliverable\n", encoding="utf-8")
    text = cli("import", str(tmp_path / "e.xlsx"))
    assert text.exit_code == 2 and "this is a text file (CSV?), not an Excel workbook" in text.stderr, text.stderr
    assert "zip" not in text.stderr


def test_two_stages_with_one_order_are_noted(tmp_path, cli):
    """Two rows of the Stages sheet numbered alike were put in the rows'
    order without a word."""
    import openpyxl

    book = tmp_path / "c.xlsx"
    assert cli("export", str(EXAMPLES / "cs-onboarding.prep"), "-o", str(book)).exit_code == 0
    wb = openpyxl.load_workbook(book)
    ws = wb["Stages"]
    head = [c.value for c in ws[1]]
    column = head.index("order") + 1
    ws.cell(row=3, column=column, value=ws.cell(row=2, column=column).value)
    wb.save(tmp_path / "edited.xlsx")
    result = cli("import", str(tmp_path / "edited.xlsx"))
    assert result.exit_code == 0, result.stderr
    letter = openpyxl.utils.get_column_letter(column)
    assert f"edited.xlsx:Stages!{letter}3: info: stage '" in result.stderr, result.stderr
    assert "they are put in the rows' order" in result.stderr and "number each stage once" in result.stderr
