"""Inline suppressions, in comments (`model.comments` keeps every comment
with its span):

    a -> b   # prep: ignore[I101]          silences I101 for findings on this line
    # prep: ignore-file[S301, K201]         silences those codes in the whole file

In a workspace (a model kept in several files) a suppression covers its own
file only: a line is a line of the file the comment is in, and
`ignore-file` is about that file.

A suppression that silences nothing (or names an unknown code, or no code
at all) is itself reported as P001, as ruff reports unused `# noqa` (RUF100).
Suppressions are matched against the findings of *every* rule, enabled or
not, so switching a rule off never makes its suppressions look unused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .._words import japanese
from ..language.diagnostics import WARNING, Diagnostic
from .rule import QUESTION_SUPPRESSION, Rule

_DIRECTIVE = re.compile(r"#\s*prep\s*:\s*(ignore-file|ignore)\b\s*(?:\[([^\]]*)\])?", re.IGNORECASE)


@dataclass
class Suppression:
    file_wide: bool
    codes: tuple[str, ...]
    comment: object            # the Comment it was written in
    used: set[str] = field(default_factory=set)
    span: object = None        # the directive itself: not a remark after it (`-- why`) or a comment before it


def parse_suppressions(model) -> list[Suppression]:
    out = []
    for c in model.comments:
        for m in _DIRECTIVE.finditer(c.text):
            codes = tuple(dict.fromkeys(x.strip().upper() for x in (m.group(2) or "").split(",") if x.strip()))
            at = c.span
            span = at._replace(column=at.column + m.start(), end_line=at.line, end_column=at.column + m.end())
            out.append(Suppression(m.group(1).lower() == "ignore-file", codes, c, span=span))
    return out


def apply_suppressions(model, findings: list[Diagnostic], known_codes) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(findings that stay, P001 findings for suppressions that silence nothing)."""
    sups = parse_suppressions(model)
    if not sups:
        return findings, []
    # keyed by (file, code) and (file, line): a workspace's files each keep their own
    file_wide: dict[tuple[str, str], Suppression] = {}
    by_line: dict[tuple[str, int], list[Suppression]] = {}
    for s in sups:
        span = s.comment.span
        if s.file_wide:
            for code in s.codes:
                file_wide.setdefault((span.path, code), s)
        else:
            by_line.setdefault((span.path, span.line), []).append(s)
    kept = []
    for f in findings:
        s = file_wide.get((f.span.path, f.code))
        if s is not None:
            s.used.add(f.code)
            continue
        hit = next((s for s in by_line.get((f.span.path, f.span.line), ()) if f.code in s.codes), None)
        if hit is not None:
            hit.used.add(f.code)
            continue
        kept.append(f)
    unused = []
    ja = japanese()
    for s in sups:
        directive = "ignore-file" if s.file_wide else "ignore"
        if not s.codes and ja:
            unused.append(UNUSED_SUPPRESSION.finding(
                f"`# prep: {directive}` にコードがないため、何も抑止していません", s.span, None,
                hint=f"抑止するコードを書いてください: `# prep: {directive}[K201]`"))
            continue
        if not s.codes:
            unused.append(UNUSED_SUPPRESSION.finding(
                f"`# prep: {directive}` names no code, so it silences nothing", s.span, None,
                hint=f"name the codes to silence: `# prep: {directive}[K201]`"))
            continue
        unknown = [c for c in s.codes if c not in known_codes]
        idle = [c for c in s.codes if c in known_codes and c not in s.used]
        parts = []
        if ja:
            if unknown:
                parts.append(f"不明なコード {', '.join(unknown)}")
            if idle:
                parts.append(f"{'このファイル' if s.file_wide else 'この行'}に {', '.join(idle)} の指摘はありません")
            if parts:
                hint = ("使われていないコード（またはコメント全体）を消してください" if s.file_wide else
                        "使われていないコードを消してください。抑止はその行の指摘にだけ効きます")
                unused.append(UNUSED_SUPPRESSION.finding(
                    f"使われていない抑止: {'。'.join(parts)}", s.span, None, hint=hint))
            continue
        if unknown:
            parts.append("unknown code" + ("s " if len(unknown) > 1 else " ") + ", ".join(unknown))
        if idle:
            where = "in this file" if s.file_wide else "on this line"
            parts.append(f"no {', '.join(idle)} finding {where}")
        if parts:
            hint = ("remove the unused codes (or the whole comment)" if s.file_wide else
                    "remove the unused codes; a suppression applies to findings on its own line only")
            unused.append(UNUSED_SUPPRESSION.finding(
                f"unused suppression: {'; '.join(parts)}", s.span, None, hint=hint))
    return kept, unused


UNUSED_SUPPRESSION = Rule(
    code="P001", name="unused-suppression", severity=WARNING,
    summary="A `# prep: ignore[...]` comment silences nothing.",
    question=QUESTION_SUPPRESSION,
    why="A suppression is a decision recorded in the model (\"we know this knowhow is personal\"). "
        "Once the model changes and the finding is gone, a leftover suppression would silently hide "
        "the next real finding on that line. Unknown codes and suppressions without codes are "
        "reported too.",
    fix="Remove the codes that no longer silence anything, or the whole comment.",
    bad="""\
deliverable request [external]
deliverable spec [external]
deliverable plan [final]  # prep: ignore[I103]
request, spec -> plan
""",
    good="""\
deliverable request [external]
deliverable spec [external]
deliverable plan "plan (handed to the next process)"  # prep: ignore[I103]
request, spec -> plan
""",
    stage="suppression",
)
