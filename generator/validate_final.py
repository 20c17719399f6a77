"""Stage 3 for a 决算 workbook (issue 20): cross-field rules over its 决算 inputs.

The same shape as `generator.validate`: `FINAL_VALIDATIONS` is a named list of small checks,
each `(inputs, names) -> list[Issue]`, run by `validate` after the 预算 checks. A 预算
workbook has no 决算 inputs and only meets `check_final_amounts` (a 决算数 typed there) and `check_final_kinds`
(a 决算 支出类型 chosen there).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from generator.compute import ledger as L
from generator.compute.final import FISCAL_FINAL, final_total
from generator.compute.names import Names
from generator.compute.wording import wan
from generator.inputs import FinalFacts, Inputs
from generator.issues import Issue, error, warning
from generator.workbook import schema

ITEMS = schema.SHEET_ITEMS
FINAL = schema.SHEET_FINAL
INCOME = schema.SHEET_FINAL_INCOME
CARRY = schema.SHEET_FINAL_CARRY
ZERO = Decimal("0.00")

Check = Callable[[Inputs, Names], list[Issue]]


def income_total(inputs: Inputs, income_type: str | None = None) -> Decimal:
    """Σ 收入决算 rows, of one 收入类型 when given."""
    rows = inputs.final_income
    return sum((r.amount for r in rows if income_type in (None, r.income_type)), ZERO)


def _cell(inputs: Inputs, key: str) -> str | None:
    found = inputs.kv_cells.get(FINAL, {}).get(key)
    if found:
        return found
    index = next(n for n, f in enumerate(schema.FINAL_FIELDS) if f.key == key)
    return f"{schema.KV_VALUE_COL}{schema.FIRST_DATA_ROW + index}"


def _label(key: str) -> str:
    return next(f.label for f in schema.FINAL_FIELDS if f.key == key)


def check_final_amounts(inputs: Inputs, names: Names) -> list[Issue]:
    """A 决算 workbook needs every line's 决算数; a 预算 workbook does not use one."""
    header = next(c.header for c in schema.ITEM_COLUMNS if c.key == "final")
    if inputs.final is None:
        return [
            warning(
                "final-in-budget",
                f"这是预算工作簿，“{header}”不会被使用；部门决算请在由本年预算工作簿生成的决算工作簿中填写",
                ITEMS,
                item.cell(ITEMS, "final"),
                item.final,
            )
            for item in inputs.items
            if item.final is not None
        ]
    return [
        error(
            "final-missing",
            f"决算工作簿每行支出都须填写“{header}”（“金额”为年初预算数）；本行没有支出时填0",
            ITEMS,
            item.cell(ITEMS, "final"),
        )
        for item in inputs.items
        if item.final is None
    ]


def check_final_kinds(inputs: Inputs, names: Names) -> list[Issue]:
    """上缴上级支出, 经营支出 and 对附属单位补助支出 (支出决算表's last three columns) are 决算 lines only, and
    never paid from 财政拨款, whose 决算 is 基本支出 or 项目支出 alone (一般公共预算财政拨款支出决算表)."""
    kinds = {k.value for k in schema.FINAL_SPENDING_KINDS}
    issues: list[Issue] = []
    for item in inputs.items:
        if item.kind.value not in kinds:
            continue
        if inputs.final is None:
            issues.append(
                error(
                    "final-kind-in-budget",
                    f"“{item.kind.value}”只用于部门决算；预算工作簿的支出类型请选基本支出或项目支出",
                    ITEMS,
                    item.cell(ITEMS, "kind"),
                    item.kind.value,
                )
            )
        elif item.source in FISCAL_FINAL:
            issues.append(
                error(
                    "final-kind-fiscal",
                    f"“{item.kind.value}”不能用财政拨款（本行资金来源为“{item.source.value}”）：财政拨款支出只分基本支出和"
                    f"项目支出。请把支出类型改为基本支出或项目支出，或把资金来源改为单位资金或非财政拨款结转结余",
                    ITEMS,
                    item.cell(ITEMS, "source"),
                    item.source.value,
                )
            )
    return issues


