"""The language (v1): every construct parses into the model with its span."""

from __future__ import annotations

import pytest

import prep
from prep.language.diagnostics import Span
from prep.language.model import KNOWHOW, TANGIBLE

SPEC_EXAMPLE = """\
# comments run from '#' to the end of the line
title "機能追加 (To-Be)"

deliverable 顧客の要望リスト [external]              # tangible deliverable (solid box)
knowhow     開発ノウハウ [owner: 開発リーダー]          # intangible deliverable (dashed box)
knowhow     レビュー観点 [owner: [品質保証, 開発リーダー]]
deliverable 追加のサービス "Added service (v2)"      # name, then an optional display label
deliverable 承認 [final, note: "部長承認"]

顧客の要望リスト, 開発ノウハウ, レビュー観点 -> 追加のサービス   # inputs -> output (solid)
自社の候補日, 先方の候補日 ~> 打合せ日程                   # settled by coordinating the inputs (dashed)
追加のサービス <~> 承認                                   # mutual synchronization (dashed, both ends)
draft -> review-notes -> "final report" [note: "2 rounds"] # chains; attributes on relations

group 保健師 "Public-health nurse" {                     # an actor/organization/phase, drawn as a frame
  deliverable 保健指導計画 [stage: onboarding]
  group nested { knowhow 面談スキル }                     # groups nest
}
"""


@pytest.fixture(scope="module")
def spec():
    return prep.loads(SPEC_EXAMPLE, path="spec.prep")


def test_title(spec):
    assert spec.title == "機能追加 (To-Be)"


def test_declarations_kinds_labels_and_attributes(spec):
    d = spec.deliverables
    assert d["顧客の要望リスト"].kind == TANGIBLE and d["顧客の要望リスト"].external
    assert d["開発ノウハウ"].kind == KNOWHOW and d["開発ノウハウ"].owners == ("開発リーダー",)
    assert d["レビュー観点"].owners == ("品質保証", "開発リーダー")
    assert d["追加のサービス"].label == "Added service (v2)"
    assert d["追加のサービス"].display == "Added service (v2)"
    assert d["承認"].final and d["承認"].note == "部長承認"
    assert d["保健指導計画"].stage == "onboarding"


def test_declaration_spans_point_at_the_name(spec):
    # `deliverable 顧客の要望リスト`: the name starts at column 13, 8 characters
    assert spec.deliverables["顧客の要望リスト"].span == Span("spec.prep", 4, 13, 4, 21)
    assert spec.deliverables["承認"].span == Span("spec.prep", 8, 13, 8, 15)
    assert spec.deliverables["面談スキル"].span == Span("spec.prep", 17, 26, 17, 31)


def test_undeclared_names_are_tangible_and_point_at_first_use(spec):
    d = spec.deliverables["自社の候補日"]
    assert d.kind == TANGIBLE and not d.declared
    assert d.span == Span("spec.prep", 11, 1, 11, 7)
    assert spec.deliverables["final report"].span == Span("spec.prep", 13, 26, 13, 40)


def test_lists_feed_every_target(spec):
    inputs = [(r.source, r.target) for r in spec.relations if r.kind == "input" and r.target == "追加のサービス"]
    assert inputs == [("顧客の要望リスト", "追加のサービス"), ("開発ノウハウ", "追加のサービス"),
                      ("レビュー観点", "追加のサービス")]
    assert all(r.span == Span("spec.prep", 10, 1, 10, 36) for r in spec.relations if r.target == "追加のサービス"
               and r.kind == "input")


def test_sync_and_mutual(spec):
    sync = [(r.source, r.target) for r in spec.relations if r.kind == "sync"]
    assert sync == [("自社の候補日", "打合せ日程"), ("先方の候補日", "打合せ日程")]
    mutual = [r for r in spec.relations if r.kind == "mutual"]
    assert len(mutual) == 1  # one relation, not two edges
    assert (mutual[0].source, mutual[0].target) == ("追加のサービス", "承認")
    assert mutual[0].source_span == Span("spec.prep", 12, 1, 12, 8)
    assert mutual[0].target_span == Span("spec.prep", 12, 13, 12, 15)


