"""Generate the corpus of malformed workbooks and files used by tests/test_bad_inputs.py.

    python scripts/make_bad_inputs.py [--out tests/data/generated] [--manifest] [--probe]

Every case starts from example 002 (examples/002.json written by the template writer),
or from a few bytes, and changes one thing. The files go to tests/data/generated/
(git-ignored: they are rebuilt, never committed); the expectations live here, in
`CASES`, and `--manifest` writes them to tests/data/bad_inputs.json (committed, small):
per case the file name, the expected exit status of `disclosure check`, and every
expected error (and some warnings) as (code, sheet, cell).
`--probe` prints what the pipeline actually reports for each case, to review changes.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import copy
import functools
import io
import json
import multiprocessing
import os
import random
import re
import sys
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.workbook.workbook import Workbook

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from generator.workbook import schema as s  # noqa: E402
from generator.workbook.template import write_workbook  # noqa: E402

DEFAULT_OUT = ROOT / "tests" / "data" / "generated"
MANIFEST = ROOT / "tests" / "data" / "bad_inputs.json"
BASE_EXAMPLE = "002"

INFO, FACTS, ITEMS, PROJECTS = s.SHEET_INFO, s.SHEET_FACTS, s.SHEET_ITEMS, s.SHEET_PROJECTS
INDICATORS, PRIOR, USES = s.SHEET_INDICATORS, s.SHEET_PRIOR, s.SHEET_USES

Expect = tuple[str, str | None, str | None]


@dataclass(frozen=True)
class Case:
    name: str
    file: str  # file name in the output folder (the extension matters for some cases)
    make: Callable[[Path], None]
    expect: tuple[Expect, ...]  # (code, sheet, cell); every error, some warnings
    exit: int = 1  # expected exit status of `disclosure check`
    note: str = ""
    hostile: bool = False  # file-level attack: also run in a subprocess under a memory limit


# --- building blocks ---------------------------------------------------------------------


@functools.cache
def _example_text() -> str:
    return (ROOT / "examples" / f"{BASE_EXAMPLE}.json").read_text(encoding="utf-8")


def example() -> dict:
    return json.loads(_example_text())


@functools.cache
def base_bytes() -> bytes:
    """Example 002 as written by the template writer (valid: `disclosure check` passes)."""
    buf = io.BytesIO()
    write_workbook(buf, example())  # type: ignore[arg-type]
    return buf.getvalue()


def from_json(mutate: Callable[[dict], None]) -> Callable[[Path], None]:
    """A workbook written by the template writer from example 002 after `mutate(data)`."""

    def make(path: Path) -> None:
        data = copy.deepcopy(example())
        mutate(data)
        write_workbook(path, data)

    return make


def edited(edit: Callable[[Workbook], None], mutate: Callable[[dict], None] | None = None) -> Callable[[Path], None]:
    """Example 002 written by the template writer, then changed with openpyxl (merges, formulas…)."""

    def make(path: Path) -> None:
        if mutate is None:
            base = base_bytes()
        else:
            data = copy.deepcopy(example())
            mutate(data)
            buf = io.BytesIO()
            write_workbook(buf, data)  # type: ignore[arg-type]  # openpyxl saves to any file object
            base = buf.getvalue()
        wb = openpyxl.load_workbook(io.BytesIO(base))
        edit(wb)
        wb.save(path)

    return make


def as_excel_stores(mutate: Callable[[dict], None], marker: str, stored: str) -> Callable[[Path], None]:
    """Like `from_json`, then `marker` replaced by `stored` in the XML: how Excel saves a control
    character (`_x0007_`), which openpyxl refuses to write."""

    def make(path: Path) -> None:
        data = copy.deepcopy(example())
        mutate(data)
        buf = io.BytesIO()
        write_workbook(buf, data)  # type: ignore[arg-type]
        with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                dst.writestr(info.filename, src.read(info).replace(marker.encode(), stored.encode()))

    return make


def raw_bytes(data: bytes | Callable[[], bytes]) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.write_bytes(data() if callable(data) else data)

    return make


def set_info(label: str, value: object) -> Callable[[dict], None]:
    return lambda d: d[INFO].__setitem__(label, value)


def set_fact(label: str, value: object) -> Callable[[dict], None]:
    return lambda d: d[FACTS].__setitem__(label, value)


def set_row(sheet: str, index: int, header: str, value: object) -> Callable[[dict], None]:
    """Row `index` (0-based; Excel row index + 2) of list sheet `sheet`."""
    return lambda d: d[sheet][index].__setitem__(header, value)


def both(*mutations: Callable[[dict], None]) -> Callable[[dict], None]:
    def mutate(d: dict) -> None:
        for m in mutations:
            m(d)

    return mutate


def no_control_totals(d: dict) -> None:
    """Drop the optional control totals so a changed amount causes no mismatch error."""
    d[INFO]["收支总计核对数"] = None
    d[INFO]["一般公共预算拨款核对数"] = None


def kv_cell(sheet: str, key: str) -> str:
    keys = [f.key for f in s.KV_SHEETS[sheet]]
    return f"{s.KV_VALUE_COL}{keys.index(key) + s.FIRST_DATA_ROW}"


def col(sheet: str, key: str) -> str:
    return s.column_letter(sheet, key)


def set_cell(sheet: str, coord: str, value: object, data_type: str | None = None) -> Callable[[Workbook], None]:
    def edit(wb: Workbook) -> None:
        cell = wb[sheet][coord]
        cell.value = value
        if data_type is not None:
            cell.data_type = data_type

    return edit


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _random_bytes() -> bytes:
    return random.Random(20230131).randbytes(64 * 1024)


def _docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("这是一份Word文档，不是预算工作簿。")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _ole(extra: bytes = b"") -> bytes:
    """An OLE2 compound-file stub: the magic, a 512-byte header, then `extra` (a directory entry name)."""
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
    return header + extra + bytes(4096 - len(extra))


def _ods() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        zf.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
        zf.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest/>')
    return buf.getvalue()


def _zip_bomb(total_mb: int, name: str = "xl/worksheets/sheet1.xml") -> Callable[[Path], None]:
    """A workbook-shaped zip whose one member inflates to `total_mb` MiB of zeros (file stays small)."""

    def make(path: Path) -> None:
        chunk = b"\0" * (1024 * 1024)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            zf.writestr("[Content_Types].xml", "<Types/>")
            zf.writestr("xl/workbook.xml", "<workbook/>")
            with zf.open(name, "w", force_zip64=True) as fh:
                for _ in range(total_mb):
                    fh.write(chunk)

    return make


def _many_cells(path: Path) -> None:
    """An honest but huge workbook: 1.2 million numeric cells on one sheet (small zip, ~30 MB XML)."""
    sheet_index = s.INPUT_SHEETS.index(s.SHEET_GLOSSARY) + 2  # 填表说明 is sheet1
    member = f"xl/worksheets/sheet{sheet_index}.xml"
    rows = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in "ABCDEFGHIJKL") + "</row>"
        for r in range(2, 100_002)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f"{rows}</sheetData></worksheet>"
    )
    _replace_member(base_bytes(), path, member, sheet.encode())


def _replace_member(data: bytes, path: Path, member: str, new: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, new if info.filename == member else src.read(info))


def _huge_merge(path: Path) -> None:
    """One merged range of 200,000 cells on 名词解释 (openpyxl would create an object per cell)."""
    member = f"xl/worksheets/sheet{s.INPUT_SHEETS.index(s.SHEET_GLOSSARY) + 2}.xml"
    with zipfile.ZipFile(io.BytesIO(base_bytes())) as zf:
        xml = zf.read(member).decode()
    merge = '<mergeCells count="1"><mergeCell ref="D20:Z9000"/></mergeCells>'
    later = (
        "<phoneticPr",
        "<conditionalFormatting",
        "<dataValidations",
        "<hyperlinks",
        "<printOptions",
        "<pageMargins",
    )
    at = min((i for i in (xml.find(tag) for tag in later) if i >= 0), default=xml.index("</worksheet>"))
    _replace_member(base_bytes(), path, member, (xml[:at] + merge + xml[at:]).encode())


def _truncated(path: Path) -> None:
    data = base_bytes()
    path.write_bytes(data[: len(data) // 2])


def _corrupt_deflate(path: Path) -> None:
    """A valid zip directory over damaged compressed sheet data (bad CRC / invalid deflate)."""
    data = bytearray(base_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/worksheets/sheet4.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 50, start + min(info.compress_size, 2000), 7):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _xlsm(path: Path) -> None:
    """Example 002 as a macro-enabled workbook with a (dummy) VBA project: read, macros never run."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base_bytes())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            dst.writestr(info.filename, data)
        dst.writestr("xl/vbaProject.bin", _ole(b'Auto_Open Shell("calc.exe")'))
    path.write_bytes(out.getvalue())


