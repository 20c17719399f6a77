"""Stage 3: cross-field rules over the typed inputs (rules.md §5).

`VALIDATIONS` is a named list of small checks with one signature,
`(inputs, names) -> list[Issue]`; `validate` runs all of them so every problem of a
run is reported together.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from generator.catalog import UnknownYearError
from generator.catalog.indicators import amount_in_wan, is_bare_number, load_framework, parse_value
from generator.compute import ledger as L
from generator.compute.names import Names
from generator.compute.wording import wan
from generator.formats.needs import sheets_of
from generator.inputs import Inputs
from generator.issues import Issue, error, warning
from generator.validate_final import FINAL_VALIDATIONS
from generator.workbook import schema
from generator.workbook.schema import SpendingKind

ITEMS = schema.SHEET_ITEMS
PROJECTS = schema.SHEET_PROJECTS
INDICATORS = schema.SHEET_INDICATORS
INFO = schema.SHEET_INFO
FACTS = schema.SHEET_FACTS

Check = Callable[[Inputs, Names], list[Issue]]


def _kv_cell(sheet: str, key: str, inputs: Inputs) -> str | None:
    """Cell of a key/value field: where the reader found it, else its template position."""
    found = inputs.kv_cells.get(sheet, {}).get(key)
    if found:
        return found
    fields = schema.ALL_KV_SHEETS[sheet]
    for n, f in enumerate(fields):
        if f.key == key:
            return f"{schema.KV_VALUE_COL}{schema.FIRST_DATA_ROW + n}"
    return None


def check_codes(inputs: Inputs, names: Names) -> list[Issue]:
    """Every code is known with its parents; codes named only by the workbook warn."""
    issues = []
    for item in inputs.items:
        fcell = item.cell(ITEMS, "func_code")
        for code in (item.func_code, item.func_code[:5], item.func_code[:3]):
            if code not in names.functions:
                level = {7: "项", 5: "款", 3: "类"}[len(code)]
                issues.append(
                    error(
                        "func-code-unknown",
                        f"功能分类科目编码{item.func_code}：{level}级科目{code}不在{names.function_source}中。"
                        "请核对编码；如确为新增科目，请在“补充科目”表填写其官方名称",
                        ITEMS,
                        fcell,
                        item.func_code,
                    )
                )
                break
        ecell = item.cell(ITEMS, "econ_code")
        for code in (item.econ_code, item.econ_code[:3]):
            if code not in names.econ:
                issues.append(
                    error(
                        "econ-code-unknown",
                        f"经济分类科目编码{item.econ_code}：科目{code}不在{names.econ_source}的经济分类中。"
                        "请核对编码；如确为新增科目，请在“补充科目”表填写其官方名称",
                        ITEMS,
                        ecell,
                        item.econ_code,
                    )
                )
                break
    for extra in inputs.extra_codes:
        cell = extra.cell(schema.SHEET_EXTRA_CODES, "code")
        lengths = (3, 5, 7) if extra.code_type == "功能分类" else (3, 5)
        if not extra.code.isdigit() or len(extra.code) not in lengths:
            issues.append(
                error(
                    "extra-code-malformed",
                    f"补充科目编码“{extra.code}”格式不对：{extra.code_type}编码应为{'/'.join(map(str, lengths))}位数字",
                    schema.SHEET_EXTRA_CODES,
                    cell,
                    extra.code,
                )
            )
        elif (extra.code_type, extra.code) not in names.custom:
            official = (names.functions if extra.code_type == "功能分类" else names.econ).get(extra.code, "")
            if extra.name.strip() != official:
                issues.append(
                    error(
                        "extra-code-redefines",
                        f"补充科目{extra.code}已在{inputs.info.year}年{extra.code_type}科目代码表中，官方名称为“{official}”，"
                        f"公开文件将使用官方名称，而不是这里填写的“{extra.name}”；请删除这一行"
                        "（如官方名称确已改变，请联系技术支持更新代码表）",
                        schema.SHEET_EXTRA_CODES,
                        cell,
                        extra.code,
                    )
                )
        else:
            issues.append(
                warning(
                    "code-named-by-workbook",
                    f"科目{extra.code}“{extra.name}”不在代码表中，将按工作簿填写的名称公开，请确认名称与官方科目表完全一致",
                    schema.SHEET_EXTRA_CODES,
                    cell,
                    extra.code,
                )
            )
    return issues


def check_units(inputs: Inputs, names: Names) -> list[Issue]:
    issues = []
    if not inputs.units:
        issues.append(error("unit-missing", "请在“预算单位”表A2填写至少一个预算单位全称", schema.SHEET_UNITS, "A2"))
        return issues
    for item in inputs.items:
        if not item.unit:
            issues.append(
                error(
                    "item-unit-missing",
                    "有多个预算单位时，每行支出都要选择所属预算单位",
                    ITEMS,
                    item.cell(ITEMS, "unit"),
                )
            )
        elif item.unit not in inputs.unit_rows:
            issues.append(
                error(
                    "item-unit-unknown",
                    f"预算单位“{item.unit}”不在“预算单位”表中，请从下拉列表选择或先在“预算单位”表添加",
                    ITEMS,
                    item.cell(ITEMS, "unit"),
                    item.unit,
                )
            )
    return issues


def check_project_links(inputs: Inputs, names: Names) -> list[Issue]:
    """Project spending has a described project with indicators, and the reverse."""
    issues = []
    described = {p.name for p in inputs.projects}
    with_indicators = {i.project for i in inputs.indicators}
    # only a format that prints 绩效目标表 (and so reads 绩效指标: generator/formats/needs.py) asks for indicators
    prints_targets = schema.SHEET_INDICATORS in sheets_of(inputs.info.format)
    first_item_row: dict[str, int] = {}
    for item in inputs.items:
        cell = item.cell(ITEMS, "project")
        if item.kind is SpendingKind.PROJECT and not item.project:
            issues.append(
                error(
                    "project-name-missing",
                    "项目支出必须填写项目名称（与“项目信息”表一致）；如不属于项目，请把支出类型改为基本支出",
                    ITEMS,
                    cell,
                )
            )
        elif item.kind is SpendingKind.BASIC and item.project:
            issues.append(
                error(
                    "basic-with-project",
                    f"基本支出不应填写项目名称“{item.project}”：请删除项目名称，或把支出类型改为项目支出",
                    ITEMS,
                    cell,
                    item.project,
                )
            )
        elif item.project:
            first_item_row.setdefault(item.project, item.row)
            if item.project not in described:
                issues.append(
                    error(
                        "project-not-described",
                        f"项目“{item.project}”在“项目信息”表中没有对应行：请补充项目信息，或核对项目名称是否完全一致",
                        ITEMS,
                        cell,
                        item.project,
                    )
                )
    for p in inputs.projects:
        cell = p.cell(PROJECTS, "name")
        if p.name not in first_item_row:
            issues.append(
                error(
                    "project-without-items",
                    f"项目“{p.name}”在支出明细中没有任何项目支出：请补充其支出明细，或删除此项目",
                    PROJECTS,
                    cell,
                    p.name,
                )
            )
        if p.name not in with_indicators and p.publish_targets != "否" and prints_targets:
            issues.append(
                error(
                    "project-without-indicators",
                    f"项目“{p.name}”没有绩效指标：请在“绩效指标”表填写其指标（每行一个三级指标）；"
                    "如本项目不公开绩效目标表，请在“项目信息”的“公开绩效目标表”列选“否”",
                    PROJECTS,
                    cell,
                    p.name,
                )
            )
        if not (1 <= p.start_month <= p.end_month <= 12):
            issues.append(
                error(
                    "project-period-invalid",
                    f"项目“{p.name}”执行起始月{p.start_month}、截止月{p.end_month}不合理：应在1–12月之间且起始不晚于截止",
                    PROJECTS,
                    p.cell(PROJECTS, "start_month"),
                )
            )
    for ind in inputs.indicators:
        if ind.project not in described:
            issues.append(
                error(
                    "indicator-project-unknown",
                    f"绩效指标所属项目“{ind.project}”不在“项目信息”表中，请核对项目名称",
                    INDICATORS,
                    ind.cell(INDICATORS, "project"),
                    ind.project,
                )
            )
    return issues


def check_duplicate_projects(inputs: Inputs, names: Names) -> list[Issue]:
    seen: dict[str, int] = {}
    issues = []
    for p in inputs.projects:
        if p.name in seen:
            issues.append(
                error(
                    "project-duplicate",
                    f"项目“{p.name}”重复（第{seen[p.name]}行已有），每个项目只填一行",
                    PROJECTS,
                    p.cell(PROJECTS, "name"),
                    p.name,
                )
            )
        else:
            seen[p.name] = p.row
    return issues


def check_project_units(inputs: Inputs, names: Names) -> list[Issue]:
    """A project belongs to one budget unit (its 绩效目标表 names it)."""
    units: dict[str, set[str]] = defaultdict(set)
    rows: dict[str, int] = {}
    for item in inputs.items:
        if item.project:
            units[item.project].add(item.unit)
            rows.setdefault(item.project, item.row)
    return [
        error(
            "project-multiple-units",
            f"项目“{name}”的支出分属多个预算单位（{'、'.join(sorted(u))}），一个项目只能属于一个预算单位",
            ITEMS,
            f"{schema.column_letter(ITEMS, 'unit')}{rows[name]}",
            name,
        )
        for name, u in units.items()
        if len(u) > 1
    ]


def check_indicator_weights(inputs: Inputs, names: Names) -> list[Issue]:
    """Weights sum per project to the total declared for that project (项目信息) or the workbook."""
    declared = {p.name: p for p in inputs.projects}
    sums: dict[str, Decimal] = defaultdict(Decimal)
    first: dict[str, int] = {}
    typed: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
    for ind in inputs.indicators:
        typed[ind.project].append((ind.row, ind.weight))
    for name, weight, row in inputs.incomplete_weights:  # rows with a blank cell still count as typed
        typed[name].append((row, weight))
    for name, weights in typed.items():
        weights.sort()
        sums[name] = sum((w for _, w in weights), Decimal(0))
        first[name] = weights[0][0]
    issues = []
    for name, total in sums.items():
        project = declared.get(name)
        expected = inputs.info.weight_total
        where = "基本信息中的绩效指标分值权重合计"
        if project is not None and project.weight_total is not None:
            expected = project.weight_total
            where = f"项目信息第{project.row}行填写的本项目绩效指标权重合计"
        if total != expected:
            listed = "、".join(f"{w.normalize():f}" for _, w in typed[name])
            issues.append(
                error(
                    "indicator-weights-sum",
                    f"项目“{name}”已填写的指标分值权重（{listed}）合计为{total.normalize():f}，应等于{where}"
                    f"{expected.normalize():f}：请调整各指标权重",
                    INDICATORS,
                    f"{schema.column_letter(INDICATORS, 'weight')}{first[name]}",
                    f"{total.normalize():f}",
                )
            )
    return issues


def check_indicator_framework(inputs: Inputs, names: Names) -> list[Issue]:
    """一级/二级 from the year's framework; 指标值 is comparator+number+unit or a known qualitative word;
    依据 and 赋分规则 from the usual lists (other text warns); a cost above the project's total is an error."""
    try:
        fw = load_framework(inputs.info.year)
    except UnknownYearError:
        return []  # reported once by the pipeline (no catalog for the year)
    budgets: dict[str, Decimal] = defaultdict(Decimal)
    for item in inputs.items:
        if item.project:
            budgets[item.project] += item.amount
    issues = []
    for ind in inputs.indicators:
        if ind.level1 not in fw.levels:
            issues.append(
                error(
                    "indicator-level1-unknown",
                    f"一级指标“{ind.level1}”不在{fw.year}年绩效指标体系中，请从下拉列表选择：{'、'.join(fw.level1)}",
                    INDICATORS,
                    ind.cell(INDICATORS, "level1"),
                    ind.level1,
                )
            )
        elif ind.level2 not in fw.levels[ind.level1]:
            home = [k for k, v in fw.levels.items() if ind.level2 in v]
            hint = f"“{ind.level2}”属于{'、'.join(home)}；" if home else ""
            issues.append(
                error(
                    "indicator-level2-unknown",
                    f"二级指标“{ind.level2}”不是“{ind.level1}”下的二级指标。{hint}"
                    f"“{ind.level1}”下可选：{'、'.join(fw.levels[ind.level1])}",
                    INDICATORS,
                    ind.cell(INDICATORS, "level2"),
                    ind.level2,
                )
            )
        value = parse_value(ind.value)
        vcell = ind.cell(INDICATORS, "value")
        if value is None:
            text = ind.value.strip()
            if is_bare_number(text):
                issues.append(
                    error(
                        "indicator-value-no-comparator",
                        f"指标值“{text}”缺少比较符号，请写成“>={text}”“={text}”或“<={text}”",
                        INDICATORS,
                        vcell,
                        ind.value,
                    )
                )
            elif text not in fw.qualitative:
                issues.append(
                    warning(
                        "indicator-value-unusual",
                        f"指标值“{text}”既不是“比较符号＋数字＋单位”（如 >=98%、<=8万元），也不是常用定性值"
                        f"（如 {'、'.join(fw.qualitative[:6])}），请核对",
                        INDICATORS,
                        vcell,
                        ind.value,
                    )
                )
        elif _is_cost(ind) and value.comparator in ("<=", "<", "="):
            amount = amount_in_wan(value)
            budget = budgets.get(ind.project)
            if amount is not None and budget is not None and amount > budget:
                issues.append(
                    error(
                        "indicator-cost-over-total",
                        f"成本指标“{ind.level3}”的指标值“{ind.value.strip()}”超过了项目“{ind.project}”的预算总额"
                        f"{budget:.2f}万元，请核对指标值或项目支出",
                        INDICATORS,
                        vcell,
                        ind.value,
                    )
                )
        for key, allowed, label in (("basis", fw.basis, "指标值设置依据"), ("scoring", fw.scoring, "指标赋分规则")):
            typed = getattr(ind, key).strip()
            if typed not in allowed:
                issues.append(
                    warning(
                        f"indicator-{key}-unusual",
                        f"{label}“{typed}”不在常用列表中（{'、'.join(allowed)}），已按所填文字公开，请确认",
                        INDICATORS,
                        ind.cell(INDICATORS, key),
                        typed,
                    )
                )
    return issues


