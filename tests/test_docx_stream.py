"""The DOCX is rendered as a stream: the body's elements are handled and freed as they end (memory
bounded whatever the number of projects), docxtpl's post-rendering steps give the same text on the
stream as on the whole string, and the 目录 numbers are filled in file to file in pieces."""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docxtpl import DocxTemplate
from jinja2 import Environment

from generator.model import Disclosure
from generator.render import docx
from generator.render.docx import PLACEHOLDER, fill_toc_numbers, fill_toc_numbers_file, render_docx


def _alive_at_most(disclosure: Disclosure, target: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """(the most XML elements alive at once in the rendered body while one is handled, the number
    of elements handled: top-level ones, and rows of tables written as they pass)."""
    seen: list[int] = []
    handle = docx._Body.handle

    def spy(self, element) -> None:
        root = element
        while root.getparent() is not None:
            root = root.getparent()
        seen.append(sum(1 for _ in root.iter()))  # XML elements alive in the rendered body
        handle(self, element)

    monkeypatch.setattr(docx._Body, "handle", spy)
    monkeypatch.setattr(docx, "CHUNK", 512)  # characters handed to the parser at a time
    render_docx(disclosure, target)
    monkeypatch.undo()
    return max(seen), len(seen)


def test_body_elements_alive_do_not_grow_with_the_projects(
    disclosures: dict[str, Disclosure], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Example 002 with its 绩效目标表 and the rows of its longest table cloned: the elements alive at
    once (top-level ones in the body, or rows in a table being written) stay a handful."""
    d = disclosures["002"]
    assert d.performance_tables  # example 002 has 绩效目标表 to clone
    longest = max(d.tables, key=lambda t: len(t.rows))
    counts = {}
    for copies in (2, 30):
        tables = [t.model_copy(update={"rows": t.rows * copies}) if t is longest else t for t in d.tables]
        many = d.model_copy(update={"performance_tables": d.performance_tables * copies, "tables": tables})
        target = tmp_path / f"{copies}.docx"
        counts[copies] = _alive_at_most(many, target, monkeypatch)
        read = Document(str(target)).tables
        captions = [t._tbl.xpath("./w:tblPr/w:tblCaption/@w:val") for t in read]
        assert captions.count(["项目支出绩效目标表"]) == len(d.performance_tables) * copies
        (table,) = [t for t, c in zip(read, captions, strict=True) if c == [f"表{longest.number}"]]
        assert len(table.rows) >= len(longest.rows) * copies  # and its header rows
    (small, handled_small), (large, handled_large) = counts[2], counts[30]
    # the whole tree held every element; the stream holds the element handled (at most one
    # 绩效目标表 or a few rows), the one being parsed and a few that ended in the same piece of text
    assert large <= small * 1.2
    assert handled_large > handled_small + 28 * (len(d.performance_tables) + len(longest.rows))  # all streamed


def test_the_stream_steps_equal_docxtpls_on_the_whole_text() -> None:
    """docxtpl's render_xml_part (after Jinja: drop the "\\n" it put before each <w:p, turn {_{ }_}
    {_% %_} into tags, resolve \\n \\t \\a \\f in w:t text) on text without Jinja tags is the expectation;
    the stream gives it in any pieces."""
    body = (
        '<w:body xmlns:w="urn:w">'
        '<w:p><w:r><w:t xml:space="preserve">一行\n二行\t制表{_{ x }_} {_% y %_}</w:t></w:r></w:p>'
        '<w:tbl><w:tr><w:tc><w:p w:rsidR="1"><w:pPr><w:jc w:val="left"/></w:pPr>'
        "<w:r><w:rPr><w:b/></w:rPr><w:t>a\fb\ac</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        '<w:p w:rsidR="2"/><w:p><w:r><w:t>{_%_}_}%_}</w:t></w:r></w:p>'
        "<w:sectPr/></w:body>"
    )
    tpl = DocxTemplate.__new__(DocxTemplate)
    expected = DocxTemplate.render_xml_part(tpl, body, None, {}, Environment())
    assert "<w:br/>" in expected and "{{ x }}" in expected  # the steps did something
    rendered = re.sub(r"<w:p([ >])", r"\n<w:p\1", body)  # what Jinja gives for that source
    rng = random.Random(7)
    for chunk in (1, 3, 17, 64, 10_000):
        cuts = sorted(rng.sample(range(1, len(rendered)), 40))
        pieces = [rendered[a:b] for a, b in zip([0, *cuts], [*cuts, len(rendered)], strict=True)]
        streamed = list(docx._rendered_body(pieces, tpl.resolve_listing, chunk))
        assert "".join(streamed) == expected, chunk


def _docx_bytes(document_xml: bytes) -> bytes:
    path_bytes = io.BytesIO()
    with zipfile.ZipFile(path_bytes, "w") as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("word/document.xml", document_xml)
        z.writestr("word/styles.xml", b"<w:styles/>")
    return path_bytes.getvalue()


def test_streamed_toc_numbers_across_piece_boundaries(tmp_path: Path) -> None:
    slot = f'<w:tab/><w:t xml:space="preserve">{PLACEHOLDER}</w:t>'
    xml = f"<w:body>{slot}abc{slot}{slot}<w:p/>{slot}</w:body>".encode()
    draft = tmp_path / "draft.docx"
    draft.write_bytes(_docx_bytes(xml))
    # hand-made: the first three placeholders get 5, 12 and 103, the fourth stays 88
    expected = (
        b'<w:body><w:tab/><w:t xml:space="preserve">5</w:t>abc<w:tab/><w:t xml:space="preserve">12</w:t>'
        b'<w:tab/><w:t xml:space="preserve">103</w:t><w:p/><w:tab/><w:t xml:space="preserve">88</w:t></w:body>'
    )
    for chunk in (1, 5, 7, 33, 1 << 20):
        target = tmp_path / f"filled-{chunk}.docx"
        fill_toc_numbers_file(draft, target, [5, 12, 103], chunk=chunk)
        with zipfile.ZipFile(target) as z:
            assert z.namelist() == ["[Content_Types].xml", "word/document.xml", "word/styles.xml"]
            assert z.read("word/document.xml") == expected, chunk
            assert z.read("word/styles.xml") == b"<w:styles/>"
            assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in z.infolist())
        assert target.read_bytes() == fill_toc_numbers(draft.read_bytes(), [5, 12, 103])
    with pytest.raises(ValueError, match="has 4 目录 placeholders, not 5"):
        fill_toc_numbers_file(draft, tmp_path / "x.docx", [1, 2, 3, 4, 5], chunk=3)
