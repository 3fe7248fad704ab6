"""The statements both parsers (Lark's, `parse.py`, and the fast path,
`fastparse.py`) hand to the model builder (`model.py`): plain slotted
classes, cheap to create by the hundred thousand."""

from __future__ import annotations

class TitleStmt:
    __slots__ = ("text", "span")

    def __init__(self, text, span):
        self.text, self.span = text, span


class DeclStmt:
    __slots__ = ("kind", "name", "name_span", "label", "attrs", "span")

    def __init__(self, kind, name, name_span, label, attrs, span):
        self.kind, self.name, self.name_span, self.label, self.attrs, self.span = (
            kind, name, name_span, label, attrs, span)


class RelationStmt:
    __slots__ = ("steps", "attrs", "span")

    def __init__(self, steps, attrs, span):
        # steps: [(left [(name, span)], arrow, right [(name, span)])]
        self.steps, self.attrs, self.span = steps, attrs, span

    def sides(self) -> list:
        """The lists of (name, span) in written order: `a, b -> c -> d` is
        [[a, b], [c], [d]]."""
        steps = self.steps
        return [steps[0][0]] + [right for _, _, right in steps]

    def all_names(self):
        for side in self.sides():
            yield from side


class GroupStmt:
    __slots__ = ("name", "name_span", "label", "body", "span", "attrs")

    def __init__(self, name, name_span, label, body, span, attrs=None):
        self.name, self.name_span, self.label, self.body, self.span = name, name_span, label, body, span
        self.attrs = attrs


class StageStmt:
    """`stage NAME "label" [attrs]`, with `body` the statements of its
    `{ ... }` block, or None when it has no block."""

    __slots__ = ("name", "name_span", "label", "attrs", "body", "span")

    def __init__(self, name, name_span, label, attrs, body, span):
        self.name, self.name_span, self.label, self.attrs, self.body, self.span = (
            name, name_span, label, attrs, body, span)


class IncludeStmt:
    """`include "PATH"`: `target` is the path or glob as written (unescaped),
    `target_span` the quoted string; the loader (`workspace.py`) resolves it."""

    __slots__ = ("target", "target_span", "span")

    def __init__(self, target, target_span, span):
        self.target, self.target_span, self.span = target, target_span, span


class AttrNode:
    __slots__ = ("key", "key_span", "value", "span")

    def __init__(self, key, key_span, value, span):
        self.key, self.key_span, self.value, self.span = key, key_span, value, span


def unescape(raw: str) -> str:
    r"""The value of a quoted string token: only \" \\ and \n are escapes."""
    body = raw[1:-1]
    if "\\" not in body:
        return body
    out, i, n = [], 0, len(body)
    while i < n:
        ch = body[i]
        if ch == "\\" and i + 1 < n and body[i + 1] in '"\\n':
            nxt = body[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)
