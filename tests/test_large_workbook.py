"""scripts/make_large_workbook.py: an honest large workbook, same totals as example 002."""

from __future__ import annotations

import importlib.util
from collections import Counter
from decimal import Decimal
from pathlib import Path

from generator.pipeline import run
from generator.workbook.template import write_workbook
from tests.conftest import ROOT, example_data

spec = importlib.util.spec_from_file_location("make_large_workbook", ROOT / "scripts" / "make_large_workbook.py")
assert spec is not None and spec.loader is not None
large = importlib.util.module_from_spec(spec)
spec.loader.exec_module(large)


def totals(data: dict) -> Counter:
    out: Counter = Counter()
    for row in data["支出明细"]:
        key = (row["功能分类科目编码"], row["经济分类科目编码"], row["资金来源"], row["支出类型"])
        out[key] += Decimal(str(row["金额"]))
    return out


def test_split_cents_keeps_the_sum_and_spreads_the_extras() -> None:
    assert large.split_cents(10, 4) == [3, 3, 2, 2]
    assert large.split_cents(10, 4, offset=3) == [3, 2, 2, 3]
    assert sum(large.split_cents(123457, 222)) == 123457


def test_large_workbook_has_the_example_totals_and_passes_check(tmp_path: Path) -> None:
    data = large.large_example(40, items_scale=2)
    assert len(data["项目信息"]) == 40
    assert len({p["项目名称"] for p in data["项目信息"]}) == 40
    assert totals(data) == totals(example_data("002"))
    assert all(Decimal(r["金额"]) > 0 for r in data["支出明细"])
    path = tmp_path / "large.xlsx"
    write_workbook(path, data)
    result = run(path)
    assert result.ok, [(i.code, i.location) for i in result.issues if i.is_error]
    assert result.disclosure is not None and len(result.disclosure.performance_tables) == 40
