"""`prep report`: one self-contained HTML page (or Markdown + SVG), read back
with an HTML parser: sections, inline diagram, findings, hotspots, catalogue,
and nothing fetched from the network."""

from __future__ import annotations

import os
import re
import sys
import types
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

import prep
from prep.language.diagnostics import Diagnostic, Span
from prep.embed.report import build_report, hotspots

SVG = "{http://www.w3.org/2000/svg}"

MODEL = """\
title "機能追加 <report> & co"
deliverable req "顧客要望リスト" [external, stage: intake]
knowhow dev "開発ノウハウ" [owner: 開発リーダー]
deliverable spec "仕様書" [owner: [PM, 開発]]
group ship "リリース" {
  deliverable svc "追加サービス" [note: "v2"]
  deliverable approval "承認" [final]
}
req, dev -> spec
spec -> svc
svc ~> approval
approval <~> req
"""


class Page(HTMLParser):
    """Collects tags with attributes, headings and table rows."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.headings: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._cell = None
        self._h = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table":
            self._table = self.tables.setdefault(a.get("class", ""), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")
        elif tag == "h2":
            self._h = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None
        elif tag == "h2":
            self.headings.append("".join(self._h))
            self._h = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._h is not None:
            self._h.append(data)


@pytest.fixture
def fake_lint(monkeypatch):
    """A lint engine with known findings (the real one lands separately)."""
    # the real submodules stay importable whatever ran before this test
    # (code under test imports e.g. prep.linter.config, which needs the
    # real package to be a package)
    import importlib
    import pkgutil

    import prep.linter as real

    for info in pkgutil.iter_modules(real.__path__):
        if info.name != "hotspots":
            importlib.import_module(f"prep.linter.{info.name}")
    fake = types.ModuleType("prep.linter")

    def lint_model(model, **options):
        return [Diagnostic("P001", "warning", "made from a single input", Span(model.path, 9, 1, 9, 5),
                           name="single-input", subject="svc"),
                Diagnostic("P020", "error", "knowhow <held> by one person", Span(model.path, 3, 1, 3, 8),
                           name="personalized-knowhow", subject="dev", hint="name a second owner")]

    fake.lint_model = lint_model
    monkeypatch.setitem(sys.modules, "prep.linter", fake)
    monkeypatch.setitem(sys.modules, "prep.linter.hotspots", None)  # the documented fallback ranking


def test_html_report_has_every_part(fake_lint, cli, tmp_path):
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    out = tmp_path / "report.html"
    result = cli("report", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    assert "<title>機能追加 &lt;report&gt; &amp; co</title>" in html
    # `stage: intake` names a stage (a v1 model): the roadmap section follows the diagram
    assert page.headings == ["Diagram", "Roadmap", "Findings", "Hotspots", "Deliverables"]

    # the diagram is inline SVG with the findings drawn on it (health colours)
    svg = ET.fromstring(re.search(r"<svg\b.*?</svg>", html, re.S).group(0))
    node_fill = {}
    for g in svg.iter(SVG + "g"):
        if "node" in (g.get("class") or ""):
            texts = [t.text for t in g.iter(SVG + "text")]
            poly = next(g.iter(SVG + "polygon"), None)
            if texts and poly is not None:
                node_fill[texts[0]] = poly.get("fill")
    assert node_fill["開発ノウハウ"] == "#f4a6a0"   # error: red
    assert node_fill["追加サービス"] == "#fff08a"   # warning: yellow
    assert node_fill["仕様書"] == "#b7e1b0"        # no finding: green

    findings = page.tables["prep-findings"]
    assert [r[0] for r in findings[1:]] == ["error", "warning"]
    assert findings[1][4].startswith("knowhow <held> by one person")

    spots = page.tables["prep-hotspots"]
    assert spots[0] == ["#", "deliverable", "score", "risk", "downstream", "why"]
    # dev: error (3) + knowhow with one owner (2) = 5, reach spec, svc, approval = 3 -> 20
    assert spots[1][:5] == ["1", "開発ノウハウ", "20", "5", "3"]

    catalogue = {r[0].split("\n")[0]: r for r in page.tables["prep-catalogue"][1:]}
    # knowhow has no stage of its own: its effective one (a source: the first stage)
    assert catalogue["開発ノウハウ"][1:4] == ["knowhow", "開発リーダー", "intake"]
    assert catalogue["仕様書"][2] == "PM\n開発"
    assert catalogue["仕様書"][5] == "req\ndev" and catalogue["仕様書"][6] == "svc"
    assert catalogue["承認"][4] == "リリース" and catalogue["承認"][5] == "svc (sync)"
    assert catalogue["顧客要望リスト"][1] == "deliverable\nexternal" and catalogue["顧客要望リスト"][3] == "intake"
    assert "approval (mutual)" in catalogue["顧客要望リスト"][6]

    # self-contained: nothing to fetch, nothing to run, a print style sheet
    assert not any(t in ("script", "link", "img", "iframe", "object") for t, _ in page.tags)
    # the one url() is the SVG's embedded font, a data: URI (issue 14)
    assert not re.search(r"url\((?!data:font/woff2;base64,)|@import|\bsrc=|href=\"http", html)
    assert len(re.findall(r"url\(", html)) == 1
    assert "@media print" in html


def test_markdown_report_links_its_svg(fake_lint, cli, tmp_path):
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    result = cli("report", str(src), "-o", str(tmp_path / "r.md"))
    assert result.exit_code == 0, result.output
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert text.startswith("# 機能追加 &lt;report> & co\n")
    assert "![機能追加 <report> & co](r.svg)" in text
    svg = ET.fromstring((tmp_path / "r.svg").read_bytes())
    assert "開発ノウハウ" in {t.text for t in svg.iter(SVG + "text")}
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert ("| error | P020 | 3:1 | 開発ノウハウ<br>(dev) | knowhow &lt;held> by one person (hint: name a second owner) |"
            in rows)
    assert any(r.startswith("| 1 | 開発ノウハウ | 20 | 5 | 3 |") for r in rows)
    assert any(r.startswith("| 承認<br>(approval) | deliverable (final) |  | intake | リリース | svc (sync) |") for r in rows)


def test_report_without_a_lint_engine_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "prep.linter", None)  # import fails
    data, _ = build_report(prep.loads(MODEL), "html")
    assert "Lint is not available" in data.decode()


def test_hotspot_ranking_is_explained():
    model = prep.loads("knowhow k\na, k -> b\nb -> c\nc ~> d\n")
    spots = {h.name: h for h in hotspots(model, [])}
    assert spots["k"].reasons == ("knowhow with no named owner",) and spots["k"].reach == 3
    assert spots["k"].score == 2 * 4
    assert spots["c"].reasons == ("1 coordination relation", "made from a single input")
    assert "a" not in spots


def test_report_uses_the_lint_engines_hotspots_when_installed(tmp_path):
    from prep.linter import hotspots as hot
    model = prep.loads(MODEL)
    data, _ = build_report(model, "html")
    page = Page()
    page.feed(data.decode())
    table = page.tables["prep-hotspots"]
    assert table[0][:3] == ["#", "deliverable", "score"]
    expected = [[str(h.rank), model.deliverables[h.deliverable].display, f"{h.score:.2f}"] for h in hot.rank(model)]
    assert [r[:3] for r in table[1:]] == expected and expected


def test_report_usage_errors(cli, tmp_path):
    src = tmp_path / "m.prep"
    src.write_text("a -> b\n", encoding="utf-8")
    result = cli("report", str(src), "-o", str(tmp_path / "r.odt"))
    assert result.exit_code == 2 and "cannot tell the report format" in result.output
    # a file another command writes: that command is named
    for name, told in (("r.xlsx", "`prep export MODEL -o r.xlsx`"), ("r.pptx", "`prep render MODEL -o r.pptx`"),
                       ("r.doc", "give .docx")):
        result = cli("report", str(src), "-o", str(tmp_path / name))
        assert result.exit_code == 2 and told in result.output, result.output
        assert not (tmp_path / name).exists()
    result = cli("report", str(tmp_path / "missing.prep"))
    assert result.exit_code == 2 and "no such file" in result.output
    # --format, as prep render takes it: where the format comes from, not "No such option"
    for given, told in (("--format", "docx"), ("-f", "pdf")):
        result = cli("report", str(src), given, told)
        assert result.exit_code == 2, result.output
        assert f"takes its format from -o's extension: -o report.{told} (.html, .md, .pdf, .docx)" in result.output
    assert not list(tmp_path.glob("*.html"))


def test_checked_in_example_reports_are_current(monkeypatch):
    """docs/reports/ has the report page and PDF of every example, as built
    now (python docs/reports/build_reports.py rewrites them)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    examples = sorted((root / "examples").glob("*.prep"))
    assert examples
    monkeypatch.chdir(root)  # the reports name their model by its repository path
    for src in examples:
        model = prep.load(f"examples/{src.name}")
        for fmt in ("html", "pdf"):
            page = root / "docs" / "reports" / f"{src.stem}.{fmt}"
            assert page.exists(), f"missing {page}; run python docs/reports/build_reports.py"
            data, _ = build_report(model, fmt)
            assert data == page.read_bytes(), f"{page} is stale; run python docs/reports/build_reports.py"


