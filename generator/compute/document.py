"""The document's order from its format: parts, their blocks, the numbered headings and the 目录.

The figures are computed elsewhere (tables.py, the narrative); this module places them where the
format says, fills the format's texts with computed values and numbers the headed blocks of each
part (一、二、三……), so the 目录 and the body use the same words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator import formatting as fmt
from generator.compute import sections as sec
from generator.compute.tables import TableBuilder
from generator.formats import spec as S
from generator.model import Block, NumberStyle, Part, Section, Table, TocEntry


@dataclass
class Layout:
    """Lays out one document: `lay_out()` fills `parts`, `tables`, `sections` and `toc` in order."""

    spec: S.FormatSpec
    values: dict[str, object]  # the placeholders' computed values (spec.PLACEHOLDERS)
    builder: TableBuilder
    computed: dict[str, Section]  # the narrative's sections by id
    parts: list[Part] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    toc: list[TocEntry] = field(default_factory=list)

    @property
    def projects_placed(self) -> bool:
        return any(isinstance(block, S.ProjectsBlock) for _, _, block in self.spec.blocks())

    @property
    def places_performance_tables(self) -> bool:
        """Whether the document publishes the 绩效目标表: in a block of their own, or after a subsection
        (十一（四）) that says they follow. A format that does neither (the Shanghai budgets) has none."""
        return self.projects_placed or any(ss.performance_tables for s in self.sections for ss in s.subsections)

    def fill(self, template: str, **more: object) -> str:
        """A format text with its placeholders filled (checked when the format was loaded)."""
        return template.format(**self.values, **more)

    def lay_out(self) -> Layout:
        for p, part_spec in enumerate(self.spec.parts, start=1):
            part = Part(
                heading=self.fill(part_spec.heading),
                anchor=f"part{p}",
                run_on=part_spec.run_on,
                landscape=self.spec.part_orientation(p - 1) == "landscape",
            )
            self.toc.append(TocEntry(level=1, text=part.heading, anchor=part.anchor))
            blocks: list[Block] = []
            ordinal = 0  # headed blocks so far in this part
            for block in part_spec.blocks:
                if not isinstance(block, S.GlossaryBlock | S.SignatureBlock) and block.numbered:
                    ordinal += 1
                blocks.append(self.block(part, block, fmt.cn_number(ordinal) if ordinal else "", str(ordinal), p - 1))
            self.parts.append(part.model_copy(update={"blocks": blocks}))
        return self

    def block(self, part: Part, block: S.AnyBlock, n: str, i: str = "", p: int = 0) -> Block:
        if isinstance(block, S.OverviewBlock | S.ProjectsBlock):
            ref = block.content if isinstance(block, S.OverviewBlock) else block.type
            anchor = f"{part.anchor}-{ref}"
            heading = None if block.heading is None else self.fill(block.heading, n=n, i=i)
            if heading is not None:
                self.toc.append(TocEntry(level=2, text=heading, anchor=anchor))
            return Block(type=block.type, ref=ref, anchor=anchor, heading=heading)
        if isinstance(block, S.TableBlock):
            style = NumberStyle(unit=block.unit, **self.spec.numbers.of(block.unit).model_dump())
            landscape = self.spec.table_orientation(p, block) == "landscape"
            table = self.builder.table(block, len(self.tables) + 1, style, landscape)
            table = table.model_copy(
                update={
                    "title": self.fill(table.title),
                    "empty_note": self.fill(table.empty_note) if table.empty_note else table.empty_note,
                }
            )
            self.tables.append(table)
            self.toc.append(
                TocEntry(level=2, text=self.fill(block.toc, n=n, i=i, title=table.title), anchor=table.anchor)
            )
            return Block(type="table", ref=table.anchor, anchor=table.anchor)
        if isinstance(block, S.SectionBlock):
            source = self.computed[block.section]
            anchor = f"section{len(self.sections) + 1}"
            heading = "" if block.heading is None else self.fill(block.heading, n=n, i=i, title=sec.title(source))
            update: dict[str, object] = {"heading": heading, "anchor": anchor}
            if self.projects_placed:  # the format puts the 绩效目标表 in a block of their own
                update["subsections"] = [
                    ss.model_copy(update={"performance_tables": False}) for ss in source.subsections
                ]
            self.sections.append(source.model_copy(update=update))
            if heading:
                self.toc.append(TocEntry(level=2, text=heading, anchor=anchor))
            return Block(type="section", ref=anchor, anchor=anchor)
        return Block(type=block.type, ref=block.type, anchor=f"{part.anchor}-{block.type}")