def _only_guide(path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active["A1"] = "预算"
    wb.save(path)


def _remove_sheet(name: str) -> Callable[[Workbook], None]:
    return lambda wb: wb.remove(wb[name])


def _rename_sheet(name: str, new: str) -> Callable[[Workbook], None]:
    def edit(wb: Workbook) -> None:
        wb[name].title = new

    return edit


def _insert_rows_above(name: str, n: int) -> Callable[[Workbook], None]:
    def edit(wb: Workbook) -> None:
        ws = wb[name]
        ws.merged_cells.ranges = set()
        ws.insert_rows(1, n)
        ws["A1"] = "昌吉州工业和信息化局2023年项目信息"

    return edit


def _merge(name: str, ref: str) -> Callable[[Workbook], None]:
    return lambda wb: wb[name].merge_cells(ref)


def _hide_row(name: str, row: int) -> Callable[[Workbook], None]:
    def edit(wb: Workbook) -> None:
        wb[name].row_dimensions[row].hidden = True

    return edit


def _all(*edits: Callable[[Workbook], None]) -> Callable[[Workbook], None]:
    def edit(wb: Workbook) -> None:
        for e in edits:
            e(wb)

    return edit


def _delete_prior_row(key: str) -> Callable[[dict], None]:
    def mutate(d: dict) -> None:
        d[PRIOR] = [r for r in d[PRIOR] if r["比较项目"] != key]

    return mutate


def _first_prior(d: dict, key: str) -> int:
    return next(i for i, r in enumerate(d[PRIOR]) if r["比较项目"] == key)


def _prior_set(key: str, header: str, value: object) -> Callable[[dict], None]:
    def mutate(d: dict) -> None:
        d[PRIOR][_first_prior(d, key)][header] = value

    return mutate


def _project_row(d: dict) -> int:
    return next(i for i, r in enumerate(d[ITEMS]) if r["支出类型"] == "项目支出")


def _project_without_name(d: dict) -> None:
    d[ITEMS][_project_row(d)]["项目名称"] = ""


# --- issue 12: hostile XML, zip tricks and what the officer sees ------------------------------

MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _member(sheet: str) -> str:
    """Worksheet part of `sheet` in the template writer's workbooks (填表说明 is sheet1)."""
    return f"xl/worksheets/sheet{s.INPUT_SHEETS.index(sheet) + 2}.xml"


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _write_members(path: Path, members: dict[str, bytes] | list[tuple[str, bytes]]) -> None:
    items = members.items() if isinstance(members, dict) else members
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": that is the point of one case
        for name, data in items:
            zf.writestr(name, data)


def _with_merge_xml(merge: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    """名词解释 with a merged range written as given (quotes, spaces), optionally re-encoded."""

    def make(path: Path) -> None:
        members = _members(base_bytes())
        member = _member(s.SHEET_GLOSSARY)
        xml = members[member].decode()
        at = xml.index("</sheetData>") + len("</sheetData>")
        xml = xml[:at] + merge + xml[at:]
        if encoding != "utf-8":
            xml = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
            members[member] = f'<?xml version="1.0" encoding="{encoding.upper()}"?>{xml}'.encode(encoding)
        else:
            members[member] = xml.encode()
        _write_members(path, members)

    return make


def _hidden_bulk_sheets(path: Path) -> None:
    """40 hidden sheets of 1.2 million `<c/>` cells without references (192 MB of XML)."""
    members = _members(base_bytes())
    filler = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="'
        + MAIN_NS
        + b'"><sheetData><row>'
        + b"<c/>" * 1_200_000
        + b"</row></sheetData></worksheet>"
    )
    book = members["xl/workbook.xml"].decode()
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    for i in range(40):
        book = book.replace(
            "</sheets>",
            f'<sheet xmlns:r="{REL_NS}" name="隐藏{i}" sheetId="{200 + i}" state="hidden" r:id="rIdH{i}"/></sheets>',
        )
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="rIdH{i}" Type="{REL_NS}/worksheet" Target="/xl/worksheets/hidden{i}.xml"/>'
            "</Relationships>",
        )
        members[f"xl/worksheets/hidden{i}.xml"] = filler
    members["xl/workbook.xml"] = book.encode()
    members["xl/_rels/workbook.xml.rels"] = rels.encode()
    _write_members(path, members)


