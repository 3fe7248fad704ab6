"""The typed model: frozen dataclasses for deliverables, relations, groups.

`build_model` turns the parser's statements into a `Model`, resolving
declarations, implicit (undeclared) deliverables, group membership and
attributes, and collecting model errors (E002, E005, E006, E008, E009) as
diagnostics instead of stopping at the first. Their messages, hints and
notes are in Japanese when Japanese is chosen for the work under way
(`prep._words.japanese()`, `--language ja`); the language is asked
only where an error is found, so reading a sound model pays nothing.
"""

from __future__ import annotations

import difflib
import gc
import operator
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Callable, ClassVar, Iterable

from .._words import guessed, japanese, quoted
from .construct import positional
from .diagnostics import ERROR, Diagnostic, Related, Span

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

TANGIBLE = "deliverable"
KNOWHOW = "knowhow"

INPUT = "input"      # a -> b
SYNC = "sync"        # a ~> b
MUTUAL = "mutual"    # a <~> b
ARROW_KINDS = {"->": INPUT, "~>": SYNC, "<~>": MUTUAL}
ARROW_OF_KIND = {v: k for k, v in ARROW_KINDS.items()}

# Groups nested deeper than this are a model error: the renderer and Graphviz
# handle nesting recursively, and no real process map needs it.
MAX_GROUP_DEPTH = 100

# attribute name -> (applies to declarations, applies to relations, value kind)
# value kind: "flag" (no value), "text" (one name or string), "names" (one or a list)
ATTRIBUTES = {
    "owner": (True, True, "names"),
    "external": (True, False, "flag"),
    "final": (True, False, "flag"),
    "note": (True, True, "text"),
    "stage": (True, True, "text"),
}
# the attributes of a `stage` and of a `group` (name -> value kind)
STAGE_ATTRIBUTES = {"exit": "names", "after": "text", "note": "text"}
GROUP_ATTRIBUTES = {"stage": "text", "note": "text", "colour": "text", "fill": "text"}
# the fills a group's frame may take (`colour:`, or its alias `fill:`): pale
# ones of one lightness, so black text stays readable on them; the renderer
# gives each its look per theme (greys in print)
GROUP_COLOURS = ("blue", "green", "yellow", "orange", "red", "purple", "grey")
COLOUR_SPELLINGS = {"gray": "grey", "violet": "purple"}

# the attributes of a `measure` (name -> value kind): the deliverable it is
# observed on (`of:`), the one its data comes from (`from:`), its target and
# the thresholds of the health colours, its DEAR category
MEASURE_ATTRIBUTES = {"of": "text", "from": "text", "target": "text", "green": "text", "lime": "text",
                      "yellow": "text", "dear": "text", "owner": "names", "note": "text"}
# the four health colours, best first: four so there is no ambiguous middle;
# a value that meets no threshold is red
HEALTH_COLOURS = ("green", "lime", "yellow", "red")
THRESHOLD_COLOURS = HEALTH_COLOURS[:3]
# what a customer's health is made of (Deployment, Engagement, Adoption, ROI)
DEAR = ("deployment", "engagement", "adoption", "roi")


@dataclass(frozen=True, slots=True)
class Comment:
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Include:
    """An `include "PATH"` line: `target` as written (a path or a glob,
    relative to its file); `span` the whole statement."""

    target: str
    span: Span
    target_span: Span


@dataclass(frozen=True, slots=True)
class Deliverable:
    name: str
    kind: str = TANGIBLE
    label: str | None = None
    owners: tuple[str, ...] = ()
    external: bool = False
    final: bool = False
    note: str | None = None
    stage: str | None = None
    group: str | None = None
    span: Span | None = None
    declared: bool = True

    @property
    def display(self) -> str:
        return self.label if self.label is not None else self.name

    @property
    def is_knowhow(self) -> bool:
        return self.kind == KNOWHOW


@dataclass(frozen=True, slots=True)
class Relation:
    kind: str
    source: str
    target: str
    span: Span
    source_span: Span
    target_span: Span
    note: str | None = None
    stage: str | None = None
    owners: tuple[str, ...] = ()

    @property
    def arrow(self) -> str:
        return ARROW_OF_KIND[self.kind]


