"""The Health section of the PDF and Word reports (`prep report --status
DATA [--customer NAME] -o report.pdf|docx`): the table `prep status` prints
(one customer's measures, or the counts with their total row), the health
colours as filled cells that also say the colour's name, the customer's
roadmap coloured by its values; located errors for bad data, as for HTML.
Read back with pdftotext (poppler) and python-docx, and the Word report
through LibreOffice: skipped without soffice/pdftotext, failed instead
when PREP_REQUIRE_OFFICE=1 (CI, .ci/run)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import EXAMPLES, run_prep
from prep.renderer.dot import STATUS_FILL

REQUIRED = os.environ.get("PREP_REQUIRE_OFFICE") == "1"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MODEL = str(EXAMPLES / "cs-onboarding.prep")
DATA = str(EXAMPLES / "cs-onboarding.values.csv")
# アクメ商事's rows as `prep status --customer アクメ商事` prints them
ACME_ROWS = [
    ["contract", "ライセンス割当率 Licences assigned", "96%", "green", ">= 90%", "2026-11-02"],
    ["kickoff", "合意までの日数 Days to an agreed plan", "12 日", "green", "<= 14 日", "2026-11-09"],
    ["adoption", "定着率 Weekly active users", "52%", "lime", ">= 60%", "2026-11-30"],
    ["adoption", "削減時間 Hours saved a month", "22 時間", "yellow", ">= 40 時間", "2026-11-30"],
]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (Debian: poppler-utils, libreoffice-writer)"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return path


def pdf_words(path) -> list[tuple[int, str, float, float, float, float, float, float]]:
    """Every word of a PDF: (page, text, xMin, yMin, xMax, yMax, page width, page height), by pdftotext -bbox."""
    html = subprocess.run([_tool("pdftotext"), "-bbox", str(path), "-"], capture_output=True, check=True).stdout
    root = ET.fromstring(re.sub(rb"<!DOCTYPE[^>]*>", b"", html).replace(b' xmlns="http://www.w3.org/1999/xhtml"', b""))
    out = []
    for number, page in enumerate(root.iter("page"), 1):
        w, h = float(page.get("width")), float(page.get("height"))
        for word in page.iter("word"):
            out.append((number, word.text or "", *(float(word.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")), w, h))
    return out


def page_texts(path) -> list[str]:
    text = subprocess.run([_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout
    return text.split("\f")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def assert_inside_the_pages(words, margin: float = 1.0) -> None:
    outside = [w for w in words if w[2] < margin or w[4] > w[6] - margin or w[3] < margin or w[5] > w[7] - margin]
    assert not outside, outside[:5]


# ------------------------------------------------------------------ PDF


def test_pdf_report_has_the_health_section_of_one_customer(tmp_path):
    out = tmp_path / "r.pdf"
    done = run_prep("report", MODEL, "--status", DATA, "--customer", "アクメ商事", "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    pages = [squeeze(p) for p in page_texts(out)]
    (at,) = [i for i, p in enumerate(pages) if "stage reached adoption" in p]
    table = pages[at]
    assert "Health" in table and "アクメ商事: stage reached adoption (Stage 3: 導入 Adoption), health yellow" in table
    assert "stage measure value colour target as of" in table
    for row in ACME_ROWS:
        assert " ".join(row) in table, row
    # the Health table comes first among the tables, after the customer's picture
    assert table.index("Health") < table.index("Measures")
    picture = pages[at - 1]
    assert "Health" in picture and "アクメ商事, 2026-11-30" in picture   # the picture's own title
    assert "定着率: 52% (lime)" in picture and "削減時間: 22 時間 (yellow)" in picture
    assert "worst colour of their measures" in picture
    # the colours as filled cells: green, lime and yellow are painted on the table's page
    from pypdf import PdfReader

    content = PdfReader(out).pages[at].get_contents().get_data().decode("latin-1")
    painted = [tuple(float(x) for x in m) for m in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) rg", content)]
    for colour in ("green", "lime", "yellow"):
        rgb = tuple(int(STATUS_FILL[colour][i:i + 2], 16) / 255 for i in (1, 3, 5))
        assert any(max(abs(a - b) for a, b in zip(rgb, p)) < 0.002 for p in painted), colour
    assert_inside_the_pages(pdf_words(out))


def test_pdf_report_health_of_every_customer_ends_with_the_total_row(tmp_path):
    out = tmp_path / "r.pdf"
    done = run_prep("report", MODEL, "--status", DATA, "-o", str(out), "--page", "A4-portrait")
    assert done.returncode == 0, done.stderr.decode()
    pages = [squeeze(p) for p in page_texts(out)]
    (table,) = [p for p in pages if "customers of" in p]
    # the data by its file's name, not the consultant's folders
    assert "4 customers of cs-onboarding.values.csv by the stage reached and health" in table
    assert str(EXAMPLES) not in "".join(pages)
    assert "stage green lime yellow red no data total" in table
    assert "adoption (Stage 3: 導入 Adoption) 0 0 1 0 0 1" in table
    assert "total 1 0 3 0 0 4" in table
    assert not any("worst colour of their measures" in p for p in pages)   # no customer named: no picture
    assert_inside_the_pages(pdf_words(out))


# ------------------------------------------------------------------ Word


def _docx_tables(data: bytes) -> dict:
    from test_report_docx import read, tables_by_heading

    doc = read(data)
    return doc, tables_by_heading(doc)


def _fill(tc) -> str | None:
    shade = tc.find(f"{W}tcPr/{W}shd")
    return None if shade is None else "#" + shade.get(W + "fill").lower()


def test_word_report_has_the_health_section_of_one_customer(tmp_path):
    out = tmp_path / "r.docx"
    done = run_prep("report", MODEL, "--status", DATA, "--customer", "アクメ商事", "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    doc, tables = _docx_tables(out.read_bytes())
    assert tables["Health"][0] == ["stage", "measure", "value", "colour", "target", "as of"]
    assert tables["Health"][1:] == ACME_ROWS
    texts = [p.text for p in doc.paragraphs]
    assert "アクメ商事: stage reached adoption (Stage 3: 導入 Adoption), health yellow" in texts
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    # the customer's picture after the stage frames, its table first among the tables
    assert headings.index("Health") < headings.index("Measures")
    assert headings.count("Health") == 2 and any(t.startswith("Health: page ") for t in texts)
    assert any("worst colour of their measures" in p.text for p in doc.paragraphs if p.style.name == "Caption")
    (table,) = [t for t in doc.tables if t.rows[0].cells[0].text == "stage" and t.rows[0].cells[3].text == "colour"]
    header = table.rows[0]._tr.find(f"{W}trPr/{W}tblHeader")
    assert header is not None and header.get(W + "val") == "true"
    for row in table.rows[1:]:
        assert row._tr.find(f"{W}trPr/{W}cantSplit") is not None
        colour = row.cells[3].text
        assert _fill(row.cells[3]._tc) == STATUS_FILL[colour]     # the colour, and its name in the cell
        assert _fill(row.cells[0]._tc) is None


def test_word_report_health_of_every_customer_ends_with_the_total_row(tmp_path):
    out = tmp_path / "r.docx"
    done = run_prep("report", MODEL, "--status", DATA, "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    doc, tables = _docx_tables(out.read_bytes())
    rows = tables["Health"]
    assert rows[0] == ["stage", "green", "lime", "yellow", "red", "no data", "total"]
    assert rows[-1] == ["total", "1", "0", "3", "0", "0", "4"]
    assert ["done (every stage's exit measured green or lime)", "1", "0", "0", "0", "0", "1"] in rows
    (table,) = [t for t in doc.tables if t.rows[0].cells[1].text == "green"]
    # the colour columns' headers filled with their colour; the total row stands out as the header does
    assert [_fill(c._tc) for c in table.rows[0].cells[1:5]] == [STATUS_FILL[c] for c in rows[0][1:5]]
    assert all(r.bold for c in table.rows[-1].cells for p in c.paragraphs for r in p.runs)
    assert not any("worst colour of their measures" in p.text for p in doc.paragraphs)


def test_word_report_health_through_libreoffice_stays_inside_the_page(tmp_path):
    soffice = _tool("soffice")
    out = tmp_path / "r.docx"
    done = run_prep("report", MODEL, "--status", DATA, "--customer", "アクメ商事", "-o", str(out),
                    "--page", "A4-portrait")
    assert done.returncode == 0, done.stderr.decode()
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=180)
    pages = [squeeze(p) for p in page_texts(tmp_path / "r.pdf")]
    (table,) = [p for p in pages if "stage reached adoption" in p]
    assert "stage measure value colour target as of" in table
    for row in ACME_ROWS:
        assert " ".join(row) in table, row
    assert_inside_the_pages(pdf_words(tmp_path / "r.pdf"))


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("suffix", ["pdf", "docx"])
def test_bad_data_gives_the_located_errors_of_the_html_report(tmp_path, suffix, cli):
    bad = tmp_path / "values.csv"
    bad.write_text("customer,measure,value\nA,定着率2,3\nA,定着率,abc\n", encoding="utf-8")
    html = cli("report", MODEL, "--status", str(bad), "-o", str(tmp_path / "r.html"))
    got = cli("report", MODEL, "--status", str(bad), "-o", str(tmp_path / f"r.{suffix}"))
    assert got.exit_code == html.exit_code == 2
    assert got.output == html.output
    assert f"{bad}:2:3: error: unknown measure '定着率2'" in got.output and "did you mean '定着率'?" in got.output
    assert f"{bad}:3:" in got.output   # every bad row at once
    unknown = cli("report", MODEL, "--status", DATA, "--customer", "アクメ", "-o", str(tmp_path / f"r.{suffix}"))
    assert unknown.exit_code == 2 and "the data has no customer 'アクメ'" in unknown.output
    alone = cli("report", MODEL, "--customer", "アクメ商事", "-o", str(tmp_path / f"r.{suffix}"))
    assert alone.exit_code == 2 and "use it with --status DATA" in alone.output
    missing = cli("report", MODEL, "--status", str(tmp_path / "none.csv"), "-o", str(tmp_path / f"r.{suffix}"))
    assert missing.exit_code == 2 and "none.csv:1:1: error: cannot read the data" in missing.output
    assert not (tmp_path / f"r.{suffix}").exists()


def test_a_long_health_table_goes_on_over_pages_with_its_header_row(tmp_path):
    """60 measures of one customer: the Health table runs over pages in the
    PDF and (through LibreOffice) in the Word report, its header row on
    each page, every row whole on one page, the colour cells filled."""
    lines = ['title "many measures"', "deliverable 元データ [external]"]
    for k in range(60):
        lines += [f'deliverable 成果物{k:02d} "成果物{k:02d} deliverable {k}"', f"元データ, 手順{k % 3} -> 成果物{k:02d}",
                  f'measure 指標{k:02d} "指標{k:02d} measure number {k}" [of: 成果物{k:02d}, target: ">= 60%", '
                  'green: ">= 60%", lime: ">= 45%", yellow: ">= 30%"]']
    model = tmp_path / "m.prep"
    model.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = tmp_path / "values.csv"
    data.write_text("measure,value\n" + "".join(f"指標{k:02d},{20 + k}%\n" for k in range(60)), encoding="utf-8")
    header = "measure value colour target"
    rows = [f"指標{k:02d} measure number {k} {20 + k}% {'green' if 20 + k >= 60 else 'lime' if 20 + k >= 45 else 'yellow' if 20 + k >= 30 else 'red'} >= 60%"
            for k in range(60)]
    out = tmp_path / "r.pdf"
    done = run_prep("report", str(model), "--status", str(data), "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    soffice = _tool("soffice")
    docx = tmp_path / "w.docx"
    assert run_prep("report", str(model), "--status", str(data), "-o", str(docx)).returncode == 0
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
                   check=True, capture_output=True, timeout=180)
    for pdf in (out, tmp_path / "w.pdf"):
        # (without spaces: Writer's text has one between 指標 and 00)
        pages = [re.sub(r"\s+", "", p) for p in page_texts(pdf)]
        health = [p for p in pages if re.search(r"指標\d\dmeasurenumber\d+\d+%", p)]
        assert len(health) >= 2, pdf                               # over pages ...
        assert all(f"stage{header.replace(' ', '')}" in p for p in health), pdf   # ... the header row on each
        for row in rows:                                           # every row whole on one page
            assert any(row.replace(" ", "") in p for p in health), (pdf, row)
        assert_inside_the_pages(pdf_words(pdf))
