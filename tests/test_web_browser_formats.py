"""公开格式 in headless Chromium, with the test-only third format installed on the server (DISCLOSURE_FORMATS): the
administrator gives one department the third format in 系统管理 → 科目代码表和格式; that department's blank workbook is
in it, its workbook in that format builds (the same PDF as the command line's), and a workbook in another format gets
the warning naming both. Screenshots as in tests/test_web_browser.py (copied to $WEB_SCREENSHOTS if set)."""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from generator.build import build as cli_build
from generator.formats import registry
from generator.workbook import schema
from tests.test_format_commands import third_workbook
from tests.test_formats import FORMAT_CELL, FORMATS
from tests.test_web_browser import CHROMIUM, FLAGS, serving
from tests.web_helpers import PASSWORD, example

pytestmark = pytest.mark.slow
BUREAU_DEPT, THIRD_DEPT = "昌吉州政资局", "测试区政资局"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")
def test_a_department_in_the_third_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv(registry.ENV, str(FORMATS))  # for the command-line build compared with the web's
    shots = tmp_path / "screenshots"
    shots.mkdir()
    files = tmp_path / "files"
    files.mkdir()
    in_third = third_workbook(files, "000")
    in_xinjiang = example(files, "000")

    def shot(page, name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    def login(page, base: str, user: str, password: str) -> None:
        page.goto(f"{base}/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", password)
        page.click("form[action='/login'] button")
        page.fill("input[name=old]", password)
        page.fill("input[name=new]", PASSWORD)
        page.fill("input[name=again]", PASSWORD)
        page.click("form[action='/password'] button")

    with serving(tmp_path, {registry.ENV: str(FORMATS)}) as (base, admin_password, _pid), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            admin = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
            login(admin, base, "admin", admin_password)
            admin.goto(f"{base}/admin/departments")
            for name in (BUREAU_DEPT, THIRD_DEPT):
                admin.fill("form[action='/admin/departments'] input[name=name]", name)
                admin.click("form[action='/admin/departments'] button")
            admin.goto(f"{base}/admin/accounts")
            admin.fill("form[action='/admin/accounts'] input[name=username]", "ceshi")
            admin.select_option("form[action='/admin/accounts'] select[name=department_id]", label=THIRD_DEPT)
            admin.click("form[action='/admin/accounts'] button")
            dept_password = re.search(r"一次性密码：(\S+?)（", admin.inner_text("#secret"))[1]

            # --- 系统管理 → 科目代码表和格式: the bureau stays in xinjiang-2023, 测试区政资局 gets the third format
            admin.goto(f"{base}/admin/year")
            admin.click("a[href='/admin/year']")
            row = f"#department-formats tr:has(td:text-is('{THIRD_DEPT}'))"
            admin.select_option(f"{row} select[name=format]", "test-third")
            admin.click(f"{row} button")
            assert f"{THIRD_DEPT}的公开格式：测试格式（第三种）（test-third）" in admin.inner_text("p.notice")
            assert "测试格式（第三种）（test-third）" in admin.inner_text(row)
            bureau_row = admin.inner_text(f"#department-formats tr:has(td:text-is('{BUREAU_DEPT}'))")
            assert "新疆部门预算公开（2023年格式）（xinjiang-2023） （本局的格式）" in bureau_row
            shot(admin, "f1-admin-formats")

            # --- the department's blank workbook is in its format
            dept = browser.new_context(accept_downloads=True, viewport={"width": 1360, "height": 900}).new_page()
            login(dept, base, "ceshi", dept_password)
            assert dept.inner_text("#format") == "公开格式：测试格式（第三种）（test-third）"
            dept.select_option("select[name=year]", "2024")
            with dept.expect_download() as dl:
                dept.click("form[action$='/blank.xlsx'] button")
            blank = openpyxl.load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))
            assert blank[schema.SHEET_INFO][FORMAT_CELL].value == "test-third"
            shot(dept, "f2-department")

            # --- its workbook in the third format: no format warning, built as by the command line
            dept.set_input_files("input[name=workbook]", str(in_third))
            dept.click("form[enctype='multipart/form-data'] button")
            text = dept.inner_text("main")
            assert "检查通过" in text and "本部门的公开格式" not in text
            dept.click("form[action$='/build'] button")
            dept.wait_for_selector("#pdf", timeout=240_000)
            shot(dept, "f3-built")
            with dept.expect_download() as dl:
                dept.click("#pdf")
            pdf = Path(dl.value.path()).read_bytes()
            cli = cli_build(in_third, tmp_path / "cli", ("pdf",))
            assert cli.written[0].name == "昌吉州政务服务和公共资源交易管理局2023年预算（测试格式）.pdf"
            assert pdf == cli.written[0].read_bytes(), "the web PDF differs from the CLI's"

            # --- a workbook in xinjiang-2023 uploaded to it: the warning names both formats, at the 格式 cell
            dept.click("a.brand")
            dept.set_input_files("input[name=workbook]", str(in_xinjiang))
            dept.click("form[enctype='multipart/form-data'] button")
            text = dept.inner_text("main")
            assert (
                "工作簿的格式是“新疆部门预算公开（2023年格式）”（xinjiang-2023），"
                "而本部门的公开格式是“测试格式（第三种）”（test-third）。"
            ) in text
            assert f"基本信息!{FORMAT_CELL}" in text
            shot(dept, "f4-version-format-warning")
        finally:
            browser.close()
            target = os.environ.get("WEB_SCREENSHOTS")
            if target:
                shutil.copytree(shots, target, dirs_exist_ok=True)
