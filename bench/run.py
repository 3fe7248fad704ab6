"""prep's benchmark: one command, a table, and JSON.

    python bench/run.py                      # N = 100, 1,000, 10,000, 100,000, and the layout benchmark
    python bench/run.py --quick              # N = 100 only, 1 run (the CI smoke test)
    python bench/run.py --sizes 100,1000 --runs 7 --render-max 1000
    python bench/run.py --sizes 1000,10000 --no-layout --lint-profile long-range   # lint on long-range models
    python bench/run.py --only-layout        # just the layout benchmark (bench/layout.py)
    python bench/run.py --only-serve         # prep serve: save -> picture in the browser (bench/serve.py)
    python bench/run.py --only-authoring     # prep fmt --check and prep lsp latency (bench/authoring.py)
    python bench/run.py --sizes "" --no-layout --vscode-grammar 1000,10000   # the VS Code grammar only
    python bench/run.py --sizes "" --no-layout --stages-n 10000   # just the stage rules (bench/stages.py)
    python bench/run.py --only-fonts         # just the cost of the SVG font subset (bench/fonts.py)
    python bench/run.py --only-roadmap       # just the roadmap view against the normal render (bench/roadmap.py)
    python bench/run.py --only-diff          # just `prep diff` at --diff-n (10,000): both profiles, long-range with stages
    python bench/run.py --only-flipbook      # just the flip-book against one render (bench/flipbook.py)
    python bench/run.py --only-pages         # pictures fitted to a page: pages, text size, cost (bench/pages.py)
    python bench/run.py --only-catalogue     # just prep export / import of the catalogue at --catalogue-n (10,000)
    python bench/run.py --only-workspace     # prep lint ROOT of 200 files, cold and warm, prep diff (bench/workspace.py)
    python bench/run.py --only-workspace --workspace-diff-only   # just prep diff of two revisions of it

For each N it generates a model (bench/generate.py, deterministic) and
measures, as whole processes (what a user waits for; median of --runs):

- `prep --version`, `prep --help`        start-up
- `prep lint FILE --no-cache`             cold: parse + model + every rule
- `prep lint FILE` after one run          warm: answered from the cache
- `prep render FILE -o x.svg`             for N <= --render-max (layout is
                                          Graphviz `dot`, minutes above ~2,000)
- bare Graphviz                           the DOT prep produced for that
                                          model, laid out and drawn by
                                          pygraphviz in a bare Python process

plus the peak resident memory of each child (from wait4's rusage), and,
in a fresh process per N, the in-process split (bench/inprocess.py): read,
parse, build, graph, lint, dot, layout. Machine info and the load average
before and after are recorded with the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402
from layout import bench_layout, table as layout_table  # noqa: E402
from fonts import bench_fonts, table as fonts_table  # noqa: E402
from roadmap import bench_roadmap, table as roadmap_table  # noqa: E402
from layout import bench_diff, bench_layout, diff_table, table as layout_table  # noqa: E402
from flipbook import bench_flipbook, table as flipbook_table  # noqa: E402

DEFAULT_SIZES = (100, 1_000, 10_000, 100_000)

# A bare process drawing the placed DOT prep wrote (`-o x.dot`: every box
# and route already placed) with Graphviz, minus prep: what the drawing
# alone costs, next to the whole render (measure, layout, draw).
BARE_GRAPHVIZ = """\
import sys, pygraphviz
dot = open(sys.argv[1], encoding="utf-8").read()
pygraphviz.AGraph(string=dot).draw(sys.argv[2], format="svg", prog="nop2")
"""


def prep_command() -> list[str]:
    """The `prep` console script of this interpreter's environment (what a
    user runs), or `python -m prep` when there is none."""
    script = Path(sys.executable).parent / "prep"
    if script.is_file():
        return [str(script)]
    found = shutil.which("prep")
    return [found] if found else [sys.executable, "-m", "prep"]


def run_child(cmd: list[str], *, cwd: Path, env: dict | None = None, timeout: float = 900) -> dict:
    """Run one process; its wall seconds, peak RSS (MiB) and exit code."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = t + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.002)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return {"seconds": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024,
            "exit": proc.returncode, "stderr": stderr[-2000:]}


