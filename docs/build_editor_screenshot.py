"""Regenerate docs/images/editors/vscode-highlighting.png, the picture of the
VS Code extension's highlighting in docs/editors.md.

There is no VS Code on the build machine, so the picture is made the way VS
Code colours a file, outside VS Code: examples/cs-onboarding.prep is tokenized
by editors/vscode/syntaxes/prep.tmLanguage.json with vscode-textmate and
Oniguruma (the engine VS Code uses), coloured by Dark+'s rules for the scopes,
written as HTML (editors/vscode/scripts/highlight-html.mjs) and photographed
by headless Chromium. Japanese is drawn with the Noto Sans CJK JP font prep
ships (the noto-cjk-sans-jp-regular dependency).

Needs Node with editors/vscode/node_modules (npm ci there) and Chromium:

    python docs/build_editor_screenshot.py [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXT = ROOT / "editors" / "vscode"
IMAGES = ROOT / "docs" / "images" / "editors"
# (model, picture): an example as it is, and a few lines with stages, a
# suppression, an astral-plane kanji and a mistake
PICTURES = [(ROOT / "examples" / "cs-onboarding.prep", IMAGES / "vscode-highlighting.png"),
            (IMAGES / "details.prep", IMAGES / "vscode-highlighting-details.png")]
WIDTH = 1180
ROW, CHROME = 20, 35 + 16 + 22  # line height; tab bar, editor padding and status bar


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser")
                    or shutil.which("google-chrome"))
    args = ap.parse_args()
    if not args.chromium:
        sys.exit("no Chromium found: pass --chromium PATH")
    if not (EXT / "node_modules" / "vscode-textmate").is_dir():
        sys.exit("editors/vscode/node_modules is missing: run `npm ci` in editors/vscode")
    from prep.layouter.fonts import bundled_font_dir

    font_dir = bundled_font_dir()
    fonts = sorted(font_dir.glob("*.otf")) if font_dir else []
    if not fonts:
        sys.exit("the noto-cjk-sans-jp-regular font is not installed: pip install -e .")
    for source, out in PICTURES:
        shoot(args.chromium, source, out, fonts[0])
    return 0


def shoot(chromium: str, source: Path, out: Path, font: Path) -> None:
    lines = source.read_text(encoding="utf-8").rstrip("\n").count("\n") + 1
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "editor.html"
        subprocess.run(["node", str(EXT / "scripts" / "highlight-html.mjs"), str(source), str(html),
                        "--cjk-font", str(font)], check=True, cwd=EXT, capture_output=True)
        shot = Path(tmp) / "shot.png"
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--allow-file-access-from-files", "--force-device-scale-factor=1",
                        "--virtual-time-budget=20000",  # wait for the 16 MB CJK font before the shot
                        f"--window-size={WIDTH},{CHROME + ROW * lines}", f"--screenshot={shot}",
                        html.as_uri()], check=True, capture_output=True, cwd=tmp)
        check_drawn(shot)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(shot), out)  # a finished picture replaces the old one whole
    print(f"wrote {out.relative_to(ROOT)}")


def check_drawn(png: Path) -> None:
    """Refuse a picture taken before the text was drawn (a web font still
    loading leaves the editor empty): keyword blue and string orange must be there."""
    from PIL import Image

    colours = {c for _, c in Image.open(png).convert("RGB").getcolors(1 << 20) or ()}
    missing = [hex_ for hex_, rgb in (("#569CD6", (0x56, 0x9C, 0xD6)), ("#CE9178", (0xCE, 0x91, 0x78)))
               if rgb not in colours]
    if missing:
        sys.exit(f"{png}: no text in the colours {missing}: the page was photographed before it was drawn")


if __name__ == "__main__":
    raise SystemExit(main())
