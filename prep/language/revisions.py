"""Models at git revisions: `prep diff main..HEAD -- model.prep` reads the
blobs through `git show REV:path`, so it works in a CI checkout without a
second work tree. A file that does not exist at a revision is an empty
model there (a model added or deleted between the revisions).

A root with `include` lines is read as the workspace it was at that
revision (`GitFiles`: the loader's file view answered from `git ls-tree`
and `git cat-file`, globs matched against that revision's tree, the same
safety rules as on disk); its files keep their work-tree paths, so the
spans of both sides name the same files."""

from __future__ import annotations

import os
import subprocess

from .diagnostics import PrepError
from .model import Model
from .workspace import DiskFiles

WORKTREE = None  # the revision meaning "the file as it is on disk"


def _git(args: list[str], cwd: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except FileNotFoundError:
        raise PrepError.at(cwd, "git is not installed, so revisions cannot be read", name="no-git",
                           hint="install git, or compare two files: prep diff OLD.prep NEW.prep") from None


def repository_of(path: str) -> tuple[str, str]:
    """(the work tree's top folder, `path` relative to it, with '/')."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(folder):
        raise PrepError.at(path, f"no folder {folder}", name="usage-error")
    proc = _git(["rev-parse", "--show-toplevel"], folder)
    if proc.returncode != 0:
        here = _git(["rev-parse", "--show-toplevel"], os.getcwd())
        if here.returncode == 0:   # run inside a repository, the file outside it
            top = here.stdout.decode("utf-8", "replace").strip()
            raise PrepError.at(path, f"'{path}' is outside the git repository {top}, so its revisions cannot "
                                     "be read", name="not-a-repository",
                               hint="give a model inside the repository, or compare two files: "
                                    "prep diff OLD.prep NEW.prep")
        raise PrepError.at(path, "not inside a git repository, so revisions cannot be read", name="not-a-repository",
                           hint="run prep diff inside the repository's work tree, or compare two files: "
                                "prep diff OLD.prep NEW.prep")
    top = proc.stdout.decode("utf-8", "replace").strip()
    rel = os.path.relpath(os.path.realpath(os.path.abspath(path)), os.path.realpath(top))
    return top, rel.replace(os.sep, "/")


def check_revision(rev: str, path: str) -> None:
    top, _ = repository_of(path)
    proc = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top)
    if proc.returncode != 0:
        raise PrepError.at(path, f"unknown revision '{rev}'", name="bad-revision",
                           hint="a branch, tag or commit (git log --oneline shows them); a range is OLD..NEW")


def merge_base(a: str, b: str, path: str) -> str:
    """The commit `A...B` stands for as the old side (git's three dots):
    where B branched from A, abbreviated. A pull request compared with its
    base branch's tip is blamed for what the base did since it branched."""
    for rev in (a, b):
        check_revision(rev, path)
    top, _ = repository_of(path)
    proc = _git(["merge-base", a, b], top)
    if proc.returncode != 0:
        raise PrepError.at(path, f"'{a}' and '{b}' have no common ancestor, so '{a}...{b}' names no base",
                           name="bad-revision", hint=f"compare the two revisions themselves: {a}..{b}")
    sha = proc.stdout.decode().strip()
    short = _git(["rev-parse", "--short", sha], top)
    return short.stdout.decode().strip() if short.returncode == 0 else sha


def renamed_from(old_rev: str, new_rev: str | None, path: str) -> str | None:
    """The path `path` had at `old_rev` when git sees the file as renamed
    since (`git diff -M`, as `git log --follow` follows it), given as
    `path` is (relative to the current folder, or absolute); None when it
    was not renamed. `new_rev` None: the work tree."""
    top, rel = repository_of(path)
    proc = _git(["-c", "core.quotePath=false", "diff", "-M", "--name-status", "-z", old_rev,
                 *([new_rev] if new_rev else []), "--"], top)
    if proc.returncode != 0:
        return None
    fields = proc.stdout.decode("utf-8", "replace").split("\0")
    i = 0
    while i < len(fields) - 1:
        status = fields[i]
        if status.startswith(("R", "C")):
            source, target = fields[i + 1], fields[i + 2] if i + 2 < len(fields) else ""
            if status.startswith("R") and target == rel:
                old = os.path.join(top, *source.split("/"))
                return old if os.path.isabs(path) else os.path.relpath(old)
            i += 3
        else:
            i += 2
    return None


def exists_at(rev: str | None, path: str) -> bool:
    """Is there a file `path` at revision `rev` (None: on disk)?"""
    if rev is WORKTREE:
        return os.path.isfile(path)
    top, rel = repository_of(path)
    kind = _git(["cat-file", "-t", f"{rev}:{rel}"], top)
    return kind.returncode == 0 and kind.stdout.strip() == b"blob"  # a folder there is no model


def load_at(rev: str | None, path: str, *, strict: bool = True) -> Model:
    """The model in `path` at revision `rev` (None: the file on disk); an
    empty model when the file does not exist there. `strict=False`: model
    errors (E002, E005, E006) stay in `model.diagnostics`, as lint reads."""
    from . import load, loads
    from .source import decode_source

    if rev is WORKTREE:
        if not os.path.exists(path):
            return loads("", path)
        return load(path, strict=strict)
    check_revision(rev, path)
    top, rel = repository_of(path)
    label = f"{rev}:{rel}"
    proc = _git(["cat-file", "-t", f"{rev}:{rel}"], top)
    if proc.returncode != 0 or proc.stdout.strip() != b"blob":  # not in that revision (or a folder there)
        return loads("", label)
    blob = _git(["show", f"{rev}:{rel}"], top)
    if blob.returncode != 0:
        raise PrepError.at(label, "git could not read the file: " + blob.stderr.decode("utf-8", "replace").strip(),
                           name="bad-revision")
    text = decode_source(blob.stdout, label)
    if "include" in text:
        from .parse import parse_statements
        from .workspace import has_includes

        statements, _ = parse_statements(text, label)
        if has_includes(statements):  # a workspace: its files at that revision, under their own paths
            return load_workspace_at(rev, path, decode_source(blob.stdout, path), strict=strict)
    return loads(text, label, strict=strict)


# --------------------------------------------------------------------------
# a workspace at a revision


class GitFiles(DiskFiles):
    """The tree of one git revision as the workspace loader sees it (every
    method of `prep.language.workspace.DiskFiles` answered from git). Paths are the paths
    the files have in the work tree (relative to the current folder or
    absolute), so spans, did-you-means and the safety checks read exactly
    as they do on disk; what is behind them comes from `git ls-tree` and
    one `git cat-file --batch` process, never from the disk. Symbolic links
    of the tree are followed inside the tree; one that leads out (absolute,
    or `..` above the repository) is answered with its outside place, which
    the loader refuses without opening it."""

    def __init__(self, rev: str, root: str, texts: dict[str, str] | None = None):
        super().__init__()
        top, rel = repository_of(root)
        self.rev = rev
        self.top_real = os.path.realpath(top)
        # the work tree's top as the root's own path spells it (a path may
        # go through a link, /tmp -> /private/tmp: keep the user's spelling)
        root_abs = os.path.abspath(root)
        suffix = os.sep + rel.replace("/", os.sep)
        self.top = root_abs[: -len(suffix)] if root_abs.endswith(suffix) else self.top_real
        proc = _git(["ls-tree", "-r", "-z", "--full-tree", rev], top)
        if proc.returncode != 0:
            raise PrepError.at(root, f"git could not list revision '{rev}': "
                               + proc.stderr.decode("utf-8", "replace").strip(), name="bad-revision")
        self.blobs: dict[str, tuple[str, str]] = {}  # path in the tree -> (mode, object id)
        self.folders: set[str] = {""}
        for entry in proc.stdout.decode("utf-8", "surrogateescape").split("\0"):
            if not entry:
                continue
            meta, _, path = entry.partition("\t")
            mode, kind, oid = meta.split(" ")
            if kind != "blob":
                continue  # a submodule: not part of this tree
            self.blobs[path] = (mode, oid)
            parts = path.split("/")
            for i in range(1, len(parts)):
                self.folders.add("/".join(parts[:i]))
        self._cat = None
        self._objects: dict[str, bytes] = {}  # read ahead by `prefetch`
        # object id -> its text: given, shared with the tree of another
        # revision, whose files that did not change are neither read nor decoded again
        self._texts: dict[str, str] = {} if texts is None else texts

    # -- where a path is in the tree

    def _tree_path(self, path: str) -> str | None:
        """`path` relative to the tree's top ('' the top), None when outside."""
        rel = os.path.relpath(os.path.abspath(path), self.top)
        if rel == ".":
            return ""
        if rel == ".." or rel.startswith(".." + os.sep) or os.path.isabs(rel):
            return None
        return rel.replace(os.sep, "/")

    def _resolve(self, rel: str, depth: int = 0) -> str | None:
        """`rel` with every link of the tree followed; None when it leads out."""
        parts = [p for p in rel.split("/") if p]
        done: list[str] = []
        while parts:
            part = parts.pop(0)
            here = "/".join(done + [part])
            entry = self.blobs.get(here)
            if entry is not None and entry[0] == "120000":
                if depth > 40:
                    return None  # a loop of links
                target = self._blob(entry[1]).decode("utf-8", "surrogateescape")
                if target.startswith("/"):
                    return None
                joined = os.path.normpath(os.path.join("/".join(done), target)).replace(os.sep, "/")
                if joined == ".." or joined.startswith("../"):
                    return None
                resolved = self._resolve("" if joined == "." else joined, depth + 1)
                if resolved is None:
                    return None
                done = [p for p in resolved.split("/") if p]
            else:
                done.append(part)
        return "/".join(done)

    # -- the DiskFiles methods

    def real(self, path: str) -> str:
        rel = self._tree_path(path)
        if rel is None:
            return os.path.normpath(os.path.abspath(path))
        resolved = self._resolve(rel)
        if resolved is None:  # a link out: somewhere the loader refuses
            return os.path.dirname(self.top) + os.sep + "(outside)"
        return os.path.join(self.top, *resolved.split("/")) if resolved else self.top

    def kind(self, path: str) -> str | None:
        rel = self._tree_path(path)
        resolved = self._resolve(rel) if rel is not None else None
        if resolved is None:
            return None
        if resolved in self.blobs:
            return "file"
        return "folder" if resolved in self.folders else None

    def read(self, path: str) -> str:
        from .source import decode_source

        rel = self._tree_path(path)
        resolved = self._resolve(rel) if rel is not None else None
        if resolved is None or resolved not in self.blobs:
            raise PrepError.at(path, f"no such file at {self.rev}", name="unreadable-file")
        oid = self.blobs[resolved][1]
        text = self._texts.get(oid)
        if text is None:  # decoded text depends on the bytes alone (the path only names an error)
            text = self._texts[oid] = decode_source(self._blob(oid), path)
        return text

    def glob(self, folder: str, pattern: str) -> list[str]:
        rel = self._tree_path(folder or ".")
        if rel is None:
            return []
        base = self._resolve(rel)
        if base is None:
            return []
        from .workspace import glob_matcher

        match = glob_matcher(pattern)
        prefix = base + "/" if base else ""
        found = []
        for path, (mode, _) in self.blobs.items():
            if path.startswith(prefix):
                inner = path[len(prefix):]
                if not match(inner):
                    continue
                kind = self.kind(os.path.join(folder, inner))
                # a link that leads out is matched (as on disk, where it is a file there): the
                # loader refuses it at the include; left out, the revision's model lost it silently
                if kind == "file" or (kind is None and mode == "120000" and self._resolve(path) is None):
                    found.append(inner.replace("/", os.sep))
        return sorted(found)

    def model_files(self, folder: str) -> list[str]:
        rel = self._tree_path(folder)
        if rel is None:
            return []
        prefix = rel + "/" if rel else ""
        out = []
        for path in sorted(self.blobs):
            if path.startswith(prefix) and path.endswith(".prep"):
                inner = path[len(prefix):]
                if not any(p.startswith(".") for p in inner.split("/")[:-1]):
                    out.append(inner.replace("/", os.sep))
        return out

    def workspace_folder(self, root: str) -> str:
        """`workspace_root` in this tree: the nearest folder at or above the
        root with a prep.toml, or a pyproject.toml with [tool.prep], else
        the repository's top."""
        rel = self._tree_path(root) or ""
        parts = rel.split("/")[:-1]
        while True:
            here = "/".join(parts)
            prefix = here + "/" if here else ""
            if prefix + "prep.toml" in self.blobs or self._tool_prep(prefix + "pyproject.toml"):
                return os.path.join(self.top, *parts)
            if not parts:
                return self.top
            parts.pop()

    def _tool_prep(self, path: str) -> bool:
        entry = self.blobs.get(path)
        if entry is None:
            return False
        import tomllib

        try:
            data = tomllib.loads(self._blob(entry[1]).decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            return False
        tool = data.get("tool")
        return isinstance(tool, dict) and "prep" in tool

    # -- the object store

    def prefetch(self, folder: str) -> None:
        """Read every model file below `folder` with one `git cat-file
        --batch` (a workspace reads most of them; one round trip each costs
        more than reading them all). Skipped when there are very many."""
        rel = self._tree_path(folder)
        if rel is None:
            return
        prefix = rel + "/" if rel else ""
        wanted = sorted({oid for path, (mode, oid) in self.blobs.items()
                         if path.startswith(prefix) and path.endswith(".prep") and mode != "120000"
                         and oid not in self._texts})
        if not wanted or len(wanted) > _PREFETCH_LIMIT:
            return
        proc = subprocess.run(["git", "cat-file", "--batch"], cwd=self.top_real, capture_output=True,
                              input="".join(oid + "\n" for oid in wanted).encode("ascii"))
        if proc.returncode != 0:
            return  # each file is read on its own then, and says what is wrong
        out, at = proc.stdout, 0
        for oid in wanted:
            end = out.index(b"\n", at)
            header = out[at:end].split()
            if len(header) != 3 or header[1] != b"blob":
                return
            size = int(header[2])
            self._objects[oid] = out[end + 1:end + 1 + size]
            at = end + 1 + size + 1

    def _blob(self, oid: str) -> bytes:
        """One object's bytes, from a `git cat-file --batch` kept open."""
        known = self._objects.pop(oid, None)
        if known is not None:
            return known
        if self._cat is None:
            self._cat = subprocess.Popen(["git", "cat-file", "--batch"], cwd=self.top_real,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._cat.stdin.write(oid.encode("ascii") + b"\n")
        self._cat.stdin.flush()
        header = self._cat.stdout.readline().split()
        if len(header) != 3:
            raise PrepError.at(self.top, f"git could not read object {oid} of {self.rev}", name="bad-revision")
        data = self._cat.stdout.read(int(header[2]))
        self._cat.stdout.read(1)  # the newline after each object
        return data

    def close(self) -> None:
        if self._cat is not None:
            self._cat.stdin.close()
            self._cat.stdout.close()
            self._cat.wait()
            self._cat = None


_PREFETCH_LIMIT = 5_000  # model files read ahead in one go


def load_workspace_at(rev: str, path: str, text: str, *, strict: bool = True, parse=None,
                      texts: dict[str, str] | None = None) -> Model:
    """The model of the workspace whose root is `path` at revision `rev`
    (`text`: the root's text there): every include followed in that
    revision's tree. `parse(text, path)`: the parser (default: the
    language's); `texts`: files' texts by git object id, shared with the
    reading of another revision (`GitFiles`)."""
    from .workspace import build_workspace_model, read_workspace

    import dataclasses

    files = GitFiles(rev, path, texts)
    try:
        folder = files.workspace_folder(path)
        files.prefetch(folder)
        ws = read_workspace(path, files=files, text=text, folder=folder, parse=parse)
        return build_workspace_model(ws, strict=strict)
    except PrepError as e:  # the files keep their work-tree paths: say which version was read
        e.diagnostics = [dataclasses.replace(d, message=f"{d.message} (at {rev})") for d in e.diagnostics]
        raise
    finally:
        files.close()


def load_workspaces_at(old_rev: str, new_rev: str, path: str, *, on_old=None, on_new=None,
                       new_first: bool = False, strict: bool = True) -> tuple[Model, Model] | None:
    """The models of the workspace root `path` at two revisions, each file
    that is the same at both (same path, same text) parsed once: what
    `prep diff A..B -- ROOT` compares when few files changed. None when
    `path` is not the root of a workspace at both revisions (then read
    each side with `load_at`). Raises the old side's PrepError first.
    `on_old(model)` / `on_new(model)` are called with each model as soon
    as it is built (work on it can start while the other one is built);
    the old one is built first unless `new_first`."""
    from .parse import parse_statements
    from .source import decode_source
    from .workspace import has_includes

    texts = []
    for rev in (old_rev, new_rev):
        check_revision(rev, path)
        top, rel = repository_of(path)
        blob = _git(["show", f"{rev}:{rel}"], top)
        if blob.returncode != 0:
            return None  # not there (or unreadable): load_at says which
        text = decode_source(blob.stdout, f"{rev}:{rel}")
        if "include" not in text or not has_includes(parse_statements(text, f"{rev}:{rel}")[0]):
            return None
        texts.append(decode_source(blob.stdout, path))
    parsed: dict[tuple[str, str], tuple] = {}

    def parse_once(text: str, where: str):
        key = (where, text)
        found = parsed.get(key)
        if found is None:  # statements are never changed by the builder: both models may share them
            found = parsed[key] = parse_statements(text, where)
        return found

    models: list = [None, None]
    revs, calls = (old_rev, new_rev), (on_old, on_new)
    by_object: dict[str, str] = {}  # a file that did not change is read from git once
    for side in ((1, 0) if new_first else (0, 1)):
        try:
            models[side] = load_workspace_at(revs[side], path, texts[side], parse=parse_once, texts=by_object,
                                             strict=strict)
        except PrepError:
            if side == 1 and models[0] is None:  # the old side's error first, when it has one
                load_workspace_at(old_rev, path, texts[0], parse=parse_once, texts=by_object, strict=strict)
            raise
        if calls[side] is not None:
            calls[side](models[side])
    return models[0], models[1]


def tree_identity(rev: str, path: str) -> str | None:
    """A digest of everything the model of root `path` at revision `rev`
    can be read from: the path, mode and object id of every file under its
    workspace folder there (an include reads nothing outside it), and of
    the prep.toml / pyproject.toml files above the root that decide where
    that folder is. Equal digests, equal models. None when git cannot say."""
    import hashlib

    try:
        files = GitFiles(rev, path)
    except PrepError:
        return None
    try:
        folder = files._tree_path(files.workspace_folder(path))
        root = files._tree_path(path)
    finally:
        files.close()
    if folder is None or root is None:
        return None
    prefix = folder + "/" if folder else ""
    deciding = set()
    parts = root.split("/")[:-1]
    while True:
        here = "/".join(parts)
        deciding.update((here + "/" if here else "") + name for name in ("prep.toml", "pyproject.toml"))
        if not parts:
            break
        parts.pop()
    h = hashlib.sha256(f"{folder}\0{root}\0".encode("utf-8", "surrogateescape"))
    for name in sorted(files.blobs):
        if name.startswith(prefix) or name in deciding:
            mode, oid = files.blobs[name]
            h.update(f"{name}\0{mode}\0{oid}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()
