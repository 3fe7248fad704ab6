"""prep diff (issue 12): the semantic diff of two versions of a model, the
lint delta, the outputs, git revisions, the diff picture and
`prep lint --new-only --base`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import prep
from prep.language.diff import diff_models

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"

OLD = """\
title "見積"
group 営業 {
  deliverable 契約書 [external]
  knowhow 見積ノウハウ [owner: [田中, 鈴木]]
}
deliverable 見積書 "見積書 (v1)" [note: "初版"]
契約書, 要件, 見積ノウハウ -> 見積書
見積書 <~> 承認
旧担当メモ -> 見積書
"""


def d(old: str, new: str):
    return diff_models(prep.loads(old, "old.prep"), prep.loads(new, "new.prep"))


# ----------------------------------------------------------------- the diff


def test_reformatting_and_reordering_are_no_change():
    new = """title "見積"
見積書 <~> 承認   # written the other way round below? no: the same pair, the same kind
旧担当メモ->見積書
deliverable 見積書 "見積書 (v1)" [note: "初版"]
group 営業 {
      knowhow 見積ノウハウ [owner: [鈴木, 田中]]
      deliverable 契約書 [external]
}
見積ノウハウ, 要件, 契約書 -> 見積書
"""
    change = d(OLD, new)
    assert change.empty and change.summary() == "no semantic change"
    flipped = OLD.replace("見積書 <~> 承認", "承認 <~> 見積書")  # a mutual relation has no direction
    assert d(OLD, flipped).empty


@pytest.mark.parametrize("edit, field, old, new", [
    (("deliverable 見積書 \"見積書 (v1)\"", "knowhow 見積書 \"見積書 (v1)\""), "kind", "deliverable", "knowhow"),
    (("\"見積書 (v1)\"", "\"見積書 (v2)\""), "label", "見積書 (v1)", "見積書 (v2)"),
    (("[owner: [田中, 鈴木]]", "[owner: 田中]"), "owners", ["田中", "鈴木"], ["田中"]),
    (("契約書 [external]", "契約書"), "external", True, False),
    (("[note: \"初版\"]", "[note: \"初版\", final]"), "final", False, True),
    (("[note: \"初版\"]", "[note: \"初版\", stage: 導入]"), "stage", None, "導入"),
    (("[note: \"初版\"]", "[note: \"改訂\"]"), "note", "初版", "改訂"),
])
def test_every_attribute_change(edit, field, old, new):
    change = d(OLD, OLD.replace(*edit))
    (ch,) = change.changed
    assert [(f.field, f.old, f.new) for f in ch.changes] == [(field, old, new)]
    assert not change.relations and not change.added and not change.removed


def test_group_change():
    moved = OLD.replace("  deliverable 契約書 [external]\n", "") + "deliverable 契約書 [external]\n"
    (ch,) = d(OLD, moved).changed
    assert (ch.name, [(f.field, f.old, f.new) for f in ch.changes]) == ("契約書", [("group", "営業", None)])


def test_deliverables_and_relations_added_removed_and_changed_kind():
    new = OLD.replace("見積書 <~> 承認", "見積書 ~> 承認").replace("旧担当メモ -> 見積書\n", "") \
        + "見積書, 価格表 -> 提案書\n"
    change = d(OLD, new)
    assert change.added == ("価格表", "提案書") and change.removed == ("旧担当メモ",)
    statuses = {(r.source, r.target, r.status) for r in change.relations}
    assert statuses == {("見積書", "承認", "changed"), ("旧担当メモ", "見積書", "removed"),
                        ("見積書", "提案書", "added"), ("価格表", "提案書", "added")}
    kind = next(r for r in change.relations if r.status == "changed")
    assert (kind.old.kind, kind.new.kind) == ("mutual", "sync")
    assert change.summary() == "2 deliverables added, 1 removed; 2 relations added, 1 removed, 1 changed"


def test_a_rename_is_detected_when_the_relations_are_the_same():
    change = d(OLD, OLD.replace("旧担当メモ", "担当メモ"))
    assert change.renamed == (("旧担当メモ", "担当メモ"),)
    assert not change.added and not change.removed and not change.relations
    # two candidates with the same relations: no guess
    two = OLD + "別メモ -> 見積書\n"
    ambiguous = d(two, two.replace("旧担当メモ", "X").replace("別メモ", "Y"))
    assert ambiguous.renamed == () and set(ambiguous.added) == {"X", "Y"}


# --------------------------------------------------------------- lint delta


def test_findings_introduced_and_resolved_match_by_rule_and_subject_not_line():
    old = prep.loads(OLD, "m.prep")
    moved = prep.loads("\n\n\n" + "\n".join(reversed(OLD.strip().splitlines()[7:])) + "\n"
                       + "\n".join(OLD.strip().splitlines()[:7]) + "\n", "m.prep")
    same = prep.diff(old, moved)
    assert same.changes.empty and same.introduced == () and same.resolved == ()
    new = prep.loads(OLD.replace("[owner: [田中, 鈴木]]", "[owner: 田中]").replace("旧担当メモ -> 見積書\n", ""),
                     "m.prep")
    r = prep.diff(old, new)
    assert [(f.code, f.subject) for f in r.introduced] == [("K201", "見積ノウハウ")]
    assert ("I102", "旧担当メモ") in [(f.code, f.subject) for f in r.resolved]
    assert r.fails_on_new("warning") and not r.fails_on_new("error")


def test_renamed_deliverables_keep_their_findings():
    old = prep.loads(OLD, "m.prep")
    r = prep.diff(old, prep.loads(OLD.replace("旧担当メモ", "担当メモ"), "m.prep"))
    assert r.introduced == () and r.resolved == ()


# ------------------------------------------------------------------ outputs


@pytest.fixture
def pair(tmp_path):
    (tmp_path / "old.prep").write_text(OLD, encoding="utf-8")
    new = OLD.replace("[owner: [田中, 鈴木]]", "[owner: 田中]").replace("見積書 <~> 承認", "見積書 ~> 承認") \
        + "見積書, 価格表 -> 提案書 | \n".replace(" | ", "") + 'deliverable "<script>alert(1)</script>" [final]\n' \
        + '提案書, 価格表 -> "<script>alert(1)</script>"\n'
    (tmp_path / "new.prep").write_text(new, encoding="utf-8")
    return tmp_path


def test_text_output_and_exit_codes(cli, pair):
    result = cli("diff", str(pair / "old.prep"), str(pair / "new.prep"))
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.endswith("3 deliverables added, 1 changed; 4 relations added, 1 changed")
    assert "  ~ 見積ノウハウ: owners [田中, 鈴木] -> [田中]" in result.output
    assert "  ~ 見積書 <~> 承認  ->  見積書 ~> 承認" in result.output
    assert "K201 warning" in result.output and "\x1b[" not in result.output  # no colour off a terminal
    assert cli("diff", str(pair / "old.prep"), str(pair / "new.prep"), "--exit-code").exit_code == 1
    assert cli("diff", str(pair / "old.prep"), str(pair / "old.prep"), "--exit-code").exit_code == 0
    assert cli("diff", str(pair / "old.prep"), str(pair / "new.prep"), "--fail-on-new", "warning").exit_code == 1
    assert cli("diff", str(pair / "old.prep"), str(pair / "new.prep"), "--fail-on-new", "error").exit_code == 0
    coloured = cli("diff", str(pair / "old.prep"), str(pair / "new.prep"), "--color")
    assert "\x1b[32m" in coloured.output


def test_json_output_validates_against_its_schema(cli, pair):
    import jsonschema

    result = cli("diff", str(pair / "old.prep"), str(pair / "new.prep"), "--format", "json")
    data = json.loads(result.output)
    schema = json.loads((ROOT / "docs" / "schemas" / "prep-diff.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert data["changed"] is True and data["counts"]["deliverables added"] == 3
    assert [c["field"] for c in data["deliverables"]["changed"][0]["changes"]] == ["owners"]
    again = cli("diff", str(pair / "old.prep"), str(pair / "new.prep"), "--format", "json")
    assert again.output == result.output  # stable order


def test_markdown_output_reads_back_as_tables(cli, pair):
    import markdown

    result = cli("diff", str(pair / "old.prep"), str(pair / "new.prep"), "--format", "markdown")
    html = markdown.markdown(result.output, extensions=["tables"])
    root = ET.fromstring(f"<root>{html}</root>")
    tables = root.findall("table")
    assert len(tables) >= 3  # changes, findings introduced, fragility ranking
    rows = [[(td.text or "") for td in tr.findall("td")] for tr in tables[0].iter("tr")][1:]
    assert ["+", "added", "deliverable 価格表"] in rows
    assert "<script>" not in html  # model text stays text in a PR comment
    assert "&lt;script&gt;" in html
    assert result.output.splitlines()[0].startswith("### prep diff")


def test_long_lists_fold_into_details(tmp_path, cli):
    (tmp_path / "a.prep").write_text("a -> b\n", encoding="utf-8")
    (tmp_path / "b.prep").write_text("a -> b\n" + "".join(f"x{i}, y{i} -> z{i}\n" for i in range(8)), encoding="utf-8")
    out = cli("diff", str(tmp_path / "a.prep"), str(tmp_path / "b.prep"), "--format", "markdown").output
    assert "<details><summary>Changes (" in out


def test_github_annotations_for_the_new_findings_only(cli, pair):
    result = cli("diff", str(pair / "old.prep"), str(pair / "new.prep"), "--format", "github")
    lines = result.output.strip().splitlines()
    assert lines and all(line.startswith(("::warning ", "::notice ", "::error ")) for line in lines)
    assert any("K201" in line for line in lines)
    assert all("file=new.prep" in line or "new.prep" in line for line in lines)


def test_bad_input_names_the_side(prep_run, pair):
    (pair / "broken.prep").write_text("a -> -> b\n", encoding="utf-8")
    result = prep_run("diff", "old.prep", "broken.prep", cwd=pair)
    assert result.returncode == 2
    err = result.stderr.decode("utf-8")
    assert err.startswith("broken.prep:1:") and "Traceback" not in err
    missing = prep_run("diff", "old.prep", "nowhere.prep", cwd=pair)
    assert missing.returncode == 2 and "nowhere.prep" in missing.stderr.decode("utf-8")
    usage = prep_run("diff", "a", "b", "c", cwd=pair)
    assert usage.returncode == 2


# ---------------------------------------------------------------- revisions


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "config", "user.email", "t@example.invalid")
    _git(tmp_path, "config", "user.name", "t")
    (tmp_path / "model.prep").write_text(OLD, encoding="utf-8")
    (tmp_path / "gone.prep").write_text("a, b -> c\n", encoding="utf-8")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "one")
    _git(tmp_path, "branch", "base")
    (tmp_path / "model.prep").write_text(OLD + "見積書, 価格表 -> 提案書\n", encoding="utf-8")
    (tmp_path / "gone.prep").unlink()
    (tmp_path / "added.prep").write_text("x, y -> z\n", encoding="utf-8")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "two")
    (tmp_path / "model.prep").write_text(OLD + "見積書, 価格表 -> 提案書\n見積書 -> 控え\n", encoding="utf-8")
    return tmp_path


def test_revisions(prep_run, repo):
    r = prep_run("diff", "base..HEAD", "--", "model.prep", cwd=repo)
    out = r.stdout.decode("utf-8")
    assert r.returncode == 0 and out.startswith("base:model.prep -> HEAD:model.prep: 2 deliverables added")
    against_disk = prep_run("diff", "HEAD", "model.prep", cwd=repo).stdout.decode("utf-8")
    assert against_disk.startswith("HEAD:model.prep -> model.prep: 1 deliverable added")
    deleted = prep_run("diff", "base..HEAD", "--", "gone.prep", cwd=repo).stdout.decode("utf-8")
    assert "3 deliverables removed" in deleted
    added = prep_run("diff", "base..HEAD", "--", "added.prep", cwd=repo).stdout.decode("utf-8")
    assert "3 deliverables added" in added
    both = prep_run("diff", "base", "HEAD", "--", "model.prep", "added.prep", cwd=repo)
    assert both.returncode == 0 and both.stdout.decode("utf-8").count(" -> HEAD:") == 2


def test_bad_revisions_and_no_repository(prep_run, repo, tmp_path_factory):
    bad = prep_run("diff", "nosuch..HEAD", "--", "model.prep", cwd=repo)
    err = bad.stderr.decode("utf-8")
    assert bad.returncode == 2 and "unknown revision 'nosuch'" in err and "hint:" in err
    # the revision is no place in the model: the command line is shown, the caret under it
    assert "\n  prep diff nosuch..HEAD -- model.prep\n            ^^^^^^\n" in err, err
    r = prep_run("diff", "HEAD...設計", "--", "model.prep", cwd=repo)
    assert "\n  prep diff 'HEAD...設計' -- model.prep\n                    ^^^^\n" in r.stderr.decode(), r.stderr
    # lint --new-only with a bad --base: the caret, and the annotation in the format asked for
    r = prep_run("lint", "--new-only", "--base=nosuch", "--format", "github", "model.prep", cwd=repo)
    err = r.stderr.decode("utf-8")
    assert r.returncode == 2 and "  prep lint --new-only --base=nosuch --format github model.prep\n" in err, err
    assert err.split("\n")[2] == " " * 30 + "^^^^^^", err
    assert r.stdout.decode().startswith("::error file=model.prep,line=1,") and "unknown revision 'nosuch'" in \
        r.stdout.decode()
    # '..' (the folder above, on disk) as a range with no ends: said so, not "is a folder"
    r = prep_run("diff", "..", "--", "model.prep", cwd=repo)
    assert r.returncode == 2 and "'..' names no revisions" in r.stderr.decode(), r.stderr
    outside = tmp_path_factory.mktemp("plain")
    (outside / "m.prep").write_text("a -> b\n", encoding="utf-8")
    r = prep_run("diff", "HEAD", "m.prep", cwd=outside)
    assert r.returncode == 2 and "not inside a git repository" in r.stderr.decode("utf-8")
    # run inside a repository, a model outside it: said so, not "run prep diff inside the repository"
    r = prep_run("diff", "HEAD", "--", str(outside / "m.prep"), cwd=repo)
    err = r.stderr.decode("utf-8")
    assert r.returncode == 2 and "is outside the git repository" in err and "run prep diff inside" not in err, err
    # a parse error at a revision names the revision
    (repo / "model.prep").write_text("a -> -> b\n", encoding="utf-8")
    _git(repo, "commit", "-qam", "broken")
    broken = prep_run("diff", "HEAD~1..HEAD", "--", "model.prep", cwd=repo)
    assert broken.returncode == 2 and broken.stderr.decode("utf-8").startswith("HEAD:model.prep:1:")


def test_lint_new_only_against_a_base(prep_run, repo):
    everything = prep_run("lint", "model.prep", "--format", "json", cwd=repo)
    new_only = prep_run("lint", "model.prep", "--new-only", "--base", "base", "--format", "json", cwd=repo)
    all_findings = json.loads(everything.stdout)
    fresh = json.loads(new_only.stdout)
    assert 0 < len(fresh) < len(all_findings)
    assert {f["subject"] for f in fresh} <= {"見積書", "価格表", "提案書", "控え"}
    usage = prep_run("lint", "model.prep", "--new-only", cwd=repo)
    assert usage.returncode == 2 and "--base" in usage.stderr.decode("utf-8")


def test_a_base_that_cannot_be_read_makes_everything_new(prep_run, repo):
    """A pull request that mends a model broken at its base can pass: the
    base has nothing to compare with, so the new side is compared with an
    empty model (everything added, every finding new), said on stderr and
    in the summary; before, both commands exited 2 on every such change."""
    (repo / "model.prep").write_text("a -> -> b\n", encoding="utf-8")
    _git(repo, "commit", "-qam", "broken")
    _git(repo, "branch", "broken")
    (repo / "model.prep").write_text("deliverable a [external]\ndeliverable k\na, k -> b\ndeliverable b [final]\n",
                                     encoding="utf-8")
    _git(repo, "commit", "-qam", "mended")
    r = prep_run("diff", "broken..HEAD", "--", "model.prep", cwd=repo)
    err = r.stderr.decode("utf-8")
    assert r.returncode == 0 and "3 deliverables added" in r.stdout.decode("utf-8"), err
    assert "the base cannot be read (broken:model.prep:1:" in err and "everything counts as added" in err, err
    md = prep_run("diff", "--format", "markdown", "broken..HEAD", "--", "model.prep", cwd=repo).stdout.decode()
    assert "> **Note:** the base cannot be read" in md and "3 deliverables added" in md, md
    data = json.loads(prep_run("diff", "--format", "json", "broken..HEAD", "--", "model.prep", cwd=repo).stdout)
    assert data["base_unreadable"].startswith("the base cannot be read") and data["changed"] is True
    # the I102 of k is new: a change that leaves none passes
    assert prep_run("diff", "--fail-on-new", "warning", "broken", "HEAD", "--", "model.prep",
                    cwd=repo).returncode == 1
    assert prep_run("diff", "--fail-on-new", "never", "broken", "HEAD", "--", "model.prep",
                    cwd=repo).returncode == 0
    lint = prep_run("lint", "--new-only", "--base", "broken", "--format", "json", "model.prep", cwd=repo)
    assert lint.returncode == 1 and {f["code"] for f in json.loads(lint.stdout)} == {"I102"}
    assert "model.prep cannot be read at broken" in lint.stderr.decode("utf-8")
    # a revision that does not exist is still an error, not an empty base
    assert prep_run("lint", "--new-only", "--base", "nosuch", "model.prep", cwd=repo).returncode == 2
    rng = prep_run("lint", "--new-only", "--base", "broken..HEAD", "model.prep", cwd=repo)
    assert rng.returncode == 2 and "--base takes one revision" in rng.stderr.decode("utf-8")


def test_model_errors_lint_reports_are_findings_of_the_change(prep_run, repo):
    """E002, E005 and E006 are findings to `prep lint` (exit 1, and a
    suppression silences them): `prep diff` reads both sides as lint does,
    and reports them as introduced or resolved; it refused the model (exit
    2), so a suppressed one passed lint and failed the review."""
    _git(repo, "checkout", "model.prep")
    text = (repo / "model.prep").read_text(encoding="utf-8")
    (repo / "model.prep").write_text(text + "deliverable 控え [colour: red]\n", encoding="utf-8")
    r = prep_run("diff", "--format", "json", "HEAD", "model.prep", cwd=repo)
    assert r.returncode == 0, r.stderr.decode()
    assert "E005" in {f["code"] for f in json.loads(r.stdout)["findings"]["introduced"]}
    assert prep_run("diff", "--fail-on-new", "error", "HEAD", "model.prep", cwd=repo).returncode == 1
    lint = prep_run("lint", "--new-only", "--base", "HEAD", "--format", "json", "model.prep", cwd=repo)
    assert "E005" in {f["code"] for f in json.loads(lint.stdout)}, lint.stdout
    (repo / "model.prep").write_text(text + "deliverable 控え [colour: red]  # prep: ignore[E005]\n",
                                     encoding="utf-8")
    assert prep_run("diff", "--fail-on-new", "error", "HEAD", "model.prep", cwd=repo).returncode == 0


def test_a_renamed_model_is_compared_with_its_old_name(prep_run, repo):
    _git(repo, "checkout", "model.prep")  # as committed
    _git(repo, "mv", "model.prep", "renamed.prep")
    _git(repo, "commit", "-qam", "renamed")
    r = prep_run("diff", "HEAD~1..HEAD", "--", "renamed.prep", cwd=repo)
    assert r.returncode == 0 and r.stdout.decode().startswith(
        "HEAD~1:model.prep -> HEAD:renamed.prep: no semantic change"), r.stdout.decode() + r.stderr.decode()
    assert "renamed.prep was model.prep at HEAD~1" in r.stderr.decode()
    lint = prep_run("lint", "--new-only", "--base", "HEAD~1", "--format", "json", "renamed.prep", cwd=repo)
    assert json.loads(lint.stdout) == [], lint.stdout


def test_several_comparisons_in_json_validate_against_the_schema(prep_run, repo):
    import jsonschema

    r = prep_run("diff", "--format", "json", "base", "HEAD", "--", "model.prep", "added.prep", cwd=repo)
    data = json.loads(r.stdout)
    assert isinstance(data, list) and len(data) == 2
    schema = json.loads((ROOT / "docs" / "schemas" / "prep-diff.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([data[0]], schema)  # one comparison is an object, not a list of one


# ------------------------------------------------------------------ picture


def test_the_diff_picture_marks_changes_on_the_union_layout(cli, pair):
    from prep.layouter import layout
    from prep.renderer.diff import union

    out = pair / "d.svg"
    assert cli("render", "--diff", str(pair / "old.prep"), str(pair / "new.prep"), "-o", str(out)).exit_code == 0
    root = ET.parse(out).getroot()
    classes = " ".join(g.get("class") or "" for g in root.iter(f"{SVG}g"))
    for mark in ("prep-diff-added", "prep-diff-changed", "prep-diff-same", "prep-legend"):
        assert mark in classes
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "+ 価格表" in texts and "~ 見積ノウハウ" in texts
    # hostile labels stay inert
    assert not list(root.iter(f"{SVG}script")) and "alert(1)" not in (out.read_text(encoding="utf-8")
                                                                        .replace("&lt;script&gt;alert(1)", ""))
    # shared deliverables at the union layout's places
    u = union(diff_models(prep.load(pair / "old.prep"), prep.load(pair / "new.prep")))
    geometry = json.loads(cli("render", "--diff", str(pair / "old.prep"), str(pair / "new.prep"), "--format",
                              "layout", "-o", "-").output)
    expected = layout(u.model, legend=True, diff_legend=True)
    for name in ("見積書", "契約書"):
        assert geometry["nodes"][name]["x"] == round(expected.nodes[name].x, 2)


def test_removed_boxes_are_struck_through(tmp_path, cli):
    (tmp_path / "a.prep").write_text("a, b -> c\n", encoding="utf-8")
    (tmp_path / "b.prep").write_text("a -> c\nd -> c\nd -> e\n", encoding="utf-8")  # b gone, d is new
    out = tmp_path / "d.svg"
    assert cli("render", "--diff", str(tmp_path / "a.prep"), str(tmp_path / "b.prep"), "-o", str(out)).exit_code == 0
    struck = [t.text for t in ET.parse(out).getroot().iter(f"{SVG}text") if t.get("text-decoration") == "line-through"]
    assert "b" in struck and "a" not in struck  # the removed box (and the legend's sample)


def test_as_is_to_be_side_by_side_keeps_places(cli, tmp_path):
    old, new = ROOT / "examples" / "feature-addition-naive.prep", ROOT / "examples" / "feature-addition-honest.prep"
    out = tmp_path / "sbs.layout.json"
    result = cli("render", "--diff", "--side-by-side", str(old), str(new), "-o", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    left = {n[len("As-Is: "):]: b for n, b in data["nodes"].items() if n.startswith("As-Is: ")}
    right = {n[len("To-Be: "):]: b for n, b in data["nodes"].items() if n.startswith("To-Be: ")}
    shared = set(left) & set(right)
    assert shared
    offsets = {(round(right[n]["x"] - left[n]["x"], 1), round(right[n]["y"] - left[n]["y"], 1)) for n in shared}
    (dx, dy), = offsets  # the same place in both halves: one panel to the right, or below
    assert (dx > 0 and dy == 0) or (dx == 0 and dy > 0)
    assert set(data["groups"]) >= {"As-Is", "To-Be"}
    for fmt in ("svg", "png", "pdf", "pptx"):
        r = cli("render", "--diff", "--side-by-side", str(old), str(new), "-o", str(tmp_path / f"s.{fmt}"))
        assert r.exit_code == 0 and (tmp_path / f"s.{fmt}").stat().st_size > 0


def test_side_by_side_needs_diff_and_diff_refuses_what_it_ignores(cli, tmp_path):
    (tmp_path / "a.prep").write_text("a -> b\n", encoding="utf-8")
    (tmp_path / "b.prep").write_text("a -> c\n", encoding="utf-8")
    assert cli("render", "--side-by-side", str(tmp_path / "a.prep")).exit_code == 2
    for option in (["--lint"], ["--focus", "a"], ["--engine", "dot"]):
        r = cli("render", "--diff", str(tmp_path / "a.prep"), str(tmp_path / "b.prep"), *option)
        assert r.exit_code == 2 and "cannot be used with --diff" in r.output


def test_action_yml_runs_lint_and_diff_on_changed_models():
    import yaml

    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    script = "\n".join(step.get("run", "") for step in action["runs"]["steps"])
    assert "prep lint" in script and "prep diff" in script and "GITHUB_STEP_SUMMARY" in script
    assert re.search(r"--format github", script)
    # the language input reaches the summary and the annotations (prep diff/lint --language)
    assert action["inputs"]["language"]["default"] == "en"
    assert 'prep diff --language "${PREP_LANGUAGE:-en}" --format markdown' in script
    assert script.count('prep lint --language "${PREP_LANGUAGE:-en}" --new-only') == 2


def test_a_model_at_neither_revision_is_an_error(prep_run, repo):
    r = prep_run("diff", "base..HEAD", "--", "nothere.prep", cwd=repo)
    assert r.returncode == 2 and "no model 'nothere.prep' at base or HEAD" in r.stderr.decode("utf-8")
    # an option written after -- is a file name there, which neither revision has
    late = prep_run("diff", "base", "HEAD", "--", "model.prep", "--format", "json", cwd=repo)
    assert late.returncode == 2 and "options go before" in late.stderr.decode("utf-8")


def test_github_annotations_point_at_the_file_for_a_revision(prep_run, repo):
    r = prep_run("diff", "--format", "github", "base..HEAD", "--", "model.prep", cwd=repo)
    lines = r.stdout.decode("utf-8").strip().splitlines()
    assert lines and all("file=model.prep," in line for line in lines)


def test_a_removed_hostile_label_stays_text(cli, tmp_path):
    hostile = '<script>alert(1)</script> & <b>x</b>'
    (tmp_path / "a.prep").write_text(f'deliverable "{hostile}"\n"{hostile}", b -> c\n', encoding="utf-8")
    (tmp_path / "b.prep").write_text("b -> c\n", encoding="utf-8")
    out = tmp_path / "d.svg"
    assert cli("render", "--diff", str(tmp_path / "a.prep"), str(tmp_path / "b.prep"), "-o", str(out)).exit_code == 0
    root = ET.parse(out).getroot()
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter(f"{SVG}b"))
    struck = [t.text for t in root.iter(f"{SVG}text") if t.get("text-decoration") == "line-through"]
    assert hostile in struck


def test_many_renames_at_once():
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    text = generate(300)
    model = prep.loads(text)
    produced = [n for n in model.deliverables if model.index.inputs[n]][:100]
    renamed_text = text
    for name in produced:  # every name is unique in a generated model ('…-<n>')
        renamed_text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", name + "改", renamed_text)
    change = diff_models(model, prep.loads(renamed_text))
    assert sorted(change.renamed) == sorted((n, n + "改") for n in produced)
    assert not change.added and not change.removed and not change.relations


# ------------------------------------------------- reading the two sides at once


def test_a_broken_old_side_is_named_first(prep_run, pair):
    """`prep diff` reads the old side in another process while it reads the
    new one; an error still names the side, the old one when both fail."""
    (pair / "broken.prep").write_text("a -> -> b\n", encoding="utf-8")
    (pair / "also-broken.prep").write_text("x => y\n", encoding="utf-8")
    for old, new in (("broken.prep", "old.prep"), ("broken.prep", "also-broken.prep"),
                     ("nowhere.prep", "old.prep")):
        result = prep_run("diff", old, new, cwd=pair)
        err = result.stderr.decode("utf-8")
        assert result.returncode == 2 and err.startswith(f"{old}:1:") and "Traceback" not in err, (old, new, err)
        assert not any(line.startswith(new) for line in err.splitlines()), err  # no error about the new side
    result = prep_run("diff", "old.prep", "also-broken.prep", cwd=pair)
    assert result.returncode == 2 and result.stderr.decode("utf-8").startswith("also-broken.prep:1:")


@pytest.mark.parametrize("fork", [True, False])
def test_reading_the_sides_apart_gives_the_same_review(pair, monkeypatch, fork):
    from prep import _process
    from prep.linter.review import as_dict, format_text, review, review_loading

    if not fork:  # as where there is no os.fork: one side after the other, here
        monkeypatch.setattr(_process, "inside_child", True)
    old, new = prep.load(pair / "old.prep"), prep.load(pair / "new.prep")
    apart = review_loading(lambda: (prep.load(pair / "old.prep"), "old.prep"),
                           lambda: (prep.load(pair / "new.prep"), "new.prep"), select=None)
    together = review(old, new, old_label="old.prep", new_label="new.prep")
    assert as_dict(apart) == as_dict(together)
    assert format_text(apart) == format_text(together)
    assert apart.introduced and apart.hotspots_before and apart.hotspots_after
    assert apart.changes.old == old and apart.changes.new == new


@pytest.mark.parametrize("fork", [True, False])
def test_a_failure_in_the_new_sides_lint_is_raised_and_no_child_is_left(pair, monkeypatch, fork):
    """The new side is linted in a second child while this process compares:
    its error comes back as itself, and both children are gone afterwards."""
    from prep import _process
    from prep.linter import review as review_module
    from prep.linter import review_sides

    if not fork:
        monkeypatch.setattr(_process, "inside_child", True)
    real = review_sides.lint_and_rank

    def failing(model, top, options):
        if str(model.path).endswith("new.prep"):
            raise ValueError("the lint broke")
        return real(model, top, options)

    monkeypatch.setattr(review_sides, "lint_and_rank", failing)
    with pytest.raises(ValueError, match="the lint broke"):
        review_module.review_loading(lambda: (prep.load(pair / "old.prep"), "old.prep"),
                                     lambda: (prep.load(pair / "new.prep"), "new.prep"), select=None)
    with pytest.raises(ChildProcessError):  # every child waited for
        os.waitpid(-1, os.WNOHANG)


def test_without_a_scratch_file_the_sides_are_read_one_after_the_other(pair, monkeypatch):
    """No memfd and no writable temporary folder: the same review, read here."""
    from prep.linter import review as review_module

    def no_file():
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(review_module, "_scratch_file", no_file)
    apart = review_module.review_loading(lambda: (prep.load(pair / "old.prep"), "old.prep"),
                                         lambda: (prep.load(pair / "new.prep"), "new.prep"), select=None)
    together = review_module.review(prep.load(pair / "old.prep"), prep.load(pair / "new.prep"),
                                    old_label="old.prep", new_label="new.prep")
    assert review_module.as_dict(apart) == review_module.as_dict(together) and apart.introduced


def test_a_child_waited_for_is_never_killed_again():
    """`stop()` after `wait()` must not signal the pid: it may be another
    process's by then."""
    from prep import _process

    child = _process.start(lambda: 42, "the answer")
    assert child.wait() == 42
    sent = []
    real_kill = os.kill
    try:
        os.kill = lambda pid, sig: sent.append(pid)
        child.stop()
    finally:
        os.kill = real_kill
    assert sent == []


