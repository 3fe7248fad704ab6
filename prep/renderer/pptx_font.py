"""The font travels with the deck: the glyphs a PowerPoint file draws, cut
from the bundled Noto Sans CJK JP and embedded as PowerPoint's own "Embed
fonts" stores a font (ppt/fonts/fontN.fntdata, Embedded OpenType).

Office embeds TrueType outlines only, and Noto Sans CJK is CFF (PostScript
outlines), so the subset is converted: its cubic curves become quadratic
ones (fontTools' cu2qu, within 1/1000 em) in a `glyf` table, as fontTools'
otf2ttf recipe does. The TrueType font is then wrapped in an EOT header
(W3C Member Submission "Embedded OpenType File Format", 2008): version
0x00020002, no MicroType Express compression, no XOR. That is the layout
PowerPoint itself writes (always version 0x00020002) and LibreOffice 25.8
writes when it embeds fonts in a .pptx, uncompressed; LibreOffice reads
it back through libeot.

What is embedded: the characters of every text on every slide plus basic
Latin (U+0020-007E), so a consultant can retype a label in Latin letters
in the same face. The font's own names (family "Noto Sans CJK JP") and its
licence (SIL OFL 1.1, embedding permitted: OS/2 fsType 0) are kept.

Cutting a subset from the 16 MB font costs about a second; prep.renderer.
webfont keeps a superset of every character needed so far (in memory and
on disk), from which this cut takes tens of milliseconds. The finished EOT
is cached on disk too, under ~/.cache/prep/font-subsets/ (keyed by the
font file and the characters), so drawing the same deck again costs a file
read.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import _cachefile as cachefile
from ..layouter.fonts import FONT_FAMILY
from .webfont import _SUPERSET, FontUnavailable, _cache_dir, _key, font_path

# bump when the conversion changes (old cache entries are then unused)
_EOT_VERSION_TAG = "eot-1"
_TTF_VERSION_TAG = "ttf-1"
BASIC_LATIN = "".join(chr(c) for c in range(0x20, 0x7F))
# names kept from the original font: copyright, family, style, unique id,
# full name, version, PostScript name, licence text and URL
_NAME_IDS = (0, 1, 2, 3, 4, 5, 6, 13, 14)
# a Japanese font: the charset PowerPoint writes for one (SHIFTJIS_CHARSET,
# 128, as a signed byte) and GDI's variable pitch + Swiss (sans serif) family
CHARSET = "-128"
PITCH_FAMILY = "34"


@dataclass(frozen=True)
class EmbeddedFont:
    """One face for the deck: `typeface` as the runs name it, `data` the
    EOT bytes of a .fntdata part, `panose` for p:font (hex, 10 bytes)."""
    typeface: str
    data: bytes
    panose: str


@lru_cache(maxsize=1)
def _metrics() -> tuple[dict[int, int], float] | None:
    """The bundled font's advance widths by code point, and its units per
    em; None without the font."""
    path = font_path()
    if path is None:
        return None
    try:
        from fontTools.ttLib import TTFont

        font = TTFont(str(path), lazy=True)
        try:
            cmap = font["cmap"].getBestCmap()
            hmtx = font["hmtx"]
            widths = {cp: hmtx[name][0] for cp, name in cmap.items()}
            return widths, float(font["head"].unitsPerEm)
        finally:
            font.close()
    except Exception:  # a damaged font file: estimates below
        return None


def text_width(text: str, size: float) -> float:
    """The width in points of the widest line of `text` at `size` points in
    the bundled font (a character it lacks counts one em)."""
    found = _metrics()
    widest = 0.0
    for line in text.split("\n"):
        if found is None:
            w = sum(1.0 if ord(ch) > 0x2E7F else 0.6 for ch in line)
        else:
            widths, upem = found
            w = sum(widths.get(ord(ch), upem) for ch in line) / upem
        widest = max(widest, w * size)
    return widest


def script_changes(text: str) -> int:
    """How often the widest-counting line switches between East Asian and
    other characters: LibreOffice puts a little space at each switch
    ("autospace", on by default), so a text box gets room for it."""
    most = 0
    for line in text.split("\n"):
        kinds = [ord(ch) > 0x2E7F for ch in line if not ch.isspace()]
        most = max(most, sum(1 for a, b in zip(kinds, kinds[1:]) if a != b))
    return most


LINE_HEIGHT = 1.448  # Noto Sans CJK JP: (ascender 1160 + descender 288) / 1000 em


def subset_characters(texts) -> str:
    """The characters to embed for `texts`: theirs and basic Latin, sorted."""
    chars = set(BASIC_LATIN)
    for t in texts:
        chars.update(t)
    chars -= {"\n", "\r", "\t"}
    return "".join(sorted(chars))


def embedded_font(chars: str) -> EmbeddedFont:
    """The bundled font cut down to `chars` as an EOT (cached). Raises
    FontUnavailable."""
    font = font_path()
    if font is None:
        raise FontUnavailable("the font package noto-cjk-sans-jp-regular is not installed")
    data = _cached_eot(font, chars)
    return EmbeddedFont(FONT_FAMILY, data, _panose_of_eot(data))


def _cached_eot(font: Path, chars: str) -> bytes:
    return _cached(font, chars, _EOT_VERSION_TAG, ".eot", lambda: to_eot(truetype_subset(font, chars)),
                   lambda data: len(data) > 8 and struct.unpack_from("<I", data, 0)[0] == len(data)
                   and data[34:36] == b"LP")


def cached_truetype(font: Path, chars: str) -> bytes:
    """`truetype_subset`, cached on disk as the EOT is (the Word report
    embeds the TrueType font itself)."""
    return _cached(font, chars, _TTF_VERSION_TAG, ".ttf", lambda: truetype_subset(font, chars),
                   lambda data: data[:4] == b"\x00\x01\x00\x00")


def _cached(font: Path, chars: str, tag: str, suffix: str, make, valid) -> bytes:
    path = _cache_dir() / (_key(font, tag + "\0" + chars) + suffix)
    try:
        data = path.read_bytes()
        if valid(data):
            return data
    except OSError:
        pass
    data = make()
    cachefile.save(path, data)  # a cache that cannot be written is no error
    return data


def truetype_subset(font: Path, chars: str) -> bytes:
    """The font cut down to `chars`, with TrueType (quadratic) outlines and
    its names and licence: a .ttf's bytes."""
    try:
        from fontTools.ttLib import TTFont
    except ImportError as e:
        raise FontUnavailable(f"fontTools is not installed ({e})") from None
    otf = _SUPERSET.cut(font, chars, None)  # CFF outlines, names cut to family and style
    try:
        sub = TTFont(io.BytesIO(otf), recalcTimestamp=False)  # the same bytes on every day
        _restore_names(sub, font)
        _cff_to_glyf(sub)
        out = io.BytesIO()
        sub.save(out)
    except Exception as e:  # a damaged font: the deck is written without it
        raise FontUnavailable(f"could not convert the font subset to TrueType: {e}") from None
    return out.getvalue()


