"""Build typed inputs directly (no workbook) for fast unit and property tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from generator.inputs import (
    ClassUse,
    Facts,
    GlossaryEntry,
    Indicator,
    Info,
    Inputs,
    LineItem,
    PriorRow,
    Project,
)
from generator.workbook import schema
from generator.workbook.schema import FundSource, SpendingKind

UNIT = "测试单位本级"


def info(**over: object) -> Info:
    base: dict[str, object] = {
        "unit_name": "测试市测试局",
        "short_name": "测试局",
        "year": 2023,
        "amount_unit": "万元",
        "functions": "负责测试工作。",
        "organization": "测试局无下属预算单位。",
        "staff_quota": 10,
        "staff_active": 8,
        "staff_active_change": 1,
        "staff_retired": 2,
        "staff_retired_change": 0,
        "staff_veteran": 0,
        "staff_veteran_change": 0,
        "sign_date": dt.date(2023, 1, 31),
        "weight_total": Decimal(90),
    }
    base.update(over)
    return Info.model_validate(base)


def facts(**over: object) -> Facts:
    base = {f.key: (f.default if f.default is not None else 0) for f in schema.FACT_FIELDS}
    base.update(over)
    return Facts.model_validate(base)


def item(
    func: str = "2010301",
    econ: str = "30101",
    amount: str | Decimal = "10.00",
    kind: SpendingKind = SpendingKind.BASIC,
    source: FundSource = FundSource.GPB_LOCAL,
    project: str | None = None,
    row: int = 2,
    unit: str = UNIT,
) -> LineItem:
    return LineItem(
        row=row,
        unit=unit,
        func_code=func,
        econ_code=econ,
        kind=kind,
        project=project,
        source=source,
        amount=Decimal(amount),
    )


def project(name: str, row: int = 2, **over: object) -> Project:
    base: dict[str, object] = {
        "row": row,
        "name": name,
        "manager": "张三",
        "policy_basis": "依据文件",
        "undertaker": "测试局",
        "allocation": "商品和服务支出",
        "start_month": 1,
        "end_month": 12,
        "goal": "完成目标",
    }
    base.update(over)
    return Project.model_validate(base)


def indicator(project_name: str, weight: str = "90", row: int = 2, **over: object) -> Indicator:
    base: dict[str, object] = {
        "row": row,
        "project": project_name,
        "level1": "产出指标",
        "level2": "数量指标",
        "level3": "完成数量",
        "value": "=1个",
        "basis": "计划标准",
        "last_value": None,
        "weight": Decimal(weight),
        "scoring": "按照正常比例赋分",
        "evidence": "工作资料",
    }
    base.update(over)
    return Indicator.model_validate(base)


def satisfaction(project_name: str, weight: str = "10", row: int = 9) -> Indicator:
    """The 满意度指标 row a published 绩效目标表 carries (a table without one is warned about)."""
    return indicator(
        project_name,
        weight,
        row=row,
        level1="满意度指标",
        level2="满意度指标",
        level3="服务对象满意度",
        value=">=90%",
    )


def prior(key: str, amount: str | None, reason: str | None = None, row: int = 2) -> PriorRow:
    return PriorRow(row=row, key=key, prior=None if amount is None else Decimal(amount), reason=reason)


def make_inputs(
    items: list[LineItem],
    projects: list[Project] | None = None,
    indicators: list[Indicator] | None = None,
    priors: list[PriorRow] | None = None,
    uses: list[ClassUse] | None = None,
    info_over: dict[str, object] | None = None,
    facts_over: dict[str, object] | None = None,
    units: list[str] | None = None,
) -> Inputs:
    units = [UNIT] if units is None else units
    priors = priors or []
    uses = uses or []
    return Inputs(
        info=info(**(info_over or {})),
        facts=facts(**(facts_over or {})),
        units=units,
        unit_rows={u: n + 2 for n, u in enumerate(units)},
        items=items,
        projects=projects or [],
        indicators=indicators or [],
        priors=priors,
        uses=uses,
        glossary=[GlossaryEntry(row=n + 2, term=t, definition=d) for n, (t, d) in enumerate(schema.DEFAULT_GLOSSARY)],
        extra_codes=[],
        next_rows={
            schema.SHEET_PRIOR: max((p.row for p in priors), default=1) + 1,
            schema.SHEET_USES: max((u.row for u in uses), default=1) + 1,
        },
        kv_cells={},
    )
