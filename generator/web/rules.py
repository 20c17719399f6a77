"""Business rules of the bureau's view: a department's status, its publication deadline, and
what may be marked published.

Plain functions over plain values, no web framework: routes and templates only show what
these return. In the terms of the bureau (README, "网页版的公开规则"):

- A department's documents are due 20 calendar days after its 批复 date (预算法第十四条: 部门预算、决算
  批复后二十日内公开). The 预算 and the 决算 are two documents, each with its own versions, 批复 date
  and clock: the same rules below apply to each on its own (the 决算's from its 决算批复日期).
- Publication belongs to a version: the newest version marked 已公开 is "the published
  version". A later upload does not undo it.
- A later version that differs from the published one (see `differs`) is a revision: the
  department is 修订待公开 with a new 20-day clock counted from the day that first differing
  version was uploaded (the adjustment), until a version at least that new is marked 已公开.
- Only a version whose documents were generated can be marked 已公开 (the text published is
  the text generated), and never one with errors.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum

DEADLINE_DAYS = 20  # 部门预算、决算在批复后20日内向社会公开


class Status(str, Enum):
    NOT_UPLOADED = "未上传"
    ERRORS = "有错误"
    CLEAN = "待生成"  # latest version has no errors but no documents yet
    BUILT = "已生成"
    PUBLISHED = "已公开"
    REVISION_PENDING = "修订待公开"  # published, and a later version differs from the published one


STATUS_ORDER = {s: n for n, s in enumerate(Status)}


@dataclass(frozen=True)
class LatestFacts:
    """What the status depends on: the department's newest version and its published version."""

    has_version: bool
    errors: int = 0  # of the newest version
    built: bool = False  # a successful build of the newest version exists
    published: bool = False  # some version is marked 已公开
    revised_on: dt.date | None = None  # upload day of the first later version that differs from it


def status(facts: LatestFacts) -> Status:
    if not facts.has_version:
        return Status.NOT_UPLOADED
    if facts.published:
        return Status.REVISION_PENDING if facts.revised_on else Status.PUBLISHED
    if facts.errors:
        return Status.ERRORS
    if facts.built:
        return Status.BUILT
    return Status.CLEAN


@dataclass(frozen=True)
class VersionFacts:
    """One version as the publication rules see it (versions are given oldest first)."""

    uploaded_on: dt.date  # China date
    workbook: str  # SHA-256 of the uploaded bytes
    pdf: str | None = None  # SHA-256 of its generated PDF, if built
    published: bool = False


def differs(a: VersionFacts, b: VersionFacts) -> bool:
    """Two versions differ unless they are the same workbook, or both were built into the same PDF.

    Builds are reproducible (the same workbook gives byte-identical documents), so an identical
    PDF means the public text did not change, e.g. a re-saved copy of the same workbook."""
    if a.workbook == b.workbook:
        return False
    return not (a.pdf and b.pdf and a.pdf == b.pdf)


def publication(versions: list[VersionFacts]) -> tuple[int | None, dt.date | None]:
    """(index of the published version, day the revision clock started) over versions oldest first."""
    published = [n for n, v in enumerate(versions) if v.published]
    if not published:
        return None, None
    p = published[-1]
    for later in versions[p + 1 :]:
        if differs(versions[p], later):
            return p, later.uploaded_on
    return p, None


@dataclass(frozen=True)
class Deadline:
    approval: dt.date  # the day the clock started: the 批复 date, or the adjustment for a revision
    due: dt.date
    days_left: int  # negative when overdue
    revision: bool = False

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def deadline(approval: dt.date | None, today: dt.date, revised_on: dt.date | None = None) -> Deadline | None:
    """The last day to publish: 20 calendar days after the 批复 date (or after the adjustment, for a
    revision of published documents); days left counted from today."""
    start = revised_on or approval
    if start is None:
        return None
    due = start + dt.timedelta(days=DEADLINE_DAYS)
    return Deadline(approval=start, due=due, days_left=(due - today).days, revision=revised_on is not None)


def overdue(d: Deadline | None, st: Status) -> bool:
    """Red in the bureau's table: past the deadline and not yet published."""
    return d is not None and d.overdue and st is not Status.PUBLISHED


def days_late(published_on: dt.date | None, d: Deadline | None) -> int:
    """How many days after its deadline a document was published (0: on time, or no deadline/date known)."""
    if published_on is None or d is None:
        return 0
    return max(0, (published_on - d.due).days)


def may_publish(errors: int, built: bool) -> str | None:
    """Why a version cannot be marked 已公开, or None when it can."""
    if errors:
        return "有错误的版本不能标记为已公开"
    if not built:
        return "该版本还没有生成公开文件；请先“生成 DOCX 和 PDF”，把生成的文件在网站公开后再标记"
    return None


