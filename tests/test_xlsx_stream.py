"""The streaming .xlsx parser (generator/workbook/xlsx.py): XML as Excel may write it, and hostile XML."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from generator.workbook import reader, schema
from generator.workbook.reader import read_workbook
from generator.workbook.xlsx import Limits, XlsxRefused, read_xlsx
from tests.xlsx_builder import build_workbook, replace_xml

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
ITEMS = schema.SHEET_ITEMS


def package(
    sheets: dict[str, bytes | str],
    *,
    strings: list[str] | None = None,
    styles: str | None = None,
    states: dict[str, str] | None = None,
    main_ns: str = MAIN,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """A minimal workbook zip: one worksheet part per entry of `sheets` (XML given whole)."""
    states = states or {}
    sheet_elems = "".join(
        f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"'
        + (f' state="{states[name]}"' if name in states else "")
        + "/>"
        for i, name in enumerate(sheets, 1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    n = len(sheets)
    rels += f'<Relationship Id="rId{n + 1}" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    rels += f'<Relationship Id="rId{n + 2}" Type="{REL}/styles" Target="styles.xml"/>'
    members: dict[str, bytes] = {
        "[Content_Types].xml": b"<Types/>",
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG}"><Relationship Id="r1" Type="{REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main_ns}" xmlns:r="{REL}"><sheets>{sheet_elems}</sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}">{rels}</Relationships>'.encode(),
        "xl/sharedStrings.xml": (
            f'<sst xmlns="{MAIN}">' + "".join(f"<si><t>{s}</t></si>" for s in strings or []) + "</sst>"
        ).encode(),
        "xl/styles.xml": (
            styles or f'<styleSheet xmlns="{MAIN}"><cellXfs><xf numFmtId="0"/></cellXfs></styleSheet>'
        ).encode(),
    }
    for i, xml in enumerate(sheets.values(), 1):
        members[f"xl/worksheets/sheet{i}.xml"] = xml.encode() if isinstance(xml, str) else xml
    members.update(extra or {})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def sheet_xml(body: str, *, after: str = "", prefix: str = "") -> str:
    ns = f"xmlns:{prefix[:-1]}" if prefix else "xmlns"
    return f'<?xml version="1.0"?><{prefix}worksheet {ns}="{MAIN}"><{prefix}sheetData>{body}</{prefix}sheetData>{after}</{prefix}worksheet>'


def read(data: bytes, wanted: tuple[str, ...] = ("S",), limits: Limits | None = None):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return read_xlsx(zf, wanted, limits)


def refused(data: bytes, limits: Limits | None = None) -> XlsxRefused:
    with pytest.raises(XlsxRefused) as info:
        read(data, limits=limits)
    return info.value


def test_values_as_openpyxl_reads_them() -> None:
    styles = (
        f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
        '</numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>'
    )
    body = (
        '<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1"><v>274.65999999999997</v></c><c r="C1"><v>36</v></c>'
        '<c r="D1" s="1"><v>44957</v></c><c r="E1" s="2"><v>44957</v></c><c r="F1" t="b"><v>1</v></c>'
        '<c r="G1" t="e"><v>#REF!</v></c><c r="H1" t="str"><f>A1&amp;"x"</f><v>乙x</v></c>'
        '<c r="I1" t="inlineStr"><is><r><t>内</t></r><r><t xml:space="preserve">联 </t></r><rPh><t>ナイ</t></rPh></is></c>'
        '<c r="J1"><f>1/0</f></c><c r="K1" s="1"/></row>'
    )
    book = read(package({"S": sheet_xml(body)}, strings=["甲", "乙"], styles=styles))
    data = book.data["S"]
    assert data.cells == {
        (1, 1): "乙",
        (1, 2): 274.65999999999997,
        (1, 3): 36,
        (1, 4): dt.datetime(2023, 1, 31),
        (1, 5): dt.datetime(2023, 1, 31),
        (1, 6): True,
        (1, 7): "#REF!",
        (1, 8): "乙x",
        (1, 9): "内联 ",
    }
    assert data.formulas == {(1, 8), (1, 10)}
    assert data.max_column == 11


@pytest.mark.parametrize(
    "xml",
    [
        # a namespace prefix, single quotes, spaces around "=", no r attributes
        sheet_xml("<x:row r = '2'><x:c t = 's'><x:v>0</x:v></x:c><x:c><x:v>5</x:v></x:c></x:row>", prefix="x:"),
        # UTF-16 with a byte order mark
        "\ufeff" + sheet_xml('<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2"><v>5</v></c></row>'),
        # cell fragments inside a comment are not cells
        sheet_xml(
            "<!--" + '<c r="Z9"><v>1</v></c>' * 1000 + '-->\n<row r="2"><c r="A2" t="s"><v>0</v></c>'
            '<c r="B2"><v>5</v></c></row>'
        ),
    ],
)
def test_xml_variants_read_alike(xml: str) -> None:
    data = xml.encode("utf-16") if xml.startswith("\ufeff") else xml.encode()
    if xml.startswith("\ufeff"):
        data = ('<?xml version="1.0" encoding="UTF-16"?>' + xml[1:].split("?>", 1)[1]).encode("utf-16")
    assert read(package({"S": data}, strings=["甲"])).data["S"].cells == {(2, 1): "甲", (2, 2): 5}


def test_doctype_and_entities_are_refused() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    assert "DOCTYPE" in refused(package({"S": laughs})).message
    external = f'<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><worksheet xmlns="{MAIN}"/>'
    assert refused(package({"S": external})).code == "not-a-workbook"


@pytest.mark.parametrize("quote", ['"', "'"])
def test_huge_merge_refused_however_written(quote: str) -> None:
    after = f"<mergeCells><mergeCell ref = {quote}D100:XFD1048576{quote} /></mergeCells>"
    started = time.perf_counter()
    issue = refused(package({"S": sheet_xml("", after=after)}))
    assert issue.code == "merged-input-cell" and "D100:XFD1048576" in issue.message
    assert time.perf_counter() - started < 5


def test_merged_cells_read_as_empty_except_top_left() -> None:
    body = '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row><row r="2"><c r="A2"><v>3</v></c></row>'
    data = read(package({"S": sheet_xml(body, after='<mergeCells><mergeCell ref="A1:B2"/></mergeCells>')})).data["S"]
    assert data.cells == {(1, 1): 1}
    assert data.merged == [(1, 1, 2, 2)]


def test_cell_limits_count_cells_without_references() -> None:
    body = "<row>" + "<c/>" * 50 + "</row>"
    assert refused(package({"S": sheet_xml(body)}), Limits(sheet_cells=40)).code == "too-many-rows"
    many = {f"S{i}": sheet_xml(body) for i in range(3)}
    with zipfile.ZipFile(io.BytesIO(package(many))) as zf, pytest.raises(XlsxRefused):
        read_xlsx(zf, tuple(many), Limits(total_cells=120))


def test_sheets_not_asked_for_are_never_inflated() -> None:
    bomb = sheet_xml("<row>" + "<c/>" * 200_000 + "</row>")
    book = read(package({"S": sheet_xml(""), "Other": bomb}), limits=Limits(sheet_cells=10, inflated_bytes=100_000))
    assert set(book.data) == {"S"}
    assert [s.name for s in book.sheets] == ["S", "Other"]


def test_inflated_bytes_are_counted_as_read() -> None:
    big = sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>' + "字" * 200_000 + "</t></is></c></row>")
    assert refused(package({"S": big}), Limits(inflated_bytes=100_000)).code == "zip-bomb"


def test_entry_that_lies_about_its_size_is_refused(tmp_path: Path) -> None:
    data = bytearray(package({"S": sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>' * 2000)}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    # the central directory claims 100 bytes: zipfile stops there, the CRC then fails
    for pos in range(len(data) - 4):
        if data[pos : pos + 4] == b"PK\x01\x02" and data[pos + 46 : pos + 46 + len(info.filename)] == (
            info.filename.encode()
        ):
            data[pos + 24 : pos + 28] = (100).to_bytes(4, "little")
            break
    else:  # pragma: no cover
        raise AssertionError("central directory entry not found")
    path = tmp_path / "lies.xlsx"
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf, pytest.raises(XlsxRefused) as exc:
        read_xlsx(zf, ("S",))
    assert exc.value.code == "not-a-workbook"


def test_too_many_sheets() -> None:
    sheets = {f"S{i}": sheet_xml("") for i in range(30)}
    assert refused(package(sheets), Limits(sheets=20)).code == "too-many-sheets"


# --- through read_workbook ---------------------------------------------------------------


def test_duplicate_zip_entries_refused(tmp_path: Path) -> None:
    path = build_workbook(tmp_path / "dup.xlsx")
    with zipfile.ZipFile(path, "a") as zf, pytest.warns(UserWarning):
        zf.writestr("xl/worksheets/sheet1.xml", b"<worksheet/>")
    book, issues = read_workbook(path)
    assert book is None and [(i.code, i.sheet, i.cell) for i in issues] == [("zip-duplicate-entry", None, None)]
    assert "另存为" in issues[0].message


def test_strict_open_xml_gets_one_message(tmp_path: Path) -> None:
    path = tmp_path / "strict.xlsx"
    path.write_bytes(package({"S": sheet_xml("")}, main_ns="http://purl.oclc.org/ooxml/spreadsheetml/main"))
    book, issues = read_workbook(path)
    assert book is None and [i.code for i in issues] == ["strict-ooxml"]
    assert "Strict Open XML" in issues[0].message and "Excel工作簿(*.xlsx)" in issues[0].message


def test_zero_height_row_is_reported_like_a_hidden_row(tmp_path: Path) -> None:
    row = {"func_code": 2010301, "econ_code": 30101, "kind": "基本支出", "source": "一般公共预算拨款（一般财力）"}

    def squash(wb: Workbook) -> None:
        wb[ITEMS].row_dimensions[3].height = 7

    path = build_workbook(
        tmp_path / "z.xlsx", rows={ITEMS: [row | {"amount": 1}, row | {"amount": 2}]}, customize=squash
    )
    replace_xml(path, 'ht="7"', 'ht="0"')  # how Excel stores a row dragged to zero height
    _, issues = read_workbook(path)
    assert [(i.code, i.sheet, i.cell) for i in issues] == [("hidden-row-data", ITEMS, "B3")]


def test_foreign_very_hidden_sheet_is_a_warning(tmp_path: Path) -> None:
    def hide(wb: Workbook) -> None:
        wb.create_sheet("秘密").sheet_state = "veryHidden"
        wb.create_sheet(schema.SHEET_LISTS).sheet_state = "veryHidden"  # the tool's own: fine
        wb.create_sheet("普通隐藏").sheet_state = "hidden"

    _, issues = read_workbook(build_workbook(tmp_path / "v.xlsx", customize=hide))
    assert [(i.code, i.severity.value, i.sheet) for i in issues] == [("very-hidden-sheet", "warning", "秘密")]
    assert "深度隐藏" in issues[0].message


def test_hidden_sheets_full_of_empty_cells_are_cheap(tmp_path: Path) -> None:
    """20 hidden sheets of 1.2 million `<c/>` without references (under the declared-size cap):
    not the tool's sheets, so never inflated; answered at once. (40 are refused by size: corpus.)"""
    path = build_workbook(tmp_path / "base.xlsx")
    filler = sheet_xml("<row>" + "<c/>" * 1_200_000 + "</row>").encode()
    with zipfile.ZipFile(path) as src:
        members = {i.filename: src.read(i) for i in src.infolist()}
    book_xml = members["xl/workbook.xml"].decode()
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    for i in range(20):
        book_xml = book_xml.replace(
            "</sheets>",
            f'<sheet xmlns:r="{REL}" name="隐藏{i}" sheetId="{100 + i}" state="hidden" r:id="rIdX{i}"/></sheets>',
        )
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="rIdX{i}" Type="{REL}/worksheet" Target="/xl/worksheets/x{i}.xml"/></Relationships>',
        )
        members[f"xl/worksheets/x{i}.xml"] = filler
    members["xl/workbook.xml"] = book_xml.encode()
    members["xl/_rels/workbook.xml.rels"] = rels.encode()
    out = tmp_path / "hidden-bulk.xlsx"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    started = time.perf_counter()
    book, issues = read_workbook(out)
    assert time.perf_counter() - started < 10
    assert book is not None and issues == []  # the hidden sheets are none of the tool's: never inflated


def test_safe_to_open_checks_every_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = build_workbook(tmp_path / "ok.xlsx")
    assert reader.safe_to_open(path.read_bytes())
    monkeypatch.setattr(reader, "MAX_OPEN_CELLS", 5)
    assert not reader.safe_to_open(path.read_bytes())


@settings(max_examples=150, deadline=None)
@given(cut=st.integers(0, 400), junk=st.binary(max_size=40), body=st.text(max_size=60))
def test_any_damage_to_sheet_xml_is_refused_or_read(cut: int, junk: bytes, body: str) -> None:
    """Whatever the sheet XML holds, the parser returns data or raises XlsxRefused, nothing else."""
    xml = sheet_xml(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>5</v></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{body}</t></is></c></row>'
    ).encode()
    damaged = xml[:cut] + junk + xml[cut:]
    try:
        book = read(package({"S": damaged}, strings=["甲"]))
    except XlsxRefused as exc:
        assert exc.code and exc.message
    else:
        assert "S" in book.data