def _is_cost(ind) -> bool:
    return ind.level1 == "成本指标" or ind.level2.endswith("成本指标")


# Rates where higher is better: they take ">=" or "=" and a percentage (R31).
POSITIVE_RATES = (
    "完成率",
    "及时率",
    "合格率",
    "满意度",
    "达标率",
    "覆盖率",
    "准确率",
    "执行率",
    "办结率",
    "响应率",
    "到位率",
)


def check_indicator_values(inputs: Inputs, names: Names) -> list[Issue]:
    """Rates use ≥ or = and a percentage (reference-errors R31)."""
    issues = []
    for ind in inputs.indicators:
        value = ind.value.replace(" ", "")
        if any(w in ind.level3 for w in POSITIVE_RATES) and any(ch.isdigit() for ch in value):
            if value.startswith(("<", "≤", "≦")):
                issues.append(
                    warning(
                        "indicator-rate-direction",
                        f"“{ind.level3}”是正向比率指标，指标值“{ind.value}”用了小于号，通常应为“>=”或“=”",
                        INDICATORS,
                        ind.cell(INDICATORS, "value"),
                        ind.value,
                    )
                )
            elif "%" not in value and "％" not in value:
                issues.append(
                    warning(
                        "indicator-rate-unit",
                        f"“{ind.level3}”是比率指标，指标值“{ind.value}”没有百分号，请核对",
                        INDICATORS,
                        ind.cell(INDICATORS, "value"),
                        ind.value,
                    )
                )
    return issues


