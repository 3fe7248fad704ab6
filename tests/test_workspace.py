"""Workspaces: one model kept in many files (`include`), issue 20.

Every case is built from real files in tmp_path (real symbolic links too)
and checked through the API and the command line (click's runner and a
real process): the split model lints clean, findings and carets land in
the file that holds the statement, and nothing outside the workspace is
ever read or printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

import prep
from prep.language.diagnostics import PrepError
from workspace_files import DELIVERY, MAIN, SALES, SECRET  # the fixtures ws and split: conftest.py


@pytest.fixture
def secret(tmp_path):
    """A file outside the workspace whose text must never appear anywhere."""
    p = tmp_path / "outside" / "secret.prep"
    p.parent.mkdir()
    p.write_text(f"deliverable {SECRET}\n{SECRET} -> leaked\n", encoding="utf-8")
    return p


# --------------------------------------------------------------------------
# one model


def test_the_split_model_is_one_model(split):
    model = prep.load("main.prep")
    assert list(model.files) == ["main.prep", "sales.prep", "delivery.prep"]
    assert set(model.deliverables) == {"提案書", "受注", "価格表", "導入ノウハウ", "導入計画"}
    assert model.title == "受注から導入まで"
    # each element keeps its own file
    assert model.deliverables["価格表"].span.path == "delivery.prep"
    assert model.deliverables["受注"].span.path == "sales.prep"
    assert {r.span.path for r in model.relations} == {"sales.prep", "delivery.prep"}
    assert [i.target for i in model.includes] == ["sales.prep", "delivery.prep"]
    assert model.files["sales.prep"] == SALES


def test_the_split_model_lints_with_no_false_findings(split, cli):
    assert list(prep.lint(prep.load("main.prep"))) == []
    r = cli("lint", "--no-cache", "main.prep")
    assert r.exit_code == 0, r.output
    assert r.output == "Checked 3 files: no findings.\n"
    # a part read alone has loose ends the workspace ties up
    assert "I104" in {d.code for d in prep.lint(prep.loads(SALES, "sales.prep"))}


def test_a_part_given_by_name_is_checked_with_its_root(split, cli, prep_run, tmp_path):
    """pre-commit passes the parts a commit changed: each is checked as a
    part of its root's model, and only its own findings are reported (no
    loose ends the other files tie up, nothing of the files not given)."""
    for args in (("sales.prep",), ("delivery.prep", os.path.join(".", "sales.prep"))):
        r = cli("lint", "--no-cache", *args)
        assert r.exit_code == 0 and r.output == f"Checked {len(args)} file{'s' * (len(args) > 1)}: no findings.\n", \
            (args, r.output)
    split("sales.prep", "# included by main.prep\n" + SALES + "deliverable 孤立\n")  # I105 in sales.prep
    split("delivery.prep", DELIVERY + "knowhow 勘 [owner: 佐藤]\n勘 -> 導入計画\n")  # K201 in delivery.prep
    r = cli("lint", "--no-cache", "--format", "json", "sales.prep")
    assert r.exit_code == 1
    assert [(f["code"], f["path"]) for f in json.loads(r.output)] == [("I105", "sales.prep")]
    # from another folder, paths as given; pre-commit's way, as a real process
    p = prep_run("lint", "--no-cache", "repo/delivery.prep", cwd=split.root.parent)
    out = p.stdout.decode()
    assert p.returncode == 1 and out.startswith(os.path.join("repo", "delivery.prep") + ":5:9: K201"), out
    assert "I10" not in out and out.endswith("Checked 1 file: 1 finding (1 warning).\n"), out
    # new findings only: the root at the base has neither
    import subprocess

    for args in (("init", "-q"), ("add", "."), ("-c", "user.email=t@x", "-c", "user.name=t", "commit", "-qm", "1")):
        subprocess.run(["git", *args], cwd=split.root, check=True, capture_output=True)
    split("delivery.prep", DELIVERY + "deliverable 請求書\n受注 -> 請求書\n")  # I103 in delivery.prep
    r = cli("lint", "--no-cache", "--new-only", "--base", "HEAD", "--format", "json", "delivery.prep")
    assert sorted((f["code"], f["subject"]) for f in json.loads(r.output)) == [("I101", "請求書"), ("I103", "請求書")]
    # a file no root includes is checked on its own, as before
    split("alone.prep", "a -> b\n")
    r = cli("lint", "--no-cache", "--format", "json", "alone.prep")
    assert {f["code"] for f in json.loads(r.output)} >= {"I102", "I103"}


def test_lint_dir_checks_parts_as_part_of_their_root(split, cli, prep_run):
    for args in ((), (".",), ("main.prep", "sales.prep", "delivery.prep")):
        r = cli("lint", "--no-cache", *args)
        assert r.exit_code == 0, r.output
        assert r.output == "Checked 3 files: no findings.\n"
    p = prep_run("lint", "--no-cache", cwd=split.root)
    assert p.returncode == 0 and p.stdout == b"Checked 3 files: no findings.\n", p.stderr


def test_lint_dir_of_parts_without_their_root_checks_them_with_it(ws, cli, prep_run, monkeypatch):
    """A team's folder holds its parts, the root is above it: `prep lint`
    in that folder checked each part alone (10 loose ends the other files
    tie up), where `prep lint *.prep` checked them with the root."""
    ws("prep.toml", "")
    ws("main.prep", 'include "teams/*.prep"\n')
    ws("teams/sales.prep", SALES)
    ws("teams/delivery.prep", DELIVERY + "deliverable 孤立\n")  # I105 in delivery.prep
    ws("teams/notes/alone.prep", "a -> b\n")  # no root includes it: checked alone, as before
    for cwd, args in ((ws.root, ("teams",)), (ws.root / "teams", ()), (ws.root / "teams", (".",))):
        monkeypatch.chdir(cwd)
        r = cli("lint", "--no-cache", "--format", "json", *args)
        assert r.exit_code == 1, r.output
        found = sorted((os.path.basename(f["path"]), f["code"]) for f in json.loads(r.output))
        assert ("delivery.prep", "I105") in found and all(name == "alone.prep" for name, code in found
                                                          if code != "I105"), found
        assert {code for name, code in found if name == "alone.prep"} >= {"I102", "I103"}
    p = prep_run("lint", "--no-cache", "teams", cwd=ws.root)
    out = p.stdout.decode()
    lines = [line for line in out.splitlines() if line.startswith(os.path.join("teams", ""))]
    assert p.returncode == 1 and "sales.prep" not in out, out
    assert [line.split(": ")[1].split(" ")[0] for line in lines if "delivery.prep" in line] == ["I105"], out
    assert out.endswith("Checked 3 files: 6 findings (4 warnings, 2 info).\n"), out


def test_a_part_linted_in_its_own_folder_is_named_as_the_user_names_it(ws, cli, monkeypatch):
    """Inside teams/, `prep lint delivery.prep` printed
    `../teams/delivery.prep:…` (the root found above is ../main.prep)."""
    ws("prep.toml", "")
    ws("main.prep", 'include "teams/*.prep"\n')
    ws("teams/sales.prep", SALES)
    ws("teams/delivery.prep", DELIVERY + "deliverable 孤立\n")
    monkeypatch.chdir(ws.root / "teams")
    r = cli("lint", "--no-cache", "delivery.prep")
    assert r.exit_code == 1 and r.output.startswith("delivery.prep:"), r.output
    r = cli("lint", "--no-cache", "--format", "json", "delivery.prep")
    assert {f["path"] for f in json.loads(r.output)} == {"delivery.prep"}


def test_a_part_finds_its_root_in_a_git_work_tree_tracked_or_not(ws, cli):
    """In a repository the roots are listed by git (tracked, and untracked
    but not ignored), an include line may start with any blank the
    language allows, and a root in a hidden folder is none (as for
    `prep lint DIR`)."""
    import subprocess

    subprocess.run(["git", "init", "-q"], cwd=ws.root, check=True)
    ws("sales.prep", SALES)
    ws("delivery.prep", DELIVERY)
    ws("models/main.prep", '\u3000include "../sales.prep"\ninclude "../delivery.prep"\n')  # untracked
    ws(".old/main.prep", 'include "../sales.prep"\n')
    r = cli("lint", "--no-cache", "--format", "json", "sales.prep")
    assert r.exit_code == 0 and json.loads(r.output) == [], r.output
    ws(".gitignore", "models/\n")  # an ignored root is not looked at
    r = cli("lint", "--no-cache", "--format", "json", "sales.prep")
    assert r.exit_code == 1 and "I104" in {f["code"] for f in json.loads(r.output)}, r.output


def test_a_chain_of_includes_is_checked_once_from_its_top(ws, cli):
    ws("main.prep", 'include "sales.prep"\n')
    ws("sales.prep", SALES + 'include "delivery.prep"\n')
    ws("delivery.prep", DELIVERY)
    model = prep.load("main.prep")
    assert list(model.files) == ["main.prep", "sales.prep", "delivery.prep"]
    r = cli("lint", "--no-cache", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.output) == []


def test_reading_order_is_depth_first_as_written(ws):
    ws("main.prep", 'include "b.prep"\ninclude "a.prep"\nx -> y\n')
    ws("b.prep", 'include "sub/c.prep"\nb1 -> b2\n')
    ws("sub/c.prep", "c1 -> c2\n")
    ws("a.prep", "a1 -> a2\n")
    model = prep.load("main.prep")
    assert list(model.files) == ["main.prep", "b.prep", "sub/c.prep", "a.prep"]
    assert [r.source for r in model.relations] == ["x", "b1", "c1", "a1"]


def test_a_glob_is_sorted_and_a_root_does_not_include_itself(ws):
    ws("main.prep", 'include "*.prep"\ninclude "departments/*.prep"\n')
    ws("z.prep", "z1 -> z2\n")
    ws("b.prep", "b1 -> b2\n")
    ws("departments/sales.prep", "s1 -> s2\n")
    ws("departments/cs.prep", "c1 -> c2\n")
    model = prep.load("main.prep")
    assert list(model.files) == ["main.prep", "b.prep", "z.prep", "departments/cs.prep", "departments/sales.prep"]


def test_a_file_reached_twice_is_read_once(ws):
    ws("main.prep", 'include "a.prep"\ninclude "b.prep"\ninclude "sub/../shared.prep"\n')
    ws("a.prep", 'include "shared.prep"\na -> s\n')
    ws("b.prep", 'include "./shared.prep"\nb -> s\n')
    ws("shared.prep", "deliverable s [final]\n")
    model = prep.load("main.prep")
    assert list(model.files) == ["main.prep", "a.prep", "shared.prep", "b.prep"]
    assert model.errors == []


def test_a_conflict_across_files_is_e002_with_both_places(ws, cli):
    ws("main.prep", 'include "sales.prep"\ninclude "delivery.prep"\n')
    ws("sales.prep", "knowhow 価格表\n価格表 -> 受注\n")
    ws("delivery.prep", "\ndeliverable 価格表 [external]\n")
    with pytest.raises(PrepError) as e:
        prep.load("main.prep")
    (d,) = e.value.diagnostics
    assert d.code == "E002" and d.span.path == "delivery.prep" and d.span.line == 2
    assert d.related[0].span.path == "sales.prep" and d.related[0].span.line == 1
    r = cli("lint", "--no-cache", "main.prep")
    assert r.exit_code == 1
    assert "delivery.prep:2:13: E002" in r.output
    # the caret line is delivery.prep's line 2, not the root's
    assert "  deliverable 価格表 [external]\n              ^^^^^^" in r.output
    assert "sales.prep:1:9: note: first declared here" in r.output
    r = cli("render", "main.prep", "-o", "x.svg")
    assert r.exit_code == 2
    assert "delivery.prep:2:13: error:" in r.output and "  deliverable 価格表 [external]" in r.output


def test_a_conflict_of_two_line_labels_is_said_on_one_line(ws, cli):
    """Labels have two lines ("提案書\\nProposal", as in every example): the
    E002 message quoted them with their line break, so the message line
    broke in two, and the second half looked like a line of its own (an
    annotation's too). They are quoted as the model writes them."""
    ws("main.prep", 'include "sales.prep"\ninclude "delivery.prep"\n')
    ws("sales.prep", 'deliverable 提案書 "提案書\\nProposal" [external]\ngroup 営業 "営業\\nSales" {\n  提案書 -> 受注\n}\n')
    ws("delivery.prep", 'deliverable 提案書 "提案書\\nProposal v2"\ngroup 営業 "営業\\n Sales" {\n}\n受注 -> 計画\n')
    r = cli("lint", "--no-cache", "--format", "json", "main.prep")
    messages = sorted(d["message"] for d in json.loads(r.output) if d["code"] == "E002")
    assert messages == [
        "'提案書' is declared twice: with label \"提案書\\nProposal v2\" here but \"提案書\\nProposal\" before",
        "group '営業' has label \"営業\\n Sales\" here but \"営業\\nSales\" where it was first opened"], messages


def test_findings_sit_in_their_file_with_carets_from_it(ws, cli):
    ws("main.prep", 'include "parts/delivery.prep"\ndeliverable 提案書 [external]\n提案書, 価格表 -> 受注\n')
    ws("parts/delivery.prep", "\n\n受注 -> 導入計画\n")
    r = cli("lint", "--no-cache", "main.prep")
    assert r.exit_code == 1
    assert "parts/delivery.prep:3:7: I103 [warning] '導入計画' feeds nothing" in r.output
    assert "  受注 -> 導入計画\n          ^^^^^^^^" in r.output
    # findings: the root's first, then the part's
    paths = [f["path"] for f in json.loads(cli("lint", "--no-cache", "--format", "json", "main.prep").output)]
    assert paths == sorted(paths, key=lambda p: p != "main.prep") and "parts/delivery.prep" in paths


def test_suppressions_work_per_file(ws, cli):
    ws("main.prep", 'include "a.prep"\ninclude "b.prep"\n')
    ws("a.prep", "# prep: ignore-file[I104]\ndeliverable x [external]\nx, k -> y  # prep: ignore[I103]\n"
                 "knowhow k [owner: [A, B]]\n")
    ws("b.prep", "deliverable p [external]\nknowhow q [owner: [A, B]]\np, q -> z\n")
    found = [(f["path"], f["code"], f["line"]) for f in
             json.loads(cli("lint", "--no-cache", "--format", "json", "main.prep").output)]
    # a.prep's ignore-file and line suppression cover a.prep only
    assert ("a.prep", "I103", 3) not in found and ("a.prep", "I104", 3) not in found
    assert ("b.prep", "I103", 3) in found and ("b.prep", "I104", 3) in found
    # a suppression on line 3 of a.prep does not reach line 3 of b.prep, and is used
    assert not any(code == "P001" for _, code, _ in found)


def test_sarif_and_github_point_at_each_file(split, cli):
    split("delivery.prep", DELIVERY.replace("[final]", ""))
    sarif = json.loads(cli("lint", "--no-cache", "--format", "sarif", "main.prep").output)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {"delivery.prep"}
    gh = cli("lint", "--no-cache", "--format", "github", "main.prep").output
    assert gh.startswith("::warning file=delivery.prep,line=3,") and "main.prep" not in gh


def test_an_annotation_says_where_the_other_place_is(ws, cli):
    """An annotation on delivery.prep said '価格表' was declared "before":
    the text output's note names sales.prep:1:9, the annotation dropped it,
    and on a pull request the reviewer of delivery.prep had no way to find
    the other declaration. The notes go into the annotation, as in text."""
    ws("main.prep", 'include "sales.prep"\ninclude "delivery.prep"\n')
    ws("sales.prep", "knowhow 価格表\n価格表 -> 受注\n")
    ws("delivery.prep", "\ndeliverable 価格表 [external]\n")
    gh = cli("lint", "--no-cache", "--format", "github", "main.prep").output
    (line,) = [x for x in gh.splitlines() if "E002" in x]
    assert line.startswith("::error file=delivery.prep,line=2,")
    assert line.endswith("before%0Asales.prep:1:9: note: first declared here%0Ahint: declare each deliverable once; "
                         "use a different name for a different thing"), line
    # code scanning shows a related location only where the message links to it
    sarif = json.loads(cli("lint", "--no-cache", "--format", "sarif", "main.prep").output)
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "E002"]
    assert result["message"]["text"].startswith(
        "'価格表' is declared twice: as deliverable here but as knowhow before\n"
        "sales.prep:1:9: note: [first declared here](0)\nhint: ")
    assert result["relatedLocations"][0]["id"] == 0
    assert result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sales.prep"


