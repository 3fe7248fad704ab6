"""PNG/PDF for print: --scale/--dpi, --transparent, fonts embedded in PDF
(read back with Pillow and pypdf, not by eye)."""

from __future__ import annotations

import io

import pytest

MODEL = 'title "印刷"\ndeliverable 契約 "契約書"\nknowhow k "開発ノウハウ"\n契約, k -> 計画\n'


@pytest.fixture
def model_file(tmp_path):
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    return src


def test_scale_multiplies_png_size_and_transparent_has_no_background(cli, model_file, tmp_path):
    from PIL import Image  # in the test extra: a missing reader must fail, not skip
    one, two, clear = tmp_path / "1.png", tmp_path / "2.png", tmp_path / "t.png"
    assert cli("render", str(model_file), "-o", str(one)).exit_code == 0
    assert cli("render", str(model_file), "-o", str(two), "--scale", "2").exit_code == 0
    assert cli("render", str(model_file), "-o", str(clear), "--transparent").exit_code == 0
    w1, h1 = Image.open(one).size
    w2, h2 = Image.open(two).size
    assert abs(w2 - 2 * w1) <= 2 and abs(h2 - 2 * h1) <= 2
    corner = Image.open(one).convert("RGBA").getpixel((1, 1))
    assert corner == (255, 255, 255, 255)
    assert Image.open(clear).convert("RGBA").getpixel((1, 1))[3] == 0


def test_pdf_embeds_its_fonts_and_keeps_japanese_text(cli, model_file, tmp_path):
    import pypdf
    out = tmp_path / "m.pdf"
    assert cli("render", str(model_file), "-o", str(out)).exit_code == 0
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    page = reader.pages[0]
    fonts = page["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        descendants = font.get("/DescendantFonts")
        described = descendants[0].get_object() if descendants else font
        descriptor = described["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
        assert "NotoSansCJK" in str(font["/BaseFont"]).replace(" ", "")
    text = page.extract_text()
    assert "契約書" in text and "開発ノウハウ" in text