def _cells_without_refs(path: Path) -> None:
    """名词解释 replaced by 1.2 million `<c/>` without `r` attributes (an input sheet)."""
    members = _members(base_bytes())
    members[_member(s.SHEET_GLOSSARY)] = (
        b'<?xml version="1.0"?><worksheet xmlns="'
        + MAIN_NS
        + b'"><sheetData>'
        + b"<row>"
        + b"<c/>" * 1_200_000
        + b"</row></sheetData></worksheet>"
    )
    _write_members(path, members)


def _lying_size(path: Path) -> None:
    """The central directory claims the 支出明细 sheet inflates to 100 bytes (it is far larger)."""
    _write_members(path, _members(base_bytes()))
    data = bytearray(path.read_bytes())
    name = _member(ITEMS).encode()
    pos = 0
    while True:
        pos = data.index(b"PK\x01\x02", pos)
        name_len = int.from_bytes(data[pos + 28 : pos + 30], "little")
        if data[pos + 46 : pos + 46 + name_len] == name:
            data[pos + 24 : pos + 28] = (100).to_bytes(4, "little")
            break
        pos += 4
    path.write_bytes(bytes(data))


def _comment_with_cells(path: Path) -> None:
    """An XML comment in 支出明细 holding 50,000 `<c r=…>` fragments: not cells, nothing to report."""
    members = _members(base_bytes())
    member = _member(ITEMS)
    xml = members[member]
    fragments = b"".join(b'<c r="A%d" t="inlineStr"><is><t>x</t></is></c>' % (r + 100) for r in range(50_000))
    at = xml.index(b"<sheetData>") + len(b"<sheetData>")
    members[member] = xml[:at] + b"<!--" + fragments + b"-->" + xml[at:]
    _write_members(path, members)


