"""The Starlette application: thin routes over the pipeline, the store and the rules."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from generator.catalog.store import CatalogSource
from generator.channel import Channel, speak
from generator.formats import registry
from generator.issues import warning
from generator.jobqueue import KIND_NAMES, PRIORITY_BULK, PRIORITY_WAITING, JobSpec
from generator.jobqueue.catalogs import CentralCatalogs, shared
from generator.jobqueue.retention import Collector
from generator.jobqueue.setup import make_engine as make_job_engine
from generator.jobqueue.setup import make_store
from generator.render import office
from generator.web import format_admin, jobs, naming, rules, security, service
from generator.web.db import (
    ACTIONS,
    BUILD_DONE,
    BUILD_FAILED,
    BUILD_QUEUED,
    BUILD_RUNNING,
    DOC_BUDGET,
    DOC_FINAL,
    DOCUMENTS,
    ROLE_ADMIN,
    ROLE_DEPARTMENT,
    ROLE_REVIEWER,
    ROLES,
    Account,
    AuditEntry,
    BudgetUnit,
    Build,
    Department,
    Invitation,
    Job,
    LoginSession,
    Version,
    make_engine,
    migrate,
    sessions,
    utcnow,
)
from generator.web.rules import DEADLINE_DAYS, Status
from generator.web.settings import Settings
from generator.workbook import schema

HERE = Path(__file__).parent
SHEET_INFO = schema.SHEET_INFO
UNIT_NAME_CELL = f"B{schema.FIRST_DATA_ROW + [f.key for f in schema.INFO_FIELDS].index('unit_name')}"  # 单位全称
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
INVITE_DAYS = 7


# --- middleware ------------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class Guard:
    """Security headers on every response; request bodies over the limit are never read.

    A request whose Content-Length is over the limit reaches the application with an empty
    body and `request.state.too_large` set, so the route answers with the normal page (the
    limit, a way back) and the audit log records it; a body that grows past the limit while
    it is read raises `_TooLarge` in the route, which answers the same way.
    """

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for k, v in security.HEADERS.items():
                    if k.encode() not in names:
                        headers.append((k.encode(), v.encode()))
                if not scope["path"].startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            scope.setdefault("state", {})["too_large"] = True
            sent = False

            async def nothing() -> Message:
                nonlocal sent
                if sent:
                    return {"type": "http.disconnect"}
                sent = True
                return {"type": "http.request", "body": b"", "more_body": False}

            await self.app(scope, nothing, send_with_headers)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send_with_headers)
        except _TooLarge:
            if not started:
                await _plain(413, "上传的文件过大", send_with_headers)


async def _plain(status: int, text: str, send: Callable[[Message], Awaitable[None]]) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


# --- the application --------------------------------------------------------------------------


class App:
    def __init__(self, settings: Settings) -> None:
        settings.prepare()
        self.settings = settings
        self.engine = make_engine(settings.url)
        migrate(self.engine)
        self.Session = sessions(self.engine)
        self.store = make_store(settings, self.engine)
        # the bureau's imported 科目 catalogs: this machine's folder, or kept centrally with a shared store
        self.central_catalogs = (
            CentralCatalogs(self.Session, self.store, settings.data_dir) if shared(settings.store) else None
        )
        self.local_catalogs = CatalogSource.for_data_dir(settings.data_dir)
        # failures per (account name, client address); an address's total only decides the wording
        self.throttle = security.LoginThrottle(
            settings.login_attempts, settings.login_window, settings.login_attempts * 10
        )
        self.proxies, bad = security.parse_proxies(settings.trusted_proxies)
        if bad:
            raise ValueError(f"DISCLOSURE_TRUSTED_PROXIES 中有无法识别的地址：{'、'.join(bad)}")
        # Checks, builds and the rest go through the job interface (generator/jobqueue/), whichever engine runs them.
        self.queue = make_job_engine(settings, self.Session, self.store)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        env = self.templates.env
        env.globals.update(
            ACTIONS=ACTIONS,
            ROLES=ROLES,
            Status=Status,
            DEADLINE_DAYS=DEADLINE_DAYS,
            INVITE_DAYS=INVITE_DAYS,
            KINDS=KIND_NAMES,
            DOCUMENTS=DOCUMENTS,
            # the 公开年度 ↔ 预算年度 rule, placed by the board and department pages (rules.py holds it)
            document_year=rules.document_year,
            publication_year=rules.publication_year,
        )
        env.filters.update(local=service.local, money=service.money, change=service.change)
        self._recover()
        self.queue.start()
        # refused uploads are kept DISCLOSURE_REFUSED_KEEP_DAYS in the store, then collected (retention.py)
        self.collector = Collector(self.Session, self.store, settings.refused_keep_days)
        self.collector.start()

    @property
    def catalogs(self) -> CatalogSource:
        """The catalogs as every machine sees them now (the central ones' mirror brought up to date)."""
        return self.central_catalogs.source() if self.central_catalogs else self.local_catalogs

    def _recover(self) -> None:
        """Builds left unfinished without a job (from before the job interface) are marked failed."""
        with self.Session.begin() as db:
            for b in db.scalars(select(Build).where(Build.state.in_([BUILD_QUEUED, BUILD_RUNNING]))):
                if db.scalars(select(Job.id).where(Job.build_id == b.id)).first() is None:
                    b.state, b.error, b.finished_at = BUILD_FAILED, "服务重启，生成中断，请重新生成", utcnow()

    def first_admin(self) -> str | None:
        """Create the first administrator when there is no account; returns its one-time password."""
        with self.Session.begin() as db:
            if db.scalars(select(Account).limit(1)).first() is not None:
                return None
            password = security.new_password()
            db.add(
                Account(
                    username="admin",
                    password_hash=security.hash_password(password),
                    role=ROLE_ADMIN,
                    must_change_password=True,
                )
            )
            return password

    # --- helpers ---------------------------------------------------------------------------

    def render(self, request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.update(user=getattr(request.state, "user", None), csrf=security.csrf_token(request.session))
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)

    def client(self, request: Request) -> str:
        """The client's address: the connection's, or X-Forwarded-For from a trusted proxy only."""
        peer = request.client.host if request.client else None
        return security.client_address(peer, request.headers.get("x-forwarded-for"), self.proxies)

    def audit(
        self,
        db: Session,
        request: Request,
        action: str,
        department_id: int | None = None,
        obj: str | None = None,
        detail: str | None = None,
        user: Account | None = None,
    ) -> None:
        user = user or getattr(request.state, "user", None)
        db.add(
            AuditEntry(
                account_id=user.id if user else None,
                username=user.username if user else None,
                action=action,
                department_id=department_id,
                object=obj,
                detail=detail,
                client=self.client(request)[:100],
            )
        )

    def file_response(self, sha: str | None, filename: str, media_type: str) -> Response:
        if not self.store.exists(sha):
            raise HTTPException(404)
        assert sha is not None
        return Response(
            self.store.read(sha),
            media_type=media_type,
            headers={"content-disposition": naming.content_disposition(filename)},
        )

    def close(self) -> None:
        self.collector.stop()
        self.queue.close()
        self.engine.dispose()


# --- access ----------------------------------------------------------------------------------


MAX_ID = 2**63 - 1  # larger ids exist in no database: 404, never an overflow


def _get(db: Session, model: type[Any], ident: int) -> Any:
    return db.get(model, ident) if 0 < ident <= MAX_ID else None


def _login_session(request: Request, db: Session, max_age: int) -> LoginSession | None:
    """The server-side login this request's cookie names, if it still exists and is not too old."""
    token = request.session.get("sid")
    if not isinstance(token, str) or not token:
        return None
    row = db.scalars(select(LoginSession).where(LoginSession.token_hash == security.token_hash(token))).first()
    if row is None or row.created_at < utcnow() - dt.timedelta(seconds=max_age):
        return None
    return row


def _user(request: Request, db: Session, max_age: int) -> Account:
    login = _login_session(request, db, max_age)
    user = db.get(Account, login.account_id) if login else None
    if user is None or not user.active:
        request.session.pop("sid", None)
        raise HTTPException(303, headers={"location": "/login"})
    if user.must_change_password and request.url.path not in ("/password", "/logout"):
        raise HTTPException(303, headers={"location": "/password"})
    request.state.user = user
    return user


def _department(db: Session, user: Account, dept_id: int) -> Department:
    """The department if this account may see it; 404 otherwise (no hint that it exists)."""
    dept = _get(db, Department, dept_id)
    if dept is None or (user.role == ROLE_DEPARTMENT and user.department_id != dept.id):
        raise HTTPException(404)
    return dept


def _version(db: Session, user: Account, vid: int) -> Version:
    v = _get(db, Version, vid)
    if v is None:
        raise HTTPException(404)
    _department(db, user, v.department_id)
    return v


def _build(db: Session, user: Account, bid: int) -> Build:
    b = _get(db, Build, bid)
    if b is None:
        raise HTTPException(404)
    _version(db, user, b.version_id)
    return b


def _may_change(user: Account, dept: Department) -> None:
    """Uploads, prepare, build and 已公开: the department itself, or the administrator."""
    if user.role == ROLE_DEPARTMENT and user.department_id == dept.id:
        return
    if user.role == ROLE_ADMIN:
        return
    raise HTTPException(403)


def _bureau(user: Account) -> None:
    if user.role not in (ROLE_ADMIN, ROLE_REVIEWER):
        raise HTTPException(404)


def _admin(user: Account) -> None:
    if user.role != ROLE_ADMIN:
        raise HTTPException(404)


async def _form(request: Request, db: Session, *, files: int = 0) -> FormData:
    """The submitted form, after its CSRF token is checked (403 without a valid one).

    The session's connection goes back to the pool first: reading a body (an upload over a slow
    line) must never hold a database connection.
    """
    db.commit()
    if getattr(request.state, "too_large", False):
        raise _TooLarge
    form = await request.form(max_files=files, max_fields=50, max_part_size=64 * 1024)
    token = form.get("csrf")
    if not security.csrf_ok(request.session, token if isinstance(token, str) else None):
        raise HTTPException(403, "表单已过期或来源不明，请刷新页面后重试")
    return form


def _text(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _int_param(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _flash(request: Request, url: str, message: str) -> RedirectResponse:
    """Redirect and show `message` once on the next page (kept in the signed session, not in the URL)."""
    request.session["flash"] = message[:500]
    return RedirectResponse(url, 303)


def _home(user: Account) -> str:
    if user.role == ROLE_DEPARTMENT:
        return f"/departments/{user.department_id}"
    return "/bureau"


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    app_state = App(settings)
    A = app_state

    def db_route(
        handler: Callable[..., Awaitable[Response]], *, auth: bool = True
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            db = A.Session()
            try:
                if auth:
                    user = _user(request, db, settings.session_max_age)
                    response = await handler(request, db, user)
                else:
                    response = await handler(request, db)
                db.commit()
                return response
            except HTTPException as exc:
                db.rollback()
                return error_page(request, exc)
            except _TooLarge:
                db.rollback()
                return too_large(request, db)
            except BaseException:
                db.rollback()
                raise
            finally:
                db.close()

        return endpoint

    # --- sign-in ------------------------------------------------------------------------------

    async def index(request: Request, db: Session, user: Account) -> Response:
        return RedirectResponse(_home(user), 303)

    async def login_page(request: Request, db: Session) -> Response:
        return A.render(request, "login.html")

    def start_session(request: Request, db: Session, user: Account) -> None:
        """A new server-side login for `user`; the cookie carries only its random token."""
        token = security.new_token()
        expired = utcnow() - dt.timedelta(seconds=settings.session_max_age)
        db.execute(delete(LoginSession).where(LoginSession.created_at < expired))
        db.add(LoginSession(token_hash=security.token_hash(token), account_id=user.id, client=A.client(request)[:100]))
        request.session.clear()
        request.session["sid"] = token

    def end_sessions(db: Session, account_id: int, keep: LoginSession | None = None) -> int:
        rows = db.scalars(select(LoginSession).where(LoginSession.account_id == account_id)).all()
        ended = 0
        for row in rows:
            if keep is None or row.id != keep.id:
                db.delete(row)
                ended += 1
        return ended

    async def login(request: Request, db: Session) -> Response:
        form = await _form(request, db)
        username, password = _text(form, "username", 100), _text(form, "password", 200)
        client = A.client(request)
        too_many = "登录失败次数过多，请15分钟后再试，或请管理员在“系统管理 › 账号”中解除限制。"
        if A.throttle.refused(username, client):
            A.audit(db, request, "login-blocked", obj=username)
            return A.render(request, "login.html", 429, error=too_many)
        user = db.scalars(select(Account).where(Account.username == username)).first()
        db.commit()  # no connection held during the deliberately slow hash
        ok = await asyncio.to_thread(security.verify_password, user.password_hash, password) if user else False
        if not user:
            await asyncio.to_thread(security.burn_time, password)
        if not ok or not user or not user.active:
            A.throttle.failed(username, client)
            A.audit(db, request, "login-failed", obj=username, detail=None if not user or user.active else "账号已停用")
            if A.throttle.noisy(client):
                return A.render(request, "login.html", 429, error=too_many)
            return A.render(request, "login.html", 400, error="用户名或密码不正确。")
        A.throttle.succeeded(username, client)
        start_session(request, db, user)
        A.audit(db, request, "login", user=user)
        return RedirectResponse("/password" if user.must_change_password else _home(user), 303)

    async def logout(request: Request, db: Session, user: Account) -> Response:
        await _form(request, db)
        login_row = _login_session(request, db, settings.session_max_age)
        if login_row is not None:
            db.delete(login_row)
        A.audit(db, request, "logout")
        request.session.clear()
        return RedirectResponse("/login", 303)

    async def password_page(request: Request, db: Session, user: Account) -> Response:
        return A.render(request, "password.html")

    async def password_change(request: Request, db: Session, user: Account) -> Response:
        form = await _form(request, db)
        old, new, again = (_text(form, n, 300) for n in ("old", "new", "again"))
        if not security.verify_password(user.password_hash, old):
            return A.render(request, "password.html", 400, error="原密码不正确。")
        problem = security.password_problem(new) or (None if new == again else "两次输入的新密码不一致")
        if problem:
            return A.render(request, "password.html", 400, error=problem + "。")
        first = user.must_change_password
        user.password_hash = security.hash_password(new)
        user.must_change_password = False
        ended = end_sessions(db, user.id)  # every login of this account ends, this one included
        start_session(request, db, user)
        A.audit(db, request, "password-changed", detail=f"结束其他登录{ended - 1}个" if ended > 1 else None)
        if first and user.role == ROLE_ADMIN:
            return RedirectResponse("/admin/start", 303)
        return _flash(request, _home(user), "密码已修改。")

    async def invite_page(request: Request, db: Session) -> Response:
        inv = _invitation(db, request.path_params["token"])
        return A.render(request, "invite.html", invitation=inv)

    async def invite_accept(request: Request, db: Session) -> Response:
        inv = _invitation(db, request.path_params["token"])
        form = await _form(request, db)
        username, new, again = _text(form, "username", 100), _text(form, "new", 300), _text(form, "again", 300)
        problem = (
            ("请填写用户名（2–50个字符）" if not 2 <= len(username) <= 50 else None)
            or security.password_problem(new)
            or (None if new == again else "两次输入的密码不一致")
        )
        if problem is None and db.scalars(select(Account).where(Account.username == username)).first():
            problem = "该用户名已被使用，请换一个"
        if problem:
            return A.render(request, "invite.html", 400, invitation=inv, error=problem + "。")
        user = Account(
            username=username,
            password_hash=security.hash_password(new),
            role=inv.role,
            department_id=inv.department_id,
        )
        db.add(user)
        inv.used_at = utcnow()
        db.flush()
        A.audit(db, request, "invitation-used", inv.department_id, f"账号 {username}", user=user)
        start_session(request, db, user)
        return RedirectResponse(_home(user), 303)

    def _invitation(db: Session, token: str) -> Invitation:
        inv = db.scalars(select(Invitation).where(Invitation.token_hash == security.token_hash(token))).first()
        if inv is None or inv.used_at is not None or inv.expires_at < utcnow():
            raise HTTPException(404, "邀请链接无效、已使用或已过期，请联系财政局管理员。")
        return inv

    # --- department ---------------------------------------------------------------------------

    def _document_versions(db: Session, dept: Department, document: str) -> list[Version]:
        return list(
            db.scalars(
                select(Version)
                .where(Version.department_id == dept.id, Version.document == document)
                .order_by(Version.id)
            ).all()
        )

    async def department_page(request: Request, db: Session, user: Account) -> Response:
        """Both documents of the department: the 预算 and, beside it, the 决算, each with its workbook and
        upload, and its versions grouped by year (newest first), each year with its own state and clock."""
        dept = _department(db, user, request.path_params["dept_id"])
        versions = _document_versions(db, dept, DOC_BUDGET)
        finals = _document_versions(db, dept, DOC_FINAL)
        today = service.today()
        groups = service.department_years(db, dept, DOC_BUDGET, today)
        final_groups = service.department_years(db, dept, DOC_FINAL, today)
        years = _years()
        default_year = versions[-1].year if versions and versions[-1].year in years else today.year
        final_year = finals[-1].year if finals and finals[-1].year in years else default_year
        # the 决算 workbook is made from the newest clean 预算 version of its year, with last year's newest clean
        # 决算 version's figures and balances: 决算年度 → that version's label
        sources = service.latest_clean_numbers(groups)
        prior_sources = {
            y + 1: service.prior_final_label(y, n) for y, n in service.latest_clean_numbers(final_groups).items()
        }
        return A.render(
            request,
            "department.html",
            dept=dept,
            groups=groups,
            final_groups=final_groups,
            message=request.session.pop("flash", None),
            max_mb=A.settings.max_upload // (1024 * 1024),
            years=years,
            default_year=default_year if default_year in years else years[-1],
            final_year=final_year if final_year in years else years[-1],
            budget_sources=sources,
            prior_final_sources=prior_sources,
            format_id=format_admin.department_format(db, dept),
            final_format_id=format_admin.department_format(db, dept, DOC_FINAL),
            format_names=format_admin.names(),
        )

    def _years() -> range:
        from generator.catalog import available_years

        return rules.supported_years(service.today(), available_years())

    async def blank_workbook(request: Request, db: Session, user: Account) -> Response:
        dept = _department(db, user, request.path_params["dept_id"])
        text = request.query_params.get("year", "")
        years = _years()
        year = _int_param(text) if text else service.today().year
        if year not in years:
            raise HTTPException(
                400, f"预算年度“{text[:20]}”不在可生成的范围内：请选择{years[0]}—{years[-1]}年之间的年度"
            )
        data_in = service.blank_data(dept.name, [u.name for u in dept.units], year)
        # the department's format, or its district's style for that year (e.g. shanghai-putuo-2025 for 2025)
        format_id = registry.for_year(format_admin.department_format(db, dept), year)

        def make() -> bytes:
            from generator.workbook.template import build_workbook

            buf = io.BytesIO()
            book = build_workbook(
                data_in, year=year, catalog=A.catalogs.resolve(year), format_id=format_id, channel=Channel.WEB
            )
            book.save(buf)
            return buf.getvalue()

        data = await asyncio.to_thread(make)
        A.audit(db, request, "download-blank", dept.id, f"{year}年空白工作簿")
        return Response(
            data,
            media_type=XLSX,
            headers={
                "content-disposition": naming.content_disposition(
                    naming.safe_filename(f"{dept.name}{year}年部门预算公开填报工作簿", ".xlsx")
                )
            },
        )

    async def final_workbook(request: Request, db: Session, user: Account) -> Response:
        """The year's 决算 workbook: made from the department's newest clean 预算 version of that year
        (`disclosure final-from-budget`: units, codes, projects and 年初预算数 come over), or blank;
        in the department's 决算 format."""
        dept = _department(db, user, request.path_params["dept_id"])
        text = request.query_params.get("year", "")
        years = _years()
        year = _int_param(text) if text else service.today().year
        if year not in years:
            raise HTTPException(
                400, f"决算年度“{text[:20]}”不在可生成的范围内：请选择{years[0]}—{years[-1]}年之间的年度"
            )
        format_id = format_admin.department_format(db, dept, DOC_FINAL)
        back = f"/departments/{dept.id}#final"
        if request.query_params.get("source", "budget") == "blank":
            data_in = service.blank_data(dept.name, [u.name for u in dept.units], year)

            def make() -> bytes:
                from generator.workbook.template import build_workbook

                buf = io.BytesIO()
                book = build_workbook(
                    data_in,
                    year=year,
                    catalog=A.catalogs.resolve(year),
                    format_id=format_id,
                    final=True,
                    channel=Channel.WEB,
                )
                book.save(buf)
                return buf.getvalue()

            data = await asyncio.to_thread(make)
            detail = f"{year}年空白决算工作簿"
        else:
            source = service.latest_clean(db, dept.id, DOC_BUDGET, year)
            if source is None:
                return _flash(
                    request,
                    back,
                    f"本部门还没有{year}年通过检查的预算版本，无法由预算生成决算工作簿："
                    f"请先上传{year}年预算工作簿并改到没有错误，或改为下载空白决算工作簿",
                )
            no = service.version_numbers(db, dept.id, DOC_BUDGET, year)[source.id]
            inputs, params = {"workbook": source.sha256}, {"format": format_id}
            # last year's 决算 (its newest clean version) gives 上年决算对比 and the 年初结转和结余
            prior = service.latest_clean(db, dept.id, DOC_FINAL, year - 1)
            prior_no = service.version_numbers(db, dept.id, DOC_FINAL, year - 1)[prior.id] if prior else 0
            if prior is not None:
                inputs["prior_final"] = prior.sha256
                params["prior_name"] = f"决算第{prior_no}版.xlsx"  # its cell comments name it so
            try:
                out = await work(db, "final-from-budget", dept.id, inputs, **params)
            except jobs.JobFailed as exc:
                return _flash(request, back, f"{exc}")
            if not out.get("ok"):
                return _flash(
                    request, back, f"预算第{no}版有错误，无法生成决算工作簿；请上传改正后的{year}年预算工作簿"
                )
            data = await asyncio.to_thread(A.store.read, out["workbook"])
            detail = f"{year}年决算工作簿（由预算第{no}版生成）"
            if prior is not None:
                label = service.prior_final_label(year - 1, prior_no)
                used = "未能带入" if out.get("prior_problem") else "带入上年决算数和年初结转和结余"
                detail = f"{year}年决算工作簿（由预算第{no}版生成，{label}{used}）"
                # shown on the department page once the download is done (the page stays where it was)
                request.session["flash"] = service.prior_final_message(out, year - 1, prior_no)[:500]
        A.audit(db, request, "download-final-blank", dept.id, detail, format_id)
        return Response(
            data,
            media_type=XLSX,
            headers={
                "content-disposition": naming.content_disposition(
                    naming.safe_filename(f"{dept.name}{year}年部门决算公开填报工作簿", ".xlsx")
                )
            },
        )

    async def work(db: Session, kind: str, dept_id: int, inputs: dict[str, str], **params: Any) -> dict:
        """A check, prepare, diff or next-year job through the job interface, waited for here (fair
        across departments, in a memory- and time-limited process); the database connection is
        given back meanwhile. Raises `jobs.JobFailed` with the job's Chinese message."""
        db.commit()
        job_id = await asyncio.to_thread(A.queue.submit, JobSpec(kind, inputs, dept_id, params=params))
        view = await A.queue.wait(job_id, A.settings.check_timeout * 2 + 60)  # its own limit, and the queue
        if view.state == "done" and view.result is not None:
            return view.result
        raise jobs.JobFailed(view.error or "处理仍在排队或进行中，请稍后再试")

    async def upload(request: Request, db: Session, user: Account) -> Response:
        return await _upload(request, db, user, DOC_BUDGET)

    async def upload_final(request: Request, db: Session, user: Account) -> Response:
        return await _upload(request, db, user, DOC_FINAL)

    async def _upload(request: Request, db: Session, user: Account, document: str) -> Response:
        dept = _department(db, user, request.path_params["dept_id"])
        _may_change(user, dept)
        form = await _form(request, db, files=1)
        upload = form.get("workbook")
        if not isinstance(upload, UploadFile):
            return _flash(request, f"/departments/{dept.id}", "请选择要上传的工作簿")
        data = await upload.read(A.settings.max_upload + 1)
        if len(data) > A.settings.max_upload:
            raise _TooLarge
        original = (upload.filename or "workbook.xlsx").replace("\\", "/").rsplit("/", 1)[-1][:200]
        sha = await asyncio.to_thread(A.store.put, data)  # the checking worker may be another machine
        params = {"original": original, "size": len(data), "uploader": user.id, "document": document}
        db.commit()
        job_id = await asyncio.to_thread(A.queue.submit, JobSpec("check", {"workbook": sha}, dept.id, params=params))
        view = await A.queue.wait(job_id, A.settings.check_page_after)
        if not view.finished:  # queued behind others: a page that says where it stands
            return RedirectResponse(f"/checks/{job_id}", 303)
        return _checked(request, db, dept, job_id)

    def _checked(request: Request, db: Session, dept: Department, job_id: int) -> Response:
        """The end of an upload's check: its version (made once, whoever asks first), or why there is none."""
        job = db.get(Job, job_id, with_for_update=True)
        assert job is not None and job.kind == "check" and job.department_id == dept.id
        spec = json.loads(job.spec_json)
        params, sha = spec.get("params", {}), spec["inputs"]["workbook"]
        original = params.get("original", "workbook.xlsx")
        found = json.loads(job.result_json) if job.result_json else None
        if found is not None and found.get("version_id"):
            return RedirectResponse(f"/versions/{found['version_id']}", 303)
        if job.state != "done" or found is None or "refused" in found:
            messages = found["refused"] if found and "refused" in found else [job.error or "处理失败"]
            A.audit(db, request, "upload-refused", dept.id, original, "；".join(messages))
            return A.render(request, "refused.html", 422, dept=dept, messages=messages)
        document = params.get("document", DOC_BUDGET)
        wrong = rules.wrong_document(DOCUMENTS[found.get("document", DOC_BUDGET)], DOCUMENTS[document])
        if wrong:  # nothing is stored as the wrong kind
            A.audit(db, request, "upload-refused", dept.id, original, wrong)
            title = f"上传的不是{DOCUMENTS[document]}工作簿"
            return A.render(request, "refused.html", 422, dept=dept, messages=[wrong], title=title)
        annotated = found["annotated"]
        issues = found["issues"]
        mismatch = rules.unit_name_mismatch(found["unit_name"], dept.name)
        named = (
            warning("unit-name-differs", mismatch, SHEET_INFO, UNIT_NAME_CELL, found["unit_name"]) if mismatch else None
        )
        differs = format_admin.upload_warning(db, dept, found["format"], document, found.get("year"))
        at = sum(1 for i in issues if i["severity"] == "error")
        # the first warnings, after the errors: a wrong file (or format) makes the rest moot
        issues[at:at] = [w for w in (named.model_dump(mode="json") if named else None, differs) if w]
        errors = sum(1 for i in issues if i["severity"] == "error")
        version = Version(
            department_id=dept.id,
            document=document,
            uploader_id=params.get("uploader"),
            original_name=original,
            size=params.get("size", 0),
            sha256=sha,
            year=found["year"],
            unit_name=(found["unit_name"] or "")[:300] or None,
            errors=errors,
            warnings=len(issues) - errors,
            issues_json=jobs.dumps(issues),
            headline_json=jobs.dumps(found["headline"]) if found["headline"] else None,
            annotated_sha=annotated,
            catalog=found["catalog"],
        )
        db.add(version)
        db.flush()
        if version.year is not None:  # the year's 批复 record (its date is entered on the board)
            service.approval_record(db, dept.id, document, version.year)
        job.result_json = jobs.dumps({**found, "version_id": version.id})
        what = f"决算版本 {version.id}" if document == DOC_FINAL else f"版本 {version.id}"
        year_text = f"{version.year}年{DOCUMENTS[document]}，" if version.year else "未填预算年度，"
        A.audit(db, request, "upload", dept.id, what, f"{year_text}{original}，{errors}个错误")
        return RedirectResponse(f"/versions/{version.id}", 303)

    async def check_page(request: Request, db: Session, user: Account) -> Response:
        """Where an upload's check stands while it waits or runs; its version once it has ended."""
        job = db.get(Job, request.path_params["job_id"])
        if job is None or job.kind != "check" or job.department_id is None:
            raise HTTPException(404)
        dept = _department(db, user, job.department_id)
        _may_change(user, dept)
        view = await asyncio.to_thread(A.queue.view, job.id)
        if view is not None and view.finished:
            return _checked(request, db, dept, job.id)
        return A.render(request, "check.html", dept=dept, job=view)

    async def version_page(request: Request, db: Session, user: Account) -> Response:
        v = _version(db, user, request.path_params["vid"])
        numbers = service.version_numbers(db, v.department_id, v.document, v.year)
        issues = service.issues_of(v)
        others = [(vid, n) for vid, n in numbers.items() if vid != v.id]
        build = service.last_good_build(v)
        return A.render(
            request,
            "version.html",
            v=v,
            no=numbers[v.id],
            dept=v.department,
            groups=service.grouped_issues(issues),
            headline=service.headline_of(v),
            build=build,
            publish_problem=rules.may_publish(v.errors, build is not None),
            builds=list(reversed(v.builds)),
            others=others,
            message=request.session.pop("flash", None),
            may_change=user.role in (ROLE_ADMIN, ROLE_DEPARTMENT),
            today=service.today().isoformat(),
            prepared=format_admin.prepared_sheets(db, v.department, v.document, v.year),
        )

    def _version_file(what: str, attr: str, label: str) -> Callable[..., Awaitable[Response]]:
        async def handler(request: Request, db: Session, user: Account) -> Response:
            v = _version(db, user, request.path_params["vid"])
            no = service.version_numbers(db, v.department_id, v.document, v.year)[v.id]
            sha = getattr(v, attr)
            if not sha:
                raise HTTPException(404)
            A.audit(db, request, f"download-{what}", v.department_id, f"版本 {v.id}")
            return A.file_response(sha, naming.version_file_name(v.department.name, no, label, ".xlsx"), XLSX)

        return handler

    async def prepare(request: Request, db: Session, user: Account) -> Response:
        v = _version(db, user, request.path_params["vid"])
        _may_change(user, v.department)
        await _form(request, db)
        if v.prepared_sha is None:
            try:
                out = await work(db, "prepare", v.department_id, {"workbook": v.sha256})
            except jobs.JobFailed as exc:
                return _flash(request, f"/versions/{v.id}", f"{exc}")
            if not out["prepared"]:
                text = (out["stderr"] or out["stdout"]).strip().splitlines()
                said = speak(text[-1], Channel.WEB) if text else ""
                return _flash(request, f"/versions/{v.id}", f"无法补全：{said}")
            v.prepared_sha = out["prepared"]
            said = service.prepare_summary(out["stdout"])
            A.audit(db, request, "prepare", v.department_id, f"版本 {v.id}", said)
            return _flash(request, f"/versions/{v.id}", said)
        return _flash(request, f"/versions/{v.id}", "该版本已经补全过，请下载已补全的工作簿")

    async def build(request: Request, db: Session, user: Account) -> Response:
        v = _version(db, user, request.path_params["vid"])
        _may_change(user, v.department)
        await _form(request, db)
        if v.errors:
            return _flash(request, f"/versions/{v.id}", "工作簿有错误，请修改后重新上传")
        running = [b for b in v.builds if b.state in (BUILD_QUEUED, BUILD_RUNNING)]
        if running:
            return RedirectResponse(f"/builds/{running[-1].id}", 303)
        b, start = _start_build(db, request, v, user)
        await asyncio.to_thread(start)  # the first build may wait for the pool's warm-up: not on the event loop
        return RedirectResponse(f"/builds/{b.id}", 303)

    def _start_build(
        db: Session, request: Request, v: Version, user: Account, priority: int = PRIORITY_WAITING
    ) -> tuple[Build, Callable[[], None]]:
        """Record a queued build; returns it and the function that submits its job (generator/jobqueue/)."""
        b = Build(version_id=v.id, requested_by=user.id, state=BUILD_QUEUED, progress="排队等待中")
        db.add(b)
        db.flush()
        A.audit(db, request, "build", v.department_id, f"版本 {v.id}", f"{_year_name(v)}，生成 {b.id}")
        db.commit()
        spec = JobSpec("build", {"workbook": v.sha256}, v.department_id, build_id=b.id, priority=priority)

        def start() -> None:
            A.queue.submit(spec)

        return b, start

    async def build_page(request: Request, db: Session, user: Account) -> Response:
        b = _build(db, user, request.path_params["bid"])
        v = b.version
        no = service.version_numbers(db, v.department_id, v.document, v.year)[v.id]
        job = await asyncio.to_thread(A.queue.view_of_build, b.id)
        return A.render(
            request,
            "build.html",
            b=b,
            v=v,
            no=no,
            dept=v.department,
            job=job,
            running=b.state in (BUILD_QUEUED, BUILD_RUNNING),
            office_missing=office.missing_notice(),  # the DOCX 目录 then has no page numbers
        )

    def _build_file(fmt: str, media: str) -> Callable[..., Awaitable[Response]]:
        async def handler(request: Request, db: Session, user: Account) -> Response:
            b = _build(db, user, request.path_params["bid"])
            v = b.version
            no = service.version_numbers(db, v.department_id, v.document, v.year)[v.id]
            sha = b.pdf_sha if fmt == "pdf" else b.docx_sha
            if b.state != BUILD_DONE or not sha:
                raise HTTPException(404)
            A.audit(db, request, f"download-{fmt}", v.department_id, f"生成 {b.id}")
            name = naming.document_name(v.department.name, v.year, no, f".{fmt}", DOCUMENTS[v.document])
            return A.file_response(sha, name, media)

        return handler

    async def publish(request: Request, db: Session, user: Account) -> Response:
        v = _version(db, user, request.path_params["vid"])
        _may_change(user, v.department)
        form = await _form(request, db)
        url, day = _text(form, "url", 1000), _date(_text(form, "date", 20))
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return _flash(request, f"/versions/{v.id}", "请填写以 http:// 或 https:// 开头的公开网址")
        if day is None:
            return _flash(request, f"/versions/{v.id}", "请填写公开日期")
        problem = rules.may_publish(v.errors, service.last_good_build(v) is not None)
        if problem:
            return _flash(request, f"/versions/{v.id}", problem)
        v.published_url, v.published_on, v.published_by = url, day, user.id
        A.audit(db, request, "publish", v.department_id, f"版本 {v.id}", f"{_year_name(v)}：{url} {day}")
        return _flash(request, f"/versions/{v.id}", "已标记为已公开")

    async def next_year(request: Request, db: Session, user: Account) -> Response:
        v = _version(db, user, request.path_params["vid"])
        if v.errors or not v.year or v.document != DOC_BUDGET:
            raise HTTPException(404)
        try:
            out = await work(db, "next-year", v.department_id, {"workbook": v.sha256})
        except jobs.JobFailed as exc:
            return _flash(request, f"/versions/{v.id}", f"{exc}")
        if not out["ok"]:
            return _flash(request, f"/versions/{v.id}", "该版本有错误，无法生成下一年度工作簿")
        data = A.store.read(out["workbook"])
        A.audit(db, request, "download-next-year", v.department_id, f"版本 {v.id}", f"{out['year']}年")
        name = naming.safe_filename(f"{v.department.name}{out['year']}年部门预算公开填报工作簿", ".xlsx")
        return Response(data, media_type=XLSX, headers={"content-disposition": naming.content_disposition(name)})

    def _year_name(v: Version) -> str:
        return f"{v.year}年{DOCUMENTS[v.document]}" if v.year else f"未填年度的{DOCUMENTS[v.document]}"

    async def compare(request: Request, db: Session, user: Account) -> Response:
        dept = _department(db, user, request.path_params["dept_id"])
        a, b = _int_param(request.query_params.get("a")), _int_param(request.query_params.get("b"))
        va = _version(db, user, a) if a else None
        vb = _version(db, user, b) if b else None
        if va is None or vb is None or va.department_id != dept.id or vb.department_id != dept.id:
            raise HTTPException(404)
        if va.document != vb.document:
            raise HTTPException(404, "预算和决算是两份文件，不能相互比较；请在同一份文件的版本之间比较")
        if va.year != vb.year:
            raise HTTPException(404, f"{_year_name(va)}和{_year_name(vb)}分属不同年度，请在同一年度的版本之间比较")
        numbers = service.version_numbers(db, dept.id, va.document, va.year)
        changes = service.compare_headlines(service.headline_of(va), service.headline_of(vb))
        report, problem = None, None
        if va.id == vb.id:
            problem = "请选择两个不同的版本"
        elif va.errors or vb.errors:
            problem = "有错误的版本无法逐项比较公开内容，下面只列出主要数字"
        else:
            names = {"old_name": f"第{numbers[va.id]}版.xlsx", "new_name": f"第{numbers[vb.id]}版.xlsx"}
            try:
                out = await work(db, "diff", dept.id, {"old": va.sha256, "new": vb.sha256}, **names)
            except jobs.JobFailed as exc:
                out = {"errors": str(exc)}
            if "report" in out:
                from generator.diff import DiffReport

                report = DiffReport.model_validate(out["report"])
            else:
                problem = f"无法比较：{out['errors']}"
        from generator.web.revisions import summary

        A.audit(db, request, "compare", dept.id, f"版本 {va.id} → {vb.id}")
        return A.render(
            request,
            "compare.html",
            dept=dept,
            va=va,
            vb=vb,
            na=numbers[va.id],
            nb=numbers[vb.id],
            changes=changes,
            report=report,
            summary=summary(report) if report else None,
            problem=problem,
        )

    async def compare_file(request: Request, db: Session, user: Account) -> Response:
        """修订说明.xlsx or 修订稿（修订模式）.docx of two versions (`disclosure diff`'s own outputs)."""
        from generator.web import revisions

        dept = _department(db, user, request.path_params["dept_id"])
        what = request.path_params["what"]
        if what not in revisions.FILES:
            raise HTTPException(404)
        a, b = _int_param(request.query_params.get("a")), _int_param(request.query_params.get("b"))
        va = _version(db, user, a) if a else None
        vb = _version(db, user, b) if b else None
        if va is None or vb is None or va.department_id != dept.id or vb.department_id != dept.id or va.id == vb.id:
            raise HTTPException(404)
        if va.document != vb.document:
            raise HTTPException(404, "预算和决算是两份文件，不能相互比较；请在同一份文件的版本之间比较")
        if va.year != vb.year:
            raise HTTPException(404, f"{_year_name(va)}和{_year_name(vb)}分属不同年度，请在同一年度的版本之间比较")
        if va.errors or vb.errors:
            raise HTTPException(404, "有错误的版本无法生成修订说明和修订稿")
        numbers = service.version_numbers(db, dept.id, va.document, va.year)
        na, nb = numbers[va.id], numbers[vb.id]
        names = {"old_name": f"第{na}版.xlsx", "new_name": f"第{nb}版.xlsx"}
        try:
            out = await work(db, "revisions", dept.id, {"old": va.sha256, "new": vb.sha256}, **names)
        except jobs.JobFailed as exc:
            raise HTTPException(404, f"无法比较：{exc}") from None
        if "files" not in out:
            raise HTTPException(404, f"无法比较：{out['errors']}")
        data = await asyncio.to_thread(A.store.read, out["files"][revisions.FILES[what]])
        kind = "download-revision-report" if what == "report.xlsx" else "download-redline"
        A.audit(db, request, kind, dept.id, f"版本 {va.id} → {vb.id}")
        stem = revisions.FILES[what].rsplit(".", 1)[0]
        suffix = "." + what.rsplit(".", 1)[1]
        doc = "决算" if va.document == DOC_FINAL else ""
        name = naming.safe_filename(f"{dept.name}-{doc}第{na}版至第{nb}版-{stem}", suffix)
        return Response(
            data,
            media_type=XLSX if suffix == ".xlsx" else DOCX,
            headers={"content-disposition": naming.content_disposition(name)},
        )

    # --- bureau -------------------------------------------------------------------------------

    def _publication_year(db: Session, text: str) -> tuple[int, list[int]]:
        """The 公开年度 asked for (`?year=` or the form's `year`; the current season when not given) and
        the years offered; a year with nothing to show is refused with the ones there are."""
        today = service.today()
        offered = service.publication_years(db, today)
        if not text:
            return service.season(db, today), offered
        year = rules.valid_publication_year(text, offered)
        if isinstance(year, str):
            raise HTTPException(400, year)
        return year, offered

    def _rows(request: Request, db: Session) -> tuple[list[service.BureauRow], dict[str, str], int, list[int]]:
        q = request.query_params
        year, offered = _publication_year(db, q.get("year", "").strip())
        params = {
            "status": q.get("status", "")[:10],
            "final_status": q.get("final_status", "")[:10],
            "q": q.get("q", "")[:100],
            "sort": q.get("sort", "name")[:20],
        }
        rows = service.filter_sort(service.bureau_rows(db, service.today(), year), **params)
        return rows, params, year, offered

    async def bureau(request: Request, db: Session, user: Account) -> Response:
        _bureau(user)
        rows, params, year, offered = _rows(request, db)
        return A.render(
            request,
            "bureau.html",
            rows=rows,
            params=params,
            year=year,
            years=offered,
            final_year=service.document_year(DOC_FINAL, year),
            statuses=list(Status),
            message=request.session.pop("flash", None),
            today=service.today(),
        )

    async def bureau_export(request: Request, db: Session, user: Account) -> Response:
        _bureau(user)
        rows, _, year, _ = _rows(request, db)
        from generator.web.export import bureau_xlsx

        final_year = service.document_year(DOC_FINAL, year)
        data = await asyncio.to_thread(bureau_xlsx, rows, service.today(), year, final_year)
        A.audit(db, request, "export", detail=f"{year}公开年度（{year}年预算、{final_year}年决算）")
        name = naming.safe_filename(f"{year}年部门预算决算公开进度{service.today().isoformat()}", ".xlsx")
        return Response(data, media_type=XLSX, headers={"content-disposition": naming.content_disposition(name)})

    async def build_all(request: Request, db: Session, user: Account) -> Response:
        _bureau(user)
        form = await _form(request, db)
        year, _ = _publication_year(db, _text(form, "year", 10))
        started = 0
        rows = service.bureau_rows(db, service.today(), year)
        for row in [*rows, *(r.final for r in rows if r.final is not None)]:
            v = row.latest
            if v is None or v.errors or row.build is not None:
                continue
            if any(b.state in (BUILD_QUEUED, BUILD_RUNNING) for b in v.builds):
                continue
            _, start = _start_build(db, request, v, user, PRIORITY_BULK)
            await asyncio.to_thread(start)
            started += 1
        final_year = service.document_year(DOC_FINAL, year)
        return _flash(
            request,
            f"/bureau?year={year}",
            f"{year}公开年度（{year}年预算、{final_year}年决算）：已开始生成{started}个部门的公开文件，请稍后刷新查看",
        )

    async def bureau_zip(request: Request, db: Session, user: Account) -> Response:
        _bureau(user)
        year, _ = _publication_year(db, request.query_params.get("year", "").strip())
        buf = io.BytesIO()
        count = 0
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            rows = service.bureau_rows(db, service.today(), year)
            for row in [*rows, *(r.final for r in rows if r.final is not None)]:
                if row.build is None or row.latest is None:
                    continue
                name = naming.document_name(
                    row.department.name, row.latest.year, row.latest_no or 0, ".pdf", row.document_name
                )
                zf.writestr(name, A.store.read(row.build.pdf_sha or ""))
                count += 1
        final_year = service.document_year(DOC_FINAL, year)
        A.audit(db, request, "download-zip", detail=f"{year}公开年度（{year}年预算、{final_year}年决算）{count}个PDF")
        name = naming.safe_filename(f"{year}年部门预算决算公开PDF{service.today().isoformat()}", ".zip")
        return Response(
            buf.getvalue(),
            media_type="application/zip",
            headers={"content-disposition": naming.content_disposition(name)},
        )

    async def set_approval(request: Request, db: Session, user: Account) -> Response:
        """The board's 批复日期 forms: the date of one document of the board's 公开年度 (the 预算 of that year,
        or the 决算 of the year before); no other year's date changes."""
        _bureau(user)
        dept = _department(db, user, request.path_params["dept_id"])
        form = await _form(request, db)
        year, _ = _publication_year(db, _text(form, "year", 10))
        document = DOC_FINAL if _text(form, "document", 10) == DOC_FINAL else DOC_BUDGET
        final = document == DOC_FINAL
        of_year = service.document_year(document, year)
        back = f"/bureau?year={year}"
        text = _text(form, "final_approval_date" if final else "approval_date", 20)
        day = _date(text) if text else None
        if text and day is None:
            return _flash(
                request, back, f"{of_year}年{DOCUMENTS[document]}批复日期“{text}”格式不正确，请按“年-月-日”填写"
            )
        service.set_approval(db, dept.id, document, of_year, day)
        detail = f"{of_year}年{DOCUMENTS[document]}：{text or '清除'}"
        A.audit(db, request, "final-approval-date" if final else "approval-date", dept.id, dept.name, detail)
        return RedirectResponse(back, 303)

    # --- administration -----------------------------------------------------------------------

    def admin_render(request: Request, name: str, section: str, **context: Any) -> Response:
        return A.render(
            request,
            name,
            section=section,
            message=request.session.pop("flash", None),
            secret=request.session.pop("secret", None),
            **context,
        )

    async def admin_home(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        steps = service.admin_steps(db)
        return admin_render(request, "admin_home.html", "home", steps=steps)

    async def admin_start(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        return _flash(request, "/admin", "密码已修改。请按下面的步骤开始。")

    async def admin_departments_page(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        departments = db.scalars(select(Department).order_by(Department.name)).all()
        year = service.season(db, service.today())
        return admin_render(
            request,
            "admin_departments.html",
            "departments",
            departments=departments,
            year=year,
            years=_years(),
            dates=service.approvals(db, DOC_BUDGET, year),
        )

    async def admin_accounts_page(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        locked = A.throttle.locked()
        logins = dict(
            db.execute(
                select(LoginSession.account_id, func.count(LoginSession.id)).group_by(LoginSession.account_id)
            ).all()
        )
        return admin_render(
            request,
            "admin_accounts.html",
            "accounts",
            departments=db.scalars(select(Department).order_by(Department.name)).all(),
            accounts=db.scalars(select(Account).order_by(Account.id)).all(),
            invitations=db.scalars(
                select(Invitation).where(Invitation.used_at.is_(None)).order_by(Invitation.id.desc())
            ).all(),
            locked=locked,
            logins=logins,
            now=utcnow(),
        )

    def _audit_filters(request: Request, db: Session) -> service.AuditFilter:
        q = request.query_params
        return service.AuditFilter(
            text=q.get("q", "")[:100].strip(),
            department_id=_int_param(q.get("department")),
            account=q.get("account", "")[:100].strip(),
            action=q.get("action", "")[:40] if q.get("action", "") in ACTIONS else "",
            start=_date(q.get("from", "")[:10]),
            end=_date(q.get("to", "")[:10]),
        )

    async def admin_audit_page(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        filters = _audit_filters(request, db)
        page = max(1, min(_int_param(request.query_params.get("page")) or 1, 100_000))
        rows, total = service.audit_entries(db, filters, page=page)
        pages = max(1, -(-total // service.AUDIT_PAGE))
        return admin_render(
            request,
            "admin_audit.html",
            "audit",
            rows=rows,
            total=total,
            page=page,
            pages=pages,
            filters=filters,
            query=filters.query(),
            departments=db.scalars(select(Department).order_by(Department.name)).all(),
        )

    async def admin_audit_export(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        filters = _audit_filters(request, db)
        rows, total = service.audit_entries(db, filters, page=1, size=service.AUDIT_EXPORT_MAX)
        from generator.web.export import audit_xlsx

        names = dict(db.execute(select(Department.id, Department.name)).all())
        data = await asyncio.to_thread(audit_xlsx, rows, names, total)
        A.audit(db, request, "export-audit", detail=f"{len(rows)}条")
        name = naming.safe_filename(f"操作记录{service.today().isoformat()}", ".xlsx")
        return Response(data, media_type=XLSX, headers={"content-disposition": naming.content_disposition(name)})

    async def admin_department(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        form = await _form(request, db)
        back = "/admin/departments"
        name = _text(form, "name", 200)
        if not name:
            return _flash(request, back, "请填写部门名称")
        text = _text(form, "approval_date", 20)
        day = _date(text) if text else None
        if text and day is None:
            return _flash(
                request, back, f"预算批复日期“{text}”格式不正确，请按“年-月-日”填写，或留空以后在公开进度页填写"
            )
        year_text = _text(form, "year", 10)
        year = _int_param(year_text) if year_text else service.season(db, service.today())
        if year is None or year not in _years():
            years = _years()
            return _flash(
                request, back, f"预算年度“{year_text}”不在可选范围内：请选择{years[0]}—{years[-1]}年之间的年度"
            )
        dept = Department(name=name)
        db.add(dept)
        try:
            db.flush()
        except IntegrityError:
            db.rollback()
            return _flash(request, back, "该部门已存在")
        if day is not None:
            service.set_approval(db, dept.id, DOC_BUDGET, year, day)
        for line in _text(form, "units", 5000).splitlines():
            if line.strip():
                db.add(BudgetUnit(department_id=dept.id, name=line.strip()[:200]))
        A.audit(db, request, "department-created", dept.id, name, f"{year}年预算批复日期 {day}" if day else None)
        return _flash(request, back, f"已创建部门：{name}")

    async def admin_unit(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        dept = _department(db, user, request.path_params["dept_id"])
        form = await _form(request, db)
        name = _text(form, "name", 200)
        if name:
            db.add(BudgetUnit(department_id=dept.id, name=name))
            A.audit(db, request, "unit-added", dept.id, name)
        return RedirectResponse("/admin/departments", 303)

    def _role_and_department(form: FormData, db: Session) -> tuple[str, int | None] | str:
        role = _text(form, "role", 20)
        if role not in ROLES:
            return "请选择角色"
        dept_id = _int_param(_text(form, "department_id", 12))
        if role == ROLE_DEPARTMENT:
            if dept_id is None or db.get(Department, dept_id) is None:
                return "部门账号必须选择所属部门"
            return role, dept_id
        return role, None

    async def admin_account(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        form = await _form(request, db)
        back = "/admin/accounts"
        username = _text(form, "username", 100)
        checked = _role_and_department(form, db)
        if isinstance(checked, str):
            return _flash(request, back, f"{checked}")
        if not 2 <= len(username) <= 50 or db.scalars(select(Account).where(Account.username == username)).first():
            return _flash(request, back, "用户名为空、过长或已被使用")
        password = security.new_password()
        role, dept_id = checked
        db.add(
            Account(
                username=username,
                password_hash=security.hash_password(password),
                role=role,
                department_id=dept_id,
                must_change_password=True,
            )
        )
        A.audit(db, request, "account-created", dept_id, username, ROLES[role])
        request.session["secret"] = f"账号 {username} 的一次性密码：{password}（首次登录后须修改，本页只显示一次）"
        return RedirectResponse(back, 303)

    async def admin_account_action(request: Request, db: Session, user: Account) -> Response:
        """停用 / 启用 / 重置密码 / 结束全部登录 / 解除登录限制 of one account."""
        _admin(user)
        target: Account | None = _get(db, Account, request.path_params["aid"])
        if target is None:
            raise HTTPException(404)
        action = request.path_params["action"]
        await _form(request, db)
        back = "/admin/accounts"
        if action in ("disable", "reset") and target.id == user.id:
            return _flash(
                request, back, "不能停用或重置自己的账号；请由另一位管理员操作，或在“修改密码”中修改自己的密码"
            )
        if action == "disable":
            target.active = False
            ended = end_sessions(db, target.id)
            A.audit(db, request, "account-disabled", target.department_id, target.username, f"结束登录{ended}个")
            return _flash(request, back, f"已停用账号 {target.username}，其所有登录已结束")
        if action == "enable":
            target.active = True
            A.audit(db, request, "account-enabled", target.department_id, target.username)
            return _flash(request, back, f"已启用账号 {target.username}")
        if action == "reset":
            password = security.new_password()
            target.password_hash = security.hash_password(password)
            target.must_change_password = True
            ended = end_sessions(db, target.id)
            A.throttle.unlock(target.username)
            A.audit(db, request, "password-reset", target.department_id, target.username, f"结束登录{ended}个")
            request.session["secret"] = (
                f"账号 {target.username} 的新一次性密码：{password}（原密码和所有登录已失效；首次登录后须修改，本页只显示一次）"
            )
            return RedirectResponse(back, 303)
        if action == "end-sessions":
            ended = end_sessions(db, target.id, keep=_login_session(request, db, settings.session_max_age))
            A.audit(db, request, "sessions-ended", target.department_id, target.username, f"{ended}个")
            return _flash(request, back, f"已结束账号 {target.username} 的{ended}个登录")
        if action == "unlock":
            pairs = A.throttle.unlock(target.username)
            A.audit(db, request, "login-unlocked", target.department_id, target.username, f"{pairs}个来源地址")
            return _flash(request, back, f"已解除账号 {target.username} 的登录限制")
        raise HTTPException(404)

    async def admin_invitation(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        form = await _form(request, db)
        back = "/admin/accounts"
        checked = _role_and_department(form, db)
        if isinstance(checked, str):
            return _flash(request, back, f"{checked}")
        base = settings.public_base()
        if base is None:
            return _flash(
                request,
                back,
                "未设置对外网址，无法生成邀请链接：请信息中心在服务配置中设置 DISCLOSURE_PUBLIC_URL"
                "（如 https://yusuan.example.gov.cn），或改用“新建账号”发放一次性密码",
            )
        role, dept_id = checked
        token = security.new_token()
        db.add(
            Invitation(
                token_hash=security.token_hash(token),
                role=role,
                department_id=dept_id,
                created_by=user.id,
                expires_at=utcnow() + dt.timedelta(days=INVITE_DAYS),
            )
        )
        A.audit(db, request, "invitation-created", dept_id, ROLES[role])
        link = f"{base}/invite/{token}"
        request.session["secret"] = f"一次性邀请链接（{INVITE_DAYS}天内有效，只能使用一次，本页只显示一次）：{link}"
        return RedirectResponse(back, 303)

    async def admin_queue(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        overview = await asyncio.to_thread(A.queue.overview)
        return A.render(request, "admin_queue.html", overview=overview)

    # --- errors -------------------------------------------------------------------------------

    def too_large(request: Request, db: Session) -> Response:
        """The normal page for an upload over the limit: the limit, the file's size and a way back; audited."""
        user = getattr(request.state, "user", None)
        dept = None
        m = re.fullmatch(r"/departments/(\d+)/(?:final/)?upload", request.url.path)
        if user is not None and m and len(m[1]) < 19:
            dept = _get(db, Department, int(m[1]))
            if dept is not None and user.role == ROLE_DEPARTMENT and user.department_id != dept.id:
                dept = None
        length = request.headers.get("content-length", "")
        size = f"{int(length) / 1024 / 1024:.1f}MB" if length.isdigit() else "超过上限"
        if user is not None:
            A.audit(db, request, "upload-too-large", dept.id if dept else None, request.url.path, f"请求大小{size}")
            db.commit()
        return A.render(
            request,
            "too_large.html",
            413,
            dept=dept,
            size=size,
            max_mb=A.settings.max_upload // (1024 * 1024),
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        request.state.user = None
        return error_page(request, exc)

    def error_page(request: Request, exc: HTTPException) -> Response:
        if exc.status_code in (301, 302, 303, 307) and exc.headers:
            return RedirectResponse(exc.headers["location"], exc.status_code)
        texts = {403: "没有权限执行此操作。", 404: "没有找到该页面。", 405: "不支持该操作。", 413: "上传的文件过大。"}
        detail = exc.detail if exc.detail and exc.detail not in ("Not Found", "Forbidden") else None
        text = detail if detail and not detail.isascii() else texts.get(exc.status_code, "请求有误。")
        return A.render(request, "error.html", exc.status_code, text=text, code=exc.status_code)

    from generator.web.catalog_admin import catalog_routes

    async def server_error(request: Request, exc: Exception) -> Response:
        """An unexpected failure: a Chinese page (the traceback goes to the log only, never to the browser)."""
        body = A.templates.get_template("error.html").render(
            text="系统内部错误，操作没有完成。请稍后重试；如果一再出现，请联系财政局信息中心。",
            code=500,
            user=None,
            csrf="",
        )
        return HTMLResponse(body, status_code=500)

    R = Route
    routes = [
        R("/", db_route(index)),
        R("/login", db_route(login_page, auth=False), methods=["GET"]),
        R("/login", db_route(login, auth=False), methods=["POST"]),
        R("/logout", db_route(logout), methods=["POST"]),
        R("/password", db_route(password_page), methods=["GET"]),
        R("/password", db_route(password_change), methods=["POST"]),
        R("/invite/{token:str}", db_route(invite_page, auth=False), methods=["GET"], name="invite"),
        R("/invite/{token:str}", db_route(invite_accept, auth=False), methods=["POST"]),
        R("/departments/{dept_id:int}", db_route(department_page)),
        R("/departments/{dept_id:int}/blank.xlsx", db_route(blank_workbook)),
        R("/departments/{dept_id:int}/upload", db_route(upload), methods=["POST"]),
        R("/departments/{dept_id:int}/final.xlsx", db_route(final_workbook)),
        R("/departments/{dept_id:int}/final/upload", db_route(upload_final), methods=["POST"]),
        R("/departments/{dept_id:int}/compare", db_route(compare)),
        R("/departments/{dept_id:int}/compare/{what:str}", db_route(compare_file)),
        R("/departments/{dept_id:int}/approval", db_route(set_approval), methods=["POST"]),
        R("/departments/{dept_id:int}/units", db_route(admin_unit), methods=["POST"]),
        R("/versions/{vid:int}", db_route(version_page)),
        R("/checks/{job_id:int}", db_route(check_page)),
        R("/versions/{vid:int}/workbook.xlsx", db_route(_version_file("workbook", "sha256", "上传的工作簿"))),
        R("/versions/{vid:int}/annotated.xlsx", db_route(_version_file("annotated", "annotated_sha", "问题标注"))),
        R("/versions/{vid:int}/prepared.xlsx", db_route(_version_file("prepared", "prepared_sha", "已补全"))),
        R("/versions/{vid:int}/next-year.xlsx", db_route(next_year)),
        R("/versions/{vid:int}/prepare", db_route(prepare), methods=["POST"]),
        R("/versions/{vid:int}/build", db_route(build), methods=["POST"]),
        R("/versions/{vid:int}/publish", db_route(publish), methods=["POST"]),
        R("/builds/{bid:int}", db_route(build_page)),
        R("/builds/{bid:int}/document.docx", db_route(_build_file("docx", DOCX))),
        R("/builds/{bid:int}/document.pdf", db_route(_build_file("pdf", "application/pdf"))),
        R("/bureau", db_route(bureau)),
        R("/bureau/export.xlsx", db_route(bureau_export)),
        R("/bureau/build-all", db_route(build_all), methods=["POST"]),
        R("/bureau/pdfs.zip", db_route(bureau_zip)),
        R("/admin", db_route(admin_home)),
        R("/admin/start", db_route(admin_start)),
        R("/admin/departments", db_route(admin_departments_page), methods=["GET"]),
        R("/admin/departments", db_route(admin_department), methods=["POST"]),
        R("/admin/accounts", db_route(admin_accounts_page), methods=["GET"]),
        R("/admin/accounts", db_route(admin_account), methods=["POST"]),
        R("/admin/accounts/{aid:int}/{action:str}", db_route(admin_account_action), methods=["POST"]),
        R("/admin/invitations", db_route(admin_invitation), methods=["POST"]),
        *catalog_routes(A, db_route),
        *format_admin.format_routes(A, db_route),
        R("/admin/audit", db_route(admin_audit_page)),
        R("/admin/audit.xlsx", db_route(admin_audit_export)),
        R("/admin/queue", db_route(admin_queue)),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        A.close()

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(Guard, max_body=settings.max_upload + 64 * 1024),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key or "",
                session_cookie="disclosure_session",
                max_age=settings.session_max_age,
                same_site="strict",
                https_only=settings.https_only,
            ),
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
    app.state.core = A
    return app


def json_dump(obj: object) -> str:  # pragma: no cover - debugging aid
    return json.dumps(obj, ensure_ascii=False, default=str)