STAGED = """\
title "受注から導入まで"
stage intake "受付 Intake" [exit: 見積書]
stage build "構築 Build"
knowhow 見積ノウハウ [owner: 営業]
deliverable 要望 [external, stage: intake]
deliverable 見積書 [stage: intake]
deliverable 設計書 [stage: build]
deliverable 完成品 [stage: build, final]
要望, 見積ノウハウ -> 見積書
見積書 -> 設計書
設計書 -> 完成品
要望, 見積書 ~> 完成品 [note: "顧客と `<~>` で合意 | 確認"]
"""


def _tables(html: str) -> dict:
    page = Page()
    page.feed(html)
    return page.tables


def test_catalogue_shows_stage_labels_effective_stages_and_relation_notes(cli, tmp_path):
    src = tmp_path / "m.prep"
    src.write_text(STAGED, encoding="utf-8")
    assert cli("report", str(src), "-o", str(tmp_path / "r.html")).exit_code == 0
    tables = _tables((tmp_path / "r.html").read_text(encoding="utf-8"))
    catalogue = {r[0].split("\n")[0]: r for r in tables["prep-catalogue"][1:]}
    # labels, not ids; knowhow placed nowhere sits in the first stage (it exists from the start)
    assert catalogue["見積書"][3] == "受付 Intake"
    assert catalogue["見積ノウハウ"][3] == "受付 Intake"
    assert catalogue["完成品"][3] == "構築 Build"
    # one row per relation statement with a note, its sources together
    assert tables["prep-relation-notes"] == [["from", "relation", "to", "note"],
                                             ["要望, 見積書", "~> synchronization", "完成品", "顧客と `<~>` で合意 | 確認"]]

    assert cli("report", str(src), "-o", str(tmp_path / "r.md")).exit_code == 0
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "| 見積ノウハウ | knowhow | 営業 | 受付 Intake |" in text
    assert "## Relation notes" in text
    assert "| 要望, 見積書 | ~> synchronization | 完成品 | 顧客と `<~>` で合意 \\| 確認 |" in text


def test_hints_with_code_are_escaped_for_each_format(monkeypatch):
    """A code span stays literal in Markdown (no `&lt;` inside it, which a
    renderer would show as is) and becomes <code> in HTML (no backticks)."""
    import prep.embed.report as report

    hint = "its `<~>` partner counts as an input; a <b> is text"
    monkeypatch.setattr(report, "lint_findings", lambda model, options=None: [
        Diagnostic("I101", "warning", "made from `a|b` only", Span(model.path, 2, 1, 2, 5), name="single-input",
                   subject="b", hint=hint)])
    model = prep.loads("a -> b\n")
    md = build_report(model, "md")[0].decode()
    row = next(line for line in md.splitlines() if line.startswith("| warning"))
    assert "made from `a\\|b` only (hint: its `<~>` partner counts as an input; a &lt;b> is text) |" in row
    assert "&lt;~>" not in md
    html = build_report(model, "html")[0].decode()
    assert ("hint: its <code>&lt;~&gt;</code> partner counts as an input; a &lt;b&gt; is text</small>" in html)
    assert "made from <code>a|b</code> only" in html and "`" not in html.split('id="findings"')[1].split("</table>")[0]


@pytest.mark.parametrize("width,height", [(21.0, 29.7), (21.59, 27.94)])   # A4, letter
def test_a_printed_html_report_leaves_no_heading_at_a_page_foot(browser, tmp_path, width, height):
    """cs-lifecycle's report printed from the browser on A4 or letter ended
    page 2 with the heading "Stage 2: 定着 Adopt", its table on page 3: the
    print style sheet kept section headings (h2) with what follows them,
    not a stage's (h3)."""
    import base64
    import io

    from pypdf import PdfReader
    from selenium.webdriver.common.print_page_options import PrintOptions

    from conftest import EXAMPLES

    model = prep.load(EXAMPLES / "cs-lifecycle.prep")
    out = tmp_path / "r.html"
    out.write_bytes(build_report(model, "html")[0])
    browser.get(out.as_uri())
    # the page breaks depend on the embedded fonts' metrics: print once they are loaded (under
    # load, a print before that broke the pages with the fallback font's, once in many runs)
    browser.execute_async_script("const done = arguments[arguments.length - 1];"
                                 "document.fonts.ready.then(() => done(document.fonts.size));")
    options = PrintOptions()
    options.page_width, options.page_height = width, height
    pages = PdfReader(io.BytesIO(base64.b64decode(browser.print_page(options)))).pages
    headings = {re.sub(r"\s+", "", t) for t in ["Diagram", "Roadmap", "Findings", "Hotspots", "Deliverables",
                                                "Relation notes"] + [st.display for st in model.stages.values()]}
    assert len(pages) >= 4
    for number, page in enumerate(pages[:-1], 1):
        lines = [line for line in page.extract_text().splitlines() if line.strip()]
        assert re.sub(r"\s+", "", lines[-1]) not in headings, f"page {number} ends with the heading {lines[-1]!r}"


