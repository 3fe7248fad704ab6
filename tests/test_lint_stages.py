"""The stage rules (T4xx), S303's one finding per early start and I101's
synchronization partners, through the Python API and the CLI: small cases as
data, the messages and paths they name, suppressions, the examples, and
`prep diff`'s lint delta."""

from __future__ import annotations

import json

import pytest

import prep
from prep.language.diagnostics import PrepError
from prep.linter import lint_model

from conftest import EXAMPLES


def findings(text: str, **options):
    try:
        model = prep.loads(text, "t.prep", strict=False)
    except PrepError as e:
        return list(e.diagnostics)
    return lint_model(model, **options)


def pairs(text: str, *codes: str) -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in findings(text) if d.code in codes]


def only(text: str, code: str):
    (d,) = [d for d in findings(text) if d.code == code]
    return d


TWO = 'stage a "A" [exit: x]\nstage b "B" [exit: y]\n'
THREE = TWO + 'stage c "C" [exit: z]\n'

CASES = [
    # T401: a declared stage without exit; not again when its `exit:` is an error already; not for v1 stages
    ('stage a "A"\nstage b [exit: y]\np, q -> y\n', ["T401"], [("T401", 1)]),
    ('stage a "A" [exit: nothing]\nstage b [exit: y]\np, q -> y\n', ["T401", "E008"], [("E008", 1)]),
    ("deliverable p [stage: one]\np, q -> y\n", ["T401"], []),
    # T402: direct, through an unplaced deliverable, through `~>`; nothing when the input is earlier
    (TWO + "deliverable l [stage: b]\nl, p -> x\nx, q -> y\n", ["T402", "T403"], [("T402", 4)]),
    (TWO + "deliverable l [stage: b]\nl, p -> m\nm, q -> x\nx, q -> y\n", ["T402", "T403"], [("T402", 5)]),
    (TWO + "deliverable l [stage: b]\nl ~> m\nm, q -> x\nx, q -> y\n", ["T402", "T403"], [("T402", 5)]),
    (TWO + "deliverable e [stage: a]\ne, p -> y\np, q -> x\n", ["T402", "T403"], []),
    # a late input upstream of a deliverable placed in the stage: T403 where the order breaks, T402 on the gate
    (TWO + "deliverable l [stage: b]\ndeliverable m [stage: a]\nl, p -> m\nm, q -> x\nx, q -> y\n",
     ["T402", "T403"], [("T403", 5), ("T402", 6)]),
    # a loop of `~>` (allowed) does not confuse the pass
    (TWO + "deliverable l [stage: b]\nl, m ~> n\nn ~> m\nm, q -> x\nx, q -> y\n", ["T402"], [("T402", 6)]),
    # T403: one finding per statement and consumer; only placed consumers; not on relations into exits
    (THREE + "deliverable m [stage: a]\nl1, l2 -> m\ndeliverable l1 [stage: b]\ndeliverable l2 [stage: c]\n"
     "m, p -> x\nx, q -> y\ny, q -> z\n", ["T403"], [("T403", 5)]),
    (THREE + "deliverable m [stage: a]\nl1 -> m\nl2 -> m\ndeliverable l1 [stage: b]\ndeliverable l2 [stage: c]\n"
     "m, p -> x\nx, q -> y\ny, q -> z\n", ["T403"], [("T403", 5), ("T403", 6)]),
    (TWO + "deliverable l [stage: b]\nl, x -> m\nm, q -> y\np, q -> x\n", ["T403"], []),
    # T404: personal knowhow within the stage; not through what an earlier stage made
    (TWO + "knowhow k [owner: S]\nk, p -> x\nx, q -> y\n", ["T404"], [("T404", 1)]),
    (TWO + "knowhow k [owner: S]\nk, p -> m\nm, q -> x\nx, q -> y\n", ["T404"], [("T404", 1)]),
    (TWO + "knowhow k\nk, p -> x\nx, q -> y\n", ["T404"], [("T404", 1)]),
    (TWO + "knowhow k [owner: [S, T]]\nk, p -> x\nx, q -> y\n", ["T404"], []),
    (TWO + "knowhow k [owner: S]\nk, p -> x\nx, q -> y\nk, q -> w\n", ["T404"], [("T404", 1)]),
    # (w placed in a: made only from unplaced sources, it would be placed with its user y, in b)
    (TWO + "knowhow k [owner: S]\ndeliverable w [stage: a]\nk, p -> w\nw, q -> y\np, q -> x\n", ["T404"], []),
    (TWO + "knowhow k [owner: S]\nk, p -> w\nw, k -> y\np, q -> x\n", ["T404"], [("T404", 2)]),
    # T405: `~>` from an earlier stage, `<~>` across stages; same stage, later-into-earlier and stageless partners not
    (TWO + "deliverable o [stage: b]\np, q -> x\nx, o ~> y\n", ["T405"], [("T405", 5)]),
    (TWO + "p, q -> x\nx, q -> y\ny <~> x\n", ["T405"], [("T405", 5)]),
    (TWO + "p, q -> x\nx, q -> y\ny <~> ok\n", ["T405"], []),
    (TWO + "deliverable l [stage: b]\nl ~> x\np, q -> x\nx, q -> y\n", ["T405", "T402"], [("T402", 4)]),
    (TWO + "p, q ~> x\nx, q -> y\n", ["T405"], []),
    # T406: a v1 model's undeclared stages, once, at the first use; none once stages are declared
    ("a -> b\ndeliverable p [stage: later]\ndeliverable q [stage: sooner]\np, q -> r\n", ["T406"], [("T406", 2)]),
    ("p, q -> r [stage: s1]\n", ["T406"], [("T406", 1)]),
    ('group g "G" [stage: s1] {\n}\n', ["T406"], [("T406", 1)]),
    ('knowhow k [owner: [a, b]]\ngroup g "G" [stage: s1] {\n}\n', ["T406"], [("T406", 2)]),
    (TWO + "deliverable p [stage: a]\np, q -> x\nx, q -> y\n", ["T406"], []),
    # S303: several counterparts of one coordination skipped by one work: one finding
    ("s <~> a\ns <~> b\ns, x -> m\n", ["S303"], [("S303", 3)]),
    ("s <~> a\ns <~> b\ns, a -> m\n", ["S303"], [("S303", 3)]),
    ("s <~> a\ns <~> b\ns, a, b -> m\n", ["S303"], []),
]


