"""Write the report of every model in examples/ into docs/reports/: the
HTML page and the PDF (A4 landscape).

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
        model = prep.load(str(src))
        for fmt in ("html", "pdf"):
            data, _ = build_report(model, fmt)
            out = Path("docs/reports") / f"{src.stem}.{fmt}"
            write_output(str(out), data)
            print("wrote", out)


if __name__ == "__main__":
    main()
