"""Configuration: prep.toml / pyproject.toml found by walking up from each
file, per-file ignores, options, severities, and errors that name unknown
keys, codes and options. Through the CLI (click's runner)."""

from __future__ import annotations

import json
import textwrap

import pytest

from prep.linter.config import ConfigFinder, glob_matches

PERSONAL = "deliverable a [external]\nknowhow k [owner: Sato]\ndeliverable r [final]\na, k -> r\n"
BOTTLENECK = ("deliverable a [external]\nknowhow k [owner: Sato]\ndeliverable r [final]\ndeliverable s [final]\n"
              "deliverable t [final]\na, k -> r\na, k -> s\na, k -> t\n")


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def codes(cli, *args):
    r = cli("lint", "--format", "json", *args)
    assert r.exit_code in (0, 1), r.output
    return sorted({(d["path"], d["code"]) for d in json.loads(r.stdout)})


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_pyproject_found_by_walking_up(project, cli):
    write(project / "pyproject.toml", """
        [project]
        name = "x"
        [tool.prep.lint]
        ignore = ["K201"]
    """)
    write(project / "models" / "deep" / "m.prep", PERSONAL)
    assert codes(cli, "models") == []
    r = cli("lint", "models")
    assert r.exit_code == 0


def test_pyproject_without_tool_prep_is_passed_over(project, cli):
    write(project / "pyproject.toml", '[tool.prep.lint]\nignore = ["K201"]\n')
    write(project / "sub" / "pyproject.toml", '[project]\nname = "sub"\n')
    write(project / "sub" / "m.prep", PERSONAL)
    assert codes(cli, "sub") == []


def test_nearest_configuration_wins_and_prep_toml_beats_pyproject(project, cli):
    write(project / "pyproject.toml", '[tool.prep.lint]\nignore = ["K201"]\n')
    write(project / "a" / "prep.toml", '[lint]\nselect = ["K201"]\n')
    write(project / "a" / "pyproject.toml", '[tool.prep.lint]\nignore = ["K"]\n')
    write(project / "a" / "m.prep", PERSONAL)
    write(project / "b" / "m.prep", PERSONAL)
    assert codes(cli, ".") == [("a/m.prep", "K201")]


def test_per_file_ignores_by_glob(project, cli):
    write(project / "prep.toml", """
        [lint.per-file-ignores]
        "legacy/**" = ["K"]
        "draft-*.prep" = ["personal-knowhow"]
    """)
    write(project / "legacy" / "old" / "m.prep", PERSONAL)
    write(project / "x" / "draft-1.prep", PERSONAL)
    write(project / "x" / "final.prep", PERSONAL)
    assert codes(cli, ".") == [("x/final.prep", "K201")]


def test_a_per_file_ignores_pattern_that_matches_no_file_is_warned_of_once_at_its_line(project, prep_run):
    """A pattern written relative to the models' folder instead of
    prep.toml's was accepted silently and ignored nothing."""
    write(project / "prep.toml", """
        [lint]
        ignore = ["I"]

        [lint.per-file-ignores]
        "legacy/*.prep" = ["K201"]   # written from models/
        "models/new/*.prep" = ["K201"]
        "old.prp" = ["K"]
    """)
    write(project / "models" / "legacy" / "old.prep", PERSONAL)
    write(project / "models" / "new" / "n.prep", PERSONAL)
    r = prep_run("lint", "--no-cache", cwd=project)
    err = r.stderr.decode()
    assert r.returncode == 1, err
    assert err.count("warning: per-file-ignores pattern") == 2, err
    assert ("prep.toml:6:1: warning: per-file-ignores pattern 'legacy/*.prep' matches no model file\n"
            '  "legacy/*.prep" = ["K201"]   # written from models/\n'
            "  ^^^^^^^^^^^^^^^\n"
            "  hint: patterns are relative to the folder of prep.toml (the current folder); "
            "did you mean 'models/legacy/*.prep'?\n") in err
    assert "prep.toml:8:1: warning: per-file-ignores pattern 'old.prp' matches no model file" in err
    assert "did you mean 'old.prep'?" in err and "models/new" not in err
    # from a folder below: the configuration named as found, the folder it is relative to with it
    r = prep_run("lint", "--no-cache", "legacy", cwd=project / "models")
    err = r.stderr.decode()
    assert f"{project / 'prep.toml'}:6:1: warning: per-file-ignores pattern 'legacy/*.prep'" in err
    assert f"relative to the folder of prep.toml ({project}/)" in err