_WAN = re.compile(r"(\d+(?:\.\d+)?)\s*万元")


def check_allocation_amounts(inputs: Inputs, names: Names) -> list[Issue]:
    """Amounts itemised in 资金分配情况 add up to the project's 表7 amount (R23)."""
    issues = []
    gpb_project: dict[str | None, list] = defaultdict(list)
    for i in L.select(inputs.items, L.by_sources(L.GPB), L.project):
        gpb_project[i.project].append(i)
    for p in inputs.projects:
        found = _WAN.findall(p.allocation)
        mine = gpb_project.get(p.name, [])
        if not found or not mine:
            continue
        try:
            stated = sum((Decimal(x) for x in found), Decimal(0))
        except InvalidOperation:  # pragma: no cover - regex admits only numbers
            continue
        budget = L.total(mine)
        if stated != budget:
            issues.append(
                error(
                    "allocation-sum-mismatch",
                    f"项目“{p.name}”资金分配情况中各项金额合计{wan(stated)}，与其一般公共预算项目支出{wan(budget)}不符，"
                    "请修改资金分配情况或支出明细",
                    PROJECTS,
                    p.cell(PROJECTS, "allocation"),
                )
            )
    return issues


def check_staff(inputs: Inputs, names: Names) -> list[Issue]:
    i = inputs.info
    issues = []
    veteran_pay = L.total(inputs.items, L.econ_in(frozenset({"30301"})))
    if i.staff_veteran == 0 and veteran_pay != 0:
        issues.append(
            warning(
                "veteran-pay-without-veterans",
                f"离休人数为0，但支出明细中有离休费（30301）{wan(veteran_pay)}，请核对人数或支出",
                INFO,
                _kv_cell(INFO, "staff_veteran", inputs),
            )
        )
    for key, label in (
        ("staff_active", "在职人数"),
        ("staff_retired", "退休人数"),
        ("staff_veteran", "离休人数"),
    ):
        count, change = getattr(i, key), getattr(i, f"{key}_change")
        if count - change < 0:
            issues.append(
                error(
                    "staff-change-invalid",
                    f"{label}本年{count}人、比上年增加{change}人，意味着上年人数为负数，请核对增减数",
                    INFO,
                    _kv_cell(INFO, f"{key}_change", inputs),
                    change,
                )
            )
    return issues