# Deliverable(*values) and Relation(*values) at twice the speed (construct.py):
# reading a model builds tens of thousands
new_deliverable = positional(Deliverable)
new_relation = positional(Relation)


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    label: str | None
    parent: str | None
    span: Span
    stage: str | None = None
    note: str | None = None
    colour: str | None = None   # one of GROUP_COLOURS: the frame's fill
    # where its name stands where it was first opened (`span` runs from
    # `group` to the closing brace): what an error about the group points at
    name_span: Span | None = field(default=None, compare=False)

    @property
    def display(self) -> str:
        return self.label if self.label is not None else self.name


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of a roadmap, in order (`index` from 0). Its `exits` are
    the deliverables whose existence ends it; `members` the deliverables
    placed in it (by their `stage:`, a group's `stage:` or a stage block),
    in the order they were declared. `declared` is False for a stage that a
    v1 model only names in `stage:` attributes."""

    name: str
    label: str | None
    index: int
    exits: tuple[str, ...] = ()
    note: str | None = None
    after: str | None = None
    span: Span | None = None
    declared: bool = True
    members: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        return self.label if self.label is not None else self.name


# ≧ and ≦ are what a Japanese input method writes for "以上" and "以下"
_COMPARISON = {">=": ">=", "=>": ">=", "≥": ">=", "≧": ">=", ">": ">", "<=": "<=", "=<": "<=", "≤": "<=",
               "≦": "<=", "<": "<"}
_THRESHOLD = re.compile(r"\s*(>=|=>|<=|=<|>|<|≥|≤|≧|≦)?\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(\S(?:.*\S)?)?\s*")
# the comparison written after the number, in Japanese: 60%以上 (at least), 14日以下 (at most),
# 3日未満 (below), 4.5超 (above)
_AFTER = {"以上": ">=", "以下": "<=", "未満": "<", "超": ">"}
_AFTER_ENDS = "上下満超"   # their last characters: a quick test (prep status reads 200,000 values)
_COMPARE = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


@dataclass(frozen=True, slots=True)
class Threshold:
    """`>= 60%`: a comparison, a number and its unit (`%`, `日`, `days` or
    none), as written (`text`). A bare number means `>=`."""

    op: str
    value: float
    unit: str
    text: str

    @property
    def higher_is_better(self) -> bool:
        return self.op in (">=", ">")

    def holds(self, x: float) -> bool:
        op, v = self.op, self.value
        return x >= v if op == ">=" else x > v if op == ">" else x <= v if op == "<=" else x < v

    def __str__(self) -> str:
        number = f"{self.value:g}"
        return f"{self.op} {number}{self.unit}" if self.unit in ("", "%") else f"{self.op} {number} {self.unit}"


def parse_threshold(text: str) -> Threshold | None:
    """`">= 60%"`, `"≥６０％"` (full width is read as half width), `"≧60%"`,
    `"60%以上"` (the comparison after the number: 以上, 以下, 未満, 超),
    `"< 3 days"`, `"60"`; None when it is not a comparison and a number."""
    m = _THRESHOLD.fullmatch(unicodedata.normalize("NFKC", text))
    if m is None:
        return None
    unit = m.group(3) or ""
    op = _COMPARISON.get(m.group(1)) if m.group(1) else None
    if unit and unit[-1] in _AFTER_ENDS:
        for word, after in _AFTER.items():
            if unit.endswith(word):
                if op is not None and op != after:
                    return None   # ">= 60%未満" says two things
                op, unit = after, unit[:-len(word)].rstrip()
                break
    if any(c.isdigit() or c in "<>=≤≥≧≦" for c in unit):
        return None
    return Threshold(op or ">=", float(m.group(2)), unit, text)


# a number whose commas separate thousands: 1,200 or 12,345.5 (then anything
# but a digit or another comma: a unit)
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])")


def decimal_comma(text: str) -> bool:
    """Is `text` a number written with a comma that is no thousands
    separator (`35,5%`, `12,34 日`)? The data's error then says to write
    a decimal point."""
    plain = unicodedata.normalize("NFKC", str(text)).strip()
    return "," in plain and not _THOUSANDS.match(plain) and parse_number(plain.replace(",", ".", 1)) is not None


def parse_number(text: str) -> tuple[float, str] | None:
    """A measured value as data gives it: `62`, `62%`, `６２％`, `3.5 days`,
    `1,200`: (number, unit), or None. A comma is read only as a thousands
    separator (`1,200`, `12,345.5`): `35,5%` (a decimal comma), `1,2,3`
    and `,5` are None, never 355% (`decimal_comma` says why)."""
    plain = unicodedata.normalize("NFKC", str(text)).strip()
    if "," in plain:
        if not _THOUSANDS.match(plain):
            return None
        plain = plain.replace(",", "")
    if not plain or plain[0] in "<>=≥≤≧≦" or plain[-1] in _AFTER_ENDS:
        return None
    t = parse_threshold(plain)
    return None if t is None else (t.value, t.unit)


@dataclass(frozen=True, slots=True)
class Measure:
    """A KPI: observed on the deliverable `of` (usually a stage's exit
    criterion), with data from `source` (`from:`), a `target` and the
    thresholds of the health colours (`green`, `lime`, `yellow`; red below)."""

    name: str
    label: str | None = None
    of: str | None = None
    source: str | None = None       # `from:`
    target: Threshold | None = None
    green: Threshold | None = None
    lime: Threshold | None = None
    yellow: Threshold | None = None
    dear: str | None = None         # one of DEAR
    owners: tuple[str, ...] = ()
    note: str | None = None
    span: Span | None = None        # its name in the declaration
    of_span: Span | None = None
    source_span: Span | None = None

    @property
    def display(self) -> str:
        return self.label if self.label is not None else self.name

    @property
    def thresholds(self) -> dict[str, Threshold]:
        """The colours' thresholds that are given, best first."""
        return {c: t for c, t in zip(THRESHOLD_COLOURS, (self.green, self.lime, self.yellow)) if t is not None}

    def colour(self, value: float) -> str | None:
        """The health colour of `value`: the first colour whose threshold it
        meets, else red; from the target alone (green or red) when no
        threshold is given; None when neither is."""
        return self.classifier()(value)

    def classifier(self) -> Callable[[float], str | None]:
        """`colour` as one function made once (`prep status` colours
        200,000 values): the thresholds as (colour, op, number) tuples."""
        thresholds = self.thresholds
        if not thresholds:
            if self.target is None:
                return lambda value: None
            thresholds = {"green": self.target}
        steps = tuple((c, _COMPARE[t.op], t.value) for c, t in thresholds.items())

        def classify(value: float) -> str:
            for colour, holds, v in steps:
                if holds(value, v):
                    return colour
            return "red"
        return classify


@dataclass(frozen=True)
class Model:
    path: str
    title: str | None
    deliverables: dict[str, Deliverable]
    relations: tuple[Relation, ...]
    groups: dict[str, Group]
    comments: tuple[Comment, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    source: str = field(default="", repr=False, compare=False)
    # the stages in order (empty for a model without stages)
    stages: dict[str, Stage] = field(default_factory=dict)
    # the measures (KPIs), in the order they are declared
    measures: dict[str, Measure] = field(default_factory=dict)
    # every `include` line of every file, in the order they were read
    includes: tuple[Include, ...] = ()
    # the text of every file the model was read from, by path as spans give
    # it, the root first (one entry for a single file): what a caret under a
    # diagnostic is drawn from (prep/language/workspace.py)
    files: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    # How a notebook draws a model. This stage knows no renderer: the library
    # (`prep.api`, which `prep.load` and `prep.loads` go through) installs
    # one here when it is imported.
    notebook_svg: ClassVar[Callable[["Model"], str] | None] = None

    def __repr__(self) -> str:
        # what it is, in a line: the generated repr of every deliverable, relation and span
        # ran to 37 KB for a 44-deliverable model in a terminal or a log
        def count(n: int, noun: str) -> str:
            return f"{n} {noun}{'' if n == 1 else 's'}"

        counts = [count(len(self.deliverables), "deliverable"), count(len(self.relations), "relation")]
        counts += [count(len(v), k) for k, v in (("group", self.groups), ("stage", self.stages),
                                                  ("measure", self.measures)) if v]
        if len(self.files) > 1:
            counts.append(count(len(self.files), "file"))
        title = f" {self.title!r}" if self.title else ""
        return f"<Model{title} from {self.path!r}: {', '.join(counts)}>"

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == ERROR]

    @cached_property
    def graph(self) -> "nx.MultiDiGraph":
        from .graph import build_graph

        return build_graph(self)

    @cached_property
    def effective_stages(self) -> dict[str, str]:
        """Every deliverable's stage: its own placement, else the latest
        stage among the deliverables it is made from (`->` and `~>`). An
        unplaced source (made from nothing) appears from the earliest stage
        of what it is used by (`->`, `~>`, or its `<~>` partners): knowhow
        first needed in a late stage is not drawn, nor counted, from the
        first one. So does an unplaced deliverable made only from unplaced
        sources (or from such deliverables): 配送日程, made from the
        carrier's and the customer's slots and used in stage 4, stood new in
        stage 1's picture. What is used by nothing is in the first stage.
        Empty for a model without stages."""
        if not self.stages:
            return {}
        order = list(self.stages)
        rank = {name: i for i, name in enumerate(order)}
        index = self.index
        known: dict[str, int] = {n: rank[d.stage] for n, d in self.deliverables.items() if d.stage in rank}
        # unplaced sources take their stage from their users, after them; they
        # count for nothing in their users' own stage (which is >= theirs)
        sources = {n for n in self.deliverables if n not in known and not index.inputs[n] and not index.sync_in[n]}
        # the rest in topological order of their producers; what a cycle
        # leaves over takes the latest of whatever is known around it
        waiting: dict[str, int] = {}
        made: dict[str, list[str]] = {}
        for n in self.deliverables:
            if n not in known:
                waiting[n] = 0
                for r in index.producers(n):
                    if r.source not in known:
                        waiting[n] += 1
                        made.setdefault(r.source, []).append(n)
        ready = [n for n, k in waiting.items() if k == 0]
        floating: list[str] = []   # made only from unplaced sources (or from such): placed as they are
        while ready:
            n = ready.pop()
            if n not in sources:
                placed = [known[r.source] for r in index.producers(n) if r.source in known]
                if placed:
                    known[n] = max(placed)
                else:
                    floating.append(n)
            for m in made.get(n, ()):
                if m in waiting:
                    waiting[m] -= 1
                    if waiting[m] == 0:
                        ready.append(m)
        loose = set(floating)
        for n in self.deliverables:
            if n not in known and n not in sources and n not in loose:
                known[n] = max((known.get(r.source, 0) for r in index.producers(n) if r.source not in sources),
                               default=0)
        # the floating ones from the last made back (each before what it is used by), then the sources
        for n in [*reversed(floating), *sources]:
            users = [known[r.target] for r in index.uses(n) if r.target in known and r.target not in sources]
            users += [known[p] for r in index.mutual[n] for p in (r.source, r.target)
                      if p != n and p in known and p not in sources]
            known[n] = min(users, default=0)
        return {n: order[known[n]] for n in self.deliverables}

    def stage_of(self, name: str) -> str | None:
        """The stage `name` exists from (see `effective_stages`), or None."""
        return self.effective_stages.get(name)

    @cached_property
    def index(self) -> "Index":
        with paused_gc():  # half a million new lists at 100,000 deliverables
            return Index(self)

    def group_members(self, group: str) -> list[str]:
        """Names of deliverables in `group` or any group nested in it."""
        inside = set(self.group_descendants(group))
        return [d.name for d in self.deliverables.values() if d.group in inside]

    def group_descendants(self, group: str) -> list[str]:
        out, todo = [], [group]
        while todo:
            g = todo.pop()
            out.append(g)
            todo.extend(c.name for c in self.groups.values() if c.parent == g)
        return out

    # notebooks show a model as its diagram
    def _repr_svg_(self) -> str | None:
        draw = type(self).notebook_svg
        return None if draw is None else draw(self)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """Jupyter: the diagram, with a one-line text fallback (and only the
        text when the model cannot be drawn)."""
        text = (f"<prep.Model {self.title or self.path!r}: {len(self.deliverables)} deliverables, "
                f"{len(self.relations)} relations>")
        bundle = {"text/plain": text}
        try:
            svg = self._repr_svg_()
            if svg is not None:
                bundle["image/svg+xml"] = svg
        except Exception as e:  # noqa: BLE001 - a notebook cell shows why instead of a traceback
            bundle["text/plain"] = f"{text}\n(cannot draw it: {e})"
        return bundle


def group_tree(model: Model) -> tuple[dict[str | None, list], dict[str | None, list]]:
    """(deliverables by group, groups by parent group); None is the top level."""
    members: dict[str | None, list] = {}
    for d in model.deliverables.values():
        members.setdefault(d.group if d.group in model.groups else None, []).append(d)
    children: dict[str | None, list] = {}
    for g in model.groups.values():
        children.setdefault(g.parent, []).append(g)
    return members, children


class Index:
    """Adjacency of the model in plain dicts, built in one pass: what the lint
    rules need without importing NetworkX."""

    def __init__(self, model: Model):
        names = model.deliverables
        self.inputs: dict[str, list[Relation]] = {n: [] for n in names}     # -> into n
        self.consumers: dict[str, list[Relation]] = {n: [] for n in names}  # -> out of n
        self.sync_in: dict[str, list[Relation]] = {n: [] for n in names}    # ~> into n
        self.sync_out: dict[str, list[Relation]] = {n: [] for n in names}   # ~> out of n
        self.mutual: dict[str, list[Relation]] = {n: [] for n in names}     # <~> either end
        self.memo: dict = {}  # what later stages derive from this index, made once (prep/linter/analysis.py)
        for r in model.relations:
            if r.kind == INPUT:
                self.inputs[r.target].append(r)
                self.consumers[r.source].append(r)
            elif r.kind == SYNC:
                self.sync_in[r.target].append(r)
                self.sync_out[r.source].append(r)
            else:
                self.mutual[r.source].append(r)
                if r.target != r.source:
                    self.mutual[r.target].append(r)

    def producers(self, name: str) -> list[Relation]:
        """Relations that make `name`: `->` and `~>` into it."""
        return self.inputs[name] + self.sync_in[name]

    def uses(self, name: str) -> list[Relation]:
        """Relations that take `name` as an input: `->` and `~>` out of it."""
        return self.consumers[name] + self.sync_out[name]

    def sync_degree(self, name: str) -> int:
        return len(self.sync_in[name]) + len(self.sync_out[name]) + len(self.mutual[name])


# --------------------------------------------------------------------------
# building the model from parsed statements


@dataclass
class _Builder:
    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    decls: dict[str, Deliverable] = field(default_factory=dict)
    implicit: dict[str, Deliverable] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    groups: dict[str, Group] = field(default_factory=dict)
    title: str | None = None
    title_span: Span | None = None
    # stage declarations in order: name -> (statement, attribute values, spans)
    stages: dict = field(default_factory=dict)
    # every `stage:` reference: (stage name, span of the attribute, subject)
    stage_refs: list = field(default_factory=list)
    # measure declarations in order: name -> (statement, attribute values, spans)
    measures: dict = field(default_factory=dict)
    includes: list = field(default_factory=list)

    def error(self, code: str, name: str, message: str, span: Span, hint: str | None = None,
              subject: str | None = None, related: Iterable[Related] = ()) -> None:
        self.diagnostics.append(Diagnostic(code, ERROR, message, span, name=name, subject=subject,
                                           hint=hint, related=tuple(related)))


@contextmanager
def paused_gc():
    """No cyclic garbage collection inside: parsing and building only
    allocate (a few objects per character, freeing almost none, making no
    cycles), so each collection would just rescan a growing heap; at
    100,000 deliverables that doubled the time of the parse."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def build_model(statements: list, path: str, comments: Iterable[Comment] = (), source: str = "",
                files: dict[str, str] | None = None) -> Model:
    """The Model of `statements` (of one file, or of every file of a
    workspace in reading order: each statement's spans name its file).
    `files`: the text of every file, root first (default: {path: source})."""
    with paused_gc():
        return _build_model(statements, path, comments, source, files)


def _build_model(statements: list, path: str, comments: Iterable[Comment], source: str,
                 files: dict[str, str] | None) -> Model:
    from .syntax import DeclStmt, GroupStmt, IncludeStmt, RelationStmt, StageStmt, TitleStmt

    b = _Builder(path)

    # an explicit stack of statement iterators, not recursion: a hostile
    # model may nest groups thousands deep (the parser itself does not recurse)
    stack = [(iter(statements), None, 0, None, None)]
    while stack:
        stmts, group, depth, stage, block = stack[-1]
        for st in stmts:
            cls = type(st)
            if cls is RelationStmt:
                _add_relations(b, st, group, stage)
            elif cls is DeclStmt:
                if st.kind == "measure":
                    _add_measure(b, st)
                else:
                    _add_decl(b, st, group, stage)
            elif cls is GroupStmt:
                inner = _add_group(b, st, group)
                if depth == MAX_GROUP_DEPTH:
                    b.error("E001", "syntax-error", f"groups nest more than {MAX_GROUP_DEPTH} levels deep here",
                            st.name_span, "flatten the groups: a process map rarely needs more than a few levels")
                stack.append((iter(st.body), st.name, depth + 1, inner or stage, block))
                break
            elif cls is StageStmt:
                _add_stage(b, st, block)
                if st.body is not None:
                    if depth == MAX_GROUP_DEPTH:
                        b.error("E001", "syntax-error", f"blocks nest more than {MAX_GROUP_DEPTH} levels deep here",
                                st.name_span, "flatten the groups: a process map rarely needs more than a few levels")
                    stack.append((iter(st.body), group, depth + 1, st.name, st))
                    break
            elif cls is TitleStmt:
                if b.title is not None and b.title_span is not None:
                    if japanese():
                        message, hint, first = "タイトルが2回書かれています", "`title` の行は1つにしてください", \
                            "最初のタイトルはここです"
                    else:
                        message, hint, first = "the title is given twice", "keep one `title` line", "first title here"
                    b.error("E002", "conflicting-declaration", message, st.span, hint,
                            related=[Related(b.title_span, first)])
                else:
                    b.title, b.title_span = st.text, st.span
            elif cls is IncludeStmt:
                if depth:
                    b.error("E001", "syntax-error", "`include` stands at the top level of a file, not inside a block",
                            st.span, "move the `include` line out of the group or stage block: an included file "
                            "places its own deliverables (give them `[stage: ...]` or their own group block)")
                else:
                    b.includes.append(Include(st.target, st.span, st.target_span))
        else:
            stack.pop()

    deliverables = dict(b.decls)
    for name, d in b.implicit.items():
        if name not in deliverables:
            deliverables[name] = d
    stages = _resolve_stages(b, deliverables)
    measures = _resolve_measures(b, deliverables) if b.measures else {}
    return Model(path=path, title=b.title, deliverables=deliverables, relations=tuple(b.relations),
                 groups=b.groups, comments=tuple(comments), diagnostics=tuple(b.diagnostics), source=source,
                 stages=stages, measures=measures, includes=tuple(b.includes),
                 files=files if files is not None else {path: source})


def _add_group(b: _Builder, st, parent: str | None) -> str | None:
    """Record a group (opened or reopened); returns its `stage:`, if any."""
    spans: dict = {}
    values = _block_attributes(b, st.attrs, GROUP_ATTRIBUTES, "a group", subject=None, spans=spans)
    stage, note, colour = values.get("stage"), values.get("note"), _group_colour(b, values, spans)
    old = b.groups.get(st.name)
    if old is None:
        b.groups[st.name] = Group(st.name, st.label, parent, st.span, stage, note, colour, st.name_span)
        return stage
    given = {"stage": stage, "note": note, "colour": colour}
    before = {"stage": old.stage, "note": old.note, "colour": old.colour}
    if any(given[k] is not None and before[k] is not None and given[k] != before[k] for k in given):
        if japanese():
            message = f"グループ「{st.name}」に、最初に開いた箇所とは異なる属性が付いています"
            hint = "グループを開き直すのは構いませんが、ステージ、注記、色は1か所で指定してください"
        else:
            message = f"group '{st.name}' has other attributes here than where it was first opened"
            hint = "reopening a group is fine; give its stage, note and colour once"
        b.error("E002", "conflicting-declaration", message, st.name_span, hint,
                related=[Related(old.span, _first_opened())])
    elif any(v is not None for v in given.values()):
        old = b.groups[st.name] = Group(old.name, old.label, old.parent, old.span, old.stage or stage,
                                        old.note or note, old.colour or colour, old.name_span)
    stage = stage or old.stage
    if old.parent != parent:
        if japanese():
            message = (f"グループ「{st.name}」がここでは{_where_ja(parent)}で開かれていますが、最初は"
                       f"{_where_ja(old.parent)}で開かれました")
            hint = "グループを置ける場所は1か所だけです。入れ子のほうには別の名前を付けてください"
        else:
            message = (f"group '{st.name}' is opened inside {_where(parent)} but was first opened inside "
                       f"{_where(old.parent)}")
            hint = "a group has one place; give the nested one another name"
        b.error("E002", "conflicting-declaration", message, st.name_span, hint,
                subject=None, related=[Related(old.span, _first_opened())])
    elif st.label is not None and old.label is not None and st.label != old.label:
        if japanese():
            message = (f"グループ「{st.name}」のラベルが、ここでは{_written_ja(st.label)}、最初に開いた箇所では"
                       f"{_written_ja(old.label)}です")
            hint = "グループを開き直すのは構いませんが、ラベルは1か所で指定してください"
        else:
            message = (f"group '{st.name}' has label {_written(st.label)} here but {_written(old.label)} "
                       "where it was first opened")
            hint = "reopening a group is fine; give the label once"
        b.error("E002", "conflicting-declaration", message, st.name_span, hint,
                related=[Related(old.span, _first_opened())])
    elif old.label is None and st.label is not None:
        b.groups[st.name] = Group(old.name, st.label, old.parent, old.span, old.stage, old.note, old.colour,
                                  old.name_span)
    return stage


def _group_colour(b: _Builder, values: dict, spans: dict) -> str | None:
    """A group's `colour:` (or `fill:`) as a palette name; a located error
    naming the palette for anything else."""
    palette = ", ".join(GROUP_COLOURS)
    if "colour" in values and "fill" in values:
        if japanese():
            message, hint, first = ("属性「fill」は「colour」の別名です。どちらか一方を指定してください",
                                    "`colour:`（または `fill:`）のどちらか一方だけを書いてください",
                                    "色はここで指定しています")
        else:
            message, hint, first = ("attribute 'fill' is another name for 'colour': give one of them",
                                    "keep `colour:` (or `fill:`), not both", "colour given here")
        b.error("E006", "invalid-attribute", message, spans["fill"], hint, subject=None,
                related=[Related(spans["colour"], first)])
        return None
    key = "colour" if "colour" in values else "fill" if "fill" in values else None
    if key is None:
        return None
    raw = values[key]
    word = raw.strip().lower()
    word = COLOUR_SPELLINGS.get(word, word)
    if word in GROUP_COLOURS:
        return word
    close = difflib.get_close_matches(word, GROUP_COLOURS, n=1, cutoff=0.5)
    if japanese():
        message = f"グループの色に「{raw}」はありません"
        hint = (guessed(close[0]) + "　" if close else "") + \
            f"グループの「{key}」は次のいずれかです: {quoted(GROUP_COLOURS)}"
    else:
        message = f"unknown group colour '{raw}'"
        hint = (f"did you mean '{close[0]}'? " if close else "") + f"a group's {key} is one of: {palette}"
    b.error("E006", "invalid-attribute", message, spans[key], hint, subject=None)
    return None


def _where(group: str | None) -> str:
    return f"group '{group}'" if group else "the top level"


# --- the builder's messages in Japanese (prep._words: `japanese()` chooses them)

def _where_ja(group: str | None) -> str:
    return f"グループ「{group}」の中" if group else "トップレベル"


def _first_opened() -> str:
    return "最初はここで開かれています" if japanese() else "first opened here"


def _first_declared() -> str:
    return "最初はここで宣言されています" if japanese() else "first declared here"


def _first_given() -> str:
    return "最初はここで指定されています" if japanese() else "first given here"


def _written_ja(text: str) -> str:
    """A label as a Japanese message quotes it: 「提案書\\nProposal」, its
    line break written as \\n as _written does (the message stays one line)."""
    return "「" + text.replace("\\", "\\\\").replace("\n", "\\n") + "」"


# the statements as Japanese names them ("a stage" -> ステージ), and the kinds of deliverable
_WHAT_JA = {"a deliverable": "成果物", "a relation": "関係", "a stage": "ステージ", "a group": "グループ",
            "a measure": "KPI"}
_KIND_JA = {TANGIBLE: "成果物", KNOWHOW: "ノウハウ"}


def _ja_names(whats: Iterable[str]) -> str:
    """Statements ("a stage", "a measure") as a Japanese message names them
    before a particle: ステージ, 成果物と KPI (a space either side of KPI)."""
    out = ""
    for what in whats:
        word = _WHAT_JA[what]
        out += ("と" if out else "") + (" " if out and word.isascii() else "") + word
    return out + " " if out[-1:].isascii() else out


# a measure's target and thresholds as Japanese names them
_KEY_JA = {"target": "目標", "green": "緑のしきい値", "lime": "黄緑のしきい値", "yellow": "黄のしきい値"}


# what each statement takes, named as messages name the statement; an
# attribute of one put on another ([exit: X] on a deliverable, [final] on a
# group) is told where it goes, not matched against the wrong table ('exit'
# was "did you mean 'external'?", 'final' on a group "did you mean 'fill'?")
_TAKEN_BY = {"a deliverable": tuple(k for k, (on_decl, _, _) in ATTRIBUTES.items() if on_decl),
             "a relation": tuple(k for k, (_, on_rel, _) in ATTRIBUTES.items() if on_rel),
             "a stage": tuple(STAGE_ATTRIBUTES), "a group": tuple(GROUP_ATTRIBUTES),
             "a measure": tuple(MEASURE_ATTRIBUTES)}
_GOES_ON = {
    "a deliverable": "put it on the declarations of the deliverables: `deliverable NAME [{written}]`",
    "a stage": "a stage takes it: `stage NAME [{key}: ...]`; a deliverable is placed in a stage with "
               "`[stage: NAME]`",
    "a group": "a group takes it: declare the deliverable inside `group NAME [{key}: blue] {{ ... }}`",
    "a measure": "a measure takes it: `measure NAME [of: DELIVERABLE, {key}: ...]` (docs/measures.md)",
}
_GOES_ON_JA = {
    "a deliverable": "成果物の宣言に付けてください: `deliverable NAME [{written}]`",
    "a stage": "ステージに付けてください: `stage NAME [{key}: ...]`。成果物をステージに置くには `[stage: NAME]` と"
               "書きます",
    "a group": "グループに付けてください: 成果物は `group NAME [{key}: blue] {{ ... }}` の中で宣言します",
    "a measure": "KPI に付けてください: `measure NAME [of: DELIVERABLE, {key}: ...]`（`docs/measures.md` を参照）",
}


def _misplaced(key: str, here: str) -> tuple[str, str, str] | None:
    """(message, hint, the statements it applies to) for `key` given to
    `here` ("a deliverable", "a group", ...) when it is an attribute of
    another statement, else None."""
    owners = [what for what, keys in _TAKEN_BY.items() if key in keys and what != "a relation"]
    if not owners or here in owners:
        return None
    written = key if ATTRIBUTES.get(key, (None, None, None))[2] == "flag" else f"{key}: ..."
    if japanese():
        names = _ja_names(owners)
        space = " " if names[0].isascii() else ""   # 「target」は KPI の属性
        return (f"属性「{key}」は{space}{names}の属性で、{_ja_names([here])}には付けられません",
                _GOES_ON_JA[owners[0]].format(key=key, written=written), names)
    names = " and ".join(what.removeprefix("a ") + "s" for what in owners)
    return (f"attribute '{key}' applies to {names}, not to {here.removeprefix('a ')}s",
            _GOES_ON[owners[0]].format(key=key, written=written), names)


def _attributes(b: _Builder, attrs, on_relation: bool, spans: dict | None = None) -> dict:
    """Check attributes; return {key: value} for the valid ones (and their
    spans in `spans`, when given)."""
    values: dict = {}
    seen: dict[str, Span] = {}
    if not attrs:
        return values
    for a in attrs:
        spec = ATTRIBUTES.get(a.key)
        misplaced = _misplaced(a.key, "a relation" if on_relation else "a deliverable") if spec is None else None
        if misplaced is not None:
            b.error("E005", "unknown-attribute", misplaced[0], a.key_span, misplaced[1])
            continue
        if spec is None:
            close = difflib.get_close_matches(a.key, list(ATTRIBUTES), n=1, cutoff=0.5)
            wide = next((c for c in a.key if c in "：，、"), None)
            fixed = None
            if wide is not None:   # a Japanese input method's colon or comma: `stage：s1`, `final，external`
                fixed = a.key.replace("：", ": ").replace("，", ", ").replace("、", ", ")
            if japanese():
                message = f"「{a.key}」という属性はありません"
                hint = guessed(close[0]) if close else f"使える属性は{quoted(ATTRIBUTES)}です"
                if wide is not None:
                    what = "全角のコロン" if wide == "：" else "全角のカンマ" if wide == "，" else "読点"
                    half = "コロン" if wide == "：" else "カンマ"
                    hint = f"「{wide}」は{what}です。半角の{half}で `[{fixed}]` と書いてください"
            else:
                message = f"unknown attribute '{a.key}'"
                hint = f"did you mean '{close[0]}'?" if close else "known attributes: " + ", ".join(ATTRIBUTES)
                if wide is not None:
                    what = "colon" if wide == "：" else "comma"
                    hint = f"'{wide}' is a full-width {what}: type it half-width, `[{fixed}]`"
            b.error("E005", "unknown-attribute", message, a.key_span, hint)
            continue
        on_decl, on_rel, kind = spec
        if on_relation and not on_rel:
            if japanese():
                message = f"属性「{a.key}」は成果物の属性で、関係には付けられません"
                hint = f"`[{a.key}]` は成果物の宣言に付けてください"
            else:
                message = f"attribute '{a.key}' applies to deliverables, not to relations"
                hint = f"put `[{a.key}]` on the declaration of the deliverable"
            b.error("E005", "unknown-attribute", message, a.key_span, hint)
            continue
        if a.key in seen:
            _given_twice(b, a, seen, "owner: [a, b]", None)
            continue
        seen[a.key] = a.key_span
        if kind == "flag":
            if a.value is not None:
                if japanese():
                    message, hint = f"属性「{a.key}」には値を付けません", f"`{a.key}` とだけ書いてください"
                else:
                    message, hint = f"attribute '{a.key}' takes no value", f"write just `{a.key}`"
                b.error("E006", "invalid-attribute", message, a.span, hint)
                continue
            values[a.key] = True
            if spans is not None:
                spans[a.key] = a.span
        elif a.value is None:
            example = f"{a.key}: [Aさん, Bさん]" if kind == "names" else f'{a.key}: "..."'
            _needs_a_value(b, a, example, None)
        elif kind == "text":
            if isinstance(a.value, tuple):
                _one_value(b, a, f'{a.key}: "..."', None)
                continue
            values[a.key] = a.value
            if spans is not None:
                spans[a.key] = a.span
        else:  # names
            names = a.value if isinstance(a.value, tuple) else (a.value,)
            if not names:
                if japanese():
                    message, hint = f"属性「{a.key}」のリストが空です", "担当を1人以上書くか、属性を省いてください"
                else:
                    message, hint = f"attribute '{a.key}' has an empty list", \
                        "name at least one owner, or leave the attribute out"
                b.error("E006", "invalid-attribute", message, a.span, hint)
                continue
            values[a.key] = tuple(dict.fromkeys(names))
    return values


def _given_twice(b: _Builder, a, seen: dict, example: str, subject: str | None) -> None:
    """E006 for an attribute given twice (`example`: a list it takes)."""
    if japanese():
        message, hint = f"属性「{a.key}」が2回指定されています", \
            f"属性は1回ずつ指定してください。`{example}` のようにリストを書けます"
    else:
        message, hint = f"attribute '{a.key}' is given twice", f"give each attribute once; `{example}` takes a list"
    b.error("E006", "invalid-attribute", message, a.key_span, hint, subject=subject,
            related=[Related(seen[a.key], _first_given())])


def _needs_a_value(b: _Builder, a, example: str, subject: str | None) -> None:
    if japanese():
        message, hint = f"属性「{a.key}」には値が必要です", f"`{example}` のように書いてください"
    else:
        message, hint = f"attribute '{a.key}' needs a value", f"write `{example}`"
    b.error("E006", "invalid-attribute", message, a.span, hint, subject=subject)


def _one_value(b: _Builder, a, example: str, subject: str | None) -> None:
    if japanese():
        message, hint = f"属性「{a.key}」には値を1つだけ書きます。リストは書けません", f"`{example}` のように書いてください"
    else:
        message, hint = f"attribute '{a.key}' takes one value, not a list", f"write `{example}`"
    b.error("E006", "invalid-attribute", message, a.span, hint, subject=subject)


def _name_subject(b: _Builder, first: int, subject: str) -> None:
    """Attribute errors found since `first` are about `subject` (lint colours
    and suppresses findings by the deliverable they are about)."""
    for i in range(first, len(b.diagnostics)):
        d = b.diagnostics[i]
        if d.subject is None:
            b.diagnostics[i] = Diagnostic(d.code, d.severity, d.message, d.span, d.name, subject,
                                          d.hint, d.related)


def _written(text: str) -> str:
    """A string as the model writes it, quoted, its line break as \\n: a
    two-line label ("提案書\\nProposal", as every example has) put into a
    message broke the message's line in two."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _add_decl(b: _Builder, st, group: str | None, stage: str | None) -> None:
    if st.attrs:
        first = len(b.diagnostics)
        spans: dict = {}
        values = _attributes(b, st.attrs, on_relation=False, spans=spans)
        _name_subject(b, first, st.name)
        if "stage" in values:
            b.stage_refs.append((values["stage"], spans["stage"], st.name))
        d = new_deliverable(st.name, st.kind, st.label, values.get("owner", ()), values.get("external", False),
                            values.get("final", False), values.get("note"), values.get("stage", stage), group,
                            st.name_span, True)
    else:
        d = new_deliverable(st.name, st.kind, st.label, (), False, False, None, stage, group, st.name_span, True)
    old = b.decls.get(st.name)
    if old is None:
        b.decls[st.name] = d
        return
    kind = old.kind != d.kind
    label = d.label is not None and old.label is not None and d.label != old.label
    group = old.group != d.group
    stage = d.stage is not None and old.stage is not None and d.stage != old.stage
    if kind or label or group or stage:
        if japanese():
            problems = [f"ここでは{_KIND_JA[d.kind]}、前は{_KIND_JA[old.kind]}です"] if kind else []
            if label:
                problems.append(f"ラベルがここでは{_written_ja(d.label)}、前は{_written_ja(old.label)}です")
            if group:
                problems.append(f"ここでは{_where_ja(d.group)}、前は{_where_ja(old.group)}にあります")
            if stage:
                problems.append(f"ここではステージ「{d.stage}」、前はステージ「{old.stage}」にあります")
            message = f"「{st.name}」が2回宣言されています。" + "。".join(problems)
            hint = "成果物は1回だけ宣言してください。別のものには別の名前を付けてください"
        else:
            problems = [f"as {d.kind} here but as {old.kind} before"] if kind else []
            if label:
                problems.append(f"with label {_written(d.label)} here but {_written(old.label)} before")
            if group:
                problems.append(f"inside {_where(d.group)} here but inside {_where(old.group)} before")
            if stage:
                problems.append(f"in stage '{d.stage}' here but in stage '{old.stage}' before")
            message = f"'{st.name}' is declared twice: " + "; ".join(problems)
            hint = "declare each deliverable once; use a different name for a different thing"
        b.error("E002", "conflicting-declaration", message, st.name_span, hint,
                subject=st.name, related=[Related(old.span, _first_declared())])
        return
    # an identical re-declaration may add attributes
    b.decls[st.name] = Deliverable(
        name=old.name, kind=old.kind, label=old.label if old.label is not None else d.label,
        owners=tuple(dict.fromkeys(old.owners + d.owners)), external=old.external or d.external,
        final=old.final or d.final, note=old.note or d.note, stage=old.stage or d.stage,
        group=old.group, span=old.span, declared=True)


def _add_relations(b: _Builder, st, group: str | None, placed: str | None) -> None:
    if st.attrs:
        first = len(b.diagnostics)
        spans: dict = {}
        values = _attributes(b, st.attrs, on_relation=True, spans=spans)
        # a relation finding is about the relation's target (the last one named)
        target = st.steps[-1][2][-1][0]
        _name_subject(b, first, target)
        note, stage, owners = values.get("note"), values.get("stage"), values.get("owner", ())
        if stage is not None:
            b.stage_refs.append((stage, spans["stage"], target))
    else:
        note = stage = None
        owners = ()
    implicit, decls, out = b.implicit, b.decls, b.relations
    for side in st.sides():
        for name, span in side:
            if name not in decls and name not in implicit:
                implicit[name] = new_deliverable(name, TANGIBLE, None, (), False, False, None, placed, group,
                                                 span, False)
    whole = st.span
    for left, arrow, right in st.steps:
        kind = ARROW_KINDS[arrow]
        for s_name, s_span in left:
            for t_name, t_span in right:
                out.append(new_relation(kind, s_name, t_name, whole, s_span, t_span, note, stage, owners))


# --------------------------------------------------------------------------
# stages


def _block_attributes(b: _Builder, attrs, table: dict, what: str, subject: str | None,
                      spans: dict | None = None) -> dict:
    """Check the attributes of a group or a stage against `table` (name ->
    value kind); return {key: value} for the valid ones."""
    values: dict = {}
    if not attrs:
        return values
    if spans is None:
        spans = {}
    seen: dict[str, Span] = {}
    for a in attrs:
        kind = table.get(a.key)
        misplaced = _misplaced(a.key, what) if kind is None else None
        if misplaced is not None:   # "a group has no attribute 'final': it applies to deliverables"
            applies = misplaced[2]
            if japanese():
                message = f"{_ja_names([what])}には属性「{a.key}」はありません。{applies}の属性です"
                hint = f"{_ja_names([what])}に使える属性は{quoted(table)}です。" + misplaced[1]
            else:
                message = f"{what} has no attribute '{a.key}': it applies to {applies}"
                hint = f"{what} takes: " + ", ".join(table) + "; " + misplaced[1]
            b.error("E005", "unknown-attribute", message, a.key_span, hint, subject=subject)
            continue
        if kind is None:
            close = difflib.get_close_matches(a.key, list(table), n=1, cutoff=0.5)
            if japanese():
                message = f"{_ja_names([what])}には属性「{a.key}」はありません"
                hint = guessed(close[0]) if close else f"{_ja_names([what])}に使える属性は{quoted(table)}です"
            else:
                message = f"{what} has no attribute '{a.key}'"
                hint = f"did you mean '{close[0]}'?" if close else f"{what} takes: " + ", ".join(table)
            b.error("E005", "unknown-attribute", message, a.key_span, hint, subject=subject)
            continue
        if a.key in seen:
            _given_twice(b, a, seen, "exit: [a, b]", subject)
            continue
        seen[a.key] = a.key_span
        if a.value is None:
            example = f"{a.key}: [契約書, 成功計画]" if kind == "names" else f"{a.key}: kickoff"
            _needs_a_value(b, a, example, subject)
            continue
        if kind == "text":
            if isinstance(a.value, tuple):
                _one_value(b, a, f"{a.key}: NAME", subject)
                continue
            values[a.key] = a.value
        else:
            names = a.value if isinstance(a.value, tuple) else (a.value,)
            if not names:
                if japanese():
                    message, hint = f"属性「{a.key}」のリストが空です", "成果物を1つ以上書くか、属性を省いてください"
                else:
                    message, hint = f"attribute '{a.key}' has an empty list", \
                        "name at least one deliverable, or leave the attribute out"
                b.error("E006", "invalid-attribute", message, a.span, hint, subject=subject)
                continue
            values[a.key] = tuple(dict.fromkeys(names))
        spans[a.key] = a.span
    if "stage" in values:
        b.stage_refs.append((values["stage"], spans["stage"], subject))
    return values


def _add_stage(b: _Builder, st, block) -> None:
    """Record a `stage` statement: a declaration, or a bare `stage NAME { }`
    block adding members to a stage declared before."""
    if block is not None:
        if japanese():
            message = f"ステージ「{st.name}」がステージ「{block.name}」のブロックの中で開かれています"
            hint = f"先にステージ「{block.name}」を閉じてください。ステージのブロックは入れ子にできません"
            opened = f"ステージ「{block.name}」はここで開かれています"
        else:
            message = f"stage '{st.name}' is opened inside the block of stage '{block.name}'"
            hint = f"close stage '{block.name}' first: stage blocks do not nest"
            opened = f"stage '{block.name}' opened here"
        b.error("E009", "stage-order", message, st.name_span, hint, related=[Related(block.name_span, opened)])
    spans: dict = {}
    values = _block_attributes(b, st.attrs, STAGE_ATTRIBUTES, "a stage", subject=None, spans=spans)
    old = b.stages.get(st.name)
    if old is None:
        b.stages[st.name] = (st, values, spans)
    elif st.label is not None or st.attrs or st.body is None:
        if japanese():
            message = f"ステージ「{st.name}」が2回宣言されています"
            hint = (f"ステージは1回だけ宣言してください。ラベルも属性もない `stage {st.name} {{ ... }}` は、"
                    "そのステージに成果物を加えます")
        else:
            message = f"stage '{st.name}' is declared twice"
            hint = (f"declare each stage once; `stage {st.name} {{ ... }}` without a label or attributes "
                    "adds deliverables to it")
        b.error("E002", "conflicting-declaration", message, st.name_span, hint,
                related=[Related(old[0].name_span, _first_declared())])


def _resolve_stages(b: _Builder, deliverables: dict) -> dict[str, Stage]:
    """The stages in order, with members and exit criteria; reports unknown
    stages (E008), cycles in `after:` and misplaced exits (E009)."""
    if not b.stages:
        # a v1 model: `stage:` values name the stages, in order of first use
        names = list(dict.fromkeys(name for name, _, _ in b.stage_refs))
        members: dict[str, list[str]] = {n: [] for n in names}
        for d in deliverables.values():
            if d.stage in members:
                members[d.stage].append(d.name)
        return {n: Stage(n, None, i, declared=False, members=tuple(members[n])) for i, n in enumerate(names)}

    declared = list(b.stages)
    for name, span, subject in b.stage_refs:
        if name not in b.stages:
            if japanese():
                message = f"ステージ「{name}」は宣言されていません"
                otherwise = (f"宣言されたステージ: {quoted(declared[:12])}" + ("、…" if len(declared) > 12 else "")
                             + f"。または `stage {name}` と宣言してください")
            else:
                message = f"stage '{name}' is not declared"
                otherwise = ("declared stages: " + ", ".join(declared[:12]) + (", ..." if len(declared) > 12 else "")
                             + f"; or declare it: `stage {name}`")
            b.error("E008", "unknown-stage", message, span, _did_you_mean(name, declared, otherwise),
                    subject=subject)

    order = _stage_order(b, declared)
    stages: dict[str, Stage] = {}
    owner_of_exit: dict[str, str] = {}
    for name in order:
        st, values, spans = b.stages[name]
        exits = []
        for x in values.get("exit", ()):
            d = deliverables.get(x)
            if d is None:
                if japanese():
                    message = f"ステージ「{name}」の完了条件「{x}」は、モデルにない成果物です"
                    otherwise = "モデルにある成果物を書いてください"
                else:
                    message = f"exit criterion '{x}' of stage '{name}' is not a deliverable"
                    otherwise = "name a deliverable of the model"
                b.error("E008", "unknown-stage", message, spans["exit"],
                        _did_you_mean(x, list(deliverables), otherwise))
                continue
            # an exit criterion is placed in the stage it ends, unless its
            # declaration places it (a name only used gets no say)
            if (d.stage is None or not d.declared) and x not in owner_of_exit:
                deliverables[x] = d = _replace_stage(d, name)
            if d.stage != name and d.stage not in b.stages:
                continue  # an unknown stage, reported above
            if d.stage != name:
                if japanese():
                    where = f"ステージ「{owner_of_exit[x]}」もこの成果物で終わります" if x in owner_of_exit else \
                        f"ステージ「{d.stage}」に置かれています"
                    message = f"ステージ「{name}」の完了条件「{x}」は別のステージのものです（{where}）"
                    hint = ("ステージは、そのステージ自身の成果物ができたときに終わります。完了条件は、それで終わるステージに"
                            f"置く（`[stage: {name}]`）か、別の完了条件を書いてください")
                    here = f"「{x}」はここです"
                else:
                    where = f"stage '{owner_of_exit[x]}' ends with it too" if x in owner_of_exit else \
                        f"it is placed in stage '{d.stage}'"
                    message = f"exit criterion '{x}' of stage '{name}' belongs to another stage: {where}"
                    hint = ("a stage ends when its own deliverable exists: place the exit criterion in the stage "
                            f"it ends (`[stage: {name}]`), or name another exit")
                    here = f"'{x}' here"
                b.error("E009", "stage-order", message, spans["exit"], hint, subject=x,
                        related=[Related(d.span, here)] if d.span else ())
                continue
            owner_of_exit[x] = name
            exits.append(x)
        stages[name] = Stage(name, st.label, len(stages), tuple(exits), values.get("note"), values.get("after"),
                             st.name_span, True)
    members: dict[str, list[str]] = {n: [] for n in stages}
    for d in deliverables.values():
        if d.stage in members:
            members[d.stage].append(d.name)
    return {n: Stage(s.name, s.label, s.index, s.exits, s.note, s.after, s.span, True, tuple(members[n]))
            for n, s in stages.items()}


def _stage_order(b: _Builder, declared: list[str]) -> list[str]:
    """Declaration order, except that a stage with `after: X` comes after
    X (a stable topological sort); a cycle is reported and broken."""
    after: dict[str, str] = {}
    for name in declared:
        st, values, spans = b.stages[name]
        other = values.get("after")
        if other is None:
            continue
        if other not in b.stages:
            if japanese():
                message = f"ステージ「{name}」の `after:` にある「{other}」は、宣言されていないステージです"
                otherwise = "宣言されたステージを書いてください"
            else:
                message = f"stage '{name}' comes after '{other}', which is not declared"
                otherwise = "name a declared stage"
            b.error("E008", "unknown-stage", message, spans["after"], _did_you_mean(other, declared, otherwise))
        elif other == name:
            if japanese():
                message = f"ステージ「{name}」は自分自身の後には来られません"
                hint = "前にあるステージを書くか、`after:` を省いてください"
            else:
                message = f"stage '{name}' cannot come after itself"
                hint = "name the stage it follows, or leave `after:` out"
            b.error("E009", "stage-order", message, spans["after"], hint)
        else:
            after[name] = other
    # a cycle: follow `after:` links from each stage
    for start in declared:
        seen, name = [], start
        while name in after and name not in seen:
            seen.append(name)
            name = after[name]
        if name == start and seen:
            cycle = seen + [start]
            st, values, spans = b.stages[start]
            if japanese():
                message = "ステージの順序が循環しています: " + "、".join(
                    f"「{n}」は「{m}」の後" for n, m in zip(cycle, cycle[1:]))
                hint = "循環している `after:` を1つ外してください。`after:` がなければ、ステージは宣言した順に進みます"
            else:
                message = "the stages' order has a cycle: " + " after ".join(f"'{n}'" for n in cycle)
                hint = "remove one `after:` of the cycle; without `after:` stages run in the order they are declared"
            b.error("E009", "stage-order", message, spans["after"], hint)
            for n in seen:
                after.pop(n, None)
    position = {n: i for i, n in enumerate(declared)}
    followers: dict[str, list[str]] = {}
    for name, other in after.items():
        followers.setdefault(other, []).append(name)
    import heapq

    ready = [(position[n], n) for n in declared if n not in after]
    heapq.heapify(ready)
    out: list[str] = []
    while ready:
        _, name = heapq.heappop(ready)
        out.append(name)
        for f in followers.get(name, ()):
            heapq.heappush(ready, (position[f], f))
    return out


def _did_you_mean(name: str, candidates: list[str], otherwise: str) -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if not close:
        return otherwise
    return guessed(close[0]) if japanese() else f"did you mean '{close[0]}'?"


def _replace_stage(d: Deliverable, stage: str) -> Deliverable:
    from dataclasses import replace

    return replace(d, stage=stage)


# --------------------------------------------------------------------------
# measures


def _add_measure(b: _Builder, st) -> None:
    spans: dict = {}
    values = _block_attributes(b, st.attrs, MEASURE_ATTRIBUTES, "a measure", subject=None, spans=spans)
    old = b.measures.get(st.name)
    if old is not None:
        if japanese():
            message = f"KPI「{st.name}」が2回宣言されています"
            hint = "KPI は1回だけ宣言してください。別の KPI には別の名前を付けてください"
        else:
            message = f"measure '{st.name}' is declared twice"
            hint = "declare each measure once; give another measure another name"
        b.error("E002", "conflicting-declaration", message, st.name_span, hint,
                related=[Related(old[0].name_span, _first_declared())])
        return
    b.measures[st.name] = (st, values, spans)


def _resolve_measures(b: _Builder, deliverables: dict) -> dict[str, Measure]:
    """The measures, with their thresholds read and checked (E006): `of:`
    and `from:` name deliverables of the model, thresholds are comparisons
    and numbers that agree in direction and unit and go from green (the
    strictest) to yellow, `dear:` is one of DEAR."""
    names = list(deliverables)
    out: dict[str, Measure] = {}
    for name, (st, values, spans) in b.measures.items():
        def bad(key: str, message: str, hint: str) -> None:
            b.error("E006", "invalid-attribute", message, spans[key], hint)

        refs = {}
        for key in ("of", "from"):
            x = values.get(key)
            if x is not None and x not in deliverables:
                if japanese():
                    role = "対象（`of:`）" if key == "of" else "データ元（`from:`）"
                    bad(key, f"KPI「{name}」の{role}「{x}」は、モデルにない成果物です",
                        _did_you_mean(x, names, "宣言した成果物か、関係で使っている成果物を書いてください"))
                else:
                    bad(key, f"measure '{name}' is {'of' if key == 'of' else 'from'} '{x}', which is not a "
                        "deliverable of the model",
                        _did_you_mean(x, names, "name a deliverable declared or used in a relation"))
                x = None
            refs[key] = x
        if "of" not in values:
            if japanese():
                message = f"KPI「{name}」に、何を測るのか（`of:`）が書かれていません"
                hint = f"測る成果物を書いてください: `measure {name} [of: DELIVERABLE, ...]`"
            else:
                message = f"measure '{name}' does not say what it is observed on"
                hint = f"name the deliverable it measures: `measure {name} [of: DELIVERABLE, ...]`"
            b.error("E006", "invalid-attribute", message, st.name_span, hint)
        given: dict[str, Threshold] = {}
        for key in ("target", *THRESHOLD_COLOURS):
            if key not in values:
                continue
            t = parse_threshold(values[key])
            if t is None:
                if japanese():
                    bad(key, f"KPI「{name}」の{_KEY_JA[key]}「{values[key]}」が、比較演算子と数値の形になっていません",
                        f'`{key}: ">= 60%"` のように書いてください（>=、>、<=、< のいずれかと数値、必要なら単位）')
                else:
                    bad(key, f"{key} '{values[key]}' of measure '{name}' is not a comparison with a number",
                        f'write it like `{key}: ">= 60%"` (>=, >, <= or <, a number, a unit if any)')
            else:
                given[key] = t
        given = _check_thresholds(b, name, given, spans)
        dear = values.get("dear")
        if dear is not None:
            word = dear.strip().lower()
            if word not in DEAR:
                close = difflib.get_close_matches(word, DEAR, n=1, cutoff=0.5)
                if japanese():
                    bad("dear", f"KPI「{name}」の DEAR の区分に「{dear}」はありません",
                        (guessed(close[0]) + "　" if close else "")
                        + f"KPI の「dear」は次のいずれかです: {quoted(DEAR)}")
                else:
                    bad("dear", f"unknown DEAR category '{dear}' of measure '{name}'",
                        (f"did you mean '{close[0]}'? " if close else "") + "a measure's dear is one of: "
                        + ", ".join(DEAR))
                word = None
            dear = word
        out[name] = Measure(name, st.label, refs["of"], refs["from"], given.get("target"), given.get("green"),
                            given.get("lime"), given.get("yellow"), dear, values.get("owner", ()),
                            values.get("note"), st.name_span, spans.get("of"), spans.get("from"))
    return out


def _check_thresholds(b: _Builder, name: str, given: dict, spans: dict) -> dict:
    """Drop (and report) the thresholds that point the other way from the
    first one given, use another unit, or are looser than the next colour."""
    if not given:
        return given
    first_key, first = next(iter(given.items()))
    units = {t.unit for t in given.values() if t.unit}
    kept: dict = {}
    for key, t in given.items():
        if t.higher_is_better != first.higher_is_better:
            if japanese():
                message = (f"KPI「{name}」の{_KEY_JA[key]}「{t.text}」は、{_KEY_JA[first_key]}「{first.text}」と"
                           "向きが逆です")
                hint = "KPI の向きはそろえてください。すべて高いほど良い（>=、>）か、すべて低いほど良い（<=、<）かのどちらかです"
            else:
                message = (f"{key} '{t.text}' of measure '{name}' points the other way from its {first_key} "
                           f"'{first.text}'")
                hint = "a measure has one direction: higher is better (>=, >) or lower is better (<=, <)"
            b.error("E006", "invalid-attribute", message, spans[key], hint,
                    related=[Related(spans[first_key], _threshold_given(first_key))])
            continue
        if len(units) > 1 and t.unit and t.unit != first.unit and first.unit:
            if japanese():
                message = (f"KPI「{name}」の{_KEY_JA[key]}「{t.text}」の単位は「{t.unit}」ですが、"
                           f"{_KEY_JA[first_key]}の単位は「{first.unit}」です")
                hint = "KPI のしきい値はすべて同じ単位で書いてください"
            else:
                message = f"{key} '{t.text}' of measure '{name}' is in '{t.unit}', its {first_key} in '{first.unit}'"
                hint = "give every threshold of a measure in one unit"
            b.error("E006", "invalid-attribute", message, spans[key], hint,
                    related=[Related(spans[first_key], _threshold_given(first_key))])
            continue
        kept[key] = t
    previous = None
    for key in THRESHOLD_COLOURS:
        t = kept.get(key)
        if t is None:
            continue
        if previous is not None:
            pkey, p = previous
            looser = t.value > p.value if t.higher_is_better else t.value < p.value
            if looser:
                if japanese():
                    message = f"KPI「{name}」の{_KEY_JA[key]}「{t.text}」が、{_KEY_JA[pkey]}「{p.text}」より厳しくなっています"
                    hint = "色は最も厳しいしきい値（緑）から最も緩いしきい値（黄）の順に並べます。黄を下回ると赤です"
                else:
                    message = f"{key} '{t.text}' of measure '{name}' is stricter than {pkey} '{p.text}'"
                    hint = ("the colours go from the strictest threshold (green) to the loosest (yellow); "
                            "below yellow is red")
                b.error("E006", "invalid-attribute", message, spans[key], hint,
                        related=[Related(spans[pkey], _threshold_given(pkey))])
                del kept[key]
                continue
        previous = (key, t)
    return kept


def _threshold_given(key: str) -> str:
    """A related note: where a measure's target or threshold `key` is given."""
    return f"{_KEY_JA[key]}はここで指定されています" if japanese() else f"{key} given here"