def _doctype_entities(path: Path) -> None:
    """Billion laughs in the 支出明细 sheet: refused for the DOCTYPE, before any entity is expanded."""
    members = _members(base_bytes())
    member = _member(ITEMS)
    xml = members[member].decode()
    laughs = (
        '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        + "]>"
    )
    body = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
    members[member] = ('<?xml version="1.0"?>' + laughs + body.replace("<sheetData>", "<sheetData>", 1)).encode()
    _write_members(path, members)


def _duplicate_entry(path: Path) -> None:
    """Two zip entries named like the 支出明细 sheet: Excel and the tool may read different ones."""
    members = list(_members(base_bytes()).items())
    member = _member(ITEMS)
    original = dict(members)[member]
    members.append((member, original.replace(b"<v>154.33</v>", b"<v>999.99</v>")))
    _write_members(path, members)


def _strict(path: Path) -> None:
    """Saved as “Strict Open XML”: the purl.oclc.org namespaces throughout."""
    members = _members(base_bytes())
    swap = {
        MAIN_NS: b"http://purl.oclc.org/ooxml/spreadsheetml/main",
        REL_NS.encode(): b"http://purl.oclc.org/ooxml/officeDocument/relationships",
    }
    for name, data in members.items():
        changed = data
        for old, new in swap.items():
            changed = changed.replace(old, new)
        members[name] = changed
    _write_members(path, members)


def _zero_height_row(path: Path) -> None:
    """支出明细 row 6 dragged to zero height (Excel writes ht="0" customHeight="1", not hidden)."""
    wb = openpyxl.load_workbook(io.BytesIO(base_bytes()))
    wb[ITEMS].row_dimensions[6].height = 7.25
    buf = io.BytesIO()
    wb.save(buf)
    members = _members(buf.getvalue())
    members[_member(ITEMS)] = members[_member(ITEMS)].replace(b'ht="7.25"', b'ht="0"')
    _write_members(path, members)


def _very_hidden(wb: Workbook) -> None:
    wb.create_sheet("备用数据").sheet_state = "veryHidden"


def _many_sheets(wb: Workbook) -> None:
    for i in range(300):
        wb.create_sheet(f"空表{i}")


def _extra_redefines(d: dict) -> None:
    d[s.SHEET_EXTRA_CODES] = [{"分类": "功能分类", "科目编码": "2011301", "科目名称": "工信行政运行（自拟）"}]


def _long_indicator(d: dict) -> None:
    d[INDICATORS][0]["三级指标"] = "指标说明" * 1250  # 5,000 characters in a 100-character cell


# --- the cases ------------------------------------------------------------------------------

AMOUNT = col(ITEMS, "amount")  # I
FUNC = col(ITEMS, "func_code")  # B
ECON = col(ITEMS, "econ_code")  # D
SOURCE = col(ITEMS, "source")  # H
NOT_WB = "not-a-workbook"


