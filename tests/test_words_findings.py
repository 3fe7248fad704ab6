"""Findings in Japanese (`prep lint --language ja`, `language="ja"` in the
API, and every output made in Japanese): each rule's message, hint and
notes are written in Japanese, with the model's names, the code spans and
the codes as they are; English stays the default, byte for byte, and the
lint cache keeps each language apart."""

from __future__ import annotations

import json
import os
import re

import pytest

import prep
from prep.linter.rules import RULES

# found while reading the file or parsing it: written in English in either language
READER = {code for code, rule in RULES.items() if rule.stage in ("input", "parse")}
# English words a Japanese message may keep (as the method's Japanese practice writes them)
KEPT = {"KPI", "EXIT"}


def english_left(text: str, model) -> list[str]:
    """The English words left in `text` once the model's names (deliverables,
    stages, measures, owners), the code spans, 「quoted」 names, "quoted"
    labels and the rule codes are taken out: none in a message written in Japanese."""
    text = re.sub(r"`[^`]*`|^    .*$", " ", text, flags=re.M)   # code: in backticks, or a line indented
    text = re.sub(r"「[^」]*」|\"[^\"]*\"", " ", text)   # a name; a label, as the model writes it
    names = set(model.deliverables) | set(model.stages) | set(model.measures) | set(model.groups)
    names |= {o for d in model.deliverables.values() for o in d.owners}
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    text = re.sub(r"\b[A-Z]\d{3}\b", " ", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in KEPT]


def both(text: str, **options):
    """(the English findings, the Japanese ones, the model) of a model text."""
    model = prep.loads(text, strict=False)
    english = prep.lint(model, config=False, **options)
    japanese = prep.lint(prep.loads(text, strict=False, language="ja"), config=False, language="ja", **options)
    return english, japanese, model


def assert_japanese(text: str, **options) -> list:
    """Every finding of `text` in Japanese: the same findings as in English
    (codes, places, subjects, the same hints and notes given), each written
    in Japanese. Returns the Japanese findings."""
    english, japanese, model = both(text, **options)
    assert [(d.code, d.span, d.subject) for d in japanese] == [(d.code, d.span, d.subject) for d in english]
    for en, ja in zip(english, japanese):
        if en.code in READER:
            continue
        assert ja.message != en.message, en.message
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", ja.message), ja.message
        assert not english_left(ja.message, model), (en.code, ja.message, english_left(ja.message, model))
        assert (ja.hint is None) == (en.hint is None), (en.code, en.hint, ja.hint)
        if ja.hint:
            assert not english_left(ja.hint, model), (en.code, ja.hint, english_left(ja.hint, model))
        assert [r.span for r in ja.related] == [r.span for r in en.related]
        for r in ja.related:
            assert not english_left(r.message, model), (en.code, r.message)
    return japanese


@pytest.mark.parametrize("code", [c for c, r in RULES.items() if r.bad is not None and c not in READER])
def test_every_rule_s_example_is_written_in_japanese(code):
    found = assert_japanese(RULES[code].bad)
    assert code in {d.code for d in found}


