"""Shared test helpers: the CLI through click's runner and as a real
subprocess, and golden files re-accepted only with PREP_ACCEPT=1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from browser import browser  # noqa: F401 - the headless Chromium fixture, for every test module
from workspace_files import split, ws  # noqa: F401 - a workspace of real files (test_workspace*.py)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ACCEPT = os.environ.get("PREP_ACCEPT") == "1"
# renders in the tests' throw-away cache folders start no background cut of
# the base face (3-8 s of a core each); tests/test_fonts.py turns it on
os.environ.setdefault("PREP_NO_BACKGROUND_FONT", "1")


def check_golden(path: Path, actual: str) -> None:
    """Compare `actual` with the golden file at `path`. With PREP_ACCEPT=1 the
    file is (re)written instead; review the diff before committing it."""
    if ACCEPT:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"missing golden file {path}; run with PREP_ACCEPT=1 and review it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"output differs from {path} (PREP_ACCEPT=1 re-accepts after review)"


@pytest.fixture
def cli():
    """Invoke the click CLI in-process: cli('render', 'x.prep') -> Result."""
    from prep.cli import cli as prep_cli

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(prep_cli, list(args), input=input, catch_exceptions=False)

    return invoke


def run_prep(*args: str, cwd: Path | str | None = None, input: bytes | None = None,
             timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m prep ...` as a real process (bytes in, bytes out)."""
    full_env = dict(os.environ)
    full_env.pop("PREP_DEBUG", None)
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "prep", *args], cwd=cwd, input=input,
                          capture_output=True, timeout=timeout, env=full_env)


@pytest.fixture
def prep_run():
    return run_prep
