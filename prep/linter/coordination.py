"""Coordination (S3xx): the method's third question, "does coordination take
long, and does work start before agreement and then get redone?".
Synchronization is `a ~> b` (b is settled by coordinating a) and `a <~> b`
(a and b are settled together)."""

from __future__ import annotations

from .._words import japanese, quoted
from ..language.diagnostics import Related, WARNING
from .analysis import Reach, shared
from .rule import QUESTION_COORDINATION, Option, Rule, as_source, where


def _check_hotspot(model, index, options):
    many = options["min-relations"]
    ds = model.deliverables
    for name, n in shared(model, index).sync_degree.items():
        if n >= many:
            d = ds[name]
            if japanese():
                yield COORDINATION_HOTSPOT.finding(
                    f"「{name}」は {n} 件の同期に関わっています", where(model, d), name,
                    hint="同期のたびに調整が1回必要になります。そのいくつかを上流でまとめて決めるか、合意済みの基準に"
                         "置き換えられませんか？")
                continue
            yield COORDINATION_HOTSPOT.finding(
                f"'{name}' takes part in {n} synchronizations", where(model, d), name,
                hint="each synchronization is a round of coordination; can some of them be settled "
                     "once, upstream, or replaced by agreed criteria?")


def _partners(r, name: str) -> str:
    return r.target if r.source == name else r.source


def _check_chain(model, index, options):
    """A chain: `name` is settled by one synchronization (`a ~> name` or
    `a <~> name`) and then is an input of a synchronization of another
    deliverable `b`: `name ~> b`, or `name <~> b` after a `~>` settled it.
    The `<~>` partners of one deliverable alone are one coordination with
    several parties (S301's subject), not a chain."""
    sync_in, sync_out, mutual = index.sync_in, index.sync_out, index.mutual
    for name, d in model.deliverables.items():
        if not sync_in[name] and not mutual[name]:
            continue
        by_sync = [r.source for r in sync_in[name] if r.source != name]
        partners = [p for p in (_partners(r, name) for r in mutual[name]) if p != name]
        # (settled with, then feeds, how the second one settles it)
        pair = next(((a, b, "feeds coordination with") for b in dict.fromkeys(
            r.target for r in sync_out[name] if r.target != name) for a in dict.fromkeys(by_sync + partners)
            if a != b), None)
        if pair is None:
            pair = next(((a, b, "is settled together with") for b in dict.fromkeys(partners)
                         for a in dict.fromkeys(by_sync) if a != b), None)
        if pair is not None and japanese():
            a, b, how = pair
            then = (f"「{b}」を決める調整の入力にもなっています" if how == "feeds coordination with" else
                    f"「{b}」とも相互に調整して決まります")
            yield COORDINATION_CHAIN.finding(
                f"「{name}」は「{a}」との調整で決まり、さらに{then}", where(model, d), name,
                hint="調整が連鎖しています。2つ目の調整は1つ目が合意するまで始められず、1つ目が変わるとやり直しになります。"
                     "両方を1回の調整で決めるか、一方を先に確定させてください")
        elif pair is not None:
            a, b, how = pair
            yield COORDINATION_CHAIN.finding(
                f"'{name}' is settled by coordination with '{a}' and then {how} '{b}'",
                where(model, d), name,
                hint="a cascade of coordinations: the second cannot start until the first is agreed, and "
                     "redoes its work when the first changes; settle them together, or fix one side first")


def _check_early_start(model, index, options):
    # first the candidate (consumer, partner) pairs, then one reachability
    # pass over just their consumers (not all-pairs: O(n^2) memory)
    pending = []
    mutual = index.mutual
    for name in model.deliverables:
        if not mutual[name]:
            continue
        partners = [p for p in dict.fromkeys(_partners(r, name) for r in index.mutual[name]) if p != name]
        if not partners or not index.consumers[name]:
            continue
        seen: set[str] = set()
        for r in index.consumers[name]:
            t = r.target
            if t == name or t in seen:
                continue
            seen.add(t)
            direct = {x.source for x in index.inputs[t] + index.sync_in[t]}
            candidates = [b for b in partners if b != t and b not in direct]
            if candidates:
                pending.append((name, r, t, candidates))
    if not pending:
        return
    # the model's all-pairs reachability when the hotspot ranking made it
    # already (`prep diff` ranks first); else just the rows asked about here
    common = shared(model, index)
    reach = common.known_reach or Reach(model, index, targets=[t for _, _, t, _ in pending], flow=common.flow)
    for name, r, t, candidates in pending:
        missing = [b for b in candidates if not reach.reaches(b, t)]
        if not missing:
            continue
        # one finding per early start, naming every counterpart it skips
        if japanese():
            agreed = quoted(missing)
            yield EARLY_START.finding(
                f"「{t}」は、「{name}」が{agreed}と合意される前に「{name}」を使っています（`<~>` の相互同期）",
                r.target_span, t,
                hint=f"「{t}」の作業は合意の前に始まり、「{name}」が変わるとやり直しになります。合意した結果も入力に"
                     f"加えてください: `{', '.join(as_source(x) for x in [name, *missing])} -> {as_source(t)}`",
                related=[next(Related(m.span, f"「{name}」<~>「{b}」はここです") for m in index.mutual[name]
                              if _partners(m, name) == b) for b in missing])
            continue
        if len(missing) == 1:
            agreed = f"'{missing[0]}' (a <~> synchronization)"
        else:
            agreed = ", ".join(f"'{b}'" for b in missing[:-1]) + f" and '{missing[-1]}' (<~> synchronizations)"
        yield EARLY_START.finding(
            f"'{t}' takes '{name}' before '{name}' is agreed with {agreed}",
            r.target_span, t,
            hint=f"work on '{t}' starts before agreement and is redone when '{name}' changes; "
                 f"take the agreed result as well: `{', '.join(as_source(x) for x in [name, *missing])} -> "
                 f"{as_source(t)}`",
            related=[next(Related(m.span, f"'{name}' <~> '{b}' here") for m in index.mutual[name]
                          if _partners(m, name) == b) for b in missing])


