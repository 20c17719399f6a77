"""Property tests: any valid set of line items yields a disclosure obeying rules.md §3."""

from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import formatting as fmt
from generator.catalog import load_catalog
from generator.compute import compute_disclosure
from generator.model import Disclosure, Table
from generator.workbook.schema import BUDGET_SPENDING_KINDS, FundSource, SpendingKind
from tests.factories import item, make_inputs, project

CATALOG = load_catalog(2023)
FUNC_CODES = [
    "2010301",
    "2010302",
    "2010350",
    "2011301",
    "2080501",
    "2080505",
    "2101101",
    "2150517",
    "2210201",
    "2299999",
]
ECON_CODES = ["30101", "30108", "30201", "30212", "30217", "30231", "30227", "30301", "31002", "31013", "39999"]
PROJECTS = ["项目甲", "R&D <项目乙>", "项目丙"]
GPB = {FundSource.GPB_LOCAL, FundSource.GPB_TRANSFER}
# 财政拨款 of a project (rules.md §2): current-year 一般公共预算, 政府性基金, 国有资本经营 and their carry-over
FISCAL = GPB | {
    FundSource.FUND_LOCAL,
    FundSource.FUND_TRANSFER,
    FundSource.SOE_LOCAL,
    FundSource.SOE_TRANSFER,
    FundSource.CARRY_GPB,
    FundSource.CARRY_FUND,
    FundSource.CARRY_SOE,
}
ZERO = Decimal("0.00")

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@st.composite
def line_items(draw: st.DrawFn) -> list:
    n = draw(st.integers(min_value=1, max_value=25))
    out = []
    for row in range(2, n + 2):
        kind = draw(st.sampled_from(BUDGET_SPENDING_KINDS))  # a 预算 workbook's (the 决算's own are refused there)
        out.append(
            item(
                func=draw(st.sampled_from(FUNC_CODES)),
                econ=draw(st.sampled_from(ECON_CODES)),
                amount=draw(amounts),
                kind=kind,
                source=draw(st.sampled_from(list(FundSource))),
                project=draw(st.sampled_from(PROJECTS)) if kind is SpendingKind.PROJECT else None,
                row=row,
            )
        )
    return out


def disclosure_for(items: list) -> Disclosure:
    names = sorted({i.project for i in items if i.project})
    inputs = make_inputs(items, projects=[project(n, row=k + 2) for k, n in enumerate(names)])
    d, _issues, _book = compute_disclosure(inputs, CATALOG)
    return d


def amounts_of(cells: list) -> list[Decimal]:
    return [c if isinstance(c, Decimal) else ZERO for c in cells]


def code_of(row) -> str:
    return "".join(str(c) for c in row.cells[:3])


def check_tree(t: Table, first_amount: int) -> None:
    """类 = Σ 款, 款 = Σ 项, 合计 = Σ 类, column by column (R1, R2)."""
    rows = [r for r in t.rows if r.style in ("class", "kuan", "item")]
    total = next(r for r in t.rows if r.style == "total")
    for parent_style, child_style, width in (("class", "kuan", 3), ("kuan", "item", 5)):
        for p in (r for r in rows if r.style == parent_style):
            kids = [r for r in rows if r.style == child_style and code_of(r)[:width] == code_of(p)]
            sums = [sum(col, ZERO) for col in zip(*(amounts_of(k.cells[first_amount:]) for k in kids), strict=True)]
            assert amounts_of(p.cells[first_amount:]) == sums, (t.number, code_of(p))
    classes = [amounts_of(r.cells[first_amount:]) for r in rows if r.style == "class"]
    sums = [sum(col, ZERO) for col in zip(*classes, strict=True)] if classes else None
    if sums is not None:
        assert amounts_of(total.cells[first_amount:]) == sums


def check_kind_split(t: Table) -> None:
    for r in t.rows:
        if r.style != "blank":
            a = amounts_of(r.cells[4:7])
            assert a[0] == a[1] + a[2], (t.number, r.cells)  # 合计 = 基本 + 项目


