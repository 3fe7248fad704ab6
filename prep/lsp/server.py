"""`prep lsp`: the Language Server Protocol over stdio, on pygls.

Only translation lives here: documents in, `analysis.py` answers out, as
LSP messages. Every handler answers, whatever the text: a failure inside
one is logged to the client and answered with an empty result, so a
half-typed document never costs the editor its server. Every request is
answered, also one whose params do not fit its method (InvalidParams), and
a refusal meant for the user (a rename to a name in use) is an error
response with a plain message, not a logged crash: editors such as Neovim
log every line a server writes to stderr as an error.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
import re
import traceback
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCRequestMessage, LanguageServerProtocol

from .._version import __version__
from .._words import speaking
from ..language.diagnostics import ERROR, INFO, WARNING, Diagnostic, PrepError, Span
from ..linter.rule import RULES_URL_VARIABLE
from . import analysis as A
from . import semantic
from .project import Project, View

# diagnostics wait this long after the last change before the model is
# analysed again (typing a word sends one change per key)
DEBOUNCE_SECONDS = 0.05
# the garbage collector's full pass waits for this much quiet (see publish)
IDLE_COLLECT_SECONDS = 1.0

SEVERITY = {ERROR: lsp.DiagnosticSeverity.Error, WARNING: lsp.DiagnosticSeverity.Warning,
            INFO: lsp.DiagnosticSeverity.Information}
SYMBOL_KIND = {"group": lsp.SymbolKind.Namespace, "stage": lsp.SymbolKind.Event,
               "deliverable": lsp.SymbolKind.Object, "knowhow": lsp.SymbolKind.Interface,
               "measure": lsp.SymbolKind.Number}
# knowhow is a deliverable too (the intangible kind): the same icon, its own detail
COMPLETION_KIND = {"deliverable": lsp.CompletionItemKind.Value, "knowhow": lsp.CompletionItemKind.Value,
                   "keyword": lsp.CompletionItemKind.Keyword,
                   "attribute": lsp.CompletionItemKind.Property, "stage": lsp.CompletionItemKind.Enum,
                   "owner": lsp.CompletionItemKind.Text, "colour": lsp.CompletionItemKind.Color,
                   "dear": lsp.CompletionItemKind.EnumMember, "threshold": lsp.CompletionItemKind.Value,
                   "file": lsp.CompletionItemKind.File, "folder": lsp.CompletionItemKind.Folder}


def uri_to_path(uri: str) -> str:
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return unquote(parsed.path)
    return uri


class Refused(JsonRpcException):
    """A request the server understood and declines, with the reason for the
    user (LSP's RequestFailed): answered as an error, never logged as a crash."""

    CODE = lsp.LSPErrorCodes.RequestFailed.value


class NotOpen(Exception):
    """A request about a document that is neither open nor readable."""


class _Unreadable:
    """A message whose params do not fit its method: what `structure_message`
    hands on instead of raising, so that it can still be answered."""

    def __init__(self, data: dict, error: Exception):
        self.id = data.get("id")
        self.method = str(data.get("method"))
        self.reason = _why_unreadable(error)


def _why_unreadable(error: Exception) -> str:
    try:
        from cattrs import transform_error

        return "; ".join(transform_error(error, path="params"))
    except Exception:  # noqa: BLE001 - the summary is a courtesy
        return str(error)


class PrepProtocol(LanguageServerProtocol):
    """pygls' protocol, with two answers it leaves out.

    pygls reads a request whose params do not fit (a missing `position`) by
    raising inside its JSON reader: it logs a traceback and the request is
    never answered, so the editor waits. Here it is answered with
    InvalidParams (-32602) and the reason. And pygls logs every exception a
    handler raises, a deliberate refusal (`Refused`) too, with a traceback
    on stderr; a refusal is only answered.
    """

    def structure_message(self, data):
        if isinstance(data, dict) and "jsonrpc" in data and "method" in data and "error" not in data:
            message_type = self.get_message_type(data["method"])
            if "id" in data:
                message_type = message_type or JsonRPCRequestMessage
            if message_type is not None:
                try:
                    return self._converter.structure(data, message_type)
                except Exception as e:  # noqa: BLE001 - answered below, in handle_message
                    return _Unreadable(data, e)
        return super().structure_message(data)

    def handle_message(self, message):
        if isinstance(message, _Unreadable):
            if message.id is not None:
                self._send_response(message.id, error=JsonRpcInvalidParams(
                    f"{message.method}: {message.reason}").to_response_error())
            else:  # a notification cannot be answered: say so in the client's log
                self._server.window_log_message(lsp.LogMessageParams(
                    type=lsp.MessageType.Warning, message=f"prep: ignored {message.method}: {message.reason}"))
            return
        super().handle_message(message)

    def _send_handler_result(self, future, *, msg_id):
        error = None if future.cancelled() else future.exception()
        if isinstance(error, Refused):
            self._request_futures.pop(msg_id, None)
            self._send_response(msg_id, error=error.to_response_error())
            return
        super()._send_handler_result(future, msg_id=msg_id)


class PrepServer(LanguageServer):
    def __init__(self):
        super().__init__("prep", __version__, protocol_cls=PrepProtocol)
        self.analyses: dict[str, A.Analysis] = {}
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.rules_url: str | None = os.environ.get(RULES_URL_VARIABLE)
        # the language of the findings' messages and hints (prep lsp --language, or the
        # client's initializationOptions {"language": "ja"}; prep._words)
        self.language = "en"
        self.workspace_cache: dict[str, tuple[float, list]] = {}
        # the last semantic tokens sent for each document: (result id, data),
        # what a delta request is computed against
        self.sent_tokens: dict[str, tuple[str, list[int]]] = {}
        # per document: (its knowhow, the words of each line read so far)
        self.token_lines: dict[str, tuple[frozenset, dict]] = {}
        self.token_results = 0
        # workspaces: which root each file is checked with, the parses kept,
        # and the last analysis of each root's whole model
        self.project = Project(self.buffer_text, self.folder_paths)
        self.views: dict[str, View] = {}           # root -> its model and files, as last analysed
        self.open_paths: dict[str, str] = {}      # path -> the URI the editor opened it as
        self.checked_with: dict[str, str | None] = {}  # uri -> the root its diagnostics came from
        self.collect: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------------
    def lines(self, text: str) -> A.Lines:
        return A.Lines(text, self.encoding())

    def encoding(self) -> str:
        try:
            enc = self.workspace.position_encoding
        except Exception:  # noqa: BLE001 - before initialize
            return "utf-16"
        return str(getattr(enc, "value", enc) or "utf-16")

    def text_of(self, uri: str) -> str:
        try:
            return self.workspace.get_text_document(uri).source
        except OSError as e:  # neither open nor on disk: nothing to say about it
            raise NotOpen(uri) from e

    def buffer_text(self, path: str) -> str | None:
        """The text of the editor's buffer of `path`, when it is open."""
        uri = self.open_paths.get(path)
        document = self.workspace.text_documents.get(uri) if uri is not None else None
        return document.source if document is not None else None

    def folder_paths(self) -> list[str]:
        folders = [uri_to_path(f.uri) for f in self.workspace.folders.values()] if self.workspace.folders else []
        if not folders and self.workspace.root_path:
            folders = [self.workspace.root_path]
        return folders

    def uri_of(self, path: str) -> str:
        return self.open_paths.get(path) or _uri_for(path)

    def analysis(self, uri: str) -> A.Analysis:
        """The analysis of the document's current text: of its root's whole
        model when it belongs to a workspace, else of the text alone
        (cached by text)."""
        text = self.text_of(uri)
        path = path_of(uri)
        root = self.project.root_of(path) if os.path.isabs(path) else None
        if root is not None:
            view = self.view_of(root, path)
            result = view.find(path) if view is not None else None
            if result is not None and result.text == text:
                _said_as_read_from_disk(result, path)
                self.analyses[uri] = result
                return result
        cached = self.analyses.get(uri)
        if cached is not None and cached.text == text and cached.workspace is None:
            return cached
        options, config_error = lint_options_for(path)
        with speaking(self.language):
            result = A.analyse(text, path, lint_options=options, encoding=self.encoding())
        if config_error and not result.config_error:
            result.config_error = config_error
        _said_as_read_from_disk(result, path)
        self.analyses[uri] = result
        return result

    def view_of(self, root: str, path: str | None = None):
        """The analysis of `root`'s model for the files as they read now
        (kept while no file of it changes); None when the root cannot be
        read (gone from disk): its files are then models on their own."""
        view = self.views.get(root)
        if view is None or (path is not None and view.find(path) is None) or not self.project.current(view):
            try:
                with speaking(self.language):
                    view = self.views[root] = self.project.view(root, workspace_lint_settings, self.encoding())
            except (OSError, PrepError):
                return None
        return view

    def publish(self, uri: str) -> None:
        """Diagnostics for `uri`; for a file of a workspace, for every open
        file of its root (a change in one file can add or clear findings
        in another). The cyclic garbage collector waits meanwhile, and runs
        once the editor has been quiet for IDLE_COLLECT_SECONDS: with a
        big workspace's parses kept, one full collection in the middle
        costs as much as the model it interrupts."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            self._publish(uri)
        finally:
            if enabled:
                gc.enable()
        if self.collect is not None:
            self.collect.cancel()
        self.collect = asyncio.get_event_loop().call_later(IDLE_COLLECT_SECONDS, self._collect_garbage)

    def _collect_garbage(self) -> None:
        self.collect = None
        gc.collect()

    def _publish(self, uri: str) -> None:
        self.pending.pop(uri, None)
        try:
            result = self.analysis(uri)
            view = result.workspace
            if view is None:
                targets = [(uri, result)]
            else:
                targets = [(self.open_paths[p], r) for p, r in view.analyses.items() if p in self.open_paths]
                if all(u != uri for u, _ in targets):  # opened by another path to it (a link)
                    targets.append((uri, result))
            messages = [(u, self.diagnostics_of(r), self.workspace.get_text_document(u).version, r)
                        for u, r in targets]
        except Exception:  # noqa: BLE001
            self.log_failure("diagnostics")
            return
        root = view.root if view is not None else None
        for u, diagnostics, version, r in messages:
            self.checked_with[u] = root
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=u, diagnostics=diagnostics, version=version))
        if root is not None:
            # a file the root no longer reaches is checked on its own again
            done = {u for u, *_ in messages}
            for u, was in list(self.checked_with.items()):
                if was == root and u not in done and u in self.workspace.text_documents:
                    self.checked_with[u] = None
                    self.schedule(u, 0)
        try:
            _refresh_tokens_if_stale(self, uri, result)
        except Exception:  # noqa: BLE001
            self.log_failure("semantic tokens refresh")

    def diagnostics_of(self, result: A.Analysis) -> list[lsp.Diagnostic]:
        diagnostics = [self.to_lsp_diagnostic(result, d) for d in result.diagnostics]
        if result.config_error:
            diagnostics.append(lsp.Diagnostic(
                range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)), severity=lsp.DiagnosticSeverity.Warning,
                source="prep", message=f"configuration: {result.config_error} (linted with the defaults)"))
        return diagnostics

    def location(self, result: A.Analysis, span: Span, uri: str | None = None) -> lsp.Location | None:
        """Where `span` is, in `result`'s file or another file of its workspace."""
        if span.path != result.path and result.workspace is not None:
            other = result.workspace.analyses.get(span.path)
            if other is None:
                return None
            return lsp.Location(uri=self.uri_of(span.path), range=self.range(other.lines, span))
        return lsp.Location(uri=uri or self.uri_of(result.path), range=self.range(result.lines, span))

    def schedule(self, uri: str, delay: float = DEBOUNCE_SECONDS) -> None:
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        loop = asyncio.get_event_loop()
        self.pending[uri] = loop.call_later(delay, self.publish, uri)

    def to_lsp_diagnostic(self, result: A.Analysis, d: Diagnostic) -> lsp.Diagnostic:
        label = "ヒント" if self.language == "ja" else "hint"
        message = d.message + (f"\n{label}: {d.hint}" if d.hint else "")
        href = A.rule_doc_uri(d.code, self.rules_url)
        related = []
        for r in d.related:
            where = self.location(result, r.span) if r.span.path != d.span.path else \
                lsp.Location(uri=_uri_for(r.span.path), range=self.range(result.lines, r.span))
            if where is not None:
                related.append(lsp.DiagnosticRelatedInformation(location=where, message=r.message))
        return lsp.Diagnostic(
            range=self.range(result.lines, d.span), severity=SEVERITY.get(d.severity, lsp.DiagnosticSeverity.Error),
            code=d.code, code_description=lsp.CodeDescription(href=href) if href else None, source="prep",
            message=message, related_information=related or None,
            data={"code": d.code, "subject": d.subject, "name": d.name})

    @staticmethod
    def range(lines: A.Lines, span: Span) -> lsp.Range:
        (l1, c1), (l2, c2) = lines.span_range(span)
        return lsp.Range(lsp.Position(l1, c1), lsp.Position(l2, c2))

    def log_failure(self, what: str) -> None:
        logging.getLogger("prep.lsp").error("%s failed:\n%s", what, traceback.format_exc())
        try:
            self.window_log_message(lsp.LogMessageParams(
                type=lsp.MessageType.Error, message=f"prep: {what} failed (a bug; please report it):\n"
                                                    f"{traceback.format_exc(limit=6)}"))
        except Exception:  # noqa: BLE001
            pass


def path_of(uri: str) -> str:
    path = uri_to_path(uri)
    return os.path.normpath(path) if os.path.isabs(path) else path


def workspace_lint_settings(root: str):
    """(lint options, LintSettings or None, configuration error) for a
    workspace: its root's, as `prep lint ROOT` uses them."""
    from ..linter.config import ConfigFinder
    from ..linter.run import Overrides, lint_options

    try:
        settings = ConfigFinder(default_root=os.path.dirname(root)).for_file(root)
        return lint_options(root, settings, Overrides()), settings, None
    except Exception as e:  # noqa: BLE001 - a bad configuration: the defaults, and the reason shown
        return {}, None, str(e)


def lint_options_for(path: str) -> tuple[dict, str | None]:
    """The lint settings `prep lint` would use for `path` (prep.toml /
    pyproject.toml found from the file's folder), or the defaults and the
    configuration error."""
    from ..linter.config import ConfigFinder
    from ..linter.run import Overrides, lint_options
    from ..linter.settings import LintConfigError

    if not os.path.isabs(path):
        return {}, None
    try:
        settings = ConfigFinder(default_root=os.path.dirname(path)).for_file(path)
        return lint_options(path, settings, Overrides()), None
    except LintConfigError as e:
        return {}, str(e)
    except Exception as e:  # noqa: BLE001 - an unreadable configuration is not the editor's problem
        return {}, str(e)


def _uri_for(path: str) -> str:
    from pathlib import Path

    if os.path.isabs(path):
        return Path(path).as_uri()
    return path


server = PrepServer()


def answering(default=None, what: str | None = None):
    """Every request answers: an exception inside becomes `default` (and a
    log message), except a refusal meant for the user."""
    def wrap(f):
        @functools.wraps(f)
        def run(ls, params):
            try:
                return f(ls, params)
            except Refused:
                raise
            except NotOpen:
                return default() if callable(default) else default
            except Exception:  # noqa: BLE001
                ls.log_failure(what or f.__name__)
                return default() if callable(default) else default
        return run
    return wrap


# --------------------------------------------------------------------------
# documents


def _noted(ls: PrepServer, uri: str, opened: bool = False) -> None:
    """Tell the project what a document reads now (its include lines decide
    which root files belong to); a file never seen may be a new part."""
    try:
        path = path_of(uri)
        if opened:
            if path not in ls.project.includes:
                ls.project.forget()
            ls.open_paths[path] = uri
        document = ls.workspace.text_documents.get(uri)
        if document is not None:
            ls.project.note(path, document.source)
    except Exception:  # noqa: BLE001
        ls.log_failure("reading the workspace")


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: PrepServer, params: lsp.DidOpenTextDocumentParams):
    _noted(ls, params.text_document.uri, opened=True)
    ls.schedule(params.text_document.uri, 0)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: PrepServer, params: lsp.DidChangeTextDocumentParams):
    _noted(ls, params.text_document.uri)
    ls.schedule(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: PrepServer, params: lsp.DidSaveTextDocumentParams):
    uri = params.text_document.uri
    if ls.checked_with.get(uri) is None:
        # a file checked on its own, saved: it may be new on disk, a part a
        # root's glob now matches (`include "teams/*.prep"`); find the roots
        # again, as a client that watches files would have made the server do
        ls.project.forget()
    ls.schedule(uri, 0)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: PrepServer, params: lsp.DidCloseTextDocumentParams):
    uri = params.text_document.uri
    handle = ls.pending.pop(uri, None)
    if handle is not None:
        handle.cancel()
    ls.analyses.pop(uri, None)
    ls.sent_tokens.pop(uri, None)
    ls.token_lines.pop(uri, None)
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
    path = path_of(uri)
    root = ls.checked_with.pop(uri, None)
    if ls.open_paths.get(path) == uri:
        del ls.open_paths[path]
    try:  # the file reads as on disk again: its root's other open files are checked with that
        ls.project.note(path, ls.project.files.read(path) if os.path.isfile(path) else "")
    except Exception:  # noqa: BLE001 - a file that cannot be read is its root's error
        pass
    if root is not None:
        for other, was in list(ls.checked_with.items()):
            if was == root:
                ls.schedule(other, 0)
                break


