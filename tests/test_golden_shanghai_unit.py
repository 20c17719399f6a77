"""Golden test of example 102 (上海市普陀区司法局 2026 单位预算: format shanghai-putuo, edition 单位版): every heading,
table title, 目录 entry, table figure and sentence of our DOCX and PDF against the real document,
../shared/reference/shanghai/sfj-2026-unit.txt ("行N" below is its line). Where the document contradicts itself,
the comment says which figure we keep and why. The wording the document does not settle follows the district's
official 单位版 template (official-template-2026-unit.xlsx, sheet 其他相关情况说明)."""

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
    "一、单位主要职能",
    "二、单位机构设置",
    "三、名词解释",
    "四、单位预算编制说明",
    "五、单位预算表",
    "六、其他相关情况说明",
]
TABLE_TITLES = [  # 行103, 123, 153, 182, 202, 235, 250, 265, 303 (and 行12–20)
    "2026年预算单位财务收支预算总表",
    "2026年预算单位收入预算总表",
    "2026年预算单位支出预算总表",
    "2026年预算单位财政拨款收支预算总表",
    "2026年预算单位一般公共预算支出功能分类预算表",
    "2026年预算单位政府性基金预算支出功能分类预算表",
    "2026年预算单位国有资本经营预算支出功能分类预算表",
    "2026年预算单位一般公共预算基本支出部门预算经济分类预算表",
    "2026年单位“三公”经费和机关运行经费预算表",
]
TOC_TABLES = [  # 行12–20, numbered as printed (“1. ”… “4．”… “9. ”)
    "1. 2026年预算单位财务收支预算总表",
    "2. 2026年预算单位收入预算总表",
    "3. 2026年预算单位支出预算总表",
    "4．2026年预算单位财政拨款收支预算总表",
    "5．2026年预算单位一般公共预算支出功能分类预算表",
    "6．2026年预算单位政府性基金预算支出功能分类预算表",
    "7．2026年预算单位国有资本经营预算支出功能分类预算表",
    "8．2026年预算单位一般公共预算基本支出部门预算经济分类预算表",
    "9. 2026年单位“三公”经费和机关运行经费预算表",
]
# Table cells in 元 as 表1–8 print them.
YUAN = [
    "86,959,408.34",  # 收入/支出总计, 财政拨款收入, 一般公共预算 (行111, 112, 122, 152, 190, 201)
    "79,189,400.34",  # 公共安全支出 (行111, 131, 160)
    "2,925,857.00",  # 社会保障和就业支出 (行112, 139)
    "982,692.00",  # 卫生健康支出 (行113, 145)
    "3,861,459.00",  # 住房保障支出 (行114, 148)
    "14,348,853.34",  # 行政运行, and 公共安全支出's 基本支出 (行133, 160)
    "21,703,947.00",  # 基层司法业务 (行134)
    "1,242,900.00",  # 普法宣传 (行135)
    "1,160,000.00",  # 公共法律服务 (行136)
    "2,278,800.00",  # 信息化建设 (行137)
    "38,454,900.00",  # 其他司法支出 (行138)
    "561,240.00",  # 行政单位离退休 (行141)
    "1,572,307.00",  # 基本养老保险缴费 (行142, 276)
    "786,150.00",  # 职业年金缴费 (行143, 277)
    "6,160.00",  # 其他行政事业单位养老支出 (行144)
    "1,791,459.00",  # 住房公积金 (行150, 280)
    "2,070,000.00",  # 购房补贴 (行151)
    # 行181 and 234 print the 基本支出 合计 as 22,118,861 (no fen); 表8 (行302) and the 项 rows add up to
    # 22,118,861.34, which we print.
    "22,118,861.34",
    "64,840,547.00",  # 项目支出合计 (行111, 181, 234)
    "19,806,781.00",  # 工资福利支出 (行272)
    "2,486,040.00",  # 基本工资 (行273)
    "11,106,477.00",  # 津贴补贴 (行275)
    "25,540.00",  # 其他社会保障缴费 (行279)
    "1,056,116.00",  # 其他工资福利支出 (行281)
    "1,831,480.34",  # 商品和服务支出 (行282)
    "227,810.34",  # 工会经费 (行294)
    "640,065.00",  # 其他商品和服务支出 (行297)
    "466,200.00",  # 对个人和家庭的补助, 退休费 (行298–299)
    "14,400.00",  # 资本性支出, 办公设备购置 (行300–301)
    # 表1's 基本支出 columns: 行111/122 print 人员经费 12,604,173 (公共安全) and 20,374,181 (总计), 公用经费
    # 1,744,680, without fen and 101,200.34 away from 表8's own split of the same money (行302: 人员经费
    # 20,272,981.00, 公用经费 1,845,880.34 = 302 + 310). The table contradicts 表8; we keep 表8's split by
    # 经济分类 (301/303 人员经费, the rest 公用经费), so 表1 prints 12,502,973.00 / 20,272,981.00 / 1,845,880.34.
    "20,272,981.00",
    "1,845,880.34",
    "12,502,973.00",
]
EMPTY_NOTES = [  # 行249, 264
    "注:本单位2026年无政府性基金预算财政拨款安排的预算，故本表为空表。",
    "注:本单位2026年无国有资本经营预算财政拨款安排的预算，故本表为空表。",
]
# 表1 (行106–122): rows as printed, income side then spending side 合计/人员经费/公用经费/项目支出.
TABLE1_ROWS = [
    [
        "一、财政拨款收入",
        "86,959,408.34",
        "一、公共安全支出",
        "79,189,400.34",
        "12,502,973.00",
        "1,845,880.34",
        "64,840,547.00",
    ],
    ["1、一般公共预算", "86,959,408.34", "二、社会保障和就业支出", "2,925,857.00", "2,925,857.00", "0.00", "0.00"],
    ["2、政府性基金预算", "0.00", "三、卫生健康支出", "982,692.00", "982,692.00", "0.00", "0.00"],
    ["3、国有资本经营预算", "0.00", "四、住房保障支出", "3,861,459.00", "3,861,459.00", "0.00", "0.00"],
    ["二、事业收入", "0.00", "", "", "", "", ""],
    ["三、事业单位经营收入", "0.00", "", "", "", "", ""],
    ["四、其他收入", "0.00", "", "", "", "", ""],
    ["收入总计", "86,959,408.34", "支出总计", "86,959,408.34", "20,272,981.00", "1,845,880.34", "64,840,547.00"],
]
# 表1 header (行106–110): 本年收入 | 本年支出 › 预算数 › 合计, 基本支出 (人员经费, 公用经费), 项目支出.
TABLE1_HEAD = ["本年收入", "本年支出", "项目", "预算数", "合计", "基本支出", "项目支出", "人员经费", "公用经费"]
# 表9 (行315), 万元: 10.71 0.00 0.73 9.98 0.00 9.98 184.59; this format writes a 万元 zero as 0.
TABLE9 = ["10.71", "0", "0.73", "9.98", "0", "9.98", "184.59"]
SENTENCES = [
    # 行65 heads 四 with “2026年单位预算编制说明”; ours heads it with its 目录 entry 四、单位预算编制说明 (行10).
    "2026年，上海市普陀区司法局收入预算8695.94万元，其中：财政拨款收入8695.94万元，比2025年预算增加794.88万元；"
    "事业收入0万元；事业单位经营收入0万元；其他收入0万元。",  # 行67–68
    "支出预算8695.94万元，其中：财政拨款支出预算8695.94万元，比2025年预算增加794.88万元。财政拨款支出预算中，"
    "一般公共预算拨款支出预算8695.94万元，比2025年预算增加794.88万元；政府性基金拨款支出预算0万元，与2025年预算"
    "持平；国有资本经营预算拨款支出预算0万元，与2025年预算持平。",  # 行69–71
    # 行72 keeps the template's “增加（减少）”; ours prints the computed case.
    "财政拨款收入支出增加的主要原因是业务量增加。",
    "财政拨款支出主要内容如下：",  # 行73
    # 行74–102: each 项. As in the 部门版, the document compares each 项 with 2025 执行数 and the totals with 2025
    # 预算; ours has one base (上年预算), and the workbook holds the printed 2025 figures as 上年预算数.
    "1、公共安全支出（204类）司法（06款）行政运行（01项）1434.89万元。主要用于：行政单位的基本支出。",
    # 行75: 1690.69 → 1434.89 is −15.13%, not the printed −1.10%; the officer enters the 2025 figure, the rate is
    # computed from it, so we print 15.13%.
    "2025年预算数为1690.69万元，2026年预算安排1434.89万元，比2025年预算减少15.13%。主要原因是：支出减少。",
    "2、公共安全支出（204类）司法（06款）基层司法业务（04项）2170.39万元。主要用于：人民调解、医患纠纷、社区矫正和"
    "安置帮教等工作支出。",  # 行76–77
    "2025年预算数为2149.45万元，2026年预算安排2170.39万元，比2025年预算增加0.97%。主要原因是：业务量增加。",
    "3、公共安全支出（204类）司法（06款）普法宣传（05项）124.29万元。主要用于：法制宣传工作支出。",  # 行79
    "2025年预算数为118.46万元，2026年预算安排124.29万元，比2025年预算增加4.92%。主要原因是：法制宣传工作支出增加。",
    "4、公共安全支出（204类）司法（06款）公共法律服务（07项）116万元。主要用于：公共法律服务业务支出。",  # 行81
    "2025年预算数为114.87万元，2026年预算安排116万元，比2025年预算增加0.98%。主要原因是：业务量增加。",  # 行82
    "5、公共安全支出（204类）司法（06款）信息化建设（13项）227.88万元。主要用于：信息化建设及运行维护等方面的支出。",
    "2025年预算数为60.41万元，2026年预算安排227.88万元，比2025年预算增加277.22%。主要原因是：业务量增加。",  # 行84
    "6、公共安全支出（204类）司法（06款）其他司法支出（99项）3845.49万元。主要用于：依法治区、法制业务经费等支出。",
    "2025年预算数为3269.3万元，2026年预算安排3845.49万元，比2025年预算增加17.62%。主要原因是：业务量增加。",  # 行86
    # 行87–88: the 项 is 56.12 (表2 行141: 561,240 元) but “2026年预算安排57.8万元” repeats the 部门版; the rate
    # −2.27% fits 56.12 (574,300 → 561,240 元), which we keep.
    "7、社会保障和就业支出（208类）行政事业单位养老支出（05款）行政单位离退休（01项）56.12万元。主要用于：退休人员支出。",
    "2025年预算数为57.43万元，2026年预算安排56.12万元，比2025年预算减少2.27%。主要原因是：退休实有人数减少。",
    "（05款）机关事业单位基本养老保险缴费支出（05项）157.23万元。主要用于：支付养老保险。",  # 行89–90
    "2025年预算数为133.84万元，2026年预算安排157.23万元，比2025年预算增加17.48%。主要原因是：养老保险支出增加。",
    # 行92–93: 17.80% (66.74 → 78.62); the workbook's 667,360 元 (66.74万元) gives it exactly; we write 17.8%
    # (this format drops trailing zeros of rates, as 行96's 0.50 → “0.5” in ours).
    "（05款）机关事业单位职业年金缴费支出（06项）78.62万元。主要用于：支付职业年金。",
    "2025年预算数为66.74万元，2026年预算安排78.62万元，比2025年预算增加17.8%。主要原因是：职业年金支出增加。",
    # 行95–96: 0.50 → 0.62 “22.22%” fits 5,040 → 6,160 元 (the rounded figures would give 24%); we keep 22.22%.
    "（05款）其他行政事业单位养老支出（99项）0.62万元。主要用于：退休人员支出。",
    "2025年预算数为0.5万元，2026年预算安排0.62万元，比2025年预算增加22.22%。主要原因是：支出增加。",
    "11、卫生健康支出（210类）行政事业单位医疗（11款）行政单位医疗（01项）98.27万元。主要用于：行政单位医疗保险缴费经费。",
    # 行97 names the 类 “医疗卫生与计划生育支出”, its pre-2018 name; the 2026 科目 (and 表1 行113) say 卫生健康支出.
    "2025年预算数为50.78万元，2026年预算安排98.27万元，比2025年预算增加93.51%。主要原因是：支出增加。",
    "12、住房保障支出（221类）住房改革支出（02款）住房公积金（01项）179.15万元。",  # 行99
    "2025年预算数为205.04万元，2026年预算安排179.15万元，比2025年预算减少12.63%。主要原因是：支出减少。",
    # 行101–102: 购房补贴 207万元 (表2 行151), then “2025年…241.76万元，2026年预算安排170.03万元，增加21.74%”:
    # 241.76 is the 部门版's 2025 figure; 21.74% is 170.03 → 207, so 170.03 is the 2025 figure we keep.
    "13、住房保障支出（221类）住房改革支出（02款）购房补贴（03项）207万元。主要用于：发放购房补贴。",
    "2025年预算数为170.03万元，2026年预算安排207万元，比2025年预算增加21.74%。主要原因是：支出增加。",
    # 六 (行316–337)
    "一、2026年“三公”经费预算情况说明",
    # 行319 “与2025年预算数持平”: this format writes “与2025年预算持平” in every sentence (as 四, 行69–71).
    "2026年“三公”经费预算数为10.71万元，与2025年预算持平。其中：",
    "（一）因公出国（境）费0万元，与2025年预算持平。",  # 行320
    # 行321 “持平，主要原因是。” has an empty reason; ours prints no reason where the workbook gives none.
    "（二）公务用车购置及运行费9.98万元，与2025年预算持平。其中：公务用车购置费0万元，与2025年预算持平，"
    "主要原因是无公务用车购置需求；公务用车运行费9.98万元，与2025年预算持平，主要原因是公务用车数量无变化。",
    # 行323 “0.73万元。与…” (a full stop mid-sentence); the official template has the same slip; we write “，”.
    "（三）公务接待费0.73万元，与2025年预算持平，主要原因是业务量无变化。",
    "二、机关运行经费预算",
    "2026年上海市普陀区司法局财政拨款的机关运行经费预算为184.59万元。",  # 行325
    "三、政府采购预算情况",
    "2026年度本单位政府采购预算1484.2万元，其中：政府采购货物预算1.44万元、政府采购工程预算36.44万元、"
    "政府采购服务预算1446.32万元。",  # 行327–328
    "四、绩效目标设置情况",
    "2026年度，本单位编报绩效目标的项目共19个，涉及项目预算资金6484.05万元。",  # 行330
    "五、国有资产占有使用情况",
    "截至2025年8月31日，上海市普陀区司法局共有车辆3辆，其中：部级领导干部用车0辆、主要领导干部用车0辆、机要通信"
    "用车0辆、应急保障用车0辆、执法执勤用车3辆、特种专业技术用车0辆、离退休干部用车0辆、其他用车0辆；单价100万元"
    "（含）以上设备（不含车辆）0台（套）。",  # 行332–334
    # 行335–337 say “部门预算安排” in the 单位版; the official 单位版 template says “单位预算安排”, which we keep.
    "2026年单位预算安排购置车辆0辆，其中：部级领导干部用车0辆、主要领导干部用车0辆、机要通信用车0辆、应急保障用车"
    "0辆、执法执勤用车0辆、特种专业技术用车0辆、离退休干部用车0辆、其他用车0辆；单位预算安排购置单价100万元（含）"
    "以上设备（不含车辆）0台（套）。",
    # 一、二、三 (行22–64)
    "上海市普陀区司法局是主管本区司法和法制工作的区政府工作部门，主要职责是：",  # 行24
    "（十）完成区委、区政府交办的其他任务。",  # 行41
    "上海市普陀区司法局设12个内设机构，包括：办公室、政治处、依法治区工作科、社区矫正科、行政复议科、行政应诉科、"
    "综合监督科、普法与依法治理工作科、人民参与和促进法治科、公共法律服务管理科（律师公证工作科）、司法鉴定管理科、"
    "教育帮扶科。",  # 行44–45
    "（一）财政拨款收入：是区级预算主管部门及所属预算单位本年度从本级财政部门取得的财政拨款",  # 行49
    "（八）机关运行经费：指行政单位和参照公务员法管理的事业单位使用一般公共预算财政拨款安排的基本支出中的日常公用经费支出。",
]
# What the 部门版 says and the 单位版 must not (行7–21 have no 七; 六 has no 中小企业 sentence, 行326–328; 名词解释
# says 预算主管部门, 行49), and the document's own slips: 行335–337 “部门预算安排”, 行321 an empty “主要原因是。”,
# 行72 the template's “增加（减少）”.
NOT_IN_UNIT = [
    "七、项目经费情况说明",
    "项目经费情况说明",
    "面向中小企业预留",
    "本部门",
    "编制部门",
    "部门预算安排",
    "主要原因是。",
    "增加（减少）",
]


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Disclosure, Path, Path]:
    folder = tmp_path_factory.mktemp("sfj-unit")
    workbook = folder / "102.xlsx"
    write_workbook(workbook, example_data("102"))
    result = run(workbook)
    assert result.ok, [i.message for i in result.issues if i.is_error]
    assert not result.issues, [i.message for i in result.issues]
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
    assert d.title == "上海市普陀区2026年区级单位预算"  # 行1
    assert (d.cover_above, d.cover_below) == ("", "预算单位：上海市普陀区司法局")  # 行3
    assert [p.text for p in paragraphs[:3]] == [
        "上海市普陀区2026年区级单位预算",
        "预算单位：上海市普陀区司法局",
        "目 录",
    ]
    assert d.file_stem == "上海市普陀区司法局2026年单位预算"
    assert [t.title for t in d.tables] == TABLE_TITLES
    assert [t.unit_line for t in d.tables] == ["编制单位：上海市普陀区司法局"] * 9  # 行104, 124, …, 304
    assert [t.numbers.unit for t in d.tables] == ["元"] * 8 + ["万元"]  # 行104–266 单位：元, 行304 单位:万元
    assert d.tables[0].kind == "财务收支总表（分基本支出和项目支出）"
    budget = [p.text for p in d.sections[0].paragraphs]
    assert len(budget) == 4 + 13  # 行67–73: income, spending, the reason, the lead; 行74–102: 13 项


