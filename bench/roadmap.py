"""The roadmap view's benchmark (issue 11): `prep render --view roadmap` of
a model with stages, next to the normal render of the same model, as whole
processes (median of --render-runs, alternated so both see the same load).

    python bench/run.py --only-roadmap                 # 1,000 deliverables, 8 stages
    python bench/run.py --only-roadmap --roadmap-n 2000 --roadmap-stages 15
    python bench/run.py --roadmap ...                   # the full benchmark and this section

Both profiles of bench/generate.py (local, long-range).

`staged(n, stages)` makes the model: bench/generate.py's model with its
free-text `stage:` attributes replaced by `stages` declared stages, each
holding a run of consecutive deliverables (the process unfolds stage by
stage), its last declared deliverable as its exit criterion.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

_DECL = re.compile(r"^(\s*)(deliverable|knowhow) (\S+)-(\d+)(.*)$")
_STAGE_ATTR = re.compile(r"(,\s*stage:\s*[^,\]]+|stage:\s*[^,\]]+,\s*|\[stage:\s*[^\]]+\])")


def _attribute_list(text: str) -> int:
    """Where the attribute list starts (its `[` outside any quoted label), or -1."""
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch == "[" and not quoted:
            return i
    return -1


def staged(n: int, stages: int = 8, seed: int = 0, profile: str = "local") -> str:
    """A generated model of `n` deliverables in `stages` declared stages."""
    lines = generate(n, seed=seed, profile=profile).splitlines()
    exits: dict[int, str] = {}
    out = []
    for line in lines:
        m = _DECL.match(line)
        if m is None:
            out.append(line)
            continue
        indent, kind, base, i, rest = m.groups()
        k = int(i) * stages // n
        rest = _STAGE_ATTR.sub("", rest).rstrip()
        if rest.endswith("[]"):
            rest = rest[:-2].rstrip()
        at = _attribute_list(rest)
        if at >= 0:
            rest = rest[:at + 1] + f"stage: s{k}, " + rest[at + 1:]
        else:
            rest += f" [stage: s{k}]"
        if kind == "deliverable":
            exits[k] = f"{base}-{i}"
        out.append(f"{indent}{kind} {base}-{i}{rest}")
    decls = [f'stage s{k} "Stage {k + 1}" [exit: {exits[k]}]' if k in exits else f'stage s{k} "Stage {k + 1}"'
             for k in range(stages)]
    head = next(i for i, line in enumerate(out) if line.startswith("title"))
    return "\n".join(out[:head + 1] + [""] + decls + out[head + 1:]) + "\n"


def bench_roadmap(args, prep: list[str], work: Path, measure) -> list[dict]:
    """Whole-process times of the roadmap view and the normal render of the
    same staged model, for each profile."""
    n, stages = args.roadmap_n, args.roadmap_stages
    rows = []
    for profile in ("local", "long-range"):
        model = work / f"roadmap-{profile}-{n}.prep"
        model.write_text(staged(n, stages, profile=profile), encoding="utf-8")
        runs: dict[str, list] = {"roadmap": [], "diagram": []}
        for _ in range(args.render_runs):  # alternated, so both see the same changes of load
            runs["roadmap"].append(measure(prep + ["render", model.name, "--view", "roadmap", "-o", "r.svg"], 1,
                                           cwd=work))
            runs["diagram"].append(measure(prep + ["render", model.name, "-o", "d.svg"], 1, cwd=work))
        row = {"profile": profile, "n": n, "stages": stages}
        for key, results in runs.items():
            bad = [r for r in results if "error" in r]
            row[key] = bad[0] if bad else {
                "median": sorted(r["median"] for r in results)[len(results) // 2],
                "cpu": sorted(r["cpu"] for r in results)[len(results) // 2], "runs": len(results)}
        if "median" in row["roadmap"] and "median" in row["diagram"]:
            row["ratio"] = row["roadmap"]["median"] / row["diagram"]["median"]
            row["cpu_ratio"] = row["roadmap"]["cpu"] / row["diagram"]["cpu"]
        rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    def cell(entry):
        return "error" if "error" in entry else f"{entry['median']:.2f} ({entry['cpu']:.2f})"

    lines = ["Roadmap view (whole process, median wall seconds, CPU seconds in brackets):", "",
             "| profile | N | stages | render --view roadmap s | render s | ratio wall | ratio CPU |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ratio = f"{r['ratio']:.2f}" if "ratio" in r else "-"
        cpu = f"{r['cpu_ratio']:.2f}" if "cpu_ratio" in r else "-"
        lines.append(f"| {r['profile']} | {r['n']:,} | {r['stages']} | {cell(r['roadmap'])} | {cell(r['diagram'])} "
                     f"| {ratio} | {cpu} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(staged(int(sys.argv[1]) if len(sys.argv) > 1 else 1000,
                            int(sys.argv[2]) if len(sys.argv) > 2 else 8))