# what a change on disk can change: a model file (a part pulled with git, a
# new file a glob includes) or the lint configuration
WATCHED = ("**/*.prep", "**/prep.toml", "**/pyproject.toml")


@server.feature(lsp.INITIALIZE)
def initialize(ls: PrepServer, params: lsp.InitializeParams):
    """The client's initializationOptions: {"language": "ja"} writes the
    findings' messages and hints in Japanese (as `prep lint --language ja`);
    another language is said in the client's log, and English kept."""
    options = params.initialization_options
    wanted = options.get("language") if isinstance(options, dict) else None
    if wanted is None:
        return
    from .._words import LANGUAGES

    if wanted in LANGUAGES:
        ls.language = wanted
    else:
        ls.window_log_message(lsp.LogMessageParams(
            type=lsp.MessageType.Warning,
            message=f"prep: initializationOptions.language {wanted!r} is not one of {', '.join(LANGUAGES)}: "
                    f"the findings stay in {ls.language}"))


@server.feature(lsp.INITIALIZED)
def initialized(ls: PrepServer, params):
    # clients that watch files for a server only when asked (they say so:
    # dynamicRegistration; VS Code too, besides the extension's own watcher)
    caps = ls.client_capabilities.workspace
    watched = caps.did_change_watched_files if caps else None
    if not (watched and watched.dynamic_registration):
        return
    options = lsp.DidChangeWatchedFilesRegistrationOptions(
        watchers=[lsp.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED])
    ls.client_register_capability(lsp.RegistrationParams(registrations=[lsp.Registration(
        id="prep-watched-files", method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options)]))