def measure(cmd: list[str], runs: int, *, cwd: Path, env: dict | None = None, ok=(0,),
            timeout: float = 900) -> dict:
    """The median of `runs` runs of `cmd` (all must exit with a code in `ok`)."""
    results = [run_child(cmd, cwd=cwd, env=env, timeout=timeout) for _ in range(runs)]
    bad = [r for r in results if r["exit"] not in ok]
    if bad:
        return {"error": f"exit {bad[0]['exit']}: {bad[0]['stderr'].strip()[-500:]}", "runs": runs}
    times = [r["seconds"] for r in results]
    # CPU seconds (user + system) of the child: far less disturbed than wall
    # time by other processes on a shared machine
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": runs,
            "cpu": statistics.median(r["cpu"] for r in results),
            "peak_mib": max(r["peak_mib"] for r in results)}


def _merge(single_runs: list[dict]) -> dict:
    """One measurement from several one-run measurements."""
    bad = [r for r in single_runs if "error" in r]
    if bad:
        return bad[0]
    times = [r["median"] for r in single_runs]
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": len(times),
            "cpu": statistics.median(r["cpu"] for r in single_runs),
            "peak_mib": max(r["peak_mib"] for r in single_runs)}


def machine_info() -> dict:
    info = {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "machine": platform.machine(), "cpus": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_mib"] = int(line.split()[1]) // 1024
                break
    except OSError:
        pass
    versions = {}
    for module in ("prep", "lark", "networkx", "click", "pygraphviz", "lark_cython"):
        try:
            from importlib.metadata import version

            versions[module] = version(module.replace("_", "-"))
        except Exception:  # noqa: BLE001 - not installed
            versions[module] = None
    info["versions"] = versions
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                        text=True, timeout=10).stdout.strip() or None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        info["dirty"] = bool(dirty)
    except (OSError, subprocess.SubprocessError):
        info["commit"] = None
    return info


def heavy_startup_imports(prep: list[str], cwd: Path) -> list[str]:
    """Modules that must not load for `prep --version`, found with -X importtime."""
    cmd = [sys.executable, "-X", "importtime", "-c", "import sys; from prep.cli import main; "
           "sys.argv = ['prep', '--version']; main()"]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60)
    loaded = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    return sorted(m for m in loaded if m.split(".")[0] in ("lark", "networkx", "pygraphviz"))


def lint_available(prep: list[str], cwd: Path) -> tuple[bool, bool]:
    """(is there a lint command, does it take --no-cache)."""
    proc = subprocess.run(prep + ["lint", "--help"], cwd=cwd, capture_output=True, text=True, timeout=60)
    return proc.returncode == 0, "--no-cache" in proc.stdout


