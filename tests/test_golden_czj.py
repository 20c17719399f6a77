"""Golden test of example 201 (上海市普陀区财政局 2024 部门决算, format shanghai-putuo-final): every heading, table
title and figure of our DOCX and PDF against the real document, ../shared/reference/shanghai/czj-2024-final.txt
("行N" below is its line). The workbook (examples/201.json) holds amounts in 元, chosen so that every printed
万元 figure rounds as printed (the document is rounded from 元; its 项 sum to 2940.06 while every total says
2940.05, which 元 amounts reconcile). Where the document contradicts itself, the comment says which figure we keep
and why."""

from __future__ import annotations

import re

from tests.golden import Built, assert_all_in, built_example, compact, total_row

UNIT = "上海市普陀区财政局"
PARTS = [  # 行6, 11, 30, 52 (目录) = 行53, 125, 524–525, 701 (body)
    f"第一部分 {UNIT}概况",
    f"第二部分 {UNIT}2024年度部门决算表",
    f"第三部分 {UNIT}2024年度部门决算情况说明",
    "第四部分 名词解释",
]
OVERVIEW = ["一、主要职能", "二、部门决算单位构成"]  # 行7–9 = 行56, 114
TABLE_TITLES = [  # 行130, 165, 204, 247, 304, 332, 479, 492, 508 (and 行12–28)
    "收入支出决算总表",
    "收入决算表",
    "支出决算表",
    "财政拨款收入支出决算总表",
    "一般公共预算财政拨款支出决算表",
    "一般公共预算财政拨款基本支出决算表",
    "财政拨款“三公”经费支出决算表",
    "政府性基金预算财政拨款收入支出决算表",
    "国有资本经营预算财政拨款收入支出决算表",
]
TOC_TABLES = [f"{n}、{t}" for n, t in zip("一二三四五六七八九", TABLE_TITLES, strict=True)]  # 行12–28
SECTIONS = [  # 行31–50 (目录) = 行528–678 (body)
    "一、收入支出决算总体情况说明",
    "二、收入决算情况说明",
    "三、支出决算情况说明",
    "四、财政拨款收入支出决算总体情况说明",
    "五、一般公共预算财政拨款支出决算情况说明",
    "六、一般公共预算财政拨款基本支出决算情况说明",
    "七、财政拨款“三公”经费支出决算情况说明",
    "八、政府性基金预算财政拨款收入支出决算情况说明",
    "九、国有资本经营预算财政拨款收入支出决算情况说明",
    "十、预算绩效管理情况",
    # 行50's 目录 says "十一、其他重要事项说明", the body (行678) and the district's template body
    # "十一、其他重要事项的情况说明": we print the body's words in both places (目录 = headings).
    "十一、其他重要事项的情况说明",
]
# 表1's 支出 side (行135–160) and 表4's (行259–294, its names wrapped over two lines): the same 26 类 rows, printed
# with or without an amount (the format's `classes`; the district's template, final-template-2024 行102–125, has
# 24: these without 二十四、债务还本支出 and 二十五、债务付息支出).
CLASS_ROWS = [
    "一、一般公共服务支出",
    "二、外交支出",
    "三、国防支出",
    "四、公共安全支出",
    "五、教育支出",
    "六、科学技术支出",
    "七、文化旅游体育与传媒支出",
    "八、社会保障和就业支出",
    "九、卫生健康支出",
    "十、节能环保支出",
    "十一、城乡社区支出",
    "十二、农林水支出",
    "十三、交通运输支出",
    "十四、资源勘探工业信息等支出",
    "十五、商业服务业等支出",
    "十六、金融支出",
    "十七、援助其他地区支出",
    "十八、自然资源海洋气象等支出",
    "十九、住房保障支出",
    "二十、粮油物资储备支出",
    "二十一、国有资本经营预算支出",
    "二十二、灾害防治及应急管理支出",
    "二十三、其他支出",
    "二十四、债务还本支出",
    "二十五、债务付息支出",
    "二十六、抗疫特别国债安排的支出",
]
# Table cells in 万元 as the document prints them.
CELLS = [
    "2,940.05",  # 一般公共预算财政拨款收入, 本年支出合计 (行135, 161, 214, 258, 295, 331)
    "2,106.66",  # 一般公共服务支出 (行135, 218, 259, 312)
    "6.20",  # 其他收入 (行142, 175)
    # 社会保障和就业支出: 行142 and 行271 print 326.71, 行185, 228, 318 326.72 (its four 项 84.65 + 160.75 + 80.38
    # + 0.94): one figure has one value, and we keep 326.72 in every table.
    "326.72",
    "60.99",  # 卫生健康支出 (行143, 197, 272, 324) and 职工基本医疗保险缴费 (行372)
    "445.69",  # 住房保障支出 (行153, 200, 284, 327)
    "2,946.25",  # 本年收入合计 (行161, 175)
    "49.14",  # 年初结转和结余 (行163)
    "55.34",  # 年末结转和结余 (行163)
    "2,995.39",  # 总计 (行164)
    "2,112.86",  # 201 收入 (行179–180)
    "1,511.90",  # 2010601 收入 (行181)
    "1,511.89",  # 行政运行 财政拨款 (行181, 222, 314)
    "0.01",  # 行政运行 其他收入 (行181)
    "16.19",  # 一般行政管理事务 收入 (行182)
    "6.19",  # 一般行政管理事务 其他收入 (行182)
    "135.25",  # 信息化建设 (行183, 225, 316)
    "449.52",  # 财政委托业务支出 (行184, 227, 317)
    "84.65",  # 行政单位离退休 (行187, 230, 320)
    "160.75",  # 基本养老保险缴费 (行189, 232, 321, 363)
    "80.38",  # 职业年金缴费 (行193, 236, 322, 368)
    "0.94",  # 其他行政事业单位养老支出 (行196, 239, 323)
    "187.19",  # 住房公积金 (行202, 245, 329, 383)
    "258.50",  # 购房补贴 (行203, 246, 330)
    "2,336.91",  # 基本支出 (行213, 331)
    "603.14",  # 项目支出 (行213, 331)
    "1,503.52",  # 行政运行 基本支出 (行217, 221, 314)
    "8.37",  # 行政运行 项目支出 (行222, 314)
    "21.63",  # 年初/年末财政拨款结转和结余 (行297)
    "2,961.68",  # 财政拨款 总计 (行303)
    # 一般公共预算财政拨款基本支出决算表 (行341–477); its 301 parts sum to 2082.86 and 302's to 171.09 against the
    # printed 2,082.85 and 171.07: rounding of 元 amounts, which the workbook's 元 reproduce.
    "2,082.85",
    "262.33",
    "1,238.58",
    "1.61",
    "91.03",
    "69.41",
    "69.10",
    "0.31",
    "171.07",
    "21.21",
    "7.61",
    "0.09",
    "4.88",
    "1.20",
    "2.83",
    "4.05",
    "2.01",
    "24.42",
    "42.77",
    "48.49",
    "11.53",
    "13.58",
    "2,152.26",  # 人员经费合计 (行477)
    "184.65",  # 公用经费合计 (行477)
]
# 财政拨款“三公”经费支出决算表 (行489–491): 预算数 0.95 under 合计 and 公务接待费, every 决算数 0 (blank).
SANGONG_ROW = ["0.95", "", "", "", "", "", "", "", "", "", "0.95", ""]
EMPTY_NOTES = [  # 行507, 523
    f"注：{UNIT}无政府性基金预算财政拨款支出，故本表无数据。",
    f"注：{UNIT}无国有资本经营预算财政拨款支出，故本表无数据。",
]
SENTENCES = [
    # 第一部分 (行57–124)
    "第一条 根据《上海市普陀区机构改革方案》，制定本规定。",
    "（十二）完成区委、区政府交办的其他任务。",
    "上海市普陀区财政局（本级）",
    "上海市普陀区国库收付中心（预算不单列，并入本级）",
    # 一 (行530–532)
    "上海市普陀区财政局2024年度收入支出总计2995.39万元。与2023年度相比，收入支出总计减少56.95万元，下降1.87%。"
    "主要原因：基本支出中人员进出及退休变化，以及项目支出中合同支付进度条款等原因减少支付。",
    # 二 (行536–537): the document writes 6.2万元 beside 10.00万元 (行581) and 0.00万元 (行639); we write every
    # amount of the text with two decimals.
    "本年收入合计2946.25万元，其中：财政拨款收入2940.05万元，占99.79%；其他收入6.20万元，占0.21%",
    # 三 (行542–543)
    "本年支出合计2940.05万元，其中：基本支出2336.91万元，占79.49%；项目支出603.14万元，占20.51%",
    # 四 (行548–552) prints the 财政拨款收入支出总计 as "0.3万元", which no figure supports: 财政拨款收入支出决算总表
    # says 2,961.68 (行303), which we print. Its "持平" is kept (the workbook's 上年决算 is this year's figure), and a
    # 持平 needs no reason, so the reason 行549–552 gives for it is not typed.
    "上海市普陀区财政局2024年度财政拨款收入支出总计2961.68万元。与2023年度相比，财政拨款收入支出总计持平。",
    # 五（一） (行558–560)
    "一般公共预算财政拨款支出2940.05万元，占本年支出合计的100.00%。与2023年度相比，一般公共预算财政拨款支出"
    "减少63.14万元，下降2.10%。主要原因：基本支出中人员进出及退休变化，以及项目支出中合同支付进度条款等原因减少支付。",
    # 五（二） (行564–568): the document's 71.73% for 一般公共服务支出 is not 2106.66 ÷ 2940.05 = 71.65%, which we
    # print (its four shares add up to 100.07%).
    "一般公共预算财政拨款支出2940.05万元，主要用于以下方面：一般公共服务支出（类）2106.66万元，占71.65%；"
    "社会保障和就业支出（类）326.72万元，占11.11%；卫生健康支出（类）60.99万元，占2.07%；住房保障支出（类）"
    "445.69万元，占15.16%。",
    # 五（三） (行573–625). The eleven 年初预算 printed sum to 2993.93 against the total's 2993.92 (行573): rounding
    # of 元 amounts again; the rate 98.20% is 2940.05 ÷ 2993.92.
    "一般公共预算财政拨款支出年初预算为2993.92万元，支出决算为2940.05万元，完成年初预算的98.20%。"
    "决算数小于预算数的主要原因：因年度工作计划安排，个别信息化项目和中介机构服务调减。其中：",
    "1、一般公共服务支出（类）财政事务（款）行政运行（项）。主要用于：局本部人员经费及公用经费等的基本支出。"
    "年初预算为1560.05万元，支出决算为1511.89万元。决算数小于预算数的主要原因：人员进出及退休变化，减少人员经费开支。",
    "2、一般公共服务支出（类）财政事务（款）一般行政管理事务（项）。主要用于：局财政业务指导与宣传等基本支出。"
    "年初预算为10.00万元，支出决算为10.00万元。决算数与预算数基本持平。",
    "3、一般公共服务支出（类）财政事务（款）信息化建设（项）。主要用于：信息化系统日常维护费等支出。"
    "年初预算为135.90万元，支出决算为135.25万元。决算数小于预算数的主要原因：因产业政策扶持资金管理系统项目进度，调减相关经费。",
    # 行588–593 run 4's lines together out of order; read in order they are:
    "4、一般公共服务支出（类）财政事务（款）财政委托业务支出（项）。主要用于：委托中介机构开展各类审计及绩效评价工作。"
    "年初预算为450.52万元，支出决算为449.52万元。决算数小于预算数的主要原因：因个别项目评审费未能实施或未来得及支付完毕，"
    "于明年重新申请。",
    "5、社会保障和就业支出（类）行政事业单位养老支出（款）行政单位离退休（项）。主要用于：退休人员经费支出。"
    "年初预算为85.55万元，支出决算为84.65万元。决算数小于预算数的主要原因：预算按充分保障预估，实际执行基本贴合预期。",
    "6、社会保障和就业支出（类）行政事业单位养老支出（款）机关事业单位基本养老保险缴费支出（项）。主要用于：在职人员的"
    "基本养老保险支出。年初预算为161.62万元，支出决算为160.75万元。",
    "7、社会保障和就业支出（类）行政事业单位养老支出（款）机关事业单位职业年金缴费支出（项）。主要用于：在职人员的职业年金"
    "缴费支出。年初预算为80.81万元，支出决算为80.38万元。决算数小于预算数的主要原因：预算按周全保障测算，实际执行基本贴合预期。",
    "8、社会保障和就业支出（类）行政事业单位养老支出（款）其他行政事业单位养老支出（项）。主要用于：退休人员经费支出。"
    "年初预算为0.94万元，支出决算为0.94万元。决算数与预算数基本持平。",
    "9、卫生健康支出（类）行政事业单位医疗（款）行政单位医疗（项）。主要用于：在职人员基本医疗保险费。年初预算为62.29万元，"
    "支出决算为60.99万元。",
    "10、住房保障支出（类）住房改革支出（款）住房公积金（项）。主要用于：缴纳在职人员住房公积金。年初预算为187.75万元，"
    "支出决算为187.19万元。",
    "11、住房保障支出（类）住房改革支出（款）购房补贴（项）。主要用于：缴纳在职人员住房购房补贴。年初预算为258.50万元，"
    "支出决算为258.50万元。决算数与预算数基本持平。",
    # 六 (行628–633): the document names 个人农业生产补贴 among the 人员经费, but its table puts the 0.31 under 30309
    # 奖励金 (行422–424) and nothing under 个人农业生产补贴 (行427–428): the names come from the table, so 奖励金.
    "一般公共预算财政拨款基本支出2336.91万元。其中：人员经费2152.26万元，主要包括：基本工资、津贴补贴、机关事业单位基本养老"
    "保险缴费、职业年金缴费、职工基本医疗保险缴费、其他社会保障缴费、住房公积金、其他工资福利支出、退休费、奖励金；"
    "公用经费184.65万元，主要包括：办公费、印刷费、手续费、邮电费、差旅费、维修（护）费、培训费、劳务费、工会经费、福利费、"
    "其他交通费用、其他商品和服务支出、办公设备购置。",
    # 七 (行639–643): the document quotes "完成预算的0%" for 因公出国（境）费 and 公务用车, whose 年初预算 is 0 (the
    # table, 行491): no rate over a zero budget, so "年初未安排预算". Rates keep two decimals as 98.20% (行574) does.
    "“三公”经费财政拨款支出年初预算为0.95万元，支出决算为0.00万元，完成预算的0.00%，其中：因公出国（境）费年初未安排预算，"
    "支出决算为0.00万元；公务用车购置及运行维护费年初未安排预算，支出决算为0.00万元；公务接待费年初预算为0.95万元，"
    "支出决算为0.00万元，完成预算的0.00%。2024年度“三公”经费支出决算数小于预算数的主要原因：当年度无“三公”经费支出。",
    # 行645–647, 651
    "2024年度“三公”经费财政拨款支出决算数与2023年度持平。其中：因公出国（境）费支出决算持平；公务用车购置及运行维护费"
    "支出决算持平；公务接待费支出决算持平。",
    "上海市普陀区财政局2024年度无“三公”经费财政拨款支出。",
    "上海市普陀区财政局2024年度无政府性基金预算财政拨款收入和支出。",  # 行655
    "上海市普陀区财政局2024年度无国有资本经营预算财政拨款收入和支出。",  # 行659
    # 十 (行663–675, whose lines the dump prints out of order)
    "上海市普陀区财政局2024年度预算绩效管理工作开展情况如下：本部门制定了普陀区财政局预算绩效管理实施办法，建立了普陀区"
    "财政局预算绩效管理工作机制；实行全过程绩效管理实施情况跟踪：编报绩效目标的2024年度项目4个，涉及预算金额598.42万元；"
    "绩效跟踪评价的2024年度项目4个，涉及预算金额598.42万元；绩效自评的2024年度项目4个，涉及预算金额598.42万元，"
    "平均得分99.43分（其中，绩效评级为“优”的项目4个；绩效评级为“良”的项目0个；绩效评级为“合格”的项目0个；"
    "绩效评级为“不合格”的项目0个。绩效自评中共发现问题0个，已经完成整改的0个，正在整改的0个）。",
    # 十一 (行680–700); "0万元" (行687, 690, 692) is written 0.00万元 as 行639 writes it.
    "（一）机关运行经费支出情况",
    "机关运行经费支出184.65万元，比2023年度增加2.55万元，增长1.40%。主要原因是优化办公环境、提升照明效率，更换了老旧"
    "照明设施，导致相关支出略有增加。",
    "（二）政府采购支出情况",
    # 行686–687: goods 4.79 + services 246.47 print a total of 251.25 (元 amounts 47,850 + 2,464,650 = 2,512,500)
    "上海市普陀区财政局2024年度政府采购金额（以合同签订为准）为251.25万元，其中：货物采购金额4.79万元、工程采购金额"
    "0.00万元、服务采购金额246.47万元。",
    "2024年度本部门面向中小企业预留政府采购项目预算金额246.47万元，面向小微企业预留政府采购项目预算金额0.00万元。"
    "在面向中小企业预留的政府采购项目中，由中小企业供应商中标或成交的，采购金额246.47万元；在面向小微企业预留政府采购"
    "项目中，由小微企业供应商中标或成交的，采购金额0.00万元；在其他政府采购项目中，由中小企业供应商中标或成交的，"
    "采购金额4.79万元。",
    "（三）国有资产占有使用情况说明",
    "截至2024年12月31日，上海市普陀区财政局共有车辆0辆，其中：部级领导干部用车0辆、主要领导干部用车0辆、机要通信用车"
    "0辆、应急保障用车0辆、执法执勤用车0辆、特种专业技术用车0辆、离退休干部用车0辆、其他用车0辆。单价100万元（含）以上"
    "设备（不含车辆）2台（套）。",
    # 第四部分 (行702–737)
    "一、财政拨款收入：指单位本年度从本级财政部门取得的财政拨款，包括一般公共预算财政拨款、政府性基金预算财政拨款和"
    "国有资本经营预算财政拨款。",
    "十一、机关运行经费：指行政单位和参照公务员法管理的事业单位使用一般公共预算财政拨款安排的基本支出中的日常公用经费支出。",
]


