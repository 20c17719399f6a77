"""Golden test of example 103 (上海市普陀区人民政府办公室 2025 部门预算, format shanghai-putuo-2025): every heading,
table title, the 目录, every table row and every sentence of our DOCX and PDF against the real document,
../shared/reference/shanghai/qzfb-2025-dept.txt ("行N" below is its line). Where ours differs from the document,
the comment says which figure or wording we keep and why."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pdfplumber
import pytest

from generator.model import Disclosure
from generator.pipeline import run
from generator.render.docx import render_docx
from generator.render.pdf import render_pdf
from generator.workbook.template import write_workbook
from tests.conftest import example_data
from tests.test_same_figures import docx_text

# 行7–22: the 目录, which is also each heading of our body (行23/44 print “上海市普陀区人民政府办公室主要职能/机构设置”
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
TABLE_TITLES = [  # 行104, 128, 170, 212, 230, 276, 290, 304, 358
    "2025年部门财务收支预算总表",
    "2025年部门收入预算总表",
    "2025年部门支出预算总表",
    "2025年部门财政拨款收支预算总表",
    "2025年部门一般公共预算支出功能分类预算表",
    "2025年部门政府性基金预算支出功能分类预算表",
    "2025年部门国有资本经营预算支出功能分类预算表",
    "2025年部门一般公共预算基本支出部门预算经济分类预算表",
    "2025年部门“三公”经费和机关运行经费预算表",
]
TOC_TABLES = [  # 行12–20, numbered as printed
    "1. 2025年部门财务收支预算总表",
    "2. 2025年部门收入预算总表",
    "3. 2025年部门支出预算总表",
    "4．2025年部门财政拨款收支预算总表",
    "5．2025年部门一般公共预算支出功能分类预算表",
    "6．2025年部门政府性基金预算支出功能分类预算表",
    "7．2025年部门国有资本经营预算支出功能分类预算表",
    "8．2025年部门一般公共预算基本支出部门预算经济分类预算表",
    "9．2025年部门“三公”经费和机关运行经费预算表",
]
# 表1 (行111–127): the 2025 labels “一般公共预算资金”“政府性基金” (format row_labels); zero cells are blank.
TABLE1 = [
    ["一、财政拨款收入", "91,016,775.35", "一、一般公共服务支出", "82,096,797.42"],  # 行111
    ["1. 一般公共预算资金", "91,016,775.35", "二、社会保障和就业支出", "4,213,779.28"],  # 行113
    ["2. 政府性基金", "", "三、卫生健康支出", "1,097,073.43"],  # 行115
    ["3. 国有资本经营预算", "", "四、住房保障支出", "3,609,125.22"],  # 行116
    ["二、事业收入", "", "", ""],  # 行118
    ["三、事业单位经营收入", "", "", ""],  # 行120
    ["四、其他收入", "", "", ""],  # 行122
    ["收入总计", "91,016,775.35", "支出总计", "91,016,775.35"],  # 行127
]
# 表3 (行179–211) and 表5 (行239–275, the same rows): 类, 款, 项, 名称, 合计, 基本支出, 项目支出.
TABLE3 = [
    ["201", "", "", "一般公共服务支出", "82,096,797.42", "15,686,797.42", "66,410,000.00"],  # 行179
    ["201", "03", "", "政府办公厅（室）及相关机构事务", "82,096,797.42", "15,686,797.42", "66,410,000.00"],  # 行181
    ["201", "03", "01", "行政运行", "12,029,501.84", "11,919,501.84", "110,000.00"],  # 行182
    ["201", "03", "02", "一般行政管理事务", "46,140,000.00", "", "46,140,000.00"],  # 行184
    ["201", "03", "50", "事业运行", "3,807,295.58", "3,767,295.58", "40,000.00"],  # 行185
    ["201", "03", "99", "其他政府办公厅（室）及相关机构事务支出", "20,120,000.00", "", "20,120,000.00"],  # 行187
    ["208", "", "", "社会保障和就业支出", "4,213,779.28", "4,213,779.28", ""],  # 行189
    ["208", "05", "", "行政事业单位养老支出", "4,213,779.28", "4,213,779.28", ""],  # 行190
    ["208", "05", "01", "行政单位离退休", "1,554,220.00", "1,554,220.00", ""],  # 行192
    ["208", "05", "05", "机关事业单位基本养老保险缴费支出", "1,763,159.52", "1,763,159.52", ""],  # 行193
    ["208", "05", "06", "机关事业单位职业年金缴费支出", "881,579.76", "881,579.76", ""],  # 行195
    ["208", "05", "99", "其他行政事业单位养老支出", "14,820.00", "14,820.00", ""],  # 行197
    ["210", "", "", "卫生健康支出", "1,097,073.43", "1,097,073.43", ""],  # 行198
    ["210", "11", "", "行政事业单位医疗", "1,097,073.43", "1,097,073.43", ""],  # 行199
    ["210", "11", "01", "行政单位医疗", "782,855.28", "782,855.28", ""],  # 行201
    ["210", "11", "02", "事业单位医疗", "314,218.15", "314,218.15", ""],  # 行203
    ["221", "", "", "住房保障支出", "3,609,125.22", "3,609,125.22", ""],  # 行204
    ["221", "02", "", "住房改革支出", "3,609,125.22", "3,609,125.22", ""],  # 行206
    ["221", "02", "01", "住房公积金", "1,741,445.22", "1,741,445.22", ""],  # 行207
    ["221", "02", "03", "购房补贴", "1,867,680.00", "1,867,680.00", ""],  # 行209
    ["", "", "", "合计", "91,016,775.35", "24,606,775.35", "66,410,000.00"],  # 行211
]
# 表2 (行136–169): 合计 = 财政拨款收入 on every row; 事业收入, 事业单位经营收入, 其他收入 blank.
TABLE2 = [[*row[:5], row[4], "", "", ""] for row in TABLE3]
# 表4 (行219–229)
TABLE4 = [
    ["一、一般公共预算资金", "91,016,775.35", "一、一般公共服务支出", "82,096,797.42", "82,096,797.42", "", ""],
    ["二、政府性基金", "", "二、社会保障和就业支出", "4,213,779.28", "4,213,779.28", "", ""],
    ["三、国有资本经营预算", "", "三、卫生健康支出", "1,097,073.43", "1,097,073.43", "", ""],
    ["", "", "四、住房保障支出", "3,609,125.22", "3,609,125.22", "", ""],
    ["收入总计", "91,016,775.35", "支出总计", "91,016,775.35", "91,016,775.35", "", ""],
]
# 表8 (行312–357): 类, 款, 名称, 合计, 人员经费, 公用经费.
TABLE8 = [
    ["301", "", "工资福利支出", "21,170,337.81", "21,170,337.81", ""],  # 行312
    ["301", "01", "基本工资", "2,540,192.00", "2,540,192.00", ""],  # 行313
    ["301", "02", "津贴补贴", "9,572,367.00", "9,572,367.00", ""],  # 行315
    ["301", "07", "绩效工资", "2,335,998.00", "2,335,998.00", ""],  # 行316
    ["301", "08", "机关事业单位基本养老保险缴费", "1,763,159.52", "1,763,159.52", ""],  # 行318
    ["301", "09", "职业年金缴费", "881,579.76", "881,579.76", ""],  # 行320
    ["301", "10", "职工基本医疗保险缴费", "1,097,073.43", "1,097,073.43", ""],  # 行321
    ["301", "12", "其他社会保障缴费", "45,013.88", "45,013.88", ""],  # 行323
    ["301", "13", "住房公积金", "1,741,445.22", "1,741,445.22", ""],  # 行324
    ["301", "99", "其他工资福利支出", "1,193,509.00", "1,193,509.00", ""],  # 行326
    ["302", "", "商品和服务支出", "1,932,777.54", "", "1,932,777.54"],  # 行328
    ["302", "01", "办公费", "259,400.00", "", "259,400.00"],  # 行329
    ["302", "02", "印刷费", "20,000.00", "", "20,000.00"],  # 行331
    ["302", "04", "手续费", "2,000.00", "", "2,000.00"],  # 行332
    ["302", "07", "邮电费", "30,000.00", "", "30,000.00"],  # 行333
    ["302", "11", "差旅费", "50,000.00", "", "50,000.00"],  # 行335
    ["302", "15", "会议费", "10,000.00", "", "10,000.00"],  # 行337
    ["302", "16", "培训费", "30,000.00", "", "30,000.00"],  # 行338
    ["302", "17", "公务接待费", "185,000.00", "", "185,000.00"],  # 行340
    ["302", "26", "劳务费", "30,000.00", "", "30,000.00"],  # 行341
    ["302", "28", "工会经费", "248,117.54", "", "248,117.54"],  # 行343
    ["302", "29", "福利费", "483,840.00", "", "483,840.00"],  # 行345
    ["302", "39", "其他交通费用", "379,600.00", "", "379,600.00"],  # 行346
    ["302", "99", "其他商品和服务支出", "204,820.00", "", "204,820.00"],  # 行348
    ["303", "", "对个人和家庭的补助", "1,303,660.00", "1,303,660.00", ""],  # 行349
    ["303", "01", "离休费", "114,940.00", "114,940.00", ""],  # 行351
    ["303", "02", "退休费", "1,188,720.00", "1,188,720.00", ""],  # 行353
    ["310", "", "资本性支出", "200,000.00", "", "200,000.00"],  # 行354
    ["310", "02", "办公设备购置", "200,000.00", "", "200,000.00"],  # 行356
    ["", "", "合计", "24,606,775.35", "22,473,997.81", "2,132,777.54"],  # 行357
]
TABLE9 = ["867.50", "839.00", "28.50", "", "", "", "213.28"]  # 行371, 万元 with two decimals, zero cells blank
EMPTY_NOTES = [  # 行289, 303
    "注:本部门2025年无政府性基金预算财政拨款安排的预算，故本表为空表。",
    "注:本部门2025年无国有资本经营预算财政拨款安排的预算，故本表为空表。",
]
SENTENCES = [
    # 四 (行71–103): 万元 with thousands separators; the totals compare with 2024 预算, the 项 are not compared.
    "2025年，上海市普陀区人民政府办公室收入预算9,101.68万元，其中：财政拨款收入9,101.68万元，比2024年预算减少"
    "2,389.52万元；事业收入0万元；事业单位经营收入0万元；其他收入0万元。",
    "支出预算9,101.68万元，其中：财政拨款支出预算9,101.68万元，比2024年预算减少2,389.52万元。财政拨款支出预算中，"
    "一般公共预算拨款支出预算9,101.68万元，比2024年预算减少2,389.52万元；政府性基金拨款支出预算0万元，比2024年预算"
    "持平；国有资本经营预算拨款支出预算0万元，比2024年预算持平。",
    "财政拨款收入支出减少的主要原因是项目调整。",  # 行76
    "财政拨款支出主要内容如下：",  # 行77
    "1. “一般公共服务支出-政府办公厅（室）及相关机构事务-行政运行”科目1,202.95万元，主要用于行政单位的基本支出。",
    "2. “一般公共服务支出-政府办公厅（室）及相关机构事务-一般行政管理事务”科目4,614万元，主要用于为行政单位未单独"
    "设置项级科目的其他项目支出。",  # 行81
    "3. “一般公共服务支出-政府办公厅（室）及相关机构事务-事业运行”科目380.73万元，主要用于事业单位的基本支出。",
    "4. “一般公共服务支出-政府办公厅（室）及相关机构事务-其他政府办公厅（室）及相关机构事务支出”科目2,012万元，"
    "主要用于未单独设置项级科目的其他项目支出。",  # 行86
    "5. “社会保障和就业支出-行政事业单位养老支出-行政单位离退休”科目155.42万元，主要用于实行归口管理的行政单位"
    "（包括实行公务员管理的事业单位）开支的离退休经费。",  # 行88
    "6. “社会保障和就业支出-行政事业单位养老支出-机关事业单位基本养老保险缴费支出”科目176.32万元，主要用于机关"
    "事业单位实施养老保险制度由单位缴纳的基本养老保险费支出。",  # 行90
    "7. “社会保障和就业支出-行政事业单位养老支出-机关事业单位职业年金缴费支出”科目88.16万元，主要用于机关事业单位"
    "实施养老保险制度由单位实际缴纳的职业年金支出。",  # 行92
    "8. “社会保障和就业支出-行政事业单位养老支出-其他行政事业单位养老支出”科目1.48万元，主要用于实行归口管理的"
    "行政单位（包括实行公务员管理的事业单位）开支的其他养老支出。",  # 行94
    "9. “卫生健康支出-行政事业单位医疗-行政单位医疗”科目78.29万元，主要用于财政部门集中安排的行政单位基本医疗保险费"
    "缴费经费。",  # 行96
    "10. “卫生健康支出-行政事业单位医疗-事业单位医疗”科目31.42万元，主要用于财政部门集中安排的事业单位基本医疗保险费"
    "缴费经费。",  # 行98
    "11. “住房保障支出-住房改革支出-住房公积金”科目174.14万元，主要用于行政事业单位按人力资源和社会保障部、财政部"
    "规定的基本工资和津贴补贴以及规定比例为职工缴纳的住房公积金。",  # 行100
    "12. “住房保障支出-住房改革支出-购房补贴”科目186.77万元，主要用于按房改政策规定，行政事业单位向符合条件职工发放的"
    "用于购买住房的补贴。",  # 行102
    # 六 (行374–394)
    "一、2025年“三公”经费预算情况说明",
    "2025年“三公”经费预算数为867.50万元，与2024年预算持平。其中：",  # 行375
    "（一）因公出国（境）费839万元，与2024年预算持平。",  # 行376
    "（二）公务用车购置及运行费0万元，与2024年预算持平。其中：公务用车购置费0万元，与2024年预算持平；公务用车运行费"
    "0万元，与2024年预算持平。",  # 行377
    "（三）公务接待费28.50万元，与2024年预算持平。",  # 行379
    "二、机关运行经费预算",
    "2025年上海市普陀区人民政府办公室下属1家机关和1家事业单位财政拨款的机关运行经费预算为213.28万元。",  # 行381
    "三、政府采购预算情况",
    "2025年本部门政府采购预算34万元，其中：政府采购货物预算0万元、政府采购工程预算0万元、政府采购服务预算34万元。",
    "2025年本部门面向中小企业预留政府采购项目预算金额34万元，其中，预留给小型和微型企业的政府采购项目预算为34万元。",
    "四、绩效目标设置情况",
    # 行386–387 say 11 projects with 6626万元 (no separator, unlike every other amount of the document). 表3 (行211)
    # has 66,410,000 元 of 项目支出 = 6,641万元; the document does not say which 15万元 (e.g. the 110,000 and 40,000 元
    # under 行政运行/事业运行, 行182/185) had no 绩效目标, and the workbook cannot mark a project as having none, so
    # ours counts every project: 6,641万元 in the document's own number style.
    "按照本区预算绩效管理工作的总体要求，本部门1个预算单位开展了2025年项目预算绩效目标编报工作，编报绩效目标的项目"
    "11个，涉及项目预算资金6,641万元。",
    "五、国有资产占有使用情况",
    "截至2024年8月31日，上海市普陀区人民政府办公室共有车辆0辆，其中：部级领导干部用车0辆、主要领导干部用车0辆、"
    "机要通信用车0辆、应急保障用车0辆、执法执勤用车0辆、特种专业技术用车0辆、离退休干部用车0辆、其他用车0辆；"
    "单价100万元（含）以上设备（不含车辆）0台（套）。",  # 行389
    "2025年部门预算安排购置车辆0辆，其中：部级领导干部用车0辆、主要领导干部用车0辆、机要通信用车0辆、应急保障用车"
    "0辆、执法执勤用车0辆、特种专业技术用车0辆、离退休干部用车0辆、其他用车0辆；部门预算安排购置单价100万元（含）"
    "以上设备（不含车辆）0台（套）。",  # 行392
    # 七 (行395–411)
    "区政府督查及建议提案工作业务经费项目经费情况说明",
    "一、项目概述",
    "主要推进区委、区政府年度重点工作、为民办实事、人大代表建议政协提案办理等工作所需的咨询、设计、调查、技术服务等"
    "业务支撑，确保相关工作能更好提升市民满意度。",  # 行398
    "二、立项依据",
    "《区委、区政府2024年重点工作任务书》和《区政府2024年重点工作任务书》。",  # 行401
    "三、实施主体",
    # 行403 describes the work rather than naming who carries it out (and is longer than the 50 字 of
    # 项目信息“项目承担单位”); the workbook names the office, which ours prints.
    "上海市普陀区人民政府办公室",
    "四、实施方案",
    "结合区政府重点工作推进情况，定期开展。",  # 行405
    "五、实施周期",
    # 行407 “2025全年度。”: 资金执行时间 is written by day (a free text is an error at its cell), so the officer
    # enters the whole year.
    "2025年1月1日至2025年12月31日",
    "六、年度预算安排",
    "结合区政府重点工作推进情况，根据合同条款，按时拨付资金。",  # 行409 (项目信息“资金分配情况”)
    "七、绩效目标",
    "详见单位的项目绩效目标表",  # 行411
    # 一、二、三 (行25–68)
    "上海市普陀区人民政府办公室是协助区政府领导处理区政府日常工作的区政府工作部门，为正处级，",  # 行25
    "14.完成区委、区政府交办的其他任务。",  # 行43
    "上海市普陀区人民政府办公室部门预算是包括上海市普陀区人民政府办公室本部以及下属1家事业单位的综合收支计划。",
    "2.下属事业单位上海市普陀区交流服务中心不单列预算，并入本部。",  # 行49
    "（一）财政拨款收入：是区级预算主管部门及所属预算单位本年度从本级财政部门取得的财政拨款",  # 行53
    "（八）机关运行经费：指行政单位和参照公务员法管理的事业单位使用一般公共预算财政拨款安排的基本支出中的日常公用经费支出。",
]


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Disclosure, Path, Path]:
    folder = tmp_path_factory.mktemp("qzfb")
    workbook = folder / "103.xlsx"
    write_workbook(workbook, example_data("103"))
    result = run(workbook)
    assert result.ok, [i.message for i in result.issues if i.is_error]
    # Two warnings: 离休费 114,940 元 (行351) with 离休人数 0 (this format publishes no staff counts, so the workbook
    # holds none), and 项目支出 under 行政运行 (110,000 元, 行182), which the check questions.
    assert sorted(i.code for i in result.issues) == ["project-under-admin-operation", "veteran-pay-without-veterans"]
    d = result.disclosure
    assert d is not None
    render_docx(d, folder / "qzfb.docx")
    render_pdf(d, folder / "qzfb.pdf")
    return d, folder / "qzfb.docx", folder / "qzfb.pdf"


def test_toc_cover_and_headings(built: tuple[Disclosure, Path, Path]) -> None:
    d, docx_path, _ = built
    assert [e.text for e in d.toc] == [*PART_HEADINGS[:5], *TOC_TABLES, *PART_HEADINGS[5:]]
    document = docx.Document(str(docx_path))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == PART_HEADINGS
    assert d.title == "上海市普陀区2025年区级部门预算"  # 行1
    assert (d.cover_above, d.cover_below) == ("", "预算主管部门：上海市普陀区人民政府办公室")  # 行3
    assert [p.text for p in document.paragraphs[:3]] == [
        "上海市普陀区2025年区级部门预算",
        "预算主管部门：上海市普陀区人民政府办公室",
        "目 录",
    ]
    assert d.file_stem == "上海市普陀区人民政府办公室2025年部门预算"
    assert [t.title for t in d.tables] == TABLE_TITLES
    assert [t.unit_line for t in d.tables] == ["编制部门：上海市普陀区人民政府办公室"] * 9  # 行105 …
    assert [t.numbers.unit for t in d.tables] == ["元"] * 8 + ["万元"]  # 行105–359 单位：元 … 单位:万元
    # 四's paragraphs as 行71–103 break them: income, spending, the reason, the list's lead, then 12 items
    assert len(d.sections[0].paragraphs) == 4 + 12


def body(table: docx.table.Table, head_rows: int) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows[head_rows:]]


def test_docx_tables_row_by_row(built: tuple[Disclosure, Path, Path]) -> None:
    tables = docx.Document(str(built[1])).tables
    assert body(tables[0], 2) == TABLE1
    assert body(tables[1], 3) == TABLE2
    assert body(tables[2], 3) == TABLE3
    assert body(tables[3], 2) == TABLE4
    assert body(tables[4], 3) == TABLE3
    assert body(tables[5], 3)[-1][3] == "合计" and not any(any(c for c in r[4:]) for r in body(tables[5], 3))
    assert body(tables[6], 3)[-1][3] == "合计" and not any(any(c for c in r[4:]) for r in body(tables[6], 3))
    assert body(tables[7], 3) == TABLE8
    assert body(tables[8], 3) == [TABLE9]


def test_docx_has_every_title_note_and_sentence(built: tuple[Disclosure, Path, Path]) -> None:
    whole = compact(docx_text(built[1]))
    for expected in [*PART_HEADINGS, *TABLE_TITLES, *TOC_TABLES, *EMPTY_NOTES, *SENTENCES]:
        assert compact(expected) in whole, expected


def test_pdf_has_every_title_figure_and_sentence(built: tuple[Disclosure, Path, Path]) -> None:
    with pdfplumber.open(built[2]) as pdf:
        pages = [page.extract_text() or "" for page in pdf.pages]
    assert len(pages) >= 22  # the document has 22 landscape pages; our type is a little larger
    text = "\n".join(pages)
    whole = compact(text)
    for expected in [*PART_HEADINGS, *TABLE_TITLES, *TOC_TABLES, *EMPTY_NOTES, *SENTENCES]:
        assert compact(expected) in whole, expected
    for row in [*TABLE1, *TABLE3, *TABLE4, *TABLE8]:
        # each row's cells in order; a long 科目名称 may wrap in its cell, its rest printed after the amounts
        pattern = ".{0,30}?".join(
            re.escape(compact(c)) for c in row if c and not (len(c) > 12 and c[0] not in "0123456789")
        )
        assert re.search(pattern, whole), row
    assert "867.50 839.00 28.50 213.28" in text.split("\n")


def test_every_page_is_landscape_like_the_real_document(built: tuple[Disclosure, Path, Path]) -> None:
    """`pdfinfo` of the real document: every page 842 × 595 pt (A4 landscape); ours too."""
    with pdfplumber.open(built[2]) as pdf:
        sizes = {(round(float(p.width)), round(float(p.height))) for p in pdf.pages}
    assert sizes == {(842, 595)}
