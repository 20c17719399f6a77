"""The layout of the input workbook: sheet names, columns, fields and vocabularies.

This module is the one definition of the workbook. The blank-workbook writer
(`generator.workbook.template`), the reader (`generator.workbook.reader`) and the
example builder (`scripts/build_examples.py`) all use it, so a renamed column
cannot drift between them. User-facing labels are Simplified Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

# --- sheet names -------------------------------------------------------------

SHEET_GUIDE = "填表说明"
SHEET_INFO = "基本信息"
SHEET_UNITS = "预算单位"
SHEET_ITEMS = "支出明细"
SHEET_PROJECTS = "项目信息"
SHEET_INDICATORS = "绩效指标"
SHEET_PRIOR = "上年对比"
SHEET_USES = "类用途说明"
SHEET_FACTS = "采购与资产"
SHEET_GLOSSARY = "名词解释"
SHEET_EXTRA_CODES = "补充科目"
SHEET_LISTS = "_代码表"  # hidden: catalog lists behind the dropdowns

INPUT_SHEETS = (
    SHEET_INFO,
    SHEET_UNITS,
    SHEET_ITEMS,
    SHEET_PROJECTS,
    SHEET_INDICATORS,
    SHEET_PRIOR,
    SHEET_USES,
    SHEET_FACTS,
    SHEET_GLOSSARY,
    SHEET_EXTRA_CODES,
)

# Row 1 of every list sheet holds the headers; data starts on row 2.
HEADER_ROW = 1
FIRST_DATA_ROW = 2
# Key/value sheets: column A label, column B value, column C note.
KV_LABEL_COL = "A"
KV_VALUE_COL = "B"
KV_NOTE_COL = "C"


class Kind(str, Enum):
    """How a cell is parsed."""

    TEXT = "text"  # free text, stripped
    LONGTEXT = "longtext"  # free text, line breaks kept (paragraphs)
    MONEY = "money"  # amount in the workbook's unit
    INT = "int"  # non-negative integer
    SIGNED_INT = "signed_int"  # integer, may be negative (staff changes)
    NUMBER = "number"  # non-negative decimal (areas, weights)
    DATE = "date"
    FUNC_CODE = "func_code"  # 7-digit 支出功能分类 项 code
    CLASS_CODE = "class_code"  # 3-digit 支出功能分类 类 code
    ECON_CODE = "econ_code"  # 5-digit 部门预算支出经济分类 款 code
    CHOICE = "choice"  # one of a fixed vocabulary
    MONTH = "month"  # 1..12


@dataclass(frozen=True)
class Column:
    """One column of a list sheet."""

    key: str  # attribute name in the input model
    header: str  # exact Chinese header in row 1
    kind: Kind
    width: float = 14
    note: str = ""  # shown as a comment on the header cell
    required: bool = False
    choices: tuple[str, ...] = ()
    display_only: bool = False  # filled by a formula or the tool; the reader ignores it
    default: object = None  # value assumed when the cell is empty
    # Written by a `disclosure` command, never typed; read back like an input (styled as automatic).
    tool: bool = False
    # Added after the first template: an older workbook may lack it (only trailing columns).
    added: bool = False
    # TEXT with a non-binding dropdown from the year's 绩效指标 framework ("level1", "level2", "basis",
    # "scoring"); other text is accepted by the reader and judged by the validations.
    suggest: str = ""


@dataclass(frozen=True)
class Field:
    """One row of a key/value sheet."""

    key: str
    label: str  # exact Chinese label in column A
    kind: Kind
    note: str = ""
    required: bool = False
    default: object = None
    choices: tuple[str, ...] = ()
    # Added after the first template: an older workbook without this row reads the default.
    added: bool = False


# --- vocabularies ------------------------------------------------------------


class FundSource(str, Enum):
    """Where a line item's money comes from; mirrors the 表1 income rows."""

    GPB_LOCAL = "一般公共预算拨款（一般财力）"
    GPB_TRANSFER = "上级一般公共预算安排转移支付"
    FUND_LOCAL = "政府性基金预算拨款（本级）"
    FUND_TRANSFER = "上级政府性基金安排转移支付"
    SOE_LOCAL = "国有资本经营预算拨款（本级）"
    SOE_TRANSFER = "上级国有资本经营预算安排转移支付"
    SPECIAL_ACCOUNT = "财政专户核拨"
    UNIT_BUSINESS = "单位资金（事业收入）"
    UNIT_SUBSIDY = "单位资金（上级补助收入）"
    UNIT_AFFILIATE = "单位资金（附属单位上缴收入）"
    UNIT_OPERATING = "单位资金（事业单位经营收入）"
    UNIT_OTHER = "单位资金（其他收入）"
    CARRY_GPB = "财政拨款结转（一般公共预算）"
    CARRY_FUND = "财政拨款结转（政府性基金）"
    CARRY_SOE = "财政拨款结转（国有资本经营）"
    NONFISCAL_SPECIAL = "非财政拨款结转结余（财政专户核拨）"
    NONFISCAL_UNIT = "非财政拨款结转结余（单位资金）"


class SpendingKind(str, Enum):
    BASIC = "基本支出"
    PROJECT = "项目支出"
    # Only in a 决算 workbook (支出决算表's last three columns), and never paid from 财政拨款: the 决算 splits
    # 财政拨款 spending into 基本支出 and 项目支出 alone (一般公共预算财政拨款支出决算表).
    UPPER = "上缴上级支出"
    OPERATING = "经营支出"
    AFFILIATE = "对附属单位补助支出"


