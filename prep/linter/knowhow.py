"""Personalized knowhow (K2xx): the method's second question, "is knowledge
held by one person only (属人化)?". Knowhow is drawn as a dashed box; its
owners are the people who hold it (`[owner: [A, B]]`)."""

from __future__ import annotations

from .._words import japanese, quoted
from ..language.diagnostics import WARNING
from .analysis import shared
from .rule import QUESTION_KNOWHOW, Option, Rule, where


def _held_by_ja(d, but: bool = False) -> str:
    """_held_by in Japanese, after 「name」は; `but`: as a clause that goes
    on ("...しか持っていないのに")."""
    if not d.owners:
        return "担当がいないのに" if but else "担当がいません"
    held = f"1人（{d.owners[0]}）" if len(d.owners) == 1 else f"{len(d.owners)}人（{'、'.join(d.owners)}）"
    return held + ("しか持っていないのに" if but else "しか持っていません")


def _held_by(d) -> str:
    if not d.owners:
        return "has no owner"
    return f"is held by one person only ({d.owners[0]})" if len(d.owners) == 1 else \
        f"is held by only {len(d.owners)} people ({', '.join(d.owners)})"


def _check_personal(model, index, options):
    need = options["min-owners"]
    for name, d in model.deliverables.items():
        if d.is_knowhow and len(d.owners) < need:
            ja = japanese()
            hint = ("ほかに誰が知っていますか？　持っている人を `[owner: [A, B]]` と書いてください。本当に1人だけなら、"
                    "共有する計画を立てるか、形のある成果物（チェックリストや手順書）として書き出してください" if ja else
                    "who else knows this? name the holders with `[owner: [A, B]]`; if only one person "
                    "does, plan how to share it, or write it down as a tangible deliverable")
            listed = [o for o in d.owners if any(c in o for c in "、，")]
            if listed:   # `owner: 佐藤、鈴木` is one person named "佐藤、鈴木"
                people = [p.strip() for p in listed[0].replace("，", "、").split("、") if p.strip()]
                hint = (f"「{listed[0]}」は1人の名前として読まれます。{len(people)}人ならリストで書いてください: "
                        f"`[owner: [{', '.join(people)}]]`" if ja else
                        f"'{listed[0]}' is read as one person's name: for {len(people)} holders write a list, "
                        f"`[owner: [{', '.join(people)}]]`")
            message = f"ノウハウ「{name}」は{_held_by_ja(d)}" if ja else f"knowhow '{name}' {_held_by(d)}"
            yield PERSONAL_KNOWHOW.finding(message, where(model, d), name, hint=hint)


def _check_knowhow_only(model, index, options):
    kinds = model.deliverables
    knowhow = {n for n, d in kinds.items() if d.is_knowhow}
    for name, sources in shared(model, index).sources.items():
        if sources and knowhow.issuperset(sources):
            d = kinds[name]
            if japanese():
                yield KNOWHOW_ONLY.finding(
                    f"「{name}」の入力はすべてノウハウです（{quoted(sources)}）",
                    where(model, d), name,
                    hint="作業の出発点になる資料は何ですか？　形のある入力（データ、文書、基準）を加えてください。"
                         "そうしないと、結果が暗黙知だけに頼ることになります")
                continue
            yield KNOWHOW_ONLY.finding(
                f"every input of '{name}' is knowhow ({', '.join(repr(s) for s in sources)})", where(model, d), name,
                hint="what written material does the work start from? add the tangible inputs "
                     "(data, documents, criteria), or the result depends on tacit knowledge alone")


