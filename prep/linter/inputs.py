"""Missing inputs (I1xx): the method's first question, "are inputs missing?".

The basic pattern of the method combines two or more inputs into a new
deliverable; a model that shows fewer is usually an over-simplification.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter

from .._words import guessed, japanese
from ..language.diagnostics import INFO, WARNING
from .analysis import shared
from .rule import QUESTION_INPUTS, Rule, as_source, where


def _partners(index, name: str) -> list[str]:
    """The other ends of `<~>` relations of `name`, once each."""
    return [p for p in dict.fromkeys(r.target if r.source == name else r.source for r in index.mutual[name])
            if p != name]


def _brings_material(model, index, partner: str) -> bool:
    """A `<~>` partner counts as an input when it exists apart from the
    settlement: made from something, or from outside the process. One with
    neither (an approval, an agreement) is the settlement's outcome."""
    return bool(index.inputs[partner] or index.sync_in[partner] or model.deliverables[partner].external)


def _check_single_input(model, index, options):
    ds = model.deliverables
    for name, sources in shared(model, index).sources.items():
        if len(sources) > 1 or not (sources or index.inputs[name] or index.sync_in[name]):
            continue  # made from several, or not made by the process (a `<~>` alone is settled, not made)
        partners = _partners(index, name)
        counted = [p for p in partners if _brings_material(model, index, p)]
        total = sources + [p for p in counted if p not in sources]
        if len(total) != 1:
            continue
        skipped = [p for p in partners if p not in counted and p != total[0]]
        if japanese():
            message = f"「{name}」は1つの入力（「{total[0]}」）だけから作られています"
            hint = ("ほかにどんなノウハウ、基準、資料が使われていますか？　入力として加えてください: "
                    f"`..., {as_source(total[0])} -> {as_source(name)}`")
            if skipped:
                hint += f"。`<~>` の相手「{skipped[0]}」は、何かから作られるか `[external]` が付いていれば入力として数えます"
        else:
            message = f"'{name}' is made from one input only ('{total[0]}')"
            hint = ("which knowhow, criteria or other material went into it? add them as inputs: "
                    f"`..., {as_source(total[0])} -> {as_source(name)}`")
            if skipped:
                hint += (f"; its `<~>` partner '{skipped[0]}' counts as an input once it is made from something "
                         "or marked `[external]`")
        yield SINGLE_INPUT.finding(message, where(model, ds[name]), name, hint=hint)


def _connected(index, name: str) -> bool:
    return bool(index.inputs[name] or index.consumers[name] or index.sync_in[name]
                or index.sync_out[name] or index.mutual[name])


def _check_no_source(model, index, options):
    for name, d in model.deliverables.items():
        if d.external or d.is_knowhow or not _connected(index, name):
            continue
        # settled by `<~>` coordination counts as a source
        if index.inputs[name] or index.sync_in[name] or index.mutual[name]:
            continue
        if japanese():
            message = f"「{name}」には入力がなく、外部（`[external]`）の指定もありません"
            hint = (("プロセスの外から来るなら `[external]` を付け" if d.declared else
                     f"プロセスの外から来るなら `deliverable {as_source(name)} [external]` と宣言し")
                    + "、そうでなければ作る元になる成果物を加えてください")
        else:
            message = f"'{name}' has no inputs and is not marked external"
            hint = ("mark it `[external]` if it comes from outside the process, or add what it is made from"
                    if d.declared else
                    f"declare it with `deliverable {as_source(name)} [external]` if it comes from outside "
                    "the process, or add what it is made from")
        yield NO_SOURCE.finding(message, where(model, d), name, hint=hint)


def _check_unused(model, index, options):
    for name, d in model.deliverables.items():
        if d.final or not _connected(index, name):
            continue
        if index.consumers[name] or index.sync_out[name] or index.mutual[name]:
            continue
        if japanese():
            message = f"「{name}」はどこにも使われておらず、最終（`[final]`）の指定もありません"
            hint = (("プロセスの結果なら `[final]` を付け" if d.declared else
                     f"プロセスの結果なら `deliverable {as_source(name)} [final]` と宣言し")
                    + "、そうでなければ使う先の成果物につないでください")
        else:
            message = f"'{name}' feeds nothing and is not marked final"
            hint = ("mark it `[final]` if it is a result of the process, or connect it to what uses it"
                    if d.declared else
                    f"declare it with `deliverable {as_source(name)} [final]` if it is a result of the process, "
                    "or connect it to what uses it")
        yield UNUSED.finding(message, where(model, d), name, hint=hint)


_IGNORED = re.compile(r"[\s\-_]+")  # \s is str.isspace()'s set