@pytest.mark.parametrize("text,codes,expected", CASES)
def test_stage_rule_cases(text, codes, expected):
    assert pairs(text, *codes) == expected


def test_v1_stages_get_only_the_deprecation_hint():
    # stages named in reverse order of use, gates impossible: without declarations no stage rule applies
    text = ("deliverable late [stage: second, external]\nknowhow k [owner: S]\n"
            "deliverable early [stage: first]\nlate, k -> early\nearly ~> z\n")
    found = findings(text)
    assert [d.code for d in found if d.code.startswith("T")] == ["T406"]
    d = only(text, "T406")
    assert d.severity == "info"
    assert d.message == "the stages 'second' and 'first' are named by `stage:` but never declared"
    assert d.hint.endswith(":\n    stage second\n    stage first")
    # the stage names in the hint are written as the language needs them
    d = only('deliverable p [stage: "two words"]\np, q -> r\n', "T406")
    assert d.hint.endswith('\n    stage "two words"')


def test_exit_needs_later_stage_names_the_late_input_and_the_path():
    text = TWO + "deliverable l [stage: b]\nl, p -> m\nm, q ~> n\nn, q -> x\nx, q -> y\n"
    d = only(text, "T402")
    assert d.message == ("exit criterion 'x' of stage 'a' needs 'l', which first appears in the later stage "
                         "'b': l -> m ~> n -> x")
    assert d.subject == "x"
    assert [(r.span.line, r.message) for r in d.related] == [
        (3, "'l' is placed in stage 'b' here"), (1, "stage 'a' ends with 'x'")]
    assert not [f for f in findings(text) if f.code == "T403"]


