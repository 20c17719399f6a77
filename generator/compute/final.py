"""决算 figures (issue 20): each 决算 figure set against its 年初预算 and last year's 决算, with the
reasons bound to them.

A 决算 workbook's 支出明细 carry the 年初预算数 (金额) and the 决算数 of each line. The document
explains the 一般公共预算财政拨款支出, each of its 项 and the “三公”经费 by their 决算 against
their 年初预算 (czj-2024-final 五（三）, 七). This module computes those pairs (`Completion`:
the completion rate, never over a zero budget) and binds the officer's reasons in sheet 预决算对比
to the figures they were written for, exactly as `comparisons.PriorBook` binds 上年对比 reasons:
a moved 决算数 is a warning at its reason, a flipped relation (大于 ↔ 小于 ↔ 持平 ↔ 年初未安排)
an error there, until the reason is rewritten. Last year's 决算 figures (sheet 上年决算对比) are compared
the same way (`FinalPriorBook`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from generator import formatting as fmt
from generator.compute import ledger as L
from generator.compute.comparisons import Comparison, bind_rows, clean_reason, direction, written_for
from generator.compute.names import Names
from generator.inputs import FinalPriorRow, FinalReasonRow, Inputs, LineItem
from generator.issues import Issue, error, warning
from generator.workbook import schema
from generator.workbook.schema import FINAL_ITEM_PREFIX, FinalKey, FinalPriorKey
from generator.workbook.schema import FundSource as F

ZERO = Decimal("0.00")
SHEET = schema.SHEET_FINAL_REASONS


def unneeded_rows(rows: Mapping[str, Any], needed: Sequence[Any], sheet: str) -> list[Issue]:
    """A warning at every reason row (of either 决算 comparison sheet) that no figure asked for."""
    asked = {n.key for n in needed}
    return [
        warning("final-row-unneeded", f"“{row.key}”：此行已不需要，可删除", sheet, row.cell(sheet, "key"), row.key)
        for key, row in rows.items()
        if key not in asked
    ]


# 一般公共预算财政拨款 in a 决算: the year's 拨款 and the 结转 spent in the year; 财政拨款 likewise.
GPB_FINAL = L.GPB | {F.CARRY_GPB}
FISCAL_FINAL = L.FISCAL_CURRENT | L.CARRY
SANGONG_CODES = L.SANGONG_ABROAD | L.SANGONG_RECEPTION | L.SANGONG_VEHICLE_RUN | L.SANGONG_VEHICLE_BUY
_ITEM_KEY = re.compile(r"^一般公共预算项[：:]\s*(\d{7})")
_FIXED = {k.value.replace(" ", ""): k.value for k in FinalKey}


def final_total(items: list[LineItem], *preds: L.Predicate) -> Decimal:
    """Σ 决算数 of the items matching every predicate (an item without one counts 0)."""
    return sum((i.final or ZERO for i in items if all(p(i) for p in preds)), ZERO)


@dataclass(frozen=True)
class Completion:
    """A 决算 figure against its 年初预算, as a sentence reads it."""

    budget: Decimal
    final: Decimal

    @property
    def relation(self) -> str:
        """大于 / 小于 / 持平 (决算 against 预算), 年初未安排 (spent without a budget), 未安排 (neither)."""
        if self.budget == 0:
            return "未安排" if self.final == 0 else "年初未安排"
        if self.final == self.budget:
            return "持平"
        return "大于" if self.final > self.budget else "小于"

    @property
    def rate(self) -> Decimal | None:
        """决算 ÷ 年初预算 × 100, half-up to 2 decimals; None over a zero budget (no rate is quoted)."""
        if self.budget == 0:
            return None
        return fmt.q2(self.final * fmt.HUNDRED / self.budget)

    @property
    def needs_reason(self) -> bool:
        return self.final != self.budget

    @property
    def difference(self) -> str:
        """What a reason explains: 决算数小于预算数, 决算数大于预算数, 年初未安排预算而有决算支出."""
        return "年初未安排预算而有决算支出" if self.relation == "年初未安排" else f"决算数{self.relation}预算数"

    def describe(self) -> str:
        """One line for the officer (sheet 预决算对比 说明), in the words of the document."""
        budget, final = fmt.amount(self.budget), fmt.amount(self.final)
        if self.rate is None:
            return f"年初未安排预算，决算{final}万元" if self.final else "年初未安排预算，无决算支出"
        return f"年初预算{budget}万元，决算{final}万元，完成年初预算的{fmt.percent(self.rate)}%（决算数{self.relation}预算数）"


@dataclass(frozen=True)
class Explained:
    """One 决算 figure with its completion and the officer's reason (None when none is needed or given)."""

    key: str
    label: str
    completion: Completion
    reason: str | None