# the one warning: 8.37万元 of 项目支出 under 行政运行, as the document has it (行222, 314)
built = built_example("201", "czj", warnings=["project-under-admin-operation"])


def test_cover_toc_and_headings(built: Built) -> None:
    d = built.disclosure
    assert (d.cover_above, d.title) == (UNIT, "2024年度部门决算")  # 行1–2
    assert d.file_stem == "上海市普陀区财政局2024年度部门决算"
    expected_toc = [PARTS[0], *OVERVIEW, PARTS[1], *TOC_TABLES, PARTS[2], *SECTIONS, PARTS[3]]
    assert [e.text for e in d.toc] == expected_toc
    assert [t.title for t in d.tables] == TABLE_TITLES
    assert [t.numbers.unit for t in d.tables] == ["万元"] * 9  # 行131 … 单位：万元
    assert [compact(p) for p in built.paragraphs("Heading 1")] == [compact(p) for p in PARTS]
    assert [compact(p) for p in built.paragraphs("Heading 2")] == [compact(h) for h in [*OVERVIEW, *SECTIONS]]


def test_toc_entries_are_the_body_headings(built: Built) -> None:
    """Every 目录 entry is the heading its anchor carries in the body (tables: the number and the title)."""
    d = built.disclosure
    body: dict[str, str] = {p.anchor: p.heading for p in d.parts}
    body |= {s.anchor: s.heading for s in d.sections}
    body |= {b.anchor: b.heading or "" for p in d.parts for b in p.blocks if b.type == "overview"}
    tables = {t.anchor: t.title for t in d.tables}
    for entry in d.toc:
        if entry.anchor in tables:
            assert entry.text.split("、", 1)[1] == tables[entry.anchor]
        else:
            assert entry.text == body[entry.anchor]
    assert "十一、其他重要事项说明" not in [e.text for e in d.toc]  # 行50's wording, not its body's


