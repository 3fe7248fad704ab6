"""`prep fmt`: one canonical layout of a model, by re-emitting its tokens.

The formatter works on the token stream (the lexer's terminals of
`grammar/prep.lark`, comments and line ends included), not on the parsed
statements, so it knows only a few facts about the language:

- a statement ends at a line end or `;`; `{` opens a block and `}` closes
  it (group and stage blocks alike): the body is indented two spaces per
  level and every `}` stands on its own line;
- inside a statement: one space between words, around arrows and after
  `,` and `:`; none before `,` `:` `]` or after `[`;
- at most one blank line, none at the start or end of the file or of a
  block; a trailing comment is kept on its statement's line, two spaces
  after it; a comment on its own line keeps its own line, indented;
- attributes in a canonical order (flags, then owner, stage, ..., note)
  when every key is a known one given once (otherwise their order is kept,
  so the model's errors stay where they are);
- a quoted name that reads the same bare (and is not a keyword) loses its
  quotes where it is a name (relation, declaration, owner and stage
  references); labels, the title and notes keep theirs.

A line that carries a `# prep: ignore[...]` suppression is never split
into several lines, so the suppression keeps covering the same statements.

The text must parse (a syntax error raises `PrepError`, and nothing is
formatted); the result parses to the same model (`meaning` below is what
"the same" compares), and formatting it again changes nothing.
"""

from __future__ import annotations

import re

from .diagnostics import PrepError
from .fastparse import NAME_PATTERN, STRING_PATTERN
from .syntax import unescape

INDENT = "  "

# `stage` is included ahead of the grammar so a quoted "stage" is never
# unquoted into the keyword: a keyword is never written bare as a name.
KEYWORDS = frozenset(("title", "deliverable", "knowhow", "measure", "group", "stage", "include"))
# statements that name something right after their keyword, then an optional label
_DECLARING = frozenset(("deliverable", "knowhow", "measure", "group", "stage"))

# attribute keys whose values are names (quotes dropped where not needed)
NAME_VALUED = frozenset(("owner", "stage", "after", "exit", "colour", "fill", "of", "from", "dear"))
# canonical attribute order; a list with any other key keeps its order
# (a measure's: what it is of and from, its target, the colours' thresholds
# from best to worst, its DEAR category)
ATTRIBUTE_ORDER = ("external", "final", "of", "from", "target", "green", "lime", "yellow", "dear", "owner", "stage",
                   "after", "exit", "colour", "fill", "note")

# token kinds
NAME, STRING, ARROW, PUNCT, NEWLINE, SEMI, COMMENT = "NAME", "STRING", "ARROW", "PUNCT", "NL", "SEMI", "COMMENT"
_TOKEN = re.compile(
    r"[ \t\f\u3000]*(?:(?P<NAME>" + NAME_PATTERN + ")|(?P<STRING>" + STRING_PATTERN + r")|(?P<ARROW><~>|~>|->)"
    r"|(?P<PUNCT>[\[\]{},:])|(?P<NL>\n)|(?P<SEMI>;)|(?P<COMMENT>#[^\n]*))")
_BARE = re.compile(NAME_PATTERN)
_SUPPRESSION = re.compile(r"#\s*prep\s*:\s*ignore\b(?!-)", re.IGNORECASE)
_COMMENT_END = " \t\f\u3000"


def format_text(text: str, path: str = "<string>", *, verify: bool = False, parsed: bool = False) -> str:
    """The canonical layout of model text. Raises PrepError (located, with
    a hint) when the text has a syntax error. With `verify`, the result is
    parsed again and compared with the input's model (a PrepError if they
    differ: a bug in the formatter, never a changed model on disk). With
    `parsed`, the caller parses the text (or the result) itself, so the
    formatter does not parse it for syntax errors first (the catalogue
    import: one parse of 10,000 deliverables saved)."""
    from .parse import parse_statements, parse_text
    from .source import normalize_text

    text = normalize_text(text, path)
    if parsed and not verify:
        return _format(text)[0]
    if not verify:
        try:
            out, proven = _format(text)
        except ValueError:  # a character no token starts with: the parser says where
            parse_statements(text, path)
            raise
        if not proven:
            parse_statements(text, path)  # refuses syntax errors, with their position
        return out
    before = parse_text(text, path)
    out = format_tokens(text)
    if out != text:
        after = parse_text(out, path)
        if meaning(before) != meaning(after):
            raise PrepError.at(path, "the formatter would change the model's meaning; the file is left as it is",
                               name="formatter-error",
                               hint="this is a bug in prep fmt: please report it with the model")
    return out


