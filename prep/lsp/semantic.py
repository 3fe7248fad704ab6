"""Semantic tokens: what each word of a document is, so that editors without
prep's TextMate grammar (Neovim, Helix, Zed, Emacs) colour it too.

The words are the parser's own terminals (`fastparse.lex_line`, whose
patterns a test keeps equal to `grammar/prep.lark`); where a word stands in
its statement says what it is, and the model adds what only it knows (is
this name knowhow?). Lines are read one by one, so a line with a syntax
error is still coloured; a character the language does not allow gets no
token.

The legend (the indexes are the positions in these tuples):

| type        | what                                                              |
|-------------|-------------------------------------------------------------------|
| keyword     | title, deliverable, knowhow, measure, group, stage, include       |
| variable    | a deliverable's name (modifier `declaration` where it is declared,|
|             | `knowhow` when it is knowhow), in relations and in `exit:`, `of:`,|
|             | `from:`                                                           |
| namespace   | a group's name                                                    |
| event       | a stage's name (its `stage` statement, `stage:` and `after:`)     |
| function    | a measure's name                                                  |
| string      | labels, the title, notes, owners and other attribute values       |
| operator    | the arrows `->`, `~>`, `<~>`                                      |
| property    | attribute keys and flags (`owner`, `external`, `stage`, ...)      |
| comment     | `# ...` to the end of the line                                    |
| number      | an attribute value that is a number (`60`, `60%`, `1.5`)          |

Modifiers: `declaration` (the name a `deliverable`, `knowhow`, `measure`,
`group` or `stage` statement declares), `knowhow`.
"""

from __future__ import annotations

import re

from ..language.fastparse import ARROW, COMMENT, NAME, PUNCT, STRING, UNREAD, lex_line
from ..language.syntax import unescape

TOKEN_TYPES = ("keyword", "variable", "namespace", "event", "function", "string", "operator", "property",
               "comment", "number")
TOKEN_MODIFIERS = ("declaration", "knowhow")

(KEYWORD, VARIABLE, NAMESPACE, EVENT, FUNCTION, TEXT, OPERATOR, PROPERTY, COMMENT_T, NUMBER) = range(10)
DECLARATION, KNOWHOW = 1, 2  # modifier bits

KEYWORDS = frozenset(("title", "deliverable", "knowhow", "measure", "group", "stage", "include"))
# what the name after a keyword is
_DECLARES = {"deliverable": VARIABLE, "knowhow": VARIABLE, "measure": FUNCTION, "group": NAMESPACE,
             "stage": EVENT}
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?%?")


def tokens(text: str, encoding: str = "utf-16", knowhow=frozenset(), cache: dict | None = None) -> list[int]:
    """The LSP semantic token data of `text` (five integers a token: line
    delta, start delta, length, type, modifiers), columns counted in
    `encoding` ("utf-16", "utf-8" or "utf-32"). `knowhow`: the names of the
    model's knowhow (a container answering `in`). `cache`: the words of
    lines read before (line text -> words), kept by the caller for one
    document and the same `knowhow`, so that after an edit only the changed
    lines are read again."""
    if cache is None:
        cache = {}
    data: list[int] = []
    previous_line = 0
    if encoding == "utf-16" and (text.isascii() or max(text) <= "\uffff"):
        encoding = "utf-32"  # no character outside the BMP: UTF-16 units are code points
    for number, line in enumerate(text.split("\n")):
        if line.endswith("\r"):
            line = line[:-1]
        if not line:
            continue
        found = cache.get(line)
        if found is None:
            found = cache[line] = _line_tokens(line, knowhow)
        if not found:
            continue
        units = _unit_counter(line, encoding)
        previous_start = 0
        for column, length, kind, modifiers in found:
            start, width = units(column, length)
            data += (number - previous_line, start - previous_start if number == previous_line else start,
                     width, kind, modifiers)
            previous_line, previous_start = number, start
    return data


def _unit_counter(line: str, encoding: str):
    """(column, length) in code points -> (start, length) in the encoding's units."""
    if line.isascii() or encoding == "utf-32":
        return lambda column, length: (column, length)
    if encoding == "utf-8":
        def size(s: str) -> int:
            return len(s.encode("utf-8", "surrogatepass"))
    else:
        def size(s: str) -> int:
            return len(s.encode("utf-16-le", "surrogatepass")) // 2
    state = [0, 0]  # (code point column, units) reached so far; tokens come in order

    def units(column: int, length: int):
        at, count = state
        count += size(line[at:column])
        width = size(line[column:column + length])
        state[0], state[1] = column + length, count + width
        return count, width
    return units


