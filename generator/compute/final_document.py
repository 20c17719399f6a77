"""The 部门决算 document (issue 20 slice 2): its nine tables and the figures of its 第三部分.

A 决算 workbook's line items carry the 年初预算数 (金额) and the 决算数; its 收入决算 sheet the year's
income by 功能分类 项 and 收入类型; its 决算情况 sheet the carry-overs, counts, contracts, assets and
绩效 figures. The tables (`FinalTableBuilder`, the 决算 kinds of `tables.KINDS`) sum the line items as
spent (`final.spent`), and the sentences (`FinalNarrative`, the format's section templates) place those
same sums, the completions against the 年初预算 (`final.explain_final`) and the comparisons with last
year's 决算 (`final.compare_years`), so a figure quoted in the text always equals its table cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from generator import formatting as fmt
from generator.compute import ledger as L
from generator.compute.final import (
    FISCAL_FINAL,
    GPB_FINAL,
    SANGONG_CODES,
    Completion,
    Explained,
    FinalBook,
    FinalPriorBook,
    compare_years,
    explain_final,
    spent,
    year_figures,
)
from generator.compute.ledger import Predicate
from generator.compute.names import Names
from generator.compute.tables import KIND_COLUMNS, TableBuilder, functional_rows
from generator.compute.wording import Change, change_of
from generator.formats.text import SUFFIX, Settings, TextProblem, TextTemplateError, load_sections
from generator.inputs import Inputs, LineItem
from generator.model import Cell, Section, TableRow
from generator.workbook import schema
from generator.workbook.schema import FinalPriorKey as P
from generator.workbook.schema import FundSource as F

ZERO = Decimal("0.00")
FUND_FINAL = L.FUND | {F.CARRY_FUND}
SOE_FINAL = L.SOE | {F.CARRY_SOE}
INCOME_TYPES = schema.FINAL_INCOME_SOURCES  # 财政拨款收入, 上级补助收入, 事业收入, 经营收入, 附属单位上缴收入, 其他收入
FISCAL_INCOME = schema.FINAL_INCOME_FISCAL
CARRY_FUNDS = dict(zip(("fund", "soe"), schema.FINAL_CARRY_FUNDS, strict=True))  # 基金结转和结余's 资金性质

# “三公” groups of the 决算 (table 七 and 第三部分 七): label, economic codes.
SANGONG_GROUPS: tuple[tuple[str, frozenset[str]], ...] = (
    ("合计", SANGONG_CODES),
    ("因公出国（境）费", L.SANGONG_ABROAD),
    ("公务用车购置及运行维护费", L.SANGONG_VEHICLE_BUY | L.SANGONG_VEHICLE_RUN),
    ("公务用车购置费", L.SANGONG_VEHICLE_BUY),
    ("公务用车运行维护费", L.SANGONG_VEHICLE_RUN),
    ("公务接待费", L.SANGONG_RECEPTION),
)


@dataclass(frozen=True)
class Entry:
    """One amount of a 政府性基金/国有资本经营 收入支出决算表 row: income of a 项, a line's 决算, or a 科目's
    年初/年末结转和结余 (基金结转和结余)."""

    func_code: str
    amount: Decimal
    column: str  # "income", "basic", "project", "carry_in" or "carry_out"


def funds_by_code(items: Sequence[LineItem]) -> dict[str, str]:
    """Which 财政拨款 a 项's 财政拨款收入 belongs to: the fund its lines are paid from (政府性基金 and
    国有资本经营 科目 are 项 of their own), "fund" or "soe"; a 项 missing here is 一般公共预算 ("gpb")."""
    out: dict[str, str] = {}
    for i in items:
        if i.source in FUND_FINAL:
            out[i.func_code] = "fund"
        elif i.source in SOE_FINAL:
            out.setdefault(i.func_code, "soe")
    return out


class FinalTableBuilder(TableBuilder):
    """The rows of the 决算 table kinds: line items as spent, income and carry-overs from the 决算 sheets."""

    def __init__(self, inputs: Inputs, names: Names, unit_line: str, operating_units: frozenset[str] | None) -> None:
        super().__init__(spent(inputs.items), names, unit_line, operating_units)
        assert inputs.final is not None
        self.facts = inputs.final
        self.budgeted = list(inputs.items)  # amount = 年初预算数
        self.income_rows = list(inputs.final_income)
        self.gpb = L.select(self.items, L.by_sources(GPB_FINAL))
        self.fiscal_spent = L.select(self.items, L.by_sources(FISCAL_FINAL))
        self._funds = funds_by_code(self.budgeted)
        self.carry_rows = list(inputs.final_carry)

    def fund_of(self, code: str) -> str:
        return self._funds.get(code, "gpb")

    # --- figures shared with the narrative ---------------------------------------------

    def income_of(self, income_type: str, fund: str | None = None) -> Decimal:
        rows = [r for r in self.income_rows if r.income_type == income_type]
        if fund is not None:
            rows = [r for r in rows if self.fund_of(r.func_code) == fund]
        return sum((r.amount for r in rows), ZERO)

    @property
    def income_total(self) -> Decimal:
        return sum((r.amount for r in self.income_rows), ZERO)

    @property
    def spending_total(self) -> Decimal:
        return L.total(self.items)

    @property
    def fiscal_income(self) -> Decimal:
        return self.income_of(FISCAL_INCOME)

    def carry_in_of(self, fund: str) -> Decimal:
        f = self.facts
        return {"fund": f.carry_in_fund, "soe": f.carry_in_soe}.get(
            fund, f.carry_in_fiscal - f.carry_in_fund - f.carry_in_soe
        )

    def carry_out_of(self, fund: str) -> Decimal:
        f = self.facts
        return {"fund": f.carry_out_fund, "soe": f.carry_out_soe}.get(
            fund, f.carry_out_fiscal - f.carry_out_fund - f.carry_out_soe
        )

    def _classes_numbered(self) -> list[tuple[str, str]]:
        """Every 功能分类 类 of the year's catalogue, numbered as the 决算 总表 lists them: (一、一般公共服务支出, 201)."""
        return [(f"{fmt.cn_number(n)}、{self.names.function(c)}", c) for n, c in enumerate(self.names_classes(), 1)]

    # --- 一 收入支出决算总表 ---------------------------------------------------------------

    def final_summary(self, total_label: str) -> list[TableRow]:
        f = self.facts
        income: list[list[Cell]] = [
            ["一、一般公共预算财政拨款收入", self.income_of(FISCAL_INCOME, "gpb")],
            ["二、政府性基金预算财政拨款收入", self.income_of(FISCAL_INCOME, "fund")],
            ["三、国有资本经营预算财政拨款收入", self.income_of(FISCAL_INCOME, "soe")],
            *([f"{fmt.cn_number(n)}、{t}", self.income_of(t)] for n, t in enumerate(INCOME_TYPES[1:], start=4)),
        ]
        spending: list[list[Cell]] = [
            [label, L.total(self.items, lambda i, c=code: i.func_code.startswith(c))]
            for label, code in self._classes_numbered()
        ]
        rows = self._side_by_side(income, spending, 2, 2)
        income_in, spent_out = self.income_total, self.spending_total
        rows += [
            TableRow(style="total", cells=["本年收入合计", income_in, "本年支出合计", spent_out]),
            TableRow(
                style="label",
                cells=["使用非财政拨款结余（含专用结余）", f.use_nonfiscal_balance, "结余分配", f.balance_distribution],
            ),
            TableRow(style="label", cells=["年初结转和结余", f.carry_in, "年末结转和结余", f.carry_out]),
            TableRow(
                style="total",
                cells=[
                    "总计",
                    income_in + f.use_nonfiscal_balance + f.carry_in,
                    "总计",
                    spent_out + f.balance_distribution + f.carry_out,
                ],
            ),
        ]
        return rows

    # --- 二 收入决算表 ----------------------------------------------------------------------

    def final_income(self, total_label: str) -> list[TableRow]:
        cols: tuple[Predicate, ...] = (
            lambda r: True,
            *(lambda r, t=t: r.income_type == t for t in INCOME_TYPES),
        )
        total = TableRow(style="total", cells=["", "", "", total_label, *(L.total(self.income_rows, c) for c in cols)])
        return [total, *functional_rows(self.income_rows, cols, self.names)]  # type: ignore[arg-type]

    # --- 三 支出决算表 ----------------------------------------------------------------------

    def final_spending(self, total_label: str) -> list[TableRow]:
        # 合计, 基本支出, 项目支出, then 上缴上级支出, 经营支出, 对附属单位补助支出 (the 决算's own 支出类型)
        cols: tuple[Predicate, ...] = (*KIND_COLUMNS, *(L.of_kind(k) for k in schema.FINAL_SPENDING_KINDS))
        total = TableRow(style="total", cells=["", "", "", total_label, *(L.total(self.items, c) for c in cols)])
        return [total, *functional_rows(self.items, cols, self.names)]

    # --- 四 财政拨款收入支出决算总表 ---------------------------------------------------------

    def final_fiscal(self, total_label: str) -> list[TableRow]:
        funds = ("gpb", "fund", "soe")
        fiscal = self.fiscal_spent
        cols: tuple[Predicate, ...] = (
            lambda i: True,
            L.by_sources(GPB_FINAL),
            L.by_sources(FUND_FINAL),
            L.by_sources(SOE_FINAL),
        )
        labels = ("一、一般公共预算财政拨款", "二、政府性基金预算财政拨款", "三、国有资本经营预算财政拨款")
        income: list[list[Cell]] = [
            [label, self.income_of(FISCAL_INCOME, f)] for label, f in zip(labels, funds, strict=True)
        ]
        spending: list[list[Cell]] = [
            [label, *(L.total(fiscal, c, lambda i, code=code: i.func_code.startswith(code)) for c in cols)]
            for label, code in self._classes_numbered()
        ]
        rows = self._side_by_side(income, spending, 2, 5)
        spent_cols = [L.total(fiscal, c) for c in cols]
        out_cols = [self.facts.carry_out_fiscal, *(self.carry_out_of(f) for f in funds)]
        rows.append(TableRow(style="total", cells=["本年收入合计", self.fiscal_income, "本年支出合计", *spent_cols]))
        rows.append(
            TableRow(
                style="label",
                cells=["年初财政拨款结转和结余", self.facts.carry_in_fiscal, "年末财政拨款结转和结余", *out_cols],
            )
        )
        for label, f in zip(labels, funds, strict=True):
            rows.append(TableRow(style="label", cells=[label, self.carry_in_of(f), "", None, None, None, None]))
        rows.append(
            TableRow(
                style="total",
                cells=[
                    "总计",
                    self.fiscal_income + self.facts.carry_in_fiscal,
                    "总计",
                    *(a + b for a, b in zip(spent_cols, out_cols, strict=True)),
                ],
            )
        )
        return rows

    # --- 六 一般公共预算财政拨款基本支出决算表 -----------------------------------------------

    def final_basic(self, total_label: str) -> list[TableRow]:
        basic = L.select(self.gpb, L.basic)
        personnel = [i for i in basic if L.is_personnel(i.econ_code)]
        public = [i for i in basic if not L.is_personnel(i.econ_code)]
        rows = self._side_by_side(self._econ_lines(personnel), self._econ_lines(public), 4, 4)
        rows.append(
            TableRow(
                style="total",
                cells=["", "", "人员经费合计", L.total(personnel), "", "", "公用经费合计", L.total(public)],
            )
        )
        return rows

    def _econ_lines(self, items: list[LineItem]) -> list[list[Cell]]:
        lines: list[list[Cell]] = []
        for cls in sorted({i.econ_code[:3] for i in items}):
            in_cls = [i for i in items if i.econ_code.startswith(cls)]
            lines.append([cls, "", self.names.econ_name(cls), L.total(in_cls)])
            for code in sorted({i.econ_code for i in in_cls}):
                mine = [i for i in in_cls if i.econ_code == code]
                lines.append([cls, code[3:], self.names.econ_name(code), L.total(mine)])
        return lines

    # --- 七 财政拨款“三公”经费支出决算表 ---------------------------------------------------

    def sangong_completions(self) -> dict[str, Completion]:
        """Each “三公” group's 决算 against its 年初预算 (财政拨款, the year's and carried over)."""
        budgeted = L.select(self.budgeted, L.by_sources(FISCAL_FINAL))
        return {
            label: Completion(
                L.total(budgeted, lambda i, c=codes: i.econ_code in c),
                L.total(self.fiscal_spent, lambda i, c=codes: i.econ_code in c),
            )
            for label, codes in SANGONG_GROUPS
        }

    def final_sangong(self, total_label: str) -> list[TableRow]:
        cells: list[Cell] = []
        for c in self.sangong_completions().values():
            cells += [c.budget, c.final]
        return [TableRow(style="label", cells=cells)]

    # --- 八、九 政府性基金 / 国有资本经营预算财政拨款收入支出决算表 ------------------------------

    def _fund_entries(self, fund: str, sources: frozenset[F]) -> list[Entry]:
        income = [
            Entry(r.func_code, r.amount, "income")
            for r in self.income_rows
            if r.income_type == FISCAL_INCOME and self.fund_of(r.func_code) == fund
        ]
        spending = [
            Entry(i.func_code, i.amount, "basic" if L.basic(i) else "project")
            for i in L.select(self.items, L.by_sources(sources))
            if i.amount
        ]
        name = CARRY_FUNDS[fund]
        carry = [
            Entry(r.func_code, amount, column)
            for r in self.carry_rows
            if r.fund == name
            for amount, column in ((r.carry_in, "carry_in"), (r.carry_out, "carry_out"))
            if amount
        ]
        return income + spending + carry

    def fund_final_entries(self) -> list[Entry]:
        return self._fund_entries("fund", FUND_FINAL)

    def soe_final_entries(self) -> list[Entry]:
        return self._fund_entries("soe", SOE_FINAL)

    def _fund_table(self, fund: str, entries: list[Entry], total_label: str) -> list[TableRow]:
        # 年初/年末结转和结余 by 科目 come from 基金结转和结余 (each row, as the template's columns have them);
        # the 合计 row's are 决算情况's, which the check holds equal to the rows' sum when there are rows.
        cols: tuple[Predicate, ...] = (
            lambda e: e.column == "carry_in",
            lambda e: e.column == "income",
            lambda e: e.column in ("basic", "project"),
            lambda e: e.column == "basic",
            lambda e: e.column == "project",
            lambda e: e.column == "carry_out",
        )
        rows = functional_rows(entries, cols, self.names)  # type: ignore[arg-type]
        sums = [L.total(entries, c) for c in cols]  # type: ignore[arg-type]
        sums[0], sums[-1] = self.carry_in_of(fund), self.carry_out_of(fund)
        rows.append(TableRow(style="total", cells=["", "", "", total_label, *sums]))
        return rows

    def final_fund(self, total_label: str) -> list[TableRow]:
        return self._fund_table("fund", self.fund_final_entries(), total_label)

    def final_soe(self, total_label: str) -> list[TableRow]:
        return self._fund_table("soe", self.soe_final_entries(), total_label)


