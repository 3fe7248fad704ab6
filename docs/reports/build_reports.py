"""Write the report page of every model in examples/ into docs/reports/.

    python docs/reports/build_reports.py

Run from anywhere; paths in the reports are relative to the repository root.
"""

import os
from pathlib import Path

import prep
from prep.renderer.output import write_output
from prep.embed.report import build_report

ROOT = Path(__file__).resolve().parent.parent.parent


def main() -> None:
    os.chdir(ROOT)
    for src in sorted(Path("examples").glob("*.prep")):
        data, _ = build_report(prep.load(str(src)), "html")
        out = Path("docs/reports") / (src.stem + ".html")
        write_output(str(out), data)
        print("wrote", out)


if __name__ == "__main__":
    main()
