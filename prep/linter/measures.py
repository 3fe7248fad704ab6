"""Measures (M5xx): "does each KPI lead to an exit criterion, and is each
stage's end measured?". A success roadmap's stage ends on its exit
criterion; a measure (`measure NAME [of: X, target: ">= 60%", ...]`) says
how that end is observed and in which health colour a customer stands. A
KPI from which no exit criterion can be reached measures nothing (the
e-mail open rate), and a stage whose exit no measure observes cannot be
told to have ended.

The rules apply to models that declare measures: a model without any gets
no M finding (its first `measure` line turns them on, as the first declared
stage turns on the T rules). They stay linear: M502 walks backwards once
from every exit criterion; M504 searches upstream from each measured
deliverable only until it meets the measure's `from:`.

`dear_coverage` is the per-stage summary of `prep lint --measures`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from .._words import japanese, say
from ..language.diagnostics import Related, WARNING
from ..language.model import DEAR, THRESHOLD_COLOURS
from .rule import Rule, as_source, where

QUESTION_MEASURES = "Is each stage's end measured, and does each KPI lead to an exit criterion?"


def _exit_stage(model) -> dict[str, str]:
    """exit criterion -> the stage it ends (declared stages only)."""
    return {x: name for name, s in model.stages.items() if s.declared for x in s.exits}


def _measure_span(model, m):
    return m.span if m.span is not None else where(model, model.deliverables[m.of])


# --------------------------------------------------------------------------
# M501


def _check_exit_without_measure(model, index, options):
    if not model.measures:
        return
    observed = {m.of for m in model.measures.values()}
    for x, stage in _exit_stage(model).items():
        if x in observed:
            continue
        s = model.stages[stage]
        d = model.deliverables[x]
        if japanese():
            yield EXIT_WITHOUT_MEASURE.finding(
                f"ステージ「{stage}」の完了条件「{x}」を測る KPI がありません", where(model, d), x,
                hint=f"ステージ「{stage}」が終わったことを、誰がどう判断しますか？　KPI で測ってください: "
                     f"`measure NAME [of: {as_source(x)}, "
                     'target: ">= 60%", green: ">= 60%", lime: ">= 45%", yellow: ">= 30%"]`',
                related=[Related(s.span, f"ステージ「{stage}」は「{x}」で終わります")] if s.span else (), stage=stage)
            continue
        yield EXIT_WITHOUT_MEASURE.finding(
            f"exit criterion '{x}' of stage '{stage}' is observed by no measure", where(model, d), x,
            hint=f"how will anyone know stage '{stage}' ended? measure it: `measure NAME [of: {as_source(x)}, "
                 'target: ">= 60%", green: ">= 60%", lime: ">= 45%", yellow: ">= 30%"]`',
            related=[Related(s.span, f"stage '{stage}' ends with '{x}'")] if s.span else (), stage=stage)


# --------------------------------------------------------------------------
# M502


def _leads_to_exit(model, index, exits) -> set[str]:
    """Every deliverable from which an exit criterion can be reached through
    `->` and `~>` (and `<~>`, settled together), the exits included: one
    backward walk from all of them."""
    seen = set(exits)
    todo = deque(exits)
    mutual = index.mutual
    while todo:
        v = todo.popleft()
        for r in index.producers(v):
            if r.source not in seen:
                seen.add(r.source)
                todo.append(r.source)
        for r in mutual[v]:
            u = r.target if r.source == v else r.source
            if u not in seen:
                seen.add(u)
                todo.append(u)
    return seen


def _check_measure_off_roadmap(model, index, options):
    measured = [m for m in model.measures.values() if m.of is not None]
    exits = _exit_stage(model)
    if not measured or not exits:
        return
    leads = _leads_to_exit(model, index, list(exits))
    for m in measured:
        if m.of in leads:
            continue
        if japanese():
            yield MEASURE_OFF_ROADMAP.finding(
                f"KPI「{m.name}」は「{m.of}」を測っていますが、「{m.of}」はどの完了条件にもつながっていません",
                m.of_span or _measure_span(model, m), m.of,
                hint=f"どのステージの完了条件にもつながらない KPI は、ロードマップの進み具合を何も示しません。「{m.of}」を完了条件"
                     "（またはそこへつながる成果物）の入力にするか、完了条件そのものを測るか、この KPI をやめてください",
                related=[Related(where(model, model.deliverables[m.of]), f"「{m.of}」はここです")])
            continue
        yield MEASURE_OFF_ROADMAP.finding(
            f"measure '{m.name}' is of '{m.of}', from which no exit criterion can be reached",
            m.of_span or _measure_span(model, m), m.of,
            hint=f"a KPI that leads to no stage's exit criterion measures nothing: connect '{m.of}' to what "
                 "ends a stage (it is an input of it, or of something that leads there), measure an exit "
                 "criterion instead, or drop the measure",
            related=[Related(where(model, model.deliverables[m.of]), f"'{m.of}' here")])


# --------------------------------------------------------------------------
# M503


def _check_measure_without_target(model, index, options):
    for m in model.measures.values():
        colours = [c for c in THRESHOLD_COLOURS if getattr(m, c) is None]
        if m.target is not None and not colours:
            continue
        if japanese():
            parts = [] if m.target is not None else ["目標"]
            if colours:
                parts.append("、".join(say(c) for c in colours) + "のしきい値")
            yield MEASURE_WITHOUT_TARGET.finding(
                f"KPI「{m.name}」には" + (f"{parts[0]}がありません" if len(parts) == 1 else
                                          "も".join(parts) + "もありません"), _measure_span(model, m), m.of,
                hint="目標がなければ、その数字が良いのか悪いのか誰にも判断できません。緑、黄緑、黄のしきい値（それを下回ると赤）"
                     'がなければヘルスの色を付けられません: `target: ">= 60%", green: ">= 60%", lime: ">= 45%", yellow: ">= 30%"`')
            continue
        parts = [] if m.target is not None else ["no target"]
        if colours:
            shown = colours[0] if len(colours) == 1 else ", ".join(colours[:-1]) + " and " + colours[-1]
            parts.append(f"no threshold{'s' if len(colours) > 1 else ''} for {shown}")
        yield MEASURE_WITHOUT_TARGET.finding(
            f"measure '{m.name}' has " + " and ".join(parts), _measure_span(model, m), m.of,
            hint="without a target nobody can say whether the number is good; without the thresholds of "
                 'green, lime and yellow (red below) it has no health colour: `target: ">= 60%", '
                 'green: ">= 60%", lime: ">= 45%", yellow: ">= 30%"`')


# --------------------------------------------------------------------------
# M504


def _upstream_has(index, start: str, wanted: str) -> bool:
    """Is `wanted` among what `start` is made from (`->`, `~>`), transitively?"""
    seen = {start}
    todo = deque([start])
    while todo:
        v = todo.popleft()
        for r in index.producers(v):
            u = r.source
            if u == wanted:
                return True
            if u not in seen:
                seen.add(u)
                todo.append(u)
    return False


def _check_measure_without_data(model, index, options):
    for m in model.measures.values():
        if m.source is None or m.of is None or m.source == m.of:
            continue
        if _upstream_has(index, m.of, m.source):
            continue
        if japanese():
            yield MEASURE_WITHOUT_DATA.finding(
                f"KPI「{m.name}」は「{m.source}」からデータを取りますが、「{m.of}」は「{m.source}」から作られていません",
                m.source_span or _measure_span(model, m), m.of,
                hint="KPI のデータは、測る成果物そのものか、その作成元から取ります。「{s}」を「{o}」へつなぐ関係"
                     "（`{src} -> ...`）を加えるか、`from:` に正しいデータ元を書いてください".format(
                         s=m.source, o=m.of, src=as_source(m.source)),
                related=[Related(where(model, model.deliverables[m.source]), f"「{m.source}」はここです")])
            continue
        yield MEASURE_WITHOUT_DATA.finding(
            f"measure '{m.name}' takes its data from '{m.source}', which '{m.of}' is not made from",
            m.source_span or _measure_span(model, m), m.of,
            hint=f"the data of a measure comes from the measured deliverable or from what it is made from: "
                 f"add the relation (`{as_source(m.source)} -> ...`) that brings '{m.source}' into "
                 f"'{m.of}', or name the right source in `from:`",
            related=[Related(where(model, model.deliverables[m.source]), f"'{m.source}' here")])


# --------------------------------------------------------------------------
# the DEAR coverage per stage (`prep lint --measures`)


@dataclass(frozen=True)
class StageCoverage:
    stage: str
    label: str | None
    exits: tuple[str, ...]
    measures: tuple[str, ...]          # measures of its exit criteria
    unmeasured: tuple[str, ...]        # exit criteria no measure observes
    dear: dict                         # DEAR category -> measures of that category (of this stage's deliverables)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(c for c in DEAR if not self.dear.get(c))


def dear_coverage(model) -> list[StageCoverage]:
    """Per stage (in order): its exit criteria, the measures observing them,
    and the DEAR categories of the measures of the deliverables of that
    stage (by effective stage). A model without stages is one row, '-'."""
    by_stage: dict[str, list] = {}
    for m in model.measures.values():
        stage = model.stage_of(m.of) if m.of is not None else None
        by_stage.setdefault(stage or "-", []).append(m)
    rows = []
    stages = list(model.stages.values()) or [None]
    for s in stages:
        name = s.name if s is not None else "-"
        mine = by_stage.get(name, [])
        exits = s.exits if s is not None else ()
        on_exits = tuple(m.name for m in mine if m.of in exits)
        unmeasured = tuple(x for x in exits if not any(m.of == x for m in mine))
        dear = {c: tuple(m.name for m in mine if m.dear == c) for c in DEAR}
        rows.append(StageCoverage(name, s.label if s is not None else None, tuple(exits), on_exits, unmeasured,
                                  dear))
    return rows


def format_coverage_text(path: str, rows: list[StageCoverage], measures: int) -> str:
    out = [f"{path}: {measures} measure{'s' if measures != 1 else ''}, DEAR coverage per stage"]
    head = ("stage", "exit criteria measured", *(c.upper() if c == "roi" else c for c in DEAR))
    table = [head]
    for r in rows:
        measured = f"{len(r.exits) - len(r.unmeasured)}/{len(r.exits)}"
        table.append((r.stage, measured, *(str(len(r.dear[c])) if r.dear[c] else "-" for c in DEAR)))
    # padded to the columns a terminal draws (a kanji takes two: 契約 under "stage" pushed the row on)
    from ..language.diagnostics import display_width

    widths = [max(display_width(row[i]) for row in table) for i in range(len(head))]
    for row in table:
        out.append("  " + "  ".join(cell + " " * (w - display_width(cell)) for cell, w in zip(row, widths)).rstrip())
    gaps = [f"  {r.stage}: not measured: {', '.join(r.unmeasured)}" for r in rows if r.unmeasured]
    return "\n".join(out + gaps) + "\n"


def coverage_records(path: str, rows: list[StageCoverage]) -> list[dict]:
    return [{"path": path, "stage": r.stage, "label": r.label, "exits": list(r.exits),
             "measures": list(r.measures), "unmeasured": list(r.unmeasured),
             "dear": {c: list(r.dear[c]) for c in DEAR}, "missing": list(r.missing)} for r in rows]


# --------------------------------------------------------------------------
# the rules

_ROADMAP = """\
stage kickoff "Kickoff" [exit: plan]
stage adoption "Adoption" [exit: adopted]
deliverable contract [external]
knowhow playbook "onboarding playbook" [owner: [Sato, Ito]]
deliverable plan "success plan"
deliverable usage "usage data" [external, stage: adoption]
deliverable adopted "key features adopted" [final]
contract, playbook -> plan
plan, usage -> adopted
"""

_THRESHOLDS = 'target: ">= 60%", green: ">= 60%", lime: ">= 45%", yellow: ">= 30%"'

EXIT_WITHOUT_MEASURE = Rule(
    code="M501", name="exit-without-measure", severity=WARNING,
    summary="An exit criterion of a stage is observed by no measure.",
    question=QUESTION_MEASURES,
    why="A stage ends when its exit criterion exists, but \"exists\" is rarely a yes or no in customer "
        "success: the plan is agreed by most stakeholders, the key features are used by some of the users. "
        "A measure on the exit criterion says how its end is observed and in which health colour a "
        "customer stands. An exit criterion without one leaves the question \"has this stage ended?\" to "
        "opinion. The rule applies once a model declares a measure.",
    fix="Add a measure of the exit criterion (`measure NAME [of: EXIT, target: ..., green: ..., lime: ..., "
        "yellow: ...]`).",
    bad=_ROADMAP + f"""\
