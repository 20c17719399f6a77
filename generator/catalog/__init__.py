"""Year-versioned 政府收支分类科目 catalog: code → official name.

Data lives in `data/<year>/function.csv` (支出功能分类: 类 3 digits, 款 5, 项 7) and
`data/<year>/econ.csv` (部门预算支出经济分类: 类 3 digits, 款 5). Codes, never names,
are the key: 30901 and 31001 share a name.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from importlib import resources


class UnknownYearError(LookupError):
    """No catalog is shipped for the requested budget year."""


@dataclass(frozen=True)
class Catalog:
    year: int
    functions: dict[str, str] = field(repr=False)
    econ: dict[str, str] = field(repr=False)

    def function_name(self, code: str) -> str | None:
        return self.functions.get(code)

    def econ_name(self, code: str) -> str | None:
        return self.econ.get(code)

    @property
    def classes(self) -> list[tuple[str, str]]:
        """All 功能分类 类 in code order: the fixed rows of 表1 and 表4."""
        return sorted((c, n) for c, n in self.functions.items() if len(c) == 3)

    def items(self) -> list[tuple[str, str]]:
        """All 项 (7-digit) codes in code order, for dropdowns."""
        return sorted((c, n) for c, n in self.functions.items() if len(c) == 7)

    def econ_items(self) -> list[tuple[str, str]]:
        return sorted((c, n) for c, n in self.econ.items() if len(c) == 5)


def available_years() -> list[int]:
    root = resources.files(__package__) / "data"
    return sorted(int(p.name) for p in root.iterdir() if p.name.isdigit())


@cache
def load_catalog(year: int) -> Catalog:
    """The catalog for `year`, or the newest one before it (科目 change rarely)."""
    years = [y for y in available_years() if y <= year]
    if not years:
        raise UnknownYearError(year)
    chosen = years[-1]
    base = resources.files(__package__) / "data" / str(chosen)
    return Catalog(year=chosen, functions=_read(base / "function.csv"), econ=_read(base / "econ.csv"))


def _read(path: resources.abc.Traversable) -> dict[str, str]:
    with path.open(encoding="utf-8") as fh:
        return {row["code"].strip(): row["name"].strip() for row in csv.DictReader(fh)}
