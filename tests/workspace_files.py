"""The split model of issue 20 as real files: a workspace folder (with a
prep.toml) made the current folder, for tests/test_workspace.py and
tests/test_workspace_commands.py (`from workspace_files import ...`)."""

from __future__ import annotations

from pathlib import Path

import pytest

MAIN = 'title "受注から導入まで"\ninclude "sales.prep"\ninclude "delivery.prep"\n'
SALES = "deliverable 提案書 [external]\ndeliverable 受注\n提案書, 価格表 -> 受注\n"
DELIVERY = ("deliverable 価格表 [external]\nknowhow 導入ノウハウ [owner: [佐藤, 伊藤]]\n"
            "deliverable 導入計画 [final]\n受注, 導入ノウハウ -> 導入計画\n")
SECRET = "TOP-SECRET-TOKEN-4711"


def file_writer(folder: Path):
    """write(name, text or bytes) -> the file `name` under `folder`, its
    folders made: what the fixtures that build a project on disk hand out
    (here and tests/test_lint_cli.py)."""
    def write(name: str, text: str | bytes) -> Path:
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text, encoding="utf-8")
        return p

    return write


@pytest.fixture
def ws(tmp_path, monkeypatch):
    """A workspace folder (with prep.toml) as the current folder; ws(name, text) writes a file."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "prep.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(root)

    write = file_writer(root)
    write.root = root
    return write


@pytest.fixture
def split(ws):
    ws("main.prep", MAIN)
    ws("sales.prep", SALES)
    ws("delivery.prep", DELIVERY)
    return ws