@server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched(ls: PrepServer, params):
    # a prep.toml / pyproject.toml changed, or model files came, went or
    # changed on disk: find the roots again and lint every open document
    ls.analyses.clear()
    ls.views.clear()
    ls.project.forget()
    for uri in list(ls.workspace.text_documents):
        ls.schedule(uri, 0)


# --------------------------------------------------------------------------
# questions about a place


def _position(ls: PrepServer, result: A.Analysis, pos: lsp.Position) -> tuple[int, int]:
    return result.lines.from_utf16(pos.line, pos.character)


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
@answering()
def hover(ls: PrepServer, params: lsp.HoverParams):
    result = ls.analysis(params.text_document.uri)
    line, column = _position(ls, result, params.position)
    occ = result.occurrence_at(line, column)
    if occ is None:
        return None
    if occ.role == "stage":
        text = A.stage_hover_text(result, occ.name)
    elif occ.role == "group":
        text = A.group_hover_text(result, occ.name)
    elif occ.role == "measure":
        text = A.measure_hover_text(result, occ.name)
    else:
        text = A.hover_text(result, occ.name)
    if text is None:
        return None
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text),
                     range=ls.range(result.lines, occ.span))


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
@answering()
def definition(ls: PrepServer, params: lsp.DefinitionParams):
    result = ls.analysis(params.text_document.uri)
    where = _position(ls, result, params.position)
    included = A.included_at(result, *where)
    if included is not None:   # on an include's path: the files it names (a glob's, each)
        start = lsp.Position(line=0, character=0)
        return [lsp.Location(uri=ls.uri_of(p), range=lsp.Range(start=start, end=start)) for p in included]
    occ = result.occurrence_at(*where)
    uri = params.text_document.uri
    if occ is not None and occ.role in A.ID_ROLES:   # a stage's or group's id: its declaration
        span = A.id_declaration(result.model, occ.role, occ.name)
        return ls.location(result, span, uri) if span else None
    if occ is not None and occ.role == "measure":
        m = (getattr(result.model, "measures", None) or {}).get(occ.name)
        span = getattr(m, "span", None)
        return ls.location(result, span, uri) if span else None
    d = result.deliverable_at(*where)
    if d is None or d.span is None:
        return None
    return ls.location(result, d.span, uri)


