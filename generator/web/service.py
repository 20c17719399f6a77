"""What the pages show, assembled from the database with the rules of rules.py and headline.py."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from generator.channel import Channel, speak
from generator.headline import Figure, Headline
from generator.issues import Issue
from generator.web import rules
from generator.web.db import BUILD_DONE, DOC_BUDGET, DOC_FINAL, DOCUMENTS, Approval, Build, Department, Version

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


def version_numbers(db: Session, department_id: int, document: str, year: int | None) -> dict[int, int]:
    """Version id → its number within the department's document of one year (the 2027 预算: 1, 2, …, in upload
    order); versions whose workbook gave no 预算年度 are numbered among themselves."""
    of_year = Version.year.is_(None) if year is None else Version.year == year
    ids = db.scalars(
        select(Version.id)
        .where(Version.department_id == department_id, Version.document == document, of_year)
        .order_by(Version.id)
    ).all()
    return {vid: n for n, vid in enumerate(ids, start=1)}


def latest_clean(db: Session, department_id: int, document: str, year: int) -> Version | None:
    """The department's newest version of a document's year that passed check (no errors): what a workbook made
    from that document takes (the 决算 workbook from the year's 预算, and last year's 决算 for its 上年 figures)."""
    return db.scalars(
        select(Version)
        .where(
            Version.department_id == department_id,
            Version.document == document,
            Version.year == year,
            Version.errors == 0,
        )
        .order_by(Version.id.desc())
        .limit(1)
    ).first()


def latest_clean_numbers(groups: list[YearGroup]) -> dict[int, int]:
    """Year → the number of its newest clean version, from `department_years`'s groups (newest first)."""
    numbers = {}
    for g in groups:
        clean = [no for v, no, _h, _b in g.versions if not v.errors]
        if g.year and clean:
            numbers[g.year] = clean[0]
    return numbers


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
    published: Version | None = None  # the version marked 已公开 (publication belongs to a version)
    published_no: int | None = None
    revised_on: dt.date | None = None  # a later version differs: the revision's clock starts here
    document: str = DOC_BUDGET  # which of the department's documents this row is about
    final: BureauRow | None = None  # on a 预算 row of the board: the same department's 决算
    approval: dt.date | None = None  # the 批复 date of this document of this year: its clock counts from it
    year: int | None = None  # the document's 预算年度 (决算: the year the 决算 is of)

    @property
    def late(self) -> int:
        """Days the published version came out after the deadline (0: on time)."""
        return rules.days_late(self.published.published_on if self.published else None, self.deadline)

    @property
    def document_name(self) -> str:
        return DOCUMENTS[self.document]

    @property
    def status_text(self) -> str:
        """The status as shown: 已公开（第1版）, 修订待公开, …"""
        if self.status is rules.Status.PUBLISHED and self.published_no:
            return f"已公开（第{self.published_no}版）"
        return self.status.value


def local_date(t: dt.datetime) -> dt.date:
    return t.replace(tzinfo=dt.UTC).astimezone(CHINA).date()


def department_row(
    dept: Department,
    versions: list[Version],
    on: dt.date,
    document: str = DOC_BUDGET,
    approval: dt.date | None = None,
    year: int | None = None,
) -> BureauRow:
    """One department's document (预算 or 决算) of one year for the board and its own page, with the rules
    of rules.py.

    `versions` are that document's versions of `year` oldest first (their builds loaded); the clock counts
    from `approval`, that document's 批复 date of that year."""
    latest = versions[-1] if versions else None
    facts = []
    for v in versions:
        good = last_good_build(v)
        facts.append(
            rules.VersionFacts(
                uploaded_on=local_date(v.uploaded_at),
                workbook=v.sha256,
                pdf=good.pdf_sha if good else None,
                published=bool(v.published_url),
            )
        )
    published_index, revised_on = rules.publication(facts)
    build = last_good_build(latest) if latest else None
    st = rules.status(
        rules.LatestFacts(
            has_version=latest is not None,
            errors=latest.errors if latest else 0,
            built=build is not None,
            published=published_index is not None,
            revised_on=revised_on,
        )
    )
    dl = rules.deadline(approval, on, revised_on)
    head = headline_of(latest)
    return BureauRow(
        department=dept,
        status=st,
        deadline=dl,
        overdue=rules.overdue(dl, st),
        latest=latest,
        latest_no=len(versions) or None,
        errors=latest.errors if latest else None,
        headline=head,
        build=build,
        figures=head.figures() if head else [],
        published=versions[published_index] if published_index is not None else None,
        published_no=published_index + 1 if published_index is not None else None,
        revised_on=revised_on,
        document=document,
        approval=approval,
        year=year,
    )


