"""The Python API as a new user drives it from a notebook: its functions
agree with each other and with the command line (settings, page names,
format names), a mistake is an exception that says what to do, and the
values it returns show themselves briefly."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import prep
from prep.layouter.page import PageError

# a workspace: findings in two files, one of them in a folder
MAIN = 'title "受注から導入まで"\ninclude "sales.prep"\ninclude "teams/delivery.prep"\n'
SALES = "deliverable 提案書 [external]\n提案書 -> 受注\n"                     # I101, I104 on 受注 (2:8)
DELIVERY = ("knowhow 導入ノウハウ [owner: 佐藤]\ndeliverable 導入計画 [final]\n"   # K201 on 導入ノウハウ (1:9)
            "受注, 導入ノウハウ -> 導入計画\n")
STAGED = ("stage s1 [exit: 計画]\nstage s2 [exit: 成果]\n"
          "stage s1 {\n  deliverable 要望 [external]\n  要望 -> 計画\n}\n"
          "stage s2 {\n  計画 -> 成果\n}\n")
BAD_PAGE = "A4 portrait"


@pytest.fixture
def three_files(ws):
    ws("main.prep", MAIN)
    ws("sales.prep", SALES)
    ws("teams/delivery.prep", DELIVERY)
    return ws


@pytest.fixture(scope="module")
def staged():
    return prep.loads(STAGED)


def _reported(html: bytes) -> int:
    return int(re.search(r"(\d+) findings?:", html.decode("utf-8")).group(1))


# ------------------------------------------------------------------ prep.toml


def test_report_and_lint_read_the_workspace_configuration_as_the_cli_does(three_files, cli):
    """prep.report listed 9 findings where `prep report` listed 6: the API
    left out the model's prep.toml ([lint] ignore, per-file-ignores)."""
    three_files("prep.toml", '[lint]\nignore = ["I104"]\n\n[lint.per-file-ignores]\n"teams/**" = ["K201"]\n')
    model = prep.load(str(three_files.root / "main.prep"))   # a notebook names the file in full
    assert [d.code for d in prep.lint(model)] == ["I101"]
    assert _reported(prep.report(model, "html")) == 1
    r = cli("report", "main.prep", "-o", "r.html")
    assert r.exit_code == 0, r.output
    assert _reported((three_files.root / "r.html").read_bytes()) == 1
    # options on top of the configuration, as prep lint's command line puts them
    assert prep.lint(model, ignore=["I101"]) == []
    assert _reported(prep.report(model, "html", lint_options={"ignore": ["I101"]})) == 0
    # and without it
    assert sorted(d.code for d in prep.lint(model, config=False)) == ["I101", "I104", "K201"]
    assert _reported(prep.report(model, "html", lint_options={"config": False})) == 3
    # text has no file, so no configuration
    assert "I104" in {d.code for d in prep.lint(prep.loads(SALES))}


def test_a_lint_option_misspelled_is_named_as_written(three_files):
    model = prep.load("main.prep")
    with pytest.raises(TypeError, match=r"unknown lint option 'ignor' \(did you mean 'ignore'\?\)"):
        prep.lint(model, ignor=["I101"])


# ------------------------------------------------------------------ pages


@pytest.mark.parametrize("call", [
    lambda m: prep.render(m, "pdf", page=BAD_PAGE),
    lambda m: prep.render_pages(m, "svg", BAD_PAGE),
    lambda m: prep.render_stage(m, "s1", "svg", page=BAD_PAGE),
    lambda m: prep.render_stage_pages(m, "s1", "svg", page=BAD_PAGE),
    lambda m: prep.flipbook(m, "pdf", page=BAD_PAGE),
    lambda m: prep.stage_frames(m, "svg", page=BAD_PAGE),
    lambda m: prep.report(m, "pdf", page=BAD_PAGE),
    lambda m: prep.report(m, "html", page=BAD_PAGE),
    lambda m: prep.render_diff(m, m, "svg", page=BAD_PAGE),
], ids=["render", "render_pages", "render_stage", "render_stage_pages", "flipbook", "stage_frames", "report-pdf",
        "report-html", "render_diff"])
def test_a_bad_page_name_is_the_same_error_from_every_function(staged, call):
    """render raised a PageError whose message lacked the hint, report a
    PrepError located at the command line's '--page:1:1'."""
    with pytest.raises(PageError) as e:
        call(staged)
    assert isinstance(e.value, ValueError)
    assert str(e.value).startswith("unknown page size 'A4 portrait'; did you mean 'A4-portrait'? page sizes: 16:9")


def test_stage_frames_takes_a_page_by_name(staged):
    """It crashed: 'str' object has no attribute 'min_text'."""
    frames = prep.stage_frames(staged, "svg", page="A4")
    assert [name for name, _ in frames] == ["01-s1.svg", "02-s2.svg"]
    assert all(svg.startswith(b"<?xml") for _, svg in frames)


