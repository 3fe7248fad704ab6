"""Pictures of docs/embedding.md.

    python docs/images/embedding/build.py

- feature-addition.mmd: the Mermaid text shown in the page;
- feature-addition-slide.png: a preview drawn from the shapes of the .pptx
  slide (read back with python-pptx by pptx_preview.py: boxes, connectors,
  text; PowerPoint itself draws arrowheads and dashes more finely);
- health-as-is-findings.svg: the diagram of a report, findings drawn on it.
"""

import os
import subprocess
import sys
from pathlib import Path

import prep
from prep.renderer.output import write_output
from prep.embed.report import lint_findings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent


def main() -> None:
    os.chdir(ROOT)
    honest = prep.load("examples/feature-addition-honest.prep")
    write_output(str(HERE / "feature-addition.mmd"), prep.render(honest, "mmd"))
    slide = HERE / "feature-addition.pptx"
    write_output(str(slide), prep.render(honest, "pptx"))
    subprocess.run([sys.executable, str(HERE / "pptx_preview.py"), str(slide), str(HERE / "feature-addition-slide.png")],
                   check=True)
    slide.unlink()
    as_is = prep.load("examples/health-management-as-is.prep")
    findings = [d for d in lint_findings(as_is) or [] if d.subject is not None]
    write_output(str(HERE / "health-as-is-findings.svg"), prep.render(as_is, "svg", findings=findings, legend=True))


if __name__ == "__main__":
    main()
