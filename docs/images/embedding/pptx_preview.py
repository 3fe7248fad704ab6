"""Rough preview of a prep .pptx (rectangles, connectors, text) with Pillow."""
import sys
from pptx import Presentation
from PIL import Image, ImageDraw, ImageFont
import noto_cjk_sans_jp_regular as f, os, glob
font_path = glob.glob(os.path.join(os.path.dirname(f.__file__), "*.otf"))[0]
p = Presentation(sys.argv[1]); s = p.slides[0]
k = 96 / 914400
W, H = int(p.slide_width * k), int(p.slide_height * k)
img = Image.new("RGB", (W, H), "white"); d = ImageDraw.Draw(img)
for sh in s.shapes:
    if sh.shape_type == 9:
        x0, y0, x1, y1 = sh.begin_x*k, sh.begin_y*k, sh.end_x*k, sh.end_y*k
        dash = sh.line.dash_style is not None
        if dash:
            import math
            L = math.hypot(x1-x0, y1-y0) or 1; n = int(L // 6)
            for i in range(0, n, 2):
                d.line([(x0+(x1-x0)*i/n, y0+(y1-y0)*i/n), (x0+(x1-x0)*(i+1)/n, y0+(y1-y0)*(i+1)/n)], fill="black", width=1)
        else:
            d.line([(x0, y0), (x1, y1)], fill="black", width=1)
        d.ellipse([x1-3, y1-3, x1+3, y1+3], fill="black")
        continue
    x, y, w, h = sh.left*k, sh.top*k, sh.width*k, sh.height*k
    if sh.shape_type == 1:
        fill = None
        try: fill = "#" + str(sh.fill.fore_color.rgb)
        except Exception: pass
        d.rectangle([x, y, x+w, y+h], fill=fill, outline="black", width=2 if sh.line.dash_style is None else 1)
    if sh.has_text_frame and sh.text_frame.text:
        size = sh.text_frame.paragraphs[0].runs[0].font.size.pt * 96/72
        fnt = ImageFont.truetype(font_path, int(size))
        lines = sh.text_frame.text.split("\n")
        for i, line in enumerate(lines):
            if sh.name.startswith("group") or sh.name == "title":
                d.text((x+4, y+2+i*size*1.2), line, font=fnt, fill="black")
            else:
                tw = d.textlength(line, font=fnt)
                d.text((x+(w-tw)/2, y+h/2-len(lines)*size*0.6+i*size*1.2), line, font=fnt, fill="black")
img.save(sys.argv[2])
