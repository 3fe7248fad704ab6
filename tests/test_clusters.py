"""The overview of a model without enough groups (issue 21): above
`--overview-above` the deliverables in no group, and groups too big for one
picture, are clustered automatically (stages first, then communities of
their relations), each cluster named after its most central deliverables,
each drawn as its own linked picture; the message says what the clusters
are and how they were found. `--force` says how large its one picture is."""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import prep
from prep.language import clusters as clustering

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from generate import generate  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"


def _boxes(path: Path) -> list[str]:
    """The deliverables a picture draws (their node titles)."""
    root = ET.parse(path).getroot()
    return [g.find(f"{SVG}title").text.split(" — ")[0] for g in root.iter(f"{SVG}g") if "node" in (g.get("class") or "")]


def _every_file(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_model_without_groups_is_clustered_named_and_drawn_a_picture_per_cluster(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = generate(300, profile="long-range", groups=False)
    (tmp_path / "big.prep").write_text(text, encoding="utf-8")
    model = prep.loads(text)
    assert not model.groups
    result = cli("render", "big.prep", "-o", "big.svg", "--overview-above", "100")
    assert result.exit_code == 0, result.output
    # the message says what the clusters are and how they were found
    found = re.search(r"(\d+) clusters of (\d+)-(\d+) deliverables \(median \d+\), clustered automatically by "
                      r"(Leiden|Louvain) communities: ", result.output)
    assert found, result.output
    count, smallest, largest = int(found[1]), int(found[2]), int(found[3])
    assert largest <= 100 and count >= 3
    assert "one box per cluster" in result.output and "big.groups/" in result.output
    # the overview: one box per cluster, each linked to its picture, and a caption saying how
    root = ET.parse(tmp_path / "big.svg").getroot()
    links = [a.get(XLINK) for a in root.iter(f"{SVG}a")]
    assert len(links) == count == len(list((tmp_path / "big.groups").iterdir()))
    assert any("clustered automatically by" in (t.text or "") for t in root.iter(f"{SVG}text"))
    # every deliverable drawn in exactly one picture, none holding more than the cap
    drawn = []
    for link in links:
        boxes = _boxes(tmp_path / link)
        assert smallest <= len(boxes) <= 100, link
        drawn += boxes
    assert sorted(drawn) == sorted(d.name if d.display == d.name else f"{d.display} ({d.name})"
                                   for d in model.deliverables.values())
    # each picture is named after its most central deliverables, as its box is
    for cluster, link in zip(prep.clusters(model, 100).clusters, links):
        first = cluster.label.split(",")[0]
        assert first in link.replace("-", " ") or re.sub(r"[^\w]+", "-", first).strip("-") in link
        assert any(t.text == cluster.label for t in ET.parse(tmp_path / "big.svg").getroot().iter(f"{SVG}text"))


def test_the_same_model_gives_the_same_files(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.prep").write_text(generate(250, groups=False), encoding="utf-8")
    assert cli("render", "big.prep", "-o", "big.svg", "--overview-above", "80").exit_code == 0
    first = _every_file(tmp_path)
    assert cli("render", "big.prep", "-o", "big.svg", "--overview-above", "80").exit_code == 0
    assert _every_file(tmp_path) == first
    assert len([name for name in first if name.startswith("big.groups/")]) >= 4


@pytest.mark.parametrize("profile", ["local", "long-range"])
def test_every_deliverable_is_in_exactly_one_cluster_within_the_cap(profile):
    model = prep.loads(generate(600, profile=profile, groups=False))
    found = prep.clusters(model, 60)
    members = [m for c in found.clusters for m in c.members]
    assert sorted(members) == sorted(model.deliverables)           # each exactly once
    assert all(1 <= len(c.members) <= 60 for c in found.clusters)
    assert len({c.name for c in found.clusters}) == len(found.clusters)  # box names unique
    assert found.automatic and "communities" in found.method
    # most clusters are not crumbs: small communities are joined to their neighbours
    assert sorted(found.sizes)[len(found.sizes) // 2] >= 15
    # named after their most central deliverables: the one with most relations inside comes first
    cluster = found.clusters[0]
    inside = set(cluster.members)
    degree = {m: sum((r.source == m and r.target in inside) + (r.target == m and r.source in inside)
                     for r in model.relations if r.source != r.target) for m in inside}
    top = max(degree.values())
    assert any(cluster.label.startswith(" ".join(model.deliverables[m].display.split())[:24])
               for m in inside if degree[m] == top)
    assert prep.clusters(model, 60) == found   # deterministic


def test_without_igraph_networkx_louvain_is_used_and_named(monkeypatch):
    monkeypatch.setattr(clustering, "_igraph", lambda: None)
    model = prep.loads(generate(300, groups=False))
    found = prep.clusters(model, 60)
    assert "Louvain communities" in found.method
    assert sorted(m for c in found.clusters for m in c.members) == sorted(model.deliverables)
    assert max(found.sizes) <= 60 and prep.clusters(model, 60) == found


def test_declared_stages_come_first(cli, tmp_path, monkeypatch):
    # 8 stages of about 40 deliverables each: the stages are the clusters
    model = prep.loads(generate(300, groups=False, stages=8))
    found = prep.clusters(model, 100)
    assert [c.label for c in found.clusters] == [s.display for s in model.stages.values()]
    assert {c.found_by for c in found.clusters} == {"stage"}
    assert found.method == "clustered automatically by stage"
    # 2 stages of 150: each split further, named after the stage, then its central deliverables
    monkeypatch.chdir(tmp_path)
    text = generate(300, groups=False, stages=2)
    (tmp_path / "staged.prep").write_text(text, encoding="utf-8")
    model = prep.loads(text)
    found = prep.clusters(model, 100)
    assert found.method.startswith("clustered automatically by stage and ") and found.method.endswith(" communities")
    stages = [s.display for s in model.stages.values()]
    assert all(any(c.label.startswith(stage + ": ") for stage in stages) for c in found.clusters)
    assert max(found.sizes) <= 100 and len(found.clusters) >= 4
    where = model.effective_stages
    for c in found.clusters:   # a cluster never mixes stages
        assert len({where[m] for m in c.members}) == 1
    result = cli("render", "staged.prep", "-o", "staged.svg", "--overview-above", "100")
    assert result.exit_code == 0, result.output
    assert "clustered automatically by stage and" in result.output


def test_a_huge_declared_group_is_split_and_small_groups_are_kept():
    lines = ["group 大きい部 {"] + [f"  deliverable d{i}" for i in range(240)] + ["}", "group 小さい課 {"]
    lines += [f"  deliverable s{i}" for i in range(20)] + ["}"]
    lines += [f"d{i - 1 - (i % 3)}, d{i - 1} -> d{i}" for i in range(3, 240)]
    lines += [f"s{i - 1} -> s{i}" for i in range(1, 20)] + ["d239 -> s0"]
    model = prep.loads("\n".join(lines) + "\n")
    found = prep.clusters(model, 100)
    assert found.clusters[-1].label == "小さい課" and found.clusters[-1].found_by == "group"
    pieces = [c for c in found.clusters if c.found_by == "communities"]
    assert len(pieces) >= 3 and all(c.label.startswith("大きい部: ") for c in pieces)
    assert sum(len(c.members) for c in pieces) == 240 and max(found.sizes) <= 100
    assert found.method.startswith("the declared groups, those too big split by ")
    # groups that fit: the overview as it always was
    small = prep.loads("group A { deliverable a }\ngroup B { deliverable b }\na -> b\n")
    plain = prep.clusters(small, 100)
    assert not plain.automatic and plain.method == "the declared groups"
    assert [c.label for c in plain.clusters] == ["A", "B"]


def test_force_says_how_large_its_one_picture_is(prep_run, tmp_path):
    (tmp_path / "big.prep").write_text(generate(150, groups=False), encoding="utf-8")
    result = prep_run("render", "big.prep", "-o", "all.svg", "--overview-above", "100", "--force", cwd=tmp_path)
    err = result.stderr.decode("utf-8")
    assert result.returncode == 0, err
    size = re.search(r"all\.svg: 150 deliverables in one picture of ([\d,]+) x ([\d,]+) pt, ([\d.]+) (KB|MB)", err)
    assert size, err
    root = ET.parse(tmp_path / "all.svg").getroot()
    assert root.get("width") == size[1].replace(",", "") + "pt"
    assert "--force draws everything" in err and "Traceback" not in err
    assert not (tmp_path / "all.groups").exists()
    # below the size nothing needs saying
    result = prep_run("render", "big.prep", "-o", "small.svg", "--overview-above", "200", cwd=tmp_path)
    assert result.returncode == 0 and "one picture of" not in result.stderr.decode("utf-8")


def test_max_size_must_be_positive():
    with pytest.raises(ValueError):
        prep.clusters(prep.loads("a -> b"), 0)


def test_the_overview_of_found_clusters_draws_each_boxs_strongest_links_and_says_so():
    from prep.language.views import STRONGEST, overview

    model = prep.loads(generate(600, profile="long-range", groups=False))
    found = prep.clusters(model, 60)
    view, holds = overview(model, found)
    assert list(holds) == [c.name for c in found.clusters]
    assert f"each cluster's {STRONGEST} strongest links" in view.title
    where = {m: c.name for c in found.clusters for m in c.members}
    counts: dict[tuple[str, str], int] = {}
    for r in model.relations:
        if where[r.source] != where[r.target]:
            counts[(where[r.source], where[r.target])] = counts.get((where[r.source], where[r.target]), 0) + 1
    drawn = {(r.source, r.target): int(r.note.split()[0]) for r in view.relations}
    assert drawn and len(drawn) < len(counts)
    for (a, b), n in drawn.items():
        assert counts[(a, b)] == n   # the arrow says how many relations it stands for
        leaving = sorted((c for (x, _), c in counts.items() if x == a), reverse=True)
        reaching = sorted((c for (_, y), c in counts.items() if y == b), reverse=True)
        assert n >= leaving[:STRONGEST][-1] or n >= reaching[:STRONGEST][-1]


def test_an_overview_over_its_time_budget_says_what_takes_the_time(prep_run, tmp_path):
    (tmp_path / "big.prep").write_text(generate(2000, groups=False), encoding="utf-8")
    result = prep_run("render", "big.prep", "-o", "big.svg", "--overview-above", "20", "--timeout", "1",
                      cwd=tmp_path, timeout=60)
    err = result.stderr.decode("utf-8")
    assert result.returncode == 2 and "Traceback" not in err
    assert "took longer than 1 s" in err and "one picture per cluster of up to 20" in err and "--timeout" in err
    assert not (tmp_path / "big.svg").exists() and not (tmp_path / "big.groups").exists()  # nothing half-written


def test_more_clusters_than_an_overview_holds_are_shown_in_two_levels(cli, tmp_path, monkeypatch):
    # 100,000 deliverables make about 700 clusters; here 300 with a cap of 10 make about 60
    monkeypatch.setattr(clustering, "MAX_BOXES", 8)
    monkeypatch.chdir(tmp_path)
    text = generate(300, groups=False)
    (tmp_path / "big.prep").write_text(text, encoding="utf-8")
    model = prep.loads(text)
    found = prep.clusters(model, 10)
    assert len(found.clusters) > 8
    result = cli("render", "big.prep", "-o", "big.svg", "--overview-above", "10")
    assert result.exit_code == 0, result.output
    assert "one box per run of clusters, each opening the overview of its clusters" in result.output
    top = ET.parse(tmp_path / "big.svg").getroot()
    runs = [a.get(XLINK) for a in top.iter(f"{SVG}a")]
    assert 2 <= len(runs) <= 8
    assert any(f"clusters in {len(runs)} runs of up to" in (t.text or "") for t in top.iter(f"{SVG}text"))
    drawn, pictures = [], 0
    for run in runs:   # each box opens the overview of its clusters, each linked to its picture
        overview = tmp_path / run
        assert overview.parent == tmp_path / "big.groups"
        for link in (a.get(XLINK) for a in ET.parse(overview).getroot().iter(f"{SVG}a")):
            picture = overview.parent / link
            assert picture.parent == overview.with_suffix(".groups"), link
            boxes = _boxes(picture)
            assert len(boxes) <= 10
            drawn += boxes
            pictures += 1
    assert pictures == len(found.clusters)
    assert len(drawn) == len(model.deliverables)
    # the next render keeps exactly what it writes
    stale = tmp_path / "big.groups" / next(iter(runs)).split("/")[1].replace(".svg", ".groups") / "999-gone.svg"
    stale.write_text("<svg/>", encoding="utf-8")
    assert cli("render", "big.prep", "-o", "big.svg", "--overview-above", "10").exit_code == 0
    assert not stale.exists()
