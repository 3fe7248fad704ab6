"""The in-process split of one model's cost, stage by stage.

    python bench/inprocess.py MODEL.prep [--runs 3] [--render]

Prints one JSON object: the median seconds of each stage over `--runs`
repeats (the first repeat also pays for lazy imports; the median does not):

    read    bytes -> text (decode, normalize line endings)
    parse   text -> statements (prep's parser; Lark only on the slow path)
    build   statements -> Model (typed dataclasses) + Model.index
    graph   Model -> networkx.MultiDiGraph (what `prep render`/export use)
    lint    all lint rules (when the linter is installed)
    measure Graphviz measures every label (--render, as the rest)
    layout  prep's layout engine: Model + sizes -> geometry
    dot     Model + geometry -> placed DOT text (pure)
    draw    Graphviz draws the placed DOT as SVG, with post-processing

and the process's peak resident memory. Run by bench/run.py in a fresh
process per model so that one size does not warm the next.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time


def _timed(fn):
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value


def measure(path: str, runs: int = 3, render: bool = False) -> dict:
    from prep.language import parse as parse_mod
    from prep.language.model import build_model
    from prep.language.source import read_source

    try:
        from prep.linter import lint_model
    except ImportError:  # the linter is not part of this checkout yet
        lint_model = None

    stages: dict[str, list[float]] = {}

    def add(stage: str, seconds: float) -> None:
        stages.setdefault(stage, []).append(seconds)

    n = edges = 0
    for _ in range(runs):
        dt, text = _timed(lambda: read_source(path))
        add("read", dt)
        dt, (statements, comments) = _timed(lambda: parse_mod.parse_statements(text, path))
        add("parse", dt)

        def build():
            m = build_model(statements, path, comments, text)
            m.index  # noqa: B018 - the adjacency lint uses
            return m

        dt, model = _timed(build)
        add("build", dt)
        n, edges = len(model.deliverables), len(model.relations)
        dt, _ = _timed(lambda: model.graph)
        add("graph", dt)
        if lint_model is not None:
            dt, _ = _timed(lambda: lint_model(model))
            add("lint", dt)
        if render:
            from prep.layouter import layout, measure
            from prep.layouter.graphviz import draw
            from prep.renderer.dot import to_dot
            from prep.renderer.svg import postprocess_svg

            dt, sizes = _timed(lambda: measure(model))
            add("measure", dt)
            dt, geometry = _timed(lambda: layout(model, sizes=sizes))
            add("layout", dt)
            dt, dot = _timed(lambda: to_dot(model, layout=geometry))
            add("dot", dt)
            dt, _ = _timed(lambda: postprocess_svg(draw(dot, "svg", path=path), model))
            add("draw", dt)
    out = {stage: statistics.median(times) for stage, times in stages.items()}
    return {
        "deliverables": n,
        "relations": edges,
        "bytes": len(text.encode("utf-8")),
        "runs": runs,
        "stages": out,
        "parser": _which_parser(text, path),
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _which_parser(text: str, path: str) -> str:
    try:
        from prep.language.fastparse import scan
    except ImportError:
        return "lark"
    return "fast" if scan(text, path) is not None else "lark"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--render", action="store_true")
    args = ap.parse_args(argv)
    json.dump(measure(args.model, args.runs, args.render), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
