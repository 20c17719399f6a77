"""The 决算 figures of the real 2024 部门决算 of 上海市普陀区财政局 (../shared/reference/shanghai/czj-2024-final.txt).

A 决算 workbook is filled with the document's published figures, at the grain its tables give them:
each 项 with its 年初预算 (第三部分 五（三）) and its 基本/项目 决算 (支出决算表), the “三公” budget
(七), the 公用经费 (基本支出决算表), the income (收入决算表) and the carry-overs (收入支出决算总表).
The computed completions and year totals are compared with the document's sentences.

Not published, so chosen here: how a 项's 年初预算 splits between 基本 and 项目 (all on the basic
line; only 项 totals are compared), economic codes of lines other than the 公用经费 and the “三公”,
project names (named by their 项), staff counts (0).

Where the document contradicts itself we keep the sum of the published parts, as our tables always foot:
- 一般公共预算 年初预算: the eleven 项 of 五（三） (lines 577–624) sum to 2993.93, its total says 2993.92 (line 573);
- 决算: the 项 sum to 2940.06 (一般公共预算财政拨款支出决算表, lines 314–330), its 合计 says 2940.05 (line 331), so
  收入支出总计 is 2995.40 against the printed 2995.39 (line 164) and 财政拨款收入支出总计 2961.69 against
  2961.68 (line 303); 财政拨款收入支出总计 is also printed as "0.3万元" in 四 (line 548), which no figure supports.
The completion rate of the total is 98.20% either way (2940.05 ÷ 2993.92 and 2940.06 ÷ 2993.93, line 574).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from generator.compute import ledger as L
from generator.compute.final import FISCAL_FINAL, Completion, final_total, year_figures
from generator.pipeline import Result, run
from generator.workbook import schema
from generator.workbook.template import write_workbook

D = Decimal
INFO = {f.key: f.label for f in schema.INFO_FIELDS}
FINAL = {f.key: f.label for f in schema.FINAL_FIELDS}
GPB = schema.FundSource.GPB_LOCAL.value

# (项, 经济分类, 支出类型, 年初预算, 决算): 一般公共预算财政拨款支出决算表 lines 314–330 for the 决算, 五（三） for the 年初预算.
LINES = (
    ("2010601", "30101", "基本支出", "1559.10", "1318.87"),  # 行政运行: 年初预算 1560.05 (line 577) less 接待费 0.95
    ("2010601", "30201", "基本支出", "0", "184.65"),  # 公用经费合计 184.65 (基本支出决算表, line 477)
    ("2010601", "30217", "基本支出", "0.95", "0"),  # “三公” 公务接待费: 预算 0.95, 决算 0 (line 639)
    ("2010601", "30299", "项目支出", "0", "8.37"),  # 行政运行 项目支出 8.37 (line 314)
    ("2010602", "30299", "项目支出", "10.00", "10.00"),  # line 581
    ("2010607", "30299", "项目支出", "135.90", "135.25"),  # line 585
    ("2010608", "30227", "项目支出", "450.52", "449.52"),  # lines 589–591
    ("2080501", "30302", "基本支出", "85.55", "84.65"),  # line 596
    ("2080505", "30108", "基本支出", "161.62", "160.75"),  # lines 601–602
    ("2080506", "30109", "基本支出", "80.81", "80.38"),  # lines 607–608
    ("2080599", "30399", "基本支出", "0.94", "0.94"),  # lines 611–613
    ("2101101", "30110", "基本支出", "62.29", "60.99"),  # line 616
    ("2210201", "30113", "基本支出", "187.75", "187.19"),  # line 620
    ("2210203", "30102", "基本支出", "258.50", "258.50"),  # line 624
)
PROJECTS = {
    "2010601": "行政运行项目",
    "2010602": "一般行政管理事务项目",
    "2010607": "信息化建设项目",
    "2010608": "财政委托业务项目",
}


def czj_data() -> dict:
    items = []
    income: dict[str, D] = {}
    for code, econ, kind, budget, final in LINES:
        items.append(
            {
                "功能分类科目编码": code,
                "经济分类科目编码": econ,
                "支出类型": kind,
                "项目名称": PROJECTS[code] if kind == "项目支出" else "",
                "资金来源": GPB,
                "金额": budget,
                "决算数": final,
            }
        )
        income[code] = income.get(code, D(0)) + D(final)
    projects = [
        {
            "项目名称": name,
            "项目负责人": "—",
            "设立的政策依据": "—",
            "项目承担单位": "上海市普陀区财政局",
            "资金分配情况": "—",
            "项目总体目标": "—",
            "公开绩效目标表": "否",
        }
        for name in PROJECTS.values()
    ]
    return {
        schema.SHEET_INFO: {
            INFO["unit_name"]: "上海市普陀区财政局",
            INFO["short_name"]: "上海市普陀区财政局",
            INFO["year"]: 2024,
            INFO["functions"]: "主管全区财政工作。",
            INFO["organization"]: "本级及财政所、国库收付中心（预算不单列，并入本级）。",
            **{INFO[k]: 0 for k in INFO if k.startswith("staff_")},
            INFO["format"]: schema.FINAL_DEFAULT_FORMAT,
        },
        schema.SHEET_UNITS: [{"预算单位名称": "上海市普陀区财政局", "单位类型": "行政单位"}],
        schema.SHEET_ITEMS: items,
        schema.SHEET_PROJECTS: projects,
        schema.SHEET_INDICATORS: [],
        # 收入决算表 (lines 175–203): 财政拨款收入 as spent; 其他收入 6.20 = 0.01 (2010601) + 6.19 (2010602), lines 181–182
        schema.SHEET_FINAL_INCOME: [
            *({"功能分类科目编码": c, "收入类型": "财政拨款收入", "金额": str(v)} for c, v in income.items()),
            {"功能分类科目编码": "2010601", "收入类型": "其他收入", "金额": "0.01"},
            {"功能分类科目编码": "2010602", "收入类型": "其他收入", "金额": "6.19"},
        ],
        schema.SHEET_FINAL: {
            FINAL["carry_in"]: "49.14",  # line 163
            FINAL["carry_out"]: "55.34",  # line 163
            FINAL["carry_in_fiscal"]: "21.63",  # line 297
            FINAL["carry_out_fiscal"]: "21.63",  # line 297
            FINAL["contract_goods"]: "4.79",  # line 687
            FINAL["contract_services"]: "246.47",  # line 687
            FINAL["reserved_sme"]: "246.47",  # line 689
            FINAL["awarded_sme_reserved"]: "246.47",  # line 691
            FINAL["awarded_sme_other"]: "4.79",  # line 693
            FINAL["equip100_count"]: 2,  # line 700
            FINAL["targets_count"]: 4,  # lines 665–675
            FINAL["targets_amount"]: "598.42",
            FINAL["tracked_count"]: 4,
            FINAL["tracked_amount"]: "598.42",
            FINAL["evaluated_count"]: 4,
            FINAL["evaluated_amount"]: "598.42",
            FINAL["evaluated_score"]: "99.43",
            FINAL["rated_excellent"]: 4,
        },
    }


@pytest.fixture(scope="module")
def czj(tmp_path_factory: pytest.TempPathFactory) -> Result:
    path = tmp_path_factory.mktemp("czj") / "czj-2024-决算.xlsx"
    write_workbook(path, czj_data())
    return run(path)


def test_the_real_finals_balance_and_pass_the_final_checks(czj: Result) -> None:
    final_codes = {
        i.code for i in czj.issues if i.is_error and i.sheet in (schema.SHEET_FINAL, schema.SHEET_FINAL_INCOME)
    }
    assert final_codes == set()
    assert not [i for i in czj.issues if i.code.startswith(("final-unbalanced", "final-fiscal", "final-missing"))]


def test_completions_are_the_documents(czj: Result) -> None:
    assert czj.final_book is not None
    by_key = {n.key: n.completion for n in czj.final_book.needed}
    total = by_key["一般公共预算财政拨款支出"]
    assert (total.budget, total.final, total.rate) == (D("2993.93"), D("2940.06"), D("98.20"))  # line 573–574
    sangong = by_key["“三公”经费财政拨款支出"]
    assert (sangong.budget, sangong.final, sangong.rate, sangong.relation) == (D("0.95"), D("0"), D("0.00"), "小于")
    expected = {  # 项: (年初预算, 决算, relation), 五（三） 1–11
        "2010601": ("1560.05", "1511.89", "小于"),
        "2010602": ("10.00", "10.00", "持平"),  # 决算数与预算数基本持平 (line 582)
        "2010607": ("135.90", "135.25", "小于"),
        "2010608": ("450.52", "449.52", "小于"),
        "2080501": ("85.55", "84.65", "小于"),
        "2080505": ("161.62", "160.75", "小于"),
        "2080506": ("80.81", "80.38", "小于"),
        "2080599": ("0.94", "0.94", "持平"),  # line 613
        "2101101": ("62.29", "60.99", "小于"),
        "2210201": ("187.75", "187.19", "小于"),
        "2210203": ("258.50", "258.50", "持平"),  # line 625
    }
    got = {
        k.removeprefix(schema.FINAL_ITEM_PREFIX): (c.budget, c.final, c.relation)
        for k, c in by_key.items()
        if k.startswith(schema.FINAL_ITEM_PREFIX)
    }
    assert got == {code: (D(b), D(f), r) for code, (b, f, r) in expected.items()}
    # Every 项 the document says is below budget asks for its reason (the document gives one for each).
    asked = {i.cell for i in czj.issues if i.code == "final-row-missing"}
    assert len(asked) == 1 + 8 + 1  # the total, the eight 项 below budget, the “三公”


def test_year_figures_are_the_documents(czj: Result) -> None:
    assert czj.inputs is not None
    figures = dict(year_figures(czj.inputs))
    assert figures["收入支出决算总计"] == D("2995.40")  # printed 2995.39 (line 164): see the module docstring
    assert figures["财政拨款收入支出决算总计"] == D("2961.69")  # printed 2961.68 (line 299)
    assert figures["一般公共预算财政拨款支出"] == D("2940.06")  # printed 2940.05 (line 573)
    assert figures["机关运行经费"] == D("184.65")  # line 681
    assert [
        figures[k]
        for k in (
            "“三公”经费财政拨款支出",
            "三公：因公出国（境）费",
            "三公：公务用车购置及运行维护费",
            "三公：公务接待费",
        )
    ] == [0, 0, 0, 0]  # lines 640–642


def test_no_completion_rate_over_the_zero_sangong_budgets(czj: Result) -> None:
    """The document writes "因公出国（境）费决算为0.00万元，完成预算的0%" and the same for 公务用车 (lines 640–641),
    although the 三公 table budgets only 公务接待费 (0.95, line 491): rates over a zero budget. Ours has none."""
    assert czj.inputs is not None
    items = [i for i in czj.inputs.items if i.source in FISCAL_FINAL]
    completions = {
        name: Completion(
            L.total(items, lambda i, c=codes: i.econ_code in c), final_total(items, lambda i, c=codes: i.econ_code in c)
        )
        for name, codes in (
            ("因公出国（境）费", L.SANGONG_ABROAD),
            ("公务用车购置及运行维护费", L.SANGONG_VEHICLE_BUY | L.SANGONG_VEHICLE_RUN),
            ("公务接待费", L.SANGONG_RECEPTION),
        )
    }
    assert {k: (c.rate, c.describe()) for k, c in completions.items()} == {
        "因公出国（境）费": (None, "年初未安排预算，无决算支出"),
        "公务用车购置及运行维护费": (None, "年初未安排预算，无决算支出"),
        "公务接待费": (D("0.00"), "年初预算0.95万元，决算0.00万元，完成年初预算的0.00%（决算数小于预算数）"),
    }
