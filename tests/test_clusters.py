"""The overview of a model without enough groups (issue 21): above
`--overview-above` the deliverables in no group, and groups too big for one
picture, are clustered automatically (stages first, then communities of
their relations), each cluster named after its most central deliverables,
each drawn as its own linked picture; the message says what the clusters
are and how they were found. `--force` says how large its one picture is."""

from __future__ import annotations

import re
import shlex
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import prep
from prep.layouter.texts import wrap_line
from prep.language import clusters as clustering

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from generate import generate  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"


def _boxes(path: Path) -> list[str]:
    """The deliverables a picture draws (their node titles; not the tags
    beside a drill-down's boxes that name the other clusters)."""
    root = ET.parse(path).getroot()
    return [g.find(f"{SVG}title").text.split(" — ")[0] for g in root.iter(f"{SVG}g")
            if "node" in (g.get("class") or "") and "prep-offpage" not in (g.get("class") or "")]


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
    for cluster in prep.clusters(model, 100).clusters:   # (the links come in the drawing's order)
        first = cluster.label.split(",")[0]
        assert any(first in link.replace("-", " ") or re.sub(r"[^\w]+", "-", first).strip("-") in link
                   for link in links), (first, links)
        texts = {t.text for t in ET.parse(tmp_path / "big.svg").getroot().iter(f"{SVG}text")}
        assert all(line in texts for line in wrap_line(cluster.label))   # a long name wrapped in its box


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


def _links(path: Path) -> list[str]:
    return [a.get(XLINK) for a in ET.parse(path).getroot().iter(f"{SVG}a")]


def _all_links_exist(top: Path) -> list[Path]:
    """Every picture reached from `top` through its links (each must exist)."""
    seen, todo = [], [top]
    while todo:
        picture = todo.pop(0)
        if picture in seen:   # a drill-down's tags link to the other clusters' pictures, and back
            continue
        assert picture.is_file(), picture
        seen.append(picture)
        if picture.read_bytes().find(b"prep-placeholder") < 0:
            todo += [picture.parent / link for link in _links(picture)]
    return seen


def test_drill_downs_none_writes_the_overviews_and_placeholders_that_say_the_command(prep_run, tmp_path):
    (tmp_path / "big.prep").write_text(generate(300, groups=False), encoding="utf-8")
    result = prep_run("render", "big.prep", "-o", "big.svg", "--overview-above", "10", "--theme", "print",
                      "--drill-downs", "none", cwd=tmp_path)
    err = result.stderr.decode("utf-8")
    assert result.returncode == 0 and "Traceback" not in err, err
    command = "prep render big.prep -o big.svg --theme print --overview-above 10 --drill-downs all"
    said = re.search(r"the (\d+) pictures of the clusters are not drawn \(--drill-downs none\): its boxes open "
                     r"placeholder pages .*draw them all \(about \d+ s on \d cores?\) with: (.*)$", err, re.M)
    assert said and said[2] == command, err
    assert "big.svg is an overview, one box per cluster, with a placeholder page per cluster in big.groups/" in err
    pictures = _all_links_exist(tmp_path / "big.svg")
    placeholders = [p for p in pictures if b"prep-placeholder" in p.read_bytes()]
    assert len(placeholders) == int(said[1]) == len(prep.clusters(prep.loads((tmp_path / "big.prep").read_text(
        encoding="utf-8")), 10).clusters)
    # a placeholder is a page that says what it holds and how to draw it
    root = ET.parse(placeholders[0]).getroot()
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert command in texts and any("not drawn yet" in t for t in texts)
    assert len(texts) > 6   # the title, why, the command, then the deliverables it holds
    # the same model gives the same files; then --drill-downs all draws the pictures in their place
    first = _every_file(tmp_path)
    assert prep_run("render", "big.prep", "-o", "big.svg", "--overview-above", "10", "--theme", "print",
                    "--drill-downs", "none", cwd=tmp_path).returncode == 0
    assert _every_file(tmp_path) == first
    result = prep_run(*command.split()[1:], cwd=tmp_path)
    assert result.returncode == 0 and "not drawn" not in result.stderr.decode("utf-8")
    drawn = _all_links_exist(tmp_path / "big.svg")
    assert not [p for p in drawn if b"prep-placeholder" in p.read_bytes()]
    assert sorted(p.name for p in drawn) == sorted(p.name for p in pictures)


def test_by_default_a_model_with_many_clusters_gets_its_overviews_first(cli, tmp_path, monkeypatch):
    # 100,000 deliverables make about 700 clusters (more than DRAWN_BY_DEFAULT), shown in two levels;
    # here 300 make about 60 with a cap of 10, in two levels above 8 boxes
    from prep.renderer import overview as overview_module

    monkeypatch.setattr(clustering, "MAX_BOXES", 8)
    monkeypatch.setattr(overview_module, "DRAWN_BY_DEFAULT", 20)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.prep").write_text(generate(300, groups=False), encoding="utf-8")
    result = cli("render", "big.prep", "-o", "big.svg", "--overview-above", "10")
    assert result.exit_code == 0, result.output
    assert "pictures of the clusters are not drawn (--drill-downs auto draws up to 20)" in result.output
    assert "with: prep render big.prep -o big.svg --overview-above 10 --drill-downs all" in result.output
    pictures = _all_links_exist(tmp_path / "big.svg")
    runs = [p for p in pictures if p.parent == tmp_path / "big.groups"]
    assert len(runs) >= 2 and all(b"prep-placeholder" not in p.read_bytes() for p in runs)  # overviews drawn
    leaves = [p for p in pictures if p.parent.parent == tmp_path / "big.groups"]
    assert leaves and all(b"prep-placeholder" in p.read_bytes() for p in leaves)
    # other formats have no links: the overviews alone
    result = cli("render", "big.prep", "-o", "big.dot", "--overview-above", "10")
    assert result.exit_code == 0 and "only the overviews are written" in result.output
    assert "one box per run of clusters, each opening the overview of its clusters, in big.groups/" in result.output
    result = cli("render", "big.prep", "-o", "big.pdf", "--overview-above", "10", "--drill-downs", "none")
    assert result.exit_code == 0 and "(its pages per cluster not drawn)" in result.output
    dots = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.dot"))
    assert "big.dot" in dots and len(dots) == 1 + len(runs)


