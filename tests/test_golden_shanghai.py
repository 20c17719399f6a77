"""Golden test of example 101 (上海市普陀区司法局 2026 部门预算, format shanghai-putuo): every heading, table title
and figure of our DOCX and PDF against the real document, ../shared/reference/shanghai/sfj-2026-dept.txt
("行N" below is its line). Where the document contradicts itself, the comment says which figure we keep and why."""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
import pypdf
import pytest
from docx.enum.section import WD_ORIENT

from generator.pipeline import run
from generator.prepare import prepare
from generator.render.office import soffice
from generator.workbook import schema
from generator.workbook.template import write_workbook
from tests.conftest import example_data
from tests.golden import Built, assert_all_in, built_example

# 行7–22: the 目录, which is also each heading of our body (行23/64 print “上海市普陀区司法局主要职能/机构设置”
# as the body headings instead: a 目录 entry differing from its heading, which ours cannot have).
PART_HEADINGS = [
    "一、部门主要职能",
    "二、部门机构设置",
    "三、名词解释",
    "四、部门预算编制说明",
    "五、部门预算表",
    "六、其他相关情况说明",
    "七、项目经费情况说明",
]
TABLE_TITLES = [  # 行138, 155, 198, 227, 241, 274, 288, 302, 341 (and 行12–20)
    "2026年部门财务收支预算总表",
    "2026年部门收入预算总表",
    "2026年部门支出预算总表",
    "2026年部门财政拨款收支预算总表",
    "2026年部门一般公共预算支出功能分类预算表",
    "2026年部门政府性基金预算支出功能分类预算表",
    "2026年部门国有资本经营预算支出功能分类预算表",
    "2026年部门一般公共预算基本支出部门预算经济分类预算表",
    "2026年部门“三公”经费和机关运行经费预算表",
]
TOC_TABLES = [  # 行12–20, numbered as printed
    "1. 2026年部门财务收支预算总表",
    "2. 2026年部门收入预算总表",
    "3. 2026年部门支出预算总表",
    "4．2026年部门财政拨款收支预算总表",
    "5．2026年部门一般公共预算支出功能分类预算表",
    "6．2026年部门政府性基金预算支出功能分类预算表",
    "7．2026年部门国有资本经营预算支出功能分类预算表",
    "8．2026年部门一般公共预算基本支出部门预算经济分类预算表",
    "9．2026年部门“三公”经费和机关运行经费预算表",
]
# Table cells in 元 as 表1/表4 print them (行143–154, 232–240); 表2/3/5/8 print the same without separators.
YUAN = [
    "96,282,213.44",  # 收入/支出总计, 财政拨款收入, 一般公共预算 (行143, 144, 154, 240)
    "87,267,272.44",  # 公共安全支出 (行143, 205)
    "3,343,704.00",  # 社会保障和就业支出 (行144)
    "1,149,678.00",  # 卫生健康支出 (行145)
    "4,521,559.00",  # 住房保障支出 (行146)
    "16,726,725.44",  # 行政运行 (行168, 207)
    "21,703,947.00",  # 基层司法业务 (行170)
    "1,242,900.00",  # 普法宣传 (行172)
    "6,860,000.00",  # 公共法律服务 (行174)
    "2,278,800.00",  # 信息化建设 (行176)
    "38,454,900.00",  # 其他司法支出 (行178)
    "578,040.00",  # 行政单位离退休 (行184)
    "1,839,485.00",  # 基本养老保险缴费 (行186)
    "919,739.00",  # 职业年金缴费 (行188)
    "6,440.00",  # 其他行政事业单位养老支出 (行189)
    "2,087,959.00",  # 住房公积金 (行195)
    "2,433,600.00",  # 购房补贴 (行196)
    "25,741,666.44",  # 基本支出合计 (行226, 273, 340)
    "70,540,547.00",  # 项目支出合计 (行205, 226)
    "23,084,662.00",  # 工资福利支出 (行309)
    "2,892,504.00",  # 基本工资 (行311)
    "12,971,818.00",  # 津贴补贴 (行312)
    "29,881.00",  # 其他社会保障缴费 (行316)
    "1,193,598.00",  # 其他工资福利支出 (行318)
    "2,141,724.44",  # 商品和服务支出 (行319)
    "265,974.44",  # 工会经费 (行332)
    "699,435.00",  # 其他商品和服务支出 (行335)
    "478,680.00",  # 退休费 (行336–337)
    "36,600.00",  # 办公设备购置 (行338–339)
    "23,563,342.00",  # 人员经费合计 (行340)
    "2,178,324.44",  # 公用经费合计 (行340)
]
EMPTY_NOTES = [  # 行287, 301
    "注:本部门2026年无政府性基金预算财政拨款安排的预算，故本表为空表。",
    "注:本部门2026年无国有资本经营预算财政拨款安排的预算，故本表为空表。",
]
# 表9 (行353), 万元: 10.81 0 0.83 9.98 0 9.98 217.83. The document's 合计 10.81 is 0.83 + 9.98, the sum of two
# rounded figures; 表8's 公务接待费 8,265 元 and 公务用车运行维护费 99,750 元 (行329, 333) sum to 10.8015万元, which we
# print as 10.80 in the table (10.8 in sentences; sums are exact, rounding is for display only).
TABLE9 = ["10.80", "0", "0.83", "9.98", "0", "9.98", "217.83"]
SENTENCES = [
    # 四 (行91–95): the document writes “比2026年预算” in a 2026 budget; the base year is 2025 (行99, 357).
    "2026年，上海市普陀区司法局收入预算9628.22万元，其中：财政拨款收入9628.22万元，比2025年预算增加793.14万元；"
    "事业收入0万元；事业单位经营收入0万元；其他收入0万元。",
    "支出预算9628.22万元，其中：财政拨款支出预算9628.22万元，比2025年预算增加793.14万元。财政拨款支出预算中，"
    "一般公共预算拨款支出预算9628.22万元，比2025年预算增加793.14万元；政府性基金拨款支出预算0万元，与2025年预算"
    "持平；国有资本经营预算拨款支出预算0万元，与2025年预算持平。",
    "财政拨款收入支出增加的主要原因是工作量增加。",  # 行96
    "财政拨款支出主要内容如下：",  # 行97
    # 行99–137: each 项. The document compares them with 2025 执行数 while 行91–95 compare with 2025 预算 (one
    # paragraph, two bases); ours has one base, so the workbook holds the printed 2025 figures as 上年预算数.
    "1、公共安全支出（204类）司法（06款）行政运行（01项）1672.67万元。主要用于：行政单位的基本支出。",
    "2025年预算数为1690.69万元，2026年预算安排1672.67万元，比2025年预算减少1.07%。主要原因是：部分人员退休。",
    "2、公共安全支出（204类）司法（06款）基层司法业务（04项）2170.39万元。",
    "比2025年预算增加0.97%。主要原因是：业务量增加。",
    "3、公共安全支出（204类）司法（06款）普法宣传（05项）124.29万元。主要用于：法制宣传工作支出。",
    "比2025年预算增加4.92%。",
    "4、公共安全支出（204类）司法（06款）公共法律服务（07项）686万元。",
    "比2025年预算增加1.01%。",
    "5、公共安全支出（204类）司法（06款）信息化建设（13项）227.88万元。",
    "2025年预算数为60.41万元，2026年预算安排227.88万元，比2025年预算增加277.22%。",
    # 行115 prints the 2025 figure as 43269.3; its rate 17.62% fits 3269.3 (a stray digit), which we keep.
    "6、公共安全支出（204类）司法（06款）其他司法支出（99项）3845.49万元。",
    "2025年预算数为3269.3万元，2026年预算安排3845.49万元，比2025年预算增加17.62%。",
    "7、社会保障和就业支出（208类）行政事业单位养老支出（05款）行政单位离退休（01项）57.8万元。",
    "比2025年预算减少2.21%。主要原因是：退休实有人数减少。",
    "比2025年预算增加17.66%。主要原因是：养老保险支出增加。",  # 行121
    # 行124 repeats 行121's 17.66% for 职业年金; 77.99 → 91.97 is 17.93%, which we print.
    "2025年预算数为77.99万元，2026年预算安排91.97万元，比2025年预算增加17.93%。",
    # 行128: 0.50 → 0.64 “28%” is the rate of the rounded figures; 5,000 → 6,440 元 is 28.8%, which we print.
    "其他行政事业单位养老支出（99项）0.64万元。",
    "2025年预算数为0.5万元，2026年预算安排0.64万元，比2025年预算增加28.8%。",
    "行政单位医疗（01项）114.97万元。",
    "比2025年预算增加93.45%。",
    # 行133–134: 住房公积金 208.8万元 and then “预算安排201.50万元”; 表2–5 (行195) say 2,087,959 元 = 208.8万元,
    # and the printed rate 5.27% fits 208.8, so we keep 208.8.
    "住房公积金（01项）208.8万元。",
    "2025年预算数为198.34万元，2026年预算安排208.8万元，比2025年预算增加5.27%。",
    "购房补贴（03项）243.36万元。主要用于：发放购房补贴。",
    "比2025年预算增加0.66%。",
    # 六 (行356–378). 行357 “比2025年预算持平” is worded “与2025年预算持平” as the official template has it.
    "一、2026年“三公”经费预算情况说明",
    "2026年“三公”经费预算数为10.8万元，与2025年预算持平。其中：",
    "（一）因公出国（境）费0万元，与2025年预算持平，主要原因是因公出国（境）无变化。",
    "（二）公务用车购置及运行费9.98万元，与2025年预算持平。其中：公务用车购置费0万元，与2025年预算持平，"
    "主要原因是无公车购置计划；公务用车运行费9.98万元，与2025年预算持平，主要原因是公务车用车运行无变化。",
    "（三）公务接待费0.83万元，与2025年预算持平，主要原因是公务接待无变化。",
    "二、机关运行经费预算",
    "2026年上海市普陀区司法局下属1家机关和1家参公事业单位财政拨款的机关运行经费预算为217.83万元。",
    "三、政府采购预算情况",
    "2026年本部门政府采购预算1486.42万元，其中：政府采购货物预算3.66万元、政府采购工程预算36.44万元、"
    "政府采购服务预算1446.32万元。",
    "2026年本部门面向中小企业预留政府采购项目预算金额1486.42万元，其中，预留给小型和微型企业的政府采购项目预算为"
    "1486.42万元。",
    "四、绩效目标设置情况",
    "按照本区预算绩效管理工作的总体要求，本部门2个预算单位开展了2026年项目预算绩效目标编报工作，编报绩效目标的"
    "项目20个，涉及项目预算资金7054.05万元。",
    "五、国有资产占有使用情况",
    "截至2025年8月31日，上海市普陀区司法局共有车辆3辆，其中：部级领导干部用车0辆、主要领导干部用车0辆、机要通信"
    "用车0辆、应急保障用车0辆、执法执勤用车3辆、特种专业技术用车0辆、离退休干部用车0辆、其他用车0辆；单价100万元"
    "（含）以上设备（不含车辆）0台（套）。",
    "2026年部门预算安排购置车辆0辆，其中：部级领导干部用车0辆、主要领导干部用车0辆、机要通信用车0辆、应急保障用车"
    "0辆、执法执勤用车0辆、特种专业技术用车0辆、离退休干部用车0辆、其他用车0辆；部门预算安排购置单价100万元（含）"
    "以上设备（不含车辆）0台（套）。",
    # 七 (行379–403). 行398's 实施周期 2025年1月1日-2025年12月31日 in a 2026 budget is an error at its cell in ours
    # (tests/test_shanghai_defects.py); the workbook holds 2026.
    "人民调解项目经费情况说明",
    "一、项目概述",
    "人民调解承担着化解社会矛盾、维护社会稳定的责任",
    "二、立项依据",
    "（沪司发〔2018〕86号）。",
    "三、实施主体",
    "四、实施方案",
    "4.开展“人民调解协议书检查”、优秀调解案例”活动。",
    "五、实施周期",
    # ... and its ASCII hyphen as a range mark is a warning (issue 18 §2): the officer writes 至
    "2026年1月1日至2026年12月31日",
    "六、年度预算安排",
    "795万元",
    "七、绩效目标",
    "从而推动人民调解工作规范化、专业化、社会化发展。",
    # 一、二、三 (行25–88): 行53–63 repeat 职能（六）–（十）, which we print once.
    "上海市普陀区司法局是主管本区司法和法制工作的区政府工作部门，主要职责是：",
    "（十）完成区委、区政府交办的其他任务。",
    "上海市普陀区司法局部门预算是包括区司法局本部以及下属1家预算单位的综合收支计划。",
    "（八）机关运行经费：指行政单位和参照公务员法管理的事业单位使用一般公共预算财政拨款安排的基本支出中的日常公用经费支出。",  # 行88
    "（一）财政拨款收入：是区级预算主管部门及所属预算单位本年度从本级财政部门取得的财政拨款",  # 行73
]