def test_an_unmatched_pattern_changes_no_output_and_no_exit_status(project, prep_run):
    write(project / "models" / "legacy" / "old.prep", PERSONAL)
    write(project / "models" / "new" / "n.prep", PERSONAL)
    matched = '[lint.per-file-ignores]\n"models/new/*.prep" = ["K201"]\n'
    for fmt in ("json", "sarif", "github", "text"):
        runs = []
        for extra in ("", '"legacy/*.prep" = ["K201"]\n'):
            write(project / "prep.toml", matched + extra)
            runs.append(prep_run("lint", "--no-cache", "--format", fmt, cwd=project))
        (clean, warned) = runs
        assert (warned.returncode, warned.stdout) == (clean.returncode, clean.stdout), fmt
        assert b"warning: per-file-ignores pattern" not in clean.stderr
        assert b"warning: per-file-ignores pattern 'legacy/*.prep'" in warned.stderr
        assert b"per-file-ignores" not in warned.stdout


def test_linting_one_file_warns_only_of_a_pattern_no_file_of_the_workspace_matches(project, prep_run):
    write(project / "prep.toml", '[lint.per-file-ignores]\n"b.prep" = ["K201"]\n"nothing/*.prep" = ["K"]\n')
    write(project / "a.prep", PERSONAL)
    write(project / "b.prep", PERSONAL)
    r = prep_run("lint", "--no-cache", "a.prep", cwd=project)
    err = r.stderr.decode()
    assert r.returncode == 1 and "pattern 'b.prep'" not in err
    assert "pattern 'nothing/*.prep' matches no model file" in err
    # every pattern matches: nothing said
    write(project / "prep.toml", '[lint.per-file-ignores]\n"b.prep" = ["K201"]\n')
    r = prep_run("lint", "--no-cache", "a.prep", cwd=project)
    assert r.returncode == 1 and b"per-file-ignores" not in r.stderr


def test_glob_matching():
    assert glob_matches("*.prep", "a/b/c.prep")
    assert glob_matches("legacy/*.prep", "legacy/c.prep")
    assert not glob_matches("legacy/*.prep", "legacy/x/c.prep")
    assert glob_matches("legacy/**/*.prep", "legacy/c.prep")
    assert glob_matches("legacy/**/*.prep", "legacy/x/y/c.prep")
    assert glob_matches("./legacy/**", "legacy/x/c.prep")
    assert not glob_matches("legacy/**", "new/legacy.prep")


def test_options_and_severity_in_configuration(project, cli):
    write(project / "m.prep", BOTTLENECK)
    assert ("m.prep", "K203") in codes(cli, "m.prep")
    write(project / "pyproject.toml", """
        [tool.prep.lint]
        knowhow-bottleneck.min-consumers = 4
        severity = { K201 = "error" }
    """)
    r = cli("lint", "--format", "json", "m.prep")
    found = json.loads(r.stdout)
    assert [(d["code"], d["severity"]) for d in found] == [("K201", "error")]
    # the command line wins over the file
    r = cli("lint", "--format", "json", "--option", "K203.min-consumers=3", "--severity", "K201=info", "m.prep")
    assert [(d["code"], d["severity"]) for d in json.loads(r.stdout)] == [("K201", "info"), ("K203", "warning")]


def test_fail_on_in_configuration(project, cli):
    write(project / "m.prep", PERSONAL)
    assert cli("lint", "m.prep").exit_code == 1
    write(project / "prep.toml", '[lint]\nfail-on = "error"\n')
    assert cli("lint", "m.prep").exit_code == 0
    assert cli("lint", "--fail-on", "warning", "m.prep").exit_code == 1


@pytest.mark.parametrize("config,message", [
    ('[tool.prep.lint]\nselct = ["K"]\n', "unknown key 'selct' in pyproject.toml: [tool.prep.lint] (did you mean 'select'?)"),
    ('[tool.prep.lint]\nselect = ["K999"]\n', "unknown rule code or prefix 'K999'"),
    ('[tool.prep.lint]\nignore = ["Z"]\n', "unknown rule code or prefix 'Z'"),
    ('[tool.prep.lint]\nknowhow-bottleneck.min-consumer = 4\n',
     "unknown option 'min-consumer' for rule K203 (knowhow-bottleneck) (did you mean 'min-consumers'?)"),
    ('[tool.prep.lint]\nknowhow-bottlenek.min-consumers = 4\n', "unknown key 'knowhow-bottlenek'"),
    ('[tool.prep.lint]\nseverity = { K201 = "fatal" }\n', "severity of 'K201' must be one of info, warning, error"),
    ('[tool.prep.lint.per-file-ignores]\n"*.prep" = ["Q1"]\n', "unknown rule code or prefix 'Q1' in per-file-ignores '*.prep'"),
    ('[tool.prep.lnt]\nselect = ["K"]\n', "unknown section [tool.prep.lnt] (did you mean 'lint'?)"),
    ('[tool.prep.lint\n', "not valid TOML"),
])
def test_configuration_errors_name_the_key_and_exit_2(project, cli, config, message):
    write(project / "pyproject.toml", config)
    write(project / "m.prep", PERSONAL)
    r = cli("lint", "m.prep")
    assert r.exit_code == 2
    assert message in r.stderr
    assert "Traceback" not in r.output


