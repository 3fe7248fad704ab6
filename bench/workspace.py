"""The workspace benchmark (issue 20): one model kept in many files.

`write_workspace` splits a generated model (bench/generate.py, either
profile) into a root `main.prep` that includes `parts/*.prep` and FILES
part files: the group blocks in runs (a file holds a stretch of the
process, as a team's file does), and every relation in the file of the
group that holds its target, so its inputs come from other files too
(the local profile: mostly the previous file or two; long-range: any
earlier file). It is the same model as the single file: the same
deliverables, relations and findings.

Measured as whole processes (what a user or CI waits for):

- `prep lint ROOT` cold (a fresh, empty cache folder each run: parse
  every file, lint, write the cache entry) and warm (the cache is current:
  every file hashed and checked, no parse);
- `prep lint --no-cache FILE` of the same model as one file, with this
  code and, when `base` is given (PYTHONPATH of another checkout, e.g. main
  before the change), with that code, alternating runs so the load of a
  shared machine falls on both alike;
- `prep diff HEAD~1..HEAD -- main.prep` in a git repository of the
  workspace where a second commit changed 3 part files (`edit_parts`: a
  deliverable and a relation added in each of three parts), both sides read
  from git as CI reads them, cold (no review record) and base warm (the
  base revision's record kept, as CI keeps it for main), and the same
  change to the model as one file (`-- single.prep`, cold) for comparison.

    python bench/run.py --only-workspace
    python bench/run.py --only-workspace --workspace-base /path/to/main-checkout
"""

from __future__ import annotations

import os
import re
import statistics
from pathlib import Path

from generate import generate

_DECL = re.compile(r"^\s*(?:deliverable|knowhow) (\S+)")


def split_model(text: str, files: int) -> tuple[str, list[str]]:
    """(root text, [part texts]) of a generated model split into `files` parts."""
    lines = text.split("\n")
    head: list[str] = []
    blocks: list[list[str]] = []
    relations: list[str] = []
    depth = 0
    current: list[str] = []
    in_relations = False
    for line in lines:
        if line == "# relations":
            in_relations = True
            continue
        if in_relations:
            if line:
                relations.append(line)
            continue
        if depth == 0 and not line.lstrip().startswith("group "):
            if line and not line.startswith("#"):
                head.append(line)  # title, stages
            continue
        current.append(line)
        depth += line.count("{") - line.count("}")
        if depth == 0:
            blocks.append(current)
            current = []
    owner: dict[str, int] = {}
    for b, block in enumerate(blocks):
        for line in block:
            m = _DECL.match(line)
            if m:
                owner[m.group(1)] = b
    part_of_block = [b * files // len(blocks) for b in range(len(blocks))]
    parts: list[list[str]] = [[] for _ in range(files)]
    for b, block in enumerate(blocks):
        parts[part_of_block[b]].extend(block)
    for line in relations:
        target = re.split(r"<~>|~>|->", line.split(" [", 1)[0])[-1].split(",")[-1].strip()
        parts[part_of_block[owner[target]]].append(line)
    root = "\n".join(["# generated benchmark workspace", *head, "", 'include "parts/*.prep"']) + "\n"
    return root, [f"# part {i + 1} of {files}\n" + "\n".join(p) + "\n" for i, p in enumerate(parts)]


def write_workspace(folder: Path, n: int, files: int, profile: str = "local") -> Path:
    """Write the workspace (and `single.prep`, the same model as one file)
    into `folder`; returns the root's path."""
    text = generate(n, 0, profile)
    root, parts = split_model(text, files)
    (folder / "parts").mkdir(parents=True, exist_ok=True)
    (folder / "prep.toml").write_text("", encoding="utf-8")
    (folder / "main.prep").write_text(root, encoding="utf-8")
    width = len(str(files))
    for i, part in enumerate(parts):
        (folder / "parts" / f"part-{i + 1:0{width}d}.prep").write_text(part, encoding="utf-8")
    (folder / "single.prep").write_text(text, encoding="utf-8")
    return folder / "main.prep"


def edit_parts(folder: Path, files: int, changed: int = 3) -> list[Path]:
    """Add a deliverable and a relation from the part's first deliverable
    to it in `changed` parts spread over the workspace, and the same lines
    to single.prep: the edit the diff benchmark compares."""
    width = len(str(files))
    edited = []
    single = folder / "single.prep"
    extra_single = []
    for k in range(changed):
        i = (k * 2 + 1) * files // (changed * 2)  # spread: 1/6, 3/6, 5/6 of the way
        part = folder / "parts" / f"part-{i + 1:0{width}d}.prep"
        text = part.read_text(encoding="utf-8")
        # the part's first deliverable (a part of a small model may hold only relations: the model's first)
        first = next((m.group(1) for m in map(_DECL.match, text.split("\n")) if m), None) or next(
            m.group(1) for m in map(_DECL.match, single.read_text(encoding="utf-8").split("\n")) if m)
        lines = f"deliverable bench_new_{k} \"New {k}\"\n{first} -> bench_new_{k}\n"
        part.write_text(text + lines, encoding="utf-8")
        extra_single.append(lines)
        edited.append(part)
    single.write_text(single.read_text(encoding="utf-8") + "".join(extra_single), encoding="utf-8")
    return edited


def _git(folder: Path, *args: str) -> None:
    import subprocess

    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)


