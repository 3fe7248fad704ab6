"""Reading model files: bytes to text, with a clear error for anything that is
not a text file prep can read (missing, a directory, binary, Shift_JIS...)."""

from __future__ import annotations

import os
import re
import unicodedata

from .diagnostics import ERROR, Diagnostic, PrepError, Span

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

# Characters a model may not contain outside comments: control characters
# (but tab and form feed), every format character (zero-width, soft hyphen,
# byte-order mark, text-direction controls, tags), blank-looking fillers, and
# spaces other than ' ' and U+3000. Each would let two names that look the
# same be two deliverables, or make text display in another order than prep
# reads it; control characters also break SVG (XML) output and terminals.
_FORBIDDEN = re.compile(  # the Basic Multilingual Plane: a fast table lookup per character
    "[\x01-\x08\x0b\x0e-\x1f\x7f-\xa0\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u115f\u1160\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]")
_FORBIDDEN_ASTRAL = re.compile(  # slower: only searched when the text has characters above U+FFFF
    "[\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001-\U000e007f]")


def _error(path: str, message: str, hint: str | None = None, line: int = 1,
           column: int = 1, code: str = "E000", shown: str | None = None) -> PrepError:
    """`shown`: the text to quote under the message (the file as far as it
    can be read, with unreadable bytes made visible) so the caret has a line."""
    return PrepError.at(path, message, name="unreadable-file", hint=hint, code=code, line=line, column=column,
                        end_column=column + 1, source=shown)


def refuse_link_out(name: str) -> None:
    """A located PrepError when `name` (a model or folder given by the user),
    or a folder on its way below its workspace's folder, is a symbolic link
    that leads out of the workspace; nothing out there is looked at."""
    from .boundary import link_out_of_workspace

    out = link_out_of_workspace(name)
    if out is not None:
        link, folder = out
        raise PrepError.at(name, f"'{link}' is a symbolic link that leads out of the workspace ({folder})",
                           name="link-out-of-workspace",
                           hint="prep reads a model only inside its workspace (the folder of the nearest "
                                "prep.toml, else the git repository): give the file's own path instead of "
                                "the link, or copy the file in")


def read_source(path: str | os.PathLike[str], *, confined: bool = True) -> str:
    """Read a model file and return its text with line endings normalized.
    `confined`: a symbolic link (the file, or a folder on its way below the
    workspace's folder) that leads out of the workspace is refused unread,
    as an include's is (a pull request adding `x.prep -> /etc/passwd` made
    the CI job that lints the changed files print it). The workspace's
    loader reads its parts with False: it checks each include itself."""
    name = os.fspath(path)
    if confined:
        refuse_link_out(name)
    try:
        with open(name, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise _error(name, "no such file", _missing_file_hint(name)) from None
    except IsADirectoryError:
        raise _error(name, "is a folder, not a model file", _folder_hint(name)) from None
    except PermissionError:
        raise _error(name, "permission denied while reading the file") from None
    except OSError as e:
        raise _error(name, f"cannot read the file: {e.strerror or e}") from None
    return decode_source(data, name)


# an include line in a file's bytes (as `workspace._include_lines` reads them: any
# blank before it, the ideographic space too), not the word in a comment or a name
_BLANK = rb"(?:[ \t\f]|\xe3\x80\x80)"
_INCLUDE_BYTES = re.compile(rb"(?:^|\r)(?:\xef\xbb\xbf)?" + _BLANK + rb"*include" + _BLANK + rb"+\x22", re.M)


def has_include_line(path: str) -> bool:
    """Does the file have an `include "..."` line (an unreadable one: no)?"""
    try:
        with open(path, "rb") as f:
            data = f.read()
        # the word first: the pattern over the 10 MB of a 200-part workspace took 0.28 s
        return b"include" in data and _INCLUDE_BYTES.search(data) is not None
    except OSError:
        return False


def roots_in(folder: str, respect_gitignore: bool = True) -> list[str]:
    """The model files right in `folder` (names, sorted) that have include
    lines: what to give a command that takes one model instead of the
    folder (`prep lint DIR` finds the roots below it in full). Those git
    ignores are left out, as `prep lint DIR` leaves them out (unless
    `respect_gitignore` is False)."""
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".prep"))
    except OSError:
        return []
    roots = [n for n in names if has_include_line(os.path.join(folder, n))]
    if roots and respect_gitignore:
        from .gitignore import ignored_below

        ignored = ignored_below(folder)
        roots = [n for n in roots if not ignored.file(n)]
    return roots


def _folder_hint(name: str) -> str:
    """What to give instead of a folder: its workspace root (a model file
    with `include` lines, `roots_in`), else one of its model files."""
    roots = roots_in(name)
    if roots:
        return (f"give the model file: the workspace's root, {os.path.join(name, roots[0])} (the file with the "
                "include lines); `prep lint` also takes a folder")
    models = models_in(name)
    if models:
        return f"give one of its model files, e.g. {os.path.join(name, models[0])}; `prep lint` also takes a folder"
    return "give a .prep file; `prep lint` also takes a folder"