def _every_file(result: A.Analysis, uri: str, ls: PrepServer):
    """(uri, analysis) of each file of `result`'s model, its own first."""
    yield uri, result
    if result.workspace is not None:
        for path, other in result.workspace.analyses.items():
            if other is not result:
                yield ls.uri_of(path), other


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
@answering(default=list)
def references(ls: PrepServer, params: lsp.ReferenceParams):
    result = ls.analysis(params.text_document.uri)
    occ = result.occurrence_at(*_position(ls, result, params.position))
    files = _every_file(result, params.text_document.uri, ls)
    include = params.context.include_declaration if params.context else True
    if occ is not None and occ.role in A.ID_ROLES:
        return [lsp.Location(uri=u, range=ls.range(r.lines, s)) for u, r in files
                for s in r.id_references(occ.role, occ.name, include)]
    if occ is None or not occ.is_deliverable:
        return []
    return [lsp.Location(uri=u, range=ls.range(r.lines, s)) for u, r in files
            for s in r.references(occ.name, include)]


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
@answering(default=list)
def highlight(ls: PrepServer, params: lsp.DocumentHighlightParams):
    result = ls.analysis(params.text_document.uri)
    occ = result.occurrence_at(*_position(ls, result, params.position))
    if occ is not None and occ.role in A.ID_ROLES:
        return [lsp.DocumentHighlight(range=ls.range(result.lines, s))
                for s in result.id_references(occ.role, occ.name)]
    if occ is None or not occ.is_deliverable:
        return []
    return [lsp.DocumentHighlight(range=ls.range(result.lines, s)) for s in result.references(occ.name)]