def commit_two_revisions(folder: Path, files: int) -> None:
    """The workspace as a git repository: the model, then 3 parts changed."""
    _git(folder, "init", "-q")
    _git(folder, "config", "user.email", "bench@example.invalid")
    _git(folder, "config", "user.name", "bench")
    _git(folder, "add", ".")
    _git(folder, "commit", "-qm", "the model")
    edit_parts(folder, files)
    _git(folder, "commit", "-qam", "three parts changed")


def bench_workspace(prep: list[str], work: Path, measure, *, n: int = 100_000, files: int = 200,
                    profiles=("local", "long-range"), runs: int = 3, base: str | None = None,
                    here: str | None = None, diff_only: bool = False) -> dict:
    """Cold and warm `prep lint ROOT`, single-file lint (this code and
    `base`), and `prep diff` of two revisions, for each profile
    (`diff_only`: the diff alone)."""
    out: dict = {"n": n, "files": files, "runs": runs, "profiles": {}}
    env_here = dict(os.environ)
    if here:
        env_here["PYTHONPATH"] = here
    for profile in profiles:
        folder = work / f"ws-{profile}"
        write_workspace(folder, n, files, profile)
        entry: dict = {}
        if diff_only:
            commit_two_revisions(folder, files)
            entry.update(_diffs(prep, folder, work / f"diff-{profile}", measure, runs, env_here))
            out["profiles"][profile] = entry
            continue
        cold = []
        for i in range(runs):
            env = dict(env_here, PREP_CACHE_DIR=str(work / f"cache-{profile}-cold-{i}"))
            cold.append(measure([*prep, "lint", "main.prep"], 1, cwd=folder, env=env, ok=(0, 1)))
        entry["cold"] = _merge(cold)
        warm_env = dict(env_here, PREP_CACHE_DIR=str(work / f"cache-{profile}-warm"))
        measure([*prep, "lint", "main.prep"], 1, cwd=folder, env=warm_env, ok=(0, 1))  # fill the cache
        entry["warm"] = measure([*prep, "lint", "main.prep"], runs, cwd=folder, env=warm_env, ok=(0, 1))
        entry["no_cache"] = measure([*prep, "lint", "--no-cache", "main.prep"], runs, cwd=folder, env=env_here,
                                    ok=(0, 1))
        single_here, single_base = [], []
        for _ in range(runs):  # alternate: the machine's load falls on both alike
            single_here.append(measure([*prep, "lint", "--no-cache", "single.prep"], 1, cwd=folder, env=env_here,
                                       ok=(0, 1)))
            if base:
                env_base = dict(os.environ, PYTHONPATH=base)
                single_base.append(measure([*prep, "lint", "--no-cache", "single.prep"], 1, cwd=folder,
                                           env=env_base, ok=(0, 1)))
        entry["single"] = _merge(single_here)
        if base:
            entry["single_base"] = _merge(single_base)
        commit_two_revisions(folder, files)
        entry.update(_diffs(prep, folder, work / f"diff-{profile}", measure, runs, env_here))
        out["profiles"][profile] = entry
    return out