measure planned "plan agreed by stakeholders" [of: plan, {_THRESHOLDS}]
""",
    good=_ROADMAP + f"""\
measure planned "plan agreed by stakeholders" [of: plan, {_THRESHOLDS}]
measure active "weekly active users" [of: adopted, from: usage, {_THRESHOLDS}, dear: adoption]
""",
    check=_check_exit_without_measure,
)

MEASURE_OFF_ROADMAP = Rule(
    code="M502", name="measure-off-roadmap", severity=WARNING,
    summary="A measure is of a deliverable from which no exit criterion can be reached.",
    question=QUESTION_MEASURES,
    why="KPIs must lead to a stage's exit criteria, and through them to the health score: an e-mail open "
        "rate that leads to no exit criterion measures nothing. A measure is on the roadmap when its "
        "deliverable is an exit criterion or leads to one through `->`, `~>` or `<~>`. A measure of a "
        "deliverable that feeds no exit is activity, not progress.",
    fix="Connect the measured deliverable to what ends a stage, measure the exit criterion instead, or drop "
        "the measure.",
    bad=_ROADMAP + f"""\
deliverable mail "newsletter" [stage: adoption]
contract, playbook -> mail
measure planned "plan agreed by stakeholders" [of: plan, {_THRESHOLDS}]
measure active "weekly active users" [of: adopted, from: usage, {_THRESHOLDS}]
measure opened "newsletter open rate" [of: mail, {_THRESHOLDS}]
""",
    good=_ROADMAP + f"""\