def test_prep_toml_unknown_top_level_key(project, cli):
    write(project / "prep.toml", '[lnt]\nselect = ["K"]\n')
    write(project / "m.prep", PERSONAL)
    r = cli("lint", "m.prep")
    assert r.exit_code == 2 and "unknown key 'lnt'" in r.stderr


@pytest.mark.parametrize("args,message", [
    (("--select", "K9"), "unknown rule code or prefix 'K9'"),
    (("--ignore", "nonsense"), "unknown rule code or prefix 'nonsense'"),
    (("--option", "K203.min-consumers"), "--option takes RULE.OPTION=VALUE"),
    (("--option", "K203.min-consumers=many"), "needs a whole number"),
    (("--option", "K203.max=3"), "unknown option 'max' for rule K203"),
    (("--option", "K202.x=3"), "unknown option 'x' for rule K202 (knowhow-only)"),
    (("--severity", "K201=loud"), "must be one of info, warning, error"),
])
def test_command_line_errors_exit_2(project, cli, args, message):
    write(project / "m.prep", PERSONAL)
    r = cli("lint", *args, "m.prep")
    assert r.exit_code == 2
    assert message in r.stderr


def test_config_finder_caches_by_folder(tmp_path):
    write(tmp_path / "prep.toml", '[lint]\nignore = ["K"]\n')
    finder = ConfigFinder()
    a = finder.for_file(str(tmp_path / "x" / "y" / "a.prep"))
    b = finder.for_file(str(tmp_path / "x" / "b.prep"))
    assert a is b and a.ignore == ("K",) and a.source == str(tmp_path / "prep.toml")


def test_a_bad_configuration_is_a_usage_error_for_every_command_that_lints(tmp_path):
    """prep diff and prep export lint with the model's configuration: a bad
    prep.toml is the same exit-2 message as `prep lint` gives, not an
    "internal error" asking for a bug report."""
    from conftest import run_prep

    (tmp_path / "prep.toml").write_text('[lint]\nignore = 5\n', encoding="utf-8")
    (tmp_path / "old.prep").write_text("deliverable a\na -> b\n", encoding="utf-8")
    (tmp_path / "new.prep").write_text("deliverable a\na -> b\nb -> c\n", encoding="utf-8")
    for args in (("lint", "new.prep"), ("diff", "old.prep", "new.prep"), ("export", "new.prep", "-o", "c.xlsx")):
        r = run_prep(*args, cwd=tmp_path)
        err = r.stderr.decode("utf-8")
        assert r.returncode == 2, (args, err)
        assert "ignore must be a list of rule codes" in err and "internal error" not in err, (args, err)
        assert "Traceback" not in err
    assert not (tmp_path / "c.xlsx").exists()


@pytest.mark.parametrize("config,where,caret_line", [
    ('[lint]\nrules = { K201 = "off" \n', "prep.toml:2:24: error: not valid TOML", 'rules = { K201 = "off"'),
    # tomllib says "at end of document": the bracket left open, not 1:1 under the first header
    ('[lint]\nignore = ["I103"\n', "prep.toml:2:10: error: not valid TOML: Unclosed array", 'ignore = ["I103"'),
    ('[lint]\n# the team\'s settings\nignore = ["K999"]\n', "prep.toml:3:12: error:", 'ignore = ["K999"]'),
    ('[lint]\nselect = ["K"]\nselct = ["K"]\n', "prep.toml:3:1: error: unknown key 'selct'", 'selct = ["K"]'),
    ('[lint.rules]\nK201 = "off"\n', "prep.toml:1:7: error: unknown key 'rules'", "[lint.rules]"),
    ('[lint]\nknowhow-bottleneck.min-consumer = 4\n', "prep.toml:2:20: error:",
     "knowhow-bottleneck.min-consumer = 4"),
    ('[render]\ntheme = "dark"\n', "prep.toml:2:10: error: [render]: theme must be", 'theme = "dark"'),
    ('[render]\npage = "A9"\n', "prep.toml:2:9: error: [render]: page: unknown page size 'A9'", 'page = "A9"'),
])
def test_a_bad_configuration_is_shown_at_its_line_with_a_caret(tmp_path, config, where, caret_line):
    """A mistake in prep.toml is an error like a mistake in a model:
    `path:line:col`, the line, a caret under the key or value, a hint; not
    a message about line 1 (render) or with no place at all (lint)."""
    from conftest import run_prep

    (tmp_path / "prep.toml").write_text(config, encoding="utf-8")
    (tmp_path / "m.prep").write_text("deliverable a\na, b -> c\n", encoding="utf-8")
    commands = [("render", "m.prep", "-o", "m.svg")]
    if "[lint" in config:
        commands.append(("lint", "m.prep"))
    for args in commands:
        r = run_prep(*args, cwd=tmp_path)
        err = r.stderr.decode("utf-8")
        assert r.returncode == 2, (args, err)
        lines = err.splitlines()
        assert lines[0].startswith(where), (args, err)
        assert lines[1].strip() == caret_line.strip() and set(lines[2].strip()) == {"^"}, (args, err)
        assert lines[-1].startswith("  hint: ") and "Traceback" not in err, (args, err)
    assert not (tmp_path / "m.svg").exists()


