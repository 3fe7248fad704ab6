"""Structure (E0xx): can the model be read as a process at all? E000, E001,
E002, E005, E006, E008 and E009 are found while reading, parsing and building the model
(`prep/language/source.py`, `parse.py`, `model.py`); they are registered
here so they have a documented code, a name, a severity and a page."""

from __future__ import annotations

from collections import deque

from .._words import japanese
from ..language.diagnostics import ERROR, Related, WARNING
from .analysis import cyclic_components, input_successors, shared
from .rule import QUESTION_STRUCTURE, Rule


def _check_cycle(model, index, options):
    if shared(model, index).flow.topological is not None:
        return  # no cycle even through `~>` (the usual case: nothing more to walk)
    succ = input_successors(model, index, with_sync=False)
    order = {n: i for i, n in enumerate(model.deliverables)}
    files = {p: i for i, p in enumerate(model.files or ())}   # reading order of a workspace's files
    for comp in cyclic_components(list(model.deliverables), succ):
        members = set(comp)
        start = min(comp, key=order.__getitem__)
        path = _cycle_through(start, succ, members)
        more = f"; {len(comp)} deliverables form this loop" if len(comp) > len(path) - 1 else ""
        # at the relation of the loop read last, which closed it (in a pull request, usually
        # the line it adds: the finding stood at the first member's declaration, a line the
        # change did not touch), the loop's other relations related
        loop = [next(r for r in index.consumers[a] if r.target == b) for a, b in zip(path, path[1:])]
        last = max(loop, key=lambda r: (files.get(r.span.path, 0), r.span.line, r.span.column))
        if japanese():
            more = f"。この循環には {len(comp)} 件の成果物が含まれます" if len(comp) > len(path) - 1 else ""
            yield INPUT_CYCLE.finding(
                f"「{start}」は `->` をたどると自分自身の入力になっています: {' -> '.join(path)}{more}",
                last.span, start,
                hint="成果物は自分自身からは作れません。改訂したものは別の成果物として書きます（`draft -> reviewed -> final`）。"
                     "2つの成果物の間の合意は `<~>` で書きます",
                related=[Related(r.span, f"「{r.source} -> {r.target}」はこの循環の一部です")
                         for r in loop if r is not last][:10])
            continue
        yield INPUT_CYCLE.finding(
            f"'{start}' is, through `->`, an input of itself: {' -> '.join(path)}{more}",
            last.span, start,
            hint="a deliverable cannot be made from itself: a revision is a new deliverable "
                 "(draft -> reviewed -> final), and agreement between two deliverables is `<~>`",
            related=[Related(r.span, f"'{r.source} -> {r.target}' is in the loop") for r in loop if r is not last][:10])


def _cycle_through(start: str, succ: dict[str, list[str]], members: set[str]) -> list[str]:
    """The shortest path start -> ... -> start inside one component."""
    parent: dict[str, str] = {}
    todo = deque([start])
    while todo:
        v = todo.popleft()
        for w in succ[v]:
            if w not in members:
                continue
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return [start] + path[::-1][1:] + [start] if v != start else [start, start]
            if w not in parent:
                parent[w] = v
                todo.append(w)
    return [start, start]  # pragma: no cover - a component always has a cycle


def _check_self_relation(model, index, options):
    for r in model.relations:
        if r.source == r.target and japanese():
            yield SELF_RELATION.finding(
                f"「{r.target}」から自分自身への関係があります（`{r.arrow}`）", r.target_span, r.target,
                hint="改訂したものは別の成果物として書きます（`draft -> final`）。調整には2つの当事者が必要です")
        elif r.source == r.target:
            yield SELF_RELATION.finding(
                f"'{r.target}' is related to itself (`{r.arrow}`)", r.target_span, r.target,
                hint="a revision is a new deliverable (`draft -> final`); coordination needs two parties")


def _check_duplicate(model, index, options):
    first: dict[tuple, object] = {}
    for r in model.relations:
        key = (r.kind, r.source, r.target) if r.kind != "mutual" or r.source <= r.target else \
            (r.kind, r.target, r.source)
        old = first.get(key)
        if old is None:
            first[key] = r
            continue
        if japanese():
            yield DUPLICATE_RELATION.finding(
                f"関係「{r.source}」{r.arrow}「{r.target}」が2回書かれています", r.target_span, r.target,
                hint="一方を消してください。同じ関係が2つあると、入力と調整のルールで二重に数えられます",
                related=[Related(old.target_span, "最初はここに書かれています")])
            continue
        yield DUPLICATE_RELATION.finding(
            f"the relation '{r.source}' {r.arrow} '{r.target}' is written twice", r.target_span, r.target,
            hint="remove one; a repeated relation counts twice in the coordination and input rules",
            related=[Related(old.target_span, "first written here")])


