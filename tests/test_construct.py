"""`positional(cls)`: objects equal to `cls(*values)`, faster, and `cls`
itself whenever a shortcut could skip something."""

from __future__ import annotations

import dataclasses

import pytest

from prep.language.construct import positional
from prep.language.diagnostics import Diagnostic, Related, Span
from prep.language.model import Deliverable, Relation, new_deliverable, new_relation

SPAN = Span("m.prep", 1, 1, 1, 4)


@pytest.mark.parametrize("cls, values", [
    (Relation, ("input", "a", "b", SPAN, SPAN, SPAN, "note", "s1", ("x", "y"))),
    (Deliverable, ("a", "knowhow", "label", ("o",), True, False, None, "s1", "g", SPAN, False)),
    (Diagnostic, ("I101", "warning", "m", SPAN, "single-input", "a", "h", (Related(SPAN, "r"),), "s1")),
])
def test_the_same_object_as_the_class_makes(cls, values):
    make = positional(cls)
    assert make is not cls
    made, real = make(*values), cls(*values)
    assert type(made) is cls
    assert made == real and hash(made) == hash(real) and repr(made) == repr(real)
    assert dataclasses.astuple(made) == dataclasses.astuple(real)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.__setattr__(dataclasses.fields(cls)[0].name, "changed")
    with pytest.raises(TypeError):
        make(*values[:-1])  # every field, always


def test_the_model_uses_them():
    assert new_relation is not Relation and new_deliverable is not Deliverable


@dataclasses.dataclass(frozen=True, slots=True)
class Checked:
    a: int

    def __post_init__(self):
        if self.a < 0:
            raise ValueError("negative")


@dataclasses.dataclass(frozen=True)
class NoSlots:
    a: int


@dataclasses.dataclass(frozen=True, slots=True)
class KeywordOnly:
    a: int
    b: int = dataclasses.field(kw_only=True, default=0)


@dataclasses.dataclass(frozen=True, slots=True)
class NotInInit:
    a: int
    b: int = dataclasses.field(init=False, default=0)


@pytest.mark.parametrize("cls", [Checked, NoSlots, KeywordOnly, NotInInit])
def test_a_class_with_more_to_its_init_is_left_alone(cls):
    assert positional(cls) is cls
