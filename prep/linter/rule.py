"""What a lint rule is: one small value with its code, name, default
severity, options, the PReP question it answers, a bad and a good example
model, and a `check(model, index, options)` generator of Diagnostics.

The registry of all rules is `prep.linter.rules.RULES`; the docs in
`docs/rules/` and the SARIF rule descriptors are generated from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from ..language.diagnostics import Diagnostic, Related, Span

if TYPE_CHECKING:  # pragma: no cover
    from ..language.model import Deliverable, Index, Model

# The three questions the method makes visible, plus "can the model be read".
QUESTION_INPUTS = "Are inputs missing?"
QUESTION_KNOWHOW = "Is knowledge personalized (属人化: held by one person)?"
QUESTION_COORDINATION = "Does coordination take long, and does work start before agreement and get redone?"
QUESTION_STRUCTURE = "Can the model be read as a process at all?"
QUESTION_STAGES = "Can the roadmap's stages end in order, each when its exit criterion exists?"
QUESTION_SUPPRESSION = "Are the suppressions in the model still needed?"

# where a rule's findings come from: the file reader, the parser, the model
# builder, a lint check, or the suppression pass
STAGES = ("input", "parse", "model", "lint", "suppression")


@dataclass(frozen=True)
class Option:
    name: str
    default: int
    help: str
    minimum: int = 1


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    summary: str                 # one line: what the rule finds
    question: str                # which PReP question it answers
    why: str                     # why it matters, in the method's terms
    fix: str                     # what to do about a finding
    bad: str | None              # an example model that fires the rule
    good: str | None             # the same model, fixed: no finding at all
    options: tuple[Option, ...] = ()
    check: Callable[["Model", "Index", dict], Iterable[Diagnostic]] | None = field(default=None, repr=False)
    stage: str = "lint"
    # a finding about a roadmap stage as a whole (T401, T404): the outputs
    # name the stage as its subject
    about_stage: bool = False

    @property
    def family(self) -> str:
        return self.code[0]

    def option_defaults(self) -> dict[str, int]:
        return {o.name: o.default for o in self.options}

    def finding(self, message: str, span: Span, subject: str | None, *, hint: str | None = None,
                related: Iterable[Related] = (), stage: str | None = None) -> Diagnostic:
        return Diagnostic(self.code, self.severity, message, span, name=self.name, subject=subject,
                          hint=hint, related=tuple(related), stage=stage)


# where the rule pages (docs/rules/) are published, for links from the
# language server and the viewer: {PREP_RULES_URL}/{CODE}.md
RULES_URL_VARIABLE = "PREP_RULES_URL"


def rule_page(code: str, base: str) -> str:
    """The address of rule `code`'s page under `base` (PREP_RULES_URL)."""
    return base.rstrip("/") + f"/{code}.md"


def where(model: "Model", d: "Deliverable") -> Span:
    """A deliverable's declaration, or its first use when it is undeclared."""
    return d.span if d.span is not None else Span(model.path, 1, 1, 1, 1)


_BARE = re.compile(r"(?:[^\s\[\]{}(),;:\"'#=<>~\-\u2190-\u21ff\u27f5-\u27ff\u200b-\u200f\u2060\ufeff]|-(?!>))+")
_KEYWORDS = {"title", "deliverable", "knowhow", "measure", "group", "stage", "include"}


def as_source(name: str) -> str:
    """`name` as it would be written in a model: bare when the grammar reads
    it as one word, quoted otherwise (for hints that show model text)."""
    if _BARE.fullmatch(name) and name not in _KEYWORDS:
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def run_checks(rules: Iterable[Rule], model: "Model", index: "Index", options: dict[str, dict]) -> Iterator[Diagnostic]:
    for rule in rules:
        if rule.check is not None:
            yield from rule.check(model, index, options.get(rule.code) or rule.option_defaults())