# The 支出类型 of a 预算 workbook, and those a 决算 workbook adds.
BUDGET_SPENDING_KINDS = (SpendingKind.BASIC, SpendingKind.PROJECT)
FINAL_SPENDING_KINDS = (SpendingKind.UPPER, SpendingKind.OPERATING, SpendingKind.AFFILIATE)


class AmountUnit(str, Enum):
    WANYUAN = "万元"
    YUAN = "元"


# Comparison rows of sheet 上年对比. Column A holds one of these labels, or
# PRIOR_ITEM_PREFIX + a 7-digit 项 code (+ optional name) for section 五（三）.
class PriorKey(str, Enum):
    INCOME_GPB = "收入：一般公共预算"
    INCOME_GPB_TRANSFER = "收入：上级一般公共预算安排的转移支付"
    INCOME_FUND = "收入：政府性基金预算"
    INCOME_FUND_TRANSFER = "收入：上级政府性基金安排的转移支付"
    INCOME_SOE = "收入：国有资本经营预算"
    INCOME_SOE_TRANSFER = "收入：上级国有资本经营预算安排的转移支付"
    INCOME_SPECIAL = "收入：财政专户核拨"
    INCOME_UNIT = "收入：单位资金"
    INCOME_CARRY = "收入：财政拨款结转"
    INCOME_NONFISCAL = "收入：非财政拨款结转结余"
    SPEND_BASIC = "支出：基本支出"
    SPEND_PROJECT = "支出：项目支出"
    GPB_BASIC = "一般公共预算：基本支出"
    GPB_PROJECT = "一般公共预算：项目支出"
    SANGONG_ABROAD = "三公：因公出国（境）费"
    SANGONG_VEHICLE_BUY = "三公：公务用车购置费"
    SANGONG_VEHICLE_RUN = "三公：公务用车运行费"
    SANGONG_RECEPTION = "三公：公务接待费"
    OPERATING = "机关运行经费"


PRIOR_ITEM_PREFIX = "一般公共预算项："

# The 绩效指标 vocabularies are per-year data: generator/catalog/data/<year>/indicators.json.

# --- sheet 基本信息 -------------------------------------------------------------

INFO_FIELDS: tuple[Field, ...] = (
    Field("unit_name", "单位全称", Kind.TEXT, "如：昌吉州政务服务和公共资源交易管理局", required=True),
    Field("short_name", "单位简称", Kind.TEXT, "正文“关于××……”处使用；无简称时填全称", required=True),
    Field("year", "预算年度", Kind.INT, "四位年份，如 2023", required=True),
    Field(
        "amount_unit",
        "金额单位",
        Kind.CHOICE,
        "本工作簿所有金额的单位。选“元”时按元填写到分，公开文件的万元数由精确合计四舍五入得出",
        required=True,
        default=AmountUnit.WANYUAN.value,
        choices=tuple(u.value for u in AmountUnit),
    ),
    Field(
        "functions",
        "主要职能",
        Kind.LONGTEXT,
        "第一部分“一、主要职能”全文；分段请在单元格内换行（Alt+Enter）",
        required=True,
    ),
    Field("organization", "机构设置", Kind.LONGTEXT, "第一部分“二、机构设置及人员情况”的机构设置段落", required=True),
    Field("staff_quota", "编制数", Kind.INT, "单位：人", required=True),
    Field("staff_active", "在职人数", Kind.INT, "单位：人", required=True),
    Field(
        "staff_active_change", "在职人数比上年增减", Kind.SIGNED_INT, "增加填正数，减少填负数，无变化填0", required=True
    ),
    Field("staff_retired", "退休人数", Kind.INT, "单位：人", required=True),
    Field(
        "staff_retired_change",
        "退休人数比上年增减",
        Kind.SIGNED_INT,
        "增加填正数，减少填负数，无变化填0",
        required=True,
    ),
    Field("staff_veteran", "离休人数", Kind.INT, "单位：人", required=True),
    Field(
        "staff_veteran_change",
        "离休人数比上年增减",
        Kind.SIGNED_INT,
        "增加填正数，减少填负数，无变化填0",
        required=True,
    ),
    Field("sign_date", "落款日期", Kind.DATE, "文末落款日期，须在预算年度或次年内，如 2023-01-31；不填则不印日期"),
    Field(
        "weight_total",
        "绩效指标分值权重合计",
        Kind.NUMBER,
        "每张绩效目标表的指标分值权重之和；常见为90（预留10分给预算执行率）或100",
        required=True,
        default=90,
    ),
    Field("other_matters", "其他需说明的事项", Kind.LONGTEXT, "第三部分十一（五）；不填则写“无其他需要说明的事项。”"),
    Field("control_total", "收支总计核对数", Kind.MONEY, "选填：预算系统批复的收支总计，用于核对支出明细合计"),
    Field("control_gpb", "一般公共预算拨款核对数", Kind.MONEY, "选填：批复的一般公共预算当年拨款合计，用于核对"),
    # Issue 16: the installed format the document is laid out in (`disclosure formats` lists them).
    Field(
        "format",
        "格式",
        Kind.TEXT,
        "公开文件的格式（地区和年度样式），从下拉列表选择；财政局另有格式时由信息中心安装",
        required=True,
        default="xinjiang-2023",
        added=True,
    ),
    # The edition of the format (部门版 / 单位版; `disclosure formats` lists each format's); blank: its first.
    Field(
        "edition",
        "版本",
        Kind.TEXT,
        "公开文件的版本（部门版：主管部门汇总本部门及下属单位；单位版：一个预算单位），从下拉列表选择；不填则用格式的第一个版本",
        added=True,
    ),
)

