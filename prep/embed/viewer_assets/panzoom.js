/* prep pan and zoom: one picture (an inline SVG) in a canvas element, moved
   by changing its viewBox. Shared by the viewer (viewer.js) and the HTML
   flip-book (prep/renderer/flipbook_html.py), so both answer the mouse, the
   wheel, a pinch and the keys the same way:

     drag: pan · wheel or pinch: zoom at the pointer · + − : zoom · 0: fit · 1: start
     arrow keys: pan (the flip-book keeps ← → for its pages: Shift+arrows)

   Both open a picture at its readable start (start()): fitted to the
   window when its box labels are then READABLE_PX or larger on screen,
   else zoomed in to that size at the start of the process; fit() shows
   the whole.

   prepPanZoom(canvas, {onClick: function (target) {...}}) -> controller */
var prepPanZoom = (function () {
  "use strict";

  /* the smallest size a box label starts at on screen (CSS px). 11 px is the
     smallest that reads comfortably on a laptop at arm's length (issue 19:
     fitted to the window, a 37-deliverable flip-book's labels were 4 px; the
     viewer's, at 58 deliverables, 3 px) */
  var READABLE_PX = 11;

  /* the size box labels are drawn at (the picture's units): the most common */
  function labelSize(svg) {
    var count = {}, best = 14, most = 0;
    svg.querySelectorAll("g.node text").forEach(function (t) {
      var s = parseFloat(t.getAttribute("font-size"));
      if (s > 0) { count[s] = (count[s] || 0) + 1; if (count[s] > most) { most = count[s]; best = s; } }
    });
    return best;
  }

  return function create(canvas, options) {
    options = options || {};
    /* svg: the picture; full: its whole extent (viewBox units); view: what
       is on screen. Shared with the caller (the viewer reads view). */
    var state = {svg: null, full: null, view: null};

    /* the canvas's size, read once per resize: reading it after the picture
       changed would make the browser lay the new picture out there and then */
    var canvasBox = null;
    function size() {
      if (!canvasBox) {
        var r = canvas.getBoundingClientRect();
        canvasBox = {w: r.width || 1, h: r.height || 1, left: r.left, top: r.top};
      }
      return canvasBox;
    }
    function apply() {
      if (!state.svg || !state.view) return;
      var c = size(), v = state.view;
      var h2 = v.w * c.h / c.w;  // keep the canvas's shape: one scale for x and y
      v.y += (v.h - h2) / 2; v.h = h2;
      var box = [v.x, v.y, v.w, v.h].map(function (n) { return n.toFixed(2); }).join(" ");
      // the same view set again would make the browser lay out the whole picture again
      if (state.svg.getAttribute("viewBox") !== box) state.svg.setAttribute("viewBox", box);
    }
    function fit() {
      var f = state.full, c = size();
      if (!f) return;
      var w = f.w * 1.02, hh = f.h * 1.02;
      if (hh / w > c.h / c.w) w = hh * c.w / c.h; else hh = w * c.h / c.w;
      state.view = {x: f.x + f.w / 2 - w / 2, y: f.y + f.h / 2 - hh / 2, w: w, h: hh};
      apply();
    }
    /* the whole picture if that shows text of `size` (viewBox units) at
       `px` screen pixels or more; else that scale, from the picture's top
       left (where a process starts), centred across when it fits */
    function readable(textSize, px) {
      fit();
      var f = state.full, c = size(), v = state.view;
      if (!f || !v || textSize * c.w / v.w >= px) return;
      var w = c.w * textSize / px, hh = w * c.h / c.w, pad = f.w * 0.01;
      state.view = {x: f.w + 2 * pad <= w ? f.x + f.w / 2 - w / 2 : f.x - pad,
                    y: f.h + 2 * pad <= hh ? f.y + f.h / 2 - hh / 2 : f.y - pad, w: w, h: hh};
      apply();
    }
    /* the readable start of the picture shown (see above) */
    function readableStart() {
      if (state.svg) readable(labelSize(state.svg), READABLE_PX);
    }
    function zoomAt(px, py, factor) {
      var v = state.view, c = size();
      if (!v) return;
      var w = Math.min(Math.max(v.w / factor, 20), Math.max(state.full.w, state.full.h) * 20);
      var k = w / v.w, sx = v.x + px * v.w / c.w, sy = v.y + py * v.h / c.h;
      state.view = {x: sx - px * w / c.w, y: sy - py * v.h * k / c.h, w: w, h: v.h * k};
      apply();
    }
    function panBy(dx, dy) {  // in screen pixels
      var v = state.view, c = size();
      if (!v) return;
      v.x -= dx * v.w / c.w; v.y -= dy * v.h / c.h;
      apply();
    }
    /* a new picture in the canvas; the view stays (the flip-book's frames
       share one geometry), or fits when there was none */
    function show(svg, full) {
      state.svg = svg;
      state.full = full;
      if (state.view) apply();
    }

    var pointers = new Map(), start = null, downTarget = null, moved = false, pinch = null;
    canvas.addEventListener("pointerdown", function (e) {
      if (options.ignore && options.ignore(e.target)) return;
      canvas.setPointerCapture(e.pointerId);
      pointers.set(e.pointerId, {x: e.clientX, y: e.clientY});
      if (pointers.size === 1) { start = {x: e.clientX, y: e.clientY}; downTarget = e.target; moved = false; }
      if (pointers.size === 2) { pinch = pinchOf(); moved = true; }
      canvas.classList.add("prep-dragging");
    });
    function pinchOf() {
      var p = Array.from(pointers.values());
      return {d: Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y) || 1, x: (p[0].x + p[1].x) / 2, y: (p[0].y + p[1].y) / 2};
    }
    canvas.addEventListener("pointermove", function (e) {
      var p = pointers.get(e.pointerId);
      if (!p) return;
      var dx = e.clientX - p.x, dy = e.clientY - p.y;
      p.x = e.clientX; p.y = e.clientY;
      if (pointers.size === 1) {
        if (Math.abs(e.clientX - start.x) + Math.abs(e.clientY - start.y) > 4) moved = true;
        if (moved) panBy(dx, dy);
      } else if (pointers.size === 2 && pinch) {
        var now = pinchOf(), s = size();
        panBy(now.x - pinch.x, now.y - pinch.y);
        zoomAt(now.x - s.left, now.y - s.top, now.d / pinch.d);
        pinch = now;
      }
    });
    function up(e) {
      if (!pointers.has(e.pointerId)) return;
      pointers.delete(e.pointerId);
      if (pointers.size < 2) pinch = null;
      if (pointers.size === 0) {
        canvas.classList.remove("prep-dragging");
        if (!moved && e.type === "pointerup" && options.onClick) options.onClick(downTarget);
      }
    }
    canvas.addEventListener("pointerup", up);
    canvas.addEventListener("pointercancel", up);
    canvas.addEventListener("wheel", function (e) {
      e.preventDefault();
      var s = size(), step = e.deltaMode === 1 ? 0.05 : e.deltaMode === 2 ? 1 : 0.0015;
      zoomAt(e.clientX - s.left, e.clientY - s.top, Math.exp(-e.deltaY * step));
    }, {passive: false});
    window.addEventListener("resize", function () { canvasBox = null; apply(); });
    window.addEventListener("scroll", function () { canvasBox = null; }, true);

    /* a key press the picture answers (true: handled). `shiftArrows`: the
       arrow keys pan only with Shift (the flip-book turns pages with ← →) */
    function key(e, shiftArrows) {
      if (e.ctrlKey || e.metaKey || e.altKey) return false;
      var s = size(), arrows = !shiftArrows || e.shiftKey;
      switch (e.key) {
        case "ArrowLeft": if (!arrows) return false; panBy(s.w / 10, 0); break;
        case "ArrowRight": if (!arrows) return false; panBy(-s.w / 10, 0); break;
        case "ArrowUp": panBy(0, s.h / 10); break;
        case "ArrowDown": panBy(0, -s.h / 10); break;
        case "+": case "=": zoomAt(s.w / 2, s.h / 2, 1.25); break;
        case "-": case "_": zoomAt(s.w / 2, s.h / 2, 0.8); break;
        case "0": (options.fit || fit)(); break;
        case "1": (options.start || readableStart)(); break;
        default: return false;
      }
      return true;
    }

    return {state: state, size: size, apply: apply, fit: fit, readable: readable, start: readableStart, zoomAt: zoomAt,
            panBy: panBy, show: show, key: key};
  };
})();
