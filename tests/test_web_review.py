"""Issue 19: what the end-to-end review of the web application found, each as a test.

Security items are attacks: a lock-out attempt behind the reverse proxy, a replayed cookie
after logout / disabling / a password change, ids past any database's range, a forged Host
header, the permissions of the data folder, the session cookie's content. Workflow items
check what an officer or an administrator sees. One site per module (departments 甲局 for
the account attacks and 昌吉州工业和信息化局, whose name matches example 002, for builds).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import re
import stat
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from starlette.testclient import TestClient

from generator.channel import Channel, speak
from generator.web import security, service
from generator.web.db import Account, AuditEntry, LoginSession
from generator.web.settings import Settings
from generator.workbook import schema
from tests.web_helpers import (
    PASSWORD,
    PUBLIC_URL,
    csrf,
    example,
    login,
    make_site,
    upload,
    version_id,
    wait_build,
)

pytestmark = pytest.mark.slow

A = "甲局"
C = "昌吉州工业和信息化局"  # = 单位全称 of example 002
ROOT = Path(__file__).resolve().parents[1]
ADMIN_PASSWORD = PASSWORD


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("review")
    files = tmp_path_factory.mktemp("review-files")
    s = make_site(data, {"max_upload": 2 * 1024 * 1024})
    today = service.today()
    s.add_department(A, (today - dt.timedelta(days=5)).isoformat(), 2023)
    s.add_department(C, (today - dt.timedelta(days=25)).isoformat(), 2023)
    s.admin.post(f"/departments/{s.departments[A]}/units", data={"csrf": csrf(s.admin), "name": "甲局本级"})
    s.admin.post(f"/departments/{s.departments[A]}/units", data={"csrf": csrf(s.admin), "name": "甲局下属中心"})
    s.add_account("officer-a", "department", A)
    s.add_account("officer-c", "department", C)
    s.add_account("reviewer", "reviewer")
    s.files = files  # type: ignore[attr-defined]
    yield s
    s.close()


def _login_status(client: TestClient, username: str, password: str) -> int:
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]  # type: ignore[index]
    return client.post("/login", data={"csrf": token, "username": username, "password": password}).status_code


def _account(site, username: str) -> Account:
    with site.app.state.core.Session() as db:
        return db.query(Account).filter_by(username=username).one()


def _audit(site, action: str) -> list[AuditEntry]:
    with site.app.state.core.Session() as db:
        return db.query(AuditEntry).filter_by(action=action).order_by(AuditEntry.id).all()


# --- S1: nobody locked out -------------------------------------------------------------------


def test_forwarded_address_is_believed_only_from_a_trusted_proxy() -> None:
    proxies, bad = security.parse_proxies("127.0.0.1, ::1 10.0.0.0/8 not-an-address")
    assert bad == ["not-an-address"]
    # the proxy's header gives the client; entries the client wrote itself (left) prove nothing
    assert security.client_address("127.0.0.1", "6.6.6.6, 198.51.100.7", proxies) == "198.51.100.7"
    assert security.client_address("127.0.0.1", "198.51.100.7, 10.1.2.3", proxies) == "198.51.100.7"
    # anyone else's header is ignored: an attacker cannot pick an address per attempt
    assert security.client_address("203.0.113.9", "198.51.100.7", proxies) == "203.0.113.9"
    assert security.client_address("127.0.0.1", None, proxies) == "127.0.0.1"
    assert security.client_address("127.0.0.1", "garbage", proxies) == "127.0.0.1"
    assert security.client_address("127.0.0.1", "198.51.100.7", []) == "127.0.0.1"  # nothing configured


def test_lockout_attack_behind_the_proxy_locks_nobody_else_out(tmp_path: Path) -> None:
    """The review's attack (S1) behind nginx: 60 failed logins for made-up names and 6 wrong passwords
    for admin and for an officer, all from one attacker. Everyone else still logs in with the right
    password; the officer's own pair from the attacker's address is refused until an admin unlocks it."""
    s = make_site(tmp_path / "data", {"trusted_proxies": "127.0.0.1"})
    try:
        s.add_department(A)
        s.add_account("zhangsan", "department", A)
        app = s.app

        def via_proxy(client_ip: str) -> TestClient:  # every connection comes from nginx on 127.0.0.1
            return TestClient(
                app,  # type: ignore[arg-type]
                client=("127.0.0.1", 40000),
                headers={"x-forwarded-for": client_ip},
                follow_redirects=True,
            )

        attacker = via_proxy("203.0.113.9")
        for n in range(60):
            assert _login_status(attacker, f"invented-{n}", "wrong-password-x") in (400, 429)
        for _ in range(6):
            _login_status(attacker, "admin", "wrong-password-x")
            _login_status(attacker, "zhangsan", "wrong-password-x")
        assert _login_status(attacker, "zhangsan", PASSWORD) == 429  # this pair is locked
        assert _login_status(attacker, "invented-1", "wrong-password-x") == 429  # the noisy address is told so

        # the real people, at their own addresses behind the same proxy, are not affected
        assert _login_status(via_proxy("198.51.100.7"), "admin", PASSWORD) == 200
        officer = via_proxy("198.51.100.8")
        assert _login_status(officer, "zhangsan", PASSWORD) == 200
        assert officer.get(f"/departments/{s.departments[A]}").status_code == 200
        # a colleague at the attacker's (shared) address still gets in with a correct password
        s.add_account("lisi", "reviewer")
        assert _login_status(via_proxy("203.0.113.9"), "lisi", PASSWORD) == 200

        # the audit log has the attacker's real address, not the proxy's
        clients = {e.client for e in _audit(s, "login-failed")}
        assert clients == {"203.0.113.9"}

        # the administrator sees the lock and lifts it
        page = s.admin.get("/admin/accounts").text
        row = re.search(r'<tr id="account-(\d+)"><td>zhangsan</td>.*?</tr>', page, re.S)
        assert row and "登录被限制" in row[0]
        r = s.admin.post(f"/admin/accounts/{row[1]}/unlock", data={"csrf": csrf(s.admin)})
        assert "已解除账号 zhangsan 的登录限制" in r.text
        assert _login_status(via_proxy("203.0.113.9"), "zhangsan", PASSWORD) == 200
        assert [e.object for e in _audit(s, "login-unlocked")] == ["zhangsan"]
    finally:
        s.close()


def test_without_a_trusted_proxy_a_forged_header_changes_nothing(site) -> None:
    """A client connecting directly cannot dodge the throttle by sending X-Forwarded-For."""
    site.add_account("victim", "reviewer")
    for n in range(5):
        c = TestClient(site.app, headers={"x-forwarded-for": f"192.0.2.{n}"}, follow_redirects=True)
        assert _login_status(c, "victim", "wrong-password-x") == 400
    c = TestClient(site.app, headers={"x-forwarded-for": "192.0.2.99"}, follow_redirects=True)
    assert _login_status(c, "victim", PASSWORD) == 429  # the same (name, real address) pair
    site.app.state.core.throttle.unlock("victim")


# --- S2/S3/S9: accounts that end, logins that end ---------------------------------------------


def _cookie(client: TestClient) -> str:
    return client.cookies["disclosure_session"]


def _replay(site, cookie: str, path: str) -> str:
    """A fresh client holding only a copied cookie: where does `path` end up?"""
    thief = TestClient(site.app, follow_redirects=True)
    thief.cookies.set("disclosure_session", cookie)
    return thief.get(path).url.path


def test_logout_ends_the_login_on_the_server(site) -> None:
    c = site.client()
    login(c, "reviewer", PASSWORD)
    copied = _cookie(c)
    assert _replay(site, copied, "/bureau") == "/bureau"
    c.post("/logout", data={"csrf": csrf(c)})
    assert _replay(site, copied, "/bureau") == "/login"  # the copied cookie no longer works
    assert _audit(site, "logout")


def test_session_cookie_holds_no_part_of_the_password_hash(site) -> None:
    c = site.client()
    login(c, "reviewer", PASSWORD)
    payload = _cookie(c).split(".")[0]
    data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(data) <= {"sid", "csrf", "flash", "secret"}
    stored = _account(site, "reviewer").password_hash
    text = json.dumps(data)
    assert not any(stored[i : i + 8] in text for i in range(len(stored) - 8))  # no 8 characters of the hash


def test_disable_and_enable_an_account(site) -> None:
    officer = site.client()
    site.add_account("leaver", "department", A)
    login(officer, "leaver", PASSWORD)
    copied = _cookie(officer)
    aid = _account(site, "leaver").id
    r = site.admin.post(f"/admin/accounts/{aid}/disable", data={"csrf": csrf(site.admin)})
    assert "已停用账号 leaver" in r.text
    assert officer.get(f"/departments/{site.departments[A]}").url.path == "/login"
    assert _replay(site, copied, f"/departments/{site.departments[A]}") == "/login"
    assert _login_status(site.client(), "leaver", PASSWORD) == 400  # the right password no longer works
    with site.app.state.core.Session() as db:
        assert db.query(LoginSession).filter_by(account_id=aid).count() == 0
    site.admin.post(f"/admin/accounts/{aid}/enable", data={"csrf": csrf(site.admin)})
    assert _login_status(site.client(), "leaver", PASSWORD) == 200
    assert [e.object for e in _audit(site, "account-disabled")] == ["leaver"]
    assert [e.object for e in _audit(site, "account-enabled")] == ["leaver"]


def test_reset_password_gives_a_new_one_time_password_and_ends_logins(site) -> None:
    site.add_account("forgetful", "department", A)
    old = site.client()
    login(old, "forgetful", PASSWORD)
    aid = _account(site, "forgetful").id
    r = site.admin.post(f"/admin/accounts/{aid}/reset", data={"csrf": csrf(site.admin)})
    new_one_time = re.search(r"新一次性密码：([A-Za-z0-9_\-]+)", r.text)[1]  # type: ignore[index]
    assert old.get("/password").url.path == "/login"  # the old login ended
    assert _login_status(site.client(), "forgetful", PASSWORD) == 400  # the old password is gone
    c = site.client()
    login(c, "forgetful", new_one_time, new_password="another-password-1")
    assert c.get(f"/departments/{site.departments[A]}").status_code == 200
    assert [e.object for e in _audit(site, "password-reset")] == ["forgetful"]
    assert new_one_time not in site.admin.get("/admin/accounts").text  # shown once


def test_end_all_logins_and_a_password_change_end_the_other_logins(site) -> None:
    site.add_account("two-pcs", "department", A)
    office, home = site.client(), site.client()
    login(office, "two-pcs", PASSWORD)
    login(home, "two-pcs", PASSWORD)
    # a password change on one PC ends the login on the other, and keeps this one
    r = office.post(
        "/password", data={"csrf": csrf(office), "old": PASSWORD, "new": "new-password-22", "again": "new-password-22"}
    )
    assert "密码已修改" in r.text
    assert home.get("/password").url.path == "/login"
    assert office.get("/password").url.path == "/password"
    # the administrator ends every login of the account
    login(home, "two-pcs", "new-password-22")
    aid = _account(site, "two-pcs").id
    r = site.admin.post(f"/admin/accounts/{aid}/end-sessions", data={"csrf": csrf(site.admin)})
    assert "已结束账号 two-pcs 的2个登录" in r.text
    assert office.get("/password").url.path == "/login" and home.get("/password").url.path == "/login"
    assert [e.detail for e in _audit(site, "sessions-ended")] == ["2个"]
    assert any(e.username == "two-pcs" for e in _audit(site, "password-changed"))


def test_an_administrator_cannot_disable_or_reset_themselves(site) -> None:
    aid = _account(site, "admin").id
    r = site.admin.post(f"/admin/accounts/{aid}/disable", data={"csrf": csrf(site.admin)})
    assert "不能停用或重置自己的账号" in r.text
    assert _account(site, "admin").active


def test_account_actions_need_the_administrator_and_a_token(site) -> None:
    aid = _account(site, "officer-a").id
    officer = site.clients["officer-c"]
    assert officer.post(f"/admin/accounts/{aid}/disable", data={"csrf": csrf(officer)}).status_code == 404
    assert site.admin.post(f"/admin/accounts/{aid}/disable", data={"csrf": "forged"}).status_code == 403
    assert site.admin.post(f"/admin/accounts/{aid}/explode", data={"csrf": csrf(site.admin)}).status_code == 404
    assert _account(site, "officer-a").active


# --- S5: ids out of range, unexpected failures -------------------------------------------------


HUGE = "99999999999999999999"


def test_ids_past_any_database_are_a_chinese_404(site) -> None:
    c = site.clients["officer-a"]
    for path in (
        f"/versions/{HUGE}",
        f"/versions/{HUGE}/workbook.xlsx",
        f"/builds/{HUGE}",
        f"/builds/{HUGE}/document.pdf",
        f"/departments/{HUGE}",
        f"/departments/{HUGE}/blank.xlsx",
        f"/departments/{site.departments[A]}/compare?a={HUGE}&b=1",
        f"/versions/{2**63}",
    ):
        r = c.get(path)
        assert r.status_code == 404, path
        assert "没有找到该页面" in r.text, path
    r = site.admin.post(f"/admin/accounts/{HUGE}/disable", data={"csrf": csrf(site.admin)})
    assert r.status_code == 404


def test_an_unexpected_failure_is_a_chinese_page_without_a_traceback(site, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals /srv/disclosure/app.py line 42")

    monkeypatch.setattr(service, "bureau_rows", broken)
    c = TestClient(site.app, raise_server_exceptions=False, follow_redirects=True)
    c.cookies.update(site.admin.cookies)
    r = c.get("/bureau")
    assert r.status_code == 500
    assert "系统内部错误" in r.text and "secret internals" not in r.text and "Traceback" not in r.text


# --- S6: the invitation link ------------------------------------------------------------------


def test_invitation_link_ignores_the_host_header(site) -> None:
    admin = site.admin
    r = admin.post(
        "/admin/invitations",
        data={"csrf": csrf(admin), "role": "reviewer"},
        headers={"host": "evil.example.net", "x-forwarded-host": "evil.example.net"},
    )
    link = re.search(r"(https?://[^\s<]+/invite/[A-Za-z0-9_\-]+)", r.text)[1]  # type: ignore[index]
    assert link.startswith(f"{PUBLIC_URL}/invite/") and "evil" not in link


def test_public_url_is_https_when_https_is_on() -> None:
    s = Settings(public_url="http://yusuan.example.gov.cn/", https_only=True)
    assert s.public_base() == "https://yusuan.example.gov.cn"
    assert Settings(public_url=None).public_base() is None


def test_without_a_public_url_no_invitation_is_made(tmp_path: Path) -> None:
    s = make_site(tmp_path / "data", {"public_url": None})
    try:
        r = s.admin.post("/admin/invitations", data={"csrf": csrf(s.admin), "role": "reviewer"})
        assert "DISCLOSURE_PUBLIC_URL" in r.text and "/invite/" not in r.text
    finally:
        s.close()


# --- S7, S8: private data folder, temporary files inside it -----------------------------------


def test_data_folder_is_private(site) -> None:
    upload(site.clients["officer-c"], site.departments[C], example(site.files, "002"))
    data = site.data
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    paths = [data, *data.rglob("*")]
    assert any(p.name == "disclosure.sqlite3" for p in paths) and any(p.parent.parent.name == "files" for p in paths)
    for p in paths:
        assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, (p, oct(p.stat().st_mode))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "UMask=0077" in readme


def test_serve_keeps_files_private_and_temporary_files_in_the_data_folder(tmp_path: Path) -> None:
    code = (
        "import os, tempfile, pathlib;"
        "from generator.web.server import private_files;"
        f"private_files(pathlib.Path({str(tmp_path)!r}));"
        "print(tempfile.gettempdir()); print(os.environ['TMPDIR']); print(oct(os.umask(0)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(tmp_path), str(tmp_path), "0o77"]


# --- S10, D4: oversize uploads; the audit log ------------------------------------------------


def test_oversize_upload_gets_the_normal_page_and_is_audited(site) -> None:
    c = site.clients["officer-a"]
    dept = site.departments[A]
    r = c.post(
        f"/departments/{dept}/upload",
        data={"csrf": csrf(c)},
        files={"workbook": ("大文件.xlsx", b"PK" + b"\0" * (3 * 1024 * 1024), "application/octet-stream")},
    )
    assert r.status_code == 413
    assert "最多 2 MB" in r.text and f'href="/departments/{dept}"' in r.text and "退出" in r.text
    entry = _audit(site, "upload-too-large")[-1]
    assert entry.username == "officer-a" and entry.department_id == dept and "3.0MB" in entry.detail
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "网页版每次上传最多 20 MB" in readme


def test_audit_log_is_searched_filtered_paged_and_exported(site) -> None:
    admin = site.admin
    for n in range(60):  # enough for two pages
        _login_status(site.client(), f"nobody-{n}", "wrong-password-x")
    page = admin.get("/admin/audit?action=login-failed").text
    assert "第1/" in page and re.search(r"共(\d+)条", page)
    total = int(re.search(r"共(\d+)条", page)[1])  # type: ignore[index]
    assert total >= 60
    second = admin.get("/admin/audit?action=login-failed&page=2").text
    assert "上一页" in second
    found = admin.get("/admin/audit?q=nobody-42").text
    assert "nobody-42" in found and "nobody-41" not in found
    by_dept = admin.get(f"/admin/audit?department={site.departments[A]}&action=upload-too-large").text
    assert "上传文件过大被拒绝" in by_dept and "共1条" in by_dept
    tomorrow = (service.today() + dt.timedelta(days=1)).isoformat()
    assert "共0条" in admin.get(f"/admin/audit?from={tomorrow}").text
    assert "没有符合条件的记录" in admin.get(f"/admin/audit?from={tomorrow}").text
    assert "共1条" in admin.get("/admin/audit?account=officer-a&action=upload-too-large").text
    r = admin.get("/admin/audit.xlsx?action=login-failed")
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in ws[2]][:4] == ["时间（北京时间）", "账号", "操作", "操作代码"]
    assert ws.max_row - 2 == total and ws["D3"].value == "login-failed"  # the code kept for support
    assert site.clients["officer-a"].get("/admin/audit").status_code == 404


# --- D1, D3, D8: the blank workbook -----------------------------------------------------------


def _texts(wb) -> str:
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    out.append(cell.value)
                if cell.comment is not None:
                    out.append(cell.comment.text)
        out += [dv.error or "" for dv in ws.data_validations.dataValidation]
    return "\n".join(out)


def test_blank_workbook_is_prefilled_and_speaks_the_web(site) -> None:
    c = site.clients["officer-a"]
    r = c.get(f"/departments/{site.departments[A]}/blank.xlsx?year=2024")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    info = wb[schema.SHEET_INFO]
    assert info["A2"].value == "单位全称" and info["B2"].value == A
    year_row = next(r for r in range(2, 30) if info.cell(r, 1).value == "预算年度")
    assert info.cell(year_row, 2).value == 2024
    units = wb[schema.SHEET_UNITS]
    assert [units.cell(r, 1).value for r in (2, 3, 4)] == ["甲局本级", "甲局下属中心", None]
    text = _texts(wb)
    assert "disclosure" not in text and "运行 prepare" not in text  # no command anywhere (D3)
    assert "点击“补全所需的行”" in text and "点击“上传并检查”" in text
    # the CLI's blank workbook still names the commands: one text, two channels
    from generator.workbook.template import build_workbook

    assert "运行 disclosure prepare" in _texts(build_workbook(None, year=2023))


def test_blank_workbook_years_outside_the_supported_range_are_refused(site) -> None:
    c = site.clients["officer-a"]
    dept = site.departments[A]
    this_year = service.today().year
    for year in ("99999", "2100", "abc", "2022", str(this_year + 2), "-1"):
        r = c.get(f"/departments/{dept}/blank.xlsx?year={year}")
        assert r.status_code == 400, year
        assert "不在可生成的范围内" in r.text and f"2023—{this_year + 1}年" in r.text
    assert c.get(f"/departments/{dept}/blank.xlsx?year=2023").status_code == 200


def test_speak_names_the_web_buttons_instead_of_commands() -> None:
    moved = "请确认原因仍然适用；如需修改，改写原因后运行 disclosure prepare"
    assert speak(moved, Channel.CLI) == moved
    assert speak(moved, Channel.WEB) == "请确认原因仍然适用；如需修改，改写原因后在网页的版本页面点击“补全所需的行”"
    assert speak("6. 导出计算结果（可选）：运行 disclosure dump 工作簿.xlsx，写成 JSON。", Channel.WEB) == ""
    assert speak("运行 disclosure build 工作簿.xlsx（--format html 另生成网页）。", Channel.WEB) == (
        "在版本页面点击“生成 DOCX 和 PDF”。"
    )


# --- D7, D12: refusals name the user's file; the wrong department's workbook --------------------


def test_refusal_names_the_users_file(site) -> None:
    c = site.clients["officer-a"]
    empty = site.files / "empty.xlsx"
    empty.write_bytes(b"")
    r = upload(c, site.departments[A], empty, name="我的空文件.xlsx")
    assert r.status_code == 422
    assert "我的空文件.xlsx" in r.text and "upload.xlsx" not in r.text


def test_matching_unit_name_gives_no_warning(site) -> None:
    r = upload(site.clients["officer-c"], site.departments[C], example(site.files, "002"))
    assert "unit-name-differs" not in r.text and "上传到的部门" not in r.text


# --- D2, D10, D11, §3: publication belongs to a version --------------------------------------


def _board_row(site, name: str) -> str:
    html = site.clients["reviewer"].get("/bureau").text
    return re.search(rf">{re.escape(name)}</a></td>(.*?)</tr>", html, re.S)[1]  # type: ignore[index]


def test_publication_survives_a_later_upload_and_a_revision_gets_its_own_clock(site) -> None:
    c = site.clients["officer-c"]
    dept = site.departments[C]
    book = example(site.files, "002")
    v1 = version_id(upload(c, dept, book))
    # D11: a version never generated cannot be marked published
    page = c.get(f"/versions/{v1}").text
    assert 'action="/versions/' + str(v1) + '/publish"' not in page and "还没有生成公开文件" in page
    r = c.post(
        f"/versions/{v1}/publish", data={"csrf": csrf(c), "url": "https://example.gov.cn/a", "date": "2026-01-02"}
    )
    assert "还没有生成公开文件" in r.text
    r = c.post(f"/versions/{v1}/build", data={"csrf": csrf(c)})
    done = wait_build(c, r.url.path)
    assert "下载之后" in done and "标记为已公开" in done  # §3: what to do after downloading
    # D10: the reviewer's version page links this version's documents
    rv = site.clients["reviewer"].get(f"/versions/{v1}").text
    assert re.search(r'href="/builds/\d+/document\.pdf"', rv) and re.search(r'href="/builds/\d+/document\.docx"', rv)
    url = "https://czj.example.gov.cn/2023/gongxin.html"
    r = c.post(f"/versions/{v1}/publish", data={"csrf": csrf(c), "url": url, "date": service.today().isoformat()})
    assert "已标记为已公开" in r.text
    row = _board_row(site, C)
    label = re.search(r"已公开（第(\d+)版）", row)
    assert label and "overdue" not in row and url in row
    n = int(label[1])

    # the same workbook again (an officer "just checking"): still published, no clock
    upload(c, dept, book)
    row = _board_row(site, C)
    assert f"已公开（第{n}版）" in row and "overdue" not in row and url in row

    # an adjustment: a different workbook. 修订待公开, 20 days from today, the URL stays
    revised = site.files / "002-调整.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb[schema.SHEET_ITEMS]
    cell = f"{schema.column_letter(schema.SHEET_ITEMS, 'amount')}{schema.FIRST_DATA_ROW}"
    ws[cell] = Decimal(str(ws[cell].value)) + 1
    info = wb[schema.SHEET_INFO]
    for r in range(1, info.max_row + 1):  # the approved totals move with it: a clean revision
        if info.cell(r, 1).value in ("收支总计核对数", "一般公共预算拨款核对数") and info.cell(r, 2).value:
            info.cell(r, 2).value = Decimal(str(info.cell(r, 2).value)) + 1
    wb.save(revised)
    v3 = version_id(upload(c, dept, revised))
    row = _board_row(site, C)
    due = (service.today() + dt.timedelta(days=20)).isoformat()
    assert "修订待公开" in row and f"修订：{due}" in row and "剩余20天" in row and url in row
    assert "overdue" not in row
    export = site.clients["reviewer"].get("/bureau/export.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(export.content)).active
    line = next(r for r in ws.iter_rows(min_row=3, values_only=True) if r[0] == C)
    assert line[1] == "修订待公开" and url in line
    # §3: the department's own page shows the same state, deadline and days left
    page = c.get(f"/departments/{dept}").text
    state = re.search(r'<section class="card deadline" id="state">(.*?)</section>', page, re.S)[1]  # type: ignore[index]
    assert "修订待公开" in state and due in state and "剩余20天" in state and url in state
    # D3: the revision's warnings speak the web; no English code in the text
    html = c.get(f"/versions/{v3}").text
    assert "disclosure" not in html
    assert not re.search(r">[^<]*\[[a-z]+(-[a-z]+)+\][^<]*<", html)


def test_department_page_shows_its_deadline_like_the_board(site) -> None:
    page = site.clients["officer-a"].get(f"/departments/{site.departments[A]}").text
    due = (service.today() + dt.timedelta(days=15)).isoformat()
    state = re.search(r'id="state">(.*?)</section>', page, re.S)[1]  # type: ignore[index]
    assert "未上传" in state and due in state and "剩余15天" in state
    assert "还没有上传过工作簿。下载空白工作簿填好后" in page


# --- compare: summary first, the long list folded, the CLI's downloads -------------------------


def test_compare_summary_and_downloads(site) -> None:
    c = site.clients["officer-c"]
    dept = site.departments[C]
    html = c.get(f"/departments/{dept}").text
    ids = [int(x) for x in re.findall(r'<a href="/versions/(\d+)">第\d+版</a>', html)]
    old, new = min(ids), max(ids)
    page = c.get(f"/departments/{dept}/compare?a={old}&b={new}").text
    assert page.index("修改概要") < page.index("公开文件的修改")
    total = int(re.search(r"公开文件共<strong>(\d+)</strong>处修改", page)[1])  # type: ignore[index]
    assert total > 10 and '<details class="long">' in page  # folded
    assert "表" in re.search(r"按表和章节：([^<]*)", page)[1]  # type: ignore[index]
    r = c.get(f"/departments/{dept}/compare/report.xlsx?a={old}&b={new}")
    assert r.status_code == 200 and "修订说明" in unquote(r.headers["content-disposition"])
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    cells = "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)
    assert f"支出明细!{schema.column_letter(schema.SHEET_ITEMS, 'amount')}{schema.FIRST_DATA_ROW}" in cells
    r = c.get(f"/departments/{dept}/compare/redline.docx?a={old}&b={new}")
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        body = z.read("word/document.xml").decode()
    assert "<w:ins " in body and "<w:del " in body
    actions = {e.action for e in _audit(site, "download-redline")} | {
        e.action for e in _audit(site, "download-revision-report")
    }
    assert actions == {"download-redline", "download-revision-report"}
    # another department's officer gets 404, the same as any other id guess
    assert site.clients["officer-a"].get(f"/departments/{dept}/compare/report.xlsx?a={old}&b={new}").status_code == 404


# --- §3: the administrator's pages ------------------------------------------------------------


def test_first_password_change_lands_on_next_steps(tmp_path: Path) -> None:
    from generator.web.app import create_app

    app = create_app(Settings(data_dir=tmp_path / "data", public_url=PUBLIC_URL))
    try:
        password = app.state.core.first_admin()
        c = TestClient(app, follow_redirects=True)
        page = c.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]  # type: ignore[index]
        r = c.post("/login", data={"csrf": token, "username": "admin", "password": password})
        r = c.post("/password", data={"csrf": csrf(c), "old": password, "new": PASSWORD, "again": PASSWORD})
        assert r.url.path == "/admin"
        assert "密码已修改" in r.text and "接下来要做的事" in r.text
        for step in ("创建部门", "开通账号", "科目代码表", "批复日期"):
            assert step in r.text
        board = c.get("/bureau").text
        assert "请先在" in board and "/admin/departments" in board  # an empty list says what fills it
        assert "全部生成" not in board and "pdfs.zip" not in board  # nothing to do yet
        assert "还没有部门" in c.get("/admin/departments").text
    finally:
        app.state.core.close()


def test_admin_is_split_into_pages_with_a_heading_per_form(site) -> None:
    for path, forms in (
        ("/admin", 0),
        ("/admin/departments", 1),
        ("/admin/accounts", 2),
        ("/admin/year", 0),
        ("/admin/audit", 0),
    ):
        html = site.admin.get(path).text
        assert 'class="subnav"' in html, path
        cards = re.findall(r'<section class="card[^"]*"[^>]*>(.*?)</section>', html, re.S)
        big_forms = [
            c for c in cards if re.search(r'<form method="post" action="/admin/(departments|accounts|invitations)"', c)
        ]
        assert len(big_forms) == forms, path
        for card in big_forms:  # each form in its own card, under its own heading
            assert card.lstrip().startswith("<h2>") and card.count('<form method="post" action="/admin/') == 1
    assert 'id="catalog"' in site.admin.get("/admin/year").text and 'id="format"' in site.admin.get("/admin/year").text


def test_prepare_says_what_it_added(site) -> None:
    c = site.clients["officer-c"]
    vid = version_id(upload(c, site.departments[C], example(site.files, "002")))
    r = c.post(f"/versions/{vid}/prepare", data={"csrf": csrf(c)})
    assert "不需要补全" in r.text or re.search(r"“上年对比”新增\d+行", r.text)
    # example 002 already has every row it needs
    assert "不需要补全：“上年对比”和“类用途说明”所需的行都已齐全" in r.text
    assert "disclosure" not in r.text


# --- D6: the service stops with status 0 ------------------------------------------------------


def test_sigterm_stops_the_service_with_status_0(tmp_path: Path) -> None:
    import signal
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DISCLOSURE_DATA": str(tmp_path / "data"), "DISCLOSURE_BUILD_WORKERS": "1"}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out
    assert "已被终止" not in out and "已停止" in out


def test_made_up_names_cannot_grow_the_throttle_without_bound(monkeypatch) -> None:
    throttle = security.LoginThrottle(5, 0.05, 50)
    monkeypatch.setattr(security.RateLimiter, "MAX_KEYS", 100)
    for n in range(100):
        throttle.failed(f"invented-{n}", "203.0.113.9")
    time.sleep(0.06)  # the window passes
    throttle.failed("one-more", "203.0.113.9")
    assert len(throttle.pairs._fails) == 1