built = built_example("101", "sfj")  # no warning


def test_toc_and_headings(built: Built) -> None:
    d = built.disclosure
    assert [e.text for e in d.toc] == [*PART_HEADINGS[:5], *TOC_TABLES, *PART_HEADINGS[5:]]
    assert built.paragraphs("Heading 1") == PART_HEADINGS
    assert d.title == "上海市普陀区2026年区级部门预算"  # 行1
    assert (d.cover_above, d.cover_below) == ("", "预算主管部门：上海市普陀区司法局")  # 行3
    assert built.paragraphs()[:3] == ["上海市普陀区2026年区级部门预算", "预算主管部门：上海市普陀区司法局", "目 录"]
    assert d.file_stem == "上海市普陀区司法局2026年部门预算"
    assert [t.title for t in d.tables] == TABLE_TITLES
    assert [t.unit_line for t in d.tables] == ["编制部门：上海市普陀区司法局"] * 9  # 行139 …
    assert [t.numbers.unit for t in d.tables] == ["元"] * 8 + ["万元"]  # 行139–342 单位：元 … 单位:万元
    # 四's paragraphs as 行91–97 break them: income, spending, the reason, the list's lead, then 13 items
    budget = [p.text for p in d.sections[0].paragraphs]
    leads = (
        "2026年，上海市普陀区司法局收入预算",
        "支出预算9628.22万元",
        "财政拨款收入支出增加的",
        "财政拨款支出主要内容如下",
    )
    assert all(t.startswith(lead) for t, lead in zip(budget, leads, strict=False))
    assert len(budget) == 4 + 13


