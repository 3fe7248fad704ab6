"""Review records: what `prep diff` worked out about one revision of a big
model (its findings, its fragility ranking and the reachability counts
behind it), kept so that the next diff against that revision reads it
instead of linting and ranking the model again. In CI the base of a pull
request is a commit of main that main's own run (or the pull request's
previous push) already compared: its side then costs only reading the
model, which the comparison needs anyway.

A record is keyed by everything its content depends on, so it is never
stale:

- the revision's files: the git object id, mode and path of every file
  under the workspace folder at that revision, and of the prep.toml /
  pyproject.toml files that decide where that folder is
  (`prep.language.revisions.tree_identity`); an include cannot read
  anything else;
- the model's path as given (spans carry it), the lint settings in effect,
  the length of the ranking asked for;
- prep's version and the fingerprint of its own files (as the lint cache);
- the language the findings are written in (`prep._words`).

Records live beside the lint cache (`.prep_cache/review-FINGERPRINT/`, or
PREP_CACHE_DIR, or the user cache folder), two files each: the findings
(`KEY.findings.json.gz`, written by the process that linted) and the
ranking (`KEY.ranking.json.gz`: the top list and the up/down counts of
every deliverable in model order). Both are JSON compressed with zlib,
never pickle or marshal (a cache folder can come from anywhere); an entry
that does not read back exactly as written is a miss. Entries are written
whole or not at all (`prep._cachefile.save`); the folder keeps the newest
MAX_RECORDS, and the folders of other prep versions are removed.

Only models whose ranking is computed in batches use records (more than
about 11,600 deliverables, `BIG`): below that, linting and ranking
cost less than reading a record.
"""

from __future__ import annotations

import json
import math
import os
from typing import TYPE_CHECKING

from .analysis import SHARED_REACH_BITS
from .hotspots import Hotspot

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

# hashlib, zlib, shutil, pathlib and the cache writer are imported where
# used: a small model's diff, which never keeps a record, does not pay for them

FORMAT = 1
MAX_RECORDS = 16  # records kept per prep version (a record is a few MB at 100,000 deliverables)
_FINDINGS, _RANKING = ".findings.json.gz", ".ranking.json.gz"


# from this many deliverables the ranking is computed in batches (no shared
# all-pairs reachability): records and the incremental ranking pay
BIG = math.isqrt(SHARED_REACH_BITS) + 1


def wanted(model) -> bool:
    """Is `model` big enough for a record (and an incremental ranking) to pay?"""
    return len(model.deliverables) >= BIG