# --- 第三部分 ---------------------------------------------------------------------------

FINAL_SECTION_NAMES = (
    "final_overall",
    "final_income",
    "final_spending",
    "final_fiscal",
    "final_gpb",
    "final_basic",
    "final_sangong",
    "final_fund",
    "final_soe",
    "final_performance",
    "final_other",
)


@dataclass(frozen=True)
class Share:
    """A named amount and its share of a total (half-up to 2 decimals; None of a zero total)."""

    name: str
    amount: Decimal
    share: Decimal | None


def _share(name: str, amount: Decimal, total: Decimal) -> Share:
    return Share(name, amount, fmt.q2(amount * fmt.HUNDRED / total) if total else None)


@dataclass(frozen=True)
class ItemCompletion:
    """One 项 of 五（三）/八/九: its names, what it is used for, its completion and reason."""

    class_name: str
    kuan_name: str
    name: str
    use: str | None
    completion: Completion
    reason: str | None


@dataclass
class FinalNarrative:
    """第三部分 of a 决算: each section's figures and cases, worded by the format's templates."""

    inputs: Inputs
    names: Names
    builder: FinalTableBuilder
    folder: Path
    settings: Settings | None = None  # the format's (Format.text_settings)
    book: FinalBook = field(init=False)
    prior_book: FinalPriorBook = field(init=False)

    def __post_init__(self) -> None:
        self.book = FinalBook(self.inputs)
        self.explained = {e.key: e for e in explain_final(self.inputs, self.names, self.book)}
        self.prior_book = FinalPriorBook(self.inputs)
        self.changes = {c.key: change_of(c, c.key) for c in compare_years(self.inputs, self.prior_book)}
        self.figures_by_key = dict(year_figures(self.inputs))
        self.facts = self.builder.facts
        self.unit_name = self.inputs.info.unit_name

    @property
    def issues(self) -> list[Any]:
        return [*self.book.issues, *self.prior_book.issues]

    def change(self, key: P) -> Change:
        return self.changes[key.value]

    def sections_by_name(self) -> dict[str, Section]:
        templates = load_sections(self.folder, self.settings)
        unknown = [n for n in templates.settings.sections if n not in FINAL_SECTION_NAMES]
        if unknown:
            known = "、".join(FINAL_SECTION_NAMES)
            raise TextTemplateError(
                [TextProblem("format.yaml", None, f"情况说明“{n}”不是决算的章节，可用：{known}") for n in unknown]
            )
        info = self.inputs.info
        common = {
            "unit_name": info.unit_name,
            "short": info.short_name,
            "year": info.year,
            "prior_year": info.year - 1,
            "who": "本部门" if len(self.inputs.units) > 1 else "本单位",
            "options": templates.settings.options,
        }
        out: dict[str, Section] = {}
        for name in templates.settings.sections:
            rendered = templates.render(name, {**common, **getattr(self, name)()})
            if not rendered.heading:
                raise TextTemplateError([TextProblem(name + SUFFIX, None, "每节模板须以标题行（# 开头）开始")])
            out[name] = Section(
                heading=rendered.heading, paragraphs=rendered.paragraphs, subsections=rendered.subsections
            )
        return out

    # 一 ---------------------------------------------------------------------------------
    def final_overall(self) -> dict[str, Any]:
        return {"total": self.change(P.TOTAL)}

    # 二 ---------------------------------------------------------------------------------
    def final_income(self) -> dict[str, Any]:
        b = self.builder
        total = b.income_total
        parts = [_share(t, b.income_of(t), total) for t in INCOME_TYPES if b.income_of(t)]
        return {"total": total, "parts": parts}

    # 三 ---------------------------------------------------------------------------------
    def final_spending(self) -> dict[str, Any]:
        b = self.builder
        total = b.spending_total
        # 基本支出, 项目支出, 上缴上级支出, 经营支出, 对附属单位补助支出: those with an amount (“不涉及的不列”,
        # final-template-2024 行395–398)
        kinds = [(k.value, L.of_kind(k)) for k in schema.SpendingKind]
        parts = [_share(n, L.total(b.items, p), total) for n, p in kinds if L.total(b.items, p)]
        return {"total": total, "parts": parts}

    # 四 ---------------------------------------------------------------------------------
    def final_fiscal(self) -> dict[str, Any]:
        return {"total": self.change(P.FISCAL_TOTAL)}

    # 五 ---------------------------------------------------------------------------------
    def final_gpb(self) -> dict[str, Any]:
        b = self.builder
        gpb = b.gpb
        total = L.total(gpb)
        classes = [
            _share(self.names.function(c), L.total(gpb, lambda i, c=c: i.func_code.startswith(c)), total)
            for c in sorted({i.func_code[:3] for i in gpb if i.amount})
        ]
        overall = self.explained[schema.FinalKey.GPB_TOTAL.value]
        return {
            "total": total,
            "share": _share("", total, b.spending_total).share,
            "change": self.change(P.GPB),
            "classes": classes,
            "overall": overall,
            "items": [self._item(e) for e in self.explained.values() if e.key.startswith(schema.FINAL_ITEM_PREFIX)],
        }

    def _item(self, e: Explained) -> ItemCompletion:
        code = e.key.removeprefix(schema.FINAL_ITEM_PREFIX)
        row = self.book.row_of(e.key)
        use = (row.use or "").strip().rstrip("。") if row is not None else ""
        return ItemCompletion(
            self.names.function(code[:3]),
            self.names.function(code[:5]),
            self.names.function(code),
            use or None,
            e.completion,
            e.reason,
        )

    # 六 ---------------------------------------------------------------------------------
    def final_basic(self) -> dict[str, Any]:
        basic = L.select(self.builder.gpb, L.basic)
        personnel = [i for i in basic if L.is_personnel(i.econ_code)]
        public = [i for i in basic if not L.is_personnel(i.econ_code)]

        def names(items: list[LineItem]) -> list[str]:
            """The 款 with a 决算, in code order."""
            sums: dict[str, Decimal] = {}
            for i in items:
                sums[i.econ_code] = sums.get(i.econ_code, ZERO) + i.amount
            return [self.names.econ_name(c) for c in sorted(c for c, v in sums.items() if v)]

        return {
            "total": L.total(basic),
            "personnel": L.total(personnel),
            "personnel_names": names(personnel),
            "public": L.total(public),
            "public_names": names(public),
        }

    # 七 ---------------------------------------------------------------------------------
    def final_sangong(self) -> dict[str, Any]:
        c = self.builder.sangong_completions()
        overall = self.explained[schema.FinalKey.SANGONG.value]
        total = c["合计"].final
        f = self.facts
        return {
            "total": c["合计"],
            "reason": overall.reason,
            "abroad": c["因公出国（境）费"],
            "vehicles": c["公务用车购置及运行维护费"],
            "vehicle_buy": c["公务用车购置费"],
            "vehicle_run": c["公务用车运行维护费"],
            "reception": c["公务接待费"],
            "shares": {k: _share(k, v.final, total).share for k, v in c.items()},
            "change": self.change(P.SANGONG),
            "change_abroad": self.change(P.SANGONG_ABROAD),
            "change_vehicles": self.change(P.SANGONG_VEHICLE),
            "change_reception": self.change(P.SANGONG_RECEPTION),
            "counts": {
                "abroad_groups": f.abroad_groups,
                "abroad_people": f.abroad_people,
                "vehicles_bought": f.vehicles_bought,
                "vehicles_held": f.vehicles_held,
                "reception_batches": f.reception_batches,
                "reception_people": f.reception_people,
            },
        }

    # 八、九 -------------------------------------------------------------------------------
    def _fund(self, fund: str, sources: frozenset[F]) -> dict[str, Any]:
        b = self.builder
        income = b.income_of(FISCAL_INCOME, fund)
        lines = L.select(b.budgeted, L.by_sources(sources))
        items = []
        for code in sorted({i.func_code for i in lines if i.amount or i.final}):
            mine = [i for i in lines if i.func_code == code]
            items.append(
                ItemCompletion(
                    self.names.function(code[:3]),
                    self.names.function(code[:5]),
                    self.names.function(code),
                    None,
                    Completion(L.total(mine), sum((i.final or ZERO for i in mine), ZERO)),
                    None,
                )
            )
        spending = sum((i.completion.final for i in items), ZERO)
        return {"income": income, "spending": spending, "items": items, "empty": not income and not spending}

    def final_fund(self) -> dict[str, Any]:
        return self._fund("fund", FUND_FINAL)

    def final_soe(self) -> dict[str, Any]:
        return self._fund("soe", SOE_FINAL)

    # 十 ---------------------------------------------------------------------------------
    def final_performance(self) -> dict[str, Any]:
        f = self.facts
        return {
            "system": (f.performance_system or "").strip().rstrip("；;。") or None,
            "f": f,
        }

    # 十一 -------------------------------------------------------------------------------
    def final_other(self) -> dict[str, Any]:
        f = self.facts
        contracts = f.contract_goods + f.contract_works + f.contract_services
        vehicles = [(label, getattr(f, key)) for key, label in schema.FINAL_VEHICLE_CATEGORIES]
        return {
            "operating": self.change(P.OPERATING),
            "procurement": {
                "total": contracts,
                "goods": f.contract_goods,
                "works": f.contract_works,
                "services": f.contract_services,
                "reserved_sme": f.reserved_sme,
                "reserved_small": f.reserved_small,
                "awarded_sme_reserved": f.awarded_sme_reserved,
                "awarded_small_reserved": f.awarded_small_reserved,
                "awarded_sme_other": f.awarded_sme_other,
            },
            "vehicles": {"count": sum(n for _, n in vehicles), "kinds": [{"name": k, "count": n} for k, n in vehicles]},
            "equip100": f.equip100_count,
        }
