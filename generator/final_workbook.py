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
- with last year's 决算 workbook (`prior_final`; the same unit's: its 单位全称 must be this one's, whitespace
  aside, or it is refused), 上年决算对比 gets last year's 决算 figures (else `prepare`
  lists its rows for the officer to fill from last year's published 决算), and this year's opening balances are
  last year's closing ones (`CARRY_FORWARD`, 基金结转和结余 row by row): the money left at 12月31日 of year Y-1 is the
  money there is on 1月1日 of year Y.

What the officer must fill is returned as located warnings, as `rollover` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from openpyxl.comments import Comment

from generator.catalog.store import SHIPPED_ONLY, CatalogSource
from generator.compute import ledger as L
from generator.compute.comparisons import normalise_key
from generator.compute.final import FISCAL_FINAL, year_figures
from generator.inputs import FinalCarry, FinalFacts, Inputs
from generator.issues import Issue, warning
from generator.output import atomic_path
from generator.pipeline import Result, run
from generator.rollover import AUTHOR, REVIEW_FILL, WAN_TO_YUAN, _kv_rows, _row
from generator.workbook import schema
from generator.workbook.template import build_workbook

CENT = Decimal("0.01")

# 决算情况 fields this year's 决算 opens with, each equal to a field last year's closed with (rules: 年初结转和结余
# of year Y = 年末结转和结余 of year Y-1; the same holds for each part, as each part is the same money):
#   年初结转和结余                             ← 年末结转和结余
#   其中：年初财政拨款结转和结余               ← 其中：年末财政拨款结转和结余
#   其中：年初政府性基金预算财政拨款结转和结余 ← 其中：年末政府性基金预算财政拨款结转和结余
#   其中：年初国有资本经营预算财政拨款结转和结余 ← 其中：年末国有资本经营预算财政拨款结转和结余
# Nothing else is carried: 使用非财政拨款结余 and 结余分配 are the year's own flows, and the 年末 fields are the
# year's result, which the officer types once the year is closed.
CARRY_FORWARD: tuple[tuple[str, str], ...] = (
    ("carry_in", "carry_out"),
    ("carry_in_fiscal", "carry_out_fiscal"),
    ("carry_in_fund", "carry_out_fund"),
    ("carry_in_soe", "carry_out_soe"),
)
# The two totals are marked for review even at 0 (“last year ended with nothing” is a figure to confirm);
# a fund part only when there is one, as most departments have none.
CARRY_ALWAYS_MARKED = frozenset({"carry_in", "carry_in_fiscal"})


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
    # 决算情况 年初 fields filled from last year's 年末 (CARRY_FORWARD), key → 万元 as last year closed with it
    carried: dict[str, Decimal] = field(default_factory=dict)
    carry_rows: int = 0  # 基金结转和结余 rows opened with last year's 年末
    warnings: list[Issue] = field(default_factory=list)


