"""Golden test of example 105 (上海市普陀区人民政府办公室 2025 单位预算: format shanghai-putuo-2025, edition 单位版):
the cover, the 目录, every heading, table title, table figure and every sentence of 四 and 六 of our DOCX and PDF
against the real document, ../shared/reference/shanghai/qzfb-2025-unit.txt ("行N" below is its line). Where the
document contradicts itself, the comment says which figure we keep and why. The 部门版 of the same office and year
is tests/test_golden_shanghai_2025.py."""

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

# 行7–21: the 目录. The 单位版 has six parts: no 七、项目经费情况说明 (the 部门版 has it).
PART_HEADINGS = [
    "一、单位主要职能",  # 行7
    "二、单位机构设置",  # 行8
    "三、名词解释",  # 行9
    "四、单位预算编制说明",  # 行10
    "五、单位预算表",  # 行11
    "六、其他相关情况说明",  # 行21
]
TABLE_TITLES = [  # 行126, 154, 196, 238, 256, 302, 316, 330, 385
    "2025年预算单位财务收支预算总表",
    "2025年预算单位收入预算总表",
    "2025年预算单位支出预算总表",
    "2025年预算单位财政拨款收支预算总表",
    "2025年预算单位一般公共预算支出功能分类预算表",
    "2025年预算单位政府性基金预算支出功能分类预算表",
    "2025年预算单位国有资本经营预算支出功能分类预算表",
    "2025年预算单位一般公共预算基本支出部门预算经济分类预算表",
    "2025年单位“三公”经费和机关运行经费预算表",
]
TOC_TABLES = [  # 行12–20, numbered as printed (“1. ”… “4．”… “9.” without a space)
    "1. 2025年预算单位财务收支预算总表",
    "2. 2025年预算单位收入预算总表",
    "3. 2025年预算单位支出预算总表",
    "4．2025年预算单位财政拨款收支预算总表",
    "5．2025年预算单位一般公共预算支出功能分类预算表",
    "6．2025年预算单位政府性基金预算支出功能分类预算表",
    "7．2025年预算单位国有资本经营预算支出功能分类预算表",
    "8．2025年预算单位一般公共预算基本支出部门预算经济分类预算表",
    "9.2025年单位“三公”经费和机关运行经费预算表",
]
# 表1 (行128–153): 本年收入 | 本年支出 › 预算数 › 合计, 基本支出 (人员经费, 公用经费), 项目支出.
TABLE1_HEAD = ["本年收入", "本年支出", "项目", "预算数", "合计", "基本支出", "项目支出", "人员经费", "公用经费"]
# 表1 rows as printed; the income rows numbered “1、”, zero cells blank. 行139 puts 265,380.00 of 社会保障和就业支出
# in 公用经费 (and 行137 13,819,399.88 / 1,867,397.54 for 一般公共服务支出), which 表8's totals allow (行384: 人员经费
# 22,473,997.81, 公用经费 2,132,777.54, as 行153): the workbook's line items are chosen to give this split (inputs/README.md).
TABLE1_ROWS = [
    [
        "一、财政拨款收入",
        "91,016,775.35",
        "一、一般公共服务支出",
        "82,096,797.42",
        "13,819,399.88",
        "1,867,397.54",
        "66,410,000.00",
    ],  # 行137
    [
        "1、一般公共预算资金",
        "91,016,775.35",
        "二、社会保障和就业支出",
        "4,213,779.28",
        "3,948,399.28",
        "265,380.00",
        "",
    ],
    ["2、政府性基金", "", "三、卫生健康支出", "1,097,073.43", "1,097,073.43", "", ""],  # 行141
    ["3、国有资本经营预算", "", "四、住房保障支出", "3,609,125.22", "3,609,125.22", "", ""],  # 行143
    ["二、事业收入", "", "", "", "", "", ""],  # 行145
    ["三、事业单位经营收入", "", "", "", "", "", ""],  # 行147
    ["四、其他收入", "", "", "", "", "", ""],  # 行149
    [
        "收入总计",
        "91,016,775.35",
        "支出总计",
        "91,016,775.35",
        "22,473,997.81",
        "2,132,777.54",
        "66,410,000.00",
    ],  # 行153
]
# 表3 (行205–237) and 表5 (行265–301, the same rows): 类, 款, 项, 名称, 合计, 基本支出, 项目支出.
TABLE3 = [
    ["201", "", "", "一般公共服务支出", "82,096,797.42", "15,686,797.42", "66,410,000.00"],  # 行205
    ["201", "03", "", "政府办公厅（室）及相关机构事务", "82,096,797.42", "15,686,797.42", "66,410,000.00"],  # 行207
    ["201", "03", "01", "行政运行", "12,029,501.84", "11,919,501.84", "110,000.00"],  # 行208
    ["201", "03", "02", "一般行政管理事务", "46,140,000.00", "", "46,140,000.00"],  # 行210
    ["201", "03", "50", "事业运行", "3,807,295.58", "3,767,295.58", "40,000.00"],  # 行211
    ["201", "03", "99", "其他政府办公厅（室）及相关机构事务支出", "20,120,000.00", "", "20,120,000.00"],  # 行213
    ["208", "", "", "社会保障和就业支出", "4,213,779.28", "4,213,779.28", ""],  # 行215
    ["208", "05", "", "行政事业单位养老支出", "4,213,779.28", "4,213,779.28", ""],  # 行216
    ["208", "05", "01", "行政单位离退休", "1,554,220.00", "1,554,220.00", ""],  # 行218
    ["208", "05", "05", "机关事业单位基本养老保险缴费支出", "1,763,159.52", "1,763,159.52", ""],  # 行219
    ["208", "05", "06", "机关事业单位职业年金缴费支出", "881,579.76", "881,579.76", ""],  # 行221
    ["208", "05", "99", "其他行政事业单位养老支出", "14,820.00", "14,820.00", ""],  # 行223
    ["210", "", "", "卫生健康支出", "1,097,073.43", "1,097,073.43", ""],  # 行224
    ["210", "11", "", "行政事业单位医疗", "1,097,073.43", "1,097,073.43", ""],  # 行225
    ["210", "11", "01", "行政单位医疗", "782,855.28", "782,855.28", ""],  # 行227
    ["210", "11", "02", "事业单位医疗", "314,218.15", "314,218.15", ""],  # 行229
    ["221", "", "", "住房保障支出", "3,609,125.22", "3,609,125.22", ""],  # 行230
    ["221", "02", "", "住房改革支出", "3,609,125.22", "3,609,125.22", ""],  # 行232
    ["221", "02", "01", "住房公积金", "1,741,445.22", "1,741,445.22", ""],  # 行233
    ["221", "02", "03", "购房补贴", "1,867,680.00", "1,867,680.00", ""],  # 行235
    ["", "", "", "合计", "91,016,775.35", "24,606,775.35", "66,410,000.00"],  # 行237
]
# 表2 (行163–195): 合计 = 财政拨款收入 on every row; 事业收入, 事业单位经营收入, 其他收入 blank.
TABLE2 = [[*row[:5], row[4], "", "", ""] for row in TABLE3]
# 表4 (行245–255)
TABLE4 = [
    ["一、一般公共预算资金", "91,016,775.35", "一、一般公共服务支出", "82,096,797.42", "82,096,797.42", "", ""],
    ["二、政府性基金", "", "二、社会保障和就业支出", "4,213,779.28", "4,213,779.28", "", ""],
    ["三、国有资本经营预算", "", "三、卫生健康支出", "1,097,073.43", "1,097,073.43", "", ""],
    ["", "", "四、住房保障支出", "3,609,125.22", "3,609,125.22", "", ""],
    ["收入总计", "91,016,775.35", "支出总计", "91,016,775.35", "91,016,775.35", "", ""],
]
# 表8 (行339–384): 类, 款, 名称, 合计, 人员经费, 公用经费.
TABLE8 = [
    ["301", "", "工资福利支出", "21,170,337.81", "21,170,337.81", ""],  # 行339
    ["301", "01", "基本工资", "2,540,192.00", "2,540,192.00", ""],  # 行340
    ["301", "02", "津贴补贴", "9,572,367.00", "9,572,367.00", ""],  # 行342
    ["301", "07", "绩效工资", "2,335,998.00", "2,335,998.00", ""],  # 行344
    ["301", "08", "机关事业单位基本养老保险缴费", "1,763,159.52", "1,763,159.52", ""],  # 行345
    ["301", "09", "职业年金缴费", "881,579.76", "881,579.76", ""],  # 行347
    ["301", "10", "职工基本医疗保险缴费", "1,097,073.43", "1,097,073.43", ""],  # 行348
    ["301", "12", "其他社会保障缴费", "45,013.88", "45,013.88", ""],  # 行350
    ["301", "13", "住房公积金", "1,741,445.22", "1,741,445.22", ""],  # 行352
    ["301", "99", "其他工资福利支出", "1,193,509.00", "1,193,509.00", ""],  # 行353
    ["302", "", "商品和服务支出", "1,932,777.54", "", "1,932,777.54"],  # 行355
    ["302", "01", "办公费", "259,400.00", "", "259,400.00"],  # 行356
    ["302", "02", "印刷费", "20,000.00", "", "20,000.00"],  # 行358
    ["302", "04", "手续费", "2,000.00", "", "2,000.00"],  # 行359
    ["302", "07", "邮电费", "30,000.00", "", "30,000.00"],  # 行360
    ["302", "11", "差旅费", "50,000.00", "", "50,000.00"],  # 行362
    ["302", "15", "会议费", "10,000.00", "", "10,000.00"],  # 行364
    ["302", "16", "培训费", "30,000.00", "", "30,000.00"],  # 行365
    ["302", "17", "公务接待费", "185,000.00", "", "185,000.00"],  # 行367
    ["302", "26", "劳务费", "30,000.00", "", "30,000.00"],  # 行368
    ["302", "28", "工会经费", "248,117.54", "", "248,117.54"],  # 行370
    ["302", "29", "福利费", "483,840.00", "", "483,840.00"],  # 行372
    ["302", "39", "其他交通费用", "379,600.00", "", "379,600.00"],  # 行373
    ["302", "99", "其他商品和服务支出", "204,820.00", "", "204,820.00"],  # 行375
    ["303", "", "对个人和家庭的补助", "1,303,660.00", "1,303,660.00", ""],  # 行376
    ["303", "01", "离休费", "114,940.00", "114,940.00", ""],  # 行378
    ["303", "02", "退休费", "1,188,720.00", "1,188,720.00", ""],  # 行380
    ["310", "", "资本性支出", "200,000.00", "", "200,000.00"],  # 行381
    ["310", "02", "办公设备购置", "200,000.00", "", "200,000.00"],  # 行383
    ["", "", "合计", "24,606,775.35", "22,473,997.81", "2,132,777.54"],  # 行384
]
# 表8's header (行332–337): the 单位版 says 经济分类科目编码 / 部门经济分类科目名称 (the 部门版: 部门预算经济分类科目编码 /
# 经济分类科目名称).
TABLE8_HEAD = [
    "项目",
    "一般公共预算基本支出",
    "经济分类科目编码",
    "部门经济分类科目名称",
    "合计",
    "人员经费",
    "公用经费",
]
TABLE9 = ["867.50", "839.00", "28.50", "", "", "", "213.28"]  # 行398, 万元 with two decimals, zero cells blank
EMPTY_NOTES = [
    "注:本单位2025年无政府性基金预算财政拨款安排的预算，故本表为空表。",  # 行315
    "注:本单位2025年无国有资本经营预算财政拨款安排的预算，故本表为空表。",  # 行329
]
SENTENCES = [
    # 四 (行84–125). 行84 heads it with “2025年单位预算编制说明”; ours heads it with its 目录 entry (行10).
    "2025年，上海市普陀区人民政府办公室收入预算9,101.68万元，其中：财政拨款收入9,101.68万元，比2024年预算减少"
    "2,389.52万元；事业收入0万元；事业单位经营收入0万元；其他收入0万元。",  # 行86–87
    "支出预算9,101.68万元，其中：财政拨款支出预算9,101.68万元，比2024年预算减少2,389.52万元。财政拨款支出预算中，"
    "一般公共预算拨款支出预算9,101.68万元，比2024年预算减少2,389.52万元；政府性基金拨款支出预算0万元，比2024年预算"
    "持平；国有资本经营预算拨款支出预算0万元，比2024年预算持平。",  # 行88–90
    "财政拨款收入支出减少的主要原因是项目调整。",  # 行91
    "财政拨款支出主要内容如下：",  # 行92
    "1. “一般公共服务支出-政府办公厅（室）及相关机构事务-行政运行”科目1,202.95万元，主要用于行政单位的基本支出。",  # 行94
    "2. “一般公共服务支出-政府办公厅（室）及相关机构事务-一般行政管理事务”科目4,614万元，主要用于为行政单位未单独"
    "设置项级科目的其他项目支出。",  # 行96–97
    "3. “一般公共服务支出-政府办公厅（室）及相关机构事务-事业运行”科目380.73万元，主要用于事业单位的基本支出。",  # 行99
    "4. “一般公共服务支出-政府办公厅（室）及相关机构事务-其他政府办公厅（室）及相关机构事务支出”科目2,012万元，"
    "主要用于未单独设置项级科目的其他项目支出。",  # 行101–102
    "5. “社会保障和就业支出-行政事业单位养老支出-行政单位离退休”科目155.42万元，主要用于实行归口管理的行政单位"
    "（包括实行公务员管理的事业单位）开支的离退休经费。",  # 行104–105
    "6. “社会保障和就业支出-行政事业单位养老支出-机关事业单位基本养老保险缴费支出”科目176.32万元，主要用于机关"
    "事业单位实施养老保险制度由单位缴纳的基本养老保险费支出。",  # 行107–108
    "7. “社会保障和就业支出-行政事业单位养老支出-机关事业单位职业年金缴费支出”科目88.16万元，主要用于机关事业单位"
    "实施养老保险制度由单位实际缴纳的职业年金支出。",  # 行110–111
    "8. “社会保障和就业支出-行政事业单位养老支出-其他行政事业单位养老支出”科目1.48万元，主要用于实行归口管理的"
    "行政单位（包括实行公务员管理的事业单位）开支的其他养老支出。",  # 行112–113
    "9. “卫生健康支出-行政事业单位医疗-行政单位医疗”科目78.29万元，主要用于财政部门集中安排的行政单位基本医疗保险费"
    "缴费经费。",  # 行115–116
    "10. “卫生健康支出-行政事业单位医疗-事业单位医疗”科目31.42万元，主要用于财政部门集中安排的事业单位基本医疗保险费"
    "缴费经费。",  # 行118–119
    "11. “住房保障支出-住房改革支出-住房公积金”科目174.14万元，主要用于行政事业单位按人力资源和社会保障部、财政部"
    "规定的基本工资和津贴补贴以及规定比例为职工缴纳的住房公积金。",  # 行121–122
    "12. “住房保障支出-住房改革支出-购房补贴”科目186.77万元，主要用于按房改政策规定，行政事业单位向符合条件职工发放的"
    "用于购买住房的补贴。",  # 行124–125
    # 六 (行400–420)
    "一、2025年“三公”经费预算情况说明",  # 行401
    "2025年“三公”经费预算数为867.50万元，与2024年预算持平。其中：",  # 行402
    "（一）因公出国（境）费839万元，与2024年预算持平。",  # 行403
    "（二）公务用车购置及运行费0万元，与2024年预算持平。其中：公务用车购置费0万元，与2024年预算持平；公务用车运行费"
    "0万元，与2024年预算持平。",  # 行404–405
    "（三）公务接待费28.50万元，与2024年预算持平。",  # 行406
    "二、机关运行经费预算",  # 行407
    # 行408: the 单位版 keeps the 部门版's “下属1家机关和1家事业单位”.
    "2025年上海市普陀区人民政府办公室下属1家机关和1家事业单位财政拨款的机关运行经费预算为213.28万元。",
    "三、政府采购预算情况",  # 行409
    "2025年度本单位政府采购预算34万元，其中：政府采购货物预算0万元、政府采购工程预算0万元、政府采购服务预算34万元。",
    "2025年本单位面向中小企业预留政府采购项目预算金额34万元，其中，预留给小型和微型企业的政府采购项目预算为34万元。",
    "四、绩效目标设置情况",  # 行412
    # 行413 says 6626万元. 表3 (行237) has 66,410,000 元 of 项目支出 = 6,641万元; the document does not say which
    # 15万元 had no 绩效目标 and the workbook cannot mark a project as having none, so ours counts every project
    # (as the 部门版, tests/test_golden_shanghai_2025.py), in the document's number style.
    "2025年度，本单位编报绩效目标的项目共11个，涉及项目预算资金6,641万元。",
    "五、国有资产占有使用情况",  # 行414
    "截至2024年8月31日，上海市普陀区人民政府办公室共有车辆0辆，其中：部级领导干部用车0辆、主要领导干部用车0辆、"
    "机要通信用车0辆、应急保障用车0辆、执法执勤用车0辆、特种专业技术用车0辆、离退休干部用车0辆、其他用车0辆；"
    "单价100万元（含）以上设备（不含车辆）0台（套）。",  # 行415–417
    "2025年单位预算安排购置车辆0辆，其中：部级领导干部用车0辆、主要领导干部用车0辆、机要通信用车0辆、应急保障用车"
    "0辆、执法执勤用车0辆、特种专业技术用车0辆、离退休干部用车0辆、其他用车0辆；单位预算安排购置单价100万元（含）"
    "以上设备（不含车辆）0台（套）。",  # 行418–420
    # 一、二、三 (行22–83)
    "上海市普陀区人民政府办公室是协助区政府领导处理区政府日常工作的区政府工作部门，为正处级，",  # 行24
    "14.完成区委、区政府交办的其他任务。",  # 行42
    "上海市普陀区人民政府办公室设10个内设机构，包括：",  # 行45
    "（一）秘书科（联络科）。组织、协调和管理区政府系统的全区性大型活动。承担机要、办文、办会、保密、档案等职责，"
    "协助区府办领导协调处理机关日常行政事务。",  # 行46–47
    "（十）区域合作科。拟订本区国内区域合作交流的规划和计划，并组织实施。负责辖区内驻沪办事机构的联络、协调与服务。"
    "负责国内友好城区的沟通协调、服务保障工作。",  # 行63–64
    "（一）财政拨款收入：是区级预算主管部门及所属预算单位本年度从本级财政部门取得的财政拨款",  # 行68
    "（八）机关运行经费：指行政单位和参照公务员法管理的事业单位使用一般公共预算财政拨款安排的基本支出中的日常公用经费支出。",
]
# What the 部门版 says and the 单位版 does not (行1–420): no 七 nor any 项目经费情况说明, no 编制部门 or 本部门, no
# “部门预算安排”, no 预算单位 count in 四 of 六, and not the 部门版's 机构设置 (本部 and its 事业单位).
NOT_IN_UNIT = [
    "七、项目经费情况说明",
    "项目经费情况说明",
    "本部门",
    "编制部门",
    "部门预算安排",
    "预算主管部门：",
    "个预算单位开展了",
    "不单列预算，并入本部",
]


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Disclosure, Path, Path]:
    folder = tmp_path_factory.mktemp("qzfb-unit")
    workbook = folder / "105.xlsx"
    write_workbook(workbook, example_data("105"))
    result = run(workbook)
    assert result.ok, [i.message for i in result.issues if i.is_error]
    # The same two warnings as the 部门版: 离休费 114,940 元 (行378) with 离休人数 0 (this format publishes no staff
    # counts), and 项目支出 under 行政运行 (110,000 元, 行208).
    assert sorted(i.code for i in result.issues) == ["project-under-admin-operation", "veteran-pay-without-veterans"]
    d = result.disclosure
    assert d is not None
    render_docx(d, folder / "unit.docx")
    render_pdf(d, folder / "unit.pdf")
    return d, folder / "unit.docx", folder / "unit.pdf"


