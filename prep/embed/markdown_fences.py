"""`prep md`: every ```prep fenced block of a Markdown file becomes an SVG
next to the output file and an image link in its place, the way mermaid-cli
does for Mermaid blocks.

A rewritten block is wrapped in two HTML comments that Markdown viewers hide:

    <!-- prep:begin 3f2a9c1d0b -->
    ![Title](notes-prep-3f2a9c1d0b.svg)

    <details><summary>prep source</summary>   (only with keep_source)

    ```prep
    a, b -> c
    ```

    </details>
    <!-- prep:end -->

so a second run recognises its own output: a block whose source is kept is
drawn again from that source (an edited model gets a new picture), a block
without its source is left as it is. Running twice therefore changes
nothing. The SVG name is a hash of the block's text and drawing options, so
it stays the same across runs and moving a block does not rename it.

Options per block go in the info string after `prep`:
```` ```prep direction=TB legend theme=print lint ````.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field, replace

from ..language.diagnostics import PrepError
from ..layouter.direction import DirectionError, direction_of

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})[ \t]*([^\n]*?)[ \t]*$")
_BEGIN = re.compile(r"^<!-- prep:begin ([0-9a-f]{10}) -->$")
_END = "<!-- prep:end -->"
_OPTION = re.compile(r"^(direction=\S*|legend|lint|theme=(?:default|print))$")


@dataclass(frozen=True)
class FenceOptions:
    direction: str = "LR"
    legend: bool = False
    lint: bool = False
    theme: str = "default"

    def words(self) -> str:
        out = []
        if self.direction != "LR":
            out.append(f"direction={self.direction}")
        if self.legend:
            out.append("legend")
        if self.theme != "default":
            out.append(f"theme={self.theme}")
        if self.lint:
            out.append("lint")
        return " ".join(out)


def parse_info(info: str, path: str, line: int, defaults: FenceOptions = FenceOptions()) -> FenceOptions | None:
    """Options from a fence's info string, or None when it is not a prep fence."""
    words = info.split()
    if not words or words[0] != "prep":
        return None
    values: dict = {}
    for w in words[1:]:
        if not _OPTION.match(w):
            raise PrepError.at(path, f"unknown option '{w}' on a prep fence", line=line, name="usage-error",
                               hint="options: direction=TB, legend, theme=print, lint")
        if w.startswith("direction="):
            try:
                values["direction"] = direction_of(w.split("=", 1)[1])
            except DirectionError as e:
                raise PrepError.at(path, f"unknown direction in '{w}' on a prep fence{e.suggestion}", line=line,
                                   name="usage-error", hint="direction=LR or direction=TB (direction=TD is TB)") \
                    from None
        elif w.startswith("theme="):
            values["theme"] = w.split("=", 1)[1]
        else:
            values[w] = True
    return replace(defaults, **values)


@dataclass
class Block:
    """One prep diagram found in the document."""
    start: int            # index of the first line of the block (fence or begin marker)
    end: int              # index just after its last line
    source: str | None    # the model text, None when a rewritten block has no kept source
    source_line: int      # 1-based line of the model's first line in the file
    options: FenceOptions = field(default_factory=FenceOptions)
    kept: str | None = None  # a block `prep md` already rewrote: its text as it is


def _scan_fence(lines: list[str], i: int) -> tuple[int, str, str, str] | None:
    """If lines[i] opens a fence: (index after the closing fence, char run, info, body)."""
    m = _FENCE.match(lines[i])
    if not m:
        return None
    indent, run, info = m.group(1), m.group(2), m.group(3)
    if run[0] == "`" and "`" in info:
        return None  # not a fence (CommonMark: no backtick in a backtick fence's info string)
    body = []
    j = i + 1
    while j < len(lines):
        close = re.match(r"^ {0,3}(`{3,}|~{3,})[ \t]*$", lines[j])
        if close and close.group(1)[0] == run[0] and len(close.group(1)) >= len(run):
            return j + 1, run, info, "\n".join(body)
        text = lines[j]
        # content lines lose up to the opening fence's indentation
        k = 0
        while k < len(indent) and text.startswith(" ", k):
            k += 1
        body.append(text[k:])
        j += 1
    return len(lines), run, info, "\n".join(body)  # unclosed: runs to the end (CommonMark)


