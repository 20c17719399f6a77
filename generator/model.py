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


class Table(_Model):
    """One of the ten 公开表. Header layout is static in the templates (per `number`)."""

    number: int
    label: str  # "表1"
    title: str  # "部门（单位）收支总体情况表"
    unit_line: str  # "编制部门（单位）：…"
    columns: int
    landscape: bool
    rows: list[TableRow]
    empty_note: str | None = None  # "我单位没有使用…为空表。" for empty 表8/表9


class Paragraph(_Model):
    text: str
    style: Literal["body", "item", "field"] = "body"


class Subsection(_Model):
    heading: str  # "（一）机关运行经费情况"
    paragraphs: list[Paragraph]
    performance_tables: bool = False  # the 项目支出绩效目标表 follow these paragraphs


class Section(_Model):
    heading: str  # "一、关于昌吉州政资局2023年收支预算情况的总体说明"
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


class Part(_Model):
    heading: str
    anchor: str


class Disclosure(_Model):
    """The complete four-part 部门预算公开 document for one department and year."""

    unit_name: str
    short_name: str
    year: int
    prior_year: int
    title: str  # "2023年部门预算公开"
    file_stem: str  # "{单位全称}{年}年部门预算公开"
    toc: list[TocEntry]
    part1: Part
    functions: list[Paragraph]
    organization: list[Paragraph]
    staff: Paragraph
    part2: Part
    tables: list[Table]
    part3: Part
    sections: list[Section]
    performance_tables: list[PerformanceTable]
    part4: Part
    glossary: list[Paragraph]
    signature: str
    date: str
