"""决算 against 年初预算 (issue 20): completion rates, and reasons bound to the 决算数 they explain.

Completion figures are the real document's (czj-2024-final.txt, lines cited); the workbook cases
are example 002 made a 决算 (tests/test_final_inputs.py) with hand-changed 决算数.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from generator.compute import ledger as L
from generator.compute.final import (
    FISCAL_FINAL,
    GPB_FINAL,
    SANGONG_CODES,
    Completion,
    normalise_key,
    spent,
    year_figures,
)
from generator.pipeline import run
from generator.prepare import prepare
from generator.workbook import schema
from generator.workbook.template import write_workbook
from tests.test_final_inputs import final_data, written

D = Decimal
SHEET = schema.SHEET_FINAL_REASONS
ITEMS = schema.SHEET_ITEMS


@pytest.mark.parametrize(
    ("budget", "final", "relation", "rate", "described"),
    [
        # line 573: 年初预算为2993.92万元，支出决算为2940.05万元，完成年初预算的98.20%
        (
            "2993.92",
            "2940.05",
            "小于",
            "98.20",
            "年初预算2993.92万元，决算2940.05万元，完成年初预算的98.20%（决算数小于预算数）",
        ),
        # line 639: 年初预算为0.95万元，支出决算为0.00万元，完成预算的0%
        ("0.95", "0.00", "小于", "0.00", "年初预算0.95万元，决算0.00万元，完成年初预算的0.00%（决算数小于预算数）"),
        # line 581: 年初预算为 10.00 万元，支出决算为10.00万元 — 决算数与预算数基本持平
        (
            "10.00",
            "10.00",
            "持平",
            "100.00",
            "年初预算10.00万元，决算10.00万元，完成年初预算的100.00%（决算数持平预算数）",
        ),
        # by hand: 12 ÷ 10 = 120%
        (
            "10.00",
            "12.00",
            "大于",
            "120.00",
            "年初预算10.00万元，决算12.00万元，完成年初预算的120.00%（决算数大于预算数）",
        ),
        # no rate over a zero budget
        ("0", "3.50", "年初未安排", None, "年初未安排预算，决算3.50万元"),
        ("0", "0", "未安排", None, "年初未安排预算，无决算支出"),
    ],
)
def test_completion(budget: str, final: str, relation: str, rate: str | None, described: str) -> None:
    c = Completion(D(budget), D(final))
    assert (c.relation, c.rate, c.describe()) == (relation, None if rate is None else D(rate), described)
    assert c.needs_reason == (relation not in ("持平", "未安排"))


def test_what_a_reason_explains() -> None:
    assert Completion(D("0.95"), D("0")).difference == "决算数小于预算数"
    assert Completion(D("10"), D("12")).difference == "决算数大于预算数"
    assert Completion(D("0"), D("3.50")).difference == "年初未安排预算而有决算支出"


def test_keys_are_read_as_prepare_writes_them() -> None:
    assert normalise_key("一般公共预算项：2010601 行政运行") == "一般公共预算项：2010601"
    assert normalise_key(" 一般公共预算项:2010601") == "一般公共预算项：2010601"
    assert normalise_key("“三公”经费财政拨款支出") == "“三公”经费财政拨款支出"
    assert normalise_key("三公") is None


def workbook(tmp_path: Path, spent: dict[int, str], reasons: list[dict] | None = None) -> Path:
    """Example 002 as a 决算, with the 决算数 of some 支出明细 rows (0-based) changed."""
    data = final_data()
    for index, value in spent.items():
        data[ITEMS][index]["决算数"] = value
    if reasons is not None:
        data[SHEET] = reasons
    # the income follows the spending, so the balances still hold
    income = {}
    for row in data[ITEMS]:
        if row["资金来源"].startswith(("一般公共预算", "上级一般", "政府性", "上级政府性", "国有资本", "上级国有")):
            key = row["功能分类科目编码"]
            income[key] = income.get(key, D(0)) + D(row["决算数"])
    others = [r for r in data[schema.SHEET_FINAL_INCOME] if r["收入类型"] != "财政拨款收入"]
    data[schema.SHEET_FINAL_INCOME] = others + [
        {"功能分类科目编码": c, "收入类型": "财政拨款收入", "金额": str(v)} for c, v in sorted(income.items())
    ]
    path = tmp_path / "决算.xlsx"
    write_workbook(path, data)
    return path


def first_gpb_item() -> tuple[int, str, D]:
    """The first 一般公共预算 line of example 002: (index, 项 code, 年初预算数)."""
    for n, row in enumerate(final_data()[ITEMS]):
        if row["资金来源"] == schema.FundSource.GPB_LOCAL.value:
            return n, row["功能分类科目编码"], D(row["金额"])
    raise AssertionError


def issues_at(path: Path) -> list[tuple[str, str | None, str | None]]:
    return [(i.code, i.sheet, i.cell) for i in run(path).issues if i.sheet == SHEET]


def test_a_final_below_budget_needs_a_reason_and_prepare_lists_it(tmp_path: Path, capsys) -> None:
    n, code, budget = first_gpb_item()
    path = workbook(tmp_path, {n: str(budget - 1)})
    found = [i for i in run(path).issues if i.code in ("final-row-missing", "final-reason-missing")]
    assert {i.code for i in found} == {"final-row-missing"}
    assert prepare(path) == 0
    assert "“预决算对比”“上年决算对比”共新增" in capsys.readouterr().out
    ws = openpyxl.load_workbook(path)[SHEET]
    rows = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(2, 6)] for r in range(2, ws.max_row + 1)}
    total = rows["一般公共预算财政拨款支出"]
    assert total[0] is None and total[1] - total[2] == 1  # reason empty; 预算 − 决算 = 1万元 by construction
    item = next(v for k, v in rows.items() if k and k.startswith(f"一般公共预算项：{code}"))
    assert item[3].endswith("（决算数小于预算数）")
    missing = [(c, cell) for c, s, cell in issues_at(path) if c == "final-reason-missing"]
    keys = [ws.cell(int(cell[1:]), 1).value for _, cell in missing]
    assert keys[0] == "一般公共预算财政拨款支出" and keys[1].startswith(f"一般公共预算项：{code}")


def _with_reason(tmp_path: Path, spent: str) -> Path:
    n, code, _ = first_gpb_item()
    reasons = [
        {"比较项目": "一般公共预算财政拨款支出", "决算数与预算数不同的主要原因": "项目调减"},
        {"比较项目": f"一般公共预算项：{code}", "决算数与预算数不同的主要原因": "人员减少"},
    ]
    path = workbook(tmp_path, {n: spent}, reasons)
    assert prepare(path) == 0  # records the 决算数 each reason was written for
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    column = schema.column_letter(SHEET, "recorded")
    assert ws[f"{column}3"].value is not None
    return path


def test_a_moved_final_warns_at_its_reason_and_a_flipped_relation_is_an_error(tmp_path: Path) -> None:
    n, _, budget = first_gpb_item()
    path = _with_reason(tmp_path, str(budget - 1))
    assert not [i for i in issues_at(path) if i[0].startswith("final-reason")]
    # The officer changes the 决算数 after writing the reason: still below budget → a warning.
    wb = openpyxl.load_workbook(path)
    final_col = schema.column_letter(ITEMS, "final")
    wb[ITEMS][f"{final_col}{n + 2}"] = float(budget - 2)
    wb.save(path)
    moved = sorted((i for i in run(path).issues if i.code == "final-reason-figure-moved"), key=lambda i: i.cell)
    assert [(i.sheet, i.cell, i.is_error) for i in moved] == [(SHEET, "B2", False), (SHEET, "B3", False)]
    # 2011301 行政运行: example 002's 一般公共预算 lines of this 项 sum to 459.01万元 (examples/002.json, after issue 18 §5 moved 0.40 to 2011399),
    # 1万元 less spent when the reason was written (458.01), 2万元 less now (457.01).
    assert moved[1].message == (
        "“一般公共预算项：2011301 行政运行”的主要原因是按决算458.01万元写的，现在决算为457.01万元。"
        "请确认原因仍然适用；如需修改，改写原因后运行 disclosure prepare"
    )
    # Now above budget: the reason was written for 小于 → an error until it is rewritten.
    wb = openpyxl.load_workbook(path)
    wb[ITEMS][f"{final_col}{n + 2}"] = float(budget + 1)
    wb.save(path)
    flipped = [i for i in run(path).issues if i.code == "final-reason-direction-flipped" and i.cell == "B3"]
    assert len(flipped) == 1 and flipped[0].is_error
    assert "是按决算数小于预算数写的" in flipped[0].message and "是大于预算数；请改写主要原因" in flipped[0].message
    # Rewriting the reason confirms it: prepare records the new figure and the error goes.
    wb = openpyxl.load_workbook(path)
    wb[SHEET]["B3"] = "年中追加任务"
    wb.save(path)
    assert prepare(path) == 0
    assert not [i for i in run(path).issues if i.cell == "B3" and i.code.startswith("final-reason")]


# --- last year's 决算 -------------------------------------------------------------------


def test_year_figures_are_the_years_totals() -> None:
    with tempfile.TemporaryDirectory() as folder:
        inputs = run(written(Path(folder), final_data())).inputs
    assert inputs is not None
    items = spent(inputs.items)
    figures = dict(year_figures(inputs))
    assert list(figures) == [k.value for k in schema.FinalPriorKey]
    # income + 年初结转和结余 = spending + 年末结转和结余 (0): the total is what was spent
    assert figures["收入支出决算总计"] == L.total(items)
    assert figures["财政拨款收入支出决算总计"] == L.total(items, L.by_sources(FISCAL_FINAL))
    assert figures["一般公共预算财政拨款支出"] == L.total(items, L.by_sources(GPB_FINAL))
    parts = ("三公：因公出国（境）费", "三公：公务用车购置及运行维护费", "三公：公务接待费")
    assert figures["“三公”经费财政拨款支出"] == sum(figures[k] for k in parts)
    fiscal = L.select(items, L.by_sources(FISCAL_FINAL))
    assert figures["“三公”经费财政拨款支出"] == L.total(fiscal, lambda i: i.econ_code in SANGONG_CODES)


def test_a_reason_against_last_years_final_is_bound_to_its_figure(tmp_path: Path) -> None:
    data = final_data()
    rows = data[schema.SHEET_FINAL_PRIOR]
    total = next(r for r in rows if r["比较项目"] == "一般公共预算财政拨款支出")
    current = D(total["上年决算数"])
    total["上年决算数"] = str(current + 10)  # last year 10万元 more: 减少
    total["主要原因"] = "项目支出减少"
    path = tmp_path / "决算.xlsx"
    write_workbook(path, data)
    assert not [i for i in run(path).issues if i.sheet == schema.SHEET_FINAL_PRIOR]
    assert prepare(path) == 0  # records this year's 决算 beside the reason
    n, _, budget = first_gpb_item()
    row = 2 + [r["比较项目"] for r in rows].index("一般公共预算财政拨款支出")
    final_col = schema.column_letter(ITEMS, "final")

    def spend(value: D) -> list:
        wb = openpyxl.load_workbook(path)
        wb[ITEMS][f"{final_col}{n + 2}"] = float(value)
        wb.save(path)
        return [i for i in run(path).issues if i.sheet == schema.SHEET_FINAL_PRIOR and i.cell == f"C{row}"]

    [moved] = spend(budget - 1)  # 1万元 less spent: still 减少
    assert (moved.code, moved.is_error) == ("reason-figure-moved", False)
    assert moved.message == (
        f"“一般公共预算财政拨款支出”的主要原因是按本年{current:.2f}万元写的，现在本年为{current - 1:.2f}万元。"
        "请确认原因仍然适用；如需修改，改写原因后运行 disclosure prepare"
    )
    [flipped] = spend(budget + 11)  # 11万元 more spent: above last year, 增加
    assert (flipped.code, flipped.is_error) == ("reason-direction-flipped", True)
    assert f"现在本年{current + 11:.2f}万元、上年{current + 10:.2f}万元，是增加" in flipped.message


def test_prepare_waits_for_every_final(tmp_path: Path, capsys) -> None:
    data = final_data()
    data[ITEMS][0]["决算数"] = None
    path = tmp_path / "决算.xlsx"
    write_workbook(path, data)
    codes = {i.code for i in run(path).issues if i.is_error}
    assert "final-missing" in codes and not {c for c in codes if c.startswith(("final-reason", "final-row"))}
    before = path.read_bytes()
    assert prepare(path) == 1
    assert "请先在“支出明细”逐行填写决算数，再运行 prepare" in capsys.readouterr().err
    assert path.read_bytes() == before
