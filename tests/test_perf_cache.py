"""The lint cache, through the command line: a warm run says exactly what a
cold run says, and anything the result depends on (content, configuration,
prep itself) makes it lint again."""

from __future__ import annotations

import json

import pytest

import prep.linter.cache
import prep.linter.run
from conftest import run_prep

MODEL = """\
deliverable 顧客の要望リスト [external]
knowhow 開発ノウハウ
顧客の要望リスト, 開発ノウハウ -> 追加のサービス
追加のサービス <~> 承認
単独 -> 結果
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder (with a .git marker) as the current folder, and a
    counter of how many models were really linted."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "m.prep").write_text(MODEL, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PREP_CACHE_DIR", raising=False)
    linted = []
    real = prep.linter.run.lint_model

    def counting(model, **kw):
        linted.append(model.path)
        return real(model, **kw)

    monkeypatch.setattr(prep.linter.run, "lint_model", counting)
    return tmp_path, linted


def test_warm_run_is_identical(cli, project):
    root, linted = project
    for fmt in ("text", "json", "sarif", "github"):
        cold = cli("lint", "m.prep", "--format", fmt)
        warm = cli("lint", "m.prep", "--format", fmt)
        assert warm.output == cold.output
        assert warm.exit_code == cold.exit_code == 1
    assert len(linted) == 1  # one real lint; every other run came from the cache
    cache = root / ".prep_cache"
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (cache / ".gitignore").read_text().strip().endswith("*")
    assert list(cache.glob("lint-*/*/*.json"))


def test_no_cache_lints_and_writes_nothing(cli, project):
    root, linted = project
    cli("lint", "m.prep", "--no-cache")
    cli("lint", "m.prep", "--no-cache")
    assert len(linted) == 2
    assert not (root / ".prep_cache").exists()


def test_changed_content_is_linted_again(cli, project):
    root, linted = project
    first = cli("lint", "m.prep")
    (root / "m.prep").write_text(MODEL + "another -> 結果\n", encoding="utf-8")
    second = cli("lint", "m.prep")
    assert len(linted) == 2
    assert second.output != first.output
    # and back: the first content's entry is still valid
    (root / "m.prep").write_text(MODEL, encoding="utf-8")
    assert cli("lint", "m.prep").output == first.output
    assert len(linted) == 2


def test_changed_configuration_is_linted_again(cli, project):
    root, linted = project
    everything = cli("lint", "m.prep")
    fewer = cli("lint", "m.prep", "--ignore", "K201")
    assert len(linted) == 2
    assert fewer.output != everything.output
    # the key is the configuration in effect, wherever it comes from
    (root / "prep.toml").write_text('[lint]\nignore = ["K201"]\n', encoding="utf-8")
    assert cli("lint", "m.prep").output == fewer.output
    assert len(linted) == 2
    (root / "prep.toml").write_text('[lint]\nselect = ["K201"]\n', encoding="utf-8")
    only = cli("lint", "m.prep")
    assert len(linted) == 3
    assert only.output not in (everything.output, fewer.output)


def test_new_prep_version_is_linted_again(cli, project, monkeypatch):
    root, linted = project
    cli("lint", "m.prep")
    monkeypatch.setattr(prep.linter.cache, "code_fingerprint", lambda: "another-version")
    cli("lint", "m.prep")
    assert len(linted) == 2


def test_a_broken_entry_is_a_miss(cli, project):
    root, linted = project
    first = cli("lint", "m.prep")
    for entry in root.glob(".prep_cache/lint-*/*/*.json"):
        entry.write_text("{not json", encoding="utf-8")
    assert cli("lint", "m.prep").output == first.output
    assert len(linted) == 2


def test_syntax_errors_are_cached_too(cli, project):
    root, linted = project
    (root / "bad.prep").write_text("a => b\n", encoding="utf-8")
    cold = cli("lint", "bad.prep")
    warm = cli("lint", "bad.prep")
    assert cold.exit_code == warm.exit_code == 2
    assert warm.output == cold.output


def test_cache_dir_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PREP_CACHE_DIR", str(tmp_path / "elsewhere"))
    cache = prep.linter.cache.LintCache.open(tmp_path)
    assert cache is not None and cache.directory == tmp_path / "elsewhere"


def test_a_real_process_warm_run(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "m.prep").write_text(MODEL, encoding="utf-8")
    cold = run_prep("lint", "m.prep", "--format", "json", cwd=tmp_path)
    warm = run_prep("lint", "m.prep", "--format", "json", cwd=tmp_path)
    assert cold.returncode == warm.returncode == 1
    assert warm.stdout == cold.stdout and warm.stderr == cold.stderr
    assert json.loads(warm.stdout)
    assert list((tmp_path / ".prep_cache").glob("lint-*/*/*.json"))
