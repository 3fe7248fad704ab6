"""PDF font subsets without the subroutines cairo kept for nothing
(prep/renderer/pdffonts.py): the PDF is a fraction of the size, every
glyph keeps its outline, and the pages draw pixel for pixel the same.

The outlines are compared with fontTools (always); the pages are
rasterised with poppler's pdftoppm, skipped without it, failed instead
when PREP_REQUIRE_OFFICE=1 (CI, .ci/run, installs poppler-utils).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

import prep
from prep.renderer.pdffonts import BIG, slim_fonts

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
REQUIRED = os.environ.get("PREP_REQUIRE_OFFICE") == "1"

# health-management-as-is draws a glyph cairo cannot follow, so cairo kept
# every subroutine of the font dictionaries its glyphs use (885 KB)
HEAVY = "health-management-as-is.prep"


def _cairo_pdf(name: str, **options) -> bytes:
    """The PDF exactly as Graphviz (cairo) draws the example, fonts as cairo cut them."""
    from prep.layouter.graphviz import draw
    from prep.renderer.dot import to_dot

    model = prep.load(EXAMPLES / name)
    return draw(to_dot(model, **options), "pdf", path=model.path)


def _fonts(pdf: bytes) -> list[bytes]:
    """The CFF font programs of `pdf`, decompressed."""
    out = []
    for m in re.finditer(rb"/Length (\d+) 0 R\s*/Filter /FlateDecode\s*/Subtype /CIDFontType0C\s*>>\s*stream\n",
                         pdf):
        length = int(re.search(rb"\n%s 0 obj\s+(\d+)" % m.group(1), pdf).group(1))
        out.append(zlib.decompress(pdf[m.end():m.end() + length]))
    return out


def _outlines(cff: bytes) -> dict[str, list]:
    """Every glyph of the font program as the pen strokes it draws."""
    from fontTools.cffLib import CFFFontSet
    from fontTools.pens.recordingPen import RecordingPen

    fonts = CFFFontSet()
    fonts.decompile(io.BytesIO(cff), None)
    strings = fonts[fonts.fontNames[0]].CharStrings
    out = {}
    for name in strings.keys():
        pen = RecordingPen()
        strings[name].draw(pen)
        out[name] = pen.value
    return out


def test_a_font_that_kept_its_subroutines_is_slimmed_and_every_outline_stays():
    raw = _cairo_pdf(HEAVY)
    before = _fonts(raw)
    assert before and max(len(f) for f in before) > BIG, "the example no longer makes cairo keep the subroutines"
    slim = slim_fonts(raw)
    after = _fonts(slim)
    assert len(after) == len(before)
    assert len(slim) < len(raw) / 10, (len(raw), len(slim))
    for old, new in zip(before, after):
        assert _outlines(new) == _outlines(old)


def test_render_writes_the_slim_pdf_and_keeps_it_whole():
    data = prep.render(prep.load(EXAMPLES / HEAVY), "pdf")
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(data) < 100_000, len(data)  # was 885 KB
    assert all(len(f) <= BIG for f in _fonts(data))
    # the trailer keeps cairo's document information; the table points at every object
    tail = data[data.rfind(b"trailer"):]
    assert b"/Root " in tail and b"/Info " in tail
    xref_at = int(tail.split(b"startxref")[1].split()[0])
    assert data[xref_at:xref_at + 4] == b"xref"
    rows = data[xref_at:].split(b"trailer")[0].splitlines()[2:]
    for number, row in enumerate(rows):
        offset, _, kind = row.split()
        if kind == b"n":
            assert data[int(offset):].startswith(b"%d 0 obj" % number)
    assert prep.render(prep.load(EXAMPLES / HEAVY), "pdf") == data  # the same bytes every time


def test_a_small_subset_and_what_is_no_cairo_pdf_are_left_as_they_are():
    raw = _cairo_pdf("feature-addition-honest.prep")
    assert all(len(f) <= BIG for f in _fonts(raw))
    assert slim_fonts(raw) is raw
    for odd in (b"", b"not a pdf", raw[: len(raw) // 2], raw.replace(b"startxref", b"startxre")):
        assert slim_fonts(odd) == odd


def _pdftoppm() -> str:
    path = shutil.which("pdftoppm")
    if path is None:
        message = "pdftoppm is not installed (Debian: apt-get install poppler-utils); PREP_REQUIRE_OFFICE=1 " \
                  "makes this a failure"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.mark.parametrize("name, page", [(HEAVY, None), ("cs-lifecycle.prep", "A4"), ("cs-lifecycle.prep", "16:9")])
def test_the_pages_draw_pixel_for_pixel_the_same(tmp_path, monkeypatch, name, page):
    import prep.renderer.pdffonts as pdffonts
    from prep.layouter.page import parse_page
    from prep.renderer.pages import render_pages

    tool = _pdftoppm()
    model = prep.load(EXAMPLES / name)

    def drawn() -> bytes:  # every page of a fitted model is drawn (and slimmed) on its own, then joined
        return prep.render(model, "pdf") if page is None else render_pages(model, "pdf", parse_page(page)).files[0]

    slim = drawn()
    monkeypatch.setattr(pdffonts, "slim_fonts", lambda data: data)
    raw = drawn()
    assert len(slim) < len(raw) / 2, (len(raw), len(slim))
    pictures = {}
    for label, data in (("raw", raw), ("slim", slim)):
        (tmp_path / f"{label}.pdf").write_bytes(data)
        subprocess.run([tool, "-r", "72", "-png", str(tmp_path / f"{label}.pdf"), str(tmp_path / label)],
                       check=True, timeout=120)
        pictures[label] = sorted(tmp_path.glob(f"{label}-*.png"))
    assert len(pictures["raw"]) == len(pictures["slim"]) >= 1
    for a, b in zip(pictures["raw"], pictures["slim"]):
        assert a.read_bytes() == b.read_bytes(), f"{a.name} and {b.name} differ"


def test_random_kanji_keep_every_outline():
    """Glyphs from all over the font (seeded: the same ones every run),
    each set drawn by cairo and slimmed: whatever subroutines the glyphs
    call, each keeps its outline, and the slimmed font is never larger."""
    import random

    from prep.layouter.graphviz import draw
    from prep.renderer.dot import to_dot
    from prep.renderer.pdffonts import _without_unused_subroutines

    rng = random.Random(20261206)
    pools = [range(0x4E00, 0x9FA0), range(0x3041, 0x3097), range(0x30A1, 0x30FB), range(0xFF01, 0xFF5F),
             range(0x2460, 0x2474), range(0x0041, 0x005B), range(0x0061, 0x007B)]
    checked = heavy = 0
    for _ in range(6):
        names = ["".join(chr(rng.choice(rng.choice(pools))) for _ in range(8)) for _ in range(12)]
        text = "".join(f'deliverable d{i} "{name}"\n' for i, name in enumerate(names))
        text += "".join(f"d{i} -> d{i + 1}\n" for i in range(len(names) - 1))
        model = prep.loads(text, "random.prep")
        raw = draw(to_dot(model), "pdf", path=model.path)
        for cff in _fonts(raw):
            slim = _without_unused_subroutines(cff)
            assert slim is not None and len(slim) <= len(cff)
            assert _outlines(slim) == _outlines(cff)
            checked += 1
        slim_pdf = slim_fonts(raw)
        assert len(slim_pdf) <= len(raw) and len(_fonts(slim_pdf)) == len(_fonts(raw))
        heavy += any(len(f) > BIG for f in _fonts(raw))
    assert checked >= 6 and heavy >= 1  # the seed gives sets that make cairo keep the subroutines