def tokens(text: str):
    """(kind, value) of every token; the text must be lexable (it parsed)."""
    match = _TOKEN.match
    pos, n = 0, len(text)
    out = []
    append = out.append
    while pos < n:
        m = match(text, pos)
        if m is None:  # trailing white space at the end of the text
            if text[pos:].strip(" \t\f\u3000"):
                raise ValueError(f"cannot read the text at offset {pos}")
            break
        kind = m.lastgroup
        append((kind, m.group(kind)))
        pos = m.end()
    return out


# A line already in the canonical layout, in the shapes nearly every line
# has (bare names, labels, attributes in order, `group ... {`, `}`, comments):
# recognized by one regular expression and kept as it is, instead of being
# tokenized and rebuilt (five times faster on a 10,000-deliverable model).
# (the text has parsed, so any run of non-separators is a name; '->' inside
# such a run is checked apart)
_N = "[^\\s,~<>\\[\\]{}()\"#:;'=\\u2190-\\u21ff\\u27f5-\\u27ff]+"
_S = STRING_PATTERN
_ATTR_FAST = "(?:external|final|owner: (?:" + _N + "|\\[" + _N + "(?:, " + _N + ")*\\])|stage: " + _N + "|note: " + _S + ")"
_TRAIL = "(?P<comment>  #(?:[^\\n]*[^ \\t\\f\\u3000\\n])?)?"
_CANONICAL = re.compile(
    "(?P<indent>(?:  )*)(?:"
    "(?P<stmt>" + _N + "(?:, " + _N + ")*(?: (?:->|~>|<~>) " + _N + "(?:, " + _N + ")*)+"
    "(?P<rattrs> \\[" + _ATTR_FAST + "(?:, " + _ATTR_FAST + ")*\\])?"
    "|title " + _S + "|(?:deliverable|knowhow) " + _N + "(?: " + _S + ")?(?P<attrs> \\[" + _ATTR_FAST + "(?:, " + _ATTR_FAST + ")*\\])?)"
    "|(?P<open>group " + _N + "(?: " + _S + ")? \\{)"
    "|(?P<close>\\})"
    ")" + _TRAIL + "|(?P<cindent>(?:  )*)(?P<alone>#(?:[^\\n]*[^ \\t\\f\\u3000\\n])?)")
_WORDS = re.compile(r"[ ,\[\]]+")
_ATTR_KEYS = re.compile(r"(?:\[|, )(external|final|owner|stage|note)\b")


def _canonical_line(line: str, depth: int):
    """(kind, commented) when `line` is already canonical at `depth`, else None."""
    m = _CANONICAL.fullmatch(line)
    if m is None:
        return None
    code = line if m.group("comment") is None else line[: m.start("comment")]
    if "->" in code and code.count("->") != code.count(" -> ") + code.count(" <~> "):
        return None  # `a->b` inside what looked like one name
    if m.group("alone") is not None:
        return ("comment", False) if len(m.group("cindent")) == 2 * depth else None
    kind = "stmt" if m.group("stmt") is not None else "open" if m.group("open") is not None else "close"
    if len(m.group("indent")) != 2 * (depth - 1 if kind == "close" else depth):
        return None
    # every word but the statement's keyword, attribute values and label words
    # included (a keyword anywhere sends the line the slow, checked way)
    words = _WORDS.split(m.group("stmt") or m.group("open") or "")
    if any(w in KEYWORDS for w in words[1 if kind == "open" or words[0] in ("deliverable", "knowhow", "title") else 0:]):
        return None  # a keyword as a bare name is a syntax error: leave it to the parser
    attrs = m.group("attrs") or m.group("rattrs")
    if attrs is not None:
        keys = _ATTR_KEYS.findall(attrs)
        if keys != sorted(keys, key=ATTRIBUTE_ORDER.index) or len(set(keys)) != len(keys):
            return None
    if kind == "stmt" and m.group("stmt").startswith(("deliverable ", "knowhow ")) and '"' in m.group("stmt"):
        # the name must be bare; only the label (after it) is quoted
        head = m.group("stmt").split(" ", 2)
        if head[1].startswith('"'):
            return None
    return kind, m.group("comment") is not None


