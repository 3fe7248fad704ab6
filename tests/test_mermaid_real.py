"""Opt-in: prep's Mermaid output parsed by the real Mermaid parser.

The default suite checks the Mermaid text with a Python reader (it must
run with Python and pip only). With Node and Mermaid installed (the
versions pinned in tests/mermaid/package.json; `.ci/run` does this, so CI
runs it):

    cd tests/mermaid && npm install --ignore-scripts && cd ../..
    PREP_MERMAID_CHECK=1 python -m pytest tests/test_mermaid_real.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import prep
from conftest import EXAMPLES

HERE = Path(__file__).resolve().parent / "mermaid"

HOSTILE = r'''title "x <script>alert(1)</script> & \"q\""
deliverable "a;b" "end [x] {y} \"q\" #1 %% <b>"
knowhow "graph TD" [owner: ["click", "call"]]
"a;b", "graph TD" -> "subgraph" [note: "-->|x| y"]
"subgraph" <~> end
group "classDef" "style x fill:#f00" { deliverable "click x call y()" }
'''

pytestmark = pytest.mark.skipif(
    not (os.environ.get("PREP_MERMAID_CHECK") and shutil.which("node")
         and (HERE / "node_modules" / "mermaid").is_dir()),
    reason="opt-in: PREP_MERMAID_CHECK=1 with Node and tests/mermaid/node_modules (see module docstring)")


def test_real_mermaid_parses_every_example_and_hostile_labels(tmp_path):
    files = []
    for src in sorted(EXAMPLES.glob("*.prep")) + [None]:
        model = prep.load(src) if src else prep.loads(HOSTILE)
        for lint in (False, True):
            out = tmp_path / f"{src.stem if src else 'hostile'}{'-lint' if lint else ''}.mmd"
            findings = [d for d in prep.lint(model) if d.subject] if lint else None
            out.write_bytes(prep.render(model, "mmd", findings=findings))
            files.append(str(out))
    # --part: the neighbours' class and the faint relations' linkStyle
    root = EXAMPLES / "workspace"
    from prep.language.views import model_file, part
    from prep.renderer.parts import PartMarks

    whole = prep.load(root / "main.prep")
    view, neighbours = part(whole, model_file(whole, str(root / "delivery.prep")))
    out = tmp_path / "part.mmd"
    out.write_bytes(prep.render(view, "mmd", marks=PartMarks.of(view, neighbours)))
    assert "linkStyle" in out.read_text(encoding="utf-8")
    files.append(str(out))
    broken = tmp_path / "broken.mmd"
    broken.write_text('flowchart LR\n  a["x"]] --> b\n')
    check = [shutil.which("node"), str(HERE / "check.mjs")]
    ok = subprocess.run(check + files, capture_output=True, text=True, cwd=HERE)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count("ok ") == len(files)
    bad = subprocess.run(check + [str(broken)], capture_output=True, text=True, cwd=HERE)
    assert bad.returncode == 1  # the checker itself can fail
