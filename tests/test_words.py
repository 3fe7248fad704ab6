"""prep's own words in pictures in Japanese (`--language ja`, [render]
language, `language=` in the API; prep._words): the legend, "(続き)" on a
frame continued from an earlier page, "P.3" on off-page markers, the
tooltips. English stays the default, byte for byte."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

import prep
from conftest import ROOT

SVG = "{http://www.w3.org/2000/svg}"
LIFECYCLE = ROOT / "examples" / "cs-lifecycle.prep"
JA_LEGEND = {"凡例", "成果物", "ノウハウ", "入力", "同期", "相互同期"}
EN_LEGEND = {"Legend", "deliverable", "knowhow", "input", "synchronization", "mutual synchronization"}


def texts(svg: bytes | Path) -> set[str]:
    root = ET.fromstring(svg) if isinstance(svg, bytes) else ET.parse(svg).getroot()
    return {"".join(t.itertext()).strip() for t in root.iter(SVG + "text")}


def test_render_language_ja_writes_the_legend_in_japanese(tmp_path, cli):
    out = tmp_path / "ja.svg"
    r = cli("render", str(LIFECYCLE), "--legend", "--language", "ja", "-o", str(out))
    assert r.exit_code == 0, r.output
    got = texts(out)
    assert JA_LEGEND <= got and not EN_LEGEND & got, got
    r = cli("render", str(LIFECYCLE), "--legend", "-o", str(tmp_path / "en.svg"))   # the default: English
    assert EN_LEGEND <= texts(tmp_path / "en.svg")


def test_pages_in_japanese_say_where_markers_lead_and_what_is_continued_with_no_collision():
    """Fitted to A4, the markers say "P.3" and a frame that goes on from an
    earlier page "(続き)"; the words are measured in Japanese: no text
    collides, and the model takes as many pages as in English."""
    from prep.layouter.collisions import problems

    model = prep.load(str(LIFECYCLE))
    en = prep.render_pages(model, "svg", "A4", legend=True)
    ja = prep.render_pages(model, "svg", "A4", legend=True, language="ja")
    assert ja.count == en.count >= 2
    words = set().union(*(texts(f) for f in ja.files))
    assert any(re.search(r", P\.\d", t) for t in words), words
    assert any(t.endswith(" (続き)") for t in words), words
    assert not any("(cont.)" in t or re.search(r"\bpp?\. \d", t) for t in words), words
    assert JA_LEGEND <= words
    for sheet in ja.sheets:
        assert problems(sheet.layout) == [], sheet.number
        assert all(i.text not in EN_LEGEND for i in sheet.layout.legend_items)


def test_the_api_keeps_the_language_to_the_call_and_refuses_one_it_does_not_speak():
    model = prep.load(str(LIFECYCLE))
    assert JA_LEGEND <= texts(prep.render(model, "svg", legend=True, language="ja"))
    assert EN_LEGEND <= texts(prep.render(model, "svg", legend=True))   # not left behind by the call before
    with pytest.raises(ValueError, match="unknown language 'fr': choose en or ja"):
        prep.render(model, "svg", language="fr")
    layout = prep.layout(model, legend=True, language="ja")
    assert {i.text for i in layout.legend_items} >= JA_LEGEND


def test_the_language_comes_from_the_configuration_and_the_command_line_wins(tmp_path, prep_run):
    (tmp_path / "prep.toml").write_text('[render]\nlanguage = "ja"\nlegend = true\n', encoding="utf-8")
    (tmp_path / "m.prep").write_text(LIFECYCLE.read_text(encoding="utf-8"), encoding="utf-8")
    p = prep_run("render", "m.prep", "-o", "ja.svg", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert JA_LEGEND <= texts(tmp_path / "ja.svg")
    p = prep_run("render", "m.prep", "--language", "en", "-o", "en.svg", cwd=tmp_path)
    assert p.returncode == 0 and EN_LEGEND <= texts(tmp_path / "en.svg"), p.stderr
    (tmp_path / "prep.toml").write_text('[render]\nlanguage = "jp"\n', encoding="utf-8")
    p = prep_run("render", "m.prep", "-o", "x.svg", cwd=tmp_path)
    assert p.returncode == 2 and not (tmp_path / "x.svg").exists()
    err = p.stderr.decode()
    assert "language must be 'en' or 'ja'" in err and "not 'jp'" in err and "Traceback" not in err, err
    p = prep_run("render", "m.prep", "--language", "de", "-o", "x.svg", cwd=tmp_path)
    assert p.returncode == 2 and "'de' is not one of 'en', 'ja'" in p.stderr.decode(), p.stderr


def test_every_legend_of_a_kind_of_picture_speaks_japanese(tmp_path, cli):
    """The diff's marks, a stage picture's marks, measured colours, the
    tooltips and Mermaid's legend."""
    old, new = ROOT / "examples" / "order-to-cash-as-is.prep", ROOT / "examples" / "order-to-cash-to-be.prep"
    r = cli("render", "--diff", str(old), str(new), "--language", "ja", "-o", str(tmp_path / "d.svg"))
    assert r.exit_code == 0, r.output
    assert {"+ 追加", "削除", "~ 変更", "追加した関係"} <= texts(tmp_path / "d.svg")
    stage = next(iter(prep.load(str(LIFECYCLE)).stages))
    r = cli("render", str(LIFECYCLE), "--stage", stage, "--language", "ja", "-o", str(tmp_path / "s.svg"))
    assert r.exit_code == 0, r.output
    assert {"このステージで新規", "EXIT n: ステージ n の完了条件"} <= texts(tmp_path / "s.svg")
    onboarding = ROOT / "examples" / "cs-onboarding.prep"
    r = cli("render", str(onboarding), "--status", str(ROOT / "examples" / "cs-onboarding.values.csv"),
            "--customer", "アクメ商事", "--legend", "--language", "ja", "-o", str(tmp_path / "h.svg"))
    assert r.exit_code == 0, r.output
    assert {"緑", "黄緑", "黄", "赤", "データなし"} <= texts(tmp_path / "h.svg")
    svg = (tmp_path / "s.svg").read_text(encoding="utf-8")
    assert "— 成果物</title>" in svg and "— deliverable" not in svg
    mmd = prep.render(prep.load(str(LIFECYCLE)), "mmd", legend=True, language="ja").decode("utf-8")
    assert 'subgraph legend["凡例"]' in mmd and '"ノウハウ"' in mmd and "knowhow\"" not in mmd