def find_blocks(text: str, path: str, defaults: FenceOptions = FenceOptions()) -> tuple[list[str], list[Block]]:
    lines = text.split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if _BEGIN.match(lines[i].strip()):
            try:
                end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == _END) + 1
            except StopIteration:
                raise PrepError.at(path, "a '<!-- prep:begin -->' marker has no '<!-- prep:end -->'", line=i + 1,
                                   name="usage-error",
                                   hint="restore the end marker, or delete the begin marker") from None
            source, source_line, options = None, 0, FenceOptions()
            j = i + 1
            while j < end - 1:
                fence = _scan_fence(lines, j)
                if fence:
                    opts = parse_info(fence[2], path, j + 1)
                    if opts is not None:
                        source, source_line, options = fence[3], j + 2, opts
                        break
                    j = fence[0]
                else:
                    j += 1
            blocks.append(Block(i, end, source, source_line, options, kept="\n".join(lines[i:end])))
            i = end
            continue
        fence = _scan_fence(lines, i)
        if fence is None:
            i += 1
            continue
        after, _, info, body = fence
        options = parse_info(info, path, i + 1, defaults)
        if options is not None:
            blocks.append(Block(i, after, body, i + 2, options))
        i = after  # the inside of any fence is code, never a diagram
    return lines, blocks


def block_hash(source: str, options: FenceOptions) -> str:
    data = (source.strip("\n") + "\n\x00" + options.words()).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:10]


def render_block(source: str, options: FenceOptions, path: str, source_line: int, fmt: str = "svg") -> bytes:
    """Draw one block's model. Errors point at the line in the Markdown file."""
    from ..language import loads
    from ..linter import lint_model
    from ..renderer import render

    # blank lines in front keep the parser's line numbers those of the file
    model = loads("\n" * (source_line - 1) + source, path)
    findings = None
    if options.lint:
        findings = [d for d in lint_model(model) if d.subject is not None]
    return render(model, fmt, direction=options.direction, legend=options.legend,
                      findings=findings, theme=options.theme)


def _alt_text(source: str, path: str) -> str:
    from ..language import loads

    title = loads(source, path).title
    text = " ".join((title or "prep diagram").split())
    return re.sub(r"([\[\]\\])", r"\\\1", text)


@dataclass
class MarkdownResult:
    text: str
    images: dict[str, bytes]  # file name (next to the output) -> SVG bytes


def rewrite_markdown(text: str, path: str, out_path: str, *, keep_source: bool = False) -> MarkdownResult:
    """The rewritten document and the SVGs it links to (pure apart from layout)."""
    lines, blocks = find_blocks(text, path)
    stem = os.path.splitext(os.path.basename(out_path))[0] if out_path != "-" else "diagram"
    images: dict[str, bytes] = {}
    out: list[str] = []
    pos = 0
    for b in blocks:
        out.extend(lines[pos:b.start])
        pos = b.end
        if b.source is None:
            out.append(b.kept or "")
            continue
        digest = block_hash(b.source, b.options)
        name = f"{stem}-prep-{digest}.svg"
        if name not in images:
            images[name] = render_block(b.source, b.options, path, b.source_line)
        out.append(f"<!-- prep:begin {digest} -->")
        out.append(f"![{_alt_text(b.source, path)}]({name})")
        if keep_source:
            info = ("prep " + b.options.words()).strip()
            body = b.source.rstrip("\n")
            run = "`" * max(3, 1 + max((len(r) for r in re.findall(r"`{3,}", body)), default=0))
            out += ["", "<details><summary>prep source</summary>", "", f"{run}{info}", body, run, "",
                    "</details>"]
        out.append(_END)
    out.extend(lines[pos:])
    return MarkdownResult("\n".join(out), images)


def write_markdown(in_path: str, out_path: str | None, *, keep_source: bool | None = None) -> list[str]:
    """`prep md`: read `in_path`, write the rewritten file and its SVGs. With
    no `out_path` the file is rewritten in place, and then the sources are
    kept (unless keep_source=False) so no model text is lost. Returns the
    paths written (files whose content did not change are not rewritten)."""
    from ..renderer.output import check_output_folder, write_output
    from ..language.source import read_source

    text = read_source(in_path)
    target = out_path or in_path
    if target != "-":
        check_output_folder(target)   # said of the file named, before any picture is drawn beside it
    if keep_source is None:
        keep_source = out_path is None
    result = rewrite_markdown(text, in_path, target, keep_source=keep_source)
    written = []
    directory = os.path.dirname(target) if target != "-" else ""
    for name, data in result.images.items():
        image = os.path.join(directory, name)
        if not _same_content(image, data):
            write_output(image, data)
            written.append(image)
    data = result.text.encode("utf-8")
    if target == "-":
        write_output("-", data)
    elif not _same_content(target, data):
        write_output(target, data)
        written.append(target)
    return written


def _same_content(path: str, data: bytes) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read() == data
    except OSError:
        return False
