"""The workbook prints sensibly and guides the officer: print set-up on every sheet."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from generator.workbook import schema as s
from generator.workbook.template import build_workbook, write_workbook


@pytest.fixture(scope="module")
def blank_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wb") / "blank.xlsx"
    write_workbook(path, None)
    return path


def test_every_visible_sheet_prints_a4_landscape_one_page_wide(blank_path):
    wb = load_workbook(blank_path)
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert len(visible) == len(s.INPUT_SHEETS) + 1  # + 填表说明
    for ws in visible:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), ws.title
        if ws.title != s.SHEET_GUIDE:
            assert ws.print_title_rows == "$1:$1", ws.title  # the header row on every printed page


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_blank_workbook_prints_each_sheet_one_page_wide(blank_path, tmp_path):
    subprocess.run(
        ["soffice", "-env:UserInstallation=file:///tmp/lo-wb-profile", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(blank_path)],
        capture_output=True, timeout=300, check=True,
    )  # fmt: skip
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "blank.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")[:-1]
    footers = [re.search(r"(\S+)\s+第 \d+ 页 共 \d+ 页", p) for p in pages]
    assert all(footers), "a printed page without the sheet-name footer"
    per_sheet: dict[str, int] = {}
    for match in footers:
        per_sheet[match[1]] = per_sheet.get(match[1], 0) + 1
    # 85 pages before, 基本信息 one column per page; now every short sheet is one page
    assert per_sheet[s.SHEET_INFO] == 1, per_sheet
    for sheet in (s.SHEET_UNITS, s.SHEET_PROJECTS, s.SHEET_INDICATORS, s.SHEET_PRIOR):
        assert per_sheet[sheet] == 1, per_sheet
    # 31 pages before, 15 of them an empty 支出明细 grid: the prepared rows' formulas print even while
    # empty, so only a few hundred rows are prepared (18 pages in LibreOffice 7.x)
    assert per_sheet[s.SHEET_ITEMS] <= 4 and per_sheet[s.SHEET_USES] <= 2, per_sheet
    assert len(pages) <= 20, per_sheet
    # every page of 支出明细 repeats the header row
    header = s.LIST_SHEETS[s.SHEET_ITEMS][0].header
    items = [p for p, m in zip(pages, footers, strict=True) if m[1] == s.SHEET_ITEMS]
    assert len(items) > 1 and all(header in p for p in items)


def test_items_sheet_has_locked_running_total_and_subtotals(blank_path):
    wb = load_workbook(blank_path)
    ws = wb[s.SHEET_ITEMS]
    n = len(s.LIST_SHEETS[s.SHEET_ITEMS])
    amount = s.column_letter(s.SHEET_ITEMS, "amount")
    running = ws.cell(s.HEADER_ROW, n + 2)
    assert running.value == "累计金额"
    cell = ws.cell(s.FIRST_DATA_ROW + 2, n + 2)
    assert cell.value == f'=IF({amount}4="","",SUM(${amount}$2:{amount}4))'
    assert cell.protection.locked and ws.protection.sheet
    labels = {ws.cell(r, n + 4).value.strip(): ws.cell(r, n + 5).value for r in range(2, 40) if ws.cell(r, n + 4).value}
    assert labels["合计"] == f"=SUM(${amount}:${amount})"
    kind = s.column_letter(s.SHEET_ITEMS, "kind")
    assert labels["基本支出"] == f'=SUMIF(${kind}:${kind},"基本支出",${amount}:${amount})'
    assert "项目支出" in labels and all(f.value in labels for f in s.FundSource)


def test_prior_sheet_colours_required_cells(blank_path):
    wb = load_workbook(blank_path)
    ws = wb[s.SHEET_PRIOR]
    prior = s.column_letter(s.SHEET_PRIOR, "prior")
    reason = s.column_letter(s.SHEET_PRIOR, "reason")
    blue = "00BDD7EE"
    assert ws[f"{prior}1"].fill.fgColor.rgb == blue and ws[f"{reason}1"].fill.fgColor.rgb == blue
    ranges = {str(r.sqref): r.rules[0].formula[0] for r in ws.conditional_formatting}
    assert ranges[f"{prior}2:{prior}501"] == f'AND($A2<>"",${prior}2="")'
    assert f"${prior}2<>$D2" in ranges[f"{reason}2:{reason}501"]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_subtotals_compute_the_model_totals(example_paths, disclosures, tmp_path):
    """LibreOffice recalculates the example workbook: 合计 and the kind subtotals equal 表3's 合计 row."""
    subprocess.run(
        ["soffice", "-env:UserInstallation=file:///tmp/lo-wb-profile", "--headless", "--convert-to", "xlsx",
         "--outdir", str(tmp_path), str(example_paths["000"])],
        capture_output=True, timeout=300, check=True,
    )  # fmt: skip
    ws = load_workbook(tmp_path / "000.xlsx", data_only=True)[s.SHEET_ITEMS]
    n = len(s.LIST_SHEETS[s.SHEET_ITEMS])
    values = {str(ws.cell(r, n + 4).value).strip(): ws.cell(r, n + 5).value for r in range(2, 12)}
    total_row = next(t for t in disclosures["000"].tables if t.number == 3).rows[-1].cells  # 合计, 基本, 项目
    assert round(values["合计"], 2) == float(total_row[4])
    assert round(values["基本支出"], 2) == float(total_row[5])
    assert round(values["项目支出"], 2) == float(total_row[6])
    col = column_index_from_string(s.column_letter(s.SHEET_ITEMS, "amount"))  # 金额 (年初预算数 in a 决算)
    amounts = [ws.cell(r, col).value for r in range(2, 2000) if isinstance(ws.cell(r, col).value, (int, float))]
    last = s.FIRST_DATA_ROW + len(amounts) - 1
    assert round(ws.cell(last, n + 2).value, 2) == round(sum(amounts), 2) == float(total_row[4])


