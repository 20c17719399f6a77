"""The Shanghai 普陀 budget formats by year (2024, 2025, 2026 on) and the format features they added: a money
style that drops only an all-zero fraction, a section's own money style, a table's own row labels, and 项 that
are listed without a comparison (issue 16; ../shared/reference/shanghai/README.md)."""

from __future__ import annotations

import itertools
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from generator.formats import registry
from generator.formats.loader import FormatInvalid, load_format
from generator.formats.text import MoneyStyle, load_sections
from generator.pipeline import run
from generator.workbook import schema
from generator.workbook.template import write_workbook
from tests.conftest import example_data
from tests.test_formats import MINIMAL, line_of, problems

SHANGHAI = "上海市普陀区"


def budget_formats(region: str, edition: str) -> dict[str, object]:
    return {
        fid: f
        for fid, f in registry.installed().items()
        if not isinstance(f, Exception)
        and f.spec.region == region
        and f.spec.document == "预算"
        and edition in [e.name for e in f.spec.editions]
    }


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2024, "shanghai-putuo-2024"), (2025, "shanghai-putuo-2025"), (2026, "shanghai-putuo"), (2030, "shanghai-putuo")],
)
def test_each_shanghai_budget_year_has_exactly_one_format(year: int, expected: str) -> None:
    # wanli-2024 (2024), qzfb-2025 (2025) and sfj-2026 (2026) word 四 and write amounts differently: one format each
    covering = [fid for fid, f in budget_formats(SHANGHAI, "部门版").items() if year in f.spec.years]
    assert covering == [expected]
    assert not [fid for fid, f in budget_formats(SHANGHAI, "部门版").items() if 2023 in f.spec.years]


def test_no_two_shipped_formats_of_one_kind_claim_the_same_year() -> None:
    """Formats of the same region, level, document and edition have disjoint years, so a year names one format."""
    usable = [f for f in registry.installed().values() if not isinstance(f, Exception)]
    for a, b in itertools.combinations(usable, 2):
        same = (a.spec.region, a.spec.level, a.spec.document) == (b.spec.region, b.spec.level, b.spec.document)
        editions = {e.name for e in a.spec.editions} & {e.name for e in b.spec.editions}
        if not same or not editions:
            continue
        last_a = a.spec.years.last or 9999
        last_b = b.spec.years.last or 9999
        assert last_a < b.spec.years.first or last_b < a.spec.years.first, (a.id, b.id)


def test_a_workbook_of_another_year_is_an_error_at_the_format_cell(tmp_path: Path) -> None:
    data = example_data("103")
    data["基本信息"]["预算年度"] = 2026  # a 2025 format for a 2026 budget
    workbook = tmp_path / "103.xlsx"
    write_workbook(workbook, data)
    errors = [(i.code, i.sheet, i.message) for i in run(workbook).issues if i.is_error]
    assert (
        "format-year",
        schema.SHEET_INFO,
        "格式“上海市普陀区部门预算公开（2025年格式）”适用于2025年，不适用于2026年；请核对预算年度，或选择适用的格式"
        "（2026年用“shanghai-putuo”）",
    ) in errors


def test_drop_zero_fraction_drops_only_an_all_zero_fraction() -> None:
    # qzfb-2025-dept.txt 行71, 81, 375, 376: 9,101.68万元, 4,614万元, 867.50万元, 839万元
    style = MoneyStyle(thousands=True, drop_zero_fraction=True)
    assert style(Decimal("9101.6775")) == "9,101.68万元"
    assert style(Decimal("4614.00")) == "4,614万元"
    assert style(Decimal("867.50")) == "867.50万元"
    assert style(Decimal("839")) == "839万元"
    assert style(Decimal("0")) == "0万元"
    assert style(Decimal("0.004")) == "0万元"  # rounds to 0.00
    assert MoneyStyle(strip_zeros=True)(Decimal("867.50")) == "867.5万元"  # the 2026 style, for contrast


def test_a_section_may_have_its_own_money_style(tmp_path: Path) -> None:
    # wanli-2024-dept.txt 行73 “0.00万元” in 四 but 行798–800 “25万元”, “0万元” in 六: shanghai-putuo-2024's format.yaml
    # sets text.money (two decimals) and text.section_money.notes (drop_zero_fraction)
    shipped = registry.get("shanghai-putuo-2024").text_settings
    folder = tmp_path / "sections"
    folder.mkdir()
    for name in ("budget", "notes"):
        (folder / f"{name}.j2").write_text(f"# {name}\n{{{{ a | money }}}}、{{{{ b | money }}}}\n", "utf-8")
    templates = load_sections(folder, replace(shipped, sections=("budget", "notes")))
    figures = {"a": Decimal("25"), "b": Decimal("42.6")}
    assert templates.render("budget", figures).paragraphs[0].text == "25.00万元、42.60万元"
    assert templates.render("notes", figures).paragraphs[0].text == "25万元、42.60万元"


