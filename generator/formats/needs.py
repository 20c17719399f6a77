"""Which sheets of the workbook a format needs, derived from what its blocks read.

Each block type and each 情况说明 section declares here the input sheets it reads beyond those every
document reads (`ALWAYS`: 基本信息, the line items with their units and projects, the 上年对比 rows every
comparison uses, 补充科目). A format's needs are the union over the blocks it places: data about the
engine's blocks, the same for every region. `disclosure new` and the web's blank workbook write only
these sheets; the reader reports a needed sheet that is missing at the sheet, and reads an unneeded
one that is missing as empty.
"""

from __future__ import annotations

from generator.formats import spec as S
from generator.workbook import schema as W

ALWAYS = (W.SHEET_INFO, W.SHEET_UNITS, W.SHEET_ITEMS, W.SHEET_PROJECTS, W.SHEET_PRIOR, W.SHEET_EXTRA_CODES)

# 情况说明 sections (generator.compute.sections.SECTION_IDS) that read more than ALWAYS.
SECTION_READS: dict[str, tuple[str, ...]] = {
    "fiscal": (W.SHEET_USES,),  # what each 类 is for (“主要用于”)
    # 机关运行经费, 政府采购, 国有资产, and the 项目支出绩效目标表 after 预算绩效情况 (unless placed elsewhere)
    "other": (W.SHEET_FACTS, W.SHEET_INDICATORS),
    "notes": (W.SHEET_FACTS,),  # 政府采购, 车辆和设备 (上海 六)
}
# Other blocks, by type.
BLOCK_READS: dict[str, tuple[str, ...]] = {
    "projects": (W.SHEET_INDICATORS,),  # the 项目支出绩效目标表
    "glossary": (W.SHEET_GLOSSARY,),
}


# 项目信息 columns: every format reads the project's name (the tables list projects); the rest by block.
PROJECT_ALWAYS = ("name",)
_PERFORMANCE = ("manager", "goal", "weight_total", "publish_targets")  # the 项目支出绩效目标表
PROJECT_READS: dict[str, tuple[str, ...]] = {
    # sections, by id
    "projects": ("policy_basis", "undertaker", "allocation", "start_month", "end_month", "period"),
    "other": _PERFORMANCE,  # the 绩效目标表 after 预算绩效情况
    "project_notes": (
        "summary",
        "policy_basis",
        "undertaker",
        "plan",
        "allocation",  # 年度预算安排 (shanghai-putuo-2024 and -2025 print the project's 资金分配情况)
        "start_month",
        "end_month",
        "period",
        "goal",
    ),
    # blocks, by type
    "block:projects": _PERFORMANCE,
}


def project_columns_needed(fmt: S.FormatSpec) -> tuple[str, ...]:
    """The 项目信息 columns `fmt` reads, in the sheet's order."""
    wanted = set(PROJECT_ALWAYS)
    for _, _, block in fmt.blocks():
        key = block.section if isinstance(block, S.SectionBlock) else f"block:{block.type}"
        wanted.update(PROJECT_READS.get(key, ()))
    return tuple(c.key for c in W.PROJECT_COLUMNS if c.key in wanted)


def unread_columns(format_id: str | None) -> dict[str, frozenset[str]]:
    """Sheet → the column keys format `format_id` does not read (none when it is not installed)."""
    from generator.formats import registry
    from generator.formats.loader import FormatInvalid

    try:
        spec = registry.get(format_id or registry.DEFAULT).spec
    except (registry.UnknownFormat, FormatInvalid):
        return {}
    keep = set(project_columns_needed(spec))
    return {W.SHEET_PROJECTS: frozenset(c.key for c in W.PROJECT_COLUMNS if c.key not in keep)}


def sheets_needed(fmt: S.FormatSpec) -> tuple[str, ...]:
    """The input sheets `fmt` reads, in the workbook's order (schema.INPUT_SHEETS)."""
    wanted = set(ALWAYS)
    for _, _, block in fmt.blocks():
        if isinstance(block, S.SectionBlock):
            wanted.update(SECTION_READS.get(block.section, ()))
        else:
            wanted.update(BLOCK_READS.get(block.type, ()))
    return tuple(name for name in W.INPUT_SHEETS if name in wanted)


def sheets_of(format_id: str | None) -> tuple[str, ...]:
    """The sheets of a workbook in format `format_id`: every input sheet when the format is not
    installed or broken (the 格式 cell reports that), else those it needs."""
    from generator.formats import registry
    from generator.formats.loader import FormatInvalid

    try:
        return sheets_needed(registry.get(format_id or registry.DEFAULT).spec)
    except (registry.UnknownFormat, FormatInvalid):  # reported at the 格式 cell
        return W.INPUT_SHEETS