def _restore_names(sub, font: Path) -> None:
    """The subset cache keeps family and style only; put back the
    original's English names and licence (Windows, Unicode BMP)."""
    from fontTools.ttLib import TTFont

    original = TTFont(str(font), lazy=True)
    try:
        names = [(r.nameID, r.toUnicode()) for r in original["name"].names
                 if r.platformID == 3 and r.platEncID == 1 and r.langID == 0x409 and r.nameID in _NAME_IDS]
    finally:
        original.close()
    table = sub["name"]
    table.names = [r for r in table.names if r.nameID not in dict(names)]
    for name_id, text in names:
        table.setName(text, name_id, 3, 1, 0x409)


def _cff_to_glyf(font) -> None:
    """Replace the CFF outlines of `font` by TrueType ones (fontTools'
    otf2ttf recipe: cu2qu within 1 unit, contours reversed to TrueType's
    clockwise direction)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    if font.sfntVersion != "OTTO":
        return
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    maxp.compile(font)  # counts points and contours from glyf
    post = font["post"]
    post.formatType = 3.0  # no glyph names: GDI and FreeType need none
    post.extraNames, post.mapping = [], {}
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


# EOT (W3C submission, 2008-03-05), all fields little-endian
EOT_MAGIC = 0x504C
EOT_VERSION = 0x00020002
_ROOT_CHECKSUM_XOR = 0x50475342


def to_eot(ttf: bytes) -> bytes:
    """`ttf` wrapped as Embedded OpenType: no compression, no XOR, no root
    string (any site or document may use it), names from the font."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(ttf), lazy=True)
    try:
        os2, head, name = font["OS/2"], font["head"], font["name"]

        def english(name_id: int) -> bytes:
            rec = name.getName(name_id, 3, 1, 0x409)
            return rec.toUnicode().encode("utf-16-le") if rec is not None else b""

        p = os2.panose
        panose = bytes([p.bFamilyType, p.bSerifStyle, p.bWeight, p.bProportion, p.bContrast,
                        p.bStrokeVariation, p.bArmStyle, p.bLetterForm, p.bMidline, p.bXHeight])
        code_pages = (getattr(os2, "ulCodePageRange1", 1), getattr(os2, "ulCodePageRange2", 0))
        fixed = (struct.pack("<II", EOT_VERSION, 0)  # version; flags: none
                 + panose
                 + struct.pack("<BBIHH", 1, 1 if os2.fsSelection & 1 else 0, os2.usWeightClass, os2.fsType,
                               EOT_MAGIC)
                 + struct.pack("<4I", os2.ulUnicodeRange1, os2.ulUnicodeRange2, os2.ulUnicodeRange3,
                               os2.ulUnicodeRange4)
                 + struct.pack("<2I", *code_pages)
                 + struct.pack("<I", head.checkSumAdjustment)
                 + struct.pack("<4I", 0, 0, 0, 0))
        names = b""
        for name_id in (1, 2, 5, 4):  # family, style, version, full name
            text = english(name_id)
            names += struct.pack("<HH", 0, len(text)) + text
        tail = (struct.pack("<HH", 0, 0)              # padding 5, root string: none
                + struct.pack("<I", _ROOT_CHECKSUM_XOR)  # root string checksum: sum of no bytes, XORed
                + struct.pack("<IHH", 0, 0, 0)        # EUDC code page, padding 6, no signature
                + struct.pack("<II", 0, 0))           # EUDC flags, no EUDC font
    finally:
        font.close()
    header_size = 8 + len(fixed) + len(names) + len(tail)
    return struct.pack("<II", header_size + len(ttf), len(ttf)) + fixed + names + tail + ttf


def parse_eot(data: bytes) -> dict:
    """The header fields of an EOT made by `to_eot` (and the font's bytes):
    for tests and for checking a deck."""
    size, font_size, version, flags = struct.unpack_from("<IIII", data, 0)
    panose = data[16:26]
    charset, italic, weight, fs_type, magic = struct.unpack_from("<BBIHH", data, 26)
    at = 80  # padding, then each name's size and UTF-16 text
    names = []
    for _ in range(4):
        _, n = struct.unpack_from("<HH", data, at)
        names.append(data[at + 4:at + 4 + n].decode("utf-16-le"))
        at += 4 + n
    return {"size": size, "font_size": font_size, "version": version, "flags": flags, "panose": panose.hex(),
            "charset": charset, "italic": italic, "weight": weight, "fs_type": fs_type, "magic": magic,
            "family": names[0], "style": names[1], "version_name": names[2], "full_name": names[3],
            "font": data[size - font_size:]}


def _panose_of_eot(data: bytes) -> str:
    return data[16:26].hex().upper()
