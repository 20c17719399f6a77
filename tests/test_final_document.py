"""The 决算 document's completion sentences (issue 20 §2), on example 201 (czj-2024-final) changed by hand:
the denominator is named ("年初预算为…，支出决算为…，完成年初预算的…"), no rate is printed over a zero budget
("年初未安排预算"), a 决算 above or below its budget prints the officer's reason for exactly that direction, and a
决算 kind or section cannot be placed in a 预算 format (or the reverse)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from generator.formats.loader import FormatInvalid, load_format
from generator.model import Disclosure
from generator.pipeline import Result, run
from generator.workbook import schema
from generator.workbook.template import write_workbook
from tests.conftest import ROOT, example_data

UNIT = "上海市普陀区财政局"
GPB = schema.FundSource.GPB_LOCAL.value
ADMIN = "2010650"  # 事业运行 (财政事务): no line in example 201


def built(tmp_path: Path, data: dict) -> Result:
    path = tmp_path / "201.xlsx"
    write_workbook(path, data)
    return run(path)


def sentences(d: Disclosure) -> str:
    paragraphs = [p.text for s in d.sections for p in s.paragraphs]
    paragraphs += [p.text for s in d.sections for sub in s.subsections for p in sub.paragraphs]
    return "\n".join(paragraphs)


def reason_row(data: dict, key: str) -> dict:
    return next(r for r in data[schema.SHEET_FINAL_REASONS] if r["比较项目"] == key)


def spend_unbudgeted(data: dict, yuan: int, econ: str = "30201") -> None:
    """A line of 事业运行 spent without a 年初预算, paid from the year's 财政拨款 (so income moves with it)."""
    data[schema.SHEET_ITEMS].append(
        {
            "预算单位": UNIT,
            "功能分类科目编码": ADMIN,
            "经济分类科目编码": econ,
            "支出类型": "基本支出",
            "项目名称": "",
            "资金来源": GPB,
            "金额": "0",
            "决算数": str(yuan),
            "备注": "",
        }
    )
    data[schema.SHEET_FINAL_INCOME].append({"功能分类科目编码": ADMIN, "收入类型": "财政拨款收入", "金额": str(yuan)})
    for row in data[schema.SHEET_FINAL_PRIOR]:  # every year-over-year figure that moves has its reason
        if not row["主要原因"]:
            row["主要原因"] = "新增事业运行支出"


def test_a_item_spent_without_a_budget_has_no_rate(tmp_path: Path) -> None:
    data = example_data("201")
    spend_unbudgeted(data, 10000)
    data[schema.SHEET_FINAL_REASONS].append(
        {
            "比较项目": f"{schema.FINAL_ITEM_PREFIX}{ADMIN}",
            "决算数与预算数不同的主要原因": "年中新设财政事务事业运行支出",
            "主要用于（按项说明）": "财政所事业运行",
        }
    )
    result = built(tmp_path, data)
    assert result.ok, [i.message for i in result.issues if i.is_error]
    assert result.disclosure is not None
    text = sentences(result.disclosure)
    assert (
        "5、一般公共服务支出（类）财政事务（款）事业运行（项）。主要用于：财政所事业运行。年初未安排预算，支出决算为1.00万元。"
        "年初未安排预算而有决算支出的主要原因：年中新设财政事务事业运行支出。"
    ) in text
    assert "年初预算为0.00万元" not in text and "完成年初预算的" not in text.split("事业运行（项）")[1]
    # in 项 code order, after 2010608 (4、); the total's rate moves with it: (2940.05 + 1.00) ÷ 2993.92 (hand: 2941.0484 ÷ 2993.9196 = 98.234…%)
    assert "年初预算为2993.92万元，支出决算为2941.05万元，完成年初预算的98.23%" in text


def test_a_item_spent_without_a_budget_needs_its_reason(tmp_path: Path) -> None:
    data = example_data("201")
    spend_unbudgeted(data, 10000)
    result = built(tmp_path, data)
    missing = [i for i in result.issues if i.code == "final-row-missing"]
    assert len(missing) == 1 and missing[0].sheet == schema.SHEET_FINAL_REASONS
    assert f"一般公共预算项：{ADMIN} 事业运行" in missing[0].message
    assert "年初未安排预算，决算1.00万元" in missing[0].message  # no rate over the zero budget


