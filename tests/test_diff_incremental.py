"""prep diff of a big model (issue 20): the new side's ranking worked out
from the old side's reachability counts and the change
(prep/linter/reach_delta.py), and review records of a revision's
findings, ranking and counts (prep/linter/review_record.py). Whatever was
kept or worked out incrementally, the review must be exactly the full
review: the same text and the same JSON.

Both paths are taken from `review_record.BIG` deliverables on; the tests
lower it so that small generated workspaces take them."""

from __future__ import annotations

import os
import random
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import prep
from prep.linter import reach_delta, review_record, review_sides
from prep.linter.hotspots import reach_counts
from prep.linter.reach_delta import counts_after

# --------------------------------------------------- the counts themselves


def _counts(model):
    return reach_counts(model, model.index)


_EDGES = st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11), st.sampled_from(["->", "~>", "<~>"])),
                  max_size=30)


def _model(edges, extra=()):
    lines = [f"d{a} {arrow} d{b}" for a, b, arrow in edges]
    lines += [f"deliverable d{n}" for n in extra]
    return prep.loads("\n".join(lines) + "\n", "m.prep")


@contextmanager
def _incremental(small: int):
    """counts_after however much the change reaches (a small model's
    changes reach more than the quarter it stops at), the downstream side
    taken at once up to `small` deliverables (0: the smaller side)."""
    saved = reach_delta.AFFECTED_SHARE, reach_delta._SMALL
    reach_delta.AFFECTED_SHARE, reach_delta._SMALL = 1e-9, small
    try:
        yield
    finally:
        reach_delta.AFFECTED_SHARE, reach_delta._SMALL = saved


@settings(max_examples=300, deadline=None)
@given(_EDGES, _EDGES, st.lists(st.integers(0, 14), max_size=3), st.sampled_from([0, 64]))
def test_counts_after_a_change_are_the_full_counts(before, after, lone, small):
    """Any two graphs (cycles, deliverables that come and go, edges that
    turn into synchronizations), either side of the change taken: the
    incremental counts are the counts."""
    old, new = _model(before), _model(after, lone)
    up, down = _counts(old)
    with _incremental(small):
        assert counts_after(old, new, up, down) == _counts(new)


@pytest.mark.parametrize("small", [0, 64])
def test_counts_after_a_small_change_are_incremental(small):
    """Upstream of the change (X) is the smaller side when the edge is
    added near the top; downstream (Y) near the end."""
    chain = [(i, i + 1, "->") for i in range(40)]
    for edge in [(0, 41, "->"), (39, 42, "->"), (3, 1, "->")]:
        old, new = _model(chain), _model(chain + [edge])
        up, down = _counts(old)
        assert counts_after(old, new, up, down) == _counts(new)
        with _incremental(small):
            assert counts_after(old, new, up, down) == _counts(new)


# ------------------------------------------- whole reviews of workspaces in git


STAGES = ["s1", "s2", "s3"]