def test_toc_cover_and_headings(built: tuple[Disclosure, Path, Path]) -> None:
    d, docx_path, _ = built
    assert d.edition == "单位版"
    assert [e.text for e in d.toc] == [*PART_HEADINGS[:5], *TOC_TABLES, PART_HEADINGS[5]]
    paragraphs = docx.Document(str(docx_path)).paragraphs
    assert [p.text for p in paragraphs if p.style.name == "Heading 1"] == PART_HEADINGS
    assert d.title == "上海市普陀区2025年区级单位预算"  # 行1
    assert (d.cover_above, d.cover_below) == ("", "预算单位：上海市普陀区人民政府办公室")  # 行3
    assert [p.text for p in paragraphs[:3]] == [
        "上海市普陀区2025年区级单位预算",
        "预算单位：上海市普陀区人民政府办公室",
        "目 录",  # 行4
    ]
    assert d.file_stem == "上海市普陀区人民政府办公室2025年单位预算"
    assert [t.title for t in d.tables] == TABLE_TITLES
    assert [t.unit_line for t in d.tables] == ["编制单位：上海市普陀区人民政府办公室"] * 9  # 行127, 155, …, 386
    assert [t.numbers.unit for t in d.tables] == ["元"] * 8 + ["万元"]  # 行127–331 单位：元, 行386 单位:万元
    assert d.tables[0].kind == "财务收支总表（分基本支出和项目支出）"
    # 四's paragraphs as 行86–125 break them: income, spending, the reason, the list's lead, then 12 items
    assert len(d.sections[0].paragraphs) == 4 + 12