_TWO_INPUTS = """\
deliverable request [external]
deliverable spec [external]
deliverable plan [final]
"""

UNREADABLE_FILE = Rule(
    code="E000", name="unreadable-file", severity=ERROR,
    summary="A file cannot be read as a model (missing, a directory, binary, not UTF-8, "
            "or an `include` that cannot be followed).",
    question=QUESTION_STRUCTURE,
    why="prep reads models as UTF-8 text (with or without a byte-order mark; UTF-16 with one). Other "
        "encodings (Shift_JIS, EUC-JP) are detected and named with the command that converts them. "
        "An `include` that names a missing file, a glob that matches nothing, an include cycle, and a "
        "path that leads out of the workspace (absolute, `..` climbing out, a symbolic link to "
        "elsewhere) are reported at the `include` line; the outside file is never read "
        "(docs/workspaces.md). "
        "This is an input error, not a finding: it is always reported and `prep lint` exits with 2.",
    fix="Check the path; save the file as UTF-8; include only files inside the workspace.",
    bad=None, good=None, stage="input",
)

SYNTAX_ERROR = Rule(
    code="E001", name="syntax-error", severity=ERROR,
    summary="The text is not a valid model.",
    question=QUESTION_STRUCTURE,
    why="Nothing else can be checked until the model can be read. The message explains the common "
        "mistakes (`=>` for `->`, unclosed quotes and brackets, names with spaces but no quotes). "
        "A syntax error is always reported, whatever is selected, and `prep lint` exits with 2.",
    fix="Follow the hint under the caret.",
    bad=_TWO_INPUTS + "request, spec => plan\n",
    good=_TWO_INPUTS + "request, spec -> plan\n",
    stage="parse",
)

CONFLICTING_DECLARATION = Rule(
    code="E002", name="conflicting-declaration", severity=ERROR,
    summary="A deliverable, group, stage or title is declared twice in ways that disagree.",
    question=QUESTION_STRUCTURE,
    why="One name is one deliverable. Declaring it again as another kind (knowhow and tangible), with "
        "another label or in another group means two different things share a name, and every relation "
        "to it is ambiguous. Repeating an identical declaration is fine and may add attributes.",
    fix="Give the second thing its own name.",
    bad="""\
deliverable spec [external]
knowhow review "review viewpoints" [owner: [Sato, Ito]]
deliverable review "review result"
deliverable release [final]
spec, review -> release
""",
    good="""\
deliverable spec [external]
knowhow viewpoints "review viewpoints" [owner: [Sato, Ito]]
deliverable review "review result"
deliverable release [final]
spec, viewpoints -> review
spec, review -> release
""",
    stage="model",
)

INPUT_CYCLE = Rule(
    code="E003", name="input-cycle", severity=ERROR,
    summary="A deliverable is, through `->`, an input of itself.",
    question=QUESTION_STRUCTURE,
    why="Inputs come before what is made from them. A loop of `->` relations means a deliverable is "
        "needed to make itself: usually a revision drawn as the same box (draft and final spec) or "
        "agreement drawn as inputs (which is `<~>`). The finding names the loop.",
    fix="Split the revisions into separate deliverables, or draw the agreement as `<~>`.",
    bad="""\
deliverable request [external]
knowhow craft "design craft" [owner: [Sato, Ito]]
deliverable spec [final]
deliverable design
request, design -> spec
spec, craft -> design
""",
    good="""\
deliverable request [external]
knowhow craft "design craft" [owner: [Sato, Ito]]
deliverable draft "draft spec"
deliverable design
deliverable spec "final spec" [final]
request, craft -> draft
draft, craft -> design
draft, design -> spec
""",
    check=_check_cycle,
)

SELF_RELATION = Rule(
    code="E004", name="self-relation", severity=ERROR,
    summary="A relation connects a deliverable to itself.",
    question=QUESTION_STRUCTURE,
    why="`doc -> doc` says a deliverable is made from itself, `a ~> a` and `a <~> a` that it "
        "coordinates with itself: none of these describes work. It is usually a revision that "
        "deserves its own box.",
    fix="Make the revision a new deliverable (`draft -> doc`), or remove the relation.",
    bad="""\
deliverable draft [external]
knowhow edit "editing" [owner: [Sato, Ito]]
deliverable doc "document" [final]
draft, edit -> doc
doc -> doc
""",
    good="""\
deliverable draft [external]
knowhow edit "editing" [owner: [Sato, Ito]]
deliverable doc "document" [final]
draft, edit -> doc
""",
    check=_check_self_relation,
)