class PriorFinalError(Exception):
    """Last year's 决算 workbook cannot give its figures: `message` says why (Chinese), `result` its issues."""

    def __init__(self, message: str, result: Result | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.result = result


@dataclass(frozen=True)
class PriorFinal:
    """What this year's 决算 workbook takes from last year's: its 决算 figures (万元, for 上年决算对比), its
    决算情况 facts (万元; the 年末 ones become this year's 年初), where each fact is in its 决算情况, and its
    基金结转和结余 rows (none when it has no such sheet)."""

    name: str
    figures: list[tuple[str, Decimal]]
    facts: FinalFacts
    cells: dict[str, str]
    carry: list[FinalCarry]


def _same_name(a: str, b: str) -> bool:
    """Two 单位全称 are the same unit's when they differ at most in whitespace (a stray or full-width space)."""
    return "".join(a.split()) == "".join(b.split())


def read_prior_final(
    path: Path, year: int, catalogs: CatalogSource = SHIPPED_ONLY, unit_name: str | None = None
) -> PriorFinal:
    """Last year's 决算 (amounts in 万元) from last year's 决算 workbook.

    With `unit_name` (this year's 单位全称) it must be the same unit's: another department's figures and balances
    would otherwise come over silently. Its data must pass check; a problem with its format is no obstacle, as the
    figures do not depend on it.
    """
    result = run(path, catalogs)
    inputs = result.inputs
    if inputs is None or inputs.final is None:
        raise PriorFinalError(f"{path.name} 不是决算工作簿（没有“决算情况”表），请给出{year - 1}年的决算工作簿", result)
    if unit_name is not None and not _same_name(inputs.info.unit_name, unit_name):
        label = next(f.label for f in schema.INFO_FIELDS if f.key == "unit_name")
        cell = inputs.kv_cells.get(schema.SHEET_INFO, {}).get("unit_name")
        where = f"“{schema.SHEET_INFO}”表{cell}" if cell else f"“{schema.SHEET_INFO}”表"
        raise PriorFinalError(
            f"上年决算 {path.name} 的{label}是“{inputs.info.unit_name}”，与本年预算工作簿的“{unit_name}”不同："
            f"请给出本单位{year - 1}年的决算工作簿；如单位已更名，请在 {path.name} 的{where}把{label}改为"
            f"“{unit_name}”后再试"
        )
    if inputs.info.year != year - 1:
        raise PriorFinalError(f"{path.name} 是{inputs.info.year}年的决算工作簿，上年决算应为{year - 1}年", result)
    if any(i.is_error and not i.code.startswith("format-") for i in result.issues):
        raise PriorFinalError(
            f"{path.name} 有错误，无法取得上年决算数。请先修改到 disclosure check 只剩格式问题或通过", result
        )
    return PriorFinal(
        name=path.name,
        figures=year_figures(inputs),
        facts=inputs.final,
        cells=dict(inputs.kv_cells.get(schema.SHEET_FINAL, {})),
        carry=list(inputs.final_carry),
    )


def _in_unit(value: Decimal, scale: Decimal) -> tuple[Decimal, bool]:
    """A 万元 amount as this year's workbook holds it (scale 10000 for 元, 1 for 万元), to 2 decimals (a cell takes
    no more), and whether that rounded it: last year in 元 and this year in 万元 can differ by less than 0.01万元."""
    exact = value * scale
    cell = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    return cell, cell != exact


def _plain(value: Decimal) -> str:
    """An amount as a message quotes it: 2 decimals, no exponent (55.340000 → 55.34, 553400.00 → 553400.00)."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):f}"


def final_from_budget(
    budget: Path,
    target: Path,
    format_id: str = schema.FINAL_DEFAULT_FORMAT,
    catalogs: CatalogSource = SHIPPED_ONLY,
    prior_final: Path | None = None,
) -> FinalOutcome:
    """Write the 决算 workbook of `budget`'s year to `target` (atomically); with `prior_final` (last
    year's 决算 workbook), 上年决算对比 is filled with last year's 决算 figures, as `rollover` fills 上年对比, and
    决算情况's 年初结转和结余 fields and 基金结转和结余's 年初 column with last year's 年末 ones, each marked for review."""
    result = run(budget, catalogs)
    if result.inputs is not None and result.inputs.final is not None:
        raise AlreadyFinal(budget.name)
    if not result.ok or result.inputs is None or result.catalog is None:
        raise FinalFromBudgetError(result)
    inputs = result.inputs
    info = inputs.info
    scale = WAN_TO_YUAN if info.amount_unit == "元" else Decimal(1)
    prior = (
        read_prior_final(prior_final, info.year, catalogs, unit_name=info.unit_name)
        if prior_final is not None
        else None
    )
    priors = prior.figures if prior is not None else []
    labels = {f.key: f.label for f in schema.INFO_FIELDS}
    fact_labels = {f.key: f.label for f in schema.FACT_FIELDS}
    final_labels = {f.key: f.label for f in schema.FINAL_FIELDS}
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
        # to 2 decimals of this workbook's unit, as a cell holds them (the comparison is in 万元 anyway)
        schema.SHEET_FINAL_PRIOR: [{"比较项目": key, "上年决算数": _in_unit(value, scale)[0]} for key, value in priors],
    }
    # This year opens with what last year closed with (CARRY_FORWARD): 决算情况's 年初 fields, and in 基金结转和结余
    # one row per 科目 last year closed with money left (年末 ≠ 0): same 科目 and 资金性质, 年初 = last year's 年末,
    # 年末 empty for the officer. A 科目 that closed at 0 opens at 0 and is not listed (a row would add nothing).
    opening: dict[str, tuple[Decimal, bool]] = {}
    carried_rows: list[tuple[FinalCarry, Decimal, bool]] = []
    if prior is not None:
        opening = {key: _in_unit(getattr(prior.facts, source), scale) for key, source in CARRY_FORWARD}
        data[schema.SHEET_FINAL] = {final_labels[key]: value for key, (value, _) in opening.items()}
        carried_rows = [(r, *_in_unit(r.carry_out, scale)) for r in prior.carry if r.carry_out != 0]
        data[schema.SHEET_FINAL_CARRY] = [
            {"功能分类科目编码": r.func_code, "资金性质": r.fund, "年初结转和结余": value, "年末结转和结余": None}
            for r, value, _ in carried_rows
        ]
    wb = build_workbook(data, year=info.year, catalog=result.catalog, final=True)
    outcome = FinalOutcome(
        target=target,
        year=info.year,
        items=len(inputs.items),
        income_rows=len(income),
        prior_rows=len(priors),
        carry_rows=len(carried_rows),
    )
    first = schema.FIRST_DATA_ROW

    def mark(sheet: str, cell: str, message: str, code: str = "final-to-fill") -> None:
        """Yellow, with the message as the cell's comment (after any earlier one) and in the warnings."""
        ws = wb[sheet]
        ws[cell].fill = REVIEW_FILL
        before = ws[cell].comment.text + "\n" if ws[cell].comment else ""
        ws[cell].comment = Comment(before + message, AUTHOR)
        outcome.warnings.append(warning(code, message, sheet, cell))

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
        f"请按{info.year}年决算填写本表：{'年末' if prior is not None else ''}结转和结余、“三公”经费的团组数和车辆数、"
        f"政府采购合同金额、截至{info.year}年12月31日的国有资产和预算绩效管理情况（已预填0）",
    )
    if prior is not None:
        unit = "元" if scale != 1 else "万元"
        prior_year = info.year - 1

        def note(value: Decimal, was: Decimal, rounded: bool) -> str:
            shown = f"{_plain(value)}{unit}"
            exact = f"上年为{_plain(was * WAN_TO_YUAN)}元，按本工作簿的金额单位万元保留两位小数"
            return f"{shown}（{exact}）" if rounded else shown

        rows = _kv_rows(wb, schema.SHEET_FINAL)
        for key, source in CARRY_FORWARD:
            value, rounded = opening[key]
            was = getattr(prior.facts, source)
            if key not in CARRY_ALWAYS_MARKED and not was:
                continue
            outcome.carried[key] = was
            where = prior.cells.get(source)
            mark(
                schema.SHEET_FINAL,
                f"{schema.KV_VALUE_COL}{rows[final_labels[key]]}",
                f"已由{prior_year}年决算工作簿{prior.name}的“{final_labels[source]}”"
                f"{f'（{schema.SHEET_FINAL}!{where}）' if where else ''}填入{note(value, was, rounded)}："
                f"年初数即上年年末数，请核对",
                "final-carried",
            )
        columns = {c.key: schema.column_letter(schema.SHEET_FINAL_CARRY, c.key) for c in schema.FINAL_CARRY_COLUMNS}
        carry_sheet = wb[schema.SHEET_FINAL_CARRY]
        for n, (r, value, rounded) in enumerate(carried_rows):
            row = first + n
            for col in range(1, len(schema.FINAL_CARRY_COLUMNS) + 1):
                carry_sheet.cell(row, col).fill = REVIEW_FILL
            mark(
                schema.SHEET_FINAL_CARRY,
                f"{columns['carry_in']}{row}",
                f"{r.fund}科目{r.func_code}的年初结转和结余{note(value, r.carry_out, rounded)}由{prior_year}年决算工作簿"
                f"{prior.name}的“{schema.SHEET_FINAL_CARRY}”第{r.row}行年末数填入，请核对；"
                f"请在{columns['carry_out']}{row}填写{info.year}年年末结转和结余（没有填0）",
                "final-carried",
            )

    mark(
        schema.SHEET_GLOSSARY,
        "A2",
        "名词解释由预算工作簿复制：请改为决算公开的名词解释（如财政拨款收入、年初结转和结余、年末结转和结余）",
    )
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return outcome
