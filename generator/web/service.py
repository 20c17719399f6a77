"""What the pages show, assembled from the database with the rules of rules.py and headline.py."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from generator.headline import Figure, Headline
from generator.issues import Issue
from generator.web import rules
from generator.web.db import BUILD_DONE, Build, Department, Version

CHINA = dt.timezone(dt.timedelta(hours=8))


def today() -> dt.date:
    return dt.datetime.now(CHINA).date()


def local(t: dt.datetime | None) -> str:
    if t is None:
        return ""
    return t.replace(tzinfo=dt.UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def issues_of(version: Version) -> list[Issue]:
    return [Issue.model_validate(d) for d in json.loads(version.issues_json or "[]")]


def grouped_issues(issues: list[Issue]) -> list[tuple[str, list[Issue]]]:
    """Issues grouped by sheet in the order `check` gives them (first appearance of each sheet)."""
    groups: dict[str, list[Issue]] = {}
    for i in issues:
        groups.setdefault(i.sheet or "整个文件", []).append(i)
    return list(groups.items())


def headline_of(version: Version | None) -> Headline | None:
    if version is None or not version.headline_json:
        return None
    return Headline.model_validate_json(version.headline_json)


def version_numbers(db: Session, department_id: int) -> dict[int, int]:
    """Version id → its number within the department (1, 2, …, in upload order)."""
    ids = db.scalars(select(Version.id).where(Version.department_id == department_id).order_by(Version.id)).all()
    return {vid: n for n, vid in enumerate(ids, start=1)}


def last_good_build(version: Version) -> Build | None:
    done = [b for b in version.builds if b.state == BUILD_DONE and b.pdf_sha]
    return done[-1] if done else None


@dataclass
class BureauRow:
    department: Department
    status: rules.Status
    deadline: rules.Deadline | None
    overdue: bool
    latest: Version | None
    latest_no: int | None
    errors: int | None
    headline: Headline | None
    build: Build | None
    figures: list[Figure] = field(default_factory=list)


def bureau_rows(db: Session, on: dt.date) -> list[BureauRow]:
    rows = []
    latest_ids = dict(
        db.execute(select(Version.department_id, func.max(Version.id)).group_by(Version.department_id)).all()
    )
    counts = dict(
        db.execute(select(Version.department_id, func.count(Version.id)).group_by(Version.department_id)).all()
    )
    for dept in db.scalars(select(Department).order_by(Department.name)):
        latest = db.get(Version, latest_ids[dept.id]) if dept.id in latest_ids else None
        build = last_good_build(latest) if latest else None
        facts = rules.LatestFacts(
            has_version=latest is not None,
            errors=latest.errors if latest else 0,
            built=build is not None,
            published=bool(latest and latest.published_url),
        )
        st = rules.status(facts)
        dl = rules.deadline(dept.approval_date, on)
        head = headline_of(latest)
        rows.append(
            BureauRow(
                department=dept,
                status=st,
                deadline=dl,
                overdue=rules.overdue(dl, st),
                latest=latest,
                latest_no=counts.get(dept.id),
                errors=latest.errors if latest else None,
                headline=head,
                build=build,
                figures=head.figures() if head else [],
            )
        )
    return rows


SORTS = {
    "name": lambda r: r.department.name,
    "status": lambda r: rules.STATUS_ORDER[r.status],
    "days": lambda r: (r.deadline is None, r.deadline.days_left if r.deadline else 0),
    "errors": lambda r: -(r.errors or 0),
    "uploaded": lambda r: r.latest.uploaded_at if r.latest else dt.datetime.min,
}


def filter_sort(rows: list[BureauRow], status: str, q: str, sort: str) -> list[BureauRow]:
    if status:
        rows = [r for r in rows if r.status.value == status]
    if q:
        rows = [r for r in rows if q in r.department.name]
    key = SORTS.get(sort, SORTS["name"])
    return sorted(rows, key=key)


def money(d: Decimal | None) -> str:
    return "" if d is None else f"{d:,.2f}"


def change(f: Figure) -> str:
    c = f.change
    if c is None:
        return "上年数未填"
    if c == 0:
        return "持平"
    return f"{'+' if c > 0 else ''}{c:,.2f}"


@dataclass
class FigureChange:
    label: str
    old: Decimal | None
    new: Decimal | None

    @property
    def delta(self) -> Decimal | None:
        if self.old is None or self.new is None:
            return None
        return self.new - self.old


def compare_headlines(old: Headline | None, new: Headline | None) -> list[FigureChange]:
    labels = [f.label for f in (new or old).figures()] if (new or old) else []
    olds = old.figures() if old else [None] * len(labels)
    news = new.figures() if new else [None] * len(labels)
    return [
        FigureChange(label, o.current if o else None, n.current if n else None)
        for label, o, n in zip(labels, olds, news, strict=True)
    ]
