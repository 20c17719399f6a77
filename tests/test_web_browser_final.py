"""A 决算 end to end in headless Chromium (issue 20), beside the department's 预算.

`disclosure serve` runs on a free loopback port (tests/test_web_browser.py's `serving`). The
administrator chooses the bureau's 预算 and 决算 formats and sets up 上海市普陀区司法局; its
officer uploads the 2026 预算 (example 101, in 元), downloads the 决算 workbook made from it, types the 决算数 (openpyxl, as an officer would in Excel),
uploads it and sees the 收入决算 amounts asked for at their cells, fixes them, lets the site add
the 预决算对比 / 上年决算对比 rows, fills them, uploads the clean 决算, builds it and downloads
the DOCX and PDF (the PDF the same bytes as `disclosure build`'s). A 决算 workbook sent to the 预算
upload is refused. The bureau sets the 决算批复日期 and sees the 决算 on its own 20-day clock,
then 已公开（第N版） once the officer marks it published. Screenshots of every page are saved
in the test's folder (and copied to $WEB_SCREENSHOTS if set).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from generator.build import build as cli_build
from generator.formats import registry
from generator.web import service
from generator.workbook import schema
from tests.test_web_browser import CHROMIUM, FLAGS, serving
from tests.web_helpers import PASSWORD, example, fill_final_amounts, fill_final_priors

pytestmark = pytest.mark.slow
DEPT = "上海市普陀区司法局"  # example 101's 单位全称
YEAR = 2026  # its 预算年度 (shanghai-putuo-final applies from 2024)
URL = "https://www.shpt.gov.cn/sfj/2026/juesuan.html"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")
@pytest.mark.skipif(
    schema.FINAL_DEFAULT_FORMAT not in registry.installed(),
    reason=f"the 决算 format {schema.FINAL_DEFAULT_FORMAT} is not installed: a 决算 cannot be built",
)
def test_final_end_to_end_in_a_browser(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()
    files = tmp_path / "files"
    files.mkdir()
    budget = example(files, "101")
    today = service.today()

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

    def upload_final(page, path: Path) -> str:
        page.set_input_files("#final-upload input[name=workbook]", str(path))
        page.click("#final-upload button")
        return page.inner_text("main")

    with serving(tmp_path) as (base, admin_password, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            # --- the administrator: the department (预算 approved 5 days ago) and its officer
            admin = browser.new_context(accept_downloads=True, viewport={"width": 1500, "height": 900}).new_page()
            login(admin, base, "admin", admin_password, PASSWORD)
            admin.goto(f"{base}/admin/departments")
            admin.fill("form[action='/admin/departments'] input[name=name]", DEPT)
            admin.select_option("form[action='/admin/departments'] select[name=year]", str(YEAR))
            admin.fill(
                "form[action='/admin/departments'] input[name=approval_date]",
                (today - dt.timedelta(days=5)).isoformat(),
            )
            admin.click("form[action='/admin/departments'] button")
            admin.goto(f"{base}/admin/accounts")
            admin.fill("form[action='/admin/accounts'] input[name=username]", "officer")
            admin.select_option("form[action='/admin/accounts'] select[name=department_id]", label=DEPT)
            admin.click("form[action='/admin/accounts'] button")
            password = admin.inner_text("#secret").split("一次性密码：", 1)[1].split("（", 1)[0]
            admin.goto(f"{base}/admin/year")
            admin.select_option("#bureau-format select[name=format]", "shanghai-putuo")
            admin.click("#bureau-format button")
            assert "本局的公开格式已设为" in admin.inner_text("main")
            admin.select_option("#bureau-final-format select[name=format]", schema.FINAL_DEFAULT_FORMAT)
            admin.click("#bureau-final-format button")
            assert "本局的决算格式已设为" in admin.inner_text("main")
            shot(admin, "f01-admin-formats")
            # a 预算 format is not offered for the 决算, nor a 决算 format for the 预算
            assert "shanghai-putuo-final" not in admin.inner_text("#bureau-format")
            assert "（shanghai-putuo）" not in admin.inner_text("#bureau-final-format")

            # --- the officer: both documents on the department page; the 预算 uploaded first
            officer = browser.new_context(accept_downloads=True, viewport={"width": 1360, "height": 900}).new_page()
            login(officer, base, "officer", password, PASSWORD)
            assert "部门预算" in officer.inner_text("main") and "部门决算" in officer.inner_text("main")
            assert "未上传" in officer.inner_text("#final-state")
            officer.set_input_files("form[action$='/upload']:not(#final-upload) input[name=workbook]", str(budget))
            officer.click("form[action$='/upload']:not(#final-upload) button")
            assert "检查通过" in officer.inner_text("main")
            officer.click("p.crumbs a")
            shot(officer, "f02-department-both-documents")

            # --- the 决算 workbook made from the 预算 version
            officer.select_option("#final-workbook select[name=year]", str(YEAR))
            with officer.expect_download() as dl:
                officer.click("#final-workbook button")
            assert dl.value.suggested_filename == f"{DEPT}{YEAR}年部门决算公开填报工作簿.xlsx"
            made = files / "决算-下载.xlsx"
            shutil.copy(dl.value.path(), made)
            assert set(schema.FINAL_SHEETS) <= set(openpyxl.load_workbook(made).sheetnames)

            # --- the 决算数 typed, the 收入决算 amounts not: errors at their cells
            half = fill_final_amounts(made, files / "决算-第1次.xlsx", income=False)
            text = upload_final(officer, half)
            assert "决算第1版" in text and "发现" in text
            assert "收入决算!D2" in text and "“金额”为必填项" in text
            assert "支出明细!K" not in text  # every 决算数 was typed
            shot(officer, "f03-final-with-errors")

            # --- a 决算 workbook sent to the 预算 upload is refused, nothing stored
            officer.goto(f"{base}/")
            officer.set_input_files("form[action$='/upload']:not(#final-upload) input[name=workbook]", str(half))
            officer.click("form[action$='/upload']:not(#final-upload) button")
            text = officer.inner_text("main")
            assert "上传的不是预算工作簿" in text and "不能作为预算版本保存" in text
            shot(officer, "f04-wrong-kind-refused")

            # --- the income fixed; the site adds the comparison rows; the last year's 决算 typed
            officer.goto(f"{base}/")
            full = fill_final_amounts(made, files / "决算-第2次.xlsx")
            text = upload_final(officer, full)
            assert "决算第2版" in text and "上年决算对比!A2" in text and "收入决算!D2" not in text
            officer.click("form[action$='/prepare'] button")
            assert "已补全" in officer.inner_text("main")
            with officer.expect_download() as dl:
                officer.click("a[href$='/prepared.xlsx']")
            prepared = files / "决算-已补全.xlsx"
            shutil.copy(dl.value.path(), prepared)
            filled = fill_final_priors(prepared, files / "决算-第3次.xlsx")
            officer.goto(f"{base}/")
            text = upload_final(officer, filled)
            assert "决算第3版" in text and "检查通过" in text, text[:2000]
            # the 决算's own figures: every line spent as budgeted, so the 决算 total is the 2026 预算's
            # 9628.22万元 (test_golden_shanghai.py: 四, 行91–95) and 机关运行经费 217.83万元 (表9, 行353); last
            # year's 决算 typed equal to this year's: 持平
            figures = officer.inner_text("dl.figures")
            assert "9,628.22 万元" in figures and "217.83 万元" in figures and "比上年 持平" in figures
            shot(officer, "f05-final-clean")

            # --- build, download DOCX and PDF
            officer.click("form[action$='/build'] button")
            officer.wait_for_selector("#pdf", timeout=300_000)
            shot(officer, "f06-final-built")
            with officer.expect_download() as dl:
                officer.click("#pdf")
            assert dl.value.suggested_filename == f"{DEPT}{YEAR}年部门决算公开（第3版）.pdf"
            pdf = Path(dl.value.path()).read_bytes()
            with officer.expect_download() as dl:
                officer.click("#docx")
            docx = Path(dl.value.path()).read_bytes()
            assert docx[:2] == b"PK" and dl.value.suggested_filename.endswith("（第3版）.docx")
            cli = cli_build(filled, tmp_path / "cli", ("pdf",))
            assert pdf == cli.written[0].read_bytes(), "the web's 决算 PDF differs from the CLI's"

            # --- the board: the 决算 on its own clock (approved 25 days ago: 5 days overdue). The board opens on
            # 公开年度 2026 (the newest 预算年度); the 2026 决算 is published in 2027: 公开年度 2027, whose 预算
            # columns are the 2027 预算
            final_day = today - dt.timedelta(days=25)
            admin.goto(f"{base}/bureau")
            assert admin.locator("#year").input_value() == str(YEAR)
            admin.select_option("#year", str(YEAR + 1))
            admin.click("form.filters button")
            assert admin.locator("#year").input_value() == str(YEAR + 1)
            assert "“部门预算”各列是2027年预算，“部门决算”各列是2026年决算" in admin.inner_text("#season")
            row = f"tr:has(a:text-is('{DEPT}'))"
            admin.fill(f"{row} input[name=final_approval_date]", final_day.isoformat())
            admin.click(f"{row} form:has(input[name=final_approval_date]) button")
            cells = admin.locator(f"{row} td.final")
            assert "已生成" in cells.nth(0).inner_text()
            assert f"{final_day + dt.timedelta(days=20)}" in cells.nth(2).inner_text()
            assert "已逾期5天" in cells.nth(2).inner_text()
            assert "overdue" in (cells.nth(2).get_attribute("class") or "")
            assert "未上传" in admin.locator(f"{row} td").nth(1).inner_text()  # no 2027 预算 yet
            shot(admin, "f07-board-final-clock")
            admin.select_option("#year", str(YEAR))  # 公开年度 2026: the 2026 预算 (and the 2025 决算: none)
            admin.click("form.filters button")
            assert "“部门预算”各列是2026年预算，“部门决算”各列是2025年决算" in admin.inner_text("#season")
            budget_row = admin.inner_text(row)
            assert "剩余15天" in budget_row  # the 预算's clock: approved 5 days ago
            assert "未上传" in admin.locator(f"{row} td.final").nth(0).inner_text()
            shot(admin, "f07b-board-2026")

            # --- the officer publishes the 决算 (第3版): the board says so
            officer.goto(f"{base}/")
            officer.click("#final-versions a:text-is('决算第3版')")
            officer.fill("form[action$='/publish'] input[name=url]", URL)
            officer.click("form[action$='/publish'] button")
            assert "已标记为已公开" in officer.inner_text("main")
            officer.goto(f"{base}/")
            assert "已公开（第3版）" in officer.inner_text("#final-state")
            assert "已公开（逾期5天）" in officer.inner_text("#final-state")  # due 20 days after, published on day 25
            shot(officer, "f08-department-final-published")
            admin.goto(f"{base}/bureau?year={YEAR + 1}")
            cells = admin.locator(f"tr:has(a:text-is('{DEPT}')) td.final")
            assert "已公开（第3版）" in cells.nth(0).inner_text()
            assert "overdue" not in (cells.nth(2).get_attribute("class") or "")
            shot(admin, "f09-board-final-published")
            admin.goto(f"{base}/bureau?year={YEAR}")
            assert (
                "待生成" in admin.locator(f"tr:has(a:text-is('{DEPT}')) td").nth(1).inner_text()
            )  # the 2026 预算, not built
            sheet = openpyxl.load_workbook(
                io.BytesIO(admin.request.get(f"{base}/bureau/export.xlsx?year={YEAR + 1}").body())
            ).active
            header = [c.value for c in sheet[2]]
            line = [c.value for c in sheet[3]]
            assert line[header.index("决算状态")] == "已公开（第3版）"
            assert line[header.index("决算公开网址")] == URL

            # --- a revised 决算 (第4版: one 名词解释 reworded): compared with 第3版, 修订待公开 on a new clock
            book = openpyxl.load_workbook(filled)
            glossary = book[schema.SHEET_GLOSSARY]
            glossary["B2"] = f"{glossary['B2'].value}（本年度修订）"
            revised = files / "决算-第4次.xlsx"
            book.save(revised)
            officer.goto(f"{base}/")
            assert "决算第4版" in upload_final(officer, revised)
            officer.goto(f"{base}/")
            officer.select_option("#final-versions select[name=a]", label="决算第3版")
            officer.select_option("#final-versions select[name=b]", label="决算第4版")
            officer.click("#final-versions form.compare button")
            text = officer.inner_text("main")
            assert "决算第3版 → 第4版" in text and "第四部分" in text and "（本年度修订）" in text
            shot(officer, "f10-final-compare")
            with officer.expect_download() as dl:
                officer.click("#downloads a[href*='/compare/redline.docx']")
            assert dl.value.suggested_filename == f"{DEPT}-决算第3版至第4版-修订稿（修订模式）.docx"
            assert b"w:ins" in zipfile.ZipFile(dl.value.path()).read("word/document.xml")  # a tracked insertion
            with officer.expect_download() as dl:
                officer.click("#downloads a[href*='/compare/report.xlsx']")
            assert dl.value.suggested_filename.endswith("决算第3版至第4版-修订说明.xlsx")
            officer.goto(f"{base}/")
            assert "修订待公开" in officer.inner_text("#final-state")
            assert f"{today + dt.timedelta(days=20)}" in officer.inner_text("#final-state")  # 20 days after 第4版
            admin.goto(f"{base}/bureau?year={YEAR + 1}")
            cells = admin.locator(f"tr:has(a:text-is('{DEPT}')) td.final")
            assert "修订待公开" in cells.nth(0).inner_text() and "修订：" in cells.nth(2).inner_text()
            assert "剩余20天" in cells.nth(2).inner_text()
            shot(admin, "f11-board-final-revision")
        finally:
            browser.close()
            target = os.environ.get("WEB_SCREENSHOTS")
            if target:
                shutil.copytree(shots, target, dirs_exist_ok=True)
