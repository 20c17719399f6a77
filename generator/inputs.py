"""Stage 2: located raw cell values → typed input models.

The reader has already parsed every cell by its kind and reported bad values, so
this stage only assembles models. Each model keeps the Excel row it came from so
later checks can point at the exact cell.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from generator.workbook import schema
from generator.workbook.reader import CellValue, RawWorkbook, RowValues
from generator.workbook.schema import FundSource, SpendingKind


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


ZERO_MONEY = Decimal("0.00")


class Located(_Model):
    """A list-sheet row: knows its sheet and Excel row."""

    row: int

    def cell(self, sheet: str, key: str) -> str:
        return f"{schema.column_letter(sheet, key)}{self.row}"


class Info(_Model):
    unit_name: str
    short_name: str
    year: int
    amount_unit: str
    functions: str
    organization: str
    staff_quota: int
    staff_active: int
    staff_active_change: int
    staff_retired: int
    staff_retired_change: int
    staff_veteran: int
    staff_veteran_change: int
    sign_date: dt.date | None = None  # blank: no date is printed
    weight_total: Decimal
    other_matters: str | None = None
    control_total: Decimal | None = None
    control_gpb: Decimal | None = None
    format: str = "xinjiang-2023"  # an installed format's id (generator.formats.registry)
    edition: str | None = None  # one of the format's editions (部门版 / 单位版); None: its first


class Facts(_Model):
    proc_goods: Decimal
    proc_works: Decimal
    proc_services: Decimal
    proc_sme: Decimal
    proc_small: Decimal
    house_area: Decimal
    house_value: Decimal
    car_general_count: int
    car_general_value: Decimal
    car_law_count: int
    car_law_value: Decimal
    car_other_count: int
    car_other_value: Decimal
    furniture_value: Decimal
    other_asset_value: Decimal
    equip50_count: int
    equip100_count: int
    buy_equip50_count: int
    buy_equip100_count: int
    # Issue 16 §2: vehicles by category (schema.VEHICLE_CATEGORIES), held and to be bought.
    cars_ministerial: int = 0
    cars_leader: int = 0
    cars_confidential: int = 0
    cars_emergency: int = 0
    cars_law: int = 0
    cars_special: int = 0
    cars_retired: int = 0
    cars_other: int = 0
    buy_cars_ministerial: int = 0
    buy_cars_leader: int = 0
    buy_cars_confidential: int = 0
    buy_cars_emergency: int = 0
    buy_cars_law: int = 0
    buy_cars_special: int = 0
    buy_cars_retired: int = 0
    buy_cars_other: int = 0


class LineItem(Located):
    unit: str
    func_code: str
    econ_code: str
    kind: SpendingKind
    project: str | None
    source: FundSource
    amount: Decimal  # in a 决算 workbook: the 年初预算数
    final: Decimal | None = None  # the 决算数 (决算 workbooks)


class Project(Located):
    name: str
    manager: str
    policy_basis: str
    undertaker: str
    allocation: str
    start_month: int
    end_month: int
    goal: str
    period: str | None = None  # 资金执行时间 by day, e.g. 2023年1月1日至2023年12月31日 (replaces the months)
    weight_total: Decimal | None = None  # None: the workbook-wide 绩效指标分值权重合计
    publish_targets: str = "是"  # "否": no 绩效目标表 is attached for this project
    summary: str | None = None  # 项目概述: the project is described in 项目经费情况说明
    plan: str | None = None  # 实施方案


class Indicator(Located):
    project: str
    level1: str
    level2: str
    level3: str
    value: str
    basis: str
    last_value: str | None
    weight: Decimal
    scoring: str
    evidence: str


class PriorRow(Located):
    key: str
    prior: Decimal | None
    reason: str | None
    recorded: Decimal | None = None  # the current figure the reason was written for (tool-maintained)
    recorded_check: str | None = None  # digest of the reason text when `recorded` was taken
    use: str | None = None  # 主要用于, on a 一般公共预算项 row (formats that say it per 项)


class ClassUse(Located):
    class_code: str
    use: str


class GlossaryEntry(Located):
    term: str
    definition: str


class ExtraCode(Located):
    code_type: str
    code: str
    name: str


# --- 决算 (issue 20) ---------------------------------------------------------------


class FinalFacts(_Model):
    """Sheet 决算情况: the 决算 year's facts that are not line items (schema.FINAL_FIELDS)."""

    carry_in: Decimal
    carry_in_fiscal: Decimal
    use_nonfiscal_balance: Decimal
    balance_distribution: Decimal
    carry_out: Decimal
    carry_out_fiscal: Decimal
    abroad_groups: int
    abroad_people: int
    vehicles_bought: int
    vehicles_held: int
    reception_batches: int
    reception_people: int
    contract_goods: Decimal
    contract_works: Decimal
    contract_services: Decimal
    reserved_sme: Decimal
    reserved_small: Decimal
    awarded_sme_reserved: Decimal
    awarded_small_reserved: Decimal
    awarded_sme_other: Decimal
    vehicles_minister: int
    vehicles_leader: int
    vehicles_confidential: int
    vehicles_emergency: int
    vehicles_law: int
    vehicles_special: int
    vehicles_retired: int
    vehicles_other: int
    equip100_count: int
    targets_count: int
    targets_amount: Decimal
    tracked_count: int
    tracked_amount: Decimal
    evaluated_count: int
    evaluated_amount: Decimal
    evaluated_score: Decimal
    rated_excellent: int
    rated_good: int
    rated_pass: int
    rated_fail: int
    problems_found: int
    problems_fixed: int
    problems_fixing: int
    performance_system: str | None = None
    carry_in_fund: Decimal = Decimal(0)
    carry_in_soe: Decimal = Decimal(0)
    carry_out_fund: Decimal = Decimal(0)
    carry_out_soe: Decimal = Decimal(0)


