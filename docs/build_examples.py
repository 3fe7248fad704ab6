"""Render every model in examples/ into docs/examples/ (SVG and PNG).

    python docs/build_examples.py

tests/test_render.py checks that the checked-in SVGs are current.
"""

from pathlib import Path

import prep
from prep.output import write_output

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    out = ROOT / "docs" / "examples"
    out.mkdir(parents=True, exist_ok=True)
    for src in sorted((ROOT / "examples").glob("*.prep")):
        model = prep.load(src)
        for fmt in ("svg", "png"):
            write_output(str(out / f"{src.stem}.{fmt}"), prep.render(model, fmt, legend=True))
        print(f"rendered {src.name}")


if __name__ == "__main__":
    main()