def test_a_powerpoint_legend_in_japanese(tmp_path, cli):
    out = tmp_path / "deck.pptx"
    r = cli("render", str(LIFECYCLE), "--legend", "--language", "ja", "-o", str(out))
    assert r.exit_code == 0, r.output
    with zipfile.ZipFile(out) as z:
        slides = "".join(z.read(n).decode("utf-8") for n in z.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n))
    runs = set(re.findall(r"<a:t>([^<]*)</a:t>", slides))
    assert JA_LEGEND <= runs and not EN_LEGEND & runs, runs


def test_the_live_preview_draws_in_the_language_it_is_given(tmp_path):
    from prep.renderer.dot import THEMES
    from prep.serve.server import Preview

    src = tmp_path / "m.prep"
    src.write_text(LIFECYCLE.read_text(encoding="utf-8"), encoding="utf-8")
    language = ["ja"]
    preview = Preview(str(src), look=lambda: (THEMES["default"], "LR", True, None, language[0]), lint_options=dict)
    try:
        assert preview.rebuild() is None
        assert "凡例" in preview.model_json and "Legend" not in preview.model_json
        language[0] = "en"   # [render] language changed in prep.toml: the next save draws in English
        assert preview.rebuild() is None
        assert "Legend" in preview.model_json and "凡例" not in preview.model_json
    finally:
        preview.close()


# ------------------------------------------------------------------ the report

NAIVE = ROOT / "examples" / "feature-addition-naive.prep"   # a model with findings, hints among them
ENGLISH_CHROME = ("Diagram", "Findings", "Hotspots", "Deliverables", "No findings", "Generated by", "severity",
                  "hint:", "deliverables:", "exit criteria", "Laid out for this page", "At the end of", "Legend",
                  "from page", "Contents", "Roadmap")


