"""A format that publishes no 项目支出绩效目标表 (the Shanghai budgets: neither a projects block nor a
subsection that says they follow) has none in its computed document, though the workbook has 绩效指标:
its DOCX rendering once stopped with an internal error ("0 绩效目标表 rendered for 9 in the model")."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import openpyxl
from docx import Document

from generator.pipeline import run
from generator.render.docx import render_docx
from generator.render.html import render_html
from generator.workbook import schema

INPUTS = Path(__file__).resolve().parents[1] / "inputs"


def _as_shanghai_2024(target: Path) -> Path:
    """Example 002 (9 projects with 绩效指标) in the 2024 Shanghai format."""
    [source] = INPUTS.glob("002-*.xlsx")
    book = openpyxl.load_workbook(source)
    sheet = book[schema.SHEET_INFO]
    labels = {f.key: f.label for f in schema.INFO_FIELDS}
    wanted = {"format": "shanghai-putuo-2024", "year": 2024, "sign_date": datetime.datetime(2024, 1, 31)}
    rows = {sheet.cell(r, 1).value: r for r in range(1, sheet.max_row + 1)}
    for key, value in wanted.items():
        sheet.cell(rows[labels[key]], 2).value = value
    book.save(target)
    return target


def test_a_format_without_performance_tables_renders_none(tmp_path: Path) -> None:
    xinjiang = run(next(INPUTS.glob("002-*.xlsx"))).disclosure
    assert len(xinjiang.performance_tables) == 9  # inputs/002: 9 projects, each with its 绩效目标表
    result = run(_as_shanghai_2024(tmp_path / "sh.xlsx"))
    assert result.ok, [i.message for i in result.issues if i.is_error]
    disclosure = result.disclosure
    assert disclosure.performance_tables == []
    target = tmp_path / "sh.docx"
    render_docx(disclosure, target)
    text = "\n".join(p.text for p in Document(str(target)).paragraphs)
    assert "绩效目标表" not in "".join(text.split())
    page = re.sub(r"<style>.*?</style>", "", render_html(disclosure), flags=re.S)  # its CSS names the table
    assert "绩效目标表" not in "".join(page.split())
