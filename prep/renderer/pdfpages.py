"""Several one-page PDFs (as Graphviz's cairo renderer writes them) as one
document of pages, in order: the overview of a large model and its
drill-downs. No PDF library needed: cairo writes a classic cross-reference
table (no object streams), so each object is the bytes from its offset to
the next one's; objects are renumbered, every page is hung under one new
page tree, and a new cross-reference table is written. Stream contents are
copied byte for byte (only object headers are rewritten)."""

from __future__ import annotations

import re

_REF = re.compile(rb"(\d+) 0 R\b")
_OBJ = re.compile(rb"^(\d+) 0 obj\b")


class PdfError(ValueError):
    """The input is not a PDF this module can take apart."""


def _objects(pdf: bytes) -> dict[int, bytes]:
    """{object number: the object's bytes, from 'N 0 obj' to 'endobj'}."""
    start = pdf.rfind(b"startxref")
    if start < 0:
        raise PdfError("no startxref")
    xref_at = int(pdf[start + len(b"startxref"):].split()[0])
    if not pdf.startswith(b"xref", xref_at):
        raise PdfError("not a classic cross-reference table")
    lines = pdf[xref_at:].split(b"trailer", 1)[0].splitlines()[1:]
    offsets: dict[int, int] = {}
    i = 0
    while i < len(lines):
        head = lines[i].split()
        i += 1
        if len(head) != 2:
            continue
        first, count = int(head[0]), int(head[1])
        for k in range(count):
            entry = lines[i + k].split()
            if entry[2] == b"n":
                offsets[first + k] = int(entry[0])
        i += count
    ends = sorted(offsets.values()) + [xref_at]
    out = {}
    for number, at in offsets.items():
        end = ends[ends.index(at) + 1]
        chunk = pdf[at:end]
        if not _OBJ.match(chunk):
            raise PdfError(f"object {number} is not where the table says")
        out[number] = chunk[:chunk.rfind(b"endobj") + len(b"endobj")]
    return out


def _renumber(chunk: bytes, shift: int) -> bytes:
    """The object with every number moved by `shift`, its stream untouched."""
    cut = chunk.find(b"stream")
    head, tail = (chunk, b"") if cut < 0 else (chunk[:cut], chunk[cut:])
    head = _OBJ.sub(lambda m: b"%d 0 obj" % (int(m.group(1)) + shift), head, count=1)
    head = _REF.sub(lambda m: b"%d 0 R" % (int(m.group(1)) + shift), head)
    return head + tail


def _text(text: str) -> bytes:
    """A PDF text string of any characters (UTF-16 with its byte order mark)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


_DATE = re.compile(rb"/CreationDate\s*(\([^()]*\))")


def _info(number: int, title: str, pdf: bytes) -> bytes:
    """The document information dictionary: `title`, and the creation date
    of `pdf` (prep dates its PDFs 2000-01-01: the same model, the same bytes)."""
    date = _DATE.search(pdf)
    dated = b" /CreationDate " + date.group(1) if date is not None else b""
    return (b"%d 0 obj\n<< /Title %s /Creator (prep) /Producer (prep with cairo)%s >>\nendobj"
            % (number, _text(title), dated))


def titled(pdf: bytes, title: str | None) -> bytes:
    """`pdf` with `title` as its document title (its /Info: what a reader's
    title bar, a document list and a search show; cairo writes none, so a
    client saw the file name). The same bytes without a title, or when the
    file is not as cairo writes it."""
    if not title:
        return pdf
    try:
        objects = _objects(pdf)
    except (PdfError, ValueError, IndexError):
        return pdf
    trailer = pdf[pdf.rfind(b"trailer"):]
    root = re.search(rb"/Root\s+(\d+) 0 R", trailer)
    if root is None:
        return pdf
    info = re.search(rb"/Info\s+(\d+) 0 R", trailer)
    number = int(info.group(1)) if info is not None and int(info.group(1)) in objects else max(objects) + 1
    objects[number] = _info(number, title, objects.get(number, b""))
    return serialize(objects, b"/Root %s 0 R /Info %d 0 R" % (root.group(1), number))


def merge(pdfs: list[bytes], title: str | None = None) -> bytes:
    """One PDF with the pages of `pdfs`, in order, titled `title` (the
    document's, not a page's: "受注 (1/3)" named the whole PDF)."""
    if len(pdfs) == 1:
        return titled(pdfs[0], title)
    objects: dict[int, bytes] = {}
    pages: list[int] = []
    next_number = 1
    for pdf in pdfs:
        own = _objects(pdf)
        shift = next_number - 1
        for number in sorted(own):
            chunk = _renumber(own[number], shift)
            objects[number + shift] = chunk
            head = chunk.split(b"stream", 1)[0]
            if re.search(rb"/Type\s*/Page\b(?!s)", head):
                pages.append(number + shift)
        next_number = max(objects) + 1
    tree, catalog = next_number, next_number + 1
    for number in pages:  # every page under the one new page tree
        chunk = objects[number]
        cut = chunk.find(b"stream")
        head, tail = (chunk, b"") if cut < 0 else (chunk[:cut], chunk[cut:])
        objects[number] = re.sub(rb"/Parent\s+\d+ 0 R", b"/Parent %d 0 R" % tree, head) + tail
    kids = b" ".join(b"%d 0 R" % n for n in pages)
    objects[tree] = b"%d 0 obj\n<< /Type /Pages /Kids [ %s ] /Count %d >>\nendobj" % (tree, kids, len(pages))
    objects[catalog] = b"%d 0 obj\n<< /Type /Catalog /Pages %d 0 R >>\nendobj" % (catalog, tree)
    if not title:
        return serialize(objects, b"/Root %d 0 R" % catalog)
    objects[catalog + 1] = _info(catalog + 1, title, pdfs[0])
    return serialize(objects, b"/Root %d 0 R /Info %d 0 R" % (catalog, catalog + 1))


def serialize(objects: dict[int, bytes], trailer: bytes) -> bytes:
    """A PDF of `objects` ({number: 'N 0 obj ... endobj'}) in number order,
    with a new cross-reference table and the trailer entries `trailer`
    (its /Size is written here)."""
    out = bytearray(b"%PDF-1.5\n%\xb5\xed\xae\xfb\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += objects[number] + b"\n"
    xref_at = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        if number in offsets:
            out += b"%010d 00000 n \n" % offsets[number]
        else:
            out += b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, xref_at)
    return bytes(out)
