"""Messages a non-programmer can follow, one problem one message (issue 7 §3).

Each case is what a new user did; the expected (code, sheet, cell) is worked out by hand from the
example workbook's layout (data starts on row 2).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

from generator.cli import main
from generator.pipeline import run
from generator.workbook import schema
from generator.workbook.cells import CellError, parse_money
from generator.workbook.template import write_workbook
from tests.conftest import example_data

ITEMS, USES, UNITS = schema.SHEET_ITEMS, schema.SHEET_USES, schema.SHEET_UNITS
AMOUNT = schema.column_letter(ITEMS, "amount")


def triples(issues) -> list[tuple[str, str | None, str | None]]:
    return [(i.code, i.sheet, i.cell) for i in issues]


def workbook(tmp_path: Path, data: dict, name: str = "wb.xlsx") -> Path:
    path = tmp_path / name
    write_workbook(path, data)
    return path


def test_yuan_typed_in_wanyuan_workbook_is_an_error_with_the_wanyuan_value() -> None:
    try:
        parse_money("486000元", "万元")
    except CellError as exc:
        assert exc.code == "amount-unit-mismatch"
        assert "应填 48.60" in exc.message
        assert "金额单位改为“元”" in exc.message
    else:
        raise AssertionError("486000元 in a 万元 workbook must not be read as 486000")


def test_wanyuan_typed_in_yuan_workbook_gives_the_yuan_value() -> None:
    try:
        parse_money("48.6万元", "元")
    except CellError as exc:
        assert exc.code == "amount-unit-mismatch" and "应填 486000" in exc.message
    else:
        raise AssertionError


def test_yuan_cell_located_in_workbook(tmp_path: Path) -> None:
    data = example_data("002")
    data[ITEMS][3]["金额"] = "486000元"  # Excel row 5
    result = run(workbook(tmp_path, data))
    hits = [i for i in result.issues if i.code == "amount-unit-mismatch"]
    assert triples(hits) == [("amount-unit-mismatch", ITEMS, f"{AMOUNT}5")]
    assert hits[0].is_error and "应填 48.60" in hits[0].message
    assert not result.ok  # nothing is published from the misread amount


def test_implausible_amount_is_a_warning_with_the_same_advice(tmp_path: Path) -> None:
    data = example_data("002")
    for row in data[ITEMS]:
        row["金额"] = "0.01"
    data[ITEMS][0]["金额"] = "486000"  # Excel row 2: 1000× larger than all the others together
    result = run(workbook(tmp_path, data))
    hits = [i for i in result.issues if i.code == "amount-implausible"]
    assert triples(hits) == [("amount-implausible", ITEMS, f"{AMOUNT}2")]
    assert not hits[0].is_error and "应填 48.60" in hits[0].message


def test_missing_use_is_one_message_and_prepare_adds_no_duplicate(tmp_path: Path, capsys) -> None:
    data = example_data("002")
    data[USES][0]["主要用于"] = ""  # 201, Excel row 2
    path = workbook(tmp_path, data)
    errors = [i for i in run(path).issues if i.is_error]
    assert triples(errors) == [("missing-required", USES, "C2")]
    assert main(["prepare", str(path)]) == 0
    codes = [c.value for c in openpyxl.load_workbook(path)[USES]["A"][1:] if c.value]
    assert codes.count("201") == 1
    capsys.readouterr()


def test_duplicate_use_row_is_an_error(tmp_path: Path) -> None:
    data = example_data("002")
    data[USES].append({"功能分类类编码": "201", "主要用于": "重复的说明"})
    row = len(data[USES]) + 1
    result = run(workbook(tmp_path, data))
    assert ("class-use-duplicate", USES, f"A{row}") in triples(result.issues)
    assert not result.ok


def test_duplicate_budget_unit_is_an_error(tmp_path: Path) -> None:
    data = example_data("002")
    data[UNITS].append(dict(data[UNITS][0]))
    result = run(workbook(tmp_path, data))
    assert ("unit-duplicate", UNITS, "A3") in triples(result.issues)


def test_duplicate_glossary_term_is_an_error_at_the_repeat(tmp_path: Path) -> None:
    data = example_data("002")
    data[schema.SHEET_GLOSSARY].append(dict(data[schema.SHEET_GLOSSARY][0]))
    row = len(data[schema.SHEET_GLOSSARY]) + 1
    result = run(workbook(tmp_path, data))
    dup = [i for i in result.issues if i.code == "glossary-duplicate"]
    assert triples(dup) == [("glossary-duplicate", schema.SHEET_GLOSSARY, f"A{row}")]
    assert dup[0].is_error


def test_new_for_a_year_without_catalog_is_a_clean_message(tmp_path: Path, capsys) -> None:
    path = tmp_path / "x.xlsx"
    assert main(["new", str(path), "--year", "2022"]) == 1
    err = capsys.readouterr().err
    assert "没有2022年的科目代码表" in err and "Traceback" not in err
    assert not path.exists()


def test_later_year_warns_on_every_check_naming_the_catalog_year(tmp_path: Path, capsys) -> None:
    path = tmp_path / "y.xlsx"
    assert main(["new", str(path), "--year", "2027"]) == 0
    assert "使用2026年科目代码表（内置）" in capsys.readouterr().err
    data = example_data("002")
    data[schema.SHEET_INFO]["预算年度"] = 2027
    data[schema.SHEET_INFO]["落款日期"] = "2027-01-31"
    result = run(workbook(tmp_path, data, "z.xlsx"))
    year_row = schema.FIRST_DATA_ROW + [f.key for f in schema.INFO_FIELDS].index("year")
    hits = [i for i in result.issues if i.code == "catalog-year-older"]
    assert triples(hits) == [("catalog-year-older", schema.SHEET_INFO, f"B{year_row}")]
    assert "本次检查科目编码和名称使用2026年科目代码表（内置）。" in hits[0].message and not hits[0].is_error
