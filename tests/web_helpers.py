"""Helpers for the web application's tests: a site with departments, accounts and clients."""

from __future__ import annotations

import re
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from starlette.testclient import TestClient

from generator.workbook import schema
from generator.workbook.template import write_workbook
from tests.conftest import example_data

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)

PASSWORD = "correct-horse-battery"
PUBLIC_URL = "https://yusuan.example.gov.cn"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SECRET = re.compile(r"一次性密码：([A-Za-z0-9_\-]+)")
BAD_ECON = "99999"  # no such 经济分类 code: exactly one error, at 支出明细!D2


def csrf(client: TestClient) -> str:
    m = CSRF.search(client.get("/password").text)
    assert m, "no CSRF token on the page"
    return m[1]


def login(client: TestClient, username: str, password: str, new_password: str | None = PASSWORD) -> None:
    page = client.get("/login")
    token = CSRF.search(page.text)[1]  # type: ignore[index]
    r = client.post("/login", data={"csrf": token, "username": username, "password": password})
    assert r.status_code == 200, r.text
    if r.url.path == "/password" and new_password:
        token = CSRF.search(r.text)[1]  # type: ignore[index]
        r = client.post("/password", data={"csrf": token, "old": password, "new": new_password, "again": new_password})
        assert r.status_code == 200 and r.url.path != "/password", r.text


def example_with_one_error(folder: Path) -> Path:
    """Example 000 with a mistyped 经济分类 code in the first line item: one error."""
    path = folder / "000-一个错误.xlsx"
    write_workbook(path, example_data("000"))
    wb = openpyxl.load_workbook(path)
    ws = wb[schema.SHEET_ITEMS]
    cell = f"{schema.column_letter(schema.SHEET_ITEMS, 'econ_code')}{schema.FIRST_DATA_ROW}"
    ws[cell] = BAD_ECON
    wb.save(path)
    return path


def example(folder: Path, name: str) -> Path:
    path = folder / f"{name}.xlsx"
    if not path.exists():
        write_workbook(path, example_data(name))
    return path


@dataclass
class Site:
    app: object
    data: Path
    admin: TestClient
    clients: dict[str, TestClient] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)

    def client(self) -> TestClient:
        return TestClient(self.app, follow_redirects=True)  # type: ignore[arg-type]

    def add_department(self, name: str, approval: str = "", year: int | None = None) -> int:
        """A department; `approval` is its 预算批复日期 of 预算年度 `year` (the current season when None)."""
        data = {"csrf": csrf(self.admin), "name": name, "approval_date": approval}
        if year is not None:
            data["year"] = str(year)
        r = self.admin.post("/admin/departments", data=data)
        assert r.status_code == 200
        m = re.search(rf'<a href="/departments/(\d+)">{re.escape(name)}</a>', self.admin.get("/admin/departments").text)
        assert m
        self.departments[name] = int(m[1])
        return int(m[1])

    def add_account(self, username: str, role: str, department: str | None = None) -> TestClient:
        data = {"csrf": csrf(self.admin), "username": username, "role": role}
        if department:
            data["department_id"] = str(self.departments[department])
        r = self.admin.post("/admin/accounts", data=data)
        m = SECRET.search(r.text)
        assert m, r.text
        client = self.client()
        login(client, username, m[1])
        self.clients[username] = client
        return client

    def close(self) -> None:
        self.app.state.core.close()  # type: ignore[attr-defined]


def make_site(data: Path, settings_kw: dict | None = None) -> Site:
    from generator.web.app import create_app
    from generator.web.settings import Settings

    settings_kw = {"public_url": PUBLIC_URL, **(settings_kw or {})}
    app = create_app(Settings(data_dir=data, **settings_kw))
    password = app.state.core.first_admin()
    admin = TestClient(app, follow_redirects=True)
    login(admin, "admin", password)
    return Site(app=app, data=data, admin=admin)


def upload(client: TestClient, dept_id: int, path: Path, name: str | None = None):
    return client.post(
        f"/departments/{dept_id}/upload",
        data={"csrf": csrf(client)},
        files={"workbook": (name or path.name, path.read_bytes(), "application/octet-stream")},
    )


