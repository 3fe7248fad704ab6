"""A model, or a list of diagnostics, packed into bytes and back, fast: what
`prep diff` sends from the process that read one side to the process that
compares (prep/linter/review.py).

    pack_model(model) -> bytes        unpack_model(data) -> Model (equal to it)
    pack_diagnostics(ds) -> bytes     unpack_diagnostics(data) -> [Diagnostic]
                                      PackedDiagnostics(data): columns read without
                                      building a Diagnostic, `take(indices)` builds some

Pickling a 10,000-deliverable model object by object costs about as much
as parsing it again (each frozen dataclass and span goes through Python
code both ways). Here deliverables, relations and diagnostics travel by
column: one list per field, spans as plain tuples, written by `marshal`
and rebuilt with `map(cls, *columns)`, so the loops run in C. The other
fields of a model (groups, comments, its own diagnostics, the text) are
few and are pickled. The columns follow `dataclasses.fields`, so a field
added to a class travels too; a value `marshal` cannot write sends that
model the slow general way instead (pickle), never a wrong one.

Only for bytes this process family made itself: marshal data is not for
files or the network.
"""

from __future__ import annotations

import dataclasses
import marshal
import pickle
from functools import lru_cache

from .construct import positional
from .diagnostics import Diagnostic, Related, Span
from .model import Deliverable, Model, Relation

_COLUMNS, _PICKLED = b"C", b"P"
_BY_COLUMN = ("deliverables", "relations")


@lru_cache(maxsize=None)
def _plan(cls) -> tuple[tuple[str, str], ...] | None:
    """(field name, how it travels) for each field of `cls`: "span",
    "related" or "plain". None when `cls(*columns)` could not rebuild it."""
    fields = dataclasses.fields(cls)
    if any(not f.init or f.kw_only for f in fields):
        return None
    out = []
    for f in fields:
        kind = str(f.type)
        out.append((f.name, "span" if kind.startswith("Span") else "related" if "Related" in kind else "plain"))
    return tuple(out)


@lru_cache(maxsize=None)
def _maker(cls):
    return positional(cls)


def _related_out(related: tuple) -> tuple:
    return tuple((tuple(r.span), r.message) for r in related) if related else ()


def _related_in(values: tuple) -> tuple:
    new = tuple.__new__
    return tuple(Related(new(Span, s), m) for s, m in values) if values else ()


def _columns(cls, objs: list) -> list[list]:
    columns = []
    for name, how in _plan(cls):
        column = [getattr(o, name) for o in objs]
        if how == "span":
            column = [None if s is None else tuple(s) for s in column]
        elif how == "related":
            column = [_related_out(r) for r in column]
        columns.append(column)
    return columns


def _objects(cls, columns: list[list]) -> list:
    new = tuple.__new__
    columns = list(columns)
    for i, (_, how) in enumerate(_plan(cls)):
        if how == "span":
            columns[i] = [None if s is None else new(Span, s) for s in columns[i]]
        elif how == "related":
            columns[i] = [_related_in(r) for r in columns[i]]
    return list(map(_maker(cls), *columns))


def _fields(model: Model) -> dict:
    """The model's fields (not its cached index or graph)."""
    return {f.name: getattr(model, f.name) for f in dataclasses.fields(Model)}


def pack_model(model: Model) -> bytes:
    fields = _fields(model)
    if _plan(Deliverable) is not None and _plan(Relation) is not None:
        rest = {k: v for k, v in fields.items() if k not in _BY_COLUMN}
        try:
            return _COLUMNS + marshal.dumps((
                list(model.deliverables),
                _columns(Deliverable, list(model.deliverables.values())),
                _columns(Relation, list(model.relations)),
                pickle.dumps(rest, protocol=pickle.HIGHEST_PROTOCOL)))
        except ValueError:  # a value marshal cannot write
            pass
    return _PICKLED + pickle.dumps(fields, protocol=pickle.HIGHEST_PROTOCOL)


def unpack_model(data: bytes) -> Model:
    if data[:1] == _PICKLED:
        return Model(**pickle.loads(data[1:]))
    names, deliverables, relations, rest = marshal.loads(data[1:])
    return Model(deliverables=dict(zip(names, _objects(Deliverable, deliverables))),
                 relations=tuple(_objects(Relation, relations)), **pickle.loads(rest))


def pack_diagnostics(diagnostics: list[Diagnostic]) -> bytes:
    if _plan(Diagnostic) is not None:
        try:
            return _COLUMNS + marshal.dumps(_columns(Diagnostic, list(diagnostics)))
        except ValueError:
            pass
    return _PICKLED + pickle.dumps(list(diagnostics), protocol=pickle.HIGHEST_PROTOCOL)


def diagnostic_columns(diagnostics: list[Diagnostic]) -> list[list]:
    """The diagnostics by column, as `pack_diagnostics` sends them: plain
    values (spans as tuples), fit for JSON (prep/linter/review_record.py)."""
    return _columns(Diagnostic, list(diagnostics))


def pack_columns(columns: list[list]) -> bytes:
    """What `pack_diagnostics` makes of the diagnostics whose columns these
    are (spans may be lists)."""
    return _COLUMNS + marshal.dumps(columns)


def unpack_diagnostics(data: bytes) -> list[Diagnostic]:
    if data[:1] == _PICKLED:
        return pickle.loads(data[1:])
    return _objects(Diagnostic, marshal.loads(data[1:]))


class PackedDiagnostics:
    """Diagnostics still packed: `column(field)` reads one field of all of
    them, `take(indices)` builds just those. `prep diff` matches thousands
    of findings by code and subject and shows the few that changed."""

    def __init__(self, data: bytes):
        if data[:1] == _PICKLED:
            self._objects: list | None = pickle.loads(data[1:])
            self._columns = None
        else:
            self._objects = None
            self._columns = marshal.loads(data[1:])

    def __len__(self) -> int:
        if self._objects is not None:
            return len(self._objects)
        return len(self._columns[0]) if self._columns else 0

    def column(self, name: str) -> list:
        if self._objects is not None:
            return [getattr(d, name) for d in self._objects]
        for i, (field_name, _) in enumerate(_plan(Diagnostic)):
            if field_name == name:
                return self._columns[i]
        raise KeyError(name)

    def take(self, indices: list[int]) -> list[Diagnostic]:
        if self._objects is not None:
            return [self._objects[i] for i in indices]
        return _objects(Diagnostic, [[column[i] for i in indices] for column in self._columns])
