"""A bad prep.toml / pyproject.toml as an error like any other: at its
`path:line:col`, with the line and a caret and a hint, not a one-line
message at the top of the file.

The settings code raises `LintConfigError` / `RenderConfigError` with a
message that starts with the file (`prep.toml: [lint]: ...`) and names the
key or value it refuses (`unknown key 'selct'`, `theme must be one of ...,
not 'dark'`, tomllib's `(at line 2, column 24)`); `located` finds that key
or value in the file's text."""

from __future__ import annotations

import os
import re

from ..language.diagnostics import PrepError

LINT_HINT = "see docs/configuration.md for the [lint] settings"
RENDER_HINT = "see docs/embedding.md#themes for the [render] settings"
TOML_HINT = "fix the TOML syntax at the caret (https://toml.io)"

_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_SECTION = re.compile(r"^(\[[\w.-]+\]): ")
_NAMED_IN = re.compile(r" in (\S+\.toml): (\[[\w.-]+\])")
_SECTION_NAMED = re.compile(r"unknown section (\[[\w.-]+)\]")
_LEADING_KEY = re.compile(r"^([\w-]+(?:\.[\w-]+)*)(?: must |: | of )")
_QUOTED = re.compile(r"'([^'\n]+)'")
_WORD = r"[\w-]"


def located(message: str, hint: str) -> PrepError | None:
    """The error for `message` at its place in the configuration file it
    names, or None when it names no file (an option of the command line)."""
    path, sep, detail = message.partition(": ")
    if not (sep and path.endswith(".toml") and os.path.isfile(path)):
        inside = _NAMED_IN.search(message)  # "unknown key 'x' in prep.toml: [lint]; ..."
        if inside is None or not os.path.isfile(inside.group(1)):
            return None
        path, detail = inside.group(1), message
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    m = _TOML_AT.search(detail)
    if m is not None:
        line, column = int(m.group(1)), int(m.group(2))
        return PrepError.at(path, detail, name="config-error", hint=TOML_HINT, line=line, column=column,
                            source=text)
    if "(at end of document)" in detail:
        line, column, opened = _at_end(text, detail)
        return PrepError.at(path, detail, name="config-error", line=line, column=column, source=text,
                            hint=f"close the `{opened}` opened here" if opened else TOML_HINT)
    line, column, end = _find(text, detail)
    return PrepError.at(path, detail, name="config-error", hint=hint, line=line, column=column,
                        end_column=end, source=text)


_UNCLOSED = {"Unclosed array": "[", "Unclosed inline table": "{"}


def _at_end(text: str, detail: str) -> tuple[int, int, str | None]:
    """(line, column, the bracket left open) of an error tomllib places
    "at end of document": the last value that opens the bracket it names
    (an `[` after `=`, not a table header), else the last line with text.
    It was put at 1:1, under the first table header."""
    lines = text.splitlines()
    opened = next((b for name, b in _UNCLOSED.items() if name in detail), None)
    if opened is not None:
        for i in range(len(lines) - 1, -1, -1):
            code = _code(lines[i])
            key, eq, value = code.partition("=")
            at = value.find(opened) if eq else -1
            if at >= 0:
                return i + 1, len(key) + 1 + at + 1, opened
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), 0)
    return last + 1, len(lines[last]) - len(lines[last].lstrip()) + 1 if lines else 1, opened


def hint_for(message: str) -> str:
    return RENDER_HINT if "render]" in message.partition(": ")[2][:40] else LINT_HINT


def _find(text: str, detail: str) -> tuple[int, int, int]:
    """(line, first column, last column) of what `detail` names, 1-based;
    the start of the file when it names nothing found in the text."""
    lines = [_code(line) for line in text.splitlines()]
    start = 0
    section = _SECTION.match(detail) or _NAMED_IN.search(detail)
    if section is not None:
        header = section.group(section.lastindex)
        start = next((i for i, line in enumerate(lines) if line.strip() == header), 0)
        if section.start() == 0:
            detail = detail[section.end():]
    named = _SECTION_NAMED.search(detail)
    if named is not None:
        for i, line in enumerate(lines):
            at = line.find(named.group(1))
            if at >= 0:
                return i + 1, at + 1, at + len(named.group(1)) + 1
    words = []
    leading = _LEADING_KEY.match(detail)
    if leading is not None:
        words.append(leading.group(1).rsplit(".", 1)[-1])
    quoted = _QUOTED.findall(detail)
    words += quoted
    for word in words:
        token = re.compile(rf"(?<!{_WORD}){re.escape(word)}(?!{_WORD})")
        for i in range(start, len(lines)):
            m = token.search(lines[i])
            if m is not None:
                # the key's line: under the value the message quotes when it stands there
                # (`page = "A9"`: the size is what is wrong, not the key)
                equals = lines[i].find("=")
                for value in quoted if leading is not None and word == words[0] and equals > m.start() else ():
                    v = re.compile(rf"(?<!{_WORD}){re.escape(value)}(?!{_WORD})").search(lines[i], equals)
                    if v is not None:
                        return i + 1, v.start() + 1, v.end() + 1
                return i + 1, m.start() + 1, m.end() + 1
    return 1, 1, 1


def _code(line: str) -> str:
    """A TOML line without its comment (a `#` outside a string), so a key
    named in a comment is not taken for the key itself."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line
