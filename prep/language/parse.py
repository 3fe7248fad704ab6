"""Text to statements: the Lark LALR parser and the friendly syntax errors.

The grammar (`grammar/prep.lark`) ships inside the package. The parser is
built once per process, with its tables cached on disk by Lark, and a
transformer is passed to it so each rule becomes a statement object as it is
reduced: no parse tree is ever built.
"""

from __future__ import annotations

import difflib
import threading
from functools import lru_cache

from .diagnostics import ERROR, Diagnostic, PrepError, Span
from .model import Comment, Model, build_model, paused_gc
from .syntax import AttrNode, DeclStmt, GroupStmt, IncludeStmt, RelationStmt, StageStmt, TitleStmt, unescape

KEYWORDS = ("title", "deliverable", "knowhow", "measure", "group", "stage", "include")


# --------------------------------------------------------------------------
# the grammar and the parser


def grammar_path(name: str = "prep.lark"):
    """The grammar file: inside the installed package, or the checkout's
    `grammar/` folder when running from a source tree. (Imports here: a
    valid file is read without the grammar, and these cost 12 ms.)"""
    from importlib import resources
    from pathlib import Path

    packaged = resources.files("prep").joinpath("grammar", name)
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "grammar" / name


def _build_transformer():
    from lark import Transformer

    class Statements(Transformer):
        """Each rule callback gets its children inline and returns a statement."""

        path = "<string>"

        def _span(self, tok):
            return Span(self.path, tok.line, tok.column, tok.end_line, tok.end_column)

        def _named(self, tok):
            value = tok.value
            if tok.type == "STRING":
                value = unescape(value)
            return value, Span(self.path, tok.line, tok.column, tok.end_line, tok.end_column)

        def start(self, children):
            return children

        def title(self, children):
            kw, text = children
            return TitleStmt(unescape(text.value), self._span(kw).to(self._span(text)))

        def include(self, children):
            kw, target = children
            target_span = self._span(target)
            return IncludeStmt(unescape(target.value), target_span, self._span(kw).to(target_span))

        def decl(self, children):
            kind_tok, name_tok = children[0], children[1]
            label = attrs = None
            end = name_tok
            for c in children[2:]:
                if type(c) is tuple:
                    attrs, end = c
                else:
                    label, end = unescape(c.value), c
            name, name_span = self._named(name_tok)
            span = self._span(kind_tok).to(self._span(end))
            return DeclStmt(kind_tok.value, name, name_span, label, attrs, span)

        def names(self, children):
            name = self._named
            return [name(t) for t in children]

        def relation(self, children):
            attrs = None
            if type(children[-1]) is tuple:
                attrs, end_tok = children[-1]
                children = children[:-1]
                end = self._span(end_tok)
            else:
                end = children[-1][-1][1]
            steps = []
            left = children[0]
            for i in range(1, len(children), 2):
                right = children[i + 1]
                steps.append((left, children[i].value, right))
                left = right
            return RelationStmt(steps, attrs, children[0][0][1].to(end))

        def _head(self, children):
            """`KEYWORD NAME "label"? [attrs]?` then the rest: (name, span,
            label, attrs, end token of the head, rest)."""
            name_tok = children[1]
            rest = children[2:]
            label = attrs = None
            end = name_tok
            if rest and getattr(rest[0], "type", None) == "STRING":
                label, end = unescape(rest[0].value), rest[0]
                rest = rest[1:]
            if rest and type(rest[0]) is tuple:
                attrs, end = rest[0]
                rest = rest[1:]
            name, name_span = self._named(name_tok)
            return name, name_span, label, attrs, end, rest

        def group(self, children):
            name, name_span, label, attrs, _, rest = self._head(children)
            close = rest[-1]
            return GroupStmt(name, name_span, label, rest[:-1], self._span(children[0]).to(self._span(close)),
                             attrs)

        def stage(self, children):
            name, name_span, label, attrs, end, rest = self._head(children)
            body = None
            if rest:  # a block: its statements, then the closing brace
                body, end = rest[:-1], rest[-1]
            return StageStmt(name, name_span, label, attrs, body, self._span(children[0]).to(self._span(end)))

        def attrs(self, children):
            # returns (attributes, closing bracket token)
            return children[:-1], children[-1]

        def attr(self, children):
            key = children[0]
            key_span = self._span(key)
            if len(children) == 1:
                return AttrNode(key.value, key_span, None, key_span)
            value = children[1]
            if type(value) is tuple and len(value) == 2 and type(value[1]) is not Span:
                items, close = value  # a list
                return AttrNode(key.value, key_span, tuple(v for v, _ in items), key_span.to(self._span(close)))
            text, span = self._named(value)
            return AttrNode(key.value, key_span, text, key_span.to(span))

        def list(self, children):
            close = children[-1]
            return [self._named(t) for t in children[:-1]], close

    return Statements()