def bench_size(n: int, args, prep: list[str], work: Path, has_lint: bool, has_cache: bool) -> dict:
    model = work / f"model-{n}.prep"
    model.write_text(generate(n, profile=args.lint_profile), encoding="utf-8")
    row: dict = {"n": n, "bytes": model.stat().st_size, "profile": args.lint_profile}
    runs = args.runs
    env = dict(os.environ)
    env.pop("PREP_DEBUG", None)
    if has_lint:
        lint_cmd = prep + ["lint", model.name, "--output-format", "concise"] if args.concise else prep + ["lint", model.name]
        # exit 1 means findings, which a generated model has: a normal outcome
        if has_cache:
            row["lint_cold"] = measure(lint_cmd + ["--no-cache"], runs, cwd=work, env=env, ok=(0, 1))
            run_child(lint_cmd, cwd=work, env=env)  # fill the cache
            row["lint_warm"] = measure(lint_cmd, runs, cwd=work, env=env, ok=(0, 1))
        else:
            row["lint_cold"] = measure(lint_cmd, runs, cwd=work, env=env, ok=(0, 1))
    split_cmd = [sys.executable, str(HERE / "inprocess.py"), str(model), "--runs", str(args.split_runs)]
    render = n <= args.render_max
    if render:
        split_cmd.append("--render")
    proc = subprocess.run(split_cmd, cwd=work, capture_output=True, text=True, timeout=3600, env=env)
    row["split"] = json.loads(proc.stdout) if proc.returncode == 0 else {"error": proc.stderr[-1000:]}
    if render:
        svg, dot = work / f"model-{n}.svg", work / f"model-{n}.dot"
        run_child(prep + ["render", model.name, "-o", dot.name], cwd=work, env=env)
        # the same fontconfig prep points Graphviz to, so both measure the same text
        from prep.layouter.fonts import configure_fonts

        bare_env = dict(env)
        conf = configure_fonts()
        if conf:
            bare_env["FONTCONFIG_FILE"] = conf
        script = work / "bare_graphviz.py"
        script.write_text(BARE_GRAPHVIZ, encoding="utf-8")
        # alternate the two, so that both see the same changes of load
        prep_runs, bare_runs = [], []
        for _ in range(args.render_runs):
            prep_runs.append(measure(prep + ["render", model.name, "-o", svg.name, "--force"], 1,
                                     cwd=work, env=env))
            bare_runs.append(measure([sys.executable, str(script), dot.name, f"bare-{n}.svg"], 1,
                                     cwd=work, env=bare_env))
        row["render"], row["bare_graphviz"] = _merge(prep_runs), _merge(bare_runs)
        if "median" in row["render"] and "median" in row["bare_graphviz"]:
            row["render_ratio"] = row["render"]["median"] / row["bare_graphviz"]["median"]
    return row


def _s(entry: dict | None, key: str = "median") -> str:
    if not entry:
        return "-"
    if "error" in entry:
        return "error"
    value = entry.get(key)
    if value is None:
        return "-"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _wc(entry: dict | None) -> str:
    """'wall (cpu)'."""
    if not entry or "error" in entry or "cpu" not in entry:
        return _s(entry)
    return f"{_s(entry)} ({_s(entry, 'cpu')})"


def table(result: dict) -> str:
    lines = []
    s = result["startup"]
    lines.append(f"start-up: prep --version {_wc(s['version'])} s, prep --help {_wc(s['help'])} s "
                 f"(median of {s['version'].get('runs', '?')}); heavy modules loaded: "
                 f"{', '.join(s['heavy_imports']) or 'none'}")
    lines.append("")
    profiles = sorted({row.get("profile", "local") for row in result["sizes"]})
    lines.append(f"Whole processes ({', '.join(profiles) or 'local'} profile), median wall seconds "
                 "(CPU seconds of the process in brackets):")
    lines.append("")
    lines.append("| N | lint cold s | lint warm s | lint peak MiB | us/deliverable (cold) | render s | bare Graphviz s | ratio |")
    lines.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in result["sizes"]:
        cold = row.get("lint_cold")
        per = f"{cold['median'] / row['n'] * 1e6:.0f}" if cold and "median" in cold else "-"
        ratio = f"{row['render_ratio']:.3f}" if "render_ratio" in row else "-"
        lines.append(f"| {row['n']:,} | {_wc(cold)} | {_wc(row.get('lint_warm'))} | "
                     f"{_s(cold, 'peak_mib') if cold else '-'} | {per} | {_wc(row.get('render'))} | "
                     f"{_wc(row.get('bare_graphviz'))} | {ratio} |")
    lines.append("")
    stages = ("read", "parse", "build", "graph", "lint", "measure", "layout", "dot", "draw")
    lines.append("In-process split (median seconds):")
    lines.append("")
    lines.append("| N | " + " | ".join(stages) + " | peak MiB |")
    lines.append("|---:|" + "---:|" * (len(stages) + 1))
    for row in result["sizes"]:
        sp = row.get("split", {})
        st = sp.get("stages", {})
        cells = [f"{st[k]:.3f}" if k in st else "-" for k in stages]
        peak = f"{sp['peak_mib']:.0f}" if "peak_mib" in sp else "-"
        lines.append(f"| {row['n']:,} | " + " | ".join(cells) + f" | {peak} |")
    return "\n".join(lines)


