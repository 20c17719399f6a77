"""Compare two versions of one disclosure as computed documents, not as files.

`diff_workbooks(old, new)` runs the pipeline on both workbooks and compares what the
documents say:

- every table cell, keyed by (table, row key, column) where the row key is the row's
  code and label (``2010301 行政运行``) — a row that appears or disappears is one change;
- every sentence of 第一部分, 第三部分 and 第四部分, aligned within its section by its
  wording skeleton and by the figure it describes, so one changed amount is one changed
  sentence, not a shifted paragraph;
- every cell of each 项目支出绩效目标表 (by project, indicator and field);
- the document's other scalar facts (title, date, signature).

Each change is explained by the input changes behind it. The inputs of the two versions
are compared row by row (line items, 上年对比 rows, projects, indicators, facts …); each
input change is then applied alone to the old inputs and the document recomputed, and a
document change is attributed to every input change that reproduces it. Nothing is
hand-coded per table: a cell is traced to the line items that the ledger groupings
actually summed into it. `trace_cells` gives the same traceability for a single version.

The report also lists every 上年对比 reason whose figure moved between the versions
(stale reasons) and the headline figures old → new. Renderers (xlsx, html, json, redline)
only lay this report out.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, computed_field

from generator import formatting as fmt
from generator.catalog import Catalog, load_catalog
from generator.catalog.store import SHIPPED_ONLY, CatalogSource
from generator.compute import compute_disclosure
from generator.compute import ledger as L
from generator.compute.comparisons import normalise_key
from generator.compute.narrative import CN_NUMBERS, operating_cost
from generator.inputs import Inputs, LineItem
from generator.model import Disclosure, Paragraph, PerformanceTable, Table
from generator.pipeline import Result, run
from generator.workbook import schema

ZERO = Decimal("0.00")
# Above this many input changes the one-at-a-time attribution is skipped (a new year, not a revision).
MAX_ATTRIBUTED_INPUT_CHANGES = 400

# Column labels of each table kind (compute.tables.KINDS), for the revision report's locations.
COLUMN_LABELS: dict[str, dict[int, str]] = {
    "收支总表": {1: "收入预算数", 3: "支出预算数"},
    "收入总表": {
        4: "总计",
        5: "财政拨款(补助)小计",
        6: "一般公共预算",
        7: "上级一般公共预算安排的转移支付",
        8: "政府性基金预算",
        9: "上级政府性基金安排的转移支付",
        10: "国有资本经营预算",
        11: "上级国有资本经营预算安排的转移支付",
        12: "财政专户（教育收费）",
        13: "单位资金",
        14: "财政拨款结转",
        15: "非财政拨款结转结余",
    },
    "支出总表": {4: "合计", 5: "基本支出", 6: "项目支出"},
    "财政拨款收支总表": {1: "财政拨款收入", 3: "合计", 4: "一般公共预算", 5: "政府性基金预算", 6: "国有资本经营预算"},
    "一般公共预算支出": {4: "合计", 5: "基本支出", 6: "项目支出"},
    "一般公共预算基本支出": {3: "合计", 4: "人员经费", 5: "公用经费"},
    "一般公共预算项目支出": {
        5: "项目支出合计",
        6: "工资福利支出",
        7: "商品和服务支出",
        8: "对个人和家庭的补助",
        9: "债务利息及费用支出",
        10: "资本性支出（基本建设）",
        11: "资本性支出",
        12: "对企业补助（基本建设）",
        13: "对企业补助",
        14: "对社会保障基金补助",
        15: "其他支出",
    },
    "政府性基金支出": {4: "合计", 5: "基本支出", 6: "项目支出"},
    "国有资本经营支出": {4: "合计", 5: "基本支出", 6: "项目支出"},
    "三公经费": {1: "合计", 2: "一般公共预算", 3: "政府性基金", 4: "国有资本经营预算"},
}
# 项目支出绩效目标表 field labels (the template's row/column headers); unknown fields show their name.
PERFORMANCE_LABELS = {
    "unit": "预算单位",
    "project": "项目名称",
    "manager": "项目负责人",
    "total": "年度预算总额",
    "fiscal": "其中：财政拨款",
    "other": "其他资金",
    "goal": "项目总体目标",
    "level1": "一级指标",
    "level2": "二级指标",
    "level3": "三级指标",
    "value": "指标值",
    "basis": "指标值设置依据",
    "last_value": "上年完成值",
    "weight": "指标分值权重",
    "scoring": "指标赋分规则",
    "evidence": "佐证资料",
}
DOCUMENT_LABELS = {
    "unit_name": "单位全称",
    "short_name": "单位简称",
    "year": "预算年度",
    "title": "标题",
    "signature": "落款",
    "date": "落款日期",
    "part1.heading": "第一部分标题",
    "part2.heading": "第二部分标题",
    "part3.heading": "第三部分标题",
    "part4.heading": "第四部分标题",
}
# Model fields that are layout, not content.
_LAYOUT_FIELDS = frozenset({"style", "level1_span", "level2_span", "anchor", "landscape", "columns", "number"})

ChangeKind = Literal["table", "text", "performance", "document"]
Action = Literal["modified", "added", "removed"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Headline(_Model):
    """One headline figure of the disclosure, old → new."""

    name: str
    old: Decimal
    new: Decimal

    @computed_field  # type: ignore[prop-decorator]
    @property
    def delta(self) -> Decimal:
        return self.new - self.old


class InputChange(_Model):
    """One changed row or field of the workbook, located in the new (or, if removed, the old) workbook."""

    id: int
    sheet: str
    cell: str | None  # "H14"; for a removed row, the old workbook's cell
    action: Action
    what: str  # Chinese: the row's identity, e.g. "2010301/30201 基本支出 一般公共预算拨款（一般财力）"
    field: str  # Chinese column/field label
    old: str
    new: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def location(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet


class Change(_Model):
    """One change of the computed document."""

    kind: ChangeKind
    action: Action
    part: str  # "第二部分", "第三部分", …
    location: str  # Chinese, e.g. "表5 2010301 行政运行 / 合计", "第三部分 五（三）3"
    key: tuple[str, ...]  # stable identity (for tests and machines)
    old: str  # as the document shows it ("" when added)
    new: str
    old_value: Decimal | None = None
    new_value: Decimal | None = None
    causes: tuple[int, ...] = ()  # InputChange ids

    @computed_field  # type: ignore[prop-decorator]
    @property
    def delta(self) -> Decimal | None:
        if self.old_value is None or self.new_value is None:
            return None
        return self.new_value - self.old_value


class StaleReason(_Model):
    """A 上年对比 reason whose figure changed between the versions: the officer must reread it."""

    key: str  # canonical 比较项目 key
    cell: str | None  # 上年对比!C{row} in the new workbook
    old_current: Decimal
    new_current: Decimal
    prior: Decimal | None
    reason: str
    reason_rewritten: bool  # the reason text differs between the versions
    old_direction: str  # 增加/减少/持平/新增/未安排
    new_direction: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def flipped(self) -> bool:
        return self.old_direction != self.new_direction


class TocMove(_Model):
    """A 目录 entry whose page number differs between the two documents as laid out for print
    (filled in by the redline, which paginates both: the text before it grew or shrank)."""

    entry: str  # the 目录 line, e.g. "表5 一般公共预算支出情况表"
    old_page: int | None  # None: the entry is only in the other version
    new_page: int | None


class DiffReport(_Model):
    old_file: str
    new_file: str
    title: str  # the new document's file stem
    headlines: list[Headline]
    changes: list[Change]
    input_changes: list[InputChange]
    stale_reasons: list[StaleReason]
    attributed: bool = True  # False when there were too many input changes to attribute one by one
    old_errors: list[str] = []  # located errors of each workbook ("上年对比!C29：…"): fix before building
    new_errors: list[str] = []
    toc_moves: list[TocMove] = []  # 目录 page numbers that moved (set when the redline was paginated)

    @property
    def empty(self) -> bool:
        return not self.changes and not self.input_changes

    def causes_of(self, change: Change) -> list[InputChange]:
        by_id = {c.id: c for c in self.input_changes}
        return [by_id[i] for i in change.causes]


class WorkbookHasErrors(Exception):
    """One of the two workbooks cannot be computed at all; `result` holds its located issues.

    Errors that still leave a computed document (a reason to rewrite, a 核对数 that no longer
    matches) do not stop a comparison: a revision is compared exactly when such errors appear.
    They are listed in the report instead.
    """

    def __init__(self, result: Result) -> None:
        super().__init__(f"{result.path.name}: workbook has errors")
        self.result = result


# --- document facts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """A keyed leaf of the document: one table cell, 绩效目标表 cell or scalar."""

    kind: ChangeKind
    part: str
    key: tuple[str, ...]
    location: str
    text: str
    value: Decimal | None
    group: tuple[str, ...]  # the row it belongs to (a row appearing or disappearing is one change)
    group_label: str


@dataclass(frozen=True)
class Sentence:
    text: str
    location: str


@dataclass
class Facts:
    keyed: dict[tuple[str, ...], Fact]
    texts: dict[tuple[str, ...], tuple[str, list[Sentence]]]  # container -> (label, sentences)


def _squash(text: str) -> str:
    """Drop the spacing inside CJK labels (`合  计` → `合计`), collapse other whitespace."""
    text = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff（）])", "", text.strip())
    return re.sub(r"\s+", " ", text)


def _segments(cells: list) -> Iterator[tuple[list[str], list[tuple[int, Decimal | None]]]]:
    """Split a row into label runs each followed by its value cells (表1/表4 have two halves)."""
    labels: list[str] = []
    values: list[tuple[int, Decimal | None]] = []
    for n, cell in enumerate(cells):
        if isinstance(cell, str):
            if values:
                yield labels, values
                labels, values = [], []
            labels.append(cell)
        else:
            values.append((n, cell))
    if labels or values:
        yield labels, values


def row_key(labels: list[str]) -> str:
    """`2010301 行政运行` from ["201", "03", "01", "行政运行"]; `合计` from ["", "", "", "合  计"]."""
    codes = "".join(s.strip() for s in labels if s.strip().isdigit())
    words = " ".join(_squash(s) for s in labels if s.strip() and not s.strip().isdigit())
    return " ".join(p for p in (codes, words) if p)


def table_facts(table: Table) -> Iterator[Fact]:
    seen: Counter[tuple[str, int]] = Counter()
    columns = COLUMN_LABELS.get(table.kind, {})
    for row in table.rows:
        for labels, values in _segments(list(row.cells)):
            key = row_key(labels)
            if not key and all(v is None for _, v in values):
                continue  # blank padding
            first_col = values[0][0] if values else 0
            seen[(key, first_col)] += 1
            if seen[(key, first_col)] > 1:
                key = f"{key}#{seen[(key, first_col)]}"
            group = ("table", table.label, key, str(first_col))
            for col, value in values:
                col_label = columns.get(col, f"第{col + 1}列")
                yield Fact(
                    kind="table",
                    part="第二部分",
                    key=("table", table.label, key, str(col)),
                    location=f"{table.label} {key} / {col_label}",
                    text=fmt.table_cell(value),
                    value=value,
                    group=group,
                    group_label=f"{table.label} {key}",
                )


def _scalar_text(value: object) -> str:
    if isinstance(value, Decimal):
        return fmt.amount(value)
    return "" if value is None else str(value)


def _scalar_fields(model: BaseModel) -> Iterator[tuple[str, object]]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        if name in _LAYOUT_FIELDS or isinstance(value, (list, tuple, dict, BaseModel)):
            continue
        yield name, value


def performance_facts(tables: list[PerformanceTable]) -> Iterator[Fact]:
    seen_projects: Counter[str] = Counter()
    for table in tables:
        seen_projects[table.project] += 1
        project = (
            table.project if seen_projects[table.project] == 1 else f"{table.project}#{seen_projects[table.project]}"
        )
        head = ("performance", project, "")
        for name, value in _scalar_fields(table):
            if name in ("title", "year_line"):
                continue
            yield Fact(
                kind="performance",
                part="第三部分",
                key=("performance", project, "", name),
                location=f"绩效目标表 {project} / {PERFORMANCE_LABELS.get(name, name)}",
                text=_scalar_text(value),
                value=value if isinstance(value, Decimal) else None,
                group=head,
                group_label=f"绩效目标表 {project}",
            )
        seen_rows: Counter[str] = Counter()
        for row in getattr(table, "rows", []):
            fields = dict(_scalar_fields(row))
            ident = "/".join(str(fields[k]) for k in fields if k.startswith("level")) or str(len(seen_rows))
            seen_rows[ident] += 1
            if seen_rows[ident] > 1:
                ident = f"{ident}#{seen_rows[ident]}"
            for name, value in fields.items():
                if name.startswith("level"):
                    continue
                yield Fact(
                    kind="performance",
                    part="第三部分",
                    key=("performance", project, ident, name),
                    location=f"绩效目标表 {project} {ident} / {PERFORMANCE_LABELS.get(name, name)}",
                    text=_scalar_text(value),
                    value=value if isinstance(value, Decimal) else None,
                    group=("performance", project, ident),
                    group_label=f"绩效目标表 {project} {ident}",
                )


def split_sentences(text: str) -> list[str]:
    """Sentences ending in 。 or ；(kept); a trailing fragment is a sentence too."""
    return [s for s in re.findall(r"[^。；]*[。；]|[^。；]+$", text) if s.strip()]


def _paragraph_sentences(paragraphs: Iterable[Paragraph], where: str) -> list[Sentence]:
    out = []
    for n, p in enumerate(paragraphs, start=1):
        m = re.match(r"^(\d+)\.", p.text)
        label = f"{where}{m.group(1)}" if m else f"{where}第{n}段"
        parts = split_sentences(p.text)
        for k, s in enumerate(parts, start=1):
            out.append(Sentence(s, label if len(parts) == 1 else f"{label}第{k}句"))
    return out


def _section_number(heading: str) -> str:
    m = re.match(r"^([一二三四五六七八九十]+)、", heading)
    return m.group(1) if m else heading


def text_containers(d: Disclosure) -> dict[tuple[str, ...], tuple[str, list[Sentence]]]:
    """Sentence lists by container (part, section, subsection); headings are sentences of their container."""
    out: dict[tuple[str, ...], tuple[str, list[Sentence]]] = {}

    def add(key: tuple[str, ...], label: str, sentences: list[Sentence]) -> None:
        out[key] = (label, sentences)

    add(("doc", "目录"), "目录", [Sentence(e.text, "目录") for e in d.toc])
    add(("part1", "functions"), "第一部分 一、主要职能", _paragraph_sentences(d.functions, "第一部分 一、"))
    organization = [*d.organization, *([d.staff] if d.staff else [])]
    add(
        ("part1", "organization"),
        "第一部分 二、机构设置及人员情况",
        _paragraph_sentences(organization, "第一部分 二、"),
    )
    for number, section in enumerate(d.sections, start=1):
        cn = _section_number(section.heading) if section.heading else CN_NUMBERS[number - 1]
        where = f"第三部分 {cn}、"
        heading = [Sentence(section.heading, f"第三部分 {cn}、标题")]
        add(("part3", cn), f"第三部分 {cn}", heading + _paragraph_sentences(section.paragraphs, where))
        for sub in section.subsections:
            m = re.match(r"^(（[一二三四五六七八九十]+）)", sub.heading)
            sub_no = m.group(1) if m else sub.heading
            sub_where = f"第三部分 {cn}{sub_no}"
            sentences = [Sentence(sub.heading, f"{sub_where}标题"), *_paragraph_sentences(sub.paragraphs, sub_where)]
            add(("part3", cn, sub_no), sub_where, sentences)
    add(("part4", "glossary"), "第四部分 名词解释", _paragraph_sentences(d.glossary, "第四部分 "))
    # Paragraphs the model gains later are compared too, each field as a section of its own.
    for name in type(d).model_fields:
        if name in _WALKED:
            continue
        value = getattr(d, name)
        if isinstance(value, Paragraph):
            value = [value]
        if isinstance(value, list) and value and all(isinstance(v, Paragraph) for v in value):
            add(("doc", name), name, _paragraph_sentences(value, f"{name} "))
    return out


# Disclosure fields walked explicitly above or in `document_facts`; any other field is walked generically.
_WALKED = frozenset(
    {"toc", "parts", "functions", "organization", "staff", "sections", "glossary", "tables", "performance_tables"}
)


def document_facts(d: Disclosure) -> Facts:
    keyed: dict[tuple[str, ...], Fact] = {}
    for table in d.tables:
        for fact in table_facts(table):
            keyed[fact.key] = fact
        key = ("table", table.label, "说明", "")
        label = f"{table.label} 空表说明"
        keyed[key] = Fact("table", "第二部分", key, label, table.empty_note or "", None, key, label)
    for fact in performance_facts(d.performance_tables):
        keyed[fact.key] = fact
    for part in d.parts:  # the part headings, keyed as the fixed part1…part4 fields were
        key = ("document", part.anchor, "heading")
        label = DOCUMENT_LABELS.get(f"{part.anchor}.heading", f"{part.anchor}.heading")
        keyed[key] = Fact("document", "封面及落款", key, label, part.heading, None, key, label)
    for name, value in _scalar_fields(d):
        if name in ("file_stem", "prior_year"):
            continue
        key = ("document", name)
        label = DOCUMENT_LABELS.get(name, name)
        keyed[key] = Fact("document", "封面及落款", key, label, _scalar_text(value), None, key, label)
    # Other structured fields (the part headings, anything the model gains later): their scalar fields.
    for name in type(d).model_fields:
        value = getattr(d, name)
        if name in _WALKED or not isinstance(value, BaseModel) or isinstance(value, Paragraph):
            continue
        for field_name, field_value in _scalar_fields(value):
            key = ("document", name, field_name)
            label = DOCUMENT_LABELS.get(f"{name}.{field_name}", f"{name}.{field_name}")
            keyed[key] = Fact("document", "封面及落款", key, label, _scalar_text(field_value), None, key, label)
    return Facts(keyed, text_containers(d))


# --- aligning and comparing ----------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def skeleton(text: str) -> str:
    """Wording without figures or list numbers: what a sentence says, not how much."""
    return _NUMBER.sub("#", re.sub(r"^\d+\.", "", text))


def subject(text: str) -> str:
    """What a sentence is about: its words before the first figure (years do not count as figures)."""
    t = re.sub(r"^\d+\.", "", text)
    t = re.sub(r"\d{4}年", "Y年", t)
    m = _NUMBER.search(t)
    return t[: m.start()] if m else t


def align(old: list[str], new: list[str]) -> list[tuple[int | None, int | None]]:
    """Pairs (old index, new index); None on one side for an added or removed sentence.

    Sentences align by their skeleton; in a replaced run, by their subject, then by
    position when both sides have the same number left over.
    """
    pairs: list[tuple[int | None, int | None]] = []
    matcher = difflib.SequenceMatcher(a=[skeleton(s) for s in old], b=[skeleton(s) for s in new], autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            pairs += list(zip(range(a0, a1), range(b0, b1), strict=True))
            continue
        left = list(range(a0, a1))
        right = list(range(b0, b1))
        matched: dict[int, int] = {}
        by_subject: dict[str, list[int]] = defaultdict(list)
        for j in right:
            by_subject[subject(new[j])].append(j)
        for i in left:
            candidates = by_subject.get(subject(old[i]))
            if candidates and subject(old[i]).strip():
                matched[i] = candidates.pop(0)
        rest_left = [i for i in left if i not in matched]
        rest_right = [j for j in right if j not in matched.values()]
        if len(rest_left) == len(rest_right):
            matched.update(zip(rest_left, rest_right, strict=True))
        pairs += monotone_pairs(left, right, matched)
    return pairs


def monotone_pairs(left: list[int], right: list[int], matched: dict[int, int]) -> list[tuple[int | None, int | None]]:
    """Merge two runs into one sequence, keeping the largest set of `matched` pairs that do not cross.

    Pairs that cross (a sentence or table that moved) become a removal and an insertion, so
    the old run reads in old order and the new run in new order (what a redline must keep).
    Removed items come before the item that follows them in the old run.
    """
    candidates = sorted((j, i) for i, j in matched.items())
    best: list[list[tuple[int, int]]] = []  # best[k]: longest increasing chain ending at candidates[k]
    for k, (j, i) in enumerate(candidates):
        chain: list[tuple[int, int]] = []
        for m in range(k):
            if candidates[m][1] < i and len(best[m]) > len(chain):
                chain = best[m]
        best.append([*chain, (j, i)])
    keep = max(best, key=len, default=[])
    inverse = {j: i for j, i in keep}
    out: list[tuple[int | None, int | None]] = []
    position = 0
    for j in right:
        i = inverse.get(j)
        if i is None:
            out.append((None, j))
            continue
        while left[position] != i:
            out.append((left[position], None))
            position += 1
        out.append((i, j))
        position += 1
    out += [(i, None) for i in left[position:]]
    return out


@dataclass(frozen=True)
class RawChange:
    kind: ChangeKind
    action: Action
    part: str
    location: str
    key: tuple[str, ...]
    old: str
    new: str
    old_value: Decimal | None
    new_value: Decimal | None
    ident: tuple  # how this change is recognised when reproduced from one input change
    region: tuple  # its table row or text section
    whole_row: bool = False  # a whole table row (key = its group) that appeared or disappeared


def _part_of(container: tuple[str, ...]) -> str:
    return {"part1": "第一部分", "part3": "第三部分", "part4": "第四部分"}.get(container[0], "目录")


def compare_facts(old: Facts, new: Facts) -> list[RawChange]:
    changes: list[RawChange] = []
    old_groups = {f.group for f in old.keyed.values()}
    new_groups = {f.group for f in new.keyed.values()}
    done_groups: set[tuple[str, ...]] = set()
    order = list(new.keyed) + [k for k in old.keyed if k not in new.keyed]
    for key in order:
        a, b = old.keyed.get(key), new.keyed.get(key)
        fact = b or a
        assert fact is not None
        if fact.group not in old_groups or fact.group not in new_groups:
            # a whole row appeared or disappeared: one change for the row
            if fact.group in done_groups:
                continue
            done_groups.add(fact.group)
            side = new if b is not None else old
            members = [f for f in side.keyed.values() if f.group == fact.group]
            text = "；".join(f"{f.location.split(' / ')[-1]} {f.text}" for f in members if f.text)
            total = members[0].value if members and members[0].kind == "table" else None
            added = b is not None
            changes.append(
                RawChange(
                    fact.kind,
                    "added" if added else "removed",
                    fact.part,
                    fact.group_label,
                    fact.group,
                    "" if added else text,
                    text if added else "",
                    None if added else total,
                    total if added else None,
                    ("keyed", fact.group),
                    ("keyed", fact.group),
                    whole_row=True,
                )
            )
            continue
        if a is not None and b is not None and a.text == b.text:
            continue
        changes.append(
            RawChange(
                fact.kind,
                "modified" if a is not None and b is not None else ("added" if b is not None else "removed"),
                fact.part,
                fact.location,
                key,
                a.text if a else "",
                b.text if b else "",
                a.value if a else None,
                b.value if b else None,
                ("keyed", key),
                ("keyed", fact.group),
            )
        )
    containers = list(new.texts) + [k for k in old.texts if k not in new.texts]
    for container in containers:
        _, old_sentences = old.texts.get(container, ("", []))
        _, new_sentences = new.texts.get(container, ("", []))
        for i, j in align([s.text for s in old_sentences], [s.text for s in new_sentences]):
            a = old_sentences[i] if i is not None else None
            b = new_sentences[j] if j is not None else None
            if a is not None and b is not None and a.text == b.text:
                continue
            where = (b or a).location  # type: ignore[union-attr]
            action: Action = "modified" if a and b else ("added" if b else "removed")
            ident = ("text", container, i) if i is not None else ("text", container, "+", skeleton(b.text))  # type: ignore[union-attr]
            changes.append(
                RawChange(
                    "text",
                    action,
                    _part_of(container),
                    where,
                    (*container, str(i if i is not None else f"+{j}")),
                    a.text if a else "",
                    b.text if b else "",
                    None,
                    None,
                    ident,
                    ("text", container),
                )
            )
    return changes


# --- input changes -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Edit:
    """An input change and how to apply it alone to the old inputs."""

    change: InputChange
    sheet_attr: str  # Inputs attribute: list name, or "info"/"facts"
    old_obj: object | None
    new_obj: object | None
    field_name: str | None = None


_ITEM_IDENT = ("unit", "func_code", "econ_code", "kind", "project", "source")


def _item_label(i: LineItem) -> str:
    parts = [i.func_code, i.econ_code, i.kind.value, i.project or "", i.source.value]
    return " ".join(p for p in parts if p)


def _column_header(sheet: str, key: str) -> str:
    for col in schema.ALL_LIST_SHEETS.get(sheet, ()):
        if col.key == key:
            return col.header
    return key


def _column_letter(sheet: str, key: str) -> str | None:
    try:
        return schema.column_letter(sheet, key)
    except (KeyError, ValueError, StopIteration):
        return None


def _value_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return fmt.amount(value)
    if hasattr(value, "value"):
        return str(value.value)  # enums
    return str(value)


# List sheets: Inputs attribute, sheet, identity of a row, label of the row.
_LIST_SHEETS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("items", schema.SHEET_ITEMS, _ITEM_IDENT),
    ("projects", schema.SHEET_PROJECTS, ("name",)),
    ("indicators", schema.SHEET_INDICATORS, ("project", "level1", "level2", "level3")),
    ("priors", schema.SHEET_PRIOR, ("key",)),
    ("uses", schema.SHEET_USES, ("class_code",)),
    ("glossary", schema.SHEET_GLOSSARY, ("term",)),
    ("extra_codes", schema.SHEET_EXTRA_CODES, ("code_type", "code")),
    # a 决算 workbook's own sheets (empty in a 预算 workbook)
    ("final_income", schema.SHEET_FINAL_INCOME, ("func_code", "income_type")),
    ("final_reasons", schema.SHEET_FINAL_REASONS, ("key",)),
    ("final_priors", schema.SHEET_FINAL_PRIOR, ("key",)),
    ("final_carry", schema.SHEET_FINAL_CARRY, ("fund", "func_code")),
)


def _ident(obj: BaseModel, fields: tuple[str, ...], attr: str) -> tuple:
    values = tuple(_value_text(getattr(obj, f, None)) for f in fields)
    if attr == "priors":
        key = normalise_key(str(getattr(obj, "key", "")))
        return (key or values[0],)
    return values


def _keyed_rows(rows: list, fields: tuple[str, ...], attr: str) -> dict[tuple, BaseModel]:
    out: dict[tuple, BaseModel] = {}
    seen: Counter[tuple] = Counter()
    for row in sorted(rows, key=lambda r: getattr(r, "row", 0)):
        ident = _ident(row, fields, attr)
        seen[ident] += 1
        out[(*ident, seen[ident])] = row
    return out


def _row_label(attr: str, obj: BaseModel, ident: tuple) -> str:
    if attr == "items":
        return _item_label(obj)  # type: ignore[arg-type]
    return " / ".join(str(v) for v in ident[:-1] if v)


def input_edits(old: Inputs, new: Inputs) -> list[_Edit]:
    edits: list[_Edit] = []

    def add(sheet: str, cell: str | None, action: Action, what: str, field: str, a: object, b: object, **kw) -> None:
        change = InputChange(
            id=len(edits) + 1,
            sheet=sheet,
            cell=cell,
            action=action,
            what=what,
            field=field,
            old=_value_text(a) if action != "added" else "",
            new=_value_text(b) if action != "removed" else "",
        )
        edits.append(_Edit(change, **kw))

    for attr, sheet in (("info", schema.SHEET_INFO), ("facts", schema.SHEET_FACTS), ("final", schema.SHEET_FINAL)):
        a_model, b_model = getattr(old, attr), getattr(new, attr)
        if a_model is None or b_model is None:  # 决算情况: only when both are 决算 workbooks
            continue
        labels = {f.key: f.label for f in schema.ALL_KV_SHEETS[sheet]}
        for name in type(a_model).model_fields:
            a, b = getattr(a_model, name), getattr(b_model, name, None)
            if a != b:
                cell = new.kv_cells.get(sheet, {}).get(name) or old.kv_cells.get(sheet, {}).get(name)
                label = labels.get(name, name)
                add(sheet, cell, "modified", label, label, a, b, sheet_attr=attr, old_obj=a, new_obj=b, field_name=name)
    if old.units != new.units:
        add(
            schema.SHEET_UNITS,
            None,
            "modified",
            "预算单位",
            "预算单位名称",
            "、".join(old.units),
            "、".join(new.units),
            sheet_attr="units",
            old_obj=old.units,
            new_obj=new.units,
        )
    for attr, sheet, fields in _LIST_SHEETS:
        a_rows = _keyed_rows(getattr(old, attr), fields, attr)
        b_rows = _keyed_rows(getattr(new, attr), fields, attr)
        for ident in list(b_rows) + [k for k in a_rows if k not in b_rows]:
            a, b = a_rows.get(ident), b_rows.get(ident)
            what = _row_label(attr, (b or a), ident)  # type: ignore[arg-type]
            if a is None or b is None:
                obj = b or a
                assert obj is not None
                main = "amount" if attr == "items" else fields[-1]
                value = getattr(obj, main, None)
                letter = _column_letter(sheet, main)
                add(
                    sheet,
                    f"{letter}{obj.row}" if letter else f"A{obj.row}",  # type: ignore[attr-defined]
                    "added" if b is not None else "removed",
                    what,
                    _column_header(sheet, main),
                    value,
                    value,
                    sheet_attr=attr,
                    old_obj=a,
                    new_obj=b,
                )
                continue
            for name in type(a).model_fields:
                if name == "row" or (name in fields and attr != "priors"):
                    continue
                va, vb = getattr(a, name), getattr(b, name, None)
                if name == "key":
                    continue
                if va != vb:
                    letter = _column_letter(sheet, name)
                    add(
                        sheet,
                        f"{letter}{b.row}" if letter else f"A{b.row}",  # type: ignore[attr-defined]
                        "modified",
                        what,
                        _column_header(sheet, name),
                        va,
                        vb,
                        sheet_attr=attr,
                        old_obj=a,
                        new_obj=b,
                        field_name=name,
                    )
    return edits


def apply_edit(inputs: Inputs, edit: _Edit) -> Inputs:
    """The old inputs with this one change applied."""
    attr = edit.sheet_attr
    if attr in ("info", "facts", "final"):
        model = getattr(inputs, attr)
        return inputs.model_copy(update={attr: model.model_copy(update={edit.field_name: edit.new_obj})})
    if attr == "units":
        return inputs.model_copy(update={"units": edit.new_obj})
    rows = list(getattr(inputs, attr))
    if edit.old_obj is not None:
        index = next(n for n, r in enumerate(rows) if r is edit.old_obj)
        if edit.new_obj is None:
            del rows[index]
        elif edit.field_name is not None:
            rows[index] = rows[index].model_copy(update={edit.field_name: getattr(edit.new_obj, edit.field_name)})
        else:
            rows[index] = edit.new_obj
    else:
        rows.append(edit.new_obj)
    return inputs.model_copy(update={attr: rows})


# --- headline figures and stale reasons ------------------------------------------------------------------------


def headline_figures(inputs: Inputs) -> list[tuple[str, Decimal]]:
    from generator.compute.final import spent

    items = spent(inputs.items) if inputs.final is not None else inputs.items  # a 决算's figures are as spent
    fiscal = L.select(items, L.by_sources(L.FISCAL_CURRENT))
    sangong = L.SANGONG_ABROAD | L.SANGONG_RECEPTION | L.SANGONG_VEHICLE_BUY | L.SANGONG_VEHICLE_RUN
    return [
        ("收支总计", L.total(items)),
        ("财政拨款", L.total(fiscal)),
        ("一般公共预算拨款", L.total(items, L.by_sources(L.GPB))),
        ("基本支出", L.total(items, L.basic)),
        ("项目支出", L.total(items, L.project)),
        ("“三公”经费", L.total(fiscal, L.econ_in(sangong))),
        ("机关运行经费", operating_cost(items)),
    ]


def direction(current: Decimal, prior: Decimal | None) -> str:
    if prior is None:
        return "未填上年数"
    if current == 0 and prior == 0:
        return "未安排"
    if current == prior:
        return "持平"
    if prior == 0:
        return "新增"
    return "增加" if current > prior else "减少"


def stale_reasons(old: Result, new: Result) -> list[StaleReason]:
    """Every reason of the new workbook whose figure (this year's amount) moved since the old version."""
    assert old.book is not None and new.book is not None and old.inputs is not None and new.inputs is not None
    old_current = {r.key: r.current for r in old.book.needed}
    old_rows = {normalise_key(p.key): p for p in old.inputs.priors}
    out: list[StaleReason] = []
    seen: set[str] = set()
    for needed in new.book.needed:
        if needed.key in seen or needed.key not in old_current:
            continue
        seen.add(needed.key)
        row = next((p for p in new.inputs.priors if normalise_key(p.key) == needed.key), None)
        if row is None or not (row.reason or "").strip():
            continue
        before, after = old_current[needed.key], needed.current
        if before == after:
            continue
        old_row = old_rows.get(needed.key)
        old_prior = old_row.prior if old_row else row.prior
        out.append(
            StaleReason(
                key=needed.key,
                cell=row.cell(schema.SHEET_PRIOR, "reason"),
                old_current=before,
                new_current=after,
                prior=row.prior,
                reason=row.reason.strip(),  # type: ignore[union-attr]
                reason_rewritten=(old_row.reason or "").strip() != row.reason.strip() if old_row else True,  # type: ignore[union-attr]
                old_direction=direction(before, old_prior),
                new_direction=direction(after, row.prior),
            )
        )
    return out


# --- the diff ------------------------------------------------------------------------------------------------


def _computed(path: Path, catalogs: CatalogSource) -> Result:
    result = run(path, catalogs)
    if result.inputs is None or result.disclosure is None or result.book is None:
        raise WorkbookHasErrors(result)
    return result


def _errors(result: Result) -> list[str]:
    return [f"{i.location}：{i.message}" if i.location else i.message for i in result.issues if i.is_error]


def diff_workbooks(old: Path, new: Path, catalogs: CatalogSource = SHIPPED_ONLY) -> DiffReport:
    """Compute both workbooks and compare the documents. Raises `WorkbookHasErrors` if either cannot be computed."""
    return compare_workbooks(old, new, catalogs)[0]


def compare_workbooks(
    old: Path, new: Path, catalogs: CatalogSource = SHIPPED_ONLY
) -> tuple[DiffReport, Result, Result]:
    """`diff_workbooks` plus both pipeline results (the redline renders both documents)."""
    a, b = _computed(Path(old), catalogs), _computed(Path(new), catalogs)
    return diff_results(a, b), a, b


def diff_results(old: Result, new: Result) -> DiffReport:
    assert old.inputs is not None and new.inputs is not None
    assert old.disclosure is not None and new.disclosure is not None
    old_facts, new_facts = document_facts(old.disclosure), document_facts(new.disclosure)
    raw = compare_facts(old_facts, new_facts)
    edits = input_edits(old.inputs, new.inputs)
    attributed = len(edits) <= MAX_ATTRIBUTED_INPUT_CHANGES
    causes = _causes(old, new, raw, edits, old_facts, new_facts) if raw and attributed else {}
    changes = [
        Change(
            kind=r.kind,
            action=r.action,
            part=r.part,
            location=r.location,
            key=r.key,
            old=r.old,
            new=r.new,
            old_value=r.old_value,
            new_value=r.new_value,
            causes=tuple(causes.get(r.ident, ())),
        )
        for r in raw
    ]
    headlines = [
        Headline(name=name, old=a, new=b)
        for (name, a), (_, b) in zip(headline_figures(old.inputs), headline_figures(new.inputs), strict=True)
    ]
    return DiffReport(
        old_file=old.path.name,
        new_file=new.path.name,
        title=new.disclosure.file_stem,
        headlines=headlines,
        changes=_ordered(changes),
        input_changes=[e.change for e in edits],
        stale_reasons=stale_reasons(old, new),
        attributed=attributed,
        old_errors=_errors(old),
        new_errors=_errors(new),
    )


_PART_ORDER = {"目录": 0, "第一部分": 1, "第二部分": 2, "第三部分": 3, "第四部分": 4, "封面及落款": 5}


def _ordered(changes: list[Change]) -> list[Change]:
    """Document order: parts in order; within a part, as the comparison emitted them (new-document order)."""
    return sorted(changes, key=lambda c: _PART_ORDER.get(c.part, 9))


def _causes(
    old: Result, new: Result, raw: list[RawChange], edits: list[_Edit], old_facts: Facts, new_facts: Facts
) -> dict[tuple, list[int]]:
    """The input changes behind each document change: those without which it would not happen.

    For each input change, the new inputs with that one change undone are computed (about 10 ms); an input
    change is a cause of every document change that is then absent or different (the counterfactual, "but
    for" test). So a cause is never listed that the change does not need, and every input cell whose value a
    changed text or cell prints is listed (undoing it changes what is printed). Where no single undo removes
    a change (two input changes that each alone would bring it about), the input changes that alone
    reproduce it from the old inputs are listed instead; where none does either (the edits only bring it
    about together), all of them are.
    """
    assert old.inputs is not None and new.inputs is not None
    catalog = new.catalog or load_catalog(new.inputs.info.year)  # the catalog the workbook was computed with
    causes: dict[tuple, list[int]] = defaultdict(list)
    for edit in edits:
        undone = _facts_of(revert_edit(new.inputs, edit), catalog)
        for r in raw:
            if undone is None or not _happens(r, undone, new_facts):
                causes[r.ident].append(edit.change.id)
    unexplained = [r for r in raw if r.ident not in causes]
    if unexplained:
        for edit in edits:
            done = _facts_of(apply_edit(old.inputs, edit), catalog)
            if done is None:
                continue
            reproduced = {c.ident for c in compare_facts(old_facts, done)}
            for r in unexplained:
                if r.ident in reproduced:
                    causes[r.ident].append(edit.change.id)
    # Left: changes that only the edits together bring about (a row moved to another code is a removal and
    # an addition; the 七 paragraphs that move with it need both). All the edits are jointly sufficient.
    for r in raw:
        if r.ident not in causes:
            causes[r.ident] = [edit.change.id for edit in edits]
    return causes


def _facts_of(inputs: Inputs, catalog: Catalog) -> Facts | None:
    try:
        disclosure, _, _ = compute_disclosure(inputs, catalog)
    except Exception:  # an edit that only makes sense together with others (e.g. a renamed project)
        return None
    return document_facts(disclosure)


def _group_text(facts: Facts, group: tuple[str, ...]) -> str | None:
    members = [f for f in facts.keyed.values() if f.group == group]
    if not members:
        return None
    return "；".join(f"{f.location.split(' / ')[-1]} {f.text}" for f in members if f.text)


def _happens(change: RawChange, facts: Facts, new: Facts) -> bool:
    """Whether `facts` (a counterfactual new document) shows this change as the new document `new` does."""
    if change.whole_row:
        text = _group_text(facts, change.key)
        return text is None if change.action == "removed" else text == change.new
    if change.ident[0] == "keyed":
        fact = facts.keyed.get(change.key)
        if change.action == "removed":
            return fact is None
        return fact is not None and fact.text == change.new
    # A sentence: by how often its text occurs in its part (the same sentence can occur several times,
    # e.g. one 项目承担单位 line per project in 七).
    container = change.key[:-1]

    def count(side: Facts, text: str) -> int:
        return sum(s.text == text for s in side.texts.get(container, ("", []))[1])

    if change.action == "removed":
        return count(facts, change.old) <= count(new, change.old)
    return count(facts, change.new) >= count(new, change.new)


def revert_edit(inputs: Inputs, edit: _Edit) -> Inputs:
    """The new inputs with this one change undone (the inverse of `apply_edit`)."""
    attr = edit.sheet_attr
    if attr in ("info", "facts", "final"):
        model = getattr(inputs, attr)
        return inputs.model_copy(update={attr: model.model_copy(update={edit.field_name: edit.old_obj})})
    if attr == "units":
        return inputs.model_copy(update={"units": edit.old_obj})
    rows = list(getattr(inputs, attr))
    if edit.new_obj is not None:
        index = next(n for n, r in enumerate(rows) if r is edit.new_obj)
        if edit.old_obj is None:
            del rows[index]
        elif edit.field_name is not None:
            rows[index] = rows[index].model_copy(update={edit.field_name: getattr(edit.old_obj, edit.field_name)})
        else:
            rows[index] = edit.old_obj
    else:
        row = getattr(edit.old_obj, "row", 0)
        at = next((n for n, r in enumerate(rows) if getattr(r, "row", 0) > row), len(rows))
        rows.insert(at, edit.old_obj)
    return inputs.model_copy(update={attr: rows})


def trace_cells(inputs: Inputs, catalog: Catalog) -> dict[tuple[str, ...], list[LineItem]]:
    """Which line items feed each table and 绩效目标表 cell, as the ledger groupings sum them.

    Each line item's amount is replaced by a distinct power of two; a cell's value is
    then a sum of distinct powers, and its binary digits name the items summed into it.
    """
    import decimal

    items = inputs.items
    # (a 决算's tables sum the 决算数: it is traced the same way)
    traced = [
        it.model_copy(update={"amount": Decimal(2**n), **({"final": Decimal(2**n)} if it.final is not None else {})})
        for n, it in enumerate(items)
    ]
    with decimal.localcontext() as ctx:
        ctx.prec = max(60, len(items) + 40)
        disclosure, _, _ = compute_disclosure(inputs.model_copy(update={"items": traced}), catalog)
        facts = document_facts(disclosure)
    out: dict[tuple[str, ...], list[LineItem]] = {}
    for key, fact in facts.keyed.items():
        if fact.kind not in ("table", "performance") or fact.value is None:
            continue
        bits = int(fact.value)
        out[key] = [items[n] for n in range(len(items)) if bits >> n & 1]
    return out
