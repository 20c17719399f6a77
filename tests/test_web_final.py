"""The 决算 in the web application (issue 20): a second document beside the 预算, per department.

One site: department 甲局 uploads example 000 (2023) as its 预算, downloads the 决算 workbook made
from it, and uploads 决算 workbooks; 乙局 has no 预算. Checked here: the data model (a version
belongs to a document kind, numbered within it), the 决算 workbook made from the 预算 version
(and blank), an upload of the wrong kind refused with nothing stored, the 决算's own format and
批复日期, and the 决算's own 20-day clock on the board.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from generator.web import rules, service
from generator.web.db import Approval, AuditEntry, Build, Department, Version
from generator.workbook import schema
from tests.web_helpers import csrf, example, fill_final_amounts, make_site, upload, version_id

pytestmark = pytest.mark.slow

A, B = "甲局", "乙局"
YEAR = 2023  # example 000's 预算年度


def upload_final(client, dept_id: int, path: Path):
    return client.post(
        f"/departments/{dept_id}/final/upload",
        data={"csrf": csrf(client)},
        files={"workbook": (path.name, path.read_bytes(), "application/octet-stream")},
    )


def versions(site) -> list[tuple[int, str, str]]:
    with site.app.state.core.Session() as db:
        return [
            (v.department_id, v.document, v.original_name) for v in db.scalars(select(Version).order_by(Version.id))
        ]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("web-final")
    files = tmp_path_factory.mktemp("web-final-files")
    s = make_site(data)
    s.add_department(A)
    s.add_department(B)
    s.add_account("jia", "department", A)
    s.add_account("yi", "department", B)
    s.add_account("reviewer", "reviewer")
    s.files = files  # type: ignore[attr-defined]
    s.budget = example(files, "000")  # type: ignore[attr-defined]
    s.vb = version_id(upload(s.clients["jia"], s.departments[A], s.budget))  # type: ignore[attr-defined]
    r = s.clients["jia"].get(f"/departments/{s.departments[A]}/final.xlsx", params={"year": YEAR})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxml"), r.text[:300]
    s.final_blank = files / "甲局2023决算.xlsx"  # type: ignore[attr-defined]
    s.final_blank.write_bytes(r.content)  # type: ignore[attr-defined]
    yield s
    s.close()


def test_final_workbook_is_made_from_the_budget_version(site) -> None:
    wb = openpyxl.load_workbook(site.final_blank)
    assert set(schema.FINAL_SHEETS) <= set(wb.sheetnames)  # a 决算 workbook
    # 支出明细: the uploaded 预算 workbook's lines, row by row, with their 金额 as 年初预算数 and an
    # empty 决算数 for the officer
    budget = openpyxl.load_workbook(site.budget)[schema.SHEET_ITEMS]
    final = wb[schema.SHEET_ITEMS]
    amount = schema.column_letter(schema.SHEET_ITEMS, "amount")
    code = schema.column_letter(schema.SHEET_ITEMS, "func_code")
    dec = schema.column_letter(schema.SHEET_ITEMS, "final")
    first = schema.FIRST_DATA_ROW
    last = max(r for r in range(first, budget.max_row + 1) if budget[f"{amount}{r}"].value is not None)
    assert last - first + 1 == len(
        json.loads((Path(__file__).parents[1] / "examples" / "000.json").read_text())[schema.SHEET_ITEMS]
    )
    assert final[f"{amount}{last + 1}"].value is None and final[f"{amount}{last}"].value is not None
    for row in range(first, last + 1):
        assert Decimal(str(final[f"{amount}{row}"].value)) == Decimal(str(budget[f"{amount}{row}"].value))
        assert str(final[f"{code}{row}"].value) == str(budget[f"{code}{row}"].value)
        assert final[f"{dec}{row}"].value is None
    # 基本信息: the department's 决算 format (the tool's default 决算 format: none chosen yet)
    info = wb[schema.SHEET_INFO]
    assert info[f"B{schema.FIRST_DATA_ROW + [f.key for f in schema.INFO_FIELDS].index('format')}"].value == (
        schema.FINAL_DEFAULT_FORMAT
    )
    with site.app.state.core.Session() as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "download-final-blank")).first()
        assert entry is not None and entry.object == "2023年决算工作簿（由预算第1版生成）"


def test_final_workbook_without_a_budget_of_that_year(site) -> None:
    yi = site.clients["yi"]
    r = yi.get(f"/departments/{site.departments[B]}/final.xlsx", params={"year": YEAR})
    assert r.url.path == f"/departments/{site.departments[B]}"
    assert "本部门还没有2023年通过检查的预算版本，无法由预算生成决算工作簿" in r.text
    # the blank 决算 workbook: 决算 sheets, the department's name, no lines
    r = yi.get(f"/departments/{site.departments[B]}/final.xlsx", params={"year": YEAR, "source": "blank"})
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert set(schema.FINAL_SHEETS) <= set(wb.sheetnames)
    assert wb[schema.SHEET_INFO][f"B{schema.FIRST_DATA_ROW}"].value == B
    # another department's 决算 workbook is not found (no hint that it exists)
    assert yi.get(f"/departments/{site.departments[A]}/final.xlsx", params={"year": YEAR}).status_code == 404


def test_wrong_kind_is_refused_and_nothing_stored(site) -> None:
    jia, dept = site.clients["jia"], site.departments[A]
    before = versions(site)
    r = upload(jia, dept, site.final_blank)  # a 决算 workbook on the 预算 side
    assert r.status_code == 422
    assert "上传的不是预算工作簿" in r.text and "上传的是决算工作簿" in r.text and "未保存" in r.text
    r = upload_final(jia, dept, site.budget)  # a 预算 workbook on the 决算 side
    assert r.status_code == 422
    assert "上传的不是决算工作簿" in r.text and "上传的是预算工作簿" in r.text
    assert versions(site) == before
    with site.app.state.core.Session() as db:
        refused = db.scalars(select(AuditEntry.detail).where(AuditEntry.action == "upload-refused")).all()
    assert any("不能作为预算版本保存" in d for d in refused) and any("不能作为决算版本保存" in d for d in refused)


def test_final_versions_are_their_own_document(site) -> None:
    jia, dept = site.clients["jia"], site.departments[A]
    # 决算数 typed, 收入决算 amounts left empty: errors at their cells
    half = fill_final_amounts(site.final_blank, site.files / "决算-未填收入.xlsx", income=False)
    r = upload_final(jia, dept, half)
    v1 = version_id(r)
    assert "决算第1版" in r.text
    assert re.search(r"<td class=\"loc\">收入决算!D2</td><td>“金额”为必填项", r.text)
    assert "final-missing" not in r.text  # every 决算数 typed
    full = fill_final_amounts(site.final_blank, site.files / "决算.xlsx")
    v2 = version_id(upload_final(jia, dept, full))
    with site.app.state.core.Session() as db:
        docs = {v.id: v.document for v in db.scalars(select(Version))}
        assert docs == {site.vb: "budget", v1: "final", v2: "final"}
        assert service.version_numbers(db, dept, "budget", YEAR) == {site.vb: 1}
        assert service.version_numbers(db, dept, "final", YEAR) == {v1: 1, v2: 2}
    page = jia.get(f"/departments/{dept}").text
    budget_part, final_part = page.split('id="final"', 1)
    assert f'<a href="/versions/{site.vb}">第1版</a>' in budget_part and "决算第" not in budget_part
    assert (
        f'<a href="/versions/{v2}">决算第2版</a>' in final_part
        and f'<a href="/versions/{v1}">决算第1版</a>' in final_part
    )
    assert f'<a href="/versions/{site.vb}">' not in final_part
    # the 预算 is still the 预算's: its state did not move to the 决算's newest upload
    budget_2023 = budget_part.split('id="budget-2023"', 1)[1].split("</h3>", 1)[0]
    assert '<span class="tag st-clean">待生成</span>' in budget_2023
    # a 决算 version has no next-year 预算 workbook; 预算 and 决算 are not compared with each other
    assert jia.get(f"/versions/{v2}/next-year.xlsx").status_code == 404
    r = jia.get(f"/departments/{dept}/compare", params={"a": site.vb, "b": v2})
    assert r.status_code == 404 and "预算和决算是两份文件，不能相互比较" in r.text
    r = jia.get(f"/departments/{dept}/compare", params={"a": v1, "b": v2})
    assert r.status_code == 200 and "决算第1版 → 第2版" in r.text


def test_final_format_is_chosen_apart_from_the_budget_format(site) -> None:
    admin = site.admin
    page = admin.get("/admin/year").text
    assert 'id="bureau-final-format"' in page
    final_select = page.split('id="bureau-final-format"', 1)[1].split("</form>", 1)[0]
    assert 'value="shanghai-putuo"' not in final_select  # a 预算 format is not offered for the 决算
    r = admin.post("/admin/formats", data={"csrf": csrf(admin), "format": "shanghai-putuo", "document": "final"})
    assert "格式“shanghai-putuo”是预算格式，不能用作决算的格式，未作更改" in r.text
    dept = site.departments[A]
    r = admin.post(
        f"/admin/departments/{dept}/format",
        data={"csrf": csrf(admin), "format": "xinjiang-2023", "document": "final"},
    )
    assert "是预算格式，不能用作决算的格式" in r.text
    with site.app.state.core.Session() as db:
        d = db.get(Department, dept)
        assert d.final_format_id is None and d.format_id is None


def test_final_clock_on_the_board(site) -> None:
    reviewer = site.clients["reviewer"]
    today = service.today()
    budget_day, final_day = today - dt.timedelta(days=5), today - dt.timedelta(days=25)
    for field, day, doc in (("approval_date", budget_day, ""), ("final_approval_date", final_day, "final")):
        r = reviewer.post(
            f"/departments/{site.departments[A]}/approval",
            data={"csrf": csrf(reviewer), field: day.isoformat(), "document": doc, "year": "2024"},
        )
        assert r.status_code == 200
    # 公开年度 2024: the 2024 预算 (none uploaded) beside the 2023 决算 (published in 2024)
    page = reviewer.get("/bureau", params={"year": "2024"}).text
    row = page.split(f">{A}</a>", 1)[1].split("</tr>", 1)[0]
    budget_cells, final_cells = row.split('<td class="final">', 1)
    # 预算: approved 5 days ago, due on day 20 after → 15 days left; 决算: 25 days ago → 5 days overdue
    assert f"{budget_day + dt.timedelta(days=20)}<br>剩余15天" in budget_cells
    assert f"{final_day + dt.timedelta(days=20)}<br>已逾期5天" in final_cells and "overdue" in final_cells
    assert '<span class="tag st-errors">有错误</span>' not in budget_cells
    assert f'value="{final_day}" aria-label="2023年决算批复日期"' in final_cells
    other = page.split(f">{B}</a>", 1)[1].split("</tr>", 1)[0].split('<td class="final">', 1)[1]
    assert "未上传" in other and "未填批复日期" in other
    # the filter by the 决算's state
    filtered = reviewer.get("/bureau", params={"final_status": "未上传", "year": "2024"}).text
    assert f">{B}</a>" in filtered and f">{A}</a>" not in filtered
    with site.app.state.core.Session() as db:
        dates = {
            (a.document, a.year): a.approved_on
            for a in db.scalars(select(Approval).where(Approval.department_id == site.departments[A]))
        }
        # the forms of 公开年度 2024 set the 2024 预算's date and the 2023 决算's; the 2023 预算's record (made by
        # its upload) has none
        assert dates == {("budget", 2023): None, ("budget", 2024): budget_day, ("final", 2023): final_day}
        assert db.scalars(select(AuditEntry).where(AuditEntry.action == "final-approval-date")).first() is not None
    # the export carries the 决算's clock in its own columns
    sheet = openpyxl.load_workbook(io.BytesIO(reviewer.get("/bureau/export.xlsx?year=2024").content)).active
    header = [c.value for c in sheet[2]]
    line = next([c.value for c in r] for r in sheet.iter_rows(min_row=3) if r[0].value == A)
    assert line[header.index("决算剩余天数")] == -5
    assert line[header.index("决算公开截止日")].date() == final_day + dt.timedelta(days=20)


# --- the 决算's clock and states, as the rules see them (no server) -------------------------------


def _version(n: int, uploaded: dt.date, sha: str, pdf: str | None = None, published: bool = False) -> Version:
    at = dt.datetime.combine(uploaded, dt.time(4))  # 12:00 China time
    v = Version(id=n, uploaded_at=at, sha256=sha, errors=0, document="final")
    v.builds = [Build(id=n, state="done", pdf_sha=pdf)] if pdf else []
    if published:
        v.published_url, v.published_on = "https://example.gov.cn/juesuan", uploaded
    return v


def test_final_states_and_clock_from_the_final_approval() -> None:
    approval, final_approval = dt.date(2026, 5, 10), dt.date(2026, 8, 1)
    dept = Department(name="丙局")
    on = dt.date(2026, 8, 15)
    row = service.department_row(dept, [], on, "final", final_approval)
    assert row.status is rules.Status.NOT_UPLOADED and row.status_text == "未上传"
    # 2026-08-01 + 20 days = 2026-08-21; on 08-15 six days are left (not the 预算's 05-30)
    assert (row.deadline.due, row.deadline.days_left) == (dt.date(2026, 8, 21), 6)
    v1 = _version(1, dt.date(2026, 8, 5), "a" * 64, pdf="p" * 64, published=True)
    row = service.department_row(dept, [v1], on, "final", final_approval)
    assert row.status_text == "已公开（第1版）" and not row.overdue and row.late == 0  # published 08-05, due 08-21
    # a later, different 决算 upload: 修订待公开 on a new clock from its upload day (08-12 + 20 = 09-01)
    v2 = _version(2, dt.date(2026, 8, 12), "b" * 64)
    row = service.department_row(dept, [v1, v2], on, "final", final_approval)
    assert row.status_text == "修订待公开"
    assert (row.deadline.due, row.deadline.revision, row.revised_on) == (
        dt.date(2026, 9, 1),
        True,
        v2.uploaded_at.date(),
    )
    # the same department's 预算 clock is untouched by the 决算 date
    assert service.department_row(dept, [], on, "budget", approval).deadline.due == dt.date(2026, 5, 30)


def test_wrong_document_messages() -> None:
    assert rules.wrong_document("预算", "预算") is None and rules.wrong_document("决算", "决算") is None
    assert "不能作为预算版本保存" in rules.wrong_document("决算", "预算")
    assert "不能作为决算版本保存" in rules.wrong_document("预算", "决算")


def test_final_from_a_budget_in_yuan_keeps_its_check_totals_in_yuan(tmp_path: Path) -> None:
    """Example 101 is in 元: its 基本信息 收支总计核对数 and 一般公共预算拨款核对数 are 96282213.44 元 (the 合计 of its
    支出明细, test_category_tables.py: 行197). The 决算 workbook made from it (the web's “由预算生成”) keeps them in
    元; read in 万元 and written unscaled, they were 9628.221344 — an error (more than two decimals in 元)."""
    from generator.final_workbook import final_from_budget
    from generator.workbook.template import write_workbook
    from tests.conftest import example_data

    budget = tmp_path / "101.xlsx"
    write_workbook(budget, example_data("101"))
    final_from_budget(budget, tmp_path / "final.xlsx")
    info = openpyxl.load_workbook(tmp_path / "final.xlsx")[schema.SHEET_INFO]
    keys = [f.key for f in schema.INFO_FIELDS]
    for key in ("control_total", "control_gpb"):
        assert Decimal(str(info[f"B{schema.FIRST_DATA_ROW + keys.index(key)}"].value)) == Decimal("96282213.44")


def test_days_late() -> None:
    due = rules.deadline(dt.date(2026, 8, 1), dt.date(2026, 8, 1))  # due 2026-08-21
    assert rules.days_late(dt.date(2026, 8, 21), due) == 0  # the 20th day itself is on time
    assert rules.days_late(dt.date(2026, 8, 24), due) == 3
    assert rules.days_late(None, due) == 0 and rules.days_late(dt.date(2026, 9, 1), None) == 0