def _cases() -> list[Case]:
    control = (("control-total-mismatch", INFO, kv_cell(INFO, "control_total")),)
    cases = [
        # -- files that are not workbooks
        Case("empty-file", "empty.xlsx", raw_bytes(b""), (("file-empty", None, None),), hostile=True),
        Case("random-bytes", "random.xlsx", raw_bytes(_random_bytes), ((NOT_WB, None, None),), hostile=True),
        Case(
            "plain-zip",
            "archive.xlsx",
            raw_bytes(lambda: zip_of({"readme.txt": "说明".encode(), "data/a.csv": b"1,2"})),
            ((NOT_WB, None, None),),
            hostile=True,
        ),
        Case("docx-renamed", "report.xlsx", raw_bytes(_docx), ((NOT_WB, None, None),), hostile=True),
        Case(
            "xls-ole", "old.xls", raw_bytes(lambda: _ole(b"Workbook".ljust(64, b"\0"))), (("xls-format", None, None),)
        ),
        Case(
            "encrypted-ole",
            "password.xlsx",
            raw_bytes(lambda: _ole("EncryptedPackage".encode("utf-16-le"))),
            (("encrypted-workbook", None, None),),
            hostile=True,
        ),
        Case(
            "csv-utf8",
            "export.csv",
            raw_bytes("功能分类科目编码,经济分类科目编码,金额\n2011301,30101,154.33\n".encode("utf-8-sig")),
            ((NOT_WB, None, None),),
        ),
        Case(
            "csv-gbk-as-xlsx",
            "export.xlsx",
            raw_bytes("功能分类科目编码,金额\n2011301,154.33\n".encode("gb18030")),
            ((NOT_WB, None, None),),
        ),
        Case(
            "html-as-xls",
            "system-export.xls",
            raw_bytes("<html><body><table><tr><td>金额</td></tr></table></body></html>".encode()),
            ((NOT_WB, None, None),),
        ),
        Case("ods", "sheet.ods", raw_bytes(_ods), ((NOT_WB, None, None),)),
        Case("zip-bomb-total", "bomb.xlsx", _zip_bomb(260), (("zip-bomb", None, None),), hostile=True),
        Case("zip-bomb-ratio", "bomb-ratio.xlsx", _zip_bomb(60), (("zip-bomb", None, None),), hostile=True),
        Case("truncated", "truncated.xlsx", _truncated, ((NOT_WB, None, None),), hostile=True),
        Case("corrupt-deflate", "corrupt.xlsx", _corrupt_deflate, ((NOT_WB, None, None),), hostile=True),
        Case("huge-honest-sheet", "huge.xlsx", _many_cells, (("too-many-rows", None, None),), hostile=True),
        Case(
            "xlsm-macros",
            "macro.xlsm",
            _xlsm,
            (),
            exit=0,
            note="a macro-enabled workbook is read like .xlsx; the VBA project is ignored, never run",
        ),
        # -- wrong sheets and headers
        Case(
            "only-other-sheets",
            "other.xlsx",
            _only_guide,
            tuple(("missing-sheet", name, None) for name in s.INPUT_SHEETS),
        ),
        Case(
            "missing-sheet-items",
            "no-items.xlsx",
            edited(_remove_sheet(ITEMS)),
            (("missing-sheet", ITEMS, None),),
        ),
        Case(
            "renamed-sheet-space",
            "renamed.xlsx",
            edited(_rename_sheet(PROJECTS, PROJECTS + " ")),
            (("missing-sheet", PROJECTS, None),),
        ),
        Case(
            "header-moved-down",
            "header-moved.xlsx",
            edited(_insert_rows_above(PROJECTS, 2)),
            (("header-moved", PROJECTS, "A3"),),
        ),
        Case(
            "header-renamed",
            "header-renamed.xlsx",
            edited(set_cell(ITEMS, f"{AMOUNT}1", "金额（万元）")),
            (("header-mismatch", ITEMS, f"{AMOUNT}1"),),
        ),
        Case(
            "header-duplicated",
            "header-dup.xlsx",
            edited(set_cell(ITEMS, "K1", "金额")),
            (("duplicate-header", ITEMS, "K1"),),
        ),
        Case(
            "kv-label-changed",
            "label-changed.xlsx",
            edited(set_cell(INFO, "A8", "编制人数")),
            (("header-mismatch", INFO, None),),
        ),
        Case(
            "kv-label-duplicated",
            "label-dup.xlsx",
            edited(_all(set_cell(INFO, "A40", "编制数"), set_cell(INFO, "B40", 99))),
            (("duplicate-header", INFO, "A40"),),
        ),
        # -- dirty cells
        Case(
            "formula-no-cached-value",
            "formula.xlsx",
            edited(set_cell(ITEMS, f"{AMOUNT}2", "=100+54.33")),
            (("formula-no-value", ITEMS, f"{AMOUNT}2"),),
        ),
        Case(
            "error-value-ref",
            "ref.xlsx",
            edited(set_cell(ITEMS, f"{AMOUNT}3", "#REF!", "e")),
            (("cell-error-value", ITEMS, f"{AMOUNT}3"),),
        ),
        Case(
            "error-value-div0",
            "div0.xlsx",
            edited(set_cell(FACTS, kv_cell(FACTS, "house_area"), "#DIV/0!", "e")),
            (("cell-error-value", FACTS, kv_cell(FACTS, "house_area")),),
        ),
        Case(
            "merged-input-cells",
            "merged.xlsx",
            edited(_merge(ITEMS, f"{AMOUNT}4:{AMOUNT}5")),
            (("merged-input-cell", ITEMS, f"{AMOUNT}4"),),
        ),
        Case(
            "huge-merged-range",
            "merged-huge.xlsx",
            _huge_merge,
            (("merged-input-cell", None, None),),
            hostile=True,
        ),
        Case(
            "hidden-row-with-data",
            "hidden.xlsx",
            edited(_hide_row(ITEMS, 6)),
            (("hidden-row-data", ITEMS, "A6"),),
        ),
        Case(
            "amount-abc", "abc.xlsx", from_json(set_row(ITEMS, 0, "金额", "abc")), (("amount-not-number", ITEMS, "I2"),)
        ),
        Case(
            "amount-thousands",
            "thousands.xlsx",
            from_json(set_row(ITEMS, 1, "金额", "1,234.56")),
            (("amount-thousands-separator", ITEMS, "I3"),),
        ),
        Case(
            "amount-fullwidth-digits",
            "fullwidth.xlsx",
            edited(set_cell(ITEMS, f"{AMOUNT}4", "１２３")),
            (("amount-fullwidth", ITEMS, "I4"),),
        ),
        Case(
            "amount-chinese-point",
            "point.xlsx",
            from_json(set_row(ITEMS, 3, "金额", "14。41")),
            (("amount-fullwidth-point", ITEMS, "I5"),),
        ),
        Case(
            "amount-negative",
            "negative.xlsx",
            from_json(set_row(ITEMS, 4, "金额", "-5")),
            (("amount-negative", ITEMS, "I6"),),
        ),
        Case(
            "amount-three-decimals",
            "decimals.xlsx",
            from_json(set_row(ITEMS, 5, "金额", "1.234")),
            (("amount-too-many-decimals", ITEMS, "I7"),),
        ),
        Case(
            "amount-with-unit",
            "with-unit.xlsx",
            from_json(set_row(ITEMS, 6, "金额", "12万元")),
            (("amount-not-number", ITEMS, "I8"),),
        ),
        Case(
            "amount-boolean",
            "boolean.xlsx",
            edited(set_cell(ITEMS, f"{AMOUNT}9", True)),
            (("amount-not-number", ITEMS, "I9"),),
        ),
        Case(
            "amount-looks-like-yuan",
            "yuan.xlsx",
            from_json(set_fact("房屋价值", 150000)),
            (("amount-looks-like-yuan", FACTS, kv_cell(FACTS, "house_value")),),
            exit=0,
            note="warning only",
        ),
        Case(
            "code-spaces",
            "code-spaces.xlsx",
            from_json(set_row(ITEMS, 0, "功能分类科目编码", " 2011301 ")),
            (("code-whitespace", ITEMS, f"{FUNC}2"),),
            exit=0,
            note="warning only: the code is read without the spaces",
        ),
        Case(
            "code-fullwidth-space",
            "code-ideographic-space.xlsx",
            from_json(set_row(ITEMS, 1, "经济分类科目编码", "30102\u3000")),
            (("code-whitespace", ITEMS, f"{ECON}3"),),
            exit=0,
            note="warning only",
        ),
        Case(
            "code-eight-digits",
            "code-8.xlsx",
            from_json(set_row(ITEMS, 0, "功能分类科目编码", "20113011")),
            (("code-malformed", ITEMS, f"{FUNC}2"),),
        ),
        Case(
            "code-fullwidth-digits",
            "code-fw.xlsx",
            from_json(set_row(ITEMS, 0, "经济分类科目编码", "３０１０１")),
            (("code-malformed", ITEMS, f"{ECON}2"),),
        ),
        Case(
            "code-unknown",
            "code-unknown.xlsx",
            from_json(set_row(ITEMS, 0, "功能分类科目编码", "2019998")),
            (("func-code-unknown", ITEMS, f"{FUNC}2"),),
        ),
        Case(
            "date-as-text-ok",
            "date-text.xlsx",
            from_json(set_info("落款日期", "2023年1月31日")),
            (),
            exit=0,
            note="date typed as text in a common form is accepted",
        ),
        Case(
            "date-as-text-bad",
            "date-bad.xlsx",
            from_json(set_info("落款日期", "二〇二三年元月")),
            (("date-invalid", INFO, kv_cell(INFO, "sign_date")),),
        ),
        Case(
            "sign-date-out-of-range",
            "date-range.xlsx",
            from_json(set_info("落款日期", "2021-06-30")),
            (("sign-date-out-of-range", INFO, kv_cell(INFO, "sign_date")),),
        ),
        Case(
            "choice-invalid-source",
            "source.xlsx",
            from_json(set_row(ITEMS, 0, "资金来源", "财政拨款")),
            (("choice-invalid", ITEMS, f"{SOURCE}2"),),
        ),
        Case(
            "choice-halfwidth-parens",
            "parens.xlsx",
            from_json(set_row(ITEMS, 0, "资金来源", "一般公共预算拨款(一般财力)")),
            (("choice-invalid", ITEMS, f"{SOURCE}2"),),
        ),
        Case(
            "project-spending-without-project",
            "no-project.xlsx",
            from_json(_project_without_name),
            (("project-name-missing", ITEMS, f"{col(ITEMS, 'project')}32"),),
        ),
        Case(
            "weights-not-summing",
            "weights.xlsx",
            from_json(set_row(INDICATORS, 0, "指标分值权重", "15")),
            (("indicator-weights-sum", INDICATORS, f"{col(INDICATORS, 'weight')}2"),),
        ),
        Case(
            "sme-over-total",
            "sme.xlsx",
            from_json(both(set_fact("面向中小企业预留金额", "200"), set_fact("其中：面向小微企业预留金额", "150"))),
            (("procurement-sme-over-total", FACTS, kv_cell(FACTS, "proc_sme")),),
        ),
        Case(
            "control-total-mismatch",
            "control.xlsx",
            from_json(set_info("收支总计核对数", "7000.00")),
            control,
        ),
        Case(
            "staff-fraction",
            "staff-fraction.xlsx",
            from_json(set_info("在职人数", 3.5)),
            (("int-not-integer", INFO, kv_cell(INFO, "staff_active")),),
        ),
        Case(
            "staff-negative",
            "staff-negative.xlsx",
            from_json(set_info("编制数", -3)),
            (("int-negative", INFO, kv_cell(INFO, "staff_quota")),),
        ),
        Case(
            "month-thirteen",
            "month.xlsx",
            from_json(set_row(PROJECTS, 0, "执行截止月", 13)),
            (("month-invalid", PROJECTS, f"{col(PROJECTS, 'end_month')}2"),),
        ),
        Case(
            "control-character",
            "control-char.xlsx",
            as_excel_stores(set_row(PROJECTS, 1, "项目负责人", "陈立CTRL新"), "CTRL", "_x0007_"),
            (("control-character", PROJECTS, f"{col(PROJECTS, 'manager')}3"),),
        ),
        Case(
            "text-too-long",
            "long.xlsx",
            from_json(set_info("机构设置", "内设科室。" * 1200)),
            (("text-too-long", INFO, kv_cell(INFO, "organization")),),
        ),
        Case(
            "year-no-catalog",
            "year.xlsx",
            from_json(set_info("预算年度", 1999)),
            (("catalog-year-missing", INFO, kv_cell(INFO, "year")),),
        ),
        Case(
            "required-cell-empty",
            "required.xlsx",
            from_json(set_row(ITEMS, 0, "经济分类科目编码", "")),
            (("missing-required", ITEMS, f"{ECON}2"),),
        ),
        Case(
            "prior-unknown-key",
            "prior-key.xlsx",
            from_json(
                lambda d: d[PRIOR].append({"比较项目": "收入：其他收入", "上年预算数": "1.00", "主要原因": "无"})
            ),
            (("prior-key-unknown", PRIOR, "A32"),),
        ),
        Case(
            "prior-missing-reason",
            "prior-reason.xlsx",
            from_json(_prior_set("收入：一般公共预算", "主要原因", "")),
            (("reason-missing", PRIOR, "C2"),),
        ),
        Case(
            "prior-missing-row",
            "prior-row.xlsx",
            from_json(_delete_prior_row("支出：基本支出")),
            (("prior-row-missing", PRIOR, "A31"),),
            note="the cell points below the data: the row to add",
        ),
        Case(
            "prior-not-number",
            "prior-abc.xlsx",
            from_json(_prior_set("收入：一般公共预算", "上年预算数", "abc")),
            (("amount-not-number", PRIOR, "B2"),),
        ),
        Case(
            "use-class-code-malformed",
            "use-code.xlsx",
            from_json(set_row(USES, 0, "功能分类类编码", "20")),
            (("code-malformed", USES, "A2"),),
        ),
        # -- issue 12: hostile XML and zip tricks (answered within 60 s and 1 GiB)
        Case(
            "merge-single-quotes",
            "merge-quotes.xlsx",
            _with_merge_xml("<mergeCells count='1'><mergeCell ref='D100:XFD1048576'/></mergeCells>"),
            (("merged-input-cell", None, None),),
            hostile=True,
        ),
        Case(
            "merge-spaced-attributes",
            "merge-spaces.xlsx",
            _with_merge_xml('<mergeCells count = "1"><mergeCell ref = "D100:XFD1048576" /></mergeCells>'),
            (("merged-input-cell", None, None),),
            hostile=True,
        ),
        Case(
            "merge-utf16-sheet",
            "merge-utf16.xlsx",
            _with_merge_xml('<mergeCells count="1"><mergeCell ref="D100:XFD1048576"/></mergeCells>', "utf-16"),
            (("merged-input-cell", None, None),),
            hostile=True,
        ),
        Case(
            "hidden-bulk-sheets",
            "hidden-bulk.xlsx",
            _hidden_bulk_sheets,
            (("zip-bomb", None, None),),
            hostile=True,
            note="40 hidden sheets of 1.2 million <c/>: refused by the declared size, never inflated",
        ),
        Case(
            "cells-without-refs",
            "cells-no-ref.xlsx",
            _cells_without_refs,
            (("too-many-rows", None, None),),
            hostile=True,
        ),
        Case(
            "deflate-lies-about-size",
            "lying-size.xlsx",
            _lying_size,
            ((NOT_WB, None, None),),
            hostile=True,
        ),
        Case(
            "comment-with-cells",
            "comment-cells.xlsx",
            _comment_with_cells,
            (),
            exit=0,
            hostile=True,
            note="cell fragments inside an XML comment are not cells: read quickly, nothing to report",
        ),
        Case(
            "doctype-entities",
            "laughs.xlsx",
            _doctype_entities,
            ((NOT_WB, None, None),),
            hostile=True,
        ),
        Case(
            "zip-duplicate-entry",
            "duplicate-entry.xlsx",
            _duplicate_entry,
            (("zip-duplicate-entry", None, None),),
            hostile=True,
        ),
        Case("strict-open-xml", "strict.xlsx", _strict, (("strict-ooxml", None, None),), hostile=True),
        Case(
            "too-many-sheets",
            "many-sheets.xlsx",
            edited(_many_sheets),
            (("too-many-sheets", None, None),),
            hostile=True,
        ),
        # -- issue 12: the published document is what the officer sees
        Case(
            "zero-height-row",
            "zero-height.xlsx",
            _zero_height_row,
            (("hidden-row-data", ITEMS, "A6"),),
        ),
        Case(
            "very-hidden-sheet",
            "very-hidden.xlsx",
            edited(_very_hidden),
            (("very-hidden-sheet", "备用数据", None),),
            exit=0,
            note="warning only: a veryHidden sheet that is not the tool's own",
        ),
        Case(
            "amount-space-inside",
            "amount-space.xlsx",
            from_json(set_row(ITEMS, 2, "金额", "1 234.5")),
            (("amount-space-inside", ITEMS, f"{AMOUNT}4"),),
        ),
        Case(
            "extra-code-redefines",
            "extra-redefines.xlsx",
            from_json(_extra_redefines),
            (("extra-code-redefines", s.SHEET_EXTRA_CODES, "B2"),),
        ),
        Case(
            "bidi-override-unit-name",
            "bidi.xlsx",
            from_json(set_info("单位全称", "昌吉州工业\u202e局化息信和")),
            (("control-character", INFO, kv_cell(INFO, "unit_name")),),
        ),
        Case(
            "zero-width-in-text",
            "zero-width.xlsx",
            from_json(set_info("机构设置", "内设8个科室，分别是：办公室\u200b、财务科")),
            (("control-character", INFO, kv_cell(INFO, "organization")),),
        ),
        Case(
            "unit-name-74-chars",
            "unit-long.xlsx",
            from_json(set_info("单位全称", "昌吉回族自治州" * 9 + "工业和信息化局本级机关")),  # 74 characters
            (("text-too-long", INFO, kv_cell(INFO, "unit_name")),),
        ),
        Case(
            "indicator-5000-chars",
            "indicator-long.xlsx",
            from_json(_long_indicator),
            (("text-too-long", INDICATORS, f"{col(INDICATORS, 'level3')}2"),),
        ),
        Case(
            "unit-name-path",
            "unit-path.xlsx",
            from_json(set_info("单位全称", "../../x/伪造局")),
            (),
            exit=0,
            note="a path in the unit name is not an error: build writes x_伪造局….docx inside the output folder",
        ),
    ]
    return cases