@lru_cache(maxsize=1)
def _parser():
    from lark import Lark

    text = grammar_path().read_text(encoding="utf-8")
    # the closing brackets are kept as named tokens so spans can end on them
    text = text.replace('"]"', "RSQB").replace('"}"', "RBRACE") + '\nRSQB: "]"\nRBRACE: "}"\n'
    transformer = _build_transformer()
    comments: list = []
    parser = Lark(text, parser="lalr", lexer="basic", transformer=transformer,
                  maybe_placeholders=False, cache=True,
                  lexer_callbacks={"COMMENT": comments.append})
    return parser, transformer, comments


_LOCK = threading.Lock()


def parse_text(text: str, path: str = "<string>") -> Model:
    """Parse normalized model text into a Model. Raises PrepError on a syntax
    error; model errors (conflicts, bad attributes) are in `model.diagnostics`."""
    statements, comments = parse_statements(text, path)
    return build_model(statements, path, comments, text)


def parse_statements(text: str, path: str = "<string>") -> tuple[list, tuple[Comment, ...]]:
    """Text to (statements, comments). Raises PrepError on a syntax error.

    Well-formed, line-shaped text (nearly every real file) is read by the
    scanner in `fastparse` without loading Lark; anything else, including
    every syntax error, goes through the Lark parser below."""
    from .fastparse import scan

    with paused_gc():
        fast = scan(text, path)
    if fast is not None:
        return fast
    return parse_statements_lark(text, path)


def parse_statements_lark(text: str, path: str = "<string>") -> tuple[list, tuple[Comment, ...]]:
    """The full parser: the grammar through Lark, and the friendly errors."""
    from lark.exceptions import UnexpectedInput

    parser, transformer, comment_tokens = _parser()
    with _LOCK:
        transformer.path = path
        comment_tokens.clear()
        try:
            statements = parser.parse(text if text.endswith("\n") else text + "\n")
        except UnexpectedInput as e:
            raise PrepError([syntax_diagnostic(e, text, path)], text) from None
        except RecursionError:
            raise PrepError([Diagnostic("E001", ERROR, "the model nests too deeply to read",
                                        Span(path, 1, 1, 1, 2), name="syntax-error",
                                        hint="flatten the groups: a few levels are enough")], text) from None
        comments = tuple(Comment(t.value, Span(path, t.line, t.column, t.end_line, t.end_column))
                         for t in comment_tokens)
    return statements, comments


# --------------------------------------------------------------------------
# friendly syntax errors


@lru_cache(maxsize=1)
def _mistakes() -> dict:
    import tomllib

    return tomllib.loads(grammar_path("mistakes.toml").read_text(encoding="utf-8"))


def _quoted_guess(line: str, column: int) -> str:
    """The words around `column` on `line`, as a quoted-name suggestion:
    from the last separator (arrow, comma, bracket, brace, ';') before the
    column to the next one after it, without a leading keyword or stray
    quote marks; shortened when it is long (a 1 MB line)."""
    import re

    separators = r"<~>|~>|->|[,\[\]{};]"
    opening = line[column - 1: column]
    closing = {"'": "'", "\u2018": "\u2019", "\u201c": "\u201d"}.get(opening)
    if closing is not None and line.find(closing, column) != -1:
        # 'a.prep'  # a comment: the words between the marks, not the rest of the line
        words = line[column: line.find(closing, column)].strip(" \t\u3000")
        if words:
            return _short(words)
    left = re.split(separators, line[: column - 1])[-1]
    right = re.split(separators, line[column - 1 :], maxsplit=1)[0]
    right = re.split(r"\s#", right, maxsplit=1)[0]   # not a comment after it
    words = (left + right).strip(" \t\u3000")
    for kw in ("deliverable ", "knowhow ", "measure ", "group ", "title ", "stage ", "include "):
        if words.startswith(kw):
            words = words[len(kw) :]
    words = words.strip(" \t\u3000'\u2018\u2019\u201c\u201d")
    return _short(words) or "..."