def _only_serve(args, argv) -> int:
    from serve import bench_serve, table as serve_table

    load_before = os.getloadavg()
    result = bench_serve(args.serve_n, args.serve_edits, prep_command(), profile=args.serve_profile,
                         stable_edits=args.serve_stable_edits, stable_cold=args.serve_stable_cold)
    result.update(command="python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
                  machine=machine_info(), load_average={"before": load_before, "after": os.getloadavg()})
    print(serve_table(result))
    print(f"\nload average before {load_before[0]:.2f}, after {result['load_average']['after'][0]:.2f}")
    out = Path(args.json if args.json != str(HERE / "results" / "latest.json") else HERE / "results" / "serve.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0 if "skipped" not in result else 2
def _only_authoring(args) -> int:
    from authoring import authoring_table, bench_authoring

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="prep-bench-") as tmp:
        result = bench_authoring(prep_command(), Path(tmp), measure, runs=args.runs, profile=args.authoring_profile)
    result["load_average"] = {"before": load_before, "after": os.getloadavg()}
    print(authoring_table(result))
    print(f"\nload average before {load_before[0]:.2f}, after {result['load_average']['after'][0]:.2f}")
    out = HERE / "results" / ("authoring.json" if args.authoring_profile == "local"
                              else f"authoring-{args.authoring_profile}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


def _only_workspace(args, argv) -> int:
    from workspace import bench_workspace, table as workspace_table

    load_before = os.getloadavg()
    here = str(HERE.parent) if args.workspace_base else None
    with tempfile.TemporaryDirectory(prefix="prep-bench-ws-") as tmp:
        result = bench_workspace([sys.executable, "-m", "prep"] if args.workspace_base else prep_command(),
                                 Path(tmp), measure, n=args.workspace_n, files=args.workspace_files,
                                 runs=args.runs, base=args.workspace_base, here=here,
                                 diff_only=args.workspace_diff_only)
    result.update(command="python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
                  machine=machine_info(), load_average={"before": load_before, "after": os.getloadavg()})
    print(workspace_table(result))
    print(f"\nload average before {load_before[0]:.2f}, after {result['load_average']['after'][0]:.2f}")
    out = HERE / "results" / ("workspace-diff.json" if args.workspace_diff_only else "workspace.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                    help="comma-separated model sizes (deliverables)")
    ap.add_argument("--runs", type=int, default=5, help="runs per whole-process measurement (median)")
    ap.add_argument("--render-runs", type=int, default=3, help="runs per render measurement")
    ap.add_argument("--split-runs", type=int, default=3, help="repeats of the in-process split")
    ap.add_argument("--render-max", type=int, default=1000, help="render only models up to this size")
    ap.add_argument("--json", default=str(HERE / "results" / "latest.json"), help="where to write the results")
    ap.add_argument("--concise", action="store_true", help="lint with --output-format concise")
    ap.add_argument("--quick", action="store_true", help="the CI smoke test: N = 100, one run each")
    ap.add_argument("--layout-sizes", default="200,500,1000", help="model sizes of the layout benchmark")
    ap.add_argument("--dot-max", type=int, default=1000, help="compare with Graphviz dot up to this size")
    ap.add_argument("--layout-no-groups", default="500,1000",
                    help="sizes of the layout benchmark also run on the same models without groups (issue 21)")
    ap.add_argument("--stability-trials", type=int, default=8, help="edits in the stability measurement")
    ap.add_argument("--overview-n", type=int, default=10_000, help="size of the overview measurement (0: none)")
    ap.add_argument("--diff-n", type=int, default=10_000, help="size of the prep diff measurement (0: none)")
    ap.add_argument("--diff-stages", type=int, default=8,
                    help="stages of the third prep diff shape (long-range with every deliverable in a stage; 0: none)")
    ap.add_argument("--stages-n", type=int, default=0,
                    help="size of the stage-rules measurement: a model with 8 declared stages (0: none)")
    ap.add_argument("--only-layout", action="store_true", help="run the layout benchmark only")
    ap.add_argument("--only-overview", action="store_true",
                    help="run the overview measurement only (--overview-sizes, both profiles, with and without "
                         "groups; --render-runs after a first run)")
    ap.add_argument("--overview-sizes", default="10000", metavar="SIZES",
                    help="model sizes of --only-overview (e.g. 10000,100000)")
    ap.add_argument("--no-layout", action="store_true", help="skip the layout benchmark")
    ap.add_argument("--lint-profile", choices=("local", "long-range"), default="local",
                    help="generator profile of the lint/render sizes (--sizes)")
    ap.add_argument("--only-serve", action="store_true",
                    help="run only the live preview benchmark (headless Chromium; writes results/serve.json)")
    ap.add_argument("--serve-n", type=int, default=200, help="model size of the live preview benchmark")
    ap.add_argument("--serve-edits", type=int, default=15,
                    help="saves measured by the live preview benchmark (the three kinds in turn)")
    ap.add_argument("--serve-stable-edits", type=int, default=6,
                    help="the same kinds of save re-rendered by prep render --stable (0: none)")
    ap.add_argument("--serve-stable-cold", action="store_true",
                    help="and again from an empty cache (no base face: a machine where no preview ran)")
    ap.add_argument("--serve-profile", choices=("local", "long-range"), default="local",
                    help="generator profile of the live preview benchmark's model")
    ap.add_argument("--authoring-profile", choices=("local", "long-range"), default="local",
                    help="generator profile of the authoring benchmark's models")
    ap.add_argument("--only-authoring", action="store_true",
                    help="run only the authoring benchmark: prep fmt --check, prep lsp diagnostics latency")
    ap.add_argument("--vscode-grammar", default="", metavar="SIZES",
                    help="also time the VS Code extension's grammar on models of these sizes "
                         "(bench/vscode_grammar.py; needs node and editors/vscode/node_modules)")
    ap.add_argument("--fonts", action="store_true", help="also measure the SVG font subset (bench/fonts.py)")
    ap.add_argument("--only-fonts", action="store_true",
                    help="measure only the SVG font subset: size and time, examples and --fonts-n")
    ap.add_argument("--fonts-n", type=int, default=1000, help="generated model size of the font measurement (0: none)")
    ap.add_argument("--fonts-examples", type=int, default=None, metavar="K",
                    help="measure the font on the first K examples only (default: all)")
    ap.add_argument("--roadmap", action="store_true",
                    help="also measure the roadmap view (render --view roadmap) against the normal render")
    ap.add_argument("--only-roadmap", action="store_true", help="run the roadmap measurement only")
    ap.add_argument("--roadmap-n", type=int, default=1000, help="deliverables of the roadmap measurement")
    ap.add_argument("--roadmap-stages", type=int, default=8, help="stages of the roadmap measurement")
    ap.add_argument("--only-diff", action="store_true",
                    help="run only the prep diff measurement (--diff-n: both profiles and long-range with --diff-stages, --runs runs each)")
    ap.add_argument("--flipbook", action="store_true", help="also time the flip-book against one render")
    ap.add_argument("--only-flipbook", action="store_true", help="run the flip-book benchmark only")
    ap.add_argument("--flipbook-n", type=int, default=1000, help="size of the flip-book model")
    ap.add_argument("--flipbook-stages", type=int, default=8, help="stages of the flip-book model")
    ap.add_argument("--only-pages", action="store_true",
                    help="run only the page-fitting benchmark (bench/pages.py; --pages-sizes, --runs)")
    ap.add_argument("--pages-sizes", default="30,40,100,300", help="generated model sizes of the page benchmark")
    ap.add_argument("--only-catalogue", action="store_true",
                    help="run only the catalogue measurement (bench/catalogue.py): export and import at "
                         "--catalogue-n, both profiles and long-range with --catalogue-stages")
    ap.add_argument("--catalogue-n", type=int, default=10_000, help="size of the catalogue measurement")
    ap.add_argument("--catalogue-stages", type=int, default=8, help="stages of the catalogue's hard profile")
    ap.add_argument("--only-workspace", action="store_true",
                    help="run only the workspace benchmark (bench/workspace.py): prep lint ROOT of "
                         "--workspace-n deliverables in --workspace-files files, cold and warm, both profiles")
    ap.add_argument("--workspace-diff-only", action="store_true",
                    help="with --only-workspace: only `prep diff` of two revisions where 3 parts changed")
    ap.add_argument("--workspace-n", type=int, default=100_000, help="deliverables of the workspace")
    ap.add_argument("--workspace-files", type=int, default=200, help="part files of the workspace")
    ap.add_argument("--workspace-base", metavar="PATH", default=None,
                    help="PYTHONPATH of another checkout (e.g. main before a change): its single-file lint "
                         "is measured alternately with this code's")
    args = ap.parse_args(argv)
    if args.only_workspace:
        return _only_workspace(args, argv)
    if args.only_pages:
        import pages

        return pages.main(["--sizes", args.pages_sizes, "--runs", str(args.runs)])
    if args.only_diff:
        return only_diff(args, argv)
    if args.only_overview:
        return only_overview(args, argv)
    if args.only_catalogue:
        return only_catalogue(args)
    if args.only_serve:
        return _only_serve(args, argv)
    if args.only_authoring:
        return _only_authoring(args)
    if args.quick:
        args.sizes, args.runs, args.render_runs, args.split_runs, args.render_max = "100", 1, 1, 1, 100
        args.layout_sizes, args.stability_trials, args.overview_n, args.diff_n = "200", 2, 0, 1000
    if args.only_layout or args.only_flipbook:
        args.sizes = ""
    if args.only_fonts:
        args.sizes, args.no_layout, args.fonts = "", True, True
    if args.only_roadmap:
        args.sizes, args.no_layout, args.roadmap = "", True, True
    if args.only_flipbook:
        args.no_layout, args.flipbook = True, True
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    prep = prep_command()
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="prep-bench-") as tmp:
        work = Path(tmp)
        has_lint, has_cache = lint_available(prep, work)
        startup_runs = max(args.runs, 5) if not args.quick else 1
        result = {
            "started": started,
            "command": "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "machine": machine_info(),
            "prep_command": prep,
            "startup": {
                "version": measure(prep + ["--version"], startup_runs, cwd=work),
                "help": measure(prep + ["--help"], startup_runs, cwd=work),
                "heavy_imports": heavy_startup_imports(prep, ROOT),
            },
            "lint_command": has_lint,
            "lint_cache": has_cache,
            "sizes": [],
        }
        for n in sizes:
            print(f"N = {n:,} ...", file=sys.stderr, flush=True)
            result["sizes"].append(bench_size(n, args, prep, work, has_lint, has_cache))
        if args.stages_n:
            import stages

            print(f"stage rules, N = {args.stages_n:,} ...", file=sys.stderr, flush=True)
            result["stages"] = stages.measure(args.stages_n, prep, work, measure, args.runs)
        if not args.no_layout:
            result["layout"] = bench_layout(args, prep, work, measure, run_child)
        if args.vscode_grammar:
            from vscode_grammar import bench_vscode_grammar

            result["vscode_grammar"] = bench_vscode_grammar(
                [int(s.replace("_", "")) for s in args.vscode_grammar.split(",") if s.strip()], max(args.runs, 1))
        if args.fonts:
            result["fonts"] = bench_fonts(args, prep, work, measure, _merge)
        if args.roadmap:
            print(f"roadmap view, N = {args.roadmap_n:,} ...", file=sys.stderr, flush=True)
            result["roadmap"] = bench_roadmap(args, prep, work, measure)
        if args.flipbook:
            result["flipbook"] = bench_flipbook(args, prep, work, measure)
    result["load_average"] = {"before": load_before, "after": os.getloadavg()}
    result["table"] = table(result) if sizes else ""
    if "layout" in result:
        result["table"] += "\n\n" + layout_table(result["layout"])
    if "vscode_grammar" in result:
        from vscode_grammar import table as grammar_table

        result["table"] += "\n\n" + grammar_table(result["vscode_grammar"])
    if "stages" in result:
        import stages

        result["table"] += "\n\n" + stages.table(result["stages"])
    if "fonts" in result:
        result["table"] += "\n\n" + fonts_table(result["fonts"])
    if "roadmap" in result:
        result["table"] += "\n\n" + roadmap_table(result["roadmap"])
    if "flipbook" in result:
        result["table"] += "\n\n" + flipbook_table(result["flipbook"])
    print(result["table"])
    print(f"\nload average before {load_before[0]:.2f}, after {result['load_average']['after'][0]:.2f}; "
          f"{result['machine'].get('cpus')} CPUs, Python {result['machine']['python']}")
    out = Path(args.json)
    if not any(a.startswith("--json") for a in (argv if argv is not None else sys.argv[1:])):
        out = HERE / "results" / _default_json(args, sizes)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp_out, out)
    print(f"wrote {out}", file=sys.stderr)
    failed = [row["n"] for row in result["sizes"]
              for key in ("lint_cold", "lint_warm", "render", "bare_graphviz", "split")
              if isinstance(row.get(key), dict) and "error" in row[key]]
    lay = result.get("layout", {})
    failed += [f"layout {r['profile']} {r['n']}" for r in lay.get("rows", [])
               for key in ("prep", "dot") if isinstance(r.get(key), dict) and "error" in r[key]]
    failed += [f"overview {o['profile']} {o['n']}" for o in lay.get("overview", []) if "error" in o["render"]]
    failed += [f"diff {o['profile']} {o['n']}" for o in lay.get("diff", []) if "error" in o["diff"]]
    grammar = result.get("vscode_grammar", {})
    failed += ["vscode grammar"] if "error" in grammar else [f"vscode grammar {r['n']}" for r in grammar.get("rows", [])
                                                             if "error" in r]
    failed += [f"fonts {r['model']}" for r in result.get("fonts", {}).get("rows", [])
               for key in ("bare", "cold", "warm", "edited") if "error" in r[key]]
    failed += [f"roadmap {r['profile']} {r['n']}" for r in result.get("roadmap", [])
               for key in ("roadmap", "diagram") if "error" in r[key]]
    failed += [f"flipbook {r['profile']} {r['format']}" for r in result.get("flipbook", {}).get("rows", [])
               if "error" in r["flipbook"] or "error" in r["single"]]
    if failed:
        print(f"some measurements failed ({sorted(set(map(str, failed)))}); see the JSON", file=sys.stderr)
        return 1
    return 0