def check_final_balance(inputs: Inputs, names: Names) -> list[Issue]:
    """收入支出决算总表 balances: 本年收入 + 年初结转和结余 + 使用非财政拨款结余
    = 本年支出 + 结余分配 + 年末结转和结余, and the same for 财政拨款 alone."""
    f = inputs.final
    if f is None:
        return []
    issues = []
    income, spending = income_total(inputs), final_total(inputs.items)
    left = income + f.carry_in + f.use_nonfiscal_balance
    right = spending + f.balance_distribution + f.carry_out
    if left != right:
        issues.append(
            error(
                "final-unbalanced",
                f"收支不平衡：本年收入{wan(income)}＋年初结转和结余{wan(f.carry_in)}＋使用非财政拨款结余"
                f"{wan(f.use_nonfiscal_balance)}＝{wan(left)}，本年支出决算{wan(spending)}＋结余分配"
                f"{wan(f.balance_distribution)}＋年末结转和结余{wan(f.carry_out)}＝{wan(right)}，相差{wan(left - right)}。"
                "请核对“收入决算”表、支出明细的决算数和本表各项",
                FINAL,
                _cell(inputs, "carry_out"),
                f.carry_out,
            )
        )
    fiscal_income = income_total(inputs, schema.FINAL_INCOME_FISCAL)
    fiscal_spending = final_total(inputs.items, L.by_sources(FISCAL_FINAL))
    left, right = fiscal_income + f.carry_in_fiscal, fiscal_spending + f.carry_out_fiscal
    if left != right:
        issues.append(
            error(
                "final-fiscal-unbalanced",
                f"财政拨款收支不平衡：财政拨款收入{wan(fiscal_income)}＋年初财政拨款结转和结余{wan(f.carry_in_fiscal)}"
                f"＝{wan(left)}，财政拨款支出决算{wan(fiscal_spending)}＋年末财政拨款结转和结余"
                f"{wan(f.carry_out_fiscal)}＝{wan(right)}，相差{wan(left - right)}。"
                "请核对“收入决算”表的财政拨款收入、支出明细的决算数和本表各项",
                FINAL,
                _cell(inputs, "carry_out_fiscal"),
                f.carry_out_fiscal,
            )
        )
    for part, whole in (("carry_in_fiscal", "carry_in"), ("carry_out_fiscal", "carry_out")):
        if getattr(f, part) > getattr(f, whole):
            issues.append(_over(inputs, f, part, whole))
    return issues


def _over(inputs: Inputs, f: FinalFacts, part: str, whole: str) -> Issue:
    value, limit = getattr(f, part), getattr(f, whole)
    shown = (wan(value), wan(limit)) if isinstance(value, Decimal) else (f"{value}", f"{limit}")
    return error(
        "final-part-over-whole",
        f"“{_label(part)}”{shown[0]}超过“{_label(whole)}”{shown[1]}（前者包含在后者之中），请核对",
        FINAL,
        _cell(inputs, part),
        value,
    )


def check_final_procurement(inputs: Inputs, names: Names) -> list[Issue]:
    """Small and micro within SMEs; amounts awarded to SMEs within the contracts signed."""
    f = inputs.final
    if f is None:
        return []
    issues = []
    if f.reserved_small > f.reserved_sme:
        issues.append(_over(inputs, f, "reserved_small", "reserved_sme"))
    if f.awarded_small_reserved > f.awarded_sme_reserved:
        issues.append(_over(inputs, f, "awarded_small_reserved", "awarded_sme_reserved"))
    contracts = f.contract_goods + f.contract_works + f.contract_services
    awarded = f.awarded_sme_reserved + f.awarded_sme_other
    if awarded > contracts:
        issues.append(
            error(
                "final-awarded-over-contracts",
                f"由中小企业中标或成交的采购金额合计{wan(awarded)}（预留项目{wan(f.awarded_sme_reserved)}＋其他项目"
                f"{wan(f.awarded_sme_other)}）超过政府采购合同金额合计{wan(contracts)}（货物＋工程＋服务），请核对",
                FINAL,
                _cell(inputs, "awarded_sme_other"),
                f.awarded_sme_other,
            )
        )
    return issues


