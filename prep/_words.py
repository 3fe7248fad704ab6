"""The words prep itself writes into a picture, in English or Japanese.

A picture's own text is the model's (labels, notes, titles); prep adds a
few words around it: the legend ("Legend", "knowhow", "synchronization",
the colours), "(cont.)" on a frame that goes on from an earlier page, and
the page an off-page marker points to ("p. 3"). A consultant putting a
picture on a Japanese client's slide wants those in Japanese too:

    prep render model.prep -o deck.pptx --language ja
    prep.render(model, "svg", language="ja")

`say(text)` is the word in the language chosen for the work under way
(`speaking`), the English one by default. The language is a context
variable: a forked worker (`prep._process`) keeps the parent's, and two
threads of a server each keep their own.

The Japanese words are those of PReP's Japanese practice: 成果物
(deliverable), ノウハウ (knowhow), 入力 (input), 同期 (synchronization).
"EXIT n", the tag on an exit criterion's box, stays as it is: the legend
explains it in the picture's language.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

LANGUAGES = ("en", "ja")

JAPANESE = {
    # the legend
    "Legend": "凡例",
    "deliverable": "成果物",
    "knowhow": "ノウハウ",
    "input": "入力",
    "synchronization": "同期",
    "mutual synchronization": "相互同期",
    "no finding": "指摘なし",
    "info": "情報",
    "warning": "警告",
    "error": "エラー",
    "green": "緑",
    "lime": "黄緑",
    "yellow": "黄",
    "red": "赤",
    "no data": "データなし",
    "+ added": "+ 追加",
    "removed": "削除",
    "~ changed": "~ 変更",
    "added relation": "追加した関係",
    "removed relation": "削除した関係",
    "changed relation": "変更した関係",
    "EXIT n: exit criterion of stage n": "EXIT n: ステージ n の完了条件",
    "new in this stage": "このステージで新規",
    "later stage": "後のステージ",
    # the Mermaid legend's samples
    "result": "結果",
    "settled by coordination": "調整で決まる成果物",
    "one side": "一方",
    "other side": "他方",
    # a box's tooltip in an SVG
    "off-page marker": "別ページへの参照",
    "owners": "担当",
    # a frame (group, stage) that goes on from an earlier page
    "(cont.)": "(続き)",
}

_language: ContextVar[str] = ContextVar("prep_language", default="en")


def checked(language: str) -> str:
    """`language` if prep speaks it; ValueError naming the choices if not."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: choose {' or '.join(LANGUAGES)}")
    return language


@contextmanager
def speaking(language: str | None):
    """The work inside writes prep's words in `language` ("en", "ja"; None:
    the one already chosen)."""
    if language is None:
        yield
        return
    token = _language.set(checked(language))
    try:
        yield
    finally:
        _language.reset(token)


def choose(language: str) -> None:
    """Every word from now on in `language`, in this context (a worker
    process that draws for one preview: `prep.serve.worker`)."""
    _language.set(checked(language))


def language() -> str:
    """The language of the work under way."""
    return _language.get()


def say(text: str) -> str:
    """`text` (one of prep's English words) in the language of the work under way."""
    return JAPANESE.get(text, text) if _language.get() == "ja" else text


def pages(numbers: list[int], more: bool = False) -> str:
    """Where an off-page marker points: "p. 3", "pp. 3, 5" ("pp. 3, 5, 7…"
    with `more`); in Japanese "P.3", "P.3, 5", as Japanese documents
    write a page (as short: "3ページ" took cs-lifecycle to a third A4 page)."""
    shown = ", ".join(map(str, numbers)) + ("…" if more else "")
    if _language.get() == "ja":
        return f"P.{shown}"
    return f"p. {shown}" if len(numbers) == 1 and not more else f"pp. {shown}"


def continued(label: str) -> str:
    """A frame's title on a page after its first: "営業 Sales (cont.)"."""
    return f"{label} {say('(cont.)')}"


def is_continued(label: str) -> str | None:
    """The label a `continued` title was made from, or None."""
    for mark in {"(cont.)", JAPANESE["(cont.)"]}:
        if label.endswith(" " + mark):
            return label[:-len(mark) - 1]
    return None
