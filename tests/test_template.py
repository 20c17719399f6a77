"""The input workbook writer: layout from the schema, dropdowns, protection, filled data, appended rows."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from generator.catalog import load_catalog
from generator.workbook import schema as s
from generator.workbook.template import (
    EXAMPLES,
    PREPARED_ROWS,
    PREPARED_ROWS_BY_SHEET,
    SHEET_PURPOSE,
    TemplateDataError,
    append_rows,
    build_workbook,
    set_cell,
    write_workbook,
)

EXAMPLE_DIR = Path(__file__).resolve().parents[1] / "examples"

DATA: dict[str, object] = {
    s.SHEET_INFO: {"单位全称": "测试局", "预算年度": 2023, "落款日期": "2023-01-31", "主要职能": "第一段\n第二段"},
    s.SHEET_UNITS: [{"预算单位名称": "测试局本级"}],
    s.SHEET_ITEMS: [
        {
            "预算单位": "测试局本级",
            "功能分类科目编码": 2010301,
            "经济分类科目编码": "30101",
            "支出类型": "基本支出",
            "资金来源": "一般公共预算拨款（一般财力）",
            "金额": "120.50",
        },
        {"功能分类科目编码": "2010302", "经济分类科目编码": "30201", "金额": Decimal("3.1"), "项目名称": ""},
    ],
    s.SHEET_PROJECTS: [{"项目名称": "平台运维", "执行起始月": "3", "执行截止月": 12}],
    s.SHEET_INDICATORS: [{"项目名称": "平台运维", "指标值": "=1个", "指标分值权重": "20"}],
    s.SHEET_FACTS: {"政府采购货物预算": "12.5", "一般公务用车数量（辆）": 2},
    s.SHEET_GLOSSARY: [{"名词": "甲", "解释": "乙"}],
}


def _reload(wb: Workbook, path: Path) -> Workbook:
    wb.save(path)
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    path = tmp_path_factory.mktemp("blank") / "blank.xlsx"
    write_workbook(path)
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    return _reload(build_workbook(DATA), tmp_path_factory.mktemp("filled") / "filled.xlsx")


def _headers(ws: Worksheet) -> list[object]:
    return [c.value for c in ws[s.HEADER_ROW]]


def _validations(ws: Worksheet) -> dict[str, tuple[str, str | None, str | None]]:
    """sqref -> (type, formula1, errorStyle)."""
    return {str(dv.sqref): (dv.type, dv.formula1, dv.errorStyle) for dv in ws.data_validations.dataValidation}


def _last_row(sheet: str) -> int:
    return s.FIRST_DATA_ROW + PREPARED_ROWS_BY_SHEET.get(sheet, PREPARED_ROWS) - 1


def _kv_row(sheet: str, key: str) -> int:
    return next(i for i, f in enumerate(s.KV_SHEETS[sheet], start=s.FIRST_DATA_ROW) if f.key == key)


# --- blank workbook ---------------------------------------------------------------


def test_sheets_in_order_with_hidden_lists_sheet(blank: Workbook) -> None:
    assert blank.sheetnames == [s.SHEET_GUIDE, *s.INPUT_SHEETS, s.SHEET_LISTS]
    assert [ws.title for ws in blank if ws.sheet_state != "visible"] == [s.SHEET_LISTS]
    assert blank[s.SHEET_LISTS].sheet_state == "hidden"


def test_properties_and_active_sheet(blank: Workbook) -> None:
    assert blank.properties.title == "部门预算公开填报工作簿"
    assert blank.properties.creator == "disclosure"
    assert blank.active.title == s.SHEET_GUIDE


def test_list_sheet_headers_widths_and_freeze(blank: Workbook) -> None:
    for sheet, columns in s.LIST_SHEETS.items():
        ws = blank[sheet]
        assert _headers(ws)[: len(columns)] == [c.header for c in columns], sheet
        assert ws.freeze_panes in ("A2", "B2")
        for col in columns:
            assert ws.column_dimensions[s.column_letter(sheet, col.key)].width == col.width
    assert blank[s.SHEET_ITEMS].freeze_panes == "A2"
    assert blank[s.SHEET_PROJECTS].freeze_panes == "B2"


def test_header_cells_bold_locked_with_note_comment(blank: Workbook) -> None:
    for sheet, columns in s.LIST_SHEETS.items():
        for col in columns:
            cell = blank[sheet][f"{s.column_letter(sheet, col.key)}{s.HEADER_ROW}"]
            assert cell.font.bold and cell.protection.locked and cell.alignment.wrap_text
            assert cell.comment is not None and cell.comment.author == "填表说明"
            assert col.note in cell.comment.text
    comment = blank[s.SHEET_ITEMS]["B1"].comment
    assert comment.text.startswith("必填")


def test_kv_sheets_labels_defaults_and_notes(blank: Workbook) -> None:
    for sheet, fields in s.KV_SHEETS.items():
        ws = blank[sheet]
        for row, field in enumerate(fields, start=s.FIRST_DATA_ROW):
            label, value, note = (ws[f"{c}{row}"] for c in (s.KV_LABEL_COL, s.KV_VALUE_COL, s.KV_NOTE_COL))
            assert label.value == field.label and label.font.bold and label.protection.locked
            assert not value.protection.locked
            assert note.protection.locked and field.note in note.value
            if field.default is not None:
                assert value.value == field.default
    info = blank[s.SHEET_INFO]
    assert info[f"B{_kv_row(s.SHEET_INFO, 'year')}"].value == 2023
    assert info[f"B{_kv_row(s.SHEET_INFO, 'functions')}"].alignment.wrap_text
    assert info[f"B{_kv_row(s.SHEET_INFO, 'sign_date')}"].number_format == "yyyy-mm-dd"


def test_kv_validations(blank: Workbook) -> None:
    dvs = _validations(blank[s.SHEET_INFO])
    assert dvs[f"B{_kv_row(s.SHEET_INFO, 'amount_unit')}"][:2] == ("list", "list_amount_unit")
    assert dvs[f"B{_kv_row(s.SHEET_INFO, 'sign_date')}"][0] == "date"
    assert dvs[f"B{_kv_row(s.SHEET_INFO, 'staff_quota')}"][:2] == ("whole", "0")
    assert dvs[f"B{_kv_row(s.SHEET_INFO, 'weight_total')}"][:2] == ("decimal", "0")
    facts = _validations(blank[s.SHEET_FACTS])
    assert facts[f"B{_kv_row(s.SHEET_FACTS, 'proc_goods')}"][:2] == ("decimal", "0")
    assert facts[f"B{_kv_row(s.SHEET_FACTS, 'car_law_count')}"][:2] == ("whole", "0")


def test_item_validations_cover_prepared_range(blank: Workbook) -> None:
    dvs = _validations(blank[s.SHEET_ITEMS])
    assert dvs["A2:A301"] == ("list", "list_units", "stop")
    assert dvs["B2:B301"] == ("list", "list_func_items", "warning")
    assert dvs["D2:D301"] == ("list", "list_econ_items", "warning")
    assert dvs["F2:F301"] == ("list", "list_kind", "stop")
    assert dvs["G2:G301"] == ("list", "list_projects", "warning")
    assert dvs["H2:H301"] == ("list", "list_source", "stop")
    assert dvs["I2:I301"][:2] == ("decimal", "0")
    assert dvs["K2:K301"][:2] == ("decimal", "0")  # 决算数 (issue 20)
    assert len(dvs) == 8  # no validation on names, 备注 or display-only columns


def test_other_list_validations(blank: Workbook) -> None:
    assert _validations(blank[s.SHEET_PROJECTS])["F2:F501"][:2] == ("whole", "1")
    indicators = _validations(blank[s.SHEET_INDICATORS])
    assert indicators["A2:A501"] == ("list", "list_projects", "warning")
    assert indicators["H2:H501"][:2] == ("decimal", "0")
    assert _validations(blank[s.SHEET_USES])[f"A2:A{_last_row(s.SHEET_USES)}"][:2] == ("list", "list_func_classes")
    assert _validations(blank[s.SHEET_PRIOR]) == {"B2:B501": ("decimal", "0", "stop")}
    for ws in blank:
        for dv in ws.data_validations.dataValidation:
            assert dv.showErrorMessage and dv.allow_blank and dv.error


def test_defined_names_point_at_catalog_and_vocabularies(blank: Workbook) -> None:
    catalog = load_catalog(2023)

    def values(name: str) -> list[object]:
        sheet, ref = blank.defined_names[name].attr_text.split("!")
        return [c.value for row in blank[sheet.strip("'")][ref.replace("$", "")] for c in row]

    # dropdown entries carry code and name ("2012604 档案馆"), so no one needs the hidden sheet
    assert values("list_func_items") == [f"{c} {n}" for c, n in catalog.items()]
    assert "2012604 档案馆" in values("list_func_items")
    assert values("list_func_classes") == [f"{c} {n}" for c, n in catalog.classes]
    assert values("list_econ_items") == [f"{c} {n}" for c, n in catalog.econ_items()]
    assert values("list_source") == [f.value for f in s.FundSource]
    # 绩效指标 dropdowns come from the year's framework data (issue 7 §4)
    assert values("list_indicator_level1") == ["产出指标", "成本指标", "效益指标", "满意度指标"]
    assert "社会效益指标" in values("list_indicator_level2")
    assert {"按照完成比例赋分", "按照评判等级赋分"} <= set(values("list_indicator_scoring"))
    assert blank.defined_names["list_projects"].attr_text == "'项目信息'!$A$2:$A$501"


def test_lookup_formula_and_text_codes(blank: Workbook) -> None:
    ws = blank[s.SHEET_ITEMS]
    assert ws["C2"].value.startswith("=IFERROR(VLOOKUP(LEFT(B2&\"\",7),'_代码表'!$A:$B,2,FALSE)")
    assert ws["E301"].value.startswith("=IFERROR(VLOOKUP(LEFT(D301&\"\",5),'_代码表'!$D:$E,2,FALSE)")
    assert ws["C2"].fill.fgColor.rgb.endswith("F2F2F2") and ws["C2"].protection.locked
    assert ws["B2"].number_format == "@" and ws["I2"].number_format == "0.00"
    lists = blank[s.SHEET_LISTS]
    codes = {row[0]: row[1] for row in lists.iter_rows(min_row=2, max_col=2, values_only=True) if row[0]}
    assert codes["2010301"] == "行政运行" and codes["201"] == "一般公共服务支出"
    assert blank[s.SHEET_USES]["B2"].value.startswith("=IFERROR(VLOOKUP(LEFT(A2&\"\",3),'_代码表'!$A:$B")


def test_input_cells_unlocked_and_display_only_locked(blank: Workbook) -> None:
    for sheet, columns in s.LIST_SHEETS.items():
        ws = blank[sheet]
        for col in columns:
            letter = s.column_letter(sheet, col.key)
            for row in (s.FIRST_DATA_ROW, _last_row(sheet)):
                assert ws[f"{letter}{row}"].protection.locked == (col.display_only or col.tool), (sheet, col.key, row)
        assert ws.cell(_last_row(sheet) + 1, 1).protection.locked  # outside the prepared range
    prior = blank[s.SHEET_PRIOR]
    assert prior["D2"].value is None and prior["E2"].value is None  # filled by the tool


def test_every_sheet_protected_without_password_but_rows_insertable(blank: Workbook) -> None:
    for ws in blank:
        p = ws.protection
        assert p.sheet and not p.password, ws.title
        assert not (p.insertRows or p.deleteRows or p.formatColumns or p.sort or p.autoFilter), ws.title


def test_glossary_prefilled(blank: Workbook) -> None:
    rows = blank[s.SHEET_GLOSSARY].iter_rows(min_row=2, max_row=len(s.DEFAULT_GLOSSARY) + 2, values_only=True)
    assert [tuple(r) for r in rows] == [*s.DEFAULT_GLOSSARY, (None, None)]


def test_guide_explains_workflow_and_every_sheet(blank: Workbook) -> None:
    ws = blank[s.SHEET_GUIDE]
    text = "\n".join(str(c.value) for c in ws["A"] if c.value)
    for command in ("disclosure check 工作簿.xlsx", "disclosure prepare 工作簿.xlsx", "disclosure build 工作簿.xlsx"):
        assert command in text
    for sheet in s.INPUT_SHEETS:
        assert f"【{sheet}】" in text
    assert "功能分类科目编码＝2010301" in text and "金额＝120.50" in text
    assert "万元" in text and "基本支出" in text and "资金来源" in text and "插入" in text
    assert ws["A1"].font.bold and ws["A2"].alignment.wrap_text and ws.column_dimensions["A"].width >= 100


def test_guide_texts_cover_schema() -> None:
    assert set(SHEET_PURPOSE) == set(EXAMPLES) == {*s.INPUT_SHEETS, *s.FINAL_SHEETS}
    for sheet, example in EXAMPLES.items():
        keys = {i.key for i in s.ALL_KV_SHEETS.get(sheet) or s.ALL_LIST_SHEETS[sheet]}
        assert set(example) <= keys, sheet


# --- filled workbook ----------------------------------------------------------------


def test_filled_values_round_trip(filled: Workbook) -> None:
    info = filled[s.SHEET_INFO]
    assert info[f"B{_kv_row(s.SHEET_INFO, 'unit_name')}"].value == "测试局"
    sign = info[f"B{_kv_row(s.SHEET_INFO, 'sign_date')}"]
    assert sign.value == dt.datetime(2023, 1, 31) and sign.number_format == "yyyy-mm-dd"
    functions = info[f"B{_kv_row(s.SHEET_INFO, 'functions')}"]
    assert functions.value == "第一段\n第二段" and functions.alignment.wrap_text
    assert info[f"B{_kv_row(s.SHEET_INFO, 'amount_unit')}"].value == "万元"  # default kept

    items = filled[s.SHEET_ITEMS]
    assert items["B2"].value == "2010301" and items["B2"].data_type == "s"
    assert items["D2"].value == "30101"
    assert items["I2"].value == 120.5 and items["I2"].number_format == "0.00"
    assert items["I3"].value == 3.1 and items["G3"].value is None
    assert items["C2"].value.startswith("=IFERROR(")  # the formula stays
    assert not items["B3"].protection.locked

    projects = filled[s.SHEET_PROJECTS]
    assert (projects["F2"].value, projects["G2"].value) == (3, 12)
    indicator = filled[s.SHEET_INDICATORS]
    assert indicator["E2"].value == "=1个" and indicator["E2"].data_type == "s"
    assert indicator["H2"].value == 20.0
    facts = filled[s.SHEET_FACTS]
    assert facts[f"B{_kv_row(s.SHEET_FACTS, 'proc_goods')}"].value == 12.5
    assert facts[f"B{_kv_row(s.SHEET_FACTS, 'car_general_count')}"].value == 2
    assert facts[f"B{_kv_row(s.SHEET_FACTS, 'proc_works')}"].value == 0  # default kept


def test_data_glossary_replaces_default(filled: Workbook) -> None:
    ws = filled[s.SHEET_GLOSSARY]
    assert [tuple(r) for r in ws.iter_rows(min_row=2, max_row=3, values_only=True)] == [("甲", "乙"), (None, None)]


def test_unparseable_values_are_written_as_given() -> None:
    wb = build_workbook({s.SHEET_ITEMS: [{"金额": "12万"}], s.SHEET_INFO: {"落款日期": "明年", "编制数": None}})
    assert wb[s.SHEET_ITEMS]["I2"].value == "12万"
    info = wb[s.SHEET_INFO]
    assert info[f"B{_kv_row(s.SHEET_INFO, 'sign_date')}"].value == "明年"
    assert info[f"B{_kv_row(s.SHEET_INFO, 'staff_quota')}"].value is None


@pytest.mark.parametrize(
    "data",
    [
        {"支出明细表": []},
        {s.SHEET_ITEMS: [{"金额（万元）": "1"}]},
        {s.SHEET_INFO: {"单位名称": "x"}},
        {s.SHEET_GUIDE: {}},
        {s.SHEET_ITEMS: {"金额": "1"}},
    ],
)
def test_unknown_keys_raise(data: dict[str, object]) -> None:
    with pytest.raises(TemplateDataError):
        build_workbook(data)


def test_more_rows_than_prepared_extend_the_range() -> None:
    rows = [{"预算单位名称": f"单位{i}"} for i in range(PREPARED_ROWS + 5)]
    wb = build_workbook({s.SHEET_UNITS: rows})
    last = s.FIRST_DATA_ROW + PREPARED_ROWS + 5 + 100 - 1
    assert not wb[s.SHEET_UNITS].cell(last, 1).protection.locked
    assert wb.defined_names["list_units"].attr_text == f"'预算单位'!$A$2:$A${last}"


@pytest.mark.parametrize("example", sorted(EXAMPLE_DIR.glob("*.json")), ids=lambda p: p.name)
def test_example_json_builds(example: Path) -> None:
    data = json.loads(example.read_text(encoding="utf-8"))
    wb = build_workbook(data)
    items = data.get(s.SHEET_ITEMS, [])
    if items:
        assert wb[s.SHEET_ITEMS].cell(s.FIRST_DATA_ROW + len(items) - 1, 2).value is not None


# --- append_rows / set_cell --------------------------------------------------------


def test_append_rows_after_existing_data(filled: Workbook, tmp_path: Path) -> None:
    wb = _reload(filled, tmp_path / "a.xlsx")
    rows = append_rows(
        wb,
        s.SHEET_PRIOR,
        [
            {"key": "收入：单位资金", "current": Decimal("162"), "hint": "本年新增"},
            {"key": s.PriorKey.SPEND_BASIC.value},
        ],
    )
    assert rows == [2, 3]
    assert append_rows(wb, s.SHEET_PRIOR, [{"key": "三公：公务接待费"}]) == [4]
    assert append_rows(wb, s.SHEET_ITEMS, [{"func_code": 2080505, "amount": "1.25"}]) == [4]
    wb = _reload(wb, tmp_path / "b.xlsx")
    prior = wb[s.SHEET_PRIOR]
    assert [prior[f"A{r}"].value for r in (2, 3, 4)] == ["收入：单位资金", "支出：基本支出", "三公：公务接待费"]
    assert prior["D2"].value == 162 and prior["D2"].number_format == "0.00" and prior["D2"].protection.locked
    assert not prior["B2"].protection.locked
    items = wb[s.SHEET_ITEMS]
    assert (items["B4"].value, items["I4"].value) == ("2080505", 1.25)


def test_append_rows_beyond_prepared_range_extends_validations() -> None:
    wb = build_workbook()
    ws = wb[s.SHEET_USES]
    last = _last_row(s.SHEET_USES)
    ws.cell(last, 1).value = "201"
    assert append_rows(wb, s.SHEET_USES, [{"class_code": "208", "use": "社保"}]) == [last + 1]
    cell = ws.cell(last + 1, 1)
    assert cell.value == "208" and not cell.protection.locked and cell.number_format == "@"
    assert ws.cell(last + 1, 2).value.startswith("=IFERROR(VLOOKUP(LEFT(A")
    assert _validations(ws)[f"A2:A{last + 1}"][:2] == ("list", "list_func_classes")


def test_append_and_set_cell_reject_bad_keys() -> None:
    wb = build_workbook()
    with pytest.raises(TemplateDataError):
        append_rows(wb, s.SHEET_PRIOR, [{"比较项目": "x"}])
    with pytest.raises(TemplateDataError):
        append_rows(wb, s.SHEET_INFO, [{"unit_name": "x"}])
    with pytest.raises(TemplateDataError):
        set_cell(wb, s.SHEET_PRIOR, 1, "current", 1)


def test_set_cell_writes_display_only_cell() -> None:
    wb = build_workbook()
    set_cell(wb, s.SHEET_PRIOR, 5, "current", "12.30")
    set_cell(wb, s.SHEET_PRIOR, 5, "hint", "比上年增加")
    ws = wb[s.SHEET_PRIOR]
    assert (ws["D5"].value, ws["E5"].value) == (12.3, "比上年增加")
