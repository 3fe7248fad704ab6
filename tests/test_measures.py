"""Measures (issue 23): `measure NAME "label" [of: X, from: Y, target: ...,
green: ..., lime: ..., yellow: ..., dear: ..., owner: ..., note: ...]` in
both parsers, the model, fmt, the JSON export, the semantic diff, the
language server, and the M5xx rules with `prep lint --measures`."""

from __future__ import annotations

import json

import pytest

import prep
from prep.language import fastparse
from prep.language.export import model_from_dict, model_to_dict, model_to_json
from prep.language.model import Threshold, parse_number, parse_threshold
from prep.language.parse import parse_statements_lark
from prep.linter import lint_model
from prep.lsp import analysis as A

from conftest import ROOT

MODEL = """\
title "測定"
stage kickoff "Kickoff" [exit: plan]
stage adoption "Adoption" [exit: adopted]
deliverable contract [external]
knowhow playbook "onboarding playbook" [owner: [Sato, Ito]]
deliverable plan "success plan"
deliverable usage "usage data" [external, stage: adoption]
deliverable adopted "key features adopted" [final]
contract, playbook -> plan
plan, usage -> adopted
measure 合意率 "plan agreed" [of: plan, from: contract, target: ">= 80%", green: ">= 80%", lime: ">= 60%", yellow: ">= 40%", dear: engagement]
measure 定着率 "weekly active" [of: adopted, from: usage, target: "≥６０％", green: ">= 60%", lime: ">= 45%", yellow: ">= 30%", dear: Adoption, owner: [CSM, "佐藤 花子"], note: "週次"]
measure 解約日数 [of: adopted, target: "< 3 日", green: "< 3 日", lime: "<= 5 日", yellow: "<= 10 日"]
"""


def model(text: str = MODEL, path: str = "m.prep"):
    return prep.loads(text, path, strict=False)


def codes(text: str, prefix: str = "") -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in lint_model(model(text)) if d.code.startswith(prefix)]


# ------------------------------------------------------------------ language


def test_measures_are_read_with_their_thresholds():
    m = model()
    assert m.errors == []
    assert list(m.measures) == ["合意率", "定着率", "解約日数"]
    active = m.measures["定着率"]
    assert (active.of, active.source, active.dear, active.owners, active.note) == (
        "adopted", "usage", "adoption", ("CSM", "佐藤 花子"), "週次")
    assert active.target == Threshold(">=", 60.0, "%", "≥６０％")  # full width read as half width
    assert active.display == "weekly active" and m.measures["解約日数"].display == "解約日数"
    assert (active.span.line, active.span.column) == (12, 9)
    assert active.of_span.line == 12 and active.source_span.line == 12
    days = m.measures["解約日数"]
    assert days.green.op == "<" and days.yellow.unit == "日" and days.source is None


@pytest.mark.parametrize("value, colour", [(75, "green"), (60, "green"), (59.9, "lime"), (45, "lime"),
                                           (30, "yellow"), (29, "red"), (-1, "red")])
def test_a_value_takes_the_first_colour_whose_threshold_it_meets(value, colour):
    assert model().measures["定着率"].colour(value) == colour


@pytest.mark.parametrize("value, colour", [(2, "green"), (3, "lime"), (5, "lime"), (10, "yellow"), (11, "red")])
def test_lower_is_better_measures_colour_the_other_way(value, colour):
    assert model().measures["解約日数"].colour(value) == colour


def test_without_thresholds_the_target_alone_gives_green_or_red_and_nothing_gives_no_colour():
    m = model("deliverable a\nmeasure t [of: a, target: \">= 5\"]\nmeasure n [of: a]\n")
    assert (m.measures["t"].colour(5), m.measures["t"].colour(4.9)) == ("green", "red")
    assert m.measures["n"].colour(100) is None