def check_sign_date(inputs: Inputs, names: Names) -> list[Issue]:
    i = inputs.info
    if i.sign_date is None or i.sign_date.year in (i.year, i.year + 1):
        return []
    return [
        error(
            "sign-date-out-of-range",
            f"落款日期{i.sign_date:%Y-%m-%d}不在预算年度{i.year}年或次年内，请核对",
            INFO,
            _kv_cell(INFO, "sign_date", inputs),
            f"{i.sign_date:%Y-%m-%d}",
        )
    ]


def check_year(inputs: Inputs, names: Names) -> list[Issue]:
    y = inputs.info.year
    if 2000 <= y <= 2100:
        return []
    return [
        error("year-invalid", f"预算年度{y}不合理，请填写四位年份，如2023", INFO, _kv_cell(INFO, "year", inputs), y)
    ]


def check_procurement(inputs: Inputs, names: Names) -> list[Issue]:
    f = inputs.facts
    total = f.proc_goods + f.proc_works + f.proc_services
    issues = []
    if f.proc_sme > total:
        issues.append(
            error(
                "procurement-sme-over-total",
                f"面向中小企业预留金额{wan(f.proc_sme)}超过政府采购预算合计{wan(total)}（货物＋工程＋服务），请核对",
                FACTS,
                _kv_cell(FACTS, "proc_sme", inputs),
            )
        )
    if f.proc_small > f.proc_sme:
        issues.append(
            error(
                "procurement-small-over-sme",
                f"面向小微企业预留金额{wan(f.proc_small)}超过面向中小企业预留金额{wan(f.proc_sme)}，请核对",
                FACTS,
                _kv_cell(FACTS, "proc_small", inputs),
            )
        )
    return issues


