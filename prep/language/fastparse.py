"""The fast path of the parser: well-formed, line-shaped models without Lark.

`prep lint` on 10,000 deliverables must finish in about a second, and a Lark
LALR parse in pure Python costs ~15 us per token (110,000 tokens for 10,000
deliverables), far above a regular-expression scan. So `parse_statements`
first tries this scanner. It reads the same terminals as `grammar/prep.lark`
(the patterns below are checked against the grammar by a test) and accepts a
strict subset of the language, the shape nearly every real file has:

    one statement per line: title, declaration or relation, optionally
    preceded by `group NAME "label" {` openers and followed by `}` closers;
    comments; blank lines.

It builds exactly the statement objects the Lark transformer builds (the
same values and spans; a differential test compares them). Anything else -
a `;`, an unknown character, a keyword where a name belongs, an unbalanced
brace, any syntax error at all - makes `scan` return None, and the caller
parses the whole text with Lark instead. So every error message still comes
from the grammar and its table of mistakes; this module never reports one.
"""

from __future__ import annotations

import re

from .diagnostics import Span
from .model import Comment
from .syntax import AttrNode, DeclStmt, GroupStmt, IncludeStmt, RelationStmt, StageStmt, TitleStmt, unescape

# Keep these three in step with grammar/prep.lark (tests/test_perf_parse.py checks).
NAME_PATTERN = r"""(?:[^\s\[\]{}(),;:"'#=<>~\-\u2190-\u21ff\u27f5-\u27ff\u200b-\u200f\u2060\ufeff]|-(?!>))+"""
STRING_PATTERN = r'"(?:[^"\\\r\n]|\\[^\r\n])*"'
WS_PATTERN = r"[ \t\f\u3000]"

# token kinds, by capture group number
_NAME, _STRING, _ARROW, _PUNCT, _NEWLINE, _COMMENT = 1, 2, 3, 4, 5, 6
_TOKEN = re.compile(
    WS_PATTERN + "*(?:(" + NAME_PATTERN + ")|(" + STRING_PATTERN + r")|(<~>|~>|->)|([\[\]{},:])|(\n)|(#[^\r\n]*))")

_KEYWORDS = frozenset(("title", "deliverable", "knowhow", "measure", "group", "stage", "include"))
# keywords that cannot be an attribute's key (`[stage: kickoff]` is fine)
_NOT_KEYS = _KEYWORDS - {"stage"}


class _Fallback(Exception):
    """The text is outside the fast subset: parse it with Lark."""


class _OpenGroup:
    """An open `group ... {` or `stage ... {` block."""

    __slots__ = ("keyword", "name", "name_span", "label", "attrs", "body", "start")

    def __init__(self, keyword, name, name_span, label, attrs, start):
        self.keyword, self.name, self.name_span, self.label, self.attrs, self.start = (
            keyword, name, name_span, label, attrs, start)
        self.body = []

    def close(self, end):
        if self.keyword == "group":
            return GroupStmt(self.name, self.name_span, self.label, self.body, self.start.to(end), self.attrs)
        return StageStmt(self.name, self.name_span, self.label, self.attrs, self.body, self.start.to(end))


def scan(text: str, path: str = "<string>"):
    """(statements, comments) as the Lark transformer would build them, or
    None when the text needs the full parser."""
    if "\r" in text:
        return None
    if not text.endswith("\n"):
        text += "\n"
    try:
        return _scan(text, path)
    except _Fallback:
        return None


_W = WS_PATTERN + "*"
_BLANKS = " \t\f\u3000"  # the characters of WS_PATTERN
_ITEM = "(?:" + NAME_PATTERN + "|" + STRING_PATTERN + ")"
_LIST = _ITEM + "(?:" + _W + "," + _W + _ITEM + ")*"
_TAIL = _W + "(#[^\n]*)?"
# the two shapes of nearly every line, matched whole: `a, b -> c  # note`
# and `deliverable NAME "label" [attrs]  # note`; other lines are tokenized
_RELATION_LINE = re.compile(_W + "(" + _LIST + ")" + _W + "(<~>|~>|->)" + _W + "(" + _LIST + ")" + _TAIL)
_ATTR = NAME_PATTERN + "(?:" + _W + ":" + _W + "(?:" + _ITEM + "|\\[" + _W + "(?:" + _LIST + ")?" + _W + "\\]))?"
_DECL_LINE = re.compile(
    _W + "(deliverable|knowhow|measure)" + WS_PATTERN + "+(" + _ITEM + ")(?:" + _W + "(" + STRING_PATTERN + "))?"
    + "(?:" + _W + "(\\[" + _W + "(?:" + _ATTR + "(?:" + _W + "," + _W + _ATTR + ")*)?" + _W + "\\]))?" + _TAIL)
