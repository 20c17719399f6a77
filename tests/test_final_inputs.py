"""The 决算 workbook (issue 20, slice 1): its inputs, their checks, and `final-from-budget`.

A 决算 workbook is a 预算 workbook whose 支出明细 金额 are the 年初预算数, with each line's
决算数 and the sheets 决算情况 and 收入决算. The filled workbook here is example 002 turned into
a 决算 in which every line was spent as budgeted, so each balance below is a hand calculation
over that example's figures.
"""

from __future__ import annotations

import copy
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from generator.cli import main
from generator.compute import ledger as L
from generator.final_workbook import AlreadyFinal, PriorFinalError, final_from_budget
from generator.formats import registry
from generator.pipeline import run
from generator.workbook import schema
from generator.workbook.schema import FundSource
from generator.workbook.template import write_workbook
from tests.conftest import example_data

FINAL = schema.SHEET_FINAL
INCOME = schema.SHEET_FINAL_INCOME
ITEMS = schema.SHEET_ITEMS
LABEL = {f.key: f.label for f in schema.FINAL_FIELDS}
FISCAL = {s.value for s in L.FISCAL_CURRENT}
CARRY = {s.value for s in L.CARRY | L.NONFISCAL}


def final_cell(key: str) -> str:
    return f"B{[f.key for f in schema.FINAL_FIELDS].index(key) + schema.FIRST_DATA_ROW}"


def final_data(**facts: object) -> dict:
    """Example 002 as a 决算 spent exactly as budgeted: 决算数 = 金额, current-year income by 科目,
    the carried-over lines financed by 年初结转和结余 (so the year ends with nothing carried)."""
    data = copy.deepcopy(example_data("002"))
    data[schema.SHEET_INFO]["格式"] = schema.FINAL_DEFAULT_FORMAT
    income: dict[tuple[str, str], Decimal] = {}
    carry = carry_fiscal = Decimal(0)
    for row in data[ITEMS]:
        row["决算数"] = row["金额"]
        amount, source = Decimal(row["金额"]), row["资金来源"]
        if source in CARRY:
            carry += amount
            carry_fiscal += amount if FundSource(source) in L.CARRY else 0
            continue
        kind = "财政拨款收入" if source in FISCAL else "其他收入"
        key = (row["功能分类科目编码"], kind)
        income[key] = income.get(key, Decimal(0)) + amount
    data[INCOME] = [{"功能分类科目编码": c, "收入类型": k, "金额": str(v)} for (c, k), v in sorted(income.items())]
    data[FINAL] = {LABEL["carry_in"]: str(carry), LABEL["carry_in_fiscal"]: str(carry_fiscal)}
    data[FINAL].update({LABEL[k]: v for k, v in facts.items()})
    # 上年决算对比: last year's 决算 as this year's (no change, so no reason is needed)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "决算.xlsx"
        write_workbook(path, data)
        book = run(path).final_prior_book
    assert book is not None
    data[schema.SHEET_FINAL_PRIOR] = [{"比较项目": r.key, "上年决算数": str(r.current)} for r in book.needed]
    return data


def errors(path: Path) -> list[tuple[str, str | None, str | None]]:
    return [(i.code, i.sheet, i.cell) for i in run(path).issues if i.is_error and i.code != "format-year"]


