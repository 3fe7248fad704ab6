"""What the editor asks about one document, without the protocol: a pure
layer over the language and the linter that the server (`server.py`) only
translates to LSP messages.

Positions here are prep's (1-based line, 1-based column in code points);
`Lines` converts to and from LSP's (0-based, UTF-16 code units).

A half-typed document never stops the analysis: the first syntax error is
reported, its line is blanked out, and the rest is parsed again (up to a
few times), so hover, symbols and completion keep working on the parts
that read.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..language.diagnostics import ERROR, Diagnostic, PrepError, Span
from ..language.fastparse import NAME_PATTERN, STRING_PATTERN
from ..language.fmt import KEYWORDS, spell

# statement keywords offered by completion at the start of a line
STATEMENT_KEYWORDS = ("deliverable", "knowhow", "measure", "group", "title")
MAX_REPAIRS = 25


class Lines:
    """The lines of a text, for converting columns between prep (code
    points) and LSP (UTF-16 code units by default; UTF-8 or UTF-32 when
    the client and server agreed on that)."""

    def __init__(self, text: str, encoding: str = "utf-16"):
        self.lines = text.split("\n")
        self.encoding = encoding

    def line(self, line0: int) -> str:
        return self.lines[line0] if 0 <= line0 < len(self.lines) else ""

    def _units(self, text: str) -> int:
        if text.isascii() or self.encoding == "utf-32":
            return len(text)
        if self.encoding == "utf-8":
            return len(text.encode("utf-8", "surrogatepass"))
        return len(text.encode("utf-16-le", "surrogatepass")) // 2

    def to_utf16(self, line: int, column: int) -> tuple[int, int]:
        """prep (1-based line, 1-based code point column) -> LSP (line, character)."""
        text = self.line(line - 1)
        return line - 1, self._units(text[: max(column - 1, 0)])

    def from_utf16(self, line0: int, character: int) -> tuple[int, int]:
        """LSP (line, character) -> prep (1-based line, 1-based column); a
        position inside a character (half of a surrogate pair) or past the
        end of the line is moved to the next character / the line end."""
        text = self.line(line0)
        if text.isascii() or self.encoding == "utf-32":
            return line0 + 1, min(max(character, 0), len(text)) + 1
        units = 0
        for i, ch in enumerate(text):
            if units >= character:
                return line0 + 1, i + 1
            units += self._units(ch)
        return line0 + 1, len(text) + 1

    def span_range(self, span: Span) -> tuple[tuple[int, int], tuple[int, int]]:
        return self.to_utf16(span.line, span.column), self.to_utf16(span.end_line, span.end_column)


@dataclass
class Occurrence:
    name: str
    span: Span
    # "declaration", "relation", "exit" (a stage's exit criterion), "measured" (a
    # measure's `of:` or `from:`), "group", "stage", "measure" (its declaration)
    role: str

    @property
    def is_deliverable(self) -> bool:
        return self.role not in ("group", "stage", "measure")


@dataclass
class Analysis:
    path: str
    text: str
    model: object | None                        # None when nothing could be read
    syntax_errors: list[Diagnostic] = field(default_factory=list)
    findings: list[Diagnostic] = field(default_factory=list)
    occurrences: list[Occurrence] = field(default_factory=list)
    config_error: str | None = None
    # every `stage NAME ... { }` block: (name, span of the name, span of the whole block)
    stage_blocks: list[tuple[str, Span, Span]] = field(default_factory=list)

    encoding: str = "utf-16"
    # the root's view (prep.lsp.project.View) when this file is one of a
    # workspace's: the model is then that of every file
    workspace: object | None = None

    def __post_init__(self):
        self.lines = Lines(self.text, self.encoding)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.syntax_errors + self.findings

    # ------------------------------------------------------------------
    # where is what

    def occurrence_at(self, line: int, column: int) -> Occurrence | None:
        """The name under (line, column), prep positions; the column just
        after a name counts (the cursor at the end of a word)."""
        best = None
        for occ in self.occurrences:
            s = occ.span
            if s.line == line and s.column <= column <= s.end_column:
                if best is None or column < s.end_column:
                    best = occ
        return best

    def deliverable_at(self, line: int, column: int):
        occ = self.occurrence_at(line, column)
        if occ is None or not occ.is_deliverable or self.model is None:
            return None
        return self.model.deliverables.get(occ.name)

    def id_references(self, role: str, name: str, include_declaration: bool = True) -> list[Span]:
        """Where the stage id (role "stage") or group id ("group") `name`
        stands in this file: its `stage` / `group` statements and every
        `stage:` / `after:` naming it; without the declaration (the model's
        span of it) when asked."""
        declared = None if include_declaration else id_declaration(self.model, role, name)
        return [o.span for o in self.occurrences if o.name == name and o.role == role and o.span != declared]

    def references(self, name: str, include_declaration: bool = True) -> list[Span]:
        return [o.span for o in self.occurrences if o.name == name and o.is_deliverable
                and (include_declaration or o.role != "declaration")]

    def findings_about(self, name: str) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.subject == name]


@dataclass
class Parsed:
    """One file read tolerantly: the statements of the lines that read,
    the first syntax error, and what the editor asks about positions."""

    text: str                     # as given (a buffer or the file on disk)
    work: str                     # normalized, the lines that did not read blanked out
    statements: list
    comments: tuple
    errors: list[Diagnostic]
    occurrences: list[Occurrence] = field(default_factory=list)
    stage_blocks: list = field(default_factory=list)


def parse_tolerant(text: str, path: str) -> Parsed:
    """Parse, blanking out each line with a syntax error (the first error
    is kept) and parsing again; `statements` is None when nothing reads."""
    from ..language.parse import parse_statements
    from ..language.source import normalize_text

    errors: list[Diagnostic] = []
    work = text
    for _ in range(MAX_REPAIRS):
        try:
            normal = normalize_text(work, path)
            statements, comments = parse_statements(normal, path)
        except PrepError as e:
            d = e.diagnostics[0] if e.diagnostics else None
            if d is None:
                break
            if not errors:
                errors.append(_clamped(d, text))
            work = _blank_line(work, d.span.line)
            continue
        except RecursionError:
            break
        return Parsed(text, normal, statements, comments, errors,
                      list(_occurrences(statements, normal)), list(_stage_blocks(statements)))
    return Parsed(text, work, None, (), unreadable(text, path, errors))


def unreadable(text: str, path: str, errors: list[Diagnostic]) -> list[Diagnostic]:
    return errors or [Diagnostic("E001", ERROR, "prep cannot read this text", Span(path, 1, 1, 1, 1),
                                 name="syntax-error")]


def analyse(text: str, path: str = "<string>", *, lint: bool = True, lint_options: dict | None = None,
            encoding: str = "utf-16") -> Analysis:
    """Parse (tolerantly), build the model, lint it. Never raises for bad text."""
    from ..language.model import build_model

    parsed = parse_tolerant(text, path)
    if parsed.statements is None:
        return Analysis(path, text, None, parsed.errors, encoding=encoding)
    model = build_model(parsed.statements, path, parsed.comments, parsed.work)
    analysis = Analysis(path, text, model, list(parsed.errors), encoding=encoding)
    analysis.occurrences = parsed.occurrences
    analysis.stage_blocks = parsed.stage_blocks
    if lint:
        from ..linter import lint_model
        from ..linter.settings import LintConfigError

        try:
            analysis.findings = lint_model(model, **(lint_options or {}))
        except LintConfigError as e:
            analysis.config_error = str(e)
            analysis.findings = lint_model(model)
    else:
        analysis.findings = list(model.diagnostics)
    return analysis


def _clamped(d: Diagnostic, text: str) -> Diagnostic:
    """A diagnostic whose span lies inside the text (an error at the end of
    the file points just past the last character)."""
    lines = text.split("\n")
    line = min(max(d.span.line, 1), len(lines))
    width = len(lines[line - 1]) + 1
    column = min(max(d.span.column, 1), width)
    end_column = min(max(d.span.end_column, column), width) if d.span.end_line == d.span.line else width
    if end_column == column and column < width:
        end_column = column + 1
    span = Span(d.span.path, line, column, line, end_column)
    return Diagnostic(d.code, d.severity, d.message, span, d.name, d.subject, d.hint, d.related, d.stage)


def _blank_line(text: str, line: int) -> str:
    lines = text.split("\n")
    if 1 <= line <= len(lines) and lines[line - 1]:
        lines[line - 1] = ""
    else:  # an error on an empty line (an unclosed block at the end): drop a '{' above
        for i in range(min(line, len(lines)) - 1, -1, -1):
            if "{" in lines[i] or "[" in lines[i] or '"' in lines[i]:
                lines[i] = ""
                break
        else:
            return ""
    return "\n".join(lines)


def _occurrences(statements, text: str):
    from ..language import syntax

    stage_cls = getattr(syntax, "StageStmt", None)
    lines = text.split("\n")
    stack = [iter(statements)]
    while stack:
        for st in stack[-1]:
            cls = type(st)
            for a in getattr(st, "attrs", None) or ():
                if a.key in ("stage", "after"):  # references to stages
                    yield from _names_in_attr(a, lines, "stage")
                elif a.key == "exit" and cls is stage_cls:
                    yield from _names_in_attr(a, lines, "exit")
                elif a.key in ("of", "from") and cls is syntax.DeclStmt and st.kind == "measure":
                    yield from _names_in_attr(a, lines, "measured")
            if cls is syntax.RelationStmt:
                for name, span in st.all_names():
                    yield Occurrence(name, span, "relation")
            elif cls is syntax.DeclStmt:
                yield Occurrence(st.name, st.name_span, "measure" if st.kind == "measure" else "declaration")
            elif cls is syntax.GroupStmt:
                yield Occurrence(st.name, st.name_span, "group")
                stack.append(iter(st.body))
                break
            elif stage_cls is not None and cls is stage_cls:
                yield Occurrence(st.name, st.name_span, "stage")
                if st.body is not None:
                    stack.append(iter(st.body))
                    break
        else:
            stack.pop()


def _stage_blocks(statements):
    """(name, name span, block span) of each stage block, in text order."""
    from ..language import syntax

    stack = [iter(statements)]
    while stack:
        for st in stack[-1]:
            body = getattr(st, "body", None)
            if type(st) is syntax.StageStmt and body is not None:
                yield st.name, st.name_span, st.span
            if body:
                stack.append(iter(body))
                break
        else:
            stack.pop()


_VALUE = re.compile("(" + NAME_PATTERN + ")|(" + STRING_PATTERN + ")")


def _names_in_attr(attr, lines, role: str):
    """The names of `key: value` / `key: [a, b]` with their own spans (the
    statement keeps only the attribute's span)."""
    from ..language.syntax import unescape

    s = attr.span
    if s.line != s.end_line or not 1 <= s.line <= len(lines):
        return
    text = lines[s.line - 1]
    start = text.find(":", attr.key_span.end_column - 1, s.end_column - 1)
    if start < 0:
        return
    for m in _VALUE.finditer(text, start + 1, s.end_column - 1):
        raw = m.group(0)
        name = unescape(raw) if m.group(2) else raw
        yield Occurrence(name, Span(s.path, s.line, m.start() + 1, s.line, m.end() + 1), role)


# --------------------------------------------------------------------------
# hover


def hover_text(analysis: Analysis, name: str) -> str | None:
    model = analysis.model
    d = model.deliverables.get(name) if model is not None else None
    if d is None:
        return None
    kind = "knowhow" if d.is_knowhow else "deliverable"
    flags = [f for f in ("external", "final") if getattr(d, f)]
    out = [f"**{d.display}** ({kind}{', ' + ', '.join(flags) if flags else ''}"
           f"{', not declared' if not d.declared else ''})"]
    if d.label is not None and d.label != d.name:
        out.append(f"name: `{d.name}`")
    if d.owners:
        out.append("owners: " + ", ".join(d.owners))
    stage = _stage_of(model, d)
    if stage:
        out.append(f"stage: {stage}")
    if d.group:
        group = model.groups.get(d.group)
        colour = f" ({group.colour})" if group is not None and group.colour else ""
        out.append(f"group: {group.display if group else d.group}{colour}")
    if d.note:
        out.append(f"note: {d.note}")
    index = model.index
    made_from = sorted({r.source for r in index.producers(name)})
    feeds = sorted({r.target for r in index.uses(name)})
    mutual = sorted({r.target if r.source == name else r.source for r in index.mutual.get(name, ())})
    if made_from:
        out.append("made from: " + ", ".join(made_from))
    if feeds:
        out.append("feeds: " + ", ".join(feeds))
    if mutual:
        out.append("settled together with: " + ", ".join(mutual))
    measured = [m for m in (getattr(model, "measures", None) or {}).values() if m.of == name]
    if measured:
        out.append("measured by: " + ", ".join(
            m.display + (f" ({m.target.text})" if m.target is not None else "") for m in measured))
    findings = analysis.findings_about(name)
    body = "  \n".join(out[1:])
    if findings:
        body += "\n\nfindings:\n" + "\n".join(f"- {f.code} {f.name}: {f.message}" for f in findings)
    return out[0] + ("\n\n" + body if body else "")


def measure_hover_text(analysis: Analysis, name: str) -> str | None:
    """A measure: what it is of and from, its target and colours, DEAR."""
    model = analysis.model
    m = (getattr(model, "measures", None) or {}).get(name) if model is not None else None
    if m is None:
        return None
    out = [f"**{m.display}** (measure{', ' + m.dear if m.dear else ''})"]
    if m.label is not None and m.label != m.name:
        out.append(f"name: `{m.name}`")
    if m.of is not None:
        stage = model.stage_of(m.of)
        exit_of = next((s.name for s in model.stages.values() if m.of in s.exits), None)
        out.append(f"of: {m.of}" + (f" (exit criterion of stage {exit_of})" if exit_of else
                                    f" (stage {stage})" if stage else ""))
    if m.source is not None:
        out.append(f"from: {m.source}")
    if m.target is not None:
        out.append(f"target: {m.target.text}")
    if m.thresholds:
        out.append("colours: " + ", ".join(f"{c} {t.text}" for c, t in m.thresholds.items()) + ", red below")
    if m.owners:
        out.append("owners: " + ", ".join(m.owners))
    if m.note:
        out.append(f"note: {m.note}")
    findings = [d for d in analysis.diagnostics if d.code.startswith("M") and d.subject == m.of
                and (f"'{name}'" in d.message or f"「{name}」" in d.message)]   # prep lsp --language ja
    body = "  \n".join(out[1:])
    if findings:
        body += "\n\nfindings:\n" + "\n".join(f"- {f.code} {f.name}: {f.message}" for f in findings)
    return out[0] + ("\n\n" + body if body else "")


def stage_hover_text(analysis: Analysis, name: str) -> str | None:
    """A stage: its label and position, its id, exit criteria, members,
    the stage it comes after, its note."""
    stage = (getattr(analysis.model, "stages", None) or {}).get(name)
    if stage is None:
        return None
    exits = ", ".join(getattr(stage, "exits", ()) or ()) or "none"
    out = [f"**{stage.label or stage.name}** (stage {getattr(stage, 'index', 0) + 1})"]
    if stage.label is not None and stage.label != stage.name:
        out.append(f"name: `{stage.name}`")
    out.append(f"exit criteria: {exits}")
    out.append(f"members: {len(getattr(stage, 'members', ()) or ())}")
    if getattr(stage, "after", None):
        out.append(f"after: {stage.after}")
    if getattr(stage, "note", None):
        out.append(f"note: {stage.note}")
    return out[0] + "\n\n" + "  \n".join(out[1:])


def group_hover_text(analysis: Analysis, name: str) -> str | None:
    """A group: its label, its id, how many deliverables it holds (nested
    groups' included), the group it is in, its stage, colour and note."""
    model = analysis.model
    group = model.groups.get(name) if model is not None else None
    if group is None:
        return None
    out = [f"**{group.display}** (group)"]
    if group.label is not None and group.label != group.name:
        out.append(f"name: `{group.name}`")
    out.append(f"{len(model.group_members(name))} deliverables")
    if group.parent is not None:
        parent = model.groups.get(group.parent)
        out.append(f"in group: {parent.display if parent is not None else group.parent}")
    for key in ("stage", "colour", "note"):
        if getattr(group, key, None):
            out.append(f"{key}: {getattr(group, key)}")
    return out[0] + "\n\n" + "  \n".join(out[1:])


def _stage_of(model, d) -> str | None:
    stage_of = getattr(model, "stage_of", None)
    if callable(stage_of):
        try:
            return stage_of(d.name)
        except Exception:  # noqa: BLE001 - hover is best effort
            return d.stage
    return d.stage


# --------------------------------------------------------------------------
# stage and group ids

# the occurrence roles of ids: a stage's (its `stage` statements, `stage:`
# and `after:`) and a group's (its `group` statements)
ID_ROLES = ("stage", "group")


def id_declaration(model, role: str, name: str) -> Span | None:
    """Where the stage or group (`role`) `name` is declared: the id in its
    `stage` statement with a label or attributes, or in the `group`
    statement that first opens it; None for a stage only named in `stage:`
    (a model that declares no stages) or a name the model does not have."""
    if model is None:
        return None
    if role == "stage":
        stage = (getattr(model, "stages", None) or {}).get(name)
        return getattr(stage, "span", None)
    group = model.groups.get(name)
    return (group.name_span or group.span) if group is not None else None


# --------------------------------------------------------------------------
# rename


class RenameRefused(Exception):
    pass


def renamed_kind(occ: Occurrence | None) -> str | None:
    """What a rename at `occ` renames: "deliverable", "stage" or "group"
    (a stage's or group's id); None where nothing is renamed (a measure)."""
    if occ is None:
        return None
    if occ.role in ID_ROLES:
        return occ.role
    return "deliverable" if occ.is_deliverable else None


def rename_edits(analysis: Analysis, name: str, new_name: str, kind: str = "deliverable") -> list[tuple[Span, str]]:
    """(span, replacement) for every occurrence of `name`, a deliverable or
    the id of a stage or group (`kind`); raises RenameRefused with a message
    for a name that cannot be used."""
    replacement = checked_new_name(analysis.model, name, new_name, kind)
    spans = analysis.references(name) if kind == "deliverable" else analysis.id_references(kind, name)
    return [(span, replacement) for span in spans]


def checked_new_name(model, name: str, new_name: str, kind: str = "deliverable") -> str:
    """The text to write for `new_name` (quoted when it must be); raises
    RenameRefused with the reason when the name cannot be used: a keyword,
    two lines, or a name the model (every file of a workspace) already has
    for a `kind` ("deliverable", "stage" or "group"). Each kind has names of
    its own: a stage may share its id with a deliverable or a group."""
    new_name = _unquote(new_name.strip())
    if not new_name:
        raise RenameRefused("a name cannot be empty")
    if new_name in KEYWORDS:
        raise RenameRefused(f"'{new_name}' is a keyword of the language; choose another name")
    if "\n" in new_name or "\r" in new_name:
        raise RenameRefused("a name is one line")
    taken = {"deliverable": "deliverables", "stage": "stages", "group": "groups"}[kind]
    if model is not None and new_name != name and new_name in (getattr(model, taken, None) or {}):
        element = getattr(model, taken)[new_name]
        where = getattr(element, "name_span", None) or element.span
        files = getattr(model, "files", None) or {}
        in_file = f" (in {os.path.basename(where.path)})" if where is not None and len(files) > 1 else ""
        raise RenameRefused(f"'{new_name}' is already a {kind} of this model{in_file}; "
                            "renaming would merge the two")
    from ..language.source import normalize_text

    try:
        normalize_text(spell(new_name))
    except PrepError as e:
        raise RenameRefused(e.diagnostics[0].message) from None
    return spell(new_name)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        from ..language.syntax import unescape

        return unescape(text)
    return text


# --------------------------------------------------------------------------
# completion

_OPEN_ATTR = re.compile(r"\[([^\[\]]*)$")


def completions(analysis: Analysis, line: int, column: int) -> list[tuple[str, str, str]]:
    """(label, kind, text to insert) for the cursor at (line, column):
    kind is "deliverable", "knowhow", "keyword", "attribute", "stage", "owner",
    "colour" (a group's `colour:` / `fill:`), "dear" or "threshold" (a
    measure's DEAR category, target and colours)."""
    from ..language.model import (ATTRIBUTES, DEAR, GROUP_ATTRIBUTES, GROUP_COLOURS, MEASURE_ATTRIBUTES,
                                  STAGE_ATTRIBUTES)

    before = analysis.lines.line(line - 1)[: column - 1]
    typed = _INCLUDE_TYPED.match(before)
    if typed is not None:
        return include_completions(analysis.path, typed.group(1))
    model = analysis.model
    names = list(model.deliverables) if model is not None else []
    code = before.split("#", 1)[0] if before.count('"') % 2 == 0 else before
    if "#" in before and code != before:
        return []  # in a comment
    attr_context = _attribute_context(code)
    if attr_context is not None:
        key = attr_context
        on_group = code.lstrip().startswith("group ")
        on_measure = code.lstrip().startswith("measure ")
        on_stage = code.lstrip().startswith("stage ")
        if key is None or key == "":
            if on_group:
                return [(k, "attribute", k) for k in GROUP_ATTRIBUTES]
            if on_measure:
                return [(k, "attribute", k) for k in MEASURE_ATTRIBUTES]
            if on_stage:
                return [(k, "attribute", k) for k in STAGE_ATTRIBUTES]
            # what the statement takes (a deliverable's [exit: ...] or a relation's [final] is E005)
            on_relation = re.search(r"->|~>", code) is not None
            return [(k, "attribute", k) for k, (_, on_rel, _) in ATTRIBUTES.items() if on_rel or not on_relation]
        if key in ("colour", "fill"):
            return [(c, "colour", c) for c in GROUP_COLOURS]
        if on_measure and key in ("of", "from"):
            return _named(model, names)
        if on_measure and key == "dear":
            return [(c, "dear", c) for c in DEAR]
        if on_measure and key in ("target", "green", "lime", "yellow"):
            return [(f'">= {n}%"', "threshold", f'">= {n}%"') for n in (80, 60, 45, 30)]
        if key == "stage":
            return [(s, "stage", spell(s)) for s in stage_names(model)]
        if key == "owner":
            owners = sorted({o for d in (model.deliverables.values() if model else ()) for o in d.owners}
                            | {o for m in ((getattr(model, "measures", None) or {}).values() if model else ())
                               for o in m.owners})
            return [(o, "owner", spell(o)) for o in owners]
        if key in ("exit",):
            return _named(model, names)
        if key in ("after",):
            return [(s, "stage", spell(s)) for s in stage_names(model)]
        return []
    out = []
    if not code.strip() or re.fullmatch(r"\s*[^\s\[\]{}(),;:\"'#=<>~]*", code):
        out.extend((k, "keyword", k) for k in _statement_keywords(model))
    out.extend(_named(model, names))
    if model is not None and re.search(r"\bstage\s+\S*$", code):
        out = [(s, "stage", spell(s)) for s in stage_names(model)]
    return out


def _named(model, names) -> list[tuple[str, str, str]]:
    """Completions of deliverable names, each of its kind: "knowhow" or
    "deliverable" (a name only used so far is a deliverable)."""
    declared = model.deliverables if model is not None else {}
    return [(n, "knowhow" if n in declared and declared[n].is_knowhow else "deliverable", spell(n))
            for n in names]


_INCLUDE_TYPED = re.compile(r'^[ \t\u3000]*include[ \t\u3000]+"((?:[^"\\]|\\.)*)$')
_GLOB_CHARS = frozenset("*?[")


_INCLUDE_LINE = re.compile(r'^[ \t\u3000]*include[ \t\u3000]+("((?:[^"\\\n]|\\.)*)"?)')


def included_at(analysis: Analysis, line: int, column: int) -> list[str] | None:
    """The files the `include "..."` path under the cursor (line, column:
    1-based, in characters) names, as the loader reads them: a path, or a
    glob's matches in sorted order (hidden files and the including file
    left out), only inside the file's workspace; None when the cursor is
    not on an include's path. Go to definition on it opens them."""
    import glob

    from ..language.boundary import inside
    from ..language.syntax import unescape
    from ..language.workspace import workspace_root

    m = _INCLUDE_LINE.match(analysis.lines.line(line - 1))
    if m is None or not (m.start(1) < column <= m.end(1) + 1) or not os.path.isabs(analysis.path):
        return None
    target = unescape('"' + m.group(2) + '"') if "\\" in m.group(2) else m.group(2)
    if not target.strip() or os.path.isabs(target) or target.startswith(("/", "\\")):
        return []
    here = os.path.dirname(analysis.path)
    top = os.path.realpath(workspace_root(analysis.path))
    if _GLOB_CHARS.intersection(target):
        found = sorted(glob.glob(target, root_dir=here, recursive=True))
        paths = [os.path.normpath(os.path.join(here, f)) for f in found]
        paths = [p for p in paths if os.path.isfile(p) and os.path.realpath(p) != os.path.realpath(analysis.path)]
    else:
        paths = [os.path.normpath(os.path.join(here, target))]
        paths = [p for p in paths if os.path.isfile(p)]
    return [p for p in paths if inside(os.path.realpath(p), top)]


def include_completions(path: str, typed: str) -> list[tuple[str, str, str]]:
    """After `include "`: the model files and folders in the folder the
    typed path names (relative to the including file), only inside the
    file's workspace; with "*.prep" when that folder holds model files.
    A file that includes this one (directly or through others: the root,
    from one of its parts) is left out, and "*.prep" then too: including
    it would make an include cycle.
    What is inserted replaces the last path segment, with a name's glob
    characters escaped (`[*]`) so that it names that one file."""
    import glob

    from ..language.syntax import unescape
    from ..language.workspace import workspace_root

    if not os.path.isabs(path):
        return []
    typed = unescape('"' + typed + '"') if "\\" in typed else typed
    folder_part = typed.rsplit("/", 1)[0] + "/" if "/" in typed else ""
    if _GLOB_CHARS.intersection(folder_part) or folder_part.startswith("/"):
        return []
    here = os.path.dirname(path)
    folder = os.path.normpath(os.path.join(here, folder_part))
    top = os.path.realpath(workspace_root(path))
    real = os.path.realpath(folder)
    if not (real == top or real.startswith(top.rstrip(os.sep) + os.sep)):
        return []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    folders: list[tuple[str, str, str]] = []
    files: list[tuple[str, str, str]] = []
    cyclic = False
    for e in entries:
        if e.name.startswith("."):
            continue
        full = os.path.join(folder, e.name)
        inside = os.path.realpath(full)
        if not inside.startswith(top.rstrip(os.sep) + os.sep):
            continue  # a link out of the workspace: an include would be refused
        if e.is_dir():
            folders.append((e.name + "/", "folder", _string_text(glob.escape(e.name)) + "/"))
        elif e.name.endswith(".prep") and e.is_file() and os.path.normpath(full) != os.path.normpath(path):
            if _includes(full, path):
                cyclic = True
                continue   # it includes this file (the root, from one of its parts): an include cycle
            files.append((e.name, "file", _string_text(glob.escape(e.name))))
    # a glob would take the files left out too, and make the cycle
    every = [("*.prep", "file", "*.prep")] if files and not cyclic else []
    return every + files + folders


def _includes(candidate: str, path: str) -> bool:
    """Does `candidate` reach `path` through its includes (on disk), so
    that including it from `path` would make an include cycle?"""
    from ..language.diagnostics import PrepError
    from ..language.workspace import reached_paths

    try:
        reached = reached_paths(candidate)[1:]
    except (PrepError, OSError):   # a file that cannot be read includes nothing here; loading it says why
        return False
    if not reached:
        return False
    real = os.path.realpath(path)
    return any(os.path.realpath(p) == real for p in reached)


def _string_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _attribute_context(code: str):
    """None when the cursor is not inside `[...]`; else "" for a key
    position or the key whose value is being typed."""
    depth = 0
    start = -1
    in_string = False
    for i, ch in enumerate(code):
        if in_string:
            if ch == "\\":
                continue
            if ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "[":
            depth += 1
            if depth == 1:
                start = i
        elif ch == "]":
            depth = max(depth - 1, 0)
    if depth == 0 or start < 0:
        return None
    inside = code[start + 1 :]
    item = re.split(r",(?![^\[]*\])", inside)[-1]
    if ":" not in item:
        return ""
    return item.split(":", 1)[0].strip()


def _statement_keywords(model) -> list[str]:
    keywords = list(STATEMENT_KEYWORDS)
    if "stage" in KEYWORDS and getattr(model, "stages", None) is not None:
        keywords.append("stage")
    return keywords


def stage_names(model) -> list[str]:
    """Declared stages (in order) when the model has them, else the
    free-text stage values in order of first appearance."""
    if model is None:
        return []
    stages = getattr(model, "stages", None)
    if stages:
        return list(stages)
    seen = dict.fromkeys(d.stage for d in model.deliverables.values() if d.stage)
    seen.update(dict.fromkeys(r.stage for r in model.relations if r.stage))
    return list(seen)


# --------------------------------------------------------------------------
# quick fixes


@dataclass
class Fix:
    title: str
    edits: list[tuple[Span, str]]      # (span to replace, new text); an empty span inserts
    diagnostic: Diagnostic | None = None
    preferred: bool = False


def quick_fixes(analysis: Analysis, diagnostic: Diagnostic) -> list[Fix]:
    out: list[Fix] = []
    model = analysis.model
    span = diagnostic.span
    line_text = analysis.lines.line(span.line - 1)
    if diagnostic.code == "I104" and diagnostic.subject and model is not None:
        d = model.deliverables.get(diagnostic.subject)
        guess = _guess(diagnostic.hint, diagnostic.message)
        if guess:
            out.append(Fix(f"Change to '{guess}'", [(span, spell(guess))], diagnostic, True))
        if d is not None:
            # on the line before its first use, at its indentation: the same group
            indent = line_text[: len(line_text) - len(line_text.lstrip(" \t\u3000"))]
            at = Span(span.path, span.line, 1, span.line, 1)
            out.append(Fix(f"Declare '{d.name}'", [(at, f"{indent}deliverable {spell(d.name)}\n")], diagnostic))
    if diagnostic.code == "K201" and diagnostic.subject and model is not None:
        out.extend(_owner_fix(analysis, diagnostic))
    if diagnostic.code == "E005":
        guess = _guess(diagnostic.hint)
        if guess:
            out.append(Fix(f"Change to '{guess}'", [(span, guess)], diagnostic, True))
    # an unknown group colour: the E006 on a group's `colour:` (or `fill:`) whose hint guesses one
    if diagnostic.code == "E006" and diagnostic.subject is None and span.line == span.end_line:
        guess = _guess(diagnostic.hint)
        key = line_text[span.column - 1: span.end_column - 1].split(":", 1)[0].strip()
        if guess and key in ("colour", "fill"):
            out.append(Fix(f"Change to '{guess}'", [(span, f"{key}: {guess}")], diagnostic, True))
    if diagnostic.code[:1] not in ("E", "P"):  # model errors are fixed, not silenced
        out.append(_suppression_fix(line_text, diagnostic))
    return out


# a hint's guess, as the rules write it in English and in Japanese (prep lsp --language ja)
_GUESS = re.compile(r"did you mean '([^']+)'|「([^」]+)」のことですか")


def _guess(*texts: str | None) -> str | None:
    found = _GUESS.search("".join(t or "" for t in texts))
    return (found.group(1) or found.group(2)) if found else None


def _owner_fix(analysis: Analysis, diagnostic: Diagnostic) -> list[Fix]:
    """Add an owner to knowhow: into its `owner:` list, or a new attribute."""
    name = diagnostic.subject
    for occ in analysis.occurrences:
        if occ.name != name or occ.role != "declaration":
            continue
        s = occ.span
        text = analysis.lines.line(s.line - 1)
        rest = text[s.end_column - 1 :]
        placeholder = "担当者"  # "person in charge": the user types the real name over it
        m = re.search(r"owner\s*:\s*\[", rest)
        if m:
            at = s.end_column + m.end()
            return [Fix("Add an owner", [(Span(s.path, s.line, at, s.line, at), placeholder + ", ")], diagnostic)]
        m = re.search(r"owner\s*:\s*(" + r'"(?:[^"\\]|\\.)*"' + r"|[^\s,\]]+)", rest)
        if m:
            a, b = s.end_column + m.start(1), s.end_column + m.end(1)
            return [Fix("Add an owner", [(Span(s.path, s.line, a, s.line, b), f"[{m.group(1)}, {placeholder}]")],
                        diagnostic)]
        m = re.search(r"\[", rest.split("#", 1)[0])
        if m:
            at = s.end_column + m.end()
            return [Fix("Add an owner", [(Span(s.path, s.line, at, s.line, at), f"owner: {placeholder}, ")], diagnostic)]
        code_end = len(text.split("#", 1)[0].rstrip()) + 1 if '"' not in text else None
        if code_end is None:
            label = re.match(r'\s*"(?:[^"\\]|\\.)*"', rest)
            code_end = s.end_column + (label.end() if label else 0)
        return [Fix("Add an owner", [(Span(s.path, s.line, code_end, s.line, code_end), f" [owner: {placeholder}]")],
                    diagnostic)]
    return []


_SUPPRESS = re.compile(r"#\s*prep\s*:\s*ignore\s*\[([^\]]*)\]", re.IGNORECASE)


def _suppression_fix(line_text: str, diagnostic: Diagnostic) -> Fix:
    span = diagnostic.span
    m = _SUPPRESS.search(line_text)
    if m:
        at = m.end(1) + 1
        inner = m.group(1).strip()
        insert = (", " if inner else "") + diagnostic.code
        return Fix(f"Suppress {diagnostic.code} on this line", [(Span(span.path, span.line, at, span.line, at), insert)],
                   diagnostic)
    end = len(line_text.rstrip(" \t")) + 1
    return Fix(f"Suppress {diagnostic.code} on this line",
               [(Span(span.path, span.line, end, span.line, end), f"  # prep: ignore[{diagnostic.code}]")], diagnostic)


# --------------------------------------------------------------------------
# symbols


@dataclass
class Symbol:
    name: str
    detail: str
    kind: str                 # "group", "stage", "deliverable", "knowhow", "measure"
    span: Span                # the whole element
    selection: Span           # its name
    children: list = field(default_factory=list)


def document_symbols(analysis: Analysis) -> list[Symbol]:
    model = analysis.model
    if model is None:
        return []
    if len(getattr(model, "files", None) or ()) > 1:
        return _own_symbols(analysis)
    return _symbols_of(analysis)


def _symbols_of(analysis: Analysis) -> list[Symbol]:
    model = analysis.model
    groups = {g.name: Symbol(g.name, g.label or "", "group", g.span, _group_name_span(analysis, g.name) or g.span)
              for g in model.groups.values()}
    top: list[Symbol] = []
    for g in model.groups.values():
        (groups[g.parent].children if g.parent in groups else top).append(groups[g.name])
    stages = getattr(model, "stages", None) or {}
    stage_symbols = {}
    for s in stages.values():
        sspan = getattr(s, "span", None)
        if sspan is None:
            continue
        sym = Symbol(s.name, getattr(s, "label", None) or "", "stage", sspan, sspan)
        stage_symbols[s.name] = sym
        top.append(sym)
    for d in model.deliverables.values():
        if d.span is None:
            continue
        sym = Symbol(d.name, d.label or ("not declared" if not d.declared else ""),
                     "knowhow" if d.is_knowhow else "deliverable", d.span, d.span)
        (groups[d.group].children if d.group in groups else top).append(sym)
    for m in (getattr(model, "measures", None) or {}).values():
        if m.span is not None:
            top.append(Symbol(m.name, m.label or (f"of {m.of}" if m.of else ""), "measure", m.span, m.span))
    # what a `stage NAME { ... }` block holds is nested under it, as the text
    # reads (the block of a stage's declaration is that stage's symbol)
    blocks = []
    for name, name_span, span in analysis.stage_blocks:
        sym = stage_symbols.get(name)
        if sym is None or sym.selection != name_span:  # a block adding to a stage declared before
            sym = Symbol(name, "block", "stage", span, name_span)
            top.append(sym)
        sym.span = span
        blocks.append(sym)
    if blocks:
        outer = []
        for sym in top:
            home = next((b for b in blocks if b is not sym and _inside(sym.span, b.span)), None)
            (home.children if home is not None else outer).append(sym)
        top = outer
        for b in blocks:
            b.children.sort(key=_position)
    return sorted(top, key=_position)


def _own_symbols(analysis: Analysis) -> list[Symbol]:
    """The symbols of one file of a workspace: what its own statements
    declare (the model holds every file's)."""
    path = analysis.path
    full = _symbols_of(analysis)
    keep = []
    stack = [(full, keep)]
    while stack:
        symbols, out = stack.pop()
        for sym in symbols:
            if sym.span.path == path:
                # its children too are this file's only: a group reopened in another file held
                # that file's deliverables, listed here at their positions there
                mine = []
                stack.append((sym.children, mine))
                sym.children = mine
                out.append(sym)
            else:  # another file's group or stage: what this file put in it stays, at the top
                stack.append((sym.children, keep))
    return sorted(keep, key=_position)


def _position(symbol: Symbol) -> tuple[int, int]:
    return symbol.span.line, symbol.span.column


def _inside(span: Span, outer: Span) -> bool:
    return ((outer.line, outer.column) <= (span.line, span.column)
            and (span.end_line, span.end_column) <= (outer.end_line, outer.end_column))


def _group_name_span(analysis: Analysis, name: str):
    for occ in analysis.occurrences:
        if occ.role == "group" and occ.name == name:
            return occ.span
    return None


@lru_cache(maxsize=256)
def rule_doc_uri(code: str, base: str | None = None) -> str | None:
    """A link to the rule's page: `base` + CODE.md, else the page in this
    checkout's docs/rules/ when there is one."""
    if base:
        from ..linter.rule import rule_page

        return rule_page(code, base)
    page = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "rules", f"{code}.md")
    if os.path.isfile(page):
        from pathlib import Path

        return Path(os.path.abspath(page)).as_uri()
    return None


def did_you_mean(word: str, choices) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None
