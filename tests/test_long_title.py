"""A long model title (130 characters, Japanese and English) on a page:
`prep render --page`, the PDF and Word reports. It was drawn on one line:
the page's picture grew wider than A4 (with a warning), the report's
pictures were cut at the page's edge (the title and the legend), a stage
frame's title ran past the page, and the Word report shrank its pictures
below the page's minimum text to make room. The title is now wrapped to
the page (at spaces and between CJK characters), every property of a
fitted page holds (`test_pages.check_sheets`: inside the margins, no text
on text), and every word of the reports is inside its page."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace

import pytest

import prep
from conftest import EXAMPLES, run_prep
from prep.layouter.fit import fit_pages
from prep.layouter.page import parse_page
from test_pages import check_sheets
from test_report_health import _tool, assert_inside_the_pages, pdf_words

TITLE = ("顧客成功オンボーディングの全体像と各段階の出口条件および健全性スコアの測定基準と顧客ごとの到達状況を示す"
         "業務改革プロジェクト報告書 Customer success onboarding whole picture with every exit criterion")


@pytest.fixture
def long_model(tmp_path):
    text = (EXAMPLES / "cs-onboarding.prep").read_text(encoding="utf-8")
    text = re.sub(r'^title ".*"$', f'title "{TITLE}"', text, count=1, flags=re.M)
    path = tmp_path / "long.prep"
    path.write_text(text, encoding="utf-8")
    return path


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("page_name", ["A4", "A4-portrait", "16:9"])
def test_a_long_title_is_wrapped_to_fit_the_page(long_model, page_name):
    model = prep.load(str(long_model))
    page = parse_page(page_name)
    sheets = fit_pages(model, page)
    check_sheets(model, sheets, page)   # the title inside the margins, no text on another
    for s in sheets:
        (title,) = [t for t in s.layout.texts if t.kind == "title"]
        assert title.text.count("\n") >= 1 and squeezed(title.text).startswith(squeezed(TITLE))
    # a title that fits is left on one line
    short = fit_pages(replace(model, title="CS オンボーディング"), page)
    assert [t.text for t in short[0].layout.texts if t.kind == "title"] == ["CS オンボーディング"]


def test_render_a4_pdf_with_a_long_title_stays_a4(long_model, tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "x.pdf"
    done = run_prep("render", str(long_model), "--page", "A4", "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    assert b"does not fit" not in done.stderr and b"warning" not in done.stderr, done.stderr.decode()
    for p in PdfReader(out).pages:
        assert (round(float(p.mediabox.width)), round(float(p.mediabox.height))) == (842, 595)
    words = pdf_words(out)
    assert_inside_the_pages(words)
    assert squeezed(TITLE) in "".join(w[1] for w in words)
    layout = tmp_path / "x.layout.json"
    assert run_prep("render", str(long_model), "--page", "A4", "-o", str(layout)).returncode == 0
    data = json.loads(layout.read_text(encoding="utf-8"))
    margin = data["page"]["margin"]
    (title,) = [t for t in data["texts"] if t["kind"] == "title"]
    box = title["box"]   # (x, y: its centre)
    assert margin - 0.5 <= box["x"] - box["width"] / 2 and box["x"] + box["width"] / 2 <= data["width"] - margin + 0.5
    assert "\n" in title["text"]


def test_pdf_report_with_a_long_title_keeps_every_word_on_its_page(long_model, tmp_path):
    out = tmp_path / "r.pdf"
    done = run_prep("report", str(long_model), "-o", str(out), "--page", "A4-portrait")
    assert done.returncode == 0, done.stderr.decode()
    words = pdf_words(out)
    assert_inside_the_pages(words)
    pages = {}
    for w in words:
        pages.setdefault(w[0], []).append(w[1])
    # the diagram's, the roadmap's and each stage frame's own title, whole (wrapped), on their pages
    text = {n: "".join(ws) for n, ws in pages.items()}
    assert sum(squeezed(TITLE) in t for t in text.values()) >= 5
    assert any(squeezed(TITLE + " — Stage 3: 導入 Adoption") in t for t in text.values())


def test_word_report_with_a_long_title_through_libreoffice(long_model, tmp_path):
    soffice = _tool("soffice")
    out = tmp_path / "r.docx"
    done = run_prep("report", str(long_model), "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=180)
    words = pdf_words(tmp_path / "r.pdf")
    assert_inside_the_pages(words)
    first = "".join(w[1] for w in words if w[0] == 1)
    assert squeezed(TITLE) in first   # the title page's Title, wrapped, whole


def test_word_footer_keeps_a_long_title_on_one_line(long_model, tmp_path):
    """The footer of every page repeats the title: at 130 characters it took
    two lines, more at 300, each line taken from the page's body (whose
    pictures are sized for a one-line footer). It is cut short with an
    ellipsis, as in the PDF report; a title that fits is whole."""
    from docx import Document
    from fpdf import FPDF

    from prep.embed.report_pdf import font_file

    out = tmp_path / "r.docx"
    assert run_prep("report", str(long_model), "-o", str(out)).returncode == 0
    doc = Document(str(out))
    section = doc.sections[0]
    footer = section.footer.paragraphs[0].text
    assert footer.startswith(TITLE[:20]) and "…" in footer and footer.endswith(" · 1")
    pdf = FPDF(unit="pt")
    pdf.add_font("N", "", font_file())
    pdf.set_font("N", size=doc.styles["Normal"].font.size.pt)
    inner = section.page_width.pt - section.left_margin.pt - section.right_margin.pt
    assert pdf.get_string_width(footer.replace(" · 1", " · 9999")) <= inner
    short = tmp_path / "s.docx"
    assert run_prep("report", str(EXAMPLES / "cs-onboarding.prep"), "-o", str(short)).returncode == 0
    assert Document(str(short)).sections[0].footer.paragraphs[0].text == \
        "CS オンボーディング (Customer-success onboarding) · 1"
