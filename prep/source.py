"""Reading model files: bytes to text, with a clear error for anything that is
not a text file prep can read (missing, a directory, binary, Shift_JIS...)."""

from __future__ import annotations

import os
import re

from .diagnostics import ERROR, Diagnostic, PrepError, Span

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _error(path: str, message: str, hint: str | None = None, line: int = 1,
           column: int = 1, code: str = "E000") -> PrepError:
    span = Span(path, line, column, line, column + 1)
    return PrepError([Diagnostic(code, ERROR, message, span, name="unreadable-file", hint=hint)])


def read_source(path: str | os.PathLike[str]) -> str:
    """Read a model file and return its text with line endings normalized."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise _error(name, "no such file", "check the path; `prep lint DIR` finds every *.prep file below DIR") from None
    except IsADirectoryError:
        raise _error(name, "is a directory, not a model file",
                     "give a .prep file (`prep lint` also accepts directories)") from None
    except PermissionError:
        raise _error(name, "permission denied while reading the file") from None
    except OSError as e:
        raise _error(name, f"cannot read the file: {e.strerror or e}") from None
    return decode_source(data, name)


def decode_source(data: bytes, path: str = "<string>") -> str:
    """Decode model bytes: UTF-8 (with or without BOM), or UTF-16 with a BOM.
    Line endings (CRLF, CR) become LF so positions are the same everywhere."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _error(path, "the file starts with a UTF-16 byte-order mark but is not valid UTF-16",
                         "save the file as UTF-8") from None
    else:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _decode_error(data, path, e) from None
    return normalize_text(text, path)


def normalize_text(text: str, path: str = "<string>") -> str:
    """Normalize line endings and refuse NUL characters (a binary file)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        column = nul - (text.rfind("\n", 0, nul) + 1) + 1
        raise _error(path, "the file contains a NUL character: it looks like a binary file, not a .prep model",
                     "a model is plain UTF-8 text; remove the NUL bytes or check that this is the right file",
                     line, column)
    return text


def _decode_error(data: bytes, path: str, e: UnicodeDecodeError) -> PrepError:
    line = data.count(b"\n", 0, e.start) + 1
    line_start = data.rfind(b"\n", 0, e.start) + 1
    # the column in characters of the valid UTF-8 before the bad byte
    column = len(data[line_start : e.start].decode("utf-8", "replace")) + 1
    for encoding, label, iconv_name in (("cp932", "Shift_JIS", "CP932"), ("euc_jp", "EUC-JP", "EUC-JP")):
        try:
            guess = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _JAPANESE.search(guess):
            return _error(
                path, f"the file is not UTF-8; it looks like {label} (byte 0x{data[e.start]:02x})",
                f"prep reads UTF-8. Convert it with `iconv -f {iconv_name} -t UTF-8 "
                f"{os.path.basename(path)} > converted.prep`, or in your editor choose 'Save with encoding: UTF-8'",
                line, column)
    return _error(path, f"the file is not valid UTF-8 (byte 0x{data[e.start]:02x})",
                  "save the file as UTF-8", line, column)