def check_final_assets(inputs: Inputs, names: Names) -> list[Issue]:
    """The 公务用车 保有量 of the “三公” paragraph is within the vehicles held at 12月31日."""
    f = inputs.final
    if f is None:
        return []
    vehicles = sum(getattr(f, key) for key, _ in schema.FINAL_VEHICLE_CATEGORIES)
    if f.vehicles_held <= vehicles:
        return []
    return [
        error(
            "final-vehicles-over-assets",
            f"公务用车保有量{f.vehicles_held}辆超过截至12月31日各类车辆合计{vehicles}辆，请核对",
            FINAL,
            _cell(inputs, "vehicles_held"),
            f.vehicles_held,
        )
    ]


def check_final_performance(inputs: Inputs, names: Names) -> list[Issue]:
    """Ratings add up to the projects self-evaluated; problems fixed or in hand within those found."""
    f = inputs.final
    if f is None:
        return []
    issues = []
    rated = sum(getattr(f, key) for key, _ in schema.FINAL_RATINGS)
    if rated != f.evaluated_count:
        parts = "＋".join(f"{label}{getattr(f, key)}个" for key, label in schema.FINAL_RATINGS)
        issues.append(
            error(
                "final-ratings-mismatch",
                f"各绩效评级的项目数之和为{rated}个（{parts}），绩效自评的项目数为{f.evaluated_count}个，两者应相等，请核对",
                FINAL,
                _cell(inputs, "evaluated_count"),
                f.evaluated_count,
            )
        )
    if f.problems_fixed + f.problems_fixing > f.problems_found:
        issues.append(
            error(
                "final-problems-over-found",
                f"已完成整改{f.problems_fixed}个与正在整改{f.problems_fixing}个之和超过发现的问题数"
                f"{f.problems_found}个，请核对",
                FINAL,
                _cell(inputs, "problems_fixing"),
                f.problems_fixing,
            )
        )
    if f.evaluated_score > 100:
        issues.append(
            error(
                "final-score-over-100",
                f"绩效自评平均得分{f.evaluated_score}分超过100分，请核对",
                FINAL,
                _cell(inputs, "evaluated_score"),
                f.evaluated_score,
            )
        )
    return issues


def check_final_income_codes(inputs: Inputs, names: Names) -> list[Issue]:
    """收入决算 and 基金结转和结余 rows name a known 功能分类 项 (with its 类 and 款)."""
    issues = []
    rows = [(INCOME, r) for r in inputs.final_income] + [(CARRY, r) for r in inputs.final_carry]
    for sheet, row in rows:
        missing = next(
            (c for c in (row.func_code, row.func_code[:5], row.func_code[:3]) if c not in names.functions), None
        )
        if missing is not None:
            issues.append(
                error(
                    "func-code-unknown",
                    f"功能分类科目编码{row.func_code}：科目{missing}不在{names.function_source}中。"
                    "请核对编码；如确为新增科目，请在“补充科目”表填写其官方名称",
                    sheet,
                    row.cell(sheet, "func_code"),
                    row.func_code,
                )
            )
    return issues