def _short(words: str) -> str:
    """`words` escaped for a quoted name, shortened when long (a 1 MB line)."""
    if len(words) > 60:
        words = words[:40].rstrip() + "..."
    return words.replace("\\", "\\\\").replace('"', '\\"')


def _character_message(ch: str, nxt: str, quoted: str):
    """(message, hint, caret length) for a character the lexer cannot read,
    from the [[character]] entries of the mistakes table."""
    import unicodedata

    category = unicodedata.category(ch) if ch else ""
    for entry in _mistakes()["character"]:
        if ch and (ch in entry.get("chars", "") or category in entry.get("categories", ())) \
                and ("next" not in entry or nxt == entry["next"]):
            fmt = dict(token=ch, quoted=quoted, codepoint=f"U+{ord(ch):04X}",
                       charname=unicodedata.name(ch, "unnamed character").lower())
            return _fill(entry["message"], fmt), _fill(entry["hint"], fmt), 2 if "next" in entry else 1
    shown = ch if ch.isprintable() else f"U+{ord(ch):04X}" if ch else "end of input"
    return f"unexpected character '{shown}'", f'quote names that contain punctuation: "{quoted}"', 1


def syntax_diagnostic(e, text: str, path: str) -> Diagnostic:
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    lines = text.split("\n")
    line = max(getattr(e, "line", 1) or 1, 1)
    column = max(getattr(e, "column", 1) or 1, 1)
    token = getattr(e, "token", None)
    if isinstance(e, UnexpectedToken) and token is not None and token.type == "$END":
        line, column = len(lines), len(lines[-1]) + 1
    src_line = lines[line - 1] if line - 1 < len(lines) else ""
    quoted = _quoted_guess(src_line, column)
    message, hint, length = None, None, 1
    pinned = False  # the caret already marks the word the message is about
    label = None    # the mistakes-table entry that explains an unexpected token

    if isinstance(e, UnexpectedCharacters):
        pos = e.pos_in_stream
        ch = text[pos] if pos < len(text) else ""
        message, hint, length = _character_message(ch, text[pos + 1 : pos + 2], quoted)
    else:
        label = _match_mistake(e, text)
        tok_text = token.value if token is not None and token.type != "$END" else "end of file"
        if token is not None and token.type == "_TERM" and token.value != ";":
            tok_text = "end of the line"
        previous = _previous_token_text(src_line, column)
        if label is None and token is not None and token.type == "$END" and _unclosed_brace(text):
            label = next(m for m in _mistakes()["token"] if m["name"] == "unclosed-brace")
        if label is not None:
            entry = label
            fmt = dict(token=tok_text, quoted=quoted, previous=previous, keyword=tok_text)
            message, hint = _fill(entry["message"], fmt), _fill(entry["hint"], fmt)
            if entry["name"] == "unclosed-brace":
                opened = _unclosed_brace(text)
                if opened is not None:
                    line, column = opened
                    src_line = lines[line - 1]
            elif entry["name"] in ("unclosed-bracket", "missing-right-side") and token is not None \
                    and token.type in ("_TERM", "$END"):
                column = max(column, 1)
            if entry["name"] == "space-in-name":
                hint = _space_hint(src_line, column, hint)
            elif entry["name"] in ("name-alone", "keyword-starts-relation") and previous:
                # point at the name, not at the end of the line
                at = src_line.rfind(previous, 0, column - 1)
                if at >= 0:
                    column, length, pinned = at + 1, len(previous), True
        else:
            message = f"unexpected '{tok_text}'"
            hint = ("a line is one of: `title \"...\"`, `deliverable NAME \"label\" [attributes]`, "
                    "`knowhow NAME`, `a, b -> c`, `group NAME {`, `stage NAME`, `}` or a `# comment`")
        broken = _broken_arrow(src_line, column, previous) if token is not None and token.type in (
            "NAME", "_TERM", "$END") else None
        if broken is not None:
            (column, length), shown = broken
            message = f"'{shown}' is not an arrow"
            hint = ("type the arrow in half-width (ASCII) characters with no space inside: '->' "
                    "(or '~>' / '<~>' for synchronization)")
        words = src_line.split()
        first = words[0].split(",")[0] if words else ""
        close = difflib.get_close_matches(first, KEYWORDS, n=1, cutoff=0.75) if first not in KEYWORDS else []
        # a misspelled keyword makes the parse fail on the word after it
        after_first = len(src_line) - len(src_line.lstrip()) + len(first)
        if broken is not None:
            pass
        elif close and token is not None and token.type != "$END" and token.line == line \
                and src_line[after_first : column - 1].strip() == "":
            message = f"unknown keyword '{first}'"
            hint = f"did you mean '{close[0]}'?"
            column = len(src_line) - len(src_line.lstrip()) + 1
            length = len(first)
        elif token is not None and token.type not in ("$END", "_TERM") and not pinned:
            length = max(len(token.value), 1)
    if label is not None and label["name"] == "missing-comma-in-attributes":
        hint = _two_words_hint(src_line, column, hint)
    looks = _full_width(src_line, column, length)
    if looks is not None:
        message, hint, column, length = looks
    return Diagnostic("E001", ERROR, message, Span(path, line, column, line, column + length),
                      name="syntax-error", hint=hint)