# the branches the rules' own examples do not reach: (model, lint options, words only that branch writes)
BRANCHES = {
    "I101 with a <~> partner that is not material": (
        "deliverable req [external]\ndeliverable svc [final]\ndeliverable ok\nreq -> svc\nsvc <~> ok\n",
        {}, ["`<~>` の相手「ok」"]),
    "I102 and I103 of undeclared deliverables": ("a -> b\n", {}, ["`deliverable a [external]` と宣言し",
                                                                  "`deliverable b [final]` と宣言し"]),
    "I104: a near name, a Japanese comma, a new name": (
        'deliverable "request list" [external]\ndeliverable out [final]\n'
        '"reqest list", "見積書、予算", newone -> out\n',
        {}, ["「request list」のことですか？", "「、」は区切りではなく", "宣言してください: `deliverable newone`"]),
    "K201: owners in one name, two owners of three wanted": (
        "knowhow k [owner: 佐藤、鈴木]\nknowhow k2 [owner: [Ann, Bob]]\ndeliverable a [external]\n"
        "deliverable b [final]\nk, k2, a -> b\n",
        {"options": {"personal-knowhow": {"min-owners": 3}}}, ["リストで書いて", "2人（Ann、Bob）"]),
    "K203 of knowhow with no owner": (
        "knowhow k\ndeliverable a [external]\ndeliverable b [final]\ndeliverable c [final]\ndeliverable d [final]\n"
        "k, a -> b\nk, a -> c\nk, a -> d\n", {}, ["担当がいないのに、3 件の成果物"]),
    "S302: settled by ~>, then settled together": (
        "deliverable a [external]\ndeliverable b [external]\ndeliverable x [final]\na ~> x\nx <~> b\n",
        {}, ["「b」とも相互に調整して決まります"]),
    "S303 skipping two partners": (
        "deliverable req [external]\ndeliverable svc\ndeliverable ok1 [external]\ndeliverable ok2 [external]\n"
        "deliverable man [final]\nreq -> svc\nsvc <~> ok1\nsvc <~> ok2\nsvc, req -> man\n",
        {}, ["「ok1」、「ok2」と合意される前に"]),
    "E003 in a loop larger than its path": (
        "deliverable x [external]\ndeliverable a\ndeliverable b\ndeliverable c\n"
        "x, a -> b\nb, x -> a\nb, x -> c\nc, x -> a\n", {}, ["この循環には 3 件の成果物"]),
    "T403, T404 and T405 with several": (
        'stage s1 "One" [exit: e1]\nstage s2 "Two" [exit: e2]\n'
        "knowhow k1 [owner: A]\nknowhow k2 [owner: B]\n"
        "deliverable u1 [external, stage: s2]\ndeliverable u2 [external, stage: s2]\n"
        "deliverable e1 [stage: s1]\ndeliverable f1 [stage: s1, final]\ndeliverable e2 [stage: s2, final]\n"
        "deliverable g [stage: s1]\ndeliverable h [stage: s2]\n"
        "k1, k2 -> e1\nk1, u1 -> f1\nu1, u2 -> g\ng <~> h\ne1, h, g -> e2\n",
        {}, ["後のステージで初めて現れる「u1」（ステージ「s2」）、「u2」", "そのうち1人でも",
             "「k1」は1人（A）しか持っていません。「k2」は1人（B）", "と一緒に決まります"]),
    "T406 of two stages": (
        "deliverable a [external, stage: s1]\ndeliverable b [final, stage: s2]\na -> b\n", {},
        ["ステージ「s1」、「s2」は", "この順に"]),
    "M503 of a measure with no target": (
        'stage s1 "One" [exit: e1]\ndeliverable a [external]\ndeliverable e1 [stage: s1, final]\na -> e1\n'
        'measure m [of: e1, green: ">= 1"]\n', {}, ["目標も黄緑、黄のしきい値も"]),
    "P001: unknown code, no code, file-wide": (
        "deliverable a [external]  # prep: ignore[I101, X999]\ndeliverable b [final] # prep: ignore\n"
        "a, c -> b\n# prep: ignore-file[K201]\n", {}, ["不明なコード X999", "コードがないため", "このファイルに K201"]),
}


@pytest.mark.parametrize("case", list(BRANCHES))
def test_every_branch_of_a_message_is_written_in_japanese(case):
    text, options, words = BRANCHES[case]
    found = assert_japanese(text, **options)
    shown = "\n".join(f"{d.message}\n{d.hint}" for d in found)
    for word in words:
        assert word in shown, (word, shown)


def test_generated_models_findings_are_all_in_japanese():
    """The benchmark's models (both profiles, with stages): hundreds of
    findings of every family, none left in English."""
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    for profile in ("local", "long-range"):
        found = assert_japanese(generate(100, seed=1, profile=profile, stages=4))
        assert len({d.code for d in found}) >= 8, {d.code for d in found}