@pytest.mark.parametrize("page", ["none", "natural", None])
def test_render_pages_without_a_page_names_render(staged, page):
    with pytest.raises(ValueError, match=r"render_pages needs a page .*prep\.render\(model, 'svg'\) draws the "
                                         r"model at its natural size"):
        prep.render_pages(staged, "svg", page)
    assert prep.render(staged, "svg", page="none").startswith(b"<?xml")   # where none is a page name


def test_pages_show_their_summary_not_their_bytes(staged):
    """repr(prep.render_pages(...)) was 704 KB: every page's bytes."""
    pages = prep.render_pages(staged, "png", "A4")
    shown = repr(pages)
    assert shown.startswith(f"<Pages: {pages.summary()}; 1 file, ") and shown.endswith(" KB>"), shown
    assert len(shown) < 200
    frames = prep.render_stage_pages(staged, "s1", "svg", page="16:9")
    assert repr(frames).startswith(f"<StagePages: {frames.summary()}; 1 file, ")


# ------------------------------------------------------------------ names and types


def test_format_names_in_any_case(staged):
    """prep.render(m, "PDF") worked, prep.report(m, "PDF") was refused."""
    assert prep.report(staged, "PDF").startswith(b"%PDF")
    assert prep.report(staged, "Html").startswith(b"<!DOCTYPE")
    assert prep.flipbook(staged, "PDF").startswith(b"%PDF")
    with pytest.raises(ValueError, match="unknown report format 'md'; choose html, pdf or docx"):
        prep.report(staged, "md")


def test_an_unknown_theme_lists_the_themes(staged):
    """It was a bare KeyError: 'dark'."""
    with pytest.raises(ValueError, match=r"unknown theme 'dark': the themes are default, print"):
        prep.render(staged, "svg", theme="dark")
    with pytest.raises(ValueError, match=r"unknown theme 'dark'"):
        prep.render_stage(staged, "s1", "svg", theme="dark")
    assert prep.render(staged, "svg", theme="Print") == prep.render(staged, "svg", theme="print")


def _model_functions():
    """Every public function whose first parameter is a model."""
    out = []
    for name in prep.__all__:
        value = getattr(prep, name)
        if inspect.isfunction(value):
            params = list(inspect.signature(value).parameters.values())
            if params and params[0].name in ("model", "old"):
                out.append(name)
    return out


def test_every_function_taking_a_model_is_checked():
    assert set(_model_functions()) == {
        "render", "render_pages", "clusters", "render_stage", "render_stage_pages", "flipbook", "report",
        "stage_frames", "layout", "diff", "render_diff", "render_diff_pages", "lint", "status", "render_status", "export"}


@pytest.mark.parametrize("name", _model_functions())
def test_a_path_given_for_a_model_says_to_load_it(name, tmp_path):
    """prep.render("/path/main.prep") raised AttributeError: 'str' object has
    no attribute 'deliverables'."""
    function = getattr(prep, name)
    params = list(inspect.signature(function).parameters.values())[1:]
    args = ["x" for p in params if p.kind == p.POSITIONAL_OR_KEYWORD and p.default is p.empty]
    kwargs = {p.name: "x" for p in params if p.kind == p.KEYWORD_ONLY and p.default is p.empty}
    path = str(tmp_path / "main.prep")
    for given in (path, Path(path)):
        with pytest.raises(TypeError) as e:
            function(given, *args, **kwargs)
        assert str(e.value) == f"prep.{name} takes a model, not a path: pass prep.load({path!r})"


def test_the_second_model_and_other_mistakes_are_named(staged):
    with pytest.raises(TypeError, match=r"prep.diff takes a model, not a path: pass prep.load\('new.prep'\)"):
        prep.diff(staged, "new.prep")
    with pytest.raises(TypeError, match=r"prep.render_diff takes a model, not a path"):
        prep.render_diff(staged, new="new.prep")
    with pytest.raises(TypeError, match=r"prep.lint takes a model, not its text: pass prep.loads\(text\)"):
        prep.lint("a -> b")
    with pytest.raises(TypeError, match=r"prep.render takes a model \(prep.load\(path\) or prep.loads\(text\)\), "
                                        r"not NoneType"):
        prep.render(None)
    # the check keeps the function as documented
    assert prep.render.__name__ == "render" and prep.render.__doc__.startswith("Draw a model.")
    assert str(inspect.signature(prep.lint)) == "(model: 'Model', *, config: 'bool' = True, **options)"


# ------------------------------------------------------------------ workspaces


def test_the_findings_table_names_the_file_of_a_workspace(three_files):
    """Its "where" said `2:8` for findings in several files, and the rows
    were ordered by the path it did not show."""
    model = prep.load(str(three_files.root / "main.prep"))
    findings = prep.lint(model)
    rows = [line.split(" | ")[:3] for line in findings._repr_markdown_().splitlines()[2:]]
    assert rows == [["| warning", "I101", "sales.prep:2:8"], ["| warning", "K201", "teams/delivery.prep:1:9"],
                    ["| info", "I104", "sales.prep:2:8"]]
    html = findings._repr_html_()
    assert "<td>teams/delivery.prep:1:9</td>" in html and str(three_files.root) not in html
    # a model of one file keeps line:col
    one = prep.lint(prep.load("sales.prep"))
    assert one._repr_markdown_().splitlines()[2].startswith("| warning | I101 | 2:8 |")
    # findings gathered without their model: the files as their common folder names them
    several = prep.linter.findings.Findings(list(findings))
    assert "| teams/delivery.prep:1:9 |" in several._repr_markdown_()


