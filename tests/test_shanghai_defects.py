"""The defects of the real Shanghai 普陀 documents (issue 16 §2, ../shared/reference/shanghai/README.md) are
impossible in ours, by construction or as an error at the cell."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from generator.catalog import load_catalog
from generator.compute.names import Names
from generator.compute.tables import TableBuilder
from generator.formats import registry
from generator.formats.spec import TableBlock
from generator.model import Disclosure, NumberStyle
from generator.pipeline import run
from generator.validate import check_project_periods
from generator.workbook import schema
from generator.workbook.schema import FundSource, SpendingKind
from generator.workbook.template import write_workbook
from tests import factories
from tests.conftest import ROOT, example_data
from tests.test_formats import MINIMAL, line_of, problems


def test_a_2026_project_carried_over_with_a_2025_period_is_an_error_at_its_cell() -> None:
    # sfj-2026-dept.txt 行397–398: 人民调解, in the 2026 budget, “五、实施周期 2025年1月1日-2025年12月31日”.
    period = "2025年1月1日-2025年12月31日"
    inputs = factories.make_inputs(
        [factories.item(kind=SpendingKind.PROJECT, project="人民调解")],
        projects=[factories.project("人民调解", row=2, period=period)],
        info_over={"year": 2026},
    )
    issues = check_project_periods(inputs, None)  # type: ignore[arg-type]
    assert [(i.code, i.sheet, i.cell, i.is_error) for i in issues] == [
        (
            "project-period-text-invalid",
            schema.SHEET_PROJECTS,
            f"{schema.column_letter(schema.SHEET_PROJECTS, 'period')}2",
            True,
        )
    ]
    assert issues[0].message.startswith(f"资金执行时间“{period}”应写成“2026年1月1日至2026年12月31日”的形式")
    ok = factories.make_inputs(
        [factories.item(kind=SpendingKind.PROJECT, project="人民调解")],
        projects=[factories.project("人民调解", row=2, period="2026年1月1日-2026年12月31日")],
        info_over={"year": 2026},
    )
    assert check_project_periods(ok, None) == []  # type: ignore[arg-type]


# wanli-2024-dept.txt 行693: the note of an empty 政府性基金 table, as the format writes it.
FUND_NOTE = "注:本部门2024年无政府性基金预算财政拨款安排的预算，故本表为空表。"
FUND_TABLE = TableBlock.model_validate(
    {
        "type": "table",
        "kind": "政府性基金支出",
        "label": "6",
        "title": "2024年部门政府性基金预算支出功能分类预算表",
        "unit": "元",
        "head": [["类", "款", "项", "名称", "合计", "基本支出", "项目支出"]],
        "empty": {"note": FUND_NOTE, "rows": 4},
    }
)


def _fund_table(items: list) -> object:
    catalog = load_catalog(2024)
    names = Names(dict(catalog.functions), dict(catalog.econ), frozenset())
    return TableBuilder(items, names, "编制部门：测试").table(FUND_TABLE, 6, NumberStyle(unit="元"))


def test_the_empty_table_note_only_under_an_empty_table() -> None:
    empty = _fund_table([factories.item()])  # 一般公共预算 only
    assert empty.empty_note == FUND_NOTE
    assert all(c is None or c in {"", "合计"} for r in empty.rows for c in r.cells)
    fund = factories.item(func="2120803", econ="30905", source=FundSource.FUND_LOCAL, kind=SpendingKind.PROJECT)
    used = _fund_table([factories.item(), fund])
    assert used.empty_note is None  # amounts, so no “本表为空表”
    assert used.rows[-1].cells[4] == Decimal("10.00")


def test_a_table_kind_that_always_has_amounts_takes_no_empty_note(tmp_path: Path) -> None:
    # wanli-2024-dept.txt 行790–794: the “三公”经费和机关运行经费 table prints 47.91 … 443.18 and, below it,
    # “本表为空表”. Its kind is never empty, so a format cannot give it an empty-table note.
    head = "          - [{text: 项目, rows: 2}, {text: 合计, rows: 2}, {text: 资金来源, cols: 3}]\n"
    sub = "          - [一般公共预算, 政府性基金, 国有资本经营预算]\n"
    text = MINIMAL.replace(
        "        kind: 三公经费\n", "        kind: 三公经费和机关运行经费\n        empty: {note: 本表为空表。}\n"
    )
    text = text.replace(head + sub, "          - [合计, 因公出国, 公务接待, 小计, 购置费, 运行费, 机关运行经费]\n")
    assert problems(tmp_path, text) == [(line_of(text, "empty:"), "“三公经费和机关运行经费”不会是空表，请删除 empty")]


def test_every_toc_entry_is_its_heading(disclosures: dict[str, Disclosure]) -> None:
    # czj-2024-final.txt 行50 “十一、其他重要事项说明” vs 行678 “十一、其他重要事项的情况说明”: our 目录 entries
    # are the headings' own text, placed once.
    for d in disclosures.values():
        headings = {p.anchor: p.heading for p in d.parts}
        headings |= {s.anchor: s.heading for s in d.sections}
        headings |= {b.anchor: b.heading for p in d.parts for b in p.blocks if b.heading}
        for entry in d.toc:
            if entry.anchor in headings:
                assert entry.text == headings[entry.anchor]
        assert {e.anchor for e in d.toc} >= set(headings)


def _build_101(tmp_path: Path, base: str | None = None) -> str:
    """Example 101's section text, in shanghai-putuo or a copy of it comparing with `base`."""
    data = json.loads(json.dumps(example_data("101")))
    env = None
    if base is not None:
        folder = tmp_path / "formats" / "shanghai-base"
        shutil.copytree(ROOT / "templates" / "formats" / "shanghai-putuo", folder)
        (folder / "disclosure.docx").unlink()
        text = (folder / "format.yaml").read_text(encoding="utf-8")
        text = text.replace("id: shanghai-putuo", "id: shanghai-base").replace(
            "comparison_base: 上年预算", f"comparison_base: {base}"
        )
        (folder / "format.yaml").write_text(text, encoding="utf-8")
        data["基本信息"]["格式"] = "shanghai-base"
        env = str(folder.parent)
    workbook = tmp_path / "101.xlsx"
    write_workbook(workbook, data)
    with pytest.MonkeyPatch.context() as mp:
        if env:
            mp.setenv(registry.ENV, env)
        result = run(workbook)
    assert result.ok and result.disclosure is not None
    return "\n".join(
        p.text
        for s in result.disclosure.sections
        for p in [*s.paragraphs, *(q for sub in s.subsections for q in sub.paragraphs)]
    )


