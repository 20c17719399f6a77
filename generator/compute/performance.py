"""项目支出绩效目标表: one per project, amounts from its line items, merges precomputed."""

from __future__ import annotations

from collections import defaultdict

from generator import formatting as fmt
from generator.catalog.indicators import load_framework
from generator.compute import ledger as L
from generator.compute.narrative import project_funding
from generator.inputs import Indicator, Inputs
from generator.model import IndicatorRow, PerformanceTable

TITLE = "项  目  支  出  绩  效  目  标  表"


def performance_tables(inputs: Inputs) -> list[PerformanceTable]:
    by_name = {p.name: p for p in inputs.projects}
    # grouped once: a lookup per project keeps 2,000 projects linear
    units_of: dict[str, set[str]] = defaultdict(set)
    for item in L.select(inputs.items, L.project):
        units_of[item.project].add(item.unit)
    indicators_of: dict[str, list[Indicator]] = defaultdict(list)
    for ind in inputs.indicators:
        indicators_of[ind.project].append(ind)
    level1_order = load_framework(inputs.info.year).level1
    tables = []
    for name, (fiscal, other) in project_funding(inputs.items).items():
        info = by_name.get(name)
        if info is not None and info.publish_targets == "否":
            continue  # the officer marked it as not publishing targets; it still counts everywhere else
        units = sorted(units_of.get(name, ()))
        tables.append(
            PerformanceTable(
                title=TITLE,
                year_line=f"({inputs.info.year}年)",
                unit=units[0] if units else "",
                project=name,
                manager=info.manager if info else "",
                total=fiscal + other,
                fiscal=fiscal,
                other=other,
                goal=info.goal if info else "",
                rows=indicator_rows(indicators_of.get(name, []), level1_order),
            )
        )
    return tables


def indicator_rows(
    indicators: list[Indicator], level1_order: tuple[str, ...] = ("产出指标", "成本指标", "效益指标", "满意度指标")
) -> list[IndicatorRow]:
    """Rows grouped by 一级 (in the framework's order) then 二级 指标 (stable), with vertical-merge spans
    over each 二级 group (its 一级 and 二级 cells)."""
    level1_rank = {name: n for n, name in enumerate(level1_order)}
    first_seen: dict[tuple[str, str], int] = {}
    for n, ind in enumerate(indicators):
        first_seen.setdefault((ind.level1, ind.level2), n)
    ordered = sorted(
        indicators,
        key=lambda i: (level1_rank.get(i.level1, len(level1_rank)), first_seen[(i.level1, i.level2)]),
    )
    rows = []
    for n, ind in enumerate(ordered):
        same1 = n > 0 and ordered[n - 1].level1 == ind.level1
        same2 = same1 and ordered[n - 1].level2 == ind.level2
        # 一级指标 is merged over each 二级 group, not over its whole run: a group is the unit a page
        # break may not cut (both renderers), so every page shows both labels of the rows it carries.
        span2 = 0 if same2 else _run(ordered, n, lambda a, b: a.level1 == b.level1 and a.level2 == b.level2)
        span1 = span2
        rows.append(
            IndicatorRow(
                level1=ind.level1,
                level2=ind.level2,
                level3=ind.level3,
                value=ind.value,
                basis=ind.basis,
                last_value=ind.last_value or "",
                weight=fmt.number(ind.weight),
                scoring=ind.scoring,
                evidence=ind.evidence,
                level1_span=span1,
                level2_span=span2,
            )
        )
    return rows


def _run(rows: list[Indicator], start: int, same) -> int:
    n = start + 1
    while n < len(rows) and same(rows[start], rows[n]):
        n += 1
    return n - start
