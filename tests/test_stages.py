"""Stages in the language: declaration, order, placement, exit criteria,
errors, and what the model, the JSON export and the graph expose."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import prep
from prep.cli import cli
from prep.language.parse import parse_statements_lark
from prep.language.fastparse import scan
from prep.language.views import cross_section, existing_at

ROADMAP = """\
title "Roadmap"
stage contract "契約" [exit: 契約書]
stage kickoff "キックオフ" [exit: 成功計画, note: "2 weeks"]
stage adoption "導入" [exit: 定着]
deliverable 契約書 [external]
knowhow 手法 [owner: [CS, リード]]
group 顧客 "顧客" [stage: kickoff] {
  deliverable 要望
}
契約書, 要望, 手法 -> 成功計画
stage adoption {
  deliverable 利用データ [external]
  成功計画, 利用データ -> 定着
}
"""


def model(text: str):
    return prep.loads(text)


def errors(text: str) -> list:
    try:
        m = prep.loads(text, strict=False)
    except prep.PrepError as e:
        return list(e.diagnostics)
    return m.errors


def test_stages_in_order_with_members_and_exits():
    m = model(ROADMAP)
    assert list(m.stages) == ["contract", "kickoff", "adoption"]
    contract, kickoff, adoption = m.stages.values()
    assert [s.index for s in m.stages.values()] == [0, 1, 2]
    assert contract.label == "契約" and contract.exits == ("契約書",)
    assert kickoff.note == "2 weeks" and kickoff.exits == ("成功計画",)
    # the group's stage, the exit criterion placed in its stage, the block
    assert kickoff.members == ("要望", "成功計画")
    assert adoption.members == ("利用データ", "定着")
    assert contract.members == ("契約書",)
    assert m.deliverables["要望"].stage == "kickoff"
    assert m.deliverables["定着"].stage == "adoption"
    # the knowhow has no stage: a source appears from the stage of its first user
    assert m.deliverables["手法"].stage is None
    assert m.stage_of("手法") == "kickoff"


def test_effective_stage_is_the_latest_input_stage():
    m = model("stage a\nstage b\ndeliverable x [stage: b]\ndeliverable u [stage: a]\nx, y -> z\nz, w -> v\n"
              "u, s -> t\n")
    assert m.stage_of("z") == "b" and m.stage_of("v") == "b"
    # unplaced sources appear with their first user: y and w in b, s in a
    assert m.stage_of("y") == "b" and m.stage_of("w") == "b" and m.stage_of("s") == "a"
    assert existing_at(m, "a") == {"u", "s", "t"}
    section = cross_section(m, "a")
    assert set(section.deliverables) == {"u", "s", "t"} and len(section.relations) == 2
    assert list(section.stages) == ["a", "b"]


def test_an_unplaced_source_appears_from_the_earliest_stage_of_its_users():
    m = model("stage a\nstage b\nstage c\ndeliverable p [stage: a]\ndeliverable q [stage: c]\n"
              "k, p -> x\nx -> y [stage: b]\nk, q -> z\nlate, q -> z\nm <~> q\ndeliverable alone\nchain -> n\nn -> q\n")
    # k feeds x (a, from p) and z (c): the earliest user wins
    assert m.stage_of("k") == "a"
    # late feeds only z (c); m is settled with q (c) only
    assert m.stage_of("late") == "c" and m.stage_of("m") == "c"
    # a source used by nothing: the first stage
    assert m.stage_of("alone") == "a"
    # an unplaced chain from an unplaced source (chain -> n -> q) is placed as a source is: n is
    # first used by q (c), and so is chain, by n (it was the first stage, drawn new there)
    assert m.stage_of("n") == "c" and m.stage_of("chain") == "c"
    # the users' own stages do not move
    assert m.stage_of("x") == "a" and m.stage_of("z") == "c"
    assert "late" not in existing_at(m, "b") and "late" in existing_at(m, "c")


def test_a_deliverable_made_only_from_unplaced_sources_is_placed_by_its_users(tmp_path):
    """配送日程, made from the carrier's and the customer's slots (unplaced
    sources) and first used in stage 4, stood new in stage 1's picture and
    in stage 1's roadmap column. It is placed as a source is: from the
    earliest stage of what uses it, and its sources with it; what uses it
    in two stages takes the earlier; a chain of such deliverables follows
    its last user back; one used by nothing stays in the first stage."""
    src = ("stage 引合\nstage 見積\nstage 受注\nstage 出荷\n"
           "deliverable 出荷指示 [stage: 出荷]\ndeliverable 見積書 [stage: 見積]\n"
           "deliverable 運送会社の枠 [external]\ndeliverable 顧客の受入枠 [external]\n"
           "運送会社の枠, 顧客の受入枠 -> 配送日程\n配送日程 -> 配送計画\n配送計画, 見積書 -> 出荷指示\n"
           "配送日程 -> 納期回答\n納期回答 <~> 見積書\n"
           "tmpl -> 下書き\n")
    m = model(src)
    assert m.stage_of("配送日程") == "見積"   # its users: 配送計画 (出荷, through the chain) and 納期回答 (見積)
    assert m.stage_of("納期回答") == "見積" and m.stage_of("配送計画") == "出荷"
    assert m.stage_of("運送会社の枠") == "見積" and m.stage_of("顧客の受入枠") == "見積"
    assert m.stage_of("下書き") == "引合" and m.stage_of("tmpl") == "引合"   # used by nothing
    assert m.stage_of("出荷指示") == "出荷"
    section = cross_section(m, "引合")
    assert "配送日程" not in section.deliverables and "運送会社の枠" not in section.deliverables
    path = tmp_path / "m.prep"
    path.write_text(src, encoding="utf-8")
    out = tmp_path / "m.json"
    result = CliRunner().invoke(cli, ["render", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    by_name = {d["name"]: d for d in json.loads(out.read_text(encoding="utf-8"))["deliverables"]}
    assert by_name["配送日程"]["effective_stage"] == "見積"


def test_after_reorders_stages():
    m = model("stage renewal [after: adoption]\nstage kickoff\nstage adoption [after: kickoff]\n")
    assert list(m.stages) == ["kickoff", "adoption", "renewal"]
    assert m.stages["renewal"].after == "adoption"


def test_explicit_stage_beats_block_and_group():
    m = model("stage a\nstage b\nstage a {\n  deliverable x [stage: b]\n  deliverable y\n}\n"
              "group g [stage: b] {\n  deliverable z [stage: a]\n  deliverable w\n}\nx, y, z, w -> v\n")
    assert [m.deliverables[n].stage for n in "xyzw"] == ["b", "a", "a", "b"]


def test_v1_free_text_stages_still_work_in_order_of_first_use():
    m = model("deliverable a [stage: 契約]\ndeliverable b [stage: 導入]\ndeliverable c [stage: 契約]\na, b -> c\n")
    assert list(m.stages) == ["契約", "導入"]
    assert all(not s.declared for s in m.stages.values())
    assert m.stages["契約"].members == ("a", "c")


def test_model_without_stages_has_none():
    m = model("a, b -> c\n")
    assert m.stages == {} and m.stage_of("c") is None


@pytest.mark.parametrize("text, code, line, column, message, hint", [
    ("stage a\ndeliverable x [stage: b]\n", "E008", 2, 16, "stage 'b' is not declared", "declared stages: a"),
    ("stage kickoff\ndeliverable x [stage: kickof]\n", "E008", 2, 16, "not declared", "did you mean 'kickoff'?"),
    ("stage kickoff\ngroup g [stage: kikoff] {\n x -> y\n}\n", "E008", 2, 10, "not declared", "did you mean"),
    ('stage kickoff\ngroup g [note: "x", stage: kikoff] {\n x -> y\n}\n', "E008", 2, 21, "not declared",
     "did you mean 'kickoff'?"),
    ("stage kickoff\nx -> y [stage: kickof]\n", "E008", 2, 9, "not declared", "did you mean"),
    ("stage a [exit: plna]\ndeliverable plan\n", "E008", 1, 10, "'plna' of stage 'a' is not a deliverable",
     "did you mean 'plan'?"),
    ("stage a [after: c]\n", "E008", 1, 10, "not declared", "name a declared stage"),
    ("stage a\nstage a \"A\"\n", "E002", 2, 7, "stage 'a' is declared twice", "declare each stage once"),
    ("stage a [after: b]\nstage b [after: a]\n", "E009", 1, 10, "cycle: 'a' after 'b' after 'a'", "remove one"),
    ("stage a [after: a]\n", "E009", 1, 10, "after itself", "leave `after:` out"),
    ("stage a [exit: x]\nstage b\ndeliverable x [stage: b]\n", "E009", 1, 10,
     "exit criterion 'x' of stage 'a' belongs to another stage: it is placed in stage 'b'", "[stage: a]"),
    ("stage a [exit: x]\nstage b [exit: x]\nx -> y\n", "E009", 2, 10, "stage 'a' ends with it too", "exit"),
    ("stage a {\n  stage b {\n  }\n}\n", "E009", 2, 9, "inside the block of stage 'a'", "do not nest"),
    ("stage a [exti: x]\n", "E005", 1, 10, "a stage has no attribute 'exti'", "did you mean 'exit'?"),
    ("stage a [exit]\n", "E006", 1, 10, "needs a value", "exit: ["),
    ("group g [owner: x] {\n}\n", "E005", 1, 10, "a group has no attribute 'owner'", "a group takes: stage, note"),
])
def test_stage_errors_are_located_with_hints(text, code, line, column, message, hint):
    found = [d for d in errors(text) if d.code == code]
    assert found, errors(text)
    d = found[0]
    assert (d.span.line, d.span.column) == (line, column)
    assert message in d.message and hint in (d.hint or "")


@pytest.mark.parametrize("text, message, column", [
    ("stage -> x\n", "'stage' is a keyword", 1),
    ("a -> stage\n", "'stage' is a keyword", 6),
    ("deliverable stage\n", "'stage' is a keyword", 13),
    ("stage\n", "needs a name", 6),
])
def test_stage_keyword_mistakes(text, message, column):
    with pytest.raises(prep.PrepError) as e:
        prep.loads(text)
    d = e.value.diagnostics[0]
    assert d.code == "E001" and message in d.message and d.span.column == column


def test_quoted_stage_is_a_name():
    m = model('"stage" -> x\n')
    assert "stage" in m.deliverables


def test_cli_errors_exit_2_with_caret(tmp_path):
    p = tmp_path / "m.prep"
    p.write_text("stage kickoff\ndeliverable x [stage: kickof]\nx, y -> z\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["render", str(p), "-o", str(tmp_path / "m.svg")])
    assert result.exit_code == 2
    assert f"{p}:2:16: error: stage 'kickof' is not declared" in result.output
    assert "^^^^" in result.output and "did you mean 'kickoff'?" in result.output
    assert not (tmp_path / "m.svg").exists()


def test_fast_and_full_parser_agree_on_stages():
    def shape(stmts):
        out = []
        for st in stmts:
            d = {k: getattr(st, k) for k in st.__slots__ if k not in ("body", "attrs")}
            d["type"] = type(st).__name__
            if getattr(st, "attrs", None):
                d["attrs"] = [(a.key, a.value, a.span) for a in st.attrs]
            if getattr(st, "body", None) is not None:
                d["body"] = shape(st.body)
            out.append(d)
        return out

    fast = scan(ROADMAP, "m.prep")
    assert fast is not None, "the stage syntax is in the fast subset"
    slow = parse_statements_lark(ROADMAP, "m.prep")
    assert shape(fast[0]) == shape(slow[0])


def test_json_export_and_graph_expose_stages(tmp_path):
    m = model(ROADMAP)
    g = m.graph
    assert [s.name for s in g.graph["stages"]] == ["contract", "kickoff", "adoption"]
    assert g.nodes["要望"]["stage"] == "kickoff"
    assert g.nodes["手法"]["effective_stage"] == "kickoff"
    p = tmp_path / "m.prep"
    p.write_text(ROADMAP, encoding="utf-8")
    out = tmp_path / "m.json"
    result = CliRunner().invoke(cli, ["render", str(p), "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [(s["name"], s["index"], s["exits"]) for s in data["stages"]] == [
        ("contract", 0, ["契約書"]), ("kickoff", 1, ["成功計画"]), ("adoption", 2, ["定着"])]
    assert data["stages"][1]["members"] == ["要望", "成功計画"]
    by_name = {d["name"]: d for d in data["deliverables"]}
    assert by_name["手法"]["effective_stage"] == "kickoff"
    from prep.language.export import model_from_dict
    back = model_from_dict(data)
    assert back.stages == prep.load(p).stages


@pytest.mark.parametrize("asked, line, hint", [("kickof", 2, "did you mean 'kickoff'?"), ("zzz", 1, "the stages: a, kickoff")])
def test_an_unknown_stage_option_points_at_a_declaration(tmp_path, asked, line, hint):
    p = tmp_path / "m.prep"
    p.write_text('stage a "A"\nstage kickoff "K"\nx, y -> z [stage: kickoff]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["render", str(p), "--stage", asked])
    assert result.exit_code == 2
    assert f"{p}:{line}:7: error: no stage named '{asked}' in the model" in result.output
    assert "^" in result.output and hint in result.output


def test_a_stage_picture_frames_a_group_around_what_it_shows_by_then():
    """A group with one box by the end of stage 1 was drawn in the frame of
    all its boxes (on a slide: one box in an empty frame 600 pt wide); the
    frame holds what the picture shows, with its title, and its top left
    corner stays where the layout put it (the routes keep clear of its title
    there). Boxes stay in place in every frame."""
    model = prep.loads(
        'stage s1 "Stage 1" [exit: b]\nstage s2 "Stage 2" [exit: f]\n'
        'group g "営業グループ" {\n  deliverable a [stage: s1, external]\n  deliverable b [stage: s1]\n'
        '  deliverable c [stage: s2]\n  deliverable d [stage: s2]\n  deliverable e [stage: s2]\n}\n'
        "a, k -> b\nknowhow k [owner: [x, y]]\nb, k -> c\nc, k -> d\nd, k -> e\ne, k -> f\n", "m.prep")
    first, last = (json.loads(prep.render_stage(model, s, "layout")) for s in ("s1", "s2"))
    g1, g2 = first["groups"]["g"], last["groups"]["g"]
    assert g1["width"] < g2["width"] * 0.6, (g1, g2)
    left = lambda b: b["x"] - b["width"] / 2   # noqa: E731
    right = lambda b: b["x"] + b["width"] / 2   # noqa: E731
    assert abs(left(g1) - left(g2)) < 0.01 and g1["y"] - g1["height"] / 2 == g2["y"] - g2["height"] / 2
    for name in ("a", "b"):   # what stage 1 shows is inside, where it is at the end
        box = first["nodes"][name]
        assert left(g1) < left(box) and right(box) < right(g1) and box == last["nodes"][name]
    title = next(t for t in first["texts"] if t["kind"] == "group")
    assert left(g1) <= left(title["box"]) and right(title["box"]) <= right(g1)
    # the faint view draws every box: every frame whole
    faint = json.loads(prep.render_stage(model, "s1", "layout", later="faint"))
    assert faint["groups"]["g"]["width"] == g2["width"]