COORDINATION_HOTSPOT = Rule(
    code="S301", name="coordination-hotspot", severity=WARNING,
    summary="A deliverable takes part in many synchronizations (`~>` or `<~>`).",
    question=QUESTION_COORDINATION,
    why="Each synchronization is a round of coordination with another party: waiting, meetings, "
        "re-agreement. A deliverable that needs many of them is where the process waits longest, "
        "and where a change on any side causes rework.",
    fix="Settle some of the coordination once, upstream (agreed criteria, a template), or split the deliverable.",
    bad="""\
deliverable calendar "our calendar" [external]
knowhow habits "team's meeting habits" [owner: [Sato, Ito]]
deliverable ours "our candidate dates"
deliverable theirs "their candidate dates" [external]
deliverable venue "venue availability" [external]
deliverable meeting "meeting date" [final]
calendar, habits -> ours
ours, theirs, venue ~> meeting
""",
    good="""\
deliverable calendar "our calendar" [external]
knowhow habits "team's meeting habits" [owner: [Sato, Ito]]
deliverable ours "our candidate dates"
deliverable theirs "their candidate dates" [external]
deliverable venue "venue availability" [external]
deliverable meeting "meeting date"
deliverable booking "room booking" [final]
calendar, habits -> ours
ours, theirs ~> meeting
meeting, venue -> booking
""",
    options=(Option("min-relations", 3, "Report deliverables touched by at least this many synchronizations."),),
    check=_check_hotspot,
)

COORDINATION_CHAIN = Rule(
    code="S302", name="coordination-chain", severity=WARNING,
    summary="A deliverable settled by synchronization is itself an input of another synchronization.",
    question=QUESTION_COORDINATION,
    why="Cascading coordination: the second coordination cannot finish before the first, their "
        "durations add up, and every change agreed in the first reopens the second. A chain is a "
        "deliverable settled by one synchronization (`~>` or `<~>`) that is then an input of a "
        "synchronization of a different deliverable (`~>` into it, or `<~>` with it after a `~>`). A "
        "deliverable settled together (`<~>`) with several partners is one coordination with several "
        "parties, not a chain (S301 reports it when they are many).",
    fix="Settle both in one coordination, or turn one side into a plain input agreed beforehand.",
    bad="""\
deliverable ours "our candidate dates" [external]
deliverable theirs "their candidate dates" [external]
deliverable kickoff "kickoff date"
deliverable vendor "vendor schedule" [external]
deliverable install "installation date" [final]
ours, theirs ~> kickoff
kickoff, vendor ~> install
""",
    good="""\
deliverable ours "our candidate dates" [external]
deliverable theirs "their candidate dates" [external]
deliverable kickoff "kickoff date"
deliverable vendor "vendor schedule" [external]
deliverable install "installation date" [final]
ours, theirs ~> kickoff
kickoff, vendor -> install
""",
    check=_check_chain,
)

EARLY_START = Rule(
    code="S303", name="early-start", severity=WARNING,
    summary="A deliverable in a mutual synchronization (`a <~> b`) is used by work that does not wait for `b`.",
    question=QUESTION_COORDINATION,
    why="`a <~> b` says a is only settled once it is agreed with b (a service and its approval). Work "
        "that takes a but neither b nor anything made from b starts before agreement, and is redone "
        "when the agreement changes a. The finding is on the relation into that work, once per work and "
        "synchronized deliverable: when a is agreed with several counterparts (`a <~> b`, `a <~> c`), one "
        "finding names every counterpart the work does not wait for.",
    fix="Make the work take the agreed counterpart too (`a, b -> work`), or something made from it.",
    bad="""\
deliverable request [external]
knowhow dev "development knowhow" [owner: [Sato, Ito]]
deliverable service "added service"
deliverable approval
deliverable manual "user manual" [final]
deliverable release [final]
request, dev -> service
service <~> approval
service, dev -> manual
service, approval -> release
""",
    good="""\
deliverable request [external]
knowhow dev "development knowhow" [owner: [Sato, Ito]]
deliverable service "added service"
deliverable approval
deliverable manual "user manual" [final]
deliverable release [final]
request, dev -> service
service <~> approval
service, approval, dev -> manual
service, approval -> release
""",
    check=_check_early_start,
)

RULES = (COORDINATION_HOTSPOT, COORDINATION_CHAIN, EARLY_START)
