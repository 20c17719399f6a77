"""`disclosure rollover`: next year's workbook from this year's.

This year's workbook is computed first, then next year's workbook is written through
the same builder as the examples (`generator.workbook.template.build_workbook`):

- 基本信息 (year + 1, staff counts carried over with 0 change, so the staff sentence
  compares with this year's counts), 主要职能, 机构设置, 预算单位, 名词解释, 类用途说明,
  采购与资产 and 补充科目 are copied;
- projects and their indicators are copied and marked for review;
- the whole 上年对比 sheet is filled with this year's computed figures as next year's
  上年预算数, keyed exactly as `disclosure prepare` keys them (the same `NeededRow`s and
  the same labels), so they reconcile by construction; reasons are left empty;
- line items are copied only with `keep_items` (marked for review).

Copied rows that need a human decision are marked in the workbook (yellow fill and a
comment) and returned as located warnings: a warning, never an error. Codes whose name
or existence differs between this year's and next year's catalogs are listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from generator.catalog import FUNCTION, Catalog
from generator.catalog.store import SHIPPED_ONLY, CatalogSource
from generator.channel import Channel
from generator.compute.comparisons import NeededRow
from generator.compute.names import Names
from generator.formats import registry
from generator.issues import Issue, warning
from generator.output import atomic_path
from generator.pipeline import Result, run
from generator.prepare import _label
from generator.workbook import schema
from generator.workbook.template import build_workbook

REVIEW_FILL = PatternFill("solid", fgColor="FFF2CC")
AUTHOR = "预算公开生成工具"
WAN_TO_YUAN = Decimal(10000)


class RolloverError(Exception):
    """This year's workbook cannot be computed; `result` holds its located issues."""

    def __init__(self, result: Result) -> None:
        super().__init__(f"{result.path.name}: workbook has errors")
        self.result = result


@dataclass(frozen=True)
class CatalogChange:
    code: str
    kind: str  # "功能分类" / "经济分类"
    this_name: str | None
    next_name: str | None

    @property
    def text(self) -> str:
        if self.next_name is None:
            return f"{self.kind}科目{self.code}“{self.this_name}”在新年度科目代码表中不存在"
        if self.this_name is None:
            return f"{self.kind}科目{self.code}为新年度新增科目“{self.next_name}”"
        return f"{self.kind}科目{self.code}名称由“{self.this_name}”改为“{self.next_name}”"


@dataclass
class RolloverOutcome:
    target: Path
    year: int  # next year
    prior_rows: int
    kept_items: int
    warnings: list[Issue] = field(default_factory=list)
    catalog_changes: list[CatalogChange] = field(default_factory=list)
    same_catalog: bool = False  # no separate catalog (imported or shipped) for next year
    next_catalog: str = ""  # the catalog next year's workbook uses, as messages name it


def prior_rows(result: Result) -> list[tuple[str, Decimal]]:
    """(label as `prepare` writes it, this year's figure) for every comparison this year's document makes.

    Item rows whose 项 is not budgeted this year (only last year) are left out: next year
    neither year has them.
    """
    assert result.book is not None and result.inputs is not None and result.catalog is not None
    names = Names.build(result.catalog, result.inputs)
    needed: dict[str, NeededRow] = {}
    for row in result.book.needed:
        needed.setdefault(row.key, row)
    return [
        (_label(r, names.functions), r.current)
        for r in needed.values()
        if not (r.key.startswith(schema.PRIOR_ITEM_PREFIX) and r.current == 0)
    ]


def catalog_changes(result: Result, this: Catalog, nxt: Catalog) -> list[CatalogChange]:
    """Codes the workbook uses (with their 类/款) whose catalog entry differs between the two years."""
    assert result.inputs is not None
    inputs = result.inputs
    func: set[str] = set()
    for code in {i.func_code for i in inputs.items} | {u.class_code for u in inputs.uses}:
        func |= {code[:3], code[:5], code} if len(code) == 7 else {code}
    econ: set[str] = set()
    for code in {i.econ_code for i in inputs.items}:
        econ |= {code[:3], code}
    out = []
    for kind, codes, a, b in (
        ("功能分类", func, this.functions, nxt.functions),
        ("经济分类", econ, this.econ, nxt.econ),
    ):
        for code in sorted(codes):
            if a.get(code) != b.get(code):
                out.append(CatalogChange(code, kind, a.get(code), b.get(code)))
    return out


