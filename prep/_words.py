"""The words prep itself writes, in English or Japanese.

A picture's own text is the model's (labels, notes, titles); prep adds a
few words around it: the legend ("Legend", "knowhow", "synchronization",
the colours), "(cont.)" on a frame that goes on from an earlier page, and
the page an off-page marker points to ("p. 3"). A report adds headings,
table headers, explanations and captions. A consultant whose client reads
Japanese wants those in Japanese too:

    prep render model.prep -o deck.pptx --language ja
    prep report model.prep -o report.pdf --language ja
    prep.render(model, "svg", language="ja")

`say(text)` is the word in the language chosen for the work under way
(`speaking`), the English one by default; a sentence with numbers in it
asks `japanese()` and is written for each language where it is made. The
language is a context variable: a forked worker (`prep._process`) keeps
the parent's; a thread starts in English, so a server passes the language
to what draws for it (`prep.serve.worker`).

The Japanese words are those of PReP's Japanese practice: 成果物
(deliverable), ノウハウ (knowhow), 入力 (input), 同期 (synchronization).
"EXIT n", the tag on an exit criterion's box, stays as it is: the legend
explains it in the picture's language. A finding's message and hint are
written by its rule in the language under way (`prep lint --language ja`;
`prep.linter`), so a report or page made in Japanese lists them in
Japanese; the lint cache and the review records are keyed by it.
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
    # --- the reports (prep report --language ja): headings
    "Diagram": "全体図",
    "Roadmap": "ロードマップ",
    "roadmap": "ロードマップ",
    "Health": "ヘルス",
    "health": "ヘルス",
    "Measures": "KPI",
    "Findings": "指摘",
    "Hotspots": "ホットスポット",
    "Deliverables": "成果物一覧",
    "Relation notes": "関係の注記",
    "Stages": "ステージ",
    "Contents": "目次",
    # table headers and cells
    "severity": "重大度",   # as the catalogue's Findings sheet (prep export --language ja) heads it
    "code": "コード",
    "where": "場所",
    "place": "場所",
    "subject": "対象",
    "message": "内容",
    "kind": "種類",
    "stage": "ステージ",
    "group": "グループ",
    "file": "ファイル",
    "inputs": "入力",
    "consumers": "利用先",
    "note": "注記",
    "from": "元",
    "relation": "関係",
    "to": "先",
    "deliverables": "成果物",
    "exit criteria": "完了条件",
    "findings": "指摘",
    "measure": "KPI",
    "observes": "対象",
    "data from": "データ元",
    "target": "目標",
    "value": "値",
    "colour": "色",
    "as of": "時点",
    "total": "合計",
    "score": "スコア",
    "S sync": "S 同期",
    "K personal knowhow": "K 属人化ノウハウ",
    "up": "上流",
    "down": "下流",
    "F flow": "F 流量",
    "risk": "リスク",
    "downstream": "下流",
    "why": "理由",
    "none": "なし",
    "external": "外部",
    "final": "最終",
    "(sync)": "(同期)",
    "(mutual)": "(相互同期)",
    "hint": "ヒント",
    "model": "モデル",
    "customer": "顧客",
    "data": "データ",
    "stage reached": "到達ステージ",
    "done": "完了",
    "done (every stage's exit measured green or lime)": "完了 (全ステージの完了条件が緑か黄緑)",
    # sentences
    "No findings.": "指摘はありません。",
    "No findings in this stage.": "このステージの指摘はありません。",
    "No hotspots.": "ホットスポットはありません。",
    "No values.": "値はありません。",
    "None.": "なし。",
    "Lint is not available in this installation; no findings were computed.":
        "この環境では lint が使えないため、指摘は求めていません。",
    "lint: not available in this installation": "lint: この環境では使えません",
    "Boxes are coloured by their worst finding: green none, lime info, yellow warning, red error.":
        "箱の色は最も重い指摘を表します: 緑 なし、黄緑 情報、黄 警告、赤 エラー。",
    "The stages in order, each in a frame titled with it (side by side as columns where the page holds them, "
    "else one under another); exit criteria are tagged EXIT n.":
        "ステージを順に、それぞれの名前の枠に描きます (ページに収まれば列として横に、収まらなければ縦に並べます)。"
        "完了条件には EXIT n の札が付きます。",
    "Then each stage: what it makes, what ends it, its findings, and the process as it stands at its end "
    "(every deliverable in the same place in every picture).":
        "続いて各ステージについて、作る成果物、終わりを決める完了条件、指摘、そのステージの終わりのプロセス"
        "(どの図でも各成果物は同じ位置) を示します。",
    "The KPIs: what each observes (usually a stage's exit criterion), where its data comes from, its target "
    "and the threshold of each health colour (a value below yellow's is red).":
        "KPI: それぞれが見るもの (多くはステージの完了条件)、データ元、目標、ヘルスの各色のしきい値 "
        "(黄のしきい値を下回る値は赤)。",
    "Where the process is fragile (as `prep lint --hotspots`): score = S + 2K + 5F, with S the coordinations "
    "at the deliverable, K the personal knowhow it depends on, F how much of the process flows through it.":
        "プロセスの弱いところ (`prep lint --hotspots` と同じ): スコア = S + 2K + 5F。S はその成果物での調整の数、"
        "K は依存する属人化ノウハウの数、F はプロセスがそこを通る割合です。",
    "Where the process is fragile: risk (findings, knowhow held by one person, coordination, single input) "
    "times (1 + deliverables downstream).":
        "プロセスの弱いところ: リスク (指摘、一人だけが持つノウハウ、調整、単一の入力) × (1 + 下流の成果物の数)。",
    "Measured deliverables are filled with the worst colour of their measures (grey: no value); their values "
    "and colours are in the boxes.":
        "測定した成果物は、その KPI の最も悪い色で塗られます (灰色: 値なし)。値と色は箱の中にあります。",
    "A double border marks what this stage makes; EXIT n, an exit criterion of stage n.":
        "二重枠はこのステージで作る成果物、EXIT n はステージ n の完了条件です。",
    "Laid out for this page.": "このページに合わせて配置しています。",
    # how a model was cut over pages (prep.renderer.pages.HOW_CUT), as a report's caption says it
    "cut at its stages": "ステージで分割",
    "cut along its flow": "流れに沿って分割",
    "cut in blocks": "ブロックに分割",
    # the HTML flip-book's page (prep.renderer.flipbook_html; its hint is HTML)
    "flip-book": "フリップブック",
    "previous stage": "前のステージ",
    "next stage": "次のステージ",
    "Fit the picture (0)": "図の全体を表示 (0)",
    "Fit": "全体",
    "Back to the readable start (1)": "読める大きさの最初に戻る (1)",
    "Start": "最初",
    "&larr; &rarr; or PageUp/PageDown: stage · drag: pan · wheel/pinch: zoom · + &minus; 0 1 · Shift+arrows: pan":
        "&larr; &rarr; または PageUp/PageDown: ステージ · ドラッグ: 移動 · ホイール/ピンチ: 拡大縮小 · "
        "+ &minus; 0 1 · Shift+矢印: 移動",
    "Every stage below, one after the other; every deliverable keeps its place.":
        "各ステージを下に順に並べています。どの成果物も同じ位置にあります。",
    "The stage's picture: drag to pan, wheel to zoom": "ステージの図: ドラッグで移動、ホイールで拡大縮小",
}

# the interactive viewer's own words (prep.embed.viewer: its script reads them from the page's settings)
VIEWER_JAPANESE = {
    "Search name or label  ( / )": "名前・ラベルで検索 ( / )",
    "Search deliverables": "成果物を検索",
    "Health colours": "ヘルスの色",
    "Stages up to": "表示するステージ",
    "Fit the whole picture (0)": "図の全体を表示 (0)",
    "Fit": "全体",
    "Back to the readable start (1)": "読める大きさの最初に戻る (1)",
    "Start": "最初",
    "drag: pan · wheel/pinch: zoom · arrows, + − · 0: fit · 1: start · Esc: clear":
        "ドラッグ: 移動 · ホイール/ピンチ: 拡大縮小 · 矢印, + − · 0: 全体 · 1: 最初 · Esc: 解除",
    "The diagram: drag to pan, wheel to zoom, click a deliverable":
        "図: ドラッグで移動、ホイールで拡大縮小、成果物をクリック",
    "Waiting for the first picture…": "最初の図を待っています…",
    "Search": "検索",
    "Findings": "指摘",
    "No findings.": "指摘はありません。",
    "prep: the picture could not be read": "prep: 図を読み込めませんでした",
    "why rule {code} matters": "ルール {code} が大切な理由",
    "the page of rule {code}": "ルール {code} の説明",
    "line ": "行 ",
    "Details": "詳細",
    "Click a deliverable, or search, to see it here.": "成果物をクリックするか検索すると、ここに表示されます。",
    "name": "名前",
    "kind": "種類",
    "label": "ラベル",
    "owners": "担当",
    "none named": "なし",
    "stage": "ステージ",
    ", from its inputs": " (入力から)",
    "exit of": "完了条件",
    "group": "グループ",
    "note": "注記",
    "deliverable": "成果物",
    "knowhow": "ノウハウ",
    "external": "外部",
    "final": "最終",
    "Inputs": "入力",
    "Feeds": "利用先",
    "Coordinates with": "相互に調整",
    "Its findings": "この成果物の指摘",
    "sync": "同期",
    "mutual": "相互同期",
    "{up} upstream (orange), {down} downstream (green)": "上流 {up} (橙)、下流 {down} (緑)",
    "no deliverable matches": "一致する成果物はありません",
    "none": "なし",
    "error": "エラー",
    "warning": "警告",
    "info": "情報",
    "hint: ": "ヒント: ",
    " Fix: ": " 対処: ",
    "{count} more": "ほか {count} 件",
    "live": "ライブ",
    "updating…": "更新中…",
    "disconnected: retrying…": "切断: 再接続中…",
    "error: the last good picture is shown": "エラー: 最後に描けた図を表示しています",
    "error: no picture until the model can be read": "エラー: モデルを読めるまで図はありません",
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


def japanese() -> bool:
    """Is the work under way in Japanese?"""
    return _language.get() == "ja"


def say(text: str) -> str:
    """`text` (one of prep's English words) in the language of the work under way."""
    return JAPANESE.get(text, text) if _language.get() == "ja" else text


def quoted(names, limit: int | None = None) -> str:
    """Names as a Japanese sentence lists them: 「a」、「b」、「c」, and with
    `limit` "ほか 2 件" for those left out (the findings' and the model
    errors' lists)."""
    names = list(names)
    shown = names if limit is None else names[:limit]
    return "、".join(f"「{n}」" for n in shown) + (f"ほか {len(names) - limit} 件" if len(names) > len(shown) else "")


def guessed(name: str) -> str:
    """A did-you-mean in Japanese: 「name」のことですか？ (the language
    server's quick fixes read it back)."""
    return f"「{name}」のことですか？"


def generated_by(version: str) -> str:
    """A report's last line."""
    return f"prep {version} で作成。" if japanese() else f"Generated by prep {version}."


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