def document_year(document: str, publication_year: int) -> int:
    """The 预算年度 of the department's `document` published in `publication_year` (rules.document_year)."""
    return rules.document_year(document == DOC_FINAL, publication_year)


def _years_known(db: Session) -> tuple[list[int], list[int]]:
    """The 预算年度 of every 预算 and of every 决算 that has a version or a 批复 record."""
    budget: set[int] = set()
    final: set[int] = set()
    pairs = db.execute(select(Version.document, Version.year).where(Version.year.is_not(None)).distinct()).all()
    pairs += db.execute(select(Approval.document, Approval.year).distinct()).all()
    for document, year in pairs:
        (final if document == DOC_FINAL else budget).add(year)
    return sorted(budget), sorted(final)


def season(db: Session, on: dt.date) -> int:
    """The current 公开年度 (rules.season over every version and 批复 record)."""
    budget, final = _years_known(db)
    return rules.season(budget, final, on)


def publication_years(db: Session, on: dt.date) -> list[int]:
    """The 公开年度 the board offers, newest first."""
    budget, final = _years_known(db)
    return rules.publication_years(budget, final, on)


def approvals(db: Session, document: str, year: int) -> dict[int, dt.date | None]:
    """Department id → its 批复 date of `document` of 预算年度 `year` (only departments with a record)."""
    rows = db.execute(
        select(Approval.department_id, Approval.approved_on).where(Approval.document == document, Approval.year == year)
    ).all()
    return dict(rows)  # type: ignore[arg-type]


def approval_record(db: Session, department_id: int, document: str, year: int) -> Approval:
    """The (department, document, year) record, made (without a date) when there is none yet."""
    found = db.scalars(
        select(Approval).where(
            Approval.department_id == department_id, Approval.document == document, Approval.year == year
        )
    ).first()
    if found is None:
        found = Approval(department_id=department_id, document=document, year=year)
        db.add(found)
        db.flush()
    return found


def set_approval(db: Session, department_id: int, document: str, year: int, day: dt.date | None) -> None:
    """The bureau enters (or clears) one document's 批复日期 of one year; no other year's record changes."""
    approval_record(db, department_id, document, year).approved_on = day


def bureau_rows(db: Session, on: dt.date, year: int) -> list[BureauRow]:
    """The board of 公开年度 `year`: each department's 预算 of `year` and, beside it, its 决算 of the year
    before (published in `year`); no version of another year is counted."""
    from sqlalchemy.orm import selectinload

    years = {DOC_BUDGET: document_year(DOC_BUDGET, year), DOC_FINAL: document_year(DOC_FINAL, year)}
    by_dept: dict[tuple[int, str], list[Version]] = {}
    for document, of_year in years.items():
        q = (
            select(Version)
            .options(selectinload(Version.builds))
            .where(Version.document == document, Version.year == of_year)
            .order_by(Version.id)
        )
        for v in db.scalars(q):
            by_dept.setdefault((v.department_id, document), []).append(v)
    dates = {document: approvals(db, document, of_year) for document, of_year in years.items()}
    rows = []
    for dept in db.scalars(select(Department).order_by(Department.name)):
        row = department_row(
            dept,
            by_dept.get((dept.id, DOC_BUDGET), []),
            on,
            DOC_BUDGET,
            dates[DOC_BUDGET].get(dept.id),
            years[DOC_BUDGET],
        )
        row.final = department_row(
            dept, by_dept.get((dept.id, DOC_FINAL), []), on, DOC_FINAL, dates[DOC_FINAL].get(dept.id), years[DOC_FINAL]
        )
        rows.append(row)
    return rows


@dataclass
class YearGroup:
    """One year of one of a department's documents on its page: the state and clock, and the versions
    (newest first, each with its number within the year, headline and last good build)."""

    year: int | None
    state: BureauRow
    versions: list[tuple]