def _line_tokens(line: str, knowhow) -> list[tuple[int, int, int, int]]:
    """(column, length, type, modifiers) of the words of one line, in order."""
    out = []
    lexed = list(lex_line(line))
    statement_start = True
    keyword = None          # the statement's keyword
    expect = None           # "name" after a declaring keyword, "label" after its name
    depth = 0               # 1 inside `[...]`, 2 inside a list value `[a, b]`
    key = None              # the attribute whose value is being read
    expect_key = False
    for i, (kind, value, column) in enumerate(lexed):
        length = len(value)
        if kind == COMMENT:
            out.append((column, length, COMMENT_T, 0))
            continue
        if kind == ARROW:
            out.append((column, length, OPERATOR, 0))
            expect = None
            continue
        if kind == PUNCT or kind == UNREAD:
            if value == "[":
                depth += 1
                if depth == 1:
                    expect_key, key = True, None
                expect = None
            elif value == "]":
                depth = max(depth - 1, 0)
            elif value == ",":
                if depth == 1:
                    expect_key, key = True, None
            elif value in "{};":
                statement_start, keyword, expect, depth, key, expect_key = True, None, None, 0, None, False
            continue
        # a name or a string
        if depth:
            if expect_key and kind == NAME:
                out.append((column, length, PROPERTY, 0))
                key, expect_key = value, False
                continue
            expect_key = False
            out.append((column, length) + _value(kind, value, key, keyword, knowhow))
            continue
        if kind == NAME and value in KEYWORDS and (value != "include" or (
                statement_start and i + 1 < len(lexed) and lexed[i + 1][0] == STRING)):
            out.append((column, length, KEYWORD, 0))
            if statement_start:
                keyword, expect = value, "name"
            statement_start = False
            continue
        statement_start = False
        if expect == "name" and keyword in _DECLARES:
            kind_of = _DECLARES[keyword]
            modifiers = DECLARATION
            if kind_of == VARIABLE and (keyword == "knowhow" or _name(kind, value) in knowhow):
                modifiers |= KNOWHOW
            out.append((column, length, kind_of, modifiers))
            expect = "label"
        elif expect in ("name", "label") and kind == STRING:  # a title, an include's path, a label
            out.append((column, length, TEXT, 0))
            expect = None
        else:
            out.append((column, length, VARIABLE, KNOWHOW if _name(kind, value) in knowhow else 0))
            expect = None
    return out


def _value(kind: int, value: str, key: str | None, keyword: str | None, knowhow) -> tuple[int, int]:
    """(type, modifiers) of an attribute's value."""
    if key in ("stage", "after"):
        return EVENT, 0
    if key == "exit" or (keyword == "measure" and key in ("of", "from")):
        return VARIABLE, KNOWHOW if _name(kind, value) in knowhow else 0
    if kind == NAME and _NUMBER.fullmatch(value):
        return NUMBER, 0
    return TEXT, 0


def _name(kind: int, value: str) -> str:
    return unescape(value) if kind == STRING else value


def delta(previous: list[int], current: list[int]) -> tuple[int, int, list[int]]:
    """One edit turning `previous` into `current`: (start, delete count,
    data to insert), on whole tokens (multiples of five), after the common
    head and tail."""
    n = min(len(previous), len(current))
    head = 0
    while head < n and previous[head] == current[head]:
        head += 1
    head -= head % 5
    tail = 0
    limit = n - head
    while tail < limit and previous[-1 - tail] == current[-1 - tail]:
        tail += 1
    tail -= tail % 5
    return head, len(previous) - head - tail, current[head:len(current) - tail]


def within(data: list[int], first_line: int, last_line: int) -> list[int]:
    """The tokens of lines first_line..last_line (0-based, inclusive) of
    `data`, encoded again relative to each other."""
    out: list[int] = []
    line = start = 0
    previous_line = previous_start = None
    for i in range(0, len(data), 5):
        line_delta, start_delta, length, kind, modifiers = data[i:i + 5]
        start = start + start_delta if line_delta == 0 else start_delta
        line += line_delta
        if line > last_line:
            break
        if line < first_line:
            continue
        if previous_line is None:
            out += (line, start, length, kind, modifiers)
        else:
            out += (line - previous_line, start - previous_start if line == previous_line else start,
                    length, kind, modifiers)
        previous_line, previous_start = line, start
    return out
