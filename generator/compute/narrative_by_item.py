"""Sections of formats that explain the budget 项 by 项 and describe projects one by one (上海普陀, issue 16 §2).

`budget`: the 预算编制说明 (income by category, 财政拨款 and its three funds against last year, then each
一般公共预算 项 with what it is mainly for and its change); `notes`: the 其他相关情况说明 (“三公”经费 item by
item, 机关运行经费 with its scope, 政府采购, 绩效目标设置, vehicles by category); `project_notes`: the
项目经费情况说明 of each project with a 项目概述. Mixed into `Narrative`: the figures are the same line-item
sums the tables show; the words are the format's templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from generator.compute import ledger as L
from generator.compute.comparisons import Comparison, PriorBook, item_key
from generator.compute.names import Names
from generator.compute.tables import CATEGORY_ROWS, project_order
from generator.compute.wording import Change, change_of
from generator.formats.text import Settings, load_sections
from generator.inputs import Inputs, LineItem
from generator.issues import Issue, error
from generator.workbook import schema
from generator.workbook.schema import FundSource as F
from generator.workbook.schema import PriorKey as K

# The three 财政拨款 funds, each compared as its 本级 and 上级转移支付 rows together.
FUNDS: tuple[tuple[str, K, K, frozenset[F]], ...] = (
    ("一般公共预算", K.INCOME_GPB, K.INCOME_GPB_TRANSFER, L.GPB),
    ("政府性基金预算", K.INCOME_FUND, K.INCOME_FUND_TRANSFER, L.FUND),
    ("国有资本经营预算", K.INCOME_SOE, K.INCOME_SOE_TRANSFER, L.SOE),
)
SANGONG_KEYS = {
    "abroad": (K.SANGONG_ABROAD, "因公出国（境）费", L.SANGONG_ABROAD),
    "reception": (K.SANGONG_RECEPTION, "公务接待费", L.SANGONG_RECEPTION),
    "vehicle_buy": (K.SANGONG_VEHICLE_BUY, "公务用车购置费", L.SANGONG_VEHICLE_BUY),
    "vehicle_run": (K.SANGONG_VEHICLE_RUN, "公务用车运行费", L.SANGONG_VEHICLE_RUN),
}


@dataclass(frozen=True)
class ItemExplained:
    """One 一般公共预算 项 as 四 lists it: its codes and names, amount, use and change."""

    class_code: str
    class_name: str
    kuan_code: str  # 2 digits
    kuan_name: str
    item_code: str  # 2 digits
    name: str
    amount: Decimal
    use: str
    change: Change | None  # None: the format does not compare the 项 (text.options.compare_items: false)


def _joined(*reasons: str | None) -> str | None:
    return "；".join(r for r in reasons if r) or None


def _together(label: str, parts: list[Change]) -> Change:
    """One comparison of several compared items (their reasons joined)."""
    current = sum((c.current for c in parts), Decimal("0.00"))
    prior = sum((c.prior for c in parts), Decimal("0.00"))
    return change_of(Comparison(label, current, prior, _joined(*(c.reason for c in parts))), label)


class ByItemNarrative:
    """The `budget`, `notes` and `project_notes` sections' figures (mixed into `Narrative`)."""

    inputs: Inputs
    names: Names
    book: PriorBook
    issues: list[Issue]
    folder: Path
    settings: Settings | None
    items: list[LineItem]
    gpb: list[LineItem]
    fiscal: list[LineItem]

    # 四、预算编制说明 ------------------------------------------------------------
    def budget(self) -> dict[str, Any]:
        funds = []
        for name, local, transfer, sources in FUNDS:
            hint = f"预算编制说明“{name}”"
            own = self.compare(
                local.value, L.total(self.items, L.by_sources(frozenset(sources) - _TRANSFERS)), local.value, hint, name
            )
            up = self.compare(
                transfer.value,
                L.total(self.items, L.by_sources(frozenset(sources) & _TRANSFERS)),
                transfer.value,
                hint,
                name,
            )
            funds.append({"name": name, "amount": own.current + up.current, "change": _together(name, [own, up])})
        fiscal = _together("财政拨款", [f["change"] for f in funds])
        categories = {label: L.total(self.items, L.by_sources(s)) for label, s in CATEGORY_ROWS}
        return {
            "total": L.total(self.items),
            "fiscal": fiscal,
            "funds": funds,
            "business": categories["二、事业收入"],
            "operating_income": categories["三、事业单位经营收入"],
            "other_income": categories["四、其他收入"],
            "items": self._items_explained(),
        }

    def _items_explained(self) -> list[ItemExplained]:
        """Each 一般公共预算 项 of this year (and one budgeted only last year), by code.

        With the format's option `compare_items: false` (formats whose 四 gives each 项 only its amount and
        use, as 上海 2025), the 项 are not compared with last year: their 上年对比 rows need only 主要用于."""
        compared = load_sections(self.folder, self.settings).settings.options.get("compare_items", True)
        current_codes = {i.func_code for i in self.gpb}
        codes = set(current_codes)
        if compared:
            for code, row in self.book.item_rows().items():
                if code not in current_codes and row.prior and self.names.function(code):
                    codes.add(code)
        rows = {p.key: p for p in self.inputs.priors}
        out = []
        for code in sorted(codes):
            name = self.names.function(code)
            current = L.total(self.gpb, lambda i, code=code: i.func_code == code)
            row = rows.get(item_key(code))
            if compared:
                c = self.compare(
                    item_key(code),
                    current,
                    f"{item_key(code)} {name}",
                    "预算编制说明“财政拨款支出主要内容”",
                    name,
                    True,
                )
            else:
                c = None
                self.book.text_row(item_key(code))
                if row is None:
                    n = self.book.next_free_row()
                    self.issues.append(
                        error(
                            "item-use-missing",
                            f"缺少“{item_key(code)} {name}”一行：请在上年对比!A{n}填写“{item_key(code)}”，并在"
                            "“主要用于（按项说明）”一格说明主要用于哪些方面，如“行政单位的基本支出”（上年预算数可不填）",
                            schema.SHEET_PRIOR,
                            f"A{n}",
                        )
                    )
            use = (row.use or "").strip().removeprefix("主要用于").lstrip("：:").rstrip("。；;") if row else ""
            if row is not None and not use:
                self.issues.append(
                    error(
                        "item-use-missing",
                        f"“{item_key(code)} {name}”需要说明主要用于哪些方面：请在此格填写，如“行政单位的基本支出”",
                        schema.SHEET_PRIOR,
                        row.cell(schema.SHEET_PRIOR, "use"),
                    )
                )
            out.append(
                ItemExplained(
                    code[:3],
                    self.names.function(code[:3]),
                    code[3:5],
                    self.names.function(code[:5]),
                    code[5:7],
                    name,
                    current,
                    use,
                    c,
                )
            )
        return out

    # 六、其他相关情况说明 ----------------------------------------------------------
    def notes(self) -> dict[str, Any]:
        return {
            "sangong": self._sangong_items(),
            "operating": self._operating_scope(),
            "procurement": self._procurement_parts(),
            "performance": self._performance_setting(),
            "vehicles": self._vehicles(),
        }

    def _sangong_items(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, (key, label, codes) in SANGONG_KEYS.items():
            current = L.total(self.fiscal, L.econ_in(codes))
            out[name] = self.compare(key.value, current, key.value, f"其他相关情况说明“{label}”", label)
        out["vehicles"] = _together("公务用车购置及运行费", [out["vehicle_buy"], out["vehicle_run"]])
        out["total"] = _together("“三公”经费", [out["abroad"], out["reception"], out["vehicles"]])
        return out

    def _operating_scope(self) -> dict[str, Any]:
        scope = L.operating_units(self.inputs)
        types = self.inputs.unit_types
        admin, civil = schema.UNIT_TYPES[0], schema.UNIT_TYPES[1]
        return {
            "amount": L.operating_cost(self.items, scope),
            "admin": sum(1 for u in self.inputs.units if types.get(u, admin) == admin),  # 机关
            "civil": sum(1 for u in self.inputs.units if types.get(u) == civil),  # 参公事业单位
            "institutions": sum(1 for u in self.inputs.units if types.get(u) == schema.UNIT_TYPES[2]),  # 事业单位
        }

    def _procurement_parts(self) -> dict[str, Any]:
        f = self.inputs.facts
        return {
            "total": f.proc_goods + f.proc_works + f.proc_services,
            "goods": f.proc_goods,
            "works": f.proc_works,
            "services": f.proc_services,
            "sme": f.proc_sme,
            "small": f.proc_small,
        }

    def _performance_setting(self) -> dict[str, Any]:
        projects = L.select(self.items, L.project)
        names = {i.project for i in projects}
        return {
            "units": len({i.unit for i in projects}),  # budget units with projects
            "count": len(names),
            "amount": L.total(projects),
        }

    def _vehicles(self) -> dict[str, Any]:
        f = self.inputs.facts
        held = [{"name": name, "count": getattr(f, f"cars_{key}")} for key, name in schema.VEHICLE_CATEGORIES]
        bought = [{"name": name, "count": getattr(f, f"buy_cars_{key}")} for key, name in schema.VEHICLE_CATEGORIES]
        return {
            "count": sum(c["count"] for c in held),
            "kinds": held,
            "equip100": f.equip100_count,
            "buy_count": sum(c["count"] for c in bought),
            "buy_kinds": bought,
            "buy_equip100": f.buy_equip100_count,
        }

    # 七、项目经费情况说明 ----------------------------------------------------------
    def project_notes(self) -> dict[str, Any]:
        by_name = {p.name: p for p in self.inputs.projects}
        amounts: dict[str, Decimal] = {}
        for i in L.select(self.items, L.project):
            if i.project:
                amounts[i.project] = amounts.get(i.project, Decimal("0.00")) + i.amount
        projects = []
        for name in _by_code(L.select(self.items, L.project)):
            info = by_name.get(name)
            if info is None or not (info.summary or "").strip():
                continue
            if not (info.plan or "").strip():
                self.issues.append(
                    error(
                        "project-plan-missing",
                        f"项目“{name}”填写了项目概述，须同时填写实施方案",
                        schema.SHEET_PROJECTS,
                        info.cell(schema.SHEET_PROJECTS, "plan"),
                    )
                )
            projects.append(
                {
                    "name": name,
                    "summary": _lines(info.summary),
                    "basis": info.policy_basis.strip(),
                    "undertaker": info.undertaker.strip(),
                    "plan": _lines(info.plan),
                    "period": info.period.strip() if info.period else None,
                    "start_month": info.start_month,
                    "end_month": info.end_month,
                    "amount": amounts[name],
                    "allocation": info.allocation.strip(),  # 资金分配情况, e.g. how the money is paid out
                    "goal": _lines(info.goal),
                }
            )
        return {"projects": projects}


_TRANSFERS = frozenset({F.GPB_TRANSFER, F.FUND_TRANSFER, F.SOE_TRANSFER})


def _by_code(items: list[LineItem]) -> list[str]:
    """Project names by 项 code, then first appearance (the order the tables list them)."""
    out: dict[str, None] = {}
    for code in sorted({i.func_code for i in items}):
        for name in project_order([i for i in items if i.func_code == code]):
            out.setdefault(name)
    return list(out)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
