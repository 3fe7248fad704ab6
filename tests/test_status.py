"""Health from data (issue 23): `prep status MODEL --data values.csv`
(CSV or XLSX) and `prep render --status`, through the API and the CLI (in
process and as a real subprocess): colours, the stage reached, counts per
stage and colour, located errors, and hostile names and values kept inert
in text, JSON, Markdown and the picture."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import pytest

import prep
from prep.language.diagnostics import PrepError
from prep.health import DONE, NO_DATA, evaluate, format_status, load_status, read_values, status_view

from conftest import EXAMPLES

SVG = "{http://www.w3.org/2000/svg}"

MODEL = """\
title "status"
stage kickoff "Kickoff" [exit: plan]
stage adoption "Adoption" [exit: adopted]
deliverable contract [external]
knowhow playbook [owner: [Sato, Ito]]
deliverable plan "success plan"
deliverable usage "usage data" [external, stage: adoption]
deliverable adopted "key features adopted" [final]
contract, playbook -> plan
plan, usage -> adopted
measure 合意率 "plan agreed" [of: plan, target: ">= 80%", green: ">= 80%", lime: ">= 60%", yellow: ">= 40%", dear: engagement]
measure 定着率 "weekly active" [of: adopted, from: usage, target: ">= 60%", green: ">= 60%", lime: ">= 45%", yellow: ">= 30%"]
measure 解約日数 [of: adopted, target: "<= 3 日", green: "<= 3 日", lime: "<= 5 日", yellow: "<= 10 日"]
"""

DATA = """\
customer,measure,value,date
ACME,合意率,85%,2026-10-01
ACME,定着率,41,2026-10-01
ACME,定着率,61,2026-11-01
ACME,解約日数,2 日,2026-11-01
Beta,合意率,70,2026-11-01
Gamma,合意率,30%,2026-11-01
Delta,合意率,90,2026-11-01
Delta,定着率,50,2026-11-01
Delta,解約日数,12,2026-11-01
"""


@pytest.fixture
def files(tmp_path):
    model, data = tmp_path / "m.prep", tmp_path / "values.csv"
    model.write_text(MODEL, encoding="utf-8")
    data.write_text(DATA, encoding="utf-8")
    return model, data


def status_of(model_text: str, data_text: str, tmp_path, name: str = "values.csv"):
    data = tmp_path / name
    data.write_text(data_text, encoding="utf-8")
    return load_status(prep.loads(model_text, "m.prep"), str(data))


def run_status(cli, tmp_path, data_text: str, *args: str):
    """`prep status m.prep --data values.csv ARGS` of MODEL and `data_text`."""
    model, data = tmp_path / "m.prep", tmp_path / "values.csv"
    model.write_text(MODEL, encoding="utf-8")
    data.write_text(data_text, encoding="utf-8")
    return cli("status", str(model), "--data", str(data), *args)


# ------------------------------------------------------------------ API


def test_each_customer_stage_reached_health_and_latest_values(files):
    model_path, data = files
    s = load_status(prep.load(str(model_path)), str(data))
    by = {c.customer: c for c in s.customers}
    assert list(by) == ["ACME", "Beta", "Delta", "Gamma"]
    # ACME: the later 定着率 (61, green) counts, not the earlier 41; every exit green: done
    assert by["ACME"].values["定着率"].value == 61 and by["ACME"].values["定着率"].date == "2026-11-01"
    assert (by["ACME"].stage, by["ACME"].health) == (DONE, "green")
    # Beta: 合意率 70 is lime, so kickoff is passed; adoption has no values: held there, no data
    assert (by["Beta"].stage, by["Beta"].health) == ("adoption", None)
    # Gamma: 合意率 30% is red: held in kickoff
    assert (by["Gamma"].stage, by["Gamma"].health) == ("kickoff", "red")
    # Delta: 定着率 50 lime, 解約日数 12 (lower is better) red: held in adoption, red
    assert by["Delta"].values["解約日数"].colour == "red" and (by["Delta"].stage, by["Delta"].health) == (
        "adoption", "red")
    assert s.counts() == {
        "kickoff": {"green": 0, "lime": 0, "yellow": 0, "red": 1, NO_DATA: 0},
        "adoption": {"green": 0, "lime": 0, "yellow": 0, "red": 1, NO_DATA: 1},
        DONE: {"green": 1, "lime": 0, "yellow": 0, "red": 0, NO_DATA: 0}}


def test_a_customer_held_only_by_a_missing_value_is_no_data_not_green(tmp_path):
    """Held at adoption because 解約日数 has no value, with 定着率 green:
    the health was green, and the summary counted the customer as well."""
    s = status_of(MODEL, "customer,measure,value\nC,合意率,85%\nC,定着率,70\nD,合意率,85%\nD,定着率,35\n",
                  tmp_path)
    by = {c.customer: c for c in s.customers}
    assert (by["C"].stage, by["C"].health) == ("adoption", None)
    # a value seen as yellow still says more than the one missing
    assert (by["D"].stage, by["D"].health) == ("adoption", "yellow")
    assert s.counts()["adoption"] == {"green": 0, "lime": 0, "yellow": 1, "red": 0, NO_DATA: 1}


def test_a_time_that_is_no_time_of_day_says_so_and_times_read_as_people_write_them(tmp_path, cli):
    """`2026-11-01 25:00` was "no day of the calendar" with a hint about
    months; the as-of column showed the ISO `2026-11-02T09:30:00`."""
    result = run_status(cli, tmp_path, "customer,measure,value,date\nA,合意率,95%,2026-11-01 25:00\n")
    assert result.exit_code == 2 and "the time 25:00 of measure '合意率' is not a time of day" in result.output
    assert "hint: the hour is 0 to 23" in result.output and "calendar" not in result.output
    result = run_status(cli, tmp_path, "customer,measure,value,date\nA,合意率,95%,2026-11-02 09:30\n"
                                       "A,定着率,50,2026-11-02T09:30:15\n", "--customer", "A")
    assert result.exit_code == 0 and "2026-11-02 09:30\n" in result.output and "2026-11-02 09:30:15" in result.output
    assert "T09" not in result.output


def test_an_undated_value_beside_dated_ones_of_its_measure_is_noted(tmp_path, cli):
    """The latest date wins and no date is older than any: the 50% row
    whose date was left out was dropped without a word."""
    result = run_status(cli, tmp_path, "customer,measure,value,date\nA,合意率,95%,2026-11-01\nA,合意率,50%,\n",
                        "--customer", "A")
    assert result.exit_code == 0, result.output
    assert ("values.csv:3:11: info: value 50% of measure '合意率' has no date, and another value of it has one: "
            "the dated value counts") in result.output, result.output


def test_data_without_customers_is_one_customer_and_a_model_without_stages_has_no_stage(tmp_path):
    s = status_of(MODEL, "measure,value\n合意率,50\n", tmp_path)
    (c,) = s.customers
    assert (c.customer, c.stage, c.health) == (None, "kickoff", "yellow")
    flat = status_of("deliverable a\nmeasure m [of: a, green: \">= 5\", lime: \">= 3\", yellow: \">= 1\"]\n",
                     "measure,value\nm,4\n", tmp_path)
    assert (flat.customers[0].stage, flat.customers[0].health) == (None, "lime")
    assert flat.counts() == {"-": {"green": 0, "lime": 1, "yellow": 0, "red": 0, NO_DATA: 0}}


def test_headers_in_japanese_any_order_extra_columns_and_labels_as_names(tmp_path):
    s = status_of(MODEL, "メモ,値,指標,顧客\nx,85,plan agreed,A社\ny,2,解約日数,A社\n", tmp_path)
    assert {m: v.value for m, v in s.customers[0].values.items()} == {"合意率": 85, "解約日数": 2}
    assert s.customers[0].customer == "A社"


def test_shift_jis_csv_from_excel_is_read(tmp_path):
    data = tmp_path / "sjis.csv"
    data.write_bytes("measure,value\n合意率,85\n".encode("cp932"))
    assert load_status(prep.loads(MODEL, "m.prep"), str(data)).customers[0].values["合意率"].colour == "green"


@pytest.mark.parametrize("text, message, line, column", [
    ("measure,value\n合意率,85\n定着率2,5\n", "unknown measure '定着率2'", 3, 1),
    ("measure,value\n合意率,abc\n", "value 'abc' of measure '合意率' is not a number in '%'", 2, 5),
    ("measure,value\n解約日数,3 %\n", "value '3 %' of measure '解約日数' is not a number in '日'", 2, 6),
    ("measure,value\n合意率,nan\n", "value 'nan' of measure '合意率' is not a number", 2, 5),
    ("measure,value\n,5\n", "the measure is missing", 2, 1),
    ("customer,value\nA,5\n", "the data has no measure column", 1, 1),
    ("name,amount\n", "the data has no measure and no value column", 1, 1),
])
def test_bad_data_is_a_located_error(tmp_path, text, message, line, column):
    data = tmp_path / "values.csv"
    data.write_text(text, encoding="utf-8")
    with pytest.raises(PrepError) as e:
        read_values(str(data), prep.loads(MODEL, "m.prep"))
    d = e.value.diagnostics[0]
    assert d.message.startswith(message) and (d.span.path, d.span.line, d.span.column) == (str(data), line, column)


def test_every_bad_row_is_reported_at_once_with_did_you_mean(tmp_path):
    data = tmp_path / "values.csv"
    data.write_text("measure,value\n定着率2,5\n合意率,x\n解約日数,1\n合意率X,2\n", encoding="utf-8")
    with pytest.raises(PrepError) as e:
        read_values(str(data), prep.loads(MODEL, "m.prep"))
    assert [(d.span.line, d.hint.split("?")[0] if d.hint else None) for d in e.value.diagnostics] == [
        (2, "did you mean '定着率'"), (3, "write a number (% may follow it), e.g. 62%"), (5, "did you mean '合意率'")]


def test_dates_as_a_team_types_them_pick_the_latest_value(tmp_path):
    """A Japanese Excel shows and saves dates as 2026/12/07; compared as text
    with ISO's 2026-12-14 it was the later one ('/' sorts after '-'), so last
    week's 55% beat this week's 58%."""
    s = status_of(MODEL, "customer,measure,value,date\n"
                  "ACME,定着率,58,2026-12-14\n"
                  "ACME,定着率,55,2026/12/07\n"
                  "ACME,合意率,70,2026年12月1日\n"
                  "ACME,合意率,85,２０２６/１２/９ 09:30\n"
                  "ACME,解約日数,4,2026-12-1\n"
                  "ACME,解約日数,9,2026-11-30\n", tmp_path)
    values = s.customers[0].values
    assert (values["定着率"].value, values["定着率"].date) == (58, "2026-12-14")
    assert (values["合意率"].value, values["合意率"].date) == (85, "2026-12-09T09:30:00")
    assert (values["解約日数"].value, values["解約日数"].date) == (4, "2026-12-01")


@pytest.mark.parametrize("written", ["12/14/2026", "14.12.2026", "yesterday", "20261214"])
def test_a_date_that_is_not_year_month_day_is_a_located_error(tmp_path, written, cli):
    model = tmp_path / "m.prep"
    model.write_text(MODEL, encoding="utf-8")
    data = tmp_path / "values.csv"
    data.write_text(f"customer,measure,value,date\nACME,定着率,58,2026-12-07\nACME,定着率,55,{written}\n",
                    encoding="utf-8")
    with pytest.raises(PrepError) as e:
        read_values(str(data), prep.loads(MODEL, "m.prep"))
    (d,) = e.value.diagnostics
    assert (d.span.line, d.span.column) == (3, 13) and d.message == (
        f"the date '{written}' of measure '定着率' is not a year-month-day date")
    assert "2026-11-30" in d.hint
    result = cli("status", str(model), "--data", str(data))
    assert result.exit_code == 2 and f"values.csv:3:13: error: the date '{written}'" in result.output


@pytest.mark.parametrize("written", ["2026-13-01", "2026-02-30", "2026/04/31"])
def test_a_date_written_year_first_that_is_no_day_says_so(tmp_path, written, cli):
    """2026-13-01 was told to "write the year first", which it does."""
    model = tmp_path / "m.prep"
    model.write_text(MODEL, encoding="utf-8")
    data = tmp_path / "values.csv"
    data.write_text(f"customer,measure,value,date\nACME,定着率,55,{written}\n", encoding="utf-8")
    result = cli("status", str(model), "--data", str(data))
    assert result.exit_code == 2
    assert f"values.csv:2:13: error: the date '{written}' of measure '定着率' is no day of the calendar" in result.output
    assert "the month is 1 to 12" in result.output and "write the year first" not in result.output


@pytest.mark.parametrize("written, point", [("35,5%", "35.5%"), ("12,34 日", "12.34 日"), (",5", ".5"),
                                            ("1,2", "1.2"), ("1,2000", "1.2000")])
def test_a_decimal_comma_is_an_error_never_a_thousands_separator(tmp_path, written, point, cli):
    """`35,5%` was read as 355% (green), `12,34 日` as 1234 日: every comma
    was dropped. A comma separates thousands only."""
    result = run_status(cli, tmp_path, f'customer,measure,value\nACME,定着率,"{written}"\n')
    assert result.exit_code == 2, result.output
    assert f"values.csv:2:10: error: value '{written}' of measure '定着率' has a comma that does not separate " \
           "thousands" in result.output
    assert f"hint: write a decimal point: {point}" in result.output


@pytest.mark.parametrize("row, shown", [("ACME,定着率,35,5%", "35,5%"), ("ACME,定着率,1,200 万円", "1,200 万円"),
                                       ("ACME,定着率,35,5%,2026-11-01", "35,5%")])
def test_an_unquoted_comma_in_a_value_is_an_error_not_a_cell_dropped(tmp_path, row, shown, cli):
    """Unquoted, `35,5%` is two cells: the row was read as 35 (yellow, exit
    0) and the extra cell dropped; with a date column, the date was blamed."""
    header = "customer,measure,value" + (",date" if row.count(",") == 4 else "")
    result = run_status(cli, tmp_path, f"{header}\n{row}\nACME,ライセンス割当率,96%\n")
    assert result.exit_code == 2, result.output
    assert "values.csv:2:" in result.output and "a comma in a value splits it" in result.output, result.output
    assert f'hint: quote a value that holds one ("{shown}")' in result.output and "date" not in result.output


@pytest.mark.parametrize("written, value", [("1,200", 1200.0), ("12,345.5%", 12345.5), ("1,234,567", 1234567.0),
                                            ("１，２００", 1200.0)])
def test_thousands_separators_are_read(tmp_path, written, value):
    s = status_of(MODEL, f'customer,measure,value\nACME,定着率,"{written}"\n', tmp_path)
    assert s.customers[0].values["定着率"].value == value


def test_a_csv_separated_by_semicolons_is_refused_at_its_header(tmp_path, cli):
    """Excel's CSV where the comma is the decimal mark: read with commas it
    said only that there was no measure column."""
    model = tmp_path / "m.prep"
    model.write_text(MODEL, encoding="utf-8")
    data = tmp_path / "values.csv"
    data.write_bytes("\ufeffcustomer;measure;value\r\nACME;定着率;35,5%\r\n".encode("utf-8"))
    result = cli("status", str(model), "--data", str(data))
    assert result.exit_code == 2
    assert "values.csv:1:9: error: the cells are separated by semicolons (;), not commas" in result.output
    assert "customer;measure;value\n          ^\n" in result.output and "CSV UTF-8 (Comma delimited)" in result.output


def test_an_empty_value_is_not_measured_yet_and_an_empty_customer_is_an_error(tmp_path):
    """A weekly template has a row per customer and measure; an empty value
    is a measure not measured yet (it keeps its latest value), not an error
    that said value ''. A row without its customer, when the others have
    one, was silently a customer of its own."""
    s = status_of(MODEL, "customer,measure,value,date\nACME,合意率,85,2026-11-01\nACME,合意率,,2026-12-01\n"
                  "ACME,定着率,,2026-12-01\n", tmp_path)
    (c,) = s.customers
    assert {m: v.value for m, v in c.values.items()} == {"合意率": 85}
    data = tmp_path / "values.csv"
    data.write_text("customer,measure,value\nACME,合意率,85\n,定着率,50\nACME,定着率2,\n", encoding="utf-8")
    with pytest.raises(PrepError) as e:
        read_values(str(data), prep.loads(MODEL, "m.prep"))
    assert [(d.span.line, d.span.column, d.message) for d in e.value.diagnostics] == [
        (3, 1, "the customer of measure '定着率' is missing"), (4, 6, "unknown measure '定着率2'")]


def test_status_view_labels_and_colours_the_measured_deliverables(files):
    model_path, data = files
    model = prep.load(str(model_path))
    s = load_status(model, str(data))
    drawn, health = status_view(s, s.customer("Delta"))
    assert health == {"plan": "green", "adopted": "red"}
    assert drawn.deliverables["adopted"].label == "key features adopted\n定着率: 50 (lime)\n解約日数: 12 (red)"
    assert drawn.deliverables["contract"] == model.deliverables["contract"]


def test_a_customer_picture_says_whose_values_it_shows_and_as_of_when(files, tmp_path, cli):
    """Two customers' pictures pasted into one deck had the same title:
    the title names the customer and the date of its latest value."""
    model_path, data = files
    s = load_status(prep.load(str(model_path)), str(data))
    assert status_view(s, s.customer("Delta"))[0].title == "status — Delta, 2026-11-01"
    out = tmp_path / "acme.svg"
    r = cli("render", str(model_path), "--status", str(data), "--customer", "ACME", "-o", str(out))
    assert r.exit_code == 0, r.output
    texts = {t.text for t in ET.parse(out).getroot().iter(SVG + "text")}
    assert "status — ACME, 2026-11-01" in texts
    (tmp_path / "one.csv").write_text("measure,value\n合意率,85%\n", encoding="utf-8")
    s = load_status(prep.load(str(model_path)), str(tmp_path / "one.csv"))
    assert status_view(s, s.customers[0])[0].title == "status"   # no customer column: nothing to name


# ------------------------------------------------------------------ CLI


def test_cli_summary_text_json_markdown(files, cli):
    model_path, data = files
    r = cli("status", str(model_path), "--data", str(data))
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].endswith("values.csv: 4 customers by the stage reached and health")
    assert lines[1].split() == ["stage", "green", "lime", "yellow", "red", "no", "data", "total"]
    assert lines[2].split() == ["kickoff", "0", "0", "0", "1", "0", "1"]
    assert lines[3].split() == ["adoption", "0", "0", "0", "1", "1", "2"]
    assert lines[5].split() == ["total", "1", "0", "0", "2", "1", "4"]
    data_json = json.loads(cli("status", str(model_path), "--data", str(data), "--format", "json").output)
    assert data_json["customers"] == 4 and data_json["counts"]["done"]["green"] == 1
    delta = next(x for x in data_json["status"] if x["customer"] == "Delta")
    assert delta["stage"] == "adoption" and {v["measure"]: v["colour"] for v in delta["values"]} == {
        "合意率": "green", "定着率": "lime", "解約日数": "red"}
    md = cli("status", str(model_path), "--data", str(data), "--format", "markdown").output
    assert "| adoption (Adoption) | 0 | 0 | 0 | 1 | 1 | 2 |" in md


def test_cli_one_customer_in_detail(files, cli):
    model_path, data = files
    r = cli("status", str(model_path), "--data", str(data), "--customer", "Delta")
    assert r.exit_code == 0
    assert r.output.splitlines()[:3] == ["customer: Delta", "stage reached: adoption (Adoption)", "health: red"]
    row = [line.split() for line in r.output.splitlines() if "解約日数" in line][0]
    # as of when: a value from October is not this week's
    assert row == ["adoption", "解約日数", "12", "red", "<=", "3", "日", "2026-11-01"]
    assert r.output.splitlines()[3].split() == ["stage", "measure", "value", "colour", "target", "as", "of"]


def test_one_customer_in_detail_says_as_of_when_only_when_the_data_has_dates(files, tmp_path, cli):
    data = tmp_path / "plain.csv"
    data.write_text("customer,measure,value\nDelta,解約日数,12\n", encoding="utf-8")
    for fmt in ("text", "markdown"):
        out = cli("status", str(files[0]), "--data", str(data), "--customer", "Delta", "--format", fmt).output
        assert "as of" not in out and "解約日数" in out
    md = cli("status", str(files[0]), "--data", str(files[1]), "--customer", "Delta", "--format", "markdown").output
    assert "| stage | measure | value | colour | target | as of |" in md and "| 2026-11-01 |" in md


def test_cli_errors_are_located_and_exit_2_as_a_subprocess(files, tmp_path, prep_run):
    model_path, _ = files
    bad = tmp_path / "bad.csv"
    bad.write_text("measure,value\n" + "合意率,80\n" * 12 + "定着率2,5\n", encoding="utf-8")
    done = prep_run("status", str(model_path), "--data", str(bad))
    err = done.stderr.decode()
    assert done.returncode == 2 and "Traceback" not in err
    assert f"{bad}:14:1: error: unknown measure '定着率2'" in err and "hint: did you mean '定着率'?" in err
    done = prep_run("status", str(model_path), "--data", str(files[1]), "--customer", "Delt")
    assert done.returncode == 2 and "no customer 'Delt'" in done.stderr.decode() and "did you mean 'Delta'" in \
        done.stderr.decode()
    done = prep_run("status", str(model_path), "--data", str(tmp_path / "missing.csv"))
    assert done.returncode == 2 and "cannot read the data" in done.stderr.decode()
    plain = tmp_path / "plain.prep"
    plain.write_text("a -> b\n", encoding="utf-8")
    done = prep_run("status", str(plain), "--data", str(files[1]))
    assert done.returncode == 2 and "declares no measure" in done.stderr.decode()


def test_xlsx_data(files, tmp_path, cli):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [("customer", "measure", "value"), ("ACME", "合意率", 0.85 * 100), ("ACME", "定着率", "61%"),
                ("ACME", "解約日数", 2), ("ACME", "定着率2", 1)]:
        sheet.append(row)
    path = tmp_path / "values.xlsx"
    book.save(path)
    r = cli("status", str(files[0]), "--data", str(path))
    assert r.exit_code == 2
    sheet.delete_rows(5)
    book.save(path)
    r = cli("status", str(files[0]), "--data", str(path), "--format", "json")
    assert r.exit_code == 0, r.output
    (acme,) = json.loads(r.output)["status"]
    assert acme["stage"] == "done" and {v["measure"]: v["value"] for v in acme["values"]} == {
        "合意率": 85, "定着率": 61, "解約日数": 2}


def test_xlsx_percentages_are_read_as_the_sheet_shows_them(files, tmp_path, cli):
    """A CS team types `85%` into Excel, which stores 0.85 formatted `0%`:
    that is 85%, not 0.85 (which was red against `>= 80%`, and every
    customer stayed in the first stage)."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [("customer", "measure", "value"), ("ACME", "合意率", 0.85), ("ACME", "定着率", 0.615),
                ("ACME", "解約日数", 2)]:
        sheet.append(row)
    sheet["C2"].number_format = "0%"
    sheet["C3"].number_format = "0.0%"
    path = tmp_path / "values.xlsx"
    book.save(path)
    r = cli("status", str(files[0]), "--data", str(path), "--format", "json")
    assert r.exit_code == 0, r.output
    (acme,) = json.loads(r.output)["status"]
    assert {v["measure"]: v["value"] for v in acme["values"]} == {"合意率": 85, "定着率": 61.5, "解約日数": 2}
    assert acme["stage"] == "done"


