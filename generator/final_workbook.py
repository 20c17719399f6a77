"""`disclosure final-from-budget`: the year's 决算 workbook from the same year's 预算 workbook (issue 20).

The 预算 workbook is computed first (it must pass `check`), then the 决算 workbook is written
through the same builder as every workbook (`generator.workbook.template.build_workbook`, with
the 决算 sheets):

- 基本信息 (with the 决算 format), 预算单位, 项目信息, 绩效指标, 类用途说明, 采购与资产,
  名词解释 and 补充科目 are copied;
- every 支出明细 line comes over with its 金额 as the 年初预算数 and an empty 决算数 for the
  officer to type (lines spent without a 年初预算 are added with 金额 0);
- 收入决算 is prefilled with one 财政拨款收入 row per 功能分类 项 the 财政拨款 lines use, its
  amount left empty (the reader asks for it until it is typed);
- 决算情况 starts at 0; 上年对比 is left empty (a 决算 compares with last year's 决算, not a budget), but each
  一般公共预算 项's “主要用于” typed there comes over into 预决算对比;
- 上年决算对比 gets last year's 决算 figures when last year's 决算 workbook is given (else `prepare`
  lists its rows for the officer to fill from last year's published 决算).

What the officer must fill is returned as located warnings, as `rollover` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from openpyxl.comments import Comment

from generator.catalog.store import SHIPPED_ONLY, CatalogSource
from generator.compute import ledger as L
from generator.compute.comparisons import normalise_key
from generator.compute.final import FISCAL_FINAL, year_figures
from generator.inputs import Inputs
from generator.issues import Issue, warning
from generator.output import atomic_path
from generator.pipeline import Result, run
from generator.rollover import AUTHOR, REVIEW_FILL, WAN_TO_YUAN, _row
from generator.workbook import schema
from generator.workbook.template import build_workbook


def _uses_by_item(inputs: Inputs) -> list[dict[str, object]]:
    """预决算对比 rows carrying each 一般公共预算 项's “主要用于” from the budget's 上年对比 (formats that say it per
    项), so the 决算's 五（三） says what the 项 is for as the budget did; `prepare` fills in the rest of each row."""
    rows = []
    for prior in inputs.priors:
        key = normalise_key(prior.key)
        if key and key.startswith(schema.PRIOR_ITEM_PREFIX) and prior.use and prior.use.strip():
            rows.append({"比较项目": prior.key.strip(), "主要用于（按项说明）": prior.use.strip()})
    return rows


class FinalFromBudgetError(Exception):
    """The 预算 workbook cannot be computed; `result` holds its located issues."""

    def __init__(self, result: Result) -> None:
        super().__init__(f"{result.path.name}: workbook has errors")
        self.result = result


class AlreadyFinal(Exception):
    """The source workbook is already a 决算 workbook."""


@dataclass
class FinalOutcome:
    target: Path
    year: int
    items: int  # 支出明细 lines carried over
    income_rows: int  # 收入决算 rows prefilled
    prior_rows: int = 0  # 上年决算对比 rows filled from last year's 决算 workbook
    warnings: list[Issue] = field(default_factory=list)