def test_drill_downs_with_force_is_a_usage_error(prep_run, tmp_path):
    (tmp_path / "m.prep").write_text("a -> b\n", encoding="utf-8")
    result = prep_run("render", "m.prep", "--force", "--drill-downs", "none", cwd=tmp_path)
    err = result.stderr.decode("utf-8")
    assert result.returncode == 2 and "Traceback" not in err and "give one of them" in err, err
    result = prep_run("render", "m.prep", "--drill-downs", "some", cwd=tmp_path)
    err = result.stderr.decode("utf-8")
    assert result.returncode == 2 and "a name draws one box of an overview" in err and "Traceback" not in err


def test_a_timed_out_render_leaves_the_previous_overview_as_it_was(prep_run, tmp_path):
    (tmp_path / "big.prep").write_text(generate(2000, groups=False), encoding="utf-8")
    assert prep_run("render", "big.prep", "-o", "big.svg", "--overview-above", "20", "--drill-downs", "none",
                    cwd=tmp_path, timeout=60).returncode == 0
    before = _every_file(tmp_path)
    result = prep_run("render", "big.prep", "-o", "big.svg", "--overview-above", "20", "--drill-downs", "all",
                      "--timeout", "1", cwd=tmp_path, timeout=60)
    err = result.stderr.decode("utf-8")
    assert result.returncode == 2 and "took longer than 1 s" in err and "--drill-downs none" in err
    assert _every_file(tmp_path) == before


def test_more_declared_groups_than_an_overview_holds_are_shown_in_runs_of_groups(cli, tmp_path, monkeypatch):
    # 100,000 generated deliverables have 2,000 top-level groups (a 4-9 MB overview in one level);
    # here 30 groups above a limit of 12
    monkeypatch.setattr(clustering, "MAX_DECLARED_BOXES", 12)
    monkeypatch.chdir(tmp_path)
    lines = []
    for g in range(30):
        lines += [f"group 部{g} {{"] + [f"  deliverable d{g}_{i}" for i in range(3)] + ["}"]
        lines += [f"d{g}_0 -> d{g}_1", f"d{g}_1 -> d{g}_2"] + ([f"d{g - 1}_2 -> d{g}_0"] if g else [])
    (tmp_path / "groups.prep").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("render", "groups.prep", "-o", "g.svg", "--overview-above", "50")
    assert result.exit_code == 0, result.output
    assert "one box per run of groups, each opening the overview of its groups" in result.output
    top = tmp_path / "g.svg"
    runs = _links(top)
    assert 2 <= len(runs) <= 12
    texts = [t.text or "" for t in ET.parse(top).getroot().iter(f"{SVG}text")]
    assert "部0 … 部5" in texts   # a run is named after its first and last group
    groups = [link for run in runs for link in _links(tmp_path / run)]
    assert len(groups) == 30 and all((tmp_path / "g.groups" / link).is_file() for link in groups)
    # at most 12 groups: one level, as declared
    monkeypatch.setattr(clustering, "MAX_DECLARED_BOXES", 30)
    assert cli("render", "groups.prep", "-o", "one.svg", "--overview-above", "50").exit_code == 0
    assert len(_links(tmp_path / "one.svg")) == 30


def test_drill_downs_name_draws_one_boxs_pictures_as_its_placeholder_says(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(clustering, "MAX_BOXES", 8)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.prep").write_text(generate(300, groups=False), encoding="utf-8")
    assert cli("render", "big.prep", "-o", "big.svg", "--overview-above", "10", "--drill-downs", "none").exit_code == 0
    runs = _links(tmp_path / "big.svg")
    first_run = tmp_path / runs[0]
    leaf = first_run.parent / _links(first_run)[0]
    texts = [t.text or "" for t in ET.parse(leaf).getroot().iter(f"{SVG}text")]
    this_one = texts[texts.index("Draw this picture (seconds) with:") + 1]
    words = shlex.split(this_one)
    assert words[:2] == ["prep", "render"] and words[-2] == "--drill-downs"
    result = cli(*words[1:])
    assert result.exit_code == 0 and f"drew the pictures of '{words[-1]}'" in result.output, result.output
    leaves = [p for p in _all_links_exist(tmp_path / "big.svg") if p.parent.parent == tmp_path / "big.groups"]
    assert [p for p in leaves if b"prep-placeholder" not in p.read_bytes()] == [leaf]
    # a run's name draws all of its clusters' pictures
    model = prep.loads((tmp_path / "big.prep").read_text(encoding="utf-8"))
    run_name = clustering.in_two_levels(model, prep.clusters(model, 10), max_boxes=8)[0].clusters[0].name
    result = cli("render", "big.prep", "-o", "big.svg", "--overview-above", "10", "--drill-downs", run_name)
    assert result.exit_code == 0, result.output
    inside = [first_run.parent / link for link in _links(first_run)]
    assert all(b"prep-placeholder" not in p.read_bytes() for p in inside)
    # an unknown name: a usage error with a did-you-mean
    result = cli("render", "big.prep", "-o", "big.svg", "--overview-above", "10", "--drill-downs", run_name[:-3])
    assert result.exit_code == 2 and f"did you mean '{run_name}'?" in result.output
