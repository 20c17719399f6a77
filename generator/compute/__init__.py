"""Stage 4: validated inputs → the computed disclosure (every figure and sentence)."""

from __future__ import annotations

from generator import formatting as fmt
from generator.catalog import Catalog
from generator.compute.comparisons import PriorBook
from generator.compute.names import Names
from generator.compute.narrative import CN_NUMBERS, Narrative, paragraphs, staff_sentence
from generator.compute.performance import performance_tables
from generator.compute.tables import TABLE_TITLES, TableBuilder
from generator.inputs import Inputs
from generator.issues import Issue
from generator.model import Disclosure, Paragraph, Part, TocEntry


def compute_disclosure(inputs: Inputs, catalog: Catalog) -> tuple[Disclosure, list[Issue], PriorBook]:
    """Compute the whole document. Issues are about prior-year rows and usage texts.

    The book is returned too: `disclosure prepare` reads from it which 上年对比 rows
    the document needs.
    """
    info = inputs.info
    names = Names.build(catalog, inputs)
    book = PriorBook(inputs)
    narrative = Narrative(inputs, names, book)
    sections = narrative.sections()
    book.finish()
    tables = TableBuilder(inputs.items, names, info.unit_name).all()
    year = info.year

    parts = (
        Part(heading=f"第一部分  {info.unit_name}概况", anchor="part1"),
        Part(heading=f"第二部分  {year}年部门（单位）预算公开表", anchor="part2"),
        Part(heading=f"第三部分  {year}年部门（单位）预算情况说明", anchor="part3"),
        Part(heading="第四部分  名词解释", anchor="part4"),
    )
    toc = [
        TocEntry(level=1, text=parts[0].heading, anchor="part1"),
        TocEntry(level=2, text="一、主要职能", anchor="part1-functions"),
        TocEntry(level=2, text="二、机构设置及人员情况", anchor="part1-organization"),
        TocEntry(level=1, text=parts[1].heading, anchor="part2"),
        *(TocEntry(level=2, text=f"{CN_NUMBERS[n - 1]}、{TABLE_TITLES[n]}", anchor=f"table{n}") for n in range(1, 11)),
        TocEntry(level=1, text=parts[2].heading, anchor="part3"),
        *(TocEntry(level=2, text=s.heading, anchor=f"section{n}") for n, s in enumerate(sections, start=1)),
        TocEntry(level=1, text=parts[3].heading, anchor="part4"),
    ]
    glossary = [
        Paragraph(text=f"{CN_NUMBERS[n] if n < len(CN_NUMBERS) else n + 1}、{g.term}：{g.definition.strip()}")
        for n, g in enumerate(inputs.glossary)
    ]
    disclosure = Disclosure(
        unit_name=info.unit_name,
        short_name=info.short_name,
        year=year,
        prior_year=year - 1,
        title=f"{year}年部门预算公开",
        file_stem=f"{info.unit_name}{year}年部门预算公开",
        toc=toc,
        part1=parts[0],
        functions=paragraphs(info.functions),
        organization=paragraphs(info.organization),
        staff=staff_sentence(inputs),
        part2=parts[1],
        tables=tables,
        part3=parts[2],
        sections=sections,
        performance_tables=performance_tables(inputs),
        part4=parts[3],
        glossary=glossary,
        signature=info.short_name,
        date=fmt.cn_date(info.sign_date) if info.sign_date else "",
    )
    return disclosure, [*book.issues, *narrative.issues], book