deliverable mail "newsletter" [stage: adoption]
contract, playbook -> mail
mail -> adopted
measure planned "plan agreed by stakeholders" [of: plan, {_THRESHOLDS}]
measure active "weekly active users" [of: adopted, from: usage, {_THRESHOLDS}]
measure opened "newsletter open rate" [of: mail, {_THRESHOLDS}]
""",
    check=_check_measure_off_roadmap,
)

MEASURE_WITHOUT_TARGET = Rule(
    code="M503", name="measure-without-target", severity=WARNING,
    summary="A measure has no target, or not all of the thresholds of green, lime and yellow.",
    question=QUESTION_MEASURES,
    why="A number without a target cannot say whether a customer is on track, and a health score needs "
        "the thresholds of its colours: green, lime and yellow (red below), four colours so there is no "
        "ambiguous middle. Without them `prep status` cannot colour the customer and the roadmap cannot "
        "show where customers stand.",
    fix='Give the target and the three thresholds: `target: ">= 60%", green: ">= 60%", lime: ">= 45%", '
        'yellow: ">= 30%"`.',
    bad=_ROADMAP + """\
measure planned "plan agreed by stakeholders" [of: plan, target: ">= 80%"]
measure active "weekly active users" [of: adopted, from: usage]
""",
    good=_ROADMAP + f"""\
