"""cairo's PDF font subsets, slimmed where cairo kept a whole font's
subroutines.

Graphviz draws PDF through cairo, which embeds a subset of the CFF font
(Noto Sans CJK JP) with just the glyphs drawn. For most drawings it also
keeps just the subroutines those glyphs call (a subset of about 20 KB).
But when one of the glyphs is one cairo cannot follow, it keeps every
local subroutine of the font dictionaries in use: the kanji dictionary
alone has 28,516, and a one-page picture becomes a 0.9 MB PDF
(health-management-as-is: 885 KB, of which 850 KB is unused font).

`slim_fonts` drops the subroutines no glyph of such a subset calls
(fontTools, a core dependency already: it cuts the SVG's web font). It
only touches a subset above `BIG` decompressed bytes, so the usual small
subsets cost nothing; a large one costs about 30-50 ms. Glyphs, their
numbers and their outlines stay as they were: the pages draw pixel for
pixel the same (tests/test_pdf_fonts.py rasterises them both ways).
Anything it cannot read is left exactly as cairo wrote it.
"""

from __future__ import annotations

import io
import re
import zlib

from .pdfpages import PdfError, _objects, serialize

# a subset this large (decompressed) kept its font's subroutines: cairo's
# own subsets of the examples are 20-120 KB, the ones that kept them 0.9-1 MB
BIG = 256 * 1024

_LENGTH = re.compile(rb"/Length\s+(\d+)\s+0\s+R")
_TRAILER = re.compile(rb"trailer\s*<<(.*?)>>\s*startxref", re.S)


def slim_fonts(pdf: bytes) -> bytes:
    """`pdf` (as cairo writes it) with every CFF font subset that kept
    unused subroutines rewritten without them; the same bytes when there
    is none, or when anything about it is not as expected."""
    if b"/CIDFontType0C" not in pdf and b"/Type1C" not in pdf:
        return pdf
    try:
        objects = _objects(pdf)
    except (PdfError, ValueError, IndexError):
        return pdf
    changed: dict[int, bytes] = {}
    for number, chunk in objects.items():
        cut = chunk.find(b"stream")
        if cut < 0:
            continue
        head = chunk[:cut]
        if (b"/CIDFontType0C" not in head and b"/Type1C" not in head) or b"/FlateDecode" not in head:
            continue
        length = _LENGTH.search(head)
        if length is None or int(length.group(1)) not in objects:
            continue
        length_number = int(length.group(1))
        try:
            size = int(objects[length_number].split(b"obj", 1)[1].split(b"endobj", 1)[0])
        except (IndexError, ValueError):
            continue
        start = cut + len(b"stream")
        start += 2 if chunk[start:start + 2] == b"\r\n" else 1
        try:
            raw = zlib.decompress(chunk[start:start + size])
        except zlib.error:
            continue
        if len(raw) <= BIG:
            continue
        slim = _without_unused_subroutines(raw)
        if slim is None or len(slim) >= len(raw):
            continue
        data = zlib.compress(slim, 9)
        changed[number] = head + b"stream\n" + data + b"\nendstream\nendobj"
        changed[length_number] = b"%d 0 obj\n   %d\nendobj" % (length_number, len(data))
    if not changed:
        return pdf
    trailer = _TRAILER.search(pdf[pdf.rfind(b"trailer"):])
    if trailer is None:
        return pdf
    # the trailer's entries but its size, which the new table states again
    entries = re.sub(rb"/Size\s+\d+", b"", trailer.group(1)).strip()
    return serialize({**objects, **changed}, entries)


class _Font:
    """What fontTools' CFF compiler asks of the font around the table."""

    recalcBBoxes = False


def _without_unused_subroutines(cff: bytes) -> bytes | None:
    """The CFF font program `cff` with no subroutine that none of its
    glyphs calls, the ones kept renumbered in their order (as fontTools'
    `remove_unused_subroutines` does it, without reading every unused one
    first: that alone took 100 ms of the kanji dictionary's 28,516); None
    when fontTools cannot read or write it, or a call cannot be followed."""
    try:
        from fontTools.cffLib import CFFFontSet

        fonts = CFFFontSet()
        fonts.decompile(io.BytesIO(cff), None)
        for name in fonts.fontNames:
            if not _prune(fonts[name]):
                return None
        out = io.BytesIO()
        fonts.compile(out, _Font())
        return out.getvalue()
    except Exception:  # noqa: BLE001 - any failure leaves cairo's font as it was
        return None


def _prune(font) -> bool:
    """Drop the unused subroutines of one CFF font (fontTools' objects), in
    place; False (the font then thrown away) when a call cannot be renumbered."""
    from fontTools.misc.psCharStrings import SimpleT2Decompiler, calcSubrBias

    used: dict[int, set[int]] = {}  # id(a subroutine index) -> the positions called

    class Marking(SimpleT2Decompiler):
        """Runs a glyph's charstring and every subroutine it calls, noting them."""

        def op_callsubr(self, index):
            used.setdefault(id(self.localSubrs), set()).add(self.operandStack[-1] + self.localBias)
            SimpleT2Decompiler.op_callsubr(self, index)

        def op_callgsubr(self, index):
            used.setdefault(id(self.globalSubrs), set()).add(self.operandStack[-1] + self.globalBias)
            SimpleT2Decompiler.op_callgsubr(self, index)

    strings = font.CharStrings
    glyphs = [strings[name] for name in strings.keys()]
    privates = [fd.Private for fd in font.FDArray] if hasattr(font, "FDArray") else [font.Private]
    local = {id(p): p.Subrs for p in privates if getattr(p, "Subrs", None)}
    for glyph in glyphs:
        Marking(local.get(id(glyph.private), []), glyph.globalSubrs, glyph.private).execute(glyph)
    indexes = [font.GlobalSubrs, *local.values()]
    kept = {id(index): sorted(used.get(id(index), ())) for index in indexes}
    new_place = {id(index): ({old: new for new, old in enumerate(kept[id(index)])}, calcSubrBias(index),
                             calcSubrBias(kept[id(index)])) for index in indexes}

    def renumber(program: list, local_index) -> None:
        for i in range(1, len(program)):
            if program[i] in ("callsubr", "callgsubr"):
                index = local_index if program[i] == "callsubr" else font.GlobalSubrs
                if index is None or not isinstance(program[i - 1], int):
                    raise _CannotFollow  # a computed subroutine number, or a local call from a global one
                mapping, old_bias, new_bias = new_place[id(index)]
                program[i - 1] = mapping[program[i - 1] + old_bias] - new_bias

    try:
        for glyph in glyphs:
            renumber(glyph.program, local.get(id(glyph.private)))
        # a global subroutine's local calls go to the calling glyph's dictionary: only
        # one dictionary makes that one index
        only_local = next(iter(local.values())) if len(local) == 1 else None
        for index in indexes:
            for i in kept[id(index)]:
                renumber(index[i].program, only_local if index is font.GlobalSubrs else index)
    except (_CannotFollow, KeyError):
        return False
    for index in indexes:
        index.items = [index[i] for i in kept[id(index)]]
        for cached in ("file", "offsets"):  # written from the items, not copied from the font read
            if hasattr(index, cached):
                delattr(index, cached)
    for private in privates:
        if getattr(private, "Subrs", None) is not None and not private.Subrs:
            private.rawDict.pop("Subrs", None)
            del private.Subrs
    return True


class _CannotFollow(Exception):
    """A subroutine call whose number is not written before it."""