def column(t: Table, code: str, col: int) -> Decimal:
    for r in t.rows:
        if r.style in ("class", "kuan", "item") and code_of(r) == code:
            return amounts_of([r.cells[col]])[0]
    return ZERO


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(line_items())
def test_table_arithmetic(items: list) -> None:
    d = disclosure_for(items)
    t = {x.number: x for x in d.tables}
    for n in (2, 3, 5, 8, 9):
        if t[n].empty_note is None:
            check_tree(t[n], 4)
    for n in (3, 5, 8, 9):
        check_kind_split(t[n])
    for r in t[2].rows:  # 总计 = 小计 + other sources; 小计 = Σ its six sub-columns
        a = amounts_of(r.cells[4:])
        assert a[0] == a[1] + sum(a[8:], ZERO)
        assert a[1] == sum(a[2:8], ZERO)
    for r in t[6].rows:
        a = amounts_of(r.cells[3:6])
        assert a[0] == a[1] + a[2]  # 合计 = 人员 + 公用
    for r in t[7].rows:
        if r.style != "blank":
            a = amounts_of(r.cells[5:])
            assert a[0] == sum(a[1:], ZERO)  # 项目支出合计 = Σ 经济分类
    t7_total = next(r for r in t[7].rows if r.style == "total")
    projects = [amounts_of(r.cells[5:]) for r in t[7].rows if r.style == "project"]
    assert amounts_of(t7_total.cells[5:]) == [sum(c, ZERO) for c in zip(*projects, strict=True)] or not projects
    rows10 = {r.cells[0]: amounts_of(r.cells[1:]) for r in t[10].rows}
    cars = rows10["公务用车购置及运行费\n（小计）"]
    for c in range(4):
        assert rows10["合计"][c] == rows10["因公出国（境）费"][c] + rows10["公务接待费"][c] + cars[c]
        assert cars[c] == rows10["其中：公务用车购置费"][c] + rows10["公务用车运行费"][c]
        assert rows10["合计"][0] == sum(rows10["合计"][1:], ZERO)


@SETTINGS
@given(line_items())
def test_cross_table(items: list) -> None:
    d = disclosure_for(items)
    t = {x.number: x for x in d.tables}
    t1_income = {r.cells[0]: amounts_of([r.cells[1]])[0] for r in t[1].rows if r.style == "label" and r.cells[0]}
    t1_total = next(r for r in t[1].rows if r.style == "total")
    assert t1_total.cells[1] == t1_total.cells[3]  # 收入总计 = 支出总计
    one = t1_income
    assert one["一、本年收入"] == sum(
        (
            one[k]
            for k in ("1.一般公共预算拨款", "2.基金预算拨款", "3.国有资本经营预算拨款", "4.财政专户核拨", "5.单位资金")
        ),
        ZERO,
    )
    assert one["1.一般公共预算拨款"] == one["其中：一般财力"] + one["上级一般公共预算安排转移支付"]
    assert one["二、上年结转结余"] == one["1.财政拨款结转"] + one["2.非财政拨款结转结余"]
    assert t1_total.cells[1] == one["一、本年收入"] + one["二、上年结转结余"]
    t2_total = amounts_of(next(r for r in t[2].rows if r.style == "total").cells[4:])
    assert t2_total[2] == one["其中：一般财力"]
    assert t2_total[3] == one["上级一般公共预算安排转移支付"]
    assert t2_total[8] == one["4.财政专户核拨"]
    assert t2_total[9] == one["5.单位资金"]
    assert t2_total[10] == one["1.财政拨款结转"]
    assert t2_total[11] == one["2.非财政拨款结转结余"]
    # 表1 支出 by 类 = 表3 by 类
    for r in t[1].rows:
        if r.style == "label" and r.cells[2]:
            code = str(r.cells[2])[:3]
            assert amounts_of([r.cells[3]])[0] == column(t[3], code, 4)
    # 表4 一般公共预算 column = 表5; 表5 基本 = 表6 合计; 表5 项目 = 表7 合计, also per 项
    t4_total = amounts_of(next(r for r in t[4].rows if r.style == "total").cells[3:])
    t5_total = amounts_of(next(r for r in t[5].rows if r.style == "total").cells[4:])
    assert t4_total[1] == t5_total[0]
    assert amounts_of([next(r for r in t[6].rows if r.style == "total").cells[3]])[0] == t5_total[1]
    assert amounts_of([next(r for r in t[7].rows if r.style == "total").cells[5]])[0] == t5_total[2]
    for r in t[5].rows:
        if r.style == "item":
            per_code = sum(
                (amounts_of([p.cells[5]])[0] for p in t[7].rows if p.style == "project" and code_of(p) == code_of(r)),
                ZERO,
            )
            assert per_code == amounts_of([r.cells[6]])[0]
    # 表8/表9 = 表4's fund columns; empty note only on empty tables
    for n, col in ((8, 2), (9, 3)):
        total = amounts_of(next(r for r in t[n].rows if r.style == "total").cells[4:5])[0]
        assert total == t4_total[col]
        assert (t[n].empty_note is not None) == (t4_total[col] == 0)