# --- sheet 预算单位 -------------------------------------------------------------

UNIT_TYPES = ("行政单位", "参照公务员法管理事业单位", "事业单位", "其他")
OPERATING_UNIT_TYPES = frozenset(UNIT_TYPES[:2])  # units that have 机关运行经费

UNIT_COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "预算单位名称",
        Kind.TEXT,
        44,
        "预算单位全称，绩效目标表“预算单位”栏使用，如：昌吉回族自治州工业和信息化局本级",
        required=True,
    ),
    # Issue 7 §5 (added column): 机关运行经费 covers 行政 and 参公 units only.
    Column(
        "unit_type",
        "单位类型",
        Kind.CHOICE,
        26,
        "行政单位、参照公务员法管理事业单位、事业单位或其他；机关运行经费只含行政单位和参公单位。第一行为本级",
        choices=UNIT_TYPES,
        default=UNIT_TYPES[0],
        added=True,
    ),
)

# --- sheet 支出明细 -------------------------------------------------------------

ITEM_COLUMNS: tuple[Column, ...] = (
    Column("unit", "预算单位", Kind.TEXT, 30, "从下拉列表选择（来自“预算单位”表）；只有一个预算单位时可不填"),
    Column("func_code", "功能分类科目编码", Kind.FUNC_CODE, 14, "7位“项”级编码，如 2010301", required=True),
    Column("func_name", "功能分类科目名称", Kind.TEXT, 34, "自动显示，无需填写", display_only=True),
    Column(
        "econ_code",
        "经济分类科目编码",
        Kind.ECON_CODE,
        14,
        "5位“款”级编码（部门预算支出经济分类），如 30101",
        required=True,
    ),
    Column("econ_name", "经济分类科目名称", Kind.TEXT, 24, "自动显示，无需填写", display_only=True),
    Column(
        "kind",
        "支出类型",
        Kind.CHOICE,
        11,
        "基本支出或项目支出；决算工作簿还可选上缴上级支出、经营支出、对附属单位补助支出（这三类不用财政拨款）",
        required=True,
        choices=tuple(k.value for k in SpendingKind),
    ),
    Column("project", "项目名称", Kind.TEXT, 36, "项目支出必填，须与“项目信息”表的项目名称完全一致；基本支出不填"),
    Column(
        "source",
        "资金来源",
        Kind.CHOICE,
        30,
        "从下拉列表选择",
        required=True,
        choices=tuple(s.value for s in FundSource),
    ),
    Column("amount", "金额", Kind.MONEY, 14, "按“基本信息”的金额单位填写，最多两位小数（万元）", required=True),
    Column("remark", "备注", Kind.TEXT, 20, "选填，不进入公开文件"),
    # Issue 20: in a 决算 workbook 金额 is the 年初预算数 and this is the line's 决算数 (hidden in a 预算 workbook).
    Column(
        "final",
        "决算数",
        Kind.MONEY,
        14,
        "决算工作簿填写：本行支出的决算数（“金额”为年初预算数；未支出填0，年初未安排的支出“金额”填0）",
        added=True,
    ),
)

# --- sheet 项目信息 -------------------------------------------------------------

PROJECT_COLUMNS: tuple[Column, ...] = (
    Column("name", "项目名称", Kind.TEXT, 36, "与支出明细、绩效指标表中的项目名称完全一致", required=True),
    Column("manager", "项目负责人", Kind.TEXT, 12, required=True),
    Column("policy_basis", "设立的政策依据", Kind.LONGTEXT, 40, required=True),
    Column("undertaker", "项目承担单位", Kind.TEXT, 30, required=True),
    Column(
        "allocation",
        "资金分配情况",
        Kind.LONGTEXT,
        40,
        "如写明各部分金额（××万元），其合计须等于项目预算",
        required=True,
    ),
    Column("start_month", "执行起始月", Kind.MONTH, 10, "1–12，预算年度内", default=1),
    Column("end_month", "执行截止月", Kind.MONTH, 10, "1–12，预算年度内", default=12),
    Column("goal", "项目总体目标", Kind.LONGTEXT, 40, required=True),
    # Issue 7 §4/§5 (added columns):
    Column(
        "period",
        "资金执行时间（按日）",
        Kind.TEXT,
        26,
        "选填，按日写执行期时填写，如 2023年1月1日至2023年12月31日；填写后代替起止月",
        added=True,
    ),
    Column(
        "weight_total",
        "绩效指标权重合计",
        Kind.NUMBER,
        12,
        "本项目各指标分值权重之和，如 100 或 90；不填则按“基本信息”的绩效指标分值权重合计",
        added=True,
    ),
    Column(
        "publish_targets",
        "公开绩效目标表",
        Kind.CHOICE,
        12,
        "选“否”时不附本项目的绩效目标表，也不需要绩效指标；项目仍计入其他各表和说明",
        choices=("是", "否"),
        default="是",
        added=True,
    ),
    # Issue 16 §2 (上海普陀 七、项目经费情况说明; added columns): a project with a 项目概述 is described there.
    Column(
        "summary",
        "项目概述",
        Kind.LONGTEXT,
        40,
        "选填；填写后本项目列入“项目经费情况说明”（按项目逐个说明的格式使用）",
        added=True,
    ),
    Column("plan", "实施方案", Kind.LONGTEXT, 40, "填写了项目概述时必填；分条请在单元格内换行", added=True),
)