def test_input_from_later_stage_points_at_the_input_and_names_where_it_comes_from():
    text = TWO + "deliverable l [stage: b]\nl, p -> u\ndeliverable m [stage: a]\nu, p -> m\nm, q -> x\nx, q -> y\n"
    d = only(text, "T403")
    assert d.message == "'m' (stage 'a') takes 'u', which first appears in the later stage 'b'"
    assert (d.span.line, d.span.column) == (6, 1) and d.subject == "m"
    assert [r.message for r in d.related] == ["'u' is made from 'l', placed in stage 'b' here"]
    assert "`[stage: b]`" in d.hint


def test_gate_on_one_person_is_one_finding_per_stage():
    text = (TWO.replace("[exit: x]", "[exit: [x, x2]]") + "knowhow k [owner: Sato]\nknowhow j\n"
            "k, p -> m\nm, q -> x\nj, p -> x2\nx, x2 -> y\n")
    d = only(text, "T404")
    assert d.subject == "x" and d.span.line == 1
    assert d.message.startswith("stage 'a' ends with 'x' and 'x2', which rest on knowhow 'k' and 'j' (k -> m -> x)")
    # who holds each of them, not only the first (lint round 3)
    assert d.message.endswith("and 'k' is held by one person only (Sato) and 'j' has no owner")
    assert d.stage == "a" and "share 'k' and 'j'" in d.hint
    assert [r.span.line for r in d.related] == [3, 4]
    # min-owners as K201's: a stricter threshold makes well-shared knowhow count too
    strict = [f for f in lint_model(prep.loads(text.replace("knowhow j\n", "knowhow j [owner: [A, B]]\n"),
                                               strict=False), options={"gate-on-one-person": {"min-owners": 3}})
              if f.code == "T404"]
    assert len(strict) == 1 and "'j' is held by only 2 people (A, B)" in strict[0].message


def test_gate_on_one_person_min_owners_can_relax():
    text = TWO + "knowhow k [owner: Sato]\nk, p -> x\nx, q -> y\n"
    model = prep.loads(text, strict=False)
    assert [f.code for f in lint_model(model, select=["T404"])] == ["T404"]
    assert lint_model(model, select=["T404"], options={"T404": {"min-owners": 1}}) == []


def test_sync_across_stages_message_and_subject():
    text = TWO + "deliverable o [stage: b]\np, q -> x\nx, o ~> y\n"
    d = only(text, "T405")
    assert d.message == "'y' (stage 'b') is settled by coordination with 'x' (stage 'a'), across a stage boundary"
    assert d.subject == "y" and (d.span.line, d.span.column) == (5, 1)
    d = only(TWO + "p, q -> x\nx, q -> y\ny <~> x\n", "T405")
    assert d.message == "'y' (stage 'b') is settled together with 'x' (stage 'a'), across a stage boundary"
    assert (d.span.line, d.span.column) == (5, 7)


def test_early_start_names_every_counterpart_once():
    (d,) = findings("s <~> a\ns <~> b\ns, x -> m\n", select=["S303"])
    assert d.message == "'m' takes 's' before 's' is agreed with 'a' and 'b' (<~> synchronizations)"
    assert d.subject == "m"
    assert "`s, a, b -> m`" in d.hint
    assert [(r.span.line, r.message) for r in d.related] == [(1, "'s' <~> 'a' here"), (2, "'s' <~> 'b' here")]
    (d,) = findings("s <~> a\ns, x -> m\n", select=["S303"])
    assert d.message == "'m' takes 's' before 's' is agreed with 'a' (a <~> synchronization)"


def test_single_input_counts_synchronization_partners():
    # the case: an offer letter made from the evaluation and settled with the salary terms
    offer = ('deliverable evaluation "interview evaluation" [external]\n'
             'deliverable salary "salary terms" [external]\n'
             'deliverable offer "offer letter" [final]\n'
             "evaluation -> offer\noffer <~> salary\n")
    assert [d for d in findings(offer) if d.code == "I101"] == []
    # the method's naive model stays flagged: the approval is the settlement, not material
    naive = 'deliverable request [external]\ndeliverable approval [final]\nrequest -> service <~> approval\n'
    (d,) = [d for d in findings(naive) if d.code == "I101"]
    assert d.subject == "service"
    assert "its `<~>` partner 'approval' counts as an input once it is made from something" in d.hint


