"""What embedding the font subset in SVG costs (issue 14): size and time.

    python bench/run.py --only-fonts              # every example + a 1,000-deliverable model
    python bench/run.py --only-fonts --fonts-n 200 --render-runs 5

For every model in examples/ and a generated model of --fonts-n
deliverables, as whole `prep render` processes (median of --render-runs):

- bare: `--no-embed-fonts` (the SVG as before issue 14);
- cold: the font embedded, with an empty subset cache (a fresh
  XDG_CACHE_HOME per run): the first render of a model on a machine;
- warm: the font embedded, the subset already in the cache (the same
  model drawn again, e.g. after an edit that changed no label);
- edited: the model with one more deliverable ("Zq-Review 2026": new
  characters), drawn after the model: a new subset, cut from the cached
  superset (every character needed so far) instead of the 16 MB font;

and the sizes: the SVG without and with the font, the @font-face alone,
the number of distinct characters drawn. In this process, the subsetting
alone (fontTools on the 16 MB font, no cache) is timed too.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

from generate import generate

ROOT = Path(__file__).resolve().parent.parent
_STYLE = re.compile(rb"<style[^>]*>(.*?)</style>", re.S)


def _sizes(bare: Path, embedded: Path) -> dict:
    data = embedded.read_bytes()
    style = _STYLE.search(data)
    from prep.renderer.webfont import used_characters

    return {"bare_bytes": bare.stat().st_size, "embedded_bytes": len(data),
            "font_bytes": len(style.group(1)) if style else 0,
            "characters": len(used_characters(data.decode("utf-8")))}


def _subset_seconds(svg: Path) -> float:
    """fontTools cutting the subset of `svg`'s characters, no cache."""
    from prep.renderer.webfont import _cut, font_path, used_characters

    text = used_characters(svg.read_text(encoding="utf-8"))
    t = time.perf_counter()
    _cut(font_path(), text, "woff2")
    return time.perf_counter() - t


def bench_fonts(args, prep: list[str], work: Path, measure, merge) -> dict:
    # as on a user's machine: Python keeps compiled modules
    base_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PREP_DEBUG")}
    models = [(src.stem, src) for src in sorted((ROOT / "examples").glob("*.prep"))]
    if args.fonts_examples is not None:
        models = models[:args.fonts_examples]
    if args.fonts_n:
        generated = work / f"fonts-{args.fonts_n}.prep"
        generated.write_text(generate(args.fonts_n), encoding="utf-8")
        models.append((f"generated {args.fonts_n:,}", generated))
    from prep.renderer.webfont import _cut, font_path

    t = time.perf_counter()
    _cut(font_path(), "a", "woff2")  # imports fontTools; not counted in the per-model numbers below
    first = time.perf_counter() - t
    rows = []
    for name, src in models:
        print(f"fonts: {name} ...", file=sys.stderr, flush=True)
        stem = src.stem
        bare, embedded = work / f"{stem}.bare.svg", work / f"{stem}.font.svg"
        row: dict = {"model": name, "deliverables": None}
        force = ["--force"]
        row["bare"] = measure(prep + ["render", str(src), "-o", str(bare), "--no-embed-fonts"] + force,
                              args.render_runs, cwd=work, env=base_env)
        cold = []
        for _ in range(args.render_runs):
            with tempfile.TemporaryDirectory(prefix="prep-fontcache-") as cache:
                cold.append(measure(prep + ["render", str(src), "-o", str(embedded)] + force, 1, cwd=work,
                                    env=dict(base_env, XDG_CACHE_HOME=cache)))
        row["cold"] = merge(cold)
        with tempfile.TemporaryDirectory(prefix="prep-fontcache-") as cache:
            env = dict(base_env, XDG_CACHE_HOME=cache)
            measure(prep + ["render", str(src), "-o", str(embedded)] + force, 1, cwd=work, env=env)
            row["warm"] = measure(prep + ["render", str(src), "-o", str(embedded)] + force, args.render_runs,
                                  cwd=work, env=env)
            edits = []
            for i in range(args.render_runs):
                edited = work / f"{stem}.edit{i}.prep"
                edited.write_text(src.read_text(encoding="utf-8") + f'\ndeliverable "Zq-Review 202{i}"\n',
                                  encoding="utf-8")
                edits.append(measure(prep + ["render", str(edited), "-o", str(work / f"{stem}.edit.svg")] + force,
                                     1, cwd=work, env=env))
            row["edited"] = merge(edits)
        if all("median" in row[k] for k in ("bare", "cold", "warm", "edited")):
            row.update(_sizes(bare, embedded))
            row["subset_seconds"] = _subset_seconds(embedded)
            import prep as api

            row["deliverables"] = len(api.load(src).deliverables)
        rows.append(row)
    return {"rows": rows, "first_subset_seconds": first}


def table(result: dict) -> str:
    lines = ["| model | deliverables | characters | SVG bare | SVG with font | font | size + | "
             "render bare s (CPU) | cold s (CPU) | warm s (CPU) | edited s (CPU) | subset alone s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in result["rows"]:
        if "bare_bytes" not in r:
            err = next((r[k]["error"] for k in ("bare", "cold", "warm", "edited") if "error" in r[k]), "?")
            lines.append(f"| {r['model']} | error: {err[:80]} |")
            continue
        grow = (r["embedded_bytes"] - r["bare_bytes"]) / r["bare_bytes"]
        lines.append(
            f"| {r['model']} | {r['deliverables']:,} | {r['characters']} | {r['bare_bytes'] / 1024:,.1f} KB | "
            f"{r['embedded_bytes'] / 1024:,.1f} KB | {r['font_bytes'] / 1024:,.1f} KB | +{grow:.0%} | "
            + " | ".join(f"{r[k]['median']:.2f} ({r[k]['cpu']:.2f})" for k in ("bare", "cold", "warm", "edited"))
            + f" | {r['subset_seconds']:.2f} |")
    lines.append(f"\n(first subset in a process, importing fontTools: {result['first_subset_seconds']:.2f} s)")
    return "\n".join(lines)