# --------------------------------------------------------------------------
# symbols


def _symbol(ls: PrepServer, lines: A.Lines, s: A.Symbol) -> lsp.DocumentSymbol:
    rng = ls.range(lines, s.span)
    sel = ls.range(lines, s.selection)
    if (sel.start.line, sel.start.character) < (rng.start.line, rng.start.character) or \
            (sel.end.line, sel.end.character) > (rng.end.line, rng.end.character):
        rng = sel
    return lsp.DocumentSymbol(name=s.name or "\"\"", detail=s.detail or None, kind=SYMBOL_KIND[s.kind],
                              range=rng, selection_range=sel,
                              children=[_symbol(ls, lines, c) for c in s.children] or None)


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@answering(default=list)
def document_symbol(ls: PrepServer, params: lsp.DocumentSymbolParams):
    result = ls.analysis(params.text_document.uri)
    return [_symbol(ls, result.lines, s) for s in A.document_symbols(result)]


@server.feature(lsp.WORKSPACE_SYMBOL)
@answering(default=list)
def workspace_symbol(ls: PrepServer, params: lsp.WorkspaceSymbolParams):
    query = (params.query or "").casefold()
    out = []
    seen = set()
    for uri in list(ls.workspace.text_documents):
        seen.add(uri_to_path(uri))
        result = ls.analysis(uri)
        out.extend(_flat_symbols(ls, uri, result.lines, A.document_symbols(result), query))
    for path in _workspace_files(ls):
        if path in seen:
            continue
        entry = _workspace_file_symbols(ls, path) or _file_symbols(ls, path)
        if entry is not None:
            lines, symbols = entry
            out.extend(_flat_symbols(ls, _uri_for(path), lines, symbols, query))
        if len(out) > 2000:
            break
    return out


