"""The flip-book benchmark (issue 11): a 1,000-deliverable model with 8
declared stages (bench/generate.py's `stages` option), on both generator
profiles, drawn as a flip-book against ONE render of the same model, as
whole processes (what a user waits for; median of --render-runs):

- `prep render FILE --legend -o single.svg`     one picture of the whole model
- `prep render FILE --flipbook -o book.html`    8 frames, inline SVG, one page
- `prep render FILE --flipbook -o frames/`      8 SVG files
- `prep render FILE --legend -o single.pdf` and `--flipbook -o book.pdf`

Target: the flip-book takes at most 2x the single render (the model is laid
out once; each frame only draws a cross-section on that geometry).

    python bench/run.py --only-flipbook
    python bench/run.py --only-flipbook --flipbook-n 1000 --flipbook-stages 8 --render-runs 3
"""

from __future__ import annotations

import sys

from generate import PROFILES, generate

TARGET = 2.0
CASES = (("svg", ["--legend", "-o", "single.svg"], ["--flipbook", "-o", "book.html"], "html"),
         ("svg", None, ["--flipbook", "-o", "frames/"], "svg folder"),
         ("pdf", ["--legend", "-o", "single.pdf"], ["--flipbook", "-o", "book.pdf"], "pdf"))


def bench_flipbook(args, prep: list[str], work, measure) -> dict:
    """{"n", "stages", "rows": [{profile, format, single, flipbook, ratio}]}."""
    n, stages = args.flipbook_n, args.flipbook_stages
    result: dict = {"n": n, "stages": stages, "target": TARGET, "rows": []}
    for profile in PROFILES:
        print(f"flip-book: {profile} N = {n:,}, {stages} stages ...", file=sys.stderr, flush=True)
        model = work / f"flipbook-{profile}-{n}.prep"
        model.write_text(generate(n, 0, profile, stages=stages), encoding="utf-8")
        single = {}
        for fmt, one, book, label in CASES:
            if one is not None:
                single[fmt] = measure(prep + ["render", model.name, "--timeout", "900", *one], args.render_runs,
                                      cwd=work)
            flip = measure(prep + ["render", model.name, "--timeout", "900", *book], args.render_runs, cwd=work)
            row = {"profile": profile, "format": label, "single": single[fmt], "flipbook": flip}
            if "median" in single[fmt] and "median" in flip:
                row["ratio"] = flip["median"] / single[fmt]["median"]
                row["cpu_ratio"] = flip["cpu"] / single[fmt]["cpu"] if single[fmt]["cpu"] else None
            result["rows"].append(row)
    return result


def table(result: dict) -> str:
    def s(entry):
        return f"{entry['median']:.2f}" if "median" in entry else "error"

    lines = [f"### Flip-book: N = {result['n']:,}, {result['stages']} stages (target <= {result['target']:g}x one render)",
             "", "| profile | output | one render (s) | flip-book (s) | ratio (wall) | ratio (CPU) |",
             "|---|---|---:|---:|---:|---:|"]
    for row in result["rows"]:
        ratio = f"{row['ratio']:.2f}x" if "ratio" in row else "-"
        cpu = f"{row['cpu_ratio']:.2f}x" if row.get("cpu_ratio") else "-"
        lines.append(f"| {row['profile']} | {row['format']} | {s(row['single'])} | {s(row['flipbook'])} | "
                     f"{ratio} | {cpu} |")
    return "\n".join(lines)
