"""Stages (T4xx): the success roadmap's questions. A model that declares
stages (`stage NAME [exit: ...]`) says the process unfolds in that order,
each stage ending when its exit criterion exists. These rules check that the
order can hold: every stage has a gate, no gate or deliverable needs what
only a later stage makes, no gate rests on one person, and no stage waits on
coordination with another stage's party.

Every rule reads the effective stages (`Model.effective_stages`: a
deliverable's own placement, else the latest stage among its inputs; an
unplaced source is in the earliest stage of what uses it). They apply only to declared stages; a v1 model whose free
text `stage:` values name undeclared stages gets the one T406 hint instead.

The rules that follow dependencies stay linear and touch only what they
must: T402 floods forward once from the relations where the order breaks
(latest stage first, each deliverable visited once), which a well-ordered
model does not have at all; T404 searches backwards from each exit
criterion only inside its stage (stages do not overlap).
"""

from __future__ import annotations

from collections import deque

from .._words import japanese, quoted
from ..language.diagnostics import INFO, WARNING, Related, Span
from ..language.model import INPUT, MUTUAL, SYNC
from .knowhow import _MIN_OWNERS, _held_by, _held_by_ja
from .rule import (QUESTION_COORDINATION, QUESTION_KNOWHOW, QUESTION_STAGES, Rule, as_source, where)


# --------------------------------------------------------------------------
# what the rules share


def _declared(model) -> bool:
    return any(s.declared for s in model.stages.values())


def _ranks(model) -> tuple[dict[str, int], dict[str, int]]:
    """(stage name -> position, deliverable -> position of its effective stage)."""
    rank = {name: s.index for name, s in model.stages.items()}
    return rank, {n: rank[s] for n, s in model.effective_stages.items()}


def _exit_stage(model) -> dict[str, str]:
    """exit criterion -> the stage it ends."""
    return {x: name for name, s in model.stages.items() for x in s.exits}


def _late_inputs(model, rank_of: dict[str, int]) -> list:
    """The relations (`->`, `~>`) whose source's effective stage is later
    than the target's: where the roadmap's order breaks. Only a placed
    target can be earlier than an input (an unplaced one takes the latest
    stage of its inputs), so a well-ordered model has none."""
    return [r for r in model.relations
            if r.kind != MUTUAL and r.source != r.target and rank_of[r.source] > rank_of[r.target]]


def _stage_chain(model, index, rank_of: dict[str, int], name: str) -> list:
    """The relations through which an unplaced `name` inherits its
    effective stage, from the placed deliverable (or source) that gives it:
    [] when `name` is placed itself."""
    chain, cur, seen = [], name, {name}
    while model.deliverables[cur].stage is None:
        r = next((r for r in index.producers(cur)
                  if r.source not in seen and rank_of[r.source] == rank_of[cur]), None)
        if r is None:
            break
        chain.append(r)
        cur = r.source
        seen.add(cur)
    chain.reverse()
    return chain


def _show_path(chain: list) -> str:
    """`a -> b ~> c`, eliding the middle of a long chain."""
    if not chain:
        return ""
    parts = [chain[0].source]
    for r in chain:
        parts += [r.arrow, r.target]
    if len(chain) > 8:
        parts = parts[:7] + ["...", chain[-3].arrow] + parts[-6:]
    return " ".join(parts)


def _names(items: list[str], limit: int = 3) -> str:
    """'a', 'b' and 'c' (and 2 more)"""
    shown = [f"'{x}'" for x in items[:limit]]
    text = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    return text + (f" (and {len(items) - limit} more)" if len(items) > limit else "")


# --------------------------------------------------------------------------
# T401


def _check_stage_without_exit(model, index, options):
    if not _declared(model):
        return
    # an exit criterion that is misspelled (E008) or misplaced (E009) is
    # left out of its stage: until those errors are fixed, a stage without
    # exit may be one of them, reported already
    if any(d.code in ("E008", "E009") for d in model.diagnostics):
        return
    for name, s in model.stages.items():
        if s.exits or s.span is None:
            continue
        if japanese():
            yield STAGE_WITHOUT_EXIT.finding(
                f"ステージ「{name}」に完了条件がありません", s.span, None,
                hint=f"どの成果物ができたらステージが終わるかを書いてください: `stage {as_source(name)} [exit: NAME]`",
                stage=name)
            continue
        yield STAGE_WITHOUT_EXIT.finding(
            f"stage '{name}' has no exit criterion", s.span, None,
            hint=f"name the deliverable whose existence ends it: `stage {as_source(name)} [exit: NAME]`",
            stage=name)