def _flat_symbols(ls, uri, lines, symbols, query, container=None):
    for s in symbols:
        if not query or query in s.name.casefold() or query in (s.detail or "").casefold():
            yield lsp.WorkspaceSymbol(name=s.name, kind=SYMBOL_KIND[s.kind], container_name=container,
                                      location=lsp.Location(uri=uri, range=ls.range(lines, s.selection)))
        yield from _flat_symbols(ls, uri, lines, s.children, query, s.name)


def _workspace_files(ls: PrepServer):
    roots = [uri_to_path(f.uri) for f in ls.workspace.folders.values()] if ls.workspace.folders else []
    if not roots and ls.workspace.root_path:
        roots = [ls.workspace.root_path]
    from .project import model_files

    count = 0
    for root in roots:
        if not os.path.isdir(root):
            continue
        for path in model_files(root):  # what git ignores left out, as prep lint DIR
            count += 1
            if count > 500:  # a workspace symbol search stays quick
                return
            yield os.path.abspath(path)


def _workspace_file_symbols(ls: PrepServer, path: str):
    """The symbols of a file that belongs to a root, from the root's model:
    what the file declares, not the names it only uses from its siblings."""
    root = ls.project.root_of(path)
    view = ls.view_of(root) if root is not None else None
    result = view.find(path) if view is not None else None
    if result is None:
        return None
    return result.lines, A.document_symbols(result)


def _file_symbols(ls: PrepServer, path: str):
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return None
    cached = ls.workspace_cache.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    from ..language.source import read_source
    from ..language.diagnostics import PrepError

    try:
        text = read_source(path)
    except PrepError:
        return None
    result = A.analyse(text, path, lint=False, encoding=ls.encoding())
    entry = (result.lines, A.document_symbols(result))
    ls.workspace_cache[path] = (mtime, entry)
    return entry


# --------------------------------------------------------------------------
# rename


@server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
@answering()
def prepare_rename(ls: PrepServer, params: lsp.PrepareRenameParams):
    result = ls.analysis(params.text_document.uri)
    occ = result.occurrence_at(*_position(ls, result, params.position))
    if A.renamed_kind(occ) is None:
        return None
    return lsp.PrepareRenamePlaceholder(range=ls.range(result.lines, occ.span), placeholder=occ.name)


@server.feature(lsp.TEXT_DOCUMENT_RENAME)
@answering()
def rename(ls: PrepServer, params: lsp.RenameParams):
    uri = params.text_document.uri
    result = ls.analysis(uri)
    occ = result.occurrence_at(*_position(ls, result, params.position))
    kind = A.renamed_kind(occ)
    if kind is None:
        raise Refused("there is no deliverable name here to rename, nor the id of a stage or group")
    if result.workspace is not None:
        return _rename_across(ls, uri, result, occ.name, params.new_name, kind)
    try:
        edits = A.rename_edits(result, occ.name, params.new_name, kind)
    except A.RenameRefused as e:
        raise Refused(str(e)) from None
    return lsp.WorkspaceEdit(changes={uri: [lsp.TextEdit(range=ls.range(result.lines, s), new_text=t)
                                            for s, t in edits]})


def _rename_across(ls: PrepServer, uri: str, result: A.Analysis, name: str, new_name: str,
                   kind: str = "deliverable") -> lsp.WorkspaceEdit:
    """A rename of a deliverable or a stage's or group's id (`kind`) in every
    file of the workspace's model, or a refusal that says why: the new name
    is taken by another of its kind anywhere in the model, or a file to
    edit is read-only (its edit could not be saved: the files would
    disagree)."""
    try:
        replacement = A.checked_new_name(result.model, name, new_name, kind)
    except A.RenameRefused as e:
        raise Refused(str(e)) from None
    edits = {}
    for u, r in _every_file(result, uri, ls):
        spans = r.references(name) if kind == "deliverable" else r.id_references(kind, name)
        if spans:
            edits[u] = (r, [lsp.TextEdit(range=ls.range(r.lines, s), new_text=replacement) for s in spans])
    for u, (r, _) in edits.items():
        if not _writable(r.path):
            shown = os.path.relpath(r.path, os.path.dirname(result.workspace.root))
            raise Refused(f"'{name}' is also in {shown}, which is read-only: the rename would leave "
                          f"that file behind; make it writable first")
    caps = ls.client_capabilities.workspace
    if caps and caps.workspace_edit and caps.workspace_edit.document_changes:
        changes = []
        for u, (_, text_edits) in edits.items():
            document = ls.workspace.text_documents.get(u)
            changes.append(lsp.TextDocumentEdit(
                text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                    uri=u, version=document.version if document is not None else None),
                edits=text_edits))
        return lsp.WorkspaceEdit(document_changes=changes)
    return lsp.WorkspaceEdit(changes={u: text_edits for u, (_, text_edits) in edits.items()})


