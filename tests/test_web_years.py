"""The board and the department page by year (公开年度): 批复日期, states and clocks per (department, document,
year), never another year's versions.

甲局 has a 2023 预算 (example 002, built and marked 已公开) and a 2024 预算 (example 104, uploaded only) and a
2023 决算 (made from its 2023 预算, uploaded with the 决算数 still empty); 乙局 has only a 2023 预算 (example 000,
not built). The examples' 预算年度: examples/002.json and 000.json say 2023, examples/104.json says 2024.
In 公开年度 2024 the board shows the 2024 预算 and the 2023 决算; in 2023 the 2023 预算 (and the 2022 决算).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest
from sqlalchemy import select

from generator.web import rules, service
from generator.web.db import Approval, AuditEntry
from tests.web_helpers import csrf, example, make_site, upload, version_id, wait_build

pytestmark = pytest.mark.slow

A, B = "甲局", "乙局"
URL = "https://czj.example.gov.cn/2023/jiaju.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("web-years")
    files = tmp_path_factory.mktemp("web-years-files")
    s = make_site(data)
    s.add_department(A)
    s.add_department(B)
    s.add_account("jia", "department", A)
    s.add_account("yi", "department", B)
    jia = s.clients["jia"]
    s.v2023 = version_id(upload(jia, s.departments[A], example(files, "002")))  # type: ignore[attr-defined]
    r = jia.post(f"/versions/{s.v2023}/build", data={"csrf": csrf(jia)})  # type: ignore[attr-defined]
    build = int(re.search(r"/builds/(\d+)$", r.url.path)[1])  # type: ignore[index]
    wait_build(jia, f"/builds/{build}")
    r = jia.post(
        f"/versions/{s.v2023}/publish",  # type: ignore[attr-defined]
        data={"csrf": csrf(jia), "url": URL, "date": "2023-02-20"},
    )
    assert "已标记为已公开" in r.text
    s.v2024 = version_id(upload(jia, s.departments[A], example(files, "104")))  # type: ignore[attr-defined]
    r = jia.get(f"/departments/{s.departments[A]}/final.xlsx", params={"year": 2023})
    assert r.status_code == 200, r.text[:300]
    final = files / "甲局2023决算.xlsx"
    final.write_bytes(r.content)
    r = jia.post(
        f"/departments/{s.departments[A]}/final/upload",
        data={"csrf": csrf(jia)},
        files={"workbook": (final.name, final.read_bytes(), "application/octet-stream")},
    )
    s.f2023 = version_id(r)  # type: ignore[attr-defined]
    s.b2023 = version_id(upload(s.clients["yi"], s.departments[B], example(files, "000")))  # type: ignore[attr-defined]
    yield s
    s.close()


def _row(page: str, name: str) -> tuple[str, str]:
    """A department's 预算 cells and 决算 cells on the board."""
    row = page.split(f">{name}</a>", 1)[1].split("</tr>", 1)[0]
    budget, final = row.split('<td class="final">', 1)
    return budget, final


def _set(client, dept: int, year: int, day: dt.date | None, document: str = "budget"):
    field = "final_approval_date" if document == "final" else "approval_date"
    return client.post(
        f"/departments/{dept}/approval",
        data={"csrf": csrf(client), field: day.isoformat() if day else "", "document": document, "year": str(year)},
    )


def test_rules_of_the_publication_year() -> None:
    # a 决算 of Y-1 is published in Y; the season is the newest 预算年度 of anything known
    assert rules.document_year(True, 2027) == 2026 and rules.document_year(False, 2027) == 2027
    assert rules.season([2025], [2026], dt.date(2026, 12, 7)) == 2026
    assert rules.season([2025], [], dt.date(2026, 12, 7)) == 2025
    assert rules.season([], [], dt.date(2026, 12, 7)) == 2026
    assert rules.publication_years([2024], [2022], dt.date(2026, 12, 7)) == [2027, 2026, 2024, 2023]
    assert rules.valid_publication_year("2024", [2024, 2023]) == 2024
    assert "请选择 2024、2023 年中的一个" in str(rules.valid_publication_year("1999", [2024, 2023]))


def test_the_board_shows_one_year_at_a_time(site) -> None:
    admin = site.admin
    page = admin.get("/bureau").text  # default: the season, 2024 (甲局's 2024 预算, its 2023 决算)
    assert "2024年各部门预算、决算公开进度" in page
    assert "“部门预算”各列是2024年预算，“部门决算”各列是2023年决算" in page
    assert '<option value="2024" selected>' in page and '<option value="2023">' in page
    budget, final = _row(page, B)
    assert "未上传" in budget and "待生成" not in budget  # 乙局 has no 2024 预算; its 2023 one is not counted
    budget, final = _row(page, A)
    # 甲局's 2024 预算 is its first of that year, not built: 待生成, not 2023's 已公开 nor a 修订待公开
    assert '<span class="tag st-clean">待生成</span>' in budget and "已公开" not in budget
    assert f'<a href="/versions/{site.v2024}">第1版</a>' in budget and f"/versions/{site.v2023}" not in budget
    assert f'<a href="/versions/{site.f2023}">决算第1版</a>' in final
    assert "/bureau/pdfs.zip" not in page  # nothing of 2024 is built (2023's PDF does not count)
    page = admin.get("/bureau", params={"year": "2023"}).text
    assert 'href="/bureau/pdfs.zip?year=2023"' in page
    budget, final = _row(page, A)
    assert "已公开（第1版）" in budget and URL in budget and f"/versions/{site.v2024}" not in budget
    assert "未上传" in final and f"/versions/{site.f2023}" not in final  # the 2022 决算: none
    budget, _ = _row(page, B)
    assert '<span class="tag st-clean">待生成</span>' in budget
    # the filters keep the year
    page = admin.get("/bureau", params={"year": "2023", "status": "已公开"}).text
    assert f">{A}</a>" in page and f">{B}</a>" not in page
    r = admin.get("/bureau", params={"year": "1999"})
    assert r.status_code == 400 and "公开年度“1999”没有可显示的内容" in r.text