def test_a_2026_budget_compares_with_2025_only(tmp_path: Path) -> None:
    # sfj-2026-dept.txt 行91–95: “比2026年预算增加793.14万元” three times in a 2026 budget. The templates have no year
    # but `year` and `prior_year` (= year − 1, computed), so a comparison names 2025.
    text = _build_101(tmp_path)
    assert "比2026年" not in text and "与2026年" not in text
    assert text.count("比2025年预算增加793.14万元") == 3


def test_one_document_one_comparison_base(tmp_path: Path) -> None:
    # sfj-2026-dept.txt 行91–95 compare with 2025 预算, 行99–137 with 2025 执行数 in the same 四. The base is the
    # format's one comparison_base: the same templates with 上年执行数 name 执行数 in every comparison, 预算 in none.
    text = _build_101(tmp_path, "上年执行数")
    assert "比2025年执行数增加793.14万元" in text
    assert "2025年执行数为1690.69万元" in text
    assert not re.search(r"(比|与)2025年预算", text) and "2025年预算数" not in text


def test_the_2024_sangong_table_with_amounts_carries_no_empty_note(tmp_path: Path) -> None:
    # wanli-2024-dept.txt 行791–794: 表9 prints 47.91 0 1.35 46.56 25 21.56 443.18 and, below it, “注:本部门2024年无
    # “三公”经费和机关运行经费预算，故本表为空表。”. Built from the same figures (example 104, format
    # shanghai-putuo-2024), ours keeps the amounts and prints no such note; only the two tables without amounts do.
    workbook = tmp_path / "104.xlsx"
    write_workbook(workbook, example_data("104"))
    d = run(workbook).disclosure
    assert d is not None and d.format_id == "shanghai-putuo-2024"
    sangong = d.tables[8]
    assert sangong.empty_note is None
    expected = ["47.91", "0", "1.35", "46.56", "25", "21.56", "443.18"]
    assert [Decimal(c) for c in sangong.rows[-1].cells] == [Decimal(v) for v in expected]
    noted = [t.title for t in d.tables if t.empty_note]
    assert noted == ["2024年部门政府性基金预算支出功能分类预算表", "2024年部门国有资本经营预算支出功能分类预算表"]
    for t in d.tables:
        if t.empty_note:
            assert not any(isinstance(c, Decimal) and c for r in t.rows for c in r.cells)
