"""The render worker of a preview: one long-lived child process.

Every save is rendered in a child, so a crash or a hang in Graphviz is a
message over the last good picture, not the end of the preview. Forking a
fresh child per save costs a tenth of a second and loses what the last
render learnt; this child stays, keeps the last layout (boxes stay where
they were) and every label size Graphviz measured, keyed by the text
measured (a changed label is measured again, an unchanged one never), and
sends back the viewer JSON ready to stream. When it dies or overruns its
time budget it is replaced by a fresh one.
"""

from __future__ import annotations

import json
import multiprocessing
import signal

from ..language.diagnostics import PrepError


class RenderCrashed(Exception):
    """The worker died (a crash in C code) or was stopped over its budget."""


class RenderProblem(Exception):
    """The model cannot be drawn; the text says where and why (as the
    command line would print it)."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


class Measured:
    """Label sizes by the text measured, for one font and size: everything
    layout() asks for (Sizes.covers), or it measures the whole model again
    (a model with stages did so on every save: 0.15 s at 1,000
    deliverables)."""

    def __init__(self, font: str, font_size: float, language: str = "en"):
        self.font, self.font_size, self.language = font, font_size, language   # (the legend's words)
        self.boxes: dict[str, tuple[float, float]] = {}
        self.labels: dict[str, tuple[float, float]] = {}  # a box's text block (Sizes.labels)
        self.stages: dict[str, tuple[float, float]] = {}
        self.groups: dict[str, tuple[float, float]] = {}
        self.notes: dict[str, tuple[float, float]] = {}
        self.titles: dict[str, tuple[float, float]] = {}
        self.legend: dict[str, tuple[float, float]] = {}

    def sizes_for(self, model, legend: bool):
        """The layout stage's Sizes for `model`, measuring only the texts not
        measured before."""
        from ..language.model import Model
        from ..layouter import Sizes, box_label, measure

        labels = {name: box_label(d) for name, d in model.deliverables.items()}
        new_boxes = {}
        for name, text in labels.items():
            if text not in self.boxes and text not in new_boxes.values():
                new_boxes[name] = text
        new_groups = {n: g for n, g in model.groups.items() if g.display not in self.groups}
        new_notes = tuple(r for r in model.relations if r.note and r.note not in self.notes)
        new_title = model.title if model.title and model.title not in self.titles else None
        new_stages = {n: s for n, s in model.stages.items() if s.display not in self.stages}
        want_legend = legend and not self.legend
        if new_boxes or new_groups or new_notes or new_title or new_stages or want_legend:
            part = Model(path=model.path, title=new_title,
                         deliverables={n: model.deliverables[n] for n in new_boxes}, relations=new_notes,
                         groups=new_groups, stages=new_stages)
            got = measure(part, font=self.font, font_size=self.font_size, legend=want_legend)
            self.boxes.update({text: got.boxes[name] for name, text in new_boxes.items()})
            self.labels.update({text: got.labels[name] for name, text in new_boxes.items()})
            self.stages.update({s.display: got.stages[n] for n, s in new_stages.items()})
            self.groups.update({g.display: got.groups[n] for n, g in new_groups.items()})
            self.notes.update(got.notes)
            self.titles.update(got.titles)
            self.legend.update(got.legend)
        return Sizes(boxes={name: self.boxes[text] for name, text in labels.items()},
                     groups={n: self.groups[g.display] for n, g in model.groups.items()},
                     notes={r.note: self.notes[r.note] for r in model.relations if r.note},
                     titles={model.title: self.titles[model.title]} if model.title else {},
                     legend=dict(self.legend) if legend else {},
                     stages={n: self.stages[s.display] for n, s in model.stages.items()},
                     labels={name: self.labels[text] for name, text in labels.items()},
                     font=self.font, font_size=self.font_size)


def _serve_requests(conn, parent_end) -> None:
    """The child: render each request, answer ("ok", json text) or ("error", text)."""
    from ..embed.viewer import build_viewer, live_picture
    from ..language import loads
    from .._words import choose

    parent_end.close()  # so the parent's exit is an end of file here
    # this process is the render's child already: the parent stops it when
    # it overruns and starts another when it dies, so Graphviz draws here
    # rather than in one more forked child per save
    from .. import _process

    _process.inside_child = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from .font import PageFont

    previous, previous_key, measured = None, None, None
    font = PageFont()
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        text, path, theme, direction, legend, engine, lint_options, page, font_url, language = request
        try:
            choose(language)   # this process draws one preview's pictures: each request says in which language
            model = loads(text, path)
            if not model.deliverables:
                raise PrepError.at(path, "the model has no deliverables: there is nothing to draw",
                                   name="empty-model", hint="add a relation such as `要件, 開発ノウハウ -> 設計書`",
                                   source=model.source)
            if page is not None:  # the pages, page under page (no stable places: a page moves boxes)
                from ..embed.viewer import build_pages_viewer

                data, _ = build_pages_viewer(model, page, direction=direction, legend=legend, theme=theme,
                                             engine=engine, embed_fonts=False, lint_options=lint_options)
                data["font"] = font.css(data["svg"]["text"], font_url)
                data["svg"] = live_picture(data["svg"])
                conn.send(("ok", json.dumps(data, ensure_ascii=False, separators=(",", ":"))))
                continue
            key = (theme, direction, legend, engine, language)
            if measured is None or (measured.font, measured.font_size, measured.language) != (theme.font,
                                                                                            theme.font_size, language):
                measured = Measured(theme.font, theme.font_size, language)
            sizes = measured.sizes_for(model, legend)
            # the picture without its font: the page keeps its faces (prep.serve.font)
            # and replaces them only when a save draws a glyph they lack
            data, geometry = build_viewer(model, direction=direction, legend=legend, theme=theme, engine=engine,
                                          lint_options=lint_options, sizes=sizes,
                                          previous=previous if key == previous_key else None, embed_fonts=False)
            data["font"] = font.css(data["svg"]["text"], font_url)
            # lighter, and in pieces the page swaps one by one (only those a save changed)
            data["svg"] = live_picture(data["svg"])
            previous, previous_key = geometry, key
            answer = ("ok", json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        except PrepError as e:
            answer = ("error", e.render())
        except Exception as e:  # noqa: BLE001 - reported over the picture, the worker goes on
            answer = ("error", f"prep: internal error: {type(e).__name__}: {e}\n"
                               "  hint: this is a bug in prep; the last good picture stays")
        conn.send(answer)


class Worker:
    """The parent's handle: `render(...)` returns the viewer JSON text or
    raises RenderProblem (a bad model) or RenderCrashed."""

    def __init__(self):
        self._process = None
        self._conn = None

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        parent, child = context.Pipe()
        self._process = context.Process(target=_serve_requests, args=(child, parent), name="prep-serve-render",
                                        daemon=True)
        self._process.start()
        child.close()
        self._conn = parent

    def render(self, text: str, path: str, theme, direction: str, legend: bool, engine: str, lint_options: dict,
               timeout: float, page=None, font_url: str | None = None, language: str = "en") -> str:
        if self._process is None or not self._process.is_alive():
            self._start()
        try:
            self._conn.send((text, path, theme, direction, legend, engine, lint_options, page, font_url, language))
            if not self._conn.poll(timeout):
                self.stop()
                raise RenderCrashed(f"the render took longer than {timeout:g} s and was stopped")
            status, payload = self._conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self.stop()
            raise RenderCrashed("the render process ended unexpectedly (a crash in Graphviz?)") from None
        except KeyboardInterrupt:
            self.stop()
            raise
        if status == "error":
            raise RenderProblem(payload)
        return payload

    def stop(self) -> None:
        if self._process is not None:
            try:
                self._conn.send(None)
            except (OSError, ValueError):
                pass
            self._process.join(0.5)
            if self._process.is_alive():
                self._process.kill()
                self._process.join(2)
            self._conn.close()
        self._process = self._conn = None