measure planned "plan agreed by stakeholders" [of: plan, target: ">= 80%", green: ">= 80%", lime: ">= 60%", yellow: ">= 40%"]
measure active "weekly active users" [of: adopted, from: usage, {_THRESHOLDS}]
""",
    check=_check_measure_without_target,
)

MEASURE_WITHOUT_DATA = Rule(
    code="M504", name="measure-without-data", severity=WARNING,
    summary="A measure's `from:` names a deliverable that is neither the measured one nor upstream of it.",
    question=QUESTION_MEASURES,
    why="The data of a measure comes from somewhere: the measured deliverable itself or something it is "
        "made from (usage data for adoption, the survey for satisfaction). A `from:` that names a "
        "deliverable the measured one does not depend on means the model misses the relation that brings "
        "the data in, or the measure reads the wrong source, and its colour says nothing about the stage.",
    fix="Add the relation that brings the source into the measured deliverable, or name the right source.",
    bad=_ROADMAP + f"""\
deliverable survey "satisfaction survey" [external, stage: adoption]
measure planned "plan agreed by stakeholders" [of: plan, from: contract, {_THRESHOLDS}]
measure active "weekly active users" [of: adopted, from: survey, {_THRESHOLDS}]
""",
    good=_ROADMAP + f"""\
deliverable survey "satisfaction survey" [external, stage: adoption]
survey -> adopted
measure planned "plan agreed by stakeholders" [of: plan, from: contract, {_THRESHOLDS}]
measure active "weekly active users" [of: adopted, from: survey, {_THRESHOLDS}]
""",
    check=_check_measure_without_data,
)

RULES = (EXIT_WITHOUT_MEASURE, MEASURE_OFF_ROADMAP, MEASURE_WITHOUT_TARGET, MEASURE_WITHOUT_DATA)
