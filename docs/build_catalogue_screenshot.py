"""Regenerate docs/images/catalogue/*.png, the pictures of the deliverable
catalogue in docs/catalogue.md, as LibreOffice Calc shows the workbook.

examples/cs-lifecycle.prep is exported (`prep export -o catalogue.xlsx`,
unchanged), then a copy of each pictured sheet gets a print area (the
first rows, landscape, one page wide; on Deliverables the effective
stage, external, final, note and synchronized-with columns hidden, so the
rest is readable at this size) with openpyxl, is printed
to PDF by LibreOffice Calc (headless, its own profile) and the page is
rasterized by poppler's pdftoppm. Needs soffice (Debian: libreoffice-calc)
and pdftoppm (poppler-utils):

    python docs/build_catalogue_screenshot.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images" / "catalogue"
MODEL = ROOT / "examples" / "cs-lifecycle.prep"
# (picture, sheet, print area, columns hidden in the picture so the rest is readable)
SHOTS = [("deliverables.png", "Deliverables", "A1:O14", "GHIJM"),
         ("findings.png", "Findings", "A1:E10", "")]


def main() -> int:
    import openpyxl

    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        print("needs soffice (libreoffice-calc) and pdftoppm (poppler-utils)", file=sys.stderr)
        return 2
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="prep-catalogue-shot-") as tmp:
        work = Path(tmp)
        book_path = work / "catalogue.xlsx"
        subprocess.run([sys.executable, "-m", "prep", "export", str(MODEL), "-o", str(book_path)], check=True,
                       cwd=ROOT)
        for picture, sheet, area, hidden in SHOTS:
            book = openpyxl.load_workbook(book_path)
            for other in [ws for ws in book.worksheets if ws.title != sheet]:
                book.remove(other)
            ws = book[sheet]
            ws.print_area = area
            for column in hidden:
                ws.column_dimensions[column].hidden = True
            ws.page_setup.orientation = "landscape"
            ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 1
            ws.sheet_properties.pageSetUpPr.fitToPage = True
            ws.print_options.gridLines = True
            one = work / f"{Path(picture).stem}.xlsx"
            book.save(one)
            subprocess.run([soffice, f"-env:UserInstallation=file://{work / 'profile'}", "--headless", "--norestore",
                            "--convert-to", "pdf", "--outdir", str(work), str(one)], check=True,
                           capture_output=True, timeout=300)
            subprocess.run([pdftoppm, "-png", "-r", "130", "-singlefile", "-f", "1", "-l", "1",
                            str(one.with_suffix(".pdf")), str(work / Path(picture).stem)], check=True)
            _trim(work / picture, IMAGES / picture)
            print(f"wrote {IMAGES / picture}", file=sys.stderr)
    return 0


def _trim(source: Path, target: Path) -> None:
    """The page without its white margins (and a little air around)."""
    from PIL import Image, ImageChops

    image = Image.open(source).convert("RGB")
    box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    if box:
        pad = 12
        box = (max(box[0] - pad, 0), max(box[1] - pad, 0), min(box[2] + pad, image.width),
               min(box[3] + pad, image.height))
        image = image.crop(box)
    image.save(target, optimize=True)


if __name__ == "__main__":
    raise SystemExit(main())
