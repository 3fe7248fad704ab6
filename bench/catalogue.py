"""The deliverable catalogue (issue 22): `prep export -o catalogue.xlsx`
and `prep import catalogue.xlsx` of a generated model, whole process, and
the round trip checked with `prep diff --exit-code` (no semantic change,
no finding introduced or resolved).

    python bench/run.py --only-catalogue                  # N = 10,000: both profiles, long-range with 8 stages
    python bench/run.py --only-catalogue --catalogue-n 1000 --runs 3

Targets: export <= 3 s, import <= 3 s, round trip exact.
"""

from __future__ import annotations

import sys
from pathlib import Path

from generate import PROFILES, generate


def bench_catalogue(n: int, stages: int, prep: list[str], work: Path, measure, run_child, runs: int) -> list[dict]:
    out = []
    shapes = [(profile, 0) for profile in PROFILES] + ([("long-range", stages)] if stages else [])
    for profile, k in shapes:
        name = f"catalogue-{profile}-{k}-{n}"
        print(f"catalogue: {profile}{f' + {k} stages' if k else ''} N = {n:,} ...", file=sys.stderr, flush=True)
        model = work / f"{name}.prep"
        model.write_text(generate(n, profile=profile, stages=k), encoding="utf-8")
        book, back = work / f"{name}.xlsx", work / f"{name}.back.prep"
        row = {"profile": profile, "stages": k, "n": n}
        row["export"] = measure(prep + ["export", model.name, "-o", book.name], runs, cwd=work)
        row["xlsx_bytes"] = book.stat().st_size if book.exists() else None
        row["import"] = measure(prep + ["import", book.name, "-o", back.name, "--force"], runs, cwd=work)
        same = run_child(prep + ["diff", "--exit-code", model.name, back.name], cwd=work)
        row["round_trip_exact"] = same["exit"] == 0
        out.append(row)
    return out


def _s(d: dict) -> str:
    return f"{d['median']:.2f}" if "median" in d else d.get("error", "-")


def table(rows: list[dict]) -> list[str]:
    lines = ["`prep export -o catalogue.xlsx` and `prep import catalogue.xlsx -o model.prep`, whole process; "
             "target 3 s each, round trip exact (`prep diff --exit-code`):", "",
             "| profile | N | export wall s | export CPU s | import wall s | import CPU s | workbook | round trip |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for o in rows:
        e, i = o["export"], o["import"]
        shape = o["profile"] + (f", {o['stages']} stages" if o.get("stages") else "")
        size = f"{o['xlsx_bytes'] / 1e6:.1f} MB" if o.get("xlsx_bytes") else "-"
        lines.append(f"| {shape} | {o['n']:,} | {_s(e)} | {e.get('cpu', 0):.2f} | {_s(i)} | {i.get('cpu', 0):.2f} "
                     f"| {size} | {'exact' if o['round_trip_exact'] else 'CHANGED'} |")
    return lines