# --------------------------------------------------------------------------
# T402 and T403


def _check_exit_needs_later_stage(model, index, options):
    if not _declared(model):
        return
    exits = _exit_stage(model)
    if not exits:
        return
    rank, rank_of = _ranks(model)
    breaks = _late_inputs(model, rank_of)
    if not breaks:
        return
    # carried[n]: the later stage that n needs beyond its own effective
    # stage, flooded forward from where the order breaks, latest first, so
    # each deliverable is visited once (and only downstream of a break)
    by_level: dict[int, list] = {}
    for r in breaks:
        by_level.setdefault(rank_of[r.source], []).append(r)
    carried: dict[str, int] = {}
    via: dict[str, object] = {}
    for level in sorted(by_level, reverse=True):
        todo = deque()
        for r in by_level[level]:
            if r.target not in carried:
                carried[r.target], via[r.target] = level, r
                todo.append(r.target)
        while todo:
            v = todo.popleft()
            for r in index.uses(v):
                t = r.target
                if t != v and t not in carried and rank_of[t] < level:
                    carried[t], via[t] = level, r
                    todo.append(t)
    order = list(model.stages)
    for x, stage in exits.items():
        late = carried.get(x)
        if late is None or late <= rank[stage]:
            continue
        chain, v = [], x
        while v in carried:  # back to the break (the `via` links form a forest)
            chain.append(via[v])
            v = via[v].source
        chain.reverse()
        chain = _stage_chain(model, index, rank_of, v) + chain
        origin = chain[0].source
        s = model.stages[stage]
        if japanese():
            yield EXIT_NEEDS_LATER_STAGE.finding(
                f"ステージ「{stage}」の完了条件「{x}」には「{origin}」が要りますが、「{origin}」は後のステージ"
                f"「{order[late]}」で初めて現れます: {_show_path(chain)}", where(model, model.deliverables[x]), x,
                hint=f"「{origin}」ができるまでステージ「{stage}」を終えられません。「{origin}」をステージ「{stage}」以前に"
                     f"置くか、「{origin}」を「{x}」の作成元から外すか、その時点でできている成果物でステージ「{stage}」を終えてください",
                stage=stage,
                related=[Related(where(model, model.deliverables[origin]),
                                 f"「{origin}」はここでステージ「{order[late]}」に置かれています"),
                         *([Related(s.span, f"ステージ「{stage}」は「{x}」で終わります")] if s.span else ())])
            continue
        yield EXIT_NEEDS_LATER_STAGE.finding(
            f"exit criterion '{x}' of stage '{stage}' needs '{origin}', which first appears in the later stage "
            f"'{order[late]}': {_show_path(chain)}", where(model, model.deliverables[x]), x,
            hint=f"stage '{stage}' cannot end before '{origin}' exists: place '{origin}' in stage '{stage}' or "
                 f"earlier, take it out of what makes '{x}', or end stage '{stage}' with something that "
                 "exists by then", stage=stage,
            related=[Related(where(model, model.deliverables[origin]),
                             f"'{origin}' is placed in stage '{order[late]}' here"),
                     *([Related(s.span, f"stage '{stage}' ends with '{x}'")] if s.span else ())])