@dataclass(frozen=True)
class NeededFinalRow:
    """A row the document needs in 预决算对比, for `disclosure prepare`."""

    key: str
    label: str  # as written into the sheet (items with their name)
    completion: Completion
    row: int | None  # the existing row, if any


def normalise_key(text: str) -> str | None:
    """The canonical key of a 比较项目 cell of 预决算对比, or None if it is not one we know."""
    t = text.strip().replace(":", "：").replace(" ", "").replace("\u3000", "")
    m = _ITEM_KEY.match(t)
    if m:
        return f"{FINAL_ITEM_PREFIX}{m.group(1)}"
    return _FIXED.get(t)


@dataclass
class FinalBook:
    """The reasons of sheet 预决算对比, matched to the figures the 决算 explains."""

    inputs: Inputs
    issues: list[Issue] = field(default_factory=list)
    needed: list[NeededFinalRow] = field(default_factory=list)
    _rows: dict[str, FinalReasonRow] = field(default_factory=dict)
    _next_row: int = 0

    def __post_init__(self) -> None:
        self._next_row = self.inputs.next_rows.get(SHEET, schema.FIRST_DATA_ROW)
        standard = f"“{FinalKey.GPB_TOTAL.value}”或“{FINAL_ITEM_PREFIX}2010601 行政运行”"
        self._rows, issues = bind_rows(self.inputs.final_reasons, SHEET, normalise_key, "final", standard)
        self.issues += issues

    def explain(self, key: str, label: str, completion: Completion) -> Explained:
        """The reason for `key`'s 决算 against its 年初预算; a missing or stale one is reported at its cell."""
        row = self._rows.get(key)
        self.needed.append(NeededFinalRow(key, label, completion, row.row if row else None))
        if row is None:
            if completion.needs_reason:
                n = self._next_row
                self._next_row += 1
                self.issues.append(
                    error(
                        "final-row-missing",
                        f"缺少比较项目“{label}”（{completion.describe()}）。请在{SHEET}!A{n}填写“{label}”，"
                        f"B{n}填写{completion.difference}的主要原因；也可运行 disclosure prepare 自动添加所需行",
                        SHEET,
                        f"A{n}",
                    )
                )
            return Explained(key, label, completion, None)
        reason = clean_reason(row.reason)
        if reason is None and completion.needs_reason:
            self.issues.append(
                error(
                    "final-reason-missing",
                    f"“{label}”{completion.describe()}，请填写{completion.difference}的主要原因",
                    SHEET,
                    row.cell(SHEET, "reason"),
                )
            )
        if reason is not None:
            self._check_recorded(row, label, completion)
        return Explained(key, label, completion, reason)

    def _check_recorded(self, row: FinalReasonRow, label: str, now: Completion) -> None:
        """A reason belongs to the 决算数 it was written for (rules.md §4), as in `PriorBook`."""
        recorded = written_for(row, now.final)
        if recorded is None:
            return
        was = Completion(now.budget, recorded)
        cell = row.cell(SHEET, "reason")
        if was.relation != now.relation:
            self.issues.append(
                error(
                    "final-reason-direction-flipped",
                    f"“{label}”的主要原因是按决算数{_relation_text(was)}写的（当时决算{fmt.amount(was.final)}万元），"
                    f"现在{now.describe()}，是{_relation_text(now)}；请改写主要原因",
                    SHEET,
                    cell,
                    row.reason,
                )
            )
        else:
            self.issues.append(
                warning(
                    "final-reason-figure-moved",
                    f"“{label}”的主要原因是按决算{fmt.amount(was.final)}万元写的，现在决算为{fmt.amount(now.final)}万元。"
                    "请确认原因仍然适用；如需修改，改写原因后运行 disclosure prepare",
                    SHEET,
                    cell,
                    row.reason,
                )
            )

    def finish(self) -> None:
        """Warn about every row no figure asked for."""
        self.issues += unneeded_rows(self._rows, self.needed, SHEET)

    def row_of(self, key: str) -> FinalReasonRow | None:
        return self._rows.get(key)