def check_final_carry(inputs: Inputs, names: Names) -> list[Issue]:
    """基金结转和结余: a 科目 once per fund, and the rows of a fund add up to its 年初/年末结转和结余 in 决算情况
    (checked only for a fund with rows: without rows the tables show the 决算情况 figures in 合计 alone)."""
    f = inputs.final
    if f is None:
        return []
    issues: list[Issue] = []
    seen: dict[tuple[str, str], int] = {}
    for row in inputs.final_carry:
        first = seen.setdefault((row.fund, row.func_code), row.row)
        if first != row.row:
            issues.append(
                error(
                    "final-carry-duplicate",
                    f"{row.fund}科目{row.func_code}已在第{first}行填写，每个科目只填一行，请合并这两行",
                    CARRY,
                    row.cell(CARRY, "func_code"),
                    row.func_code,
                )
            )
    funds = dict(
        zip(
            schema.FINAL_CARRY_FUNDS,
            (("carry_in_fund", "carry_out_fund"), ("carry_in_soe", "carry_out_soe")),
            strict=True,
        )
    )
    for fund, keys in funds.items():
        rows = [r for r in inputs.final_carry if r.fund == fund]
        if not rows:
            continue
        for key, column in zip(keys, ("carry_in", "carry_out"), strict=True):
            total = sum((getattr(r, column) for r in rows), ZERO)
            typed = getattr(f, key)
            if total != typed:
                issues.append(
                    error(
                        "final-carry-sum",
                        f"“{CARRY}”中{fund}各科目的{_column_header(column)}合计{wan(total)}，与本表“{_label(key)}”"
                        f"{wan(typed)}不同：请核对两处，使各科目之和等于本项",
                        FINAL,
                        _cell(inputs, key),
                        typed,
                    )
                )
    return issues


def _column_header(key: str) -> str:
    return next(c.header for c in schema.FINAL_CARRY_COLUMNS if c.key == key)


# “三公” amounts (决算数 of 财政拨款 lines by economic code) and the counts that go with them.
SANGONG_COUNTS: tuple[tuple[str, frozenset[str], tuple[str, ...]], ...] = (
    ("因公出国（境）费", L.SANGONG_ABROAD, ("abroad_groups", "abroad_people")),
    ("公务用车购置费", L.SANGONG_VEHICLE_BUY, ("vehicles_bought",)),
    ("公务用车运行维护费", L.SANGONG_VEHICLE_RUN, ("vehicles_held",)),
    ("公务接待费", L.SANGONG_RECEPTION, ("reception_batches", "reception_people")),
)


def check_final_sangong_counts(inputs: Inputs, names: Names) -> list[Issue]:
    """A “三公” amount spent goes with its counts (团组数, 人次, 车辆数, 批次), and counts with an amount."""
    f = inputs.final
    if f is None or any(i.final is None for i in inputs.items):
        return []
    issues = []
    fiscal = L.select(inputs.items, L.by_sources(FISCAL_FINAL))
    for label, codes, keys in SANGONG_COUNTS:
        amount = final_total(fiscal, lambda i, codes=codes: i.econ_code in codes)
        counts = {key: getattr(f, key) for key in keys}
        if amount > 0 and not all(counts.values()):
            key = next(k for k, v in counts.items() if not v)
            issues.append(
                warning(
                    "final-sangong-count-missing",
                    f"{label}决算{wan(amount)}，但“{_label(key)}”为0；请填写，或核对支出明细中该项的决算数",
                    FINAL,
                    _cell(inputs, key),
                    0,
                )
            )
        elif amount == 0 and any(counts.values()) and keys != ("vehicles_held",):
            key = next(k for k, v in counts.items() if v)
            issues.append(
                warning(
                    "final-sangong-amount-missing",
                    f"“{_label(key)}”为{counts[key]}，但{label}决算为0；请核对本表或支出明细中该项的决算数",
                    FINAL,
                    _cell(inputs, key),
                    counts[key],
                )
            )
    return issues


FINAL_VALIDATIONS: tuple[Check, ...] = (
    check_final_amounts,
    check_final_kinds,
    check_final_balance,
    check_final_procurement,
    check_final_assets,
    check_final_performance,
    check_final_income_codes,
    check_final_carry,
    check_final_sangong_counts,
)
