"""Build small .xlsx files for tests with openpyxl: schema headers plus given rows.

`build_workbook` writes every input sheet of the schema (list sheets: headers in
row 1, rows from row 2; key/value sheets: a title row, then label | value | note
rows), filled from the arguments, then calls `customize(wb)` for special cases
(merges, hidden rows, formulas) before saving.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook

from generator.workbook import schema

GOOD_INFO: dict[str, object] = {
    "unit_name": "昌吉州测试局",
    "short_name": "测试局",
    "year": 2023,
    "amount_unit": "万元",
    "functions": "负责全州测试工作。\n负责其他工作。",
    "organization": "内设3个科室。",
    "staff_quota": 20,
    "staff_active": 18,
    "staff_active_change": -1,
    "staff_retired": 5,
    "staff_retired_change": 0,
    "staff_veteran": 0,
    "staff_veteran_change": 0,
    "sign_date": dt.datetime(2023, 1, 31),
    "weight_total": 90,
}
GOOD_FACTS: dict[str, object] = {f.key: 0 for f in schema.FACT_FIELDS}

Row = Mapping[str, object] | Sequence[object]


def write_xlsx(path: Path, sheets: Mapping[str, Iterable[Sequence[object]]]) -> Path:
    """Plain workbook: sheet name → rows (row 1 first), no schema involved."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    wb.save(path)
    return path


def build_workbook(
    path: Path,
    *,
    info: Mapping[str, object] | None = None,
    facts: Mapping[str, object] | None = None,
    rows: Mapping[str, Iterable[Row]] | None = None,
    omit: Iterable[str] = (),
    customize: Callable[[Workbook], None] | None = None,
) -> Path:
    """Schema workbook. `info`/`facts` default to GOOD_INFO/GOOD_FACTS (a key mapped to None
    leaves the cell empty); `rows` maps a list sheet to rows given as {column key: value}
    or as full sequences in column order (display columns included)."""
    wb = Workbook()
    wb.remove(wb.active)
    kv_values = {
        schema.SHEET_INFO: GOOD_INFO if info is None else info,
        schema.SHEET_FACTS: GOOD_FACTS if facts is None else facts,
    }
    rows = rows or {}
    for name in schema.INPUT_SHEETS:
        if name in omit:
            continue
        ws = wb.create_sheet(name)
        if name in schema.KV_SHEETS:
            ws.append(["项目", "填写内容", "说明"])
            for f in schema.KV_SHEETS[name]:
                ws.append([f.label, kv_values[name].get(f.key), f.note])
        else:
            cols = schema.LIST_SHEETS[name]
            ws.append([c.header for c in cols])
            for row in rows.get(name, ()):
                ws.append(_row_list(row, cols))
    if customize is not None:
        customize(wb)
    wb.save(path)
    return path


def _row_list(row: Row, cols: tuple[schema.Column, ...]) -> list[object]:
    if isinstance(row, Mapping):
        unknown = set(row) - {c.key for c in cols}
        if unknown:
            raise KeyError(f"unknown column keys: {sorted(unknown)}")
        return [row.get(c.key) for c in cols]
    return list(row)


def kv_row(sheet: str, key: str) -> int:
    """Excel row of field `key` in a workbook made by build_workbook (title row first)."""
    keys = [f.key for f in schema.KV_SHEETS[sheet]]
    return keys.index(key) + 2


def replace_xml(path: Path, old: str, new: str) -> Path:
    """Replace text in the worksheet XML parts, e.g. to store a float the way Excel does
    (`<v>274.65999999999997</v>`; openpyxl itself writes only 15 significant digits)."""
    with zipfile.ZipFile(path) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    found = False
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            hit = info.filename.startswith("xl/worksheets/") and old.encode() in data
            found = found or hit
            zf.writestr(info, data.replace(old.encode(), new.encode()) if hit else data)
    if not found:
        raise ValueError(f"{old!r} not found in any worksheet")
    return path