# `pdfinfo -f 1 -l 30 sfj-2026-dept.pdf`: all 23 pages are 842 × 595 pt (A4 landscape); format.yaml
# `orientation: landscape` makes ours so too, cover and 目录 included, in the PDF and in every DOCX section.
A4_LANDSCAPE_PT = (841.89, 595.28)


def test_every_page_is_landscape_like_the_real_document(built: Built) -> None:
    reader = pypdf.PdfReader(str(built.pdf_path))
    sizes = {(round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) for p in reader.pages}
    assert sizes == {A4_LANDSCAPE_PT}
    sections = built.document.sections
    assert {(s.orientation, round(s.page_width.cm, 1), round(s.page_height.cm, 1)) for s in sections} == {
        (WD_ORIENT.LANDSCAPE, 29.7, 21.0)
    }


def test_docx_has_every_figure_title_and_sentence(built: Built) -> None:
    assert_all_in([*PART_HEADINGS, *TABLE_TITLES, *TOC_TABLES, *EMPTY_NOTES, *SENTENCES], built.docx_compact)
    for value in YUAN:
        assert value in built.docx_cells, value
    assert [c.text for c in built.tables[8].rows[-1].cells] == TABLE9


def test_pdf_has_every_figure_title_and_sentence(built: Built) -> None:
    whole = built.pdf_compact
    assert_all_in([*PART_HEADINGS, *TABLE_TITLES, *TOC_TABLES, *EMPTY_NOTES, *SENTENCES], whole)
    for value in YUAN:
        assert value in whole, value
    assert " ".join(TABLE9) in built.pdf_text