# full-width look-alikes a Japanese input method types for prep's punctuation
_LOOK_ALIKES = {"［": ("[", "a full-width bracket"), "］": ("]", "a full-width bracket"),
                "：": (":", "a full-width colon"), "，": (",", "a full-width comma"),
                "“": ('"', "a typographic quotation mark"), "”": ('"', "a typographic quotation mark"),
                "＂": ('"', "a full-width quotation mark")}


def _full_width(src_line: str, column: int, length: int):
    """(message, hint, column, length) when the text the parse failed on, or
    the word just before it, holds a full-width look-alike of prep's
    punctuation outside quotes ("［final］", "note：", “見積”): it said "a
    name cannot contain spaces" and offered to quote "発注書 ［final］"."""
    start = column - 1   # the word before the caret too ("note：" before '"x"')
    while start > 0 and src_line[start - 1].isspace():
        start -= 1
    while start > 0 and not src_line[start - 1].isspace():
        start -= 1
    end = min(len(src_line), column - 1 + max(length, 1))
    quoted, at = False, None
    for i, ch in enumerate(src_line[:end]):
        if ch == '"':
            quoted = not quoted
        elif not quoted and i >= start and ch in _LOOK_ALIKES:
            at = i
            break
    if at is None:
        return None
    ch = src_line[at]
    ascii_, what = _LOOK_ALIKES[ch]
    fixed, quoted = [], False   # the line as it should read (what is quoted stays as it is)
    for c in src_line.strip():
        quoted = not quoted if c == '"' else quoted
        fixed.append(_LOOK_ALIKES[c][0] if c in _LOOK_ALIKES and not quoted else c)
    fixed = "".join(fixed)
    return (f"'{ch}' is {what} (U+{ord(ch):04X})", f"type it as '{ascii_}': `{fixed}`", at + 1, 1)


def _two_words_hint(src_line: str, column: int, hint: str) -> str:
    """For `[owner: 購買課長 佐藤]`: a value of two words is quoted, or they
    are two values in a list (the hint spoke of commas between attributes)."""
    import re

    m = re.search(r"(\w[\w-]*)\s*:\s*([^\s\[\],:\"]+)\s+$", src_line[: column - 1])
    word = re.match(r"[^\s\[\],:\"]+", src_line[column - 1:])
    if m is None or word is None:
        return hint
    key, first, second = m.group(1), m.group(2), word.group(0)
    return f'a value with a space in it is quoted: {key}: "{first} {second}"; several values are a list: ' \
           f"{key}: [{first}, {second}]"


