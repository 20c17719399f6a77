"""Storage: migrations from empty, restart keeps versions, simultaneous uploads, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect

from generator.web.db import Version, make_engine, migrate
from generator.web.settings import Settings
from tests.pg_cluster import cluster, pg_bin
from tests.web_helpers import csrf, example, make_site, upload, version_id

pytestmark = pytest.mark.slow
TABLES = {
    "department",
    "budget_unit",
    "account",
    "invitation",
    "version",
    "build",
    "audit",
    "login_session",
    "job",
    "blob",
    "setting",
    "alembic_version",
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest):
    if request.param == "sqlite":
        yield None  # the embedded default: a file in the data folder
        return
    if pg_bin() is None:
        pytest.skip("PostgreSQL binaries (Debian package postgresql) are not installed")
    with cluster() as url:
        yield url


_count = itertools.count()


@pytest.fixture
def database(server: str | None) -> str | None:
    """None (SQLite in the test's data folder) or a new, empty PostgreSQL database."""
    if server is None:
        return None
    import psycopg

    name = f"t{next(_count)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name


def _settings(data: Path, url: str | None) -> dict:
    return {"database_url": url}


def test_migrations_from_empty(database, tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, database_url=database)
    s.prepare()
    engine = make_engine(s.url)
    try:
        migrate(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        migrate(engine)  # idempotent: already at head
        with engine.connect() as conn:
            assert conn.exec_driver_sql("select version_num from alembic_version").scalar() == "0008"
        assert "catalog" in {c["name"] for c in inspect(engine).get_columns("version")}
        assert "format_id" in {c["name"] for c in inspect(engine).get_columns("department")}
        assert "document" in {c["name"] for c in inspect(engine).get_columns("version")}
        assert "final_format_id" in {c["name"] for c in inspect(engine).get_columns("department")}
        # 批复日期 per (department, document, year) since 0007, no longer on the department
        assert not {"approval_date", "final_approval_date"} & {
            c["name"] for c in inspect(engine).get_columns("department")
        }
        assert {"department_id", "document", "year", "approved_on"} <= {
            c["name"] for c in inspect(engine).get_columns("approval")
        }
        # a build's notices about its files (the DOCX 目录 without page numbers) since 0008
        assert "notices" in {c["name"] for c in inspect(engine).get_columns("build")}
    finally:
        engine.dispose()


def test_upgrade_from_0001_keeps_accounts(database, tmp_path: Path) -> None:
    """A database made by the first release gains the login table; its accounts stay."""
    from alembic import command
    from alembic.config import Config

    from generator.web.db import MIGRATIONS

    s = Settings(data_dir=tmp_path, database_url=database)
    s.prepare()
    engine = make_engine(s.url)
    try:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
            conn.exec_driver_sql(
                "insert into account (username, password_hash, role, must_change_password, active, created_at) "
                "values ('old-admin', 'x', 'admin', false, true, '2026-11-30 00:00:00')"
            )
        migrate(engine)
        assert "login_session" in inspect(engine).get_table_names()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("select username from account").scalars().all() == ["old-admin"]
    finally:
        engine.dispose()


def test_upgrade_to_0007_moves_approval_dates_to_their_years(database, tmp_path: Path) -> None:
    """Each department's old 批复日期 moves to the year of its newest version of that document; without a version,
    to the current season (the newest 预算年度 of any version: here 2026, of a 决算)."""
    import datetime as dt

    from alembic import command
    from alembic.config import Config

    from generator.web.db import MIGRATIONS

    s = Settings(data_dir=tmp_path, database_url=database)
    s.prepare()
    engine = make_engine(s.url)
    try:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0006")
            run = conn.exec_driver_sql
            run(
                "insert into account (id, username, password_hash, role, must_change_password, active, created_at) "
                "values (1, 'old-admin', 'x', 'admin', false, true, '2026-11-30 00:00:00')"
            )
            run(
                "insert into department (id, name, approval_date, final_approval_date, created_at) values "
                "(1, '甲局', '2026-03-01', '2026-06-01', '2026-01-01 00:00:00'), "
                "(2, '乙局', '2026-03-05', '2026-07-01', '2026-01-01 00:00:00'), "
                "(3, '丙局', null, null, '2026-01-01 00:00:00')"
            )
            run("insert into budget_unit (department_id, name) values (1, '甲局本级')")
            # 甲局: a 2025 预算, then (newer) a 2024 one; a 2026 决算
            for vid, document, year in ((1, "budget", 2025), (2, "budget", 2024), (3, "final", 2026)):
                run(
                    "insert into version (id, department_id, uploaded_at, document, uploader_id, original_name, "
                    "size, sha256, year, errors, warnings, issues_json) values "
                    f"({vid}, 1, '2026-05-01 00:00:00', '{document}', 1, 'x.xlsx', 1, '{'a' * 64}', {year}, 0, 0, '[]')"
                )
        migrate(engine)
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "select department_id, document, year, approved_on from approval order by department_id, document"
            ).all()
            units = conn.exec_driver_sql("select name from budget_unit").scalars().all()
            versions = conn.exec_driver_sql("select count(*) from version").scalar()

        def day(v: object) -> dt.date:
            return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])

        got = {(d, doc, y): day(on) for d, doc, y, on in rows}
        assert got == {
            (1, "budget", 2024): dt.date(2026, 3, 1),  # its newest 预算 version's year (not the highest year)
            (1, "final", 2026): dt.date(2026, 6, 1),
            (2, "budget", 2026): dt.date(2026, 3, 5),  # no version: the season's 预算
            (2, "final", 2025): dt.date(2026, 7, 1),  # and the 决算 published in the season
        }
        assert units == ["甲局本级"] and versions == 3  # the tables referring to department are untouched
    finally:
        engine.dispose()


