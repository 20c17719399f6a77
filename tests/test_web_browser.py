"""The web application in headless Chromium (Debian's package, driven by Playwright).

The test starts `disclosure serve` on a free loopback port and plays it as the people who
use it: the administrator sets up two departments; department 000 uploads its workbook
with one error, sees the located message, downloads the annotated workbook, uploads the
fixed workbook, builds and downloads the PDF (the same bytes as the CLI's); department 002
uploads; the bureau sees both with the right statuses and days left. Screenshots of every
page are saved in the test's temporary folder (and copied to $WEB_SCREENSHOTS if set).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from generator.annotate import SHEET_ISSUES
from generator.build import build as cli_build
from generator.web import service
from tests.office import failing_office_env
from tests.web_helpers import PASSWORD, example, example_with_one_error

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
D000, D002 = "昌吉州政资局", "昌吉州工业和信息化局"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(tmp_path: Path, extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, str, int]]:
    """`disclosure serve` on a free loopback port: its address, the first administrator's password, its pid."""
    port = _free_port()
    env = {
        **os.environ,
        **(extra_env or {}),
        "DISCLOSURE_DATA": str(tmp_path / "data"),
        # the browser plays nginx: every connection from 127.0.0.1, the client's address in X-Forwarded-For
        "DISCLOSURE_TRUSTED_PROXIES": "127.0.0.1",
        "DISCLOSURE_PUBLIC_URL": "https://yusuan.example.gov.cn",
    }
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    password = None
    try:
        assert proc.stdout is not None
        for _ in range(20):
            line = proc.stdout.readline()
            m = re.search(r"一次性密码：(\S+?)（", line)
            if m:
                password = m[1]
            if "Ctrl+C" in line:
                break
        assert password, "the first administrator's password was not printed"
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield base, password, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def server(tmp_path: Path):
    with serving(tmp_path) as running:
        yield running


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")
def test_department_and_bureau_in_a_browser(server, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    base, admin_password, _ = server
    shots = tmp_path / "screenshots"
    shots.mkdir()
    files = tmp_path / "files"
    files.mkdir()
    bad = example_with_one_error(files)
    fixed = example(files, "000")
    other = example(files, "002")
    today = service.today()  # the server counts days in China time

    def shot(page, name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    def login(page, user: str, password: str, new: str | None = None) -> None:
        page.goto(f"{base}/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", password)
        page.click("form[action='/login'] button")
        if new:
            page.fill("input[name=old]", password)
            page.fill("input[name=new]", new)
            page.fill("input[name=again]", new)
            page.click("form[action='/password'] button")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            # --- the administrator sets up two departments and their accounts
            admin = browser.new_context(accept_downloads=True, viewport={"width": 1360, "height": 900}).new_page()
            login(admin, "admin", admin_password)
            shot(admin, "01-first-login-password")
            admin.fill("input[name=old]", admin_password)
            admin.fill("input[name=new]", PASSWORD)
            admin.fill("input[name=again]", PASSWORD)
            admin.click("form[action='/password'] button")
            admin.goto(f"{base}/admin/departments")
            for name, days_ago in ((D000, 5), (D002, 25)):
                admin.fill("form[action='/admin/departments'] input[name=name]", name)
                # the 预算年度 of the examples uploaded below (examples/000.json, 002.json: 2023)
                admin.select_option("form[action='/admin/departments'] select[name=year]", "2023")
                admin.fill(
                    "form[action='/admin/departments'] input[name=approval_date]",
                    (today - dt.timedelta(days=days_ago)).isoformat(),
                )
                admin.click("form[action='/admin/departments'] button")
            passwords = {}
            admin.goto(f"{base}/admin/accounts")
            for user, dept in (("dept000", D000), ("dept002", D002)):
                admin.fill("form[action='/admin/accounts'] input[name=username]", user)
                admin.select_option("form[action='/admin/accounts'] select[name=department_id]", label=dept)
                admin.click("form[action='/admin/accounts'] button")
                passwords[user] = re.search(r"一次性密码：(\S+?)（", admin.inner_text("#secret"))[1]
            shot(admin, "02-admin")

            # --- department 000: upload with one error, see it, download the annotated copy
            d0 = browser.new_context(accept_downloads=True, viewport={"width": 1360, "height": 900}).new_page()
            login(d0, "dept000", passwords["dept000"], PASSWORD)
            assert D000 in d0.inner_text("h1")
            shot(d0, "03-department-empty")
            d0.set_input_files("input[name=workbook]", str(bad))
            d0.click("form[enctype='multipart/form-data'] button")
            text = d0.inner_text("main")
            assert "发现1个错误" in text
            assert "支出明细!D2" in text and "99999" in text
            shot(d0, "04-version-with-error")
            with d0.expect_download() as dl:
                d0.click("a[href$='/annotated.xlsx']")
            annotated = Path(dl.value.path())
            wb = openpyxl.load_workbook(io.BytesIO(annotated.read_bytes()))
            assert wb.sheetnames[0] == SHEET_ISSUES and wb[SHEET_ISSUES]["C2"].value == "支出明细!D2"
            assert dl.value.suggested_filename.endswith(".xlsx") and D000 in dl.value.suggested_filename

            # --- upload the fixed workbook, build, download the PDF
            d0.click("p.crumbs a")
            d0.set_input_files("input[name=workbook]", str(fixed))
            d0.click("form[enctype='multipart/form-data'] button")
            assert "检查通过" in d0.inner_text("main")
            d0.click("form[action$='/build'] button")
            shot(d0, "05-building")
            d0.wait_for_selector("#pdf", timeout=240_000)
            shot(d0, "06-built")
            with d0.expect_download() as dl:
                d0.click("#pdf")
            pdf = Path(dl.value.path()).read_bytes()
            cli = cli_build(fixed, tmp_path / "cli", ("pdf",))
            assert pdf == cli.written[0].read_bytes(), "the web PDF differs from the CLI's"
            d0.goto(d0.url.rsplit("/builds/", 1)[0] + "/")
            d0.click("a.brand")
            shot(d0, "07-department-versions")

            # --- department 002 uploads its clean workbook
            d2 = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
            login(d2, "dept002", passwords["dept002"], PASSWORD)
            d2.set_input_files("input[name=workbook]", str(other))
            d2.click("form[enctype='multipart/form-data'] button")
            assert "检查通过" in d2.inner_text("main")

            # --- the bureau sees both
            admin.goto(f"{base}/bureau")
            shot(admin, "08-bureau")
            row0 = admin.inner_text(f"tr:has(a:text-is('{D000}'))")
            row2 = admin.inner_text(f"tr:has(a:text-is('{D002}'))")
            assert "已生成" in row0 and "剩余15天" in row0
            assert "待生成" in row2 and "已逾期5天" in row2
            assert admin.locator(f"tr:has(a:text-is('{D002}')) td.overdue").count() == 1
            assert admin.locator(f"tr:has(a:text-is('{D000}')) td.overdue").count() == 0
            assert "1,223.12" in row0  # 收支总计 of example 000 (表1 收入总计, examples/000-golden.md line 28)
            # 15 columns at 1360 px: the page itself never scrolls sideways (the table scrolls in its box)
            width = admin.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], f"the board is wider than the window: {width}"
        finally:
            browser.close()
            target = os.environ.get("WEB_SCREENSHOTS")
            if target:
                shutil.copytree(shots, target, dirs_exist_ok=True)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")
def test_issue_19_in_a_browser(server, tmp_path: Path) -> None:
    """The review's findings, played in the browser behind a (simulated) nginx: a lock-out attack
    that locks nobody else out, the department page's deadline, publication after a re-upload,
    the compare summary and its downloads, disabling an account. Screenshots in the test folder."""
    from playwright.sync_api import sync_playwright

    base, admin_password, server_pid = server
    shots = tmp_path / "screenshots"
    shots.mkdir()
    files = tmp_path / "files"
    files.mkdir()
    book = example(files, "002")
    revised = files / "002-调整.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["支出明细"]
    ws["I2"] = float(ws["I2"].value) + 2
    info = wb["基本信息"]
    for row in range(1, info.max_row + 1):
        if info.cell(row, 1).value in ("收支总计核对数", "一般公共预算拨款核对数") and info.cell(row, 2).value:
            info.cell(row, 2).value = float(info.cell(row, 2).value) + 2
    wb.save(revised)
    today = service.today()
    url = "https://czj.example.gov.cn/2023/gongxin.html"

    def shot(page, name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    def page_from(browser, address: str):
        ctx = browser.new_context(
            accept_downloads=True,
            viewport={"width": 1360, "height": 900},
            extra_http_headers={"X-Forwarded-For": address},
        )
        return ctx.new_page()

    def login(page, user: str, password: str, new: str | None = None) -> None:
        page.goto(f"{base}/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", password)
        page.click("form[action='/login'] button")
        if new:
            page.fill("input[name=old]", password)
            page.fill("input[name=new]", new)
            page.fill("input[name=again]", new)
            page.click("form[action='/password'] button")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            # --- the administrator's first login lands on the next steps
            admin = page_from(browser, "198.51.100.2")
            login(admin, "admin", admin_password, PASSWORD)
            assert admin.url.endswith("/admin") and "接下来要做的事" in admin.inner_text("main")
            shot(admin, "11-admin-next-steps")
            admin.click("text=前往“部门”")
            admin.fill("form[action='/admin/departments'] input[name=name]", D002)
            admin.select_option("form[action='/admin/departments'] select[name=year]", "2023")  # example 002's
            admin.fill(
                "form[action='/admin/departments'] input[name=approval_date]",
                (today - dt.timedelta(days=5)).isoformat(),
            )
            admin.click("form[action='/admin/departments'] button")
            admin.goto(f"{base}/admin/accounts")
            passwords = {}
            for user in ("officer", "leaver"):
                admin.fill("form[action='/admin/accounts'] input[name=username]", user)
                admin.select_option("form[action='/admin/accounts'] select[name=department_id]", label=D002)
                admin.click("form[action='/admin/accounts'] button")
                passwords[user] = re.search(r"一次性密码：(\S+?)（", admin.inner_text("#secret"))[1]

            # --- the officer's department page: deadline, days left and state, like the board
            officer = page_from(browser, "198.51.100.8")
            login(officer, "officer", passwords["officer"], PASSWORD)
            state = officer.inner_text("#state")
            assert "未上传" in state and "剩余15天" in state
            assert (today + dt.timedelta(days=15)).isoformat() in state
            shot(officer, "12-department-deadline")

            # --- an oversize upload: the normal page with the limit and a way back (D4)
            big = files / "扫描件.xlsx"
            big.write_bytes(b"PK" + os.urandom(21 * 1024 * 1024))
            officer.set_input_files("input[name=workbook]", str(big))
            officer.click("form[enctype='multipart/form-data'] button")
            assert "最多 20 MB" in officer.inner_text("#too-large")
            shot(officer, "12b-upload-too-large")
            officer.click(f"text=返回{D002}")
            assert D002 in officer.inner_text("h1")

            # --- the lock-out attack from one address behind the proxy
            attacker = page_from(browser, "203.0.113.9")
            for n in range(55):
                login(attacker, f"invented-{n}", "wrong-password-x")
            for _ in range(6):
                login(attacker, "officer", "wrong-password-x")
                login(attacker, "admin", "wrong-password-x")
            login(attacker, "officer", PASSWORD)
            assert "登录失败次数过多" in attacker.inner_text("main")
            shot(attacker, "13-lockout-attacker-refused")
            again = page_from(browser, "198.51.100.8")
            login(again, "officer", PASSWORD)
            assert D002 in again.inner_text("h1")
            shot(again, "14-officer-logs-in-during-attack")
            admin2 = page_from(browser, "198.51.100.3")
            login(admin2, "admin", PASSWORD)
            admin2.goto(f"{base}/admin/accounts")
            row = admin2.locator("tr:has(td:text-is('officer'))")
            assert "登录被限制" in row.inner_text()
            shot(admin2, "15-admin-sees-the-lock")
            row.locator("form[action$='/unlock'] button").click()
            assert "已解除账号 officer 的登录限制" in admin2.inner_text("main")

            # --- build, publish, upload again: the board keeps 已公开 and starts the revision clock
            officer.goto(f"{base}/")
            officer.set_input_files("input[name=workbook]", str(book))
            officer.click("form[enctype='multipart/form-data'] button")
            assert "还没有生成公开文件" in officer.inner_text("main")
            officer.click("form[action$='/build'] button")
            officer.wait_for_selector("#pdf", timeout=240_000)
            assert "标记为已公开" in officer.inner_text("#next-steps")
            shot(officer, "16-build-done-next-steps")
            officer.click("#next-steps a")
            officer.fill("input[name=url]", url)
            officer.click("form[action$='/publish'] button")
            assert "已标记为已公开" in officer.inner_text("main")
            officer.goto(f"{base}/")
            officer.set_input_files("input[name=workbook]", str(revised))
            officer.click("form[enctype='multipart/form-data'] button")
            assert "检查通过" in officer.inner_text("main")
            admin2.goto(f"{base}/bureau")
            board = admin2.inner_text(f"tr:has(a:text-is('{D002}'))")
            assert "修订待公开" in board and "剩余20天" in board and "公开网址" in board
            assert admin2.locator(f"tr:has(a:text-is('{D002}')) td.overdue").count() == 0
            shot(admin2, "17-board-revision-pending")
            officer.goto(f"{base}/")
            assert "修订待公开" in officer.inner_text("#state") and url in officer.inner_text("#state")
            shot(officer, "18-department-revision-pending")

            # --- compare: the summary first, the long list folded, the CLI's two files
            officer.click("form.compare button")
            text = officer.inner_text("main")
            assert text.index("修改概要") < text.index("公开文件的修改")
            assert officer.locator("details.long").first.get_attribute("open") is None  # 64 changes: folded
            shot(officer, "19-compare-summary")
            names = []
            for link in ("下载修订说明（XLSX）", "下载修订稿（修订模式 DOCX）"):
                with officer.expect_download() as dl:
                    officer.click(f"text={link}")
                names.append(dl.value.suggested_filename)
                assert Path(dl.value.path()).stat().st_size > 1000
            assert names[0].endswith("修订说明.xlsx") and names[1].endswith("修订稿（修订模式）.docx")

            # --- disabling an account logs it out everywhere
            leaver = page_from(browser, "198.51.100.9")
            login(leaver, "leaver", passwords["leaver"], PASSWORD)
            assert D002 in leaver.inner_text("h1")
            admin2.goto(f"{base}/admin/accounts")
            admin2.locator("tr:has(td:text-is('leaver')) form[action$='/disable'] button").click()
            assert "已停用账号 leaver" in admin2.inner_text("main")
            assert "已停用" in admin2.inner_text("tr:has(td:text-is('leaver'))")
            shot(admin2, "20-account-disabled")
            leaver.reload()
            assert leaver.url.endswith("/login")
            login(leaver, "leaver", PASSWORD)
            assert "用户名或密码不正确" in leaver.inner_text("main")
            shot(leaver, "21-disabled-account-refused")
        finally:
            browser.close()
            target = os.environ.get("WEB_SCREENSHOTS")
            if target:
                shutil.copytree(shots, target, dirs_exist_ok=True)

    # S8: the build workers' temporary files go to the data folder
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    tmp = str(tmp_path / "data" / "tmp")
    envs = []
    for pid in children:
        try:
            envs.append(Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"))
        except OSError:
            continue
    assert envs and all(f"TMPDIR={Path(tmp).resolve()}".encode() in env for env in envs)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")
def test_toc_notice_in_a_browser(tmp_path: Path) -> None:
    """LibreOffice installed but giving no layout on the server (a `soffice` that exits 1): the department builds,
    and the build page and (reopened) the version page say, beside the downloads, that the DOCX 目录 has no page
    numbers (generator/build.py TOC_UNNUMBERED). Screenshots 31, 32."""
    from playwright.sync_api import sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()
    files = tmp_path / "files"
    files.mkdir()
    book = example(files, "002")
    toc = "DOCX 的目录没有页码：LibreOffice 未能完成排版（文件很长、机器繁忙或 LibreOffice 出错）。"

    def shot(page, name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    def login(page, base: str, user: str, password: str, new: str | None = None) -> None:
        page.goto(f"{base}/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", password)
        page.click("form[action='/login'] button")
        if new:
            page.fill("input[name=old]", password)
            page.fill("input[name=new]", new)
            page.fill("input[name=again]", new)
            page.click("form[action='/password'] button")

    with serving(tmp_path, failing_office_env(tmp_path)) as (base, admin_password, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            admin = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
            login(admin, base, "admin", admin_password, PASSWORD)
            admin.goto(f"{base}/admin/departments")
            admin.fill("form[action='/admin/departments'] input[name=name]", D002)
            admin.select_option("form[action='/admin/departments'] select[name=year]", "2023")  # example 002's
            admin.click("form[action='/admin/departments'] button")
            admin.goto(f"{base}/admin/accounts")
            admin.fill("form[action='/admin/accounts'] input[name=username]", "officer")
            admin.select_option("form[action='/admin/accounts'] select[name=department_id]", label=D002)
            admin.click("form[action='/admin/accounts'] button")
            password = re.search(r"一次性密码：(\S+?)（", admin.inner_text("#secret"))[1]

            officer = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
            login(officer, base, "officer", password, PASSWORD)
            officer.set_input_files("input[name=workbook]", str(book))
            officer.click("form[enctype='multipart/form-data'] button")
            assert "检查通过" in officer.inner_text("main")
            version_url = officer.url
            officer.click("form[action$='/build'] button")
            officer.wait_for_selector("#docx", timeout=240_000)
            assert officer.inner_text("#build-notices").startswith(f"注意：{toc}")
            shot(officer, "31-built-toc-notice")
            officer.goto(version_url)
            assert officer.inner_text("#build-notices").startswith(f"注意：{toc}")
            shot(officer, "32-version-toc-notice")
        finally:
            browser.close()
            target = os.environ.get("WEB_SCREENSHOTS")
            if target:
                shutil.copytree(shots, target, dirs_exist_ok=True)