def test_xlsx_errors_name_the_row(files, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(("measure", "value"))
    book.active.append(("合意率", "lots"))
    path = tmp_path / "values.xlsx"
    book.save(path)
    with pytest.raises(PrepError) as e:
        read_values(str(path), prep.loads(MODEL, "m.prep"))
    assert e.value.diagnostics[0].span.line == 2 and "'lots'" in e.value.diagnostics[0].message


def test_xlsx_errors_are_at_their_sheet_and_cell(files, tmp_path, cli):
    """A workbook's problem was at `values.xlsx:3:7`: a text column of a
    CSV line, which is no place in a spreadsheet. It is at its cell."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "週次"
    for row in (("顧客", "指標", "値", "日付"), ("ACME", "合意率", "lots", "2026-11-01"),
                ("ACME", "合意率X", 5, "2026-11-01"), ("ACME", "合意率", 5, "11/30/2026")):
        book.active.append(row)
    path = tmp_path / "values.xlsx"
    book.save(path)
    result = cli("status", str(files[0]), "--data", str(path))
    assert result.exit_code == 2
    assert [line.split(": error: ")[0] for line in result.stderr.splitlines() if ": error: " in line] == [
        f"{path}:週次!C2", f"{path}:週次!B3", f"{path}:週次!D4"], result.stderr


def test_a_csv_error_is_under_its_cell_after_quoted_cells(tmp_path):
    """A quoted cell before it ("1,200", "ACME, Inc.") put the caret under
    the wrong text: the column counted the cells' values, not the line."""
    data = tmp_path / "values.csv"
    data.write_text('customer,measure,value\n"ACME, Inc.",合意率,"1,2x0"\n"B ""x""",定着率X,5\n', encoding="utf-8")
    with pytest.raises(PrepError) as e:
        read_values(str(data), prep.loads(MODEL, "m.prep"))
    assert [(d.span.line, d.span.column, d.span.end_column) for d in e.value.diagnostics] == [
        (2, 18, 25), (3, 11, 15)]


@pytest.mark.parametrize("header", ["顧客名", "Customer Name", "取引先", "ｃｕｓｔｏｍｅｒ"])
def test_a_customer_column_by_another_usual_name_is_read(tmp_path, header):
    """A team's sheet calls the column 顧客名 or Customer Name: it was not
    read, and every customer's values were one customer's (the last row of
    each measure won) with exit status 0."""
    s = status_of(MODEL, f"{header},指標,値\nACME,合意率,85\nBeta,合意率,30\n", tmp_path)
    assert {c.customer: c.values["合意率"].value for c in s.customers} == {"ACME": 85, "Beta": 30}


def test_without_a_customer_column_an_unread_column_is_noted(files, tmp_path, cli):
    data = tmp_path / "values.csv"
    data.write_text("取引先コード,measure,value\nA1,合意率,85\nB2,合意率,30\n", encoding="utf-8")
    result = cli("status", str(files[0]), "--data", str(data))
    assert result.exit_code == 0
    assert (f"{data}:1:1: info: column '取引先コード' is not read, and without a customer column the whole file "
            "is one customer") in result.stderr
    assert "hint: if it names the customers, call it 'customer' (or 顧客)" in result.stderr
    # with a customer column, another column is just not read (a memo): no note
    data.write_text("customer,measure,value,メモ\nA1,合意率,85,x\n", encoding="utf-8")
    assert cli("status", str(files[0]), "--data", str(data)).stderr == ""


def test_tab_separated_data_and_excels_unicode_text_are_read(tmp_path, cli, files):
    """Rows pasted from a sheet into a text file are tab-separated, and
    Excel's "Unicode Text" is that in UTF-16: both were "the data has no
    measure and no value column" (or "not a CSV text file")."""
    rows = [("customer", "measure", "value"), ("ACME", "合意率", "85%"), ("Beta", "合意率", "30")]
    for name, data in [("v.tsv", "\n".join("\t".join(r) for r in rows).encode("utf-8")),
                       ("v.txt", "\r\n".join("\t".join(r) for r in rows).encode("utf-16"))]:
        (tmp_path / name).write_bytes(data)
        s = load_status(prep.loads(MODEL, "m.prep"), str(tmp_path / name))
        assert {c.customer: c.values["合意率"].value for c in s.customers} == {"ACME": 85, "Beta": 30}, name
    (tmp_path / "bad.tsv").write_text('customer\tmeasure\tvalue\n"A\tB"\t合意率\tabc\n', encoding="utf-8")
    with pytest.raises(PrepError) as e:
        read_values(str(tmp_path / "bad.tsv"), prep.loads(MODEL, "m.prep"))
    assert [(d.span.line, d.span.column) for d in e.value.diagnostics] == [(2, 11)]
    for name, kind in [("v.xls", "an Excel 97-2003 workbook (.xls)"), ("v.ods", "an OpenDocument spreadsheet")]:
        (tmp_path / name).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
        result = cli("status", str(files[0]), "--data", str(tmp_path / name))
        assert result.exit_code == 2 and f"error: this is {kind}" in result.stderr, result.stderr


def test_the_model_and_the_data_swapped_say_which_is_which(files, cli):
    """`prep status values.csv --data model.prep` said "'measure' is a
    keyword and cannot be a bare name" (the CSV header read as a model)."""
    model, data = files
    result = cli("status", str(data), "--data", str(model))
    assert result.exit_code == 2 and "keyword" not in result.stderr
    assert f"{data}:1:1: error: this is the measured data, not the model" in result.stderr
    assert "hint: the model comes first and the data after --data" in result.stderr
    result = cli("status", str(model), "--data", str(model))
    assert result.exit_code == 2 and "--data is a model" in result.stderr


def test_a_title_above_the_header_is_skipped_with_a_note(files, tmp_path, cli):
    """A team's weekly sheet has a title row (週次KPI 2026年12月): it was
    the header, and the data "had no measure and no value column"."""
    data = tmp_path / "values.csv"
    data.write_text("週次KPI 2026年12月,,\n,,\n作成: CSチーム,,\n" + DATA, encoding="utf-8")
    result = cli("status", str(files[0]), "--data", str(data))
    assert result.exit_code == 0, result.stderr
    assert f"{data}:1:1: info: a row above the header; it is not read" in result.stderr
    assert f"{data}:3:1: info: a row above the header" in result.stderr and "the header is row 4" in result.stderr
    assert load_status(prep.load(str(files[0])), str(data)).customer("ACME").values["定着率"].value == 61
    # no header among the first rows: the first row's error, as before
    data.write_text("週次KPI\nACME,合意率,85\n", encoding="utf-8")
    assert "the data has no measure and no value column" in cli("status", str(files[0]), "--data",
                                                               str(data)).stderr


def test_a_fraction_where_the_thresholds_are_whole_percent_is_noted(files, tmp_path, cli):
    """0.52 from a sheet's unformatted cell is 0.52%: red against >= 30%,
    silently. It is still read as written, with a note saying so."""
    data = tmp_path / "values.csv"
    data.write_text("customer,measure,value\nA,定着率,0.52\nB,定着率,52\nC,定着率,0.5%\nD,解約日数,0.5\n",
                    encoding="utf-8")
    result = cli("status", str(files[0]), "--data", str(data))
    assert result.exit_code == 0
    notes = [line for line in result.stderr.splitlines() if ": info: " in line]
    assert notes == [f"{data}:2:7: info: value 0.52 of measure '定着率' is read as 0.52%"], result.stderr
    assert "hint: if it is the fraction 0.52 (that is 52%), write 52%" in result.stderr
    # the report with the data says it too (it drew A red and said nothing), once, in any format
    for name in ("r.html", "r.pdf"):
        result = cli("report", str(files[0]), "--status", str(data), "-o", str(tmp_path / name))
        assert result.exit_code == 0, result.stderr
        notes = [line for line in result.stderr.splitlines() if ": info: " in line]
        assert notes == [f"{data}:2:7: info: value 0.52 of measure '定着率' is read as 0.52%"], result.stderr


def test_a_formula_never_computed_is_an_error_not_a_value_not_measured(files, tmp_path, cli):
    """A team's script that writes =50+2 with openpyxl leaves a formula
    nothing computed: it read as an empty cell, now "not measured"."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    for row in (("customer", "measure", "value"), ("ACME", "合意率", "=50+2"), ("Beta", "合意率", 40)):
        book.active.append(row)
    path = tmp_path / "values.xlsx"
    book.save(path)
    result = cli("status", str(files[0]), "--data", str(path))
    assert result.exit_code == 2
    assert f"{path}:Sheet!C2: error: the cell holds the formula '=50+2', whose value was never computed" in \
        result.stderr


def test_render_status_colours_measured_boxes_and_writes_values(files, tmp_path, cli):
    model_path, data = files
    out = tmp_path / "delta.svg"
    r = cli("render", str(model_path), "--status", str(data), "--customer", "Delta", "--view", "roadmap",
            "-o", str(out))
    assert r.exit_code == 0, r.output
    root = ET.parse(out).getroot()
    nodes = {g.find(f"{SVG}title").text.split(" — ")[0]: g.get("class").split() for g in root.iter(f"{SVG}g")
             if "node" in (g.get("class") or "").split()}
    adopted = next(k for k in nodes if k.startswith("key features adopted"))
    plan = next(k for k in nodes if k.startswith("success plan"))
    assert "prep-health-red" in nodes[adopted] and "prep-measured" in nodes[adopted]
    assert "prep-health-green" in nodes[plan]
    assert not any("prep-measured" in c for k, c in nodes.items() if k.startswith(("contract", "usage data")))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "解約日数: 12 (red)" in texts and "定着率: 50 (lime)" in texts
    # several customers and none named: say how to choose; a wrong one: did you mean
    r = cli("render", str(model_path), "--status", str(data), "-o", str(out))
    assert r.exit_code == 2 and "--customer" in r.output
    r = cli("render", str(model_path), "--customer", "Delta", "-o", str(out))
    assert r.exit_code == 2 and "--status" in r.output


def test_render_status_as_a_subprocess_pdf_fitted_to_a_page(files, tmp_path, prep_run):
    model_path, data = files
    out = tmp_path / "acme.pdf"
    done = prep_run("render", str(model_path), "--status", str(data), "--customer", "ACME", "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    assert out.read_bytes().startswith(b"%PDF")
    dot = prep_run("render", str(model_path), "--status", str(data), "--customer", "ACME", "-o", "-", "-f", "dot")
    assert b'class="prep-deliverable prep-final prep-measured prep-health-green"' in dot.stdout


def test_api_render_health_option(files):
    model_path, data = files
    model = prep.load(str(model_path))
    s = load_status(model, str(data))
    drawn, health = status_view(s, s.customer("Gamma"))
    dot = prep.render(drawn, "dot", health=health).decode()
    assert "prep-health-red" in dot and "prep-health-none" in dot   # adopted has no value for Gamma
    mmd = prep.render(drawn, "mmd", health=health).decode()
    assert "classDef measured-red" in mmd


# ------------------------------------------------------------------ hostile names and values


HOSTILE_LABEL = '<script>alert(1)</script> | ` \\x1b[31m'


def test_hostile_customers_values_and_labels_stay_inert_in_every_output(tmp_path, cli):
    model = MODEL.replace('"weekly active"', '"<b>weekly</b> | active\\n`x`"')
    (tmp_path / "m.prep").write_text(model, encoding="utf-8")
    customer = "Evil\x1b[2J\x07|<img src=x onerror=alert(1)>\nnext"
    data = tmp_path / "values.csv"
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["customer", "measure", "value"])
    w.writerow([customer, "定着率", "61"])
    w.writerow([customer, "合意率", "85"])
    data.write_text(buf.getvalue(), encoding="utf-8")
    text = cli("status", str(tmp_path / "m.prep"), "--data", str(data)).output
    assert "\x1b" not in text and "\x07" not in text
    assert text.splitlines()[0].startswith("customer: Evil\ufffd[2J\ufffd|<img src=x onerror=alert(1)> next")
    md = cli("status", str(tmp_path / "m.prep"), "--data", str(data), "--format", "markdown").output
    assert "<img" not in md and "<b>" not in md and "\\|" in md and "\x1b" not in md
    assert all(line.startswith(("|", "**")) or not line for line in md.splitlines())  # no row broken
    records = json.loads(cli("status", str(tmp_path / "m.prep"), "--data", str(data), "--format", "json").output)
    assert records["status"][0]["customer"] == customer   # JSON keeps it exactly
    out = tmp_path / "evil.svg"
    r = cli("render", str(tmp_path / "m.prep"), "--status", str(data), "-o", str(out))
    assert r.exit_code == 0, r.output
    root = ET.parse(out).getroot()
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter(f"{SVG}b"))


def test_a_hostile_value_is_a_located_error_shown_inert(tmp_path, prep_run):
    (tmp_path / "m.prep").write_text(MODEL, encoding="utf-8")
    data = tmp_path / "values.csv"
    data.write_text('measure,value\n定着率,"\x1b[31m12\x07"\n', encoding="utf-8")
    done = prep_run("status", str(tmp_path / "m.prep"), "--data", str(data))
    err = done.stderr.decode()
    assert done.returncode == 2 and "\x1b" not in err and "\x07" not in err and ":2:" in err


def test_the_example_data_in_docs(cli):
    model = EXAMPLES / "cs-onboarding.prep"
    data = EXAMPLES / "cs-onboarding.values.csv"
    s = load_status(prep.load(str(model)), str(data))
    assert len(s.customers) >= 3 and {c.stage for c in s.customers} >= {"kickoff", "adoption"}
    r = cli("status", str(model), "--data", str(data))
    assert r.exit_code == 0


def test_formats_are_pure_functions_of_the_status(files):
    model_path, data = files
    s = load_status(prep.load(str(model_path)), str(data))
    assert format_status(s, "text") == format_status(s, "text")
    again = evaluate(s.model, read_values(str(data), s.model), source=str(data))
    assert format_status(again, "json") == format_status(s, "json")


def test_library_status_and_render_status(files):
    model_path, data = files
    model = prep.load(str(model_path))
    s = prep.status(model, str(data))
    assert [c.customer for c in s.customers] == ["ACME", "Beta", "Delta", "Gamma"]
    svg = prep.render_status(model, str(data), customer="Gamma", view="roadmap")
    assert b"prep&#45;health&#45;red" in svg and "合意率: 30% (red)".encode() in svg
    with pytest.raises(PrepError) as e:
        prep.render_status(model, str(data))
    assert "4 customers" in e.value.diagnostics[0].message


def test_docs_measures_page_shows_what_the_commands_print(cli):
    """docs/measures.md quotes `prep status` and `prep lint --measures` on the
    example: those blocks are what the commands print now."""
    import re

    from conftest import ROOT

    page = (ROOT / "docs" / "measures.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```text\n\$ prep (.+?)\n(.*?)```", page, re.S)
    assert len(blocks) == 4
    for command, expected in blocks:
        r = cli(*command.split())
        assert r.exit_code == 0 and r.output == expected, command
    assert "(examples/cs-onboarding.status.svg)" in page


def test_docs_status_picture_is_current():
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "docs"))
    from build_examples import status_pictures

    names = []
    for name, data in status_pictures():
        if name.endswith(".svg"):
            names.append(name)
            assert (ROOT / "docs" / "examples" / name).read_bytes() == data, \
                f"docs/examples/{name} is stale: python docs/build_examples.py"
    assert names == ["cs-onboarding.status.svg"]


def test_the_legend_of_a_status_picture_names_the_colours_not_findings(files, tmp_path, cli):
    model_path, data = files
    out = tmp_path / "legend.svg"
    assert cli("render", str(model_path), "--status", str(data), "--customer", "Delta", "--legend",
               "-o", str(out)).exit_code == 0
    texts = [t.text for t in ET.parse(out).getroot().iter(f"{SVG}text")]
    assert {"green", "lime", "yellow", "red", "no data"} <= set(texts)
    assert "no finding" not in texts and "warning" not in texts
    linted = tmp_path / "lint.svg"
    assert cli("render", str(model_path), "--lint", "--legend", "-o", str(linted)).exit_code == 0
    assert "no finding" in [t.text for t in ET.parse(linted).getroot().iter(f"{SVG}text")]


def test_report_health_section_html_and_markdown(files, tmp_path, cli):
    model_path, data = files
    out = tmp_path / "r.html"
    r = cli("report", str(model_path), "--status", str(data), "--customer", "Delta", "-o", str(out))
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    assert html.index('<h2 id="health">Health</h2>') < html.index('<h2 id="findings">')
    assert '<td class="prep-health-red">red</td>' in html and "<strong>Delta</strong>" in html
    assert "解約日数: 12 (red)" in html   # the customer's roadmap, values in the boxes
    md = tmp_path / "r.md"
    r = cli("report", str(model_path), "--status", str(data), "-o", str(md))
    assert r.exit_code == 0
    text = md.read_text(encoding="utf-8")
    assert "## Health" in text and "| adoption (Adoption) | 0 | 0 | 0 | 1 | 1 | 2 |" in text
    assert "![health]" not in text   # several customers, none named: the table only
    assert "customers of values.csv by" in text and str(tmp_path) not in text   # the data by its file's name
    # (the PDF and Word reports' Health section: test_report_health.py)


def test_report_health_section_keeps_hostile_names_inert(tmp_path, cli):
    (tmp_path / "m.prep").write_text(MODEL, encoding="utf-8")
    data = tmp_path / "values.csv"
    data.write_text('customer,measure,value\n"<script>alert(1)</script>",合意率,85\n', encoding="utf-8")
    out = tmp_path / "r.html"
    assert cli("report", str(tmp_path / "m.prep"), "--status", str(data), "-o", str(out)).exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_viewer_page_shows_the_status_colours(files, tmp_path, cli):
    from test_viewer import Page

    model_path, data = files
    out = tmp_path / "v.html"
    r = cli("render", str(model_path), "--status", str(data), "--customer", "Delta", "-o", str(out))
    assert r.exit_code == 0, r.output
    page = Page(out.read_text(encoding="utf-8"))
    settings, viewer = page.json("prep-settings"), page.json("prep-data")
    assert settings["overlay"] is True   # the data's colours at first
    by = {d["name"]: d for d in viewer["deliverables"]}
    assert (by["adopted"]["health"], by["plan"]["health"]) == ("red", "green")
    assert by["contract"]["health"] is None and by["contract"]["fill"] is None   # not measured: its own look
    assert "解約日数: 12 (red)" in viewer["svg"]["text"]


def test_drawio_colours_the_measured_deliverables(files, tmp_path, cli):
    model_path, data = files
    out = tmp_path / "delta.drawio"
    assert cli("render", str(model_path), "--status", str(data), "--customer", "Delta", "-o", str(out)).exit_code == 0
    root = ET.parse(out).getroot()
    styles = {c.get("value", "").split("\n")[0]: c.get("style", "") for c in root.iter("mxCell")}
    assert "fillColor=#f4a6a0" in styles["key features adopted"]   # red
    assert "fillColor=#b7e1b0" in styles["success plan"]           # green
    assert "#f4a6a0" not in styles["contract"] and "#b7e1b0" not in styles["contract"]


def test_the_markdown_and_html_tables_end_with_the_total_row_as_the_text_does():
    """docs/measures.md: `--format markdown` gives "the same tables" as the
    text, and the report's Health section is the HTML of them; both lacked
    the text's total row (the team review)."""
    from prep.health.formats import format_html

    model = prep.load(EXAMPLES / "cs-onboarding.prep")
    status = evaluate(model, read_values(str(EXAMPLES / "cs-onboarding.values.csv"), model))
    text = format_status(status).splitlines()[-1].split()
    assert text == ["total", "1", "0", "3", "0", "0", "4"]
    markdown = format_status(status, "markdown").strip().splitlines()[-1]
    assert markdown == "| **total** | **1** | **0** | **3** | **0** | **0** | **4** |"
    root = ET.fromstring(f"<div>{format_html(status)}</div>")
    foot = [th.text for th in next(root.iter("tfoot")).iter("th")]
    assert foot == ["total", "1", "0", "3", "0", "0", "4"]


def test_a_data_file_is_read_for_what_it_is_not_for_its_name(files, tmp_path, cli):
    """A CSV saved as .xlsx said "cannot read the workbook: BadZipFile: File
    is not a zip file"; an .xlsx renamed .xls was "an Excel 97-2003 workbook,
    which prep does not read"."""
    import openpyxl

    csv_named = tmp_path / "values.xlsx"
    csv_named.write_text(DATA, encoding="utf-8")
    result = cli("status", str(files[0]), "--data", str(csv_named))
    assert result.exit_code == 2 and "BadZipFile" not in result.stderr, result.stderr
    assert "this is a text file (CSV?), not an Excel workbook" in result.stderr
    assert f"rename it to {tmp_path / 'values'}.csv" in result.stderr
    book = openpyxl.Workbook()
    for row in DATA.strip().splitlines():
        book.active.append(row.split(","))
    book.save(tmp_path / "real.xlsx")
    os.rename(tmp_path / "real.xlsx", tmp_path / "renamed.xls")
    by_content = cli("status", str(files[0]), "--data", str(tmp_path / "renamed.xls"), "--format", "json")
    plain = tmp_path / "plain.csv"
    plain.write_text(DATA, encoding="utf-8")
    assert by_content.exit_code == 0, by_content.stderr
    assert json.loads(by_content.stdout)["customers"] == json.loads(
        cli("status", str(files[0]), "--data", str(plain), "--format", "json").stdout)["customers"]


def test_names_are_read_whatever_their_widths(files, tmp_path, cli):
    """A legacy export writes ｶﾀｶﾅ half-width: 'ﾃｲﾁｬｸ率' was an unknown
    measure while values (６２％) and headers were read in any width. Two
    customers that differ only in widths or spaces are still two (as
    written), and now said: a team's count had one customer twice."""
    model = tmp_path / "kana.prep"
    model.write_text(MODEL.replace("定着率", "テイチャク率"), encoding="utf-8")
    data = tmp_path / "values.csv"
    data.write_text("customer,measure,value\nアクメ商事,ﾃｲﾁｬｸ率,62%\nｱｸﾒ商事,合意率,90%\nＡＢＣ,合意率,85%\n"
                    "ABC,合意率,70%\nイプシロン 商事,合意率,50%\nイプシロン　商事,合意率,40%\n", encoding="utf-8")
    result = cli("status", str(model), "--data", str(data), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["customers"] == 6   # as written
    notes = [line for line in result.stderr.splitlines() if ": info: " in line]
    assert notes == [
        f"{data}:3:1: info: customer 'ｱｸﾒ商事' differs from 'アクメ商事' (line 2) only in character widths or spaces: "
        "they are counted as two customers",
        f"{data}:5:1: info: customer 'ABC' differs from 'ＡＢＣ' (line 4) only in character widths or spaces: they "
        "are counted as two customers",
        f"{data}:7:1: info: customer 'イプシロン　商事' differs from 'イプシロン 商事' (line 6) only in character widths or "
        "spaces: they are counted as two customers"], result.stderr
    assert "hint: if they are one customer, write 'アクメ商事' in both rows" in result.stderr
