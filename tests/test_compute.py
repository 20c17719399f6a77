"""Unit tests of computation details: consolidation, rounding, spans, wording."""

from __future__ import annotations

from decimal import Decimal as D

from generator import formatting as fmt
from generator.catalog import load_catalog
from generator.compute import compute_disclosure
from generator.compute.performance import indicator_rows
from generator.workbook.schema import FundSource, SpendingKind
from tests.factories import indicator, item, make_inputs, project

CATALOG = load_catalog(2023)


def compute(inputs):
    return compute_disclosure(inputs, CATALOG)[0]


def test_department_consolidates_its_units() -> None:
    items = [
        item("2010301", amount="100.00", unit="本级", row=2),
        item("2010350", amount="50.00", unit="下属中心", row=3),
        item("2010302", "30227", "30.00", SpendingKind.PROJECT, project="甲", unit="下属中心", row=4),
    ]
    d = compute(make_inputs(items, projects=[project("甲")], units=["本级", "下属中心"]))
    t3_total = next(r for r in d.tables[2].rows if r.style == "total")
    assert t3_total.cells[4:] == [D("180.00"), D("150.00"), D("30.00")]
    assert d.performance_tables[0].unit == "下属中心"


def test_shares_round_half_up_not_bankers() -> None:
    assert fmt.share(D("1"), D("800")) == D("0.13")  # 0.125 → 0.13 (banker's rounding would give 0.12)
    assert fmt.rate(D("-1"), D("800")) == D("0.13")
    assert fmt.rate(D("5"), D("0")) is None


def test_amount_style_is_uniform() -> None:
    assert fmt.amount(D("162")) == "162.00"
    assert fmt.table_cell(D("0.00")) == ""
    assert fmt.table_cell(D("0.5")) == "0.50"


def test_indicator_groups_and_spans() -> None:
    rows = indicator_rows(
        [
            indicator("p", level1="效益指标", level2="社会效益指标", row=2),
            indicator("p", level1="产出指标", level2="数量指标", row=3),
            indicator("p", level1="产出指标", level2="质量指标", row=4),
            indicator("p", level1="产出指标", level2="数量指标", row=5),
        ]
    )
    assert [(r.level1, r.level2, r.level1_span, r.level2_span) for r in rows] == [
        ("产出指标", "数量指标", 2, 2),  # 一级 merged per 二级 group: no page break inside a group
        ("产出指标", "数量指标", 0, 0),
        ("产出指标", "质量指标", 1, 1),
        ("效益指标", "社会效益指标", 1, 1),
    ]


def test_staff_sentence_wording() -> None:
    d = compute(make_inputs([item()], info_over={"staff_active_change": -1, "staff_retired_change": 2}))
    assert d.staff.text == (
        "测试局编制数10人，实有人数10人，其中：在职8人，减少1人；退休2人，增加2人；离休0人，与上年持平。"
    )


def test_performance_summary_splits_fiscal_and_other_money() -> None:
    items = [
        item("2010302", "30227", "30.00", SpendingKind.PROJECT, project="甲", row=2),
        item("2010302", "30227", "5.00", SpendingKind.PROJECT, FundSource.CARRY_GPB, project="乙", row=3),
        item("2010302", "30227", "7.00", SpendingKind.PROJECT, FundSource.UNIT_OTHER, project="乙", row=4),
    ]
    inputs = make_inputs(items, projects=[project("甲"), project("乙", row=3)], indicators=[indicator("甲")])
    d = compute(inputs)
    perf = d.sections[10].subsections[3].paragraphs[0].text
    # Carry-over is not current-year 财政拨款: 乙 (5 结转 + 7 单位资金) is a 非财政拨款项目 with 其他资金 12.
    assert "财政拨款项目1个，涉及预算金额30.00万元；非财政拨款项目1个，涉及预算金额12.00万元" in perf
    tables = {p.project: (p.total, p.fiscal, p.other) for p in d.performance_tables}
    assert tables == {"甲": (D("30.00"), D("30.00"), D("0.00")), "乙": (D("12.00"), D("0.00"), D("12.00"))}
    assert [r.cells[4] for r in d.tables[6].rows if r.style == "project"] == ["甲"]  # 表7: current-year GPB only


def test_empty_fund_tables_carry_the_note_and_sections_say_so() -> None:
    d = compute(make_inputs([item()]))
    assert d.tables[7].empty_note == "我单位没有使用政府性基金预算拨款安排的支出，政府性基金预算支出情况表为空表。"
    assert "政府性基金预算支出情况表为空表" in d.sections[7].paragraphs[0].text


def test_fund_spending_fills_table8_and_section8() -> None:
    d = compute(make_inputs([item(source=FundSource.FUND_LOCAL, amount="8.00")]))
    assert d.tables[7].empty_note is None
    assert "政府性基金预算拨款支出8.00万元" in d.sections[7].paragraphs[0].text
    assert "收入全部为政府性基金预算拨款，无一般公共预算拨款和国有资本经营预算拨款。" in [
        p.text for p in d.sections[3].paragraphs
    ]


def test_toc_matches_body_headings() -> None:
    d = compute(make_inputs([item()]))
    toc = [e.text for e in d.toc]
    assert [s.heading for s in d.sections] == [t for t in toc if t in {s.heading for s in d.sections}]
    assert "四、财政拨款收支预算总体情况表" in toc  # same title as the table itself (reference 000 differs)
    assert d.tables[3].title == "财政拨款收支预算总体情况表"


def test_split_project_says_so_in_section7_and_table_matches_table7() -> None:
    # The 公告费 case of example 000: 10.00 current-year 一般公共预算 + 6.43 财政拨款结转.
    items = [
        item("2010350", "30299", "10.00", SpendingKind.PROJECT, project="公告费", row=2),
        item("2010350", "30299", "6.43", SpendingKind.PROJECT, FundSource.CARRY_GPB, project="公告费", row=3),
    ]
    d = compute(make_inputs(items, projects=[project("公告费")], indicators=[indicator("公告费")]))
    s7 = [p.text for p in d.sections[6].paragraphs]
    assert "预算安排规模：16.43万元，其中当年一般公共预算10.00万元、上年财政拨款结转6.43万元" in s7
    (table,) = d.performance_tables
    assert (table.total, table.fiscal, table.other) == (D("16.43"), D("10.00"), D("6.43"))
    t7 = next(r for r in d.tables[6].rows if r.style == "project")
    assert t7.cells[5] == D("10.00")
    perf = d.sections[10].subsections[3].paragraphs[0].text
    assert "财政拨款项目1个，涉及预算金额10.00万元；非财政拨款项目0个，涉及预算金额6.43万元" in perf