def _check_input_from_later_stage(model, index, options):
    if not _declared(model):
        return
    _, rank_of = _ranks(model)
    exits = _exit_stage(model)
    order = list(model.stages)
    # one finding per statement and consumer: `a, b -> c` with a and b late is one problem
    groups: dict[tuple, list] = {}
    for r in _late_inputs(model, rank_of):
        if r.target not in exits:  # relations into an exit criterion are T402's
            groups.setdefault((r.span, r.target), []).append(r)
    for (_, v), rels in groups.items():
        late = list(dict.fromkeys(r.source for r in rels))
        stage = order[rank_of[v]]
        latest = order[max(rank_of[u] for u in late)]
        if japanese():
            if len(late) == 1:
                what = f"後のステージ「{order[rank_of[late[0]]]}」で初めて現れる「{late[0]}」"
            else:
                what = "後のステージで初めて現れる" + "、".join(
                    f"「{u}」（ステージ「{order[rank_of[u]]}」）" for u in late)
            related = []
            for u in late:
                chain = _stage_chain(model, index, rank_of, u)
                o = chain[0].source if chain else u
                note = f"「{u}」はここでステージ「{order[rank_of[u]]}」に置かれています" if o == u else \
                    f"「{u}」は、ここでステージ「{order[rank_of[u]]}」に置かれた「{o}」から作られます"
                related.append(Related(where(model, model.deliverables[o]), note))
            yield INPUT_FROM_LATER_STAGE.finding(
                f"「{v}」（ステージ「{stage}」）は{what}を使っています", rels[0].source_span, v,
                hint=f"「{v}」は入力ができる前には作れません。「{v}」をステージ「{latest}」に置く（`[stage: {as_source(latest)}]`）"
                     f"か、{quoted(late, 3)}を前のステージに置いてください",
                related=related, stage=stage)
            continue
        if len(late) == 1:
            u = late[0]
            what = f"'{u}', which first appears in the later stage '{order[rank_of[u]]}'"
        else:
            what = ", ".join(f"'{u}' (stage '{order[rank_of[u]]}')" for u in late[:-1]) + \
                f" and '{late[-1]}' (stage '{order[rank_of[late[-1]]]}'), which first appear in later stages"
        related = []
        for u in late:
            chain = _stage_chain(model, index, rank_of, u)
            o = chain[0].source if chain else u
            note = f"'{u}' is placed in stage '{order[rank_of[u]]}' here" if o == u else \
                f"'{u}' is made from '{o}', placed in stage '{order[rank_of[u]]}' here"
            related.append(Related(where(model, model.deliverables[o]), note))
        yield INPUT_FROM_LATER_STAGE.finding(
            f"'{v}' (stage '{stage}') takes {what}", rels[0].source_span, v,
            hint=f"'{v}' cannot be made before its inputs exist: place it in stage '{latest}' "
                 f"(`[stage: {as_source(latest)}]`), or place {_names(late)} earlier",
            related=related, stage=stage)


# --------------------------------------------------------------------------
# T404


def _personal_behind(index, rank_of: dict[str, int], personal: set[str], x: str) -> tuple[list[str], dict]:
    """The personal knowhow that making `x` takes within its stage: used
    directly, or through deliverables made in the same stage (what an earlier
    stage made already exists when this one starts). A breadth-first search
    backwards that stays inside the stage; returns (knowhow, closest first;
    the relation each deliverable was reached by)."""
    at = rank_of[x]
    parent: dict[str, object] = {x: None}
    found: list[str] = []
    todo = deque([x])
    while todo:
        v = todo.popleft()
        for r in index.producers(v):
            u = r.source
            if u in parent:
                continue
            if u in personal:
                parent[u] = r
                found.append(u)
            elif rank_of[u] == at:
                parent[u] = r
                todo.append(u)
    return found, parent