def _fold(name: str) -> str:
    """A spelling-insensitive key: width, case, spaces, '-' and '_' ignored."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", name).casefold())


def _fold_all(names: list[str]) -> list[str]:
    """[_fold(n) for n in names], folding them all in one string (a NUL
    between two names changes neither of them under NFKC and casefold)."""
    if any("\0" in n for n in names):
        return [_fold(n) for n in names]
    folded = _fold("\0".join(names)).split("\0")
    return folded if len(folded) == len(names) else [_fold(n) for n in names]


# difflib is quadratic: above this many (undeclared x declared) pairs only
# spelling-insensitive matches are suggested, so huge models stay fast
_FUZZY_BUDGET = 200_000


def _closest(word: str, names: list[str], cutoff: float) -> str | None:
    """difflib.get_close_matches(word, names, n=1, cutoff), first leaving out
    the names that share too few characters with `word` to pass difflib's
    own first test (`quick_ratio`: 2 x shared characters / both lengths), at
    C speed: the same answer, several times faster on thousands of names."""
    chars = set(word)
    most = max(Counter(word).values(), default=0)  # a character's repeats bound its matches
    n = len(word)
    maybe = [x for x in names
             if not n + len(x) or 2.0 * min(n, len(x), most * len(chars.intersection(x))) / (n + len(x)) >= cutoff]
    close = difflib.get_close_matches(word, maybe, n=1, cutoff=cutoff)
    return close[0] if close else None


# commas a Japanese input method types: part of a name, not the list separator ','
_JAPANESE_COMMAS = re.compile("[、，､]")


def _listed_with_japanese_commas(model, name: str) -> str | None:
    """The hint for a name such as '見積書、先方予算': two inputs typed with
    '、' between them read as one deliverable; None for any other name."""
    parts = _JAPANESE_COMMAS.split(name)
    if len(parts) < 2 or not all(p.strip() for p in parts):
        return None
    comma = _JAPANESE_COMMAS.search(name).group()
    listed = ", ".join(as_source(p.strip()) for p in parts)
    source = any(r.source == name for r in model.relations)
    written = f"{listed} -> ..." if source else f"... -> {listed}"
    if japanese():
        return (f"「{comma}」は区切りではなく名前の一部です。{len(parts)}つの成果物を並べるなら「,」で区切ってください"
                f"（`{written}`）。1つの成果物なら宣言してください: `deliverable {as_source(name)}`")
    return (f"'{comma}' is part of the name, not a separator: to list {len(parts)} deliverables, separate them "
            f"with ',' (`{written}`); if it is one deliverable, declare it: `deliverable {as_source(name)}`")


def _check_undeclared(model, index, options):
    undeclared = [d for d in model.deliverables.values() if not d.declared]
    if not undeclared:
        return
    declared = [n for n, d in model.deliverables.items() if d.declared]
    folded = {}
    for key, n in zip(_fold_all(declared), declared):
        folded.setdefault(key, n)
    fuzzy = len(undeclared) * len(declared) <= _FUZZY_BUDGET
    for d in undeclared:
        guess = folded.get(_fold(d.name))
        if guess is None and fuzzy and declared:
            guess = _closest(d.name, declared, 0.75)
        listed = _listed_with_japanese_commas(model, d.name)
        if listed is not None:
            hint = listed
        elif guess is not None:
            hint = guessed(guess) if japanese() else f"did you mean '{guess}'?"
        elif japanese():
            hint = (f"宣言してください: `deliverable {as_source(d.name)}`（ノウハウなら `knowhow {as_source(d.name)}`）。"
                    "宣言しておけば、関係の書き間違いで別の成果物が新しくできてしまうことを防げます")
        else:
            hint = (f"declare it: `deliverable {as_source(d.name)}` (or `knowhow {as_source(d.name)}` "
                    "for knowledge), so a typo in a relation cannot create a new deliverable")
        message = (f"「{d.name}」は関係で使われていますが、宣言されていません" if japanese() else
                   f"'{d.name}' is used in a relation but never declared")
        yield UNDECLARED.finding(message, where(model, d), d.name, hint=hint)


def _check_isolated(model, index, options):
    for name, d in model.deliverables.items():
        if not _connected(index, name):
            if japanese():
                yield ISOLATED.finding(f"「{name}」はどの関係にも含まれていません", where(model, d), name,
                                       hint="作る元と使う先の成果物につなぐか、削除してください")
            else:
                yield ISOLATED.finding(f"'{name}' takes part in no relation", where(model, d), name,
                                       hint="connect it to what it is made from and what uses it, or remove it")


SINGLE_INPUT = Rule(
    code="I101", name="single-input", severity=WARNING,
    summary="A produced deliverable has exactly one input (synchronization partners count as inputs).",
    question=QUESTION_INPUTS,
    why="The method's basic pattern combines two or more inputs into a new deliverable. "
        "One input producing an output is usually an over-simplification: the honest model "
        "lacks the knowhow, criteria or material that was really needed (the naive "
        "'customer request list -> added service' leaves out development knowhow and review viewpoints). "
        "Synchronization partners count as inputs: every source of `->` and `~>`, and every `<~>` partner "
        "that exists apart from the settlement, i.e. is made from something or marked `[external]` (an offer "
        "letter made from the interview evaluation and settled together with the external salary terms has "
        "two inputs). A partner with neither, such as the approval in the naive `request list -> service "
        "<~> approval`, is the settlement's outcome rather than material, and does not count: that model "
        "still lacks the development knowhow and review viewpoints. Only deliverables made by `->` or `~>` "
        "are checked.",
    fix="Add the missing inputs: knowhow as `knowhow` boxes, criteria and reference documents as deliverables.",
    bad="""\
