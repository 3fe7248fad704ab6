"""Render the pictures in docs/: every model in examples/ into
docs/examples/ (SVG and PNG; the workspace examples/workspace/ from its root
main.prep as workspace.svg/.png; a model with stages also as its roadmap view,
NAME.roadmap.svg/.png, for docs/roadmap.md), the diff pictures of
docs/diff.md, the stage pictures and flip-books of docs/stages.md, the pictures fitted to a slide
and to A4 of docs/pages.md, and every ```prep snippet of
docs/language.md that is followed by an image link into that image.

    python docs/build_examples.py

tests/test_docs.py checks that the checked-in pictures are current.
"""

import re
from pathlib import Path

import prep
from prep.renderer.output import write_output

ROOT = Path(__file__).resolve().parent.parent


SNIPPET = re.compile(r"```prep\n(.*?)```\s*\n!\[[^\]]*\]\(([^)]+\.svg)\)", re.S)


def language_snippets(doc: Path) -> list[tuple[str, Path]]:
    """(model text, picture path) for each snippet with a picture under it."""
    text = doc.read_text(encoding="utf-8")
    return [(m.group(1), doc.parent / m.group(2)) for m in SNIPPET.finditer(text)]


# (old, new, stem): the pairs docs/diff.md shows
DIFF_PAIRS = (("feature-addition-naive", "feature-addition-honest", "feature-addition"),
              ("health-management-as-is", "health-management-to-be", "health-management"))


def diff_pictures():
    """(file name, kind, bytes) of the diff pictures in docs/diff.md."""
    from prep.language.diff import diff_models
    from prep.renderer.diff import render_diff

    for old, new, stem in DIFF_PAIRS:
        change = diff_models(prep.load(ROOT / "examples" / f"{old}.prep"), prep.load(ROOT / "examples" / f"{new}.prep"))
        for fmt in ("svg", "png"):
            yield f"{stem}.diff.{fmt}", "diff", render_diff(change, fmt, old_label=f"{old}.prep",
                                                           new_label=f"{new}.prep")
            yield f"{stem}.as-is-to-be.{fmt}", "side-by-side", render_diff(
                change, fmt, side_by_side=True, old_label=f"{old}.prep", new_label=f"{new}.prep")
    # As-Is / To-Be arranged for a slide and for a sheet of A4
    from prep.layouter.page import parse_page

    change = diff_models(prep.load(ROOT / "examples" / "health-management-as-is.prep"),
                         prep.load(ROOT / "examples" / "health-management-to-be.prep"))
    for page in ("16:9", "A4-portrait"):
        for fmt in ("svg", "png"):
            yield (f"health-management.as-is-to-be.{page.lower().replace(':', 'x')}.{fmt}", "side-by-side",
                   render_diff(change, fmt, side_by_side=True, page=parse_page(page)))


def roadmap_pictures():
    """(file name, bytes) of the roadmap view of every example with stages."""
    for src in sorted((ROOT / "examples").glob("*.prep")):
        model = prep.load(src)
        if model.stages:
            for fmt in ("svg", "png"):
                yield f"{src.stem}.roadmap.{fmt}", prep.render(model, fmt, legend=True, view="roadmap")


# (model, stage, later): the stage pictures docs/stages.md shows
STAGE_PICTURES = (("renewal-roadmap", "proposal", "faint"),)
FLIPBOOKS = ("cs-onboarding",)


def stage_pictures():
    """(path under docs/examples, bytes) of the stage pictures and flip-books
    in docs/stages.md: each flip-book as a folder of SVG frames and as one
    HTML page, and single stages drawn with later deliverables faint."""
    for stem in FLIPBOOKS:
        model = prep.load(ROOT / "examples" / f"{stem}.prep")
        for name, data in prep.stage_frames(model, "svg", legend=True):
            yield f"{stem}.flipbook/{name}", data
        yield f"{stem}.flipbook.html", prep.flipbook(model, "html", legend=True)
    for stem, stage, later in STAGE_PICTURES:
        model = prep.load(ROOT / "examples" / f"{stem}.prep")
        for fmt in ("svg", "png"):
            yield f"{stem}.{stage}.{later}.{fmt}", prep.render_stage(model, stage, fmt, later=later, legend=True)


# (model, page, file stem): the page-fitted pictures docs/pages.md shows
PAGE_PICTURES = (("cs-onboarding", "16:9", "cs-onboarding.16x9"), ("cs-lifecycle", "16:9", "cs-lifecycle.16x9"),
                 ("cs-lifecycle", "A4", "cs-lifecycle.a4"))


def page_pictures():
    """(path under docs/examples, bytes) of the pictures fitted to a slide
    and to A4 in docs/pages.md: PNG, one file per page."""
    from prep.layouter.page import parse_page
    from prep.renderer.pages import page_file_name, render_pages

    for stem, page, name in PAGE_PICTURES:
        pages = render_pages(prep.load(ROOT / "examples" / f"{stem}.prep"), "png", parse_page(page))
        for k, data in enumerate(pages.files, start=1):
            yield page_file_name(f"pages/{name}.png", k, pages.count), data


# (model, its data, customer, file stem): the roadmaps coloured by measured
# values that docs/measures.md shows
STATUS_PICTURES = (("cs-onboarding", "cs-onboarding.values.csv", "アクメ商事", "cs-onboarding.status"),)


def status_pictures():
    """(file name, bytes): a customer's roadmap coloured by its measured
    values (`prep render --status DATA --customer NAME --view roadmap`)."""
    for stem, data, customer, name in STATUS_PICTURES:
        model = prep.load(ROOT / "examples" / f"{stem}.prep")
        for fmt in ("svg", "png"):
            yield f"{name}.{fmt}", prep.render_status(model, str(ROOT / "examples" / data), fmt, customer=customer,
                                                      view="roadmap", legend=True)


def main() -> None:
    out = ROOT / "docs" / "examples"
    out.mkdir(parents=True, exist_ok=True)
    for src in sorted((ROOT / "examples").glob("*.prep")):
        model = prep.load(src)
        for fmt in ("svg", "png"):
            write_output(str(out / f"{src.stem}.{fmt}"), prep.render(model, fmt, legend=True))
        print(f"rendered {src.name}")
    # a workspace (docs/workspaces.md): its root draws every file it includes
    model = prep.load(ROOT / "examples" / "workspace" / "main.prep")
    for fmt in ("svg", "png"):
        write_output(str(out / f"workspace.{fmt}"), prep.render(model, fmt, legend=True))
    print("rendered workspace/main.prep")
    for name, picture, data in diff_pictures():
        write_output(str(out / name), data)
        print(f"rendered {name}")
    for name, data in roadmap_pictures():
        write_output(str(out / name), data)
        print(f"rendered {name}")
    for name, data in status_pictures():
        write_output(str(out / name), data)
        print(f"rendered {name}")
    for name, data in stage_pictures():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        write_output(str(out / name), data)
        print(f"rendered {name}")
    for old in (out / "pages").glob("*.png"):  # a model that now takes fewer pages leaves none behind
        old.unlink()
    for name, data in page_pictures():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        write_output(str(out / name), data)
        print(f"rendered {name}")
    for text, picture in language_snippets(ROOT / "docs" / "language.md"):
        picture.parent.mkdir(parents=True, exist_ok=True)
        write_output(str(picture), prep.render(prep.loads(text, path=picture.stem + ".prep"), "svg"))
        print(f"rendered {picture.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