# --- sheet 绩效指标 -------------------------------------------------------------

INDICATOR_COLUMNS: tuple[Column, ...] = (
    Column("project", "项目名称", Kind.TEXT, 30, "须与“项目信息”表一致", required=True),
    Column(
        "level1", "一级指标", Kind.TEXT, 11, "从下拉列表选择（本年度绩效指标体系）", required=True, suggest="level1"
    ),
    Column(
        "level2",
        "二级指标",
        Kind.TEXT,
        13,
        "从下拉列表选择，须属于所填一级指标，如 产出指标—数量指标、效益指标—社会效益指标",
        required=True,
        suggest="level2",
    ),
    Column("level3", "三级指标", Kind.TEXT, 30, required=True),
    Column(
        "value",
        "指标值",
        Kind.TEXT,
        14,
        "比较符号＋数字＋单位，如 >=98%、=1个、<=8万元；或定性值，如 提升、保障",
        required=True,
    ),
    Column(
        "basis",
        "指标值设置依据",
        Kind.TEXT,
        13,
        "从下拉列表选择；填写其他文字时给出警告",
        required=True,
        suggest="basis",
    ),
    Column("last_value", "上年完成值", Kind.TEXT, 11, "无则不填"),
    Column("weight", "指标分值权重", Kind.NUMBER, 10, required=True),
    Column(
        "scoring",
        "指标赋分规则",
        Kind.TEXT,
        16,
        "从下拉列表选择，如 按照完成比例赋分、按照评判等级赋分；填写其他文字时给出警告",
        required=True,
        suggest="scoring",
    ),
    Column("evidence", "佐证资料", Kind.TEXT, 14, "如 工作资料、原始凭证", required=True),
)

# --- sheet 上年对比 -------------------------------------------------------------

PRIOR_COLUMNS: tuple[Column, ...] = (
    Column("key", "比较项目", Kind.TEXT, 40, "由“disclosure prepare”自动列出；勿改动文字", required=True),
    Column("prior", "上年预算数", Kind.MONEY, 14, "上年预算公开中的对应数"),
    Column("reason", "主要原因", Kind.LONGTEXT, 50, "本年与上年不同时必填"),
    Column("current", "本年预算数（自动）", Kind.MONEY, 16, "由工具根据支出明细计算，仅供参考", display_only=True),
    Column("hint", "说明（自动）", Kind.TEXT, 40, "由工具填写", display_only=True),
    # Issue 7 §2: the figure a reason was written for, recorded by `disclosure prepare`.
    Column(
        "recorded",
        "原因对应的本年数（自动）",
        Kind.NUMBER,
        16,
        "由 disclosure prepare 在首次看到或改写主要原因时记录（万元），勿手工修改；本年数变化后据此提示核对原因",
        tool=True,
        added=True,
    ),
    Column(
        "recorded_check",
        "原因校验码（自动）",
        Kind.TEXT,
        12,
        "由 disclosure prepare 填写，勿手工修改；用于判断主要原因是否已改写",
        tool=True,
        added=True,
    ),
    # Issue 16 §2 (上海普陀 四、财政拨款支出主要内容, added column): what each 项 is mainly for.
    Column(
        "use",
        "主要用于（按项说明）",
        Kind.LONGTEXT,
        40,
        "只在“一般公共预算项”行填写：该项主要用于哪些方面（按“项”逐条说明用途的格式使用）",
        added=True,
    ),
)

# --- sheet 类用途说明 -----------------------------------------------------------

USE_COLUMNS: tuple[Column, ...] = (
    Column("class_code", "功能分类类编码", Kind.CLASS_CODE, 14, "3位“类”级编码，如 201", required=True),
    Column("class_name", "类名称", Kind.TEXT, 28, "自动显示，无需填写", display_only=True),
    Column("use", "主要用于", Kind.LONGTEXT, 50, "第三部分四“主要用于……”的内容", required=True),
)

# --- sheet 采购与资产 -----------------------------------------------------------

# Vehicle categories of 党政机关公务用车 (上海普陀 六（五）), in their published order: (field key, name).
VEHICLE_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("ministerial", "部级领导干部用车"),
    ("leader", "主要领导干部用车"),
    ("confidential", "机要通信用车"),
    ("emergency", "应急保障用车"),
    ("law", "执法执勤用车"),
    ("special", "特种专业技术用车"),
    ("retired", "离退休干部用车"),
    ("other", "其他用车"),
)

