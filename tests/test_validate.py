"""One test (or more) per validation rule: (code, sheet, cell) and the Chinese message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from generator.catalog import load_catalog
from generator.compute import compute_disclosure
from generator.compute.names import Names
from generator.inputs import ExtraCode, Indicator, Inputs
from generator.issues import Issue
from generator.validate import validate
from generator.workbook.schema import FundSource, PriorKey, SpendingKind
from tests.factories import indicator, item, make_inputs, prior, project

CATALOG = load_catalog(2023)
P = SpendingKind.PROJECT


def issues_of(inputs: Inputs) -> list[Issue]:
    return validate(inputs, Names.build(CATALOG, inputs))


def triples(issues: list[Issue]) -> list[tuple[str, str | None, str | None]]:
    return [(i.code, i.sheet, i.cell) for i in issues]


def satisfaction(name: str = "项目甲", row: int = 9) -> Indicator:
    """The 满意度指标 row every published 绩效目标表 carries (weight 10 of the 90)."""
    return indicator(
        name, "10", row=row, level1="满意度指标", level2="满意度指标", level3="服务对象满意度", value=">=90%"
    )


def good_project(name: str = "项目甲") -> dict:
    return {
        "items": [item("2010302", "30227", "20.00", P, project=name, row=2)],
        "projects": [project(name)],
        "indicators": [indicator(name, "80"), satisfaction(name)],
    }


def test_clean_inputs_have_no_issues() -> None:
    assert issues_of(make_inputs(**good_project())) == []


def test_unknown_function_code_points_at_cell() -> None:
    issues = issues_of(make_inputs([item("2010398", row=7)]))
    assert triples(issues) == [("func-code-unknown", "支出明细", "B7")]
    assert "2010398" in issues[0].message and "补充科目" in issues[0].message


def test_unknown_econ_code() -> None:
    assert triples(issues_of(make_inputs([item(econ="30198", row=3)]))) == [("econ-code-unknown", "支出明细", "D3")]


def test_code_named_by_workbook_is_a_warning() -> None:
    inputs = make_inputs([item("2010398")]).model_copy(
        update={
            "extra_codes": [ExtraCode(row=2, code_type="功能分类", code="2010398", name="其他一般公共服务支出")],
        }
    )
    issues = issues_of(inputs)
    assert triples(issues) == [("code-named-by-workbook", "补充科目", "B2")]
    assert not issues[0].is_error


def test_extra_code_redefining_an_official_code_names_both() -> None:
    extras = [
        ExtraCode(row=2, code_type="功能分类", code="2010301", name="人大机关运行"),
        ExtraCode(row=3, code_type="经济分类", code="30101", name="基本工资"),  # same as the catalog: silent
    ]
    issues = issues_of(make_inputs([item("2010301")]).model_copy(update={"extra_codes": extras}))
    assert triples(issues) == [("extra-code-redefines", "补充科目", "B2")]
    assert issues[0].is_error
    assert "官方名称为“行政运行”" in issues[0].message and "“人大机关运行”" in issues[0].message


def test_project_spending_without_project() -> None:
    issues = issues_of(make_inputs([item("2010302", kind=P, row=4)]))
    assert triples(issues) == [("project-name-missing", "支出明细", "G4")]


def test_basic_spending_with_project() -> None:
    issues = issues_of(make_inputs([item(project="项目甲", row=5)]))
    assert triples(issues) == [("basic-with-project", "支出明细", "G5")]


def test_project_in_items_without_description() -> None:
    data = good_project()
    data["projects"] = []
    data["indicators"] = []
    assert ("project-not-described", "支出明细", "G2") in triples(issues_of(make_inputs(**data)))


def test_project_description_without_items_or_indicators() -> None:
    data = good_project()
    data["projects"].append(project("项目乙", row=3))
    codes = triples(issues_of(make_inputs(**data)))
    assert ("project-without-items", "项目信息", "A3") in codes
    assert ("project-without-indicators", "项目信息", "A3") in codes


def test_duplicate_project() -> None:
    data = good_project()
    data["projects"].append(project("项目甲", row=3))
    assert ("project-duplicate", "项目信息", "A3") in triples(issues_of(make_inputs(**data)))


def test_indicator_weights_must_sum_to_declared_total() -> None:
    data = good_project()
    data["indicators"] = [indicator("项目甲", "30", row=2), indicator("项目甲", "43.2", row=3), satisfaction()]
    issues = issues_of(make_inputs(**data))
    assert triples(issues) == [("indicator-weights-sum", "绩效指标", "H2")]
    assert "83.2" in issues[0].message and "90" in issues[0].message


def test_indicator_for_unknown_project() -> None:
    data = good_project()
    data["indicators"].append(indicator("不存在的项目", row=9))
    assert ("indicator-project-unknown", "绩效指标", "A9") in triples(issues_of(make_inputs(**data)))


def test_positive_rate_with_less_than_warns() -> None:
    data = good_project()
    data["indicators"] = [indicator("项目甲", "80", level3="项目按时完成及时率", value="<=90%", row=4), satisfaction()]
    issues = issues_of(make_inputs(**data))
    assert triples(issues) == [("indicator-rate-direction", "绩效指标", "E4")]
    assert not issues[0].is_error


def test_allocation_amounts_must_add_up() -> None:
    data = good_project()
    data["projects"] = [project("项目甲", allocation="补助资金15万元、标准制定资金4万元")]
    issues = issues_of(make_inputs(**data))
    assert triples(issues) == [("allocation-sum-mismatch", "项目信息", "E2")]
    assert "19.00万元" in issues[0].message and "20.00万元" in issues[0].message


def test_reserved_sme_above_total() -> None:
    inputs = make_inputs([item()], facts_over={"proc_goods": Decimal("10"), "proc_sme": Decimal("12")})
    assert triples(issues_of(inputs)) == [("procurement-sme-over-total", "采购与资产", "B5")]


def test_small_micro_above_sme() -> None:
    inputs = make_inputs(
        [item()], facts_over={"proc_goods": Decimal("10"), "proc_sme": Decimal("5"), "proc_small": Decimal("6")}
    )
    assert triples(issues_of(inputs)) == [("procurement-small-over-sme", "采购与资产", "B6")]


def test_equipment_over_100_cannot_exceed_over_50() -> None:
    inputs = make_inputs([item()], facts_over={"equip50_count": 1, "equip100_count": 5})
    assert [i.code for i in issues_of(inputs)] == ["equipment-count-inconsistent"]


def test_sign_date_outside_budget_year_or_next() -> None:
    inputs = make_inputs([item()], info_over={"sign_date": dt.date(2021, 12, 31)})
    issues = issues_of(inputs)
    assert triples(issues) == [("sign-date-out-of-range", "基本信息", "B15")]
    assert "2021-12-31" in issues[0].message


def test_sign_date_next_year_is_fine() -> None:
    assert issues_of(make_inputs([item()], info_over={"sign_date": dt.date(2024, 1, 5)})) == []


def test_control_total_mismatch_names_both_values() -> None:
    inputs = make_inputs([item(amount="10.00")], info_over={"control_total": Decimal("12.50")})
    issues = issues_of(inputs)
    assert triples(issues) == [("control-total-mismatch", "基本信息", "B18")]
    assert "12.50万元" in issues[0].message and "10.00万元" in issues[0].message


def test_staff_change_implying_negative_prior_count() -> None:
    inputs = make_inputs([item()], info_over={"staff_active": 2, "staff_active_change": 5})
    assert [i.code for i in issues_of(inputs)] == ["staff-change-invalid"]


def test_veteran_pay_without_veterans_warns() -> None:
    issues = issues_of(make_inputs([item(econ="30301", func="2080501")]))
    assert [(i.code, i.is_error) for i in issues] == [("veteran-pay-without-veterans", False)]


def test_item_unit_not_in_unit_list() -> None:
    issues = issues_of(make_inputs([item(unit="别的单位", row=6)]))
    assert triples(issues) == [("item-unit-unknown", "支出明细", "A6")]


def test_project_spread_over_two_units() -> None:
    data = good_project()
    data["items"].append(item("2010302", "30227", "5", P, project="项目甲", row=3, unit="二级单位"))
    inputs = make_inputs(**data, units=["测试单位本级", "二级单位"])
    assert [i.code for i in issues_of(inputs)] == ["project-multiple-units"]


# --- comparisons (prior-year rows and reasons) -----------------------------------


def compute_issues(inputs: Inputs) -> list[Issue]:
    return compute_disclosure(inputs, CATALOG)[1]


def test_missing_prior_rows_point_at_next_free_rows() -> None:
    issues = [i for i in compute_issues(make_inputs([item()])) if i.code == "prior-row-missing"]
    cells = [i.cell for i in issues]
    assert cells[:3] == ["A2", "A3", "A4"]  # consecutive rows of 上年对比, one per missing comparison
    assert all(i.sheet == "上年对比" for i in issues)
    assert "收入：一般公共预算" in issues[0].message and "disclosure prepare" in issues[0].message


def test_change_without_reason_is_an_error_at_the_reason_cell() -> None:
    inputs = make_inputs([item(amount="12.00")], priors=[prior(PriorKey.INCOME_GPB.value, "10.00", None, row=5)])
    issues = [i for i in compute_issues(inputs) if i.code == "reason-missing"]
    assert triples(issues) == [("reason-missing", "上年对比", "C5")]
    assert "12.00万元" in issues[0].message and "10.00万元" in issues[0].message


def test_unchanged_figure_needs_no_reason() -> None:
    inputs = make_inputs([item(amount="10.00")], priors=[prior(PriorKey.INCOME_GPB.value, "10.00", None, row=5)])
    assert not [i for i in compute_issues(inputs) if i.code == "reason-missing"]


def test_missing_prior_amount() -> None:
    inputs = make_inputs([item()], priors=[prior(PriorKey.INCOME_GPB.value, None, "原因", row=3)])
    assert ("prior-amount-missing", "上年对比", "B3") in triples(compute_issues(inputs))


def test_unknown_and_duplicate_prior_keys() -> None:
    inputs = make_inputs(
        [item()],
        priors=[
            prior("收入：乱写的", "1", row=2),
            prior(PriorKey.INCOME_GPB.value, "1", "x", row=3),
            prior("收入:一般公共预算", "1", "x", row=4),  # ASCII colon normalises to the same key
        ],
    )
    codes = triples(compute_issues(inputs))
    assert ("prior-key-unknown", "上年对比", "A2") in codes
    assert ("prior-key-duplicate", "上年对比", "A4") in codes


def test_prior_totals_must_agree_between_income_and_spending() -> None:
    rows = [
        prior(PriorKey.INCOME_GPB.value, "8.00", "增加", row=2),
        prior(PriorKey.SPEND_BASIC.value, "9.00", "增加", row=3),
        prior(PriorKey.SPEND_PROJECT.value, "0", None, row=4),
        prior(PriorKey.GPB_BASIC.value, "8.00", "增加", row=5),
        prior(PriorKey.GPB_PROJECT.value, "0", None, row=6),
        prior("一般公共预算项：2010301 行政运行", "8.00", "增加", row=7),
        prior(PriorKey.OPERATING.value, "0", None, row=8),
    ]
    issues = compute_issues(make_inputs([item(amount="10.00")], priors=rows))
    mismatch = [i for i in issues if i.code == "prior-totals-mismatch"]
    assert triples(mismatch) == [("prior-totals-mismatch", "上年对比", "B3")]
    assert "9.00万元" in mismatch[0].message and "8.00万元" in mismatch[0].message


def test_class_use_missing_for_section_four() -> None:
    issues = [i for i in compute_issues(make_inputs([item()])) if i.code == "class-use-missing"]
    assert triples(issues) == [("class-use-missing", "类用途说明", "A2")]
    assert "201 一般公共服务支出" in issues[0].message


def test_carry_over_spending_is_not_in_section_four() -> None:
    issues = compute_issues(make_inputs([item(source=FundSource.CARRY_GPB)]))
    assert not [i for i in issues if i.code == "class-use-missing"]


# --- the officer's own text and figures a reviewer sends back (issue 18 §2) ----------------------------


def with_project(**over: object) -> list[Issue]:
    data = good_project()
    data["projects"] = [project("项目甲", **over)]
    return issues_of(make_inputs(**data))


def test_document_number_brackets_warn_at_the_cell() -> None:
    # The review's cases (000 p20/p21/p23): [] 【】 () and a half-closed 〔], each at 设立的政策依据 (C).
    for typed, fixed in (
        ("《通知》（新政办发[2022] 26号）", "〔2022〕26号"),
        ("《意见》（新政发【2020】30号）", "〔2020〕30号"),
        ("(国办发 2019) 14号)", "〔2019〕14号"),
        ("昌州党办发〔2021]57号", "〔2021〕57号"),
        ("（新政办函（2020）38号）", "〔2020〕38号"),
    ):
        issues = with_project(policy_basis=typed)
        assert triples(issues) == [("document-number-brackets", "项目信息", "C2")], typed
        assert f"应写成“{fixed}”" in issues[0].message and "六角括号〔〕" in issues[0].message
        assert not issues[0].is_error
    assert with_project(policy_basis="《通知》（新政办发〔2022〕26号）、《中华人民共和国密码法》") == []


def test_geiyu_warns_and_yu_hui_does_not() -> None:
    issues = with_project(goal="给与新改扩建酒庄补助资金")
    assert triples(issues) == [("wording-geiyu", "项目信息", "H2")]
    assert issues[0].message == "项目总体目标中“给与”应为“给予”，请修改"
    assert with_project(goal="给予新改扩建酒庄补助资金，资料分发给与会代表") == []


def test_doubled_words_warn_but_real_reduplications_do_not() -> None:
    issues = with_project(goal="完成标准标准体系建设，提升民爆企业企业重大安全风险管控能力")
    assert triples(issues) == [("wording-doubled", "项目信息", "H2")] * 2
    assert "“标准标准”重复了“标准”" in issues[0].message and "“企业企业”" in issues[1].message
    # A doubled function word is a slip too.
    issues = with_project(goal="提升企业的的管理水平，在在岗人员中开展培训")
    assert [i.value for i in issues] == ["的的", "在在"]
    # 常常/人人/年年/层层/等等 are words (one character doubled); 一个一个 counts; 研究研究 is a verb reduplication.
    assert (
        with_project(goal="常常督促，人人参与，年年考核，层层落实、等等，一个一个落实，研究研究方案，标准化、规范化")
        == []
    )


def test_hyphen_as_range_mark_warns() -> None:
    for typed in ("资金执行时间2023年1月-2023年12月", "1-12月", "完成3-5个工作日内办结", "2023-2025年规划"):
        issues = with_project(goal=typed)
        assert triples(issues) == [("wording-hyphen-range", "项目信息", "H2")], typed
        assert "“至”" in issues[0].message
    # A standard's number and a range written with 至 are fine.
    assert with_project(goal="按GB/T 9704-2012排版，2023年1月至12月执行，电话0994-2345678") == []


def test_rate_indicator_with_an_amount_warns() -> None:
    # 000's 等保测评 (8万元): "预算成本控制率 <=8万元".
    data = good_project()
    data["items"] = [item("2010302", "30227", "8.00", P, project="项目甲", row=2)]
    data["indicators"] = [
        indicator("项目甲", "70", row=2),
        indicator(
            "项目甲", "10", row=3, level1="成本指标", level2="经济成本指标", level3="预算成本控制率", value="<=8万元"
        ),
        satisfaction(),
    ]
    issues = issues_of(make_inputs(**data))
    assert triples(issues) == [("indicator-rate-money", "绩效指标", "E3")]
    data["indicators"][1] = data["indicators"][1].model_copy(update={"value": "<=100%"})
    assert issues_of(make_inputs(**data)) == []


def test_cost_indicators_that_do_not_add_up_to_the_project_warn() -> None:
    # 002's 单位项目资金: total 124, its one cost indicator says 114.
    data = good_project()
    data["items"] = [item("2010302", "30216", "124.00", P, project="项目甲", row=2)]
    data["indicators"] = [
        indicator("项目甲", "70", row=2),
        indicator(
            "项目甲", "10", row=3, level1="成本指标", level2="经济成本指标", level3="培训班经费", value="<=114万元"
        ),
        satisfaction(),
    ]
    issues = issues_of(make_inputs(**data))
    assert triples(issues) == [("indicator-cost-sum", "绩效指标", "E3")]
    assert (
        "合计114.00万元" in issues[0].message
        and "124.00万元" in issues[0].message
        and "相差10.00万元" in issues[0].message
    )
    # 114 + 10 = 124 (and a percentage cost cap does not count as money).
    data["indicators"] += [
        indicator("项目甲", "0", row=4, level1="成本指标", level2="经济成本指标", level3="资料费", value="<=100000元"),
        indicator(
            "项目甲", "0", row=5, level1="成本指标", level2="经济成本指标", level3="单位预算成本控制率", value="<=95%"
        ),
    ]
    assert issues_of(make_inputs(**data)) == []


def test_published_table_without_satisfaction_indicator_warns() -> None:
    data = good_project()
    data["indicators"] = [indicator("项目甲", row=5)]
    issues = issues_of(make_inputs(**data))
    assert triples(issues) == [("indicator-no-satisfaction", "绩效指标", "B5")]
    assert "满意度指标" in issues[0].message
    # No table is published: nothing to ask for.
    data["projects"] = [project("项目甲", publish_targets="否")]
    assert issues_of(make_inputs(**data)) == []


def test_project_spending_under_admin_operation_warns() -> None:
    # 002's 0.40 of 项目支出 under 2011301 行政运行.
    data = good_project()
    data["items"].append(item("2011301", "30227", "0.40", P, project="项目甲", row=3))
    issues = issues_of(make_inputs(**data))
    assert triples(issues) == [("project-under-admin-operation", "支出明细", "B3")]
    assert "2011301 行政运行" in issues[0].message
    # 基本支出 under 行政运行 is where it belongs.
    assert issues_of(make_inputs([item("2011301", "30101", "5.00", row=2)])) == []
