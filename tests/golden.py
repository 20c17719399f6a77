"""What the golden tests share: build an example once per module, read its DOCX and PDF back, find rows.

A golden test module holds only its expected values (each citing the reference line it comes from) and its
asserts; it gets the built example from `built_example`:

    built = built_example("201", "czj", warnings=["project-under-admin-operation"])

which defines the module-scoped fixture `built` (a `Built`). The text each renderer produced is read once per
module and kept (`Built.docx_text`, `Built.pdf_text`, …), however many tests look at it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import docx
import pdfplumber
import pytest
from docx.document import Document
from docx.table import Table as DocxTable

from generator.model import Disclosure, Table, TableRow
from generator.pipeline import run
from generator.render.docx import render_docx
from generator.render.pdf import render_pdf
from generator.workbook.template import write_workbook
from tests.conftest import example_data
from tests.test_same_figures import docx_text

FOOTER = re.compile(r"第\d+页共\d+页")  # the page footer, once whitespace is removed


def compact(text: str) -> str:
    """The text without any whitespace (a line or cell break may fall anywhere in a sentence)."""
    return re.sub(r"\s+", "", text)


@dataclass
class Built:
    """One example built as the CLI builds it: its disclosure, DOCX and PDF, and the text read back from them."""

    disclosure: Disclosure
    docx_path: Path
    pdf_path: Path

    @cached_property
    def document(self) -> Document:
        return docx.Document(str(self.docx_path))

    @property
    def tables(self) -> list[DocxTable]:
        return self.document.tables

    def paragraphs(self, style: str | None = None) -> list[str]:
        """The DOCX's body paragraphs (of one style when given), as python-docx reads them."""
        return [p.text for p in self.document.paragraphs if style is None or p.style.name == style]

    @cached_property
    def docx_text(self) -> str:
        """Every paragraph, then every table cell (a merged cell once), one per line."""
        return docx_text(self.docx_path)

    @cached_property
    def docx_compact(self) -> str:
        return compact(self.docx_text)

    @cached_property
    def docx_cells(self) -> list[str]:
        """The DOCX's text split into its lines: a table cell's amount is one whole line."""
        return self.docx_text.split("\n")

    @cached_property
    def pdf_pages(self) -> list[str]:
        """Each page's text as pdfplumber extracts it."""
        with pdfplumber.open(self.pdf_path) as pdf:
            return [page.extract_text() or "" for page in pdf.pages]

    @cached_property
    def pdf_sizes(self) -> set[tuple[float, float]]:
        """The page sizes in pt, rounded to whole points."""
        with pdfplumber.open(self.pdf_path) as pdf:
            return {(round(float(p.width)), round(float(p.height))) for p in pdf.pages}

    @cached_property
    def pdf_text(self) -> str:
        return "\n".join(self.pdf_pages)

    @cached_property
    def pdf_lines(self) -> list[str]:
        return self.pdf_text.split("\n")

    @cached_property
    def pdf_compact(self) -> str:
        return compact(self.pdf_text)

    @cached_property
    def pdf_compact_without_footers(self) -> str:
        """`pdf_compact` without the page footers: a paragraph may run on over a page's footer."""
        return FOOTER.sub("", self.pdf_compact)


def build(
    folder: Path,
    example: str,
    stem: str,
    warnings: Sequence[str] = (),
    edit: Callable[[dict], None] | None = None,
) -> Built:
    """Example `example` (examples/<example>.json, changed by `edit` when given) written as a workbook, checked,
    and rendered to <stem>.docx and <stem>.pdf in `folder`. The check must pass with exactly the warning codes
    `warnings` (in any order)."""
    data = example_data(example)
    if edit is not None:
        edit(data)
    workbook = folder / f"{example}.xlsx"
    write_workbook(workbook, data)
    result = run(workbook)
    assert result.ok, [i.message for i in result.issues if i.is_error]
    assert sorted(i.code for i in result.issues) == sorted(warnings), [i.message for i in result.issues]
    d = result.disclosure
    assert d is not None
    render_docx(d, folder / f"{stem}.docx")
    render_pdf(d, folder / f"{stem}.pdf")
    return Built(d, folder / f"{stem}.docx", folder / f"{stem}.pdf")


def built_example(example: str, stem: str, warnings: Sequence[str] = ()) -> Callable[..., Built]:
    """A module-scoped fixture `built`: example `example` built once for the module (see `build`)."""

    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Built:
        return build(tmp_path_factory.mktemp(stem), example, stem, warnings)

    return pytest.fixture(scope="module", name="built")(fixture)


def assert_all_in(expected: Iterable[str], whole: str) -> None:
    """Each expected text, whitespace removed, occurs in `whole` (a compacted text)."""
    for text in expected:
        assert compact(text) in whole, text


def assert_none_in(absent: Iterable[str], whole: str) -> None:
    for text in absent:
        assert compact(text) not in whole, text


def body(table: DocxTable, head_rows: int) -> list[list[str]]:
    """A DOCX table's rows below its `head_rows` header rows, as cell texts (merged cells repeated)."""
    return [[c.text for c in row.cells] for row in table.rows[head_rows:]]


def row_pattern(row: Sequence[str]) -> str:
    """A table row's cells in order in the compacted PDF text: a long 科目名称 may wrap in its cell and its rest
    be printed after the amounts, so names longer than 12 characters are left out, and at most 30 characters
    may come between two cells."""
    return ".{0,30}?".join(re.escape(compact(c)) for c in row if c and not (len(c) > 12 and c[0] not in "0123456789"))


# --- rows of a computed table (generator.model.Table) -----------------------------------


def table(d: Disclosure, n: int) -> Table:
    return d.tables[n - 1]


def coded(t: Table, code: str) -> TableRow:
    """The 类/款/项 row whose code columns spell `code` (e.g. "2010301")."""
    for r in t.rows:
        if r.style in ("class", "kuan", "item") and "".join(str(c) for c in r.cells[:3]) == code:
            return r
    raise KeyError(code)


def econ(t: Table, code: str) -> TableRow:
    for r in t.rows:
        if r.style.startswith("econ") and "".join(str(c) for c in r.cells[:2]) == code:
            return r
    raise KeyError(code)


def total_row(t: Table) -> TableRow:
    return next(r for r in t.rows if r.style == "total")


def labelled(t: Table, label: str, col: int = 0) -> TableRow:
    return next(r for r in t.rows if r.cells[col] == label)


def text(d: Disclosure) -> str:
    """Every paragraph of the 情况说明 sections and their subsections, one per line."""
    out = []
    for s in d.sections:
        out += [p.text for p in s.paragraphs]
        for sub in s.subsections:
            out += [p.text for p in sub.paragraphs]
    return "\n".join(out)