def test_a_report_in_japanese_in_every_format(tmp_path, cli):
    """prep report --language ja: headings, summary, tables and their
    headers, captions, the contents of the Word report and the pictures'
    words in Japanese, and the findings' messages as `prep lint --language
    ja` writes them."""
    import subprocess

    findings = prep.lint(prep.load(str(NAIVE)))
    japanese = prep.lint(prep.load(str(NAIVE)), language="ja")
    assert findings and [d.code for d in japanese] == [d.code for d in findings]
    for fmt in ("md", "html", "pdf", "docx"):
        for model in (NAIVE, LIFECYCLE):
            out = tmp_path / f"{model.stem}.{fmt}"
            r = cli("report", str(model), "--language", "ja", "-o", str(out))
            assert r.exit_code == 0, r.output
            if fmt == "pdf":
                text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                                      check=True).stdout.decode("utf-8")
            elif fmt == "docx":
                with zipfile.ZipFile(out) as z:
                    text = re.sub(r"<[^>]+>", "\n", z.read("word/document.xml").decode("utf-8"))
            else:
                text = out.read_text(encoding="utf-8")
                for extra in sorted(tmp_path.glob(f"{model.stem}*.svg")):   # the Markdown report's pictures
                    text += re.sub(r"<!--.*?-->", "", extra.read_text(encoding="utf-8"), flags=re.S)  # Graphviz's
            left = [w for w in ENGLISH_CHROME if w in text]
            assert not left, (fmt, model.name, left)
            for word in ("全体図", "指摘", "ホットスポット", "成果物一覧", *(["で作成。"] if fmt != "md" else [])):
                assert word in text, (fmt, model.name, word)
            if model == NAIVE:
                assert "成果物 " in text and "指摘 " in text and "ヒント" in text, (fmt, text[:2000])
                # the message itself, in Japanese: as prep lint --language ja writes it
                shown = re.sub(r"\s+", "", text)
                for english, ja in zip(findings, japanese):
                    assert re.sub(r"\s+", "", ja.message) in shown, (fmt, ja.message)
                    assert english.message not in text, (fmt, english.message)
            else:
                assert "ロードマップ" in text and "完了条件" in text, fmt
                assert fmt in ("md", "html") or "の終わり" in text, fmt   # the stage frames' titles
                assert fmt != "pdf" or "モデルはステージで分割" in text, text   # how the diagram was cut
    with zipfile.ZipFile(tmp_path / "cs-lifecycle.docx") as z:
        assert "目次" in z.read("word/document.xml").decode("utf-8")
    html = prep.report(prep.load(str(LIFECYCLE)), "html", language="ja").decode("utf-8")   # the API
    assert "付きます。続いて" in html   # Japanese sentences follow each other without a space
    assert re.findall(r"<h2[^>]*>([^<]*)", html) == ["全体図", "ロードマップ", "指摘", "ホットスポット", "成果物一覧",
                                                    "関係の注記"]


def test_a_report_follows_the_configured_language_and_is_english_by_default(tmp_path, prep_run):
    (tmp_path / "m.prep").write_text(LIFECYCLE.read_text(encoding="utf-8"), encoding="utf-8")
    p = prep_run("report", "m.prep", "-o", "en.html", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    html = (tmp_path / "en.html").read_text(encoding="utf-8")
    assert '<h2 id="findings">Findings</h2>' in html and "Legend" in html and "凡例" not in html
    (tmp_path / "prep.toml").write_text('[render]\nlanguage = "ja"\n', encoding="utf-8")
    p = prep_run("report", "m.prep", "-o", "ja.html", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    html = (tmp_path / "ja.html").read_text(encoding="utf-8")
    assert '<h2 id="findings">指摘</h2>' in html and "凡例" in html and ">Legend<" not in html


def test_a_flip_book_on_pages_names_each_frame_s_page_in_japanese(tmp_path, cli):
    """A stage frame over several pages is titled with its page as the
    markers name it: "(P.2)" in Japanese; the report, which names the
    pages in its captions, drops it from the title in both languages."""
    import subprocess

    out = tmp_path / "fb.pdf"
    r = cli("render", str(LIFECYCLE), "--flipbook", "--page", "A4", "--language", "ja", "-o", str(out))
    assert r.exit_code == 0, r.output
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True).stdout.decode("utf-8")
    assert re.search(r"Stage 2: 定着 Adopt \(P\.\d\)", text) and not re.search(r"\(p\. \d\)", text), text[:3000]
    r = cli("report", str(LIFECYCLE), "--language", "ja", "-o", str(tmp_path / "r.pdf"))
    assert r.exit_code == 0, r.output
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True,
                          check=True).stdout.decode("utf-8")
    assert not re.search(r"\((P\.|p\. )\d\)", text)