def test_lint_language_ja_on_the_command_line(tmp_path, prep_run):
    """prep lint --language ja: the messages, hints and the summary line in
    Japanese, the codes and severities as they are, in text and JSON; the
    cache keeps each language apart (a Japanese run after an English one is
    not served the English findings, nor the other way round)."""
    model = tmp_path / "m.prep"
    model.write_text("deliverable a\ndeliverable b\na -> b\n", encoding="utf-8")
    env = {"PREP_CACHE_DIR": str(tmp_path / "cache")}
    first = prep_run("lint", str(model), cwd=tmp_path, env=env)
    assert first.returncode == 1 and b"'a' has no inputs" in first.stdout, first.stdout
    ja = prep_run("lint", str(model), "--language", "ja", cwd=tmp_path, env=env)
    out = ja.stdout.decode("utf-8")
    assert ja.returncode == 1, ja.stderr
    assert "I102 [warning] 「a」には入力がなく" in out and "hint: プロセスの外から来るなら" in out, out
    assert out.rstrip().endswith("1 ファイルを検査しました: 指摘 3 件（警告 3 件）。"), out
    assert "'a'" not in out
    again = prep_run("lint", str(model), cwd=tmp_path, env=env)
    assert again.stdout == first.stdout
    assert len([p for p in (tmp_path / "cache").rglob("*.json")]) >= 2   # an entry for each language
    as_json = json.loads(prep_run("lint", str(model), "--language", "ja", "--format", "json", cwd=tmp_path,
                                  env=env).stdout)
    records = as_json["findings"] if isinstance(as_json, dict) else as_json
    assert {r["code"] for r in records} == {"I101", "I102", "I103"}
    assert all(re.search(r"[\u3040-\u30ff]", r["message"]) for r in records), records
    assert {r["severity"] for r in records} == {"warning"}
    bad = prep_run("lint", str(model), "--language", "fr", cwd=tmp_path, env=env)
    assert bad.returncode == 2 and b"Traceback" not in bad.stderr and b"'fr'" in bad.stderr


def test_no_findings_in_japanese(tmp_path, prep_run):
    model = tmp_path / "ok.prep"
    model.write_text("deliverable a [external]\ndeliverable k [external]\ndeliverable b [final]\na, k -> b\n",
                     encoding="utf-8")
    r = prep_run("lint", str(model), "--language", "ja", "--no-cache", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.decode("utf-8") == "1 ファイルを検査しました: 指摘はありません。\n"


def test_the_catalogue_in_japanese_lists_japanese_findings(tmp_path, cli):
    """prep export --language ja: the Findings sheet's messages and hints as
    prep lint --language ja writes them (the API too)."""
    import openpyxl

    source = tmp_path / "m.prep"
    source.write_text("deliverable a\ndeliverable b\na -> b\n", encoding="utf-8")
    out = tmp_path / "m.xlsx"
    r = cli("export", str(source), "--language", "ja", "-o", str(out))
    assert r.exit_code == 0, r.output
    book = openpyxl.load_workbook(out)
    # the Findings sheet (the Rules sheet explains each rule in English, as docs/rules does)
    cells = [str(c.value) for row in book.worksheets[[ws.title for ws in book.worksheets].index("指摘")].iter_rows()
             for c in row if c.value]
    assert any("「a」には入力がなく" in c for c in cells), cells
    assert not any("has no inputs" in c for c in cells)
    english = prep.export(prep.load(str(source)), "csv", table="findings")
    japanese = prep.export(prep.load(str(source)), "csv", table="findings", language="ja")
    assert "has no inputs".encode() in english and "には入力がなく".encode() in japanese


def test_english_is_the_default_and_unchanged():
    """Without a language, the messages are English as they were written
    (the rules' pages pin every example's output: tests/test_lint_docs.py)."""
    found = prep.lint(prep.loads("deliverable a\ndeliverable b\na -> b\n"), config=False)
    assert [d.message for d in found] == ["'a' has no inputs and is not marked external",
                                          "'b' is made from one input only ('a')",
                                          "'b' feeds nothing and is not marked final"]
    assert os.environ.get("PREP_LANGUAGE") is None or True


def test_a_pdf_report_in_japanese_wraps_the_findings_as_sentences(tmp_path, cli):
    """A finding in Japanese is one long run of text: the PDF report's table
    breaks it where its line ends, never leaving "ヒント:" alone on a line
    (the run went whole to the next line), nor beginning a line with a
    closing mark; a label's short run (引合・見積) still stays whole."""
    import subprocess

    from conftest import ROOT

    out = tmp_path / "r.pdf"
    r = cli("report", str(ROOT / "examples" / "cs-lifecycle.prep"), "--language", "ja", "-o", str(out))
    assert r.exit_code == 0, r.output
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          check=True).stdout.decode("utf-8")
    assert "ヒント: その人が不在になると" in text, text
    assert not re.search(r"ヒント:\s*$", text, flags=re.M)
    from prep.embed.report_pdf import wrap_cell

    wrapped = wrap_cell(len, "ヒント: 「見積書」は「社内レビュー」との調整で決まり、さらに「承認」を決める調整の入力にもなっています", 20)
    lines = wrapped.split("\n")
    assert lines[0].startswith("ヒント: 「見積書」") and all(len(x) <= 20 for x in lines), lines
    assert not any(x[0] in "、。」）" for x in lines[1:]), lines
    assert wrap_cell(len, "Stage 1: 引合・見積 Quote", 12).split("\n") == ["Stage 1:", "引合・見積 Quote"]