def test_suppressions_silence_stage_findings_and_unused_ones_are_reported():
    text = TWO + "deliverable m [stage: a]\nl, p -> m   # prep: ignore[T403]\nm, q -> x\nx, q -> y\n" \
                 "deliverable l [stage: b]\n"
    assert pairs(text, "T403", "P001") == []
    text = 'stage a "A"   # prep: ignore[T401]\nstage b [exit: y]\np, q -> y\n'
    assert pairs(text, "T401", "P001") == []
    text = TWO + "p, q -> x   # prep: ignore[T405]\nx, q -> y\n"
    assert pairs(text, "T405", "P001") == [("P001", 3)]


def test_select_the_stage_family():
    text = 'stage a "A"\nstage b [exit: y]\nknowhow k\nk -> y\n'
    assert {d.code for d in findings(text, select=["T"])} == {"T401", "T404"}
    assert {d.code for d in findings(text, ignore=["T"])} & {"T401", "T404"} == set()


def test_examples_give_the_stage_findings_they_are_meant_to_show():
    onboarding = lint_model(prep.load(EXAMPLES / "cs-onboarding.prep"))
    assert onboarding == []
    renewal = lint_model(prep.load(EXAMPLES / "renewal-roadmap.prep"))
    assert [(d.code, d.subject) for d in renewal] == [("T404", "更新提案書"), ("K201", "価格判断"),
                                                      ("T405", "更新条件")]