def test_a_bad_configuration_is_reported_in_the_chosen_format_too(tmp_path):
    """The CI recipes run on a change to prep.toml (docs/ci.md): a typo in
    it must land on the pull request like a syntax error does, as an
    annotation or a SARIF result at its line, not only as a failed job (the
    SARIF step's file was not even written, so its upload failed too)."""
    from conftest import ROOT, run_prep

    (tmp_path / "prep.toml").write_text('[lint]\nselect = ["K"]\nselct = ["K"]\n', encoding="utf-8")
    (tmp_path / "m.prep").write_text(PERSONAL, encoding="utf-8")
    r = run_prep("lint", "--format", "github", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout.decode("utf-8").startswith(
        "::error file=prep.toml,line=3,endLine=3,col=1,endColumn=5,title=E000 config-error::unknown key 'selct'")
    assert b"prep.toml:3:1: error: unknown key 'selct'" in r.stderr  # and the log reads as before
    r = run_prep("lint", "--format", "sarif", "--output", "prep.sarif", "--fail-on", "never", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    log = json.loads((tmp_path / "prep.sarif").read_text(encoding="utf-8"))
    import jsonschema

    jsonschema.validate(log, json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text("utf-8")))
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "E000" and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "prep.toml"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    r = run_prep("lint", "--format", "json", cwd=tmp_path)
    assert r.returncode == 2 and [(d["code"], d["line"]) for d in json.loads(r.stdout)] == [("E000", 3)]
    r = run_prep("lint", cwd=tmp_path)  # text: on standard error only, as before
    assert r.returncode == 2 and r.stdout == b""


def test_a_configuration_saved_by_a_windows_editor_is_read_or_said_at_its_place(tmp_path):
    """Notepad's UTF-8 has a byte-order mark: tomllib refused it ("not
    valid TOML: Invalid statement" under a garbled first line). A prep.toml
    whose Japanese comment was saved as Shift_JIS was "prep: internal error:
    UnicodeDecodeError ... this is a bug in prep", for every command: it is
    said as a model's would be, at the byte, with the iconv command."""
    from conftest import run_prep

    (tmp_path / "m.prep").write_text(PERSONAL, encoding="utf-8")
    (tmp_path / "prep.toml").write_bytes(b"\xef\xbb\xbf" + '# 設定\n[lint]\nignore = ["K"]\n'.encode("utf-8"))
    r = run_prep("lint", "m.prep", cwd=tmp_path)
    assert r.returncode == 0 and b"no findings" in r.stdout + r.stderr, r.stderr   # its ignore applies
    (tmp_path / "prep.toml").write_text('[lint]\nignore = ["K"]\n', encoding="utf-16")   # Windows' "Unicode"
    assert run_prep("lint", "m.prep", cwd=tmp_path).returncode == 0
    (tmp_path / "prep.toml").write_bytes('# チームの設定\n[lint]\nignore = ["K"]\n'.encode("cp932"))
    for args in (("lint", "m.prep"), ("render", "m.prep", "-o", "m.svg"), ("fmt", "--check")):
        r = run_prep(*args, cwd=tmp_path)
        err = r.stderr.decode("utf-8")
        assert r.returncode == 2, (args, err)
        assert err.startswith("prep.toml:1:3: error: the file is not UTF-8; it looks like Shift_JIS"), (args, err)
        assert "# チームの設定" in err and "iconv -f CP932 -t UTF-8 prep.toml" in err, (args, err)
        assert "internal error" not in err and "Traceback" not in err, (args, err)
    assert not (tmp_path / "m.svg").exists()
