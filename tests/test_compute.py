"""Unit tests of computation details: consolidation, rounding, spans, wording."""

from __future__ import annotations

from decimal import Decimal as D

from generator import formatting as fmt
from generator.catalog import load_catalog
from generator.compute import compute_disclosure
from generator.compute.performance import indicator_rows
from generator.compute.wording import echoes
from generator.workbook.schema import FundSource, SpendingKind
from tests.factories import indicator, item, make_inputs, prior, project

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
    # 编制 counts in 名 and a staff kind with nobody in either year reads 无…人员 (issue 18 §2, review §C p3–5)
    assert d.staff.text == "测试局编制数10名，实有人数10人，其中：在职8人，减少1人；退休2人，增加2人；无离休人员。"


def test_performance_summary_splits_fiscal_and_other_money() -> None:
    items = [
        item("2010302", "30227", "30.00", SpendingKind.PROJECT, project="甲", row=2),
        item("2010302", "30227", "5.00", SpendingKind.PROJECT, FundSource.CARRY_GPB, project="乙", row=3),
        item("2010302", "30227", "7.00", SpendingKind.PROJECT, FundSource.UNIT_OTHER, project="乙", row=4),
    ]
    inputs = make_inputs(items, projects=[project("甲"), project("乙", row=3)], indicators=[indicator("甲")])
    d = compute(inputs)
    perf = d.sections[10].subsections[3].paragraphs[0].text
    # Carry-over is 财政拨款 (rules.md §2 corrected): 乙 (5 结转 + 7 单位资金) is a 财政拨款项目 with 其他资金 7;
    # X = 30 + 5 = 35, Y = 7, X + Y = 42 = 表3 项目支出.
    assert perf == (
        "2023年，纳入预算绩效管理的财政拨款项目2个，涉及预算金额35.00万元；非财政拨款项目0个，涉及预算金额7.00万元。"
        "各项目绩效目标详见下表。"
    )
    tables = {p.project: (p.total, p.fiscal, p.other) for p in d.performance_tables}
    assert tables == {"甲": (D("30.00"), D("30.00"), D("0.00")), "乙": (D("12.00"), D("5.00"), D("7.00"))}
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
    # its table shows 16.43 with 财政拨款 16.43 (rules.md §2; reference 000 行2527-2529 prints exactly this)
    assert (table.total, table.fiscal, table.other) == (D("16.43"), D("16.43"), D("0.00"))
    t7 = next(r for r in d.tables[6].rows if r.style == "project")
    assert t7.cells[5] == D("10.00")
    perf = d.sections[10].subsections[3].paragraphs[0].text
    assert "财政拨款项目1个，涉及预算金额16.43万元；非财政拨款项目0个，涉及预算金额0.00万元" in perf


def test_performance_summary_counts_projects_without_a_table_and_says_how_many_follow() -> None:
    items = [
        item("2010302", "30227", "30.00", SpendingKind.PROJECT, project="甲", row=2),
        item("2010302", "30227", "4.82", SpendingKind.PROJECT, FundSource.CARRY_GPB, project="乙", row=3),
        item("2010302", "30227", "8.00", SpendingKind.PROJECT, FundSource.UNIT_OTHER, project="丙", row=4),
    ]
    projects = [project("甲"), project("乙", row=3, publish_targets="否"), project("丙", row=4)]
    d = compute(make_inputs(items, projects=projects))
    (subsection,) = [s for s in d.sections[10].subsections if s.heading == "（四）预算绩效情况"]
    # 甲 30.00 and 乙 4.82 (结转, no published table) are 财政拨款项目; 丙 is 单位资金; two tables follow.
    assert [p.text for p in subsection.paragraphs] == [
        "2023年，纳入预算绩效管理的财政拨款项目2个，涉及预算金额34.82万元；非财政拨款项目1个，涉及预算金额8.00万元。"
        "其中2个项目的绩效目标详见下表。"
    ]
    assert subsection.performance_tables
    assert [t.project for t in d.performance_tables] == ["甲", "丙"]


