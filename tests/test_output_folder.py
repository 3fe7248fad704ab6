"""Every command that writes -o says a missing folder the same way: at the
path given (relative as given), naming the folder, with a hint to create
it; exit 2 and nothing written. render said "out/x.svg:1:1: error: the
output directory does not exist: /abs/out", report "prep report: error:
cannot write r.html: the folder out/ does not exist"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import run_prep

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

COMMANDS = {
    "render": ["render", "m.prep", "-o", "{out}/m.svg"],
    "render --page": ["render", "m.prep", "--page", "16:9", "-o", "{out}/m.png"],
    "render --flipbook": ["render", "m.prep", "--flipbook", "-o", "{out}/book.html"],
    "render --flipbook folder": ["render", "m.prep", "--flipbook", "-o", "{out}/frames/"],
    "render --diff": ["render", "--diff", "m.prep", "m.prep", "-o", "{out}/d.svg"],
    "report html": ["report", "m.prep", "-o", "{out}/r.html"],
    "report md": ["report", "m.prep", "-o", "{out}/r.md"],
    "report pdf": ["report", "m.prep", "-o", "{out}/r.pdf"],
    "export xlsx": ["export", "m.prep", "-o", "{out}/c.xlsx"],
    "export csv folder": ["export", "m.prep", "-o", "{out}/catalogue/"],
    "import": ["import", "c.xlsx", "-o", "{out}/m.prep"],
    "md": ["md", "doc.md", "-o", "{out}/doc.md"],
    "lint": ["lint", "m.prep", "-o", "{out}/lint.txt"],
    "lint sarif": ["lint", "m.prep", "--format", "sarif", "-o", "{out}/lint.sarif"],
    "status": ["status", "m.prep", "--data", "values.csv", "-o", "{out}/status.txt"],
}


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    work = tmp_path_factory.mktemp("work")
    shutil.copy(EXAMPLES / "cs-onboarding.prep", work / "m.prep")
    shutil.copy(EXAMPLES / "cs-onboarding.values.csv", work / "values.csv")
    (work / "doc.md").write_text("# x\n\n```prep\nknowhow k\na, k -> b\n```\n", encoding="utf-8")
    assert run_prep("export", "m.prep", "-o", "c.xlsx", cwd=work).returncode == 0
    return work


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize("out", ["out", "no/such"])
def test_a_missing_output_folder_is_said_the_same_by_every_command(work, name, out):
    before = _files(work)
    args = [a.format(out=out) for a in COMMANDS[name]]
    given = args[args.index("-o") + 1]
    result = run_prep(*args, cwd=work)
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert err.splitlines() == [f"{given}:1:1: error: the folder {out}/ does not exist",
                                f"  hint: create it first (mkdir -p {out}) or choose another -o path"], err
    assert result.stdout == b""
    assert _files(work) == before   # nothing written, no folder made


def test_a_file_on_the_way_is_said_so_without_mkdir(work):
    for args in (["render", "m.prep", "-o", "m.prep/x.svg"], ["report", "m.prep", "-o", "m.prep/r.pdf"],
                 ["lint", "m.prep", "-o", "m.prep/sub/l.txt"]):
        result = run_prep(*args, cwd=work)
        err = result.stderr.decode()
        assert result.returncode == 2, err
        assert err.splitlines() == [f"{args[-1]}:1:1: error: m.prep is a file, not a folder",
                                    "  hint: choose another -o path"]