def _check_gate_on_one_person(model, index, options):
    if not _declared(model):
        return
    need = options["min-owners"]
    personal = {n for n, d in model.deliverables.items() if d.is_knowhow and len(d.owners) < need}
    if not personal or not _exit_stage(model):
        return
    _, rank_of = _ranks(model)
    for stage, s in model.stages.items():
        gated, held, first = [], {}, None
        for x in s.exits:
            found, parent = _personal_behind(index, rank_of, personal, x)
            if not found:
                continue
            gated.append(x)
            held.update(dict.fromkeys(found))
            if first is None:
                chain, u = [], found[0]
                while parent[u] is not None:
                    chain.append(parent[u])
                    u = parent[u].target
                first = (x, found[0], chain)
        if not gated:
            continue
        x, k, chain = first
        held_names = list(held)
        if japanese():
            holders = [f"「{h}」は{_held_by_ja(model.deliverables[h])}" for h in held_names[:3]]
            ends = f"「{x}」で終わりますが、それは" if len(gated) == 1 else f"{quoted(gated, 3)}で終わりますが、それらは"
            who = "その人" if len(held_names) == 1 else "そのうち1人でも"
            share = f"「{k}」" if len(held_names) == 1 else quoted(held_names, 3)
            yield GATE_ON_ONE_PERSON.finding(
                f"ステージ「{stage}」は{ends}ノウハウ{quoted(held_names, 3)}に頼っています（{_show_path(chain)}）。"
                + "。".join(holders),
                s.span if s.span is not None else where(model, model.deliverables[x]), x,
                hint=f"{who}が不在になると、ステージ「{stage}」を終えられません。{share}を共有する（担当を増やす）か、"
                     "ステージが使える成果物として書き出してください", stage=stage,
                related=[Related(where(model, model.deliverables[h]), f"ノウハウ「{h}」はここです")
                         for h in held_names[:3]])
            continue
        ends = f"'{x}', which rests" if len(gated) == 1 else f"{_names(gated)}, which rest"
        # who holds each knowhow named (the message names at most three)
        holders = [f"'{h}' {_held_by(model.deliverables[h])}" for h in held_names[:3]]
        held_by = holders[0] if len(holders) == 1 else ", ".join(holders[:-1]) + " and " + holders[-1]
        who = "that person is" if len(held_names) == 1 else "one of them is"
        share = f"'{k}'" if len(held_names) == 1 else _names(held_names)
        yield GATE_ON_ONE_PERSON.finding(
            f"stage '{stage}' ends with {ends} on knowhow {_names(held_names)} ({_show_path(chain)}), "
            f"and {held_by}",
            s.span if s.span is not None else where(model, model.deliverables[x]), x,
            hint=f"if {who} away, stage '{stage}' cannot end: share {share} (name more owners) or "
                 "write it down as a deliverable the stage can use", stage=stage,
            related=[Related(where(model, model.deliverables[h]), f"knowhow '{h}' here") for h in held_names[:3]])


# --------------------------------------------------------------------------
# T405


def _check_sync_across_stages(model, index, options):
    if not _declared(model):
        return
    _, rank_of = _ranks(model)
    order = list(model.stages)
    ds = model.deliverables

    def unplaced_source(n: str) -> bool:
        # neither placed nor made from anything: it has no stage of its own
        # (it takes its earliest user's), so it counts as its partner's
        return ds[n].stage is None and not index.inputs[n] and not index.sync_in[n]

    groups: dict[tuple, list] = {}
    for r in model.relations:
        if r.kind == INPUT or r.source == r.target:
            continue
        a, b = r.source, r.target
        if unplaced_source(a) or unplaced_source(b) or rank_of[a] == rank_of[b]:
            continue
        if r.kind == SYNC and rank_of[a] > rank_of[b]:
            continue  # an input from a later stage: T402's or T403's
        early, later = (a, b) if rank_of[a] < rank_of[b] else (b, a)
        groups.setdefault((r.span, later), []).append((r, early))
    for (_, later), items in groups.items():
        r, early = items[0]
        partners = list(dict.fromkeys(e for _, e in items))
        stage = order[rank_of[later]]
        shown = [f"'{p}' (stage '{order[rank_of[p]]}')" for p in partners]
        what = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
        how = "by coordination with" if r.kind == SYNC else "together with"
        message = f"'{later}' (stage '{stage}') is settled {how} {what}, across a stage boundary"
        span = r.source_span if r.source == early else r.target_span
        p = partners[0]
        if japanese():
            what = "、".join(f"「{e}」（ステージ「{order[rank_of[e]]}」）" for e in partners)
            how = "との調整で決まります" if r.kind == SYNC else "と一緒に決まります"
            yield SYNC_ACROSS_STAGES.finding(
                f"「{later}」（ステージ「{stage}」）は、ステージの境界をまたいで{what}{how}", span, later, stage=stage,
                hint=f"ステージ「{stage}」は、ステージ「{order[rank_of[p]]}」の「{p}」の側との調整を待つことになります。"
                     f"「{p}」はそのステージが終わる前に合意しておき、通常の入力として使う（`{as_source(p)} -> {as_source(later)}`）"
                     "か、両方を1つのステージにまとめてください",
                related=[Related(where(model, ds[e]), f"「{e}」はステージ「{order[rank_of[e]]}」にあります")
                         for e in partners[:3]])
            continue
        yield SYNC_ACROSS_STAGES.finding(
            message, span, later, stage=stage,
            hint=f"stage '{stage}' waits on the party of '{p}' from stage '{order[rank_of[p]]}': agree it before "
                 f"that stage ends and take it as a plain input (`{as_source(p)} -> {as_source(later)}`), "
                 "or bring both into one stage",
            related=[Related(where(model, ds[p]), f"'{p}' is in stage '{order[rank_of[p]]}'") for p in partners[:3]])