def test_cli_reports_stage_findings_in_every_format(tmp_path, cli):
    model = tmp_path / "roadmap.prep"
    model.write_text((EXAMPLES / "renewal-roadmap.prep").read_text(encoding="utf-8"), encoding="utf-8")
    result = cli("lint", str(model), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert {"T404", "T405"} <= {d["code"] for d in data}
    result = cli("lint", str(model), "--format", "sarif")
    sarif = json.loads(result.output)
    rules = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {"T401", "T402", "T403", "T404", "T405", "T406"} <= rules
    assert {"T404", "T405"} <= {r["ruleId"] for r in sarif["runs"][0]["results"]}
    result = cli("lint", str(model), "--select", "T405", "--format", "github")
    assert result.exit_code == 1 and "T405" in result.output and "T404" not in result.output


def test_diff_matches_a_grouped_early_start_by_subject():
    from prep.linter.review import review

    old = prep.loads("s <~> a\ns, x -> m\n", strict=False)
    new = prep.loads("s <~> a\ns <~> b\ns, x -> m\n", strict=False)
    r = review(old, new, select=["S303"])
    # one more counterpart of the same early start: not a new finding
    assert r.introduced == () and r.resolved == ()


def test_sync_across_stages_is_one_finding_per_statement_and_deliverable():
    # (w placed in a: made only from unplaced sources, it would be placed with its user m, in b)
    text = (TWO + "deliverable o [stage: b]\ndeliverable m [stage: b]\ndeliverable w [stage: a]\n"
            "p, q -> x\nq, p -> w\nx, w, o ~> m\nm, o -> y\n")
    d = only(text, "T405")
    assert d.message == ("'m' (stage 'b') is settled by coordination with 'x' (stage 'a') and 'w' (stage 'a'), "
                         "across a stage boundary")
    assert [r.message for r in d.related] == ["'x' is in stage 'a'", "'w' is in stage 'a'"]


def _random_roadmap(rng) -> str:
    k, n = rng.randint(1, 4), rng.randint(2, 12)
    names = [f"d{i}" for i in range(n)]
    lines, exits = [], {}
    for s in range(k):
        ex = [x for x in rng.sample(names, rng.randint(0, 2)) if x not in exits]
        exits.update(dict.fromkeys(ex, s))
        lines.append(f"stage s{s}" + (f" [exit: [{', '.join(ex)}]]" if ex else ""))
    for name in names:
        attrs = [f"stage: s{rng.randrange(k)}"] if rng.random() < 0.4 and name not in exits else []
        if rng.random() < 0.2:
            lines.append(f"knowhow {name} [" + ", ".join(attrs + [rng.choice(["owner: a", "owner: [a, b]"])]) + "]")
        else:
            lines.append(f"deliverable {name}" + (f" [{', '.join(attrs)}]" if attrs else ""))
    for _ in range(rng.randint(1, 20)):
        lines.append(f"{rng.choice(names)} {rng.choice(['->', '->', '~>', '<~>'])} {rng.choice(names)}")
    return "\n".join(lines) + "\n"


def test_stage_rules_agree_with_a_brute_force_search_on_random_roadmaps():
    """T402, T403 and T404 avoid a search per deliverable; on small random
    models (cycles of `~>` and `->` included) they find exactly what a plain
    search over every path finds."""
    import random

    rng = random.Random(11)
    checked = 0
    for _ in range(400):
        model = prep.loads(_random_roadmap(rng), "r.prep", strict=False)
        if model.errors:
            continue
        found = lint_model(model, select=["T402", "T403", "T404"])
        index = model.index
        rank = {s: st.index for s, st in model.stages.items()}
        rank_of = {n: rank[s] for n, s in model.effective_stages.items()}
        placed = {n: rank[d.stage] for n, d in model.deliverables.items() if d.stage in rank}
        personal = {n for n, d in model.deliverables.items() if d.is_knowhow and len(d.owners) < 2}
        exits = {x: s for s, st in model.stages.items() for x in st.exits}

        def upstream(x, follow):
            seen, todo, out = {x}, [x], set()
            while todo:
                v = todo.pop()
                for r in index.producers(v):
                    u = r.source
                    if u in seen:
                        continue
                    out.add(u)
                    if follow(u):
                        seen.add(u)
                        todo.append(u)
            return out

        late = {x for x, s in exits.items()
                if max([placed.get(x, 0)] + [placed.get(u, 0) for u in upstream(x, lambda u: True)]) > rank[s]}
        breaks = {(r.target, r.span.line) for r in model.relations
                  if r.kind != "mutual" and r.source != r.target and r.target not in exits
                  and rank_of[r.source] > rank_of[r.target]}
        gated = {st.span.line for s, st in model.stages.items()
                 if any((upstream(x, lambda u, x=x: u not in personal and rank_of[u] == rank_of[x]) - {x}) & personal
                        for x in st.exits)}
        assert {d.subject for d in found if d.code == "T402"} == late
        assert {(d.subject, d.span.line) for d in found if d.code == "T403"} == breaks
        assert {d.span.line for d in found if d.code == "T404"} == gated
        checked += 1
    assert checked > 200


# ------------------------------------------------------------------ lint round 3 (issue 23)

STAGED = ('stage a "A"\nstage b "B" [exit: y]\nknowhow k [owner: Sato]\nknowhow j\n'
          'p, q -> x [stage: b]\nx, k, j -> y\n')


def test_a_finding_about_a_stage_names_it_as_its_subject_in_every_output(tmp_path, cli):
    path = tmp_path / "s.prep"
    path.write_text(STAGED, encoding="utf-8")
    api = {d.code: d for d in findings(STAGED)}
    assert api["T401"].stage == "a" and api["T404"].stage == "b"
    records = {r["code"]: r for r in json.loads(cli("lint", str(path), "--format", "json").output)}
    assert (records["T401"]["subject"], records["T401"]["stage"]) == ("a", "a")
    assert (records["T404"]["subject"], records["T404"]["stage"]) == ("b", "b")
    k201 = [r for r in json.loads(cli("lint", str(path), "--format", "json").output) if r["code"] == "K201"]
    assert [(r["subject"], r["stage"]) for r in k201] == [("k", None), ("j", None)]
    sarif = json.loads(cli("lint", str(path), "--format", "sarif").output)
    props = {r["ruleId"]: r.get("properties") for r in sarif["runs"][0]["results"]}
    assert props["T401"] == {"subject": "a", "stage": "a"} and props["T404"] == {"subject": "b", "stage": "b"}
    github = cli("lint", str(path), "--format", "github").output
    assert "title=T401 stage-without-exit (stage a)::stage 'a' has no exit criterion" in github


def test_t404_names_the_holders_of_every_knowhow():
    d = only(STAGED, "T404")
    assert "'k' is held by one person only (Sato) and 'j' has no owner" in d.message


def test_s302_mutual_partners_of_one_deliverable_are_not_a_chain():
    text = "deliverable plan\nplan <~> a\nplan <~> b\nplan <~> c\n"
    assert pairs(text, "S302") == [] and pairs(text, "S301") == [("S301", 1)]


def test_unplaced_sources_of_the_examples_appear_with_their_first_user():
    from prep.language.views import cross_section, existing_at

    renewal = prep.load(EXAMPLES / "renewal-roadmap.prep")
    assert renewal.stage_of("価格判断") == "proposal" and renewal.stage_of("分析手法") == "review"
    assert "価格判断" not in cross_section(renewal, "review").deliverables
    onboarding = prep.load(EXAMPLES / "cs-onboarding.prep")
    assert onboarding.stage_of("オンボーディング手法") == "kickoff"
    assert onboarding.stage_of("ヘルススコア基準") == "adoption"
    assert "ヘルススコア基準" not in existing_at(onboarding, "kickoff")
    # the stage rules read the same placement: the examples stay as clean as before
    assert [d.code for d in lint_model(onboarding)] == []
    assert sorted(d.code for d in lint_model(renewal)) == ["K201", "T404", "T405"]


# ------------------------------------------------------------------ T404's subject in lint and diff

GATED_OLD = ('stage review "Value review" [exit: report]\nstage proposal "Proposal" [exit: offer]\n'
             'deliverable usage [external]\nknowhow method [owner: [Ito, Mori]]\n'
             'knowhow pricing [owner: [Sato, Ito]]\ndeliverable budget [external, stage: proposal]\n'
             'deliverable offer [final]\nusage, method -> report\nreport, budget, pricing -> offer\n')
GATED_NEW = GATED_OLD.replace("[owner: [Sato, Ito]]", "[owner: Sato]")


def test_t404_has_the_same_subject_in_lint_and_in_diff(tmp_path, cli):
    """The rule page: one T404 finding per stage, on its declaration; `prep
    lint` names the stage, and so does `prep diff` in every format (it named
    the stage's first gated exit criterion, 'offer')."""
    old, new = tmp_path / "old.prep", tmp_path / "new.prep"
    old.write_text(GATED_OLD, encoding="utf-8")
    new.write_text(GATED_NEW, encoding="utf-8")
    linted = [r for r in json.loads(cli("lint", str(new), "--format", "json").output) if r["code"] == "T404"]
    assert [r["subject"] for r in linted] == ["proposal"]
    assert "title=T404 gate-on-one-person (stage proposal)" in cli("lint", str(new), "--format", "github").output
    record = json.loads(cli("diff", str(old), str(new), "--format", "json").output)
    assert [f["subject"] for f in record["findings"]["introduced"] if f["code"] == "T404"] == ["proposal"]
    text = cli("diff", str(old), str(new)).output
    t404 = [line for line in text.splitlines() if "T404" in line]
    assert len(t404) == 1 and t404[0].endswith("[proposal]") and "[offer]" not in text
    markdown = cli("diff", str(old), str(new), "--format", "markdown").output
    row = [line for line in markdown.splitlines() if line.startswith("| T404")]
    assert len(row) == 1 and "(proposal)" in row[0] and "(offer)" not in row[0]
    # resolved: the same subject the other way round
    back = cli("diff", str(new), str(old)).output
    assert [line for line in back.splitlines() if "T404" in line][0].endswith("[proposal]")


def test_t404_is_matched_by_its_stage_in_a_diff():
    """The stage still rests on one person after its exit criterion moved
    to another deliverable: no finding introduced nor resolved."""
    from prep.linter.review import review

    moved = GATED_NEW.replace("[exit: offer]", "[exit: quote]").replace("-> offer", "-> quote") + "quote -> offer\n"
    r = review(prep.loads(GATED_NEW, "a.prep", strict=False), prep.loads(moved, "b.prep", strict=False),
               select=["T404"])
    assert r.introduced == () and r.resolved == ()