# ------------------------------------------------------------------ stages

STAGED = """\
stage contract "契約" [exit: 契約書]
stage kickoff "キックオフ" [exit: 計画]
stage adoption "導入" [exit: 定着]
deliverable 契約書 [external]
knowhow 手法 [owner: [A, B]]
契約書, 手法 -> 計画
計画, 手法 -> 定着
"""


def test_stage_changes_added_removed_changed_and_order(cli, tmp_path):
    import jsonschema

    new = (STAGED.replace('stage kickoff "キックオフ" [exit: 計画]', 'stage kickoff "Kickoff" [exit: 計画, note: n]')
           .replace('stage adoption "導入" [exit: 定着]\n', "")
           .replace("stage contract", 'stage renewal "更新" [exit: 定着]\nstage contract'))
    new = new.replace('stage renewal "更新" [exit: 定着]', 'stage renewal "更新" [exit: 定着, after: kickoff]')
    (tmp_path / "old.prep").write_text(STAGED, encoding="utf-8")
    (tmp_path / "new.prep").write_text(new, encoding="utf-8")
    change = prep.diff(prep.load(tmp_path / "old.prep"), prep.load(tmp_path / "new.prep")).changes
    assert [(s.name, s.status) for s in change.stages] == [
        ("kickoff", "changed"), ("renewal", "added"), ("adoption", "removed")]
    assert [(f.field, f.old, f.new) for f in change.stages[0].changes] == [
        ("label", "キックオフ", "Kickoff"), ("note", None, "n")]
    # the stages both have kept their order (renewal is declared first but runs after kickoff)
    assert change.stage_order is None
    result = cli("diff", str(tmp_path / "old.prep"), str(tmp_path / "new.prep"))
    assert "1 stage added, 1 removed, 1 changed" in result.output.splitlines()[0]
    assert "  + stage renewal (exit: 定着)" in result.output
    assert "  - stage adoption (exit: 定着)" in result.output
    assert "  ~ stage kickoff: label キックオフ -> Kickoff" in result.output
    data = json.loads(cli("diff", str(tmp_path / "old.prep"), str(tmp_path / "new.prep"), "--format", "json").output)
    schema = json.loads((ROOT / "docs" / "schemas" / "prep-diff.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert data["stages"]["added"] == [{"name": "renewal", "label": "更新", "exits": ["定着"], "index": 2}]
    assert data["counts"]["stages changed"] == 1


def test_stage_order_and_exit_changes(cli, tmp_path):
    reordered = STAGED.replace('stage contract "契約" [exit: 契約書]\n', "") + 'stage contract "契約" [exit: 契約書]\n'
    change = prep.diff(prep.loads(STAGED), prep.loads(reordered)).changes
    assert change.stage_order == (("contract", "kickoff", "adoption"), ("kickoff", "adoption", "contract"))
    assert not change.empty and change.summary() == "1 stage changed"
    # exits compare as sets; moving a stage block or reformatting is no change
    same = STAGED.replace("[exit: 契約書]", "[exit: [契約書]]")
    assert prep.diff(prep.loads(STAGED), prep.loads(same)).changes.empty
    more = STAGED.replace("[exit: 計画]", "[exit: [計画, 手法]]").replace("knowhow 手法 [owner: [A, B]]",
                                                                   "knowhow 手法 [owner: [A, B], stage: kickoff]")
    ch = prep.diff(prep.loads(STAGED), prep.loads(more)).changes
    assert [(f.field, f.old, f.new) for s in ch.stages for f in s.changes] == [("exits", ["計画"], ["計画", "手法"])]
    (tmp_path / "a.prep").write_text(STAGED, encoding="utf-8")
    (tmp_path / "b.prep").write_text(reordered, encoding="utf-8")
    out = cli("diff", str(tmp_path / "a.prep"), str(tmp_path / "b.prep"), "--exit-code")
    assert out.exit_code == 1 and "  ~ stage order: contract, kickoff, adoption -> kickoff, adoption, contract" in out.output


def test_a_two_line_label_or_note_stays_on_its_change_line(cli, tmp_path):
    """Every example's labels have two lines ("事例\\nCase study"): a label
    changed printed its second line as a line of its own in the change list."""
    (tmp_path / "old.prep").write_text('deliverable 事例 "事例\\nCase study"\na, b -> 事例 [note: "2週間\\n要確認"]\n',
                                       encoding="utf-8")
    (tmp_path / "new.prep").write_text('deliverable 事例 "事例\\nCase studies"\na, b -> 事例 [note: "1週間"]\n',
                                       encoding="utf-8")
    result = cli("diff", str(tmp_path / "old.prep"), str(tmp_path / "new.prep"))
    assert result.exit_code == 0, result.output
    assert '  ~ 事例: label "事例\\nCase study" -> "事例\\nCase studies"\n' in result.output
    assert 'a -> 事例 [note: "2週間\\n要確認"]  ->  a -> 事例 [note: 1週間]' in result.output
    assert all(line.startswith(("  ", "findings:", "fragility")) for line in result.output.splitlines()[1:]), \
        result.output


def test_the_diff_picture_is_titled_with_both_versions(cli, tmp_path):
    """The change from an As-Is to a To-Be model was titled with the To-Be's
    title alone ("受注 (To-Be)"): a reader took the change for the To-Be
    model. When the two titles differ, the picture says "old → new"; one
    title stays as it is."""
    (tmp_path / "a.prep").write_text('title "受注 (As-Is)"\na, b -> c\n', encoding="utf-8")
    (tmp_path / "b.prep").write_text('title "受注 (To-Be)"\na, d -> c\n', encoding="utf-8")
    (tmp_path / "c.prep").write_text('title "受注 (To-Be)"\na, e -> c\n', encoding="utf-8")
    for other, title in (("a.prep", "受注 (As-Is) → 受注 (To-Be)"), ("c.prep", "受注 (To-Be)")):
        out = tmp_path / "d.svg"
        result = cli("render", "--diff", str(tmp_path / other), str(tmp_path / "b.prep"), "-o", str(out))
        assert result.exit_code == 0, result.output
        texts = [t.text or "" for t in ET.parse(out).getroot().iter(f"{SVG}text")]
        assert title in texts, texts


def test_a_changed_relation_s_old_arrow_is_written_where_no_route_runs(cli):
    """"~ was <~>" on a relation whose kind changed was written at its
    route's middle when the picture was drawn, with no room kept for it:
    its own route and the next one ran through the text (the feature-
    addition change in docs/diff.md). It is now the relation's note in the
    layout, placed as notes are, and no route passes through it."""
    from prep.layouter.collisions import problems
    from prep.layouter.geometry import layout_from_dict

    old, new = ROOT / "examples" / "feature-addition-naive.prep", ROOT / "examples" / "feature-addition-honest.prep"
    result = cli("render", "--diff", str(old), str(new), "--format", "layout", "-o", "-")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    changed = [e for e in data["edges"] if (e["source"], e["target"]) == ("追加のサービス", "承認")]
    assert changed and changed[0].get("label"), changed
    assert any(t["text"] == "~ was <~>" for t in data["texts"])
    assert [p for p in problems(layout_from_dict(data)) if p.kind.startswith("route")] == []
    svg = cli("render", "--diff", str(old), str(new), "--format", "svg", "-o", "-").output
    assert svg.count("~ was &lt;~&gt;") == 1, "written once, as the note"
    root = ET.fromstring(svg.encode("utf-8"))
    # the relation is still drawn as changed
    assert any({"edge", "prep-sync", "prep-diff-changed"} <= set((g.get("class") or "").split())
               for g in root.iter(f"{SVG}g"))


def test_the_markdown_writes_arrows_as_they_are_and_no_html():
    """The review's Markdown wrote '->' as '-&gt;' and '<~>' as '&lt;~&gt;'
    (GitHub shows them right; the raw comment, an e-mail notification or a
    terminal did not); only what could open a tag or an entity is escaped,
    and a label in a code span is not escaped at all."""
    from prep.linter.review import _md, _md_code

    assert _md("a -> b, c <~> d") == "a -> b, c <~> d"
    assert _md("<script>x</script> & &amp; | `q`") == "&lt;script>x&lt;/script> & &amp;amp; \\| 'q'"
    assert _md_code("R&D <plan>") == "R&D <plan>"