def check_assets(inputs: Inputs, names: Names) -> list[Issue]:
    f = inputs.facts
    issues = []
    for big, small, label in (
        ("equip100_count", "equip50_count", "单位价值100万元以上大型设备数不能超过50万元以上设备数（后者包含前者）"),
        ("buy_equip100_count", "buy_equip50_count", "本年拟购置100万元以上设备数不能超过拟购置50万元以上设备数"),
    ):
        if getattr(f, big) > getattr(f, small):
            issues.append(error("equipment-count-inconsistent", label, FACTS, _kv_cell(FACTS, big, inputs)))
    return issues


def check_control_totals(inputs: Inputs, names: Names) -> list[Issue]:
    i = inputs.info
    issues = []
    for key, label, value in (
        ("control_total", "收支总计", L.total(inputs.items)),
        ("control_gpb", "一般公共预算拨款合计", L.total(inputs.items, L.by_sources(L.GPB))),
    ):
        control = getattr(i, key)
        if control is not None and control != value:
            issues.append(
                error(
                    "control-total-mismatch",
                    f"{label}核对数为{wan(control)}，支出明细计算结果为{wan(value)}，相差{wan(value - control)}。"
                    "请核对支出明细或核对数",
                    INFO,
                    _kv_cell(INFO, key, inputs),
                )
            )
    return issues


def check_zero_items(inputs: Inputs, names: Names) -> list[Issue]:
    return [
        warning("amount-zero", "金额为0的支出行不会出现在公开表中，可删除此行", ITEMS, item.cell(ITEMS, "amount"))
        for item in inputs.items
        if item.amount == 0 and not item.final  # a 决算 line spent without a 年初预算 is kept
    ]


_PERIOD = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日[至到\-—－~～](\d{4})年(\d{1,2})月(\d{1,2})日$")


def check_project_periods(inputs: Inputs, names: Names) -> list[Issue]:
    """资金执行时间 by day: two real dates in the budget year, start before end."""
    issues = []
    year = inputs.info.year
    for p in inputs.projects:
        if not p.period:
            continue
        text = p.period.strip().replace(" ", "")
        m = _PERIOD.match(text)
        dates = None
        if m:
            try:
                g = [int(x) for x in m.groups()]
                dates = (dt.date(g[0], g[1], g[2]), dt.date(g[3], g[4], g[5]))
            except ValueError:
                dates = None
        if dates is None or dates[0] > dates[1] or dates[0].year != year or dates[1].year != year:
            issues.append(
                error(
                    "project-period-text-invalid",
                    f"资金执行时间“{p.period.strip()}”应写成“{year}年1月1日至{year}年12月31日”的形式，"
                    f"起止日期都在{year}年内且起始不晚于截止；不按日写时请清空此格，填写执行起止月",
                    PROJECTS,
                    p.cell(PROJECTS, "period"),
                    p.period,
                )
            )
    return issues


IMPLAUSIBLE_FACTOR = 1000


