/* prep viewer: pan and zoom, search, details, chains, findings, health overlay,
   stage slider, and (prep serve) live updates. Model text is only ever put in
   the page with textContent; the SVG is parsed as XML. See docs/viewer.md. */
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var MARKS = ["prep-sel", "prep-up", "prep-down", "prep-dim", "prep-match", "prep-later"];

  function readJSON(id) {
    var e = document.getElementById(id);
    return e ? JSON.parse(e.textContent) : null;
  }
  var settings = readJSON("prep-settings") || {};
  // the page's own words in the language it was made in (prep._words: --language ja); English by default
  var WORDS = settings.words || {};
  function t(s) { return Object.prototype.hasOwnProperty.call(WORDS, s) ? WORDS[s] : s; }
  function tf(s, values) {   // t(s) with its {name}s filled in
    return t(s).replace(/\{(\w+)\}/g, function (m, k) { return Object.prototype.hasOwnProperty.call(values, k) ? values[k] : m; });
  }
  var data = readJSON("prep-data");
  var state = {selected: null, overlay: !!settings.overlay, query: "",
               stage: null, version: 0, finding: null};
  var pic = {svg: null, nodes: new Map(), edges: new Map(), names: new Map(), fills: new WeakMap(), matrix: null,
             lines: null, pieces: null};  // prep serve: the picture's lines on screen and their elements
  var idx = null;
  var ui = {};

  function h(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  function push(map, key, value) { var a = map.get(key); if (!a) map.set(key, a = []); a.push(value); }
  function norm(s) { return String(s || "").normalize("NFKC").toLowerCase(); }

  /* ---------- page ---------- */
  function buildPage() {
    var header = h("header");
    ui.title = h("h1", {id: "prep-title"});
    ui.search = h("input", {id: "prep-search", type: "search", placeholder: t("Search name or label  ( / )"),
                            "aria-label": t("Search deliverables"), autocomplete: "off"});
    var overlayLabel = h("label", {"for": "prep-overlay"});
    ui.overlay = h("input", {id: "prep-overlay", type: "checkbox"});
    overlayLabel.appendChild(ui.overlay);
    overlayLabel.appendChild(document.createTextNode(t("Health colours")));
    ui.stageBox = h("label", {id: "prep-stage-box", "for": "prep-stage"});
    ui.stageBox.hidden = true;
    ui.stageBox.appendChild(document.createTextNode(t("Stages up to")));
    ui.stage = h("input", {id: "prep-stage", type: "range", min: "0", max: "0", step: "1", value: "0"});
    ui.stageName = h("span", {id: "prep-stage-name"});
    ui.stageBox.appendChild(ui.stage);
    ui.stageBox.appendChild(ui.stageName);
    ui.fit = h("button", {id: "prep-fit", type: "button", title: t("Fit the whole picture (0)")}, t("Fit"));
    ui.start = h("button", {id: "prep-start", type: "button", title: t("Back to the readable start (1)")}, t("Start"));
    ui.status = h("span", {id: "prep-status", "class": "prep-help"});
    var help = h("span", {"class": "prep-help"},
                 t("drag: pan · wheel/pinch: zoom · arrows, + − · 0: fit · 1: start · Esc: clear"));
    [ui.title, ui.search, overlayLabel, ui.stageBox, ui.fit, ui.start, help, ui.status].forEach(function (e) {
      header.appendChild(e);
    });
    var main = h("main");
    ui.canvas = h("div", {id: "prep-canvas", tabindex: "0", role: "application",
                          "aria-label": t("The diagram: drag to pan, wheel to zoom, click a deliverable")});
    ui.waiting = h("div", {id: "prep-waiting"}, t("Waiting for the first picture…"));
    ui.error = h("pre", {id: "prep-error", role: "alert"});
    ui.error.hidden = true;
    ui.canvas.appendChild(ui.waiting);
    ui.canvas.appendChild(ui.error);
    var aside = h("aside");
    ui.resultsBox = h("section", {id: "prep-results-box"});
    ui.resultsBox.appendChild(h("h2", null, t("Search")));
    ui.results = h("ul", {id: "prep-results"});
    ui.resultsBox.appendChild(ui.results);
    ui.resultsBox.hidden = true;
    ui.details = h("section", {id: "prep-details"});
    var findingsBox = h("section");
    ui.findingsHead = h("h2", {id: "prep-findings-head"}, t("Findings"));
    ui.findings = h("ul", {id: "prep-findings"});
    findingsBox.appendChild(ui.findingsHead);
    findingsBox.appendChild(ui.findings);
    [ui.resultsBox, ui.details, findingsBox].forEach(function (e) { aside.appendChild(e); });
    main.appendChild(ui.canvas);
    main.appendChild(aside);
    document.body.appendChild(header);
    document.body.appendChild(main);
    ui.overlay.checked = state.overlay;
  }

  /* ---------- the model ---------- */
  function indexData(d) {
    var byName = new Map(), out = new Map(), inn = new Map(), stageIndex = new Map();
    d.deliverables.forEach(function (x) { byName.set(x.name, x); });
    d.relations.forEach(function (r, k) {
      if (r.kind === "mutual") return;  // chains follow -> and ~>, as the report's reach does
      push(out, r.source, k);
      push(inn, r.target, k);
    });
    (d.stages || []).forEach(function (s) { stageIndex.set(s.name, s.index); });
    return {byName: byName, out: out, inn: inn, stageIndex: stageIndex};
  }
  function label(name) { var d = idx.byName.get(name); return d ? d.label : name; }

  function chain(name, edges, end) {
    var nodes = new Set(), used = new Set(), todo = [name];
    while (todo.length) {
      var n = todo.pop();
      (edges.get(n) || []).forEach(function (k) {
        used.add(k);
        var m = data.relations[k][end];
        if (m !== name && !nodes.has(m)) { nodes.add(m); todo.push(m); }
      });
    }
    return {nodes: nodes, edges: used};
  }

  /* ---------- the picture ---------- */
  function scrub(node) {  // defence in depth: Graphviz writes no script, and the CSP would block it
    var bad = node.querySelectorAll("script, foreignObject, iframe, object, embed");
    for (var i = 0; i < bad.length; i++) bad[i].parentNode.removeChild(bad[i]);
    var all = node.querySelectorAll("*");
    for (var j = -1; j < all.length; j++) {
      var e = j < 0 ? node : all[j];
      for (var a = e.attributes.length - 1; a >= 0; a--) {
        var attr = e.attributes[a];
        if (/^on/i.test(attr.name) || /^\s*javascript:/i.test(attr.value)) e.removeAttribute(attr.name);
      }
    }
  }

  var fontStyles = [];  // prep serve: the page's faces (prep/serve/font.py), one <style> each
  function showFont(d) {
    if (!Array.isArray(d.font)) return;
    d.font.forEach(function (rule, i) {  // a face is replaced only when its rule changed
      if (typeof rule !== "string") return;
      if (!fontStyles[i]) { fontStyles[i] = document.createElement("style"); document.head.appendChild(fontStyles[i]); }
      if (fontStyles[i].textContent !== rule) fontStyles[i].textContent = rule;
    });
  }

  /* the elements the SVG text `text` parses to, or null (not SVG) */
  function parseSVG(text) {
    var doc = new DOMParser().parseFromString(text, "image/svg+xml");
    var root = doc.documentElement;
    if (!root || root.namespaceURI !== SVGNS || doc.getElementsByTagName("parsererror").length) return null;
    scrub(root);
    return root;
  }

  /* prep serve sends the picture one piece a line (prep.embed.viewer.live_svg):
     the <svg> and its group, each element in the group, the closing tags.
     When the first and last lines are those on screen (same size, same
     place), only the lines that differ are parsed and swapped: the browser
     styles, lays out and draws again only what the save changed. */
  function patchPicture(lines) {
    var old = pic.lines, els = pic.pieces, n = old.length - 1, m = lines.length - 1;
    if (lines[0] !== old[0] || lines[m] !== old[n] || !els || els.length !== n - 1) return false;
    var a = 1;  // the unchanged lines at the start and at the end stay as they are
    while (a < n && a < m && lines[a] === old[a]) a++;
    var b = 0;
    while (n - b - 1 >= a && m - b - 1 >= a && lines[m - b - 1] === old[n - b - 1]) b++;
    var later = new Map();  // line -> positions in the old middle, to keep what only moved along
    for (var i = a; i < n - b; i++) push(later, old[i], i);
    var plan = [], fresh = [], j = a;
    for (var k = a; k < m - b; k++) {
      var at = later.get(lines[k]), pos = -1;
      while (at && at.length && at[0] < j) at.shift();
      if (at && at.length) pos = at.shift();
      if (pos >= 0) { plan.push(els[pos - 1]); j = pos + 1; }
      else { plan.push(null); fresh.push(lines[k]); }
    }
    var parsed = null;
    if (fresh.length) {
      parsed = parseSVG('<svg xmlns="' + SVGNS + '" xmlns:xlink="http://www.w3.org/1999/xlink">' + fresh.join("") + "</svg>");
      if (!parsed || parsed.children.length !== fresh.length) return false;
    }
    var g0 = els.length ? els[0].parentNode : pic.svg.querySelector("g.graph");
    if (!g0) return false;
    var keep = new Set(plan);
    for (var r = a; r < n - b; r++) if (!keep.has(els[r - 1])) g0.removeChild(els[r - 1]);
    var next = b ? els[n - b - 1] : null;
    for (var q = plan.length - 1; q >= 0; q--) {  // from the end: each goes before the one after it
      var e = plan[q];
      if (e === null) e = document.adoptNode(parsed.lastElementChild);  // the fresh ones, from the end too
      if (e.parentNode !== g0 || e.nextElementSibling !== next) g0.insertBefore(e, next);
      plan[q] = e;
      next = e;
    }
    pic.pieces = els.slice(0, a - 1).concat(plan, els.slice(n - b - 1));
    pic.lines = lines;
    return true;
  }

  function showPicture(d) {
    showFont(d);
    var lines = d.svg.lines ? d.svg.text.split("\n") : null;
    var patched = lines && pic.svg && pic.lines && patchPicture(lines);
    if (!patched) {
      var root = parseSVG(d.svg.text);
      if (!root) {
        showProblem(t("prep: the picture could not be read"));
        return false;
      }
      var svg = document.adoptNode(root);  // moved, not copied
      var vb = svg.viewBox.baseVal;
      var full = vb && vb.width ? {x: vb.x, y: vb.y, w: vb.width, h: vb.height}
                                : {x: 0, y: 0, w: parseFloat(svg.getAttribute("width")) || 100,
                                   h: parseFloat(svg.getAttribute("height")) || 100};
      svg.removeAttribute("width");
      svg.removeAttribute("height");
      svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
      svg.setAttribute("id", "prep-picture");
      if (pic.svg) ui.canvas.replaceChild(svg, pic.svg); else ui.canvas.insertBefore(svg, ui.waiting);
      ui.waiting.hidden = true;
      pic.svg = svg;
      pic.fills = new WeakMap();
      var g = svg.querySelector("g.graph");
      pic.lines = lines && g ? lines : null;
      pic.pieces = pic.lines ? Array.prototype.slice.call(g.children) : null;
      var t = g && g.transform.baseVal.consolidate();
      pic.matrix = t ? t.matrix : svg.createSVGMatrix();
      pz.show(svg, full);
    }
    pic.nodes = new Map(); pic.edges = new Map(); pic.names = new Map();
    var groups = pic.svg.querySelectorAll("g.node, g.edge");
    for (var i = 0; i < groups.length; i++) {
      var el = groups[i], id = el.getAttribute("id");
      if (Object.prototype.hasOwnProperty.call(d.svg.nodes, id)) {
        pic.nodes.set(d.svg.nodes[id], el);
        pic.names.set(el, d.svg.nodes[id]);
      } else if (Object.prototype.hasOwnProperty.call(d.svg.edges, id)) {
        pic.edges.set(d.svg.edges[id], el);
      }
    }
    return true;
  }

  /* layout box (points, top-left origin) -> the SVG's own coordinates */
  function boxOf(name) {
    var b = data.layout.nodes[name];
    if (!b) return null;
    var m = pic.matrix, H = data.layout.height;
    var x = b.x, y = b.y - H;  // Graphviz's y grows upwards from the bottom
    return {x: m.a * x + m.c * y + m.e, y: m.b * x + m.d * y + m.f, w: b.width * m.a, h: b.height * m.d};
  }

  /* ---------- pan and zoom: the SVG's viewBox (panzoom.js, shared with the flip-book) ---------- */
  var pz = null;  // made once the page is built
  function size() { return pz.size(); }
  function applyView() { pz.apply(); }
  /* the view start() or fit() gave, while nobody has zoomed or panned
     since: a new picture gets that view again (its new boxes show), while
     a view the reader chose stays as it is. A picture opens at its
     readable start (panzoom.js: fitted when its labels then read at 11 px,
     else zoomed in to that at the start of the process); Fit (0) shows
     the whole, Start (1) goes back */
  var fitted = null, chosen = null;
  function placed(how) {
    how();
    chosen = how;
    var v = pz.state.view;
    fitted = v && {x: v.x, y: v.y, w: v.w, h: v.h};
  }
  function fit() { placed(pz.fit); }
  function start() { placed(pz.start); }
  function untouched() {
    var v = pz.state.view;
    return !!(fitted && v && v.x === fitted.x && v.y === fitted.y && v.w === fitted.w && v.h === fitted.h);
  }
  function zoomAt(px, py, factor) { pz.zoomAt(px, py, factor); }
  function panBy(dx, dy) { pz.panBy(dx, dy); }
  function centreOn(name) {
    var b = boxOf(name), c = size();
    if (!b || !pz.state.view) return;
    var v = pz.state.view;
    if (b.w * c.w / v.w < 60) { var w = b.w * c.w / 160; v.h = v.h * w / v.w; v.w = w; }
    v.x = b.x - v.w / 2; v.y = b.y - v.h / 2;
    applyView();
  }

  function clickAt(target) {
    var g = target && target.closest ? target.closest("g.node") : null;
    var name = g ? pic.names.get(g) : undefined;
    if (name !== undefined) select(name, false); else select(null, false);
  }

  function bindKeys() {
    document.addEventListener("keydown", function (e) {
      var tag = e.target && e.target.tagName;
      var typing = tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
      if (e.key === "Escape") {
        if (e.target === ui.search) { ui.search.value = ""; search(""); }
        select(null, false);
        return;
      }
      if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "/") { ui.search.focus(); e.preventDefault(); return; }
      if (pz.key(e, false)) e.preventDefault();
    });
  }

  /* ---------- marks on the picture ---------- */
  function paint() {
    var marks = new Map();  // element -> its marks; set below, changed on the element only where they differ
    function mark(g, cls) { var a = marks.get(g); if (a) a.push(cls); else marks.set(g, [cls]); }
    var sel = state.selected;
    if (sel !== null && idx.byName.has(sel)) {
      var upc = chain(sel, idx.inn, "source"), downc = chain(sel, idx.out, "target");
      pic.nodes.forEach(function (g, name) {
        mark(g, name === sel ? "prep-sel" : upc.nodes.has(name) ? "prep-up"
                        : downc.nodes.has(name) ? "prep-down" : "prep-dim");
      });
      pic.edges.forEach(function (g, k) {
        mark(g, upc.edges.has(k) ? "prep-up" : downc.edges.has(k) ? "prep-down" : "prep-dim");
      });
    }
    if (state.query) {
      matches(state.query).forEach(function (d) { var g = pic.nodes.get(d.name); if (g) mark(g, "prep-match"); });
    }
    var stages = data.stages || [];
    if (stages.length > 1 && state.stage !== null && state.stage < stages.length - 1) {
      var later = new Set();
      data.deliverables.forEach(function (d) {
        var i = idx.stageIndex.get(d.stage);
        if (i !== undefined && i > state.stage) later.add(d.name);
      });
      later.forEach(function (name) { var g = pic.nodes.get(name); if (g) mark(g, "prep-later"); });
      pic.edges.forEach(function (g, k) {
        var r = data.relations[k];
        if (later.has(r.source) || later.has(r.target)) mark(g, "prep-later");
      });
    }
    pic.nodes.forEach(function (g, name) {
      var shape = g.querySelector(":scope > polygon, :scope > path, :scope > ellipse");
      if (!shape) return;
      if (!pic.fills.has(shape)) pic.fills.set(shape, shape.getAttribute("fill"));
      var d = idx.byName.get(name), fill = state.overlay && d && d.fill ? d.fill : pic.fills.get(shape);
      if (shape.getAttribute("fill") !== fill) shape.setAttribute("fill", fill);
    });
    [pic.nodes, pic.edges].forEach(function (map) {
      map.forEach(function (g) {
        var want = marks.get(g) || [];
        MARKS.forEach(function (m) {
          var on = want.indexOf(m) >= 0;
          if (g.classList.contains(m) !== on) g.classList.toggle(m, on);
        });
      });
    });
  }

  /* ---------- panel ---------- */
  function nameButton(name, suffix) {
    var b = h("button", {type: "button", "class": "prep-link"}, label(name));
    b.addEventListener("click", function () { select(name, true); });
    var li = h("li");
    li.appendChild(b);
    if (suffix) li.appendChild(h("span", {"class": "prep-kind"}, " " + suffix));
    return li;
  }
  function findingItem(i, withSubject) {
    var f = data.findings[i];
    var li = h("li", {tabindex: "0", "data-index": String(i)});
    li.appendChild(h("span", {"class": "prep-sev prep-sev-" + f.severity}, t(f.severity)));
    li.appendChild(document.createTextNode(" " + f.code + (f.name ? " " + f.name : "") + " "));
    if (withSubject && f.subject !== null) li.appendChild(h("strong", null, label(f.subject)));
    li.appendChild(h("div", null, f.message));
    if (f.hint) li.appendChild(h("div", {"class": "prep-muted"}, t("hint: ") + f.hint));
    var rule = f.rule !== null && data.rules && Object.prototype.hasOwnProperty.call(data.rules, f.rule)
      ? data.rules[f.rule] : null;
    if (rule) {
      li.appendChild(h("div", {"class": "prep-muted"}, rule.summary + t(" Fix: ") + rule.fix));
      // why the rule matters, in the page itself (it is shared as one file);
      // filled when first opened: the list is built again on every save
      var more = h("details", {"class": "prep-rule-why"});
      more.appendChild(h("summary", null, tf("why rule {code} matters", {code: f.code})));
      more.addEventListener("toggle", function () {
        if (!more.open || more.childNodes.length > 1) return;
        more.appendChild(h("p", {"class": "prep-muted"}, rule.why));
        if (rule.url) {
          var a = h("a", {href: rule.url, target: "_blank", rel: "noopener noreferrer", "class": "prep-rule"},
                    tf("the page of rule {code}", {code: f.code}));
          a.addEventListener("click", function (e) { e.stopPropagation(); });
          more.appendChild(a);
        }
      });
      more.addEventListener("click", function (e) { e.stopPropagation(); });
      more.addEventListener("keydown", function (e) { e.stopPropagation(); });
      li.appendChild(more);
    }
    li.appendChild(h("div", {"class": "prep-muted"},
                     (f.file ? f.file + ":" : t("line ")) + f.line + ":" + f.column));
    return li;
  }
  function renderDetails() {
    clear(ui.details);
    ui.details.appendChild(h("h2", null, t("Details")));
    var d = state.selected !== null ? idx.byName.get(state.selected) : null;
    if (!d) {
      ui.details.appendChild(h("p", {"class": "prep-muted"}, t("Click a deliverable, or search, to see it here.")));
      return;
    }
    var head = h("h3", {id: "prep-details-label"}, d.label);
    ui.details.appendChild(head);
    var dl = h("dl");
    function row(k, v) { if (v === null || v === undefined || v === "") return; dl.appendChild(h("dt", null, t(k))); dl.appendChild(h("dd", {"data-field": k}, v)); }
    var flags = [d.external ? t("external") : "", d.final ? t("final") : ""].filter(Boolean);
    row("name", d.name);
    row("kind", t(d.kind) + (flags.length ? " (" + flags.join(", ") + ")" : ""));
    if (d.label !== d.name) row("label", d.label);
    row("owners", d.owners.length ? d.owners.join(", ") : t("none named"));
    if (d.stage) {
      var st = (data.stages || []).filter(function (s) { return s.name === d.stage; })[0];
      row("stage", (st && st.label !== st.name ? st.label + " (" + st.name + ")" : d.stage) +
                   (d.placed === false ? t(", from its inputs") : ""));
    }
    var ends = (data.stages || []).filter(function (s) { return (s.exits || []).indexOf(d.name) >= 0; });
    if (ends.length) row("exit of", ends.map(function (s) { return s.label; }).join(", "));
    row("group", d.group);
    row("note", d.note);
    ui.details.appendChild(dl);
    function list(title, items, cls) {
      ui.details.appendChild(h("h4", null, t(title) + " (" + items.length + ")"));
      var ul = h("ul", {"class": cls});
      items.forEach(function (li) { ul.appendChild(li); });
      if (!items.length) ul.appendChild(h("li", {"class": "prep-muted"}, t("none")));
      ui.details.appendChild(ul);
    }
    list("Inputs", d.inputs.map(function (r) { return nameButton(r.name, r.kind === "input" ? "" : "(" + t(r.kind) + ")"); }), "prep-inputs");
    list("Feeds", d.consumers.map(function (r) { return nameButton(r.name, r.kind === "input" ? "" : "(" + t(r.kind) + ")"); }), "prep-consumers");
    if (d.mutual.length) list("Coordinates with", d.mutual.map(function (n) { return nameButton(n, "(" + t("mutual") + ")"); }), "prep-mutual");
    var upc = chain(d.name, idx.inn, "source"), downc = chain(d.name, idx.out, "target");
    ui.details.appendChild(h("p", {"class": "prep-muted", id: "prep-chains"},
      tf("{up} upstream (orange), {down} downstream (green)", {up: upc.nodes.size, down: downc.nodes.size})));
    list("Its findings", d.findings.map(function (i) { return findingItem(i, false); }), "prep-own-findings");
  }
  var shownFindings = null;
  var findingItems = new Map();  // what a finding's item shows -> its items in the list, in order
  function renderFindings() {
    var key = JSON.stringify(data.findings) + "\n" + JSON.stringify(data.deliverables.map(function (d) { return d.label; }));
    if (key === shownFindings) { markFinding(); return; }  // a save that changed no finding: keep the list
    shownFindings = key;
    ui.findingsHead.textContent = t("Findings") + " (" + data.findings.length + ")";
    // an item whose finding reads the same is kept (a save changes a few of
    // hundreds): the browser styles and lays out only the new ones
    var old = findingItems, items = [];
    findingItems = new Map();
    data.findings.forEach(function (f, i) {
      var shows = JSON.stringify([f, f.subject !== null ? label(f.subject) : null]);
      var li = (old.get(shows) || []).shift();
      if (!li) {
        li = findingItem(i, true);
        li.addEventListener("click", function () { pickFinding(li); });
        li.addEventListener("keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); pickFinding(li); }
        });
      } else if (li.getAttribute("data-index") !== String(i)) {
        li.setAttribute("data-index", String(i));
      }
      push(findingItems, shows, li);
      items.push(li);
    });
    var keep = new Set(items);
    Array.prototype.slice.call(ui.findings.children).forEach(function (e) { if (!keep.has(e)) ui.findings.removeChild(e); });
    if (!items.length) items.push(h("li", {"class": "prep-muted"}, t("No findings.")));
    var next = null;
    for (var k = items.length - 1; k >= 0; k--) {  // from the end, moving only what is not in place
      if (items[k].parentNode !== ui.findings || items[k].nextElementSibling !== next) ui.findings.insertBefore(items[k], next);
      next = items[k];
    }
    markFinding();
  }
  function pickFinding(li) {
    var i = parseInt(li.getAttribute("data-index"), 10), f = data.findings[i];
    if (!f) return;
    state.finding = i;
    if (f.subject !== null) select(f.subject, true); else markFinding();
  }
  function markFinding() {
    var items = ui.findings.querySelectorAll("li[data-index]");
    for (var i = 0; i < items.length; i++) {
      items[i].classList.toggle("prep-current", String(state.finding) === items[i].getAttribute("data-index"));
    }
  }

  function select(name, centre) {
    if (name !== null && !idx.byName.has(name)) name = null;
    state.selected = name;
    if (name === null || (state.finding !== null && data.findings[state.finding] &&
                          data.findings[state.finding].subject !== name)) state.finding = null;
    paint();
    renderDetails();
    markFinding();
    if (centre && name !== null) centreOn(name);
  }

  /* ---------- search ---------- */
  function matches(q) {
    q = norm(q);
    if (!q) return [];
    return data.deliverables.filter(function (d) { return norm(d.name).indexOf(q) >= 0 || norm(d.label).indexOf(q) >= 0; });
  }
  function search(q) {
    state.query = q;
    clear(ui.results);
    var found = matches(q);
    ui.resultsBox.hidden = !q;
    found.slice(0, 100).forEach(function (d) { ui.results.appendChild(nameButton(d.name, d.label !== d.name ? d.name : "")); });
    if (q && !found.length) ui.results.appendChild(h("li", {"class": "prep-muted"}, t("no deliverable matches")));
    if (found.length > 100) ui.results.appendChild(h("li", {"class": "prep-muted"}, tf("{count} more", {count: found.length - 100})));
    paint();
    return found;
  }

  /* ---------- stages ---------- */
  function setupStages() {
    var stages = data.stages || [];
    var used = data.deliverables.some(function (d) { return d.stage; });
    ui.stageBox.hidden = !(stages.length > 1 && used);
    if (ui.stageBox.hidden) { state.stage = null; return; }
    var last = stages.length - 1;
    if (state.stage === null || state.stage > last) state.stage = last;
    ui.stage.max = String(last);
    ui.stage.value = String(state.stage);
    showStageName();
  }
  function showStageName() {
    var s = (data.stages || [])[state.stage];
    ui.stageName.textContent = s ? s.label : "";
  }

  /* ---------- problems and live updates ---------- */
  /* a problem's text, as the terminal shows it; `marks` ([caret line,
     start, end] of the place in the line above it) put each caret under
     its place: the text pads carets for a terminal, where a kanji is two
     columns wide, and no font of the page draws it so */
  function showProblem(text, marks) {
    clear(ui.error);
    var lines = String(text).split("\n"), at = new Map(), marked = new Map(), pads = [];
    (marks || []).forEach(function (m) { at.set(m[0], m); });
    lines.forEach(function (line, i) {
      if (i) ui.error.appendChild(document.createTextNode("\n"));
      var below = at.get(i + 1), caret = at.get(i);
      if (below && below[2] <= line.length) {  // the quoted line: its place marked
        ui.error.appendChild(document.createTextNode(line.slice(0, below[1])));
        var mark = h("span", {"class": "prep-mark"}, line.slice(below[1], below[2]));
        ui.error.appendChild(mark);
        ui.error.appendChild(document.createTextNode(line.slice(below[2])));
        marked.set(i + 1, mark);
      } else if (caret && marked.has(i)) {  // its carets: the padding as wide as the text before the place
        var pad = /^\s*/.exec(line)[0], carets = line.slice(pad.length);
        var padding = h("span", {"class": "prep-pad"}, pad), hat = h("span", {"class": "prep-carets"}, carets);
        ui.error.appendChild(padding);
        ui.error.appendChild(hat);
        pads.push([padding, hat, marked.get(i)]);
      } else {
        ui.error.appendChild(document.createTextNode(line));
      }
    });
    ui.error.hidden = false;
    pads.forEach(function (p) {
      var place = p[2].getBoundingClientRect(), start = p[0].getBoundingClientRect().left;
      p[0].style.width = Math.max(0, place.left - start) + "px";
      p[1].style.minWidth = place.width + "px";
    });
  }
  function load(d) {
    data = d;
    idx = indexData(d);
    ui.title.textContent = d.title;
    document.title = d.title;
    if (!showPicture(d)) return;
    if (!pz.state.view) start(); else if (untouched()) placed(chosen); else applyView();
    setupStages();
    if (state.selected !== null && !idx.byName.has(state.selected)) state.selected = null;
    if (state.finding !== null && state.finding >= d.findings.length) state.finding = null;
    renderFindings();
    search(state.query);
    select(state.selected, false);
    ui.error.hidden = true;
    state.version += 1;
    var version = state.version;
    document.documentElement.setAttribute("data-prep-version", String(version));
    // on screen: after the browser has drawn the next frame with it
    requestAnimationFrame(function () {
      setTimeout(function () { api.updatedAt = Date.now(); api.shownVersion = version; }, 0);
    });
  }
  function listen() {
    if (!settings.live || !window.EventSource) return;
    // the run names the server's start: a page open across a restart of
    // prep serve gets the new run's picture (its serials count from 1 again)
    var events = new EventSource("events?since=" + encodeURIComponent(String(settings.serial || 0)) +
                                 (settings.run ? "&run=" + encodeURIComponent(settings.run) : ""));
    events.addEventListener("model", function (e) {
      api.receivedAt = Date.now();
      load(JSON.parse(e.data));
      ui.status.textContent = t("live");
    });
    events.addEventListener("problem", function (e) {
      var p = JSON.parse(e.data);
      showProblem(p.text, p.marks);
      ui.status.textContent = data ? t("error: the last good picture is shown")
                                   : t("error: no picture until the model can be read");
      document.documentElement.setAttribute("data-prep-problem", String(p.serial));
    });
    // a save being drawn: the picture shown is the one before it (a big model fitted to slides takes seconds)
    events.addEventListener("busy", function () { ui.status.textContent = t("updating…"); });
    events.addEventListener("open", function () { ui.status.textContent = t("live"); });
    events.addEventListener("error", function () { ui.status.textContent = t("disconnected: retrying…"); });
  }

  var api = {
    select: function (name) { select(name, true); },
    search: search,
    fit: fit,
    start: start,
    zoomAt: zoomAt,
    view: function () { var v = pz.state.view; return v && {x: v.x, y: v.y, w: v.w, h: v.h}; },
    selected: function () { return state.selected; },
    data: function () { return data; },
    receivedAt: 0,  // prep serve: when the last picture arrived, and when it was drawn (ms)
    updatedAt: 0,
    shownVersion: 0
  };
  window.prepViewer = api;

  buildPage();
  pz = prepPanZoom(ui.canvas, {onClick: clickAt, fit: fit, start: start,
                               ignore: function (t) { return t.closest && t.closest("#prep-error"); }});
  ui.search.addEventListener("input", function () { search(ui.search.value); });
  ui.search.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { var f = matches(ui.search.value); if (f.length) select(f[0].name, true); }
  });
  ui.overlay.addEventListener("change", function () { state.overlay = ui.overlay.checked; paint(); });
  ui.stage.addEventListener("input", function () { state.stage = parseInt(ui.stage.value, 10); showStageName(); paint(); });
  ui.fit.addEventListener("click", fit);
  ui.start.addEventListener("click", start);
  bindKeys();
  remember();
  if (data) load(data); else renderDetails();
  listen();

  /* prep serve: a reload of the tab (F5, or the browser restoring it) keeps
     the view, the selection, the search and the overlay, as a save does:
     kept for this tab only (sessionStorage) when it is left, read when it
     loads again. A view nobody moved from its start (or fit) gets it again. */
  function remember() {
    if (!settings.live) return;
    var key = "prep-serve-view:" + location.pathname, kept = null;
    try { kept = JSON.parse(window.sessionStorage.getItem(key) || "null"); } catch (e) { kept = null; }
    if (kept && typeof kept === "object") {
      var v = kept.view;
      if (v && [v.x, v.y, v.w, v.h].every(function (n) { return typeof n === "number" && isFinite(n); }) && v.w > 0 && v.h > 0)
        pz.state.view = {x: v.x, y: v.y, w: v.w, h: v.h};
      if (typeof kept.selected === "string") state.selected = kept.selected;
      if (typeof kept.query === "string") { state.query = kept.query; ui.search.value = kept.query; }
      if (typeof kept.overlay === "boolean") { state.overlay = kept.overlay; ui.overlay.checked = kept.overlay; }
    }
    window.addEventListener("pagehide", function () {
      var v = pz.state.view;
      try {
        window.sessionStorage.setItem(key, JSON.stringify({
          view: v && !untouched() ? {x: v.x, y: v.y, w: v.w, h: v.h} : null,
          selected: state.selected, query: state.query, overlay: state.overlay}));
      } catch (e) { /* storage off or full: a reload fits the picture, as before */ }
    });
  }
})();