def test_a_years_approval_date_leaves_the_other_years_clock(site) -> None:
    admin, dept = site.admin, site.departments[A]
    today = service.today()
    day2023, day2024 = today - dt.timedelta(days=25), today - dt.timedelta(days=5)
    assert _set(admin, dept, 2023, day2023).url.path == "/bureau"
    r = _set(admin, dept, 2024, day2024)
    assert str(r.url).endswith("/bureau?year=2024")
    budget, _ = _row(r.text, A)
    # 2024: approved 5 days ago, due 20 days after: 15 days left
    assert f"{day2024 + dt.timedelta(days=20)}<br>剩余15天" in budget
    assert f'value="{day2024}" aria-label="2024年预算批复日期"' in budget
    board = admin.get("/bureau?year=2023").text
    assert "2024年（2024年预算、2023年决算）" in board  # the selector: a 决算 is published the year after
    budget, _ = _row(board, A)
    assert f'value="{day2023}" aria-label="2023年预算批复日期"' in budget  # not overwritten by 2024's
    assert f"{day2023 + dt.timedelta(days=20)}<br>已公开" in budget
    # the 决算 form of 公开年度 2024 dates the 2023 决算
    _set(admin, dept, 2024, day2023, "final")
    with site.app.state.core.Session() as db:
        dates = {
            (a.document, a.year): a.approved_on
            for a in db.scalars(select(Approval).where(Approval.department_id == dept))
        }
        details = db.scalars(
            select(AuditEntry.detail).where(AuditEntry.action.in_(["approval-date", "final-approval-date"]))
        ).all()
        published = db.scalars(select(AuditEntry.detail).where(AuditEntry.action == "publish")).all()
        uploads = db.scalars(select(AuditEntry.detail).where(AuditEntry.action == "upload")).all()
    assert dates == {("budget", 2023): day2023, ("budget", 2024): day2024, ("final", 2023): day2023}
    assert f"2024年预算：{day2024}" in details and f"2023年决算：{day2023}" in details
    assert published == [f"2023年预算：{URL} 2023-02-20"]
    assert any(d.startswith("2024年预算，") for d in uploads) and any(d.startswith("2023年决算，") for d in uploads)
    # the department page: each year its own state and clock, newest first
    page = site.clients["jia"].get(f"/departments/{dept}").text
    assert page.index('id="budget-2024"') < page.index('id="budget-2023"')
    g2024 = page.split('id="budget-2024"', 1)[1].split("</h3>", 1)[0]
    g2023 = page.split('id="budget-2023"', 1)[1].split("</h3>", 1)[0]
    assert "待生成" in g2024 and "剩余15天" in g2024
    assert "已公开（第1版）" in g2023 and f"截止日 {day2023 + dt.timedelta(days=20)}" in g2023
    assert 'id="final-2023"' in page
    # the newest year on top
    state = page.split('id="state"', 1)[1].split("</section>", 1)[0]
    assert "2024年预算" in state and "剩余15天" in state


def test_versions_numbered_and_compared_within_a_year(site) -> None:
    jia, dept = site.clients["jia"], site.departments[A]
    page = jia.get(f"/departments/{dept}").text
    assert "2024年预算（2024年公开）" in page
    assert (
        f'<a href="/versions/{site.v2024}">第1版</a>' in page and f'<a href="/versions/{site.v2023}">第1版</a>' in page
    )
    r = jia.get(f"/departments/{dept}/compare", params={"a": site.v2023, "b": site.v2024})
    assert r.status_code == 404 and "2023年预算和2024年预算分属不同年度" in r.text


def test_export_and_zip_hold_only_the_year(site) -> None:
    admin = site.admin
    ws = openpyxl.load_workbook(io.BytesIO(admin.get("/bureau/export.xlsx?year=2023").content)).active
    assert "2023公开年度：预算为2023年预算，决算为2022年决算" in ws["A1"].value
    header = [c.value for c in ws[2]]
    lines = {r[0].value: [c.value for c in r] for r in ws.iter_rows(min_row=3)}
    assert lines[A][header.index("状态")] == "已公开（第1版）" and lines[A][header.index("公开网址")] == URL
    assert lines[A][header.index("决算状态")] == "未上传"
    ws = openpyxl.load_workbook(io.BytesIO(admin.get("/bureau/export.xlsx?year=2024").content)).active
    lines = {r[0].value: [c.value for c in r] for r in ws.iter_rows(min_row=3)}
    assert lines[A][header.index("状态")] == "待生成" and lines[A][header.index("公开网址")] is None
    assert lines[B][header.index("状态")] == "未上传"
    assert lines[A][header.index("决算最新版本")] == "决算第1版"
    r = admin.get("/bureau/pdfs.zip?year=2023")
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        names = zf.namelist()
    assert len(names) == 1 and A in names[0] and "2023" in names[0]
    assert "2023年" in r.headers["content-disposition"] or "2023" in r.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(admin.get("/bureau/pdfs.zip?year=2024").content)) as zf:
        assert zf.namelist() == []  # nothing of 2024 is built; 2023's PDF does not leak in
    r = admin.post("/bureau/build-all", data={"csrf": csrf(admin), "year": "2023"})
    # 2023: 乙局's clean 2023 预算 (甲局's is built); 甲局's 2023 决算 belongs to 2024 and has errors anyway
    assert "2023公开年度（2023年预算、2022年决算）：已开始生成1个部门的公开文件" in r.text