def test_upgrade_to_0008_keeps_builds_without_notices_and_downgrades(database, tmp_path: Path) -> None:
    """0008 adds build.notices: a build made before keeps its files and has no notice (NULL); downgrading
    to 0007 drops the column and keeps the build."""
    from alembic import command
    from alembic.config import Config

    from generator.web.db import MIGRATIONS

    s = Settings(data_dir=tmp_path, database_url=database)
    s.prepare()
    engine = make_engine(s.url)
    try:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0007")
            run = conn.exec_driver_sql
            run(
                "insert into account (id, username, password_hash, role, must_change_password, active, created_at) "
                "values (1, 'old-admin', 'x', 'admin', false, true, '2026-11-30 00:00:00')"
            )
            run("insert into department (id, name, created_at) values (1, '甲局', '2026-01-01 00:00:00')")
            run(
                "insert into version (id, department_id, uploaded_at, document, uploader_id, original_name, "
                "size, sha256, year, errors, warnings, issues_json) values "
                f"(1, 1, '2026-05-01 00:00:00', 'budget', 1, 'x.xlsx', 1, '{'a' * 64}', 2026, 0, 0, '[]')"
            )
            run(
                "insert into build (id, version_id, requested_by, requested_at, state, docx_sha, pdf_sha, pages) "
                f"values (1, 1, 1, '2026-05-01 00:00:00', 'done', '{'b' * 64}', '{'c' * 64}', 26)"
            )
        migrate(engine)
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("select id, state, pages, pdf_sha, notices from build").all()
        assert [tuple(r) for r in rows] == [(1, "done", 26, "c" * 64, None)]
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0007")
        assert "notices" not in {c["name"] for c in inspect(engine).get_columns("build")}
        with engine.connect() as conn:
            assert conn.exec_driver_sql("select id, pages from build").all() == [(1, 26)]
    finally:
        engine.dispose()


def test_restart_keeps_versions_and_files(database, tmp_path: Path) -> None:
    site = make_site(tmp_path, _settings(tmp_path, database))
    try:
        dept = site.add_department("重启测试局")
        client = site.add_account("restart-user", "department", "重启测试局")
        path = example(tmp_path, "002")
        vid = version_id(upload(client, dept, path))
    finally:
        site.close()
    from starlette.testclient import TestClient

    from generator.web.app import create_app
    from tests.web_helpers import PASSWORD, login

    app = create_app(Settings(data_dir=tmp_path, database_url=database))
    try:
        assert app.state.core.first_admin() is None  # the administrator exists already
        c = TestClient(app)
        login(c, "restart-user", PASSWORD)
        page = c.get(f"/departments/{dept}").text
        assert f'href="/versions/{vid}"' in page
        assert c.get(f"/versions/{vid}/workbook.xlsx").content == path.read_bytes()
    finally:
        app.state.core.close()


def test_two_simultaneous_uploads_both_become_versions(database, tmp_path: Path) -> None:
    site = make_site(tmp_path, _settings(tmp_path, database))
    try:
        dept = site.add_department("并发测试局")
        c1 = site.add_account("same-1", "department", "并发测试局")
        c2 = site.add_account("same-2", "department", "并发测试局")
        path = example(tmp_path, "000")
        tokens = {id(c1): csrf(c1), id(c2): csrf(c2)}
        barrier = threading.Barrier(2)
        results: list[int] = []

        def go(client) -> None:
            barrier.wait()
            r = client.post(
                f"/departments/{dept}/upload",
                data={"csrf": tokens[id(client)]},
                files={"workbook": (path.name, path.read_bytes(), "application/octet-stream")},
            )
            results.append(version_id(r))

        threads = [threading.Thread(target=go, args=(c,)) for c in (c1, c2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert len(set(results)) == 2
        with site.app.state.core.Session() as db:
            versions = db.query(Version).filter_by(department_id=dept).all()
            assert len(versions) == 2
            assert versions[0].sha256 == versions[1].sha256  # one stored file, two versions
            assert {v.uploader.username for v in versions} == {"same-1", "same-2"}
    finally:
        site.close()


def test_store_is_content_addressed_and_immutable(tmp_path: Path) -> None:
    from generator.web.store import Store

    store = Store(tmp_path / "files")
    sha = store.put(b"abc")
    # SHA-256 of "abc" (FIPS 180-2 test vector)
    assert sha == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert store.put(b"abc") == sha
    path = store.path(sha)
    assert path.read_bytes() == b"abc" and not (path.stat().st_mode & 0o222)
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")


def test_database_store_is_content_addressed(database, tmp_path: Path) -> None:
    """The store every machine reaches (DISCLOSURE_STORE=database): same interface, same names."""
    from generator.web.store import DatabaseStore

    s = Settings(data_dir=tmp_path, database_url=database)
    s.prepare()
    engine = make_engine(s.url)
    try:
        migrate(engine)
        store = DatabaseStore(engine)
        sha = store.put(b"abc")
        assert sha == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        assert store.put(b"abc") == sha  # a second writer of the same bytes changes nothing
        assert store.read(sha) == b"abc" and store.exists(sha)
        assert not store.exists("0" * 64) and not store.exists("../../etc/passwd") and not store.exists(None)
        with pytest.raises(FileNotFoundError):
            store.read("0" * 64)
        with pytest.raises(ValueError):
            store.read("../../etc/passwd")
    finally:
        engine.dispose()
