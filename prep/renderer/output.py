"""Writing outputs safely: a temporary file next to the target, then an
atomic rename, so a failed or interrupted run never leaves a half-written
file and never replaces the last good one."""

from __future__ import annotations

import os
import re
import sys
import tempfile

from ..language.diagnostics import PrepError


def _error(path: str, message: str, hint: str | None = None) -> PrepError:
    return PrepError.at(path, message, name="output-error", hint=hint)


def same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def check_output_folder(path: str) -> str:
    """The folder `path` is to be written in (absolute); else the error
    every command that writes -o gives (`output_folder_error`)."""
    error = output_folder_error(path)
    if error is not None:
        raise error
    return os.path.dirname(os.path.abspath(path))


def output_folder_error(path: str) -> PrepError | None:
    """None when the folder of the output `path` exists; else the one error
    every command says of it, at `path` as the user gave it (also for
    pages written beside it as path-1, ..., a report's pictures, a
    document's diagrams), naming the folder as given:

        out/x.svg:1:1: error: the folder out/ does not exist
          hint: create it first (mkdir -p out) or choose another -o path

    A folder on the way that is a file is said so, without the mkdir hint
    that would fail there."""
    import shlex

    if os.path.isdir(os.path.dirname(os.path.abspath(path))):
        return None
    folder = os.path.dirname(os.path.normpath(path)) or "."
    shown = folder.rstrip("/" + os.sep) + "/"
    above = folder
    while above and not os.path.exists(above):   # the nearest existing folder on the way, or a file
        parent = os.path.dirname(above)
        if parent == above:
            break
        above = parent
    if above and os.path.exists(above) and not os.path.isdir(above):
        return _error(path, f"{above} is a file, not a folder", "choose another -o path")
    return _error(path, f"the folder {shown} does not exist",
                  f"create it first (mkdir -p {shlex.quote(folder)}) or choose another -o path")


def write_output(path: str, data: bytes, *, inputs: tuple[str, ...] = ()) -> None:
    """Write `data` to `path` atomically; `-` means standard output."""
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    for src in inputs:
        if same_file(src, path):
            raise _error(path, "the output path is the input model; refusing to overwrite it",
                         "choose another output with -o, e.g. -o model.svg")
    directory = check_output_folder(path)
    if os.path.isdir(path):
        raise _error(path, "the output path is a directory", "give a file name, e.g. -o out/model.svg")
    fd = None
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "wb") as f:
            fd = None
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            mode = os.stat(path).st_mode & 0o777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        try:
            os.replace(tmp, path)
        except PermissionError:
            # the folder took the new file: the old one refuses to go (on Windows: open
            # in Excel or Word; "cannot write in FOLDER" sent users to the folder's rights)
            raise _error(path, f"cannot write {os.path.basename(path)}: the file is open in another program "
                               "(Excel, Word, a viewer) or read-only",
                         "close it and run again, or choose another -o path") from None
        tmp = None
    except PermissionError:
        raise _error(path, f"permission denied: cannot write in {directory}",
                     "choose a writable output path with -o") from None
    except OSError as e:
        raise _error(path, f"cannot write the output: {e.strerror or e}") from None
    finally:
        if fd is not None:
            os.close(fd)
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def write_folder(path: str, files: list[tuple[str, bytes]], *, owned, inputs: tuple[str, ...] = ()) -> None:
    """Write `files` ([(name, bytes)]) as the folder `path`, atomically: they
    are written into a new folder next to it, which then takes its place, so
    a failed or interrupted run leaves the previous folder as it was. An
    existing folder is replaced only when everything in it is a file this
    kind of output writes (`owned`, a compiled pattern of file names)."""
    import shutil

    parent = check_output_folder(path)   # said of the path as given
    path = os.path.normpath(path)
    for src in inputs:
        if same_file(src, path):
            raise _error(path, "the output path is the input model; refusing to overwrite it",
                         "choose another output folder with -o, e.g. -o frames/")
    if os.path.exists(path) and not os.path.isdir(path):
        raise _error(path, "the output path is a file, not a folder", "give a folder, e.g. -o frames/")
    if os.path.isdir(path):
        foreign = sorted(n for n in os.listdir(path) if not owned.fullmatch(n))
        if foreign:
            raise _error(path, f"the folder holds files prep did not write ({', '.join(foreign[:3])}"
                               f"{', ...' if len(foreign) > 3 else ''}); refusing to replace it",
                         "choose a new or empty folder with -o, e.g. -o frames/")
    tmp = old = None
    try:
        tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=parent)
        for name, data in files:
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, os.stat(path).st_mode & 0o777 if os.path.isdir(path) else 0o777 & ~umask)
        if os.path.isdir(path):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.", suffix=".old", dir=parent)
            os.rmdir(old)
            os.rename(path, old)
        os.rename(tmp, path)
        tmp = None
    except PermissionError:
        raise _error(path, f"permission denied: cannot write in {parent}",
                     "choose a writable output folder with -o") from None
    except OSError as e:
        raise _error(path, f"cannot write the output: {e.strerror or e}") from None
    finally:
        if tmp is not None:
            if old is not None and not os.path.exists(path):
                os.rename(old, path)  # put the previous folder back
                old = None
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


# what XML 1.0 cannot hold (most control characters, lone surrogates, two
# non-characters): a model's text may contain them, an Office or draw.io
# file may not
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """User text as an XML document can hold it: line ends as \\n, and a
    character XML 1.0 forbids as U+FFFD (shown as a replacement mark)."""
    return _NOT_XML.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


def fixed_zip_times(data: bytes) -> bytes:
    """The same zip (.pptx, .docx) with every entry dated 1980-01-01, so the
    same model gives the same bytes (python-pptx and python-docx stamp
    entries with the current time)."""
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def picture_size(data: bytes, fmt: str) -> str | None:
    """A picture's size in words ("12,345 x 67,890 pt", "4,000 x 3,000 px"),
    read from its header; None where the format does not say it there."""
    if fmt == "svg":
        head = data[:4096].decode("utf-8", "replace")
        root = re.search(r"<svg\b[^>]*>", head)
        w = re.search(r'\bwidth="([\d.]+)(pt|px)?"', root.group(0)) if root else None
        h = re.search(r'\bheight="([\d.]+)(pt|px)?"', root.group(0)) if root else None
        if w and h:
            return f"{float(w.group(1)):,.0f} x {float(h.group(1)):,.0f} {w.group(2) or 'px'}"
        return None
    if fmt == "png" and data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return f"{int.from_bytes(data[16:20], 'big'):,} x {int.from_bytes(data[20:24], 'big'):,} px"
    if fmt == "pdf":
        box = re.search(rb"/MediaBox\s*\[\s*[-\d.]+\s+[-\d.]+\s+([\d.]+)\s+([\d.]+)\s*\]", data)
        if box:
            return f"{float(box.group(1)):,.0f} x {float(box.group(2)):,.0f} pt"
    return None
