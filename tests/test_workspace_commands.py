"""Workspaces and the commands other than lint (issue 20, point 3): `prep
diff` and `prep lint --new-only` at git revisions, render --part and
--by-file, the layout JSON, serve's watch list, report and fmt.

Every case is a real workspace in tmp_path; revisions are real git
repositories, read by the command as CI reads them (no second checkout).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import prep
import prep.language.revisions
from prep.language.diagnostics import PrepError
from workspace_files import DELIVERY, MAIN, SALES, SECRET  # the fixtures ws and split: conftest.py


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True).stdout.decode()


@pytest.fixture
def repo(split):
    """The split workspace committed as a git repository."""
    root = split.root
    git(root, "init", "-q")
    git(root, "config", "user.email", "t@example.invalid")
    git(root, "config", "user.name", "t")
    git(root, "add", ".")
    git(root, "commit", "-qm", "one")
    return split


def commit(repo, message="next"):
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", message)


def move_the_order_to_delivery(repo):
    """受注 declared in delivery.prep instead of sales.prep: the same model."""
    repo("sales.prep", SALES.replace("deliverable 受注\n", ""))
    repo("delivery.prep", DELIVERY + "deliverable 受注\n")


# ------------------------------------------------------------------ diff


def test_moving_a_declaration_between_files_is_no_change(repo, cli, prep_run):
    move_the_order_to_delivery(repo)
    commit(repo)
    r = cli("diff", "--exit-code", "HEAD~1..HEAD", "--", "main.prep")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("HEAD~1:main.prep -> HEAD:main.prep: no semantic change")
    p = prep_run("diff", "--exit-code", "--format", "json", "HEAD~1..HEAD", "--", "main.prep", cwd=repo.root)
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["changed"] is False and data["relations"] == []
    assert not any(data["counts"].values())
    # the diff picture: nothing marked
    r = cli("render", "--diff", "-f", "dot", "-o", "-", "HEAD~1..HEAD", "--", "main.prep")
    assert r.exit_code == 0 and "prep-diff-same" in r.output
    assert not any(m in r.output.split("prep-legend")[0] for m in ("diff-added", "diff-removed", "diff-changed"))
    # each side was read from its own revision, not from the disk
    from prep.language.revisions import load_at

    assert load_at("HEAD~1", "main.prep").deliverables["受注"].span.path == "sales.prep"
    assert load_at("HEAD", "main.prep").deliverables["受注"].span.path == "delivery.prep"


def test_a_change_in_an_included_file_is_seen_at_both_revisions(repo, cli):
    repo("delivery.prep", DELIVERY + "deliverable 請求書\n受注 -> 請求書\n")
    commit(repo)
    r = cli("diff", "--exit-code", "HEAD~1..HEAD", "--", "main.prep")
    assert r.exit_code == 1 and "1 deliverable added" in r.output and "請求書" in r.output
    # only the difference: the included files are followed on both sides
    assert "受注" not in r.output.split("findings:")[0].replace("受注 -> 請求書", "")


def test_revision_against_the_work_tree(repo, cli):
    move_the_order_to_delivery(repo)  # not committed
    r = cli("diff", "--exit-code", "HEAD", "--", "main.prep")
    assert r.exit_code == 0 and r.output.startswith("HEAD:main.prep -> main.prep: no semantic change"), r.output
    repo("sales.prep", SALES + "deliverable 見積書\n見積書 -> 受注\n")
    r = cli("diff", "--exit-code", "HEAD", "--", "main.prep")
    assert r.exit_code == 1 and "見積書" in r.output


def test_a_glob_is_matched_against_the_tree_at_the_revision(repo, cli):
    repo("main.prep", 'title "t"\ninclude "parts/*.prep"\n')
    repo("parts/sales.prep", SALES)
    repo("parts/delivery.prep", DELIVERY)
    os.remove(repo.root / "sales.prep")
    os.remove(repo.root / "delivery.prep")
    commit(repo)
    # on disk only: a new part not committed, and a committed part deleted
    repo("parts/extra.prep", "deliverable 余分\n受注 -> 余分\n")
    os.remove(repo.root / "parts" / "delivery.prep")
    at_head = prep.language.revisions.load_at("HEAD", "main.prep")
    assert set(at_head.files) == {"main.prep", os.path.join("parts", "delivery.prep"),
                                  os.path.join("parts", "sales.prep")}
    assert "余分" not in at_head.deliverables and "導入計画" in at_head.deliverables
    # the split from files beside main.prep into parts/ is no change either
    r = cli("diff", "--exit-code", "HEAD~1..HEAD", "--", "main.prep")
    assert r.exit_code == 0 and "no semantic change" in r.output, r.output
    r = cli("diff", "HEAD", "--", "main.prep")
    assert "余分" in r.output and "導入計画" in r.output


def test_a_resolved_finding_is_located_where_it_was_at_the_base(repo, cli, prep_run):
    """A reviewer must find a resolved finding: in the old side's file, at
    its line there, and said to be at the base revision (the work tree may
    no longer have that line)."""
    repo("delivery.prep", DELIVERY.replace("[owner: [佐藤, 伊藤]]", "[owner: 佐藤]"))  # K201 at 2:9
    commit(repo)
    repo("delivery.prep", "\n\n" + DELIVERY)  # shared again, and the lines moved down
    repo("sales.prep", SALES + "deliverable 孤立\n")  # a new finding: I105 at 4:13
    commit(repo)
    r = cli("diff", "HEAD~1..HEAD", "--", "main.prep")
    assert r.exit_code == 0, r.output
    assert "  new      sales.prep:4:13: I105 " in r.output
    resolved = [line for line in r.output.splitlines() if line.startswith("  resolved")]
    assert resolved == ["  resolved delivery.prep:2:9 (at HEAD~1): K201 warning: knowhow '導入ノウハウ' is held "
                        "by one person only (佐藤) [導入ノウハウ]"]
    md = cli("diff", "--format", "markdown", "HEAD~1..HEAD", "--", "main.prep").output
    assert "| rule | severity | place | finding |" in md and "| I105 | warning | sales.prep:4 |" in md
    assert "| rule | severity | was at | finding |" in md and "| K201 | warning | delivery.prep:2 (at HEAD~1) |" in md
    p = prep_run("diff", "--format", "json", "HEAD~1..HEAD", "--", "main.prep", cwd=repo.root)
    found = json.loads(p.stdout)["findings"]
    assert [(f["code"], f["path"], f["line"], f["column"], f["revision"]) for f in found["resolved"]] == [
        ("K201", "delivery.prep", 2, 9, "HEAD~1")]
    assert [(f["code"], f["path"], f["line"], f["revision"]) for f in found["introduced"]] == [
        ("I105", "sales.prep", 4, "HEAD")]
    # against the work tree: the new side has no revision, the old one has
    repo("sales.prep", SALES)
    r = cli("diff", "--format", "json", "HEAD", "--", "main.prep")
    found = json.loads(r.output)["findings"]
    assert [(f["code"], f["path"], f["line"], f["revision"]) for f in found["resolved"]] == [
        ("I105", "sales.prep", 4, "HEAD")]
    assert "  resolved sales.prep:4:13 (at HEAD): I105 " in cli("diff", "HEAD", "--", "main.prep").output


def test_a_relation_in_the_diff_json_names_the_file_of_its_line(repo, prep_run):
    """In a workspace a line number alone is no place: `line: 2` is in
    sales.prep or in delivery.prep. A relation's record names its file, as
    a finding's does (the old side's where it was, the new side's where it
    is)."""
    repo("sales.prep", SALES + "deliverable 見積書\n提案書 -> 見積書\n")
    repo("delivery.prep", DELIVERY.replace("受注, 導入ノウハウ -> 導入計画", "導入ノウハウ -> 導入計画"))
    commit(repo)
    p = prep_run("diff", "--format", "json", "HEAD~1..HEAD", "--", "main.prep", cwd=repo.root)
    assert p.returncode == 0, p.stderr
    records = {(r["status"], r["source"], r["target"]): r for r in json.loads(p.stdout)["relations"]}
    added = records[("added", "提案書", "見積書")]["new"]
    removed = records[("removed", "受注", "導入計画")]["old"]
    assert (added["path"], added["line"]) == ("sales.prep", 5)
    assert (removed["path"], removed["line"]) == ("delivery.prep", 4)


def test_a_resolved_finding_of_a_single_file_names_its_revision_as_git_does(tmp_path, prep_run):
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@example.invalid")
    git(tmp_path, "config", "user.name", "t")
    (tmp_path / "model.prep").write_text("a, b -> c\ndeliverable 孤立\n", encoding="utf-8")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "one")
    (tmp_path / "model.prep").write_text("a, b -> c\n", encoding="utf-8")
    p = prep_run("diff", "HEAD", "--", "model.prep", cwd=tmp_path)
    assert "  resolved HEAD:model.prep:2:13: I105 " in p.stdout.decode("utf-8"), p.stdout + p.stderr
    (tmp_path / "old.prep").write_text("a, b -> c\ndeliverable 孤立\n", encoding="utf-8")
    p = prep_run("diff", "old.prep", "model.prep", cwd=tmp_path)
    assert "  resolved old.prep:2:13: I105 " in p.stdout.decode("utf-8"), p.stdout + p.stderr


def test_a_part_is_compared_as_its_roots_whole_model(repo, cli, prep_run):
    """The review action passes every changed file: a part compared alone
    showed what other files declare as added, and their loose ends as new
    findings, so a correct pull request failed --fail-on-new."""
    repo("delivery.prep", DELIVERY.replace("受注, 導入ノウハウ", "受注, 提案書, 導入ノウハウ"))  # 提案書: sales.prep's
    repo("sales.prep", SALES + "deliverable 見積書 [external]\n見積書 -> 受注\n")
    commit(repo)
    p = prep_run("diff", "--fail-on-new", "warning", "HEAD~1..HEAD", "--", "delivery.prep", "sales.prep",
                 cwd=repo.root)
    out, err = p.stdout.decode(), p.stderr.decode()
    assert p.returncode == 0, out + err
    assert out.count("HEAD~1:main.prep -> HEAD:main.prep:") == 1, out  # one comparison for both parts
    assert "1 deliverable added; 2 relations added" in out and "+ deliverable 見積書" in out
    assert "+ deliverable 提案書" not in out and "findings: none introduced" in out
    # said once for the workspace, not once a part (the action passes every changed file, twice)
    assert err == ("prep diff: delivery.prep and sales.prep are part of the workspace main.prep: "
                   "comparing the whole model\n")
    # two files given as such are compared as given
    r = cli("diff", "sales.prep", "delivery.prep")
    assert r.exit_code == 0 and r.output.startswith("sales.prep -> delivery.prep:")


def test_a_folder_given_to_diff_is_a_usage_error_naming_the_root(repo, prep_run):
    (repo.root / "process").mkdir()
    for name in ("main.prep", "sales.prep", "delivery.prep"):
        os.rename(repo.root / name, repo.root / "process" / name)
    commit(repo)
    for args in (("HEAD", "--", "process"), ("HEAD~1..HEAD", "--", "process")):
        p = prep_run("diff", *args, cwd=repo.root)
        err = p.stderr.decode()
        assert p.returncode == 2 and err.startswith("process:1:1: error: 'process' is a folder, not a model file"), err
        assert f"-- {os.path.join('process', 'main.prep')}" in err and "quoted" not in err, err
    # the folder you stand in ('.' was "outside the git repository"), and a folder of parts (its
    # hint named a process/teams/model.prep that does not exist): the root that includes them
    (repo.root / "process" / "teams").mkdir()
    os.rename(repo.root / "process" / "sales.prep", repo.root / "process" / "teams" / "sales.prep")
    main = (repo.root / "process" / "main.prep").read_text(encoding="utf-8")
    (repo.root / "process" / "main.prep").write_text(main.replace('"sales.prep"', '"teams/sales.prep"'),
                                                     encoding="utf-8")
    commit(repo)
    for cwd, folder, root in ((repo.root / "process", ".", "main.prep"),
                              (repo.root, os.path.join("process", "teams"), os.path.join("process", "main.prep"))):
        p = prep_run("diff", "HEAD~1..HEAD", "--", folder, cwd=cwd)
        err = p.stderr.decode()
        assert p.returncode == 2 and f"'{folder}' is a folder, not a model file" in err, err
        assert f"prep diff HEAD~1..HEAD -- {root}" in err and "outside" not in err, err
    # a folder at a revision is no model there: the file as it was is compared with nothing
    os.rename(repo.root / "process", repo.root / "elsewhere")
    (repo.root / "process").write_text("a, b -> c\n", encoding="utf-8")
    p = prep_run("diff", "HEAD", "--", "process", cwd=repo.root)
    assert p.returncode == 0 and p.stdout.decode().startswith("HEAD:process -> process: 3 deliverables added"), p.stderr


def test_a_part_shared_by_two_roots_is_checked_and_compared_in_each(ws, cli, prep_run):
    """An As-Is and a To-Be root share common.prep: a change to it is a
    change to both models, and its findings may differ between them."""
    ws("as-is.prep", 'title "As-Is"\ninclude "common.prep"\n計画, 要望 -> 実績\n')
    ws("to-be.prep", 'title "To-Be"\ninclude "common.prep"\n計画, 知見 -> 実績\nknowhow 知見 [owner: [A, B]]\n')
    ws("common.prep", "deliverable 要望 [external]\ndeliverable 計画\ndeliverable 実績 [final]\n要望, 予算 -> 計画\n"
                      "deliverable 予算 [external]\n")
    for args in (("init", "-q"), ("add", "."), ("-c", "user.email=t@x", "-c", "user.name=t", "commit", "-qm", "1")):
        git(ws.root, *args)
    r = cli("lint", "--no-cache", "--format", "json", "common.prep")
    assert r.exit_code == 0 and json.loads(r.output) == [], r.output  # no loose ends in either root
    ws("common.prep", "deliverable 要望 [external]\ndeliverable 計画\ndeliverable 実績 [final]\n要望 -> 計画\n")
    git(ws.root, "-c", "user.email=t@x", "-c", "user.name=t", "commit", "-qam", "2")
    r = cli("lint", "--no-cache", "--format", "json", "common.prep")
    found = json.loads(r.output)
    # I101 in both roots is one finding (the same place and message), printed once
    assert r.exit_code == 1 and [(f["code"], f["path"], f["line"]) for f in found] == [("I101", "common.prep", 2)]
    p = prep_run("diff", "HEAD~1..HEAD", "--", "common.prep", cwd=ws.root)
    out, err = p.stdout.decode(), p.stderr.decode()
    assert p.returncode == 0, err
    assert "HEAD~1:as-is.prep -> HEAD:as-is.prep: 1 deliverable removed" in out
    assert "HEAD~1:to-be.prep -> HEAD:to-be.prep: 1 deliverable removed" in out
    assert "common.prep is part of the workspace as-is.prep and of to-be.prep: comparing the whole models" in err


def test_a_deleted_part_is_compared_as_the_root_that_had_it(repo, prep_run):
    """Two parts merged into one (under a glob, so the root is unchanged):
    the deleted part compared alone said every deliverable was removed."""
    repo("main.prep", 'title "t"\ninclude "parts/*.prep"\n')
    os.makedirs(repo.root / "parts")
    os.rename(repo.root / "sales.prep", repo.root / "parts" / "sales.prep")
    os.rename(repo.root / "delivery.prep", repo.root / "parts" / "delivery.prep")
    commit(repo)
    repo("parts/delivery.prep", DELIVERY + SALES)
    os.remove(repo.root / "parts" / "sales.prep")
    commit(repo)
    deleted = os.path.join("parts", "sales.prep")
    p = prep_run("diff", "--exit-code", "--fail-on-new", "info", "HEAD~1..HEAD", "--", deleted, cwd=repo.root)
    out, err = p.stdout.decode(), p.stderr.decode()
    assert p.returncode == 0, out + err
    assert out.startswith("HEAD~1:main.prep -> HEAD:main.prep: no semantic change"), out
    assert f"{deleted} was part of the workspace main.prep at HEAD~1: comparing the whole model" in err
    # a deleted file that no root had is compared alone, as before
    repo("alone.prep", "a, b -> c\n")
    commit(repo)
    os.remove(repo.root / "alone.prep")
    commit(repo)
    p = prep_run("diff", "HEAD~1..HEAD", "--", "alone.prep", cwd=repo.root)
    assert p.returncode == 0 and p.stdout.decode().startswith("HEAD~1:alone.prep -> HEAD:alone.prep: 3 deliverables "
                                                              "removed"), p.stdout + p.stderr


def test_a_part_read_alone_says_it_is_one(three, prep_run):
    """render, report, export and status of a part read it alone: a name
    another file declares is undeclared there (a knowhow drawn as a
    tangible box); they say so, and how to read the whole model."""
    cases = {("render", "sales.prep", "-o", "s.svg"): "prep render main.prep --part sales.prep",
             ("report", "sales.prep", "-o", "s.md"): "prep report main.prep",
             ("export", "sales.prep", "-o", "s.xlsx"): "prep export main.prep"}
    for args, whole in cases.items():
        p = prep_run(*args, cwd=three.root)
        err = p.stderr.decode()
        assert p.returncode == 0, err
        assert err.startswith(f"prep {args[0]}: note: sales.prep is part of the workspace main.prep: read alone, it "
                              f"lacks what the other files declare (with the whole model: {whole})"), err
    for args in (("render", "main.prep", "-o", "m.svg"), ("render", "main.prep", "--part", "sales.prep", "-o", "m.svg")):
        p = prep_run(*args, cwd=three.root)
        assert p.returncode == 0 and "note:" not in p.stderr.decode(), p.stderr


def test_a_part_in_a_folder_with_no_marker_names_the_root_above_it(tmp_path, prep_run):
    """With no prep.toml, [tool.prep] or .git, a root's folder is its
    workspace: main.prep may include teams/sales.prep, and teams/sales.prep
    read alone says so (it looked for roots in teams/ only, and said
    nothing)."""
    (tmp_path / "teams").mkdir()
    (tmp_path / "main.prep").write_text(MAIN.replace('"sales.prep"', '"teams/sales.prep"'), encoding="utf-8")
    (tmp_path / "delivery.prep").write_text(DELIVERY, encoding="utf-8")
    (tmp_path / "teams" / "sales.prep").write_text(SALES, encoding="utf-8")
    p = prep_run("render", "teams/sales.prep", "-o", "s.svg", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stderr.decode().startswith("prep render: note: teams/sales.prep is part of the workspace main.prep"), p.stderr
    p = prep_run("lint", "teams/sales.prep", cwd=tmp_path)   # checked with the root: no false findings
    assert p.returncode == 0 and b"I102" not in p.stdout, p.stdout


def test_a_model_in_a_folder_with_no_marker_does_not_walk_the_folder(tmp_path, monkeypatch, cli):
    """A model saved in a home folder (no marker: the folder is its
    workspace) is a part only of a root right there or above: render and
    lint no longer walk every folder below it looking for roots (0.6 s a
    command in a home folder of 60,000 folders)."""
    import prep.language.gitignore

    (tmp_path / "model.prep").write_text(SALES, encoding="utf-8")
    below = tmp_path / "projects" / "x"
    below.mkdir(parents=True)
    (below / "main.prep").write_text('include "b.prep"\n', encoding="utf-8")
    (below / "b.prep").write_text("deliverable b\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    def walked(*args, **kwargs):
        raise AssertionError("the folder was walked")

    monkeypatch.setattr(prep.language.gitignore, "walk_models", walked)
    r = cli("render", "model.prep", "--no-embed-fonts", "-o", "m.svg")
    assert r.exit_code == 0 and "note:" not in r.output, r.output
    r = cli("lint", "model.prep")
    assert r.exit_code in (0, 1) and "I102" in r.output, r.output   # linted alone, as before
    # the same folder marked as a workspace (prep.toml) is walked: its roots may be anywhere below
    (tmp_path / "prep.toml").write_text("", encoding="utf-8")
    r = cli("render", "model.prep", "--no-embed-fonts", "-o", "m.svg")
    assert "the folder was walked" in r.output, r.output


def run_action(repo, tmp_path, base: str, fail_on_new: str = "warning", language: str | None = None):
    """action.yml's script, run as GitHub runs it (prep on PATH, BASE and
    the summary file in the environment): (process, stdout, summary)."""
    import yaml

    from conftest import ROOT

    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    script = next(step["run"] for step in action["runs"]["steps"] if step.get("name") == "Review the changed models")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "prep").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m prep "$@"\n', encoding="utf-8")
    (bin_dir / "prep").chmod(0o755)
    summary = tmp_path / "summary.md"
    summary.write_text("", encoding="utf-8")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "BASE": base,
           "FAIL_ON_NEW": fail_on_new, "GITHUB_STEP_SUMMARY": str(summary),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    if language is not None:   # the action's `language` input
        env["PREP_LANGUAGE"] = language
    p = subprocess.run(["bash", "-c", script], cwd=repo.root, env=env, capture_output=True)
    return p, p.stdout.decode(), summary.read_text(encoding="utf-8")


def test_the_review_action_compares_with_where_the_change_branched(repo, tmp_path):
    """A pull request is compared with the merge base, not the base
    branch's tip: what main did since it branched is not the pull
    request's change (a finding main mended showed as one the pull request
    introduced), and a Japanese file name is passed as it is (git quotes
    it unless core.quotePath is off)."""
    git(repo.root, "branch", "-M", "main")
    repo("delivery.prep", DELIVERY.replace("[owner: [佐藤, 伊藤]]", "[owner: 佐藤]"))  # K201 on main
    repo("main.prep", MAIN + 'include "営業2.prep"\n')
    repo("営業2.prep", "deliverable 議事録 [final]\n導入計画, 受注 -> 議事録\n")
    commit(repo)
    git(repo.root, "checkout", "-qb", "pr")
    repo("営業2.prep", "deliverable 議事録 [final]\n導入計画, 受注, 価格表 -> 議事録\n")
    commit(repo)
    git(repo.root, "checkout", "-q", "main")
    repo("delivery.prep", DELIVERY)  # main mends K201 after the branch
    repo("sales.prep", SALES + "deliverable 見積 [final]\n受注, 提案書 -> 見積\n")  # and adds 見積
    commit(repo)
    git(repo.root, "checkout", "-q", "pr")
    p, out, md = run_action(repo, tmp_path, "main")
    assert p.returncode == 0, out + p.stderr.decode() + md
    assert "1 relation added" in md and "removed" not in md and "K201" not in md and "見積" not in md, md
    # the range the action uses, by hand: git's three dots
    r = subprocess.run([sys.executable, "-m", "prep", "diff", "main...pr", "--", "main.prep"], cwd=repo.root,
                       capture_output=True)
    text = r.stdout.decode()
    assert r.returncode == 0 and "1 relation added" in text and "見積" not in text, text + r.stderr.decode()


def test_the_review_action_checks_a_changed_configuration(repo, tmp_path):
    """A pull request that changes only prep.toml is checked: a mistake in
    it fails the job with an annotation at its line; a good one passes
    without annotating the models' old findings."""
    repo("prep.toml", '[lint]\nselct = ["K"]\n')
    commit(repo)
    p, out, md = run_action(repo, tmp_path, "HEAD~1")
    assert p.returncode == 2, out + md
    assert out.startswith("::error file=prep.toml,line=2,") and "prep.toml` changed" in md, out + md
    repo("prep.toml", '[lint]\nignore = ["I105"]\n')
    commit(repo)
    p, out, md = run_action(repo, tmp_path, "HEAD~1")
    assert p.returncode == 0 and out == "" and "No .prep model changed" not in md, out + md


