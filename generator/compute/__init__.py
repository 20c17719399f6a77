"""Stage 4: validated inputs → the computed disclosure (every figure and sentence), in a format's order."""

from __future__ import annotations

from generator import formatting as fmt
from generator.catalog import Catalog
from generator.compute import sections as sec
from generator.compute.comparisons import PriorBook
from generator.compute.document import Layout
from generator.compute.final_document import FinalNarrative, FinalTableBuilder
from generator.compute.names import Names
from generator.compute.narrative import CN_NUMBERS, Narrative, operating_units, paragraphs, staff_sentence
from generator.compute.performance import performance_tables
from generator.compute.tables import TableBuilder
from generator.formats import registry
from generator.formats.loader import Format
from generator.formats.spec import GlossaryBlock
from generator.inputs import Inputs
from generator.issues import Issue
from generator.model import Disclosure, Paragraph


def compute_disclosure(
    inputs: Inputs, catalog: Catalog, format_: Format | None = None
) -> tuple[Disclosure, list[Issue], PriorBook]:
    """Compute the whole document in the order its format gives (`format_`, or the installed
    format the workbook names). Issues are about prior-year rows and usage texts.

    The book is returned too: `disclosure prepare` reads from it which 上年对比 rows
    the document needs.
    """
    info = inputs.info
    chosen = format_ or registry.get(info.format).with_edition(info.edition)
    spec = chosen.spec
    names = Names.build(catalog, inputs)
    book = PriorBook(inputs)
    year = info.year
    values = {"year": year, "prior_year": year - 1, "unit_name": info.unit_name, "short_name": info.short_name}
    builder: TableBuilder
    narrative: Narrative | FinalNarrative
    if spec.document == "决算":  # the 决算 tables and 第三部分 (issue 20); no 上年对比 rows are asked
        builder = FinalTableBuilder(inputs, names, spec.unit_line.format(**values), operating_units(inputs))
        narrative = FinalNarrative(inputs, names, builder, chosen.sections_folder, chosen.text_settings)
        computed = sec.by_id(narrative.sections_by_name())
    else:
        narrative = Narrative(
            inputs,
            names,
            book,
            folder=chosen.sections_folder,
            base=spec.comparison_base,
            edition=chosen.edition_spec,
            settings=chosen.text_settings,
        )
        computed = sec.by_id(narrative.sections_by_name())
        builder = TableBuilder(inputs.items, names, spec.unit_line.format(**values), operating_units(inputs))
    book.finish()
    laid = Layout(spec, values, builder, computed).lay_out()

    item = next(
        (b.item for _, _, b in spec.blocks() if isinstance(b, GlossaryBlock)),
        GlossaryBlock.model_fields["item"].default,
    )
    glossary = [
        Paragraph(
            text=item.format(
                **values,
                n=CN_NUMBERS[n] if n < len(CN_NUMBERS) else n + 1,
                term=g.term,
                definition=g.definition.strip(),
            )
        )
        for n, g in enumerate(inputs.glossary)
    ]
    disclosure = Disclosure(
        format_id=spec.id,
        edition=chosen.edition,
        unit_name=info.unit_name,
        short_name=info.short_name,
        year=year,
        prior_year=year - 1,
        title=laid.fill(spec.cover.title),
        cover_above=laid.fill(spec.cover.above) if spec.cover.above else "",
        cover_below=laid.fill(spec.cover.below) if spec.cover.below else "",
        landscape=spec.orientation == "landscape",
        file_stem=laid.fill(spec.file_name),
        toc=laid.toc,
        parts=laid.parts,
        functions=paragraphs(info.functions),
        organization=paragraphs(info.organization),
        staff=staff_sentence(inputs, chosen.sections_folder, chosen.text_settings) if spec.has_staff else None,
        tables=laid.tables,
        sections=laid.sections,
        performance_tables=performance_tables(inputs) if laid.places_performance_tables else [],
        glossary=glossary,
        signature=info.short_name,
        date=fmt.cn_date(info.sign_date) if info.sign_date else "",
    )
    return disclosure, [*book.issues, *narrative.issues], book