def test_diff_language_ja_writes_the_change_and_its_findings_in_japanese(tmp_path, prep_run):
    """prep diff --language ja: the summary, the change list's own words, the
    findings' lines and the Markdown's headings in Japanese, names and
    relations as written; English stays the default; the review records
    keep each language apart."""
    import subprocess

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.invalid")
    git("config", "user.name", "t")
    model = tmp_path / "m.prep"
    model.write_text('stage s1 "One" [exit: b]\ndeliverable a [external]\nknowhow k [owner: [A, B]]\n'
                     "deliverable b [final]\ngroup g {\n  deliverable c [external]\n}\na, k, c -> b\n",
                     encoding="utf-8")
    git("add", ".")
    git("commit", "-qm", "one")
    model.write_text('stage s1 "One" [exit: b]\ndeliverable a [external]\nknowhow k [owner: [A, B]]\n'
                     'deliverable b [final]\ngroup h {\n  deliverable c [external]\n}\na, k, c -> b\n'
                     "deliverable 新資料\nb -> 新資料\n", encoding="utf-8")
    git("commit", "-qam", "two")
    env = {"PREP_CACHE_DIR": str(tmp_path / "cache")}
    english = prep_run("diff", "HEAD~1..HEAD", "--", "m.prep", cwd=tmp_path, env=env).stdout.decode("utf-8")
    assert "1 deliverable added" in english and "findings: 2 introduced" in english, english
    r = prep_run("diff", "--language", "ja", "HEAD~1..HEAD", "--", "m.prep", cwd=tmp_path, env=env)
    text = r.stdout.decode("utf-8")
    assert r.returncode == 0, r.stderr
    assert text.splitlines()[0] == "HEAD~1:m.prep -> HEAD:m.prep: 成果物 1 件追加、関係 1 件追加、グループ 1 件改名", text
    assert "  + 成果物 新資料\n  + b -> 新資料\n" in text and "  > グループ「g」を「h」に改名（メンバーは同じ）" in text
    assert "指摘: 新規 2 件、解消 0 件" in text and "新規 HEAD:m.prep:9:13: I101 warning: 「新資料」は1つの入力" in text
    assert not re.search(r"\b(added|renamed|findings|introduced|resolved|new)\b", text), text
    md = prep_run("diff", "--language", "ja", "--format", "markdown", "HEAD~1..HEAD", "--", "m.prep", cwd=tmp_path,
                  env=env).stdout.decode("utf-8")
    for word in ("（比較対象: `HEAD~1:m.prep`）。指摘: 新規 2 件（最も重い重大度: warning）、解消 0 件。", "**変更**",
                 "| ルール | 重大度 | 場所 | 指摘 |", "**新しい指摘**", "| + | 追加 | 成果物 新資料 |"):
        assert word in md, (word, md)
    assert not re.search(r"\b(Changes|Findings|against|added)\b", md), md
    data = json.loads(prep_run("diff", "--language", "ja", "--format", "json", "HEAD~1..HEAD", "--", "m.prep",
                               cwd=tmp_path, env=env).stdout)
    assert data["summary"].startswith("成果物 1 件追加") and data["counts"]["deliverables added"] == 1
    assert prep_run("diff", "HEAD~1..HEAD", "--", "m.prep", cwd=tmp_path, env=env).stdout.decode("utf-8") == english
