"""The stage rules' cost (T4xx): a generated model with declared stages.

`staged(n, stages)` takes the benchmark model of bench/generate.py and makes
it a roadmap: its v1 `stage:` values are dropped, `stages` stages are
declared, the top-level groups are spread over them in order (`[stage: sK]`
on the group; nested groups inherit it), and each stage ends with the last
deliverable declared in it. Same n, same text.

    python bench/stages.py 10000            # per-rule times, in this process
    python bench/stages.py 10000 > m.prep   # (with --text) the model itself

`measure(n)` lints the staged model and the plain one (same deliverables
and relations, stages not declared, so the stage rules do nothing) in fresh
processes, and times each T4xx check in-process (CPU time, best of 3: the
whole-process numbers are noisy on a shared machine).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

_V1_STAGE = re.compile(r"(, )?stage: [^,\]]+")


def staged(n: int, stages: int = 8, seed: int = 0) -> str:
    text = generate(n, seed)
    lines = [_V1_STAGE.sub("", line).replace(" []", "").replace("[, ", "[") for line in text.split("\n")]
    top = [i for i, line in enumerate(lines) if line.startswith("group ")]
    per = max(1, -(-len(top) // stages))
    last: dict[int, str] = {}
    current = 0
    out = []
    for i, line in enumerate(lines):
        if line.startswith("group "):
            current = min(top.index(i) // per, stages - 1)
            line = line[:-2] + f" [stage: s{current}] {{" if line.endswith(" {") else line
        m = re.match(r"\s+deliverable (\S+)", line)
        if m:
            last[current] = m.group(1)
        out.append(line)
    head = [f'stage s{k} "Stage {k}"' + (f" [exit: {last[k]}]" if k in last else "") for k in range(stages)]
    return "\n".join(head + out)


def rule_times(path: str, runs: int = 3) -> dict:
    """{code: best CPU seconds} for the stage rules, after one load."""
    import time

    import prep
    from prep.linter.rules import RULES

    model = prep.load(path, strict=False)
    model.index
    t = time.process_time()
    model.effective_stages
    out = {"effective_stages": time.process_time() - t}
    for code, rule in RULES.items():
        if code.startswith("T") and rule.check is not None:
            best = float("inf")
            for _ in range(runs):
                t = time.process_time()
                for _ in rule.check(model, model.index, rule.option_defaults()):
                    pass
                best = min(best, time.process_time() - t)
            out[code] = best
    out["findings"] = {c: n for c, n in _counts(prep.lint(model)).items() if c.startswith("T")}
    return out


def _counts(findings) -> dict:
    out: dict = {}
    for d in findings:
        out[d.code] = out.get(d.code, 0) + 1
    return out


def measure(n: int, prep: list[str], work: Path, measure_cmd, runs: int, stages: int = 8) -> dict:
    """Whole-process `prep lint --no-cache` of the staged and the plain model,
    and the in-process split of the stage rules."""
    staged_path, plain_path = work / f"staged-{n}.prep", work / f"plain-{n}.prep"
    staged_path.write_text(staged(n, stages), encoding="utf-8")
    plain_path.write_text(generate(n), encoding="utf-8")
    row = {"n": n, "stages": stages}
    for key, path in (("lint_staged", staged_path), ("lint_plain", plain_path)):
        row[key] = measure_cmd(prep + ["lint", path.name, "--no-cache"], runs, cwd=work, ok=(0, 1))
    proc = subprocess.run([sys.executable, str(Path(__file__)), "--split", str(staged_path)],
                          capture_output=True, text=True, timeout=900)
    row["split"] = json.loads(proc.stdout) if proc.returncode == 0 else {"error": proc.stderr[-2000:]}
    return row


def table(row: dict) -> str:
    def med(e):
        return f"{e['median']:.2f}" if isinstance(e, dict) and "median" in e else "-"

    split = row.get("split", {})
    rules = ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in split.items() if k.startswith("T"))
    return (f"stage rules, N = {row['n']:,}, {row['stages']} declared stages: `prep lint --no-cache` "
            f"{med(row['lint_staged'])} s (same model without stage declarations {med(row['lint_plain'])} s); "
            f"in-process CPU: effective stages {split.get('effective_stages', 0) * 1000:.1f} ms, {rules}; "
            f"findings {split.get('findings')}")


def main(argv: list[str]) -> int:
    if len(argv) > 2 and argv[1] == "--split":
        print(json.dumps(rule_times(argv[2])))
        return 0
    if len(argv) > 2 and argv[1] == "--text":
        sys.stdout.write(staged(int(argv[2])))
        return 0
    n = int(argv[1]) if len(argv) > 1 else 10_000
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "staged.prep"
        p.write_text(staged(n), encoding="utf-8")
        times = rule_times(str(p))
    for k, v in times.items():
        print(f"{k:18} {v}" if k == "findings" else f"{k:18} {v * 1000:7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