_NAME_OR_STRING = re.compile("(" + NAME_PATTERN + ")|(" + STRING_PATTERN + ")")
# one attribute inside a `[...]` that _DECL_LINE has already validated:
# key, then a bare value, a quoted value, or the inside of a `[list]`
_ATTR_ITEM = re.compile("(" + NAME_PATTERN + ")(?:" + _W + ":" + _W + "(?:(" + NAME_PATTERN + ")|("
                        + STRING_PATTERN + ")|\\[(" + _W + "(?:" + _LIST + ")?" + _W + ")\\]))?")


def _scan(text: str, path: str):
    top: list = []
    comments: list = []
    stack: list[_OpenGroup] = []
    relation_line, decl_line = _RELATION_LINE.fullmatch, _DECL_LINE.fullmatch
    names = _NAME_OR_STRING.finditer
    new = tuple.__new__  # Span is a named tuple: skip its __new__ wrapper
    keywords = _KEYWORDS
    blanks = _BLANKS
    lines = text.split("\n")
    lines.pop()  # the text ends with a newline
    for lineno, line in enumerate(lines, 1):
        if not line:
            continue
        # only a line starting with 'd', 'k' or 'm' can be a declaration, and one
        # that is cannot be a relation: one pattern per line, mostly
        first = line.lstrip(blanks)[:1]
        if first == "d" or first == "k" or first == "m":
            decl = decl_line(line)
            m = relation_line(line) if decl is None else None
        else:
            decl = None
            m = relation_line(line)
        if m is not None:
            steps = []
            for group in (1, 3):
                listed = m.group(group)
                offset = m.start(group) + 1
                if '"' not in listed:  # bare names only (nearly always): split, no second regex
                    side = []
                    for part in listed.split(","):
                        value = part.strip(blanks)
                        if value in keywords:
                            raise _Fallback
                        col = offset + part.find(value)
                        side.append((value, new(Span, (path, lineno, col, lineno, col + len(value)))))
                        offset += len(part) + 1
                    steps.append(side)
                    continue
                side = []
                for nm in names(listed):
                    value = nm.group(1)
                    col = offset + nm.start()
                    if value is None:
                        raw = nm.group(2)
                        side.append((unescape(raw), new(Span, (path, lineno, col, lineno, col + len(raw)))))
                    elif value in keywords:
                        raise _Fallback
                    else:
                        side.append((value, new(Span, (path, lineno, col, lineno, col + len(value)))))
                steps.append(side)
            left, right = steps
            first, last = left[0][1], right[-1][1]
            stmt = RelationStmt([(left, m.group(2), right)], None,
                                new(Span, (path, lineno, first.column, lineno, last.end_column)))
            (stack[-1].body if stack else top).append(stmt)
            if m.group(4) is not None:
                _comment(m, 4, path, lineno, comments)
            continue
        m = decl
        if m is not None:
            kind = m.group(1)
            col = m.start(2) + 1
            raw = m.group(2)
            if raw[0] == '"':
                name = unescape(raw)
            elif raw in keywords:
                raise _Fallback
            else:
                name = raw
            name_span = end_span = new(Span, (path, lineno, col, lineno, col + len(raw)))
            label = attrs = None
            if m.group(3) is not None:
                raw = m.group(3)
                label = unescape(raw)
                col = m.start(3) + 1
                end_span = new(Span, (path, lineno, col, lineno, col + len(raw)))
            if m.group(4) is not None:
                attrs, end_span = _validated_attrs(line, m.start(4), m.end(4), lineno, path)
            start = m.start(1) + 1
            stmt = DeclStmt(kind, name, name_span, label, attrs,
                            new(Span, (path, lineno, start, lineno, end_span.end_column)))
            (stack[-1].body if stack else top).append(stmt)
            if m.group(5) is not None:
                _comment(m, 5, path, lineno, comments)
            continue
        toks = _tokens(line, 0, len(line))
        if toks and toks[-1][0] == _COMMENT:
            kind, value, col = toks.pop()
            comments.append(Comment(value, Span(path, lineno, col, lineno, col + len(value))))
        if toks:
            _line(toks, lineno, path, top, stack)
    if stack:
        raise _Fallback  # an unclosed group: Lark says where
    return top, tuple(comments)