def body(table: docx.table.Table, head_rows: int) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows[head_rows:]]


def test_docx_tables_row_by_row(built: tuple[Disclosure, Path, Path]) -> None:
    tables = docx.Document(str(built[1])).tables
    cells = [[c.text for c in row.cells] for row in tables[0].rows]
    assert list(dict.fromkeys(text for row in cells[:4] for text in row)) == TABLE1_HEAD
    assert [row for row in cells[4:] if any(row)] == TABLE1_ROWS
    assert body(tables[1], 3) == TABLE2
    assert body(tables[2], 3) == TABLE3
    assert body(tables[3], 2) == TABLE4
    assert body(tables[4], 3) == TABLE3
    assert body(tables[5], 3)[-1][3] == "合计" and not any(any(c for c in r[4:]) for r in body(tables[5], 3))
    assert body(tables[6], 3)[-1][3] == "合计" and not any(any(c for c in r[4:]) for r in body(tables[6], 3))
    head8 = [[c.text for c in row.cells] for row in tables[7].rows[:3]]
    assert [t for t in dict.fromkeys(t for row in head8 for t in row) if t not in ("类", "款")] == TABLE8_HEAD
    assert body(tables[7], 3) == TABLE8
    assert body(tables[8], 3) == [TABLE9]


def test_docx_has_every_title_note_and_sentence(built: tuple[Disclosure, Path, Path]) -> None:
    whole = compact(docx_text(built[1]))
    for expected in [*PART_HEADINGS, *TABLE_TITLES, *TOC_TABLES, *EMPTY_NOTES, *SENTENCES]:
        assert compact(expected) in whole, expected
    for absent in NOT_IN_UNIT:
        assert compact(absent) not in whole, absent


def test_pdf_has_every_title_figure_and_sentence(built: tuple[Disclosure, Path, Path]) -> None:
    with pdfplumber.open(built[2]) as pdf:
        pages = [page.extract_text() or "" for page in pdf.pages]
    assert len(pages) >= 21  # the document has 21 landscape pages; our type is a little larger
    text = "\n".join(pages)
    whole = re.sub(r"第\d+页共\d+页", "", compact(text))  # a sentence may run over a page's footer
    for expected in [*PART_HEADINGS, *TABLE_TITLES, *TOC_TABLES, *EMPTY_NOTES, *SENTENCES]:
        assert compact(expected) in whole, expected
    for absent in NOT_IN_UNIT:
        assert compact(absent) not in whole, absent
    for row in [*TABLE1_ROWS, *TABLE3, *TABLE4, *TABLE8]:
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