def _diffs(prep: list[str], folder: Path, caches: Path, measure, runs: int, env: dict) -> dict:
    """`prep diff HEAD~1..HEAD` of the workspace and of the single file,
    cold (an empty cache folder each run: nothing recorded) and, for the
    workspace, base warm (a cache holding only the base revision's review
    record, as CI has it for main: the pull request's case)."""
    import shutil

    def fresh(name: str) -> dict:
        folder_ = caches / name
        shutil.rmtree(folder_, ignore_errors=True)
        return dict(env, PREP_CACHE_DIR=str(folder_))

    def cold(root: str) -> dict:
        return _merge([measure([*prep, "diff", "HEAD~1..HEAD", "--", root], 1, cwd=folder,
                               env=fresh(f"cold-{root}-{i}")) for i in range(runs)])

    out = {"diff": cold("main.prep"), "diff_single": cold("single.prep")}
    base = fresh("base")
    measure([*prep, "diff", "HEAD~1..HEAD~1", "--", "main.prep"], 1, cwd=folder, env=base)  # the base's record
    warm = []
    for i in range(runs):
        env_i = fresh(f"base-warm-{i}")
        shutil.copytree(base["PREP_CACHE_DIR"], env_i["PREP_CACHE_DIR"])
        warm.append(measure([*prep, "diff", "HEAD~1..HEAD", "--", "main.prep"], 1, cwd=folder, env=env_i))
    out["diff_base_warm"] = _merge(warm)
    return out


def _merge(results: list[dict]) -> dict:
    bad = [r for r in results if "error" in r]
    if bad:
        return bad[0]
    times = [r["median"] for r in results]
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": len(times),
            "cpu": statistics.median(r["cpu"] for r in results),
            "peak_mib": max(r["peak_mib"] for r in results)}


def table(result: dict) -> str:
    def s(e: dict | None) -> str:
        if e is None:
            return "-"
        if "error" in e:
            return "error"
        return f"{e['median']:.2f} s (cpu {e['cpu']:.2f}, {e['peak_mib']:.0f} MiB)"

    rows = [f"workspace: {result['n']:,} deliverables in {result['files']} files + main.prep, "
            f"{result['runs']} runs each (median)"]
    if any("cold" in e for e in result["profiles"].values()):
        rows += ["", "| profile | lint ROOT cold | lint ROOT warm | lint ROOT --no-cache | one file (this code) | "
                 "one file (base) |", "|---|---|---|---|---|---|"]
        for profile, e in result["profiles"].items():
            rows.append(f"| {profile} | {s(e.get('cold'))} | {s(e.get('warm'))} | {s(e.get('no_cache'))} | "
                        f"{s(e.get('single'))} | {s(e.get('single_base'))} |")
    rows += ["", "`prep diff HEAD~1..HEAD` where 3 of the parts changed (both sides read from git); cold: "
             "nothing recorded; base warm: the base revision's review record kept (a pull request in CI):", "",
             "| profile | diff -- main.prep cold | diff -- main.prep base warm | "
             "diff -- single.prep cold (the same change, one file) |", "|---|---|---|---|"]
    for profile, e in result["profiles"].items():
        rows.append(f"| {profile} | {s(e.get('diff'))} | {s(e.get('diff_base_warm'))} | {s(e.get('diff_single'))} |")
    return "\n".join(rows)
