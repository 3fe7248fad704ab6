"""Measures: lint with measures on the large roadmap, and `prep status` on
many customers (issue 23's targets).

    python bench/measures.py write DIR [N] [CUSTOMERS] [MEASURES]
        DIR/roadmap-N.prep            the benchmark's model with 8 stages (bench/generate.py)
        DIR/roadmap-N-measures.prep   the same with MEASURES measures: one on each exit
                                      criterion, the rest on deliverables upstream of them
        DIR/values-C.csv              CUSTOMERS x MEASURES values (customer, measure, value, date)
    python bench/measures.py run [N] [CUSTOMERS] [MEASURES] [--runs R]
        the medians of `prep lint --no-cache` on both models and of `prep status`

Targets: `prep status` on 10,000 customers x 20 measures <= 2 s; lint on
the model with measures within 10% of the model without.
"""

from __future__ import annotations

import random
import re
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

DEAR = ("deployment", "engagement", "adoption", "roi")


def with_measures(text: str, count: int, seed: int = 0) -> str:
    """`text` with `count` measures: every exit criterion first, then
    deliverables made from something (so that `from:` has an upstream)."""
    rng = random.Random(seed)
    exits = re.findall(r"^stage \S+ \"[^\"]*\" \[exit: ([^\]]+)\]", text, re.M)
    made = re.findall(r"-> ([^\s,\[]+)$", text, re.M)
    sources = re.findall(r"^\s*([^\s,\[#]+)(?:, [^\s,]+)* ->", text, re.M)
    targets = list(dict.fromkeys(exits + made))[:count]
    lines = ["", "# measures (bench/measures.py)"]
    for i, of in enumerate(targets):
        low = rng.random() < 0.2
        if low:
            t = ('target: "<= 14 日", green: "<= 14 日", lime: "<= 21 日", yellow: "<= 30 日"')
        else:
            t = ('target: ">= 60%", green: ">= 60%", lime: ">= 45%", yellow: ">= 30%"')
        src = f", from: {sources[rng.randrange(len(sources))]}" if sources and rng.random() < 0.5 else ""
        lines.append(f'measure m{i + 1} "KPI {i + 1}" [of: {of}{src}, {t}, dear: {DEAR[i % 4]}]')
    return text + "\n".join(lines) + "\n"


def values_csv(customers: int, measures: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    out = ["customer,measure,value,date"]
    for c in range(customers):
        for m in range(measures):
            out.append(f"顧客{c:05d},m{m + 1},{rng.randrange(0, 101)},2026-11-{1 + rng.randrange(28):02d}")
    return "\n".join(out) + "\n"


def write(work: Path, n: int = 10_000, customers: int = 10_000, measures: int = 20) -> dict[str, Path]:
    work.mkdir(parents=True, exist_ok=True)
    base = generate(n, 0, "local", 8)
    paths = {"model": work / f"roadmap-{n}.prep", "measured": work / f"roadmap-{n}-measures.prep",
             "values": work / f"values-{customers}.csv"}
    paths["model"].write_text(base, encoding="utf-8")
    paths["measured"].write_text(with_measures(base, measures), encoding="utf-8")
    paths["values"].write_text(values_csv(customers, measures), encoding="utf-8")
    return paths


def run(n: int, customers: int, measures: int, runs: int) -> None:
    from run import measure, prep_command

    prep = prep_command()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        p = write(work, n, customers, measures)
        rows = {
            f"lint --no-cache, {n} deliverables": measure(prep + ["lint", p["model"].name, "--no-cache"], runs,
                                                          cwd=work, ok=(0, 1)),
            f"lint --no-cache, {n} deliverables + {measures} measures":
                measure(prep + ["lint", p["measured"].name, "--no-cache"], runs, cwd=work, ok=(0, 1)),
            f"status, {customers} customers x {measures} measures":
                measure(prep + ["status", p["measured"].name, "--data", p["values"].name], runs, cwd=work),
        }
    for name, r in rows.items():
        shown = r.get("error") or f"median {r['median']:.3f} s (min {r['min']:.3f}, max {r['max']:.3f}), " \
                                  f"cpu {r['cpu']:.3f} s, peak {r['peak_mib']:.0f} MiB"
        print(f"{name:55} {shown}")


def main(argv: list[str]) -> int:
    runs = 5
    if "--runs" in argv:
        i = argv.index("--runs")
        runs = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    if not argv or argv[0] not in ("write", "run"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "write":
        sizes = [int(x) for x in argv[2:5]]
        for path in write(Path(argv[1]), *sizes).values():
            print(path)
        return 0
    run(*([int(x) for x in argv[1:4]] + [10_000, 10_000, 20][len(argv[1:4]):]), runs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
