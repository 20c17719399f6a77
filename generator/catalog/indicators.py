"""The 绩效指标 framework of a budget year, as data (`data/<year>/indicators.json`).

一级指标 -> 二级指标, the usual 指标值设置依据 and 指标赋分规则, and the qualitative 指标值 words. A year
without its own file uses the newest earlier one, like the 科目 catalog. Frameworks change between
years (newer ones make 成本指标 a 一级指标); edit the data, not the code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

from generator.catalog import UnknownYearError

FILE = "indicators.json"


@dataclass(frozen=True)
class Framework:
    year: int
    levels: dict[str, tuple[str, ...]]  # 一级 -> 二级, in display order
    basis: tuple[str, ...]
    scoring: tuple[str, ...]
    qualitative: tuple[str, ...]

    @property
    def level1(self) -> tuple[str, ...]:
        return tuple(self.levels)

    @property
    def level2(self) -> tuple[str, ...]:
        """Every 二级指标 once, in framework order (the workbook dropdown)."""
        return tuple(dict.fromkeys(n for names in self.levels.values() for n in names))


def _years() -> list[int]:
    root = resources.files("generator.catalog") / "data"
    return sorted(int(p.name) for p in root.iterdir() if p.name.isdigit() and (p / FILE).is_file())


@cache
def load_framework(year: int) -> Framework:
    years = [y for y in _years() if y <= year]
    if not years:
        raise UnknownYearError(year)
    chosen = years[-1]
    path = resources.files("generator.catalog") / "data" / str(chosen) / FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    return Framework(
        year=chosen,
        levels={k: tuple(v) for k, v in data["framework"].items()},
        basis=tuple(data["basis"]),
        scoring=tuple(data["scoring"]),
        qualitative=tuple(data["qualitative"]),
    )


# 指标值: comparator + number + unit (`>=98%`, `≤8万元`, `=1个`, `<=20元/件`).
COMPARATORS = {">=": ">=", "≥": ">=", "≧": ">=", "<=": "<=", "≤": "<=", "≦": "<=", "=": "=", ">": ">", "<": "<"}
_VALUE = re.compile(r"^(>=|<=|≥|≤|≧|≦|=|>|<)\s*(\d+(?:\.\d+)?)\s*(\S*)$")
_BARE_NUMBER = re.compile(r"^\d+(?:\.\d+)?\s*\S*$")


@dataclass(frozen=True)
class IndicatorValue:
    comparator: str  # normalised: >=, <=, =, >, <
    number: Decimal
    unit: str


def parse_value(text: str) -> IndicatorValue | None:
    """The comparator, number and unit of a quantitative 指标值; None for any other text."""
    t = text.strip().replace("＞", ">").replace("＜", "<").replace("＝", "=").replace(" ", "")
    m = _VALUE.match(t)
    if not m:
        return None
    return IndicatorValue(COMPARATORS[m.group(1)], Decimal(m.group(2)), m.group(3))


def is_bare_number(text: str) -> bool:
    """`50万页`: a number with no comparator."""
    return bool(_BARE_NUMBER.match(text.strip().replace(" ", "")))


def amount_in_wan(value: IndicatorValue) -> Decimal | None:
    """A cost 指标值 as 万元 (`≤60万元` -> 60, `<=5000元` -> 0.5); None for per-unit or other units."""
    if value.unit in ("万元", "万"):
        return value.number
    if value.unit == "元":
        return value.number / 10000
    return None