def check_implausible_amounts(inputs: Inputs, names: Names) -> list[Issue]:
    """One line larger than all the others together by 1000×: probably typed in 元 in a 万元 workbook."""
    if inputs.info.amount_unit != schema.AmountUnit.WANYUAN.value or len(inputs.items) < 2:
        return []
    total = sum((i.amount for i in inputs.items), Decimal(0))
    issues = []
    for item in inputs.items:
        rest = total - item.amount
        if rest > 0 and item.amount > rest * IMPLAUSIBLE_FACTOR:
            wan = (item.amount / 10000).quantize(Decimal("0.01"))
            issues.append(
                warning(
                    "amount-implausible",
                    f"金额{item.amount:.2f}万元比其他各行合计（{rest:.2f}万元）大1000倍以上，像是按元填写的："
                    f"如是元，应填 {wan}；如整本工作簿都按元填写，请把“基本信息”的金额单位改为“元”",
                    ITEMS,
                    item.cell(ITEMS, "amount"),
                )
            )
    return issues


def _duplicates(rows, key, code: str, sheet: str, column: str, what) -> list[Issue]:
    """One error per repeated key, at the repeat, naming the first row (a keyed sheet holds each key once)."""
    first: dict[object, int] = {}
    issues = []
    for r in rows:
        k = key(r)
        if k in first:
            issues.append(
                error(code, f"{what(r)}重复（第{first[k]}行已填写），请删除其中一行", sheet, r.cell(sheet, column))
            )
        else:
            first[k] = r.row
    return issues


def check_duplicate_keys(inputs: Inputs, names: Names) -> list[Issue]:
    """Every keyed list sheet holds each key once (上年对比 and 项目信息 are checked where they are read)."""
    issues = _duplicates(
        inputs.glossary,
        lambda g: g.term,
        "glossary-duplicate",
        schema.SHEET_GLOSSARY,
        "term",
        lambda g: f"名词“{g.term}”",
    )
    issues += _duplicates(
        inputs.uses,
        lambda u: u.class_code,
        "class-use-duplicate",
        schema.SHEET_USES,
        "class_code",
        lambda u: f"类编码{u.class_code}的用途说明",
    )
    issues += _duplicates(
        inputs.extra_codes,
        lambda e: (e.code_type, e.code),
        "extra-code-duplicate",
        schema.SHEET_EXTRA_CODES,
        "code",
        lambda e: f"补充科目{e.code_type}{e.code}",
    )
    for row, first in inputs.unit_duplicates.items():
        issues.append(
            error(
                "unit-duplicate",
                f"预算单位重复（第{first}行已填写），请删除其中一行",
                schema.SHEET_UNITS,
                f"{schema.column_letter(schema.SHEET_UNITS, 'name')}{row}",
            )
        )
    return issues


# ---- Wording in the officer's own text (issue 18 §2): warnings at the cell, printed verbatim otherwise ----

USES = schema.SHEET_USES
PRIOR = schema.SHEET_PRIOR
GLOSSARY = schema.SHEET_GLOSSARY


def _free_texts(inputs: Inputs) -> list[tuple[str, str | None, str, str]]:
    """(sheet, cell, column label, text) of every free text the document prints verbatim."""
    out: list[tuple[str, str | None, str, str]] = []
    for key, label in (("functions", "主要职能"), ("organization", "机构设置"), ("other_matters", "其他需说明的事项")):
        text = getattr(inputs.info, key)
        if text:
            out.append((INFO, _kv_cell(INFO, key, inputs), label, text))
    for p in inputs.projects:
        for key, label in (
            ("name", "项目名称"),
            ("policy_basis", "设立的政策依据"),
            ("undertaker", "项目承担单位"),
            ("allocation", "资金分配情况"),
            ("goal", "项目总体目标"),
            ("period", "资金执行时间"),
        ):
            text = getattr(p, key)
            if text:
                out.append((PROJECTS, p.cell(PROJECTS, key), label, text))
    for ind in inputs.indicators:
        for key, label in (("level3", "三级指标"), ("evidence", "佐证资料")):
            out.append((INDICATORS, ind.cell(INDICATORS, key), label, getattr(ind, key)))
    for r in inputs.priors:
        if r.reason:
            out.append((PRIOR, r.cell(PRIOR, "reason"), "主要原因", r.reason))
    for u in inputs.uses:
        out.append((USES, u.cell(USES, "use"), "主要用于", u.use))
    for g in inputs.glossary:
        out.append((GLOSSARY, g.cell(GLOSSARY, "definition"), "解释", g.definition))
    return out


# A year in brackets before a serial number: 新政办发〔2022〕26号. GB/T 9704-2012 7.2.4 prescribes 〔〕;
# [] 【】 () （） or a missing bracket are what officers type instead.
_DOC_NUMBER = re.compile(
    r"(?P<open>[\[【(（〔［])?\s*(?P<year>(?:19|20)\d\d)\s*(?P<close>[\]】)）〕］])\s*第?\s*(?P<n>\d+)\s*号"
)