def test_a_final_above_its_budget_prints_the_reason_for_above(tmp_path: Path) -> None:
    data = example_data("201")
    for item in data[schema.SHEET_ITEMS]:
        if item["功能分类科目编码"] == "2210203":  # 购房补贴: 258.50 = 258.50 (czj-2024-final.txt 行623–625)
            item["决算数"] = str(Decimal(item["决算数"]) + 10000)
    for row in data[schema.SHEET_FINAL_INCOME]:
        if row["功能分类科目编码"] == "2210203":
            row["金额"] = str(Decimal(row["金额"]) + 10000)
    for row in data[schema.SHEET_FINAL_PRIOR]:
        if not row["主要原因"]:
            row["主要原因"] = "购房补贴增加"
    # 基本持平 needed no reason; 大于 does, at its cell
    result = built(tmp_path, data)
    issue = next(i for i in result.issues if i.code == "final-reason-missing")
    row = next(r for r in result.inputs.final_reasons if r.key.endswith("2210203"))  # type: ignore[union-attr]
    assert issue.cell == f"B{row.row}" and "决算数大于预算数" in issue.message

    reason_row(data, f"{schema.FINAL_ITEM_PREFIX}2210203")["决算数与预算数不同的主要原因"] = "新进人员购房补贴"
    result = built(tmp_path, data)
    assert result.ok, [i.message for i in result.issues if i.is_error]
    assert result.disclosure is not None
    assert "年初预算为258.50万元，支出决算为259.50万元。决算数大于预算数的主要原因：新进人员购房补贴。" in sentences(
        result.disclosure
    )


def test_sangong_spent_without_a_budget(tmp_path: Path) -> None:
    """因公出国（境）费 had no 年初预算 (行491); spent 0.80万元 it reads “年初未安排预算”, and the “三公” total
    (0.95 budgeted) is 小于 its budget with the officer's reason."""
    data = example_data("201")
    spend_unbudgeted(data, 8000, econ="30212")
    data[schema.SHEET_FINAL_REASONS].append(
        {"比较项目": f"{schema.FINAL_ITEM_PREFIX}{ADMIN}", "决算数与预算数不同的主要原因": "临时出访任务"}
    )
    reason_row(data, schema.FinalKey.SANGONG.value)["决算数与预算数不同的主要原因"] = "年中新增出访任务"
    data[schema.SHEET_FINAL][next(f.label for f in schema.FINAL_FIELDS if f.key == "abroad_groups")] = 1
    data[schema.SHEET_FINAL][next(f.label for f in schema.FINAL_FIELDS if f.key == "abroad_people")] = 2
    result = built(tmp_path, data)
    errors = [i.message for i in result.issues if i.is_error]
    assert not errors, errors
    assert result.disclosure is not None
    text = sentences(result.disclosure)
    assert (
        "“三公”经费财政拨款支出年初预算为0.95万元，支出决算为0.80万元，完成预算的84.21%，其中：因公出国（境）费"
        "年初未安排预算，支出决算为0.80万元；"
    ) in text  # 0.80 ÷ 0.95 = 84.2105…%
    assert "2024年度“三公”经费支出决算数小于预算数的主要原因：年中新增出访任务。" in text
    assert "1、因公出国（境）费支出0.80万元。全年安排因公出国（境）团组1个、累计2人次。" in text
    assert f"{UNIT}2024年度无“三公”经费财政拨款支出。" not in text


@pytest.mark.parametrize(
    ("folder", "replace", "message"),
    [
        ("shanghai-putuo-final", ("document: 决算", "document: 预算"), "是部门决算的表，不能用于预算格式"),
        ("shanghai-putuo", ("document: 预算", "document: 决算"), "是部门预算的表，不能用于决算格式"),
    ],
)
def test_kinds_belong_to_their_document(tmp_path: Path, folder: str, replace: tuple[str, str], message: str) -> None:
    import shutil

    target = tmp_path / folder
    shutil.copytree(ROOT / "templates" / "formats" / folder, target)
    yaml = target / "format.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace(*replace), encoding="utf-8")
    with pytest.raises(FormatInvalid) as caught:
        load_format(target)
    assert any(message in p.message for p in caught.value.problems)


