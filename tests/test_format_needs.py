"""A workbook has the sheets its format needs (issue 16 §2: "the workbook that `new` writes for a format shows the
sheets … that format needs"): derived from the blocks the format places (generator/formats/needs.py). A sheet the
format does not read may be missing; one it reads is an error at that sheet when missing."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from generator.formats import registry
from generator.formats.needs import sheets_needed
from generator.pipeline import run
from generator.workbook import schema
from generator.workbook.reader import read_workbook
from tests.conftest import example_data
from tests.test_formats import FORMATS
from tests.web_helpers import example

EVERY = list(schema.INPUT_SHEETS)
# shanghai-putuo places no 绩效目标表 (no `projects` block, no `other` section) and no `fiscal` section (its
# “主要用于” is per 项, in 上年对比): it reads neither 绩效指标 nor 类用途说明.
SHANGHAI = [s for s in EVERY if s not in (schema.SHEET_INDICATORS, schema.SHEET_USES)]


def test_each_format_needs_the_sheets_its_blocks_read(monkeypatch: pytest.MonkeyPatch) -> None:
    assert list(sheets_needed(registry.get("xinjiang-2023").spec)) == EVERY
    assert list(sheets_needed(registry.get("shanghai-putuo").spec)) == SHANGHAI
    monkeypatch.setenv(registry.ENV, str(FORMATS))
    assert list(sheets_needed(registry.get("test-third").spec)) == EVERY  # its own 绩效目标表 part, fiscal, other


def test_new_writes_only_the_sheets_of_its_format(tmp_path: Path) -> None:
    from generator.workbook.template import write_workbook

    write_workbook(tmp_path / "sh.xlsx", year=2026, format_id="shanghai-putuo")
    write_workbook(tmp_path / "xj.xlsx", year=2023, format_id="xinjiang-2023")
    names = openpyxl.load_workbook(tmp_path / "sh.xlsx").sheetnames
    assert names == [schema.SHEET_GUIDE, *SHANGHAI, schema.SHEET_LISTS]
    assert openpyxl.load_workbook(tmp_path / "xj.xlsx").sheetnames == [schema.SHEET_GUIDE, *EVERY, schema.SHEET_LISTS]
    # the blank Shanghai workbook reads without a word about the sheets it does not have
    _, issues = read_workbook(tmp_path / "sh.xlsx")
    assert not [i for i in issues if i.code == "missing-sheet"]


def without(path: Path, *sheets: str) -> Path:
    book = openpyxl.load_workbook(path)
    for name in sheets:
        del book[name]
    target = path.with_name(f"{path.stem}-without.xlsx")
    book.save(target)
    return target


def test_a_sheet_the_format_does_not_read_may_be_missing(tmp_path: Path) -> None:
    full = example(tmp_path, "101")
    assert example_data("101")[schema.SHEET_INDICATORS] == [] and example_data("101")[schema.SHEET_USES] == []
    result = run(without(full, schema.SHEET_INDICATORS, schema.SHEET_USES))
    assert result.ok and not result.issues, [i.message for i in result.issues]
    assert result.disclosure == run(full).disclosure


def test_a_sheet_the_format_reads_is_an_error_at_that_sheet(tmp_path: Path) -> None:
    result = run(without(example(tmp_path, "000"), schema.SHEET_INDICATORS))
    missing = [i for i in result.issues if i.code == "missing-sheet"]
    assert [(i.sheet, i.is_error) for i in missing] == [(schema.SHEET_INDICATORS, True)]
    assert missing[0].message.startswith("工作簿缺少工作表“绩效指标”")
    assert not result.ok
    # 101 (shanghai-putuo) reads 采购与资产 (六: 政府采购, 车辆)
    result = run(without(example(tmp_path, "101"), schema.SHEET_FACTS))
    assert [i.sheet for i in result.issues if i.code == "missing-sheet"] == [schema.SHEET_FACTS]


def test_prepare_works_without_the_sheets_the_format_does_not_read(tmp_path: Path) -> None:
    from generator.prepare import prepare

    workbook = without(example(tmp_path, "101"), schema.SHEET_INDICATORS, schema.SHEET_USES)
    assert prepare(workbook) == 0
    book = openpyxl.load_workbook(workbook)
    assert schema.SHEET_USES not in book.sheetnames
    # the five 上年对比 rows this format's sentences ask for (tests/test_golden_shanghai.py)
    keys = [r[0] for r in book[schema.SHEET_PRIOR].iter_rows(min_row=2, values_only=True) if r[0]]
    assert keys[-1] == "收入：上级国有资本经营预算安排的转移支付"


def test_columns_the_format_does_not_read_are_hidden_and_not_required(tmp_path: Path) -> None:
    """shanghai-putuo prints no 绩效目标表: 项目负责人, 绩效指标权重合计 and 公开绩效目标表 are hidden in its workbook, and
    a project without them passes (101's officer had to write “（未公开）”). 资金分配情况 stays: the district's
    project_notes section prints it as 年度预算安排 in the 2024 and 2025 formats."""
    from generator.workbook.template import write_workbook

    write_workbook(tmp_path / "sh.xlsx", year=2026, format_id="shanghai-putuo")
    write_workbook(tmp_path / "xj.xlsx", year=2023, format_id="xinjiang-2023")

    def hidden(path: Path) -> list[str]:
        ws = openpyxl.load_workbook(path)[schema.SHEET_PROJECTS]
        return [
            c.header
            for c in schema.PROJECT_COLUMNS
            if ws.column_dimensions[schema.column_letter(schema.SHEET_PROJECTS, c.key)].hidden
        ]

    assert hidden(tmp_path / "sh.xlsx") == ["项目负责人", "绩效指标权重合计", "公开绩效目标表"]
    assert hidden(tmp_path / "xj.xlsx") == ["项目概述", "实施方案"]  # 上海 七 only

    data = example_data("101")
    for row in data[schema.SHEET_PROJECTS]:
        row["项目负责人"] = row["公开绩效目标表"] = None
    write_workbook(tmp_path / "101.xlsx", data)
    result = run(tmp_path / "101.xlsx")
    assert result.ok and not result.issues, [i.message for i in result.issues]
    assert result.disclosure == run(example(tmp_path, "101")).disclosure
    # in xinjiang-2023 the same empty 项目负责人 is an error at its cell
    data = example_data("000")
    data[schema.SHEET_PROJECTS][0]["项目负责人"] = None
    write_workbook(tmp_path / "000.xlsx", data)
    result = run(tmp_path / "000.xlsx")
    letter = schema.column_letter(schema.SHEET_PROJECTS, "manager")
    assert ("missing-required", schema.SHEET_PROJECTS, f"{letter}2") in [
        (i.code, i.sheet, i.cell) for i in result.issues
    ]
    assert not result.ok
