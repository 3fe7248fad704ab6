"""The catalogue's tables and columns, with their English and Japanese
names: what the export writes and what the import recognises.

A column is either *read* by the import (the client may edit it) or
*derived* (the export fills it in from the model and the import ignores
it: effective stage, consumers, findings, health, file:line).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    en: str
    ja: str
    aliases: tuple[str, ...] = ()
    derived: bool = False      # written by the export, ignored by the import
    width: int | None = None   # a fixed width (numbers), else fitted to the text


@dataclass(frozen=True)
class Table:
    key: str
    en: str        # sheet name, CSV file stem
    ja: str
    columns: tuple[Column, ...]
    derived: bool = False      # the whole table: written, never read

    def header(self, language: str) -> list[str]:
        return [getattr(c, language) for c in self.columns]

    def name(self, language: str) -> str:
        return getattr(self, language)


_LOCATION = Column("location", "file:line", "場所", ("location", "line", "行"), derived=True)
_FILE = Column("file", "file", "ファイル", derived=True)

DELIVERABLES = Table("deliverables", "Deliverables", "成果物", (
    Column("name", "name", "名前", ("成果物", "成果物名", "名称", "deliverable")),
    Column("label", "label", "表示名", ("ラベル", "display")),
    Column("kind", "kind", "種類", ("種別", "type")),
    Column("owners", "owners", "担当", ("owner", "担当者", "オーナー")),
    Column("group", "group", "グループ", ("部署",)),
    Column("stage", "stage", "段階", ("ステージ", "stage as declared")),
    Column("effective", "effective stage", "実際の段階", ("有効な段階",), derived=True),
    Column("external", "external", "外部"),
    Column("final", "final", "最終"),
    Column("note", "note", "備考", ("notes", "メモ", "注記")),
    Column("inputs", "inputs", "入力", ("input", "入力成果物")),
    Column("consumers", "consumers", "利用先", ("出力先", "used by"), derived=True),
    Column("synchronized", "synchronized with", "同期相手", ("sync", "同期"), derived=True),
    Column("findings", "findings", "指摘数", ("number of findings",), derived=True, width=9),
    Column("health", "health", "健全度", (), derived=True, width=8),
    _LOCATION,
    _FILE,
))

RELATIONS = Table("relations", "Relations", "関係", (
    Column("sources", "sources", "入力元", ("source", "from", "元")),
    Column("target", "target", "出力", ("to", "先", "出力成果物")),
    Column("kind", "kind", "種類", ("種別", "type", "arrow")),
    Column("owners", "owners", "担当", ("owner", "担当者", "オーナー")),
    Column("stage", "stage", "段階", ("ステージ",)),
    Column("note", "note", "備考", ("notes", "メモ", "注記")),
    _LOCATION,
    _FILE,
))

STAGES = Table("stages", "Stages", "段階", (
    Column("order", "order", "順序", ("順番", "no", "#"), width=7),
    Column("name", "name", "名前", ("段階", "名称", "stage")),
    Column("label", "label", "表示名", ("ラベル",)),
    Column("exit", "exit criteria", "完了条件", ("exit", "exits", "出口条件")),
    Column("note", "note", "備考", ("notes", "メモ", "定義")),
    _LOCATION,
    _FILE,
))

GROUPS = Table("groups", "Groups", "グループ", (
    Column("name", "name", "名前", ("グループ", "名称", "group")),
    Column("label", "label", "表示名", ("ラベル",)),
    Column("parent", "parent", "親グループ", ("親",)),
    Column("stage", "stage", "段階", ("ステージ",)),
    Column("colour", "colour", "色", ("color", "fill")),
    Column("note", "note", "備考", ("notes", "メモ")),
    _LOCATION,
    _FILE,
))

# issue 23: the KPIs, each on the deliverable it observes, with its target
# and the thresholds of the health colours as written (">= 60%")
MEASURES = Table("measures", "Measures", "指標", (
    Column("name", "name", "名前", ("指標", "名称", "measure", "kpi")),
    Column("label", "label", "表示名", ("ラベル",)),
    Column("of", "of", "対象", ("observed on", "measured", "対象成果物")),
    Column("from", "from", "データ元", ("source", "data from", "データ")),
    Column("target", "target", "目標", ("目標値",), width=10),
    Column("green", "green", "緑", (), width=10),
    Column("lime", "lime", "黄緑", (), width=10),
    Column("yellow", "yellow", "黄", (), width=10),
    Column("dear", "DEAR", "DEAR", ("category", "区分")),
    Column("owners", "owners", "担当", ("owner", "担当者", "オーナー")),
    Column("stage", "stage", "段階", ("effective stage",), derived=True),
    Column("note", "note", "備考", ("notes", "メモ", "注記")),
    _LOCATION,
    _FILE,
))

FINDINGS = Table("findings", "Findings", "指摘", (
    Column("code", "code", "コード"),
    Column("severity", "severity", "重大度"),
    Column("subject", "subject", "対象"),
    Column("message", "message", "メッセージ"),
    Column("hint", "hint", "ヒント"),
    _LOCATION,
    _FILE,
), derived=True)

RULES = Table("rules", "Rules", "ルール", (
    Column("code", "code", "コード"),
    Column("name", "name", "名前"),
    Column("severity", "severity", "重大度"),
    Column("summary", "summary", "概要"),
    Column("fix", "fix", "対処"),
    Column("page", "page", "ページ"),
), derived=True)

# in the order of the workbook's sheets
TABLES = (DELIVERABLES, RELATIONS, STAGES, GROUPS, MEASURES, FINDINGS, RULES)
LANGUAGES = ("en", "ja")

# cell values (the first of each is what the export writes)
KINDS = {"deliverable": ("deliverable", "成果物", "tangible", "有形"),
         "knowhow": ("knowhow", "ノウハウ", "know-how", "intangible", "無形")}
KIND_JA = {"deliverable": "成果物", "knowhow": "ノウハウ"}
# the kind of a deliverable the model only names in relations and never
# declares (lint: undeclared): the import keeps it undeclared
UNDECLARED = "undeclared"
UNDECLARED_JA = "未宣言"
# (→ and ⇒, ↔ and ⇔: what Excel's and LibreOffice's AutoCorrect make of
# "-->", "==>", "<-->" and "<=>" typed into a cell)
RELATION_KINDS = {"input": ("input", "->", "入出力", "入力", "→", "⇒"),
                  "sync": ("sync", "~>", "同期"),
                  "mutual": ("mutual", "<~>", "相互", "相互同期", "↔", "⇔")}
RELATION_KIND_JA = {"input": "入出力", "sync": "同期", "mutual": "相互"}
YES = ("yes", "y", "true", "1", "x", "○", "◯", "✓", "✔", "はい", "有")
NO = ("no", "n", "false", "0", "-", "×", "いいえ", "無")
YES_JA = "はい"


def fold(text: str) -> str:
    """A header, sheet or value as compared: width, case and spacing ignored."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().replace("_", " ").split())


def _index() -> tuple[dict, dict]:
    tables: dict[str, Table] = {}
    columns: dict[str, dict[str, Column]] = {}
    for t in TABLES:
        tables[fold(t.en)] = tables[fold(t.ja)] = t
        names: dict[str, Column] = {}
        for c in t.columns:
            for n in (c.key, c.en, c.ja, *c.aliases):
                names.setdefault(fold(n), c)
        columns[t.key] = names
    return tables, columns


TABLE_BY_NAME, COLUMN_BY_NAME = _index()


def value_table(values: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {fold(v): key for key, spellings in values.items() for v in spellings}


KIND_BY_NAME = value_table({**KINDS, UNDECLARED: (UNDECLARED, UNDECLARED_JA)})
RELATION_KIND_BY_NAME = value_table(RELATION_KINDS)
FLAG_BY_NAME = {**{fold(v): True for v in YES}, **{fold(v): False for v in NO}}