def test_the_catalogue_names_a_deliverable_once_in_every_format():
    """A deliverable labelled "年間計画\\nYearly plan" was listed as
    "年間計画 / Yearly plan / (年間計画)" in the PDF and Word catalogue (and
    with its name in small print again in HTML), while the Markdown report
    never gave a name its label hides. The name is shown under the label
    where the label does not start with it, in every format."""
    import io

    import docx
    from pypdf import PdfReader

    model = prep.loads('deliverable 年間計画 "年間計画\\nYearly plan"\ndeliverable req "顧客要望リスト"\n'
                       "req, x -> 年間計画\n", "m.prep")
    html = _tables(build_report(model, "html")[0].decode())["prep-catalogue"]
    assert [r[0] for r in html[1:3]] == ["年間計画\nYearly plan", "顧客要望リスト\nreq"]
    md = build_report(model, "md")[0].decode()
    assert "| 年間計画<br>Yearly plan | deliverable |" in md and "| 顧客要望リスト<br>(req) | deliverable" in md
    document = docx.Document(io.BytesIO(build_report(model, "docx")[0]))
    (catalogue,) = [t for t in document.tables if t.rows[0].cells[0].text == "deliverable"]
    assert [r.cells[0].text for r in catalogue.rows[1:3]] == ["年間計画\nYearly plan", "顧客要望リスト\n(req)"]
    pdf = "".join(_pdf_text(p) for p in PdfReader(io.BytesIO(build_report(model, "pdf")[0])).pages)
    assert "(年間計画)" not in pdf and "顧客要望リスト(req)" in pdf


def test_the_html_catalogue_draws_each_kind_as_one_closed_box(browser, tmp_path):
    """The kind column's box ("deliverable" in a solid border, "knowhow" in
    a dashed one) held the flags below it ("external", "final") across a
    line break, so the browser drew it as two open halves: "deliverable"
    without its right border, "external" without its left."""
    from conftest import EXAMPLES

    out = tmp_path / "r.html"
    out.write_bytes(build_report(prep.load(EXAMPLES / "cs-onboarding.prep"), "html")[0])
    browser.get(out.as_uri())
    boxes = browser.execute_script(
        "return [...document.querySelectorAll('.prep-catalogue span[class^=kind-]')]"
        ".map(s => [s.textContent, s.getClientRects().length])")
    assert len(boxes) == 13 and ["deliverable", 1] in boxes and ["knowhow", 1] in boxes
    assert all(rects == 1 for _, rects in boxes), boxes


def test_printed_reports_show_code_spans_without_backticks(monkeypatch):
    """The PDF and Word findings tables printed the lint engine's code spans
    with their backticks (hint: name the holders with `[owner: [A, B]]`),
    and the HTML report's hotspot explanation had `prep lint --hotspots` in
    backticks; on paper a code span is in quotes, in HTML it is <code>."""
    import io

    import docx
    from pypdf import PdfReader

    import prep.embed.report as report

    monkeypatch.setattr(report, "lint_findings", lambda model, options=None: [
        Diagnostic("K201", "warning", "knowhow `k` is held by one person only", Span(model.path, 1, 1, 1, 5),
                   name="personal-knowhow", subject="k", hint="name the holders with `[owner: [A, B]]`")])
    model = prep.loads("knowhow k [owner: one]\nk, a -> b\n", "m.prep")
    pdf = "".join(_pdf_text(p) for p in PdfReader(io.BytesIO(build_report(model, "pdf")[0])).pages)
    document = docx.Document(io.BytesIO(build_report(model, "docx")[0]))
    word = "\n".join([p.text for p in document.paragraphs] +
                     [c.text for t in document.tables for r in t.rows for c in r.cells])
    for text in (pdf, word.replace(" ", "")):
        assert "`" not in text
        assert 'knowhow"k"isheldbyonepersononly' in text and 'hint:nametheholderswith"[owner:[A,B]]"' in text
    html = build_report(model, "html")[0].decode()
    hotspots = html.split('id="hotspots"')[1].split("</p>")[0]
    assert "<code>prep lint --hotspots</code>" in hotspots and "`" not in hotspots


