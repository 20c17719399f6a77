"""The distributed engine end to end: PostgreSQL, two `disclosure worker` processes, one killed mid-job.

A throw-away PostgreSQL cluster on loopback (tests/pg_cluster.py) holds the application's
tables, the procrastinate queue and the files (`DISCLOSURE_STORE=database`). The web
application runs here; two worker processes, each with its own data folder (two machines),
take the jobs. Twenty builds are requested through the web pages, and the web application is
restarted (the queued jobs live in PostgreSQL); while one build runs on the
first worker its whole process group is SIGKILLed (a machine gone). The second worker
notices the missing heartbeat and queues the job again; the first is started again, as
systemd would. Every build must then be done exactly once, with the bytes of a CLI build,
nothing left over, and the build page must say that the job was retried. Last, a batch
`disclosure build` with the same configuration goes through the same queue.

Builds are PDF-only here (`DISCLOSURE_BUILD_FORMATS=pdf`, compared with `disclosure build
--format pdf`) to keep this short on two cores; the DOCX path through the same runner is
covered by tests/test_web.py's CLI-identical builds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text
from starlette.testclient import TestClient

from generator.build import build
from generator.web.app import create_app
from generator.web.db import BUILD_DONE, Build, Job, Version
from generator.web.settings import Settings
from tests.pg_cluster import cluster, pg_bin
from tests.web_helpers import csrf, make_site, upload, version_id

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL binaries (initdb, pg_ctl) are not installed"),
]

ROOT = Path(__file__).resolve().parents[1]
BUILDS = 20
DEPARTMENTS = 4
LIMIT = 900  # seconds for the whole test: a bound, not a measurement
STALLED = 3.0  # seconds without a heartbeat before a worker's jobs are taken back


def worker_env(url: str, data: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DISCLOSURE_ENGINE="procrastinate",
        DISCLOSURE_STORE="database",
        DISCLOSURE_STALLED_AFTER=str(STALLED),
        DISCLOSURE_BUILD_FORMATS="pdf",
        DISCLOSURE_DATA=str(data),
        PYTHONPATH=str(ROOT),
    )
    return env


def start_worker(url: str, data: Path, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "generator.cli", "worker", "--builds", "1", "--checks", "1"],
            env=worker_env(url, data),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the pool and LibreOffice die with it
        )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def until(condition, what: str, deadline: float, pause: float = 0.2):  # type: ignore[no-untyped-def]
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(pause)
    raise AssertionError(f"gave up waiting for {what}")


def test_twenty_builds_on_two_workers_survive_a_killed_worker(example_paths: dict[str, Path], tmp_path: Path) -> None:
    deadline = time.monotonic() + LIMIT
    cli = {}
    for name, path in example_paths.items():  # the reference: the ordinary CLI build of each workbook
        out = tmp_path / f"cli-{name}"
        assert build(path, out, ("pdf",), parallel=False).written
        (pdf,) = out.glob("*.pdf")
        cli[name] = pdf.read_bytes()

    with cluster() as url:
        settings = {
            "database_url": url,
            "engine": "procrastinate",
            "store": "database",
            "build_formats": ("pdf",),
            "stalled_after": STALLED,
            "check_page_after": 300.0,  # uploads answer with their version, not the waiting page
        }
        site = make_site(tmp_path / "web", settings)
        # short paths: a worker's sockets live below its data folder (a Unix socket path has 107 bytes)
        machines = [Path(tempfile.mkdtemp(prefix=f"m{i}-")) for i in (1, 2)]
        logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
        workers = [start_worker(url, machines[i], logs[i]) for i in range(2)]
        app = None
        try:
            names = sorted(example_paths)
            clients = []
            for d in range(DEPARTMENTS):
                site.add_department(f"部门{d}")
                clients.append(site.add_account(f"officer-{d}", "department", f"部门{d}"))
            # Twenty versions (their checks run on the workers too), then twenty builds.
            versions: dict[int, str] = {}
            for i in range(BUILDS):
                d = i % DEPARTMENTS
                name = names[i % len(names)]
                r = upload(clients[d], site.departments[f"部门{d}"], example_paths[name])
                versions[version_id(r)] = name
            builds: dict[int, str] = {}
            for i, (vid, name) in enumerate(versions.items()):
                c = clients[i % DEPARTMENTS]
                r = c.post(f"/versions/{vid}/build", data={"csrf": csrf(c)})
                assert r.status_code == 200 and r.url.path.startswith("/builds/"), r.text[:300]
                builds[int(r.url.path.rsplit("/", 1)[1])] = name
            assert len(builds) == BUILDS

            # The web server restarts: the queued builds live in PostgreSQL, the workers go on.
            site.close()
            app = create_app(Settings(data_dir=tmp_path / "web", **settings))
            core = app.state.core
            admin = TestClient(app, follow_redirects=True)
            admin.cookies = site.admin.cookies  # the same secret key: the administrator's login holds

            # SIGKILL the first worker (its whole process group) while it renders a PDF.
            marker = f":{workers[0].pid}"

            def running_on_first() -> int | None:
                with core.Session() as db:
                    row = db.scalars(
                        select(Job).where(Job.state == "running", Job.kind == "build", Job.worker.endswith(marker))
                    ).first()
                    return row.id if row is not None and row.stage and "PDF" in row.stage else None

            killed = until(running_on_first, "a build on the first worker", deadline, 0.05)
            os.killpg(workers[0].pid, signal.SIGKILL)
            workers[0].wait()
            leftover = list((machines[0] / "tmp").glob("job-*"))
            assert leftover, "the killed worker had a scratch folder"
            workers[0] = start_worker(url, machines[0], logs[0])  # as systemd's Restart= would

            def all_finished() -> bool:
                with core.Session() as db:
                    states = db.scalars(select(Build.state).where(Build.id.in_(builds))).all()
                return all(s in ("done", "failed") for s in states)

            until(all_finished, "all twenty builds", deadline, 1.0)

            with core.Session() as db:
                rows = {b.id: b for b in db.scalars(select(Build).where(Build.id.in_(builds)))}
                jobs = db.scalars(select(Job).where(Job.kind == "build")).all()
                assert {b.state for b in rows.values()} == {BUILD_DONE}, [(b.id, b.error) for b in rows.values()]
                # every build done once: one job each, one attempt each except the killed one (two)
                assert sorted(j.build_id for j in jobs) == sorted(builds)
                attempts = {j.id: j.attempts for j in jobs}
                assert attempts[killed] == 2
                assert all(n == 1 for jid, n in attempts.items() if jid != killed)
                assert all(j.state == "done" for j in jobs)
                killed_build = next(j.build_id for j in jobs if j.id == killed)
                # the files: byte-identical to the CLI build of the same workbook
                for bid, name in builds.items():
                    assert core.store.read(rows[bid].pdf_sha) == cli[name], bid
                # no half-published file: every stored file is its own hash and referenced by a row
                referenced = {v.sha256 for v in db.scalars(select(Version))}
                referenced |= {v.annotated_sha for v in db.scalars(select(Version))}
                referenced |= {b.pdf_sha for b in rows.values()}
                blobs = db.execute(text("SELECT sha256, data FROM blob")).all()
                assert all(hashlib.sha256(bytes(data)).hexdigest() == sha for sha, data in blobs)
                assert {sha for sha, _ in blobs} == referenced
                # the queue is empty: nothing waiting, running or failed
                left = db.execute(text("SELECT status, count(*) FROM procrastinate_jobs GROUP BY status")).all()
                assert dict(left).keys() <= {"succeeded"}, left

            # the page says what happened
            page = admin.get(f"/builds/{killed_build}")
            assert "第2次执行完成" in page.text and "中断" in page.text, page.text
            queue_page = admin.get("/admin/queue").text
            assert f"生成 {killed_build}" in queue_page and "执行2次" in queue_page

            # batch `disclosure build` with the same configuration goes through the same queue
            out = tmp_path / "batch"
            env = worker_env(url, tmp_path / "batch-data")
            books = [str(p) for p in example_paths.values()]
            batch = subprocess.run(
                [sys.executable, "-m", "generator.cli", "build", *books, "-o", str(out), "--format", "pdf"],
                check=False,
                env=env,
                capture_output=True,
                text=True,
                timeout=max(60, deadline - time.monotonic()),
            )
            assert batch.returncode == 0, batch.stdout + batch.stderr
            for name in example_paths:
                (reference,) = (tmp_path / f"cli-{name}").glob("*.pdf")
                assert (out / reference.name).read_bytes() == cli[name]
            assert sorted(p.name for p in out.iterdir()) == sorted(
                next((tmp_path / f"cli-{n}").glob("*.pdf")).name for n in example_paths
            )
        finally:
            for w in workers:
                stop(w)
            site.close()
            if app is not None:
                app.state.core.close()
    # no leftovers on either machine: the restarted worker swept the killed one's scratch folder
    for machine in machines:
        assert list((machine / "tmp").iterdir()) == [], list((machine / "tmp").iterdir())
        shutil.rmtree(machine)
