"""The registry: every rule prep knows, by code. Explicit on purpose: adding
a rule means adding it here, and the docs, SARIF descriptors and tests
follow from this table."""

from __future__ import annotations

from . import coordination, inputs, knowhow, measures, stages, structure
from .rule import Rule
from .suppress import UNUSED_SUPPRESSION

RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        *structure.RULES,       # E0xx: can the model be read
        *inputs.RULES,          # I1xx: are inputs missing
        *knowhow.RULES,         # K2xx: is knowledge personalized
        *coordination.RULES,    # S3xx: does coordination take long
        *stages.RULES,          # T4xx: can the roadmap's stages end in order
        *measures.RULES,        # M5xx: is each stage's end measured, does each KPI lead to one
        UNUSED_SUPPRESSION,     # P001
    )
}

BY_NAME: dict[str, Rule] = {r.name: r for r in RULES.values()}

FAMILIES = {
    "E": "Structure",
    "I": "Missing inputs",
    "K": "Personalized knowhow",
    "S": "Coordination",
    "T": "Stages",
    "M": "Measures",
    "P": "Suppressions",
}

# findings that are always reported and always make `prep lint` exit 2
FATAL_CODES = frozenset({"E000", "E001"})