def test_the_review_action_annotates_what_deleting_a_part_breaks(repo, tmp_path):
    """A pull request that only deletes files had nothing to annotate (the
    lint ran on the changed files that exist: none), so the job failed with
    no annotation; the new findings are in the files that used them."""
    repo("main.prep", MAIN + 'include "teams/*.prep"\n')
    repo("teams/pricing.prep", "deliverable 値引き表 [external]\n")
    repo("sales.prep", SALES + "deliverable 見積 [final]\n受注, 値引き表 -> 見積\n")
    commit(repo)
    os.remove(repo.root / "teams" / "pricing.prep")   # the glob still matches: 値引き表 has no source now
    repo("teams/other.prep", "deliverable 予備 [external, final]\n")
    git(repo.root, "rm", "-q", "--cached", "teams/pricing.prep")
    commit(repo)
    p, out, md = run_action(repo, tmp_path, "HEAD~1")
    assert p.returncode == 1, out + p.stderr.decode() + md
    assert "file=sales.prep,line=5," in out and "I102" in out, out   # 値引き表: used, made by nothing
    os.remove(repo.root / "delivery.prep")   # included by name: an error at the include line
    commit(repo)
    p, out, md = run_action(repo, tmp_path, "HEAD~1")
    assert p.returncode == 2, out + md
    assert "::error file=main.prep,line=3," in out and "Not compared" in md, out + md


