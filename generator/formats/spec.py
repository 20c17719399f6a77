"""The schema of `format.yaml`: identity, number styles, and the document's parts and blocks.

Every model refuses unknown keys, so a misspelt key is an error at its line rather than a
silently ignored setting. Texts with `{…}` placeholders are filled by the engine from computed
values only (`PLACEHOLDERS`); a template never does arithmetic.
"""

from __future__ import annotations

import string
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Placeholders every text may use, with what they stand for (docs/formats.md lists them); block
# headings and 目录 entries may also use {n} (the ordinal in the part) and {title} where stated.
PLACEHOLDERS = {
    "year": "预算年度，如 2023",
    "prior_year": "上一年度（预算年度 − 1）",
    "unit_name": "单位全称",
    "short_name": "单位简称",
}

Unit = Literal["元", "万元"]
# Page orientation: the document's, a part's (default: the document's) and a table's (default: its part's).
Orientation = Literal["portrait", "landscape"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def template_names(text: str) -> list[str]:
    """The placeholder names in `text`."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        raise ValueError("花括号不成对；占位符写作 {year} 这样，文字中的花括号请写成 {{ 和 }}") from None


def _check_template(text: str, local: tuple[str, ...] = ()) -> str:
    allowed = [*PLACEHOLDERS, *local]
    for name in template_names(text):
        if name not in allowed:
            known = "、".join("{" + k + "}" for k in allowed)
            raise ValueError(f"未知的占位符“{{{name}}}”，此处可用的有：{known}")
    return text


Template = Annotated[str, Field(min_length=1)]


class NumberStyle(_Spec):
    """How amounts of one unit are written: `1223.12`, `4,614`, `91,016,775.35`."""

    decimals: int = Field(2, ge=0, le=2)
    drop_zero_fraction: bool = False  # 4614.00 → 4614 (380.73 stays 380.73)
    thousands: bool = False  # 91,016,775.35
    blank_zero: bool = True  # a zero table cell is left blank


class Numbers(_Spec):
    """The number style of each unit (keys 万元 and 元 in the file)."""

    wan: NumberStyle = Field(NumberStyle(), alias="万元")
    yuan: NumberStyle = Field(NumberStyle(thousands=True), alias="元")

    def of(self, unit: str) -> NumberStyle:
        return self.yuan if unit == "元" else self.wan


class TextMoney(_Spec):
    """How the 情况说明 sentences write an amount (`text.money`, or one section's `text.section_money`):
    `1223.12万元`; `686万元`, `57.8万元` with strip_zeros; `4,614万元`, `28.50万元` with drop_zero_fraction."""

    unit: Literal["万元"] = "万元"  # the sentences' figures are computed in 万元
    decimals: int = Field(2, ge=0, le=2)
    thousands: bool = False  # 9,101.68万元
    strip_zeros: bool = False  # 686.00 → 686, 57.80 → 57.8 (rates too: 28.00% → 28%)
    drop_zero_fraction: bool = False  # 4614.00 → 4614 while 28.50 stays 28.50 (rates too)

    def explicit(self) -> dict[str, Any]:
        """Only the settings the file writes (what it overrides of another style)."""
        return self.model_dump(include=self.model_fields_set)


class TextOptions(_Spec):
    """The wording options the section templates read (`options.NAME`)."""

    # 编制数的量词：编制数36名 / 36人 (the staff sentence)
    quota_unit: Literal["名", "人"] = "人"
    # how headings name the body: 关于昌吉州政资局2023年… / 关于{全称}… / 关于{全称}部门… (and 部门预算安排购置…)
    name_in_headings: Literal["简称", "全称", "全称部门"] = "简称"
    # the 预算编制说明 (`budget`) compares each 一般公共预算 项 with last year; false: amount and use only
    compare_items: bool = True

    def explicit(self) -> dict[str, Any]:
        return self.model_dump(include=self.model_fields_set)


class TextSpec(_Spec):
    """`text` in format.yaml: how the 情况说明 sentences write amounts and the wording options. A format
    with `sections_from` and no `text` (or only part of it) takes the rest from the lending format."""

    money: TextMoney = TextMoney()
    # a section's own amount style: the keys of `money` that differ, e.g. {notes: {drop_zero_fraction: true}}
    section_money: dict[str, TextMoney] = {}
    options: TextOptions = TextOptions()

    def over(self, base: TextSpec) -> TextSpec:
        """These settings where the file writes them, `base`'s (the lending format's) elsewhere."""
        money = {**base.money.explicit(), **self.money.explicit()}
        options = {**base.options.explicit(), **self.options.explicit()}
        section_money = {
            name: TextMoney.model_validate(
                {**(base.section_money[name].explicit() if name in base.section_money else {}), **style.explicit()}
            )
            for name, style in self.section_money.items()
        }
        return TextSpec(
            money=TextMoney.model_validate(money),
            section_money={**base.section_money, **section_money},
            options=TextOptions.model_validate(options),
        )


class _Editable(_Spec):
    """A part or block that an edition may change: `by_edition: {单位版: {title: …}}` replaces those
    settings in that edition, `by_edition: {单位版: null}` leaves the part or block out of it. The
    loader applies them (loader.resolve_edition) and checks each edition's result like the file."""

    by_edition: dict[str, dict[str, Any] | None] = Field(default_factory=dict)


class HeadCell(_Spec):
    text: str  # `|` marks where a line may break, `\n` forces a break
    cols: int = Field(1, ge=1)
    rows: int = Field(1, ge=1)


def _head_cell(value: object) -> object:
    return {"text": value} if isinstance(value, str) else value


class EmptyTable(_Spec):
    """What an empty table shows: a note below it and blank rows so it still looks like a table."""

    note: str  # may use the placeholders ({year} …)
    rows: int = Field(0, ge=0, le=40)

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        return _check_template(value)


class TableBlock(_Editable):
    type: Literal["table"]
    kind: str  # one of generator.compute.tables.KINDS (checked by the loader)
    label: str | None = None  # "表1", the line above the title; none: no such line (the 目录 entry may still number it)
    title: str
    unit: Unit = "万元"
    orientation: Orientation | None = None  # None: the part's; a different one puts the table on its own pages
    head: list[list[Annotated[HeadCell, Field()]]]
    total_label: str | None = None  # the 合计 row's label; the kind's own when absent
    row_labels: dict[str, str] = {}  # the kind's fixed row label → this format's wording of it
    # The 功能分类 类 rows of a table that lists one row per 类 (收支总表 …), in order: these always, and
    # any other 类 with an amount after them in code order; none: every 类 of the year's catalogue.
    classes: list[str] | None = None
    empty: EmptyTable | None = None
    toc: Template = "{n}、{title}"

    @field_validator("head", mode="before")
    @classmethod
    def _cells(cls, value: object) -> object:
        if isinstance(value, list):
            return [[_head_cell(c) for c in row] if isinstance(row, list) else row for row in value]
        return value

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _check_template(value)

    @field_validator("toc")
    @classmethod
    def _toc(cls, value: str) -> str:
        return _check_template(value, ("n", "i", "title"))

    @field_validator("classes", mode="before")
    @classmethod
    def _classes(cls, value: object) -> object:
        if not isinstance(value, list):
            return value  # None, or not a list (the schema says so)
        value = [str(c) if isinstance(c, int) else c for c in value]  # YAML reads 201 as a number
        if not all(isinstance(c, str) for c in value):
            return value
        wrong = [c for c in value if not (len(c) == 3 and c.isdigit() and c.startswith("2"))]
        if wrong:
            raise ValueError(f"“{'、'.join(wrong)}”不是功能分类“类”的编码，应为2开头的3位数字，如 201")
        twice = sorted({c for c in value if value.count(c) > 1})
        if twice:
            raise ValueError(f"“{'、'.join(twice)}”写了两次，每个“类”只能写一次")
        if not value:
            raise ValueError("不能是空的列表；要列出全部“类”时请删除 classes")
        return value

    @property
    def numbered(self) -> bool:
        """Counted among its part's numbered items (`{n}`; overviews only with a heading)."""
        return True


class SectionBlock(_Editable):
    """One 情况说明 section computed by the narrative (ids: generator.compute.SECTION_IDS)."""

    type: Literal["section"]
    section: str
    # None: the text follows the part heading directly (not in the 目录), as 上海's “四、部门预算编制说明”
    heading: Template | None = "{n}、{title}"

    @field_validator("heading")
    @classmethod
    def _heading(cls, value: str | None) -> str | None:
        return None if value is None else _check_template(value, ("n", "i", "title"))

    @property
    def numbered(self) -> bool:
        return self.heading is not None


class OverviewBlock(_Editable):
    """A 概况 text from 基本信息: 主要职能, or 机构设置 followed by the staff sentence."""

    type: Literal["overview"]
    content: Literal["functions", "organization"]
    heading: Template | None = None  # none: the text follows the part heading directly (not in the 目录)
    staff: bool = True  # organization: followed by the staff sentence (人员情况)

    @field_validator("heading")
    @classmethod
    def _heading(cls, value: str | None) -> str | None:
        return None if value is None else _check_template(value, ("n", "i"))

    @property
    def numbered(self) -> bool:
        return self.heading is not None


class ProjectsBlock(_Editable):
    """The per-project 项目支出绩效目标表, placed here instead of after the narrative's 预算绩效情况."""

    type: Literal["projects"]
    heading: Template | None = None  # none: the tables follow the previous block directly

    @field_validator("heading")
    @classmethod
    def _heading(cls, value: str | None) -> str | None:
        return None if value is None else _check_template(value, ("n",))

    @property
    def numbered(self) -> bool:
        return self.heading is not None


class GlossaryBlock(_Editable):
    type: Literal["glossary"]
    # each entry: {n} its ordinal (一、二……), {term} and {definition} from the workbook's 名词解释
    item: Template = "{n}、{term}：{definition}"

    @field_validator("item")
    @classmethod
    def _item(cls, value: str) -> str:
        return _check_template(value, ("n", "term", "definition"))


class SignatureBlock(_Editable):
    type: Literal["signature"]


AnyBlock = TableBlock | SectionBlock | OverviewBlock | ProjectsBlock | GlossaryBlock | SignatureBlock
Block = Annotated[AnyBlock, Field(discriminator="type")]
BLOCK_TYPES = ("table", "section", "overview", "projects", "glossary", "signature")


class PartSpec(_Editable):
    heading: Template
    run_on: bool = False  # continues on the page of the previous part instead of a new page
    orientation: Orientation | None = None  # None: the document's
    blocks: list[Block] = Field(min_length=1)

    @field_validator("heading")
    @classmethod
    def _heading(cls, value: str) -> str:
        return _check_template(value)


class Cover(_Spec):
    title: Template
    above: Template | None = "{unit_name}"  # the line above the title (none: no line)
    below: Template | None = None  # the line below it, e.g. 预算主管部门：{unit_name}

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _check_template(value)

    @field_validator("above", "below")
    @classmethod
    def _line(cls, value: str | None) -> str | None:
        return None if value is None else _check_template(value)


class Edition(_Spec):
    """One edition of the document (部门版 / 单位版); the first is the default. Its own cover, file
    name and 编制单位 line replace the format's in that edition (parts and blocks: `by_edition`)."""

    name: Literal["部门版", "单位版"]
    subject: str  # how sentences name the publisher: 本部门 / 本单位
    noun: str = "部门"  # the word for the publisher in this edition's sentences and headings: 部门 / 单位
    cover: Cover | None = None
    file_name: Template | None = None
    unit_line: Template | None = None

    @field_validator("file_name", "unit_line")
    @classmethod
    def _texts(cls, value: str | None) -> str | None:
        return None if value is None else _check_template(value)


class Years(_Spec):
    first: int = Field(ge=2000, le=2100)
    last: int | None = Field(None, ge=2000, le=2100)  # open-ended when absent

    def __contains__(self, year: int) -> bool:
        return year >= self.first and (self.last is None or year <= self.last)

    @property
    def text(self) -> str:
        if self.last is None:
            return f"{self.first}年起"
        return f"{self.first}年" if self.last == self.first else f"{self.first}—{self.last}年"


class FormatSpec(_Spec):
    """One `format.yaml`."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    region: str
    level: str
    document: Literal["预算", "决算"] = "预算"
    editions: list[Edition] = Field(min_length=1)
    years: Years
    comparison_base: Literal["上年预算", "上年执行数"] = "上年预算"
    orientation: Orientation = "portrait"  # the pages of the cover, the 目录 and every part that sets none
    numbers: Numbers = Numbers()
    # The 情况说明 sentences' amount style and wording options; unset ones: those of `sections_from`, else defaults.
    text: TextSpec = TextSpec()
    cover: Cover
    file_name: Template
    unit_line: Template = "编制部门（单位）：{unit_name}"  # above each table, left of 单位：万元
    # The 情况说明 wording: the format's own `sections/` folder, or that of the installed format named here.
    sections_from: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9-]*$")

    @field_validator("unit_line")
    @classmethod
    def _unit_line(cls, value: str) -> str:
        return _check_template(value)

    parts: list[PartSpec] = Field(min_length=1)

    @field_validator("file_name")
    @classmethod
    def _file_name(cls, value: str) -> str:
        return _check_template(value)

    @model_validator(mode="after")
    def _unique_editions(self) -> FormatSpec:
        names = [e.name for e in self.editions]
        if len(set(names)) != len(names):
            raise ValueError("editions 中有重复的版本")
        return self

    def part_orientation(self, p: int) -> str:
        """The orientation of part `p`'s pages: its own, else the document's."""
        return self.parts[p].orientation or self.orientation

    def table_orientation(self, p: int, block: TableBlock) -> str:
        """The orientation of a table of part `p`: its own, else its part's."""
        return block.orientation or self.part_orientation(p)

    def placed_sections(self) -> tuple[str, ...]:
        """The 情况说明 sections this document places, in document order (each worded by `<id>.j2`)."""
        return tuple(block.section for _, _, block in self.blocks() if isinstance(block, SectionBlock))

    @property
    def has_staff(self) -> bool:
        """机构设置 is followed by the staff sentence (`staff.j2`) unless its block says `staff: false`."""
        return any(
            isinstance(block, OverviewBlock) and block.content == "organization" and block.staff
            for _, _, block in self.blocks()
        )

    def blocks(self) -> list[tuple[int, int, AnyBlock]]:
        """(part index, block index, block) in document order."""
        return [(p, b, block) for p, part in enumerate(self.parts) for b, block in enumerate(part.blocks)]