@SETTINGS
@given(line_items())
def test_narrative_matches_tables(items: list) -> None:
    d = disclosure_for(items)
    t = {x.number: x for x in d.tables}
    s = d.sections
    t1_total = next(r for r in t[1].rows if r.style == "total").cells[1]
    assert f"收支总预算{fmt.amount(t1_total)}万元" in s[0].paragraphs[0].text
    t5_rows = [r for r in t[5].rows if r.style == "item"]
    usage = s[4].subsections[2].paragraphs
    if t5_rows:
        assert len(usage) == len(t5_rows)  # 五（三）: each 表5 项 exactly once
        for r, p in zip(t5_rows, usage, strict=True):
            assert f"{r.cells[3]}（项）：2023年预算数为{fmt.amount(r.cells[4])}万元" in p.text
    for r, p in zip((r for r in t[5].rows if r.style == "class"), s[4].subsections[1].paragraphs, strict=False):
        assert f"{r.cells[3]}（类）{fmt.amount(r.cells[4])}万元" in p.text  # 五（二）
    # 七 and the 绩效目标表 name the 表7 projects with the same amounts
    t7 = [(r.cells[4], r.cells[5]) for r in t[7].rows if r.style == "project"]
    seven = [p.text for p in s[6].paragraphs]
    for name in dict.fromkeys(n for n, _ in t7):
        at = next(k for k, line in enumerate(seven) if re.fullmatch(rf"\d+\.项目名称：{re.escape(name)}", line))
        total = sum((a for n, a in t7 if n == name), ZERO)  # a project may span several 项 rows
        scale = seven[at + 2]
        assert (
            scale == f"预算安排规模：{fmt.amount(total)}万元" or f"其中当年一般公共预算{fmt.amount(total)}万元" in scale
        )
    perf = {p.project for p in d.performance_tables}
    assert {n for n, _ in t7} <= perf
    # 三公 sentence = 表10
    sangong = next(r for r in t[10].rows if r.cells[0] == "合计")
    assert f"“三公”经费数为{fmt.amount(amounts_of([sangong.cells[1]])[0])}万元" in s[9].paragraphs[0].text
    # 目录 equals the body headings
    toc = [e.text for e in d.toc]
    assert all(sec.heading in toc for sec in s)


