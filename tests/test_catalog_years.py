"""The shipped catalogs of 2023–2026: the 2080206 fix, the documented changes per year, the counts SOURCES.md claims.

Expected pairs are written by hand from the catalog evidence (real 上海市普陀区 budgets and 决算 of 2023–2026, the
MOF 科目 pages and notices named in each year's SOURCES.md), never read back from the data files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.catalog import available_years, load_catalog, read_changes, shipped_tables

DATA = Path(__file__).resolve().parents[1] / "generator" / "catalog" / "data"


def _block(label: str) -> str:
    text = (DATA / "2023" / "SOURCES.md").read_text(encoding="utf-8")
    match = re.search(rf"```text {re.escape(label)}\n(.*?)```", text, re.S)
    assert match, f"SOURCES.md has no `{label}` block"
    return match.group(1)


def _unverified_xiang() -> set[str]:
    """The 项 of the 'no independent source' list of 2023/SOURCES.md (款 code, then the last two digits)."""
    text = (DATA / "2023" / "SOURCES.md").read_text(encoding="utf-8")
    section = text.split("### 项 with no independent source")[1].split("\n### ")[0]
    return {k + x for k, xs in re.findall(r"^- (\d{5}) ([\d,]+)$", section, re.M) for x in xs.split(",")}


def test_2080206_is_social_organisations_and_its_unsourced_neighbours_are_held_back() -> None:
    # tbx-wanli-2023-budget: table row "208 02 06 社会组织管理", sentence "民政管理事务（款）社会组织管理（项）".
    catalog = load_catalog(2023)
    assert catalog.function_name("2080206") == "社会组织管理"
    assert catalog.function_name("20802") == "民政管理事务"
    for code in ("2080204", "2080205", "2080207", "2080208"):
        assert catalog.function_name(code) is None, code
    assert "基层政权建设和社区治理" not in catalog.functions.values()


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("2089999", "其他社会保障和就业支出"),  # 万里街道 2023, 2024, 2025 budgets
        ("2109999", "其他卫生健康支出"),  # 上海市财政局 2025 budget
    ],
)
def test_the_other_items_the_documents_use_are_added(code: str, name: str) -> None:
    for year in (2023, 2024, 2025, 2026):
        assert load_catalog(year).function_name(code) == name


def test_2024_adds_social_work_and_the_farmland_fund() -> None:
    # 20139 社会工作事务 (2024 edition, 财预〔2023〕83号; gbc-socialwork-2024-final); 22006 from 财预〔2024〕22号.
    assert load_catalog(2023).function_name("20139") is None
    assert load_catalog(2023).function_name("22006") is None
    for year in (2024, 2025, 2026):
        catalog = load_catalog(year)
        assert catalog.year == year
        assert catalog.function_name("20139") == "社会工作事务"
        assert catalog.function_name("2013901") == "行政运行"
        assert catalog.function_name("2013950") == "事业运行"
        assert catalog.function_name("2013999") == "其他社会工作事务支出"
        assert catalog.function_name("22006") == "耕地保护考核奖惩基金支出"
    assert load_catalog(2025).econ == load_catalog(2023).econ  # no documented 经济分类 change


def test_every_shipped_change_has_a_source_and_2025_2026_have_none() -> None:
    assert available_years() == [2023, 2024, 2025, 2026]
    changes = read_changes(2024)
    assert [(c.kind, c.change, c.code) for c in changes] == [
        ("function", "add", "20139"),
        ("function", "add", "2013901"),
        ("function", "add", "2013950"),
        ("function", "add", "2013999"),
        ("function", "add", "22006"),
    ]
    assert all(c.source for c in changes)
    assert read_changes(2025) == [] and read_changes(2026) == []


def test_a_later_year_uses_the_newest_shipped_catalog() -> None:
    assert load_catalog(2027).year == 2026


def test_sources_md_counts_sourced_and_unverified_names_per_year() -> None:
    unverified = _unverified_xiang()
    name_only = set(_block("xiang-name-only").split())
    econ_unverified = set(_block("econ-unverified").split())
    rows = [line.split() for line in _block("counts-per-year").strip().splitlines()[1:]]
    assert [int(r[0]) for r in rows] == available_years()
    for year, xiang, sourced, names, unver, kuan, econ_sourced, econ_unver in ([int(x) for x in r] for r in rows):
        functions, econ = shipped_tables(year)
        items = {c for c in functions if len(c) == 7}
        assert unverified <= items and name_only <= items
        assert (xiang, sourced, names, unver) == (
            len(items),
            len(items - unverified - name_only),
            len(name_only),
            len(unverified),
        ), year
        kuans = {c for c in econ if len(c) == 5}
        assert econ_unverified <= kuans
        assert (kuan, econ_sourced, econ_unver) == (len(kuans), len(kuans - econ_unverified), len(econ_unverified))
    # the items the evidence confirmed are off the unverified and name-only lists and in every year's catalog
    newly = set(_block("xiang-sourced-issue-17").split())
    assert len(newly) == 64 and newly.isdisjoint(unverified | name_only)
    assert {"2010601", "2040601", "2070101", "2010507", "2013202"} <= newly  # e.g. 2010601 行政运行 (上海普陀 财政事务)
    assert "2080206" not in unverified
    for year in available_years():
        assert newly <= set(shipped_tables(year)[0])