def test_the_review_action_annotates_a_broken_configuration_once(repo, tmp_path):
    """A pull request that breaks prep.toml and changes a model: the
    configuration's error was annotated twice (its own check, then the
    lint of the changed models)."""
    repo("prep.toml", '[lint]\nselct = ["K"]\n')
    repo("sales.prep", SALES + "deliverable 孤立\n")
    commit(repo)
    p, out, md = run_action(repo, tmp_path, "HEAD~1")
    assert p.returncode == 2, out + md
    assert out.count("::error file=prep.toml,line=2,") == 1, out


def test_the_review_action_follows_a_renamed_model(repo, tmp_path):
    """A model renamed by the pull request is compared with its old name:
    no change, and its old findings are not new."""
    repo("alone.prep", "deliverable a [external]\na -> b\ndeliverable b [final]\n")  # I101 on b
    commit(repo)
    git(repo.root, "mv", "alone.prep", "renamed.prep")
    commit(repo)
    p, out, md = run_action(repo, tmp_path, "HEAD~1")
    assert p.returncode == 0, out + md + p.stderr.decode()
    assert "no semantic change" in md and out == "", out + md


def test_the_review_action_on_a_change_to_two_parts(repo, tmp_path):
    """action.yml's script, run as GitHub runs it (prep on PATH, BASE and
    the summary file in the environment) on a pull request that changes
    two parts of one workspace."""
    repo("delivery.prep", DELIVERY.replace("受注, 導入ノウハウ", "受注, 提案書, 導入ノウハウ"))
    repo("sales.prep", SALES + "deliverable 孤立\n")  # a new finding: I105
    commit(repo)
    p, out, md = run_action(repo, tmp_path, "HEAD~1")
    assert p.returncode == 1, out + p.stderr.decode()  # the new I105, not the parts' loose ends
    assert md.count("### prep diff: `HEAD:main.prep`") == 1, md
    assert "| I105 | warning | sales.prep:4 |" in md and "I102" not in md and "I104" not in md, md
    assert out.startswith("::warning file=sales.prep,line=4,") and out.count("::") == 2, out
    # language: ja, a Japanese team's summary and annotations
    (tmp_path / "ja").mkdir()
    p, out, md = run_action(repo, tmp_path / "ja", "HEAD~1", language="ja")
    assert p.returncode == 1, out + p.stderr.decode()
    assert "**新しい指摘**" in md and "| I105 | warning | sales.prep:4 | 「孤立」はどの関係にも含まれていません" in md, md
    assert out.startswith("::warning file=sales.prep,line=4,") and "「孤立」はどの関係にも含まれていません" in out, out