class Workspace:
    """A small workspace as data: declarations and relations, each in one
    of three part files; stages declared in the root."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.counter = 0
        self.decls: dict[str, dict] = {}
        self.relations: list[list] = []  # [file, source, arrow, target]
        self.stages = list(STAGES[: rng.randint(0, 3)])
        for _ in range(rng.randint(6, 14)):
            self.add_deliverable()
        for _ in range(rng.randint(6, 20)):
            self.add_relation()

    def fresh(self) -> str:
        self.counter += 1
        return f"成果物{self.counter}"

    def names(self) -> list[str]:
        found = set(self.decls)
        for _, a, _, b in self.relations:
            found.update((a, b))
        return sorted(found)

    def add_deliverable(self):
        rng = self.rng
        knowhow = rng.random() < 0.3
        self.decls[self.fresh()] = {
            "file": rng.randrange(3), "kind": "knowhow" if knowhow else "deliverable",
            "owners": rng.sample(["田中", "鈴木", "佐藤"], rng.randint(0, 2)) if knowhow else [],
            "external": rng.random() < 0.2, "note": rng.choice([None, "初版", "改訂"]),
            "stage": rng.choice([None, *self.stages]) if self.stages else None}

    def add_relation(self, arrow: str | None = None):
        rng = self.rng
        names = self.names() or [self.fresh()]
        source = rng.choice(names + [self.fresh()]) if rng.random() < 0.15 else rng.choice(names)
        self.relations.append([rng.randrange(3), source, arrow or rng.choice(["->", "->", "->", "~>", "<~>"]),
                               rng.choice(names)])

    def edit(self):
        rng = self.rng
        what = rng.choice(["add", "remove", "rename", "relate", "unrelate", "move", "attribute", "sync", "owner",
                           "stage"])
        names = sorted(self.decls)
        if what == "add" or not names:
            self.add_deliverable()
        elif what == "remove":
            gone = rng.choice(names)
            del self.decls[gone]
            self.relations = [r for r in self.relations if gone not in (r[1], r[3]) or rng.random() < 0.5]
        elif what == "rename":
            old, new = rng.choice(self.names()), self.fresh()
            if old in self.decls:
                self.decls[new] = self.decls.pop(old)
            for r in self.relations:
                r[1], r[3] = (new if r[1] == old else r[1]), (new if r[3] == old else r[3])
        elif what == "relate":
            self.add_relation()
        elif what == "unrelate" and self.relations:
            self.relations.pop(rng.randrange(len(self.relations)))
        elif what == "move":
            if self.relations and rng.random() < 0.5:
                rng.choice(self.relations)[0] = rng.randrange(3)
            else:
                self.decls[rng.choice(names)]["file"] = rng.randrange(3)
        elif what == "attribute":
            d = self.decls[rng.choice(names)]
            key = rng.choice(["external", "note", "stage"])
            d[key] = (not d["external"] if key == "external" else rng.choice([None, "再版"]) if key == "note"
                      else rng.choice([None, *self.stages]) if self.stages else None)
        elif what == "sync":
            self.add_relation(rng.choice(["~>", "<~>"]))
        elif what == "owner":
            knowhow = [n for n in names if self.decls[n]["kind"] == "knowhow"]
            if knowhow:
                owners = rng.sample(["田中", "鈴木", "佐藤"], rng.randint(0, 3))
                self.decls[rng.choice(knowhow)]["owners"] = owners
            else:
                self.decls[rng.choice(names)].update(kind="knowhow", owners=["田中"])
        elif what == "stage":
            if len(self.stages) < 3 and rng.random() < 0.6:
                self.stages.append(next(s for s in STAGES if s not in self.stages))
            elif self.stages:
                if rng.random() < 0.5:
                    rng.shuffle(self.stages)
                else:
                    gone = self.stages.pop()
                    for d in self.decls.values():
                        d["stage"] = None if d["stage"] == gone else d["stage"]

    def write(self, folder: Path):
        root = ['title "分割"']
        for i, s in enumerate(self.stages):  # an exit criterion is in its own stage, or in none
            exits = [n for n, d in sorted(self.decls.items()) if d["stage"] in (None, s)]
            root.append(f"stage {s}" + (f" [exit: {exits[i % len(exits)]}]" if exits and i % 2 == 0 else ""))
        root.append('include "parts/*.prep"')
        (folder / "main.prep").write_text("\n".join(root) + "\n", encoding="utf-8")
        parts = [[] for _ in range(3)]
        for name, d in sorted(self.decls.items()):
            attrs = []
            if d["external"]:
                attrs.append("external")
            if d["note"]:
                attrs.append(f'note: "{d["note"]}"')
            if d["stage"]:
                attrs.append(f"stage: {d['stage']}")
            if d["owners"]:
                attrs.append("owner: [" + ", ".join(d["owners"]) + "]")
            parts[d["file"]].append(f"{d['kind']} {name}" + (f" [{', '.join(attrs)}]" if attrs else ""))
        for file, a, arrow, b in self.relations:
            parts[file].append(f"{a} {arrow} {b}")
        (folder / "parts").mkdir(exist_ok=True)
        for i, lines in enumerate(parts):
            (folder / "parts" / f"part{i}.prep").write_text("\n".join(lines) + "\n", encoding="utf-8")
        # the same model in one file (read side by side, not together)
        single = root[:-1] + [line for lines in parts for line in lines]
        (folder / "single.prep").write_text("\n".join(single) + "\n", encoding="utf-8")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _two_revisions(repo: Path, seed: int) -> None:
    rng = random.Random(seed)
    ws = Workspace(rng)
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.invalid")
    _git(repo, "config", "user.name", "t")
    ws.write(repo)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    for _ in range(rng.randint(1, 4)):
        ws.edit()
    ws.write(repo)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "head", "--allow-empty")


@pytest.fixture
def diff(cli, monkeypatch, tmp_path):
    """diff(range, *options, big=True, cache="name") -> (exit code, output):
    `prep diff RANGE -- main.prep` in-process, with records kept in
    tmp_path/cache-NAME (None: --no-cache), big models from 1 deliverable
    (`big`) or never."""

    def run(rev_range: str, *options: str, big: bool = True, cache: str | None = "c", root: str = "main.prep"):
        monkeypatch.setattr(review_record, "BIG", 1 if big else 10**9)
        monkeypatch.setattr(reach_delta, "AFFECTED_SHARE", 1e-9)  # incremental however much a change reaches
        if cache is None:
            options = (*options, "--no-cache")
        else:
            monkeypatch.setenv("PREP_CACHE_DIR", str(tmp_path / f"cache-{cache}"))
        result = cli("diff", *options, rev_range, "--", root)
        assert result.exit_code in (0, 1), result.output
        return result.output

    return run


@pytest.mark.parametrize("root", ["main.prep", "single.prep"])  # read together; each side on its own
@pytest.mark.parametrize("seed", range(12))
def test_incremental_and_recorded_reviews_are_the_full_review(tmp_path, monkeypatch, diff, seed, root):
    repo = tmp_path / "repo"
    repo.mkdir()
    _two_revisions(repo, seed)
    monkeypatch.chdir(repo)
    for fmt in ("text", "json"):
        def same(rev_range, **kw):
            return diff(rev_range, "-f", fmt, root=root, **kw)

        full = same("HEAD~1..HEAD", big=False, cache=None)
        assert same("HEAD~1..HEAD", cache=None) == full  # no records: each side in full
        assert same("HEAD~1..HEAD", cache=f"cold-{fmt}") == full  # records made
        assert same("HEAD~1..HEAD", cache=f"cold-{fmt}") == full  # both sides recorded
        same("HEAD~1..HEAD~1", cache=f"base-{fmt}")  # only the base recorded: a pull request
        assert same("HEAD~1..HEAD", cache=f"base-{fmt}") == full
        same("HEAD..HEAD", cache=f"head-{fmt}")  # only the head recorded
        assert same("HEAD~1..HEAD", cache=f"head-{fmt}") == full


# ------------------------------------------------------------ the records


def two_revision_repo(tmp_path, monkeypatch, seed: int) -> Path:
    """A repository of two random revisions of a workspace (`seed`), the
    working folder (the `repo` fixtures here and in test_diff_warm)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _two_revisions(repo, seed)
    monkeypatch.chdir(repo)
    return repo