def _writable(path: str) -> bool:
    """Whether a file may be edited: writable for this process and not
    marked read-only (no write permission bit at all, which even root,
    for whom every file is writable, takes as the owner's wish)."""
    try:
        st = os.stat(path)
    except OSError:
        return True  # an unsaved buffer: the editor holds it
    return os.access(path, os.W_OK) and bool(st.st_mode & 0o222)


# --------------------------------------------------------------------------
# completion


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION,
                lsp.CompletionOptions(trigger_characters=["[", ",", ":", " ", '"', "/"]))
@answering()
def completion(ls: PrepServer, params: lsp.CompletionParams):
    uri = params.text_document.uri
    result = ls.analysis(uri)
    line, column = _position(ls, result, params.position)
    items = []
    found = A.completions(result, line, column)
    segment = None
    if found and found[0][1] in ("file", "folder"):
        # a path: each item replaces what is typed after the last '/' (or the quote)
        before = result.lines.line(line - 1)[: column - 1]
        start = max(before.rfind("/"), before.rfind('"')) + 2
        segment = lsp.Range(lsp.Position(*result.lines.to_utf16(line, start)), params.position)
    elif params.context is not None and params.context.trigger_character in ('"', "/"):
        found = []  # those two open a path after `include`, nothing elsewhere
    for i, (label, kind, insert) in enumerate(found):
        items.append(lsp.CompletionItem(
            label=label, kind=COMPLETION_KIND[kind], detail=kind, sort_text=f"{'0' if kind != 'keyword' else '1'}{i:06d}",
            insert_text=insert if segment is None else None,
            text_edit=lsp.TextEdit(range=segment, new_text=insert) if segment is not None else None))
    return lsp.CompletionList(is_incomplete=False, items=items)


# --------------------------------------------------------------------------
# formatting


@server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
@answering(default=list)
def formatting(ls: PrepServer, params: lsp.DocumentFormattingParams):
    from ..language.diagnostics import PrepError
    from ..language.fmt import format_text

    uri = params.text_document.uri
    text = ls.text_of(uri)
    try:
        formatted = format_text(text, uri_to_path(uri), verify=True)
    except PrepError:
        return []  # a syntax error: the diagnostics say where; nothing to format
    if formatted == text.replace("\r\n", "\n") or (not formatted and text in ("\n", "\r\n")):
        # an empty buffer reaches the server as one line break (an editor
        # keeps a last newline), and a Windows file with CRLF (the editor
        # writes the line endings it read, whatever the edit's text):
        # an edit would only mark it modified
        return []
    lines = ls.lines(text)
    last = len(lines.lines)
    end = lsp.Position(*lines.to_utf16(last, len(lines.lines[-1]) + 1))
    return [lsp.TextEdit(range=lsp.Range(lsp.Position(0, 0), end), new_text=formatted)]


# --------------------------------------------------------------------------
# semantic tokens (the legend: prep/lsp/semantic.py)

LEGEND = lsp.SemanticTokensLegend(token_types=list(semantic.TOKEN_TYPES),
                                  token_modifiers=list(semantic.TOKEN_MODIFIERS))


def _knowhow(model) -> frozenset:
    return frozenset(d.name for d in model.deliverables.values() if d.is_knowhow) if model is not None \
        else frozenset()


def _semantic_data(ls: PrepServer, uri: str) -> list[int]:
    """The tokens of the document's current text. The model (for which
    names are knowhow) is the one of this text when it has been read; right
    after an edit it is not yet (the diagnostics read it after the
    debounce), and the tokens do not wait for it: they use the knowhow of
    the last model, and `publish` asks the editor to fetch them again
    if the new model's knowhow differs."""
    text = ls.text_of(uri)
    kept = ls.token_lines.get(uri)
    cached = ls.analyses.get(uri)
    if cached is not None and cached.text == text:
        knowhow = _knowhow(cached.model)
    elif kept is not None:
        knowhow = kept[0]
    else:
        knowhow = _knowhow(ls.analysis(uri).model)
    if kept is None or kept[0] != knowhow or len(kept[1]) > 4 * text.count("\n") + 1000:
        kept = ls.token_lines[uri] = (knowhow, {})  # a line's words depend on what is knowhow
    return semantic.tokens(text, ls.encoding(), knowhow, kept[1])


