"""The workbook prints sensibly and guides the officer: print set-up on every sheet."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from generator.workbook import schema as s
from generator.workbook.template import write_workbook


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
    assert len(pages) <= 35, per_sheet
    # every page of 支出明细 repeats the header row
    header = s.LIST_SHEETS[s.SHEET_ITEMS][0].header
    items = [p for p, m in zip(pages, footers, strict=True) if m[1] == s.SHEET_ITEMS]
    assert len(items) > 1 and all(header in p for p in items)
