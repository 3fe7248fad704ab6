"""Themes and render settings in prep.toml / pyproject.toml ([render])."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

SVG = "{http://www.w3.org/2000/svg}"
MODEL = "deliverable 要望 [external]\nknowhow 知識 [owner: [A, B]]\n要望, 知識 -> 成果\n"


def _write(tmp_path, config_name, config_text, subdir="models"):
    (tmp_path / config_name).write_text(config_text, encoding="utf-8")
    d = tmp_path / subdir
    d.mkdir(exist_ok=True)
    (d / "m.prep").write_text(MODEL, encoding="utf-8")
    return d / "m.prep"


def _dot(cli, src, *args):
    result = cli("render", str(src), "-o", "-", "--format", "dot", *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_prep_toml_render_section_found_by_walking_up(tmp_path, cli):
    src = _write(tmp_path, "prep.toml", '[render]\ntheme = "print"\ndirection = "TB"\nlegend = true\n'
                                         '[render.colors]\nknowhow-fill = "#fff7e6"\nink = "#112233"\n')
    dot = _dot(cli, src)
    assert "direction TB" in dot.splitlines()[1]
    assert "cluster_legend" in dot
    assert 'fillcolor="#fff7e6"' in dot and 'color="#112233"' in dot
    assert 'fillcolor="#fafafa"' not in dot  # print theme: no grey group fill


def test_command_line_wins_over_the_file(tmp_path, cli):
    src = _write(tmp_path, "prep.toml", '[render]\ndirection = "TB"\nlegend = true\n')
    dot = _dot(cli, src, "--direction", "LR", "--no-legend")
    assert "direction LR" in dot.splitlines()[1] and "cluster_legend" not in dot
    dot = _dot(cli, src, "--theme", "default")
    assert 'fillcolor="#f5f5f5"' in dot  # the built-in default theme's knowhow fill


def test_pyproject_tool_prep_render(tmp_path, cli):
    src = _write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n[tool.prep.render]\nfont-size = 16\n'
                                              'font = "IPAexGothic"\n')
    dot = _dot(cli, src)
    assert 'fontname="IPAexGothic"' in dot and "fontsize=16" in dot


def test_svg_font_stack_starts_with_the_configured_font(tmp_path, cli):
    src = _write(tmp_path, "prep.toml", '[render]\nfont = "IPAexGothic"\n')
    result = cli("render", str(src), "-o", str(tmp_path / "m.svg"))
    assert result.exit_code == 0, result.output
    root = ET.parse(tmp_path / "m.svg").getroot()
    families = {t.get("font-family") for t in root.iter(f"{SVG}text")}
    assert len(families) == 1
    family = families.pop()
    assert family.startswith("'IPAexGothic','Noto Sans CJK JP'") and family.endswith("sans-serif")


def test_no_config_means_built_in_defaults(tmp_path, cli):
    (tmp_path / "m.prep").write_text(MODEL, encoding="utf-8")
    dot = _dot(cli, tmp_path / "m.prep")
    assert "direction LR" in dot.splitlines()[1] and "cluster_legend" not in dot and 'fillcolor="#f5f5f5"' in dot


@pytest.mark.parametrize("config,fragment", [
    ('[render]\ncolour = "red"\n', "unknown key 'colour' (did you mean 'colors'?)"),
    ('[render]\ntheme = "dark"\n', "theme must be one of default, print"),
    ('[render]\ndirection = "RL"\n', "direction must be LR or TB (TD is TB), not 'RL'; prep draws inputs first: "
                                         "did you mean 'LR'?"),
    ('[render]\nlegend = "yes"\n', "legend must be true or false"),
    ('[render]\nfont-size = 200\n', "font-size must be a number from 4 to 72"),
    ('[render]\nfont = "x\\" onload=\\"y"\n', "font must be a font family name"),
    ('[render.colors]\nink = "red; stroke: url(x)"\n', "colors.ink must be like"),
    ('[render.colors]\nknowhow = "#fff"\n', "unknown colour 'knowhow' (did you mean 'knowhow-fill'?)"),
    ('[renderer]\n', "unknown key 'renderer' (did you mean 'render'?)"),
])
def test_bad_settings_are_errors_that_name_them(tmp_path, prep_run, config, fragment):
    src = _write(tmp_path, "prep.toml", config)
    result = prep_run("render", str(src), "-o", str(tmp_path / "out.svg"))
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert fragment in stderr and "prep.toml" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "out.svg").exists()


def test_lint_accepts_a_render_section(tmp_path, cli):
    src = _write(tmp_path, "prep.toml", '[render]\ntheme = "print"\n[lint]\nignore = ["I"]\n')
    result = cli("lint", str(src), "--no-cache")
    assert result.exit_code in (0, 1), result.output
    assert "unknown" not in result.output


def test_report_uses_the_render_settings(tmp_path, cli):
    src = _write(tmp_path, "prep.toml", '[render.colors]\nknowhow-fill = "#fff7e6"\n')
    out = tmp_path / "r.html"
    result = cli("report", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "#fff7e6" in html  # the knowhow box of the inline SVG
