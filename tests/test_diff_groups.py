"""prep diff and groups: the teams and departments of a process (the lanes
of its picture) are part of its semantic diff. A group added, removed,
renamed, relabelled, recoloured, re-staged, re-noted or nested elsewhere
is a change in every output, in --exit-code and in the Python API."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import prep
from prep.language.diff import diff_models
from test_diff import _git

ROOT = Path(__file__).resolve().parent.parent

OLD = """\
title "受注"
group 営業 "Sales" [colour: blue] {
  deliverable 見積書
  knowhow 値引き判断 [owner: [部長, 課長]]
}
group 開発 "Development" [note: "本社"] {
  deliverable 仕様書
  group 品質 "QA" {
    deliverable 試験報告
  }
}
見積書, 値引き判断 -> 契約書
契約書, 仕様書 -> 試験報告
"""


def d(old: str, new: str):
    return diff_models(prep.loads(old, "old.prep"), prep.loads(new, "new.prep"))


def group_changes(change) -> list[tuple]:
    return [(g.name, g.status, [(f.field, f.old, f.new) for f in g.changes]) for g in change.groups]


# ----------------------------------------------------------------- the diff


@pytest.mark.parametrize("edit, name, field, old, new", [
    (('"Sales"', '"Sales team"'), "営業", "label", "Sales", "Sales team"),
    (("[colour: blue]", "[colour: green]"), "営業", "colour", "blue", "green"),
    (("[colour: blue]", "[fill: green]"), "営業", "colour", "blue", "green"),    # the alias reads the same
    (("[colour: blue]", ""), "営業", "colour", "blue", None),
    (('[note: "本社"]', '[note: "支社"]'), "開発", "note", "本社", "支社"),
    (('[note: "本社"]', '[note: "本社", stage: 設計]'), "開発", "stage", None, "設計"),
])
def test_every_group_attribute_change(edit, name, field, old, new):
    change = d(OLD, OLD.replace(*edit))
    assert group_changes(change) == [(name, "changed", [(field, old, new)])]
    assert not change.empty and change.summary().endswith("1 group changed")


def test_a_group_nested_under_another_changes_its_parent():
    # 品質 taken out of 開発 to the top level: its deliverable stays in it
    flat = OLD.replace('  group 品質 "QA" {\n    deliverable 試験報告\n  }\n', "") \
        + 'group 品質 "QA" {\n  deliverable 試験報告\n}\n'
    change = d(OLD, flat)
    assert group_changes(change) == [("品質", "changed", [("parent", "開発", None)])]
    assert not change.changed and change.summary() == "1 group changed"
    assert group_changes(d(flat, OLD)) == [("品質", "changed", [("parent", None, "開発")])]


def test_groups_added_and_removed_and_the_moves_of_their_deliverables():
    new = OLD.replace('group 営業 "Sales" [colour: blue] {', 'group 営業 "Sales" [colour: blue] {\n  group 法務 {') \
        .replace("  knowhow 値引き判断 [owner: [部長, 課長]]\n}", "  knowhow 値引き判断 [owner: [部長, 課長]]\n}\n}")
    new = new.replace('  group 品質 "QA" {\n    deliverable 試験報告\n  }\n', "  deliverable 試験報告\n")
    change = d(OLD, new)
    assert group_changes(change) == [("法務", "added", []), ("品質", "removed", [])]
    # a deliverable moved into another group is a change of the deliverable, as before
    assert [(c.name, [(f.field, f.old, f.new) for f in c.changes]) for c in change.changed] == [
        ("見積書", [("group", "営業", "法務")]), ("値引き判断", [("group", "営業", "法務")]),
        ("試験報告", [("group", "品質", "開発")])]
    assert change.summary() == "3 deliverables changed; 1 group added, 1 removed"
    c = change.counts()
    assert (c["groups added"], c["groups removed"], c["groups renamed"], c["groups changed"]) == (1, 1, 0, 0)


def test_a_deliverable_moved_between_groups_is_not_a_group_change():
    moved = OLD.replace("  deliverable 仕様書\n", "").replace("  deliverable 見積書\n", "  deliverable 見積書\n  deliverable 仕様書\n")
    change = d(OLD, moved)
    assert change.groups == () and change.renamed_groups == ()
    assert [(c.name, [(f.field, f.old, f.new) for f in c.changes]) for c in change.changed] == [
        ("仕様書", [("group", "開発", "営業")])]
    # `fill:` for `colour:`, a group written elsewhere: no change
    same = OLD.replace('group 営業 "Sales" [colour: blue]', 'group 営業 "Sales" [fill: blue]')
    assert d(OLD, same).empty and d(OLD, same).groups == ()


def test_a_group_renamed_with_the_same_members_reads_as_a_rename():
    new = OLD.replace('group 営業 "Sales"', 'group 営業部 "Sales"')
    change = d(OLD, new)
    assert change.renamed_groups == (("営業", "営業部"),)
    # its members did not move: the rename says it, once
    assert change.groups == () and change.changed == ()
    assert change.summary() == "1 group renamed"
    # renamed and relabelled: a rename, and the label's change under the new name
    relabelled = d(OLD, new.replace('"Sales"', '"営業部"'))
    assert relabelled.renamed_groups == (("営業", "営業部"),)
    assert group_changes(relabelled) == [("営業部", "changed", [("label", "Sales", "営業部")])]
    # a group nested in a renamed one keeps its parent through the rename
    outer = d(OLD, OLD.replace("group 開発", "group 開発部"))
    assert outer.renamed_groups == (("開発", "開発部"),) and outer.groups == () and outer.changed == ()


def test_nested_groups_renamed_together_and_groups_left_unguessed():
    both = OLD.replace("group 開発", "group 開発部").replace("group 品質", "group 品質保証")
    change = d(OLD, both)
    assert set(change.renamed_groups) == {("開発", "開発部"), ("品質", "品質保証")}
    assert change.groups == () and change.changed == ()
    # a member added at the same time: not the same members, so removed and added
    grown = d(OLD, OLD.replace("group 営業 \"Sales\"", "group 営業部 \"Sales\"")
              .replace("  deliverable 見積書\n", "  deliverable 見積書\n  deliverable 価格表\n"))
    assert grown.renamed_groups == ()
    assert [(g.name, g.status) for g in grown.groups] == [("営業部", "added"), ("営業", "removed")]
    # an empty group has nothing to be recognised by
    empty = "group 空 {\n}\na, b -> c\n"
    assert [(g.name, g.status) for g in d(empty, empty.replace("空", "無")).groups] == [
        ("無", "added"), ("空", "removed")]
    # a renamed deliverable in a renamed group: both renames
    renamed = d(OLD, OLD.replace("group 営業", "group 営業部").replace("値引き判断", "値引き基準"))
    assert renamed.renamed == (("値引き判断", "値引き基準"),) and renamed.renamed_groups == (("営業", "営業部"),)
    assert renamed.changed == ()


# ------------------------------------------------------------------ outputs

# 開発 renamed, 営業 relabelled, recoloured and nested in a new group 本社, 契約書 moved into it
NEW = (OLD.replace('group 営業 "Sales" [colour: blue] {', 'group 本社 "HQ" [colour: red] {\n'
                   '  deliverable 契約書\n  group 営業 "Sales team" [colour: green] {')
       .replace("[owner: [部長, 課長]]\n}", "[owner: [部長, 課長]]\n  }\n}")
       .replace("group 開発 ", "group 開発部 "))


@pytest.fixture
def repo(tmp_path):
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "config", "user.email", "t@example.invalid")
    _git(tmp_path, "config", "user.name", "t")
    (tmp_path / "model.prep").write_text(OLD, encoding="utf-8")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "one")
    (tmp_path / "model.prep").write_text(NEW, encoding="utf-8")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "teams reorganised")
    return tmp_path


EXPECTED_LINES = [
    "  ~ 契約書: group (none) -> 本社",
    "  > group 開発 renamed to 開発部 (same members)",
    "  + group 本社 (label: HQ, colour: red)",
    "  ~ group 営業: label Sales -> Sales team",
    "  ~ group 営業: parent (none) -> 本社",
    "  ~ group 営業: colour blue -> green",
]


def test_text_output_and_exit_code_at_revisions(prep_run, repo):
    r = prep_run("diff", "--exit-code", "HEAD~1..HEAD", "--", "model.prep", cwd=repo)
    out = r.stdout.decode("utf-8")
    assert r.returncode == 1, out
    lines = out.splitlines()
    assert lines[0] == "HEAD~1:model.prep -> HEAD:model.prep: 1 deliverable changed; 1 group added, 1 renamed, 1 changed"
    assert lines[1:7] == EXPECTED_LINES
    # a group change alone is a change for --exit-code too
    (repo / "model.prep").write_text(OLD.replace("[colour: blue]", "[colour: green]"), encoding="utf-8")
    _git(repo, "commit", "-qam", "the first version, recoloured")
    r = prep_run("diff", "--exit-code", "HEAD~2..HEAD", "--", "model.prep", cwd=repo)
    assert r.returncode == 1 and r.stdout.decode("utf-8").splitlines()[:2] == [
        "HEAD~2:model.prep -> HEAD:model.prep: 1 group changed", "  ~ group 営業: colour blue -> green"]
    assert prep_run("diff", "--exit-code", "HEAD..HEAD", "--", "model.prep", cwd=repo).returncode == 0


def test_json_output_names_group_changes_and_validates(prep_run, repo):
    import jsonschema

    r = prep_run("diff", "--format", "json", "HEAD~1..HEAD", "--", "model.prep", cwd=repo)
    data = json.loads(r.stdout)
    schema = json.loads((ROOT / "docs" / "schemas" / "prep-diff.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert data["changed"] is True
    assert data["groups"] == {
        "added": [{"name": "本社", "label": "HQ", "parent": None, "colour": "red", "stage": None, "note": None}],
        "removed": [],
        "renamed": [{"old": "開発", "new": "開発部"}],
        "changed": [{"name": "営業", "changes": [{"field": "label", "old": "Sales", "new": "Sales team"},
                                                {"field": "parent", "old": None, "new": "本社"},
                                                {"field": "colour", "old": "blue", "new": "green"}]}]}
    assert {k: v for k, v in data["counts"].items() if k.startswith("groups")} == {
        "groups added": 1, "groups removed": 0, "groups renamed": 1, "groups changed": 1}
    # a removed group is written as it was
    r = prep_run("diff", "--format", "json", "HEAD..HEAD~1", "--", "model.prep", cwd=repo)
    removed = json.loads(r.stdout)["groups"]["removed"]
    assert removed == [{"name": "本社", "label": "HQ", "parent": None, "colour": "red", "stage": None,
                        "note": None}]


def test_markdown_lists_group_changes(cli, repo, monkeypatch):
    monkeypatch.chdir(repo)
    md = cli("diff", "--format", "markdown", "HEAD~1..HEAD", "--", "model.prep").output
    assert "1 deliverable changed; 1 group added, 1 renamed, 1 changed (against `HEAD~1:model.prep`)" in md
    assert "| > | renamed | group 開発 renamed to 開発部 (same members) |" in md
    assert "| ~ | changed | group 営業: parent (none) -> 本社 |" in md
    assert "| + | added | group 本社 (label: HQ, colour: red) |" in md


def test_the_python_api_review_carries_group_changes():
    review = prep.diff(prep.loads(OLD, "old.prep"), prep.loads(NEW, "new.prep"))
    assert review.changes.renamed_groups == (("開発", "開発部"),)
    assert [(g.name, g.status) for g in review.changes.groups] == [("本社", "added"), ("営業", "changed")]
    from prep.linter.review import as_dict, format_text

    assert as_dict(review)["groups"]["renamed"] == [{"old": "開発", "new": "開発部"}]
    assert format_text(review).splitlines()[1:7] == EXPECTED_LINES


# --------------------------------------------------------------- workspaces


GROUPED = 'group 営業 "Sales" [colour: blue] {\n  deliverable 提案書 [external]\n}\n'


def test_moving_a_group_between_files_is_no_change_but_recolouring_it_is(repo_ws, cli):
    from workspace_files import DELIVERY

    write, commit = repo_ws
    # the group, with what it holds, from sales.prep to delivery.prep
    write("sales.prep", "deliverable 受注\n提案書, 価格表 -> 受注\n")
    write("delivery.prep", DELIVERY + GROUPED)
    commit()
    r = cli("diff", "--exit-code", "HEAD~1..HEAD", "--", "main.prep")
    assert r.exit_code == 0 and "no semantic change" in r.output, r.output
    write("delivery.prep", DELIVERY + GROUPED.replace("blue", "green"))
    commit()
    r = cli("diff", "--exit-code", "HEAD~1..HEAD", "--", "main.prep")
    assert r.exit_code == 1 and "  ~ group 営業: colour blue -> green" in r.output, r.output


@pytest.fixture
def repo_ws(split):
    root = split.root
    split("sales.prep", GROUPED + "deliverable 受注\n提案書, 価格表 -> 受注\n")
    for args in (("init", "-q"), ("config", "user.email", "t@example.invalid"), ("config", "user.name", "t"),
                 ("add", "."), ("commit", "-qm", "one")):
        _git(root, *args)

    def commit():
        _git(root, "add", "-A")
        _git(root, "commit", "-qm", "next")

    return split, commit


# ------------------------------------------------------------------ picture

SVG = "{http://www.w3.org/2000/svg}"
BEFORE = """\
group 営業 "Sales" [colour: blue] {
  deliverable 見積書
  deliverable 旧資料
}
group 旧部 "Old" {
  deliverable 廃止書
}
group 開発 {
  deliverable 仕様書
}
見積書, 仕様書 -> 契約書
廃止書, 旧資料 -> 契約書
"""
# 営業 relabelled and recoloured, 旧部 gone with its deliverable, 開発 renamed, 法務 new
AFTER = """\
group 営業 "Sales team" [colour: green] {
  deliverable 見積書
}
group 開発部 {
  deliverable 仕様書
}
group 法務 "Legal" {
  deliverable 契約書
}
見積書, 仕様書 -> 契約書
"""


def _frames(svg: Path) -> dict[str, tuple[str, list]]:
    """Each group frame's label -> (its classes, its label's <text> elements)."""
    out = {}
    for g in ET.parse(svg).getroot().iter(f"{SVG}g"):
        classes = g.get("class") or ""
        if "prep-group" in classes:
            texts = list(g.iter(f"{SVG}text"))
            out["".join(t.text or "" for t in texts)] = (classes, texts)
    return out


@pytest.fixture
def versions(tmp_path):
    (tmp_path / "before.prep").write_text(BEFORE, encoding="utf-8")
    (tmp_path / "after.prep").write_text(AFTER, encoding="utf-8")
    return tmp_path


def test_the_diff_picture_marks_group_frames(cli, versions):
    out = versions / "d.svg"
    r = cli("render", "--diff", str(versions / "before.prep"), str(versions / "after.prep"), "-o", str(out))
    assert r.exit_code == 0, r.output
    frames = _frames(out)
    assert set(frames) == {"~ Sales team", "~ 開発 → 開発部", "+ Legal", "Old"}
    assert frames["~ Sales team"][0].endswith("prep-diff-changed")
    assert frames["~ 開発 → 開発部"][0].endswith("prep-diff-renamed")
    assert frames["+ Legal"][0].endswith("prep-diff-added")
    classes, texts = frames["Old"]
    assert classes.endswith("prep-diff-removed") and texts[0].get("text-decoration") == "line-through"
    dot = cli("render", "--diff", "-f", "dot", "-o", "-", str(versions / "before.prep"),
              str(versions / "after.prep")).output
    removed = next(line for line in dot.splitlines() if "prep-diff-removed" in line and "prep-group" in line)
    assert "dotted" in removed and 'label=<<S>Old</S>>' in removed
    assert re.search(r'label="\+ Legal".*penwidth=2\.8', dot)
    # a group renamed under the same label: the picture shows no name, so "~ " alone
    from prep.renderer.diff import union

    kept = union(d(BEFORE, BEFORE.replace("group 営業 ", "group 営業部 ")))
    assert (kept.model.groups["営業部"].label, kept.group_status) == ("~ Sales", {"営業部": "renamed"})
    assert "営業" not in kept.model.groups


def test_as_is_and_to_be_halves_mark_their_groups(cli, versions):
    out = versions / "sbs.svg"
    r = cli("render", "--diff", "--side-by-side", str(versions / "before.prep"), str(versions / "after.prep"),
            "-o", str(out))
    assert r.exit_code == 0, r.output
    frames = _frames(out)
    # the As-Is half: the groups as they were; the To-Be half: as they are
    assert {k: v[0].rsplit(" ", 1)[-1] for k, v in frames.items() if k not in ("As-Is", "To-Be")} == {
        "~ Sales": "prep-diff-changed", "~ 開発": "prep-diff-changed", "Old": "prep-diff-removed",
        "~ Sales team": "prep-diff-changed", "~ 開発 → 開発部": "prep-diff-renamed", "+ Legal": "prep-diff-added"}
    assert frames["Old"][1][0].get("text-decoration") == "line-through"


def test_the_diff_deck_and_pages_mark_groups(cli, versions):
    from pptx import Presentation
    from pptx.enum.dml import MSO_LINE_DASH_STYLE

    out = versions / "d.pptx"
    r = cli("render", "--diff", str(versions / "before.prep"), str(versions / "after.prep"), "-o", str(out))
    assert r.exit_code == 0, r.output
    frames = {s.name: s for s in Presentation(out).slides[0].shapes if s.name.startswith("group: ")}
    assert set(frames) == {"group: ~ Sales team", "group: ~ 開発 → 開発部", "group: + Legal", "group: Old"}
    old = frames["group: Old"]
    assert old.line.dash_style == MSO_LINE_DASH_STYLE.ROUND_DOT
    assert old.text_frame.paragraphs[0].runs[0]._r.rPr.get("strike") == "sngStrike"
    assert frames["group: + Legal"].line.width > frames["group: ~ Sales team"].line.width > old.line.width
    # made for a page: the same marks
    r = cli("render", "--diff", "--page", "A5", "-f", "dot", "-o", str(versions / "p.dot"),
            str(versions / "before.prep"), str(versions / "after.prep"))
    assert r.exit_code == 0, r.output
    dots = "".join(p.read_text(encoding="utf-8") for p in versions.glob("p*.dot"))
    assert "prep-diff-added" in dots and 'label="+ Legal"' in dots and "label=<<S>Old</S>>" in dots