def test_new_points_a_final_format_to_final_from_budget(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from generator.cli import main

    target = tmp_path / "决算.xlsx"
    assert main(["new", str(target), "--format", "shanghai-putuo-final", "--year", "2024"]) == 1
    assert "disclosure final-from-budget 预算工作簿.xlsx 决算工作簿.xlsx" in capsys.readouterr().err
    assert not target.exists()


def test_headline_figures_of_a_final_are_its_documents(tmp_path: Path) -> None:
    """The bureau board's main figures of a 决算 are the totals its document states, not the 年初预算: 收入支出决算总计
    2995.39 (czj-2024-final.txt 行530), 财政拨款收入支出决算总计 2961.68 (表4; its 四 says “0.3万元”, see test_golden_czj),
    “三公” 0.00 and 机关运行经费 184.65 (行681)."""
    from generator.headline import headline

    result = built(tmp_path, example_data("201"))
    assert result.inputs is not None
    figures = {f.label: fmt_q2(f.current) for f in headline(result.inputs).figures()}
    assert figures == {
        "收支总计": Decimal("2995.39"),
        "财政拨款": Decimal("2961.68"),
        "“三公”经费": Decimal("0.00"),
        "机关运行经费": Decimal("184.65"),
    }


def fmt_q2(value: Decimal) -> Decimal:
    from generator.formatting import q2

    return q2(value)


def test_final_from_budget_carries_each_items_use(tmp_path: Path) -> None:
    """Example 101's 上年对比 says what each 一般公共预算 项 is for (sfj-2026-dept 四); its 决算 says it again in
    五（三）, so final-from-budget carries each 项's “主要用于” into 预决算对比."""
    from generator.final_workbook import final_from_budget

    budget = tmp_path / "101.xlsx"
    write_workbook(budget, example_data("101"))
    target = tmp_path / "101决算.xlsx"
    final_from_budget(budget, target)
    written = run(target).inputs
    assert written is not None
    uses = {r.key: r.use for r in written.final_reasons}
    expected = {
        r["比较项目"]: r["主要用于（按项说明）"]
        for r in example_data("101")[schema.SHEET_PRIOR]
        if r["比较项目"].startswith(schema.PRIOR_ITEM_PREFIX) and r.get("主要用于（按项说明）")
    }
    assert uses == expected and uses["一般公共预算项：2040605"] == "法制宣传工作支出"  # sfj-2026-dept.txt 行106


def test_a_class_with_spending_outside_the_formats_list_is_added_after_it(tmp_path: Path) -> None:
    """The format's `classes` are the 类 rows 表1/表4 always print; a 类 the unit spends on that the list lacks
    is printed after them (numbered on), so the rows still add up to 本年支出合计."""
    from generator.compute.final_document import FinalTableBuilder
    from generator.compute.names import Names
    from generator.formats import registry
    from generator.formats import spec as S
    from generator.model import NumberStyle

    result = built(tmp_path, example_data("201"))
    assert result.ok and result.inputs is not None and result.catalog is not None
    fmt = registry.get("shanghai-putuo-final")
    block = next(b for _, _, b in fmt.spec.blocks() if isinstance(b, S.TableBlock) and b.kind == "收入支出决算总表")
    without_housing = [c for c in block.classes or [] if c != "221"]  # 住房保障支出: 445.69 in example 201
    builder = FinalTableBuilder(result.inputs, Names.build(result.catalog, result.inputs), "", None)
    style = NumberStyle(unit="万元", decimals=2, thousands=True, blank_zero=True)
    table = builder.table(block.model_copy(update={"classes": without_housing}), 1, style)
    above_total = table.rows[: next(n for n, r in enumerate(table.rows) if r.style == "total")]
    spending = [(r.cells[2], Decimal(r.cells[3]).quantize(Decimal("0.01"))) for r in above_total if r.cells[2]]
    assert len(spending) == 26
    assert spending[-1] == ("二十六、住房保障支出", Decimal("445.69"))  # czj-2024-final 行153
    assert spending[17:19] == [("十八、自然资源海洋气象等支出", Decimal("0")), ("十九、粮油物资储备支出", Decimal("0"))]
    # 本年支出合计 2940.05 (行161) is the sum of the 元 amounts, not of the rounded rows (which make 2940.06)
    assert sum(Decimal(r.cells[3]) for r in above_total if r.cells[2]).quantize(Decimal("0.01")) == Decimal("2940.05")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '        title: "收入决算表"\n',
            '        title: "收入决算表"\n        classes: [201]\n',
            "不按功能分类“类”逐行列出支出",
        ),
        ("classes: [201, 202,", "classes: [20101, 202,", "“20101”不是功能分类“类”的编码"),
        ("classes: [201, 202,", "classes: [201, 201,", "“201”写了两次"),
    ],
)
def test_a_class_list_is_checked(tmp_path: Path, old: str, new: str, message: str) -> None:
    import shutil

    target = tmp_path / "shanghai-putuo-final"
    shutil.copytree(ROOT / "templates" / "formats" / "shanghai-putuo-final", target)
    yaml = target / "format.yaml"
    text = yaml.read_text(encoding="utf-8")
    assert old in text
    yaml.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(FormatInvalid) as caught:
        load_format(target)
    assert any(message in p.message for p in caught.value.problems), [p.message for p in caught.value.problems]


