"""Is a workbook at the export's path still the one prep wrote there?

`prep export` writes MODEL.xlsx next to the model by default, and that is
the name of the workbook a consultant sends to the client, and gets back
edited. Exporting again must not replace the client's edits without a
word. So each exported workbook carries a fingerprint of its own parts (a
custom document property, `FINGERPRINT`): the path, size and CRC-32 of
every part except the document properties, read from the zip's central
directory (no cell is parsed: a 10,000-row workbook is checked in
milliseconds). A workbook whose parts still match its fingerprint is
prep's, unchanged, and is replaced; one that was edited and saved (Excel
and LibreOffice rewrite the sheets), has no fingerprint or is no workbook
is kept, and `prep export` says so (`--force` replaces it).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

FINGERPRINT = "prep fingerprint"
PLACEHOLDER = "0" * 64   # what to_xlsx writes; `stamped` puts the digest in its place
_CUSTOM = "docProps/custom.xml"
_VALUE = re.compile(rb'name="prep fingerprint"><vt:lpwstr>([0-9a-f]{64})</vt:lpwstr>')


def _digest(infos: list[zipfile.ZipInfo]) -> str:
    h = hashlib.sha256()
    for info in sorted(infos, key=lambda i: i.filename):
        if info.filename.startswith("docProps/"):
            continue   # the properties: the fingerprint itself, and dates an office suite may touch
        h.update(f"{info.filename}\0{info.file_size}\0{info.CRC:08x}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def stamped(data: bytes) -> bytes:
    """The workbook `data` (written with FINGERPRINT = PLACEHOLDER) with
    its fingerprint in place of the placeholder; `data` itself when it has
    no such property."""
    source = zipfile.ZipFile(io.BytesIO(data))
    infos = source.infolist()
    if _CUSTOM not in source.namelist():
        return data
    custom = source.read(_CUSTOM)
    if PLACEHOLDER.encode() not in custom:
        return data
    custom = custom.replace(PLACEHOLDER.encode(), _digest(infos).encode(), 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in infos:
            target.writestr(info, custom if info.filename == _CUSTOM else source.read(info.filename),
                            compress_type=info.compress_type)
    return out.getvalue()


def as_written(path: str) -> bool:
    """Is the file at `path` a workbook prep exported, unchanged since?"""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            found = _VALUE.search(z.read(_CUSTOM)) if _CUSTOM in z.namelist() else None
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):
        return False
    return found is not None and found.group(1).decode() == _digest(infos)
