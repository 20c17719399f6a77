"""Reading workbooks (generator.workbook.reader): file checks, sheets, headers, cells."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from generator.issues import Issue, Severity
from generator.workbook import reader, schema
from generator.workbook.reader import CellValue, RawWorkbook, read_workbook
from tests.xlsx_builder import GOOD_FACTS, GOOD_INFO, build_workbook, kv_row, replace_xml, write_xlsx

ITEMS = schema.SHEET_ITEMS
INFO = schema.SHEET_INFO
GPB = "一般公共预算拨款（一般财力）"


def item(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {"func_code": 2010301, "econ_code": 30101, "kind": "基本支出", "source": GPB, "amount": 10}
    row.update(kw)
    return row


def codes(issues: list[Issue]) -> list[tuple[str, str | None, str | None]]:
    return [(i.code, i.sheet, i.cell) for i in issues]


def refused(path: Path) -> Issue:
    book, issues = read_workbook(path)
    assert book is None and len(issues) == 1
    assert issues[0].severity is Severity.ERROR
    return issues[0]


# --- a good workbook ----------------------------------------------------------------


def test_good_workbook_reads_back_exactly(tmp_path: Path) -> None:
    path = build_workbook(
        tmp_path / "good.xlsx",
        rows={
            schema.SHEET_UNITS: [{"name": "测试局本级"}],
            ITEMS: [
                item(amount=274.66, remark=None),
                item(kind="项目支出", project="信息化建设", func_code="2010350", econ_code="30213", amount="12.5"),
            ],
            schema.SHEET_PROJECTS: [
                {
                    "name": "信息化建设",
                    "manager": "张三",
                    "policy_basis": "依据一\n依据二",
                    "undertaker": "测试局",
                    "allocation": "设备12.5万元",
                    "goal": "完成建设",
                },
            ],
            schema.SHEET_USES: [{"class_code": 201, "use": "行政运行"}],
        },
    )
    replace_xml(path, "<v>274.66</v>", "<v>274.65999999999997</v>")  # as Excel stores a computed value
    book, issues = read_workbook(path)
    assert issues == []
    assert isinstance(book, RawWorkbook)
    assert book.path == path and book.amount_unit == "万元"
    info = book.kv[INFO]
    assert set(info) == {f.key for f in schema.INFO_FIELDS}
    assert info["unit_name"] == CellValue("昌吉州测试局", "B2", "昌吉州测试局")
    assert info["year"].value == 2023 and info["staff_active_change"].value == -1
    assert info["sign_date"].value == dt.date(2023, 1, 31)
    assert info["weight_total"].value == Decimal("90")
    assert info["functions"].value == "负责全州测试工作。\n负责其他工作。"
    assert info["control_total"] == CellValue(None, f"B{kv_row(INFO, 'control_total')}", None)
    facts = book.kv[schema.SHEET_FACTS]
    assert facts["proc_goods"].value == Decimal("0.00") and facts["car_law_count"].value == 0
    rows = book.lists[ITEMS]
    assert [r.row for r in rows] == [2, 3]
    assert set(rows[0].cells) == {c.key for c in schema.ITEM_COLUMNS if not c.display_only}
    assert rows[0].cells["amount"] == CellValue(Decimal("274.66"), "I2", 274.65999999999997)  # float noise cleaned
    assert rows[0].cells["func_code"].value == "2010301" and rows[0].cells["econ_code"].value == "30101"
    assert rows[1].cells["project"].value == "信息化建设" and rows[1].cells["amount"].value == Decimal("12.50")
    assert rows[0].cells["unit"] == CellValue(None, "A2", None)
    project = book.lists[schema.SHEET_PROJECTS][0].cells
    assert (project["start_month"].value, project["end_month"].value) == (1, 12)  # column defaults
    assert project["policy_basis"].value == "依据一\n依据二"
    assert book.lists[schema.SHEET_USES][0].cells["class_code"].value == "201"
    assert book.lists[schema.SHEET_GLOSSARY] == [] and book.lists[schema.SHEET_PRIOR] == []


def test_yuan_workbook_keeps_amounts_to_the_fen(tmp_path: Path) -> None:
    info = {**GOOD_INFO, "amount_unit": "元", "control_total": 1234567}
    path = build_workbook(tmp_path / "yuan.xlsx", info=info, rows={ITEMS: [item(amount=12350), item(amount=2746600)]})
    book, issues = read_workbook(path)
    assert issues == []
    assert book is not None and book.amount_unit == "元"
    # 12350元 = 1.235万元 and 2746600元 = 274.66万元, as entered (issue 16: rounding only for display)
    assert [r.cells["amount"].value for r in book.lists[ITEMS]] == [Decimal("1.235"), Decimal("274.66")]
    assert book.kv[INFO]["control_total"].value == Decimal("123.4567")


def test_invalid_unit_is_reported_and_wanyuan_used(tmp_path: Path) -> None:
    path = build_workbook(
        tmp_path / "u.xlsx", info={**GOOD_INFO, "amount_unit": "千元"}, rows={ITEMS: [item(amount=12.5)]}
    )
    book, issues = read_workbook(path)
    assert codes(issues) == [("choice-invalid", INFO, f"B{kv_row(INFO, 'amount_unit')}")]
    assert "“千元”" in issues[0].message and "“万元”、“元”" in issues[0].message
    assert book is not None and book.amount_unit == "万元"
    assert book.lists[ITEMS][0].cells["amount"].value == Decimal("12.50")


# --- file-level refusals -------------------------------------------------------------


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert refused(tmp_path / "nope.xlsx").code == "file-not-found"
    assert refused(tmp_path).code == "file-not-found"


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.xlsx").write_bytes(b"")
    issue = refused(tmp_path / "e.xlsx")
    assert issue.code == "file-empty" and "空文件" in issue.message


def test_file_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 100)
    (tmp_path / "big.xlsx").write_bytes(b"PK\x03\x04" + b"\0" * 200)
    assert refused(tmp_path / "big.xlsx").code == "file-too-large"


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (bytes(range(256)) * 8, "not-a-workbook", "无法识别"),
        ("单位,金额\n测试局,12.5\n".encode("gb18030"), "not-a-workbook", "CSV"),
        ("单位,金额\n测试局,12.5\n".encode("utf-8-sig"), "not-a-workbook", "CSV"),
        (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "not-a-workbook", "网页"),
        (reader.OLE2_MAGIC + b"\0" * 600, "xls-format", "另存为"),
        (
            reader.OLE2_MAGIC + b"\0" * 100 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 100,
            "encrypted-workbook",
            "取消密码",
        ),
        (b"PK\x03\x04 truncated", "not-a-workbook", "损坏"),
    ],
)
def test_not_a_zip_is_explained(tmp_path: Path, content: bytes, code: str, words: str) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    issue = refused(path)
    assert (issue.code, words in issue.message) == (code, True)


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("members", "words"),
    [
        ({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}, "Word文档"),
        ({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}, "另存为.xlsx"),
        ({"xl/workbook.bin": b"\0"}, ".xlsb"),
        ({"hello.txt": b"hi"}, "压缩包"),
    ],
)
def test_zip_that_is_not_a_workbook(tmp_path: Path, members: dict[str, bytes], words: str) -> None:
    issue = refused(_zip(tmp_path / "x.xlsx", members))
    assert issue.code == "not-a-workbook" and words in issue.message


def test_zip_bomb_by_ratio(tmp_path: Path) -> None:
    path = _zip(
        tmp_path / "bomb.xlsx", {"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (20 << 20)}
    )
    issue = refused(path)
    assert issue.code == "zip-bomb" and "压缩比异常" in issue.message


def test_zip_bomb_by_total_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_UNCOMPRESSED_BYTES", 1 << 20)
    path = _zip(tmp_path / "big.xlsx", {"xl/workbook.xml": b"<workbook/>", "a.bin": bytes(range(256)) * 8192})
    assert refused(path).code == "zip-bomb"


def test_corrupt_workbook_xml_is_an_issue_not_a_traceback(tmp_path: Path) -> None:
    path = _zip(tmp_path / "bad.xlsx", {"xl/workbook.xml": b"<not xml", "[Content_Types].xml": b"<Types/>"})
    issue = refused(path)
    assert issue.code == "not-a-workbook" and "另存为" in issue.message


def test_corrupt_deflate_data_is_an_issue(tmp_path: Path) -> None:
    path = build_workbook(tmp_path / "z.xlsx", rows={ITEMS: [item() for _ in range(50)]})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = max(zf.infolist(), key=lambda i: i.compress_size)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2 : start + info.compress_size // 2 + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))
    assert refused(path).code == "not-a-workbook"


def test_too_many_cells_refused_before_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_SHEET_CELLS", 10)
    path = build_workbook(tmp_path / "many.xlsx", rows={ITEMS: [item() for _ in range(5)]})
    assert refused(path).code == "too-many-rows"


def test_too_many_data_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_DATA_ROWS", 3)
    book, issues = read_workbook(build_workbook(tmp_path / "rows.xlsx", rows={ITEMS: [item() for _ in range(5)]}))
    assert codes(issues) == [("too-many-rows", ITEMS, "A5")]
    assert book is not None and len(book.lists[ITEMS]) == 3


def test_xlsm_and_wrong_extension_read_as_data(tmp_path: Path) -> None:
    path = build_workbook(tmp_path / "a.xlsx", rows={ITEMS: [item()]})
    for name in ("a.xlsm", "a.xls", "a"):
        copy = tmp_path / name
        copy.write_bytes(path.read_bytes())
        book, issues = read_workbook(copy)
        assert issues == [] and book is not None and len(book.lists[ITEMS]) == 1


# --- sheets and headers ------------------------------------------------------------------


def test_missing_sheet(tmp_path: Path) -> None:
    book, issues = read_workbook(build_workbook(tmp_path / "m.xlsx", omit=[schema.SHEET_PROJECTS, schema.SHEET_FACTS]))
    assert codes(issues) == [
        ("missing-sheet", schema.SHEET_PROJECTS, None),
        ("missing-sheet", schema.SHEET_FACTS, None),
    ]
    assert "“项目信息”" in issues[0].message and "disclosure new" in issues[0].message
    assert book is not None and book.lists[schema.SHEET_PROJECTS] == []
    assert set(book.kv[schema.SHEET_FACTS]) == {f.key for f in schema.FACT_FIELDS}


def test_sheet_name_with_stray_space_is_explained(tmp_path: Path) -> None:
    def rename(wb: Workbook) -> None:
        wb[schema.SHEET_GLOSSARY].title = schema.SHEET_GLOSSARY + " "

    _, issues = read_workbook(build_workbook(tmp_path / "s.xlsx", customize=rename))
    assert codes(issues) == [("missing-sheet", schema.SHEET_GLOSSARY, None)]
    assert "多了空格" in issues[0].message


def test_header_moved(tmp_path: Path) -> None:
    def insert_title(wb: Workbook) -> None:
        wb[ITEMS].insert_rows(1, 2)
        wb[ITEMS]["A1"] = "2023年支出明细"

    book, issues = read_workbook(build_workbook(tmp_path / "h.xlsx", rows={ITEMS: [item()]}, customize=insert_title))
    assert codes(issues) == [("header-moved", ITEMS, "A3")]
    assert "第3行" in issues[0].message
    assert book is not None and book.lists[ITEMS] == []


def test_duplicate_header(tmp_path: Path) -> None:
    def dup(wb: Workbook) -> None:
        wb[ITEMS]["L1"] = "金额"

    book, issues = read_workbook(build_workbook(tmp_path / "d.xlsx", rows={ITEMS: [item()]}, customize=dup))
    assert codes(issues) == [("duplicate-header", ITEMS, "L1")]
    assert "“金额”出现了2次（I1、L1）" in issues[0].message
    assert book is not None and len(book.lists[ITEMS]) == 1  # schema columns intact: still read


def test_inserted_column_is_a_header_mismatch(tmp_path: Path) -> None:
    def insert_col(wb: Workbook) -> None:
        wb[schema.SHEET_USES].insert_cols(2)
        wb[schema.SHEET_USES]["B1"] = "序号"

    _, issues = read_workbook(build_workbook(tmp_path / "c.xlsx", customize=insert_col))
    assert codes(issues) == [
        ("header-mismatch", schema.SHEET_USES, "B1"),
        ("header-mismatch", schema.SHEET_USES, "C1"),
    ]
    assert "B1的列标题应为“类名称”，实际为“序号”" in issues[0].message
    assert "“类名称”出现在C1" in issues[0].message


def test_kv_labels_any_order_and_missing_label(tmp_path: Path) -> None:
    def shuffle(wb: Workbook) -> None:
        ws = wb[INFO]
        ws.move_range("A2:C3", rows=30)  # 单位全称/单位简称 moved below the others
        ws.delete_rows(kv_row(INFO, "organization"))

    book, issues = read_workbook(build_workbook(tmp_path / "kv.xlsx", customize=shuffle))
    assert codes(issues) == [("header-mismatch", INFO, None)]
    assert "“机构设置”" in issues[0].message
    assert book is not None
    assert book.kv[INFO]["unit_name"].value == "昌吉州测试局"
    assert book.kv[INFO]["organization"] == CellValue(None, "", None)


# --- cells ------------------------------------------------------------------------------


def test_every_cell_problem_is_collected(tmp_path: Path) -> None:
    rows = [
        item(amount="1,234.56"),
        item(amount="14。41", func_code="20103"),
        item(amount=12.345, econ_code=" 30101"),
        item(kind="其他", source=None),
    ]
    book, issues = read_workbook(build_workbook(tmp_path / "c.xlsx", rows={ITEMS: rows}))
    assert codes(issues) == [
        ("amount-thousands-separator", ITEMS, "I2"),
        ("code-malformed", ITEMS, "B3"),
        ("amount-fullwidth-point", ITEMS, "I3"),
        ("code-whitespace", ITEMS, "D4"),
        ("amount-too-many-decimals", ITEMS, "I4"),
        ("choice-invalid", ITEMS, "F5"),
        ("missing-required", ITEMS, "H5"),
    ]
    assert issues[0].message == "金额“1,234.56”含千位分隔符，请删除逗号，填写为1234.56"
    assert issues[0].value == "1,234.56"
    assert issues[3].severity is Severity.WARNING
    assert "资金来源" in issues[6].message
    assert book is not None
    assert [r.cells["amount"].value for r in book.lists[ITEMS]] == [None, None, None, Decimal("10.00")]
    assert book.lists[ITEMS][2].cells["econ_code"].value == "30101"


def test_required_kv_fields(tmp_path: Path) -> None:
    info = {**GOOD_INFO, "unit_name": None, "weight_total": None, "amount_unit": None}
    facts = {**GOOD_FACTS, "proc_goods": None}
    book, issues = read_workbook(build_workbook(tmp_path / "r.xlsx", info=info, facts=facts))
    assert codes(issues) == [("missing-required-field", INFO, "B2")]
    assert "“单位全称”为必填项" in issues[0].message
    assert book is not None and book.amount_unit == "万元"
    assert book.kv[INFO]["weight_total"].value == Decimal("90")  # Field.default applied
    assert book.kv[INFO]["amount_unit"].value == "万元"
    assert book.kv[schema.SHEET_FACTS]["proc_goods"].value == Decimal("0.00")


def test_formula_without_cached_value(tmp_path: Path) -> None:
    def formula(wb: Workbook) -> None:
        wb[ITEMS]["I2"] = "=1+2"
        wb[ITEMS]["C2"] = "=VLOOKUP(B2,_代码表!A:B,2,FALSE)"  # display column: ignored
        wb[INFO][f"B{kv_row(INFO, 'staff_quota')}"] = "=10+10"

    book, issues = read_workbook(build_workbook(tmp_path / "f.xlsx", rows={ITEMS: [item()]}, customize=formula))
    assert codes(issues) == [
        ("formula-no-value", INFO, f"B{kv_row(INFO, 'staff_quota')}"),
        ("formula-no-value", ITEMS, "I2"),
    ]
    assert "打开并保存" in issues[1].message
    assert book is not None and book.lists[ITEMS][0].cells["amount"].value is None


def test_formula_only_row_is_not_empty(tmp_path: Path) -> None:
    def formula(wb: Workbook) -> None:
        wb[schema.SHEET_UNITS]["A2"] = '="测试"&"局"'

    book, issues = read_workbook(build_workbook(tmp_path / "f.xlsx", customize=formula))
    assert codes(issues) == [("formula-no-value", schema.SHEET_UNITS, "A2")]
    assert book is not None and len(book.lists[schema.SHEET_UNITS]) == 1


def test_error_value(tmp_path: Path) -> None:
    book, issues = read_workbook(build_workbook(tmp_path / "e.xlsx", rows={ITEMS: [item(amount="#REF!")]}))
    assert codes(issues) == [("cell-error-value", ITEMS, "I2")]
    assert "#REF!" in issues[0].message
    assert book is not None and book.lists[ITEMS][0].cells["amount"] == CellValue(None, "I2", "#REF!")


def test_merged_input_cells(tmp_path: Path) -> None:
    def merge(wb: Workbook) -> None:
        wb[ITEMS].merge_cells("F2:F3")  # 支出类型 of two rows: row 3 loses its value
        wb[ITEMS].merge_cells("B4:C4")  # code + display name: harmless
        wb[INFO].merge_cells(f"B{kv_row(INFO, 'unit_name')}:C{kv_row(INFO, 'unit_name')}")  # harmless

    rows = [item(), item(), item()]
    book, issues = read_workbook(build_workbook(tmp_path / "m.xlsx", rows={ITEMS: rows}, customize=merge))
    assert codes(issues) == [("merged-input-cell", ITEMS, "F2")]
    assert "F2:F3" in issues[0].message and "取消合并" in issues[0].message
    assert book is not None and book.lists[ITEMS][1].cells["kind"].value is None  # no missing-required noise


def test_huge_merge_refused_before_loading(tmp_path: Path) -> None:
    # openpyxl would create an object for each of the 10 million merged cells
    def merge(wb: Workbook) -> None:
        wb[ITEMS].merge_cells("A3:J4")

    path = build_workbook(tmp_path / "m.xlsx", rows={ITEMS: [item(), item()]}, customize=merge)
    replace_xml(path, 'ref="A3:J4"', 'ref="A3:J1048576"')
    issue = refused(path)
    assert issue.code == "merged-input-cell" and "A3:J1048576" in issue.message


def test_merge_over_rows_without_other_content_is_silent(tmp_path: Path) -> None:
    def merge(wb: Workbook) -> None:
        wb[ITEMS].merge_cells("A3:J5")  # Excel keeps only A3 (empty): rows 3-5 hold nothing to read

    book, issues = read_workbook(build_workbook(tmp_path / "m.xlsx", rows={ITEMS: [item(), item()]}, customize=merge))
    assert issues == []
    assert book is not None and [r.row for r in book.lists[ITEMS]] == [2]


def test_merged_kv_value_cells(tmp_path: Path) -> None:
    def merge(wb: Workbook) -> None:
        wb[INFO].merge_cells("B2:B3")

    _, issues = read_workbook(build_workbook(tmp_path / "m.xlsx", customize=merge))
    assert codes(issues) == [("merged-input-cell", INFO, "B2")]


def test_hidden_row_with_data_is_read_and_reported(tmp_path: Path) -> None:
    def hide(wb: Workbook) -> None:
        wb[ITEMS].row_dimensions[3].hidden = True
        wb[ITEMS].row_dimensions[5].hidden = True  # empty: fine

    book, issues = read_workbook(
        build_workbook(tmp_path / "h.xlsx", rows={ITEMS: [item(), item(amount=5)]}, customize=hide)
    )
    assert codes(issues) == [("hidden-row-data", ITEMS, "B3")]
    assert "第3行被隐藏" in issues[0].message
    assert book is not None and [r.cells["amount"].value for r in book.lists[ITEMS]] == [
        Decimal("10.00"),
        Decimal("5.00"),
    ]


def test_blank_rows_and_display_only_columns_are_skipped(tmp_path: Path) -> None:
    def extra(wb: Workbook) -> None:
        wb[ITEMS]["C9"] = "行政运行"  # display-only column on its own: not a data row
        wb[ITEMS]["A8"] = "   "  # whitespace only: empty

    rows = [item(), [None] * 10, item(amount=3)]
    book, issues = read_workbook(build_workbook(tmp_path / "b.xlsx", rows={ITEMS: rows}, customize=extra))
    assert issues == []
    assert book is not None and [r.row for r in book.lists[ITEMS]] == [2, 4]


def test_large_amount_warning_keeps_value(tmp_path: Path) -> None:
    book, issues = read_workbook(build_workbook(tmp_path / "w.xlsx", rows={ITEMS: [item(amount=2746600)]}))
    assert [(i.code, i.severity, i.cell) for i in issues] == [("amount-looks-like-yuan", Severity.WARNING, "I2")]
    assert book is not None and book.lists[ITEMS][0].cells["amount"].value == Decimal("2746600.00")


def test_write_xlsx_without_schema_sheets(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "other.xlsx", {"Sheet1": [["a", "b"], [1, 2]]})
    book, issues = read_workbook(path)
    assert book is not None
    assert {i.code for i in issues} == {"missing-sheet"} and len(issues) == len(schema.INPUT_SHEETS)


# --- text limits ---------------------------------------------------------------------------


def test_every_text_limit_names_a_text_field() -> None:
    for (sheet, key), (most, where) in schema.TEXT_LIMITS.items():
        fields = schema.KV_SHEETS.get(sheet) or schema.LIST_SHEETS[sheet]
        kind = next(f.kind for f in fields if f.key == key)
        assert kind in (schema.Kind.TEXT, schema.Kind.LONGTEXT), (sheet, key)
        assert 0 < most <= 5000 and where


def test_text_over_its_printed_cell_limit_is_an_error_at_the_cell(tmp_path: Path) -> None:
    project = {
        "name": "信息化建设",
        "manager": "张" * 21,  # 绩效目标表 项目负责人: 20 characters
        "policy_basis": "依据",
        "undertaker": "测试局",
        "allocation": "设备",
        "goal": "完成",
    }
    info = dict(GOOD_INFO, unit_name="局" * 51)
    path = build_workbook(tmp_path / "long.xlsx", info=info, rows={schema.SHEET_PROJECTS: [project]})
    _, issues = read_workbook(path)
    found = {(i.code, i.sheet, i.cell): i for i in issues}
    unit = found[("text-too-long", INFO, f"B{kv_row(INFO, 'unit_name')}")]
    assert "51个字" in unit.message and "50字" in unit.message
    manager_col = schema.column_letter(schema.SHEET_PROJECTS, "manager")
    manager = found[("text-too-long", schema.SHEET_PROJECTS, f"{manager_col}2")]
    assert "项目负责人" in manager.message and "20字以内" in manager.message
    # exactly at the limit is fine
    info = dict(GOOD_INFO, unit_name="局" * 50)
    _, issues = read_workbook(build_workbook(tmp_path / "ok.xlsx", info=info))
    assert not [i for i in issues if i.code == "text-too-long"]