def test_annotations_are_relative_to_the_repository_that_holds_the_files(repo, tmp_path, prep_run):
    """A CI job that checks the models out into a folder of its own
    (`actions/checkout` with `path: models`) runs prep from outside that
    repository, or from another one (the job's own). GitHub and code
    scanning place a finding by its path in the models' repository, as
    `prep diff --format github` already gave it; `prep lint` gave the path
    from the working folder (`repo/delivery.prep`), or an absolute one."""
    repo("delivery.prep", DELIVERY.replace("[final]", ""))  # I103 at delivery.prep:3
    commit(repo)
    job = tmp_path / "job"  # another repository, beside the models'
    job.mkdir()
    git(job, "init", "-q")
    for cwd, target in ((job, "../repo"), (tmp_path, "repo")):
        p = prep_run("lint", "--no-cache", "--format", "github", f"{target}/main.prep", cwd=cwd)
        assert p.returncode == 1 and p.stdout.startswith(b"::warning file=delivery.prep,line=3,"), p.stdout
        p = prep_run("lint", "--no-cache", "--format", "sarif", target, cwd=cwd)
        location = json.loads(p.stdout)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": "delivery.prep", "uriBaseId": "%SRCROOT%"}
        p = prep_run("lint", "--no-cache", "--new-only", "--base", "HEAD~1", "--format", "github",
                     f"{target}/delivery.prep", cwd=cwd)
        assert p.stdout.startswith(b"::warning file=delivery.prep,line=3,"), p.stdout + p.stderr
    # in the models' repository, from a folder of it, as before
    (repo.root / "sub").mkdir()
    p = prep_run("lint", "--no-cache", "--format", "github", "../main.prep", cwd=repo.root / "sub")
    assert p.stdout.startswith(b"::warning file=delivery.prep,line=3,"), p.stdout


def test_lint_new_only_on_a_workspace(repo, cli, prep_run):
    repo("sales.prep", SALES + "deliverable 孤立\n")  # I105 in an included file
    r = cli("lint", "--no-cache", "--new-only", "--base", "HEAD", "--format", "json", "main.prep")
    assert r.exit_code == 1, r.output
    found = json.loads(r.output)
    assert [(f["code"], f["subject"], f["path"]) for f in found] == [("I105", "孤立", "sales.prep")]
    move_the_order_to_delivery(repo)
    repo("sales.prep", SALES.replace("deliverable 受注\n", ""))
    p = prep_run("lint", "--no-cache", "--new-only", "--base", "HEAD", "main.prep", cwd=repo.root)
    assert p.returncode == 0 and b"no findings" in p.stdout, p.stdout + p.stderr


def test_an_include_error_at_a_revision_is_located_and_names_it(repo, cli, prep_run):
    repo("delivery.prep", DELIVERY + 'include "sale.prep"\n')
    commit(repo)
    git(repo.root, "checkout", "-q", "HEAD~1", "--", "delivery.prep")  # the work tree is fine again
    p = prep_run("diff", "HEAD~1..HEAD", "--", "main.prep", cwd=repo.root)
    err = p.stderr.decode()
    assert p.returncode == 2 and "Traceback" not in err
    assert err.startswith("delivery.prep:5:9: error: no file 'sale.prep'") and "(at HEAD)" in err
    assert "did you mean 'sales.prep'?" in err
    # broken at the base only (the work tree mends it): compared with an empty model, said so
    r = prep_run("diff", "HEAD", "--", "main.prep", cwd=repo.root)
    err = r.stderr.decode()
    assert r.returncode == 0 and "5 deliverables added" in r.stdout.decode(), err
    assert "the base cannot be read (delivery.prep:5:9: no file 'sale.prep'" in err and "(at HEAD)" in err, err


def test_a_model_that_cannot_be_read_is_said_in_the_markdown_and_github_output(repo, prep_run):
    """The review action appends `prep diff --format markdown` to the job
    summary: a pull request that breaks an include left the summary empty
    (the error went to the log only). The summary says why nothing was
    compared, and `--format github` annotates the error, as `prep lint
    --format github` does; the exit status stays 2."""
    repo("delivery.prep", DELIVERY + 'include "sale.prep"\n')
    commit(repo)
    p = prep_run("diff", "--format", "markdown", "HEAD~1..HEAD", "--", "main.prep", cwd=repo.root)
    out, err = p.stdout.decode(), p.stderr.decode()
    assert p.returncode == 2 and err.startswith("delivery.prep:5:9: error: no file 'sale.prep'"), err
    assert out.startswith("### prep diff: `HEAD:main.prep`\n\n**Not compared**: a version of the model cannot be "
                          "read.\n"), out
    assert ("| delivery.prep:5 | no file 'sale.prep' (looked for sale.prep) (at HEAD); "
            "hint: did you mean 'sales.prep'? (or remove this include if the file is gone) |") in out
    p = prep_run("diff", "--format", "github", "HEAD~1..HEAD", "--", "main.prep", cwd=repo.root)
    assert p.returncode == 2 and p.stdout.decode().startswith(
        "::error file=delivery.prep,line=5,endLine=5,col=9,"), p.stdout
    # a single model at a revision: its error is at REV:path, the annotation at the file
    (repo.root / "model.prep").write_text("a, b -> c\n", encoding="utf-8")
    commit(repo)
    (repo.root / "model.prep").write_text("a, b => c\n", encoding="utf-8")
    commit(repo)
    p = prep_run("diff", "--format", "github", "HEAD~1..HEAD", "--", "model.prep", cwd=repo.root)
    assert p.returncode == 2 and p.stdout.decode().startswith("::error file=model.prep,line=1,"), p.stdout
    p = prep_run("diff", "--format", "markdown", "HEAD~1..HEAD", "--", "model.prep", cwd=repo.root)
    assert p.returncode == 2 and "| HEAD:model.prep:1 | '=>' is not an arrow" in p.stdout.decode(), p.stdout