def _relation_text(c: Completion) -> str:
    return {"年初未安排": "年初未安排预算", "未安排": "未安排"}.get(c.relation, f"{c.relation}预算数")


def explain_final(inputs: Inputs, names: Names, book: FinalBook) -> list[Explained]:
    """The 决算 figures the document sets against their 年初预算, in document order: the
    一般公共预算财政拨款支出, each of its 项 (budgeted or spent), then the “三公”经费."""
    items = inputs.items
    gpb = L.select(items, L.by_sources(GPB_FINAL))
    out = [book.explain(FinalKey.GPB_TOTAL.value, FinalKey.GPB_TOTAL.value, _completion(gpb))]
    for code in sorted({i.func_code for i in gpb if i.amount or i.final}):
        label = f"{FINAL_ITEM_PREFIX}{code} {names.functions.get(code, '')}".strip()
        out.append(
            book.explain(f"{FINAL_ITEM_PREFIX}{code}", label, _completion([i for i in gpb if i.func_code == code]))
        )
    sangong = [i for i in L.select(items, L.by_sources(FISCAL_FINAL)) if i.econ_code in SANGONG_CODES]
    out.append(book.explain(FinalKey.SANGONG.value, FinalKey.SANGONG.value, _completion(sangong)))
    book.finish()
    return out


def _completion(items: list[LineItem]) -> Completion:
    return Completion(L.total(items), final_total(items))


# --- last year's 决算 -----------------------------------------------------------------

PRIOR_SHEET = schema.SHEET_FINAL_PRIOR
_PRIOR_KEYS = {k.value.replace(" ", ""): k.value for k in FinalPriorKey}


def _prior_key(text: str) -> str | None:
    """The canonical key of a 比较项目 cell of 上年决算对比, or None if it is not one we know."""
    return _PRIOR_KEYS.get(text.strip().replace(":", "：").replace(" ", "").replace("\u3000", ""))


def spent(items: list[LineItem]) -> list[LineItem]:
    """The line items as spent: each one's amount is its 决算数, so the ledger's sums give 决算 figures."""
    return [i.model_copy(update={"amount": i.final or ZERO}) for i in items]


def year_figures(inputs: Inputs) -> list[tuple[str, Decimal]]:
    """The 决算 figures the document compares with last year's 决算, in document order (czj-2024-final
    一, 四, 五（一）, 七, 十一（一））."""
    f = inputs.final
    assert f is not None
    items = spent(inputs.items)
    income = sum((r.amount for r in inputs.final_income), ZERO)
    fiscal_income = sum((r.amount for r in inputs.final_income if r.income_type == schema.FINAL_INCOME_FISCAL), ZERO)
    fiscal = L.select(items, L.by_sources(FISCAL_FINAL))

    def sangong(codes: frozenset[str]) -> Decimal:
        return L.total(fiscal, lambda i: i.econ_code in codes)

    units = frozenset(
        u for u in inputs.units if inputs.unit_types.get(u, schema.UNIT_TYPES[0]) in schema.OPERATING_UNIT_TYPES
    )
    operating = L.total(
        items,
        L.by_sources(GPB_FINAL),
        L.basic,
        lambda i: not L.is_personnel(i.econ_code),
        lambda i: not i.unit or i.unit in units,
    )
    return [
        (FinalPriorKey.TOTAL.value, income + f.carry_in + f.use_nonfiscal_balance),
        (FinalPriorKey.FISCAL_TOTAL.value, fiscal_income + f.carry_in_fiscal),
        (FinalPriorKey.GPB.value, L.total(items, L.by_sources(GPB_FINAL))),
        (FinalPriorKey.SANGONG.value, sangong(SANGONG_CODES)),
        (FinalPriorKey.SANGONG_ABROAD.value, sangong(L.SANGONG_ABROAD)),
        (FinalPriorKey.SANGONG_VEHICLE.value, sangong(L.SANGONG_VEHICLE_BUY | L.SANGONG_VEHICLE_RUN)),
        (FinalPriorKey.SANGONG_RECEPTION.value, sangong(L.SANGONG_RECEPTION)),
        (FinalPriorKey.OPERATING.value, operating),
    ]


@dataclass(frozen=True)
class NeededPriorRow:
    """A row the document needs in 上年决算对比, for `disclosure prepare`."""

    key: str
    current: Decimal
    row: int | None