def _default_json(args, sizes: list[int]) -> str:
    """Where a run writes its JSON when --json is not given: latest.json is
    the whole benchmark's (docs/performance.md quotes it), so a run of one
    section writes that section's file instead of overwriting it."""
    for flag, name in (("only_layout", "layout"), ("only_roadmap", "roadmap"), ("only_flipbook", "flipbook"),
                       ("only_fonts", "fonts")):
        if getattr(args, flag):
            return f"{name}.json"
    whole = (tuple(sizes) == DEFAULT_SIZES and not args.no_layout and not args.quick
             and getattr(args, "lint_profile", "local") == "local")
    return "latest.json" if whole else "partial.json"


def only_overview(args, argv) -> int:
    """The overview above --overview-above at --overview-sizes, both profiles,
    with and without groups (issue 21: 10,000 without groups <= 10 s, no
    file over 5 MB; 100,000 <= 60 s); prints the table and writes
    bench/results/overview.json (or --json)."""
    from layout import bench_overview, overview_table

    prep = prep_command()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PREP_DEBUG")}
    load_before = os.getloadavg()
    sizes = [int(s.replace("_", "")) for s in args.overview_sizes.split(",") if s.strip()]
    with tempfile.TemporaryDirectory(prefix="prep-bench-") as tmp:
        rows = bench_overview(sizes, args.render_runs, prep, Path(tmp),
                              lambda cmd, runs, **kw: measure(cmd, runs, env=env, **kw),
                              lambda cmd, **kw: run_child(cmd, env=env, **kw))
    result = {"command": "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "machine": machine_info(), "overview": rows,
              "load_average": {"before": load_before, "after": os.getloadavg()}}
    print("\n".join(overview_table(rows)))
    for row in rows:
        for line in row.get("message", []):
            print(f"\n{row['profile']}{'' if row['groups'] else ' without groups'} {row['n']:,}: {line}")
    print(f"\nload average before {load_before[0]:.2f}, after {result['load_average']['after'][0]:.2f}")
    given = any(a.startswith("--json") for a in (argv if argv is not None else sys.argv[1:]))
    out = Path(args.json) if given else HERE / "results" / "overview.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 1 if any("error" in row["render"] for row in rows) else 0