def test_chains_and_relation_attributes(spec):
    chain = [r for r in spec.relations if r.span.line == 13]
    assert [(r.source, r.target) for r in chain] == [("draft", "review-notes"), ("review-notes", "final report")]
    assert all(r.note == "2 rounds" for r in chain)
    assert chain[0].span == Span("spec.prep", 13, 1, 13, 59)


def test_groups_nest(spec):
    g = spec.groups
    assert g["保健師"].label == "Public-health nurse" and g["保健師"].parent is None
    assert g["nested"].parent == "保健師"
    assert g["保健師"].span == Span("spec.prep", 15, 1, 18, 2)
    assert spec.deliverables["保健指導計画"].group == "保健師"
    assert spec.deliverables["面談スキル"].group == "nested"
    assert sorted(spec.group_members("保健師")) == ["保健指導計画", "面談スキル"]


def test_comments_are_kept_with_positions(spec):
    assert spec.comments[0].text == "# comments run from '#' to the end of the line"
    assert spec.comments[0].span == Span("spec.prep", 1, 1, 1, 47)
    assert len(spec.comments) == 10


def test_graph_nodes_and_edges(spec):
    g = spec.graph
    assert g.nodes["開発ノウハウ"]["kind"] == "knowhow"
    assert g.nodes["追加のサービス"]["label"] == "Added service (v2)"
    assert g.nodes["面談スキル"]["group"] == "nested"
    assert g.nodes["顧客の要望リスト"]["span"].line == 4
    kinds = sorted(k for _, _, k in g.edges(data="kind"))
    assert kinds.count("mutual") == 1 and kinds.count("sync") == 2 and kinds.count("input") == 5
    (edge,) = [e for e in g.edges(data=True) if e[2]["kind"] == "mutual"]
    assert edge[0] == "追加のサービス" and edge[1] == "承認" and edge[2]["span"].line == 12
    assert g.graph["title"] == "機能追加 (To-Be)"


@pytest.mark.parametrize("text,names", [
    ("post-sales -> v1.2", ["post-sales", "v1.2"]),
    ("a->b", ["a", "b"]),
    ("a-b->c", ["a-b", "c"]),
    ("x_1, y.2 ~> z-3", ["x_1", "y.2", "z-3"]),
    ('"with space" -> 日本語', ["with space", "日本語"]),
    ("顧客・要望 -> 「見積」", ["顧客・要望", "「見積」"]),
])
def test_bare_words(text, names):
    assert list(prep.loads(text).deliverables) == names


def test_string_escapes():
    m = prep.loads(r'deliverable a "say \"hi\"\nback\\slash \t kept"')
    assert m.deliverables["a"].label == 'say "hi"\nback\\slash \\t kept'


def test_lists_on_both_sides():
    m = prep.loads("a, b -> c, d")
    assert [(r.source, r.target) for r in m.relations] == [("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")]


def test_semicolons_separate_statements():
    m = prep.loads("deliverable a; knowhow b; a, b -> c")
    assert m.deliverables["b"].kind == KNOWHOW and len(m.relations) == 2


def test_bom_crlf_and_utf8(tmp_path):
    p = tmp_path / "m.prep"
    p.write_bytes("\ufeffdeliverable 顧客 [external]\r\n顧客, b -> c\r\n".encode("utf-8"))
    m = prep.load(p)
    assert m.deliverables["顧客"].span == Span(str(p), 1, 13, 1, 15)
    assert m.relations[0].span.line == 2


def test_reopened_group_and_identical_redeclaration_merge():
    m = prep.loads('group g "G" {\n deliverable a\n}\ngroup g {\n deliverable a [final]\n b -> a\n}\n')
    assert not m.diagnostics
    assert m.deliverables["a"].final and m.groups["g"].label == "G"
    assert m.deliverables["b"].group == "g"