def format_tokens(text: str) -> str:
    """The layout of lexable text (no check that it parses)."""
    return _format(text)[0]


def _format(text: str) -> tuple[str, bool]:
    """(layout, proven): `proven` when every line had one of the canonical
    shapes of `_CANONICAL` and the blocks balance, which are all valid
    statements, so the text needs no parse to be known valid (`prep fmt
    --check` on a formatted file then costs a third of a parse)."""
    out: list[str] = []          # finished output lines
    last = None                  # the kind of the last one: "stmt", "open", "close", "comment"
    last_commented = False       # ... and whether it ends in a comment
    blank_pending = False
    depth = 0
    canonical = _canonical_line
    proven = True
    for source_line in _statement_lines(text):
        if not source_line.strip(" \t\f\u3000;"):
            if ";" not in source_line:
                blank_pending = bool(out)
                continue
        fast = canonical(source_line, depth)
        if fast is not None:
            kind, commented = fast
            emitted = [(source_line, kind)]
            if kind == "open":
                depth += 1
            elif kind == "close":
                depth -= 1
        else:
            proven = False
            line = tokens(source_line)
            if not line:
                continue
            commented = line[-1][0] == COMMENT
            depth, emitted = _layout_line(line, depth)
        for index, (text_line, kind) in enumerate(emitted):
            if blank_pending and kind != "close" and last != "open":
                out.append("")
            blank_pending = False
            if kind == "close" and last == "open" and text_line.strip() == "}" and not last_commented:
                out[-1] += "}"  # an empty block: `group g {}`
                last = "stmt"
                continue
            out.append(text_line)
            last = kind
            last_commented = commented and index == len(emitted) - 1
    return ("\n".join(out) + "\n" if out else ""), proven and depth == 0


def _statement_lines(text: str) -> list[str]:
    """The text's lines (a statement never spans two: line ends are
    terminators and strings are one line)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _layout_line(line: list, depth: int):
    """One source line -> (depth after it, [(output line, kind)]); kind is
    "close" for a line that starts with `}`."""
    comment = None
    if line[-1][0] == COMMENT:
        comment = line[-1][1].rstrip(_COMMENT_END)
        line = line[:-1]
    if not line:
        return depth, [(INDENT * depth + comment, "comment")]
    # split into pieces: statements (ending at ';' '{' or the line end) and '}'
    pieces: list = []   # (kind, tokens): "stmt", "open" (a statement ending in '{'), "close"
    current: list = []
    for tok in line:
        kind, value = tok
        if kind == SEMI:
            if current:
                pieces.append(("stmt", current))
                current = []
        elif kind == PUNCT and value == "{":
            current.append(tok)
            pieces.append(("open", current))
            current = []
        elif kind == PUNCT and value == "}":
            if current:
                pieces.append(("stmt", current))
                current = []
            pieces.append(("close", [tok]))
        else:
            current.append(tok)
    if current:
        pieces.append(("stmt", current))
    if not pieces:  # only ';'
        return depth, [(INDENT * depth + comment, "comment")] if comment else []

    if comment is not None and len(pieces) > 1 and _SUPPRESSION.search(comment):
        # keep a suppressed line whole: its comment covers findings on this line only
        start = depth - 1 if pieces[0][0] == "close" else depth
        for kind, _ in pieces:
            depth += 1 if kind == "open" else -1 if kind == "close" else 0
        parts = [_statement(toks) if kind != "close" else "}" for kind, toks in pieces]
        joined = parts[0]
        for (prev_kind, _), part in zip(pieces, parts[1:]):
            joined += " " + part if prev_kind == "open" or part == "}" else "; " + part
        return depth, [(INDENT * max(start, 0) + joined + "  " + comment,
                        "close" if pieces[0][0] == "close" else "stmt")]

    emitted = []
    for kind, toks in pieces:
        if kind == "close":
            depth = max(depth - 1, 0)
            emitted.append((INDENT * depth + "}", "close"))
        else:
            emitted.append((INDENT * depth + _statement(toks), kind))
            if kind == "open":
                depth += 1
    if comment is not None:
        text_line, kind = emitted[-1]
        emitted[-1] = (text_line + "  " + comment, kind)
    return depth, emitted


def _statement(toks: list) -> str:
    """One statement's tokens with canonical spacing, attribute order and quoting."""
    first = toks[0]
    keyword = first[1] if first[0] == NAME and first[1] in KEYWORDS else None
    words: list[str] = []
    i, n = 0, len(toks)
    while i < n:
        kind, value = toks[i]
        if kind == PUNCT and value == "[":
            close = _matching(toks, i)
            words.append(_attributes(toks[i + 1 : close]))
            i = close + 1
            continue
        if kind == STRING:
            # a name, unless it is the title text, an include's path or a declaration's label
            is_label = keyword in ("title", "include") or (keyword in _DECLARING and i == 2)
            if not is_label:
                value = bare(value)
        words.append(value)
        i += 1
    return _join(words)