def test_table1_splits_basic_spending(built: tuple[Disclosure, Path, Path]) -> None:
    table = docx.Document(str(built[1])).tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert list(dict.fromkeys(text for row in cells[:4] for text in row)) == TABLE1_HEAD
    body = [row for row in cells[4:] if any(row)]
    assert body == TABLE1_ROWS


def test_docx_has_every_figure_title_and_sentence(built: tuple[Disclosure, Path, Path]) -> None:
    text = docx_text(built[1])
    whole = compact(text)
    for expected in [*PART_HEADINGS, *TABLE_TITLES, *TOC_TABLES, *EMPTY_NOTES, *SENTENCES]:
        assert compact(expected) in whole, expected
    for absent in NOT_IN_UNIT:
        assert compact(absent) not in whole, absent
    cells = text.split("\n")
    for value in YUAN:
        assert value in cells, value
    table9 = docx.Document(str(built[1])).tables[8]
    assert [c.text for c in table9.rows[-1].cells] == TABLE9


def test_pdf_has_every_figure_title_and_sentence(built: tuple[Disclosure, Path, Path]) -> None:
    with pdfplumber.open(built[2]) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    whole = re.sub(r"第\d+页共\d+页", "", compact(text))  # a sentence may run over a page's footer
    for expected in [*PART_HEADINGS, *TABLE_TITLES, *TOC_TABLES, *EMPTY_NOTES, *SENTENCES]:
        assert compact(expected) in whole, expected
    for absent in NOT_IN_UNIT:
        assert compact(absent) not in whole, absent
    for value in YUAN:
        assert value in whole, value
    assert " ".join(TABLE9) in text