def models_in(folder: str) -> list[str]:
    """The model files right in `folder` (names, sorted); none when it cannot be listed."""
    try:
        return sorted(n for n in os.listdir(folder) if n.endswith(".prep") and os.path.isfile(os.path.join(folder, n)))
    except OSError:
        return []


def _missing_file_hint(name: str) -> str:
    """What to say about a path that does not exist: the nearest model file
    beside where it was looked for, or the folder that is missing."""
    import difflib

    folder, base = os.path.split(name)
    if folder and not os.path.isdir(folder):
        return f"there is no folder '{folder}'; check the path"
    try:
        models = sorted(e.name for e in os.scandir(folder or ".") if e.is_file() and e.name.lower().endswith(".prep"))
    except OSError:
        models = []
    # compared without the shared ".prep", which would make any two names look alike
    stems = {m[:-5]: m for m in models}
    close = difflib.get_close_matches(base[:-5] if base.lower().endswith(".prep") else base, list(stems), n=1,
                                      cutoff=0.6)
    if close:
        return f"did you mean '{os.path.join(folder, stems[close[0]])}'?"
    if models:
        shown = ", ".join(models[:5]) + (f" and {len(models) - 5} more" if len(models) > 5 else "")
        return f"model files in {folder or 'this folder'}: {shown}"
    return "check the path; `prep lint DIR` finds every *.prep file below DIR"


def decode_source(data: bytes, path: str = "<string>") -> str:
    """Decode model bytes: UTF-8 (with or without BOM), or UTF-16 with a BOM.
    Line endings (CRLF, CR) become LF so positions are the same everywhere."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as e:
            codec = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
            before = data[2 : e.start - (e.start % 2)].decode(codec, "replace").replace("\r\n", "\n")
            line, column = _position(before + "?", len(before))
            raise _error(path, "the file starts with a UTF-16 byte-order mark but is not valid UTF-16",
                         "save the file as UTF-8", line, column,
                         shown=data[2:].decode(codec, "replace").replace("\r\n", "\n")) from None
    else:
        kind = _other_format(data)
        if kind is not None:
            text_like = data[:1] in (b"<", b"{") or data[:1].isspace()
            workbook = str(path).lower().endswith((".xlsx", ".xlsm"))
            raise _error(path, f"this is {kind}, not a .prep model",
                         f"a deliverable catalogue becomes a model with `prep import {path} -o model.prep`"
                         if workbook else "check the file name: a model is a UTF-8 text file such as `process.prep`",
                         shown=_first_line(data.decode("utf-8", "replace"))[: 80 if text_like else 8])
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        if b"\x00" in data[:4096]:
            _refuse_utf16_without_bom(data, path)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            _refuse_utf16_without_bom(data, path)
            raise _decode_error(data, path, e) from None
    return normalize_text(text, path)


def _refuse_utf16_without_bom(data: bytes, path: str) -> None:
    """UTF-16 with no byte-order mark (some Windows tools write it): say so
    instead of 'binary file' or 'not UTF-8'."""
    if len(data) % 2 or b"\x00" not in data:  # UTF-16 of a model has NULs: '\n' is 0A 00
        return
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        readable = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t")
        if text and readable / len(text) > 0.95 and re.search(r"[A-Za-z\u3040-\u30ff\u4e00-\u9fff]", text):
            raise _error(path, "this is UTF-16 text without a byte-order mark, not UTF-8",
                         "prep reads UTF-8; convert it with "
                         f"`{_iconv(codec.upper().replace('-16-', '-16'), path)}`",
                         shown=_first_line(text.replace("\r\n", "\n")))


# files people pass by mistake (an output, an export, an Office document)
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (Excel, Word and PowerPoint files are ZIP archives)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Office 97-2003 document (.xls, .doc, .ppt)"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
)


def _other_format(data: bytes) -> str | None:
    """What a file that is plainly not a model is, from its first bytes."""
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            return kind

    head = data[:256].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype", b"<html")):
        return "an SVG, XML or HTML file"
    if head.startswith(b"{") and b'"prep-model"' in data[:300]:
        return "prep's JSON export of a model"
    return None


def _first_line(text: str) -> str:
    # enough of the start of the file to put a caret under; never the whole binary
    return text.split("\n", 1)[0][:80]


def normalize_text(text: str, path: str = "<string>") -> str:
    """Normalize line endings and Unicode composition; refuse NUL characters
    (a binary file) and lone surrogates (text that is not Unicode)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    nul = text.find("\x00")
    if nul >= 0:
        line, column = _position(text, nul)
        raise _error(path, "the file contains a NUL character: it looks like a binary file, not a .prep model",
                     "a model is plain UTF-8 text; remove the NUL bytes or check that this is the right file",
                     line, column, shown=text.replace("\x00", "\u2400"))
    astral = False
    if not text.isascii():
        try:
            astral = len(text.encode("utf-16-le")) != 2 * len(text)
        except UnicodeEncodeError as e:
            line, column = _position(text, e.start)
            raise _error(path, f"the text contains a lone surrogate U+{ord(text[e.start]):04X}, which is not a character",
                         "the text was decoded wrongly before it reached prep; read the file as UTF-8",
                         line, column, shown=text.encode("utf-8", "replace").decode("utf-8")) from None
    _check_characters(text, path, astral)
    if not text.isascii():
        # One spelling per look: 'デ' typed as テ + U+3099 (macOS file names,
        # some PDFs) is the same name as the composed 'デ'. Canonical
        # equivalents are drawn identically, so they must not become two
        # deliverables. Columns after a decomposed character count the
        # composed form.
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
    return text


