"""Facts real documents publish that the workbook now holds (issue 7 §5)."""

from __future__ import annotations

from decimal import Decimal as D

from generator.catalog import load_catalog
from generator.compute import compute_disclosure
from generator.compute.names import Names
from generator.validate import validate
from generator.workbook.schema import SpendingKind
from tests.factories import indicator, item, make_inputs, project, satisfaction

CATALOG = load_catalog(2023)


def compute(inputs):
    return compute_disclosure(inputs, CATALOG)[0]


def text_of(d) -> str:
    return "\n".join(
        [p.text for s in d.sections for p in s.paragraphs]
        + [p.text for s in d.sections for sub in s.subsections for p in sub.paragraphs]
    )


def test_blank_sign_date_prints_no_date() -> None:
    inputs = make_inputs([item()], info_over={"sign_date": None})
    assert compute(inputs).date == ""
    assert validate(inputs, Names.build(CATALOG, inputs)) == []


def test_execution_period_by_day() -> None:
    p = project("甲", period="2023年1月1日至2023年12月31日")
    items = [item("2010302", "30227", "20.00", SpendingKind.PROJECT, project="甲")]
    inputs = make_inputs(items, projects=[p], indicators=[indicator("甲", "80"), satisfaction("甲")])
    assert "资金执行时间：2023年1月1日至2023年12月31日" in [x.text for x in compute(inputs).sections[6].paragraphs]
    assert validate(inputs, Names.build(CATALOG, inputs)) == []


def test_execution_period_by_day_invalid_is_located() -> None:
    p = project("甲", row=3, period="2023年2月30日至2023年12月31日")
    items = [item("2010302", "30227", "20.00", SpendingKind.PROJECT, project="甲")]
    inputs = make_inputs(items, projects=[p], indicators=[indicator("甲", "80"), satisfaction("甲")])
    found = [(i.code, i.sheet, i.cell) for i in validate(inputs, Names.build(CATALOG, inputs))]
    assert found == [("project-period-text-invalid", "项目信息", "I3")]


def test_operating_cost_covers_admin_and_civil_service_units_with_its_scope() -> None:
    units = ["某局本级", "某局下属行政单位", "某局下属事业单位"]
    items = [
        item("2010301", "30201", "10.00", unit=units[0], row=2),
        item("2010301", "30201", "5.00", unit=units[1], row=3),
        item("2010301", "30201", "7.00", unit=units[2], row=4),  # 事业单位: not 机关运行经费
    ]
    procurement = {"proc_goods": D("5.00"), "proc_sme": D("5.00"), "proc_small": D("5.00")}
    inputs = make_inputs(items, units=units, facts_over=procurement).model_copy(
        update={"unit_types": {units[0]: "行政单位", units[1]: "行政单位", units[2]: "事业单位"}}
    )
    text = text_of(compute(inputs))
    assert "测试局本级及下属1家行政单位和0家参照公务员法管理事业单位的机关运行经费财政拨款预算15.00万元" in text
    assert "本部门面向中小企业预留政府采购项目预算金额" in text  # a department with subordinate units
    assert "截至2022年底，测试局及下属各预算单位占用使用国有资产总体情况为：" in text
    assert "均纳入部门预算管理" in text


def test_single_unit_says_benwei_and_no_placeholder() -> None:
    procurement = {"proc_goods": D("5.00"), "proc_sme": D("5.00"), "proc_small": D("5.00")}
    text = text_of(compute(make_inputs([item("2010301", "30201", "10.00")], facts_over=procurement)))
    # 部门预算 is the budget's name, also for a single unit (review §C p15: 均纳入部门预算管理)
    assert "本单位面向中小企业预留" in text and "均纳入部门预算管理" in text
    assert "及下属各预算单位" not in text  # only a department with subordinate units says so (issue 18 §2)
    assert "部门（单位）" not in text
    assert "测试局的机关运行经费财政拨款预算10.00万元" in text


def test_zero_income_lines_read_weianpai() -> None:
    text = text_of(compute(make_inputs([item()])))
    # every income line but 一般公共预算 is zero in both years: one merged line (issue 18 §2, review §C p15);
    # 财政专户核拨 only appears when the department has it
    assert (
        "上级一般公共预算安排的转移支付资金、政府性基金预算、上级政府性基金安排的转移支付资金、国有资本经营预算、"
        "上级国有资本经营预算安排的转移支付资金、单位资金、财政拨款结转、非财政拨款结转结余均未安排。"
    ) in text
    assert "政府性基金预算0.00万元" not in text


def test_project_not_publishing_targets_still_counts_in_summary() -> None:
    items = [
        item("2010302", "30227", "30.00", SpendingKind.PROJECT, project="甲", row=2),
        item("2010302", "30227", "4.82", SpendingKind.PROJECT, project="乙", row=3),
    ]
    inputs = make_inputs(
        items, projects=[project("甲"), project("乙", row=3, publish_targets="否")], indicators=[indicator("甲")]
    )
    d = compute(inputs)
    assert [p.project for p in d.performance_tables] == ["甲"]
    assert "财政拨款项目2个，涉及预算金额34.82万元" in text_of(d)
    assert D("34.82") == sum((r.cells[5] for r in d.tables[6].rows if r.style == "project"), D(0))


def test_catalog_has_the_item_a_real_2023_document_uses() -> None:
    # Issue 7 §6: a real 2023 document uses 2060404 科技成果转化与扩散 (20604 had no 项).
    assert CATALOG.functions["2060404"] == "科技成果转化与扩散"
    assert CATALOG.functions["20604"] == "技术研究与开发"
    items = [item("2060404", "30227", "12.00", SpendingKind.PROJECT, project="甲")]
    inputs = make_inputs(items, projects=[project("甲")], indicators=[indicator("甲", "80"), satisfaction("甲")])
    assert validate(inputs, Names.build(CATALOG, inputs)) == []
