"""A deterministic generator of realistic PReP models for the benchmark.

`generate(n)` returns the text of a model with `n` deliverables shaped like
the models consultants write, only bigger:

- about 20% knowhow (dashed boxes), most with an owner;
- deliverables spread over groups (departments / phases, some nested),
  declared inside their group's block;
- most produced deliverables made from 2-3 inputs chosen among *earlier*
  ones (mostly recent ones, so the graph is layered like a real process,
  with some long-range inputs), written as `a, b -> c` and as chains;
- about 5% synchronization relations (`a, b ~> c`) and mutual ones
  (`a <~> b`);
- owners drawn from a pool of roles; some `external`, `final`, `note`,
  `stage` attributes; comments;
- Japanese names (bare words) and some quoted display labels.

The same `n` and `seed` always give byte-identical text.

    python bench/generate.py 1000 > model.prep
    python bench/generate.py 1000 0 long-range > hard.prep
    python bench/generate.py 1000 0 local 8 > roadmap.prep   # 8 stages with exit criteria
"""

from __future__ import annotations

import random
import re
import sys

_PREFIXES = ("顧客", "営業", "開発", "品質", "経理", "人事", "法務", "保守", "企画", "購買",
             "製造", "物流", "広報", "情報", "総務", "設計", "検査", "調達", "契約", "運用")
_THINGS = ("要望リスト", "見積書", "契約書", "計画書", "仕様書", "設計書", "議事録", "報告書",
           "申請書", "承認記録", "チェックリスト", "手順書", "請求書", "発注書", "納品書",
           "課題一覧", "日程表", "予算案", "評価表", "提案書")
_KNOWHOW = ("ノウハウ", "知識", "経験", "判断基準", "レビュー観点", "交渉スキル", "業界知識",
            "顧客理解", "設計スキル", "目利き")
_ROLES = ("開発リーダー", "品質保証", "営業部長", "経理担当", "人事担当", "法務担当", "PM",
          "CSマネージャー", "保健師", "産業医", "部長", "課長", "主任", "外部委託先", "顧客担当",
          "情報システム部", "購買担当", "設計リーダー", "検査員", "総務担当")
_STAGES = ("onboarding", "adoption", "expansion", "renewal", "導入", "定着", "拡大")
_GROUP_KINDS = ("部", "課", "チーム", "フェーズ")

KNOWHOW_SHARE = 0.20
SYNC_SHARE = 0.05


def _name(rng: random.Random, i: int, knowhow: bool) -> str:
    prefix = _PREFIXES[rng.randrange(len(_PREFIXES))]
    thing = _KNOWHOW[rng.randrange(len(_KNOWHOW))] if knowhow else _THINGS[rng.randrange(len(_THINGS))]
    return f"{prefix}{thing}-{i}"


PROFILES = ("local", "long-range")