def test_readme_and_guide_give_the_same_steps():
    from generator.workbook.template import WORKFLOW

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## 使用步骤", 1)[1].split("\n## ", 1)[0]
    in_readme = re.findall(r"^(\d)\. \*\*(.+?)\*\*", section, re.M)
    in_guide = [re.match(r"(\d)\. (.+?)：", step).groups() for step in WORKFLOW]
    assert in_readme == in_guide
    assert len(in_guide) >= 5


@pytest.mark.parametrize(
    ("format_id", "final", "present", "absent"),
    [
        # Xinjiang's 第三部分 四 says what each 类 is for, and it prints 绩效目标表
        ("xinjiang-2023", False, ("“上年对比”“类用途说明”中添加", "项目信息、绩效指标、采购与资产"), ("预决算对比",)),
        # Shanghai reads neither 绩效指标 nor 类用途说明 (generator/formats/needs.py): its guide names neither
        ("shanghai-putuo", False, ("“上年对比”中添加", "项目信息、采购与资产"), ("类用途说明", "绩效指标、")),
        # a 决算's prepare fills its own two comparison sheets
        ("shanghai-putuo-final", True, ("“预决算对比”“上年决算对比”中添加", "决算情况、收入决算"), ("“上年对比”中",)),
    ],
)
def test_the_guide_names_only_the_sheets_the_workbook_has(format_id, final, present, absent):
    """填表说明 一、填报流程 of each kind of blank workbook: steps 2 and 3 name the sheets it has, no others."""
    wb = build_workbook(year=2026, format_id=format_id, final=final)
    guide = "\n".join(str(c.value) for c in wb[s.SHEET_GUIDE]["A"] if c.value)
    steps = guide.split("二、填写规则", 1)[0]
    for text in present:
        assert text in steps, text
    for text in absent:
        assert text not in steps, text
    # and every sheet the guide describes in 三、各工作表说明 is one of the workbook's
    described = re.findall(r"^【(.+?)】$", guide, re.M)
    assert described and set(described) <= set(wb.sheetnames)
