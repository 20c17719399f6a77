"""generator/render/docx_windows.py on a small hand-made DOCX: each top-level body element's byte
range, kind, section break and texts; the w:sectPr that governs a window's last element; a
window never ending right after a section break; a window DOCX's parts."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from generator.render.docx_windows import DOCUMENT, Draft

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {W}><w:body>'
SECT_A = '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:titlePg/></w:sectPr>'
SECT_B = '<w:sectPr><w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/></w:sectPr>'
FINAL = '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr>'
ELEMENTS = [
    '<w:p><w:r><w:t xml:space="preserve">封 面</w:t></w:r></w:p>',
    "<w:p><w:r><w:t>目录</w:t></w:r></w:p>",
    f"<w:p><w:pPr>{SECT_A}</w:pPr></w:p>",
    "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>甲</w:t></w:r></w:p><w:p><w:r><w:t>乙 丙</w:t></w:r></w:p></w:tc></w:tr></w:tbl>",
    f"<w:p><w:pPr>{SECT_B}</w:pPr></w:p>",
    '<w:p><w:r><w:t>表</w:t></w:r><w:r><w:t>1</w:t></w:r></w:p><w:bookmarkEnd w:id="0"/>',
    "<w:p/>",
]
XML = HEAD + "".join(ELEMENTS) + FINAL + "</w:body></w:document>"
STYLES = (
    f'<w:styles {W}><w:style w:type="paragraph" w:default="1" w:styleId="Normal"/>'
    '<w:style w:type="paragraph" w:styleId="Part"><w:pPr><w:pageBreakBefore/></w:pPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="SubPart"><w:basedOn w:val="Part"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Flow"><w:basedOn w:val="Part"/><w:pPr>'
    '<w:pageBreakBefore w:val="0"/></w:pPr></w:style></w:styles>'
)


def make_docx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(DOCUMENT, XML)
        package.writestr("word/styles.xml", STYLES)
    return path


def test_scan_gives_each_top_level_element(tmp_path: Path) -> None:
    data = XML.encode()
    with Draft(make_docx(tmp_path / "d.docx")) as draft:
        scan = draft.scan
        assert data[slice(*scan.head)] == HEAD.encode()
        assert [data[e.start : e.end].decode() for e in scan.elements] == ELEMENTS  # the bookmark rides along
        assert [e.kind for e in scan.elements] == ["p", "p", "p", "tbl", "p", "p", "p"]
        assert [e.texts for e in scan.elements] == [["封面"], ["目录"], [""], ["甲", "乙丙"], [""], ["表1"], [""]]
        assert [e.section is not None for e in scan.elements] == [False, False, True, False, True, False, False]
        assert data[slice(*scan.elements[2].section)] == SECT_A.encode()
        assert data[slice(*scan.final)] == FINAL.encode()
        assert [scan.title_page(i) for i in range(7)] == [True, True, True, False, False, False, False]
        assert scan.section_start(3) and not scan.section_start(4)


def test_window_takes_the_governing_section_and_never_ends_after_a_break(tmp_path: Path) -> None:
    with Draft(make_docx(tmp_path / "d.docx")) as draft:
        assert draft.window_end(0, 2) == 2
        assert draft.window_end(0, 3) == 4  # element 2 carries a section break: the end moves past it
        assert draft.window_end(3, 5) == 6
        assert draft.window_end(3, 99) == 7
        cases = {(0, 2): SECT_A, (3, 4): SECT_B, (5, 7): FINAL, (0, 4): SECT_B}
        for (a, b), section in cases.items():
            out = tmp_path / f"w{a}{b}.docx"
            draft.write_window(a, b, out)
            with zipfile.ZipFile(out) as window:
                assert (
                    window.read(DOCUMENT).decode() == HEAD + "".join(ELEMENTS[a:b]) + section + "</w:body></w:document>"
                )
                assert window.read("word/styles.xml") == STYLES.encode()
                assert sorted(window.namelist()) == sorted(["[Content_Types].xml", DOCUMENT, "word/styles.xml"])


def test_a_dropped_section_break_paragraph_takes_the_page_before(tmp_path: Path) -> None:
    """LibreOffice may drop an empty paragraph that only carries a section break, after a table or
    after a paragraph (the 决算's note under its last table): the kinds still line up, and the
    dropped element takes the end page of the element before it."""
    from generator.render.office import WindowMismatch, _element_pages

    with Draft(make_docx(tmp_path / "d.docx")) as draft:
        laid = [("p", 1, 1), ("p", 1, 1), ("tbl", 2, 2), ("p", 3, 3), ("e", 3, 3)]  # both breaks dropped
        assert _element_pages(draft.scan, 0, 7, laid) == [(1, 1), (1, 1), (1, 1), (2, 2), (2, 2), (3, 3), (3, 3)]
        kept = [("p", 1, 1), ("p", 1, 1), ("e", 1, 1), ("tbl", 2, 2), ("e", 2, 2), ("p", 3, 3), ("e", 3, 3)]
        assert _element_pages(draft.scan, 0, 7, kept) == [(1, 1), (1, 1), (1, 1), (2, 2), (2, 2), (3, 3), (3, 3)]
        with pytest.raises(WindowMismatch):  # an empty paragraph without a section break is never dropped
            _element_pages(draft.scan, 0, 7, laid[:-1])


def _row(text: str, header: bool = False, merged: bool = False) -> str:
    properties = "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if header else "<w:trPr><w:cantSplit/></w:trPr>"
    cell = "<w:tcPr><w:vMerge/></w:tcPr>" if merged else ""
    return f"<w:tr>{properties}<w:tc>{cell}<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc></w:tr>"


TABLE_OPEN = '<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="dxa"/></w:tblPr><w:tblGrid><w:gridCol w:w="5000"/></w:tblGrid>'
HEADER_ROWS = _row("科目", header=True) + _row("编码", header=True)
DATA_ROWS = [_row("行1"), _row("行2"), _row("行3", merged=True), _row("行4"), _row("行5")]
LONG = [
    '<w:p><w:pPr><w:pStyle w:val="Part"/></w:pPr><w:r><w:t>表7</w:t></w:r></w:p>',
    TABLE_OPEN + HEADER_ROWS + "".join(DATA_ROWS) + "</w:tbl>",
    '<w:p><w:pPr><w:pStyle w:val="Flow"/></w:pPr><w:r><w:t>说明</w:t></w:r></w:p>',
    '<w:p><w:pPr><w:pStyle w:val="SubPart"/></w:pPr><w:r><w:t>第二部分</w:t></w:r></w:p>',
    '<w:p><w:pPr><w:pStyle w:val="Part"/><w:pageBreakBefore w:val="0"/><w:spacing w:before="240" w:line="560"/>'
    "</w:pPr><w:r><w:t>正文</w:t></w:r></w:p>",
    "<w:p><w:pPr><w:pageBreakBefore/></w:pPr><w:r><w:t>附表</w:t></w:r></w:p>",
]
LONG_XML = HEAD + "".join(LONG) + FINAL + "</w:body></w:document>"


def make_long(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as package:
        package.writestr(DOCUMENT, LONG_XML)
        package.writestr("word/styles.xml", STYLES)
    return path


def test_a_long_table_is_split_between_rows_where_no_merge_continues(tmp_path: Path, monkeypatch) -> None:
    """Issue 18 §7b: a table of at least SPLIT_ROWS rows below its header is several elements, the
    first with the table's start and header rows, each further one beginning at a row that continues
    no vertical merge (行3 continues one: it stays with 行2). Their bytes and texts, in order, are
    the table's."""
    from generator.render import docx_windows

    monkeypatch.setattr(docx_windows, "SPLIT_ROWS", 5)
    data = LONG_XML.encode()
    with Draft(make_long(tmp_path / "long.docx")) as draft:
        parts = [e for e in draft.scan.elements if e.table is not None]
        assert [data[e.start : e.end].decode() for e in parts] == [
            TABLE_OPEN + HEADER_ROWS + DATA_ROWS[0],
            DATA_ROWS[1] + DATA_ROWS[2],
            DATA_ROWS[3],
            DATA_ROWS[4] + "</w:tbl>",
        ]
        assert [e.texts for e in parts] == [["科目", "编码", "行1"], ["行2", "行3"], ["行4"], ["行5"]]
        assert [(e.part, e.rows) for e in parts] == [(0, 1), (1, 2), (2, 1), (3, 1)]
        table = parts[0].table
        assert table.header_rows == 2 and table.parts == 4 and all(e.table is table for e in parts)
        assert len(draft.scan.elements) == 9
    monkeypatch.setattr(docx_windows, "SPLIT_ROWS", 6)  # 5 rows below the header: the table stays whole
    with Draft(make_long(tmp_path / "long.docx")) as draft:
        assert [e.kind for e in draft.scan.elements] == ["p", "tbl", "p", "p", "p", "p"]


def test_a_window_inside_a_table_repeats_its_start_and_header_rows(tmp_path: Path, monkeypatch) -> None:
    """A window that begins with a later part writes the table's start and header rows first (a
    continuation page begins with them); one that ends before the last part closes the table."""
    from generator.render import docx_windows

    monkeypatch.setattr(docx_windows, "SPLIT_ROWS", 5)
    cases = {
        (1, 3): TABLE_OPEN + HEADER_ROWS + "".join(DATA_ROWS[:3]) + "</w:tbl>",
        (2, 4): TABLE_OPEN + HEADER_ROWS + "".join(DATA_ROWS[1:4]) + "</w:tbl>",
        (3, 6): TABLE_OPEN + HEADER_ROWS + "".join(DATA_ROWS[3:]) + "</w:tbl>" + LONG[2],
    }
    with Draft(make_long(tmp_path / "long.docx")) as draft:
        for (a, b), body in cases.items():
            out = tmp_path / f"w{a}{b}.docx"
            draft.write_window(a, b, out)
            with zipfile.ZipFile(out) as window:
                assert window.read(DOCUMENT).decode() == HEAD + body + FINAL + "</w:body></w:document>"


def test_a_window_at_a_page_the_text_flowed_onto_drops_the_first_space_before(tmp_path: Path, monkeypatch) -> None:
    """LibreOffice, as Word, drops a paragraph's spacing before at the top of a page the text flowed
    onto, and keeps it at a document's start: a window that begins with such a paragraph sets it to
    0. A page break before (the paragraph's own, or its style's or a base style's) or a section's
    start keeps it."""
    from generator.render import docx_windows

    monkeypatch.setattr(docx_windows, "SPLIT_ROWS", 99)
    with Draft(make_long(tmp_path / "long.docx")) as draft:
        assert [draft.natural_top(i) for i in range(6)] == [False, False, True, False, True, False]
        out = tmp_path / "w.docx"
        draft.write_window(4, 6, out)
        with zipfile.ZipFile(out) as window:
            xml = window.read(DOCUMENT).decode()
        first = (
            f'<w:p {W}><w:pPr><w:pStyle w:val="Part"/><w:pageBreakBefore w:val="0"/>'
            '<w:spacing w:before="0" w:line="560" w:beforeLines="0" w:beforeAutospacing="0"/>'
            "</w:pPr><w:r><w:t>正文</w:t></w:r></w:p>"
        )
        assert xml == HEAD + first + LONG[5] + FINAL + "</w:body></w:document>"
    with Draft(make_docx(tmp_path / "d.docx")) as draft:  # a table, and the first element of a section, keep it
        assert [draft.natural_top(i) for i in range(7)] == [False, True, True, False, True, False, True]


def test_the_parts_of_a_table_take_the_pages_of_their_rows(tmp_path: Path, monkeypatch) -> None:
    """The parts of a split table in a window are one laid-out table: its rows' pages (header rows
    first) give each part's pages; a row count that does not match is a mismatch."""
    from generator.render import docx_windows
    from generator.render.office import WindowMismatch, _element_pages

    monkeypatch.setattr(docx_windows, "SPLIT_ROWS", 5)
    with Draft(make_long(tmp_path / "long.docx")) as draft:
        rows = ((1, 1), (1, 1), (1, 1), (1, 2), (2, 2), (2, 2), (3, 3))  # 2 header rows, then 行1 … 行5
        laid = [("p", 1, 1), ("tbl", 1, 3, rows), ("p", 3, 3)]
        assert _element_pages(draft.scan, 0, 6, laid) == [(1, 1), (1, 1), (1, 2), (2, 2), (3, 3), (3, 3)]
        # a window from the second part: the laid table repeats the 2 header rows
        later = [("tbl", 1, 2, ((1, 1), (1, 1), (1, 1), (1, 1), (1, 1), (2, 2))), ("p", 2, 2)]
        assert _element_pages(draft.scan, 2, 6, later) == [(1, 1), (1, 1), (2, 2), (2, 2)]
        single = [("tbl", 1, 1, ()), ("p", 1, 1)]  # a table on one page reports no rows
        assert _element_pages(draft.scan, 2, 6, single) == [(1, 1), (1, 1), (1, 1), (1, 1)]
        with pytest.raises(WindowMismatch):
            _element_pages(draft.scan, 2, 6, [("tbl", 1, 2, rows[:-2]), ("p", 2, 2)])  # 5 rows, not 2 + 4


def test_a_window_inside_a_section_with_a_distinct_first_page_has_none(tmp_path: Path) -> None:
    """Section A has a distinct first page (w:titlePg: the cover has no page number). A window that
    begins inside it starts on one of its later pages: its copy of the section drops w:titlePg, both
    where the section is the window's last (written after the elements) and where an element in the
    window carries it. A window that begins with the section keeps it."""
    top = (
        f'<w:p {W}><w:pPr><w:spacing w:before="0" w:beforeLines="0" w:beforeAutospacing="0"/></w:pPr>'
        "<w:r><w:t>目录</w:t></w:r></w:p>"
    )
    plain_a = SECT_A.replace("<w:titlePg/>", "")
    cases = {
        (1, 2): top + plain_a,
        (1, 4): top + ELEMENTS[2].replace(SECT_A, plain_a) + ELEMENTS[3] + SECT_B,
        (0, 2): ELEMENTS[0] + ELEMENTS[1] + SECT_A,
    }
    with Draft(make_docx(tmp_path / "d.docx")) as draft:
        for (a, b), body in cases.items():
            out = tmp_path / f"w{a}{b}.docx"
            draft.write_window(a, b, out)
            with zipfile.ZipFile(out) as window:
                assert window.read(DOCUMENT).decode() == HEAD + body + "</w:body></w:document>", (a, b)
