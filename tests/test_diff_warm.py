"""prep diff of a workspace whose base is recorded (the pull-request case,
issue 20): the base's record is read by a child started before any model
is read, the head is built first and its lint started at once, and a
child that keeps a record hands its result back before writing it. None
of this may change a byte of the output, and a record that cannot be
used must only mean the slow way."""

from __future__ import annotations

import os
import time

import pytest
from test_diff_incremental import _git, _records, two_revision_repo

from prep._process import Afterwards, start
from prep.linter import review_record, review_sides


@pytest.fixture
def repo(tmp_path, monkeypatch):
    return two_revision_repo(tmp_path, monkeypatch, 77)


@pytest.fixture
def diff(cli, monkeypatch, tmp_path):
    """diff(range, *options, cache="name") -> output of `prep diff RANGE
    -- main.prep` in-process, big models from 1 deliverable (`big`)."""

    def run(rev_range: str, *options: str, cache: str | None = "c", big: bool = True):
        monkeypatch.setattr(review_record, "BIG", 1 if big else 10**9)
        if cache is None:
            options = (*options, "--no-cache")
        else:
            monkeypatch.setenv("PREP_CACHE_DIR", str(tmp_path / f"cache-{cache}"))
        result = cli("diff", *options, rev_range, "--", "main.prep")
        assert result.exit_code in (0, 1), result.output
        assert "Traceback" not in result.output
        return result.output

    return run


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_warm_diff_is_the_cold_diff_and_records_the_head(repo, tmp_path, diff, monkeypatch, fmt):
    full = diff("HEAD~1..HEAD", "-f", fmt, cache=None, big=False)
    diff("HEAD~1..HEAD~1", "-f", fmt)  # the base's record, as main's own run leaves it
    assert len(_records(tmp_path)) == 2
    real_old_side = review_sides.old_side

    def no_old_side(*args, **kwargs):
        raise AssertionError("the base's record was read before its model: no child for the old side")

    monkeypatch.setattr(review_sides, "old_side", no_old_side)
    assert diff("HEAD~1..HEAD", "-f", fmt) == full
    monkeypatch.setattr(review_sides, "old_side", real_old_side)
    # the head's record is whole when the command is over (written after the result was handed back)
    assert len(_records(tmp_path)) == 4

    def fail(*args, **kwargs):
        raise AssertionError("linted again")

    monkeypatch.setattr(review_sides, "lint_and_rank", fail)
    monkeypatch.setattr(review_sides, "lint_model", fail)
    assert diff("HEAD~1..HEAD", "-f", fmt) == full


@pytest.mark.parametrize("damage", [b"", b"x\x9c\x03\x00\x00\x00\x00\x01", b"not zlib",
                                    __import__("zlib").compress(b'{"hotspots": [], "up": [1], "down": [1]}')])
@pytest.mark.parametrize("which", [".findings.json.gz", ".ranking.json.gz", ".gz"])
def test_a_damaged_base_record_is_the_slow_way(repo, tmp_path, diff, damage, which):
    """The base's record is read before its model exists: one that does not
    read back, or whose counts do not fit the model (a well-formed ranking
    of one deliverable), is as no record."""
    full = diff("HEAD~1..HEAD", cache=None, big=False)
    diff("HEAD~1..HEAD~1")
    for path in _records(tmp_path):
        if path.name.endswith(which):
            path.write_bytes(damage)
    assert diff("HEAD~1..HEAD") == full
    assert diff("HEAD~1..HEAD") == full  # recorded again, and read


def test_a_small_workspace_makes_no_cache_folder(repo, tmp_path, diff):
    assert diff("HEAD~1..HEAD", big=False) == diff("HEAD~1..HEAD", cache=None, big=False)
    assert not (tmp_path / "cache-c").exists()


def test_a_broken_head_with_a_recorded_base_stops_every_child(repo, tmp_path, diff, cli):
    """The head is built first when the base is recorded: its error is
    reported as usual, and the children already started are stopped."""
    diff("HEAD..HEAD")  # HEAD is the base below
    (repo / "parts" / "part1.prep").write_text("a -> -> b\n", encoding="utf-8")
    _git(repo, "commit", "-qam", "broken")
    result = cli("diff", "HEAD~1..HEAD", "--", "main.prep")
    assert result.exit_code == 2 and "part1.prep:1:" in result.output and "(at HEAD)" in result.output
    assert "Traceback" not in result.output
    with pytest.raises(ChildProcessError):  # every child waited for
        os.waitpid(-1, os.WNOHANG)


def test_when_both_revisions_are_broken_the_old_ones_error_comes_first(repo):
    from prep.language.diagnostics import PrepError
    from prep.language.revisions import load_workspaces_at

    (repo / "parts" / "part1.prep").write_text("a -> -> b\n", encoding="utf-8")
    _git(repo, "commit", "-qam", "broken")
    (repo / "parts" / "part2.prep").write_text("c -> -> d\n", encoding="utf-8")
    _git(repo, "commit", "-qam", "more broken")
    for new_first in (False, True):
        with pytest.raises(PrepError) as e:
            load_workspaces_at("HEAD~1", "HEAD", "main.prep", new_first=new_first)
        assert "part1.prep" in str(e.value.diagnostics[0].span) and "(at HEAD~1)" in e.value.diagnostics[0].message


def test_afterwards_hands_the_value_back_before_the_rest_is_done(tmp_path):
    mark = tmp_path / "done"

    def then():
        time.sleep(0.5)
        mark.write_text("x", encoding="utf-8")

    child = start(lambda: Afterwards(42, then))
    assert child.take() == 42
    assert not mark.exists()  # still sleeping
    assert child.wait() == 42 and mark.exists()
    stopped = start(lambda: Afterwards(1, then))
    assert stopped.take() == 1
    stopped.stop()  # not waited for: the rest is given up
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_afterwards_run_here_does_the_rest_first(tmp_path, monkeypatch):
    import prep._process as process

    monkeypatch.setattr(process, "inside_child", True)  # start() then runs the work here
    mark = tmp_path / "done"
    done = start(lambda: Afterwards("v", lambda: mark.write_text("x", encoding="utf-8")))
    assert mark.exists() and done.take() == "v" and done.wait() == "v"