_ARROW_LIKE = r"[<＜]?[-－ー—–‐−~～〜]+[ \t\u3000]*[>＞]"


def _broken_arrow(src_line: str, column: int, previous: str):
    """((column, length), text) of an arrow typed wrongly where the parse
    failed: '- >', '-->', or full-width '－＞' from a Japanese input method
    (which reads as part of a name), or None."""
    import re

    m = re.match(_ARROW_LIKE, src_line[column - 1 :])
    if m and m.group(0) not in ("->", "~>", "<~>"):
        return (column, len(m.group(0))), m.group(0)
    # `ａ－＞ｂ` typed in full width is one bare name: find the arrow in it
    start = src_line.rfind(previous, 0, column - 1) if previous not in ("", "->", "~>", "<~>") else -1
    m = re.search(r"[-－ー—–‐−~～〜][>＞]", previous) if start >= 0 else None
    if m:
        return (start + m.start() + 1, len(m.group(0))), m.group(0)
    return None


def _fill(template: str, values: dict) -> str:
    """Put values into a mistakes-table template: only {known} keys are
    replaced, so braces in messages ('{') need no escaping."""
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


def _space_hint(src_line: str, column: int, hint: str) -> str:
    if "\u3000" in src_line:
        return hint + " (the gap is a full-width space U+3000, which prep reads as a separator)"
    return hint


def _previous_token_text(src_line: str, column: int) -> str:
    before = src_line[: column - 1].rstrip()
    for arrow in ("<~>", "~>", "->"):
        if before.endswith(arrow):
            return arrow
    parts = before.split()
    return parts[-1] if parts else ""


def _error_keys(e) -> list[tuple]:
    """Where a parse failed, from the most to the least specific: the top
    of the parser's state stack (3, 2, 1 states deep) with and without the
    unexpected token type. LALR shares states between contexts (the state
    after a name is the same in `deliverable a b` and `group a b`), so the
    deeper stack tells them apart."""
    state = getattr(e, "state", None)
    stack = getattr(state, "state_stack", None)
    token = getattr(e, "token", None)
    if not stack or token is None:
        return []
    keys = [(tuple(stack[-depth:]), token.type) for depth in (3, 2, 1)]
    keys += [(tuple(stack[-depth:]), None) for depth in (3, 2, 1)]
    return keys


@lru_cache(maxsize=1)
def _example_keys() -> dict:
    """For every mistakes-table example, where it fails: {key: entry}.
    Computed on the first syntax error only."""
    from lark.exceptions import UnexpectedInput

    parser, _, _ = _parser()
    table: dict = {}
    # The parser state depends on what came before: the same mistake fails
    # in another state after an earlier statement or inside a group, so each
    # example is also tried in those places (an earlier prefix wins).
    for prefix in ("", "x -> y\n", "group g {\n", "group g {\nx -> y\n"):
        for entry in _mistakes()["token"]:
            for example in entry["examples"]:
                try:
                    parser.parse(prefix + example)
                except UnexpectedInput as ue:
                    token = getattr(ue, "token", None)
                    if prefix.startswith("group") and getattr(token, "type", None) == "$END":
                        continue  # the prefix's own open group, not the example's mistake
                    for key in _error_keys(ue):
                        table.setdefault(key, entry)
    return table


def _match_mistake(e, text: str):
    """The mistakes-table entry whose examples fail like `e` does (the idea
    of Lark's `match_examples`, with a deeper notion of parser state)."""
    table = _example_keys()
    for key in _error_keys(e):
        if key in table:
            return table[key]
    return None


def _unclosed_brace(text: str):
    """(line, column) of the last '{' never closed, skipping strings and comments."""
    stack = []
    line, col, i, n = 1, 1, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line, col = line + 1, 1
            i += 1
            continue
        if ch == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        if ch == '"':
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            col += j + 1 - i
            i = j + 1
            continue
        if ch == "{":
            stack.append((line, col))
        elif ch == "}" and stack:
            stack.pop()
        i += 1
        col += 1
    return stack[-1] if stack else None