# --------------------------------------------------------------------------
# T406


def _check_undeclared_stages(model, index, options):
    names = [n for n, s in model.stages.items() if not s.declared]
    if not names:
        return
    wanted = set(names)
    first = None
    for d in model.deliverables.values():
        if d.stage in wanted and d.span is not None and (first is None or d.span[1:3] < first[1:3]):
            first = d.span
    for r in model.relations:
        if r.stage in wanted and (first is None or r.span[1:3] < first[1:3]):
            first = r.span
    for g in model.groups.values():
        if g.stage in wanted and (first is None or g.span[1:3] < first[1:3]):
            first = g.span
    lines = "\n".join(f"    stage {as_source(n)}" for n in names)
    if japanese():
        what = f"ステージ「{names[0]}」" if len(names) == 1 else f"ステージ{quoted(names, 6)}"
        yield UNDECLARED_STAGES.finding(
            f"{what}は `stage:` で使われていますが、宣言されていません", first or Span(model.path, 1, 1, 1, 1), None,
            hint=f"ファイルの先頭近くで{'' if len(names) == 1 else 'この順に、'}ラベルと `[exit: ...]` を付けて宣言すると、"
                 f"ステージのチェックが働きます:\n{lines}")
        return
    what = f"the stage '{names[0]}' is" if len(names) == 1 else f"the stages {_names(names, 6)} are"
    yield UNDECLARED_STAGES.finding(
        f"{what} named by `stage:` but never declared", first or Span(model.path, 1, 1, 1, 1), None,
        hint=f"declare {'it' if len(names) == 1 else 'them, in this order,'} near the top of the file, with a "
             f"label and `[exit: ...]`, to get the stage checks:\n{lines}")


# --------------------------------------------------------------------------
# the rules

_ROADMAP_HEAD = """\
stage kickoff "Kickoff" [exit: plan]
stage adoption "Adoption" [exit: adopted]
deliverable contract [external]
knowhow playbook "onboarding playbook" [owner: [Sato, Ito]]
"""

STAGE_WITHOUT_EXIT = Rule(
    code="T401", name="stage-without-exit", severity=WARNING,
    summary="A declared stage has no exit criterion.",
    question=QUESTION_STAGES,
    why="A stage of a success roadmap ends when its exit criterion, a deliverable, exists (the signed "
        "contract, the agreed success plan). A stage without one has no gate: nobody can say when it is "
        "over, and the stage checks (T402, T404) have nothing to check. While the model has stage errors "
        "(E008, E009) this rule waits: an exit criterion that is misspelled or placed in another stage is "
        "left out of its stage, and would be reported twice.",
    fix="Name the deliverable whose existence ends the stage: `stage NAME [exit: DELIVERABLE]`.",
    bad="""\
stage kickoff "Kickoff" [exit: plan]
stage adoption "Adoption"
deliverable contract [external]
knowhow playbook "onboarding playbook" [owner: [Sato, Ito]]
deliverable plan "success plan"
deliverable usage "usage data" [external, stage: adoption]
deliverable adopted "key features adopted" [final, stage: adoption]
contract, playbook -> plan
plan, usage -> adopted
""",
    good="""\
stage kickoff "Kickoff" [exit: plan]
stage adoption "Adoption" [exit: adopted]
deliverable contract [external]
knowhow playbook "onboarding playbook" [owner: [Sato, Ito]]
deliverable plan "success plan"
deliverable usage "usage data" [external, stage: adoption]
deliverable adopted "key features adopted" [final, stage: adoption]
contract, playbook -> plan
plan, usage -> adopted
""",
    check=_check_stage_without_exit,
    about_stage=True,
)