CASES = _cases()
BY_NAME = {c.name: c for c in CASES}


def _make_one(name: str, out: str) -> str:
    case = BY_NAME[name]
    path = Path(out) / case.file
    case.make(path)
    return str(path)


def generate(out: Path, names: set[str] | None = None, jobs: int | None = None) -> dict[str, Path]:
    """Write every case (or those named) into `out`, in parallel processes; returns name -> path."""
    out.mkdir(parents=True, exist_ok=True)
    todo = [c.name for c in CASES if names is None or c.name in names]
    jobs = jobs or min(4, os.cpu_count() or 1)
    if jobs <= 1 or len(todo) < 4:
        return {name: Path(_make_one(name, str(out))) for name in todo}
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        done = pool.map(_make_one, todo, [str(out)] * len(todo))
        return {name: Path(path) for name, path in zip(todo, done, strict=True)}


def expectations(cases: list[Case], paths: dict[str, Path]) -> list[dict]:
    """Manifest entries: the case's own expectations plus every error the pipeline reports now
    (consequences such as a control-total mismatch), after checking the former are reported."""
    from generator.pipeline import run

    entries = []
    for case in cases:
        result = run(paths[case.name])
        found = [(i.code, i.sheet, i.cell) for i in result.issues]
        missing = [e for e in case.expect if e not in found]
        if missing:
            raise SystemExit(f"{case.name}: expected issues not reported: {missing}")
        errors = [e for e, i in zip(found, result.issues, strict=True) if i.is_error]
        status = 1 if errors else 0
        if status != case.exit:
            raise SystemExit(f"{case.name}: exit status would be {status}, expected {case.exit}")
        expect = list(dict.fromkeys([*case.expect, *errors]))
        entries.append(
            {
                "name": case.name,
                "file": case.file,
                "exit": case.exit,
                "hostile": case.hostile,
                "note": case.note,
                "expect": [list(e) for e in expect],
            }
        )
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--manifest", action="store_true", help="(re)write tests/data/bad_inputs.json")
    parser.add_argument("--probe", action="store_true", help="print what the pipeline reports for each case")
    parser.add_argument("--jobs", type=int, default=None, help="parallel processes")
    parser.add_argument("names", nargs="*", help="only these cases")
    args = parser.parse_args(argv)
    paths = generate(args.out, set(args.names) or None, args.jobs)
    print(f"{len(paths)} cases written to {args.out}")
    if args.probe:
        from generator.pipeline import run

        for case in CASES:
            if case.name in paths:
                issues = run(paths[case.name]).issues
                print(f"== {case.name}")
                for i in issues:
                    print(f"   {i.severity.value:7} {i.code:28} {i.location:14} {i.message[:80]}")
    if args.manifest:
        if set(paths) != set(BY_NAME):
            raise SystemExit("--manifest needs every case (do not name cases)")
        doc = {
            "about": "Malformed inputs made by scripts/make_bad_inputs.py (files in tests/data/generated/, not "
            "committed) and what `disclosure check` must report for each: exit status and (code, sheet, cell) "
            "of every error (and of the warnings a case is about).",
            "cases": expectations(CASES, paths),
        }
        MANIFEST.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(doc, ensure_ascii=False, indent=1)
        text = re.sub(r"\[\s+([^\[\]]*?)\s+\]", lambda m: "[" + re.sub(r"\s*\n\s*", " ", m[1]) + "]", text)
        MANIFEST.write_text(text + "\n", encoding="utf-8")
        print(f"manifest written: {MANIFEST} ({len(doc['cases'])} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