def written(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "决算.xlsx"
    write_workbook(path, data)
    return path


def test_a_filled_final_workbook_reads_back_with_its_final_inputs(tmp_path: Path) -> None:
    result = run(written(tmp_path, final_data(abroad_groups=1, evaluated_score="99.43")))
    # example 002 is of 2023; the 决算 format shanghai-putuo-final applies from 2024 (its template's year)
    assert [i.code for i in result.issues if i.is_error] == ["format-year"]
    inputs = result.inputs
    assert inputs is not None and inputs.final is not None
    assert all(i.final == i.amount for i in inputs.items)
    assert inputs.final.abroad_groups == 1 and inputs.final.evaluated_score == Decimal("99.43")
    assert sum(r.amount for r in inputs.final_income) + inputs.final.carry_in == L.total(inputs.items)


def test_a_budget_workbook_has_no_final_sheets_and_hides_the_final_column(tmp_path: Path) -> None:
    path = tmp_path / "预算.xlsx"
    write_workbook(path, example_data("002"))
    wb = load_workbook(path)
    assert not set(schema.FINAL_SHEETS) & set(wb.sheetnames)
    assert wb[ITEMS].column_dimensions[schema.column_letter(ITEMS, "final")].hidden
    result = run(path)
    assert result.ok and result.inputs is not None and result.inputs.final is None


def test_a_final_typed_into_a_budget_workbook_is_a_warning(tmp_path: Path) -> None:
    data = example_data("002")
    data[ITEMS][0]["决算数"] = "1.00"
    path = tmp_path / "预算.xlsx"
    write_workbook(path, data)
    [issue] = [i for i in run(path).issues if i.code == "final-in-budget"]
    assert (issue.is_error, issue.sheet, issue.cell) == (False, ITEMS, "K2")


def test_every_line_of_a_final_workbook_needs_its_final(tmp_path: Path) -> None:
    data = final_data()
    data[ITEMS][3]["决算数"] = None
    data[ITEMS][3]["金额"] = "0"  # 年初未安排 and not spent either: still a 决算数 to type (0)
    assert ("final-missing", ITEMS, "K5") in errors(written(tmp_path, data))


def test_income_and_spending_balance_with_the_carry_overs(tmp_path: Path) -> None:
    inputs = run(written(tmp_path, final_data())).inputs
    assert inputs is not None and inputs.final is not None
    spent = L.total(inputs.items)
    # Left 0.01 more at the year's end than came in: both balances break by 0.01.
    path = written(tmp_path, final_data(carry_out="0.01", carry_out_fiscal="0.01"))
    issues = {i.code: i for i in run(path).issues}
    unbalanced = issues["final-unbalanced"]
    assert (unbalanced.sheet, unbalanced.cell) == (FINAL, final_cell("carry_out"))
    income = spent - inputs.final.carry_in
    assert unbalanced.message == (
        f"收支不平衡：本年收入{income}万元＋年初结转和结余{inputs.final.carry_in}万元＋使用非财政拨款结余0.00万元"
        f"＝{spent}万元，本年支出决算{spent}万元＋结余分配0.00万元＋年末结转和结余0.01万元＝{spent + Decimal('0.01')}万元，"
        "相差-0.01万元。请核对“收入决算”表、支出明细的决算数和本表各项"
    )
    assert issues["final-fiscal-unbalanced"].cell == final_cell("carry_out_fiscal")


def test_parts_stay_within_their_wholes(tmp_path: Path) -> None:
    path = written(
        tmp_path,
        final_data(
            reserved_sme="10",
            reserved_small="10.01",
            awarded_sme_reserved="5",
            awarded_small_reserved="6",
            contract_goods="4",
            vehicles_held=1,
        ),
    )
    found = errors(path)
    assert ("final-part-over-whole", FINAL, final_cell("reserved_small")) in found
    assert ("final-part-over-whole", FINAL, final_cell("awarded_small_reserved")) in found
    assert ("final-awarded-over-contracts", FINAL, final_cell("awarded_sme_other")) in found  # 5 > 4
    assert ("final-vehicles-over-assets", FINAL, final_cell("vehicles_held")) in found


def test_performance_counts_add_up(tmp_path: Path) -> None:
    # czj-2024-final.txt lines 668–675: 自评项目4个, 平均得分99.43分, 优4 良0 合格0 不合格0, 问题0个.
    good = final_data(evaluated_count=4, evaluated_score="99.43", rated_excellent=4)
    assert not [e for e in errors(written(tmp_path, good)) if e[0].startswith("final-")]
    bad = final_data(evaluated_count=4, rated_excellent=3, problems_found=1, problems_fixed=1, problems_fixing=1)
    path = written(tmp_path, bad)
    issues = {i.code: i for i in run(path).issues}
    assert issues["final-ratings-mismatch"].message == (
        "各绩效评级的项目数之和为3个（优3个＋良0个＋合格0个＋不合格0个），绩效自评的项目数为4个，两者应相等，请核对"
    )
    assert issues["final-problems-over-found"].cell == final_cell("problems_fixing")


def test_an_unknown_income_code_is_located(tmp_path: Path) -> None:
    data = final_data()
    data[INCOME].append({"功能分类科目编码": "2999999", "收入类型": "其他收入", "金额": "0"})
    row = len(data[INCOME]) + 1
    assert ("func-code-unknown", INCOME, f"A{row}") in errors(written(tmp_path, data))


def test_a_final_workbook_cannot_use_a_budget_format(tmp_path: Path) -> None:
    data = final_data()
    data[schema.SHEET_INFO]["格式"] = "xinjiang-2023"
    [issue] = [i for i in run(written(tmp_path, data)).issues if i.is_error]
    assert (issue.code, issue.sheet) == ("format-document", schema.SHEET_INFO)
    assert issue.message == "本工作簿是决算工作簿，格式“新疆部门预算公开（2023年格式）”用于部门预算公开；请选择决算格式"


# --- 预算 → 决算 ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def budget(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("budget") / "预算.xlsx"
    write_workbook(path, example_data("002"))
    return path


def test_final_from_budget_carries_the_budget_over(budget: Path, tmp_path: Path) -> None:
    target = tmp_path / "决算.xlsx"
    outcome = final_from_budget(budget, target)
    before, after = run(budget).inputs, run(target).inputs
    assert before is not None and after is not None and after.final is not None
    assert [(i.func_code, i.econ_code, i.kind, i.project, i.source, i.amount) for i in after.items] == [
        (i.func_code, i.econ_code, i.kind, i.project, i.source, i.amount) for i in before.items
    ]
    assert all(i.final is None for i in after.items)
    assert (after.units, after.projects, after.indicators, after.uses) == (
        before.units,
        before.projects,
        before.indicators,
        before.uses,
    )
    assert after.info.format == schema.FINAL_DEFAULT_FORMAT and after.info.year == before.info.year
    assert after.priors == []  # a 决算 compares with last year's 决算, not with the budget's base
    fiscal = sorted({i.func_code for i in L.select(before.items, L.by_sources(L.FISCAL_CURRENT | L.CARRY))})
    wb = load_workbook(target)
    prefilled = [(r[0].value, r[2].value, r[3].value) for r in wb[INCOME].iter_rows(min_row=2) if r[0].value]
    assert prefilled == [(code, "财政拨款收入", None) for code in fiscal]
    assert outcome.items == len(before.items) and outcome.income_rows == len(fiscal)
    n = len(before.items)
    assert [(w.code, w.sheet, w.cell) for w in outcome.warnings] == [
        ("final-to-fill", ITEMS, "K2"),
        ("final-to-fill", INCOME, "D2"),
        ("final-to-fill", FINAL, "B2"),
        ("final-to-fill", schema.SHEET_GLOSSARY, "A2"),
    ]
    assert f"K2:K{n + 1}" in outcome.warnings[0].message
    # Until the officer types them, each 决算数 and each income amount is an error at its cell.
    found = errors(target)
    assert [e for e in found if e[0] == "final-missing"] == [("final-missing", ITEMS, f"K{r}") for r in range(2, n + 2)]
    assert {e[2] for e in found if e[1] == INCOME} == {f"D{r}" for r in range(2, len(fiscal) + 2)}


def test_final_from_budget_refuses_a_final_workbook(tmp_path: Path) -> None:
    with pytest.raises(AlreadyFinal):
        final_from_budget(written(tmp_path, final_data()), tmp_path / "again.xlsx")


def test_final_from_budget_command(budget: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "决算.xlsx"
    assert main(["final-from-budget", str(budget), str(target)]) == 0
    out = capsys.readouterr().out
    assert f"已生成2023年决算工作簿：{target}（格式 shanghai-putuo-final）" in out
    assert main(["final-from-budget", str(budget), str(target)]) == 1  # never overwrites without --force
    assert "文件已存在" in capsys.readouterr().err
    assert main(["final-from-budget", str(budget), str(budget)]) == 1
    assert "决算工作簿不能覆盖预算工作簿" in capsys.readouterr().err
    assert main(["final-from-budget", str(target), str(tmp_path / "x.xlsx"), "--force"]) == 1
    assert "已经是决算工作簿" in capsys.readouterr().err


def test_sangong_amounts_go_with_their_counts(tmp_path: Path) -> None:
    # examples/002.json spends on two “三公” items: 30217 公务接待费 0.50万元 and 30231 公务用车运行维护费 10.00万元.
    warned = [(i.code, i.cell, i.is_error) for i in run(written(tmp_path, final_data())).issues if "sangong" in i.code]
    assert sorted(warned) == sorted(
        [
            ("final-sangong-count-missing", final_cell("vehicles_held"), False),
            ("final-sangong-count-missing", final_cell("reception_batches"), False),
        ]
    )
    counted = final_data(
        abroad_groups=1, abroad_people=2, vehicles_bought=1, vehicles_held=1, reception_batches=3, reception_people=9
    )
    issues = [i for i in run(written(tmp_path, counted)).issues if "sangong" in i.code]
    assert sorted((i.code, i.cell) for i in issues) == sorted(
        [
            ("final-sangong-amount-missing", final_cell("abroad_groups")),
            ("final-sangong-amount-missing", final_cell("vehicles_bought")),
        ]
    )
    assert {i.cell: i.message for i in issues} == {
        final_cell(
            "abroad_groups"
        ): "“因公出国（境）团组数（个）”为1，但因公出国（境）费决算为0；请核对本表或支出明细中该项的决算数",
        final_cell(
            "vehicles_bought"
        ): "“公务用车购置数（辆）”为1，但公务用车购置费决算为0；请核对本表或支出明细中该项的决算数",
    }


def test_next_years_final_takes_last_years_final_figures(tmp_path: Path) -> None:
    last = written(tmp_path, final_data())  # example 002 as the 2023 决算
    data = copy.deepcopy(example_data("002"))
    data[schema.SHEET_INFO].update({"预算年度": 2024, "落款日期": "2024-01-31"})
    budget = tmp_path / "2024预算.xlsx"
    write_workbook(budget, data, year=2024)
    target = tmp_path / "2024决算.xlsx"
    outcome = final_from_budget(budget, target, prior_final=last)
    last_book = run(last).final_prior_book
    assert last_book is not None and outcome.prior_rows == len(schema.FinalPriorKey)
    after = run(target).inputs
    assert after is not None
    assert [(r.key, r.prior, r.reason) for r in after.final_priors] == [
        (n.key, n.current, None) for n in last_book.needed
    ]
    with pytest.raises(PriorFinalError, match="是2024年的决算工作簿，上年决算应为2023年"):
        final_from_budget(budget, tmp_path / "x.xlsx", prior_final=target)
    with pytest.raises(PriorFinalError, match="不是决算工作簿"):
        final_from_budget(budget, tmp_path / "x.xlsx", prior_final=budget)


def test_a_budget_workbook_cannot_use_a_final_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(registry.ENV, raising=False)
    data = example_data("002")
    data[schema.SHEET_INFO]["格式"] = schema.FINAL_DEFAULT_FORMAT
    path = tmp_path / "预算.xlsx"
    write_workbook(path, data)
    assert [(i.code, i.message) for i in run(path).issues if i.is_error] == [
        (
            "format-document",
            "本工作簿是预算工作簿，格式“上海市普陀区部门决算公开（2024年度格式）”用于部门决算公开；"
            "请选择预算格式（决算工作簿由本年预算工作簿生成）",
        )
    ]


# --- 年初结转和结余 from last year's 年末 (final-from-budget --prior-final) ------------------------------------
# Last year: example 201, the 2024 决算 of 上海市普陀区财政局, kept in 元. Its 年末结转和结余 is 553400元 = 55.34万元
# (czj-2024-final.txt line 163, 收入支出决算总表) and 其中：年末财政拨款结转和结余 216300元 = 21.63万元 (line 297,
# 财政拨款收入支出决算总表). It published no 政府性基金/国有资本经营 carry-over, so `last_final` gives it some by hand,
# out of its 21.63万元 of 财政拨款 (年初 fund 13.00 of its 21.63, 年末 fund 10.00 + 国资 1.63 of its 21.63):
#   政府性基金预算   2120801 年初  80000元 年末 100000元 (10.00万元)
#   政府性基金预算   2120802 年初  50000元 年末      0元 (closed at 0: not carried)
#   国有资本经营预算 2230301 年初      0元 年末  16300元 (1.63万元)
# and in 决算情况 the sums of these rows: 年初政府性基金 130000, 年末政府性基金 100000, 年末国有资本经营 16300.
CARRY_SHEET = schema.SHEET_FINAL_CARRY
FUND, SOE = schema.FINAL_CARRY_FUNDS


def last_final(folder: Path, funds: bool = True, **facts: str) -> Path:
    """Example 201 as the 2024 决算 (元), with the fund rows above when `funds`."""
    data = copy.deepcopy(example_data("201"))
    if funds:
        data[FINAL].update(
            {LABEL["carry_in_fund"]: "130000", LABEL["carry_out_fund"]: "100000", LABEL["carry_out_soe"]: "16300"}
        )
        data[CARRY_SHEET] = [
            {"功能分类科目编码": "2120801", "资金性质": FUND, "年初结转和结余": "80000", "年末结转和结余": "100000"},
            {"功能分类科目编码": "2120802", "资金性质": FUND, "年初结转和结余": "50000", "年末结转和结余": "0"},
            {"功能分类科目编码": "2230301", "资金性质": SOE, "年初结转和结余": "0", "年末结转和结余": "16300"},
        ]
    data[FINAL].update({LABEL[k]: v for k, v in facts.items()})
    path = folder / "2024决算.xlsx"
    write_workbook(path, data, year=2024)
    assert not [i for i in run(path).issues if i.is_error]  # last year's data must pass check
    return path


LAST_UNIT = "上海市普陀区财政局"  # example 201's 单位全称 (czj-2024-final.txt line 1)


def budget_2025(folder: Path, yuan: bool = False, unit: str = LAST_UNIT) -> Path:
    """This year's budget of `unit` (by default the unit `last_final` is the 决算 of, as --prior-final requires):
    example 103 (a 2025 budget in 元), or example 002 moved to 2025 (万元), under that 单位全称 and 单位简称."""
    if yuan:
        data = copy.deepcopy(example_data("103"))
    else:
        data = copy.deepcopy(example_data("002"))
        data[schema.SHEET_INFO].update({"预算年度": 2025, "落款日期": "2025-01-31"})
    data[schema.SHEET_INFO].update({"单位全称": unit, "单位简称": unit})
    path = folder / f"2025预算{'元' if yuan else ''}.xlsx"
    write_workbook(path, data, year=2025)
    return path


def money(value: object) -> Decimal | None:
    """A money cell as written (openpyxl reads numbers back as int/float)."""
    return None if value is None else Decimal(str(value))


def carry_rows(path: Path) -> list[tuple[object, ...]]:
    ws = load_workbook(path)[CARRY_SHEET]
    return [
        (r[0].value, r[2].value, money(r[3].value), money(r[4].value)) for r in ws.iter_rows(min_row=2) if r[0].value
    ]


def opening(path: Path) -> list[Decimal | None]:
    """决算情况's 年初结转和结余, 其中财政拨款, 其中政府性基金, 其中国有资本经营, as written."""
    ws = load_workbook(path)[FINAL]
    return [money(ws[final_cell(k)].value) for k in ("carry_in", "carry_in_fiscal", "carry_in_fund", "carry_in_soe")]


def test_this_years_final_opens_with_last_years_closing_balances(tmp_path: Path) -> None:
    target = tmp_path / "2025决算.xlsx"
    outcome = final_from_budget(budget_2025(tmp_path), target, prior_final=last_final(tmp_path))
    assert opening(target) == [Decimal("55.34"), Decimal("21.63"), Decimal("10.00"), Decimal("1.63")]
    ws = load_workbook(target)[FINAL]
    # this year's own flows and closing balances are the officer's (0 until typed)
    for key in ("use_nonfiscal_balance", "balance_distribution", "carry_out", "carry_out_fiscal", "carry_out_fund"):
        assert ws[final_cell(key)].value == 0
    assert carry_rows(target) == [("2120801", FUND, Decimal("10.00"), None), ("2230301", SOE, Decimal("1.63"), None)]
    carried = [(w.sheet, w.cell) for w in outcome.warnings if w.code == "final-carried"]
    assert carried == [
        (FINAL, final_cell("carry_in")),
        (FINAL, final_cell("carry_in_fiscal")),
        (FINAL, final_cell("carry_in_fund")),
        (FINAL, final_cell("carry_in_soe")),
        (CARRY_SHEET, "D2"),
        (CARRY_SHEET, "D3"),
    ]
    book = load_workbook(target)
    for sheet, cell in carried:
        assert book[sheet][cell].fill.fgColor.rgb.endswith("FFF2CC") and book[sheet][cell].comment is not None
    assert all(book[CARRY_SHEET].cell(row, col).fill.fgColor.rgb.endswith("FFF2CC") for row in (2, 3) for col in (1, 5))
    # the 年末 cell of last year each 年初 came from: 201's 年末结转和结余 is the 5th 决算情况 field (B6)
    assert outcome.warnings[[w.code for w in outcome.warnings].index("final-carried")].message == (
        "已由2024年决算工作簿2024决算.xlsx的“年末结转和结余”（决算情况!B6）填入55.34万元：年初数即上年年末数，请核对"
    )
    assert "请在E2填写2025年年末结转和结余" in outcome.warnings[-3].message
    assert outcome.carried == {
        "carry_in": Decimal("55.34"),
        "carry_in_fiscal": Decimal("21.63"),
        "carry_in_fund": Decimal("10.00"),
        "carry_in_soe": Decimal("1.63"),
    }
    assert outcome.carry_rows == 2


def test_carried_balances_keep_a_yuan_workbooks_unit(tmp_path: Path) -> None:
    target = tmp_path / "2025决算.xlsx"
    final_from_budget(budget_2025(tmp_path, yuan=True), target, prior_final=last_final(tmp_path))
    assert opening(target) == [553400, 216300, 100000, 16300]
    assert carry_rows(target) == [("2120801", FUND, 100000, None), ("2230301", SOE, 16300, None)]
    after = run(target).inputs
    assert after is not None and after.final is not None
    assert (after.final.carry_in, after.final.carry_in_fiscal) == (Decimal("55.34"), Decimal("21.63"))


def test_a_yuan_balance_is_rounded_to_the_fen_of_a_wanyuan_workbook(tmp_path: Path) -> None:
    # 201 closing with 56元 more (553456元), balanced by 56元 more of 使用非财政拨款结余: 55.3456万元 → 55.35万元.
    last = last_final(tmp_path, funds=False, carry_out="553456", use_nonfiscal_balance="56")
    target = tmp_path / "2025决算.xlsx"
    outcome = final_from_budget(budget_2025(tmp_path), target, prior_final=last)
    assert opening(target)[0] == Decimal("55.35")
    [message] = [w.message for w in outcome.warnings if w.cell == final_cell("carry_in") and w.code == "final-carried"]
    assert "填入55.35万元（上年为553456.00元，按本工作簿的金额单位万元保留两位小数）" in message


def test_without_last_years_fund_sheet_only_the_final_facts_are_carried(tmp_path: Path) -> None:
    last = last_final(tmp_path, funds=False)
    book = load_workbook(last)
    del book[CARRY_SHEET]
    book.save(last)
    assert not [i for i in run(last).issues if i.is_error]  # an older 决算 workbook without the sheet
    target = tmp_path / "2025决算.xlsx"
    outcome = final_from_budget(budget_2025(tmp_path), target, prior_final=last)
    assert opening(target) == [Decimal("55.34"), Decimal("21.63"), 0, 0]
    assert carry_rows(target) == []
    # the fund parts were 0 last year: filled (0), not flagged
    assert [(w.sheet, w.cell) for w in outcome.warnings if w.code == "final-carried"] == [
        (FINAL, final_cell("carry_in")),
        (FINAL, final_cell("carry_in_fiscal")),
    ]
    assert outcome.carry_rows == 0 and set(outcome.carried) == {"carry_in", "carry_in_fiscal"}


# Another unit's 决算 as last year's: this budget is 上海市普陀区司法局's (a name written by hand), the prior 201 is
# 上海市普陀区财政局's; 单位全称 is 基本信息's first field, so it is in B2.
OTHER_UNIT = "上海市普陀区司法局"
OTHER_UNIT_REFUSAL = (
    "上年决算 2024决算.xlsx 的单位全称是“上海市普陀区财政局”，与本年预算工作簿的“上海市普陀区司法局”不同："
    "请给出本单位2024年的决算工作簿；如单位已更名，请在 2024决算.xlsx 的“基本信息”表B2把单位全称改为"
    "“上海市普陀区司法局”后再试"
)


def test_another_units_final_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    budget, last = budget_2025(tmp_path, unit=OTHER_UNIT), last_final(tmp_path)
    target = tmp_path / "2025决算.xlsx"
    with pytest.raises(PriorFinalError) as refused:
        final_from_budget(budget, target, prior_final=last)
    assert refused.value.message == OTHER_UNIT_REFUSAL
    assert not target.exists()
    # an existing target is left as it was
    target.write_bytes(b"earlier")
    with pytest.raises(PriorFinalError):
        final_from_budget(budget, target, prior_final=last)
    assert target.read_bytes() == b"earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2024决算.xlsx", "2025决算.xlsx", "2025预算.xlsx"]


def test_the_cli_says_why_another_units_final_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "2025决算.xlsx"
    budget, last = budget_2025(tmp_path, unit=OTHER_UNIT), last_final(tmp_path)
    assert main(["final-from-budget", str(budget), str(target), "--prior-final", str(last)]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == OTHER_UNIT_REFUSAL and "Traceback" not in captured.err
    assert not target.exists()


def test_a_name_differing_only_in_whitespace_is_the_same_unit(tmp_path: Path) -> None:
    target = tmp_path / "2025决算.xlsx"
    budget = budget_2025(tmp_path, unit="上海市普陀区　财政局 ")  # a full-width space inside, a space after
    outcome = final_from_budget(budget, target, prior_final=last_final(tmp_path))
    assert outcome.prior_rows == len(schema.FinalPriorKey) and outcome.carried["carry_in"] == Decimal("55.34")


def test_the_carried_workbook_passes_check_once_the_officer_fills_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The officer's year: every current-year line spent as budgeted, the lines budgeted from carry-overs not
    spent at all (决算数 0), income = the current-year spending by 科目; so the year closes with what it opened
    with: 年末 55.34 (财政拨款 21.63, 政府性基金 10.00 on 2120801, 国有资本经营 1.63 on 2230301)."""
    target = tmp_path / "2025决算.xlsx"
    assert (
        main(["final-from-budget", str(budget_2025(tmp_path)), str(target), "--prior-final", str(last_final(tmp_path))])
        == 0
    )
    out = capsys.readouterr().out
    assert (
        "“决算情况”的年初数已由上年决算工作簿的年末数填入（标黄待复核）：年初结转和结余55.34万元，"
        "年初财政拨款结转和结余21.63万元，年初政府性基金预算财政拨款结转和结余10.00万元，"
        "年初国有资本经营预算财政拨款结转和结余1.63万元。"
    ) in out
    assert "“基金结转和结余”已按上年年末数填入2行年初结转和结余（标黄待复核），请逐行填写年末结转和结余。" in out
    book = load_workbook(target)
    items, income_ws, final_ws = book[ITEMS], book[INCOME], book[FINAL]
    col = {c.key: schema.column_letter(ITEMS, c.key) for c in schema.ITEM_COLUMNS}
    carried_sources = {s.value for s in L.CARRY | L.NONFISCAL}
    income: dict[tuple[str, str], Decimal] = {}
    for row in range(2, items.max_row + 1):
        code = items[f"{col['func_code']}{row}"].value
        if not code:
            continue
        source, amount = items[f"{col['source']}{row}"].value, Decimal(str(items[f"{col['amount']}{row}"].value))
        spent = Decimal(0) if source in carried_sources else amount
        items[f"{col['final']}{row}"].value = spent
        if spent:
            kind = "财政拨款收入" if source in FISCAL else "其他收入"
            income[(str(code), kind)] = income.get((str(code), kind), Decimal(0)) + spent
    income_ws.delete_rows(2, income_ws.max_row)
    for n, ((code, kind), amount) in enumerate(sorted(income.items())):
        income_ws[f"A{n + 2}"], income_ws[f"C{n + 2}"], income_ws[f"D{n + 2}"] = code, kind, amount
    for key, value in (
        ("carry_out", "55.34"),
        ("carry_out_fiscal", "21.63"),
        ("carry_out_fund", "10.00"),
        ("carry_out_soe", "1.63"),
    ):
        final_ws[final_cell(key)] = Decimal(value)
    book[CARRY_SHEET]["E2"], book[CARRY_SHEET]["E3"] = Decimal("10.00"), Decimal("1.63")
    book.save(target)
    issues = run(target).issues
    balance = {"final-unbalanced", "final-fiscal-unbalanced", "final-carry-sum", "final-part-over-whole"}
    assert not [i for i in issues if i.code in balance]
    # What is left is the officer's writing: the comparisons with the budget (rows prepare lists) and with last
    # year's 决算 (rows filled by --prior-final), each with its reason.
    assert {(i.code, i.sheet) for i in issues if i.is_error} == {
        ("final-row-missing", schema.SHEET_FINAL_REASONS),
        ("reason-missing", schema.SHEET_FINAL_PRIOR),
    }
    assert main(["prepare", str(target)]) == 0
    book = load_workbook(target)
    for sheet in (schema.SHEET_FINAL_REASONS, schema.SHEET_FINAL_PRIOR):
        ws = book[sheet]
        for row in range(2, ws.max_row + 1):
            if ws[f"A{row}"].value:
                ws[f"{schema.column_letter(sheet, 'reason')}{row}"] = "按实际执行"
    book.save(target)
    capsys.readouterr()
    assert main(["check", str(target)]) == 0, capsys.readouterr()