def test_the_markdown_names_a_findings_other_place(repo, prep_run):
    """'written twice' and 'declared before' in a pull request's summary
    say where the other place is, as the text output's notes do: in a
    workspace it is often another file."""
    repo("delivery.prep", DELIVERY + "提案書, 価格表 -> 受注\n")  # sales.prep:3 has it already: E007
    commit(repo)
    p = prep_run("diff", "--format", "markdown", "HEAD~1..HEAD", "--", "main.prep", cwd=repo.root)
    assert ("| E007 | warning | delivery.prep:5 | the relation '提案書' -> '受注' is written twice (受注); "
            "note: sales.prep:3: first written here |") in p.stdout.decode(), p.stdout
    repo("delivery.prep", DELIVERY + "knowhow 提案書\n")  # sales.prep:1 declares it a deliverable: E002
    commit(repo)
    p = prep_run("diff", "--format", "markdown", "HEAD~1..HEAD", "--", "main.prep", cwd=repo.root)
    # a finding the change introduced, as lint reports it (not a model diff refuses)
    assert p.returncode == 0 and ("| E002 | error | delivery.prep:5 | '提案書' is declared twice: as knowhow here but "
                                  "as deliverable before (提案書); note: sales.prep:1: first declared here |"
                                  ) in p.stdout.decode(), p.stdout.decode()


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges on Windows")
def test_a_committed_link_out_of_the_workspace_is_refused(repo, prep_run, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.prep").write_text(f"deliverable {SECRET}\n", encoding="utf-8")
    os.remove(repo.root / "sales.prep")
    os.symlink("../outside/secret.prep", repo.root / "sales.prep")
    commit(repo)
    p = prep_run("diff", "HEAD~1..HEAD", "--", "main.prep", cwd=repo.root)
    out = p.stdout.decode() + p.stderr.decode()
    assert p.returncode == 2 and "'sales.prep' is a symbolic link that leads out" in out
    assert SECRET not in out and "Traceback" not in out
    # the link itself named after -- (as CI names the changed files): said so, and in the job
    # summary (it was "no model 'sales.prep' at HEAD~1 or HEAD", and an empty summary)
    for fmt in ("text", "markdown"):
        p = prep_run("diff", "--format", fmt, "HEAD~1", "HEAD", "--", "sales.prep", cwd=repo.root)
        out, err = p.stdout.decode(), p.stderr.decode()
        assert p.returncode == 2 and "'sales.prep' is a symbolic link that leads out" in err, err
        assert "no model" not in err and SECRET not in out + err and "Traceback" not in err
        if fmt == "markdown":
            assert "**Not compared**" in out and "'sales.prep' is a symbolic link that leads out" in out, out


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges on Windows")
def test_a_committed_link_out_that_a_glob_matches_is_refused_too(repo, prep_run, tmp_path):
    """At a revision a glob left such a link out: `prep diff` said "no
    semantic change", exit 0, where `prep lint` of the work tree refused it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.prep").write_text(f"deliverable {SECRET}\n", encoding="utf-8")
    main = (repo.root / "main.prep").read_text(encoding="utf-8")
    repo("main.prep", main + 'include "teams/*.prep"\n')
    repo("teams/extra.prep", "deliverable 追加\n")
    commit(repo)
    os.symlink("../../outside/secret.prep", repo.root / "teams" / "zz.prep")
    commit(repo)
    for args in (["diff", "HEAD~1..HEAD", "--", "main.prep"], ["lint", "main.prep"]):
        p = prep_run(*args, cwd=repo.root)
        out = p.stdout.decode() + p.stderr.decode()
        assert p.returncode == 2, (args, out)
        assert "main.prep:" in out and "'teams/zz.prep' is a symbolic link that leads out" in out, out
        assert SECRET not in out and "Traceback" not in out


def test_a_file_above_the_roots_folder_is_named_as_the_include_names_it_from_anywhere(tmp_path, prep_run):
    """`include "../shared/common.prep"`: the report's file column said
    shared/common.prep from the repository's top (wrong from process/),
    repo/shared/common.prep one folder up and ../shared/common.prep only
    from process/ itself."""
    (tmp_path / "repo" / "process" / "teams").mkdir(parents=True)
    (tmp_path / "repo" / "shared").mkdir()
    (tmp_path / "repo" / "prep.toml").write_text("", encoding="utf-8")
    (tmp_path / "repo" / "process" / "main.prep").write_text(
        'include "teams/*.prep"\ninclude "../shared/common.prep"\n', encoding="utf-8")
    (tmp_path / "repo" / "process" / "teams" / "sales.prep").write_text("deliverable 受注\n価格表 -> 受注\n",
                                                                        encoding="utf-8")
    (tmp_path / "repo" / "shared" / "common.prep").write_text("deliverable 価格表 [external]\n", encoding="utf-8")
    shown = set()
    for cwd, root in ((tmp_path, "repo/process/main.prep"), (tmp_path / "repo", "process/main.prep"),
                      (tmp_path / "repo" / "process", "main.prep")):
        p = prep_run("report", root, "-o", str(tmp_path / "r.md"), cwd=cwd)
        assert p.returncode == 0, p.stderr
        text = (tmp_path / "r.md").read_text(encoding="utf-8")
        shown.add(tuple(sorted(set(re.findall(r"[\w./]*common\.prep", text)))))
    assert shown == {("../shared/common.prep",)}, shown


def test_a_link_inside_the_tree_is_followed_at_a_revision(repo):
    os.remove(repo.root / "sales.prep")
    repo("teams/sales.prep", SALES)
    os.symlink("teams/sales.prep", repo.root / "sales.prep")
    commit(repo)
    model = prep.language.revisions.load_at("HEAD", "main.prep")
    assert "受注" in model.deliverables


def test_a_single_file_at_a_revision_is_as_before(repo):
    single = prep.language.revisions.load_at("HEAD", "sales.prep")
    assert single.path == "HEAD:sales.prep" and len(single.files) <= 1


# ------------------------------------------------------------------ render


def svg_boxes(path: Path) -> dict[str, tuple[set[str], str, str]]:
    """{deliverable name: (classes, stroke, text)} of a rendered SVG, parsed."""
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    out = {}
    for g in ET.parse(path).getroot().iter(ns + "g"):
        classes = set((g.get("class") or "").split())
        if "node" not in classes:
            continue
        title = g.find(ns + "title").text
        name = title.split("\n")[0].split(" — ")[0]  # the fixtures' names are their labels' first lines
        shape = g.find(ns + "polygon") if g.find(ns + "polygon") is not None else g.find(ns + "path")
        text = "\n".join(t.text or "" for t in g.iter(ns + "text"))
        out[name] = (classes, shape.get("stroke"), text)
    return out


@pytest.fixture
def three(split):
    split("main.prep", MAIN + 'include "success.prep"\n')
    split("success.prep", "deliverable 定着 [final]\n導入計画 -> 定着\n")
    return split


def test_render_of_every_file_of_a_workspace_to_one_output_draws_its_root(three, prep_run):
    """`prep render *.prep -o all.svg` in a workspace's folder was refused
    ("-o/--output takes one input file"): the files are one model, and the
    root that includes the others is drawn, with a note saying so."""
    names = sorted(p.name for p in three.root.glob("*.prep"))
    assert names == ["delivery.prep", "main.prep", "sales.prep", "success.prep"]
    p = prep_run("render", *names, "--no-embed-fonts", "-o", "all.svg", cwd=three.root)
    assert p.returncode == 0, p.stderr.decode()
    assert "main.prep includes the other files given" in p.stderr.decode()
    assert set(svg_boxes(three.root / "all.svg")) >= {"提案書", "受注", "価格表", "導入計画", "定着"}
    # not one model: refused, naming the root to give, and nothing written
    (three.root / "other.prep").write_text("x -> y\n", encoding="utf-8")
    p = prep_run("render", "main.prep", "other.prep", "-o", "two.svg", cwd=three.root)
    err = p.stderr.decode()
    assert p.returncode == 2 and "main.prep includes some of them" in err and "Traceback" not in err
    assert not (three.root / "two.svg").exists()
    # parts without their root: the root is named (it was only "give the file that includes the others")
    p = prep_run("render", "sales.prep", "delivery.prep", "-o", "two.svg", cwd=three.root)
    err = p.stderr.decode()
    assert p.returncode == 2 and ("the files given are parts of the workspace main.prep: give its root, prep render "
                                  "main.prep ... (one part: prep render main.prep --part FILE)") in err, err
    assert not (three.root / "two.svg").exists()
    p = prep_run("render", "other.prep", "y.prep", "-o", "two.svg", cwd=three.root)
    assert p.returncode == 2 and "give the file that includes the others" in p.stderr.decode()


def test_report_and_export_of_every_file_of_a_workspace_take_its_root(three, prep_run):
    """As `prep render *.prep -o x`: `prep report *.prep` and `prep export
    *.prep` took one file ("Got unexpected extra arguments")."""
    import openpyxl

    names = sorted(p.name for p in three.root.glob("*.prep"))
    p = prep_run("report", *names, "-o", "r.html", cwd=three.root)
    assert p.returncode == 0 and "main.prep includes the other files given" in p.stderr.decode()
    assert "定着" in (three.root / "r.html").read_text(encoding="utf-8")
    p = prep_run("export", *names, "-o", "c.xlsx", cwd=three.root)
    assert p.returncode == 0, p.stderr.decode()
    sheet = openpyxl.load_workbook(three.root / "c.xlsx")["Deliverables"]
    assert {"提案書", "受注", "価格表", "導入計画", "定着"} <= {row[0] for row in sheet.iter_rows(values_only=True)}
    p = prep_run("report", "sales.prep", "delivery.prep", "-o", "two.html", cwd=three.root)
    assert p.returncode == 2 and "parts of the workspace main.prep: give its root, prep report main.prep ..." in \
        p.stderr.decode()
    assert not (three.root / "two.html").exists()


def test_render_part_draws_the_file_and_its_neighbours_faint(three, cli):
    r = cli("render", "main.prep", "--part", "delivery.prep", "--no-embed-fonts", "-o", "part.svg")
    assert r.exit_code == 0, r.output
    boxes = svg_boxes(three.root / "part.svg")
    own = {"価格表", "導入ノウハウ", "導入計画"}
    neighbours = {"受注": "sales.prep", "定着": "success.prep"}
    assert set(boxes) == own | set(neighbours)  # 提案書 is two steps away: not drawn
    for name in own:
        classes, stroke, text = boxes[name]
        assert "prep-part-neighbour" not in classes and ".prep)" not in text
    for name, file in neighbours.items():
        classes, stroke, text = boxes[name]
        assert "prep-part-neighbour" in classes and stroke == "#c9c9c9" and f"({file})" in text
    # the relations across the boundary keep their ink
    svg = (three.root / "part.svg").read_text(encoding="utf-8")
    assert svg.count("prep&#45;part&#45;neighbour") == 2


def test_render_part_on_pages_marks_the_neighbours_of_each_page(three, cli):
    import zipfile

    r = cli("render", "main.prep", "--part", "delivery.prep", "--page", "A4", "--no-embed-fonts", "-o", "p.svg")
    assert r.exit_code == 0, r.output
    boxes = svg_boxes(three.root / "p.svg")
    assert {n for n, (classes, _, _) in boxes.items() if "prep-part-neighbour" in classes} == {"受注", "定着"}
    r = cli("render", "main.prep", "--part", "delivery.prep", "-o", "p.pptx")  # a slide: fitted to 16:9
    assert r.exit_code == 0, r.output
    with zipfile.ZipFile(three.root / "p.pptx") as z:
        slide = z.read("ppt/slides/slide1.xml").decode("utf-8")
    assert slide.upper().count("C9C9C9") >= 2 and "(sales.prep)" in slide


def test_render_part_of_a_file_given_from_another_folder(three, cli, prep_run, monkeypatch):
    sub = three.root / "out"
    sub.mkdir()
    monkeypatch.chdir(sub)
    r = cli("render", "../main.prep", "--part", "../sales.prep", "-f", "dot", "-o", "-")
    # the neighbours' files as the root's include lines name them, wherever prep runs
    assert r.exit_code == 0 and "(delivery.prep)" in r.output and "prep-part-neighbour" in r.output
    assert "../delivery.prep" not in r.output


def test_render_part_errors(three, cli, prep_run):
    p = prep_run("render", "main.prep", "--part", "sale.prep", "-o", "x.svg", cwd=three.root)
    err = p.stderr.decode()
    assert p.returncode == 2 and "'sale.prep' is not one of the model's files" in err
    # an option's value: said of --part, not at main.prep:1:1 as if the model were wrong there
    assert "Error: Invalid value for '--part': 'sale.prep' is not one of the model's files; did you mean " \
           "'sales.prep'?" in err and "main.prep:1:1" not in err and "Traceback" not in err
    assert not (three.root / "x.svg").exists()
    r = cli("render", "main.prep", "--part", "nothing-like-it.txt", "-o", "x.svg")
    assert r.exit_code == 2 and "main.prep, sales.prep, delivery.prep, success.prep" in r.output
    r = cli("render", "main.prep", "--part", "main.prep", "-o", "x.svg")
    assert r.exit_code == 2 and "'main.prep' holds no deliverables" in r.output
    assert "sales.prep, delivery.prep, success.prep" in r.output and not (three.root / "x.svg").exists()
    r = cli("render", "main.prep", "--part", "sales.prep", "--flipbook")
    assert r.exit_code == 2 and "--part and --by-file" in r.output
    r = cli("render", "--diff", "main.prep", "main.prep", "--by-file")
    assert r.exit_code == 2 and "--by-file" in r.output


def test_render_by_file_groups_each_file(three, cli):
    r = cli("render", "main.prep", "--by-file", "-f", "layout", "-o", "x.layout.json")
    assert r.exit_code == 0, r.output
    layout = json.loads((three.root / "x.layout.json").read_text(encoding="utf-8"))
    groups = set(layout["groups"])
    assert groups == {"sales.prep", "delivery.prep", "success.prep"}
    r = cli("render", "main.prep", "--by-file", "--no-embed-fonts", "-o", "x.svg")
    svg = (three.root / "x.svg").read_text(encoding="utf-8")
    assert svg.count('class="cluster prep&#45;group"') == 3 and ">delivery.prep<" in svg


def test_render_by_file_keeps_declared_groups(three, cli):
    three("sales.prep", "group 営業 {\n" + SALES + "}\n")
    r = cli("render", "main.prep", "--by-file", "-f", "layout", "-o", "x.layout.json")
    assert r.exit_code == 0 and "declares 1 group(s), drawn as declared" in r.output
    layout = json.loads((three.root / "x.layout.json").read_text(encoding="utf-8"))
    assert set(layout["groups"]) == {"営業"}


def test_render_part_by_file_frames_the_neighbours_by_their_file(three, cli):
    """--part F --by-file was accepted and drew each neighbour in its
    file's frame with the file named again under the box; now the frame
    names it: the part in its file's frame, its neighbours in theirs."""
    r = cli("render", "main.prep", "--part", "sales.prep", "--by-file", "-f", "layout", "-o", "x.layout.json")
    assert r.exit_code == 0, r.output
    layout = json.loads((three.root / "x.layout.json").read_text(encoding="utf-8"))
    assert set(layout["groups"]) == {"sales.prep", "delivery.prep"}
    r = cli("render", "main.prep", "--part", "sales.prep", "--by-file", "-f", "mmd", "-o", "-")
    assert r.exit_code == 0 and "(delivery.prep)" not in r.output, r.output
    frames = {}
    for chunk in r.output.split("subgraph ")[1:]:
        title, body = chunk.split("\n", 1)
        frames[title.split('"')[1]] = {line.split('["')[1].split("<br>")[0].rstrip('"]')
                                       for line in body.split("  end")[0].splitlines() if '["' in line}
    assert frames == {"sales.prep": {"提案書", "受注"}, "delivery.prep": {"価格表", "導入計画"}}
    # without --by-file the neighbours are labelled with their file, as before
    r = cli("render", "main.prep", "--part", "sales.prep", "-f", "mmd", "-o", "-")
    assert r.exit_code == 0 and "(delivery.prep)" in r.output


def test_part_and_by_file_views_through_the_api(three):
    from prep.language.views import by_file, model_file, part

    model = prep.load("main.prep")
    view, neighbours = part(model, model_file(model, "./sales.prep"))
    assert set(view.deliverables) == {"提案書", "受注", "価格表", "導入計画"}
    assert neighbours == {"価格表", "導入計画"}
    assert view.deliverables["価格表"].display == "価格表\n(delivery.prep)"
    # the picture is titled with the part it shows
    assert view.title == "受注から導入まで — sales.prep"
    grouped = by_file(model)
    assert {n: d.group for n, d in grouped.deliverables.items()}["定着"] == "success.prep"
    with pytest.raises(PrepError) as e:
        model_file(model, "delivery")
    assert e.value.diagnostics[0].hint == "did you mean 'delivery.prep'?"


# ------------------------------------------------------------------ layout JSON


def test_the_layout_json_says_each_boxes_file(three, cli, tmp_path):
    r = cli("render", "main.prep", "-o", "x.layout.json")
    assert r.exit_code == 0, r.output
    nodes = json.loads((three.root / "x.layout.json").read_text(encoding="utf-8"))["nodes"]
    assert {n: b["file"] for n, b in nodes.items()} == {
        "提案書": "sales.prep", "受注": "sales.prep", "価格表": "delivery.prep", "導入ノウハウ": "delivery.prep",
        "導入計画": "delivery.prep", "定着": "success.prep"}
    # --stable reads it back and writes the same
    r = cli("render", "main.prep", "--stable", "x.layout.json", "-o", "x.svg")
    assert r.exit_code == 0 and json.loads((three.root / "x.layout.json").read_text(encoding="utf-8"))["nodes"] == nodes
    geometry = prep.layout(prep.load("main.prep"))
    assert geometry.files["定着"] == "success.prep"
    # a single file: no "file" anywhere (its JSON is as before)
    single = tmp_path / "one.prep"
    single.write_text(SALES, encoding="utf-8")
    one = json.loads(prep.render(prep.load(single), "layout"))
    assert not any("file" in b for b in one["nodes"].values()) and prep.layout(prep.load(single)).files == {}


# ------------------------------------------------------------------ serve


def _watching(root: str):
    """Start `prep.serve.watch.changes(root)` in a thread: (queue of
    batches, stop event)."""
    import queue
    import threading
    import time

    from prep.serve.watch import changes

    batches: queue.Queue = queue.Queue()
    stop = threading.Event()

    def run():
        for batch in changes(root, stop):
            batches.put(batch)

    threading.Thread(target=run, daemon=True).start()
    time.sleep(0.8)  # the watch is set up
    return batches, stop


@pytest.fixture
def globbed(ws):
    pytest.importorskip("watchfiles")
    ws("main.prep", 'title "t"\ninclude "sales.prep"\ninclude "teams/*.prep"\n')
    ws("sales.prep", SALES)
    ws("teams/delivery.prep", DELIVERY)
    return ws


def test_serve_watches_every_included_file_and_new_glob_matches(globbed):
    from prep.serve.watch import watch_plan, watched_files

    root = globbed.root
    files = watched_files("main.prep")
    assert {str(root / "sales.prep"), str(root / "teams" / "delivery.prep"), str(root / "main.prep")} <= files
    assert watch_plan("main.prep").takes(str(root / "teams" / "new.prep"))
    assert not watch_plan("main.prep").takes(str(root / "teams" / "notes.txt"))
    batches, stop = _watching("main.prep")
    try:
        globbed("teams/delivery.prep", DELIVERY + "deliverable 請求書\n受注 -> 請求書\n")
        assert str(root / "teams" / "delivery.prep") in batches.get(timeout=20)
        globbed("teams/success.prep", "deliverable 定着\n導入計画 -> 定着\n")  # a new file the glob takes
        assert str(root / "teams" / "success.prep") in batches.get(timeout=20)
        globbed("teams/notes.txt", "not a model\n")  # nor does an unrelated file wake it
        globbed("sales.prep", SALES + "\n")
        assert batches.get(timeout=20) == {str(root / "sales.prep")}
    finally:
        stop.set()


def test_serve_follows_an_include_added_while_it_runs(globbed):
    root = globbed.root
    batches, stop = _watching("main.prep")
    try:
        globbed("later/extra.prep", "deliverable 余分\n")
        globbed("main.prep", 'title "t"\ninclude "sales.prep"\ninclude "teams/*.prep"\ninclude "later/*.prep"\n')
        assert str(root / "main.prep") in batches.get(timeout=20)
        import time

        time.sleep(0.8)  # the watch starts again on the new folder
        globbed("later/extra.prep", "deliverable 余分\ndeliverable 追加\n")
        assert str(root / "later" / "extra.prep") in batches.get(timeout=20)
    finally:
        stop.set()


def test_prep_serve_renders_again_when_a_part_changes_or_joins(globbed):
    import queue
    import re
    import signal
    import threading
    import time

    proc = subprocess.Popen([sys.executable, "-m", "prep", "serve", "main.prep", "--no-open", "--port", "0"],
                            cwd=globbed.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={k: v for k, v in dict(os.environ, PYTHONUNBUFFERED="1").items() if k != "PREP_DEBUG"})
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in iter(proc.stderr.readline, "")], daemon=True).start()
    try:
        line = lines.get(timeout=60)
        assert re.search(r"at http://127\.0\.0\.1:\d+/", line), line
        time.sleep(0.8)
        globbed("teams/delivery.prep", DELIVERY + "deliverable 請求書\n受注 -> 請求書\n")
        assert "updated in" in lines.get(timeout=30)
        globbed("teams/success.prep", "deliverable 定着\n導入計画 -> 定着 ->\n")  # joins, with an error
        line = lines.get(timeout=30)
        assert line.startswith(os.path.join("teams", "success.prep") + ":2:"), line
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    time.sleep(0.2)
    rest = "".join(iter(lambda: lines.get_nowait() if not lines.empty() else "", ""))
    assert proc.returncode == 0 and "Traceback" not in rest and "stopped" in rest