title "Adding a feature"
deliverable request "customer request list" [external]
deliverable service "added service" [final]
request -> service
""",
    good="""\
title "Adding a feature"
deliverable request "customer request list" [external]
knowhow dev "development knowhow" [owner: [Sato, Ito]]
deliverable service "added service" [final]
request, dev -> service
""",
    check=_check_single_input,
)

NO_SOURCE = Rule(
    code="I102", name="no-source", severity=WARNING,
    summary="A deliverable has no inputs and is not marked external.",
    question=QUESTION_INPUTS,
    why="Every deliverable inside the process is made from something. One with no inputs either "
        "comes from outside (a customer's list, a law, last year's data: mark it `[external]`) or its "
        "inputs are missing from the model. Being settled by a mutual synchronization (`<~>`) counts as a "
        "source. Knowhow is exempt: it is held by people, not produced (K201 asks who holds it). "
        "Deliverables in no relation at all are I105's.",
    fix="Mark it `[external]`, or add the relations that make it.",
    bad="""\
deliverable minutes "meeting minutes"
deliverable agenda [external]
deliverable decision [final]
minutes, agenda -> decision
""",
    good="""\
deliverable minutes "meeting minutes" [external]
deliverable agenda [external]
deliverable decision [final]
minutes, agenda -> decision
""",
    check=_check_no_source,
)

UNUSED = Rule(
    code="I103", name="unused", severity=WARNING,
    summary="A deliverable feeds nothing and is not marked final.",
    question=QUESTION_INPUTS,
    why="A deliverable that nothing uses is either a result of the process (mark it `[final]`) or work "
        "whose consumer is missing from the model, which is often where an input of someone else's work "
        "was forgotten. A `<~>` partner counts as a use.",
    fix="Mark it `[final]`, or add the relations that use it.",
    bad="""\
deliverable data "usage data" [external]
knowhow criteria "health-score criteria" [owner: [Sato, Ito]]
deliverable score "health score"
data, criteria -> score
""",
    good="""\
deliverable data "usage data" [external]
knowhow criteria "health-score criteria" [owner: [Sato, Ito]]
deliverable score "health score" [final]
data, criteria -> score
""",
    check=_check_unused,
)

UNDECLARED = Rule(
    code="I104", name="undeclared", severity=INFO,
    summary="A relation names a deliverable that is never declared.",
    question=QUESTION_INPUTS,
    why="A relation may name a deliverable without declaring it, which is handy for a sketch. In a "
        "maintained model an undeclared name is often a typo that silently creates a second deliverable "
        "(and cuts a real input off); the finding suggests the closest declared name. It is `info` by "
        "default because undeclared deliverables are valid; raise it with `severity` in the configuration "
        "to require declarations.",
    fix="Fix the spelling, or declare the deliverable with `deliverable NAME` / `knowhow NAME`.",
    bad="""\
deliverable "request list" [external]
deliverable spec [external]
deliverable service [final]
"reqest list", spec -> service
""",
    good="""\
deliverable "request list" [external]
deliverable spec [external]
deliverable service [final]
"request list", spec -> service
""",
    check=_check_undeclared,
)

ISOLATED = Rule(
    code="I105", name="isolated", severity=WARNING,
    summary="A deliverable takes part in no relation.",
    question=QUESTION_INPUTS,
    why="A deliverable view says what each deliverable is made from and what it is used for. A box with "
        "no relation says neither: it is a forgotten input, a leftover of an edit, or belongs to another "
        "model. (I102 and I103 skip such deliverables, so each gets one finding.)",
    fix="Connect it to what it is made from and what uses it, or remove it.",
    bad="""\
deliverable request [external]
knowhow design "design knowhow" [owner: [Sato, Ito]]
deliverable budget [external]
deliverable plan [final]
request, design -> plan
""",
    good="""\
deliverable request [external]
knowhow design "design knowhow" [owner: [Sato, Ito]]
deliverable budget [external]
deliverable plan [final]
request, design, budget -> plan
""",
    check=_check_isolated,
)

RULES = (SINGLE_INPUT, NO_SOURCE, UNUSED, UNDECLARED, ISOLATED)