class PriorFinalError(Exception):
    """Last year's 决算 workbook cannot give its figures: `message` says why (Chinese), `result` its issues."""

    def __init__(self, message: str, result: Result | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.result = result


def prior_final_figures(path: Path, year: int, catalogs: CatalogSource = SHIPPED_ONLY) -> list[tuple[str, Decimal]]:
    """Last year's 决算 figures (万元) from last year's 决算 workbook, for this year's 上年决算对比.

    Its data must pass check; a problem with its format is no obstacle, as the figures do not depend on it.
    """
    result = run(path, catalogs)
    inputs = result.inputs
    if inputs is None or inputs.final is None:
        raise PriorFinalError(f"{path.name} 不是决算工作簿（没有“决算情况”表），请给出{year - 1}年的决算工作簿", result)
    if inputs.info.year != year - 1:
        raise PriorFinalError(f"{path.name} 是{inputs.info.year}年的决算工作簿，上年决算应为{year - 1}年", result)
    if any(i.is_error and not i.code.startswith("format-") for i in result.issues):
        raise PriorFinalError(
            f"{path.name} 有错误，无法取得上年决算数。请先修改到 disclosure check 只剩格式问题或通过", result
        )
    return year_figures(inputs)


def final_from_budget(
    budget: Path,
    target: Path,
    format_id: str = schema.FINAL_DEFAULT_FORMAT,
    catalogs: CatalogSource = SHIPPED_ONLY,
    prior_final: Path | None = None,
) -> FinalOutcome:
    """Write the 决算 workbook of `budget`'s year to `target` (atomically); with `prior_final` (last
    year's 决算 workbook), 上年决算对比 is filled with last year's 决算 figures, as `rollover` fills 上年对比."""
    result = run(budget, catalogs)
    if result.inputs is not None and result.inputs.final is not None:
        raise AlreadyFinal(budget.name)
    if not result.ok or result.inputs is None or result.catalog is None:
        raise FinalFromBudgetError(result)
    inputs = result.inputs
    info = inputs.info
    scale = WAN_TO_YUAN if info.amount_unit == "元" else Decimal(1)
    priors = prior_final_figures(prior_final, info.year, catalogs) if prior_final is not None else []
    labels = {f.key: f.label for f in schema.INFO_FIELDS}
    fact_labels = {f.key: f.label for f in schema.FACT_FIELDS}
    money_facts = {f.key for f in schema.FACT_FIELDS if f.kind is schema.Kind.MONEY}
    money_info = {f.key for f in schema.INFO_FIELDS if f.kind is schema.Kind.MONEY}  # the 核对数, read in 万元
    info_values = {k: (v * scale if k in money_info and v is not None else v) for k, v in info.model_dump().items()}
    info_values["format"] = format_id
    fiscal_codes = sorted({i.func_code for i in L.select(inputs.items, L.by_sources(FISCAL_FINAL))})
    income = [{"功能分类科目编码": code, "收入类型": schema.FINAL_INCOME_FISCAL, "金额": None} for code in fiscal_codes]
    data: dict[str, object] = {
        schema.SHEET_INFO: {labels[k]: v for k, v in info_values.items()},
        schema.SHEET_UNITS: [
            _row(schema.SHEET_UNITS, {"name": u, "unit_type": inputs.unit_types.get(u)}) for u in inputs.units
        ],
        schema.SHEET_ITEMS: [
            _row(schema.SHEET_ITEMS, i.model_dump() | {"amount": i.amount * scale, "final": None}) for i in inputs.items
        ],
        schema.SHEET_PROJECTS: [_row(schema.SHEET_PROJECTS, p.model_dump()) for p in inputs.projects],
        schema.SHEET_INDICATORS: [_row(schema.SHEET_INDICATORS, i.model_dump()) for i in inputs.indicators],
        schema.SHEET_USES: [_row(schema.SHEET_USES, u.model_dump()) for u in inputs.uses],
        schema.SHEET_FACTS: {
            fact_labels[k]: (v * scale if k in money_facts else v) for k, v in inputs.facts.model_dump().items()
        },
        schema.SHEET_GLOSSARY: [_row(schema.SHEET_GLOSSARY, g.model_dump()) for g in inputs.glossary],
        schema.SHEET_EXTRA_CODES: [_row(schema.SHEET_EXTRA_CODES, e.model_dump()) for e in inputs.extra_codes],
        schema.SHEET_FINAL_INCOME: income,
        schema.SHEET_FINAL_REASONS: _uses_by_item(inputs),
        schema.SHEET_FINAL_PRIOR: [{"比较项目": key, "上年决算数": value * scale} for key, value in priors],
    }
    wb = build_workbook(data, year=info.year, catalog=result.catalog, final=True)
    outcome = FinalOutcome(
        target=target, year=info.year, items=len(inputs.items), income_rows=len(income), prior_rows=len(priors)
    )
    first = schema.FIRST_DATA_ROW

    def mark(sheet: str, cell: str, message: str) -> None:
        wb[sheet][cell].fill = REVIEW_FILL
        wb[sheet][cell].comment = Comment(message, AUTHOR)
        outcome.warnings.append(warning("final-to-fill", message, sheet, cell))

    column = schema.column_letter(schema.SHEET_ITEMS, "final")
    if inputs.items:
        last = first + len(inputs.items) - 1
        for row in range(first, last + 1):
            wb[schema.SHEET_ITEMS][f"{column}{row}"].fill = REVIEW_FILL
        mark(
            schema.SHEET_ITEMS,
            f"{column}{first}",
            f"“金额”为{info.year}年年初预算数（{len(inputs.items)}行，由预算工作簿复制）：请在{column}{first}:{column}{last}"
            "逐行填写决算数，未支出填0；年初未安排、年中追加的支出请另起一行，“金额”填0",
        )
    amount = schema.column_letter(schema.SHEET_FINAL_INCOME, "amount")
    if income:
        mark(
            schema.SHEET_FINAL_INCOME,
            f"{amount}{first}",
            f"已按财政拨款支出的{len(income)}个功能分类“项”列出财政拨款收入行：请填写各行金额，"
            "并增加其他收入类型（如其他收入、事业收入）的行；没有收入的行请删除",
        )
    mark(
        schema.SHEET_FINAL,
        f"{schema.KV_VALUE_COL}{first}",
        f"请按{info.year}年决算填写本表：结转和结余、“三公”经费的团组数和车辆数、政府采购合同金额、"
        f"截至{info.year}年12月31日的国有资产和预算绩效管理情况（已预填0）",
    )
    mark(
        schema.SHEET_GLOSSARY,
        "A2",
        "名词解释由预算工作簿复制：请改为决算公开的名词解释（如财政拨款收入、年初结转和结余、年末结转和结余）",
    )
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return outcome
