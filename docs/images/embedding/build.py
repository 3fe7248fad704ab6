"""Pictures of docs/embedding.md.

    python docs/images/embedding/build.py

- feature-addition.mmd: the Mermaid text shown in the page;
- feature-addition-slide-libreoffice.png: the .pptx slide (16:9, with the
  legend) as LibreOffice Impress draws it (soffice to PDF, pdftoppm to
  PNG), with the deck's embedded font, as tests/test_pptx_office.py does:
  a LibreOffice before 25.8 ignores a .pptx's fonts, so it is given the
  decoded font in a private folder;
- health-as-is-findings.svg: the diagram of a report, findings drawn on it.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import prep
from prep.renderer.output import write_output
from prep.embed.report import lint_findings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent


def main() -> None:
    os.chdir(ROOT)
    honest = prep.load("examples/feature-addition-honest.prep")
    write_output(str(HERE / "feature-addition.mmd"), prep.render(honest, "mmd"))
    slide_picture()
    as_is = prep.load("examples/health-management-as-is.prep")
    findings = [d for d in lint_findings(as_is) or [] if d.subject is not None]
    write_output(str(HERE / "health-as-is-findings.svg"), prep.render(as_is, "svg", findings=findings, legend=True))


def slide_picture() -> None:
    if not (shutil.which("soffice") and shutil.which("pdftoppm")):
        print("soffice or pdftoppm missing: the slide picture is left as it is", file=sys.stderr)
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from test_pptx_office import convert, embedded_ttf, libreoffice_version, reads_pptx_fonts

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        deck = work / "feature-addition.pptx"
        subprocess.run([sys.executable, "-m", "prep", "render", "examples/feature-addition-honest.prep", "--legend",
                        "-o", str(deck)], check=True)
        fonts = None
        if not reads_pptx_fonts(libreoffice_version(shutil.which("soffice"))):
            import zipfile

            fonts = work / "fonts"
            fonts.mkdir()
            eot = zipfile.ZipFile(deck).read("ppt/fonts/font1.fntdata")
            (fonts / "embedded.ttf").write_bytes(embedded_ttf(eot))
        convert(shutil.which("soffice"), [deck], work, work / "lo", fonts)
        subprocess.run(["pdftoppm", "-png", "-r", "72", "-singlefile", str(work / "feature-addition.pdf"),
                        str(HERE / "feature-addition-slide-libreoffice")], check=True)


if __name__ == "__main__":
    main()