class ReviewRecords:
    def __init__(self, folder: str | os.PathLike[str]):
        from pathlib import Path

        from .cache import code_fingerprint

        self.base = Path(folder)
        self.folder = self.base / f"review-{code_fingerprint()}"

    @classmethod
    def open(cls, start: str | os.PathLike[str] | None = None) -> "ReviewRecords | None":
        """The records of the project around `start`, in the lint cache's
        folder; None when no cache folder can be written."""
        from .cache import LintCache

        cache = LintCache.open(start)
        return None if cache is None else cls(cache.directory)

    @classmethod
    def existing(cls, start: str | os.PathLike[str] | None = None) -> "ReviewRecords | None":
        """The records `open` would give, when some are kept already (no
        folder is created)."""
        from .cache import LintCache

        cache = LintCache.existing(start)
        if cache is None:
            return None
        records = cls(cache.directory)
        return records if records.folder.is_dir() else None

    def key(self, identity: str, model_path: str, settings: dict, top: int) -> str:
        import hashlib

        from .._words import language

        # the language too: the findings' messages are written in it (prep._words)
        text = json.dumps([FORMAT, identity, model_path, settings, top, language()], sort_keys=True, default=_plain,
                          ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    # -- reading

    def has(self, key: str) -> bool:
        """Is there a record under `key` (read back or not)?"""
        return (self.folder / (key + _FINDINGS)).is_file() and (self.folder / (key + _RANKING)).is_file()

    def load(self, key: str, model) -> tuple[bytes, list[Hotspot], tuple[list[int], list[int]]] | None:
        """(findings packed as `prep.language.packed.PackedDiagnostics`
        reads them, the ranking, (up, down) in model order) of `model`, or
        None: no record, or one that does not read back."""
        found = self.read(key)
        return found if found is not None and fits(found, model) else None

    def read(self, key: str) -> tuple[bytes, list[Hotspot], tuple[list[int], list[int]]] | None:
        """`load` before the model is known: the counts are not yet checked
        against it (`fits`)."""
        from ..language.packed import pack_columns

        try:
            findings = _read(self.folder / (key + _FINDINGS))
            ranking = _read(self.folder / (key + _RANKING))
            if findings is None or ranking is None:
                return None
            columns = _checked_findings(findings)
            hotspots = [_hotspot(row) for row in ranking["hotspots"]]
            up, down = ranking["up"], ranking["down"]
            if not (type(up) is list and type(down) is list and len(up) == len(down) and _ints(up)
                    and _ints(down)):
                return None
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None
        return pack_columns(columns), hotspots, (up, down)

    # -- writing (a failure only means the work is done again next time)

    def store_findings(self, key: str, findings) -> None:
        from ..language.packed import diagnostic_columns

        self._write(key + _FINDINGS, diagnostic_columns(findings))

    def store_ranking(self, key: str, hotspots, up: list[int], down: list[int]) -> None:
        rows = [[h.path, h.rank, h.deliverable, h.score, h.sync, h.personal_knowhow, h.upstream, h.downstream,
                 h.flow] for h in hotspots]
        self._write(key + _RANKING, {"hotspots": rows, "up": up, "down": down})
        self._prune()

    def _write(self, name: str, value) -> None:
        import zlib

        from .. import _cachefile as cachefile

        data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        cachefile.save(self.folder / name, zlib.compress(data, 1))

    def _prune(self) -> None:
        """Keep the newest MAX_RECORDS records of this version, none of others."""
        import shutil

        try:
            for other in self.base.glob("review-*"):
                if other != self.folder and other.is_dir():
                    shutil.rmtree(other, ignore_errors=True)
            entries = []
            for entry in self.folder.iterdir():
                try:
                    entries.append((entry.stat().st_mtime, entry))
                except OSError:
                    continue
        except OSError:
            return
        rankings = sorted(((t, e) for t, e in entries if e.name.endswith(_RANKING)), reverse=True)
        keep = {e.name[: -len(_RANKING)] for _, e in rankings[:MAX_RECORDS]}
        for _, entry in entries:
            name = entry.name
            key = name[: -len(_RANKING)] if name.endswith(_RANKING) else \
                name[: -len(_FINDINGS)] if name.endswith(_FINDINGS) else None
            # a findings file with no ranking yet may be another process's record being written
            if key is not None and key not in keep and (name.endswith(_RANKING) or len(rankings) > MAX_RECORDS):
                try:
                    entry.unlink()
                except OSError:
                    pass


def fits(found, model) -> bool:
    """Has a record's `read` result a count for every deliverable of `model`?"""
    return len(found[2][0]) == len(model.deliverables)


def _plain(value):
    """A setting JSON cannot write, in a form that is the same in every process."""
    if isinstance(value, (set, frozenset)):
        return sorted(map(repr, value))
    return repr(value)


def _read(path: Path):
    import zlib

    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    try:
        return json.loads(zlib.decompress(data).decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, ValueError):
        return None


def _ints(values) -> bool:
    return all(type(v) is int and v >= 0 for v in values)


def _optional_str(v) -> bool:
    return v is None or type(v) is str


def _span(s) -> bool:
    return (type(s) is list and len(s) == 5 and type(s[0]) is str
            and all(type(x) is int for x in s[1:]))


_CHECKS = {"span": _span,
           "related": lambda r: type(r) is list and all(type(x) is list and len(x) == 2 and _span(x[0])
                                                       and type(x[1]) is str for x in r),
           "plain": _optional_str}


def _checked_findings(columns) -> list:
    """`columns` (as `diagnostic_columns` wrote them) when every value has
    the shape a Diagnostic needs, else ValueError."""
    from ..language.diagnostics import Diagnostic
    from ..language.packed import _plan

    plan = _plan(Diagnostic)
    if plan is None or type(columns) is not list or len(columns) != len(plan):
        raise ValueError("not a findings record")
    count = len(columns[0]) if columns else 0
    for column, (_, how) in zip(columns, plan):
        check = _CHECKS[how]
        if type(column) is not list or len(column) != count or not all(map(check, column)):
            raise ValueError("not a findings record")
    return columns


def _hotspot(row) -> Hotspot:
    path, rank, deliverable, score, sync, personal, up, down, flow = row
    if not (type(path) is str and type(deliverable) is str and _ints([rank, sync, personal, up, down])
            and all(type(x) in (int, float) for x in (score, flow))):
        raise ValueError("not a hotspot")
    return Hotspot(path, rank, deliverable, float(score) if type(score) is int else score, sync, personal,
                   up, down, float(flow) if type(flow) is int else flow)
