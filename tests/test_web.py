"""HTTP tests of the web application: every route and role, access by id, CSRF, rate limit, uploads.

One site per module: two departments (A uploads example 000 with one error, B the clean
example 002 and builds it), a reviewer and the administrator.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from generator.annotate import SHEET_ISSUES
from generator.build import build as cli_build
from generator.issues import warning
from generator.pipeline import run
from generator.web import service
from generator.web.db import AuditEntry, Version
from generator.workbook import schema
from tests.test_bad_inputs import CASES
from tests.web_helpers import (
    BAD_ECON,
    PASSWORD,
    csrf,
    example,
    example_with_one_error,
    login,
    make_site,
    upload,
    version_id,
    wait_build,
)

pytestmark = pytest.mark.slow

A, B = "甲局", "乙局"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("web")
    files = tmp_path_factory.mktemp("web-files")
    s = make_site(data, {"max_upload": 2 * 1024 * 1024})
    today = service.today()
    # 预算年度 2023: the year of the examples uploaded below (examples/000.json, 002.json "预算年度")
    s.add_department(A, (today - dt.timedelta(days=5)).isoformat(), 2023)  # 15 days left
    s.add_department(B, (today - dt.timedelta(days=25)).isoformat(), 2023)  # 5 days overdue
    s.add_account("a-user", "department", A)
    s.add_account("b-user", "department", B)
    s.add_account("reviewer", "reviewer")
    a, b = s.clients["a-user"], s.clients["b-user"]
    s.files = files  # type: ignore[attr-defined]
    s.bad = example_with_one_error(files)  # type: ignore[attr-defined]
    s.va = version_id(upload(a, s.departments[A], s.bad))  # type: ignore[attr-defined]
    s.good = example(files, "002")  # type: ignore[attr-defined]
    s.vb = version_id(upload(b, s.departments[B], s.good))  # type: ignore[attr-defined]
    r = b.post(f"/versions/{s.vb}/build", data={"csrf": csrf(b)})  # type: ignore[attr-defined]
    s.bb = int(re.search(r"/builds/(\d+)$", r.url.path)[1])  # type: ignore[attr-defined,index]
    s.build_page = wait_build(b, f"/builds/{s.bb}")  # type: ignore[attr-defined]
    yield s
    s.close()


def _ids(site) -> dict[str, int]:
    return {"dept": site.departments[B], "vid": site.vb, "bid": site.bb}


GET_ROUTES = [
    "/departments/{dept}",
    "/departments/{dept}/blank.xlsx",
    "/departments/{dept}/compare?a={vid}&b={vid}",
    "/versions/{vid}",
    "/versions/{vid}/workbook.xlsx",
    "/versions/{vid}/annotated.xlsx",
    "/versions/{vid}/prepared.xlsx",
    "/versions/{vid}/next-year.xlsx",
    "/builds/{bid}",
    "/builds/{bid}/document.docx",
    "/builds/{bid}/document.pdf",
]
POST_ROUTES = [
    "/departments/{dept}/upload",
    "/departments/{dept}/approval",
    "/departments/{dept}/units",
    "/versions/{vid}/prepare",
    "/versions/{vid}/build",
    "/versions/{vid}/publish",
]
BUREAU_GET = ["/bureau", "/bureau/export.xlsx", "/bureau/pdfs.zip"]
ADMIN_GET = ["/admin"]
ALL_POST = [
    *POST_ROUTES,
    "/bureau/build-all",
    "/admin/formats",
    "/admin/departments/{dept}/format",
    "/admin/departments",
    "/admin/accounts",
    "/admin/invitations",
    "/logout",
    "/password",
    "/login",
]


def test_every_page_needs_login(site) -> None:
    anon = site.client()
    for route in ["/", *GET_ROUTES, *BUREAU_GET, *ADMIN_GET, "/password"]:
        r = anon.get(route.format(**_ids(site)), follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login", route


def test_other_departments_ids_are_404_on_every_route(site) -> None:
    """Department A guesses department B's ids on every route: 404, never B's data."""
    a = site.clients["a-user"]
    token = csrf(a)
    for route in GET_ROUTES:
        r = a.get(route.format(**_ids(site)))
        assert r.status_code == 404, route
        assert B not in r.text, route
    for route in POST_ROUTES:
        r = a.post(
            route.format(**_ids(site)),
            data={"csrf": token, "url": "https://example.org/x", "date": "2026-01-01", "name": "x"},
            files={"workbook": ("x.xlsx", site.good.read_bytes(), "application/octet-stream")}
            if route.endswith("upload")
            else None,
        )
        assert r.status_code == 404, route
    with site.app.state.core.Session() as db:  # nothing of B's changed
        v = db.get(Version, site.vb)
        assert v.published_url is None and v.prepared_sha is None
        assert db.query(Version).filter_by(department_id=site.departments[B]).count() == 1
    # ids that exist nowhere are 404 too
    for route in GET_ROUTES:
        assert a.get(route.format(dept=99999, vid=99999, bid=99999)).status_code == 404, route


def test_department_cannot_see_bureau_or_admin(site) -> None:
    a = site.clients["a-user"]
    for route in [*BUREAU_GET, *ADMIN_GET]:
        assert a.get(route).status_code == 404, route
    token = csrf(a)
    for route in ["/bureau/build-all", "/admin/departments", "/admin/accounts", "/admin/invitations"]:
        assert a.post(route, data={"csrf": token, "name": "x", "role": "admin"}).status_code == 404, route


def test_reviewer_sees_all_but_cannot_change_a_department(site) -> None:
    rv = site.clients["reviewer"]
    for route in GET_ROUTES[:2] + GET_ROUTES[3:6] + GET_ROUTES[7:]:  # prepared.xlsx exists only after prepare
        assert rv.get(route.format(**_ids(site))).status_code == 200, route
    for route in BUREAU_GET:
        assert rv.get(route).status_code == 200, route
    assert rv.get("/admin").status_code == 404
    r = upload(rv, site.departments[A], site.good)
    assert r.status_code == 403


def test_csrf_is_required_on_every_form(site) -> None:
    admin = site.admin
    for route in ALL_POST:
        path = route.format(**_ids(site))
        for data in ({}, {"csrf": "forged-token"}):
            r = admin.post(path, data={**data, "name": "伪造", "username": "x", "password": "y"})
            assert r.status_code == 403, (path, data)
    with site.app.state.core.Session() as db:
        assert not db.query(Version).filter(Version.original_name == "伪造").count()
    assert "伪造" not in admin.get("/admin").text


def test_login_rate_limit(site) -> None:
    site.add_account("limited", "reviewer")
    c = site.client()
    token = csrf(c)
    for _ in range(5):
        r = c.post("/login", data={"csrf": token, "username": "limited", "password": "wrong-password"})
        assert r.status_code == 400
        assert "用户名或密码不正确" in r.text
    r = c.post("/login", data={"csrf": token, "username": "limited", "password": PASSWORD})
    assert r.status_code == 429
    assert "登录失败次数过多" in r.text


def test_session_cookie_and_security_headers(site) -> None:
    c = site.client()
    r = c.get("/login")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in r.text and " style=" not in r.text
    cookie = r.headers["set-cookie"].lower()  # the CSRF token is kept in the session
    assert "httponly" in cookie and "samesite=strict" in cookie


CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def test_no_inline_script_or_style_on_any_page(site) -> None:
    a, admin = site.clients["a-user"], site.admin
    pages = [(a, f"/departments/{site.departments[A]}"), (a, f"/versions/{site.va}")]
    pages += [(admin, "/bureau"), (admin, "/admin"), (admin, f"/builds/{site.bb}")]
    for client, path in pages:
        html = client.get(path).text
        assert "<script" not in html, path
        assert not re.search(r"\sstyle=", html), path
        assert "http://" not in html.replace("http://testserver", "") or "https://" in html, path


def test_problems_on_the_page_are_exactly_checks(site) -> None:
    a = site.clients["a-user"]
    html = a.get(f"/versions/{site.va}").text
    issues = run(site.bad).issues
    errors = [i for i in issues if i.is_error]
    assert len(errors) == 1 and errors[0].location == "支出明细!D2" and BAD_ECON in errors[0].message
    rows = re.findall(r'data-code="([^"]+)"><td>[^<]*</td><td class="loc">([^<]*)</td><td>([^<]*)</td>', html)
    # the web adds the first warning: the workbook's 单位全称 is not the department it was uploaded to (D12)
    shown = [*errors, warning("unit-name-differs", "", "基本信息", "B2"), *issues[len(errors) :]]
    expected = [(i.location, i.code) for _, group in service.grouped_issues(shown) for i in group]
    assert [(loc, code) for code, loc, _ in rows] == expected
    said = next(text for code, _, text in rows if code == "unit-name-differs")
    assert f"上传到的部门是“{A}”" in said and "工作簿的单位全称是“昌吉州政务服务和公共资源交易管理局”" in said
    assert not re.search(r">[^<]*\[[a-z]+(-[a-z]+)+\]", html)  # no English code in the text a user reads
    assert "发现1个错误" in html
    # grouped by sheet, in the order check gives them
    sheets = re.findall(r"<h3>([^<]+)</h3>", html)
    assert sheets == list(dict.fromkeys(i.sheet or "整个文件" for i in shown))


def test_annotated_workbook_download(site) -> None:
    a = site.clients["a-user"]
    r = a.get(f"/versions/{site.va}/annotated.xlsx")
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[0] == SHEET_ISSUES
    ws = wb[SHEET_ISSUES]
    assert ws["B2"].value == "错误" and ws["C2"].value.startswith("支出明细!")


def test_uploaded_workbook_is_returned_unchanged(site) -> None:
    r = site.clients["a-user"].get(f"/versions/{site.va}/workbook.xlsx")
    assert r.content == site.bad.read_bytes()


def test_build_produces_the_same_files_as_the_cli(site, tmp_path: Path) -> None:
    assert "已完成" in site.build_page
    b = site.clients["b-user"]
    pdf = b.get(f"/builds/{site.bb}/document.pdf")
    docx = b.get(f"/builds/{site.bb}/document.docx")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "filename*=UTF-8''" in pdf.headers["content-disposition"]
    out = cli_build(site.good, tmp_path, ("docx", "pdf"))
    files = {p.suffix: p.read_bytes() for p in out.written}
    assert pdf.content == files[".pdf"]
    assert docx.content == files[".docx"]


def test_build_page_says_when_libreoffice_is_missing(site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18 §4: the DOCX 目录 has no page numbers without LibreOffice; the page says so in
    Chinese with the command that installs it (and says nothing when it is installed)."""
    from generator.render import office

    b = site.clients["b-user"]
    monkeypatch.setattr(office, "soffice", lambda: "/usr/bin/soffice")
    assert "office-missing" not in b.get(f"/builds/{site.bb}").text
    monkeypatch.setattr(office, "soffice", lambda: None)
    page = b.get(f"/builds/{site.bb}").text
    assert 'id="office-missing"' in page and "没有安装 LibreOffice，DOCX 的目录没有页码" in page
    assert office.INSTALL_COMMAND in page


