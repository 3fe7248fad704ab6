"""Render the pictures in docs/: every model in examples/ into
docs/examples/ (SVG and PNG), and every ```prep snippet of docs/language.md
that is followed by an image link into that image.

    python docs/build_examples.py

tests/test_docs.py checks that the checked-in pictures are current.
"""

import re
from pathlib import Path

import prep
from prep.renderer.output import write_output

ROOT = Path(__file__).resolve().parent.parent


SNIPPET = re.compile(r"```prep\n(.*?)```\s*\n!\[[^\]]*\]\(([^)]+\.svg)\)", re.S)


def language_snippets(doc: Path) -> list[tuple[str, Path]]:
    """(model text, picture path) for each snippet with a picture under it."""
    text = doc.read_text(encoding="utf-8")
    return [(m.group(1), doc.parent / m.group(2)) for m in SNIPPET.finditer(text)]


def main() -> None:
    out = ROOT / "docs" / "examples"
    out.mkdir(parents=True, exist_ok=True)
    for src in sorted((ROOT / "examples").glob("*.prep")):
        model = prep.load(src)
        for fmt in ("svg", "png"):
            write_output(str(out / f"{src.stem}.{fmt}"), prep.render(model, fmt, legend=True))
        print(f"rendered {src.name}")
    for text, picture in language_snippets(ROOT / "docs" / "language.md"):
        picture.parent.mkdir(parents=True, exist_ok=True)
        write_output(str(picture), prep.render(prep.loads(text, path=picture.stem + ".prep"), "svg"))
        print(f"rendered {picture.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