@pytest.mark.parametrize("pattern", ["*.prep", "teams/*.prep", "**/*.prep", "teams/**/*.prep", "t*/[ab]*.prep",
                                     "teams/**", "?.prep", ".*.prep", "teams/*/x.prep",
                                     "teams/[!a].prep", "[^a].prep", "[a-b].prep"])
def test_a_glob_at_a_revision_matches_as_on_disk(repo, pattern):
    from prep.language.revisions import GitFiles
    from prep.language.workspace import DiskFiles

    for name in ("a.prep", ".hidden.prep", "teams/a.prep", "teams/b.prep", "teams/.c.prep", "teams/deep/x.prep",
                 "teams/.secret/x.prep", "teams/notes.txt", "b.prep"):
        repo(name, "deliverable x\n")
    commit(repo)
    assert GitFiles("HEAD", "main.prep").glob("", pattern) == DiskFiles().glob("", pattern)


# ------------------------------------------------------------------ report, export, fmt


def test_export_of_a_workspace_names_each_rows_file(three, cli):
    r = cli("export", "main.prep", "-o", "cat/")
    assert r.exit_code == 0, r.output
    import csv

    def rows(table):
        with open(three.root / "cat" / f"{table}.csv", encoding="utf-8-sig", newline="") as f:
            return list(csv.DictReader(f))

    files = {row["name"]: row["file"] for row in rows("deliverables")}
    assert files["提案書"] == "sales.prep" and files["導入計画"] == "delivery.prep" and files["定着"] == "success.prep"
    assert {row["target"]: row["file"] for row in rows("relations")}["定着"] == "success.prep"
    for row in rows("deliverables"):  # file:line names the same file
        assert row["file:line"].rsplit(":", 1)[0] == row["file"], row