def _validated_attrs(line: str, start: int, end: int, lineno: int, path: str):
    """The attributes of line[start:end], a `[...]` the line regex matched:
    ([AttrNode], span of the closing ']')."""
    new = tuple.__new__  # Span is a named tuple: skip its __new__ wrapper
    out = []
    for m in _ATTR_ITEM.finditer(line, start, end):
        key, bare, quoted, listed = m.groups()
        if key in _NOT_KEYS:
            raise _Fallback
        col = m.start(1) + 1
        key_span = new(Span, (path, lineno, col, lineno, col + len(key)))
        if bare is not None:
            if bare in _KEYWORDS:
                raise _Fallback
            out.append(AttrNode(key, key_span, bare, new(Span, (path, lineno, col, lineno, m.end(2) + 1))))
        elif quoted is not None:
            out.append(AttrNode(key, key_span, unescape(quoted), new(Span, (path, lineno, col, lineno, m.end(3) + 1))))
        elif listed is not None:
            items = []
            for nm in _NAME_OR_STRING.finditer(listed):
                value = nm.group(1)
                if value is None:
                    items.append(unescape(nm.group(2)))
                elif value in _KEYWORDS:
                    raise _Fallback
                else:
                    items.append(value)
            # the list's ']' is the character after group 4
            out.append(AttrNode(key, key_span, tuple(items), new(Span, (path, lineno, col, lineno, m.end(4) + 2))))
        else:
            out.append(AttrNode(key, key_span, None, key_span))
    return out, new(Span, (path, lineno, end, lineno, end + 1))


def _comment(m, group: int, path: str, line: int, comments: list) -> None:
    value = m.group(group)
    col = m.start(group) + 1
    comments.append(Comment(value, Span(path, line, col, line, col + len(value))))


# kinds of `lex_line`: the scanner's, and one for a character no terminal reads
NAME, STRING, ARROW, PUNCT, COMMENT, UNREAD = _NAME, _STRING, _ARROW, _PUNCT, _COMMENT, 0


def lex_line(line: str):
    """Every token of one line (no line break in it) as (kind, text, 0-based
    column), for editors that colour the text: the same terminals the
    scanner reads, but it never gives up. A character no terminal reads (`;`,
    `=`, `(`, a zero-width space) is one UNREAD token; white space is none."""
    match = _TOKEN.match
    pos, end = 0, len(line)
    while pos < end:
        m = match(line, pos)
        if m is None:
            while pos < end and line[pos] in _BLANKS:
                pos += 1
            if pos < end:
                yield UNREAD, line[pos], pos
                pos += 1
            continue
        kind = m.lastindex
        pos = m.end()
        yield kind, m.group(kind), m.start(kind)


def _tokens(line: str, pos: int, end: int) -> list:
    """The tokens of line[pos:end] as (kind, value, column)."""
    match = _TOKEN.match
    out = []
    while pos < end:
        m = match(line, pos, end)
        if m is None:
            if line[pos:end].strip(" \t\f\u3000"):
                raise _Fallback
            break  # trailing white space
        kind = m.lastindex
        pos = m.end()
        out.append((kind, m.group(kind), m.start(kind) + 1))
    return out


def _line(toks: list, line: int, path: str, top: list, stack: list) -> None:
    """One line: `group NAME "label" [attrs] {` and `stage ... {` openers, at
    most one statement, `}` closers."""
    n = len(toks)
    i = 0
    # openers (a `stage` head without its `{` is a statement of its own)
    while i < n and toks[i][0] == _NAME and toks[i][1] in ("group", "stage"):
        keyword, kw_col = toks[i][1], toks[i][2]
        kw_span = Span(path, line, kw_col, line, kw_col + len(keyword))
        name, name_span, label, attrs, end_span, i = _head(toks, i + 1, line, path)
        if i < n and toks[i][0] == _PUNCT and toks[i][1] == "{":
            stack.append(_OpenGroup(keyword, name, name_span, label, attrs, kw_span))
            i += 1
            continue
        if keyword == "group":
            raise _Fallback  # `group` without its `{` on this line
        (stack[-1].body if stack else top).append(StageStmt(name, name_span, label, attrs, None,
                                                            kw_span.to(end_span)))
        break
    else:
        i = _statement(toks, i, line, path, top, stack)
    # closers
    while i < n and toks[i][0] == _PUNCT and toks[i][1] == "}":
        if not stack:
            raise _Fallback
        col = toks[i][2]
        stmt = stack.pop().close(Span(path, line, col, line, col + 1))
        (stack[-1].body if stack else top).append(stmt)
        i += 1
    if i != n:
        raise _Fallback


