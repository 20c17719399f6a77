"""系统管理 → 科目代码表和格式 → 公开格式 (issue 16 §3): the bureau's format and a department's own, stored, audited and
set by the administrator only; the blank workbook in the department's format; the warning when an upload's 格式 differs;
the next-year workbook keeping its workbook's format.

The test-only third format (tests/data/formats) is installed in the server process. The upload checks run in the
forkserver, which may have started before this module set DISCLOSURE_FORMATS, so the uploads here are example 000 in
xinjiang-2023 (the mismatch is then on the department's side)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from generator.formats import registry
from generator.web.db import AuditEntry, Department, Setting
from generator.web.format_admin import FORMAT_CELL
from generator.workbook import schema
from tests.test_formats import FORMATS
from tests.web_helpers import csrf, example, make_site, upload, version_id

pytestmark = pytest.mark.slow

BUREAU_DEPT, OWN_DEPT = "昌吉州政资局", "测试区财政局"
THIRD, XINJIANG = "test-third", "xinjiang-2023"
XINJIANG_NAME, THIRD_NAME = "新疆部门预算公开（2023年格式）", "测试格式（第三种）"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(registry.ENV, str(FORMATS))
        site = make_site(tmp_path_factory.mktemp("web-formats") / "data")
        site.add_department(BUREAU_DEPT)
        site.add_department(OWN_DEPT)
        site.add_account("zhengzi", "department", BUREAU_DEPT)
        site.add_account("ceshi", "department", OWN_DEPT)
        site.files = tmp_path_factory.mktemp("web-formats-files")  # type: ignore[attr-defined]
        yield site
        site.close()


def set_bureau(client, format_id: str):
    return client.post("/admin/formats", data={"csrf": csrf(client), "format": format_id})


def set_department(client, dept_id: int, format_id: str):
    return client.post(f"/admin/departments/{dept_id}/format", data={"csrf": csrf(client), "format": format_id})


def blank_format(client, dept_id: int) -> str:
    r = client.get(f"/departments/{dept_id}/blank.xlsx?year=2024")
    assert r.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(r.content))[schema.SHEET_INFO][FORMAT_CELL].value


def stored(site) -> tuple[str | None, dict[str, str | None]]:
    with site.app.state.core.Session() as db:
        bureau = db.get(Setting, "format")
        return bureau.value if bureau else None, {d.name: d.format_id for d in db.query(Department)}


def test_without_a_choice_every_department_is_xinjiang(site) -> None:
    page = site.admin.get("/admin/year").text
    assert f"当前：{XINJIANG_NAME}（{XINJIANG}）" in page
    assert f'<option value="{THIRD}">{THIRD_NAME}（{THIRD}）</option>' in page  # the installed formats are offered
    assert blank_format(site.clients["zhengzi"], site.departments[BUREAU_DEPT]) == XINJIANG


def test_bureau_format_and_department_override(site) -> None:
    admin = site.admin
    r = set_bureau(admin, THIRD)
    assert r.url.path == "/admin/year"
    assert f"本局的公开格式已设为：{THIRD_NAME}（{THIRD}）" in r.text
    assert blank_format(site.clients["zhengzi"], site.departments[BUREAU_DEPT]) == THIRD

    r = set_department(admin, site.departments[OWN_DEPT], XINJIANG)
    assert f"{OWN_DEPT}的公开格式：{XINJIANG_NAME}（{XINJIANG}）" in r.text
    assert stored(site) == (THIRD, {BUREAU_DEPT: None, OWN_DEPT: XINJIANG})
    assert blank_format(site.clients["ceshi"], site.departments[OWN_DEPT]) == XINJIANG
    assert blank_format(site.clients["zhengzi"], site.departments[BUREAU_DEPT]) == THIRD
    dept_page = site.clients["ceshi"].get(f"/departments/{site.departments[OWN_DEPT]}").text
    assert f'<p id="format">公开格式：{XINJIANG_NAME}（{XINJIANG}）</p>' in dept_page

    # back to the bureau's: the override is cleared
    r = set_department(admin, site.departments[OWN_DEPT], "")
    assert f"{OWN_DEPT}的公开格式：使用本局格式 {THIRD_NAME}（{THIRD}）" in r.text
    assert stored(site)[1][OWN_DEPT] is None
    set_bureau(admin, XINJIANG)
    set_department(admin, site.departments[OWN_DEPT], THIRD)
    assert stored(site) == (XINJIANG, {BUREAU_DEPT: None, OWN_DEPT: THIRD})

    with site.app.state.core.Session() as db:
        audit = [
            (e.username, e.action, e.object, e.detail)
            for e in db.query(AuditEntry)
            .filter(AuditEntry.action.in_(["format-set", "department-format-set"]))
            .order_by(AuditEntry.id)
        ]
    assert audit == [
        ("admin", "format-set", "本局", f"{XINJIANG} → {THIRD}"),
        ("admin", "department-format-set", OWN_DEPT, f"本局格式 → {XINJIANG}（{XINJIANG}）"),
        ("admin", "department-format-set", OWN_DEPT, f"{XINJIANG} → 本局格式（{THIRD}）"),
        ("admin", "format-set", "本局", f"{THIRD} → {XINJIANG}"),
        ("admin", "department-format-set", OWN_DEPT, f"本局格式 → {THIRD}（{THIRD}）"),
    ]
    assert "设置部门公开格式" in admin.get("/admin/audit").text


def test_a_department_cannot_set_formats(site) -> None:
    """A department's account posts the administrator's forms, for itself and for another department: 404, nothing
    changes, nothing is audited."""
    before = stored(site)
    officer = site.clients["zhengzi"]
    assert officer.get("/admin/year").status_code == 404
    assert set_bureau(officer, THIRD).status_code == 404
    assert set_department(officer, site.departments[BUREAU_DEPT], THIRD).status_code == 404
    assert set_department(officer, site.departments[OWN_DEPT], XINJIANG).status_code == 404
    reviewer = site.add_account("shenhe", "reviewer")
    assert set_bureau(reviewer, THIRD).status_code == 404
    assert stored(site) == before
    with site.app.state.core.Session() as db:
        assert (
            not db.query(AuditEntry)
            .filter(AuditEntry.username.in_(["zhengzi", "shenhe"]), AuditEntry.action.like("%format%"))
            .count()
        )


def test_an_unknown_or_forged_format_is_refused_in_chinese(site) -> None:
    before = stored(site)
    # the 决算 format is offered for the 决算 only
    installed = f"已安装的预算格式：shanghai-putuo、shanghai-putuo-2024、shanghai-putuo-2025、{THIRD}、{XINJIANG}"
    r = set_bureau(site.admin, "shanghai-2099")
    assert f"没有名为“shanghai-2099”的格式（{installed}），未作更改；请从列表中选择" in r.text
    r = set_department(site.admin, site.departments[BUREAU_DEPT], "../../etc")
    assert f"没有名为“../../etc”的格式（{installed}），未作更改；请从列表中选择" in r.text
    assert (
        site.admin.post("/admin/departments/99999/format", data={"csrf": csrf(site.admin), "format": THIRD}).status_code
        == 404
    )
    assert stored(site) == before


def test_an_upload_in_another_format_is_warned_naming_both(site) -> None:
    """测试区财政局 is set to test-third; its officer uploads example 000, whose 格式 is xinjiang-2023."""
    dept = site.departments[OWN_DEPT]
    assert stored(site)[1][OWN_DEPT] == THIRD
    vid = version_id(upload(site.clients["ceshi"], dept, example(site.files, "000")))
    page = site.clients["ceshi"].get(f"/versions/{vid}").text
    said = (
        f"工作簿的格式是“{XINJIANG_NAME}”（{XINJIANG}），而本部门的公开格式是“{THIRD_NAME}”（{THIRD}）。"
        "公开文件按工作簿中的格式生成；如果选错了，请在“基本信息”的“格式”中改为 test-third 后重新上传，"
        "或请财政局管理员更改本部门的格式"
    )
    assert said in page
    assert f"基本信息!{FORMAT_CELL}" in page

    # a department in the workbook's format gets no such warning
    other = version_id(upload(site.clients["zhengzi"], site.departments[BUREAU_DEPT], example(site.files, "000")))
    assert "本部门的公开格式" not in site.clients["zhengzi"].get(f"/versions/{other}").text

    # the next-year workbook keeps the workbook's format, not the department's
    r = site.clients["ceshi"].get(f"/versions/{vid}/next-year.xlsx")
    assert r.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(r.content))[schema.SHEET_INFO][FORMAT_CELL].value == XINJIANG


def test_the_blank_workbook_takes_the_districts_style_of_its_year(site) -> None:
    """The bureau chooses 上海市普陀区's format once; a blank workbook for 2024 or 2025 is in that year's style
    (shanghai-putuo-2024, -2025), whose years do not overlap those of shanghai-putuo (2026 on)."""
    set_bureau(site.admin, "shanghai-putuo")
    client, dept = site.clients["zhengzi"], site.departments[BUREAU_DEPT]
    for year, expected in ((2024, "shanghai-putuo-2024"), (2025, "shanghai-putuo-2025")):
        r = client.get(f"/departments/{dept}/blank.xlsx?year={year}")
        assert r.status_code == 200
        assert openpyxl.load_workbook(io.BytesIO(r.content))[schema.SHEET_INFO][FORMAT_CELL].value == expected
    set_bureau(site.admin, XINJIANG)


def test_the_prepare_hint_names_the_sheets_of_the_departments_format(site) -> None:
    """版本页“补全上年对比”: a Shanghai workbook has no 类用途说明 (generator/formats/needs.py), so the hint names
    only 上年对比; in Xinjiang's format it names both."""
    client, dept = site.clients["zhengzi"], site.departments[BUREAU_DEPT]
    try:
        set_bureau(site.admin, "shanghai-putuo")
        page = client.get(f"/versions/{version_id(upload(client, dept, example(site.files, '101')))}").text
        assert "在“上年对比”表中添加所需的行" in page
        assert "类用途说明" not in page
    finally:
        set_bureau(site.admin, XINJIANG)
    page = client.get(f"/versions/{version_id(upload(client, dept, example(site.files, '000')))}").text
    assert "在“上年对比”“类用途说明”表中添加所需的行" in page
