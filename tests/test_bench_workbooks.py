"""The benchmark workbooks (scripts/make_scaled_workbook.py) are valid departments of the intended size."""

from __future__ import annotations

import importlib.util
from decimal import Decimal
from pathlib import Path

from generator.pipeline import run
from generator.workbook.template import write_workbook
from tests.conftest import ROOT, example_data

spec = importlib.util.spec_from_file_location("make_scaled_workbook", ROOT / "scripts" / "make_scaled_workbook.py")
assert spec is not None and spec.loader is not None
scaler = importlib.util.module_from_spec(spec)
spec.loader.exec_module(scaler)


def test_scaled_workbook_is_valid_and_n_times_larger(tmp_path: Path) -> None:
    data = scaler.scaled(example_data("000"), 3)
    assert scaler.line_items(data) == 3 * 56
    path = tmp_path / "x3.xlsx"
    write_workbook(path, data)
    result = run(path)
    assert result.ok, [i.message for i in result.issues if i.is_error]
    assert result.disclosure is not None
    # 收支总计 of example 000 is 1223.12 万元 (reference 行241); three copies of every line item.
    assert result.disclosure.tables[0].rows[-1].cells[1] == Decimal("3669.36")
    projects = {p.name for p in result.inputs.projects} if result.inputs else set()
    assert {"公告费", "公告费（2）", "公告费（3）"} <= projects


def test_copies_are_differently_named_departments(tmp_path: Path) -> None:
    sources = [ROOT / "examples" / "000.json", ROOT / "examples" / "002.json"]
    paths = scaler.write_copies(sources, 3, tmp_path)
    stems = []
    for path in paths:
        result = run(path)
        assert result.ok and result.disclosure is not None
        stems.append(result.disclosure.file_stem)
    assert stems == [
        "昌吉州政务服务和公共资源交易管理局0012023年部门预算公开",
        "昌吉州工业和信息化局0022023年部门预算公开",
        "昌吉州政务服务和公共资源交易管理局0032023年部门预算公开",
    ]