def test_configuration_comes_from_the_workspace_root(split, cli):
    split("prep.toml", '[lint]\nignore = ["I103"]\n[lint.per-file-ignores]\n"delivery.prep" = ["I104"]\n')
    split("delivery.prep", DELIVERY.replace("[final]", "") + "導入計画 -> 報告\n")
    found = {(f["path"], f["code"]) for f in
             json.loads(cli("lint", "--no-cache", "--format", "json", "main.prep").output)}
    assert ("delivery.prep", "I103") not in found      # ignored everywhere
    assert ("delivery.prep", "I104") not in found      # ignored in delivery.prep only
    split("sales.prep", SALES + "受注 -> 見積\n")
    found = {(f["path"], f["code"]) for f in
             json.loads(cli("lint", "--no-cache", "--format", "json", "main.prep").output)}
    assert ("sales.prep", "I104") in found
    # the root's own per-file ignores cover the root only, not its parts
    split("prep.toml", '[lint.per-file-ignores]\n"main.prep" = ["I104"]\n')
    split("main.prep", MAIN + "導入計画 -> 報告書\n")
    found = {(f["path"], f["code"]) for f in
             json.loads(cli("lint", "--no-cache", "--format", "json", "main.prep").output)}
    assert ("main.prep", "I104") not in found and ("sales.prep", "I104") in found


