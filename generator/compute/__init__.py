"""Stage 4: validated inputs → the computed disclosure (every figure and sentence), in a format's order."""

from __future__ import annotations

from generator import formatting as fmt
from generator.catalog import Catalog
from generator.compute import sections as sec
from generator.compute.comparisons import PriorBook
from generator.compute.names import Names
from generator.compute.narrative import CN_NUMBERS, Narrative, paragraphs, staff_sentence
from generator.compute.performance import performance_tables
from generator.compute.tables import TableBuilder
from generator.formats import registry
from generator.formats import spec as S
from generator.formats.loader import Format
from generator.inputs import Inputs
from generator.issues import Issue
from generator.model import Block, Disclosure, NumberStyle, Paragraph, Part, Section, Table, TocEntry


def compute_disclosure(
    inputs: Inputs, catalog: Catalog, format_: Format | None = None
) -> tuple[Disclosure, list[Issue], PriorBook]:
    """Compute the whole document in the order its format gives (`format_`, or the installed
    format the workbook names). Issues are about prior-year rows and usage texts.

    The book is returned too: `disclosure prepare` reads from it which 上年对比 rows
    the document needs.
    """
    info = inputs.info
    spec = (format_ or registry.get(info.format)).spec
    names = Names.build(catalog, inputs)
    book = PriorBook(inputs)
    narrative = Narrative(inputs, names, book)
    computed = sec.by_id(narrative.sections())
    book.finish()
    year = info.year
    values = {"year": year, "prior_year": year - 1, "unit_name": info.unit_name, "short_name": info.short_name}

    def fill(template: str, **more: object) -> str:
        """A format text with its placeholders filled (spec.PLACEHOLDERS; checked when loaded)."""
        return template.format(**values, **more)

    builder = TableBuilder(inputs.items, names, fill(spec.unit_line))
    tables: list[Table] = []
    sections: list[Section] = []
    parts: list[Part] = []
    toc: list[TocEntry] = []
    for p, part_spec in enumerate(spec.parts, start=1):
        part = Part(heading=fill(part_spec.heading), anchor=f"part{p}", run_on=part_spec.run_on)
        toc.append(TocEntry(level=1, text=part.heading, anchor=part.anchor))
        blocks: list[Block] = []
        ordinal = 0
        for block in part_spec.blocks:
            if isinstance(block, S.OverviewBlock):
                anchor = f"{part.anchor}-{block.content}"
                heading = None
                if block.heading is not None:
                    ordinal += 1
                    heading = fill(block.heading, n=fmt.cn_number(ordinal))
                    toc.append(TocEntry(level=2, text=heading, anchor=anchor))
                blocks.append(Block(type="overview", ref=block.content, anchor=anchor, heading=heading))
            elif isinstance(block, S.TableBlock):
                ordinal += 1
                style = NumberStyle(unit=block.unit, **spec.numbers.of(block.unit).model_dump())
                table = builder.table(block, len(tables) + 1, style)
                tables.append(table)
                blocks.append(Block(type="table", ref=table.anchor, anchor=table.anchor))
                toc.append(
                    TocEntry(
                        level=2, text=fill(block.toc, n=fmt.cn_number(ordinal), title=table.title), anchor=table.anchor
                    )
                )
            elif isinstance(block, S.SectionBlock):
                ordinal += 1
                source = computed[block.section]
                anchor = f"section{len(sections) + 1}"
                heading = fill(block.heading, n=fmt.cn_number(ordinal), title=sec.title(source))
                sections.append(source.model_copy(update={"heading": heading, "anchor": anchor}))
                blocks.append(Block(type="section", ref=anchor, anchor=anchor))
                toc.append(TocEntry(level=2, text=heading, anchor=anchor))
            else:
                blocks.append(Block(type=block.type, ref=block.type, anchor=f"{part.anchor}-{block.type}"))
        parts.append(part.model_copy(update={"blocks": blocks}))

    glossary = [
        Paragraph(text=f"{CN_NUMBERS[n] if n < len(CN_NUMBERS) else n + 1}、{g.term}：{g.definition.strip()}")
        for n, g in enumerate(inputs.glossary)
    ]
    disclosure = Disclosure(
        format_id=spec.id,
        unit_name=info.unit_name,
        short_name=info.short_name,
        year=year,
        prior_year=year - 1,
        title=fill(spec.cover.title),
        file_stem=fill(spec.file_name),
        toc=toc,
        parts=parts,
        functions=paragraphs(info.functions),
        organization=paragraphs(info.organization),
        staff=staff_sentence(inputs),
        tables=tables,
        sections=sections,
        performance_tables=performance_tables(inputs),
        glossary=glossary,
        signature=info.short_name,
        date=fmt.cn_date(info.sign_date) if info.sign_date else "",
    )
    return disclosure, [*book.issues, *narrative.issues], book