def _check_bottleneck(model, index, options):
    need, many = options["min-owners"], options["min-consumers"]
    for name, d in model.deliverables.items():
        if not d.is_knowhow or len(d.owners) >= need:
            continue
        used_by = [t for t in dict.fromkeys(r.target for r in index.consumers[name] + index.sync_out[name])
                   if t != name]
        if len(used_by) >= many and japanese():
            yield KNOWHOW_BOTTLENECK.finding(
                f"ノウハウ「{name}」は{_held_by_ja(d, but=True)}、{len(used_by)} 件の成果物に使われています",
                where(model, d), name,
                hint=f"その人が不在になると、{len(used_by)} 件の成果物が止まります。ノウハウを共有する（担当を増やす）か、"
                     "形のある成果物として書き出してください")
        elif len(used_by) >= many:
            yield KNOWHOW_BOTTLENECK.finding(
                f"knowhow '{name}' {_held_by(d)} and feeds {len(used_by)} deliverables", where(model, d), name,
                hint=f"if that person is away, {len(used_by)} deliverables wait: share the knowhow "
                     "(name more owners) or write it down")


_MIN_OWNERS = Option("min-owners", 2, "Knowhow held by fewer owners than this is personal.")

PERSONAL_KNOWHOW = Rule(
    code="K201", name="personal-knowhow", severity=WARNING,
    summary="Knowhow has fewer than two owners (none, or one person).",
    question=QUESTION_KNOWHOW,
    why="Knowhow is real but not written down. When only one person holds it, the work that needs it "
        "stops when that person is busy or leaves, and nobody else can check it. A knowhow box with no "
        "owner at all leaves the question unanswered.",
    fix="Name the people who hold it (`[owner: [A, B]]`). If it really is one person, plan how to share "
        "it, or turn it into a tangible deliverable (a checklist, a guide).",
    bad="""\
deliverable journey "customer journey map" [external]
knowhow domain "domain knowledge" [owner: Tanaka]
deliverable plan "service plan" [final]
journey, domain -> plan
""",
    good="""\
deliverable journey "customer journey map" [external]
knowhow domain "domain knowledge" [owner: [Tanaka, Ito]]
deliverable plan "service plan" [final]
journey, domain -> plan
""",
    options=(_MIN_OWNERS,),
    check=_check_personal,
)

KNOWHOW_ONLY = Rule(
    code="K202", name="knowhow-only", severity=WARNING,
    summary="Every input of a deliverable is knowhow.",
    question=QUESTION_KNOWHOW,
    why="A deliverable made from knowhow alone rests on tacit knowledge: nobody can check how it was "
        "reached, and a newcomer cannot make it. Usually a tangible input (data, past documents, "
        "criteria) is missing from the model, or should exist.",
    fix="Add the tangible inputs the work really starts from.",
    bad="""\
knowhow experience "estimation experience" [owner: [Sato, Suzuki]]
knowhow intuition "market intuition" [owner: [Sato, Ito]]
deliverable estimate [final]
experience, intuition -> estimate
""",
    good="""\
knowhow experience "estimation experience" [owner: [Sato, Suzuki]]
deliverable history "past project records" [external]
deliverable estimate [final]
experience, history -> estimate
""",
    check=_check_knowhow_only,
)

KNOWHOW_BOTTLENECK = Rule(
    code="K203", name="knowhow-bottleneck", severity=WARNING,
    summary="Knowhow with fewer than two owners feeds many deliverables.",
    question=QUESTION_KNOWHOW,
    why="Personal knowhow that many deliverables need is a bottleneck: every one of them waits for the "
        "same person. This is the most fragile spot K201 can point at.",
    fix="Share the knowhow (more owners), or write it down as a tangible deliverable.",
    bad="""\
deliverable request [external]
knowhow pricing "pricing knowhow" [owner: Sato]
deliverable quote [final]
deliverable contract [final]
deliverable invoice [final]
request, pricing -> quote
request, pricing -> contract
request, pricing -> invoice
""",
    good="""\
deliverable request [external]
knowhow pricing "pricing knowhow" [owner: [Sato, Ito]]
deliverable quote [final]
deliverable contract [final]
deliverable invoice [final]
request, pricing -> quote
request, pricing -> contract
request, pricing -> invoice
""",
    options=(_MIN_OWNERS,
             Option("min-consumers", 3, "Report knowhow that feeds at least this many deliverables.")),
    check=_check_bottleneck,
)

RULES = (PERSONAL_KNOWHOW, KNOWHOW_ONLY, KNOWHOW_BOTTLENECK)