# --------------------------------------------------------------------------
# the cache keys on every file


def test_the_lint_cache_sees_a_change_in_an_included_file(split, cli, monkeypatch):
    from prep.linter.cache import LintCache

    monkeypatch.setenv("PREP_CACHE_DIR", str(split.root / "cache"))
    assert cli("lint", "main.prep").output == "Checked 3 files: no findings.\n"
    cache = LintCache.open()
    config = [None, [], {}, {}]
    ticket = cache.lookup("main.prep", config)
    assert ticket.hit is not None and ticket.sources["delivery.prep"] == DELIVERY
    # warm: the same report, carets included
    r = cli("lint", "main.prep")
    assert r.exit_code == 0 and r.output == "Checked 3 files: no findings.\n"
    split("delivery.prep", DELIVERY.replace("[final]", ""))
    assert cache.lookup("main.prep", config).hit is None
    r = cli("lint", "main.prep")
    assert r.exit_code == 1 and "delivery.prep:3:13: I103" in r.output and "  deliverable 導入計画" in r.output
    assert cli("lint", "main.prep").output == r.output  # and warm again


def test_the_lint_cache_sees_a_new_file_matching_a_glob(ws, cli, monkeypatch):
    monkeypatch.setenv("PREP_CACHE_DIR", str(ws.root / "cache"))
    ws("main.prep", 'include "parts/*.prep"\ndeliverable a [external]\ndeliverable b [final]\na, k -> b\n'
                    "knowhow k [owner: [A, B]]\n")
    ws("parts/one.prep", "deliverable c [external]\n")
    assert "I105" in cli("lint", "main.prep").output  # c is isolated
    assert "I105" in cli("lint", "main.prep").output
    ws("parts/two.prep", "c, a -> d\ndeliverable d [final]\n")
    r = cli("lint", "main.prep")
    assert r.exit_code == 0, r.output


