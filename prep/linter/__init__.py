"""`prep lint`: the method's three questions, asked of every model.

    lint_model(model) -> [Diagnostic]

runs every rule of the registry (`rules.RULES`) over `model.index`, adds the
model's own diagnostics (E002, E005, E006 from the builder), applies inline
suppressions (`suppress.py`), then keeps the selected codes and applies
severity overrides (`settings.py`). Configuration files (`config.py`), the
command-line run over files (`run.py`), output formats (`formats.py`) and
the hotspot ranking (`hotspots.py`) build on it.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from ..language.diagnostics import Diagnostic
from .rule import run_checks
from .rules import RULES
from .settings import LintConfigError, enabled_codes, resolve_options, resolve_severity
from .suppress import apply_suppressions

__all__ = ["lint_model", "LintConfigError", "RULES"]

_CHECKED = tuple(r for r in RULES.values() if r.check is not None)


def lint_model(model, *, select: Iterable[str] | str | None = None, ignore: Iterable[str] | str | None = None,
               options: Mapping | None = None, severity: Mapping | None = None,
               per_file_ignores: Iterable | None = None, per_file_root: str = ".") -> list[Diagnostic]:
    """The findings for one model, sorted by position.

    select / ignore: rule codes, prefixes (`K`), names or `ALL` (default:
    every rule). options: {rule name or code: {option: value}}. severity:
    {selector: "error" | "warning" | "info"}. per_file_ignores: [(glob,
    [selectors])], the globs relative to `per_file_root` (prep.toml's
    [lint.per-file-ignores]): each finding is dropped by the file that
    holds it (a workspace's parts too). Raises LintConfigError for unknown
    rules or options."""
    enabled = enabled_codes(select, ignore or ())
    opts = resolve_options(options)
    levels = resolve_severity(severity)
    found = list(model.diagnostics)
    found.extend(run_checks(_CHECKED, model, model.index, opts))
    kept, unused = apply_suppressions(model, found, RULES)
    out = []
    for d in kept + unused:
        if d.code in RULES and d.code not in enabled:
            continue
        level = levels.get(d.code)
        out.append(d.with_severity(level) if level is not None and level != d.severity else d)
    if per_file_ignores:
        from .config import drop_per_file

        out = drop_per_file(out, per_file_ignores, per_file_root)
    files = model.files
    if len(files) > 1:
        # a workspace: by file in reading order (the root first), then by position
        rank = {path: i for i, path in enumerate(files)}
        last = len(rank)
        out.sort(key=lambda d: (rank.get(d.span.path, last), d.span.path, d.span.line, d.span.column, d.code,
                                d.message))
    else:
        out.sort(key=lambda d: (d.span.line, d.span.column, d.code, d.message))
    return out