FACT_FIELDS: tuple[Field, ...] = (
    Field("proc_goods", "政府采购货物预算", Kind.MONEY, required=True, default=0),
    Field("proc_works", "政府采购工程预算", Kind.MONEY, required=True, default=0),
    Field("proc_services", "政府采购服务预算", Kind.MONEY, required=True, default=0),
    Field("proc_sme", "面向中小企业预留金额", Kind.MONEY, "不得超过政府采购预算合计", required=True, default=0),
    Field(
        "proc_small", "其中：面向小微企业预留金额", Kind.MONEY, "不得超过面向中小企业预留金额", required=True, default=0
    ),
    Field("house_area", "房屋面积（平方米）", Kind.NUMBER, "截至上年底", required=True, default=0),
    Field("house_value", "房屋价值", Kind.MONEY, required=True, default=0),
    Field("car_general_count", "一般公务用车数量（辆）", Kind.INT, required=True, default=0),
    Field("car_general_value", "一般公务用车价值", Kind.MONEY, required=True, default=0),
    Field("car_law_count", "执法执勤用车数量（辆）", Kind.INT, required=True, default=0),
    Field("car_law_value", "执法执勤用车价值", Kind.MONEY, required=True, default=0),
    Field("car_other_count", "其他车辆数量（辆）", Kind.INT, required=True, default=0),
    Field("car_other_value", "其他车辆价值", Kind.MONEY, required=True, default=0),
    Field("furniture_value", "办公家具价值", Kind.MONEY, required=True, default=0),
    Field("other_asset_value", "其他资产价值", Kind.MONEY, required=True, default=0),
    Field("equip50_count", "单位价值50万元以上大型设备（台套）", Kind.INT, required=True, default=0),
    Field(
        "equip100_count",
        "单位价值100万元以上大型设备（台套）",
        Kind.INT,
        "不得超过50万元以上设备数",
        required=True,
        default=0,
    ),
    Field("buy_equip50_count", "本年拟购置50万元以上大型设备（台套）", Kind.INT, required=True, default=0),
    Field(
        "buy_equip100_count",
        "本年拟购置100万元以上大型设备（台套）",
        Kind.INT,
        "不得超过拟购置50万元以上设备数",
        required=True,
        default=0,
    ),
    # Issue 16 §2 (上海普陀 六（五）, added rows): vehicles by category, held and to be bought.
    *(
        Field(f"{prefix}_{key}", f"{label}{name}（辆）", Kind.INT, note, default=0, added=True)
        for prefix, label, note in (
            ("cars", "车辆：", "截至上年8月31日的实有数（按车辆类别公开的格式使用）"),
            ("buy_cars", "本年拟购置车辆：", "本年预算安排购置的数量（按车辆类别公开的格式使用）"),
        )
        for key, name in VEHICLE_CATEGORIES
    ),
)

# --- sheet 名词解释 -------------------------------------------------------------

GLOSSARY_COLUMNS: tuple[Column, ...] = (
    Column("term", "名词", Kind.TEXT, 18, required=True),
    Column("definition", "解释", Kind.LONGTEXT, 90, required=True),
)

DEFAULT_GLOSSARY: tuple[tuple[str, str], ...] = (
    ("财政拨款", "指由一般公共预算、政府性基金预算、国有资本经营预算安排的财政拨款数。"),
    ("一般公共预算", "包括公共财政拨款（补助）资金、专项收入。"),
    ("财政专户管理资金", "包括专户管理行政事业性收费（主要是教育收费）、其他非税收入。"),
    ("其他资金", "包括事业收入、事业经营收入、其他收入等。"),
    ("基本支出", "包括人员经费、公用经费（定额）。其中，人员经费包括工资福利支出、对个人和家庭的补助。"),
    (
        "项目支出",
        "部门（单位）支出预算的组成部分，是各部门（单位）为完成其特定的行政任务或事业发展目标，"
        "在基本支出预算之外编制的年度项目支出计划。",
    ),
    (
        "“三公”经费",
        "指因公出国（境）费、公务用车购置及运行维护费和公务接待费。其中：因公出国（境）费反映单位公务出国（境）的"
        "国际旅费、国外城市间交通费、住宿费、伙食费、培训费、公杂费等支出；公务用车运行维护费反映单位按规定保留的"
        "公务用车租用费、燃料费、维修费、过路过桥费、保险费、安全奖励费用等支出；公务接待费反映单位按规定开支的"
        "各类公务接待（含外宾接待）支出。",
    ),
    (
        "机关运行经费",
        "指各部门（单位）的公用经费，包括办公及印刷费、邮电费、差旅费、会议费、福利费、日常维修费、"
        "专用材料及一般设备购置费、办公用房水电费、办公用房取暖费、办公用房物业管理费、公务用车运行维护费及其他费用。",
    ),
)

# --- sheet 补充科目 -------------------------------------------------------------

CODE_TYPES = ("功能分类", "经济分类")

EXTRA_CODE_COLUMNS: tuple[Column, ...] = (
    Column("code_type", "分类", Kind.CHOICE, 12, "功能分类或经济分类", required=True, choices=CODE_TYPES),
    Column(
        "code",
        "科目编码",
        Kind.TEXT,
        14,
        "代码表中没有的科目（如新增科目）：功能分类3/5/7位，经济分类3/5位",
        required=True,
    ),
    Column("name", "科目名称", Kind.TEXT, 40, "官方科目名称，将原样公开", required=True),
)

LIST_SHEETS: dict[str, tuple[Column, ...]] = {
    SHEET_UNITS: UNIT_COLUMNS,
    SHEET_ITEMS: ITEM_COLUMNS,
    SHEET_PROJECTS: PROJECT_COLUMNS,
    SHEET_INDICATORS: INDICATOR_COLUMNS,
    SHEET_PRIOR: PRIOR_COLUMNS,
    SHEET_USES: USE_COLUMNS,
    SHEET_GLOSSARY: GLOSSARY_COLUMNS,
    SHEET_EXTRA_CODES: EXTRA_CODE_COLUMNS,
}
KV_SHEETS: dict[str, tuple[Field, ...]] = {
    SHEET_INFO: INFO_FIELDS,
    SHEET_FACTS: FACT_FIELDS,
}


def column_letter(sheet: str, key: str) -> str:
    """Excel column letter of `key` on list sheet `sheet` (a 预算 or a 决算 sheet)."""
    cols = ALL_LIST_SHEETS[sheet]
    for i, col in enumerate(cols):
        if col.key == key:
            return _letter(i + 1)
    raise KeyError(f"{sheet}.{key}")


