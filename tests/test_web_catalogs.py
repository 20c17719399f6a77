"""系统管理 → 科目代码表: upload per year, the located refusal, the change summary, the audit entry, and what the
departments of that year get (blank workbook dropdowns, the catalog named on the problems page, the error at a cell)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from generator.catalog import FUNCTION
from generator.catalog.store import CatalogStore
from generator.workbook import schema
from tests.test_catalog_import import ADDED, REMOVED, catalog_2027, moved_cell, workbook, write_csv, write_xlsx
from tests.web_helpers import csrf, make_site, upload, version_id

DEPT = "测试民政局"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    site = make_site(tmp_path_factory.mktemp("web-catalogs") / "data")
    site.add_department(DEPT)
    site.add_account("minzheng", "department", DEPT)
    yield site
    site.close()


def post_catalog(client, path: Path, year: int, kind: str = ""):
    return client.post(
        "/admin/catalogs",
        data={"csrf": csrf(client), "year": str(year), "kind": kind},
        files={"catalog": (path.name, path.read_bytes(), "application/octet-stream")},
    )


def test_only_the_administrator_sees_the_page(site) -> None:
    assert site.clients["minzheng"].get("/admin/catalogs").status_code == 404
    page = site.admin.get("/admin/year")  # 系统管理 → 科目代码表和格式
    assert '<a class="button" href="/admin/catalogs">导入和查看科目代码表</a>' in page.text
    assert "<code>xinjiang-2023</code>" in page.text  # the installed formats are listed beside it
    text = site.admin.get("/admin/catalogs").text
    assert "<td>2026</td><td>内置</td><td>内置</td>" in text
    assert '<td>2027</td><td><span class="muted">使用2026年科目代码表（内置）（检查时给出警告）</span></td>' in text


def test_a_bad_catalog_is_shown_with_its_cells_and_nothing_is_stored(site, tmp_path: Path) -> None:
    path = tmp_path / "坏表.csv"
    path.write_text("科目编码,科目名称\n201,一般公共服务支出\n2019901,其他\n20103,\n", encoding="utf-8")
    r = post_catalog(site.admin, path, 2028)
    assert r.status_code == 422
    rows = re.findall(r'data-code="([a-z-]+)"><td class="loc">([^<]*)</td><td>([^<]*)</td>', r.text)
    assert [(loc, code) for code, loc, _ in rows] == [
        ("坏表.csv!B4", "catalog-name-empty"),
        ("坏表.csv!A3", "catalog-parent-missing"),
    ]
    assert "科目代码表没有导入，没有保存任何内容" in r.text
    assert CatalogStore(site.data / "catalogs").years() == []
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    r = post_catalog(site.admin, empty, 2028)
    assert r.status_code == 422 and "是空文件" in r.text
    docx = tmp_path / "科目.xlsx"
    with zipfile.ZipFile(docx, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    r = post_catalog(site.admin, docx, 2028)
    assert r.status_code == 422 and "这是Word文档（.docx）" in r.text
    assert CatalogStore(site.data / "catalogs").years() == []
    assert (
        '<td title="catalog-refused">科目代码表未导入</td><td>2028年 科目.xlsx</td><td>1个错误</td>'
        in site.admin.get("/admin/audit").text
    )


def test_upload_shows_the_change_summary_and_is_audited(site, tmp_path: Path) -> None:
    r = post_catalog(site.admin, write_xlsx(tmp_path / "2027年支出功能分类.xlsx", catalog_2027()), 2027)
    assert r.status_code == 200, r.text[:2000]
    assert "已导入2027年支出功能分类科目代码表" in r.text
    assert "与此前使用的2026年科目代码表（内置）相比：新增1个、删除1个、名称改变1个科目" in r.text
    changes = re.findall(r"<tr><td>(新增|删除|改名)</td><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", r.text)
    assert changes == [
        ("新增", "2013902", "", "社会工作专项业务"),
        ("删除", "2080206", "社会组织管理", ""),
        ("改名", "2010301", "行政运行", "机关行政运行"),
    ]
    stored = CatalogStore(site.data / "catalogs").get(2027, FUNCTION)
    assert stored is not None and stored[0] == catalog_2027() and stored[1].imported_by == "admin"
    audit = site.admin.get("/admin/audit").text
    assert re.search(
        r'<td title="catalog-import">导入科目代码表</td><td>2027年支出功能分类</td><td>2027年支出功能分类.xlsx（30个类、216个款、950个项）：'
        r"新增1个、删除1个、改名1个科目</td>",
        audit,
    )
    # the same table as CSV with another header, by the CLI's rules, gives the same catalog
    csv_path = write_csv(tmp_path / "kmdm.csv", catalog_2027())
    csv_path.write_text(csv_path.read_text("utf-8-sig").replace("xh,kmmc,kmdm", "序号,名称,编码"), "utf-8")
    r = post_catalog(site.admin, csv_path, 2027, "function")
    assert "与此前使用的2027年科目代码表（财政局导入）完全相同" in r.text


def test_departments_of_that_year_use_it(site, tmp_path: Path) -> None:
    dept = site.departments[DEPT]
    client = site.clients["minzheng"]
    r = client.get(f"/departments/{dept}/blank.xlsx?year=2027")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    lists = wb[schema.SHEET_LISTS]
    col = next(c.column for c in lists[1] if c.value == "功能分类项")
    offered = {c.value for c in next(lists.iter_cols(min_col=col, max_col=col, min_row=2)) if c.value}
    assert f"{ADDED[0]} {ADDED[1]}" in offered and not any(v.startswith(REMOVED[0]) for v in offered)
    # a 2027 workbook that still uses the removed code: the error at its cell names the catalog
    r = upload(client, dept, workbook(tmp_path, 2027, REMOVED[0]))
    page = client.get(f"/versions/{version_id(r)}").text
    assert (
        f'<td class="loc">支出明细!{moved_cell()}</td><td>功能分类科目编码2080206：项级科目2080206不在'
        "2027年科目代码表（财政局导入）中。" in page
    )
    assert "科目代码表：支出功能分类：2027年科目代码表（财政局导入）；经济分类：2026年科目代码表（内置）" in page
    r = upload(client, dept, workbook(tmp_path, 2027, ADDED[0], "ok.xlsx"))
    page = client.get(f"/versions/{version_id(r)}").text
    assert "检查通过" in page