class FinalIncome(Located):
    """Sheet 收入决算: one income amount by 功能分类 项 and 收入类型."""

    func_code: str
    income_type: str  # one of schema.FINAL_INCOME_SOURCES
    amount: Decimal


class FinalCarry(Located):
    """Sheet 基金结转和结余: a 政府性基金/国有资本经营预算财政拨款 科目's 年初 and 年末结转和结余."""

    func_code: str
    fund: str  # one of schema.FINAL_CARRY_FUNDS
    carry_in: Decimal = ZERO_MONEY
    carry_out: Decimal = ZERO_MONEY


class FinalReasonRow(Located):
    """Sheet 预决算对比: why a 决算 figure differs from its 年初预算, and the figure it was written for."""

    key: str
    reason: str | None
    recorded: Decimal | None = None  # the 决算数 the reason was written for (tool-maintained)
    recorded_check: str | None = None  # digest of the reason text when `recorded` was taken
    use: str | None = None  # a 项's “主要用于” (the 决算 document's 五（三）)


class FinalPriorRow(Located):
    """Sheet 上年决算对比: last year's 决算 figure and the reason for the change."""

    key: str
    prior: Decimal | None
    reason: str | None
    recorded: Decimal | None = None  # the 决算 figure the reason was written for (tool-maintained)
    recorded_check: str | None = None  # digest of the reason text when `recorded` was taken


class Inputs(_Model):
    """Everything the officer entered, typed; nothing derived yet."""

    info: Info
    facts: Facts
    units: list[str]
    unit_rows: dict[str, int]
    items: list[LineItem]
    projects: list[Project]
    indicators: list[Indicator]
    priors: list[PriorRow]
    uses: list[ClassUse]
    glossary: list[GlossaryEntry]
    extra_codes: list[ExtraCode]
    # Excel row numbers after the last data row, for pointing at where to add rows.
    next_rows: dict[str, int]
    # Where each key/value field was found: sheet -> field key -> "B5".
    kv_cells: dict[str, dict[str, str]]
    # 预算单位 rows repeating an earlier name: row -> first row (reported as duplicates).
    unit_duplicates: dict[int, int] = {}
    # 类用途说明 rows with a class code but an incomplete row (the reader reported the blank cell): code -> row.
    incomplete_uses: dict[str, int] = {}
    # 绩效指标 rows left out for a blank required cell (reported by the reader): (project, weight, row),
    # so the weight check reports what the officer typed.
    incomplete_weights: list[tuple[str, Decimal, int]] = []
    # 预算单位 name -> 单位类型 (issue 7 §5); units[0] is 本级.
    unit_types: dict[str, str] = {}
    # A 决算 workbook (issue 20): its 决算情况 facts and 收入决算 rows; None / [] in a 预算 workbook.
    final: FinalFacts | None = None
    final_income: list[FinalIncome] = []
    final_carry: list[FinalCarry] = []
    final_reasons: list[FinalReasonRow] = []
    final_priors: list[FinalPriorRow] = []


def _kv(raw: RawWorkbook, sheet: str) -> dict[str, object]:
    values: dict[str, CellValue] = raw.kv.get(sheet, {})
    out: dict[str, object] = {}
    for f in schema.ALL_KV_SHEETS[sheet]:
        cv = values.get(f.key)
        v = cv.value if cv is not None else None
        if v is None and f.default is not None:
            v = f.default
        out[f.key] = v
    return out


def _rows(raw: RawWorkbook, sheet: str) -> list[RowValues]:
    return raw.lists.get(sheet, [])


def _vals(r: RowValues, sheet: str) -> dict[str, object]:
    out: dict[str, object] = {"row": r.row}
    for col in schema.ALL_LIST_SHEETS[sheet]:
        if col.display_only:
            continue
        cv = r.cells.get(col.key)
        v = cv.value if cv is not None else None
        if v is None and col.default is not None:
            v = col.default
        out[col.key] = v
    return out


def _unread_texts(format_id: str, sheet: str) -> dict[str, object]:
    """Empty values for the required text columns of `sheet` that format `format_id` does not read."""
    from generator.formats.needs import unread_columns

    unread = unread_columns(format_id).get(sheet, frozenset())
    text = (schema.Kind.TEXT, schema.Kind.LONGTEXT)
    return {c.key: "" for c in schema.ALL_LIST_SHEETS[sheet] if c.key in unread and c.required and c.kind in text}