def test_report_of_a_workspace_has_a_file_column(three, cli, tmp_path):
    for ext in ("md", "html", "docx"):
        r = cli("report", "main.prep", "-o", f"r.{ext}")
        assert r.exit_code == 0, r.output
    md = (three.root / "r.md").read_text(encoding="utf-8")
    table = md.split("## Deliverables", 1)[1]
    assert "| deliverable | kind | owners | stage | group | file | inputs | consumers | note |" in table
    assert "| 導入計画 | deliverable (final) |  |  |  | delivery.prep |" in table
    assert "| 定着 |" in table and "success.prep" in table
    html = (three.root / "r.html").read_text(encoding="utf-8")
    assert "<th>group</th><th>file</th>" in html and "<td>success.prep</td>" in html
    import docx

    last = docx.Document(str(three.root / "r.docx")).tables[-1]
    header = [c.text for c in last.rows[0].cells]
    assert "file" in header
    files = {row.cells[0].text.split("\n")[0]: row.cells[header.index("file")].text for row in last.rows[1:]}
    assert files["受注"] == "sales.prep" and files["定着"] == "success.prep"
    # the PDF's tables are the same Table values (report_pdf draws them)
    from prep.embed.report import pdf_tables

    deliverables = next(t for t in pdf_tables(prep.load("main.prep"), None) if t.heading == "Deliverables")
    assert "file" in deliverables.columns
    # a single file: no file column
    single = tmp_path / "one.prep"
    single.write_text(SALES + DELIVERY, encoding="utf-8")
    r = cli("report", str(single), "-o", str(tmp_path / "one.md"))
    assert r.exit_code == 0 and "| group | inputs |" in (tmp_path / "one.md").read_text(encoding="utf-8")
    assert "file" not in next(t for t in pdf_tables(prep.load(single), None) if t.heading == "Deliverables").columns