def generate(n: int, seed: int = 0, profile: str = "local", stages: int = 0, groups: bool = True) -> str:
    """The text of a model with exactly `n` deliverables.

    `stages` > 0 declares that many stages (a success roadmap), in order,
    each with an exit criterion (the last tangible deliverable of its
    stretch of the process), and places every deliverable in the stage of
    its stretch (`stage:` attributes); 0 keeps the v1 free-text `stage:`
    attributes on a few deliverables. The rest of the model is the same.

    `profile` "local" draws most inputs from the last 60 deliverables (the
    easy case for a layered layout: short edges); "long-range" draws every
    input from *any* earlier deliverable, as external inputs (a contract,
    the customer's goals) are used all through a real process: long edges
    across many layers, the hard case.

    `groups` False writes the same deliverables and relations without
    their group blocks (the "no groups" variant of the layout benchmark)."""
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, not {profile!r}")
    long_range = profile == "long-range"
    with_groups = groups
    rng = random.Random(seed * 1_000_003 + n + (7_919 if long_range else 0))
    # groups of about 40 deliverables; every fifth group nested in the previous one
    n_groups = max(1, n // 40)
    groups = []
    for g in range(n_groups):
        label = f"{_PREFIXES[g % len(_PREFIXES)]}{_GROUP_KINDS[g % len(_GROUP_KINDS)]}{g}"
        groups.append(label)

    kinds = [rng.random() < KNOWHOW_SHARE for _ in range(n)]
    names = [_name(rng, i, k) for i, k in enumerate(kinds)]
    # deliverables are assigned to groups in runs, so a group holds a stretch of the process
    member_of = [min(i * n_groups // n, n_groups - 1) for i in range(n)]

    decls: list[list[str]] = [[] for _ in range(n_groups)]

    def stage_of(i: int) -> int:  # stages hold equal stretches of the process
        return min(i * stages // n, stages - 1)

    exits = {}
    for i, knowhow in enumerate(kinds):
        if stages and not knowhow:
            exits[stage_of(i)] = names[i]  # the last tangible one of each stretch
    for i, (name, knowhow) in enumerate(zip(names, kinds)):
        attrs = []
        r = rng.random()
        if knowhow:
            if r < 0.7:
                attrs.append(f"owner: {_ROLES[rng.randrange(len(_ROLES))]}")
            elif r < 0.8:
                a, b = rng.sample(_ROLES, 2)
                attrs.append(f"owner: [{a}, {b}]")
            line = f"knowhow {name}"
        else:
            if i < max(3, n // 50) and r < 0.5:
                attrs.append("external")
            elif r < 0.3:
                attrs.append(f"owner: {_ROLES[rng.randrange(len(_ROLES))]}")
            if rng.random() < 0.05:
                attrs.append(f'note: "第{i % 7 + 1}版で改訂"')
            if rng.random() < 0.05 and not stages:
                attrs.append(f"stage: {_STAGES[rng.randrange(len(_STAGES))]}")
            line = f"deliverable {name}"
            if rng.random() < 0.1:
                line += f' "{name} (v{i % 3 + 1})"'
        if stages:
            attrs.append(f"stage: s{stage_of(i) + 1}")
        if attrs:
            line += " [" + ", ".join(attrs) + "]"
        decls[member_of[i]].append(line)

    relations: list[str] = []
    made = set()
    window = 60
    first_produced = max(3, min(n // 20, 50))
    for i in range(first_produced, n):
        if kinds[i] or rng.random() < 0.08:
            continue  # knowhow and some raw material are not produced
        lo = 0 if long_range else max(0, i - window)
        k = 2 if rng.random() < 0.6 else 3
        pool = range(lo, i)
        picks = rng.sample(pool, min(k, len(pool)))
        if not long_range and rng.random() < 0.1 and i > window:
            picks[-1] = rng.randrange(0, lo)  # a long-range input
        inputs = ", ".join(names[j] for j in sorted(set(picks)))
        made.add(i)
        if rng.random() < SYNC_SHARE:
            relations.append(f"{inputs} ~> {names[i]}")
        else:
            relations.append(f"{inputs} -> {names[i]}")
    # mutual synchronization between neighbours, and a few chains with notes
    for i in range(first_produced, n - 1):
        r = rng.random()
        if r < 0.02:
            relations.append(f"{names[i]} <~> {names[min(n - 1, i + rng.randrange(1, 5))]}")
        elif r < 0.025 and i + 2 < n:
            relations.append(f'{names[i]} -> {names[i + 1]} -> {names[i + 2]} [note: "再確認"]')

    kind = ", long-range inputs" if long_range else ""
    out = [f"# generated benchmark model: {n} deliverables (seed {seed}{kind})",
           f'title "ベンチマーク {n}"', ""]
    for k in range(stages):
        exit_attr = f" [exit: {exits[k]}]" if k in exits else ""
        out.append(f'stage s{k + 1} "Stage {k + 1}: {_STAGES[k % len(_STAGES)]}"{exit_attr}')
    if stages:
        out.append("")
    for g, label in enumerate(groups if with_groups else ()):
        # every fifth group is nested in the one before it
        nested = g % 5 == 4
        indent = "    " if nested else "  "
        quoted_label = f' "{label} (group {g})"' if g % 3 == 0 else ""
        if nested:
            out.pop()  # reopen the previous group: drop its closing brace
        out.append(indent[2:] + f"group {label}{quoted_label} {{")
        out.extend(indent + line for line in decls[g])
        out.append(indent[2:] + "}")
        if nested:
            out.append("}")
    if not with_groups:
        out.extend(line for block in decls for line in block)
    out.append("")
    out.append("# relations")
    for line in relations:
        out.append(line)
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 1000
    seed = int(argv[2]) if len(argv) > 2 else 0
    profile = argv[3] if len(argv) > 3 else "local"
    stages = int(argv[4]) if len(argv) > 4 else 0
    sys.stdout.write(generate(n, seed, profile, stages))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))


def edit(text: str, seed: int = 0, changes: int = 20) -> str:
    """A realistic next version of a generated model, for `prep diff`: some
    relations change kind (-> to ~>), some disappear, a deliverable is
    added with two existing inputs, one knowhow gains an owner, and the
    relations are written in another order (which is no change)."""
    rng = random.Random(seed)
    lines = text.split("\n")
    rel = [i for i, line in enumerate(lines) if " -> " in line and "[" not in line]
    picked = rng.sample(rel, min(len(rel), 2 * changes))
    for i in picked[:changes]:
        lines[i] = lines[i].replace(" -> ", " ~> ", 1)
    for i in picked[changes:]:
        lines[i] = ""
    names = [line.split()[1] for line in lines if line.strip().startswith("deliverable ")]
    a, b = rng.sample(names, 2)
    knowhow = next(i for i, line in enumerate(lines) if line.strip().startswith("knowhow ") and "owner:" in line)
    if "owner: [" in lines[knowhow]:
        lines[knowhow] = lines[knowhow].replace("owner: [", "owner: [追加担当, ", 1)
    else:
        lines[knowhow] = re.sub(r"owner: ([^,\]]+)", r"owner: [追加担当, \1]", lines[knowhow], count=1)
    start = next(i for i, line in enumerate(lines) if line == "# relations") + 1
    body = lines[start:]
    rng.shuffle(body)
    return "\n".join(lines[:start] + body + [f"{a}, {b} -> 追加の成果物", ""])
