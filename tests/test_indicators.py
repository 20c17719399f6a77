"""绩效指标 checked the way a 财政 reviewer checks them (issue 7 §4): each case as (code, sheet, cell).

The framework is data (generator/catalog/data/2023/indicators.json). 绩效指标 columns: A 项目名称,
B 一级指标, C 二级指标, D 三级指标, E 指标值, F 指标值设置依据, G 上年完成值, H 权重, I 赋分规则.
"""

from __future__ import annotations

from decimal import Decimal

from generator.catalog import load_catalog
from generator.catalog.indicators import load_framework, parse_value
from generator.compute import compute_disclosure
from generator.compute.names import Names
from generator.pipeline import run
from generator.validate import validate
from generator.workbook.schema import SpendingKind
from generator.workbook.template import write_workbook
from tests.conftest import example_data
from tests.factories import indicator, item, make_inputs, project

CATALOG = load_catalog(2023)
IND = "绩效指标"


def issues_for(indicators, budget: str = "45.50", projects=None):
    inputs = make_inputs(
        [item("2010302", "30227", budget, SpendingKind.PROJECT, project="项目甲")],
        projects=projects or [project("项目甲")],
        indicators=indicators,
    )
    return [(i.code, i.sheet, i.cell, i.severity) for i in validate(inputs, Names.build(CATALOG, inputs))]


def test_framework_is_data_for_2023() -> None:
    fw = load_framework(2023)
    assert fw.levels["产出指标"] == ("数量指标", "质量指标", "时效指标", "成本指标")
    assert "社会效益指标" in fw.levels["效益指标"] and "服务对象满意度指标" in fw.levels["满意度指标"]
    assert load_framework(2025).year == 2023  # a later year uses the newest framework


def test_level2_typo_is_an_error() -> None:
    rows = [indicator("项目甲", level2="质量", row=2)]
    assert ("indicator-level2-unknown", IND, "C2", "error") in issues_for(rows)


def test_level2_under_wrong_level1_is_an_error() -> None:
    rows = [indicator("项目甲", level1="满意度指标", level2="社会效益指标", row=3)]
    assert ("indicator-level2-unknown", IND, "C3", "error") in issues_for(rows)


def test_unknown_level1_is_an_error() -> None:
    rows = [indicator("项目甲", level1="产出", row=4)]
    assert ("indicator-level1-unknown", IND, "B4", "error") in issues_for(rows)


def test_value_without_comparator_is_an_error() -> None:
    rows = [indicator("项目甲", value="50万页", row=5)]
    assert ("indicator-value-no-comparator", IND, "E5", "error") in issues_for(rows)


def test_value_forms() -> None:
    v = parse_value("≤60万元")
    assert v is not None and (v.comparator, v.number, v.unit) == ("<=", Decimal("60"), "万元")
    assert parse_value(">=98%") is not None and parse_value("提升") is None
    rows = [indicator("项目甲", value="提升", row=2, weight="90")]
    assert not [t for t in issues_for(rows) if t[0].startswith("indicator-value")]
    rows = [indicator("项目甲", value="差不多吧", row=2, weight="90")]
    assert ("indicator-value-unusual", IND, "E2", "warning") in issues_for(rows)


def test_cost_above_project_total_is_an_error() -> None:
    rows = [indicator("项目甲", level1="成本指标", level2="经济成本指标", value="≤60万元", row=6)]
    assert ("indicator-cost-over-total", IND, "E6", "error") in issues_for(rows, budget="45.50")
    rows = [indicator("项目甲", level1="成本指标", level2="经济成本指标", value="≤45.50万元", row=6)]
    assert not [t for t in issues_for(rows, budget="45.50") if t[0] == "indicator-cost-over-total"]


def test_weights_sum_per_project_to_its_declared_total() -> None:
    # Real documents: one project with 100, another with 90, in one workbook.
    inputs = make_inputs(
        [
            item("2010302", "30227", "10.00", SpendingKind.PROJECT, project="甲", row=2),
            item("2010302", "30227", "10.00", SpendingKind.PROJECT, project="乙", row=3),
        ],
        projects=[project("甲", row=2, weight_total=Decimal(100)), project("乙", row=3)],
        indicators=[
            indicator("甲", "60", row=2),
            indicator("甲", "40", row=3, level3="另一指标"),
            indicator("乙", "90", row=4),
        ],
    )
    assert not [i for i in validate(inputs, Names.build(CATALOG, inputs)) if i.code == "indicator-weights-sum"]


def test_weight_message_reports_what_was_typed() -> None:
    # An unusual 指标值设置依据 no longer drops the row: the sum is of the typed weights (50 + 40 = 90).
    rows = [
        indicator("项目甲", "50", row=2, basis="上级文件"),
        indicator("项目甲", "40", row=3, level3="另一指标"),
    ]
    inputs = make_inputs(
        [item("2010302", "30227", "45.50", SpendingKind.PROJECT, project="项目甲")],
        projects=[project("项目甲", weight_total=Decimal(80))],
        indicators=rows,
    )
    found = validate(inputs, Names.build(CATALOG, inputs))
    weights = [i for i in found if i.code == "indicator-weights-sum"]
    assert [(i.sheet, i.cell) for i in weights] == [(IND, "H2")]
    assert "合计为90" in weights[0].message and "（50、40）" in weights[0].message
    assert ("indicator-basis-unusual", IND, "F2") in [(i.code, i.sheet, i.cell) for i in found]


def test_basis_and_scoring_lists_hold_real_values() -> None:
    rows = [indicator("项目甲", scoring="按照完成比例赋分", row=2), indicator("项目甲", "0", row=3, level3="x")]
    assert not [t for t in issues_for(rows) if t[0].endswith("-unusual")]
    rows = [indicator("项目甲", scoring="按照评判等级赋分", row=2)]
    assert not [t for t in issues_for(rows) if t[0].endswith("-unusual")]
    rows = [indicator("项目甲", scoring="看情况", row=7)]
    assert ("indicator-scoring-unusual", IND, "I7", "warning") in issues_for(rows)


def test_project_not_publishing_targets_has_no_table_but_counts() -> None:
    inputs = make_inputs(
        [
            item("2010302", "30227", "30.00", SpendingKind.PROJECT, project="甲", row=2),
            item("2010302", "30227", "4.82", SpendingKind.PROJECT, project="乙", row=3),
        ],
        projects=[project("甲"), project("乙", row=3, publish_targets="否")],
        indicators=[indicator("甲")],
    )
    d, issues, _ = compute_disclosure(inputs, CATALOG)
    issues += validate(inputs, Names.build(CATALOG, inputs))
    assert [p.project for p in d.performance_tables] == ["甲"]
    assert not [i for i in issues if i.code == "project-without-indicators"]
    assert [r.cells[4] for r in d.tables[6].rows if r.style == "project"] == ["甲", "乙"]


def test_weight_sum_counts_rows_with_a_blank_cell(tmp_path) -> None:
    # A row left out for a blank 佐证资料 still counts: the message reports the typed weights.
    data = example_data("002")
    rows = data[IND]
    name = rows[0]["项目名称"]
    mine = [n for n, r in enumerate(rows) if r["项目名称"] == name]
    rows[mine[0]]["佐证资料"] = ""  # Excel row mine[0] + 2
    path = tmp_path / "w.xlsx"
    write_workbook(path, data)
    issues = run(path).issues
    assert [(i.code, i.sheet, i.cell) for i in issues if i.is_error] == [("missing-required", IND, f"J{mine[0] + 2}")]
