"""The layout benchmark (issue 10): speed, picture quality and stability of
`prep render` on both model profiles, next to Graphviz dot on the same model.

For each profile (local: inputs from the last 60 deliverables; long-range:
inputs from any earlier one) and size N, as whole processes:

- prep:  `prep render m.prep -o m.svg` (median of --render-runs), and the
         crossings and size of its layout (`-o m.layout.json`);
- dot:   `prep render m.prep --engine dot -o d.svg`: Graphviz dot with its
         default settings on the same model (one run: it takes minutes on
         the hard profile), and the crossings and size of its layout.

Crossings are pairs of edges whose drawn routes cross (edges sharing an end
left out), counted on the flattened Bézier routes (bench/quality.py).

Stability: on a 200-deliverable model, add one deliverable with two inputs
and render again; the share of the old boxes whose centre moved less than
36 pt, and the time of the re-render. With `--stable FILE` (the previous
layout kept) and without (a fresh layout), several edits each.

Overview: `prep render` of a 10,000-deliverable model (an overview plus one
picture per group, or per cluster found automatically in the same model
without its groups), whole process; the number of files, the largest file
and the clusters the message reports (`--only-overview`).

Diff: `prep diff` of a 10,000-deliverable model and an edited next version
(`generate.edit`), whole process.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import PROFILES, edit, generate  # noqa: E402
from quality import crossings  # noqa: E402

STABLE_WITHIN = 36.0  # points


class _Route:
    def __init__(self, e):
        self.source, self.target, self.points = e["source"], e["target"], [tuple(p) for p in e["points"]]


class _Layout:
    """Just what bench/quality.py reads, from a layout JSON file."""

    def __init__(self, data: dict):
        self.edges = [_Route(e) for e in data["edges"]]
        self.nodes = data["nodes"]
        self.width, self.height = data["width"], data["height"]


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _picture(path: Path) -> dict:
    data = _read(path)
    lay = _Layout(data)
    return {"crossings": crossings(lay), "width": round(data["width"]), "height": round(data["height"]),
            "area": round(data["width"] * data["height"])}


def bench_layout(args, prep: list[str], work: Path, measure, run_child) -> dict:
    # as on a user's machine: Python keeps compiled modules (some sandboxes
    # set PYTHONDONTWRITEBYTECODE, which makes every run compile prep anew)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PREP_DEBUG")}
    measure = _with_env(measure, env)
    run_child = _with_env(run_child, env)
    sizes = [int(s) for s in args.layout_sizes.split(",") if s.strip()]
    result: dict = {"sizes": sizes, "rows": [], "stability": [], "overview": [], "diff": []}
    no_groups = {int(s) for s in getattr(args, "layout_no_groups", "").split(",") if s.strip()}
    shapes = [(profile, n, True) for profile in PROFILES for n in sizes]
    # the same models without their groups: where dot's ordering is at its best
    shapes += [(profile, n, False) for profile in PROFILES for n in sizes if n in no_groups]
    for profile, n, grouped in shapes:
        tag = "" if grouped else "-nogroups"
        print(f"layout: {profile}{tag} N = {n:,} ...", file=sys.stderr, flush=True)
        model = work / f"layout-{profile}{tag}-{n}.prep"
        model.write_text(generate(n, profile=profile, groups=grouped), encoding="utf-8")
        row = {"profile": profile, "n": n, "groups": grouped}
        row["prep"] = measure(prep + ["render", model.name, "-o", f"{model.stem}.svg", "--force"],
                              args.render_runs, cwd=work)
        run_child(prep + ["render", model.name, "-o", f"{model.stem}.layout.json", "--force"], cwd=work)
        row["prep_picture"] = _picture(work / f"{model.stem}.layout.json")
        if n <= args.dot_max:
            row["dot"] = measure(prep + ["render", model.name, "--engine", "dot", "-o", f"{model.stem}.dot.svg",
                                         "--force", "--timeout", "3600"], 1, cwd=work, timeout=3700)
            run_child(prep + ["render", model.name, "--engine", "dot", "-o", f"{model.stem}.dot.layout.json",
                              "--force", "--timeout", "3600"], cwd=work, timeout=3700)
            row["dot_picture"] = _picture(work / f"{model.stem}.dot.layout.json")
        result["rows"].append(row)
    for profile in PROFILES:
        print(f"stability: {profile} ...", file=sys.stderr, flush=True)
        result["stability"].append(_stability(args, prep, work, profile, measure, run_child))
    result["diff"] = bench_diff(args, prep, work, measure)
    result["overview"] = bench_overview([args.overview_n] if args.overview_n else [], args.render_runs, prep, work,
                                        measure, run_child)
    return result


def bench_overview(sizes: list[int], runs: int, prep: list[str], work: Path, measure, run_child,
                   timeout: float = 600) -> list[dict]:
    """`prep render m.prep -o m.svg` above --overview-above, both profiles,
    with their groups and without (clustered automatically): one first run
    (its message: how many files, the clusters), then the median of `runs`."""
    out = []
    for n in sizes:
        for profile in PROFILES:
            for grouped in (True, False):
                tag = "" if grouped else "-nogroups"
                print(f"overview: {profile}{tag} N = {n:,} ...", file=sys.stderr, flush=True)
                model = work / f"overview-{profile}{tag}-{n}.prep"
                model.write_text(generate(n, profile=profile, groups=grouped), encoding="utf-8")
                cmd = prep + ["render", model.name, "-o", f"{model.stem}.svg", "--timeout", str(timeout)]
                first = run_child(cmd, cwd=work, timeout=timeout + 60)
                row = {"profile": profile, "n": n, "groups": grouped, "first": round(first["seconds"], 2)}
                if first["exit"] != 0:
                    row["render"] = {"error": first["stderr"].strip()[-500:]}
                    out.append(row)
                    continue
                files = [work / f"{model.stem}.svg"] + sorted((work / f"{model.stem}.groups").glob("*"))
                sizes_ = [f.stat().st_size for f in files]
                row.update(files=len(files), overview_bytes=sizes_[0], largest_bytes=max(sizes_),
                           total_bytes=sum(sizes_),
                           message=[line for line in first["stderr"].splitlines() if "cluster" in line][-1:])
                row["render"] = measure(cmd, runs, cwd=work, timeout=timeout + 60) if runs else {
                    "median": first["seconds"], "min": first["seconds"], "max": first["seconds"], "runs": 1,
                    "cpu": first["cpu"], "peak_mib": first["peak_mib"]}
                out.append(row)
    return out


def overview_table(rows: list[dict]) -> list[str]:
    lines = ["Overview (`prep render` above --overview-above: the overview + one picture per group or cluster; "
             "first run, then the median of the others):", "",
             "| profile | groups | N | first s | median s (CPU s) | files | overview MB | largest file MB | clusters |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for o in rows:
        r = o["render"]
        if "error" in r:
            lines.append(f"| {o['profile']} | {'yes' if o['groups'] else 'no'} | {o['n']:,} | {o['first']} | "
                         f"error: {r['error'][:80]} | | | | |")
            continue
        said = (o["message"][0].split(":")[0] if o["message"] else "declared groups")
        lines.append(f"| {o['profile']} | {'yes' if o['groups'] else 'no'} | {o['n']:,} | {o['first']:.2f} | "
                     f"{_s(r)} ({r['cpu']:.1f}) | {o['files']} | {o['overview_bytes'] / 1e6:.2f} | {o['largest_bytes'] / 1e6:.2f} | "
                     f"{said} |")
    return lines


def bench_diff(args, prep: list[str], work: Path, measure, runs: int | None = None) -> list[dict]:
    """`prep diff` of a model of --diff-n deliverables and its edited next
    version (`generate.edit`), both profiles, whole process: median wall
    seconds and CPU seconds (user + system, the forked child included)."""
    out = []
    stages = getattr(args, "diff_stages", 0)
    # both profiles, then the hard one with stages: every declaration carries
    # a `stage:` attribute and the stage rules (T4xx) run too
    shapes = [(profile, 0) for profile in PROFILES] + ([("long-range", stages)] if stages else [])
    for n in ([args.diff_n] if args.diff_n else []):
        for profile, k in shapes:
            name = profile + (f"+{k}-stages" if k else "")
            print(f"diff: {name} N = {n:,} ...", file=sys.stderr, flush=True)
            text = generate(n, profile=profile, stages=k)
            old, new = work / f"diff-{name}-{n}.prep", work / f"diff-{name}-{n}.next.prep"
            old.write_text(text, encoding="utf-8")
            new.write_text(edit(text), encoding="utf-8")
            out.append({"profile": profile, "stages": k, "n": n, "diff": measure(
                prep + ["diff", old.name, new.name], runs or args.render_runs, cwd=work)})
    return out


def diff_table(rows: list[dict]) -> list[str]:
    lines = ["`prep diff` of two versions (a realistic edit: ~50 relations removed, ~50 changed kind, "
             "one deliverable added, one owner added, relations reordered), whole process; target 1.5 s:", "",
             "| profile | N | wall s (median) | wall min / max | CPU s (median) |", "|---|---:|---:|---:|---:|"]
    for o in rows:
        d = o["diff"]
        spread = f"{d['min']:.2f} / {d['max']:.2f}" if "min" in d else "-"
        cpu = f"{d['cpu']:.2f}" if "cpu" in d else "-"
        shape = o["profile"] + (f", {o['stages']} stages" if o.get("stages") else "")
        lines.append(f"| {shape} | {o['n']:,} | {_s(d)} | {spread} | {cpu} |")
    return lines


def _with_env(fn, env):
    def call(*a, **k):
        return fn(*a, env=env, **k)
    return call


def _stability(args, prep, work: Path, profile: str, measure, run_child) -> dict:
    n = 200
    text = generate(n, profile=profile)
    base = work / f"stable-{profile}.prep"
    base.write_text(text, encoding="utf-8")
    first = work / f"stable-{profile}.layout.json"
    first.unlink(missing_ok=True)
    run_child(prep + ["render", base.name, "--stable", first.name, "-o", f"{base.stem}.svg"], cwd=work)
    old = _read(first)["nodes"]
    names = list(old)
    rng = random.Random(7)
    kept, fresh_kept, times = [], [], []
    for trial in range(args.stability_trials):
        a, b = rng.sample(names, 2)
        edited = work / f"stable-{profile}-{trial}.prep"
        edited.write_text(text + f"{a}, {b} -> 追加成果物{trial}\n", encoding="utf-8")
        keep = work / f"stable-{profile}-{trial}.layout.json"
        shutil.copy(first, keep)
        times.append(measure(prep + ["render", edited.name, "--stable", keep.name, "-o", f"{edited.stem}.svg"], 1,
                             cwd=work))
        kept.append(_share_kept(old, _read(keep)["nodes"]))
        fresh = work / f"stable-{profile}-{trial}.fresh.layout.json"
        run_child(prep + ["render", edited.name, "-o", fresh.name], cwd=work)
        fresh_kept.append(_share_kept(old, _read(fresh)["nodes"]))
    seconds = [t["median"] for t in times if "median" in t]
    return {"profile": profile, "n": n, "trials": args.stability_trials,
            "kept": kept, "kept_min": min(kept), "kept_median": statistics.median(kept),
            "fresh_kept": fresh_kept, "fresh_kept_min": min(fresh_kept),
            "fresh_kept_median": statistics.median(fresh_kept),
            "rerender_max": max(seconds) if seconds else None,
            "rerender_median": statistics.median(seconds) if seconds else None}


def _share_kept(old: dict, new: dict) -> float:
    moved = sum(math.hypot(new[k]["x"] - v["x"], new[k]["y"] - v["y"]) >= STABLE_WITHIN for k, v in old.items())
    return 1 - moved / len(old)


def _s(entry) -> str:
    if not entry:
        return "-"
    if "error" in entry:
        return "error"
    v = entry["median"]
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"


def table(result: dict) -> str:
    lines = ["Layout, whole process `prep render -o x.svg` (median wall seconds); crossings and drawing size "
             "(points) of the layout; dot = Graphviz dot, default settings, same model:", "",
             "| profile | groups | N | prep s | dot s | prep crossings | dot crossings | crossings prep/dot | prep size | dot size |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in result["rows"]:
        p, d = row["prep_picture"], row.get("dot_picture")
        ratio = f"{p['crossings'] / d['crossings']:.2f}" if d and d["crossings"] else "-"
        lines.append(f"| {row['profile']} | {'yes' if row.get('groups', True) else 'no'} | {row['n']:,} | "
                     f"{_s(row['prep'])} | {_s(row.get('dot'))} | "
                     f"{p['crossings']:,} | {d['crossings'] if d else '-':,} | {ratio} | "
                     f"{p['width']:,} x {p['height']:,} | " + (f"{d['width']:,} x {d['height']:,} |" if d else "- |"))
    lines += ["", "Stability: 200 deliverables, one deliverable with two inputs added, share of the old boxes "
              "whose centre moved < 36 pt (min / median over the edits), and the re-render time:", "",
              "| profile | edits | with --stable | fresh layout | re-render s (median / max) |", "|---|---:|---:|---:|---:|"]
    for s in result["stability"]:
        rerender = (f"{s['rerender_median']:.2f} / {s['rerender_max']:.2f}" if s["rerender_max"] is not None
                    else "-")
        lines.append(f"| {s['profile']} | {s['trials']} | {s['kept_min']:.0%} / {s['kept_median']:.0%} | "
                     f"{s['fresh_kept_min']:.0%} / {s['fresh_kept_median']:.0%} | {rerender} |")
    if result.get("diff"):
        lines += [""] + diff_table(result["diff"])
    if result["overview"]:
        lines += [""] + overview_table(result["overview"])
    return "\n".join(lines)