@dataclass
class FinalPriorBook:
    """Last year's 决算 figures and reasons (sheet 上年决算对比), bound like 上年对比's (rules.md §4):
    a moved figure warns at its reason, a flipped direction (增加 ↔ 减少 ↔ 持平 ↔ 新增) is an error."""

    inputs: Inputs
    issues: list[Issue] = field(default_factory=list)
    needed: list[NeededPriorRow] = field(default_factory=list)
    _rows: dict[str, FinalPriorRow] = field(default_factory=dict)
    _next_row: int = 0

    def __post_init__(self) -> None:
        self._next_row = self.inputs.next_rows.get(PRIOR_SHEET, schema.FIRST_DATA_ROW)
        self._rows, issues = bind_rows(
            self.inputs.final_priors, PRIOR_SHEET, _prior_key, "final", f"“{FinalPriorKey.OPERATING.value}”"
        )
        self.issues += issues

    def compare(self, key: str, current: Decimal) -> Comparison:
        """This year's 决算 figure against last year's; a missing row, figure or reason is reported at its cell."""
        row = self._rows.get(key)
        self.needed.append(NeededPriorRow(key, current, row.row if row else None))
        if row is None:
            n = self._next_row
            self._next_row += 1
            self.issues.append(
                error(
                    "final-prior-row-missing",
                    f"缺少比较项目“{key}”（本年决算{fmt.amount(current)}万元）。请在{PRIOR_SHEET}!A{n}填写“{key}”，"
                    f"B{n}填写上年决算数（上年没有则填0），变化时在C{n}填写主要原因；也可运行 disclosure prepare 自动添加所需行",
                    PRIOR_SHEET,
                    f"A{n}",
                )
            )
            return Comparison(key, current, ZERO, None)
        if row.prior is None:
            self.issues.append(
                error(
                    "final-prior-amount-missing",
                    f"“{key}”缺少上年决算数：请填写上年部门决算公开中的对应数（上年没有则填0）",
                    PRIOR_SHEET,
                    row.cell(PRIOR_SHEET, "prior"),
                )
            )
            return Comparison(key, current, ZERO, clean_reason(row.reason))
        reason = clean_reason(row.reason)
        if current != row.prior and reason is None:
            self.issues.append(
                error(
                    "reason-missing",
                    f"“{key}”本年决算{fmt.amount(current)}万元，上年决算{fmt.amount(row.prior)}万元，发生变化，请填写主要原因",
                    PRIOR_SHEET,
                    row.cell(PRIOR_SHEET, "reason"),
                )
            )
        if reason is not None:
            self._check_recorded(row, key, current, row.prior)
        return Comparison(key, current, row.prior, reason)

    def _check_recorded(self, row: FinalPriorRow, key: str, current: Decimal, prior: Decimal) -> None:
        recorded = written_for(row, current)
        if recorded is None:
            return
        was, now = direction(recorded, prior), direction(current, prior)
        cell = row.cell(PRIOR_SHEET, "reason")
        if was != now:
            self.issues.append(
                error(
                    "reason-direction-flipped",
                    f"“{key}”的主要原因是按{was}写的（当时本年{fmt.amount(recorded)}万元），现在本年{fmt.amount(current)}万元、"
                    f"上年{fmt.amount(prior)}万元，是{now}。原因是按{was}写的，现在是{now}，请改写主要原因",
                    PRIOR_SHEET,
                    cell,
                    row.reason,
                )
            )
        else:
            self.issues.append(
                warning(
                    "reason-figure-moved",
                    f"“{key}”的主要原因是按本年{fmt.amount(recorded)}万元写的，现在本年为{fmt.amount(current)}万元。"
                    "请确认原因仍然适用；如需修改，改写原因后运行 disclosure prepare",
                    PRIOR_SHEET,
                    cell,
                    row.reason,
                )
            )

    def finish(self) -> None:
        """Warn about every row no figure asked for."""
        self.issues += unneeded_rows(self._rows, self.needed, PRIOR_SHEET)

    def row_of(self, key: str) -> FinalPriorRow | None:
        return self._rows.get(key)


def compare_years(inputs: Inputs, book: FinalPriorBook) -> list[Comparison]:
    """Every year-over-year comparison of the 决算, asked of the book in document order."""
    out = [book.compare(key, current) for key, current in year_figures(inputs)]
    book.finish()
    return out