@pytest.mark.parametrize("text, expected", [
    (">= 60%", (">=", 60.0, "%")), ("60", (">=", 60.0, "")), ("=> 1.5", (">=", 1.5, "")),
    ("< 3 days", ("<", 3.0, "days")), ("≤ 14 日", ("<=", 14.0, "日")), ("> -2", (">", -2.0, "")),
    ("＞＝６０％", (">=", 60.0, "%")),
    # as a Japanese input method and a Japanese client write them
    ("≧60%", (">=", 60.0, "%")), ("≦ 14 日", ("<=", 14.0, "日")), ("60%以上", (">=", 60.0, "%")),
    ("１４日以下", ("<=", 14.0, "日")), ("3 日未満", ("<", 3.0, "日")), ("4.5超", (">", 4.5, "")),
    (">= 60%以上", (">=", 60.0, "%")),
])
def test_thresholds(text, expected):
    t = parse_threshold(text)
    assert (t.op, t.value, t.unit) == expected and t.text == text


@pytest.mark.parametrize("text", ["", "abc", ">=", ">= 60% 70", "60 >= 5", "<<3", "1e9", ">= 60%未満", "以上"])
def test_what_is_not_a_threshold(text):
    assert parse_threshold(text) is None


@pytest.mark.parametrize("text, expected", [("62", (62.0, "")), ("62%", (62.0, "%")), ("６２％", (62.0, "%")),
                                            ("1,200", (1200.0, "")), (" 3.5 days ", (3.5, "days"))])
def test_values(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["", "-", "n/a", ">= 5", "五", "NaN", "≧5", "60%以上"])
def test_what_is_not_a_value(text):
    assert parse_number(text) is None


@pytest.mark.parametrize("line, message, column", [
    ('measure m [of: plam]', "measure 'm' is of 'plam', which is not a deliverable of the model", 12),
    ('measure m [of: plan, from: nowhere]', "measure 'm' is from 'nowhere', which is not a deliverable", 22),
    ('measure m [target: ">= 5"]', "measure 'm' does not say what it is observed on", 9),
    ('measure m [of: plan, target: "lots"]', "target 'lots' of measure 'm' is not a comparison with a number", 22),
    ('measure m [of: plan, green: ">= 5", lime: "<= 3"]', "lime '<= 3' of measure 'm' points the other way", 37),
    ('measure m [of: plan, green: ">= 5%", lime: ">= 3 日"]', "lime '>= 3 日' of measure 'm' is in '日'", 38),
    ('measure m [of: plan, green: ">= 5", lime: ">= 7"]', "lime '>= 7' of measure 'm' is stricter than green", 37),
    ('measure m [of: plan, dear: adopton]', "unknown DEAR category 'adopton' of measure 'm'", 22),
    ('measure m [of: plan, colour: red]', "a measure has no attribute 'colour'", 22),
    ('measure m [of: plan, green: [a, b]]', "attribute 'green' takes one value, not a list", 22),
])
def test_bad_measures_are_located_model_errors(line, message, column):
    m = model("deliverable plan\n" + line + "\n")
    (error,) = m.errors
    assert error.message.startswith(message) and (error.span.line, error.span.column) == (2, column)


def test_a_misspelt_dear_or_deliverable_gets_a_suggestion():
    m = model("deliverable plan\nmeasure m [of: plam, dear: adopton]\n")
    assert [e.hint.split("?")[0] for e in m.errors] == ["did you mean 'plan'", "did you mean 'adoption'"]


def test_a_measure_declared_twice_is_a_conflict():
    m = model("deliverable a\nmeasure m [of: a]\nmeasure m [of: a]\n")
    (error,) = m.errors
    assert error.code == "E002" and error.span.line == 3 and error.related[0].span.line == 2


def test_measure_is_a_keyword_and_measures_are_a_namespace_of_their_own():
    m = model('deliverable x\nmeasure x [of: x]\nmeasures -> x\n"measure" -> x\n')
    assert m.errors == [] and {"x", "measures", "measure"} <= set(m.deliverables) and list(m.measures) == ["x"]
    with pytest.raises(prep.PrepError) as e:
        prep.loads("a -> measure\n", "m.prep")
    assert "keyword" in e.value.diagnostics[0].message


def test_both_parsers_read_measures_alike():
    fast = fastparse.scan(MODEL, "m.prep")
    assert fast is not None, "measure lines take the fast path"
    slow = parse_statements_lark(MODEL, "m.prep")
    for a, b in zip(fast[0], slow[0]):
        assert (type(a), a.kind if hasattr(a, "kind") else None, a.span) == \
            (type(b), b.kind if hasattr(b, "kind") else None, b.span)
        assert [(x.key, x.value, x.span) for x in getattr(a, "attrs", None) or ()] == \
            [(x.key, x.value, x.span) for x in getattr(b, "attrs", None) or ()]


