"""Pictures fitted to a page (issue 19): how many pages, at what text size,
with how many collisions, at what cost against a plain render.

    python bench/run.py --only-pages                    # examples + generated 30, 40, 100, 300
    python bench/pages.py --sizes 30,100 --runs 3 --json out.json

For every model (the examples, and generated models of both profiles with 4
stages and their groups) and every page (16:9, A4):

- pages: how many pages (slides) the model takes (`prep.layouter.fit`);
- smallest text: the smallest text drawn at 100% of the page (box text,
  notes, markers, exit tags, the legend), against the page's minimum;
- problems: what `prep.layouter.collisions` finds on every sheet (text on
  text, routes through boxes, clipped labels), when that module exists;
- time: `prep render M -o x.pdf --page P` against `prep render M -o x.pdf
  --page none` as whole processes, alternated, median of --runs; the ratio
  is the target (<= 1.5x);
- PDF KB: the size of that fitted PDF (every page's font subset included).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

PAGES = ("16:9", "A4")


def models(sizes: list[int], work: Path) -> list[tuple[str, Path]]:
    out = [(p.stem, p) for p in sorted((ROOT / "examples").glob("*.prep"))]
    for n in sizes:
        for profile in ("local", "long-range"):
            path = work / f"gen-{n}-{profile}.prep"
            path.write_text(generate(n, seed=1, profile=profile, stages=4), encoding="utf-8")
            out.append((f"generated {n} {profile}", path))
    return out


def smallest_text(sheet) -> float:
    """The smallest text size a sheet draws, in points at 100% of the page."""
    from prep.layouter import small_size

    sizes = [sheet.font_size, small_size(sheet.font_size, sheet.layout.page.min_text)]
    try:
        from prep.layouter.texts import exit_tag_font_size

        if any(s.exits for s in sheet.model.stages.values()):
            sizes.append(exit_tag_font_size(sheet.layout.page.min_text))
    except ImportError:
        from prep.renderer.dot import EXIT_TAG_FONT_SIZE

        if any(s.exits for s in sheet.model.stages.values()):
            sizes.append(EXIT_TAG_FONT_SIZE)
    return min(sizes)


def problems(sheets) -> int | None:
    try:
        from prep.layouter.collisions import problems as check
    except ImportError:
        return None
    return sum(len(check(s.layout)) for s in sheets)


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def measure(sizes: list[int], runs: int) -> list[dict]:
    import prep
    from prep.layouter.fit import fit_pages
    from prep.layouter.page import parse_page

    rows = []
    with tempfile.TemporaryDirectory(prefix="prep-pages-") as tmp:
        work = Path(tmp)
        for name, path in models(sizes, work):
            model = prep.load(str(path))
            for page_name in PAGES:
                page = parse_page(page_name)
                start = time.perf_counter()
                sheets = fit_pages(model, page)
                fit_s = time.perf_counter() - start
                row = {"model": name, "deliverables": len(model.deliverables), "page": page_name,
                       "pages": len(sheets), "direction": sheets[0].direction, "split": sheets[0].split,
                       "smallest_text": smallest_text_of(sheets), "min_text": page.min_text,
                       "problems": problems(sheets), "fit_s": round(fit_s, 3)}
                if runs:
                    base = [sys.executable, "-m", "prep", "render", str(path), "-o", str(work / "x.pdf")]
                    fitted, plain = [], []
                    for _ in range(runs):  # alternated: both see the same load
                        fitted.append(timed(base + ["--page", page_name]))
                        plain.append(timed(base + ["--page", "none"]))
                    row["render_page_s"] = round(statistics.median(fitted), 3)
                    row["render_plain_s"] = round(statistics.median(plain), 3)
                    row["ratio"] = round(row["render_page_s"] / row["render_plain_s"], 2)
                    subprocess.run(base + ["--page", page_name], check=True, capture_output=True)
                    row["pdf_kb"] = round((work / "x.pdf").stat().st_size / 1024)
                rows.append(row)
                print(table_row(row), file=sys.stderr, flush=True)
    return rows


def smallest_text_of(sheets) -> float:
    return min(smallest_text(s) for s in sheets)


HEAD = ("| model | n | page | pages | dir | cut | smallest text (min) | problems | fit s | render s (plain) | ratio "
        "| PDF KB |")


def table_row(r: dict) -> str:
    plain = f"{r['render_page_s']} ({r['render_plain_s']})" if "ratio" in r else "-"
    return (f"| {r['model']} | {r['deliverables']} | {r['page']} | {r['pages']} | {r['direction']} | {r['split']} "
            f"| {r['smallest_text']:g} ({r['min_text']:g}) | {'-' if r['problems'] is None else r['problems']} "
            f"| {r['fit_s']} | {plain} | {r.get('ratio', '-')} | {r.get('pdf_kb', '-')} |")


def table(rows: list[dict]) -> str:
    return "\n".join([HEAD, "|" + "---|" * 12] + [table_row(r) for r in rows])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="30,40,100,300", help="generated model sizes (both profiles, 4 stages)")
    ap.add_argument("--runs", type=int, default=3, help="whole-process renders of each kind (0: fitting only)")
    ap.add_argument("--json", help="write the rows here too")
    args = ap.parse_args(argv)
    rows = measure([int(s) for s in args.sizes.split(",") if s.strip()], args.runs)
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