def _refresh_tokens_if_stale(ls: PrepServer, uri: str, result: A.Analysis) -> None:
    kept = ls.token_lines.get(uri)
    if kept is None or kept[0] == _knowhow(result.model):
        return
    caps = ls.client_capabilities.workspace
    if caps and caps.semantic_tokens and caps.semantic_tokens.refresh_support:
        ls.workspace_semantic_tokens_refresh(None)


def _new_result(ls: PrepServer, uri: str, data: list[int]) -> str:
    ls.token_results += 1
    result_id = str(ls.token_results)
    ls.sent_tokens[uri] = (result_id, data)
    return result_id


@server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, LEGEND)
@answering()
def semantic_tokens_full(ls: PrepServer, params: lsp.SemanticTokensParams):
    uri = params.text_document.uri
    data = _semantic_data(ls, uri)
    return lsp.SemanticTokens(data=data, result_id=_new_result(ls, uri, data))


@server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL_DELTA, LEGEND)
@answering()
def semantic_tokens_delta(ls: PrepServer, params: lsp.SemanticTokensDeltaParams):
    uri = params.text_document.uri
    data = _semantic_data(ls, uri)
    previous = ls.sent_tokens.get(uri)
    result_id = _new_result(ls, uri, data)
    if previous is None or previous[0] != params.previous_result_id:
        return lsp.SemanticTokens(data=data, result_id=result_id)  # nothing to compare with: all of them
    start, deleted, inserted = semantic.delta(previous[1], data)
    edits = [lsp.SemanticTokensEdit(start=start, delete_count=deleted, data=inserted)] if deleted or inserted else []
    return lsp.SemanticTokensDelta(edits=edits, result_id=result_id)


@server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE, LEGEND)
@answering()
def semantic_tokens_range(ls: PrepServer, params: lsp.SemanticTokensRangeParams):
    data = _semantic_data(ls, params.text_document.uri)
    return lsp.SemanticTokens(data=semantic.within(data, params.range.start.line, params.range.end.line))


# --------------------------------------------------------------------------
# quick fixes


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
@answering(default=list)
def code_action(ls: PrepServer, params: lsp.CodeActionParams):
    uri = params.text_document.uri
    result = ls.analysis(uri)
    first = result.lines.from_utf16(params.range.start.line, params.range.start.character)
    last = result.lines.from_utf16(params.range.end.line, params.range.end.character)
    actions = []
    for d in result.diagnostics:
        s = d.span
        if (s.end_line, s.end_column) < first or (s.line, s.column) > last:
            continue
        for fix in A.quick_fixes(result, d):
            edits = [lsp.TextEdit(range=ls.range(result.lines, sp), new_text=t) for sp, t in fix.edits]
            actions.append(lsp.CodeAction(title=fix.title, kind=lsp.CodeActionKind.QuickFix,
                                          diagnostics=[ls.to_lsp_diagnostic(result, d)],
                                          is_preferred=fix.preferred or None,
                                          edit=lsp.WorkspaceEdit(changes={uri: edits})))
    return actions


def serve(language: str | None = None) -> None:
    """Run the server over stdin/stdout until the client says exit
    (`language`: of the findings' messages, unless the client asks for
    another in its initializationOptions)."""
    if language is not None:
        server.language = language
    logging.basicConfig(level=logging.WARNING)
    # Neovim logs every line on a server's stderr as an ERROR, and pygls'
    # warnings are routine (a cancel that came after the answer, a
    # notification prep has no use for): only its errors go there
    logging.getLogger("pygls").setLevel(logging.ERROR)
    server.start_io()


_C1 = re.compile("[\x80-\x9f]")


def _said_as_read_from_disk(result: A.Analysis, path: str) -> None:
    """A file that is not UTF-8, opened by an editor that fell back to
    Latin-1 (Neovim does), reads as C1 control characters: its error was
    "control character U+008C ... delete it". When the file on disk is not
    UTF-8, its error is what the command line says (it looks like
    Shift_JIS, and the iconv command that converts it), in place of the
    garbled text's."""
    if not _C1.search(result.text) or not os.path.isfile(path):
        return
    from ..language.source import decode_source

    try:
        with open(path, "rb") as f:
            decode_source(f.read(), path)
    except PrepError as e:
        d = e.diagnostics[0]
        line = min(max(d.span.line, 1), max(result.text.count("\n") + 1, 1))
        width = len(result.text.split("\n")[line - 1])
        result.syntax_errors = [Diagnostic(d.code, d.severity, d.message, Span(path, line, 1, line, width + 1),
                                           d.name, None, d.hint)]
        result.findings = []
    except OSError:
        return