def department_years(db: Session, dept: Department, document: str, on: dt.date) -> list[YearGroup]:
    """A department's document grouped by year, newest first: every year with a version or a 批复 record,
    and the current season's year (so a department that has not uploaded yet sees what is due)."""
    from sqlalchemy.orm import selectinload

    by_year: dict[int | None, list[Version]] = {}
    q = (
        select(Version)
        .options(selectinload(Version.builds))
        .where(Version.department_id == dept.id, Version.document == document)
        .order_by(Version.id)
    )
    for v in db.scalars(q):
        by_year.setdefault(v.year, []).append(v)
    dates = dict(
        db.execute(
            select(Approval.year, Approval.approved_on).where(
                Approval.department_id == dept.id, Approval.document == document
            )
        ).all()
    )
    years: set[int] = {y for y in by_year if y is not None} | set(dates)
    years.add(document_year(document, season(db, on)))
    groups = []
    for year in [*sorted(years, reverse=True), *([None] if None in by_year else [])]:
        versions = by_year.get(year, [])
        state = department_row(dept, versions, on, document, dates.get(year), year)
        listed = [(v, n, headline_of(v), last_good_build(v)) for n, v in reversed(list(enumerate(versions, 1)))]
        groups.append(YearGroup(year, state, listed))
    return groups


SORTS = {
    "name": lambda r: r.department.name,
    "status": lambda r: rules.STATUS_ORDER[r.status],
    "days": lambda r: (r.deadline is None, r.deadline.days_left if r.deadline else 0),
    "errors": lambda r: -(r.errors or 0),
    "uploaded": lambda r: r.latest.uploaded_at if r.latest else dt.datetime.min,
    "final-status": lambda r: rules.STATUS_ORDER[r.final.status] if r.final else 0,
    "final-days": lambda r: (
        r.final is None or r.final.deadline is None,
        r.final.deadline.days_left if r.final and r.final.deadline else 0,
    ),
}


def filter_sort(rows: list[BureauRow], status: str, q: str, sort: str, final_status: str = "") -> list[BureauRow]:
    if status:
        rows = [r for r in rows if r.status.value == status]
    if final_status:
        rows = [r for r in rows if r.final is not None and r.final.status.value == final_status]
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


# --- administration ------------------------------------------------------------------------


@dataclass
class Step:
    title: str
    done: bool
    detail: str
    link: str
    label: str


def admin_steps(db: Session) -> list[Step]:
    """What a new bureau does first, and how far it got (the administrator's start page)."""
    from generator.web.db import ROLE_DEPARTMENT, ROLE_REVIEWER, Account

    departments = db.scalar(select(func.count(Department.id))) or 0
    officers = db.scalar(select(func.count(Account.id)).where(Account.role == ROLE_DEPARTMENT)) or 0
    reviewers = db.scalar(select(func.count(Account.id)).where(Account.role == ROLE_REVIEWER)) or 0
    year = season(db, today())
    with_date = (
        db.scalar(
            select(func.count(Approval.id)).where(
                Approval.document == DOC_BUDGET, Approval.year == year, Approval.approved_on.is_not(None)
            )
        )
        or 0
    )
    return [
        Step(
            "创建部门及其预算单位",
            departments > 0,
            f"已有{departments}个部门"
            if departments
            else "每个要公开预算的部门一个；预算单位会预填到该部门的空白工作簿",
            "/admin/departments",
            "部门",
        ),
        Step(
            "为各部门开通账号",
            officers > 0,
            f"已有{officers}个部门账号、{reviewers}个审核账号"
            if officers
            else "为每个部门的填报人员新建账号（一次性密码）或生成邀请链接；财政局审核人员选“财政局审核人员”",
            "/admin/accounts",
            "账号和邀请",
        ),
        Step(
            "核对本年度科目代码表和公开格式",
            False,
            "检查工作簿按年度科目代码表核对功能分类和经济分类科目；公开文件按所选格式生成",
            "/admin/year",
            "科目代码表和格式",
        ),
        Step(
            f"填写各部门{year}年度的预算批复日期",
            departments > 0 and with_date == departments,
            f"{with_date}/{departments}个部门已填写；批复后{rules.DEADLINE_DAYS}日为公开截止日"
            if departments
            else f"在“各部门公开进度”页填写；批复后{rules.DEADLINE_DAYS}日为公开截止日",
            "/bureau",
            "各部门公开进度",
        ),
    ]


AUDIT_PAGE = 50
AUDIT_EXPORT_MAX = 100_000