EXIT_NEEDS_LATER_STAGE = Rule(
    code="T402", name="exit-needs-later-stage", severity=WARNING,
    summary="An exit criterion needs, directly or through other deliverables, something that first appears "
            "in a later stage.",
    question=QUESTION_STAGES,
    why="A stage ends when its exit criterion exists, so everything the criterion is made from (through "
        "`->` and `~>`, transitively) must exist by the end of that stage. If one of those inputs first "
        "appears in a later stage (its effective stage: where it is placed, or the latest stage of what it "
        "is made from), the gate cannot close and the roadmap's order is fiction. The finding names the "
        "late input and the path from it to the exit criterion. One finding per exit criterion: a relation "
        "straight into an exit criterion is reported here and not again as T403; a late input further "
        "upstream of a deliverable placed in the stage is also reported by T403 on the relation where the "
        "order breaks.",
    fix="Place the late input in the stage or earlier, make the exit criterion from what exists by then, or "
        "end the stage with another deliverable.",
    bad=_ROADMAP_HEAD + """\
deliverable draft "draft plan"
deliverable plan "success plan"
deliverable usage "usage data" [external, stage: adoption]
deliverable score "health score"
deliverable adopted "key features adopted" [final]
contract, playbook -> draft
usage, draft -> score
score, draft -> plan
plan, usage -> adopted
""",
    good=_ROADMAP_HEAD + """\
deliverable draft "draft plan"
deliverable plan "success plan"
deliverable usage "usage data" [external, stage: adoption]
deliverable score "health score"
deliverable adopted "key features adopted" [final]
contract, playbook -> draft
draft, contract -> plan
usage, plan -> score
score, plan -> adopted
""",
    check=_check_exit_needs_later_stage,
)

INPUT_FROM_LATER_STAGE = Rule(
    code="T403", name="input-from-later-stage", severity=WARNING,
    summary="A deliverable placed in a stage takes an input that first appears in a later stage.",
    question=QUESTION_STAGES,
    why="A deliverable placed in a stage is made there, from inputs that exist by then. An input "
        "(`->` or `~>`) whose effective stage is later cannot be used yet: either the deliverable is placed "
        "too early or the input too late. Relations into an exit criterion are left to T402, which reports "
        "the exit criterion once with the path from the late input; so a late input gets one finding here, "
        "on the relation where the order breaks, and T402 adds one only for an exit criterion it blocks.",
    fix="Place the deliverable in the input's stage or later, or place the input earlier.",
    bad=_ROADMAP_HEAD + """\
deliverable plan "success plan"
deliverable usage "usage data" [external, stage: adoption]
deliverable goals "adoption goals" [stage: kickoff]
deliverable adopted "key features adopted" [final]
contract, playbook -> plan
plan, usage -> goals
goals, usage -> adopted
""",
    good=_ROADMAP_HEAD + """\
deliverable plan "success plan"
deliverable usage "usage data" [external, stage: adoption]
deliverable goals "adoption goals" [stage: adoption]
deliverable adopted "key features adopted" [final]
contract, playbook -> plan
plan, usage -> goals
goals, usage -> adopted
""",
    check=_check_input_from_later_stage,
)