def spend_own_kinds(data: dict, kinds: dict[str, int], source: str = schema.FundSource.UNIT_OTHER.value) -> None:
    """Lines of 一般行政管理事务 (2010602) of the 决算's own 支出类型, unbudgeted, paid from `source`; the same
    amount of 其他收入 comes in, and 年末结转和结余 stays, so the year still balances."""
    for kind, yuan in kinds.items():
        data[schema.SHEET_ITEMS].append(
            {
                "预算单位": UNIT,
                "功能分类科目编码": "2010602",
                "经济分类科目编码": "30299",
                "支出类型": kind,
                "项目名称": "",
                "资金来源": source,
                "金额": "0",
                "决算数": str(yuan),
                "备注": "",
            }
        )
    total = sum(kinds.values())
    data[schema.SHEET_FINAL_INCOME].append({"功能分类科目编码": "2010602", "收入类型": "其他收入", "金额": str(total)})
    for row in data[schema.SHEET_FINAL_PRIOR]:
        if not row["主要原因"]:
            row["主要原因"] = "新增经营活动"


def test_upper_operating_and_affiliate_spending_come_from_the_workbook(tmp_path: Path) -> None:
    """上缴上级支出 and 经营支出 typed as the 支出类型 of 支出明细 lines reach 支出决算表's own columns, 表1's 类 and
    本年支出合计, and 三's parts (those with an amount: final-template-2024 行395–398 “不涉及的不列”). Example 201
    spends 2940.05 (czj-2024-final 行161): 基本支出 2336.91, 项目支出 603.14 (行213); 一般行政管理事务 10.00 (行222),
    一般公共服务支出 2106.66 (行135); 本年收入合计 2946.25 (行161)."""
    data = example_data("201")
    spend_own_kinds(data, {"上缴上级支出": 5000, "经营支出": 10000})
    result = built(tmp_path, data)
    assert result.ok, [i.message for i in result.issues if i.is_error]
    d = result.disclosure
    assert d is not None
    t1, t3 = d.tables[0], d.tables[2]
    q = Decimal("0.01")

    def amounts(cells: list) -> list[Decimal]:
        return [Decimal(c or 0).quantize(q) for c in cells]

    # 合计, 基本支出, 项目支出, 上缴上级支出, 经营支出, 对附属单位补助支出
    total = next(r for r in t3.rows if r.style == "total")
    assert amounts(total.cells[4:]) == amounts(["2941.55", "2336.91", "603.14", "0.50", "1.00", "0"])
    item = next(r for r in t3.rows if [str(c) for c in r.cells[:3]] == ["201", "06", "02"])
    assert amounts(item.cells[4:]) == amounts(["11.50", "0", "10.00", "0.50", "1.00", "0"])
    by_label = {r.cells[2]: r.cells[3] for r in t1.rows}
    assert amounts([by_label["一、一般公共服务支出"], by_label["本年支出合计"]]) == amounts(["2108.16", "2941.55"])
    assert amounts([next(r.cells[1] for r in t1.rows if r.cells[0] == "本年收入合计")]) == amounts(["2947.75"])
    # shares of 2941.55: 2336.91 → 79.44%, 603.14 → 20.50%, 0.50 → 0.02%, 1.00 → 0.03% (of the 元 amounts)
    assert (
        "本年支出合计2941.55万元，其中：基本支出2336.91万元，占79.44%；项目支出603.14万元，占20.50%；"
        "上缴上级支出0.50万元，占0.02%；经营支出1.00万元，占0.03%。"
    ) in sentences(d)
    assert "对附属单位补助支出" not in sentences(d)