def version_id(response) -> int:
    m = re.match(r"/versions/(\d+)$", response.url.path)
    assert m, (response.status_code, response.url, response.text[:500])
    return int(m[1])


def wait_build(client: TestClient, build_path: str, timeout: float = 240) -> str:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = client.get(build_path)
        if 'http-equiv="refresh"' not in r.text:
            return r.text
        time.sleep(0.5)
    raise AssertionError("build did not finish")


def copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst)


def fill_final_amounts(src: Path, dst: Path, *, income: bool = True) -> Path:
    """What an officer types into the 决算 workbook made from a 预算 (issue 20): every 支出明细 line's
    决算数 (here: spent as budgeted), and, with `income`, 收入决算: the prefilled 财政拨款收入 rows'
    amounts (each 项's 财政拨款 决算数) and one 其他收入 row per 项 of the other lines, so that
    income and spending balance. Without `income` the 收入决算 amounts stay empty (errors at their cells)."""
    from decimal import Decimal

    from generator.compute import ledger as L
    from generator.compute.final import FISCAL_FINAL
    from generator.pipeline import run

    wb = openpyxl.load_workbook(src)
    ws = wb[schema.SHEET_ITEMS]
    amount, final = (
        schema.column_letter(schema.SHEET_ITEMS, "amount"),
        schema.column_letter(schema.SHEET_ITEMS, "final"),
    )
    row = schema.FIRST_DATA_ROW
    while ws[f"{amount}{row}"].value is not None:
        ws[f"{final}{row}"] = ws[f"{amount}{row}"].value
        row += 1
    wb.save(dst)
    if not income:
        return dst
    inputs = run(dst).inputs
    assert inputs is not None
    fiscal = {id(i) for i in L.select(inputs.items, L.by_sources(FISCAL_FINAL))}
    wb = openpyxl.load_workbook(dst)
    items = wb[schema.SHEET_ITEMS]
    by_code: dict[tuple[str, bool], Decimal] = {}
    for i in inputs.items:  # the typed values, in the workbook's own unit (元 or 万元)
        key = (i.func_code, id(i) in fiscal)
        by_code[key] = by_code.get(key, Decimal(0)) + Decimal(str(items[i.cell(schema.SHEET_ITEMS, "final")].value))
    ws = wb[schema.SHEET_FINAL_INCOME]
    code, kind, money = (
        schema.column_letter(schema.SHEET_FINAL_INCOME, k) for k in ("func_code", "income_type", "amount")
    )
    row = schema.FIRST_DATA_ROW
    while ws[f"{code}{row}"].value is not None:
        ws[f"{money}{row}"] = by_code.pop((str(ws[f"{code}{row}"].value), True))
        row += 1
    for (func_code, is_fiscal), total in sorted(by_code.items()):
        assert not is_fiscal, func_code
        ws[f"{code}{row}"], ws[f"{kind}{row}"], ws[f"{money}{row}"] = func_code, "其他收入", total
        row += 1
    wb.save(dst)
    return dst


def fill_final_priors(src: Path, dst: Path) -> Path:
    """上年决算对比 after `prepare`: last year's 决算 typed equal to this year's (no change, so no reason),
    in the workbook's unit (the automatic 本年决算数 column is in 万元)."""
    from decimal import Decimal

    wb = openpyxl.load_workbook(src)
    unit_row = schema.FIRST_DATA_ROW + [f.key for f in schema.INFO_FIELDS].index("amount_unit")
    scale = Decimal(10000) if wb[schema.SHEET_INFO][f"B{unit_row}"].value == "元" else Decimal(1)
    ws = wb[schema.SHEET_FINAL_PRIOR]
    key, prior, current = (schema.column_letter(schema.SHEET_FINAL_PRIOR, k) for k in ("key", "prior", "current"))
    row = schema.FIRST_DATA_ROW
    while ws[f"{key}{row}"].value is not None:
        ws[f"{prior}{row}"] = Decimal(str(ws[f"{current}{row}"].value)) * scale
        row += 1
    wb.save(dst)
    return dst
