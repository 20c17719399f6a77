"""Write the input workbook: the blank one of `disclosure new`, or one filled from example JSON.

Everything about the layout (sheets, headers, labels, kinds, widths, notes,
vocabularies) comes from `schema`; this module only decides how it looks in
Excel: styles, dropdowns, validations, protection and the 填表说明 sheet.
`append_rows` and `set_cell` let `disclosure prepare` add rows to a loaded
workbook without losing that formatting.

The hidden sheet `_代码表` holds the catalog as text codes (功能分类 in A:B,
经济分类 in D:E, for the name lookups) and, from column G on, one column per
dropdown list, each behind a defined name (`list_*`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence, Set
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from generator.catalog import Catalog, load_catalog
from generator.catalog.indicators import load_framework
from generator.channel import Channel, speak_workbook
from generator.formats import registry
from generator.formats.loader import FormatInvalid
from generator.formats.needs import sheets_of, unread_columns
from generator.workbook import schema as s

__all__ = ["TemplateDataError", "append_rows", "build_workbook", "set_cell", "write_workbook"]

WORKBOOK_TITLE = "部门预算公开填报工作簿"
COMMENT_AUTHOR = "填表说明"
PREPARED_ROWS = 500  # empty input rows prepared on each list sheet
# 支出明细: a department has some 50–60 lines (examples 000, 002); 300 leave room for large ones, and
# the prepared rows carry formulas (names, running total) that LibreOffice prints even while empty,
# so 1000 rows printed 11 pages of a blank grid. 类用途说明: at most ~30 功能分类“类”.
PREPARED_ROWS_BY_SHEET = {s.SHEET_ITEMS: 300, s.SHEET_USES: 40}
EXTRA_ROWS = 100  # spare prepared rows below data that exceeds PREPARED_ROWS

# Freeze the first column too where it names the row (project, comparison item).
FREEZE = {
    s.SHEET_PROJECTS: "B2",
    s.SHEET_INDICATORS: "B2",
    s.SHEET_PRIOR: "B2",
    s.SHEET_FINAL_REASONS: "B2",
    s.SHEET_FINAL_PRIOR: "B2",
}

# Text columns whose dropdown lists names entered on another sheet:
# (sheet, key) -> (source sheet, source key, strict). Non-strict lists only warn.
REFERENCES: dict[tuple[str, str], tuple[str, str, bool]] = {
    (s.SHEET_ITEMS, "unit"): (s.SHEET_UNITS, "name", True),
    (s.SHEET_ITEMS, "project"): (s.SHEET_PROJECTS, "name", False),
    (s.SHEET_INDICATORS, "project"): (s.SHEET_PROJECTS, "name", False),
}

CODE_KINDS = (s.Kind.FUNC_CODE, s.Kind.CLASS_CODE, s.Kind.ECON_CODE)
TEXT_KINDS = (s.Kind.TEXT, s.Kind.LONGTEXT, s.Kind.CHOICE, *CODE_KINDS)
DECIMAL_KINDS = (s.Kind.MONEY, s.Kind.NUMBER)
INT_KINDS = (s.Kind.INT, s.Kind.SIGNED_INT, s.Kind.MONTH)

NUMBER_FORMATS = {s.Kind.MONEY: "0.00", s.Kind.DATE: "yyyy-mm-dd"} | {k: "@" for k in TEXT_KINDS}

# Hidden sheet layout: lookup tables, then one column per dropdown list.
LOOKUP_FUNC = "$A:$B"
LOOKUP_ECON = "$D:$E"
FIRST_LIST_COL = 7  # G
LIST_FUNC_ITEMS = "list_func_items"
LIST_FUNC_CLASSES = "list_func_classes"
LIST_ECON_ITEMS = "list_econ_items"
LIST_FORMATS = "list_formats"  # the installed formats (基本信息 格式): the installation's, not the schema's
LIST_EDITIONS = "list_editions"  # the editions of the workbook's format (基本信息 版本)
CODE_LISTS = {
    s.Kind.FUNC_CODE: LIST_FUNC_ITEMS,
    s.Kind.CLASS_CODE: LIST_FUNC_CLASSES,
    s.Kind.ECON_CODE: LIST_ECON_ITEMS,
}
CODE_DIGITS = {s.Kind.FUNC_CODE: 7, s.Kind.CLASS_CODE: 3, s.Kind.ECON_CODE: 5}
LOOKUP_BY_KIND = {s.Kind.FUNC_CODE: LOOKUP_FUNC, s.Kind.CLASS_CODE: LOOKUP_FUNC, s.Kind.ECON_CODE: LOOKUP_ECON}

# --- styles ---------------------------------------------------------------------

GREY = "D9D9D9"
FILL_REQUIRED = PatternFill("solid", fgColor="BDD7EE")  # blue header: required column
FILL_OPTIONAL = PatternFill("solid", fgColor="E2EFDA")  # green header: optional column
FILL_AUTO = PatternFill("solid", fgColor=GREY)  # grey: filled by formula or tool
FILL_AUTO_CELL = PatternFill("solid", fgColor="F2F2F2")
FILL_INPUT = PatternFill("solid", fgColor="FFF2CC")  # key/value input cells
FILL_HEADING = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
GREY_FONT = Font(color="808080")
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LOCKED = Protection(locked=True)
UNLOCKED = Protection(locked=False)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
HEADER_ALIGN = Alignment(wrap_text=True, horizontal="center", vertical="center")

# --- validation messages --------------------------------------------------------

ERROR_TITLE = "输入有误"
MESSAGES = {
    s.Kind.MONEY: "请输入不小于0的金额数字（按“基本信息”的金额单位，最多两位小数），不要带“万元”“元”等文字。",
    s.Kind.NUMBER: "请输入不小于0的数字。",
    s.Kind.INT: "请输入不小于0的整数。",
    s.Kind.SIGNED_INT: "请输入整数：增加填正数，减少填负数，无变化填0。",
    s.Kind.MONTH: "请输入1到12之间的整数（月份）。",
    s.Kind.DATE: "请输入日期，格式如 2023-01-31。",
    s.Kind.CHOICE: "请从下拉列表中选择。",
    s.Kind.FUNC_CODE: "该编码不在科目表的7位功能分类“项”级编码中。请从下拉列表选择，或核对编码后点“是”保留。",
    s.Kind.CLASS_CODE: "该编码不在科目表的3位功能分类“类”级编码中。请从下拉列表选择，或核对编码后点“是”保留。",
    s.Kind.ECON_CODE: "该编码不在科目表的5位经济分类“款”级编码中。请从下拉列表选择，或核对编码后点“是”保留。",
}
REFERENCE_MESSAGES = {
    s.SHEET_UNITS: "请从下拉列表选择“预算单位”表中已填写的单位名称；新单位请先在“预算单位”表中添加。",
    s.SHEET_PROJECTS: (
        "该名称不在“项目信息”表中。项目名称须与“项目信息”表完全一致；如是新项目，请点“是”并在“项目信息”表中补充。"
    ),
}
DATE_MIN, DATE_MAX = date(2000, 1, 1), date(2099, 12, 31)
SIGNED_LIMIT = 1_000_000


class TemplateDataError(ValueError):
    """The data given to `write_workbook` / `append_rows` does not match the schema (a developer error)."""


# --- public API -----------------------------------------------------------------


def write_workbook(
    path: Path,
    data: Mapping[str, Any] | None = None,
    year: int = 2023,
    catalog: Catalog | None = None,
    format_id: str | None = None,
    final: bool = False,
) -> None:
    """Write the input workbook to `path`: blank (`data=None`) or filled from example JSON `data`;
    `format_id` fills 基本信息 格式 (else the schema's default); `final` makes a 决算 workbook."""
    build_workbook(data, year, catalog, format_id, final).save(path)


def build_workbook(
    data: Mapping[str, Any] | None = None,
    year: int = 2023,
    catalog: Catalog | None = None,
    format_id: str | None = None,
    final: bool = False,
    channel: Channel = Channel.CLI,
) -> Workbook:
    """Build the input workbook in memory; see `write_workbook`.

    `data` maps sheet names to {label: value} (key/value sheets) or to lists of {header: value}
    (list sheets). It is written over the blank workbook, so defaults and the default 名词解释 stay
    unless `data` gives a value (None clears a cell; a 名词解释 list replaces the default glossary).
    Values that do not convert to their column's kind are written as given, so test fixtures can hold
    invalid input. Unknown sheets, labels or headers raise `TemplateDataError`. The dropdowns and
    name lookups come from `catalog` (default: the shipped catalog of `year`). `channel` says how the
    instructions name each step (the CLI command, or the web page's button: generator/channel.py).

    A 决算 workbook (`final`, or `data` giving a 决算 sheet) also has the sheets of
    `schema.FINAL_SHEETS` and shows the 支出明细 column 决算数, which a 预算 workbook keeps hidden.
    """
    data = dict(data or {})
    final = final or any(name in data for name in s.FINAL_SHEETS)
    # the sheets the format needs (generator/formats/needs.py), and any `data` fills; the format is
    # `format_id`, else the one `data` names in 基本信息
    chosen = format_id or (data.get(s.SHEET_INFO) or {}).get(_format_label())
    names = workbook_sheets(chosen, final, set(data))
    _check_keys("工作簿", data, set(names))
    catalog = catalog or load_catalog(year)
    given = data.get(s.SHEET_INFO, {})
    if format_id is None and isinstance(given, Mapping) and isinstance(given.get("格式"), str):
        format_id = given["格式"]  # the editions dropdown lists this format's
    wb = Workbook()
    guide = wb.active
    guide.title = s.SHEET_GUIDE
    sheets = {name: wb.create_sheet(name) for name in names}
    lists = wb.create_sheet(s.SHEET_LISTS)
    choice_names = _write_lists(wb, lists, catalog, year, format_id)

    for name, ws in sheets.items():
        if name in s.ALL_KV_SHEETS:
            _write_kv_sheet(ws, name, choice_names)
            _fill_kv(ws, name, _defaults(name, year, format_id))
            _fill_kv(ws, name, data.get(name, {}))
        else:
            rows = _list_rows(name, data[name]) if name in data else _default_rows(name)
            n_rows = max(_prepared_rows(name), len(rows) + min(EXTRA_ROWS, _prepared_rows(name)))
            _write_list_sheet(ws, name, n_rows, choice_names, final)
            for offset, row in enumerate(rows):
                _fill_row(ws, name, s.FIRST_DATA_ROW + offset, row)
    if not final:
        sheets[s.SHEET_ITEMS].column_dimensions[s.column_letter(s.SHEET_ITEMS, "final")].hidden = True
        # the columns the format does not read are hidden (kept in place: columns are read by position)
        for sheet, keys in unread_columns(chosen).items():
            for key in sorted(keys):
                sheets[sheet].column_dimensions[s.column_letter(sheet, key)].hidden = True
    _define_reference_lists(wb)
    _write_guide(guide, catalog, names)

    wb.properties.title = WORKBOOK_TITLE
    wb.properties.creator = "disclosure"
    wb.calculation.fullCalcOnLoad = True
    wb.active = 0
    speak_workbook(wb, channel)
    return wb


def _format_label() -> str:
    return next(f.label for f in s.INFO_FIELDS if f.key == "format")


def append_rows(wb: Workbook, sheet: str, rows: Sequence[Mapping[str, object]]) -> list[int]:
    """Append rows keyed by column key after the last non-empty data row of list sheet `sheet`.

    Rows outside the prepared range get the same style, lookup formula and validations.
    Returns the Excel row numbers used.
    """
    if not rows:
        return []  # also when the format does not need `sheet` and the workbook lacks it
    columns = _list_columns(sheet)
    ws = wb[sheet]
    start = _last_data_row(ws, columns) + 1
    used = []
    for offset, row in enumerate(rows):
        _check_keys(sheet, row, {c.key for c in columns})
        r = start + offset
        _ensure_prepared(ws, sheet, r)
        for key, value in row.items():
            set_cell(wb, sheet, r, key, value)
        used.append(r)
    return used


def set_cell(wb: Workbook, sheet: str, row: int, key: str, value: object) -> None:
    """Write `value` into the column `key` of list sheet `sheet` at Excel row `row`, keeping the cell style."""
    columns = _list_columns(sheet)
    if row < s.FIRST_DATA_ROW:
        raise TemplateDataError(f"{sheet}: 第{row}行是表头，数据从第{s.FIRST_DATA_ROW}行开始")
    index = {c.key: i for i, c in enumerate(columns)}
    if key not in index:
        raise TemplateDataError(f"{sheet}: 未知列 {key!r}；可用：{', '.join(index)}")
    column = columns[index[key]]
    _put(wb[sheet].cell(row, index[key] + 1), column.kind, value)


# --- hidden lists ---------------------------------------------------------------


def _choice_vocabularies() -> dict[tuple[str, ...], str]:
    """Each distinct CHOICE vocabulary in the schema -> defined name (from the first key using it)."""
    names: dict[tuple[str, ...], str] = {}
    for sheet in (*s.INPUT_SHEETS, *s.FINAL_SHEETS):
        for item in s.ALL_KV_SHEETS.get(sheet, ()) or s.ALL_LIST_SHEETS.get(sheet, ()):
            if item.kind is s.Kind.CHOICE and item.choices not in names:
                names[item.choices] = f"list_{item.key}"
    # 支出类型: a 预算 workbook offers 基本支出 and 项目支出 (list_kind), a 决算 workbook its own three too
    every_kind = tuple(k.value for k in s.SpendingKind)
    names[every_kind] = "list_kind_final"
    names[tuple(k.value for k in s.BUDGET_SPENDING_KINDS)] = "list_kind"
    return names


def _editions(format_id: str | None) -> list[str]:
    """The editions of the workbook's format (the default format's when none is named)."""
    try:
        return registry.get(format_id or registry.DEFAULT).edition_names
    except (registry.UnknownFormat, FormatInvalid):
        return []


def _write_lists(
    wb: Workbook, ws: Worksheet, catalog: Catalog, year: int, format_id: str | None = None
) -> dict[tuple[str, ...], str]:
    """Fill the hidden sheet; return the defined name of each CHOICE vocabulary."""
    ws.sheet_state = "hidden"
    _write_table(ws, 1, ("功能分类编码", "功能分类名称"), sorted(catalog.functions.items()))
    _write_table(ws, 4, ("经济分类编码", "经济分类名称"), sorted(catalog.econ.items()))
    choice_names = _choice_vocabularies()
    lists: list[tuple[str, str, Sequence[str]]] = [
        # "2012604 档案馆": the officer finds a code by its name; the reader takes the code
        (LIST_FUNC_ITEMS, "功能分类项", [f"{c} {n}" for c, n in catalog.items()]),
        (LIST_FUNC_CLASSES, "功能分类类", [f"{c} {n}" for c, n in catalog.classes]),
        (LIST_ECON_ITEMS, "经济分类款", [f"{c} {n}" for c, n in catalog.econ_items()]),
        *((name, name, choices) for choices, name in choice_names.items()),
        *_framework_lists(year),
        (LIST_FORMATS, "格式", sorted(registry.folders())),
        (LIST_EDITIONS, "版本", _editions(format_id)),
    ]
    for offset, (name, header, values) in enumerate(lists):
        col = FIRST_LIST_COL + offset
        _write_table(ws, col, (header,), [(v,) for v in values])
        letter = get_column_letter(col)
        last = max(len(values), 1) + 1
        _define_name(wb, name, f"{_sheet_ref(s.SHEET_LISTS)}${letter}$2:${letter}${last}")
    _protect(ws)
    return choice_names


def _framework_lists(year: int) -> list[tuple[str, str, Sequence[str]]]:
    """The 绩效指标 dropdowns from the year's framework data (issue 7 §4)."""
    fw = load_framework(year)
    return [
        (_suggest_name("level1"), "一级指标", fw.level1),
        (_suggest_name("level2"), "二级指标", fw.level2),
        (_suggest_name("basis"), "指标值设置依据", fw.basis),
        (_suggest_name("scoring"), "指标赋分规则", fw.scoring),
    ]


def _suggest_name(key: str) -> str:
    return f"list_indicator_{key}"


def _suggest_validation(column: s.Column) -> DataValidation | None:
    """A dropdown that suggests the framework's values but lets other text through (with a warning)."""
    if not column.suggest:
        return None
    return _dv(
        "list", "请从下拉列表选择；如填写其他内容，检查时会给出提示", formula1=_suggest_name(column.suggest), warn=True
    )


def _write_table(ws: Worksheet, first_col: int, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    for i, header in enumerate(headers):
        ws.cell(1, first_col + i, header).font = BOLD
        ws.column_dimensions[get_column_letter(first_col + i)].width = 16 if i == 0 else 36
    for r, values in enumerate(rows, start=2):
        for i, value in enumerate(values):
            cell = ws.cell(r, first_col + i, str(value))
            cell.number_format = "@"


def _define_reference_lists(wb: Workbook) -> None:
    """Defined names over the input ranges other sheets pick names from (预算单位, 项目名称)."""
    for source_sheet, source_key, _strict in set(REFERENCES.values()):
        letter = s.column_letter(source_sheet, source_key)
        last = _last_prepared_row(wb[source_sheet])
        ref = f"{_sheet_ref(source_sheet)}${letter}${s.FIRST_DATA_ROW}:${letter}${last}"
        _define_name(wb, _reference_name(source_sheet), ref)


def _reference_name(sheet: str) -> str:
    return "list_units" if sheet == s.SHEET_UNITS else "list_projects"


def _define_name(wb: Workbook, name: str, ref: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=ref)


def _sheet_ref(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'!"


# --- validations ----------------------------------------------------------------


def _validation(
    kind: s.Kind, choices: tuple[str, ...], choice_names: Mapping[tuple[str, ...], str]
) -> DataValidation | None:
    """The data validation for a cell of `kind`, or None for free text."""
    message = MESSAGES.get(kind, "")
    if kind is s.Kind.CHOICE:
        return _dv("list", message, formula1=choice_names[choices])
    if kind in CODE_LISTS:
        return _dv("list", message, formula1=CODE_LISTS[kind], warn=True)
    if kind in DECIMAL_KINDS:
        return _dv("decimal", message, operator="greaterThanOrEqual", formula1="0")
    if kind is s.Kind.INT:
        return _dv("whole", message, operator="greaterThanOrEqual", formula1="0")
    if kind is s.Kind.SIGNED_INT:
        return _dv("whole", message, operator="between", formula1=str(-SIGNED_LIMIT), formula2=str(SIGNED_LIMIT))
    if kind is s.Kind.MONTH:
        return _dv("whole", message, operator="between", formula1="1", formula2="12")
    if kind is s.Kind.DATE:
        low, high = (str(int(to_excel(d))) for d in (DATE_MIN, DATE_MAX))
        return _dv("date", message, operator="between", formula1=low, formula2=high)
    return None


def _reference_validation(sheet: str, key: str) -> DataValidation | None:
    if (sheet, key) not in REFERENCES:
        return None
    source_sheet, _key, strict = REFERENCES[(sheet, key)]
    return _dv("list", REFERENCE_MESSAGES[source_sheet], formula1=_reference_name(source_sheet), warn=not strict)


def _dv(
    type_: str,
    message: str,
    *,
    formula1: str,
    formula2: str | None = None,
    operator: str | None = None,
    warn: bool = False,
) -> DataValidation:
    return DataValidation(
        type=type_,
        operator=operator,
        formula1=formula1,
        formula2=formula2,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning" if warn else "stop",
        errorTitle=ERROR_TITLE,
        error=message,
    )


# --- key/value sheets -----------------------------------------------------------


def _write_kv_sheet(ws: Worksheet, sheet: str, choice_names: Mapping[tuple[str, ...], str]) -> None:
    """Header row, then one row per Field: label (A), value (B, input), note (C)."""
    for col, (header, width) in enumerate((("项目", 36), ("填写内容", 60), ("说明", 60)), start=1):
        cell = ws.cell(s.HEADER_ROW, col, header)
        _style_header(cell, FILL_REQUIRED)
        ws.column_dimensions[get_column_letter(col)].width = width
    for row, field in enumerate(s.ALL_KV_SHEETS[sheet], start=s.FIRST_DATA_ROW):
        label = ws.cell(row, 1, field.label)
        label.font, label.protection, label.alignment, label.border = BOLD, LOCKED, WRAP_TOP, BORDER
        if field.required:
            label.fill = FILL_REQUIRED
        note = ws.cell(row, 3, _kv_note(field))
        note.font, note.protection, note.alignment, note.border = GREY_FONT, LOCKED, WRAP_TOP, BORDER
        value = ws[f"{s.KV_VALUE_COL}{row}"]
        _style_input(value, field.kind)
        value.fill, value.border = FILL_INPUT, BORDER
        if field.kind is s.Kind.LONGTEXT:
            ws.row_dimensions[row].height = 90
        dv = _validation(field.kind, field.choices, choice_names)
        if field.key == "format":
            dv = _dv("list", "请从下拉列表选择已安装的格式", formula1=LIST_FORMATS)
        if field.key == "edition":
            dv = _dv("list", "请从下拉列表选择本格式的版本（部门版或单位版）", formula1=LIST_EDITIONS)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(value.coordinate)
    ws.freeze_panes = "A2"
    _print_setup(ws)
    _protect(ws)


def _print_setup(ws: Worksheet, print_area: str | None = None) -> None:
    """A4 landscape, one page wide, the header row repeated on every printed page."""
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.page_setup.orientation, ws.page_setup.paperSize = "landscape", ws.PAPERSIZE_A4
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.6
    ws.oddFooter.center.text = "&A  第 &P 页 共 &N 页"
    if ws.max_row > s.HEADER_ROW:
        ws.print_title_rows = f"{s.HEADER_ROW}:{s.HEADER_ROW}"
    if print_area:
        ws.print_area = print_area


def _kv_note(field: s.Field) -> str:
    parts = ["必填" if field.required else "选填", field.note]
    if field.choices:
        parts.append("从下拉列表选择")
    return "；".join(p for p in parts if p)


def _defaults(sheet: str, year: int, format_id: str | None = None) -> dict[str, object]:
    values = {f.label: f.default for f in s.ALL_KV_SHEETS[sheet] if f.default is not None}
    if sheet == s.SHEET_INFO:
        values[_field(sheet, "year").label] = year
        if format_id:
            values[_field(sheet, "format").label] = format_id
        editions = _editions(format_id)
        if editions:
            values[_field(sheet, "edition").label] = editions[0]
    return values


def _field(sheet: str, key: str) -> s.Field:
    return next(f for f in s.ALL_KV_SHEETS[sheet] if f.key == key)


def _fill_kv(ws: Worksheet, sheet: str, values: Mapping[str, object]) -> None:
    rows = {f.label: (row, f) for row, f in enumerate(s.ALL_KV_SHEETS[sheet], start=s.FIRST_DATA_ROW)}
    _check_keys(sheet, values, set(rows))
    for label, value in values.items():
        row, field = rows[label]
        _put(ws[f"{s.KV_VALUE_COL}{row}"], field.kind, value)


# --- list sheets ----------------------------------------------------------------


def _prepared_rows(sheet: str) -> int:
    return PREPARED_ROWS_BY_SHEET.get(sheet, PREPARED_ROWS)


def _list_columns(sheet: str) -> tuple[s.Column, ...]:
    if sheet not in s.ALL_LIST_SHEETS:
        raise TemplateDataError(f"{sheet!r} 不是列表工作表；可用：{', '.join(s.ALL_LIST_SHEETS)}")
    return s.ALL_LIST_SHEETS[sheet]


def _lookup_kind(columns: Sequence[s.Column], index: int) -> s.Kind | None:
    """The code kind whose official name display-only column `index` shows (it follows its code column)."""
    column = columns[index]
    if column.display_only and index > 0 and columns[index - 1].kind in LOOKUP_BY_KIND:
        return columns[index - 1].kind
    return None


def _write_list_sheet(
    ws: Worksheet, sheet: str, n_rows: int, choice_names: Mapping[tuple[str, ...], str], final: bool = False
) -> None:
    columns = s.ALL_LIST_SHEETS[sheet]
    kinds = s.SpendingKind if final else s.BUDGET_SPENDING_KINDS  # 支出类型 a 预算 workbook offers
    last = s.FIRST_DATA_ROW + n_rows - 1
    for col, column in enumerate(columns, start=1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = column.width
        cell = ws.cell(s.HEADER_ROW, col, column.header)
        _style_header(cell, _header_fill(column, sheet))
        cell.comment = _header_comment(column)
        dv = (
            _suggest_validation(column)
            or _reference_validation(sheet, column.key)
            or _validation(column.kind, _offered(sheet, column, kinds), choice_names)
        )
        if dv is not None and not (column.display_only or column.tool):
            ws.add_data_validation(dv)
            dv.add(f"{letter}{s.FIRST_DATA_ROW}:{letter}{last}")
    for row in range(s.FIRST_DATA_ROW, last + 1):
        _style_list_row(ws, sheet, row)
    ws.row_dimensions[s.HEADER_ROW].height = 32
    ws.freeze_panes = FREEZE.get(sheet, "A2")
    ws.auto_filter.ref = f"A{s.HEADER_ROW}:{get_column_letter(len(columns))}{last}"
    if sheet == s.SHEET_ITEMS:
        _write_item_totals(ws, kinds)
    if sheet == s.SHEET_PRIOR:
        _prior_required_rules(ws, last)
    _print_setup(ws)
    _protect(ws)


# Columns the reader requires on every listed row although the schema cannot mark them required
# (the rows are listed by `disclosure prepare`): coloured as required.
REQUIRED_LOOK = {(s.SHEET_PRIOR, "prior"), (s.SHEET_PRIOR, "reason")}
FILL_MISSING = PatternFill("solid", fgColor="F8CBAD")  # a required cell still empty


def _header_fill(column: s.Column, sheet: str = "") -> PatternFill:
    if column.display_only or column.tool:
        return FILL_AUTO
    return FILL_REQUIRED if column.required or (sheet, column.key) in REQUIRED_LOOK else FILL_OPTIONAL


def _prior_required_rules(ws: Worksheet, last: int) -> None:
    """上年对比: 上年预算数 turns red while a listed row lacks it; 主要原因 while the row's figures
    differ and no reason is given (what the check would report)."""
    key, prior, reason, current = (s.column_letter(s.SHEET_PRIOR, k) for k in ("key", "prior", "reason", "current"))
    first = s.FIRST_DATA_ROW
    ws.conditional_formatting.add(
        f"{prior}{first}:{prior}{last}",
        FormulaRule(formula=[f'AND(${key}{first}<>"",${prior}{first}="")'], fill=FILL_MISSING),
    )
    ws.conditional_formatting.add(
        f"{reason}{first}:{reason}{last}",
        FormulaRule(
            formula=[
                f'AND(${key}{first}<>"",${prior}{first}<>"",${current}{first}<>"",'
                f'${prior}{first}<>${current}{first},${reason}{first}="")'
            ],
            fill=FILL_MISSING,
        ),
    )


def _header_comment(column: s.Column) -> Comment:
    status = "自动显示或由工具填写" if column.display_only or column.tool else ("必填" if column.required else "选填")
    text = "\n".join(p for p in (status, column.note) if p)
    comment = Comment(text, COMMENT_AUTHOR)
    comment.width, comment.height = 260, 90
    return comment


def _style_list_row(ws: Worksheet, sheet: str, row: int) -> None:
    """Style one prepared data row: input cells unlocked, display-only cells grey, locked, with lookup formula."""
    columns = s.ALL_LIST_SHEETS[sheet]
    for index, column in enumerate(columns):
        cell = ws.cell(row, index + 1)
        if not (column.display_only or column.tool):
            _style_input(cell, column.kind)
            continue
        cell.fill, cell.protection, cell.alignment = FILL_AUTO_CELL, LOCKED, WRAP_TOP
        kind = _lookup_kind(columns, index)
        if kind is not None:
            cell.value = _lookup_formula(f"{get_column_letter(index)}{row}", kind)
        elif column.kind is s.Kind.MONEY:
            cell.number_format = NUMBER_FORMATS[column.kind]
    if sheet == s.SHEET_ITEMS:
        _running_total(ws, row)


# --- 支出明细: running total and subtotals (locked formulas right of the input columns) ---

TOTALS_GAP = 1  # empty columns between the input columns and the running total


def _items_letters() -> dict[str, str]:
    n = len(s.LIST_SHEETS[s.SHEET_ITEMS])
    return {
        "amount": s.column_letter(s.SHEET_ITEMS, "amount"),
        "kind": s.column_letter(s.SHEET_ITEMS, "kind"),
        "source": s.column_letter(s.SHEET_ITEMS, "source"),
        "running": get_column_letter(n + TOTALS_GAP + 1),
        "label": get_column_letter(n + TOTALS_GAP + 3),
        "value": get_column_letter(n + TOTALS_GAP + 4),
    }


def _running_total(ws: Worksheet, row: int) -> None:
    """累计金额 of row `row`: the sum of 金额 down to this row, blank while the row has no amount."""
    col = _items_letters()
    amount, first = col["amount"], s.FIRST_DATA_ROW
    cell = ws[f"{col['running']}{row}"]
    cell.value = f'=IF({amount}{row}="","",SUM(${amount}${first}:{amount}{row}))'
    cell.number_format = NUMBER_FORMATS[s.Kind.MONEY]
    cell.fill, cell.protection, cell.border = FILL_AUTO_CELL, LOCKED, BORDER


def _offered(sheet: str, column: s.Column, kinds: Iterable[s.SpendingKind]) -> tuple[str, ...]:
    """The choices a column's drop-down offers: a 预算 workbook's 支出类型 leaves out the 决算's own."""
    if sheet == s.SHEET_ITEMS and column.key == "kind":
        return tuple(k.value for k in kinds)
    return column.choices


def _write_item_totals(ws: Worksheet, kinds: Iterable[s.SpendingKind] = s.SpendingKind) -> None:
    """Header of the running total, and a locked subtotal block: 合计, per 支出类型, per 资金来源."""
    col = _items_letters()
    header = ws[f"{col['running']}{s.HEADER_ROW}"]
    header.value = "累计金额"
    _style_header(header, FILL_AUTO)
    header.comment = Comment("自动计算：从第一行到本行的金额合计，无需填写", "disclosure")
    ws.column_dimensions[col["running"]].width = 14
    ws.column_dimensions[col["label"]].width = 34
    ws.column_dimensions[col["value"]].width = 14
    amount, kind, source = (f"${col[k]}:${col[k]}" for k in ("amount", "kind", "source"))
    rows: list[tuple[str, str]] = [("金额小计（自动计算）", ""), ("合计", f"=SUM({amount})")]
    rows += [(f"  {k.value}", f'=SUMIF({kind},"{k.value}",{amount})') for k in kinds]
    rows += [(f"  {f.value}", f'=SUMIF({source},"{f.value}",{amount})') for f in s.FundSource]
    for offset, (label, formula) in enumerate(rows):
        r = s.HEADER_ROW + offset
        left, right = ws[f"{col['label']}{r}"], ws[f"{col['value']}{r}"]
        left.value, right.value = label, formula or None
        if offset == 0:
            _style_header(left, FILL_AUTO)
            _style_header(right, FILL_AUTO)
            continue
        for cell in (left, right):
            cell.fill, cell.protection, cell.border = FILL_AUTO_CELL, LOCKED, BORDER
        right.number_format = NUMBER_FORMATS[s.Kind.MONEY]
        left.font = right.font = BOLD if offset == 1 else Font()


def _lookup_formula(source: str, kind: s.Kind) -> str:
    """Official name of the code in `source`: from the catalog, else from sheet 补充科目, else empty."""
    code = f'LEFT({source}&"",{CODE_DIGITS[kind]})'  # a "2012604 档案馆" entry looks up by its code
    catalog = f"VLOOKUP({code},{_sheet_ref(s.SHEET_LISTS)}{LOOKUP_BY_KIND[kind]},2,FALSE)"
    first = s.column_letter(s.SHEET_EXTRA_CODES, "code")
    last = s.column_letter(s.SHEET_EXTRA_CODES, "name")
    width = ord(last) - ord(first) + 1
    extra = f"VLOOKUP({code},{_sheet_ref(s.SHEET_EXTRA_CODES)}${first}:${last},{width},FALSE)"
    return f'=IFERROR({catalog},IFERROR({extra},""))'


def _style_input(cell: Cell, kind: s.Kind) -> None:
    cell.protection = UNLOCKED
    cell.alignment = WRAP_TOP if kind is s.Kind.LONGTEXT else TOP
    if kind in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[kind]


def _style_header(cell: Cell, fill: PatternFill) -> None:
    cell.font, cell.fill, cell.alignment, cell.protection, cell.border = BOLD, fill, HEADER_ALIGN, LOCKED, BORDER


def _default_rows(sheet: str) -> list[Mapping[str, object]]:
    """Rows a blank sheet starts with: the default glossary."""
    if sheet != s.SHEET_GLOSSARY:
        return []
    headers = [c.header for c in s.GLOSSARY_COLUMNS]
    return [dict(zip(headers, entry, strict=True)) for entry in s.DEFAULT_GLOSSARY]


def _list_rows(sheet: str, rows: object) -> list[Mapping[str, object]]:
    if rows is None:
        return []
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise TemplateDataError(f"{sheet}: 应为由 {{表头: 值}} 组成的列表")
    return rows


def _fill_row(ws: Worksheet, sheet: str, row: int, values: Mapping[str, object]) -> None:
    """Write one data row given as {header: value}. Values for formula columns are ignored."""
    columns = s.ALL_LIST_SHEETS[sheet]
    by_header = {c.header: i for i, c in enumerate(columns)}
    _check_keys(sheet, values, set(by_header))
    for header, value in values.items():
        index = by_header[header]
        if _lookup_kind(columns, index) is None:
            _put(ws.cell(row, index + 1), columns[index].kind, value)


def _last_prepared_row(ws: Worksheet) -> int:
    """Last row whose first cell is an unlocked input cell (the end of the prepared range)."""
    row = ws.max_row
    while row > s.FIRST_DATA_ROW and ws.cell(row, 1).protection.locked:
        row -= 1
    return row


def _last_data_row(ws: Worksheet, columns: Sequence[s.Column]) -> int:
    """Last row holding a value outside the formula columns; the header row if there is none."""
    value_cols = [i + 1 for i in range(len(columns)) if _lookup_kind(columns, i) is None]
    for row in range(ws.max_row, s.FIRST_DATA_ROW - 1, -1):
        if any(ws.cell(row, col).value not in (None, "") for col in value_cols):
            return row
    return s.HEADER_ROW


def _ensure_prepared(ws: Worksheet, sheet: str, row: int) -> None:
    """Give `row` the prepared-row style and extend the validations ending on the row above."""
    first_input = next(i for i, c in enumerate(s.ALL_LIST_SHEETS[sheet]) if not c.display_only) + 1
    if not ws.cell(row, first_input).protection.locked:
        return
    _style_list_row(ws, sheet, row)
    for dv in ws.data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            if cell_range.max_row == row - 1:
                cell_range.expand(down=1)


# --- cell values ----------------------------------------------------------------


def _put(cell: Cell, kind: s.Kind, value: object) -> None:
    """Write `value` converted to `kind`; text starting with "=" stays text, not a formula."""
    converted = _convert(kind, value)
    cell.value = converted
    if isinstance(converted, str) and converted.startswith("="):
        cell.data_type = "s"
    if isinstance(converted, str) and "\n" in converted:
        cell.alignment = WRAP_TOP
    if kind in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[kind]


def _convert(kind: s.Kind, value: object) -> object:
    """The cell value for `value`; values that do not fit `kind` are returned unchanged (or as text)."""
    if value is None or value == "":
        return None
    if isinstance(value, Enum):
        value = value.value
    try:
        if kind in DECIMAL_KINDS:
            return _to_float(value)
        if kind in INT_KINDS:
            return _to_int(value)
        if kind is s.Kind.DATE:
            return _to_date(value)
    except (ValueError, TypeError, InvalidOperation):
        return value if isinstance(value, int | float) else str(value)
    if kind in CODE_KINDS and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if kind in TEXT_KINDS else value


def _to_float(value: object) -> float:
    if isinstance(value, bool):
        raise TypeError(value)
    number = Decimal(str(value).strip())
    if not number.is_finite():
        raise ValueError(value)
    return float(number)


def _to_int(value: object) -> int:
    if isinstance(value, bool):
        raise TypeError(value)
    number = Decimal(str(value).strip())
    if number != number.to_integral_value():
        raise ValueError(value)
    return int(number)


def _to_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def _check_keys(where: str, values: object, allowed: set[str]) -> None:
    if not isinstance(values, Mapping):
        raise TemplateDataError(f"{where}: 应为 {{键: 值}}，实际为 {type(values).__name__}")
    unknown = [k for k in values if k not in allowed]
    if unknown:
        raise TemplateDataError(f"{where}: 未知的键 {unknown}；可用：{', '.join(sorted(allowed))}")


def _protect(ws: Worksheet) -> None:
    """Protect without password; users may still insert/delete rows, sort, filter and resize."""
    p = ws.protection
    p.sheet = True
    p.insertRows = p.deleteRows = p.formatColumns = p.formatRows = p.autoFilter = p.sort = False


# --- 填表说明 -------------------------------------------------------------------

SHEET_PURPOSE = {
    s.SHEET_INFO: (
        "单位名称、预算年度、金额单位、主要职能、机构设置、人员情况、落款日期等。在B列（黄色）填写，C列是说明。"
    ),
    s.SHEET_UNITS: (
        "部门所属的预算单位全称，每行一个（第一行为本级）。“支出明细”的“预算单位”列从这里选择，绩效目标表也使用这些名称。"
        "“单位类型”决定机关运行经费的范围：只含行政单位和参照公务员法管理事业单位。"
    ),
    s.SHEET_ITEMS: (
        "全部支出预算明细，每行一笔：一个功能分类“项”、一个经济分类“款”、支出类型、资金来源和金额。公开文件的全部表格"
        "和文字中的数字都由这张表汇总计算，请完整、准确填写。相同组合可分多行填写，工具自动合计。"
    ),
    s.SHEET_PROJECTS: (
        "每个项目支出项目一行，用于项目支出绩效目标表。项目名称须与“支出明细”“绩效指标”中完全一致。"
        "不公开绩效目标表的项目在“公开绩效目标表”列选“否”（仍计入各表和说明）。"
    ),
    s.SHEET_INDICATORS: (
        "项目的绩效指标，每个三级指标一行，同一项目的各行填写相同的项目名称。每个项目的指标分值权重之和应等于"
        "“项目信息”中本项目的“绩效指标权重合计”（未填时为“基本信息”中的“绩效指标分值权重合计”）。"
        "一级、二级指标按本年度绩效指标体系从下拉列表选择；指标值写成“比较符号＋数字＋单位”（如 >=98%）或定性值。"
    ),
    s.SHEET_PRIOR: (
        "与上年预算的比较。运行 disclosure prepare 后，工具在A列列出公开文件需要比较的项目，请填写上年预算数；"
        "本年与上年不同时必须填写主要原因。灰色列由工具填写：再次运行 prepare 时，工具记下每条原因对应的本年数；"
        "以后本年数变化会提示核对原因，增减方向变化时须改写原因。"
    ),
    s.SHEET_USES: (
        "第三部分“四”中各功能分类“类”支出“主要用于……”的说明，每类一行。运行 disclosure prepare 会列出需要填写的类。"
    ),
    s.SHEET_FACTS: "政府采购预算和国有资产占有使用情况。没有的填0（已预填0）。金额按“基本信息”的金额单位填写。",
    s.SHEET_GLOSSARY: "第四部分“名词解释”，已预填常用名词，可修改、删除或增加。",
    # 决算 workbooks only (issue 20)
    s.SHEET_FINAL: (
        "决算工作簿：年初和年末结转和结余、“三公”经费的团组数、车辆数和接待批次、政府采购合同金额、截至12月31日的"
        "国有资产和预算绩效管理情况。金额按“基本信息”的金额单位填写，没有的填0（已预填0）。"
        "“三公”经费、机关运行经费的金额由“支出明细”的决算数计算，无需填写。"
    ),
    s.SHEET_FINAL_INCOME: (
        "决算工作簿：本年收入决算数，按功能分类“项”和收入类型每行一笔（收入决算表）。财政拨款收入加年初财政拨款"
        "结转和结余，应等于财政拨款支出决算数加年末财政拨款结转和结余。"
    ),
    s.SHEET_FINAL_REASONS: (
        "决算工作簿：决算数与年初预算数的比较。运行 disclosure prepare 后，工具在A列列出需要说明的项目（一般公共预算"
        "财政拨款支出、每个一般公共预算“项”、“三公”经费），并填好年初预算数、决算数和完成比例；决算数大于或小于年初预算数时"
        "必须填写主要原因。再次运行 prepare 时，工具记下每条原因对应的决算数；以后决算数变化会提示核对原因，"
        "大小关系变化时须改写原因。"
    ),
    s.SHEET_FINAL_PRIOR: (
        "决算工作簿：与上年决算的比较。运行 disclosure prepare 后，工具在A列列出公开文件需要比较的项目（收入支出总计、"
        "财政拨款收入支出总计、一般公共预算财政拨款支出、“三公”经费及各项、机关运行经费），请填写上年决算公开中的对应数；"
        "本年与上年不同时必须填写主要原因。原因与本年数绑定，规则与“上年对比”相同。"
    ),
    s.SHEET_FINAL_CARRY: (
        "决算工作簿：政府性基金预算、国有资本经营预算财政拨款的年初和年末结转和结余，按功能分类“项”每行一个科目"
        "（政府性基金预算、国有资本经营预算财政拨款收入支出决算表各行）。各行合计应等于“决算情况”中对应的"
        "年初、年末结转和结余；没有这两项财政拨款的不填。"
    ),
    s.SHEET_EXTRA_CODES: (
        "科目表中没有的科目（如当年新增科目），每个编码一行，写明官方名称；支出明细中使用这些编码时，名称列也会显示这里的名称。"
        "科目表中已有的科目不要在这里重复填写。"
    ),
}

# One illustrative row per sheet, keyed by column / field key.
EXAMPLES: dict[str, dict[str, str]] = {
    s.SHEET_INFO: {"unit_name": "昌吉回族自治州××局", "amount_unit": "万元", "sign_date": "2023-01-31"},
    s.SHEET_UNITS: {"name": "昌吉回族自治州××局本级"},
    s.SHEET_ITEMS: {
        "unit": "昌吉回族自治州××局本级",
        "func_code": "2010301",
        "func_name": "行政运行",
        "econ_code": "30101",
        "econ_name": "基本工资",
        "kind": s.SpendingKind.BASIC.value,
        "source": s.FundSource.GPB_LOCAL.value,
        "amount": "120.50",
    },
    s.SHEET_PROJECTS: {
        "name": "政务服务平台运维项目",
        "manager": "张三",
        "policy_basis": "《××市政务服务平台管理办法》",
        "undertaker": "昌吉回族自治州××局本级",
        "allocation": "平台运维费30万元，安全测评费20万元",
        "start_month": "1",
        "end_month": "12",
        "goal": "保障政务服务平台全年稳定运行",
    },
    s.SHEET_INDICATORS: {
        "project": "政务服务平台运维项目",
        "level1": "产出指标",
        "level2": "数量指标",
        "level3": "运维系统数量",
        "value": "=1个",
        "basis": "计划标准",
        "weight": "20",
        "scoring": "按照正常比例赋分",
        "evidence": "工作资料",
    },
    s.SHEET_PRIOR: {
        "key": s.PriorKey.SPEND_BASIC.value,
        "prior": "350.00",
        "reason": "人员调整，工资福利支出增加",
        "current": "362.40",
    },
    s.SHEET_USES: {"class_code": "201", "class_name": "一般公共服务支出", "use": "机关日常运转和政务服务平台运行维护"},
    s.SHEET_FACTS: {"proc_goods": "12.00", "car_general_count": "2"},
    s.SHEET_GLOSSARY: {
        "term": "财政拨款",
        "definition": "指由一般公共预算、政府性基金预算、国有资本经营预算安排的财政拨款数。",
    },
    s.SHEET_EXTRA_CODES: {"code_type": "功能分类", "code": "科目表中没有的7位编码", "name": "财政部公布的官方名称"},
    # 决算 workbooks only (issue 20)
    s.SHEET_FINAL: {"carry_in": "49.14", "carry_out": "55.34", "vehicles_held": "0"},
    s.SHEET_FINAL_REASONS: {
        "key": s.FinalKey.GPB_TOTAL.value,
        "reason": "因年度工作计划安排，个别信息化项目和中介机构服务调减",
        "budget": "2993.92",
        "final": "2940.05",
    },
    s.SHEET_FINAL_PRIOR: {"key": s.FinalPriorKey.OPERATING.value, "prior": "182.10", "current": "184.65"},
    s.SHEET_FINAL_CARRY: {
        "func_code": "2120801",
        "func_name": "征地和拆迁补偿支出",
        "fund": "政府性基金预算",
        "carry_in": "12.00",
        "carry_out": "3.50",
    },
    s.SHEET_FINAL_INCOME: {
        "func_code": "2010602",
        "func_name": "一般行政管理事务",
        "income_type": "其他收入",
        "amount": "6.19",
    },
}

# The sheets step 2 asks the officer to fill, and those `prepare` adds rows to in step 3 (with what
# the officer writes in them), in this order; a workbook's guide names only the sheets it has.
FILLED_SHEETS = (
    s.SHEET_INFO,
    s.SHEET_UNITS,
    s.SHEET_ITEMS,
    s.SHEET_PROJECTS,
    s.SHEET_INDICATORS,
    s.SHEET_FACTS,
    s.SHEET_FINAL,
    s.SHEET_FINAL_INCOME,
    s.SHEET_FINAL_CARRY,
)
PREPARED_SHEETS = {
    s.SHEET_PRIOR: "上年预算数和变化的主要原因",
    s.SHEET_USES: "各类的主要用途",
    s.SHEET_FINAL_REASONS: "决算数与年初预算数不同的主要原因",
    s.SHEET_FINAL_PRIOR: "上年决算数和变化的主要原因",
}


def workbook_sheets(format_id: str | None, final: bool = False, given: Set[str] = frozenset()) -> tuple[str, ...]:
    """The input sheets of a blank workbook in `format_id` (plus any that `given` data fills): a 决算
    workbook has every sheet, a 预算 workbook those its format needs (generator/formats/needs.py)."""
    if final:
        return (*s.INPUT_SHEETS, *s.FINAL_SHEETS)
    needed = set(sheets_of(format_id)) | set(given)
    return tuple(n for n in s.INPUT_SHEETS if n in needed)


def prepared_sheets(sheets: Sequence[str]) -> tuple[str, ...]:
    """The sheets of a workbook that `prepare` (and the web's 补全 button) adds rows to: a 决算
    workbook's comparisons are its own two sheets (its 预算 sheets are read as they came)."""
    final = s.SHEET_FINAL in sheets
    return tuple(n for n in PREPARED_SHEETS if n in sheets and (n in s.FINAL_SHEETS) == final)


def workflow(sheets: Sequence[str] = s.INPUT_SHEETS) -> tuple[str, ...]:
    """The steps of 填表说明 for a workbook with `sheets`: the same steps, in the same order and with the
    same titles, as README.md "使用步骤" (tests/test_workbook_look.py compares them)."""
    filled = "、".join(name for name in FILLED_SHEETS if name in sheets)
    glossary = "，并核对名词解释" if s.SHEET_GLOSSARY in sheets else ""
    prepared = prepared_sheets(sheets)
    quoted = "".join(f"“{name}”" for name in prepared)
    to_write = "、".join(PREPARED_SHEETS[name] for name in prepared)
    return (
        "1. 生成空白工作簿：运行 disclosure new 工作簿.xlsx（本工作簿即由此生成）。",
        f"2. 填写工作簿：按下面“三、各工作表说明”填写{filled}{glossary}。"
        "蓝色表头为必填列，绿色为选填列，灰色为自动显示列。",
        "3. 补全上年对比行：运行 disclosure prepare 工作簿.xlsx（运行前请保存并关闭本文件）。工具根据支出明细在"
        f"{quoted}中添加公开文件需要的行；请在这些行中填写{to_write}（未填的必填单元格显示为红色）。",
        "4. 检查：运行 disclosure check 工作簿.xlsx。工具一次列出全部问题及位置（如“支出明细!D14”）和修改办法，"
        "改完再检查，直到没有错误（警告请确认）。",
        "5. 生成公开文件：运行 disclosure build 工作簿.xlsx，生成 Word（DOCX）和 PDF 公开文件"
        "（--format html 另生成可发布到网站的网页）。有错误时不生成文件，也不会覆盖以前生成的文件。",
        "6. 导出计算结果（可选）：运行 disclosure dump 工作簿.xlsx，把计算出的表格和说明文字写成 JSON 供核对。",
    )


WORKFLOW = workflow()

RULES = (
    "金额单位：在“基本信息”的“金额单位”选择“万元”或“元”，整个工作簿的金额都按这个单位填写。只填数字，不要带“万元”“元”"
    "等文字。选“万元”时最多两位小数；选“元”时最多两位小数（到分），工具按精确金额汇总，只在公开文件显示万元数时四舍五入。",
    "基本支出与项目支出：基本支出是保障机构正常运转、完成日常工作任务的人员经费和公用经费（如工资福利、办公费、水电费）；"
    "项目支出是为完成特定工作任务在基本支出之外安排的支出，必须填写项目名称，并在“项目信息”“绩效指标”中填写该项目。",
    "资金来源：与公开文件表1的收入各行一一对应，从下拉列表选择。当年财政拨款选“一般公共预算拨款（一般财力）”等；"
    "上年结转的财政拨款选“财政拨款结转（……）”；单位自有资金选“单位资金（……）”。每笔支出的资金来源就是它的收入，收支自动平衡。",
    "科目编码：功能分类填7位“项”级编码，经济分类填5位“款”级编码，可从下拉列表选择或直接输入。右侧灰色名称列自动显示"
    "官方名称；显示为空说明编码不在科目表中，请核对。编码列已设为文本格式，请勿改为数字格式。",
    "颜色：蓝色表头为必填列，绿色表头为选填列，灰色列自动显示或由工具填写，无需填写。将鼠标移到表头上可看到填写说明。",
    f"增加行：支出明细已预留{PREPARED_ROWS_BY_SHEET[s.SHEET_ITEMS]}行，类用途说明{PREPARED_ROWS_BY_SHEET[s.SHEET_USES]}行，"
    f"其他表{PREPARED_ROWS}行，均已设好下拉列表和校验，从第2行起连续往下填写即可。需要更多行时，"
    "在已填写的行中间右键“插入”整行，下拉列表和校验会随之扩展。",
    "工作表保护：为防止误改表头和公式，各表已设保护但没有密码；仍可插入、删除行，排序、筛选和调整列宽。确需修改时，"
    "点“审阅→撤销工作表保护”即可，无需密码。",
    "请勿修改工作表名称和表头文字，也不要删除或调整工作表，工具按名称读取。从其他表格复制数据时请用“选择性粘贴→数值”。",
)


def _write_guide(ws: Worksheet, catalog: Catalog, sheets: Sequence[str] = s.INPUT_SHEETS) -> None:
    ws.column_dimensions["A"].width = 110
    lines: list[tuple[str, str]] = [("title", f"{WORKBOOK_TITLE} · 填表说明"), ("heading", "一、填报流程")]
    lines += [("text", t) for t in workflow(sheets)]
    lines.append(("heading", "二、填写规则"))
    lines += [("text", f"{i}. {t}") for i, t in enumerate(RULES, start=1)]
    lines.append(("text", f"{len(RULES) + 1}. 科目下拉列表和名称来自{catalog.description}。"))
    lines.append(("heading", "三、各工作表说明"))
    for sheet in sheets:
        lines += _guide_sheet_lines(sheet)
    for row, (style, text) in enumerate(lines, start=1):
        _guide_line(ws, row, style, text)
    _print_setup(ws)
    ws.print_title_rows = None  # the guide has no header row to repeat
    ws.sheet_view.showGridLines = False
    _protect(ws)


def _guide_sheet_lines(sheet: str) -> list[tuple[str, str]]:
    items: Sequence[s.Column | s.Field] = s.ALL_KV_SHEETS.get(sheet) or s.ALL_LIST_SHEETS[sheet]
    required = [_title(i) for i in items if i.required and not _display_only(i)]
    optional = [_title(i) for i in items if not i.required and not _display_only(i)]
    auto = [_title(i) for i in items if _display_only(i)]
    lines = [("subheading", f"【{sheet}】"), ("text", SHEET_PURPOSE.get(sheet, ""))]
    lines.append(("text", "必填：" + ("、".join(required) or "无")))
    if optional:
        lines.append(("text", "选填：" + "、".join(optional)))
    if auto:
        lines.append(("text", "自动显示或由工具填写（无需填写）：" + "、".join(auto)))
    example = EXAMPLES.get(sheet, {})
    cells = [
        f"{_title(i)}＝{example[i.key]}" + ("（自动）" if _display_only(i) else "") for i in items if i.key in example
    ]
    if cells:
        lines.append(("example", "示例：" + "；".join(cells)))
    return lines


def _title(item: s.Column | s.Field) -> str:
    return item.header if isinstance(item, s.Column) else item.label


def _display_only(item: s.Column | s.Field) -> bool:
    return isinstance(item, s.Column) and (item.display_only or item.tool)


GUIDE_STYLES = {
    "title": (Font(bold=True, size=16), None),
    "heading": (Font(bold=True, size=13), FILL_HEADING),
    "subheading": (Font(bold=True, size=11), None),
    "text": (Font(size=11), None),
    "example": (Font(size=11, color="375623"), None),
}


def _guide_line(ws: Worksheet, row: int, style: str, text: str) -> None:
    font, fill = GUIDE_STYLES[style]
    cell = ws.cell(row, 1, text)
    cell.font, cell.alignment = font, Alignment(wrap_text=True, vertical="center")
    cell.data_type = "s"  # the examples may start with "="
    if fill is not None:
        cell.fill = fill
    ws.row_dimensions[row].height = _text_height(text, 110, 24 if style == "title" else 16)


def _text_height(text: str, width: float, line_height: float) -> float:
    """Row height fitting `text` wrapped at `width` (CJK characters count double)."""
    units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return line_height * max(1, math.ceil(units / (width - 4))) + 4