def test_docx_has_every_figure_title_and_sentence(built: Built) -> None:
    assert_all_in([*TOC_TABLES, *TABLE_TITLES, *EMPTY_NOTES, *SENTENCES], built.docx_compact)
    for value in CELLS:
        assert value in built.docx_cells, value
    assert "326.71" not in built.docx_cells  # 行142's other value of the same figure
    assert [c.text for c in built.tables[6].rows[-1].cells] == SANGONG_ROW


def test_pdf_has_every_figure_title_and_sentence(built: Built) -> None:
    whole = built.pdf_compact_without_footers  # a paragraph may run over a page's footer
    assert_all_in([*PARTS, *TOC_TABLES, *TABLE_TITLES, *SECTIONS, *EMPTY_NOTES, *SENTENCES], whole)
    for value in CELLS:
        assert re.search(rf"(?<![\d,.]){re.escape(value)}(?![\d])", built.pdf_text), value


def test_tables_1_and_4_list_the_26_class_rows_czj_prints(built: Built) -> None:
    for t in (built.disclosure.tables[0], built.disclosure.tables[3]):
        above_total = t.rows[: t.rows.index(total_row(t))]  # 本年支出合计 (行161, 295)
        assert [r.cells[2] for r in above_total if r.cells[2]] == CLASS_ROWS
    for table in (built.tables[0], built.tables[3]):  # and so do the DOCX tables
        assert [c for c in dict.fromkeys(row.cells[2].text for row in table.rows) if c in CLASS_ROWS] == CLASS_ROWS
    assert "预备费" not in built.docx_text and "转移性支出" not in built.docx_text
