"""The 2023 支出功能分类 catalog: mechanical rules, the 项 the issue requires, and the coverage SOURCES.md claims.

Expected code/name pairs are written by hand from the sources named in
generator/catalog/data/2023/SOURCES.md (a real 2023 document, the MOF 科目 text, the reviewer's codes), never
read back from function.csv.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from generator.catalog import load_catalog

DATA = Path(__file__).resolve().parents[1] / "generator" / "catalog" / "data" / "2023"
CATALOG = load_catalog(2023)


def _raw_rows() -> list[tuple[str, str]]:
    with (DATA / "function.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        assert next(reader) == ["code", "name"]
        return [(code, name) for code, name in reader]


def _sources_block(label: str) -> set[str]:
    """The codes in the fenced ```text <label> block of SOURCES.md."""
    text = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    match = re.search(rf"```text {re.escape(label)}\n(.*?)```", text, re.S)
    assert match, f"SOURCES.md has no `{label}` block"
    return set(re.findall(r"\b\d{5}\b", match.group(1)))


def test_rows_follow_the_file_rules() -> None:
    rows = _raw_rows()
    codes = [code for code, _ in rows]
    assert codes == sorted(codes)
    assert len(codes) == len(set(codes)), "duplicate codes"
    for code, name in rows:
        assert code.isdigit() and len(code) in (3, 5, 7), code
        assert name and name == name.strip(), code
        assert not set(name) & set("(),\r\ufeff"), (code, name)
        if len(code) > 3:
            assert code[: len(code) - 2] in CATALOG.functions, f"{code} has no parent"


def test_the_item_a_real_2023_document_uses_is_in() -> None:
    # Issue 7: a published 2023 部门预算公开 uses 2060404 科技成果转化与扩散.
    assert CATALOG.function_name("2060404") == "科技成果转化与扩散"
    assert CATALOG.function_name("20604") == "技术研究与开发"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        # MOF 科目 text for 21305 (2024 edition, 财预〔2023〕83号; xzcs2022.com/kjfgk/19749.html).
        ("2130501", "行政运行"),
        ("2130504", "农村基础设施建设"),
        ("2130505", "生产发展"),
        ("2130506", "社会发展"),
        ("2130507", "贷款奖补和贴息"),
        ("2130508", "“三西”农业建设专项补助"),
        ("2130550", "事业运行"),
        # MOF 科目 text for 20605 (xzcs2022.com/kjfgk/20912.html).
        ("2060502", "技术创新服务体系"),
        ("2060503", "科技条件专项"),
        # A 2023 finance-platform record (file id 4591062658).
        ("2296011", "用于巩固脱贫攻坚成果衔接乡村振兴的彩票公益金支出"),
    ],
)
def test_items_with_an_independent_source(code: str, name: str) -> None:
    assert CATALOG.function_name(code) == name


@pytest.mark.parametrize(
    ("code", "name"),
    [
        # 款 that had no 项 before this pass; codes as the reviewer recalled them (SOURCES.md, reviewer flags).
        ("2130122", "农业生产发展"),
        ("2130124", "农村合作经济"),
        ("2130126", "农村社会事业"),
        ("2130135", "农业资源保护修复与利用"),
        ("2130142", "农村道路建设"),
        ("2130152", "对高校毕业生到基层任职补助"),
        ("2130209", "森林生态效益补偿"),
        ("2130211", "动植物保护"),
        ("2130212", "湿地保护"),
        ("2130206", "技术推广与转化"),
        ("2050305", "高等职业教育"),
        ("2050302", "中等职业教育"),
        ("2130108", "病虫害控制"),
        # Other 款 that had none: 行政运行 pattern and named 项.
        ("2040701", "行政运行"),
        ("2040704", "犯人生活"),
        ("2050601", "出国留学教育"),
        ("2060201", "机构运行"),
        ("2060302", "社会公益研究"),
        ("2110502", "社会保险补助"),
        ("2110602", "退耕现金"),
        ("2120801", "征地和拆迁补偿支出"),
        ("2140401", "对城市公交的补贴"),
        ("2210110", "保障性租赁住房"),
        ("2220401", "储备粮油补贴"),
    ],
)
def test_items_filled_in_for_kuan_that_had_none(code: str, name: str) -> None:
    assert CATALOG.function_name(code) == name


def test_the_draft_renumbering_is_gone() -> None:
    # The removed draft had 2130118 农业生产发展 … 2130123 农村道路建设 and 2130208 森林生态效益补偿.
    assert CATALOG.function_name("2130118") is None
    assert CATALOG.function_name("2130119") != "农村合作经济"
    assert CATALOG.function_name("2130123") is None
    assert CATALOG.function_name("2130208") is None


def test_coverage_matches_what_sources_md_claims() -> None:
    kuan = {c for c in CATALOG.functions if len(c) == 5}
    with_items = {c[:5] for c in CATALOG.functions if len(c) == 7}
    filled = _sources_block("kuan-with-xiang")
    gaps = _sources_block("kuan-xiang-not-filled")
    none_in_mof = _sources_block("kuan-without-xiang-in-mof")
    assert not (filled & gaps) and not (filled & none_in_mof) and not (gaps & none_in_mof)
    assert filled | gaps | none_in_mof == kuan
    assert filled <= with_items, f"listed as having 项 but has none: {sorted(filled - with_items)}"
    assert not (gaps | none_in_mof) & with_items, "a 款 listed without 项 has 项 now: update SOURCES.md"
    # The 款 the issue named, and a few that had no 项 before this pass.
    assert {"20604", "20503", "21301", "21302", "20407", "21105", "21208", "22204"} <= filled
