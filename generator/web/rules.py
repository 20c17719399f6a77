"""Business rules of the bureau's view: a department's status and its publication deadline.

Plain functions over plain values, no web framework: routes and templates only show what
these return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

DEADLINE_DAYS = 20  # 部门预算在批复后20日内向社会公开


class Status(str, Enum):
    NOT_UPLOADED = "未上传"
    ERRORS = "有错误"
    CLEAN = "待生成"  # latest version has no errors but no documents yet
    BUILT = "已生成"
    PUBLISHED = "已公开"


STATUS_ORDER = {s: n for n, s in enumerate(Status)}


@dataclass(frozen=True)
class LatestFacts:
    """What the status depends on, about the department's newest version."""

    has_version: bool
    errors: int = 0
    built: bool = False  # a successful build of the newest version exists
    published: bool = False  # the newest version is marked 已公开


def status(facts: LatestFacts) -> Status:
    if not facts.has_version:
        return Status.NOT_UPLOADED
    if facts.published:
        return Status.PUBLISHED
    if facts.errors:
        return Status.ERRORS
    if facts.built:
        return Status.BUILT
    return Status.CLEAN


@dataclass(frozen=True)
class Deadline:
    approval: dt.date
    due: dt.date
    days_left: int  # negative when overdue

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def deadline(approval: dt.date | None, today: dt.date) -> Deadline | None:
    """The last day to publish: 20 calendar days after the 批复 date; days left counted from today."""
    if approval is None:
        return None
    due = approval + dt.timedelta(days=DEADLINE_DAYS)
    return Deadline(approval=approval, due=due, days_left=(due - today).days)


def overdue(d: Deadline | None, st: Status) -> bool:
    """Red in the bureau's table: past the deadline and not yet published."""
    return d is not None and d.overdue and st is not Status.PUBLISHED