def test_a_part_is_named_as_the_cli_names_it(three_files):
    """views.part returned an empty view for a relative path, a Path or a
    file not in the model."""
    from prep.language.views import part

    model = prep.load(str(three_files.root / "main.prep"))
    for given in ("teams/delivery.prep", Path("teams/delivery.prep"), three_files.root / "teams" / "delivery.prep",
                  str(three_files.root / "teams" / "delivery.prep")):
        view, neighbours = part(model, given)
        assert set(view.deliverables) == {"導入ノウハウ", "導入計画", "受注"}, given
        assert neighbours == {"受注"}
        assert view.title == "受注から導入まで — teams/delivery.prep"
    with pytest.raises(ValueError, match=r"^'teams/delivery' is not one of the model's files; did you mean "
                                         r"'teams/delivery.prep'\?$"):
        part(model, "teams/delivery")
    with pytest.raises(ValueError, match=r"^'q' is not one of the model's files; the model's 3 files: "
                                         r"main.prep, sales.prep, teams/delivery.prep$"):
        part(model, "q")


def test_the_api_diff_reads_the_configuration_as_prep_diff_does(tmp_path):
    """prep.diff linted both sides without the model's prep.toml, so a
    finding the team ignores counted as introduced (prep diff left it out)."""
    (tmp_path / "prep.toml").write_text('[lint]\nignore = ["I105"]\n', encoding="utf-8")
    (tmp_path / "old.prep").write_text("deliverable a [external]\ndeliverable b [final]\na, k -> b\n"
                                       "knowhow k [owner: [A, B]]\n", encoding="utf-8")
    (tmp_path / "new.prep").write_text("deliverable a [external]\ndeliverable b [final]\na, k -> b\n"
                                       "knowhow k [owner: [A, B]]\ndeliverable alone\n", encoding="utf-8")
    old, new = prep.load(tmp_path / "old.prep"), prep.load(tmp_path / "new.prep")
    assert [d.code for d in prep.diff(old, new).introduced] == []
    assert [d.code for d in prep.diff(old, new, config=False).introduced] == ["I105"]
    assert [d.code for d in prep.diff(old, new, ignore=["I"]).introduced] == []
    r = prep.diff(old, new, old_label="As-Is", new_label="To-Be")
    assert (r.old_label, r.new_label) == ("As-Is", "To-Be")
    with pytest.raises(TypeError, match="did you mean 'ignore'"):
        prep.diff(old, new, ignroe=["I105"])


@pytest.mark.parametrize("wrong", [40, 0, 3.9, True, "9"])
def test_min_text_is_checked_as_the_command_line_checks_it(staged, wrong):
    """--min-text and [render] min-text take 4 to 36 points; the API drew 8
    slides of 40 pt text, or failed deep inside for a string."""
    with pytest.raises(ValueError, match="min_text is the smallest text in points, from 4 to 36"):
        prep.render_pages(staged, "svg", "16:9", min_text=wrong)
    with pytest.raises(ValueError, match="from 4 to 36"):
        prep.render(staged, "pdf", page="A4", min_text=wrong)


def test_a_model_shows_itself_in_a_line():
    """repr() of a 44-deliverable model was 37 KB (every deliverable,
    relation and span), in a terminal or a log."""
    from conftest import EXAMPLES

    model = prep.load(EXAMPLES / "cs-lifecycle.prep")
    assert repr(model) == (f"<Model {model.title!r} from {model.path!r}: 34 deliverables, 53 relations, "
                           "3 groups, 4 stages>")
    assert repr(prep.loads("a -> b\n")) == "<Model from '<string>': 2 deliverables, 1 relation>"
    assert "4 files" in repr(prep.load(EXAMPLES / "workspace" / "main.prep"))


def test_the_graph_says_which_file_holds_each_deliverable_and_relation():
    """The JSON export named each deliverable's file; the graph did not
    (a notebook grouping a workspace's deliverables by file had to dig in
    the spans)."""
    from conftest import EXAMPLES

    model = prep.load(EXAMPLES / "workspace" / "main.prep")
    g = model.graph
    assert {g.nodes[n]["file"] for n in g} == {d.span.path for d in model.deliverables.values()}
    assert len({g.nodes[n]["file"] for n in g}) > 1
    for a, b, key, file in g.edges(keys=True, data="file"):
        assert file == model.relations[key].span.path
    one = prep.load(EXAMPLES / "cs-lifecycle.prep").graph
    assert {one.nodes[n]["file"] for n in one} == {str(EXAMPLES / "cs-lifecycle.prep")}
