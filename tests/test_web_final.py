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
from tests.web_helpers import BAD_ECON, csrf, example, fill_final_amounts, make_site, upload, version_id

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


# --- last year's 决算 version in the 决算 workbook made from the 预算 (final-from-budget --prior-final) -----------
# 丙局 uploads a 2025 预算 (example 002 moved to 2025, in 万元) and, for 2024, example 201 (the 2024 决算 of
# 上海市普陀区财政局, in 元) as its 决算: first with an error (决算第1版), then clean (决算第2版). Its 收入支出决算总计 is
# 2995.39万元 (czj-2024-final.txt line 164) and its 机关运行经费 184.65万元 (line 681); its 年末结转和结余 553400元 =
# 55.34万元 (line 163), 其中财政拨款 216300元 = 21.63万元 (line 297); `last_final` adds 政府性基金 100000元 and
# 国有资本经营 16300元 年末 (the rows of its 基金结转和结余: 2120801 100000元, 2230301 16300元; 2120802 closed at 0).
C = "丙局"


def prior_cell(book: openpyxl.Workbook, key: str) -> Decimal | None:
    """The 上年决算数 of one 上年决算对比 row (None when the row is not there)."""
    for row in book[schema.SHEET_FINAL_PRIOR].iter_rows(min_row=schema.FIRST_DATA_ROW, values_only=True):
        if row[0] == key:
            return None if row[1] is None else Decimal(str(row[1]))
    return None


def final_fact(book: openpyxl.Workbook, key: str) -> Decimal:
    row = schema.FIRST_DATA_ROW + [f.key for f in schema.FINAL_FIELDS].index(key)
    return Decimal(str(book[schema.SHEET_FINAL][f"{schema.KV_VALUE_COL}{row}"].value))


OPENING = ("carry_in", "carry_in_fiscal", "carry_in_fund", "carry_in_soe")
CLOSING = ("carry_out", "carry_out_fiscal", "carry_out_fund", "carry_out_soe")


@pytest.fixture(scope="module")
def prior_site(tmp_path_factory: pytest.TempPathFactory):
    from tests.test_final_inputs import budget_2025, last_final

    data = tmp_path_factory.mktemp("web-prior")
    files = tmp_path_factory.mktemp("web-prior-files")
    s = make_site(data)
    s.add_department(C)
    bing = s.add_account("bing", "department", C)
    dept = s.departments[C]
    version_id(upload(bing, dept, budget_2025(files)))
    url = f"/departments/{dept}/final.xlsx"

    def download() -> openpyxl.Workbook:
        r = bing.get(url, params={"year": 2025})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxml"), r.text[:300]
        return openpyxl.load_workbook(io.BytesIO(r.content))

    s.without = download()  # type: ignore[attr-defined]
    s.page_without = bing.get(f"/departments/{dept}").text  # type: ignore[attr-defined]
    good = last_final(files)
    bad = files / "2024决算-有错误.xlsx"
    book = openpyxl.load_workbook(good)
    book[schema.SHEET_ITEMS][f"{schema.column_letter(schema.SHEET_ITEMS, 'econ_code')}{schema.FIRST_DATA_ROW}"] = (
        BAD_ECON
    )
    book.save(bad)
    s.v_bad = version_id(upload_final(bing, dept, bad))  # type: ignore[attr-defined]
    s.with_bad = download()  # type: ignore[attr-defined]
    s.page_bad = bing.get(f"/departments/{dept}").text  # type: ignore[attr-defined]
    s.v_good = version_id(upload_final(bing, dept, good))  # type: ignore[attr-defined]
    s.with_good = download()  # type: ignore[attr-defined]
    s.page_after = bing.get(f"/departments/{dept}").text  # type: ignore[attr-defined]  # shows the message once
    s.page_again = bing.get(f"/departments/{dept}").text  # type: ignore[attr-defined]
    s.uploaded = openpyxl.load_workbook(good)  # type: ignore[attr-defined]
    yield s
    s.close()