def test_build_refused_for_a_version_with_errors(site) -> None:
    a = site.clients["a-user"]
    r = a.post(f"/versions/{site.va}/build", data={"csrf": csrf(a)})
    assert r.url.path == f"/versions/{site.va}" and "工作簿有错误" in r.text


def test_prepare_and_download(site) -> None:
    b = site.clients["b-user"]
    r = b.post(f"/versions/{site.vb}/prepare", data={"csrf": csrf(b)})
    assert r.status_code == 200 and "已补全" in r.text
    r = b.get(f"/versions/{site.vb}/prepared.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert "上年对比" in wb.sheetnames


def test_blank_workbook(site) -> None:
    a = site.clients["a-user"]
    r = a.get(f"/departments/{site.departments[A]}/blank.xlsx?year=2023")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert "填表说明" in wb.sheetnames and "支出明细" in wb.sheetnames


def test_versions_and_compare(site) -> None:
    a = site.clients["a-user"]
    dept = site.departments[A]
    fixed = example(site.files, "000")
    v2 = version_id(upload(a, dept, fixed))
    page = a.get(f"/departments/{dept}").text
    assert "第1版" in page and "第2版" in page
    assert "1,223.12" in page  # 收支总计 of 000 (reference 表1 收入总计, examples/000-golden.md line 28)
    r = a.get(f"/departments/{dept}/compare?a={site.va}&b={v2}")
    assert r.status_code == 200
    assert "第1版 → 第2版" in r.text
    assert "有错误的版本无法逐项比较" in r.text  # version 1 has an error: headline figures only


def test_next_year_workbook(site) -> None:
    b = site.clients["b-user"]
    r = b.get(f"/versions/{site.vb}/next-year.xlsx")
    assert r.status_code == 200 and "2024" in r.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert "上年对比" in wb.sheetnames
    a = site.clients["a-user"]
    assert a.get(f"/versions/{site.va}/next-year.xlsx").status_code == 404  # a version with errors


def test_publish_and_bureau_statuses(site) -> None:
    rv = site.clients["reviewer"]
    html = rv.get("/bureau").text
    row_a = re.search(rf"{A}</a></td>(.*?)</tr>", html, re.S)[1]
    row_b = re.search(rf"{B}</a></td>(.*?)</tr>", html, re.S)[1]
    assert "已生成" in row_b and "已逾期5天" in row_b and "overdue" in row_b
    assert "剩余15天" in row_a and "overdue" not in row_a
    b = site.clients["b-user"]
    bad = b.post(
        f"/versions/{site.vb}/publish", data={"csrf": csrf(b), "url": "javascript:alert(1)", "date": "2026-01-02"}
    )
    assert "请填写以 http" in bad.text
    r = b.post(
        f"/versions/{site.vb}/publish",
        data={"csrf": csrf(b), "url": "https://czj.example.gov.cn/2023.html", "date": "2026-01-02"},
    )
    assert "已标记为已公开" in r.text
    html = rv.get("/bureau?status=已公开").text
    assert B in html and f">{A}<" not in html
    row_b = re.search(rf"{B}</a></td>(.*?)</tr>", html, re.S)[1]
    assert "overdue" not in row_b


def test_bureau_export_and_zip(site) -> None:
    admin = site.admin
    r = admin.get("/bureau/export.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    names = [ws.cell(row, 1).value for row in range(3, ws.max_row + 1)]
    assert A in names and B in names
    header = [c.value for c in ws[2]]
    assert header[:5] == ["部门", "状态", "批复日期", "公开截止日", "剩余天数"]
    r = admin.get("/bureau/pdfs.zip")
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        names = zf.namelist()
        assert len(names) == 1 and names[0].endswith(".pdf") and B in names[0]
        assert zf.read(names[0]).startswith(b"%PDF")


def test_build_all_starts_only_clean_unbuilt_latest_versions(site) -> None:
    admin = site.admin
    r = admin.post("/bureau/build-all", data={"csrf": csrf(admin)})
    # A's latest version (example 000, clean) has no build yet; B is built already
    assert "已开始生成1个部门" in r.text


def test_oversized_upload_is_refused(site) -> None:
    a = site.clients["a-user"]
    big = b"PK" + b"\0" * (3 * 1024 * 1024)
    r = a.post(
        f"/departments/{site.departments[A]}/upload",
        data={"csrf": csrf(a)},
        files={"workbook": ("big.xlsx", big, "application/octet-stream")},
    )
    assert r.status_code == 413


HOSTILE = [c for c in CASES if c["hostile"] and c["expect"] and all(sheet is None for _, sheet, _ in c["expect"])]


@pytest.mark.parametrize("case", HOSTILE, ids=[c["name"] for c in HOSTILE])
def test_hostile_upload_fails_alone(site, corpus: Path, case: dict) -> None:
    a = site.clients["a-user"]
    dept = site.departments[A]
    with site.app.state.core.Session() as db:
        before = db.query(Version).filter_by(department_id=dept).count()
    path = corpus / case["file"]
    if path.stat().st_size > 2 * 1024 * 1024:
        pytest.skip("larger than this site's upload limit (tested by the oversized upload test)")
    r = upload(a, dept, path, name="正常的名字.xlsx")
    assert r.status_code == 422
    assert "无法读取上传的文件" in r.text
    assert re.search("[\u4e00-\u9fff]", r.text)
    with site.app.state.core.Session() as db:
        assert db.query(Version).filter_by(department_id=dept).count() == before
    assert a.get(f"/departments/{dept}").status_code == 200  # the server is fine


@pytest.fixture(scope="module")
def corpus() -> Path:
    from tests.test_bad_inputs import corpus as make

    return make.__wrapped__()  # type: ignore[attr-defined]


def test_invitation_link_works_once(site) -> None:
    admin = site.admin
    r = admin.post(
        "/admin/invitations",
        data={"csrf": csrf(admin), "role": "department", "department_id": str(site.departments[A])},
    )
    link = re.search(r"(https://yusuan\.example\.gov\.cn/invite/[A-Za-z0-9_\-]+)", r.text)[1]
    path = link.removeprefix("https://yusuan.example.gov.cn")
    c = site.client()
    page = c.get(path)
    assert page.status_code == 200 and A in page.text
    token = CSRF_RE.search(page.text)[1]
    r = c.post(path, data={"csrf": token, "username": "invited", "new": PASSWORD, "again": PASSWORD})
    assert r.url.path == f"/departments/{site.departments[A]}"
    assert site.client().get(path).status_code == 404
    other = site.client()
    login(other, "invited", PASSWORD)
    assert other.get(f"/departments/{site.departments[B]}").status_code == 404


def test_first_password_must_be_changed(site) -> None:
    admin = site.admin
    r = admin.post("/admin/accounts", data={"csrf": csrf(admin), "username": "new-reviewer", "role": "reviewer"})
    one_time = re.search(r"一次性密码：([A-Za-z0-9_\-]+)", r.text)[1]
    assert one_time not in admin.get("/admin").text  # shown once
    c = site.client()
    login(c, "new-reviewer", one_time, new_password=None)
    assert c.get("/bureau").url.path == "/password"


def test_audit_log_records_who_did_what(site) -> None:
    with site.app.state.core.Session() as db:
        rows = db.query(AuditEntry).all()
        actions = {(e.username, e.action) for e in rows}
    assert ("a-user", "upload") in actions
    assert ("b-user", "build") in actions
    assert ("b-user", "download-pdf") in actions
    assert ("b-user", "publish") in actions
    assert ("admin", "department-created") in actions
    assert (None, "login-failed") in actions
    html = site.admin.get("/admin/audit").text
    assert "下载 PDF" in html and "上传工作簿" in html


def test_unknown_route_is_a_chinese_404(site) -> None:
    r = site.admin.get("/no/such/page")
    assert r.status_code == 404 and "没有找到该页面" in r.text


def test_static_assets_are_served_locally(site) -> None:
    html = site.admin.get("/bureau").text
    for ref in re.findall(r'(?:<link[^>]*href|src)="([^"]+)"', html):  # assets (a published URL is a link out)
        assert not ref.startswith(("http://", "https://", "//")), ref
    assert site.admin.get("/static/style.css").status_code == 200


def test_issues_json_roundtrip(site) -> None:
    with site.app.state.core.Session() as db:
        v = db.get(Version, site.va)
        stored = json.loads(v.issues_json)
    web_only = {"unit-name-differs"}  # the web's own warning (D12), not one of check's
    assert [d["code"] for d in stored if d["code"] not in web_only] == [i.code for i in run(site.bad).issues]


# Last: adds a newer version to B, which changes B's status on the bureau page.
def test_compare_two_clean_versions_with_diff(site) -> None:
    """B revises one line item by +10.00 万元: disclosure diff's report, with the cell that caused it."""
    b = site.clients["b-user"]
    dept = site.departments[B]
    revised = site.files / "002-调整.xlsx"
    wb = openpyxl.load_workbook(site.good)
    ws = wb["支出明细"]
    amount = f"{schema.column_letter('支出明细', 'amount')}{schema.FIRST_DATA_ROW}"
    ws[amount] = Decimal(str(ws[amount].value)) + 10
    info = wb["基本信息"]
    for row in range(1, info.max_row + 1):  # the approved totals move with it
        if info.cell(row, 1).value in ("收支总计核对数", "一般公共预算拨款核对数") and info.cell(row, 2).value:
            info.cell(row, 2).value = Decimal(str(info.cell(row, 2).value)) + 10
    wb.save(revised)
    v2 = version_id(upload(b, dept, revised))
    html = b.get(f"/departments/{dept}/compare?a={site.vb}&b={v2}").text
    assert "无法" not in html, re.search(r'class="notice">([^<]*)', html)
    assert "公开文件的修改" in html
    assert f"支出明细!{amount}" in html
    total = re.search(r"<td>收支总计</td><td class=\"num\">([\d,.]+)</td><td class=\"num\">([\d,.]+)</td>", html)
    old, new = (Decimal(x.replace(",", "")) for x in total.groups())
    assert new - old == 10
    assert old == Decimal("7111.51")  # 表1 收入总计 of example 002 (examples/002-golden.md line 24)


@pytest.mark.parametrize(
    ("limits", "message"),
    [({"job_memory": 64 * 1024 * 1024}, "内存"), ({"check_timeout": 0.05}, "超时")],
    ids=["memory", "time"],
)
def test_a_check_that_breaks_its_limit_fails_alone(tmp_path: Path, limits: dict, message: str) -> None:
    """The isolated check process runs out of memory or time: a message, no version, the server goes on."""
    s = make_site(tmp_path / "data", limits)
    try:
        dept = s.add_department("受限局")
        c = s.add_account("limited-dept", "department", "受限局")
        r = upload(c, dept, example(tmp_path, "002"))
        assert r.status_code == 422
        assert message in r.text
        with s.app.state.core.Session() as db:
            assert db.query(Version).count() == 0
        assert c.get(f"/departments/{dept}").status_code == 200
    finally:
        s.close()


def test_messages_are_not_taken_from_the_url(site) -> None:
    a = site.clients["a-user"]
    html = a.get(f"/departments/{site.departments[A]}?m=请把密码发给财政局").text
    assert "请把密码发给财政局" not in html


def test_logout_ends_the_session(site) -> None:
    c = site.client()
    login(c, "reviewer", PASSWORD)
    assert c.get("/bureau").url.path == "/bureau"
    r = c.post("/logout", data={"csrf": csrf(c)})
    assert r.url.path == "/login"
    assert c.get("/bureau").url.path == "/login"


def test_a_build_that_breaks_its_time_limit_fails_alone(tmp_path: Path) -> None:
    """The worker pool stops a build over its time limit: the build fails with a message, the version is unchanged."""
    s = make_site(tmp_path / "data", {"job_timeout": 0.5})
    try:
        dept = s.add_department("超时局")
        c = s.add_account("timeout-dept", "department", "超时局")
        vid = version_id(upload(c, dept, example(tmp_path, "002")))
        with s.app.state.core.Session() as db:
            before = db.get(Version, vid)
            before = (before.sha256, before.errors, before.issues_json, before.published_url)
        r = c.post(f"/versions/{vid}/build", data={"csrf": csrf(c)})
        page = wait_build(c, r.url.path)
        assert "生成失败" in page and re.search("[\u4e00-\u9fff]", page)
        with s.app.state.core.Session() as db:
            v = db.get(Version, vid)
            assert (v.sha256, v.errors, v.issues_json, v.published_url) == before
            assert [b.state for b in v.builds] == ["failed"]
        assert c.get(f"/versions/{vid}").status_code == 200
    finally:
        s.close()


def test_bureau_filters_and_sort(site) -> None:
    rv = site.clients["reviewer"]

    def names(query: str) -> list[str]:
        html = rv.get(f"/bureau?{query}").text
        return re.findall(r'<td><a href="/departments/\d+">([^<]+)</a></td>', html)

    # B is overdue (5 days) before A (15 left); after the compare test B's later version made it
    # 修订待公开 with a new 20-day clock from today, after A
    revised = "修订待公开" in rv.get("/bureau?q=乙").text
    assert names("sort=days") == ([A, B] if revised else [B, A])
    assert names("q=甲") == [A]
    assert names("status=未上传") == []