def _check_characters(text: str, path: str, astral: bool = True) -> None:
    """Refuse invisible, control and odd space characters outside comments,
    at their exact position, with the message from the mistakes table."""
    comment_line, comment_at = -1, -1
    found = _FORBIDDEN.finditer(text)
    if astral:
        found = sorted([*found, *_FORBIDDEN_ASTRAL.finditer(text)], key=lambda m: m.start())
    for m in found:
        pos = m.start()
        start = text.rfind("\n", 0, pos) + 1
        if start != comment_line:
            comment_line, comment_at = start, _comment_start(text, start)
        if 0 <= comment_at <= pos:
            continue  # inside a comment: nothing prep reads
        from .parse import _character_message, _quoted_guess

        line, column = _position(text, pos)
        end = text.find("\n", pos)
        src_line = text[start : len(text) if end < 0 else end]
        message, hint, _ = _character_message(text[pos], text[pos + 1 : pos + 2],
                                              _quoted_guess(src_line.replace(text[pos], " "), column))
        span = Span(path, line, column, line, column + 1)
        raise PrepError([Diagnostic("E001", ERROR, message, span, name="syntax-error", hint=hint)], text)


def _comment_start(text: str, start: int) -> int:
    """Index of the '#' that starts a comment on the line at `start`, or -1."""
    in_string, i, n = False, start, len(text)
    while i < n and text[i] != "\n":
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "#":
            return i
        i += 1
    return -1


def _iconv(encoding: str, path: str) -> str:
    """The command that converts the file at `path` to UTF-8 in place, as
    the user can paste it where prep ran: the path as prep was given it
    (a workspace's part lies in another folder), and the same name after
    it (an `include` line names it). A file not on disk (read from a git
    revision) is named by its own name."""
    import shlex

    if not os.path.isfile(path):
        path = os.path.basename(path.rpartition(":")[2] if ":" in path and not os.path.isabs(path) else path)
    name = shlex.quote(path)
    temporary = shlex.quote(path + ".utf8")
    return f"iconv -f {encoding} -t UTF-8 {name} > {temporary} && mv {temporary} {name}"


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of `text[index]`."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _decode_error(data: bytes, path: str, e: UnicodeDecodeError) -> PrepError:
    line = data.count(b"\n", 0, e.start) + 1
    line_start = data.rfind(b"\n", 0, e.start) + 1
    # the column in characters of the valid UTF-8 before the bad byte
    column = len(data[line_start : e.start].decode("utf-8", "replace")) + 1
    # shown with the unreadable bytes as U+FFFD, so the caret has a line
    as_utf8 = data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    if e.end == len(data) and "end of data" in str(e.reason):
        return _error(path, "the file ends in the middle of a UTF-8 character: it looks cut off",
                      "check that the file was saved or copied completely", line, column, shown=as_utf8)
    mostly_utf8 = sum(1 for ch in as_utf8 if ord(ch) > 0x7F and ch != "\ufffd") > as_utf8.count("\ufffd")
    if not mostly_utf8:
        for encoding, label, iconv_name in (("cp932", "Shift_JIS", "CP932"), ("euc_jp", "EUC-JP", "EUC-JP")):
            try:
                guess = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if _JAPANESE.search(guess):
                # quote the line as it reads in that encoding: the caret falls
                # under the first character that is not UTF-8
                shown = guess.replace("\r\n", "\n").replace("\r", "\n")
                column = len(data[line_start : e.start].decode(encoding, "replace")) + 1
                return _error(
                    path, f"the file is not UTF-8; it looks like {label} (byte 0x{data[e.start]:02x})",
                    f"prep reads UTF-8. Convert it with `{_iconv(iconv_name, path)}` "
                    f"(or `nkf -w`), or save it from your editor as 'UTF-8'", line, column, shown=shown)
    return _error(path, f"the file is not valid UTF-8 (byte 0x{data[e.start]:02x})",
                  "prep reads UTF-8; save the file as UTF-8 (a byte like this usually means "
                  f"Windows-1252 or Latin-1: `{_iconv('WINDOWS-1252', path)}`)"
                  if not mostly_utf8 else "prep reads UTF-8; the rest of the file is UTF-8, so this byte is "
                  "probably damage from a copy or a paste: retype the text at the caret",
                  line, column, shown=as_utf8)