def check_document_numbers(inputs: Inputs, names: Names) -> list[Issue]:
    """文号 write the year in 〔〕 (新政办发〔2022〕26号), not [] 【】 () （）."""
    issues = []
    for sheet, cell, label, text in _free_texts(inputs):
        for m in _DOC_NUMBER.finditer(text):
            if m.group("open") == "〔" and m.group("close") == "〕":
                continue
            fixed = f"〔{m.group('year')}〕{m.group('n')}号"
            issues.append(
                warning(
                    "document-number-brackets",
                    f"{label}中的文号“{m.group(0).strip()}”应写成“{fixed}”：发文年份用六角括号〔〕"
                    "（不用[]、【】或圆括号），括号与数字之间不留空格",
                    sheet,
                    cell,
                    m.group(0).strip(),
                )
            )
    return issues


_GEIYU = re.compile(r"给与(?!会)")  # 分发给与会人员 is 给 + 与会


def check_geiyu(inputs: Inputs, names: Names) -> list[Issue]:
    """“给与” is a misspelling of 给予 (给与会人员 is not)."""
    return [
        warning(
            "wording-geiyu",
            f"{label}中“给与”应为“给予”，请修改",
            sheet,
            cell,
            text,
        )
        for sheet, cell, label, text in _free_texts(inputs)
        if _GEIYU.search(text)
    ]


# A word of 2–4 Chinese characters typed twice in a row: 标准标准, 企业企业. A single character doubled is
# usually a real word (常常, 人人, 年年, 层层, 等等) and is reported only for the function words that never
# reduplicate (的的, 在在, 和和 …), unless it is half of an AABB word (实实在在, 的的确确). A repeated unit must hold two different characters (so 常常常常 is not
# "常常" twice); numeral-led units (一个一个, 一步一步) and verb reduplications officers do write (研究研究)
# are allowed.
_DOUBLED = re.compile(r"([\u4e00-\u9fff]{2,4})\1")
_DOUBLED_CHAR = re.compile(r"([的在和是及与并为于把被从以向按由之其])\1")
_NUMERALS = "一二三四五六七八九十两几每"
_REDUPLICATED_VERBS = frozenset({"研究", "讨论", "商量", "学习", "考虑", "了解", "交流", "沟通", "检查", "整理"})


def _doubled_words(text: str) -> list[str]:
    found = []
    for m in _DOUBLED.finditer(text):
        unit = m.group(1)
        if len(set(unit)) == 1 or unit[0] in _NUMERALS or unit in _REDUPLICATED_VERBS:
            continue
        found.append(unit)
    for m in _DOUBLED_CHAR.finditer(text):
        before, after = text[max(0, m.start() - 2) : m.start()], text[m.end() : m.end() + 2]
        if any(len(pair) == 2 and pair[0] == pair[1] for pair in (before, after)):
            continue  # AABB: 实实在在, 的的确确, 是是非非
        found.append(m.group(1))
    return found


def check_doubled_words(inputs: Inputs, names: Names) -> list[Issue]:
    """A word typed twice in a row (企业企业) is a typing slip; 常常/人人 are words."""
    issues = []
    for sheet, cell, label, text in _free_texts(inputs):
        for unit in _doubled_words(text):
            issues.append(
                warning(
                    "wording-doubled",
                    f"{label}中“{unit}{unit}”重复了“{unit}”，请删去一个（确为有意叠用时可忽略）",
                    sheet,
                    cell,
                    unit + unit,
                )
            )
    return issues


# A range written with an ASCII hyphen next to a date or a counted unit: 2023年1月-2023年12月, 1-12月,
# 3-5个工作日. Standard numbers (GB/T 9704-2012) have no unit after them and stay silent.
_HYPHEN_RANGE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:[年月日]\s*)?-\s*\d+(?:\.\d+)?\s*(?:[年月日号天个人次项台套户家万元%％]|个工作日)"
    r"|\d\s*[年月日]\s*-\s*\d"
)


def check_hyphen_ranges(inputs: Inputs, names: Names) -> list[Issue]:
    """A range takes 至 or a dash (2023年1月至12月), not an ASCII hyphen."""
    issues = []
    for sheet, cell, label, text in _free_texts(inputs):
        for m in _HYPHEN_RANGE.finditer(text):
            before = text[: m.start()].rstrip()
            if before and before[-1].isascii() and before[-1].isalpha():
                continue  # GB/T 9704-2012年版: a standard's number
            issues.append(
                warning(
                    "wording-hyphen-range",
                    f"{label}中“{m.group(0)}”用半角连字符“-”表示范围，公文应写“至”（如“2023年1月至12月”）或“—”，请修改",
                    sheet,
                    cell,
                    m.group(0),
                )
            )
            break
    return issues


