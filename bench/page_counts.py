"""How many pages and off-page markers fitting takes, and whether the pages
read in the process's order (issue 19): the counts docs/pages.md and
docs/performance.md quote for a change to how pieces are cut and packed.

    python bench/page_counts.py                       # examples + generated 30, 40, 100
    python bench/page_counts.py --sizes 30,100 --json counts.json
    python bench/page_counts.py --compare before.json after.json

For every example and generated model of both profiles (seed 1, 4 stages),
on 16:9, A4 and A4 portrait, in the diagram view and (with stages) the
roadmap view, with the legend as `prep render --legend` draws it:

- pages: `fit_pages`' sheets;
- markers: the off-page markers on them;
- against the flow: pages whose last stage (in the model's order, each
  deliverable's effective stage) is later than the next page's last stage
  (a reader turning the page goes back in the process);
- arrows into markers, and of those the arrows whose marker does not name
  where they lead: the first end the marker names is not an end of any
  relation the arrow stands for (a reader following the arrow from its box
  looks up the wrong deliverable);
- crossings: pairs of routes that cross, over every page (`quality.crossings`).

Counts, not times: `bench/pages.py` measures the cost.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from pages import models  # noqa: E402

PAGES = ("16:9", "A4", "A4-portrait")


def misnamed(sheet, model) -> tuple[int, int]:
    """(arrows between a box and a marker, those of them whose marker names
    an end none of its relations leads to) on `sheet`."""
    arrows = wrong = 0
    for mk in sheet.markers:
        rels = [model.relations[k] for k in mk.relations]
        boxes = {}   # each box's arrow to the marker: the ends its relations lead to
        for r in rels:
            local, other = (r.source, r.target) if mk.outgoing else (r.target, r.source)
            boxes.setdefault(local, set()).add(other)
        arrows += len(boxes)
        wrong += sum(1 for ends in boxes.values() if mk.others[0] not in ends)
    return arrows, wrong


def count(model, page_name: str, view: str) -> tuple[int, int, int, str, int, int, int]:
    """(pages, markers, pages against the flow, how the model was cut,
    arrows into markers, those whose marker names another end, crossings)."""
    from quality import crossings

    from prep.layouter.fit import fit_pages, is_marker
    from prep.layouter.page import parse_page

    sheets = fit_pages(model, parse_page(page_name), legend=True, view=view)
    order, where = list(model.stages), model.effective_stages
    last = [max((order.index(where[n]) for n in s.model.deliverables if not is_marker(n) and where.get(n) in order),
                default=None) for s in sheets]
    back = sum(1 for a, b in zip(last, last[1:]) if a is not None and b is not None and b < a)
    named = [misnamed(s, model) for s in sheets]
    return (len(sheets), sum(len(s.markers) for s in sheets), back, sheets[0].split,
            sum(a for a, _ in named), sum(w for _, w in named), sum(crossings(s.layout) for s in sheets))


def run(sizes: list[int], work: Path) -> dict[str, list]:
    import prep

    out: dict[str, list] = {}
    for name, path in models(sizes, work):   # the page benchmark's models
        model = prep.load(str(path))
        for page_name in PAGES:
            for view in ("diagram", "roadmap") if model.stages else ("diagram",):
                out[f"{name} | {page_name} | {view}"] = list(count(model, page_name, view))
    return out


def totals(counts: dict[str, list]) -> tuple[int, int, int, int, int, int]:
    """pages, markers, pages against the flow, arrows into markers, those
    misnamed, crossings (0 for a --json file written before these were
    counted)."""
    return tuple(sum((v[k] if k < len(v) else 0) for v in counts.values()) for k in (0, 1, 2, 4, 5, 6))


def said(totals_: tuple) -> str:
    pages, markers, back, arrows, wrong, crossed = totals_
    return (f"{pages} pages, {markers} markers, {back} pages against the flow, "
            f"{wrong} of {arrows} arrows into markers named after another end, {crossed} crossings")


def main(argv: list[str] | None = None) -> int:
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="30,40,100", help="generated models' sizes (default 30,40,100)")
    ap.add_argument("--json", type=Path, help="write every case's counts here")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"),
                    help="the totals of two --json files and the cases that differ")
    args = ap.parse_args(argv)
    if args.compare:
        before, after = (json.loads(p.read_text(encoding="utf-8")) for p in args.compare)
        for case in sorted(set(before) | set(after)):
            if before.get(case) != after.get(case):
                print(f"{case}: {before.get(case)} -> {after.get(case)}")
        for label, counts in (("before", before), ("after", after)):
            print(f"{label}: {said(totals(counts))} ({len(counts)} cases)")
        return 0
    with tempfile.TemporaryDirectory() as work:
        counts = run([int(s) for s in args.sizes.split(",") if s], Path(work))
    print(f"{said(totals(counts))} ({len(counts)} cases)")
    if args.json:
        args.json.write_text(json.dumps(counts, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