def _complete(values: dict[str, object], sheet: str) -> bool:
    """True when every required column has a value (the reader reported the rest)."""
    return all(
        values.get(c.key) is not None for c in schema.ALL_LIST_SHEETS[sheet] if c.required and not c.display_only
    )


def build_inputs(raw: RawWorkbook) -> Inputs | None:
    """Assemble typed inputs; None when a required single fact is missing.

    Rows missing a required cell are skipped here: the reader has already
    reported each of them with its location, so the run fails anyway, but the
    remaining rows still get checked and computed so that all problems surface
    in one run.
    """
    info_vals = _kv(raw, schema.SHEET_INFO)
    fact_vals = _kv(raw, schema.SHEET_FACTS)
    for f in schema.INFO_FIELDS:
        if f.required and info_vals.get(f.key) is None:
            return None
    for f in schema.FACT_FIELDS:
        if f.required and fact_vals.get(f.key) is None:
            return None
    final_vals = _kv(raw, schema.SHEET_FINAL) if raw.final else {}
    if any(final_vals.get(f.key) is None for f in schema.FINAL_FIELDS if raw.final and f.required):
        return None
    info_vals["amount_unit"] = raw.amount_unit
    info = Info.model_validate(info_vals)
    facts = Facts.model_validate(fact_vals)

    units: list[str] = []
    unit_rows: dict[str, int] = {}
    unit_duplicates: dict[int, int] = {}
    unit_types: dict[str, str] = {}
    for r in _rows(raw, schema.SHEET_UNITS):
        v = _vals(r, schema.SHEET_UNITS)
        if v["name"] is not None and v["name"] in unit_rows:
            unit_duplicates[r.row] = unit_rows[str(v["name"])]
        elif v["name"] is not None:
            units.append(str(v["name"]))
            unit_rows[str(v["name"])] = r.row
            unit_types[str(v["name"])] = str(v.get("unit_type") or schema.UNIT_TYPES[0])
    incomplete_weights: list[tuple[str, Decimal, int]] = []
    for r in _rows(raw, schema.SHEET_INDICATORS):
        v = _vals(r, schema.SHEET_INDICATORS)
        if v["project"] is not None and v["weight"] is not None and not _complete(v, schema.SHEET_INDICATORS):
            incomplete_weights.append((str(v["project"]), Decimal(str(v["weight"])), r.row))
    incomplete_uses: dict[str, int] = {}
    for r in _rows(raw, schema.SHEET_USES):
        v = _vals(r, schema.SHEET_USES)
        if v["class_code"] is not None and not _complete(v, schema.SHEET_USES):
            incomplete_uses.setdefault(str(v["class_code"]), r.row)
    default_unit = units[0] if len(units) == 1 else ""

    def collect(sheet: str, model: type[Located], fill: dict[str, object] | None = None) -> list:
        out = []
        for r in _rows(raw, sheet):
            v = _vals(r, sheet)
            for k, dv in (fill or {}).items():
                if v.get(k) is None:
                    v[k] = dv
            if _complete(v, sheet):
                out.append(model.model_validate(v))
        return out

    items = collect(schema.SHEET_ITEMS, LineItem, {"unit": default_unit})
    next_rows = {
        sheet: max((r.row for r in _rows(raw, sheet)), default=schema.FIRST_DATA_ROW - 1) + 1
        for sheet in schema.ALL_LIST_SHEETS
    }
    return Inputs(
        info=info,
        facts=facts,
        units=units,
        unit_rows=unit_rows,
        items=items,
        # a required text the format does not read (its column hidden in the workbook) reads as empty
        projects=collect(schema.SHEET_PROJECTS, Project, _unread_texts(info.format, schema.SHEET_PROJECTS)),
        indicators=collect(schema.SHEET_INDICATORS, Indicator),
        priors=collect(schema.SHEET_PRIOR, PriorRow),
        uses=collect(schema.SHEET_USES, ClassUse),
        glossary=collect(schema.SHEET_GLOSSARY, GlossaryEntry),
        extra_codes=collect(schema.SHEET_EXTRA_CODES, ExtraCode),
        next_rows=next_rows,
        kv_cells={sheet: {k: cv.cell for k, cv in raw.kv.get(sheet, {}).items()} for sheet in schema.ALL_KV_SHEETS},
        unit_duplicates=unit_duplicates,
        incomplete_uses=incomplete_uses,
        unit_types=unit_types,
        incomplete_weights=incomplete_weights,
        final=FinalFacts.model_validate(final_vals) if raw.final else None,
        final_income=collect(schema.SHEET_FINAL_INCOME, FinalIncome) if raw.final else [],
        final_carry=collect(schema.SHEET_FINAL_CARRY, FinalCarry, {"carry_in": ZERO_MONEY, "carry_out": ZERO_MONEY})
        if raw.final
        else [],
        final_reasons=collect(schema.SHEET_FINAL_REASONS, FinalReasonRow) if raw.final else [],
        final_priors=collect(schema.SHEET_FINAL_PRIOR, FinalPriorRow) if raw.final else [],
    )
