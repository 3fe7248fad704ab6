"""A direction is given the same way everywhere (--direction of render,
report and serve, [render] direction in prep.toml, the API, Markdown
fences): LR or TB in any case, and TD (Mermaid's `graph TD`) as TB; any
other word is a usage error that lists them and names the closest."""

from __future__ import annotations

import pytest

import prep

MODEL = "deliverable 要望 [external]\nknowhow 知識 [owner: [A, B]]\n要望, 知識 -> 成果\n"


def _model(tmp_path, config: str | None = None):
    if config is not None:
        (tmp_path / "prep.toml").write_text(config, encoding="utf-8")
    src = tmp_path / "m.prep"
    src.write_text(MODEL, encoding="utf-8")
    return src


@pytest.mark.parametrize("word", ["TD", "td", "Td"])
def test_td_on_the_command_line_is_tb(tmp_path, cli, word):
    src = _model(tmp_path)
    td = cli("render", str(src), "-o", "-", "--format", "layout", "--direction", word)
    tb = cli("render", str(src), "-o", "-", "--format", "layout", "--direction", "TB")
    assert td.exit_code == 0, td.output
    assert td.output == tb.output and '"direction": "TB"' in td.output


def test_td_in_prep_toml_is_tb(tmp_path, cli):
    src = _model(tmp_path, '[render]\ndirection = "TD"\n')
    result = cli("render", str(src), "-o", "-", "--format", "layout")
    assert result.exit_code == 0, result.output
    assert '"direction": "TB"' in result.output


def test_td_in_the_api_is_tb(tmp_path):
    model = prep.load(_model(tmp_path))
    assert prep.layout(model, direction="TD").direction == "TB"
    assert prep.render(model, "layout", direction="td") == prep.render(model, "layout", direction="TB")
    assert prep.render(model, "mmd", direction="TD").decode().count("flowchart TB") == 1


def test_td_on_a_markdown_fence_is_tb(tmp_path, cli):
    pictures = {}
    for word in ("TD", "TB"):
        doc = tmp_path / f"{word}.md"
        doc.write_text("# x\n\n```prep direction=" + word + "\n" + MODEL + "```\n", encoding="utf-8")
        result = cli("md", str(doc), "-o", str(tmp_path / f"out-{word}.md"))
        assert result.exit_code == 0, result.output
        pictures[word] = [p.read_bytes() for p in sorted(tmp_path.glob(f"out-{word}-prep-*.svg"))]
    assert len(pictures["TD"]) == 1 and pictures["TD"] == pictures["TB"]


@pytest.mark.parametrize("command", ["render", "report", "serve"])
@pytest.mark.parametrize("word,tail", [("TP", "did you mean 'TB'?"), ("RL", "prep draws inputs first: did you "
                                                                          "mean 'LR'?"), ("XY", "")])
def test_another_word_is_a_usage_error_with_a_did_you_mean(tmp_path, prep_run, command, word, tail):
    src = _model(tmp_path)
    result = prep_run(command, str(src), "--direction", word, cwd=tmp_path)
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert f"Invalid value for '--direction': '{word}' is not LR or TB (TD is TB)" in stderr
    assert tail in stderr and "Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.prep"]


def test_another_word_in_prep_toml_or_the_api_names_the_closest(tmp_path, prep_run):
    src = _model(tmp_path, '[render]\ndirection = "down"\n')
    result = prep_run("render", str(src))
    assert result.returncode == 2
    assert "prep.toml:2:14: error: [render]: direction must be LR or TB (TD is TB), not 'down'; did you mean " \
           "'TB'?" in result.stderr.decode()
    with pytest.raises(ValueError, match=r"direction must be LR or TB \(TD is TB\), not 'TP'; did you mean 'TB'\?"):
        prep.render(prep.loads(MODEL), "svg", direction="TP")


def test_help_names_td(cli):
    assert "[LR|TB|TD]" in cli("render", "--help").output