def _statement(toks: list, i: int, line: int, path: str, top: list, stack: list) -> int:
    """At most one title, declaration or relation at `i`: the next index."""
    n = len(toks)
    # one statement
    if i < n and not (toks[i][0] == _PUNCT and toks[i][1] == "}"):
        kind, value, col = toks[i]
        if kind == _NAME and value in _KEYWORDS:
            kw_span = Span(path, line, col, line, col + len(value))
            if value == "title" or value == "include":
                if i + 1 >= n or toks[i + 1][0] != _STRING:
                    raise _Fallback
                s_value, s_col = toks[i + 1][1], toks[i + 1][2]
                s_span = Span(path, line, s_col, line, s_col + len(s_value))
                if value == "title":
                    stmt = TitleStmt(unescape(s_value), kw_span.to(s_span))
                else:
                    stmt = IncludeStmt(unescape(s_value), s_span, kw_span.to(s_span))
                i += 2
            elif value in ("group", "stage"):
                raise _Fallback  # not reached: openers are read before
            else:
                name, name_span, label, attrs, end_span, i = _head(toks, i + 1, line, path)
                stmt = DeclStmt(value, name, name_span, label, attrs, kw_span.to(end_span))
        else:
            left, i = _names(toks, i, line, path)
            steps = []
            while i < n and toks[i][0] == _ARROW:
                arrow = toks[i][1]
                right, i = _names(toks, i + 1, line, path)
                steps.append((left, arrow, right))
                left = right
            if not steps:
                raise _Fallback
            end_span = left[-1][1]
            attrs = None
            if i < n and toks[i][0] == _PUNCT and toks[i][1] == "[":
                attrs, end_span, i = _attrs(toks, i, line, path)
            stmt = RelationStmt(steps, attrs, steps[0][0][0][1].to(end_span))
        (stack[-1].body if stack else top).append(stmt)
    return i


def _head(toks: list, i: int, line: int, path: str):
    """`NAME "label"? [attrs]?` after a keyword, at `i`: (name, its span,
    label, attributes, span of the head's last token, next index)."""
    n = len(toks)
    name, name_span, i = _name(toks, i, line, path)
    end_span = name_span
    label = attrs = None
    if i < n and toks[i][0] == _STRING:
        s_value, s_col = toks[i][1], toks[i][2]
        label = unescape(s_value)
        end_span = Span(path, line, s_col, line, s_col + len(s_value))
        i += 1
    if i < n and toks[i][0] == _PUNCT and toks[i][1] == "[":
        attrs, end_span, i = _attrs(toks, i, line, path)
    return name, name_span, label, attrs, end_span, i


def _name(toks: list, i: int, line: int, path: str):
    """A NAME or STRING at `i`: (value, span, next index)."""
    if i >= len(toks):
        raise _Fallback
    kind, value, col = toks[i]
    if kind == _NAME:
        if value in _KEYWORDS:
            raise _Fallback
        return value, Span(path, line, col, line, col + len(value)), i + 1
    if kind == _STRING:
        return unescape(value), Span(path, line, col, line, col + len(value)), i + 1
    raise _Fallback


def _names(toks: list, i: int, line: int, path: str):
    """`name, name, ...`: ([(value, span)], next index)."""
    out = []
    n = len(toks)
    while True:
        if i >= n:
            raise _Fallback
        kind, value, col = toks[i]
        if kind == _NAME:
            if value in _KEYWORDS:
                raise _Fallback
            out.append((value, Span(path, line, col, line, col + len(value))))
        elif kind == _STRING:
            out.append((unescape(value), Span(path, line, col, line, col + len(value))))
        else:
            raise _Fallback
        i += 1
        if i < n and toks[i][0] == _PUNCT and toks[i][1] == ",":
            i += 1
            continue
        return out, i


def _attrs(toks: list, i: int, line: int, path: str):
    """`[key, key: value, key: [a, b]]` at `i` (the '['): ([AttrNode], span of
    the closing ']', next index)."""
    n = len(toks)
    i += 1
    out = []
    if i < n and toks[i][0] == _PUNCT and toks[i][1] == "]":
        col = toks[i][2]
        return out, Span(path, line, col, line, col + 1), i + 1
    while True:
        if i >= n or toks[i][0] != _NAME or toks[i][1] in _NOT_KEYS:
            raise _Fallback
        key, key_col = toks[i][1], toks[i][2]
        key_span = Span(path, line, key_col, line, key_col + len(key))
        i += 1
        if i < n and toks[i][0] == _PUNCT and toks[i][1] == ":":
            i += 1
            if i < n and toks[i][0] == _PUNCT and toks[i][1] == "[":
                i += 1
                items = []
                if not (i < n and toks[i][0] == _PUNCT and toks[i][1] == "]"):
                    names, i = _names(toks, i, line, path)
                    items = [v for v, _ in names]
                if i >= n or toks[i][0] != _PUNCT or toks[i][1] != "]":
                    raise _Fallback
                col = toks[i][2]
                out.append(AttrNode(key, key_span, tuple(items), key_span.to(Span(path, line, col, line, col + 1))))
                i += 1
            else:
                value, span, i = _name(toks, i, line, path)
                out.append(AttrNode(key, key_span, value, key_span.to(span)))
        else:
            out.append(AttrNode(key, key_span, None, key_span))
        if i < n and toks[i][0] == _PUNCT:
            if toks[i][1] == ",":
                i += 1
                continue
            if toks[i][1] == "]":
                col = toks[i][2]
                return out, Span(path, line, col, line, col + 1), i + 1
        raise _Fallback