def test_unknown_attribute_has_did_you_mean():
    m = prep.loads("deliverable a [onwer: x]", strict=False)
    (d,) = m.diagnostics
    assert d.code == "E005" and d.hint == "did you mean 'owner'?"
    assert (d.span.line, d.span.column, d.span.end_column) == (1, 16, 21)
    with pytest.raises(prep.PrepError):
        prep.loads("deliverable a [onwer: x]")


@pytest.mark.parametrize("text,code,fragment", [
    ("a -> b [final]", "E005", "applies to deliverables"),
    ("deliverable a [final: yes]", "E006", "takes no value"),
    ("deliverable a [owner]", "E006", "needs a value"),
    ("deliverable a [note: [x, y]]", "E006", "one value"),
    ("deliverable a [final, final]", "E006", "given twice"),
])
def test_attribute_errors(text, code, fragment):
    (d,) = prep.loads(text, strict=False).diagnostics
    assert d.code == code and fragment in d.message


@pytest.mark.parametrize("text,message,hint", [
    # 'exit' was "did you mean 'external'?", 'final' on a group "did you mean 'fill'?",
    # 'target' "did you mean 'stage'?": a quick fix would have written the wrong attribute
    ("deliverable 入金 [exit: 請求書]\n", "attribute 'exit' applies to stages, not to deliverables",
     "`stage NAME [exit: ...]`"),
    ("a -> b [after: s]\n", "attribute 'after' applies to stages, not to relations", "`stage NAME [after: ...]`"),
    ("deliverable 入金 [target: \">= 60%\"]\n", "attribute 'target' applies to measures, not to deliverables",
     "`measure NAME [of: DELIVERABLE, target: ...]`"),
    ("deliverable 入金 [colour: blue]\n", "attribute 'colour' applies to groups, not to deliverables",
     "`group NAME [colour: blue] { ... }`"),
    ("group 営業 [final] {\n deliverable a\n}\n", "a group has no attribute 'final': it applies to deliverables",
     "`deliverable NAME [final]`"),
    ("stage s [owner: 佐藤]\n", "a stage has no attribute 'owner': it applies to deliverables and measures",
     "`deliverable NAME [owner: ...]`"),
])
def test_an_attribute_of_another_statement_says_where_it_goes(text, message, hint):
    (d,) = [d for d in prep.loads(text, strict=False).diagnostics if d.code == "E005"]
    assert d.message == message and hint in d.hint and "did you mean" not in d.hint


def test_conflicting_declaration_points_at_both_places():
    m = prep.loads("deliverable a\nknowhow a\n", path="m.prep", strict=False)
    (d,) = m.diagnostics
    assert d.code == "E002" and d.span == Span("m.prep", 2, 9, 2, 10)
    assert d.related[0].span == Span("m.prep", 1, 13, 1, 14)
    m = prep.loads('deliverable a "A"\ndeliverable a "B"\n', strict=False)
    assert m.diagnostics[0].code == "E002" and "label" in m.diagnostics[0].message


def test_json_export_round_trips(spec):
    from prep.language.export import model_from_dict, model_to_dict

    again = model_from_dict(model_to_dict(spec))
    assert again.deliverables == spec.deliverables
    assert again.relations == spec.relations
    assert again.groups == spec.groups


def test_grammar_and_mistakes_table_ship_inside_the_package():
    """An installed wheel must work outside the checkout: the grammar and the
    mistakes table are package data (when prep runs from a checkout, they are
    read from grammar/)."""
    from pathlib import Path

    from prep.language.parse import grammar_path

    package_dir = Path(prep.__file__).resolve().parent
    for name in ("prep.lark", "mistakes.toml"):
        path = Path(str(grammar_path(name)))
        assert path.is_file()
        if "site-packages" in package_dir.parts:
            assert path == package_dir / "grammar" / name