UNKNOWN_ATTRIBUTE = Rule(
    code="E005", name="unknown-attribute", severity=ERROR,
    summary="An attribute prep does not know, or one that does not apply there.",
    question=QUESTION_STRUCTURE,
    why="Attributes carry the facts the rules rely on (`external`, `final`, `owner`). A misspelled "
        "one is silently lost, and the rules then report problems the author thought were answered. "
        "Deliverable-only attributes (`external`, `final`) on a relation are reported too.",
    fix="Use a known attribute: owner, external, final, note, stage (the hint suggests the closest).",
    bad=_TWO_INPUTS.replace("request [external]", "request [externl]") + "request, spec -> plan\n",
    good=_TWO_INPUTS + "request, spec -> plan\n",
    stage="model",
)

INVALID_ATTRIBUTE = Rule(
    code="E006", name="invalid-attribute", severity=ERROR,
    summary="An attribute has a value it cannot take (missing, extra, a list, empty, repeated).",
    question=QUESTION_STRUCTURE,
    why="`owner` takes one name or a list, `note` and `stage` one value, `external` and `final` none. "
        "A malformed value is dropped, so the rules would see the deliverable without it.",
    fix="Write the attribute as the hint shows.",
    bad="""\
deliverable request [external]
knowhow sales "sales knowhow" [owner: []]
deliverable plan [final]
request, sales -> plan
""",
    good="""\
deliverable request [external]
knowhow sales "sales knowhow" [owner: [Sato, Ito]]
deliverable plan [final]
request, sales -> plan
""",
    stage="model",
)

DUPLICATE_RELATION = Rule(
    code="E007", name="duplicate-relation", severity=WARNING,
    summary="The same relation is written twice.",
    question=QUESTION_STRUCTURE,
    why="A repeated relation adds nothing to the picture but counts twice wherever relations are "
        "counted (coordination hotspots, rankings); it is usually a copy or a merge leftover. "
        "`a <~> b` and `b <~> a` are the same relation.",
    fix="Remove the repetition.",
    bad=_TWO_INPUTS + "request, spec -> plan\nspec -> plan\n",
    good=_TWO_INPUTS + "request, spec -> plan\n",
    check=_check_duplicate,
)

_ROADMAP = """\
deliverable contract [external]
knowhow playbook [owner: [Sato, Ito]]
deliverable plan
deliverable adopted [final]
contract, playbook -> plan
plan, playbook -> adopted
"""

UNKNOWN_STAGE = Rule(
    code="E008", name="unknown-stage", severity=ERROR,
    summary="A stage, or a stage's exit criterion, that the model does not declare.",
    question=QUESTION_STRUCTURE,
    why="Once a model declares its stages, every `stage:` names one of them, `after:` names another "
        "stage and `exit:` names deliverables. A misspelled stage would silently start a stage of its "
        "own, out of order, and a misspelled exit criterion would leave the stage without a gate.",
    fix="Use a declared stage (the hint suggests the closest), declare the stage, or name an existing "
        "deliverable as the exit criterion.",
    bad="stage kickoff [exit: plan]\nstage adoption [exit: adopted]\n" + _ROADMAP.replace(
        "deliverable plan\n", "deliverable plan [stage: kickof]\n"),
    good="stage kickoff [exit: plan]\nstage adoption [exit: adopted]\n" + _ROADMAP,
    stage="model",
)

STAGE_ORDER = Rule(
    code="E009", name="stage-order", severity=ERROR,
    summary="The stages cannot be put in order, or an exit criterion sits in another stage.",
    question=QUESTION_STRUCTURE,
    why="Stages run in the order they are declared, moved by `after:`; a cycle of `after:` has no "
        "order. A stage ends when its exit criterion exists, so the criterion belongs to that stage: "
        "placed in another stage, or ending two stages, it cannot be the gate of either. Stage blocks "
        "`stage NAME { ... }` do not nest.",
    fix="Remove one `after:` of the cycle; place each exit criterion in the stage it ends.",
    bad="stage kickoff [exit: plan, after: adoption]\nstage adoption [exit: adopted, after: kickoff]\n"
        + _ROADMAP,
    good="stage kickoff [exit: plan]\nstage adoption [exit: adopted]\n" + _ROADMAP,
    stage="model",
)

RULES = (UNREADABLE_FILE, SYNTAX_ERROR, CONFLICTING_DECLARATION, INPUT_CYCLE, SELF_RELATION,
         UNKNOWN_ATTRIBUTE, INVALID_ATTRIBUTE, DUPLICATE_RELATION, UNKNOWN_STAGE, STAGE_ORDER)
