"""The model builder's errors (E002, E005, E006, E008, E009: conflicting
declarations, unknown and misplaced attributes, invalid values, measure
thresholds, unknown stages, stage order) in Japanese under `--language ja`
(prep._words): message, hint and notes, every branch of
prep/language/model.py that reports one. English stays byte for byte what
it was (`ENGLISH` below was written by prep before the Japanese came)."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

import prep
import prep.language.model
from prep._words import speaking
from prep.language.diagnostics import PrepError

# the module as imported (an installed copy under .ci/run, not the checkout: the trace names that file)
MODEL_PY = Path(prep.language.model.__file__)

# one small bad model for each error the builder reports (and for each way
# its message is put together: did-you-mean or not, one problem or four)
CASES = {
    # E002 conflicting declarations
    "title-twice": 'title "A"\ntitle "B"\n',
    "group-other-attributes": ('group 営業 [note: "x"] {\n  deliverable 提案書\n}\n'
                               'group 営業 [note: "y"] {\n  deliverable 見積\n}\n'),
    "group-other-place": "group 営業 {\n  deliverable 提案書\n}\ngroup 本社 {\n  group 営業 {\n    deliverable 見積\n  }\n}\n",
    "group-from-top-level": "group 本社 {\n  group 営業 {\n    deliverable 見積\n  }\n}\ngroup 営業 {\n  deliverable 提案書\n}\n",
    "group-other-label": 'group 営業 "Sales" {\n  deliverable 提案書\n}\ngroup 営業 "Marketing" {\n  deliverable 見積\n}\n',
    "declared-twice-kind": "deliverable 承認\nknowhow 承認\n",
    "declared-twice-label": 'deliverable 承認 "Approval"\ndeliverable 承認 "Sign-off"\n',
    "declared-twice-group": "group 営業 {\n  deliverable 承認\n}\ndeliverable 承認\n",
    "declared-twice-stage": ("stage kickoff\nstage rollout\ndeliverable 承認 [stage: kickoff]\n"
                             "deliverable 承認 [stage: rollout]\n"),
    "declared-twice-all": ('stage kickoff\nstage rollout\ngroup 営業 {\n  deliverable 承認 "Approval" [stage: kickoff]\n}\n'
                           'knowhow 承認 "Sign-off" [stage: rollout]\n'),
    "stage-twice": 'stage kickoff\nstage kickoff "Kick-off"\n',
    "measure-twice": "deliverable 計画\nmeasure 合意率 [of: 計画]\nmeasure 合意率 [of: 計画]\n",
    # E005 unknown and misplaced attributes
    "unknown-attribute-close": "deliverable 提案書 [onwer: 山田]\n",
    "unknown-attribute": "deliverable 提案書 [priority: high]\n",
    "full-width-colon-in-key": "deliverable 提案書 [stage：kickoff]\n",
    "full-width-comma-in-key": "deliverable 発注書 [final，external]\n",
    "ideographic-comma-in-key": "deliverable 発注書 [final、external]\n",
    "deliverable-only-on-relation": "提案書 -> 見積 [final]\n",
    "stage-attribute-on-deliverable": "deliverable 提案書 [exit: 見積]\n",
    "stage-attribute-on-relation": "提案書 -> 見積 [after: kickoff]\n",
    "group-attribute-on-deliverable": "deliverable 提案書 [colour: blue]\n",
    "measure-attribute-on-deliverable": 'deliverable 提案書 [target: ">= 60%"]\n',
    "deliverable-attribute-on-group": "group 営業 [final] {\n  deliverable 提案書\n}\n",
    "two-owners-attribute-on-stage": "stage kickoff [owner: 山田]\n",
    "block-unknown-close": "stage kickoff [exti: 契約書]\n",
    "block-unknown": "stage kickoff [priority: high]\n",
    "measure-unknown-attribute": "deliverable 計画\nmeasure 合意率 [of: 計画, colour: red]\n",
    # E006 invalid attribute values
    "fill-and-colour": "group 営業 [colour: blue, fill: green] {\n  deliverable 提案書\n}\n",
    "unknown-colour-close": "group 営業 [colour: bleu] {\n  deliverable 提案書\n}\n",
    "unknown-colour": "group 営業 [fill: magenta] {\n  deliverable 提案書\n}\n",
    "given-twice": "deliverable 提案書 [final, final]\n",
    "flag-with-value": "deliverable 提案書 [final: yes]\n",
    "names-without-value": "deliverable 提案書 [owner]\n",
    "text-without-value": "deliverable 提案書 [note]\n",
    "text-with-list": "deliverable 提案書 [note: [x, y]]\n",
    "empty-owner-list": "deliverable 提案書 [owner: []]\n",
    "block-given-twice": "deliverable 契約書\nstage kickoff [exit: 契約書, exit: 契約書]\n",
    "block-names-without-value": "stage kickoff [exit]\n",
    "block-text-without-value": "stage kickoff\nstage rollout [after]\n",
    "block-text-with-list": "stage kickoff\nstage rollout [after: [kickoff, kickoff]]\n",
    "block-empty-list": "stage kickoff [exit: []]\n",
    "measure-of-unknown": "deliverable 計画\nmeasure 合意率 [of: 企画]\n",
    "measure-of-unknown-close": "deliverable 計画書\nmeasure 合意率 [of: 計画]\n",
    "measure-from-unknown": "deliverable 計画\nmeasure 合意率 [of: 計画, from: 契約]\n",
    "measure-without-of": 'measure 合意率 [target: ">= 5"]\n',
    "threshold-not-a-comparison": 'deliverable 計画\nmeasure 合意率 [of: 計画, target: "lots"]\n',
    "green-not-a-comparison": 'deliverable 計画\nmeasure 合意率 [of: 計画, green: "high", lime: "mid", yellow: "low"]\n',
    "dear-unknown-close": "deliverable 計画\nmeasure 合意率 [of: 計画, dear: adopton]\n",
    "dear-unknown": "deliverable 計画\nmeasure 合意率 [of: 計画, dear: happiness]\n",
    "threshold-other-way": 'deliverable 計画\nmeasure 合意率 [of: 計画, green: ">= 5", lime: "<= 3"]\n',
    "threshold-other-way-target": 'deliverable 計画\nmeasure 合意率 [of: 計画, target: ">= 5", yellow: "<= 3"]\n',
    "threshold-other-unit": 'deliverable 計画\nmeasure 合意率 [of: 計画, green: ">= 5%", lime: ">= 3 日"]\n',
    "threshold-stricter": 'deliverable 計画\nmeasure 合意率 [of: 計画, green: ">= 5", lime: ">= 7", yellow: ">= 9"]\n',
    # E008 unknown stages
    "stage-not-declared": "stage kickoff\ndeliverable 提案書 [stage: rollout]\n",
    "stage-not-declared-close": "stage kickoff\ndeliverable 提案書 [stage: kickof]\n",
    "stage-not-declared-many": "".join(f"stage s{i:02}\n" for i in range(13)) + "deliverable 提案書 [stage: rollout]\n",
    "exit-not-a-deliverable": "stage kickoff [exit: 契約]\ndeliverable 計画\n",
    "exit-not-a-deliverable-close": "stage kickoff [exit: 計画書]\ndeliverable 計画\n",
    "after-not-declared": "stage kickoff [after: rollout]\n",
    "after-not-declared-close": "stage kickoff\nstage rollout [after: kickof]\n",
    # E009 stage order
    "stage-in-stage-block": "stage kickoff {\n  stage rollout {\n  }\n}\n",
    "exit-placed-elsewhere": "stage kickoff [exit: 契約書]\nstage rollout\ndeliverable 契約書 [stage: rollout]\n",
    "exit-of-two-stages": "stage kickoff [exit: 契約書]\nstage rollout [exit: 契約書]\n契約書 -> 計画\n",
    "after-itself": "stage kickoff [after: kickoff]\n",
    "after-cycle": "stage kickoff [after: rollout]\nstage rollout [after: adoption]\nstage adoption [after: kickoff]\n",
}


# what each case gives in English: (code, line, column, message, hint, notes) for each diagnostic,
# as prep wrote them before the Japanese came, byte for byte
ENGLISH = {
    "title-twice": [
        ("E002", 2, 1, "the title is given twice", "keep one `title` line", ("first title here",)),
    ],
    "group-other-attributes": [
        ("E002", 4, 7,
         "group '営業' has other attributes here than where it was first opened",
         "reopening a group is fine; give its stage, note and colour once",
         ("first opened here",)),
    ],
    "group-other-place": [
        ("E002", 5, 9,
         "group '営業' is opened inside group '本社' but was first opened inside the top level",
         "a group has one place; give the nested one another name",
         ("first opened here",)),
    ],
    "group-from-top-level": [
        ("E002", 6, 7,
         "group '営業' is opened inside the top level but was first opened inside group '本社'",
         "a group has one place; give the nested one another name",
         ("first opened here",)),
    ],
    "group-other-label": [
        ("E002", 4, 7,
         "group '営業' has label \"Marketing\" here but \"Sales\" where it was first opened",
         "reopening a group is fine; give the label once",
         ("first opened here",)),
    ],
    "declared-twice-kind": [
        ("E002", 2, 9,
         "'承認' is declared twice: as knowhow here but as deliverable before",
         "declare each deliverable once; use a different name for a different thing",
         ("first declared here",)),
    ],
    "declared-twice-label": [
        ("E002", 2, 13,
         "'承認' is declared twice: with label \"Sign-off\" here but \"Approval\" before",
         "declare each deliverable once; use a different name for a different thing",
         ("first declared here",)),
    ],
    "declared-twice-group": [
        ("E002", 4, 13,
         "'承認' is declared twice: inside the top level here but inside group '営業' before",
         "declare each deliverable once; use a different name for a different thing",
         ("first declared here",)),
    ],
    "declared-twice-stage": [
        ("E002", 4, 13,
         "'承認' is declared twice: in stage 'rollout' here but in stage 'kickoff' before",
         "declare each deliverable once; use a different name for a different thing",
         ("first declared here",)),
    ],
    "declared-twice-all": [
        ("E002", 6, 9,
         "'承認' is declared twice: as knowhow here but as deliverable before; with label \"Sign-off\" here but "
         "\"Approval\" before; inside the top level here but inside group '営業' before; in stage 'rollout' here "
         "but in stage 'kickoff' before",
         "declare each deliverable once; use a different name for a different thing",
         ("first declared here",)),
    ],
    "stage-twice": [
        ("E002", 2, 7,
         "stage 'kickoff' is declared twice",
         "declare each stage once; `stage kickoff { ... }` without a label or attributes adds deliverables to "
         "it",
         ("first declared here",)),
    ],
    "measure-twice": [
        ("E002", 3, 9,
         "measure '合意率' is declared twice",
         "declare each measure once; give another measure another name",
         ("first declared here",)),
    ],
    "unknown-attribute-close": [
        ("E005", 1, 18, "unknown attribute 'onwer'", "did you mean 'owner'?", ()),
    ],
    "unknown-attribute": [
        ("E005", 1, 18,
         "unknown attribute 'priority'",
         "known attributes: owner, external, final, note, stage",
         ()),
    ],
    "full-width-colon-in-key": [
        ("E005", 1, 18,
         "unknown attribute 'stage：kickoff'",
         "'：' is a full-width colon: type it half-width, `[stage: kickoff]`",
         ()),
    ],
    "full-width-comma-in-key": [
        ("E005", 1, 18,
         "unknown attribute 'final，external'",
         "'，' is a full-width comma: type it half-width, `[final, external]`",
         ()),
    ],
    "ideographic-comma-in-key": [
        ("E005", 1, 18,
         "unknown attribute 'final、external'",
         "'、' is a full-width comma: type it half-width, `[final, external]`",
         ()),
    ],
    "deliverable-only-on-relation": [
        ("E005", 1, 12,
         "attribute 'final' applies to deliverables, not to relations",
         "put `[final]` on the declaration of the deliverable",
         ()),
    ],
    "stage-attribute-on-deliverable": [
        ("E005", 1, 18,
         "attribute 'exit' applies to stages, not to deliverables",
         "a stage takes it: `stage NAME [exit: ...]`; a deliverable is placed in a stage with `[stage: NAME]`",
         ()),
    ],
    "stage-attribute-on-relation": [
        ("E005", 1, 12,
         "attribute 'after' applies to stages, not to relations",
         "a stage takes it: `stage NAME [after: ...]`; a deliverable is placed in a stage with `[stage: NAME]`",
         ()),
    ],
    "group-attribute-on-deliverable": [
        ("E005", 1, 18,
         "attribute 'colour' applies to groups, not to deliverables",
         "a group takes it: declare the deliverable inside `group NAME [colour: blue] { ... }`",
         ()),
    ],
    "measure-attribute-on-deliverable": [
        ("E005", 1, 18,
         "attribute 'target' applies to measures, not to deliverables",
         "a measure takes it: `measure NAME [of: DELIVERABLE, target: ...]` (docs/measures.md)",
         ()),
    ],
    "deliverable-attribute-on-group": [
        ("E005", 1, 11,
         "a group has no attribute 'final': it applies to deliverables",
         "a group takes: stage, note, colour, fill; put it on the declarations of the deliverables: "
         "`deliverable NAME [final]`",
         ()),
    ],
    "two-owners-attribute-on-stage": [
        ("E005", 1, 16,
         "a stage has no attribute 'owner': it applies to deliverables and measures",
         "a stage takes: exit, after, note; put it on the declarations of the deliverables: `deliverable NAME "
         "[owner: ...]`",
         ()),
    ],
    "block-unknown-close": [
        ("E005", 1, 16, "a stage has no attribute 'exti'", "did you mean 'exit'?", ()),
    ],
    "block-unknown": [
        ("E005", 1, 16, "a stage has no attribute 'priority'", "a stage takes: exit, after, note", ()),
    ],
    "measure-unknown-attribute": [
        ("E005", 2, 22,
         "a measure has no attribute 'colour': it applies to groups",
         "a measure takes: of, from, target, green, lime, yellow, dear, owner, note; a group takes it: declare "
         "the deliverable inside `group NAME [colour: blue] { ... }`",
         ()),
    ],
    "fill-and-colour": [
        ("E006", 1, 25,
         "attribute 'fill' is another name for 'colour': give one of them",
         "keep `colour:` (or `fill:`), not both",
         ("colour given here",)),
    ],
    "unknown-colour-close": [
        ("E006", 1, 11,
         "unknown group colour 'bleu'",
         "did you mean 'blue'? a group's colour is one of: blue, green, yellow, orange, red, purple, grey",
         ()),
    ],
    "unknown-colour": [
        ("E006", 1, 11,
         "unknown group colour 'magenta'",
         "did you mean 'green'? a group's fill is one of: blue, green, yellow, orange, red, purple, grey",
         ()),
    ],
    "given-twice": [
        ("E006", 1, 25,
         "attribute 'final' is given twice",
         "give each attribute once; `owner: [a, b]` takes a list",
         ("first given here",)),
    ],
    "flag-with-value": [
        ("E006", 1, 18, "attribute 'final' takes no value", "write just `final`", ()),
    ],
    "names-without-value": [
        ("E006", 1, 18, "attribute 'owner' needs a value", "write `owner: [Aさん, Bさん]`", ()),
    ],
    "text-without-value": [
        ("E006", 1, 18, "attribute 'note' needs a value", "write `note: \"...\"`", ()),
    ],
    "text-with-list": [
        ("E006", 1, 18, "attribute 'note' takes one value, not a list", "write `note: \"...\"`", ()),
    ],
    "empty-owner-list": [
        ("E006", 1, 18,
         "attribute 'owner' has an empty list",
         "name at least one owner, or leave the attribute out",
         ()),
    ],
    "block-given-twice": [
        ("E006", 2, 27,
         "attribute 'exit' is given twice",
         "give each attribute once; `exit: [a, b]` takes a list",
         ("first given here",)),
    ],
    "block-names-without-value": [
        ("E006", 1, 16, "attribute 'exit' needs a value", "write `exit: [契約書, 成功計画]`", ()),
    ],
    "block-text-without-value": [
        ("E006", 2, 16, "attribute 'after' needs a value", "write `after: kickoff`", ()),
    ],
    "block-text-with-list": [
        ("E006", 2, 16, "attribute 'after' takes one value, not a list", "write `after: NAME`", ()),
    ],
    "block-empty-list": [
        ("E006", 1, 16,
         "attribute 'exit' has an empty list",
         "name at least one deliverable, or leave the attribute out",
         ()),
    ],
    "measure-of-unknown": [
        ("E006", 2, 14,
         "measure '合意率' is of '企画', which is not a deliverable of the model",
         "name a deliverable declared or used in a relation",
         ()),
    ],
    "measure-of-unknown-close": [
        ("E006", 2, 14,
         "measure '合意率' is of '計画', which is not a deliverable of the model",
         "did you mean '計画書'?",
         ()),
    ],
    "measure-from-unknown": [
        ("E006", 2, 22,
         "measure '合意率' is from '契約', which is not a deliverable of the model",
         "name a deliverable declared or used in a relation",
         ()),
    ],
    "measure-without-of": [
        ("E006", 1, 9,
         "measure '合意率' does not say what it is observed on",
         "name the deliverable it measures: `measure 合意率 [of: DELIVERABLE, ...]`",
         ()),
    ],
    "threshold-not-a-comparison": [
        ("E006", 2, 22,
         "target 'lots' of measure '合意率' is not a comparison with a number",
         "write it like `target: \">= 60%\"` (>=, >, <= or <, a number, a unit if any)",
         ()),
    ],
    "green-not-a-comparison": [
        ("E006", 2, 22,
         "green 'high' of measure '合意率' is not a comparison with a number",
         "write it like `green: \">= 60%\"` (>=, >, <= or <, a number, a unit if any)",
         ()),
        ("E006", 2, 37,
         "lime 'mid' of measure '合意率' is not a comparison with a number",
         "write it like `lime: \">= 60%\"` (>=, >, <= or <, a number, a unit if any)",
         ()),
        ("E006", 2, 50,
         "yellow 'low' of measure '合意率' is not a comparison with a number",
         "write it like `yellow: \">= 60%\"` (>=, >, <= or <, a number, a unit if any)",
         ()),
    ],
    "dear-unknown-close": [
        ("E006", 2, 22,
         "unknown DEAR category 'adopton' of measure '合意率'",
         "did you mean 'adoption'? a measure's dear is one of: deployment, engagement, adoption, roi",
         ()),
    ],
    "dear-unknown": [
        ("E006", 2, 22,
         "unknown DEAR category 'happiness' of measure '合意率'",
         "a measure's dear is one of: deployment, engagement, adoption, roi",
         ()),
    ],
    "threshold-other-way": [
        ("E006", 2, 37,
         "lime '<= 3' of measure '合意率' points the other way from its green '>= 5'",
         "a measure has one direction: higher is better (>=, >) or lower is better (<=, <)",
         ("green given here",)),
    ],
    "threshold-other-way-target": [
        ("E006", 2, 38,
         "yellow '<= 3' of measure '合意率' points the other way from its target '>= 5'",
         "a measure has one direction: higher is better (>=, >) or lower is better (<=, <)",
         ("target given here",)),
    ],
    "threshold-other-unit": [
        ("E006", 2, 38,
         "lime '>= 3 日' of measure '合意率' is in '日', its green in '%'",
         "give every threshold of a measure in one unit",
         ("green given here",)),
    ],
    "threshold-stricter": [
        ("E006", 2, 37,
         "lime '>= 7' of measure '合意率' is stricter than green '>= 5'",
         "the colours go from the strictest threshold (green) to the loosest (yellow); below yellow is red",
         ("green given here",)),
        ("E006", 2, 51,
         "yellow '>= 9' of measure '合意率' is stricter than green '>= 5'",
         "the colours go from the strictest threshold (green) to the loosest (yellow); below yellow is red",
         ("green given here",)),
    ],
    "stage-not-declared": [
        ("E008", 2, 18,
         "stage 'rollout' is not declared",
         "declared stages: kickoff; or declare it: `stage rollout`",
         ()),
    ],
    "stage-not-declared-close": [
        ("E008", 2, 18, "stage 'kickof' is not declared", "did you mean 'kickoff'?", ()),
    ],
    "stage-not-declared-many": [
        ("E008", 14, 18,
         "stage 'rollout' is not declared",
         "declared stages: s00, s01, s02, s03, s04, s05, s06, s07, s08, s09, s10, s11, ...; or declare it: "
         "`stage rollout`",
         ()),
    ],
    "exit-not-a-deliverable": [
        ("E008", 1, 16,
         "exit criterion '契約' of stage 'kickoff' is not a deliverable",
         "name a deliverable of the model",
         ()),
    ],
    "exit-not-a-deliverable-close": [
        ("E008", 1, 16, "exit criterion '計画書' of stage 'kickoff' is not a deliverable", "did you mean '計画'?", ()),
    ],
    "after-not-declared": [
        ("E008", 1, 16,
         "stage 'kickoff' comes after 'rollout', which is not declared",
         "name a declared stage",
         ()),
    ],
    "after-not-declared-close": [
        ("E008", 2, 16,
         "stage 'rollout' comes after 'kickof', which is not declared",
         "did you mean 'kickoff'?",
         ()),
    ],
    "stage-in-stage-block": [
        ("E009", 2, 9,
         "stage 'rollout' is opened inside the block of stage 'kickoff'",
         "close stage 'kickoff' first: stage blocks do not nest",
         ("stage 'kickoff' opened here",)),
    ],
    "exit-placed-elsewhere": [
        ("E009", 1, 16,
         "exit criterion '契約書' of stage 'kickoff' belongs to another stage: it is placed in stage 'rollout'",
         "a stage ends when its own deliverable exists: place the exit criterion in the stage it ends "
         "(`[stage: kickoff]`), or name another exit",
         ("'契約書' here",)),
    ],
    "exit-of-two-stages": [
        ("E009", 2, 16,
         "exit criterion '契約書' of stage 'rollout' belongs to another stage: stage 'kickoff' ends with it too",
         "a stage ends when its own deliverable exists: place the exit criterion in the stage it ends "
         "(`[stage: rollout]`), or name another exit",
         ("'契約書' here",)),
    ],
    "after-itself": [
        ("E009", 1, 16,
         "stage 'kickoff' cannot come after itself",
         "name the stage it follows, or leave `after:` out",
         ()),
    ],
    "after-cycle": [
        ("E009", 1, 16,
         "the stages' order has a cycle: 'kickoff' after 'rollout' after 'adoption' after 'kickoff'",
         "remove one `after:` of the cycle; without `after:` stages run in the order they are declared",
         ()),
    ],
}


# what may stay in a Japanese message besides 「names」, `code` and "model strings"
ALLOWED = {"KPI", "DEAR"}
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def english_left(text: str) -> list[str]:
    """The English words of `text` outside 「names」, `code` and "model
    strings" (labels as the model writes them): what a Japanese message has
    left untranslated."""
    rest = re.sub(r"「[^」]*」|`[^`]*`|\"(?:[^\"\\]|\\.)*\"", " ", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", rest) if w not in ALLOWED]


def written_in_japanese(text: str) -> bool:
    rest = re.sub(r"「[^」]*」|`[^`]*`|\"(?:[^\"\\]|\\.)*\"", " ", text)
    return bool(JAPANESE.search(rest)) and not english_left(text)


def diagnostics(text: str, language: str) -> list:
    with speaking(language):
        return list(prep.loads(text, strict=False).diagnostics)


def test_the_helper_tells_english_from_japanese():
    assert english_left("unknown attribute 'onwer'") == ["unknown", "attribute", "onwer"]
    assert english_left("「onwer」という属性はありません") == []
    assert english_left("`owner: [a, b]` のように書いてください（>=、>）") == []
    assert english_left('ラベルがここでは "Sign-off"、前は "Approval" です') == []
    assert english_left("KPI の「dear」は次のいずれかです") == []
    assert not written_in_japanese("「onwer」") and not written_in_japanese("did you mean 「owner」?")


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_model_error_reads_in_japanese(case):
    found = diagnostics(CASES[case], "ja")
    english = diagnostics(CASES[case], "en")
    assert found, "the case reports nothing"
    # the same findings at the same places, only their words differ
    assert [(d.code, d.name, d.span, d.subject, [r.span for r in d.related]) for d in found] == \
        [(d.code, d.name, d.span, d.subject, [r.span for r in d.related]) for d in english]
    for d in found:
        assert d.code in ("E002", "E005", "E006", "E008", "E009"), d
        for text in (d.message, d.hint, *(r.message for r in d.related)):
            assert text and written_in_japanese(text), (d.code, text, english_left(text or ""))


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_english_is_unchanged(case):
    got = [(d.code, d.span.line, d.span.column, d.message, d.hint, tuple(r.message for r in d.related))
           for d in diagnostics(CASES[case], "en")]
    assert got == ENGLISH[case]
    assert got == [(d.code, d.span.line, d.span.column, d.message, d.hint, tuple(r.message for r in d.related))
                   for d in prep.loads(CASES[case], strict=False).diagnostics]   # English is the default


def test_the_cases_reach_every_error_the_builder_reports():
    """Each `b.error(...)` of prep/language/model.py but the nesting and
    `include` syntax errors (E001, which stay English as the parser's do) is
    reached by a case above, in Japanese: a new error without a case (and
    so perhaps without its Japanese) fails here."""
    tree = ast.parse(MODEL_PY.read_text(encoding="utf-8"))
    sites = {node.lineno for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "error"
             and isinstance(node.func.value, ast.Name) and node.func.value.id == "b"
             and not (isinstance(node.args[0], ast.Constant) and node.args[0].value == "E001")}
    assert len(sites) >= 20 and set(ENGLISH) == set(CASES)
    reached: set[int] = set()
    path = str(MODEL_PY)

    def trace(frame, event, arg):
        if frame.f_code.co_filename != path:
            return None
        if event == "line":
            reached.add(frame.f_lineno)
        return trace

    before = sys.gettrace()   # a coverage run's, if any
    sys.settrace(trace)
    try:
        for text in CASES.values():
            diagnostics(text, "ja")
    finally:
        sys.settrace(before)
    assert not sites - reached, f"no case reaches the errors at model.py lines {sorted(sites - reached)}"


def test_representative_japanese_messages():
    (d,) = diagnostics(CASES["unknown-attribute-close"], "ja")
    assert (d.message, d.hint) == ("「onwer」という属性はありません", "「owner」のことですか？")
    (d,) = diagnostics(CASES["declared-twice-kind"], "ja")
    assert d.message == "「承認」が2回宣言されています。ここではノウハウ、前は成果物です"
    assert d.related[0].message == "最初はここで宣言されています"
    (d,) = diagnostics(CASES["stage-attribute-on-deliverable"], "ja")
    assert d.message == "属性「exit」はステージの属性で、成果物には付けられません"
    assert d.hint == "ステージに付けてください: `stage NAME [exit: ...]`。成果物をステージに置くには `[stage: NAME]` と書きます"
    (d,) = diagnostics(CASES["two-owners-attribute-on-stage"], "ja")
    assert d.message == "ステージには属性「owner」はありません。成果物と KPI の属性です"
    (d,) = diagnostics(CASES["threshold-other-way"], "ja")
    assert d.message == "KPI「合意率」の黄緑のしきい値「<= 3」は、緑のしきい値「>= 5」と向きが逆です"
    assert d.related[0].message == "緑のしきい値はここで指定されています"
    (d,) = diagnostics(CASES["after-cycle"], "ja")
    assert d.message == "ステージの順序が循環しています: 「kickoff」は「rollout」の後、「rollout」は「adoption」の後、" \
                        "「adoption」は「kickoff」の後"


def test_a_strict_load_raises_the_japanese_error():
    with speaking("ja"), pytest.raises(PrepError) as e:
        prep.loads(CASES["stage-not-declared"], "m.prep")
    text = e.value.render()
    assert "m.prep:2:18: error: ステージ「rollout」は宣言されていません" in text
    assert "hint: 宣言されたステージ: 「kickoff」。または `stage rollout` と宣言してください" in text
    with pytest.raises(PrepError) as e:
        prep.loads(CASES["stage-not-declared"], "m.prep")
    assert "m.prep:2:18: error: stage 'rollout' is not declared" in e.value.render()


def test_render_language_ja_reports_a_model_error_in_japanese(tmp_path, prep_run):
    (tmp_path / "bad.prep").write_text("deliverable 提案書 [onwer: 山田]\n提案書 -> 見積\n", encoding="utf-8")
    r = prep_run("render", "bad.prep", "--language", "ja", "-o", "x.svg", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.decode("utf-8") == ("bad.prep:1:18: error: 「onwer」という属性はありません\n"
                                        "  deliverable 提案書 [onwer: 山田]\n"
                                        "                      ^^^^^\n"
                                        "  hint: 「owner」のことですか？\n")
    assert not (tmp_path / "x.svg").exists()
    r = prep_run("render", "bad.prep", "-o", "x.svg", cwd=tmp_path)   # English by default
    assert r.returncode == 2 and "error: unknown attribute 'onwer'" in r.stderr.decode("utf-8")