def _join(words: list[str]) -> str:
    out = ""
    for w in words:
        if not out:
            out = w
        elif w in (",", ":", "]") or out.endswith("["):
            out += w
        else:
            out += " " + w
    return out


def _matching(toks: list, i: int) -> int:
    """Index of the `]` closing the `[` at `i` (the end when unclosed)."""
    level = 0
    for j in range(i, len(toks)):
        kind, value = toks[j]
        if kind == PUNCT and value == "[":
            level += 1
        elif kind == PUNCT and value == "]":
            level -= 1
            if level == 0:
                return j
    return len(toks) - 1


def _attributes(inner: list) -> str:
    """`[key, key: value, key: [a, b]]` from the tokens between the brackets."""
    items: list[list] = [[]]
    level = 0
    for tok in inner:
        kind, value = tok
        if kind == PUNCT and value == "[":
            level += 1
        elif kind == PUNCT and value == "]":
            level -= 1
        if kind == PUNCT and value == "," and level == 0:
            items.append([])
        else:
            items[-1].append(tok)
    items = [it for it in items if it]
    keys = [it[0][1] for it in items]
    if all(k in ATTRIBUTE_ORDER for k in keys) and len(set(keys)) == len(keys):
        items.sort(key=lambda it: ATTRIBUTE_ORDER.index(it[0][1]))
    texts = []
    for it in items:
        key = it[0][1]
        words = []
        for kind, value in it:
            if kind == STRING and key in NAME_VALUED:
                value = bare(value)
            words.append(value)
        texts.append(_join(words))
    return "[" + ", ".join(texts) + "]"


def bare(raw: str) -> str:
    """A quoted name without its quotes when it reads the same bare."""
    value = unescape(raw)
    if value and value not in KEYWORDS and _BARE.fullmatch(value):
        return value
    return raw


def spell(name: str) -> str:
    """A name as the model writes it: bare when it can be, else quoted."""
    if name and name not in KEYWORDS and _BARE.fullmatch(name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def meaning(model) -> tuple:
    """What formatting must keep: every field of the model's elements but
    their positions (deliverables, relations, attributes, groups, stages,
    the title), the comments' text in order, and the model's own errors.
    Generic over the Model's fields, so new elements are compared too."""
    import dataclasses

    kept: dict = {}  # dataclass type -> the names of its fields that are not positions

    def strip(value):
        cls = type(value)
        names = kept.get(cls)
        if names is None and dataclasses.is_dataclass(cls):
            names = kept[cls] = tuple(f.name for f in dataclasses.fields(cls)
                                      if not f.name.endswith("span") and f.name != "path")
        if names is not None:
            return tuple(strip(getattr(value, n)) for n in names)
        if cls is dict:
            return tuple((k, strip(v)) for k, v in value.items())
        if cls is tuple or cls is list:
            return tuple(map(strip, value)) if value and not isinstance(value[0], (str, int)) else tuple(value)
        if hasattr(value, "_fields"):  # a Span
            return None
        return value

    fields = []
    for f in dataclasses.fields(model):
        if f.name in ("path", "source", "diagnostics", "comments", "files"):
            continue
        fields.append((f.name, strip(getattr(model, f.name))))
    comments = tuple(c.text.rstrip(_COMMENT_END) for c in model.comments)
    errors = tuple(sorted((d.code, d.severity, d.message, d.subject or "") for d in model.diagnostics))
    return tuple(fields), comments, errors
