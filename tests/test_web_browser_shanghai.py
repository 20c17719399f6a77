"""A Shanghai department end to end in headless Chromium (issue 16 §3): the administrator gives 上海市普陀区司法局 the
format shanghai-putuo in 系统管理 → 科目代码表和格式; its officer downloads the blank workbook (in that format), fills it
(here programmatically, with the data of example 101), uploads it, builds, and downloads the DOCX and the PDF, whose
title, figures and landscape pages are those of the real document, ../shared/reference/shanghai/sfj-2026-dept.txt
("行N" below). Screenshots of each step as in tests/test_web_browser.py (copied to $WEB_SCREENSHOTS if set)."""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import docx
import openpyxl
import pypdf
import pytest

from generator.workbook import schema
from tests.test_formats import FORMAT_CELL
from tests.test_web_browser import CHROMIUM, FLAGS, serving
from tests.web_helpers import PASSWORD, example

pytestmark = pytest.mark.slow
DEPARTMENT = "上海市普陀区司法局"  # example 101's 单位全称 (行3: 预算主管部门：上海市普陀区司法局)
TITLE = "上海市普陀区2026年区级部门预算"  # 行1
FIGURES = [
    "96,282,213.44",  # 表1 收入总计 = 支出总计 (行143, 154)
    "87,267,272.44",  # 表1 公共安全支出 (行143)
    "25,741,666.44",  # 表3 基本支出合计 (行226)
    "70,540,547.00",  # 表3 项目支出合计 (行226)
]
SENTENCE = "2026年，上海市普陀区司法局收入预算9628.22万元"  # 行91


def fill_from(blank: Path, source: Path, target: Path) -> Path:
    """The blank workbook with every value of `source` typed into the same cells of the same sheets, as an
    officer would copy them over; the blank's own 格式 cell (set by the web application) is kept."""
    book = openpyxl.load_workbook(blank)
    data = openpyxl.load_workbook(source)
    chosen = book[schema.SHEET_INFO][FORMAT_CELL].value
    for name in data.sheetnames:
        if name == schema.SHEET_LISTS or name not in book.sheetnames:
            continue
        for row in data[name].iter_rows():
            for cell in row:
                if cell.value is not None:
                    book[name][cell.coordinate] = cell.value
    book[schema.SHEET_INFO][FORMAT_CELL] = chosen
    book.save(target)
    return target


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")
def test_a_shanghai_department_end_to_end(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()
    files = tmp_path / "files"
    files.mkdir()
    source = example(files, "101")

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

    with serving(tmp_path) as (base, admin_password, _pid), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            admin = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
            login(admin, base, "admin", admin_password)
            admin.goto(f"{base}/admin/departments")
            admin.fill("form[action='/admin/departments'] input[name=name]", DEPARTMENT)
            admin.click("form[action='/admin/departments'] button")
            admin.goto(f"{base}/admin/accounts")
            admin.fill("form[action='/admin/accounts'] input[name=username]", "sifaju")
            admin.select_option("form[action='/admin/accounts'] select[name=department_id]", label=DEPARTMENT)
            admin.click("form[action='/admin/accounts'] button")
            dept_password = re.search(r"一次性密码：(\S+?)（", admin.inner_text("#secret"))[1]

            # --- 系统管理 → 科目代码表和格式: the department's format is shanghai-putuo
            admin.goto(f"{base}/admin/year")
            row = f"#department-formats tr:has(td:text-is('{DEPARTMENT}'))"
            admin.select_option(f"{row} select[name=format]", "shanghai-putuo")
            admin.click(f"{row} button")
            assert (
                f"{DEPARTMENT}的公开格式：上海市普陀区部门预算公开（2026年格式）（shanghai-putuo）"
                in admin.inner_text("p.notice")
            )
            shot(admin, "s1-admin-format")

            # --- the officer's blank workbook is in the department's format
            dept = browser.new_context(accept_downloads=True, viewport={"width": 1360, "height": 900}).new_page()
            login(dept, base, "sifaju", dept_password)
            assert dept.inner_text("#format") == "公开格式：上海市普陀区部门预算公开（2026年格式）（shanghai-putuo）"
            dept.select_option("select[name=year]", "2026")
            shot(dept, "s2-department")
            with dept.expect_download() as dl:
                dept.click("form[action$='/blank.xlsx'] button")
            blank = files / "blank.xlsx"
            blank.write_bytes(Path(dl.value.path()).read_bytes())
            book = openpyxl.load_workbook(io.BytesIO(blank.read_bytes()))
            assert book[schema.SHEET_INFO][FORMAT_CELL].value == "shanghai-putuo"
            # only the sheets this format reads (tests/test_format_needs.py): no 绩效指标, no 类用途说明
            assert schema.SHEET_INDICATORS not in book.sheetnames and schema.SHEET_USES not in book.sheetnames

            # --- filled, uploaded and checked
            filled = fill_from(blank, source, files / "上海市普陀区司法局-2026.xlsx")
            dept.set_input_files("input[name=workbook]", str(filled))
            dept.click("form[enctype='multipart/form-data'] button")
            text = dept.inner_text("main")
            shot(dept, "s3-uploaded")
            assert "检查通过" in text and "本部门的公开格式" not in text, text[:2000]

            # --- built; the DOCX and the PDF downloaded
            dept.click("form[action$='/build'] button")
            dept.wait_for_selector("#pdf", timeout=240_000)
            shot(dept, "s4-built")
            with dept.expect_download() as dl:
                dept.click("#pdf")
            pdf_path = files / "downloaded.pdf"
            pdf_path.write_bytes(Path(dl.value.path()).read_bytes())
            with dept.expect_download() as dl:
                dept.click("#docx")
            docx_path = files / "downloaded.docx"
            docx_path.write_bytes(Path(dl.value.path()).read_bytes())
        finally:
            browser.close()
            target = os.environ.get("WEB_SCREENSHOTS")
            if target:
                shutil.copytree(shots, target, dirs_exist_ok=True)

    reader = pypdf.PdfReader(str(pdf_path))
    text = "".join(page.extract_text() for page in reader.pages)
    whole = re.sub(r"\s+", "", text)
    assert whole.startswith(TITLE), whole[:80]
    assert all(figure in whole for figure in FIGURES)
    assert SENTENCE in whole
    # every page landscape, as the real document's 23 pages (pdfinfo: 842 × 595 pt)
    assert {page.mediabox.width > page.mediabox.height for page in reader.pages} == {True}
    document = docx.Document(str(docx_path))
    assert document.paragraphs[0].text == TITLE
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert set(FIGURES) <= cells