def check_rate_units(inputs: Inputs, names: Names) -> list[Issue]:
    """A rate indicator (…率) takes a percentage, not an amount (预算成本控制率 <=8万元)."""
    issues = []
    for ind in inputs.indicators:
        value = parse_value(ind.value)
        if ind.level3.strip().endswith("率") and value is not None and value.unit in ("万元", "万", "元"):
            issues.append(
                warning(
                    "indicator-rate-money",
                    f"“{ind.level3}”是比率指标，指标值“{ind.value.strip()}”却是金额：请写成百分比（如 <=100%），"
                    "或把三级指标改为金额指标（如“预算成本”）",
                    INDICATORS,
                    ind.cell(INDICATORS, "value"),
                    ind.value,
                )
            )
    return issues


def check_cost_sum(inputs: Inputs, names: Names) -> list[Issue]:
    """The money cost indicators of a project add up to its 年度预算总额 (a reviewer's 真实性 check)."""
    budgets: dict[str, Decimal] = defaultdict(Decimal)
    for item in inputs.items:
        if item.project:
            budgets[item.project] += item.amount
    costs: dict[str, list[tuple[Decimal, object]]] = defaultdict(list)
    for ind in inputs.indicators:
        if not _is_cost(ind):
            continue
        value = parse_value(ind.value)
        amount = amount_in_wan(value) if value is not None and value.comparator in ("<=", "<", "=") else None
        if amount is not None:
            costs[ind.project].append((amount, ind))
    issues = []
    for name, found in costs.items():
        budget = budgets.get(name)
        total = sum((a for a, _ in found), Decimal(0))
        if budget is None or total == budget:
            continue
        first = found[0][1]
        listed = "＋".join(f"{a.normalize():f}" for a, _ in found)
        issues.append(
            warning(
                "indicator-cost-sum",
                f"项目“{name}”的成本指标金额合计{wan(total)}（{listed}），与项目年度预算总额{wan(budget)}"
                f"相差{wan(abs(budget - total))}：请修改成本指标或支出明细，使二者一致",
                INDICATORS,
                first.cell(INDICATORS, "value"),  # type: ignore[attr-defined]
                first.value,  # type: ignore[attr-defined]
            )
        )
    return issues


def check_satisfaction_indicator(inputs: Inputs, names: Names) -> list[Issue]:
    """A published 绩效目标表 carries a 满意度指标 (审核 asks for one)."""
    published = {p.name for p in inputs.projects if p.publish_targets != "否"}
    first: dict[str, object] = {}
    has: set[str] = set()
    for ind in inputs.indicators:
        first.setdefault(ind.project, ind)
        if "满意度" in ind.level1 or "满意度" in ind.level2:
            has.add(ind.project)
    return [
        warning(
            "indicator-no-satisfaction",
            f"项目“{name}”的绩效目标表没有满意度指标：请增加一行一级指标“满意度指标”"
            "（如 服务对象满意度 >=90%），并相应调整各指标权重",
            INDICATORS,
            ind.cell(INDICATORS, "level1"),  # type: ignore[attr-defined]
        )
        for name, ind in first.items()
        if name in published and name not in has
    ]


def check_project_under_admin(inputs: Inputs, names: Names) -> list[Issue]:
    """项目支出 under a 行政运行 项 (20xxx01): 行政运行 is a 基本支出 科目."""
    return [
        warning(
            "project-under-admin-operation",
            f"项目支出编在功能分类{item.func_code} 行政运行下：行政运行是基本支出科目，项目支出一般不列在此，"
            "请按批复核对，改为相应的“一般行政管理事务”“其他…支出”等项",
            ITEMS,
            item.cell(ITEMS, "func_code"),
            item.func_code,
        )
        for item in inputs.items
        if item.kind is SpendingKind.PROJECT and names.functions.get(item.func_code) == "行政运行"
    ]


VALIDATIONS: tuple[Check, ...] = (
    check_year,
    check_codes,
    check_units,
    check_project_links,
    check_duplicate_projects,
    check_project_units,
    check_indicator_weights,
    check_indicator_values,
    check_indicator_framework,
    check_allocation_amounts,
    check_staff,
    check_sign_date,
    check_procurement,
    check_assets,
    check_control_totals,
    check_zero_items,
    check_duplicate_keys,
    check_implausible_amounts,
    check_project_periods,
    check_document_numbers,
    check_geiyu,
    check_doubled_words,
    check_hyphen_ranges,
    check_rate_units,
    check_cost_sum,
    check_satisfaction_indicator,
    check_project_under_admin,
)


def validate(inputs: Inputs, names: Names) -> list[Issue]:
    issues: list[Issue] = []
    for check in (*VALIDATIONS, *FINAL_VALIDATIONS):
        issues.extend(check(inputs, names))
    return issues
