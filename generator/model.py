"""The computed disclosure: everything a renderer lays out, with no arithmetic left.

Amount cells are `Decimal` (formatted by `generator.formatting` through the template
filters); every sentence is complete text. The DOCX and PDF renderers read only
this model, so they cannot disagree with each other.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

Cell = str | Decimal | None
RowStyle = Literal["class", "kuan", "item", "project", "total", "blank", "label", "econ-class", "econ-kuan"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class TableRow(_Model):
    style: RowStyle
    cells: list[Cell]


class NumberStyle(_Model):
    """How a table writes its amounts (the format's style for the table's unit).

    Amounts in the model are 万元; a 元 table shows them × 10000, exactly."""

    unit: Literal["元", "万元"] = "万元"
    decimals: int = 2
    drop_zero_fraction: bool = False  # 4614.00 → 4614
    thousands: bool = False  # 91,016,775.35
    blank_zero: bool = True  # a zero cell is left blank


class HeadCell(_Model):
    """A header cell: `|` marks where a line may break, `\\n` forces a break."""

    text: str
    cols: int = 1
    rows: int = 1


class Table(_Model):
    """One 公开表: rows computed for its kind, title, unit and header from the format."""

    number: int  # 1-based position among the document's tables
    kind: str  # generator.compute.tables.KINDS
    label: str  # "表1", the line above the title; "" for none
    title: str  # "部门（单位）收支总体情况表"
    unit_line: str  # "编制部门（单位）：…"
    columns: int
    landscape: bool
    rows: list[TableRow]
    empty_note: str | None = None  # "我单位没有使用…为空表。" for an empty table
    numbers: NumberStyle = NumberStyle()
    head: list[list[HeadCell]] = []
    aligns: str = ""  # per column: c centred code, l text, r amount

    @property
    def anchor(self) -> str:
        return f"table{self.number}"


class Paragraph(_Model):
    text: str
    style: Literal["body", "item", "field"] = "body"


class Subsection(_Model):
    heading: str  # "（一）机关运行经费情况"
    paragraphs: list[Paragraph]
    performance_tables: bool = False  # the 项目支出绩效目标表 follow these paragraphs


class Section(_Model):
    heading: str  # "一、关于昌吉州政资局2023年收支预算情况的总体说明"
    anchor: str = ""  # "section1", numbered in document order
    paragraphs: list[Paragraph] = []
    subsections: list[Subsection] = []


class IndicatorRow(_Model):
    level1: str
    level2: str
    level3: str
    value: str
    basis: str
    last_value: str
    weight: str
    scoring: str
    evidence: str
    level1_span: int  # rows merged from here (first of group); 0 when covered by the row above
    level2_span: int


class PerformanceTable(_Model):
    title: str  # "项  目  支  出  绩  效  目  标  表"
    year_line: str  # "(2023年)"
    unit: str
    project: str
    manager: str
    total: Decimal
    fiscal: Decimal
    other: Decimal
    goal: str
    rows: list[IndicatorRow]


class TocEntry(_Model):
    level: int  # 1 = part, 2 = table or section
    text: str
    anchor: str


class Block(_Model):
    """One block of a part, in document order; `ref` names its content in the `Disclosure`:
    "functions" / "organization" (第一部分 texts), a table's or section's anchor, "projects" (the
    绩效目标表), "glossary", "signature"."""

    type: Literal["overview", "table", "section", "projects", "glossary", "signature"]
    ref: str
    anchor: str  # the block's id in the document (目录 targets, HTML ids)
    heading: str | None = None  # overview and projects blocks: "一、主要职能"


class Part(_Model):
    heading: str
    anchor: str
    blocks: list[Block] = []
    run_on: bool = False  # continues below the previous part instead of on a new page
    landscape: bool = False  # its pages are landscape (a table may still differ: Table.landscape)


class Disclosure(_Model):
    """The complete 部门预算公开 document for one department and year, in its format's order.

    `parts` give the order; the content lists hold what the blocks refer to, each in
    document order."""

    format_id: str
    edition: str = ""  # the format's edition (部门版 / 单位版); "": its first
    unit_name: str
    short_name: str
    year: int
    prior_year: int
    title: str  # "2023年部门预算公开"
    cover_above: str = ""  # the cover's line above the title (the unit name), "" for none
    cover_below: str = ""  # the cover's line below the title ("预算主管部门：…"), "" for none
    landscape: bool = False  # the cover's and the 目录's pages (and the default of the parts) are landscape
    file_stem: str  # "{单位全称}{年}年部门预算公开"
    toc: list[TocEntry]
    parts: list[Part]
    functions: list[Paragraph]
    organization: list[Paragraph]
    staff: Paragraph | None  # None: the format's 机构设置 has no staff sentence
    tables: list[Table]
    sections: list[Section]
    performance_tables: list[PerformanceTable]
    glossary: list[Paragraph]
    signature: str
    date: str

    def table(self, anchor: str) -> Table:
        """The table a block refers to."""
        for table in self.tables:
            if table.anchor == anchor:
                return table
        raise KeyError(f"no table {anchor} in the disclosure")

    def section(self, anchor: str) -> Section:
        """The section a block refers to."""
        for section in self.sections:
            if section.anchor == anchor:
                return section
        raise KeyError(f"no section {anchor} in the disclosure")
