"""Amount unit: a workbook in 元 yields the same disclosure as the same figures in 万元."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

from generator import formatting as fmt
from generator.pipeline import run
from generator.workbook import schema
from generator.workbook.schema import Kind
from generator.workbook.template import write_workbook
from tests.conftest import example_data


def to_yuan(value: object) -> object:
    if value in (None, ""):
        return value
    return str(Decimal(str(value)) * 10000)


def test_yuan_workbook_gives_identical_disclosure(tmp_path: Path, disclosures) -> None:
    data = copy.deepcopy(example_data("002"))
    data[schema.SHEET_INFO]["金额单位"] = "元"
    for sheet, fields in schema.KV_SHEETS.items():
        for f in fields:
            if f.kind is Kind.MONEY and f.label in data.get(sheet, {}):
                data[sheet][f.label] = to_yuan(data[sheet][f.label])
    for sheet, columns in schema.LIST_SHEETS.items():
        for col in columns:
            if col.kind is Kind.MONEY and not col.display_only:
                for row in data.get(sheet, []):
                    if col.header in row:
                        row[col.header] = to_yuan(row[col.header])
    path = tmp_path / "yuan.xlsx"
    write_workbook(path, data)
    result = run(path)
    assert result.ok, [i.message for i in result.issues if i.is_error]
    assert result.disclosure == disclosures["002"]


def test_yuan_amounts_are_summed_exactly_and_rounded_for_display(tmp_path: Path) -> None:
    data = copy.deepcopy(example_data("002"))
    data[schema.SHEET_INFO]["金额单位"] = "元"
    data[schema.SHEET_INFO]["收支总计核对数"] = None
    data[schema.SHEET_INFO]["一般公共预算拨款核对数"] = None
    items = data[schema.SHEET_ITEMS]
    base = dict(items[0])
    items[:] = [dict(base, 金额="12345"), dict(base, 金额="12345")]
    path = tmp_path / "round.xlsx"
    write_workbook(path, data)
    result = run(path)
    assert result.disclosure is not None
    t1_total = next(r for r in result.disclosure.tables[0].rows if r.style == "total").cells[1]
    # 12345元 + 12345元 = 2.469万元 exactly (rounding each item first would have given 1.23 + 1.23 = 2.46);
    # the table shows the exact sum rounded half-up once, 2.47
    assert t1_total == Decimal("2.469")
    assert fmt.table_cell(t1_total) == "2.47"
