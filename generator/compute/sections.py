"""The 情况说明 sections the narrative computes, by the ids a format places them with.

`Narrative.sections_by_name()` returns them by these ids (the templates' file names); a format chooses where each goes and
how its heading reads (`{title}` is the narrative's heading without its ordinal).
"""

from __future__ import annotations

import re

from generator.model import Section

SECTION_IDS: dict[str, str] = {
    "overall": "收支预算情况的总体说明",
    "income": "收入预算情况说明",
    "spending": "支出预算情况说明",
    "fiscal": "财政拨款收支预算情况的总体说明",
    "gpb": "一般公共预算当年拨款情况说明",
    "basic": "一般公共预算基本支出情况说明",
    "projects": "一般公共预算项目支出情况说明",
    "fund": "政府性基金预算拨款情况说明",
    "soe": "国有资本经营预算拨款情况说明",
    "sangong": "财政拨款“三公”经费预算情况说明",
    "other": "其他重要事项的情况说明（机关运行经费、政府采购、国有资产、预算绩效、其他事项）",
    # Formats that explain the budget 项 by 项 and describe projects one by one (generator/compute/narrative_by_item.py).
    "budget": "预算编制说明（收入按类别、财政拨款及三项拨款与上年比较、逐项说明一般公共预算支出）",
    "notes": "其他相关情况说明（“三公”经费逐项、机关运行经费、政府采购、绩效目标设置、车辆按类别）",
    "project_notes": "项目经费情况说明（填写了项目概述的项目逐个说明）",
    # The 部门决算's 第三部分 (generator/compute/final_document.py; 决算 formats only).
    "final_overall": "决算：收入支出决算总体情况说明（与上年决算比较）",
    "final_income": "决算：收入决算情况说明（各类收入及占比）",
    "final_spending": "决算：支出决算情况说明（基本支出、项目支出及占比）",
    "final_fiscal": "决算：财政拨款收入支出决算总体情况说明（与上年决算比较）",
    "final_gpb": "决算：一般公共预算财政拨款支出决算情况说明（总体、结构、逐项完成年初预算）",
    "final_basic": "决算：一般公共预算财政拨款基本支出决算情况说明（人员经费、公用经费）",
    "final_sangong": "决算：财政拨款“三公”经费支出决算情况说明（完成预算、与上年比较、具体情况）",
    "final_fund": "决算：政府性基金预算财政拨款收入支出决算情况说明",
    "final_soe": "决算：国有资本经营预算财政拨款收入支出决算情况说明",
    "final_performance": "决算：预算绩效管理情况",
    "final_other": "决算：其他重要事项的情况说明（机关运行经费、政府采购、国有资产）",
}

_ORDINAL = re.compile(r"^[一二三四五六七八九十]+、")


def by_id(sections: dict[str, Section]) -> dict[str, Section]:
    """The narrative's sections keyed by id (the section templates are named by these ids); a format
    words and places the sections it has (the loader checks both agree)."""
    unknown = [i for i in sections if i not in SECTION_IDS]
    if unknown:
        raise ValueError(f"the section templates word unknown sections {', '.join(unknown)}")
    return sections


def title(section: Section) -> str:
    """The heading without its ordinal: "关于…收入预算情况说明"."""
    return _ORDINAL.sub("", section.heading, count=1)
