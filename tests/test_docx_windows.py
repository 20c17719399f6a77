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


def make_docx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(DOCUMENT, XML)
        package.writestr("word/styles.xml", "<w:styles/>")
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
                assert window.read("word/styles.xml") == b"<w:styles/>"
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
