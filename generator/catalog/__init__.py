"""Year-versioned 政府收支分类科目 catalog: code → official name.

Shipped data lives in `data/<year>/`: 2023 in full (`function.csv`: 支出功能分类, 类 3 digits,
款 5, 项 7; `econ.csv`: 部门预算支出经济分类, 类 3 digits, 款 5), each later year as
`changes.csv` (kind, change, code, name, source) applied to the year before, so every change
carries its source. Codes, never names, are the key: 30901 and 31001 share a name.

A finance bureau's own catalog of a year (imported with `disclosure catalog import` or on the
web) takes precedence: see `generator.catalog.store.CatalogSource`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

FUNCTION, ECON = "function", "econ"
KINDS = (FUNCTION, ECON)
KIND_NAMES = {FUNCTION: "支出功能分类", ECON: "部门预算支出经济分类"}
CODE_LENGTHS = {FUNCTION: (3, 5, 7), ECON: (3, 5)}
LEVELS = {3: "类", 5: "款", 7: "项"}

SHIPPED, IMPORTED, FILE = "shipped", "imported", "file"
ORIGIN_LABELS = {SHIPPED: "内置", IMPORTED: "财政局导入", FILE: "命令行指定文件"}


class UnknownYearError(LookupError):
    """No catalog is shipped for the requested budget year."""


@dataclass(frozen=True)
class Origin:
    """Where one kind of a catalog came from: its year, shipped or imported, and by whom."""

    year: int
    source: str = SHIPPED  # SHIPPED, IMPORTED or FILE
    detail: str = ""  # e.g. "2026-12-06 10:15 由 admin 导入，文件 科目2027.xlsx"

    @property
    def label(self) -> str:
        return ORIGIN_LABELS[self.source]

    @property
    def text(self) -> str:
        """`2027年科目代码表（财政局导入）`: how check, build, the web and the 填表说明 name it."""
        return f"{self.year}年科目代码表（{self.label}）"


@dataclass(frozen=True)
class Catalog:
    year: int
    functions: dict[str, str] = field(repr=False)
    econ: dict[str, str] = field(repr=False)
    function_origin: Origin | None = None  # None: shipped, of `year`
    econ_origin: Origin | None = None

    def origin(self, kind: str) -> Origin:
        found = self.function_origin if kind == FUNCTION else self.econ_origin
        return found or Origin(self.year)

    @property
    def description(self) -> str:
        """One line naming the catalog(s) used, e.g. `2027年科目代码表（财政局导入）`."""
        f, e = self.origin(FUNCTION), self.origin(ECON)
        if f == e or (f.year, f.source) == (e.year, e.source):
            return f.text
        return f"支出功能分类：{f.text}；经济分类：{e.text}"

    def function_name(self, code: str) -> str | None:
        return self.functions.get(code)

    def econ_name(self, code: str) -> str | None:
        return self.econ.get(code)

    def table(self, kind: str) -> dict[str, str]:
        return self.functions if kind == FUNCTION else self.econ

    @property
    def classes(self) -> list[tuple[str, str]]:
        """All 功能分类 类 in code order: the fixed rows of 表1 and 表4."""
        return sorted((c, n) for c, n in self.functions.items() if len(c) == 3)

    def items(self) -> list[tuple[str, str]]:
        """All 项 (7-digit) codes in code order, for dropdowns."""
        return sorted((c, n) for c, n in self.functions.items() if len(c) == 7)

    def econ_items(self) -> list[tuple[str, str]]:
        return sorted((c, n) for c, n in self.econ.items() if len(c) == 5)


def _data() -> resources.abc.Traversable:
    return resources.files(__package__) / "data"


def available_years() -> list[int]:
    """Years with a shipped catalog (the 2023 base and every year with its changes file)."""
    return sorted(
        int(p.name)
        for p in _data().iterdir()
        if p.name.isdigit() and ((p / "function.csv").is_file() or (p / "changes.csv").is_file())
    )


@cache
def shipped_tables(year: int) -> tuple[dict[str, str], dict[str, str]]:
    """(functions, econ) shipped for exactly `year`: the base year's files plus the changes up to `year`."""
    if year not in available_years():
        raise UnknownYearError(year)
    base = _data() / str(year)
    if (base / "function.csv").is_file():
        return _read(base / "function.csv"), _read(base / "econ.csv")
    earlier = [y for y in available_years() if y < year]
    if not earlier:
        raise UnknownYearError(year)
    functions, econ = (dict(t) for t in shipped_tables(earlier[-1]))
    for change in read_changes(year):
        table = functions if change.kind == FUNCTION else econ
        if change.change == "remove":
            table.pop(change.code, None)
        else:
            table[change.code] = change.name
    return dict(sorted(functions.items())), dict(sorted(econ.items()))


@dataclass(frozen=True)
class ShippedChange:
    """One documented change of a shipped year against the year before (`data/<year>/changes.csv`)."""

    kind: str  # FUNCTION or ECON
    change: str  # "add", "rename" or "remove"
    code: str
    name: str
    source: str


def read_changes(year: int) -> list[ShippedChange]:
    path = _data() / str(year) / "changes.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as fh:
        return [
            ShippedChange(r["kind"], r["change"], r["code"].strip(), r["name"].strip(), r["source"].strip())
            for r in csv.DictReader(fh)
        ]


@cache
def load_catalog(year: int) -> Catalog:
    """The shipped catalog for `year`, or the newest one before it (科目 change rarely)."""
    years = [y for y in available_years() if y <= year]
    if not years:
        raise UnknownYearError(year)
    chosen = years[-1]
    functions, econ = shipped_tables(chosen)
    return Catalog(year=chosen, functions=functions, econ=econ)


def _read(path: resources.abc.Traversable) -> dict[str, str]:
    with path.open(encoding="utf-8") as fh:
        return {row["code"].strip(): row["name"].strip() for row in csv.DictReader(fh)}