@pytest.mark.parametrize("name", ["r.html", "r.md"])
def test_missing_output_folder_names_the_report_file(cli, tmp_path, name):
    src = tmp_path / "m.prep"
    src.write_text("a -> b\n", encoding="utf-8")
    out = tmp_path / "out" / name
    result = cli("report", str(src), "-o", str(out))
    assert result.exit_code == 2
    assert result.output.startswith(f"{out}:1:1: error: the folder {tmp_path / 'out'}/ does not exist\n")
    assert "hint: create it first (mkdir -p" in result.output
    assert "r.svg" not in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_an_output_prep_cannot_write_is_named_with_a_hint(cli, tmp_path):
    """-o under a file (not a folder) said "the folder ... does not exist"
    and hinted mkdir -p, which fails there; a Markdown report whose picture
    could not be written was reported as "/proc/r.svg:1:1: error: ...",
    naming the picture, not the report; an HTML report in such a folder
    said "cannot write the output", naming no file and hinting nothing."""
    src = tmp_path / "m.prep"
    src.write_text("a -> b\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    result = cli("report", str(src), "-o", str(tmp_path / "notes.txt" / "r.pdf"))
    assert result.exit_code == 2
    assert result.output.startswith(f"{tmp_path / 'notes.txt' / 'r.pdf'}:1:1: error: {tmp_path / 'notes.txt'} is a file, "
                                    "not a folder\n")
    assert "mkdir" not in result.output and "hint: choose another -o path" in result.output
    if not os.path.isdir("/proc/self"):
        return   # below: a folder no one can create a file in (Linux's /proc)
    for name in ("r.md", "r.html"):
        result = cli("report", str(src), "-o", f"/proc/{name}")
        assert result.exit_code == 2, result.output
        assert result.output.startswith(f"/proc/{name}:1:1: error: cannot write {name}: "), result.output
        assert "hint: " in result.output and "the output" not in result.output


# -------------------------------------------------------------- the PDF report

def _big_staged(n: int = 45) -> str:
    """STAGED with a long chain of deliverables: the catalogue needs pages."""
    lines = [STAGED]
    lines += [f'deliverable 成果物{k:02d} "成果物{k:02d} item {k}" [stage: build, owner: 担当{k % 3}]' for k in range(n)]
    lines += ["設計書 -> 成果物00"] + [f"成果物{k:02d} -> 成果物{k + 1:02d}" for k in range(n - 1)]
    return "\n".join(lines) + "\n"


def _pdf_text(page) -> str:
    # pypdf reads fpdf2's embedded encoding CMap with a NUL or space between
    # glyphs (poppler's pdftotext reads the text as written); the words are
    # what counts here
    return re.sub(r"[\s\x00]+", "", page.extract_text())


def _fonts(reader) -> list:
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            fonts.append(font.get_object())
    return fonts


def test_pdf_report_pages_tables_and_font(cli, tmp_path):
    from pypdf import PdfReader

    src = tmp_path / "m.prep"
    src.write_text(_big_staged(), encoding="utf-8")
    out = tmp_path / "r.pdf"
    result = cli("report", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    reader = PdfReader(out)
    # A4 landscape, every page
    for page in reader.pages:
        assert (round(float(page.mediabox.width), 1), round(float(page.mediabox.height), 1)) == (841.9, 595.3)
    texts = [_pdf_text(p) for p in reader.pages]
    # the pictures first (the title once, on page 1), then the tables
    assert texts[0].startswith("受注から導入まで") and "Diagram" in texts[0]
    first_table = next(i for i, t in enumerate(texts) if t.startswith("Stages"))
    assert first_table >= 3   # diagram, roadmap, a frame per stage
    assert all("Stages" not in t[:10] for t in texts[:first_table])
    # the deliverables table goes on over pages, its header row on each
    header = "deliverablekindownersstagegroupinputsconsumersnote"
    catalogue = [i for i, t in enumerate(texts) if i >= first_table and "item" in t and "担当" in t]
    assert len(catalogue) >= 2, "the catalogue should need more than one page"
    for i in catalogue:
        assert header in texts[i], f"page {i + 1} has catalogue rows but no header row"
    assert "成果物44item44" in "".join(texts)
    # relation notes, with their code span as written
    notes = next(t for t in texts if "Relationnotes" in t)
    assert "要望,見積書~>synchronization完成品顧客と`<~>`で合意|確認" in notes
    # prep's font, embedded (a CFF subset), and Japanese text extractable
    fonts = _fonts(reader)
    assert fonts
    for font in fonts:
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile3" in descriptor and "NotoSansCJK" in str(descriptor["/FontName"])
    assert "見積ノウハウ" in "".join(texts)


def test_pdf_report_lays_each_stage_frame_out_for_the_page(cli, tmp_path):
    """cs-lifecycle (34 deliverables, 4 stages) on A4: every picture is laid
    out for the page, none is a window on a picture cut into parts. Its
    stage frames, drawn on the whole model's layout and cut into parts, once
    took 32 of the report's 45 pages."""
    from pypdf import PdfReader

    out = tmp_path / "r.pdf"
    from conftest import EXAMPLES

    result = cli("report", str(EXAMPLES / "cs-lifecycle.prep"), "-o", str(out))
    assert result.exit_code == 0, result.output
    texts = [_pdf_text(p) for p in PdfReader(out).pages]
    assert not [i for i, t in enumerate(texts) if "Part1of" in t or "lay them side by side" in t]
    frames = [t for t in texts if t.startswith("AttheendofStage")]
    # each stage on the pages where it makes something: at least one, at most the diagram's pages
    for n, name in enumerate(("Onboard", "Adopt", "Expand", "Renew"), 1):
        mine = [t for t in frames if t.startswith(f"AttheendofStage{n}")]
        assert 1 <= len(mine) <= 3, (name, len(mine))
        assert all("pagesthemodelislaidouton" in t for t in mine)
    assert len(texts) <= 25, len(texts)


def test_each_stage_frame_of_a_printed_report_says_what_its_marks_mean():
    """A stage's frame in the PDF and Word reports drew what the stage makes
    with a double border and exit criteria with an "EXIT n" tag, with no
    legend and no word about either: a client saw marks without a key."""
    import io

    import docx
    from pypdf import PdfReader

    model = prep.loads(STAGED)
    key = "A double border marks what this stage makes; EXIT n, an exit criterion of stage n."
    texts = [_pdf_text(p) for p in PdfReader(io.BytesIO(build_report(model, "pdf")[0])).pages]
    frames = [t for t in texts if t.lower().startswith("attheendofstage")]
    assert len(frames) == 2 and all(re.sub(r"\s+", "", key) in t for t in frames)
    document = docx.Document(io.BytesIO(build_report(model, "docx")[0]))
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert sum(key in c for c in captions) == 2, captions


def test_a_stage_labelled_phase_n_is_not_numbered_twice():
    """Stages labelled "Phase 1: 製品企画" were titled "At the end of stage 1:
    Phase 1: 製品企画" in every report format: a label that names its stage's
    number with a word of its own ("Phase 1", "フェーズ2", "第3段階") is the
    title as it stands; a label that merely holds a number ("Q1 レビュー" as
    stage 2) keeps the stage's number."""
    import io

    import docx
    from pypdf import PdfReader

    model = prep.loads('title "新製品"\nstage a "Phase 1: 製品企画" [exit: 企画書]\nstage b "フェーズ2 設計" [exit: 設計書]\n'
                       'stage c "Q1 レビュー" [exit: 承認]\n'
                       'deliverable 市場調査 [external]\n市場調査 -> 企画書\n企画書 -> 設計書\n設計書 -> 承認\n', "m.prep")
    document = docx.Document(io.BytesIO(build_report(model, "docx")[0]))
    frames = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert frames == ["At the end of Phase 1: 製品企画", "At the end of フェーズ2 設計", "At the end of stage 3: Q1 レビュー"]
    texts = "".join(_pdf_text(p) for p in PdfReader(io.BytesIO(build_report(model, "pdf")[0])).pages)
    assert "AttheendofPhase1:製品企画" in texts and "stage1:Phase1" not in texts


def test_a_stage_labelled_with_its_number_is_not_numbered_twice():
    """renewal-roadmap's stages are labelled "1. 価値レビュー Value review",
    ...: the PDF and Word reports titled the frames "At the end of stage 1:
    1. 価値レビュー Value review"."""
    import io

    import docx
    from pypdf import PdfReader

    from conftest import EXAMPLES

    model = prep.load(EXAMPLES / "renewal-roadmap.prep")
    document = docx.Document(io.BytesIO(build_report(model, "docx")[0]))
    frames = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert frames == ["At the end of stage 1: 価値レビュー Value review", "At the end of stage 2: 提案 Proposal",
                      "At the end of stage 3: 交渉 Negotiation", "At the end of stage 4: 更新 Renewal"]
    texts = [_pdf_text(p) for p in PdfReader(io.BytesIO(build_report(model, "pdf")[0])).pages]
    for frame in frames:
        assert any(t.startswith(re.sub(r"\s+", "", frame)) for t in texts), frame
    assert "stage1:1." not in "".join(texts)


def test_every_report_shows_a_stages_note():
    """A stage's note (its definition, as a journey map writes one) was in
    the HTML and Markdown reports but in neither the PDF nor the Word one."""
    import io

    import docx
    from pypdf import PdfReader

    model = prep.loads('stage a "Stage 1: 契約 Contract" [note: "契約から稼働開始まで", exit: x]\n'
                       'stage b "Stage 2: 導入"\ndeliverable x [stage: a]\ndeliverable z [stage: b]\n'
                       'k, y -> x\nx -> z\n', "m.prep")
    assert "契約から稼働開始まで" in build_report(model, "html")[0].decode()
    assert "契約から稼働開始まで" in build_report(model, "md")[0].decode()
    pdf = "".join(_pdf_text(p) for p in PdfReader(io.BytesIO(build_report(model, "pdf")[0])).pages)
    assert "stagedeliverablesexitcriterianotefindingsStage1:契約Contractx,k,yx契約から稼働開始まで" in pdf
    document = docx.Document(io.BytesIO(build_report(model, "docx")[0]))
    (stages,) = [t for t in document.tables if t.rows[0].cells[0].text == "stage"]
    assert [[c.text for c in r.cells][:4] for r in stages.rows] == [
        ["stage", "deliverables", "exit criteria", "note"],
        ["Stage 1: 契約 Contract", "x, k, y", "x", "契約から稼働開始まで"], ["Stage 2: 導入", "z", "none", ""]]


def test_pdf_report_is_deterministic_and_takes_a_page():
    from io import BytesIO

    from pypdf import PdfReader

    model = prep.loads(STAGED)
    a, svg = build_report(model, "pdf")
    assert svg is None and a == build_report(model, "pdf")[0]
    portrait = PdfReader(BytesIO(build_report(model, "pdf", page="A4-portrait")[0]))
    assert (round(float(portrait.pages[0].mediabox.width)), round(float(portrait.pages[0].mediabox.height))) \
        == (595, 842)
    slides = PdfReader(BytesIO(build_report(model, "pdf", page="16:9")[0]))
    assert round(float(slides.pages[0].mediabox.width)) == 960


@pytest.mark.parametrize("width,height,text", [(300, 200, 12), (1490, 483, 10), (5000, 700, 10), (900, 3000, 14),
                                               (4000, 4000, 9), (800, 500, 5)])
def test_pictures_are_never_drawn_with_text_below_the_page_minimum(width, height, text):
    from prep.embed.report_pdf import OVERLAP, Picture, part_caption, plan_parts
    from prep.layouter.page import parse_page

    page = parse_page("A4")
    picture = Picture("Diagram", b"", width, height, text, text + 4, (0, 0, width, height))
    room_w, room_h = page.inner_width, page.inner_height - 60
    parts = plan_parts(0, picture, page, 60, room_w, room_h)
    for part in parts:
        assert text * part.scale >= page.min_text - 1e-9
        x0, y0, x1, y1 = part.window
        assert (x1 - x0) * part.scale <= room_w + 0.5 and (y1 - y0) * part.scale <= room_h + 0.5
    # the parts cover the picture, overlapping
    assert parts[0].window[:2] == (0, 0) and parts[-1].window[2:] == (width, height)
    if len(parts) > 1:
        caption = part_caption(picture, parts[0], page)
        assert caption.startswith(f"Part 1 of {len(parts)}") and "below the 7 pt minimum" in caption
        assert parts[1].window[0] < parts[0].window[2] or parts[1].window[1] < parts[0].window[3]
        assert OVERLAP > 0
    else:
        assert text * parts[0].scale >= page.min_text


def test_pdf_report_usage_errors(cli, tmp_path):
    src = tmp_path / "m.prep"
    src.write_text("a -> b\n", encoding="utf-8")
    result = cli("report", str(src), "-o", str(tmp_path / "r.pdf"), "--page", "A7")
    assert result.exit_code == 2
    assert "prep report: error: unknown page size 'A7'" in result.output and "did you mean 'A5'" in result.output
    result = cli("report", str(src), "-o", str(tmp_path / "r.html"), "--page", "A7")   # HTML: its pictures' page
    assert result.exit_code == 2
    assert "prep report: error: unknown page size 'A7'" in result.output and "did you mean 'A5'" in result.output
    result = cli("report", str(src), "-o", str(tmp_path / "no" / "r.pdf"))
    assert result.exit_code == 2
    assert f"r.pdf:1:1: error: the folder {tmp_path / 'no'}/ does not exist" in result.output
    result = cli("report", str(src), "-o", str(tmp_path))
    assert result.exit_code == 2 and "it is a folder" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.prep"]   # nothing half-written


def test_pdf_report_as_a_real_process(tmp_path):
    from conftest import run_prep
    from pypdf import PdfReader

    src = tmp_path / "m.prep"
    src.write_text(STAGED, encoding="utf-8")
    done = run_prep("report", str(src), "-o", str(tmp_path / "r.pdf"), "--page", "A3")
    assert done.returncode == 0, done.stderr
    reader = PdfReader(tmp_path / "r.pdf")
    assert round(float(reader.pages[0].mediabox.width)) == 1191


def test_pdf_report_draws_hostile_and_missing_glyph_text_as_text(tmp_path, capfd):
    from io import BytesIO

    from pypdf import PdfReader

    hostile = ('title "<script>x</script> 😀"\n'
               'deliverable A "]]><!-- --></svg><text>5</text> & <b>"\n'
               'A -> B [note: "`<~>` | \\\\ %PDF-1.4 endobj"]\n')
    data, _ = build_report(prep.loads(hostile, "hostile.prep"), "pdf")
    reader = PdfReader(BytesIO(data))
    text = "".join(_pdf_text(p) for p in reader.pages)
    assert "<script>x</script>" in text and "]]><!----></svg><text>5</text>&<b>" in text
    assert "`<~>`|\\%PDF-1.4endobj" in text
    assert "missing the following glyphs" not in capfd.readouterr().err   # the emoji the font lacks: quiet


def test_pdf_pictures_laid_out_for_the_page_only_when_that_saves_pages(monkeypatch):
    import prep.renderer.pages as pages
    from prep.embed.report import pdf_pictures
    from prep.layouter import layout
    from prep.layouter.page import parse_page

    model = prep.loads(STAGED)
    whole = layout(model, legend=True)
    page = parse_page("A4")
    fitted = pdf_pictures(model, whole, None, page)
    # this small model fits one page each: laid out for the page
    assert [p.title for p in fitted][:2] == ["Diagram", "Roadmap"] and fitted[0].sheet == (1, 1, "none")
    real = pages.render_pages

    def many(*args, **kwargs):
        out = real(*args, **kwargs)
        return pages.Pages(out.sheets * 5, out.files * 5)

    monkeypatch.setattr(pages, "render_pages", many)
    plain = pdf_pictures(model, whole, None, page)
    assert plain[0].title == "Diagram" and plain[0].sheet is None and plain[1].sheet is None

    def broken(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(pages, "render_pages", broken)
    assert [p.sheet for p in pdf_pictures(model, whole, None, page)][:2] == [None, None]


def test_stage_frames_are_drawn_the_way_the_diagram_is_when_it_costs_no_page():
    """cs-onboarding's PDF and Word reports drew the diagram left to right
    and the stage frames top to bottom (which fit the page at a larger
    text size): the same boxes read two ways in one report. The frames take
    the diagram's direction when that costs them no page."""
    from prep.embed.report import pdf_pictures
    from prep.embed.report_pictures import stage_frames
    from prep.embed.report_pdf import picture_room
    from prep.layouter import layout
    from prep.layouter.page import parse_page

    from conftest import EXAMPLES

    model = prep.load(EXAMPLES / "cs-onboarding.prep")
    pictures = pdf_pictures(model, layout(model, legend=True), None, parse_page("A4"))
    assert [p.title for p in pictures][:2] == ["Diagram", "Roadmap"]

    def at(svg: bytes, word: str) -> tuple[float, float]:
        m = re.search(rf'<text[^>]*x="([\d.-]+)" y="([\d.-]+)"[^>]*>{re.escape(word)}</text>', svg.decode("utf-8"))
        return float(m.group(1)), float(m.group(2))

    for picture in pictures[0:1] + [p for p in pictures if p.title.startswith("At the end of Stage 3")]:
        (x0, y0), (x1, y1) = at(picture.svg, "Contract"), at(picture.svg, "Exit: key features adopted")
        assert x1 - x0 > abs(y1 - y0), (picture.title, "left to right, as the diagram")
    def directions(model, room, **options) -> set[str]:
        return {f[0].layout.direction for f in stage_frames(model, None, room, **options)}

    room = picture_room(parse_page("A4"))
    assert directions(model, room) == {"TB"} and directions(model, room, prefer="LR") == {"LR"}
    assert directions(model, room, direction="TB", prefer="LR") == {"TB"}   # a direction given is kept
    # a preference, not a rule: where the diagram's direction would cost the frames pages
    # (generated 40 on a 16:9 page: its frames take 4 pages left to right, 7 top to bottom
    # as its diagram is drawn), they keep their own
    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    g40 = prep.loads(generate(40, seed=1, profile="local", stages=4), "g.prep")
    assert directions(g40, parse_page("16:9"), prefer="TB") == {"LR"}


def test_the_summary_counts_in_plain_english():
    """The report's first lines said "8 warning", "1 findings", "1 groups"."""
    model = prep.loads('group g {\n  knowhow k [owner: a]\n}\nk, x -> y\n', "m.prep")
    md = build_report(model, "md")[0].decode()
    assert "3 deliverables (1 knowhow), 2 relations (0 synchronization), 1 group\n" in md
    counts = re.search(r"(\d+) (findings?): (\d+) (errors?), (\d+) (warnings?), \d+ info", md)
    assert counts, md[:400]
    for n, word in zip(counts.groups()[0::2], counts.groups()[1::2]):
        assert word.endswith("s") == (n != "1"), counts.group(0)
    assert counts.group(5) != "0"   # the one-owner knowhow: at least one warning


def test_a_workspace_report_names_the_file_of_each_finding(tmp_path, monkeypatch):
    """A model kept in several files: the findings table said "4:9", not in
    which of the files (the deliverables table had a file column)."""
    (tmp_path / "prep.toml").write_text("[lint]\n", encoding="utf-8")
    (tmp_path / "main.prep").write_text('title "ws"\ninclude "teams/*.prep"\n', encoding="utf-8")
    (tmp_path / "teams").mkdir()
    (tmp_path / "teams" / "sales.prep").write_text("knowhow k [owner: one]\nk, a -> b\n", encoding="utf-8")
    (tmp_path / "teams" / "cs.prep").write_text("b, c -> d\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    model = prep.load("main.prep")
    md = build_report(model, "md")[0].decode()
    rows = [line for line in md.splitlines() if line.startswith("| warning | K201 |")]
    assert rows and rows[0].startswith("| warning | K201 | teams/sales.prep:1:9 |"), rows
    html = build_report(model, "html")[0].decode()
    assert "<td>teams/sales.prep:1:9</td>" in html
    single = build_report(prep.loads("knowhow k [owner: one]\nk, a -> b\n", "m.prep"), "md")[0].decode()
    assert "| warning | K201 | 1:9 |" in single   # one file: the line is enough


def test_pdf_report_breaks_a_file_path_at_its_separators_never_inside_a_name(cli, tmp_path, monkeypatch):
    """A workspace's file column in the PDF tables read "delive" / "ry.prep"
    and "success_o" / "nboarding_v2.prep": fpdf2 broke a path with no
    space wherever the column ended. Now a cell breaks at spaces and after
    path separators, and a column is at least as wide as its widest
    unbreakable piece (the file name), so every name is drawn whole."""
    from pypdf import PdfReader

    (tmp_path / "main.prep").write_text('title "ws"\ninclude "sales.prep"\ninclude "delivery.prep"\n'
                                        'include "teams/customer success/success_onboarding_v2.prep"\n',
                                        encoding="utf-8")
    (tmp_path / "sales.prep").write_text("knowhow k [owner: one]\nk, a -> b\n", encoding="utf-8")
    (tmp_path / "delivery.prep").write_text("b, c -> d\ne, d -> f\n", encoding="utf-8")
    (tmp_path / "teams" / "customer success").mkdir(parents=True)
    (tmp_path / "teams" / "customer success" / "success_onboarding_v2.prep").write_text(
        "f, g -> h\nh, i -> j\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = cli("report", str(tmp_path / "main.prep"), "-o", "r.pdf")
    assert result.exit_code == 0, result.output
    runs: list[str] = []   # each line of text as drawn
    for page in PdfReader(tmp_path / "r.pdf").pages:
        page.extract_text(visitor_text=lambda text, *_: runs.append(text.replace("\x00", "")))
    shown = "\n".join(runs)
    # the deliverables table: one row per deliverable, each naming its file whole on one line
    assert sum("success_onboarding_v2.prep" in r for r in runs) >= 4, shown
    assert sum("delivery.prep" in r for r in runs) >= 4, shown
    assert sum("sales.prep" in r for r in runs) >= 3, shown
    assert not any(r.strip().startswith(("nboarding", "ry.prep", "prep")) for r in runs), shown


def test_every_report_of_a_model_with_measures_lists_them(tmp_path):
    """The KPIs tie the roadmap to the health score, but no report showed
    them: a client reading the Word or PDF report did not see what each
    stage is measured by, nor the thresholds of its colours."""
    import io

    import docx

    from conftest import EXAMPLES
    from prep.embed.report import pdf_tables

    model = prep.load(EXAMPLES / "cs-onboarding.prep")
    row = ("定着率 Weekly active users", "主要機能の定着 Exit: key features adopted", "利用データ Usage data",
           "Stage 3: 導入 Adoption", ">= 60%", ">= 60%", ">= 45%", ">= 30%", "adoption", "CSチーム")
    (table,) = [t for t in pdf_tables(model, []) if t.heading == "Measures"]
    # (a threshold's space is a no-break space in the PDF and Word tables: kept on one line)
    shown = [tuple(c.replace("\xa0", " ") for c in r) for r in table.rows]
    assert table.columns == ("measure", "observes", "data from", "stage", "target", "green", "lime", "yellow",
                             "DEAR", "owners") and row in shown and len(table.rows) == 4
    md = build_report(model, "md")[0].decode("utf-8")
    assert md.index("## Measures") < md.index("## Findings") and "| " + " | ".join(row).replace(
        "<", "&lt;") + " |" in md
    html = build_report(model, "html")[0].decode("utf-8")
    assert '<h2 id="measures">Measures</h2>' in html and "<td>&gt;= 45%</td>" in html
    document = docx.Document(io.BytesIO(build_report(model, "docx")[0]))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings.index("Measures") < headings.index("Findings")
    assert any([c.text.replace("\xa0", " ") for c in r.cells] == list(row) for t in document.tables for r in t.rows)
    # a model without measures: no such table
    plain = prep.load(EXAMPLES / "cs-lifecycle.prep")
    assert "Measures" not in [t.heading for t in pdf_tables(plain, [])]
    assert "## Measures" not in build_report(plain, "md")[0].decode("utf-8")


def test_pdf_report_goes_on_with_a_row_taller_than_a_page(cli, tmp_path):
    """A deliverable with a long note (twenty sentences) made a catalogue row
    taller than an A4 page, and the PDF report stopped with "internal
    error: The row with index 1 is too high". The row now goes on over
    rows of a page each, the first cell of the next saying so, every word
    of the note drawn."""
    from pypdf import PdfReader

    sentences = [f"Sentence {k} of the note says the plan is reviewed every quarter with the sponsor."
                 for k in range(1, 21)]
    src = tmp_path / "m.prep"
    src.write_text(f'deliverable A [note: "{" ".join(sentences)}"]\nknowhow K [owner: X]\nA, K -> B\n',
                   encoding="utf-8")
    out = tmp_path / "r.pdf"
    result = cli("report", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    header = "deliverablekindownersgroupinputsconsumersnote"
    texts = [_pdf_text(p) for p in PdfReader(out).pages]
    catalogue = [t for t in texts if header in t]
    assert len(catalogue) >= 2 and all(t.startswith(header + "(cont.)") for t in catalogue[1:]), catalogue
    # the note whole, in order, over the pages (less the footers and the repeated header)
    drawn = re.sub(r"m·\d+/\d+", "", "".join(catalogue)).replace(header + "(cont.)", "")
    assert re.sub(r"\s+", "", " ".join(sentences)) in drawn


def test_pdf_report_keeps_a_table_heading_on_the_page_of_its_first_row(cli, tmp_path):
    """A deliverable with a 210-character name made the catalogue's first
    row 20 lines tall; it did not fit below the heading "Deliverables" at
    the foot of page 2, so fpdf2 moved it to page 3 and left the heading
    alone there."""
    from pypdf import PdfReader

    src = tmp_path / "m.prep"
    src.write_text(f'deliverable "{"とても長い名前" * 30}"\nA -> B\n', encoding="utf-8")
    out = tmp_path / "r.pdf"
    assert cli("report", str(src), "-o", str(out)).exit_code == 0
    texts = [_pdf_text(p) for p in PdfReader(out).pages]
    (page,) = [t for t in texts if "Deliverables" in t]
    assert "Deliverables" + "deliverablekindownersgroupinputsconsumersnote" + "とても長い名前" in page


def test_pdf_report_keeps_a_long_title_on_the_page(cli, tmp_path):
    """A title of 190 characters ran off the page: off the right edge above
    the first picture, off the left edge in every page's footer. Both are
    one line within the margins now, cut short with an ellipsis."""
    from pypdf import PdfReader

    title = "顧客成功プロセス改善プロジェクト 2026年度 第2四半期 全社横断 " * 5
    src = tmp_path / "m.prep"
    src.write_text(f'title "{title.strip()}"\nknowhow K [owner: X]\nK, A -> B\n', encoding="utf-8")
    out = tmp_path / "r.pdf"
    assert cli("report", str(src), "-o", str(out)).exit_code == 0
    reader = PdfReader(out)
    width = float(reader.pages[0].mediabox.width)
    for number, page in enumerate(reader.pages, 1):
        runs = []
        page.extract_text(visitor_text=lambda text, cm, tm, font, size: runs.append((text.replace("\x00", ""),
                                                                                    tm[4], size)))
        (footer,) = [(text, x) for text, x, _ in runs if f"· {number} /" in text]
        assert footer[0].startswith("顧客成功プロセス改善") and "…" in footer[0] and 0 < footer[1] < width / 2, footer
        if number == 1:
            heading = next(r for r in runs if r[0].strip())   # drawn first
            assert heading[0].startswith("顧客成功プロセス改善") and heading[0].endswith("…"), heading


@pytest.mark.parametrize("option", [("--page", "50x30mm"), ("--page", "105x148mm"), ("--min-text", "36")])
def test_pdf_report_on_a_page_too_small_for_its_tables_says_so(cli, tmp_path, option):
    """A6 portrait, or tables of 36 pt text on A4, stopped the PDF report
    with an internal error from the table library (a row too high, a column
    narrower than a character)."""
    src = tmp_path / "m.prep"
    src.write_text("knowhow K [owner: X]\nK, A -> B\n", encoding="utf-8")
    result = cli("report", str(src), "-o", str(tmp_path / "r.pdf"), *option)
    assert result.exit_code == 2, result.output
    assert re.search(r"prep report: error: the page \(\d+ x \d+ pt\) is too (small|narrow) for the report's",
                     result.output), result.output
    assert "hint: choose a larger --page (A4, A3, or WxH" in result.output
    assert ("at 36 pt text (--min-text)" in result.output and "or a smaller --min-text" in result.output) == (
        option[0] == "--min-text")
    assert "internal error" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("suffix", ["html", "md", "pdf", "docx"])
def test_the_report_names_the_model_file_not_the_consultants_folders(tmp_path, suffix):
    """Given as an absolute path (/home/me/clients/acme/model.prep), the
    model was named so on the report's first page: the consultant's folders
    in the client's report. It is named by its file name, as the workspace's
    files are named from the root's folder."""
    folder = tmp_path / "clients" / "acme-secret"
    folder.mkdir(parents=True)
    model = folder / "model.prep"
    model.write_text('title "T"\ndeliverable a [external]\na -> b\n', encoding="utf-8")
    from conftest import run_prep

    out = tmp_path / f"r.{suffix}"
    got = run_prep("report", str(model), "-o", str(out))
    assert got.returncode == 0, got.stderr
    if suffix in ("html", "md"):
        text = out.read_text(encoding="utf-8")
    elif suffix == "pdf":
        import subprocess

        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    else:
        import zipfile

        text = zipfile.ZipFile(out).read("word/document.xml").decode("utf-8")
    assert "model.prep" in text
    assert "acme-secret" not in text and str(tmp_path) not in text


def test_the_findings_table_names_its_subject_alike_in_every_format():
    """The column saying what a finding is about had one title everywhere
    ("deliverable") but showed the name in HTML and Markdown and the label
    in PDF and Word, and for a finding about a stage (T404) an exit
    criterion instead of the stage. Now: "subject", the label, with the name
    under it where the label does not start with it (as the catalogue)."""
    import io

    import docx
    from pypdf import PdfReader

    model = prep.loads('stage review "Value review" [exit: report]\nstage proposal "提案" [exit: offer]\n'
                       'deliverable usage [external]\nknowhow method [owner: [Ito, Mori]]\ndeliverable report\n'
                       'knowhow pricing "価格判断" [owner: Sato]\ndeliverable budget [external, stage: proposal]\n'
                       'deliverable offer "更新提案書" [final]\nusage, method -> report\n'
                       'report, budget, pricing -> offer\n', "m.prep")
    assert sorted(d.code for d in prep.lint(model)) == ["K201", "T404"]
    html = _tables(build_report(model, "html")[0].decode())["prep-findings"]
    assert html[0][3] == "subject" and sorted(r[3] for r in html[1:]) == ["価格判断\npricing", "提案\nproposal"]
    md = build_report(model, "md")[0].decode()
    assert "| severity | code | where | subject | message |" in md
    assert "| 価格判断<br>(pricing) |" in md and "| 提案<br>(proposal) |" in md
    document = docx.Document(io.BytesIO(build_report(model, "docx")[0]))
    (table,) = [t for t in document.tables if t.rows[0].cells[3].text == "subject"]
    assert sorted(r.cells[3].text for r in table.rows[1:]) == ["価格判断\n(pricing)", "提案\n(proposal)"]
    pdf = "".join(_pdf_text(p) for p in PdfReader(io.BytesIO(build_report(model, "pdf")[0])).pages)
    findings = pdf[pdf.index("Findings"):pdf.index("Hotspots")]
    assert "wheresubjectmessage" in findings and "提案(proposal)" in findings and "価格判断(pricing)" in findings
    assert "更新提案書" not in findings


def test_a_stage_frame_laid_out_on_one_page_is_not_page_0_of_0(tmp_path):
    """cs-onboarding on a 16:9 page: its frames are laid out over pages (cut
    at its stages) that come to one page, and each frame was captioned
    "Page 0 of the 0 pages the model is laid out on"."""
    import subprocess

    from conftest import EXAMPLES, run_prep

    out = tmp_path / "r.pdf"
    done = run_prep("report", str(EXAMPLES / "cs-onboarding.prep"), "--page", "16:9", "-o", str(out))
    assert done.returncode == 0, done.stderr
    text = " ".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "Page 0 of" not in text and "of the 0 pages" not in text
    assert text.count("At the end of Stage") == 3 and text.count("Laid out for this page. A double border") == 3


def test_the_measures_table_writes_the_dear_category_as_the_lint_table_does(cli, tmp_path):
    """The report's measures table wrote a KPI's DEAR category as typed in
    the model ("roi"), under a "DEAR" heading, where `prep lint --measures`
    writes "ROI": the report a client reads said "roi"."""
    from conftest import EXAMPLES

    out = tmp_path / "r.md"
    result = cli("report", str(EXAMPLES / "cs-onboarding.prep"), "-o", str(out))
    assert result.exit_code == 0, result.output
    row = next(line for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("| 削減時間"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert "ROI" in cells and "roi" not in cells, cells
    assert "adoption" in next(line for line in out.read_text(encoding="utf-8").splitlines()
                              if line.startswith("| 定着率"))


@pytest.mark.parametrize("example", ["cs-lifecycle.prep"])   # order-to-cash-to-be failed alike (3.6 s more)
def test_a_printed_reports_markers_name_the_reports_own_pages(example):
    """The PDF and Word reports' off-page markers name the report's pages:
    each section counted from "p. 1" (the diagram's, the roadmap's, and
    the stage frames' the model's layout pages, which a stage's section
    may not print), so one "p. 2" meant three pages of one document."""
    import io

    from pypdf import PdfReader

    from conftest import EXAMPLES
    from prep.embed.report import docx_pictures, report_page

    model = prep.load(EXAMPLES / example)
    texts = [_pdf_text(p) for p in PdfReader(io.BytesIO(build_report(model, "pdf")[0])).pages]
    marker = re.compile(r"([^\s,→↓↑←+]+?)(?:\+\d+)?,pp?\.(\d+(?:,\d+)*)")
    # the text runs boxes together: a marker's name is the longest label its text ends with
    labels = sorted({re.sub(r"\s+", "", d.display.split("\n")[0]) for d in model.deliverables.values()}, key=len)
    checked, frames_checked = 0, 0
    for number, text in enumerate(texts, 1):
        for run, pages in marker.findall(text):
            name = next((label for label in reversed(labels) if run.endswith(label)), None)
            if name is None:
                continue
            shown = [int(p) for p in pages.split(",")]
            assert all(1 <= p <= len(texts) for p in shown), (number, name, pages)
            assert any(name in texts[p - 1] for p in shown), (number, name, pages)
            checked += 1
            frames_checked += text.startswith("Attheend")
    assert checked >= 10 and frames_checked >= 3, (checked, frames_checked)
    assert not any("p.1ispage" in t for t in texts)
    # the Word report: each shot a page after the title page
    shots = docx_pictures(model, prep.layout(model), None, report_page(None, None))
    labels = [" ".join(re.findall(r'label="([^"]*)"', s.dot)) for s in shots]
    seen = 0
    for k, text in enumerate(labels):
        for name, pages in re.findall(r"([^\s,→↓↑←+]+?)(?: \+\d+)?, pp?\. (\d+(?:, \d+)*)", text):
            shown = [int(p) for p in pages.split(", ")]
            assert all(2 <= p <= len(shots) + 1 for p in shown), (k + 2, name, pages)
            assert any(name in labels[p - 2] for p in shown), (k + 2, name, pages)
            seen += 1
    assert seen >= 10


def test_a_report_of_a_model_read_from_text_names_no_file():
    """`prep.loads(text)`: the report said "model: <string>" on the title
    page, a name the client never wrote; a model from a file keeps its line."""
    from io import BytesIO

    from pypdf import PdfReader

    from conftest import EXAMPLES

    text = 'title "受注"\ndeliverable 要望 [external]\nknowhow 見積ノウハウ [owner: [A, B]]\n要望, 見積ノウハウ -> 見積書\n'
    html = prep.report(prep.loads(text), "html").decode("utf-8")
    assert "model: " not in html and "&lt;string&gt;" not in html and "見積書" in html
    pdf = "".join(p.extract_text() for p in PdfReader(BytesIO(prep.report(prep.loads(text), "pdf"))).pages)
    assert "<string>" not in pdf and "model:" not in pdf
    assert "model: cs-onboarding.prep" in prep.report(prep.load(EXAMPLES / "cs-onboarding.prep"), "html").decode()


@pytest.mark.parametrize("split,said", [("stages", "the model cut at its stages."), ("layers", "the model cut along its flow."),
                                        ("tiles", "the model cut in blocks."), ("none", "(text 9 pt).")])
def test_a_printed_reports_caption_says_every_way_of_cutting(split, said):
    """A model cut in blocks read "..., the model cut . A relation ..." (a
    new user's 149-deliverable report, on 15 pages)."""
    from prep.embed.report_pdf import Part, Picture, part_caption

    picture = Picture("x", b"", 100, 100, 9, 9, (0, 0, 100, 100), sheet=(2, 5, split))
    part = Part(0, 1, 1, 1, 1, 1, 1, (0, 0, 100, 100), 1.0, 1.0, (0, 0))
    caption = part_caption(picture, part, None)
    assert caption.startswith("Page 2 of 5, laid out for this page (text 9 pt)") and said in caption, caption
    assert " cut ." not in caption and "  " not in caption
