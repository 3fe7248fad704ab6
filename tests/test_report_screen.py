"""The HTML and Markdown reports' pictures laid out for a page (issue 19):
at their natural size a 34-deliverable model was a 7:1 strip shown as wide
as the report's column, its text 3 pixels high. By default they are laid
out for a 16:9 page (a screen's shape), wrapped and paginated as `prep
render --page 16:9` does, text never below 9 pt; the stage pictures are the
flip-book's frames (what the stage makes marked). Each page is cut to
what it draws (a screen has no use for a page's blank margins), so no
picture is wider or taller than the page. `--page` chooses another page,
`--page none` keeps the natural size."""

from __future__ import annotations

import re
from pathlib import Path

import prep
from prep.embed.report import build_report

ROOT = Path(__file__).resolve().parent.parent
CS = ROOT / "examples" / "cs-lifecycle.prep"


def _svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, re.S)


def _size(svg: str) -> tuple[float, float]:
    m = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert m, svg[:200]
    return float(m.group(1)), float(m.group(2))


def _fonts(svg: str) -> list[float]:
    return [float(v) for v in re.findall(r'font-size="([\d.]+)"', svg)]


def _section(html: str, start: str, end: str) -> str:
    return html[html.index(start):html.index(end)]


def test_an_html_reports_pictures_are_slides_by_default(cli, tmp_path):
    out = tmp_path / "cs.html"
    result = cli("report", str(CS), "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    svgs = _svgs(html)
    assert svgs
    for svg in svgs:
        width, height = _size(svg)
        assert width <= 960.0 and height <= 540.0       # within 13.333 x 7.5 in
        assert min(_fonts(svg)) >= 9.0                  # a slide's minimum
    assert max(_size(svg)[0] for svg in svgs) > 700     # the page's width used, not a thumbnail
    # the diagram wrapped over pages, each titled "(k/n)"; the legend on one of them
    diagram = _svgs(_section(html, '<h2 id="diagram">', '<h2 id="roadmap">'))
    assert len(diagram) >= 2
    for k, svg in enumerate(diagram, 1):
        assert f"({k}/{len(diagram)})" in svg
    assert sum("prep&#45;legend" in svg for svg in diagram) >= 1
    # an off-page marker names the other end's page
    assert re.search(r"p\. \d", "".join(diagram))
    # each stage's pictures mark what the stage makes, and tag its exit criteria
    model = prep.load(CS)
    for i, stage in enumerate(model.stages.values(), 1):
        part = html[html.index(f'id="stage-{i}"'):]
        part = part[:part.index("</section>")]
        frames = _svgs(part)
        assert frames, stage.name
        assert "prep&#45;stage&#45;new" in "".join(frames), stage.name
        assert "<figcaption>" in part and "A double border marks what this stage makes" in part
    # every id unique in the page, though many pictures share a layout's names
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_page_none_keeps_the_natural_pictures(cli, tmp_path):
    out = tmp_path / "cs.html"
    result = cli("report", str(CS), "-o", str(out), "--page", "none")
    assert result.exit_code == 0, result.output
    diagram = _svgs(_section(out.read_text(encoding="utf-8"), '<h2 id="diagram">', '<h2 id="roadmap">'))
    assert len(diagram) == 1
    width, height = _size(diagram[0])
    assert width / height > 3            # the whole model in one strip, as before
    assert '<div class="diagram prep-natural">' in out.read_text(encoding="utf-8")   # at its size, scrolled


def test_another_page_and_a_larger_minimum(cli, tmp_path):
    out = tmp_path / "cs.html"
    result = cli("report", str(CS), "-o", str(out), "--page", "A4-portrait", "--min-text", "10")
    assert result.exit_code == 0, result.output
    svgs = _svgs(out.read_text(encoding="utf-8"))
    for svg in svgs:
        width, height = _size(svg)
        assert width <= 595.3 and height <= 841.9
        assert min(_fonts(svg)) >= 10.0
    assert max(_size(svg)[1] for svg in svgs) > 600     # laid out for the tall page


def test_the_page_setting_applies_to_html_reports(cli, tmp_path):
    (tmp_path / "prep.toml").write_text('[render]\npage = "4:3"\n', encoding="utf-8")
    src = tmp_path / "cs.prep"
    src.write_text(CS.read_text(encoding="utf-8"), encoding="utf-8")
    result = cli("report", str(src), "-o", str(tmp_path / "cs.html"))
    assert result.exit_code == 0, result.output
    svgs = _svgs((tmp_path / "cs.html").read_text(encoding="utf-8"))
    assert all(_size(svg)[0] <= 720.0 and _size(svg)[1] <= 540.0 for svg in svgs)
    assert max(_size(svg)[0] for svg in svgs) > 600


def test_a_markdown_report_links_every_page_in_order(cli, tmp_path):
    out = tmp_path / "cs.md"
    result = cli("report", str(CS), "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    written = sorted(p.name for p in tmp_path.glob("*.svg"))
    assert sorted(linked) == written                     # every picture linked, none missing
    diagram = [n for n in linked if re.fullmatch(r"cs-\d+\.svg", n)]
    assert diagram == [f"cs-{k}.svg" for k in range(1, len(diagram) + 1)] and len(diagram) >= 2
    assert text.index("## Diagram") < text.index(f"]({diagram[0]})") < text.index("## Roadmap")
    for name in linked:
        width, height = _size((tmp_path / name).read_text(encoding="utf-8"))
        assert width <= 960.0 and height <= 540.0
    # the stage pictures' captions say what the marks mean
    assert "A double border marks what this stage makes" in text


def test_the_api_report_takes_a_page():
    model = prep.load(CS)
    html = build_report(model, "html", page="A4")[0].decode("utf-8")
    assert all(_size(svg)[0] <= 841.9 and _size(svg)[1] <= 595.3 for svg in _svgs(html))
    assert prep.report(model, "html", page="none").decode("utf-8").count("<svg") < html.count("<svg")


def test_a_page_is_cut_to_what_it_draws(cli, tmp_path):
    """A five-deliverable model: its one page, not a 16:9 sheet of white
    around it; every box and text inside the picture."""
    src = ROOT / "examples" / "health-management-as-is.prep"
    out = tmp_path / "h.html"
    assert cli("report", str(src), "-o", str(out)).exit_code == 0
    svg = _svgs(_section(out.read_text(encoding="utf-8"), '<h2 id="diagram">', '<h2 id="findings">'))[0]
    width, height = _size(svg)
    assert width < 960 and height < 400
    x0, y0, w, h = (float(v) for v in re.search(r'viewBox="([^"]+)"', svg).group(1).split())
    assert (round(w, 2), round(h, 2)) == (round(width, 2), round(height, 2))
    for m in re.finditer(r'<text[^>]*\sx="([-\d.]+)" y="([-\d.]+)"', svg):
        x, y = float(m.group(1)), float(m.group(2)) + 540   # Graphviz's y runs up from the page's foot
        assert x0 <= x <= x0 + w and y0 <= y <= y0 + h + 1, (x, y)


def _chain(n: int) -> str:
    return "".join(f"d{k} -> d{k + 1}\n" for k in range(n))


def test_a_large_model_is_drawn_whole_unless_pages_are_asked_for(cli, tmp_path):
    """Above SCREEN_PAGED_MOST deliverables the default is the natural
    picture, shown at its size (it scrolls); --page still lays it out."""
    from prep.embed.report_pictures import SCREEN_PAGED_MOST

    src = tmp_path / "big.prep"
    src.write_text(_chain(SCREEN_PAGED_MOST + 5), encoding="utf-8")
    assert cli("report", str(src), "-o", str(tmp_path / "big.html")).exit_code == 0
    html = (tmp_path / "big.html").read_text(encoding="utf-8")
    diagram = _svgs(_section(html, '<h2 id="diagram">', '<h2 id="findings">'))
    assert len(diagram) == 1 and _size(diagram[0])[0] > 960
    assert '<div class="diagram prep-natural">' in html
    result = cli("report", str(src), "-o", str(tmp_path / "paged.html"), "--page", "16:9")
    assert result.exit_code == 0, result.output
    paged = _svgs((tmp_path / "paged.html").read_text(encoding="utf-8"))
    assert len(paged) > 1 and all(_size(svg)[0] <= 960 for svg in paged)
    assert "prep-natural" not in (tmp_path / "paged.html").read_text(encoding="utf-8").split("<style>")[1].split(
        "</style>")[1]


def test_the_health_picture_is_laid_out_for_the_page_too(cli, tmp_path):
    """The customer's roadmap coloured by its values (`--status`): laid out
    for the page like the other pictures, in HTML and in Markdown."""
    src, data = ROOT / "examples" / "cs-onboarding.prep", ROOT / "examples" / "cs-onboarding.values.csv"
    out = tmp_path / "h.html"
    result = cli("report", str(src), "--status", str(data), "--customer", "アクメ商事", "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    health = _svgs(html[html.index('<h2 id="health">'):])
    assert health and "prep&#45;health" in "".join(health)
    for svg in health:
        width, height = _size(svg)
        assert width <= 960 and height <= 540 and min(_fonts(svg)) >= 9
    md = tmp_path / "md" / "h.md"
    md.parent.mkdir()
    result = cli("report", str(src), "--status", str(data), "--customer", "アクメ商事", "-o", str(md))
    assert result.exit_code == 0, result.output
    names = re.findall(r"!\[health\]\(([^)]+)\)", md.read_text(encoding="utf-8"))
    assert names and all((md.parent / n).exists() for n in names)
    assert all(_size((md.parent / n).read_text(encoding="utf-8"))[0] <= 960 for n in names)