def test_last_years_final_version_fills_the_prior_figures_and_opening_balances(prior_site) -> None:
    book, last = prior_site.with_good, prior_site.uploaded
    # 上年决算对比: the 2024 决算's figures in 万元 (the 2025 workbook's unit)
    assert prior_cell(book, "收入支出决算总计") == Decimal("2995.39")
    assert prior_cell(book, "机关运行经费") == Decimal("184.65")
    # 决算情况: each 年初 is the uploaded 2024 workbook's 年末 (元) in 万元: 553400 → 55.34, 216300 → 21.63, …
    closing = [final_fact(last, key) for key in CLOSING]
    assert closing == [553400, 216300, 100000, 16300]
    assert [final_fact(book, key) for key in OPENING] == [c / 10000 for c in closing]
    assert [final_fact(book, key) for key in OPENING] == [
        Decimal("55.34"),
        Decimal("21.63"),
        Decimal("10.00"),
        Decimal("1.63"),
    ]
    # 基金结转和结余: the two 科目 that closed 2024 with money left, their 年末 as the 年初, the 年末 for the officer
    rows = [r for r in book[schema.SHEET_FINAL_CARRY].iter_rows(min_row=2, values_only=True) if r[0]]
    assert [(r[0], r[2], Decimal(str(r[3])), r[4]) for r in rows] == [
        ("2120801", schema.FINAL_CARRY_FUNDS[0], Decimal("10.00"), None),
        ("2230301", schema.FINAL_CARRY_FUNDS[1], Decimal("1.63"), None),
    ]
    # the cell comments name the version the figures came from
    row = schema.FIRST_DATA_ROW + [f.key for f in schema.FINAL_FIELDS].index("carry_in")
    comment = book[schema.SHEET_FINAL][f"{schema.KV_VALUE_COL}{row}"].comment
    assert comment is not None and "已由2024年决算工作簿决算第2版.xlsx的“年末结转和结余”" in comment.text


def test_the_officer_is_told_which_final_version_was_used(prior_site) -> None:
    message = "已从2024年决算第2版带入8行上年决算数、年初结转和结余55.34万元、2行基金结转和结余（标黄并附批注，请核对）"
    assert message in prior_site.page_after and message not in prior_site.page_again  # shown once
    hint = prior_site.page_after.split('id="final-sources"', 1)[1].split("</p>", 1)[0]
    assert "2025年决算用2024年决算第2版" in hint
    with prior_site.app.state.core.Session() as db:
        details = db.scalars(
            select(AuditEntry.object)
            .where(AuditEntry.action == "download-final-blank", AuditEntry.department_id == prior_site.departments[C])
            .order_by(AuditEntry.id)
        ).all()
    assert details == [
        "2025年决算工作簿（由预算第1版生成）",
        "2025年决算工作簿（由预算第1版生成）",
        "2025年决算工作簿（由预算第1版生成，2024年决算第2版带入上年决算数和年初结转和结余）",
    ]


def test_without_a_clean_final_of_last_year_the_workbook_is_as_before(prior_site) -> None:
    for book in (prior_site.without, prior_site.with_bad):  # none yet; then only 决算第1版, which has errors
        assert prior_cell(book, "收入支出决算总计") is None
        assert [final_fact(book, key) for key in OPENING] == [0, 0, 0, 0]
        assert not [r for r in book[schema.SHEET_FINAL_CARRY].iter_rows(min_row=2, values_only=True) if r[0]]
    for page in (prior_site.page_without, prior_site.page_bad):
        hint = page.split('id="final-sources"', 1)[1].split("</p>", 1)[0]
        assert "本部门还没有这样的决算版本，这些数需自行填写" in hint and "决算第1版" not in hint
        assert "已从2024年决算" not in page
    with prior_site.app.state.core.Session() as db:
        assert db.get(Version, prior_site.v_bad).errors > 0 and db.get(Version, prior_site.v_good).errors == 0