def test_fmt_orders_a_measures_attributes_and_keeps_its_meaning():
    text = ('deliverable a\nmeasure   "m"  "label"[note: "n", dear: "roi",yellow: ">= 1", of: "a", '
            'green: ">=3", lime: ">= 2", target: ">=3", from: a, owner: ["x"]]\n')
    out = prep.format_text(text)
    assert out == ('deliverable a\nmeasure m "label" [of: a, from: a, target: ">=3", green: ">=3", lime: ">= 2", '
                   'yellow: ">= 1", dear: roi, owner: [x], note: "n"]\n')
    assert prep.format_text(out) == out
    strip = lambda m: [(x.name, x.of, x.source, x.target, x.green, x.lime, x.yellow, x.dear, x.owners, x.note)
                       for x in m.measures.values()]
    assert strip(model(out)) == strip(model(text))


def test_json_export_carries_measures_and_reads_them_back():
    m = model()
    data = json.loads(model_to_json(m))
    active = next(x for x in data["measures"] if x["name"] == "定着率")
    assert active["of"] == "adopted" and active["from"] == "usage" and active["dear"] == "adoption"
    assert active["target"] == {"text": "≥６０％", "op": ">=", "value": 60.0, "unit": "%"}
    assert active["yellow"]["value"] == 30.0 and active["owners"] == ["CSM", "佐藤 花子"]
    back = model_from_dict(model_to_dict(m))
    assert back.measures == m.measures


def test_semantic_diff_shows_measures_added_removed_and_changed():
    old = model()
    new = model(MODEL.replace('target: "≥６０％"', 'target: ">= 50%"').replace(
        'measure 解約日数 [of: adopted, target: "< 3 日", green: "< 3 日", lime: "<= 5 日", yellow: "<= 10 日"]\n', "")
        + "measure 新規 [of: plan]\n")
    d = prep.diff(old, new).changes
    assert {(c.name, c.status) for c in d.measures} == {("定着率", "changed"), ("解約日数", "removed"),
                                                        ("新規", "added")}
    (changed,) = [c for c in d.measures if c.status == "changed"]
    assert [(f.field, f.old, f.new) for f in changed.changes] == [("target", "≥６０％", ">= 50%")]
    assert "1 measure added, 1 removed, 1 changed" in d.summary()
    assert prep.diff(old, model()).changes.empty


def test_diff_cli_text_and_json_name_measure_changes(tmp_path, cli):
    a, b = tmp_path / "a.prep", tmp_path / "b.prep"
    a.write_text(MODEL, encoding="utf-8")
    b.write_text(MODEL.replace('dear: engagement', 'dear: deployment'), encoding="utf-8")
    r = cli("diff", str(a), str(b))
    assert "~ measure 合意率: dear engagement -> deployment" in r.output
    r = cli("diff", str(a), str(b), "--format", "json")
    data = json.loads(r.output)
    assert data["measures"]["changed"] == [{"name": "合意率", "changes": [
        {"field": "dear", "old": "engagement", "new": "deployment"}]}]
    assert data["counts"]["measures changed"] == 1


# ------------------------------------------------------------------ language server