GATE_ON_ONE_PERSON = Rule(
    code="T404", name="gate-on-one-person", severity=WARNING,
    summary="A stage's exit criterion rests on knowhow held by fewer than two people.",
    question=QUESTION_KNOWHOW,
    why="The roadmap's gate rests on one person: when the work that makes a stage's exit criterion needs "
        "personal knowhow (K201's notion: fewer owners than `min-owners`), directly or through deliverables "
        "made in the same stage, the stage cannot end while that person is away. Deliverables finished in an "
        "earlier stage already exist, so knowhow that only they needed does not count. One finding per "
        "stage, on its declaration, naming the exit criteria and the knowhow.",
    fix="Share the knowhow (name more owners), or write it down as a deliverable (a checklist, a pricing "
        "table) that the stage can use.",
    bad="""\
stage review "Value review" [exit: report]
stage proposal "Proposal" [exit: offer]
deliverable usage "usage record" [external]
knowhow method "analysis method" [owner: [Ito, Mori]]
deliverable report "value report"
knowhow pricing "pricing judgement" [owner: Sato]
deliverable budget "customer budget" [external, stage: proposal]
deliverable offer "renewal proposal" [final]
usage, method -> report
report, budget, pricing -> offer
""",
    good="""\
stage review "Value review" [exit: report]
stage proposal "Proposal" [exit: offer]
deliverable usage "usage record" [external]
knowhow method "analysis method" [owner: [Ito, Mori]]
deliverable report "value report"
knowhow pricing "pricing judgement" [owner: [Sato, Kato]]
deliverable budget "customer budget" [external, stage: proposal]
deliverable offer "renewal proposal" [final]
usage, method -> report
report, budget, pricing -> offer
""",
    options=(_MIN_OWNERS,),
    check=_check_gate_on_one_person,
    about_stage=True,
)

SYNC_ACROSS_STAGES = Rule(
    code="T405", name="sync-across-stages", severity=WARNING,
    summary="A synchronization (`~>` or `<~>`) joins deliverables of different stages.",
    question=QUESTION_COORDINATION,
    why="Coordination inside a stage is that stage's work. Coordination whose ends are in different stages "
        "(by their effective stages) reopens an earlier stage's party: the later stage's gate waits on "
        "another round of agreement with them, and what the earlier stage settled is redone. A deliverable "
        "that is neither placed nor made from anything has no stage of its own and counts as its partner's. "
        "A `~>` from a later stage into an earlier one is an input from a later stage (T402, T403), not "
        "reported here.",
    fix="Agree the earlier side before its stage ends and take it as a plain input (`->`), or bring both "
        "ends into one stage.",
    bad="""\
stage proposal "Proposal" [exit: offer]
stage negotiation "Negotiation" [exit: terms]
deliverable report "value report" [external]
knowhow pricing "pricing judgement" [owner: [Sato, Kato]]
deliverable offer "renewal proposal"
deliverable procurement "procurement terms" [external, stage: negotiation]
deliverable terms "renewal terms" [final]
report, pricing -> offer
offer, procurement ~> terms
""",
    good="""\
stage proposal "Proposal" [exit: offer]
stage negotiation "Negotiation" [exit: terms]
deliverable report "value report" [external]
knowhow pricing "pricing judgement" [owner: [Sato, Kato]]
deliverable offer "renewal proposal"
deliverable procurement "procurement terms" [external, stage: negotiation]
deliverable terms "renewal terms" [final]
report, pricing -> offer
offer -> terms
procurement ~> terms
""",
    check=_check_sync_across_stages,
)

UNDECLARED_STAGES = Rule(
    code="T406", name="undeclared-stages", severity=INFO,
    summary="`stage:` values name stages that the model never declares (a model written before stages).",
    question=QUESTION_STAGES,
    why="Before stages were part of the language, `stage:` was free text. Such a model still works: its "
        "`stage:` values name stages in the order they first appear. But those stages have no label, no "
        "exit criterion and no declared order, so the stage checks (T401 to T405) do not apply. The hint "
        "lists the `stage NAME` lines to add; once one stage is declared, every `stage:` must name a "
        "declared stage (E008).",
    fix="Declare the stages in order near the top of the file: `stage NAME \"label\" [exit: DELIVERABLE]`.",
    bad="""\
deliverable contract [external, stage: kickoff]
knowhow playbook "onboarding playbook" [owner: [Sato, Ito]]
deliverable plan "success plan" [final, stage: kickoff]
contract, playbook -> plan
""",
    good="""\
stage kickoff "Kickoff" [exit: plan]
deliverable contract [external, stage: kickoff]
knowhow playbook "onboarding playbook" [owner: [Sato, Ito]]
deliverable plan "success plan" [final, stage: kickoff]
contract, playbook -> plan
""",
    check=_check_undeclared_stages,
)

RULES = (STAGE_WITHOUT_EXIT, EXIT_NEEDS_LATER_STAGE, INPUT_FROM_LATER_STAGE, GATE_ON_ONE_PERSON,
         SYNC_ACROSS_STAGES, UNDECLARED_STAGES)