def test_a_reason_is_printed_unless_it_only_restates_its_case() -> None:
    # issue 18 §2: typed reasons are never dropped, also for items budgeted in neither year; one that only says
    # what the sentence already says (均未安排, 持平) adds nothing.
    assert echoes("2022年与2023年均未安排政府性基金预算", "政府性基金预算", "未安排")
    assert echoes("2022和2023年均没有安排预算", "因公出国（境）费", "未安排")
    assert echoes("与上年预算持平", "公务接待费", "持平")
    assert not echoes("财政未安排预算", "因公出国（境）费", "未安排")
    assert not echoes("无因公出国（境）", "因公出国（境）费", "未安排")  # printed by real held-out documents
    assert not echoes("工作人员没有变化，预算与上年持平", "其他行政事业单位医疗支出", "持平")
    assert not echoes("与上年预算持平", "公务接待费", "增加")


def test_sangong_names_funded_items_and_groups_unchanged_ones_with_their_reason() -> None:
    items = [
        item("2010301", "30217", "0.50", row=2),  # 公务接待费, 上年 0.50
        item("2010301", "30231", "8.00", row=3),  # 公务用车运行费, 上年 10.00
    ]
    priors = [
        prior("三公：因公出国（境）费", "0", "无因公出国（境）", row=2),
        prior("三公：公务用车购置费", "0", "无公务用车购置", row=3),
        prior("三公：公务用车运行费", "10.00", "车辆减少", row=4),
        prior("三公：公务接待费", "0.50", "严格落实“三公”经费只减不增要求", row=5),
    ]
    d = compute(make_inputs(items, priors=priors))
    first, second = [p.text for p in d.sections[9].paragraphs]
    assert first == (
        "测试局2023年财政拨款“三公”经费数为8.50万元，其中：公务用车运行费8.00万元，公务接待费0.50万元；"
        "未安排因公出国（境）费和公务用车购置费。"
    )
    # 10.50 → 8.50: −2.00, 2 ÷ 10.5 = 19.05%; 运行费 −2.00, 20.00%
    assert second == (
        "2023年财政拨款“三公”经费比上年预算减少2.00万元，下降19.05%。其中：因公出国（境）费2022年、2023年均未安排，"
        "主要原因是无因公出国（境）；公务用车购置费2022年、2023年均未安排，主要原因是无公务用车购置；"
        "公务用车运行费减少2.00万元，下降20.00%，主要原因是车辆减少；"
        "公务接待费与上年持平，主要原因是严格落实“三公”经费只减不增要求。"
    )


def test_assets_and_purchases_name_what_there_is() -> None:
    facts = {"car_law_count": 1, "car_law_value": D("20.00"), "car_other_count": 2, "car_other_value": D("5.00")}
    items = [item("2010301", "31013", "30.00", row=2)]  # 公务用车购置费 bought this year
    text = "\n".join(p.text for p in d_sub(compute(make_inputs(items, facts_over=facts)), "（三）国有资产占用使用情况"))
    assert "1.无自有房屋。" in text
    assert "2.车辆3辆，价值25.00万元；其中：执法执勤用车1辆，价值20.00万元；其他车辆2辆，价值5.00万元。" in text
    assert "无单位价值50万元以上大型设备。" in text
    assert "2023年测试局预算安排购置车辆经费30.00万元，未安排购置单位价值50万元以上大型设备。" in text


def d_sub(d, heading: str):
    return next(sub for s in d.sections for sub in s.subsections if sub.heading == heading).paragraphs


def test_sangong_budgeted_in_neither_year_is_one_sentence() -> None:
    d = compute(make_inputs([item()]))
    assert [p.text for p in d.sections[9].paragraphs] == [
        "测试局2023年财政拨款“三公”经费数为0.00万元，未安排因公出国（境）费、公务用车购置费、公务用车运行费和公务接待费。",
        "2022年、2023年均未安排财政拨款“三公”经费。",
    ]


def test_a_project_running_one_month_names_the_month() -> None:
    items = [item("2010302", "30227", "5.00", SpendingKind.PROJECT, project="甲")]
    d = compute(make_inputs(items, projects=[project("甲", start_month=6, end_month=6)]))
    assert "资金执行时间：2023年6月" in [p.text for p in d.sections[6].paragraphs]