@pytest.fixture
def repo(tmp_path, monkeypatch):
    return two_revision_repo(tmp_path, monkeypatch, 1234)


def _records(tmp_path, cache="c") -> list[Path]:
    return sorted((tmp_path / f"cache-{cache}").glob("review-*/*.gz"))


def test_a_recorded_side_is_neither_linted_nor_ranked(repo, tmp_path, diff, monkeypatch):
    first = diff("HEAD~1..HEAD")
    assert len(_records(tmp_path)) == 4  # findings and ranking of each side

    def fail(*args, **kwargs):
        raise AssertionError("linted again")

    monkeypatch.setattr(review_sides, "lint_and_rank", fail)
    monkeypatch.setattr(review_sides, "lint_model", fail)
    assert diff("HEAD~1..HEAD") == first


def test_other_lint_settings_are_another_record(repo, tmp_path, diff):
    first = diff("HEAD~1..HEAD")
    (repo / "prep.toml").write_text('[lint]\nselect = ["I"]\n', encoding="utf-8")
    narrower = diff("HEAD~1..HEAD")
    assert narrower == diff("HEAD~1..HEAD", big=False, cache=None)
    assert len(_records(tmp_path)) == 8
    (repo / "prep.toml").unlink()
    assert diff("HEAD~1..HEAD") == first


