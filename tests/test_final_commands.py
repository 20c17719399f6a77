"""Every command works for a 决算 workbook (issue 20 §3), through the `disclosure` command line: build (DOCX, PDF,
HTML), dump, diff and its redline of a revised 决算 (one 决算数 changed), and a batch build. The workbook is
example 201 (上海市普陀区财政局 2024 部门决算, format shanghai-putuo-final)."""

from __future__ import annotations

import json
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from generator.compute.tables import KINDS
from generator.workbook import schema
from generator.workbook.template import write_workbook
from tests.conftest import example_data
from tests.test_format_commands import disclosure, ok

pytestmark = pytest.mark.slow

STEM = "上海市普陀区财政局2024年度部门决算"
INFORMATIZATION = "2010607"  # 信息化建设: 年初预算 135.90, 决算 135.25 (czj-2024-final.txt 行585)


def final_workbook(folder: Path, name: str = "201", revised: bool = False, unit: str = "") -> Path:
    data = example_data("201")
    if revised:
        # 信息化建设 spends 0.50万元 more (5,000 元), paid from the year's 财政拨款: its 决算数 and its income move
        # together, and the 财政拨款收入支出总计 that was 持平 with 2023 now rises, with its reason typed.
        for item in data[schema.SHEET_ITEMS]:
            if item["功能分类科目编码"] == INFORMATIZATION:
                item["决算数"] = str(Decimal(item["决算数"]) + 5000)
        for row in data[schema.SHEET_FINAL_INCOME]:
            if row["功能分类科目编码"] == INFORMATIZATION and row["收入类型"] == schema.FINAL_INCOME_FISCAL:
                row["金额"] = str(Decimal(row["金额"]) + 5000)
        for row in data[schema.SHEET_FINAL_PRIOR]:
            if row["比较项目"] == schema.FinalPriorKey.FISCAL_TOTAL.value:
                row["主要原因"] = "信息化系统运行维护支付进度加快"
    if unit:
        data[schema.SHEET_INFO]["单位全称"] = unit
    path = folder / f"{name}.xlsx"
    write_workbook(path, data)
    return path


def test_build_docx_pdf_html_and_dump(tmp_path: Path) -> None:
    wb = final_workbook(tmp_path)
    out = tmp_path / "out"
    ok(disclosure("build", wb, "-o", out, "--format", "all", cwd=tmp_path))
    ok(disclosure("build", wb, "-o", out, "--format", "html", cwd=tmp_path))
    assert sorted(p.name for p in out.iterdir()) == [f"{STEM}.{ext}" for ext in ("docx", "html", "pdf")]
    html = (out / f"{STEM}.html").read_text(encoding="utf-8")
    # 收入支出决算总表's 总计 (czj-2024-final.txt 行164), a real table cell
    assert '<td class="n">2,995.39</td>' in html and "十一、其他重要事项的情况说明" in html
    text = subprocess.run(
        ["pdftotext", str(out / f"{STEM}.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert (
        text.index("收入支出决算总表") < text.index("财政拨款“三公”经费支出决算表") < text.index("十、预算绩效管理情况")
    )
    with zipfile.ZipFile(out / f"{STEM}.docx") as z:
        body = z.read("word/document.xml").decode("utf-8")
    assert "国有资本经营预算财政拨款收入支出决算表" in body and "2,961.68" in body  # 行303

    dumped = disclosure("dump", wb, "-o", "-", cwd=tmp_path)
    ok(dumped)
    data = json.loads(dumped.stdout)
    assert data["format_id"] == "shanghai-putuo-final" and data["file_stem"] == STEM
    assert [t["kind"] for t in data["tables"]] == [k for k, kind in KINDS.items() if kind.document == "决算"]


def test_diff_and_redline_of_a_revised_final(tmp_path: Path) -> None:
    old = final_workbook(tmp_path, "old")
    new = final_workbook(tmp_path, "new", revised=True)
    out = tmp_path / "diff"
    said = ok(disclosure("diff", old, new, "-o", out, cwd=tmp_path))
    # the headline figures are the 决算's (as spent), and 表1 moves with them
    assert "收支总计：2940.05 → 2940.55（+0.50）" in said
    assert "[修改] 表1 本年支出合计 / 第4列：2940.05 → 2940.55" in said
    as_json = disclosure("diff", old, new, "-o", out, "--json", cwd=tmp_path)
    ok(as_json)
    report = json.loads(as_json.stdout)
    texts = [c["new"] for c in report["changes"] if c["kind"] == "text"]
    for changed in (
        "年初预算为135.90万元，支出决算为135.75万元。",  # 五（三）3
        "一般公共预算财政拨款支出年初预算为2993.92万元，支出决算为2940.55万元，完成年初预算的98.22%。",  # ÷ 2993.92
        "与2023年度相比，财政拨款收入支出总计增加0.50万元，增长0.02%。",  # was 持平 with 2023
        "主要原因：信息化系统运行维护支付进度加快。",  # … and says why
    ):
        assert changed in texts, changed
    # every workbook change is listed at its cell, the 决算 sheets' included, and causes the document's changes
    assert [c["location"] for c in report["input_changes"]] == ["支出明细!K22", "收入决算!D4", "上年决算对比!C3"]
    assert {cause for c in report["changes"] for cause in c["causes"]} == {1, 2, 3}
    redline = out / "修订稿（修订模式）.docx"
    with zipfile.ZipFile(redline) as z:
        body = z.read("word/document.xml").decode("utf-8")
    assert "<w:ins " in body and "<w:del " in body  # tracked changes
    assert "135.75" in body and "十一、其他重要事项的情况说明" in body  # the redline is the 决算 document


def test_batch_build_of_two_finals(tmp_path: Path) -> None:
    folder = tmp_path / "workbooks"
    folder.mkdir()
    final_workbook(folder, "a")
    final_workbook(folder, "b", unit="上海市普陀区财政局（副本）")
    out = tmp_path / "out"
    ok(disclosure("build", folder, "-o", out, "-j", "2", cwd=tmp_path))
    built = sorted(p.name for p in out.iterdir())
    assert built == sorted(
        [
            f"{STEM}.docx",
            f"{STEM}.pdf",
            "上海市普陀区财政局（副本）2024年度部门决算.docx",
            "上海市普陀区财政局（副本）2024年度部门决算.pdf",
        ]
    )
