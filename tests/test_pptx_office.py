"""The PowerPoint decks as a client's office suite draws them: rendered by
`prep render`, converted to PDF by LibreOffice Impress (headless), and
checked on the PDF: the text is drawn with the font the deck carries (no
substitute), and every label stays inside its box (text positions from
poppler's `pdftotext -bbox-layout`, compared with the shapes' rectangles
read from the .pptx).

The machine has no Noto Sans CJK JP of its own (checked: the same deck
converted with the system's fonts alone is drawn in another face), so the
face in the PDF can only come from the deck. LibreOffice reads a .pptx's
embedded fonts from version 25.8 on (through libeot); Debian 12 has 7.4,
which ignores them. With such a LibreOffice the test does what 25.8 does
on opening the deck: it decodes each embedded font (with libeot when
present) into a private font folder that soffice alone sees (its own
fontconfig file), nothing installed system-wide.

Needs soffice and pdftotext (Debian: libreoffice-impress, poppler-utils):
skipped without them, failed instead when PREP_REQUIRE_OFFICE=1 (CI,
.ci/run). One soffice run converts every deck that carries the same font.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

import prep
from pptx_geometry import EMU_PER_POINT, NS, read_deck

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
REQUIRED = os.environ.get("PREP_REQUIRE_OFFICE") == "1"
FONT_PS_NAME = "NotoSansCJKjp"  # how the embedded face is named in a PDF (PostScript name)

# (file name, prep render arguments): the decks a consultant makes
DECKS = [
    ("cs-onboarding.pptx", ["examples/cs-onboarding.prep", "--legend"]),
    ("cs-onboarding-book.pptx", ["examples/cs-onboarding.prep", "--flipbook"]),
    ("cs-onboarding-roadmap.pptx", ["examples/cs-onboarding.prep", "--view", "roadmap", "--legend"]),
    # three slides: pieces cut at stages, frames continued ("顧客 Customer (cont.)")
    ("cs-lifecycle.pptx", ["examples/cs-lifecycle.prep"]),
    ("feature-addition-honest.pptx", ["examples/feature-addition-honest.prep", "--legend"]),
]


def _tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path is None:
        message = (f"{name} is not installed (Debian: apt-get install libreoffice-impress poppler-utils); "
                   f"PREP_REQUIRE_OFFICE=1 makes this a failure")
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return path


def libreoffice_version(soffice: str) -> tuple[int, int]:
    out = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=60).stdout
    m = re.search(r"LibreOffice (\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def reads_pptx_fonts(version: tuple[int, int]) -> bool:
    """LibreOffice imports a .pptx's embedded fonts from 25.8 on."""
    return version >= (25, 8)


def embedded_ttf(eot: bytes) -> bytes:
    """The TrueType font inside an EOT, decoded by libeot (what LibreOffice
    uses) when it is installed, else by its header sizes."""
    lib = ctypes.util.find_library("eot")
    if lib:
        eot_lib = ctypes.CDLL(lib)
        meta = ctypes.create_string_buffer(1 << 16)
        out, n = ctypes.POINTER(ctypes.c_uint8)(), ctypes.c_uint()
        assert eot_lib.EOT2ttf_buffer(eot, len(eot), meta, ctypes.byref(out), ctypes.byref(n)) == 0
        return bytes(out[:n.value])
    size, font_size = int.from_bytes(eot[:4], "little"), int.from_bytes(eot[4:8], "little")
    return eot[size - font_size:]


def fontconfig_env(folder: Path, fonts: Path | None) -> dict:
    """soffice's environment: the system's fonts, plus `fonts` if given;
    never prep's own font configuration (which holds the whole Noto font)."""
    conf = folder / "fonts.conf"
    dirs = f"<dir>{fonts}</dir>" if fonts else ""
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd"><fontconfig>'
                    '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
                    f'{dirs}<cachedir>{folder / "fc-cache"}</cachedir></fontconfig>', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FONTCONFIG", "PREP_"))}
    env.update(FONTCONFIG_FILE=str(conf), HOME=str(folder), SAL_USE_VCLPLUGIN="svp")
    return env


