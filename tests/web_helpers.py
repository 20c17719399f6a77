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

    def add_department(self, name: str, approval: str = "") -> int:
        r = self.admin.post(
            "/admin/departments", data={"csrf": csrf(self.admin), "name": name, "approval_date": approval}
        )
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