def test_the_viewer_pages_carry_their_words_in_the_language_chosen(tmp_path, cli):
    """The interactive page (-o x.html), the HTML flip-book and prep serve's
    page: in Japanese their own words travel in the page's settings (the
    script reads them) or are written in it; in English nothing changes."""
    import json

    from prep.renderer.dot import THEMES
    from prep.serve.server import Preview

    def settings(html: str) -> dict:
        return json.loads(re.search(r'<script type="application/json" id="prep-settings">(.*?)</script>',
                                    html, re.S).group(1))

    r = cli("render", str(LIFECYCLE), "--language", "ja", "-o", str(tmp_path / "ja.html"))
    assert r.exit_code == 0, r.output
    words = settings((tmp_path / "ja.html").read_text(encoding="utf-8"))["words"]
    assert words["Fit"] == "全体" and words["Findings"] == "指摘"
    r = cli("render", str(LIFECYCLE), "-o", str(tmp_path / "en.html"))
    assert "words" not in settings((tmp_path / "en.html").read_text(encoding="utf-8"))
    r = cli("render", str(LIFECYCLE), "--flipbook", "--language", "ja", "-o", str(tmp_path / "fb.html"))
    assert r.exit_code == 0, r.output
    flip = (tmp_path / "fb.html").read_text(encoding="utf-8")
    assert 'aria-label="次のステージ"' in flip and ">全体</button>" in flip and "4 ステージ" in flip
    assert "— フリップブック</title>" in flip and "Fit" not in flip
    src = tmp_path / "m.prep"
    src.write_text(LIFECYCLE.read_text(encoding="utf-8"), encoding="utf-8")
    preview = Preview(str(src), look=lambda: (THEMES["default"], "LR", False, None, "ja"), lint_options=dict)
    try:
        assert preview.rebuild() is None
        assert settings(preview.page().decode("utf-8"))["words"]["Start"] == "最初"
    finally:
        preview.close()


def test_prep_status_in_japanese(prep_run):
    """The terminal's and Markdown's tables of `prep status --language ja`;
    the JSON, for scripts, is the same in both languages."""
    model, data = ROOT / "examples" / "cs-onboarding.prep", ROOT / "examples" / "cs-onboarding.values.csv"
    p = prep_run("status", str(model), "--data", str(data), "--language", "ja")
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode("utf-8")
    assert "顧客 4 社 (到達ステージとヘルス別)" in out and "データなし" in out and "合計" in out, out
    p = prep_run("status", str(model), "--data", str(data), "--customer", "アクメ商事", "--language", "ja")
    out = p.stdout.decode("utf-8")
    assert out.startswith("顧客: アクメ商事\n到達ステージ: adoption") and "ヘルス: 黄\n" in out, out
    assert re.search(r"ステージ\s+KPI\s+値\s+色\s+目標", out) and "stage" not in out, out
    p = prep_run("status", str(model), "--data", str(data), "--language", "ja", "--format", "markdown")
    assert "| ステージ | 緑 | 黄緑 | 黄 | 赤 | データなし | 合計 |" in p.stdout.decode("utf-8")
    json_ja = prep_run("status", str(model), "--data", str(data), "--language", "ja", "--format", "json").stdout
    json_en = prep_run("status", str(model), "--data", str(data), "--format", "json").stdout
    assert json_ja == json_en
    p = prep_run("status", str(model), "--data", str(data))
    assert p.stdout.decode("utf-8").startswith(f"{data}: 4 customers by the stage reached and health")