def test_the_lint_cache_sees_a_change_in_the_per_file_ignores_of_a_part(ws, cli, monkeypatch):
    """A per-file ignore that names a part (not the root) is part of the
    root's cache key: dropping it showed no finding with exit 0 until
    --no-cache, and adding it kept reporting the finding (CI keeps the
    cache with actions/cache, so the stale answer reached pull requests)."""
    monkeypatch.setenv("PREP_CACHE_DIR", str(ws.root / "cache"))
    ws("p/main.prep", 'include "a.prep"\n')
    ws("p/a.prep", "knowhow K [owner: 田中]\ndeliverable A [external]\nA, K -> B\ndeliverable B [final]\n")
    ws("prep.toml", '[lint]\n[lint.per-file-ignores]\n"p/a.prep" = ["K201"]\n')
    assert cli("lint", "p/main.prep").exit_code == 0
    ws("prep.toml", "[lint]\n")
    r = cli("lint", "p/main.prep")
    assert r.exit_code == 1 and "p/a.prep:1:9: K201" in r.output, r.output
    ws("prep.toml", '[lint]\n[lint.per-file-ignores]\n"p/a.prep" = ["K201"]\n')
    r = cli("lint", "p/main.prep")
    assert r.exit_code == 0, r.output


# --------------------------------------------------------------------------
# safe by construction: errors located at the include line, nothing of the outside printed


def _refused(cli, prep_run, root, *texts):
    """Lint and render the root both ways: exit 2, the texts in the message,
    no secret and no traceback anywhere."""
    outputs = []
    for args in (("lint", "--no-cache", "main.prep"), ("lint", "--no-cache"), ("render", "main.prep", "-o", "x.svg"),
                 ("lint", "--no-cache", "--format", "sarif", "main.prep")):
        r = cli(*args)
        assert r.exit_code == 2, (args, r.output)
        outputs.append(r.output)
    p = prep_run("lint", "--no-cache", "main.prep", cwd=root)
    assert p.returncode == 2
    outputs.append(p.stdout.decode() + p.stderr.decode())
    for out in outputs:
        assert SECRET not in out and "Traceback" not in out
    for text in texts:
        assert text in outputs[0], outputs[0]
    assert not (root / "x.svg").exists()
    return outputs[0]


def test_an_absolute_include_is_refused(ws, cli, prep_run, secret):
    ws("main.prep", f'deliverable a\ninclude "{secret}"\n')
    out = _refused(cli, prep_run, ws.root, "main.prep:2:9: E000 [error] include", "is an absolute path",
                   f'  include "{secret}"\n          ^')
    assert "hint: write the path relative to this file's folder" in out
    with pytest.raises(PrepError) as e:
        prep.load("main.prep")
    assert e.value.diagnostics[0].span.path == "main.prep"