def _letter(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


# --- text limits ---------------------------------------------------------------

# Longest text, in characters, each published text field may hold: what fits the place it
# is printed in (a title line, a narrow cell of the 绩效目标表, a paragraph), with room to
# spare for every real document. Longer text is an error at its cell (reader), so a
# workbook cannot make a page-long table cell or a build that runs for minutes.
# Fields not listed keep the general cap of cells.MAX_TEXT_CHARS (whole paragraphs).
TEXT_LIMITS: dict[tuple[str, str], tuple[int, str]] = {
    (SHEET_INFO, "unit_name"): (50, "公开文件标题和各表“编制部门”一行"),
    (SHEET_INFO, "short_name"): (30, "说明文字中的单位简称"),
    (SHEET_UNITS, "name"): (50, "绩效目标表“单位名称”栏"),
    (SHEET_ITEMS, "unit"): (50, "绩效目标表“单位名称”栏"),
    (SHEET_ITEMS, "project"): (100, "表7和绩效目标表的项目名称栏"),
    (SHEET_ITEMS, "remark"): (200, "备注"),
    (SHEET_PROJECTS, "name"): (100, "表7和绩效目标表的项目名称栏"),
    (SHEET_PROJECTS, "manager"): (20, "绩效目标表“项目负责人”栏"),
    (SHEET_PROJECTS, "undertaker"): (50, "项目情况说明中的“项目承担单位”"),
    (SHEET_PROJECTS, "policy_basis"): (1000, "项目情况说明中的“设立的政策依据”"),
    (SHEET_PROJECTS, "allocation"): (1000, "项目情况说明中的“资金分配情况”"),
    (SHEET_PROJECTS, "goal"): (1000, "绩效目标表“年度绩效目标”栏"),
    (SHEET_INDICATORS, "project"): (100, "绩效目标表的项目名称栏"),
    (SHEET_INDICATORS, "level2"): (20, "绩效目标表“二级指标”栏"),
    (SHEET_INDICATORS, "level3"): (100, "绩效目标表“三级指标”栏"),
    (SHEET_INDICATORS, "value"): (50, "绩效目标表“指标值”栏"),
    (SHEET_INDICATORS, "last_value"): (50, "绩效目标表“上年完成值”栏"),
    (SHEET_INDICATORS, "evidence"): (100, "绩效目标表“佐证资料”栏"),
    (SHEET_PRIOR, "key"): (100, "比较项目"),
    (SHEET_PRIOR, "reason"): (500, "情况说明中的增减原因"),
    (SHEET_USES, "use"): (500, "情况说明中的“主要用于”"),
    (SHEET_GLOSSARY, "term"): (50, "名词解释的名词"),
    (SHEET_GLOSSARY, "definition"): (1000, "名词解释"),
    (SHEET_EXTRA_CODES, "code"): (20, "科目编码"),
    (SHEET_EXTRA_CODES, "name"): (100, "表格中的科目名称栏"),
}


# --- 决算 (issue 20) -------------------------------------------------------------
# A 决算 workbook is a 预算 workbook (its 支出明细 金额 being the 年初预算数, beside each line's 决算数)
# plus two sheets that only 决算 workbooks have: 决算情况 (the year's facts that are not line items)
# and 收入决算 (income by 科目 and source, which a 决算 reports apart from spending). A workbook that
# has these sheets is a 决算 workbook; `disclosure final-from-budget` writes them.

# The 决算 format `disclosure final-from-budget` names unless told another.
FINAL_DEFAULT_FORMAT = "shanghai-putuo-final"
SHEET_FINAL = "决算情况"
SHEET_FINAL_INCOME = "收入决算"
SHEET_FINAL_REASONS = "预决算对比"
SHEET_FINAL_PRIOR = "上年决算对比"
# 政府性基金/国有资本经营预算财政拨款 结转和结余 by 科目 (表8/表9 rows). Added after the first 决算 workbooks:
# one without it is read as having no rows (the 合计 row then shows the 决算情况 figures alone).
SHEET_FINAL_CARRY = "基金结转和结余"
FINAL_SHEETS = (SHEET_FINAL, SHEET_FINAL_INCOME, SHEET_FINAL_REASONS, SHEET_FINAL_PRIOR, SHEET_FINAL_CARRY)
FINAL_OPTIONAL_SHEETS = frozenset({SHEET_FINAL_CARRY})
# Its 资金性质: the 财政拨款 whose 收入支出决算表 lists the row.
FINAL_CARRY_FUNDS = ("政府性基金预算", "国有资本经营预算")


# Rows of sheet 预决算对比: the 决算 figures the document sets against their 年初预算, by these labels,
# or FINAL_ITEM_PREFIX + a 7-digit 项 code (+ optional name) for each 一般公共预算财政拨款 项.
class FinalKey(str, Enum):
    GPB_TOTAL = "一般公共预算财政拨款支出"
    SANGONG = "“三公”经费财政拨款支出"


FINAL_ITEM_PREFIX = PRIOR_ITEM_PREFIX


# Rows of sheet 上年决算对比: the 决算 figures the document compares with last year's 决算.
class FinalPriorKey(str, Enum):
    TOTAL = "收入支出决算总计"
    FISCAL_TOTAL = "财政拨款收入支出决算总计"
    GPB = "一般公共预算财政拨款支出"
    SANGONG = "“三公”经费财政拨款支出"
    SANGONG_ABROAD = "三公：因公出国（境）费"
    SANGONG_VEHICLE = "三公：公务用车购置及运行维护费"
    SANGONG_RECEPTION = "三公：公务接待费"
    OPERATING = "机关运行经费"


# 收入决算表 columns after 本年收入合计, in the official order.
FINAL_INCOME_SOURCES = ("财政拨款收入", "上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入")
FINAL_INCOME_FISCAL = FINAL_INCOME_SOURCES[0]

# 公务用车 categories of the 国有资产 paragraph (as of 12月31日), in the template's order.
FINAL_VEHICLE_CATEGORIES = (
    ("vehicles_minister", "部级领导干部用车"),
    ("vehicles_leader", "主要领导干部用车"),
    ("vehicles_confidential", "机要通信用车"),
    ("vehicles_emergency", "应急保障用车"),
    ("vehicles_law", "执法执勤用车"),
    ("vehicles_special", "特种专业技术用车"),
    ("vehicles_retired", "离退休干部用车"),
    ("vehicles_other", "其他用车"),
)
# 绩效自评 ratings in the template's order.
FINAL_RATINGS = (
    ("rated_excellent", "优"),
    ("rated_good", "良"),
    ("rated_pass", "合格"),
    ("rated_fail", "不合格"),
)


def _count(key: str, label: str, note: str = "") -> Field:
    return Field(key, label, Kind.INT, note, required=True, default=0)


def _money(key: str, label: str, note: str = "") -> Field:
    return Field(key, label, Kind.MONEY, note, required=True, default=0)


FINAL_FIELDS: tuple[Field, ...] = (
    # 收入支出决算总表 below 本年收入合计 / 本年支出合计
    _money("carry_in", "年初结转和结余", "上年末结转到本年的全部资金（含财政拨款和非财政拨款）"),
    _money("carry_in_fiscal", "其中：年初财政拨款结转和结余", "不得超过年初结转和结余"),
    _money("use_nonfiscal_balance", "使用非财政拨款结余（含专用结余）"),
    _money("balance_distribution", "结余分配"),
    _money("carry_out", "年末结转和结余", "本年收入＋年初结转和结余＋使用非财政拨款结余＝本年支出＋结余分配＋本项"),
    _money("carry_out_fiscal", "其中：年末财政拨款结转和结余", "不得超过年末结转和结余"),
    # “三公”经费 counts (the amounts are the 支出明细 决算数 by economic code)
    _count("abroad_groups", "因公出国（境）团组数（个）"),
    _count("abroad_people", "因公出国（境）人次"),
    _count("vehicles_bought", "公务用车购置数（辆）"),
    _count("vehicles_held", "公务用车保有量（辆）", "截至12月31日"),
    _count("reception_batches", "国内公务接待批次"),
    _count("reception_people", "国内公务接待人次"),
    # 政府采购, by contracts signed in the year
    _money("contract_goods", "政府采购合同金额：货物"),
    _money("contract_works", "政府采购合同金额：工程"),
    _money("contract_services", "政府采购合同金额：服务"),
    _money("reserved_sme", "面向中小企业预留政府采购项目预算金额"),
    _money("reserved_small", "其中：面向小微企业预留政府采购项目预算金额", "不得超过面向中小企业预留金额"),
    _money("awarded_sme_reserved", "预留项目中由中小企业中标或成交的采购金额"),
    _money("awarded_small_reserved", "小微企业预留项目中由小微企业中标或成交的采购金额"),
    _money("awarded_sme_other", "其他采购项目中由中小企业中标或成交的采购金额"),
    # 国有资产 as of 12月31日
    *(_count(key, f"车辆：{label}（辆）", "截至12月31日") for key, label in FINAL_VEHICLE_CATEGORIES),
    _count("equip100_count", "单价100万元（含）以上设备（不含车辆）（台套）", "截至12月31日"),
    # 预算绩效管理
    _count("targets_count", "编报绩效目标的项目数（个）"),
    _money("targets_amount", "编报绩效目标的项目预算金额"),
    _count("tracked_count", "绩效跟踪评价的项目数（个）"),
    _money("tracked_amount", "绩效跟踪评价的项目预算金额"),
    _count("evaluated_count", "绩效自评的项目数（个）"),
    _money("evaluated_amount", "绩效自评的项目预算金额"),
    Field("evaluated_score", "绩效自评平均得分", Kind.NUMBER, "0–100分，保留两位小数", required=True, default=0),
    *(
        _count(key, f"绩效评级为“{label}”的项目数（个）", "各评级项目数之和须等于绩效自评项目数")
        for key, label in FINAL_RATINGS
    ),
    _count("problems_found", "绩效自评中发现的问题数（个）"),
    _count("problems_fixed", "已完成整改的问题数（个）"),
    _count("problems_fixing", "正在整改的问题数（个）", "已完成整改与正在整改之和不得超过发现的问题数"),
    # Added with the 决算 format (issue 20 slice 2): an older 决算 workbook without these rows reads the defaults.
    Field(
        "performance_system",
        "预算绩效管理制度和工作机制",
        Kind.LONGTEXT,
        "预算绩效管理情况的第一句，如“本部门制定了……实施办法，建立了……工作机制”；不填则不写这一句",
        added=True,
    ),
    Field(
        "carry_in_fund",
        "其中：年初政府性基金预算财政拨款结转和结余",
        Kind.MONEY,
        "财政拨款收入支出决算总表：年初财政拨款结转和结余中属于政府性基金预算的部分",
        default=0,
        added=True,
    ),
    Field("carry_in_soe", "其中：年初国有资本经营预算财政拨款结转和结余", Kind.MONEY, default=0, added=True),
    Field("carry_out_fund", "其中：年末政府性基金预算财政拨款结转和结余", Kind.MONEY, default=0, added=True),
    Field("carry_out_soe", "其中：年末国有资本经营预算财政拨款结转和结余", Kind.MONEY, default=0, added=True),
)

FINAL_INCOME_COLUMNS: tuple[Column, ...] = (
    Column("func_code", "功能分类科目编码", Kind.FUNC_CODE, 14, "7位“项”级编码，如 2010601", required=True),
    Column("func_name", "功能分类科目名称", Kind.TEXT, 34, "自动显示，无需填写", display_only=True),
    Column(
        "income_type",
        "收入类型",
        Kind.CHOICE,
        20,
        "收入决算表的收入栏：" + "、".join(FINAL_INCOME_SOURCES),
        required=True,
        choices=FINAL_INCOME_SOURCES,
    ),
    Column("amount", "金额", Kind.MONEY, 14, "本年收入决算数，按“基本信息”的金额单位填写", required=True),
)

FINAL_CARRY_COLUMNS: tuple[Column, ...] = (
    Column("func_code", "功能分类科目编码", Kind.FUNC_CODE, 14, "7位“项”级编码，如 2120801", required=True),
    Column("func_name", "功能分类科目名称", Kind.TEXT, 34, "自动显示，无需填写", display_only=True),
    Column(
        "fund",
        "资金性质",
        Kind.CHOICE,
        20,
        "该科目的结转和结余属于哪项财政拨款：" + "、".join(FINAL_CARRY_FUNDS),
        required=True,
        choices=FINAL_CARRY_FUNDS,
    ),
    Column("carry_in", "年初结转和结余", Kind.MONEY, 14, "按“基本信息”的金额单位填写，没有填0"),
    Column("carry_out", "年末结转和结余", Kind.MONEY, 14, "按“基本信息”的金额单位填写，没有填0"),
)

FINAL_REASON_COLUMNS: tuple[Column, ...] = (
    Column("key", "比较项目", Kind.TEXT, 40, "由“disclosure prepare”自动列出；勿改动文字", required=True),
    Column("reason", "决算数与预算数不同的主要原因", Kind.LONGTEXT, 50, "决算数大于或小于年初预算数时必填"),
    Column("budget", "年初预算数（自动）", Kind.MONEY, 16, "由工具根据支出明细的“金额”计算", display_only=True),
    Column("final", "决算数（自动）", Kind.MONEY, 16, "由工具根据支出明细的“决算数”计算", display_only=True),
    Column("hint", "说明（自动）", Kind.TEXT, 44, "由工具填写：完成年初预算的比例", display_only=True),
    Column(
        "recorded",
        "原因对应的决算数（自动）",
        Kind.NUMBER,
        16,
        "由 disclosure prepare 在首次看到或改写主要原因时记录（万元），勿手工修改；决算数变化后据此提示核对原因",
        tool=True,
    ),
    Column(
        "recorded_check",
        "原因校验码（自动）",
        Kind.TEXT,
        12,
        "由 disclosure prepare 填写，勿手工修改；用于判断主要原因是否已改写",
        tool=True,
    ),
    Column(
        "use",
        "主要用于（按项说明）",
        Kind.LONGTEXT,
        40,
        "一般公共预算“项”一行：决算情况说明中该项“主要用于：”之后的文字",
        added=True,
    ),
)

FINAL_PRIOR_COLUMNS: tuple[Column, ...] = (
    Column("key", "比较项目", Kind.TEXT, 40, "由“disclosure prepare”自动列出；勿改动文字", required=True),
    Column("prior", "上年决算数", Kind.MONEY, 14, "上年部门决算公开中的对应数（上年没有则填0）"),
    Column("reason", "主要原因", Kind.LONGTEXT, 50, "本年决算与上年决算不同时必填"),
    Column("current", "本年决算数（自动）", Kind.MONEY, 16, "由工具根据决算数据计算，仅供参考", display_only=True),
    Column("hint", "说明（自动）", Kind.TEXT, 40, "由工具填写", display_only=True),
    Column(
        "recorded",
        "原因对应的本年决算数（自动）",
        Kind.NUMBER,
        16,
        "由 disclosure prepare 在首次看到或改写主要原因时记录（万元），勿手工修改；本年数变化后据此提示核对原因",
        tool=True,
    ),
    Column(
        "recorded_check",
        "原因校验码（自动）",
        Kind.TEXT,
        12,
        "由 disclosure prepare 填写，勿手工修改；用于判断主要原因是否已改写",
        tool=True,
    ),
)

FINAL_KV_SHEETS: dict[str, tuple[Field, ...]] = {SHEET_FINAL: FINAL_FIELDS}
FINAL_LIST_SHEETS: dict[str, tuple[Column, ...]] = {
    SHEET_FINAL_INCOME: FINAL_INCOME_COLUMNS,
    SHEET_FINAL_REASONS: FINAL_REASON_COLUMNS,
    SHEET_FINAL_PRIOR: FINAL_PRIOR_COLUMNS,
    SHEET_FINAL_CARRY: FINAL_CARRY_COLUMNS,
}
# Every sheet a workbook may have: the 预算 sheets and, in a 决算 workbook, the 决算 sheets.
ALL_KV_SHEETS: dict[str, tuple[Field, ...]] = {**KV_SHEETS, **FINAL_KV_SHEETS}
ALL_LIST_SHEETS: dict[str, tuple[Column, ...]] = {**LIST_SHEETS, **FINAL_LIST_SHEETS}