def test_lsp_hover_definition_references_and_completion():
    text = MODEL
    r = A.analyse(text, "/tmp/m.prep")
    line = 12
    col = text.split("\n")[line - 1].index("定着率") + 1
    occ = r.occurrence_at(line, col)
    assert (occ.role, occ.name, occ.is_deliverable) == ("measure", "定着率", False)
    hover = A.measure_hover_text(r, "定着率")
    assert "**weekly active** (measure, adoption)" in hover and "of: adopted (exit criterion of stage adoption)" in hover
    assert "colours: green >= 60%, lime >= 45%, yellow >= 30%, red below" in hover
    # `of: adopted` is a reference to the deliverable: renamed with it, and it shows what measures it
    of_col = text.split("\n")[line - 1].index("of: adopted") + 5
    occ = r.occurrence_at(line, of_col)
    assert (occ.role, occ.name) == ("measured", "adopted")
    assert (line, of_col) in [(s.line, s.column) for s in r.references("adopted")]
    assert "measured by: weekly active (≥６０％), 解約日数 (< 3 日)" in A.hover_text(r, "adopted")
    # completion: keys, deliverables after of:, DEAR after dear:
    r2 = A.analyse(text + "measure x [", "/tmp/m.prep")
    last = len((text + "measure x [").split("\n"))
    keys = [label for label, kind, _ in A.completions(r2, last, len("measure x [") + 1)]
    assert keys[:3] == ["of", "from", "target"] and "dear" in keys and "exit" not in keys
    r3 = A.analyse(text + "measure x [of: ", "/tmp/m.prep")
    assert "contract" in [label for label, *_ in A.completions(r3, last, len("measure x [of: ") + 1)]
    r4 = A.analyse(text + "measure x [of: plan, dear: ", "/tmp/m.prep")
    assert [label for label, *_ in A.completions(r4, last, len("measure x [of: plan, dear: ") + 1)] == [
        "deployment", "engagement", "adoption", "roi"]
    assert "measure" in [label for label, kind, _ in A.completions(A.analyse("", "/tmp/m.prep"), 1, 1)]
    symbols = A.document_symbols(r)
    assert [(s.name, s.kind) for s in symbols if s.kind == "measure"] == [
        ("合意率", "measure"), ("定着率", "measure"), ("解約日数", "measure")]


def test_lsp_rename_of_a_deliverable_renames_its_measures_of_and_from():
    r = A.analyse(MODEL, "/tmp/m.prep")
    edits = A.rename_edits(r, "usage", "利用データ")
    assert 12 in [span.line for span, _ in edits]


# ------------------------------------------------------------------ M5xx


def test_a_model_without_measures_gets_no_m_finding():
    text = MODEL.split("measure ")[0]
    assert codes(text, "M") == []


def test_m501_each_unmeasured_exit_once():
    text = MODEL.replace("of: plan, from: contract", "of: contract")
    assert codes(text, "M501") == [("M501", 6)]


def test_m502_counts_inputs_syncs_and_mutual_partners_as_leading_to_an_exit():
    base = MODEL + "deliverable mail [stage: adoption]\nmeasure opened [of: mail, target: \">= 1\", green: \">= 3\", " \
                   "lime: \">= 2\", yellow: \">= 1\"]\n"
    assert codes(base, "M502") == [("M502", 15)]
    assert codes(base + "mail ~> adopted\n", "M502") == []
    assert codes(base + "mail <~> plan\n", "M502") == []
    assert codes(base + "mail -> x\nx -> adopted\n", "M502") == []
    assert codes(base + "adopted -> mail\n", "M502") == [("M502", 15)]  # downstream of an exit is not leading to it


def test_m503_names_what_is_missing():
    found = [d.message for d in lint_model(model(
        "deliverable a [final]\nstage s [exit: a]\nmeasure m [of: a, green: \">= 3\"]\n")) if d.code == "M503"]
    assert found == ["measure 'm' has no target and no thresholds for lime and yellow"]


def test_m504_the_source_may_be_far_upstream_but_not_downstream():
    text = MODEL.replace("from: contract", "from: playbook")
    assert codes(text, "M504") == []
    text = MODEL.replace("of: plan, from: contract", "of: plan, from: usage")
    assert codes(text, "M504") == [("M504", 11)]


def test_m_findings_are_about_the_measured_deliverable_and_can_be_suppressed():
    text = MODEL.replace("of: plan, from: contract", "of: plan, from: usage")
    (d,) = [d for d in lint_model(model(text)) if d.code == "M504"]
    assert d.subject == "plan" and d.name == "measure-without-data"
    lines = text.split("\n")
    lines[10] += "  # prep: ignore[M504]"
    assert [x for x in lint_model(model("\n".join(lines))) if x.code.startswith("M")] == []


