"""Generated rule docs are current, the CI docs hold valid workflows, and the
pre-commit hook manifest has what pre-commit requires."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import yaml

from prep.embed import rule_docs as docs
from prep.linter.rules import RULES

from conftest import ROOT

RULES_DIR = ROOT / "docs" / "rules"


def test_rule_docs_are_generated_and_current():
    stale = docs.stale(str(RULES_DIR))
    assert not stale, f"stale rule docs {stale}: run `python -m prep.embed.rule_docs docs/rules`"


def test_every_rule_has_a_page_with_question_severity_options_and_pictures():
    index = (RULES_DIR / "index.md").read_text(encoding="utf-8")
    for code, rule in RULES.items():
        page = (RULES_DIR / f"{code}.md").read_text(encoding="utf-8")
        assert page.startswith(f"# {code} {rule.name}\n")
        assert rule.question in page and f"| default severity | {rule.severity} |" in page
        for o in rule.options:
            assert f"`{o.name}` | {o.default} |" in page
        assert f"[{code}]({code}.md)" in index
        for which in ("bad", "good"):
            if code in ("E000",) or (code == "E001" and which == "bad"):
                continue
            assert f"({code}-{which}.svg)" in page
            svg = RULES_DIR / f"{code}-{which}.svg"
            root = ET.parse(svg).getroot()   # a well-formed picture
            assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_stale_check_can_fail(tmp_path):
    docs.write(str(tmp_path))
    assert docs.stale(str(tmp_path)) == []
    page = tmp_path / "K201.md"
    page.write_text(page.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    (tmp_path / "S301-bad.svg").write_text("<svg/>", encoding="utf-8")
    assert docs.stale(str(tmp_path)) == ["K201.md", "S301-bad.svg"]


def test_bad_example_pictures_show_the_findings():
    svg = "{http://www.w3.org/2000/svg}"
    root = ET.parse(RULES_DIR / "K201-bad.svg").getroot()
    nodes = {g.find(f"{svg}title").text: g.get("class").split() for g in root.iter(f"{svg}g")
             if "node" in (g.get("class") or "").split()}
    (title,) = [t for t in nodes if t.startswith("domain knowledge")]
    assert "prep-health-yellow" in nodes[title] and "K201 [warning]" in title


def test_docs_generator_check_mode(tmp_path, capsys):
    assert docs.main(["--check", str(tmp_path)]) == 1
    assert docs.main([str(tmp_path)]) == 0
    assert docs.main(["--check", str(tmp_path)]) == 0


def test_pre_commit_hook_manifest():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    (hook,) = [h for h in hooks if h.get("id") == "prep-lint"]
    for key in ("id", "name", "entry", "language"):      # required by pre-commit
        assert isinstance(hook[key], str) and hook[key]
    assert hook["entry"] == "prep lint"
    assert hook["language"] == "python"
    assert re.search(hook["files"], "models/受注.prep") and not re.search(hook["files"], "a.prep.bak")
    # a workspace is one model: the changed parts go to one `prep lint`, which reads their root once and
    # prints a finding shared by two parts once; pre-commit otherwise splits a commit of 9 or more files
    # over parallel processes (fewer with more cores), each reading the whole model and printing it again
    assert hook["require_serial"] is True
    local = [h for b in _yaml_blocks(ROOT / "docs" / "ci.md") if isinstance(b, dict) and "repos" in b
             for r in b["repos"] if r["repo"] == "local" for h in r["hooks"] if h["id"] == "prep-lint"]
    assert local and all(h["require_serial"] is True for h in local)


def _yaml_blocks(path):
    text = path.read_text(encoding="utf-8")
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.S)]


def test_ci_doc_workflows_are_valid():
    blocks = _yaml_blocks(ROOT / "docs" / "ci.md")
    workflows = [b for b in blocks if isinstance(b, dict) and "jobs" in b]
    assert len(workflows) == 3
    # the pull-request review uses this repository's action, with the base fetched
    review = next(w for w in workflows if w["name"] == "prep review")
    steps = review["jobs"]["review"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert steps[1]["with"]["fail-on-new"] in ("error", "warning", "info", "never")
    runs = [" ".join(str(s.get("run", "")) for s in job["steps"]) for w in workflows for job in w["jobs"].values()]
    assert any("prep lint --format github" in r for r in runs)
    assert any("--format sarif" in r for r in runs)
    uses = [s.get("uses", "") for w in workflows for job in w["jobs"].values() for s in job["steps"]]
    upload = [u for u in uses if u.startswith("github/codeql-action/upload-sarif")]
    assert upload
    sarif_wf = next(w for w in workflows if any("upload-sarif" in s.get("uses", "")
                                                 for j in w["jobs"].values() for s in j["steps"]))
    assert sarif_wf["permissions"]["security-events"] == "write"
    precommit = [b for b in blocks if isinstance(b, dict) and "repos" in b]
    assert any(h["id"] == "prep-lint" for b in precommit for r in b["repos"] for h in r["hooks"])


def test_configuration_doc_examples_are_valid_configurations(tmp_path):
    import tomllib

    from prep.linter.config import load_config

    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    from prep.linter.config import respects_gitignore

    blocks = re.findall(r"```toml\n(.*?)```", text, re.S)
    assert len(blocks) == 4
    for i, block in enumerate(blocks):
        name = "pyproject.toml" if "[tool.prep" in block else "prep.toml"
        p = tmp_path / str(i) / name
        p.parent.mkdir()
        p.write_text(block, encoding="utf-8")
        tomllib.loads(block)
        settings = load_config(str(p))
        if "respect-gitignore" in block:   # the switch of the folder walks, not a lint setting
            assert respects_gitignore(str(p.parent)) is False
        else:
            assert settings is not None and settings.options