def _plain(name: str) -> str:
    return re.sub(r"\s+", "", name or "")


def unit_name_mismatch(workbook_name: str | None, department: str) -> str | None:
    """A warning when the workbook's 单位全称 is not the department it was uploaded to (a wrong file?)."""
    if not workbook_name or _plain(workbook_name) == _plain(department):
        return None
    return (
        f"工作簿的单位全称是“{workbook_name}”，而上传到的部门是“{department}”。"
        "请确认没有选错文件；如果单位全称写错了，请在“基本信息”中改正后重新上传"
        "（公开文件的标题和各表“编制部门”使用工作簿中的单位全称）"
    )


def effective_format(own: str | None, bureau: str | None, default: str) -> str:
    """A department's 公开格式: its own (set by the administrator), else the bureau's, else the tool's default."""
    return own or bureau or default


def format_mismatch(workbook_format: str | None, department_format: str, names: dict[str, str]) -> str | None:
    """A warning when the workbook's 格式 is not its department's 公开格式; `names` gives each installed format's
    Chinese name."""
    if not workbook_format or workbook_format == department_format:
        return None

    def shown(fid: str) -> str:
        return f"“{names[fid]}”（{fid}）" if fid in names else f"“{fid}”"

    return (
        f"工作簿的格式是{shown(workbook_format)}，而本部门的公开格式是{shown(department_format)}。"
        "公开文件按工作簿中的格式生成；如果选错了，请在“基本信息”的“格式”中改为"
        f" {department_format} 后重新上传，或请财政局管理员更改本部门的格式"
    )


FIRST_YEAR = 2023  # the earliest 科目代码表 (generator/catalog/data)


def supported_years(today: dt.date, catalog_years: list[int]) -> range:
    """Budget years a blank workbook can be made for: the first catalog year to next year."""
    first = min(catalog_years, default=FIRST_YEAR)
    return range(first, today.year + 2)


def wrong_document(uploaded: str, page: str) -> str | None:
    """Why an upload cannot be stored on the page of the other document (`uploaded` and `page` are
    the documents' Chinese names, 预算 or 决算), or None when they agree."""
    if uploaded == page:
        return None
    if uploaded == "决算":
        return (
            "上传的是决算工作簿（含“决算情况”等决算表），不能作为预算版本保存，未保存。"
            "请在本页“部门决算”部分上传；预算请上传预算工作簿"
        )
    return (
        "上传的是预算工作簿（没有“决算情况”等决算表），不能作为决算版本保存，未保存。"
        "请在本页“部门预算”部分上传；决算请先下载“由预算生成的决算工作簿”，填写决算数后上传"
    )


# --- 公开年度: which year's documents the bureau's board is about --------------------------------
#
# A 预算 of year Y is approved and published in year Y; a 决算 of year Y-1 is approved and published
# in year Y (the year after it was spent). So the board of 公开年度 Y shows the 预算 of Y beside the
# 决算 of Y-1, and each (department, document, year) has its own 批复日期, state and clock.


def document_year(document_is_final: bool, publication_year: int) -> int:
    """The 预算年度 of the document published in `publication_year` (a 决算 is the previous year's)."""
    return publication_year - 1 if document_is_final else publication_year


def publication_year(document_is_final: bool, year: int) -> int:
    """The 公开年度 in which the document of 预算年度 `year` is published."""
    return year + 1 if document_is_final else year


def season(budget_years: list[int], final_years: list[int], today: dt.date) -> int:
    """The current 公开年度 (the board's default): the newest 预算年度 of any version or 批复 record, 预算 or 决算
    (a 决算 workbook's 预算年度 is the year it is of); today's year when there is none yet."""
    return max([*budget_years, *final_years], default=today.year)


def publication_years(budget_years: list[int], final_years: list[int], today: dt.date) -> list[int]:
    """The 公开年度 the board offers, newest first: every year with a document, the season, today's year and
    the next (so that next year's 批复日期 can be entered before its first upload)."""
    years = {publication_year(False, y) for y in budget_years} | {publication_year(True, y) for y in final_years}
    years |= {season(budget_years, final_years, today), today.year, today.year + 1}
    return sorted(years, reverse=True)


def valid_publication_year(text: str, offered: list[int]) -> int | str:
    """The 公开年度 asked for in `?year=`, or why it cannot be shown (Chinese)."""
    if not text.isdigit() or int(text) not in offered:
        shown = "、".join(str(y) for y in offered)
        return f"公开年度“{text[:20]}”没有可显示的内容：请选择 {shown} 年中的一个"
    return int(text)