def test_the_example_measures_every_exit_and_every_dear_category(cli):
    path = str(ROOT / "examples" / "cs-onboarding.prep")
    m = prep.load(path)
    assert len(m.measures) == 4 and [d for d in lint_model(m)] == []
    r = cli("lint", "--measures", path)
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[0].endswith("cs-onboarding.prep: 4 measures, DEAR coverage per stage")
    assert lines[1].split() == ["stage", "exit", "criteria", "measured", "deployment", "engagement", "adoption", "ROI"]
    assert lines[2].split() == ["contract", "1/1", "1", "-", "-", "-"]
    assert lines[4].split() == ["adoption", "1/1", "-", "-", "1", "1"]
    r = cli("lint", "--measures", "--format", "json", path)
    records = json.loads(r.output)
    assert [x["stage"] for x in records] == ["contract", "kickoff", "adoption"]
    assert records[2]["dear"] == {"deployment": [], "engagement": [], "adoption": ["定着率"], "roi": ["削減時間"]}
    assert records[0]["missing"] == ["engagement", "adoption", "roi"]


def test_lint_measures_lists_unmeasured_exits_as_a_subprocess(tmp_path, prep_run):
    p = tmp_path / "m.prep"
    p.write_text(MODEL.replace("of: plan, from: contract", "of: contract"), encoding="utf-8")
    done = prep_run("lint", "--measures", str(p))
    assert done.returncode == 0, done.stderr
    assert "kickoff: not measured: plan" in done.stdout.decode()


# ------------------------------------------------------------------ the catalogue (issue 22's workbook)


def test_the_catalogue_carries_measures_both_ways(tmp_path):
    import openpyxl

    from prep.catalogue.export import to_xlsx
    from prep.catalogue.importer import read_catalogue

    m = model()
    path = tmp_path / "c.xlsx"
    path.write_bytes(to_xlsx(m, lint_model(m)))
    sheet = openpyxl.load_workbook(path)["Measures"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:12] == ["name", "label", "of", "from", "target", "green", "lime", "yellow", "DEAR", "owners",
                            "stage", "note"]
    assert rows[2][:12] == ["定着率", "weekly active", "adopted", "usage", "≥６０％", ">= 60%", ">= 45%", ">= 30%",
                            "adoption", "CSM, 佐藤 花子", "adoption", "週次"]
    back = model(read_catalogue(path).text)
    strip = lambda mm: [(x.name, x.label, x.of, x.source, x.target, x.green, x.lime, x.yellow, x.dear, x.owners,
                         x.note) for x in mm.measures.values()]
    assert strip(back) == strip(m)


def test_a_catalogue_measure_of_an_unknown_deliverable_is_an_error_at_its_cell(tmp_path):
    import openpyxl

    from prep.catalogue.export import to_xlsx
    from prep.catalogue.importer import read_catalogue

    m = model()
    path = tmp_path / "c.xlsx"
    path.write_bytes(to_xlsx(m, []))
    book = openpyxl.load_workbook(path)
    book["Measures"]["C3"] = "adoptd"
    book.save(path)
    with pytest.raises(prep.PrepError) as e:
        read_catalogue(path)
    (d,) = [d for d in e.value.diagnostics if "adoptd" in d.message]
    assert "did you mean 'adopted'" in d.hint and d.span.line == 3


def test_the_coverage_table_lines_up_under_japanese_stage_names(tmp_path, cli):
    """Columns were padded by characters, not by the columns a terminal
    draws: each kanji row's cells stood one or two columns right of the
    header's."""
    from prep.language.diagnostics import display_width

    p = tmp_path / "m.prep"
    p.write_text('stage 契約 [exit: 契約書]\nstage 立上げ [exit: 稼働]\ndeliverable 要件 [external]\n'
                 '要件 -> 契約書\n契約書 -> 稼働\ndeliverable 稼働 [final]\n'
                 'measure 合意日数 [of: 契約書, dear: deployment]\nmeasure 稼働率 [of: 稼働, dear: engagement]\n',
                 encoding="utf-8")
    r = cli("lint", "--measures", str(p))
    lines = r.output.splitlines()[1:4]
    head = lines[0]
    for line in lines[1:]:   # each cell starts where its header's column does
        for word in ("1/1",):
            assert display_width(line[:line.index(word)]) == display_width(head[:head.index("exit")]), lines