def test_the_finals_own_kinds_are_not_for_budgets_or_fiscal_money(tmp_path: Path) -> None:
    data = example_data("201")
    spend_own_kinds(data, {"对附属单位补助支出": 20000}, source=GPB)
    found = [(i.code, i.sheet, i.cell) for i in built(tmp_path, data).issues if i.is_error]
    row = len(data[schema.SHEET_ITEMS]) + schema.FIRST_DATA_ROW - 1
    source = schema.column_letter(schema.SHEET_ITEMS, "source")
    assert ("final-kind-fiscal", schema.SHEET_ITEMS, f"{source}{row}") in found

    budget = example_data("101")
    budget[schema.SHEET_ITEMS][0]["支出类型"] = "经营支出"
    path = tmp_path / "101.xlsx"
    write_workbook(path, budget)
    kind = schema.column_letter(schema.SHEET_ITEMS, "kind")
    found = [(i.code, i.cell) for i in run(path).issues if i.is_error]
    assert ("final-kind-in-budget", f"{kind}{schema.FIRST_DATA_ROW}") in found


def carry_fund(data: dict, carry_in: int, spent: int, carry_out: int, typed_out: int | None = None) -> None:
    """征地和拆迁补偿支出 (2120801), a 政府性基金 科目 with no income this year: `carry_in` 元 carried in, `spent`
    paid from it, `carry_out` carried on (by 科目 in 基金结转和结余; `typed_out` in 决算情况 when it differs)."""
    data[schema.SHEET_ITEMS].append(
        {
            "预算单位": UNIT,
            "功能分类科目编码": "2120801",
            "经济分类科目编码": "30299",
            "支出类型": "基本支出",
            "项目名称": "",
            "资金来源": schema.FundSource.CARRY_FUND.value,
            "金额": "0",
            "决算数": str(spent),
            "备注": "",
        }
    )
    data[schema.SHEET_FINAL_CARRY] = [
        {
            "功能分类科目编码": "2120801",
            "资金性质": "政府性基金预算",
            "年初结转和结余": str(carry_in),
            "年末结转和结余": str(carry_out),
        }
    ]
    facts = data[schema.SHEET_FINAL]
    out = carry_out if typed_out is None else typed_out
    for label, add in (
        ("年初结转和结余", carry_in),
        ("其中：年初财政拨款结转和结余", carry_in),
        ("年末结转和结余", out),
        ("其中：年末财政拨款结转和结余", out),
    ):
        facts[label] = str(int(facts[label]) + add)
    facts["其中：年初政府性基金预算财政拨款结转和结余"] = str(carry_in)
    facts["其中：年末政府性基金预算财政拨款结转和结余"] = str(out)
    for row in data[schema.SHEET_FINAL_PRIOR]:
        if not row["主要原因"]:
            row["主要原因"] = "新增政府性基金支出"


def test_fund_carry_over_is_printed_on_each_row(tmp_path: Path) -> None:
    """政府性基金预算财政拨款收入支出决算表 has 年初/年末结转和结余 columns on every 科目 row (final-template-2024
    行339–345: 功能分类科目编码, 科目名称, 年初结转和结余, 本年收入, 本年支出 合计/基本/项目, 年末结转和结余): a
    科目's come from 基金结转和结余. Here 12.00万元 carried in, 8.50 spent, 3.50 carried on (12.00 − 8.50)."""
    data = example_data("201")
    carry_fund(data, 120000, 85000, 35000)
    result = built(tmp_path, data)
    assert result.ok, [i.message for i in result.issues if i.is_error]
    d = result.disclosure
    assert d is not None
    t8 = d.tables[7]
    assert t8.empty_note is None
    q = Decimal("0.01")
    rows = {
        "".join(str(c) for c in r.cells[:3]) or r.style: [Decimal(c or 0).quantize(q) for c in r.cells[4:]]
        for r in t8.rows
    }
    expected = [Decimal(x) for x in ("12.00", "0.00", "8.50", "8.50", "0.00", "3.50")]
    assert rows["212"] == rows["21208"] == rows["2120801"] == expected
    assert rows["total"] == expected
    assert d.tables[8].empty_note is not None  # 国有资本经营: still none


def test_fund_carry_rows_must_add_up_to_the_final_facts(tmp_path: Path) -> None:
    data = example_data("201")
    carry_fund(data, 120000, 85000, 35000, typed_out=40000)  # 决算情况 says 4.00, the 科目 3.50
    data[schema.SHEET_FINAL]["年末结转和结余"] = str(int(data[schema.SHEET_FINAL]["年末结转和结余"]) - 5000)
    found = [(i.code, i.sheet) for i in built(tmp_path, data).issues if i.is_error]
    assert ("final-carry-sum", schema.SHEET_FINAL) in found