def test_a_prior_final_that_cannot_give_its_figures_leaves_them_out_and_says_why(tmp_path: Path) -> None:
    """The job itself (no server): a prior 决算 with errors under the catalogs of the day (here: a mistyped 经济分类
    code) makes the workbook without last year's figures, and the message names the version and its first error."""
    from generator.web import jobs
    from tests.test_final_inputs import budget_2025, last_final

    last = last_final(tmp_path)
    book = openpyxl.load_workbook(last)
    cell = f"{schema.column_letter(schema.SHEET_ITEMS, 'econ_code')}{schema.FIRST_DATA_ROW}"
    book[schema.SHEET_ITEMS][cell] = BAD_ECON
    book.save(last)
    target = tmp_path / "2025决算.xlsx"
    out = jobs.final_from_budget(
        str(budget_2025(tmp_path)), str(target), schema.FINAL_DEFAULT_FORMAT, prior_final=str(last)
    )
    assert out["ok"] and out["prior_rows"] == 0 and out["carried"] == {}
    made = openpyxl.load_workbook(target)
    assert [final_fact(made, key) for key in OPENING] == [0, 0, 0, 0]
    assert out["prior_problem"]["errors"][0]["cell"] == cell
    message = service.prior_final_message(out, 2024, 3)
    assert message.startswith(f"2024年决算第3版无法带入上年决算数（{schema.SHEET_ITEMS}!{cell}：")
    assert message.endswith(
        "决算工作簿已生成，但“上年决算对比”和年初结转和结余未填：请按2024年决算填写，或把2024年决算第3版改到没有错误后重新下载"
    )


def test_another_units_final_version_is_left_out_and_the_message_says_whose_it_is(tmp_path: Path) -> None:
    """The job itself: last year's 决算 version (named as the runner names it) is 上海市普陀区财政局's (example 201),
    this year's 预算 another unit's; the workbook is made without last year's figures and the message says why."""
    from generator.web import jobs
    from tests.test_final_inputs import OTHER_UNIT, budget_2025, last_final

    last = last_final(tmp_path).rename(tmp_path / "决算第2版.xlsx")
    target = tmp_path / "2025决算.xlsx"
    out = jobs.final_from_budget(
        str(budget_2025(tmp_path, unit=OTHER_UNIT)), str(target), schema.FINAL_DEFAULT_FORMAT, prior_final=str(last)
    )
    assert out["ok"] and out["prior_rows"] == 0 and out["carried"] == {} and out["prior_problem"]["errors"] == []
    assert [final_fact(openpyxl.load_workbook(target), key) for key in OPENING] == [0, 0, 0, 0]
    assert service.prior_final_message(out, 2024, 2) == (
        "2024年决算第2版无法带入上年决算数（上年决算 决算第2版.xlsx 的单位全称是“上海市普陀区财政局”，"
        "与本年预算工作簿的“上海市普陀区司法局”不同：请给出本单位2024年的决算工作簿；如单位已更名，"
        "请在 决算第2版.xlsx 的“基本信息”表B2把单位全称改为“上海市普陀区司法局”后再试），"
        "决算工作簿已生成，但“上年决算对比”和年初结转和结余未填：请按2024年决算填写，或把2024年决算第2版改到没有错误后重新下载"
    )


def test_prior_final_messages() -> None:
    out = {"ok": True, "prior_rows": 8, "carried": {"carry_in": "0", "carry_in_fiscal": "0"}, "carry_rows": 0}
    assert service.prior_final_message(out, 2024, 1) == (
        "已从2024年决算第1版带入8行上年决算数、年初结转和结余0.00万元（标黄并附批注，请核对）"
    )
    missing = {"ok": True, "prior_problem": {"message": "决算第1版.xlsx 的文件已不在文件存储中", "errors": []}}
    assert service.prior_final_message(missing, 2024, 1).startswith(
        "2024年决算第1版无法带入上年决算数（决算第1版.xlsx 的文件已不在文件存储中）"
    )