def test_prepare_asks_only_for_rows_this_format_needs(tmp_path: Path) -> None:
    """The 上年对比 rows of the three funds' 本级/上级 income (0 here) are added; no 类用途说明 rows, whose
    “主要用于” by 类 this format does not print (it says 主要用于 per 项, in 上年对比)."""
    workbook = tmp_path / "101.xlsx"
    write_workbook(workbook, example_data("101"))
    assert prepare(workbook) == 0
    book = openpyxl.load_workbook(workbook)
    assert not [r for r in book[schema.SHEET_USES].iter_rows(min_row=2, max_col=1, values_only=True) if r[0]]
    keys = [r[0] for r in book[schema.SHEET_PRIOR].iter_rows(min_row=2, values_only=True) if r[0]]
    assert keys[-5:] == [
        "收入：上级一般公共预算安排的转移支付",
        "收入：政府性基金预算",
        "收入：上级政府性基金安排的转移支付",
        "收入：国有资本经营预算",
        "收入：上级国有资本经营预算安排的转移支付",
    ]


def test_missing_use_or_plan_is_an_error_at_its_cell(tmp_path: Path) -> None:
    data = example_data("101")
    data["上年对比"][5]["主要用于（按项说明）"] = ""  # 一般公共预算项：2040601, the 7th row of 上年对比
    data["项目信息"][0]["实施方案"] = ""  # 人民调解, row 2 of 项目信息
    workbook = tmp_path / "101.xlsx"
    write_workbook(workbook, data)
    found = [(i.code, i.sheet, i.cell) for i in run(workbook).issues if i.is_error]
    use = schema.column_letter(schema.SHEET_PRIOR, "use")
    plan = schema.column_letter(schema.SHEET_PROJECTS, "plan")
    assert sorted(found) == [
        ("item-use-missing", schema.SHEET_PRIOR, f"{use}7"),
        ("project-plan-missing", schema.SHEET_PROJECTS, f"{plan}2"),
    ]