def test_dot_dot_that_climbs_out_is_refused(ws, cli, prep_run, secret):
    ws("main.prep", 'include "sub/../../outside/secret.prep"\n')
    _refused(cli, prep_run, ws.root, "main.prep:1:9: E000 [error] include '../../outside/secret.prep'"[:14],
             "leads out of the workspace", "hint: a model reads only files inside its workspace")
    ws("main.prep", 'include "../outside/*.prep"\n')
    _refused(cli, prep_run, ws.root, "leads out of the workspace")


def test_dot_dot_that_stays_inside_is_fine(ws):
    ws("models/main.prep", 'include "../shared/common.prep"\na -> b\n')
    ws("shared/common.prep", "b -> c\n")
    assert list(prep.load("models/main.prep").files) == ["models/main.prep", "shared/common.prep"]


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges on Windows")
def test_a_symlink_that_leads_out_is_refused_and_never_read(ws, cli, prep_run, secret, monkeypatch):
    os.symlink(secret, ws.root / "link.prep")
    ws("main.prep", 'deliverable a\ninclude "link.prep"\n')
    opened = []
    real_open = open

    def spy(file, *a, **k):
        opened.append(os.path.realpath(file) if isinstance(file, (str, os.PathLike)) else file)
        return real_open(file, *a, **k)

    monkeypatch.setattr("builtins.open", spy)
    with pytest.raises(PrepError) as e:
        prep.load("main.prep")
    monkeypatch.undo()
    monkeypatch.chdir(ws.root)
    assert str(secret) not in opened
    d = e.value.diagnostics[0]
    assert (d.span.path, d.span.line, d.code) == ("main.prep", 2, "E000")
    assert "symbolic link that leads out" in d.message and str(secret) not in e.value.render()
    _refused(cli, prep_run, ws.root, "main.prep:2:9:", "'link.prep' is a symbolic link that leads out")


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges on Windows")
def test_a_linked_folder_that_leads_out_is_refused_through_a_glob(ws, cli, prep_run, secret, monkeypatch):
    os.symlink(secret.parent, ws.root / "linked")
    ws("main.prep", 'include "linked/*.prep"\n')
    listed = []
    real_scandir = os.scandir

    def spy(path="."):
        listed.append(os.path.realpath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", spy)
    with pytest.raises(PrepError):
        prep.load("main.prep")
    monkeypatch.setattr(os, "scandir", real_scandir)
    assert str(secret.parent) not in listed  # the outside folder is not even listed
    out = _refused(cli, prep_run, ws.root, "main.prep:1:9:", "'linked' is a symbolic link that leads out")
    assert "secret.prep" not in out  # not even the name of what is out there
    ws("main.prep", 'include "linked/secret.prep"\n')
    out = _refused(cli, prep_run, ws.root, "'linked' is a symbolic link that leads out")
    assert "secret.prep" in out.split("\n")[1]  # the user's own line only
    assert "secret.prep" not in out.split("\n")[0]


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges on Windows")
def test_a_model_named_on_the_command_line_that_links_out_is_refused_unread(ws, cli, prep_run, secret):
    """A file given by name (as CI gives the changed files) that is a link
    leading out of the workspace is refused as an include is: a pull
    request adding `x.prep -> /etc/passwd` made lint, fmt --check and
    render print the outside file's lines (as syntax errors, in the log
    and in annotations)."""
    secret.write_text(f"root:x:0:0:{SECRET}:/root:/bin/bash\n", encoding="utf-8")
    ws("prep.toml", "")
    os.symlink(secret, ws.root / "p.prep")
    os.makedirs(ws.root / "sub")
    os.symlink(secret.parent, ws.root / "sub" / "linked")   # a folder on the way
    for name in ("p.prep", "sub/linked/secret.prep"):
        link = name if name == "p.prep" else "sub/linked"
        for args in (("lint", "--no-cache", name), ("lint", "--no-cache", "--format", "github", name),
                     ("fmt", "--check", name), ("fmt", name), ("render", name, "-o", "x.svg"),
                     ("report", name, "-o", "r.md"), ("diff", name, name), ("export", name, "-o", "x.csv")):
            r = prep_run(*args, cwd=ws.root)
            out = r.stdout.decode() + r.stderr.decode()
            assert r.returncode == 2, (args, out)
            assert SECRET not in out and "root:x" not in out and "Traceback" not in out, (args, out)
            assert f"'{link}' is a symbolic link that leads out of the workspace" in out, (args, out)
        with pytest.raises(PrepError):
            prep.load(str(ws.root / name))
    assert os.path.islink(ws.root / "p.prep") and SECRET in secret.read_text(encoding="utf-8")
    assert not (ws.root / "x.svg").exists() and not (ws.root / "r.md").exists()
    # the file itself, named by its own path: read (the user asked for it)
    r = prep_run("lint", "--no-cache", str(secret), cwd=ws.root)
    assert r.returncode == 2 and "E001" in r.stdout.decode()


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges on Windows")
def test_a_folder_named_on_the_command_line_that_links_out_is_refused_unlisted(ws, prep_run, secret):
    """`prep lint vendor` where vendor -> a folder outside the workspace: one
    refusal of 'vendor'. Its files were listed and each refused by name
    ("vendor/acme-churn-list.prep: ... leads out"): the names of files
    outside the repository, in a pull request's log."""
    ws("prep.toml", "")
    (secret.parent / "acme-churn-list.prep").write_text("a -> b\n", encoding="utf-8")
    os.symlink(secret.parent, ws.root / "vendor")
    for name in ("vendor", "vendor/"):
        for args in (("lint", "--no-cache", name), ("lint", "--no-cache", "--format", "github", name),
                     ("lint", "--no-cache", "--format", "sarif", name), ("fmt", "--check", name), ("fmt", name)):
            r = prep_run(*args, cwd=ws.root)
            out = r.stdout.decode() + r.stderr.decode()
            assert r.returncode == 2, (args, out)
            assert "acme-churn-list" not in out and "secret.prep" not in out and "Traceback" not in out, (args, out)
            assert "'vendor' is a symbolic link that leads out of the workspace" in out, (args, out)
    r = prep_run("lint", "--no-cache", ".", cwd=ws.root)   # the workspace: the link is not followed
    assert "acme-churn-list" not in r.stdout.decode() + r.stderr.decode()


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges on Windows")
def test_the_link_out_is_named_as_the_include_writes_it_from_any_folder(ws, prep_run, secret):
    """The error named 'cases', 'walk-team' or '/tmp' (a folder above the
    workspace, taken for the link) when the command ran above it."""
    ws("deep/ws/prep.toml", "")
    ws("deep/ws/main.prep", 'deliverable a\ninclude "part.prep"\n')
    os.symlink(secret, ws.root / "deep" / "ws" / "part.prep")
    for cwd, root in ((ws.root, "deep/ws/main.prep"), (ws.root / "deep", "ws/main.prep"),
                      (ws.root / "deep" / "ws", "main.prep"), (ws.root, str(ws.root / "deep/ws/main.prep"))):
        r = prep_run("lint", "--no-cache", root, cwd=cwd)
        out = r.stdout.decode()
        assert r.returncode == 2 and "'part.prep' is a symbolic link that leads out" in out, (cwd, out)


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges on Windows")
def test_fmt_formats_a_linked_model_where_it_is_and_keeps_the_link(ws, prep_run):
    """`prep fmt` wrote a linked model's text in the link's place (the link
    became a copy, its file unformatted); `prep fmt .` formatted the file
    twice, through the link and its own name."""
    ws("prep.toml", "")
    ws("real/shared.prep", "a,b->c\n")
    os.symlink("real/shared.prep", ws.root / "shared.prep")
    r = prep_run("fmt", "shared.prep", cwd=ws.root)
    assert r.returncode == 0 and os.path.islink(ws.root / "shared.prep"), r.stderr
    assert (ws.root / "real" / "shared.prep").read_text(encoding="utf-8") == "a, b -> c\n"
    (ws.root / "real" / "shared.prep").write_text("a,b->c\n", encoding="utf-8")
    r = prep_run("fmt", ".", cwd=ws.root)
    assert r.stderr.decode().count("reformatted") == 1 and os.path.islink(ws.root / "shared.prep"), r.stderr
    assert (ws.root / "real" / "shared.prep").read_text(encoding="utf-8") == "a, b -> c\n"


def test_a_symlink_inside_the_workspace_is_fine(ws):
    if sys.platform == "win32":
        pytest.skip("symbolic links need privileges on Windows")
    ws("parts/real.prep", "b -> c\n")
    os.symlink(ws.root / "parts" / "real.prep", ws.root / "alias.prep")
    ws("main.prep", 'include "alias.prep"\ninclude "parts/real.prep"\na -> b\n')
    model = prep.load("main.prep")
    assert list(model.files) == ["main.prep", "alias.prep"]  # one file, read once


def test_a_missing_file_says_did_you_mean(ws, cli, prep_run):
    ws("main.prep", 'a -> b\ninclude "departments/sale.prep"\n')
    ws("departments/sales.prep", "b -> c\n")
    out = _refused(cli, prep_run, ws.root, "main.prep:2:9: E000 [error] no file 'departments/sale.prep'",
                   "hint: did you mean 'departments/sales.prep'?", '  include "departments/sale.prep"\n          ^')


def test_a_deleted_file_is_not_taken_for_a_sibling_the_same_file_includes(ws, cli):
    """A part deleted in a pull request: its include line was answered
    'did you mean sales.prep?', a file the same root includes two lines up."""
    ws("main.prep", 'include "sales.prep"\ninclude "success.prep"\na -> b\n')
    ws("sales.prep", "b -> c\n")
    r = cli("lint", "--no-cache", "main.prep")
    assert r.exit_code == 2 and "no file 'success.prep'" in r.output, r.output
    assert "did you mean" not in r.output and "or remove this include if the file is gone" in r.output, r.output


def test_a_glob_that_matches_nothing(ws, cli, prep_run):
    ws("main.prep", 'include "departmnts/*.prep"\n')
    ws("departments/sales.prep", "b -> c\n")
    _refused(cli, prep_run, ws.root, "main.prep:1:9: E000 [error] no file matches 'departmnts/*.prep'",
             # the pattern with its folder mended, not one file of that folder ('departments/sales.prep')
             "hint: did you mean 'departments/*.prep'?")


def test_a_glob_with_an_unclosed_set_says_so(ws, cli, prep_run):
    ws("main.prep", 'include "departments/[sd.prep"\n')
    ws("departments/sales.prep", "b -> c\n")
    _refused(cli, prep_run, ws.root, "main.prep:1:9: E000 [error] no file matches 'departments/[sd.prep': its '[' in "
             "'[sd.prep' is not closed, so it stands for itself", "hint: close the set of characters with ']'")
    ws("main.prep", 'include "departments/[!x]*.prep"\ninclude "departments/[]]*.prep"\n')
    ws("departments/].prep", "c -> d\n")
    assert set(prep.load("main.prep").deliverables) == {"b", "c", "d"}


def test_an_include_cycle_names_the_chain(ws, cli, prep_run):
    ws("main.prep", 'include "sales.prep"\na -> b\n')
    ws("sales.prep", 'include "delivery.prep"\n')
    ws("delivery.prep", '\ninclude "main.prep"\n')
    out = _refused(cli, prep_run, ws.root,
                   "delivery.prep:2:9: E000 [error] include cycle: main.prep -> sales.prep -> delivery.prep -> main.prep",
                   '  include "main.prep"')
    # `prep lint DIR` checks the cycle once (from the first file that reaches the others)
    r = cli("lint", "--no-cache", "--format", "json")
    found = json.loads(r.output)
    assert r.exit_code == 2 and len(found) == 1 and found[0]["message"].startswith("include cycle: ")


def test_an_included_file_that_is_not_utf8(ws, cli, prep_run):
    ws("main.prep", 'a -> b\ninclude "sjis.prep"\n')
    ws("sjis.prep", "提案書 -> 受注\n".encode("cp932"))
    out = _refused(cli, prep_run, ws.root, "sjis.prep:1:1: E000 [error] the file is not UTF-8; it looks like Shift_JIS",
                   "main.prep:2:9: note: included from here")


@pytest.mark.skipif(shutil.which("iconv") is None, reason="needs iconv")
def test_the_conversion_hint_for_a_part_in_a_folder_works_as_written(ws, prep_run):
    """The hint's command, pasted where prep ran, converts the part in
    place: the include line still names it, and the model then reads."""
    ws("main.prep", 'a -> b\ninclude "parts/*.prep"\n')
    ws("parts/営業 sales.prep", "b, 提案書 -> 受注\n".encode("cp932"))
    p = prep_run("lint", "--no-cache", "main.prep", cwd=ws.root)
    out = p.stdout.decode() + p.stderr.decode()
    assert p.returncode == 2 and "it looks like Shift_JIS" in out, out
    command = re.search(r"Convert it with `([^`]+)`", out).group(1)
    assert command.startswith("iconv -f CP932 -t UTF-8 'parts/営業 sales.prep' > "), command
    subprocess.run(command, shell=True, cwd=ws.root, check=True)
    p = prep_run("lint", "--no-cache", "main.prep", cwd=ws.root)
    assert p.returncode in (0, 1) and "受注" in (p.stdout + p.stderr).decode(), p.stdout + p.stderr
    assert sorted(os.listdir(ws.root / "parts")) == ["営業 sales.prep"]


def test_a_syntax_error_in_an_included_file_is_located_there(ws, cli, prep_run):
    ws("main.prep", 'a -> b\ninclude "bad.prep"\n')
    ws("bad.prep", "b -> c\nc => d\n")
    _refused(cli, prep_run, ws.root, "bad.prep:2:3: E001", "  c => d", "main.prep:2:9: note: included from here")


def test_include_inside_a_block_is_refused(ws, cli):
    ws("main.prep", 'group g {\n  include "x.prep"\n}\n')
    ws("x.prep", "a -> b\n")
    r = cli("lint", "--no-cache", "main.prep")
    assert r.exit_code == 2
    assert "main.prep:2:3: E001 [error] `include` stands at the top level of a file" in r.output
    assert "hint: move the `include` line out of the group or stage block" in r.output


def test_include_is_a_keyword_quote_it_to_use_it_as_a_name(ws):
    with pytest.raises(PrepError):
        prep.loads("include -> x\n")
    model = prep.loads('"include" -> x\n')
    assert set(model.deliverables) == {"include", "x"}
    assert prep.format_text('"include"->x\n') == '"include" -> x\n'


# --------------------------------------------------------------------------
# the workspace root


def test_the_workspace_root(tmp_path):
    from prep.language.workspace import workspace_root

    (tmp_path / "repo" / "a" / "b").mkdir(parents=True)
    f = tmp_path / "repo" / "a" / "b" / "m.prep"
    f.write_text("a -> b\n")
    assert workspace_root(str(f)) == str(f.parent)                   # nothing: the file's folder
    (tmp_path / "repo" / ".git").mkdir()
    assert workspace_root(str(f)) == str(tmp_path / "repo")          # the repository
    (tmp_path / "repo" / "a" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert workspace_root(str(f)) == str(tmp_path / "repo")          # a pyproject without [tool.prep] is no marker
    (tmp_path / "repo" / "a" / "pyproject.toml").write_text("[tool.prep.lint]\nignore = []\n")
    assert workspace_root(str(f)) == str(tmp_path / "repo" / "a")
    (tmp_path / "repo" / "a" / "b" / "prep.toml").write_text("")
    assert workspace_root(str(f)) == str(f.parent)


def test_the_git_root_bounds_a_workspace_without_configuration(tmp_path, monkeypatch, secret):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "models").mkdir()
    (repo / "shared.prep").write_text("b -> c\n", encoding="utf-8")
    (repo / "models" / "main.prep").write_text('include "../shared.prep"\na -> b\n', encoding="utf-8")
    monkeypatch.chdir(repo)
    assert len(prep.load("models/main.prep").files) == 2
    (repo / "models" / "main.prep").write_text('include "../../outside/secret.prep"\n', encoding="utf-8")
    with pytest.raises(PrepError) as e:
        prep.load("models/main.prep")
    assert "leads out of the workspace" in e.value.render() and SECRET not in e.value.render()


# --------------------------------------------------------------------------
# the API


def test_loads_with_an_include_needs_a_path(split):
    with pytest.raises(PrepError) as e:
        prep.loads('a -> b\ninclude "sales.prep"\n')
    d = e.value.diagnostics[0]
    assert (d.span.line, d.span.column) == (2, 1) and "needs the model's own file" in d.message
    # with the root's path, includes resolve from its folder (an editor's unsaved root)
    model = prep.loads(MAIN + "受注 -> 請求書\n", "main.prep", strict=False)
    assert "請求書" in model.deliverables and "価格表" in model.deliverables


def test_a_single_file_is_as_before(tmp_path):
    p = tmp_path / "m.prep"
    p.write_text(SALES, encoding="utf-8")
    model = prep.load(p)
    assert model.files == {str(p): SALES} and model.includes == ()
    assert "files" not in json.loads(prep.render(model, "json"))


def test_a_custom_reader_sees_another_tree(split):
    from prep.language.workspace import load_workspace, reached_paths

    texts = {"main.prep": MAIN, "sales.prep": SALES, "delivery.prep": DELIVERY.replace("価格表", "料金表")}
    model = load_workspace("main.prep", read=lambda path: texts[path], strict=False)
    assert "料金表" in model.deliverables and model.files["delivery.prep"] == texts["delivery.prep"]
    assert reached_paths("main.prep") == ["main.prep", "sales.prep", "delivery.prep"]


def test_the_json_export_says_each_deliverables_file(split, cli):
    data = json.loads(prep.render(prep.load("main.prep"), "json"))
    assert data["files"] == ["main.prep", "sales.prep", "delivery.prep"]
    files = {d["name"]: d["file"] for d in data["deliverables"]}
    assert files == {"提案書": "sales.prep", "受注": "sales.prep", "価格表": "delivery.prep",
                     "導入ノウハウ": "delivery.prep", "導入計画": "delivery.prep"}
    r = cli("render", "main.prep", "-o", "model.json")
    assert r.exit_code == 0
    assert json.loads((split.root / "model.json").read_text(encoding="utf-8"))["files"][0] == "main.prep"


def test_render_root_draws_the_whole_model(split, cli):
    r = cli("render", "main.prep", "-o", "all.svg")
    assert r.exit_code == 0, r.output
    svg = (split.root / "all.svg").read_text(encoding="utf-8")
    for name in ("提案書", "受注", "価格表", "導入ノウハウ", "導入計画"):
        assert name in svg


# --------------------------------------------------------------------------
# the language: both parsers, the formatter


def _dump(x):
    if type(x).__name__ == "Span":
        return tuple(x)
    if hasattr(x, "__slots__") and not isinstance(x, tuple):
        return (type(x).__name__, tuple(_dump(getattr(x, k)) for k in x.__slots__))
    if isinstance(x, (list, tuple)):
        return tuple(_dump(i) for i in x)
    return x


@pytest.mark.parametrize("text", [
    'include "a.prep"\n',
    'title "t"\n  include   "dir/*.prep"  # all of them\na -> b\n',
    'include "with \\"quote\\".prep"\ndeliverable x\n',
    'group g {\n  include "x.prep"\n}\n',
])
def test_both_parsers_read_include_alike(text):
    from prep.language.fastparse import scan
    from prep.language.parse import parse_statements_lark

    fast = scan(text, "m.prep")
    assert fast is not None
    assert _dump(fast[0]) == _dump(parse_statements_lark(text, "m.prep")[0])


def test_fmt_keeps_include_lines(split, cli):
    text = 'title "t"\ninclude    "sales.prep"# the sales part\ninclude "dir/*.prep";a->b\n'
    out = prep.format_text(text)
    assert out == 'title "t"\ninclude "sales.prep"  # the sales part\ninclude "dir/*.prep"\na -> b\n'
    assert prep.format_text(out) == out
    split("main.prep", 'include  "sales.prep"\ninclude "delivery.prep"\n')
    split("sales.prep", "提案書,価格表->受注\n")
    r = cli("fmt", "main.prep", "sales.prep")
    assert r.exit_code == 0, r.output
    assert (split.root / "main.prep").read_text(encoding="utf-8") == 'include "sales.prep"\ninclude "delivery.prep"\n'
    assert (split.root / "sales.prep").read_text(encoding="utf-8") == "提案書, 価格表 -> 受注\n"
    assert (split.root / "delivery.prep").read_text(encoding="utf-8") == DELIVERY  # not touched: each file on its own


def test_paths_do_not_depend_on_the_working_folder(split, cli, prep_run, monkeypatch):
    monkeypatch.chdir(split.root.parent)
    r = cli("lint", "--no-cache", "repo/main.prep")
    assert r.exit_code == 0 and r.output == "Checked 3 files: no findings.\n"
    split("delivery.prep", DELIVERY.replace("[final]", ""))
    p = prep_run("lint", "--no-cache", "--format", "github", "repo/main.prep", cwd=split.root.parent)
    assert p.returncode == 1 and b"file=repo/delivery.prep,line=3," in p.stdout


def test_a_part_shared_by_two_roots_is_checked_in_each(ws, cli):
    ws("as-is.prep", 'include "common.prep"\n提案書, 価格表 -> 受注\n')
    ws("to-be.prep", 'include "common.prep"\n提案書, 価格表, 顧客課題 -> 受注\n')
    ws("common.prep", "deliverable 提案書 [external]\ndeliverable 価格表 [external]\ndeliverable 受注 [final]\n"
                      "deliverable 顧客課題 [external]\n")
    found = json.loads(cli("lint", "--no-cache", "--format", "json").output)
    # as-is leaves 顧客課題 isolated (I105, in common.prep); to-be uses it; common.prep is not linted alone
    assert [(f["path"], f["code"]) for f in found] == [("common.prep", "I105")]
    r = cli("lint", "--no-cache")
    assert r.output.endswith("Checked 3 files: 1 finding (1 warning).\n")


def test_reached_paths_follows_include_lines_only(ws):
    from prep.language.workspace import reached_paths

    ws("main.prep", 'include "a.prep"\nthis line => is not valid\ninclude "missing.prep"\n')
    ws("a.prep", 'include "b/*.prep"\n')
    ws("b/one.prep", "x -> y\n")
    assert reached_paths("main.prep") == ["main.prep", "a.prep", "b/one.prep"]
