"""The lint cache: a repeat `prep lint` of unchanged files does not parse again.

Like ruff's and mypy's caches, an entry is keyed by everything its result
depends on, so it can never be stale:

- the file's bytes (SHA-256 of the content, not its modification time),
- the path as given (diagnostics carry it),
- the lint configuration in effect for the file (select, ignore, rule
  options, severities: after prep.toml / pyproject.toml and the command line),
- the language the findings are written in (`prep lint --language ja`:
  `prep._words`),
- prep's version and a fingerprint of prep's own installed files (their
  sizes and modification times), so editing a rule in a development checkout
  invalidates the cache as a new release does,
- for the root of a workspace (a file with `include` lines), every file it
  reached: the entry keeps each one's path, real path and SHA-256, the
  workspace folder, and what each glob matched; a lookup checks them all
  again (a changed, removed or newly matching file is a miss), without
  opening a file whose real path has left the workspace.

Where: `.prep_cache/` in the project root (the nearest folder above the
current one holding prep.toml, pyproject.toml or .git; else the current
folder), as ruff keeps `.ruff_cache/`. It holds a CACHEDIR.TAG (backup tools
skip it) and a `.gitignore` of `*` (git ignores it even without an entry in
the project's .gitignore). PREP_CACHE_DIR=DIR puts it elsewhere; when the
folder cannot be written the user cache folder (~/.cache/prep/lint) is used,
and when neither can, linting simply runs without a cache. `--no-cache`
skips it. Entries are JSON (never pickle: a cache folder in a cloned
repository must not be able to run code), written atomically.

    cache = LintCache.open()               # or None with --no-cache
    ticket = cache.lookup(path, config)    # reads the file once
    if ticket.hit is not None:
        source, findings = ticket.hit
    else:
        ... lint ...
        cache.store(ticket, source, findings)
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import _cachefile as cachefile
from .._version import __version__
from ..language.diagnostics import Diagnostic, Related, Span

CACHE_DIRNAME = ".prep_cache"
FORMAT = 2  # bump when the entry layout changes
_ROOT_MARKERS = ("prep.toml", "pyproject.toml", ".git")
_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by prep.\n"
        "# For information about cache directory tags see https://bford.info/cachedir/\n")


def project_root(start: str | os.PathLike[str] | None = None) -> Path:
    """The nearest folder at or above `start` with prep.toml, pyproject.toml
    or .git; `start` itself when there is none."""
    here = Path(start or os.getcwd()).resolve()
    for d in (here, *here.parents):
        if any((d / marker).exists() for marker in _ROOT_MARKERS):
            return d
    return here


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """prep's version plus the size and mtime of each of its files."""
    h = hashlib.sha256(f"{__version__}:{FORMAT}".encode())
    package = Path(__file__).resolve().parents[1]  # the whole prep package, not only the linter
    for base in (package, package.parent / "grammar"):
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith((".py", ".lark", ".toml")):
                    st = os.stat(os.path.join(dirpath, name))
                    h.update(f"{os.path.relpath(os.path.join(dirpath, name), base)}:{st.st_size}:{st.st_mtime_ns};"
                             .encode())
    return h.hexdigest()[:16]


@dataclass
class Ticket:
    """One file's lookup: its key, its bytes, and the cached result if any."""

    key: str
    data: bytes
    hit: tuple[str, list[Diagnostic]] | None = None
    # a workspace's hit: the text of every file it reached, the root first
    sources: dict[str, str] | None = None


