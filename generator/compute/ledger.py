"""Line items and the groupings every table sums over.

All totals in the disclosure are sums of line-item amounts selected by these
groupings, so a figure shown in two places is the same sum computed twice from the
same items, never a number typed twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from generator.inputs import Inputs, LineItem
from generator.workbook import schema
from generator.workbook.schema import FundSource as F
from generator.workbook.schema import SpendingKind

ZERO = Decimal("0.00")

GPB = frozenset({F.GPB_LOCAL, F.GPB_TRANSFER})  # 一般公共预算 当年拨款
FUND = frozenset({F.FUND_LOCAL, F.FUND_TRANSFER})  # 政府性基金预算 当年拨款
SOE = frozenset({F.SOE_LOCAL, F.SOE_TRANSFER})  # 国有资本经营预算 当年拨款
FISCAL_CURRENT = GPB | FUND | SOE  # 当年财政拨款: 表4–表10 and 第三部分 四–十
UNIT = frozenset({F.UNIT_BUSINESS, F.UNIT_SUBSIDY, F.UNIT_AFFILIATE, F.UNIT_OPERATING, F.UNIT_OTHER})
CARRY = frozenset({F.CARRY_GPB, F.CARRY_FUND, F.CARRY_SOE})  # 财政拨款结转
NONFISCAL = frozenset({F.NONFISCAL_SPECIAL, F.NONFISCAL_UNIT})  # 非财政拨款结转结余
CURRENT_YEAR = FISCAL_CURRENT | {F.SPECIAL_ACCOUNT} | UNIT  # 一、本年收入
ALL = frozenset(F)

# Economic codes of the 三公经费 (rules.md §2).
SANGONG_ABROAD = frozenset({"30212"})
SANGONG_RECEPTION = frozenset({"30217"})
SANGONG_VEHICLE_RUN = frozenset({"30231"})
SANGONG_VEHICLE_BUY = frozenset({"31013", "30913"})

PERSONNEL_CLASSES = frozenset({"301", "303"})  # 人员经费; every other class is 公用经费

Predicate = Callable[[LineItem], bool]


def by_sources(sources: frozenset[F]) -> Predicate:
    return lambda item: item.source in sources


def basic(item: LineItem) -> bool:
    return item.kind is SpendingKind.BASIC


def project(item: LineItem) -> bool:
    return item.kind is SpendingKind.PROJECT


def of_kind(kind: SpendingKind) -> Predicate:
    """Lines of one 支出类型 (a 决算's 上缴上级支出, 经营支出, 对附属单位补助支出 besides 基本 and 项目)."""
    return lambda item: item.kind is kind


def econ_in(codes: frozenset[str]) -> Predicate:
    return lambda item: item.econ_code in codes


def total(items: Iterable[LineItem], *preds: Predicate) -> Decimal:
    return sum((i.amount for i in items if all(p(i) for p in preds)), ZERO)


def select(items: Iterable[LineItem], *preds: Predicate) -> list[LineItem]:
    return [i for i in items if all(p(i) for p in preds)]


def is_personnel(econ_code: str) -> bool:
    return econ_code[:3] in PERSONNEL_CLASSES


def operating_cost(items: Iterable[LineItem], units: frozenset[str] | None = None) -> Decimal:
    """机关运行经费 = 一般公共预算 basic 公用经费 of 行政/参公 units (= 表6 公用经费 when all are)."""
    return total(
        items,
        by_sources(GPB),
        basic,
        lambda i: not is_personnel(i.econ_code),
        lambda i: units is None or not i.unit or i.unit in units,
    )


def operating_units(inputs: Inputs) -> frozenset[str]:
    """Budget units that have 机关运行经费: 行政单位 and 参照公务员法管理事业单位 (rules.md §2)."""
    return frozenset(
        u for u in inputs.units if inputs.unit_types.get(u, schema.UNIT_TYPES[0]) in schema.OPERATING_UNIT_TYPES
    )