def test_export_and_report_name_files_as_the_root_does_however_the_root_was_given(three, cli, tmp_path,
                                                                                  monkeypatch):
    """`prep export /home/me/clients/acme/main.prep` wrote the consultant's
    folders into every row of the client's workbook (and five-line cells
    into the report's file column); the file is named as the root's
    `include` lines name it, wherever prep runs and however it was given."""
    import csv

    import docx

    root = str(three.root / "main.prep")
    monkeypatch.chdir(tmp_path)
    assert cli("export", root, "-o", "cat/").exit_code == 0
    with open(tmp_path / "cat" / "deliverables.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["name"]: (r["file"], r["file:line"]) for r in rows}["導入計画"] == ("delivery.prep", "delivery.prep:3")
    with open(tmp_path / "cat" / "findings.csv", encoding="utf-8-sig", newline="") as f:
        places = [r["file:line"] for r in csv.DictReader(f)]
    assert places and not any(str(three.root) in p for p in places), places
    assert cli("report", root, "-o", "r.md").exit_code == 0
    md = (tmp_path / "r.md").read_text(encoding="utf-8").split("## Findings", 1)[1]
    assert str(three.root) not in md and "| delivery.prep |" in md
    assert cli("report", root, "-o", "r.docx").exit_code == 0
    text = "\n".join(c.text for t in docx.Document(str(tmp_path / "r.docx")).tables for row in t.rows
                     for c in row.cells)
    assert str(three.root) not in text and "success.prep" in text


# ------------------------------------------------------------------ lint DIR: shared parts


def test_a_finding_of_a_part_shared_by_two_roots_is_printed_once(ws, cli, prep_run):
    ws("as-is.prep", 'include "common.prep"\n提案書, 価格表 -> 受注\n')
    ws("to-be.prep", 'include "common.prep"\n提案書, 価格表, 顧客課題 -> 受注\n')
    ws("common.prep", "deliverable 提案書 [external]\ndeliverable 価格表 [external]\ndeliverable 受注 [final]\n"
                      "deliverable 顧客課題 [external]\ndeliverable 孤立\n")
    found = json.loads(cli("lint", "--no-cache", "--format", "json").output)
    # 孤立 is isolated in both roots: once; 顧客課題 only in as-is: once
    assert sorted((f["path"], f["line"], f["code"], f["subject"]) for f in found) == [
        ("common.prep", 4, "I105", "顧客課題"), ("common.prep", 5, "I105", "孤立")]
    text = prep_run("lint", "--no-cache", cwd=ws.root)
    out = text.stdout.decode()
    assert text.returncode == 1 and out.count("'孤立'") == 1
    assert out.endswith("Checked 3 files: 2 findings (2 warnings).\n"), out
    sarif = json.loads(cli("lint", "--no-cache", "--format", "sarif").output)
    assert len(sarif["runs"][0]["results"]) == 2
    stats = cli("lint", "--no-cache", "--statistics").output
    assert stats.startswith("2  I105  isolated  [warning]\n"), stats


def test_the_diff_benchmark_workspace_changes_three_parts(tmp_path, cli, monkeypatch):
    """bench/workspace.py at a small size: the two revisions it measures
    differ by exactly the 3 deliverables (and relations) it adds, in the
    workspace and in the one-file model alike."""
    bench = Path(__file__).resolve().parent.parent / "bench"
    monkeypatch.syspath_prepend(str(bench))
    from workspace import commit_two_revisions, write_workspace

    write_workspace(tmp_path, 400, 12, "local")
    commit_two_revisions(tmp_path, 12)
    monkeypatch.chdir(tmp_path)
    for root in ("main.prep", "single.prep"):
        r = cli("diff", "--format", "json", "HEAD~1..HEAD", "--", root)
        counts = json.loads(r.output)["counts"]
        assert counts["deliverables added"] == 3 and counts["relations added"] == 3, (root, counts)
        assert sum(counts.values()) == 6


def test_serve_sees_a_missing_included_file_created(globbed):
    from prep.serve.watch import watch_plan

    root = globbed.root
    globbed("main.prep", 'title "t"\ninclude "sales.prep"\ninclude "teams/*.prep"\ninclude "success.prep"\n')
    assert str(root / "success.prep") in watch_plan("main.prep").files
    batches, stop = _watching("main.prep")
    try:
        globbed("success.prep", "deliverable 定着\n導入計画 -> 定着\n")
        assert str(root / "success.prep") in batches.get(timeout=20)
    finally:
        stop.set()
    assert prep.load("main.prep").deliverables["定着"].span.path == "success.prep"


@pytest.mark.parametrize("include, made", [("shared/common.prep", "shared/common.prep"),
                                           ("shared/more/common.prep", "shared/more/common.prep"),
                                           ("later/*.prep", "later/extra.prep")])
@pytest.mark.parametrize("written", ["before", "while watching"])
def test_serve_sees_an_included_file_made_in_a_new_folder(globbed, include, made, written):
    """An include of a file (or a glob) in a folder that is not there yet:
    the page shows the error until the file is made; making the folder and
    then the file (as a person does: mkdir, then a save in the editor) is
    seen. The folder was not watched (it did not exist) and its creation
    was not a change, so the error stayed on the page after the file came."""
    import time

    root = globbed.root
    main = f'title "t"\ninclude "sales.prep"\ninclude "teams/*.prep"\ninclude "{include}"\n'
    if written == "before":
        globbed("main.prep", main)
    batches, stop = _watching("main.prep")
    try:
        if written == "while watching":  # the include line added while the preview runs
            globbed("main.prep", main)
            assert str(root / "main.prep") in batches.get(timeout=20)
            time.sleep(0.8)
        os.makedirs(root / os.path.dirname(made))
        batches.get(timeout=20)  # the folder: the watch starts again on it
        time.sleep(0.8)
        globbed(made, "deliverable 定着\n導入計画 -> 定着\n")
        while str(root / made) not in (batch := batches.get(timeout=20)):
            pass
        globbed(made, "deliverable 定着 [final]\n導入計画 -> 定着\n")  # and its next save
        assert str(root / made) in batches.get(timeout=20)
    finally:
        stop.set()
    assert prep.load("main.prep").deliverables["定着"].span.path == made


def test_the_workspace_root_at_a_revision_comes_from_that_revision(tmp_path, monkeypatch, cli):
    """A prep.toml committed in models/ bounds the workspace at that
    revision: `..` to a shared folder beside it leads out there, while the
    work tree (no prep.toml) reads it."""
    repo = tmp_path / "r"
    (repo / "models").mkdir(parents=True)
    (repo / "shared").mkdir()
    (repo / "models" / "main.prep").write_text('include "../shared/common.prep"\n価格表 -> 受注\n', encoding="utf-8")
    (repo / "shared" / "common.prep").write_text("deliverable 価格表 [external]\n", encoding="utf-8")
    (repo / "models" / "prep.toml").write_text("", encoding="utf-8")
    for args in (("init", "-q"), ("config", "user.email", "t@example.invalid"), ("config", "user.name", "t"),
                 ("add", "."), ("commit", "-qm", "bounded")):
        git(repo, *args)
    os.remove(repo / "models" / "prep.toml")
    monkeypatch.chdir(repo)
    from prep.language.revisions import load_at

    assert "価格表" in load_at(None, "models/main.prep").deliverables  # the work tree: the repository bounds it
    with pytest.raises(PrepError) as e:
        load_at("HEAD", "models/main.prep")
    assert "leads out of the workspace" in e.value.diagnostics[0].message
    assert e.value.diagnostics[0].message.endswith("(at HEAD)")
    # the base refused (nothing outside read), the work tree read: compared with an empty base, said so
    r = cli("diff", "HEAD", "--", "models/main.prep")
    assert r.exit_code == 0 and "the base cannot be read" in r.output and "leads out of the workspace" in r.output


def test_render_part_draws_neighbours_faint_in_drawio_and_mermaid(cli, tmp_path):
    root = Path(__file__).resolve().parent.parent / "examples" / "workspace"
    args = ("render", str(root / "main.prep"), "--part", str(root / "delivery.prep"))
    r = cli(*args, "-o", str(tmp_path / "p.mmd"))
    assert r.exit_code == 0, r.output
    mmd = (tmp_path / "p.mmd").read_text(encoding="utf-8")
    ids = dict(re.findall(r'^  (n\d+)\["([^<"]+)', mmd, re.M))   # node id -> first line of its label
    (faint,) = re.findall(r"^  class ([\w,]+) neighbour;$", mmd, re.M)
    assert {ids[n] for n in faint.split(",")} == {"受注", "ヘルススコア", "主要機能の定着"}
    assert "classDef neighbour fill:#ffffff,stroke:#c9c9c9" in mmd
    # the relation between two neighbours (both in success.prep) is faint; the ones that cross keep their ink
    links = [line for line in mmd.splitlines() if re.match(r"  n\d+ (-->|-\.->|<-\.->)", line)]
    (quiet,) = re.findall(r"^  linkStyle ([\d,]+) stroke:#c9c9c9", mmd, re.M)
    ends = [(ids[line.split()[0]], ids[line.split()[-1]]) for line in (links[int(k)] for k in quiet.split(","))]
    assert ends == [("ヘルススコア", "主要機能の定着")]
    r = cli(*args, "-o", str(tmp_path / "p.drawio"))
    assert r.exit_code == 0, r.output
    drawio = (tmp_path / "p.drawio").read_text(encoding="utf-8")
    faint_cells = re.findall(r'value="([^&"]+)&#10;[^"]*" style="[^"]*strokeColor=#c9c9c9', drawio)
    assert set(faint_cells) == {"受注", "ヘルススコア", "主要機能の定着"}


@pytest.mark.parametrize("command", [["render", "-o", "x.svg"], ["status", "--data", "v.csv"],
                                     ["export", "-o", "x.xlsx"], ["report", "-o", "x.html"]])
def test_a_workspace_folder_given_as_the_model_names_its_root(tmp_path, prep_run, command):
    """`prep lint DIR` takes a folder; the commands that draw or report one
    model do not, and said 'is a directory' (render) or gave click's
    'Invalid value ... is a directory' (status, export, report). Each now
    says the folder is not a model file, located, and names the workspace
    root in it (the file with the include lines); nothing written."""
    folder = tmp_path / "process"
    folder.mkdir()
    (folder / "a-sales.prep").write_text('deliverable 受注 [external]\n', encoding="utf-8")
    (folder / "main.prep").write_text('include "a-sales.prep"\n受注 -> 導入計画\n', encoding="utf-8")
    (tmp_path / "v.csv").write_text("measure,value\n", encoding="utf-8")
    r = prep_run(command[0], "process", *command[1:], cwd=tmp_path)
    err = r.stderr.decode() if isinstance(r.stderr, bytes) else r.stderr
    assert r.returncode == 2, err
    assert err.startswith("process:1:1: error: is a folder, not a model file"), err
    assert os.path.join("process", "main.prep") in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["process", "v.csv"]


@pytest.mark.parametrize("command", [["render", "-o", "x.svg"], ["status", "--data", "v.csv"],
                                     ["export", "-o", "x.xlsx"], ["report", "-o", "x.html"],
                                     ["serve", "--no-open", "--port", "0"]])
def test_a_folder_of_parts_given_as_the_model_names_the_root_that_includes_them(tmp_path, prep_run, command):
    """A folder that holds parts but not their root (`prep render teams`):
    the hint named one of the parts ('give one of its model files, e.g.
    teams/sales.prep'), which read alone lacks what the other files
    declare; `prep diff` already named the root. `prep serve` gave click's
    "Invalid value for 'SOURCE': File 'teams' is a directory." with no
    place and no hint, for a workspace's own folder too."""
    teams = tmp_path / "process" / "teams"
    teams.mkdir(parents=True)
    (teams / "sales.prep").write_text('deliverable 受注 [external]\n', encoding="utf-8")
    (tmp_path / "process" / "main.prep").write_text('include "teams/*.prep"\n受注 -> 導入計画\n', encoding="utf-8")
    (tmp_path / "process" / "prep.toml").write_text("[lint]\n", encoding="utf-8")   # the workspace's root
    (tmp_path / "v.csv").write_text("measure,value\n", encoding="utf-8")
    r = prep_run(command[0], os.path.join("process", "teams"), *command[1:], cwd=tmp_path, timeout=60)
    err = r.stderr.decode() if isinstance(r.stderr, bytes) else r.stderr
    assert r.returncode == 2, err
    assert err.startswith(os.path.join("process", "teams") + ":1:1: error: is a folder, not a model file"), err
    assert f"the workspace's root that includes the files in it, {os.path.join('process', 'main.prep')};" in err
    assert "sales.prep" not in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["process", "v.csv"]
    if command[0] == "serve":   # the workspace's own folder: its root, as prep render names it
        r = prep_run("serve", "process", *command[1:], cwd=tmp_path, timeout=60)
        err = r.stderr.decode() if isinstance(r.stderr, bytes) else r.stderr
        assert r.returncode == 2 and err.startswith("process:1:1: error: is a folder, not a model file"), err
        assert f"the workspace's root, {os.path.join('process', 'main.prep')}" in err, err


def test_every_command_reports_the_findings_prep_lint_reports(repo, cli, tmp_path):
    """prep.toml's per-file-ignores (and ignore) apply wherever findings are
    shown, each finding by the file that holds it: `prep diff` counted an
    S302 the team ignored in support.prep as introduced (failing the review
    action's --fail-on-new), the HTML page, serve and export listed the
    parts' ignored findings, and `prep report` read no prep.toml at all."""
    repo("prep.toml", '[lint]\nignore = ["K201"]\n[lint.per-file-ignores]\n"delivery.prep" = ["I103", "I104"]\n')
    commit(repo, "settings")
    # delivery.prep: an undeclared 報告 that nothing uses (I103, I104: ignored there); sales.prep: 見積 (not)
    repo("delivery.prep", DELIVERY + "導入計画 -> 報告\n")
    repo("sales.prep", SALES + "受注 -> 見積\n")
    commit(repo, "more")

    linted = json.loads(cli("lint", "--no-cache", "--format", "json", "main.prep").output)
    want = sorted((f["path"], f["code"]) for f in linted)
    assert ("sales.prep", "I104") in want and not any(p == "delivery.prep" and c in ("I103", "I104")
                                                       for p, c in want)
    diff = json.loads(cli("diff", "--format", "json", "HEAD~1..HEAD", "--", "main.prep").output)
    introduced = sorted((f["path"], f["code"]) for f in diff["findings"]["introduced"])
    assert ("sales.prep", "I104") in introduced and set(introduced) <= set(want), introduced
    assert cli("report", "main.prep", "-o", "r.md").exit_code == 0
    report = (repo.root / "r.md").read_text(encoding="utf-8")
    assert f"- {len(want)} finding" in report and not re.search(r"\| I10[34] \| delivery\.prep", report), report
    assert cli("render", "main.prep", "-o", "x.html").exit_code == 0
    page = (repo.root / "x.html").read_text(encoding="utf-8")
    assert len(re.findall(r'"code": ?"[A-Z]\d{3}"', page)) == len(want)
    exported = cli("export", "main.prep", "-o", "x.csv")
    assert exported.exit_code == 0 and f"{len(want)} findings" in exported.output, exported.output
    # the API: lint_model's per_file_ignores, by each finding's file
    import prep
    from prep.linter import lint_model

    model = prep.load("main.prep")
    assert any(d.span.path == "delivery.prep" and d.code == "I103" for d in lint_model(model))
    kept = lint_model(model, ignore=["K201"], per_file_ignores=[("delivery.prep", ["I103", "I104"])],
                      per_file_root=str(repo.root))
    assert sorted((d.span.path, d.code) for d in kept) == want