@pytest.mark.parametrize("damage", [b"", b"not zlib", b"x\x9c\x03\x00\x00\x00\x00\x01",
                                    __import__("zlib").compress(b'{"hotspots": [[1]], "up": [], "down": []}'),
                                    __import__("zlib").compress(b'[[1, 2], [3]]')])
def test_a_damaged_record_is_ignored(repo, tmp_path, diff, damage):
    first = diff("HEAD~1..HEAD")
    for path in _records(tmp_path):
        path.write_bytes(damage)
    assert diff("HEAD~1..HEAD") == first
    assert diff("HEAD~1..HEAD") == first


def test_records_where_no_cache_folder_can_be_written(repo, tmp_path, cli, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("PREP_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "home"))
    monkeypatch.setattr(review_record, "BIG", 1)
    result = cli("diff", "HEAD~1..HEAD", "--", "main.prep")
    monkeypatch.setattr(review_record, "BIG", 10**9)
    assert result.output == cli("diff", "--no-cache", "HEAD~1..HEAD", "--", "main.prep").output


def test_records_are_pruned(repo, tmp_path, diff, monkeypatch):
    monkeypatch.setattr(review_record, "MAX_RECORDS", 2)
    stale = tmp_path / "cache-c" / "review-0123456789abcdef"
    stale.mkdir(parents=True)
    (stale / "x.ranking.json.gz").write_bytes(b"")
    diff("HEAD~1..HEAD")
    diff("HEAD..HEAD")
    (repo / "prep.toml").write_text('[lint]\nselect = ["I"]\n', encoding="utf-8")
    diff("HEAD~1..HEAD")
    assert not stale.exists()
    rankings = [p for p in _records(tmp_path) if p.name.endswith(".ranking.json.gz")]
    assert len(rankings) == 2
    assert not [p for p in (tmp_path / "cache-c").rglob("*.tmp")]


def test_a_big_workspace_through_a_real_process(tmp_path, prep_run):
    """Above BIG with no patching: the records are made and read, and the
    output is the output without them."""
    repo = tmp_path / "big"
    (repo / "parts").mkdir(parents=True)
    n = review_record.BIG + 50
    (repo / "main.prep").write_text('title "big"\ninclude "parts/*.prep"\n', encoding="utf-8")
    for part in range(4):
        lines = [f"n{i} -> n{i + 1}" if i % 7 else f"n{i} -> n{i + 3}" for i in range(part, n, 4)]
        (repo / "parts" / f"p{part}.prep").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.invalid")
    _git(repo, "config", "user.name", "t")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    with open(repo / "parts" / "p1.prep", "a", encoding="utf-8") as f:
        f.write("n5 -> extra\nextra ~> n9\n")
    _git(repo, "commit", "-qam", "head")
    env = {**os.environ, "PREP_CACHE_DIR": str(tmp_path / "cache")}
    args = ("diff", "-f", "json", "HEAD~1..HEAD", "--", "main.prep")
    first = subprocess.run([*_prep(), *args], cwd=repo, env=env, capture_output=True)
    assert first.returncode == 0 and not first.stderr, first.stderr
    assert len(list((tmp_path / "cache").glob("review-*/*.gz"))) == 4
    again = subprocess.run([*_prep(), *args], cwd=repo, env=env, capture_output=True)
    plain = prep_run("diff", "--no-cache", *args[1:], cwd=repo)
    assert first.stdout == again.stdout == plain.stdout


def _prep() -> list[str]:
    import sys

    return [sys.executable, "-m", "prep"]


def test_a_head_that_cannot_be_read_stops_the_base_already_under_way(repo, cli, monkeypatch, tmp_path):
    """Read together, the base's lint starts before the head is built: a
    head with an error is reported as usual, and no child is left."""
    monkeypatch.setattr(review_record, "BIG", 1)
    monkeypatch.setenv("PREP_CACHE_DIR", str(tmp_path / "cache"))
    (repo / "parts" / "part1.prep").write_text("a -> -> b\n", encoding="utf-8")
    _git(repo, "commit", "-qam", "broken")
    result = cli("diff", "HEAD~1..HEAD", "--", "main.prep")
    assert result.exit_code == 2 and "part1.prep:1:" in result.output and "Traceback" not in result.output
    with pytest.raises(ChildProcessError):  # every child waited for
        os.waitpid(-1, os.WNOHANG)