def convert(soffice: str, decks: list[Path], out: Path, work: Path, fonts: Path | None) -> None:
    """Every deck to PDF in `out`, in one soffice run with its own profile."""
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{work / 'profile'}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(out), *map(str, decks)],
        capture_output=True, text=True, timeout=300, env=fontconfig_env(work, fonts))
    missing = [d.name for d in decks if not (out / (d.stem + ".pdf")).exists()]
    assert not missing, (missing, result.stdout, result.stderr)


def pdf_fonts(pdf: Path) -> set[str]:
    """The base names of every font the PDF's pages use (subset tags removed)."""
    from pypdf import PdfReader

    names = set()
    for page in PdfReader(str(pdf)).pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font.get("/BaseFont", "")).lstrip("/").split("+", 1)[-1])
    return names


def pdf_words(pdf: Path, pdftotext: str) -> list[list[tuple[str, float, float, float, float]]]:
    """Per page: (word, x0, y0, x1, y1) in PDF points from the top left."""
    xml = subprocess.run([pdftotext, "-bbox-layout", str(pdf), "-"], capture_output=True, timeout=120,
                         check=True).stdout
    root = etree.fromstring(xml, etree.XMLParser(recover=True))
    pages = []
    for page in root.iter("{*}page"):
        pages.append([(w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
                      for w in page.iter("{*}word")])
    return pages


def labels_outside_boxes(deck, pages, tolerance: float = 1.0, boxes_only: bool = False) -> list[str]:
    """Words of the PDF outside the shape whose text they belong to (the
    nearest shape holding that text), and shapes whose text the PDF does
    not show in full. pdftotext splits words where the script changes
    ("(CSチーム," -> "(CS", "チーム,"), so a word is matched as a piece of
    a shape's text, not a whole token."""
    bad = []
    for number, (slide, words) in enumerate(zip(deck.slides, pages), 1):
        shapes = [s for s in slide.shapes if s.kind == "sp" and s.geometry != "custom" and s.text.strip()]
        if boxes_only:  # the boxes, not the free texts (text boxes: cNvSpPr txBox="1")
            shapes = [s for s in shapes if s.element.find("p:nvSpPr/p:cNvSpPr", NS).get("txBox") != "1"]
        compact = {id(s): "".join(s.text.split()) for s in shapes}
        shown = {id(s): 0 for s in shapes}

        def distance(s, w) -> float:
            x, y = (w[1] + w[3]) / 2, (w[2] + w[4]) / 2
            dx = max(s.left / EMU_PER_POINT - x, 0, x - s.right / EMU_PER_POINT)
            dy = max(s.top / EMU_PER_POINT - y, 0, y - s.bottom / EMU_PER_POINT)
            return dx * dx + dy * dy

        for w in words:
            holders = [s for s in shapes if w[0] in compact[id(s)]]
            if not holders:
                if not boxes_only:
                    bad.append(f"slide {number}: {w[0]!r} is no shape's text")
                continue
            # the nearest; inside a box and its frame alike, the box; inside two frames
            # (a group's in a stage's, both titled "… (cont.)"), the inner one
            shape = min(holders, key=lambda s: (distance(s, w), s.name.startswith(("group: ", "stage: ")),
                                                (s.right - s.left) * (s.bottom - s.top)))
            shown[id(shape)] += len(w[0])
            left, top = shape.left / EMU_PER_POINT, shape.top / EMU_PER_POINT
            right, bottom = shape.right / EMU_PER_POINT, shape.bottom / EMU_PER_POINT
            text, x0, y0, x1, y1 = w
            core = (y1 - y0) * 0.2  # the font's line box is taller than its glyphs
            if shape.name.startswith(("group: ", "stage: ")):
                # a frame's title: across its frame, clear of the rounded corner's line
                inset = 2.0
                if x0 < left + inset or x1 > right - inset:
                    bad.append(f"slide {number}: {text!r} of {shape.name!r} at x {x0:.1f}-{x1:.1f}; "
                               f"frame x {left:.1f}-{right:.1f}")
                continue
            if (x0 < left - tolerance or x1 > right + tolerance
                    or y0 + core < top - tolerance or y1 - core > bottom + tolerance):
                bad.append(f"slide {number}: {text!r} of {shape.name!r} at x {x0:.1f}-{x1:.1f}, "
                           f"y {y0:.1f}-{y1:.1f}; box x {left:.1f}-{right:.1f}, y {top:.1f}-{bottom:.1f}")
        for s in shapes:
            if shown[id(s)] < len(compact[id(s)]):
                bad.append(f"slide {number}: {s.name!r} shows {shown[id(s)]} of its {len(compact[id(s)])} characters")
    return bad


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """The decks, their PDFs as LibreOffice draws them with the deck's font,
    and one PDF drawn with the system's fonts alone."""
    soffice, pdftotext = _tool("soffice"), _tool("pdftotext")
    pytest.importorskip("pypdf")
    base = tmp_path_factory.mktemp("office")
    decks = base / "decks"
    decks.mkdir()
    from conftest import run_prep

    for name, args in DECKS:
        result = run_prep("render", *args, "-o", str(decks / name), cwd=ROOT)
        assert result.returncode == 0, result.stderr.decode()
    version = libreoffice_version(soffice)
    by_font: dict[bytes, list[Path]] = {}
    for name, _ in DECKS:
        files = read_deck((decks / name).read_bytes()).files
        fonts = [v for k, v in files.items() if k.startswith("ppt/fonts/")]
        assert len(fonts) == 1, name
        by_font.setdefault(fonts[0], []).append(decks / name)
    pdfs = base / "pdf"
    for i, (eot, group) in enumerate(by_font.items()):
        fonts = None
        if not reads_pptx_fonts(version):  # what LibreOffice 25.8 does on opening the deck
            fonts = base / f"fonts-{i}"
            fonts.mkdir()
            (fonts / "embedded.ttf").write_bytes(embedded_ttf(eot))
        convert(soffice, group, pdfs, base / f"work-{i}", fonts)
    plain = base / "plain"  # the machine's own fonts only
    convert(soffice, [decks / DECKS[-1][0]], plain, base / "work-plain", None)
    return {"decks": decks, "pdfs": pdfs, "plain": plain / (Path(DECKS[-1][0]).stem + ".pdf"),
            "pdftotext": pdftotext, "version": version}


def test_this_machine_has_no_noto_cjk_of_its_own(office):
    """The guard that makes the next test mean something: drawn with the
    system's fonts alone, the deck's text comes out in another face. And
    even so (a LibreOffice before 25.8 on a client's machine) every box's
    label stays inside its box: the boxes keep the layout's inner margin
    as room for a wider face."""
    fonts = pdf_fonts(office["plain"])
    assert fonts
    if [f for f in fonts if f.startswith(FONT_PS_NAME)]:
        message = ("Noto Sans CJK JP is installed on this machine, so the PDFs cannot show that the deck's own "
                   "font drew them (remove fonts-noto-cjk to check)")
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    deck = read_deck((office["decks"] / DECKS[-1][0]).read_bytes())
    outside = labels_outside_boxes(deck, pdf_words(office["plain"], office["pdftotext"]), boxes_only=True)
    assert not outside, "\n".join(outside)


@pytest.mark.parametrize("name", [d[0] for d in DECKS])
def test_pdf_draws_every_label_in_the_embedded_font_inside_its_box(office, name):
    deck = read_deck((office["decks"] / name).read_bytes())
    pdf = office["pdfs"] / (Path(name).stem + ".pdf")
    fonts = pdf_fonts(pdf)
    # the deck's own face for all text: nothing substituted
    assert fonts and all(f.startswith(FONT_PS_NAME) for f in fonts), fonts
    pages = pdf_words(pdf, office["pdftotext"])
    assert len(pages) == len(deck.slides)
    from pypdf import PdfReader

    box = PdfReader(str(pdf)).pages[0].mediabox
    assert abs(float(box.width) - deck.width / EMU_PER_POINT) < 0.1  # the slide, at 1 pt = 1 pt
    assert abs(float(box.height) - deck.height / EMU_PER_POINT) < 0.1
    outside = labels_outside_boxes(deck, pages)
    assert not outside, "\n".join(outside)