def only_diff(args, argv) -> int:
    """`prep diff` at --diff-n on both profiles, nothing else (seconds, not
    the minutes of the layout benchmark); prints the table, writes no JSON
    unless --json is given explicitly."""
    prep = prep_command()
    # as bench_layout measures it: compiled modules kept, no debug output
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PREP_DEBUG")}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="prep-bench-") as tmp:
        work = Path(tmp)
        measure(prep + ["--version"], 1, cwd=work, env=env)  # compile prep's modules once, untimed
        rows = bench_diff(args, prep, work, lambda *a, **k: measure(*a, env=env, **k), runs=args.runs)
    load_after = os.getloadavg()
    print("\n".join(diff_table(rows)))
    print(f"\nload average before {load_before[0]:.2f}, after {load_after[0]:.2f}; {os.cpu_count()} CPUs "
          f"(wall time is noisy on a shared machine; CPU time much less)")
    if any(a.startswith("--json") for a in (argv if argv is not None else sys.argv[1:])):
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        data = {"command": "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
                "machine": machine_info(), "diff": rows,
                "load_average": {"before": load_before, "after": load_after}}
        out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if any("error" in r["diff"] for r in rows) else 0


def only_catalogue(args) -> int:
    """The catalogue's export and import at --catalogue-n (bench/catalogue.py);
    prints the table, writes no JSON."""
    from catalogue import bench_catalogue, table as catalogue_table

    prep = prep_command()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PREP_DEBUG")}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="prep-bench-") as tmp:
        work = Path(tmp)
        measure(prep + ["--version"], 1, cwd=work, env=env)  # compile prep's modules once, untimed
        rows = bench_catalogue(args.catalogue_n, args.catalogue_stages, prep, work,
                               lambda *a, **k: measure(*a, env=env, **k),
                               lambda *a, **k: run_child(*a, env=env, **k), args.runs)
    load_after = os.getloadavg()
    print("\n".join(catalogue_table(rows)))
    print(f"\nload average before {load_before[0]:.2f}, after {load_after[0]:.2f}; {os.cpu_count()} CPUs "
          f"(wall time is noisy on a shared machine; CPU time much less)")
    return 0 if all(r["round_trip_exact"] and "median" in r["export"] and "median" in r["import"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
