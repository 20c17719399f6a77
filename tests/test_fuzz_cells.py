"""Any value in any input cell: the pipeline reports it and never raises.

Hypothesis writes a random value (text, emoji, control characters as Excel stores them,
huge and negative numbers, dates, booleans, formula text, empty) into a random input cell
of example 002 with openpyxl and runs the pipeline. A second test sets every numeric input
cell of example 000 to "abc" and expects an error at each of those cells.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from generator.pipeline import run
from generator.workbook import schema
from generator.workbook.schema import Kind
from generator.workbook.template import write_workbook
from tests.conftest import example_data

NUMERIC = (Kind.MONEY, Kind.INT, Kind.NUMBER, Kind.MONTH, Kind.SIGNED_INT)
CJK = re.compile("[\u4e00-\u9fff]")


def input_cells(name: str, kinds: tuple[Kind, ...] | None = None) -> list[tuple[str, str, Kind]]:
    """(sheet, cell, kind) of every input cell of the example workbook: every non-display column
    of every list-sheet row holding data, and every key/value value cell."""
    data = example_data(name)
    cells = []
    for sheet, fields in schema.KV_SHEETS.items():
        for row, f in enumerate(fields, start=schema.FIRST_DATA_ROW):
            cells.append((sheet, f"{schema.KV_VALUE_COL}{row}", f.kind))
    for sheet, columns in schema.LIST_SHEETS.items():
        rows = data.get(sheet, [])
        for offset in range(len(rows)):
            for col, column in enumerate(columns, start=1):
                if not column.display_only:
                    cells.append((sheet, f"{schema._letter(col)}{schema.FIRST_DATA_ROW + offset}", column.kind))
    return [c for c in cells if kinds is None or c[2] in kinds]


@pytest.fixture(scope="module")
def base_002() -> bytes:
    buf = io.BytesIO()
    write_workbook(buf, example_data("002"))  # type: ignore[arg-type]
    return buf.getvalue()


@pytest.fixture(scope="module")
def loaded_002(base_002: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(base_002))


CELLS_002 = input_cells("002")


def _excel_text(text: str) -> str:
    """Text as Excel stores it: control characters become `_xHHHH_` escapes."""
    return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"_x{ord(m[0]):04X}_", text)


SPECIAL = st.sampled_from(
    [
        "abc",
        "1,234.56",
        "１２３",
        "14。41",
        "-5",
        "  ",
        "\u3000",
        "=1/0",
        "=SUM(A1:A3)",
        "#REF!",
        "#DIV/0!",
        "😀",
        "𠀀",
        "R&D <b>x</b> {{ 7*7 }} {% if %}",
        "陈立_x0007_新",
        "a_x000D_b",
        "x" * 6000,
        "2023年13月40日",
        "1e400",
        "NaN",
        "(5)",
        "3月",
        "12万元",
        "9" * 40,
    ]
)
VALUES = st.one_of(
    SPECIAL,
    st.text(max_size=60).map(_excel_text),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**9), max_value=10**9),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 1, 1)),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.times(),
    st.booleans(),
    st.none(),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(CELLS_002), value=VALUES)
def test_any_value_in_any_input_cell_never_raises(
    target: tuple[str, str, Kind], value: object, loaded_002: openpyxl.Workbook, tmp_path: Path
) -> None:
    sheet, coord, _kind = target
    cell = loaded_002[sheet][coord]
    old = cell.value
    try:
        cell.value = value
        path = tmp_path / "fuzz.xlsx"
        loaded_002.save(path)
    finally:
        cell.value = old
    result = run(path)  # must not raise
    for issue in result.issues:
        assert CJK.search(issue.message), issue
        if issue.cell == coord and issue.sheet == sheet:
            assert issue.location == f"{sheet}!{coord}"


def test_every_numeric_input_cell_set_to_abc_is_reported_there(tmp_path: Path) -> None:
    cells = input_cells("000", NUMERIC)
    assert len(cells) > 100
    buf = io.BytesIO()
    write_workbook(buf, example_data("000"))  # type: ignore[arg-type]
    wb = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    for sheet, coord, _kind in cells:
        wb[sheet][coord].value = "abc"
    path = tmp_path / "abc.xlsx"
    wb.save(path)
    result = run(path)
    errors = {(i.sheet, i.cell) for i in result.issues if i.is_error}
    missing = [(s, c, k.value) for s, c, k in cells if (s, c) not in errors]
    assert not missing
    messages = {(i.sheet, i.cell): i.message for i in result.issues if i.is_error}
    for sheet, coord, _kind in cells:
        assert "abc" in messages[(sheet, coord)] or "月份" in messages[(sheet, coord)]
