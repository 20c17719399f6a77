"""Two machines with only PostgreSQL and an S3 object store in common, and a catalog imported through the web.

The web application (here, its own data folder) and one `disclosure worker` process (another data
folder: another machine) share a throw-away PostgreSQL cluster (tests/pg_cluster.py) and an S3-API
server (moto's, tests/s3_server.py), both on loopback. The administrator imports a 2027 支出功能分类
catalog on the web page; a department uploads a 2027 workbook that uses a code only that catalog
has, and builds it. The worker must have checked and built it with the imported catalog: the
version has no error and its PDF is byte-identical to a CLI build with the same catalog imported
locally. Neither machine keeps files or catalogs of its own: the web server has no `files/`, the
worker no `catalogs/`, only its mirror of the central catalogs.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from generator.build import build
from generator.catalog.store import CatalogSource
from generator.cli import main
from generator.web.db import Build, Job, Version
from tests.pg_cluster import cluster, pg_bin
from tests.s3_server import s3_env, s3_server
from tests.test_catalog_import import ADDED, catalog_2027, workbook, write_xlsx
from tests.web_helpers import csrf, make_site, upload, version_id

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL binaries (initdb, pg_ctl) are not installed"),
]

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 600  # seconds: a bound, not a measurement


def until(condition, what: str, deadline: float, pause: float = 0.3):  # type: ignore[no-untyped-def]
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(pause)
    raise AssertionError(f"gave up waiting for {what}")


def test_a_catalog_imported_through_the_web_is_used_by_a_worker_on_another_machine(tmp_path: Path) -> None:
    deadline = time.monotonic() + LIMIT
    # the reference: the CLI with the same catalog imported into a local data folder
    catalog_file = write_xlsx(tmp_path / "2027年支出功能分类.xlsx", catalog_2027())
    local = tmp_path / "cli-data"
    assert main(["catalog", "import", str(catalog_file), "--year", "2027", "--data", str(local)]) == 0
    book = workbook(tmp_path, 2027, ADDED[0], "民政局2027.xlsx")
    reference = build(book, tmp_path / "cli", ("pdf",), parallel=False, catalogs=CatalogSource.for_data_dir(local))
    (reference_pdf,) = reference.written

    with cluster() as url, s3_server() as s3:
        settings = {
            "database_url": url,
            "engine": "procrastinate",
            "store": "s3",
            "s3": s3,
            "build_formats": ("pdf",),
            "stalled_after": 3.0,
            "check_page_after": 300.0,
        }
        site = make_site(tmp_path / "web", settings)
        machine = Path(tempfile.mkdtemp(prefix="s3w-"))  # short: the worker's sockets live below it
        env = dict(os.environ, DATABASE_URL=url, DISCLOSURE_ENGINE="procrastinate", DISCLOSURE_DATA=str(machine))
        env.update(s3_env(s3), DISCLOSURE_BUILD_FORMATS="pdf", DISCLOSURE_STALLED_AFTER="3", PYTHONPATH=str(ROOT))
        log = tmp_path / "worker.log"
        with log.open("ab") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "generator.cli", "worker", "--builds", "1", "--checks", "1"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            core = site.app.state.core
            r = site.admin.post(
                "/admin/catalogs",
                data={"csrf": csrf(site.admin), "year": "2027", "kind": ""},
                files={"catalog": (catalog_file.name, catalog_file.read_bytes(), "application/octet-stream")},
            )
            assert r.status_code == 200 and "新增1个" in r.text, r.text[:2000]

            site.add_department("民政局")
            officer = site.add_account("minzheng", "department", "民政局")
            vid = version_id(upload(officer, site.departments["民政局"], book))
            with core.Session() as db:
                version = db.get(Version, vid)
                assert version.errors == 0, version.issues_json  # the new code is known on the worker
                assert "2027年科目代码表（财政局导入）" in version.catalog
                check = db.scalars(select(Job).where(Job.kind == "check")).one()
                assert check.worker.endswith(f":{worker.pid}")  # checked on the other machine

            r = officer.post(f"/versions/{vid}/build", data={"csrf": csrf(officer)})
            assert r.status_code == 200 and r.url.path.startswith("/builds/"), r.text[:300]
            build_id = int(r.url.path.rsplit("/", 1)[1])

            def finished() -> Build | None:
                with core.Session() as db:
                    b = db.get(Build, build_id)
                    return b if b.state in ("done", "failed") else None

            done = until(finished, "the build", deadline, 1.0)
            assert done.state == "done", (done.error, log.read_text(errors="replace")[-3000:])
            assert core.store.read(done.pdf_sha) == reference_pdf.read_bytes()  # from S3, as the CLI builds it

            # nothing kept by one machine alone
            assert not (tmp_path / "web" / "files").exists() and not (tmp_path / "web" / "catalogs").exists()
            assert not (machine / "files").exists() and not (machine / "catalogs").exists()
            assert (machine / "catalog-mirror" / "2027" / "function.csv").is_file()
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                try:
                    worker.wait(60)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
                    worker.wait()
            site.close()
            shutil.rmtree(machine, ignore_errors=True)
