"""The table kinds by income category and the one-row “三公”经费和机关运行经费 table, on the line items of
上海市普陀区司法局 2026 (examples/101.json, inputs/README.md); expected values from
../shared/reference/shanghai/sfj-2026-dept.txt."""

from __future__ import annotations

from decimal import Decimal

from generator.catalog import load_catalog
from generator.compute.names import Names
from generator.compute.tables import KINDS, TableBuilder
from generator.inputs import LineItem
from generator.workbook.schema import FundSource, SpendingKind
from tests import factories
from tests.conftest import example_data

WAN = Decimal(10000)


def _items() -> list[LineItem]:
    """Example 101's 支出明细 (in 元) as line items in 万元, as the reader holds them."""
    return [
        factories.item(
            func=r["功能分类科目编码"],
            econ=r["经济分类科目编码"],
            amount=Decimal(r["金额"]) / WAN,
            kind=SpendingKind(r["支出类型"]),
            project=r["项目名称"] or None,
            row=n,
            unit=r["预算单位"],
        )
        for n, r in enumerate(example_data("101")["支出明细"], start=2)
    ]


def _builder(items: list[LineItem] | None = None) -> TableBuilder:
    items = _items() if items is None else items
    catalog = load_catalog(2026)
    names = Names(dict(catalog.functions), dict(catalog.econ), frozenset())
    return TableBuilder(items, names, "编制部门：上海市普陀区司法局")


def _yuan(value: object) -> object:
    return value * WAN if isinstance(value, Decimal) else value


def _rows(kind: str, builder: TableBuilder | None = None) -> list[list[object]]:
    rows = KINDS[kind].rows(builder or _builder(), "合计")
    return [[_yuan(c) for c in r.cells] for r in rows]


def D(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def test_summary_by_income_category_is_table_1() -> None:
    rows = _rows("财务收支总表")
    assert rows[:7] == [
        ["一、财政拨款收入", D("96,282,213.44"), "一、公共安全支出", D("87,267,272.44")],  # 行143
        ["1. 一般公共预算", D("96,282,213.44"), "二、社会保障和就业支出", D("3,343,704.00")],  # 行144
        ["2. 政府性基金预算", D("0"), "三、卫生健康支出", D("1,149,678.00")],  # 行145
        ["3. 国有资本经营预算", D("0"), "四、住房保障支出", D("4,521,559.00")],  # 行146
        ["二、事业收入", D("0"), "", None],  # 行147
        ["三、事业单位经营收入", D("0"), "", None],  # 行148
        ["四、其他收入", D("0"), "", None],  # 行149
    ]
    assert rows[-1] == ["收入总计", D("96,282,213.44"), "支出总计", D("96,282,213.44")]  # 行154


def test_income_by_category_is_table_2() -> None:
    rows = _rows("收入总表（按收入类别）")
    zero = [D("0")] * 3
    assert rows[0] == ["204", "", "", "公共安全支出", D("87267272.44"), D("87267272.44"), *zero]  # 行164
    assert rows[2] == ["204", "06", "01", "行政运行", D("16726725.44"), D("16726725.44"), *zero]  # 行168
    assert rows[-2] == ["221", "02", "03", "购房补贴", D("2433600.00"), D("2433600.00"), *zero]  # 行196
    assert rows[-1] == ["", "", "", "合计", D("96282213.44"), D("96282213.44"), *zero]  # 行197
    assert len(rows) == 22  # 行164–197: 4 类, 4 款, 13 项, 合计


def test_income_categories_add_up_whatever_the_sources() -> None:
    sources = list(FundSource)
    items = [factories.item(amount="1.00", source=s, row=n) for n, s in enumerate(sources, start=2)]
    total = _rows("收入总表（按收入类别）", _builder(items))[-1]
    assert total[4] == sum(total[5:], Decimal(0)) == len(sources) * WAN


def test_fiscal_by_fund_is_table_4() -> None:
    rows = _rows("财政拨款收支总表（按拨款种类）")
    assert rows[0] == [  # 行232
        "一、一般公共预算",
        D("96,282,213.44"),
        "一、公共安全支出",
        D("87,267,272.44"),
        D("87,267,272.44"),
        D("0"),
        D("0"),
    ]
    assert rows[1][:4] == ["二、政府性基金预算", D("0"), "二、社会保障和就业支出", D("3,343,704.00")]  # 行233
    assert rows[3][:4] == ["", None, "四、住房保障支出", D("4,521,559.00")]  # 行235
    assert rows[-1] == [  # 行240
        "收入总计",
        D("96,282,213.44"),
        "支出总计",
        D("96,282,213.44"),
        D("96,282,213.44"),
        D("0"),
        D("0"),
    ]


def test_sangong_and_operating_is_table_9() -> None:
    (row,) = KINDS["三公经费和机关运行经费"].rows(_builder(), "合计")
    # 行353 prints 10.81 0 0.83 9.98 0 9.98 217.83 (万元). 10.81 is 0.83 + 9.98, the sum of two rounded figures;
    # the exact sum 8,265 + 99,750 元 (表8, 行329 and 333) = 10.8015万元 rounds to 10.80, which we keep.
    assert [c * WAN for c in row.cells] == [
        D("108015"),
        D("0"),
        D("8265"),
        D("99750"),
        D("0"),
        D("99750"),
        D("2178324.44"),  # 表8 公用经费 合计 (行340) = 217.83万元 (行353)
    ]