def test_export_takes_the_configured_language_and_the_command_line_wins(tmp_path, prep_run):
    import csv

    (tmp_path / "prep.toml").write_text('[render]\nlanguage = "ja"\n', encoding="utf-8")
    (tmp_path / "m.prep").write_text(LIFECYCLE.read_text(encoding="utf-8"), encoding="utf-8")
    p = prep_run("export", "m.prep", "-o", "ja.csv", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    with open(tmp_path / "ja.csv", encoding="utf-8-sig") as f:
        assert next(csv.reader(f))[0] == "名前"
    p = prep_run("export", "m.prep", "-o", "en.csv", "--language", "en", cwd=tmp_path)
    with open(tmp_path / "en.csv", encoding="utf-8-sig") as f:
        assert next(csv.reader(f))[0] == "name"


def test_prep_status_in_japanese_says_done_in_japanese_in_the_terminal(prep_run):
    """The counts' row of customers past the last stage: 完了 in the
    terminal's table, as the Markdown table says it (it said "done")."""
    model, data = ROOT / "examples" / "cs-onboarding.prep", ROOT / "examples" / "cs-onboarding.values.csv"
    out = prep_run("status", str(model), "--data", str(data), "--language", "ja").stdout.decode("utf-8")
    assert re.search(r"^  完了\s+1\s+0\s+0\s+0\s+0\s+1$", out, re.M) and "done" not in out, out
    out = prep_run("status", str(model), "--data", str(data)).stdout.decode("utf-8")
    assert re.search(r"^  done\s+1\s+0\s+0\s+0\s+0\s+1$", out, re.M), out


def test_a_finding_s_severity_is_headed_as_in_the_catalogue():
    """The report's findings table heads the severity 重大度, as the
    catalogue's Findings sheet does (it said 重要度, "importance")."""
    from prep.catalogue.columns import FINDINGS

    model = prep.load(str(NAIVE))
    html = prep.report(model, "html", language="ja").decode("utf-8")
    head = next(c.ja for c in FINDINGS.columns if c.key == "severity")
    assert head == "重大度" and f"<th>{head}</th>" in html and "重要度" not in html


def test_a_japanese_report_s_captions_put_no_space_after_a_full_stop(tmp_path, cli):
    """A caption of a PDF or Word report in Japanese: a sentence follows
    "。" with no space ("…完了条件です。文字 7-9 pt。", "…pt)。測定した…"), and
    a picture on one page says its text size as a page of several does:
    "このページに合わせて配置 (文字 7-9 pt)。"."""
    import subprocess

    onboarding = ROOT / "examples" / "cs-onboarding.prep"
    out = tmp_path / "r.docx"
    r = cli("report", str(onboarding), "--status", str(ROOT / "examples" / "cs-onboarding.values.csv"),
            "--customer", "アクメ商事", "--language", "ja", "-o", str(out))
    assert r.exit_code == 0, r.output
    with zipfile.ZipFile(out) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    paragraphs = ["".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", p)) for p in re.findall(r"<w:p[ >].*?</w:p>", xml, re.S)]
    captions = [p for p in paragraphs if " pt" in p]
    assert captions and not [c for c in captions if "。 " in c], captions
    assert "このページに合わせて配置 (文字 7-9 pt)。" in captions, captions
    r = cli("report", str(onboarding), "--language", "ja", "-o", str(tmp_path / "r.pdf"))
    assert r.exit_code == 0, r.output
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True,
                          check=True).stdout.decode("utf-8")
    assert "完了条件です。文字 7-9 pt。" in text and "。 文字" not in text, text


def test_the_interactive_page_without_javascript_says_so_in_japanese(tmp_path, cli):
    """What a browser with scripts off shows of a Japanese page: the
    sentence in Japanese (it was the one English sentence left on it)."""
    r = cli("render", str(LIFECYCLE), "--language", "ja", "-o", str(tmp_path / "ja.html"))
    assert r.exit_code == 0, r.output
    page = (tmp_path / "ja.html").read_text(encoding="utf-8")
    shown = re.search(r"<noscript>(.*?)</noscript>", page, re.S).group(1)
    assert "JavaScript が必要です" in shown and "needs" not in shown, shown
    r = cli("render", str(LIFECYCLE), "-o", str(tmp_path / "en.html"))
    assert "This view needs JavaScript;" in (tmp_path / "en.html").read_text(encoding="utf-8")


def test_a_japanese_catalogue_writes_health_severity_and_its_drop_downs_warnings_in_japanese(tmp_path):
    """prep export --language ja: the health column says 緑/黄 (and the row
    is still coloured by it), a finding's and a rule's severity 警告, and a
    drop-down's warning names its values and sheet in Japanese, as the
    report and prep status say them; the import reads the workbook back."""
    import openpyxl

    model = prep.load(str(NAIVE))
    path = tmp_path / "ja.xlsx"
    path.write_bytes(prep.export(model, "xlsx", language="ja"))
    book = openpyxl.load_workbook(path)
    sheet = book["成果物"]
    head = [c.value for c in sheet[1]]
    health = {r[head.index("健全度")] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert health == {"緑", "黄"}, health
    assert any('="黄"' in rule.formula[0] for rules in sheet.conditional_formatting for rule in rules.rules)
    for name in ("指摘", "ルール"):
        rows = list(book[name].iter_rows(values_only=True))
        assert {r[rows[0].index("重大度")] for r in rows[1:]} == {"警告"}, name
    messages = {(v.errorTitle, v.error) for v in sheet.data_validations.dataValidation if v.error}
    assert ("種類", "成果物 または ノウハウ") in messages, messages
    lifecycle = tmp_path / "life.xlsx"
    lifecycle.write_bytes(prep.export(prep.load(str(LIFECYCLE)), "xlsx", language="ja"))
    messages = {(v.errorTitle, v.error) for v in openpyxl.load_workbook(lifecycle)["成果物"].data_validations.dataValidation
                if v.error}
    assert ("段階", "「段階」シートの名前のいずれか") in messages and not any("sheet" in m for _, m in messages), messages
    assert prep.loads(prep.import_catalogue(path), model.path).deliverables.keys() == model.deliverables.keys()
    en = openpyxl.load_workbook(tmp_path / "en.xlsx" if (tmp_path / "en.xlsx").write_bytes(
        prep.export(model, "xlsx")) else None)["Deliverables"]
    assert {r[[c.value for c in en[1]].index("health")] for r in en.iter_rows(min_row=2, values_only=True)} == {
        "green", "yellow"}
