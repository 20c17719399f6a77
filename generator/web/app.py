"""The Starlette application: thin routes over the pipeline, the store and the rules."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import json
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
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

from generator.render import office
from generator.web import jobs, naming, security, service
from generator.web.db import (
    ACTIONS,
    BUILD_DONE,
    BUILD_FAILED,
    BUILD_QUEUED,
    BUILD_RUNNING,
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
    Version,
    make_engine,
    migrate,
    sessions,
    utcnow,
)
from generator.web.rules import DEADLINE_DAYS, Status
from generator.web.settings import Settings
from generator.web.store import Store

HERE = Path(__file__).parent
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
INVITE_DAYS = 7


# --- middleware ------------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class Guard:
    """Security headers on every response; request bodies over the limit get 413 before they are read."""

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
            await _plain(413, "上传的文件过大", send_with_headers)
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
        self.store = Store(settings.data_dir / "files")
        # per account name; per client address a larger allowance (many officers share one address)
        self.limiter = security.RateLimiter(settings.login_attempts, settings.login_window)
        self.ip_limiter = security.RateLimiter(settings.login_attempts * 10, settings.login_window)
        self.builds = jobs.BuildRunner(
            lambda: jobs.make_pool(settings.build_workers, settings.job_timeout, settings.job_memory),
            settings.tmp_dir,
        )
        self.checks = asyncio.Semaphore(2)  # uploads checked at once; the rest wait their turn
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        env = self.templates.env
        env.globals.update(ACTIONS=ACTIONS, ROLES=ROLES, Status=Status, DEADLINE_DAYS=DEADLINE_DAYS)
        env.filters.update(local=service.local, money=service.money, change=service.change)
        self._recover()

    def _recover(self) -> None:
        """Builds that were running when the server stopped are marked failed; their versions stay as they were."""
        with self.Session.begin() as db:
            for b in db.scalars(select(Build).where(Build.state.in_([BUILD_QUEUED, BUILD_RUNNING]))):
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
                client=request.client.host if request.client else None,
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
        self.builds.close()
        self.engine.dispose()


# --- access ----------------------------------------------------------------------------------


def _user(request: Request, db: Session) -> Account:
    uid = request.session.get("uid")
    user = db.get(Account, uid) if isinstance(uid, int) else None
    if user is None or not user.active or request.session.get("pw") != user.password_hash[-16:]:
        raise HTTPException(303, headers={"location": "/login"})
    if user.must_change_password and request.url.path not in ("/password", "/logout"):
        raise HTTPException(303, headers={"location": "/password"})
    request.state.user = user
    return user


def _department(db: Session, user: Account, dept_id: int) -> Department:
    """The department if this account may see it; 404 otherwise (no hint that it exists)."""
    dept = db.get(Department, dept_id)
    if dept is None or (user.role == ROLE_DEPARTMENT and user.department_id != dept.id):
        raise HTTPException(404)
    return dept


def _version(db: Session, user: Account, vid: int) -> Version:
    v = db.get(Version, vid)
    if v is None:
        raise HTTPException(404)
    _department(db, user, v.department_id)
    return v


def _build(db: Session, user: Account, bid: int) -> Build:
    b = db.get(Build, bid)
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
                    user = _user(request, db)
                    response = await handler(request, db, user)
                else:
                    response = await handler(request, db)
                db.commit()
                return response
            except HTTPException as exc:
                db.rollback()
                return error_page(request, exc)
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

    async def login(request: Request, db: Session) -> Response:
        form = await _form(request, db)
        username, password = _text(form, "username", 100), _text(form, "password", 200)
        client = request.client.host if request.client else "?"
        keys = (f"user:{username.lower()}", f"ip:{client}")
        if A.limiter.blocked(keys[0]) or A.ip_limiter.blocked(keys[1]):
            A.audit(db, request, "login-blocked", obj=username)
            return A.render(request, "login.html", 429, error="登录失败次数过多，请15分钟后再试。")
        user = db.scalars(select(Account).where(Account.username == username)).first()
        db.commit()  # no connection held during the deliberately slow hash
        ok = await asyncio.to_thread(security.verify_password, user.password_hash, password) if user else False
        if not user:
            await asyncio.to_thread(security.burn_time, password)
        if not ok or not user or not user.active:
            A.limiter.fail(keys[0])
            A.ip_limiter.fail(keys[1])
            A.audit(db, request, "login-failed", obj=username)
            return A.render(request, "login.html", 400, error="用户名或密码不正确。")
        A.limiter.reset(keys[0])
        request.session.clear()
        request.session.update(uid=user.id, pw=user.password_hash[-16:])
        A.audit(db, request, "login", user=user)
        return RedirectResponse("/password" if user.must_change_password else _home(user), 303)

    async def logout(request: Request, db: Session, user: Account) -> Response:
        await _form(request, db)
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
        user.password_hash = security.hash_password(new)
        user.must_change_password = False
        request.session["pw"] = user.password_hash[-16:]
        A.audit(db, request, "password-changed")
        return RedirectResponse(_home(user), 303)

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
        request.session.clear()
        request.session.update(uid=user.id, pw=user.password_hash[-16:])
        return RedirectResponse(_home(user), 303)

    def _invitation(db: Session, token: str) -> Invitation:
        inv = db.scalars(select(Invitation).where(Invitation.token_hash == security.token_hash(token))).first()
        if inv is None or inv.used_at is not None or inv.expires_at < utcnow():
            raise HTTPException(404, "邀请链接无效、已使用或已过期，请联系财政局管理员。")
        return inv

    # --- department ---------------------------------------------------------------------------

    async def department_page(request: Request, db: Session, user: Account) -> Response:
        dept = _department(db, user, request.path_params["dept_id"])
        versions = db.scalars(select(Version).where(Version.department_id == dept.id).order_by(Version.id.desc())).all()
        numbers = service.version_numbers(db, dept.id)
        rows = [(v, numbers[v.id], service.headline_of(v), service.last_good_build(v)) for v in versions]
        return A.render(
            request,
            "department.html",
            dept=dept,
            rows=rows,
            message=request.session.pop("flash", None),
            max_mb=A.settings.max_upload // (1024 * 1024),
            years=range(service.today().year - 1, service.today().year + 2),
        )

    async def blank_workbook(request: Request, db: Session, user: Account) -> Response:
        dept = _department(db, user, request.path_params["dept_id"])
        year = _int_param(request.query_params.get("year")) or service.today().year

        def make() -> bytes:
            from generator.workbook.template import build_workbook

            units = [{"预算单位": u.name} for u in dept.units]
            data = {"单位全称": dept.name, "预算年度": year, "预算单位": units} if units else None
            try:
                wb = build_workbook(data, year=year)
            except Exception:
                wb = build_workbook(None, year=year)
            buf = io.BytesIO()
            wb.save(buf)
            return buf.getvalue()

        try:
            data = await asyncio.to_thread(make)
        except Exception:
            raise HTTPException(404, f"没有{year}年的科目代码表") from None
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

    async def isolated(db: Session, func: Callable[..., Any], *args: Any) -> Any:
        """`func(*args)` in a throw-away, memory- and time-limited process (generator/web/jobs.py),
        at most `check_workers` at once; the database connection is given back meanwhile."""
        db.commit()
        async with A.checks:
            return await asyncio.to_thread(
                jobs.run_isolated, func, *args, timeout=A.settings.check_timeout, memory=A.settings.job_memory
            )

    async def upload(request: Request, db: Session, user: Account) -> Response:
        dept = _department(db, user, request.path_params["dept_id"])
        _may_change(user, dept)
        form = await _form(request, db, files=1)
        upload = form.get("workbook")
        if not isinstance(upload, UploadFile):
            return _flash(request, f"/departments/{dept.id}", "请选择要上传的工作簿")
        data = await upload.read(A.settings.max_upload + 1)
        if len(data) > A.settings.max_upload:
            raise HTTPException(413, "上传的文件过大")
        original = (upload.filename or "workbook.xlsx").replace("\\", "/").rsplit("/", 1)[-1][:200]
        work = jobs.scratch(A.settings.tmp_dir)
        try:
            src = work / "upload.xlsx"
            src.write_bytes(data)
            try:
                found = await isolated(db, jobs.analyse, str(src), str(work / "annotated.xlsx"))
            except jobs.JobFailed as exc:
                A.audit(db, request, "upload-refused", dept.id, original, str(exc))
                return A.render(request, "refused.html", 422, dept=dept, messages=[str(exc)])
            if "refused" in found:
                A.audit(db, request, "upload-refused", dept.id, original, "；".join(found["refused"]))
                return A.render(request, "refused.html", 422, dept=dept, messages=found["refused"])
            sha = A.store.put(data)
            annotated = A.store.put((work / "annotated.xlsx").read_bytes())
        finally:
            jobs.cleanup(work)
        issues = found["issues"]
        errors = sum(1 for i in issues if i["severity"] == "error")
        version = Version(
            department_id=dept.id,
            uploader_id=user.id,
            original_name=original,
            size=len(data),
            sha256=sha,
            year=found["year"],
            unit_name=(found["unit_name"] or "")[:300] or None,
            errors=errors,
            warnings=len(issues) - errors,
            issues_json=jobs.dumps(issues),
            headline_json=jobs.dumps(found["headline"]) if found["headline"] else None,
            annotated_sha=annotated,
        )
        db.add(version)
        db.flush()
        A.audit(db, request, "upload", dept.id, f"版本 {version.id}", f"{original}，{errors}个错误")
        return RedirectResponse(f"/versions/{version.id}", 303)

    async def version_page(request: Request, db: Session, user: Account) -> Response:
        v = _version(db, user, request.path_params["vid"])
        numbers = service.version_numbers(db, v.department_id)
        issues = service.issues_of(v)
        others = [(vid, n) for vid, n in numbers.items() if vid != v.id]
        return A.render(
            request,
            "version.html",
            v=v,
            no=numbers[v.id],
            dept=v.department,
            groups=service.grouped_issues(issues),
            headline=service.headline_of(v),
            build=service.last_good_build(v),
            builds=list(reversed(v.builds)),
            others=others,
            message=request.session.pop("flash", None),
            may_change=user.role in (ROLE_ADMIN, ROLE_DEPARTMENT),
            today=service.today().isoformat(),
        )

    def _version_file(what: str, attr: str, label: str) -> Callable[..., Awaitable[Response]]:
        async def handler(request: Request, db: Session, user: Account) -> Response:
            v = _version(db, user, request.path_params["vid"])
            no = service.version_numbers(db, v.department_id)[v.id]
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
            work = jobs.scratch(A.settings.tmp_dir)
            try:
                src = work / "workbook.xlsx"
                src.write_bytes(A.store.read(v.sha256))
                try:
                    out = await isolated(db, jobs.prepare_copy, str(src), str(work / "prepared.xlsx"))
                except jobs.JobFailed as exc:
                    return _flash(request, f"/versions/{v.id}", f"{exc}")
                if out["status"] != 0 or not (work / "prepared.xlsx").exists():
                    text = (out["stderr"] or out["stdout"]).strip().splitlines()
                    return _flash(request, f"/versions/{v.id}", f"无法补全：{text[-1] if text else ''}")
                v.prepared_sha = A.store.put((work / "prepared.xlsx").read_bytes())
            finally:
                jobs.cleanup(work)
            A.audit(db, request, "prepare", v.department_id, f"版本 {v.id}")
        return _flash(request, f"/versions/{v.id}", "已补全上年对比和类用途说明所需的行，请下载后填写")

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

    def _start_build(db: Session, request: Request, v: Version, user: Account) -> tuple[Build, Callable[[], None]]:
        """Record a queued build; returns it and the function that hands it to the worker pool."""
        b = Build(version_id=v.id, requested_by=user.id, state=BUILD_QUEUED, progress="排队等待中")
        db.add(b)
        db.flush()
        A.audit(db, request, "build", v.department_id, f"版本 {v.id}", f"生成 {b.id}")
        db.commit()
        bid, label, data = b.id, v.department.name, A.store.read(v.sha256)

        def progress(text: str) -> None:
            with A.Session.begin() as s:
                row = s.get(Build, bid)
                if row is not None and row.state in (BUILD_QUEUED, BUILD_RUNNING):
                    row.state, row.progress = BUILD_RUNNING, str(text)[:300]

        def finish(files: jobs.BuildFiles) -> None:
            docx = A.store.put_file(files.docx) if files.ok and files.docx else None
            pdf = A.store.put_file(files.pdf) if files.ok and files.pdf else None
            with A.Session.begin() as s:
                row = s.get(Build, bid)
                if row is None:
                    return
                row.finished_at = utcnow()
                row.seconds = files.seconds
                row.pages = files.pages
                if files.ok and docx and pdf:
                    row.state, row.docx_sha, row.pdf_sha, row.progress = BUILD_DONE, docx, pdf, "已完成"
                else:
                    row.state, row.error, row.progress = BUILD_FAILED, files.error or "生成失败", "失败"

        return b, lambda: A.builds.submit(data, label, progress, finish)

    async def build_page(request: Request, db: Session, user: Account) -> Response:
        b = _build(db, user, request.path_params["bid"])
        v = b.version
        no = service.version_numbers(db, v.department_id)[v.id]
        return A.render(
            request,
            "build.html",
            b=b,
            v=v,
            no=no,
            dept=v.department,
            running=b.state in (BUILD_QUEUED, BUILD_RUNNING),
            office_missing=office.missing_notice(),  # the DOCX 目录 then has no page numbers
        )

    def _build_file(fmt: str, media: str) -> Callable[..., Awaitable[Response]]:
        async def handler(request: Request, db: Session, user: Account) -> Response:
            b = _build(db, user, request.path_params["bid"])
            v = b.version
            no = service.version_numbers(db, v.department_id)[v.id]
            sha = b.pdf_sha if fmt == "pdf" else b.docx_sha
            if b.state != BUILD_DONE or not sha:
                raise HTTPException(404)
            A.audit(db, request, f"download-{fmt}", v.department_id, f"生成 {b.id}")
            return A.file_response(sha, naming.document_name(v.department.name, v.year, no, f".{fmt}"), media)

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
        if v.errors:
            return _flash(request, f"/versions/{v.id}", "有错误的版本不能标记为已公开")
        v.published_url, v.published_on, v.published_by = url, day, user.id
        A.audit(db, request, "publish", v.department_id, f"版本 {v.id}", f"{url} {day}")
        return _flash(request, f"/versions/{v.id}", "已标记为已公开")

    async def next_year(request: Request, db: Session, user: Account) -> Response:
        v = _version(db, user, request.path_params["vid"])
        if v.errors or not v.year:
            raise HTTPException(404)
        work = jobs.scratch(A.settings.tmp_dir)
        try:
            src = work / "this.xlsx"
            src.write_bytes(A.store.read(v.sha256))
            try:
                out = await isolated(db, jobs.next_year, str(src), str(work / "next.xlsx"))
            except jobs.JobFailed as exc:
                return _flash(request, f"/versions/{v.id}", f"{exc}")
            if not out["ok"]:
                return _flash(request, f"/versions/{v.id}", "该版本有错误，无法生成下一年度工作簿")
            data = (work / "next.xlsx").read_bytes()
        finally:
            jobs.cleanup(work)
        A.audit(db, request, "download-next-year", v.department_id, f"版本 {v.id}", f"{out['year']}年")
        name = naming.safe_filename(f"{v.department.name}{out['year']}年部门预算公开填报工作簿", ".xlsx")
        return Response(data, media_type=XLSX, headers={"content-disposition": naming.content_disposition(name)})

    async def compare(request: Request, db: Session, user: Account) -> Response:
        dept = _department(db, user, request.path_params["dept_id"])
        a, b = _int_param(request.query_params.get("a")), _int_param(request.query_params.get("b"))
        va = _version(db, user, a) if a else None
        vb = _version(db, user, b) if b else None
        if va is None or vb is None or va.department_id != dept.id or vb.department_id != dept.id:
            raise HTTPException(404)
        numbers = service.version_numbers(db, dept.id)
        changes = service.compare_headlines(service.headline_of(va), service.headline_of(vb))
        report, problem = None, None
        if va.id == vb.id:
            problem = "请选择两个不同的版本"
        elif va.errors or vb.errors:
            problem = "有错误的版本无法逐项比较公开内容，下面只列出主要数字"
        else:
            work = jobs.scratch(A.settings.tmp_dir)
            try:
                old, new = work / f"第{numbers[va.id]}版.xlsx", work / f"第{numbers[vb.id]}版.xlsx"
                old.write_bytes(A.store.read(va.sha256))
                new.write_bytes(A.store.read(vb.sha256))
                try:
                    out = await isolated(db, jobs.diff, str(old), str(new))
                except jobs.JobFailed as exc:
                    out = {"errors": str(exc)}
            finally:
                jobs.cleanup(work)
            if "report" in out:
                from generator.diff import DiffReport

                report = DiffReport.model_validate(out["report"])
            else:
                problem = f"无法比较：{out['errors']}"
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
            problem=problem,
        )

    # --- bureau -------------------------------------------------------------------------------

    def _rows(request: Request, db: Session) -> tuple[list[service.BureauRow], dict[str, str]]:
        q = request.query_params
        params = {"status": q.get("status", "")[:10], "q": q.get("q", "")[:100], "sort": q.get("sort", "name")[:20]}
        rows = service.filter_sort(service.bureau_rows(db, service.today()), **params)
        return rows, params

    async def bureau(request: Request, db: Session, user: Account) -> Response:
        _bureau(user)
        rows, params = _rows(request, db)
        return A.render(
            request,
            "bureau.html",
            rows=rows,
            params=params,
            statuses=list(Status),
            message=request.session.pop("flash", None),
            today=service.today(),
        )

    async def bureau_export(request: Request, db: Session, user: Account) -> Response:
        _bureau(user)
        rows, _ = _rows(request, db)
        from generator.web.export import bureau_xlsx

        data = await asyncio.to_thread(bureau_xlsx, rows, service.today())
        A.audit(db, request, "export")
        name = naming.safe_filename(f"部门预算公开进度{service.today().isoformat()}", ".xlsx")
        return Response(data, media_type=XLSX, headers={"content-disposition": naming.content_disposition(name)})

    async def build_all(request: Request, db: Session, user: Account) -> Response:
        _bureau(user)
        await _form(request, db)
        started = 0
        for row in service.bureau_rows(db, service.today()):
            v = row.latest
            if v is None or v.errors or row.build is not None:
                continue
            if any(b.state in (BUILD_QUEUED, BUILD_RUNNING) for b in v.builds):
                continue
            _, start = _start_build(db, request, v, user)
            await asyncio.to_thread(start)
            started += 1
        return _flash(request, "/bureau", f"已开始生成{started}个部门的公开文件，请稍后刷新查看")

    async def bureau_zip(request: Request, db: Session, user: Account) -> Response:
        _bureau(user)
        buf = io.BytesIO()
        count = 0
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for row in service.bureau_rows(db, service.today()):
                if row.build is None or row.latest is None:
                    continue
                name = naming.document_name(row.department.name, row.latest.year, row.latest_no or 0, ".pdf")
                zf.writestr(name, A.store.read(row.build.pdf_sha or ""))
                count += 1
        A.audit(db, request, "download-zip", detail=f"{count}个PDF")
        name = naming.safe_filename(f"部门预算公开PDF{service.today().isoformat()}", ".zip")
        return Response(
            buf.getvalue(),
            media_type="application/zip",
            headers={"content-disposition": naming.content_disposition(name)},
        )

    async def set_approval(request: Request, db: Session, user: Account) -> Response:
        _bureau(user)
        dept = _department(db, user, request.path_params["dept_id"])
        form = await _form(request, db)
        text = _text(form, "approval_date", 20)
        day = _date(text) if text else None
        if text and day is None:
            return _flash(request, "/bureau", "批复日期格式不正确")
        dept.approval_date = day
        A.audit(db, request, "approval-date", dept.id, dept.name, text)
        return RedirectResponse("/bureau", 303)

    # --- administration -----------------------------------------------------------------------

    async def admin_page(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        return A.render(
            request,
            "admin.html",
            departments=db.scalars(select(Department).order_by(Department.name)).all(),
            accounts=db.scalars(select(Account).order_by(Account.id)).all(),
            invitations=db.scalars(
                select(Invitation).where(Invitation.used_at.is_(None)).order_by(Invitation.id.desc())
            ).all(),
            audit=db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(200)).all(),
            message=request.session.pop("flash", None),
            secret=request.session.pop("secret", None),
            now=utcnow(),
        )

    async def admin_department(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        form = await _form(request, db)
        name = _text(form, "name", 200)
        if not name:
            return _flash(request, "/admin", "请填写部门名称")
        text = _text(form, "approval_date", 20)
        dept = Department(name=name, approval_date=_date(text) if text else None)
        db.add(dept)
        try:
            db.flush()
        except IntegrityError:
            db.rollback()
            return _flash(request, "/admin", "该部门已存在")
        for line in _text(form, "units", 5000).splitlines():
            if line.strip():
                db.add(BudgetUnit(department_id=dept.id, name=line.strip()[:200]))
        A.audit(db, request, "department-created", dept.id, name)
        return _flash(request, "/admin", f"已创建部门：{name}")

    async def admin_unit(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        dept = _department(db, user, request.path_params["dept_id"])
        form = await _form(request, db)
        name = _text(form, "name", 200)
        if name:
            db.add(BudgetUnit(department_id=dept.id, name=name))
            A.audit(db, request, "unit-added", dept.id, name)
        return RedirectResponse("/admin", 303)

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
        username = _text(form, "username", 100)
        checked = _role_and_department(form, db)
        if isinstance(checked, str):
            return _flash(request, "/admin", f"{checked}")
        if not 2 <= len(username) <= 50 or db.scalars(select(Account).where(Account.username == username)).first():
            return _flash(request, "/admin", "用户名为空、过长或已被使用")
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
        return RedirectResponse("/admin", 303)

    async def admin_invitation(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        form = await _form(request, db)
        checked = _role_and_department(form, db)
        if isinstance(checked, str):
            return _flash(request, "/admin", f"{checked}")
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
        link = str(request.url_for("invite", token=token))
        request.session["secret"] = f"一次性邀请链接（{INVITE_DAYS}天内有效，只能使用一次，本页只显示一次）：{link}"
        return RedirectResponse("/admin", 303)

    # --- errors -------------------------------------------------------------------------------

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
        R("/departments/{dept_id:int}/compare", db_route(compare)),
        R("/departments/{dept_id:int}/approval", db_route(set_approval), methods=["POST"]),
        R("/departments/{dept_id:int}/units", db_route(admin_unit), methods=["POST"]),
        R("/versions/{vid:int}", db_route(version_page)),
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
        R("/admin", db_route(admin_page)),
        R("/admin/departments", db_route(admin_department), methods=["POST"]),
        R("/admin/accounts", db_route(admin_account), methods=["POST"]),
        R("/admin/invitations", db_route(admin_invitation), methods=["POST"]),
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
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.core = A
    return app


def json_dump(obj: object) -> str:  # pragma: no cover - debugging aid
    return json.dumps(obj, ensure_ascii=False, default=str)