@dataclass
class AuditFilter:
    text: str = ""
    department_id: int | None = None
    account: str = ""
    action: str = ""
    start: dt.date | None = None
    end: dt.date | None = None

    def query(self) -> str:
        """The filter as a query string (for the page links and the export)."""
        from urllib.parse import urlencode

        pairs = {
            "q": self.text,
            "department": self.department_id or "",
            "account": self.account,
            "action": self.action,
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
        }
        return urlencode({k: v for k, v in pairs.items() if v})


def _utc(day: dt.date) -> dt.datetime:
    """Midnight China time of `day`, as the naive UTC the database stores."""
    return dt.datetime.combine(day, dt.time(), CHINA).astimezone(dt.UTC).replace(tzinfo=None)


def audit_entries(db: Session, f: AuditFilter, page: int = 1, size: int = AUDIT_PAGE) -> tuple[list, int]:
    """One page of the audit log, newest first, and how many entries match."""
    from generator.web.db import AuditEntry

    q = select(AuditEntry)
    if f.department_id:
        q = q.where(AuditEntry.department_id == f.department_id)
    if f.account:
        q = q.where(AuditEntry.username == f.account)
    if f.action:
        q = q.where(AuditEntry.action == f.action)
    if f.start:
        q = q.where(AuditEntry.at >= _utc(f.start))
    if f.end:
        q = q.where(AuditEntry.at < _utc(f.end + dt.timedelta(days=1)))
    if f.text:
        escaped = f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        q = q.where(
            AuditEntry.object.like(like, escape="\\")
            | AuditEntry.detail.like(like, escape="\\")
            | AuditEntry.username.like(like, escape="\\")
            | AuditEntry.client.like(like, escape="\\")
        )
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.scalars(q.order_by(AuditEntry.id.desc()).offset((page - 1) * size).limit(size)).all()
    return list(rows), total


def blank_data(department: str, units: list[str], year: int) -> dict:
    """What the blank workbook of a department is pre-filled with (generator/workbook/template.py's
    `build_workbook` data): the department's name as 单位全称, the year and its budget units."""
    from generator.workbook import schema

    data: dict = {schema.SHEET_INFO: {"单位全称": department, "预算年度": year}}
    if units:
        data[schema.SHEET_UNITS] = [{"预算单位名称": name} for name in units]
    return data


def prepare_summary(stdout: str) -> str:
    """What `prepare` added, for the officer: its own lines, or that nothing was needed."""
    import re

    m = re.search(r"“上年对比”新增(\d+)行，“类用途说明”新增(\d+)行", stdout)
    if m and m[1] == "0" and m[2] == "0":
        return "不需要补全：“上年对比”和“类用途说明”所需的行都已齐全（已记下各条原因对应的本年数）。"
    lines = [line.strip() for line in stdout.splitlines() if line.strip() and not line.startswith(("已更新", "已备份"))]
    if not lines:
        return "已补全，请下载已补全的工作簿查看"
    return speak("已补全：" + "".join(lines) + "请下载已补全的工作簿，填写后重新上传。", Channel.WEB)


def prior_final_label(year: int, number: int) -> str:
    return f"{year}年决算第{number}版"


def prior_final_message(out: dict, year: int, number: int) -> str:
    """What a 决算 workbook made with last year's 决算 version (of `year`, number `number`) took from it (the
    `final-from-budget` job's result `out`), or, when that version could not give its figures, that the workbook was
    made without them and why (its first error)."""
    from generator.compute.wording import wan

    prior = prior_final_label(year, number)
    problem = out.get("prior_problem")
    if problem:
        errors = [Issue.model_validate(e) for e in problem.get("errors", [])]
        why = f"{errors[0].location}：{errors[0].message}" if errors else problem["message"]
        return (
            f"{prior}无法带入上年决算数（{why}），决算工作簿已生成，但“上年决算对比”和年初结转和结余未填："
            f"请按{year}年决算填写，或把{prior}改到没有错误后重新下载"
        )
    parts = [f"{out.get('prior_rows', 0)}行上年决算数"]
    carried = out.get("carried") or {}
    if "carry_in" in carried:
        parts.append(f"年初结转和结余{wan(Decimal(carried['carry_in']))}")
    if out.get("carry_rows"):
        parts.append(f"{out['carry_rows']}行基金结转和结余")
    return f"已从{prior}带入{'、'.join(parts)}（标黄并附批注，请核对）"