def _next_date(day: dt.date | None) -> dt.date | None:
    if day is None:  # no 落款日期 (a format that prints none): none next year either
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def rollover(
    this: Path,
    target: Path,
    keep_items: bool = False,
    catalogs: CatalogSource = SHIPPED_ONLY,
    channel: Channel = Channel.CLI,
) -> RolloverOutcome:
    result = run(this, catalogs)
    if not result.ok or result.inputs is None or result.catalog is None:
        raise RolloverError(result)
    inputs = result.inputs
    info, year = inputs.info, inputs.info.year
    nxt = year + 1
    scale = WAN_TO_YUAN if info.amount_unit == "元" else Decimal(1)

    def money(value: Decimal) -> Decimal:
        return value * scale

    info_values = {
        "unit_name": info.unit_name,
        "short_name": info.short_name,
        "year": nxt,
        "amount_unit": info.amount_unit,
        "functions": info.functions,
        "organization": info.organization,
        "staff_quota": info.staff_quota,
        "staff_active": info.staff_active,
        "staff_active_change": 0,
        "staff_retired": info.staff_retired,
        "staff_retired_change": 0,
        "staff_veteran": info.staff_veteran,
        "staff_veteran_change": 0,
        "sign_date": _next_date(info.sign_date) if info.sign_date else None,  # formats without a 落款 leave it empty
        "weight_total": info.weight_total,
        "other_matters": info.other_matters,
        # a district's next-year style when the workbook's format ends this year (shanghai-putuo-2025 → shanghai-putuo)
        "format": registry.for_year(info.format, nxt, info.edition) if info.format else info.format,
        "edition": info.edition,
    }
    labels = {f.key: f.label for f in schema.INFO_FIELDS}
    fact_labels = {f.key: f.label for f in schema.FACT_FIELDS}
    facts = inputs.facts.model_dump()
    money_facts = {f.key for f in schema.FACT_FIELDS if f.kind is schema.Kind.MONEY}
    rows = prior_rows(result)
    this_catalog, next_catalog = result.catalog, catalogs.resolve(nxt)
    data: dict[str, object] = {
        schema.SHEET_INFO: {labels[k]: v for k, v in info_values.items()},
        schema.SHEET_UNITS: [_row(schema.SHEET_UNITS, {"name": u}) for u in inputs.units],
        schema.SHEET_PROJECTS: [_row(schema.SHEET_PROJECTS, p.model_dump()) for p in inputs.projects],
        schema.SHEET_INDICATORS: [_row(schema.SHEET_INDICATORS, i.model_dump()) for i in inputs.indicators],
        schema.SHEET_PRIOR: [_row(schema.SHEET_PRIOR, {"key": k, "prior": money(v)}) for k, v in rows],
        schema.SHEET_USES: [_row(schema.SHEET_USES, u.model_dump()) for u in inputs.uses],
        schema.SHEET_FACTS: {fact_labels[k]: (money(v) if k in money_facts else v) for k, v in facts.items()},
        schema.SHEET_GLOSSARY: [_row(schema.SHEET_GLOSSARY, g.model_dump()) for g in inputs.glossary],
        schema.SHEET_EXTRA_CODES: [
            _row(schema.SHEET_EXTRA_CODES, e.model_dump())
            for e in inputs.extra_codes
            if (next_catalog.functions if e.code_type == "功能分类" else next_catalog.econ).get(e.code) is None
        ],
        schema.SHEET_ITEMS: [
            _row(schema.SHEET_ITEMS, i.model_dump() | {"amount": money(i.amount)}) for i in inputs.items
        ]
        if keep_items
        else [],
    }
    wb = build_workbook(data, year=nxt, catalog=next_catalog, channel=channel)
    outcome = RolloverOutcome(
        target=target,
        year=nxt,
        prior_rows=len(rows),
        kept_items=len(inputs.items) if keep_items else 0,
        catalog_changes=catalog_changes(result, this_catalog, next_catalog),
        same_catalog=next_catalog.origin(FUNCTION).year < nxt,
        next_catalog=next_catalog.description,
    )
    first = schema.FIRST_DATA_ROW

    def review(sheet: str, row: int, column: str, message: str) -> None:
        ws = wb[sheet]
        width = len(schema.LIST_SHEETS[sheet]) if sheet in schema.LIST_SHEETS else 2
        for col in range(1, width + 1):
            ws.cell(row, col).fill = REVIEW_FILL
        ws[f"{column}{row}"].comment = Comment(message, AUTHOR)
        outcome.warnings.append(warning("rollover-review", message, sheet, f"{column}{row}"))

    for n, p in enumerate(inputs.projects):
        review(
            schema.SHEET_PROJECTS,
            first + n,
            "A",
            f"项目“{p.name}”由{year}年工作簿复制：请确认{nxt}年是否延续，并更新政策依据、资金分配、执行期和总体目标；"
            "不再安排的项目请删除此行及其绩效指标",
        )
    for n, ind in enumerate(inputs.indicators):
        review(
            schema.SHEET_INDICATORS,
            first + n,
            "A",
            f"“{ind.project}”的指标“{ind.level3}”由{year}年复制：请按{nxt}年目标更新指标值，"
            f"并把{year}年的实际完成值填入“上年完成值”",
        )
    if keep_items:
        for n, item in enumerate(inputs.items):
            review(
                schema.SHEET_ITEMS,
                first + n,
                schema.column_letter(schema.SHEET_ITEMS, "amount"),
                f"支出由{year}年复制（{item.func_code}/{item.econ_code}），请按{nxt}年批复数修改金额或删除",
            )
    kv_rows = _kv_rows(wb, schema.SHEET_INFO)
    for key, count in (
        ("staff_active_change", info.staff_active),
        ("staff_retired_change", info.staff_retired),
        ("staff_veteran_change", info.staff_veteran),
    ):
        counted = labels[key.removesuffix("_change")]
        review(
            schema.SHEET_INFO,
            kv_rows[labels[key]],
            "B",
            f"{year}年{counted}{count}人（已填入{counted}），增减暂为0：如{nxt}年人数变化，"
            f"请修改{counted}，并在此填写与{count}人相比的增减",
        )
    review(
        schema.SHEET_INFO,
        kv_rows[labels["sign_date"]],
        "B",
        f"落款日期按{year}年日期顺延一年，请改为{nxt}年实际公开日期",
    )
    fact_row = _kv_rows(wb, schema.SHEET_FACTS)[fact_labels["proc_goods"]]
    review(
        schema.SHEET_FACTS,
        fact_row,
        "B",
        f"政府采购与国有资产数据复制自{year}年，请按{nxt}年预算和截至{year}年底的资产情况更新本表",
    )
    for change in outcome.catalog_changes:
        outcome.warnings.append(
            warning("rollover-catalog-change", f"{change.text}：请核对使用该科目的支出明细和上年对比行")
        )
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return outcome


def _row(sheet: str, values: dict[str, object]) -> dict[str, object]:
    """A list-sheet row keyed by the Chinese headers, from model field values."""
    out = {}
    for col in schema.LIST_SHEETS[sheet]:
        if col.display_only or col.key not in values:
            continue
        value = values[col.key]
        out[col.header] = value.value if hasattr(value, "value") and not isinstance(value, Decimal) else value
    return out


def _kv_rows(wb, sheet: str) -> dict[str, int]:
    ws = wb[sheet]
    return {str(ws.cell(r, 1).value).strip(): r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}