@SETTINGS
@given(line_items())
def test_one_project_one_figure(items: list) -> None:
    """A project's amount agrees across 表7, 七 and its 绩效目标表; 十一（四） counts every project.

    rules.md §2 (corrected, issue 18 §1): 其中：财政拨款 = current-year 财政拨款 + 财政拨款结转; 表7 and 七 keep
    the current-year 一般公共预算 part."""
    d = disclosure_for(items)
    t = {x.number: x for x in d.tables}
    t7: dict[str, Decimal] = {}
    for r in t[7].rows:
        if r.style == "project":
            t7[r.cells[4]] = t7.get(r.cells[4], ZERO) + r.cells[5]
    perf = {p.project: p for p in d.performance_tables}
    seven = [p.text for p in d.sections[6].paragraphs]
    mine = {name: [i for i in items if i.project == name and i.kind is SpendingKind.PROJECT] for name in PROJECTS}
    fiscal = {name: sum((i.amount for i in m if i.source in FISCAL), ZERO) for name, m in mine.items() if m}
    other = {name: sum((i.amount for i in m if i.source not in FISCAL), ZERO) for name, m in mine.items() if m}
    for name, amount in t7.items():
        table = perf[name]
        assert table.total == table.fiscal + table.other
        assert (table.fiscal, table.other) == (fiscal[name], other[name])
        assert sum((i.amount for i in mine[name] if i.source in GPB), ZERO) == amount  # 表7 = 一般公共预算 part
        at = next(k for k, line in enumerate(seven) if line.endswith(f"项目名称：{name}"))
        scale = seven[at + 2]
        if all(i.source in GPB for i in mine[name]):
            assert scale == f"预算安排规模：{fmt.amount(amount)}万元"
        else:
            assert scale.startswith(
                f"预算安排规模：{fmt.amount(table.total)}万元，其中当年一般公共预算{fmt.amount(amount)}万元"
            )
    # 十一（四）: n/X over projects with any 财政拨款, m = the rest, Y = all 其他资金; X + Y = 表3 项目支出
    n = sum(1 for a in fiscal.values() if a != 0)
    x = sum(fiscal.values(), ZERO)
    y = sum(other.values(), ZERO)
    t3_project = next(r for r in t[3].rows if r.style == "total").cells[6]
    assert x + y == amounts_of([t3_project])[0]
    assert {p.project: (p.fiscal, p.other) for p in perf.values()} == {k: (fiscal[k], other[k]) for k in fiscal}
    summary = d.sections[10].subsections[3].paragraphs[0].text
    if fiscal:
        assert (
            f"财政拨款项目{n}个，涉及预算金额{fmt.amount(x)}万元；非财政拨款项目{len(fiscal) - n}个，"
            f"涉及预算金额{fmt.amount(y)}万元。各项目绩效目标详见下表。" in summary
        )


@SETTINGS
@given(line_items())
def test_no_placeholders_or_other_years(items: list) -> None:
    d = disclosure_for(items)
    body = "\n".join(
        [p.text for sec in d.sections for p in sec.paragraphs]
        + [p.text for sec in d.sections for sub in sec.subsections for p in sub.paragraphs]
    )
    assert "增加（减少）" not in body
    assert not re.search(r"主要原因是[：:]?[；。，]", body)
    assert set(re.findall(r"(\d{4})年", body)) <= {"2022", "2023"}
    assert "增长100.00%" not in body  # never a rate on a zero base
    assert "None" not in body


@SETTINGS
@given(st.decimals(min_value=0, max_value=10**6, places=2), st.decimals(min_value=0, max_value=10**6, places=2))
def test_change_wording(current: Decimal, prior: Decimal) -> None:
    from generator.compute.comparisons import Comparison
    from generator.compute.wording import change_phrase

    phrase = change_phrase(Comparison("k", current, prior, "原因"), 2022, 2023, "某项")
    if current == prior == 0:
        assert phrase == "2022年与2023年均未安排某项"
    elif current == prior:
        assert phrase == "与上年预算持平"
    elif prior == 0:
        assert phrase == "上年无此项"  # no rate on a zero base; the amount is already in the sentence
    elif current > prior:
        assert phrase.startswith("比上年预算增加") and "增长" in phrase and "下降" not in phrase
    else:
        assert phrase.startswith("比上年预算减少") and "下降" in phrase and "增长" not in phrase
