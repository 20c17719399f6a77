"""Metadata and the audit log (SQLAlchemy 2). Files themselves live in the content store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker
from sqlalchemy.pool import NullPool

MIGRATIONS = Path(__file__).parent / "migrations"

ROLE_ADMIN, ROLE_REVIEWER, ROLE_DEPARTMENT = "admin", "reviewer", "department"
ROLES = {ROLE_ADMIN: "财政局管理员", ROLE_REVIEWER: "财政局审核人员", ROLE_DEPARTMENT: "部门填报人员"}

# Audit actions as shown to people (the codes stay stable in the database).
ACTIONS = {
    "login": "登录",
    "login-failed": "登录失败",
    "login-blocked": "登录被限制",
    "logout": "退出登录",
    "password-changed": "修改密码",
    "account-disabled": "停用账号",
    "account-enabled": "启用账号",
    "password-reset": "重置密码",
    "sessions-ended": "结束全部登录",
    "login-unlocked": "解除登录限制",
    "invitation-created": "生成邀请链接",
    "invitation-used": "通过邀请开通账号",
    "department-created": "新建部门",
    "unit-added": "添加预算单位",
    "account-created": "新建账号",
    "approval-date": "设置批复日期",
    "final-approval-date": "设置决算批复日期",
    "upload": "上传工作簿",
    "upload-refused": "上传被拒绝",
    "upload-too-large": "上传文件过大被拒绝",
    "prepare": "补全上年对比",
    "build": "生成公开文件",
    "publish": "标记已公开",
    "compare": "比较版本",
    "export": "导出进度表",
    "download-blank": "下载空白工作簿",
    "download-final-blank": "下载决算工作簿",
    "download-workbook": "下载上传的工作簿",
    "download-annotated": "下载问题标注",
    "download-prepared": "下载已补全工作簿",
    "download-next-year": "下载下一年度工作簿",
    "download-docx": "下载 DOCX",
    "download-pdf": "下载 PDF",
    "download-zip": "下载全部 PDF",
    "catalog-import": "导入科目代码表",
    "catalog-refused": "科目代码表未导入",
    "download-revision-report": "下载修订说明",
    "download-redline": "下载修订稿",
    "export-audit": "导出操作记录",
    "format-set": "设置本局公开格式",
    "department-format-set": "设置部门公开格式",
    "final-format-set": "设置本局决算格式",
    "department-final-format-set": "设置部门决算格式",
}

# A department's two documents of a year; every version belongs to one of them.
DOC_BUDGET, DOC_FINAL = "budget", "final"
DOCUMENTS = {DOC_BUDGET: "预算", DOC_FINAL: "决算"}

BUILD_QUEUED, BUILD_RUNNING, BUILD_DONE, BUILD_FAILED = "queued", "running", "done", "failed"
JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED = "queued", "running", "done", "failed"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Department(Base):
    __tablename__ = "department"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    format_id: Mapped[str | None] = mapped_column(String(100))  # its own 公开格式; None: the bureau's
    final_format_id: Mapped[str | None] = mapped_column(String(100))  # its own 决算 格式; None: the bureau's
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    units: Mapped[list[BudgetUnit]] = relationship(back_populates="department", order_by="BudgetUnit.id")


class Approval(Base):
    """One document's 批复日期 for one year: the 预算 of a 预算年度 or the 决算 of a 决算年度 (the 20-day clock
    counts from it). Made when the bureau enters the date or the first workbook of that year is uploaded."""

    __tablename__ = "approval"
    __table_args__ = (UniqueConstraint("department_id", "document", "year", name="uq_approval_document_year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    document: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)  # 预算年度 (决算: the year the 决算 is of)
    approved_on: Mapped[dt.date | None] = mapped_column(Date)


class Setting(Base):
    """One bureau-wide setting chosen in 系统管理 (such as `format`, the bureau's 公开格式)."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class BudgetUnit(Base):
    __tablename__ = "budget_unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[Department] = relationship(back_populates="units")


class Account(Base):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    department: Mapped[Department | None] = relationship()


class LoginSession(Base):
    """One login: the cookie holds only a random token; its hash is the key here.

    Logging out deletes the row, so a copied cookie stops working; disabling an account,
    resetting or changing its password and "end all logins" delete the account's rows.
    """

    __tablename__ = "login_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    client: Mapped[str | None] = mapped_column(String(100))


class Invitation(Base):
    __tablename__ = "invitation"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    department: Mapped[Department | None] = relationship()


class Version(Base):
    """One uploaded workbook with what `check` found in it. Never changed except its 已公开 mark."""

    __tablename__ = "version"
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    document: Mapped[str] = mapped_column(String(10), default=DOC_BUDGET, server_default=DOC_BUDGET, index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    original_name: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    year: Mapped[int | None] = mapped_column(Integer)
    unit_name: Mapped[str | None] = mapped_column(String(300))
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    issues_json: Mapped[str] = mapped_column(Text, default="[]")
    headline_json: Mapped[str | None] = mapped_column(Text)
    catalog: Mapped[str | None] = mapped_column(String(300))  # the 科目 catalog(s) the check used
    annotated_sha: Mapped[str | None] = mapped_column(String(64))
    prepared_sha: Mapped[str | None] = mapped_column(String(64))
    published_url: Mapped[str | None] = mapped_column(String(1000))
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    department: Mapped[Department] = relationship()
    uploader: Mapped[Account] = relationship(foreign_keys=[uploader_id])
    builds: Mapped[list[Build]] = relationship(back_populates="version", order_by="Build.id")


class Build(Base):
    __tablename__ = "build"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(20), default=BUILD_QUEUED)
    progress: Mapped[str | None] = mapped_column(String(300))
    docx_sha: Mapped[str | None] = mapped_column(String(64))
    pdf_sha: Mapped[str | None] = mapped_column(String(64))
    pages: Mapped[int | None] = mapped_column(Integer)
    seconds: Mapped[float | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    # What the officer should know about the files built (Chinese, one notice a line; build.TOC_UNNUMBERED)
    notices: Mapped[str | None] = mapped_column(Text)
    version: Mapped[Version] = relationship(back_populates="builds")

    @property
    def notice_list(self) -> list[str]:
        return [line for line in (self.notices or "").splitlines() if line]


class Job(Base):
    """One unit of work on uploaded files (check, prepare, diff, next year, build), whichever engine runs it.

    The job interface (generator/jobqueue/) writes it, the pages read it: state, stage, attempts,
    the result (JSON, output files as SHA-256 of the content store) or a Chinese error.
    """

    __tablename__ = "job"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    build_id: Mapped[int | None] = mapped_column(ForeignKey("build.id"), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), default=JOB_QUEUED, index=True)
    stage: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    note: Mapped[str | None] = mapped_column(String(500))  # e.g. why this is a second attempt
    worker: Mapped[str | None] = mapped_column(String(200))  # host:pid of the process running it
    engine_ref: Mapped[int | None] = mapped_column(Integer)  # the engine's own job id (procrastinate)
    spec_json: Mapped[str] = mapped_column(Text, default="{}")
    result_json: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Blob(Base):
    """A file of the content store when the store is the database (`DISCLOSURE_STORE=database`)."""

    __tablename__ = "blob"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class AuditEntry(Base):
    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    username: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    object: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    client: Mapped[str | None] = mapped_column(String(100))


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # No pool: a SQLite connection is a file handle, and a request waiting for a pooled
        # connection would block the event loop.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, poolclass=NullPool)

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    # Routes give their connection back before every long wait; the pool is sized for many
    # simultaneous requests so that none waits for a connection on the event loop.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=40, pool_timeout=10)


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest Alembic revision (from empty on a new database)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def latest_version(db: Session, department_id: int, document: str = DOC_BUDGET) -> Version | None:
    return db.scalars(
        select(Version)
        .where(Version.department_id == department_id, Version.document == document)
        .order_by(Version.id.desc())
        .limit(1)
    ).first()
