"""The DOCX, the PDF and the HTML page of one disclosure contain exactly the same amounts, and so does the model."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest

from generator import formatting as fmt
from generator.model import Disclosure
from generator.render.docx import render_docx
from generator.render.html import write_html
from generator.render.pdf import render_pdf

AMOUNT = re.compile(r"(?<![\d.])\d+\.\d{2}(?![\d.])")


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            seen = set()
            for cell in row.cells:
                if id(cell._tc) not in seen:  # merged cells repeat in python-docx
                    seen.add(id(cell._tc))
                    parts.append(cell.text)
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


class _Text(HTMLParser):
    """The text a reader sees in the HTML page (the inline stylesheet left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._style = False

    def handle_starttag(self, tag, attrs) -> None:
        self._style = self._style or tag == "style"
        if tag in ("br", "p", "td", "th", "tr", "h1", "h2", "h3", "li"):
            self.parts.append("\n")

    def handle_endtag(self, tag) -> None:
        if tag == "style":
            self._style = False

    def handle_data(self, data) -> None:
        if not self._style:
            self.parts.append(data)


def html_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return "".join(parser.parts)


def model_amounts(d: Disclosure) -> Counter[str]:
    """Every amount the model shows: table cells, sentences, performance-table figures."""
    found: Counter[str] = Counter()
    for t in d.tables:
        for r in t.rows:
            for c in r.cells:
                text = fmt.table_cell(c)
                found.update(AMOUNT.findall(text))
    texts = [p.text for p in (*d.functions, *d.organization, d.staff, *d.glossary)]
    for s in d.sections:
        texts += [p.text for p in s.paragraphs] + [p.text for sub in s.subsections for p in sub.paragraphs]
    for p in d.performance_tables:
        texts += [
            fmt.amount(p.total),
            fmt.table_cell(p.fiscal),
            fmt.table_cell(p.other),
            p.goal,
        ]  # zero 财政拨款 left blank, as in every table
        texts += [cell for r in p.rows for cell in (r.level3, r.value, r.last_value)]
    for text in texts:
        found.update(AMOUNT.findall(text))
    return found


@pytest.mark.parametrize("name", ["000", "002"])
def test_docx_pdf_and_model_show_the_same_amounts(
    name: str, disclosures: dict[str, Disclosure], tmp_path: Path
) -> None:
    d = disclosures[name]
    render_docx(d, tmp_path / "d.docx")
    render_pdf(d, tmp_path / "d.pdf")
    write_html(d, tmp_path / "d.html")
    in_docx = Counter(AMOUNT.findall(docx_text(tmp_path / "d.docx")))
    in_pdf = Counter(AMOUNT.findall(pdf_text(tmp_path / "d.pdf")))
    expected = model_amounts(d)
    assert sum(expected.values()) > 400  # a real document, not an empty comparison
    assert in_docx == expected
    assert in_pdf == expected
    assert Counter(AMOUNT.findall(html_text(tmp_path / "d.html"))) == expected


def test_html_export_is_one_accessible_page(disclosures: dict[str, Disclosure], tmp_path: Path) -> None:
    d = disclosures["000"]
    write_html(d, tmp_path / "d.html")
    page = (tmp_path / "d.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    assert f"<title>{d.file_stem}</title>" in page
    assert "<link" not in page and "src=" not in page  # self-contained: nothing else to upload
    assert page.count("<table") == 10 + 2 * len(d.performance_tables)
    assert page.count('<th scope="col"') > 100 and "<thead>" in page
    for t in d.tables:
        assert f'aria-label="{t.label} {t.title}"' in page