def test_a_section_money_style_for_an_unknown_section_or_key_is_located(tmp_path: Path) -> None:
    folder = tmp_path / "shanghai-putuo-2024"
    shutil.copytree(registry.SHIPPED / "shanghai-putuo-2024", folder)
    path = folder / "format.yaml"
    shipped = path.read_text("utf-8")
    assert "    notes: {drop_zero_fraction: true}\n" in shipped
    path.write_text(
        shipped.replace("    notes: {drop_zero_fraction: true}", "    note: {drop_zero_fraction: true}"), "utf-8"
    )
    with pytest.raises(FormatInvalid) as caught:
        load_format(folder)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:{line_of(path.read_text('utf-8'), 'note: {')}: text.section_money 中的“note”不是本格式放置的情况说明"
        "（budget、notes、project_notes），请改为其中的一节或删除"
    ]
    path.write_text(
        shipped.replace("    notes: {drop_zero_fraction: true}", "    notes: {drop_zero_fractions: true}"), "utf-8"
    )
    with pytest.raises(FormatInvalid) as caught:
        load_format(folder)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:{line_of(shipped, 'notes: {')}: 不认识的设置“drop_zero_fractions”，是否应为“drop_zero_fraction”？"
    ]


def test_row_labels_must_name_a_fixed_row_of_the_kind(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "        title: “三公”经费表\n", "        title: “三公”经费表\n        row_labels: {合计: 总计}\n"
    )
    assert problems(tmp_path, text) == [
        (line_of(text, "row_labels"), "表1没有“合计”这一行，这种表没有可改写的固定行，请删除 row_labels")
    ]


def test_items_without_comparison_need_a_use_row_not_a_prior(tmp_path: Path) -> None:
    # qzfb-2025-dept.txt 行79–103 give each 项 its amount and use only (format.yaml text.options.compare_items: false): the 上年对比 rows of
    # example 103 hold no 上年预算数. Without the row of 2080599 the error says where to add it.
    data = example_data("103")
    rows = data["上年对比"]
    assert all(r["上年预算数"] == "" for r in rows if r["比较项目"].startswith("一般公共预算项"))
    data["上年对比"] = [r for r in rows if r["比较项目"] != "一般公共预算项：2080599"]
    workbook = tmp_path / "103.xlsx"
    write_workbook(workbook, data)
    errors = [(i.code, i.sheet, i.cell) for i in run(workbook).issues if i.is_error]
    assert errors == [("item-use-missing", schema.SHEET_PRIOR, f"A{len(data['上年对比']) + 2}")]


def test_a_chosen_format_resolves_to_its_districts_style_of_the_year() -> None:
    assert registry.for_year("shanghai-putuo", 2024) == "shanghai-putuo-2024"
    assert registry.for_year("shanghai-putuo", 2025) == "shanghai-putuo-2025"
    assert registry.for_year("shanghai-putuo-2024", 2026) == "shanghai-putuo"
    assert registry.for_year("shanghai-putuo-2025", 2025) == "shanghai-putuo-2025"
    assert registry.for_year("xinjiang-2023", 2020) == "xinjiang-2023"  # no other Xinjiang format: unchanged
    assert registry.for_year("shanghai-putuo", 2023) == "shanghai-putuo"  # none for 2023: the check will say so
    assert registry.for_year("nope", 2025) == "nope"


def test_next_years_workbook_takes_the_next_years_format(tmp_path: Path) -> None:
    from generator.rollover import rollover

    this = tmp_path / "104.xlsx"
    write_workbook(this, example_data("104"))
    nxt = tmp_path / "2025.xlsx"
    assert rollover(this, nxt).year == 2025
    sheet = openpyxl.load_workbook(nxt)[schema.SHEET_INFO]
    values = [row[1] for row in sheet.iter_rows(min_row=schema.FIRST_DATA_ROW, max_col=2, values_only=True)]
    assert "shanghai-putuo-2025" in values and "shanghai-putuo-2024" not in values