@pytest.mark.slow
@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_landscape_docx_toc_numbers_match_a_libreoffice_rendering(built: Built, tmp_path: Path) -> None:
    """The DOCX's LibreOffice pass numbers the 目录 of the landscape document: each entry's number is the page
    where LibreOffice puts its heading, and every page LibreOffice lays out is landscape."""
    from generator.render.docx import render_docx_paginated
    from generator.render.office import libreoffice_pages, libreoffice_pdf, toc_targets

    d = built.disclosure
    path = tmp_path / "sfj-paginated.docx"
    render_docx_paginated(d, path)
    toc = [p.text for p in docx.Document(str(path)).paragraphs if p.style.name in ("目录一级", "目录二级")]
    printed = {}
    for entry, line in zip(d.toc, toc, strict=True):
        text, _, number = line.rpartition("\t")
        assert text == entry.text and number.isdigit(), line
        printed[entry.anchor] = int(number)
    office = soffice()
    pages = libreoffice_pages(path, office)
    targets = toc_targets(d)
    assert all(targets[anchor] in pages[number - 1] for anchor, number in printed.items()), printed
    assert list(printed.values()) == sorted(printed.values())
    reader = pypdf.PdfReader(str(libreoffice_pdf(path, office)))
    assert all(p.mediabox.width > p.mediabox.height for p in reader.pages)