class LintCache:
    def __init__(self, directory: str | os.PathLike[str]):
        self.directory = Path(directory)
        self.entries = self.directory / f"lint-{code_fingerprint()}"

    @classmethod
    def open(cls, start: str | os.PathLike[str] | None = None) -> "LintCache | None":
        """The cache for the project around `start` (default: the current
        folder), or None when no cache folder can be written."""
        for d in _candidates(start):
            try:
                _prepare(d)
            except OSError:
                continue
            return cls(d)
        return None

    @classmethod
    def existing(cls, start: str | os.PathLike[str] | None = None) -> "LintCache | None":
        """The cache `open` would give, when its folder is there already;
        None otherwise (nothing is created: a look before any work)."""
        for d in _candidates(start):
            if d.is_dir() and os.access(d, os.W_OK):
                return cls(d) if (d / "CACHEDIR.TAG").is_file() else None
            if not d.exists():
                return None
        return None

    def lookup(self, path: str, config: object) -> Ticket | None:
        """Read `path` and look its result up. None when the file cannot be
        read (the linter reports that itself; it is never cached)."""
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return None
        from .._words import language

        h = hashlib.sha256()
        # the language too: a finding's message and hint are written in it (prep._words)
        h.update(json.dumps([path, config, language()], sort_keys=True, default=repr, ensure_ascii=False).encode())
        h.update(b"\0")
        h.update(data)
        ticket = Ticket(h.hexdigest(), data)
        try:
            with open(self.entries / ticket.key[:2] / f"{ticket.key}.json", "rb") as f:
                entry = json.loads(f.read())
            findings = [_diagnostic(d) for d in entry["findings"]]
            sources = _check_workspace(path, entry["workspace"]) if "workspace" in entry else None
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return ticket  # a miss, or an unreadable entry: lint again
        if "workspace" in entry and sources is None:
            return ticket  # a file of the workspace changed
        source = _decode(data, path)
        if sources is not None:
            sources = {path: source, **sources}
        ticket.hit = (source, findings)
        ticket.sources = sources
        return ticket

    def store(self, ticket: Ticket, source: str | None, findings: list[Diagnostic], workspace=None) -> None:
        """Keep `findings` for the bytes of `ticket`, unless the file changed
        between the lookup and the lint (then `source` is not those bytes).
        `workspace`: the `prep.language.workspace.Workspace` the root was
        read as (its other files are kept in the entry); one with errors is
        not kept (a missing file may appear)."""
        if source is None or source != _decode(ticket.data, "<cache>"):
            return
        entry: dict = {"findings": [_plain(d) for d in findings]}
        if workspace is not None and len(workspace.files) > 1:
            manifest = _manifest(workspace)
            if manifest is None:
                return
            entry["workspace"] = manifest
        folder = self.entries / ticket.key[:2]
        text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        cachefile.save(folder / f"{ticket.key}.json", text.encode("utf-8"))  # if not, only slower


def _manifest(ws) -> dict | None:
    """What a workspace's entry depends on besides the root's bytes; None
    when it cannot be kept (errors, or a file that changed meanwhile)."""
    if ws.errors:
        return None
    files = []
    for path, text in list(ws.files.items())[1:]:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return None
        if _decode(data, path) != text:
            return None  # changed since it was read
        # "plain": the bytes are the text as UTF-8 (no BOM, CR or decomposed
        # characters), so a hit decodes them without the checks of a first read
        plain = not data.startswith(b"\xef\xbb\xbf") and _utf8(data) == text
        files.append([path, os.path.realpath(path), hashlib.sha256(data).hexdigest(), plain])
    return {"folder": ws.folder, "files": files, "globs": [[b, p, list(m)] for b, p, m in ws.globs]}


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _check_workspace(root: str, manifest: dict) -> dict[str, str] | None:
    """The texts of a workspace's other files when the manifest still holds
    (same folder, same globs' matches, same bytes at the same real paths),
    else None."""
    from ..language.workspace import DiskFiles, _inside, workspace_root

    folder = manifest["folder"]
    if workspace_root(root) != folder:
        return None
    disk = DiskFiles()
    for base, pattern, matched in manifest["globs"]:
        if disk.glob(base, pattern) != matched:
            return None
    real_folder = os.path.realpath(folder)
    out: dict[str, str] = {}
    for path, real, digest, plain in manifest["files"]:
        now = os.path.realpath(path)
        if now != real or not _inside(now, real_folder):
            return None  # a link moved: never read a file that has left the workspace
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != digest:
            return None
        text = data.decode("utf-8") if plain else _decode(data, path)
        if text is None:
            return None
        out[path] = text
    return out


def _candidates(start) -> list[Path]:
    """The cache folders to try, in order."""
    candidates = []
    if os.environ.get("PREP_CACHE_DIR"):
        candidates.append(Path(os.environ["PREP_CACHE_DIR"]))
    else:
        candidates.append(project_root(start) / CACHE_DIRNAME)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidates.append(Path(base) / "prep" / "lint")
    return candidates


def _prepare(d: Path) -> None:
    d.mkdir(parents=True, exist_ok=True)
    tag = d / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(_TAG, encoding="utf-8")
        (d / ".gitignore").write_text("# created by prep: the lint cache\n*\n", encoding="utf-8")
    if not os.access(d, os.W_OK):
        raise PermissionError(str(d))


def _decode(data: bytes, path: str) -> str | None:
    from ..language.diagnostics import PrepError
    from ..language.source import decode_source

    try:
        return decode_source(data, path)
    except PrepError:
        return None


def _span(s: Span) -> list:
    return [s.path, s.line, s.column, s.end_line, s.end_column]


def _plain(d: Diagnostic) -> list:
    return [d.code, d.severity, d.message, _span(d.span), d.name, d.subject, d.hint,
            [[_span(r.span), r.message] for r in d.related], d.stage]


def _diagnostic(v: list) -> Diagnostic:
    code, severity, message, span, name, subject, hint, related, *stage = v
    return Diagnostic(code, severity, message, Span(*span), name, subject, hint,
                      tuple(Related(Span(*rs), rm) for rs, rm in related), stage[0] if stage else None)
