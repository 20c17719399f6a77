"""科目代码表 in headless Chromium: the administrator uploads the 2027 catalog and sees the change summary (and a bad
file refused with its cells); a department's blank 2027 workbook offers the new code in its 功能分类 dropdown, and its
2027 upload names the bureau's catalog and puts the removed code's error at its cell. Screenshots as in
tests/test_web_browser.py (copied to $WEB_SCREENSHOTS if set)."""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from generator.workbook import schema
from tests.test_catalog_import import ADDED, REMOVED, catalog_2027, moved_cell, workbook, write_xlsx
from tests.test_web_browser import CHROMIUM, FLAGS, server  # noqa: F401 (the fixture)
from tests.web_helpers import PASSWORD

pytestmark = pytest.mark.slow
DEPT = "昌吉州民政局"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")
def test_bureau_loads_the_2027_catalog_and_departments_get_it(server, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    base, admin_password, _pid = server
    shots = tmp_path / "screenshots"
    shots.mkdir()
    files = tmp_path / "files"
    files.mkdir()
    catalog = write_xlsx(files / "2027年支出功能分类科目.xlsx", catalog_2027())
    bad = files / "科目（有错）.csv"
    bad.write_text("科目编码,科目名称\n201,一般公共服务支出\n2019901,其他\n20103,\n", encoding="utf-8")

    def shot(page, name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    def login(page, user: str, password: str) -> None:
        page.goto(f"{base}/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", password)
        page.click("form[action='/login'] button")
        page.fill("input[name=old]", password)
        page.fill("input[name=new]", PASSWORD)
        page.fill("input[name=again]", PASSWORD)
        page.click("form[action='/password'] button")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            admin = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
            login(admin, "admin", admin_password)
            admin.goto(f"{base}/admin/departments")
            admin.fill("form[action='/admin/departments'] input[name=name]", DEPT)
            admin.click("form[action='/admin/departments'] button")
            admin.goto(f"{base}/admin/accounts")
            admin.fill("form[action='/admin/accounts'] input[name=username]", "minzheng")
            admin.select_option("form[action='/admin/accounts'] select[name=department_id]", label=DEPT)
            admin.click("form[action='/admin/accounts'] button")
            dept_password = re.search(r"一次性密码：(\S+?)（", admin.inner_text("#secret"))[1]

            # --- 系统管理 → 科目代码表和格式 → 科目代码表: a bad file first, then the 2027 table
            admin.goto(f"{base}/admin/year")
            admin.click("a[href='/admin/catalogs']")
            shot(admin, "c1-catalogs-before")
            admin.fill("input[name=year]", "2027")
            admin.set_input_files("input[name=catalog]", str(bad))
            admin.click("form[action='/admin/catalogs'] button")
            refused = admin.inner_text("#catalog-refused")
            assert "科目（有错）.csv!B4" in refused and "科目（有错）.csv!A3" in refused
            assert "没有保存任何内容" in refused
            shot(admin, "c2-catalog-refused")
            admin.fill("input[name=year]", "2027")
            admin.set_input_files("input[name=catalog]", str(catalog))
            admin.click("form[action='/admin/catalogs'] button")
            summary = admin.inner_text("#catalog-imported")
            assert "已导入2027年支出功能分类科目代码表" in summary
            assert "新增1个、删除1个、名称改变1个科目" in summary
            changes = admin.inner_text("#catalog-changes")
            assert "2013902\t\t社会工作专项业务" in changes and "2080206\t社会组织管理" in changes
            assert "2010301\t行政运行\t机关行政运行" in changes
            assert "财政局导入" in admin.inner_text("#catalog-years")
            shot(admin, "c3-catalog-imported")

            # --- the department's blank 2027 workbook offers the new code
            dept = browser.new_context(accept_downloads=True, viewport={"width": 1360, "height": 900}).new_page()
            login(dept, "minzheng", dept_password)
            dept.select_option("select[name=year]", "2027")
            shot(dept, "c4-department")
            with dept.expect_download() as dl:
                dept.click("form[action$='/blank.xlsx'] button")
            wb = openpyxl.load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))
            lists = wb[schema.SHEET_LISTS]
            col = next(c.column for c in lists[1] if c.value == "功能分类项")
            offered = [c.value for c in next(lists.iter_cols(min_col=col, max_col=col, min_row=2)) if c.value]
            assert f"{ADDED[0]} {ADDED[1]}" in offered
            assert not any(v.startswith(REMOVED[0]) for v in offered)
            items = wb[schema.SHEET_ITEMS]
            letter = schema.column_letter(schema.SHEET_ITEMS, "func_code")
            dropdown = [dv for dv in items.data_validations.dataValidation if f"{letter}2" in dv.sqref]
            assert dropdown and dropdown[0].formula1 == "list_func_items"

            # --- its 2027 upload names the catalog; the removed code is an error at its cell
            dept.set_input_files("input[name=workbook]", str(workbook(files, 2027, REMOVED[0])))
            dept.click("form[enctype='multipart/form-data'] button")
            text = dept.inner_text("main")
            assert f"支出明细!{moved_cell()}" in text
            assert "项级科目2080206不在2027年科目代码表（财政局导入）中" in text
            assert "科目代码表：支出功能分类：2027年科目代码表（财政局导入）" in dept.inner_text("#catalog-used")
            shot(dept, "c5-version-removed-code")
        finally:
            browser.close()
            target = os.environ.get("WEB_SCREENSHOTS")
            if target:
                shutil.copytree(shots, target, dirs_exist_ok=True)
